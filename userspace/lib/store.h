/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy store: one SQLite database per location (local, persistent)
 * in the store directory.  The netsh command layer writes through the
 * object-level calls; every other module reads a whole store with
 * ns_store_load() and writes imported objects with ns_store_merge().
 *
 * Every call returns 0 or a negative errno; when err is non-NULL a one-line
 * reason is written there.
 */
#ifndef NETSH_IPSEC_STORE_H
#define NETSH_IPSEC_STORE_H

#include <stddef.h>

#include "model.h"

enum ns_store_location {
	NS_STORE_LOCAL = 0,
	NS_STORE_PERSISTENT,
	NS_STORE_DOMAIN, /* not implemented yet: open fails with -EOPNOTSUPP */
};

#define NS_STORE_DEFAULT_DIR "/var/lib/netsh-ipsec"

struct ns_store;

/* The store directory: $NETSH_IPSEC_DIR, else NS_STORE_DEFAULT_DIR. */
const char *ns_store_dir(void);

const char *ns_store_location_name(enum ns_store_location loc);

/* Open (creating when missing, mode 0600) the store of one location. */
int ns_store_open(const char *dir, enum ns_store_location loc, struct ns_store **out,
		  char *err, size_t errlen);
void ns_store_close(struct ns_store *st);

/* Explicit write transaction (BEGIN IMMEDIATE).  Calls made outside one
 * run in a transaction of their own. */
int ns_store_begin(struct ns_store *st, char *err, size_t errlen);
int ns_store_commit(struct ns_store *st, char *err, size_t errlen);
void ns_store_rollback(struct ns_store *st);

/* Read the whole store into db (which the caller frees with ns_db_free). */
int ns_store_load(struct ns_store *st, struct ns_db *db, char *err, size_t errlen);

/* Write every object of db, replacing stored objects with the same GUID
 * (importpolicy).  Objects not in db are left alone. */
int ns_store_merge(struct ns_store *st, const struct ns_db *db, char *err, size_t errlen);

/* Object-level calls used by the command layer are declared in
 * store_objects.h. */

#endif
