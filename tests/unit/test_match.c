// SPDX-License-Identifier: GPL-2.0
/* The reference matcher, exemptions and random plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply/match.h"
#include "apply/plan.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct plan_filter mkf(uint32_t src, uint8_t sp, uint32_t dst, uint8_t dp, uint8_t proto,
			      uint16_t sport, uint16_t dport, enum ns_action a, uint32_t rule)
{
	struct plan_filter f = {
		.sel = {src, dst, sp, dp, proto, sport, dport}, .rule = rule, .action = a};

	f.weight = plan_weight(&f.sel, a);
	return f;
}

static struct plan_pkt pkt(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
			   uint16_t dport)
{
	struct plan_pkt p = {
		.src = src, .dst = dst, .proto = proto, .sport = sport, .dport = dport};

	return p;
}

/* Three rules: permit, block, negotiate; filters set by the test. */
static void mkplan(struct plan *p, struct plan_filter *f, size_t n, unsigned ipsecexempt)
{
	static struct plan_rule rules[3] = {
		{.action = NS_ACTION_PERMIT},
		{.action = NS_ACTION_BLOCK},
		{.action = NS_ACTION_NEGOTIATE},
	};

	memset(p, 0, sizeof(*p));
	p->rules = rules;
	p->n_rules = 3;
	p->filters = f;
	p->n_filters = n;
	plan_exempt_set(&p->exempt, ipsecexempt);
	assert_int_equal(plan_sort(p), 0);
}

static void test_sel_match(void **state)
{
	struct plan_sel s = {.src = IP(10, 0, 0, 0),
			     .src_plen = 8,
			     .dst = IP(192, 168, 1, 1),
			     .dst_plen = 32,
			     .proto = 6,
			     .dport = 80};
	struct plan_pkt a = pkt(IP(10, 9, 9, 9), IP(192, 168, 1, 1), 6, 1234, 80);

	assert_true(plan_sel_match(&s, &a));
	a.dport = 81;
	assert_false(plan_sel_match(&s, &a));
	a.dport = 80;
	a.proto = 17;
	assert_false(plan_sel_match(&s, &a));
	a.proto = 6;
	a.src = IP(11, 0, 0, 1);
	assert_false(plan_sel_match(&s, &a));
	/* /0 matches everything. */
	s.src_plen = 0;
	s.src = 0;
	assert_true(plan_sel_match(&s, &a));
	/* A port selector never matches a protocol without ports. */
	s.proto = 0;
	a.proto = 1;
	a.sport = a.dport = 0;
	assert_false(plan_sel_match(&s, &a));
}

static void test_specific_permit_in_negotiate(void **state)
{
	struct plan_filter f[] = {
		mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_NEGOTIATE, 2),
		mkf(IP(10, 0, 0, 1), 32, IP(10, 0, 0, 2), 32, 6, 0, 22, NS_ACTION_PERMIT, 0),
	};
	struct plan p;
	struct plan_pkt a = pkt(IP(10, 0, 0, 1), IP(10, 0, 0, 2), 6, 5555, 22);
	int i;

	mkplan(&p, f, 2, 3);
	i = plan_match(&p, &a);
	assert_true(i >= 0);
	assert_int_equal(p.filters[i].action, NS_ACTION_PERMIT);
	a.dport = 23;
	i = plan_match(&p, &a);
	assert_int_equal(p.filters[i].action, NS_ACTION_NEGOTIATE);
}

static void test_specific_block_in_permit(void **state)
{
	struct plan_filter f[] = {
		mkf(IP(10, 0, 0, 0), 8, 0, 0, 0, 0, 0, NS_ACTION_PERMIT, 0),
		mkf(IP(10, 1, 0, 0), 16, 0, 0, 0, 0, 0, NS_ACTION_BLOCK, 1),
	};
	struct plan p;
	struct plan_pkt a = pkt(IP(10, 1, 2, 3), IP(1, 1, 1, 1), 1, 0, 0);
	int i;

	mkplan(&p, f, 2, 3);
	i = plan_match(&p, &a);
	assert_int_equal(p.filters[i].action, NS_ACTION_BLOCK);
	a.src = IP(10, 2, 0, 1);
	i = plan_match(&p, &a);
	assert_int_equal(p.filters[i].action, NS_ACTION_PERMIT);
	a.src = IP(11, 2, 0, 1);
	assert_int_equal(plan_match(&p, &a), -1);
}

static void test_equal_selectors_block_wins(void **state)
{
	struct plan_filter f[] = {
		mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_NEGOTIATE, 2),
		mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_PERMIT, 0),
		mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_BLOCK, 1),
	};
	struct plan p;
	struct plan_pkt a = pkt(IP(1, 2, 3, 4), IP(5, 6, 7, 8), 6, 1, 2);

	mkplan(&p, f, 3, 3);
	assert_int_equal(p.filters[plan_match(&p, &a)].action, NS_ACTION_BLOCK);
}

static void test_protocol_beats_prefix(void **state)
{
	/* Protocol given is the most significant part of the weight: a
	 * protocol filter for any host beats a host-to-host filter. */
	struct plan_filter f[] = {
		mkf(IP(10, 0, 0, 1), 32, IP(10, 0, 0, 2), 32, 0, 0, 0, NS_ACTION_BLOCK, 1),
		mkf(0, 0, 0, 0, 1, 0, 0, NS_ACTION_PERMIT, 0),
	};
	struct plan p;
	struct plan_pkt a = pkt(IP(10, 0, 0, 1), IP(10, 0, 0, 2), 1, 0, 0);

	mkplan(&p, f, 2, 3);
	assert_int_equal(p.filters[plan_match(&p, &a)].action, NS_ACTION_PERMIT);
	a.proto = 6;
	assert_int_equal(p.filters[plan_match(&p, &a)].action, NS_ACTION_BLOCK);
}

static void test_exemptions(void **state)
{
	struct plan_filter f[] = {mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_BLOCK, 1)};
	uint32_t bc = IP(10, 0, 0, 255);
	struct plan p;
	struct plan_pkt ike = pkt(IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, 500, 500);
	struct plan_pkt natt = pkt(IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, 4500, 4500);
	struct plan_pkt krb = pkt(IP(1, 1, 1, 1), IP(2, 2, 2, 2), 6, 3333, 88);
	struct plan_pkt rsvp = pkt(IP(1, 1, 1, 1), IP(2, 2, 2, 2), 46, 0, 0);
	struct plan_pkt mc = pkt(IP(1, 1, 1, 1), IP(239, 1, 1, 1), 17, 1, 2);
	struct plan_pkt bcast = pkt(IP(1, 1, 1, 1), IP(255, 255, 255, 255), 17, 1, 2);
	struct plan_pkt sbcast = pkt(IP(10, 0, 0, 1), bc, 17, 1, 2);
	struct plan_pkt tcp500 = pkt(IP(1, 1, 1, 1), IP(2, 2, 2, 2), 6, 500, 500);
	/* expected exemption for ipsecexempt 0..3 */
	static const bool want[4][5] = {
		/* krb    rsvp   mc     bcast  sbcast */
		{true, true, true, true, true},
		{false, false, true, true, true},
		{true, true, false, false, false},
		{false, false, false, false, false},
	};

	for (unsigned v = 0; v < 4; v++) {
		mkplan(&p, f, 1, v);
		p.bcast = &bc;
		p.n_bcast = 1;
		assert_int_equal(plan_match(&p, &ike), -1);
		assert_int_equal(plan_match(&p, &natt), -1);
		assert_int_equal(plan_match(&p, &tcp500), 0);
		assert_int_equal(plan_match(&p, &krb) == -1, want[v][0]);
		assert_int_equal(plan_match(&p, &rsvp) == -1, want[v][1]);
		assert_int_equal(plan_match(&p, &mc) == -1, want[v][2]);
		assert_int_equal(plan_match(&p, &bcast) == -1, want[v][3]);
		assert_int_equal(plan_match(&p, &sbcast) == -1, want[v][4]);
	}
}

static void test_conntype(void **state)
{
	struct plan_rule rules[2] = {{.action = NS_ACTION_BLOCK, .conntype = NS_CONN_DIALUP},
				     {.action = NS_ACTION_PERMIT, .conntype = NS_CONN_LAN}};
	struct plan_filter f[] = {mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_BLOCK, 0),
				  mkf(0, 0, 0, 0, 0, 0, 0, NS_ACTION_PERMIT, 1)};
	struct plan p = {.rules = rules, .n_rules = 2, .filters = f, .n_filters = 2};
	struct plan_pkt a = pkt(1, 2, 6, 1, 2);

	assert_int_equal(plan_sort(&p), 0);
	a.ifname = "ppp0";
	assert_int_equal(p.filters[plan_match(&p, &a)].action, NS_ACTION_BLOCK);
	a.ifname = "eth0";
	assert_int_equal(p.filters[plan_match(&p, &a)].action, NS_ACTION_PERMIT);
	a.ifname = NULL;
	assert_int_equal(plan_match(&p, &a), 0);
	assert_true(plan_ifname_is_dialup("wwan0"));
	assert_false(plan_ifname_is_dialup("enp0s3"));
}

static void test_sort_stable(void **state)
{
	struct plan_filter f[6];
	struct plan p = {.filters = f, .n_filters = 6};

	for (uint32_t i = 0; i < 6; i++) {
		f[i] = mkf(IP(10, 0, 0, i), i % 2 ? 32 : 24, 0, 0, 0, 0, 0, NS_ACTION_PERMIT, 0);
		f[i].id = i + 1;
	}
	assert_int_equal(plan_sort(&p), 0);
	assert_int_equal(f[0].id, 2);
	assert_int_equal(f[1].id, 4);
	assert_int_equal(f[2].id, 6);
	assert_int_equal(f[3].id, 1);
	assert_int_equal(f[4].id, 3);
	assert_int_equal(f[5].id, 5);
}

/* Count classes: distinct weights without the action rank. */
static size_t n_classes(const struct plan *p)
{
	uint32_t seen[64];
	size_t n = 0;

	for (size_t i = 0; i < p->n_filters; i++) {
		uint32_t c = p->filters[i].weight >> 2;
		size_t j;

		for (j = 0; j < n && seen[j] != c; j++)
			;
		if (j == n && n < 64)
			seen[n++] = c;
	}
	return n;
}

static void test_random_plans(void **state)
{
	size_t hits = 0, total = 0;

	for (unsigned seed = 0; seed < 200; seed++) {
		struct plan p, q;
		unsigned st = seed;

		assert_int_equal(plan_random(&p, seed, 1 + seed % 50, 1 + seed % 6), 0);
		assert_int_equal(p.n_filters, 1 + seed % 50);
		assert_true(n_classes(&p) <= 1 + seed % 6);
		for (size_t i = 1; i < p.n_filters; i++)
			assert_true(p.filters[i - 1].weight >= p.filters[i].weight);
		for (size_t i = 0; i < p.n_filters; i++) {
			const struct plan_filter *f = &p.filters[i];

			assert_true(f->rule < p.n_rules);
			assert_int_equal(f->action, p.rules[f->rule].action);
			assert_int_equal(f->weight, plan_weight(&f->sel, f->action));
			assert_int_equal(f->sel.src & ~plan_plen_mask(f->sel.src_plen), 0);
			assert_int_equal(f->reqid != 0, f->action == NS_ACTION_NEGOTIATE);
		}
		/* Same seed, same plan; any difference shows. */
		assert_int_equal(plan_random(&q, seed, 1 + seed % 50, 1 + seed % 6), 0);
		assert_true(plan_equal(&p, &q));
		q.config.ipsecdiagnostics = 7;
		assert_false(plan_equal(&p, &q));
		q.config.ipsecdiagnostics = p.config.ipsecdiagnostics;
		q.filters[0].reqid ^= 1;
		assert_false(plan_equal(&p, &q));
		q.filters[0].reqid ^= 1;
		q.rules[0].mmpfs = !q.rules[0].mmpfs;
		assert_false(plan_equal(&p, &q));
		q.rules[0].mmpfs = !q.rules[0].mmpfs;
		assert_true(plan_equal(&p, &q));
		plan_free(&q);
		for (int k = 0; k < 200; k++) {
			struct plan_pkt a;
			int i;

			plan_random_pkt(&p, &st, &a);
			i = plan_match(&p, &a);
			total++;
			if (i >= 0) {
				hits++;
				/* Nothing before the winner matches. */
				for (int j = 0; j < i; j++)
					assert_false(plan_sel_match(&p.filters[j].sel, &a));
				assert_true(plan_sel_match(&p.filters[i].sel, &a));
			}
		}
		plan_free(&p);
	}
	/* The packets are drawn near the filters: most of them must hit. */
	assert_true(hits * 2 > total);
}

static void test_random_extras(void **state)
{
	size_t kinds[3] = {0}, tunnels = 0;

	for (unsigned seed = 0; seed < 100; seed++) {
		struct plan a, b;
		unsigned st = seed;

		assert_int_equal(plan_random(&a, seed, 30, 4), 0);
		assert_int_equal(
			plan_random_ext(&b, seed, 30, 4, PLAN_RANDOM_CONNTYPE | PLAN_RANDOM_TUNNEL),
			0);
		/* Same filters, in the same order. */
		assert_int_equal(a.n_filters, b.n_filters);
		for (size_t i = 0; i < a.n_filters; i++)
			assert_memory_equal(&a.filters[i].sel, &b.filters[i].sel,
					    sizeof(a.filters[i].sel));
		for (size_t i = 0; i < b.n_rules; i++) {
			kinds[b.rules[i].conntype]++;
			tunnels += b.rules[i].tunnel;
			assert_false(b.rules[i].tunnel && b.rules[i].action != NS_ACTION_NEGOTIATE);
		}
		for (size_t i = 0; i < b.n_filters; i++)
			assert_int_equal(b.filters[i].tunnel, b.rules[b.filters[i].rule].tunnel);
		/* On an interface of each kind, a filter of a rule of the other
		 * kind never decides. */
		for (int k = 0; k < 100; k++) {
			struct plan_pkt pk;
			int i;

			plan_random_pkt(&b, &st, &pk);
			pk.ifname = k & 1 ? "ppp0" : "eth0";
			i = plan_match(&b, &pk);
			if (i >= 0)
				assert_true(plan_conntype_applies(
					b.rules[b.filters[i].rule].conntype, pk.ifname));
		}
		plan_free(&a);
		plan_free(&b);
	}
	assert_true(kinds[NS_CONN_ALL] && kinds[NS_CONN_LAN] && kinds[NS_CONN_DIALUP]);
	assert_true(tunnels > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sel_match),
		cmocka_unit_test(test_specific_permit_in_negotiate),
		cmocka_unit_test(test_specific_block_in_permit),
		cmocka_unit_test(test_equal_selectors_block_wins),
		cmocka_unit_test(test_protocol_beats_prefix),
		cmocka_unit_test(test_exemptions),
		cmocka_unit_test(test_conntype),
		cmocka_unit_test(test_sort_stable),
		cmocka_unit_test(test_random_plans),
		cmocka_unit_test(test_random_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
