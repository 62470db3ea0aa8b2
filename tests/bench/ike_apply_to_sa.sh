#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Time from ipsec-apply to an established SA, between two UML hosts
# configured by tests/e2e/scripts/hostA.netsh and hostB.netsh.  Figures only.
#   tests/bench/ike_apply_to_sa.sh [ROUNDS]      (root; default 5)
#
# Each round starts fresh charons, runs ipsec-apply on both hosts (timed),
# then sends one packet from A and waits for the ESP SA pair in A's kernel
# (timed: ACQUIRE, main mode, quick mode, SA install).  The reference is
# the same negotiation from hand-written swanctl config (`swanctl
# --load-conns` instead of netsh + ipsec-apply).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
. "$TOP/scripts/uml/lib.sh"
export BENCH_N=${BENCH_N:-${1:-5}}
UML_TIMEOUT=${UML_TIMEOUT:-300}
uml_main "$0" "$@"

S=$TOP/tests/e2e/scripts
e2e_bins
topo_hosts || { echo "FAIL bench: topology"; exit 1; }
product=1
why=$(product_why_not) || { product=0; echo "SKIP ike-apply-to-sa product: $why"; }
swconf "$SCRATCH/a.conf" $HOSTA $HOSTB
swconf "$SCRATCH/b.conf" $HOSTB $HOSTA

clean() {
	charon_stop hosta
	charon_stop hostb
	local n
	for n in hosta hostb; do
		nsx $n ip xfrm state flush
		nsx $n ip xfrm policy flush
		host_reset $n
	done
}

echo "# ike_apply_to_sa: $BENCH_N rounds, UML $(uname -r); ms"
for r in $(seq 1 "$BENCH_N"); do
	for how in product reference; do
		[ $how = product ] && [ $product = 0 ] && continue
		charon_start hosta && charon_start hostb || { echo "FAIL bench: charon"; exit 1; }
		t0=$(now_ms)
		if [ $how = product ]; then
			product_netsh hosta "$S/hostA.netsh" && product_netsh hostb "$S/hostB.netsh" ||
				{ echo "FAIL bench: netsh"; exit 1; }
			t1=$(now_ms)
			product_apply hosta && product_apply hostb || { echo "FAIL bench: ipsec-apply"; exit 1; }
		else
			t1=$(now_ms)
			sw hosta --load-conns --file "$SCRATCH/a.conf" >/dev/null 2>&1 &&
				sw hosta --load-creds --noprompt --file "$SCRATCH/a.conf" >/dev/null 2>&1 &&
				sw hostb --load-conns --file "$SCRATCH/b.conf" >/dev/null 2>&1 &&
				sw hostb --load-creds --noprompt --file "$SCRATCH/b.conf" >/dev/null 2>&1
		fi
		t2=$(now_ms)
		nsx hosta ping -c 1 -W 0.1 $HOSTB >/dev/null 2>&1
		wait_sa hosta 20 || echo "# round $r $how: no SA"
		t3=$(now_ms)
		printf 'FIG ike-apply-to-sa round %d %-9s netsh %5d  apply(both hosts) %5d  first packet->SA %5d  apply->SA %5d\n' \
			"$r" "$how" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t3 - t1))
		clean
	done
done
exit 0
