/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference matcher: which filter of a plan decides a packet, written
 * as the plain loop the semantics describe.  Backends are tested against
 * it (differential tests with plan_random()).
 */
#ifndef NETSH_IPSEC_MATCH_H
#define NETSH_IPSEC_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* IKE ports, exempt whatever ipsecexempt says. */
#define PLAN_PORT_IKE	   500
#define PLAN_PORT_NATT	   4500
#define PLAN_PORT_KERBEROS 88
#define PLAN_PROTO_RSVP	   46

/* Whether the selector alone matches the packet. */
bool plan_sel_match(const struct plan_sel *s, const struct plan_pkt *pkt);

/*
 * Whether the packet is exempt from filtering (plan->exempt):
 *  ike        UDP with source or destination port 500 or 4500
 *  kerberos   TCP or UDP with source or destination port 88
 *  rsvp       IP protocol 46
 *  multicast  destination in 224.0.0.0/4
 *  broadcast  destination 255.255.255.255 or one of plan->bcast
 */
bool plan_exempt_pkt(const struct plan *p, const struct plan_pkt *pkt);

/*
 * The index in p->filters of the filter that decides the packet, or -1
 * when none does (exempt, or no filter matches: the packet passes in
 * clear).  Filters are tried in plan order; a filter of a rule whose
 * conntype does not apply on pkt->ifname is skipped.
 */
int plan_match(const struct plan *p, const struct plan_pkt *pkt);

/*
 * A random plan for tests: n_filters filters over a few rules of every
 * action, drawn from at most max_classes specificity classes (a class is
 * one combination of protocol given, ports given and prefix lengths), with
 * addresses from a small pool so that filters overlap, some mirrored
 * pairs, random ipsecexempt and one directed broadcast address.  The plan
 * is sorted and numbered like an evaluated one.  Same seed, same plan.
 * Returns 0 or -ENOMEM/-EINVAL; free with plan_free().
 */
int plan_random(struct plan *p, unsigned seed, size_t n_filters, size_t max_classes);

/* plan_random() with extras; with no flags it is plan_random(). */
#define PLAN_RANDOM_CONNTYPE 0x1 /* rules of every conntype (lan, dialup, all) */
#define PLAN_RANDOM_TUNNEL   0x2 /* some negotiate rules in tunnel mode */
int plan_random_ext(struct plan *p, unsigned seed, size_t n_filters, size_t max_classes,
		    unsigned flags);

/*
 * A random packet for a plan: usually one that falls inside a random
 * filter of p (so that matches are common), sometimes an exempt or an
 * unrelated one.  *state is the generator state (any start value).
 */
void plan_random_pkt(const struct plan *p, unsigned *state, struct plan_pkt *pkt);

#endif
