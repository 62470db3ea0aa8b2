/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nftables backend internals shared with tests.
 *
 * Everything lives in one table, "ip netsh_ipsec", whose content is
 * replaced in one netlink batch (one transaction) whenever what it should
 * hold changes.  An empty set named fp_<fingerprint>_<what> records the
 * content, so re-applying an unchanged plan sends nothing.  See
 * Documentation/kernel-backends.md.
 */
#ifndef NETSH_IPSEC_NFT_H
#define NETSH_IPSEC_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "apply/backend.h"

#define NFT_NS_TABLE "netsh_ipsec"

/*
 * How a plan is lowered: filters are cut, in plan order, into layers; each
 * layer is one verdict map looked up by one rule, tried in order, so an
 * earlier layer always wins.  A layer is either a hash map over the fields
 * its filters give exactly (the common case: host-to-host filters, any
 * number of them, cheap to load), or a concatenated interval map (pipapo)
 * for prefixes.  No two elements of one interval map overlap: which of two
 * overlapping pipapo elements a lookup returns is not reliably the first
 * inserted once the map is large (tests/netns/nft_differential.sh found
 * it), so a filter that overlaps an element of the current map starts a new
 * map, and one that lies inside an element of it is left out (it can never
 * match first).
 */
struct nft_layer_info {
	bool interval;
	uint8_t fields;	 /* NFT_F_* bits in the key */
	size_t first, n; /* filter range in plan order (n includes dropped ones) */
	size_t n_elems;	 /* elements actually in the map */
};

#define NFT_F_SRC   0x01
#define NFT_F_DST   0x02
#define NFT_F_PROTO 0x04
#define NFT_F_SPORT 0x08
#define NFT_F_DPORT 0x10

/* The layers nft_backend_apply() would build; caller frees *out. */
int nft_plan_layers(const struct plan *p, struct nft_layer_info **out, size_t *n);
/*
 * Per filter, the layer its element went to, or -1 when it has none (an
 * earlier element of the same layer contains it, or an earlier filter
 * matches everything).  layer_of has p->n_filters entries.
 */
int nft_plan_assign(const struct plan *p, long *layer_of);

#endif
