// SPDX-License-Identifier: GPL-2.0
/*
 * VICI message encoding and strict decoding.  The decoder is the part
 * that reads bytes from another process, so every length is checked
 * against what is left and nesting is bounded (tests/fuzz/fuzz_vici.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vici.h"

/* ------------------------------------------------------------------ */
/* Builder */

void vici_builder_init(struct vici_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vici_builder_free(struct vici_builder *b)
{
	free(b->buf);
	vici_builder_init(b);
}

void vici_builder_reset(struct vici_builder *b)
{
	b->len = 0;
	b->depth = 0;
	b->in_list = false;
	b->err = 0;
	b->errmsg[0] = '\0';
}

static void bfail(struct vici_builder *b, int e, const char *what, const char *name)
{
	if (b->err)
		return;
	b->err = e;
	snprintf(b->errmsg, sizeof(b->errmsg), "vici: %s%s%.40s%s", what, name ? " \"" : "",
		 name ? name : "", name ? "\"" : "");
}

static bool reserve(struct vici_builder *b, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (b->err)
		return false;
	if (n > VICI_MAX_PACKET || b->len + n > VICI_MAX_PACKET) {
		bfail(b, -EMSGSIZE, "message larger than 512 KiB", NULL);
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb) {
		bfail(b, -ENOMEM, "out of memory", NULL);
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

static void put8(struct vici_builder *b, uint8_t v)
{
	b->buf[b->len++] = v;
}

static bool put_name(struct vici_builder *b, uint8_t type, const char *name)
{
	size_t n = strlen(name);

	if (n > 255) {
		bfail(b, -ENAMETOOLONG, "name longer than 255 bytes:", name);
		return false;
	}
	if (!reserve(b, 2 + n))
		return false;
	put8(b, type);
	put8(b, (uint8_t)n);
	memcpy(b->buf + b->len, name, n);
	b->len += n;
	return true;
}

static bool put_value(struct vici_builder *b, const void *val, size_t len)
{
	if (len > 0xffff) {
		bfail(b, -E2BIG, "value longer than 65535 bytes", NULL);
		return false;
	}
	if (!reserve(b, 2 + len))
		return false;
	put8(b, (uint8_t)(len >> 8));
	put8(b, (uint8_t)len);
	if (len)
		memcpy(b->buf + b->len, val, len);
	b->len += len;
	return true;
}

void vici_begin_section(struct vici_builder *b, const char *name)
{
	if (b->in_list) {
		bfail(b, -EINVAL, "section inside a list:", name);
		return;
	}
	if (b->depth >= VICI_MAX_DEPTH) {
		bfail(b, -ELOOP, "sections nested too deeply at", name);
		return;
	}
	if (put_name(b, VICI_SECTION_START, name))
		b->depth++;
}

void vici_end_section(struct vici_builder *b)
{
	if (b->in_list || b->depth == 0) {
		bfail(b, -EINVAL, "unbalanced section end", NULL);
		return;
	}
	if (reserve(b, 1)) {
		put8(b, VICI_SECTION_END);
		b->depth--;
	}
}

void vici_add_kv(struct vici_builder *b, const char *name, const void *val, size_t len)
{
	if (b->in_list) {
		bfail(b, -EINVAL, "key inside a list:", name);
		return;
	}
	if (put_name(b, VICI_KEY_VALUE, name))
		put_value(b, val, len);
}

void vici_add_kv_str(struct vici_builder *b, const char *name, const char *val)
{
	vici_add_kv(b, name, val, strlen(val));
}

static char *vfmt(struct vici_builder *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static char *vfmt(struct vici_builder *b, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		bfail(b, -ENOMEM, "out of memory", NULL);
		return NULL;
	}
	return s;
}

void vici_add_kv_fmt(struct vici_builder *b, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(b, fmt, ap);
	va_end(ap);
	if (s)
		vici_add_kv_str(b, name, s);
	free(s);
}

void vici_begin_list(struct vici_builder *b, const char *name)
{
	if (b->in_list) {
		bfail(b, -EINVAL, "list inside a list:", name);
		return;
	}
	if (put_name(b, VICI_LIST_START, name))
		b->in_list = true;
}

void vici_add_item(struct vici_builder *b, const void *val, size_t len)
{
	if (!b->in_list) {
		bfail(b, -EINVAL, "list item outside a list", NULL);
		return;
	}
	if (reserve(b, 1)) {
		put8(b, VICI_LIST_ITEM);
		put_value(b, val, len);
	}
}

void vici_add_item_str(struct vici_builder *b, const char *val)
{
	vici_add_item(b, val, strlen(val));
}

void vici_add_item_fmt(struct vici_builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(b, fmt, ap);
	va_end(ap);
	if (s)
		vici_add_item_str(b, s);
	free(s);
}

void vici_end_list(struct vici_builder *b)
{
	if (!b->in_list) {
		bfail(b, -EINVAL, "unbalanced list end", NULL);
		return;
	}
	if (reserve(b, 1)) {
		put8(b, VICI_LIST_END);
		b->in_list = false;
	}
}

int vici_builder_error(const struct vici_builder *b, char *err, size_t errlen)
{
	if (b->err) {
		snprintf(err, errlen, "%s", b->errmsg);
		return b->err;
	}
	if (b->depth || b->in_list) {
		snprintf(err, errlen, "vici: message ends inside an open %s",
			 b->in_list ? "list" : "section");
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Decoder */

struct reader {
	const uint8_t *p;
	size_t left;
	char *err;
	size_t errlen;
	size_t off0; /* total length, to report offsets */
};

static int rfail(struct reader *r, const char *what)
{
	snprintf(r->err, r->errlen, "vici: malformed message at byte %zu: %s", r->off0 - r->left,
		 what);
	return -EBADMSG;
}

static int read_name(struct reader *r, char **out)
{
	size_t n;

	if (r->left < 1)
		return rfail(r, "truncated name length");
	n = r->p[0];
	if (r->left - 1 < n)
		return rfail(r, "truncated name");
	if (memchr(r->p + 1, '\0', n))
		return rfail(r, "NUL byte in a name");
	*out = strndup((const char *)r->p + 1, n);
	if (!*out)
		return -ENOMEM;
	r->p += 1 + n;
	r->left -= 1 + n;
	return 0;
}

static int read_value(struct reader *r, struct vici_node *n)
{
	size_t len;

	if (r->left < 2)
		return rfail(r, "truncated value length");
	len = (size_t)r->p[0] << 8 | r->p[1];
	if (r->left - 2 < len)
		return rfail(r, "truncated value");
	n->value = malloc(len + 1);
	if (!n->value)
		return -ENOMEM;
	memcpy(n->value, r->p + 2, len);
	n->value[len] = '\0';
	n->value_len = len;
	r->p += 2 + len;
	r->left -= 2 + len;
	return 0;
}

static struct vici_node *add_child(struct vici_node *parent)
{
	struct vici_node *c;

	if ((parent->n_child & (parent->n_child - 1)) == 0) {
		size_t cap = parent->n_child ? parent->n_child * 2 : 1;

		c = realloc(parent->child, cap * sizeof(*c));
		if (!c)
			return NULL;
		parent->child = c;
	}
	c = &parent->child[parent->n_child++];
	memset(c, 0, sizeof(*c));
	return c;
}

static void node_clear(struct vici_node *n)
{
	for (size_t i = 0; i < n->n_child; i++)
		node_clear(&n->child[i]);
	free(n->child);
	free(n->name);
	free(n->value);
}

static int read_list(struct reader *r, struct vici_node *list)
{
	for (;;) {
		struct vici_node *it;
		int rc;

		if (r->left < 1)
			return rfail(r, "list not terminated");
		if (r->p[0] == VICI_LIST_END) {
			r->p++;
			r->left--;
			return 0;
		}
		if (r->p[0] != VICI_LIST_ITEM)
			return rfail(r, "element other than an item inside a list");
		r->p++;
		r->left--;
		it = add_child(list);
		if (!it)
			return -ENOMEM;
		it->type = VICI_NODE_ITEM;
		it->name = strdup("");
		if (!it->name)
			return -ENOMEM;
		rc = read_value(r, it);
		if (rc)
			return rc;
	}
}

/* Read elements into sec until its SECTION_END (or the end of the data
 * for the root).  Recursion is bounded by VICI_MAX_DEPTH. */
static int read_section(struct reader *r, struct vici_node *sec, int depth)
{
	while (r->left) {
		uint8_t t = r->p[0];
		struct vici_node *c;
		int rc;

		r->p++;
		r->left--;
		switch (t) {
		case VICI_SECTION_END:
			if (depth == 0)
				return rfail(r, "section end without a section");
			return 0;
		case VICI_SECTION_START:
		case VICI_KEY_VALUE:
		case VICI_LIST_START:
			if (t == VICI_SECTION_START && depth + 1 > VICI_MAX_DEPTH)
				return rfail(r, "sections nested too deeply");
			c = add_child(sec);
			if (!c)
				return -ENOMEM;
			rc = read_name(r, &c->name);
			if (rc)
				return rc;
			if (t == VICI_SECTION_START) {
				c->type = VICI_NODE_SECTION;
				rc = read_section(r, c, depth + 1);
			} else if (t == VICI_KEY_VALUE) {
				c->type = VICI_NODE_KV;
				rc = read_value(r, c);
			} else {
				c->type = VICI_NODE_LIST;
				rc = read_list(r, c);
			}
			if (rc)
				return rc;
			break;
		case VICI_LIST_ITEM:
		case VICI_LIST_END:
			return rfail(r, "list element outside a list");
		default:
			return rfail(r, "unknown element type");
		}
	}
	if (depth)
		return rfail(r, "section not terminated");
	return 0;
}

int vici_decode(const uint8_t *data, size_t len, struct vici_msg **out, char *err, size_t errlen)
{
	struct reader r = {.p = data, .left = len, .err = err, .errlen = errlen, .off0 = len};
	struct vici_msg *m;
	int rc;

	*out = NULL;
	if (len > VICI_MAX_PACKET) {
		snprintf(err, errlen, "vici: message of %zu bytes exceeds 512 KiB", len);
		return -EMSGSIZE;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->root.type = VICI_NODE_SECTION;
	m->root.name = strdup("");
	if (!m->root.name) {
		free(m);
		return -ENOMEM;
	}
	rc = read_section(&r, &m->root, 0);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "vici: out of memory decoding a message");
		vici_msg_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void vici_msg_free(struct vici_msg *m)
{
	if (!m)
		return;
	node_clear(&m->root);
	free(m);
}

static void encode_node(const struct vici_node *n, struct vici_builder *b)
{
	switch (n->type) {
	case VICI_NODE_SECTION:
		vici_begin_section(b, n->name);
		for (size_t i = 0; i < n->n_child; i++)
			encode_node(&n->child[i], b);
		vici_end_section(b);
		break;
	case VICI_NODE_KV:
		vici_add_kv(b, n->name, n->value, n->value_len);
		break;
	case VICI_NODE_LIST:
		vici_begin_list(b, n->name);
		for (size_t i = 0; i < n->n_child; i++)
			vici_add_item(b, n->child[i].value, n->child[i].value_len);
		vici_end_list(b);
		break;
	case VICI_NODE_ITEM:
		vici_add_item(b, n->value, n->value_len);
		break;
	}
}

int vici_encode(const struct vici_msg *m, struct vici_builder *b)
{
	char err[128];

	for (size_t i = 0; i < m->root.n_child; i++)
		encode_node(&m->root.child[i], b);
	return vici_builder_error(b, err, sizeof(err));
}

const struct vici_node *vici_child(const struct vici_node *sec, const char *name)
{
	if (!sec || sec->type != VICI_NODE_SECTION)
		return NULL;
	for (size_t i = 0; i < sec->n_child; i++)
		if (strcmp(sec->child[i].name, name) == 0)
			return &sec->child[i];
	return NULL;
}

const struct vici_node *vici_path(const struct vici_node *sec, const char *path)
{
	char step[256];

	while (sec && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(step))
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		sec = vici_child(sec, step);
		path += n;
		if (*path == '.')
			path++;
	}
	return sec;
}

const char *vici_str(const struct vici_node *sec, const char *path)
{
	const struct vici_node *n = vici_path(sec, path);

	return n && n->type == VICI_NODE_KV ? n->value : NULL;
}

static void dump_value(const struct vici_node *n, FILE *out)
{
	size_t odd = 0;

	for (size_t i = 0; i < n->value_len; i++)
		odd += (unsigned char)n->value[i] < 0x20 || (unsigned char)n->value[i] >= 0x7f;
	/* Certificates and keys: their bytes tell a reader nothing. */
	if (odd && n->value_len > 32) {
		fprintf(out, "<%zu bytes of binary data>", n->value_len);
		return;
	}
	for (size_t i = 0; i < n->value_len; i++) {
		unsigned char ch = (unsigned char)n->value[i];

		if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, out);
		else
			fprintf(out, "\\x%02x", ch);
	}
}

static void dump_node(const struct vici_node *n, FILE *out, int indent)
{
	switch (n->type) {
	case VICI_NODE_SECTION:
		fprintf(out, "%*s%s {\n", indent, "", n->name);
		for (size_t i = 0; i < n->n_child; i++)
			dump_node(&n->child[i], out, indent + 2);
		fprintf(out, "%*s}\n", indent, "");
		break;
	case VICI_NODE_KV:
		fprintf(out, "%*s%s = ", indent, "", n->name);
		dump_value(n, out);
		fputc('\n', out);
		break;
	case VICI_NODE_LIST:
		fprintf(out, "%*s%s = [", indent, "", n->name);
		for (size_t i = 0; i < n->n_child; i++) {
			fputs(i ? ", " : "", out);
			dump_value(&n->child[i], out);
		}
		fputs("]\n", out);
		break;
	case VICI_NODE_ITEM:
		dump_value(n, out);
		break;
	}
}

void vici_dump(const struct vici_node *n, FILE *out)
{
	if (n->type == VICI_NODE_SECTION && !n->name[0]) {
		for (size_t i = 0; i < n->n_child; i++)
			dump_node(&n->child[i], out, 0);
		return;
	}
	dump_node(n, out, 0);
}

/* ------------------------------------------------------------------ */
/* Packets */

static bool type_has_name(unsigned t)
{
	return t == VICI_CMD_REQUEST || t == VICI_EVENT_REGISTER || t == VICI_EVENT_UNREGISTER ||
	       t == VICI_EVENT;
}

int vici_packet_parse(const uint8_t *data, size_t len, struct vici_packet *pkt, char *err,
		      size_t errlen)
{
	size_t off = 1;

	memset(pkt, 0, sizeof(*pkt));
	if (len < 1) {
		snprintf(err, errlen, "vici: empty packet");
		return -EBADMSG;
	}
	if (len > VICI_MAX_PACKET) {
		snprintf(err, errlen, "vici: packet of %zu bytes exceeds 512 KiB", len);
		return -EMSGSIZE;
	}
	if (data[0] > VICI_EVENT) {
		snprintf(err, errlen, "vici: unknown packet type %u", data[0]);
		return -EBADMSG;
	}
	pkt->type = data[0];
	if (type_has_name(data[0])) {
		size_t n;

		if (len < 2 || len - 2 < data[1]) {
			snprintf(err, errlen, "vici: truncated packet name");
			return -EBADMSG;
		}
		n = data[1];
		if (memchr(data + 2, '\0', n)) {
			snprintf(err, errlen, "vici: NUL byte in a packet name");
			return -EBADMSG;
		}
		memcpy(pkt->name, data + 2, n);
		pkt->name[n] = '\0';
		off = 2 + n;
	}
	pkt->body = data + off;
	pkt->body_len = len - off;
	return 0;
}

int vici_packet_build(struct vici_builder *out, enum vici_packet_type type, const char *name,
		      const struct vici_builder *body)
{
	size_t blen = body ? body->len : 0;
	size_t nlen = type_has_name(type) ? strlen(name) : 0;
	size_t total = 1 + (type_has_name(type) ? 1 + nlen : 0) + blen;
	char err[128];
	int rc;

	vici_builder_reset(out);
	if (body) {
		rc = vici_builder_error(body, err, sizeof(err));
		if (rc)
			return rc;
	}
	if (nlen > 255)
		return -ENAMETOOLONG;
	if (total > VICI_MAX_PACKET)
		return -EMSGSIZE;
	if (!reserve(out, 4 + total))
		return out->err;
	put8(out, (uint8_t)(total >> 24));
	put8(out, (uint8_t)(total >> 16));
	put8(out, (uint8_t)(total >> 8));
	put8(out, (uint8_t)total);
	put8(out, (uint8_t)type);
	if (type_has_name(type)) {
		put8(out, (uint8_t)nlen);
		memcpy(out->buf + out->len, name, nlen);
		out->len += nlen;
	}
	if (blen) {
		memcpy(out->buf + out->len, body->buf, blen);
		out->len += blen;
	}
	return 0;
}
