/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A store with one of everything, for the show, dump and export tests:
 * the restorepolicyexamples objects plus a filter list using every address
 * kind, a filter action with every quick mode kind, and an assigned policy
 * with pre-shared key and root CA authentication, a tunnel rule and odd
 * strings.
 */
#ifndef SHOW_FIXTURE_H
#define SHOW_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model.h"
#include "netsh/examples.h"

#define FX_PSK		  "s3cret-psk-value"
#define FX_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static inline void *fx_grow(void *arr, size_t n, size_t sz)
{
	void *p = realloc(arr, (n + 1) * sz);

	if (!p)
		abort();
	memset((char *)p + n * sz, 0, sz);
	return p;
}

static inline char *fx_dup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static inline void fx_rule(struct ns_rule *r, const char *guid, const char *name, const char *fl,
			   const char *fa)
{
	snprintf(r->guid, sizeof(r->guid), "%s", guid);
	r->name = fx_dup(name);
	r->description = fx_dup("");
	r->tunnel_dnsname = fx_dup("");
	snprintf(r->filterlist_guid, sizeof(r->filterlist_guid), "%s", fl);
	snprintf(r->filteraction_guid, sizeof(r->filteraction_guid), "%s", fa);
	r->active = true;
	r->whenchanged = 1700000000;
}

static inline void fx_build(struct ns_db *db)
{
	struct ns_filterlist *fl;
	struct ns_filteraction *fa;
	struct ns_policy *p;
	struct ns_rule *r;

	if (ns_examples_build(db, NS_EXAMPLES_WIN2003, NULL, 0))
		abort();

	/* Filter list with every kind of address. */
	db->filterlists = fx_grow(db->filterlists, db->n_filterlists, sizeof(*fl));
	fl = &db->filterlists[db->n_filterlists++];
	snprintf(fl->guid, sizeof(fl->guid), "{11111111-2222-4333-8444-555555555555}");
	fl->name = fx_dup("Web \"front\" servers");
	fl->description = fx_dup("A description that is quite long, far longer than the eighty "
				 "columns of a screen allow");
	fl->whenchanged = 1700000000;
	fl->filters = calloc(4, sizeof(*fl->filters));
	fl->n_filters = 4;
	snprintf(fl->filters[0].guid, NS_GUID_LEN + 1, "{11111111-2222-4333-8444-000000000001}");
	fl->filters[0].description = fx_dup("http");
	fl->filters[0].src = (struct ns_endpoint){.kind = NS_ADDR_ME, .mask = 0xffffffff};
	fl->filters[0].dst = (struct ns_endpoint){
		.kind = NS_ADDR_IP, .addr = FX_IP(10, 1, 2, 0), .mask = 0xffffff00};
	fl->filters[0].protocol = 6;
	fl->filters[0].dstport = 80;
	fl->filters[0].mirrored = true;
	snprintf(fl->filters[1].guid, NS_GUID_LEN + 1, "{11111111-2222-4333-8444-000000000002}");
	fl->filters[1].description = fx_dup("");
	fl->filters[1].src = (struct ns_endpoint){.kind = NS_ADDR_DNS_NAME,
						  .addr = FX_IP(192, 0, 2, 7),
						  .mask = 0xffffffff,
						  .dnsname = fx_dup("www.example.org")};
	fl->filters[1].dst = (struct ns_endpoint){.kind = NS_ADDR_ANY};
	fl->filters[1].protocol = 17;
	fl->filters[1].srcport = 53;
	snprintf(fl->filters[2].guid, NS_GUID_LEN + 1, "{11111111-2222-4333-8444-000000000003}");
	fl->filters[2].description = fx_dup("dns servers");
	fl->filters[2].src = (struct ns_endpoint){.kind = NS_ADDR_ME, .mask = 0xffffffff};
	fl->filters[2].dst = (struct ns_endpoint){.kind = NS_ADDR_SRV_DNS, .mask = 0xffffffff};
	fl->filters[2].protocol = 47;
	fl->filters[2].mirrored = true;
	snprintf(fl->filters[3].guid, NS_GUID_LEN + 1, "{11111111-2222-4333-8444-000000000004}");
	fl->filters[3].description = fx_dup("gateway");
	fl->filters[3].src = (struct ns_endpoint){.kind = NS_ADDR_SRV_GATEWAY, .mask = 0xffffffff};
	fl->filters[3].dst = (struct ns_endpoint){.kind = NS_ADDR_ME, .mask = 0xffffffff};
	fl->filters[3].protocol = 255;
	for (int i = 0; i < 4; i++) {
		if (!fl->filters[i].src.dnsname)
			fl->filters[i].src.dnsname = fx_dup("");
		if (!fl->filters[i].dst.dnsname)
			fl->filters[i].dst.dnsname = fx_dup("");
	}

	/* Filter action with every quick mode kind. */
	db->filteractions = fx_grow(db->filteractions, db->n_filteractions, sizeof(*fa));
	fa = &db->filteractions[db->n_filteractions++];
	snprintf(fa->guid, sizeof(fa->guid), "{22222222-2222-4333-8444-555555555555}");
	fa->name = fx_dup("Strong");
	fa->description = fx_dup("AES and bundles");
	fa->whenchanged = 1700000000;
	fa->action = NS_ACTION_NEGOTIATE;
	fa->qmpfs = true;
	fa->methods = calloc(3, sizeof(*fa->methods));
	fa->n_methods = 3;
	fa->methods[0] = (struct ns_qm_method){.kind = NS_QM_ESP,
					       .esp_conf = NS_CIPHER_AES256,
					       .esp_auth = NS_HASH_SHA256,
					       .lifetime_kb = 50000,
					       .lifetime_sec = 900};
	fa->methods[1] = (struct ns_qm_method){.kind = NS_QM_AH_ESP,
					       .ah_hash = NS_HASH_SHA1,
					       .esp_conf = NS_CIPHER_3DES,
					       .esp_auth = NS_HASH_NONE,
					       .lifetime_kb = 100000,
					       .lifetime_sec = 3600};
	fa->methods[2] = (struct ns_qm_method){.kind = NS_QM_ESP,
					       .esp_conf = NS_CIPHER_NONE,
					       .esp_auth = NS_HASH_SHA1,
					       .lifetime_kb = 100000,
					       .lifetime_sec = 3600};

	/* Its policy's default response action. */
	db->filteractions = fx_grow(db->filteractions, db->n_filteractions, sizeof(*fa));
	fa = &db->filteractions[db->n_filteractions++];
	snprintf(fa->guid, sizeof(fa->guid), "{33333333-2222-4333-8444-555555555555}");
	fa->name = fx_dup("");
	fa->description = fx_dup("");
	fa->type = NS_FA_DEFAULT_RESPONSE;
	fa->action = NS_ACTION_NEGOTIATE;
	fa->methods = calloc(1, sizeof(*fa->methods));
	fa->n_methods = 1;
	fa->methods[0] = ns_default_qm_methods[0];

	/* An assigned policy with PSK, root CA, tunnel and dial-up. */
	db->policies = fx_grow(db->policies, db->n_policies, sizeof(*p));
	p = &db->policies[db->n_policies++];
	snprintf(p->guid, sizeof(p->guid), "{44444444-2222-4333-8444-555555555555}");
	snprintf(p->isakmp_guid, sizeof(p->isakmp_guid), "{44444444-2222-4333-8444-000000000000}");
	p->name = fx_dup("Branch office");
	p->description = fx_dup("line one\nline two");
	p->whenchanged = 1700000000;
	p->mmpfs = true;
	p->qmpermm = 1;
	p->mmlifetime_min = 60;
	p->pollinginterval_min = 5;
	p->assigned = true;
	p->gponame = fx_dup("");
	p->mm_methods = calloc(2, sizeof(*p->mm_methods));
	p->n_mm_methods = 2;
	p->mm_methods[0] = (struct ns_mm_method){NS_CIPHER_AES128, NS_HASH_SHA256, NS_DH_14};
	p->mm_methods[1] = (struct ns_mm_method){NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_3};
	fx_rule(&p->default_rule, "{44444444-2222-4333-8444-0000000000DF}", "", "",
		"{33333333-2222-4333-8444-555555555555}");
	p->default_rule.is_default = true;
	p->default_rule.active = false;
	p->default_rule.auth = calloc(1, sizeof(struct ns_auth));
	p->default_rule.n_auth = 1;
	p->default_rule.auth[0] = (struct ns_auth){.kind = NS_AUTH_PSK, .value = fx_dup(FX_PSK)};
	p->rules = calloc(2, sizeof(*p->rules));
	p->n_rules = 2;
	r = &p->rules[0];
	fx_rule(r, "{44444444-2222-4333-8444-000000000001}", "to web",
		"{11111111-2222-4333-8444-555555555555}", "{22222222-2222-4333-8444-555555555555}");
	r->tunnel_set = true;
	r->tunnel_addr = FX_IP(198, 51, 100, 1);
	r->conntype = NS_CONN_DIALUP;
	r->auth = calloc(3, sizeof(*r->auth));
	r->n_auth = 3;
	r->auth[0] = (struct ns_auth){.kind = NS_AUTH_ROOTCA,
				      .value = fx_dup("CN=Root \"A\", O=Example"),
				      .certmap = true};
	r->auth[1] = (struct ns_auth){.kind = NS_AUTH_PSK, .value = fx_dup(FX_PSK)};
	r->auth[2] = (struct ns_auth){.kind = NS_AUTH_KERBEROS, .value = fx_dup("")};
	r = &p->rules[1];
	fx_rule(r, "{44444444-2222-4333-8444-000000000002}", "icmp",
		"{72385235-70FA-11D1-864C-14A300000000}", "{7238523B-70FA-11D1-864C-14A300000000}");
	r->conntype = NS_CONN_LAN;
	r->active = false;
}

#endif
