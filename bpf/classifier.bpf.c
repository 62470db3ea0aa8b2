// SPDX-License-Identifier: GPL-2.0
/*
 * The per-packet filter match of netsh-ipsec: a tc program for inbound and
 * forwarded traffic and an XDP program that drops blocked traffic early.
 * Both run the same tuple-space search (classifier.h); the XDP program hands
 * its verdict to the tc program in the packet metadata so a packet is
 * classified once.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "classifier.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nsb_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_GENS);
	__type(key, __u32);
	__type(value, struct nsb_gencfg);
} nsb_gencfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSB_GENS * NSB_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct nsb_class);
} nsb_classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY); /* by ifindex: an inlined lookup */
	__uint(max_entries, NSB_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, struct nsb_ifinfo);
} nsb_ifinfo SEC(".maps");

/*
 * The two generations' rules: top-level maps, not a map of maps, so that
 * the verifier inlines the hash lookup (no indirect call per class).  The
 * loader sizes them before loading and loads afresh when a plan outgrows
 * them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_key);
	__type(value, struct nsb_val);
} nsb_rules0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nsb_key);
	__type(value, struct nsb_val);
} nsb_rules1 SEC(".maps");

/* Per generation (first and second half) and class, a one-hash Bloom filter
 * of the class's keys: an inlined array read rules out most classes without
 * a hash lookup.  Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * 8192);
	__type(key, __u32);
	__type(value, __u64);
} nsb_bloom SEC(".maps");

/*
 * Per-filter counters, shared by both generations (ids are stable): one
 * stripe of counter_stride slots per CPU, slot cpu * stride + plan_filter.id.
 * Not a per-CPU array: its lookup reads a pointer table and then the
 * per-CPU area, two dependent cache (and TLB) misses per packet at large N;
 * here it is one, and each CPU still writes only its own stripe, so plain
 * increments stay exact.  The loader sizes it (CPUs x slots) before loading
 * and loads afresh when a plan outgrows it; it reads it through mmap.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct nsb_counter);
} nsb_counters SEC(".maps");

struct pkt {
	__u32 src, dst;
	__u16 sport, dport;
	__u8 proto;
};

/* Result of a classification. */
struct res {
	__u32 action; /* NSB_META_NONE: exempt or no filter */
	__u32 id;
	__u32 mark;
};

static __always_inline int port_is(const struct pkt *p, __u16 port)
{
	return p->sport == bpf_htons(port) || p->dport == bpf_htons(port);
}

static __always_inline int is_exempt(const struct pkt *p, __u32 ex, void *rules)
{
	if ((ex & NSB_EX_IKE) && p->proto == IPPROTO_UDP && (port_is(p, 500) || port_is(p, 4500)))
		return 1;
	if ((ex & NSB_EX_KERBEROS) && (p->proto == IPPROTO_UDP || p->proto == IPPROTO_TCP) &&
	    port_is(p, 88))
		return 1;
	if ((ex & NSB_EX_RSVP) && p->proto == IPPROTO_RSVP)
		return 1;
	if ((ex & NSB_EX_MULTICAST) && (p->dst & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000))
		return 1;
	if (ex & NSB_EX_BROADCAST) {
		struct nsb_key k = {.dst = p->dst, .cls = NSB_CLS_BCAST};

		if (p->dst == 0xffffffff)
			return 1;
		if (bpf_map_lookup_elem(rules, &k))
			return 1;
	}
	return 0;
}

/* State of one search, on the caller's stack, shared with the callbacks. */
struct search {
	struct pkt p;
	__u32 kind;
	__u32 bloom_base; /* start of the generation's Bloom region */
	__u32 best; /* prio of the hit in hand; ~0 = none */
	struct res r;
	__u64 mask; /* classes still to visit (dispatch) */
};

/* Index of the lowest set bit of x (x != 0): BPF has no such instruction. */
static __always_inline __u32 ctz64(__u64 x)
{
	__u32 n = 0;

	if (!(x & 0xffffffffull)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	return n + !(x & 1);
}

/*
 * One class of the search.  One body per generation, each with its own
 * map, so that every lookup site sees one map and the verifier inlines the
 * lookup.  Returns 1 when no later class can beat the hit in hand.
 *
 * Two bpf_loop callbacks use it (a callback is verified once, not once per
 * iteration): one visits class i of the iteration, the other the next class
 * of the candidate mask the dispatch tables gave.
 */
#define NSB_CLASS_STEP(NAME, RULES, GEN)                                                           \
	static __always_inline int NAME##_visit(__u32 i, struct search *s)                         \
	{                                                                                          \
		__u32 idx = GEN * NSB_MAX_CLASSES + i, bidx, h;                                    \
		struct nsb_verdict *v;                                                             \
		struct nsb_class *c;                                                               \
		struct nsb_val *val;                                                               \
		struct nsb_key k;                                                                  \
		__u64 *word;                                                                       \
                                                                                                   \
		c = bpf_map_lookup_elem(&nsb_classes, &idx);                                       \
		if (!c || c->bound >= s->best)                                                     \
			return 1;                                                                  \
		if (s->p.proto < 128 &&                                                            \
		    !(c->protos[(s->p.proto >> 6) & 1] & (1ull << (s->p.proto & 63))))             \
			return 0;                                                                  \
		k.src = s->p.src & c->smask;                                                       \
		k.dst = s->p.dst & c->dmask;                                                       \
		h = bpf_ntohl(k.src);                                                              \
		if (h < c->smin || h > c->smax)                                                    \
			return 0;                                                                  \
		h = bpf_ntohl(k.dst);                                                              \
		if (h < c->dmin || h > c->dmax)                                                    \
			return 0;                                                                  \
		k.sport = s->p.sport & c->sport_mask;                                              \
		k.dport = s->p.dport & c->dport_mask;                                              \
		k.proto = s->p.proto & c->proto_mask;                                              \
		k.pad = 0;                                                                         \
		k.cls = (__u16)i;                                                                  \
		h = nsb_hash(&k);                                                                  \
		bidx = s->bloom_base + c->bloom_off + ((h >> 6) & c->bloom_mask);                  \
		word = bpf_map_lookup_elem(&nsb_bloom, &bidx);                                     \
		if (word && !(*word & (1ull << (h & 63))))                                         \
			return 0;                                                                  \
		val = bpf_map_lookup_elem(&RULES, &k);                                             \
		if (!val)                                                                          \
			return 0;                                                                  \
		v = &val->v[s->kind & 1];                                                          \
		if (v->prio && v->prio < s->best) {                                                \
			s->best = v->prio;                                                         \
			s->r.action = v->action;                                                   \
			s->r.id = v->id;                                                           \
			s->r.mark = v->mark;                                                       \
		}                                                                                  \
		return 0;                                                                          \
	}                                                                                          \
	static int NAME(__u32 i, struct search *s)                                                 \
	{                                                                                          \
		return NAME##_visit(i, s);                                                         \
	}                                                                                          \
	static int NAME##_masked(__u32 unused, struct search *s)                                   \
	{                                                                                          \
		__u64 m = s->mask;                                                                 \
                                                                                                   \
		if (!m)                                                                            \
			return 1;                                                                  \
		s->mask = m & (m - 1);                                                             \
		return NAME##_visit(ctz64(m), s);                                                  \
	}

NSB_CLASS_STEP(class_step0, nsb_rules0, 0)
NSB_CLASS_STEP(class_step1, nsb_rules1, 1)

/* Separate functions keep the bpf_loop sites apart: a site with one known
 * callback is inlined by the verifier (no indirect call per class). */
static __noinline int search0(struct search *s, __u32 n)
{
	return bpf_loop(n, class_step0, s, 0);
}

static __noinline int search1(struct search *s, __u32 n)
{
	return bpf_loop(n, class_step1, s, 0);
}

static __noinline int search0_masked(struct search *s)
{
	return bpf_loop(NSB_DISPATCH_MAX, class_step0_masked, s, 0);
}

static __noinline int search1_masked(struct search *s)
{
	return bpf_loop(NSB_DISPATCH_MAX, class_step1_masked, s, 0);
}

/*
 * The classes that can hold a key for the packet: the AND of the three
 * dispatch words (first source octet, first destination octet, protocol).
 * Three inlined array reads replace a visit per class; the classes left
 * are visited in order, as without dispatch.
 */
static __always_inline __u64 dispatch_mask(const struct pkt *p, __u32 base)
{
	__u32 i = base + (bpf_ntohl(p->src) >> 24);
	__u64 *w, m;

	w = bpf_map_lookup_elem(&nsb_bloom, &i);
	if (!w)
		return ~0ull;
	m = *w;
	i = base + 256 + (bpf_ntohl(p->dst) >> 24);
	w = bpf_map_lookup_elem(&nsb_bloom, &i);
	if (!w)
		return ~0ull;
	m &= *w;
	i = base + 512 + p->proto;
	w = bpf_map_lookup_elem(&nsb_bloom, &i);
	if (!w)
		return ~0ull;
	return m & *w;
}

/*
 * Without a JIT (the UML test kernel) bpf_loop is refused: a plain bounded
 * loop, without the Bloom and protocol shortcuts, same verdicts.
 */
#define NSB_SEARCH_PLAIN(NAME, RULES, GEN)                                                         \
	static __noinline int NAME(struct search *s, __u32 n)                                      \
	{                                                                                          \
		for (__u32 i = 0; i < NSB_MAX_CLASSES; i++) {                                      \
			__u32 idx = GEN * NSB_MAX_CLASSES + i;                                     \
			struct nsb_verdict *v;                                                     \
			struct nsb_class *c;                                                       \
			struct nsb_val *val;                                                       \
			struct nsb_key k;                                                          \
                                                                                                   \
			if (i >= n)                                                                \
				break;                                                             \
			c = bpf_map_lookup_elem(&nsb_classes, &idx);                               \
			if (!c || c->bound >= s->best)                                             \
				break;                                                             \
			k.src = s->p.src & c->smask;                                               \
			k.dst = s->p.dst & c->dmask;                                               \
			k.sport = s->p.sport & c->sport_mask;                                      \
			k.dport = s->p.dport & c->dport_mask;                                      \
			k.proto = s->p.proto & c->proto_mask;                                      \
			k.pad = 0;                                                                 \
			k.cls = (__u16)i;                                                          \
			val = bpf_map_lookup_elem(&RULES, &k);                                     \
			if (!val)                                                                  \
				continue;                                                          \
			v = &val->v[s->kind & 1];                                                  \
			if (v->prio && v->prio < s->best) {                                        \
				s->best = v->prio;                                                 \
				s->r.action = v->action;                                           \
				s->r.id = v->id;                                                   \
				s->r.mark = v->mark;                                               \
			}                                                                          \
		}                                                                                  \
		return 0;                                                                          \
	}

NSB_SEARCH_PLAIN(search0_plain, nsb_rules0, 0)
NSB_SEARCH_PLAIN(search1_plain, nsb_rules1, 1)

static __always_inline void classify(const struct pkt *p, __u32 kind, struct res *r, int plain)
{
	struct search s = {.p = *p, .kind = kind, .best = 0xffffffff};
	struct nsb_gencfg *cfg;
	__u32 zero = 0, gen, n;
	__u32 *act;

	r->action = NSB_META_NONE;
	act = bpf_map_lookup_elem(&nsb_active, &zero);
	if (!act)
		return;
	gen = *act & 1;
	cfg = bpf_map_lookup_elem(&nsb_gencfg, &gen);
	if (!cfg)
		return;
	if (is_exempt(p, cfg->exempt, gen ? (void *)&nsb_rules1 : (void *)&nsb_rules0))
		return;
	n = cfg->n_classes;
	s.bloom_base = cfg->bloom_base;
	if (n > NSB_MAX_CLASSES)
		n = NSB_MAX_CLASSES;
	s.r.action = NSB_META_NONE;
	if (!plain && cfg->dispatch && n <= NSB_DISPATCH_MAX) {
		s.mask = dispatch_mask(p, s.bloom_base);
		/* Classes at n and above hold nothing of this generation. */
		if (n < NSB_DISPATCH_MAX)
			s.mask &= (1ull << n) - 1;
		if (!s.mask)
			;
		else if (gen)
			search1_masked(&s);
		else
			search0_masked(&s);
	} else if (plain && gen)
		search1_plain(&s, n);
	else if (plain)
		search0_plain(&s, n);
	else if (gen)
		search1(&s, n);
	else
		search0(&s, n);
	*r = s.r;
}

/* A subprogram: inlined, it made the plain variant too long a path for the
 * verifier (the result of the class loop flows into the counter index). */
static __noinline void count(__u32 id, __u32 len)
{
	struct nsb_gencfg *cfg;
	struct nsb_counter *c;
	__u32 zero = 0, *act, idx;

	act = bpf_map_lookup_elem(&nsb_active, &zero);
	if (!act)
		return;
	idx = *act & 1;
	cfg = bpf_map_lookup_elem(&nsb_gencfg, &idx);
	if (!cfg)
		return;
	idx = bpf_get_smp_processor_id() * cfg->counter_stride + id;
	c = bpf_map_lookup_elem(&nsb_counters, &idx);
	if (!c)
		return;
	c->packets++;
	c->bytes += len;
}

static __always_inline struct nsb_ifinfo ifinfo(__u32 ifindex)
{
	struct nsb_ifinfo d = {.kind = NSB_KIND_LAN, .l2len = ETH_HLEN};
	struct nsb_ifinfo *i = bpf_map_lookup_elem(&nsb_ifinfo, &ifindex);

	if (i && i->flags) {
		d.kind = i->kind & 1;
		d.l2len = i->l2len ? ETH_HLEN : 0;
	}
	return d;
}

/* Non-first fragments carry no ports: they are matched with ports 0. */
static __always_inline int has_ports(const struct iphdr *ip)
{
	return (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) &&
	       !(ip->frag_off & bpf_htons(0x1fff));
}

static __always_inline int tc_main(struct __sk_buff *skb, int plain)
{
	struct nsb_ifinfo ii;
	struct res r = {};
	struct iphdr ip;
	struct pkt p = {};
	__u32 ports;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;

	void *data = (void *)(long)skb->data;
	struct nsb_meta *m = (void *)(long)skb->data_meta;

	if ((void *)(m + 1) <= data && m->magic == NSB_META_MAGIC &&
	    m->ifindex == skb->ingress_ifindex) {
		if (m->action == NSB_META_NONE)
			return TC_ACT_UNSPEC;
		r.action = m->action;
		r.id = m->id;
		r.mark = m->mark;
		goto verdict;
	}

	ii = ifinfo(skb->ingress_ifindex ? skb->ingress_ifindex : skb->ifindex);
	if (ii.l2len == ETH_HLEN && data + ETH_HLEN + sizeof(struct iphdr) + 4 <=
					    (void *)(long)skb->data_end) {
		/* Fast path: headers in the linear part, read in place. */
		struct iphdr *iph = data + ETH_HLEN;
		__u16 *pp = (void *)iph + iph->ihl * 4;

		if (iph->ihl < 5)
			return TC_ACT_UNSPEC;
		p.src = iph->saddr;
		p.dst = iph->daddr;
		p.proto = iph->protocol;
		if (has_ports(iph)) {
			if ((void *)(pp + 2) > (void *)(long)skb->data_end)
				goto slow;
			p.sport = pp[0];
			p.dport = pp[1];
		}
		goto classify;
	}
slow:
	if (bpf_skb_load_bytes(skb, ii.l2len, &ip, sizeof(ip)) < 0 || ip.ihl < 5)
		return TC_ACT_UNSPEC;
	p.src = ip.saddr;
	p.dst = ip.daddr;
	p.proto = ip.protocol;
	if (has_ports(&ip)) {
		if (bpf_skb_load_bytes(skb, ii.l2len + ip.ihl * 4, &ports, sizeof(ports)) < 0)
			return TC_ACT_UNSPEC;
		p.sport = ports & 0xffff;
		p.dport = ports >> 16;
	}
classify:
	classify(&p, ii.kind, &r, plain);
	if (r.action == NSB_META_NONE)
		return TC_ACT_UNSPEC;
verdict:
	count(r.id, skb->len);
	if (r.action == NSB_BLOCK)
		return TC_ACT_SHOT;
	if (r.action == NSB_NEGOTIATE)
		skb->mark = r.mark;
	return TC_ACT_UNSPEC;
}

static __always_inline int xdp_main(struct xdp_md *ctx, int plain)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct nsb_meta *m;
	struct res r = {};
	struct pkt p = {};
	struct iphdr *ip;
	__u32 kind, len;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return XDP_PASS;
	p.src = ip->saddr;
	p.dst = ip->daddr;
	p.proto = ip->protocol;
	if (has_ports(ip)) {
		__u16 *ports = (void *)ip + ip->ihl * 4;

		if ((void *)(ports + 2) > end)
			return XDP_PASS;
		p.sport = ports[0];
		p.dport = ports[1];
	}
	kind = ifinfo(ctx->ingress_ifindex).kind;
	classify(&p, kind, &r, plain);
	len = end - data;
	if (r.action == NSB_BLOCK) {
		count(r.id, len);
		return XDP_DROP;
	}
	/* Hand the verdict on; without metadata support tc classifies again. */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return XDP_PASS;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return XDP_PASS;
	m->magic = NSB_META_MAGIC;
	m->ifindex = ctx->ingress_ifindex;
	m->action = r.action;
	m->id = r.id;
	m->mark = r.mark;
	return XDP_PASS;
}

SEC("tc")
int nsb_tc(struct __sk_buff *skb)
{
	return tc_main(skb, 0);
}

SEC("xdp")
int nsb_xdp(struct xdp_md *ctx)
{
	return xdp_main(ctx, 0);
}

/* The loader picks these where the kernel has no BPF JIT. */
SEC("tc")
int nsb_tc_plain(struct __sk_buff *skb)
{
	return tc_main(skb, 1);
}

SEC("xdp")
int nsb_xdp_plain(struct xdp_md *ctx)
{
	return xdp_main(ctx, 1);
}
