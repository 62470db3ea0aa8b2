// SPDX-License-Identifier: GPL-2.0
/*
 * The example policies of restorepolicyexamples.
 *
 * Every object has a fixed GUID so that restoring replaces the originals
 * by GUID even after the user renamed them.  Where Windows' built-in
 * objects have well-known GUIDs (the {723852xx-70FA-11D1-864C-14A300000000}
 * family) we use those, so an import from a Windows export lines up with
 * ours; the objects whose Windows GUIDs are not published (the ICMP rules,
 * the default response rules and their actions, the filters) use our own
 * fixed family {4E455453-0000-4000-8000-0000000000NN} ("NETS").
 *
 * win2K and Win2003 give the same objects: the two Windows releases differ
 * only in which traffic the IPsec driver exempts from filtering, which is
 * the service-wide `dynamic set config property=ipsecexempt` value here, not
 * part of a policy (Documentation/export-format.md, "restorepolicyexamples").
 */
#include "netsh/examples.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errmsg.h"

#define WK(x)  "{723852" x "-70FA-11D1-864C-14A300000000}"
#define OWN(x) "{4E455453-0000-4000-8000-0000000000" x "}"

#define G_FL_ALLIP	   WK("3A")
#define G_FL_ICMP	   WK("35")
#define G_FA_PERMIT	   WK("3B")
#define G_FA_REQUEST	   WK("33")
#define G_FA_REQUIRE	   WK("3F")
#define G_P_CLIENT	   WK("36")
#define G_P_CLIENT_ISAKMP  WK("37")
#define G_P_SERVER	   WK("30")
#define G_P_SERVER_ISAKMP  WK("31")
#define G_P_SERVER_RULE_IP WK("32")
#define G_P_SECURE	   WK("3C")
#define G_P_SECURE_ISAKMP  WK("3D")
#define G_P_SECURE_RULE_IP WK("3E")

#define G_F_ALLIP	     OWN("01")
#define G_F_ICMP	     OWN("02")
#define G_P_SERVER_RULE_ICMP OWN("10")
#define G_P_SECURE_RULE_ICMP OWN("11")
#define G_P_CLIENT_DEFRULE   OWN("20")
#define G_P_SERVER_DEFRULE   OWN("21")
#define G_P_SECURE_DEFRULE   OWN("22")
#define G_FA_CLIENT_DEF	     OWN("30")
#define G_FA_SERVER_DEF	     OWN("31")
#define G_FA_SECURE_DEF	     OWN("32")

#define QM(c, h)                                                                                   \
	{                                                                                          \
		.kind = NS_QM_ESP, .esp_conf = NS_CIPHER_##c, .esp_auth = NS_HASH_##h,             \
		.lifetime_kb = NS_QM_DEFAULT_KB, .lifetime_sec = NS_QM_DEFAULT_SEC                 \
	}
#define QMAH(h)                                                                                    \
	{                                                                                          \
		.kind = NS_QM_AH, .ah_hash = NS_HASH_##h, .lifetime_kb = NS_QM_DEFAULT_KB,         \
		.lifetime_sec = NS_QM_DEFAULT_SEC                                                  \
	}

static const struct ns_qm_method request_methods[] = {
	QM(3DES, SHA1), QM(3DES, MD5), QM(DES, SHA1), QM(DES, MD5), QMAH(SHA1), QMAH(MD5),
};

static const struct ns_mm_method example_mm[] = {
	{.cipher = NS_CIPHER_3DES, .hash = NS_HASH_SHA1, .group = NS_DH_2},
	{.cipher = NS_CIPHER_3DES, .hash = NS_HASH_MD5, .group = NS_DH_2},
	{.cipher = NS_CIPHER_DES, .hash = NS_HASH_SHA1, .group = NS_DH_1},
	{.cipher = NS_CIPHER_DES, .hash = NS_HASH_MD5, .group = NS_DH_1},
};

struct bctx {
	struct ns_db *db;
	int rc;
};

static char *dup(struct bctx *b, const char *s)
{
	char *d = strdup(s);

	if (!d)
		b->rc = -ENOMEM;
	return d;
}

static void *dupmem(struct bctx *b, const void *p, size_t sz)
{
	void *d;

	if (!sz)
		return NULL;
	d = malloc(sz);
	if (!d) {
		b->rc = -ENOMEM;
		return NULL;
	}
	return memcpy(d, p, sz);
}

static void add_filterlist(struct bctx *b, const char *guid, const char *name, const char *desc,
			   const char *fguid, const char *fdesc, uint8_t proto)
{
	struct ns_filterlist *fl = &b->db->filterlists[b->db->n_filterlists++];
	struct ns_filter *f;

	snprintf(fl->guid, sizeof(fl->guid), "%s", guid);
	fl->name = dup(b, name);
	fl->description = dup(b, desc);
	f = calloc(1, sizeof(*f));
	if (!f) {
		b->rc = -ENOMEM;
		return;
	}
	fl->filters = f;
	fl->n_filters = 1;
	snprintf(f->guid, sizeof(f->guid), "%s", fguid);
	f->description = dup(b, fdesc);
	f->src = (struct ns_endpoint){.kind = NS_ADDR_ME, .mask = 0xffffffffu};
	f->dst = (struct ns_endpoint){.kind = NS_ADDR_ANY};
	f->src.dnsname = dup(b, "");
	f->dst.dnsname = dup(b, "");
	f->protocol = proto;
	f->mirrored = true;
}

static void add_filteraction(struct bctx *b, const char *guid, const char *name, const char *desc,
			     enum ns_fa_type type, enum ns_action action, bool inpass, bool soft,
			     const struct ns_qm_method *m, size_t n)
{
	struct ns_filteraction *fa = &b->db->filteractions[b->db->n_filteractions++];

	snprintf(fa->guid, sizeof(fa->guid), "%s", guid);
	fa->name = dup(b, name);
	fa->description = dup(b, desc);
	fa->type = type;
	fa->action = action;
	fa->inpass = inpass;
	fa->soft = soft;
	fa->methods = dupmem(b, m, n * sizeof(*m));
	fa->n_methods = fa->methods ? n : 0;
}

static void init_rule(struct bctx *b, struct ns_rule *r, const char *guid, const char *name,
		      const char *desc, const char *fl, const char *fa, bool is_default)
{
	snprintf(r->guid, sizeof(r->guid), "%s", guid);
	r->name = dup(b, name);
	r->description = dup(b, desc);
	r->is_default = is_default;
	snprintf(r->filterlist_guid, sizeof(r->filterlist_guid), "%s", fl);
	snprintf(r->filteraction_guid, sizeof(r->filteraction_guid), "%s", fa);
	r->tunnel_dnsname = dup(b, "");
	r->conntype = NS_CONN_ALL;
	r->active = true;
	r->auth = calloc(1, sizeof(*r->auth));
	if (!r->auth) {
		b->rc = -ENOMEM;
		return;
	}
	r->n_auth = 1;
	r->auth[0].kind = NS_AUTH_KERBEROS;
	r->auth[0].value = dup(b, "");
}

static struct ns_policy *add_policy(struct bctx *b, const char *guid, const char *isakmp,
				    const char *name, const char *desc, const char *defrule,
				    const char *deffa, size_t n_rules)
{
	struct ns_policy *p = &b->db->policies[b->db->n_policies++];

	snprintf(p->guid, sizeof(p->guid), "%s", guid);
	snprintf(p->isakmp_guid, sizeof(p->isakmp_guid), "%s", isakmp);
	p->name = dup(b, name);
	p->description = dup(b, desc);
	p->mmlifetime_min = NS_DEFAULT_MMLIFETIME_MIN;
	p->pollinginterval_min = NS_DEFAULT_POLLING_MIN;
	p->gponame = dup(b, "");
	p->mm_methods = dupmem(b, example_mm, sizeof(example_mm));
	p->n_mm_methods = p->mm_methods ? sizeof(example_mm) / sizeof(example_mm[0]) : 0;
	init_rule(b, &p->default_rule, defrule, "", "", "", deffa, true);
	if (n_rules) {
		p->rules = calloc(n_rules, sizeof(*p->rules));
		if (!p->rules)
			b->rc = -ENOMEM;
		else
			p->n_rules = n_rules;
	}
	/* The default response rule's hidden action. */
	add_filteraction(b, deffa, "Default Response", "", NS_FA_DEFAULT_RESPONSE,
			 NS_ACTION_NEGOTIATE, false, false, request_methods,
			 sizeof(request_methods) / sizeof(request_methods[0]));
	return p;
}

int ns_examples_build(struct ns_db *db, enum ns_examples_release rel, char *err, size_t errlen)
{
	struct bctx b = {.db = db};
	struct ns_policy *p;

	memset(db, 0, sizeof(*db));
	if (rel != NS_EXAMPLES_WIN2K && rel != NS_EXAMPLES_WIN2003) {
		ns_errmsg(err, errlen, "restorepolicyexamples: unknown release %d", (int)rel);
		return -EINVAL;
	}
	db->filterlists = calloc(2, sizeof(*db->filterlists));
	db->filteractions = calloc(6, sizeof(*db->filteractions));
	db->policies = calloc(3, sizeof(*db->policies));
	if (!db->filterlists || !db->filteractions || !db->policies) {
		b.rc = -ENOMEM;
		goto out;
	}

	add_filterlist(&b, G_FL_ALLIP, "All IP Traffic",
		       "Every IP packet between this computer and any other computer.", G_F_ALLIP,
		       "", NS_PROTO_ANY);
	add_filterlist(&b, G_FL_ICMP, "All ICMP Traffic",
		       "Every ICMP packet between this computer and any other computer.", G_F_ICMP,
		       "ICMP", NS_PROTO_ICMP);

	add_filteraction(&b, G_FA_PERMIT, "Permit", "Pass unsecured IP packets.", NS_FA_NORMAL,
			 NS_ACTION_PERMIT, false, false, NULL, 0);
	add_filteraction(&b, G_FA_REQUEST, "Request Security (Optional)",
			 "Ask for security, but talk to peers that do not answer IPsec.",
			 NS_FA_NORMAL, NS_ACTION_NEGOTIATE, true, true, request_methods,
			 sizeof(request_methods) / sizeof(request_methods[0]));
	add_filteraction(&b, G_FA_REQUIRE, "Require Security",
			 "Accept unsecured packets, but always answer with IPsec; never fall "
			 "back to clear text.",
			 NS_FA_NORMAL, NS_ACTION_NEGOTIATE, true, false, request_methods, 4);

	add_policy(&b, G_P_CLIENT, G_P_CLIENT_ISAKMP, "Client (Respond Only)",
		   "Talk unsecured normally; secure only the traffic that a peer asks to secure.",
		   G_P_CLIENT_DEFRULE, G_FA_CLIENT_DEF, 0);

	p = add_policy(&b, G_P_SERVER, G_P_SERVER_ISAKMP, "Server (Request Security)",
		       "Ask every peer for security (Kerberos); allow peers that cannot.",
		       G_P_SERVER_DEFRULE, G_FA_SERVER_DEF, 2);
	if (p->rules) {
		init_rule(&b, &p->rules[0], G_P_SERVER_RULE_IP, "All IP Traffic", "", G_FL_ALLIP,
			  G_FA_REQUEST, false);
		init_rule(&b, &p->rules[1], G_P_SERVER_RULE_ICMP, "All ICMP Traffic", "", G_FL_ICMP,
			  G_FA_PERMIT, false);
	}

	p = add_policy(&b, G_P_SECURE, G_P_SECURE_ISAKMP, "Secure Server (Require Security)",
		       "Require security (Kerberos) for all IP traffic; ICMP passes unsecured.",
		       G_P_SECURE_DEFRULE, G_FA_SECURE_DEF, 2);
	if (p->rules) {
		init_rule(&b, &p->rules[0], G_P_SECURE_RULE_IP, "All IP Traffic", "", G_FL_ALLIP,
			  G_FA_REQUIRE, false);
		init_rule(&b, &p->rules[1], G_P_SECURE_RULE_ICMP, "All ICMP Traffic", "", G_FL_ICMP,
			  G_FA_PERMIT, false);
	}
out:
	if (b.rc) {
		ns_db_free(db);
		ns_errmsg(err, errlen, "restorepolicyexamples: out of memory");
	}
	return b.rc;
}
