/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bpf backend's nftables table for locally generated traffic
 * (NSB_NFT_TABLE): XFRM looks up output policies while routing, before any
 * tc hook, so the classifier's verdicts for packets of this machine are
 * given again by an nftables route chain.  Written through libnftnl, in one
 * transaction that replaces the previous table.  See
 * Documentation/bpf-classifier.md.
 */
#ifndef NETSH_IPSEC_BPF_LOCAL_H
#define NETSH_IPSEC_BPF_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../bpf/classifier.h"

/* The part of a lowered plan (struct nsb_build) the table is made of. */
struct nsb_local_in {
	const struct nsb_class *cls;
	uint32_t n_cls;
	/* Filter keys sorted by class, then n - n_filter_keys broadcast keys. */
	const struct nsb_key *keys;
	const struct nsb_val *vals;
	size_t n_filter_keys, n;
	uint32_t exempt;    /* NSB_EX_* */
	const uint32_t *me; /* the machine's addresses, host order */
	size_t n_me;
};

/*
 * Replaces the table with the one for in (none when in has no filter key):
 * one transaction, so a failure leaves the previous table as it was.  With
 * verbose non-NULL the table is printed there in nft syntax; dry_run builds
 * everything and sends nothing.
 */
int nsb_local_apply(const struct nsb_local_in *in, FILE *verbose, bool dry_run, char *err,
		    size_t len);

/* Deletes the table; 0 when there was none. */
int nsb_local_flush(FILE *verbose, char *err, size_t len);

#endif
