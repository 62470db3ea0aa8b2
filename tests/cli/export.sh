#!/bin/bash
# exportpolicy/importpolicy, dump and restorepolicyexamples end to end:
#   export -> delete all -> import gives the same show all, GUIDs included;
#   dump -> fresh store -> netsh -f gives the same show all except GUIDs;
#   restorepolicyexamples is idempotent and overwrites renamed originals;
#   a bad import changes nothing.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
S="$NETSH ipsec static"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/export-cli.XXXXXX")
T_CLEANUP="${T_CLEANUP:-} rm -rf '$OUT';"

# same NAME FILE1 FILE2: identical files.
same() {
	if cmp -s "$2" "$3"; then t_pass "$1"
	else t_fail "$1" "$(diff "$2" "$3" | head -n 4 | tr '\n' ' ')"; fi
}
# Without what a dump cannot keep: GUIDs and modification times.
strip() { grep -v -e 'GUID' -e 'Last Modified' "$1" >"$2"; }

t_check build "$NETSH" -f "$TOP/tests/cli/show_store.netsh"
t_check examples $S restorepolicyexamples release=win2K
$S show all >"$OUT/before" 2>&1

# ---- export / import -------------------------------------------------------
t_check export $S exportpolicy file="$OUT/backup"
if [ -f "$OUT/backup.ipsec" ]; then t_pass export_ext; else t_fail export_ext "no backup.ipsec"; fi
if [ "$(stat -c %a "$OUT/backup.ipsec")" = 600 ]; then t_pass export_mode
else t_fail export_mode "mode $(stat -c %a "$OUT/backup.ipsec")"; fi
if head -n 1 "$OUT/backup.ipsec" | grep -qx '# netsh-ipsec export v1'; then t_pass export_magic
else t_fail export_magic "first line: $(head -n 1 "$OUT/backup.ipsec")"; fi
if grep -q 'rule-psk-1' "$OUT/backup.ipsec"; then t_pass export_keeps_psk
else t_fail export_keeps_psk "PSK missing from the export"; fi
t_check export_named $S exportpolicy file="$OUT/named.txt"
if [ -f "$OUT/named.txt" ] && [ ! -e "$OUT/named.txt.ipsec" ]; then t_pass export_keeps_ext
else t_fail export_keeps_ext "extension added to a name that has one"; fi

t_check delete_all $S delete all
if $S show all | grep -q 'No policies in the Local Store.'; then t_pass deleted
else t_fail deleted "store not empty"; fi
t_check import $S importpolicy file="$OUT/backup.ipsec"
$S show all >"$OUT/after" 2>&1
same import_same_show_all "$OUT/before" "$OUT/after"
t_check import_again $S importpolicy file="$OUT/backup.ipsec"
$S show all >"$OUT/after2" 2>&1
same import_twice_same "$OUT/before" "$OUT/after2"

# A bad file changes nothing, and says which line.
sed '$d' "$OUT/backup.ipsec" >"$OUT/truncated.ipsec"
t_fails import_truncated $S importpolicy file="$OUT/truncated.ipsec"
sed '5s/protocol=[0-9]*/protocol=999/' "$OUT/backup.ipsec" >"$OUT/bad.ipsec"
if out=$($S importpolicy file="$OUT/bad.ipsec" 2>&1); then t_fail import_bad "accepted"
elif printf '%s' "$out" | grep -q 'line 5: field protocol'; then t_pass import_bad
else t_fail import_bad "message: $out"; fi
printf 'hello\n' >"$OUT/junk"
t_fails import_junk $S importpolicy file="$OUT/junk"
t_fails import_missing $S importpolicy file="$OUT/does-not-exist"
$S show all >"$OUT/after3" 2>&1
same bad_import_changes_nothing "$OUT/before" "$OUT/after3"

# A clash of names under another GUID is refused whole.
t_check clash_setup $S delete all
t_check clash_make $S add filteraction name=Strong action=block
t_fails clash $S importpolicy file="$OUT/backup.ipsec"
if [ "$($S show policy all | grep -c 'Policy Name')" = 0 ]; then t_pass clash_all_or_nothing
else t_fail clash_all_or_nothing "some policies were imported"; fi
t_check clash_cleanup $S delete all

# ---- dump -----------------------------------------------------------------
t_check reimport $S importpolicy file="$OUT/backup.ipsec"
$S dump >"$OUT/dump.netsh" 2>"$OUT/dump.err"
if grep -q '^ipsec static add rule name="to web"' "$OUT/dump.netsh"; then t_pass dump_rule
else t_fail dump_rule "no add rule line"; fi
if grep -q 'psk="rule-psk-1"' "$OUT/dump.netsh"; then t_pass dump_psk
else t_fail dump_psk "PSK missing"; fi
if tail -n 1 "$OUT/dump.netsh" | grep -q '^ipsec static set policy name="Second" assign=yes$'; then
	t_pass dump_assign_last
else t_fail dump_assign_last "last line: $(tail -n 1 "$OUT/dump.netsh")"; fi
FIRST=$NETSH_IPSEC_DIR
NETSH_IPSEC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netsh-ipsec-test.XXXXXX")
T_CLEANUP="${T_CLEANUP:-} rm -rf '$NETSH_IPSEC_DIR';"
t_check dump_replay "$NETSH" -f "$OUT/dump.netsh"
$S show all >"$OUT/replayed" 2>&1
strip "$OUT/before" "$OUT/before.s"
strip "$OUT/replayed" "$OUT/replayed.s"
same dump_same_content "$OUT/before.s" "$OUT/replayed.s"
if grep -q '{7238523A-70FA-11D1-864C-14A300000000}' "$OUT/replayed"; then
	t_fail dump_new_guids "a replayed dump kept a GUID"
else t_pass dump_new_guids; fi
# The replayed store dumps to the same script.
$S dump >"$OUT/dump2.netsh" 2>/dev/null
same dump_fixed_point "$OUT/dump.netsh" "$OUT/dump2.netsh"

# Persistent store: the dump selects it again.
printf 'ipsec static set store location=persistent\nipsec static add filterlist name=P\nipsec static dump\n' >"$OUT/p.netsh"
if "$NETSH" -f "$OUT/p.netsh" | grep -q '^ipsec static set store location=persistent$'; then
	t_pass dump_persistent
else t_fail dump_persistent "no set store line"; fi

# ---- restorepolicyexamples ---------------------------------------------------
NETSH_IPSEC_DIR=$FIRST
t_check restore_setup $S delete all
t_check restore1 $S restorepolicyexamples release=Win2003
$S show all | grep -v 'Last Modified' >"$OUT/r1"
t_check restore2 $S restorepolicyexamples release=Win2003
$S show all | grep -v 'Last Modified' >"$OUT/r2"
same restore_idempotent "$OUT/r1" "$OUT/r2"
t_check restore_k $S restorepolicyexamples release=win2K
$S show all | grep -v 'Last Modified' >"$OUT/r3"
same restore_releases_same_objects "$OUT/r1" "$OUT/r3"
t_check rename $S set filterlist name="All IP Traffic" newname="Renamed list"
t_check change $S set filteraction name="Permit" action=block
t_check assign $S set policy name="Server (Request Security)" assign=yes
t_check restore3 $S restorepolicyexamples release=Win2003
if $S show filterlist all | grep -q 'Renamed list'; then t_fail restore_overwrites_rename "renamed list kept"
elif $S show filterlist name="All IP Traffic" >/dev/null; then t_pass restore_overwrites_rename
else t_fail restore_overwrites_rename "All IP Traffic missing"; fi
if $S show filteraction name=Permit | grep -q 'Action                  : Permit'; then
	t_pass restore_overwrites_change
else t_fail restore_overwrites_change "Permit not restored"; fi
if $S show policy name="Server (Request Security)" | grep -q 'Assigned                : YES'; then
	t_pass restore_keeps_assignment
else t_fail restore_keeps_assignment "assignment lost"; fi
t_fails restore_bad_release $S restorepolicyexamples release=win95

# ---- importpolicy recognises a Windows registry export -----------------------
t_check reg_setup $S delete all
t_check reg_examples $S restorepolicyexamples release=Win2003
$S show all >"$OUT/reg_before" 2>&1
t_check reg_export $S exportpolicy file="$OUT/win" format=reg
if [ -f "$OUT/win.reg" ]; then t_pass reg_ext; else t_fail reg_ext "no win.reg"; fi
t_check reg_delete $S delete all
t_check reg_import $S importpolicy file="$OUT/win.reg"
$S show all >"$OUT/reg_after" 2>&1
same reg_same_show_all "$OUT/reg_before" "$OUT/reg_after"
