// SPDX-License-Identifier: GPL-2.0
/* dump: the script's commands, their order and quoting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netsh/dump.h"
#include "show_fixture.h"

static char *dump(const struct ns_db *db, enum ns_store_location loc)
{
	char *buf = NULL, err[256] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ns_dump(f, db, loc, err, sizeof(err)), 0);
	fclose(f);
	return buf;
}

static void has(const char *buf, const char *s)
{
	if (!strstr(buf, s))
		fail_msg("dump lacks \"%s\":\n%s", s, buf);
}

static const char *after(const char *buf, const char *a, const char *b)
{
	const char *pa = strstr(buf, a), *pb = strstr(buf, b);

	assert_non_null(pa);
	assert_non_null(pb);
	if (pa < pb)
		fail_msg("\"%s\" should come after \"%s\"", a, b);
	return pa;
}

static void t_commands(void **state)
{
	struct ns_db db;
	char *s;

	fx_build(&db);
	s = dump(&db, NS_STORE_LOCAL);
	has(s, "\nipsec static set store location=local\n");
	has(s,
	    "\nipsec static add filterlist name=\"All IP Traffic\" description=\"Every IP packet");
	has(s, "\nipsec static add filter filterlist=\"All IP Traffic\" srcaddr=me dstaddr=any "
	       "protocol=ANY mirrored=yes\n");
	has(s, "srcaddr=me dstaddr=10.1.2.0 dstmask=255.255.255.0 protocol=TCP srcport=0 "
	       "dstport=80 mirrored=yes description=\"http\"\n");
	has(s, "srcaddr=\"www.example.org\" srcmask=255.255.255.255 dstaddr=any protocol=UDP "
	       "srcport=53 dstport=0 mirrored=no\n");
	has(s, "srcaddr=me dstaddr=DNS protocol=47 mirrored=yes");
	has(s, "srcaddr=GATEWAY dstaddr=me protocol=RAW mirrored=no");
	has(s, "\nipsec static add filteraction name=\"Permit\" description=\"Pass unsecured IP "
	       "packets.\" qmpfs=no inpass=no soft=no action=permit\n");
	has(s, "name=\"Strong\" description=\"AES and bundles\" qmpfs=yes inpass=no soft=no "
	       "action=negotiate qmsecmethods=\"ESP[AES256,SHA256]:50000k/900s "
	       "AH[SHA1+3DES,None]:100000k/3600s ESP[None,SHA1]:100000k/3600s\"\n");
	/* mmpfs forces qmpermm, so it is not written. */
	has(s, "\nipsec static add policy name=\"Branch office\" description=\"line one line two\" "
	       "mmpfs=yes mmlifetime=60 activatedefaultrule=no pollinginterval=5 assign=no "
	       "mmsecmethods=\"AES128-SHA256-14 3DES-SHA1-3\"\n");
	has(s, "mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180");
	/* The PSK is in the script: it must recreate the store. */
	has(s, "\nipsec static set defaultrule policy=\"Branch office\" qmpfs=no "
	       "qmsecmethods=\"ESP[3DES,SHA1]:100000k/3600s\" activate=no psk=\"" FX_PSK "\"\n");
	/* Authentication methods in their order; a CA name's quotes as \'. */
	has(s, "tunnel=198.51.100.1 conntype=dialup activate=yes rootca=\"CN=Root \\'A\\', "
	       "O=Example certmap:yes excludecaname:no\" psk=\"" FX_PSK "\" kerberos=yes\n");
	has(s, "# note: the rule below had no authentication method; netsh gives it Kerberos\n"
	       "ipsec static add rule name=\"icmp\" policy=\"Branch office\" "
	       "filterlist=\"All ICMP Traffic\" filteraction=\"Permit\" conntype=lan "
	       "activate=no\n");
	/* '"' in a name cannot be written back: replaced, with a warning. */
	has(s, "# warning: the name below had a '\"'");
	has(s, "filterlist=\"Web 'front' servers\"");
	/* Dependencies first, assignment last. */
	after(s, "add policy name=\"Server (Request Security)\"",
	      "add filteraction name=\"Strong\"");
	after(s, "add rule name=\"All IP Traffic\" policy=\"Server", "add policy name=\"Server");
	after(s, "add filteraction name=\"Permit\"", "add filter filterlist=\"Web");
	assert_string_equal(strrchr(s, '\n') -
				    strlen("ipsec static set policy name=\"Branch office\" "
					   "assign=yes"),
			    "ipsec static set policy name=\"Branch office\" assign=yes\n");
	/* Hidden default response actions are not added by name. */
	assert_null(strstr(s, "name=\"Default Response\""));
	/* Every non-comment line is a whole command. */
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (*l != '#' && *l != '\n')
			assert_memory_equal(l, "ipsec static ", 13);
	free(s);
	ns_db_free(&db);
}

static void t_persistent_empty(void **state)
{
	struct ns_db db = {0};
	char *s = dump(&db, NS_STORE_PERSISTENT);

	has(s, "\nipsec static set store location=persistent\n");
	assert_null(strstr(s, "add "));
	assert_null(strstr(s, "assign=yes"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_commands),
		cmocka_unit_test(t_persistent_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
