// SPDX-License-Identifier: GPL-2.0
/* Plan lifetime, ordering and comparison. */
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void plan_rule_free(struct plan_rule *r)
{
	free(r->policy_name);
	free(r->rule_name);
	free(r->qm);
	for (size_t i = 0; i < r->n_auth; i++)
		ns_auth_free(&r->auth[i]);
	free(r->auth);
	free(r->mm);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		plan_rule_free(&p->rules[i]);
	free(p->rules);
	free(p->filters);
	free(p->me);
	free(p->bcast);
	memset(p, 0, sizeof(*p));
}

bool plan_ifname_is_dialup(const char *ifname)
{
	static const char *const prefixes[] = {PLAN_DIALUP_IFPREFIXES};

	if (!ifname)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(ifname, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

bool plan_conntype_applies(enum ns_conntype c, const char *ifname)
{
	if (!ifname || c == NS_CONN_ALL)
		return true;
	return plan_ifname_is_dialup(ifname) == (c == NS_CONN_DIALUP);
}

/* qsort is not stable: carry the original position as the tie-breaker. */
struct sort_item {
	struct plan_filter f;
	size_t pos;
};

static int sort_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->f.weight != y->f.weight)
		return x->f.weight > y->f.weight ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int plan_sort(struct plan *p)
{
	struct sort_item *items;

	if (p->n_filters < 2)
		return 0;
	items = calloc(p->n_filters, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_filters; i++) {
		items[i].f = p->filters[i];
		items[i].pos = i;
	}
	qsort(items, p->n_filters, sizeof(*items), sort_cmp);
	for (size_t i = 0; i < p->n_filters; i++)
		p->filters[i] = items[i].f;
	free(items);
	return 0;
}

static bool rule_equal(const struct plan_rule *a, const struct plan_rule *b)
{
	if (a->store != b->store || strcmp(a->policy_guid, b->policy_guid) ||
	    strcmp(a->rule_guid, b->rule_guid) || !ns_str_equal(a->policy_name, b->policy_name) ||
	    !ns_str_equal(a->rule_name, b->rule_name) || a->is_default != b->is_default ||
	    a->action != b->action || a->inpass != b->inpass || a->soft != b->soft ||
	    a->qmpfs != b->qmpfs || a->n_qm != b->n_qm || a->n_auth != b->n_auth ||
	    a->tunnel != b->tunnel || a->tunnel_dst != b->tunnel_dst ||
	    a->conntype != b->conntype || a->n_mm != b->n_mm ||
	    a->mm_lifetime_sec != b->mm_lifetime_sec || a->qmpermm != b->qmpermm ||
	    a->mmpfs != b->mmpfs || a->reqid != b->reqid || a->mark != b->mark)
		return false;
	for (size_t i = 0; i < a->n_qm; i++)
		if (!ns_qm_method_equal(&a->qm[i], &b->qm[i]))
			return false;
	for (size_t i = 0; i < a->n_mm; i++)
		if (!ns_mm_method_equal(&a->mm[i], &b->mm[i]))
			return false;
	for (size_t i = 0; i < a->n_auth; i++)
		if (!ns_auth_equal(&a->auth[i], &b->auth[i]))
			return false;
	return true;
}

static bool filter_equal(const struct plan_filter *a, const struct plan_filter *b)
{
	return a->sel.src == b->sel.src && a->sel.dst == b->sel.dst &&
	       a->sel.src_plen == b->sel.src_plen && a->sel.dst_plen == b->sel.dst_plen &&
	       a->sel.proto == b->sel.proto && a->sel.sport == b->sel.sport &&
	       a->sel.dport == b->sel.dport && a->weight == b->weight && a->id == b->id &&
	       a->rule == b->rule && a->action == b->action && a->tunnel == b->tunnel &&
	       a->mirror == b->mirror && a->reqid == b->reqid &&
	       !strcmp(a->filter_guid, b->filter_guid);
}

/* The config reaches backends too (drop logging, IKE logging, CRL checks). */
static bool config_equal(const struct ns_config *a, const struct ns_config *b)
{
	if (a->ipsecdiagnostics != b->ipsecdiagnostics || a->ikelogging != b->ikelogging ||
	    a->strongcrlcheck != b->strongcrlcheck || a->ipsecloginterval != b->ipsecloginterval ||
	    a->ipsecexempt != b->ipsecexempt || a->bootmode != b->bootmode ||
	    a->n_bootexemptions != b->n_bootexemptions)
		return false;
	for (size_t i = 0; i < a->n_bootexemptions && i < NS_MAX_BOOTEXEMPTIONS; i++) {
		const struct ns_bootexemption *x = &a->bootexemptions[i],
					      *y = &b->bootexemptions[i];

		if (x->protocol != y->protocol || x->srcport != y->srcport ||
		    x->dstport != y->dstport || x->dir != y->dir)
			return false;
	}
	return true;
}

void plan_filter_mirror(struct plan_filter *t, const struct plan_filter *f)
{
	*t = *f;
	t->sel.src = f->sel.dst;
	t->sel.dst = f->sel.src;
	t->sel.src_plen = f->sel.dst_plen;
	t->sel.dst_plen = f->sel.src_plen;
	t->sel.sport = f->sel.dport;
	t->sel.dport = f->sel.sport;
	t->mirror = true;
	t->weight = plan_weight(&t->sel, t->action);
}

bool plan_equal(const struct plan *a, const struct plan *b)
{
	if (!config_equal(&a->config, &b->config))
		return false;
	if (a->n_rules != b->n_rules || a->n_filters != b->n_filters || a->n_me != b->n_me ||
	    a->n_bcast != b->n_bcast || memcmp(&a->exempt, &b->exempt, sizeof(a->exempt)))
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	for (size_t i = 0; i < a->n_filters; i++)
		if (!filter_equal(&a->filters[i], &b->filters[i]))
			return false;
	if (a->n_me && memcmp(a->me, b->me, a->n_me * sizeof(*a->me)))
		return false;
	if (a->n_bcast && memcmp(a->bcast, b->bcast, a->n_bcast * sizeof(*a->bcast)))
		return false;
	return true;
}

void plan_exempt_set(struct plan_exempt *e, unsigned ipsecexempt)
{
	/* 0 exempts everything; 1 drops Kerberos and RSVP from that; 2 drops
	 * multicast and broadcast; 3 keeps only IKE. */
	e->ike = true;
	e->kerberos = ipsecexempt == 0 || ipsecexempt == 2;
	e->rsvp = e->kerberos;
	e->multicast = ipsecexempt == 0 || ipsecexempt == 1;
	e->broadcast = e->multicast;
}
