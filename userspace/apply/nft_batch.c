// SPDX-License-Identifier: GPL-2.0
/*
 * libnftnl batch pieces shared by the nftables writers (nft_batch.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libnftnl/common.h>
#include <libnftnl/gen.h>

#include "apply/nft_batch.h"

void nftb_rule_start(struct nftb_rule *b, const char *table, const char *chain)
{
	b->err = 0;
	b->r = nftnl_rule_alloc();
	if (!b->r) {
		b->err = -ENOMEM;
		return;
	}
	nftnl_rule_set_str(b->r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(b->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(b->r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
}

struct nftnl_expr *nftb_expr(struct nftb_rule *b, const char *name)
{
	struct nftnl_expr *e;

	if (b->err)
		return NULL;
	e = nftnl_expr_alloc(name);
	if (!e) {
		b->err = -ENOMEM;
		return NULL;
	}
	nftnl_rule_add_expr(b->r, e);
	return e;
}

void nftb_payload(struct nftb_rule *b, uint32_t base, uint32_t off, uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = nftb_expr(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
}

void nftb_meta(struct nftb_rule *b, uint32_t key, uint32_t reg)
{
	struct nftnl_expr *e = nftb_expr(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
}

void nftb_cmp(struct nftb_rule *b, uint32_t reg, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftb_expr(b, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

bool nftb_bitwise(struct nftb_rule *b, uint32_t reg, const void *mask, const void *flip,
		  uint32_t len)
{
	struct nftnl_expr *e = nftb_expr(b, "bitwise");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, flip, len);
	return true;
}

void nftb_verdict(struct nftb_rule *b, int v, const char *chain)
{
	struct nftnl_expr *e = nftb_expr(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

void nftb_lookup(struct nftb_rule *b, const char *set, uint32_t set_id, uint32_t sreg, bool map)
{
	struct nftnl_expr *e = nftb_expr(b, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	if (map)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
}

struct nlmsghdr *nftb_hdr(struct nlb *b, uint16_t type, uint16_t flags)
{
	if (nlb_reserve(b, NLB_MSG_MAX))
		return NULL;
	memset(b->data + b->len, 0, NLB_MSG_MAX);
	return nftnl_nlmsg_build_hdr(b->data + b->len, type, NFPROTO_IPV4, flags, 0);
}

int nftb_rule_put(struct nlb *msgs, struct nftb_rule *b)
{
	struct nlmsghdr *nlh;
	int ret = b->err;

	if (!ret) {
		nlh = nftb_hdr(msgs, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
		if (!nlh) {
			ret = -ENOMEM;
		} else {
			nftnl_rule_nlmsg_build_payload(nlh, b->r);
			ret = nlb_done(msgs, nlh);
		}
	}
	if (b->r)
		nftnl_rule_free(b->r);
	b->r = NULL;
	return ret;
}

/*
 * The ACK is asked of the last message before END; errors of any message
 * come back before it, and an error anywhere aborts the whole transaction
 * in the kernel.
 */
int nftb_send_txn(struct mnl_socket *nl, const struct nlb *msgs, uint32_t seq, uint32_t *bad)
{
	struct nlmsghdr *nlh;
	struct nlb b;
	uint32_t last;
	int ret = -ENOMEM, first = 0, v, fd;

	*bad = UINT32_MAX;
	nlb_init(&b);
	if (nlb_reserve(&b, msgs->len + 2 * (size_t)NLB_MSG_MAX))
		goto out;
	nlh = nftnl_batch_begin(b.data, 0);
	if (nlb_done(&b, nlh))
		goto out;
	memcpy(b.data + b.len, msgs->data, msgs->len);
	for (uint32_t i = 0; i < msgs->n; i++)
		if (nlb_done(&b, (struct nlmsghdr *)(b.data + b.len)))
			goto out;
	nlh = nftnl_batch_end(b.data + b.len, 0);
	if (nlb_done(&b, nlh))
		goto out;
	for (uint32_t i = 0; i < b.n; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(b.data + b.off[i]);

		h->nlmsg_seq = seq + i;
		h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	}
	last = b.n - 2;
	((struct nlmsghdr *)(b.data + b.off[last]))->nlmsg_flags |= NLM_F_ACK;
	/* The whole transaction goes in one sendmsg. */
	v = (int)(b.len + 65536);
	fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (mnl_socket_sendto(nl, b.data, b.len) < 0) {
		ret = -errno;
		goto out;
	}
	ret = nl_wait_acks(nl, seq, seq + last, bad, &first);
	if (!ret)
		ret = first;
	/* Index into msgs, not counting BEGIN. */
	if (*bad != UINT32_MAX)
		*bad = *bad ? *bad - 1 : UINT32_MAX;
out:
	nlb_free(&b);
	return ret;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	uint32_t *id = data;

	if (!g)
		return MNL_CB_ERROR;
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN && !nftnl_gen_nlmsg_parse(nlh, g))
		*id = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nftb_genid(struct mnl_socket *nl, uint32_t seq, uint32_t *id)
{
	char buf[256];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, seq);
	uint32_t got = UINT32_MAX;
	int ret = nl_request(nl, nlh, gen_cb, &got);

	if (ret)
		return ret;
	if (got == UINT32_MAX)
		return -ENODATA;
	*id = got;
	return 0;
}
