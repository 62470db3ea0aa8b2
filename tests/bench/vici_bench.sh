#!/bin/bash
# Time to load N negotiate rules into charon: our VICI backend against
# `swanctl --load-all` of the equivalent swanctl.conf, side by side, each
# into a fresh charon.  Figures only.   Usage: vici_bench.sh [N] [ROUNDS]
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/netns/vici_charon.sh"
N=${1:-1000}
ROUNDS=${2:-3}
VL=${VICI_LOAD:-$TOP/build/rel/tests/bench/vici_load}
[ -x "$VL" ] || { echo "build $VL first: make VARIANT=rel unit-bins"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace for charon)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vici_bench.XXXXXX")
trap 'vc_stop; rm -rf "$WORK"' EXIT
"$VL" - "$N" swanctl > "$WORK/swanctl.conf"

now() { date +%s.%N; }
count() { "$VL" "$VC_SOCK" raw get-conns | tr -d '[],' | tr ' ' '\n' | grep -c "$1"; }

for r in $(seq 1 "$ROUNDS"); do
	vc_start "$WORK/ours$r" >/dev/null || exit 1
	t0=$(now); "$VL" "$VC_SOCK" "$N" >/dev/null || exit 1; t1=$(now)
	"$VL" "$VC_SOCK" "$N" >/dev/null || exit 1; t2=$(now)
	n=$(count '^nsipsec-')
	"$VL" "$VC_SOCK" flush || exit 1; t3=$(now)
	vc_stop
	vc_start "$WORK/swanctl$r" >/dev/null || exit 1
	t4=$(now)
	swanctl --load-all --noprompt --file "$WORK/swanctl.conf" --uri "unix://$VC_SOCK" >/dev/null 2>&1 || exit 1
	t5=$(now)
	m=$(count '^sw-')
	vc_stop
	printf 'round %d: %d rules  ours load %.3f s, re-apply (unchanged) %.3f s, flush %.3f s | swanctl --load-all %.3f s (%d conns)\n' \
		"$r" "$n" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)" \
		"$(echo "$t5 - $t4" | bc)" "$m"
done
