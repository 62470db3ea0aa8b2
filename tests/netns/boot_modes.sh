#!/bin/bash
# nft_backend_boot on real packets between namespaces A and B:
#   block     drops all but boot exemptions and DHCP (and the replies of
#             what it admitted)
#   stateful  admits outbound-initiated traffic and its replies, boot
#             exemptions and DHCP
#   permit    passes all
# and a policy apply replaces the boot table in one transaction.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root boot_modes
DRV=$TOP/build/$VARIANT/tests/bench/apply_driver
PROBE=$TOP/build/$VARIANT/tests/bench/apply_probe
[ -x "$DRV" ] && [ -x "$PROBE" ] || { t_skip boot_modes "build $DRV first (make unit-bins)"; exit 0; }

A=kba$$ B=kbb$$
W=$(mktemp -d)
cleanup() { for n in $A $B; do ip netns del $n 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
t_netns_pair "$A" "$B" 10.78.0

probe() {
	from=$1 to=$2 addr=$3; shift 3
	ip netns exec "$to" "$PROBE" recv 1.2 "$@" > "$W/recv" &
	rp=$!
	for _ in $(seq 50); do grep -q ready "$W/recv" 2>/dev/null && break; sleep 0.05; done
	ip netns exec "$from" "$PROBE" send "$addr" 400 20000 "$@" > "$W/sent"
	wait $rp
	grep received "$W/recv" > "$W/probe"
}
got() { awk -v p="$1" '$2 == p { print $4 }' "$W/probe"; }
# tcp FROM TO_NS ADDR PORT: 0 when a TCP connection is established.
tcp() {
	ip netns exec "$2" timeout 3 nc -l -p "$4" > /dev/null 2>&1 &
	lp=$!
	sleep 0.2
	ip netns exec "$1" timeout 2 nc -z -w 1 "$3" "$4" > /dev/null 2>&1
	r=$?
	kill $lp 2>/dev/null; wait $lp 2>/dev/null
	return $r
}
boot() { ip netns exec $A "$DRV" -b nft boot "$@"; }

# --- block
t_check boot_block_apply boot block 17:0:7010:inbound 6:0:7020:inbound
probe $B $A 10.78.0.1 7010 7011 > /dev/null
[ "$(got 7010)" -gt 0 ] 2>/dev/null && t_pass block_bootexemption_passes || t_fail block_bootexemption_passes "$(cat "$W/probe" | tr '\n' ' ')"
[ "$(got 7011)" = 0 ] && t_pass block_other_inbound_dropped || t_fail block_other_inbound_dropped "$(got 7011) arrived"
probe $A $B 10.78.0.2 7012 > /dev/null
[ "$(got 7012)" = 0 ] && t_pass block_outbound_dropped || t_fail block_outbound_dropped "$(got 7012) arrived"
PROBE_SPORT=68 probe $B $A 10.78.0.1 67 > /dev/null
[ "$(got 67)" -gt 0 ] 2>/dev/null && t_pass block_dhcp_passes || t_fail block_dhcp_passes "$(cat "$W/probe")"
tcp $B $A 10.78.0.1 7020 && t_pass block_exempt_tcp_with_replies || t_fail block_exempt_tcp_with_replies "connect to exempt port failed"
tcp $A $B 10.78.0.2 7021 && t_fail block_outbound_tcp_dropped "connected" || t_pass block_outbound_tcp_dropped

# --- stateful
t_check boot_stateful_apply boot stateful 17:0:7010:inbound
tcp $A $B 10.78.0.2 7021 && t_pass stateful_outbound_and_replies || t_fail stateful_outbound_and_replies "outbound connect failed"
tcp $B $A 10.78.0.1 7022 && t_fail stateful_inbound_new_dropped "inbound connected" || t_pass stateful_inbound_new_dropped
probe $B $A 10.78.0.1 7010 7011 > /dev/null
[ "$(got 7010)" -gt 0 ] 2>/dev/null && [ "$(got 7011)" = 0 ] && t_pass stateful_bootexemption_only || t_fail stateful_bootexemption_only "$(cat "$W/probe" | tr '\n' ' ')"
PROBE_SPORT=67 probe $B $A 10.78.0.1 68 > /dev/null
[ "$(got 68)" -gt 0 ] 2>/dev/null && t_pass stateful_dhcp_passes || t_fail stateful_dhcp_passes "$(cat "$W/probe")"

# --- permit
t_check boot_permit_apply boot permit
tcp $B $A 10.78.0.1 7023 && t_pass permit_passes_all || t_fail permit_passes_all "inbound connect failed"

# --- re-applying the same boot mode is a no-op; a policy replaces it
boot stateful >/dev/null
h1=$(ip netns exec $A nft -a list table ip netsh_ipsec)
boot stateful
h2=$(ip netns exec $A nft -a list table ip netsh_ipsec)
[ "$h1" = "$h2" ] && t_pass boot_reapply_noop || t_fail boot_reapply_noop "handles changed"
boot block >/dev/null
printf 'rule blk block\nfilter blk 10.78.0.2 10.78.0.1 udp 0 7011 mirror\n' > "$W/plan"
t_check policy_replaces_boot ip netns exec $A "$DRV" -b nft apply "$W/plan"
c=$(ip netns exec $A nft list table ip netsh_ipsec | grep -c 'bootmode')
ip netns exec $A nft list table ip netsh_ipsec | grep -q 'set fp_[0-9a-f]*_policy ' && [ "$c" = 0 ] &&
	t_pass policy_table_only || t_fail policy_table_only "boot rules left: $c"
probe $B $A 10.78.0.1 7010 7011 > /dev/null
[ "$(got 7010)" -gt 0 ] 2>/dev/null && [ "$(got 7011)" = 0 ] && t_pass policy_enforced_after_boot || t_fail policy_enforced_after_boot "$(cat "$W/probe" | tr '\n' ' ')"
ip netns exec $A "$DRV" -b nft flush
exit 0
