// SPDX-License-Identifier: GPL-2.0
/* Tokenizer and argument matching: quotes, tags, abbreviations, omitted
 * tags, case rules, one-of groups, repeats. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netsh/parse.h"

static char err[512];

static void test_tokenize(void **state)
{
	struct ns_tok *t;
	size_t n;

	assert_int_equal(ns_tokenize("  add   filter  ", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].s, "add");
	assert_int_equal(t[0].eq, -1);
	ns_tokens_free(t, n);

	assert_int_equal(ns_tokenize("description=\"a b  c\" \"x y\" name=v=w \"q=r\" a\"b c\"d",
				     &t, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 5);
	assert_string_equal(t[0].s, "description=a b  c");
	assert_int_equal(t[0].eq, 11);
	assert_string_equal(t[1].s, "x y");
	assert_int_equal(t[1].eq, -1);
	assert_string_equal(t[2].s, "name=v=w");
	assert_int_equal(t[2].eq, 4);
	assert_string_equal(t[3].s, "q=r"); /* a quoted '=' is not a tag */
	assert_int_equal(t[3].eq, -1);
	assert_string_equal(t[4].s, "ab cd");
	ns_tokens_free(t, n);

	/* rootca keeps \' for its own parser. */
	assert_int_equal(ns_tokenize("rootca=\"CN=x O=\\'y\\' certmap:yes\"", &t, &n, err,
				     sizeof(err)),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].s, "rootca=CN=x O=\\'y\\' certmap:yes");
	assert_int_equal(t[0].eq, 6);
	ns_tokens_free(t, n);

	assert_int_equal(ns_tokenize("add # comment \"x", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	ns_tokens_free(t, n);
	assert_int_equal(ns_tokenize("# only", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(ns_tokenize("", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(ns_tokenize("a=\"open", &t, &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unterminated quote"));
	/* "=x" has no tag, "a-b=c" is not a tag word. */
	assert_int_equal(ns_tokenize("=x a-b=c", &t, &n, err, sizeof(err)), 0);
	assert_int_equal(t[0].eq, -1);
	assert_int_equal(t[1].eq, -1);
	ns_tokens_free(t, n);
}

static void test_argv_tokens(void **state)
{
	char *argv[] = {"srcaddr=me", "description=a b", "plain", "x=", "-c=1"};
	struct ns_tok *t;

	assert_int_equal(ns_tokens_from_argv(argv, 5, &t), 0);
	assert_int_equal(t[0].eq, 7);
	assert_string_equal(t[1].s, "description=a b");
	assert_int_equal(t[1].eq, 11);
	assert_int_equal(t[2].eq, -1);
	assert_int_equal(t[3].eq, 1);
	assert_int_equal(t[4].eq, -1);
	ns_tokens_free(t, 5);
}

static const char *const colours[] = {"red", "green", "blue", NULL};

static const struct ns_param params[] = {
	{.tag = "name", .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .oneof = 1},
	{.tag = "guid", .type = NS_PT_GUID, .flags = NS_P_REQ | NS_P_NOPOS, .oneof = 1},
	{.tag = "source", .type = NS_PT_ADDR},
	{.tag = "srcmask", .type = NS_PT_MASK},
	{.tag = "colour", .type = NS_PT_ENUM, .choices = colours},
	{.tag = "count", .type = NS_PT_UINT, .min = 1, .max = 9},
	{.tag = "flag", .type = NS_PT_BOOL},
	{.tag = "rootca", .type = NS_PT_ROOTCA, .flags = NS_P_MULTI},
	{.tag = "text", .type = NS_PT_STRING},
	{.tag = "qm", .type = NS_PT_QMSEC},
	{.tag = "mm", .type = NS_PT_MMSEC},
	{.tag = "port", .type = NS_PT_PORT},
	{.tag = "proto", .type = NS_PT_PROTO},
	{.tag = "peer", .type = NS_PT_HOST},
	{0},
};

static const struct ns_cmd cmd = {.ctx = NS_CTX_STATIC, .words = {"test", "thing"},
				  .params = params};

static int parse(struct ns_session *s, const char *line, struct ns_args *a)
{
	struct ns_tok *t;
	size_t n;
	int rc = ns_tokenize(line, &t, &n, err, sizeof(err));

	assert_int_equal(rc, 0);
	err[0] = '\0';
	rc = ns_parse_args(s, &cmd, t, n, a, err, sizeof(err));
	ns_tokens_free(t, n);
	return rc;
}

static void test_args(void **state)
{
	struct ns_session s;
	struct ns_args a;

	assert_int_equal(ns_session_init(&s, NULL), 0);
	s.flags = NS_RESOLVE_NONE;

	/* Tags, abbreviations, any case for tags and enums, strings kept. */
	assert_int_equal(parse(&s, "NAME=Web SO=Me srcm=24 col=GREEN cou=3 fl=YES te=\"Mixed Case\"",
			       &a),
			 0);
	assert_string_equal(ns_arg_get(&a, "name")->s, "Web");
	assert_int_equal(ns_arg_get(&a, "source")->ep.kind, NS_ADDR_ME);
	assert_int_equal(ns_arg_get(&a, "srcmask")->u, 0xffffff00u);
	assert_int_equal(ns_arg_get(&a, "colour")->u, 1);
	assert_int_equal(ns_arg_get(&a, "count")->u, 3);
	assert_true(ns_arg_get(&a, "flag")->b);
	assert_string_equal(ns_arg_get(&a, "text")->s, "Mixed Case");
	assert_null(ns_arg_get(&a, "guid"));
	ns_args_free(&a);

	/* Omitted tags in syntax order; guid is never positional. */
	assert_int_equal(parse(&s, "Web any 16 blue", &a), 0);
	assert_string_equal(ns_arg_get(&a, "name")->s, "Web");
	assert_int_equal(ns_arg_get(&a, "source")->ep.kind, NS_ADDR_ANY);
	assert_int_equal(ns_arg_get(&a, "colour")->u, 2);
	ns_args_free(&a);

	/* A tag moves the cursor: the next untagged value follows it. */
	assert_int_equal(parse(&s, "colour=red 5 no guid={00000000-0000-0000-0000-0000000000aa}", &a),
			 0);
	assert_int_equal(ns_arg_get(&a, "count")->u, 5);
	assert_false(ns_arg_get(&a, "flag")->b);
	assert_string_equal(ns_arg_get(&a, "guid")->s, "{00000000-0000-0000-0000-0000000000AA}");
	ns_args_free(&a);

	/* "all" for NS_P_ALL names, any case. */
	assert_int_equal(parse(&s, "ALL", &a), 0);
	assert_true(ns_arg_get(&a, "name")->all);
	ns_args_free(&a);

	/* Repeats keep their order. */
	assert_int_equal(parse(&s, "n=x rootca=\"CN=a\" rootca=\"CN=b certmap:yes\"", &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[1].auth.value, "CN=a");
	assert_string_equal(a.v[2].auth.value, "CN=b");
	assert_true(a.v[2].auth.certmap);
	ns_args_free(&a);

	assert_int_equal(parse(&s, "n=x qm=\"ESP[3DES,SHA1] AH[MD5]\" mm=\"3DES-SHA1-2\" port=80 "
				   "proto=tcp peer=10.0.0.1",
			       &a),
			 0);
	assert_int_equal(ns_arg_get(&a, "qm")->qm.n, 2);
	assert_int_equal(ns_arg_get(&a, "mm")->mm.n, 1);
	assert_int_equal(ns_arg_get(&a, "port")->u, 80);
	assert_int_equal(ns_arg_get(&a, "proto")->u, 6);
	assert_int_equal(ns_arg_get(&a, "peer")->ep.addr, 0x0a000001);
	ns_args_free(&a);

	static const struct {
		const char *line, *msg;
	} bad[] = {
		{"", "needs name= or guid="},
		{"source=me", "needs name= or guid="},
		{"n=x guid={00000000-0000-0000-0000-000000000000}", "give only one of name= or guid="},
		{"n=x s=me", "s: ambiguous parameter for 'test thing'; it could be source, srcmask"},
		{"n=x bogus=1", "bogus: unknown parameter for 'test thing'; use name, guid,"},
		{"n=x colour=purple", "colour: 'purple' is not allowed; use one of red|green|blue"},
		{"n=x count=10", "count: 10 is out of range; use an integer from 1 to 9"},
		{"n=x flag=maybe", "flag: 'maybe' is not allowed; use yes or no"},
		{"n=x n=y", "name: given more than once"},
		{"n=all2 srcmask=255.0.255.0", "srcmask: 255.0.255.0 is not a contiguous mask"},
		{"n=x guid=nope", "guid: 'nope' is not a GUID"},
		{"name=", "name: a name cannot be empty"},
		{"x any 8 red 1 yes \"CN=a\" t ESP[3DES,SHA1] 3DES-SHA1-2 1 tcp 1.1.1.1 extra",
		 "'extra': too many values for 'test thing'"},
		{"n=x CN=a", "CN: unknown parameter"},
		{"n=x qm=ESP", "qm: 'ESP' is not a quick mode method"},
		{"n=x peer=me", "peer: 'me' is not valid"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.v = NULL;
		assert_int_equal(parse(&s, bad[i].line, &a), -EINVAL);
		assert_null(a.v);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[i].line, err, bad[i].msg);
	}
	ns_session_finish(&s);
}

static void test_usage(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char name[32];

	ns_cmd_name(&cmd, name, sizeof(name));
	assert_string_equal(name, "test thing");
	ns_print_usage(f, &cmd);
	fclose(f);
	assert_non_null(strstr(buf, "Usage: test thing name=<name>|all | guid=<guid> [source="));
	assert_non_null(strstr(buf, "[colour=red|green|blue]"));
	assert_non_null(strstr(buf, "[count=<1-9>]"));
	assert_non_null(strstr(buf, "May be repeated."));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokenize),
		cmocka_unit_test(test_argv_tokens),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
