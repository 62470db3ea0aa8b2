// SPDX-License-Identifier: GPL-2.0
/* ipsec static set batch | set store | show store */
#include <errno.h>
#include <string.h>

#include "cmd_common.h"

static const char *const batch_modes[] = {"enable", "disable", NULL};

static const struct ns_param set_batch_params[] = {
	{.tag = "mode", .type = NS_PT_ENUM, .flags = NS_P_REQ, .choices = batch_modes,
	 .help = "enable queues store writes; disable commits them."},
	{0},
};

static int set_batch(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return ns_session_batch(s, ns_arg_get(a, "mode")->u == 0, err, errlen);
}

static const char *const locations[] = {"local", "persistent", "domain", NULL};

static const struct ns_param set_store_params[] = {
	{.tag = "location", .type = NS_PT_ENUM, .flags = NS_P_REQ, .choices = locations,
	 .help = "Which store the following commands work on."},
	{.tag = "domain", .type = NS_PT_STRING, .help = "Domain name (domain store only)."},
	{0},
};

static int set_store(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	enum ns_store_location loc = (enum ns_store_location)ns_arg_get(a, "location")->u;

	if (ns_arg_get(a, "domain") && loc != NS_STORE_DOMAIN)
		return ns_err(err, errlen, -EINVAL, "domain: applies only with location=domain");
	return ns_session_set_location(s, loc, err, errlen);
}

static int show_store(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	fprintf(s->out, "Current store: %s (%s/%s.db)\n", ns_store_location_name(s->loc),
		s->dir ? s->dir : "(memory)", ns_store_location_name(s->loc));
	if (s->batch)
		fprintf(s->out, "Batch mode: enabled\n");
	return 0;
}

const struct ns_cmd ns_cmds_static_store[] = {
	{.ctx = NS_CTX_STATIC, .words = {"set", "batch"}, .params = set_batch_params,
	 .run = set_batch,
	 .summary = "Queues store changes and commits them together.",
	 .help = "  The queued commands are committed at mode=disable or when the session ends;\n"
		 "  if any of them failed, none is."},
	{.ctx = NS_CTX_STATIC, .words = {"set", "store"}, .params = set_store_params,
	 .run = set_store,
	 .summary = "Selects the policy store (local, persistent) for this session.",
	 .help = "  The domain store (Active Directory) is not supported yet."},
	{.ctx = NS_CTX_STATIC, .words = {"show", "store"}, .run = show_store,
	 .summary = "Shows the policy store this session works on."},
	{0},
};
