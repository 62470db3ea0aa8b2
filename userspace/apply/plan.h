/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plan: the one intermediate representation between the policy model
 * and the kernel.  evaluate.c builds it from the assigned policies and the
 * machine's live state; every backend (xfrm, nft, bpf, vici) only lowers
 * it, and the reference matcher (match.c) decides packets from it.
 *
 * A plan holds concrete IPv4 selectors only: Me, Any, DNS names and server
 * types are expanded, mirrored filters appear twice, and filters are sorted
 * by precedence (index 0 wins first).
 */
#ifndef NETSH_IPSEC_PLAN_H
#define NETSH_IPSEC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/config.h"
#include "../lib/model.h"
#include "../lib/store.h"

/* A concrete selector; addresses in host byte order. */
struct plan_sel {
	uint32_t src;
	uint32_t dst;
	uint8_t src_plen; /* 0..32 */
	uint8_t dst_plen;
	uint8_t proto;    /* 0 = any */
	uint16_t sport;   /* 0 = any (only for TCP/UDP) */
	uint16_t dport;
};

struct plan_rule {
	enum ns_store_location store; /* persistent rules come before local ones */
	char policy_guid[NS_GUID_LEN + 1];
	char rule_guid[NS_GUID_LEN + 1];
	char *policy_name;
	char *rule_name;  /* "" for a default response rule */
	bool is_default;
	enum ns_action action;
	bool inpass, soft, qmpfs;
	struct ns_qm_method *qm; /* negotiate only, preference order */
	size_t n_qm;
	struct ns_auth *auth;
	size_t n_auth;
	bool tunnel;
	uint32_t tunnel_dst; /* remote tunnel endpoint */
	enum ns_conntype conntype;
	/* Main mode settings of the owning policy. */
	struct ns_mm_method *mm;
	size_t n_mm;
	uint32_t mm_lifetime_sec;
	uint32_t qmpermm;
	bool mmpfs;
	/*
	 * Kernel handles, unique per negotiate rule, 0 otherwise: the skb mark
	 * the classifier sets for this rule (mask PLAN_MARK_MASK) and the reqid
	 * of the rule's mark-selected XFRM policy (bpf backend).
	 */
	uint32_t reqid;
	uint32_t mark;
};

#define PLAN_MARK_BASE 0x4e530000u /* "NS" in the high half */
#define PLAN_MARK_MASK 0xffffffffu
#define PLAN_REQID_RULE_BASE 0x4e530000u   /* + negotiate rule number */
#define PLAN_REQID_FILTER_BASE 0x4e540000u /* + negotiate filter number */

struct plan_filter {
	struct plan_sel sel;
	uint32_t weight; /* plan_weight(); higher = more specific */
	uint32_t id;     /* stable 1-based id, used for counters */
	uint32_t rule;   /* index into plan.rules */
	enum ns_action action; /* copied from the rule */
	bool tunnel;     /* belongs to a tunnel rule */
	bool mirror;     /* the reversed twin of a mirrored filter */
	/* Negotiate filters: the reqid of this filter's charon child and of its
	 * per-filter XFRM policies (xfrm backend); 0 otherwise.  A mirrored
	 * pair shares one reqid: one child protects both directions. */
	uint32_t reqid;
	char filter_guid[NS_GUID_LEN + 1];
};

/* Traffic that is never matched against filters (ipsecexempt). */
struct plan_exempt {
	bool ike;       /* UDP 500 and 4500: always */
	bool kerberos;  /* TCP/UDP 88 */
	bool rsvp;      /* IP protocol 46 */
	bool multicast; /* 224.0.0.0/4 */
	bool broadcast; /* 255.255.255.255 and subnet broadcasts */
};

struct plan {
	struct plan_rule *rules;
	size_t n_rules;
	struct plan_filter *filters; /* precedence order */
	size_t n_filters;
	struct plan_exempt exempt;
	struct ns_config config;
	/* What the keywords expanded to. */
	uint32_t *me;  /* local addresses */
	size_t n_me;
	/* Directed broadcast addresses of the local subnets: with
	 * exempt.broadcast they are exempt like 255.255.255.255. */
	uint32_t *bcast;
	size_t n_bcast;
};

/*
 * Precedence weight (semantics.md, "Which filter wins"): most significant
 * first protocol given, source port given, destination port given, source
 * prefix length, destination prefix length; equal selectors are ordered
 * block > permit > negotiate.
 */
static inline uint32_t plan_weight(const struct plan_sel *s, enum ns_action a)
{
	uint32_t rank = a == NS_ACTION_BLOCK ? 2 : a == NS_ACTION_PERMIT ? 1 : 0;

	return (uint32_t)(s->proto != 0) << 16 | (uint32_t)(s->sport != 0) << 15 |
	       (uint32_t)(s->dport != 0) << 14 | (uint32_t)s->src_plen << 8 |
	       (uint32_t)s->dst_plen << 2 | rank;
}

/* One packet, as the reference matcher and the tests see it. */
struct plan_pkt {
	uint32_t src, dst; /* host order */
	uint8_t proto;
	uint16_t sport, dport; /* 0 for protocols without ports */
	/* Interface the packet crosses, for rules with conntype lan/dialup;
	 * NULL = not known, conntype is then not considered. */
	const char *ifname;
};

void plan_free(struct plan *p);

/* Network mask of a prefix length 0..32, host order. */
static inline uint32_t plan_plen_mask(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/*
 * conntype on Linux (Documentation/mapping.md): dial-up connections are the
 * interfaces whose name starts with one of PLAN_DIALUP_IFPREFIXES; every
 * other interface is LAN.
 */
#define PLAN_DIALUP_IFPREFIXES "ppp", "wwan", "wwp", "isdn", "ippp"
bool plan_ifname_is_dialup(const char *ifname);
/* Whether a rule of conntype c applies on interface ifname (NULL = yes). */
bool plan_conntype_applies(enum ns_conntype c, const char *ifname);

/* The exemptions of an ipsecexempt value 0-3 (semantics.md). */
void plan_exempt_set(struct plan_exempt *e, unsigned ipsecexempt);

/* Sort filters by weight, descending; ties keep their current order.
 * Returns 0 or -ENOMEM. */
int plan_sort(struct plan *p);
/* t = the mirror of f: f with source and destination (address, prefix,
 * port) swapped, marked mirror, weight recomputed; the caller sets t->id. */
void plan_filter_mirror(struct plan_filter *t, const struct plan_filter *f);
/* Deep comparison: same rules, filters, handles, exemptions and config. */
bool plan_equal(const struct plan *a, const struct plan *b);

#endif
