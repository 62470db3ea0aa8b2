#!/bin/bash
# Per-packet cost of the classifiers on one and the same packet path, side
# by side.  Packets from namespace A to B through gateway G1, where N filters
# are loaded as (1) the eBPF classifier (tc ingress), (2) an nftables
# concatenated interval vmap in the forward hook, (3) XFRM policies (dir
# fwd + out); a twin gateway G2 without filters carries the same traffic in
# alternating batches, and each figure is the median of the paired
# per-packet differences (this machine is shared: pairing cancels drift).
# Traffic: FLOWS flows (default 1024), each inside a random permit/negotiate
# filter of the plan, so the classes are hit in the plan's proportions
# (bpf_ns, nft_ns, xfrm_ns); bpf_cold_ns is the bpf figure again with
# COLD_FLOWS flows (default 65536: at large N every packet misses cache and
# TLB); bpf_worst_ns is one flow that only the least specific class matches
# (every class probed); empty_ns is the mixed traffic through a tc program
# that only returns (the part of bpf_ns any tc program costs).
# Fresh namespaces per N.  Prints per N:
#   classify N=<n> bpf_ns=<> empty_ns=<> nft_ns=<> xfrm_ns=<> bpf_worst_ns=<> bpf_cold_ns=<> prog_ns=<>
#            prog_rand_ns=<> classes=<> bytes_per_filter=<> bpf_load_s=<> nft_load_s=<>
#            xfrm_load_s=<> path_ns=<>
# Usage: tests/bench/classify.sh [N...]   (root; default 10 1000 100000 1000000)
#   NFT_MAX / XFRM_MAX: largest N loaded into nft / XFRM (default 100000).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${CLASSIFY_BIN:-$TOP/build/rel/tests/bench/classify}
[ "$(id -u)" = 0 ] || { echo "classify: needs root" >&2; exit 1; }
[ -x "$BIN" ] || { echo "classify: build $BIN first (make rel)" >&2; exit 1; }
if [ -z "${NSB_UNSHARED:-}" ]; then
	NSB_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
SIZES=${*:-10 1000 100000 1000000}
NFT_MAX=${NFT_MAX:-100000}
XFRM_MAX=${XFRM_MAX:-100000}
BATCHES=${BATCHES:-401}
K=${K:-500}
CPU=${CPU:-1}
FLOWS=${FLOWS:-1024}
COLD_FLOWS=${COLD_FLOWS:-65536}

T=$(mktemp -d /tmp/nsb-bench.XXXXXX)
A=nsbqa$$ G=nsbqg$$ H=nsbqh$$ B=nsbqb$$
cleanup() {
	for x in $A $G $H $B; do ip netns del "$x" 2>/dev/null; done
	umount "$T/bpffs" 2>/dev/null
	rm -rf "$T"
}
trap 'cleanup 2>/dev/null' EXIT
mkdir "$T/bpffs" && mount -t bpf bpf "$T/bpffs" || exit 1

# A --va1-- G (10.250.x) --vb1-- B  and  A --va2-- H (10.251.x) --vb2-- B
topo() {
	for x in $A $G $H $B; do ip netns del "$x" 2>/dev/null; done
	ip netns add $A && ip netns add $G && ip netns add $H && ip netns add $B || return 1
	for p in 1:$G:250 2:$H:251; do
		i=${p%%:*} r=${p#*:} gw=${r%%:*} net=${r#*:}
		ip link add va$i netns $A type veth peer name vga netns $gw &&
		ip link add vb$i netns $B type veth peer name vgb netns $gw &&
		ip -n $A addr add 10.$net.1.2/24 dev va$i && ip -n $A link set va$i up &&
		ip -n $B addr add 10.$net.2.2/24 dev vb$i && ip -n $B link set vb$i up &&
		ip -n $gw addr add 10.$net.1.1/24 dev vga && ip -n $gw addr add 10.$net.2.1/24 dev vgb &&
		ip -n $gw link set vga up && ip -n $gw link set vgb up &&
		ip -n $A route add 10.$net.2.0/24 via 10.$net.1.1 &&
		ip -n $A route add default via 10.$net.1.1 dev va$i metric $i &&
		ip -n $B route add 10.$net.1.0/24 via 10.$net.2.1 &&
		ip -n $gw route add default via 10.$net.2.2 &&
		ip netns exec $gw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.vga.rp_filter=0 || return 1
	done
	ip netns exec $B nft -f - <<'NFT'
table ip sink { chain pre { type filter hook prerouting priority -300; policy drop; }; }
NFT
}

# "<difference> <path>" in ns per packet.
mix2() { ip netns exec $A taskset -c "$CPU" "$BIN" mix2 "$1" va1 va2 "$BATCHES" "$K" "${2:-$FLOWS}"; }
send2() { ip netns exec $A taskset -c "$CPU" "$BIN" send2 10.250.2.2 10.251.2.2 9999 "$BATCHES" "$K"; }
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$T/out" 2>&1 || { cat "$T/out" >&2; return 1; }
	t1=$(date +%s.%N)
	echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }'
}

for n in $SIZES; do
	topo || { echo "classify: topology failed" >&2; exit 1; }
	bload=$(NETSH_IPSEC_BPF_IFACES=vga NETSH_IPSEC_BPF_LOCAL=off NETSH_IPSEC_BPF_XDP=off \
		ip netns exec $G "$BIN" bpf-apply "$n" "$T/bpffs")
	r=$(mix2 "$n")
	bpf=${r% *} path=${r#* }
	r=$(mix2 "$n" "$COLD_FLOWS")
	cold=${r% *}
	r=$(send2)
	worst=${r% *}
	ip netns exec $G "$BIN" bpf-flush "$T/bpffs"
	# The same traffic through a tc program that does nothing: the fixed
	# cost of any tc ingress program on this path (bpf_ns includes it).
	empty=-
	if ip netns exec $G "$BIN" empty-attach vga; then
		r=$(mix2 "$n")
		empty=${r% *}
	fi
	ip netns exec $G tc qdisc del dev vga clsact 2>/dev/null
	nft=- nload=-
	if [ "$n" -le "$NFT_MAX" ]; then
		"$BIN" nft-file "$n" "$T/nft"
		if nload=$(secs ip netns exec $G nft -f "$T/nft"); then
			r=$(mix2 "$n")
			nft=${r% *}
		else
			nload=-
		fi
		ip netns exec $G nft delete table ip nsbbench 2>/dev/null
	fi
	xfrm=- xload=-
	if [ "$n" -le "$XFRM_MAX" ]; then
		topo || exit 1 # XFRM's policy hash never shrinks: fresh namespaces
		"$BIN" xfrm-file "$n" "$T/xfrm"
		if xload=$(secs ip -n $G -batch "$T/xfrm"); then
			r=$(mix2 "$n")
			xfrm=${r% *}
		else
			xload=-
		fi
	fi
	prog=$("$BIN" prog "$n" | sed 's/ prog_load_s=[^ ]*//')
	echo "classify N=$n bpf_ns=$bpf empty_ns=$empty nft_ns=$nft xfrm_ns=$xfrm bpf_worst_ns=$worst bpf_cold_ns=$cold $prog bpf_load_s=$bload nft_load_s=$nload xfrm_load_s=$xload path_ns=$path"
done
