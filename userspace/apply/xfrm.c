// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM backend: lowers the plan into XFRM policies over netlink (libmnl).
 * This file owns every XFRM message of the project.
 *
 * apply() is a diff: it dumps the policies of our priority band, computes
 * the wanted set, and sends only the difference, many messages per
 * sendmsg.  New and changed policies go first (a changed action on the
 * same selector is one XFRM_MSG_UPDPOLICY, an atomic replace), obsolete
 * ones are deleted last: make-before-break, because XFRM has no
 * transaction.  Documentation/kernel-backends.md explains the choices.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "apply/nlutil.h"
#include "apply/plan_print.h"
#include "apply/vici_lower.h"
#include "apply/xfrm.h"

/* Messages per sendmsg: large enough to amortise the syscall, small enough
 * that the answers to one chunk always fit the receive buffer. */
#define XFRM_CHUNK (256u << 10)

/* The identity of a policy in the kernel: two policies with equal keys
 * cannot coexist (NEWPOLICY says EEXIST, UPDPOLICY replaces). */
struct xkey {
	struct xfrm_selector sel;
	uint32_t mark_v, mark_m, if_id;
	uint8_t dir;
	uint8_t pad[3];
};

struct xpol {
	struct xkey k;
	uint32_t prio;
	uint32_t index; /* kernel's, for deletes */
	uint8_t action;
	uint8_t ntmpl;
	uint8_t used; /* current policies: matched by a wanted one */
	uint8_t ours;
	struct xfrm_user_tmpl tmpl;
	long filter;	   /* plan filter index, -1 for exemptions and marks */
	const char *label; /* exemptions */
};

struct xvec {
	struct xpol *v;
	size_t n, cap;
};

/* Open-addressing index over xvec entries by key. */
struct xindex {
	uint32_t *slot; /* entry + 1, 0 = empty */
	size_t mask;
};

struct xctx {
	const struct plan *p;
	const struct apply_opts *o;
	bool make_only;	   /* prepare: add and update, delete nothing */
	bool transitional; /* block filters as XFRM block (see xfrm_backend_prepare) */
	bool check_only;   /* only say whether anything would change */
	char *err;
	size_t errlen;
	struct mnl_socket *nl;
	uint32_t seq;
};

static const char *const dir_names[] = {"in", "out", "fwd"};

static int xvec_push(struct xvec *x, const struct xpol *pol)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct xpol *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = *pol;
	return 0;
}

static uint64_t key_hash(const struct xkey *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int xindex_build(struct xindex *ix, const struct xvec *x)
{
	size_t sz = 16;

	while (sz < x->n * 2)
		sz <<= 1;
	ix->slot = calloc(sz, sizeof(*ix->slot));
	if (!ix->slot)
		return -ENOMEM;
	ix->mask = sz - 1;
	for (size_t i = 0; i < x->n; i++) {
		size_t s = key_hash(&x->v[i].k) & ix->mask;

		while (ix->slot[s])
			s = (s + 1) & ix->mask;
		ix->slot[s] = (uint32_t)i + 1;
	}
	return 0;
}

static bool key_equal(const struct xkey *a, const struct xkey *b)
{
	const struct xfrm_selector *x = &a->sel, *y = &b->sel;

	return a->dir == b->dir && a->mark_v == b->mark_v && a->mark_m == b->mark_m &&
	       a->if_id == b->if_id && x->family == y->family && x->saddr.a4 == y->saddr.a4 &&
	       x->daddr.a4 == y->daddr.a4 && x->prefixlen_s == y->prefixlen_s &&
	       x->prefixlen_d == y->prefixlen_d && x->proto == y->proto && x->sport == y->sport &&
	       x->sport_mask == y->sport_mask && x->dport == y->dport &&
	       x->dport_mask == y->dport_mask && x->ifindex == y->ifindex && x->user == y->user;
}

/* A selector as it came from the kernel, with padding cleared so that keys
 * hash alike (the bytes between fields are whatever the creator sent). */
static void sel_norm(const struct xfrm_selector *in, struct xfrm_selector *out)
{
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->saddr.a4 = in->saddr.a4;
	out->daddr.a4 = in->daddr.a4;
	out->prefixlen_s = in->prefixlen_s;
	out->prefixlen_d = in->prefixlen_d;
	out->proto = in->proto;
	out->sport = in->sport;
	out->sport_mask = in->sport_mask;
	out->dport = in->dport;
	out->dport_mask = in->dport_mask;
	out->ifindex = in->ifindex;
	out->user = in->user;
}

/* First entry with key k, or -1. */
static long xindex_find(const struct xindex *ix, const struct xvec *x, const struct xkey *k)
{
	size_t s = key_hash(k) & ix->mask;

	while (ix->slot[s]) {
		const struct xpol *e = &x->v[ix->slot[s] - 1];

		if (key_equal(&e->k, k))
			return (long)ix->slot[s] - 1;
		s = (s + 1) & ix->mask;
	}
	return -1;
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* As the reference matcher: ports exist for TCP and UDP only. */
static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static void sel_from_plan(const struct plan_sel *s, struct xfrm_selector *x)
{
	memset(x, 0, sizeof(*x));
	x->family = AF_INET;
	x->saddr.a4 = htonl(s->src & plen_mask(s->src_plen));
	x->daddr.a4 = htonl(s->dst & plen_mask(s->dst_plen));
	x->prefixlen_s = s->src_plen;
	x->prefixlen_d = s->dst_plen;
	x->proto = s->proto;
	/* Ports only mean something for protocols that have them. */
	if (has_ports(s->proto)) {
		if (s->sport) {
			x->sport = htons(s->sport);
			x->sport_mask = 0xffff;
		}
		if (s->dport) {
			x->dport = htons(s->dport);
			x->dport_mask = 0xffff;
		}
	}
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	default:
		return plan_proto_name(p, buf, len);
	}
}

/* "10.0.0.0/8 -> any proto tcp dport 80": the object name in messages. */
static void sel_str(const struct xfrm_selector *s, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pb[8], src[24], dst[24];
	int n;

	inet_ntop(AF_INET, &s->saddr.a4, a, sizeof(a));
	inet_ntop(AF_INET, &s->daddr.a4, b, sizeof(b));
	if (s->prefixlen_s)
		snprintf(src, sizeof(src), "%s/%u", a, s->prefixlen_s);
	else
		snprintf(src, sizeof(src), "any");
	if (s->prefixlen_d)
		snprintf(dst, sizeof(dst), "%s/%u", b, s->prefixlen_d);
	else
		snprintf(dst, sizeof(dst), "any");
	n = snprintf(buf, len, "%s -> %s", src, dst);
	if (s->proto && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " proto %s",
			      proto_name(s->proto, pb, sizeof(pb)));
	if (s->sport_mask && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " sport %u", ntohs(s->sport));
	if (s->dport_mask && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " dport %u", ntohs(s->dport));
	if (s->ifindex && n > 0 && (size_t)n < len) {
		char ifn[IF_NAMESIZE];

		if (if_indextoname((unsigned)s->ifindex, ifn))
			snprintf(buf + n, len - (size_t)n, " dev %s", ifn);
		else
			snprintf(buf + n, len - (size_t)n, " ifindex %d", s->ifindex);
	}
}

static void pol_name(const struct xpol *x, char *buf, size_t len)
{
	char s[128];

	sel_str(&x->k.sel, s, sizeof(s));
	if (x->k.mark_m)
		snprintf(buf, len, "policy %s %s mark 0x%x/0x%x", dir_names[x->k.dir % 3], s,
			 x->k.mark_v, x->k.mark_m);
	else
		snprintf(buf, len, "policy %s %s", dir_names[x->k.dir % 3], s);
}

/* One line in the spirit of `ip xfrm policy`. */
static void pol_print(FILE *f, const char *what, const struct xpol *x)
{
	char s[128], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	sel_str(&x->k.sel, s, sizeof(s));
	fprintf(f, "xfrm: %s dir %s %s", what, dir_names[x->k.dir % 3], s);
	if (x->k.mark_m)
		fprintf(f, " mark 0x%x/0x%x", x->k.mark_v, x->k.mark_m);
	fprintf(f, " priority 0x%x %s", x->prio,
		x->action == XFRM_POLICY_BLOCK ? "block" : "allow");
	if (x->ntmpl) {
		const struct xfrm_user_tmpl *t = &x->tmpl;

		inet_ntop(AF_INET, &t->saddr.a4, a, sizeof(a));
		inet_ntop(AF_INET, &t->id.daddr.a4, b, sizeof(b));
		fprintf(f, " tmpl %s %s", t->id.proto == IPPROTO_AH ? "ah" : "esp",
			t->mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport");
		if (t->mode == XFRM_MODE_TUNNEL)
			fprintf(f, " src %s dst %s", a, b);
		fprintf(f, " reqid %u level %s", t->reqid, t->optional ? "use" : "required");
	}
	if (x->filter >= 0)
		fprintf(f, " (filter %ld)", x->filter);
	else if (x->label)
		fprintf(f, " (%s)", x->label);
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Priorities and the filters XFRM needs */

int xfrm_filter_priorities(const struct plan *p, uint32_t *prio)
{
	uint32_t tier = 0, prev = 0;

	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *f = &p->filters[i];
		uint32_t w = plan_weight(&f->sel, f->action);
		uint32_t nat = XFRM_NS_TIER - 1 - (w & (XFRM_NS_TIER - 1));
		uint32_t v = XFRM_NS_PRIO_FILTER + tier * XFRM_NS_TIER + nat;

		/* Later in the plan must never mean a smaller number. */
		if (i && v < prev) {
			tier++;
			if (tier >= XFRM_NS_MAX_TIERS)
				return -E2BIG;
			v = XFRM_NS_PRIO_FILTER + tier * XFRM_NS_TIER + nat;
		}
		prio[i] = v;
		prev = v;
	}
	return 0;
}

static bool pfx_overlap(uint32_t a, uint8_t al, uint32_t b, uint8_t bl)
{
	uint32_t m = plen_mask(al < bl ? al : bl);

	return (a & m) == (b & m);
}

static bool sel_overlap(const struct plan_sel *a, const struct plan_sel *b)
{
	return pfx_overlap(a->src, a->src_plen, b->src, b->src_plen) &&
	       pfx_overlap(a->dst, a->dst_plen, b->dst, b->dst_plen) &&
	       (!a->proto || !b->proto || a->proto == b->proto) &&
	       (!a->sport || !b->sport || a->sport == b->sport) &&
	       (!a->dport || !b->dport || a->dport == b->dport);
}

struct negref {
	uint32_t src, dst; /* masked */
	uint8_t sp, dp;
	uint32_t idx;
};

static int negref_cmp(const void *x, const void *y)
{
	const struct negref *a = x, *b = y;

	if (a->sp != b->sp)
		return a->sp < b->sp ? -1 : 1;
	if (a->dp != b->dp)
		return a->dp < b->dp ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* First entry of r[lo..hi) with (src) >= key. */
static size_t lower_src(const struct negref *r, size_t lo, size_t hi, uint32_t src)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].src < src)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A block or permit filter needs an XFRM policy when a needed filter of
 * lower precedence overlaps it (negotiate filters are always needed):
 * without it, packets in the overlap would take that later policy.  The
 * closure matters: a permit that is only overlapped by a needed block must
 * be there too, or XFRM would block what the plan permits.  Within the
 * needed filters XFRM then decides every packet exactly as the plan does.
 *
 * Needed filters are grouped by (source, destination) prefix length and
 * sorted, so each search is a few binary searches; rounds repeat until
 * nothing new is needed (usually one or two).
 */
long xfrm_needed_filters(const struct plan *p, bool *needed)
{
	struct negref *r;
	size_t *gstart;
	long count = 0;
	bool changed = true;

	r = calloc(p->n_filters + 1, sizeof(*r));
	gstart = calloc(p->n_filters + 2, sizeof(*gstart));
	if (!r || !gstart) {
		free(r);
		free(gstart);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_filters; i++) {
		needed[i] = p->filters[i].action == NS_ACTION_NEGOTIATE;
		count += needed[i];
	}
	while (changed && count) {
		size_t nr = 0, ng = 0;

		changed = false;
		for (size_t i = 0; i < p->n_filters; i++) {
			const struct plan_filter *f = &p->filters[i];

			if (!needed[i])
				continue;
			r[nr].sp = f->sel.src_plen;
			r[nr].dp = f->sel.dst_plen;
			r[nr].src = f->sel.src & plen_mask(f->sel.src_plen);
			r[nr].dst = f->sel.dst & plen_mask(f->sel.dst_plen);
			r[nr].idx = (uint32_t)i;
			nr++;
		}
		qsort(r, nr, sizeof(*r), negref_cmp);
		for (size_t i = 0; i < nr; i++)
			if (!i || r[i].sp != r[i - 1].sp || r[i].dp != r[i - 1].dp)
				gstart[ng++] = i;
		gstart[ng] = nr;

		/* Backwards: a filter found needed here helps earlier ones next round. */
		for (size_t i = p->n_filters; i-- > 0;) {
			const struct plan_filter *f = &p->filters[i];
			bool hit = false;

			if (needed[i])
				continue;
			for (size_t g = 0; g < ng && !hit; g++) {
				size_t a = gstart[g], b = gstart[g + 1];
				uint8_t sp = r[a].sp;
				uint8_t m = sp < f->sel.src_plen ? sp : f->sel.src_plen;
				uint32_t lo = f->sel.src & plen_mask(m), hi = lo | ~plen_mask(m);

				for (size_t k = lower_src(r, a, b, lo);
				     k < b && r[k].src <= hi && !hit; k++) {
					const struct plan_filter *n = &p->filters[r[k].idx];

					if (r[k].idx > i && sel_overlap(&n->sel, &f->sel))
						hit = true;
				}
			}
			if (hit) {
				needed[i] = true;
				count++;
				changed = true;
			}
		}
	}
	free(r);
	free(gstart);
	return count;
}

/* ------------------------------------------------------------------ */
/* The wanted policies */

/* Our address toward dst, as the routing table would choose it. */
static int local_toward(uint32_t dst, uint32_t *out)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(500)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(dst);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl))
		ret = -errno;
	else
		*out = ntohl(sa.sin_addr.s_addr);
	close(fd);
	return ret;
}

struct rule_tmpl {
	bool done;
	int err;
	uint8_t proto;
	uint32_t local;
};

static bool is_me(const struct plan *p, uint32_t a)
{
	for (size_t i = 0; i < p->n_me; i++)
		if (p->me[i] == a)
			return true;
	return false;
}

/*
 * The inbound half of a Windows tunnel pair: a tunnel rule whose endpoint
 * is one of our addresses.  Its traffic comes from the far gateway to us;
 * the outbound half's endpoint is the far gateway.
 */
static bool tunnel_inbound(const struct plan *p, const struct plan_rule *r)
{
	return r->tunnel && is_me(p, r->tunnel_dst);
}

static int rule_tmpl_get(struct xctx *c, size_t ri, struct rule_tmpl *rt)
{
	const struct plan_rule *r = &c->p->rules[ri];

	if (rt->done)
		return rt->err;
	rt->done = true;
	rt->proto = IPPROTO_ESP;
	if (r->n_qm && r->qm[0].kind == NS_QM_AH)
		rt->proto = IPPROTO_AH;
	/* Say it once per apply: prepare builds the same policies twice more. */
	if (r->n_qm && r->qm[0].kind == NS_QM_AH_ESP && !c->check_only && !c->make_only)
		/* strongSwan cannot negotiate the bundle; charon gets ESP too. */
		fprintf(stderr, "xfrm: warning: rule \"%s\": AH+ESP bundle lowered to ESP\n",
			r->rule_name ? r->rule_name : "");
	if (r->conntype != NS_CONN_ALL && !c->check_only && !c->make_only)
		fprintf(stderr,
			"xfrm: warning: rule \"%s\" (conntype %s): XFRM cannot tell the interface "
			"a packet came in by; clear inbound packets of its filters are accepted on "
			"every interface\n",
			r->rule_name ? r->rule_name : "",
			r->conntype == NS_CONN_LAN ? "lan" : "dialup");
	if (tunnel_inbound(c->p, r)) {
		/* The endpoint is ours: the tunnel ends here. */
		rt->local = r->tunnel_dst;
	} else if (r->tunnel) {
		rt->err = local_toward(r->tunnel_dst, &rt->local);
		if (rt->err) {
			struct in_addr a = {htonl(r->tunnel_dst)};

			snprintf(c->err, c->errlen,
				 "xfrm: tunnel endpoint %s: no local address: %s", inet_ntoa(a),
				 strerror(-rt->err));
		}
	}
	return rt->err;
}

/*
 * Where the SAs of a negotiate filter come from (xfrm backend, one charon
 * child per filter).  Transport filters and the outbound half of a tunnel
 * pair use their own child.  The inbound half's traffic arrives on the SAs
 * charon negotiated for the reverse outbound filter (vici_tunnel_twin()):
 * its reqid, and that filter's endpoint as the tunnel's source.  Without
 * such a twin charon answers for the inbound half alone (a responder-only
 * child with the filter's own reqid) and the peer is not known: source 0
 * matches any (the kernel compares a tunnel template's source only when it
 * is set).
 */
struct filter_sa {
	uint32_t reqid;
	uint32_t peer;
};

static void filter_sa_get(const struct plan *p, const struct plan_filter *f, struct filter_sa *sa)
{
	const struct plan_rule *r = &p->rules[f->rule];

	const struct plan_filter *twin;

	sa->reqid = f->reqid;
	sa->peer = r->tunnel ? r->tunnel_dst : 0;
	if (!tunnel_inbound(p, r))
		return;
	sa->peer = 0;
	twin = f->action == NS_ACTION_NEGOTIATE ? vici_tunnel_twin(p, f) : NULL;
	if (twin) {
		sa->reqid = twin->reqid;
		sa->peer = p->rules[twin->rule].tunnel_dst;
	}
}

/*
 * The same at rule level, for the mark-selected policies of the classifier
 * (one charon child per rule, reqid = the rule's).  The inbound half of a
 * tunnel pair is served by its outbound twins' children; when its filters
 * lead to more than one child (twins in several rules, or some filters
 * without a twin), one template cannot name them all: reqid 0 and source
 * 0, which the kernel reads as any SA in tunnel mode that ends here.
 */
static void rule_sa_get(const struct plan *p, size_t ri, struct filter_sa *sa)
{
	const struct plan_rule *r = &p->rules[ri];
	bool first = true;

	sa->reqid = r->reqid;
	sa->peer = r->tunnel ? r->tunnel_dst : 0;
	if (!tunnel_inbound(p, r))
		return;
	sa->peer = 0;
	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *f = &p->filters[i], *twin;
		uint32_t reqid = r->reqid, peer = 0;

		if (f->rule != ri || f->action != NS_ACTION_NEGOTIATE)
			continue;
		twin = vici_tunnel_twin(p, f);
		if (twin) {
			reqid = p->rules[twin->rule].reqid;
			peer = p->rules[twin->rule].tunnel_dst;
		}
		if (first) {
			sa->reqid = reqid;
			sa->peer = peer;
			first = false;
		} else if (sa->reqid != reqid || sa->peer != peer) {
			sa->reqid = 0;
			sa->peer = 0;
			return;
		}
	}
}

/*
 * Whether a negotiate filter's policy in direction dir carries a template.
 * Transport filters: every direction.  A Windows tunnel rule describes one
 * direction only.  Its outbound half (endpoint = the far gateway) protects
 * what leaves toward the far side: the out policy.  Clear packets of that
 * selector arrive from our own side and are forwarded, so fwd (and in)
 * must not ask for an SA: the kernel checks fwd before the out policy can
 * raise the ACQUIRE.  The inbound half (endpoint = us) is the reverse:
 * what arrives from the far gateway must come through the tunnel (in and
 * fwd); nothing of it is sent into a tunnel that would end at ourselves.
 * Both keep a policy without template in their other directions, so that
 * the filter still decides its packets there as the plan does.
 */
static bool dir_has_tmpl(const struct plan *p, const struct plan_rule *r, uint8_t dir)
{
	if (!r->tunnel)
		return true;
	if (tunnel_inbound(p, r))
		return dir != XFRM_POLICY_OUT;
	return dir == XFRM_POLICY_OUT;
}

/*
 * The template of a negotiate filter in one direction.  Outbound demands
 * the SA unless soft (then: use it if present, else send clear and still
 * ask charon for one: that is XFRM's `level use`).  Inbound and forward
 * accept clear packets when inpass or soft.
 */
static void fill_tmpl(const struct plan_rule *r, const struct filter_sa *sa,
		      const struct rule_tmpl *rt, uint8_t dir, struct xfrm_user_tmpl *t)
{
	memset(t, 0, sizeof(*t));
	t->id.proto = rt->proto;
	t->family = AF_INET;
	t->reqid = sa->reqid;
	t->aalgos = t->ealgos = t->calgos = ~0u;
	t->share = XFRM_SHARE_ANY;
	t->mode = r->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	if (r->tunnel) {
		uint32_t s = dir == XFRM_POLICY_OUT ? rt->local : sa->peer;
		uint32_t d = dir == XFRM_POLICY_OUT ? sa->peer : rt->local;

		t->saddr.a4 = htonl(s);
		t->id.daddr.a4 = htonl(d);
	}
	if (dir == XFRM_POLICY_OUT)
		t->optional = r->soft;
	else
		/* conntype: see if_applies(). */
		t->optional = r->soft || r->inpass || r->conntype != NS_CONN_ALL;
}

/*
 * conntype in XFRM.  A selector can name one interface (sel.ifindex),
 * matched against the flow's output interface: for out policies that is
 * the interface the packet leaves by (local and forwarded traffic alike),
 * for fwd also the leaving one, and for in the device of the local route
 * (loopback), never the interface the packet came in by.  So only the out
 * policies of a lan or dial-up rule are restricted: one per interface of
 * that kind present at apply time (ipsec-apply --watch re-applies when
 * links come and go), none on the others, where packets fall through to
 * later filters as in the plan.  in and fwd policies stay on every
 * interface, with optional templates (level use): requiring the SA there
 * would drop the clear answers of conversations that the rule leaves
 * alone on the other kind of interface.
 */
static bool if_applies(enum ns_conntype c, const char *ifname)
{
	return plan_conntype_applies(c, ifname);
}

static int want_exempt(struct xvec *w, uint32_t *prio, const char *label, uint8_t proto,
		       uint16_t sport, uint16_t dport, uint32_t dst, uint8_t dplen)
{
	struct plan_sel s = {
		.proto = proto, .sport = sport, .dport = dport, .dst = dst, .dst_plen = dplen};
	struct xpol x;

	for (uint8_t d = 0; d < 3; d++) {
		memset(&x, 0, sizeof(x));
		sel_from_plan(&s, &x.k.sel);
		x.k.dir = d;
		x.prio = *prio;
		x.action = XFRM_POLICY_ALLOW;
		x.filter = -1;
		x.label = label;
		if (xvec_push(w, &x))
			return -ENOMEM;
	}
	if (*prio < XFRM_NS_PRIO_MARK - 1)
		(*prio)++;
	return 0;
}

static int want_exemptions(const struct plan *p, struct xvec *w)
{
	uint32_t prio = XFRM_NS_PRIO_EXEMPT;
	int r = 0;

	/* IKE must never need IPsec itself; charon's sockets bypass too,
	 * but other IKE users (tests, a second daemon) would not. */
	r |= want_exempt(w, &prio, "exempt ike", IPPROTO_UDP, 500, 0, 0, 0);
	r |= want_exempt(w, &prio, "exempt ike", IPPROTO_UDP, 0, 500, 0, 0);
	r |= want_exempt(w, &prio, "exempt ike", IPPROTO_UDP, 4500, 0, 0, 0);
	r |= want_exempt(w, &prio, "exempt ike", IPPROTO_UDP, 0, 4500, 0, 0);
	if (p->exempt.kerberos) {
		r |= want_exempt(w, &prio, "exempt kerberos", IPPROTO_TCP, 88, 0, 0, 0);
		r |= want_exempt(w, &prio, "exempt kerberos", IPPROTO_TCP, 0, 88, 0, 0);
		r |= want_exempt(w, &prio, "exempt kerberos", IPPROTO_UDP, 88, 0, 0, 0);
		r |= want_exempt(w, &prio, "exempt kerberos", IPPROTO_UDP, 0, 88, 0, 0);
	}
	if (p->exempt.rsvp)
		r |= want_exempt(w, &prio, "exempt rsvp", 46, 0, 0, 0, 0);
	if (p->exempt.multicast)
		r |= want_exempt(w, &prio, "exempt multicast", 0, 0, 0, 0xe0000000u, 4);
	if (p->exempt.broadcast) {
		r |= want_exempt(w, &prio, "exempt broadcast", 0, 0, 0, 0xffffffffu, 32);
		for (size_t i = 0; i < p->n_bcast; i++)
			r |= want_exempt(w, &prio, "exempt broadcast", 0, 0, 0, p->bcast[i], 32);
	}
	return r ? -ENOMEM : 0;
}

static size_t ifcount(const struct if_nameindex *ifs)
{
	size_t n = 0;

	while (ifs && ifs[n].if_index)
		n++;
	return n;
}

static int build_wanted(struct xctx *c, enum xfrm_scope scope, struct xvec *w)
{
	const struct plan *p = c->p;
	uint32_t *prio = NULL;
	bool *needed = NULL;
	struct rule_tmpl *rt = NULL;
	struct if_nameindex *ifs = NULL;
	long n_needed = 0;
	int ret = -ENOMEM;

	if (scope == XFRM_SCOPE_MARKS) {
		bool any = false;

		for (size_t ri = 0; ri < p->n_rules; ri++) {
			const struct plan_rule *r = &p->rules[ri];
			struct filter_sa sa;
			struct rule_tmpl t = {0};
			struct plan_sel s = {0};

			if (r->action != NS_ACTION_NEGOTIATE || !r->mark)
				continue;
			if (!any && want_exemptions(p, w))
				return -ENOMEM;
			any = true;
			ret = rule_tmpl_get(c, ri, &t);
			if (ret)
				return ret;
			rule_sa_get(p, ri, &sa);
			for (uint8_t d = 0; d < 3; d++) {
				struct xpol x;

				memset(&x, 0, sizeof(x));
				sel_from_plan(&s, &x.k.sel);
				x.k.dir = d;
				x.k.mark_v = r->mark;
				x.k.mark_m = PLAN_MARK_MASK;
				x.prio = XFRM_NS_PRIO_MARK;
				x.action = XFRM_POLICY_ALLOW;
				/* A tunnel rule is one-way: see dir_has_tmpl(). */
				x.ntmpl = dir_has_tmpl(p, r, d);
				if (x.ntmpl)
					fill_tmpl(r, &sa, &t, d, &x.tmpl);
				x.filter = -1;
				x.label = "rule mark";
				if (xvec_push(w, &x))
					return -ENOMEM;
			}
		}
		return 0;
	}

	prio = calloc(p->n_filters + 1, sizeof(*prio));
	needed = calloc(p->n_filters + 1, sizeof(*needed));
	rt = calloc(p->n_rules + 1, sizeof(*rt));
	if (!prio || !needed || !rt)
		goto out;
	ret = xfrm_filter_priorities(p, prio);
	if (ret) {
		snprintf(
			c->err, c->errlen,
			"xfrm: plan order leaves weight order more than %u times; cannot map it to "
			"priorities",
			XFRM_NS_MAX_TIERS);
		goto out;
	}
	if (scope == XFRM_SCOPE_ALL) {
		for (size_t i = 0; i < p->n_filters; i++)
			needed[i] = true;
		n_needed = (long)p->n_filters;
	} else {
		n_needed = xfrm_needed_filters(p, needed);
		if (n_needed < 0)
			goto out;
	}
	ret = 0;
	if (!n_needed)
		goto out;
	ret = -ENOMEM;
	if (want_exemptions(p, w))
		goto out;
	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *f = &p->filters[i];
		const struct plan_rule *r;
		struct filter_sa sa = {0};

		if (!needed[i])
			continue;
		if (f->rule >= p->n_rules) {
			snprintf(c->err, c->errlen, "xfrm: filter %u: rule %u out of range", f->id,
				 f->rule);
			ret = -EINVAL;
			goto out;
		}
		r = &p->rules[f->rule];
		if (f->action == NS_ACTION_NEGOTIATE) {
			ret = rule_tmpl_get(c, f->rule, &rt[f->rule]);
			if (ret)
				goto out;
			filter_sa_get(p, f, &sa);
		}
		if (r->conntype != NS_CONN_ALL && !ifs) {
			ifs = if_nameindex();
			if (!ifs) {
				ret = -errno;
				snprintf(c->err, c->errlen, "xfrm: list interfaces: %s",
					 strerror(-ret));
				goto out;
			}
		}
		for (size_t k = 0; k < 3 + (r->conntype != NS_CONN_ALL ? ifcount(ifs) : 0); k++) {
			/* 0-2: in, out, fwd; conntype rules: out per interface instead. */
			uint8_t d = k < 3 ? (uint8_t)k : XFRM_POLICY_OUT;
			struct xpol x;

			if (r->conntype != NS_CONN_ALL &&
			    (k == XFRM_POLICY_OUT ||
			     (k >= 3 && !if_applies(r->conntype, ifs[k - 3].if_name))))
				continue;
			memset(&x, 0, sizeof(x));
			sel_from_plan(&f->sel, &x.k.sel);
			if (k >= 3)
				x.k.sel.ifindex = (int)ifs[k - 3].if_index;
			x.k.dir = d;
			x.prio = prio[i];
			x.filter = (long)f->id;
			/*
			 * A block filter here is a hole in a later negotiate filter;
			 * nftables drops its packets.  XFRM block would drop them too,
			 * but it also makes connect() of a UDP socket to such a
			 * destination fail with EPERM (ping probes that way), so the
			 * steady state is allow.  During a re-apply nftables may still
			 * accept them: then they are XFRM block (transitional).
			 */
			x.action = f->action == NS_ACTION_BLOCK &&
						   (scope == XFRM_SCOPE_ALL || c->transitional)
					   ? XFRM_POLICY_BLOCK
					   : XFRM_POLICY_ALLOW;
			if (f->action == NS_ACTION_NEGOTIATE && dir_has_tmpl(p, r, d)) {
				x.ntmpl = 1;
				fill_tmpl(r, &sa, &rt[f->rule], d, &x.tmpl);
			}
			ret = -ENOMEM;
			if (xvec_push(w, &x))
				goto out;
		}
	}
	ret = 0;
out:
	if (ifs)
		if_freenameindex(ifs);
	free(prio);
	free(needed);
	free(rt);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Kernel side */

struct dump_ctx {
	struct xvec *cur; /* ours */
	struct xvec *foreign;
	int err;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= XFRMA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct xfrm_userpolicy_info info, *pi = &info;
	const struct nlattr *tb[XFRMA_MAX + 1] = {0};
	struct xpol x;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*pi))
		return MNL_CB_OK;
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	mnl_attr_parse(nlh, sizeof(*pi), attr_cb, tb);
	if (tb[XFRMA_POLICY_TYPE]) {
		struct xfrm_userpolicy_type pt;

		memcpy(&pt, mnl_attr_get_payload(tb[XFRMA_POLICY_TYPE]), sizeof(pt));
		if (pt.type != XFRM_POLICY_TYPE_MAIN)
			return MNL_CB_OK;
	}
	/* Socket policies (dir >= XFRM_POLICY_MAX) are never ours. */
	if (pi->dir > XFRM_POLICY_FWD || pi->sel.family != AF_INET)
		return MNL_CB_OK;
	memset(&x, 0, sizeof(x));
	sel_norm(&pi->sel, &x.k.sel);
	x.k.dir = pi->dir;
	if (tb[XFRMA_MARK]) {
		struct xfrm_mark m;

		memcpy(&m, mnl_attr_get_payload(tb[XFRMA_MARK]), sizeof(m));
		x.k.mark_v = m.v;
		x.k.mark_m = m.m;
	}
	if (tb[XFRMA_IF_ID])
		x.k.if_id = mnl_attr_get_u32(tb[XFRMA_IF_ID]);
	x.prio = pi->priority;
	x.index = pi->index;
	x.action = pi->action;
	x.filter = -1;
	x.ours = xfrm_prio_is_ours(pi->priority);
	if (tb[XFRMA_TMPL]) {
		size_t n = mnl_attr_get_payload_len(tb[XFRMA_TMPL]) / sizeof(struct xfrm_user_tmpl);

		if (n) {
			memcpy(&x.tmpl, mnl_attr_get_payload(tb[XFRMA_TMPL]), sizeof(x.tmpl));
			/* More than one template is never ours: it can't compare equal. */
			x.ntmpl = n > 1 ? 0xff : 1;
		}
	}
	if (xvec_push(x.ours ? d->cur : d->foreign, &x)) {
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int dump_policies(struct xctx *c, struct xvec *cur, struct xvec *foreign)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct dump_ctx d = {cur, foreign, 0};
	int r;

	nlh->nlmsg_type = XFRM_MSG_GETPOLICY;
	nlh->nlmsg_seq = ++c->seq;
	r = nl_dump(c->nl, nlh, dump_cb, &d);
	if (d.err)
		r = d.err;
	if (r)
		snprintf(c->err, c->errlen, "xfrm: dump policies: %s", strerror(-r));
	return r;
}

static bool tmpl_equal(const struct xfrm_user_tmpl *a, const struct xfrm_user_tmpl *b)
{
	return a->id.proto == b->id.proto && a->id.spi == b->id.spi &&
	       a->id.daddr.a4 == b->id.daddr.a4 && a->family == b->family &&
	       a->saddr.a4 == b->saddr.a4 && a->reqid == b->reqid && a->mode == b->mode &&
	       a->share == b->share && a->optional == b->optional && a->aalgos == b->aalgos &&
	       a->ealgos == b->ealgos && a->calgos == b->calgos;
}

static bool pol_equal(const struct xpol *a, const struct xpol *b)
{
	return a->prio == b->prio && a->action == b->action && a->ntmpl == b->ntmpl &&
	       (!a->ntmpl || tmpl_equal(&a->tmpl, &b->tmpl));
}

static int put_policy(struct nlb *b, uint16_t type, const struct xpol *x)
{
	struct nlmsghdr *nlh = nlb_put(b, type, 0);
	struct xfrm_userpolicy_info pi;

	if (!nlh)
		return -ENOMEM;
	/* Built aside: the buffer is only 4-byte aligned, the struct has u64s. */
	memset(&pi, 0, sizeof(pi));
	pi.sel = x->k.sel;
	pi.lft.soft_byte_limit = XFRM_INF;
	pi.lft.hard_byte_limit = XFRM_INF;
	pi.lft.soft_packet_limit = XFRM_INF;
	pi.lft.hard_packet_limit = XFRM_INF;
	pi.priority = x->prio;
	pi.dir = x->k.dir;
	pi.action = x->action;
	pi.share = XFRM_SHARE_ANY;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(pi)), &pi, sizeof(pi));
	if (x->ntmpl)
		mnl_attr_put(nlh, XFRMA_TMPL, sizeof(x->tmpl), &x->tmpl);
	if (x->k.mark_m) {
		struct xfrm_mark m = {x->k.mark_v, x->k.mark_m};

		mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	}
	return nlb_done(b, nlh);
}

/* By index when the kernel told us one (exact), else by selector. */
static int put_delete(struct nlb *b, const struct xpol *x)
{
	struct nlmsghdr *nlh = nlb_put(b, XFRM_MSG_DELPOLICY, 0);
	struct xfrm_userpolicy_id *id;

	if (!nlh)
		return -ENOMEM;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	id->sel = x->k.sel;
	id->dir = x->k.dir;
	id->index = x->index;
	if (x->k.mark_m) {
		struct xfrm_mark m = {x->k.mark_v, x->k.mark_m};

		mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	}
	return nlb_done(b, nlh);
}

static int ctx_open(struct xctx *c)
{
	c->nl = nl_open(NETLINK_XFRM, 8u << 20, 8u << 20);
	if (!c->nl) {
		int e = errno;

		snprintf(c->err, c->errlen, "xfrm: netlink socket: %s", strerror(e));
		return -e;
	}
	c->seq = (uint32_t)time(NULL);
	return 0;
}

/* An error line naming the policy that failed. */
static void report(struct xctx *c, const struct xpol *x, int e)
{
	char n[192];

	pol_name(x, n, sizeof(n));
	snprintf(c->err, c->errlen, "xfrm: %s: %s", n, strerror(-e));
}

enum { OP_NEW, OP_UPD };

struct op {
	uint8_t kind;
	uint32_t want; /* index in wanted */
	long cur;      /* index in current (UPD) */
	bool extra;    /* not in wanted: an obsolete block hole made block */
};

/* The weight's action rank (2 block, 1 permit, 0 negotiate) back from a
 * filter priority; -1 for exemptions and marks. */
static int prio_rank(uint32_t prio)
{
	uint32_t off;

	if (prio < XFRM_NS_PRIO_FILTER || !xfrm_prio_is_ours(prio))
		return -1;
	off = (prio - XFRM_NS_PRIO_FILTER) % XFRM_NS_TIER;
	return (int)((XFRM_NS_TIER - 1 - off) & 3);
}

/* Undo the first `sent` make-phase operations: delete what was created,
 * put back what was replaced.  Errors are ignored: best effort. */
static void rollback(struct xctx *c, const struct op *ops, uint32_t sent, uint32_t bad,
		     const struct xvec *w, const struct xvec *cur)
{
	struct nlb b;
	uint32_t xbad, xsent;

	nlb_init(&b);
	for (uint32_t i = 0; i < sent; i++) {
		int r;

		if (i == bad)
			continue;
		if (ops[i].kind == OP_NEW) {
			struct xpol x = w->v[ops[i].want];

			x.index = 0;
			r = put_delete(&b, &x);
		} else {
			r = put_policy(&b, XFRM_MSG_UPDPOLICY, &cur->v[ops[i].cur]);
		}
		if (r)
			break;
	}
	if (b.n)
		nl_send_all(c->nl, &b, 0, b.n, XFRM_CHUNK, c->seq + 1, true, &xbad, &xsent);
	c->seq += b.n + 1;
	nlb_free(&b);
}

/*
 * For tests only: NETSH_IPSEC_XFRM_FAULT=k gives make-phase message k an
 * invalid direction.  The kernel then refuses it in the middle of the
 * batch, after accepting the ones before, and the rollback runs against a
 * real kernel (tests/netns/xfrm_rollback.sh).
 */
static void inject_fault(struct nlb *make)
{
	const char *e = getenv("NETSH_IPSEC_XFRM_FAULT");
	uint8_t bad_dir = XFRM_POLICY_MAX + 1;
	struct nlmsghdr *h;
	unsigned long k;
	char *end;

	if (!e || !*e)
		return;
	k = strtoul(e, &end, 10);
	if (*end || k >= make->n)
		return;
	h = (struct nlmsghdr *)(make->data + make->off[k]);
	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY && h->nlmsg_type != XFRM_MSG_UPDPOLICY)
		return;
	/* Messages are 4-byte aligned, the struct wants 8: by byte. */
	memcpy((char *)NLMSG_DATA(h) + offsetof(struct xfrm_userpolicy_info, dir), &bad_dir,
	       sizeof(bad_dir));
}

static int apply_wanted(struct xctx *c, struct xvec *w)
{
	struct xvec cur = {0}, foreign = {0};
	struct xindex icur = {0}, ifor = {0}, iwant = {0};
	struct nlb make, brk;
	struct op *ops = NULL;
	uint32_t nops = 0, bad, sent, kept = 0, ndel = 0;
	FILE *out = c->o->out ? c->o->out : stdout;
	int ret;

	nlb_init(&make);
	nlb_init(&brk);
	ret = dump_policies(c, &cur, &foreign);
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (xindex_build(&icur, &cur) || xindex_build(&ifor, &foreign) || xindex_build(&iwant, w))
		goto out;
	ops = calloc(w->n + cur.n + 1, sizeof(*ops));
	if (!ops)
		goto out;

	for (size_t i = 0; i < w->n; i++) {
		const struct xpol *x = &w->v[i];
		long dup = xindex_find(&iwant, w, &x->k), k;

		/* Same selector twice: the first (higher precedence) decides. */
		if (dup >= 0 && (size_t)dup != i)
			continue;
		if (xindex_find(&ifor, &foreign, &x->k) >= 0) {
			long f = xindex_find(&ifor, &foreign, &x->k);
			char n[192];

			pol_name(x, n, sizeof(n));
			snprintf(c->err, c->errlen,
				 "xfrm: %s: a policy with this selector exists and is not ours "
				 "(priority %u)",
				 n, foreign.v[f].prio);
			ret = -EEXIST;
			goto out;
		}
		k = xindex_find(&icur, &cur, &x->k);
		if (k >= 0) {
			cur.v[k].used = 1;
			if (pol_equal(&cur.v[k], x)) {
				kept++;
				if (c->o->verbose && !c->check_only)
					pol_print(out, "keep  ", x);
				continue;
			}
			if (c->check_only) {
				nops++;
				continue;
			}
			ops[nops] = (struct op){OP_UPD, (uint32_t)i, k, false};
			ret = put_policy(&make, XFRM_MSG_UPDPOLICY, x);
			if (c->o->verbose)
				pol_print(out, "update", x);
		} else if (c->check_only) {
			nops++;
			continue;
		} else {
			ops[nops] = (struct op){OP_NEW, (uint32_t)i, -1, false};
			ret = put_policy(&make, XFRM_MSG_NEWPOLICY, x);
			if (c->o->verbose)
				pol_print(out, "add   ", x);
		}
		if (ret)
			goto out;
		nops++;
	}
	for (size_t i = 0; c->make_only && c->transitional && i < cur.n; i++) {
		struct xpol x = cur.v[i];

		/* An old block hole must refuse while nftables changes. */
		if (x.used || x.action != XFRM_POLICY_ALLOW || x.ntmpl || prio_rank(x.prio) != 2)
			continue;
		x.action = XFRM_POLICY_BLOCK;
		ops[nops] = (struct op){OP_UPD, 0, (long)i, true};
		ret = put_policy(&make, XFRM_MSG_UPDPOLICY, &x);
		if (ret)
			goto out;
		if (c->o->verbose)
			pol_print(out, "update", &x);
		nops++;
	}
	for (size_t i = 0; i < cur.n; i++) {
		if (cur.v[i].used)
			continue;
		if (c->check_only) {
			ndel++;
			continue;
		}
		if (c->o->verbose && !c->make_only)
			pol_print(out, "delete", &cur.v[i]);
		ret = put_delete(&brk, &cur.v[i]);
		if (ret)
			goto out;
		ndel++;
	}
	if (c->check_only) {
		ret = nops || ndel;
		goto out;
	}
	if (c->o->verbose)
		fprintf(out, "xfrm: %u unchanged, %u to add or update, %u to delete%s\n", kept,
			nops, c->make_only ? 0 : ndel,
			c->o->dry_run  ? " (dry run)"
			: c->make_only ? " (prepare)"
				       : "");
	ret = 0;
	if (c->o->dry_run)
		goto out;

	if (make.n) {
		inject_fault(&make);
		ret = nl_send_all(c->nl, &make, 0, make.n, XFRM_CHUNK, c->seq + 1, false, &bad,
				  &sent);
		c->seq += make.n + 1;
		if (ret) {
			if (bad < nops)
				report(c,
				       ops[bad].extra ? &cur.v[ops[bad].cur] : &w->v[ops[bad].want],
				       ret);
			else
				snprintf(c->err, c->errlen, "xfrm: netlink: %s", strerror(-ret));
			rollback(c, ops, sent, bad, w, &cur);
			goto out;
		}
	}
	if (brk.n && !c->make_only) {
		/* Keep going: a policy someone else removed meanwhile is fine. */
		ret = nl_send_all(c->nl, &brk, 0, brk.n, XFRM_CHUNK, c->seq + 1, true, &bad, &sent);
		c->seq += brk.n + 1;
		if (ret == -ENOENT)
			ret = 0;
		if (ret) {
			size_t k = 0, j = 0;

			for (; k < cur.n; k++)
				if (!cur.v[k].used && j++ == bad)
					break;
			if (k < cur.n)
				report(c, &cur.v[k], ret);
			else
				snprintf(c->err, c->errlen, "xfrm: netlink: %s", strerror(-ret));
		}
	}
out:
	if (ret == -ENOMEM && !c->err[0])
		snprintf(c->err, c->errlen, "xfrm: out of memory");
	free(ops);
	free(icur.slot);
	free(ifor.slot);
	free(iwant.slot);
	free(cur.v);
	free(foreign.v);
	nlb_free(&make);
	nlb_free(&brk);
	return ret;
}

static int run_scope(struct xctx *c, enum xfrm_scope scope)
{
	struct xvec w = {0};
	int ret = build_wanted(c, scope, &w);

	if (ret) {
		if (!c->err[0])
			snprintf(c->err, c->errlen, "xfrm: building policies: %s", strerror(-ret));
	} else {
		ret = apply_wanted(c, &w);
	}
	free(w.v);
	return ret;
}

static int apply_scope(const struct plan *p, enum xfrm_scope scope, bool make_only,
		       const struct apply_opts *o, char *err, size_t len)
{
	struct xctx c = {.p = p, .o = o, .err = err, .errlen = len};
	int ret;

	if (len)
		err[0] = 0;
	ret = ctx_open(&c);
	if (ret)
		return ret;
	if (make_only) {
		/* Nothing to prepare when the final state is already there. */
		c.check_only = true;
		ret = run_scope(&c, scope);
		c.check_only = false;
		if (ret > 0) {
			c.make_only = true;
			c.transitional = true;
			ret = run_scope(&c, scope);
		}
	} else {
		ret = run_scope(&c, scope);
	}
	mnl_socket_close(c.nl);
	return ret;
}

int xfrm_backend_apply_scope(const struct plan *p, enum xfrm_scope scope,
			     const struct apply_opts *o, char *err, size_t len)
{
	return apply_scope(p, scope, false, o, err, len);
}

int xfrm_backend_prepare_scope(const struct plan *p, enum xfrm_scope scope,
			       const struct apply_opts *o, char *err, size_t len)
{
	return apply_scope(p, scope, true, o, err, len);
}

int xfrm_backend_prepare(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	return apply_scope(p, XFRM_SCOPE_NEEDED, true, o, err, len);
}

int xfrm_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	return apply_scope(p, XFRM_SCOPE_NEEDED, false, o, err, len);
}

int xfrm_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	struct plan empty = {0};

	/* Applying nothing deletes exactly the policies of our band. */
	return xfrm_backend_apply_scope(&empty, XFRM_SCOPE_ALL, o, err, len);
}

long xfrm_count_ours(char *err, size_t len)
{
	struct apply_opts o = {0};
	struct xctx c = {.o = &o, .err = err, .errlen = len};
	struct xvec cur = {0}, foreign = {0};
	long n;
	int r = ctx_open(&c);

	if (r)
		return r;
	r = dump_policies(&c, &cur, &foreign);
	n = r ? r : (long)cur.n;
	mnl_socket_close(c.nl);
	free(cur.v);
	free(foreign.v);
	return n;
}

int xfrm_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	struct xctx c = {.o = o, .err = err, .errlen = len};
	struct xvec cur = {0}, foreign = {0};
	FILE *out = o->out ? o->out : stdout;
	size_t n[3] = {0};
	int r = ctx_open(&c);

	if (r)
		return r;
	r = dump_policies(&c, &cur, &foreign);
	if (!r) {
		for (size_t i = 0; i < cur.n; i++) {
			n[cur.v[i].k.dir % 3]++;
			if (o->verbose)
				pol_print(out, "policy", &cur.v[i]);
		}
		fprintf(out,
			"xfrm: %zu policies of ours (in %zu, out %zu, fwd %zu), %zu of others\n",
			cur.n, n[XFRM_POLICY_IN], n[XFRM_POLICY_OUT], n[XFRM_POLICY_FWD],
			foreign.n);
	}
	mnl_socket_close(c.nl);
	free(cur.v);
	free(foreign.v);
	return r;
}

/* The same policies as `ip -batch` input (benchmarks compare with it). */
static void pol_ipbatch(FILE *f, const struct xpol *x)
{
	const struct xfrm_selector *s = &x->k.sel;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->saddr.a4, a, sizeof(a));
	inet_ntop(AF_INET, &s->daddr.a4, b, sizeof(b));
	fprintf(f, "xfrm policy add src %s/%u dst %s/%u", a, s->prefixlen_s, b, s->prefixlen_d);
	if (s->ifindex) {
		char ifn[IF_NAMESIZE];

		if (if_indextoname((unsigned)s->ifindex, ifn))
			fprintf(f, " dev %s", ifn);
	}
	if (s->proto)
		fprintf(f, " proto %u", s->proto);
	if (s->sport_mask)
		fprintf(f, " sport %u", ntohs(s->sport));
	if (s->dport_mask)
		fprintf(f, " dport %u", ntohs(s->dport));
	fprintf(f, " dir %s priority %u action %s", dir_names[x->k.dir % 3], x->prio,
		x->action == XFRM_POLICY_BLOCK ? "block" : "allow");
	if (x->k.mark_m)
		fprintf(f, " mark 0x%x mask 0x%x", x->k.mark_v, x->k.mark_m);
	if (x->ntmpl) {
		const struct xfrm_user_tmpl *t = &x->tmpl;

		fprintf(f, " tmpl");
		if (t->mode == XFRM_MODE_TUNNEL) {
			inet_ntop(AF_INET, &t->saddr.a4, a, sizeof(a));
			inet_ntop(AF_INET, &t->id.daddr.a4, b, sizeof(b));
			fprintf(f, " src %s dst %s", a, b);
		}
		fprintf(f, " proto %s reqid %u mode %s level %s",
			t->id.proto == IPPROTO_AH ? "ah" : "esp", t->reqid,
			t->mode == XFRM_MODE_TUNNEL ? "tunnel" : "transport",
			t->optional ? "use" : "required");
	}
	fputc('\n', f);
}

int xfrm_print_ipbatch(const struct plan *p, enum xfrm_scope scope, FILE *f, char *err, size_t len)
{
	struct apply_opts o = {0};
	struct xctx c = {.p = p, .o = &o, .err = err, .errlen = len};
	struct xvec w = {0};
	int ret = build_wanted(&c, scope, &w);

	for (size_t i = 0; !ret && i < w.n; i++)
		pol_ipbatch(f, &w.v[i]);
	free(w.v);
	return ret;
}
