#!/bin/bash
# ipsec-apply drives a real charon over VICI: negotiate rules become
# loaded connections, a re-apply changes nothing, --flush unloads them,
# and a charon that is not there is one clear error line.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_vici

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_vici "not built: $b"; exit 0; fi
done
command -v swanctl >/dev/null || { t_skip apply_vici "swanctl is not installed"; exit 0; }
[ -x "${VC_CHARON:-/usr/lib/ipsec/charon}" ] || { t_skip apply_vici "charon is not installed"; exit 0; }
. "$TOP/tests/netns/vici_charon.sh"

t_store
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-vici.XXXXXX")
T_CLEANUP="$T_CLEANUP vc_stop; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT
if ! vc_start; then t_fail apply_vici "charon did not start"; exit 0; fi
ip -n "$VC_NS" link add vv$$ type veth peer name vw$$ &&
	ip -n "$VC_NS" addr add 10.195.0.1/24 dev vv$$ &&
	ip -n "$VC_NS" addr add 10.195.0.2/24 dev vw$$ &&
	ip -n "$VC_NS" link set vv$$ up && ip -n "$VC_NS" link set vw$$ up ||
	{ t_fail apply_vici "cannot add the test interface"; exit 0; }
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"

cat >"$W/policy.netsh" <<'EOF'
ipsec static add filterlist name=Peer
ipsec static add filter filterlist=Peer srcaddr=me dstaddr=10.195.0.9 mirrored=yes
ipsec static add filterlist name=Other
ipsec static add filter filterlist=Other srcaddr=me dstaddr=10.195.0.8 protocol=tcp dstport=22
ipsec static add filteraction name=Secure action=negotiate qmsecmethods="ESP[3DES,SHA1] ESP[3DES,MD5]"
ipsec static add filteraction name=Pass action=permit
ipsec static add policy name=Vici assign=yes
ipsec static add rule name=peer policy=Vici filterlist=Peer filteraction=Secure psk=apply-vici-test-key
ipsec static add rule name=other policy=Vici filterlist=Other filteraction=Pass
EOF
if ! out=$("$NETSH" -f "$W/policy.netsh" 2>&1); then
	t_skip apply_vici "netsh cannot run the policy script: $(printf '%s' "$out" | tail -n 1)"
	exit 0
fi

ia() {
	ip netns exec "$VC_NS" "$IPSEC_APPLY" --backend=xfrm --store-dir "$NETSH_IPSEC_DIR" \
		--run-dir "$W/run" --state-dir "$W/state" --resolv-conf "$W/resolv.conf" \
		--leases-dir "$W/leases" "$@"
}
conns() { swanctl --list-conns --uri "unix://$VC_SOCK" 2>/dev/null; }

if ! out=$(ia --vici "$VC_SOCK" 2>&1); then
	case $out in
	*"not available"*) t_skip apply_vici "$(printf '%s' "$out" | tail -n 1)"; exit 0 ;;
	*) t_fail "apply_vici apply" "$(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"; exit 0 ;;
	esac
fi
t_pass "apply_vici apply"
before=$(conns)
n=$(printf '%s\n' "$before" | grep -c '^[^ ]')
# One negotiate rule with one peer, plus the default response rule.
if [ "$n" -ge 1 ]; then t_pass "apply_vici connections loaded ($n)"
else t_fail "apply_vici connections loaded" "swanctl lists: $(printf '%s' "$before" | head -n 3 | tr '\n' ' ')"; fi
case $before in
*10.195.0.9*) t_pass "apply_vici the negotiate filter is a child" ;;
*) t_fail "apply_vici the negotiate filter is a child" "no 10.195.0.9 in the connections" ;;
esac
case $before in
*10.195.0.8*) t_fail "apply_vici permit rules stay out of charon" "10.195.0.8 is loaded" ;;
*) t_pass "apply_vici permit rules stay out of charon" ;;
esac
case $before in
*apply-vici-test-key*) t_fail "apply_vici key not shown" "the PSK is listed" ;;
*) t_pass "apply_vici key not shown" ;;
esac

if out=$(ia --vici "$VC_SOCK" 2>&1) && [ "$(conns)" = "$before" ]; then
	t_pass "apply_vici re-apply is a no-op"
else
	t_fail "apply_vici re-apply is a no-op" "$(printf '%s' "$out" | tail -n 1)"
fi

if out=$(ia --vici "$VC_SOCK" --status 2>&1); then t_pass "apply_vici --status"
else t_fail "apply_vici --status" "$(printf '%s' "$out" | tail -n 1)"; fi

if out=$(ia --vici "$VC_SOCK" --flush 2>&1) && ! conns | grep -q '^[^ ]'; then
	t_pass "apply_vici --flush unloads"
else
	t_fail "apply_vici --flush unloads" "$(printf '%s' "$out" | tail -n 1)"
fi

# No charon at that path: a failure, in one line that names VICI.
out=$(ia --vici "$W/nothing.vici" 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] && printf '%s' "$out" | grep -qi vici; then
	t_pass "apply_vici missing charon is one clear error"
else
	t_fail "apply_vici missing charon is one clear error" "rc $rc: $(printf '%s' "$out" | tr '\n' '|')"
fi
ia --flush --no-vici >/dev/null 2>&1
exit 0
