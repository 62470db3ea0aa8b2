#!/bin/bash
# The three ways in: argv, scripts (-f), the prompt (pipe and tmux).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/cli/lib/core.sh"
t_store
D=$NETSH_IPSEC_DIR
count() { sqlite3 "$D/local.db" "select count(*) from filterlists where name='$1'"; }

# ---- argv -------------------------------------------------------------------------
c_ok argv_full ipsec static add filterlist A1
c_ok argv_c_option -c "ipsec static" add filterlist A2
c_ok argv_abbrev_ctx ipsec st add filterlist A3
c_ok argv_upper IPSEC STATIC ADD FILTERLIST A4
[ "$(count A1)$(count A2)$(count A3)$(count A4)" = 1111 ] && t_pass argv_written || t_fail argv_written "missing lists"
out=$("$NETSH" ipsec static add filterlist A5 2>&1)
[ -z "$out" ] && t_pass argv_silent || t_fail argv_silent "$out"
out=$("$NETSH" ipsec static '?' 2>&1)
printf '%s' "$out" | grep -q "add filter " && printf '%s' "$out" | grep -q "delete rule" && t_pass help_lists_commands || t_fail help_lists_commands "$out"
out=$("$NETSH" ipsec static add filter help 2>&1)
printf '%s' "$out" | grep -q "^Usage: add filter filterlist=" && printf '%s' "$out" | grep -q "Default: 255.255.255.255" && t_pass help_usage || t_fail help_usage "$out"
out=$("$NETSH" ipsec static add '?' 2>&1)
printf '%s' "$out" | grep -q "add rule" && ! printf '%s' "$out" | grep -q "delete rule" && t_pass help_group || t_fail help_group "$out"
out=$("$NETSH" ipsec '?' 2>&1)
printf '%s' "$out" | grep -q "sub-contexts" && printf '%s' "$out" | grep -q "static" && t_pass help_ipsec || t_fail help_ipsec "$out"
c_rej argv_unknown_ctx "'bogus' is not a valid command here \(netsh>\)" bogus
c_rej argv_unknown_static "'bogus' is not a valid command here \(ipsec static>\); use add, set, .*delete" ipsec static bogus

# ---- scripts ------------------------------------------------------------------------------
cat > "$D/s.txt" <<'S'
# a comment line
ipsec static
add filterlist F1   # trailing comment

add filterlist "F 2"
..
static add filterlist F3
..
..
ipsec static add filterlist F4
pushd ipsec static
add filterlist F5
popd
ipsec
static
add filterlist F6
exit
add filterlist NEVER
S
t_check script_runs "$NETSH" -f "$D/s.txt"
[ "$(count F1)$(count 'F 2')$(count F3)$(count F4)$(count F5)$(count F6)$(count NEVER)" = 1111110 ] \
	&& t_pass script_contexts || t_fail script_contexts "$(sqlite3 "$D/local.db" 'select name from filterlists')"
printf '\357\273\277ipsec static\r\nadd filterlist BOM1\r\n' > "$D/bom.txt"
t_check script_bom_crlf "$NETSH" -f "$D/bom.txt"
[ "$(count BOM1)" = 1 ] && t_pass script_bom_crlf_written || t_fail script_bom_crlf_written "BOM1 missing"
printf 'add filterlist WRONGCTX\n' > "$D/bad.txt"
c_rej script_wrong_ctx "'add' is not a valid command here \(netsh>\)" -f "$D/bad.txt"
c_rej script_missing "nonexistent" -f "$D/nonexistent.txt"
printf 'popd\n' > "$D/popd.txt"
c_rej script_popd_empty "popd: no context was saved" -f "$D/popd.txt"
printf 'ipsec static\nadd filterlist STDIN1\n' | "$NETSH" -f - >/dev/null 2>&1 && [ "$(count STDIN1)" = 1 ] \
	&& t_pass script_stdin || t_fail script_stdin "-f - did not run"

# ---- prompt through a pipe ----------------------------------------------------------------
out=$(printf 'ipsec\nstatic\nadd filterlist P1\n?\n..\n..\nexit\n' | "$NETSH" 2>&1)
printf '%s' "$out" | grep -q "netsh> ipsec> ipsec static> " && t_pass prompt_pipe_prompts || t_fail prompt_pipe_prompts "$out"
[ "$(count P1)" = 1 ] && t_pass prompt_pipe_writes || t_fail prompt_pipe_writes "P1 missing"
out=$(printf 'dynamic\n..\nquit\n' | "$NETSH" ipsec 2>&1)
printf '%s' "$out" | grep -q "ipsec dynamic> " && t_pass prompt_dynamic || t_fail prompt_dynamic "$out"
out=$(printf 'add filterlist P2\nbye\n' | "$NETSH" ipsec static 2>&1)
printf '%s' "$out" | grep -q "ipsec static> " && [ "$(count P2)" = 1 ] && t_pass prompt_from_argv_ctx || t_fail prompt_from_argv_ctx "$out"

# ---- prompt in a terminal (libedit) ----------------------------------------------------------
if command -v tmux >/dev/null 2>&1; then
	sess=core$$
	tmux new-session -d -s "$sess" -x 200 -y 50 "env NETSH_IPSEC_DIR='$D' ASAN_OPTIONS=detect_leaks=0 '$NETSH'; sleep 5" 2>/dev/null
	sleep 1
	tmux send-keys -t "$sess" "ipsec static" Enter
	sleep 0.5
	tmux send-keys -t "$sess" "add filterlist TMUX1" Enter
	sleep 0.5
	tmux send-keys -t "$sess" "add filterl" Tab
	sleep 0.3
	tmux send-keys -t "$sess" "na" Tab
	sleep 0.3
	tmux send-keys -t "$sess" "TAB2" Enter
	sleep 0.5
	tmux send-keys -t "$sess" "exit" Enter
	sleep 1
	screen=$(tmux capture-pane -p -t "$sess" 2>/dev/null)
	tmux kill-session -t "$sess" 2>/dev/null
	if printf '%s' "$screen" | grep -q "ipsec static> add filterlist TMUX1" && [ "$(count TMUX1)" = 1 ]; then
		t_pass prompt_tty
	else
		t_fail prompt_tty "$screen"
	fi
	if printf '%s' "$screen" | grep -q "ipsec static> add filterlist name=TAB2" && [ "$(count TAB2)" = 1 ]; then
		t_pass prompt_tab_completion
	else
		t_fail prompt_tab_completion "$screen"
	fi
else
	t_skip prompt_tty "tmux not installed"
fi
