#!/bin/sh
# Import of a 10,000-filter registry export: the parser alone, and the
# whole `netsh ipsec static importpolicy` (parse + store transaction).
# Figures only; see Documentation/performance.md.
#   tests/bench/winreg_bench.sh [FILTERS] [RULES]
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
VARIANT=${VARIANT:-rel}
FILTERS=${1:-10000}
RULES=${2:-10}
BENCH=${BENCH:-$TOP/build/$VARIANT/tests/bench/winreg_bench}
NETSH=${NETSH:-$TOP/build/$VARIANT/bin/netsh}

[ -x "$BENCH" ] || { echo "winreg_bench: build first (make VARIANT=$VARIANT unit-bins)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/winreg-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$BENCH" gen "$FILTERS" "$RULES" "$tmp/big.reg" || exit 1
"$BENCH" gen -4 "$FILTERS" "$RULES" "$tmp/big4.reg" || exit 1
echo "file: $FILTERS filters in $RULES filter lists, $(wc -c < "$tmp/big.reg") bytes (v5 UTF-16LE)"
"$BENCH" read "$tmp/big.reg" 5
echo "file: REGEDIT4, $(wc -c < "$tmp/big4.reg") bytes"
"$BENCH" read "$tmp/big4.reg" 5

if [ -x "$NETSH" ]; then
	for i in 1 2 3; do
		export NETSH_IPSEC_DIR="$tmp/store$i"
		mkdir -p "$NETSH_IPSEC_DIR"
		t0=$(date +%s.%N)
		if ! "$NETSH" ipsec static importpolicy file="$tmp/big.reg" >"$tmp/out" 2>&1; then
			echo "netsh importpolicy: failed: $(tail -n 2 "$tmp/out")"
			break
		fi
		t1=$(date +%s.%N)
		echo "netsh ipsec static importpolicy (fresh store, run $i): $(echo "($t1 - $t0) * 1000" | bc -l | cut -d. -f1) ms"
	done
	t0=$(date +%s.%N)
	if "$NETSH" ipsec static exportpolicy file="$tmp/back.reg" format=reg >"$tmp/out" 2>&1; then
		t1=$(date +%s.%N)
		echo "netsh ipsec static exportpolicy format=reg: $(echo "($t1 - $t0) * 1000" | bc -l | cut -d. -f1) ms"
	fi
fi
