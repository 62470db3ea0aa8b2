/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Evaluate: the assigned policies plus the machine's live state, into one
 * plan.  Pure: reads only its inputs (no store, no kernel), so the unit
 * tests feed it hand-made databases and fake machine state.
 */
#ifndef NETSH_IPSEC_EVALUATE_H
#define NETSH_IPSEC_EVALUATE_H

#include <stdio.h>

#include "plan.h"
#include "sysinfo.h"

struct eval_input {
	const struct ns_db *persistent; /* NULL = no persistent store */
	const struct ns_db *local;	/* NULL = no local store */
	/* The dynamic context's rules (ns_dyn_to_db): every policy of it is
	 * in force, after the static ones.  NULL = none. */
	const struct ns_db *dynamic;
	const struct ns_config *config; /* NULL = defaults */
	const struct sysinfo *sys;	/* NULL = nothing known: Me and servers expand to nothing */
	FILE *notes;			/* -v: why something expanded to nothing; NULL = quiet */
};

/*
 * Build the plan (see plan.h and Documentation/ipsec-apply.8):
 *  - the assigned policy of the persistent store, then of the local one;
 *    of each, the active rules in ID order, then the default response
 *    rule when it is active (a rule with is_default and no filters);
 *  - each filter expanded: Me into one /32 per local address, Any /0,
 *    server types into the current servers, mirrored ones twice
 *    (transport rules only: tunnel filters are one-way, as on Windows);
 *  - filters sorted by plan_weight(), descending, ties in construction
 *    order; marks and reqids of negotiate rules and filters derived from
 *    what they are (GUIDs, addresses), so editing one rule does not
 *    renumber the others.
 * The same inputs always give the same plan.  Returns 0 or a negative
 * errno with one line naming the broken object in err.
 */
int plan_evaluate(const struct eval_input *in, struct plan *out, char *err, size_t errlen);

/* Polling interval of the assigned policies in seconds (the smallest; 0
 * when none is assigned).  --watch re-applies at this interval. */
unsigned plan_polling_interval(const struct ns_db *persistent, const struct ns_db *local);

#endif
