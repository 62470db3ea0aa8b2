#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 7: the two relaxations of a negotiate action.
#  soft=yes   host A (scripts/soft.netsh) talks to B, which runs no IPsec
#             at all: A tries IKE, and the traffic flows in the clear.
#  inpass=yes host A (scripts/inpass.netsh) accepts B's clear packets but
#             answers only through IPsec; B runs only a default response
#             rule (scripts/respond.netsh), so A's answer makes A initiate
#             IKE, B responds, and from then on the conversation is ESP.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
t=soft-inpass
uml_need_product "$t"
uml_main "$0" "$@"

S=$TOP/tests/e2e/scripts
e2e_bins
topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }

# ---- soft: B has no IPsec at all (no charon, no policy).
t=soft
charon_start hosta || { t_fail "$t-charon" "charon did not start"; exit 1; }
product_step "$t-netsh" hosta product_netsh hosta "$S/soft.netsh" || exit 1
product_step "$t-apply" hosta product_apply hosta || exit 1
cap_start soft hosta eth0
t0=$(now_ms)
ok=0
end=$(($(now_ms) + 15000))
while [ "$(now_ms)" -lt $end ]; do
	nsx hosta ping -c 1 -W 1 $HOSTB >/dev/null 2>&1 && { ok=1; break; }
done
ms=$(($(now_ms) - t0))
nsx hosta ping -c 2 -i 0.2 -W 1 $HOSTB >/dev/null 2>&1 || ok=0
cap_stop soft
cap_show soft 10 >&2
ike=$(cap_count soft "udp port 500 and src host $HOSTA")
clear=$(cap_count soft "icmp and src host $HOSTA")
esp=$(cap_count soft esp)
if [ $ok = 1 ]; then t_pass "$t-falls-back-to-clear"; log "soft: clear after $ms ms";
else t_fail "$t-falls-back-to-clear" "ping to a peer without IPsec failed for 15 s"; fi
if [ "$ike" -ge 1 ]; then t_pass "$t-tried-ike"; else
	t_fail "$t-tried-ike" "A sent no IKE packet to B (soft must still try to negotiate)"; fi
if [ "$clear" -ge 2 ] && [ "$esp" = 0 ]; then t_pass "$t-wire-clear"; else
	t_fail "$t-wire-clear" "clear ICMP from A=$clear ESP=$esp (want >=2 and 0)"; fi

# ---- inpass: B answers IKE through its default response rule only.
t=inpass
product_flush hosta >&2 2>&1
charon_stop hosta
# The soft phase's failed negotiation leaves an acquire (larval) state for
# A -> B behind; while it lives the kernel sends no new ACQUIRE for A -> B.
nsx hosta ip xfrm state flush
host_reset hosta
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }
product_step "$t-netsh-hostA" hosta product_netsh hosta "$S/inpass.netsh" || exit 1
product_step "$t-netsh-hostB" hostb product_netsh hostb "$S/respond.netsh" || exit 1
product_step "$t-apply-hostA" hosta product_apply hosta || exit 1
product_step "$t-apply-hostB" hostb product_apply hostb || exit 1
cap_start inpass hosta eth0
# B starts in the clear: it has no policy for A, only a responder.
ok=0
end=$(($(now_ms) + 15000))
while [ "$(now_ms)" -lt $end ]; do
	nsx hostb ping -c 1 -W 1 $HOSTA >/dev/null 2>&1 && { ok=1; break; }
done
wait_sa hosta 5
nsx hostb ping -c 3 -i 0.2 -W 1 $HOSTA >/dev/null 2>&1 || ok=0
cap_stop inpass
cap_show inpass 14 >&2
first_in=$(tcpdump -n -r "$SCRATCH/cap/inpass.pcap" "icmp and src host $HOSTB" 2>/dev/null | head -1)
ike_from_a=$(cap_count inpass "udp port 500 and src host $HOSTA")
clear_out=$(cap_count inpass "icmp and src host $HOSTA")
esp_out=$(cap_count inpass "esp and src host $HOSTA")
[ -n "$first_in" ] && t_pass "$t-clear-inbound-arrives" ||
	t_fail "$t-clear-inbound-arrives" "no clear ICMP from B seen"
[ $ok = 1 ] && t_pass "$t-conversation-works" ||
	t_fail "$t-conversation-works" "B's pings to A got no answer within 15 s"
[ "$ike_from_a" -ge 1 ] && t_pass "$t-a-initiates-ike" ||
	t_fail "$t-a-initiates-ike" "A did not start IKE after B's clear packet"
if [ "$clear_out" = 0 ] && [ "$esp_out" -ge 3 ]; then t_pass "$t-replies-protected"; else
	t_fail "$t-replies-protected" "A sent clear ICMP=$clear_out ESP=$esp_out (want 0 and >=3)"; fi
exit 0
