#!/bin/bash
# Import of a Windows-shaped registry export (tests/cli/winreg_win2003.reg,
# made by winreg_win2003.py): check=yes reports every quirk with key, value
# and byte offset and changes nothing; the import gives the expected policy;
# exporting it again and importing that into an empty store gives the same.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
S() { "$NETSH" ipsec static "$@"; }
FX=$TOP/tests/cli/winreg_win2003.reg
work=$(mktemp -d "${TMPDIR:-/tmp}/winreg-imp.XXXXXX")
T_CLEANUP="$T_CLEANUP rm -rf '$work';"

empty=$(S dump 2>&1 | md5sum)
out=$(S importpolicy file="$FX" check=yes 2>&1)
t_check check-ok S importpolicy file="$FX" check=yes
case $out in
*'ipsecNFA{59319c04-5ee3-11d2-ace8-0060b0ecca17}: ipsecData: interface name "Local Area Connection" at byte offset 50'*)
	t_pass check-reports-interface-name ;;
*) t_fail check-reports-interface-name "$(printf '%s' "$out" | head -n 2 | tr '\n' ' ')" ;;
esac
case $out in
*'ipsecNFA{72385232-70fa-11d1-864c-14a300000000}: ipsecData: 25 bytes after the structure ignored at byte offset 62'*)
	t_pass check-reports-vista-trailer ;;
*) t_fail check-reports-vista-trailer "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')" ;;
esac
case $out in
*'{72385230-70FA-11D1-864C-14A300000000} "Server (Request Security)": 2 rules'*assigned*)
	t_pass check-lists-policy ;;
*) t_fail check-lists-policy "$out" ;;
esac
[ "$(S dump 2>&1 | md5sum)" = "$empty" ] && t_pass check-changes-nothing || \
	t_fail check-changes-nothing "the store changed"

# a name already taken by another object: check=yes says so, like the import
S add filterlist name="All IP Traffic" >/dev/null 2>&1
out=$(S importpolicy file="$FX" check=yes 2>&1) && t_fail check-name-clash "succeeded" || {
	case $out in *'named "All IP Traffic"'*) t_pass check-name-clash ;;
		*) t_fail check-name-clash "$(printf '%s' "$out" | tail -n 1)" ;; esac
}
t_fails import-name-clash S importpolicy file="$FX"
S delete filterlist name="All IP Traffic" >/dev/null 2>&1

t_check import S importpolicy file="$FX"
S dump > "$work/dump1" 2>&1
exp() { grep -qF -- "$2" "$work/dump1" && t_pass "$1" || t_fail "$1" "missing: $2"; }
exp mm-methods 'mmsecmethods="3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1"'
exp mm-lifetime-polling 'mmlifetime=480 activatedefaultrule=yes pollinginterval=180'
exp qm-methods-soft-inpass 'inpass=yes soft=yes action=negotiate qmsecmethods="ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s ESP[DES,SHA1]:100000k/3600s ESP[DES,MD5]:100000k/3600s AH[SHA1]:100000k/3600s AH[MD5]:100000k/3600s"'
exp permit-action 'action=permit'
exp default-rule 'set defaultrule policy="Server (Request Security)" qmpfs=no qmsecmethods="ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s" activate=yes kerberos=yes'
exp psk-rule 'filteraction="Permit" conntype=all activate=yes psk="s3cret"'
exp icmp-filter 'srcaddr=me dstaddr=any protocol=ICMP mirrored=yes'
exp assigned 'set policy name="Server (Request Security)" assign=yes'
out=$(S show policy name="Server (Request Security)" 2>&1)
case $out in *'{72385230-70FA-11D1-864C-14A300000000}'*) t_pass guid-canonical ;;
	*) t_fail guid-canonical "$(printf '%s' "$out" | head -n 8 | tr '\n' ' ')" ;; esac

# Windows file -> store -> our .reg -> empty store -> same dump
t_check export S exportpolicy file="$work/again.reg" format=reg
S delete all >/dev/null 2>&1
t_check reimport S importpolicy file="$work/again.reg"
S dump > "$work/dump2" 2>&1
cmp -s "$work/dump1" "$work/dump2" && t_pass same-after-reexport || \
	t_fail same-after-reexport "$(diff "$work/dump1" "$work/dump2" | head -n 4 | tr '\n' ' ')"
