#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Time to load N negotiate rules (one peer each) into charon through the
# whole product, inside UML.  Figures only.
#   tests/bench/ike_load_rules.sh [N]        (root; default 1000)
#
# netsh -f of a generated script (N filter lists, N rules), then ipsec-apply
# (XFRM policies + VICI into charon; --backend=xfrm --no-nft as everywhere
# in UML), then the same ipsec-apply again with nothing changed, then the
# reference: `swanctl --load-conns` of the equivalent hand-written config
# into a fresh charon.  The vici helper's host-side figures for the VICI
# part alone are in Documentation/performance.md ("Loading negotiate rules
# into charon").
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
export BENCH_N=${BENCH_N:-${1:-1000}}
UML_TIMEOUT=${UML_TIMEOUT:-900}
uml_main "$0" "$@"

N=$BENCH_N
e2e_bins
topo_hosts || { echo "FAIL bench: topology"; exit 1; }
echo "# ike_load_rules: N=$N, UML $(uname -r); ms"
if why=$(product_why_not); then
	charon_start hosta || { echo "FAIL bench: charon"; exit 1; }
	many_netsh "$SCRATCH/many.netsh" "$N"
	t0=$(now_ms)
	product_netsh hosta "$SCRATCH/many.netsh" || { echo "FAIL bench: netsh: $(tail -1 "$SCRATCH/hosta/netsh.out")"; exit 1; }
	t1=$(now_ms)
	product_apply hosta || { echo "FAIL bench: ipsec-apply: $(tail -1 "$SCRATCH/hosta/apply.out")"; exit 1; }
	t2=$(now_ms)
	product_apply hosta || { echo "FAIL bench: ipsec-apply again: $(tail -1 "$SCRATCH/hosta/apply.out")"; exit 1; }
	t3=$(now_ms)
	conns=$(sw hosta --list-conns 2>/dev/null | grep -c '^nsipsec')
	pols=$(nsx hosta ip xfrm policy | grep -c '^src')
	printf 'FIG ike-load-rules product  netsh -f (%d lines) %6d  ipsec-apply %6d  re-apply unchanged %6d  -> %d charon conns, %d XFRM policies\n' \
		"$(wc -l <"$SCRATCH/many.netsh")" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) "$conns" "$pols"
	t0=$(now_ms)
	product_flush hosta >/dev/null 2>&1
	printf 'FIG ike-load-rules product  flush %6d\n' $(($(now_ms) - t0))
	charon_stop hosta
	host_reset hosta
else
	echo "SKIP ike-load-rules product: $why"
fi
charon_start hosta || { echo "FAIL bench: charon"; exit 1; }
many_swanctl "$SCRATCH/many.conf" "$N" $HOSTA
t0=$(now_ms)
sw hosta --load-conns --file "$SCRATCH/many.conf" >/dev/null 2>&1
sw hosta --load-creds --noprompt --file "$SCRATCH/many.conf" >/dev/null 2>&1
t1=$(now_ms)
conns=$(sw hosta --list-conns 2>/dev/null | grep -c '^c[0-9]')
printf 'FIG ike-load-rules swanctl  --load-conns + --load-creds %6d  -> %d charon conns (trap policies installed by charon)\n' $((t1 - t0)) "$conns"
exit 0
