#!/bin/bash
# Apply-time figures for the kernel backends (Documentation/performance.md,
# "Kernel backends"), each measured in fresh network namespaces (the XFRM
# hash table never shrinks) and side by side with the stock tools loading
# the same objects:
#   - 10,000 negotiate filters: xfrm backend vs `ip -batch` of the same
#     30,000 policies; nft backend vs `nft -f` of the same table
#   - 100,000 exact block filters: nft backend vs `nft -f`; and, to show why
#     block filters stay out of XFRM, all of them in XFRM (xfrm-all) vs
#     `ip -batch`
#   - 100,000 prefix block filters (one concatenated interval map)
#   - re-apply of the unchanged plan (the no-op path)
# Usage: tests/bench/apply_bench.sh [rel|san]   (root)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
V=${1:-rel}
DRV=$TOP/build/$V/tests/bench/apply_driver
[ "$(id -u)" = 0 ] || { echo "apply_bench: needs root"; exit 0; }
[ -x "$DRV" ] || { echo "apply_bench: build $DRV first (make unit-bins)"; exit 1; }
W=$(mktemp -d)
NS=kbn$$
trap 'ip netns del $NS 2>/dev/null; rm -rf "$W"' EXIT

cat > "$W/neg10k.plan" <<'P'
rule neg negotiate
gen 10000 neg 10.0.0.1 10.32.0.1 any 0 0 dst
P
cat > "$W/blk100k.plan" <<'P'
rule blk block
gen 100000 blk 10.64.0.1 10.0.0.1 tcp 0 445 src
P
cat > "$W/pfx100k.plan" <<'P'
rule blk block
gen 100000 blk 10.0.0.0/24 192.168.0.0/16 tcp 0 445 src
P

fresh() { ip netns del $NS 2>/dev/null; ip netns add $NS; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.0f", (e - s) / 1e6 }'; }
now() { date +%s%N; }
# ours BACKEND PLAN: "first re-apply" times in ms
ours() {
	fresh
	t0=$(now); ip netns exec $NS "$DRV" -b "$1" apply "$2" || echo "apply failed" >&2; t1=$(now)
	ip netns exec $NS "$DRV" -b "$1" apply "$2"; t2=$(now)
	echo "$(ms $t0 $t1) $(ms $t1 $t2)"
}
ipbatch() {
	"$DRV" -b "$1" ipbatch "$2" > "$W/batch"
	fresh
	t0=$(now); ip netns exec $NS ip -batch "$W/batch" > /dev/null 2>&1 || echo "ip -batch failed" >&2; t1=$(now)
	echo "$(ms $t0 $t1) ($(wc -l < "$W/batch") policies)"
}
nftf() {
	fresh
	ip netns exec $NS "$DRV" -b nft apply "$1"
	ip netns exec $NS nft list table ip netsh_ipsec > "$W/table.nft"
	fresh
	t0=$(now); ip netns exec $NS nft -f "$W/table.nft" || echo "nft -f failed" >&2; t1=$(now)
	echo "$(ms $t0 $t1)"
}

echo "# kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %12s %12s %s\n' "case" "apply ms" "re-apply ms" "stock tool ms"
set -- $(ours xfrm "$W/neg10k.plan")
printf '%-34s %12s %12s %s\n' "10k negotiate: xfrm backend" "$1" "$2" "ip -batch $(ipbatch xfrm "$W/neg10k.plan")"
set -- $(ours nft "$W/neg10k.plan")
printf '%-34s %12s %12s %s\n' "10k negotiate: nft backend" "$1" "$2" "nft -f $(nftf "$W/neg10k.plan")"
set -- $(ours nft,xfrm "$W/neg10k.plan")
printf '%-34s %12s %12s\n' "10k negotiate: nft+xfrm" "$1" "$2"
set -- $(ours nft "$W/blk100k.plan")
printf '%-34s %12s %12s %s\n' "100k exact block: nft backend" "$1" "$2" "nft -f $(nftf "$W/blk100k.plan")"
set -- $(ours nft,xfrm "$W/blk100k.plan")
printf '%-34s %12s %12s\n' "100k exact block: nft+xfrm" "$1" "$2"
set -- $(ours nft "$W/pfx100k.plan")
printf '%-34s %12s %12s %s\n' "100k prefix block: nft backend" "$1" "$2" "nft -f $(nftf "$W/pfx100k.plan")"
if [ -z "${APPLY_BENCH_QUICK:-}" ]; then
	set -- $(ours xfrm-all "$W/blk100k.plan")
	printf '%-34s %12s %12s %s\n' "100k exact block: all in XFRM" "$1" "$2" "ip -batch $(ipbatch xfrm-all "$W/blk100k.plan")"
fi
