/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sorted look-up tables over a loaded db, so show, dump and import stay
 * O(n log n) on large stores (the ns_db_*_by_* calls of model.h scan).
 * The index points into the db: rebuild it after the db changes.
 */
#ifndef NETSH_IPSEC_DBINDEX_H
#define NETSH_IPSEC_DBINDEX_H

#include <stddef.h>

#include "lib/model.h"

struct ns_dbindex {
	const struct ns_filterlist **fl_guid, **fl_name;
	const struct ns_filteraction **fa_guid, **fa_name; /* fa_name: normal actions only */
	const struct ns_policy **pol_guid, **pol_name;
	size_t n_fl, n_fa, n_fa_name, n_pol;
};

/* 0 or -ENOMEM. */
int ns_dbindex_build(struct ns_dbindex *x, const struct ns_db *db);
void ns_dbindex_free(struct ns_dbindex *x);

/* NULL when absent.  GUIDs case-insensitive, names exact (as model.h). */
const struct ns_filterlist *ns_dbindex_fl(const struct ns_dbindex *x, const char *guid);
const struct ns_filteraction *ns_dbindex_fa(const struct ns_dbindex *x, const char *guid);
const struct ns_filterlist *ns_dbindex_fl_name(const struct ns_dbindex *x, const char *name);
const struct ns_filteraction *ns_dbindex_fa_name(const struct ns_dbindex *x, const char *name);
const struct ns_policy *ns_dbindex_pol_name(const struct ns_dbindex *x, const char *name);

/*
 * The first duplicate in a sorted table, or NULL: two objects with one GUID
 * (what = "guid") or one non-empty name.  *kind names the object kind.
 */
const char *ns_dbindex_dup(const struct ns_dbindex *x, const char **kind, const char **what);

#endif
