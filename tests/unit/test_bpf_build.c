// SPDX-License-Identifier: GPL-2.0
/*
 * Lowering a plan into the classifier's tables, without privileges: class
 * runs, key merging, the class limit, test frames and the dry-run output
 * (including the nftables chain for local traffic).  Verdicts on real
 * programs are checked by tests/netns/bpf_differential.sh (needs root).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply/backend.h"
#include "apply/bpf_loader.h"
#include "apply/plan.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static struct plan_rule rules[3] = {
	{.action = NS_ACTION_PERMIT},
	{.action = NS_ACTION_BLOCK},
	{.action = NS_ACTION_NEGOTIATE, .mark = PLAN_MARK_BASE + 1},
};

static struct plan_filter mkf(uint32_t src, uint8_t sp, uint32_t dst, uint8_t dp, uint8_t proto,
			      uint16_t dport, uint32_t rule, uint32_t id)
{
	struct plan_filter f = {.sel = {src, dst, sp, dp, proto, 0, dport}, .rule = rule, .id = id};

	f.action = rules[rule].action;
	f.weight = plan_weight(&f.sel, f.action);
	return f;
}

static void mkplan(struct plan *p, struct plan_filter *f, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->rules = rules;
	p->n_rules = 3;
	p->filters = f;
	p->n_filters = n;
	plan_exempt_set(&p->exempt, 3);
}

static void test_empty(void **state)
{
	struct nsb_build *b;
	struct plan p;
	char err[128];

	mkplan(&p, NULL, 0);
	assert_int_equal(nsb_build_new(&p, &b, err, sizeof(err)), 0);
	assert_int_equal(nsb_build_classes(b), 0);
	assert_int_equal(nsb_build_entries(b), 0);
	nsb_build_free(b);
}

/* Same shape, one run: one class; equal selectors merge into one key. */
static void test_merge(void **state)
{
	struct plan_filter f[] = {
		mkf(IP(10, 0, 0, 1), 32, IP(10, 1, 0, 0), 16, 6, 80, 1, 1),
		mkf(IP(10, 0, 0, 1), 32, IP(10, 1, 0, 0), 16, 6, 80, 0, 2),
		mkf(IP(10, 0, 0, 2), 32, IP(10, 1, 0, 0), 16, 6, 443, 2, 3),
	};
	struct nsb_build *b;
	struct plan p;
	char err[128];

	mkplan(&p, f, 3);
	assert_int_equal(nsb_build_new(&p, &b, err, sizeof(err)), 0);
	assert_int_equal(nsb_build_classes(b), 1);
	assert_int_equal(nsb_build_entries(b), 2);
	nsb_build_free(b);
}

/* A shape that returns after another (persistent store first) is a new
 * class, so that class order stays plan order. */
static void test_tiers(void **state)
{
	struct plan_filter f[] = {
		mkf(IP(10, 0, 0, 1), 32, IP(10, 1, 0, 1), 32, 0, 0, 0, 1),
		mkf(IP(10, 0, 0, 0), 24, 0, 0, 0, 0, 1, 2),
		mkf(IP(10, 0, 0, 2), 32, IP(10, 1, 0, 2), 32, 0, 0, 2, 3),
	};
	struct nsb_build *b;
	struct plan p;
	char err[128];

	mkplan(&p, f, 3);
	assert_int_equal(nsb_build_new(&p, &b, err, sizeof(err)), 0);
	assert_int_equal(nsb_build_classes(b), 3);
	nsb_build_free(b);
}

static void test_too_many_classes(void **state)
{
	struct plan_filter f[2 * 130];
	struct nsb_build *b = NULL;
	struct plan p;
	char err[128] = "";

	/* Alternating shapes never form a run longer than one filter. */
	for (int i = 0; i < 2 * 130; i++)
		f[i] = mkf(IP(10, 0, 0, i & 0xff), (uint8_t)(i & 1 ? 32 : 24), 0, 0, 0, 0, 0,
			   (uint32_t)i + 1);
	mkplan(&p, f, 2 * 130);
	assert_int_equal(nsb_build_new(&p, &b, err, sizeof(err)), -E2BIG);
	assert_null(b);
	assert_non_null(strstr(err, "classes"));
}

static void test_broadcast_keys(void **state)
{
	struct plan_filter f[] = {mkf(0, 0, 0, 0, 0, 0, 1, 1)};
	uint32_t bc[] = {IP(10, 0, 0, 255), IP(10, 9, 255, 255)};
	struct nsb_build *b;
	struct plan p;
	char err[128];

	mkplan(&p, f, 1);
	plan_exempt_set(&p.exempt, 0);
	p.bcast = bc;
	p.n_bcast = 2;
	assert_int_equal(nsb_build_new(&p, &b, err, sizeof(err)), 0);
	assert_int_equal(nsb_build_entries(b), 3);
	nsb_build_free(b);
}

static void test_frame(void **state)
{
	struct plan_pkt pk = {.src = IP(1, 2, 3, 4), .dst = IP(5, 6, 7, 8), .proto = 17,
			      .sport = 1000, .dport = 53};
	uint8_t buf[128];
	size_t n = nsb_frame(&pk, buf, sizeof(buf));

	assert_int_equal(n, 14 + 20 + 8);
	assert_int_equal(buf[12], 0x08);
	assert_int_equal(buf[14], 0x45);
	assert_int_equal(buf[14 + 9], 17);
	assert_memory_equal(buf + 14 + 12, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(buf[34] << 8 | buf[35], 1000);
	assert_int_equal(buf[36] << 8 | buf[37], 53);
	assert_int_equal(nsb_frame(&pk, buf, 20), 0);
}

/* -n -v prints the tables and the local-traffic chain, touching nothing. */
static void test_dry_run(void **state)
{
	struct plan_filter f[] = {
		mkf(IP(10, 0, 0, 1), 32, IP(10, 1, 0, 0), 16, 6, 80, 2, 1),
		mkf(IP(10, 0, 0, 1), 32, 0, 0, 0, 0, 0, 2),
	};
	uint32_t me = IP(10, 0, 0, 1);
	char *text = NULL, err[128] = "";
	size_t len = 0;
	struct plan p;
	FILE *out = open_memstream(&text, &len);
	struct apply_opts o = {.dry_run = true, .verbose = true, .out = out};

	assert_non_null(out);
	mkplan(&p, f, 2);
	p.me = &me;
	p.n_me = 1;
	assert_int_equal(bpf_backend_apply(&p, &o, err, sizeof(err)), 0);
	fclose(out);
	assert_non_null(strstr(text, "bpf: 2 classes, 2 keys"));
	assert_non_null(strstr(text, "table ip netsh_ipsec_bpf {"));
	assert_non_null(strstr(text, "meta mark set 0x4e530001 accept"));
	assert_non_null(strstr(text, "ip saddr . ip daddr & 255.255.0.0 . meta l4proto . th dport vmap @c0_lan"));
	assert_non_null(strstr(text, "10.0.0.1 . 10.1.0.0 . 6 . 80 : jump m_4e530001"));
	assert_non_null(strstr(text, "ip saddr vmap @c1_dialup"));
	assert_non_null(strstr(text, "udp dport { 500, 4500 } accept"));
	assert_non_null(strstr(text, "oifname \"ppp*\" goto local_dialup"));
	assert_non_null(strstr(text, "goto local_lan"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),       cmocka_unit_test(test_merge),
		cmocka_unit_test(test_tiers),       cmocka_unit_test(test_too_many_classes),
		cmocka_unit_test(test_broadcast_keys), cmocka_unit_test(test_frame),
		cmocka_unit_test(test_dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
