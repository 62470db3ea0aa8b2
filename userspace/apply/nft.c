// SPDX-License-Identifier: GPL-2.0
/*
 * nftables backend: the table "ip netsh_ipsec", its content replaced in one
 * netlink batch (one transaction): the rules of its three chains are
 * flushed and its sets deleted in the same commit that adds the new ones,
 * so no packet ever sees half of it, and the hooked chains never change.
 *
 * Filters are cut into layers (nft.h); each layer is one verdict map with
 * a counter per element, looked up by one rule in each of the input,
 * forward and output chains.  Block is drop, permit and negotiate are
 * accept: for negotiate, XFRM (or the BPF classifier) decides whether the
 * packet must be protected.
 *
 * The name of an empty marker set carries a fingerprint of the content;
 * an apply whose fingerprint matches sends nothing at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "apply/nft.h"
#include "apply/nft_batch.h"
#include "apply/nlutil.h"

/* Name prefix of the empty set whose name carries the fingerprint. */
#define FP_SET_PREFIX "fp_"
/* Filters of one shape in a row that earn their own hash layer. */
#define HASH_MIN_RUN 16
/* Elements per NEWSETELEM message (attribute nests are 16-bit). */
#define ELEMS_PER_MSG 256

/* nft's datatype ids, so that `nft list` prints keys readably. */
#define TYPE_IPADDR	   7
#define TYPE_INET_PROTOCOL 12
#define TYPE_INET_SERVICE  13
#define TYPE_BITS	   6

enum { CH_INPUT, CH_FORWARD, CH_OUTPUT, CH_N };
static const char *const chain_names[CH_N] = {"input", "forward", "output"};
static const int chain_hooks[CH_N] = {NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT};

/* A filter as a box: [lo, hi] per field. */
struct box {
	uint32_t lo[5], hi[5];
};

enum { L_HASH, L_INTERVAL, L_ALL };

struct layer {
	int kind;
	int conn; /* enum ns_conntype of every filter in it */
	uint8_t fields;
	size_t first, n;
	size_t n_elems;
	uint8_t verdict_all; /* L_ALL: the one filter's action */
	long all_filter;
};

struct lower {
	const struct plan *p;
	struct layer *l;
	size_t nl, capl;
	long *elem_layer; /* per filter: layer index or -1 (dropped) */
};

struct bctx {
	const struct apply_opts *o;
	char *err;
	size_t errlen;
	struct nlb body;
	uint32_t set_id;
	uint64_t fp;
};

static uint32_t pmask(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static void filter_box(const struct plan_sel *s, struct box *b)
{
	uint32_t m;

	m = pmask(s->src_plen);
	b->lo[0] = s->src & m;
	b->hi[0] = b->lo[0] | ~m;
	m = pmask(s->dst_plen);
	b->lo[1] = s->dst & m;
	b->hi[1] = b->lo[1] | ~m;
	b->lo[2] = s->proto;
	b->hi[2] = s->proto ? s->proto : 255;
	b->lo[3] = has_ports(s->proto) && s->sport ? s->sport : 0;
	b->hi[3] = has_ports(s->proto) && s->sport ? s->sport : 65535;
	b->lo[4] = has_ports(s->proto) && s->dport ? s->dport : 0;
	b->hi[4] = has_ports(s->proto) && s->dport ? s->dport : 65535;
}

/* Fields given exactly; -1 when some field is a true range (a prefix). */
static int exact_fields(const struct plan_sel *s)
{
	int f = 0;

	if (s->src_plen == 32)
		f |= NFT_F_SRC;
	else if (s->src_plen)
		return -1;
	if (s->dst_plen == 32)
		f |= NFT_F_DST;
	else if (s->dst_plen)
		return -1;
	if (s->proto)
		f |= NFT_F_PROTO;
	if (has_ports(s->proto) && s->sport)
		f |= NFT_F_SPORT;
	if (has_ports(s->proto) && s->dport)
		f |= NFT_F_DPORT;
	return f;
}

static uint8_t used_fields(const struct plan_sel *s)
{
	uint8_t f = NFT_F_SRC | NFT_F_DST;

	if (s->proto)
		f |= NFT_F_PROTO;
	if (has_ports(s->proto) && s->sport)
		f |= NFT_F_SPORT;
	if (has_ports(s->proto) && s->dport)
		f |= NFT_F_DPORT;
	return f;
}

static bool box_in(const struct box *in, const struct box *out)
{
	for (int i = 0; i < 5; i++)
		if (in->lo[i] < out->lo[i] || in->hi[i] > out->hi[i])
			return false;
	return true;
}

/*
 * Elements of the current interval layer, so that a new filter can be
 * tested against them: the maps are kept free of overlaps (see nft.h), so
 * the question is "does any element of this layer overlap it".  Every
 * element is indexed under (its source prefix length, its source) and,
 * for each shorter source prefix length used in the plan, under that
 * ancestor prefix; a query then finds the elements whose source contains
 * or lies inside the new one with a few hash probes.  Destination,
 * protocol and ports are compared on the candidates.
 */
struct ovnode {
	uint64_t key;
	long elem;
	long next;
};

struct ovindex {
	long *head;
	size_t mask;
	struct ovnode *node;
	size_t n_node, cap_node;
	size_t *used;
	size_t n_used;
	uint8_t splen[33]; /* distinct source prefix lengths of the plan */
	int n_splen;
	uint8_t in_layer[33]; /* source prefix lengths present in the layer */
};

/* splitmix64's finaliser: every key bit reaches the low bits we keep. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static uint64_t ov_key(int ancestor, uint8_t plen, uint32_t prefix)
{
	return (uint64_t)ancestor << 40 | (uint64_t)plen << 32 | (prefix & pmask(plen));
}

static void ov_reset(struct ovindex *ix)
{
	for (size_t i = 0; i < ix->n_used; i++)
		ix->head[ix->used[i]] = -1;
	ix->n_used = 0;
	ix->n_node = 0;
	memset(ix->in_layer, 0, sizeof(ix->in_layer));
}

static bool box_overlap(const struct box *a, const struct box *b)
{
	for (int i = 0; i < 5; i++)
		if (a->lo[i] > b->hi[i] || b->lo[i] > a->hi[i])
			return false;
	return true;
}

/* 0 = no overlap, 1 = inside an earlier element (drop), 2 = overlap. */
static int ov_probe(const struct ovindex *ix, const struct plan *p, uint64_t key,
		    const struct box *b)
{
	for (long n = ix->head[mix64(key) & ix->mask]; n >= 0; n = ix->node[n].next) {
		struct box o;

		if (ix->node[n].key != key)
			continue;
		filter_box(&p->filters[ix->node[n].elem].sel, &o);
		if (box_overlap(b, &o))
			/* The layer has no overlaps: one overlapping element decides. */
			return box_in(b, &o) ? 1 : 2;
	}
	return 0;
}

static int ov_check(const struct ovindex *ix, const struct plan *p, const struct plan_sel *s,
		    const struct box *b)
{
	int r;

	for (uint8_t q = 0; q <= s->src_plen; q++) {
		if (!ix->in_layer[q])
			continue;
		r = ov_probe(ix, p, ov_key(0, q, s->src), b);
		if (r)
			return r;
	}
	return ov_probe(ix, p, ov_key(1, s->src_plen, s->src), b);
}

static int ov_put(struct ovindex *ix, uint64_t key, long elem)
{
	size_t bk = mix64(key) & ix->mask;

	if (ix->n_node == ix->cap_node) {
		size_t cap = ix->cap_node ? ix->cap_node * 2 : 4096;
		struct ovnode *v = realloc(ix->node, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ix->node = v;
		ix->cap_node = cap;
	}
	if (ix->head[bk] < 0)
		ix->used[ix->n_used++] = bk;
	ix->node[ix->n_node] = (struct ovnode){key, elem, ix->head[bk]};
	ix->head[bk] = (long)ix->n_node++;
	return 0;
}

static int ov_add(struct ovindex *ix, const struct plan *p, size_t i)
{
	const struct plan_sel *s = &p->filters[i].sel;
	int r = ov_put(ix, ov_key(0, s->src_plen, s->src), (long)i);

	ix->in_layer[s->src_plen] = 1;
	for (int k = 0; !r && k < ix->n_splen && ix->splen[k] < s->src_plen; k++)
		r = ov_put(ix, ov_key(1, ix->splen[k], s->src), (long)i);
	return r;
}

/* Exact-key dedup inside a hash layer. */
struct hkset {
	uint64_t *key;
	long *val;
	size_t mask;
};

static uint64_t exact_key(const struct plan_sel *s, uint8_t fields)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t v[5] = {s->src, s->dst, s->proto, s->sport, s->dport};

	for (int i = 0; i < 5; i++)
		if (fields & (1u << i))
			h = (h ^ v[i]) * 0x100000001b3ull;
	return h | 1;
}

static bool same_exact(const struct plan_sel *a, const struct plan_sel *b, uint8_t fields)
{
	return (!(fields & NFT_F_SRC) || a->src == b->src) &&
	       (!(fields & NFT_F_DST) || a->dst == b->dst) &&
	       (!(fields & NFT_F_PROTO) || a->proto == b->proto) &&
	       (!(fields & NFT_F_SPORT) || a->sport == b->sport) &&
	       (!(fields & NFT_F_DPORT) || a->dport == b->dport);
}

static int push_layer(struct lower *lw, int kind, size_t first, int conn)
{
	if (lw->nl == lw->capl) {
		size_t cap = lw->capl ? lw->capl * 2 : 16;
		struct layer *v = realloc(lw->l, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		lw->l = v;
		lw->capl = cap;
	}
	memset(&lw->l[lw->nl], 0, sizeof(lw->l[0]));
	lw->l[lw->nl].kind = kind;
	lw->l[lw->nl].first = first;
	lw->l[lw->nl].all_filter = -1;
	lw->l[lw->nl].conn = conn;
	lw->nl++;
	return 0;
}

/* The conntype of a filter's rule: such filters only act on LAN or only
 * on dial-up interfaces (plan.h, plan_ifname_is_dialup()). */
static int filter_conn(const struct plan *p, size_t i)
{
	uint32_t r = p->filters[i].rule;

	return r < p->n_rules ? (int)p->rules[r].conntype : NS_CONN_ALL;
}

static size_t same_shape_run(const struct plan *p, size_t i, int fields)
{
	size_t n = 0;
	int conn = filter_conn(p, i);

	while (i + n < p->n_filters && exact_fields(&p->filters[i + n].sel) == fields &&
	       filter_conn(p, i + n) == conn && n < HASH_MIN_RUN)
		n++;
	return n;
}

static int lower_plan(struct lower *lw)
{
	const struct plan *p = lw->p;
	struct ovindex ix = {0};
	size_t ovsz = 16;
	bool dead = false;
	struct hkset hk = {0};
	size_t sz = 16;
	int ret = -ENOMEM;

	while (sz < p->n_filters * 2)
		sz <<= 1;
	lw->elem_layer = malloc((p->n_filters + 1) * sizeof(long));
	/* Source prefix lengths used by the plan, ascending. */
	for (size_t i = 0; i < p->n_filters; i++)
		ix.in_layer[p->filters[i].sel.src_plen] = 1;
	for (uint8_t q = 0; q <= 32; q++)
		if (ix.in_layer[q])
			ix.splen[ix.n_splen++] = q;
	while (ovsz < (p->n_filters + 1) * (size_t)(ix.n_splen + 1) * 2)
		ovsz <<= 1;
	ix.head = malloc(ovsz * sizeof(long));
	ix.used = malloc(ovsz * sizeof(size_t));
	hk.key = calloc(sz, sizeof(uint64_t));
	hk.val = calloc(sz, sizeof(long));
	if (!lw->elem_layer || !ix.head || !ix.used || !hk.key || !hk.val)
		goto out;
	hk.mask = sz - 1;
	ix.mask = ovsz - 1;
	memset(ix.head, 0xff, ovsz * sizeof(long));
	ov_reset(&ix);

	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_sel *s = &p->filters[i].sel;
		struct layer *cur = lw->nl ? &lw->l[lw->nl - 1] : NULL;
		int ef = exact_fields(s), conn = filter_conn(p, i);
		struct box b;

		lw->elem_layer[i] = -1;
		if (dead)
			continue; /* everything after a match-all filter is dead */
		if (cur && cur->conn != conn)
			cur = NULL; /* a layer acts on one kind of interface */
		if (ef == 0) {
			/* any -> any, every protocol: a plain verdict. */
			if (push_layer(lw, L_ALL, i, conn))
				goto out;
			dead = conn == NS_CONN_ALL;
			cur = &lw->l[lw->nl - 1];
			cur->all_filter = (long)i;
			cur->n_elems = 1;
			cur->n = 1;
			lw->elem_layer[i] = (long)lw->nl - 1;
			continue;
		}
		if (ef > 0 && !(cur && cur->kind == L_HASH && cur->fields == ef) &&
		    same_shape_run(p, i, ef) >=
			    (cur && cur->kind == L_INTERVAL ? HASH_MIN_RUN : 1)) {
			if (push_layer(lw, L_HASH, i, conn))
				goto out;
			memset(hk.key, 0, (hk.mask + 1) * sizeof(uint64_t));
			cur = &lw->l[lw->nl - 1];
			cur->fields = (uint8_t)ef;
		}
		if (cur && cur->kind == L_HASH && ef == cur->fields) {
			uint64_t k = exact_key(s, cur->fields);
			size_t slot = (size_t)mix64(k) & hk.mask;
			bool dup = false;

			while (hk.key[slot]) {
				if (hk.key[slot] == k &&
				    same_exact(&p->filters[hk.val[slot]].sel, s, cur->fields)) {
					dup = true;
					break;
				}
				slot = (slot + 1) & hk.mask;
			}
			cur->n = i + 1 - cur->first;
			if (dup)
				continue;
			hk.key[slot] = k;
			hk.val[slot] = (long)i;
			lw->elem_layer[i] = (long)lw->nl - 1;
			cur->n_elems++;
			continue;
		}
		filter_box(s, &b);
		if (cur && cur->kind == L_INTERVAL) {
			int c = ov_check(&ix, p, s, &b);

			if (c == 1) {
				cur->n = i + 1 - cur->first;
				continue;
			}
			if (c == 2)
				cur = NULL;
		} else {
			cur = NULL;
		}
		if (!cur) {
			if (push_layer(lw, L_INTERVAL, i, conn))
				goto out;
			ov_reset(&ix);
			cur = &lw->l[lw->nl - 1];
		}
		if (ov_add(&ix, p, i))
			goto out;
		cur->fields |= used_fields(s);
		cur->n = i + 1 - cur->first;
		cur->n_elems++;
		lw->elem_layer[i] = (long)lw->nl - 1;
	}
	ret = 0;
out:
	free(ix.head);
	free(ix.used);
	free(ix.node);
	free(hk.key);
	free(hk.val);
	return ret;
}

static void lower_free(struct lower *lw)
{
	free(lw->l);
	free(lw->elem_layer);
}

int nft_plan_layers(const struct plan *p, struct nft_layer_info **out, size_t *n)
{
	struct lower lw = {.p = p};
	int ret = lower_plan(&lw);

	*out = NULL;
	*n = 0;
	if (!ret && lw.nl) {
		*out = calloc(lw.nl, sizeof(**out));
		if (!*out)
			ret = -ENOMEM;
	}
	for (size_t i = 0; !ret && i < lw.nl; i++) {
		(*out)[i].interval = lw.l[i].kind == L_INTERVAL;
		(*out)[i].fields = lw.l[i].fields;
		(*out)[i].first = lw.l[i].first;
		(*out)[i].n = lw.l[i].n;
		(*out)[i].n_elems = lw.l[i].n_elems;
	}
	if (!ret)
		*n = lw.nl;
	lower_free(&lw);
	return ret;
}

int nft_plan_assign(const struct plan *p, long *layer_of)
{
	struct lower lw = {.p = p};
	int ret = lower_plan(&lw);

	if (!ret && p->n_filters)
		memcpy(layer_of, lw.elem_layer, p->n_filters * sizeof(long));
	lower_free(&lw);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Messages */

static uint64_t fnv(uint64_t h, const void *d, size_t n)
{
	const unsigned char *b = d;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int body_done(struct bctx *c, struct nlmsghdr *nlh)
{
	/* Everything the kernel will hold is in these bytes: hash them. */
	c->fp = fnv(c->fp, &nlh->nlmsg_type, sizeof(nlh->nlmsg_type));
	c->fp = fnv(c->fp, &nlh->nlmsg_flags, sizeof(nlh->nlmsg_flags));
	c->fp = fnv(c->fp, (char *)nlh + sizeof(*nlh), nlh->nlmsg_len - sizeof(*nlh));
	return nlb_done(&c->body, nlh);
}

static struct nlmsghdr *body_hdr(struct bctx *c, uint16_t type, uint16_t flags)
{
	return nftb_hdr(&c->body, type, flags);
}

static int add_chain(struct bctx *c, int ch, int policy)
{
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!nc)
		return -ENOMEM;
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, NFT_NS_TABLE);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, chain_names[ch]);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, (uint32_t)chain_hooks[ch]);
	nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, (uint32_t)policy);
	nlh = body_hdr(c, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (!nlh) {
		nftnl_chain_free(nc);
		return -ENOMEM;
	}
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	return body_done(c, nlh);
}

/* A rule of one of our chains (nft_batch.h builds it). */
static void rb_start(struct nftb_rule *b, int ch)
{
	nftb_rule_start(b, NFT_NS_TABLE, chain_names[ch]);
}

static void rb_l4proto(struct nftb_rule *b, uint8_t proto)
{
	nftb_meta(b, NFT_META_L4PROTO, NFT_REG_1);
	nftb_cmp(b, NFT_REG_1, NFT_CMP_EQ, &proto, 1);
}

static void rb_port(struct nftb_rule *b, bool src, uint16_t port)
{
	uint16_t be = htons(port);

	nftb_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, src ? 0 : 2, 2, NFT_REG_1);
	nftb_cmp(b, NFT_REG_1, NFT_CMP_EQ, &be, 2);
}

/* reg1 = (reg1 & mask) ^ flip over 4 bytes (network order values); false
 * when the expression could not be added (b->err says why). */
static bool rb_mask(struct nftb_rule *b, uint32_t mask, uint32_t flip)
{
	return nftb_bitwise(b, NFT_REG_1, &mask, &flip, 4);
}

static void rb_daddr_prefix(struct nftb_rule *b, uint32_t addr, uint8_t plen)
{
	uint32_t a = htonl(addr & pmask(plen));

	nftb_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	if (plen < 32 && !rb_mask(b, htonl(pmask(plen)), 0))
		return;
	nftb_cmp(b, NFT_REG_1, NFT_CMP_EQ, &a, 4);
}

static void rb_ifindex(struct nftb_rule *b, bool out, uint32_t idx)
{
	nftb_meta(b, out ? NFT_META_OIF : NFT_META_IIF, NFT_REG_1);
	nftb_cmp(b, NFT_REG_1, NFT_CMP_EQ, &idx, 4);
}

static void rb_ct_established(struct nftb_rule *b)
{
	uint32_t m = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED), z = 0;
	struct nftnl_expr *e = nftb_expr(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	if (!rb_mask(b, m, z))
		return;
	nftb_cmp(b, NFT_REG_1, NFT_CMP_NEQ, &z, 4);
}

static void rb_fib_broadcast(struct nftb_rule *b)
{
	uint32_t t = RTN_BROADCAST;
	struct nftnl_expr *e = nftb_expr(b, "fib");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	nftb_cmp(b, NFT_REG_1, NFT_CMP_EQ, &t, 4);
}

static void rb_counter(struct nftb_rule *b)
{
	nftb_expr(b, "counter");
}

static void rb_verdict(struct nftb_rule *b, int v)
{
	nftb_verdict(b, v, NULL);
}

/* Loads the layer's key fields into consecutive 32-bit registers. */
static uint32_t rb_load_key(struct nftb_rule *b, uint8_t fields)
{
	uint32_t reg = NFT_REG32_00;

	if (fields & NFT_F_SRC)
		nftb_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, reg++);
	if (fields & NFT_F_DST)
		nftb_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg++);
	if (fields & NFT_F_PROTO)
		nftb_meta(b, NFT_META_L4PROTO, reg++);
	if (fields & NFT_F_SPORT)
		nftb_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, reg++);
	if (fields & NFT_F_DPORT)
		nftb_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg++);
	return NFT_REG32_00;
}

static int rb_end(struct bctx *c, struct nftb_rule *b, const char *comment)
{
	struct nlmsghdr *nlh;
	int ret = b->err;

	if (!ret && comment) {
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 8);

		if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment))
			ret = -ENOMEM;
		else
			nftnl_rule_set_data(b->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
					    nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	if (!ret) {
		nlh = body_hdr(c, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
		if (!nlh) {
			ret = -ENOMEM;
		} else {
			nftnl_rule_nlmsg_build_payload(nlh, b->r);
			ret = body_done(c, nlh);
		}
	}
	if (b->r)
		nftnl_rule_free(b->r);
	b->r = NULL;
	return ret;
}

/* Fields of a concatenation take a 32-bit register each; a lone field
 * keeps its own size (nft decodes keys by it). */
static size_t key_len(uint8_t fields)
{
	static const size_t natural[5] = {4, 4, 1, 2, 2};

	if (__builtin_popcount(fields) == 1)
		return natural[__builtin_ctz(fields)];
	return (size_t)__builtin_popcount(fields) * 4;
}

static uint32_t key_type(uint8_t fields)
{
	static const uint32_t t[5] = {TYPE_IPADDR, TYPE_IPADDR, TYPE_INET_PROTOCOL,
				      TYPE_INET_SERVICE, TYPE_INET_SERVICE};
	uint32_t v = 0;

	for (int i = 0; i < 5; i++)
		if (fields & (1u << i))
			v = v << TYPE_BITS | t[i];
	return v;
}

static int add_set(struct bctx *c, const char *name, uint32_t id, uint8_t fields, bool interval,
		   bool map, size_t n_elems, bool counter)
{
	static const uint8_t flen[5] = {4, 4, 1, 2, 2};
	uint8_t concat[NFT_REG32_COUNT] = {0};
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	uint32_t flags = 0, nf = 0;

	if (!s)
		return -ENOMEM;
	for (int i = 0; i < 5; i++)
		if (fields & (1u << i))
			concat[nf++] = flen[i];
	if (map)
		flags |= NFT_SET_MAP;
	if (interval)
		flags |= NFT_SET_INTERVAL | NFT_SET_CONCAT;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_NS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type(fields));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)key_len(fields));
	if (map) {
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 0);
	}
	if (nf > 1 && interval)
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, concat, nf);
	if (n_elems)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)n_elems);
	if (counter) {
		struct nftnl_expr *e = nftnl_expr_alloc("counter");

		if (!e) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_add_expr(s, e);
	}
	nlh = body_hdr(c, NFT_MSG_NEWSET, NLM_F_CREATE);
	if (!nlh) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return body_done(c, nlh);
}

/* The key of one element, fields padded to 32 bits as nft registers are. */
static size_t elem_key(const uint32_t *v, uint8_t fields, uint8_t *out)
{
	size_t n = 0;

	memset(out, 0, 20);
	for (int i = 0; i < 5; i++) {
		if (!(fields & (1u << i)))
			continue;
		if (i < 2) {
			uint32_t be = htonl(v[i]);

			memcpy(out + n, &be, 4);
		} else if (i == 2) {
			out[n] = (uint8_t)v[i];
		} else {
			uint16_t be = htons((uint16_t)v[i]);

			memcpy(out + n, &be, 2);
		}
		n += 4;
	}
	return key_len(fields);
}

static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *d, size_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, d);
	mnl_attr_nest_end(nlh, n);
}

static const char *action_name(enum ns_action a)
{
	return a == NS_ACTION_BLOCK ? "block" : a == NS_ACTION_PERMIT ? "permit" : "negotiate";
}

struct elemsrc {
	const uint32_t (*keys)[5]; /* plain sets: raw values */
	const struct plan *p;	   /* maps: filters of the plan */
	const long *list;
	size_t n;
};

/* Elements of one set, ELEMS_PER_MSG per message, in the given order. */
static int add_elems(struct bctx *c, const char *set, uint32_t set_id, uint8_t fields,
		     bool interval, const struct elemsrc *src)
{
	for (size_t i = 0; i < src->n;) {
		struct nlmsghdr *nlh = body_hdr(c, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
		struct nlattr *list;

		if (!nlh)
			return -ENOMEM;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_NS_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(set_id));
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (size_t k = 0; k < ELEMS_PER_MSG && i < src->n; k++, i++) {
			struct nlattr *el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			uint8_t key[20];
			size_t kl;

			if (src->p) {
				const struct plan_filter *f = &src->p->filters[src->list[i]];
				struct box b;
				struct nlattr *d, *v;
				char cm[48];
				uint8_t ud[64];
				int len;

				filter_box(&f->sel, &b);
				kl = elem_key(b.lo, fields, key);
				put_data(nlh, NFTA_SET_ELEM_KEY, key, kl);
				if (interval) {
					kl = elem_key(b.hi, fields, key);
					put_data(nlh, NFTA_SET_ELEM_KEY_END, key, kl);
				}
				d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
				v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
				mnl_attr_put_u32(
					nlh, NFTA_VERDICT_CODE,
					htonl(f->action == NS_ACTION_BLOCK ? NF_DROP : NF_ACCEPT));
				mnl_attr_nest_end(nlh, v);
				mnl_attr_nest_end(nlh, d);
				/* The filter id, so counters can be traced back. */
				len = snprintf(cm, sizeof(cm), "filter %u %s", f->id,
					       action_name(f->action));
				ud[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
				ud[1] = (uint8_t)(len + 1);
				memcpy(ud + 2, cm, (size_t)len + 1);
				mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, (size_t)len + 3, ud);
			} else {
				kl = elem_key(src->keys[i], fields, key);
				put_data(nlh, NFTA_SET_ELEM_KEY, key, kl);
			}
			mnl_attr_nest_end(nlh, el);
		}
		mnl_attr_nest_end(nlh, list);
		if (body_done(c, nlh))
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Table content */

static int exemption_rules(struct bctx *c, const struct plan *p, int ch)
{
	static const uint8_t esp_ah[2] = {IPPROTO_ESP, IPPROTO_AH};
	struct nftb_rule b;
	int r = 0;

	if (ch != CH_FORWARD) {
		/* Loopback is never subject to IPsec filters. */
		rb_start(&b, ch);
		rb_ifindex(&b, ch == CH_OUTPUT, 1);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b, "loopback");
	}
	for (int dir = 0; dir < 2 && !r; dir++) {
		rb_start(&b, ch);
		nftb_meta(&b, NFT_META_L4PROTO, NFT_REG32_00);
		nftb_payload(&b, NFT_PAYLOAD_TRANSPORT_HEADER, dir ? 2 : 0, 2, NFT_REG32_01);
		nftb_lookup(&b, "exempt_ports", 1, NFT_REG32_00, false);
		rb_counter(&b);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b,
			   dir ? "exempt dport (ike, kerberos)" : "exempt sport (ike, kerberos)");
	}
	if (!r && p->exempt.rsvp) {
		rb_start(&b, ch);
		rb_l4proto(&b, 46);
		rb_counter(&b);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b, "exempt rsvp");
	}
	if (!r && p->exempt.multicast) {
		rb_start(&b, ch);
		rb_daddr_prefix(&b, 0xe0000000u, 4);
		rb_counter(&b);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b, "exempt multicast");
	}
	if (!r && p->exempt.broadcast) {
		rb_start(&b, ch);
		rb_daddr_prefix(&b, 0xffffffffu, 32);
		rb_counter(&b);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b, "exempt broadcast");
		for (size_t i = 0; !r && i < p->n_bcast; i++) {
			rb_start(&b, ch);
			rb_daddr_prefix(&b, p->bcast[i], 32);
			rb_counter(&b);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "exempt broadcast");
		}
		if (!r) {
			rb_start(&b, ch);
			rb_fib_broadcast(&b);
			rb_counter(&b);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "exempt broadcast");
		}
	}
	/* ESP and AH only pass with a matching SA; the packets inside them
	 * come back through these chains and meet the filters. */
	for (int i = 0; i < 2 && !r; i++) {
		rb_start(&b, ch);
		rb_l4proto(&b, esp_ah[i]);
		rb_counter(&b);
		rb_verdict(&b, NF_ACCEPT);
		r = rb_end(c, &b, i ? "ipsec ah" : "ipsec esp");
	}
	return r;
}

static void layer_name(char *buf, size_t len, size_t i, const struct layer *l)
{
	snprintf(buf, len, "%s%zu", l->kind == L_INTERVAL ? "prefix" : "exact", i);
}

static const char *const dialup[] = {PLAN_DIALUP_IFPREFIXES};
static const size_t n_dialup = sizeof(dialup) / sizeof(dialup[0]);
static const char *const conn_note[] = {"", " (lan)", " (dial-up)"};

static int build_policy(struct bctx *c, const struct plan *p)
{
	struct lower lw = {.p = p};
	uint32_t ports[4][5] = {{0, 0, IPPROTO_UDP, 500, 0},
				{0, 0, IPPROTO_UDP, 4500, 0},
				{0, 0, IPPROTO_TCP, 88, 0},
				{0, 0, IPPROTO_UDP, 88, 0}};
	uint32_t pk[4][5];
	long *list = NULL;
	int r;

	r = lower_plan(&lw);
	if (r)
		goto out;
	for (int ch = 0; ch < CH_N && !r; ch++)
		r = add_chain(c, ch, NF_ACCEPT);
	/* proto . port of the exempt services, looked up on either port. */
	for (int i = 0; i < 4; i++) {
		memset(pk[i], 0, sizeof(pk[i]));
		pk[i][2] = ports[i][2];
		pk[i][3] = ports[i][3];
	}
	if (!r)
		r = add_set(c, "exempt_ports", 1, NFT_F_PROTO | NFT_F_SPORT, false, false, 0,
			    false);
	if (!r) {
		struct elemsrc es = {.keys = (const uint32_t(*)[5])pk,
				     .n = p->exempt.kerberos ? 4 : 2};

		r = add_elems(c, "exempt_ports", 1, NFT_F_PROTO | NFT_F_SPORT, false, &es);
	}
	list = malloc((p->n_filters + 1) * sizeof(*list));
	if (!list)
		r = -ENOMEM;
	for (size_t li = 0; li < lw.nl && !r; li++) {
		const struct layer *l = &lw.l[li];
		struct elemsrc es = {.p = p, .list = list};
		char name[32];

		if (l->kind == L_ALL)
			continue;
		layer_name(name, sizeof(name), li, l);
		for (size_t i = l->first; i < l->first + l->n; i++)
			if (lw.elem_layer[i] == (long)li)
				list[es.n++] = (long)i;
		r = add_set(c, name, 10 + (uint32_t)li, l->fields, l->kind == L_INTERVAL, true,
			    es.n, true);
		if (!r)
			r = add_elems(c, name, 10 + (uint32_t)li, l->fields, l->kind == L_INTERVAL,
				      &es);
		if (c->o->verbose && !r)
			fprintf(c->o->out ? c->o->out : stdout,
				"nft: map %s: %zu %s elements (filters %zu-%zu)\n", name, es.n,
				l->kind == L_INTERVAL ? "interval" : "exact", l->first + 1,
				l->first + l->n);
	}
	for (int ch = 0; ch < CH_N && !r; ch++) {
		r = exemption_rules(c, p, ch);
		for (size_t li = 0; li < lw.nl && !r; li++) {
			const struct layer *l = &lw.l[li];
			struct nftb_rule b;
			char name[32], cm[64];

			/* LAN: one rule behind "no dial-up prefix"; dial-up: one rule
			 * per prefix.  Input and forward look at the interface the
			 * packet came in on, output at the one it leaves by. */
			size_t n_rules = l->conn == NS_CONN_DIALUP ? n_dialup : 1;

			for (size_t k = 0; k < n_rules && !r; k++) {
				rb_start(&b, ch);
				if (l->conn != NS_CONN_ALL) {
					uint32_t key = ch == CH_OUTPUT ? NFT_META_OIFNAME
								       : NFT_META_IIFNAME;

					for (size_t d = 0; d < n_dialup; d++) {
						if (l->conn == NS_CONN_DIALUP && d != k)
							continue;
						nftb_meta(&b, key, NFT_REG_1);
						nftb_cmp(&b, NFT_REG_1,
							 l->conn == NS_CONN_DIALUP ? NFT_CMP_EQ
										   : NFT_CMP_NEQ,
							 dialup[d], (uint32_t)strlen(dialup[d]));
					}
				}
				if (l->kind == L_ALL) {
					const struct plan_filter *f = &p->filters[l->all_filter];

					rb_counter(&b);
					rb_verdict(&b, f->action == NS_ACTION_BLOCK ? NF_DROP
										    : NF_ACCEPT);
					snprintf(cm, sizeof(cm), "filter %u %s (any)%s", f->id,
						 action_name(f->action), conn_note[l->conn]);
					r = rb_end(c, &b, cm);
					continue;
				}
				layer_name(name, sizeof(name), li, l);
				nftb_lookup(&b, name, 10 + (uint32_t)li, rb_load_key(&b, l->fields),
					    true);
				snprintf(cm, sizeof(cm), "filters %zu-%zu%s", l->first + 1,
					 l->first + l->n, conn_note[l->conn]);
				r = rb_end(c, &b, cm);
			}
		}
	}
out:
	free(list);
	lower_free(&lw);
	return r;
}

/* Boot-time rules (dynamic-context.md, bootmode). */
static int build_boot(struct bctx *c, const struct ns_config *cfg)
{
	int r = 0;

	for (int ch = 0; ch < CH_N && !r; ch++) {
		struct nftb_rule b;
		bool out = ch == CH_OUTPUT;

		r = add_chain(c, ch, NF_ACCEPT);
		if (r || cfg->bootmode == NS_BOOT_PERMIT)
			continue;
		if (cfg->bootmode == NS_BOOT_STATEFUL && out)
			continue; /* outbound-initiated traffic: all of it */
		if (ch != CH_FORWARD) {
			rb_start(&b, ch);
			rb_ifindex(&b, out, 1);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "loopback");
		}
		/* Replies to what these chains admitted (block mode admits only
		 * exemptions, so only their flows ever become established). */
		if (!r) {
			rb_start(&b, ch);
			rb_ct_established(&b);
			rb_counter(&b);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "established");
		}
		for (int k = 0; k < 2 && !r && ch != CH_FORWARD; k++) {
			/* DHCP client and server, both ways. */
			rb_start(&b, ch);
			rb_l4proto(&b, IPPROTO_UDP);
			rb_port(&b, true, k ? 67 : 68);
			rb_port(&b, false, k ? 68 : 67);
			rb_counter(&b);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "dhcp");
		}
		for (size_t i = 0; i < cfg->n_bootexemptions && !r && ch != CH_FORWARD; i++) {
			const struct ns_bootexemption *e = &cfg->bootexemptions[i];

			if ((e->dir == NS_DIR_OUTBOUND) != out)
				continue;
			rb_start(&b, ch);
			if (e->protocol)
				rb_l4proto(&b, e->protocol);
			if (e->srcport && has_ports(e->protocol))
				rb_port(&b, true, e->srcport);
			if (e->dstport && has_ports(e->protocol))
				rb_port(&b, false, e->dstport);
			rb_counter(&b);
			rb_verdict(&b, NF_ACCEPT);
			r = rb_end(c, &b, "bootexemption");
		}
		if (!r) {
			rb_start(&b, ch);
			rb_counter(&b);
			rb_verdict(&b, NF_DROP);
			r = rb_end(c, &b,
				   cfg->bootmode == NS_BOOT_BLOCK ? "bootmode block"
								  : "bootmode stateful");
		}
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Talking to the kernel */

struct table_get {
	bool found;
	char comment[128];
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	struct table_get *t = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT) {
		uint8_t l = nftnl_udata_len(attr);

		if (l >= sizeof(t->comment))
			l = sizeof(t->comment) - 1;
		memcpy(t->comment, nftnl_udata_get(attr), l);
		t->comment[l] = 0;
	}
	return 0;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_get *t = data;
	struct nftnl_table *nt = nftnl_table_alloc();
	uint32_t len;
	const void *ud;

	if (!nt)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, nt) == 0) {
		t->found = true;
		ud = nftnl_table_get_data(nt, NFTNL_TABLE_USERDATA, &len);
		if (ud)
			nftnl_udata_parse(ud, len, udata_cb, t);
	}
	nftnl_table_free(nt);
	return MNL_CB_OK;
}

static int get_table(struct mnl_socket *nl, struct table_get *t, uint32_t seq)
{
	char buf[512];
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_IPV4, NLM_F_ACK, seq);
	struct nftnl_table *nt = nftnl_table_alloc();
	char rbuf[8192];
	int ret;

	if (!nt)
		return -ENOMEM;
	nftnl_table_set_str(nt, NFTNL_TABLE_NAME, NFT_NS_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, nt);
	nftnl_table_free(nt);
	memset(t, 0, sizeof(*t));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, (size_t)n, seq, mnl_socket_get_portid(nl), table_cb, t);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

static int put_table_msgs(struct nlb *b, bool exists, const char *comment)
{
	struct nftnl_table *nt;
	struct nlmsghdr *nlh;

	for (int k = exists ? 0 : 2; k < 3; k++) {
		nt = nftnl_table_alloc();
		if (!nt || nlb_reserve(b, NLB_MSG_MAX)) {
			nftnl_table_free(nt);
			return -ENOMEM;
		}
		nftnl_table_set_str(nt, NFTNL_TABLE_NAME, NFT_NS_TABLE);
		nftnl_table_set_u32(nt, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
		if (k == 2 && comment) {
			struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(256);

			if (!u || !nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT, comment)) {
				nftnl_udata_buf_free(u);
				nftnl_table_free(nt);
				return -ENOMEM;
			}
			nftnl_table_set_data(nt, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
					     nftnl_udata_buf_len(u));
			nftnl_udata_buf_free(u);
		}
		/* k 0: make sure it exists, 1: delete it, 2: the new one. */
		nlh = nftnl_nlmsg_build_hdr(b->data + b->len,
					    k == 1 ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE,
					    NFPROTO_IPV4, k == 1 ? 0 : NLM_F_CREATE, 0);
		nftnl_table_nlmsg_build_payload(nlh, nt);
		nftnl_table_free(nt);
		if (nlb_done(b, nlh))
			return -ENOMEM;
	}
	return 0;
}

struct set_list {
	char names[1024][64];
	size_t n;
	char marker[64]; /* the fingerprint marker set, "" if none */
};

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct set_list *l = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 && l->n < 1024 &&
	    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), NFT_NS_TABLE)) {
		const char *n = nftnl_set_get_str(s, NFTNL_SET_NAME);

		snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", n);
		if (!strncmp(n, FP_SET_PREFIX, strlen(FP_SET_PREFIX)))
			snprintf(l->marker, sizeof(l->marker), "%s", n);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int list_sets(struct mnl_socket *nl, struct set_list *sl, uint32_t seq)
{
	struct nftnl_set *st = nftnl_set_alloc();
	char buf[512];
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_IPV4, NLM_F_DUMP, seq);

	if (!st)
		return -ENOMEM;
	memset(sl, 0, sizeof(*sl));
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_NS_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	return nl_dump(nl, nlh, set_cb, sl);
}

/*
 * Replacing the content in place: the table and its base chains stay (their
 * hooks never change), the rules of the three chains are flushed and every
 * set deleted, all in the transaction that adds the new ones.  Deleting and
 * re-creating the whole table let a packet through now and then
 * (tests/netns/reapply_traffic.sh, nftables alone: 1 in ~9,000 packets of a
 * flow blocked by both policies over 200 swaps).
 */
static int put_inplace_msgs(struct nlb *b, const struct set_list *sl)
{
	struct nlmsghdr *nlh;

	for (int ch = 0; ch < CH_N; ch++) {
		struct nftnl_rule *r = nftnl_rule_alloc();

		if (!r || nlb_reserve(b, NLB_MSG_MAX)) {
			nftnl_rule_free(r);
			return -ENOMEM;
		}
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_NS_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain_names[ch]);
		nlh = nftnl_nlmsg_build_hdr(b->data + b->len, NFT_MSG_DELRULE, NFPROTO_IPV4, 0, 0);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		if (nlb_done(b, nlh))
			return -ENOMEM;
	}
	for (size_t i = 0; i < sl->n; i++) {
		struct nftnl_set *st = nftnl_set_alloc();

		if (!st || nlb_reserve(b, NLB_MSG_MAX)) {
			nftnl_set_free(st);
			return -ENOMEM;
		}
		nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_NS_TABLE);
		nftnl_set_set_str(st, NFTNL_SET_NAME, sl->names[i]);
		nlh = nftnl_nlmsg_build_hdr(b->data + b->len, NFT_MSG_DELSET, NFPROTO_IPV4, 0, 0);
		nftnl_set_nlmsg_build_payload(nlh, st);
		nftnl_set_free(st);
		if (nlb_done(b, nlh))
			return -ENOMEM;
	}
	return 0;
}

/* The fingerprint lives in the name of an empty set: a table comment
 * cannot change without re-creating the table. */
static int put_marker(struct nlb *b, const char *name)
{
	struct nftnl_set *st = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!st || nlb_reserve(b, NLB_MSG_MAX)) {
		nftnl_set_free(st);
		return -ENOMEM;
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_NS_TABLE);
	nftnl_set_set_str(st, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(st, NFTNL_SET_ID, 2);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_TYPE, TYPE_IPADDR);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_LEN, 4);
	nlh = nftnl_nlmsg_build_hdr(b->data + b->len, NFT_MSG_NEWSET, NFPROTO_IPV4, NLM_F_CREATE,
				    0);
	nftnl_set_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	return nlb_done(b, nlh);
}

static struct mnl_socket *nft_open(char *err, size_t len)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER, 0, 4u << 20);

	if (!nl)
		snprintf(err, len, "nft: netlink socket: %s", strerror(errno));
	return nl;
}

/*
 * The marker set says what content we installed, not that nobody changed it
 * since: a rule added or a set element deleted by hand leaves it in place.
 * So after each commit the namespace's ruleset generation is recorded in the
 * state directory (one file per network namespace); an apply skips the work
 * only when the marker matches and the generation has not moved.  Any
 * nftables change in the namespace, ours or not, moves it: the cost of a
 * false alarm is one re-apply in place.
 */
static int gen_file(const struct apply_opts *o, char *path, size_t n)
{
	struct stat st;

	if (!o->state_dir || stat("/proc/self/ns/net", &st))
		return -ENOENT;
	if (snprintf(path, n, "%s/nft-%llu.gen", o->state_dir, (unsigned long long)st.st_ino) >=
	    (int)n)
		return -ENAMETOOLONG;
	return 0;
}

/* Did anything change the ruleset since we installed marker? */
static bool changed_since(const struct apply_opts *o, struct mnl_socket *nl, uint32_t seq,
			  const char *marker)
{
	char path[4096], line[128], want[128];
	uint32_t gen;
	FILE *f;
	bool same;

	struct statfs sfs;

	/* Library callers without state, and state directories on a bpf file
	 * system (which holds pins, never regular files): the marker alone. */
	if (!o->state_dir ||
	    (!statfs(o->state_dir, &sfs) && sfs.f_type == BPF_FS_MAGIC))
		return false;
	if (gen_file(o, path, sizeof(path)) || nftb_genid(nl, seq, &gen))
		return true;
	f = fopen(path, "re");
	if (!f)
		return true;
	snprintf(want, sizeof(want), "%u %s\n", gen, marker);
	same = fgets(line, sizeof(line), f) && !strcmp(line, want);
	fclose(f);
	return !same;
}

/* Best effort: without the record the next apply just does the work again. */
static void record_gen(const struct apply_opts *o, struct mnl_socket *nl, uint32_t seq,
		       const char *marker)
{
	char path[4096], tmp[4160];
	uint32_t gen;
	FILE *f;

	if (gen_file(o, path, sizeof(path)) || nftb_genid(nl, seq, &gen))
		return;
	mkdir(o->state_dir, 0700);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%u %s\n", gen, marker);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

/* Builds a body with fn, then replaces the table content unless it holds it. */
static int install(const char *what, int (*fn)(struct bctx *, const void *), const void *arg,
		   const struct apply_opts *o, char *err, size_t len)
{
	struct bctx c = {.o = o, .err = err, .errlen = len, .fp = 0xcbf29ce484222325ull};
	struct mnl_socket *nl = NULL;
	struct set_list *sl = calloc(1, sizeof(*sl));
	struct table_get t;
	struct nlb msgs;
	char marker[64];
	uint32_t seq = (uint32_t)time(NULL), bad;
	FILE *out = o->out ? o->out : stdout;
	int ret = -ENOMEM;

	nlb_init(&c.body);
	nlb_init(&msgs);
	if (!sl)
		goto out;
	c.fp = fnv(c.fp, what, strlen(what));
	ret = fn(&c, arg);
	if (ret) {
		if (!err[0])
			snprintf(err, len, "nft: building %s: %s", what, strerror(-ret));
		goto out;
	}
	snprintf(marker, sizeof(marker), FP_SET_PREFIX "%016llx_%s", (unsigned long long)c.fp,
		 what);
	for (char *m = marker; *m; m++)
		if (*m == ' ')
			*m = '_';
	nl = nft_open(err, len);
	if (!nl) {
		ret = -errno;
		goto out;
	}
	ret = get_table(nl, &t, seq++);
	if (!ret && t.found)
		ret = list_sets(nl, sl, seq++);
	if (ret) {
		snprintf(err, len, "nft: table ip %s: %s", NFT_NS_TABLE, strerror(-ret));
		goto out;
	}
	if (t.found && !strcmp(sl->marker, marker)) {
		if (!changed_since(o, nl, seq++, marker)) {
			if (o->verbose)
				fprintf(out, "nft: table ip %s already holds %s (%s), nothing to do\n",
					NFT_NS_TABLE, what, marker);
			goto out;
		}
		if (o->verbose)
			fprintf(out, "nft: the ruleset changed since %s was installed: installing it "
				     "again\n",
				what);
	}
	if (o->verbose)
		fprintf(out, "nft: %s table ip %s: %u messages, %zu bytes%s\n",
			t.found ? "replacing the content of" : "creating", NFT_NS_TABLE,
			c.body.n + 4, c.body.len, o->dry_run ? " (dry run)" : "");
	if (o->dry_run)
		goto out;
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t npre;

		nlb_free(&msgs);
		nlb_init(&msgs);
		/* In place when the table is there; if that fails (a chain of
		 * ours was removed by hand), re-create the table. */
		if (t.found && !attempt)
			ret = put_inplace_msgs(&msgs, sl);
		else
			ret = put_table_msgs(&msgs, t.found, "netsh-ipsec (ipsec-apply)");
		if (ret)
			goto out;
		npre = msgs.n;
		if (nlb_reserve(&msgs, c.body.len + NLB_MSG_MAX)) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(msgs.data + msgs.len, c.body.data, c.body.len);
		for (uint32_t i = 0; i < c.body.n; i++)
			if (nlb_done(&msgs, (struct nlmsghdr *)(msgs.data + msgs.len))) {
				ret = -ENOMEM;
				goto out;
			}
		ret = put_marker(&msgs, marker);
		if (ret)
			goto out;
		ret = nftb_send_txn(nl, &msgs, seq, &bad);
		seq += msgs.n + 2;
		if (!ret) {
			record_gen(o, nl, seq++, marker);
			break;
		}
		if (ret == -ENOENT && t.found && !attempt && bad != UINT32_MAX && bad < npre)
			continue;
		{
			const char *obj = "transaction";
			char buf[64];

			if (bad != UINT32_MAX && bad >= npre) {
				const struct nlmsghdr *h =
					(const struct nlmsghdr *)(msgs.data + msgs.off[bad]);
				uint16_t ty = NFNL_MSG_TYPE(h->nlmsg_type);

				snprintf(buf, sizeof(buf), "%s (message %u)",
					 ty == NFT_MSG_NEWSETELEM ? "set elements"
					 : ty == NFT_MSG_NEWSET	  ? "set"
					 : ty == NFT_MSG_NEWRULE  ? "rule"
					 : ty == NFT_MSG_NEWCHAIN ? "chain"
								  : "object",
					 bad - npre);
				obj = buf;
			} else if (bad != UINT32_MAX) {
				obj = "old content";
			}
			snprintf(err, len, "nft: table ip %s: %s: %s", NFT_NS_TABLE, obj,
				 strerror(-ret));
		}
		break;
	}
out:
	if (nl)
		mnl_socket_close(nl);
	free(sl);
	nlb_free(&c.body);
	nlb_free(&msgs);
	return ret;
}

static int policy_fn(struct bctx *c, const void *arg)
{
	return build_policy(c, arg);
}

static int boot_fn(struct bctx *c, const void *arg)
{
	return build_boot(c, arg);
}

int nft_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	if (len)
		err[0] = 0;
	return install("policy", policy_fn, p, o, err, len);
}

int nft_backend_boot(const struct ns_config *cfg, const struct apply_opts *o, char *err, size_t len)
{
	static const char *const names[] = {"boot stateful", "boot block", "boot permit"};

	if (len)
		err[0] = 0;
	if ((unsigned)cfg->bootmode > NS_BOOT_PERMIT) {
		snprintf(err, len, "nft: bootmode %d unknown", (int)cfg->bootmode);
		return -EINVAL;
	}
	return install(names[cfg->bootmode], boot_fn, cfg, o, err, len);
}

int nft_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	struct mnl_socket *nl;
	struct table_get t;
	struct nlb msgs;
	uint32_t seq = (uint32_t)time(NULL), bad;
	int ret;

	if (len)
		err[0] = 0;
	nl = nft_open(err, len);
	if (!nl)
		return -errno;
	nlb_init(&msgs);
	ret = get_table(nl, &t, seq++);
	if (!ret && t.found && o->verbose)
		fprintf(o->out ? o->out : stdout, "nft: delete table ip %s%s\n", NFT_NS_TABLE,
			o->dry_run ? " (dry run)" : "");
	if (!ret && t.found && !o->dry_run) {
		struct nftnl_table *nt = nftnl_table_alloc();
		struct nlmsghdr *nlh;

		ret = -ENOMEM;
		if (nt && !nlb_reserve(&msgs, NLB_MSG_MAX)) {
			nftnl_table_set_str(nt, NFTNL_TABLE_NAME, NFT_NS_TABLE);
			nlh = nftnl_nlmsg_build_hdr(msgs.data, NFT_MSG_DELTABLE, NFPROTO_IPV4, 0,
						    0);
			nftnl_table_nlmsg_build_payload(nlh, nt);
			ret = nlb_done(&msgs, nlh);
		}
		nftnl_table_free(nt);
		if (!ret)
			ret = nftb_send_txn(nl, &msgs, seq, &bad);
	}
	if (ret)
		snprintf(err, len, "nft: delete table ip %s: %s", NFT_NS_TABLE, strerror(-ret));
	nlb_free(&msgs);
	mnl_socket_close(nl);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Status */

struct status_ctx {
	FILE *out;
	bool verbose;
	char set[64];
	uint64_t pk, by;
	size_t n, hit;
};

static int counter_of(struct nftnl_expr *e, void *data)
{
	uint64_t *v = data;

	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter")) {
		v[0] += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		v[1] += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *c = data;

	if (nftnl_udata_type(attr) == 0) {
		uint8_t l = nftnl_udata_len(attr);

		if (l > 63)
			l = 63;
		memcpy(c, nftnl_udata_get(attr), l);
		c[l] = 0;
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct status_ctx *s = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint64_t v[2] = {0, 0};
	char cm[64] = "";
	uint32_t len;
	const void *ud;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), NFT_NS_TABLE)) {
		nftnl_expr_foreach(r, counter_of, v);
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
		if (ud)
			nftnl_udata_parse(ud, len, comment_cb, cm);
		fprintf(s->out, "nft: %-7s %-34s %10llu packets %12llu bytes\n",
			nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), cm, (unsigned long long)v[0],
			(unsigned long long)v[1]);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct status_ctx *s = data;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!set)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, set) == 0) {
		it = nftnl_set_elems_iter_create(set);
		for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e;
		     e = nftnl_set_elems_iter_next(it)) {
			struct nftnl_expr *x = (struct nftnl_expr *)nftnl_set_elem_get(
				e, NFTNL_SET_ELEM_EXPR, NULL);
			uint64_t v[2] = {0, 0};
			uint32_t len;
			const void *ud;
			char cm[64] = "";

			s->n++;
			if (x)
				counter_of(x, v);
			s->pk += v[0];
			s->by += v[1];
			if (!v[0])
				continue;
			s->hit++;
			ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
			if (ud)
				nftnl_udata_parse(ud, len, comment_cb, cm);
			if (s->verbose || s->hit <= 20)
				fprintf(s->out, "nft:   %s: %s %llu packets %llu bytes\n", s->set,
					cm, (unsigned long long)v[0], (unsigned long long)v[1]);
		}
		if (it)
			nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(set);
	return MNL_CB_OK;
}

int nft_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	struct status_ctx s = {.out = o->out ? o->out : stdout, .verbose = o->verbose};
	struct set_list *sl = calloc(1, sizeof(*sl));
	struct mnl_socket *nl = nft_open(err, len);
	uint32_t seq = (uint32_t)time(NULL);
	struct table_get t;
	char buf[1024];
	int ret = -ENOMEM;

	if (!nl || !sl)
		goto out;
	ret = get_table(nl, &t, seq++);
	if (ret || !t.found) {
		if (!ret)
			fprintf(s.out, "nft: no table ip %s\n", NFT_NS_TABLE);
		goto out;
	}
	fprintf(s.out, "nft: table ip %s\n", NFT_NS_TABLE);
	{
		struct nftnl_rule *r = nftnl_rule_alloc();
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4,
							     NLM_F_DUMP, seq++);

		if (!r)
			goto out;
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_NS_TABLE);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		ret = nl_dump(nl, nlh, rule_cb, &s);
		if (ret)
			goto out;
	}
	{
		struct nftnl_set *st = nftnl_set_alloc();
		struct nlmsghdr *nlh =
			nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_IPV4, NLM_F_DUMP, seq++);

		if (!st)
			goto out;
		nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_NS_TABLE);
		nftnl_set_nlmsg_build_payload(nlh, st);
		nftnl_set_free(st);
		ret = nl_dump(nl, nlh, set_cb, sl);
		if (ret)
			goto out;
	}
	if (sl->marker[0])
		fprintf(s.out, "nft: content %s\n", sl->marker + strlen(FP_SET_PREFIX));
	for (size_t i = 0; i < sl->n; i++) {
		struct nftnl_set *st;

		if (!strcmp(sl->names[i], sl->marker))
			continue;
		st = nftnl_set_alloc();
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_IPV4,
							     NLM_F_DUMP, seq++);

		if (!st)
			goto out;
		nftnl_set_set_str(st, NFTNL_SET_TABLE, NFT_NS_TABLE);
		nftnl_set_set_str(st, NFTNL_SET_NAME, sl->names[i]);
		nftnl_set_elems_nlmsg_build_payload(nlh, st);
		nftnl_set_free(st);
		snprintf(s.set, sizeof(s.set), "%s", sl->names[i]);
		s.n = s.hit = 0;
		s.pk = s.by = 0;
		ret = nl_dump(nl, nlh, elem_cb, &s);
		if (ret)
			goto out;
		fprintf(s.out,
			"nft: set %-12s %8zu elements, %zu matched: %llu packets %llu bytes\n",
			sl->names[i], s.n, s.hit, (unsigned long long)s.pk,
			(unsigned long long)s.by);
	}
out:
	if (ret && !err[0])
		snprintf(err, len, "nft: status: %s", strerror(-ret));
	if (nl)
		mnl_socket_close(nl);
	free(sl);
	return ret;
}
