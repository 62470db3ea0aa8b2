/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our own client for strongSwan's VICI protocol (Documentation/vici.md).
 *
 * Debian ships libvici.so without its header, and we want strict,
 * fuzzed decoding plus timeouts, so the wire format is spoken here:
 *
 *   packet  = u32 big-endian length, then that many bytes:
 *             u8 type [u8 namelen, name] [message]
 *   message = element*
 *   element = 1 SECTION_START name | 2 SECTION_END | 3 KEY_VALUE name value
 *           | 4 LIST_START name | 5 LIST_ITEM value | 6 LIST_END
 *   name    = u8 length + bytes;  value = u16 big-endian length + bytes
 *
 * Three layers: a builder that writes a message, a decoder that turns a
 * message into a tree of nodes, and a connection that runs one command at
 * a time and hands events to a callback.
 */
#ifndef NETSH_IPSEC_VICI_H
#define NETSH_IPSEC_VICI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum vici_element {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* charon refuses packets above 512 KiB; so do we, both ways. */
#define VICI_MAX_PACKET ((size_t)512 * 1024)
/* Deeper nesting than charon ever produces is treated as garbage. */
#define VICI_MAX_DEPTH 32

/* ------------------------------------------------------------------ */
/* Builder */

/*
 * Accumulates a message.  Misuse (a name over 255 bytes, a value over
 * 65535, unbalanced sections or lists, a KEY_VALUE inside a list) is
 * remembered and reported once by vici_builder_error(); the calls in
 * between become no-ops, so callers need not check each one.
 */
struct vici_builder {
	uint8_t *buf;
	size_t len, cap;
	int depth; /* open sections */
	bool in_list;
	int err; /* first error, negative errno */
	char errmsg[96];
};

void vici_builder_init(struct vici_builder *b);
void vici_builder_free(struct vici_builder *b);
/* Drop the content, keep the buffer. */
void vici_builder_reset(struct vici_builder *b);
void vici_begin_section(struct vici_builder *b, const char *name);
void vici_end_section(struct vici_builder *b);
void vici_add_kv(struct vici_builder *b, const char *name, const void *val, size_t len);
void vici_add_kv_str(struct vici_builder *b, const char *name, const char *val);
void vici_add_kv_fmt(struct vici_builder *b, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vici_begin_list(struct vici_builder *b, const char *name);
void vici_add_item(struct vici_builder *b, const void *val, size_t len);
void vici_add_item_str(struct vici_builder *b, const char *val);
void vici_add_item_fmt(struct vici_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vici_end_list(struct vici_builder *b);
/* 0 when the message is complete and well formed, else a negative errno
 * with the reason in err. */
int vici_builder_error(const struct vici_builder *b, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Decoded messages */

enum vici_node_type {
	VICI_NODE_SECTION, /* children: any node */
	VICI_NODE_KV,	   /* value */
	VICI_NODE_LIST,	   /* children: VICI_NODE_ITEM only */
	VICI_NODE_ITEM,	   /* value, no name */
};

struct vici_node {
	enum vici_node_type type;
	char *name;  /* NUL-free, NUL terminated; "" for the root and items */
	char *value; /* KV and ITEM: value_len bytes plus a NUL (may hold NULs) */
	size_t value_len;
	struct vici_node *child;
	size_t n_child;
};

/* A decoded message: the root is an unnamed section. */
struct vici_msg {
	struct vici_node root;
};

/*
 * Decode a message body (the part after the packet header).  Strict:
 * unknown element types, truncation, unbalanced sections or lists, NUL
 * bytes in names and nesting beyond VICI_MAX_DEPTH are errors.
 */
int vici_decode(const uint8_t *data, size_t len, struct vici_msg **out, char *err, size_t errlen);
void vici_msg_free(struct vici_msg *m);
/* Serialise a decoded tree again (tests, the fuzzer's round trip). */
int vici_encode(const struct vici_msg *m, struct vici_builder *b);

/* Child of a section by name (first match), or NULL. */
const struct vici_node *vici_child(const struct vici_node *sec, const char *name);
/*
 * Follow a dotted path of section/key names from a section ("uptime.since").
 * NULL when any step is missing.
 */
const struct vici_node *vici_path(const struct vici_node *sec, const char *path);
/* The value of a key as a string (NULL if absent or not a KV node). */
const char *vici_str(const struct vici_node *sec, const char *path);
/* Print a tree in swanctl's --raw style, for -v and debugging. */
void vici_dump(const struct vici_node *n, FILE *out);

/*
 * Split one packet (the bytes after the length prefix) into type, name
 * and message body.  The body points into data.
 */
struct vici_packet {
	enum vici_packet_type type;
	char name[256]; /* "" for types without a name */
	const uint8_t *body;
	size_t body_len;
};
int vici_packet_parse(const uint8_t *data, size_t len, struct vici_packet *pkt, char *err,
		      size_t errlen);
/* Build a complete packet, length prefix included, into b (which is reset). */
int vici_packet_build(struct vici_builder *out, enum vici_packet_type type, const char *name,
		      const struct vici_builder *body);

/* ------------------------------------------------------------------ */
/* Connection */

struct vici_conn;

/* Events arrive here, also while a command waits for its response. */
typedef void (*vici_event_cb)(void *ctx, const char *event, const struct vici_msg *msg);

#define VICI_DEFAULT_TIMEOUT_MS 10000

/*
 * Connect to charon's socket.  Errors read
 * "charon: cannot connect to <path>: <strerror>".
 */
int vici_connect(const char *path, int timeout_ms, struct vici_conn **out, char *err,
		 size_t errlen);
void vici_close(struct vici_conn *c);
/* Default receiver of events that no streamed command claims. */
void vici_set_event_cb(struct vici_conn *c, vici_event_cb cb, void *ctx);
void vici_set_timeout(struct vici_conn *c, int timeout_ms);

/*
 * Run one command and return its response.  req may be NULL (empty
 * message).  -EOPNOTSUPP for a command charon does not know,
 * -ETIMEDOUT, -ECONNRESET when charon went away.
 */
int vici_request(struct vici_conn *c, const char *cmd, const struct vici_builder *req,
		 struct vici_msg **resp, char *err, size_t errlen);
/*
 * As vici_request, and a response with success=no is an error too:
 * -EREMOTEIO with "charon: <cmd>: <errmsg>".  resp may be NULL.
 */
int vici_command(struct vici_conn *c, const char *cmd, const struct vici_builder *req,
		 struct vici_msg **resp, char *err, size_t errlen);
int vici_register(struct vici_conn *c, const char *event, char *err, size_t errlen);
int vici_unregister(struct vici_conn *c, const char *event, char *err, size_t errlen);
/*
 * A streamed command (list-sas/list-sa, list-conns/list-conn,
 * list-policies/list-policy, list-certs/list-cert): registers the event,
 * runs the command handing each event to cb, then unregisters.
 */
int vici_stream(struct vici_conn *c, const char *cmd, const char *event,
		const struct vici_builder *req, vici_event_cb cb, void *ctx, struct vici_msg **resp,
		char *err, size_t errlen);
/*
 * Wait up to timeout_ms (-1: forever) for events and deliver them.
 * Returns the number delivered, or -ECONNRESET once charon has gone.
 */
int vici_poll(struct vici_conn *c, int timeout_ms, char *err, size_t errlen);
/* The socket, for callers that poll several things at once. */
int vici_fd(const struct vici_conn *c);

#endif
