// SPDX-License-Identifier: GPL-2.0
/* Single-value formatters: the spellings show and dump rely on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/format.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void t_names(void **state)
{
	assert_string_equal(ns_fmt_yesno(true), "yes");
	assert_string_equal(ns_fmt_yesno(false), "no");
	assert_string_equal(ns_fmt_cipher(NS_CIPHER_3DES), "3DES");
	assert_string_equal(ns_fmt_cipher(NS_CIPHER_NONE), "None");
	assert_string_equal(ns_fmt_cipher(NS_CIPHER_AES256), "AES256");
	assert_string_equal(ns_fmt_hash(NS_HASH_SHA1), "SHA1");
	assert_string_equal(ns_fmt_hash(NS_HASH_SHA384), "SHA384");
	assert_string_equal(ns_fmt_dh(NS_DH_3), "3");
	assert_string_equal(ns_fmt_dh(NS_DH_14), "14");
	assert_string_equal(ns_fmt_action(NS_ACTION_BLOCK), "block");
	assert_string_equal(ns_fmt_conntype(NS_CONN_DIALUP), "dialup");
	assert_string_equal(ns_fmt_auth_kind(NS_AUTH_PSK), "Preshared Key");
	assert_string_equal(ns_fmt_server_keyword(NS_ADDR_SRV_GATEWAY), "GATEWAY");
	assert_null(ns_fmt_server_keyword(NS_ADDR_IP));
	assert_string_equal(ns_fmt_cipher((enum ns_cipher)99), "?");
}

static void t_addresses(void **state)
{
	char b[64];

	assert_int_equal(ns_fmt_ipv4(b, sizeof(b), IP(10, 1, 2, 3)), 8);
	assert_string_equal(b, "10.1.2.3");
	ns_fmt_mask(b, sizeof(b), 0xffffff00);
	assert_string_equal(b, "255.255.255.0");
	ns_fmt_mask(b, sizeof(b), 0);
	assert_string_equal(b, "0.0.0.0");
	/* Too small: truncated, NUL terminated, -ENOSPC. */
	assert_int_equal(ns_fmt_ipv4(b, 4, IP(10, 1, 2, 3)), -ENOSPC);
	assert_string_equal(b, "10.");
}

static void t_proto_port(void **state)
{
	char b[16];

	ns_fmt_protocol(b, sizeof(b), 0);
	assert_string_equal(b, "ANY");
	ns_fmt_protocol(b, sizeof(b), 1);
	assert_string_equal(b, "ICMP");
	ns_fmt_protocol(b, sizeof(b), 6);
	assert_string_equal(b, "TCP");
	ns_fmt_protocol(b, sizeof(b), 17);
	assert_string_equal(b, "UDP");
	ns_fmt_protocol(b, sizeof(b), 255);
	assert_string_equal(b, "RAW");
	ns_fmt_protocol(b, sizeof(b), 47);
	assert_string_equal(b, "47");
	ns_fmt_port(b, sizeof(b), 0);
	assert_string_equal(b, "ANY");
	ns_fmt_port(b, sizeof(b), 65535);
	assert_string_equal(b, "65535");
}

static void t_endpoints(void **state)
{
	char b[128];
	struct ns_endpoint e = {.kind = NS_ADDR_ME, .mask = 0xffffffff};

	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "<My IP Address>");
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "me");
	e.kind = NS_ADDR_ANY;
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "<Any IP Address>");
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "any");
	e = (struct ns_endpoint){.kind = NS_ADDR_IP, .addr = IP(192, 168, 0, 1)};
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "192.168.0.1");
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "192.168.0.1");
	e = (struct ns_endpoint){
		.kind = NS_ADDR_DNS_NAME, .addr = IP(192, 0, 2, 1), .dnsname = "host.example"};
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "host.example (192.0.2.1)");
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "host.example");
	e = (struct ns_endpoint){.kind = NS_ADDR_SRV_DNS};
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "<DNS Servers>");
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "DNS");
	e.kind = NS_ADDR_SRV_WINS;
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "<WINS Servers>");
	e.kind = NS_ADDR_SRV_DHCP;
	ns_fmt_endpoint_arg(b, sizeof(b), &e);
	assert_string_equal(b, "DHCP");
	e.kind = NS_ADDR_SRV_GATEWAY;
	ns_fmt_endpoint(b, sizeof(b), &e);
	assert_string_equal(b, "<Default Gateway>");
}

static void t_methods(void **state)
{
	char b[256];
	struct ns_mm_method mm = {NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_2};
	struct ns_qm_method qm[3] = {
		{.kind = NS_QM_ESP,
		 .esp_conf = NS_CIPHER_3DES,
		 .esp_auth = NS_HASH_SHA1,
		 .lifetime_kb = 100000,
		 .lifetime_sec = 3600},
		{.kind = NS_QM_AH, .ah_hash = NS_HASH_MD5, .lifetime_kb = 5, .lifetime_sec = 300},
		{.kind = NS_QM_AH_ESP,
		 .ah_hash = NS_HASH_SHA1,
		 .esp_conf = NS_CIPHER_DES,
		 .esp_auth = NS_HASH_NONE,
		 .lifetime_kb = 1,
		 .lifetime_sec = 2},
	};

	ns_fmt_mm_method(b, sizeof(b), &mm);
	assert_string_equal(b, "3DES-SHA1-2");
	ns_fmt_mm_methods(b, sizeof(b), ns_default_mm_methods, 3);
	assert_string_equal(b, "3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3");
	ns_fmt_qm_method(b, sizeof(b), &qm[0]);
	assert_string_equal(b, "ESP[3DES,SHA1]:100000k/3600s");
	ns_fmt_qm_method(b, sizeof(b), &qm[1]);
	assert_string_equal(b, "AH[MD5]:5k/300s");
	ns_fmt_qm_method(b, sizeof(b), &qm[2]);
	assert_string_equal(b, "AH[SHA1+DES,None]:1k/2s");
	assert_int_equal(ns_fmt_qm_methods(b, sizeof(b), qm, 2),
			 (int)strlen("ESP[3DES,SHA1]:100000k/3600s AH[MD5]:5k/300s"));
	assert_string_equal(b, "ESP[3DES,SHA1]:100000k/3600s AH[MD5]:5k/300s");
	/* A short buffer ends on a whole method. */
	assert_int_equal(ns_fmt_qm_methods(b, 40, qm, 2), -ENOSPC);
	ns_fmt_qm_methods(b, sizeof(b), qm, 0);
	assert_string_equal(b, "");
}

static void t_auth_time(void **state)
{
	char b[256];
	struct ns_auth psk = {.kind = NS_AUTH_PSK, .value = "topsecret"};
	struct ns_auth ca = {.kind = NS_AUTH_ROOTCA, .value = "CN=Root", .excludecaname = true};
	struct ns_auth kerb = {.kind = NS_AUTH_KERBEROS, .value = ""};

	ns_fmt_auth(b, sizeof(b), &psk);
	assert_null(strstr(b, "topsecret"));
	assert_non_null(strstr(b, "Preshared"));
	ns_fmt_auth(b, sizeof(b), &ca);
	assert_string_equal(b, "Root CA: CN=Root (certmap: no, excludecaname: yes)");
	ns_fmt_auth(b, sizeof(b), &kerb);
	assert_string_equal(b, "Kerberos");
	ns_fmt_time(b, sizeof(b), 0);
	assert_string_equal(b, "unknown");
	ns_fmt_time(b, sizeof(b), 1700000000);
	assert_string_equal(b, "2023-11-14 22:13:20 UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_names),	cmocka_unit_test(t_addresses),
		cmocka_unit_test(t_proto_port), cmocka_unit_test(t_endpoints),
		cmocka_unit_test(t_methods),	cmocka_unit_test(t_auth_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
