// SPDX-License-Identifier: GPL-2.0
/* ipsec static delete all|filter|filteraction|filterlist|policy|rule */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_common.h"

static int delete_every(struct ns_store *st, enum ns_obj kind, char *err, size_t errlen)
{
	char **g;
	size_t n;
	int rc = ns_so_list(st, kind, &g, &n, err, errlen);

	for (size_t i = 0; !rc && i < n; i++)
		rc = ns_so_delete(st, kind, g[i], err, errlen);
	if (!rc)
		ns_so_free_list(g, n);
	else if (g)
		ns_so_free_list(g, n);
	return rc;
}

static int delete_all(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	int rc = delete_every(st, NS_OBJ_POLICY, err, errlen);

	if (!rc)
		rc = delete_every(st, NS_OBJ_FILTERACTION, err, errlen);
	if (!rc)
		rc = delete_every(st, NS_OBJ_FILTERLIST, err, errlen);
	return rc;
}

static const struct ns_param delete_filter_params[] = {
	{.tag = "filterlist", .type = NS_PT_NAME, .flags = NS_P_REQ,
	 .help = "Filter list holding the filters."},
	{.tag = "srcaddr", .type = NS_PT_ADDR, .flags = NS_P_REQ | NS_P_NORESOLVE,
	 .help = "Source as it was given (DNS names are compared by name)."},
	{.tag = "dstaddr", .type = NS_PT_ADDR, .flags = NS_P_REQ | NS_P_NORESOLVE,
	 .help = "Destination as it was given."},
	{.tag = "protocol", .type = NS_PT_PROTO, .help = "Match only this protocol."},
	{.tag = "srcmask", .type = NS_PT_MASK, .help = "Match only this source mask."},
	{.tag = "dstmask", .type = NS_PT_MASK, .help = "Match only this destination mask."},
	{.tag = "srcport", .type = NS_PT_PORT, .help = "Match only this source port (0 = any)."},
	{.tag = "dstport", .type = NS_PT_PORT, .help = "Match only this destination port."},
	{.tag = "mirrored", .type = NS_PT_BOOL, .help = "Match only mirrored or unmirrored filters."},
	{0},
};

static bool ep_match(const struct ns_endpoint *want, bool mask_given, const struct ns_endpoint *f)
{
	if (want->kind != f->kind)
		return false;
	switch (f->kind) {
	case NS_ADDR_IP:
		if (mask_given && want->mask != f->mask)
			return false;
		return want->addr == f->addr;
	case NS_ADDR_DNS_NAME:
		if (mask_given && want->mask != f->mask)
			return false;
		return f->dnsname && strcasecmp(want->dnsname, f->dnsname) == 0;
	default:
		return true;
	}
}

static int delete_filter(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const char *list = ns_arg_get(a, "filterlist")->s;
	const struct ns_arg *proto = ns_arg_get(a, "protocol"), *mir = ns_arg_get(a, "mirrored");
	const struct ns_arg *sp = ns_arg_get(a, "srcport"), *dp = ns_arg_get(a, "dstport");
	bool sm = ns_arg_get(a, "srcmask"), dm = ns_arg_get(a, "dstmask");
	struct ns_filter want = {0};
	struct ns_filterlist fl;
	size_t deleted = 0;
	int rc;

	want.src = ns_arg_get(a, "srcaddr")->ep;
	want.dst = ns_arg_get(a, "dstaddr")->ep;
	/* Without protocol= any protocol may match, so ports are not refused. */
	want.protocol = proto ? (uint8_t)proto->u : NS_PROTO_TCP;
	rc = ns_filter_check(a, &want, err, errlen);
	if (rc)
		return rc;
	rc = ns_so_get_filterlist(st, list, NULL, true, &fl, err, errlen);
	if (rc)
		return rc == -ENOENT ? ns_err(err, errlen, rc, "filterlist: no filter list named '%s'",
					      list)
				     : rc;
	for (size_t i = 0; !rc && i < fl.n_filters; i++) {
		const struct ns_filter *f = &fl.filters[i];

		if (!ep_match(&want.src, sm, &f->src) || !ep_match(&want.dst, dm, &f->dst))
			continue;
		if ((proto && f->protocol != want.protocol) || (sp && f->srcport != sp->u) ||
		    (dp && f->dstport != dp->u) || (mir && f->mirrored != mir->b))
			continue;
		rc = ns_so_delete_filter(st, f->guid, err, errlen);
		deleted++;
	}
	if (!rc && !deleted)
		rc = ns_err(err, errlen, -ENOENT, "no filter in filter list '%s' matches", list);
	ns_filterlist_free(&fl);
	return rc;
}

static const struct ns_param delete_fa_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL,
	 .help = "Filter action to delete, or all."},
	{0},
};

static const struct ns_param delete_fl_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL,
	 .help = "Filter list to delete, or all."},
	{0},
};

static const struct ns_param delete_policy_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL,
	 .help = "Policy to delete (with its rules), or all."},
	{0},
};

static const char *const kind_names[] = {"policy", "filter list", "filter action"};

/* Lists and actions in use by a rule stay: the whole command is refused. */
static int check_unused(struct ns_store *st, enum ns_obj kind, const char *guid, const char *name,
			char *err, size_t errlen)
{
	char rule[NS_NAME_MAX + 1], pol[NS_NAME_MAX + 1];
	int rc = ns_so_find_user(st, kind, guid, rule, sizeof(rule), pol, sizeof(pol), err, errlen);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	return ns_err(err, errlen, -EBUSY,
		      "%s '%s' is used by rule '%s' of policy '%s'; delete or change that rule "
		      "first",
		      kind_names[kind], name, rule, pol);
}

static int delete_named(struct ns_session *s, const struct ns_args *a, enum ns_obj kind,
			char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const struct ns_arg *nm = ns_arg_get(a, "name");
	char guid[NS_GUID_LEN + 1];
	char **g;
	size_t n;
	int rc;

	if (nm->all) {
		rc = ns_so_list(st, kind, &g, &n, err, errlen);
		for (size_t i = 0; !rc && i < n && kind != NS_OBJ_POLICY; i++) {
			/* Name for the message only. */
			struct ns_filterlist fl;
			struct ns_filteraction fa;
			char nbuf[NS_NAME_MAX + 1] = "";

			if (kind == NS_OBJ_FILTERLIST &&
			    !ns_so_get_filterlist(st, NULL, g[i], false, &fl, NULL, 0)) {
				snprintf(nbuf, sizeof(nbuf), "%s", fl.name);
				ns_filterlist_free(&fl);
			} else if (kind == NS_OBJ_FILTERACTION &&
				   !ns_so_get_filteraction(st, NULL, g[i], &fa, NULL, 0)) {
				snprintf(nbuf, sizeof(nbuf), "%s", fa.name);
				ns_filteraction_free(&fa);
			}
			rc = check_unused(st, kind, g[i], nbuf, err, errlen);
		}
		for (size_t i = 0; !rc && i < n; i++)
			rc = ns_so_delete(st, kind, g[i], err, errlen);
		if (g)
			ns_so_free_list(g, n);
		return rc;
	}
	switch (kind) {
	case NS_OBJ_POLICY: {
		struct ns_policy p;

		rc = ns_so_get_policy_head(st, nm->s, NULL, &p, err, errlen);
		if (!rc) {
			memcpy(guid, p.guid, sizeof(guid));
			ns_policy_free(&p);
		}
		break;
	}
	case NS_OBJ_FILTERLIST: {
		struct ns_filterlist fl;

		rc = ns_so_get_filterlist(st, nm->s, NULL, false, &fl, err, errlen);
		if (!rc) {
			memcpy(guid, fl.guid, sizeof(guid));
			ns_filterlist_free(&fl);
		}
		break;
	}
	case NS_OBJ_FILTERACTION: {
		struct ns_filteraction fa;

		rc = ns_so_get_filteraction(st, nm->s, NULL, &fa, err, errlen);
		if (!rc) {
			memcpy(guid, fa.guid, sizeof(guid));
			ns_filteraction_free(&fa);
		}
		break;
	}
	default:
		rc = -EINVAL;
	}
	if (rc == -ENOENT)
		return ns_err(err, errlen, rc, "name: no %s named '%s'", kind_names[kind], nm->s);
	if (rc)
		return rc;
	if (kind != NS_OBJ_POLICY) {
		rc = check_unused(st, kind, guid, nm->s, err, errlen);
		if (rc)
			return rc;
	}
	return ns_so_delete(st, kind, guid, err, errlen);
}

static int delete_filteraction(struct ns_session *s, const struct ns_args *a, char *err,
			       size_t errlen)
{
	return delete_named(s, a, NS_OBJ_FILTERACTION, err, errlen);
}

static int delete_filterlist(struct ns_session *s, const struct ns_args *a, char *err,
			     size_t errlen)
{
	return delete_named(s, a, NS_OBJ_FILTERLIST, err, errlen);
}

static int delete_policy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return delete_named(s, a, NS_OBJ_POLICY, err, errlen);
}

static const struct ns_param delete_rule_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .oneof = 1,
	 .help = "Rule to delete, or all (the default response rule stays)."},
	{.tag = "id", .type = NS_PT_UINT, .flags = NS_P_REQ | NS_P_NOPOS, .oneof = 1, .min = 1,
	 .max = 1000000, .help = "Rule to delete, by position (1 = first)."},
	{.tag = "policy", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Policy of the rule."},
	{0},
};

static int delete_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_store *st = ns_cmd_store(s);
	const char *pname = ns_arg_get(a, "policy")->s;
	const struct ns_arg *nm = ns_arg_get(a, "name");
	struct ns_policy p;
	struct ns_rule r = {0};
	unsigned pos = 0;
	int rc;

	rc = ns_policy_head_named(st, pname, &p, err, errlen);
	if (rc)
		return rc;
	/* Position 0 deletes every ordinary rule; the default response rule
	 * is never deleted.  Later rules move up one: IDs are positions. */
	if (!(nm && nm->all)) {
		rc = ns_find_rule(st, &p, a, &r, &pos, err, errlen);
		ns_rule_free(&r);
		if (rc)
			goto out;
	}
	rc = ns_so_delete_rule(st, p.guid, pos, err, errlen);
	if (!rc) {
		p.whenchanged = ns_now();
		rc = ns_so_put_policy_head(st, &p, err, errlen);
	}
out:
	ns_policy_free(&p);
	return rc;
}

const struct ns_cmd ns_cmds_static_delete[] = {
	{.ctx = NS_CTX_STATIC, .words = {"delete", "all"}, .flags = NS_CMD_WRITE, .run = delete_all,
	 .summary = "Deletes every policy, filter list and filter action of the store."},
	{.ctx = NS_CTX_STATIC, .words = {"delete", "filter"}, .params = delete_filter_params,
	 .flags = NS_CMD_WRITE, .run = delete_filter,
	 .summary = "Deletes every filter of a list that matches the given fields.",
	 .help = "  Optional fields that are not given match anything; at least one filter\n"
		 "  must match."},
	{.ctx = NS_CTX_STATIC, .words = {"delete", "filteraction"}, .params = delete_fa_params,
	 .flags = NS_CMD_WRITE, .run = delete_filteraction,
	 .summary = "Deletes a filter action, or all of them.",
	 .help = "  An action used by a rule cannot be deleted."},
	{.ctx = NS_CTX_STATIC, .words = {"delete", "filterlist"}, .params = delete_fl_params,
	 .flags = NS_CMD_WRITE, .run = delete_filterlist,
	 .summary = "Deletes a filter list, or all of them.",
	 .help = "  A list used by a rule cannot be deleted."},
	{.ctx = NS_CTX_STATIC, .words = {"delete", "policy"}, .params = delete_policy_params,
	 .flags = NS_CMD_WRITE, .run = delete_policy,
	 .summary = "Deletes a policy with its rules, or all policies."},
	{.ctx = NS_CTX_STATIC, .words = {"delete", "rule"}, .params = delete_rule_params,
	 .flags = NS_CMD_WRITE, .run = delete_rule,
	 .summary = "Deletes a rule (by name or id), or all rules, of a policy.",
	 .help = "  The default response rule cannot be deleted; the remaining rules are\n"
		 "  renumbered."},
	{0},
};
