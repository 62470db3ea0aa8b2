/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dynamic context's objects: main mode policies, quick mode policies
 * and rules added with `netsh ipsec dynamic`.  On Windows they live in the
 * running security policy database and vanish when the IPsec service
 * stops; here they live in a small SQLite database in the runtime
 * directory ($NETSH_IPSEC_RUNDIR, default /run/netsh-ipsec), which is a
 * tmpfs cleared at boot and removed when the service stops.  ipsec-apply
 * adds the rules to the plan beside the assigned static policies.
 */
#ifndef NETSH_IPSEC_DYNSTORE_H
#define NETSH_IPSEC_DYNSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define NS_DYN_DEFAULT_RUNDIR	  "/run/netsh-ipsec"
#define NS_DYN_DEFAULT_SOFTSA_MIN 480u

/* Session key PFS of a quick mode policy. */
enum ns_pfsgroup {
	NS_PFS_NONE = 0, /* nopfs */
	NS_PFS_GRP1,
	NS_PFS_GRP2,
	NS_PFS_GRP3,  /* the 2048-bit group */
	NS_PFS_GRPMM, /* the group of the main mode */
};

struct ns_dyn_mmpolicy {
	char *name;
	uint32_t qmpermm;
	uint32_t mmlifetime_min;
	uint32_t softsa_min;
	struct ns_mm_method *methods;
	size_t n_methods;
};

struct ns_dyn_qmpolicy {
	char *name;
	bool soft;
	enum ns_pfsgroup pfs;
	struct ns_qm_method *methods;
	size_t n_methods;
};

/* One side of a dynamic rule: an endpoint, or an address range. */
struct ns_dyn_addr {
	struct ns_endpoint ep; /* kind, addr, mask, dnsname */
	bool range;	       /* ep.addr .. range_end, no mask */
	uint32_t range_end;
};

struct ns_dyn_rule {
	uint32_t id; /* creation order, for display */
	struct ns_dyn_addr src, dst;
	uint8_t protocol;
	uint16_t srcport, dstport;
	bool mirrored;
	enum ns_conntype conntype;
	enum ns_action action_in, action_out;
	bool tunnel_set;
	uint32_t tunnel_addr;
	char *tunnel_dnsname;
	char *mmpolicy; /* name; required */
	char *qmpolicy; /* name; "" = none (permit/block rules) */
	struct ns_auth *auth;
	size_t n_auth;
};

struct ns_dyn_db {
	struct ns_dyn_mmpolicy *mm;
	size_t n_mm;
	struct ns_dyn_qmpolicy *qm;
	size_t n_qm;
	struct ns_dyn_rule *rules;
	size_t n_rules;
};

struct ns_dynstore;

/* $NETSH_IPSEC_RUNDIR, else NS_DYN_DEFAULT_RUNDIR. */
const char *ns_dyn_rundir(void);

int ns_dyn_open(const char *rundir, struct ns_dynstore **out, char *err, size_t errlen);
void ns_dyn_close(struct ns_dynstore *ds);
int ns_dyn_begin(struct ns_dynstore *ds, char *err, size_t errlen);
int ns_dyn_commit(struct ns_dynstore *ds, char *err, size_t errlen);
void ns_dyn_rollback(struct ns_dynstore *ds);

int ns_dyn_load(struct ns_dynstore *ds, struct ns_dyn_db *db, char *err, size_t errlen);
/* Replace the whole content with db (inside the caller's transaction). */
int ns_dyn_save(struct ns_dynstore *ds, const struct ns_dyn_db *db, char *err, size_t errlen);

/* Read the dynamic objects when the runtime database exists; an absent
 * database is an empty one. */
int ns_dyn_read(const char *rundir, struct ns_dyn_db *db, char *err, size_t errlen);

void ns_dyn_db_free(struct ns_dyn_db *db);
void ns_dyn_rule_free(struct ns_dyn_rule *r);
void ns_dyn_mmpolicy_free(struct ns_dyn_mmpolicy *m);
void ns_dyn_qmpolicy_free(struct ns_dyn_qmpolicy *q);

struct ns_dyn_mmpolicy *ns_dyn_mm_by_name(const struct ns_dyn_db *db, const char *name);
struct ns_dyn_qmpolicy *ns_dyn_qm_by_name(const struct ns_dyn_db *db, const char *name);

const char *ns_pfsgroup_name(enum ns_pfsgroup g);

/*
 * The dynamic rules as a policy store, so the compiler treats them like
 * assigned static policies: one assigned policy per rule carrying its main
 * mode policy, one filter list (an address range becomes the smallest set
 * of subnets that covers it), one filter action built from the quick mode
 * policy and the two actions.  GUIDs are derived from the rule id, so the
 * same rules always give the same plan.  Inbound permit with outbound
 * negotiate is Windows' inbound pass-through (inpass); other unequal pairs
 * are enforced as the stricter action in both directions.
 */
int ns_dyn_to_db(const struct ns_dyn_db *d, struct ns_db *out, char *err, size_t errlen);

/* The action a rule is enforced with (see ns_dyn_to_db). */
enum ns_action ns_dyn_effective_action(const struct ns_dyn_rule *r, bool *inpass);

/* Cover [first, last] with the fewest prefixes and return how many; an
 * IPv4 range never needs more than NS_RANGE_MAX_PREFIXES. */
#define NS_RANGE_MAX_PREFIXES 64
size_t ns_range_to_prefixes(uint32_t first, uint32_t last, uint32_t *addr, uint8_t *plen,
			    size_t max);

#endif
