#!/bin/bash
# The VICI backend against a real charon on the host kernel: loading every
# rule shape, listing it back, idempotent re-apply, replacing, unloading
# only our own objects, status, charon going away.  (No IKE here: see
# vici_ike.sh; no ESP on this kernel: see tests/e2e.)
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns/vici_charon.sh"
t_need_root vici_load
VL=${VICI_LOAD:-$TOP/build/$VARIANT/tests/bench/vici_load}
[ -x "$VL" ] || { t_skip vici_load "$VL not built (make VARIANT=$VARIANT unit-bins)"; exit 0; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vici_load.XXXXXX")
trap 'vc_stop; rm -rf "$WORK"' EXIT
vc_start "$WORK/charon" || { t_fail vici_load_start "charon did not start"; exit 1; }
export NETSH_IPSEC_CA_DIR=$WORK/ca
mkdir -p "$NETSH_IPSEC_CA_DIR"
# The fixture's CA certificate (tests/unit/vici_fixture.h).
sed -n '/BEGIN CERT/,/END CERT/p' "$TOP/tests/unit/vici_fixture.h" |
	sed 's/^[[:space:]]*"//; s/\\n"[;]*$//' > "$NETSH_IPSEC_CA_DIR/root.pem"

sw() { swanctl "$@" --uri "unix://$VC_SOCK" 2>/dev/null; }
our_conns() { "$VL" "$VC_SOCK" raw get-conns | tr -d '[],' | tr ' ' '\n' | grep -c '^nsipsec-'; }
our_keys() { "$VL" "$VC_SOCK" raw get-shared | tr -d '[],' | tr ' ' '\n' | grep -c '^nsipsec-'; }

# A connection of somebody else's that we must never touch.
cat > "$WORK/foreign.conf" <<CONF
connections { foreign { version = 1
  children { c { esp_proposals = aes128-sha1 } } } }
secrets { ike-foreign { secret = x } }
CONF
t_check vici_foreign_loaded swanctl --load-all --file "$WORK/foreign.conf" --uri "unix://$VC_SOCK"

# Every shape: rule 8's CA is missing -> error naming it, rest loaded.
out=$("$VL" "$VC_SOCK" sink 2>&1); rc=$?
if [ $rc != 0 ] && printf '%s' "$out" | grep -q 'rule "rule8": no certificate with subject'; then
	t_pass vici_sink_error_names_rule
else
	t_fail vici_sink_error_names_rule "rc=$rc: $(printf '%s' "$out" | tail -n 1)"
fi
n=$(our_conns)
[ "$n" = 7 ] && t_pass vici_sink_conns_loaded || t_fail vici_sink_conns_loaded "expected 7 connections, got $n"
n=$(our_keys)
[ "$n" = 6 ] && t_pass vici_sink_keys_loaded || t_fail vici_sink_keys_loaded "expected 6 keys, got $n"
list=$(sw --list-conns)
for want in 'r4e540001: TRANSPORT' 'local:  10.99.0.1/32\[tcp\]' 'remote: 10.1.0.2/32\[tcp/http\]' \
	'r4e540004: TUNNEL' 'remote: 10.20.0.0/24' 'remote: 10.3.0.0/16\[udp/domain\]' \
	'nsipsec-default-' 'respond: TRANSPORT'; do
	if printf '%s' "$list" | grep -q -- "$want"; then t_pass "vici_sink_lists $want"
	else t_fail "vici_sink_lists $want" "not in swanctl --list-conns"; fi
done
# charon parsed our CA certificate: the rootca connection requires it.
if sw --list-conns --raw | grep -q 'cacerts=\[.\+\]' || sw --list-certs | grep -q 'Test Root'; then
	t_pass vici_sink_ca_loaded
else
	t_fail vici_sink_ca_loaded "Test Root not known to charon"
fi

# Same plan again: nothing changes, same error.
before=$(sw --list-conns --raw | md5sum)
"$VL" "$VC_SOCK" sink >/dev/null 2>&1
after=$(sw --list-conns --raw | md5sum)
[ "$before" = "$after" ] && t_pass vici_reapply_idempotent || t_fail vici_reapply_idempotent "connections changed"

# A different plan: the old objects go, the new ones come, the foreign stays.
t_check vici_replace "$VL" "$VC_SOCK" 3
n=$(our_conns); k=$(our_keys)
[ "$n" = 3 ] && [ "$k" = 3 ] && t_pass vici_replace_unloads_stale || t_fail vici_replace_unloads_stale "conns=$n keys=$k, want 3/3"
sw --list-conns | grep -q '^foreign:' && t_pass vici_replace_keeps_foreign || t_fail vici_replace_keeps_foreign "foreign connection gone"
"$VL" "$VC_SOCK" raw get-shared | grep -q 'ike-foreign\|keys = \[.*\]' && t_pass vici_replace_keeps_foreign_key || t_fail vici_replace_keeps_foreign_key "key list unreadable"

out=$("$VL" "$VC_SOCK" status 2>&1)
if printf '%s' "$out" | grep -q 'child r4e540003: TRANSPORT 10.99.0.1/32 === 10.100.0.3/32' &&
	printf '%s' "$out" | grep -q 'no security associations'; then
	t_pass vici_status
else
	t_fail vici_status "$(printf '%s' "$out" | head -n 2 | tr '\n' ' ')"
fi

t_check vici_flush "$VL" "$VC_SOCK" flush
n=$(our_conns); k=$(our_keys)
[ "$n" = 0 ] && [ "$k" = 0 ] && t_pass vici_flush_removes_ours || t_fail vici_flush_removes_ours "conns=$n keys=$k left"
sw --list-conns | grep -q '^foreign:' && t_pass vici_flush_keeps_foreign || t_fail vici_flush_keeps_foreign "foreign connection gone"

# The watcher sees charon go; apply then fails with one clear line.
"$VL" "$VC_SOCK" 2 >/dev/null
"$VL" "$VC_SOCK" watch 20 > "$WORK/watch.out" 2>&1 &
wpid=$!
for _ in $(seq 1 50); do grep -q watching "$WORK/watch.out" && break; sleep 0.1; done
vc_pid=$VC_PID
kill "$vc_pid"; wait "$vc_pid" 2>/dev/null; VC_PID=
wait "$wpid"
if grep -q 'charon gone' "$WORK/watch.out" && grep -q 'connected: no' "$WORK/watch.out"; then
	t_pass vici_watch_sees_charon_exit
else
	t_fail vici_watch_sees_charon_exit "$(tr '\n' ' ' < "$WORK/watch.out")"
fi
out=$("$VL" "$VC_SOCK" 2 2>&1)
if printf '%s' "$out" | grep -q "^charon: cannot connect to $VC_SOCK: "; then
	t_pass vici_apply_charon_down
else
	t_fail vici_apply_charon_down "$(printf '%s' "$out" | tail -n 1)"
fi
out=$("$VL" "$WORK/nothing/charon.vici" 2 2>&1)
if printf '%s' "$out" | grep -q "^charon: cannot connect to $WORK/nothing/charon.vici: No such file or directory$"; then
	t_pass vici_apply_no_socket
else
	t_fail vici_apply_no_socket "$(printf '%s' "$out" | tail -n 1)"
fi

# charon back: a fresh apply restores our connections.
vc_stop
vc_start "$WORK/charon2" || { t_fail vici_restart "charon did not restart"; exit 1; }
t_check vici_reapply_after_restart "$VL" "$VC_SOCK" 2
n=$(our_conns)
[ "$n" = 2 ] && t_pass vici_restart_restored || t_fail vici_restart_restored "conns=$n"
exit 0
