// SPDX-License-Identifier: GPL-2.0
/* Evaluate the assigned policies into a plan (see evaluate.h). */
#include "evaluate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errmsg.h"
#include "lib/format.h"

/* One concrete side of a filter. */
struct ep {
	uint32_t addr;
	uint8_t plen;
};

struct eval_ctx {
	const struct eval_input *in;
	struct plan *p;
	size_t cap_rules, cap_filters;
	char *err;
	size_t errlen;
};

static int fail(struct eval_ctx *c, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct eval_ctx *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_verrmsg(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static void note(struct eval_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct eval_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->in->notes)
		return;
	fputs("note: ", c->in->notes);
	va_start(ap, fmt);
	vfprintf(c->in->notes, fmt, ap);
	va_end(ap);
	fputc('\n', c->in->notes);
}

static uint8_t mask_plen(uint32_t mask)
{
	uint8_t n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

static const char *srv_name(enum ns_addr_kind k)
{
	switch (k) {
	case NS_ADDR_SRV_DNS:
		return "DNS servers";
	case NS_ADDR_SRV_WINS:
		return "WINS servers";
	case NS_ADDR_SRV_DHCP:
		return "DHCP server";
	case NS_ADDR_SRV_GATEWAY:
		return "default gateway";
	case NS_ADDR_ME:
		return "Me (local addresses)";
	default:
		return "?";
	}
}

/* Expand one endpoint; *eps is malloc'ed (NULL with *n == 0 when empty). */
static int expand_ep(struct eval_ctx *c, const struct ns_endpoint *e, struct ep **eps, size_t *n)
{
	const struct sysinfo *si = c->in->sys;
	const uint32_t *list = NULL;
	size_t cnt = 0;
	uint8_t plen;

	*eps = NULL;
	*n = 0;
	switch (e->kind) {
	case NS_ADDR_ANY:
	case NS_ADDR_IP:
	case NS_ADDR_DNS_NAME:
		plen = e->kind == NS_ADDR_ANY ? 0 : mask_plen(e->mask);
		*eps = malloc(sizeof(**eps));
		if (!*eps)
			return -ENOMEM;
		(*eps)->plen = plen;
		(*eps)->addr = e->kind == NS_ADDR_ANY ? 0 : e->addr & plan_plen_mask(plen);
		*n = 1;
		return 0;
	case NS_ADDR_ME:
		*eps = calloc(c->p->n_me ? c->p->n_me : 1, sizeof(**eps));
		if (!*eps)
			return -ENOMEM;
		for (size_t i = 0; i < c->p->n_me; i++)
			(*eps)[i] = (struct ep){c->p->me[i], 32};
		*n = c->p->n_me;
		return 0;
	case NS_ADDR_SRV_DNS:
		if (si)
			list = si->dns, cnt = si->n_dns;
		break;
	case NS_ADDR_SRV_WINS:
		if (si)
			list = si->wins, cnt = si->n_wins;
		break;
	case NS_ADDR_SRV_DHCP:
		if (si)
			list = si->dhcp, cnt = si->n_dhcp;
		break;
	case NS_ADDR_SRV_GATEWAY:
		if (si)
			list = si->gateways, cnt = si->n_gateways;
		break;
	default:
		return -EINVAL;
	}
	*eps = calloc(cnt ? cnt : 1, sizeof(**eps));
	if (!*eps)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++)
		(*eps)[i] = (struct ep){list[i], 32};
	*n = cnt;
	return 0;
}

static struct plan_filter *new_filter(struct eval_ctx *c)
{
	struct plan *p = c->p;

	if (p->n_filters == c->cap_filters) {
		size_t cap = c->cap_filters ? 2 * c->cap_filters : 16;
		struct plan_filter *f = realloc(p->filters, cap * sizeof(*f));

		if (!f)
			return NULL;
		p->filters = f;
		c->cap_filters = cap;
	}
	memset(&p->filters[p->n_filters], 0, sizeof(p->filters[0]));
	return &p->filters[p->n_filters++];
}

static bool has_ports(uint8_t proto)
{
	return proto == NS_PROTO_TCP || proto == NS_PROTO_UDP;
}

/* The filter's label for a message: built only when one is printed (a
 * large filter list would otherwise spend its time in snprintf). */
#define FWHAT(buf)                                                                                 \
	(snprintf(buf, sizeof(buf), "%s filter %zu of \"%s\"", what, fidx + 1, flname), buf)

static int add_filters(struct eval_ctx *c, size_t rule_idx, const struct ns_filter *nf,
		       const char *what, const char *flname, size_t fidx)
{
	char fw[700];
	const struct plan_rule *r = &c->p->rules[rule_idx];
	struct ep *src = NULL, *dst = NULL;
	size_t n_src, n_dst;
	uint16_t sport = has_ports(nf->protocol) ? nf->srcport : 0;
	uint16_t dport = has_ports(nf->protocol) ? nf->dstport : 0;
	bool mirror = nf->mirrored && !r->tunnel;
	int ret;

	ret = expand_ep(c, &nf->src, &src, &n_src);
	if (!ret)
		ret = expand_ep(c, &nf->dst, &dst, &n_dst);
	if (ret) {
		free(src);
		return fail(c, ret, "%s: cannot expand its addresses: %s", FWHAT(fw),
			    strerror(-ret));
	}
	if (c->in->notes && (!n_src || !n_dst))
		note(c, "%s: %s: none known, the filter expands to nothing", FWHAT(fw),
		     srv_name(!n_src ? nf->src.kind : nf->dst.kind));
	if (c->in->notes && nf->mirrored && r->tunnel)
		note(c, "%s: mirrored ignored in a tunnel rule (one direction per tunnel rule)",
		     FWHAT(fw));
	for (size_t i = 0; i < n_src; i++) {
		for (size_t j = 0; j < n_dst; j++) {
			struct plan_filter *f = new_filter(c);
			if (!f)
				goto nomem;
			f->sel = (struct plan_sel){.src = src[i].addr,
						   .dst = dst[j].addr,
						   .src_plen = src[i].plen,
						   .dst_plen = dst[j].plen,
						   .proto = nf->protocol,
						   .sport = sport,
						   .dport = dport};
			f->rule = (uint32_t)rule_idx;
			f->action = r->action;
			f->tunnel = r->tunnel;
			f->weight = plan_weight(&f->sel, f->action);
			f->id = (uint32_t)c->p->n_filters;
			memcpy(f->filter_guid, nf->guid, sizeof(f->filter_guid));
			/* reqid: number_negotiate(), once the plan is complete. */
			if (mirror) {
				struct plan_filter *t = new_filter(c), *o;

				if (!t)
					goto nomem;
				o = t - 1; /* new_filter may have moved the array */
				plan_filter_mirror(t, o);
				t->id = (uint32_t)c->p->n_filters;
			}
		}
	}
	free(src);
	free(dst);
	return 0;
nomem:
	free(src);
	free(dst);
	return fail(c, -ENOMEM, "%s: out of memory", FWHAT(fw));
}

static struct plan_rule *new_rule(struct eval_ctx *c)
{
	struct plan *p = c->p;

	if (p->n_rules == c->cap_rules) {
		size_t cap = c->cap_rules ? 2 * c->cap_rules : 8;
		struct plan_rule *r = realloc(p->rules, cap * sizeof(*r));

		if (!r)
			return NULL;
		p->rules = r;
		c->cap_rules = cap;
	}
	memset(&p->rules[p->n_rules], 0, sizeof(p->rules[0]));
	return &p->rules[p->n_rules++];
}

static int copy_auth(struct plan_rule *r, const struct ns_rule *nr)
{
	size_t n = nr->n_auth ? nr->n_auth : 1;

	r->auth = calloc(n, sizeof(*r->auth));
	if (!r->auth)
		return -ENOMEM;
	if (!nr->n_auth) {
		/* No method given: the dynamic defaults, which are Kerberos. */
		r->auth[0].kind = NS_AUTH_KERBEROS;
		r->auth[0].value = strdup("");
		r->n_auth = 1;
		return r->auth[0].value ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r->auth[i] = nr->auth[i];
		r->auth[i].value = strdup(nr->auth[i].value ? nr->auth[i].value : "");
		r->n_auth = i + 1;
		if (!r->auth[i].value)
			return -ENOMEM;
	}
	return 0;
}

static void *dup_array(const void *a, size_t n, size_t size)
{
	void *d = malloc(n ? n * size : 1);

	if (d && n)
		memcpy(d, a, n * size);
	return d;
}

/* Fill one plan rule from a policy rule; the caller adds its filters. */
static int add_rule(struct eval_ctx *c, enum ns_store_location loc, const struct ns_db *db,
		    const struct ns_policy *pol, const struct ns_rule *nr, const char *what)
{
	const struct ns_filteraction *fa = ns_db_filteraction_by_guid(db, nr->filteraction_guid);
	struct plan_rule *r;

	if (!fa)
		return fail(c, -ENOENT, "%s: filter action %s not found", what,
			    nr->filteraction_guid);
	r = new_rule(c);
	if (!r)
		return fail(c, -ENOMEM, "%s: out of memory", what);
	r->store = loc;
	memcpy(r->policy_guid, pol->guid, sizeof(r->policy_guid));
	memcpy(r->rule_guid, nr->guid, sizeof(r->rule_guid));
	r->policy_name = strdup(pol->name ? pol->name : "");
	r->rule_name = strdup(nr->name && !nr->is_default ? nr->name : "");
	r->is_default = nr->is_default;
	/* The default response rule always negotiates, whatever it holds. */
	r->action = nr->is_default ? NS_ACTION_NEGOTIATE : fa->action;
	r->tunnel = nr->tunnel_set && !nr->is_default;
	r->tunnel_dst = r->tunnel ? nr->tunnel_addr : 0;
	r->conntype = nr->conntype;
	if (r->action == NS_ACTION_NEGOTIATE) {
		/* Block and permit ignore the quick mode settings (reference). */
		const struct ns_qm_method *qm = fa->methods;
		size_t n_qm = fa->n_methods;

		if (!n_qm) {
			qm = ns_default_qm_methods;
			n_qm = sizeof(ns_default_qm_methods) / sizeof(ns_default_qm_methods[0]);
		}
		r->inpass = fa->inpass;
		r->soft = fa->soft;
		r->qmpfs = fa->qmpfs;
		r->qm = dup_array(qm, n_qm, sizeof(*qm));
		r->n_qm = r->qm ? n_qm : 0;
		/* mark and reqid: number_negotiate(). */
	}
	if (pol->n_mm_methods) {
		r->mm = dup_array(pol->mm_methods, pol->n_mm_methods, sizeof(*r->mm));
		r->n_mm = r->mm ? pol->n_mm_methods : 0;
	} else {
		r->n_mm = sizeof(ns_default_mm_methods) / sizeof(ns_default_mm_methods[0]);
		r->mm = dup_array(ns_default_mm_methods, r->n_mm, sizeof(*r->mm));
		if (!r->mm)
			r->n_mm = 0;
	}
	r->mm_lifetime_sec =
		(pol->mmlifetime_min ? pol->mmlifetime_min : NS_DEFAULT_MMLIFETIME_MIN) * 60;
	r->mmpfs = pol->mmpfs;
	r->qmpermm = pol->mmpfs ? 1 : pol->qmpermm;
	if (!r->policy_name || !r->rule_name || !r->mm ||
	    (r->action == NS_ACTION_NEGOTIATE && !r->qm) || copy_auth(r, nr))
		return fail(c, -ENOMEM, "%s: out of memory", what);
	return 0;
}

static int add_policy(struct eval_ctx *c, enum ns_store_location loc, const struct ns_db *db,
		      const struct ns_policy *pol)
{
	char what[512];
	int ret;

	if (!pol) {
		note(c, "%s store: no policy assigned",
		     loc == NS_STORE_PERSISTENT ? "persistent" : "local");
		return 0;
	}
	for (size_t i = 0; i < pol->n_rules; i++) {
		const struct ns_rule *nr = &pol->rules[i];
		const struct ns_filterlist *fl;

		snprintf(what, sizeof(what), "policy \"%s\" rule %zu \"%s\"", pol->name, i + 1,
			 nr->name ? nr->name : "");
		if (!nr->active) {
			note(c, "%s: inactive, skipped", what);
			continue;
		}
		fl = ns_db_filterlist_by_guid(db, nr->filterlist_guid);
		if (!fl)
			return fail(c, -ENOENT, "%s: filter list %s not found", what,
				    nr->filterlist_guid);
		ret = add_rule(c, loc, db, pol, nr, what);
		if (ret)
			return ret;
		if (!fl->n_filters)
			note(c, "%s: filter list \"%s\" is empty", what, fl->name);
		for (size_t j = 0; j < fl->n_filters; j++) {
			ret = add_filters(c, c->p->n_rules - 1, &fl->filters[j], what, fl->name, j);
			if (ret)
				return ret;
		}
	}
	if (pol->default_rule.active) {
		snprintf(what, sizeof(what), "policy \"%s\" default response rule", pol->name);
		ret = add_rule(c, loc, db, pol, &pol->default_rule, what);
		if (ret)
			return ret;
		c->p->rules[c->p->n_rules - 1].is_default = true;
	}
	return 0;
}

/* ---- kernel handles ----------------------------------------------------- */

/*
 * Marks and reqids come from a hash of what the rule or filter is (store,
 * GUIDs, expanded addresses), not from its position: adding, removing or
 * editing one rule leaves every other rule's handles alone, so charon
 * keeps its other SAs and the kernel objects of the other rules are not
 * replaced.  Collisions are resolved by probing in plan order, so the same
 * inputs always give the same numbers.
 */
#define RULE_NUM_SPACE	 0xffffu   /* mark/reqid base + 1..0xffff */
#define FILTER_NUM_SPACE 0xffffffu /* reqid base + 1..2^24-1 */

struct numset {
	uint32_t *slot; /* 0 = free */
	size_t cap, n;
};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	char up;

	/* GUIDs compare case-insensitively. */
	for (; *s; s++) {
		up = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		h = fnv(h, &up, 1);
	}
	return fnv(h, "", 1);
}

static bool numset_has(const struct numset *s, uint32_t v)
{
	for (size_t i = v & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slot[i])
			return false;
		if (s->slot[i] == v)
			return true;
	}
}

static int numset_add(struct numset *s, uint32_t v)
{
	if (2 * (s->n + 1) > s->cap) {
		struct numset g = {.cap = s->cap ? 2 * s->cap : 64};

		g.slot = calloc(g.cap, sizeof(*g.slot));
		if (!g.slot)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				numset_add(&g, s->slot[i]);
		free(s->slot);
		*s = g;
	}
	for (size_t i = v & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
		if (!s->slot[i]) {
			s->slot[i] = v;
			s->n++;
			return 0;
		}
}

/* A free number in 1..space near the hash; 0 when the space is full. */
static uint32_t numset_take(struct numset *s, uint64_t h, uint32_t space)
{
	uint32_t v = (uint32_t)(h % space) + 1;

	if (s->n >= space)
		return 0;
	if (s->cap)
		while (numset_has(s, v))
			v = v % space + 1;
	return numset_add(s, v) ? 0 : v;
}

static int number_negotiate(struct eval_ctx *c)
{
	struct plan *p = c->p;
	struct numset rules = {0}, filters = {0};
	int ret = 0;

	for (size_t i = 0; i < p->n_rules && !ret; i++) {
		struct plan_rule *r = &p->rules[i];
		uint64_t h = fnv(14695981039346656037ull, &r->store, sizeof(r->store));
		uint32_t n;

		if (r->action != NS_ACTION_NEGOTIATE)
			continue;
		n = numset_take(&rules, fnv_str(fnv_str(h, r->policy_guid), r->rule_guid),
				RULE_NUM_SPACE);
		if (!n)
			ret = fail(c, -E2BIG, "more than %u negotiate rules", RULE_NUM_SPACE);
		r->mark = PLAN_MARK_BASE + n;
		r->reqid = PLAN_REQID_RULE_BASE + n;
	}
	for (size_t i = 0; i < p->n_filters && !ret; i++) {
		struct plan_filter *f = &p->filters[i];
		const struct plan_rule *r = &p->rules[f->rule];
		uint64_t h;
		uint32_t m;

		if (f->action != NS_ACTION_NEGOTIATE)
			continue;
		if (f->mirror) {
			/* The twin directly follows its original: one child, one reqid. */
			f->reqid = p->filters[i - 1].reqid;
			continue;
		}
		h = fnv(14695981039346656037ull, &r->store, sizeof(r->store));
		h = fnv_str(fnv_str(fnv_str(h, r->policy_guid), r->rule_guid), f->filter_guid);
		/* Field by field: struct padding is not part of the identity. */
		h = fnv(h, &f->sel.src, sizeof(f->sel.src));
		h = fnv(h, &f->sel.dst, sizeof(f->sel.dst));
		h = fnv(h, &f->sel.src_plen, 1);
		h = fnv(h, &f->sel.dst_plen, 1);
		m = numset_take(&filters, h, FILTER_NUM_SPACE);
		if (!m)
			ret = fail(c, -E2BIG, "more than %u negotiate filters", FILTER_NUM_SPACE);
		f->reqid = PLAN_REQID_FILTER_BASE + m;
	}
	free(rules.slot);
	free(filters.slot);
	return ret;
}

static int fill_machine(struct eval_ctx *c)
{
	const struct sysinfo *si = c->in->sys;
	struct plan *p = c->p;

	if (!si || !si->n_addrs)
		return 0;
	p->me = calloc(si->n_addrs, sizeof(*p->me));
	p->bcast = calloc(si->n_addrs, sizeof(*p->bcast));
	if (!p->me || !p->bcast)
		return -ENOMEM;
	for (size_t i = 0; i < si->n_addrs; i++) {
		const struct sysinfo_addr *a = &si->addrs[i];
		uint32_t b;
		size_t k;

		p->me[p->n_me++] = a->addr;
		/* /31 and /32 have no broadcast address. */
		if (a->plen > 30)
			continue;
		b = a->addr | ~plan_plen_mask(a->plen);
		for (k = 0; k < p->n_bcast && p->bcast[k] != b; k++)
			;
		if (k == p->n_bcast)
			p->bcast[p->n_bcast++] = b;
	}
	return 0;
}

int plan_evaluate(const struct eval_input *in, struct plan *out, char *err, size_t errlen)
{
	struct eval_ctx c = {.in = in, .p = out, .err = err, .errlen = errlen};
	char buf[INET_ADDRSTRLEN];
	int ret;

	memset(out, 0, sizeof(*out));
	if (in->config)
		out->config = *in->config;
	else
		ns_config_defaults(&out->config);
	plan_exempt_set(&out->exempt, out->config.ipsecexempt);
	ret = fill_machine(&c);
	if (ret) {
		fail(&c, ret, "local addresses: out of memory");
		goto out;
	}
	if (!out->n_me)
		note(&c, "no local IPv4 address: Me expands to nothing");
	for (size_t i = 0; in->notes && i < out->n_me; i++)
		note(&c, "Me: %s", ns_fmt_ipv4_str(out->me[i], buf));
	if (in->persistent) {
		ret = add_policy(&c, NS_STORE_PERSISTENT, in->persistent,
				 ns_db_assigned_policy(in->persistent));
		if (ret)
			goto out;
	}
	if (in->local) {
		ret = add_policy(&c, NS_STORE_LOCAL, in->local, ns_db_assigned_policy(in->local));
		if (ret)
			goto out;
	}
	/* Dynamic rules: every policy of that db stands for one rule. */
	for (size_t i = 0; in->dynamic && i < in->dynamic->n_policies; i++) {
		ret = add_policy(&c, NS_STORE_LOCAL, in->dynamic, &in->dynamic->policies[i]);
		if (ret)
			goto out;
	}
	ret = number_negotiate(&c);
	if (ret)
		goto out;
	ret = plan_sort(out);
	if (ret)
		fail(&c, ret, "sorting filters: out of memory");
out:
	if (ret)
		plan_free(out);
	return ret;
}

static unsigned policy_polling(const struct ns_db *db)
{
	const struct ns_policy *p = db ? ns_db_assigned_policy(db) : NULL;

	if (!p)
		return 0;
	return (p->pollinginterval_min ? p->pollinginterval_min : NS_DEFAULT_POLLING_MIN) * 60;
}

unsigned plan_polling_interval(const struct ns_db *persistent, const struct ns_db *local)
{
	unsigned a = policy_polling(persistent), b = policy_polling(local);

	if (!a || !b)
		return a ? a : b;
	return a < b ? a : b;
}
