#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 3: tunnel mode, gateway to gateway, subnet to subnet.
#   net1 (10.91.1.10) - gw1 10.91.0.1 == 10.91.0.2 gw2 - net2 (10.91.2.10)
# The gateways are configured only by scripts/gw1.netsh and gw2.netsh and
# ipsec-apply.  Traffic between the subnets must cross the gateways' link
# as ESP only, while the subnets themselves see it in the clear.
#
# The same checks run twice in one boot: first with hand-written tunnel
# config on both gateways (suffix -reference: proves topology and checks),
# then, after a clean slate, with the product.
#
# With the argument "bpf" (tests/e2e/uml_tunnel_bpf.sh) the product pass
# alone runs, with ipsec-apply --backend=bpf: the gateways' eBPF classifier
# marks the forwarded packets and the rules' mark-selected XFRM policies
# send them into the tunnel (this kernel has no nftables ip family, so the
# local-traffic chain is off; the gateways' traffic is all forwarded).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
uml_main "$0" "$@"

MODE=${1:-xfrm}
t=tunnel
[ "$MODE" = bpf ] && t=tunnel-bpf
S=$TOP/tests/e2e/scripts
topo_gateways || { t_fail "$t-topology" "could not build gateways and subnets"; exit 1; }
# Without IPsec the subnets reach each other in the clear: the topology
# itself is right before any policy exists.
if nsx net1 ping -c 1 -W 1 $H2 >/dev/null 2>&1; then t_pass "$t-topology"; else
	t_fail "$t-topology" "net1 cannot reach net2 without IPsec"; exit 1; fi
# traffic_checks SFX: the traffic part, for one configuration.
traffic_checks() {
	local sfx=$1 r1=0 r2=0 esp clear inner g
	# Forwarded traffic from net1 hits gw1's trap policy and starts IKE.
	nsx net1 ping -c 1 -W 0.2 $H2 >/dev/null 2>&1
	if wait_sa gw1 10; then
		t_pass "$t-ike-on-forwarded-packet$sfx"
	else
		t_fail "$t-ike-on-forwarded-packet$sfx" "no SA on gw1 (log $SCRATCH/gw1/charon.log)"
		return 1
	fi
	if nsx gw1 ip xfrm state | grep -q 'mode tunnel'; then t_pass "$t-sa-tunnel-mode$sfx"; else
		t_fail "$t-sa-tunnel-mode$sfx" "SA on gw1 is not in tunnel mode"; fi
	# Outbound on both gateways' link ends is exactly what crossed the wire.
	cap_start wan1$sfx gw1 eth0 out
	cap_start wan2$sfx gw2 eth0 out
	cap_start lan1$sfx net1 eth0
	nsx net1 ping -c 3 -i 0.2 -W 1 $H2 >/dev/null 2>&1 || r1=1
	tcp_ok net2 net1 $H2 8080 || r2=1
	cap_stop wan1$sfx
	cap_stop wan2$sfx
	cap_stop lan1$sfx
	[ $r1 = 0 ] && t_pass "$t-ping-subnet$sfx" || t_fail "$t-ping-subnet$sfx" "net1 -> net2 ping failed"
	[ $r2 = 0 ] && t_pass "$t-tcp-subnet$sfx" || t_fail "$t-tcp-subnet$sfx" "net1 -> net2 TCP failed"
	esp=$(($(cap_count wan1$sfx "esp and host $GW1 and host $GW2") + $(cap_count wan2$sfx "esp and host $GW1 and host $GW2")))
	clear=$(($(cap_count wan1$sfx "icmp or tcp port 8080") + $(cap_count wan2$sfx "icmp or tcp port 8080")))
	inner=$(cap_count lan1$sfx "icmp and host $H2")
	cap_show wan1$sfx 4 >&2
	cap_show wan2$sfx 4 >&2
	if [ "$esp" -ge 6 ] && [ "$clear" = 0 ]; then t_pass "$t-wan-only-esp$sfx"; else
		t_fail "$t-wan-only-esp$sfx" "gateway link: esp=$esp clear=$clear (want >=6 and 0)"; fi
	if [ "$inner" -ge 6 ]; then t_pass "$t-lan-clear$sfx"; else
		t_fail "$t-lan-clear$sfx" "subnet link saw $inner clear ICMP packets (want >=6)"; fi
	# Traffic that is not between the subnets (gateway to gateway) is not
	# tunnelled by a subnet-to-subnet policy.
	cap_start gwgw$sfx gw1 eth0
	nsx gw1 ping -c 2 -i 0.2 -W 1 $GW2 >/dev/null 2>&1 && g=0 || g=1
	cap_stop gwgw$sfx
	if [ $g = 0 ] && [ "$(cap_count gwgw$sfx icmp)" -ge 4 ]; then t_pass "$t-gw-to-gw-clear$sfx"; else
		t_fail "$t-gw-to-gw-clear$sfx" "gateway-to-gateway ping ok=$((1 - g)), clear ICMP=$(cap_count gwgw$sfx icmp)"; fi
}

# ---- reference: hand-written tunnel config on both gateways
charon_start gw1 && charon_start gw2 || { t_fail "$t-charon" "charon did not start"; exit 1; }
if [ "$MODE" = xfrm ]; then
	swconf "$SCRATCH/gw1.conf" $GW1 $GW2 mode=tunnel lts=$NET1 rts=$NET2 psk=e2e-tunnel-secret
	swconf "$SCRATCH/gw2.conf" $GW2 $GW1 mode=tunnel lts=$NET2 rts=$NET1 psk=e2e-tunnel-secret
	if sw_load gw1 "$SCRATCH/gw1.conf" && sw_load gw2 "$SCRATCH/gw2.conf"; then
		traffic_checks -reference
	else
		t_fail "$t-reference-load" "swanctl load failed"
	fi
fi

# ---- the product, from a clean slate
if ! why=$(product_why_not); then t_skip "$t-product" "$why"; exit 0; fi
charon_stop gw1
charon_stop gw2
for n in gw1 gw2; do
	nsx $n ip xfrm state flush
	nsx $n ip xfrm policy flush
	host_reset $n
done
charon_start gw1 && charon_start gw2 || { t_fail "$t-charon" "charon did not restart"; exit 1; }
product_step "$t-netsh-gw1" gw1 product_netsh gw1 "$S/gw1.netsh" || exit 1
product_step "$t-netsh-gw2" gw2 product_netsh gw2 "$S/gw2.netsh" || exit 1
if [ "$MODE" = bpf ]; then
	# Pins are global to the kernel: one bpf file system per gateway.
	for n in gw1 gw2; do
		mkdir -p "$SCRATCH/$n/state" && mount -t bpf bpf "$SCRATCH/$n/state" ||
			{ t_fail "$t-bpffs" "cannot mount a bpf file system"; exit 1; }
	done
	export NETSH_IPSEC_BPF_LOCAL=off
	product_step "$t-apply-gw1" gw1 product_apply gw1 --backend=bpf || exit 1
	product_step "$t-apply-gw2" gw2 product_apply gw2 --backend=bpf || exit 1
	cat "$SCRATCH/gw1/apply.out" >&2
	sw gw1 --list-conns >&2
	xfrm_pols gw1 >"$SCRATCH/gw1.pols"
	cat "$SCRATCH/gw1.pols" >&2
	any="0.0.0.0/0 0.0.0.0/0"
	if nsx gw1 tc filter show dev eth1 ingress 2>/dev/null | grep -q nsb_tc ||
		nsx gw1 bpftool net show 2>/dev/null | grep -q nsb_tc; then
		t_pass "$t-classifier-attached"
	else
		t_fail "$t-classifier-attached" "no nsb_tc program on gw1's LAN interface: $(head -n 5 "$SCRATCH/gw1/apply.out" | tr '\n' ' ')"
	fi
	# One mark-selected policy per rule and direction: the outbound half
	# sends into the tunnel to the far gateway and lets its clear LAN
	# packets through fwd; the inbound half requires the tunnel at in and fwd.
	if grep -q "^$any out allow $GW1 $GW2 tunnel" "$SCRATCH/gw1.pols"; then
		t_pass "$t-xfrm-out-to-far-gateway"
	else
		t_fail "$t-xfrm-out-to-far-gateway" "no marked out policy with tunnel $GW1 -> $GW2"
	fi
	if grep -q "^$any in allow $GW2 $GW1 tunnel" "$SCRATCH/gw1.pols" &&
		grep -q "^$any fwd allow $GW2 $GW1 tunnel" "$SCRATCH/gw1.pols"; then
		t_pass "$t-xfrm-in-fwd-from-far-gateway"
	else
		t_fail "$t-xfrm-in-fwd-from-far-gateway" "no marked in+fwd policies with tunnel $GW2 -> $GW1"
	fi
	if grep -q "^$any fwd allow $GW1 $GW2 tunnel" "$SCRATCH/gw1.pols"; then
		t_fail "$t-xfrm-lan-outbound-forwardable" "the outbound rule's fwd policy requires ESP"
	else
		t_pass "$t-xfrm-lan-outbound-forwardable"
	fi
	traffic_checks ""
	# The classifier decided those packets: its per-filter counters say so.
	st=$(NETSH_IPSEC_DIR=$SCRATCH/gw1/store nsx gw1 "$IPSEC_APPLY" --status --backend=bpf \
		--no-nft --state-dir "$SCRATCH/gw1/state" "$(product_vici_flag)" /run/gw1/charon.vici 2>&1)
	printf '%s\n' "$st" >&2
	if printf '%s' "$st" | grep -Eq 'bpf: filter [0-9]+ negotiate mark 0x[0-9a-f]+ packets [1-9]'; then
		t_pass "$t-classifier-counted"
	else
		t_fail "$t-classifier-counted" "no negotiate filter with packets: $(printf '%s' "$st" | grep 'bpf: filter' | tr '\n' ';')"
	fi
	exit 0
fi
product_step "$t-apply-gw1" gw1 product_apply gw1 || exit 1
product_step "$t-apply-gw2" gw2 product_apply gw2 || exit 1
sw gw1 --list-conns >&2
# What gw1's kernel must hold for Windows' pair of one-way tunnel rules;
# checked before any traffic so that a failure names the cause.
xfrm_pols gw1 >"$SCRATCH/gw1.pols"
cat "$SCRATCH/gw1.pols" >&2
if grep -q "^$NET1 $NET2 out allow $GW1 $GW2 tunnel" "$SCRATCH/gw1.pols"; then
	t_pass "$t-xfrm-out-to-far-gateway"
else
	t_fail "$t-xfrm-out-to-far-gateway" "gw1 has no out policy $NET1 -> $NET2 with tunnel $GW1 -> $GW2"
fi
if grep -q "^$NET2 $NET1 in allow $GW2 $GW1 tunnel" "$SCRATCH/gw1.pols" &&
	grep -q "^$NET2 $NET1 fwd allow $GW2 $GW1 tunnel" "$SCRATCH/gw1.pols"; then
	t_pass "$t-xfrm-in-fwd-from-far-gateway"
else
	t_fail "$t-xfrm-in-fwd-from-far-gateway" "gw1 lacks in+fwd policies $NET2 -> $NET1 with tunnel $GW2 -> $GW1: $(grep "^$NET2 $NET1 \(in\|fwd\)" "$SCRATCH/gw1.pols" | tr '\n' ';')"
fi
# A fwd policy with a template on the outbound selector makes the kernel
# drop the clear LAN traffic before it reaches the out policy.
bad=$(grep "^$NET1 $NET2 fwd allow [0-9]" "$SCRATCH/gw1.pols")
if [ -z "$bad" ]; then
	t_pass "$t-xfrm-lan-outbound-forwardable"
else
	t_fail "$t-xfrm-lan-outbound-forwardable" "fwd policy on the outbound selector requires ESP from the far side: $bad"
fi
if grep -q "$GW1 $GW1 tunnel" "$SCRATCH/gw1.pols"; then
	t_fail "$t-xfrm-no-self-tunnel" "a template has the local gateway at both ends: $(grep "$GW1 $GW1 tunnel" "$SCRATCH/gw1.pols" | head -1)"
else
	t_pass "$t-xfrm-no-self-tunnel"
fi
traffic_checks ""
exit 0
