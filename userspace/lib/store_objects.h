/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object-level access to one store, for the netsh command layer.
 *
 * A command reads the few objects it needs, changes them in memory and
 * writes them back, so its cost does not grow with the size of the store
 * (adding one filter is one INSERT).  Each call joins the open transaction
 * (ns_store_begin) or runs in one of its own.  GUIDs are matched
 * case-insensitively, names exactly.  0 or negative errno; -ENOENT when
 * the object does not exist.
 */
#ifndef NETSH_IPSEC_STORE_OBJECTS_H
#define NETSH_IPSEC_STORE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "store.h"

enum ns_obj {
	NS_OBJ_POLICY = 0,
	NS_OBJ_FILTERLIST,
	NS_OBJ_FILTERACTION, /* normal ones only for list/name look-ups */
};

/* Look up by name (when name is non-NULL) or GUID; the caller frees out.
 * with_filters false leaves the filter array empty (cheap). */
int ns_so_get_filterlist(struct ns_store *st, const char *name, const char *guid,
			 bool with_filters, struct ns_filterlist *out, char *err, size_t errlen);
int ns_so_get_filteraction(struct ns_store *st, const char *name, const char *guid,
			   struct ns_filteraction *out, char *err, size_t errlen);
/* The whole policy: main mode methods, rules with their authentication
 * methods, the default response rule. */
int ns_so_get_policy(struct ns_store *st, const char *name, const char *guid,
		     struct ns_policy *out, char *err, size_t errlen);

/* Insert or replace by GUID.  A filter list is written with its filters
 * only when with_filters is true (otherwise just its own fields); a
 * policy with its main mode methods and all its rules. */
int ns_so_put_filterlist(struct ns_store *st, const struct ns_filterlist *fl, bool with_filters,
			 char *err, size_t errlen);
int ns_so_put_filteraction(struct ns_store *st, const struct ns_filteraction *fa, char *err,
			   size_t errlen);
int ns_so_put_policy(struct ns_store *st, const struct ns_policy *p, char *err, size_t errlen);

/* A policy without its rules (fields and main mode methods only), and
 * writing just those: cheap whatever the number of rules. */
int ns_so_get_policy_head(struct ns_store *st, const char *name, const char *guid,
			  struct ns_policy *out, char *err, size_t errlen);
int ns_so_put_policy_head(struct ns_store *st, const struct ns_policy *p, char *err,
			  size_t errlen);

/* Single rules of a policy, so a script of N `add rule` stays linear.
 * Positions: 0 is the default response rule, 1..n the rule IDs. */
/* By name (non-NULL) among the ordinary rules, else by position. */
int ns_so_get_rule(struct ns_store *st, const char *policy_guid, const char *name, int pos,
		   struct ns_rule *out, unsigned *pos_out, char *err, size_t errlen);
/* Ordinary rules of the policy (the default response rule not counted). */
int ns_so_rule_count(struct ns_store *st, const char *policy_guid, unsigned *n, char *err,
		     size_t errlen);
/* Insert, or replace by GUID, one rule at pos with its authentication
 * methods (which replace the old ones whole). */
int ns_so_put_rule(struct ns_store *st, const char *policy_guid, unsigned pos,
		   const struct ns_rule *r, char *err, size_t errlen);
/* Delete the rule at pos (>0) and move later rules up one; pos 0 deletes
 * every ordinary rule (the default response rule stays). */
int ns_so_delete_rule(struct ns_store *st, const char *policy_guid, unsigned pos, char *err,
		      size_t errlen);

/* One filter appended to a list (and the list's whenchanged set to now). */
int ns_so_add_filter(struct ns_store *st, const char *list_guid, const struct ns_filter *f,
		     char *err, size_t errlen);
int ns_so_delete_filter(struct ns_store *st, const char *filter_guid, char *err, size_t errlen);

/* Delete one object and what it owns (a policy: its rules and its
 * default response action; a list: its filters). */
int ns_so_delete(struct ns_store *st, enum ns_obj kind, const char *guid, char *err,
		 size_t errlen);

/* GUIDs of every object of a kind, in creation order; free with
 * ns_so_free_list(). */
int ns_so_list(struct ns_store *st, enum ns_obj kind, char ***guids, size_t *n, char *err,
	       size_t errlen);
void ns_so_free_list(char **guids, size_t n);

/* A rule that uses this filter list or filter action: 0 and its name and
 * its policy's name, or -ENOENT when none does. */
int ns_so_find_user(struct ns_store *st, enum ns_obj kind, const char *guid, char *rule,
		    size_t rulelen, char *policy, size_t policylen, char *err, size_t errlen);

/* Clear the assigned flag of every policy except keep_guid (may be NULL). */
int ns_so_unassign_others(struct ns_store *st, const char *keep_guid, char *err, size_t errlen);

/* True when a transaction opened by ns_store_begin is in progress. */
bool ns_store_in_txn(const struct ns_store *st);

#endif
