// SPDX-License-Identifier: GPL-2.0
/* Value parsers: every grammar and every error path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/values.h"

static char err[512];

static void test_bool(void **state)
{
	bool b = false;

	assert_int_equal(ns_val_bool("yes", &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(ns_val_bool("NO", &b, err, sizeof(err)), 0);
	assert_false(b);
	assert_int_equal(ns_val_bool("Yes", &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(ns_val_bool("1", &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "use yes or no"));
	assert_int_equal(ns_val_bool("", &b, err, sizeof(err)), -EINVAL);
}

static void test_uint(void **state)
{
	uint32_t v;

	assert_int_equal(ns_val_uint("0", 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ns_val_uint("10", 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 10);
	assert_int_equal(ns_val_uint("11", 0, 10, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(ns_val_uint("-1", 0, 10, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a number"));
	assert_int_equal(ns_val_uint("1x", 0, 10, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_uint("", 0, 10, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_uint("99999999999999", 0, 0xffffffffu, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ns_val_uint("4294967295", 0, 0xffffffffu, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(ns_val_uint("4294967296", 0, 0xffffffffu, &v, err, sizeof(err)), -EINVAL);
}

static void test_enum(void **state)
{
	static const char *const c[] = {"permit", "block", "negotiate", NULL};
	uint32_t v;

	assert_int_equal(ns_val_enum("BLOCK", c, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ns_val_enum("negotiate", c, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 2);
	assert_int_equal(ns_val_enum("bl", c, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "permit|block|negotiate"));
}

static void test_mask(void **state)
{
	uint32_t m;

	assert_int_equal(ns_val_mask("24", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0xffffff00u);
	assert_int_equal(ns_val_mask("32", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0xffffffffu);
	assert_int_equal(ns_val_mask("1", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0x80000000u);
	assert_int_equal(ns_val_mask("255.255.0.0", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0xffff0000u);
	assert_int_equal(ns_val_mask("0.0.0.0", &m, err, sizeof(err)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(ns_val_mask("255.255.255.255", &m, err, sizeof(err)), 0);
	assert_int_equal(ns_val_mask("0", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "prefix 1-32"));
	assert_int_equal(ns_val_mask("33", &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_mask("255.0.255.0", &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "255.0.255.0 is not a contiguous mask; use a dotted mask like "
				 "255.255.0.0 or a prefix 1-32");
	assert_int_equal(ns_val_mask("0.255.255.255", &m, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_mask("255.255", &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a mask"));
	assert_int_equal(ns_val_mask("/24", &m, err, sizeof(err)), -EINVAL);
}

static void test_port_proto(void **state)
{
	uint16_t p;
	uint8_t pr;

	assert_int_equal(ns_val_port("0", &p, err, sizeof(err)), 0);
	assert_int_equal(ns_val_port("65535", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(ns_val_port("65536", &p, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_port("http", &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "0 (any) to 65535"));
	assert_int_equal(ns_val_proto("ANY", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 0);
	assert_int_equal(ns_val_proto("icmp", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 1);
	assert_int_equal(ns_val_proto("Tcp", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 6);
	assert_int_equal(ns_val_proto("udp", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 17);
	assert_int_equal(ns_val_proto("raw", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 255);
	assert_int_equal(ns_val_proto("50", &pr, err, sizeof(err)), 0);
	assert_int_equal(pr, 50);
	assert_int_equal(ns_val_proto("256", &pr, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_proto("gre", &pr, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ANY, ICMP, TCP, UDP, RAW or 0-255"));
}

static void test_name(void **state)
{
	char big[NS_NAME_MAX + 2];

	assert_int_equal(ns_val_name("Web", err, sizeof(err)), 0);
	assert_int_equal(ns_val_name("all of them", err, sizeof(err)), 0);
	assert_int_equal(ns_val_name("all", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "reserved"));
	assert_int_equal(ns_val_name("aLL", err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_name("", err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_name("a\tb", err, sizeof(err)), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ns_val_name(big, err, sizeof(err)), -EINVAL);
}

static int fake_resolve(const char *name, uint32_t *addr)
{
	if (strcmp(name, "host.example") == 0) {
		*addr = 0x0a000001;
		return 0;
	}
	return -ENOENT;
}

static void test_endpoint(void **state)
{
	static const struct {
		const char *in;
		enum ns_addr_kind kind;
		uint32_t mask;
	} kw[] = {{"me", NS_ADDR_ME, 0xffffffffu},          {"ANY", NS_ADDR_ANY, 0},
		  {"Wins", NS_ADDR_SRV_WINS, 0xffffffffu},    {"dns", NS_ADDR_SRV_DNS, 0xffffffffu},
		  {"DHCP", NS_ADDR_SRV_DHCP, 0xffffffffu},    {"gateway", NS_ADDR_SRV_GATEWAY, 0xffffffffu}};
	struct ns_endpoint e;

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		assert_int_equal(ns_val_endpoint(kw[i].in, fake_resolve, &e, err, sizeof(err)), 0);
		assert_int_equal(e.kind, kw[i].kind);
		assert_int_equal(e.mask, kw[i].mask);
		assert_null(e.dnsname);
	}
	assert_int_equal(ns_val_endpoint("192.168.1.2", fake_resolve, &e, err, sizeof(err)), 0);
	assert_int_equal(e.kind, NS_ADDR_IP);
	assert_int_equal(e.addr, 0xc0a80102u);
	assert_int_equal(e.mask, 0xffffffffu);
	assert_int_equal(ns_val_endpoint("host.example", fake_resolve, &e, err, sizeof(err)), 0);
	assert_int_equal(e.kind, NS_ADDR_DNS_NAME);
	assert_int_equal(e.addr, 0x0a000001);
	assert_string_equal(e.dnsname, "host.example");
	ns_endpoint_free(&e);
	/* Without a resolver the name is kept unresolved (delete filter). */
	assert_int_equal(ns_val_endpoint("other.example", NULL, &e, err, sizeof(err)), 0);
	assert_int_equal(e.kind, NS_ADDR_DNS_NAME);
	assert_int_equal(e.addr, 0);
	ns_endpoint_free(&e);
	assert_int_equal(ns_val_endpoint("nohost.example", fake_resolve, &e, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot resolve 'nohost.example'"));
	assert_int_equal(ns_val_endpoint("1.2.3", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "Me, Any, an IPv4 address"));
	assert_int_equal(ns_val_endpoint("256.1.1.1", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_endpoint("a b", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_endpoint("", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_endpoint("-x", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_host("10.1.1.1", fake_resolve, &e, err, sizeof(err)), 0);
	assert_int_equal(e.addr, 0x0a010101);
	assert_int_equal(ns_val_host("host.example", fake_resolve, &e, err, sizeof(err)), 0);
	ns_endpoint_free(&e);
	assert_int_equal(ns_val_host("1.2", fake_resolve, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "an IPv4 address or a DNS name"));
}

static void test_qm(void **state)
{
	struct ns_qm_method *m;
	size_t n;

	assert_int_equal(ns_val_qm_methods("ESP[3DES,SHA1]", &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].kind, NS_QM_ESP);
	assert_int_equal(m[0].esp_conf, NS_CIPHER_3DES);
	assert_int_equal(m[0].esp_auth, NS_HASH_SHA1);
	assert_int_equal(m[0].lifetime_kb, NS_QM_DEFAULT_KB);
	assert_int_equal(m[0].lifetime_sec, NS_QM_DEFAULT_SEC);
	free(m);

	assert_int_equal(ns_val_qm_methods("  esp[des,md5]:50000k/900s  AH[SHA1]:30000K "
					   "AH[MD5+3DES,SHA1]:1000s ESP [ AES128 , none ]:25000k "
					   "ESP[none,SHA256] AH[SHA384+AES256,SHA384]",
					   &m, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 6);
	assert_int_equal(m[0].esp_conf, NS_CIPHER_DES);
	assert_int_equal(m[0].esp_auth, NS_HASH_MD5);
	assert_int_equal(m[0].lifetime_kb, 50000);
	assert_int_equal(m[0].lifetime_sec, 900);
	assert_int_equal(m[1].kind, NS_QM_AH);
	assert_int_equal(m[1].ah_hash, NS_HASH_SHA1);
	assert_int_equal(m[1].lifetime_kb, 30000);
	assert_int_equal(m[1].lifetime_sec, NS_QM_DEFAULT_SEC);
	assert_int_equal(m[2].kind, NS_QM_AH_ESP);
	assert_int_equal(m[2].ah_hash, NS_HASH_MD5);
	assert_int_equal(m[2].esp_conf, NS_CIPHER_3DES);
	assert_int_equal(m[2].esp_auth, NS_HASH_SHA1);
	assert_int_equal(m[2].lifetime_kb, NS_QM_DEFAULT_KB);
	assert_int_equal(m[2].lifetime_sec, 1000);
	assert_int_equal(m[3].esp_conf, NS_CIPHER_AES128);
	assert_int_equal(m[3].esp_auth, NS_HASH_NONE);
	assert_int_equal(m[4].esp_conf, NS_CIPHER_NONE);
	assert_int_equal(m[4].esp_auth, NS_HASH_SHA256);
	assert_int_equal(m[5].esp_conf, NS_CIPHER_AES256);
	assert_int_equal(m[5].ah_hash, NS_HASH_SHA384);
	free(m);

	assert_int_equal(ns_val_qm_methods("ESP[3DES,SHA1]:3600s/100000k", &m, &n, err, sizeof(err)),
			 0);
	assert_int_equal(m[0].lifetime_kb, 100000);
	free(m);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"", "no method given"},
		{"ESP[none,none]", "cannot both be none"},
		{"AH[SHA1+none,none]", "cannot both be none"},
		{"AH[none]", "not an integrity algorithm"},
		{"ESP[RC4,SHA1]", "not an encryption algorithm"},
		{"ESP[3DES,SHA512]", "not an integrity algorithm"},
		{"ESP[3DES]", "not a quick mode method"},
		{"ESP3DES,SHA1", "not a quick mode method"},
		{"FOO[3DES,SHA1]", "not a quick mode method"},
		{"ESP[3DES,SHA1]x", "not a quick mode method"},
		{"ESP[3DES,SHA1]:", "bad lifetime"},
		{"ESP[3DES,SHA1]:10q", "bad lifetime"},
		{"ESP[3DES,SHA1]:100000k/", "bad lifetime"},
		{"ESP[3DES,SHA1]:100000k/100000k", "bad lifetime"},
		{"ESP[3DES,SHA1]:100k", "out of range"},
		{"ESP[3DES,SHA1]:10s", "out of range"},
		{"ESP[3DES,SHA1]:9999999999999k", "bad lifetime"},
		{"ESP[3DES,SHA1] ESP[3DES", "not a quick mode method"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ns_val_qm_methods(bad[i].in, &m, &n, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[i].in, err, bad[i].msg);
	}
}

static void test_mm(void **state)
{
	struct ns_mm_method *m;
	size_t n;

	assert_int_equal(ns_val_mm_methods("3DES-SHA1-2 des-md5-1 AES128-SHA256-14 AES192-SHA1-3 "
					   "AES256-SHA384-19 3DES-SHA1-20 3DES-SHA1-24",
					   &m, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 7);
	assert_int_equal(m[0].cipher, NS_CIPHER_3DES);
	assert_int_equal(m[0].hash, NS_HASH_SHA1);
	assert_int_equal(m[0].group, NS_DH_2);
	assert_int_equal(m[1].cipher, NS_CIPHER_DES);
	assert_int_equal(m[1].group, NS_DH_1);
	assert_int_equal(m[2].group, NS_DH_14);
	assert_int_equal(m[3].group, NS_DH_3);
	assert_int_equal(m[4].group, NS_DH_19);
	assert_int_equal(m[5].group, NS_DH_20);
	assert_int_equal(m[6].group, NS_DH_24);
	free(m);
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"", "no method given"},         {"3DES-SHA1", "not a main mode method"},
		{"3DES", "not a main mode method"}, {"none-SHA1-2", "not an encryption"},
		{"3DES-none-2", "not a hash"},   {"3DES-SHA1-5", "not a Diffie-Hellman group"},
		{"3DES-SHA1-2-1", "not a Diffie-Hellman group"}, {"-SHA1-2", "not an encryption"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ns_val_mm_methods(bad[i].in, &m, &n, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[i].in, err, bad[i].msg);
	}
}

static void test_rootca(void **state)
{
	struct ns_auth a;

	assert_int_equal(ns_val_rootca("CN=Root CA, O=Example", &a, err, sizeof(err)), 0);
	assert_int_equal(a.kind, NS_AUTH_ROOTCA);
	assert_string_equal(a.value, "CN=Root CA, O=Example");
	assert_false(a.certmap);
	assert_false(a.excludecaname);
	ns_auth_free(&a);
	assert_int_equal(ns_val_rootca("CN=x, O=\\'Quoted Org\\' certmap:YES excludecaname:yes", &a,
				       err, sizeof(err)),
			 0);
	assert_string_equal(a.value, "CN=x, O=\"Quoted Org\"");
	assert_true(a.certmap);
	assert_true(a.excludecaname);
	ns_auth_free(&a);
	assert_int_equal(ns_val_rootca("CN=y excludecaname:yes certmap:no ", &a, err, sizeof(err)),
			 0);
	assert_string_equal(a.value, "CN=y");
	assert_false(a.certmap);
	assert_true(a.excludecaname);
	ns_auth_free(&a);
	assert_int_equal(ns_val_rootca("certmap:yes", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no certificate authority name"));
	assert_int_equal(ns_val_rootca("", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_rootca("CN=z certmap:perhaps", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "certmap:perhaps"));
	assert_int_equal(ns_val_rootca("CN=z excludecaname:2", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns_val_rootca("CN=z certmap:yes certmap:no", &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "twice"));
}

static void test_weak(void **state)
{
	struct ns_qm_method q = {.kind = NS_QM_ESP, .esp_conf = NS_CIPHER_AES128,
				 .esp_auth = NS_HASH_SHA256};
	struct ns_mm_method m = {.cipher = NS_CIPHER_AES256, .hash = NS_HASH_SHA256,
				 .group = NS_DH_14};
	char buf[128];

	assert_false(ns_qm_weak(&q, 1, buf, sizeof(buf)));
	q.esp_conf = NS_CIPHER_DES;
	assert_true(ns_qm_weak(&q, 1, buf, sizeof(buf)));
	q.esp_conf = NS_CIPHER_3DES;
	q.esp_auth = NS_HASH_MD5;
	assert_true(ns_qm_weak(&q, 1, buf, sizeof(buf)));
	q.kind = NS_QM_AH;
	q.ah_hash = NS_HASH_MD5;
	assert_true(ns_qm_weak(&q, 1, buf, sizeof(buf)));
	assert_false(ns_mm_weak(&m, 1, buf, sizeof(buf)));
	m.group = NS_DH_1;
	assert_true(ns_mm_weak(&m, 1, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "group 1"));
	m.group = NS_DH_2;
	m.hash = NS_HASH_MD5;
	assert_true(ns_mm_weak(&m, 1, buf, sizeof(buf)));
	m.hash = NS_HASH_SHA1;
	m.cipher = NS_CIPHER_DES;
	assert_true(ns_mm_weak(&m, 1, buf, sizeof(buf)));
	assert_string_equal(ns_cipher_name(NS_CIPHER_AES192), "AES192");
	assert_string_equal(ns_hash_name(NS_HASH_SHA384), "SHA384");
	assert_string_equal(ns_dh_name(NS_DH_14), "14");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool),     cmocka_unit_test(test_uint),
		cmocka_unit_test(test_enum),     cmocka_unit_test(test_mask),
		cmocka_unit_test(test_port_proto), cmocka_unit_test(test_name),
		cmocka_unit_test(test_endpoint), cmocka_unit_test(test_qm),
		cmocka_unit_test(test_mm),       cmocka_unit_test(test_rootca),
		cmocka_unit_test(test_weak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
