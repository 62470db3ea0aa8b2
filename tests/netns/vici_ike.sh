#!/bin/bash
# IKEv1 main mode between two charons loaded by the VICI backend, in two
# network namespaces on the host kernel.  The host kernel has no ESP, so
# quick mode's CHILD_SA install fails: this checks what we gave charon
# (proposals, identities, preshared keys, responder selection), not ESP.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns/vici_charon.sh"
t_need_root vici_ike
VL=${VICI_LOAD:-$TOP/build/$VARIANT/tests/bench/vici_load}
[ -x "$VL" ] || { t_skip vici_ike "$VL not built (make VARIANT=$VARIANT unit-bins)"; exit 0; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vici_ike.XXXXXX")
A_PID= B_PID=
cleanup() {
	VC_PID=$A_PID VC_NS=$A_NS VC_OWN_DIR= vc_stop
	VC_PID=$B_PID VC_NS=$B_NS VC_OWN_DIR= vc_stop
	[ -n "${VICI_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
vc_start "$WORK/a" || { t_fail vici_ike_start "charon a did not start"; exit 1; }
A_PID=$VC_PID A_NS=$VC_NS A_SOCK=$VC_SOCK
vc_start "$WORK/b" || { t_fail vici_ike_start "charon b did not start"; exit 1; }
B_PID=$VC_PID B_NS=$VC_NS B_SOCK=$VC_SOCK
VC_PID= VC_NS=

ip link add va$$ netns "$A_NS" type veth peer name vb$$ netns "$B_NS" || { t_fail vici_ike_veth "veth"; exit 1; }
ip -n "$A_NS" addr add 10.99.0.1/16 dev va$$
ip -n "$B_NS" addr add 10.100.0.1/16 dev vb$$
ip -n "$A_NS" link set va$$ up
ip -n "$B_NS" link set vb$$ up
ip -n "$A_NS" route add 10.100.0.0/16 dev va$$
ip -n "$B_NS" route add 10.99.0.0/16 dev vb$$
# charon learns addresses through netlink; give it a moment.
sleep 1

# case NAME CHILD B_CONN B_ARGS... : load A (per-filter or -r) and B, start
# CHILD from A; B must answer with B_CONN, and quick mode must have found
# a child on B (it then fails at the kernel: no ESP here).
case_ike() {
	local cname=$1 a_flag=$2 child=$3 b_conn=$4; shift 4
	local ike_a=nsipsec-0000abcd-0000-0000-0000-000000000001-10.100.0.1
	swanctl --terminate --ike "$ike_a" --force --uri "unix://$A_SOCK" >/dev/null 2>&1
	for s in "$A_SOCK" "$B_SOCK"; do
		for id in $(swanctl --list-sas --uri "unix://$s" 2>/dev/null | sed -n 's/^[^ ]*: #\([0-9]*\),.*/\1/p'); do
			swanctl --terminate --ike-id "$id" --force --uri "unix://$s" >/dev/null 2>&1
		done
	done
	# charon keeps its log open: read only what this case adds.
	local la lb
	la=$(($(wc -l < "$WORK/a/charon.log") + 1)); lb=$(($(wc -l < "$WORK/b/charon.log") + 1))
	if [ "$cname" = two ]; then
		t_check "vici_ike_${cname}_load_a" "$VL" "$A_SOCK" two 10.99.0.1 10.100.0.1 2
		ike_a=nsipsec-0000abcd-0000-0000-0000-000000000002-10.100.0.1
	else
		t_check "vici_ike_${cname}_load_a" "$VL" "$A_SOCK" pair 10.99.0.1 10.100.0.1 $a_flag
	fi
	t_check "vici_ike_${cname}_load_b" "$VL" "$B_SOCK" "$@"
	swanctl --initiate --ike "$ike_a" --child "$child" --timeout 15 \
		--uri "unix://$A_SOCK" > "$WORK/initiate.out" 2>&1
	local sas_b
	sas_b=$(swanctl --list-sas --uri "unix://$B_SOCK" 2>/dev/null)
	if printf '%s' "$sas_b" | grep -q "^$b_conn: #[0-9]*, ESTABLISHED, IKEv1"; then
		t_pass "vici_ike_${cname}_main_mode"
	else
		t_fail "vici_ike_${cname}_main_mode" "responder has no established IKE SA for $b_conn: $(tail -n 3 "$WORK/initiate.out" | tr '\n' ' ')"
	fi
	sleep 0.5
	tail -n +"$la" "$WORK/a/charon.log" > "$WORK/a.$cname.case"
	tail -n +"$lb" "$WORK/b/charon.log" > "$WORK/b.$cname.case"
	if grep -q 'IKE_SA .* established' "$WORK/a.$cname.case"; then
		t_pass "vici_ike_${cname}_initiator_log"
	else
		t_fail "vici_ike_${cname}_initiator_log" "no 'IKE_SA established' in charon a's log"
	fi
	if grep -q 'no matching CHILD_SA config' "$WORK/b.$cname.case"; then
		t_fail "vici_ike_${cname}_quick_mode_child" "responder found no child for the proposal"
	elif grep -q 'selected proposal: ESP' "$WORK/b.$cname.case"; then
		t_pass "vici_ike_${cname}_quick_mode_child"
	else
		t_fail "vici_ike_${cname}_quick_mode_child" "no quick mode outcome in the responder's log"
	fi
}

B_RULE=nsipsec-0000abcd-0000-0000-0000-000000000001-10.99.0.1
# xfrm backend: one child per filter, reqid of the filter
case_ike filter "" r4e540001 "$B_RULE" pair 10.100.0.1 10.99.0.1
# bpf classifier: one child per connection, reqid of the rule
case_ike rule -r r4e530001 "$B_RULE" pair 10.100.0.1 10.99.0.1 -r
# B has two rules to A; A starts the second one's child.  charon chooses
# the peer config in main mode, before it knows the selectors.
case_ike two "" r4e540002 "nsipsec-0000abcd-0000-0000-0000-00000000000[12]-10.99.0.1" two 10.100.0.1 10.99.0.1
# B has only the default response rule: it answers anyway
case_ike default "" r4e540002 nsipsec-default-0000abcd-0000-0000-0000-000000000001 respond

# The kernel starts IKE: an XFRM policy (as the kernel backends install it,
# template with the child's reqid) and a packet.  ACQUIREs work on the host
# kernel; only the SA install afterwards fails.
case_acquire() {
	local cname=$1 reqid=$2; shift 2
	for s in "$A_SOCK" "$B_SOCK"; do
		for id in $(swanctl --list-sas --uri "unix://$s" 2>/dev/null | sed -n 's/^[^ ]*: #\([0-9]*\),.*/\1/p'); do
			swanctl --terminate --ike-id "$id" --force --uri "unix://$s" >/dev/null 2>&1
		done
	done
	# a larval state of the previous case would swallow this ACQUIRE
	ip -n "$A_NS" xfrm state flush
	t_check "vici_acquire_${cname}_load_a" "$VL" "$A_SOCK" "$@"
	t_check "vici_acquire_${cname}_load_b" "$VL" "$B_SOCK" pair 10.100.0.1 10.99.0.1
	ip -n "$A_NS" xfrm policy add src 10.99.0.1/32 dst 10.100.0.1/32 dir out \
		tmpl proto esp reqid "$reqid" mode transport
	ip netns exec "$A_NS" ping -c 1 -W 1 10.100.0.1 >/dev/null 2>&1
	local ok=
	for _ in $(seq 1 50); do
		if swanctl --list-sas --uri "unix://$B_SOCK" 2>/dev/null | grep -q "^$B_RULE: #[0-9]*, ESTABLISHED, IKEv1"; then
			ok=1; break
		fi
		sleep 0.1
	done
	ip -n "$A_NS" xfrm policy del src 10.99.0.1/32 dst 10.100.0.1/32 dir out
	if [ -n "$ok" ]; then
		t_pass "vici_acquire_${cname}_starts_ike"
	else
		t_fail "vici_acquire_${cname}_starts_ike" "no IKE SA on the responder after the packet: $(grep -i 'acquire' "$WORK/a/charon.log" | tail -n 2 | tr '\n' ' ')"
	fi
}

# a rule to one peer; a rule to Any (charon takes the peer from the packet)
case_acquire peer $((0x4e540001)) pair 10.99.0.1 10.100.0.1
case_acquire any $((0x4e540001)) any 10.99.0.1
case_acquire rule $((0x4e530001)) pair 10.99.0.1 10.100.0.1 -r
exit 0
