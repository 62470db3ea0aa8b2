// SPDX-License-Identifier: GPL-2.0
/* The command table and the session: table sanity, word matching,
 * contexts, help, and commands run against an in-memory store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "lib/store.h"
#include "netsh/cmdtable.h"
#include "netsh/parse.h"

/* Every table of every helper: declared once, complete, unambiguous. */
static void test_tables(void **state)
{
	size_t total = 0;

	for (size_t g = 0; ns_cmd_groups[g]; g++) {
		for (const struct ns_cmd *c = ns_cmd_groups[g]; c->words[0]; c++) {
			char name[64];

			total++;
			ns_cmd_name(c, name, sizeof(name));
			if (!c->run || !c->summary || c->ctx >= NS_CTX_COUNT)
				fail_msg("%s: missing handler, summary or context", name);
			for (size_t w = 0; w < NS_CMD_MAX_WORDS && c->words[w]; w++)
				for (const char *p = c->words[w]; *p; p++)
					if (*p >= 'A' && *p <= 'Z')
						fail_msg("%s: words must be lower case", name);
			for (size_t i = 0; c->params && c->params[i].tag; i++) {
				const struct ns_param *p = &c->params[i];

				if (p->type == NS_PT_ENUM && !p->choices)
					fail_msg("%s %s: enum without choices", name, p->tag);
				if (p->type == NS_PT_UINT && p->min > p->max)
					fail_msg("%s %s: empty range", name, p->tag);
				for (size_t j = 0; j < i; j++)
					if (strcasecmp(c->params[j].tag, p->tag) == 0)
						fail_msg("%s: tag %s twice", name, p->tag);
			}
			/* No other command with the same context and words. */
			for (size_t g2 = 0; ns_cmd_groups[g2]; g2++) {
				for (const struct ns_cmd *d = ns_cmd_groups[g2]; d->words[0]; d++) {
					bool same = d != c && d->ctx == c->ctx;

					for (size_t w = 0; same && w < NS_CMD_MAX_WORDS; w++)
						same = (!c->words[w] && !d->words[w]) ||
						       (c->words[w] && d->words[w] &&
							strcmp(c->words[w], d->words[w]) == 0);
					if (same)
						fail_msg("%s declared twice", name);
				}
			}
		}
	}
	assert_true(total >= 19); /* our static add/set/delete/store commands */
}

struct cap {
	struct ns_session s;
	char *out, *err;
	size_t outlen, errlen;
};

static int setup(void **state)
{
	struct cap *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(ns_session_init(&c->s, NULL), 0);
	c->s.flags = NS_RESOLVE_NONE;
	c->s.out = open_memstream(&c->out, &c->outlen);
	c->s.errf = open_memstream(&c->err, &c->errlen);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct cap *c = *state;

	ns_session_finish(&c->s);
	fclose(c->s.out);
	fclose(c->s.errf);
	free(c->out);
	free(c->err);
	free(c);
	return 0;
}

static int run(struct cap *c, const char *line)
{
	int rc = ns_exec_line(&c->s, line);

	fflush(c->s.out);
	fflush(c->s.errf);
	return rc;
}

static struct ns_db load(struct cap *c)
{
	struct ns_db db;
	struct ns_store *st;
	char err[256];

	assert_int_equal(ns_session_store(&c->s, &st, err, sizeof(err)), 0);
	assert_int_equal(ns_store_load(st, &db, err, sizeof(err)), 0);
	return db;
}

static void test_contexts(void **state)
{
	struct cap *c = *state;

	assert_int_equal(c->s.ctx, NS_CTX_NETSH);
	assert_string_equal(ns_ctx_prompt(c->s.ctx), "netsh>");
	assert_int_equal(run(c, "ipsec"), 0);
	assert_string_equal(ns_ctx_prompt(c->s.ctx), "ipsec>");
	assert_int_equal(run(c, "st"), 0);
	assert_string_equal(ns_ctx_prompt(c->s.ctx), "ipsec static>");
	assert_int_equal(run(c, "dynamic"), 0); /* a sibling, through the parent */
	assert_string_equal(ns_ctx_prompt(c->s.ctx), "ipsec dynamic>");
	assert_int_equal(run(c, ".."), 0);
	assert_int_equal(c->s.ctx, NS_CTX_IPSEC);
	assert_int_equal(run(c, "pushd static"), 0);
	assert_int_equal(c->s.ctx, NS_CTX_STATIC);
	assert_int_equal(run(c, "popd"), 0);
	assert_int_equal(c->s.ctx, NS_CTX_IPSEC);
	assert_int_equal(run(c, "popd"), -1);
	assert_non_null(strstr(c->err, "popd: no context was saved"));
	assert_int_equal(run(c, ".."), 0);
	assert_int_equal(run(c, ".."), 0);
	assert_int_equal(c->s.ctx, NS_CTX_NETSH);
	assert_false(c->s.quit);
	assert_int_equal(run(c, "QUIT"), 0);
	assert_true(c->s.quit);
}

static void test_words(void **state)
{
	struct cap *c = *state;
	struct ns_db db;

	assert_int_equal(run(c, "ipsec static add filterl L1"), 0);
	assert_int_equal(run(c, "IPSEC STATIC ADD FILTERLIST l1"), 0); /* names keep case */
	assert_int_equal(run(c, "ipsec static a filterlist L2"), 0);
	assert_int_equal(run(c, "ipsec static add f L3"), -1);
	assert_non_null(strstr(c->err, "'f' is ambiguous; it could be filter, filteraction, filterlist"));
	assert_int_equal(run(c, "ipsec static add nothing"), -1);
	assert_non_null(strstr(c->err, "'nothing' is not a valid command here (ipsec static>)"));
	assert_int_equal(run(c, "ipsec static add"), -1);
	assert_non_null(strstr(c->err, "incomplete command"));
	assert_int_equal(run(c, "nonsense"), -1);
	assert_non_null(strstr(c->err, "use ipsec, help"));
	assert_int_equal(run(c, "ipsec static add filterlist name=\"with space\" description=\"d d\""),
			 0);
	db = load(c);
	assert_int_equal(db.n_filterlists, 4);
	assert_string_equal(db.filterlists[1].name, "l1");
	assert_string_equal(db.filterlists[3].name, "with space");
	assert_string_equal(db.filterlists[3].description, "d d");
	ns_db_free(&db);
	assert_int_equal(c->s.n_errors, 4);
}

static void test_help(void **state)
{
	struct cap *c = *state;

	assert_int_equal(run(c, "ipsec static ?"), 0);
	assert_non_null(strstr(c->out, "add filter "));
	assert_non_null(strstr(c->out, "set batch "));
	assert_int_equal(run(c, "ipsec static delete help"), 0);
	assert_non_null(strstr(c->out, "delete rule "));
	assert_int_equal(run(c, "ipsec static set policy ?"), 0);
	assert_non_null(strstr(c->out, "Usage: set policy name=<name> | guid=<guid>"));
	assert_int_equal(run(c, "help"), 0);
	assert_non_null(strstr(c->out, "sub-contexts"));
	assert_int_equal(c->s.n_errors, 0);
}

static void test_commands(void **state)
{
	struct cap *c = *state;
	struct ns_db db;

	assert_int_equal(run(c, "ipsec static"), 0);
	assert_int_equal(run(c, "add filter L me 10.0.0.0 dstmask=8 protocol=udp "
				"srcport=500 dstport=500 mirrored=no"),
			 0);
	assert_int_equal(run(c, "add filteraction A action=permit"), 0);
	assert_int_equal(run(c, "add policy P mmsecmethods=\"AES256-SHA256-14\" assign=yes"), 0);
	assert_int_equal(run(c, "add rule R P L A kerberos=no psk=key rootca=\"CN=r certmap:yes\""), 0);
	assert_non_null(strstr(c->err, "warning: preshared key"));
	db = load(c);
	assert_int_equal(db.n_filterlists, 1);
	assert_int_equal(db.filterlists[0].n_filters, 1);
	struct ns_filter *f = &db.filterlists[0].filters[0];
	assert_int_equal(f->dst.addr, 0x0a000000);
	assert_int_equal(f->dst.mask, 0xff000000u);
	assert_int_equal(f->protocol, 17);
	assert_false(f->mirrored);
	assert_int_equal(db.n_policies, 1);
	struct ns_policy *p = &db.policies[0];
	assert_true(p->assigned);
	assert_int_equal(p->n_mm_methods, 1);
	assert_int_equal(p->mm_methods[0].group, NS_DH_14);
	assert_int_equal(p->n_rules, 1);
	assert_int_equal(p->rules[0].n_auth, 2);
	assert_int_equal(p->rules[0].auth[0].kind, NS_AUTH_PSK);
	assert_int_equal(p->rules[0].auth[1].kind, NS_AUTH_ROOTCA);
	assert_true(p->rules[0].auth[1].certmap);
	assert_true(p->default_rule.is_default);
	assert_true(p->default_rule.active);
	assert_non_null(ns_db_filteraction_by_guid(&db, p->default_rule.filteraction_guid));
	assert_int_equal(ns_db_filteraction_by_guid(&db, p->default_rule.filteraction_guid)->type,
			 NS_FA_DEFAULT_RESPONSE);
	ns_db_free(&db);

	/* Rejected commands change nothing. */
	assert_int_equal(run(c, "delete filterlist L"), -1);
	assert_non_null(strstr(c->err, "used by rule 'R' of policy 'P'"));
	assert_int_equal(run(c, "set rule id=1 policy=P kerberos=no"), -1);
	db = load(c);
	assert_int_equal(db.n_filterlists, 1);
	assert_int_equal(db.policies[0].rules[0].n_auth, 2);
	ns_db_free(&db);
	assert_int_equal(run(c, "delete rule all P"), 0);
	assert_int_equal(run(c, "delete filterlist all"), 0);
	assert_int_equal(run(c, "delete filteraction all"), 0);
	assert_int_equal(run(c, "delete policy all"), 0);
	db = load(c);
	assert_int_equal(db.n_filterlists + db.n_policies + db.n_filteractions, 0);
	ns_db_free(&db);
}

static void test_batch(void **state)
{
	struct cap *c = *state;
	struct ns_db db;

	assert_int_equal(run(c, "ipsec static set batch enable"), 0);
	assert_int_equal(run(c, "ipsec static add filter B me any"), 0);
	assert_int_equal(run(c, "ipsec static set batch disable"), 0);
	db = load(c);
	assert_int_equal(db.n_filterlists, 1);
	ns_db_free(&db);
	assert_int_equal(run(c, "ipsec static set batch enable"), 0);
	assert_int_equal(run(c, "ipsec static add filter B me any"), 0);
	assert_int_equal(run(c, "ipsec static add filter B me any protocol=bogus"), -1);
	assert_int_equal(run(c, "ipsec static set batch disable"), -1);
	assert_non_null(strstr(c->err, "nothing was committed"));
	db = load(c);
	assert_int_equal(db.filterlists[0].n_filters, 1);
	ns_db_free(&db);
	assert_int_equal(run(c, "ipsec static set store location=domain"), -1);
	assert_non_null(strstr(c->err, "not supported yet"));
}

static void expect_completion(struct ns_session *s, const char *line, const char *text,
			      const char *want)
{
	char **v, buf[512] = "";
	size_t n, off = 0;

	assert_int_equal(ns_complete(s, line, text, &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "", v[i]);
		free(v[i]);
	}
	free(v);
	if (strcmp(buf, want) != 0)
		fail_msg("complete '%s' + '%s': got '%s', want '%s'", line, text, buf, want);
}

static void test_complete(void **state)
{
	struct cap *c = *state;

	expect_completion(&c->s, "", "ip", "ipsec ");
	expect_completion(&c->s, "ipsec ", "st", "static ");
	expect_completion(&c->s, "ipsec static ", "add", "add ");
	expect_completion(&c->s, "ipsec static add ", "filterl", "filterlist ");
	expect_completion(&c->s, "ipsec static add filterlist ", "", "name=,description=");
	expect_completion(&c->s, "ipsec st a filter L ", "src", "srcaddr=,srcmask=,srcport=");
	expect_completion(&c->s, "ipsec static add ", "x", "");
	assert_int_equal(run(c, "ipsec static"), 0);
	expect_completion(&c->s, "delete ", "r", "rule ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test_setup_teardown(test_contexts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
