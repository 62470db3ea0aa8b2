#!/bin/bash
# The three ways into netsh (argv, `-f script`, the interactive prompt through
# a pipe and through a terminal in tmux) must behave the same (QA's
# independent check).  Each case starts from a copy of one prepared store,
# runs one command each way, and compares the exit status, the error line
# and the resulting stores (static dump, dynamic.db, config) between the
# ways; a rejected command must leave the store byte-for-byte unchanged.
# Open findings: /tmp/qa-findings.md, reported as SKIP "known: QA-n".
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
unset NETSH_IPSEC_APPLY
W=$(mktemp -d "${TMPDIR:-/tmp}/qa-prompt.XXXXXX")
trap 'rm -rf "$W"' EXIT
NETSH_IPSEC_VICI=$W/no-charon.vici
export NETSH_IPSEC_VICI

known() {
	id=$1; shift
	res=$("$@")
	case $res in
	PASS*) printf '%s\n' "$res" ;;
	*) printf '%s\n' "$res" | sed -n '1s/^[A-Z]* \([^:]*\).*/SKIP \1: known: '"$id"'/p' ;;
	esac
}

# ---- the prepared store ----------------------------------------------------------
T=$W/tmpl
mkdir -p "$T/db" "$T/run"
cat > "$W/setup.netsh" <<'EOF'
ipsec static
add policy name=P description="base policy"
add filterlist name=L
add filter filterlist=L srcaddr=me dstaddr=10.0.0.0 dstmask=8 protocol=tcp dstport=22
add filteraction name=A qmsecmethods="ESP[3DES,SHA1]"
add rule name=R policy=P filterlist=L filteraction=A psk=key
..
dynamic
add mmpolicy name=M
add qmpolicy name=Q
add rule srcaddr=me dstaddr=10.1.0.1 mmpolicy=M qmpolicy=Q protocol=udp dstport=53
EOF
if ! NETSH_IPSEC_DIR=$T/db NETSH_IPSEC_RUNDIR=$T/run "$NETSH" -f "$W/setup.netsh" >"$W/setup.out" 2>&1 ||
	grep -Ev '^netsh: ([^ ]*: )?warning:' "$W/setup.out" | grep -q .; then
	t_fail setup "$(tr '\n' '|' < "$W/setup.out")"
	exit 1
fi
t_pass setup

# state DIR: what the user can see of a store plus the dynamic objects,
# GUID- and time-free, so stores built by different runs compare equal.
state() {
	NETSH_IPSEC_DIR=$1/db NETSH_IPSEC_RUNDIR=$1/run "$NETSH" ipsec static dump 2>&1
	echo '=='; sqlite3 "$1/run/dynamic.db" .dump 2>&1
	echo '=='; cat "$1/db/config" 2>/dev/null
	echo '=='; printf 'ipsec static set store persistent\nipsec static dump\n' |
		NETSH_IPSEC_DIR=$1/db NETSH_IPSEC_RUNDIR=$1/run "$NETSH" -f - 2>&1
}
# raw DIR: the bytes of every store file.
raw() {
	for f in local persistent; do [ -e "$1/db/$f.db" ] && sqlite3 "$1/db/$f.db" .dump; done | md5sum
	[ -e "$1/db/config" ] && md5sum < "$1/db/config"
	sqlite3 "$1/run/dynamic.db" .dump | md5sum
}
TRAW=$(raw "$T")

# run_way WAY CTX CMDLINE: runs the command one way on a fresh copy of the
# template; leaves $W/<way>.{rc,err,state,raw}.
run_way() {
	way=$1 ctx=$2 line=$3
	d=$W/$way
	rm -rf "$d"; cp -a "$T" "$d"
	export NETSH_IPSEC_DIR=$d/db NETSH_IPSEC_RUNDIR=$d/run
	case $way in
	argv)
		eval "set -- $line"
		"$NETSH" ipsec "$ctx" "$@" >"$d.out" 2>"$d.err2"
		;;
	script)
		printf '# case\n\nipsec %s %s\n' "$ctx" "$line" > "$d.netsh"
		"$NETSH" -f "$d.netsh" >"$d.out" 2>"$d.err2"
		;;
	pipe)
		printf 'ipsec\n%s\n%s\nexit\n' "$ctx" "$line" | "$NETSH" >"$d.out" 2>"$d.err2"
		;;
	esac
	echo $? > "$d.rc"
	unset NETSH_IPSEC_DIR NETSH_IPSEC_RUNDIR
	# Script messages carry "file:line: "; the message itself must match.
	grep -Ev '^netsh: ([^ ]*: )?warning:' "$d.err2" |
		sed -E 's/^netsh: [^ ]+:[0-9]+: /netsh: /' > "$d.err"
	raw "$d" > "$d.raw"
	# a rejected command is compared byte for byte with the template already
	if [ "${want:-ok}" = rej ]; then : > "$d.state"; else state "$d" > "$d.state"; fi
}

# same NAME ok|ok0|rej CTX CMDLINE [ERE]: the command succeeds (ok: and changes
# the store; ok0: changes nothing) or is
# rejected (rej, one error line matching ERE, store unchanged) the same way
# through argv, -f and the prompt.
same() {
	n=$1 want=$2 ctx=$3 line=$4 pat=${5:-.}
	for way in argv script pipe; do run_way $way "$ctx" "$line"; done
	why=
	for way in argv script pipe; do
		rc=$(cat "$W/$way.rc")
		if [ "$want" = ok ] || [ "$want" = ok0 ]; then
			[ "$rc" = 0 ] || why="$why $way: exit $rc ($(head -n 1 "$W/$way.err"));"
			[ -s "$W/$way.err" ] && why="$why $way: stderr '$(head -n 1 "$W/$way.err")';"
			[ "$want" = ok ] && cmp -s "$W/$way.raw" <(printf '%s\n' "$TRAW") && why="$why $way: store unchanged;"
		else
			[ "$rc" = 0 ] && why="$why $way: exit 0;"
			[ "$(grep -c . "$W/$way.err")" = 1 ] || why="$why $way: $(grep -c . "$W/$way.err") error lines;"
			grep -qiE -- "$pat" "$W/$way.err" || why="$why $way: '$(head -n 1 "$W/$way.err")' !~ /$pat/;"
			cmp -s "$W/$way.raw" <(printf '%s\n' "$TRAW") || why="$why $way: store changed;"
		fi
	done
	cmp -s "$W/argv.state" "$W/script.state" || why="$why argv and script stores differ: $(diff "$W/argv.state" "$W/script.state" | grep '^[<>]' | head -n 2 | tr '\n' ' ');"
	cmp -s "$W/argv.state" "$W/pipe.state" || why="$why argv and prompt stores differ: $(diff "$W/argv.state" "$W/pipe.state" | grep '^[<>]' | head -n 2 | tr '\n' ' ');"
	cmp -s "$W/argv.err" "$W/script.err" || why="$why argv/script messages differ ('$(head -n 1 "$W/argv.err")' vs '$(head -n 1 "$W/script.err")');"
	cmp -s "$W/argv.err" "$W/pipe.err" || why="$why argv/prompt messages differ ('$(head -n 1 "$W/argv.err")' vs '$(head -n 1 "$W/pipe.err")');"
	if [ -z "$why" ]; then t_pass "$n"; else t_fail "$n" "$why"; fi
}

# ---- the same commands, three ways ---------------------------------------------------
same s_add_filterlist ok static 'add filterlist name=N description="two words"'
same s_add_filterlist_pos ok static 'a filterl N "two words"'
same s_add_filter ok static 'add filter filterlist=L srcaddr=10.2.0.0 srcmask=16 dstaddr=me protocol=UDP srcport=53 mirrored=no description="dns in"'
same s_add_filter_upper ok static 'ADD FILTER FILTERLIST=L SRCADDR=ANY DSTADDR=ME PROTOCOL=ICMP'
same s_add_filteraction ok static 'add filteraction name=A2 qmpfs=yes inpass=yes soft=no action=negotiate qmsecmethods="AH[SHA1+3DES,MD5]:50000k/900s ESP[none,SHA1]"'
same s_add_policy ok static 'add policy name=P2 mmpfs=yes mmlifetime=30 activatedefaultrule=no pollinginterval=60 assign=yes mmsecmethods="3DES-SHA1-3 DES-MD5-1"'
same s_add_rule ok static "add rule name=R2 policy=P filterlist=L filteraction=A tunnel=192.0.2.1 conntype=lan activate=no kerberos=yes psk=k2 rootca=\"CN=Q \\'x\\' certmap:yes excludecaname:yes\""
same s_set_policy ok static 'set policy name=P newname=P1 assign=yes qmpermm=3'
same s_set_rule_auth ok static 'set rule id=1 policy=P rootca="CN=Only"'
same s_set_defaultrule ok static 'set defaultrule policy=P qmpfs=yes activate=no qmsecmethods="ESP[3DES,MD5]:300s" psk=dk'
same s_set_filteraction ok static 'set filteraction name=A action=block'
same s_set_filterlist ok static 'set filterlist L newname=L1 description=d'
same s_delete_filter ok static 'delete filter L me 10.0.0.0 dstmask=8'
same s_delete_rule ok static 'delete rule all policy=P'
same s_delete_policy ok static 'delete policy name=P'
same s_delete_all ok static 'delete all'
same s_restore ok static 'restorepolicyexamples release=win2003'
same s_set_store ok0 static 'set store location=persistent'

same s_rej_reserved rej static 'add filterlist name=ALL' 'reserved'
same s_rej_mask rej static 'add filter L 10.0.0.0 me srcmask=255.0.255.0' 'srcmask'
same s_rej_port rej static 'add filter L me any dstport=80' 'dstport'
same s_rej_proto rej static 'add filter L me any protocol=300' 'protocol'
same s_rej_qm rej static 'add filteraction X qmsecmethods="ESP[none,none]"' 'none'
same s_rej_mm rej static 'add policy X mmsecmethods="3DES-SHA1-5"' 'mmsecmethods'
same s_rej_mmpfs rej static 'add policy X mmpfs=yes qmpermm=2' 'qmpermm'
same s_rej_in_use rej static 'delete filteraction name=A' 'R.*P|rule'
same s_rej_default_rule rej static 'delete rule name=default policy=P' 'default|rule'
same s_rej_rule_id rej static 'delete rule id=5 policy=P' 'id'
same s_rej_unknown_tag rej static 'add filterlist name=X colour=red' 'colour'
same s_rej_ambiguous rej static 'add filter L me any d=x' 'ambiguous'
same s_rej_word rej static 'dd filterlist X' 'not a valid|dd'
same s_rej_store rej static 'set store location=domain' 'domain'
same s_rej_gpo rej static 'set policy name=P gponame=G' 'gponame|domain'
same s_rej_guid rej static 'set policy guid=xyz description=d' 'guid'

same d_add_mmpolicy ok dynamic 'add mmpolicy name=M2 qmpermm=2 mmlifetime=60 softsaexpirationtime=30 mmsecmethods="3DES-MD5-2"'
same d_add_qmpolicy ok dynamic 'add qmpolicy Q2 yes grp2 "ESP[DES,SHA1]:20480k/300s"'
same d_add_rule ok dynamic "add rule srcaddr=10.3.0.1-10.3.0.7 dstaddr=any mmpolicy=M qmpolicy=Q protocol=tcp dstport=443 mirrored=no conntype=dialup actioninbound=permit actionoutbound=negotiate rootca=\"CN=D \\'q\\'\""
same d_add_rule_abbrev ok dynamic 'add rule srca=me dsta=10.9.0.0 dstm=16 mmp=M qmp=Q prot=TCP dstp=25'
same d_set_rule ok dynamic 'set rule srcaddr=me dstaddr=10.1.0.1 protocol=udp srcport=0 dstport=53 mirrored=yes conntype=all actioninbound=block actionoutbound=block psk=p'
same d_set_mmpolicy ok dynamic 'set mmpolicy all mmlifetime=10'
same d_set_qmpolicy ok dynamic 'set qmpolicy name=Q pfsgroup=grpmm'
same d_delete_rule ok dynamic 'delete rule srcaddr=me dstaddr=10.1.0.1 protocol=udp srcport=0 dstport=53 mirrored=yes conntype=all'
same d_delete_all ok dynamic 'delete all'
same d_set_config ok dynamic 'set config property=ipsecexempt value=0'
same d_set_config_boot ok dynamic 'set config property=bootexemptions value="TCP:0:22:inbound UDP:68:67:outbound"'

same d_rej_reserved rej dynamic 'add qmpolicy name=all' 'reserved'
same d_rej_in_use rej dynamic 'delete mmpolicy name=M' 'rule'
same d_rej_none rej dynamic 'add qmpolicy X qmsecmethods="AH[SHA1+none,none]"' 'none'
same d_rej_port rej dynamic 'add rule srcaddr=me dstaddr=10.2.2.2 mmpolicy=M qmpolicy=Q dstport=80' 'port'
same d_rej_server rej dynamic 'add rule srcaddr=dhcp dstaddr=any mmpolicy=M qmpolicy=Q' 'me'
same d_rej_config rej dynamic 'set config property=ipsecloginterval value=5' 'ipsecloginterval'
same d_rej_pfs rej dynamic 'add qmpolicy X pfsgroup=grp14' 'pfsgroup'
same d_rej_set_rule_key rej dynamic 'set rule srcaddr=me dstaddr=10.1.0.1 mmpolicy=M' 'required|protocol|conntype|mirrored'

# ---- prompt and script behaviour -----------------------------------------------------
D=$W/sess
rm -rf "$D"; cp -a "$T" "$D"
export NETSH_IPSEC_DIR=$D/db NETSH_IPSEC_RUNDIR=$D/run
out=$(printf 'ipsec\nstatic\n..\ndynamic\n..\n..\nexit\n' | "$NETSH" 2>&1)
case $out in
"netsh> ipsec> ipsec static> ipsec> ipsec dynamic> ipsec> netsh> "*) t_pass prompt_names ;;
*) t_fail prompt_names "$(printf '%s' "$out" | tr '\n' '|')" ;;
esac
for w in exit quit bye EXIT; do
	out=$(printf 'ipsec static\n%s\nadd filterlist AFTER_%s\n' "$w" "$w" | "$NETSH" 2>&1)
	if "$NETSH" ipsec static show filterlist name="AFTER_$w" >/dev/null 2>&1; then
		t_fail "prompt_leave_$w" "the line after $w ran"
	else t_pass "prompt_leave_$w"; fi
done
printf 'ipsec static\nadd filterlist name=all\nadd filterlist GOES_ON\n' | "$NETSH" >/dev/null 2>"$W/e"
rc=$?
if [ $rc != 0 ] && [ "$(grep -vc '^netsh: warning' "$W/e")" = 1 ] && "$NETSH" ipsec static show filterlist name=GOES_ON >/dev/null 2>&1; then
	t_pass prompt_error_goes_on
else t_fail prompt_error_goes_on "rc=$rc err=$(tr '\n' '|' < "$W/e")"; fi
printf 'ipsec static\nadd filterlist name=all\nadd filterlist GOES_ON2\n' > "$W/e.netsh"
"$NETSH" -f "$W/e.netsh" >/dev/null 2>"$W/e"
rc=$?
if [ $rc = 1 ] && [ "$(grep -vc '^netsh: warning' "$W/e")" = 1 ] && "$NETSH" ipsec static show filterlist name=GOES_ON2 >/dev/null 2>&1; then
	t_pass script_error_goes_on
else t_fail script_error_goes_on "rc=$rc err=$(tr '\n' '|' < "$W/e")"; fi
printf 'ipsec static\n\n# comment\nadd filterlist name=all\n' > "$W/line.netsh"
"$NETSH" -f "$W/line.netsh" >/dev/null 2>"$W/e"
grep -q "line.netsh:4: name: 'all' is reserved" "$W/e" && t_pass script_error_names_line || t_fail script_error_names_line "$(cat "$W/e")"
# set store holds for the rest of a session, but only for one argv command.
printf 'ipsec static\nset store location=persistent\nadd filterlist IN_PERSISTENT\n' | "$NETSH" >/dev/null 2>&1
if sqlite3 "$D/db/persistent.db" .dump | grep -q IN_PERSISTENT && ! "$NETSH" ipsec static show filterlist name=IN_PERSISTENT >/dev/null 2>&1; then
	t_pass prompt_store_session
else t_fail prompt_store_session "filter list not (only) in the persistent store"; fi
out=$("$NETSH" ipsec static show store)
case $out in *local*) t_pass argv_store_default_local ;; *) t_fail argv_store_default_local "$out" ;; esac
# set batch in a prompt session: committed at disable, rolled back on failure.
printf 'ipsec static\nset batch mode=enable\nadd filterlist BATCH1\nset batch mode=disable\n' | "$NETSH" >/dev/null 2>&1
"$NETSH" ipsec static show filterlist name=BATCH1 >/dev/null 2>&1 && t_pass prompt_batch || t_fail prompt_batch "BATCH1 missing"
printf 'ipsec static\nset batch mode=enable\nadd filterlist BATCH2\n' | "$NETSH" >/dev/null 2>&1
"$NETSH" ipsec static show filterlist name=BATCH2 >/dev/null 2>&1 && t_pass prompt_batch_at_exit || t_fail prompt_batch_at_exit "BATCH2 not committed at end of input"
before=$(raw "$D")
printf 'ipsec static\nset batch mode=enable\nadd filterlist BATCH3\nadd filterlist all\nset batch mode=disable\n' | "$NETSH" >/dev/null 2>&1
rc=$?
[ $rc != 0 ] && [ "$before" = "$(raw "$D")" ] && t_pass prompt_batch_rollback || t_fail prompt_batch_rollback "rc=$rc, store changed or exit 0"
# pushd/popd, context + command on one line, comments and blank lines.
printf 'pushd ipsec dynamic\n\n# a comment\nadd mmpolicy name=PUSHED   # trailing\npopd\nipsec static add filterlist AFTER_POPD\n' | "$NETSH" >"$W/o" 2>&1
if "$NETSH" ipsec dynamic show mmpolicy name=PUSHED >/dev/null 2>&1 && "$NETSH" ipsec static show filterlist name=AFTER_POPD >/dev/null 2>&1; then
	t_pass prompt_pushd_popd
else t_fail prompt_pushd_popd "$(tr '\n' '|' < "$W/o")"; fi
printf 'ipsec static show store\nipsec dynamic show config\n' | "$NETSH" >"$W/o" 2>&1
grep -q 'ipsecexempt' "$W/o" && grep -qi 'store' "$W/o" && t_pass prompt_ctx_and_cmd || t_fail prompt_ctx_and_cmd "$(tr '\n' '|' < "$W/o")"
# -c CONTEXT and a command line of context words both open the prompt there.
printf 'add mmpolicy CPROMPT\n' | "$NETSH" -c "ipsec dynamic" >"$W/o" 2>&1
grep -q 'ipsec dynamic> ' "$W/o" && "$NETSH" ipsec dynamic show mmpolicy name=CPROMPT >/dev/null 2>&1 &&
	t_pass prompt_c_option || t_fail prompt_c_option "$(tr '\n' '|' < "$W/o")"
printf 'add qmpolicy CTXWORDS\n' | "$NETSH" ipsec dyn >"$W/o" 2>&1
grep -q 'ipsec dynamic> ' "$W/o" && "$NETSH" ipsec dynamic show qmpolicy name=CTXWORDS >/dev/null 2>&1 &&
	t_pass prompt_ctx_words || t_fail prompt_ctx_words "$(tr '\n' '|' < "$W/o")"
printf 'add mmpolicy CSCRIPT\n' > "$W/c.netsh"
"$NETSH" -c "ipsec dynamic" -f "$W/c.netsh" >/dev/null 2>&1 && "$NETSH" ipsec dynamic show mmpolicy name=CSCRIPT >/dev/null 2>&1 &&
	t_pass script_c_option || t_fail script_c_option "-c context not used by -f"
# scripts written on Windows: CRLF line ends, a UTF-8 byte order mark.
printf 'ipsec static\r\nadd filterlist CRLF description="x y"\r\n' > "$W/crlf.netsh"
"$NETSH" -f "$W/crlf.netsh" >/dev/null 2>&1 && "$NETSH" ipsec static dump | grep -qx 'ipsec static add filterlist name="CRLF" description="x y"' &&
	t_pass script_crlf || t_fail script_crlf "CRLF script not read as Windows writes it"
printf '\357\273\277ipsec static\nadd filterlist BOM\n' > "$W/bom.netsh"
script_bom() {
	if "$NETSH" -f "$W/bom.netsh" >/dev/null 2>&1 && "$NETSH" ipsec static show filterlist name=BOM >/dev/null 2>&1; then
		t_pass script_bom
	else t_fail script_bom "a UTF-8 byte order mark breaks the first line"; fi
}
script_bom
# every command that has a required parameter refuses to run without it, in one line.
miss=
for c in "static add filter" "static add filteraction" "static add filterlist" "static add policy" \
	"static add rule" "static delete filter" "static delete filteraction" "static delete filterlist" \
	"static delete policy" "static delete rule" "static exportpolicy" "static importpolicy" \
	"static restorepolicyexamples" "static set defaultrule" "static set filteraction" \
	"static set filterlist" "static set policy" "static set rule" "static set store" "static set batch" \
	"static show filteraction" "static show filterlist" "static show policy" "static show rule" \
	"dynamic add mmpolicy" "dynamic add qmpolicy" "dynamic add rule" "dynamic delete mmpolicy" \
	"dynamic delete qmpolicy" "dynamic delete rule" "dynamic set config" "dynamic set mmpolicy" \
	"dynamic set qmpolicy" "dynamic set rule" "dynamic show mmpolicy" "dynamic show qmpolicy" \
	"dynamic show mmfilter" "dynamic show qmfilter"; do
	# shellcheck disable=SC2086
	out=$("$NETSH" ipsec $c 2>&1 >/dev/null)
	rc=$?
	[ $rc != 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || miss="$miss [$c: rc=$rc $(printf '%s' "$out" | tr '\n' '|')]"
done
[ -z "$miss" ] && t_pass required_missing_one_line || t_fail required_missing_one_line "$miss"
# a full command from the root works in any context and leaves the context alone.
out=$(printf 'ipsec static\nipsec static add filterlist FULLPATH\nipsec dynamic add mmpolicy FROMSTATIC\nadd filterlist STILLSTATIC\n' | "$NETSH" 2>&1)
if "$NETSH" ipsec static show filterlist name=FULLPATH >/dev/null 2>&1 && "$NETSH" ipsec static show filterlist name=STILLSTATIC >/dev/null 2>&1 &&
	"$NETSH" ipsec dynamic show mmpolicy name=FROMSTATIC >/dev/null 2>&1; then
	t_pass prompt_full_path
else t_fail prompt_full_path "$(printf '%s' "$out" | tr '\n' '|')"; fi
# help for every command of the reference, in both contexts, through the
# prompt, naming every parameter the reference gives the command.
miss=
while IFS='|' read -r ctx cmd tags; do
	[ -n "$ctx" ] || continue
	out=$(printf 'ipsec %s\n%s ?\n' "$ctx" "$cmd" | "$NETSH" 2>&1)
	printf '%s' "$out" | grep -qi "usage" || miss="$miss [$ctx $cmd: no usage]"
	for t in $tags; do
		printf '%s' "$out" | grep -qi -- "$t=" || miss="$miss [$ctx $cmd: $t]"
	done
done <<'EOF'
static|add filter|filterlist srcaddr dstaddr description protocol mirrored srcmask dstmask srcport dstport
static|add filteraction|name description qmpfs inpass soft action qmsecmethods
static|add filterlist|name description
static|add policy|name description mmpfs qmpermm mmlifetime activatedefaultrule pollinginterval assign mmsecmethods
static|add rule|name policy filterlist filteraction tunnel conntype activate description kerberos psk rootca
static|delete all|
static|delete filter|filterlist srcaddr dstaddr protocol srcmask dstmask srcport dstport mirrored
static|delete filteraction|name
static|delete filterlist|name
static|delete policy|name
static|delete rule|name id policy
static|exportpolicy|file
static|importpolicy|file
static|restorepolicyexamples|release
static|set defaultrule|policy qmpfs activate qmsecmethods kerberos psk rootca
static|set filteraction|name guid newname description qmpfs inpass soft action qmsecmethods
static|set filterlist|name newname description
static|set policy|name guid newname description mmpfs qmpermm mmlifetime activatedefaultrule pollinginterval assign gponame mmsecmethods
static|set rule|name id policy newname description filterlist filteraction tunnel conntype activate kerberos psk rootca
static|set store|location domain
static|set batch|mode
static|show all|format wide
static|show filteraction|name rule level format wide
static|show filterlist|name rule level format resolvedns wide
static|show gpoassignedpolicy|name
static|show policy|name level format wide
static|show rule|name id policy type level format wide
static|show store|
dynamic|add mmpolicy|name qmpermm mmlifetime softsaexpirationtime mmsecmethods
dynamic|add qmpolicy|name soft pfsgroup qmsecmethods
dynamic|add rule|srcaddr dstaddr mmpolicy qmpolicy protocol srcport dstport mirrored conntype actioninbound actionoutbound srcmask dstmask tunneldstaddress kerberos psk rootca
dynamic|delete all|
dynamic|delete mmpolicy|name
dynamic|delete qmpolicy|name
dynamic|delete rule|srcaddr dstaddr protocol srcport dstport mirrored conntype srcmask dstmask tunneldstaddress
dynamic|set config|property value
dynamic|set mmpolicy|name qmpermm mmlifetime softsaexpirationtime mmsecmethods
dynamic|set qmpolicy|name soft pfsgroup qmsecmethods
dynamic|set rule|srcaddr dstaddr protocol srcport dstport mirrored conntype srcmask dstmask tunneldstaddress mmpolicy qmpolicy actioninbound actionoutbound kerberos psk rootca
dynamic|show all|resolvedns
dynamic|show config|
dynamic|show mmfilter|name type srcaddr dstaddr srcmask dstmask resolvedns
dynamic|show mmpolicy|name
dynamic|show mmsas|srcaddr dstaddr format resolvedns
dynamic|show qmfilter|name type srcaddr dstaddr srcmask dstmask protocol srcport dstport actioninbound actionoutbound resolvedns
dynamic|show qmpolicy|name
dynamic|show qmsas|srcaddr dstaddr protocol format resolvedns
dynamic|show rule|type srcaddr dstaddr srcmask dstmask protocol srcport dstport actioninbound actionoutbound resolvedns
dynamic|show stats|type
EOF
[ -z "$miss" ] && t_pass help_every_command || t_fail help_every_command "no usage for:$miss"
# the defaults the help states are the reference's defaults.
miss=
while IFS='|' read -r ctx cmd tag val; do
	[ -n "$ctx" ] || continue
	"$NETSH" ipsec $ctx $cmd '?' 2>&1 | grep -E "^ +$tag " | grep -qiF -- "Default: $val" || miss="$miss [$ctx $cmd $tag=$val]"
done <<'EOF'
static|add filter|protocol|any
static|add filter|mirrored|yes
static|add filter|srcmask|255.255.255.255
static|add filter|dstmask|255.255.255.255
static|add filteraction|qmpfs|no
static|add filteraction|inpass|no
static|add filteraction|soft|no
static|add filteraction|action|negotiate
static|add filteraction|qmsecmethods|"ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s"
static|add policy|mmpfs|no
static|add policy|qmpermm|0
static|add policy|mmlifetime|480
static|add policy|activatedefaultrule|yes
static|add policy|pollinginterval|180
static|add policy|assign|no
static|add policy|mmsecmethods|"3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3"
static|add rule|conntype|all
static|add rule|activate|yes
static|show policy|level|normal
static|show policy|format|list
static|show policy|wide|no
static|show filterlist|resolvedns|no
dynamic|add mmpolicy|qmpermm|0
dynamic|add mmpolicy|mmlifetime|480
dynamic|add mmpolicy|softsaexpirationtime|480
dynamic|add mmpolicy|mmsecmethods|3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3
dynamic|add qmpolicy|soft|no
dynamic|add qmpolicy|pfsgroup|nopfs
dynamic|add qmpolicy|qmsecmethods|ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s
dynamic|add rule|protocol|any
dynamic|add rule|mirrored|yes
dynamic|add rule|conntype|all
dynamic|add rule|actioninbound|negotiate
dynamic|add rule|actionoutbound|negotiate
dynamic|add rule|srcmask|255.255.255.255
dynamic|add rule|dstmask|255.255.255.255
EOF
[ -z "$miss" ] && t_pass help_defaults || t_fail help_defaults "help states other defaults:$miss"
out=$(printf 'ipsec static\nadd ?\n' | "$NETSH" 2>&1)
printf '%s' "$out" | grep -q 'add rule' && t_pass help_group || t_fail help_group "$out"
out=$("$NETSH" ipsec dynamic add rule '?' 2>&1)
printf '%s' "$out" | grep -q 'tunneldstaddress' && t_pass help_argv || t_fail help_argv "$out"
unset NETSH_IPSEC_DIR NETSH_IPSEC_RUNDIR

# ---- a real terminal (libedit) through tmux ------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	t_skip prompt_tty "tmux not installed"
	exit 0
fi
D=$W/tty
rm -rf "$D"; cp -a "$T" "$D"
sess=qa$$
tmux kill-session -t "$sess" 2>/dev/null
if ! TERM=${TERM:-xterm} tmux new-session -d -s "$sess" -x 200 -y 50 \
	"env NETSH_IPSEC_DIR='$D/db' NETSH_IPSEC_RUNDIR='$D/run' NETSH_IPSEC_VICI='$NETSH_IPSEC_VICI' ASAN_OPTIONS=detect_leaks=0 '$NETSH' 2>'$W/tty.err'; echo NETSH-EXIT=\$?; sleep 30" 2>/dev/null; then
	t_skip prompt_tty "tmux cannot start a session here"
	exit 0
fi
trap 'tmux kill-session -t "$sess" 2>/dev/null; rm -rf "$W"' EXIT
wait_for() { for _ in $(seq 100); do tmux capture-pane -p -t "$sess" 2>/dev/null | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
wait_for 'netsh>'
tmux send-keys -t "$sess" 'ipsec st' Enter
wait_for 'ipsec static>'
tmux send-keys -t "$sess" 'add filterlist TTY1 "from a tty"' Enter
tmux send-keys -t "$sess" 'add filterlist name=all' Enter
tmux send-keys -t "$sess" '..' Enter
tmux send-keys -t "$sess" 'dynamic' Enter
wait_for 'ipsec dynamic>'
tmux send-keys -t "$sess" 'add qmpolicy name=TTYQ pfsgroup=GRP2' Enter
tmux send-keys -t "$sess" 'set config property=ikelogging value=5' Enter
tmux send-keys -t "$sess" 'show qmpolicy name=TTYQ' Enter
wait_for 'PFS Group'
tmux send-keys -t "$sess" Up Enter
sleep 0.5
tmux send-keys -t "$sess" C-d
wait_for 'NETSH-EXIT='
screen=$(tmux capture-pane -p -t "$sess" 2>/dev/null)
tmux kill-session -t "$sess" 2>/dev/null
export NETSH_IPSEC_DIR=$D/db NETSH_IPSEC_RUNDIR=$D/run
printf '%s' "$screen" | grep -q 'ipsec static> add filterlist TTY1' &&
	"$NETSH" ipsec static show filterlist name=TTY1 | grep -q 'from a tty' && t_pass prompt_tty_static || t_fail prompt_tty_static "$(printf '%s' "$screen" | tr '\n' '|')"
"$NETSH" ipsec dynamic show qmpolicy name=TTYQ | grep -q 'grp2' && t_pass prompt_tty_dynamic || t_fail prompt_tty_dynamic "TTYQ missing"
nerr=$( (grep -v '^netsh: warning' "$W/tty.err"; printf '%s\n' "$screen" | grep '^netsh: ') | sort -u | grep -c .)
printf '%s\n%s' "$screen" "$(cat "$W/tty.err")" | grep -q "reserved" && printf '%s\n%s' "$screen" "$(cat "$W/tty.err")" | grep -q "ikelogging" &&
	[ "$nerr" = 2 ] && t_pass prompt_tty_errors || t_fail prompt_tty_errors "$nerr error lines: $(tr '\n' '|' < "$W/tty.err")"
[ "$(printf '%s\n' "$screen" | grep -c 'PFS Group')" = 2 ] && t_pass prompt_tty_history || t_fail prompt_tty_history "Up did not recall the last command"
printf '%s' "$screen" | grep -q 'NETSH-EXIT=1' && t_pass prompt_tty_exit_status || t_fail prompt_tty_exit_status "$(printf '%s' "$screen" | grep NETSH-EXIT)"
exit 0
