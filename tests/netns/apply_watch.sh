#!/bin/bash
# ipsec-apply --watch follows its inputs: a new local address (Me is
# re-expanded), a store change made with netsh, SIGHUP; SIGTERM ends it and
# leaves the enforcement in place.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_watch

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_watch "not built: $b"; exit 0; fi
done

t_store
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-watch.XXXXXX")
A=awA$$
B=awB$$
WPID=
T_CLEANUP="$T_CLEANUP [ -n \"\$WPID\" ] && kill \$WPID 2>/dev/null; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT

t_netns_pair "$A" "$B" 10.198.0 ||
	{ t_fail apply_watch "cannot build the namespace pair"; exit 0; }
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"

cat >"$W/policy.netsh" <<'EOF'
ipsec static add filterlist name=Port5001
ipsec static add filter filterlist=Port5001 srcaddr=me dstaddr=10.198.0.2 protocol=tcp dstport=5001
ipsec static add filteraction name=Pass action=permit
ipsec static add filteraction name=Stop action=block
ipsec static add policy name=Watch assign=yes activatedefaultrule=no
ipsec static add rule name=stop-5001 policy=Watch filterlist=Port5001 filteraction=Stop
ipsec static add filterlist name=Dns5003
ipsec static add filter filterlist=Dns5003 srcaddr=me dstaddr=dns protocol=tcp dstport=5003
ipsec static add rule name=dns-5003 policy=Watch filterlist=Dns5003 filteraction=Stop
EOF
if ! out=$("$NETSH" -f "$W/policy.netsh" 2>&1); then
	t_skip apply_watch "netsh cannot run the policy script yet: $(printf '%s' "$out" | tail -n 1)"
	exit 0
fi

tcp_ok() { # port [source address]
	ip netns exec "$B" timeout 4 nc -l 10.198.0.2 "$1" >/dev/null 2>&1 &
	local l=$!
	sleep 0.3
	ip netns exec "$A" nc -z -w 2 ${2:+-s "$2"} 10.198.0.2 "$1" >/dev/null 2>&1
	local r=$?
	kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
	return $r
}
tcp_blocked() { ! tcp_ok "$@"; }
# eventually NAME CMD...: CMD must become true within 8 seconds.
eventually() {
	local name=$1 i; shift
	for i in 1 2 3 4 5 6 7 8; do
		if "$@"; then t_pass "$name"; return 0; fi
		sleep 1
	done
	t_fail "$name" "not true after 8 s; log: $(tail -n 3 "$W/watch.log" | tr '\n' ' ')"
	return 1
}

ip netns exec "$A" "$IPSEC_APPLY" --watch -v --backend=xfrm --no-vici --store-dir "$NETSH_IPSEC_DIR" \
	--run-dir "$W/run" --state-dir "$W/state" --resolv-conf "$W/resolv.conf" \
	--leases-dir "$W/leases" >"$W/watch.log" 2>&1 &
WPID=$!
sleep 1
if ! kill -0 "$WPID" 2>/dev/null; then
	case $(cat "$W/watch.log") in
	*"not available"*) t_skip apply_watch "$(tail -n 1 "$W/watch.log")" ;;
	*) t_fail apply_watch "ipsec-apply --watch exited: $(tail -n 2 "$W/watch.log" | tr '\n' ' ')" ;;
	esac
	WPID=
	exit 0
fi

eventually "apply_watch first apply blocks tcp 5001" tcp_blocked 5001
tcp_ok 5001 10.198.0.1 || true

# A new address: Me must be re-expanded, so traffic from it is blocked too.
ip -n "$A" addr add 10.198.0.3/24 dev va$$
eventually "apply_watch new address joins Me" tcp_blocked 5001 10.198.0.3

# resolv.conf names a DNS server: the DNS filter now expands to it.
tcp_ok 5003 || t_fail "apply_watch no DNS server, no DNS filter" "tcp 5003 dropped"
echo "nameserver 10.198.0.2" >"$W/resolv.conf.new" && mv "$W/resolv.conf.new" "$W/resolv.conf"
eventually "apply_watch resolv.conf change re-expands DNS" tcp_blocked 5003

# A store change made by netsh.
"$NETSH" ipsec static set rule name=stop-5001 policy=Watch filteraction=Pass >/dev/null 2>&1
eventually "apply_watch store change re-applied" tcp_ok 5001

# The dynamic context: a rule added there is enforced too.
NETSH_IPSEC_RUNDIR=$W/run "$NETSH" ipsec dynamic add mmpolicy name=mm >/dev/null 2>&1
if NETSH_IPSEC_RUNDIR=$W/run "$NETSH" ipsec dynamic add rule srcaddr=me dstaddr=10.198.0.2 \
	mmpolicy=mm protocol=tcp dstport=5002 actioninbound=block actionoutbound=block >/dev/null 2>&1; then
	eventually "apply_watch dynamic rule enforced" tcp_blocked 5002
else
	t_skip "apply_watch dynamic rule enforced" "netsh dynamic add rule failed"
fi

# SIGHUP forces a re-apply; the process stays.
kill -HUP "$WPID"
sleep 1
if kill -0 "$WPID" 2>/dev/null; then t_pass "apply_watch survives SIGHUP"
else t_fail "apply_watch survives SIGHUP" "exited"; WPID=; exit 0; fi

# SIGTERM: clean exit, enforcement stays.
kill -TERM "$WPID"
for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$WPID" 2>/dev/null || break; sleep 0.3; done
if kill -0 "$WPID" 2>/dev/null; then
	t_fail "apply_watch SIGTERM ends the loop" "still running"
else
	wait "$WPID"; rc=$?
	WPID=
	if [ "$rc" = 0 ]; then t_pass "apply_watch SIGTERM ends the loop"
	else t_fail "apply_watch SIGTERM ends the loop" "exit status $rc"; fi
fi
if tcp_blocked 5002; then t_pass "apply_watch enforcement stays after exit"
else t_fail "apply_watch enforcement stays after exit" "tcp 5002 passes"; fi
n=$(grep -c "^ipsec-apply: applying" "$W/watch.log")
# first apply, address, resolv.conf, store, dynamic rule, SIGHUP (+ a few extra
# for bursts): a loop that re-applies on its own reads would show many more.
if [ "$n" -ge 5 ] && [ "$n" -le 11 ]; then t_pass "apply_watch applies only on changes ($n)"
else t_fail "apply_watch applies only on changes" "$n applies"; fi
# With the san build, a leak or UB in the long-running loop shows here.
if grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error" "$W/watch.log"; then
	t_fail "apply_watch sanitizers quiet" "$(grep -m1 -A3 -e ERROR -e 'runtime error' "$W/watch.log" | tr '\n' ' ')"
else
	t_pass "apply_watch sanitizers quiet"
fi
ip netns exec "$A" "$IPSEC_APPLY" --flush --no-vici --state-dir "$W/state" >/dev/null 2>&1

# bpf classifier: a link that appears later gets the classifier too.
attached() { ip netns exec "$A" bpftool net show dev "$1" 2>/dev/null | grep -q -e tcx -e clsact -e xdp -e nsb; }
if command -v bpftool >/dev/null; then
	ip netns exec "$A" "$IPSEC_APPLY" --watch --backend=bpf --no-vici --store-dir "$NETSH_IPSEC_DIR" \
		--run-dir "$W/run" --state-dir "$W/state" --resolv-conf "$W/resolv.conf" \
		--leases-dir "$W/leases" >"$W/watch-bpf.log" 2>&1 &
	WPID=$!
	sleep 1
	if ! kill -0 "$WPID" 2>/dev/null; then
		t_skip "apply_watch bpf" "$(tail -n 1 "$W/watch-bpf.log")"
		WPID=
	else
		if attached va$$; then t_pass "apply_watch bpf attached to the first link"
		else t_fail "apply_watch bpf attached to the first link" "bpftool shows nothing on va$$"; fi
		ip link add vn$$ netns "$A" type veth peer name vm$$ netns "$B" &&
			ip -n "$A" link set vn$$ up && ip -n "$B" link set vm$$ up
		eventually "apply_watch bpf attaches to a new link" attached vn$$
		kill -TERM "$WPID"; wait "$WPID" 2>/dev/null; WPID=
	fi
	ip netns exec "$A" "$IPSEC_APPLY" --flush --no-vici --state-dir "$W/state" >/dev/null 2>&1
else
	t_skip "apply_watch bpf" "bpftool is not installed"
fi
exit 0
