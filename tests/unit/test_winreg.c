// SPDX-License-Identifier: GPL-2.0
/* Registry objects <-> ns_db: round trips, partial files, references. */
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
#include "winreg/regfile.h"
#include "winreg/winreg.h"

#define G_POL	"{A0000000-0000-0000-0000-000000000001}"
#define G_IK	"{A0000000-0000-0000-0000-000000000002}"
#define G_R1	"{A0000000-0000-0000-0000-000000000003}"
#define G_R2	"{A0000000-0000-0000-0000-000000000004}"
#define G_DR	"{A0000000-0000-0000-0000-000000000005}"
#define G_FA1	"{A0000000-0000-0000-0000-000000000006}"
#define G_FA2	"{A0000000-0000-0000-0000-000000000007}"
#define G_FADR	"{A0000000-0000-0000-0000-000000000008}"
#define G_FL1	"{A0000000-0000-0000-0000-000000000009}"
#define G_FL2	"{A0000000-0000-0000-0000-00000000000A}"
#define G_F1	"{A0000000-0000-0000-0000-00000000000B}"
#define G_F2	"{A0000000-0000-0000-0000-00000000000C}"
#define G_POL2	"{A0000000-0000-0000-0000-00000000000D}"
#define G_IK2	"{A0000000-0000-0000-0000-00000000000E}"
#define G_DR2	"{A0000000-0000-0000-0000-00000000000F}"
#define G_FADR2 "{A0000000-0000-0000-0000-000000000010}"

static char *S(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void mk_rule(struct ns_rule *r, const char *guid, const char *name, const char *fl,
		    const char *fa, bool def)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->guid, guid);
	r->name = S(name);
	r->description = S(def ? "" : "rule description");
	r->whenchanged = 1700000000;
	r->is_default = def;
	strcpy(r->filterlist_guid, fl);
	strcpy(r->filteraction_guid, fa);
	r->tunnel_dnsname = S("");
	r->active = true;
}

/* A store using every field the registry can carry. */
static void mk_db(struct ns_db *db, bool extensions)
{
	struct ns_policy *p;
	struct ns_filteraction *fa;
	struct ns_filterlist *fl;

	memset(db, 0, sizeof(*db));
	db->n_policies = 2;
	db->policies = calloc(2, sizeof(*db->policies));
	p = &db->policies[0];
	strcpy(p->guid, G_POL);
	strcpy(p->isakmp_guid, G_IK);
	p->name = S("Server policy \"q\" \\ é");
	p->description = S("described");
	p->gponame = S("");
	p->whenchanged = 1700000001;
	p->mmpfs = true;
	p->qmpermm = 1;
	p->mmlifetime_min = 600;
	p->pollinginterval_min = 45;
	p->assigned = true;
	p->n_mm_methods = 3;
	p->mm_methods = calloc(3, sizeof(*p->mm_methods));
	p->mm_methods[0] = (struct ns_mm_method){NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_3};
	p->mm_methods[1] = (struct ns_mm_method){NS_CIPHER_DES, NS_HASH_MD5, NS_DH_1};
	p->mm_methods[2] =
		extensions ? (struct ns_mm_method){NS_CIPHER_AES256, NS_HASH_SHA256, NS_DH_14}
			   : (struct ns_mm_method){NS_CIPHER_3DES, NS_HASH_MD5, NS_DH_2};
	p->n_rules = 2;
	p->rules = calloc(2, sizeof(*p->rules));
	mk_rule(&p->rules[0], G_R1, "r1", G_FL1, G_FA1, false);
	p->rules[0].n_auth = 3;
	p->rules[0].auth = calloc(3, sizeof(struct ns_auth));
	p->rules[0].auth[0] = (struct ns_auth){NS_AUTH_PSK, S("s3cret"), false, false};
	p->rules[0].auth[1] = (struct ns_auth){NS_AUTH_ROOTCA, S("CN=CA, O=Org"), true, false};
	p->rules[0].auth[2] = (struct ns_auth){NS_AUTH_KERBEROS, S(""), false, false};
	p->rules[0].conntype = NS_CONN_LAN;
	mk_rule(&p->rules[1], G_R2, "tunnel rule", G_FL2, G_FA2, false);
	p->rules[1].tunnel_set = true;
	p->rules[1].tunnel_addr = 0xC0000201;
	free(p->rules[1].tunnel_dnsname);
	p->rules[1].tunnel_dnsname = S("gw.example.net");
	p->rules[1].conntype = NS_CONN_DIALUP;
	p->rules[1].active = false;
	mk_rule(&p->default_rule, G_DR, "", "", G_FADR, true);

	p = &db->policies[1];
	strcpy(p->guid, G_POL2);
	strcpy(p->isakmp_guid, G_IK2);
	p->name = S("Client (Respond Only)");
	p->description = S("");
	p->gponame = S("");
	p->mmlifetime_min = 480;
	p->pollinginterval_min = 180;
	p->n_mm_methods = 1;
	p->mm_methods = calloc(1, sizeof(*p->mm_methods));
	p->mm_methods[0] = (struct ns_mm_method){NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_2};
	mk_rule(&p->default_rule, G_DR2, "", "", G_FADR2, true);

	db->n_filteractions = 4;
	db->filteractions = calloc(4, sizeof(*db->filteractions));
	fa = &db->filteractions[0];
	strcpy(fa->guid, G_FA1);
	fa->name = S("Require Security");
	fa->description = S("");
	fa->whenchanged = 5;
	fa->action = NS_ACTION_NEGOTIATE;
	fa->inpass = true;
	fa->soft = true;
	fa->qmpfs = true;
	fa->n_methods = 4;
	fa->methods = calloc(4, sizeof(*fa->methods));
	fa->methods[0] = (struct ns_qm_method){NS_QM_ESP,    NS_HASH_NONE, NS_CIPHER_3DES,
					       NS_HASH_SHA1, 100000,	   3600};
	fa->methods[1] = (struct ns_qm_method){NS_QM_AH,     NS_HASH_MD5, NS_CIPHER_NONE,
					       NS_HASH_NONE, 50000,	  900};
	fa->methods[2] = (struct ns_qm_method){NS_QM_AH_ESP, NS_HASH_SHA1, NS_CIPHER_DES,
					       NS_HASH_MD5,  100000,	   3600};
	fa->methods[3] =
		extensions ? (struct ns_qm_method){NS_QM_ESP,	   NS_HASH_NONE, NS_CIPHER_AES128,
						   NS_HASH_SHA256, 100000,	 3600}
			   : (struct ns_qm_method){NS_QM_ESP,	 NS_HASH_NONE, NS_CIPHER_NONE,
						   NS_HASH_SHA1, 100000,       3600};
	fa = &db->filteractions[1];
	strcpy(fa->guid, G_FA2);
	fa->name = S("Block");
	fa->description = S("drop it");
	fa->action = NS_ACTION_BLOCK;
	fa->methods = calloc(1, sizeof(*fa->methods));
	for (int i = 2; i < 4; i++) {
		fa = &db->filteractions[i];
		strcpy(fa->guid, i == 2 ? G_FADR : G_FADR2);
		fa->name = S("");
		fa->description = S("");
		fa->type = NS_FA_DEFAULT_RESPONSE;
		fa->action = NS_ACTION_NEGOTIATE;
		fa->n_methods = 2;
		fa->methods = calloc(2, sizeof(*fa->methods));
		memcpy(fa->methods, ns_default_qm_methods, sizeof(ns_default_qm_methods));
	}

	db->n_filterlists = 2;
	db->filterlists = calloc(2, sizeof(*db->filterlists));
	fl = &db->filterlists[0];
	strcpy(fl->guid, G_FL1);
	fl->name = S("All IP Traffic");
	fl->description = S("");
	fl->whenchanged = 77;
	fl->n_filters = 2;
	fl->filters = calloc(2, sizeof(*fl->filters));
	strcpy(fl->filters[0].guid, G_F1);
	fl->filters[0].description = S("");
	fl->filters[0].mirrored = true;
	fl->filters[0].src = (struct ns_endpoint){NS_ADDR_ME, 0, 0xFFFFFFFF, NULL};
	fl->filters[0].dst = (struct ns_endpoint){NS_ADDR_ANY, 0, 0, NULL};
	strcpy(fl->filters[1].guid, G_F2);
	fl->filters[1].description = S("dns to a named host");
	fl->filters[1].src = (struct ns_endpoint){NS_ADDR_SRV_DNS, 0, 0xFFFFFFFF, NULL};
	fl->filters[1].dst = (struct ns_endpoint){NS_ADDR_DNS_NAME, 0xC6336407, 0xFFFFFFFF,
						  S("host.example.org")};
	fl->filters[1].protocol = 17;
	fl->filters[1].srcport = 53;
	fl->filters[1].dstport = 1053;
	fl = &db->filterlists[1];
	strcpy(fl->guid, G_FL2);
	fl->name = S("subnets");
	fl->description = S("");
	fl->n_filters = 1;
	fl->filters = calloc(1, sizeof(*fl->filters));
	strcpy(fl->filters[0].guid, G_F1);
	fl->filters[0].description = S("");
	fl->filters[0].src = (struct ns_endpoint){NS_ADDR_IP, 0x0A000000, 0xFF000000, NULL};
	fl->filters[0].dst = (struct ns_endpoint){NS_ADDR_SRV_GATEWAY, 0, 0xFFFFFFFF, NULL};
	fl->filters[0].protocol = 6;
}

static void eq_str(const char *a, const char *b)
{
	assert_string_equal(a ? a : "", b ? b : "");
}

static void eq_rule(const struct ns_rule *a, const struct ns_rule *b)
{
	assert_true(ns_guid_eq(a->guid, b->guid));
	eq_str(a->name, b->name);
	eq_str(a->description, b->description);
	assert_int_equal(a->whenchanged, b->whenchanged);
	assert_int_equal(a->is_default, b->is_default);
	assert_true(ns_guid_eq(a->filterlist_guid, b->filterlist_guid));
	assert_true(ns_guid_eq(a->filteraction_guid, b->filteraction_guid));
	assert_int_equal(a->tunnel_set, b->tunnel_set);
	assert_int_equal(a->tunnel_addr, b->tunnel_addr);
	eq_str(a->tunnel_dnsname, b->tunnel_dnsname);
	assert_int_equal(a->conntype, b->conntype);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->n_auth, b->n_auth);
	for (size_t i = 0; i < a->n_auth; i++) {
		assert_int_equal(a->auth[i].kind, b->auth[i].kind);
		eq_str(a->auth[i].value, b->auth[i].value);
		assert_int_equal(a->auth[i].certmap, b->auth[i].certmap);
		assert_int_equal(a->auth[i].excludecaname, b->auth[i].excludecaname);
	}
}

static void eq_endpoint(const struct ns_endpoint *a, const struct ns_endpoint *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->mask, b->mask);
	eq_str(a->dnsname, b->dnsname);
}

/* Same objects, same fields; order of policies/lists/actions may differ. */
static void eq_db(const struct ns_db *a, const struct ns_db *b)
{
	assert_int_equal(a->n_policies, b->n_policies);
	assert_int_equal(a->n_filterlists, b->n_filterlists);
	assert_int_equal(a->n_filteractions, b->n_filteractions);
	for (size_t i = 0; i < a->n_policies; i++) {
		const struct ns_policy *x = &a->policies[i];
		const struct ns_policy *y = ns_db_policy_by_guid(b, x->guid);

		assert_non_null(y);
		assert_true(ns_guid_eq(x->isakmp_guid, y->isakmp_guid));
		eq_str(x->name, y->name);
		eq_str(x->description, y->description);
		assert_int_equal(x->whenchanged, y->whenchanged);
		assert_int_equal(x->mmpfs, y->mmpfs);
		assert_int_equal(x->qmpermm, y->qmpermm);
		assert_int_equal(x->mmlifetime_min, y->mmlifetime_min);
		assert_int_equal(x->pollinginterval_min, y->pollinginterval_min);
		assert_int_equal(x->assigned, y->assigned);
		assert_int_equal(x->n_mm_methods, y->n_mm_methods);
		assert_memory_equal(x->mm_methods, y->mm_methods,
				    x->n_mm_methods * sizeof(*x->mm_methods));
		assert_int_equal(x->n_rules, y->n_rules);
		for (size_t r = 0; r < x->n_rules; r++)
			eq_rule(&x->rules[r], &y->rules[r]);
		eq_rule(&x->default_rule, &y->default_rule);
	}
	for (size_t i = 0; i < a->n_filteractions; i++) {
		const struct ns_filteraction *x = &a->filteractions[i];
		const struct ns_filteraction *y = ns_db_filteraction_by_guid(b, x->guid);

		assert_non_null(y);
		eq_str(x->name, y->name);
		eq_str(x->description, y->description);
		assert_int_equal(x->whenchanged, y->whenchanged);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->action, y->action);
		if (x->action != NS_ACTION_NEGOTIATE)
			continue;
		assert_int_equal(x->qmpfs, y->qmpfs);
		assert_int_equal(x->inpass, y->inpass);
		assert_int_equal(x->soft, y->soft);
		assert_int_equal(x->n_methods, y->n_methods);
		assert_memory_equal(x->methods, y->methods, x->n_methods * sizeof(*x->methods));
	}
	for (size_t i = 0; i < a->n_filterlists; i++) {
		const struct ns_filterlist *x = &a->filterlists[i];
		const struct ns_filterlist *y = ns_db_filterlist_by_guid(b, x->guid);

		assert_non_null(y);
		eq_str(x->name, y->name);
		eq_str(x->description, y->description);
		assert_int_equal(x->whenchanged, y->whenchanged);
		assert_int_equal(x->n_filters, y->n_filters);
		for (size_t f = 0; f < x->n_filters; f++) {
			const struct ns_filter *p = &x->filters[f], *q = &y->filters[f];

			assert_true(ns_guid_eq(p->guid, q->guid));
			eq_str(p->description, q->description);
			eq_endpoint(&p->src, &q->src);
			eq_endpoint(&p->dst, &q->dst);
			assert_int_equal(p->protocol, q->protocol);
			assert_int_equal(p->srcport, q->srcport);
			assert_int_equal(p->dstport, q->dstport);
			assert_int_equal(p->mirrored, q->mirrored);
		}
	}
}

static uint8_t *export(const struct ns_db *db, bool v4, size_t *n, struct ns_winreg_report *rep)
{
	char *buf = NULL, err[256];
	FILE *m = open_memstream(&buf, n);
	struct ns_winreg_write_opts o = {.regedit4 = v4, .rep = rep};

	assert_non_null(m);
	assert_int_equal(ns_winreg_write_opts(m, db, NS_STORE_LOCAL, &o, err, sizeof(err)), 0);
	fclose(m);
	return (uint8_t *)buf;
}

static void print_report(const struct ns_winreg_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		fprintf(stderr, "  report: %s\n", rep->lines[i]);
}

static void t_roundtrip(void **state)
{
	(void)state;
	for (int ext = 0; ext <= 1; ext++) {
		for (int v4 = 0; v4 <= 1; v4++) {
			struct ns_db db, back;
			struct ns_winreg_report wrep = {0}, rrep = {0};
			char err[256];
			size_t n;
			uint8_t *b;

			mk_db(&db, ext);
			b = export(&db, v4, &n, &wrep);
			assert_true(ns_winreg_detect(b, n));
			assert_int_equal(ns_winreg_read(b, n, &back, &rrep, err, sizeof(err)), 0);
			print_report(&rrep);
			assert_int_equal(rrep.n, 0);
			/* extensions: Windows is told, and we still get ours back */
			assert_int_equal(wrep.n > 0, ext);
			eq_db(&db, &back);
			ns_winreg_report_free(&wrep);
			ns_winreg_report_free(&rrep);
			ns_db_free(&back);
			ns_db_free(&db);
			free(b);
		}
	}
}

/* What the file says, as Windows lays it out. */
static void t_export_layout(void **state)
{
	struct ns_db db;
	struct ns_reg_file f;
	char err[256];
	size_t n;
	uint8_t *b;
	const struct ns_reg_key *k = NULL;
	const struct ns_reg_value *v;

	(void)state;
	mk_db(&db, false);
	b = export(&db, false, &n, NULL);
	assert_int_equal(b[0], 0xFF);
	assert_int_equal(b[1], 0xFE);
	assert_int_equal(ns_reg_parse(b, n, &f, err, sizeof(err)), 0);
	assert_int_equal(f.version, 5);
	assert_string_equal(
		f.keys[0].path,
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy"
		"\\Local");
	v = ns_reg_key_value(&f.keys[0], "ActivePolicy");
	assert_string_equal(v->str, "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
				    "\\ipsecPolicy" G_POL);
	for (size_t i = 0; i < f.n_keys; i++)
		if (strstr(f.keys[i].path, "ipsecNFA" G_DR))
			k = &f.keys[i];
	assert_non_null(k);
	assert_string_equal(ns_reg_key_value(k, "ClassName")->str, "ipsecNFA");
	assert_string_equal(ns_reg_key_value(k, "name")->str, "ipsecNFA" G_DR);
	assert_string_equal(ns_reg_key_value(k, "ipsecID")->str, G_DR);
	assert_int_equal(ns_reg_key_value(k, "ipsecDataType")->dword, 0x100);
	assert_int_equal(ns_reg_key_value(k, "whenChanged")->dword, 1700000000);
	assert_null(ns_reg_key_value(k, "ipsecFilterReference"));
	v = ns_reg_key_value(k, "ipsecOwnersReference");
	assert_int_equal(v->type, NS_REG_MULTI_SZ);
	assert_int_equal(v->n_strs, 1);
	assert_non_null(strstr(v->strs[0], "ipsecPolicy" G_POL));
	v = ns_reg_key_value(k, "ipsecData");
	assert_int_equal(v->data[v->len - 1], 0);
	ns_reg_file_free(&f);
	free(b);
	ns_db_free(&db);
}

/* Build a .reg from our export with some keys dropped, and edits. */
static uint8_t *export_edit(const struct ns_db *db, const char *drop1, const char *drop2, size_t *n)
{
	size_t tl, bn;
	uint8_t *b = export(db, true, &bn, NULL);
	char *t = strndup((char *)b, bn), *o = malloc(bn + 1), *line, *save = NULL;
	bool skipping = false;

	free(b);
	o[0] = '\0';
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[')
			skipping = (drop1 && strstr(line, drop1)) || (drop2 && strstr(line, drop2));
		if (!skipping) {
			strcat(o, line);
			strcat(o, "\n");
		}
	}
	free(t);
	tl = strlen(o);
	*n = tl;
	return (uint8_t *)o;
}

static bool report_has(const struct ns_winreg_report *rep, const char *needle)
{
	for (size_t i = 0; i < rep->n; i++)
		if (strstr(rep->lines[i], needle))
			return true;
	return false;
}

static void t_partial(void **state)
{
	struct ns_db db, back;
	struct ns_winreg_report rep = {0};
	char err[256];
	size_t n;
	uint8_t *b;
	const struct ns_policy *p;

	(void)state;
	mk_db(&db, false);

	/* filter list of rule 2 and ISAKMP of policy 1 missing */
	b = export_edit(&db, "ipsecFilter" G_FL2, "ipsecISAKMPPolicy" G_IK, &n);
	assert_int_equal(ns_winreg_read(b, n, &back, &rep, err, sizeof(err)), 0);
	p = ns_db_policy_by_guid(&back, G_POL);
	assert_non_null(p);
	assert_int_equal(p->n_rules, 1);
	assert_string_equal(p->rules[0].guid, G_R1);
	assert_string_equal(p->isakmp_guid, G_IK);
	assert_int_equal(p->n_mm_methods, 3);
	assert_memory_equal(p->mm_methods, ns_default_mm_methods, sizeof(ns_default_mm_methods));
	assert_true(report_has(&rep, "ipsecFilter" G_FL2 " is not in the file: rule skipped"));
	assert_true(report_has(&rep, "ipsecISAKMPPolicy" G_IK " is not in the file"));
	assert_int_equal(back.n_filterlists, 1);
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	free(b);

	/* the default response rule missing: an inactive one is made */
	b = export_edit(&db, "ipsecNFA" G_DR2, NULL, &n);
	assert_int_equal(ns_winreg_read(b, n, &back, &rep, err, sizeof(err)), 0);
	p = ns_db_policy_by_guid(&back, G_POL2);
	assert_true(p->default_rule.is_default);
	assert_false(p->default_rule.active);
	assert_non_null(ns_db_filteraction_by_guid(&back, p->default_rule.filteraction_guid));
	assert_true(report_has(&rep, "no default response rule"));
	/* its action is left without a user */
	assert_true(report_has(&rep, "ipsecNegotiationPolicy" G_FADR2));
	assert_null(ns_db_filteraction_by_guid(&back, G_FADR2));
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	free(b);

	/* only filter lists and actions: imported as they are */
	b = export_edit(&db, "ipsecPolicy", "ipsecNFA", &n);
	assert_int_equal(ns_winreg_read(b, n, &back, &rep, err, sizeof(err)), 0);
	assert_int_equal(back.n_policies, 0);
	assert_int_equal(back.n_filterlists, 2);
	assert_int_equal(back.n_filteractions, 2); /* the default response ones go */
	assert_true(report_has(&rep, "ActivePolicy"));
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	free(b);
	ns_db_free(&db);
}

/* Lower-case GUIDs in key names and references, a hand-written file. */
static void t_case_and_errors(void **state)
{
	struct ns_db db, back;
	struct ns_winreg_report rep = {0};
	char err[256];
	size_t n;
	uint8_t *b;
	char *t, *c;

	(void)state;
	mk_db(&db, false);
	b = export(&db, true, &n, NULL);
	t = strndup((char *)b, n);
	free(b);
	/* lower-case every GUID after "ipsec...{"  */
	for (c = t; (c = strstr(c, "{A0000000")); c++)
		for (char *d = c; *d != '}'; d++)
			*d = (char)(*d >= 'A' && *d <= 'F' ? *d + 32 : *d);
	assert_int_equal(ns_winreg_read((uint8_t *)t, strlen(t), &back, &rep, err, sizeof(err)), 0);
	print_report(&rep);
	assert_int_equal(rep.n, 0);
	eq_db(&db, &back);
	assert_string_equal(back.policies[0].guid, G_POL); /* canonical again */
	ns_winreg_report_free(&rep);
	ns_db_free(&back);

	/* a broken blob skips its object and whatever needs it */
	c = strstr(t, "ipsecNegotiationPolicy{a0000000-0000-0000-0000-000000000006}]");
	assert_non_null(c);
	c = strstr(c, "\"ipsecData\"=hex:");
	assert_non_null(c);
	memcpy(c + strlen("\"ipsecData\"=hex:"), "00", 2); /* class GUID byte 0 */
	assert_int_equal(ns_winreg_read((uint8_t *)t, strlen(t), &back, &rep, err, sizeof(err)), 0);
	assert_true(report_has(&rep, "class GUID"));
	assert_true(report_has(&rep, "rule skipped"));
	assert_null(ns_db_filteraction_by_guid(&back, G_FA1));
	assert_int_equal(ns_db_policy_by_guid(&back, G_POL)->n_rules, 1);
	ns_winreg_report_free(&rep);
	ns_db_free(&back);

	/* a syntax error is an error: nothing imported */
	t = realloc(t, strlen(t) + 16);
	strcat(t, "\"x\"=bogus\n");
	assert_true(ns_winreg_read((uint8_t *)t, strlen(t), &back, &rep, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "unknown value type"));
	assert_int_equal(back.n_policies, 0);
	ns_winreg_report_free(&rep);
	free(t);
	ns_db_free(&db);
}

static void t_persistent_and_cache(void **state)
{
	static const char txt[] =
		"REGEDIT4\r\n\r\n"
		"[HKEY_LOCAL_"
		"MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache\\"
		"ipsecFilter{b0000000-0000-0000-0000-000000000001}]\r\n"
		"\"ClassName\"=\"ipsecFilter\"\r\n"
		"\"ipsecName\"=\"empty list\"\r\n"
		"\"ipsecID\"=\"{B0000000-0000-0000-0000-000000000002}\"\r\n"
		"\"ipsecData\"=hex:b5,20,dc,80,c8,2e,d1,11,a8,9e,00,a0,24,8d,30,21,04,00,00,00,"
		"\\\r\n"
		"  00,00,00,00,00\r\n"
		"\"whenChanged\"=dword:00000010\r\n"
		"[HKEY_LOCAL_"
		"MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache\\"
		"ipsecFoo{b0000000-0000-0000-0000-000000000003}]\r\n";
	struct ns_db back;
	struct ns_winreg_report rep = {0};
	char err[256];

	(void)state;
	assert_int_equal(ns_winreg_read((const uint8_t *)txt, sizeof(txt) - 1, &back, &rep, err,
					sizeof(err)),
			 0);
	assert_int_equal(back.n_filterlists, 1);
	assert_string_equal(back.filterlists[0].guid, "{B0000000-0000-0000-0000-000000000001}");
	assert_string_equal(back.filterlists[0].name, "empty list");
	assert_int_equal(back.filterlists[0].whenchanged, 16);
	assert_true(report_has(&rep, "ipsecID"));
	assert_true(report_has(&rep, "unknown IPsec object class"));
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
}

/* Two store keys each naming an active policy: one assignment survives. */
static void t_two_active(void **state)
{
	struct ns_db db, back;
	struct ns_winreg_report rep = {0};
	char err[256], *t, *t2;
	size_t n;
	uint8_t *b;
	int assigned = 0;

	(void)state;
	mk_db(&db, false);
	db.policies[0].assigned = false;
	db.policies[1].assigned = true;
	b = export(&db, true, &n, NULL);
	t = strndup((char *)b, n);
	free(b);
	/* a second store key naming the first policy, after the objects */
	assert_true(asprintf(&t2,
			     "%s[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows"
			     "\\IPSec\\Policy\\Persistent]\r\n\"ActivePolicy\"=\"SOFTWARE\\\\"
			     "x\\\\ipsecPolicy%s\"\r\n",
			     t, G_POL) > 0);
	assert_int_equal(ns_winreg_read((uint8_t *)t2, strlen(t2), &back, &rep, err, sizeof(err)),
			 0);
	for (size_t i = 0; i < back.n_policies; i++)
		assigned += back.policies[i].assigned;
	assert_int_equal(assigned, 1);
	assert_true(ns_db_policy_by_guid(&back, G_POL2)->assigned);
	assert_true(report_has(&rep, "only one policy can be assigned"));
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	ns_db_free(&db);
	free(t);
	free(t2);
}

/* References in the directory form, as a cached domain policy may hold. */
static void t_dn_references(void **state)
{
	struct ns_db db, back;
	struct ns_winreg_report rep = {0};
	char err[256], *t, *o, *c;
	size_t n;
	uint8_t *b;
	static const char from[] = "SOFTWARE\\\\Policies\\\\Microsoft\\\\Windows\\\\IPSec"
				   "\\\\Policy\\\\Local\\\\ipsecISAKMPPolicy";
	static const char to[] = "CN=ipsecISAKMPPolicy";

	(void)state;
	mk_db(&db, false);
	b = export(&db, true, &n, NULL);
	t = strndup((char *)b, n);
	free(b);
	c = strstr(t, from);
	assert_non_null(c);
	o = malloc(strlen(t) + 64);
	memcpy(o, t, (size_t)(c - t));
	strcpy(o + (c - t), to);
	strcat(o, c + strlen(from));
	/* "CN=ipsecISAKMPPolicy{GUID}" followed by the DN's tail */
	c = strstr(o, "CN=ipsecISAKMPPolicy{");
	assert_non_null(c);
	assert_int_equal(ns_winreg_read((uint8_t *)o, strlen(o), &back, &rep, err, sizeof(err)), 0);
	print_report(&rep);
	assert_int_equal(rep.n, 0);
	eq_db(&db, &back);
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	ns_db_free(&db);
	free(o);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_roundtrip),
		cmocka_unit_test(t_export_layout),
		cmocka_unit_test(t_partial),
		cmocka_unit_test(t_case_and_errors),
		cmocka_unit_test(t_persistent_and_cache),
		cmocka_unit_test(t_two_active),
		cmocka_unit_test(t_dn_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
