/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plan in force right now: the stores' assigned policies, the dynamic
 * rules, the configuration and the machine's live state, evaluated.  Used
 * by ipsec-apply and by `netsh ipsec dynamic show` (specific filters).
 */
#ifndef NETSH_IPSEC_CURRENT_H
#define NETSH_IPSEC_CURRENT_H

#include <stdio.h>

#include "plan.h"
#include "sysinfo.h"

struct current_input {
	const char *store_dir;		   /* NETSH_IPSEC_DIR */
	const char *rundir;		   /* dynamic objects; NULL = none */
	const struct sysinfo_paths *paths; /* NULL = the defaults for store_dir */
	bool use_netlink;		   /* read addresses and routes */
	FILE *notes;			   /* evaluation notes (-v); NULL = quiet */
};

/* Load one store location whole; a missing store is an empty one. */
int current_load_store(const char *dir, enum ns_store_location loc, struct ns_db *db, char *err,
		       size_t errlen);

/* Evaluate.  *polling_sec (may be NULL) gets the assigned policies'
 * polling interval. */
int current_plan(const struct current_input *in, struct plan *p, unsigned *polling_sec, char *err,
		 size_t errlen);

#endif
