/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `show ...` of the static context: render a loaded store as text.
 * Pure functions over struct ns_db; the command handlers parse arguments
 * and call these.  Every call returns 0 or a negative errno with a
 * one-line reason in err.
 */
#ifndef NETSH_IPSEC_SHOW_H
#define NETSH_IPSEC_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/model.h"
#include "lib/store.h"

enum ns_show_format { NS_FMT_LIST = 0, NS_FMT_TABLE };

struct ns_show_opts {
	bool verbose;
	enum ns_show_format format;
	bool wide;
	bool resolvedns;
	enum ns_store_location loc;
};

int ns_show_all(FILE *out, const struct ns_db *db, const struct ns_show_opts *o, char *err,
		size_t errlen);
/* name NULL = all policies. */
int ns_show_policy(FILE *out, const struct ns_db *db, const char *name,
		   const struct ns_show_opts *o, char *err, size_t errlen);
/* name NULL = all; rule non-NULL: the lists used by this rule. */
int ns_show_filterlist(FILE *out, const struct ns_db *db, const char *name, const char *rule,
		       const struct ns_show_opts *o, char *err, size_t errlen);
int ns_show_filteraction(FILE *out, const struct ns_db *db, const char *name, const char *rule,
			 const struct ns_show_opts *o, char *err, size_t errlen);
/* Exactly one of name / id (>0) / all / deflt; type 0 = all, 1 = transport, 2 = tunnel. */
int ns_show_rule(FILE *out, const struct ns_db *db, const char *policy, const char *name,
		 unsigned id, bool all, bool deflt, int type, const struct ns_show_opts *o,
		 char *err, size_t errlen);
int ns_show_gpoassignedpolicy(FILE *out, const struct ns_db *db, const char *gponame,
			      const struct ns_show_opts *o, char *err, size_t errlen);

#endif
