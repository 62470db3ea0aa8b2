// SPDX-License-Identifier: GPL-2.0
/* The export format: exact round trips and strict, all-or-nothing reading. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netsh/export.h"
#include "show_fixture.h"

static char *write_db(const struct ns_db *db, size_t *len)
{
	char *buf = NULL, err[256] = "";
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(ns_export_write(f, db, err, sizeof(err)), 0);
	fclose(f);
	return buf;
}

static void t_roundtrip(void **state)
{
	struct ns_db a, b;
	char err[256] = "", *t1, *t2;
	size_t l1, l2;

	fx_build(&a);
	t1 = write_db(&a, &l1);
	assert_true(ns_export_detect(t1, l1));
	assert_int_equal(ns_export_read(t1, l1, &b, err, sizeof(err)), 0);
	assert_true(ns_db_equal(&a, &b));
	/* And the text is a fixed point. */
	t2 = write_db(&b, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(t1, t2, l1);
	/* The PSK is carried (export is a backup, unlike show). */
	assert_non_null(strstr(t1, FX_PSK));
	free(t1);
	free(t2);
	ns_db_free(&a);
	ns_db_free(&b);
}

static void t_escapes(void **state)
{
	static const char *const odd[] = {"",	       "a b",	    "100%",	   "x=y",
					  "tab\there", "new\nline", "caf\xc3\xa9", "\"quoted\"",
					  "#hash",     "%41"};
	struct ns_db a, b;
	char err[256], *t;
	size_t l;

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		fx_build(&a);
		free(a.filterlists[0].description);
		a.filterlists[0].description = fx_dup(odd[i]);
		free(a.policies[3].default_rule.auth[0].value);
		a.policies[3].default_rule.auth[0].value = fx_dup(odd[i]);
		t = write_db(&a, &l);
		/* One record per line whatever the strings hold. */
		assert_null(strstr(t, "\t"));
		assert_int_equal(ns_export_read(t, l, &b, err, sizeof(err)), 0);
		assert_true(ns_db_equal(&a, &b));
		free(t);
		ns_db_free(&a);
		ns_db_free(&b);
	}
}

static void t_empty_db(void **state)
{
	struct ns_db a = {0}, b;
	char err[256], *t;
	size_t l;

	t = write_db(&a, &l);
	assert_string_equal(t, "# netsh-ipsec export v1\nend\n");
	assert_int_equal(ns_export_read(t, l, &b, err, sizeof(err)), 0);
	assert_true(ns_db_equal(&a, &b));
	free(t);
}

static void t_tolerated(void **state)
{
	static const char crlf[] = "\xEF\xBB\xBF# netsh-ipsec export v1\r\n\r\n# a comment\r\n"
				   "filterlist guid={7238523A-70FA-11D1-864C-14A300000000} name=x "
				   "description= whenchanged=-5\r\nend\r\n\r\n";
	struct ns_db b;
	char err[256] = "";

	assert_int_equal(ns_export_read(crlf, strlen(crlf), &b, err, sizeof(err)), 0);
	assert_int_equal(b.n_filterlists, 1);
	assert_string_equal(b.filterlists[0].name, "x");
	assert_int_equal(b.filterlists[0].whenchanged, -5);
	ns_db_free(&b);
}

/* Replaces the first occurrence of from by to in the fixture's export and
 * expects the read to fail with a message containing want. */
static void expect_bad(const char *from, const char *to, const char *want)
{
	struct ns_db a, b;
	char err[256] = "", *t, *p, *m;
	size_t l;

	fx_build(&a);
	t = write_db(&a, &l);
	p = strstr(t, from);
	assert_non_null(p);
	m = malloc(l + strlen(to) + 1);
	memcpy(m, t, (size_t)(p - t));
	strcpy(m + (p - t), to);
	strcat(m, p + strlen(from));
	memset(&b, 0xab, sizeof(b));
	assert_int_equal(ns_export_read(m, strlen(m), &b, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
	/* Nothing is handed over on error. */
	assert_null(b.policies);
	assert_int_equal(b.n_policies + b.n_filterlists + b.n_filteractions, 0);
	free(m);
	free(t);
	ns_db_free(&a);
}

static void t_strict(void **state)
{
	expect_bad("# netsh-ipsec export v1", "# netsh-ipsec export v2", "line 1");
	expect_bad("end\n", "", "truncated");
	expect_bad("end\n", "end\npolicy", "after the end");
	expect_bad("filterlist guid={7238523A", "filterlist guid={7238523X", "line 2: field guid");
	expect_bad(" name=All%20IP", " nom=All%20IP", "expected field name");
	expect_bad("mirrored=yes", "mirrored=maybe", "unknown value");
	expect_bad("mirrored=yes", "mirrored=yes extra=1", "unexpected field");
	expect_bad("protocol=6", "protocol=256", "out of range");
	expect_bad("srcport=0", "srcport=-1", "not a decimal");
	expect_bad("kb=50000", "kb=99999999999999999999", "kb");
	expect_bad("dstaddr=10.1.2.0", "dstaddr=10.1.2", "IPv4");
	expect_bad("dstaddr=10.1.2.0", "dstaddr=10.1.2.256", "IPv4");
	expect_bad("All%20IP", "All%2", "escape");
	expect_bad("All%20IP", "All%00IP", "escape");
	expect_bad("All%20IP", "All\001IP", "unescaped");
	expect_bad("filterlist guid", "bogus guid", "unknown record");
	expect_bad("name=Strong", "name=Permit", "two filter actions");
	expect_bad("{72385235-70FA-11D1-864C-14A300000000} name=All%20ICMP",
		   "{7238523A-70FA-11D1-864C-14A300000000} name=All%20ICMP", "appears twice");
	expect_bad("filterlist={72385235-70FA-11D1-864C-14A300000000}",
		   "filterlist={99999999-70FA-11D1-864C-14A300000000}", "missing filter list");
	expect_bad("assigned=no", "assigned=yes", "assigned");
	expect_bad("rule guid={44444444-2222-4333-8444-0000000000DF} default=yes",
		   "rule guid={44444444-2222-4333-8444-0000000000DF} default=no", "filter list");
	expect_bad("whenchanged=", "whenchanged", "key=value");
	/* Children out of place. */
	expect_bad("filteraction guid={7238523B",
		   "qm kind=esp ah=none conf=3des auth=sha1 kb=1 "
		   "sec=1\nfilteraction guid={7238523B",
		   "qm outside a filteraction");
}

static void t_nul_and_garbage(void **state)
{
	static const char nul[] = "# netsh-ipsec export v1\nfilterlist\0 guid=\nend\n";
	struct ns_db b;
	char err[256] = "";

	assert_int_equal(ns_export_read(nul, sizeof(nul) - 1, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	assert_false(ns_export_detect("REGEDIT4\n", 9));
	assert_false(ns_export_detect("# netsh-ipsec export v10\n", 25));
	assert_false(ns_export_detect("", 0));
	assert_int_equal(ns_export_read("", 0, &b, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_roundtrip), cmocka_unit_test(t_escapes),
		cmocka_unit_test(t_empty_db),  cmocka_unit_test(t_tolerated),
		cmocka_unit_test(t_strict),    cmocka_unit_test(t_nul_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
