#!/bin/sh
# The eBPF classifier gives exactly the reference matcher's verdict:
# 1,000,000 random packets over random overlapping plans, through
# BPF_PROG_TEST_RUN (tc and XDP programs, LAN and dial-up interfaces).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_need_root bpf_differential

BIN=$TOP/build/$VARIANT/tests/bench/bpf_differential
[ -x "$BIN" ] || BIN=$TOP/build/rel/tests/bench/bpf_differential
if [ ! -x "$BIN" ]; then t_fail bpf_differential "not built: $BIN"; exit 0; fi

NS=nsbdiff$$
ip netns add "$NS" || { t_fail bpf_differential "ip netns add"; exit 0; }
trap 'ip netns del "$NS" 2>/dev/null' EXIT
# ASan slows the loop but not the kernel side; 1M packets stay under a minute.
if out=$(ip netns exec "$NS" "$BIN" "${BPF_DIFF_PACKETS:-1000000}" 2>&1); then
	t_pass "bpf_differential ($(printf '%s' "$out" | tail -n 1))"
else
	t_fail bpf_differential "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi
