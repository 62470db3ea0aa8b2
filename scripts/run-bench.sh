#!/bin/bash
# Run the benchmarks of tests/bench/ one after the other (make bench).
# They print figures, never pass or fail; Documentation/performance.md
# holds the recorded runs and the command of each.
#   scripts/run-bench.sh [name...]     names: netsh export winreg apply
#                                      classify vici ike
# Root is needed for everything but netsh, export and winreg.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
export TOP
B=tests/bench
names=${*:-netsh export winreg apply classify vici ike}
for n in $names; do
	echo "== bench $n"
	case $n in
	netsh) bash $B/netsh_bench.sh 500 10000 100000 ;;
	export) bash $B/export_bench.sh 1000 5000 20000 ;;
	winreg) bash $B/winreg_bench.sh ;;
	apply) bash $B/apply_bench.sh rel ;;
	classify) bash $B/classify.sh 10 1000 100000 1000000 ;;
	vici) bash $B/vici_bench.sh 1000 3 ;;
	ike)
		bash $B/ike_apply_to_sa.sh 3
		bash $B/ike_load_rules.sh 1000
		bash $B/ike_rate.sh 100
		;;
	*) echo "unknown benchmark $n" >&2; exit 2 ;;
	esac
done
