/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-made plans for the VICI tests: the unit tests, the netns driver
 * and the load benchmark (tests/bench/vici_load.c) build the same shapes.
 * Everything is heap-allocated the way plan_free() expects.
 */
#ifndef NETSH_IPSEC_VICI_FIXTURE_H
#define NETSH_IPSEC_VICI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/plan.h"

static inline uint32_t fx_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static inline void *fx_grow(void *v, size_t n, size_t sz)
{
	void *nv = realloc(v, (n + 1) * sz);

	if (!nv)
		abort();
	memset((char *)nv + n * sz, 0, sz);
	return nv;
}

static inline char *fx_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static inline void fx_add_me(struct plan *p, uint32_t a)
{
	p->me = fx_grow(p->me, p->n_me, sizeof(*p->me));
	p->me[p->n_me++] = a;
}

/* A negotiate rule with the reference defaults (3DES-SHA1-2 ... and
 * ESP[3DES,SHA1] ESP[3DES,MD5]) and a preshared key; n is its number. */
static inline struct plan_rule *fx_add_rule(struct plan *p, unsigned n, const char *psk)
{
	struct plan_rule *r;

	p->rules = fx_grow(p->rules, p->n_rules, sizeof(*p->rules));
	r = &p->rules[p->n_rules++];
	snprintf(r->policy_guid, sizeof(r->policy_guid), "{00000000-0000-0000-0000-%012u}", 1u);
	snprintf(r->rule_guid, sizeof(r->rule_guid), "{0000ABCD-0000-0000-0000-%012u}", n);
	r->policy_name = fx_strdup("Test Policy");
	{
		char name[32];

		snprintf(name, sizeof(name), "rule%u", n);
		r->rule_name = fx_strdup(name);
	}
	r->action = NS_ACTION_NEGOTIATE;
	r->n_qm = 2;
	r->qm = calloc(2, sizeof(*r->qm));
	memcpy(r->qm, ns_default_qm_methods, 2 * sizeof(*r->qm));
	r->n_mm = 3;
	r->mm = calloc(3, sizeof(*r->mm));
	memcpy(r->mm, ns_default_mm_methods, 3 * sizeof(*r->mm));
	r->mm_lifetime_sec = NS_DEFAULT_MMLIFETIME_MIN * 60;
	if (psk) {
		r->n_auth = 1;
		r->auth = calloc(1, sizeof(*r->auth));
		r->auth[0].kind = NS_AUTH_PSK;
		r->auth[0].value = fx_strdup(psk);
	}
	r->reqid = PLAN_REQID_RULE_BASE + n;
	r->mark = PLAN_MARK_BASE + n;
	return r;
}

static inline void fx_add_auth(struct plan_rule *r, enum ns_auth_kind k, const char *value)
{
	r->auth = fx_grow(r->auth, r->n_auth, sizeof(*r->auth));
	r->auth[r->n_auth].kind = k;
	r->auth[r->n_auth++].value = fx_strdup(value ? value : "");
}

/* A filter of the last rule, and its mirror when asked; reqid shared. */
static inline void fx_add_filter(struct plan *p, struct plan_sel sel, bool mirrored, uint32_t reqid)
{
	size_t ri = p->n_rules - 1;
	struct plan_filter *f;

	for (int twin = 0; twin < (mirrored ? 2 : 1); twin++) {
		p->filters = fx_grow(p->filters, p->n_filters, sizeof(*p->filters));
		f = &p->filters[p->n_filters++];
		f->sel = sel;
		if (twin) {
			f->sel.src = sel.dst;
			f->sel.dst = sel.src;
			f->sel.src_plen = sel.dst_plen;
			f->sel.dst_plen = sel.src_plen;
			f->sel.sport = sel.dport;
			f->sel.dport = sel.sport;
			f->mirror = true;
		}
		f->rule = (uint32_t)ri;
		f->action = p->rules[ri].action;
		f->tunnel = p->rules[ri].tunnel;
		f->weight = plan_weight(&f->sel, f->action);
		f->id = (uint32_t)p->n_filters;
		f->reqid = reqid;
		snprintf(f->filter_guid, sizeof(f->filter_guid), "{0000F11E-0000-0000-0000-%012u}",
			 (unsigned)(reqid & 0xffff));
	}
}

static inline struct plan_sel fx_sel(uint32_t src, uint8_t sp, uint32_t dst, uint8_t dp,
				     uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct plan_sel s = { .src = src, .dst = dst, .src_plen = sp, .dst_plen = dp,
			      .proto = proto, .sport = sport, .dport = dport };

	return s;
}

/*
 * n host-to-host transport rules: 10.99.0.1 ↔ 10.100.x.y (rule i, its own
 * preshared key), mirrored, one filter each.
 */
static inline void fx_many(struct plan *p, unsigned n)
{
	memset(p, 0, sizeof(*p));
	fx_add_me(p, fx_ip(10, 99, 0, 1));
	for (unsigned i = 1; i <= n; i++) {
		char psk[32];

		snprintf(psk, sizeof(psk), "secret-%u", i);
		fx_add_rule(p, i, psk);
		fx_add_filter(p, fx_sel(fx_ip(10, 99, 0, 1), 32, fx_ip(10, 100, i >> 8, i & 0xff), 32,
					0, 0, 0),
			      true, PLAN_REQID_FILTER_BASE + i);
	}
}

#endif
