#!/bin/bash
# ipsec static show ...: every variant against a store built by netsh itself;
# pre-shared keys never shown; 80 columns with wide=no; errors name what exists.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
t_store
S="$NETSH ipsec static"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/show-cli.XXXXXX")
T_CLEANUP="${T_CLEANUP:-} rm -rf '$OUT';"

# has NAME PATTERN CMD...: CMD succeeds and its output contains PATTERN.
has() {
	local name=$1 pat=$2 out
	shift 2
	if ! out=$("$@" 2>&1); then t_fail "$name" "failed: $(printf '%s' "$out" | tail -n 1)"
	elif printf '%s' "$out" | grep -qF -- "$pat"; then t_pass "$name"
	else t_fail "$name" "no \"$pat\" in output"; fi
}
lacks() {
	local name=$1 pat=$2 out
	shift 2
	if ! out=$("$@" 2>&1); then t_fail "$name" "failed: $(printf '%s' "$out" | tail -n 1)"
	elif printf '%s' "$out" | grep -qF -- "$pat"; then t_fail "$name" "\"$pat\" in output"
	else t_pass "$name"; fi
}
# rej NAME PATTERN CMD...: CMD fails with PATTERN in its error.
rej() {
	local name=$1 pat=$2 out
	shift 2
	if out=$("$@" 2>&1); then t_fail "$name" "succeeded"
	elif printf '%s' "$out" | grep -qF -- "$pat"; then t_pass "$name"
	else t_fail "$name" "error lacks \"$pat\": $(printf '%s' "$out" | tail -n 1)"; fi
}
# Every line within 80 columns (tabs expanded).
fits80() {
	local name=$1 long
	shift
	long=$("$@" 2>&1 | expand | awk 'length($0) > 80' | head -n 1)
	if [ -z "$long" ]; then t_pass "$name"; else t_fail "$name" "long line: $long"; fi
}

t_check build "$NETSH" -f "$TOP/tests/cli/show_store.netsh"
t_check examples $S restorepolicyexamples release=Win2003

# ---- show policy -----------------------------------------------------------
has pol_name "Policy Name             : Branch office" $S show policy name="Branch office"
has pol_assigned "Assigned                : YES" $S show policy name=Second
has pol_rules "Rule Name               : to web" $S show policy name="Branch office"
has pol_default_rule "Rule ID                 : default" $S show policy "Branch office"
lacks pol_normal_no_mm "MM Security Methods" $S show policy name="Branch office"
has pol_verbose_mm "AES128-SHA256-14" $S show policy name="Branch office" level=verbose
has pol_verbose_auth "Root CA: CN=Root \"A\", O=Example" $S show policy name="Branch office" level=verbose wide=yes
has pol_all "Secure Server (Require Security)" $S show policy all
has pol_store "Store                   : Local Store" $S show policy all
rej pol_unknown 'Policy "nope" does not exist; policies: "Branch office", "Second"' $S show policy name=nope
rej pol_required "name" $S show policy

# ---- show rule -------------------------------------------------------------
has rule_id "Rule Name               : blocked" $S show rule id=2 policy="Branch office"
has rule_name "Tunnel Endpoint         : 198.51.100.1" $S show rule name="to web" policy="Branch office"
has rule_default "Rule Name               : <Default Response Rule>" $S show rule default policy="Branch office"
has rule_all "Rule Name               : blocked" $S show rule all policy="Branch office"
lacks rule_tunnel_only "blocked" $S show rule all policy="Branch office" type=tunnel
lacks rule_transport_only "to web" $S show rule all policy="Branch office" type=transport
has rule_verbose_fa "Security Methods        : ESP[AES256,SHA256]:50000k/900s" $S show rule name="to web" policy="Branch office" level=verbose
rej rule_type_needs_all "type= can only be used with name=all" $S show rule id=1 policy="Branch office" type=tunnel
rej rule_bad_id "IDs 1 to 2" $S show rule id=7 policy="Branch office"
rej rule_unknown 'its rules: "to web", "blocked"' $S show rule name=zz policy="Branch office"
rej rule_no_policy "policy" $S show rule all

# ---- show filterlist / filteraction ----------------------------------------
has fl_normal "Number of Filters       : 3" $S show filterlist name="Web servers"
lacks fl_normal_no_filters "Source Address" $S show filterlist name="Web servers"
has fl_verbose_mask "Destination Mask        : 255.255.255.0" $S show filterlist name="Web servers" level=verbose
has fl_verbose_server "Destination Address     : <DNS Servers>" $S show filterlist name="Web servers" level=verbose
has fl_verbose_proto "Protocol                : 47" $S show filterlist name="Web servers" level=verbose
has fl_verbose_me "Source Address          : <My IP Address>" $S show filterlist name="Web servers" level=verbose
has fl_by_rule "Filter List Name        : Web servers" $S show filterlist rule="to web"
lacks fl_by_rule_only "All ICMP" $S show filterlist rule="to web"
has fl_all "All ICMP Traffic" $S show filterlist all
rej fl_unknown 'Filter list "x" does not exist; filter lists:' $S show filterlist name=x
has fa_normal "Action                  : Block" $S show filteraction name="Block all"
lacks fa_normal_no_store "Store" $S show filteraction name=Strong
has fa_verbose_store "Store                   : Local Store" $S show filteraction name=Strong level=verbose
has fa_verbose_pfs "QM PFS                  : YES" $S show filteraction name=Strong level=verbose
has fa_by_rule "Filter Action Name      : Block all" $S show filteraction rule=blocked
lacks fa_hidden_default "Default Response" $S show filteraction all
rej fa_unknown '"Strong"' $S show filteraction name=x

# ---- show gpoassignedpolicy, show all --------------------------------------
has gpo_local "Policy Name             : Second" $S show gpoassignedpolicy
rej gpo_name_local "domain" $S show gpoassignedpolicy name=x
has all_sections "Filter Actions" $S show all
has all_guid "{7238523A-70FA-11D1-864C-14A300000000}" $S show all

# ---- keys, layout ------------------------------------------------------------
for v in "" "format=table" "wide=yes" "format=table wide=yes" "level=normal"; do
	lacks "psk_hidden${v:+_${v// /_}}" "rule-psk-1" $S show all $v
	lacks "psk_hidden_default${v:+_${v// /_}}" "default-psk" $S show all $v
done
has psk_masked "Preshared Key (********)" $S show rule name="to web" policy="Branch office" level=verbose
fits80 narrow_list $S show all
fits80 narrow_table $S show all format=table
fits80 narrow_policy $S show policy all level=verbose
has table_header "$(printf 'Policy Name\tLast Modified\tAssigned\tNumber of Rules')" $S show policy all format=table
has table_wide "$(printf 'Policy Name\tDescription\tStore\t')" $S show policy all format=table wide=yes

# ---- persistent store is named --------------------------------------------
printf 'ipsec static set store location=persistent\nipsec static add filterlist name=P\nipsec static show filterlist name=P\n' >"$OUT/p.netsh"
has store_persistent "Store                   : Persistent Store" "$NETSH" -f "$OUT/p.netsh"
