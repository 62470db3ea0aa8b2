#!/bin/bash
# netsh ipsec dynamic: add/set/delete of main mode policies, quick mode
# policies and rules, set/show config, show of generic and specific
# filters.  No kernel is touched: NETSH_IPSEC_APPLY is unset.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
NETSH_IPSEC_RUNDIR=$(mktemp -d); export NETSH_IPSEC_RUNDIR
T_CLEANUP="$T_CLEANUP rm -rf '$NETSH_IPSEC_RUNDIR';"
unset NETSH_IPSEC_APPLY
D() { "$NETSH" ipsec dynamic "$@"; }
snap() { sqlite3 "$NETSH_IPSEC_RUNDIR/dynamic.db" .dump 2>/dev/null | md5sum; }

t_check add-mmpolicy D add mmpolicy name=mm1 mmsecmethods="3DES-SHA1-2 DES-MD5-1" mmlifetime=60
t_fails add-mmpolicy-dup D add mmpolicy name=mm1
t_fails add-mmpolicy-all D add mmpolicy name=all
t_fails add-mmpolicy-bad-method D add mmpolicy name=mm2 mmsecmethods="3DES-SHA9-2"
t_check add-qmpolicy D add qmpolicy name=qm1 pfsgroup=grp2 qmsecmethods="ESP[3DES,SHA1]:50000k/1800s AH[MD5]"
t_fails add-qmpolicy-bad-pfs D add qmpolicy name=qm2 pfsgroup=grp9
t_fails add-qmpolicy-none-none D add qmpolicy name=qm3 qmsecmethods="ESP[none,none]"
t_check add-rule D add rule srcaddr=me dstaddr=10.1.0.0 dstmask=16 mmpolicy=mm1 qmpolicy=qm1 protocol=tcp dstport=80 psk=secret
t_check add-rule-range D add rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any mmpolicy=mm1 actioninbound=block actionoutbound=block
t_check add-rule-abbrev D add rule srca=192.0.2.10 dsta=any mmp=mm1 actioni=permit actiono=permit mir=no

before=$(snap)
t_fails rule-dup D add rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any mmpolicy=mm1 actioninbound=block actionoutbound=block
t_fails rule-no-mmpolicy D add rule srcaddr=me dstaddr=any mmpolicy=nope
t_fails rule-no-qmpolicy-for-negotiate D add rule srcaddr=me dstaddr=10.9.9.9 mmpolicy=mm1
t_fails rule-ports-need-tcp D add rule srcaddr=me dstaddr=10.9.9.9 mmpolicy=mm1 qmpolicy=qm1 dstport=80
t_fails rule-server-needs-me D add rule srcaddr=dns dstaddr=any mmpolicy=mm1 qmpolicy=qm1
t_fails rule-range-no-mask D add rule srcaddr=10.0.0.1-10.0.0.5 srcmask=24 dstaddr=any mmpolicy=mm1 qmpolicy=qm1
t_fails rule-range-reversed D add rule srcaddr=10.0.0.9-10.0.0.1 dstaddr=any mmpolicy=mm1 qmpolicy=qm1
t_fails rule-ipv6 D add rule srcaddr=fe80::1 dstaddr=any mmpolicy=mm1 qmpolicy=qm1
t_fails rule-bad-mask D add rule srcaddr=10.0.0.0 srcmask=255.0.255.0 dstaddr=any mmpolicy=mm1 qmpolicy=qm1
t_fails delete-used-mmpolicy D delete mmpolicy name=mm1
t_fails delete-used-qmpolicy D delete qmpolicy name=qm1
t_fails set-rule-missing D set rule srcaddr=10.7.7.7 dstaddr=any protocol=any srcport=0 dstport=0 mirrored=yes conntype=all actioninbound=block
t_fails delete-rule-missing-identifier D delete rule srcaddr=me dstaddr=any protocol=any
if [ "$(snap)" = "$before" ]; then t_pass rejected-commands-leave-store; else t_fail rejected-commands-leave-store "dynamic.db changed"; fi

out=$(D show rule 2>&1)
case $out in *"dynamic rule 3"*"Preshared"*|*"Preshared"*"dynamic rule 3"*) t_pass show-rule ;; *) t_fail show-rule "$out" ;; esac
case $out in *secret*) t_fail show-hides-psk "the key was printed" ;; *) t_pass show-hides-psk ;; esac
out=$(D show qmfilter name=all type=specific 2>&1)
case $out in *"10.0.0.4/30"*Weight*) t_pass show-specific-range-split ;; *) t_fail show-specific-range-split "$out" ;; esac
out=$(D show mmpolicy name=mm1)
case $out in *"DES-MD5-1"*"60 min"*|*"60 min"*"DES-MD5-1"*) t_pass show-mmpolicy ;; *) t_fail show-mmpolicy "$out" ;; esac
t_fails show-mmpolicy-missing D show mmpolicy name=nope

t_check set-rule D set rule srcaddr=me dstaddr=10.1.0.0 protocol=tcp srcport=0 dstport=80 mirrored=yes conntype=all actioninbound=permit kerberos=yes
out=$(D show rule protocol=tcp)
case $out in *"Inbound Action            : permit"*Kerberos*) t_pass set-rule-replaces-auth ;; *) t_fail set-rule-replaces-auth "$out" ;; esac
t_check set-mmpolicy-all D set mmpolicy name=all mmlifetime=120
t_check set-qmpolicy D set qmpolicy name=qm1 soft=yes
t_check delete-rule D delete rule srcaddr=10.0.0.1-10.0.0.9 dstaddr=any protocol=any srcport=0 dstport=0 mirrored=yes conntype=all
t_check set-config D set config property=ipsecexempt value=0
t_check set-config-bootexemptions D set config property=bootexemptions value="TCP:0:22:inbound UDP:0:53:outbound"
t_fails set-config-range D set config property=ipsecloginterval value=10
t_fails set-config-bootmode D set config property=bootmode value=maybe
out=$(D show config)
case $out in *"ipsecexempt"*": 0"*"TCP:0:22:inbound"*) t_pass show-config ;; *) t_fail show-config "$out" ;; esac
t_check delete-all D delete all
out=$(D show rule)
case $out in *"No rules"*) t_pass delete-all-empties ;; *) t_fail delete-all-empties "$out" ;; esac
