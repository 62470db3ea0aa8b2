// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM lowering without a kernel: priorities follow plan order, the set of
 * filters XFRM needs is exactly "negotiate, or overlapped by a later needed
 * filter", and the policy XFRM would pick (lowest priority among the
 * matching installed ones) has the action the reference matcher gives;
 * where XFRM has no policy the plan never says negotiate.
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

#include "apply/match.h"
#include "apply/vici_lower.h"
#include "apply/xfrm.h"

static bool overlap(const struct plan_sel *a, const struct plan_sel *b)
{
	uint32_t ms = plan_plen_mask(a->src_plen < b->src_plen ? a->src_plen : b->src_plen);
	uint32_t md = plan_plen_mask(a->dst_plen < b->dst_plen ? a->dst_plen : b->dst_plen);

	return (a->src & ms) == (b->src & ms) && (a->dst & md) == (b->dst & md) &&
	       (!a->proto || !b->proto || a->proto == b->proto) &&
	       (!a->sport || !b->sport || a->sport == b->sport) &&
	       (!a->dport || !b->dport || a->dport == b->dport);
}

static void check_plan(unsigned seed, size_t n, size_t classes)
{
	struct plan p = {0};
	uint32_t *prio;
	bool *needed;
	unsigned st = seed;

	assert_int_equal(plan_random(&p, seed, n, classes), 0);
	prio = calloc(p.n_filters + 1, sizeof(*prio));
	needed = calloc(p.n_filters + 1, sizeof(*needed));
	assert_non_null(prio);
	assert_non_null(needed);
	assert_int_equal(xfrm_filter_priorities(&p, prio), 0);
	for (size_t i = 0; i < p.n_filters; i++) {
		assert_true(xfrm_prio_is_ours(prio[i]));
		if (i)
			assert_true(prio[i] >= prio[i - 1]);
		/* Equal priority only for equal weight (then they cannot overlap
		 * unless identical). */
		if (i && prio[i] == prio[i - 1])
			assert_int_equal(p.filters[i].weight, p.filters[i - 1].weight);
	}

	long cnt = xfrm_needed_filters(&p, needed);
	long brute = 0;

	/* Closure, from the last filter back: later ones are settled first. */
	bool *want = calloc(p.n_filters + 1, sizeof(*want));

	assert_non_null(want);
	for (size_t i = p.n_filters; i-- > 0;) {
		want[i] = p.filters[i].action == NS_ACTION_NEGOTIATE;
		for (size_t j = i + 1; j < p.n_filters && !want[i]; j++)
			want[i] = want[j] && overlap(&p.filters[i].sel, &p.filters[j].sel);
		assert_int_equal(needed[i], want[i]);
		brute += want[i];
	}
	free(want);
	assert_int_equal(cnt, brute);

	for (int k = 0; k < 5000; k++) {
		struct plan_pkt pkt;
		long best = -1;
		int w;

		plan_random_pkt(&p, &st, &pkt);
		pkt.ifname = NULL;
		if (plan_exempt_pkt(&p, &pkt))
			continue;
		w = plan_match(&p, &pkt);
		for (size_t i = 0; i < p.n_filters; i++) {
			if (!needed[i] || !plan_sel_match(&p.filters[i].sel, &pkt))
				continue;
			if (best < 0 || prio[i] < prio[best])
				best = (long)i;
			else if (prio[i] == prio[best])
				/* A tie is only harmless between twins. */
				assert_int_equal(p.filters[i].action, p.filters[best].action);
		}
		/* Where XFRM has a policy it decides exactly as the plan. */
		if (best >= 0) {
			assert_true(w >= 0);
			assert_int_equal(p.filters[best].action, p.filters[w].action);
		} else {
			assert_true(w < 0 || p.filters[w].action != NS_ACTION_NEGOTIATE);
		}
	}
	free(prio);
	free(needed);
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

static void test_tiers(void **state)
{
	struct plan_filter f[3] = {0};
	struct plan p = {.filters = f, .n_filters = 3};
	uint32_t prio[3];

	(void)state;
	/* A broad filter first (persistent store), then more specific ones. */
	f[0].sel.src_plen = 8;
	f[1].sel.src_plen = 32;
	f[1].sel.dst_plen = 32;
	f[2].sel.src_plen = 16;
	assert_int_equal(xfrm_filter_priorities(&p, prio), 0);
	assert_true(prio[0] < prio[1]);
	assert_true(prio[1] < prio[2]);
	assert_true(prio[1] - XFRM_NS_PRIO_FILTER >= XFRM_NS_TIER);
}

static void test_too_many_tiers(void **state)
{
	struct plan_filter f[20] = {0};
	struct plan p = {.filters = f, .n_filters = 20};
	uint32_t prio[20];

	(void)state;
	for (int i = 0; i < 20; i++)
		f[i].sel.src_plen = (uint8_t)(i % 2 ? 8 : 32);
	assert_int_equal(xfrm_filter_priorities(&p, prio), -E2BIG);
}

/* The `ip -batch` line of one policy, or NULL. */
static const char *find_line(const char *all, const char *sel_dir, char *buf, size_t len)
{
	const char *l = strstr(all, sel_dir);
	const char *e;

	if (!l)
		return NULL;
	e = strchr(l, '\n');
	snprintf(buf, len, "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
	return buf;
}

/*
 * Windows' pair of one-way tunnel rules (loopback addresses stand in for
 * the gateways: the tunnel source is found through the routing table).
 * Outbound half: only out needs the tunnel.  Inbound half: in and fwd
 * need the SA of the outbound half's charon child, from the far gateway.
 * An inbound half without twin accepts its own child's SA from anyone.
 */
static void test_tunnel_halves(void **state)
{
	uint32_t me[1] = {0x7f000001};
	struct plan_rule r[3] = {0};
	struct plan_filter f[3] = {0};
	struct plan p = {
		.rules = r, .n_rules = 3, .filters = f, .n_filters = 3, .me = me, .n_me = 1};
	char err[256], *out = NULL, line[512];
	size_t outlen = 0;
	FILE *mf;
	int rc;

	(void)state;
	for (int i = 0; i < 3; i++) {
		r[i].action = NS_ACTION_NEGOTIATE;
		r[i].tunnel = true;
		r[i].rule_name = (char *)"t";
		f[i].rule = (uint32_t)i;
		f[i].action = NS_ACTION_NEGOTIATE;
		f[i].tunnel = true;
		f[i].id = (uint32_t)i + 1;
		f[i].reqid = PLAN_REQID_FILTER_BASE + (uint32_t)i + 1;
		f[i].sel.src_plen = f[i].sel.dst_plen = 24;
	}
	r[0].tunnel_dst = 0x7f000002; /* the far gateway */
	r[1].tunnel_dst = 0x7f000001; /* us */
	r[2].tunnel_dst = 0x7f000001;
	f[0].sel.src = 0x0a010000;
	f[0].sel.dst = 0x0a020000;
	f[1].sel.src = 0x0a020000;
	f[1].sel.dst = 0x0a010000;
	f[2].sel.src = 0x0a030000;
	f[2].sel.dst = 0x0a010000;
	for (int i = 0; i < 3; i++)
		f[i].weight = plan_weight(&f[i].sel, f[i].action);
	assert_int_equal(vici_child_reqid(&p, &f[1]), f[0].reqid);
	assert_int_equal(vici_child_reqid(&p, &f[2]), f[2].reqid);

	mf = open_memstream(&out, &outlen);
	assert_non_null(mf);
	rc = xfrm_print_ipbatch(&p, XFRM_SCOPE_NEEDED, mf, err, sizeof(err));
	fclose(mf);
	if (rc && strstr(err, "no local address")) {
		/* No route to 127.0.0.2: a sandbox without loopback. */
		free(out);
		skip();
	}
	assert_int_equal(rc, 0);

	assert_non_null(
		find_line(out, "src 10.1.0.0/24 dst 10.2.0.0/24 dir out", line, sizeof(line)));
	assert_non_null(strstr(
		line, "tmpl src 127.0.0.1 dst 127.0.0.2 proto esp reqid 1314127873 mode tunnel"));
	assert_non_null(
		find_line(out, "src 10.1.0.0/24 dst 10.2.0.0/24 dir fwd", line, sizeof(line)));
	assert_null(strstr(line, "tmpl"));
	assert_non_null(
		find_line(out, "src 10.1.0.0/24 dst 10.2.0.0/24 dir in", line, sizeof(line)));
	assert_null(strstr(line, "tmpl"));

	for (int d = 0; d < 2; d++) {
		assert_non_null(find_line(out,
					  d ? "src 10.2.0.0/24 dst 10.1.0.0/24 dir fwd"
					    : "src 10.2.0.0/24 dst 10.1.0.0/24 dir in",
					  line, sizeof(line)));
		assert_non_null(strstr(
			line,
			"tmpl src 127.0.0.2 dst 127.0.0.1 proto esp reqid 1314127873 mode tunnel"));
		assert_non_null(find_line(out,
					  d ? "src 10.3.0.0/24 dst 10.1.0.0/24 dir fwd"
					    : "src 10.3.0.0/24 dst 10.1.0.0/24 dir in",
					  line, sizeof(line)));
		assert_non_null(strstr(
			line,
			"tmpl src 0.0.0.0 dst 127.0.0.1 proto esp reqid 1314127875 mode tunnel"));
	}
	assert_non_null(
		find_line(out, "src 10.2.0.0/24 dst 10.1.0.0/24 dir out", line, sizeof(line)));
	assert_null(strstr(line, "tmpl"));
	assert_non_null(
		find_line(out, "src 10.3.0.0/24 dst 10.1.0.0/24 dir out", line, sizeof(line)));
	assert_null(strstr(line, "tmpl"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_plans),
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_too_many_tiers),
		cmocka_unit_test(test_tunnel_halves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
