// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec static show all | filteraction | filterlist | gpoassignedpolicy |
 * policy | rule.  The handlers load the current store and hand it to the
 * pure renderers of show.c.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "cmd_common.h"
#include "show.h"

static const char *const levels[] = {"normal", "verbose", NULL};
static const char *const formats[] = {"list", "table", NULL};
static const char *const rule_types[] = {"transport", "tunnel", NULL};

#define P_LEVEL                                                                                    \
	{                                                                                          \
		.tag = "level", .type = NS_PT_ENUM, .choices = levels, .defval = "normal",         \
		.help = "verbose adds the details each object has (methods, filters, ...)."        \
	}
#define P_FORMAT                                                                                   \
	{                                                                                          \
		.tag = "format", .type = NS_PT_ENUM, .choices = formats, .defval = "list",         \
		.help = "list: \"Label : value\" lines; table: tab-separated with a header row."   \
	}
#define P_WIDE                                                                                     \
	{                                                                                          \
		.tag = "wide", .type = NS_PT_BOOL, .defval = "no",                                 \
		.help = "yes: never cut values; no: keep lines within 80 columns."                 \
	}

/* Options common to every show command; level defaults to dflt_verbose. */
static void opts_from_args(struct ns_session *s, const struct ns_args *a, bool dflt_verbose,
			   struct ns_show_opts *o)
{
	const struct ns_arg *x;

	memset(o, 0, sizeof(*o));
	o->verbose = dflt_verbose;
	o->loc = s->loc;
	if ((x = ns_arg_get(a, "level")))
		o->verbose = x->u == 1;
	if ((x = ns_arg_get(a, "format")))
		o->format = x->u == 1 ? NS_FMT_TABLE : NS_FMT_LIST;
	if ((x = ns_arg_get(a, "wide")))
		o->wide = x->b;
	/* Sessions that must not resolve names (fuzzing) do not reverse-resolve. */
	if ((x = ns_arg_get(a, "resolvedns")))
		o->resolvedns = x->b && !(s->flags & NS_RESOLVE_NONE);
}

/* ------------------------------------------------------------------ */

static const struct ns_param show_all_params[] = {
	P_FORMAT,
	P_WIDE,
	{.tag = "level",
	 .type = NS_PT_ENUM,
	 .choices = levels,
	 .defval = "verbose",
	 .help = "normal leaves out methods and filters (our extension)."},
	{0},
};

static int show_all(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	opts_from_args(s, a, true, &o);
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_all(s->out, &db, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

static const struct ns_param show_fa_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ | NS_P_ALL,
	 .oneof = 1,
	 .help = "Filter action to show, or all."},
	{.tag = "rule",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ | NS_P_NOPOS,
	 .oneof = 1,
	 .help = "Show the filter actions of the rules with this name."},
	P_LEVEL,
	P_FORMAT,
	P_WIDE,
	{0},
};

static int show_fa(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *name = ns_arg_get(a, "name"), *rule = ns_arg_get(a, "rule");
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	opts_from_args(s, a, false, &o);
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_filteraction(s->out, &db, name && !name->all ? name->s : NULL,
					  rule ? rule->s : NULL, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

static const struct ns_param show_fl_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ | NS_P_ALL,
	 .oneof = 1,
	 .help = "Filter list to show, or all."},
	{.tag = "rule",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ | NS_P_NOPOS,
	 .oneof = 1,
	 .help = "Show the filter lists of the rules with this name."},
	P_LEVEL,
	P_FORMAT,
	{.tag = "resolvedns",
	 .type = NS_PT_BOOL,
	 .defval = "no",
	 .help = "With level=verbose, show the DNS name of each address."},
	P_WIDE,
	{0},
};

static int show_fl(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *name = ns_arg_get(a, "name"), *rule = ns_arg_get(a, "rule");
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	opts_from_args(s, a, false, &o);
	if (o.resolvedns && !o.verbose)
		ns_warn(s, "resolvedns=yes only has an effect with level=verbose");
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_filterlist(s->out, &db, name && !name->all ? name->s : NULL,
					rule ? rule->s : NULL, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

static const struct ns_param show_gpo_params[] = {
	{.tag = "name",
	 .type = NS_PT_STRING,
	 .help = "Group Policy object (domain store only); none = the local store."},
	{0},
};

static int show_gpo(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *name = ns_arg_get(a, "name");
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	if (name && s->loc != NS_STORE_DOMAIN)
		return ns_err(err, errlen, -EINVAL,
			      "name= applies only to the domain store (set store location=domain)");
	opts_from_args(s, a, false, &o);
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_gpoassignedpolicy(s->out, &db, name ? name->s : NULL, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

static const struct ns_param show_policy_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ | NS_P_ALL,
	 .help = "Policy to show, or all."},
	P_LEVEL,
	P_FORMAT,
	P_WIDE,
	{0},
};

static int show_policy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *name = ns_arg_get(a, "name");
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	opts_from_args(s, a, false, &o);
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_policy(s->out, &db, name->all ? NULL : name->s, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

/* name= also takes the words all and default (the default response rule);
 * a rule literally named "default" is shown with id=. */
static const struct ns_param show_rule_params[] = {
	{.tag = "name",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .oneof = 1,
	 .help = "Rule to show, all, or default (the default response rule)."},
	{.tag = "id",
	 .type = NS_PT_UINT,
	 .flags = NS_P_REQ | NS_P_NOPOS,
	 .oneof = 1,
	 .min = 1,
	 .max = 1000000,
	 .help = "Rule to show, by position (1 = first)."},
	{.tag = "policy", .type = NS_PT_NAME, .flags = NS_P_REQ, .help = "Policy of the rules."},
	{.tag = "type",
	 .type = NS_PT_ENUM,
	 .choices = rule_types,
	 .help = "With all: only transport or only tunnel rules."},
	P_LEVEL,
	P_FORMAT,
	P_WIDE,
	{0},
};

static int show_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *name = ns_arg_get(a, "name"), *id = ns_arg_get(a, "id");
	const struct ns_arg *type = ns_arg_get(a, "type");
	bool all = name && strcasecmp(name->s, "all") == 0;
	bool deflt = name && strcasecmp(name->s, "default") == 0;
	struct ns_show_opts o;
	struct ns_db db;
	int rc;

	if (type && !all)
		return ns_err(err, errlen, -EINVAL, "type= can only be used with name=all");
	if (name && !name->s[0])
		return ns_err(err, errlen, -EINVAL,
			      "name: a rule name, all or default is required");
	opts_from_args(s, a, false, &o);
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = ns_show_rule(s->out, &db, ns_arg_get(a, "policy")->s,
				  name && !all && !deflt ? name->s : NULL, id ? id->u : 0, all,
				  deflt, type ? (int)type->u + 1 : 0, &o, err, errlen);
	ns_db_free(&db);
	return rc;
}

const struct ns_cmd ns_cmds_static_show[] = {
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "all"},
	 .params = show_all_params,
	 .run = show_all,
	 .summary = "Shows every policy with its rules, every filter list and filter action.",
	 .help = "  Pre-shared keys are never shown; use exportpolicy or dump to back them up."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "filteraction"},
	 .params = show_fa_params,
	 .run = show_fa,
	 .summary = "Shows one, some or all filter actions."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "filterlist"},
	 .params = show_fl_params,
	 .run = show_fl,
	 .summary = "Shows one, some or all filter lists (verbose: filters)."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "gpoassignedpolicy"},
	 .params = show_gpo_params,
	 .run = show_gpo,
	 .summary = "Shows the assigned policy."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "policy"},
	 .params = show_policy_params,
	 .run = show_policy,
	 .summary = "Shows one or all policies with their rules."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"show", "rule"},
	 .params = show_rule_params,
	 .run = show_rule,
	 .summary = "Shows rules of a policy.",
	 .help = "  name=default shows the default response rule; type= needs name=all."},
	{0},
};
