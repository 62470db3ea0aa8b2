// SPDX-License-Identifier: GPL-2.0
/* The dynamic context's model: ranges into prefixes, rules into policies,
 * the runtime store round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/dynstore.h"

static uint64_t covered(const uint32_t *addr, const uint8_t *plen, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += 1ull << (32 - plen[i]);
	return total;
}

static void range_prefixes(void **state)
{
	uint32_t addr[NS_RANGE_MAX_PREFIXES];
	uint8_t plen[NS_RANGE_MAX_PREFIXES];
	size_t n;

	(void)state;
	n = ns_range_to_prefixes(0x0a000001, 0x0a000009, addr, plen, NS_RANGE_MAX_PREFIXES);
	assert_int_equal(n, 4); /* .1/32 .2/31 .4/30 .8/31 */
	assert_int_equal(addr[0], 0x0a000001);
	assert_int_equal(plen[0], 32);
	assert_int_equal(addr[3], 0x0a000008);
	assert_int_equal(plen[3], 31);
	assert_int_equal(covered(addr, plen, n), 9);

	n = ns_range_to_prefixes(0, 0xffffffffu, addr, plen, NS_RANGE_MAX_PREFIXES);
	assert_int_equal(n, 1);
	assert_int_equal(plen[0], 0);

	n = ns_range_to_prefixes(1, 0xfffffffeu, addr, plen, NS_RANGE_MAX_PREFIXES);
	assert_int_equal(n, 62);
	assert_int_equal(covered(addr, plen, n), 0xfffffffeull);

	/* Random ranges: contiguous, aligned, exactly covering. */
	srand(7);
	for (int t = 0; t < 2000; t++) {
		uint32_t a = (uint32_t)rand() * 2654435761u, b = a + (uint32_t)(rand() % 100000);

		if (b < a)
			b = 0xffffffffu;
		n = ns_range_to_prefixes(a, b, addr, plen, NS_RANGE_MAX_PREFIXES);
		assert_true(n > 0 && n <= NS_RANGE_MAX_PREFIXES);
		uint64_t next = a;

		for (size_t i = 0; i < n; i++) {
			uint64_t size = 1ull << (32 - plen[i]);

			assert_int_equal(addr[i], (uint32_t)next);
			assert_int_equal(addr[i] & (uint32_t)(size - 1), 0);
			next += size;
		}
		assert_true(next == (uint64_t)b + 1);
	}
}

static void build_db(struct ns_dyn_db *d)
{
	memset(d, 0, sizeof(*d));
	d->mm = calloc(1, sizeof(*d->mm));
	d->mm[0].name = strdup("mm");
	d->mm[0].mmlifetime_min = 60;
	d->mm[0].methods = calloc(1, sizeof(*d->mm[0].methods));
	d->mm[0].methods[0] = ns_default_mm_methods[0];
	d->mm[0].n_methods = 1;
	d->n_mm = 1;
	d->qm = calloc(1, sizeof(*d->qm));
	d->qm[0].name = strdup("qm");
	d->qm[0].pfs = NS_PFS_GRP2;
	d->qm[0].methods = calloc(1, sizeof(*d->qm[0].methods));
	d->qm[0].methods[0] = ns_default_qm_methods[0];
	d->qm[0].n_methods = 1;
	d->n_qm = 1;
	d->rules = calloc(1, sizeof(*d->rules));
	struct ns_dyn_rule *r = &d->rules[0];

	r->id = 4;
	r->src.ep.kind = NS_ADDR_ME;
	r->src.ep.mask = ~0u;
	r->dst.ep.kind = NS_ADDR_IP;
	r->dst.range = true;
	r->dst.ep.addr = 0x0a000001;
	r->dst.range_end = 0x0a000009;
	r->protocol = 6;
	r->dstport = 80;
	r->mirrored = true;
	r->action_in = NS_ACTION_PERMIT;
	r->action_out = NS_ACTION_NEGOTIATE;
	r->mmpolicy = strdup("mm");
	r->qmpolicy = strdup("qm");
	r->auth = calloc(1, sizeof(*r->auth));
	r->auth[0].kind = NS_AUTH_PSK;
	r->auth[0].value = strdup("k");
	r->n_auth = 1;
	d->n_rules = 1;
}

static void rules_as_policies(void **state)
{
	struct ns_dyn_db d;
	struct ns_db db;
	char err[256];

	(void)state;
	build_db(&d);
	assert_int_equal(ns_dyn_to_db(&d, &db, err, sizeof(err)), 0);
	assert_int_equal(db.n_policies, 1);
	assert_true(db.policies[0].assigned);
	assert_int_equal(db.policies[0].mmlifetime_min, 60);
	assert_int_equal(db.filterlists[0].n_filters, 4); /* me x 4 prefixes */
	assert_int_equal(db.filteractions[0].action, NS_ACTION_NEGOTIATE);
	assert_true(db.filteractions[0].inpass);
	assert_true(db.filteractions[0].qmpfs);
	assert_string_equal(db.policies[0].rules[0].auth[0].value, "k");
	/* Stable GUIDs: the same rules give the same plan. */
	assert_string_equal(db.policies[0].guid, "{4E534459-0003-0000-0000-000000000004}");
	ns_db_free(&db);
	ns_dyn_db_free(&d);
}

static void store_round_trip(void **state)
{
	char dir[] = "/tmp/ns-dyn-XXXXXX", err[256], path[64];
	struct ns_dynstore *ds;
	struct ns_dyn_db d, back;

	(void)state;
	assert_non_null(mkdtemp(dir));
	build_db(&d);
	assert_int_equal(ns_dyn_open(dir, &ds, err, sizeof(err)), 0);
	assert_int_equal(ns_dyn_begin(ds, err, sizeof(err)), 0);
	assert_int_equal(ns_dyn_save(ds, &d, err, sizeof(err)), 0);
	assert_int_equal(ns_dyn_commit(ds, err, sizeof(err)), 0);
	ns_dyn_close(ds);
	assert_int_equal(ns_dyn_read(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_rules, 1);
	assert_int_equal(back.rules[0].id, 4);
	assert_true(back.rules[0].dst.range);
	assert_int_equal(back.rules[0].dst.range_end, 0x0a000009);
	assert_int_equal(back.qm[0].pfs, NS_PFS_GRP2);
	assert_int_equal(back.mm[0].n_methods, 1);
	assert_int_equal(back.rules[0].auth[0].kind, NS_AUTH_PSK);
	assert_string_equal(back.rules[0].auth[0].value, "k");
	ns_dyn_db_free(&back);
	ns_dyn_db_free(&d);
	snprintf(path, sizeof(path), "%s/dynamic.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dynamic.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dynamic.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_prefixes),
		cmocka_unit_test(rules_as_policies),
		cmocka_unit_test(store_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
