#!/bin/bash
# ipsec static set defaultrule|filteraction|filterlist|policy|rule.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/cli/lib/core.sh"
t_store

cat > "$NETSH_IPSEC_DIR/setup.txt" <<'S'
ipsec static
add filterlist L1
add filterlist L2
add filter L1 me any
add filteraction FA1
add filteraction FA2 action=permit
add policy P1
add policy P2 assign=yes
add rule name=R1 policy=P1 filterlist=L1 filteraction=FA1 kerberos=yes psk=one
add rule name=R2 policy=P1 filterlist=L2 filteraction=FA2
add rule name=R3 policy=P1 filterlist=L1 filteraction=FA2
S
t_check setup "$NETSH" -f "$NETSH_IPSEC_DIR/setup.txt"

# ---- set filterlist ------------------------------------------------------------
c_ok fl_rename $S set filterlist name=L1 newname=L1b description=changed
c_sql fl_renamed "L1b|changed" "select name, description from filterlists where name='L1b'"
c_sql fl_rule_follows "L1b" "select f.name from rules r join filterlists f on f.guid=r.filterlist_guid where r.name='R1'"
c_rej fl_missing "name: no filter list named 'Nope'" $S set filterlist name=Nope description=x
c_rej fl_newname_all "newname: .*reserved" $S set filterlist name=L1b newname=all
c_rej fl_newname_taken "already exists" $S set filterlist name=L1b newname=L2

# ---- set filteraction ------------------------------------------------------------
c_ok fa_set $S set filteraction name=FA1 qmpfs=yes inpass=yes soft=yes qmsecmethods="ESP[AES128,SHA1]:3600s"
c_sql fa_set_vals "1|1|1" "select qmpfs, inpass, soft from filteractions where name='FA1'"
c_sql fa_set_methods "0|3|2|100000|3600" \
	"select kind || '|' || esp_conf || '|' || esp_auth || '|' || lifetime_kb || '|' || lifetime_sec from qm_methods m join filteractions f on f.guid=m.fa_guid where f.name='FA1'"
guid=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select lower(guid) from filteractions where name='FA1'")
c_ok fa_by_guid $S set filteraction guid="$guid" newname=FA1b description=byguid
c_sql fa_by_guid_val "FA1b|byguid" "select name, description from filteractions where description='byguid'"
nobrace=$(printf '%s' "$guid" | tr -d '{}')
c_ok fa_by_guid_nobrace $S set filteraction guid=$nobrace description=nobrace
c_rej fa_permit_flags "qmpfs: cannot be yes when the action is permit" $S set filteraction name=FA2 qmpfs=yes
c_rej fa_to_block_flags "soft: cannot be yes when the action is block" $S set filteraction name=FA1b action=block soft=yes
c_ok fa_to_block $S set filteraction name=FA1b action=block
c_sql fa_block_clears "1|0|0|0" "select action, qmpfs, inpass, soft from filteractions where name='FA1b'"
c_rej fa_both "give only one of name= or guid=" $S set filteraction name=FA1b guid="$guid"
c_rej fa_neither "needs name= or guid=" $S set filteraction description=x
c_rej fa_bad_guid "not a GUID" $S set filteraction guid=1234
c_rej fa_unknown_guid "no filter action" $S set filteraction guid="{00000000-0000-0000-0000-000000000000}"
c_rej fa_newname_all "reserved" $S set filteraction name=FA1b newname=all
c_rej fa_newname_taken "already exists" $S set filteraction name=FA1b newname=FA2
dguid=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select guid from filteractions where type=1 limit 1")
c_rej fa_default_hidden "default response action" $S set filteraction guid="$dguid" action=block
c_rej fa_bad_methods "cannot both be none" $S set filteraction name=FA1b qmsecmethods="AH[SHA1+none,none]"

# ---- set policy -----------------------------------------------------------------
c_ok pol_set $S set policy name=P1 newname=P1b description=d qmpermm=3 mmlifetime=100 \
	pollinginterval=5 activatedefaultrule=no mmsecmethods="AES256-SHA1-14"
c_sql pol_set_vals "P1b|d|3|100|5" "select name, description, qmpermm, mmlifetime, pollinginterval from policies where name='P1b'"
c_sql pol_set_default_inactive "0" "select r.active from rules r join policies p on p.guid=r.policy_guid where p.name='P1b' and r.pos=0"
c_sql pol_set_mm "5|2|4" "select cipher || '|' || hash || '|' || dh_group from mm_methods m join policies p on p.guid=m.policy_guid where p.name='P1b'"
c_ok pol_mmpfs $S set policy name=P1b mmpfs=yes
c_sql pol_mmpfs_forces "1|1" "select mmpfs, qmpermm from policies where name='P1b'"
c_rej pol_mmpfs_conflict "qmpermm: with mmpfs=yes" $S set policy name=P1b qmpermm=4
c_ok pol_assign $S set policy name=P1b assign=yes
c_sql pol_assign_moves "P1b" "select name from policies where assigned=1"
c_ok pol_unassign $S set policy name=P1b assign=no
c_sql pol_none_assigned "0" "select count(*) from policies where assigned=1"
pguid=$(sqlite3 "$NETSH_IPSEC_DIR/local.db" "select lower(guid) from policies where name='P2'")
c_ok pol_by_guid $S set policy guid=$pguid description=viaguid
c_sql pol_by_guid_val "viaguid" "select description from policies where name='P2'"
c_rej pol_gponame "gponame: applies only to the domain store" $S set policy name=P2 gponame=GPO
c_rej pol_missing "no policy 'Nope'" $S set policy name=Nope description=x
c_rej pol_newname_taken "already exists" $S set policy name=P2 newname=P1b
c_rej pol_newname_all "reserved" $S set policy name=P2 newname=ALL

# ---- set rule ---------------------------------------------------------------------
c_ok rule_set $S set rule name=R2 policy=P1b newname=R2b description=dd filterlist=L1b filteraction=FA1b \
	tunnel=192.0.2.1 conntype=dialup activate=no
c_sql rule_set_vals "R2b|dd|L1b|FA1b|1|3221225985|2|0" \
	"select r.name, r.description, l.name, f.name, r.tunnel_set, r.tunnel_addr, r.conntype, r.active from rules r join filterlists l on l.guid=r.filterlist_guid join filteractions f on f.guid=r.filteraction_guid where r.name='R2b'"
c_sql rule_auth_kept "0" "select group_concat(kind) from auth_methods a join rules r on r.guid=a.rule_guid where r.name='R2b'"
c_ok rule_by_id $S set rule id=1 policy=P1b kerberos=no rootca="CN=A" psk=two
c_sql rule_auth_replaced "2|CN=A 1|two" "select kind || '|' || value from auth_methods a join rules r on r.guid=a.rule_guid where r.name='R1' order by a.pos"
c_ok rule_kerberos_only $S set rule name=R1 policy=P1b kerberos=yes
c_sql rule_auth_replaced2 "0" "select group_concat(kind) from auth_methods a join rules r on r.guid=a.rule_guid where r.name='R1'"
c_ok rule_transport $S set rule name=R2b policy=P1b tunnel=0.0.0.0
c_sql rule_transport_val "0" "select tunnel_set from rules where name='R2b'"
c_rej rule_id_range "id: policy 'P1b' has 3 rules" $S set rule id=4 policy=P1b activate=yes
c_rej rule_id_zero "id: 0 is out of range" $S set rule id=0 policy=P1b activate=yes
c_rej rule_missing "no rule named 'Nope'" $S set rule name=Nope policy=P1b activate=yes
c_rej rule_newname_taken "already has a rule named 'R3'" $S set rule name=R1 policy=P1b newname=R3
c_rej rule_bad_list "filterlist: no filter list named 'Nope'" $S set rule name=R1 policy=P1b filterlist=Nope
c_rej rule_bad_action "filteraction: no filter action named 'Nope'" $S set rule name=R1 policy=P1b filteraction=Nope
c_rej rule_kerb_no "kerberos=no leaves no authentication" $S set rule name=R1 policy=P1b kerberos=no
c_rej rule_no_policy "policy: required" $S set rule name=R1 activate=no

# ---- set defaultrule ------------------------------------------------------------
c_ok dr_set $S set defaultrule policy=P1b qmpfs=yes activate=yes qmsecmethods="ESP[3DES,SHA256] AH[SHA1]" \
	rootca="CN=Def certmap:no excludecaname:no" kerberos=yes
c_sql dr_vals "1|1" "select r.active, f.qmpfs from rules r join policies p on p.guid=r.policy_guid join filteractions f on f.guid=r.filteraction_guid where p.name='P1b' and r.pos=0"
c_sql dr_methods "2" "select count(*) from qm_methods q join rules r on r.filteraction_guid=q.fa_guid join policies p on p.guid=r.policy_guid where p.name='P1b' and r.pos=0"
c_sql dr_auth "2 0" "select kind from auth_methods a join rules r on r.guid=a.rule_guid join policies p on p.guid=r.policy_guid where p.name='P1b' and r.pos=0 order by a.pos"
c_ok dr_activate_only $S set defaultrule policy=P1b activate=no
c_sql dr_auth_kept "2 0" "select kind from auth_methods a join rules r on r.guid=a.rule_guid join policies p on p.guid=r.policy_guid where p.name='P1b' and r.pos=0 order by a.pos"
c_rej dr_missing "policy: no policy named 'Nope'" $S set defaultrule policy=Nope activate=no
c_rej dr_bad_methods "not a quick mode method" $S set defaultrule policy=P1b qmsecmethods="ESP"
