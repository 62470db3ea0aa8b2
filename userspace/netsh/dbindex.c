// SPDX-License-Identifier: GPL-2.0
#include "netsh/dbindex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Every indexed struct starts with its GUID array; names are reached
 * through the typed accessors below. */
static int cmp_fl_guid(const void *a, const void *b)
{
	return strcasecmp((*(const struct ns_filterlist *const *)a)->guid,
			  (*(const struct ns_filterlist *const *)b)->guid);
}

static int cmp_fl_name(const void *a, const void *b)
{
	return strcmp(nz((*(const struct ns_filterlist *const *)a)->name),
		      nz((*(const struct ns_filterlist *const *)b)->name));
}

static int cmp_fa_guid(const void *a, const void *b)
{
	return strcasecmp((*(const struct ns_filteraction *const *)a)->guid,
			  (*(const struct ns_filteraction *const *)b)->guid);
}

static int cmp_fa_name(const void *a, const void *b)
{
	return strcmp(nz((*(const struct ns_filteraction *const *)a)->name),
		      nz((*(const struct ns_filteraction *const *)b)->name));
}

static int cmp_pol_guid(const void *a, const void *b)
{
	return strcasecmp((*(const struct ns_policy *const *)a)->guid,
			  (*(const struct ns_policy *const *)b)->guid);
}

static int cmp_pol_name(const void *a, const void *b)
{
	return strcmp(nz((*(const struct ns_policy *const *)a)->name),
		      nz((*(const struct ns_policy *const *)b)->name));
}

void ns_dbindex_free(struct ns_dbindex *x)
{
	free(x->fl_guid);
	free(x->fl_name);
	free(x->fa_guid);
	free(x->fa_name);
	free(x->pol_guid);
	free(x->pol_name);
	memset(x, 0, sizeof(*x));
}

int ns_dbindex_build(struct ns_dbindex *x, const struct ns_db *db)
{
	memset(x, 0, sizeof(*x));
	x->fl_guid = calloc(db->n_filterlists + 1, sizeof(*x->fl_guid));
	x->fl_name = calloc(db->n_filterlists + 1, sizeof(*x->fl_name));
	x->fa_guid = calloc(db->n_filteractions + 1, sizeof(*x->fa_guid));
	x->fa_name = calloc(db->n_filteractions + 1, sizeof(*x->fa_name));
	x->pol_guid = calloc(db->n_policies + 1, sizeof(*x->pol_guid));
	x->pol_name = calloc(db->n_policies + 1, sizeof(*x->pol_name));
	if (!x->fl_guid || !x->fl_name || !x->fa_guid || !x->fa_name || !x->pol_guid ||
	    !x->pol_name) {
		ns_dbindex_free(x);
		return -ENOMEM;
	}
	x->n_fl = db->n_filterlists;
	for (size_t i = 0; i < x->n_fl; i++)
		x->fl_guid[i] = x->fl_name[i] = &db->filterlists[i];
	x->n_fa = db->n_filteractions;
	for (size_t i = 0; i < x->n_fa; i++) {
		x->fa_guid[i] = &db->filteractions[i];
		if (db->filteractions[i].type == NS_FA_NORMAL)
			x->fa_name[x->n_fa_name++] = &db->filteractions[i];
	}
	x->n_pol = db->n_policies;
	for (size_t i = 0; i < x->n_pol; i++)
		x->pol_guid[i] = x->pol_name[i] = &db->policies[i];
	/* Stable order among equal keys is not needed: look-ups by name in
	 * a store never see duplicates, and duplicate checks only ask
	 * whether any exist. */
	qsort(x->fl_guid, x->n_fl, sizeof(*x->fl_guid), cmp_fl_guid);
	qsort(x->fl_name, x->n_fl, sizeof(*x->fl_name), cmp_fl_name);
	qsort(x->fa_guid, x->n_fa, sizeof(*x->fa_guid), cmp_fa_guid);
	qsort(x->fa_name, x->n_fa_name, sizeof(*x->fa_name), cmp_fa_name);
	qsort(x->pol_guid, x->n_pol, sizeof(*x->pol_guid), cmp_pol_guid);
	qsort(x->pol_name, x->n_pol, sizeof(*x->pol_name), cmp_pol_name);
	return 0;
}

const struct ns_filterlist *ns_dbindex_fl(const struct ns_dbindex *x, const char *guid)
{
	struct ns_filterlist k, *kp = &k;
	const struct ns_filterlist **r;

	snprintf(k.guid, sizeof(k.guid), "%s", guid);
	if (!x->n_fl)
		return NULL;
	r = bsearch(&kp, x->fl_guid, x->n_fl, sizeof(*x->fl_guid), cmp_fl_guid);
	return r ? *r : NULL;
}

const struct ns_filteraction *ns_dbindex_fa(const struct ns_dbindex *x, const char *guid)
{
	struct ns_filteraction k, *kp = &k;
	const struct ns_filteraction **r;

	snprintf(k.guid, sizeof(k.guid), "%s", guid);
	if (!x->n_fa)
		return NULL;
	r = bsearch(&kp, x->fa_guid, x->n_fa, sizeof(*x->fa_guid), cmp_fa_guid);
	return r ? *r : NULL;
}

const struct ns_filterlist *ns_dbindex_fl_name(const struct ns_dbindex *x, const char *name)
{
	struct ns_filterlist k = {.name = (char *)name}, *kp = &k;
	const struct ns_filterlist **r =
		bsearch(&kp, x->fl_name, x->n_fl, sizeof(*x->fl_name), cmp_fl_name);

	return r ? *r : NULL;
}

const struct ns_filteraction *ns_dbindex_fa_name(const struct ns_dbindex *x, const char *name)
{
	struct ns_filteraction k = {.name = (char *)name}, *kp = &k;
	const struct ns_filteraction **r =
		bsearch(&kp, x->fa_name, x->n_fa_name, sizeof(*x->fa_name), cmp_fa_name);

	return r ? *r : NULL;
}

const struct ns_policy *ns_dbindex_pol_name(const struct ns_dbindex *x, const char *name)
{
	struct ns_policy k = {.name = (char *)name}, *kp = &k;
	const struct ns_policy **r =
		bsearch(&kp, x->pol_name, x->n_pol, sizeof(*x->pol_name), cmp_pol_name);

	return r ? *r : NULL;
}

const char *ns_dbindex_dup(const struct ns_dbindex *x, const char **kind, const char **what)
{
	*what = "guid";
	*kind = "filter list";
	for (size_t i = 1; i < x->n_fl; i++)
		if (!cmp_fl_guid(&x->fl_guid[i - 1], &x->fl_guid[i]))
			return x->fl_guid[i]->guid;
	*kind = "filter action";
	for (size_t i = 1; i < x->n_fa; i++)
		if (!cmp_fa_guid(&x->fa_guid[i - 1], &x->fa_guid[i]))
			return x->fa_guid[i]->guid;
	*kind = "policy";
	for (size_t i = 1; i < x->n_pol; i++)
		if (!cmp_pol_guid(&x->pol_guid[i - 1], &x->pol_guid[i]))
			return x->pol_guid[i]->guid;
	*what = "name";
	*kind = "filter list";
	for (size_t i = 1; i < x->n_fl; i++)
		if (nz(x->fl_name[i]->name)[0] && !cmp_fl_name(&x->fl_name[i - 1], &x->fl_name[i]))
			return x->fl_name[i]->name;
	*kind = "filter action";
	for (size_t i = 1; i < x->n_fa_name; i++)
		if (nz(x->fa_name[i]->name)[0] && !cmp_fa_name(&x->fa_name[i - 1], &x->fa_name[i]))
			return x->fa_name[i]->name;
	*kind = "policy";
	for (size_t i = 1; i < x->n_pol; i++)
		if (nz(x->pol_name[i]->name)[0] &&
		    !cmp_pol_name(&x->pol_name[i - 1], &x->pol_name[i]))
			return x->pol_name[i]->name;
	return NULL;
}
