/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XFRM backend internals shared with the tests, the benchmark and the bpf
 * backend (which needs mark-selected policies but must not build XFRM
 * messages itself: xfrm.c owns every one of them).
 *
 * Ownership: XFRM policies carry no owner tag, so every policy this
 * backend installs has a priority inside [XFRM_NS_PRIO_LO, XFRM_NS_PRIO_HI]
 * ("NS" band, 0x4e5xxxxx).  Flush and re-apply touch only policies in that
 * band; a policy of someone else with the same selector is reported, never
 * replaced.  See Documentation/kernel-backends.md.
 */
#ifndef NETSH_IPSEC_XFRM_H
#define NETSH_IPSEC_XFRM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "apply/backend.h"

#define XFRM_NS_PRIO_LO 0x4e500000u
#define XFRM_NS_PRIO_HI 0x4e5fffffu
/* Exemptions (IKE, ipsecexempt) sit first, above every filter. */
#define XFRM_NS_PRIO_EXEMPT XFRM_NS_PRIO_LO
#define XFRM_NS_PRIO_MARK   (XFRM_NS_PRIO_LO + 0x80)
#define XFRM_NS_PRIO_FILTER (XFRM_NS_PRIO_LO + 0x100)
/* Width of one precedence tier: more than the largest plan_weight(). */
#define XFRM_NS_TIER	  0x20000u
#define XFRM_NS_MAX_TIERS 7u

static inline bool xfrm_prio_is_ours(uint32_t prio)
{
	return prio >= XFRM_NS_PRIO_LO && prio <= XFRM_NS_PRIO_HI;
}

enum xfrm_scope {
	/*
	 * Default: negotiate filters, plus the block/permit filters that must
	 * punch a hole into a later negotiate filter, plus exemptions.  Every
	 * other block/permit is enforced by nftables (or BPF) alone: XFRM only
	 * has to decide "protect or not" and nftables already dropped or
	 * passed the rest.
	 */
	XFRM_SCOPE_NEEDED = 0,
	/* Every filter of the plan in XFRM (benchmarks, XFRM-only setups). */
	XFRM_SCOPE_ALL,
	/*
	 * bpf backend: one any-to-any policy per negotiate rule and direction,
	 * selected by the rule's skb mark, template reqid = rule->reqid.
	 */
	XFRM_SCOPE_MARKS,
};

/*
 * Computes the XFRM priority of every plan filter (prio[i] for
 * p->filters[i]): derived from the weight so that it stays the same when
 * unrelated filters come and go, and raised by a tier wherever the plan
 * order is not by weight (persistent store first), so lower number =
 * earlier in the plan always holds.  -E2BIG if more than
 * XFRM_NS_MAX_TIERS tiers would be needed.
 */
int xfrm_filter_priorities(const struct plan *p, uint32_t *prio);

/*
 * Marks needed[i] for the filters that must be in XFRM under
 * XFRM_SCOPE_NEEDED.  Returns the number of needed filters or -ENOMEM.
 */
long xfrm_needed_filters(const struct plan *p, bool *needed);

int xfrm_backend_apply_scope(const struct plan *p, enum xfrm_scope scope,
			     const struct apply_opts *o, char *err, size_t len);

/*
 * Make-before-break across backends.  XFRM and nftables cannot change in
 * one transaction, and either order alone leaves a window: nftables first
 * may accept a flow that was blocked and is now to be negotiated before
 * XFRM protects it; XFRM first may drop protection of a flow now blocked
 * before nftables blocks it.  So ipsec-apply should run
 *     xfrm_backend_prepare()   new and changed policies added, old ones
 *                              kept, every block hole (old and new) as
 *                              XFRM block
 *     nft_backend_apply()      one transaction
 *     xfrm_backend_apply()     obsolete policies deleted, block holes back
 *                              to allow (nftables drops their packets)
 * While both generations of policies are installed every packet still
 * meets a policy that protects or blocks it whenever either plan does.
 * prepare does nothing when the kernel already holds the plan.
 */
int xfrm_backend_prepare(const struct plan *p, const struct apply_opts *o, char *err, size_t len);
int xfrm_backend_prepare_scope(const struct plan *p, enum xfrm_scope scope,
			       const struct apply_opts *o, char *err, size_t len);

/* The policies apply would install, as `ip -batch` lines (benchmarks). */
int xfrm_print_ipbatch(const struct plan *p, enum xfrm_scope scope, FILE *f, char *err, size_t len);

/* Number of policies in our band (all directions); -errno on failure. */
long xfrm_count_ours(char *err, size_t len);

#endif
