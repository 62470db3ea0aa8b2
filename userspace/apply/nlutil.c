// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink batching for the kernel backends.  Sending one message per
 * syscall and waiting for each ACK is what makes `ip -batch` slow on large
 * policies; here thousands of messages share one sendmsg and only the last
 * of each chunk asks for an ACK (a failing message is always answered, so
 * nothing is missed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "apply/nlutil.h"

void nlb_init(struct nlb *b)
{
	memset(b, 0, sizeof(*b));
}

void nlb_free(struct nlb *b)
{
	free(b->data);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

int nlb_reserve(struct nlb *b, size_t need)
{
	size_t cap;
	char *d;

	if (b->len + need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1 << 20;
	while (cap < b->len + need)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	/* Zeroed so that padding bytes never carry garbage into the kernel. */
	memset(d + b->cap, 0, cap - b->cap);
	b->data = d;
	b->cap = cap;
	return 0;
}

struct nlmsghdr *nlb_put(struct nlb *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (nlb_reserve(b, NLB_MSG_MAX))
		return NULL;
	memset(b->data + b->len, 0, NLB_MSG_MAX);
	nlh = mnl_nlmsg_put_header(b->data + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

int nlb_done(struct nlb *b, struct nlmsghdr *nlh)
{
	if (b->n == b->off_cap) {
		size_t cap = b->off_cap ? b->off_cap * 2 : 1024;
		size_t *o = realloc(b->off, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		b->off = o;
		b->off_cap = cap;
	}
	b->off[b->n++] = (size_t)((char *)nlh - b->data);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

struct mnl_socket *nl_open(int bus, size_t sndbuf, size_t rcvbuf)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	int one = 1, fd, v;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	fd = mnl_socket_get_fd(nl);
	/* Errors then carry only the header, not the whole failing message. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	v = (int)sndbuf;
	if (sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	v = (int)rcvbuf;
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	return nl;
}

/* Reads answers until the ACK for seq_last; records the first error. */
int nl_wait_acks(struct mnl_socket *nl, uint32_t seq0, uint32_t seq_last, uint32_t *bad,
		 int *first_err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *h;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(h);
			if (e->error && !*first_err && h->nlmsg_seq >= seq0 &&
			    h->nlmsg_seq <= seq_last) {
				*first_err = e->error;
				*bad = h->nlmsg_seq - seq0;
			}
			if (h->nlmsg_seq == seq_last)
				return 0;
		}
	}
}

int nl_send_checked(struct mnl_socket *nl, struct nlb *b, uint32_t first, uint32_t count,
		    size_t chunk, uint32_t seq0, uint32_t *bad)
{
	uint32_t sent;

	return nl_send_all(nl, b, first, count, chunk, seq0, false, bad, &sent);
}

int nl_send_all(struct mnl_socket *nl, struct nlb *b, uint32_t first, uint32_t count, size_t chunk,
		uint32_t seq0, bool keep_going, uint32_t *bad, uint32_t *sent)
{
	uint32_t i = first, end = first + count;
	int first_err = 0;

	*bad = UINT32_MAX;
	*sent = first;
	while (i < end) {
		size_t start = b->off[i], stop = start;
		uint32_t j = i;
		struct nlmsghdr *last = NULL;
		int r;

		while (j < end) {
			struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->off[j]);
			size_t next = b->off[j] + NLMSG_ALIGN(h->nlmsg_len);

			if (j > i && next - start > chunk)
				break;
			h->nlmsg_seq = seq0 + j;
			h->nlmsg_pid = 0;
			h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
			last = h;
			stop = next;
			j++;
		}
		last->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(nl, b->data + start, stop - start) < 0)
			return -errno;
		*sent = j;
		r = nl_wait_acks(nl, seq0, last->nlmsg_seq, bad, &first_err);
		if (r)
			return r;
		if (first_err && !keep_going)
			return first_err;
		i = j;
	}
	return first_err;
}

/* Sends req and feeds every answer to cb until the dump's end or the ACK. */
static int nl_exchange(struct mnl_socket *nl, struct nlmsghdr *req, uint16_t flags, mnl_cb_t cb,
		       void *data)
{
	size_t sz = 1 << 16;
	char *buf = malloc(sz);
	uint32_t portid = mnl_socket_get_portid(nl);
	int ret;

	if (!buf)
		return -ENOMEM;
	req->nlmsg_flags |= NLM_F_REQUEST | flags;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sz);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			break;
		}
	}
out:
	free(buf);
	return ret;
}

int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	return nl_exchange(nl, req, NLM_F_DUMP, cb, data);
}

int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	/* The ACK ends a request that is not a dump: no NLMSG_DONE comes. */
	return nl_exchange(nl, req, NLM_F_ACK, cb, data);
}
