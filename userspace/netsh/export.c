// SPDX-License-Identifier: GPL-2.0
/*
 * The netsh-ipsec export format (Documentation/export-format.md).
 *
 * One record per line: a record word, then key=value fields in a fixed
 * order.  Values escape every byte outside 0x21-0x7e, and '%', as %XX, so a
 * value never holds a space and a line never breaks.  Children follow their
 * parent (filter after filterlist, qm after filteraction, mm and rule after
 * policy, auth after rule).  The reader builds a private db and hands it
 * over only when the whole file, including the final "end" line, checked
 * out: a failed import leaves nothing behind.
 */
#include "netsh/export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/format.h"
#include "lib/guid.h"
#include "netsh/dbindex.h"
#include "lib/errmsg.h"

#define MAGIC "# netsh-ipsec export v1"

/* ------------------------------------------------------------------ */
/* Enumerations as the file spells them. */

static const char *const kind_words[] = {"any",	     "me",	 "ip",		"dns", "srv-dns",
					 "srv-wins", "srv-dhcp", "srv-gateway", NULL};
static const char *const cipher_words[] = {"none",   "des",    "3des", "aes128",
					   "aes192", "aes256", NULL};
static const char *const hash_words[] = {"none", "md5", "sha1", "sha256", "sha384", NULL};
static const char *const dh_words[] = {"none", "1", "2", "3", "14", "19", "20", "24", NULL};
static const char *const qmkind_words[] = {"esp", "ah", "ah+esp", NULL};
static const char *const action_words[] = {"permit", "block", "negotiate", NULL};
static const char *const fatype_words[] = {"normal", "default", NULL};
static const char *const auth_words[] = {"kerberos", "psk", "rootca", NULL};
static const char *const conn_words[] = {"all", "lan", "dialup", NULL};
static const char *const bool_words[] = {"no", "yes", NULL};

static size_t n_words(const char *const *w)
{
	size_t n = 0;

	while (w[n])
		n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Writer */

struct wctx {
	FILE *out;
	char *err;
	size_t errlen;
	int rc;
};

static void werr(struct wctx *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void werr(struct wctx *w, int rc, const char *fmt, ...)
{
	va_list ap;

	if (w->rc)
		return;
	w->rc = rc;
	va_start(ap, fmt);
	ns_verrmsg(w->err, w->errlen, fmt, ap);
	va_end(ap);
}

static void w_str(struct wctx *w, const char *key, const char *s)
{
	fprintf(w->out, " %s=", key);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == '%')
			fprintf(w->out, "%%%02X", *p);
		else
			fputc(*p, w->out);
	}
}

static void w_enum(struct wctx *w, const char *key, const char *const *words, unsigned v)
{
	if (v >= n_words(words)) {
		werr(w, -EINVAL, "export: field %s has the impossible value %u", key, v);
		return;
	}
	fprintf(w->out, " %s=%s", key, words[v]);
}

static void w_bool(struct wctx *w, const char *key, bool b)
{
	fprintf(w->out, " %s=%s", key, b ? "yes" : "no");
}

static void w_u(struct wctx *w, const char *key, unsigned long long v)
{
	fprintf(w->out, " %s=%llu", key, v);
}

static void w_i64(struct wctx *w, const char *key, int64_t v)
{
	fprintf(w->out, " %s=%lld", key, (long long)v);
}

static void w_ip(struct wctx *w, const char *key, uint32_t a)
{
	char buf[NS_FMT_SHORT];

	ns_fmt_ipv4(buf, sizeof(buf), a);
	fprintf(w->out, " %s=%s", key, buf);
}

static void w_endpoint(struct wctx *w, const char *pfx, const struct ns_endpoint *e)
{
	char key[16];

	w_enum(w, pfx, kind_words, e->kind);
	snprintf(key, sizeof(key), "%saddr", pfx);
	w_ip(w, key, e->addr);
	snprintf(key, sizeof(key), "%smask", pfx);
	w_ip(w, key, e->mask);
	snprintf(key, sizeof(key), "%sdns", pfx);
	w_str(w, key, e->dnsname);
}

static void w_rule(struct wctx *w, const struct ns_rule *r)
{
	fputs("rule", w->out);
	w_str(w, "guid", r->guid);
	w_bool(w, "default", r->is_default);
	w_str(w, "name", r->name);
	w_str(w, "description", r->description);
	w_i64(w, "whenchanged", r->whenchanged);
	w_str(w, "filterlist", r->filterlist_guid);
	w_str(w, "filteraction", r->filteraction_guid);
	w_bool(w, "tunnel", r->tunnel_set);
	w_ip(w, "tunneladdr", r->tunnel_addr);
	w_str(w, "tunneldns", r->tunnel_dnsname);
	w_enum(w, "conntype", conn_words, r->conntype);
	w_bool(w, "active", r->active);
	fputc('\n', w->out);
	for (size_t i = 0; i < r->n_auth; i++) {
		const struct ns_auth *a = &r->auth[i];

		fputs("auth", w->out);
		w_enum(w, "kind", auth_words, a->kind);
		w_str(w, "value", a->value);
		w_bool(w, "certmap", a->certmap);
		w_bool(w, "excludecaname", a->excludecaname);
		fputc('\n', w->out);
	}
}

int ns_export_write(FILE *out, const struct ns_db *db, char *err, size_t errlen)
{
	struct wctx w = {.out = out, .err = err, .errlen = errlen};

	fprintf(out, "%s\n", MAGIC);
	for (size_t i = 0; i < db->n_filterlists; i++) {
		const struct ns_filterlist *fl = &db->filterlists[i];

		fputs("filterlist", out);
		w_str(&w, "guid", fl->guid);
		w_str(&w, "name", fl->name);
		w_str(&w, "description", fl->description);
		w_i64(&w, "whenchanged", fl->whenchanged);
		fputc('\n', out);
		for (size_t j = 0; j < fl->n_filters; j++) {
			const struct ns_filter *f = &fl->filters[j];

			fputs("filter", out);
			w_str(&w, "guid", f->guid);
			w_str(&w, "description", f->description);
			w_endpoint(&w, "src", &f->src);
			w_endpoint(&w, "dst", &f->dst);
			w_u(&w, "protocol", f->protocol);
			w_u(&w, "srcport", f->srcport);
			w_u(&w, "dstport", f->dstport);
			w_bool(&w, "mirrored", f->mirrored);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < db->n_filteractions; i++) {
		const struct ns_filteraction *fa = &db->filteractions[i];

		fputs("filteraction", out);
		w_str(&w, "guid", fa->guid);
		w_str(&w, "name", fa->name);
		w_str(&w, "description", fa->description);
		w_i64(&w, "whenchanged", fa->whenchanged);
		w_enum(&w, "type", fatype_words, fa->type);
		w_enum(&w, "action", action_words, fa->action);
		w_bool(&w, "qmpfs", fa->qmpfs);
		w_bool(&w, "inpass", fa->inpass);
		w_bool(&w, "soft", fa->soft);
		fputc('\n', out);
		for (size_t j = 0; j < fa->n_methods; j++) {
			const struct ns_qm_method *m = &fa->methods[j];

			fputs("qm", out);
			w_enum(&w, "kind", qmkind_words, m->kind);
			w_enum(&w, "ah", hash_words, m->ah_hash);
			w_enum(&w, "conf", cipher_words, m->esp_conf);
			w_enum(&w, "auth", hash_words, m->esp_auth);
			w_u(&w, "kb", m->lifetime_kb);
			w_u(&w, "sec", m->lifetime_sec);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < db->n_policies; i++) {
		const struct ns_policy *p = &db->policies[i];

		fputs("policy", out);
		w_str(&w, "guid", p->guid);
		w_str(&w, "isakmp", p->isakmp_guid);
		w_str(&w, "name", p->name);
		w_str(&w, "description", p->description);
		w_i64(&w, "whenchanged", p->whenchanged);
		w_bool(&w, "mmpfs", p->mmpfs);
		w_u(&w, "qmpermm", p->qmpermm);
		w_u(&w, "mmlifetime", p->mmlifetime_min);
		w_u(&w, "pollinginterval", p->pollinginterval_min);
		w_bool(&w, "assigned", p->assigned);
		w_str(&w, "gponame", p->gponame);
		fputc('\n', out);
		for (size_t j = 0; j < p->n_mm_methods; j++) {
			const struct ns_mm_method *m = &p->mm_methods[j];

			fputs("mm", out);
			w_enum(&w, "cipher", cipher_words, m->cipher);
			w_enum(&w, "hash", hash_words, m->hash);
			w_enum(&w, "group", dh_words, m->group);
			fputc('\n', out);
		}
		for (size_t j = 0; j < p->n_rules; j++)
			w_rule(&w, &p->rules[j]);
		w_rule(&w, &p->default_rule);
	}
	fprintf(out, "end\n");
	if (!w.rc && (fflush(out) || ferror(out))) {
		int e = errno ? errno : EIO;

		werr(&w, -e, "export: write failed: %s", strerror(e));
	}
	return w.rc;
}

/* ------------------------------------------------------------------ */
/* Reader */

bool ns_export_detect(const char *buf, size_t len)
{
	size_t m = strlen(MAGIC);

	/* A UTF-8 BOM may come from an editor. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	return len >= m && memcmp(buf, MAGIC, m) == 0 &&
	       (len == m || buf[m] == '\n' || buf[m] == '\r');
}

#define MAX_FIELDS 20

struct field {
	const char *key;
	size_t keylen;
	const char *val;
	size_t vallen;
};

struct rctx {
	char *err;
	size_t errlen;
	unsigned long line;
	struct ns_db db;
	/* The record that children attach to. */
	enum { TOP_NONE, TOP_FL, TOP_FA, TOP_POLICY } top;
	struct ns_rule *rule; /* last rule of the current policy, for auth */
	bool have_default;    /* the current policy has its default rule */
	struct field f[MAX_FIELDS];
	size_t nf;
	size_t next; /* next field to consume */
};

static void rerr_msg(struct rctx *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rerr_msg(struct rctx *r, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->err && r->errlen) {
		if (r->line)
			snprintf(r->err, r->errlen, "import: line %lu: %s", r->line, msg);
		else
			snprintf(r->err, r->errlen, "import: %s", msg);
	}
}

/* A macro so that the static analyser, which does not follow variadic calls,
 * sees that every error path returns non-zero. */
#define rerr(r, ...) (rerr_msg((r), __VA_ARGS__), -EINVAL)

/* Takes the next field, which must be called key. */
static int take(struct rctx *r, const char *key, const struct field **out)
{
	const struct field *f;

	if (r->next >= r->nf)
		return rerr(r, "field %s missing", key);
	f = &r->f[r->next];
	if (f->keylen != strlen(key) || memcmp(f->key, key, f->keylen) != 0)
		return rerr(r, "expected field %s, found %.*s", key,
			    (int)(f->keylen > 40 ? 40 : f->keylen), f->key);
	r->next++;
	*out = f;
	return 0;
}

static int hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int r_str(struct rctx *r, const char *key, char **out)
{
	const struct field *f;
	char *s;
	size_t o = 0;
	int rc = take(r, key, &f);

	if (rc)
		return rc;
	s = malloc(f->vallen + 1);
	if (!s)
		return rerr(r, "out of memory");
	for (size_t i = 0; i < f->vallen; i++) {
		char c = f->val[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= f->vallen) {
				free(s);
				return rerr(r, "field %s: %% must be followed by two hex digits",
					    key);
			}
			hi = hexdig(f->val[i + 1]);
			lo = hexdig(f->val[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(s);
				return rerr(r, "field %s: bad escape (want %%XX, not %%00)", key);
			}
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if ((unsigned char)c < 0x21 || (unsigned char)c > 0x7e) {
			free(s);
			return rerr(r, "field %s: unescaped byte 0x%02X", key, (unsigned char)c);
		} else {
			s[o++] = c;
		}
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

static int r_enum(struct rctx *r, const char *key, const char *const *words, unsigned *out)
{
	const struct field *f;
	int rc = take(r, key, &f);

	if (rc)
		return rc;
	for (unsigned i = 0; words[i]; i++)
		if (strlen(words[i]) == f->vallen && memcmp(words[i], f->val, f->vallen) == 0) {
			*out = i;
			return 0;
		}
	return rerr(r, "field %s: unknown value \"%.*s\"", key,
		    (int)(f->vallen > 40 ? 40 : f->vallen), f->val);
}

static int r_bool(struct rctx *r, const char *key, bool *out)
{
	unsigned v;
	int rc = r_enum(r, key, bool_words, &v);

	if (!rc)
		*out = v != 0;
	return rc;
}

static int r_num(struct rctx *r, const char *key, bool sign, uint64_t max, int64_t *out)
{
	const struct field *f;
	const char *p;
	size_t n;
	bool neg = false;
	uint64_t v = 0;
	int rc = take(r, key, &f);

	if (rc)
		return rc;
	p = f->val;
	n = f->vallen;
	if (sign && n && *p == '-') {
		neg = true;
		p++;
		n--;
	}
	if (!n || n > 20)
		return rerr(r, "field %s: not a decimal number", key);
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return rerr(r, "field %s: not a decimal number", key);
		if (v > (UINT64_MAX - 9) / 10)
			return rerr(r, "field %s: out of range", key);
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > max)
		return rerr(r, "field %s: out of range", key);
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int r_u32(struct rctx *r, const char *key, uint64_t max, uint32_t *out)
{
	int64_t v;
	int rc = r_num(r, key, false, max, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

static int r_time(struct rctx *r, const char *key, int64_t *out)
{
	return r_num(r, key, true, INT64_MAX, out);
}

static int r_ip(struct rctx *r, const char *key, uint32_t *out)
{
	const struct field *f;
	uint32_t a = 0;
	unsigned part = 0, digits = 0, dots = 0;
	int rc = take(r, key, &f);

	if (rc)
		return rc;
	for (size_t i = 0; i <= f->vallen; i++) {
		char c = i < f->vallen ? f->val[i] : '.';

		if (c >= '0' && c <= '9') {
			part = part * 10 + (unsigned)(c - '0');
			if (++digits > 3 || part > 255)
				return rerr(r, "field %s: not a dotted IPv4 address", key);
		} else if (c == '.' && digits) {
			a = (a << 8) | part;
			part = digits = 0;
			dots++;
		} else {
			return rerr(r, "field %s: not a dotted IPv4 address", key);
		}
	}
	if (dots != 4)
		return rerr(r, "field %s: not a dotted IPv4 address", key);
	*out = a;
	return 0;
}

/* A GUID in canonical form, or empty when allow_empty. */
static int r_guid(struct rctx *r, const char *key, bool allow_empty, char out[NS_GUID_LEN + 1])
{
	char *s = NULL;
	int rc = r_str(r, key, &s);

	if (rc)
		return rc;
	if (!s[0] && allow_empty) {
		out[0] = '\0';
	} else if (!ns_guid_parse(s, out) || strlen(s) != NS_GUID_LEN) {
		free(s);
		return rerr(r, "field %s: not a GUID in braces", key);
	}
	free(s);
	return 0;
}

static int end_fields(struct rctx *r)
{
	if (r->next != r->nf)
		return rerr(r, "unexpected field %.*s",
			    (int)(r->f[r->next].keylen > 40 ? 40 : r->f[r->next].keylen),
			    r->f[r->next].key);
	return 0;
}

/* Grows an array by one zeroed element. */
static void *grow(void **arr, size_t *n, size_t sz)
{
	void *p;

	if (*n >= SIZE_MAX / sz - 1)
		return NULL;
	p = realloc(*arr, (*n + 1) * sz);
	if (!p)
		return NULL;
	*arr = p;
	memset((char *)p + *n * sz, 0, sz);
	return (char *)p + (*n)++ * sz;
}

#define GROW(arr, n) grow((void **)&(arr), &(n), sizeof(*(arr)))

static int rec_endpoint(struct rctx *r, const char *pfx, struct ns_endpoint *e)
{
	char key[16];
	unsigned k;
	int rc;

	if ((rc = r_enum(r, pfx, kind_words, &k)))
		return rc;
	e->kind = (enum ns_addr_kind)k;
	snprintf(key, sizeof(key), "%saddr", pfx);
	if ((rc = r_ip(r, key, &e->addr)))
		return rc;
	snprintf(key, sizeof(key), "%smask", pfx);
	if ((rc = r_ip(r, key, &e->mask)))
		return rc;
	snprintf(key, sizeof(key), "%sdns", pfx);
	return r_str(r, key, &e->dnsname);
}

static int rec_filterlist(struct rctx *r)
{
	struct ns_filterlist *fl = GROW(r->db.filterlists, r->db.n_filterlists);
	int rc;

	if (!fl)
		return rerr(r, "out of memory");
	if ((rc = r_guid(r, "guid", false, fl->guid)) || (rc = r_str(r, "name", &fl->name)) ||
	    (rc = r_str(r, "description", &fl->description)) ||
	    (rc = r_time(r, "whenchanged", &fl->whenchanged)))
		return rc;
	r->top = TOP_FL;
	return end_fields(r);
}

static int rec_filter(struct rctx *r)
{
	struct ns_filterlist *fl;
	struct ns_filter *f;
	uint32_t v;
	int rc;

	if (r->top != TOP_FL)
		return rerr(r, "filter outside a filterlist");
	fl = &r->db.filterlists[r->db.n_filterlists - 1];
	f = GROW(fl->filters, fl->n_filters);
	if (!f)
		return rerr(r, "out of memory");
	if ((rc = r_guid(r, "guid", true, f->guid)) ||
	    (rc = r_str(r, "description", &f->description)) ||
	    (rc = rec_endpoint(r, "src", &f->src)) || (rc = rec_endpoint(r, "dst", &f->dst)))
		return rc;
	if ((rc = r_u32(r, "protocol", 255, &v)))
		return rc;
	f->protocol = (uint8_t)v;
	if ((rc = r_u32(r, "srcport", 65535, &v)))
		return rc;
	f->srcport = (uint16_t)v;
	if ((rc = r_u32(r, "dstport", 65535, &v)))
		return rc;
	f->dstport = (uint16_t)v;
	if ((rc = r_bool(r, "mirrored", &f->mirrored)))
		return rc;
	return end_fields(r);
}

static int rec_filteraction(struct rctx *r)
{
	struct ns_filteraction *fa = GROW(r->db.filteractions, r->db.n_filteractions);
	unsigned v;
	int rc;

	if (!fa)
		return rerr(r, "out of memory");
	if ((rc = r_guid(r, "guid", false, fa->guid)) || (rc = r_str(r, "name", &fa->name)) ||
	    (rc = r_str(r, "description", &fa->description)) ||
	    (rc = r_time(r, "whenchanged", &fa->whenchanged)))
		return rc;
	if ((rc = r_enum(r, "type", fatype_words, &v)))
		return rc;
	fa->type = (enum ns_fa_type)v;
	if ((rc = r_enum(r, "action", action_words, &v)))
		return rc;
	fa->action = (enum ns_action)v;
	if ((rc = r_bool(r, "qmpfs", &fa->qmpfs)) || (rc = r_bool(r, "inpass", &fa->inpass)) ||
	    (rc = r_bool(r, "soft", &fa->soft)))
		return rc;
	r->top = TOP_FA;
	return end_fields(r);
}

static int rec_qm(struct rctx *r)
{
	struct ns_filteraction *fa;
	struct ns_qm_method *m;
	unsigned v;
	int rc;

	if (r->top != TOP_FA)
		return rerr(r, "qm outside a filteraction");
	fa = &r->db.filteractions[r->db.n_filteractions - 1];
	m = GROW(fa->methods, fa->n_methods);
	if (!m)
		return rerr(r, "out of memory");
	if ((rc = r_enum(r, "kind", qmkind_words, &v)))
		return rc;
	m->kind = (enum ns_qm_kind)v;
	if ((rc = r_enum(r, "ah", hash_words, &v)))
		return rc;
	m->ah_hash = (enum ns_hash)v;
	if ((rc = r_enum(r, "conf", cipher_words, &v)))
		return rc;
	m->esp_conf = (enum ns_cipher)v;
	if ((rc = r_enum(r, "auth", hash_words, &v)))
		return rc;
	m->esp_auth = (enum ns_hash)v;
	if ((rc = r_u32(r, "kb", UINT32_MAX, &m->lifetime_kb)) ||
	    (rc = r_u32(r, "sec", UINT32_MAX, &m->lifetime_sec)))
		return rc;
	return end_fields(r);
}

static int close_policy(struct rctx *r)
{
	if (r->top == TOP_POLICY && !r->have_default)
		return rerr(r, "policy \"%s\" has no default response rule",
			    r->db.policies[r->db.n_policies - 1].name);
	return 0;
}

static int rec_policy(struct rctx *r)
{
	struct ns_policy *p = GROW(r->db.policies, r->db.n_policies);
	int rc;

	if (!p)
		return rerr(r, "out of memory");
	if ((rc = r_guid(r, "guid", false, p->guid)) ||
	    (rc = r_guid(r, "isakmp", true, p->isakmp_guid)) || (rc = r_str(r, "name", &p->name)) ||
	    (rc = r_str(r, "description", &p->description)) ||
	    (rc = r_time(r, "whenchanged", &p->whenchanged)) ||
	    (rc = r_bool(r, "mmpfs", &p->mmpfs)) ||
	    (rc = r_u32(r, "qmpermm", UINT32_MAX, &p->qmpermm)) ||
	    (rc = r_u32(r, "mmlifetime", UINT32_MAX, &p->mmlifetime_min)) ||
	    (rc = r_u32(r, "pollinginterval", UINT32_MAX, &p->pollinginterval_min)) ||
	    (rc = r_bool(r, "assigned", &p->assigned)) || (rc = r_str(r, "gponame", &p->gponame)))
		return rc;
	r->top = TOP_POLICY;
	r->rule = NULL;
	r->have_default = false;
	return end_fields(r);
}

static int rec_mm(struct rctx *r)
{
	struct ns_policy *p;
	struct ns_mm_method *m;
	unsigned v;
	int rc;

	if (r->top != TOP_POLICY)
		return rerr(r, "mm outside a policy");
	p = &r->db.policies[r->db.n_policies - 1];
	if (p->n_rules || r->have_default)
		return rerr(r, "mm after the policy's rules");
	m = GROW(p->mm_methods, p->n_mm_methods);
	if (!m)
		return rerr(r, "out of memory");
	if ((rc = r_enum(r, "cipher", cipher_words, &v)))
		return rc;
	m->cipher = (enum ns_cipher)v;
	if ((rc = r_enum(r, "hash", hash_words, &v)))
		return rc;
	m->hash = (enum ns_hash)v;
	if ((rc = r_enum(r, "group", dh_words, &v)))
		return rc;
	m->group = (enum ns_dh)v;
	return end_fields(r);
}

static int rec_rule(struct rctx *r)
{
	struct ns_policy *p;
	struct ns_rule tmp = {0}, *ru;
	unsigned v;
	int rc;

	if (r->top != TOP_POLICY)
		return rerr(r, "rule outside a policy");
	p = &r->db.policies[r->db.n_policies - 1];
	if (r->have_default)
		return rerr(r, "rule after the default response rule");
	/* Parsed into a temporary so a half-read rule is freed in one place. */
	if ((rc = r_guid(r, "guid", false, tmp.guid)) ||
	    (rc = r_bool(r, "default", &tmp.is_default)) || (rc = r_str(r, "name", &tmp.name)) ||
	    (rc = r_str(r, "description", &tmp.description)) ||
	    (rc = r_time(r, "whenchanged", &tmp.whenchanged)) ||
	    (rc = r_guid(r, "filterlist", true, tmp.filterlist_guid)) ||
	    (rc = r_guid(r, "filteraction", false, tmp.filteraction_guid)) ||
	    (rc = r_bool(r, "tunnel", &tmp.tunnel_set)) ||
	    (rc = r_ip(r, "tunneladdr", &tmp.tunnel_addr)) ||
	    (rc = r_str(r, "tunneldns", &tmp.tunnel_dnsname)))
		goto fail;
	if ((rc = r_enum(r, "conntype", conn_words, &v)))
		goto fail;
	tmp.conntype = (enum ns_conntype)v;
	if ((rc = r_bool(r, "active", &tmp.active)) || (rc = end_fields(r)))
		goto fail;
	if (tmp.is_default && tmp.filterlist_guid[0]) {
		rc = rerr(r, "the default response rule has no filter list");
		goto fail;
	}
	if (!tmp.is_default && !tmp.filterlist_guid[0]) {
		rc = rerr(r, "rule without a filter list");
		goto fail;
	}
	if (tmp.is_default) {
		ru = &p->default_rule;
		r->have_default = true;
	} else {
		ru = GROW(p->rules, p->n_rules);
		if (!ru) {
			rc = rerr(r, "out of memory");
			goto fail;
		}
	}
	*ru = tmp;
	r->rule = ru;
	return 0;
fail:
	ns_rule_free(&tmp);
	return rc;
}

static int rec_auth(struct rctx *r)
{
	struct ns_auth *a;
	unsigned v;
	int rc;

	if (r->top != TOP_POLICY || !r->rule)
		return rerr(r, "auth outside a rule");
	a = GROW(r->rule->auth, r->rule->n_auth);
	if (!a)
		return rerr(r, "out of memory");
	if ((rc = r_enum(r, "kind", auth_words, &v)))
		return rc;
	a->kind = (enum ns_auth_kind)v;
	if ((rc = r_str(r, "value", &a->value)) || (rc = r_bool(r, "certmap", &a->certmap)) ||
	    (rc = r_bool(r, "excludecaname", &a->excludecaname)))
		return rc;
	return end_fields(r);
}

/* Splits one line (without its end) into the record word and fields. */
static int split(struct rctx *r, const char *s, size_t n, const char **word, size_t *wlen)
{
	size_t i = 0;

	r->nf = r->next = 0;
	*wlen = 0;
	*word = s;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	*wlen = i;
	while (i < n) {
		size_t st, eq = 0;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			if (!eq && s[i] == '=')
				eq = i;
			i++;
		}
		if (!eq)
			return rerr(r, "field \"%.*s\" is not key=value",
				    (int)(i - st > 40 ? 40 : i - st), s + st);
		if (r->nf == MAX_FIELDS)
			return rerr(r, "too many fields");
		r->f[r->nf++] = (struct field){
			.key = s + st, .keylen = eq - st, .val = s + eq + 1, .vallen = i - eq - 1};
	}
	return 0;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Duplicate GUIDs and names, dangling references, several assigned
 * policies: what a store could not hold. */
static int check_db(struct rctx *r)
{
	const struct ns_db *db = &r->db;
	struct ns_dbindex x;
	const char *dup, *kind, *what;
	size_t assigned = 0;
	int rc = 0;

	r->line = 0;
	if (ns_dbindex_build(&x, db))
		return rerr(r, "out of memory");
	dup = ns_dbindex_dup(&x, &kind, &what);
	if (dup && !strcmp(what, "guid"))
		rc = rerr(r, "%s GUID %s appears twice", kind, dup);
	else if (dup)
		rc = rerr(r, "two %s are named \"%s\"",
			  !strcmp(kind, "policy")	 ? "policies"
			  : !strcmp(kind, "filter list") ? "filter lists"
							 : "filter actions",
			  dup);
	for (size_t i = 0; !rc && i < db->n_policies; i++) {
		const struct ns_policy *p = &db->policies[i];

		assigned += p->assigned;
		for (size_t j = 0; !rc && j <= p->n_rules; j++) {
			const struct ns_rule *ru = j < p->n_rules ? &p->rules[j] : &p->default_rule;

			if (!ru->is_default && !ns_dbindex_fl(&x, ru->filterlist_guid))
				rc = rerr(
					r,
					"rule %s of policy \"%s\" uses the missing filter list %s",
					ru->guid, p->name, ru->filterlist_guid);
			else if (!ns_dbindex_fa(&x, ru->filteraction_guid))
				rc = rerr(r,
					  "rule %s of policy \"%s\" uses the missing filter action "
					  "%s",
					  ru->guid, p->name, ru->filteraction_guid);
		}
	}
	if (!rc && assigned > 1)
		rc = rerr(r, "%zu policies are assigned; at most one may be", assigned);
	ns_dbindex_free(&x);
	return rc;
}

int ns_export_read(const char *buf, size_t len, struct ns_db *db, char *err, size_t errlen)
{
	struct rctx r = {.err = err, .errlen = errlen};
	size_t pos = 0;
	bool ended = false;
	int rc = 0;

	memset(db, 0, sizeof(*db));
	if (!ns_export_detect(buf, len)) {
		r.line = 1;
		return rerr(&r, "not a netsh-ipsec export (first line must be \"%s\")", MAGIC);
	}
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		const char *word;
		size_t wlen;

		pos += n + (nl ? 1 : 0);
		r.line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (memchr(s, '\0', n)) {
			rc = rerr(&r, "NUL byte");
			break;
		}
		if (r.line == 1)
			continue; /* the magic, checked above */
		if (ended) {
			if (n) {
				rc = rerr(&r, "text after the end line");
				break;
			}
			continue;
		}
		if (!n || s[0] == '#')
			continue;
		if ((rc = split(&r, s, n, &word, &wlen)))
			break;
		if (word_is(word, wlen, "filterlist") || word_is(word, wlen, "filteraction") ||
		    word_is(word, wlen, "policy") || word_is(word, wlen, "end")) {
			if ((rc = close_policy(&r)))
				break;
		}
		if (word_is(word, wlen, "filterlist"))
			rc = rec_filterlist(&r);
		else if (word_is(word, wlen, "filter"))
			rc = rec_filter(&r);
		else if (word_is(word, wlen, "filteraction"))
			rc = rec_filteraction(&r);
		else if (word_is(word, wlen, "qm"))
			rc = rec_qm(&r);
		else if (word_is(word, wlen, "policy"))
			rc = rec_policy(&r);
		else if (word_is(word, wlen, "mm"))
			rc = rec_mm(&r);
		else if (word_is(word, wlen, "rule"))
			rc = rec_rule(&r);
		else if (word_is(word, wlen, "auth"))
			rc = rec_auth(&r);
		else if (word_is(word, wlen, "end")) {
			rc = end_fields(&r);
			ended = true;
			r.top = TOP_NONE;
		} else
			rc = rerr(&r, "unknown record \"%.*s\"", (int)(wlen > 40 ? 40 : wlen),
				  word);
		if (rc)
			break;
	}
	if (!rc && !ended) {
		r.line = 0;
		rc = rerr(&r, "the file ends without its \"end\" line (truncated?)");
	}
	if (!rc)
		rc = check_db(&r);
	if (rc) {
		ns_db_free(&r.db);
		return rc;
	}
	*db = r.db;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Equality, for round-trip checks */

bool ns_db_equal(const struct ns_db *a, const struct ns_db *b)
{
	if (a->n_filterlists != b->n_filterlists || a->n_filteractions != b->n_filteractions ||
	    a->n_policies != b->n_policies)
		return false;
	for (size_t i = 0; i < a->n_filterlists; i++)
		if (!ns_filterlist_equal(&a->filterlists[i], &b->filterlists[i]))
			return false;
	for (size_t i = 0; i < a->n_filteractions; i++) {
		const struct ns_filteraction *x = &a->filteractions[i], *y = &b->filteractions[i];

		if (strcmp(x->guid, y->guid) || !ns_str_equal(x->name, y->name) ||
		    !ns_str_equal(x->description, y->description) ||
		    x->whenchanged != y->whenchanged || x->type != y->type ||
		    x->action != y->action || x->qmpfs != y->qmpfs || x->inpass != y->inpass ||
		    x->soft != y->soft || x->n_methods != y->n_methods)
			return false;
		for (size_t j = 0; j < x->n_methods; j++)
			if (!ns_qm_method_equal(&x->methods[j], &y->methods[j]))
				return false;
	}
	for (size_t i = 0; i < a->n_policies; i++) {
		const struct ns_policy *x = &a->policies[i], *y = &b->policies[i];

		if (strcmp(x->guid, y->guid) || strcmp(x->isakmp_guid, y->isakmp_guid) ||
		    !ns_str_equal(x->name, y->name) ||
		    !ns_str_equal(x->description, y->description) ||
		    x->whenchanged != y->whenchanged || x->mmpfs != y->mmpfs ||
		    x->qmpermm != y->qmpermm || x->mmlifetime_min != y->mmlifetime_min ||
		    x->pollinginterval_min != y->pollinginterval_min ||
		    x->assigned != y->assigned || !ns_str_equal(x->gponame, y->gponame) ||
		    x->n_mm_methods != y->n_mm_methods || x->n_rules != y->n_rules ||
		    !ns_rule_equal(&x->default_rule, &y->default_rule))
			return false;
		for (size_t j = 0; j < x->n_mm_methods; j++)
			if (!ns_mm_method_equal(&x->mm_methods[j], &y->mm_methods[j]))
				return false;
		for (size_t j = 0; j < x->n_rules; j++)
			if (!ns_rule_equal(&x->rules[j], &y->rules[j]))
				return false;
	}
	return true;
}
