/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libnftnl pieces shared by everything that writes an nftables table: rule
 * expressions, message headers in an nlb, and one transaction (BEGIN ...
 * END) sent with its errors traced back to the message that caused them.
 * The nft backend (nft.c) and the bpf backend's local-traffic table
 * (bpf_local.c) build their batches with them.
 */
#ifndef NETSH_IPSEC_NFT_BATCH_H
#define NETSH_IPSEC_NFT_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h> /* libnftnl's headers use FILE */

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "apply/nlutil.h"

/* A rule under construction; the first failure sticks in err. */
struct nftb_rule {
	struct nftnl_rule *r;
	int err;
};

/* An ip-family rule appended to chain of table. */
void nftb_rule_start(struct nftb_rule *b, const char *table, const char *chain);
/* Appends a new expression; NULL (and b->err set) when it cannot. */
struct nftnl_expr *nftb_expr(struct nftb_rule *b, const char *name);
void nftb_payload(struct nftb_rule *b, uint32_t base, uint32_t off, uint32_t len, uint32_t reg);
void nftb_meta(struct nftb_rule *b, uint32_t key, uint32_t reg);
void nftb_cmp(struct nftb_rule *b, uint32_t reg, uint32_t op, const void *data, uint32_t len);
/* reg = (reg & mask) ^ flip over len bytes; false when it could not be added. */
bool nftb_bitwise(struct nftb_rule *b, uint32_t reg, const void *mask, const void *flip,
		  uint32_t len);
/* A verdict (NF_ACCEPT, NF_DROP); chain names the target of NFT_JUMP/NFT_GOTO. */
void nftb_verdict(struct nftb_rule *b, int v, const char *chain);
/* Set (or, with map, verdict map) lookup of sreg; the set by name or batch id. */
void nftb_lookup(struct nftb_rule *b, const char *set, uint32_t set_id, uint32_t sreg, bool map);
/* Appends NEWRULE (create, append) to msgs and frees the rule either way. */
int nftb_rule_put(struct nlb *msgs, struct nftb_rule *b);

/* An ip-family nftables message header at the end of b, NLB_MSG_MAX zeroed bytes free. */
struct nlmsghdr *nftb_hdr(struct nlb *b, uint16_t type, uint16_t flags);

/*
 * One transaction: BEGIN, the messages of msgs, END; the kernel commits all
 * or nothing.  Returns 0 or the first error; *bad is then the index in msgs
 * of the failing message, or UINT32_MAX when no message is to blame.
 */
int nftb_send_txn(struct mnl_socket *nl, const struct nlb *msgs, uint32_t seq, uint32_t *bad);

/*
 * The ruleset generation of the network namespace: every committed
 * nftables transaction, anyone's, increments it.
 */
int nftb_genid(struct mnl_socket *nl, uint32_t seq, uint32_t *id);

#endif
