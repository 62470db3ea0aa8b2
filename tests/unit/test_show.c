// SPDX-License-Identifier: GPL-2.0
/* show: what each level adds, both layouts, the 80-column limit, errors,
 * and that a pre-shared key never appears. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "netsh/show.h"
#include "show_fixture.h"

struct cap {
	char *buf;
	size_t len;
	FILE *f;
	char err[512];
};

static void cap_open(struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static void cap_close(struct cap *c)
{
	fclose(c->f);
	c->f = NULL;
}

static void has(const struct cap *c, const char *s)
{
	if (!strstr(c->buf, s))
		fail_msg("output lacks \"%s\":\n%s", s, c->buf);
}

static void lacks(const struct cap *c, const char *s)
{
	if (strstr(c->buf, s))
		fail_msg("output has \"%s\":\n%s", s, c->buf);
}

/* Every line within 80 characters (code points; tabs to the next stop). */
static void fits80(const struct cap *c)
{
	size_t col = 0;

	for (const char *p = c->buf; *p; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (*p == '\t')
			col = (col / 8 + 1) * 8;
		else if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
		if (col > 80)
			fail_msg("line longer than 80 columns near: %.60s",
				 p - 60 > c->buf ? p - 60 : c->buf);
	}
}

static struct ns_db db;

static int setup(void **state)
{
	fx_build(&db);
	return 0;
}

static int teardown(void **state)
{
	ns_db_free(&db);
	return 0;
}

static void t_never_psk(void **state)
{
	for (int v = 0; v < 2; v++)
		for (int f = 0; f < 2; f++)
			for (int w = 0; w < 2; w++) {
				struct ns_show_opts o = {.verbose = v, .format = f, .wide = w};
				struct cap c;

				cap_open(&c);
				assert_int_equal(ns_show_all(c.f, &db, &o, c.err, sizeof(c.err)),
						 0);
				assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 0,
							      true, false, 0, &o, c.err,
							      sizeof(c.err)),
						 0);
				assert_int_equal(ns_show_gpoassignedpolicy(c.f, &db, NULL, &o,
									   c.err, sizeof(c.err)),
						 0);
				cap_close(&c);
				lacks(&c, FX_PSK);
				if (v && (f == NS_FMT_LIST || w))
					has(&c, "Preshared Key (********)");
				if (!w)
					fits80(&c);
				free(c.buf);
			}
}

static void t_policy_levels(void **state)
{
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_policy(c.f, &db, "Branch office", &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "Policy Name             : Branch office");
	has(&c, "Store                   : Local Store");
	has(&c, "GUID                    : {44444444-2222-4333-8444-555555555555}");
	has(&c, "Assigned                : YES");
	has(&c, "Last Modified           : 2023-11-14 22:13:20 UTC");
	has(&c, "Rule ID                 : 2");
	has(&c, "Rule ID                 : default");
	has(&c, "Filter List             : <Dynamic>");
	has(&c, "Mode                    : Tunnel");
	has(&c, "Tunnel Endpoint         : 198.51.100.1");
	has(&c, "Connection Type         : Dial-up");
	/* Normal: no security or authentication methods. */
	lacks(&c, "MM Security Methods");
	lacks(&c, "Authentication Methods");
	/* A line break in a description stays on one value line each. */
	has(&c, "Description             : line one\n                        : line two\n");
	free(c.buf);

	o.verbose = true;
	o.loc = NS_STORE_PERSISTENT;
	cap_open(&c);
	assert_int_equal(ns_show_policy(c.f, &db, "Branch office", &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "Store                   : Persistent Store");
	has(&c,
	    "MM Security Methods     : AES128-SHA256-14\n                        : 3DES-SHA1-3\n");
	has(&c, "Master Key PFS          : YES");
	has(&c, "MM Lifetime             : 60 minutes");
	has(&c, "Authentication Methods  : Root CA: CN=Root \"A\", O=Example (certmap: ");
	has(&c, "Security Methods        : ESP[AES256,SHA256]:50000k/900s\n");
	has(&c, "AH[SHA1+3DES,None]:100000k/3600s");
	free(c.buf);
}

static void t_filterlist_levels(void **state)
{
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_filterlist(c.f, &db, "Web \"front\" servers", NULL, &o, c.err,
					    sizeof(c.err)),
			 0);
	cap_close(&c);
	has(&c, "Number of Filters       : 4");
	/* wide=no cuts the long description with a marker. */
	has(&c,
	    "Description             : A description that is quite long, far longer than t...\n");
	lacks(&c, "Source Address");
	free(c.buf);

	o.verbose = true;
	o.wide = true;
	cap_open(&c);
	assert_int_equal(ns_show_filterlist(c.f, &db, NULL, "to web", &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "screen allow\n");
	has(&c, "Source Address          : <My IP Address>");
	has(&c, "Destination Address     : 10.1.2.0\nDestination Mask        : 255.255.255.0");
	has(&c, "Protocol                : TCP");
	has(&c, "Destination Port        : 80");
	has(&c, "Source Address          : www.example.org (192.0.2.7)");
	has(&c, "Source Port             : 53");
	has(&c, "Destination Address     : <DNS Servers>");
	has(&c, "Protocol                : 47");
	has(&c, "Source Address          : <Default Gateway>");
	has(&c, "Protocol                : RAW");
	has(&c, "Mirrored                : NO");
	has(&c, "Filter GUID             : {11111111-2222-4333-8444-000000000004}");
	/* Only the list that rule uses. */
	lacks(&c, "All ICMP Traffic");
	free(c.buf);
}

static void t_filteraction_levels(void **state)
{
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_filteraction(c.f, &db, NULL, NULL, &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "Filter Action Name      : Request Security (Optional)");
	has(&c, "Inbound Passthrough     : YES");
	has(&c, "Action                  : Permit");
	lacks(&c, "Security Methods");
	lacks(&c, "Store");
	/* The hidden default response actions are not listed. */
	lacks(&c, "Default Response");
	free(c.buf);

	o.verbose = true;
	cap_open(&c);
	assert_int_equal(ns_show_filteraction(c.f, &db, "Strong", NULL, &o, c.err, sizeof(c.err)),
			 0);
	cap_close(&c);
	has(&c, "Store                   : Local Store");
	has(&c, "QM PFS                  : YES");
	has(&c, "Security Methods        : ESP[AES256,SHA256]:50000k/900s\n"
		"                        : AH[SHA1+3DES,None]:100000k/3600s\n"
		"                        : ESP[None,SHA1]:100000k/3600s\n");
	free(c.buf);

	cap_open(&c);
	assert_int_equal(
		ns_show_filteraction(c.f, &db, NULL, "All ICMP Traffic", &o, c.err, sizeof(c.err)),
		0);
	cap_close(&c);
	has(&c, "Filter Action Name      : Permit");
	lacks(&c, "Require");
	free(c.buf);
}

static void t_rule_selectors(void **state)
{
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 0, true, false, 2, &o, c.err,
				      sizeof(c.err)),
			 0);
	cap_close(&c);
	has(&c, "Rule Name               : to web");
	lacks(&c, "icmp");
	lacks(&c, "<Default Response Rule>");
	free(c.buf);

	cap_open(&c);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 0, true, false, 1, &o, c.err,
				      sizeof(c.err)),
			 0);
	cap_close(&c);
	lacks(&c, "to web");
	has(&c, "Rule Name               : icmp");
	has(&c, "<Default Response Rule>");
	free(c.buf);

	cap_open(&c);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 2, false, false, 0, &o,
				      c.err, sizeof(c.err)),
			 0);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 0, false, true, 0, &o, c.err,
				      sizeof(c.err)),
			 0);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", "to web", 0, false, false, 0, &o,
				      c.err, sizeof(c.err)),
			 0);
	cap_close(&c);
	has(&c, "Rule ID                 : 2\nRule Name               : icmp");
	has(&c, "Rule ID                 : default");
	has(&c, "Rule ID                 : 1\nRule Name               : to web");
	free(c.buf);
}

static void t_errors(void **state)
{
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_policy(c.f, &db, "nope", &o, c.err, sizeof(c.err)), -ENOENT);
	assert_string_equal(c.err,
			    "Policy \"nope\" does not exist; policies: \"Client (Respond "
			    "Only)\", \"Server (Request Security)\", \"Secure Server (Require "
			    "Security)\", \"Branch office\"");
	assert_int_equal(ns_show_filterlist(c.f, &db, "x", NULL, &o, c.err, sizeof(c.err)),
			 -ENOENT);
	assert_non_null(strstr(c.err, "Filter list \"x\" does not exist; filter lists: \"All IP"));
	assert_int_equal(ns_show_filteraction(c.f, &db, "x", NULL, &o, c.err, sizeof(c.err)),
			 -ENOENT);
	assert_non_null(strstr(c.err, "\"Strong\""));
	assert_null(strstr(c.err, "Default Response"));
	assert_int_equal(
		ns_show_filteraction(c.f, &db, NULL, "no such rule", &o, c.err, sizeof(c.err)),
		-ENOENT);
	assert_non_null(strstr(c.err, "no policy has a rule named"));
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 9, false, false, 0, &o,
				      c.err, sizeof(c.err)),
			 -ENOENT);
	assert_non_null(strstr(c.err, "IDs 1 to 2"));
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", "zz", 0, false, false, 0, &o,
				      c.err, sizeof(c.err)),
			 -ENOENT);
	assert_non_null(strstr(c.err, "its rules: \"to web\", \"icmp\""));
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", NULL, 1, false, false, 2, &o,
				      c.err, sizeof(c.err)),
			 -EINVAL);
	assert_int_equal(ns_show_rule(c.f, &db, "Branch office", "a", 1, false, false, 0, &o, c.err,
				      sizeof(c.err)),
			 -EINVAL);
	assert_int_equal(ns_show_gpoassignedpolicy(c.f, &db, "gpo", &o, c.err, sizeof(c.err)),
			 -ENOENT);
	/* A tiny error buffer still gets a terminated message. */
	assert_int_equal(ns_show_policy(c.f, &db, "nope", &o, c.err, 20), -ENOENT);
	assert_true(strlen(c.err) < 20);
	cap_close(&c);
	free(c.buf);
}

static void t_empty_store(void **state)
{
	struct ns_db empty = {0};
	struct ns_show_opts o = {0};
	struct cap c;

	cap_open(&c);
	assert_int_equal(ns_show_all(c.f, &empty, &o, c.err, sizeof(c.err)), 0);
	assert_int_equal(ns_show_gpoassignedpolicy(c.f, &empty, NULL, &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "No policies in the Local Store.");
	has(&c, "No filter lists in the Local Store.");
	has(&c, "No filter actions in the Local Store.");
	has(&c, "No policy of the Local Store is assigned.");
	free(c.buf);
	assert_int_equal(ns_show_policy(stdout, &empty, "x", &o, c.err, sizeof(c.err)), -ENOENT);
	assert_non_null(strstr(c.err, "there are no policies"));
}

static void t_table(void **state)
{
	struct ns_show_opts o = {.format = NS_FMT_TABLE, .wide = true, .verbose = true};
	struct cap c;
	size_t tabs_header = 0, tabs = 0;
	const char *line;

	cap_open(&c);
	assert_int_equal(ns_show_policy(c.f, &db, NULL, &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	/* Header row first, then rows with the same number of cells. */
	assert_memory_equal(c.buf, "Policy Name\tDescription\t", 24);
	for (const char *p = c.buf; *p != '\n'; p++)
		tabs_header += *p == '\t';
	line = strchr(c.buf, '\n') + 1;
	for (const char *p = line; *p != '\n'; p++)
		tabs += *p == '\t';
	assert_int_equal(tabs, tabs_header);
	/* Multi-line values become one cell; line breaks never split a row. */
	has(&c, "line one,line two");
	has(&c, "\nPolicy Name\tRule ID\tRule Name\t");
	has(&c, "Branch office\t1\tto web\t");
	free(c.buf);

	o.wide = false;
	cap_open(&c);
	assert_int_equal(ns_show_all(c.f, &db, &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	fits80(&c);
	has(&c, "Policy Name\tLast Modified\tAssigned\tNumber of Rules\n");
	free(c.buf);
}

static void t_control_chars(void **state)
{
	struct ns_show_opts o = {.wide = true};
	struct cap c;

	free(db.filterlists[0].description);
	db.filterlists[0].description = fx_dup("bell\a tab\t esc\x1b[31m");
	cap_open(&c);
	assert_int_equal(
		ns_show_filterlist(c.f, &db, "All IP Traffic", NULL, &o, c.err, sizeof(c.err)), 0);
	cap_close(&c);
	has(&c, "bell? tab? esc?[31m");
	free(c.buf);
}

/* resolvedns adds the reverse name of plain addresses (loopback, so the
 * answer comes from /etc/hosts, not the network). */
static void t_resolvedns(void **state)
{
	struct ns_show_opts o = {.verbose = true, .wide = true, .resolvedns = true};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	char host[NI_MAXHOST], want[NI_MAXHOST + 64];
	struct ns_endpoint saved = db.filterlists[2].filters[0].dst;
	struct cap c;

	db.filterlists[2].filters[0].dst =
		(struct ns_endpoint){.kind = NS_ADDR_IP, .addr = 0x7f000001, .mask = 0xffffffff};
	cap_open(&c);
	assert_int_equal(ns_show_filterlist(c.f, &db, "Web \"front\" servers", NULL, &o, c.err,
					    sizeof(c.err)),
			 0);
	cap_close(&c);
	if (getnameinfo((struct sockaddr *)&sin, sizeof(sin), host, sizeof(host), NULL, 0,
			NI_NAMEREQD) == 0)
		snprintf(want, sizeof(want), "Destination Address     : 127.0.0.1 (%s)\n", host);
	else
		snprintf(want, sizeof(want), "Destination Address     : 127.0.0.1\n");
	has(&c, want);
	/* Keywords and DNS names are never looked up. */
	has(&c, "Source Address          : <My IP Address>\n");
	has(&c, "www.example.org (192.0.2.7)\n");
	free(c.buf);
	db.filterlists[2].filters[0].dst = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_never_psk),	       cmocka_unit_test(t_policy_levels),
		cmocka_unit_test(t_filterlist_levels), cmocka_unit_test(t_filteraction_levels),
		cmocka_unit_test(t_rule_selectors),    cmocka_unit_test(t_errors),
		cmocka_unit_test(t_empty_store),       cmocka_unit_test(t_table),
		cmocka_unit_test(t_control_chars),     cmocka_unit_test(t_resolvedns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
