// SPDX-License-Identifier: GPL-2.0
/*
 * The VICI decoder on arbitrary packets (the bytes after the length
 * prefix).  Properties: no crash, leak or UB; whatever decodes encodes
 * back to exactly the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vici/vici.h"

static void walk(const struct vici_node *n, int depth)
{
	if (depth > VICI_MAX_DEPTH + 1)
		abort();
	if (n->type == VICI_NODE_SECTION && n->n_child) {
		/* look-ups by the names that are there */
		if (vici_child(n, n->child[0].name) != &n->child[0])
			abort();
		vici_str(n, n->child[n->n_child - 1].name);
	}
	for (size_t i = 0; i < n->n_child; i++)
		walk(&n->child[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet pkt;
	struct vici_msg *m;
	struct vici_builder b;
	char err[256];

	if (vici_packet_parse(data, size, &pkt, err, sizeof(err)))
		return 0;
	if (vici_decode(pkt.body, pkt.body_len, &m, err, sizeof(err)))
		return 0;
	walk(&m->root, 0);
	vici_path(&m->root, "a.b.c");
	vici_builder_init(&b);
	if (vici_encode(m, &b) || b.len != pkt.body_len ||
	    (b.len && memcmp(b.buf, pkt.body, b.len)))
		abort();
	vici_builder_free(&b);
	vici_msg_free(m);
	return 0;
}
