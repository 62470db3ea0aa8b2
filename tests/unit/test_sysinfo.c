// SPDX-License-Identifier: GPL-2.0
/* sysinfo parsers on fixture files written by the test. */
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

#include <cmocka.h>

#include "apply/sysinfo.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct fx {
	char dir[64];
	char files[16][160];
	int n;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_sysinfo.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = f->n - 1; i >= 0; i--)
		remove(f->files[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write dir/name (creating sub-directories named in "name" first). */
static const char *fixture(struct fx *f, const char *name, const char *text)
{
	char *path = f->files[f->n++], tmp[sizeof(f->files[0])];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s/%s", f->dir, name);
	memcpy(path, tmp, sizeof(tmp));
	if (!text) {
		assert_int_equal(mkdir(path, 0700), 0);
		return path;
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void test_resolv(void **state)
{
	struct fx *f = *state;
	uint32_t *l = NULL;
	size_t n = 0;
	const char *p = fixture(f, "resolv.conf",
				"# generated\n"
				"domain example.org\n"
				"nameserver 192.0.2.1\n"
				"  nameserver\t192.0.2.2   # comment\n"
				"nameserver 2001:db8::1\n"
				"nameserver 192.0.2.1\n"
				"nameserver bogus\n"
				"options edns0\n");

	assert_int_equal(sysinfo_parse_resolv(p, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0], IP(192, 0, 2, 1));
	assert_int_equal(l[1], IP(192, 0, 2, 2));
	free(l);
	l = NULL;
	n = 0;
	/* Missing file: no servers, no error. */
	assert_int_equal(sysinfo_parse_resolv("/nonexistent/resolv.conf", &l, &n), 0);
	assert_int_equal(n, 0);
}

static void test_resolved_stub(void **state)
{
	struct fx *f = *state;
	struct sysinfo_paths paths = {0};
	struct sysinfo si;

	paths.resolv_conf = fixture(f, "stub.conf", "nameserver 127.0.0.53\noptions edns0\n");
	paths.resolved_conf = fixture(f, "upstream.conf", "nameserver 198.51.100.7\n");
	paths.dhclient_dir = paths.networkd_dir = paths.nm_dir = "/nonexistent";
	assert_int_equal(sysinfo_read(&paths, false, &si, NULL, 0), 0);
	assert_int_equal(si.n_dns, 1);
	assert_int_equal(si.dns[0], IP(198, 51, 100, 7));
	sysinfo_free(&si);
}

static void test_dhclient(void **state)
{
	struct fx *f = *state;
	uint32_t *l = NULL;
	size_t n = 0;
	const char *p = fixture(f, "dhclient.eth0.leases",
				"lease {\n"
				"  interface \"eth0\";\n"
				"  fixed-address 192.0.2.50;\n"
				"  option subnet-mask 255.255.255.0;\n"
				"  option dhcp-server-identifier 192.0.2.1;\n"
				"  option routers 192.0.2.254;\n"
				"}\n"
				"lease {\n"
				"  interface \"eth0\";\n"
				"  fixed-address 192.0.2.51;\n"
				"  option dhcp-server-identifier 192.0.2.9;\n"
				"  renew 4 2026/11/26 10:00:00;\n"
				"}\n");

	/* The last lease block is the current one. */
	assert_int_equal(sysinfo_parse_lease(p, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0], IP(192, 0, 2, 9));
	free(l);
}

static void test_networkd_and_nm(void **state)
{
	struct fx *f = *state;
	uint32_t *l = NULL;
	size_t n = 0;
	const char *dir = fixture(f, "leases", NULL);

	fixture(f, "leases/2",
		"# This is private data. Do not parse.\n"
		"ADDRESS=10.0.2.15\nNETMASK=255.255.255.0\nROUTER=10.0.2.2\n"
		"SERVER_ADDRESS=10.0.2.2\nLIFETIME=86400\n");
	fixture(f, "leases/3", "ADDRESS=10.0.3.15\nSERVER_ADDRESS=10.0.3.3\n");
	fixture(f, "leases/internal-1234-eth2.lease",
		"ADDRESS=10.0.4.9\nSERVER_ADDRESS=10.0.4.1\n");
	fixture(f, "leases/junk.lease", "nothing useful\n");

	assert_int_equal(sysinfo_parse_lease_dir(dir, "", &l, &n), 0);
	assert_int_equal(n, 3);
	/* Sorted by file name: reproducible. */
	assert_int_equal(l[0], IP(10, 0, 2, 2));
	assert_int_equal(l[1], IP(10, 0, 3, 3));
	assert_int_equal(l[2], IP(10, 0, 4, 1));
	free(l);
	l = NULL;
	n = 0;
	assert_int_equal(sysinfo_parse_lease_dir(dir, ".lease", &l, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0], IP(10, 0, 4, 1));
	free(l);
	l = NULL;
	n = 0;
	assert_int_equal(sysinfo_parse_lease_dir("/nonexistent", "", &l, &n), 0);
	assert_int_equal(n, 0);
}

static void test_wins(void **state)
{
	struct fx *f = *state;
	uint32_t *l = NULL;
	size_t n = 0;
	const char *p = fixture(f, "wins-servers",
				"# primary, secondary\n192.0.2.10\n\n"
				"192.0.2.11 192.0.2.10  # same again\n");
	const char *bad = fixture(f, "wins-bad", "192.0.2.10\nwins.example\n");

	assert_int_equal(sysinfo_parse_wins(p, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0], IP(192, 0, 2, 10));
	assert_int_equal(l[1], IP(192, 0, 2, 11));
	free(l);
	l = NULL;
	n = 0;
	assert_int_equal(sysinfo_parse_wins(bad, &l, &n), -EINVAL);
	free(l);
}

static void test_read_all(void **state)
{
	struct fx *f = *state;
	struct sysinfo_paths paths = {0};
	struct sysinfo si;
	char err[256] = "";

	paths.resolv_conf = fixture(f, "resolv.conf", "nameserver 192.0.2.53\n");
	paths.dhclient_dir = fixture(f, "dhcp", NULL);
	fixture(f, "dhcp/dhclient.leases",
		"lease {\n option dhcp-server-identifier 192.0.2.67;\n}\n");
	fixture(f, "dhcp/other.txt", "lease {\n option dhcp-server-identifier 192.0.2.99;\n}\n");
	paths.networkd_dir = "/nonexistent";
	paths.nm_dir = "/nonexistent";
	paths.wins_file = fixture(f, "wins", "192.0.2.44\n");
	assert_int_equal(sysinfo_read(&paths, false, &si, err, sizeof(err)), 0);
	assert_int_equal(si.n_dns, 1);
	assert_int_equal(si.n_dhcp, 1); /* other.txt is not a *.leases file */
	assert_int_equal(si.dhcp[0], IP(192, 0, 2, 67));
	assert_int_equal(si.n_wins, 1);
	assert_int_equal(si.n_addrs, 0);
	sysinfo_free(&si);

	/* A broken WINS file is an error naming the file. */
	paths.wins_file = fixture(f, "wins2", "not-an-address\n");
	assert_int_equal(sysinfo_read(&paths, false, &si, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "wins2"));
}

static void test_addr_list(void **state)
{
	struct sysinfo si = {0};

	assert_int_equal(sysinfo_add_addr(&si, IP(127, 0, 0, 1), 8, "lo"), 0);
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 1), 24, "eth0"), 0);
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 1), 24, "eth0"), 0);
	assert_int_equal(si.n_addrs, 1);
	assert_string_equal(si.addrs[0].ifname, "eth0");
	sysinfo_free(&si);
}

static void test_netlink(void **state)
{
	struct sysinfo si = {0};
	char err[256] = "";

	/* Whatever this machine has, the dump must work and never list
	 * loopback addresses. */
	assert_int_equal(sysinfo_read_netlink(&si, err, sizeof(err)), 0);
	for (size_t i = 0; i < si.n_addrs; i++)
		assert_int_not_equal(si.addrs[i].addr >> 24, 127);
	sysinfo_free(&si);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolved_stub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhclient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_networkd_and_nm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_all, setup, teardown),
		cmocka_unit_test(test_addr_list),
		cmocka_unit_test(test_netlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
