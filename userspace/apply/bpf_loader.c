// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF classifier backend: lowers a plan into the tables of
 * bpf/classifier.bpf.c, loads and attaches it, pins it so that a later
 * ipsec-apply can update or flush it.  The only user of the skeleton.
 * Design and reasons: Documentation/bpf-classifier.md.
 */
#include "bpf_loader.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>

#include "apply/backend.h"
#include "apply/bpf_local.h"
#include "classifier.skel.h"
#include "../../bpf/classifier.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
/* enum bpf_attach_type values newer than the 6.1 UAPI headers (6.6+). */
#define NSB_ATTACH_TCX_INGRESS 46

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* Environment switches (documented in Documentation/bpf-classifier.md). */
static bool env_off(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "off") == 0;
}

/* ---- lowering a plan ------------------------------------------------- */

struct nsb_ent {
	struct nsb_key key;
	uint32_t idx; /* index in plan.filters */
};

struct nsb_build {
	struct nsb_class cls[NSB_MAX_CLASSES];
	uint32_t n_cls;
	struct nsb_key *keys; /* unique keys, then the broadcast keys */
	struct nsb_val *vals;
	size_t n, n_filter_keys;
	uint32_t exempt, max_id;
	uint32_t bloom_words; /* one generation's Bloom region */
	uint64_t digest;
	uint32_t *me;
	size_t n_me;
	bool negotiate; /* some entry negotiates */
};

static uint32_t shape_weight(const struct plan_sel *s)
{
	return plan_weight(s, NS_ACTION_PERMIT) >> 2;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct nsb_ent *x = a, *y = b;
	int c;

	/* By class first: the nft lowering walks the keys class by class. */
	if (x->key.cls != y->key.cls)
		return x->key.cls < y->key.cls ? -1 : 1;
	c = memcmp(&x->key, &y->key, sizeof(x->key));
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint32_t nsb_action(enum ns_action a)
{
	return a == NS_ACTION_BLOCK ? NSB_BLOCK : a == NS_ACTION_NEGOTIATE ? NSB_NEGOTIATE : NSB_PERMIT;
}

static void fnv(uint64_t *h, const void *data, size_t n)
{
	const uint8_t *d = data;

	for (size_t i = 0; i < n; i++) {
		*h ^= d[i];
		*h *= 0x100000001b3ull;
	}
}

static void set_verdict(struct nsb_verdict *v, const struct plan *p, uint32_t idx)
{
	const struct plan_filter *f = &p->filters[idx];

	v->prio = idx + 1;
	v->id = f->id;
	v->action = nsb_action(f->action);
	v->mark = f->action == NS_ACTION_NEGOTIATE && f->rule < p->n_rules ? p->rules[f->rule].mark : 0;
}

/*
 * Per class: which protocols its keys hold, and a Bloom filter of about 4
 * bits per key (a power of two of 64-bit words, at least 16) placed one
 * after the other in the generation's region.
 */
static void layout_classes(struct nsb_build *b)
{
	size_t i = 0;

	b->bloom_words = NSB_DISPATCH_WORDS;
	for (uint32_t c = 0; c < b->n_cls; c++) {
		struct nsb_class *cl = &b->cls[c];
		size_t n = 0;
		uint32_t w = 16;

		memset(cl->protos, 0, sizeof(cl->protos));
		cl->smin = cl->dmin = UINT32_MAX;
		cl->smax = cl->dmax = 0;
		for (; i < b->n_filter_keys && b->keys[i].cls == c; i++, n++) {
			const struct nsb_key *k = &b->keys[i];

			if (k->proto < 128)
				cl->protos[k->proto >> 6] |= 1ull << (k->proto & 63);
			uint32_t hs = ntohl(k->src), hd = ntohl(k->dst);

			cl->smin = hs < cl->smin ? hs : cl->smin;
			cl->smax = hs > cl->smax ? hs : cl->smax;
			cl->dmin = hd < cl->dmin ? hd : cl->dmin;
			cl->dmax = hd > cl->dmax ? hd : cl->dmax;
		}
		if (!cl->proto_mask)
			memset(cl->protos, 0xff, sizeof(cl->protos));
		while (w < n / 16 && w < (1u << 28))
			w <<= 1;
		cl->bloom_off = b->bloom_words;
		cl->bloom_mask = w - 1;
		b->bloom_words += w;
	}
}

/*
 * Classes are runs of filters in plan order: a new class starts where the
 * selector shape changes.  Within a run of non-increasing shape weight (a
 * "tier": plan_sort output, or one store's part of it) each shape occurs
 * in one run only, and all of a run's filters come before the next run's,
 * so visiting the classes in order and stopping at the first hit finds the
 * first matching filter of the plan.
 */
int nsb_build_new(const struct plan *p, struct nsb_build **out, char *err, size_t len)
{
	static const char *const ifnames[NSB_KINDS] = {"eth0", "ppp0"};
	struct nsb_build *b = calloc(1, sizeof(*b));
	struct nsb_ent *ents = NULL;
	uint32_t prev_sw = 0;
	size_t u;
	int ret = -ENOMEM;

	if (!b)
		goto fail;
	ents = calloc(p->n_filters ? p->n_filters : 1, sizeof(*ents));
	b->keys = calloc(p->n_filters + p->n_bcast + 1, sizeof(*b->keys));
	b->vals = calloc(p->n_filters + p->n_bcast + 1, sizeof(*b->vals));
	b->me = calloc(p->n_me + 1, sizeof(*b->me));
	if (!ents || !b->keys || !b->vals || !b->me)
		goto fail;
	if (p->n_me)
		memcpy(b->me, p->me, p->n_me * sizeof(*p->me));
	b->n_me = p->n_me;

	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_sel *s = &p->filters[i].sel;
		uint32_t sw = shape_weight(s);
		struct nsb_class *c;

		if (i == 0 || sw != prev_sw) {
			if (b->n_cls == NSB_MAX_CLASSES) {
				snprintf(err, len,
					 "bpf: plan needs more than %d specificity classes",
					 NSB_MAX_CLASSES);
				ret = -E2BIG;
				goto fail;
			}
			c = &b->cls[b->n_cls++];
			c->smask = htonl(plan_plen_mask(s->src_plen));
			c->dmask = htonl(plan_plen_mask(s->dst_plen));
			c->proto_mask = s->proto ? 0xff : 0;
			c->sport_mask = s->sport ? 0xffff : 0;
			c->dport_mask = s->dport ? 0xffff : 0;
			c->bound = (uint32_t)i + 1;
		}
		prev_sw = sw;
		c = &b->cls[b->n_cls - 1];
		ents[i].idx = (uint32_t)i;
		ents[i].key.src = htonl(s->src) & c->smask;
		ents[i].key.dst = htonl(s->dst) & c->dmask;
		ents[i].key.proto = s->proto;
		ents[i].key.sport = htons(s->sport);
		ents[i].key.dport = htons(s->dport);
		ents[i].key.cls = (uint16_t)(b->n_cls - 1);
		if (p->filters[i].id > b->max_id)
			b->max_id = p->filters[i].id;
	}
	qsort(ents, p->n_filters, sizeof(*ents), ent_cmp);

	u = 0;
	for (size_t i = 0; i < p->n_filters; u++) {
		size_t j = i;

		b->keys[u] = ents[i].key;
		for (; j < p->n_filters && !memcmp(&ents[j].key, &ents[i].key, sizeof(ents[i].key));
		     j++) {
			const struct plan_filter *f = &p->filters[ents[j].idx];

			for (int k = 0; k < NSB_KINDS; k++) {
				if (b->vals[u].v[k].prio)
					continue;
				if (f->rule < p->n_rules &&
				    !plan_conntype_applies(p->rules[f->rule].conntype, ifnames[k]))
					continue;
				set_verdict(&b->vals[u].v[k], p, ents[j].idx);
				if (b->vals[u].v[k].action == NSB_NEGOTIATE)
					b->negotiate = true;
			}
		}
		i = j;
	}
	b->n_filter_keys = u;
	layout_classes(b);
	if (p->exempt.broadcast)
		for (size_t i = 0; i < p->n_bcast; i++) {
			b->keys[u].dst = htonl(p->bcast[i]);
			b->keys[u].cls = NSB_CLS_BCAST;
			u++;
		}
	b->n = u;

	b->exempt = (p->exempt.ike ? NSB_EX_IKE : 0) | (p->exempt.kerberos ? NSB_EX_KERBEROS : 0) |
		    (p->exempt.rsvp ? NSB_EX_RSVP : 0) |
		    (p->exempt.multicast ? NSB_EX_MULTICAST : 0) |
		    (p->exempt.broadcast ? NSB_EX_BROADCAST : 0);
	b->digest = 0xcbf29ce484222325ull;
	fnv(&b->digest, b->cls, b->n_cls * sizeof(b->cls[0]));
	fnv(&b->digest, b->keys, b->n * sizeof(b->keys[0]));
	fnv(&b->digest, b->vals, b->n * sizeof(b->vals[0]));
	fnv(&b->digest, &b->exempt, sizeof(b->exempt));
	fnv(&b->digest, b->me, b->n_me * sizeof(b->me[0]));
	free(ents);
	*out = b;
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, len, "bpf: out of memory lowering %zu filters", p->n_filters);
	free(ents);
	nsb_build_free(b);
	return ret;
}

void nsb_build_free(struct nsb_build *b)
{
	if (!b)
		return;
	free(b->keys);
	free(b->vals);
	free(b->me);
	free(b);
}

size_t nsb_build_classes(const struct nsb_build *b)
{
	return b->n_cls;
}

size_t nsb_build_entries(const struct nsb_build *b)
{
	return b->n;
}

/* ---- maps of one loaded classifier ----------------------------------- */

struct nsb_fds {
	int active, gencfg, classes, ifinfo, rules0, rules1, bloom, counters, tc, xdp;
};

static const char *const nsb_pin_names[] = {"active",   "gencfg", "classes", "ifinfo",
					    "rules0",   "rules1", "bloom",   "counters",
					    "prog_tc", "prog_xdp"};
#define NSB_N_FDS 10

static int *fd_slot(struct nsb_fds *f, int i)
{
	int *slots[NSB_N_FDS] = {&f->active, &f->gencfg, &f->classes, &f->ifinfo,
				 &f->rules0, &f->rules1, &f->bloom,   &f->counters,
				 &f->tc,     &f->xdp};

	return slots[i];
}

static void fds_init(struct nsb_fds *f)
{
	for (int i = 0; i < NSB_N_FDS; i++)
		*fd_slot(f, i) = -1;
}

static void fds_close(struct nsb_fds *f)
{
	for (int i = 0; i < NSB_N_FDS; i++) {
		int *s = fd_slot(f, i);

		if (*s >= 0)
			close(*s);
		*s = -1;
	}
}

static uint32_t map_max_entries(int fd)
{
	struct bpf_map_info info;
	uint32_t n = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &n))
		return 0;
	return info.max_entries;
}

/* Counter slots per CPU (see nsb_counters in classifier.bpf.c). */
static uint32_t counter_stride(int fd)
{
	int ncpu = libbpf_num_possible_cpus();

	return ncpu > 0 ? map_max_entries(fd) / (uint32_t)ncpu : 0;
}

/* A counters map of this program version: an array of nsb_counter. */
static bool counters_ok(int fd)
{
	struct bpf_map_info info;
	uint32_t n = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &n))
		return false;
	return info.type == BPF_MAP_TYPE_ARRAY && info.value_size == sizeof(struct nsb_counter);
}

static int gen_active(const struct nsb_fds *f, uint32_t *gen)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(f->active, &zero, gen))
		return -errno;
	*gen &= 1;
	return 0;
}

static int read_gencfg(const struct nsb_fds *f, struct nsb_gencfg *cfg)
{
	uint32_t gen;
	int ret = gen_active(f, &gen);

	if (ret)
		return ret;
	if (bpf_map_lookup_elem(f->gencfg, &gen, cfg))
		return -errno;
	return 0;
}

/* Empties a rules map (the idle generation's, two applies old). */
static int clear_rules(int fd)
{
	enum { CHUNK = 8192 };
	struct nsb_key *keys = calloc(CHUNK, sizeof(*keys));
	struct nsb_val *vals = calloc(CHUNK, sizeof(*vals));
	uint32_t out = 0, count;
	void *in = NULL;
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = CHUNK;
		ret = bpf_map_lookup_and_delete_batch(fd, in, &out, keys, vals, &count, NULL);
		if (ret && errno != ENOENT) {
			ret = -errno;
			break;
		}
		if (ret) { /* ENOENT: this was the last chunk */
			ret = 0;
			break;
		}
		in = &out;
	}
	/* Kernels or maps without batch support: one key at a time. */
	if (ret) {
		struct nsb_key k;

		ret = 0;
		while (!bpf_map_get_next_key(fd, NULL, &k))
			if (bpf_map_delete_elem(fd, &k)) {
				ret = -errno;
				break;
			}
	}
out:
	free(keys);
	free(vals);
	return ret;
}

/* Does some address of the /8 "octet", masked with mask, fall in [lo, hi]? */
static bool octet_meets(uint32_t octet, uint32_t mask_be, uint32_t lo, uint32_t hi)
{
	uint32_t m = ntohl(mask_be), first = octet << 24;

	/* Masking with a prefix keeps order: the /8's masked values run
	 * from its first address's to its last's. */
	return (first & m) <= hi && ((first | 0xffffffu) & m) >= lo;
}

/* The dispatch tables at the start of a generation's region (classifier.h). */
static void fill_dispatch(const struct nsb_build *b, uint64_t *w)
{
	for (uint32_t c = 0; c < b->n_cls && c < NSB_DISPATCH_MAX; c++) {
		const struct nsb_class *cl = &b->cls[c];
		uint64_t bit = 1ull << c;

		for (uint32_t o = 0; o < 256; o++) {
			if (octet_meets(o, cl->smask, cl->smin, cl->smax))
				w[o] |= bit;
			if (octet_meets(o, cl->dmask, cl->dmin, cl->dmax))
				w[256 + o] |= bit;
			if (o >= 128 || (cl->protos[o >> 6] & (1ull << (o & 63))))
				w[512 + o] |= bit;
		}
	}
}

/* The Bloom words of generation g: bloom_words words from g * (region size). */
static int fill_bloom(const struct nsb_fds *f, const struct nsb_build *b, uint32_t g)
{
	size_t n = b->bloom_words;
	uint64_t *words = calloc(n ? n : 1, sizeof(*words));
	uint32_t *idx = calloc(n ? n : 1, sizeof(*idx)), count = (uint32_t)n;
	uint32_t base = g * (map_max_entries(f->bloom) / 2);
	int ret = 0;

	if (!words || !idx) {
		ret = -ENOMEM;
		goto out;
	}
	fill_dispatch(b, words);
	for (size_t i = 0; i < b->n_filter_keys; i++) {
		const struct nsb_class *c = &b->cls[b->keys[i].cls];
		uint32_t h = nsb_hash(&b->keys[i]);

		words[c->bloom_off + ((h >> 6) & c->bloom_mask)] |= 1ull << (h & 63);
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = base + (uint32_t)i;
	if (n && bpf_map_update_batch(f->bloom, idx, words, &count, NULL)) {
		ret = 0;
		for (size_t i = 0; i < n && !ret; i++)
			if (bpf_map_update_elem(f->bloom, &idx[i], &words[i], BPF_ANY))
				ret = -errno;
	}
out:
	free(words);
	free(idx);
	return ret;
}

/*
 * Fills the idle generation and flips to it.  A packet reads "active" once,
 * so it sees the old tables or the new ones, never a mix.  The generation
 * left behind is only rewritten by the next apply.
 */
static int fill_and_flip(const struct nsb_fds *f, const struct nsb_build *b, char *err,
			 size_t len)
{
	uint32_t cur, g, zero = 0, count;
	struct nsb_gencfg cfg;
	int rules, ret;

	ret = gen_active(f, &cur);
	if (ret) {
		snprintf(err, len, "bpf: read active generation: %s", strerror(-ret));
		return ret;
	}
	g = cur ^ 1;
	rules = g ? f->rules1 : f->rules0;
	ret = clear_rules(rules);
	if (ret) {
		snprintf(err, len, "bpf: clear generation %u: %s", g, strerror(-ret));
		return ret;
	}
	count = (uint32_t)b->n;
	if (count && bpf_map_update_batch(rules, b->keys, b->vals, &count, NULL)) {
		for (size_t i = 0; i < b->n; i++)
			if (bpf_map_update_elem(rules, &b->keys[i], &b->vals[i], BPF_ANY)) {
				ret = -errno;
				snprintf(err, len, "bpf: fill rules map (%zu keys): %s", b->n,
					 strerror(errno));
				return ret;
			}
	}
	ret = fill_bloom(f, b, g);
	if (ret) {
		snprintf(err, len, "bpf: fill Bloom filters: %s", strerror(-ret));
		return ret;
	}
	for (uint32_t i = 0; i < b->n_cls; i++) {
		uint32_t idx = g * NSB_MAX_CLASSES + i;

		if (bpf_map_update_elem(f->classes, &idx, &b->cls[i], BPF_ANY))
			goto fail_errno;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_classes = b->n_cls;
	cfg.exempt = b->exempt;
	cfg.max_id = b->max_id;
	cfg.n_entries = (uint32_t)b->n;
	cfg.digest = b->digest;
	cfg.bloom_base = g * (map_max_entries(f->bloom) / 2);
	cfg.counter_stride = counter_stride(f->counters);
	cfg.dispatch = b->n_cls <= NSB_DISPATCH_MAX;
	if (bpf_map_update_elem(f->gencfg, &g, &cfg, BPF_ANY))
		goto fail_errno;
	if (bpf_map_update_elem(f->active, &zero, &g, BPF_ANY)) {
		ret = -errno;
		snprintf(err, len, "bpf: switch generation: %s", strerror(errno));
		return ret;
	}
	return 0;
fail_errno:
	ret = -errno;
	snprintf(err, len, "bpf: fill generation %u: %s", g, strerror(errno));
	return ret;
}

/* Rules map capacity for n keys: room to grow before a reload. */
static uint32_t rule_slots_for(size_t n)
{
	uint32_t c = 4096;

	while (c < n + n / 4 && c < (1u << 30))
		c <<= 1;
	return c;
}

/* Pins of an older program version have another gencfg layout: reload. */
static bool gencfg_ok(int fd)
{
	struct bpf_map_info info;
	uint32_t n = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &n))
		return false;
	return info.value_size == sizeof(struct nsb_gencfg);
}

static bool fits(const struct nsb_fds *f, const struct nsb_build *b)
{
	return gencfg_ok(f->gencfg) && counters_ok(f->counters) &&
	       b->max_id < counter_stride(f->counters) &&
	       b->n <= map_max_entries(f->rules0) &&
	       b->n <= map_max_entries(f->rules1) && b->bloom_words <= map_max_entries(f->bloom) / 2;
}

static uint32_t counter_slots_for(uint32_t max_id)
{
	uint32_t n = 65536;

	while (n <= max_id && n < (1u << 30))
		n <<= 1;
	return n;
}

/* ---- unattached instance (tests, benchmark, first load) -------------- */

struct nsb_inst {
	struct classifier_bpf *skel;
	struct nsb_fds fds; /* borrowed from skel */
};

/*
 * Loads the fast programs (bpf_loop, which needs a JIT) or the plain ones
 * (bounded loop) into a fresh skeleton.
 */
static int inst_load(struct nsb_inst *in, bool plain, uint32_t counter_slots, uint32_t rule_slots)
{
	int ret, ncpu;

	in->skel = classifier_bpf__open();
	if (!in->skel)
		return errno ? -errno : -EINVAL;
	bpf_program__set_autoload(in->skel->progs.nsb_tc, !plain);
	bpf_program__set_autoload(in->skel->progs.nsb_xdp, !plain);
	bpf_program__set_autoload(in->skel->progs.nsb_tc_plain, plain);
	bpf_program__set_autoload(in->skel->progs.nsb_xdp_plain, plain);
	if (plain) {
		/* Seen on UML 6.1: the on-demand element allocator runs dry
		 * (ENOMEM on the second fill); preallocate there. */
		bpf_map__set_map_flags(in->skel->maps.nsb_rules0, 0);
		bpf_map__set_map_flags(in->skel->maps.nsb_rules1, 0);
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	bpf_map__set_max_entries(in->skel->maps.nsb_counters,
				 (counter_slots ? counter_slots : 65536) * (uint32_t)ncpu);
	bpf_map__set_max_entries(in->skel->maps.nsb_rules0, rule_slots ? rule_slots : 4096);
	bpf_map__set_max_entries(in->skel->maps.nsb_rules1, rule_slots ? rule_slots : 4096);
	/* Bloom region per generation: the classes' filters need at most
	 * keys / 2 + 16 * classes words (powers of two round up). */
	bpf_map__set_max_entries(in->skel->maps.nsb_bloom,
				 2 * ((rule_slots ? rule_slots : 4096) / 2 + 16 * NSB_MAX_CLASSES +
				      NSB_DISPATCH_WORDS));
	ret = classifier_bpf__load(in->skel);
	if (ret) {
		classifier_bpf__destroy(in->skel);
		in->skel = NULL;
		return ret;
	}
	in->fds.active = bpf_map__fd(in->skel->maps.nsb_active);
	in->fds.gencfg = bpf_map__fd(in->skel->maps.nsb_gencfg);
	in->fds.classes = bpf_map__fd(in->skel->maps.nsb_classes);
	in->fds.ifinfo = bpf_map__fd(in->skel->maps.nsb_ifinfo);
	in->fds.rules0 = bpf_map__fd(in->skel->maps.nsb_rules0);
	in->fds.rules1 = bpf_map__fd(in->skel->maps.nsb_rules1);
	in->fds.bloom = bpf_map__fd(in->skel->maps.nsb_bloom);
	in->fds.counters = bpf_map__fd(in->skel->maps.nsb_counters);
	in->fds.tc = bpf_program__fd(plain ? in->skel->progs.nsb_tc_plain : in->skel->progs.nsb_tc);
	in->fds.xdp =
		bpf_program__fd(plain ? in->skel->progs.nsb_xdp_plain : in->skel->progs.nsb_xdp);
	return 0;
}

int nsb_inst_open(struct nsb_inst **out, uint32_t counter_slots, uint32_t rule_slots, char *err,
		  size_t len)
{
	struct nsb_inst *in = calloc(1, sizeof(*in));
	libbpf_print_fn_t old;
	int ret;

	if (!in) {
		snprintf(err, len, "bpf: out of memory");
		return -ENOMEM;
	}
	/* Kernels without a JIT refuse bpf_loop ("callbacks are not allowed
	 * in non-JITed programs"): expected, the plain programs follow. */
	old = libbpf_set_print(quiet);
	/* NSB_FORCE_PLAIN=1: the no-JIT programs on any kernel (tests). */
	ret = getenv("NSB_FORCE_PLAIN") ? -ENOTSUP : inst_load(in, false, counter_slots, rule_slots);
	libbpf_set_print(old);
	if (ret)
		ret = inst_load(in, true, counter_slots, rule_slots);
	if (ret) {
		snprintf(err, len, "bpf: load classifier (verifier): %s", strerror(-ret));
		free(in);
		return ret;
	}
	*out = in;
	return 0;
}

void nsb_inst_close(struct nsb_inst *in)
{
	if (!in)
		return;
	classifier_bpf__destroy(in->skel);
	free(in);
}

int nsb_inst_load(struct nsb_inst *in, const struct nsb_build *b, char *err, size_t len)
{
	if (!fits(&in->fds, b)) {
		snprintf(err, len, "bpf: plan (%zu keys, filter id %u) larger than the maps", b->n,
			 b->max_id);
		return -E2BIG;
	}
	return fill_and_flip(&in->fds, b, err, len);
}

int nsb_inst_set_ifkind(struct nsb_inst *in, uint32_t ifindex, bool dialup)
{
	struct nsb_ifinfo ii = {.kind = dialup ? NSB_KIND_DIALUP : NSB_KIND_LAN,
				.l2len = ETH_HLEN,
				.flags = NSB_IF_KNOWN};

	return bpf_map_update_elem(in->fds.ifinfo, &ifindex, &ii, BPF_ANY) ? -errno : 0;
}

int nsb_inst_tc_fd(const struct nsb_inst *in)
{
	return in->fds.tc;
}

int nsb_inst_xdp_fd(const struct nsb_inst *in)
{
	return in->fds.xdp;
}

/* Sum over the CPUs' stripes; m is the mapped map or NULL (lookups then). */
static int counter_sum(int fd, const struct nsb_counter *m, uint32_t stride, uint32_t id,
		       uint64_t *packets, uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();

	*packets = *bytes = 0;
	if (ncpu <= 0 || id >= stride)
		return -EINVAL;
	for (int i = 0; i < ncpu; i++) {
		uint32_t idx = (uint32_t)i * stride + id;
		struct nsb_counter c;

		if (m)
			c = m[idx];
		else if (bpf_map_lookup_elem(fd, &idx, &c))
			return -errno;
		*packets += c.packets;
		*bytes += c.bytes;
	}
	return 0;
}

int nsb_inst_counter(const struct nsb_inst *in, uint32_t id, uint64_t *packets, uint64_t *bytes)
{
	return counter_sum(in->fds.counters, NULL, counter_stride(in->fds.counters), id, packets,
			   bytes);
}

size_t nsb_frame(const struct plan_pkt *pkt, uint8_t *buf, size_t size)
{
	size_t l4 = pkt->proto == NS_PROTO_TCP ? 20 : 8;
	size_t n = ETH_HLEN + 20 + l4;
	uint32_t s = htonl(pkt->src), d = htonl(pkt->dst);
	uint16_t sp = htons(pkt->sport), dp = htons(pkt->dport);
	uint8_t *ip = buf + ETH_HLEN;

	if (size < n)
		return 0;
	memset(buf, 0, n);
	buf[0] = 0x02; /* locally administered unicast addresses */
	buf[6] = 0x02;
	buf[11] = 1;
	buf[12] = ETH_P_IP >> 8;
	buf[13] = ETH_P_IP & 0xff;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((n - ETH_HLEN) >> 8);
	ip[3] = (uint8_t)(n - ETH_HLEN);
	ip[8] = 64;
	ip[9] = pkt->proto;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	if (pkt->proto == NS_PROTO_TCP || pkt->proto == NS_PROTO_UDP) {
		memcpy(ip + 20, &sp, 2);
		memcpy(ip + 22, &dp, 2);
	}
	return n;
}

int nsb_test_run_tc(const struct nsb_inst *in, const uint8_t *frame, size_t len, uint32_t repeat,
		    struct nsb_result *r)
{
	struct __sk_buff skb;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb), .ctx_out = &skb,
		    .ctx_size_out = sizeof(skb), .repeat = repeat);

	memset(&skb, 0, sizeof(skb));
	if (bpf_prog_test_run_opts(in->fds.tc, &o))
		return -errno;
	r->drop = o.retval == TC_ACT_SHOT;
	r->mark = skb.mark;
	r->duration_ns = o.duration;
	return 0;
}

int nsb_test_run_xdp(const struct nsb_inst *in, const uint8_t *frame, size_t len,
		     uint32_t repeat, struct nsb_result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(in->fds.xdp, &o))
		return -errno;
	r->drop = o.retval == XDP_DROP;
	r->mark = 0;
	r->duration_ns = o.duration;
	return 0;
}

static long map_memlock(int fd)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

long nsb_inst_map_memory(const struct nsb_inst *in)
{
	const struct nsb_fds *f = &in->fds;
	int fds[] = {f->active, f->gencfg, f->classes, f->ifinfo,
		     f->rules0, f->rules1, f->bloom,   f->counters};
	long sum = 0;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		sum += map_memlock(fds[i]);
	return sum;
}

/* ---- pinned state and attachment ------------------------------------- */

struct nsb_ctx {
	const struct apply_opts *o;
	char dir[PATH_MAX];
	FILE *out;
	/*
	 * We had to mount the bpf file system ourselves, typically inside
	 * `ip netns exec` (a private mount namespace that dies with us): pins
	 * would vanish, and with them tcx and XDP links.  Then attach what
	 * persists without pins (clsact filter, netlink XDP) and find the
	 * state again through the attached program.
	 */
	bool ephemeral;
};

static void ctx_init(struct nsb_ctx *c, const struct apply_opts *o)
{
	struct statfs sfs;

	/* Every field: an ephemeral flag left from the stack once attached a
	 * clsact filter beside a pinned tcx link (every packet ran twice). */
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->out = o && o->out ? o->out : stdout;
	/* Pins must live on a bpf file system: use state_dir only if it is one. */
	if (o && o->state_dir && !statfs(o->state_dir, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		snprintf(c->dir, sizeof(c->dir), "%s/netsh-ipsec", o->state_dir);
	else
		snprintf(c->dir, sizeof(c->dir), "%s", NSB_PIN_DIR);
}

static void pin_path(const struct nsb_ctx *c, char *buf, size_t n, const char *name)
{
	/* Truncation cannot happen in practice; an over-long path fails to open. */
	if ((size_t)snprintf(buf, n, "%.3800s/%.200s", c->dir, name) >= n)
		buf[0] = '\0';
}

static int ensure_bpffs(struct nsb_ctx *c, char *err, size_t len)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", c->dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		/* As tc and bpftool do: mount the bpf file system on demand. */
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			snprintf(err, len, "bpf: mount bpf file system on %s: %s", parent,
				 strerror(errno));
			return -errno;
		}
		c->ephemeral = true;
	}
	if (mkdir(c->dir, 0700) && errno != EEXIST) {
		snprintf(err, len, "bpf: mkdir %s: %s", c->dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Opens every pinned object; -ENOENT when there is no (complete) state. */
static int open_pinned(const struct nsb_ctx *c, struct nsb_fds *f)
{
	char path[PATH_MAX];

	fds_init(f);
	for (int i = 0; i < NSB_N_FDS; i++) {
		pin_path(c, path, sizeof(path), nsb_pin_names[i]);
		*fd_slot(f, i) = bpf_obj_get(path);
		if (*fd_slot(f, i) < 0) {
			int ret = -errno;

			fds_close(f);
			return ret;
		}
	}
	return 0;
}

/* Are the maps and programs pinned in c->dir? */
static bool pinned_here(const struct nsb_ctx *c)
{
	char path[PATH_MAX];
	int fd;

	pin_path(c, path, sizeof(path), nsb_pin_names[0]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int pin_all(const struct nsb_ctx *c, struct nsb_fds *f, char *err, size_t len)
{
	char path[PATH_MAX];

	for (int i = 0; i < NSB_N_FDS; i++) {
		pin_path(c, path, sizeof(path), nsb_pin_names[i]);
		unlink(path);
		if (bpf_obj_pin(*fd_slot(f, i), path)) {
			snprintf(err, len, "bpf: pin %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

struct nsb_iface {
	unsigned ifindex;
	char name[IF_NAMESIZE];
	bool ether;
};

static bool iface_wanted(const char *name, unsigned flags)
{
	const char *list = getenv("NETSH_IPSEC_BPF_IFACES");

	if (list && *list) {
		size_t n = strlen(name);

		for (const char *s = list; (s = strstr(s, name)); s += n)
			if ((s == list || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
				return true;
		return false;
	}
	return !(flags & IFF_LOOPBACK);
}

/*
 * Interfaces to classify on: every interface but loopback, or the list in
 * NETSH_IPSEC_BPF_IFACES (comma separated).  Returns the count or -errno.
 */
static int list_ifaces(struct nsb_iface **out)
{
	struct if_nameindex *ni, *i;
	struct nsb_iface *v;
	int n = 0, sock;

	*out = NULL;
	ni = if_nameindex();
	if (!ni)
		return -errno;
	for (i = ni; i->if_index; i++)
		n++;
	v = calloc((size_t)n + 1, sizeof(*v));
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!v || sock < 0) {
		free(v);
		if (sock >= 0)
			close(sock);
		if_freenameindex(ni);
		return -ENOMEM;
	}
	n = 0;
	for (i = ni; i->if_index; i++) {
		struct ifreq ifr;
		unsigned flags = 0;
		bool ether = false;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (!ioctl(sock, SIOCGIFFLAGS, &ifr))
			flags = (unsigned)(unsigned short)ifr.ifr_flags;
		if (!ioctl(sock, SIOCGIFHWADDR, &ifr))
			ether = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
		if (!iface_wanted(i->if_name, flags))
			continue;
		v[n].ifindex = i->if_index;
		v[n].ether = ether;
		snprintf(v[n].name, sizeof(v[n].name), "%s", i->if_name);
		n++;
	}
	close(sock);
	if_freenameindex(ni);
	*out = v;
	return n;
}

static bool prog_named(int fd, const char *prefix)
{
	struct bpf_prog_info info;
	uint32_t n = sizeof(info);

	memset(&info, 0, sizeof(info));
	return !bpf_obj_get_info_by_fd(fd, &info, &n) && !strncmp(info.name, prefix, strlen(prefix));
}

/* The maps a loaded classifier program uses, by name, into f. */
static void maps_of_prog(int prog, struct nsb_fds *f)
{
	uint32_t ids[16], n = sizeof(struct bpf_prog_info);
	struct bpf_prog_info info;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog, &info, &n))
		return;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi;
		uint32_t mn = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]), used = 0;

		memset(&mi, 0, sizeof(mi));
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mn) && !strncmp(mi.name, "nsb_", 4))
			for (int k = 0; k < NSB_N_FDS - 2; k++)
				if (!strcmp(mi.name + 4, nsb_pin_names[k]) && *fd_slot(f, k) < 0) {
					*fd_slot(f, k) = fd;
					used = 1;
				}
		if (!used)
			close(fd);
	}
}

/*
 * Without pins (see nsb_ctx.ephemeral): the state of the classifier that a
 * previous run attached as our clsact filter, found through the program.
 */
static int discover(struct nsb_fds *f)
{
	/* Interfaces without a clsact qdisc make libbpf complain: expected. */
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct nsb_iface *ifs = NULL;
	int n = list_ifaces(&ifs);

	fds_init(f);
	for (int i = 0; ifs && i < n && f->tc < 0; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifs[i].ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = NSB_TC_HANDLE, .priority = NSB_TC_PRIO);
		uint32_t xid = 0;
		int fd;

		if (bpf_tc_query(&hook, &q) || !q.prog_id)
			continue;
		fd = bpf_prog_get_fd_by_id(q.prog_id);
		if (fd < 0)
			continue;
		if (!prog_named(fd, "nsb_tc")) {
			close(fd);
			continue;
		}
		f->tc = fd;
		maps_of_prog(fd, f);
		if (!bpf_xdp_query_id((int)ifs[i].ifindex, 0, &xid) && xid) {
			fd = bpf_prog_get_fd_by_id(xid);
			if (fd >= 0 && prog_named(fd, "nsb_xdp"))
				f->xdp = fd;
			else if (fd >= 0)
				close(fd);
		}
	}
	if (n >= 0)
		free(ifs);
	libbpf_set_print(old);
	for (int k = 0; k < NSB_N_FDS - 2; k++)
		if (*fd_slot(f, k) < 0) {
			fds_close(f);
			return -ENOENT;
		}
	return 0;
}

/* Pinned state, or else the state of our attached program. */
static int open_state(const struct nsb_ctx *c, struct nsb_fds *f)
{
	if (!open_pinned(c, f))
		return 0;
	return discover(f);
}

/*
 * Removes the attachments of ours that need no link: the clsact filter
 * and the netlink XDP program that a run without pins leaves (and that
 * --flush sweeps).  Next to a tcx link they would classify every packet
 * twice; a netlink XDP program also keeps an XDP link out.
 */
static void drop_unlinked(unsigned ifindex, bool tc, bool xdp)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = NSB_TC_HANDLE, .priority = NSB_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = NSB_TC_HANDLE, .priority = NSB_TC_PRIO);
	uint32_t xid = 0;
	int fd;

	if (tc && !bpf_tc_query(&hook, &q) && q.prog_id) {
		fd = bpf_prog_get_fd_by_id(q.prog_id);
		if (fd >= 0 && prog_named(fd, "nsb_tc"))
			bpf_tc_detach(&hook, &d);
		if (fd >= 0)
			close(fd);
	}
	if (xdp && !bpf_xdp_query_id((int)ifindex, 0, &xid) && xid) {
		fd = bpf_prog_get_fd_by_id(xid);
		if (fd >= 0 && prog_named(fd, "nsb_xdp"))
			bpf_xdp_detach((int)ifindex, 0, NULL);
		if (fd >= 0)
			close(fd);
	}
	libbpf_set_print(old);
}

static int attach_tc(const struct nsb_ctx *c, const struct nsb_fds *f, const struct nsb_iface *ifc,
		     struct nsb_ifinfo *ii, char *err, size_t len)
{
	char path[PATH_MAX], name[32];
	int link;

	snprintf(name, sizeof(name), "tcx_%u", ifc->ifindex);
	pin_path(c, path, sizeof(path), name);
	link = bpf_obj_get(path);
	if (link >= 0) {
		/* Already ours: point it at the current program, atomically. */
		int ret = bpf_link_update(link, f->tc, NULL) ? -errno : 0;

		close(link);
		if (ret)
			snprintf(err, len, "bpf: update tcx link on %s: %s", ifc->name,
				 strerror(-ret));
		else
			drop_unlinked(ifc->ifindex, true, false);
		ii->flags |= NSB_IF_TCX;
		return ret;
	}
	link = c->ephemeral ? -1
			    : bpf_link_create(f->tc, (int)ifc->ifindex,
					      (enum bpf_attach_type)NSB_ATTACH_TCX_INGRESS, NULL);
	if (link >= 0) {
		int ret = bpf_obj_pin(link, path) ? -errno : 0;

		close(link);
		if (ret) {
			snprintf(err, len, "bpf: pin %s: %s", path, strerror(-ret));
			return ret;
		}
		drop_unlinked(ifc->ifindex, true, false);
		ii->flags |= NSB_IF_TCX;
		return 0;
	}
	/* Kernels before 6.6 have no tcx: a clsact filter of ours. */
	{
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifc->ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = NSB_TC_HANDLE, .priority = NSB_TC_PRIO,
			    .prog_fd = f->tc, .flags = BPF_TC_F_REPLACE);
		int ret = bpf_tc_hook_create(&hook);

		if (ret && ret != -EEXIST) {
			snprintf(err, len, "bpf: clsact on %s: %s", ifc->name, strerror(-ret));
			return ret;
		}
		ret = bpf_tc_attach(&hook, &to);
		if (ret) {
			snprintf(err, len, "bpf: tc filter on %s: %s", ifc->name, strerror(-ret));
			return ret;
		}
		ii->flags |= NSB_IF_CLSACT;
	}
	return 0;
}

/* XDP only drops early; where it cannot attach, tc still enforces. */
static void attach_xdp(const struct nsb_ctx *c, const struct nsb_fds *f,
		       const struct nsb_iface *ifc, struct nsb_ifinfo *ii)
{
	char path[PATH_MAX], name[32];
	int link;

	if (!ifc->ether)
		return;
	/* NETSH_IPSEC_BPF_XDP=off: tc only (benchmarks; drivers whose XDP
	 * mode changes the receive path). */
	if (env_off("NETSH_IPSEC_BPF_XDP"))
		return;
	snprintf(name, sizeof(name), "xdp_%u", ifc->ifindex);
	pin_path(c, path, sizeof(path), name);
	if (f->xdp < 0)
		return;
	link = bpf_obj_get(path);
	if (link >= 0) {
		if (!bpf_link_update(link, f->xdp, NULL))
			ii->flags |= NSB_IF_XDP;
		close(link);
		return;
	}
	if (c->ephemeral) {
		uint32_t xid = 0;
		int old;

		/* Netlink attach persists without a pin; never replace another's. */
		if (!bpf_xdp_query_id((int)ifc->ifindex, 0, &xid) && xid) {
			old = bpf_prog_get_fd_by_id(xid);
			if (old < 0 || !prog_named(old, "nsb_xdp")) {
				if (old >= 0)
					close(old);
				return;
			}
			close(old);
		}
		if (!bpf_xdp_attach((int)ifc->ifindex, f->xdp, 0, NULL))
			ii->flags |= NSB_IF_XDP;
		return;
	}
	/* tc enforces alone meanwhile: no packet goes unclassified. */
	drop_unlinked(ifc->ifindex, false, true);
	link = bpf_link_create(f->xdp, (int)ifc->ifindex, BPF_XDP, NULL);
	if (link < 0) {
		if (c->o && c->o->verbose)
			fprintf(c->out, "bpf: no XDP on %s (%s): tc alone enforces\n", ifc->name,
				strerror(errno));
		return;
	}
	if (!bpf_obj_pin(link, path))
		ii->flags |= NSB_IF_XDP;
	close(link);
}

static int attach_all(const struct nsb_ctx *c, const struct nsb_fds *f, char *err, size_t len)
{
	struct nsb_iface *ifs = NULL;
	int n = list_ifaces(&ifs), ret = 0;

	if (n < 0) {
		snprintf(err, len, "bpf: list interfaces: %s", strerror(-n));
		return n;
	}
	for (int i = 0; i < n && !ret; i++) {
		struct nsb_ifinfo ii;

		if (ifs[i].ifindex >= NSB_MAX_IFINDEX) {
			snprintf(err, len, "bpf: %s: ifindex %u beyond the classifier's table",
				 ifs[i].name, ifs[i].ifindex);
			ret = -ERANGE;
			break;
		}
		memset(&ii, 0, sizeof(ii));
		ii.kind = plan_ifname_is_dialup(ifs[i].name) ? NSB_KIND_DIALUP : NSB_KIND_LAN;
		ii.l2len = ifs[i].ether ? ETH_HLEN : 0;
		ii.flags = NSB_IF_KNOWN;
		/* The kind must be known before the first packet is classified. */
		bpf_map_update_elem(f->ifinfo, &ifs[i].ifindex, &ii, BPF_ANY);
		ret = attach_tc(c, f, &ifs[i], &ii, err, len);
		if (!ret)
			attach_xdp(c, f, &ifs[i], &ii);
		bpf_map_update_elem(f->ifinfo, &ifs[i].ifindex, &ii, BPF_ANY);
		if (c->o && c->o->verbose)
			fprintf(c->out, "bpf: %s ifindex %u: %s%s%s kind %s\n", ifs[i].name,
				ifs[i].ifindex, ii.flags & NSB_IF_TCX ? "tcx" : "",
				ii.flags & NSB_IF_CLSACT ? "clsact" : "",
				ii.flags & NSB_IF_XDP ? "+xdp" : "",
				ii.kind == NSB_KIND_DIALUP ? "dialup" : "lan");
	}
	free(ifs);
	return ret;
}

/* ---- locally generated traffic: nftables route chain (bpf_local.c) ---- */

static int local_apply(const struct nsb_ctx *c, const struct nsb_build *b, char *err, size_t len)
{
	const struct nsb_local_in in = {
		.cls = b->cls,
		.n_cls = b->n_cls,
		.keys = b->keys,
		.vals = b->vals,
		.n_filter_keys = b->n_filter_keys,
		.n = b->n,
		.exempt = b->exempt,
		.me = b->me,
		.n_me = b->n_me,
	};

	return nsb_local_apply(&in, c->o && c->o->verbose ? c->out : NULL, c->o && c->o->dry_run,
			       err, len);
}

static void print_ip(FILE *f, uint32_t be)
{
	uint32_t h = ntohl(be);

	fprintf(f, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

/* ---- backend entry points -------------------------------------------- */

bool bpf_backend_supported(void)
{
	char err[256];
	struct nsb_inst *in;

	if (nsb_inst_open(&in, 1, 1, err, sizeof(err)))
		return false;
	nsb_inst_close(in);
	return true;
}

static const char *action_name(uint32_t a)
{
	return a == NSB_BLOCK ? "block" : a == NSB_NEGOTIATE ? "negotiate" : "permit";
}

static void print_build(const struct nsb_ctx *c, const struct nsb_build *b)
{
	fprintf(c->out, "bpf: %u classes, %zu keys, exempt 0x%x, digest %016llx\n", b->n_cls, b->n,
		b->exempt, (unsigned long long)b->digest);
	if (!c->o->verbose)
		return;
	for (uint32_t i = 0; i < b->n_cls; i++) {
		const struct nsb_class *cl = &b->cls[i];

		fprintf(c->out, "bpf: class %u: src/%d dst/%d proto%s sport%s dport%s first %u\n", i,
			__builtin_popcount(cl->smask), __builtin_popcount(cl->dmask),
			cl->proto_mask ? "=" : "*", cl->sport_mask ? "=" : "*",
			cl->dport_mask ? "=" : "*", cl->bound);
	}
	for (size_t i = 0; i < b->n_filter_keys; i++) {
		const struct nsb_key *k = &b->keys[i];

		fprintf(c->out, "bpf: key class %u ", k->cls);
		print_ip(c->out, k->src);
		fprintf(c->out, " > ");
		print_ip(c->out, k->dst);
		fprintf(c->out, " proto %u ports %u > %u:", k->proto, ntohs(k->sport), ntohs(k->dport));
		for (int kind = 0; kind < NSB_KINDS; kind++) {
			const struct nsb_verdict *v = &b->vals[i].v[kind];

			if (!v->prio)
				fprintf(c->out, " %s -", kind ? "dialup" : "lan");
			else
				fprintf(c->out, " %s filter %u %s mark 0x%x", kind ? "dialup" : "lan",
					v->id, action_name(v->action), v->mark);
		}
		fprintf(c->out, "\n");
	}
}

static bool all_attached(const struct nsb_fds *f)
{
	struct nsb_iface *ifs = NULL;
	int n = list_ifaces(&ifs);
	bool ok = n >= 0;

	for (int i = 0; i < n && ok; i++) {
		struct nsb_ifinfo ii;

		ok = !bpf_map_lookup_elem(f->ifinfo, &ifs[i].ifindex, &ii) &&
		     (ii.flags & (NSB_IF_TCX | NSB_IF_CLSACT));
	}
	if (n >= 0)
		free(ifs);
	return ok;
}

/*
 * The interfaces the loader has recorded (flags & NSB_IF_KNOWN) in the
 * ifindex-indexed array; returns how many, filling idx[] and vals[].
 */
static int known_ifaces(int fd, uint32_t **idx_out, struct nsb_ifinfo **vals_out)
{
	enum { CHUNK = 4096 };
	uint32_t *keys = calloc(CHUNK, sizeof(*keys)), *idx = calloc(64, sizeof(*idx));
	struct nsb_ifinfo *v = calloc(CHUNK, sizeof(*v)), *vals = calloc(64, sizeof(*vals));
	uint32_t out = 0, count;
	void *in = NULL;
	int n = 0, cap = 64, ret = 0;

	*idx_out = NULL;
	*vals_out = NULL;
	if (!keys || !v || !idx || !vals) {
		ret = -ENOMEM;
		goto fail;
	}
	for (;;) {
		int r;

		count = CHUNK;
		r = bpf_map_lookup_batch(fd, in, &out, keys, v, &count, NULL);
		if (r && errno != ENOENT) {
			ret = -errno;
			goto fail;
		}
		for (uint32_t i = 0; i < count; i++) {
			if (!(v[i].flags & NSB_IF_KNOWN))
				continue;
			if (n == cap) {
				/* Keep the old arrays on failure: fail: frees them. */
				void *ni = realloc(idx, (size_t)cap * 2 * sizeof(*idx));

				if (ni)
					idx = ni;
				void *nv = ni ? realloc(vals, (size_t)cap * 2 * sizeof(*vals)) : NULL;

				if (nv)
					vals = nv;
				if (!ni || !nv) {
					ret = -ENOMEM;
					goto fail;
				}
				cap *= 2;
			}
			idx[n] = keys[i];
			vals[n++] = v[i];
		}
		if (r)
			break;
		in = &out;
	}
	free(keys);
	free(v);
	*idx_out = idx;
	*vals_out = vals;
	return n;
fail:
	free(keys);
	free(v);
	free(idx);
	free(vals);
	return ret;
}

/*
 * Carries the per-filter counts of the pinned instance into a fresh one
 * (loaded because the plan outgrew the maps), so that growth does not
 * reset them: the old stripes' sums go to the new first stripe.  Packets
 * the old programs count after this, until the links switch, are lost.
 */
static void carry_counts(int from, int to)
{
	uint32_t fs = counter_stride(from), ts = counter_stride(to), n = fs < ts ? fs : ts;
	size_t fsize = (size_t)map_max_entries(from) * sizeof(struct nsb_counter);
	size_t tsize = (size_t)map_max_entries(to) * sizeof(struct nsb_counter);
	int ncpu = libbpf_num_possible_cpus();
	const struct nsb_counter *f;
	struct nsb_counter *t;

	if (!counters_ok(from) || !counters_ok(to) || !n || ncpu <= 0)
		return;
	f = mmap(NULL, fsize, PROT_READ, MAP_SHARED, from, 0);
	t = mmap(NULL, tsize, PROT_READ | PROT_WRITE, MAP_SHARED, to, 0);
	if (f != MAP_FAILED && t != MAP_FAILED)
		for (uint32_t id = 0; id < n; id++)
			for (int cpu = 0; cpu < ncpu; cpu++) {
				t[id].packets += f[(uint32_t)cpu * fs + id].packets;
				t[id].bytes += f[(uint32_t)cpu * fs + id].bytes;
			}
	if (f != MAP_FAILED)
		munmap((void *)f, fsize);
	if (t != MAP_FAILED)
		munmap(t, tsize);
}

/* Carries what the old maps know about interfaces into fresh maps. */
static void copy_ifinfo(int from, int to)
{
	struct nsb_ifinfo *vals = NULL;
	uint32_t *idx = NULL;
	int n = known_ifaces(from, &idx, &vals);

	for (int i = 0; i < n; i++)
		bpf_map_update_elem(to, &idx[i], &vals[i], BPF_ANY);
	if (n >= 0) {
		free(idx);
		free(vals);
	}
}

int bpf_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	struct apply_opts dflt = {0};
	struct nsb_build *b = NULL;
	struct nsb_inst *fresh = NULL;
	struct nsb_fds pinned;
	const struct nsb_fds *f;
	struct nsb_gencfg cfg;
	struct nsb_ctx c;
	int ret;

	if (!o)
		o = &dflt;
	ctx_init(&c, o);
	ret = nsb_build_new(p, &b, err, len);
	if (ret)
		return ret;
	if (o->verbose || o->dry_run)
		print_build(&c, b);
	if (o->dry_run) {
		ret = local_apply(&c, b, err, len);
		nsb_build_free(b);
		return ret;
	}
	ret = ensure_bpffs(&c, err, len);
	if (ret)
		goto out;
	fds_init(&pinned);
	ret = open_state(&c, &pinned);
	if (!ret && !read_gencfg(&pinned, &cfg) && cfg.digest == b->digest &&
	    all_attached(&pinned)) {
		if (o->verbose)
			fprintf(c.out, "bpf: kernel already holds this plan\n");
		goto out_close;
	}
	if (ret || !fits(&pinned, b)) {
		/* First load, or the maps are too small: a new instance whose
		 * programs replace the old ones link by link. */
		ret = nsb_inst_open(&fresh, counter_slots_for(b->max_id), rule_slots_for(b->n), err,
				    len);
		if (ret)
			goto out_close;
		if (pinned.ifinfo >= 0)
			copy_ifinfo(pinned.ifinfo, fresh->fds.ifinfo);
		if (pinned.counters >= 0)
			carry_counts(pinned.counters, fresh->fds.counters);
		f = &fresh->fds;
	} else {
		f = &pinned;
	}
	ret = fill_and_flip(f, b, err, len);
	if (ret)
		goto out_close;
	ret = attach_all(&c, f, err, len);
	if (ret)
		goto out_close;
	if (fresh) {
		ret = pin_all(&c, &fresh->fds, err, len);
		if (ret)
			goto out_close;
	} else if (!c.ephemeral && !pinned_here(&c)) {
		/* State found through an attached program (a run without
		 * pins made it): pin it, so that the next run finds it. */
		ret = pin_all(&c, &pinned, err, len);
		if (ret)
			goto out_close;
	}
	/* NETSH_IPSEC_BPF_LOCAL=off: forwarded and inbound traffic only (kernels
	 * without nftables' ip family, e.g. the UML test kernel). */
	if (!env_off("NETSH_IPSEC_BPF_LOCAL") && !o->no_nft)
		ret = local_apply(&c, b, err, len);
out_close:
	fds_close(&pinned);
	nsb_inst_close(fresh);
out:
	nsb_build_free(b);
	return ret;
}

static void detach_clsact(const struct nsb_fds *f)
{
	struct nsb_ifinfo *vals = NULL;
	uint32_t *idx = NULL;
	int n = known_ifaces(f->ifinfo, &idx, &vals);

	for (int i = 0; i < n; i++)
		drop_unlinked(idx[i], vals[i].flags & NSB_IF_CLSACT, vals[i].flags & NSB_IF_XDP);
	if (n >= 0) {
		free(idx);
		free(vals);
	}
}

/*
 * Whatever the recorded flags say: our clsact filter (handle and priority
 * 0x4e53, program nsb_tc*) and a netlink-attached XDP program named nsb_xdp*
 * on any interface.  Link-attached ones go with their pins.
 */
static void sweep_ifaces(void)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct nsb_iface *ifs = NULL;
	int n = list_ifaces(&ifs);

	for (int i = 0; ifs && i < n; i++)
		drop_unlinked(ifs[i].ifindex, true, true);
	free(ifs);
	libbpf_set_print(old);
}

int bpf_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	struct apply_opts dflt = {0};
	struct nsb_fds f;
	struct dirent *de;
	struct nsb_ctx c;
	DIR *d;
	int ret = 0;

	if (!o)
		o = &dflt;
	ctx_init(&c, o);
	if (!open_state(&c, &f)) {
		if (!o->dry_run)
			detach_clsact(&f);
		fds_close(&f);
	}
	if (!o->dry_run)
		sweep_ifaces();
	d = opendir(c.dir);
	if (d) {
		/* Our directory holds only our objects: links detach when unpinned. */
		while ((de = readdir(d))) {
			char path[PATH_MAX];

			if (de->d_name[0] == '.')
				continue;
			pin_path(&c, path, sizeof(path), de->d_name);
			if (o->verbose)
				fprintf(c.out, "bpf: unpin %s\n", path);
			if (!o->dry_run && unlink(path) && !ret) {
				ret = -errno;
				snprintf(err, len, "bpf: unpin %s: %s", path, strerror(errno));
			}
		}
		closedir(d);
		if (!o->dry_run)
			rmdir(c.dir);
	}
	if (!o->dry_run && !o->no_nft) {
		char nerr[256];

		/* Absent nftables (or no ip family) means there is nothing of ours. */
		nsb_local_flush(o->verbose ? c.out : NULL, nerr, sizeof(nerr));
	}
	return ret;
}

int bpf_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	struct apply_opts dflt = {0};
	struct nsb_ifinfo *ifvals = NULL;
	struct nsb_gencfg cfg;
	uint32_t gen, *ifidx = NULL;
	struct nsb_fds f;
	struct nsb_ctx c;
	int ret, inner, n_if;

	if (!o)
		o = &dflt;
	ctx_init(&c, o);
	ret = open_state(&c, &f);
	if (ret == -ENOENT) {
		fprintf(c.out, "bpf: not loaded\n");
		return 0;
	}
	if (ret) {
		snprintf(err, len, "bpf: open %s: %s", c.dir, strerror(-ret));
		return ret;
	}
	ret = gen_active(&f, &gen);
	if (!ret)
		ret = read_gencfg(&f, &cfg);
	if (ret) {
		snprintf(err, len, "bpf: read state: %s", strerror(-ret));
		fds_close(&f);
		return ret;
	}
	fprintf(c.out, "bpf: generation %u, %u classes, %u keys, exempt 0x%x, program %s, %s%s\n",
		gen, cfg.n_classes, cfg.n_entries, cfg.exempt,
		prog_named(f.tc, "nsb_tc_plain") ? "plain (no JIT)" : "bpf_loop",
		access(c.dir, F_OK) ? "found through the attached program" : "pinned in ",
		access(c.dir, F_OK) ? "" : c.dir);
	n_if = known_ifaces(f.ifinfo, &ifidx, &ifvals);
	for (int i = 0; ifidx && ifvals && i < n_if; i++) {
		char name[IF_NAMESIZE] = "?";
		const struct nsb_ifinfo *ii = &ifvals[i];

		if_indextoname(ifidx[i], name);
		fprintf(c.out, "bpf: interface %s (%u): %s%s%s, %s\n", name, ifidx[i],
			ii->flags & NSB_IF_TCX ? "tcx" : "", ii->flags & NSB_IF_CLSACT ? "clsact" : "",
			ii->flags & NSB_IF_XDP ? " + xdp" : "",
			ii->kind == NSB_KIND_DIALUP ? "dial-up" : "lan");
	}
	if (n_if >= 0) {
		free(ifidx);
		free(ifvals);
	}
	/* Counters of every filter of the active generation, in id order. */
	inner = gen ? f.rules1 : f.rules0;
	{
		struct nsb_verdict *by_id = calloc((size_t)cfg.max_id + 1, sizeof(*by_id));
		struct nsb_key k, nk, *pk = NULL;
		struct nsb_val v;

		while (by_id && !bpf_map_get_next_key(inner, pk, &nk)) {
			k = nk;
			pk = &k;
			if (nk.cls == NSB_CLS_BCAST || bpf_map_lookup_elem(inner, &nk, &v))
				continue;
			for (int kind = 0; kind < NSB_KINDS; kind++)
				if (v.v[kind].prio && v.v[kind].id <= cfg.max_id)
					by_id[v.v[kind].id] = v.v[kind];
		}
		/* Pinned by an older version (per-CPU counters): a lookup there
		 * would write one value per CPU; the next apply reloads it. */
		bool cok = counters_ok(f.counters);
		uint32_t stride = cok ? counter_stride(f.counters) : 0;
		size_t csize =
			cok ? (size_t)map_max_entries(f.counters) * sizeof(struct nsb_counter) : 0;
		const struct nsb_counter *cm =
			csize ? mmap(NULL, csize, PROT_READ, MAP_SHARED, f.counters, 0) : MAP_FAILED;

		for (uint32_t id = 0; by_id && id <= cfg.max_id; id++) {
			const struct nsb_verdict *vd = &by_id[id];
			uint64_t pk_n, by;

			if (!vd->prio || counter_sum(f.counters, cm == MAP_FAILED ? NULL : cm, stride,
						     id, &pk_n, &by))
				continue;
			fprintf(c.out, "bpf: filter %u %s", id, action_name(vd->action));
			if (vd->action == NSB_NEGOTIATE)
				fprintf(c.out, " mark 0x%x", vd->mark);
			fprintf(c.out, " packets %llu bytes %llu\n", (unsigned long long)pk_n,
				(unsigned long long)by);
		}
		if (cm != MAP_FAILED)
			munmap((void *)cm, csize);
		if (!cok)
			fprintf(c.out, "bpf: counters of an older classifier version: the next "
				       "apply of a changed plan reloads it\n");
		free(by_id);
	}
	fds_close(&f);
	return 0;
}
