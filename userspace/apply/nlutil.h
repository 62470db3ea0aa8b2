/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink plumbing shared by the xfrm and nft backends: a growable buffer
 * of messages, sent many per sendmsg with errors matched back to the
 * message (and so to the object) that caused them.
 */
#ifndef NETSH_IPSEC_NLUTIL_H
#define NETSH_IPSEC_NLUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Room every message may use; the buffer grows before each message. */
#define NLB_MSG_MAX 65536

struct nlb {
	char *data;
	size_t len, cap;
	uint32_t n;  /* messages */
	size_t *off; /* offset of each message, for error lookup */
	size_t off_cap;
};

void nlb_init(struct nlb *b);
void nlb_free(struct nlb *b);
/* A new message header at the end of the buffer, NLB_MSG_MAX bytes free. */
struct nlmsghdr *nlb_put(struct nlb *b, uint16_t type, uint16_t flags);
/* Account for a message built with nlb_put (its length is final). */
int nlb_done(struct nlb *b, struct nlmsghdr *nlh);
/* Room for raw bytes; used by libnftnl builders that write in place. */
int nlb_reserve(struct nlb *b, size_t need);

/*
 * Sends messages [first, first + count) of b in chunks of about chunk bytes;
 * the last message of each chunk asks for an ACK, errors always come back.
 * Returns 0, or the errno of the first failing message with *bad set to its
 * number (index in b), or a socket error with *bad = UINT32_MAX.
 * Sequence numbers are rewritten to seq0 + index.
 */
int nl_send_checked(struct mnl_socket *nl, struct nlb *b, uint32_t first, uint32_t count,
		    size_t chunk, uint32_t seq0, uint32_t *bad);
/*
 * Same, but goes on after errors (rollback, flush): returns the first error;
 * *sent is the number of messages the kernel has seen.
 */
int nl_send_all(struct mnl_socket *nl, struct nlb *b, uint32_t first, uint32_t count, size_t chunk,
		uint32_t seq0, bool keep_going, uint32_t *bad, uint32_t *sent);

/*
 * Reads answers until the ACK of seq_last; the first error of a message in
 * [seq0, seq_last] goes to *first_err (its seq - seq0 to *bad).
 */
int nl_wait_acks(struct mnl_socket *nl, uint32_t seq0, uint32_t seq_last, uint32_t *bad,
		 int *first_err);

/* A socket with big buffers and capped ACKs; NULL and errno on failure. */
struct mnl_socket *nl_open(int bus, size_t sndbuf, size_t rcvbuf);

/* Runs a dump request: cb per message; returns 0 or -errno. */
int nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
/* Runs a plain request (not a dump): cb per answer; returns 0 or -errno. */
int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);

#endif
