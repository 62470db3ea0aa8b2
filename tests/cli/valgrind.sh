#!/bin/bash
# The release binaries under valgrind: memory errors and definite leaks on a
# representative run of the static and dynamic contexts, the import/export
# formats and an ipsec-apply dry run.  One line per command.
#
# The rel build is used because the ASan build cannot run under valgrind.
# Nothing here touches the host: NETSH_IPSEC_APPLY stays unset (netsh does
# not call ipsec-apply) and ipsec-apply runs with -n (installs nothing) and
# --no-vici.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"

VG_NETSH=$TOP/build/rel/bin/netsh
VG_APPLY=$TOP/build/rel/bin/ipsec-apply
if ! command -v valgrind >/dev/null 2>&1; then
	t_skip valgrind "valgrind is not installed"
	exit 0
fi
if [ ! -x "$VG_NETSH" ] || [ ! -x "$VG_APPLY" ]; then
	t_skip valgrind "build/rel binaries missing (run make)"
	exit 0
fi

t_store
NETSH_IPSEC_RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/netsh-ipsec-vg-run.XXXXXX")
export NETSH_IPSEC_RUNDIR
WORK=$(mktemp -d "${TMPDIR:-/tmp}/netsh-ipsec-vg.XXXXXX")
T_CLEANUP="$T_CLEANUP rm -rf '$NETSH_IPSEC_RUNDIR' '$WORK';"
unset NETSH_IPSEC_APPLY

# valgrind's own exit code for an error or a definite leak: never one of ours.
VG_RC=99
VG="valgrind -q --error-exitcode=$VG_RC --leak-check=full --errors-for-leak-kinds=definite"

# vg_ok NAME CMD...: the command succeeds and valgrind is silent.
# vg_err NAME CMD...: the command fails (an error path) and valgrind is silent.
vg_run() {
	want=$1 name=$2; shift 2
	out=$($VG "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc = $VG_RC ]; then
		t_fail "vg-$name" "$(printf '%s' "$out" | grep '^==' | head -n 8 | tr '\n' ' ')"
	elif [ "$want" = ok ] && [ $rc != 0 ]; then
		t_fail "vg-$name" "exit $rc: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
	elif [ "$want" = err ] && [ $rc = 0 ]; then
		t_fail "vg-$name" "succeeded but should fail"
	else
		t_pass "vg-$name"
	fi
}
vg_ok() { vg_run ok "$@"; }
vg_err() { vg_run err "$@"; }

S="$VG_NETSH ipsec static"
D="$VG_NETSH ipsec dynamic"

# ---- static ----------------------------------------------------------------
vg_ok static-add "$VG_NETSH" -f "$TOP/tests/cli/show_store.netsh"
vg_ok static-set-filteraction $S set filteraction name=Strong qmpfs=no soft=yes \
	qmsecmethods="ESP[AES128,SHA1]:3600s"
vg_ok static-set-rule $S set rule name="to web" policy="Branch office" kerberos=no psk=other
vg_ok static-set-policy $S set policy name=Second description=changed
vg_err static-add-rule-no-policy $S add rule name=x policy=Nope filterlist="Web servers" \
	filteraction=Strong
vg_ok static-show-all $S show all
vg_ok static-show-policy-verbose $S show policy name="Branch office" level=verbose
vg_ok static-show-filterlist $S show filterlist name="Web servers" level=verbose
vg_err static-show-unknown $S show policy name=nope
vg_ok static-dump $S dump
vg_ok exportpolicy $S exportpolicy file="$WORK/backup"
vg_ok exportpolicy-reg $S exportpolicy file="$WORK/local.reg" format=reg
vg_ok static-delete-rule $S delete rule id=2 policy="Branch office"
vg_ok static-delete-all $S delete all
vg_ok importpolicy $S importpolicy file="$WORK/backup.ipsec"
vg_ok importpolicy-reg $S importpolicy file="$WORK/local.reg"
printf 'hello\n' >"$WORK/junk"
vg_err importpolicy-junk $S importpolicy file="$WORK/junk"
vg_ok restorepolicyexamples $S restorepolicyexamples release=win2003

# ---- dynamic ---------------------------------------------------------------
vg_ok dynamic-add-mmpolicy $D add mmpolicy name=mm1 mmsecmethods="3DES-SHA1-2 DES-MD5-1" mmlifetime=60
vg_ok dynamic-add-qmpolicy $D add qmpolicy name=qm1 pfsgroup=grp2 \
	qmsecmethods="ESP[3DES,SHA1]:50000k/1800s AH[MD5]"
vg_ok dynamic-add-rule $D add rule srcaddr=me dstaddr=10.1.0.0 dstmask=16 mmpolicy=mm1 \
	qmpolicy=qm1 protocol=tcp dstport=80 psk=secret
vg_ok dynamic-add-rule-range $D add rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any mmpolicy=mm1 \
	actioninbound=block actionoutbound=block
vg_err dynamic-add-rule-dup $D add rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any mmpolicy=mm1 \
	actioninbound=block actionoutbound=block
vg_ok dynamic-set-rule $D set rule srcaddr=me dstaddr=10.1.0.0 protocol=tcp srcport=0 dstport=80 \
	mirrored=yes conntype=all actioninbound=permit kerberos=yes
vg_ok dynamic-set-config $D set config property=bootexemptions value="TCP:0:22:inbound"
vg_ok dynamic-show-all $D show all
vg_ok dynamic-show-qmfilter $D show qmfilter name=all type=specific
vg_ok dynamic-delete-rule $D delete rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any protocol=any \
	srcport=0 dstport=0 mirrored=yes conntype=all

# ---- ipsec-apply, dry run only ---------------------------------------------
vg_ok ipsec-apply-dry-run "$VG_APPLY" -n --no-vici --store-dir "$NETSH_IPSEC_DIR" \
	--run-dir "$NETSH_IPSEC_RUNDIR"
vg_ok ipsec-apply-explain "$VG_APPLY" -n --no-vici --store-dir "$NETSH_IPSEC_DIR" \
	--run-dir "$NETSH_IPSEC_RUNDIR" --explain 10.1.2.3,10.1.0.5,tcp,1234,80
