// SPDX-License-Identifier: GPL-2.0
/*
 * Dynamic rules seen as assigned static policies (dynstore.h explains the
 * mapping).  Doing the translation here keeps one evaluator: Me, server
 * types, mirroring and weighting work for dynamic rules exactly as they do
 * for the static ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynstore.h"

size_t ns_range_to_prefixes(uint32_t first, uint32_t last, uint32_t *addr, uint8_t *plen,
			    size_t max)
{
	uint64_t cur = first, end = (uint64_t)last + 1;
	size_t n = 0;

	while (cur < end && n < max) {
		/* The largest aligned block starting at cur that stays inside. */
		unsigned bits = cur ? (unsigned)__builtin_ctzll(cur) : 32;

		if (bits > 32)
			bits = 32;
		while (bits > 0 && cur + (1ull << bits) > end)
			bits--;
		addr[n] = (uint32_t)cur;
		plen[n] = (uint8_t)(32 - bits);
		n++;
		cur += 1ull << bits;
	}
	return n;
}

enum ns_action ns_dyn_effective_action(const struct ns_dyn_rule *r, bool *inpass)
{
	*inpass = false;
	if (r->action_in == r->action_out)
		return r->action_in;
	if (r->action_out == NS_ACTION_NEGOTIATE && r->action_in == NS_ACTION_PERMIT) {
		*inpass = true;
		return NS_ACTION_NEGOTIATE;
	}
	if (r->action_in == NS_ACTION_BLOCK || r->action_out == NS_ACTION_BLOCK)
		return NS_ACTION_BLOCK;
	return NS_ACTION_NEGOTIATE;
}

/* "{4E534459-TTTT-0000-0000-00000000NNNN}": "NSDY", object type, rule id. */
static void dyn_guid(char out[NS_GUID_LEN + 1], unsigned type, uint32_t id)
{
	snprintf(out, NS_GUID_LEN + 1, "{4E534459-%04X-0000-0000-%012X}", type & 0xffff, id);
}

static char *rule_name(uint32_t id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "dynamic rule %u", id);
	return strdup(buf);
}

/* The endpoints one side of a rule stands for: itself, or the prefixes of
 * its range. */
static size_t side_eps(const struct ns_dyn_addr *a, struct ns_endpoint *out)
{
	uint32_t addr[NS_RANGE_MAX_PREFIXES];
	uint8_t plen[NS_RANGE_MAX_PREFIXES];
	size_t n;

	if (!a->range) {
		out[0] = a->ep;
		out[0].dnsname = NULL; /* borrowed below */
		return 1;
	}
	n = ns_range_to_prefixes(a->ep.addr, a->range_end, addr, plen, NS_RANGE_MAX_PREFIXES);
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].kind = NS_ADDR_IP;
		out[i].addr = addr[i];
		out[i].mask = plen[i] ? ~0u << (32 - plen[i]) : 0;
	}
	return n;
}

static int one_rule(const struct ns_dyn_db *d, const struct ns_dyn_rule *r, struct ns_db *out)
{
	struct ns_endpoint src[NS_RANGE_MAX_PREFIXES], dst[NS_RANGE_MAX_PREFIXES];
	size_t ns = side_eps(&r->src, src), nd = side_eps(&r->dst, dst);
	const struct ns_dyn_mmpolicy *mm = ns_dyn_mm_by_name(d, r->mmpolicy);
	const struct ns_dyn_qmpolicy *qm = ns_dyn_qm_by_name(d, r->qmpolicy);
	struct ns_filterlist *fl = &out->filterlists[out->n_filterlists++];
	struct ns_filteraction *fa = &out->filteractions[out->n_filteractions++];
	struct ns_policy *pol = &out->policies[out->n_policies++];
	struct ns_rule *ru;
	bool inpass;

	/* Filter list: the cross product of the two sides. */
	dyn_guid(fl->guid, 1, r->id);
	fl->name = rule_name(r->id);
	fl->description = strdup("");
	fl->filters = calloc(ns * nd + 1, sizeof(*fl->filters));
	if (!fl->name || !fl->description || !fl->filters)
		return -ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		for (size_t j = 0; j < nd; j++) {
			struct ns_filter *f = &fl->filters[fl->n_filters++];

			snprintf(f->guid, sizeof(f->guid), "{4E534459-0004-%04X-%04X-%012X}",
				 (unsigned)(i & 0xffff), (unsigned)(j & 0xffff), r->id);
			f->description = strdup("");
			f->src = src[i];
			f->dst = dst[j];
			if (!r->src.range && r->src.ep.dnsname)
				f->src.dnsname = strdup(r->src.ep.dnsname);
			if (!r->dst.range && r->dst.ep.dnsname)
				f->dst.dnsname = strdup(r->dst.ep.dnsname);
			f->protocol = r->protocol;
			f->srcport = r->srcport;
			f->dstport = r->dstport;
			f->mirrored = r->mirrored;
			if (!f->description)
				return -ENOMEM;
		}
	}

	/* Filter action: the quick mode policy and the two actions. */
	dyn_guid(fa->guid, 2, r->id);
	fa->name = rule_name(r->id);
	fa->description = strdup("");
	fa->action = ns_dyn_effective_action(r, &inpass);
	fa->inpass = inpass;
	if (qm) {
		fa->soft = qm->soft;
		fa->qmpfs = qm->pfs != NS_PFS_NONE;
		fa->methods = malloc((qm->n_methods ? qm->n_methods : 1) * sizeof(*fa->methods));
		if (!fa->methods)
			return -ENOMEM;
		memcpy(fa->methods, qm->methods, qm->n_methods * sizeof(*fa->methods));
		fa->n_methods = qm->n_methods;
	}
	if (!fa->name || !fa->description)
		return -ENOMEM;

	/* Policy: the main mode policy; assigned, one rule. */
	dyn_guid(pol->guid, 3, r->id);
	dyn_guid(pol->isakmp_guid, 5, r->id);
	pol->name = rule_name(r->id);
	pol->description = strdup(r->mmpolicy);
	pol->gponame = strdup("");
	pol->assigned = true;
	pol->mmlifetime_min = mm ? mm->mmlifetime_min : NS_DEFAULT_MMLIFETIME_MIN;
	pol->qmpermm = mm ? mm->qmpermm : 0;
	pol->pollinginterval_min = NS_DEFAULT_POLLING_MIN;
	if (mm && mm->n_methods) {
		pol->mm_methods = malloc(mm->n_methods * sizeof(*pol->mm_methods));
		if (!pol->mm_methods)
			return -ENOMEM;
		memcpy(pol->mm_methods, mm->methods, mm->n_methods * sizeof(*pol->mm_methods));
		pol->n_mm_methods = mm->n_methods;
	}
	pol->rules = calloc(1, sizeof(*pol->rules));
	if (!pol->name || !pol->description || !pol->gponame || !pol->rules)
		return -ENOMEM;
	pol->n_rules = 1;
	ru = &pol->rules[0];
	dyn_guid(ru->guid, 6, r->id);
	ru->name = rule_name(r->id);
	ru->description = strdup("");
	memcpy(ru->filterlist_guid, fl->guid, sizeof(ru->filterlist_guid));
	memcpy(ru->filteraction_guid, fa->guid, sizeof(ru->filteraction_guid));
	ru->tunnel_set = r->tunnel_set;
	ru->tunnel_addr = r->tunnel_addr;
	ru->conntype = r->conntype;
	ru->active = true;
	if (!ru->name || !ru->description)
		return -ENOMEM;
	ru->auth = calloc(r->n_auth ? r->n_auth : 1, sizeof(*ru->auth));
	if (!ru->auth)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_auth; i++) {
		ru->auth[i] = r->auth[i];
		ru->auth[i].value = strdup(r->auth[i].value ? r->auth[i].value : "");
		if (!ru->auth[i].value)
			return -ENOMEM;
		ru->n_auth++;
	}
	/* The default response rule exists in every policy but stays off:
	 * dynamic rules never answer for a whole policy. */
	dyn_guid(pol->default_rule.guid, 7, r->id);
	pol->default_rule.name = strdup("");
	pol->default_rule.description = strdup("");
	pol->default_rule.is_default = true;
	if (!pol->default_rule.name || !pol->default_rule.description)
		return -ENOMEM;
	return 0;
}

int ns_dyn_to_db(const struct ns_dyn_db *d, struct ns_db *out, char *err, size_t errlen)
{
	size_t n = d->n_rules;

	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	out->policies = calloc(n, sizeof(*out->policies));
	out->filterlists = calloc(n, sizeof(*out->filterlists));
	out->filteractions = calloc(n, sizeof(*out->filteractions));
	if (!out->policies || !out->filterlists || !out->filteractions)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (one_rule(d, &d->rules[i], out) < 0)
			goto nomem;
	return 0;
nomem:
	ns_db_free(out);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}
