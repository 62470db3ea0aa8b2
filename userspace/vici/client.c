// SPDX-License-Identifier: GPL-2.0
/*
 * VICI connection: one command in flight, events delivered whenever they
 * arrive (charon may interleave them with a response), every wait bounded
 * by a timeout.  A connection that timed out in the middle of a packet or
 * saw garbage is unusable afterwards: the stream has lost its framing.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vici.h"

struct vici_conn {
	int fd;
	int timeout_ms;
	bool broken;
	vici_event_cb cb;
	void *ctx;
	/* While a streamed command runs, its event goes here. */
	const char *stream_event;
	vici_event_cb stream_cb;
	void *stream_ctx;
	struct vici_builder out;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none), at least 0. */
static int left_ms(long long deadline)
{
	long long l;

	if (deadline < 0)
		return -1;
	l = deadline - now_ms();
	return l < 0 ? 0 : l > 0x7fffffff ? 0x7fffffff : (int)l;
}

int vici_connect(const char *path, int timeout_ms, struct vici_conn **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vici_conn *c;
	int fd, e;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "charon: cannot connect to %s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "charon: cannot connect to %s: %s", path, strerror(e));
		return -e;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "charon: cannot connect to %s: %s", path, strerror(e));
		return -e;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, errlen, "charon: out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	strcpy(c->path, path);
	vici_builder_init(&c->out);
	*out = c;
	return 0;
}

void vici_close(struct vici_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	vici_builder_free(&c->out);
	free(c);
}

void vici_set_event_cb(struct vici_conn *c, vici_event_cb cb, void *ctx)
{
	c->cb = cb;
	c->ctx = ctx;
}

void vici_set_timeout(struct vici_conn *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

int vici_fd(const struct vici_conn *c)
{
	return c->fd;
}

/* The stream lost its framing: report why and refuse further use. */
static int broken(struct vici_conn *c, int rc, char *err, size_t errlen, const char *why,
		  const char *what)
{
	c->broken = true;
	snprintf(err, errlen, "charon: %s: %s %s", c->path, why, what);
	return rc;
}

static int send_all(struct vici_conn *c, const uint8_t *p, size_t n, long long deadline,
		    const char *what, char *err, size_t errlen)
{
	while (n) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
		ssize_t w;
		int pr = poll(&pfd, 1, left_ms(deadline));

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return broken(c, -ETIMEDOUT, err, errlen, "timed out sending", what);
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return broken(c, -ECONNRESET, err, errlen, "connection lost sending", what);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes.  at_start: nothing of this packet read yet, so a
 * timeout leaves the stream in sync. */
static int recv_all(struct vici_conn *c, uint8_t *p, size_t n, long long deadline, bool at_start,
		    const char *what, char *err, size_t errlen)
{
	while (n) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		ssize_t r;
		int pr = poll(&pfd, 1, left_ms(deadline));

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			if (at_start) {
				snprintf(err, errlen, "charon: %s: timed out waiting for %s",
					 c->path, what);
				return -ETIMEDOUT;
			}
			return broken(c, -ETIMEDOUT, err, errlen, "timed out in the middle of",
				      what);
		}
		r = recv(c->fd, p, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return broken(c, -ECONNRESET, err, errlen,
				      "connection closed while waiting for", what);
		at_start = false;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One whole packet into a fresh buffer. */
static int read_packet(struct vici_conn *c, long long deadline, const char *what, uint8_t **buf,
		       size_t *len, char *err, size_t errlen)
{
	uint8_t hdr[4];
	size_t n;
	int rc;

	*buf = NULL;
	rc = recv_all(c, hdr, 4, deadline, true, what, err, errlen);
	if (rc)
		return rc;
	n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > VICI_MAX_PACKET)
		return broken(c, -EBADMSG, err, errlen, "bad packet length while waiting for",
			      what);
	*buf = malloc(n);
	if (!*buf) {
		snprintf(err, errlen, "charon: out of memory");
		c->broken = true;
		return -ENOMEM;
	}
	/* Once a packet has started, its rest gets the full timeout. */
	deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
	rc = recv_all(c, *buf, n, deadline, false, what, err, errlen);
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	*len = n;
	return 0;
}

static int deliver_event(struct vici_conn *c, const struct vici_packet *pkt, char *err,
			 size_t errlen)
{
	struct vici_msg *m;
	int rc = vici_decode(pkt->body, pkt->body_len, &m, err, errlen);

	if (rc) {
		c->broken = true;
		return rc;
	}
	if (c->stream_event && strcmp(pkt->name, c->stream_event) == 0) {
		if (c->stream_cb)
			c->stream_cb(c->stream_ctx, pkt->name, m);
	} else if (c->cb) {
		c->cb(c->ctx, pkt->name, m);
	}
	vici_msg_free(m);
	return 0;
}

/*
 * Wait for the reply to what we sent, delivering events on the way.
 * Returns the reply's type; its body (if any) is decoded into *msg.
 */
static int wait_reply(struct vici_conn *c, const char *what, struct vici_msg **msg, char *err,
		      size_t errlen)
{
	long long deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;

	if (msg)
		*msg = NULL;
	for (;;) {
		struct vici_packet pkt;
		uint8_t *buf;
		size_t len;
		int rc = read_packet(c, deadline, what, &buf, &len, err, errlen);

		if (rc) {
			if (rc == -ETIMEDOUT)
				c->broken = true; /* a late reply would be taken for the next one */
			return rc;
		}
		rc = vici_packet_parse(buf, len, &pkt, err, errlen);
		if (rc) {
			c->broken = true;
			free(buf);
			return rc;
		}
		if (pkt.type == VICI_EVENT) {
			rc = deliver_event(c, &pkt, err, errlen);
			free(buf);
			if (rc)
				return rc;
			continue;
		}
		if (pkt.type == VICI_CMD_RESPONSE && msg) {
			rc = vici_decode(pkt.body, pkt.body_len, msg, err, errlen);
			if (rc) {
				c->broken = true;
				free(buf);
				return rc;
			}
		}
		free(buf);
		if (pkt.type != VICI_CMD_RESPONSE && pkt.type != VICI_CMD_UNKNOWN &&
		    pkt.type != VICI_EVENT_CONFIRM && pkt.type != VICI_EVENT_UNKNOWN) {
			c->broken = true;
			snprintf(err, errlen, "charon: %s: unexpected packet type %d for %s",
				 c->path, pkt.type, what);
			return -EBADMSG;
		}
		return pkt.type;
	}
}

static int check_usable(struct vici_conn *c, char *err, size_t errlen)
{
	if (c->broken) {
		snprintf(err, errlen, "charon: %s: connection unusable after an earlier error",
			 c->path);
		return -ECONNRESET;
	}
	return 0;
}

static int send_packet(struct vici_conn *c, enum vici_packet_type type, const char *name,
		       const struct vici_builder *body, char *err, size_t errlen)
{
	long long deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
	int rc = check_usable(c, err, errlen);

	if (rc)
		return rc;
	if (body) {
		rc = vici_builder_error(body, err, errlen);
		if (rc)
			return rc;
	}
	rc = vici_packet_build(&c->out, type, name, body);
	if (rc) {
		snprintf(err, errlen, "charon: %s: request too large", name);
		return rc;
	}
	return send_all(c, c->out.buf, c->out.len, deadline, name, err, errlen);
}

int vici_request(struct vici_conn *c, const char *cmd, const struct vici_builder *req,
		 struct vici_msg **resp, char *err, size_t errlen)
{
	struct vici_msg *m = NULL;
	int rc;

	if (resp)
		*resp = NULL;
	rc = send_packet(c, VICI_CMD_REQUEST, cmd, req, err, errlen);
	if (rc)
		return rc;
	rc = wait_reply(c, cmd, &m, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == VICI_CMD_UNKNOWN) {
		snprintf(err, errlen, "charon: unknown command %s", cmd);
		return -EOPNOTSUPP;
	}
	if (rc != VICI_CMD_RESPONSE) {
		vici_msg_free(m);
		c->broken = true;
		snprintf(err, errlen, "charon: %s: event reply to a command", cmd);
		return -EBADMSG;
	}
	if (resp)
		*resp = m;
	else
		vici_msg_free(m);
	return 0;
}

int vici_command(struct vici_conn *c, const char *cmd, const struct vici_builder *req,
		 struct vici_msg **resp, char *err, size_t errlen)
{
	struct vici_msg *m;
	const char *ok, *msg;
	int rc = vici_request(c, cmd, req, &m, err, errlen);

	if (resp)
		*resp = NULL;
	if (rc)
		return rc;
	ok = vici_str(&m->root, "success");
	if (ok && strcmp(ok, "yes") != 0) {
		msg = vici_str(&m->root, "errmsg");
		snprintf(err, errlen, "charon: %s: %s", cmd, msg && *msg ? msg : "failed");
		/* charon's messages may span lines; keep the error to one. */
		for (char *p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		vici_msg_free(m);
		return -EREMOTEIO;
	}
	if (resp)
		*resp = m;
	else
		vici_msg_free(m);
	return 0;
}

static int event_op(struct vici_conn *c, enum vici_packet_type type, const char *event, char *err,
		    size_t errlen)
{
	int rc = send_packet(c, type, event, NULL, err, errlen);

	if (rc)
		return rc;
	rc = wait_reply(c, event, NULL, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == VICI_EVENT_UNKNOWN) {
		snprintf(err, errlen, "charon: unknown event %s", event);
		return -ENOENT;
	}
	if (rc != VICI_EVENT_CONFIRM) {
		c->broken = true;
		snprintf(err, errlen, "charon: %s: command reply to an event registration", event);
		return -EBADMSG;
	}
	return 0;
}

int vici_register(struct vici_conn *c, const char *event, char *err, size_t errlen)
{
	return event_op(c, VICI_EVENT_REGISTER, event, err, errlen);
}

int vici_unregister(struct vici_conn *c, const char *event, char *err, size_t errlen)
{
	return event_op(c, VICI_EVENT_UNREGISTER, event, err, errlen);
}

int vici_stream(struct vici_conn *c, const char *cmd, const char *event,
		const struct vici_builder *req, vici_event_cb cb, void *ctx, struct vici_msg **resp,
		char *err, size_t errlen)
{
	char err2[256];
	int rc, rc2;

	if (resp)
		*resp = NULL;
	rc = vici_register(c, event, err, errlen);
	if (rc)
		return rc;
	c->stream_event = event;
	c->stream_cb = cb;
	c->stream_ctx = ctx;
	rc = vici_command(c, cmd, req, resp, err, errlen);
	c->stream_event = NULL;
	c->stream_cb = NULL;
	c->stream_ctx = NULL;
	if (c->broken)
		return rc;
	rc2 = vici_unregister(c, event, err2, sizeof(err2));
	if (rc2 && !rc) {
		snprintf(err, errlen, "%s", err2);
		if (resp) {
			vici_msg_free(*resp);
			*resp = NULL;
		}
		return rc2;
	}
	return rc;
}

int vici_poll(struct vici_conn *c, int timeout_ms, char *err, size_t errlen)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int n = 0;
	int rc = check_usable(c, err, errlen);

	if (rc)
		return rc;
	for (;;) {
		struct vici_packet pkt;
		uint8_t *buf;
		size_t len;

		/* After the first packet, only drain what is already there. */
		rc = read_packet(c, n ? now_ms() : deadline, "events", &buf, &len, err, errlen);
		if (rc == -ETIMEDOUT)
			return n;
		if (rc)
			return rc;
		rc = vici_packet_parse(buf, len, &pkt, err, errlen);
		if (!rc && pkt.type != VICI_EVENT) {
			snprintf(err, errlen,
				 "charon: %s: unexpected packet type %d between commands", c->path,
				 pkt.type);
			rc = -EBADMSG;
		}
		if (!rc)
			rc = deliver_event(c, &pkt, err, errlen);
		free(buf);
		if (rc) {
			c->broken = true;
			return rc;
		}
		n++;
	}
}
