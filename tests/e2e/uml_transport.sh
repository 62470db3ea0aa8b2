#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 2: transport mode between two hosts, each configured ONLY by a
# netsh script (scripts/hostA.netsh, hostB.netsh) and ipsec-apply driving
# its own charon over VICI.  Checks: the first packet starts IKE, ping/TCP/
# UDP then travel as ESP only; UDP 5353 (permit rule) passes in the clear;
# TCP 23 (block rule) never reaches the wire.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
t=transport
uml_need_product "$t"
uml_main "$0" "$@"

S=$TOP/tests/e2e/scripts
e2e_bins

topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }
product_step "$t-netsh-hostA" hosta product_netsh hosta "$S/hostA.netsh" || exit 1
product_step "$t-netsh-hostB" hostb product_netsh hostb "$S/hostB.netsh" || exit 1
product_step "$t-apply-hostA" hosta product_apply hosta || exit 1
product_step "$t-apply-hostB" hostb product_apply hostb || exit 1
sw hosta --list-conns >&2
nsx hosta ip xfrm policy >&2

t0=$(now_ms)
if ping_until hosta $HOSTB 10 && wait_sa hosta 5; then
	t_pass "$t-ike-on-first-packet"
	log "first packet to SA: $(($(now_ms) - t0)) ms"
else
	t_fail "$t-ike-on-first-packet" "no CHILD_SA 10 s after the first ping (charon log $SCRATCH/hosta/charon.log)"
	exit 1
fi
sw hosta --list-sas >&2
if nsx hosta ip xfrm state | grep -q 'enc cbc(des3_ede)'; then
	t_pass "$t-esp-3des"
else
	t_fail "$t-esp-3des" "kernel SA is not ESP 3DES: $(nsx hosta ip xfrm state | grep enc | head -1)"
fi
check_protected "$t" hosta hostb $HOSTB
check_permitted "$t" hosta hostb $HOSTB 5353
check_blocked "$t" hosta hostb $HOSTB 23
check_blocked "$t-reverse" hostb hosta $HOSTA 23
exit 0
