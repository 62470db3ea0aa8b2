// SPDX-License-Identifier: GPL-2.0
/*
 * Registry import benchmark helper.
 *
 *   winreg_bench gen [-4] [-b DIR] FILTERS RULES OUT.reg
 *	writes a Local store export: one policy with RULES rules sharing
 *	FILTERS filters spread over RULES filter lists, as Windows lays it out
 *	(-4: REGEDIT4 text; -b DIR: also every blob as a fuzz seed)
 *   winreg_bench read FILE [ROUNDS]
 *	times ns_winreg_read of FILE, best of ROUNDS (default 5)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/guid.h"
#include "lib/model.h"
#include "winreg/blob.h"
#include "winreg/winreg.h"

static char *S(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void guid_n(char out[NS_GUID_LEN + 1], unsigned cls, unsigned n)
{
	snprintf(out, NS_GUID_LEN + 1, "{%08X-0000-4000-8000-%012X}", cls, n);
}

static void build(struct ns_db *db, unsigned n_filters, unsigned n_rules)
{
	struct ns_policy *p;
	unsigned per = n_rules ? (n_filters + n_rules - 1) / n_rules : 0, left = n_filters;

	memset(db, 0, sizeof(*db));
	db->n_policies = 1;
	db->policies = calloc(1, sizeof(*p));
	p = db->policies;
	guid_n(p->guid, 1, 1);
	guid_n(p->isakmp_guid, 2, 1);
	p->name = S("bench");
	p->description = S("generated");
	p->gponame = S("");
	p->mmlifetime_min = 480;
	p->pollinginterval_min = 180;
	p->assigned = true;
	p->n_mm_methods = 3;
	p->mm_methods = malloc(sizeof(ns_default_mm_methods));
	memcpy(p->mm_methods, ns_default_mm_methods, sizeof(ns_default_mm_methods));
	p->rules = calloc(n_rules ? n_rules : 1, sizeof(*p->rules));
	p->n_rules = n_rules;
	db->filterlists = calloc(n_rules ? n_rules : 1, sizeof(*db->filterlists));
	db->n_filterlists = n_rules;
	db->filteractions = calloc(2, sizeof(*db->filteractions));
	db->n_filteractions = 2;
	for (int i = 0; i < 2; i++) {
		struct ns_filteraction *fa = &db->filteractions[i];

		guid_n(fa->guid, 3, (unsigned)i);
		fa->name = S(i ? "" : "Require Security");
		fa->description = S("");
		fa->type = i ? NS_FA_DEFAULT_RESPONSE : NS_FA_NORMAL;
		fa->action = NS_ACTION_NEGOTIATE;
		fa->n_methods = 2;
		fa->methods = malloc(sizeof(ns_default_qm_methods));
		memcpy(fa->methods, ns_default_qm_methods, sizeof(ns_default_qm_methods));
	}
	for (unsigned r = 0; r < n_rules; r++) {
		struct ns_rule *ru = &p->rules[r];
		struct ns_filterlist *fl = &db->filterlists[r];
		unsigned k = left < per ? left : per;
		char name[64];

		guid_n(ru->guid, 4, r);
		snprintf(name, sizeof(name), "rule %u", r);
		ru->name = S(name);
		ru->description = S("");
		ru->tunnel_dnsname = S("");
		ru->active = true;
		guid_n(ru->filterlist_guid, 5, r);
		guid_n(ru->filteraction_guid, 3, 0);
		memcpy(fl->guid, ru->filterlist_guid, sizeof(fl->guid));
		snprintf(name, sizeof(name), "list %u", r);
		fl->name = S(name);
		fl->description = S("");
		fl->filters = calloc(k ? k : 1, sizeof(*fl->filters));
		fl->n_filters = k;
		for (unsigned f = 0; f < k; f++) {
			struct ns_filter *x = &fl->filters[f];
			unsigned id = n_filters - left + f;

			guid_n(x->guid, 6, id);
			x->description = S("");
			x->mirrored = true;
			x->src = (struct ns_endpoint){NS_ADDR_ME, 0, 0xFFFFFFFFu, NULL};
			x->dst = (struct ns_endpoint){NS_ADDR_IP, 0x0A000000u + id, 0xFFFFFFFFu,
						      NULL};
			x->protocol = 6;
			x->dstport = (uint16_t)(1 + id % 65535);
		}
		left -= k;
	}
	guid_n(p->default_rule.guid, 4, 999999);
	p->default_rule.name = S("");
	p->default_rule.description = S("");
	p->default_rule.tunnel_dnsname = S("");
	p->default_rule.is_default = true;
	p->default_rule.active = true;
	guid_n(p->default_rule.filteraction_guid, 3, 1);
}

static void seed(const char *dir, const char *name, struct ns_bbuf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fputc('B', f);
		fwrite(b->p, 1, b->len, f);
		fclose(f);
	}
	ns_bbuf_free(b);
}

static int gen(int argc, char **argv)
{
	struct ns_winreg_write_opts o = {0};
	const char *blobdir = NULL;
	struct ns_db db;
	char err[256];
	FILE *out;
	int i = 2, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-4"))
			o.regedit4 = true;
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			blobdir = argv[++i];
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: winreg_bench gen [-4] [-b DIR] FILTERS RULES OUT.reg\n");
		return 2;
	}
	build(&db, (unsigned)atoi(argv[i]), (unsigned)atoi(argv[i + 1]));
	out = fopen(argv[i + 2], "wb");
	if (!out) {
		perror(argv[i + 2]);
		return 1;
	}
	rc = ns_winreg_write_opts(out, &db, NS_STORE_LOCAL, &o, err, sizeof(err));
	fclose(out);
	if (rc)
		fprintf(stderr, "winreg_bench: %s\n", err);
	if (blobdir) {
		struct ns_bbuf b = {0};
		struct ns_blob_isakmp ik = {.lifetime_sec = 28800,
					    .methods = db.policies[0].mm_methods,
					    .n_methods = db.policies[0].n_mm_methods};

		memcpy(ik.guid, db.policies[0].isakmp_guid, sizeof(ik.guid));
		ns_blob_policy_encode(&b, 10800);
		seed(blobdir, "blob-policy", &b);
		ns_blob_isakmp_encode(&b, &ik);
		seed(blobdir, "blob-isakmp", &b);
		if (db.policies[0].n_rules) {
			ns_blob_nfa_encode(&b, &db.policies[0].rules[0]);
			seed(blobdir, "blob-nfa", &b);
			ns_blob_filter_encode(&b, &db.filterlists[0]);
			seed(blobdir, "blob-filter", &b);
		}
		db.filteractions[0].soft = true;
		ns_blob_negpol_encode(&b, &db.filteractions[0]);
		seed(blobdir, "blob-negpol", &b);
	}
	ns_db_free(&db);
	return rc ? 1 : 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int readf(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	double best = 1e9;
	size_t len = 0, cap = 1 << 20, filters = 0, warnings = 0;
	uint8_t *buf = malloc(cap);
	FILE *f = fopen(argv[2], "rb");
	size_t got;

	if (!f || !buf) {
		perror(argv[2]);
		return 1;
	}
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return 1;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	for (int r = 0; r < rounds; r++) {
		struct ns_db db;
		struct ns_winreg_report rep = {0};
		char err[256];
		double t0 = now(), dt;

		if (ns_winreg_read(buf, len, &db, &rep, err, sizeof(err))) {
			fprintf(stderr, "winreg_bench: %s\n", err);
			return 1;
		}
		dt = now() - t0;
		if (dt < best)
			best = dt;
		filters = 0;
		for (size_t i = 0; i < db.n_filterlists; i++)
			filters += db.filterlists[i].n_filters;
		warnings = rep.n;
		ns_winreg_report_free(&rep);
		ns_db_free(&db);
	}
	printf("ns_winreg_read: %zu bytes, %zu filters, %zu warnings: %.1f ms (best of %d)\n", len,
	       filters, warnings, best * 1e3, rounds);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return gen(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "read"))
		return readf(argc, argv);
	fprintf(stderr, "usage: winreg_bench gen|read ...\n");
	return 2;
}
