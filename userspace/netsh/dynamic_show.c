// SPDX-License-Identifier: GPL-2.0
/*
 * `netsh ipsec dynamic show ...`: what is in force right now.
 *
 * Policies and generic filters come from the assigned static policies and
 * the dynamic objects; specific filters are the evaluated plan (keywords
 * expanded into addresses, each with its weight); security associations
 * and IKE statistics come from charon over VICI, IPsec statistics from the
 * kernel (/proc/net/xfrm_stat).  Output is `Label : value` lines, or a
 * tab-separated table where the command takes format=table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apply/current.h"
#include "cmd_dynamic.h"
#include "lib/config.h"
#include "lib/format.h"
#include "lib/values.h"
#include "vici/vici.h"
#include "lib/errmsg.h"

#define LINE 1024

static void kv(FILE *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void kv(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-26s: ", label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void heading(FILE *out, const char *title)
{
	size_t n = strlen(title);

	fprintf(out, "\n%s\n", title);
	while (n--)
		fputc('-', out);
	fputc('\n', out);
}

/* ------------------------------------------------------------------ */
/* What is in force: the assigned static policies and the dynamic objects */

struct spd {
	struct ns_db pers, local;
	struct ns_dyn_db dyn;
};

static int spd_load(struct ns_session *s, struct spd *d, char *err, size_t errlen)
{
	char e[512];
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (s->dir) {
		r = current_load_store(s->dir, NS_STORE_PERSISTENT, &d->pers, err, errlen);
		if (!r)
			r = current_load_store(s->dir, NS_STORE_LOCAL, &d->local, err, errlen);
	}
	if (!r) {
		r = ns_dyn_read(ns_dyn_rundir(), &d->dyn, e, sizeof(e));
		if (r)
			ns_errmsg(err, errlen, "%s", e);
	}
	if (r) {
		ns_db_free(&d->pers);
		ns_db_free(&d->local);
	}
	return r;
}

static void spd_free(struct spd *d)
{
	ns_db_free(&d->pers);
	ns_db_free(&d->local);
	ns_dyn_db_free(&d->dyn);
}

/* The assigned static policies, persistent first. */
static const struct ns_policy *spd_static(const struct spd *d, int i, const struct ns_db **db,
					  const char **where)
{
	const struct ns_db *dbs[2] = {&d->pers, &d->local};
	static const char *const names[2] = {"persistent", "local"};

	if (i < 0 || i > 1)
		return NULL;
	*db = dbs[i];
	*where = names[i];
	return ns_db_assigned_policy(dbs[i]);
}

/* ------------------------------------------------------------------ */
/* show config */

static int show_config(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_config cfg;
	char e[512];
	int r;

	ns_config_defaults(&cfg);
	if (s->dir) {
		r = ns_config_load(s->dir, &cfg, e, sizeof(e));
		if (r < 0)
			return ns_fail(err, errlen, r, "%s", e);
	}
	heading(s->out, "IPsec configuration");
	kv(s->out, "ipsecdiagnostics", "%u", cfg.ipsecdiagnostics);
	kv(s->out, "ikelogging", "%u", cfg.ikelogging);
	kv(s->out, "strongcrlcheck", "%u", cfg.strongcrlcheck);
	kv(s->out, "ipsecloginterval", "%u", cfg.ipsecloginterval);
	kv(s->out, "ipsecexempt", "%u", cfg.ipsecexempt);
	kv(s->out, "bootmode", "%s", ns_bootmode_name(cfg.bootmode));
	if (!cfg.n_bootexemptions) {
		kv(s->out, "bootexemptions", "none");
	} else {
		fprintf(s->out, "%-26s: ", "bootexemptions");
		for (size_t i = 0; i < cfg.n_bootexemptions; i++) {
			const struct ns_bootexemption *b = &cfg.bootexemptions[i];
			char proto[NS_FMT_SHORT];

			ns_fmt_protocol(proto, sizeof(proto), b->protocol);
			fprintf(s->out, "%s%s:%u:%u:%s", i ? " " : "", proto, b->srcport,
				b->dstport, b->dir == NS_DIR_INBOUND ? "inbound" : "outbound");
		}
		fputc('\n', s->out);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* show mmpolicy / qmpolicy */

static void print_mm(FILE *out, const char *name, const char *source, uint32_t softsa_min,
		     uint32_t qmpermm, uint32_t lifetime_min, const struct ns_mm_method *m,
		     size_t n)
{
	char buf[LINE];

	heading(out, "Main Mode Policy");
	kv(out, "Policy Name", "%s", name);
	kv(out, "Source", "%s", source);
	kv(out, "Soft SA Expiration Time", "%u min", softsa_min);
	kv(out, "QM Limit per MM", "%u%s", qmpermm, qmpermm ? "" : " (unlimited)");
	kv(out, "Main Mode Lifetime", "%u min (%u s)", lifetime_min, lifetime_min * 60u);
	for (size_t i = 0; i < n; i++) {
		ns_fmt_mm_method(buf, sizeof(buf), &m[i]);
		kv(out, i ? "" : "Security Methods", "%s", buf);
	}
}

static void print_qm(FILE *out, const char *name, const char *source, bool soft, const char *pfs,
		     const struct ns_qm_method *m, size_t n)
{
	char buf[LINE];

	heading(out, "Quick Mode Policy");
	kv(out, "Policy Name", "%s", name);
	kv(out, "Source", "%s", source);
	kv(out, "Soft", "%s", ns_fmt_yesno(soft));
	kv(out, "PFS Group", "%s", pfs);
	for (size_t i = 0; i < n; i++) {
		ns_fmt_qm_method(buf, sizeof(buf), &m[i]);
		kv(out, i ? "" : "Security Methods", "%s", buf);
	}
}

static int show_mm_policies(struct ns_session *s, const struct spd *d, const struct ns_arg *n,
			    char *err, size_t errlen)
{
	size_t shown = 0;

	for (size_t i = 0; i < d->dyn.n_mm; i++) {
		const struct ns_dyn_mmpolicy *m = &d->dyn.mm[i];

		if (n && !n->all && strcmp(n->s, m->name) != 0)
			continue;
		print_mm(s->out, m->name, "dynamic", m->softsa_min, m->qmpermm, m->mmlifetime_min,
			 m->methods, m->n_methods);
		shown++;
	}
	for (int i = 0; i < 2; i++) {
		const struct ns_db *db;
		const char *where;
		const struct ns_policy *p = spd_static(d, i, &db, &where);
		char src[LINE];

		if (!p || (n && !n->all && strcmp(n->s, p->name) != 0))
			continue;
		snprintf(src, sizeof(src), "assigned policy of the %s store", where);
		print_mm(s->out, p->name, src, NS_DYN_DEFAULT_SOFTSA_MIN, p->mmpfs ? 1 : p->qmpermm,
			 p->mmlifetime_min, p->n_mm_methods ? p->mm_methods : ns_default_mm_methods,
			 p->n_mm_methods ? p->n_mm_methods : 3);
		shown++;
	}
	if (!shown && n && !n->all)
		return ns_fail(
			err, errlen, -ENOENT,
			"no main mode policy named \"%s\" is in force; 'show mmpolicy all' lists "
			"them",
			n->s);
	if (!shown)
		fprintf(s->out, "No main mode policies are in force.\n");
	return 0;
}

static int show_qm_policies(struct ns_session *s, const struct spd *d, const struct ns_arg *n,
			    char *err, size_t errlen)
{
	size_t shown = 0;

	for (size_t i = 0; i < d->dyn.n_qm; i++) {
		const struct ns_dyn_qmpolicy *q = &d->dyn.qm[i];

		if (n && !n->all && strcmp(n->s, q->name) != 0)
			continue;
		print_qm(s->out, q->name, "dynamic", q->soft, ns_pfsgroup_name(q->pfs), q->methods,
			 q->n_methods);
		shown++;
	}
	for (int i = 0; i < 2; i++) {
		const struct ns_db *db;
		const char *where;
		const struct ns_policy *p = spd_static(d, i, &db, &where);

		for (size_t k = 0; p && k < p->n_rules; k++) {
			const struct ns_filteraction *fa =
				ns_db_filteraction_by_guid(db, p->rules[k].filteraction_guid);
			char src[LINE];

			if (!p->rules[k].active || !fa || fa->action != NS_ACTION_NEGOTIATE)
				continue;
			if (n && !n->all && strcmp(n->s, fa->name) != 0)
				continue;
			snprintf(src, sizeof(src), "filter action of rule \"%s\", %s store",
				 p->rules[k].name, where);
			print_qm(s->out, fa->name, src, fa->soft, fa->qmpfs ? "grpmm" : "nopfs",
				 fa->n_methods ? fa->methods : ns_default_qm_methods,
				 fa->n_methods ? fa->n_methods : 2);
			shown++;
		}
	}
	if (!shown && n && !n->all)
		return ns_fail(err, errlen, -ENOENT,
			       "no quick mode policy named \"%s\" is in force; 'show qmpolicy all' "
			       "lists them",
			       n->s);
	if (!shown)
		fprintf(s->out, "No quick mode policies are in force.\n");
	return 0;
}

static int show_mmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct spd d;
	int r = spd_load(s, &d, err, errlen);

	if (!r)
		r = show_mm_policies(s, &d, ns_arg_get(a, "name"), err, errlen);
	spd_free(&d);
	return r;
}

static int show_qmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct spd d;
	int r = spd_load(s, &d, err, errlen);

	if (!r)
		r = show_qm_policies(s, &d, ns_arg_get(a, "name"), err, errlen);
	spd_free(&d);
	return r;
}

/* ------------------------------------------------------------------ */
/* Generic rules and filters */

/* The selection arguments of show rule / mmfilter / qmfilter. */
struct sel {
	bool src_set, dst_set;
	struct ns_dyn_addr src, dst;
	bool srcmask_set, dstmask_set;
	uint32_t srcmask, dstmask;
	bool proto_set, sport_set, dport_set, in_set, out_set;
	uint8_t proto;
	uint16_t sport, dport;
	enum ns_action in, out;
	int type; /* 0 any, 1 transport, 2 tunnel */
	bool resolvedns;
	const struct ns_arg *name;
};

static int sel_parse(struct ns_session *s, const struct ns_args *a, struct sel *x, char *err,
		     size_t errlen)
{
	const struct ns_arg *v;
	int r = 0;

	memset(x, 0, sizeof(*x));
	x->name = ns_arg_get(a, "name");
	if ((v = ns_arg_get(a, "resolvedns")))
		x->resolvedns = v->b;
	if ((v = ns_arg_get(a, "srcaddr"))) {
		x->src_set = true;
		r = ns_dyn_parse_addr("srcaddr", v->s, !(s->flags & NS_RESOLVE_NONE), &x->src, err,
				      errlen);
	}
	if (!r && (v = ns_arg_get(a, "dstaddr"))) {
		x->dst_set = true;
		r = ns_dyn_parse_addr("dstaddr", v->s, !(s->flags & NS_RESOLVE_NONE), &x->dst, err,
				      errlen);
	}
	if ((v = ns_arg_get(a, "srcmask"))) {
		x->srcmask_set = true;
		x->srcmask = v->u;
	}
	if ((v = ns_arg_get(a, "dstmask"))) {
		x->dstmask_set = true;
		x->dstmask = v->u;
	}
	if ((v = ns_arg_get(a, "protocol"))) {
		x->proto_set = true;
		x->proto = (uint8_t)v->u;
	}
	if ((v = ns_arg_get(a, "srcport"))) {
		x->sport_set = true;
		x->sport = (uint16_t)v->u;
	}
	if ((v = ns_arg_get(a, "dstport"))) {
		x->dport_set = true;
		x->dport = (uint16_t)v->u;
	}
	if ((v = ns_arg_get(a, "actioninbound"))) {
		x->in_set = true;
		x->in = (enum ns_action)v->u;
	}
	if ((v = ns_arg_get(a, "actionoutbound"))) {
		x->out_set = true;
		x->out = (enum ns_action)v->u;
	}
	return r;
}

static void sel_free(struct sel *x)
{
	ns_endpoint_free(&x->src.ep);
	ns_endpoint_free(&x->dst.ep);
}

static bool ep_matches(const struct ns_dyn_addr *want, const struct ns_endpoint *have)
{
	if (want->range)
		return have->kind == NS_ADDR_IP && have->addr >= want->ep.addr &&
		       have->addr <= want->range_end;
	if (want->ep.kind != have->kind)
		return false;
	if (want->ep.kind == NS_ADDR_DNS_NAME && want->ep.dnsname && have->dnsname)
		return strcasecmp(want->ep.dnsname, have->dnsname) == 0;
	return want->ep.addr == have->addr;
}

/* One generic filter, whatever context it came from. */
struct gfilter {
	char name[LINE];
	const char *source;
	struct ns_endpoint src, dst; /* borrowed */
	bool src_range, dst_range;
	uint32_t src_end, dst_end;
	uint8_t proto;
	uint16_t sport, dport;
	bool mirrored;
	enum ns_conntype conntype;
	enum ns_action in, out;
	bool tunnel;
	uint32_t tunnel_addr;
	const char *mmpolicy, *qmpolicy;
	const struct ns_auth *auth;
	size_t n_auth;
};

static bool gfilter_selected(const struct sel *x, const struct gfilter *g)
{
	if (x->name && !x->name->all && strcmp(x->name->s, g->name) != 0)
		return false;
	if (x->src_set && !ep_matches(&x->src, &g->src))
		return false;
	if (x->dst_set && !ep_matches(&x->dst, &g->dst))
		return false;
	if (x->srcmask_set && x->srcmask != g->src.mask)
		return false;
	if (x->dstmask_set && x->dstmask != g->dst.mask)
		return false;
	if (x->proto_set && x->proto != g->proto)
		return false;
	if (x->sport_set && x->sport != g->sport)
		return false;
	if (x->dport_set && x->dport != g->dport)
		return false;
	if (x->in_set && x->in != g->in)
		return false;
	if (x->out_set && x->out != g->out)
		return false;
	if (x->type == 1 && g->tunnel)
		return false;
	if (x->type == 2 && !g->tunnel)
		return false;
	return true;
}

/* resolvedns=yes: a host address also shows the name it resolves to. */
static void fmt_side(char *buf, size_t len, const struct ns_endpoint *e, bool range, uint32_t end,
		     bool resolvedns)
{
	if (range) {
		char a[NS_FMT_SHORT], b[NS_FMT_SHORT];

		ns_fmt_ipv4(a, sizeof(a), e->addr);
		ns_fmt_ipv4(b, sizeof(b), end);
		snprintf(buf, len, "%s-%s", a, b);
		return;
	}
	ns_fmt_endpoint(buf, len, e);
	if (resolvedns && e->kind == NS_ADDR_IP && e->mask == 0xffffffffu) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(e->addr)};
		char host[NI_MAXHOST];
		size_t used = strlen(buf);

		if (getnameinfo((struct sockaddr *)&sin, sizeof(sin), host, sizeof(host), NULL, 0,
				NI_NAMEREQD) == 0)
			snprintf(buf + used, len - used, " (%s)", host);
	}
}

enum gkind { G_RULE, G_MM, G_QM };

/* g is shown as it is; a mirror arrives already swapped (gfilter_mirror). */
static void print_gfilter(FILE *out, const struct gfilter *g, enum gkind k, bool mirror,
			  bool resolvedns)
{
	char src[LINE], dst[LINE], m1[NS_FMT_SHORT], m2[NS_FMT_SHORT], buf[LINE];
	const struct ns_endpoint *s1 = &g->src, *d1 = &g->dst;
	bool r1 = g->src_range, r2 = g->dst_range;
	uint32_t e1 = g->src_end, e2 = g->dst_end;

	heading(out, k == G_RULE ? "Rule"
		     : k == G_MM ? "Main Mode Filter (generic)"
				 : "Quick Mode Filter (generic)");
	kv(out, k == G_RULE ? "Rule" : "Filter Name", "%s%s", g->name, mirror ? " (mirror)" : "");
	kv(out, "Source", "%s", g->source);
	kv(out, "Connection Type", "%s", ns_fmt_conntype(g->conntype));
	fmt_side(src, sizeof(src), s1, r1, e1, resolvedns);
	fmt_side(dst, sizeof(dst), d1, r2, e2, resolvedns);
	ns_fmt_mask(m1, sizeof(m1), s1->mask);
	ns_fmt_mask(m2, sizeof(m2), d1->mask);
	kv(out, "Source Address", "%s", src);
	if (!r1)
		kv(out, "Source Mask", "%s", m1);
	kv(out, "Destination Address", "%s", dst);
	if (!r2)
		kv(out, "Destination Mask", "%s", m2);
	if (g->tunnel) {
		ns_fmt_ipv4(buf, sizeof(buf), g->tunnel_addr);
		kv(out, "Tunnel Destination", "%s", buf);
	}
	if (k != G_MM) {
		ns_fmt_protocol(buf, sizeof(buf), g->proto);
		kv(out, "Protocol", "%s", buf);
		kv(out, "Source Port", "%u", g->sport);
		kv(out, "Destination Port", "%u", g->dport);
		kv(out, "Inbound Action", "%s", ns_fmt_action(g->in));
		kv(out, "Outbound Action", "%s", ns_fmt_action(g->out));
		kv(out, "Quick Mode Policy", "%s",
		   g->qmpolicy && *g->qmpolicy ? g->qmpolicy : "(none)");
	}
	if (k == G_RULE)
		kv(out, "Mirrored", "%s", ns_fmt_yesno(g->mirrored));
	if (k != G_QM) {
		kv(out, "Main Mode Policy", "%s", g->mmpolicy);
		for (size_t i = 0; i < g->n_auth; i++) {
			ns_fmt_auth(buf, sizeof(buf), &g->auth[i]);
			kv(out, i ? "" : "Authentication Methods", "%s", buf);
		}
		if (!g->n_auth)
			kv(out, "Authentication Methods", "Kerberos");
	}
}

typedef void (*gfilter_fn)(void *ctx, const struct gfilter *g);

/* Every generic filter in force: dynamic rules, then the rules of the
 * assigned static policies. */
static void for_each_gfilter(const struct spd *d, gfilter_fn fn, void *ctx)
{
	for (size_t i = 0; i < d->dyn.n_rules; i++) {
		const struct ns_dyn_rule *r = &d->dyn.rules[i];
		struct gfilter g = {.source = "dynamic",
				    .src = r->src.ep,
				    .dst = r->dst.ep,
				    .src_range = r->src.range,
				    .dst_range = r->dst.range,
				    .src_end = r->src.range_end,
				    .dst_end = r->dst.range_end,
				    .proto = r->protocol,
				    .sport = r->srcport,
				    .dport = r->dstport,
				    .mirrored = r->mirrored,
				    .conntype = r->conntype,
				    .in = r->action_in,
				    .out = r->action_out,
				    .tunnel = r->tunnel_set,
				    .tunnel_addr = r->tunnel_addr,
				    .mmpolicy = r->mmpolicy,
				    .qmpolicy = r->qmpolicy,
				    .auth = r->auth,
				    .n_auth = r->n_auth};

		snprintf(g.name, sizeof(g.name), "dynamic rule %u", r->id);
		fn(ctx, &g);
	}
	for (int i = 0; i < 2; i++) {
		const struct ns_db *db;
		const char *where;
		const struct ns_policy *p = spd_static(d, i, &db, &where);
		char source[LINE];

		if (!p)
			continue;
		snprintf(source, sizeof(source), "policy \"%s\" (%s store)", p->name, where);
		for (size_t k = 0; k < p->n_rules; k++) {
			const struct ns_rule *ru = &p->rules[k];
			const struct ns_filterlist *fl =
				ns_db_filterlist_by_guid(db, ru->filterlist_guid);
			const struct ns_filteraction *fa =
				ns_db_filteraction_by_guid(db, ru->filteraction_guid);

			if (!ru->active || !fl || !fa)
				continue;
			for (size_t f = 0; f < fl->n_filters; f++) {
				const struct ns_filter *nf = &fl->filters[f];
				enum ns_action in = fa->action;

				if (fa->action == NS_ACTION_NEGOTIATE && fa->inpass)
					in = NS_ACTION_PERMIT;
				struct gfilter g = {.source = source,
						    .src = nf->src,
						    .dst = nf->dst,
						    .proto = nf->protocol,
						    .sport = nf->srcport,
						    .dport = nf->dstport,
						    .mirrored = nf->mirrored,
						    .conntype = ru->conntype,
						    .in = in,
						    .out = fa->action,
						    .tunnel = ru->tunnel_set,
						    .tunnel_addr = ru->tunnel_addr,
						    .mmpolicy = p->name,
						    .qmpolicy = fa->action == NS_ACTION_NEGOTIATE
									? fa->name
									: "",
						    .auth = ru->auth,
						    .n_auth = ru->n_auth};

				snprintf(g.name, sizeof(g.name), "%s: rule %zu \"%s\" filter %zu",
					 p->name, k + 1, ru->name, f + 1);
				fn(ctx, &g);
			}
		}
	}
}

struct gshow {
	FILE *out;
	const struct sel *x;
	enum gkind kind;
	size_t shown;
};

/* The reverse filter of a mirrored one: a filter of its own, selected and
 * shown by its own addresses and ports. */
static void gfilter_mirror(const struct gfilter *g, struct gfilter *m)
{
	*m = *g;
	m->src = g->dst;
	m->dst = g->src;
	m->src_range = g->dst_range;
	m->dst_range = g->src_range;
	m->src_end = g->dst_end;
	m->dst_end = g->src_end;
	m->sport = g->dport;
	m->dport = g->sport;
}

static void gshow_one(void *ctx, const struct gfilter *g)
{
	struct gshow *c = ctx;
	struct gfilter m;

	if (gfilter_selected(c->x, g)) {
		print_gfilter(c->out, g, c->kind, false, c->x->resolvedns);
		c->shown++;
	}
	if (!g->mirrored || c->kind == G_RULE || g->tunnel)
		return;
	gfilter_mirror(g, &m);
	if (gfilter_selected(c->x, &m)) {
		print_gfilter(c->out, &m, c->kind, true, c->x->resolvedns);
		c->shown++;
	}
}

/* ------------------------------------------------------------------ */
/* Specific filters: the evaluated plan */

static bool plan_side_matches(const struct plan *p, const struct ns_dyn_addr *want, uint32_t addr,
			      uint8_t plen)
{
	if (want->range)
		return addr >= want->ep.addr && addr <= want->range_end;
	switch (want->ep.kind) {
	case NS_ADDR_ANY:
		return plen == 0;
	case NS_ADDR_ME:
		for (size_t i = 0; i < p->n_me; i++)
			if (p->me[i] == addr && plen == 32)
				return true;
		return false;
	default:
		return want->ep.addr == addr;
	}
}

static int show_specific(struct ns_session *s, const struct sel *x, enum gkind kind, char *err,
			 size_t errlen)
{
	struct current_input in = {
		.store_dir = s->dir, .rundir = ns_dyn_rundir(), .use_netlink = true};
	struct plan p;
	size_t shown = 0;
	int r;

	if (!s->dir)
		return ns_fail(err, errlen, -EINVAL,
			       "specific filters need a store directory; this session has none");
	r = current_plan(&in, &p, NULL, err, errlen);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p.n_filters; i++) {
		const struct plan_filter *f = &p.filters[i];
		const struct plan_rule *ru = &p.rules[f->rule];
		char a[NS_FMT_SHORT], b[NS_FMT_SHORT], proto[NS_FMT_SHORT], name[LINE];
		uint32_t sm = f->sel.src_plen ? ~0u << (32 - f->sel.src_plen) : 0;
		uint32_t dm = f->sel.dst_plen ? ~0u << (32 - f->sel.dst_plen) : 0;

		/* A dynamic rule is its own policy: name it once. */
		if (!*ru->rule_name || strcmp(ru->policy_name, ru->rule_name) == 0)
			snprintf(name, sizeof(name), "%s", ru->policy_name);
		else
			snprintf(name, sizeof(name), "%s: %s", ru->policy_name, ru->rule_name);
		if (x->name && !x->name->all && strcmp(x->name->s, name) != 0)
			continue;
		if (x->src_set && !plan_side_matches(&p, &x->src, f->sel.src, f->sel.src_plen))
			continue;
		if (x->dst_set && !plan_side_matches(&p, &x->dst, f->sel.dst, f->sel.dst_plen))
			continue;
		if ((x->srcmask_set && x->srcmask != sm) || (x->dstmask_set && x->dstmask != dm))
			continue;
		if ((x->proto_set && x->proto != f->sel.proto) ||
		    (x->sport_set && x->sport != f->sel.sport) ||
		    (x->dport_set && x->dport != f->sel.dport))
			continue;
		enum ns_action in_act = ru->inpass ? NS_ACTION_PERMIT : f->action;

		if ((x->in_set && x->in != in_act) || (x->out_set && x->out != f->action))
			continue;
		if ((x->type == 1 && f->tunnel) || (x->type == 2 && !f->tunnel))
			continue;
		/* Main mode filters carry addresses only: show each pair once. */
		if (kind == G_MM) {
			bool dup = false;

			for (size_t j = 0; j < i && !dup; j++) {
				const struct plan_filter *o = &p.filters[j];

				dup = o->rule == f->rule && o->sel.src == f->sel.src &&
				      o->sel.dst == f->sel.dst &&
				      o->sel.src_plen == f->sel.src_plen &&
				      o->sel.dst_plen == f->sel.dst_plen;
			}
			if (dup)
				continue;
		}
		heading(s->out, kind == G_MM ? "Main Mode Filter (specific)"
					     : "Quick Mode Filter (specific)");
		kv(s->out, "Filter Name", "%s%s", name, f->mirror ? " (mirror)" : "");
		ns_fmt_ipv4(a, sizeof(a), f->sel.src);
		ns_fmt_ipv4(b, sizeof(b), f->sel.dst);
		kv(s->out, "Source Address", "%s/%u", a, f->sel.src_plen);
		kv(s->out, "Destination Address", "%s/%u", b, f->sel.dst_plen);
		if (f->tunnel) {
			ns_fmt_ipv4(a, sizeof(a), ru->tunnel_dst);
			kv(s->out, "Tunnel Destination", "%s", a);
		}
		kv(s->out, "Connection Type", "%s", ns_fmt_conntype(ru->conntype));
		if (kind == G_QM) {
			ns_fmt_protocol(proto, sizeof(proto), f->sel.proto);
			kv(s->out, "Protocol", "%s", proto);
			kv(s->out, "Source Port", "%u", f->sel.sport);
			kv(s->out, "Destination Port", "%u", f->sel.dport);
			kv(s->out, "Inbound Action", "%s", ns_fmt_action(in_act));
			kv(s->out, "Outbound Action", "%s", ns_fmt_action(f->action));
		}
		kv(s->out, "Weight", "%u", f->weight);
		kv(s->out, "Precedence", "%zu of %zu", i + 1, p.n_filters);
		shown++;
	}
	if (!shown)
		fprintf(s->out, "No specific %s filters match.\n",
			kind == G_MM ? "main mode" : "quick mode");
	plan_free(&p);
	return 0;
}

static const char *const filter_types[] = {"generic", "specific", NULL};
static const char *const rule_types[] = {"transport", "tunnel", NULL};
static const char *const sa_formats[] = {"list", "table", NULL};
static const char *const stats_types[] = {"all", "ike", "ipsec", NULL};

static int show_filters(struct ns_session *s, const struct ns_args *a, enum gkind kind, char *err,
			size_t errlen)
{
	const struct ns_arg *t = ns_arg_get(a, "type");
	struct sel x;
	struct spd d;
	int r = sel_parse(s, a, &x, err, errlen);

	if (r < 0) {
		sel_free(&x);
		return r;
	}
	if (kind == G_RULE && t)
		x.type = (int)t->u + 1;
	if (kind != G_RULE && t && t->u == 1) {
		r = show_specific(s, &x, kind, err, errlen);
		sel_free(&x);
		return r;
	}
	r = spd_load(s, &d, err, errlen);
	if (!r) {
		struct gshow c = {.out = s->out, .x = &x, .kind = kind};

		for_each_gfilter(&d, gshow_one, &c);
		if (!c.shown && x.name && !x.name->all)
			r = ns_fail(err, errlen, -ENOENT,
				    "no filter named \"%s\" is in force; use name=all to list them",
				    x.name->s);
		else if (!c.shown)
			fprintf(s->out, "No %s match.\n",
				kind == G_RULE ? "rules" : "generic filters");
		spd_free(&d);
	}
	sel_free(&x);
	return r;
}

static int show_mmfilter(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return show_filters(s, a, G_MM, err, errlen);
}

static int show_qmfilter(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return show_filters(s, a, G_QM, err, errlen);
}

static int show_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return show_filters(s, a, G_RULE, err, errlen);
}

/* ------------------------------------------------------------------ */
/* charon: security associations and IKE statistics */

static const char *sa_socket_path(void)
{
	const char *p = getenv("NETSH_IPSEC_VICI");

	return p && *p ? p : "/run/charon.vici";
}

struct sa_ctx {
	FILE *out;
	bool table, quick;
	const struct sel *x;
	size_t shown;
};

static bool host_matches(const struct ns_dyn_addr *want, const char *host)
{
	uint32_t a;
	char e[8];

	if (!host || ns_val_ipv4(host, &a, e, sizeof(e)) < 0)
		return false;
	if (want->range)
		return a >= want->ep.addr && a <= want->range_end;
	if (want->ep.kind == NS_ADDR_ANY)
		return true;
	return want->ep.addr == a;
}

static const char *v(const struct vici_node *n, const char *path)
{
	const char *s = vici_str(n, path);

	return s ? s : "-";
}

static void print_child(struct sa_ctx *c, const struct vici_node *ike, const struct vici_node *ch)
{
	const struct vici_node *lts = vici_child(ch, "local-ts"),
			       *rts = vici_child(ch, "remote-ts");
	const char *lt = lts && lts->n_child ? lts->child[0].value : "-";
	const char *rt = rts && rts->n_child ? rts->child[0].value : "-";

	if (c->x->proto_set) {
		char want[NS_FMT_SHORT];

		ns_fmt_protocol(want, sizeof(want), c->x->proto);
		if (c->x->proto && !strcasestr(lt, want))
			return;
	}
	if (c->table) {
		fprintf(c->out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			v(ike, "local-host"), v(ike, "remote-host"), v(ch, "protocol"),
			v(ch, "mode"), v(ch, "encr-alg"), v(ch, "integ-alg"), v(ch, "spi-in"),
			v(ch, "spi-out"), lt, rt, v(ch, "bytes-in"));
	} else {
		heading(c->out, "Quick Mode SA");
		kv(c->out, "Name", "%s", ch->name);
		kv(c->out, "Me", "%s", v(ike, "local-host"));
		kv(c->out, "Peer", "%s", v(ike, "remote-host"));
		kv(c->out, "State", "%s", v(ch, "state"));
		kv(c->out, "Protocol", "%s (%s mode)", v(ch, "protocol"), v(ch, "mode"));
		kv(c->out, "Encryption", "%s %s", v(ch, "encr-alg"), v(ch, "encr-keysize"));
		kv(c->out, "Integrity", "%s", v(ch, "integ-alg"));
		kv(c->out, "PFS Group", "%s", v(ch, "dh-group"));
		kv(c->out, "SPI in / out", "%s / %s", v(ch, "spi-in"), v(ch, "spi-out"));
		kv(c->out, "Local Traffic", "%s", lt);
		kv(c->out, "Remote Traffic", "%s", rt);
		kv(c->out, "Bytes in / out", "%s / %s", v(ch, "bytes-in"), v(ch, "bytes-out"));
		kv(c->out, "Rekey in", "%s s", v(ch, "rekey-time"));
		kv(c->out, "Expires in", "%s s", v(ch, "life-time"));
	}
	c->shown++;
}

static void sa_event(void *ctx, const char *event, const struct vici_msg *msg)
{
	struct sa_ctx *c = ctx;

	for (size_t i = 0; i < msg->root.n_child; i++) {
		const struct vici_node *ike = &msg->root.child[i];
		const struct vici_node *children = vici_child(ike, "child-sas");

		if (ike->type != VICI_NODE_SECTION)
			continue;
		if (c->x->src_set && !host_matches(&c->x->src, vici_str(ike, "local-host")))
			continue;
		if (c->x->dst_set && !host_matches(&c->x->dst, vici_str(ike, "remote-host")))
			continue;
		if (c->quick) {
			for (size_t k = 0; children && k < children->n_child; k++)
				print_child(c, ike, &children->child[k]);
			continue;
		}
		if (c->table) {
			fprintf(c->out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v(ike, "local-host"),
				v(ike, "remote-host"), v(ike, "state"), v(ike, "encr-alg"),
				v(ike, "integ-alg"), v(ike, "dh-group"), v(ike, "established"),
				v(ike, "reauth-time"));
		} else {
			heading(c->out, "Main Mode SA");
			kv(c->out, "Name", "%s", ike->name);
			kv(c->out, "Me", "%s (%s)", v(ike, "local-host"), v(ike, "local-id"));
			kv(c->out, "Peer", "%s (%s)", v(ike, "remote-host"), v(ike, "remote-id"));
			kv(c->out, "State", "%s", v(ike, "state"));
			kv(c->out, "IKE Version", "%s", v(ike, "version"));
			kv(c->out, "Encryption", "%s %s", v(ike, "encr-alg"),
			   v(ike, "encr-keysize"));
			kv(c->out, "Integrity", "%s", v(ike, "integ-alg"));
			kv(c->out, "Diffie-Hellman Group", "%s", v(ike, "dh-group"));
			kv(c->out, "Established", "%s s ago", v(ike, "established"));
			kv(c->out, "Quick Mode SAs", "%zu", children ? children->n_child : 0);
		}
		c->shown++;
	}
}

static int show_sas(struct ns_session *s, const struct ns_args *a, bool quick, char *err,
		    size_t errlen)
{
	const struct ns_arg *f = ns_arg_get(a, "format");
	struct vici_conn *vc;
	struct sel x;
	int r = sel_parse(s, a, &x, err, errlen);

	if (r < 0) {
		sel_free(&x);
		return r;
	}
	r = vici_connect(sa_socket_path(), VICI_DEFAULT_TIMEOUT_MS, &vc, err, errlen);
	if (r < 0) {
		sel_free(&x);
		return r;
	}
	struct sa_ctx c = {.out = s->out, .table = f && f->u == 1, .quick = quick, .x = &x};

	if (c.table && quick)
		fprintf(s->out, "Me\tPeer\tProtocol\tMode\tEncryption\tIntegrity\tSPI in\tSPI "
				"out\tLocal traffic\tRemote traffic\tBytes in\n");
	else if (c.table)
		fprintf(s->out, "Me\tPeer\tState\tEncryption\tIntegrity\tDH group\tEstablished "
				"(s)\tReauth in (s)\n");
	r = vici_stream(vc, "list-sas", "list-sa", NULL, sa_event, &c, NULL, err, errlen);
	vici_close(vc);
	if (!r && !c.shown && !c.table)
		fprintf(s->out, "No %s SAs.\n", quick ? "quick mode" : "main mode");
	sel_free(&x);
	return r;
}

static int show_mmsas(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return show_sas(s, a, false, err, errlen);
}

static int show_qmsas(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return show_sas(s, a, true, err, errlen);
}

static int show_ike_stats(FILE *out, char *err, size_t errlen)
{
	struct vici_conn *vc;
	struct vici_msg *m = NULL;
	int r = vici_connect(sa_socket_path(), VICI_DEFAULT_TIMEOUT_MS, &vc, err, errlen);

	if (r < 0)
		return r;
	r = vici_request(vc, "stats", NULL, &m, err, errlen);
	vici_close(vc);
	if (r < 0)
		return r;
	heading(out, "IKE Statistics");
	kv(out, "Running", "%s s", v(&m->root, "uptime.running"));
	kv(out, "Since", "%s", v(&m->root, "uptime.since"));
	kv(out, "Worker Threads", "%s (%s idle)", v(&m->root, "workers.total"),
	   v(&m->root, "workers.idle"));
	kv(out, "Scheduled Jobs", "%s", v(&m->root, "scheduled"));
	kv(out, "Main Mode SAs", "%s", v(&m->root, "ikesas.total"));
	kv(out, "Half-open Main Mode SAs", "%s", v(&m->root, "ikesas.half-open"));
	vici_msg_free(m);
	return 0;
}

static int show_ipsec_stats(FILE *out, char *err, size_t errlen)
{
	FILE *f = fopen("/proc/net/xfrm_stat", "re");
	char line[LINE], name[LINE];
	unsigned long long val;

	if (!f)
		return ns_fail(
			err, errlen, -errno,
			"IPsec statistics: cannot read /proc/net/xfrm_stat: %s (kernel without "
			"XFRM statistics?)",
			strerror(errno));
	heading(out, "IPsec Statistics");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%1000s %llu", name, &val) == 2)
			kv(out, name, "%llu", val);
	fclose(f);
	return 0;
}

static int show_stats(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *t = ns_arg_get(a, "type");
	unsigned type = t ? t->u : 0;
	char e[LINE];
	int r;

	if (type == 1)
		return show_ike_stats(s->out, err, errlen);
	if (type == 2)
		return show_ipsec_stats(s->out, err, errlen);
	/* Both: the kernel's half is worth showing when charon is down. */
	if (show_ike_stats(s->out, e, sizeof(e)) < 0)
		fprintf(s->out, "\nIKE statistics: %s\n", e);
	r = show_ipsec_stats(s->out, err, errlen);
	return r;
}

/* show all: every part, with charon's parts replaced by a note when it is
 * not running (the rest is still worth seeing). */
static int show_all(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_args none = {0};
	char e[LINE];
	struct spd d;
	struct sel x = {0};
	int r = spd_load(s, &d, err, errlen);

	if (r < 0)
		return r;
	show_mm_policies(s, &d, NULL, e, sizeof(e));
	show_qm_policies(s, &d, NULL, e, sizeof(e));
	struct gshow c = {.out = s->out, .x = &x, .kind = G_MM};

	for_each_gfilter(&d, gshow_one, &c);
	c.kind = G_QM;
	for_each_gfilter(&d, gshow_one, &c);
	spd_free(&d);
	if (show_sas(s, &none, false, e, sizeof(e)) < 0 ||
	    show_sas(s, &none, true, e, sizeof(e)) < 0 || show_ike_stats(s->out, e, sizeof(e)) < 0)
		fprintf(s->out, "\nSecurity associations and IKE statistics: %s\n", e);
	if (show_ipsec_stats(s->out, e, sizeof(e)) < 0)
		fprintf(s->out, "\n%s\n", e);
	return 0;
}

/* ------------------------------------------------------------------ */

#define P_RESOLVEDNS                                                                               \
	{                                                                                          \
		.tag = "resolvedns", .type = NS_PT_BOOL, .flags = NS_P_NOPOS, .defval = "no",      \
		.help = "show DNS names of addresses"                                              \
	}
#define P_SEL_ADDRS                                                                                \
	{.tag = "srcaddr", .type = NS_PT_STRING, .flags = NS_P_NOPOS, .help = "source address"},   \
		{.tag = "dstaddr",                                                                 \
		 .type = NS_PT_STRING,                                                             \
		 .flags = NS_P_NOPOS,                                                              \
		 .help = "destination address"},                                                   \
		{.tag = "srcmask",                                                                 \
		 .type = NS_PT_MASK,                                                               \
		 .flags = NS_P_NOPOS,                                                              \
		 .help = "source mask"},                                                           \
	{                                                                                          \
		.tag = "dstmask", .type = NS_PT_MASK, .flags = NS_P_NOPOS,                         \
		.help = "destination mask"                                                         \
	}
#define P_SEL_QM                                                                                   \
	{.tag = "protocol", .type = NS_PT_PROTO, .flags = NS_P_NOPOS, .help = "protocol"},         \
		{.tag = "srcport",                                                                 \
		 .type = NS_PT_PORT,                                                               \
		 .flags = NS_P_NOPOS,                                                              \
		 .help = "source port"},                                                           \
		{.tag = "dstport",                                                                 \
		 .type = NS_PT_PORT,                                                               \
		 .flags = NS_P_NOPOS,                                                              \
		 .help = "destination port"},                                                      \
		{.tag = "actioninbound",                                                           \
		 .type = NS_PT_ENUM,                                                               \
		 .flags = NS_P_NOPOS,                                                              \
		 .choices = ns_dyn_action_choices,                                                 \
		 .help = "permit|block|negotiate"},                                                \
	{                                                                                          \
		.tag = "actionoutbound", .type = NS_PT_ENUM, .flags = NS_P_NOPOS,                  \
		.choices = ns_dyn_action_choices, .help = "permit|block|negotiate"                 \
	}

static const struct ns_param show_all_params[] = {P_RESOLVEDNS, {0}};
static const struct ns_param show_name_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .help = "name, or all"},
	{0},
};
static const struct ns_param show_mmfilter_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .help = "name, or all"},
	{.tag = "type",
	 .type = NS_PT_ENUM,
	 .choices = filter_types,
	 .defval = "generic",
	 .help = "generic (as configured) or specific (expanded, with weights)"},
	P_SEL_ADDRS,
	P_RESOLVEDNS,
	{0},
};
static const struct ns_param show_qmfilter_params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .help = "name, or all"},
	{.tag = "type",
	 .type = NS_PT_ENUM,
	 .choices = filter_types,
	 .defval = "generic",
	 .help = "generic (as configured) or specific (expanded, with weights)"},
	P_SEL_ADDRS,
	P_SEL_QM,
	P_RESOLVEDNS,
	{0},
};
static const struct ns_param show_rule_params[] = {
	{.tag = "type", .type = NS_PT_ENUM, .choices = rule_types, .help = "transport|tunnel"},
	P_SEL_ADDRS,
	P_SEL_QM,
	P_RESOLVEDNS,
	{0},
};
static const struct ns_param show_mmsas_params[] = {
	{.tag = "all", .type = NS_PT_STRING, .help = "every SA (default)"},
	{.tag = "srcaddr", .type = NS_PT_STRING, .flags = NS_P_NOPOS, .help = "our address"},
	{.tag = "dstaddr", .type = NS_PT_STRING, .flags = NS_P_NOPOS, .help = "the peer's address"},
	{.tag = "format",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_NOPOS,
	 .choices = sa_formats,
	 .defval = "list",
	 .help = "list|table"},
	P_RESOLVEDNS,
	{0},
};
static const struct ns_param show_qmsas_params[] = {
	{.tag = "all", .type = NS_PT_STRING, .help = "every SA (default)"},
	{.tag = "srcaddr", .type = NS_PT_STRING, .flags = NS_P_NOPOS, .help = "our address"},
	{.tag = "dstaddr", .type = NS_PT_STRING, .flags = NS_P_NOPOS, .help = "the peer's address"},
	{.tag = "protocol", .type = NS_PT_PROTO, .flags = NS_P_NOPOS, .help = "protocol"},
	{.tag = "format",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_NOPOS,
	 .choices = sa_formats,
	 .defval = "list",
	 .help = "list|table"},
	P_RESOLVEDNS,
	{0},
};
static const struct ns_param show_stats_params[] = {
	{.tag = "type",
	 .type = NS_PT_ENUM,
	 .choices = stats_types,
	 .defval = "all",
	 .help = "all|ike|ipsec"},
	{0},
};

const struct ns_cmd ns_cmds_dynamic_show[] = {
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "all"},
	 .params = show_all_params,
	 .run = show_all,
	 .summary = "Shows policies, filters, SAs and statistics in force."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "config"},
	 .run = show_config,
	 .summary = "Shows the IPsec configuration values."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "mmfilter"},
	 .params = show_mmfilter_params,
	 .run = show_mmfilter,
	 .summary = "Shows main mode filters."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "mmpolicy"},
	 .params = show_name_params,
	 .run = show_mmpolicy,
	 .summary = "Shows main mode policies."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "mmsas"},
	 .params = show_mmsas_params,
	 .run = show_mmsas,
	 .summary = "Shows main mode security associations."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "qmfilter"},
	 .params = show_qmfilter_params,
	 .run = show_qmfilter,
	 .summary = "Shows quick mode filters."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "qmpolicy"},
	 .params = show_name_params,
	 .run = show_qmpolicy,
	 .summary = "Shows quick mode policies."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "qmsas"},
	 .params = show_qmsas_params,
	 .run = show_qmsas,
	 .summary = "Shows quick mode security associations."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "rule"},
	 .params = show_rule_params,
	 .run = show_rule,
	 .summary = "Shows the rules in force."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"show", "stats"},
	 .params = show_stats_params,
	 .run = show_stats,
	 .summary = "Shows IKE and IPsec statistics."},
	{0},
};
