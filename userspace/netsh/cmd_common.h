/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the static add/set/delete command files. */
#ifndef NETSH_IPSEC_CMD_COMMON_H
#define NETSH_IPSEC_CMD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdtable.h"
#include "lib/model.h"
#include "lib/store_objects.h"

extern const char *const ns_choices_action[];   /* permit block negotiate = enum ns_action */
extern const char *const ns_choices_conntype[]; /* lan dialup all */

/* Ranges we enforce (documented in netsh.8). */
#define NS_QMPERMM_MAX 2147483647u
#define NS_MMLIFETIME_MIN 1u
#define NS_MMLIFETIME_MAX 71582788u
#define NS_POLLING_MAX 43200u

enum ns_conntype ns_conntype_from_choice(uint32_t idx);

int ns_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The head (no rules) of the policy named pname, the commands' policy=;
 * "policy: no policy named '...'" when there is none. */
int ns_policy_head_named(struct ns_store *st, const char *pname, struct ns_policy *p, char *err,
			 size_t errlen);

/* A copy of src with its own dnsname. */
int ns_endpoint_copy(struct ns_endpoint *dst, const struct ns_endpoint *src);

/* Authentication methods from kerberos=/psk=/rootca= in the order given.
 * *given is false when none of them appears (then out stays empty). */
int ns_auth_from_args(struct ns_session *s, const struct ns_args *a, bool *given,
		      struct ns_auth **out, size_t *n, char *err, size_t errlen);
void ns_auth_list_free(struct ns_auth *v, size_t n);

/* Tunnel endpoint of a rule from a HOST argument. */
int ns_rule_set_tunnel(struct ns_rule *r, const struct ns_arg *x);

/* Warn about weak method choices. */
void ns_warn_qm(struct ns_session *s, const struct ns_qm_method *m, size_t n);
void ns_warn_mm(struct ns_session *s, const struct ns_mm_method *m, size_t n);

/* Store of the session (already opened by the framework for writers). */
struct ns_store *ns_cmd_store(struct ns_session *s);

int64_t ns_now(void);

/* Mask, server-type and port rules of a filter (add/delete filter). */
int ns_filter_check(const struct ns_args *a, struct ns_filter *f, char *err, size_t errlen);
/* Fill p->default_rule and its hidden action fa (GUIDs, Kerberos, default
 * ESP methods). */
/* The rule named by name= or selected by id= (set/delete rule) of policy
 * p, with its position; -ENOENT with a reason in err. */
int ns_find_rule(struct ns_store *st, const struct ns_policy *p, const struct ns_args *a,
		 struct ns_rule *r, unsigned *pos, char *err, size_t errlen);
int ns_policy_make_default_rule(struct ns_policy *p, bool active, struct ns_filteraction *fa);

#endif
