#!/bin/bash
# Make-before-break under load: UDP flows run continuously from A to B
# while A's policy is re-applied 100 times, alternating two plans X and Y,
# in ipsec-apply's order (XFRM prepare, nft, XFRM).  Every datagram's fate
# must agree with X or with Y: 7001 is permitted in both (must arrive),
# 7002 blocked in both, 7005 negotiated in both, 7003 negotiated in X and
# blocked in Y, 7006 blocked in X (by nftables alone) and negotiated in Y:
# none of these may ever arrive in clear.  7004 changes from block to
# permit.  Target: 0 violations.  The same run without the XFRM prepare
# step is reported for comparison (not a failure).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root reapply_traffic
DRV=$TOP/build/$VARIANT/tests/bench/apply_driver
PROBE=$TOP/build/$VARIANT/tests/bench/apply_probe
[ -x "$DRV" ] && [ -x "$PROBE" ] || { t_skip reapply_traffic "build $DRV first (make unit-bins)"; exit 0; }
N=${REAPPLY_N:-100}

A=kra$$ B=krb$$
W=$(mktemp -d)
cleanup() { for n in $A $B; do ip netns del $n 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
t_netns_pair "$A" "$B" 10.79.0

cat > "$W/X" <<'P'
rule neg negotiate
rule perm permit
rule blk block
filter perm 10.79.0.1 10.79.0.2 udp 0 7001 mirror
filter blk 10.79.0.1 10.79.0.2 udp 0 7002 mirror
filter blk 10.79.0.1 10.79.0.2 udp 0 7004 mirror
filter blk 10.79.0.1 10.79.0.2 udp 0 7006 mirror
filter neg 10.79.0.1 10.79.0.0/24 udp 0 7003 mirror
filter neg 10.79.0.1 10.79.0.0/24 udp 0 7005 mirror
P
cat > "$W/Y" <<'P'
rule neg negotiate
rule perm permit
rule blk block
filter perm 10.79.0.1 10.79.0.2 udp 0 7001 mirror
filter blk 10.79.0.1 10.79.0.2 udp 0 7002 mirror
filter blk 10.79.0.1 10.79.0.2 udp 0 7003 mirror
filter perm 10.79.0.1 10.79.0.2 udp 0 7004 mirror
filter neg 10.79.0.1 10.79.0.2 any 0 0 mirror
P
apply() { ip netns exec $A "$DRV" $NOPREP -b nft,xfrm apply "$1"; }
t_check reapply_first apply "$W/X"

run() {
# Time one round to size the traffic window.
t0=$(date +%s%N); apply "$W/Y"; apply "$W/X"; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 2000000 * N + 2000 ))
ip netns exec $B "$PROBE" recv $(( ms / 1000 + 3 )) 7001 7002 7003 7004 7005 7006 > "$W/recv" &
rp=$!
for _ in $(seq 50); do grep -q ready "$W/recv" 2>/dev/null && break; sleep 0.05; done
ip netns exec $A "$PROBE" send 10.79.0.2 "$ms" 500 7001 7002 7003 7004 7005 7006 > "$W/sent" &
sp=$!
sleep 0.5
fails=0
for i in $(seq "$N"); do
	if [ $((i % 2)) = 1 ]; then p=Y; else p=X; fi
	apply "$W/$p" > "$W/apply.log" 2>&1 || { fails=$((fails + 1)); cat "$W/apply.log" >&2; }
done
wait $sp
wait $rp
[ $fails = 0 ] && t_pass "reapply_all_succeeded$1" || t_fail "reapply_all_succeeded$1" "$fails of $N applies failed"

sent() { awk -v p="$1" '$2 == p { print $4 }' "$W/sent"; }
got() { awk -v p="$1" '$2 == p { print $4 }' "$W/recv"; }
s1=$(sent 7001) r1=$(got 7001)
v=$(( s1 - r1 + $(got 7002) + $(got 7003) + $(got 7005) + $(got 7006) ))
echo "# sent 7001: $s1; received: $(grep received "$W/recv" | awk '{print $2 "=" $4}' | tr '\n' ' ')"
if [ -n "$NOPREP" ]; then
	echo "# without the xfrm prepare step: $v violations"
elif [ "$s1" -gt 100 ] && [ "$v" = 0 ]; then
	t_pass reapply_no_violation
else
	t_fail reapply_no_violation "$v violations (7001 sent $s1 got $r1, 7002 $(got 7002), 7003 $(got 7003), 7005 $(got 7005), 7006 $(got 7006))"
fi
# 7004 changes between the plans: both fates must have been seen.
[ "$(got 7004)" -gt 0 ] && [ "$(got 7004)" -lt "$(sent 7004)" ] && t_pass "reapply_changes_took_effect$1" ||
	t_fail "reapply_changes_took_effect$1" "7004 got $(got 7004) of $(sent 7004)"
}
NOPREP= run
NOPREP=-P run _without_prepare
ip netns exec $A "$DRV" -b nft,xfrm flush
exit 0
