// SPDX-License-Identifier: GPL-2.0
/*
 * Reference matcher and random plans.  Deliberately naive: it is the oracle
 * that the fast classifiers are compared with, so it must be obviously
 * right rather than quick.
 */
#include "match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_ports(uint8_t proto)
{
	return proto == NS_PROTO_TCP || proto == NS_PROTO_UDP;
}

bool plan_sel_match(const struct plan_sel *s, const struct plan_pkt *pkt)
{
	uint32_t smask = plan_plen_mask(s->src_plen), dmask = plan_plen_mask(s->dst_plen);

	if ((pkt->src & smask) != (s->src & smask) || (pkt->dst & dmask) != (s->dst & dmask))
		return false;
	if (s->proto && pkt->proto != s->proto)
		return false;
	if (s->sport && (!has_ports(pkt->proto) || pkt->sport != s->sport))
		return false;
	if (s->dport && (!has_ports(pkt->proto) || pkt->dport != s->dport))
		return false;
	return true;
}

static bool either_port(const struct plan_pkt *pkt, uint16_t port)
{
	return pkt->sport == port || pkt->dport == port;
}

bool plan_exempt_pkt(const struct plan *p, const struct plan_pkt *pkt)
{
	const struct plan_exempt *e = &p->exempt;

	if (e->ike && pkt->proto == NS_PROTO_UDP &&
	    (either_port(pkt, PLAN_PORT_IKE) || either_port(pkt, PLAN_PORT_NATT)))
		return true;
	if (e->kerberos && has_ports(pkt->proto) && either_port(pkt, PLAN_PORT_KERBEROS))
		return true;
	if (e->rsvp && pkt->proto == PLAN_PROTO_RSVP)
		return true;
	if (e->multicast && (pkt->dst & 0xf0000000u) == 0xe0000000u)
		return true;
	if (e->broadcast) {
		if (pkt->dst == 0xffffffffu)
			return true;
		for (size_t i = 0; i < p->n_bcast; i++)
			if (pkt->dst == p->bcast[i])
				return true;
	}
	return false;
}

int plan_match(const struct plan *p, const struct plan_pkt *pkt)
{
	if (plan_exempt_pkt(p, pkt))
		return -1;
	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *f = &p->filters[i];

		if (f->rule < p->n_rules &&
		    !plan_conntype_applies(p->rules[f->rule].conntype, pkt->ifname))
			continue;
		if (plan_sel_match(&f->sel, pkt))
			return (int)i;
	}
	return -1;
}

/* ---- random plans --------------------------------------------------- */

/* xorshift32: the same sequence on every libc, unlike rand(). */
static uint32_t rnd(unsigned *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static uint32_t rnd_below(unsigned *state, uint32_t n)
{
	return n ? rnd(state) % n : 0;
}

/* A small address pool, 10.{0,1}.{0..3}.{0..7}, so that filters overlap. */
static uint32_t rnd_pool_addr(unsigned *state)
{
	return 0x0a000000u | rnd_below(state, 2) << 16 | rnd_below(state, 4) << 8 |
	       rnd_below(state, 8);
}

static const uint16_t port_pool[] = {80, 443, 53, 1000, 1001, 88, 500};
static const uint8_t plen_pool[] = {0, 8, 15, 16, 24, 29, 30, 32};
static const uint8_t proto_pool[] = {0, NS_PROTO_TCP, NS_PROTO_UDP, NS_PROTO_ICMP, 47};

struct rclass {
	uint8_t proto, src_plen, dst_plen;
	bool sport, dport;
};

static void rnd_class(unsigned *state, struct rclass *c)
{
	c->proto = proto_pool[rnd_below(state, sizeof(proto_pool))];
	c->src_plen = plen_pool[rnd_below(state, sizeof(plen_pool))];
	c->dst_plen = plen_pool[rnd_below(state, sizeof(plen_pool))];
	c->sport = has_ports(c->proto) && rnd_below(state, 3) == 0;
	c->dport = has_ports(c->proto) && rnd_below(state, 2) == 0;
}

static uint16_t rnd_port(unsigned *state)
{
	return port_pool[rnd_below(state, sizeof(port_pool) / sizeof(port_pool[0]))];
}

static int random_rules(struct plan *p)
{
	static const enum ns_action actions[] = {NS_ACTION_PERMIT, NS_ACTION_BLOCK,
						 NS_ACTION_NEGOTIATE, NS_ACTION_NEGOTIATE};
	uint32_t n_neg = 0;

	p->n_rules = sizeof(actions) / sizeof(actions[0]);
	p->rules = calloc(p->n_rules, sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		struct plan_rule *r = &p->rules[i];
		char name[24];

		snprintf(name, sizeof(name), "r%u", (unsigned)(i + 1) % 100);
		r->store = NS_STORE_LOCAL;
		snprintf(r->policy_guid, sizeof(r->policy_guid),
			 "{00000000-0000-0000-0000-000000000001}");
		snprintf(r->rule_guid, sizeof(r->rule_guid),
			 "{00000000-0000-0000-0000-0000000001%02u}", (unsigned)i % 100);
		r->policy_name = strdup("random");
		r->rule_name = strdup(name);
		r->mm = malloc(sizeof(ns_default_mm_methods));
		if (!r->policy_name || !r->rule_name || !r->mm)
			return -ENOMEM;
		memcpy(r->mm, ns_default_mm_methods, sizeof(ns_default_mm_methods));
		r->n_mm = sizeof(ns_default_mm_methods) / sizeof(ns_default_mm_methods[0]);
		r->mm_lifetime_sec = NS_DEFAULT_MMLIFETIME_MIN * 60;
		r->action = actions[i];
		if (r->action != NS_ACTION_NEGOTIATE)
			continue;
		r->qm = malloc(sizeof(ns_default_qm_methods));
		if (!r->qm)
			return -ENOMEM;
		memcpy(r->qm, ns_default_qm_methods, sizeof(ns_default_qm_methods));
		r->n_qm = sizeof(ns_default_qm_methods) / sizeof(ns_default_qm_methods[0]);
		n_neg++;
		r->mark = PLAN_MARK_BASE + n_neg;
		r->reqid = PLAN_REQID_RULE_BASE + n_neg;
	}
	return 0;
}

static void rnd_filter(unsigned *state, const struct rclass *c, struct plan_sel *s)
{
	s->proto = c->proto;
	s->src_plen = c->src_plen;
	s->dst_plen = c->dst_plen;
	s->src = rnd_pool_addr(state) & plan_plen_mask(c->src_plen);
	s->dst = rnd_pool_addr(state) & plan_plen_mask(c->dst_plen);
	s->sport = c->sport ? rnd_port(state) : 0;
	s->dport = c->dport ? rnd_port(state) : 0;
}

int plan_random(struct plan *p, unsigned seed, size_t n_filters, size_t max_classes)
{
	return plan_random_ext(p, seed, n_filters, max_classes, 0);
}

/* The extras draw from their own generator, so that a plan_random() seed
 * gives the same filters with or without them. */
static void random_extras(struct plan *p, unsigned seed, unsigned flags)
{
	unsigned st = seed * 40503u + 7;

	for (size_t i = 0; i < p->n_rules; i++) {
		struct plan_rule *r = &p->rules[i];

		if (flags & PLAN_RANDOM_CONNTYPE)
			r->conntype = (enum ns_conntype)rnd_below(&st, 3);
		if ((flags & PLAN_RANDOM_TUNNEL) && r->action == NS_ACTION_NEGOTIATE &&
		    rnd_below(&st, 2)) {
			r->tunnel = true;
			r->tunnel_dst = 0xc6336401u; /* 198.51.100.1 */
		}
	}
	for (size_t i = 0; i < p->n_filters; i++)
		p->filters[i].tunnel = p->rules[p->filters[i].rule].tunnel;
}

int plan_random_ext(struct plan *p, unsigned seed, size_t n_filters, size_t max_classes,
		    unsigned flags)
{
	unsigned st = seed * 2654435761u + 1;
	struct rclass *classes;
	size_t n_classes;
	uint32_t n_neg_filters = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!max_classes)
		return -EINVAL;
	ns_config_defaults(&p->config);
	p->config.ipsecexempt = rnd_below(&st, 4);
	plan_exempt_set(&p->exempt, p->config.ipsecexempt);
	p->bcast = malloc(sizeof(*p->bcast));
	p->me = malloc(sizeof(*p->me));
	classes = calloc(max_classes, sizeof(*classes));
	p->filters = calloc(n_filters ? n_filters : 1, sizeof(*p->filters));
	if (!p->bcast || !p->me || !classes || !p->filters) {
		ret = -ENOMEM;
		goto fail;
	}
	p->bcast[0] = 0x0a000007u; /* as if 10.0.0.0/29 were a local subnet */
	p->n_bcast = 1;
	p->me[0] = 0x0a000001u;
	p->n_me = 1;
	ret = random_rules(p);
	if (ret)
		goto fail;

	n_classes = 1 + rnd_below(&st, (uint32_t)max_classes);
	for (size_t i = 0; i < n_classes; i++)
		rnd_class(&st, &classes[i]);

	while (p->n_filters < n_filters) {
		const struct rclass *c = &classes[rnd_below(&st, (uint32_t)n_classes)];
		uint32_t rule = rnd_below(&st, (uint32_t)p->n_rules);
		struct plan_filter *f = &p->filters[p->n_filters];
		/* A twin has the swapped shape: only symmetric classes may mirror,
		 * so the class count stays within max_classes. */
		bool mirror = c->src_plen == c->dst_plen && c->sport == c->dport &&
			      p->n_filters + 2 <= n_filters && rnd_below(&st, 4) == 0;

		rnd_filter(&st, c, &f->sel);
		f->rule = rule;
		f->action = p->rules[rule].action;
		f->weight = plan_weight(&f->sel, f->action);
		f->id = (uint32_t)p->n_filters + 1;
		snprintf(f->filter_guid, sizeof(f->filter_guid), "{00000000-0000-0000-0001-%012x}",
			 (unsigned)(p->n_filters + 1));
		if (f->action == NS_ACTION_NEGOTIATE)
			f->reqid = PLAN_REQID_FILTER_BASE + ++n_neg_filters;
		p->n_filters++;
		if (mirror) {
			struct plan_filter *t = &p->filters[p->n_filters];

			plan_filter_mirror(t, f);
			t->id = (uint32_t)p->n_filters + 1;
			p->n_filters++;
		}
	}
	free(classes);
	random_extras(p, seed, flags);
	ret = plan_sort(p);
	if (ret)
		plan_free(p);
	return ret;
fail:
	free(classes);
	plan_free(p);
	return ret;
}

void plan_random_pkt(const struct plan *p, unsigned *state, struct plan_pkt *pkt)
{
	uint32_t kind = rnd_below(state, 16);

	memset(pkt, 0, sizeof(*pkt));
	pkt->src = rnd_pool_addr(state);
	pkt->dst = rnd_pool_addr(state);
	pkt->proto = proto_pool[1 + rnd_below(state, sizeof(proto_pool) - 1)];
	if (kind == 0) {
		/* Candidates for the exemptions. */
		switch (rnd_below(state, 6)) {
		case 0:
			pkt->proto = NS_PROTO_UDP;
			pkt->dport = rnd_below(state, 2) ? PLAN_PORT_IKE : PLAN_PORT_NATT;
			break;
		case 1:
			pkt->proto = rnd_below(state, 2) ? NS_PROTO_TCP : NS_PROTO_UDP;
			pkt->sport = PLAN_PORT_KERBEROS;
			break;
		case 2:
			pkt->proto = PLAN_PROTO_RSVP;
			break;
		case 3:
			pkt->dst = 0xe0000005u;
			break;
		case 4:
			pkt->dst = 0xffffffffu;
			break;
		default:
			pkt->dst = p->n_bcast ? p->bcast[0] : 0xffffffffu;
			break;
		}
	} else if (kind > 2 && p->n_filters) {
		const struct plan_sel *s =
			&p->filters[rnd_below(state, (uint32_t)p->n_filters)].sel;
		uint32_t sm = plan_plen_mask(s->src_plen), dm = plan_plen_mask(s->dst_plen);

		pkt->src = (s->src & sm) | (rnd_pool_addr(state) & ~sm);
		pkt->dst = (s->dst & dm) | (rnd_pool_addr(state) & ~dm);
		if (s->proto)
			pkt->proto = s->proto;
		if (has_ports(pkt->proto)) {
			pkt->sport = s->sport ? s->sport : rnd_port(state);
			pkt->dport = s->dport ? s->dport : rnd_port(state);
		}
		return;
	} else if (kind == 1) {
		pkt->src = rnd(state);
		pkt->dst = rnd(state);
	}
	if (has_ports(pkt->proto) && !pkt->sport && !pkt->dport) {
		pkt->sport = rnd_port(state);
		pkt->dport = rnd_port(state);
	}
}
