// SPDX-License-Identifier: GPL-2.0
/* The `set config` file: defaults, round trip, validation, atomic write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "lib/config.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_config.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_defaults_when_missing(void **state)
{
	struct fx *f = *state;
	struct ns_config c;

	memset(&c, 0xff, sizeof(c));
	assert_int_equal(ns_config_load(f->dir, &c, NULL, 0), 0);
	assert_int_equal(c.ipsecdiagnostics, 0);
	assert_int_equal(c.ikelogging, 0);
	assert_int_equal(c.strongcrlcheck, 1);
	assert_int_equal(c.ipsecloginterval, 3600);
	assert_int_equal(c.ipsecexempt, 3);
	assert_int_equal(c.bootmode, NS_BOOT_STATEFUL);
	assert_int_equal(c.n_bootexemptions, 0);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct ns_config c, d;
	struct stat st;
	char err[256];
	DIR *dir;
	struct dirent *de;
	int n = 0;

	ns_config_defaults(&c);
	c.ipsecdiagnostics = 7;
	c.ikelogging = 1;
	c.strongcrlcheck = 2;
	c.ipsecloginterval = 60;
	c.ipsecexempt = 0;
	c.bootmode = NS_BOOT_BLOCK;
	assert_int_equal(ns_config_set(&c, "bootexemptions",
				       "TCP:0:22:inbound UDP:68:67:outbound 47:0:0:inbound", err,
				       sizeof(err)),
			 0);
	assert_int_equal(ns_config_save(f->dir, &c, err, sizeof(err)), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* No temporary file left behind. */
	dir = opendir(f->dir);
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.' || strncmp(de->d_name, ".config.", 8) == 0;
	closedir(dir);
	assert_int_equal(n, 1);

	assert_int_equal(ns_config_load(f->dir, &d, err, sizeof(err)), 0);
	assert_int_equal(d.ipsecdiagnostics, 7);
	assert_int_equal(d.ikelogging, 1);
	assert_int_equal(d.strongcrlcheck, 2);
	assert_int_equal(d.ipsecloginterval, 60);
	assert_int_equal(d.ipsecexempt, 0);
	assert_int_equal(d.bootmode, NS_BOOT_BLOCK);
	assert_int_equal(d.n_bootexemptions, 3);
	assert_int_equal(d.bootexemptions[0].protocol, 6);
	assert_int_equal(d.bootexemptions[0].dstport, 22);
	assert_int_equal(d.bootexemptions[0].dir, NS_DIR_INBOUND);
	assert_int_equal(d.bootexemptions[1].protocol, 17);
	assert_int_equal(d.bootexemptions[1].srcport, 68);
	assert_int_equal(d.bootexemptions[1].dstport, 67);
	assert_int_equal(d.bootexemptions[1].dir, NS_DIR_OUTBOUND);
	assert_int_equal(d.bootexemptions[2].protocol, 47);

	/* "none" clears the list; overwrite is atomic and keeps the mode. */
	assert_int_equal(ns_config_set(&d, "BootExemptions", "none", err, sizeof(err)), 0);
	assert_int_equal(d.n_bootexemptions, 0);
	assert_int_equal(ns_config_save(f->dir, &d, err, sizeof(err)), 0);
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_bootexemptions, 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_set_validation(void **state)
{
	struct ns_config c;
	char err[256];

	ns_config_defaults(&c);
	assert_int_equal(ns_config_set(&c, "ipsecexempt", "4", err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "ipsecexempt"));
	assert_int_equal(c.ipsecexempt, 3);
	assert_int_equal(ns_config_set(&c, "ipsecloginterval", "59", err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_set(&c, "ipsecloginterval", "86401", err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_set(&c, "ipsecloginterval", "86400", err, sizeof(err)), 0);
	assert_int_equal(ns_config_set(&c, "ipsecdiagnostics", "-1", err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_set(&c, "ipsecdiagnostics", "7x", err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_set(&c, "ikelogging", "2", err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_set(&c, "strongcrlcheck", "0", err, sizeof(err)), 0);
	assert_int_equal(ns_config_set(&c, "bootmode", "PERMIT", err, sizeof(err)), 0);
	assert_int_equal(c.bootmode, NS_BOOT_PERMIT);
	assert_int_equal(ns_config_set(&c, "bootmode", "open", err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_config_set(&c, "nosuch", "1", err, sizeof(err)), -EINVAL);
	/* A bad item leaves the list as it was. */
	assert_int_equal(ns_config_set(&c, "bootexemptions", "tcp:0:80:inbound", err, sizeof(err)),
			 0);
	assert_int_equal(ns_config_set(&c, "bootexemptions", "tcp:0:80:inbound icmp:1:0:inbound",
				       err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(c.n_bootexemptions, 1);
	assert_int_equal(ns_config_set(&c, "bootexemptions", "tcp:0:80", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		ns_config_set(&c, "bootexemptions", "tcp:0:70000:inbound", err, sizeof(err)),
		-EINVAL);
	assert_int_equal(ns_config_set(&c, "bootexemptions", "tcp:0:80:sideways", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		ns_config_set(&c, "bootexemptions", "tcp:0:80:inbound:x", err, sizeof(err)),
		-EINVAL);
	assert_int_equal(c.n_bootexemptions, 1);
}

static void test_bad_files(void **state)
{
	struct fx *f = *state;
	struct ns_config c;
	char err[256];

	write_file(f->path, "# comment\n\nipsecexempt = 1\nbootmode=block\n");
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ipsecexempt, 1);
	assert_int_equal(c.bootmode, NS_BOOT_BLOCK);

	write_file(f->path, "ipsecexempt=1\nipsecexempt=9\n");
	c.ipsecexempt = 2;
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, ":2:"));
	assert_int_equal(c.ipsecexempt, 2); /* untouched on error */

	write_file(f->path, "garbage\n");
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), -EINVAL);
	write_file(f->path, "bootexemption=udp:0:53\n");
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), -EINVAL);

	/* save refuses an out-of-range struct and keeps the old file. */
	write_file(f->path, "ipsecexempt=1\n");
	ns_config_defaults(&c);
	c.strongcrlcheck = 5;
	assert_int_equal(ns_config_save(f->dir, &c, err, sizeof(err)), -ERANGE);
	assert_int_equal(ns_config_load(f->dir, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ipsecexempt, 1);
}

static void test_format(void **state)
{
	struct ns_bootexemption b = {
		.protocol = 17, .srcport = 68, .dstport = 67, .dir = NS_DIR_OUTBOUND};
	char buf[64];

	ns_bootexemption_format(&b, buf, sizeof(buf));
	assert_string_equal(buf, "UDP:68:67:outbound");
	b.protocol = 50;
	b.srcport = b.dstport = 0;
	b.dir = NS_DIR_INBOUND;
	ns_bootexemption_format(&b, buf, sizeof(buf));
	assert_string_equal(buf, "50:0:0:inbound");
	assert_string_equal(ns_bootmode_name(NS_BOOT_STATEFUL), "stateful");
}

/* Garbage never crashes the loader, and an error leaves cfg untouched. */
static void test_garbage(void **state)
{
	struct fx *f = *state;
	static const char *const bits[] = {"ipsecexempt",
					   "bootmode",
					   "bootexemption",
					   "=",
					   "=",
					   "0",
					   "3",
					   "99",
					   "block",
					   "tcp:0:22:inbound",
					   "udp:1:2:outbound",
					   ":",
					   " ",
					   "\t",
					   "#",
					   "\n",
					   "\n",
					   "\xff",
					   "\r\n",
					   "ipsecloginterval=600"};
	unsigned st = 12345;

	for (int round = 0; round < 500; round++) {
		struct ns_config c, before;
		char text[512] = "", err[256];
		size_t len = 0;
		int ret;

		for (int k = 0; k < 24; k++) {
			const char *b;

			st = st * 1103515245u + 12345u;
			b = bits[(st >> 16) % (sizeof(bits) / sizeof(bits[0]))];
			if (len + strlen(b) + 1 < sizeof(text)) {
				strcat(text, b);
				len += strlen(b);
			}
		}
		write_file(f->path, text);
		ns_config_defaults(&c);
		c.ipsecloginterval = 61;
		before = c;
		ret = ns_config_load(f->dir, &c, err, sizeof(err));
		if (ret) {
			assert_memory_equal(&c, &before, sizeof(c));
			assert_true(strlen(err) > 0);
		} else {
			assert_int_equal(ns_config_validate(&c, err, sizeof(err)), 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_when_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test(test_set_validation),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
