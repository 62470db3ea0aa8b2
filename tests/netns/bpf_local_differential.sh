#!/bin/bash
# Locally generated traffic gets the reference matcher's verdict from the
# bpf backend's nftables route chain: random plans, raw packets from Me,
# once leaving through a LAN-named and once through a PPP-named interface
# (conntype).  Blocks must fail to send, negotiates must carry the rule's
# mark, the rest must leave unmarked.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root bpf_local_differential
if [ -z "${NSB_UNSHARED:-}" ]; then
	NSB_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
BIN=$TOP/build/$VARIANT/tests/bench/classify_local
[ -x "$BIN" ] || BIN=$TOP/build/rel/tests/bench/classify_local
if [ ! -x "$BIN" ]; then t_fail bpf_local_differential "not built: $BIN"; exit 0; fi
command -v nft >/dev/null || { t_skip bpf_local_differential "no nft"; exit 0; }

N=nsbl$$
T=$(mktemp -d /tmp/nsb-local.XXXXXX)
trap 'ip netns del $N 2>/dev/null; umount "$T/bpffs" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$T/bpffs" && mount -t bpf bpf "$T/bpffs"
ip netns add $N && ip -n $N link set lo up &&
	ip -n $N link add lan0 type veth peer name lan0p && ip -n $N link add ppp9 type veth peer name ppp9p &&
	for d in lan0 lan0p ppp9 ppp9p; do ip -n $N link set $d up || exit 1; done &&
	ip -n $N addr add 10.0.0.1/32 dev lan0 || { t_fail bpf_local_differential "setup"; exit 0; }

for dev in lan0 ppp9; do
	# A permanent neighbour: no ARP, so no delayed "host unreachable"
	# errors generated locally in the middle of the count.
	ip -n $N neigh replace 10.0.0.254 lladdr 02:00:00:00:00:fe dev $dev nud permanent
	ip -n $N route replace default via 10.0.0.254 dev $dev onlink
	for seed in 1 2 3 4 5 6; do
		if out=$(ip netns exec $N env TMPDIR="$T" "$BIN" "$seed" 60 150 $dev 2>&1); then
			t_pass "bpf_local_differential $dev seed $seed ($(printf '%s' "$out" | tail -n 1))"
		else
			t_fail "bpf_local_differential $dev seed $seed" "$(printf '%s' "$out" | tail -n 4 | tr '\n' ' ')"
		fi
	done
done
