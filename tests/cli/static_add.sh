#!/bin/bash
# ipsec static add filter|filteraction|filterlist|policy|rule: success paths,
# defaults, and every rejection leaving the store unchanged.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/cli/lib/core.sh"
t_store

# ---- add filterlist -------------------------------------------------------
c_ok fl_add $S add filterlist name=L1 description="web servers"
c_sql fl_stored "L1|web servers" "select name, description from filterlists"
c_rej fl_dup "already exists" $S add filterlist name=L1
c_rej fl_all "reserved" $S add filterlist name=all
c_rej fl_all_case "reserved" $S add filterlist name=ALL
c_rej fl_empty "empty" $S add filterlist name=
c_rej fl_missing "name: required" $S add filterlist description=x
c_rej fl_badtag "bogus: unknown parameter" $S add filterlist name=x bogus=1
c_ok fl_positional $S add filterlist L2 "second list"
c_sql fl_positional_val "second list" "select description from filterlists where name='L2'"
c_ok fl_case_sensitive $S add filterlist name=l1
c_ok fl_abbrev_words $S a filterl n=L3 d=abbrev
c_sql fl_abbrev_val "abbrev" "select description from filterlists where name='L3'"

# ---- add filter ------------------------------------------------------------
c_ok f_basic $S add filter filterlist=L1 srcaddr=me dstaddr=any
c_sql f_defaults "1|0|4294967295|0|0|0|0|0|0|1" \
	"select src_kind, dst_kind, src_mask, dst_mask, dst_addr, protocol, srcport, dstport, length(description) > 0, mirrored from filters"
c_ok f_creates_list $S add filter filterlist=NEW srcaddr=10.1.2.3 dstaddr=me
c_sql f_created "1" "select count(*) from filterlists where name='NEW'"
c_ok f_prefix_mask $S add filter L1 192.168.1.0 me srcmask=24 protocol=TCP dstport=443
c_sql f_prefix_val "3232235776|4294967040|6|443" \
	"select src_addr, src_mask, protocol, dstport from filters where dstport=443"
c_ok f_dotted_mask $S add filter L1 10.0.0.0 me srcmask=255.0.0.0 protocol=udp srcport=53
c_sql f_dotted_val "4278190080|17|53" "select src_mask, protocol, srcport from filters where srcport=53"
c_ok f_mask_normalises $S add filter L1 172.16.5.9 me srcmask=16 description=norm
c_sql f_mask_norm_val "2886729728" "select src_addr from filters where description='norm'"
c_ok f_proto_num $S add filter L1 me any protocol=47 mirrored=no description=gre
c_sql f_proto_num_val "47|0" "select protocol, mirrored from filters where description='gre'"
c_ok f_proto_icmp $S add filter L1 me any protocol=icmp description=icmp
c_ok f_proto_raw $S add filter L1 me any protocol=RAW description=raw
c_sql f_proto_raw_val "255" "select protocol from filters where description='raw'"
c_ok f_port0_any_proto $S add filter L1 me any srcport=0 description=p0
c_ok f_dns_name $S add filter L1 me localhost description=dns
c_sql f_dns_val "3|localhost|2130706433" "select dst_kind, dst_dns, dst_addr from filters where description='dns'"
c_ok f_server_dns $S add filter L1 me DNS description=srv
c_ok f_server_wins $S add filter L1 WINS me description=srv2
c_sql f_server_kinds "1|4 5|1" "select src_kind || '|' || dst_kind from filters where description like 'srv%' order by id"
c_ok f_description_quoted $S add filter L1 me any description="a b  c"
c_sql f_description_val "1" "select count(*) from filters where description='a b  c'"
c_ok f_tags_case $S add filter FILTERLIST=L1 SrcAddr=Me DSTADDR=Any PROTOCOL=Tcp description=case
c_ok f_guid_set $S add filter L1 me any description=g
c_sql f_guid_fmt "1" "select count(*) from filters where description='g' and guid glob '{[0-9A-F]*-*-*-*-*}'"

c_rej f_noncontig "srcmask: 255.0.255.0 is not a contiguous mask; use a dotted mask like 255.255.0.0 or a prefix 1-32" \
	$S add filter L1 10.0.0.0 me srcmask=255.0.255.0
c_rej f_prefix0 "prefix 0 is out of range" $S add filter L1 10.0.0.0 me srcmask=0
c_rej f_prefix33 "prefix 33 is out of range" $S add filter L1 10.0.0.0 me dstmask=33
c_rej f_mask_garbage "not a mask" $S add filter L1 10.0.0.0 me dstmask=abc
c_rej f_mask_on_me "srcmask: a mask applies only" $S add filter L1 me any srcmask=24
c_ok f_default_mask_on_keywords $S add filter L1 me any srcmask=255.255.255.255 dstmask=0.0.0.0 description=dm
c_sql f_default_mask_val "4294967295|0" "select src_mask, dst_mask from filters where description='dm'"
c_rej f_mask0_on_me "srcmask: a mask applies only" $S add filter L1 me any srcmask=0.0.0.0
c_rej f_mask_on_any "dstmask: a mask applies only" $S add filter L1 me any dstmask=24
c_rej f_port_icmp "ports apply only with protocol=TCP or protocol=UDP" \
	$S add filter L1 me any protocol=icmp dstport=80
c_rej f_port_anyproto "srcport: ports apply only" $S add filter L1 me any srcport=80
c_rej f_port_range "not a port" $S add filter L1 me any protocol=tcp dstport=65536
c_rej f_port_neg "not a port" $S add filter L1 me any protocol=tcp dstport=-1
c_rej f_proto_range "not a protocol" $S add filter L1 me any protocol=256
c_rej f_proto_word "not a protocol" $S add filter L1 me any protocol=sctp
c_rej f_badip "srcaddr: .*not valid" $S add filter L1 1.2.3 me
c_rej f_badip2 "srcaddr: .*not valid" $S add filter L1 300.1.1.1 me
c_rej f_unresolvable "cannot resolve" $S add filter L1 me no-such-host.invalid
c_rej f_server_not_me "other side must be me" $S add filter L1 DNS any
c_rej f_server_both "other side must be me" $S add filter L1 DHCP GATEWAY
c_rej f_server_ip "other side must be me" $S add filter L1 10.0.0.1 gateway
c_rej f_me_me "cannot both be me" $S add filter L1 me me
c_rej f_mirrored_bad "use yes or no" $S add filter L1 me any mirrored=maybe
c_rej f_missing_dst "dstaddr: required" $S add filter L1 me
c_rej f_list_all "reserved" $S add filter all me any
c_rej f_twice "given more than once" $S add filter L1 me any protocol=tcp protocol=udp
c_rej f_too_many "too many values" $S add filter L1 me any desc tcp yes 24 24 1 2 extra
c_rej f_ambiguous_tag "ambiguous parameter" $S add filter L1 me any d=x
printf 'add filter L1 me any description="oops\n' > "$NETSH_IPSEC_DIR/q.txt"
c_rej f_unterminated_script "unterminated quote" -c "$S" -f "$NETSH_IPSEC_DIR/q.txt"

# ---- add filteraction ------------------------------------------------------
c_ok fa_default $S add filteraction name=FA1
c_sql fa_default_vals "2|0|0|0" "select action, qmpfs, inpass, soft from filteractions where name='FA1'"
c_sql fa_default_methods "0|2|2|100000|3600 0|2|1|100000|3600" \
	"select kind || '|' || esp_conf || '|' || esp_auth || '|' || lifetime_kb || '|' || lifetime_sec from qm_methods m join filteractions f on f.guid=m.fa_guid where f.name='FA1' order by pos"
c_ok fa_full $S add filteraction name=FA2 description=d qmpfs=yes inpass=yes soft=yes action=negotiate \
	qmsecmethods="ESP[3DES,SHA1]:50000k/1800s AH[SHA1] AH[MD5+DES,none]:30000k ESP[none,SHA1]:600s ESP [AES256, SHA256]"
c_sql fa_full_methods "0|0|2|2|50000|1800 1|2|0|0|100000|3600 2|1|1|0|30000|3600 0|0|0|2|100000|600 0|0|5|3|100000|3600" \
	"select kind || '|' || ah_hash || '|' || esp_conf || '|' || esp_auth || '|' || lifetime_kb || '|' || lifetime_sec from qm_methods m join filteractions f on f.guid=m.fa_guid where f.name='FA2' order by pos"
c_ok fa_block $S add filteraction name=FA3 action=block
c_sql fa_block_val "1" "select action from filteractions where name='FA3'"
out=$("$NETSH" $S add filteraction name=FA4 action=permit qmpfs=yes 2>&1)
if [ $? = 0 ] && printf '%s' "$out" | grep -q "warning: .*not used with action=permit"; then
	t_pass fa_permit_ignores_flags
else
	t_fail fa_permit_ignores_flags "$out"
fi
c_sql fa_permit_flags "0|0" "select action, qmpfs from filteractions where name='FA4'"
out=$("$NETSH" $S add filteraction name=FA5 qmsecmethods="ESP[DES,MD5]" 2>&1)
if [ $? = 0 ] && printf '%s' "$out" | grep -q "warning: qmsecmethods: DES is a weak"; then
	t_pass fa_weak_warning
else
	t_fail fa_weak_warning "$out"
fi
c_rej fa_dup "already exists" $S add filteraction name=FA1
c_rej fa_all "reserved" $S add filteraction name=all
c_rej fa_bad_action "use one of permit\|block\|negotiate" $S add filteraction name=X action=drop
c_rej fa_none_none "cannot both be none" $S add filteraction name=X qmsecmethods="ESP[none,none]"
c_rej fa_ah_none "not an integrity algorithm" $S add filteraction name=X qmsecmethods="AH[none]"
c_rej fa_bad_conf "not an encryption algorithm" $S add filteraction name=X qmsecmethods="ESP[RC4,SHA1]"
c_rej fa_bad_kind "not a quick mode method" $S add filteraction name=X qmsecmethods="GRE[3DES,SHA1]"
c_rej fa_bad_lifetime "lifetime" $S add filteraction name=X qmsecmethods="ESP[3DES,SHA1]:100k/10s"
c_rej fa_bad_lifetime_syntax "bad lifetime" $S add filteraction name=X qmsecmethods="ESP[3DES,SHA1]:lots"
c_rej fa_empty_methods "no method given" $S add filteraction name=X qmsecmethods=""
c_rej fa_bad_bool "qmpfs: .*use yes or no" $S add filteraction name=X qmpfs=1

# ---- add policy --------------------------------------------------------------
c_ok pol_default $S add policy name=P1
c_sql pol_defaults "0|0|480|180|0|" \
	"select mmpfs, qmpermm, mmlifetime, pollinginterval, assigned, gponame from policies where name='P1'"
c_sql pol_default_mm "2|2|2 2|1|2 2|2|3" \
	"select cipher || '|' || hash || '|' || dh_group from mm_methods m join policies p on p.guid=m.policy_guid where p.name='P1' order by pos"
c_sql pol_default_rule "1|1|0" \
	"select count(*), r.active, a.kind from rules r join policies p on p.guid=r.policy_guid join auth_methods a on a.rule_guid=r.guid where p.name='P1' and r.pos=0"
c_sql pol_default_fa "1|2|2" \
	"select f.type, f.action, (select count(*) from qm_methods q where q.fa_guid=f.guid) from filteractions f join rules r on r.filteraction_guid=f.guid join policies p on p.guid=r.policy_guid where p.name='P1' and r.pos=0"
c_ok pol_full $S add policy name=P2 description=two mmpfs=no qmpermm=5 mmlifetime=60 \
	activatedefaultrule=no pollinginterval=30 assign=yes mmsecmethods="AES128-SHA256-14 3DES-SHA1-19 AES256-SHA384-20 3DES-SHA1-24"
c_sql pol_full_vals "5|60|30|1" "select qmpermm, mmlifetime, pollinginterval, assigned from policies where name='P2'"
c_sql pol_full_mm "3|3|4 2|2|5 5|4|6 2|2|7" \
	"select cipher || '|' || hash || '|' || dh_group from mm_methods m join policies p on p.guid=m.policy_guid where p.name='P2' order by pos"
c_sql pol_inactive_default "0" "select r.active from rules r join policies p on p.guid=r.policy_guid where p.name='P2' and r.pos=0"
c_ok pol_assign_other $S add policy name=P3 assign=yes
c_sql pol_one_assigned "P3" "select name from policies where assigned=1"
c_ok pol_mmpfs $S add policy name=P4 mmpfs=yes
c_sql pol_mmpfs_qmpermm "1" "select qmpermm from policies where name='P4'"
c_ok pol_mmpfs_qmpermm1 $S add policy name=P5 mmpfs=yes qmpermm=1
out=$("$NETSH" $S add policy name=P6 mmsecmethods="DES-MD5-1" 2>&1)
if [ $? = 0 ] && printf '%s' "$out" | grep -q "warning: mmsecmethods"; then t_pass pol_weak_warning; else t_fail pol_weak_warning "$out"; fi
c_rej pol_mmpfs_conflict "qmpermm: with mmpfs=yes" $S add policy name=X mmpfs=yes qmpermm=3
c_rej pol_dup "already exists" $S add policy name=P1
c_rej pol_all "reserved" $S add policy name=All
c_rej pol_lifetime0 "mmlifetime: 0 is out of range" $S add policy name=X mmlifetime=0
c_rej pol_polling_big "pollinginterval: .*out of range" $S add policy name=X pollinginterval=99999999
c_rej pol_qmpermm_text "qmpermm: 'x' is not a number" $S add policy name=X qmpermm=x
c_rej pol_mm_group "not a Diffie-Hellman group" $S add policy name=X mmsecmethods="3DES-SHA1-5"
c_rej pol_mm_none "not an encryption algorithm" $S add policy name=X mmsecmethods="none-SHA1-2"
c_rej pol_mm_syntax "not a main mode method" $S add policy name=X mmsecmethods="3DES_SHA1_2"
c_rej pol_mm_hash "not a hash algorithm" $S add policy name=X mmsecmethods="3DES-SHA512-2"

# ---- add rule ------------------------------------------------------------------
c_ok rule_basic $S add rule name=R1 policy=P1 filterlist=L1 filteraction=FA1
c_sql rule_defaults "1|0|0|1|0|1" \
	"select r.pos, r.tunnel_set, r.conntype, r.active, a.kind, (select count(*) from auth_methods x where x.rule_guid=r.guid) from rules r join policies p on p.guid=r.policy_guid join auth_methods a on a.rule_guid=r.guid where p.name='P1' and r.name='R1'"
c_ok rule_full $S add rule name=R2 policy=P1 filterlist=L2 filteraction=FA2 tunnel=10.9.9.9 \
	conntype=lan activate=no description=full kerberos=yes \
	rootca="CN=Root, O=\'Example\' certmap:yes excludecaname:yes" psk=sekrit rootca="CN=Second"
c_sql rule_full_vals "2|1|168364297|1|0" \
	"select r.pos, r.tunnel_set, r.tunnel_addr, r.conntype, r.active from rules r where r.name='R2'"
c_sql rule_auth_order '0||0|0 2|CN=Root, O="Example"|1|1 1|sekrit|0|0 2|CN=Second|0|0' \
	"select kind || '|' || value || '|' || certmap || '|' || excludecaname from auth_methods a join rules r on r.guid=a.rule_guid where r.name='R2' order by a.pos"
c_ok rule_tunnel_dns $S add rule name=R3 policy=P1 filterlist=L1 filteraction=FA3 tunnel=localhost conntype=DIALUP
c_sql rule_tunnel_dns_val "1|2130706433|localhost|2" "select tunnel_set, tunnel_addr, tunnel_dns, conntype from rules where name='R3'"
c_ok rule_same_name_other_policy $S add rule name=R1 policy=P2 filterlist=L1 filteraction=FA1
c_ok rule_kerberos_no_psk $S add rule name=R4 policy=P1 filterlist=L1 filteraction=FA1 kerberos=no psk=k
c_sql rule_psk_only "1" "select group_concat(kind) from auth_methods a join rules r on r.guid=a.rule_guid where r.name='R4'"
c_rej rule_dup "already has a rule named 'R1'" $S add rule name=R1 policy=P1 filterlist=L1 filteraction=FA1
c_rej rule_no_policy "policy: no policy named 'Nope'" $S add rule name=X policy=Nope filterlist=L1 filteraction=FA1
c_rej rule_no_list "filterlist: no filter list named 'Nope'" $S add rule name=X policy=P1 filterlist=Nope filteraction=FA1
c_rej rule_no_action "filteraction: no filter action named 'Nope'" $S add rule name=X policy=P1 filterlist=L1 filteraction=Nope
c_rej rule_all "reserved" $S add rule name=all policy=P1 filterlist=L1 filteraction=FA1
c_rej rule_kerb_no_only "kerberos=no leaves no authentication" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 kerberos=no
c_rej rule_two_psk "psk: given more than once" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 psk=a psk=b
c_rej rule_empty_psk "cannot be empty" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 psk=
c_rej rule_rootca_opt "certmap:maybe is not allowed" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 rootca="CN=x certmap:maybe"
c_rej rule_rootca_empty "no certificate authority name" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 rootca="certmap:yes"
c_rej rule_conntype "use one of lan\|dialup\|all" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 conntype=wifi
c_rej rule_tunnel_me "tunnel: .*IPv4 address or a DNS name" $S add rule name=X policy=P1 filterlist=L1 filteraction=FA1 tunnel=1.2.3
c_rej rule_missing "filteraction: required" $S add rule name=X policy=P1 filterlist=L1

# ---- command words ---------------------------------------------------------------
c_rej unknown_cmd "'frobnicate' is not a valid command .* use add, set, .*delete" $S frobnicate
c_rej unknown_sub "'widget' is not a valid command .*filter, filteraction, filterlist, policy, rule" $S add widget
c_rej ambiguous_word "'f' is ambiguous; it could be filter, filteraction, filterlist" $S add f x
c_rej incomplete "incomplete command" $S add
