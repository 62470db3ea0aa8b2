#!/bin/bash
# ipsec static delete all|filter|filteraction|filterlist|policy|rule.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/cli/lib/core.sh"
t_store

cat > "$NETSH_IPSEC_DIR/setup.txt" <<'S'
ipsec static
add filter L1 me any
add filter L1 me any protocol=tcp dstport=80
add filter L1 me any protocol=tcp dstport=443
add filter L1 me 10.0.0.0 dstmask=8 mirrored=no
add filter L1 me localhost
add filter L1 any me
add filter L2 me any
add filterlist Lfree
add filteraction FA1
add filteraction FA2
add filteraction FAfree
add policy P1
add policy P2
add rule name=R1 policy=P1 filterlist=L1 filteraction=FA1
add rule name=R2 policy=P1 filterlist=L2 filteraction=FA2
add rule name=R3 policy=P1 filterlist=L1 filteraction=FA2
add rule name=R4 policy=P1 filterlist=L2 filteraction=FA1
add rule name=X1 policy=P2 filterlist=L2 filteraction=FA2
S
t_check setup "$NETSH" -f "$NETSH_IPSEC_DIR/setup.txt"
nf() { sqlite3 "$NETSH_IPSEC_DIR/local.db" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='$1'"; }

# ---- delete filter ---------------------------------------------------------------
c_ok f_exact $S delete filter L1 me any protocol=tcp dstport=443
c_sql f_exact_left "5" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='L1'"
c_ok f_wildcard $S delete filter filterlist=L1 srcaddr=me dstaddr=any
c_sql f_wildcard_left "3" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='L1'"
c_rej f_mirrored_mismatch "no filter in filter list 'L1' matches" $S delete filter L1 me 10.0.0.0 mirrored=yes
c_rej f_mask_mismatch "matches" $S delete filter L1 me 10.0.0.0 dstmask=16
c_ok f_mask_match $S delete filter L1 me 10.0.0.0 dstmask=255.0.0.0 mirrored=no
c_ok f_dns_by_name $S delete filter L1 me LOCALHOST
c_rej f_none "no filter in filter list 'L1' matches" $S delete filter L1 me any
c_rej f_no_list "filterlist: no filter list named 'Nope'" $S delete filter Nope me any
c_rej f_bad_mask "not a contiguous mask" $S delete filter L1 any me srcmask=255.255.0.255
c_rej f_port_proto "ports apply only" $S delete filter L1 any me protocol=icmp srcport=3
c_rej f_missing "dstaddr: required" $S delete filter L1 any
c_sql f_other_list_intact "1" "select count(*) from filters f join filterlists l on l.guid=f.list_guid where l.name='L2'"

# ---- delete rule -----------------------------------------------------------------------
c_ok r_by_id $S delete rule id=2 policy=P1
c_sql r_renumbered "R1|1 R3|2 R4|3" "select r.name || '|' || r.pos from rules r join policies p on p.guid=r.policy_guid where p.name='P1' and r.pos>0 order by r.pos"
c_ok r_by_name $S delete rule name=R1 policy=P1
c_sql r_renumbered2 "R3|1 R4|2" "select r.name || '|' || r.pos from rules r join policies p on p.guid=r.policy_guid where p.name='P1' and r.pos>0 order by r.pos"
c_rej r_id_range "id: policy 'P1' has 2 rules" $S delete rule id=3 policy=P1
c_rej r_missing "no rule named 'Nope'" $S delete rule name=Nope policy=P1
c_rej r_no_policy "policy: no policy named 'Nope'" $S delete rule name=R3 policy=Nope
c_rej r_both "give only one of name= or id=" $S delete rule name=R3 id=1 policy=P1
c_ok r_all $S delete rule all policy=P1
c_sql r_all_left "1" "select count(*) from rules r join policies p on p.guid=r.policy_guid where p.name='P1'"
c_sql r_default_stays "0" "select pos from rules r join policies p on p.guid=r.policy_guid where p.name='P1'"
c_sql r_auth_gone "3" "select count(*) from auth_methods"

# ---- delete filterlist / filteraction ---------------------------------------------------
c_rej fl_in_use "filter list 'L2' is used by rule 'X1' of policy 'P2'" $S delete filterlist L2
c_rej fa_in_use "filter action 'FA2' is used by rule 'X1' of policy 'P2'" $S delete filteraction name=FA2
c_rej fl_all_in_use "is used by rule" $S delete filterlist all
c_rej fa_all_in_use "is used by rule" $S delete filteraction all
c_ok fl_free $S delete filterlist name=Lfree
c_ok fa_free $S delete filteraction FAfree
c_rej fl_missing "name: no filter list named 'Lfree'" $S delete filterlist Lfree
c_rej fa_missing "name: no filter action named 'FAfree'" $S delete filteraction FAfree
c_ok fl_unused_now $S delete filterlist L1
c_sql fl_filters_gone "1" "select count(*) from filters"

# ---- delete policy ---------------------------------------------------------------------------
c_rej p_missing "name: no policy named 'Nope'" $S delete policy Nope
c_ok p_one $S delete policy name=P1
c_sql p_one_default_fa_gone "1" "select count(*) from filteractions where type=1"
c_ok p_all $S delete policy all
c_sql p_all_gone "0|0|0|0" "select (select count(*) from policies), (select count(*) from rules), (select count(*) from filteractions where type=1), (select count(*) from mm_methods)"
c_ok fa_all_now $S delete filteraction all
c_sql fa_all_gone "0|0" "select (select count(*) from filteractions), (select count(*) from qm_methods)"

# ---- delete all -----------------------------------------------------------------------------------
t_check refill "$NETSH" -f "$NETSH_IPSEC_DIR/setup.txt"
c_ok all $S delete all
c_sql all_empty "0|0|0|0|0|0|0|0" "select (select count(*) from policies), (select count(*) from rules), (select count(*) from filteractions), (select count(*) from filterlists), (select count(*) from filters), (select count(*) from auth_methods), (select count(*) from qm_methods), (select count(*) from mm_methods)"
c_ok all_empty_again $S delete all
c_rej all_params "takes no parameters" $S delete all name=x
