#!/bin/bash
# conntype: a rule for LAN connections applies on LAN interfaces only, a
# rule for dial-up connections on dial-up ones (interface names ppp*,
# wwan*...: Documentation/mapping.md).  Namespace A reaches B over two
# links, one named like a LAN interface and one like a PPP interface.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_conntype

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_conntype "not built: $b"; exit 0; fi
done

t_store
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-conntype.XXXXXX")
A=acA$$
B=acB$$
T_CLEANUP="$T_CLEANUP ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT

# lan$$: 10.194.1.0/24, ppp$$: 10.194.2.0/24.
ip netns add "$A" && ip netns add "$B" &&
	ip link add lan$$ netns "$A" type veth peer name bl$$ netns "$B" &&
	ip link add ppp$$ netns "$A" type veth peer name bp$$ netns "$B" &&
	ip -n "$A" addr add 10.194.1.1/24 dev lan$$ && ip -n "$B" addr add 10.194.1.2/24 dev bl$$ &&
	ip -n "$A" addr add 10.194.2.1/24 dev ppp$$ && ip -n "$B" addr add 10.194.2.2/24 dev bp$$ &&
	for i in lan$$ ppp$$ lo; do ip -n "$A" link set "$i" up || exit 1; done &&
	for i in bl$$ bp$$ lo; do ip -n "$B" link set "$i" up || exit 1; done ||
	{ t_fail apply_conntype "cannot build the namespaces"; exit 0; }
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"

cat >"$W/policy.netsh" <<'EOF'
ipsec static add filterlist name=Port5001
ipsec static add filter filterlist=Port5001 srcaddr=me dstaddr=any protocol=tcp dstport=5001
ipsec static add filterlist name=Port5002
ipsec static add filter filterlist=Port5002 srcaddr=me dstaddr=any protocol=tcp dstport=5002
ipsec static add filterlist name=Port5003
ipsec static add filter filterlist=Port5003 srcaddr=me dstaddr=any protocol=tcp dstport=5003
ipsec static add filterlist name=Port5004
ipsec static add filter filterlist=Port5004 srcaddr=me dstaddr=any protocol=tcp dstport=5004
ipsec static add filteraction name=Stop action=block
ipsec static add filteraction name=Secure action=negotiate qmsecmethods="ESP[3DES,SHA1]"
ipsec static add policy name=Conn assign=yes activatedefaultrule=no
ipsec static add rule name=lan-5001 policy=Conn filterlist=Port5001 filteraction=Stop conntype=lan
ipsec static add rule name=dialup-5002 policy=Conn filterlist=Port5002 filteraction=Stop conntype=dialup
ipsec static add rule name=lan-5003 policy=Conn filterlist=Port5003 filteraction=Secure conntype=lan psk=conntype-secret kerberos=no
ipsec static add rule name=dialup-5004 policy=Conn filterlist=Port5004 filteraction=Secure conntype=dialup psk=conntype-secret kerberos=no
EOF
if ! out=$("$NETSH" -f "$W/policy.netsh" 2>&1); then
	t_skip apply_conntype "netsh cannot run the policy script: $(printf '%s' "$out" | tail -n 1)"
	exit 0
fi
ia() {
	ip netns exec "$A" "$IPSEC_APPLY" --no-vici --store-dir "$NETSH_IPSEC_DIR" --run-dir "$W/run" \
		--state-dir "$W/state" --resolv-conf "$W/resolv.conf" --leases-dir "$W/leases" "$@"
}
tcp_ok() { # addr port
	ip netns exec "$B" timeout 4 nc -l "$1" "$2" >/dev/null 2>&1 &
	local l=$!
	sleep 0.3
	ip netns exec "$A" nc -z -w 1 "$1" "$2" >/dev/null 2>&1
	local r=$?
	kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
	return $r
}
expect() { # name want cmd...
	local name=$1 want=$2; shift 2
	if "$@"; then got=pass; else got=drop; fi
	if [ "$got" = "$want" ]; then t_pass "$name"; else t_fail "$name" "expected $want, got $got"; fi
}

# checks BACKEND: block (nftables or the classifier) and negotiate (no
# charon here: a required template without SA drops the packet).
checks() {
	local b=$1
	expect "apply_conntype $b lan rule blocks on the LAN link" drop tcp_ok 10.194.1.2 5001
	expect "apply_conntype $b lan rule ignored on the PPP link" pass tcp_ok 10.194.2.2 5001
	expect "apply_conntype $b dialup rule blocks on the PPP link" drop tcp_ok 10.194.2.2 5002
	expect "apply_conntype $b dialup rule ignored on the LAN link" pass tcp_ok 10.194.1.2 5002
	expect "apply_conntype $b lan negotiate needs IPsec on the LAN link" drop tcp_ok 10.194.1.2 5003
	expect "apply_conntype $b lan negotiate ignored on the PPP link" pass tcp_ok 10.194.2.2 5003
	expect "apply_conntype $b dialup negotiate needs IPsec on the PPP link" drop tcp_ok 10.194.2.2 5004
	expect "apply_conntype $b dialup negotiate ignored on the LAN link" pass tcp_ok 10.194.1.2 5004
}

if ! out=$(ia --backend=bpf 2>&1); then
	t_skip "apply_conntype bpf" "bpf backend: $(printf '%s' "$out" | tail -n 1)"
else
	checks bpf
fi
ia --flush >/dev/null 2>&1
# XFRM restricts the out policies of lan/dial-up rules to interfaces of
# that kind (Documentation/kernel-backends.md, "conntype").
if ! out=$(ia --backend=xfrm 2>&1); then
	t_fail "apply_conntype xfrm" "apply: $(printf '%s' "$out" | tail -n 1)"
else
	checks xfrm
	pols=$(ip -n "$A" xfrm policy | awk '{ $1 = $1 } /^src/ { if (b != "") print b; b = $0; next } { b = b " " $0 } END { if (b != "") print b }')
	if printf '%s\n' "$pols" | grep -q "dport 5003 dev lan$$ dir out" &&
		printf '%s\n' "$pols" | grep -q "dport 5004 dev ppp$$ dir out" &&
		! printf '%s\n' "$pols" | grep -q "dport 5003 dev ppp$$" &&
		! printf '%s\n' "$pols" | grep -q "dport 5004 dev lan$$"; then
		t_pass "apply_conntype xfrm out policies name the interface"
	else
		t_fail "apply_conntype xfrm out policies name the interface" "$(printf '%s\n' "$pols" | grep 'dport 500[34]' | tr '\n' ';')"
	fi
fi
ia --flush >/dev/null 2>&1
exit 0
