// SPDX-License-Identifier: GPL-2.0
#include "winreg/regfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/errmsg.h"

static const char hdr5[] = "Windows Registry Editor Version 5.00";
static const char hdr4[] = "REGEDIT4";

/* ---- encodings --------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool sb_grow(struct sbuf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	b->p[b->len] = '\0'; /* a fresh buffer is an empty string */
	return true;
}

static void sb_putn(struct sbuf *b, const void *s, size_t n)
{
	if (!sb_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

static void sb_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		sb_putn(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		sb_putn(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		sb_putn(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		sb_putn(b, u, 4);
	}
}

char *ns_utf16le_to_utf8(const uint8_t *in, size_t len, size_t *outlen)
{
	struct sbuf b = {0};
	size_t n = len / 2;

	sb_grow(&b, n);
	for (size_t i = 0; i < n; i++) {
		uint32_t c = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;

		if (c >= 0xD800 && c < 0xDC00 && i + 1 < n) {
			uint32_t d = (uint32_t)in[2 * i + 2] | (uint32_t)in[2 * i + 3] << 8;

			if (d >= 0xDC00 && d < 0xE000) {
				c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if (c >= 0xD800 && c < 0xE000) {
			c = 0xFFFD;
		}
		sb_utf8(&b, c);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (outlen)
		*outlen = b.len;
	return b.p;
}

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t utf8_dec(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t need;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		c = s[0] & 0x1F;
		need = 2;
	} else if ((s[0] & 0xF0) == 0xE0) {
		c = s[0] & 0x0F;
		need = 3;
	} else if ((s[0] & 0xF8) == 0xF0) {
		c = s[0] & 0x07;
		need = 4;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((need == 2 && c < 0x80) || (need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c < 0xE000))
		return 0;
	*cp = c;
	return need;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_dec(s + i, n - i, &cp);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

uint8_t *ns_utf8_to_utf16le(const char *in, size_t *outlen)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t n = strlen(in), o = 0;
	uint8_t *out = malloc(2 * n + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_dec(s + i, n - i, &cp);

		if (!k) {
			cp = s[i]; /* Latin-1 for stray bytes */
			k = 1;
		}
		i += k;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint32_t hi = 0xD800 | v >> 10, lo = 0xDC00 | (v & 0x3FF);

			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			out[o++] = (uint8_t)cp;
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	out[o] = out[o + 1] = 0;
	*outlen = o;
	return out;
}

/* ANSI bytes (REGEDIT4): UTF-8 when valid, Latin-1 otherwise. */
static char *ansi_to_utf8(const uint8_t *in, size_t len, size_t *outlen)
{
	struct sbuf b = {0};

	sb_grow(&b, len);
	if (utf8_valid(in, len)) {
		sb_putn(&b, in, len);
	} else {
		for (size_t i = 0; i < len; i++)
			sb_utf8(&b, in[i]);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		b.p = calloc(1, 1);
	if (outlen)
		*outlen = b.len;
	return b.p;
}

/* The whole file as UTF-8 text. */
static char *decode_file(const uint8_t *buf, size_t len, size_t *outlen, bool *utf16)
{
	*utf16 = false;
	if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
		*utf16 = true;
		return ns_utf16le_to_utf8(buf + 2, len - 2, outlen);
	}
	if (len >= 2 && buf[0] != 0 && buf[1] == 0) {
		*utf16 = true;
		return ns_utf16le_to_utf8(buf, len, outlen);
	}
	if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
		return ansi_to_utf8(buf + 3, len - 3, outlen);
	return ansi_to_utf8(buf, len, outlen);
}

static int header_version(const char *line, size_t n)
{
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == sizeof(hdr5) - 1 && !memcmp(line, hdr5, n))
		return 5;
	if (n == sizeof(hdr4) - 1 && !memcmp(line, hdr4, n))
		return 4;
	return 0;
}

bool ns_reg_detect(const uint8_t *buf, size_t len)
{
	uint8_t head[160];
	size_t hl = 0, i = 0, tl;
	bool utf16 = false;
	char *text;
	int v;

	/* Only the first line matters: decode a bounded prefix. */
	if (len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] != 0 && buf[1] == 0)))
		utf16 = true;
	hl = len < sizeof(head) ? len : sizeof(head);
	if (utf16)
		hl &= ~(size_t)1;
	memcpy(head, buf, hl);
	text = decode_file(head, hl, &tl, &utf16);
	if (!text)
		return false;
	while (i < tl && text[i] != '\r' && text[i] != '\n')
		i++;
	v = header_version(text, i);
	free(text);
	return v != 0;
}

/* ---- parser ------------------------------------------------------------ */

struct parser {
	struct ns_reg_file *f;
	int version;
	size_t line;
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "line %zu: %s", p->line, msg);
	return -EINVAL;
}

static void value_free(struct ns_reg_value *v)
{
	free(v->name);
	free(v->str);
	for (size_t i = 0; i < v->n_strs; i++)
		free(v->strs[i]);
	free(v->strs);
	free(v->data);
}

void ns_reg_file_free(struct ns_reg_file *f)
{
	for (size_t i = 0; i < f->n_keys; i++) {
		struct ns_reg_key *k = &f->keys[i];

		for (size_t j = 0; j < k->n_values; j++)
			value_free(&k->values[j]);
		free(k->values);
		free(k->path);
	}
	free(f->keys);
	memset(f, 0, sizeof(*f));
}

static bool grow(void **arr, size_t n, size_t elem)
{
	/* Capacity is the next power of two from 4: appends stay linear. */
	size_t cap;
	void *np;

	if (n == 0)
		cap = 4;
	else if (n >= 4 && !(n & (n - 1)))
		cap = 2 * n;
	else
		return true;
	np = realloc(*arr, cap * elem);
	if (!np)
		return false;
	*arr = np;
	return true;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A quoted string with regedit's escapes (\\ and \"); others are kept. */
static const char *parse_quoted(struct parser *p, const char *s, const char *end, char **out)
{
	struct sbuf b = {0};

	s++; /* opening quote */
	sb_grow(&b, 16);
	while (s < end && *s != '"') {
		if (*s == '\\' && s + 1 < end && (s[1] == '\\' || s[1] == '"')) {
			sb_putc(&b, s[1]);
			s += 2;
			continue;
		}
		sb_putc(&b, *s++);
	}
	if (s >= end || b.oom) {
		free(b.p);
		if (b.oom)
			perr(p, "out of memory");
		else
			perr(p, "unterminated string");
		return NULL;
	}
	*out = b.p;
	return s + 1;
}

static int hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_hexlist(struct parser *p, const char *s, const char *end, uint8_t **out,
			 size_t *outlen)
{
	size_t cap = (size_t)(end - s) / 2 + 1, n = 0;
	uint8_t *d = malloc(cap);

	if (!d)
		return perr(p, "out of memory");
	for (;;) {
		int v = 0, nd = 0, h;

		s = skip_ws(s, end);
		if (s >= end || *s == ';')
			break;
		while (s < end && (h = hexdig(*s)) >= 0 && nd < 3) {
			v = v << 4 | h;
			nd++;
			s++;
		}
		if (nd == 0 || nd > 2) {
			free(d);
			return perr(p, "bad byte in hex list");
		}
		d[n++] = (uint8_t)v;
		s = skip_ws(s, end);
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		s = skip_ws(s, end);
		if (s < end && *s != ';') {
			free(d);
			return perr(p, "expected ',' in hex list");
		}
		break;
	}
	*out = d;
	*outlen = n;
	return 0;
}

static char *bytes_to_str(const struct parser *p, const uint8_t *d, size_t n)
{
	/* The stored terminator is not part of the string; strlen stops there. */
	return p->version == 5 ? ns_utf16le_to_utf8(d, n, NULL) : ansi_to_utf8(d, n, NULL);
}

static int decode_typed(struct parser *p, struct ns_reg_value *v)
{
	if (v->type == NS_REG_SZ || v->type == NS_REG_EXPAND_SZ) {
		v->str = bytes_to_str(p, v->data, v->len);
		if (!v->str)
			return perr(p, "out of memory");
	} else if (v->type == NS_REG_MULTI_SZ) {
		size_t tl;
		char *t = p->version == 5 ? ns_utf16le_to_utf8(v->data, v->len, &tl)
					  : ansi_to_utf8(v->data, v->len, &tl);
		size_t i = 0;

		if (!t)
			return perr(p, "out of memory");
		while (i < tl) {
			size_t l = strlen(t + i);

			if (l == 0)
				break; /* the terminating empty string */
			if (!grow((void **)&v->strs, v->n_strs, sizeof(char *)) ||
			    !(v->strs[v->n_strs] = strdup(t + i))) {
				free(t);
				return perr(p, "out of memory");
			}
			v->n_strs++;
			i += l + 1;
		}
		free(t);
	} else if (v->type == NS_REG_DWORD && v->len == 4) {
		v->dword = (uint32_t)v->data[0] | (uint32_t)v->data[1] << 8 |
			   (uint32_t)v->data[2] << 16 | (uint32_t)v->data[3] << 24;
	}
	return 0;
}

static int parse_value(struct parser *p, const char *s, const char *end, struct ns_reg_value *v)
{
	s = skip_ws(s, end);
	if (s < end && *s == '@') {
		v->name = strdup("");
		s++;
	} else if (s < end && *s == '"') {
		s = parse_quoted(p, s, end, &v->name);
		if (!s)
			return -EINVAL;
	} else {
		return perr(p, "expected a key, a value or a comment");
	}
	if (!v->name)
		return perr(p, "out of memory");
	s = skip_ws(s, end);
	if (s >= end || *s != '=')
		return perr(p, "expected '=' after value name");
	s = skip_ws(s + 1, end);
	if (s < end && *s == '-') {
		v->deleted = true;
		return 0;
	}
	if (s < end && *s == '"') {
		v->type = NS_REG_SZ;
		s = parse_quoted(p, s, end, &v->str);
		if (!s)
			return -EINVAL;
		s = skip_ws(s, end);
		if (s < end && *s != ';')
			return perr(p, "text after string value");
		return 0;
	}
	if ((size_t)(end - s) >= 6 && !strncasecmp(s, "dword:", 6)) {
		uint32_t d = 0;
		int nd = 0, h;

		s += 6;
		while (s < end && (h = hexdig(*s)) >= 0) {
			if (++nd > 8)
				return perr(p, "dword has more than 8 digits");
			d = d << 4 | (uint32_t)h;
			s++;
		}
		s = skip_ws(s, end);
		if (!nd || (s < end && *s != ';'))
			return perr(p, "bad dword");
		v->type = NS_REG_DWORD;
		v->dword = d;
		return 0;
	}
	if ((size_t)(end - s) >= 3 && !strncasecmp(s, "hex", 3)) {
		s += 3;
		v->type = NS_REG_BINARY;
		if (s < end && *s == '(') {
			uint32_t t = 0;
			int nd = 0, h;

			s++;
			while (s < end && (h = hexdig(*s)) >= 0) {
				if (++nd > 8)
					return perr(p, "bad hex(type)");
				t = t << 4 | (uint32_t)h;
				s++;
			}
			if (!nd || s >= end || *s != ')')
				return perr(p, "bad hex(type)");
			s++;
			v->type = t;
		}
		if (s >= end || *s != ':')
			return perr(p, "expected ':' after hex");
		if (parse_hexlist(p, s + 1, end, &v->data, &v->len))
			return -EINVAL;
		return decode_typed(p, v);
	}
	return perr(p, "unknown value type");
}

static struct ns_reg_key *add_key(struct parser *p, const char *path, size_t n, bool deleted)
{
	struct ns_reg_file *f = p->f;
	struct ns_reg_key *k;

	if (!grow((void **)&f->keys, f->n_keys, sizeof(*f->keys)))
		return NULL;
	k = &f->keys[f->n_keys];
	memset(k, 0, sizeof(*k));
	k->path = strndup(path, n);
	if (!k->path)
		return NULL;
	k->deleted = deleted;
	k->line = p->line;
	f->n_keys++;
	return k;
}

/* The next physical line of text; handles \r\n, \n and lone \r. */
static bool next_line(const char *t, size_t tl, size_t *pos, const char **ls, const char **le)
{
	size_t i = *pos;

	if (i >= tl)
		return false;
	*ls = t + i;
	while (i < tl && t[i] != '\n' && t[i] != '\r')
		i++;
	*le = t + i;
	if (i < tl && t[i] == '\r') {
		i++;
		if (i < tl && t[i] == '\n')
			i++;
	} else if (i < tl) {
		i++;
	}
	*pos = i;
	return true;
}

static bool ends_with_backslash(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e > s && e[-1] == '\\';
}

int ns_reg_parse(const uint8_t *buf, size_t len, struct ns_reg_file *f, char *err, size_t errlen)
{
	struct parser p = {.f = f, .err = err, .errlen = errlen};
	struct ns_reg_key *cur = NULL;
	struct sbuf logical = {0};
	const char *ls, *le;
	size_t tl, pos = 0;
	bool utf16;
	char *text;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	text = decode_file(buf, len, &tl, &utf16);
	if (!text)
		return perr(&p, "out of memory");
	f->utf16 = utf16;
	/* Header: the first non-blank line. */
	while (next_line(text, tl, &pos, &ls, &le)) {
		p.line++;
		if (skip_ws(ls, le) == le)
			continue;
		p.version = header_version(ls, (size_t)(le - ls));
		break;
	}
	if (!p.version) {
		free(text);
		return perr(&p, "not a registry file (no REGEDIT4 or version 5.00 header)");
	}
	f->version = p.version;
	while (next_line(text, tl, &pos, &ls, &le)) {
		size_t start_line, end_line;
		struct ns_reg_value *v;
		const char *s;

		p.line++;
		s = skip_ws(ls, le);
		if (s == le || *s == ';')
			continue;
		if (*s == '[') {
			const char *close = le;
			bool del = false;

			while (close > s && close[-1] != ']')
				close--;
			if (close == s) {
				rc = perr(&p, "key without closing ']'");
				break;
			}
			s++;
			if (s < close - 1 && *s == '-') {
				del = true;
				s++;
			}
			cur = add_key(&p, s, (size_t)(close - 1 - s), del);
			if (!cur) {
				rc = perr(&p, "out of memory");
				break;
			}
			continue;
		}
		/* A value, possibly continued over several lines. */
		start_line = p.line;
		logical.len = 0;
		sb_putn(&logical, s, (size_t)(le - s));
		while (ends_with_backslash(logical.p, logical.p + logical.len)) {
			const char *ns, *ne;

			while (logical.len && logical.p[logical.len - 1] != '\\')
				logical.len--;
			logical.len--; /* the backslash */
			if (!next_line(text, tl, &pos, &ns, &ne))
				break;
			p.line++;
			ns = skip_ws(ns, ne);
			if (ns < ne && *ns == ';') {
				sb_putc(&logical, '\\'); /* comment inside: keep going */
				continue;
			}
			sb_putn(&logical, ns, (size_t)(ne - ns));
		}
		if (logical.oom) {
			rc = perr(&p, "out of memory");
			break;
		}
		end_line = p.line;
		p.line = start_line;
		if (!cur) {
			rc = perr(&p, "value before any key");
			break;
		}
		if (!grow((void **)&cur->values, cur->n_values, sizeof(*cur->values))) {
			rc = perr(&p, "out of memory");
			break;
		}
		v = &cur->values[cur->n_values];
		memset(v, 0, sizeof(*v));
		v->line = start_line;
		cur->n_values++;
		rc = parse_value(&p, logical.p, logical.p + logical.len, v);
		if (rc)
			break;
		p.line = end_line;
	}
	free(logical.p);
	free(text);
	if (rc)
		ns_reg_file_free(f);
	return rc;
}

const struct ns_reg_value *ns_reg_key_value(const struct ns_reg_key *k, const char *name)
{
	/* The last assignment wins, as when regedit imports the file. */
	for (size_t i = k->n_values; i-- > 0;)
		if (!strcasecmp(k->values[i].name, name))
			return k->values[i].deleted ? NULL : &k->values[i];
	return NULL;
}

/* ---- writer ------------------------------------------------------------ */

void ns_regw_init(struct ns_reg_writer *w, bool regedit4)
{
	memset(w, 0, sizeof(*w));
	w->regedit4 = regedit4;
}

static void w_put(struct ns_reg_writer *w, const char *s, size_t n)
{
	struct sbuf b = {.p = w->buf, .len = w->len, .cap = w->cap, .oom = w->oom};

	sb_putn(&b, s, n);
	w->buf = b.p;
	w->len = b.len;
	w->cap = b.cap;
	w->oom = b.oom;
}

static void w_puts(struct ns_reg_writer *w, const char *s)
{
	w_put(w, s, strlen(s));
}

static void w_header(struct ns_reg_writer *w)
{
	if (w->len == 0 && !w->oom) {
		w_puts(w, w->regedit4 ? hdr4 : hdr5);
		w_puts(w, "\r\n");
	}
}

void ns_regw_key(struct ns_reg_writer *w, const char *path)
{
	w_header(w);
	w_puts(w, "\r\n[");
	w_puts(w, path);
	w_puts(w, "]\r\n");
}

static void w_name(struct ns_reg_writer *w, const char *name)
{
	if (!*name) {
		w_puts(w, "@=");
		return;
	}
	w_puts(w, "\"");
	for (const char *c = name; *c; c++) {
		if (*c == '\\' || *c == '"')
			w_put(w, "\\", 1);
		w_put(w, c, 1);
	}
	w_puts(w, "\"=");
}

static void w_hex(struct ns_reg_writer *w, const char *prefix, const uint8_t *d, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t line_start = 0, col, o;
	char *q;

	w_puts(w, prefix);
	if (w->oom)
		return;
	/* Column counted from the value's line start, as regedit wraps. */
	for (size_t i = w->len; i > 0; i--) {
		if (w->buf[i - 1] == '\n') {
			line_start = i;
			break;
		}
	}
	col = w->len - line_start;
	/* Worst case: 3 chars a byte plus a 5-char break every 25 bytes. */
	w_put(w, "", 0);
	{
		struct sbuf b = {.p = w->buf, .len = w->len, .cap = w->cap};

		if (!sb_grow(&b, 4 * n + 8)) {
			w->oom = true;
			return;
		}
		w->buf = b.p;
		w->cap = b.cap;
	}
	q = w->buf;
	o = w->len;
	for (size_t i = 0; i < n; i++) {
		if (col + 3 > 78 && i) {
			memcpy(q + o, "\\\r\n  ", 5);
			o += 5;
			col = 2;
		}
		q[o++] = hx[d[i] >> 4];
		q[o++] = hx[d[i] & 15];
		col += 2;
		if (i + 1 < n) {
			q[o++] = ',';
			col++;
		}
	}
	q[o] = '\0';
	w->len = o;
	w_puts(w, "\r\n");
}

static uint8_t *str_bytes(const struct ns_reg_writer *w, const char *s, size_t *n)
{
	/* REGEDIT4 bytes are the string itself (we write UTF-8); version 5 is
	 * UTF-16LE.  Either way with the terminator. */
	if (w->regedit4) {
		uint8_t *d;

		*n = strlen(s) + 1;
		d = malloc(*n);
		if (d)
			memcpy(d, s, *n);
		return d;
	}
	{
		uint8_t *d = ns_utf8_to_utf16le(s, n);

		if (d)
			*n += 2;
		return d;
	}
}

void ns_regw_sz(struct ns_reg_writer *w, const char *name, const char *val)
{
	w_name(w, name);
	if (strpbrk(val, "\r\n")) {
		/* Line breaks cannot be quoted: regedit itself uses hex(1). */
		size_t n;
		uint8_t *d = str_bytes(w, val, &n);

		if (!d) {
			w->oom = true;
			return;
		}
		w_hex(w, "hex(1):", d, n);
		free(d);
		return;
	}
	w_puts(w, "\"");
	for (const char *c = val; *c; c++) {
		if (*c == '\\' || *c == '"')
			w_put(w, "\\", 1);
		w_put(w, c, 1);
	}
	w_puts(w, "\"\r\n");
}

void ns_regw_dword(struct ns_reg_writer *w, const char *name, uint32_t val)
{
	char x[24];

	w_name(w, name);
	snprintf(x, sizeof(x), "dword:%08x\r\n", val);
	w_puts(w, x);
}

void ns_regw_binary(struct ns_reg_writer *w, const char *name, const uint8_t *data, size_t len)
{
	w_name(w, name);
	w_hex(w, "hex:", data, len);
}

void ns_regw_multi_sz(struct ns_reg_writer *w, const char *name, const char *const *strs, size_t n)
{
	size_t total = 0, cap = 0;
	uint8_t *all = NULL;

	for (size_t i = 0; i <= n; i++) {
		size_t l;
		uint8_t *d = str_bytes(w, i < n ? strs[i] : "", &l);
		uint8_t *na;

		if (!d || !(na = realloc(all, (cap = total + l)))) {
			free(d);
			free(all);
			w->oom = true;
			return;
		}
		all = na;
		memcpy(all + total, d, l);
		total += l;
		free(d);
	}
	w_name(w, name);
	w_hex(w, "hex(7):", all, total);
	free(all);
	(void)cap;
}

void ns_regw_free(struct ns_reg_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

int ns_regw_finish(struct ns_reg_writer *w, FILE *out, char *err, size_t errlen)
{
	int rc = 0;

	w_header(w);
	w_puts(w, "\r\n");
	if (w->oom) {
		rc = -ENOMEM;
		ns_errmsg(err, errlen, "out of memory writing the registry file");
		goto out;
	}
	if (w->regedit4) {
		if (fwrite(w->buf, 1, w->len, out) != w->len)
			rc = -EIO;
	} else {
		size_t n;
		uint8_t *d = ns_utf8_to_utf16le(w->buf, &n);
		static const uint8_t bom[2] = {0xFF, 0xFE};

		if (!d) {
			rc = -ENOMEM;
		} else {
			if (fwrite(bom, 1, 2, out) != 2 || fwrite(d, 1, n, out) != n)
				rc = -EIO;
			free(d);
		}
	}
	if (!rc && fflush(out))
		rc = -EIO;
	if (rc && err && errlen)
		snprintf(err, errlen, "writing the registry file: %s", strerror(-rc));
out:
	ns_regw_free(w);
	return rc;
}
