// SPDX-License-Identifier: GPL-2.0
/* The SQLite store: object calls, load/merge round trip, GUID case,
 * one assigned policy, transactions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ctype.h>

#include <cmocka.h>

#include "lib/guid.h"
#include "lib/store.h"
#include "lib/store_objects.h"

static char err[512];

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* A small db: one list with two filters, one action, one policy with a
 * rule and its default response rule. */
static void make_db(struct ns_db *db, bool assigned)
{
	struct ns_filterlist *fl;
	struct ns_filteraction *fa;
	struct ns_policy *p;

	memset(db, 0, sizeof(*db));
	db->filterlists = calloc(1, sizeof(*fl));
	db->filteractions = calloc(2, sizeof(*fa));
	db->policies = calloc(1, sizeof(*p));
	assert_non_null(db->filterlists);
	db->n_filterlists = 1;
	db->n_filteractions = 2;
	db->n_policies = 1;

	fl = &db->filterlists[0];
	ns_guid_new(fl->guid);
	fl->name = xstrdup("List");
	fl->description = xstrdup("d");
	fl->whenchanged = 42;
	fl->n_filters = 2;
	fl->filters = calloc(2, sizeof(*fl->filters));
	for (int i = 0; i < 2; i++) {
		struct ns_filter *f = &fl->filters[i];

		ns_guid_new(f->guid);
		f->description = xstrdup(i ? "second" : "first");
		f->src.kind = NS_ADDR_ME;
		f->src.mask = 0xffffffffu;
		f->dst.kind = i ? NS_ADDR_DNS_NAME : NS_ADDR_IP;
		f->dst.addr = 0x0a000000u + (uint32_t)i;
		f->dst.mask = 0xffffff00u;
		f->dst.dnsname = i ? xstrdup("host.example") : NULL;
		f->protocol = 6;
		f->dstport = (uint16_t)(80 + i);
		f->mirrored = i == 0;
	}

	fa = &db->filteractions[0];
	ns_guid_new(fa->guid);
	fa->name = xstrdup("Act");
	fa->description = xstrdup("");
	fa->action = NS_ACTION_NEGOTIATE;
	fa->qmpfs = true;
	fa->n_methods = 2;
	fa->methods = calloc(2, sizeof(*fa->methods));
	memcpy(fa->methods, ns_default_qm_methods, sizeof(ns_default_qm_methods));
	fa->methods[1].kind = NS_QM_AH_ESP;
	fa->methods[1].ah_hash = NS_HASH_SHA256;

	p = &db->policies[0];
	ns_guid_new(p->guid);
	ns_guid_new(p->isakmp_guid);
	p->name = xstrdup("Pol");
	p->description = xstrdup("desc");
	p->gponame = xstrdup("");
	p->mmlifetime_min = 480;
	p->pollinginterval_min = 180;
	p->qmpermm = 7;
	p->assigned = assigned;
	p->n_mm_methods = 3;
	p->mm_methods = calloc(3, sizeof(*p->mm_methods));
	memcpy(p->mm_methods, ns_default_mm_methods, sizeof(ns_default_mm_methods));
	p->n_rules = 1;
	p->rules = calloc(1, sizeof(*p->rules));
	ns_guid_new(p->rules[0].guid);
	p->rules[0].name = xstrdup("Rule");
	p->rules[0].description = xstrdup("");
	memcpy(p->rules[0].filterlist_guid, fl->guid, sizeof(fl->guid));
	memcpy(p->rules[0].filteraction_guid, fa->guid, sizeof(fa->guid));
	p->rules[0].tunnel_set = true;
	p->rules[0].tunnel_addr = 0x01020304;
	p->rules[0].conntype = NS_CONN_LAN;
	p->rules[0].active = true;
	p->rules[0].n_auth = 2;
	p->rules[0].auth = calloc(2, sizeof(struct ns_auth));
	p->rules[0].auth[0].kind = NS_AUTH_ROOTCA;
	p->rules[0].auth[0].value = xstrdup("CN=\"x\"");
	p->rules[0].auth[0].certmap = true;
	p->rules[0].auth[1].kind = NS_AUTH_PSK;
	p->rules[0].auth[1].value = xstrdup("k");

	/* The default response rule with its hidden action. */
	fa = &db->filteractions[1];
	ns_guid_new(fa->guid);
	fa->name = xstrdup("Default Response");
	fa->description = xstrdup("");
	fa->type = NS_FA_DEFAULT_RESPONSE;
	fa->action = NS_ACTION_NEGOTIATE;
	ns_guid_new(p->default_rule.guid);
	p->default_rule.name = xstrdup("");
	p->default_rule.description = xstrdup("");
	p->default_rule.is_default = true;
	p->default_rule.active = true;
	memcpy(p->default_rule.filteraction_guid, fa->guid, sizeof(fa->guid));
}

static void assert_db_equal(const struct ns_db *a, const struct ns_db *b)
{
	assert_int_equal(a->n_filterlists, b->n_filterlists);
	assert_int_equal(a->n_filteractions, b->n_filteractions);
	assert_int_equal(a->n_policies, b->n_policies);
	for (size_t i = 0; i < a->n_filterlists; i++) {
		const struct ns_filterlist *x = &a->filterlists[i], *y = &b->filterlists[i];

		assert_true(ns_guid_eq(x->guid, y->guid));
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->description, y->description);
		assert_int_equal(x->n_filters, y->n_filters);
		for (size_t j = 0; j < x->n_filters; j++) {
			const struct ns_filter *f = &x->filters[j], *g = &y->filters[j];

			assert_true(ns_guid_eq(f->guid, g->guid));
			assert_string_equal(f->description, g->description);
			assert_int_equal(f->src.kind, g->src.kind);
			assert_int_equal(f->dst.kind, g->dst.kind);
			assert_int_equal(f->dst.addr, g->dst.addr);
			assert_int_equal(f->dst.mask, g->dst.mask);
			if (f->dst.dnsname || g->dst.dnsname)
				assert_string_equal(f->dst.dnsname, g->dst.dnsname);
			assert_int_equal(f->protocol, g->protocol);
			assert_int_equal(f->dstport, g->dstport);
			assert_int_equal(f->mirrored, g->mirrored);
		}
	}
	for (size_t i = 0; i < a->n_filteractions; i++) {
		const struct ns_filteraction *x = &a->filteractions[i], *y = &b->filteractions[i];

		assert_true(ns_guid_eq(x->guid, y->guid));
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->qmpfs, y->qmpfs);
		assert_int_equal(x->n_methods, y->n_methods);
		assert_memory_equal(x->methods, y->methods, x->n_methods * sizeof(*x->methods));
	}
	for (size_t i = 0; i < a->n_policies; i++) {
		const struct ns_policy *x = &a->policies[i], *y = &b->policies[i];

		assert_true(ns_guid_eq(x->guid, y->guid));
		assert_true(ns_guid_eq(x->isakmp_guid, y->isakmp_guid));
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->qmpermm, y->qmpermm);
		assert_int_equal(x->assigned, y->assigned);
		assert_int_equal(x->n_mm_methods, y->n_mm_methods);
		assert_memory_equal(x->mm_methods, y->mm_methods,
				    x->n_mm_methods * sizeof(*x->mm_methods));
		assert_int_equal(x->n_rules, y->n_rules);
		for (size_t j = 0; j < x->n_rules; j++) {
			const struct ns_rule *r = &x->rules[j], *s = &y->rules[j];

			assert_true(ns_guid_eq(r->guid, s->guid));
			assert_string_equal(r->name, s->name);
			assert_true(ns_guid_eq(r->filterlist_guid, s->filterlist_guid));
			assert_int_equal(r->tunnel_addr, s->tunnel_addr);
			assert_int_equal(r->conntype, s->conntype);
			assert_int_equal(r->n_auth, s->n_auth);
			for (size_t k = 0; k < r->n_auth; k++) {
				assert_int_equal(r->auth[k].kind, s->auth[k].kind);
				assert_string_equal(r->auth[k].value, s->auth[k].value);
				assert_int_equal(r->auth[k].certmap, s->auth[k].certmap);
			}
		}
		assert_true(ns_guid_eq(x->default_rule.guid, y->default_rule.guid));
		assert_true(y->default_rule.is_default);
	}
}

static char dir[] = "/tmp/test_store.XXXXXX";

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_open(void **state)
{
	struct ns_store *st;
	struct stat sb;
	char path[512];

	assert_int_equal(ns_store_open(dir, NS_STORE_DOMAIN, &st, err, sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "the domain store (Active Directory) is not supported yet");
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(ns_store_open(path, NS_STORE_PERSISTENT, &st, err, sizeof(err)), 0);
	ns_store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/sub/persistent.db", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_string_equal(ns_store_location_name(NS_STORE_LOCAL), "local");
	setenv("NETSH_IPSEC_DIR", dir, 1);
	assert_string_equal(ns_store_dir(), dir);
	unsetenv("NETSH_IPSEC_DIR");
	assert_string_equal(ns_store_dir(), NS_STORE_DEFAULT_DIR);
}

static void test_roundtrip(void **state)
{
	struct ns_store *st;
	struct ns_db in, out, again;

	make_db(&in, true);
	assert_int_equal(ns_store_open(dir, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	assert_int_equal(ns_store_merge(st, &in, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_db_equal(&in, &out);
	/* Merging what was loaded changes nothing. */
	assert_int_equal(ns_store_merge(st, &out, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &again, err, sizeof(err)), 0);
	assert_db_equal(&in, &again);
	ns_db_free(&again);
	ns_db_free(&out);
	ns_db_free(&in);
	ns_store_close(st);

	/* And it survives a reopen. */
	assert_int_equal(ns_store_open(dir, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_int_equal(out.n_policies, 1);
	assert_int_equal(out.filterlists[0].n_filters, 2);
	ns_db_free(&out);
	ns_store_close(st);
}

/* Import overwrites by GUID whatever the case of the GUID text. */
static void test_merge_guid_case(void **state)
{
	struct ns_store *st;
	struct ns_db a, b, out;

	assert_int_equal(ns_store_open(NULL, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	make_db(&a, false);
	assert_int_equal(ns_store_merge(st, &a, err, sizeof(err)), 0);
	make_db(&b, true);
	/* Same objects, lower-case GUIDs, new content. */
	for (char *p = a.policies[0].guid; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	memcpy(b.policies[0].guid, a.policies[0].guid, sizeof(b.policies[0].guid));
	for (char *p = a.filterlists[0].guid; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	memcpy(b.filterlists[0].guid, a.filterlists[0].guid, sizeof(b.filterlists[0].guid));
	memcpy(b.policies[0].rules[0].filterlist_guid, a.filterlists[0].guid, NS_GUID_LEN + 1);
	free(b.policies[0].name);
	b.policies[0].name = xstrdup("Renamed");
	ns_filter_free(&b.filterlists[0].filters[1]);
	b.filterlists[0].n_filters = 1;
	assert_int_equal(ns_store_merge(st, &b, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_int_equal(out.n_policies, 1);
	assert_string_equal(out.policies[0].name, "Renamed");
	assert_int_equal(out.n_filterlists, 1);
	assert_int_equal(out.filterlists[0].n_filters, 1);
	/* a's two actions stay (other GUIDs), b's two are added. */
	assert_int_equal(out.n_filteractions, 4);
	assert_non_null(ns_db_policy_by_guid(&out, a.policies[0].guid));
	ns_db_free(&out);
	ns_db_free(&a);
	ns_db_free(&b);
	ns_store_close(st);
}

/* An imported filter whose GUID another list holds moves to the new list. */
static void test_merge_filter_guid_taken(void **state)
{
	struct ns_store *st;
	struct ns_db a, c, out;

	assert_int_equal(ns_store_open(NULL, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	make_db(&a, false);
	assert_int_equal(ns_store_merge(st, &a, err, sizeof(err)), 0);
	make_db(&c, false);
	memcpy(c.filterlists[0].filters[0].guid, a.filterlists[0].filters[0].guid,
	       NS_GUID_LEN + 1);
	assert_int_equal(ns_store_merge(st, &c, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_int_equal(out.n_filterlists, 2);
	assert_int_equal(out.filterlists[0].n_filters, 1);
	assert_int_equal(out.filterlists[1].n_filters, 2);
	assert_true(ns_guid_eq(out.filterlists[1].filters[0].guid, a.filterlists[0].filters[0].guid));
	ns_db_free(&out);
	ns_db_free(&a);
	ns_db_free(&c);
	ns_store_close(st);
}

static void test_one_assigned(void **state)
{
	struct ns_store *st;
	struct ns_db a, b, out;

	assert_int_equal(ns_store_open(NULL, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	make_db(&a, true);
	make_db(&b, true);
	assert_int_equal(ns_store_merge(st, &a, err, sizeof(err)), 0);
	assert_int_equal(ns_store_merge(st, &b, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_int_equal(out.n_policies, 2);
	assert_false(out.policies[0].assigned);
	assert_true(out.policies[1].assigned);
	assert_true(ns_guid_eq(ns_db_assigned_policy(&out)->guid, b.policies[0].guid));
	ns_db_free(&out);
	assert_int_equal(ns_so_unassign_others(st, NULL, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &out, err, sizeof(err)), 0);
	assert_null(ns_db_assigned_policy(&out));
	ns_db_free(&out);
	ns_db_free(&a);
	ns_db_free(&b);
	ns_store_close(st);
}

static void test_objects(void **state)
{
	struct ns_store *st;
	struct ns_db a;
	struct ns_filterlist fl;
	struct ns_filteraction fa;
	struct ns_policy p;
	char rule[64], pol[64], **g;
	size_t n;

	assert_int_equal(ns_store_open(NULL, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	make_db(&a, false);
	assert_int_equal(ns_store_merge(st, &a, err, sizeof(err)), 0);

	assert_int_equal(ns_so_get_filterlist(st, "List", NULL, false, &fl, err, sizeof(err)), 0);
	assert_int_equal(fl.n_filters, 0);
	ns_filterlist_free(&fl);
	assert_int_equal(ns_so_get_filterlist(st, "list", NULL, true, &fl, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(ns_so_get_filterlist(st, NULL, a.filterlists[0].guid, true, &fl, err,
					      sizeof(err)),
			 0);
	assert_int_equal(fl.n_filters, 2);
	assert_int_equal(ns_so_delete_filter(st, fl.filters[0].guid, err, sizeof(err)), 0);
	ns_filterlist_free(&fl);
	assert_int_equal(ns_so_get_filterlist(st, "List", NULL, true, &fl, err, sizeof(err)), 0);
	assert_int_equal(fl.n_filters, 1);
	assert_int_equal(ns_so_add_filter(st, fl.guid, &a.filterlists[0].filters[0], err,
					  sizeof(err)),
			 0);
	ns_filterlist_free(&fl);
	assert_int_equal(ns_so_get_filterlist(st, "List", NULL, true, &fl, err, sizeof(err)), 0);
	assert_int_equal(fl.n_filters, 2);
	assert_string_equal(fl.filters[1].description, "first");
	ns_filterlist_free(&fl);

	/* Hidden actions are not found by name. */
	assert_int_equal(ns_so_get_filteraction(st, "Default Response", NULL, &fa, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(ns_so_list(st, NS_OBJ_FILTERACTION, &g, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	ns_so_free_list(g, n);

	assert_int_equal(ns_so_find_user(st, NS_OBJ_FILTERLIST, a.filterlists[0].guid, rule,
					 sizeof(rule), pol, sizeof(pol), err, sizeof(err)),
			 0);
	assert_string_equal(rule, "Rule");
	assert_string_equal(pol, "Pol");
	assert_int_equal(ns_so_find_user(st, NS_OBJ_FILTERACTION, a.filteractions[1].guid, rule,
					 sizeof(rule), pol, sizeof(pol), err, sizeof(err)),
			 0);
	assert_string_equal(rule, "(default response rule)");

	/* A failed transaction leaves nothing behind. */
	assert_int_equal(ns_store_begin(st, err, sizeof(err)), 0);
	assert_true(ns_store_in_txn(st));
	assert_int_equal(ns_store_begin(st, err, sizeof(err)), -EALREADY);
	assert_int_equal(ns_so_delete(st, NS_OBJ_POLICY, a.policies[0].guid, err, sizeof(err)), 0);
	assert_int_equal(ns_so_get_policy(st, "Pol", NULL, &p, err, sizeof(err)), -ENOENT);
	ns_store_rollback(st);
	assert_false(ns_store_in_txn(st));
	assert_int_equal(ns_so_get_policy(st, "Pol", NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_rules, 1);
	assert_int_equal(p.rules[0].n_auth, 2);
	ns_policy_free(&p);

	/* Deleting a policy takes its rules and its hidden action along. */
	assert_int_equal(ns_so_delete(st, NS_OBJ_POLICY, a.policies[0].guid, err, sizeof(err)), 0);
	assert_int_equal(ns_so_get_filteraction(st, NULL, a.filteractions[1].guid, &fa, err,
						sizeof(err)),
			 -ENOENT);
	assert_int_equal(ns_so_find_user(st, NS_OBJ_FILTERLIST, a.filterlists[0].guid, rule,
					 sizeof(rule), pol, sizeof(pol), err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(ns_so_delete(st, NS_OBJ_FILTERLIST, a.filterlists[0].guid, err, sizeof(err)),
			 0);
	assert_int_equal(ns_so_list(st, NS_OBJ_FILTERLIST, &g, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	ns_so_free_list(g, n);
	ns_db_free(&a);
	ns_store_close(st);
}

static void test_rules(void **state)
{
	struct ns_store *st;
	struct ns_db a;
	struct ns_rule r, r2;
	struct ns_policy p;
	unsigned n, pos;
	const char *pg;

	assert_int_equal(ns_store_open(NULL, NS_STORE_LOCAL, &st, err, sizeof(err)), 0);
	make_db(&a, false);
	assert_int_equal(ns_store_merge(st, &a, err, sizeof(err)), 0);
	pg = a.policies[0].guid;

	assert_int_equal(ns_so_get_policy_head(st, "Pol", NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_rules, 0);
	assert_int_equal(p.n_mm_methods, 3);
	ns_policy_free(&p);

	assert_int_equal(ns_so_rule_count(st, pg, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ns_so_get_rule(st, pg, NULL, 0, &r, &pos, err, sizeof(err)), 0);
	assert_true(r.is_default);
	assert_int_equal(pos, 0);
	ns_rule_free(&r);
	assert_int_equal(ns_so_get_rule(st, pg, "Rule", -1, &r, &pos, err, sizeof(err)), 0);
	assert_int_equal(pos, 1);
	assert_int_equal(r.n_auth, 2);

	/* Two more rules; the second copy gets new GUID and name. */
	for (int i = 2; i <= 3; i++) {
		r2 = r;
		ns_guid_new(r2.guid);
		r2.name = (char *)(i == 2 ? "Two" : "Three");
		r2.n_auth = 1;
		assert_int_equal(ns_so_put_rule(st, pg, (unsigned)i, &r2, err, sizeof(err)), 0);
	}
	assert_int_equal(ns_so_rule_count(st, pg, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	/* Replacing a rule replaces its authentication methods whole. */
	r.n_auth = 1;
	assert_int_equal(ns_so_put_rule(st, pg, 1, &r, err, sizeof(err)), 0);
	r.n_auth = 2;
	ns_rule_free(&r);
	assert_int_equal(ns_so_get_rule(st, pg, NULL, 1, &r, NULL, err, sizeof(err)), 0);
	assert_int_equal(r.n_auth, 1);
	ns_rule_free(&r);
	/* Deleting rule 1 moves the others up. */
	assert_int_equal(ns_so_delete_rule(st, pg, 1, err, sizeof(err)), 0);
	assert_int_equal(ns_so_get_rule(st, pg, "Three", -1, &r, &pos, err, sizeof(err)), 0);
	assert_int_equal(pos, 2);
	ns_rule_free(&r);
	assert_int_equal(ns_so_get_rule(st, pg, "Rule", -1, &r, &pos, err, sizeof(err)), -ENOENT);
	/* Position 0 deletes every ordinary rule, never the default one. */
	assert_int_equal(ns_so_delete_rule(st, pg, 0, err, sizeof(err)), 0);
	assert_int_equal(ns_so_rule_count(st, pg, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ns_so_get_rule(st, pg, NULL, 0, &r, NULL, err, sizeof(err)), 0);
	ns_rule_free(&r);
	ns_db_free(&a);
	ns_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_merge_guid_case),
		cmocka_unit_test(test_merge_filter_guid_taken),
		cmocka_unit_test(test_one_assigned),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
