#!/bin/bash
# Windows registry export and import through netsh:
#   netsh script -> store -> exportpolicy format=reg -> delete all ->
#   importpolicy -> the same `show all` and `dump`; importpolicy check=yes
#   changes nothing; a partial .reg imports what it holds, with warnings.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
S() { "$NETSH" ipsec static "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/winreg-cli.XXXXXX")
T_CLEANUP="$T_CLEANUP rm -rf '$work';"

if ! S exportpolicy '?' 2>&1 | grep -q 'reg'; then
	t_skip winreg-roundtrip "exportpolicy has no format=reg in this build"
	exit 0
fi

cat > "$work/setup.netsh" <<'SCRIPT'
pushd ipsec static
add filterlist name="All IP" description="every packet"
add filter filterlist="All IP" srcaddr=me dstaddr=any
add filter filterlist="All IP" srcaddr=10.1.0.0 srcmask=16 dstaddr=192.0.2.7 protocol=tcp dstport=80 mirrored=no description=web
add filter filterlist="All IP" srcaddr=me dstaddr=DNS protocol=udp dstport=53
add filter filterlist="All IP" srcaddr=GATEWAY dstaddr=me protocol=icmp
add filterlist name=Tunnelled
add filter filterlist=Tunnelled srcaddr=172.16.0.0 srcmask=12 dstaddr=10.9.0.0 dstmask=255.255.0.0 protocol=47
add filteraction name=Secure qmpfs=yes inpass=yes soft=yes action=negotiate qmsecmethods="ESP[3DES,SHA1]:50000k/900s AH[MD5] AH[SHA1+DES,MD5] ESP[none,SHA1]"
add filteraction name=Modern action=negotiate qmsecmethods="ESP[AES256,SHA256] ESP[3DES,SHA1]"
add filteraction name=Drop action=block description="no way"
add filteraction name=Pass action=permit
add policy name=Server description="request security" mmpfs=no qmpermm=5 mmlifetime=300 pollinginterval=60 mmsecmethods="3DES-SHA1-2 DES-MD5-1 3DES-MD5-3"
add rule name=web policy=Server filterlist="All IP" filteraction=Secure conntype=lan psk="s3cret key" kerberos=yes
add rule name=tun policy=Server filterlist=Tunnelled filteraction=Modern tunnel=192.0.2.254 conntype=dialup activate=no
add rule name=drop policy=Server filterlist=Tunnelled filteraction=Drop
add policy name=Client mmpfs=yes mmsecmethods="AES128-SHA256-14 3DES-SHA1-2" assign=yes
add rule name=pass policy=Client filterlist="All IP" filteraction=Pass
popd
SCRIPT

t_check setup "$NETSH" -f "$work/setup.netsh"
S show all > "$work/show1" 2>&1
S dump > "$work/dump1" 2>&1
t_check export-reg S exportpolicy file="$work/local.reg" format=reg
if [ "$(head -c 2 "$work/local.reg" | od -An -tx1 | tr -d ' ')" = fffe ]; then
	t_pass export-utf16-bom
else
	t_fail export-utf16-bom "no UTF-16LE BOM"
fi
if iconv -f UTF-16LE -t UTF-8 "$work/local.reg" 2>/dev/null | grep -q 'ActivePolicy'; then
	t_pass export-activepolicy
else
	t_fail export-activepolicy "no ActivePolicy value"
fi

# check=yes: reports, changes nothing
before=$(S dump 2>&1 | md5sum)
S delete all >/dev/null 2>&1
empty=$(S dump 2>&1 | md5sum)
if out=$(S importpolicy file="$work/local.reg" check=yes 2>&1); then
	if [ "$(S dump 2>&1 | md5sum)" = "$empty" ]; then t_pass check-changes-nothing
	else t_fail check-changes-nothing "the store changed"; fi
	case $out in *Server*Client*|*Client*Server*) t_pass check-lists-objects ;;
		*) t_fail check-lists-objects "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')" ;; esac
else
	t_skip check-changes-nothing "importpolicy has no check=yes: $(printf '%s' "$out" | tail -n 1)"
fi

t_check import-reg S importpolicy file="$work/local.reg"
S show all > "$work/show2" 2>&1
S dump > "$work/dump2" 2>&1
if cmp -s "$work/show1" "$work/show2"; then t_pass same-show-all
else t_fail same-show-all "$(diff "$work/show1" "$work/show2" | head -n 6 | tr '\n' ' ')"; fi
if cmp -s "$work/dump1" "$work/dump2"; then t_pass same-dump
else t_fail same-dump "$(diff "$work/dump1" "$work/dump2" | head -n 6 | tr '\n' ' ')"; fi
[ "$(S dump 2>&1 | md5sum)" = "$before" ] && t_pass same-dump-hash || t_fail same-dump-hash "dump differs"

# REGEDIT4 text as well, when offered
if S exportpolicy file="$work/local4.reg" format=regedit4 >/dev/null 2>&1; then
	S delete all >/dev/null 2>&1
	t_check import-regedit4 S importpolicy file="$work/local4.reg"
	S dump > "$work/dump3" 2>&1
	cmp -s "$work/dump1" "$work/dump3" && t_pass regedit4-same-dump || \
		t_fail regedit4-same-dump "$(diff "$work/dump1" "$work/dump3" | head -n 4 | tr '\n' ' ')"
fi

# UTF-8 re-save with LF line endings still imports
iconv -f UTF-16LE -t UTF-8 "$work/local.reg" | tr -d '\r' > "$work/resaved.reg"
S delete all >/dev/null 2>&1
t_check import-utf8-resaved S importpolicy file="$work/resaved.reg"
S dump > "$work/dump4" 2>&1
cmp -s "$work/dump1" "$work/dump4" && t_pass resaved-same-dump || \
	t_fail resaved-same-dump "$(diff "$work/dump1" "$work/dump4" | head -n 4 | tr '\n' ' ')"

# A partial file: drop the Tunnelled filter list key; its rules are skipped
# with a warning naming the key.
fl=$(grep -B8 '"ipsecName"="Tunnelled"' "$work/resaved.reg" | grep '^\[.*ipsecFilter{' | tail -n 1)
if [ -n "$fl" ]; then
	awk -v key="$fl" '/^\[/{skip = ($0 == key)} !skip' "$work/resaved.reg" > "$work/partial.reg"
	S delete all >/dev/null 2>&1
	if out=$(S importpolicy file="$work/partial.reg" 2>&1); then
		case $out in *ipsecFilter*"rule skipped"*) t_pass partial-warns ;;
			*) t_fail partial-warns "$(printf '%s' "$out" | head -n 3 | tr '\n' ' ')" ;; esac
		if S show rule name=web policy=Server >/dev/null 2>&1 && \
		   ! S show rule name=tun policy=Server >/dev/null 2>&1; then
			t_pass partial-imports-the-rest
		else
			t_fail partial-imports-the-rest "rule web missing or rule tun present"
		fi
	else
		t_fail partial-import "$(printf '%s' "$out" | tail -n 1)"
	fi
else
	t_fail partial-setup "Tunnelled filter list key not found"
fi

# Broken syntax: error, nothing imported
S delete all >/dev/null 2>&1
{ cat "$work/resaved.reg"; printf '"bad"=qword:1\n'; } > "$work/broken.reg"
t_fails import-broken S importpolicy file="$work/broken.reg"
[ "$(S dump 2>&1 | md5sum)" = "$empty" ] && t_pass broken-imports-nothing || \
	t_fail broken-imports-nothing "the store changed"
