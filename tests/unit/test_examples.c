// SPDX-License-Identifier: GPL-2.0
/* restorepolicyexamples: the objects, their fixed GUIDs, both releases. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/guid.h"
#include "netsh/examples.h"
#include "netsh/export.h"

static void t_objects(void **state)
{
	struct ns_db db;
	char err[128];
	const struct ns_policy *p;
	const struct ns_filteraction *fa;
	const struct ns_filterlist *fl;

	assert_int_equal(ns_examples_build(&db, NS_EXAMPLES_WIN2003, err, sizeof(err)), 0);
	assert_int_equal(db.n_filterlists, 2);
	assert_int_equal(db.n_policies, 3);
	assert_int_equal(db.n_filteractions, 6); /* 3 + one default response per policy */

	fl = ns_db_filterlist_by_name(&db, "All IP Traffic");
	assert_non_null(fl);
	assert_string_equal(fl->guid, "{7238523A-70FA-11D1-864C-14A300000000}");
	assert_int_equal(fl->n_filters, 1);
	assert_int_equal(fl->filters[0].src.kind, NS_ADDR_ME);
	assert_int_equal(fl->filters[0].dst.kind, NS_ADDR_ANY);
	assert_int_equal(fl->filters[0].protocol, NS_PROTO_ANY);
	assert_true(fl->filters[0].mirrored);
	fl = ns_db_filterlist_by_name(&db, "All ICMP Traffic");
	assert_string_equal(fl->guid, "{72385235-70FA-11D1-864C-14A300000000}");
	assert_int_equal(fl->filters[0].protocol, NS_PROTO_ICMP);

	fa = ns_db_filteraction_by_name(&db, "Permit");
	assert_string_equal(fa->guid, "{7238523B-70FA-11D1-864C-14A300000000}");
	assert_int_equal(fa->action, NS_ACTION_PERMIT);
	fa = ns_db_filteraction_by_name(&db, "Request Security (Optional)");
	assert_string_equal(fa->guid, "{72385233-70FA-11D1-864C-14A300000000}");
	assert_true(fa->inpass && fa->soft);
	assert_int_equal(fa->n_methods, 6);
	assert_int_equal(fa->methods[4].kind, NS_QM_AH);
	assert_int_equal(fa->methods[5].ah_hash, NS_HASH_MD5);
	fa = ns_db_filteraction_by_name(&db, "Require Security");
	assert_string_equal(fa->guid, "{7238523F-70FA-11D1-864C-14A300000000}");
	assert_true(fa->inpass && !fa->soft);
	assert_int_equal(fa->n_methods, 4);
	assert_int_equal(fa->methods[3].esp_conf, NS_CIPHER_DES);
	assert_int_equal(fa->methods[3].esp_auth, NS_HASH_MD5);

	p = ns_db_policy_by_name(&db, "Client (Respond Only)");
	assert_string_equal(p->guid, "{72385236-70FA-11D1-864C-14A300000000}");
	assert_int_equal(p->n_rules, 0);
	assert_true(p->default_rule.is_default && p->default_rule.active);
	assert_int_equal(p->default_rule.auth[0].kind, NS_AUTH_KERBEROS);
	fa = ns_db_filteraction_by_guid(&db, p->default_rule.filteraction_guid);
	assert_int_equal(fa->type, NS_FA_DEFAULT_RESPONSE);

	p = ns_db_policy_by_name(&db, "Server (Request Security)");
	assert_string_equal(p->guid, "{72385230-70FA-11D1-864C-14A300000000}");
	assert_int_equal(p->n_rules, 2);
	assert_string_equal(p->rules[0].filteraction_guid,
			    "{72385233-70FA-11D1-864C-14A300000000}");
	assert_string_equal(p->rules[1].filterlist_guid, "{72385235-70FA-11D1-864C-14A300000000}");
	assert_string_equal(p->rules[1].filteraction_guid,
			    "{7238523B-70FA-11D1-864C-14A300000000}");

	p = ns_db_policy_by_name(&db, "Secure Server (Require Security)");
	assert_string_equal(p->guid, "{7238523C-70FA-11D1-864C-14A300000000}");
	assert_string_equal(p->rules[0].filteraction_guid,
			    "{7238523F-70FA-11D1-864C-14A300000000}");
	for (size_t i = 0; i < db.n_policies; i++) {
		p = &db.policies[i];
		assert_false(p->assigned);
		assert_int_equal(p->pollinginterval_min, 180);
		assert_int_equal(p->mmlifetime_min, 480);
		assert_int_equal(p->n_mm_methods, 4);
		assert_int_equal(p->mm_methods[2].cipher, NS_CIPHER_DES);
		assert_int_equal(p->mm_methods[2].group, NS_DH_1);
		for (size_t j = 0; j < p->n_rules; j++) {
			assert_int_equal(p->rules[j].n_auth, 1);
			assert_int_equal(p->rules[j].auth[0].kind, NS_AUTH_KERBEROS);
		}
	}
	ns_db_free(&db);
}

/* Every GUID is canonical and unique, and two builds are identical, so a
 * restore replaces the same objects every time. */
static void t_fixed_and_unique(void **state)
{
	struct ns_db a, b, k;
	const char *g[64];
	size_t n = 0;
	char canon[NS_GUID_LEN + 1];

	assert_int_equal(ns_examples_build(&a, NS_EXAMPLES_WIN2003, NULL, 0), 0);
	assert_int_equal(ns_examples_build(&b, NS_EXAMPLES_WIN2003, NULL, 0), 0);
	assert_int_equal(ns_examples_build(&k, NS_EXAMPLES_WIN2K, NULL, 0), 0);
	assert_true(ns_db_equal(&a, &b));
	assert_true(ns_db_equal(&a, &k));
	for (size_t i = 0; i < a.n_filterlists; i++) {
		g[n++] = a.filterlists[i].guid;
		for (size_t j = 0; j < a.filterlists[i].n_filters; j++)
			g[n++] = a.filterlists[i].filters[j].guid;
	}
	for (size_t i = 0; i < a.n_filteractions; i++)
		g[n++] = a.filteractions[i].guid;
	for (size_t i = 0; i < a.n_policies; i++) {
		g[n++] = a.policies[i].guid;
		g[n++] = a.policies[i].isakmp_guid;
		g[n++] = a.policies[i].default_rule.guid;
		for (size_t j = 0; j < a.policies[i].n_rules; j++)
			g[n++] = a.policies[i].rules[j].guid;
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(ns_guid_parse(g[i], canon));
		assert_string_equal(canon, g[i]);
		for (size_t j = 0; j < i; j++)
			assert_false(ns_guid_eq(g[i], g[j]));
	}
	ns_db_free(&a);
	ns_db_free(&b);
	ns_db_free(&k);
}

static void t_export_roundtrip(void **state)
{
	struct ns_db a, b;
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(ns_examples_build(&a, NS_EXAMPLES_WIN2K, NULL, 0), 0);
	assert_int_equal(ns_export_write(f, &a, err, sizeof(err)), 0);
	fclose(f);
	assert_int_equal(ns_export_read(buf, len, &b, err, sizeof(err)), 0);
	assert_true(ns_db_equal(&a, &b));
	free(buf);
	ns_db_free(&a);
	ns_db_free(&b);
}

static void t_bad_release(void **state)
{
	struct ns_db a;
	char err[128] = "";

	assert_int_equal(ns_examples_build(&a, (enum ns_examples_release)7, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(a.n_policies, 0);
	assert_non_null(strstr(err, "release"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_objects),
		cmocka_unit_test(t_fixed_and_unique),
		cmocka_unit_test(t_export_roundtrip),
		cmocka_unit_test(t_bad_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
