#!/bin/bash
# The whole pipeline: a netsh script -> ipsec-apply in namespace A -> real
# packets between namespaces A and B, passed or dropped as the reference
# matcher says; `-n` output; re-apply is a no-op; --flush removes it all.
# Runs for each classifier (xfrm, bpf) that is built; a backend that is
# not there yet is a SKIP with the reason, not a failure.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_pipeline

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_pipeline "not built: $b"; exit 0; fi
done
for c in ip nc ping timeout; do
	command -v $c >/dev/null || { t_skip apply_pipeline "$c is not installed"; exit 0; }
done

t_store
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-pipeline.XXXXXX")
A=apA$$
B=apB$$
T_CLEANUP="$T_CLEANUP ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT

t_netns_pair "$A" "$B" 10.199.0 ||
	{ t_fail apply_pipeline "cannot build the namespace pair"; exit 0; }

# The machine state is fixture files: no host DNS server or lease leaks in.
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"
apply() { # apply NAMESPACE-ARGS... : ipsec-apply inside A
	ip netns exec "$A" "$IPSEC_APPLY" --no-vici --store-dir "$NETSH_IPSEC_DIR" \
		--run-dir "$W/run" --state-dir "$W/state" --resolv-conf "$W/resolv.conf" --leases-dir "$W/leases" "$@"
}

# ---- policy: a specific block inside a broad permit -------------------------
cat >"$W/policy.netsh" <<'EOF'
ipsec static add filterlist name="All IP"
ipsec static add filter filterlist="All IP" srcaddr=me dstaddr=any mirrored=yes
ipsec static add filterlist name=Port5001
ipsec static add filter filterlist=Port5001 srcaddr=me dstaddr=10.199.0.2 protocol=tcp dstport=5001 mirrored=yes
ipsec static add filteraction name=Pass action=permit
ipsec static add filteraction name=Stop action=block
ipsec static add policy name=Pipeline assign=yes activatedefaultrule=no
ipsec static add rule name=pass-all policy=Pipeline filterlist="All IP" filteraction=Pass
ipsec static add rule name=stop-5001 policy=Pipeline filterlist=Port5001 filteraction=Stop
EOF
if out=$("$NETSH" -f "$W/policy.netsh" 2>&1); then
	t_pass "apply_pipeline netsh script"
else
	t_skip apply_pipeline "netsh cannot run the policy script yet: $(printf '%s' "$out" | tail -n 1)"
	exit 0
fi

# ---- -n: the plan, block first ------------------------------------------
if plan=$(apply -n 2>&1); then
	first=$(printf '%s\n' "$plan" | awk '/^filters/ {f=1; next} f && $1 ~ /^[0-9]+$/ {print; exit}')
	case $first in
	*block*5001*) t_pass "apply_pipeline -n puts the specific block first" ;;
	*) t_fail "apply_pipeline -n puts the specific block first" "first filter: $first" ;;
	esac
	n=$(printf '%s\n' "$plan" | sed -n 's/^plan: \([0-9]*\) rules, \([0-9]*\) filters$/\1 \2/p')
	if [ "$n" = "2 4" ]; then t_pass "apply_pipeline -n 2 rules, 4 filters"
	else t_fail "apply_pipeline -n 2 rules, 4 filters" "got '$n'"; fi
	case $plan in
	*"me: 10.199.0.1"*) t_pass "apply_pipeline Me is the namespace address" ;;
	*) t_fail "apply_pipeline Me is the namespace address" "$(printf '%s' "$plan" | grep '^me:')" ;;
	esac
else
	t_fail "apply_pipeline -n" "$(printf '%s' "$plan" | tail -n 2 | tr '\n' ' ')"
	exit 0
fi

# ---- traffic helpers ------------------------------------------------------
# -I: ping's source-address probe is a UDP connect; keep it out of the way.
ping_ok() { ip netns exec "$A" ping -I 10.199.0.1 -c 1 -W 1 10.199.0.2 >/dev/null 2>&1; }
tcp_ok() { # port
	ip netns exec "$B" timeout 4 nc -l 10.199.0.2 "$1" >/dev/null 2>&1 &
	local l=$!
	sleep 0.3
	ip netns exec "$A" nc -z -w 2 10.199.0.2 "$1" >/dev/null 2>&1
	local r=$?
	kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
	return $r
}
udp_ok() { # port
	local f=$W/udp.$1
	: >"$f"
	ip netns exec "$B" timeout 3 nc -u -l 10.199.0.2 "$1" >"$f" 2>/dev/null &
	local l=$!
	sleep 0.3
	echo hello | ip netns exec "$A" nc -u -w 1 10.199.0.2 "$1" >/dev/null 2>&1
	sleep 0.3
	kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
	grep -q hello "$f"
}
expect() { # name want(pass|drop) cmd...
	local name=$1 want=$2; shift 2
	if "$@"; then got=pass; else got=drop; fi
	if [ "$got" = "$want" ]; then t_pass "$name"; else t_fail "$name" "expected $want, got $got"; fi
}
kernel_state() {
	{
		ip -n "$A" xfrm policy list 2>/dev/null | grep -v -e lastused -e 'use [0-9]'
		ip netns exec "$A" nft list ruleset 2>/dev/null | grep -v -e packets -e 'counter'
		ip -n "$A" -d link show 2>/dev/null | grep -E 'prog|bpf'
	} | sed 's/[0-9]* packets [0-9]* bytes//'
}

if ! ping_ok || ! tcp_ok 5001; then
	t_fail apply_pipeline "no traffic between the namespaces before any policy"
	exit 0
fi

run_backend() {
	local bk=$1 out
	if ! out=$(apply --backend="$bk" 2>&1); then
		case $out in
		*"not available"* | *"not supported"* | *"not implemented"* | *ENOSYS*)
			t_skip "apply_pipeline $bk" "$(printf '%s' "$out" | tail -n 1)" ;;
		*) t_fail "apply_pipeline $bk apply" "$(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')" ;;
		esac
		apply --flush >/dev/null 2>&1
		return
	fi
	t_pass "apply_pipeline $bk apply"
	expect "apply_pipeline $bk ping passes (broad permit)" pass ping_ok
	expect "apply_pipeline $bk tcp 5000 passes" pass tcp_ok 5000
	expect "apply_pipeline $bk tcp 5001 dropped (specific block)" drop tcp_ok 5001
	expect "apply_pipeline $bk udp 5001 passes (block is tcp only)" pass udp_ok 5001

	local before after
	before=$(kernel_state)
	if out=$(apply --backend="$bk" 2>&1); then
		after=$(kernel_state)
		if [ "$before" = "$after" ]; then t_pass "apply_pipeline $bk re-apply is a no-op"
		else t_fail "apply_pipeline $bk re-apply is a no-op" "kernel state changed"; fi
	else
		t_fail "apply_pipeline $bk re-apply" "$(printf '%s' "$out" | tail -n 1)"
	fi

	# A specific permit inside a broad negotiate: with no charon there are
	# no keys, so negotiated traffic is dropped and only the hole passes.
	"$NETSH" ipsec static add filteraction name=Secure action=negotiate >/dev/null 2>&1
	"$NETSH" ipsec static add filterlist name=Port5000 >/dev/null 2>&1
	"$NETSH" ipsec static add filter filterlist=Port5000 srcaddr=me dstaddr=10.199.0.2 \
		protocol=tcp dstport=5000 >/dev/null 2>&1
	"$NETSH" ipsec static add rule name=hole-5000 policy=Pipeline filterlist=Port5000 \
		filteraction=Pass >/dev/null 2>&1
	if "$NETSH" ipsec static set rule name=pass-all policy=Pipeline filteraction=Secure >/dev/null 2>&1 &&
		out=$(apply --backend="$bk" 2>&1); then
		expect "apply_pipeline $bk ping dropped (negotiate, no SA)" drop ping_ok
		expect "apply_pipeline $bk tcp 5000 passes (specific permit)" pass tcp_ok 5000
		expect "apply_pipeline $bk tcp 5001 still dropped" drop tcp_ok 5001
	else
		t_fail "apply_pipeline $bk negotiate policy" "$(printf '%s' "$out" | tail -n 1)"
	fi
	# Back to the first policy for the next backend.
	"$NETSH" ipsec static set rule name=pass-all policy=Pipeline filteraction=Pass >/dev/null 2>&1
	"$NETSH" ipsec static delete rule name=hole-5000 policy=Pipeline >/dev/null 2>&1

	if out=$(apply --flush 2>&1); then
		expect "apply_pipeline $bk --flush restores traffic" pass tcp_ok 5001
		local left
		left=$(ip -n "$A" xfrm policy list | grep -c 'dir' || true)
		if [ "$left" = 0 ]; then t_pass "apply_pipeline $bk --flush leaves no XFRM policy"
		else t_fail "apply_pipeline $bk --flush leaves no XFRM policy" "$left left"; fi
	else
		t_fail "apply_pipeline $bk --flush" "$(printf '%s' "$out" | tail -n 1)"
	fi
}

run_backend xfrm
run_backend bpf

# ---- server keywords from live state and fixture files --------------------
ip -n "$A" route add default via 10.199.0.254 dev va$$ 2>/dev/null
echo "nameserver 192.0.2.53" >"$W/resolv.conf"
printf 'lease {\n  option dhcp-server-identifier 192.0.2.67;\n}\n' >"$W/leases/dhclient.va.leases"
NETSH_IPSEC_DIR=$(mktemp -d "$W/servers.XXXXXX")
export NETSH_IPSEC_DIR
echo "192.0.2.44" >"$NETSH_IPSEC_DIR/wins-servers"
cat >"$W/servers.netsh" <<'EOF'
ipsec static add filterlist name=Servers
ipsec static add filter filterlist=Servers srcaddr=me dstaddr=gateway mirrored=no
ipsec static add filter filterlist=Servers srcaddr=me dstaddr=dns protocol=udp dstport=53 mirrored=no
ipsec static add filter filterlist=Servers srcaddr=me dstaddr=dhcp mirrored=no
ipsec static add filter filterlist=Servers srcaddr=me dstaddr=wins mirrored=no
ipsec static add filteraction name=Pass action=permit
ipsec static add policy name=Servers assign=yes activatedefaultrule=no
ipsec static add rule name=servers policy=Servers filterlist=Servers filteraction=Pass
EOF
if out=$("$NETSH" -f "$W/servers.netsh" 2>&1) && plan=$(apply -n 2>&1); then
	for want in "10.199.0.1/32 -> 10.199.0.254/32" "-> 192.0.2.53/32 port 53" \
		"10.199.0.1/32 -> 192.0.2.67/32" "10.199.0.1/32 -> 192.0.2.44/32"; do
		case $plan in
		*"$want"*) t_pass "apply_pipeline server keyword ($want)" ;;
		*) t_fail "apply_pipeline server keyword ($want)" "not in the plan" ;;
		esac
	done
else
	t_fail "apply_pipeline server keywords" "$(printf '%s' "$out$plan" | tail -n 1)"
fi
# A multipath default route: every next hop is a gateway.
ip -n "$A" route replace default nexthop via 10.199.0.252 dev va$$ nexthop via 10.199.0.253 dev va$$ 2>/dev/null
plan=$(apply -n 2>&1)
case $plan in
*"-> 10.199.0.252/32"*"-> 10.199.0.253/32"* | *"-> 10.199.0.253/32"*"-> 10.199.0.252/32"*)
	t_pass "apply_pipeline GATEWAY follows a multipath default route" ;;
*) t_fail "apply_pipeline GATEWAY follows a multipath default route" "$(printf '%s' "$plan" | grep -c '10.199.0.25[23]') gateways in the plan" ;;
esac
exit 0
