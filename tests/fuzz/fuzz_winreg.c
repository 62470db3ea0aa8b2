// SPDX-License-Identifier: GPL-2.0
/*
 * The .reg reader and the blob decoders on arbitrary bytes.
 *
 * Input whose first byte is 'B' goes to the five blob decoders (the rest of
 * the input is the blob); anything else is a whole .reg file.  A file that
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

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool rule_eq(const struct ns_rule *a, const struct ns_rule *b)
{
	if (strcmp(a->guid, b->guid) || !str_eq(a->name, b->name) ||
	    !str_eq(a->description, b->description) || a->whenchanged != b->whenchanged ||
	    a->is_default != b->is_default || strcmp(a->filterlist_guid, b->filterlist_guid) ||
	    strcmp(a->filteraction_guid, b->filteraction_guid) || a->tunnel_set != b->tunnel_set ||
	    a->tunnel_addr != b->tunnel_addr || !str_eq(a->tunnel_dnsname, b->tunnel_dnsname) ||
	    a->conntype != b->conntype || a->active != b->active || a->n_auth != b->n_auth)
		return false;
	for (size_t i = 0; i < a->n_auth; i++)
		if (a->auth[i].kind != b->auth[i].kind ||
		    !str_eq(a->auth[i].value, b->auth[i].value) ||
		    a->auth[i].certmap != b->auth[i].certmap ||
		    a->auth[i].excludecaname != b->auth[i].excludecaname)
			return false;
	return true;
}

static bool ep_eq(const struct ns_endpoint *a, const struct ns_endpoint *b)
{
	return a->kind == b->kind && a->addr == b->addr && a->mask == b->mask &&
	       str_eq(a->dnsname, b->dnsname);
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
		    !str_eq(x->name, y->name) || !str_eq(x->description, y->description) ||
		    x->whenchanged != y->whenchanged || x->mmpfs != y->mmpfs ||
		    x->qmpermm != y->qmpermm || x->mmlifetime_min != y->mmlifetime_min ||
		    x->pollinginterval_min != y->pollinginterval_min ||
		    x->assigned != y->assigned || x->n_mm_methods != y->n_mm_methods ||
		    x->n_rules != y->n_rules ||
		    memcmp(x->mm_methods, y->mm_methods,
			   x->n_mm_methods * sizeof(*x->mm_methods)) ||
		    !rule_eq(&x->default_rule, &y->default_rule))
			return false;
		for (size_t r = 0; r < x->n_rules; r++)
			if (!rule_eq(&x->rules[r], &y->rules[r]))
				return false;
	}
	for (size_t i = 0; i < a->n_filteractions; i++) {
		const struct ns_filteraction *x = &a->filteractions[i], *y = &b->filteractions[i];

		if (strcmp(x->guid, y->guid) || !str_eq(x->name, y->name) ||
		    !str_eq(x->description, y->description) || x->whenchanged != y->whenchanged ||
		    x->type != y->type || x->action != y->action || x->qmpfs != y->qmpfs ||
		    x->inpass != y->inpass || x->soft != y->soft || x->n_methods != y->n_methods ||
		    memcmp(x->methods, y->methods, x->n_methods * sizeof(*x->methods)))
			return false;
	}
	for (size_t i = 0; i < a->n_filterlists; i++) {
		const struct ns_filterlist *x = &a->filterlists[i], *y = &b->filterlists[i];

		if (strcmp(x->guid, y->guid) || !str_eq(x->name, y->name) ||
		    !str_eq(x->description, y->description) || x->whenchanged != y->whenchanged ||
		    x->n_filters != y->n_filters)
			return false;
		for (size_t f = 0; f < x->n_filters; f++) {
			const struct ns_filter *p = &x->filters[f], *q = &y->filters[f];

			if (strcmp(p->guid, q->guid) || !str_eq(p->description, q->description) ||
			    !ep_eq(&p->src, &q->src) || !ep_eq(&p->dst, &q->dst) ||
			    p->protocol != q->protocol || p->srcport != q->srcport ||
			    p->dstport != q->dstport || p->mirrored != q->mirrored)
				return false;
		}
	}
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == 'B')
		blobs(data + 1, size - 1);
	else
		regfile(data, size);
	return 0;
}
