// SPDX-License-Identifier: GPL-2.0
/*
 * nft lowering without a kernel: no two elements of one interval map
 * overlap, every filter left out is shadowed, and classifying packets the
 * way the maps do (layer by layer, at most one element per map can match)
 * agrees with the reference matcher.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply/match.h"
#include "apply/nft.h"

struct box {
	uint32_t lo[5], hi[5];
};

static bool tcpudp(uint8_t p)
{
	return p == 6 || p == 17;
}

static void mkbox(const struct plan_sel *s, struct box *b)
{
	uint32_t m = plan_plen_mask(s->src_plen);

	b->lo[0] = s->src & m;
	b->hi[0] = b->lo[0] | ~m;
	m = plan_plen_mask(s->dst_plen);
	b->lo[1] = s->dst & m;
	b->hi[1] = b->lo[1] | ~m;
	b->lo[2] = s->proto;
	b->hi[2] = s->proto ? s->proto : 255;
	b->lo[3] = tcpudp(s->proto) && s->sport ? s->sport : 0;
	b->hi[3] = tcpudp(s->proto) && s->sport ? s->sport : 65535;
	b->lo[4] = tcpudp(s->proto) && s->dport ? s->dport : 0;
	b->hi[4] = tcpudp(s->proto) && s->dport ? s->dport : 65535;
}

static bool in(const uint32_t *pt, const struct box *b)
{
	for (int i = 0; i < 5; i++)
		if (pt[i] < b->lo[i] || pt[i] > b->hi[i])
			return false;
	return true;
}

static bool inside(const struct box *a, const struct box *b)
{
	for (int i = 0; i < 5; i++)
		if (a->lo[i] < b->lo[i] || a->hi[i] > b->hi[i])
			return false;
	return true;
}

static void check_plan(unsigned seed, size_t n, size_t classes)
{
	struct plan p = {0};
	struct nft_layer_info *li = NULL;
	size_t nl = 0;
	long *lay;
	struct box *bx;
	unsigned st = seed ^ 0x5a5a;

	assert_int_equal(plan_random(&p, seed, n, classes), 0);
	lay = calloc(p.n_filters + 1, sizeof(*lay));
	bx = calloc(p.n_filters + 1, sizeof(*bx));
	assert_non_null(lay);
	assert_non_null(bx);
	assert_int_equal(nft_plan_assign(&p, lay), 0);
	assert_int_equal(nft_plan_layers(&p, &li, &nl), 0);
	for (size_t i = 0; i < p.n_filters; i++)
		mkbox(&p.filters[i].sel, &bx[i]);

	/* Layers are consecutive runs of the plan, in order. */
	for (size_t l = 0, next = 0; l < nl; l++) {
		assert_int_equal(li[l].first, next);
		next = li[l].first + li[l].n;
	}
	for (size_t i = 0; i < p.n_filters; i++) {
		long l = lay[i];

		if (l < 0) {
			/* Left out: some earlier filter contains it (same layer) or an
			 * earlier filter matches everything. */
			bool shadow = false;

			for (size_t j = 0; j < i && !shadow; j++)
				shadow = lay[j] >= 0 && inside(&bx[i], &bx[j]);
			assert_true(shadow);
			continue;
		}
		assert_true(li[l].first <= i && i < li[l].first + li[l].n);
		if (!li[l].interval) {
			/* Hash maps hold exact keys only. */
			const struct plan_sel *s = &p.filters[i].sel;

			assert_true(s->src_plen == 0 || s->src_plen == 32);
			assert_true(s->dst_plen == 0 || s->dst_plen == 32);
			continue;
		}
		/* No two elements of an interval map overlap (so the kernel's
		 * choice between overlapping elements never matters, and its
		 * insert check never refuses one). */
		for (size_t j = li[l].first; j < i; j++) {
			bool ov = true;

			if (lay[j] != l)
				continue;
			for (int f = 0; f < 5; f++)
				ov = ov && bx[i].lo[f] <= bx[j].hi[f] && bx[j].lo[f] <= bx[i].hi[f];
			assert_false(ov);
		}
	}

	for (int k = 0; k < 5000; k++) {
		struct plan_pkt pkt;
		uint32_t pt[5];
		long nft = -1;
		int w;

		plan_random_pkt(&p, &st, &pkt);
		pkt.ifname = NULL;
		if (plan_exempt_pkt(&p, &pkt))
			continue;
		w = plan_match(&p, &pkt);
		pt[0] = pkt.src;
		pt[1] = pkt.dst;
		pt[2] = pkt.proto;
		pt[3] = pkt.sport;
		pt[4] = pkt.dport;
		/* Layer by layer, first inserted (= plan order) wins. */
		for (size_t i = 0; i < p.n_filters && nft < 0; i++)
			if (lay[i] >= 0 && in(pt, &bx[i]))
				nft = (long)i;
		if (w < 0) {
			assert_true(nft < 0);
			continue;
		}
		assert_true(nft >= 0);
		assert_int_equal(p.filters[nft].action == NS_ACTION_BLOCK,
				 p.filters[w].action == NS_ACTION_BLOCK);
	}
	free(li);
	free(lay);
	free(bx);
	plan_free(&p);
}

static void test_random_plans(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 20; seed++) {
		check_plan(seed, 40, 3);
		check_plan(seed, 300, 8);
		check_plan(seed, 800, 30);
	}
}

/* A long run of host-to-host filters becomes one hash map. */
static void test_exact_run_is_hash(void **state)
{
	struct plan_rule r = {.action = NS_ACTION_BLOCK};
	struct plan_filter *f = calloc(1000, sizeof(*f));
	struct plan p = {.rules = &r, .n_rules = 1, .filters = f, .n_filters = 1000};
	struct nft_layer_info *li = NULL;
	size_t nl = 0;

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 1000; i++) {
		f[i].sel = (struct plan_sel){.src = 0x0a000000u + (uint32_t)i,
					     .src_plen = 32,
					     .dst = 0x0b000001u,
					     .dst_plen = 32,
					     .proto = 6,
					     .dport = 445};
		f[i].action = NS_ACTION_BLOCK;
	}
	assert_int_equal(nft_plan_layers(&p, &li, &nl), 0);
	assert_int_equal(nl, 1);
	assert_false(li[0].interval);
	assert_int_equal(li[0].n_elems, 1000);
	assert_int_equal(li[0].fields, NFT_F_SRC | NFT_F_DST | NFT_F_PROTO | NFT_F_DPORT);
	free(li);
	free(f);
}

/* An overlap starts a new interval map; a filter inside an element goes. */
static void test_conflict_splits(void **state)
{
	struct plan_rule r = {.action = NS_ACTION_BLOCK};
	struct plan_filter f[3] = {0};
	struct plan p = {.rules = &r, .n_rules = 1, .filters = f, .n_filters = 3};
	long lay[3];

	(void)state;
	f[0].sel = (struct plan_sel){.src = 0x0a000000u, .src_plen = 16};
	/* 10.0.0.0/8 -> 20.0.0.0/8: overlaps f[0], so a new map. */
	f[1].sel = (struct plan_sel){
		.src = 0x0a000000u, .src_plen = 8, .dst = 0x14000000u, .dst_plen = 8};
	/* 10.0.1.0/24 -> 20.1.0.0/16: inside f[1], left out. */
	f[2].sel = (struct plan_sel){
		.src = 0x0a000100u, .src_plen = 24, .dst = 0x14010000u, .dst_plen = 16};
	assert_int_equal(nft_plan_assign(&p, lay), 0);
	assert_int_equal(lay[0], 0);
	assert_int_equal(lay[1], 1);
	assert_int_equal(lay[2], -1);
}

/* conntype: one class per map; a lan-only match-all filter leaves the
 * later filters alive (they still decide on dial-up links). */
static void test_conntype_layers(void **state)
{
	struct plan_rule r[2] = {{.action = NS_ACTION_BLOCK, .conntype = NS_CONN_LAN},
				 {.action = NS_ACTION_PERMIT, .conntype = NS_CONN_ALL}};
	struct plan_filter f[3] = {0};
	struct plan p = {.rules = r, .n_rules = 2, .filters = f, .n_filters = 3};
	long lay[3];

	(void)state;
	f[0].sel = (struct plan_sel){.src = 0x0a000001u,
				     .src_plen = 32,
				     .dst = 0x0a000002u,
				     .dst_plen = 32,
				     .proto = 6,
				     .dport = 80};
	f[0].rule = 1;
	f[1].rule = 0; /* any -> any, lan only */
	f[2].sel = (struct plan_sel){.src = 0x0a000001u,
				     .src_plen = 32,
				     .dst = 0x0a000003u,
				     .dst_plen = 32,
				     .proto = 6,
				     .dport = 80};
	f[2].rule = 1;
	assert_int_equal(nft_plan_assign(&p, lay), 0);
	assert_int_equal(lay[0], 0);
	assert_int_equal(lay[1], 1);
	assert_int_equal(lay[2], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_plans),
		cmocka_unit_test(test_exact_run_is_hash),
		cmocka_unit_test(test_conflict_splits),
		cmocka_unit_test(test_conntype_layers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
