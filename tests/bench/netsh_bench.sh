#!/bin/bash
# netsh command throughput: one-shot argv commands, a script (-f) with a
# transaction per command, and a batched script (set batch) of 100,000
# filters.  Prints figures only.
#   tests/bench/netsh_bench.sh [argv_n] [script_n] [batch_n]
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
NETSH=${NETSH:-$TOP/build/rel/bin/netsh}
ARGV_N=${1:-500}
SCRIPT_N=${2:-10000}
BATCH_N=${3:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/netsh-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export NETSH_IPSEC_DIR=$work/store

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%d commands in %.2f s = %.0f commands/s\n", n, t, n / t }'; }
gen() { # gen N BATCH
	echo "ipsec static"
	[ "$2" = 1 ] && echo "set batch mode=enable"
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "add filter filterlist=big srcaddr=10.%d.%d.%d dstaddr=me protocol=tcp dstport=%d\n",
			int(i / 65536), int(i / 256) % 256, i % 256, i % 65535 + 1 }'
	[ "$2" = 1 ] && echo "set batch mode=disable"
}

"$NETSH" ipsec static add filterlist big || exit 1

t0=$(now)
for i in $(seq 1 "$ARGV_N"); do
	"$NETSH" ipsec static add filter filterlist=big srcaddr=192.168.$((i / 256)).$((i % 256)) dstaddr=me
done
t1=$(now)
printf 'argv mode:   '; rate "$ARGV_N" "$(echo "$t1 - $t0" | bc)"

rm -rf "$NETSH_IPSEC_DIR"
gen "$SCRIPT_N" 0 >"$work/script.txt"
t0=$(now)
"$NETSH" -f "$work/script.txt"
t1=$(now)
printf 'script (-f): '; rate "$SCRIPT_N" "$(echo "$t1 - $t0" | bc)"

rm -rf "$NETSH_IPSEC_DIR"
gen "$BATCH_N" 1 >"$work/batch.txt"
t0=$(now)
"$NETSH" -f "$work/batch.txt"
t1=$(now)
printf 'batch (-f):  '; rate "$BATCH_N" "$(echo "$t1 - $t0" | bc)"
# CPU time too: on a loaded machine the wall clock mostly measures others.
rm -rf "$NETSH_IPSEC_DIR"
( TIMEFORMAT='batch cpu:   %U s user + %S s system (wall %R s)'; time "$NETSH" -f "$work/batch.txt" )
n=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select count(*) from filters")
echo "batch check: $n filters stored, store $(du -h "$NETSH_IPSEC_DIR/local.db" | cut -f1)"
