#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 1: the UML harness proves itself with hand-written swanctl
# configuration, before any product code is involved.  Two hosts, IKEv1
# main mode with a pre-shared key, ESP transport; the first ping starts the
# negotiation through a trap policy, later pings travel as ESP only.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
uml_main "$0" "$@"

t="selftest"
topo_hosts || { t_fail "$t-topology" "could not build the two hosts"; exit 1; }
t_pass "$t-topology"
charon_start hosta && charon_start hostb || { t_fail "$t-charon" "charon did not start"; exit 1; }
t_pass "$t-charon"
swconf "$SCRATCH/a.conf" $HOSTA $HOSTB
swconf "$SCRATCH/b.conf" $HOSTB $HOSTA
if sw_load hosta "$SCRATCH/a.conf" && sw_load hostb "$SCRATCH/b.conf"; then
	t_pass "$t-swanctl-load"
else
	t_fail "$t-swanctl-load" "swanctl --load-conns failed"; exit 1
fi

t0=$(now_ms)
if ping_until hosta $HOSTB 10 && wait_sa hosta 5; then
	t_pass "$t-ike-trap-established"
	log "first ping to SA: $(($(now_ms) - t0)) ms"
else
	t_fail "$t-ike-trap-established" "no CHILD_SA after 10 s (see $SCRATCH/hosta/charon.log)"
	exit 1
fi
sw hosta --list-sas >&2

cap_start esp hosta eth0
nsx hosta ping -c 3 -i 0.2 -W 1 $HOSTB >/dev/null
prc=$?
cap_stop esp
[ $prc = 0 ] && t_pass "$t-ping-over-esp" || t_fail "$t-ping-over-esp" "ping failed with the SA up"
esp=$(cap_count esp esp) icmp=$(cap_count esp icmp)
log "capture: esp=$esp icmp=$icmp"; cap_show esp >&2
if [ "$esp" -ge 6 ] && [ "$icmp" = 0 ]; then
	t_pass "$t-wire-only-esp"
else
	t_fail "$t-wire-only-esp" "expected >=6 ESP and 0 clear ICMP packets, saw esp=$esp icmp=$icmp"
fi
exit 0
