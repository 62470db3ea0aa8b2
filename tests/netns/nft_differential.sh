#!/bin/bash
# The nft backend against the reference matcher, in the kernel: random plans
# (plan_random) are applied in a forwarding namespace G; A sends the random
# packets of plan_random_pkt as raw IPv4 through G; every element counter of
# the table (comment "filter <id>") must equal the number of packets the
# reference matcher gives to that filter.  This checks the layering and the
# maps (which keep overlapping prefix filters in separate interval maps).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root nft_differential
DRV=$TOP/build/$VARIANT/tests/bench/apply_driver
DIFF=$TOP/build/$VARIANT/tests/bench/apply_diff
[ -x "$DRV" ] && [ -x "$DIFF" ] || { t_skip nft_differential "build $DRV first (make unit-bins)"; exit 0; }

A=kda$$ G=kdg$$ B=kdb$$
W=$(mktemp -d)
cleanup() { for n in $A $G $B; do ip netns del $n 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
t_netns_chain $A $G $B 172.31.1 172.31.2
ip -n $G route add default via 172.31.2.1
for k in net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.ga$$.rp_filter=0 net.ipv4.conf.all.accept_local=1; do
	ip netns exec $G sysctl -qw $k
done
# B swallows everything silently.
ip netns exec $B nft add table ip sink
ip netns exec $B nft 'add chain ip sink in { type filter hook prerouting priority -300; policy drop; }'

for run in "1 60 4" "2 300 10" "3 800 30" "4 1500 60" "5 400 8" "6 2000 80" "7 150 3"; do
	set -- $run
	seed=$1 n=$2 classes=$3
	name="differential_seed${seed}_${n}filters"
	if ! ip netns exec $G "$DRV" -b nft random $seed $n $classes > "$W/apply" 2>&1; then
		t_fail "$name" "apply: $(tail -n 1 "$W/apply")"; continue
	fi
	ip netns exec $A "$DIFF" $seed $n $classes 4000 2> "$W/sent" | sort > "$W/want"
	sleep 0.3
	ip netns exec $G "$DRV" -v -b nft status |
		awk '/^nft:   / && $3 == "filter" { c[$4] += $(NF-3) } END { for (f in c) if (c[f]) print "filter", f, c[f] }' |
		sort > "$W/got"
	if cmp -s "$W/want" "$W/got" && [ -s "$W/want" ]; then
		t_pass "$name"
	else
		t_fail "$name" "$(cat "$W/sent") $(diff "$W/want" "$W/got" | head -n 6 | tr '\n' ' ')"
	fi
done
exit 0
