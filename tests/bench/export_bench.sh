#!/bin/bash
# Figures for importpolicy, exportpolicy, show all and dump on a store of one
# policy with N rules (own filter list of 2 filters and own filter action
# each).  Usage: tests/bench/export_bench.sh [N...]   (rel build)
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
NETSH=${NETSH:-$TOP/build/rel/bin/netsh}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; e=$(date +%s.%N); echo "$e - $s" | bc; }
printf '%8s %10s %10s %10s %10s %10s\n' rules import_s export_s show_all_s dump_s file_kB
for n in "${@:-1000 5000}"; do
	export NETSH_IPSEC_DIR=$W/store.$n
	mkdir -p "$NETSH_IPSEC_DIR"
	python3 "$TOP/tests/bench/export_gen.py" "$n" 2 >"$W/in.$n.ipsec"
	ti=$(t "$NETSH" ipsec static importpolicy file="$W/in.$n.ipsec")
	te=$(t "$NETSH" ipsec static exportpolicy file="$W/out.$n.ipsec")
	ts=$(t "$NETSH" ipsec static show all)
	td=$(t "$NETSH" ipsec static dump)
	printf '%8s %10.3f %10.3f %10.3f %10.3f %10s\n' "$n" "$ti" "$te" "$ts" "$td" \
		"$(($(stat -c %s "$W/in.$n.ipsec") / 1024))"
done
