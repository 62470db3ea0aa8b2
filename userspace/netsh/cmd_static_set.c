// SPDX-License-Identifier: GPL-2.0
/* ipsec static set defaultrule|filteraction|filterlist|policy|rule */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"

/* Replace *dst with a copy of src. */
static int set_str(char **dst, const char *src)
{
	char *n = strdup(src);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static int replace_qm(struct ns_filteraction *fa, const struct ns_arg *x)
{
	struct ns_qm_method *m = calloc(x->qm.n, sizeof(*m));

	if (!m)
		return -ENOMEM;
	memcpy(m, x->qm.v, x->qm.n * sizeof(*m));
	free(fa->methods);
	fa->methods = m;
	fa->n_methods = x->qm.n;
	return 0;
}

/* kerberos=/psk=/rootca= given: the new list replaces the old one whole. */
static int replace_auth(struct ns_session *s, struct ns_rule *r, const struct ns_args *a,
			char *err, size_t errlen)
{
	struct ns_auth *v;
	size_t n;
	bool given;
	int rc = ns_auth_from_args(s, a, &given, &v, &n, err, errlen);

	if (rc || !given)
		return rc;
	ns_auth_list_free(r->auth, r->n_auth);
	r->auth = v;
	r->n_auth = n;
	return 0;
}

static const struct ns_param set_defaultrule_params[] = {
	{.tag = "policy", .type = NS_PT_NAME, .flags = NS_P_REQ,
	 .help = "Policy whose default response rule changes."},
	{.tag = "qmpfs", .type = NS_PT_BOOL, .help = "Session key PFS."},
	{.tag = "activate", .type = NS_PT_BOOL, .help = "Rule is active."},
	{.tag = "qmsecmethods", .type = NS_PT_QMSEC, .help = "Quick mode methods (replace all)."},
	{.tag = "kerberos", .type = NS_PT_BOOL, .help = "Kerberos authentication."},
	{.tag = "psk", .type = NS_PT_STRING, .help = "Preshared key (weak)."},
	{.tag = "rootca", .type = NS_PT_ROOTCA, .flags = NS_P_MULTI,
	 .help = "Certificate authority; \\' inside stands for a quote."},
	{0},
};

static int set_defaultrule(struct ns_session *s, const struct ns_args *a, char *err,
			   size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	struct ns_policy p;
	struct ns_rule r = {0};
	struct ns_filteraction fa = {0};
	const char *pname = ns_arg_get(a, "policy")->s;
	const struct ns_arg *x;
	int rc;

	rc = ns_policy_head_named(st, pname, &p, err, errlen);
	if (rc)
		return rc;
	rc = ns_so_get_rule(st, p.guid, NULL, 0, &r, NULL, err, errlen);
	if (rc == 0)
		rc = ns_so_get_filteraction(st, NULL, r.filteraction_guid, &fa, err, errlen);
	if (rc == -ENOENT) {
		/* An imported policy may lack its default response rule or its
		 * hidden action: make them, keeping what exists. */
		struct ns_policy tmp = {0};

		ns_filteraction_free(&fa);
		rc = ns_policy_make_default_rule(&tmp, r.guid[0] ? r.active : true, &fa);
		if (!rc && !r.guid[0]) {
			ns_rule_free(&r);
			r = tmp.default_rule;
			memset(&tmp.default_rule, 0, sizeof(tmp.default_rule));
		}
		memcpy(r.filteraction_guid, fa.guid, sizeof(fa.guid));
		ns_policy_free(&tmp);
	}
	if (rc)
		goto out;
	x = ns_arg_get(a, "qmpfs");
	if (x)
		fa.qmpfs = x->b;
	x = ns_arg_get(a, "qmsecmethods");
	if (x) {
		ns_warn_qm(s, x->qm.v, x->qm.n);
		rc = replace_qm(&fa, x);
		if (rc)
			goto out;
	}
	x = ns_arg_get(a, "activate");
	if (x)
		r.active = x->b;
	rc = replace_auth(s, &r, a, err, errlen);
	if (rc)
		goto out;
	fa.whenchanged = r.whenchanged = p.whenchanged = ns_now();
	rc = ns_so_put_filteraction(st, &fa, err, errlen);
	if (!rc)
		rc = ns_so_put_rule(st, p.guid, 0, &r, err, errlen);
	if (!rc)
		rc = ns_so_put_policy_head(st, &p, err, errlen);
out:
	ns_rule_free(&r);
	ns_filteraction_free(&fa);
	ns_policy_free(&p);
	return rc;
}

static const struct ns_param set_filteraction_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .oneof = 1,
	 .help = "Filter action to change."},
	{.tag = "guid", .type = NS_PT_GUID, .flags = NS_P_REQ | NS_P_NOPOS, .oneof = 1,
	 .help = "Filter action to change, by GUID."},
	{.tag = "newname", .type = NS_PT_NAME, .help = "New name."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "qmpfs", .type = NS_PT_BOOL, .help = "Session key PFS."},
	{.tag = "inpass", .type = NS_PT_BOOL, .help = "Accept unsecured inbound traffic."},
	{.tag = "soft", .type = NS_PT_BOOL, .help = "Fall back to clear text."},
	{.tag = "action", .type = NS_PT_ENUM, .choices = ns_choices_action,
	 .help = "What to do with matching traffic."},
	{.tag = "qmsecmethods", .type = NS_PT_QMSEC, .help = "Quick mode methods (replace all)."},
	{0},
};

/* newname= must not name another object of the kind: 0 when the name is
 * free, -EEXIST with the message, or the look-up's own error. */
static int newname_free(struct ns_store *st, enum ns_obj kind, const char *name, char *err,
			size_t errlen)
{
	static const char *const what[] = {[NS_OBJ_POLICY] = "policy",
					   [NS_OBJ_FILTERLIST] = "filter list",
					   [NS_OBJ_FILTERACTION] = "filter action"};
	union {
		struct ns_policy p;
		struct ns_filterlist fl;
		struct ns_filteraction fa;
	} o;
	int rc;

	switch (kind) {
	case NS_OBJ_POLICY:
		rc = ns_so_get_policy_head(st, name, NULL, &o.p, err, errlen);
		if (!rc)
			ns_policy_free(&o.p);
		break;
	case NS_OBJ_FILTERLIST:
		rc = ns_so_get_filterlist(st, name, NULL, false, &o.fl, err, errlen);
		if (!rc)
			ns_filterlist_free(&o.fl);
		break;
	default:
		rc = ns_so_get_filteraction(st, name, NULL, &o.fa, err, errlen);
		if (!rc)
			ns_filteraction_free(&o.fa);
		break;
	}
	if (rc == 0)
		return ns_err(err, errlen, -EEXIST, "newname: a %s named '%s' already exists",
			      what[kind], name);
	return rc == -ENOENT ? 0 : rc;
}

static int set_filteraction(struct ns_session *s, const struct ns_args *a, char *err,
			    size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const struct ns_arg *nm = ns_arg_get(a, "name"), *g = ns_arg_get(a, "guid");
	const struct ns_arg *x, *nn = ns_arg_get(a, "newname");
	struct ns_filteraction fa;
	int rc;

	rc = ns_so_get_filteraction(st, nm ? nm->s : NULL, nm ? NULL : g->s, &fa, err, errlen);
	if (rc)
		return rc == -ENOENT ? ns_err(err, errlen, rc, "%s: no filter action '%s'",
					      nm ? "name" : "guid", nm ? nm->s : g->s)
				     : rc;
	if (fa.type != NS_FA_NORMAL) {
		rc = ns_err(err, errlen, -EPERM,
			    "guid: that is a policy's default response action; use 'set "
			    "defaultrule'");
		goto out;
	}
	if (nn && strcmp(nn->s, fa.name) != 0) {
		rc = newname_free(st, NS_OBJ_FILTERACTION, nn->s, err, errlen);
		if (rc)
			goto out;
		rc = set_str(&fa.name, nn->s);
		if (rc)
			goto out;
	}
	x = ns_arg_get(a, "description");
	if (x && (rc = set_str(&fa.description, x->s)))
		goto out;
	x = ns_arg_get(a, "action");
	if (x)
		fa.action = (enum ns_action)x->u;
	if (fa.action != NS_ACTION_NEGOTIATE) {
		static const char *const flags[] = {"qmpfs", "inpass", "soft"};

		for (size_t i = 0; i < 3; i++) {
			x = ns_arg_get(a, flags[i]);
			if (x && x->b) {
				rc = ns_err(err, errlen, -EINVAL,
					    "%s: cannot be yes when the action is %s", flags[i],
					    ns_choices_action[fa.action]);
				goto out;
			}
		}
	}
	x = ns_arg_get(a, "qmpfs");
	if (x)
		fa.qmpfs = x->b;
	x = ns_arg_get(a, "inpass");
	if (x)
		fa.inpass = x->b;
	x = ns_arg_get(a, "soft");
	if (x)
		fa.soft = x->b;
	if (fa.action != NS_ACTION_NEGOTIATE)
		fa.qmpfs = fa.inpass = fa.soft = false;
	x = ns_arg_get(a, "qmsecmethods");
	if (x) {
		if (fa.action != NS_ACTION_NEGOTIATE)
			ns_warn(s, "qmsecmethods: kept, but not used while the action is %s",
				ns_choices_action[fa.action]);
		ns_warn_qm(s, x->qm.v, x->qm.n);
		rc = replace_qm(&fa, x);
		if (rc)
			goto out;
	}
	fa.whenchanged = ns_now();
	rc = ns_so_put_filteraction(st, &fa, err, errlen);
out:
	ns_filteraction_free(&fa);
	return rc;
}

static const struct ns_param set_filterlist_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Filter list to change."},
	{.tag = "newname", .type = NS_PT_NAME, .help = "New name."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{0},
};

static int set_filterlist(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const char *name = ns_arg_get(a, "name")->s;
	const struct ns_arg *x, *nn = ns_arg_get(a, "newname");
	struct ns_filterlist fl;
	int rc;

	rc = ns_so_get_filterlist(st, name, NULL, false, &fl, err, errlen);
	if (rc)
		return rc == -ENOENT ? ns_err(err, errlen, rc, "name: no filter list named '%s'",
					      name)
				     : rc;
	if (nn && strcmp(nn->s, fl.name) != 0) {
		rc = newname_free(st, NS_OBJ_FILTERLIST, nn->s, err, errlen);
		if (rc)
			goto out;
		rc = set_str(&fl.name, nn->s);
		if (rc)
			goto out;
	}
	x = ns_arg_get(a, "description");
	if (x && (rc = set_str(&fl.description, x->s)))
		goto out;
	fl.whenchanged = ns_now();
	rc = ns_so_put_filterlist(st, &fl, false, err, errlen);
out:
	ns_filterlist_free(&fl);
	return rc;
}

static const struct ns_param set_policy_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .oneof = 1,
	 .help = "Policy to change."},
	{.tag = "guid", .type = NS_PT_GUID, .flags = NS_P_REQ | NS_P_NOPOS, .oneof = 1,
	 .help = "Policy to change, by GUID."},
	{.tag = "newname", .type = NS_PT_NAME, .help = "New name."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "mmpfs", .type = NS_PT_BOOL, .help = "Master key PFS (forces qmpermm=1)."},
	{.tag = "qmpermm", .type = NS_PT_UINT, .min = 0, .max = NS_QMPERMM_MAX,
	 .help = "Quick modes per main mode (0 = unlimited)."},
	{.tag = "mmlifetime", .type = NS_PT_UINT, .min = NS_MMLIFETIME_MIN,
	 .max = NS_MMLIFETIME_MAX, .help = "Main mode lifetime in minutes."},
	{.tag = "activatedefaultrule", .type = NS_PT_BOOL,
	 .help = "Activate the default response rule."},
	{.tag = "pollinginterval", .type = NS_PT_UINT, .min = 0, .max = NS_POLLING_MAX,
	 .help = "Minutes between checks for policy changes."},
	{.tag = "assign", .type = NS_PT_BOOL,
	 .help = "Assign (unassigns any other) or unassign the policy."},
	{.tag = "gponame", .type = NS_PT_STRING,
	 .help = "Group Policy object name (domain store only)."},
	{.tag = "mmsecmethods", .type = NS_PT_MMSEC, .help = "Main mode methods (replace all)."},
	{0},
};

static int set_policy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const struct ns_arg *nm = ns_arg_get(a, "name"), *g = ns_arg_get(a, "guid");
	const struct ns_arg *x, *nn = ns_arg_get(a, "newname");
	const struct ns_arg *qmpermm = ns_arg_get(a, "qmpermm");
	struct ns_policy p;
	int rc;

	if (ns_arg_get(a, "gponame"))
		return ns_err(err, errlen, -EOPNOTSUPP,
			      "gponame: applies only to the domain store, which is not supported "
			      "yet");
	rc = ns_so_get_policy_head(st, nm ? nm->s : NULL, nm ? NULL : g->s, &p, err, errlen);
	if (rc)
		return rc == -ENOENT ? ns_err(err, errlen, rc, "%s: no policy '%s'",
					      nm ? "name" : "guid", nm ? nm->s : g->s)
				     : rc;
	if (nn && strcmp(nn->s, p.name) != 0) {
		rc = newname_free(st, NS_OBJ_POLICY, nn->s, err, errlen);
		if (rc)
			goto out;
		rc = set_str(&p.name, nn->s);
		if (rc)
			goto out;
	}
	x = ns_arg_get(a, "description");
	if (x && (rc = set_str(&p.description, x->s)))
		goto out;
	x = ns_arg_get(a, "mmpfs");
	if (x)
		p.mmpfs = x->b;
	if (p.mmpfs && qmpermm && qmpermm->u != 1) {
		rc = ns_err(err, errlen, -EINVAL,
			    "qmpermm: with mmpfs=yes every quick mode gets its own main mode, so "
			    "qmpermm is fixed at 1");
		goto out;
	}
	if (qmpermm)
		p.qmpermm = qmpermm->u;
	if (p.mmpfs)
		p.qmpermm = 1;
	x = ns_arg_get(a, "mmlifetime");
	if (x)
		p.mmlifetime_min = x->u;
	x = ns_arg_get(a, "pollinginterval");
	if (x)
		p.pollinginterval_min = x->u;
	x = ns_arg_get(a, "activatedefaultrule");
	if (x) {
		struct ns_rule dr;

		rc = ns_so_get_rule(st, p.guid, NULL, 0, &dr, NULL, err, errlen);
		if (rc) {
			if (rc == -ENOENT)
				ns_err(err, errlen, rc,
				       "activatedefaultrule: policy '%s' has no default response "
				       "rule; use 'set defaultrule' to make one",
				       p.name);
			goto out;
		}
		dr.active = x->b;
		dr.whenchanged = ns_now();
		rc = ns_so_put_rule(st, p.guid, 0, &dr, err, errlen);
		ns_rule_free(&dr);
		if (rc)
			goto out;
	}
	x = ns_arg_get(a, "mmsecmethods");
	if (x) {
		struct ns_mm_method *m = calloc(x->mm.n, sizeof(*m));

		if (!m) {
			rc = -ENOMEM;
			goto out;
		}
		ns_warn_mm(s, x->mm.v, x->mm.n);
		memcpy(m, x->mm.v, x->mm.n * sizeof(*m));
		free(p.mm_methods);
		p.mm_methods = m;
		p.n_mm_methods = x->mm.n;
	}
	x = ns_arg_get(a, "assign");
	if (x)
		p.assigned = x->b;
	p.whenchanged = ns_now();
	rc = ns_so_put_policy_head(st, &p, err, errlen);
	if (!rc && p.assigned)
		rc = ns_so_unassign_others(st, p.guid, err, errlen);
out:
	ns_policy_free(&p);
	return rc;
}

static const struct ns_param set_rule_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ, .oneof = 1,
	 .help = "Rule to change."},
	{.tag = "id", .type = NS_PT_UINT, .flags = NS_P_REQ | NS_P_NOPOS, .oneof = 1, .min = 1,
	 .max = 1000000, .help = "Rule to change, by position in the policy (1 = first)."},
	{.tag = "policy", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Policy of the rule."},
	{.tag = "newname", .type = NS_PT_NAME, .help = "New name."},
	{.tag = "description", .type = NS_PT_STRING, .help = "Free text."},
	{.tag = "filterlist", .type = NS_PT_NAME, .help = "Another existing filter list."},
	{.tag = "filteraction", .type = NS_PT_NAME, .help = "Another existing filter action."},
	{.tag = "tunnel", .type = NS_PT_HOST,
	 .help = "Tunnel endpoint; 0.0.0.0 returns to transport mode."},
	{.tag = "conntype", .type = NS_PT_ENUM, .choices = ns_choices_conntype,
	 .help = "Interfaces the rule applies to."},
	{.tag = "activate", .type = NS_PT_BOOL, .help = "Rule is active."},
	{.tag = "kerberos", .type = NS_PT_BOOL, .help = "Kerberos authentication."},
	{.tag = "psk", .type = NS_PT_STRING, .help = "Preshared key (weak)."},
	{.tag = "rootca", .type = NS_PT_ROOTCA, .flags = NS_P_MULTI,
	 .help = "Certificate authority; \\' inside stands for a quote."},
	{0},
};

int ns_find_rule(struct ns_store *st, const struct ns_policy *p, const struct ns_args *a,
		 struct ns_rule *r, unsigned *pos, char *err, size_t errlen)
{
	const struct ns_arg *nm = ns_arg_get(a, "name"), *id = ns_arg_get(a, "id");
	unsigned n;
	int rc;

	if (id) {
		rc = ns_so_rule_count(st, p->guid, &n, err, errlen);
		if (rc)
			return rc;
		if (id->u > n)
			return ns_err(err, errlen, -ENOENT,
				      "id: policy '%s' has %u rule%s; use an id from 1 to %u", p->name,
				      n, n == 1 ? "" : "s", n);
		return ns_so_get_rule(st, p->guid, NULL, (int)id->u, r, pos, err, errlen);
	}
	rc = ns_so_get_rule(st, p->guid, nm->s, -1, r, pos, err, errlen);
	if (rc == -ENOENT)
		ns_err(err, errlen, rc, "name: policy '%s' has no rule named '%s'", p->name, nm->s);
	return rc;
}

static int set_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const char *pname = ns_arg_get(a, "policy")->s;
	const struct ns_arg *x, *nn = ns_arg_get(a, "newname");
	struct ns_policy p;
	struct ns_rule rule = {0}, *r = &rule;
	unsigned pos = 0;
	int rc;

	rc = ns_policy_head_named(st, pname, &p, err, errlen);
	if (rc)
		return rc;
	rc = ns_find_rule(st, &p, a, r, &pos, err, errlen);
	if (rc)
		goto out;
	if (!r->name) {
		rc = -ENOMEM;
		goto out;
	}
	if (nn && strcmp(nn->s, r->name) != 0) {
		struct ns_rule other;

		rc = ns_so_get_rule(st, p.guid, nn->s, -1, &other, NULL, err, errlen);
		if (rc == 0) {
			ns_rule_free(&other);
			rc = ns_err(err, errlen, -EEXIST,
				    "newname: policy '%s' already has a rule named '%s'", p.name,
				    nn->s);
			goto out;
		}
		if (rc != -ENOENT)
			goto out;
		if ((rc = set_str(&r->name, nn->s)))
			goto out;
	}
	x = ns_arg_get(a, "description");
	if (x && (rc = set_str(&r->description, x->s)))
		goto out;
	x = ns_arg_get(a, "filterlist");
	if (x) {
		struct ns_filterlist fl;

		rc = ns_so_get_filterlist(st, x->s, NULL, false, &fl, err, errlen);
		if (rc) {
			if (rc == -ENOENT)
				ns_err(err, errlen, rc, "filterlist: no filter list named '%s'",
				       x->s);
			goto out;
		}
		memcpy(r->filterlist_guid, fl.guid, sizeof(fl.guid));
		ns_filterlist_free(&fl);
	}
	x = ns_arg_get(a, "filteraction");
	if (x) {
		struct ns_filteraction fa;

		rc = ns_so_get_filteraction(st, x->s, NULL, &fa, err, errlen);
		if (rc) {
			if (rc == -ENOENT)
				ns_err(err, errlen, rc, "filteraction: no filter action named '%s'",
				       x->s);
			goto out;
		}
		memcpy(r->filteraction_guid, fa.guid, sizeof(fa.guid));
		ns_filteraction_free(&fa);
	}
	x = ns_arg_get(a, "tunnel");
	if (x && (rc = ns_rule_set_tunnel(r, x)))
		goto out;
	x = ns_arg_get(a, "conntype");
	if (x)
		r->conntype = ns_conntype_from_choice(x->u);
	x = ns_arg_get(a, "activate");
	if (x)
		r->active = x->b;
	rc = replace_auth(s, r, a, err, errlen);
	if (rc)
		goto out;
	r->whenchanged = p.whenchanged = ns_now();
	rc = ns_so_put_rule(st, p.guid, pos, r, err, errlen);
	if (!rc)
		rc = ns_so_put_policy_head(st, &p, err, errlen);
out:
	ns_rule_free(&rule);
	ns_policy_free(&p);
	return rc;
}

const struct ns_cmd ns_cmds_static_set[] = {
	{.ctx = NS_CTX_STATIC, .words = {"set", "defaultrule"}, .params = set_defaultrule_params,
	 .flags = NS_CMD_WRITE, .run = set_defaultrule,
	 .summary = "Changes the default response rule of a policy.",
	 .help = "  Any of kerberos=, psk=, rootca= replaces the whole list of authentication\n"
		 "  methods."},
	{.ctx = NS_CTX_STATIC, .words = {"set", "filteraction"}, .params = set_filteraction_params,
	 .flags = NS_CMD_WRITE, .run = set_filteraction, .summary = "Changes a filter action.",
	 .help = "  qmpfs, inpass and soft cannot be yes while the action is permit or block."},
	{.ctx = NS_CTX_STATIC, .words = {"set", "filterlist"}, .params = set_filterlist_params,
	 .flags = NS_CMD_WRITE, .run = set_filterlist, .summary = "Changes a filter list."},
	{.ctx = NS_CTX_STATIC, .words = {"set", "policy"}, .params = set_policy_params,
	 .flags = NS_CMD_WRITE, .run = set_policy, .summary = "Changes a policy.",
	 .help = "  mmpfs=yes fixes qmpermm at 1; another qmpermm value is an error."},
	{.ctx = NS_CTX_STATIC, .words = {"set", "rule"}, .params = set_rule_params,
	 .flags = NS_CMD_WRITE, .run = set_rule, .summary = "Changes a rule of a policy.",
	 .help = "  Any of kerberos=, psk=, rootca= replaces the whole list of authentication\n"
		 "  methods."},
	{0},
};
