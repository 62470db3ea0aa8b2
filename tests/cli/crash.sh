#!/bin/bash
# A long script killed with SIGKILL at random points: the store must stay
# consistent (integrity_check, loadable by netsh, every filter list whole
# with respect to committed commands) every time.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
ROUNDS=${CRASH_ROUNDS:-50}
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
D=$NETSH_IPSEC_DIR

script=$D/long.txt
{
	echo "ipsec static"
	echo "add filteraction FA"
	for i in $(seq 1 400); do
		echo "add filter L$((i % 7)) me 10.$((i / 256)).$((i % 256)).1 protocol=tcp dstport=$i"
		[ $((i % 40)) = 0 ] && echo "add policy P$i" && echo "add rule name=R$i policy=P$i filterlist=L$((i % 7)) filteraction=FA"
		[ $((i % 50)) = 0 ] && echo "set batch mode=enable"
		[ $((i % 50)) = 25 ] && echo "set batch mode=disable"
		[ $((i % 60)) = 0 ] && echo "delete filter L$((i % 7)) me any"
	done
} >"$script"

bad=0
for r in $(seq 1 "$ROUNDS"); do
	"$NETSH" -f "$script" >/dev/null 2>&1 &
	pid=$!
	# 10-600 ms: early rounds kill during schema creation, later ones mid-batch.
	sleep "0.$(printf '%03d' $((RANDOM % 590 + 10)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	c=$(sqlite3 "$D/local.db" "pragma integrity_check" 2>&1)
	fk=$(sqlite3 "$D/local.db" "pragma foreign_key_check" 2>&1)
	if [ "$c" != ok ] || [ -n "$fk" ]; then
		t_fail "round_$r" "integrity: $c $fk"
		bad=1
		continue
	fi
	# Every rule's list and action exist; every policy has its default rule.
	orphans=$(sqlite3 "$D/local.db" "select count(*) from rules r where r.pos > 0 and (not exists (select 1 from filterlists l where l.guid=r.filterlist_guid) or not exists (select 1 from filteractions f where f.guid=r.filteraction_guid)); select count(*) from policies p where not exists (select 1 from rules r where r.policy_guid=p.guid and r.pos=0);" | tr '\n' ' ')
	if [ "$orphans" != "0 0 " ]; then
		t_fail "round_$r" "dangling references: $orphans"
		bad=1
		continue
	fi
	# Loadable: the whole store read back through netsh, and writable.
	if ! out=$("$NETSH" ipsec static show all 2>&1 >/dev/null); then
		t_fail "round_$r" "netsh cannot load the store after the crash: $out"
		bad=1
		continue
	fi
	if ! out=$("$NETSH" ipsec static add filterlist "after$r" 2>&1); then
		t_fail "round_$r" "store not writable after the crash: $out"
		bad=1
		continue
	fi
	# Start the next round from a random amount of prior work.
	[ $((RANDOM % 4)) = 0 ] && "$NETSH" ipsec static delete all >/dev/null 2>&1
done
[ $bad = 0 ] && t_pass "crash_rounds_$ROUNDS"
