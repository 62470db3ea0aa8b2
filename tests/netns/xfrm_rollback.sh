#!/bin/bash
# A failed apply leaves the kernel as it was.  The XFRM make phase (new and
# changed policies, sent before nftables is touched) is made to fail at
# message k by NETSH_IPSEC_XFRM_FAULT=k, which gives that one message an
# invalid direction: the kernel accepts the messages before it and refuses
# that one, and the backend must delete what it added and put back what it
# replaced.  For k at the start, middle and end of the batch: the apply
# fails with one error line, and XFRM policies and the nftables table are
# exactly those of the previous apply.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root xfrm_rollback
DRV=$TOP/build/$VARIANT/tests/bench/apply_driver
[ -x "$DRV" ] || { t_skip xfrm_rollback "build $DRV first (make unit-bins)"; exit 0; }

A=kra$$
W=$(mktemp -d)
cleanup() { ip netns del $A 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
ip netns add $A || { t_fail xfrm_rollback_setup "ip netns add"; exit 0; }
ip -n $A link set lo up

# P1, then P2: P2 turns a permit into a negotiate (changed policies), adds
# filters (new policies) and drops one (deleted after nftables).
cat > "$W/p1" <<'P'
exempt ike
rule neg negotiate
rule perm permit
rule blk block
filter neg 10.70.1.1 10.70.2.0/24 any 0 0 mirror
filter perm 10.70.1.1 10.70.3.0/24 udp 0 53 mirror
filter blk 10.70.1.1 10.70.4.0/24 tcp 0 23 mirror
filter neg 10.70.1.1 10.70.5.5 any 0 0 mirror
P
cat > "$W/p2" <<'P'
exempt ike
rule neg negotiate
rule perm permit
rule blk block
filter neg 10.70.1.1 10.70.2.0/24 any 0 0 mirror
filter neg 10.70.1.1 10.70.3.0/24 udp 0 53 mirror
filter blk 10.70.1.1 10.70.4.0/24 tcp 0 23 mirror
filter perm 10.70.1.1 10.70.2.7 tcp 0 80 mirror
filter neg 10.70.1.1 10.70.6.0/24 any 0 0 mirror
filter neg 10.70.1.1 10.70.7.0/24 icmp 0 0 mirror
P
drv() { ip netns exec $A "$DRV" "$@"; }
# One line per policy (a policy spans several lines), sorted.
xdump() { ip -n $A xfrm policy | awk '/^src/ { if (l) print l; l = $0; next } { l = l " " $0 } END { if (l) print l }' | tr -s ' \t' ' ' | sort; }
ndump() { ip netns exec $A nft list table ip netsh_ipsec 2>&1; }

t_check xfrm_rollback_apply_p1 drv -b nft,xfrm apply "$W/p1"
xdump > "$W/x1"
ndump > "$W/n1"
n=$(drv -n -v -b nft,xfrm apply "$W/p2" 2>&1 | sed -n 's/.*unchanged, \([0-9]*\) to add or update.*/\1/p' | head -n 1)
if [ -n "$n" ] && [ "$n" -ge 3 ]; then t_pass xfrm_rollback_p2_changes
else t_fail xfrm_rollback_p2_changes "P2 should add or update policies, dry run said '$n'"; exit 0; fi

for k in 0 $((n / 2)) $((n - 1)); do
	if out=$(NETSH_IPSEC_XFRM_FAULT=$k drv -b nft,xfrm apply "$W/p2" 2>&1); then
		t_fail xfrm_rollback_fails_at_$k "the apply succeeded"
		continue
	fi
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$lines" = 1 ] && printf '%s' "$out" | grep -q '^xfrm: .*Invalid argument'; then
		t_pass xfrm_rollback_fails_at_$k
	else t_fail xfrm_rollback_fails_at_$k "want one xfrm error line: $(printf '%s' "$out" | tr '\n' ' ')"; fi
	xdump > "$W/x2"
	ndump > "$W/n2"
	if cmp -s "$W/x1" "$W/x2"; then t_pass xfrm_rollback_policies_restored_$k
	else t_fail xfrm_rollback_policies_restored_$k "$(diff "$W/x1" "$W/x2" | head -n 4 | tr '\n' ' ')"; fi
	if cmp -s "$W/n1" "$W/n2"; then t_pass xfrm_rollback_nft_untouched_$k
	else t_fail xfrm_rollback_nft_untouched_$k "$(diff "$W/n1" "$W/n2" | head -n 4 | tr '\n' ' ')"; fi
done

# Without the fault the same apply goes through and changes the kernel:
# the checks above compared against a state P2 really changes.
t_check xfrm_rollback_apply_p2 drv -b nft,xfrm apply "$W/p2"
xdump > "$W/x3"
if ! cmp -s "$W/x1" "$W/x3"; then t_pass xfrm_rollback_p2_differs
else t_fail xfrm_rollback_p2_differs "P2 left the policies as P1's"; fi
