// SPDX-License-Identifier: GPL-2.0
/*
 * The bpf backend's table for locally generated traffic (bpf_local.h), as
 * one libnftnl batch.  The table, as nft lists it:
 *
 *   chain m_<mark>        meta mark set <mark> accept (one per negotiate mark)
 *   map c<N>_<kind>       per class and interface kind (lan, dialup): the
 *                         class's masked key : drop, accept or jump m_<mark>
 *   chain local_<kind>    per class one vmap lookup, in class order
 *   chain local           route hook output, mangle priority: exemptions,
 *                         then goto local_dialup or local_lan by the name of
 *                         the output interface of the first route lookup
 *
 * A route chain that changes the mark makes the kernel route (and look up
 * XFRM) again.  The batch deletes the old table and creates the new one in
 * one transaction, as `nft -f` of "table ..., delete table ..., table {...}"
 * would.  The walk that builds the messages also renders the table in nft
 * syntax for -v, so what is printed is what is sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "apply/bpf_local.h"
#include "apply/bpf_loader.h"
#include "apply/nft_batch.h"
#include "apply/plan.h"

/* nft's datatype ids, so that `nft list` prints keys readably. */
#define TYPE_IPADDR	   7
#define TYPE_INET_PROTOCOL 12
#define TYPE_INET_SERVICE  13
#define TYPE_BITS	   6
/* Elements per NEWSETELEM message (attribute nests are 16-bit). */
#define ELEMS_PER_MSG 256
/* Distinct negotiate marks, each with its chain. */
#define MAX_MARKS 1024
/* The kernel names anonymous sets; rules find them by batch id. */
#define ANON_SET "__set%d"

/* Key fields of a class, in key order. */
enum { F_SRC, F_DST, F_PROTO, F_SPORT, F_DPORT, F_N };
static const uint32_t field_len[F_N] = {4, 4, 1, 2, 2};
static const uint32_t field_type[F_N] = {TYPE_IPADDR, TYPE_IPADDR, TYPE_INET_PROTOCOL,
					 TYPE_INET_SERVICE, TYPE_INET_SERVICE};
static const char *const field_type_name[F_N] = {"ipv4_addr", "ipv4_addr", "inet_proto",
						 "inet_service", "inet_service"};
static const char *const kind_names[NSB_KINDS] = {"lan", "dialup"};

struct lcx {
	const struct nsb_local_in *in;
	FILE *txt; /* the table in nft syntax, or NULL */
	struct nlb msgs;
	uint32_t set_id;
};

static void tx(const struct lcx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tx(const struct lcx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->txt)
		return;
	va_start(ap, fmt);
	vfprintf(c->txt, fmt, ap);
	va_end(ap);
}

static void tx_ip(const struct lcx *c, uint32_t be)
{
	uint32_t h = ntohl(be);

	tx(c, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

/* Only keys whose source covers one of our addresses can match our packets. */
static bool key_is_local(const struct nsb_local_in *in, const struct nsb_key *k)
{
	const struct nsb_class *c = &in->cls[k->cls];

	if (!in->n_me)
		return true;
	for (size_t i = 0; i < in->n_me; i++)
		if ((htonl(in->me[i]) & c->smask) == k->src)
			return true;
	return false;
}

static bool key_wanted(const struct nsb_local_in *in, size_t k, int kind)
{
	return in->vals[k].v[kind].prio && key_is_local(in, &in->keys[k]);
}

static unsigned class_fields(const struct nsb_class *cl)
{
	return (cl->smask ? 1u << F_SRC : 0) | (cl->dmask ? 1u << F_DST : 0) |
	       (cl->proto_mask ? 1u << F_PROTO : 0) | (cl->sport_mask ? 1u << F_SPORT : 0) |
	       (cl->dport_mask ? 1u << F_DPORT : 0);
}

/* Fields of a concatenation take a 32-bit register each; a lone field
 * keeps its own size, as nft makes it. */
static uint32_t key_len(unsigned fields)
{
	if (__builtin_popcount(fields) == 1)
		return field_len[__builtin_ctz(fields)];
	return (uint32_t)__builtin_popcount(fields) * 4;
}

/* ---- messages ---------------------------------------------------------- */

static int put_table(struct lcx *c, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NSB_NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nlh = nftb_hdr(&c->msgs, type, flags);
	if (!nlh) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nlb_done(&c->msgs, nlh);
}

/* A regular chain, or (base) the route chain on the output hook. */
static int put_chain(struct lcx *c, const char *name, bool base)
{
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!nc)
		return -ENOMEM;
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, NSB_NFT_TABLE);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, name);
	if (base) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_OUT);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, NF_IP_PRI_MANGLE);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "route");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = nftb_hdr(&c->msgs, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (!nlh) {
		nftnl_chain_free(nc);
		return -ENOMEM;
	}
	nftnl_chain_nlmsg_build_payload(nlh, nc);
	nftnl_chain_free(nc);
	return nlb_done(&c->msgs, nlh);
}

/* A named verdict map, or (anon_size) an anonymous constant set. */
static int put_set(struct lcx *c, const char *name, uint32_t id, uint32_t type, uint32_t klen,
		   uint32_t anon_size)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NSB_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	if (anon_size) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, anon_size);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 0);
	}
	nlh = nftb_hdr(&c->msgs, NFT_MSG_NEWSET, NLM_F_CREATE);
	if (!nlh) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nlb_done(&c->msgs, nlh);
}

/* Elements of one set, ELEMS_PER_MSG to a message. */
struct elems {
	struct lcx *c;
	const char *set;
	uint32_t set_id;
	struct nlmsghdr *nlh;
	struct nlattr *list;
	size_t n; /* in the open message */
};

static int elems_flush(struct elems *e)
{
	int r;

	if (!e->nlh)
		return 0;
	mnl_attr_nest_end(e->nlh, e->list);
	r = nlb_done(&e->c->msgs, e->nlh);
	e->nlh = NULL;
	e->n = 0;
	return r;
}

/* An element: its key and, in a map (data), its verdict. */
static int elems_add(struct elems *e, const void *key, uint32_t klen, bool data, int verdict,
		     const char *chain)
{
	struct nlattr *el, *n;

	if (e->n == ELEMS_PER_MSG && elems_flush(e))
		return -ENOMEM;
	if (!e->nlh) {
		e->nlh = nftb_hdr(&e->c->msgs, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
		if (!e->nlh)
			return -ENOMEM;
		mnl_attr_put_strz(e->nlh, NFTA_SET_ELEM_LIST_TABLE, NSB_NFT_TABLE);
		mnl_attr_put_strz(e->nlh, NFTA_SET_ELEM_LIST_SET, e->set);
		mnl_attr_put_u32(e->nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(e->set_id));
		e->list = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	}
	el = mnl_attr_nest_start(e->nlh, NFTA_LIST_ELEM);
	n = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(e->nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(e->nlh, n);
	if (data) {
		struct nlattr *v;

		n = mnl_attr_nest_start(e->nlh, NFTA_SET_ELEM_DATA);
		v = mnl_attr_nest_start(e->nlh, NFTA_DATA_VERDICT);
		mnl_attr_put_u32(e->nlh, NFTA_VERDICT_CODE, htonl((uint32_t)verdict));
		if (chain)
			mnl_attr_put_strz(e->nlh, NFTA_VERDICT_CHAIN, chain);
		mnl_attr_nest_end(e->nlh, v);
		mnl_attr_nest_end(e->nlh, n);
	}
	mnl_attr_nest_end(e->nlh, el);
	e->n++;
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

/* The nft verdict of v; chain receives the jump target's name. */
static int verdict_of(const struct lcx *c, const struct nsb_verdict *v, char *chain, size_t len)
{
	chain[0] = 0;
	if (v->action == NSB_BLOCK) {
		tx(c, "drop");
		return NF_DROP;
	}
	if (v->action == NSB_NEGOTIATE) {
		snprintf(chain, len, "m_%x", v->mark);
		tx(c, "jump %s", chain);
		return NFT_JUMP;
	}
	tx(c, "accept");
	return NF_ACCEPT;
}

/* Loads the class's key into consecutive registers; returns the first. */
static uint32_t load_key(const struct lcx *c, struct nftb_rule *r, const struct nsb_class *cl)
{
	static const uint32_t zero = 0;
	uint32_t reg = NFT_REG32_00;
	const char *sep = "";

	for (int f = F_SRC; f <= F_DST; f++) {
		uint32_t mask = f == F_SRC ? cl->smask : cl->dmask;
		const char *name = f == F_SRC ? "ip saddr" : "ip daddr";

		if (!mask)
			continue;
		nftb_payload(r, NFT_PAYLOAD_NETWORK_HEADER, f == F_SRC ? 12 : 16, 4, reg);
		tx(c, "%s%s", sep, name);
		if (mask != 0xffffffff) {
			nftb_bitwise(r, reg, &mask, &zero, 4);
			tx(c, " & ");
			tx_ip(c, mask);
		}
		reg++;
		sep = " . ";
	}
	if (cl->proto_mask) {
		nftb_meta(r, NFT_META_L4PROTO, reg++);
		tx(c, "%smeta l4proto", sep);
		sep = " . ";
	}
	if (cl->sport_mask) {
		nftb_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, reg++);
		tx(c, "%sth sport", sep);
		sep = " . ";
	}
	if (cl->dport_mask) {
		nftb_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg++);
		tx(c, "%sth dport", sep);
	}
	return NFT_REG32_00;
}

/* The element key of k in class cl: network order, padded as registers are. */
static uint32_t elem_key(const struct lcx *c, const struct nsb_class *cl, const struct nsb_key *k,
			 uint8_t out[20])
{
	unsigned fields = class_fields(cl);
	const void *v[F_N] = {&k->src, &k->dst, &k->proto, &k->sport, &k->dport};
	bool lone = __builtin_popcount(fields) == 1;
	const char *sep = "";
	size_t n = 0;

	memset(out, 0, 20);
	for (int f = 0; f < F_N; f++) {
		if (!(fields & (1u << f)))
			continue;
		memcpy(out + n, v[f], field_len[f]);
		n += lone ? field_len[f] : 4;
		tx(c, "%s", sep);
		if (f <= F_DST)
			tx_ip(c, f == F_SRC ? k->src : k->dst);
		else if (f == F_PROTO)
			tx(c, "%u", k->proto);
		else
			tx(c, "%u", ntohs(f == F_SPORT ? k->sport : k->dport));
		sep = " . ";
	}
	return (uint32_t)n;
}

static int mark_chain(struct lcx *c, uint32_t mark)
{
	struct nftb_rule r;
	struct nftnl_expr *e;
	char name[16];
	int ret;

	snprintf(name, sizeof(name), "m_%x", mark);
	tx(c, "\tchain %s {\n\t\tmeta mark set 0x%x accept\n\t}\n", name, mark);
	ret = put_chain(c, name, false);
	if (ret)
		return ret;
	nftb_rule_start(&r, NSB_NFT_TABLE, name);
	e = nftb_expr(&r, "immediate");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &mark, sizeof(mark));
	}
	e = nftb_expr(&r, "meta");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_MARK);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	}
	nftb_verdict(&r, NF_ACCEPT, NULL);
	return nftb_rule_put(&c->msgs, &r);
}

/* Map c<cls>_<kind> of the local keys [start, end) of class cls. */
static int class_map(struct lcx *c, uint32_t cls, int kind, size_t start, size_t end,
		     uint32_t *map_id)
{
	const struct nsb_local_in *in = c->in;
	const struct nsb_class *cl = &in->cls[cls];
	unsigned fields = class_fields(cl);
	struct elems e = {.c = c, .set_id = ++c->set_id};
	uint32_t type = 0;
	const char *sep = "";
	size_t n = 0;
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "c%u_%s", cls, kind_names[kind]);
	e.set = name;
	*map_id = e.set_id;
	tx(c, "\tmap %s {\n\t\ttype ", name);
	for (int f = 0; f < F_N; f++)
		if (fields & (1u << f)) {
			type = type << TYPE_BITS | field_type[f];
			tx(c, "%s%s", sep, field_type_name[f]);
			sep = " . ";
		}
	tx(c, " : verdict\n\t\telements = {");
	ret = put_set(c, name, e.set_id, type, key_len(fields), 0);
	for (size_t k = start; k < end && !ret; k++) {
		char chain[16];
		uint8_t key[20];
		uint32_t klen;
		int v;

		if (!key_wanted(in, k, kind))
			continue;
		tx(c, "%s\n\t\t\t", n++ ? "," : "");
		klen = elem_key(c, cl, &in->keys[k], key);
		tx(c, " : ");
		v = verdict_of(c, &in->vals[k].v[kind], chain, sizeof(chain));
		ret = elems_add(&e, key, klen, true, v, chain[0] ? chain : NULL);
	}
	tx(c, "\n\t\t}\n\t}\n");
	if (!ret)
		ret = elems_flush(&e);
	return ret;
}

/* Chain local_<kind>: per class one verdict-map lookup. */
static int kind_chain(struct lcx *c, int kind, const uint32_t *map_ids)
{
	const struct nsb_local_in *in = c->in;
	char name[32];
	size_t i = 0;
	int ret;

	snprintf(name, sizeof(name), "local_%s", kind_names[kind]);
	tx(c, "\tchain %s {\n", name);
	ret = put_chain(c, name, false);
	for (uint32_t cls = 0; cls < in->n_cls && !ret; cls++) {
		const struct nsb_class *cl = &in->cls[cls];
		size_t n_local = 0, first = SIZE_MAX;
		struct nftb_rule r;

		for (; i < in->n_filter_keys && in->keys[i].cls == cls; i++)
			if (key_wanted(in, i, kind)) {
				n_local++;
				if (first == SIZE_MAX)
					first = i;
			}
		if (!n_local)
			continue;
		tx(c, "\t\t");
		nftb_rule_start(&r, NSB_NFT_TABLE, name);
		if (class_fields(cl)) {
			char map[32];

			snprintf(map, sizeof(map), "c%u_%s", cls, kind_names[kind]);
			nftb_lookup(&r, map, map_ids[cls], load_key(c, &r, cl), true);
			tx(c, " vmap @%s\n", map);
			ret = nftb_rule_put(&c->msgs, &r);
			continue;
		}
		/* A class that fixes nothing has one key, which every packet hits:
		 * later classes are never reached. */
		{
			char chain[16];
			int v = verdict_of(c, &in->vals[first].v[kind], chain, sizeof(chain));

			nftb_verdict(&r, v, chain[0] ? chain : NULL);
			tx(c, "\n");
			ret = nftb_rule_put(&c->msgs, &r);
		}
		break;
	}
	tx(c, "\t}\n");
	return ret;
}

/* An anonymous set of n keys of klen bytes each. */
static int anon_set(struct lcx *c, uint32_t type, uint32_t klen, const void *keys, size_t n,
		    uint32_t *id)
{
	struct elems e = {.c = c, .set = ANON_SET, .set_id = ++c->set_id};
	int ret = put_set(c, ANON_SET, e.set_id, type, klen, (uint32_t)n);

	*id = e.set_id;
	for (size_t i = 0; i < n && !ret; i++)
		ret = elems_add(&e, (const uint8_t *)keys + i * klen, klen, false, 0, NULL);
	return ret ? ret : elems_flush(&e);
}

/* ip daddr <addr>[/plen] accept */
static int daddr_accept(struct lcx *c, uint32_t be, uint32_t mask_be)
{
	static const uint32_t zero = 0;
	struct nftb_rule r;

	tx(c, "\t\tip daddr ");
	tx_ip(c, be);
	if (mask_be != 0xffffffff)
		tx(c, "/%d", __builtin_popcount(mask_be));
	tx(c, " accept\n");
	nftb_rule_start(&r, NSB_NFT_TABLE, "local");
	nftb_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	if (mask_be != 0xffffffff)
		nftb_bitwise(&r, NFT_REG_1, &mask_be, &zero, 4);
	nftb_cmp(&r, NFT_REG_1, NFT_CMP_EQ, &be, 4);
	nftb_verdict(&r, NF_ACCEPT, NULL);
	return nftb_rule_put(&c->msgs, &r);
}

static int exemptions(struct lcx *c)
{
	const struct nsb_local_in *in = c->in;
	int ret = 0;

	for (int dir = 0; dir < 2 && !ret && (in->exempt & NSB_EX_IKE); dir++) {
		const uint16_t ports[2] = {htons(500), htons(4500)};
		const uint8_t udp = IPPROTO_UDP;
		struct nftb_rule r;
		uint32_t id;

		tx(c, "\t\tudp %s { 500, 4500 } accept\n", dir ? "dport" : "sport");
		ret = anon_set(c, TYPE_INET_SERVICE, 2, ports, 2, &id);
		if (ret)
			break;
		nftb_rule_start(&r, NSB_NFT_TABLE, "local");
		nftb_meta(&r, NFT_META_L4PROTO, NFT_REG_1);
		nftb_cmp(&r, NFT_REG_1, NFT_CMP_EQ, &udp, 1);
		nftb_payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, dir ? 2 : 0, 2, NFT_REG_1);
		nftb_lookup(&r, ANON_SET, id, NFT_REG_1, false);
		nftb_verdict(&r, NF_ACCEPT, NULL);
		ret = nftb_rule_put(&c->msgs, &r);
	}
	for (int dir = 0; dir < 2 && !ret && (in->exempt & NSB_EX_KERBEROS); dir++) {
		const uint8_t protos[2] = {IPPROTO_TCP, IPPROTO_UDP};
		const uint16_t port = htons(88);
		struct nftb_rule r;
		uint32_t id;

		tx(c, "\t\tmeta l4proto { tcp, udp } th %s 88 accept\n", dir ? "dport" : "sport");
		ret = anon_set(c, TYPE_INET_PROTOCOL, 1, protos, 2, &id);
		if (ret)
			break;
		nftb_rule_start(&r, NSB_NFT_TABLE, "local");
		nftb_meta(&r, NFT_META_L4PROTO, NFT_REG_1);
		nftb_lookup(&r, ANON_SET, id, NFT_REG_1, false);
		nftb_payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, dir ? 2 : 0, 2, NFT_REG_1);
		nftb_cmp(&r, NFT_REG_1, NFT_CMP_EQ, &port, 2);
		nftb_verdict(&r, NF_ACCEPT, NULL);
		ret = nftb_rule_put(&c->msgs, &r);
	}
	if (!ret && (in->exempt & NSB_EX_RSVP)) {
		const uint8_t rsvp = 46;
		struct nftb_rule r;

		tx(c, "\t\tmeta l4proto 46 accept\n");
		nftb_rule_start(&r, NSB_NFT_TABLE, "local");
		nftb_meta(&r, NFT_META_L4PROTO, NFT_REG_1);
		nftb_cmp(&r, NFT_REG_1, NFT_CMP_EQ, &rsvp, 1);
		nftb_verdict(&r, NF_ACCEPT, NULL);
		ret = nftb_rule_put(&c->msgs, &r);
	}
	if (!ret && (in->exempt & NSB_EX_MULTICAST))
		ret = daddr_accept(c, htonl(0xe0000000u), htonl(0xf0000000u));
	if (!ret && (in->exempt & NSB_EX_BROADCAST)) {
		ret = daddr_accept(c, 0xffffffffu, 0xffffffffu);
		for (size_t k = in->n_filter_keys; k < in->n && !ret; k++)
			ret = daddr_accept(c, in->keys[k].dst, 0xffffffffu);
	}
	return ret;
}

/* The route chain: exemptions, then the chain of the output interface's kind. */
static int local_chain(struct lcx *c)
{
	static const char *const dialup[] = {PLAN_DIALUP_IFPREFIXES};
	struct nftb_rule r;
	int ret;

	tx(c, "\tchain local {\n\t\ttype route hook output priority mangle; policy accept;\n");
	ret = put_chain(c, "local", true);
	if (!ret)
		ret = exemptions(c);
	for (size_t d = 0; d < sizeof(dialup) / sizeof(dialup[0]) && !ret; d++) {
		/* A compare on the prefix's length is nft's `oifname "ppp*"`. */
		tx(c, "\t\toifname \"%s*\" goto local_dialup\n", dialup[d]);
		nftb_rule_start(&r, NSB_NFT_TABLE, "local");
		nftb_meta(&r, NFT_META_OIFNAME, NFT_REG_1);
		nftb_cmp(&r, NFT_REG_1, NFT_CMP_EQ, dialup[d], (uint32_t)strlen(dialup[d]));
		nftb_verdict(&r, NFT_GOTO, "local_dialup");
		ret = nftb_rule_put(&c->msgs, &r);
	}
	if (!ret) {
		tx(c, "\t\tgoto local_lan\n");
		nftb_rule_start(&r, NSB_NFT_TABLE, "local");
		nftb_verdict(&r, NFT_GOTO, "local_lan");
		ret = nftb_rule_put(&c->msgs, &r);
	}
	tx(c, "\t}\n");
	return ret;
}

static int build(struct lcx *c)
{
	const struct nsb_local_in *in = c->in;
	uint32_t marks[MAX_MARKS], map_ids[NSB_MAX_CLASSES] = {0};
	size_t n_marks = 0;
	int ret;

	/* "Create if missing, then delete": the delete cannot fail on a
	 * missing table, and the old table goes in the new one's transaction. */
	tx(c, "table ip %s {}\ndelete table ip %s\n", NSB_NFT_TABLE, NSB_NFT_TABLE);
	ret = put_table(c, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (!ret)
		ret = put_table(c, NFT_MSG_DELTABLE, 0);
	if (ret || !in->n_filter_keys)
		return ret;
	if (in->n_cls > NSB_MAX_CLASSES)
		return -E2BIG;
	tx(c, "table ip %s {\n", NSB_NFT_TABLE);
	ret = put_table(c, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (size_t k = 0; k < in->n_filter_keys && !ret; k++)
		for (int kind = 0; kind < NSB_KINDS && !ret; kind++) {
			const struct nsb_verdict *v = &in->vals[k].v[kind];
			bool seen = false;

			if (v->action != NSB_NEGOTIATE || !key_wanted(in, k, kind))
				continue;
			for (size_t j = 0; j < n_marks; j++)
				seen |= marks[j] == v->mark;
			if (seen)
				continue;
			if (n_marks == MAX_MARKS)
				return -E2BIG;
			marks[n_marks++] = v->mark;
			ret = mark_chain(c, v->mark);
		}
	/* Keys are sorted by class: per class and kind one map of local keys. */
	for (int kind = 0; kind < NSB_KINDS && !ret; kind++) {
		size_t i = 0;

		for (uint32_t cls = 0; cls < in->n_cls && !ret; cls++) {
			size_t start = i, n_local = 0;

			for (; i < in->n_filter_keys && in->keys[i].cls == cls; i++)
				n_local += key_wanted(in, i, kind);
			if (n_local && class_fields(&in->cls[cls]))
				ret = class_map(c, cls, kind, start, i, &map_ids[cls]);
		}
		if (!ret)
			ret = kind_chain(c, kind, map_ids);
	}
	if (!ret)
		ret = local_chain(c);
	tx(c, "}\n");
	return ret;
}

/* What the message the kernel refused was about. */
static const char *msg_what(const struct nlb *msgs, uint32_t bad)
{
	const struct nlmsghdr *h;

	if (bad < 2)
		return "old table";
	h = (const struct nlmsghdr *)(msgs->data + msgs->off[bad]);
	switch (NFNL_MSG_TYPE(h->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return "table";
	case NFT_MSG_NEWCHAIN:
		return "chain";
	case NFT_MSG_NEWSET:
		return "map";
	case NFT_MSG_NEWSETELEM:
		return "map elements";
	case NFT_MSG_NEWRULE:
		return "rule";
	default:
		return "message";
	}
}

static int send_batch(const struct nlb *msgs, char *err, size_t len)
{
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER, 0, 1u << 20);
	uint32_t bad = UINT32_MAX;
	int ret;

	if (!nl) {
		ret = -errno;
		snprintf(err, len, "bpf: nftables netlink socket: %s", strerror(errno));
		return ret;
	}
	ret = nftb_send_txn(nl, msgs, (uint32_t)time(NULL), &bad);
	mnl_socket_close(nl);
	if (ret && bad < msgs->n)
		snprintf(err, len, "bpf: local traffic, table ip %s: %s (message %u): %s",
			 NSB_NFT_TABLE, msg_what(msgs, bad), bad, strerror(-ret));
	else if (ret)
		snprintf(err, len, "bpf: local traffic, table ip %s: %s", NSB_NFT_TABLE,
			 strerror(-ret));
	return ret;
}

int nsb_local_apply(const struct nsb_local_in *in, FILE *verbose, bool dry_run, char *err,
		    size_t len)
{
	struct lcx c = {.in = in, .txt = verbose};
	int ret;

	nlb_init(&c.msgs);
	if (verbose)
		fprintf(verbose, "bpf: local traffic (nftables, one transaction):\n");
	ret = build(&c);
	if (ret) {
		if (verbose)
			fprintf(verbose, "\n");
		snprintf(err, len, "bpf: local traffic chain: %s", strerror(-ret));
		goto out;
	}
	if (verbose)
		fprintf(verbose, "bpf: local traffic: %u netlink messages, %zu bytes%s\n", c.msgs.n,
			c.msgs.len, dry_run ? " (dry run)" : "");
	if (!dry_run)
		ret = send_batch(&c.msgs, err, len);
out:
	nlb_free(&c.msgs);
	return ret;
}

int nsb_local_flush(FILE *verbose, char *err, size_t len)
{
	struct lcx c = {0};
	int ret;

	nlb_init(&c.msgs);
	ret = put_table(&c, NFT_MSG_DELTABLE, 0);
	if (!ret)
		ret = send_batch(&c.msgs, err, len);
	if (ret == -ENOENT)
		ret = 0; /* no table of ours */
	else if (!ret && verbose)
		fprintf(verbose, "bpf: delete table ip %s\n", NSB_NFT_TABLE);
	nlb_free(&c.msgs);
	return ret;
}
