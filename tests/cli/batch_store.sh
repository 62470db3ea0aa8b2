#!/bin/bash
# set batch, set store, show store; store files and permissions.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/cli/lib/core.sh"
t_store
D=$NETSH_IPSEC_DIR

# ---- files ---------------------------------------------------------------------
rmdir "$D" 2>/dev/null
c_ok first_write $S add filterlist L0
[ "$(stat -c %a "$D")" = 700 ] && t_pass dir_mode || t_fail dir_mode "$(stat -c %a "$D")"
[ "$(stat -c %a "$D/local.db")" = 600 ] && t_pass db_mode || t_fail db_mode "$(stat -c %a "$D/local.db")"
c_sql wal_mode "wal" "pragma journal_mode"
c_sql integrity "ok" "pragma integrity_check"

# ---- batch: commit at disable ------------------------------------------------------
cat > "$D/b1.txt" <<'S'
ipsec static
set batch mode=enable
add filterlist B1
add filter B1 me any
add filter B1 me 10.0.0.1
set batch mode=disable
add filter B1 me 10.0.0.2
S
t_check batch_commit "$NETSH" -f "$D/b1.txt"
c_sql batch_commit_rows "3" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='B1'"

# ---- batch: commit at end of script ---------------------------------------------------
printf 'ipsec static\nset batch mode=enable\nadd filter B2 me any\nadd filter B2 me 10.0.0.3\n' > "$D/b2.txt"
t_check batch_end_commit "$NETSH" -f "$D/b2.txt"
c_sql batch_end_rows "2" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='B2'"

# ---- batch: one failure, nothing committed ------------------------------------------------
printf 'ipsec static\nset batch mode=enable\nadd filter B3 me any\nadd filter B3 me any srcmask=255.0.255.0\nadd filter B3 me 10.0.0.4\nset batch mode=disable\n' > "$D/b3.txt"
before=$(c_snap)
out=$("$NETSH" -f "$D/b3.txt" 2>&1)
rc=$?
after=$(c_snap)
if [ $rc != 0 ] && [ "$before" = "$after" ] && printf '%s' "$out" | grep -q "nothing was committed"; then
	t_pass batch_failure_rolls_back
else
	t_fail batch_failure_rolls_back "rc=$rc out=$out"
fi
printf 'ipsec static\nset batch mode=enable\nadd filter B4 me any\nfrobnicate\n' > "$D/b4.txt"
before=$(c_snap)
"$NETSH" -f "$D/b4.txt" >/dev/null 2>&1
rc=$?
[ $rc != 0 ] && [ "$before" = "$(c_snap)" ] && t_pass batch_unknown_cmd_rolls_back || t_fail batch_unknown_cmd_rolls_back "rc=$rc"

# ---- without batch: each command commits on its own --------------------------------------
printf 'ipsec static\nadd filter B5 me any\nadd filter B5 me any srcmask=255.0.255.0\nadd filter B5 me 10.0.0.5\n' > "$D/b5.txt"
"$NETSH" -f "$D/b5.txt" >/dev/null 2>&1
rc=$?
[ $rc != 0 ] && t_pass script_error_exit || t_fail script_error_exit "rc=$rc"
c_sql script_continues "2" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='B5'"

c_rej batch_bad_mode "mode: .*use one of enable\|disable" $S set batch mode=maybe

# ---- set store / show store ----------------------------------------------------------------
out=$("$NETSH" $S show store 2>&1)
printf '%s' "$out" | grep -q "Current store: local" && t_pass show_store_local || t_fail show_store_local "$out"
printf 'ipsec static\nset store location=persistent\nshow store\nadd policy PP\n' > "$D/s1.txt"
out=$("$NETSH" -f "$D/s1.txt" 2>&1)
printf '%s' "$out" | grep -q "Current store: persistent" && t_pass show_store_persistent || t_fail show_store_persistent "$out"
DB=persistent c_sql persistent_written "PP" "select name from policies"
c_sql local_untouched "0" "select count(*) from policies where name='PP'"
[ "$(stat -c %a "$D/persistent.db")" = 600 ] && t_pass persistent_mode || t_fail persistent_mode "$(stat -c %a "$D/persistent.db")"
c_rej store_domain "the domain store \(Active Directory\) is not supported yet" $S set store location=domain
c_rej store_domain_name "domain: applies only with location=domain" $S set store location=local domain=example.com
c_rej store_bad "use one of local\|persistent\|domain" $S set store location=remote
printf 'ipsec static\nset batch mode=enable\nadd filterlist Q\nset store location=persistent\n' > "$D/s2.txt"
before=$(c_snap)
out=$("$NETSH" -f "$D/s2.txt" 2>&1)
[ $? != 0 ] && printf '%s' "$out" | grep -q "cannot change the store while a batch is open" && [ "$before" = "$(c_snap)" ] \
	&& t_pass store_switch_in_batch || t_fail store_switch_in_batch "$out"
printf 'ipsec static\nset store location=persistent\nset store location=local\nadd filterlist BackLocal\n' > "$D/s3.txt"
t_check store_switch_back "$NETSH" -f "$D/s3.txt"
c_sql store_switch_back_val "1" "select count(*) from filterlists where name='BackLocal'"

# ---- a store written by a newer program is refused -----------------------------------------
mkdir -p "$D/future"
sqlite3 "$D/future/local.db" "pragma user_version=99"
out=$(NETSH_IPSEC_DIR="$D/future" "$NETSH" $S add filterlist X 2>&1)
[ $? != 0 ] && printf '%s' "$out" | grep -q "newer than this program" && t_pass newer_format_refused || t_fail newer_format_refused "$out"

# ---- rejected commands leave the database file byte-for-byte the same ---------------------
rm -rf "$D/bytes"
export NETSH_IPSEC_DIR=$D/bytes
"$NETSH" $S add filter L me any >/dev/null 2>&1
sum_before=$(cat "$D/bytes"/local.db* | sha256sum)
"$NETSH" $S add filter L me any srcmask=3 >/dev/null 2>&1
"$NETSH" $S delete filterlist Nope >/dev/null 2>&1
"$NETSH" $S add policy P mmpfs=yes qmpermm=4 >/dev/null 2>&1
printf 'ipsec static\nset batch mode=enable\nadd filter L me 10.0.0.9\nadd filter L bogus\n' | "$NETSH" -f - >/dev/null 2>&1
sum_after=$(cat "$D/bytes"/local.db* | sha256sum)
[ "$sum_before" = "$sum_after" ] && t_pass rejected_file_bytes_unchanged || t_fail rejected_file_bytes_unchanged "checksum changed"
