#!/bin/bash
# 8 processes x 500 one-shot `add filter` into one list: no update is lost.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
P=${CONC_PROCS:-8}
N=${CONC_EACH:-500}
# Leak checking at exit costs more than the command itself here.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1

"$NETSH" ipsec static add filterlist name=conc >/dev/null 2>&1 || { t_fail setup "add filterlist failed"; exit 1; }
errs=$(mktemp)
start=$(date +%s)
for p in $(seq 1 "$P"); do
	(
		for i in $(seq 1 "$N"); do
			"$NETSH" ipsec static add filter filterlist=conc srcaddr=10.$p.$((i / 256)).$((i % 256)) \
				dstaddr=me description=p$p || echo "proc $p cmd $i failed" >>"$errs"
		done
	) &
done
wait
secs=$(( $(date +%s) - start ))
got=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select count(*) from filters")
distinct=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select count(distinct src_addr) from filters")
if [ -s "$errs" ]; then
	t_fail no_command_failed "$(head -n 3 "$errs" | tr '\n' ' ')"
else
	t_pass no_command_failed
fi
rm -f "$errs"
[ "$got" = $((P * N)) ] && t_pass all_filters_stored || t_fail all_filters_stored "got $got, want $((P * N))"
[ "$distinct" = $((P * N)) ] && t_pass filters_distinct || t_fail filters_distinct "distinct $distinct"
c=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "pragma integrity_check")
[ "$c" = ok ] && t_pass integrity || t_fail integrity "$c"
echo "# $((P * N)) parallel commands in ${secs}s"
