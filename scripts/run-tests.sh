#!/bin/bash
# Run the test tiers and print one "N passed, N failed" line per tier and a
# total.  Usage: run-tests.sh [tier...]   tiers: unit cli netns e2e fuzz
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
export TOP
tiers=${*:-unit cli netns e2e fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
total_pass=0 total_fail=0 total_skip=0
logdir=$TOP/build/test-logs
mkdir -p "$logdir"

# Count PASS/FAIL/SKIP lines of one script's output.
count_lines() {
	local out=$1 rc=$2 name=$3
	local p f s
	p=$(grep -c '^PASS ' "$out" || true)
	f=$(grep -c '^FAIL ' "$out" || true)
	s=$(grep -c '^SKIP ' "$out" || true)
	grep -E '^(FAIL|SKIP) ' "$out" | sed "s|^|  $name: |"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "  $name: FAIL exited $rc without naming a failure; last lines:"
		tail -n 5 "$out" | sed 's/^/    /'
		f=1
	fi
	tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + s))
}

run_shell_tier() {
	local tier=$1 dir=$2 t
	tp=0 tf=0 ts=0
	for t in "$dir"/*.sh; do
		[ -e "$t" ] || continue
		local n; n=$(basename "$t" .sh)
		local out="$logdir/$tier-$n.log"
		VARIANT=${TIER_VARIANT:-san} timeout "${TIER_TIMEOUT:-1200}" bash "$t" >"$out" 2>&1
		count_lines "$out" $? "$n"
	done
}

run_unit() {
	tp=0 tf=0 ts=0
	local b
	for b in build/san/tests/unit/test_*; do
		[ -x "$b" ] || continue
		local n; n=$(basename "$b")
		local out="$logdir/unit-$n.log"
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 timeout 600 "$b" >"$out" 2>&1
		local rc=$?
		local p f
		p=$(grep -cE '^ok ' "$out" || true)
		f=$(grep -cE '^not ok ' "$out" || true)
		grep -E '^not ok ' "$out" | sed "s|^|  $n: |"
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "  $n: FAIL exited $rc"; tail -n 8 "$out" | sed 's/^/    /'; f=1
		fi
		tp=$((tp + p)); tf=$((tf + f))
	done
}

run_fuzz() {
	tp=0 tf=0 ts=0
	local b
	for b in build/fuzz/tests/fuzz/fuzz_*; do
		[ -x "$b" ] || continue
		local n; n=$(basename "$b")
		local corpus="tests/fuzz/corpus/${n#fuzz_}"
		local work; work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
		local out="$logdir/fuzz-$n.log"
		ASAN_OPTIONS=detect_leaks=1 timeout $((FUZZ_SECONDS + 60)) "$b" -max_total_time="$FUZZ_SECONDS" \
			-artifact_prefix="$logdir/$n-" -print_final_stats=1 "$work" >"$out" 2>&1
		if [ $? = 0 ]; then
			tp=$((tp + 1)); echo "  $n: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out" | tr -s ' ') in ${FUZZ_SECONDS}s"
		else
			tf=$((tf + 1)); echo "  $n: FAIL"; grep -m3 -E 'ERROR|SUMMARY' "$out" | sed 's/^/    /'
		fi
		rm -rf "$work"
	done
}

for tier in $tiers; do
	echo "== tier $tier"
	case $tier in
	unit) run_unit ;;
	cli) run_shell_tier cli tests/cli ;;
	netns)
		if [ "$(id -u)" != 0 ]; then echo "SKIP netns: needs root (network namespaces, XFRM, nftables, BPF)"; tp=0 tf=0 ts=1
		else TIER_VARIANT=rel run_shell_tier netns tests/netns; fi ;;
	e2e)
		if [ "$(id -u)" != 0 ]; then echo "SKIP e2e: needs root"; tp=0 tf=0 ts=1
		elif ! command -v linux >/dev/null; then echo "SKIP e2e: User-Mode Linux (package user-mode-linux) is not installed"; tp=0 tf=0 ts=1
		else TIER_VARIANT=rel run_shell_tier e2e tests/e2e; fi ;;
	fuzz) run_fuzz ;;
	*) echo "unknown tier $tier"; exit 2 ;;
	esac
	echo "$tier: $tp passed, $tf failed, $ts skipped"
	total_pass=$((total_pass + tp)); total_fail=$((total_fail + tf)); total_skip=$((total_skip + ts))
done
echo "total: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
