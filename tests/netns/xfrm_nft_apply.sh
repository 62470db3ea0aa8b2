#!/bin/bash
# Kernel backends on real packets: a hand-written plan applied by the xfrm
# and nft backends (through tests/bench/apply_driver, the same code
# ipsec-apply runs) in namespaces A - G - B, then local and forwarded UDP
# and ICMP probes: block is dropped, permit passes, negotiate is held (no SA
# here: the kernel asks for one with an ACQUIRE and drops the packet).
# Also: dumps match the plan, re-apply changes nothing, flush removes only
# ours, dry run installs nothing, a foreign policy on our selector is an
# error naming it.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root xfrm_nft_apply
DRV=$TOP/build/$VARIANT/tests/bench/apply_driver
PROBE=$TOP/build/$VARIANT/tests/bench/apply_probe
[ -x "$DRV" ] && [ -x "$PROBE" ] || { t_skip xfrm_nft_apply "build $DRV first (make unit-bins)"; exit 0; }

A=kxa$$ G=kxg$$ B=kxb$$
W=$(mktemp -d)
cleanup() { for n in $A $G $B; do ip netns del $n 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
t_netns_chain $A $G $B 10.77.1 10.77.2
ip -n $B route add default via 10.77.2.254
ip netns exec $G sysctl -qw net.ipv4.ip_forward=1

cat > "$W/plan" <<'P'
exempt ike
rule blk block
rule perm permit
rule neg negotiate
rule other block
filter blk 10.77.1.1 10.77.2.1 udp 0 7002 mirror
filter perm 10.77.1.1 10.77.2.1 udp 0 7001 mirror
filter neg 10.77.1.1 10.77.2.0/24 any 0 0 mirror
filter other 10.77.1.1 10.77.3.0/24 any 0 0 mirror
P
sed 's/^rule neg negotiate$/rule neg negotiate inpass/' "$W/plan" > "$W/plan-inpass"

drv() { ns=$1; shift; ip netns exec "$ns" "$DRV" "$@"; }

# probe FROM TO_NS TO_ADDR PORT...: prints "port P received N" lines.
probe() {
	from=$1 to=$2 addr=$3; shift 3
	ip netns exec "$to" "$PROBE" recv 1.6 "$@" > "$W/recv" &
	rp=$!
	for _ in $(seq 50); do grep -q ready "$W/recv" 2>/dev/null && break; sleep 0.05; done
	ip netns exec "$from" "$PROBE" send "$addr" 600 20000 "$@" > "$W/sent"
	wait $rp
	grep received "$W/recv"
}
got() { awk -v p="$1" '$2 == p { print $4 }' "$W/probe"; }

# Someone else's state that must survive everything we do.
ip -n $A xfrm policy add src 10.66.0.0/16 dst 10.65.0.0/16 dir out priority 100 action block
ip netns exec $A nft add table inet foreign$$
ip netns exec $A nft add chain inet foreign$$ c

# --- dry run installs nothing
drv $A -n -v -b nft,xfrm apply "$W/plan" > "$W/dry" 2>&1
n=$(drv $A -b xfrm count)
if [ "$n" = 0 ] && ! ip netns exec $A nft list table ip netsh_ipsec >/dev/null 2>&1 &&
	grep -q 'xfrm: add    dir out 10.77.1.1/32 -> 10.77.2.0/24' "$W/dry"; then
	t_pass dry_run_installs_nothing
else t_fail dry_run_installs_nothing "count=$n; $(tail -n 2 "$W/dry" | tr '\n' ' ')"; fi

# --- apply
t_check apply_local drv $A -b nft,xfrm apply "$W/plan"
# negotiate pair + the block and permit holes inside it (3 dirs each) +
# 4 IKE exemptions x 3 dirs; the 10.77.3.0/24 block is nftables-only.
n=$(drv $A -b xfrm count)
[ "$n" = 30 ] && t_pass xfrm_policy_count || t_fail xfrm_policy_count "expected 30, got $n"
if ip -n $A xfrm policy | grep -q 'src 10.77.1.1/32 dst 10.77.2.0/24' &&
	ip -n $A xfrm policy | grep -A3 'src 10.77.1.1/32 dst 10.77.2.0/24' | grep -q 'proto esp reqid'; then
	t_pass xfrm_negotiate_template
else t_fail xfrm_negotiate_template "no esp template on the negotiate policy"; fi
rs=$(ip netns exec $A nft list table ip netsh_ipsec)
ok=1
# 8 filters (4 mirrored pairs): one element each, with its counter.
for f in "block 4" "permit 2" "negotiate 2"; do
	set -- $f
	[ "$(printf '%s' "$rs" | grep -c "counter packets 0 bytes 0 comment \"filter [0-9]* $1\"")" = "$2" ] || ok=0
done
printf '%s' "$rs" | grep -q '10.77.1.1 . 10.77.3.0/24 counter' || ok=0
printf '%s' "$rs" | grep -q 'udp . 500' || ok=0
[ $ok = 1 ] && t_pass nft_ruleset_matches_plan || t_fail nft_ruleset_matches_plan "$(printf '%s' "$rs" | head -n 20 | tr '\n' ' ')"

# --- local traffic from A
probe $A $B 10.77.2.1 7001 7002 7003 > "$W/probe"
[ "$(got 7001)" -gt 0 ] 2>/dev/null && t_pass local_permit_passes || t_fail local_permit_passes "$(cat "$W/probe" "$W/sent" | tr '\n' ' ')"
[ "$(got 7002)" = 0 ] && t_pass local_block_dropped || t_fail local_block_dropped "$(got 7002) arrived"
[ "$(got 7003)" = 0 ] && t_pass local_negotiate_held || t_fail local_negotiate_held "$(got 7003) arrived in clear"
ip netns exec $A timeout 3 ip xfrm monitor acquire > "$W/acq" 2>&1 &
mp=$!
sleep 0.3
ip netns exec $A ping -c1 -W1 10.77.2.1 >/dev/null 2>&1 && pingok=1 || pingok=0
wait $mp
if [ $pingok = 0 ] && grep -q 'acquire' "$W/acq"; then t_pass negotiate_acquire
else t_fail negotiate_acquire "ping=$pingok acquire: $(head -c 200 "$W/acq")"; fi

# --- inbound clear traffic to a negotiate filter (no inpass) is refused
probe $B $A 10.77.1.1 7003 7001 > "$W/probe"
[ "$(got 7003)" = 0 ] && t_pass inbound_clear_refused || t_fail inbound_clear_refused "$(got 7003) arrived"
t_check apply_inpass drv $A -b nft,xfrm apply "$W/plan-inpass"
probe $B $A 10.77.1.1 7003 > "$W/probe"
[ "$(got 7003)" -gt 0 ] 2>/dev/null && t_pass inbound_inpass_accepts_clear || t_fail inbound_inpass_accepts_clear "$(cat "$W/probe")"
t_check apply_back drv $A -b nft,xfrm apply "$W/plan"

# --- re-apply is a no-op
ip -n $A xfrm policy > "$W/x1"
h1=$(ip netns exec $A nft -a list table ip netsh_ipsec | grep -v packets)
drv $A -v -b nft,xfrm apply "$W/plan" > "$W/re"
ip -n $A xfrm policy > "$W/x2"
h2=$(ip netns exec $A nft -a list table ip netsh_ipsec | grep -v packets)
if cmp -s "$W/x1" "$W/x2" && [ "$h1" = "$h2" ] && grep -q '0 to add or update, 0 to delete' "$W/re" &&
	grep -q 'nothing to do' "$W/re"; then t_pass reapply_noop
else t_fail reapply_noop "$(grep -v keep "$W/re" | tr '\n' ' ')"; fi

# --- a hand edit of our table is undone by the next apply (state dir given)
drv $A -s "$W/state" -b nft apply "$W/plan" >/dev/null
drv $A -v -s "$W/state" -b nft apply "$W/plan" > "$W/re1"
ip netns exec $A nft insert rule ip netsh_ipsec output ip daddr 10.77.9.9 accept
drv $A -v -s "$W/state" -b nft apply "$W/plan" > "$W/re2"
drv $A -v -s "$W/state" -b nft apply "$W/plan" > "$W/re3"
if grep -q 'nothing to do' "$W/re1" && grep -q 'changed since' "$W/re2" &&
	! ip netns exec $A nft list table ip netsh_ipsec | grep -q '10.77.9.9' &&
	grep -q 'nothing to do' "$W/re3"; then t_pass nft_hand_edit_undone
else t_fail nft_hand_edit_undone "$(cat "$W/re1" "$W/re2" "$W/re3" | grep nft: | tr '\n' ' ')"; fi

# --- forwarded through G
t_check apply_gateway drv $G -b nft,xfrm apply "$W/plan"
drv $A -b nft,xfrm flush
probe $A $B 10.77.2.1 7001 7002 7003 > "$W/probe"
[ "$(got 7001)" -gt 0 ] 2>/dev/null && t_pass forward_permit_passes || t_fail forward_permit_passes "$(cat "$W/probe" | tr '\n' ' ')"
[ "$(got 7002)" = 0 ] && t_pass forward_block_dropped || t_fail forward_block_dropped "$(got 7002) arrived"
[ "$(got 7003)" = 0 ] && t_pass forward_negotiate_held || t_fail forward_negotiate_held "$(got 7003) arrived"
probe $B $A 10.77.1.1 7009 > "$W/probe"
[ "$(got 7009)" = 0 ] && t_pass forward_reverse_negotiate_held || t_fail forward_reverse_negotiate_held "$(got 7009) arrived"

# --- a foreign policy on one of our selectors is reported, not replaced
ip -n $A xfrm policy add src 10.77.1.1/32 dst 10.77.2.0/24 dir out priority 50 action allow
if out=$(drv $A -b xfrm apply "$W/plan" 2>&1); then
	t_fail foreign_conflict_reported "apply succeeded"
elif printf '%s' "$out" | grep -q '^xfrm: policy out 10.77.1.1/32 -> 10.77.2.0/24: .*not ours'; then
	t_pass foreign_conflict_reported
else t_fail foreign_conflict_reported "$out"; fi
if ip -n $A xfrm policy | grep -A1 'src 10.77.1.1/32 dst 10.77.2.0/24' | grep -q 'priority 50 '; then
	t_pass foreign_policy_untouched
else t_fail foreign_policy_untouched "$(ip -n $A xfrm policy | head -n 5 | tr '\n' ' ')"; fi
ip -n $A xfrm policy del src 10.77.1.1/32 dst 10.77.2.0/24 dir out

# --- tunnel and soft templates
cat > "$W/plan-tun" <<'P'
rule tun negotiate tunnel 10.77.2.254
rule sft negotiate soft ah
filter tun 10.77.1.1 10.88.0.0/16 any 0 0
filter sft 10.77.1.1 10.89.0.0/16 tcp 0 0
P
drv $A -b xfrm apply "$W/plan-tun"
pol=$(ip -n $A xfrm policy)
# One policy block per line: "src .. dst .. dir .. tmpl .. mode ..".
blocks=$(printf '%s\n' "$pol" | awk '{ $1 = $1 } /^src/ { if (b != "") print b; b = $0; next } { b = b " " $0 } END { if (b != "") print b }')
tun() { printf '%s\n' "$blocks" | grep "^src 10.77.1.1/32 dst 10.88.0.0/16 dir $1 "; }
# A tunnel rule is one way: its endpoint is the far end of the traffic it
# protects.  Outbound it needs the tunnel; the same selector forwarded or
# received must not ask for an SA (the kernel checks fwd before the out
# policy could raise the ACQUIRE for clear LAN traffic).
if tun out | grep -q 'tmpl src 10.77.1.1 dst 10.77.2.254 .*mode tunnel' &&
	[ -n "$(tun in)" ] && ! tun in | grep -q tmpl && [ -n "$(tun fwd)" ] && ! tun fwd | grep -q tmpl; then
	t_pass xfrm_tunnel_template
else t_fail xfrm_tunnel_template "$(printf '%s' "$blocks" | grep 10.88 | tr '\n' ';')"; fi
if printf '%s\n' "$pol" | grep -A5 'src 10.77.1.1/32 dst 10.89.0.0/16 proto tcp' | grep -A4 'dir out' |
	grep -q 'level use' &&
	printf '%s\n' "$pol" | grep -A5 'src 10.77.1.1/32 dst 10.89.0.0/16 proto tcp' | grep -q 'proto ah'; then
	t_pass xfrm_soft_ah_template
else t_fail xfrm_soft_ah_template "$(printf '%s' "$pol" | grep -A5 10.89 | tr '\n' ' ')"; fi
drv $A -b xfrm flush

# --- flush removes exactly ours
drv $A -b nft,xfrm apply "$W/plan" >/dev/null 2>&1
drv $A -b nft,xfrm flush
n=$(drv $A -b xfrm count)
if [ "$n" = 0 ] && ! ip netns exec $A nft list table ip netsh_ipsec >/dev/null 2>&1; then
	t_pass flush_removes_ours
else t_fail flush_removes_ours "count=$n"; fi
if ip -n $A xfrm policy | grep -q 'src 10.66.0.0/16 dst 10.65.0.0/16' &&
	ip netns exec $A nft list table inet foreign$$ >/dev/null 2>&1; then
	t_pass flush_keeps_others
else t_fail flush_keeps_others "foreign policy or table gone"; fi
probe $A $B 10.77.2.1 7003 > /dev/null
drv $G -b nft,xfrm flush
probe $A $B 10.77.2.1 7002 7003 > "$W/probe"
[ "$(got 7002)" -gt 0 ] 2>/dev/null && [ "$(got 7003)" -gt 0 ] 2>/dev/null && t_pass after_flush_all_pass || t_fail after_flush_all_pass "$(cat "$W/probe" | tr '\n' ' ')"
exit 0
