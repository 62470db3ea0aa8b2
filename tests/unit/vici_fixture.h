/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-made plans for the VICI tests: the unit tests, the netns driver
 * and the load benchmark (tests/bench/vici_load.c) build the same shapes.
 * Everything is heap-allocated the way plan_free() expects.
 */
#ifndef NETSH_IPSEC_VICI_FIXTURE_H
#define NETSH_IPSEC_VICI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/plan.h"

static inline uint32_t fx_ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

static inline void *fx_grow(void *v, size_t n, size_t sz)
{
	void *nv = realloc(v, (n + 1) * sz);

	if (!nv)
		abort();
	memset((char *)nv + n * sz, 0, sz);
	return nv;
}

static inline char *fx_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static inline void fx_add_me(struct plan *p, uint32_t a)
{
	p->me = fx_grow(p->me, p->n_me, sizeof(*p->me));
	p->me[p->n_me++] = a;
}

/* A negotiate rule with the reference defaults (3DES-SHA1-2 ... and
 * ESP[3DES,SHA1] ESP[3DES,MD5]) and a preshared key; n is its number. */
static inline struct plan_rule *fx_add_rule(struct plan *p, unsigned n, const char *psk)
{
	struct plan_rule *r;

	p->rules = fx_grow(p->rules, p->n_rules, sizeof(*p->rules));
	r = &p->rules[p->n_rules++];
	snprintf(r->policy_guid, sizeof(r->policy_guid), "{00000000-0000-0000-0000-%012u}", 1u);
	snprintf(r->rule_guid, sizeof(r->rule_guid), "{0000ABCD-0000-0000-0000-%012u}", n);
	r->policy_name = fx_strdup("Test Policy");
	{
		char name[32];

		snprintf(name, sizeof(name), "rule%u", n);
		r->rule_name = fx_strdup(name);
	}
	r->action = NS_ACTION_NEGOTIATE;
	r->n_qm = 2;
	r->qm = calloc(2, sizeof(*r->qm));
	memcpy(r->qm, ns_default_qm_methods, 2 * sizeof(*r->qm));
	r->n_mm = 3;
	r->mm = calloc(3, sizeof(*r->mm));
	memcpy(r->mm, ns_default_mm_methods, 3 * sizeof(*r->mm));
	r->mm_lifetime_sec = NS_DEFAULT_MMLIFETIME_MIN * 60;
	if (psk) {
		r->n_auth = 1;
		r->auth = calloc(1, sizeof(*r->auth));
		r->auth[0].kind = NS_AUTH_PSK;
		r->auth[0].value = fx_strdup(psk);
	}
	r->reqid = PLAN_REQID_RULE_BASE + n;
	r->mark = PLAN_MARK_BASE + n;
	return r;
}

static inline void fx_add_auth(struct plan_rule *r, enum ns_auth_kind k, const char *value)
{
	r->auth = fx_grow(r->auth, r->n_auth, sizeof(*r->auth));
	r->auth[r->n_auth].kind = k;
	r->auth[r->n_auth++].value = fx_strdup(value ? value : "");
}

/* A filter of the last rule, and its mirror when asked; reqid shared. */
static inline void fx_add_filter(struct plan *p, struct plan_sel sel, bool mirrored, uint32_t reqid)
{
	size_t ri = p->n_rules - 1;
	struct plan_filter *f;

	for (int twin = 0; twin < (mirrored ? 2 : 1); twin++) {
		p->filters = fx_grow(p->filters, p->n_filters, sizeof(*p->filters));
		f = &p->filters[p->n_filters++];
		f->sel = sel;
		if (twin) {
			f->sel.src = sel.dst;
			f->sel.dst = sel.src;
			f->sel.src_plen = sel.dst_plen;
			f->sel.dst_plen = sel.src_plen;
			f->sel.sport = sel.dport;
			f->sel.dport = sel.sport;
			f->mirror = true;
		}
		f->rule = (uint32_t)ri;
		f->action = p->rules[ri].action;
		f->tunnel = p->rules[ri].tunnel;
		f->weight = plan_weight(&f->sel, f->action);
		f->id = (uint32_t)p->n_filters;
		f->reqid = reqid;
		snprintf(f->filter_guid, sizeof(f->filter_guid), "{0000F11E-0000-0000-0000-%012u}",
			 (unsigned)(reqid & 0xffff));
	}
}

static inline struct plan_sel fx_sel(uint32_t src, uint8_t sp, uint32_t dst, uint8_t dp,
				     uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct plan_sel s = { .src = src, .dst = dst, .src_plen = sp, .dst_plen = dp,
			      .proto = proto, .sport = sport, .dport = dport };

	return s;
}

/*
 * n host-to-host transport rules: 10.99.0.1 ↔ 10.100.x.y (rule i, its own
 * preshared key), mirrored, one filter each.
 */
static inline void fx_many(struct plan *p, unsigned n)
{
	memset(p, 0, sizeof(*p));
	fx_add_me(p, fx_ip(10, 99, 0, 1));
	for (unsigned i = 1; i <= n; i++) {
		char psk[32];

		snprintf(psk, sizeof(psk), "secret-%u", i);
		fx_add_rule(p, i, psk);
		fx_add_filter(p, fx_sel(fx_ip(10, 99, 0, 1), 32, fx_ip(10, 100, i >> 8, i & 0xff), 32,
					0, 0, 0),
			      true, PLAN_REQID_FILTER_BASE + i);
	}
}

/* A test CA (ECDSA P-256, "C=US, O=Example, CN=Test Root"), made with
 * strongSwan's pki for these tests. */
static const char fx_ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBnjCCAUSgAwIBAgIIaoWt58CopNcwCgYIKoZIzj0EAwIwMzELMAkGA1UEBhMC\n"
	"VVMxEDAOBgNVBAoTB0V4YW1wbGUxEjAQBgNVBAMTCVRlc3QgUm9vdDAeFw0yNjEx\n"
	"MjkwOTE5MDVaFw05MDA5MjkwMjUwNDlaMDMxCzAJBgNVBAYTAlVTMRAwDgYDVQQK\n"
	"EwdFeGFtcGxlMRIwEAYDVQQDEwlUZXN0IFJvb3QwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAARXbfdxdXl/EbQWwJmMjX1id8YoTfbz2T92EUBOkIEIRNhoZBtB7fWa\n"
	"UMWRcn2Z591AC41o/a4HuGp+orqPwF0Io0IwQDAPBgNVHRMBAf8EBTADAQH/MA4G\n"
	"A1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUG+AgFUH7SNVihjK1qrtF7gIOG9YwCgYI\n"
	"KoZIzj0EAwIDSAAwRQIgAmdOu9zpZl7Sv51WIrRORGSP+6LOCgJ3jRSrSUo4C9YC\n"
	"IQCMwkvcSPEuidgGB/oQ/1/HtJmArLlOUxcu1iZSmkbdAg==\n"
	"-----END CERTIFICATE-----\n";

#define FX_ME fx_ip(10, 99, 0, 1)

/*
 * One plan with every shape the lowering knows (numbers are rule numbers):
 *  1 PSK transport me<->10.1.0.2 tcp/80, qmpfs, odd mm and qm methods
 *  2 Kerberos+PSK, me<->Any, an AH+ESP bundle and AH
 *  3 Kerberos only: skipped with a warning
 *  4 tunnel to 192.0.2.1, 10.10.0.0/24 -> 10.20.0.0/24
 *  5 its inbound half (endpoint = me), 10.20.0.0/24 -> 10.10.0.0/24: no child
 *  6 an inbound tunnel half without outbound twin: responder only
 *  7 rootca "CN=Test Root, O=Example, C=US" (found in the CA directory)
 *  8 rootca with a DN no certificate has: an error for this rule only
 *  9 PSK transport me -> 10.3.0.0/16 udp, not mirrored, soft
 * 10 the default response rule (PSK)
 */
static inline void fx_sink(struct plan *p)
{
	struct plan_rule *r;

	memset(p, 0, sizeof(*p));
	fx_add_me(p, FX_ME);

	r = fx_add_rule(p, 1, "one");
	r->qmpfs = true;
	free(r->mm);
	r->n_mm = 4;
	r->mm = calloc(4, sizeof(*r->mm));
	r->mm[0] = (struct ns_mm_method){ NS_CIPHER_DES, NS_HASH_MD5, NS_DH_1 };
	r->mm[1] = (struct ns_mm_method){ NS_CIPHER_AES256, NS_HASH_SHA256, NS_DH_14 };
	r->mm[2] = (struct ns_mm_method){ NS_CIPHER_AES128, NS_HASH_SHA1, NS_DH_19 };
	r->mm[3] = (struct ns_mm_method){ NS_CIPHER_3DES, NS_HASH_SHA384, NS_DH_3 };
	free(r->qm);
	r->n_qm = 3;
	r->qm = calloc(3, sizeof(*r->qm));
	r->qm[0] = (struct ns_qm_method){ .kind = NS_QM_ESP, .esp_conf = NS_CIPHER_3DES,
					  .esp_auth = NS_HASH_SHA1, .lifetime_kb = 50000,
					  .lifetime_sec = 900 };
	r->qm[1] = (struct ns_qm_method){ .kind = NS_QM_ESP, .esp_conf = NS_CIPHER_NONE,
					  .esp_auth = NS_HASH_SHA1, .lifetime_kb = 50000,
					  .lifetime_sec = 900 };
	r->qm[2] = (struct ns_qm_method){ .kind = NS_QM_ESP, .esp_conf = NS_CIPHER_DES,
					  .esp_auth = NS_HASH_NONE, .lifetime_kb = 50000,
					  .lifetime_sec = 900 };
	r->mm_lifetime_sec = 3600;
	fx_add_filter(p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 2), 32, 6, 0, 80), true,
		      PLAN_REQID_FILTER_BASE + 1);

	r = fx_add_rule(p, 2, NULL);
	fx_add_auth(r, NS_AUTH_KERBEROS, NULL);
	fx_add_auth(r, NS_AUTH_PSK, "two");
	free(r->qm);
	r->n_qm = 2;
	r->qm = calloc(2, sizeof(*r->qm));
	r->qm[0] = (struct ns_qm_method){ .kind = NS_QM_AH_ESP, .ah_hash = NS_HASH_SHA1,
					  .esp_conf = NS_CIPHER_3DES, .esp_auth = NS_HASH_MD5,
					  .lifetime_kb = NS_QM_DEFAULT_KB,
					  .lifetime_sec = NS_QM_DEFAULT_SEC };
	r->qm[1] = (struct ns_qm_method){ .kind = NS_QM_AH, .ah_hash = NS_HASH_MD5,
					  .lifetime_kb = NS_QM_DEFAULT_KB,
					  .lifetime_sec = NS_QM_DEFAULT_SEC };
	fx_add_filter(p, fx_sel(FX_ME, 32, 0, 0, 0, 0, 0), true, PLAN_REQID_FILTER_BASE + 2);

	r = fx_add_rule(p, 3, NULL);
	fx_add_auth(r, NS_AUTH_KERBEROS, NULL);
	fx_add_filter(p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 3), 32, 0, 0, 0), true,
		      PLAN_REQID_FILTER_BASE + 3);

	r = fx_add_rule(p, 4, "four");
	r->tunnel = true;
	r->tunnel_dst = fx_ip(192, 0, 2, 1);
	fx_add_filter(p, fx_sel(fx_ip(10, 10, 0, 0), 24, fx_ip(10, 20, 0, 0), 24, 0, 0, 0), false,
		      PLAN_REQID_FILTER_BASE + 4);
	r = fx_add_rule(p, 5, "four");
	r->tunnel = true;
	r->tunnel_dst = FX_ME;
	fx_add_filter(p, fx_sel(fx_ip(10, 20, 0, 0), 24, fx_ip(10, 10, 0, 0), 24, 0, 0, 0), false,
		      PLAN_REQID_FILTER_BASE + 5);
	r = fx_add_rule(p, 6, "six");
	r->tunnel = true;
	r->tunnel_dst = FX_ME;
	fx_add_filter(p, fx_sel(fx_ip(10, 60, 0, 0), 24, fx_ip(10, 10, 0, 0), 24, 0, 0, 0), false,
		      PLAN_REQID_FILTER_BASE + 6);

	r = fx_add_rule(p, 7, NULL);
	fx_add_auth(r, NS_AUTH_ROOTCA, "CN=Test Root, O=Example, C=US");
	fx_add_filter(p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 7), 32, 0, 0, 0), true,
		      PLAN_REQID_FILTER_BASE + 7);
	r = fx_add_rule(p, 8, NULL);
	fx_add_auth(r, NS_AUTH_ROOTCA, "CN=Nobody, O=Nowhere");
	fx_add_filter(p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 8), 32, 0, 0, 0), true,
		      PLAN_REQID_FILTER_BASE + 8);

	r = fx_add_rule(p, 9, "nine");
	r->soft = true;
	fx_add_filter(p, fx_sel(FX_ME, 32, fx_ip(10, 3, 0, 0), 16, 17, 0, 53), false,
		      PLAN_REQID_FILTER_BASE + 9);

	r = fx_add_rule(p, 10, "default-key");
	r->is_default = true;
	free(r->rule_name);
	r->rule_name = fx_strdup("");
	r->reqid = 0;
	r->mark = 0;
}

#endif
