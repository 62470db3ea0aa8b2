// SPDX-License-Identifier: GPL-2.0
/* ipsec static add filter|filteraction|filterlist|policy|rule */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "lib/guid.h"
#include "lib/values.h"

static const struct ns_param add_filter_params[] = {
	{.tag = "filterlist", .type = NS_PT_NAME, .flags = NS_P_REQ,
	 .help = "Filter list to add the filter to; created when missing."},
	{.tag = "srcaddr", .type = NS_PT_ADDR, .flags = NS_P_REQ,
	 .help = "Source: me, any, an IPv4 address, a DNS name (resolved now) or a server type."},
	{.tag = "dstaddr", .type = NS_PT_ADDR, .flags = NS_P_REQ, .help = "Destination, as srcaddr."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "protocol", .type = NS_PT_PROTO, .defval = "any", .help = "IP protocol."},
	{.tag = "mirrored", .type = NS_PT_BOOL, .defval = "yes",
	 .help = "Also match the reverse direction."},
	{.tag = "srcmask", .type = NS_PT_MASK, .defval = "255.255.255.255",
	 .help = "Source mask (only with an address or DNS name)."},
	{.tag = "dstmask", .type = NS_PT_MASK, .defval = "255.255.255.255",
	 .help = "Destination mask (only with an address or DNS name)."},
	{.tag = "srcport", .type = NS_PT_PORT, .defval = "0 (any)", .help = "Only with TCP or UDP."},
	{.tag = "dstport", .type = NS_PT_PORT, .defval = "0 (any)", .help = "Only with TCP or UDP."},
	{0},
};

static bool is_server(enum ns_addr_kind k)
{
	return k >= NS_ADDR_SRV_DNS;
}

static const char *kind_word(enum ns_addr_kind k)
{
	static const char *const w[] = {"any", "me", "an address", "a DNS name", "DNS",
					"WINS", "DHCP", "GATEWAY"};

	return (unsigned)k < 8 ? w[k] : "?";
}

static bool has_mask(enum ns_addr_kind k)
{
	return k == NS_ADDR_IP || k == NS_ADDR_DNS_NAME;
}

static bool mask_implied(enum ns_addr_kind k, uint32_t mask)
{
	return mask == 0xffffffffu || (k == NS_ADDR_ANY && mask == 0);
}

/* Masks, server types and ports: shared by add filter and delete filter. */
int ns_filter_check(const struct ns_args *a, struct ns_filter *f, char *err, size_t errlen)
{
	const struct ns_arg *sm = ns_arg_get(a, "srcmask"), *dm = ns_arg_get(a, "dstmask");
	const struct ns_arg *sp = ns_arg_get(a, "srcport"), *dp = ns_arg_get(a, "dstport");

	/* Restating the default mask next to a keyword is harmless (scripts
	 * do it); any other mask there has no meaning. */
	if (sm && !has_mask(f->src.kind) && mask_implied(f->src.kind, sm->u))
		sm = NULL;
	if (dm && !has_mask(f->dst.kind) && mask_implied(f->dst.kind, dm->u))
		dm = NULL;
	if (sm) {
		if (!has_mask(f->src.kind))
			return ns_err(err, errlen, -EINVAL,
				      "srcmask: a mask applies only to an address or DNS name, not "
				      "to %s",
				      kind_word(f->src.kind));
		f->src.mask = sm->u;
	}
	if (dm) {
		if (!has_mask(f->dst.kind))
			return ns_err(err, errlen, -EINVAL,
				      "dstmask: a mask applies only to an address or DNS name, not "
				      "to %s",
				      kind_word(f->dst.kind));
		f->dst.mask = dm->u;
	}
	if (f->src.kind == NS_ADDR_IP)
		f->src.addr &= f->src.mask;
	if (f->dst.kind == NS_ADDR_IP)
		f->dst.addr &= f->dst.mask;
	if (f->src.kind == NS_ADDR_ME && f->dst.kind == NS_ADDR_ME)
		return ns_err(err, errlen, -EINVAL,
			      "dstaddr: srcaddr and dstaddr cannot both be me; use any or an "
			      "address on one side");
	if (is_server(f->src.kind) && f->dst.kind != NS_ADDR_ME)
		return ns_err(err, errlen, -EINVAL,
			      "dstaddr: with srcaddr=%s (a server type) the other side must be me",
			      kind_word(f->src.kind));
	if (is_server(f->dst.kind) && f->src.kind != NS_ADDR_ME)
		return ns_err(err, errlen, -EINVAL,
			      "srcaddr: with dstaddr=%s (a server type) the other side must be me",
			      kind_word(f->dst.kind));
	if ((sp && sp->u) || (dp && dp->u)) {
		if (f->protocol != NS_PROTO_TCP && f->protocol != NS_PROTO_UDP)
			return ns_err(err, errlen, -EINVAL,
				      "%s: ports apply only with protocol=TCP or protocol=UDP",
				      sp && sp->u ? "srcport" : "dstport");
	}
	f->srcport = sp ? (uint16_t)sp->u : 0;
	f->dstport = dp ? (uint16_t)dp->u : 0;
	return 0;
}

static int add_filter(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const struct ns_arg *x;
	struct ns_filterlist fl;
	struct ns_filter f = {0};
	const char *list = ns_arg_get(a, "filterlist")->s;
	int rc;

	rc = ns_endpoint_copy(&f.src, &ns_arg_get(a, "srcaddr")->ep);
	if (!rc)
		rc = ns_endpoint_copy(&f.dst, &ns_arg_get(a, "dstaddr")->ep);
	if (rc)
		goto out;
	x = ns_arg_get(a, "protocol");
	f.protocol = x ? (uint8_t)x->u : NS_PROTO_ANY;
	x = ns_arg_get(a, "mirrored");
	f.mirrored = x ? x->b : true;
	x = ns_arg_get(a, "description");
	f.description = strdup(x ? x->s : "");
	if (!f.description) {
		rc = -ENOMEM;
		goto out;
	}
	rc = ns_filter_check(a, &f, err, errlen);
	if (rc)
		goto out;
	rc = ns_guid_new(f.guid);
	if (rc)
		goto out;
	rc = ns_so_get_filterlist(st, list, NULL, false, &fl, err, errlen);
	if (rc == -ENOENT) {
		memset(&fl, 0, sizeof(fl));
		fl.name = strdup(list);
		fl.description = strdup("");
		fl.whenchanged = ns_now();
		rc = !fl.name || !fl.description ? -ENOMEM : ns_guid_new(fl.guid);
		if (!rc)
			rc = ns_so_put_filterlist(st, &fl, false, err, errlen);
	}
	if (!rc)
		rc = ns_so_add_filter(st, fl.guid, &f, err, errlen);
	ns_filterlist_free(&fl);
out:
	ns_filter_free(&f);
	return rc;
}

static const struct ns_param add_filteraction_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Name of the new action."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "qmpfs", .type = NS_PT_BOOL, .defval = "no",
	 .help = "Fresh Diffie-Hellman exchange for every quick mode key."},
	{.tag = "inpass", .type = NS_PT_BOOL, .defval = "no",
	 .help = "Accept unsecured inbound traffic but answer with IPsec."},
	{.tag = "soft", .type = NS_PT_BOOL, .defval = "no",
	 .help = "Fall back to clear text with peers that do not speak IKE."},
	{.tag = "action", .type = NS_PT_ENUM, .choices = ns_choices_action, .defval = "negotiate",
	 .help = "What to do with matching traffic."},
	{.tag = "qmsecmethods", .type = NS_PT_QMSEC,
	 .defval = "\"ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s\"",
	 .help = "Quick mode methods in order of preference."},
	{0},
};

static int add_filteraction(struct ns_session *s, const struct ns_args *a, char *err,
			    size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	struct ns_filteraction fa = {0}, old;
	const char *name = ns_arg_get(a, "name")->s;
	const struct ns_arg *x, *qm = ns_arg_get(a, "qmsecmethods");
	int rc;

	rc = ns_so_get_filteraction(st, name, NULL, &old, err, errlen);
	if (rc == 0) {
		ns_filteraction_free(&old);
		return ns_err(err, errlen, -EEXIST,
			      "name: a filter action named '%s' already exists", name);
	}
	if (rc != -ENOENT)
		return rc;
	x = ns_arg_get(a, "action");
	fa.action = x ? (enum ns_action)x->u : NS_ACTION_NEGOTIATE;
	x = ns_arg_get(a, "qmpfs");
	fa.qmpfs = x && x->b;
	x = ns_arg_get(a, "inpass");
	fa.inpass = x && x->b;
	x = ns_arg_get(a, "soft");
	fa.soft = x && x->b;
	if (fa.action != NS_ACTION_NEGOTIATE) {
		if (fa.qmpfs || fa.inpass || fa.soft || qm)
			ns_warn(s, "qmpfs, inpass, soft and qmsecmethods are not used with action=%s",
				ns_choices_action[fa.action]);
		fa.qmpfs = fa.inpass = fa.soft = false;
		qm = NULL;
	}
	if (qm) {
		ns_warn_qm(s, qm->qm.v, qm->qm.n);
		fa.n_methods = qm->qm.n;
	} else {
		fa.n_methods = 2;
	}
	fa.methods = calloc(fa.n_methods, sizeof(*fa.methods));
	fa.name = strdup(name);
	x = ns_arg_get(a, "description");
	fa.description = strdup(x ? x->s : "");
	if (!fa.methods || !fa.name || !fa.description) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(fa.methods, qm ? qm->qm.v : ns_default_qm_methods,
	       fa.n_methods * sizeof(*fa.methods));
	fa.type = NS_FA_NORMAL;
	fa.whenchanged = ns_now();
	rc = ns_guid_new(fa.guid);
	if (!rc)
		rc = ns_so_put_filteraction(st, &fa, err, errlen);
out:
	ns_filteraction_free(&fa);
	return rc;
}

static const struct ns_param add_filterlist_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Name of the new list."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{0},
};

static int add_filterlist(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	struct ns_filterlist fl = {0};
	const char *name = ns_arg_get(a, "name")->s;
	const struct ns_arg *d = ns_arg_get(a, "description");
	int rc;

	rc = ns_so_get_filterlist(st, name, NULL, false, &fl, err, errlen);
	ns_filterlist_free(&fl);
	if (rc == 0)
		return ns_err(err, errlen, -EEXIST, "name: a filter list named '%s' already exists",
			      name);
	if (rc != -ENOENT)
		return rc;
	fl.name = strdup(name);
	fl.description = strdup(d ? d->s : "");
	fl.whenchanged = ns_now();
	rc = !fl.name || !fl.description ? -ENOMEM : ns_guid_new(fl.guid);
	if (!rc)
		rc = ns_so_put_filterlist(st, &fl, false, err, errlen);
	ns_filterlist_free(&fl);
	return rc;
}

static const struct ns_param add_policy_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Name of the new policy."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "mmpfs", .type = NS_PT_BOOL, .defval = "no",
	 .help = "Master key PFS: a new main mode for every quick mode (forces qmpermm=1)."},
	{.tag = "qmpermm", .type = NS_PT_UINT, .min = 0, .max = NS_QMPERMM_MAX,
	 .defval = "0 (unlimited)", .help = "Quick modes per main mode."},
	{.tag = "mmlifetime", .type = NS_PT_UINT, .min = NS_MMLIFETIME_MIN,
	 .max = NS_MMLIFETIME_MAX, .defval = "480", .help = "Main mode lifetime in minutes."},
	{.tag = "activatedefaultrule", .type = NS_PT_BOOL, .defval = "yes",
	 .help = "Activate the default response rule."},
	{.tag = "pollinginterval", .type = NS_PT_UINT, .min = 0, .max = NS_POLLING_MAX,
	 .defval = "180", .help = "Minutes between checks for policy changes."},
	{.tag = "assign", .type = NS_PT_BOOL, .defval = "no",
	 .help = "Assign this policy (unassigns the one assigned before)."},
	{.tag = "mmsecmethods", .type = NS_PT_MMSEC, .defval = "\"3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3\"",
	 .help = "Main mode methods in order of preference."},
	{0},
};

/* The hidden action and the default response rule every policy owns. */
int ns_policy_make_default_rule(struct ns_policy *p, bool active, struct ns_filteraction *fa)
{
	struct ns_rule *r = &p->default_rule;
	int rc;

	memset(fa, 0, sizeof(*fa));
	fa->type = NS_FA_DEFAULT_RESPONSE;
	fa->action = NS_ACTION_NEGOTIATE;
	fa->name = strdup("Default Response");
	fa->description = strdup("");
	fa->whenchanged = ns_now();
	fa->n_methods = 2;
	fa->methods = calloc(2, sizeof(*fa->methods));
	r->name = strdup("");
	r->description = strdup("");
	r->auth = calloc(1, sizeof(*r->auth));
	if (!fa->name || !fa->description || !fa->methods || !r->name || !r->description ||
	    !r->auth)
		return -ENOMEM;
	memcpy(fa->methods, ns_default_qm_methods, sizeof(ns_default_qm_methods));
	r->n_auth = 1;
	r->auth[0].kind = NS_AUTH_KERBEROS;
	r->auth[0].value = strdup("");
	if (!r->auth[0].value)
		return -ENOMEM;
	r->is_default = true;
	r->active = active;
	r->conntype = NS_CONN_ALL;
	r->whenchanged = fa->whenchanged;
	rc = ns_guid_new(fa->guid);
	if (!rc)
		rc = ns_guid_new(r->guid);
	memcpy(r->filteraction_guid, fa->guid, sizeof(fa->guid));
	return rc;
}

static int add_policy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	struct ns_policy p = {0};
	struct ns_filteraction fa = {0};
	const char *name = ns_arg_get(a, "name")->s;
	const struct ns_arg *x, *mm = ns_arg_get(a, "mmsecmethods");
	const struct ns_arg *qmpermm = ns_arg_get(a, "qmpermm");
	bool active;
	int rc;

	rc = ns_so_get_policy_head(st, name, NULL, &p, err, errlen);
	ns_policy_free(&p);
	if (rc == 0)
		return ns_err(err, errlen, -EEXIST, "name: a policy named '%s' already exists", name);
	if (rc != -ENOENT)
		return rc;
	x = ns_arg_get(a, "mmpfs");
	p.mmpfs = x && x->b;
	if (p.mmpfs && qmpermm && qmpermm->u != 1)
		return ns_err(err, errlen, -EINVAL,
			      "qmpermm: with mmpfs=yes every quick mode gets its own main mode, so "
			      "qmpermm is fixed at 1");
	p.qmpermm = p.mmpfs ? 1 : qmpermm ? qmpermm->u : 0;
	x = ns_arg_get(a, "mmlifetime");
	p.mmlifetime_min = x ? x->u : NS_DEFAULT_MMLIFETIME_MIN;
	x = ns_arg_get(a, "pollinginterval");
	p.pollinginterval_min = x ? x->u : NS_DEFAULT_POLLING_MIN;
	x = ns_arg_get(a, "assign");
	p.assigned = x && x->b;
	x = ns_arg_get(a, "activatedefaultrule");
	active = x ? x->b : true;
	if (mm)
		ns_warn_mm(s, mm->mm.v, mm->mm.n);
	p.n_mm_methods = mm ? mm->mm.n : 3;
	p.mm_methods = calloc(p.n_mm_methods, sizeof(*p.mm_methods));
	p.name = strdup(name);
	x = ns_arg_get(a, "description");
	p.description = strdup(x ? x->s : "");
	p.gponame = strdup("");
	if (!p.mm_methods || !p.name || !p.description || !p.gponame) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(p.mm_methods, mm ? mm->mm.v : ns_default_mm_methods,
	       p.n_mm_methods * sizeof(*p.mm_methods));
	p.whenchanged = ns_now();
	rc = ns_guid_new(p.guid);
	if (!rc)
		rc = ns_guid_new(p.isakmp_guid);
	if (!rc)
		rc = ns_policy_make_default_rule(&p, active, &fa);
	if (!rc)
		rc = ns_so_put_filteraction(st, &fa, err, errlen);
	if (!rc)
		rc = ns_so_put_policy(st, &p, err, errlen);
	if (!rc && p.assigned)
		rc = ns_so_unassign_others(st, p.guid, err, errlen);
out:
	ns_filteraction_free(&fa);
	ns_policy_free(&p);
	return rc;
}

static const struct ns_param add_rule_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Name of the new rule."},
	{.tag = "policy", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Policy to add it to."},
	{.tag = "filterlist", .type = NS_PT_NAME, .flags = NS_P_REQ,
	 .help = "Existing filter list."},
	{.tag = "filteraction", .type = NS_PT_NAME, .flags = NS_P_REQ,
	 .help = "Existing filter action."},
	{.tag = "tunnel", .type = NS_PT_HOST, .defval = "none (transport mode)",
	 .help = "Tunnel endpoint address or DNS name."},
	{.tag = "conntype", .type = NS_PT_ENUM, .choices = ns_choices_conntype, .defval = "all",
	 .help = "Interfaces the rule applies to."},
	{.tag = "activate", .type = NS_PT_BOOL, .defval = "yes", .help = "Rule is active."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "kerberos", .type = NS_PT_BOOL, .help = "Kerberos authentication."},
	{.tag = "psk", .type = NS_PT_STRING, .help = "Preshared key (weak)."},
	{.tag = "rootca", .type = NS_PT_ROOTCA, .flags = NS_P_MULTI,
	 .help = "Certificate authority; \\' inside stands for a quote."},
	{0},
};

static int add_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	struct ns_policy p;
	struct ns_filterlist fl = {0};
	struct ns_filteraction fa = {0};
	struct ns_rule rule = {0}, *r = &rule;
	const char *name = ns_arg_get(a, "name")->s;
	const struct ns_arg *x;
	unsigned n;
	bool given;
	int rc;

	rc = ns_policy_head_named(st, ns_arg_get(a, "policy")->s, &p, err, errlen);
	if (rc)
		return rc;
	rc = ns_so_get_rule(st, p.guid, name, -1, r, NULL, err, errlen);
	ns_rule_free(r);
	if (rc == 0) {
		rc = ns_err(err, errlen, -EEXIST, "name: policy '%s' already has a rule named '%s'",
			    p.name, name);
		goto out;
	}
	if (rc != -ENOENT)
		goto out;
	rc = ns_so_get_filterlist(st, ns_arg_get(a, "filterlist")->s, NULL, false, &fl, err,
				  errlen);
	if (rc) {
		if (rc == -ENOENT)
			ns_err(err, errlen, rc, "filterlist: no filter list named '%s'",
			       ns_arg_get(a, "filterlist")->s);
		goto out;
	}
	rc = ns_so_get_filteraction(st, ns_arg_get(a, "filteraction")->s, NULL, &fa, err, errlen);
	if (rc) {
		if (rc == -ENOENT)
			ns_err(err, errlen, rc, "filteraction: no filter action named '%s'",
			       ns_arg_get(a, "filteraction")->s);
		goto out;
	}
	r->name = strdup(name);
	x = ns_arg_get(a, "description");
	r->description = strdup(x ? x->s : "");
	if (!r->name || !r->description) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(r->filterlist_guid, fl.guid, sizeof(fl.guid));
	memcpy(r->filteraction_guid, fa.guid, sizeof(fa.guid));
	x = ns_arg_get(a, "tunnel");
	if (x && (rc = ns_rule_set_tunnel(r, x)))
		goto out;
	x = ns_arg_get(a, "conntype");
	r->conntype = x ? ns_conntype_from_choice(x->u) : NS_CONN_ALL;
	x = ns_arg_get(a, "activate");
	r->active = x ? x->b : true;
	r->whenchanged = ns_now();
	rc = ns_auth_from_args(s, a, &given, &r->auth, &r->n_auth, err, errlen);
	if (rc)
		goto out;
	if (!given) {
		/* No method named: the dynamic default, Kerberos. */
		r->auth = calloc(1, sizeof(*r->auth));
		if (!r->auth || !(r->auth[0].value = strdup(""))) {
			rc = -ENOMEM;
			goto out;
		}
		r->auth[0].kind = NS_AUTH_KERBEROS;
		r->n_auth = 1;
	}
	rc = ns_guid_new(r->guid);
	if (!rc)
		rc = ns_so_rule_count(st, p.guid, &n, err, errlen);
	if (!rc)
		rc = ns_so_put_rule(st, p.guid, n + 1, r, err, errlen);
	if (!rc) {
		p.whenchanged = ns_now();
		rc = ns_so_put_policy_head(st, &p, err, errlen);
	}
out:
	ns_rule_free(&rule);
	ns_filterlist_free(&fl);
	ns_filteraction_free(&fa);
	ns_policy_free(&p);
	return rc;
}

const struct ns_cmd ns_cmds_static_add[] = {
	{.ctx = NS_CTX_STATIC, .words = {"add", "filter"}, .params = add_filter_params,
	 .flags = NS_CMD_WRITE, .run = add_filter,
	 .summary = "Adds a filter to a filter list (creating the list when missing).",
	 .help = "  A server type (wins, dns, dhcp, gateway) on one side needs me on the other.\n"
		 "  DNS names are resolved now; the name is kept for display."},
	{.ctx = NS_CTX_STATIC, .words = {"add", "filteraction"}, .params = add_filteraction_params,
	 .flags = NS_CMD_WRITE, .run = add_filteraction,
	 .summary = "Creates a filter action.",
	 .help = "  With action=permit or block, qmpfs, inpass, soft and qmsecmethods are ignored\n"
		 "  (a warning says so)."},
	{.ctx = NS_CTX_STATIC, .words = {"add", "filterlist"}, .params = add_filterlist_params,
	 .flags = NS_CMD_WRITE, .run = add_filterlist, .summary = "Creates an empty filter list."},
	{.ctx = NS_CTX_STATIC, .words = {"add", "policy"}, .params = add_policy_params,
	 .flags = NS_CMD_WRITE, .run = add_policy,
	 .summary = "Creates a policy with its default response rule."},
	{.ctx = NS_CTX_STATIC, .words = {"add", "rule"}, .params = add_rule_params,
	 .flags = NS_CMD_WRITE, .run = add_rule,
	 .summary = "Adds a rule linking a filter list and a filter action to a policy.",
	 .help = "  Authentication methods are tried in the order given; none given means\n"
		 "  Kerberos."},
	{0},
};
