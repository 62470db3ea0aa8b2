// SPDX-License-Identifier: GPL-2.0
/*
 * The .reg reader and the blob decoders on arbitrary bytes.
 *
 * Input whose first byte is 'B' goes to the five blob decoders (the rest of
 * the input is the blob); 'M' builds a store from the input, exports and
 * imports it, which must give it back exactly; anything else is a whole .reg
 * file.  A file that
 * imports must export and import again to exactly the same store.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guid.h"
#include "lib/model.h"
#include "winreg/blob.h"
#include "winreg/winreg.h"

static void blobs(const uint8_t *b, size_t n)
{
	struct ns_winreg_report rep = {0};
	const struct ns_blob_diag d = {.rep = &rep, .key = "fuzz", .value = "ipsecData"};
	char err[256];
	uint32_t sec;
	struct ns_blob_isakmp ik;
	struct ns_rule r = {0};
	struct ns_filteraction fa = {0};
	struct ns_filterlist fl = {0};
	uint8_t *c = malloc(n + 16);

	if (!c)
		return;
	/* Each decoder checks the class GUID first: give every one a chance
	 * by stamping its GUID over a copy. */
	static const char *const cls[] = {NS_CLASS_POLICY, NS_CLASS_ISAKMP, NS_CLASS_NFA,
					  NS_CLASS_NEGPOL, NS_CLASS_FILTER};
	for (int i = 0; i < 5; i++) {
		size_t m = n < 16 ? 16 : n;

		memset(c, 0, m);
		memcpy(c, b, n);
		if (n >= 16)
			ns_guid_to_bin(cls[i], c);
		switch (i) {
		case 0:
			(void)ns_blob_policy_decode(c, n, &sec, &d, err, sizeof(err));
			break;
		case 1:
			if (!ns_blob_isakmp_decode(c, n, &ik, &d, err, sizeof(err)))
				free(ik.methods);
			break;
		case 2:
			(void)ns_blob_nfa_decode(c, n, &r, &d, err, sizeof(err));
			ns_rule_free(&r);
			break;
		case 3:
			(void)ns_blob_negpol_decode(c, n, &fa, &d, err, sizeof(err));
			ns_filteraction_free(&fa);
			break;
		default:
			(void)ns_blob_filter_decode(c, n, &fl, &d, err, sizeof(err));
			ns_filterlist_free(&fl);
			break;
		}
	}
	free(c);
	ns_winreg_report_free(&rep);
}

/* What we import, we export and import again to the very same store. */
static bool db_eq(const struct ns_db *a, const struct ns_db *b)
{
	if (a->n_policies != b->n_policies || a->n_filterlists != b->n_filterlists ||
	    a->n_filteractions != b->n_filteractions)
		return false;
	for (size_t i = 0; i < a->n_policies; i++) {
		const struct ns_policy *x = &a->policies[i], *y = &b->policies[i];

		if (strcmp(x->guid, y->guid) || strcmp(x->isakmp_guid, y->isakmp_guid) ||
		    !ns_str_equal(x->name, y->name) ||
		    !ns_str_equal(x->description, y->description) ||
		    x->whenchanged != y->whenchanged || x->mmpfs != y->mmpfs ||
		    x->qmpermm != y->qmpermm || x->mmlifetime_min != y->mmlifetime_min ||
		    x->pollinginterval_min != y->pollinginterval_min ||
		    x->assigned != y->assigned || x->n_mm_methods != y->n_mm_methods ||
		    x->n_rules != y->n_rules ||
		    memcmp(x->mm_methods, y->mm_methods,
			   x->n_mm_methods * sizeof(*x->mm_methods)) ||
		    !ns_rule_equal(&x->default_rule, &y->default_rule))
			return false;
		for (size_t r = 0; r < x->n_rules; r++)
			if (!ns_rule_equal(&x->rules[r], &y->rules[r]))
				return false;
	}
	for (size_t i = 0; i < a->n_filteractions; i++) {
		const struct ns_filteraction *x = &a->filteractions[i], *y = &b->filteractions[i];

		if (strcmp(x->guid, y->guid) || !ns_str_equal(x->name, y->name) ||
		    !ns_str_equal(x->description, y->description) ||
		    x->whenchanged != y->whenchanged || x->type != y->type ||
		    x->action != y->action || x->qmpfs != y->qmpfs || x->inpass != y->inpass ||
		    x->soft != y->soft || x->n_methods != y->n_methods ||
		    memcmp(x->methods, y->methods, x->n_methods * sizeof(*x->methods)))
			return false;
	}
	for (size_t i = 0; i < a->n_filterlists; i++)
		if (!ns_filterlist_equal(&a->filterlists[i], &b->filterlists[i]))
			return false;
	return true;
}

static void regfile(const uint8_t *b, size_t n)
{
	struct ns_winreg_report rep = {0};
	struct ns_db db, back;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)ns_winreg_detect(b, n);
	if (ns_winreg_read(b, n, &db, &rep, err, sizeof(err)))
		goto out;
	m = open_memstream(&buf, &len);
	if (!m) {
		ns_db_free(&db);
		goto out;
	}
	if (ns_winreg_write(m, &db, NS_STORE_LOCAL, err, sizeof(err)) == 0) {
		fclose(m);
		m = NULL;
		ns_winreg_report_free(&rep);
		if (ns_winreg_read((uint8_t *)buf, len, &back, &rep, err, sizeof(err)))
			abort(); /* our own export must read back */
		if (!db_eq(&db, &back))
			abort();
		ns_db_free(&back);
	}
	if (m)
		fclose(m);
	free(buf);
	ns_db_free(&db);
out:
	ns_winreg_report_free(&rep);
}

/* ---- a store made from the input: export, import, compare ---------------- */

struct src {
	const uint8_t *p;
	size_t n, i;
};

static unsigned take(struct src *s, unsigned mod)
{
	unsigned v = s->i < s->n ? s->p[s->i] : 0;

	s->i++;
	return mod ? v % mod : v;
}

static uint32_t take32(struct src *s)
{
	uint32_t v = 0;

	for (int k = 0; k < 4; k++)
		v = v << 8 | take(s, 0);
	return v;
}

/* Strings with what needs escaping or another encoding. */
static char *take_str(struct src *s)
{
	static const char *const parts[] = {"a",
					    "Z",
					    " ",
					    "\"",
					    "\\",
					    "\r",
					    "\n",
					    "\xc3\xa9",
					    "\xe2\x82\xac",
					    "\xf0\x9f\x94\x92",
					    "{",
					    "]",
					    ";",
					    "=",
					    "x y"};
	unsigned n = take(s, 6);
	char *out = calloc(1, 64);

	for (unsigned k = 0; out && k < n; k++)
		strcat(out, parts[take(s, sizeof(parts) / sizeof(parts[0]))]);
	return out;
}

static void take_guid(struct src *s, char out[NS_GUID_LEN + 1], unsigned cls, unsigned idx)
{
	/* Unique per object; the low bits from the input for variety. */
	snprintf(out, NS_GUID_LEN + 1, "{%08X-%04X-4000-8000-%012X}", cls, idx, take(s, 0));
}

static void mk_qm(struct src *s, struct ns_qm_method *m)
{
	m->kind = (enum ns_qm_kind)take(s, 3);
	m->ah_hash = m->kind == NS_QM_ESP ? NS_HASH_NONE : (enum ns_hash)(1 + take(s, 4));
	m->esp_conf = NS_CIPHER_NONE;
	m->esp_auth = NS_HASH_NONE;
	if (m->kind != NS_QM_AH) {
		m->esp_conf = (enum ns_cipher)take(s, 6);
		m->esp_auth = (enum ns_hash)(m->esp_conf ? take(s, 5) : 1 + take(s, 4));
	}
	m->lifetime_kb = 1 + take32(s) % 1000000;
	m->lifetime_sec = 1 + take32(s) % 100000;
}

static void mk_fa(struct src *s, struct ns_filteraction *fa, unsigned idx, bool dr)
{
	take_guid(s, fa->guid, 3, idx);
	fa->name = dr ? strdup("") : take_str(s);
	fa->description = take_str(s);
	fa->whenchanged = take32(s);
	fa->type = dr ? NS_FA_DEFAULT_RESPONSE : NS_FA_NORMAL;
	fa->action = dr ? NS_ACTION_NEGOTIATE : (enum ns_action)take(s, 3);
	if (fa->action == NS_ACTION_NEGOTIATE) {
		fa->qmpfs = take(s, 2);
		fa->inpass = take(s, 2);
		fa->soft = take(s, 2);
		fa->n_methods = 1 + take(s, 4);
	}
	fa->methods = calloc(fa->n_methods + 1, sizeof(*fa->methods));
	for (size_t i = 0; fa->methods && i < fa->n_methods; i++)
		mk_qm(s, &fa->methods[i]);
}

static void mk_ep(struct src *s, struct ns_endpoint *e, bool srv_ok)
{
	e->kind = (enum ns_addr_kind)take(s, srv_ok ? 8 : 4);
	e->addr = 0;
	e->mask = e->kind == NS_ADDR_ANY ? 0 : 0xFFFFFFFFu;
	if (e->kind == NS_ADDR_IP || e->kind == NS_ADDR_DNS_NAME) {
		unsigned len = 1 + take(s, 32);

		e->mask = len == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> len);
		e->addr = (take32(s) | 1) & e->mask;
		if (!e->addr)
			e->addr = 0x80000000u;
	}
	if (e->kind == NS_ADDR_DNS_NAME) {
		e->dnsname = take_str(s);
		if (e->dnsname && !e->dnsname[0]) {
			free(e->dnsname);
			e->dnsname = strdup("host");
		}
	}
}

static void mk_rule(struct src *s, struct ns_rule *r, unsigned idx, const struct ns_db *db,
		    bool dflt, const char *dr_fa, bool certmap, bool excl)
{
	take_guid(s, r->guid, 4, idx);
	r->name = dflt ? strdup("") : take_str(s);
	r->description = take_str(s);
	r->whenchanged = take32(s);
	r->is_default = dflt;
	if (dflt) {
		snprintf(r->filteraction_guid, sizeof(r->filteraction_guid), "%s", dr_fa);
	} else {
		snprintf(r->filterlist_guid, sizeof(r->filterlist_guid), "%s",
			 db->filterlists[take(s, (unsigned)db->n_filterlists)].guid);
		snprintf(r->filteraction_guid, sizeof(r->filteraction_guid), "%s",
			 db->filteractions[take(s, 2)].guid);
	}
	r->tunnel_set = take(s, 2);
	r->tunnel_addr = r->tunnel_set ? take32(s) : 0;
	r->tunnel_dnsname = r->tunnel_set ? take_str(s) : strdup("");
	r->conntype = (enum ns_conntype)take(s, 3);
	r->active = take(s, 2);
	r->n_auth = take(s, 4);
	r->auth = calloc(r->n_auth + 1, sizeof(*r->auth));
	for (size_t i = 0; r->auth && i < r->n_auth; i++) {
		r->auth[i].kind = (enum ns_auth_kind)take(s, 3);
		r->auth[i].value = r->auth[i].kind == NS_AUTH_KERBEROS ? strdup("") : take_str(s);
		if (r->auth[i].kind == NS_AUTH_ROOTCA) {
			r->auth[i].certmap = certmap;
			r->auth[i].excludecaname = excl;
		}
	}
}

static void model(const uint8_t *b, size_t n)
{
	struct src s = {.p = b, .n = n};
	struct ns_db db = {0}, back;
	struct ns_winreg_report rep = {0};
	struct ns_winreg_write_opts o = {.regedit4 = take(&s, 2)};
	char err[256], *buf = NULL;
	size_t len = 0, np = 1 + take(&s, 2);
	FILE *m;

	db.n_filterlists = 1 + take(&s, 2);
	db.filterlists = calloc(db.n_filterlists, sizeof(*db.filterlists));
	for (size_t i = 0; i < db.n_filterlists; i++) {
		struct ns_filterlist *fl = &db.filterlists[i];

		take_guid(&s, fl->guid, 5, (unsigned)i);
		fl->name = take_str(&s);
		fl->description = take_str(&s);
		fl->whenchanged = take32(&s);
		fl->n_filters = take(&s, 4);
		fl->filters = calloc(fl->n_filters + 1, sizeof(*fl->filters));
		for (size_t f = 0; f < fl->n_filters; f++) {
			struct ns_filter *x = &fl->filters[f];

			take_guid(&s, x->guid, 6, (unsigned)(i * 16 + f));
			x->description = take_str(&s);
			mk_ep(&s, &x->src, true);
			mk_ep(&s, &x->dst, x->src.kind < NS_ADDR_SRV_DNS);
			x->protocol = (uint8_t)take(&s, 0);
			if (x->protocol == NS_PROTO_TCP || x->protocol == NS_PROTO_UDP) {
				x->srcport = (uint16_t)take32(&s);
				x->dstport = (uint16_t)take32(&s);
			}
			x->mirrored = take(&s, 2);
		}
	}
	db.n_filteractions = 2 + np;
	db.filteractions = calloc(db.n_filteractions, sizeof(*db.filteractions));
	for (size_t i = 0; i < db.n_filteractions; i++)
		mk_fa(&s, &db.filteractions[i], (unsigned)i, i >= 2);
	db.n_policies = np;
	db.policies = calloc(np, sizeof(*db.policies));
	for (size_t i = 0; i < np; i++) {
		struct ns_policy *p = &db.policies[i];
		bool certmap = take(&s, 2), excl = take(&s, 2);

		take_guid(&s, p->guid, 1, (unsigned)i);
		take_guid(&s, p->isakmp_guid, 2, (unsigned)i);
		p->name = take_str(&s);
		p->description = take_str(&s);
		p->gponame = strdup("");
		p->whenchanged = take32(&s);
		p->mmpfs = take(&s, 2);
		p->qmpermm = p->mmpfs ? 1 : take(&s, 0);
		p->mmlifetime_min = 1 + take32(&s) % 10000;
		p->pollinginterval_min = 1 + take32(&s) % 10000;
		p->assigned = i == 0 && take(&s, 2);
		p->n_mm_methods = 1 + take(&s, 4);
		p->mm_methods = calloc(p->n_mm_methods, sizeof(*p->mm_methods));
		for (size_t k = 0; k < p->n_mm_methods; k++) {
			p->mm_methods[k].cipher = (enum ns_cipher)(1 + take(&s, 5));
			p->mm_methods[k].hash = (enum ns_hash)(1 + take(&s, 4));
			p->mm_methods[k].group = (enum ns_dh)(1 + take(&s, 7));
		}
		p->n_rules = take(&s, 4);
		p->rules = calloc(p->n_rules + 1, sizeof(*p->rules));
		for (size_t r = 0; r < p->n_rules; r++)
			mk_rule(&s, &p->rules[r], (unsigned)(i * 16 + r), &db, false, "", certmap,
				excl);
		mk_rule(&s, &p->default_rule, (unsigned)(i * 16 + 15), &db, true,
			db.filteractions[2 + i].guid, certmap, excl);
	}
	m = open_memstream(&buf, &len);
	if (!m || ns_winreg_write_opts(m, &db, NS_STORE_LOCAL, &o, err, sizeof(err)))
		abort();
	fclose(m);
	if (ns_winreg_read((uint8_t *)buf, len, &back, &rep, err, sizeof(err)))
		abort();
	if (rep.n || !db_eq(&db, &back)) {
		for (size_t i = 0; i < rep.n; i++)
			fprintf(stderr, "report: %s\n", rep.lines[i]);
		abort();
	}
	ns_winreg_report_free(&rep);
	ns_db_free(&back);
	ns_db_free(&db);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == 'B')
		blobs(data + 1, size - 1);
	else if (size && data[0] == 'M')
		model(data + 1, size - 1);
	else
		regfile(data, size);
	return 0;
}
