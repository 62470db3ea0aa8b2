#!/bin/bash
# Conformance of `netsh ipsec static` with the Windows Server 2003 reference,
# command by command and parameter by parameter (QA's independent check).
# Defaults are read back through `dump` and `show`, never through the
# store's schema; every rejection must give one stderr line, a non-zero
# exit and a byte-for-byte unchanged store.  Open findings are in
# /tmp/qa-findings.md (ids QA-n) and show up here as SKIP "known: QA-n".
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
NETSH_IPSEC_RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/qa-run.XXXXXX")
export NETSH_IPSEC_RUNDIR
T_CLEANUP="$T_CLEANUP rm -rf '$NETSH_IPSEC_RUNDIR';"
unset NETSH_IPSEC_APPLY NETSH_IPSEC_VICI
W=$NETSH_IPSEC_RUNDIR

# ---- helpers --------------------------------------------------------------------
S() { "$NETSH" ipsec static "$@"; }
RUN=S
. "$TOP/tests/cli/lib/conformance.sh"

# run NAME ARGS: succeeds with nothing but warnings on stderr (stdout free).
run() {
	n=$1; shift
	if ! err=$(S "$@" 2>&1 >/dev/null); then
		t_fail "$n" "exit $?: $(printf '%s' "$err" | head -n 2 | tr '\n' ' ')"
	elif printf '%s\n' "$err" | grep -v '^netsh: warning:' | grep -q .; then
		t_fail "$n" "stderr: $err"
	else
		t_pass "$n"
	fi
}


# dumpline NAME EXACT-LINE: the dump of the current store holds that line.
dumpline() {
	if S dump 2>/dev/null | grep -Fxq -- "$2"; then t_pass "$1"; else
		t_fail "$1" "dump lacks: $2 (near: $(S dump 2>/dev/null | grep -F -- "$(printf '%s' "$2" | cut -c1-40)" | head -n 2 | tr '\n' '|'))"
	fi
}
count() { S dump 2>/dev/null | grep -c -- "$1"; }
eqn() { if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "got '$2', want '$3'"; fi; }
# known QA-n CHECK ARGS...: a check that fails because of an open finding in
# /tmp/qa-findings.md; it is reported as SKIP until the product is fixed,
# then it passes again by itself.
known() {
	id=$1; shift
	res=$("$@")
	case $res in
	PASS*) printf '%s\n' "$res" ;;
	*) printf '%s\n' "$res" | sed -n '1s/^[A-Z]* \([^:]*\).*/SKIP \1: known: '"$id"'/p' ;;
	esac
}

# ---- contexts, words, case, abbreviations -----------------------------------------
ok ctx_full add filterlist name=FLa
if "$NETSH" IPSEC STATIC ADD FILTERLIST NAME=FLb >/dev/null 2>&1; then t_pass ctx_upper; else t_fail ctx_upper "upper-case words refused"; fi
if "$NETSH" ipsec st a filterl n=FLc d=abbr >/dev/null 2>&1; then t_pass ctx_abbrev; else t_fail ctx_abbrev "prefixes refused"; fi
dumpline ctx_abbrev_stored 'ipsec static add filterlist name="FLc" description="abbr"'
rej word_ambiguous "ambiguous|add.*delete|filter" add filte name=X
rej tag_ambiguous "ambiguous" add filter filterlist=FLa srcaddr=me dstaddr=any d=x
rej tag_unknown "bogus" add filterlist name=X bogus=1
rej tag_twice "more than once" add filterlist name=X name=Y
rej cmd_unknown "not a valid command" frobnicate
rej too_many_values "too many|extra" add filterlist X desc extra

# ---- add filterlist -----------------------------------------------------------------
ok fl_desc add filterlist name=FL1 description="web servers"
dumpline fl_desc_stored 'ipsec static add filterlist name="FL1" description="web servers"'
ok fl_positional add filterlist FL2 "second list"
dumpline fl_positional_stored 'ipsec static add filterlist name="FL2" description="second list"'
ok fl_name_case_sensitive add filterlist name=fl1
rej fl_dup "exists" add filterlist name=FL1
rej fl_reserved "all.*reserved|reserved.*all" add filterlist name=all
rej fl_reserved_case "reserved" add filterlist name=All
rej fl_required "name.*required|required.*name" add filterlist description=x
rej fl_empty_name "name" add filterlist name=

# ---- add filter ---------------------------------------------------------------------
ok f_min add filter filterlist=F srcaddr=me dstaddr=any
dumpline f_creates_list 'ipsec static add filterlist name="F"'
dumpline f_defaults 'ipsec static add filter filterlist="F" srcaddr=me dstaddr=any protocol=ANY mirrored=yes'
has f_default_masks 'Source Mask +: 255\.255\.255\.255' S show filterlist name=F level=verbose
ok f_ip_default_mask add filter F 10.1.2.3 10.4.5.6
dumpline f_ip_default_mask_v 'ipsec static add filter filterlist="F" srcaddr=10.1.2.3 srcmask=255.255.255.255 dstaddr=10.4.5.6 dstmask=255.255.255.255 protocol=ANY mirrored=yes'
ok f_all_tags add filter filterlist=F srcaddr=10.0.0.0 dstaddr=192.168.1.7 description="all tags" protocol=TCP mirrored=NO srcmask=255.0.0.0 dstmask=24 srcport=1024 dstport=443
dumpline f_all_tags_v 'ipsec static add filter filterlist="F" srcaddr=10.0.0.0 srcmask=255.0.0.0 dstaddr=192.168.1.0 dstmask=255.255.255.0 protocol=TCP srcport=1024 dstport=443 mirrored=no description="all tags"'
# syntax order: filterlist srcaddr dstaddr description protocol mirrored srcmask dstmask srcport dstport
ok f_positional add filter F 172.16.0.0 me "pos" UDP yes 16 32 53 0
dumpline f_positional_v 'ipsec static add filter filterlist="F" srcaddr=172.16.0.0 srcmask=255.255.0.0 dstaddr=me protocol=UDP srcport=53 dstport=0 mirrored=yes description="pos"'
ok f_untagged_after_tag add filter F srcaddr=me any "after tag"
dumpline f_untagged_after_tag_v 'ipsec static add filter filterlist="F" srcaddr=me dstaddr=any protocol=ANY mirrored=yes description="after tag"'
ok f_keywords_case add filter F ME ANY description=kwcase protocol=icmp
dumpline f_keywords_case_v 'ipsec static add filter filterlist="F" srcaddr=me dstaddr=any protocol=ICMP mirrored=yes description="kwcase"'
ok f_proto_raw add filter F me any description=raw protocol=Raw
has f_proto_raw_v 'protocol=(RAW|255)' S dump
ok f_proto_0 add filter F me any description=p0 protocol=0
ok f_proto_255 add filter F me any description=p255 protocol=255
ok f_proto_num add filter F me any description=p47 protocol=47
dumpline f_proto_num_v 'ipsec static add filter filterlist="F" srcaddr=me dstaddr=any protocol=47 mirrored=yes description="p47"'
ok f_proto_6_is_tcp_port add filter F me any description=p6 protocol=6 dstport=22
ok f_port_udp add filter F me any description=pu protocol=udp srcport=65535
ok f_port0_any add filter F me any description=port0 protocol=icmp srcport=0 dstport=0
ok f_dns add filter F me localhost description=dnsname
has f_dns_v 'dstaddr="?localhost' S dump
for s in dns wins dhcp gateway; do
	ok "f_server_$s" add filter F me "$(printf '%s' "$s" | tr a-z A-Z)" description="srv-$s"
done
ok f_server_src add filter F wins me description=srv-src
ok f_mask_normalised add filter F 10.9.8.7 me srcmask=8 description=norm
dumpline f_mask_normalised_v 'ipsec static add filter filterlist="F" srcaddr=10.0.0.0 srcmask=255.0.0.0 dstaddr=me protocol=ANY mirrored=yes description="norm"'
ok f_prefix1 add filter F 128.0.0.0 me srcmask=1 description=pfx1
ok f_prefix32 add filter F 10.0.0.1 me srcmask=32 description=pfx32

rej f_required_srcaddr "srcaddr" add filter filterlist=F dstaddr=any
rej f_required_dstaddr "dstaddr" add filter filterlist=F srcaddr=me
rej f_required_list "filterlist" add filter srcaddr=me dstaddr=any
rej f_list_reserved "reserved" add filter filterlist=all srcaddr=me dstaddr=any
rej f_noncontig "srcmask.*contiguous" add filter F 10.0.0.0 me srcmask=255.0.255.0
rej f_noncontig_dst "dstmask.*contiguous" add filter F me 10.0.0.0 dstmask=255.255.0.255
rej f_prefix0 "srcmask.*(1.?-.?32|range)" add filter F 10.0.0.0 me srcmask=0
rej f_prefix33 "dstmask.*(1.?-.?32|range)" add filter F me 10.0.0.0 dstmask=33
rej f_mask_garbage "srcmask" add filter F 10.0.0.0 me srcmask=foo
rej f_mask_5octets "srcmask" add filter F 10.0.0.0 me srcmask=255.255.255.0.0
rej f_port_no_proto "srcport.*(tcp|udp)" add filter F me any srcport=80
rej f_port_icmp "dstport.*(tcp|udp)" add filter F me any protocol=icmp dstport=80
rej f_port_47 "dstport.*(tcp|udp)" add filter F me any protocol=47 dstport=80
rej f_port_big "dstport.*(65535|port)" add filter F me any protocol=tcp dstport=65536
rej f_port_word "srcport" add filter F me any protocol=tcp srcport=http
rej f_proto_256 "protocol.*(255|protocol)" add filter F me any protocol=256
rej f_proto_neg "protocol" add filter F me any protocol=-1
rej f_proto_word "protocol.*(any|icmp|tcp)" add filter F me any protocol=sctp
rej f_mirrored_bad "mirrored.*yes.*no" add filter F me any mirrored=maybe
rej f_bad_ip "srcaddr" add filter F 10.0.0.256 me
rej f_bad_ip_short "dstaddr" add filter F me 10.0.0
rej f_unresolvable "dstaddr|resolve" add filter F me no-such-host.invalid
rej f_server_other_side "me" add filter F dns any
rej f_me_me "me" add filter F me me

# ---- add filteraction ---------------------------------------------------------------
ok fa_min add filteraction name=FA
dumpline fa_defaults 'ipsec static add filteraction name="FA" qmpfs=no inpass=no soft=no action=negotiate qmsecmethods="ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s"'
ok fa_all_tags add filteraction name=FA2 description="d 2" qmpfs=YES inpass=Yes soft=yes action=Negotiate qmsecmethods="ESP[3DES,SHA1]:50000k/1800s AH[SHA1]"
dumpline fa_all_tags_v 'ipsec static add filteraction name="FA2" description="d 2" qmpfs=yes inpass=yes soft=yes action=negotiate qmsecmethods="ESP[3DES,SHA1]:50000k/1800s AH[SHA1]:100000k/3600s"'
# syntax order: name description qmpfs inpass soft action qmsecmethods
ok fa_positional add filteraction FA3 "d3" no yes no negotiate "ESP[DES,SHA1]:300s"
dumpline fa_positional_v 'ipsec static add filteraction name="FA3" description="d3" qmpfs=no inpass=yes soft=no action=negotiate qmsecmethods="ESP[DES,SHA1]:100000k/300s"'
ok fa_qm_grammar add filteraction name=FA4 qmsecmethods="esp[3des,md5]:20480k AH[MD5+DES,SHA1]:2147483647k/172800s ESP[none,SHA1] ESP[DES,none] AH[SHA1+3DES,MD5]"
dumpline fa_qm_grammar_v 'ipsec static add filteraction name="FA4" qmpfs=no inpass=no soft=no action=negotiate qmsecmethods="ESP[3DES,MD5]:20480k/3600s AH[MD5+DES,SHA1]:2147483647k/172800s ESP[None,SHA1]:100000k/3600s ESP[DES,None]:100000k/3600s AH[SHA1+3DES,MD5]:100000k/3600s"'
has fa_qm_order 'AH\[MD5\+DES,SHA1\]' S show filteraction name=FA4 level=verbose
ok fa_permit add filteraction name=FAp action=permit
ok fa_block add filteraction name=FAb action=BLOCK
dumpline fa_block_v 'ipsec static add filteraction name="FAb" qmpfs=no inpass=no soft=no action=block'
warns fa_permit_ignores "not used|ignored" add filteraction name=FAp2 action=permit qmpfs=yes qmsecmethods="ESP[3DES,SHA1]"
dumpline fa_permit_ignores_v 'ipsec static add filteraction name="FAp2" qmpfs=no inpass=no soft=no action=permit'
has fa_show_verbose 'QM PFS +: YES' S show filteraction name=FA2 level=verbose

rej fa_reserved "reserved" add filteraction name=ALL
rej fa_dup "exists" add filteraction name=FA
rej fa_required "name" add filteraction description=x
rej fa_action_bad "action.*permit.*block.*negotiate" add filteraction name=X action=drop
rej fa_qmpfs_bad "qmpfs.*yes.*no" add filteraction name=X qmpfs=1
rej fa_inpass_bad "inpass.*yes.*no" add filteraction name=X inpass=true
rej fa_soft_bad "soft.*yes.*no" add filteraction name=X soft=perhaps
rej fa_qm_none_none "none" add filteraction name=X qmsecmethods="ESP[none,none]"
rej fa_qm_ah_none_none "none" add filteraction name=X qmsecmethods="AH[SHA1+none,none]"
rej fa_qm_ah_hash_none "qmsecmethods" add filteraction name=X qmsecmethods="AH[none]"
rej fa_qm_bad_alg "qmsecmethods.*(3des|des)" add filteraction name=X qmsecmethods="ESP[RC4,SHA1]"
rej fa_qm_bad_hash "qmsecmethods.*(md5|sha1)" add filteraction name=X qmsecmethods="ESP[3DES,CRC]"
rej fa_qm_one_alg "qmsecmethods" add filteraction name=X qmsecmethods="ESP[3DES]"
rej fa_qm_bad_proto "qmsecmethods.*(esp|ah)" add filteraction name=X qmsecmethods="GRE[3DES,SHA1]"
rej fa_qm_bad_life "qmsecmethods" add filteraction name=X qmsecmethods="ESP[3DES,SHA1]:100000x"
rej fa_qm_small_kb "qmsecmethods.*(kilobyte|range)" add filteraction name=X qmsecmethods="ESP[3DES,SHA1]:100k"
rej fa_qm_small_s "qmsecmethods.*(second|range)" add filteraction name=X qmsecmethods="ESP[3DES,SHA1]:10s"
rej fa_qm_empty "qmsecmethods" add filteraction name=X qmsecmethods=""
rej fa_qm_second_bad "qmsecmethods" add filteraction name=X qmsecmethods="ESP[3DES,SHA1] ESP[none,none]"

# ---- add policy ---------------------------------------------------------------------
ok p_min add policy name=P
dumpline p_defaults 'ipsec static add policy name="P" mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 assign=no mmsecmethods="3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3"'
has p_default_rule_created 'Rule Name +: <Default Response Rule>' S show rule name=default policy=P
dumpline p_default_rule_defaults 'ipsec static set defaultrule policy="P" qmpfs=no qmsecmethods="ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s" activate=yes kerberos=yes'
ok p_all_tags add policy name=P2 description="two" mmpfs=no qmpermm=5 mmlifetime=60 activatedefaultrule=NO pollinginterval=30 assign=no mmsecmethods="des-md5-1 3DES-SHA1-3"
dumpline p_all_tags_v 'ipsec static add policy name="P2" description="two" mmpfs=no qmpermm=5 mmlifetime=60 activatedefaultrule=no pollinginterval=30 assign=no mmsecmethods="DES-MD5-1 3DES-SHA1-3"'
# syntax order: name description mmpfs qmpermm mmlifetime activatedefaultrule pollinginterval assign mmsecmethods
ok p_positional add policy P3 "three" no 2 100 yes 90 no "3DES-MD5-2"
dumpline p_positional_v 'ipsec static add policy name="P3" description="three" mmpfs=no qmpermm=2 mmlifetime=100 activatedefaultrule=yes pollinginterval=90 assign=no mmsecmethods="3DES-MD5-2"'
ok p_adr_no add policy name=Padr activatedefaultrule=no
has p_adr_no_rule 'Activated +: NO' S show rule default policy=Padr
ok p_adr_via_defaultrule set defaultrule policy=Padr activate=yes
has p_adr_same_flag 'activatedefaultrule=yes' S dump
ok p_adr_via_policy set policy name=Padr activatedefaultrule=no
has p_adr_same_flag_back 'Activated +: NO' S show rule default policy=Padr
ok p_mmpfs add policy name=Ppfs mmpfs=yes
has p_mmpfs_qmpermm1 'QMs per MM +: 1' S show policy name=Ppfs level=verbose
ok p_mmpfs_qmpermm1_given add policy name=Ppfs2 mmpfs=yes qmpermm=1
rej p_mmpfs_qmpermm_other "qmpermm" add policy name=X mmpfs=yes qmpermm=3
ok p_assign1 add policy name=PA1 assign=yes
has p_assign1_v 'Assigned +: YES' S show policy name=PA1
ok p_assign2 add policy name=PA2 assign=yes
has p_assign_unassigns 'Assigned +: NO' S show policy name=PA1
eqn p_one_assigned "$(S show policy all | grep -c 'Assigned *: YES')" 1
warns p_weak_group "group 1|weak" add policy name=Pweak mmsecmethods="3DES-SHA1-1"
rej p_reserved "reserved" add policy name=aLL
rej p_dup "exists" add policy name=P
rej p_required "name" add policy description=x
rej p_mmpfs_bad "mmpfs.*yes.*no" add policy name=X mmpfs=2
rej p_qmpermm_neg "qmpermm" add policy name=X qmpermm=-1
rej p_qmpermm_word "qmpermm" add policy name=X qmpermm=many
rej p_mmlifetime_0 "mmlifetime" add policy name=X mmlifetime=0
rej p_mmlifetime_word "mmlifetime" add policy name=X mmlifetime=8h
rej p_polling_word "pollinginterval" add policy name=X pollinginterval=x
rej p_adr_bad "activatedefaultrule.*yes.*no" add policy name=X activatedefaultrule=1
rej p_assign_bad "assign.*yes.*no" add policy name=X assign=now
rej p_mm_group4 "mmsecmethods.*group" add policy name=X mmsecmethods="3DES-SHA1-4"
rej p_mm_bad_cipher "mmsecmethods.*(des|3des)" add policy name=X mmsecmethods="RC4-SHA1-2"
rej p_mm_bad_hash "mmsecmethods.*(md5|sha1)" add policy name=X mmsecmethods="3DES-CRC-2"
rej p_mm_two_parts "mmsecmethods" add policy name=X mmsecmethods="3DES-SHA1"
rej p_mm_second_bad "mmsecmethods" add policy name=X mmsecmethods="3DES-SHA1-2 3DES-SHA1-9"
rej p_mm_empty "mmsecmethods" add policy name=X mmsecmethods=""

# our documented extensions (netsh.8): AES, SHA256/384, DH groups 14/19/20/24
ok ext_mm add policy name=Pext mmsecmethods="AES256-SHA384-24 aes128-sha256-14 AES192-SHA1-19 3DES-SHA1-20"
has ext_mm_v 'name="Pext" .*mmsecmethods="AES256-SHA384-24 AES128-SHA256-14 AES192-SHA1-19 3DES-SHA1-20"$' S dump
ok ext_qm add filteraction name=FAext qmsecmethods="ESP[AES256,SHA384] AH[SHA256+AES128,SHA256]:20480k"
has ext_qm_v 'name="FAext" .*qmsecmethods="ESP\[AES256,SHA384\]:100000k/3600s AH\[SHA256\+AES128,SHA256\]:20480k/3600s"$' S dump
rej ext_qm_bad "qmsecmethods.*AES512" add filteraction name=X qmsecmethods="ESP[AES512,SHA256]"
rej ext_mm_group_bad "mmsecmethods" add policy name=X mmsecmethods="AES128-SHA256-15"

# ---- add rule -----------------------------------------------------------------------
ok r_min add rule name=R1 policy=P filterlist=F filteraction=FA
dumpline r_defaults 'ipsec static add rule name="R1" policy="P" filterlist="F" filteraction="FA" conntype=all activate=yes kerberos=yes'
has r_default_transport 'Mode +: Transport' S show rule name=R1 policy=P
ok r_all_tags add rule name=R2 policy=P filterlist=FL1 filteraction=FA2 tunnel=10.0.0.9 conntype=LAN activate=no description="r two" kerberos=yes psk="s3cret" rootca="CN=Root CA, O=\'Ex Corp\' certmap:yes excludecaname:no"
dumpline r_all_tags_v 'ipsec static add rule name="R2" policy="P" filterlist="FL1" filteraction="FA2" tunnel=10.0.0.9 conntype=lan activate=no description="r two" kerberos=yes psk="s3cret" rootca="CN=Root CA, O=\'"'"'Ex Corp\'"'"' certmap:yes excludecaname:no"'
has r_rootca_quote 'Root CA: CN=Root CA, O="Ex Corp"' S show rule name=R2 policy=P level=verbose wide=yes
lacks r_show_hides_psk 's3cret' S show rule name=R2 policy=P level=verbose wide=yes
# syntax order: name policy filterlist filteraction tunnel conntype activate description kerberos psk rootca
ok r_positional add rule R3 P F FA 192.0.2.1 dialup yes "r3" no "key3"
dumpline r_positional_v 'ipsec static add rule name="R3" policy="P" filterlist="F" filteraction="FA" tunnel=192.0.2.1 conntype=dialup activate=yes description="r3" psk="key3"'
ok r_auth_order add rule name=R4 policy=P filterlist=F filteraction=FA rootca="CN=B excludecaname:yes" psk=k4 rootca="CN=A" kerberos=yes
dumpline r_auth_order_v 'ipsec static add rule name="R4" policy="P" filterlist="F" filteraction="FA" conntype=all activate=yes rootca="CN=B certmap:no excludecaname:yes" psk="k4" rootca="CN=A certmap:no excludecaname:no" kerberos=yes'
ok r_tunnel_dns add rule name=R5 policy=P filterlist=F filteraction=FA tunnel=localhost
has r_tunnel_dns_v 'Tunnel Endpoint +: .*(localhost|127\.0\.0\.1)' S show rule name=R5 policy=P
ok r_conntype_all add rule name=R6 policy=P filterlist=F filteraction=FAb conntype=ALL
ok r_same_name_other_policy add rule name=R1 policy=P2 filterlist=F filteraction=FA
has r_ids 'Rule ID +: 6' S show rule name=R6 policy=P
warns r_psk_warns "preshared|psk" add rule name=R7 policy=P2 filterlist=F filteraction=FA psk=x

rej r_psk_twice "psk.*more than once|one pre-?shared" add rule name=X policy=P filterlist=F filteraction=FA psk=a psk=b
rej r_kerberos_twice "kerberos" add rule name=X policy=P filterlist=F filteraction=FA kerberos=yes kerberos=no
rej r_reserved "reserved" add rule name=all policy=P filterlist=F filteraction=FA
rej r_dup "exists|already" add rule name=R1 policy=P filterlist=F filteraction=FA
rej r_no_policy "policy" add rule name=X policy=Nope filterlist=F filteraction=FA
rej r_no_list "filterlist" add rule name=X policy=P filterlist=Nope filteraction=FA
rej r_no_action "filteraction" add rule name=X policy=P filterlist=F filteraction=Nope
rej r_required_list "filterlist" add rule name=X policy=P filteraction=FA
rej r_required_action "filteraction" add rule name=X policy=P filterlist=F
rej r_required_policy "policy" add rule name=X filterlist=F filteraction=FA
rej r_conntype_bad "conntype.*lan.*dialup.*all" add rule name=X policy=P filterlist=F filteraction=FA conntype=wifi
rej r_activate_bad "activate.*yes.*no" add rule name=X policy=P filterlist=F filteraction=FA activate=maybe
rej r_kerberos_bad "kerberos.*yes.*no" add rule name=X policy=P filterlist=F filteraction=FA kerberos=2
rej r_tunnel_bad "tunnel" add rule name=X policy=P filterlist=F filteraction=FA tunnel=10.0.0.300
rej r_rootca_certmap_bad "certmap" add rule name=X policy=P filterlist=F filteraction=FA rootca="CN=x certmap:maybe"
rej r_rootca_empty "rootca" add rule name=X policy=P filterlist=F filteraction=FA rootca=""
rej r_psk_empty "psk" add rule name=X policy=P filterlist=F filteraction=FA psk=""

# ---- set filterlist -----------------------------------------------------------------
ok sfl_desc set filterlist name=FL2 description="changed"
dumpline sfl_desc_v 'ipsec static add filterlist name="FL2" description="changed"'
ok sfl_rename set filterlist FL2 FL2b
dumpline sfl_rename_v 'ipsec static add filterlist name="FL2b" description="changed"'
ok sfl_rename_in_use set filterlist name=FL1 newname=FL1r
dumpline sfl_rename_follows_rule 'ipsec static add rule name="R2" policy="P" filterlist="FL1r" filteraction="FA2" tunnel=10.0.0.9 conntype=lan activate=no description="r two" kerberos=yes psk="s3cret" rootca="CN=Root CA, O=\'"'"'Ex Corp\'"'"' certmap:yes excludecaname:no"'
rej sfl_newname_all "reserved" set filterlist name=FL2b newname=all
rej sfl_newname_dup "exists" set filterlist name=FL2b newname=F
rej sfl_missing "FLzz|no filter list" set filterlist name=FLzz description=x
rej sfl_required "name" set filterlist description=x
rej sfl_guid_refused "guid" set filterlist guid="{00000000-0000-0000-0000-000000000001}" description=x

# ---- set filteraction ---------------------------------------------------------------
ok sfa_fields set filteraction name=FA3 qmpfs=yes inpass=no soft=yes description=d3b
dumpline sfa_fields_v 'ipsec static add filteraction name="FA3" description="d3b" qmpfs=yes inpass=no soft=yes action=negotiate qmsecmethods="ESP[DES,SHA1]:100000k/300s"'
ok sfa_methods set filteraction name=FA3 qmsecmethods="AH[SHA1]:40000k/900s"
has sfa_methods_replace 'qmsecmethods="AH\[SHA1\]:40000k/900s"' S dump
g=$(S show filteraction name=FA3 | sed -n 's/^GUID *: //p' | head -n 1)
ok sfa_guid set filteraction guid="$g" newname=FA3g
dumpline sfa_guid_v 'ipsec static add filteraction name="FA3g" description="d3b" qmpfs=yes inpass=no soft=yes action=negotiate qmsecmethods="AH[SHA1]:40000k/900s"'
gl=$(printf '%s' "$g" | tr -d '{}' | tr 'A-F' 'a-f')
ok sfa_guid_nobraces_lower set filteraction guid="$gl" description=viaguid
has sfa_guid_nobraces_lower_v 'description="viaguid"' S dump
ok sfa_to_block set filteraction name=FA3g action=block
dumpline sfa_to_block_clears 'ipsec static add filteraction name="FA3g" description="viaguid" qmpfs=no inpass=no soft=no action=block'
rej sfa_block_qmpfs "qmpfs" set filteraction name=FA3g qmpfs=yes
rej sfa_block_soft "soft" set filteraction name=FA3g soft=yes
rej sfa_block_inpass "inpass" set filteraction name=FAp inpass=yes
rej sfa_newname_all "reserved" set filteraction name=FA3g newname=All
rej sfa_newname_dup "exists" set filteraction name=FA3g newname=FA
rej sfa_missing "FAzz|no filter action" set filteraction name=FAzz description=x
rej sfa_guid_missing "guid|no filter action" set filteraction guid="{00000000-0000-0000-0000-000000000000}" description=x
rej sfa_guid_bad "guid" set filteraction guid=notaguid description=x
rej sfa_qm_bad "qmsecmethods" set filteraction name=FA qmsecmethods="ESP[none,none]"
rej sfa_action_bad "action" set filteraction name=FA action=allow
rej sfa_required "name|guid" set filteraction description=x

ok sfa_neg_after_block_setup add filteraction name=FAx action=block
ok sfa_neg_after_block set filteraction name=FAx action=negotiate
dumpline sfa_neg_after_block_defaults 'ipsec static add filteraction name="FAx" qmpfs=no inpass=no soft=no action=negotiate qmsecmethods="ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s"'
ok sfa_keep_methods_setup add filteraction name=FAy qmsecmethods="AH[SHA1]"
ok sfa_keep_methods_permit set filteraction name=FAy action=permit
ok sfa_keep_methods_back set filteraction name=FAy action=negotiate
dumpline sfa_keep_methods_v 'ipsec static add filteraction name="FAy" qmpfs=no inpass=no soft=no action=negotiate qmsecmethods="AH[SHA1]:100000k/3600s"'
rej sfa_permit_and_pfs "qmpfs" set filteraction name=FAy action=permit qmpfs=yes

# ---- set policy ---------------------------------------------------------------------
ok sp_fields set policy name=P3 description=d mmpfs=no qmpermm=7 mmlifetime=200 activatedefaultrule=no pollinginterval=5 mmsecmethods="3DES-SHA1-2"
dumpline sp_fields_v 'ipsec static add policy name="P3" description="d" mmpfs=no qmpermm=7 mmlifetime=200 activatedefaultrule=no pollinginterval=5 assign=no mmsecmethods="3DES-SHA1-2"'
ok sp_newname set policy name=P3 newname=P3n
has sp_newname_v 'name="P3n"' S dump
pg=$(S show policy name=P3n | sed -n 's/^GUID *: //p' | head -n 1)
ok sp_guid set policy guid="$pg" description=byguid
has sp_guid_v 'name="P3n" description="byguid"' S dump
ok sp_mmpfs set policy name=P3n mmpfs=yes
has sp_mmpfs_qmpermm1 'QMs per MM +: 1' S show policy name=P3n level=verbose
rej sp_mmpfs_qmpermm "qmpermm" set policy name=P3n qmpermm=4
ok sp_assign set policy name=P3n assign=yes
eqn sp_assign_one "$(S show policy all | grep -c 'Assigned *: YES')" 1
has sp_assign_moved 'Assigned +: NO' S show policy name=PA2
ok sp_unassign set policy name=P3n assign=no
eqn sp_unassign_v "$(S show policy all | grep -c 'Assigned *: YES')" 0
rej sp_gponame "gponame|domain" set policy name=P3n gponame=GPO1
rej sp_newname_all "reserved" set policy name=P3n newname=all
rej sp_newname_dup "exists" set policy name=P3n newname=P
rej sp_missing "Pzz|no policy" set policy name=Pzz description=x
rej sp_bad_mm "mmsecmethods" set policy name=P3n mmsecmethods="3DES-SHA1-0"
rej sp_bad_lifetime "mmlifetime" set policy name=P3n mmlifetime=abc

# guid= only where the reference has it (set filteraction, set policy)
rej guid_delete_policy "guid" delete policy guid="$pg"
rej guid_show_policy "guid" show policy guid="$pg"
rej guid_set_rule "guid" set rule guid="$pg" policy=P description=x
rej guid_delete_fa "guid" delete filteraction guid="$g"
rej guid_set_defaultrule "guid" set defaultrule guid="$pg"

# ---- set rule -----------------------------------------------------------------------
ok sr_fields set rule name=R3 policy=P newname=R3n description=d3 filterlist=FL2b filteraction=FA2 tunnel=10.9.9.9 conntype=lan activate=no
dumpline sr_fields_v 'ipsec static add rule name="R3n" policy="P" filterlist="FL2b" filteraction="FA2" tunnel=10.9.9.9 conntype=lan activate=no description="d3" psk="key3"'
ok sr_auth_replace set rule name=R2 policy=P kerberos=no rootca="CN=Only"
has sr_auth_replace_v 'name="R2".* rootca="CN=Only certmap:no excludecaname:no"$' S dump
lacks sr_auth_replace_no_psk 'name="R2".*psk=' S dump
ok sr_by_id set rule id=1 policy=P description=byid
has sr_by_id_v 'name="R1" policy="P".*description="byid"' S dump
ok sr_transport_again set rule name=R3n policy=P tunnel=0.0.0.0
has sr_transport_again_v 'Mode +: Transport' S show rule name=R3n policy=P
rej sr_id_range "id" set rule id=99 policy=P description=x
rej sr_id_zero "id" set rule id=0 policy=P description=x
rej sr_missing "Rzz|no rule" set rule name=Rzz policy=P description=x
rej sr_no_policy "policy" set rule name=R1 description=x
rej sr_newname_all "reserved" set rule name=R1 policy=P newname=all
rej sr_newname_dup "already|exists" set rule name=R1 policy=P newname=R2
rej sr_list_missing "filterlist" set rule name=R1 policy=P filterlist=Nope
rej sr_kerberos_no_alone "kerberos|authentication" set rule name=R1 policy=P kerberos=no
rej sr_conntype_bad "conntype" set rule name=R1 policy=P conntype=x

# ---- set defaultrule ----------------------------------------------------------------
ok sd_fields set defaultrule policy=P qmpfs=yes activate=no qmsecmethods="ESP[3DES,SHA1]:30000k/600s" psk="dk" kerberos=yes
dumpline sd_fields_v 'ipsec static set defaultrule policy="P" qmpfs=yes qmsecmethods="ESP[3DES,SHA1]:30000k/600s" activate=no psk="dk" kerberos=yes'
ok sd_auth_replace set defaultrule policy=P rootca="CN=Def"
has sd_auth_replace_v 'set defaultrule policy="P".* rootca="CN=Def certmap:no excludecaname:no"$' S dump
# syntax order: policy qmpfs activate qmsecmethods kerberos psk rootca
ok sd_positional set defaultrule P no yes "AH[MD5]" yes
dumpline sd_positional_v 'ipsec static set defaultrule policy="P" qmpfs=no qmsecmethods="AH[MD5]:100000k/3600s" activate=yes kerberos=yes'
rej sd_none_none "none" set defaultrule policy=P qmsecmethods="ESP[none,none]"
rej sd_no_policy "policy" set defaultrule policy=Nope qmpfs=yes
rej sd_required "policy" set defaultrule qmpfs=yes
rej sd_bad_bool "activate.*yes.*no" set defaultrule policy=P activate=0

# ---- positional forms of set and delete (syntax order of the reference) -----------
ok pos_setup_p add policy name=PS
ok pos_setup_f add filter PSL 10.0.0.0 me srcmask=24 protocol=tcp dstport=80
ok pos_setup_a add filteraction name=PSA
ok pos_setup_r add rule name=PSR policy=PS filterlist=PSL filteraction=PSA
# set filteraction: name newname description qmpfs inpass soft action qmsecmethods
ok pos_set_fa set filteraction PSA PSA2 "d" yes no yes negotiate "ESP[3DES,SHA1]"
dumpline pos_set_fa_v 'ipsec static add filteraction name="PSA2" description="d" qmpfs=yes inpass=no soft=yes action=negotiate qmsecmethods="ESP[3DES,SHA1]:100000k/3600s"'
# set policy: name newname description mmpfs qmpermm mmlifetime activatedefaultrule pollinginterval assign
ok pos_set_policy set policy PS PS2 "pd" no 3 100 no 60 no
dumpline pos_set_policy_v 'ipsec static add policy name="PS2" description="pd" mmpfs=no qmpermm=3 mmlifetime=100 activatedefaultrule=no pollinginterval=60 assign=no mmsecmethods="3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3"'
# set rule: name policy newname description filterlist filteraction tunnel conntype activate kerberos
ok pos_set_rule set rule PSR PS2 PSR2 "rd" PSL PSA2 10.1.1.1 lan no yes
dumpline pos_set_rule_v 'ipsec static add rule name="PSR2" policy="PS2" filterlist="PSL" filteraction="PSA2" tunnel=10.1.1.1 conntype=lan activate=no description="rd" kerberos=yes'
# delete filter: filterlist srcaddr dstaddr protocol srcmask dstmask srcport dstport mirrored
ok pos_delete_filter delete filter PSL 10.0.0.0 me TCP 24 32 0 80 yes
eqn pos_delete_filter_v "$(count 'filterlist="PSL" srcaddr=')" 0
ok pos_delete_rule delete rule PSR2 PS2
eqn pos_delete_rule_v "$(count 'name="PSR2"')" 0
ok pos_cleanup delete policy PS2

# ---- dump replays into the same store ---------------------------------------------------
S dump > "$W/full.dump" 2>/dev/null
R=$(mktemp -d "${TMPDIR:-/tmp}/qa-replay.XXXXXX")
T_CLEANUP="$T_CLEANUP rm -rf '$R';"
if NETSH_IPSEC_DIR=$R "$NETSH" -f "$W/full.dump" >/dev/null 2>"$W/replay.err"; then t_pass dump_replays; else
	t_fail dump_replays "$(grep -v warning "$W/replay.err" | head -n 2 | tr '\n' '|')"; fi
NETSH_IPSEC_DIR=$R "$NETSH" ipsec static dump > "$W/replayed.dump" 2>/dev/null
if cmp -s "$W/full.dump" "$W/replayed.dump"; then t_pass dump_replay_same; else
	t_fail dump_replay_same "$(diff "$W/full.dump" "$W/replayed.dump" | grep '^[<>]' | head -n 4 | tr '\n' '|')"; fi

# ---- delete rule --------------------------------------------------------------------
# P: R1 R2 R3n R4 R5 R6 (+ default)
ok dr_by_id delete rule id=2 policy=P
has dr_renumbered 'Rule ID +: 2' S show rule name=R3n policy=P
has dr_renumbered_last 'Rule ID +: 5' S show rule name=R6 policy=P
ok dr_by_name delete rule name=R4 policy=P
has dr_by_name_renumber 'Rule ID +: 3' S show rule name=R5 policy=P
rej dr_missing "R4|no rule" delete rule name=R4 policy=P
rej dr_id_range "id" delete rule id=9 policy=P
rej dr_no_policy "policy" delete rule name=R1 policy=Nope
rej dr_required_policy "policy" delete rule name=R1
ok dr_all delete rule all policy=P
has dr_all_keeps_default 'Rule Name +: <Default Response Rule>' S show rule name=default policy=P
eqn dr_all_count "$(S dump | grep -c 'add rule name=.* policy="P" ')" 0
rej dr_default "default|no rule" delete rule name=default policy=P

# ---- delete filter ------------------------------------------------------------------
ok df_setup1 add filter DF 10.0.0.1 me protocol=tcp dstport=80
ok df_setup2 add filter DF 10.0.0.1 me protocol=tcp dstport=443
ok df_setup3 add filter DF 10.0.0.1 me protocol=udp dstport=53
ok df_setup4 add filter DF 10.0.0.2 me
ok df_exact delete filter DF 10.0.0.1 me protocol=tcp dstport=443
eqn df_exact_v "$(count 'filterlist="DF" srcaddr=10.0.0.1')" 2
ok df_every_match delete filter filterlist=DF srcaddr=10.0.0.1 dstaddr=me
eqn df_every_match_v "$(count 'filterlist="DF" srcaddr=10.0.0.1')" 0
eqn df_other_kept "$(count 'filterlist="DF" srcaddr=10.0.0.2')" 1
rej df_nomatch "match|no filter" delete filter DF 10.0.0.3 me
rej df_nomatch_field "match|no filter" delete filter DF 10.0.0.2 me protocol=tcp
rej df_nolist "DFzz|filter list" delete filter DFzz me any
rej df_required "dstaddr" delete filter DF 10.0.0.2
rej df_bad_mask "srcmask" delete filter DF 10.0.0.2 me srcmask=255.0.255.0
ok df_mirrored_match delete filter DF 10.0.0.2 me mirrored=yes srcmask=32 protocol=any
eqn df_mirrored_match_v "$(count 'filterlist="DF" srcaddr=')" 0

ok df_dns_setup add filter DF me localhost
rej df_dns_by_address "match|no filter" delete filter DF me 127.0.0.1
ok df_dns_by_name delete filter DF me LocalHost
eqn df_dns_by_name_v "$(count 'filterlist="DF" srcaddr=me dstaddr="\?localhost')" 0

# ---- delete filterlist / filteraction -----------------------------------------------
rej dfl_in_use "R1.*P2|rule" delete filterlist name=F
rej dfa_in_use "R1.*P2|rule" delete filteraction name=FA
rej dfl_all_in_use "rule" delete filterlist all
rej dfa_all_in_use "rule" delete filteraction all
ok dfl_name delete filterlist name=fl1
eqn dfl_name_v "$(count 'filterlist name="fl1"')" 0
rej dfl_missing "fl1|no filter list" delete filterlist name=fl1
ok dfa_name delete filteraction FAp
rej dfa_missing "FAp|no filter action" delete filteraction name=FAp
rej dfl_required "name" delete filterlist

# ---- delete policy ------------------------------------------------------------------
ok dp_name delete policy name=P2
eqn dp_name_rules_gone "$(count 'policy="P2"')" 0
eqn dp_keeps_lists "$(count 'add filterlist name="F"$')" 1
rej dp_missing "P2|no policy" delete policy name=P2
ok dp_all delete policy all
eqn dp_all_v "$(count 'add policy')" 0
ok dfl_all delete filterlist all
eqn dfl_all_v "$(count 'add filterlist')" 0
ok dfa_all delete filteraction all
eqn dfa_all_v "$(count 'add filteraction')" 0

# ---- delete all ---------------------------------------------------------------------
ok da_setup_p add policy name=DA
ok da_setup_f add filter DAL me any
ok da_setup_a add filteraction name=DAA
ok da_setup_r add rule name=r policy=DA filterlist=DAL filteraction=DAA
ok da_all delete all
eqn da_all_v "$(S dump | grep -c '^ipsec static add')" 0
rej da_extra "parameters|too many|extra|unknown" delete all now

# ---- restorepolicyexamples ----------------------------------------------------------
if S restorepolicyexamples release=win2k >/dev/null 2>&1; then t_pass rpe_win2k_lower; else t_fail rpe_win2k_lower "refused"; fi
has rpe_policies 'Policy Name +: Secure Server \(Require Security\)' S show policy all
if S restorepolicyexamples WIN2003 >/dev/null 2>&1; then t_pass rpe_win2003_positional; else t_fail rpe_win2003_positional "refused"; fi
eqn rpe_idempotent "$(S show policy all | grep -c '^Assigned')" 3
dumpline rpe_all_ip 'ipsec static add filter filterlist="All IP Traffic" srcaddr=me dstaddr=any protocol=ANY mirrored=yes'
has rpe_all_icmp '^ipsec static add filter filterlist="All ICMP Traffic" srcaddr=me dstaddr=any protocol=ICMP mirrored=yes' S dump
has rpe_permit '^ipsec static add filteraction name="Permit" .*action=permit$' S dump
has rpe_request '^ipsec static add filteraction name="Request Security \(Optional\)" .*qmpfs=no inpass=yes soft=yes action=negotiate qmsecmethods="ESP\[3DES,SHA1\]:100000k/3600s ESP\[3DES,MD5\]:100000k/3600s ESP\[DES,SHA1\]:100000k/3600s ESP\[DES,MD5\]:100000k/3600s AH\[SHA1\]:100000k/3600s AH\[MD5\]:100000k/3600s"$' S dump
has rpe_require '^ipsec static add filteraction name="Require Security" .*qmpfs=no inpass=yes soft=no action=negotiate qmsecmethods="ESP\[3DES,SHA1\]:100000k/3600s ESP\[3DES,MD5\]:100000k/3600s ESP\[DES,SHA1\]:100000k/3600s ESP\[DES,MD5\]:100000k/3600s"$' S dump
eqn rpe_policies_settings "$(S dump | grep -c 'add policy name=".*mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 assign=no mmsecmethods="3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1"$')" 3
eqn rpe_client_only_default "$(S dump | grep -c 'add rule .*policy="Client (Respond Only)"')" 0
dumpline rpe_server_ip 'ipsec static add rule name="All IP Traffic" policy="Server (Request Security)" filterlist="All IP Traffic" filteraction="Request Security (Optional)" conntype=all activate=yes kerberos=yes'
dumpline rpe_server_icmp 'ipsec static add rule name="All ICMP Traffic" policy="Server (Request Security)" filterlist="All ICMP Traffic" filteraction="Permit" conntype=all activate=yes kerberos=yes'
dumpline rpe_secure_ip 'ipsec static add rule name="All IP Traffic" policy="Secure Server (Require Security)" filterlist="All IP Traffic" filteraction="Require Security" conntype=all activate=yes kerberos=yes'
dumpline rpe_secure_icmp 'ipsec static add rule name="All ICMP Traffic" policy="Secure Server (Require Security)" filterlist="All ICMP Traffic" filteraction="Permit" conntype=all activate=yes kerberos=yes'
ok rpe_rename set policy name="Client (Respond Only)" newname=Renamed
if S restorepolicyexamples release=Win2003 >/dev/null 2>&1; then t_pass rpe_over_renamed; else t_fail rpe_over_renamed "refused"; fi
has rpe_over_renamed_v 'Policy Name +: Client \(Respond Only\)' S show policy all
lacks rpe_over_renamed_gone 'Policy Name +: Renamed' S show policy all
rej rpe_bad "release.*win2k.*win2003" restorepolicyexamples release=xp
rej rpe_required "release" restorepolicyexamples

# ---- exportpolicy / importpolicy ----------------------------------------------------
run exp_file exportpolicy file="$W/pol"
if [ -s "$W/pol.ipsec" ]; then t_pass exp_adds_extension; else t_fail exp_adds_extension "no $W/pol.ipsec"; fi
S dump > "$W/before.dump"
ok exp_delete_all delete all
run imp_file importpolicy file="$W/pol.ipsec"
S dump > "$W/after.dump"
if cmp -s "$W/before.dump" "$W/after.dump"; then t_pass imp_roundtrip; else t_fail imp_roundtrip "$(diff "$W/before.dump" "$W/after.dump" | head -n 3 | tr '\n' '|')"; fi
X=$(mktemp -d "${TMPDIR:-/tmp}/qa-exp.XXXXXX")
T_CLEANUP="$T_CLEANUP rm -rf '$X';"
NETSH_IPSEC_DIR=$X "$NETSH" ipsec static add policy name=Imported assign=yes >/dev/null 2>&1
NETSH_IPSEC_DIR=$X "$NETSH" ipsec static exportpolicy file="$X/one" >/dev/null 2>&1
ok imp_assigned_setup set policy name="Server (Request Security)" assign=yes
run imp_assigned importpolicy file="$X/one.ipsec"
has imp_assigned_moves 'Assigned +: YES' S show policy name=Imported
eqn imp_assigned_one "$(S show policy all | grep -c 'Assigned *: YES')" 1
ok imp_cleanup delete policy name=Imported
printf 'garbage\n' > "$W/bad.ipsec"
rej imp_bad "import|format|recogn" importpolicy file="$W/bad.ipsec"
rej imp_missing "nonexistent|No such" importpolicy file="$W/nonexistent.ipsec"
rej exp_required "file" exportpolicy

# ---- show ---------------------------------------------------------------------------
has sh_all_list 'Policy Name +: Server \(Request Security\)' S show all
has sh_all_table "$(printf '\t')" S show all format=table
has sh_all_wide 'Policy Name' S show all format=LIST wide=YES
# format=table: every row of a table has as many tab-separated cells as its header.
tab_ok() {
	awk -F'\t' '/^$/ { n = 0; next } !n { n = NF; next } NF != n { bad++ } END { exit bad > 0 }'
}
for w in yes no; do
	bad=
	S show all format=table wide=$w | tab_ok || bad="$bad show-all"
	S show policy all level=verbose format=table wide=$w | tab_ok || bad="$bad policy"
	S show rule all policy="Server (Request Security)" level=verbose format=table wide=$w | tab_ok || bad="$bad rule"
	S show filterlist all level=verbose format=table wide=$w | tab_ok || bad="$bad filterlist"
	S show filteraction all level=verbose format=table wide=$w | tab_ok || bad="$bad filteraction"
	if [ -z "$bad" ]; then t_pass "sh_table_cells_wide_$w"; else t_fail "sh_table_cells_wide_$w" "ragged tables:$bad"; fi
done
rej sh_all_bad_format "format.*list.*table" show all format=csv
rej sh_all_bad_wide "wide.*yes.*no" show all wide=2
has sh_fa_name 'Filter Action Name +: Permit' S show filteraction name=Permit
has sh_fa_rule 'Filter Action Name +: Require Security' S show filteraction rule="All IP Traffic"
has sh_fa_all_verbose 'Security Methods' S show filteraction all level=verbose
has sh_fa_table "$(printf '\t')" S show filteraction all format=table wide=no
rej sh_fa_missing "Nope|not exist|no filter action" show filteraction name=Nope
rej sh_fa_bad_level "level.*(verbose.*normal|normal.*verbose)" show filteraction all level=high
has sh_fl_name 'Filter List Name +: All ICMP Traffic' S show filterlist name="All ICMP Traffic"
has sh_fl_rule 'Filter List Name +: All IP Traffic' S show filterlist rule="All IP Traffic"
has sh_fl_verbose 'Protocol +: ICMP' S show filterlist name="All ICMP Traffic" level=verbose
has sh_fl_resolvedns 'Source Address' S show filterlist all level=verbose resolvedns=yes
rej sh_fl_bad_resolvedns "resolvedns.*yes.*no" show filterlist all resolvedns=maybe
has sh_gpo_local 'assigned|Assigned|Policy' S show gpoassignedpolicy
rej sh_gpo_name "domain" show gpoassignedpolicy name=GPO
has sh_policy_name 'Policy Name +: Client \(Respond Only\)' S show policy name="Client (Respond Only)"
has sh_policy_verbose 'MM Security Methods' S show policy all level=verbose
has sh_policy_table "$(printf '\t')" S show policy all format=table wide=yes
rej sh_policy_missing "Nope|not exist|no polic" show policy name=Nope
has sh_rule_all 'Rule Name +: All IP Traffic' S show rule all policy="Server (Request Security)"
has sh_rule_id 'Rule ID +: 1' S show rule id=1 policy="Server (Request Security)"
has sh_rule_default 'Default Response Rule' S show rule default policy="Server (Request Security)"
has sh_rule_type 'Mode +: Transport' S show rule all policy="Server (Request Security)" type=transport
has sh_rule_verbose 'Authentication Methods' S show rule all policy="Server (Request Security)" level=verbose format=list wide=yes
rej sh_rule_bad_type "type.*transport.*tunnel" show rule all policy="Server (Request Security)" type=both
rej sh_rule_no_policy "policy" show rule all
rej sh_rule_type_needs_all "type|all" show rule id=1 policy="Server (Request Security)" type=tunnel
has sh_store 'local' S show store
ok sh_long_setup add filteraction name="A very long filter action name that goes on and on and on and on and on" description="$(printf 'x%.0s' $(seq 150))"
for v in "show all" "show all format=table" "show policy all level=verbose" "show filterlist all level=verbose format=table" "show filteraction all level=verbose"; do
	# shellcheck disable=SC2086
	m=$(S $v wide=no 2>&1 | expand | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	if [ "$m" -le 80 ]; then t_pass "sh_narrow_$(printf '%s' "$v" | tr ' =' '__')"; else t_fail "sh_narrow_$(printf '%s' "$v" | tr ' =' '__')" "a line of $m columns with wide=no"; fi
done
m=$(S show filteraction all level=verbose wide=yes | expand | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
if [ "$m" -gt 80 ]; then t_pass sh_wide_yes; else t_fail sh_wide_yes "wide=yes cut the long description ($m columns)"; fi

ok shx_p1 add policy name=SX1
ok shx_p2 add policy name=SX2
ok shx_l1 add filter SXL1 me any
ok shx_l2 add filter SXL2 me 10.0.0.1
ok shx_a1 add filteraction name=SXA1
ok shx_a2 add filteraction name=SXA2 action=block
ok shx_r1 add rule SXR SX1 SXL1 SXA1
ok shx_r2 add rule SXR SX2 SXL2 SXA2 10.9.9.9
ok shx_r3 add rule SXT SX2 SXL1 SXA1
eqn sh_fl_rule_every "$(S show filterlist rule=SXR | sed -n 's/^Filter List Name *: //p' | tr '\n' ' ')" "SXL1 SXL2 "
eqn sh_fa_rule_every "$(S show filteraction rule=SXR | sed -n 's/^Filter Action Name *: //p' | tr '\n' ' ')" "SXA1 SXA2 "
eqn sh_rule_tunnel_only "$(S show rule all policy=SX2 type=tunnel | sed -n 's/^Rule Name *: //p' | tr '\n' ' ')" "SXR "
eqn sh_rule_transport_only "$(S show rule all policy=SX2 type=TRANSPORT | sed -n 's/^Rule Name *: //p' | tr '\n' ' ')" "SXT <Default Response Rule> "
lacks sh_policy_normal_short 'MM Security Methods' S show policy name=SX2
lacks sh_rule_normal_short 'Authentication Methods' S show rule name=SXR policy=SX2
has sh_rule_verbose_action 'Action +: Block' S show rule name=SXR policy=SX2 level=verbose
ok shx_assign set policy name=SX2 assign=yes
has sh_gpo_assigned 'Policy Name +: SX2' S show gpoassignedpolicy
ok shx_cleanup delete policy all

# ---- set store ----------------------------------------------------------------------
ok st_persistent_one_cmd set store location=persistent
has st_argv_scope 'local' S show store
printf 'ipsec static\nset store location=PERSISTENT\nadd filterlist PERS\nshow store\n' > "$W/st.netsh"
has st_script_scope 'persistent' "$NETSH" -f "$W/st.netsh"
has st_persistent_written 'PERS' sqlite3 "$NETSH_IPSEC_DIR/persistent.db" .dump
lacks st_local_untouched 'filterlist name="PERS"' S dump
printf 'ipsec static\nset store persistent\nset store local\nshow store\n' > "$W/st2.netsh"
has st_back_to_local 'local' "$NETSH" -f "$W/st2.netsh"
rej st_domain "domain" set store location=domain
rej st_bad "location.*local.*persistent.*domain" set store location=remote
rej st_domain_param "domain" set store location=local domain=example.com
rej st_required "location" set store

# ---- set batch ----------------------------------------------------------------------
printf 'ipsec static\nset batch mode=enable\nadd filterlist B1\nadd filterlist B2\nset batch mode=disable\n' > "$W/b.netsh"
t_check batch_commit "$NETSH" -f "$W/b.netsh"
eqn batch_commit_v "$(count 'add filterlist name="B[12]"')" 2
printf 'ipsec static\nset batch enable\nadd filterlist B3\nadd filterlist name=all\nadd filterlist B4\nset batch disable\n' > "$W/b2.netsh"
before=$(snap)
if "$NETSH" -f "$W/b2.netsh" >/dev/null 2>&1; then t_fail batch_rollback "a failed batch exited 0"; else
	if [ "$before" = "$(snap)" ]; then t_pass batch_rollback; else t_fail batch_rollback "store changed by a failed batch"; fi
fi
printf 'ipsec static\nset batch mode=enable\nadd filterlist B5\n' > "$W/b3.netsh"
t_check batch_commit_at_end "$NETSH" -f "$W/b3.netsh"
eqn batch_commit_at_end_v "$(count 'add filterlist name="B5"')" 1
printf 'ipsec static\nset batch enable\nset store persistent\n' > "$W/b4.netsh"
t_fails batch_no_store_switch "$NETSH" -f "$W/b4.netsh"
rej batch_bad "mode.*enable.*disable" set batch mode=on
exit 0
