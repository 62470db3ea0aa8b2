#!/bin/bash
# ipsec-apply --boot: bootmode block / permit / stateful with boot
# exemptions, from the config file written by `netsh ipsec dynamic set
# config`, before any policy; the first policy apply replaces it.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root apply_boot

for b in "$NETSH" "$IPSEC_APPLY"; do
	if [ ! -x "$b" ]; then t_skip apply_boot "not built: $b"; exit 0; fi
done

t_store
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-boot.XXXXXX")
A=abA$$
B=abB$$
T_CLEANUP="$T_CLEANUP ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -rf '$W';"
trap 'eval "$T_CLEANUP"' EXIT

t_netns_pair "$A" "$B" 10.197.0 ||
	{ t_fail apply_boot "cannot build the namespace pair"; exit 0; }
: >"$W/resolv.conf"
mkdir -p "$W/leases" "$W/state"

ia() { # ipsec-apply inside A
	ip netns exec "$A" "$IPSEC_APPLY" --no-vici --store-dir "$NETSH_IPSEC_DIR" --run-dir "$W/run" \
		--state-dir "$W/state" --resolv-conf "$W/resolv.conf" --leases-dir "$W/leases" "$@"
}
# tcp FROM-NS TO-NS TO-ADDR PORT: a connection can be made.
tcp() {
	ip netns exec "$2" timeout 4 nc -l "$3" "$4" >/dev/null 2>&1 &
	local l=$!
	sleep 0.3
	ip netns exec "$1" nc -z -w 2 "$3" "$4" >/dev/null 2>&1
	local r=$?
	kill "$l" 2>/dev/null; wait "$l" 2>/dev/null
	return $r
}
in_ok() { tcp "$B" "$A" 10.197.0.1 "$1"; }   # B -> A (inbound for A)
out_ok() { tcp "$A" "$B" 10.197.0.2 "$1"; }  # A -> B (outbound for A)
expect() { # name want cmd...
	local name=$1 want=$2; shift 2
	if "$@"; then got=pass; else got=drop; fi
	if [ "$got" = "$want" ]; then t_pass "$name"; else t_fail "$name" "expected $want, got $got"; fi
}
setcfg() { "$NETSH" ipsec dynamic set config property="$1" value="$2" >/dev/null 2>&1; }

if ! setcfg bootexemptions "TCP:0:2222:inbound"; then
	t_skip apply_boot "netsh dynamic set config is not available"
	exit 0
fi
setcfg bootmode block
if ! out=$(ia --boot 2>&1); then
	case $out in
	*"not available"*) t_skip apply_boot "$(printf '%s' "$out" | tail -n 1)" ;;
	*) t_fail "apply_boot block" "$(printf '%s' "$out" | tail -n 1)" ;;
	esac
	exit 0
fi
expect "apply_boot block: inbound dropped" drop in_ok 80
expect "apply_boot block: outbound dropped" drop out_ok 80
expect "apply_boot block: boot exemption tcp 2222 inbound passes" pass in_ok 2222

setcfg bootmode stateful
ia --boot >/dev/null 2>&1
expect "apply_boot stateful: outbound-initiated passes" pass out_ok 80
expect "apply_boot stateful: new inbound dropped" drop in_ok 80
expect "apply_boot stateful: boot exemption passes" pass in_ok 2222

setcfg bootmode permit
ia --boot >/dev/null 2>&1
expect "apply_boot permit: inbound passes" pass in_ok 80

# The first policy replaces boot mode.
setcfg bootmode block
ia --boot >/dev/null 2>&1
expect "apply_boot block again" drop in_ok 80
"$NETSH" ipsec static add policy name=Empty assign=yes >/dev/null 2>&1
if out=$(ia --backend=xfrm 2>&1); then
	expect "apply_boot policy apply lifts boot mode" pass in_ok 80
else
	t_fail "apply_boot policy apply" "$(printf '%s' "$out" | tail -n 1)"
fi
ia --flush >/dev/null 2>&1
exit 0
