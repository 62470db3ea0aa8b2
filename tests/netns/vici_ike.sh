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

t_check vici_ike_load_a "$VL" "$A_SOCK" pair 10.99.0.1 10.100.0.1
t_check vici_ike_load_b "$VL" "$B_SOCK" pair 10.100.0.1 10.99.0.1
CONN_A=nsipsec-0000abcd-0000-0000-0000-000000000001-10.100.0.1
CONN_B=nsipsec-0000abcd-0000-0000-0000-000000000001-10.99.0.1

swanctl --initiate --ike "$CONN_A" --child r4e540001 --timeout 15 \
	--uri "unix://$A_SOCK" > "$WORK/initiate.out" 2>&1
sas_b=$(swanctl --list-sas --uri "unix://$B_SOCK" 2>/dev/null)
if printf '%s' "$sas_b" | grep -q "^$CONN_B: #[0-9]*, ESTABLISHED, IKEv1"; then
	t_pass vici_ike_main_mode_established
else
	t_fail vici_ike_main_mode_established "responder has no established IKE SA for $CONN_B: $(tail -n 3 "$WORK/initiate.out" | tr '\n' ' ')"
fi
if grep -q 'IKE_SA .* established' "$WORK/a/charon.log"; then
	t_pass vici_ike_initiator_log
else
	t_fail vici_ike_initiator_log "no 'IKE_SA established' in charon a's log"
fi
# Quick mode reached the kernel: charon chose our child with its reqid.
if grep -q 'unable to install\|unable to add SAD entry\|failed to establish CHILD_SA\|CHILD_SA .* established' \
	"$WORK/a/charon.log" "$WORK/b/charon.log"; then
	t_pass vici_ike_quick_mode_reached_kernel
else
	t_fail vici_ike_quick_mode_reached_kernel "no quick mode outcome in the logs"
fi
exit 0
