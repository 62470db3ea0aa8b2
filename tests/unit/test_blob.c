// SPDX-License-Identifier: GPL-2.0
/* ipsecData codecs against byte vectors built by hand from the layout in
 * the storage reference, including the quirks of real Windows data. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/guid.h"
#include "winreg/blob.h"

/* A tiny byte builder, independent of the encoder under test. */
struct vec {
	uint8_t b[4096];
	size_t n;
};

static void v_u32(struct vec *v, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		v->b[v->n++] = (uint8_t)(x >> (8 * i));
}

static void v_u16(struct vec *v, uint16_t x)
{
	v->b[v->n++] = (uint8_t)x;
	v->b[v->n++] = (uint8_t)(x >> 8);
}

static void v_u8(struct vec *v, uint8_t x)
{
	v->b[v->n++] = x;
}

static void v_ip(struct vec *v, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	v_u8(v, a);
	v_u8(v, b);
	v_u8(v, c);
	v_u8(v, d);
}

static void v_zero(struct vec *v, size_t n)
{
	memset(v->b + v->n, 0, n);
	v->n += n;
}

static void v_guid(struct vec *v, const char *g)
{
	ns_guid_to_bin(g, v->b + v->n);
	v->n += 16;
}

/* ASCII only: UTF-16LE with the u32 length including the terminator. */
static void v_str(struct vec *v, const char *s)
{
	v_u32(v, (uint32_t)(2 * strlen(s) + 2));
	for (const char *c = s; *c; c++)
		v_u16(v, (uint16_t)*c);
	v_u16(v, 0);
}

static void v_frame(struct vec *v, const char *cls, uint32_t datalen)
{
	v->n = 0;
	v_guid(v, cls);
	v_u32(v, datalen);
}

static struct ns_winreg_report rep;
static const struct ns_blob_diag diag = {.rep = &rep, .key = "K", .value = "ipsecData"};

static int reset(void **state)
{
	(void)state;
	ns_winreg_report_free(&rep);
	return 0;
}

static bool report_has(const char *needle)
{
	for (size_t i = 0; i < rep.n; i++)
		if (strstr(rep.lines[i], needle))
			return true;
	return false;
}

/* ---- policy ---- */

static void t_policy(void **state)
{
	struct vec v;
	uint32_t sec;
	char err[256];
	struct ns_bbuf b = {0};

	(void)state;
	v_frame(&v, NS_CLASS_POLICY, 4);
	v_u32(&v, 7200);
	v_u8(&v, 0);
	assert_int_equal(ns_blob_policy_decode(v.b, v.n, &sec, &diag, err, sizeof(err)), 0);
	assert_int_equal(sec, 7200);
	assert_int_equal(rep.n, 0);
	/* the encoder writes exactly this */
	ns_blob_policy_encode(&b, 7200);
	assert_int_equal(b.len, v.n);
	assert_memory_equal(b.p, v.b, v.n);
	ns_bbuf_free(&b);
	/* 0 means three hours; a lying data length is ignored */
	v_frame(&v, NS_CLASS_POLICY, 99);
	v_u32(&v, 0);
	assert_int_equal(ns_blob_policy_decode(v.b, v.n, &sec, &diag, err, sizeof(err)), 0);
	assert_int_equal(sec, 10800);
	/* truncated */
	v.n -= 2;
	assert_int_equal(ns_blob_policy_decode(v.b, v.n, &sec, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 20"));
	assert_non_null(strstr(err, "K: ipsecData"));
	/* wrong class */
	v_frame(&v, NS_CLASS_FILTER, 4);
	v_u32(&v, 1);
	assert_int_equal(ns_blob_policy_decode(v.b, v.n, &sec, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "class GUID"));
	/* trailing bytes (later Windows) are reported, not fatal */
	v_frame(&v, NS_CLASS_POLICY, 4);
	v_u32(&v, 60);
	v_u32(&v, 0x01010101);
	assert_int_equal(ns_blob_policy_decode(v.b, v.n, &sec, &diag, err, sizeof(err)), 0);
	assert_true(report_has("4 bytes after the structure ignored at byte offset 24"));
}

/* ---- ISAKMP ---- */

static void v_mm(struct vec *v, uint32_t cipher, uint32_t hash, uint8_t ovr, uint32_t group,
		 uint32_t junk)
{
	size_t s = v->n;

	v_zero(v, 64);
	v->n = s + 4;
	v_u32(v, cipher);
	v_u32(v, 0x40);
	v_u32(v, 8);
	v_u32(v, hash);
	v_u32(v, junk); /* +20 ignored */
	v->n = s + 36;
	v_u8(v, ovr);
	v->n = s + 44;
	v_u32(v, group);
	v_u32(v, 0);
	v_u32(v, 0);
	v_u32(v, 28800);
	v_u32(v, junk); /* +60 ignored */
}

#define IK_GUID "{72385236-70FA-11D1-864C-14A300000000}"

static void isakmp_head(struct vec *v, uint32_t pfs, uint32_t opts, uint32_t qmpermm, uint32_t life,
			uint32_t n)
{
	v_frame(v, NS_CLASS_ISAKMP, 0);
	v_guid(v, IK_GUID);
	v_u32(v, 0);
	v_u32(v, pfs);
	v_u32(v, opts);
	v_u32(v, 0);
	v_u32(v, qmpermm);
	v_u32(v, life);
	v_zero(v, 20);
	v_u32(v, n);
}

static void t_isakmp(void **state)
{
	struct vec v;
	struct ns_blob_isakmp ik;
	char err[256];

	(void)state;
	isakmp_head(&v, 1, 3, 1, 0, 6);
	v_mm(&v, 3, 2, 0, 2, 0xdeadbeef); /* 3DES-SHA1-2 */
	v_mm(&v, 2, 1, 0, 0x10000001, 0); /* cipher 2 = 3DES, 2048 */
	v_mm(&v, 1, 2, 0, 1, 0);	  /* DES-SHA1-1 */
	v_mm(&v, 0, 0, 2, 0, 0);	  /* override 2: DES-SHA1 with 2048 */
	v_mm(&v, 9, 2, 0, 2, 0);	  /* unknown cipher: skipped */
	v_mm(&v, 1, 1, 0, 0x77, 0);	  /* unknown group: skipped */
	v_u8(&v, 0);
	assert_int_equal(ns_blob_isakmp_decode(v.b, v.n, &ik, &diag, err, sizeof(err)), 0);
	assert_string_equal(ik.guid, IK_GUID);
	assert_true(ik.pfs);
	assert_int_equal(ik.options, NS_WIN_OPT_CERTMAP | NS_WIN_OPT_EXCLUDECA);
	assert_int_equal(ik.qmpermm, 1);
	assert_int_equal(ik.lifetime_sec, 28800); /* 0 in the blob */
	assert_int_equal(ik.n_methods, 4);
	assert_int_equal(ik.methods[0].cipher, NS_CIPHER_3DES);
	assert_int_equal(ik.methods[0].hash, NS_HASH_SHA1);
	assert_int_equal(ik.methods[0].group, NS_DH_2);
	assert_int_equal(ik.methods[1].cipher, NS_CIPHER_3DES);
	assert_int_equal(ik.methods[1].hash, NS_HASH_MD5);
	assert_int_equal(ik.methods[1].group, NS_DH_3);
	assert_int_equal(ik.methods[2].cipher, NS_CIPHER_DES);
	assert_int_equal(ik.methods[2].group, NS_DH_1);
	assert_int_equal(ik.methods[3].cipher, NS_CIPHER_DES);
	assert_int_equal(ik.methods[3].hash, NS_HASH_SHA1);
	assert_int_equal(ik.methods[3].group, NS_DH_3);
	/* method 5 starts at 20 + 64 + 4*64 = 340; its cipher at +4 */
	assert_true(report_has("method 5: unknown cipher 9 at byte offset 344"));
	assert_true(report_has("method 6: unknown DH group 0x77 at byte offset 448"));
	free(ik.methods);

	/* a count larger than the blob: error at the count's end */
	isakmp_head(&v, 0, 0, 0, 3600, 3);
	v_mm(&v, 3, 2, 0, 2, 0);
	assert_int_equal(ns_blob_isakmp_decode(v.b, v.n, &ik, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 84"));
	/* header cut short */
	assert_int_equal(ns_blob_isakmp_decode(v.b, 50, &ik, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 48"));
}

static void t_isakmp_encode(void **state)
{
	struct ns_mm_method m[2] = {{NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_2},
				    {NS_CIPHER_DES, NS_HASH_MD5, NS_DH_3}};
	struct ns_blob_isakmp in = {
		.pfs = false, .qmpermm = 5, .lifetime_sec = 600, .methods = m, .n_methods = 2};
	struct ns_bbuf b = {0};
	struct vec v;
	size_t s;

	(void)state;
	strcpy(in.guid, IK_GUID);
	ns_blob_isakmp_encode(&b, &in);
	isakmp_head(&v, 0, 0, 5, 600, 2);
	s = v.n;
	v_zero(&v, 128);
	v.n = s + 4;
	v_u32(&v, 3);
	v_u32(&v, 0x40);
	v_u32(&v, 8);
	v_u32(&v, 2);
	v.n = s + 44;
	v_u32(&v, 2);
	v_u32(&v, 5);
	v_u32(&v, 0);
	v_u32(&v, 600);
	v.n = s + 64 + 4;
	v_u32(&v, 1);
	v_u32(&v, 0x40);
	v_u32(&v, 8);
	v_u32(&v, 1);
	v.n = s + 64 + 44;
	v_u32(&v, 0x10000001);
	v_u32(&v, 5);
	v_u32(&v, 0);
	v_u32(&v, 600);
	v.n = s + 128;
	v_u8(&v, 0);
	/* data length = body */
	v.b[16] = (uint8_t)(v.n - 21);
	assert_int_equal(b.len, v.n);
	assert_memory_equal(b.p, v.b, v.n);
	ns_bbuf_free(&b);
}

/* ---- NFA ---- */

static void t_nfa(void **state)
{
	struct vec v;
	struct ns_rule r = {0};
	char err[256];
	struct ns_bbuf b = {0};

	(void)state;
	v_frame(&v, NS_CLASS_NFA, 0);
	v_u32(&v, 4);
	v_u32(&v, 1);
	v_str(&v, "secret");
	v_u32(&v, 3);
	v_str(&v, "CN=Root, O=Example");
	v_u32(&v, 5);
	v_u32(&v, 2);
	v_u16(&v, 0);
	v_u32(&v, 42); /* unknown auth type, skipped by its length */
	v_u32(&v, 4);
	v_u32(&v, 0xffffffff);
	v_u32(&v, 0xFFFFFFFE); /* LAN */
	v_str(&v, "eth0");
	v_ip(&v, 192, 0, 2, 7);
	v_u32(&v, 1);
	v_u32(&v, 1);
	v_str(&v, "gw.example.com");
	/* a Vista+ section */
	v_guid(&v, "{01010101-0101-0101-0101-010101010101}");
	v_u32(&v, 8);
	v_u8(&v, 0);
	assert_int_equal(ns_blob_nfa_decode(v.b, v.n, &r, &diag, err, sizeof(err)), 0);
	assert_int_equal(r.n_auth, 3);
	assert_int_equal(r.auth[0].kind, NS_AUTH_PSK);
	assert_string_equal(r.auth[0].value, "secret");
	assert_int_equal(r.auth[1].kind, NS_AUTH_ROOTCA);
	assert_string_equal(r.auth[1].value, "CN=Root, O=Example");
	assert_int_equal(r.auth[2].kind, NS_AUTH_KERBEROS);
	assert_string_equal(r.auth[2].value, "");
	assert_int_equal(r.conntype, NS_CONN_LAN);
	assert_true(r.tunnel_set);
	assert_int_equal(r.tunnel_addr, 0xC0000207);
	assert_true(r.active);
	assert_string_equal(r.tunnel_dnsname, "gw.example.com");
	assert_true(report_has("unknown type 42"));
	assert_true(report_has("interface name \"eth0\""));
	assert_true(report_has("Vista"));
	/* re-encoding: the same fields minus what we dropped */
	ns_blob_nfa_encode(&b, &r);
	ns_rule_free(&r);
	memset(&r, 0, sizeof(r));
	reset(NULL);
	assert_int_equal(ns_blob_nfa_decode(b.p, b.len, &r, &diag, err, sizeof(err)), 0);
	assert_int_equal(rep.n, 0);
	assert_int_equal(r.n_auth, 3);
	assert_int_equal(r.tunnel_addr, 0xC0000207);
	assert_string_equal(r.tunnel_dnsname, "gw.example.com");
	ns_bbuf_free(&b);
	ns_rule_free(&r);

	/* Windows 2000: no tunnel DNS name at all; dial-up; inactive transport */
	memset(&r, 0, sizeof(r));
	v_frame(&v, NS_CLASS_NFA, 0);
	v_u32(&v, 0);
	v_u32(&v, 0xFFFFFFFF);
	v_str(&v, "");
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	assert_int_equal(ns_blob_nfa_decode(v.b, v.n, &r, &diag, err, sizeof(err)), 0);
	assert_int_equal(r.n_auth, 0);
	assert_int_equal(r.conntype, NS_CONN_DIALUP);
	assert_false(r.tunnel_set);
	assert_false(r.active);
	assert_string_equal(r.tunnel_dnsname, "");
	ns_rule_free(&r);

	/* a DNS name with the tunnel flag off: transport, reported */
	memset(&r, 0, sizeof(r));
	reset(NULL);
	v_frame(&v, NS_CLASS_NFA, 0);
	v_u32(&v, 0);
	v_u32(&v, 0xFFFFFFFD);
	v_str(&v, "");
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 1);
	v_str(&v, "gw");
	assert_int_equal(ns_blob_nfa_decode(v.b, v.n, &r, &diag, err, sizeof(err)), 0);
	assert_false(r.tunnel_set);
	assert_string_equal(r.tunnel_dnsname, "");
	assert_true(report_has("tunnel DNS name \"gw\" with the tunnel flag off"));
	ns_rule_free(&r);

	/* an auth length running past the end */
	memset(&r, 0, sizeof(r));
	v_frame(&v, NS_CLASS_NFA, 0);
	v_u32(&v, 1);
	v_u32(&v, 1);
	v_u32(&v, 400);
	v_zero(&v, 8);
	assert_int_equal(ns_blob_nfa_decode(v.b, v.n, &r, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 28"));
	assert_null(r.auth);
}

/* ---- negotiation policy ---- */

static void v_offer(struct vec *v, uint32_t sec, uint32_t kb, uint32_t pfs, uint32_t cnt,
		    const uint32_t t[3][3], bool garbage)
{
	v_u32(v, sec);
	v_u32(v, kb);
	v_u32(v, 0);
	v_u32(v, pfs);
	v_u32(v, cnt);
	for (uint32_t i = 0; i < 3; i++) {
		if (i < cnt || !garbage) {
			v_u32(v, i < cnt ? t[i][0] : 0);
			v_u32(v, i < cnt ? t[i][1] : 0);
			v_u32(v, i < cnt ? t[i][2] : 0);
			v_zero(v, 8);
		} else {
			for (int k = 0; k < 20; k++)
				v_u8(v, (uint8_t)(0xA5 ^ k));
		}
	}
}

static void t_negpol(void **state)
{
	static const uint32_t esp3[3][3] = {{3, 2, 2}};
	static const uint32_t esp2[3][3] = {{2, 1, 2}};
	static const uint32_t espnull[3][3] = {{0, 2, 2}};
	static const uint32_t ah[3][3] = {{1, 0, 1}};
	static const uint32_t ahesp[3][3] = {{2, 0, 1}, {1, 1, 2}};
	static const uint32_t none[3][3] = {{0}};
	static const uint32_t bad[3][3] = {{0, 0, 2}};
	struct vec v;
	struct ns_filteraction fa = {.action = NS_ACTION_NEGOTIATE};
	char err[256];

	(void)state;
	v_frame(&v, NS_CLASS_NEGPOL, 0);
	v_u32(&v, 7);
	v_offer(&v, 900, 50000, 1, 1, esp3, true);
	v_offer(&v, 0, 0, 1, 1, esp2, true);
	v_offer(&v, 300, 0, 1, 1, espnull, false);
	v_offer(&v, 0, 0, 1, 1, ah, true);
	v_offer(&v, 0, 0, 1, 2, ahesp, true);
	v_offer(&v, 0, 0, 1, 1, bad, false);  /* ESP with nothing: skipped */
	v_offer(&v, 0, 0, 0, 0, none, false); /* soft */
	v_u8(&v, 0);
	assert_int_equal(ns_blob_negpol_decode(v.b, v.n, &fa, &diag, err, sizeof(err)), 0);
	assert_int_equal(fa.n_methods, 5);
	assert_true(fa.qmpfs);
	assert_true(fa.soft);
	assert_int_equal(fa.methods[0].kind, NS_QM_ESP);
	assert_int_equal(fa.methods[0].esp_conf, NS_CIPHER_3DES);
	assert_int_equal(fa.methods[0].esp_auth, NS_HASH_SHA1);
	assert_int_equal(fa.methods[0].lifetime_sec, 900);
	assert_int_equal(fa.methods[0].lifetime_kb, 50000);
	assert_int_equal(fa.methods[1].esp_conf, NS_CIPHER_3DES); /* 2 = 3DES as well */
	assert_int_equal(fa.methods[1].esp_auth, NS_HASH_MD5);
	assert_int_equal(fa.methods[1].lifetime_sec, NS_QM_DEFAULT_SEC);
	assert_int_equal(fa.methods[1].lifetime_kb, NS_QM_DEFAULT_KB);
	assert_int_equal(fa.methods[2].esp_conf, NS_CIPHER_NONE);
	assert_int_equal(fa.methods[2].esp_auth, NS_HASH_SHA1);
	assert_int_equal(fa.methods[3].kind, NS_QM_AH);
	assert_int_equal(fa.methods[3].ah_hash, NS_HASH_MD5);
	assert_int_equal(fa.methods[4].kind, NS_QM_AH_ESP);
	assert_int_equal(fa.methods[4].ah_hash, NS_HASH_SHA1);
	assert_int_equal(fa.methods[4].esp_conf, NS_CIPHER_DES);
	assert_int_equal(fa.methods[4].esp_auth, NS_HASH_MD5);
	/* offer 6 at 24 + 5*80 = 424, its transform at +20 */
	assert_true(report_has("offer 6: unusable ESP cipher 0 / integrity 0 at byte offset 444"));
	free(fa.methods);

	/* encode and decode back, with the soft offer last */
	{
		struct ns_qm_method m[3] = {
			{.kind = NS_QM_AH_ESP,
			 .ah_hash = NS_HASH_SHA1,
			 .esp_conf = NS_CIPHER_3DES,
			 .esp_auth = NS_HASH_SHA1,
			 .lifetime_kb = 1000,
			 .lifetime_sec = 300},
			{.kind = NS_QM_ESP,
			 .esp_conf = NS_CIPHER_DES,
			 .esp_auth = NS_HASH_NONE,
			 .lifetime_kb = NS_QM_DEFAULT_KB,
			 .lifetime_sec = NS_QM_DEFAULT_SEC},
			{.kind = NS_QM_AH,
			 .ah_hash = NS_HASH_MD5,
			 .lifetime_kb = 7,
			 .lifetime_sec = 8},
		};
		struct ns_filteraction in = {.action = NS_ACTION_NEGOTIATE,
					     .soft = true,
					     .qmpfs = true,
					     .methods = m,
					     .n_methods = 3};
		struct ns_filteraction out = {0};
		struct ns_bbuf b = {0};

		ns_blob_negpol_encode(&b, &in);
		assert_int_equal(b.len, 20 + 4 + 4 * 80 + 1);
		/* the AH+ESP offer: AH transform then ESP, count 2 */
		assert_int_equal(b.p[24 + 16], 2);
		assert_int_equal(b.p[24 + 20 + 8], 1);
		assert_int_equal(b.p[24 + 40 + 8], 2);
		assert_int_equal(b.p[24 + 40], 3);	    /* 3DES written as 3 */
		assert_int_equal(b.p[24 + 3 * 80 + 16], 0); /* soft */
		assert_int_equal(ns_blob_negpol_decode(b.p, b.len, &out, &diag, err, sizeof(err)),
				 0);
		assert_int_equal(out.n_methods, 3);
		assert_memory_equal(out.methods, m, sizeof(m));
		assert_true(out.soft);
		assert_true(out.qmpfs);
		free(out.methods);
		ns_bbuf_free(&b);
		/* permit: no offers at all */
		in.action = NS_ACTION_PERMIT;
		ns_blob_negpol_encode(&b, &in);
		assert_int_equal(b.len, 25);
		ns_bbuf_free(&b);
	}
	/* too many offers for the blob */
	v_frame(&v, NS_CLASS_NEGPOL, 0);
	v_u32(&v, 2);
	v_offer(&v, 0, 0, 0, 1, esp3, false);
	memset(&fa, 0, sizeof(fa));
	assert_int_equal(ns_blob_negpol_decode(v.b, v.n, &fa, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 24"));
}

/* ---- filter list ---- */

static void v_filter(struct vec *v, const char *sdns, const char *ddns, const char *desc,
		     const char *guid, uint32_t mirrored, const uint8_t a[16], uint32_t proto,
		     uint16_t sp, uint16_t dp, uint8_t special)
{
	v_str(v, sdns);
	v_str(v, ddns);
	v_str(v, desc);
	v_guid(v, guid);
	v_u32(v, mirrored);
	for (int i = 0; i < 16; i++)
		v_u8(v, a[i]);
	v_u32(v, 0);
	v_u32(v, proto);
	v_u16(v, sp);
	v_u16(v, dp);
	v_u8(v, 0);
	v_u8(v, special);
	v_u16(v, 0);
}

#define G1 "{11111111-2222-3333-4444-555555555555}"
#define G2 "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}"

static void t_filter(void **state)
{
	static const uint8_t me_any[16] = {0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t host_net[16] = {10,  1,   2, 3, 255, 255, 255, 255,
					     192, 168, 0, 0, 255, 255, 0,   0};
	static const uint8_t dns[16] = {198, 51, 100, 1, 255, 255, 255, 255,
					0,   0,	 0,   0, 255, 255, 255, 255};
	struct vec v;
	struct ns_filterlist fl = {0};
	struct ns_bbuf b = {0};
	char err[256];
	size_t at;

	(void)state;
	v_frame(&v, NS_CLASS_FILTER, 0);
	v_u32(&v, 6);
	at = v.n;
	v_filter(&v, "", "", "", G1, 1, me_any, 0, 0, 0, 0);
	assert_int_equal(v.n - at, 70); /* seventy bytes with empty strings */
	v_filter(&v, "", "", "web", G2, 0, host_net, 6, 1024, 80, 0);
	v_filter(&v, "www.example.com", "", "", G1, 1, dns, 17, 0, 53, 0);
	v_filter(&v, "", "", "", G1, 1, me_any, 0, 0, 0, 0x01); /* src = DNS servers */
	v_filter(&v, "", "", "", G1, 1, me_any, 1, 5, 0, 0x84); /* dst = gateway; icmp ports */
	v_filter(&v, "", "", "", G1, 1, me_any, 300, 0, 0, 0);	/* bad protocol */
	v_u8(&v, 0);
	assert_int_equal(ns_blob_filter_decode(v.b, v.n, &fl, &diag, err, sizeof(err)), 0);
	assert_int_equal(fl.n_filters, 5);
	assert_string_equal(fl.filters[0].guid, G1);
	assert_true(fl.filters[0].mirrored);
	assert_int_equal(fl.filters[0].src.kind, NS_ADDR_ME);
	assert_int_equal(fl.filters[0].dst.kind, NS_ADDR_ANY);
	assert_int_equal(fl.filters[0].protocol, 0);
	assert_string_equal(fl.filters[1].guid, "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
	assert_false(fl.filters[1].mirrored);
	assert_int_equal(fl.filters[1].src.kind, NS_ADDR_IP);
	assert_int_equal(fl.filters[1].src.addr, 0x0A010203);
	assert_int_equal(fl.filters[1].src.mask, 0xFFFFFFFF);
	assert_int_equal(fl.filters[1].dst.addr, 0xC0A80000);
	assert_int_equal(fl.filters[1].dst.mask, 0xFFFF0000);
	assert_int_equal(fl.filters[1].protocol, 6);
	assert_int_equal(fl.filters[1].srcport, 1024);
	assert_int_equal(fl.filters[1].dstport, 80);
	assert_string_equal(fl.filters[1].description, "web");
	assert_int_equal(fl.filters[2].src.kind, NS_ADDR_DNS_NAME);
	assert_string_equal(fl.filters[2].src.dnsname, "www.example.com");
	assert_int_equal(fl.filters[2].src.addr, 0xC6336401);
	assert_int_equal(fl.filters[2].dst.kind, NS_ADDR_ME);
	assert_int_equal(fl.filters[3].src.kind, NS_ADDR_SRV_DNS);
	assert_int_equal(fl.filters[3].dst.kind, NS_ADDR_ANY);
	assert_int_equal(fl.filters[4].dst.kind, NS_ADDR_SRV_GATEWAY);
	assert_int_equal(fl.filters[4].srcport, 0);
	assert_true(report_has("ports with protocol 1"));
	assert_true(report_has("filter 6"));
	assert_true(report_has("protocol 300"));

	/* encode: 70-byte filters when the strings are empty, the special
	 * byte for server types, and the same list back */
	ns_blob_filter_encode(&b, &fl);
	{
		struct ns_filterlist back = {0};

		assert_int_equal(b.p[24 + 69 - 2], 0);
		assert_int_equal(ns_blob_filter_decode(b.p, b.len, &back, &diag, err, sizeof(err)),
				 0);
		assert_int_equal(back.n_filters, 5);
		for (size_t i = 0; i < 5; i++) {
			struct ns_filter *x = &fl.filters[i], *y = &back.filters[i];

			assert_string_equal(x->guid, y->guid);
			assert_int_equal(x->src.kind, y->src.kind);
			assert_int_equal(x->dst.kind, y->dst.kind);
			assert_int_equal(x->src.addr, y->src.addr);
			assert_int_equal(x->dst.mask, y->dst.mask);
			assert_int_equal(x->protocol, y->protocol);
			assert_int_equal(x->dstport, y->dstport);
			assert_int_equal(x->mirrored, y->mirrored);
			assert_string_equal(x->description, y->description);
		}
		ns_filterlist_free(&back);
	}
	/* first filter: 70 bytes */
	{
		struct ns_filterlist one = {0};
		struct ns_bbuf b1 = {0};

		one.filters = fl.filters;
		one.n_filters = 1;
		ns_blob_filter_encode(&b1, &one);
		assert_int_equal(b1.len, 20 + 4 + 70 + 1);
		assert_memory_equal(b1.p + 24, v.b + 24, 70);
		assert_int_equal(b1.p[16], 74);
		ns_bbuf_free(&b1);
	}
	ns_bbuf_free(&b);
	ns_filterlist_free(&fl);

	/* truncated in the middle of a filter: error names the offset */
	v_frame(&v, NS_CLASS_FILTER, 0);
	v_u32(&v, 1);
	v_filter(&v, "", "", "", G1, 1, me_any, 0, 0, 0, 0);
	memset(&fl, 0, sizeof(fl));
	assert_int_equal(ns_blob_filter_decode(v.b, v.n - 3, &fl, &diag, err, sizeof(err)),
			 -EBADMSG);
	/* the count is checked against the 70-byte minimum first */
	assert_non_null(strstr(err, "byte offset 24"));
	v.n -= 3;
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	v_u32(&v, 0);
	/* a description claiming 1000 bytes */
	v.b[24 + 12] = 0xE8;
	v.b[24 + 13] = 0x03;
	assert_int_equal(ns_blob_filter_decode(v.b, v.n, &fl, &diag, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "byte offset 36"));
	assert_non_null(strstr(err, "description"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_policy, reset, reset),
		cmocka_unit_test_setup_teardown(t_isakmp, reset, reset),
		cmocka_unit_test_setup_teardown(t_isakmp_encode, reset, reset),
		cmocka_unit_test_setup_teardown(t_nfa, reset, reset),
		cmocka_unit_test_setup_teardown(t_negpol, reset, reset),
		cmocka_unit_test_setup_teardown(t_filter, reset, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
