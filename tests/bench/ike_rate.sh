#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKE negotiations per second between two UML hosts.  Figures only.
#   tests/bench/ike_rate.sh [N]          (root; N peers, default 100)
#
# Host B holds N addresses and answers IKEv1 main mode + quick mode for
# any of them; host A has one negotiate rule per address.  Three ways:
#   product   A configured by netsh + ipsec-apply (trap policies); one
#             datagram to every peer starts all N negotiations at once
#   trap      the same with hand-written swanctl config (start_action=trap)
#   initiate  hand-written config, `swanctl --initiate` one after another
# Each count is N / (time until the kernel holds N ESP SA pairs).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
export BENCH_N=${BENCH_N:-${1:-100}}
UML_TIMEOUT=${UML_TIMEOUT:-600}
uml_main "$0" "$@"

N=$BENCH_N
e2e_bins
topo_hosts || { echo "FAIL bench: topology"; exit 1; }
many_addrs_on hostb eth0 "$N"
nsx hosta ip route add 10.92.0.0/16 dev eth0
many_responder "$SCRATCH/resp.conf"

# fire NS N: one UDP datagram to every peer from a single shell (bash's
# /dev/udp needs no process per packet).
fire() {
	ip netns exec "$1" bash -c 'for i in $(seq 1 '"$2"'); do
		a="10.92.$(((i - 1) / 250)).$(((i - 1) % 250 + 1))"; echo x 2>/dev/null >/dev/udp/$a/9; done'
}

# until_pairs NS N SECONDS: wait for N ESP pairs; prints the elapsed ms.
until_pairs() {
	local t0 end
	t0=$(now_ms) end=$(($(now_ms) + $3 * 1000))
	while [ "$(esp_pairs "$1")" -lt "$2" ] && [ "$(now_ms)" -lt $end ]; do sleep 0.1; done
	echo $(($(now_ms) - t0))
}

round() {
	local how=$1 ms got
	charon_start hosta && charon_start hostb || { echo "FAIL bench: charon"; exit 1; }
	sw_load hostb "$SCRATCH/resp.conf" >/dev/null 2>&1
	case $how in
	product)
		many_netsh "$SCRATCH/many.netsh" "$N"
		product_netsh hosta "$SCRATCH/many.netsh" || { echo "FAIL bench: netsh: $(tail -1 "$SCRATCH/hosta/netsh.out")"; return; }
		product_apply hosta || { echo "FAIL bench: ipsec-apply: $(tail -1 "$SCRATCH/hosta/apply.out")"; return; }
		;;
	trap | initiate)
		MANY_START=$([ "$how" = trap ] && echo trap || echo none) many_swanctl "$SCRATCH/many.conf" "$N" $HOSTA
		sw_load hosta "$SCRATCH/many.conf" >/dev/null 2>&1
		;;
	esac
	local t0
	t0=$(now_ms)
	if [ "$how" = initiate ]; then
		for i in $(seq 1 "$N"); do sw hosta --initiate --child "c$i" --timeout 10 >/dev/null 2>&1; done
		ms=$(($(now_ms) - t0))
	else
		fire hosta "$N"
		ms=$(until_pairs hosta "$N" 120)
		ms=$(($(now_ms) - t0))
	fi
	got=$(esp_pairs hosta)
	printf 'FIG ike-rate %-8s %4d/%d SAs in %6d ms = %6.1f negotiations/s\n' "$how" "$got" "$N" "$ms" \
		"$(awk -v g="$got" -v m="$ms" 'BEGIN { print g * 1000 / m }')"
	[ "$how" = product ] && product_flush hosta >/dev/null 2>&1
	charon_stop hosta
	charon_stop hostb
	nsx hosta ip xfrm state flush
	nsx hostb ip xfrm state flush
	nsx hosta ip xfrm policy flush
	nsx hostb ip xfrm policy flush
	host_reset hosta; host_reset hostb
}

echo "# ike_rate: N=$N peers, UML $(uname -r), strongSwan $(charon --version 2>/dev/null | awk '{print $NF}')"
if why=$(product_why_not); then round product; else echo "SKIP ike-rate product: $why"; fi
round trap
round initiate
exit 0
