// SPDX-License-Identifier: GPL-2.0
#include "winreg/blob.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guid.h"
#include "winreg/regfile.h"
#include "lib/errmsg.h"

/* ---- reading ------------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;      /* ran past the end */
	size_t bad_at; /* offset of the first field that did not fit */
	const char *what;
};

static bool need(struct rd *r, size_t n, const char *what)
{
	if (r->bad)
		return false;
	if (n > r->len - r->off) {
		r->bad = true;
		r->bad_at = r->off;
		r->what = what;
		return false;
	}
	return true;
}

static uint32_t get_u32(struct rd *r, const char *what)
{
	const uint8_t *q;

	if (!need(r, 4, what))
		return 0;
	q = r->p + r->off;
	r->off += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

static uint16_t get_u16(struct rd *r, const char *what)
{
	const uint8_t *q;

	if (!need(r, 2, what))
		return 0;
	q = r->p + r->off;
	r->off += 2;
	return (uint16_t)(q[0] | q[1] << 8);
}

static uint8_t get_u8(struct rd *r, const char *what)
{
	if (!need(r, 1, what))
		return 0;
	return r->p[r->off++];
}

/* Network order bytes a.b.c.d to a host order address. */
static uint32_t get_ip(struct rd *r, const char *what)
{
	const uint8_t *q;

	if (!need(r, 4, what))
		return 0;
	q = r->p + r->off;
	r->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static void get_guid(struct rd *r, char out[NS_GUID_LEN + 1], const char *what)
{
	if (!need(r, 16, what)) {
		out[0] = '\0';
		return;
	}
	ns_guid_from_bin(r->p + r->off, out);
	r->off += 16;
}

static void skip(struct rd *r, size_t n, const char *what)
{
	if (need(r, n, what))
		r->off += n;
}

/* u32 byte length (terminator included) + UTF-16LE.  NULL on truncation
 * or out of memory (r->bad tells which). */
static char *get_str_n(struct rd *r, uint32_t n, const char *what)
{
	char *s;

	if (!need(r, n, what))
		return NULL;
	s = ns_utf16le_to_utf8(r->p + r->off, n & ~1u, NULL);
	r->off += n;
	if (!s)
		return NULL;
	return s;
}

static char *get_str(struct rd *r, const char *what)
{
	size_t at = r->off;
	uint32_t n = get_u32(r, what);

	if (r->bad)
		return NULL;
	if (n > r->len - r->off) {
		r->bad = true;
		r->bad_at = at;
		r->what = what;
		return NULL;
	}
	return get_str_n(r, n, what);
}

static int rd_fail(const struct rd *r, const struct ns_blob_diag *d, char *err, size_t errlen)
{
	if (!r->bad) {
		ns_errmsg(err, errlen, "%s: out of memory", d->key);
		return -ENOMEM;
	}
	ns_errmsg(err, errlen, "%s: %s: blob of %zu bytes ends inside %s at byte offset %zu",
		  d->key, d->value, r->len, r->what, r->bad_at);
	return -EBADMSG;
}

/*
 * n entries of at least min bytes each follow: a count the rest of the blob
 * cannot hold is refused (so it bounds the allocation) and marks the blob bad
 * at the count's end, naming what; else the zeroed array. NULL either way
 * goes to rd_fail(), which tells the two apart.
 */
static void *get_array(struct rd *r, uint32_t n, size_t min, size_t elem, const char *what)
{
	if ((size_t)n > (r->len - r->off) / min) {
		r->bad = true;
		r->bad_at = r->off;
		r->what = what;
		return NULL;
	}
	return calloc(n ? n : 1, elem);
}

int ns_winreg_report_add(struct ns_winreg_report *rep, const char *fmt, ...)
{
	va_list ap;
	char *line, **nl;
	int n;

	if (!rep)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	nl = realloc(rep->lines, (rep->n + 1) * sizeof(*nl));
	if (!nl) {
		free(line);
		return -ENOMEM;
	}
	rep->lines = nl;
	rep->lines[rep->n++] = line;
	return 0;
}

#define WARN(d, fmt, ...)                                                                          \
	ns_winreg_report_add((d)->rep, "%s: %s: " fmt, (d)->key, (d)->value, __VA_ARGS__)

/* Checks the frame and leaves r at the body. */
static int frame(struct rd *r, const uint8_t *b, size_t len, const char *cls,
		 const struct ns_blob_diag *d, char *err, size_t errlen)
{
	char g[NS_GUID_LEN + 1];

	memset(r, 0, sizeof(*r));
	r->p = b;
	r->len = len;
	get_guid(r, g, "the class GUID");
	(void)get_u32(r, "the data length");
	if (r->bad)
		return rd_fail(r, d, err, errlen);
	if (!ns_guid_eq(g, cls)) {
		ns_errmsg(err, errlen, "%s: %s: class GUID %s at byte offset 0, expected %s",
			  d->key, d->value, g, cls);
		return -EBADMSG;
	}
	return 0;
}

/* What follows the structure: one 0x00 is the normal end. */
static void trailer(const struct rd *r, const struct ns_blob_diag *d, const char *what)
{
	size_t rest = r->len - r->off;

	if (rest == 0 || (rest == 1 && r->p[r->off] == 0))
		return;
	WARN(d, "%zu bytes after the structure ignored at byte offset %zu (%s)", rest, r->off,
	     what);
}

/* ---- writing ------------------------------------------------------------ */

void ns_bbuf_free(struct ns_bbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static uint8_t *put(struct ns_bbuf *b, size_t n)
{
	uint8_t *q;

	if (b->oom)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return NULL;
		}
		b->p = np;
		b->cap = cap;
	}
	q = b->p + b->len;
	memset(q, 0, n);
	b->len += n;
	return q;
}

static void le32(uint8_t *q, uint32_t v)
{
	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
	q[2] = (uint8_t)(v >> 16);
	q[3] = (uint8_t)(v >> 24);
}

static void put_u32(struct ns_bbuf *b, uint32_t v)
{
	uint8_t *q = put(b, 4);

	if (q)
		le32(q, v);
}

static void put_u16(struct ns_bbuf *b, uint16_t v)
{
	uint8_t *q = put(b, 2);

	if (q) {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
	}
}

static void put_u8(struct ns_bbuf *b, uint8_t v)
{
	uint8_t *q = put(b, 1);

	if (q)
		q[0] = v;
}

static void put_ip(struct ns_bbuf *b, uint32_t a)
{
	uint8_t *q = put(b, 4);

	if (q) {
		q[0] = (uint8_t)(a >> 24);
		q[1] = (uint8_t)(a >> 16);
		q[2] = (uint8_t)(a >> 8);
		q[3] = (uint8_t)a;
	}
}

static void put_guid(struct ns_bbuf *b, const char *g)
{
	uint8_t *q = put(b, 16);

	if (q)
		ns_guid_to_bin(g, q);
}

static void put_str(struct ns_bbuf *b, const char *s)
{
	size_t n;
	uint8_t *u = ns_utf8_to_utf16le(s ? s : "", &n);
	uint8_t *q;

	if (!u) {
		b->oom = true;
		return;
	}
	put_u32(b, (uint32_t)(n + 2));
	q = put(b, n + 2);
	if (q)
		memcpy(q, u, n + 2);
	free(u);
}

static size_t frame_begin(struct ns_bbuf *b, const char *cls)
{
	put_guid(b, cls);
	put_u32(b, 0);
	return b->len;
}

static void frame_end(struct ns_bbuf *b, size_t body)
{
	if (!b->oom)
		le32(b->p + body - 4, (uint32_t)(b->len - body));
	put_u8(b, 0);
}

/* ---- algorithm codes ---------------------------------------------------- */

static uint32_t win_cipher(enum ns_cipher c)
{
	switch (c) {
	case NS_CIPHER_NONE:
		return 0;
	case NS_CIPHER_DES:
		return 1;
	default:
		return 3; /* 3DES, and the nearest Windows 2003 has for AES */
	}
}

static uint32_t win_hash(enum ns_hash h)
{
	switch (h) {
	case NS_HASH_NONE:
		return 0;
	case NS_HASH_MD5:
		return 1;
	default:
		return 2; /* SHA1, and the nearest for SHA-2 */
	}
}

static uint32_t win_dh(enum ns_dh g)
{
	switch (g) {
	case NS_DH_1:
		return 1;
	case NS_DH_2:
		return 2;
	default:
		return NS_WIN_DH_2048;
	}
}

bool ns_blob_mm_windows(const struct ns_mm_method *m)
{
	return (m->cipher == NS_CIPHER_DES || m->cipher == NS_CIPHER_3DES) &&
	       (m->hash == NS_HASH_MD5 || m->hash == NS_HASH_SHA1) &&
	       (m->group == NS_DH_1 || m->group == NS_DH_2 || m->group == NS_DH_3);
}

static bool qm_hash_ok(enum ns_hash h)
{
	return h == NS_HASH_NONE || h == NS_HASH_MD5 || h == NS_HASH_SHA1;
}

bool ns_blob_qm_windows(const struct ns_qm_method *m)
{
	return qm_hash_ok(m->ah_hash) && qm_hash_ok(m->esp_auth) && m->esp_conf <= NS_CIPHER_3DES;
}

static bool dec_cipher(uint32_t v, bool allow_none, enum ns_cipher *out)
{
	switch (v) {
	case 0:
		*out = NS_CIPHER_NONE;
		return allow_none;
	case 1:
		*out = NS_CIPHER_DES;
		return true;
	case 2:
	case 3:
		*out = NS_CIPHER_3DES;
		return true;
	default:
		return false;
	}
}

static bool dec_hash(uint32_t v, bool allow_none, enum ns_hash *out)
{
	switch (v) {
	case 0:
		*out = NS_HASH_NONE;
		return allow_none;
	case 1:
		*out = NS_HASH_MD5;
		return true;
	case 2:
		*out = NS_HASH_SHA1;
		return true;
	default:
		return false;
	}
}

/* ---- ipsecPolicy -------------------------------------------------------- */

int ns_blob_policy_decode(const uint8_t *b, size_t len, uint32_t *polling_sec,
			  const struct ns_blob_diag *d, char *err, size_t errlen)
{
	struct rd r;
	int rc = frame(&r, b, len, NS_CLASS_POLICY, d, err, errlen);

	if (rc)
		return rc;
	*polling_sec = get_u32(&r, "the polling interval");
	if (r.bad)
		return rd_fail(&r, d, err, errlen);
	if (*polling_sec == 0)
		*polling_sec = 10800;
	trailer(&r, d, "unknown policy fields");
	return 0;
}

void ns_blob_policy_encode(struct ns_bbuf *out, uint32_t polling_sec)
{
	size_t body = frame_begin(out, NS_CLASS_POLICY);

	put_u32(out, polling_sec);
	frame_end(out, body);
}

/* ---- ipsecISAKMPPolicy -------------------------------------------------- */

int ns_blob_isakmp_decode(const uint8_t *b, size_t len, struct ns_blob_isakmp *out,
			  const struct ns_blob_diag *d, char *err, size_t errlen)
{
	struct rd r;
	uint32_t n;
	int rc = frame(&r, b, len, NS_CLASS_ISAKMP, d, err, errlen);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	get_guid(&r, out->guid, "the ISAKMP instance GUID");
	skip(&r, 4, "the ISAKMP flags");
	out->pfs = get_u32(&r, "the master PFS flag") != 0;
	out->options = get_u32(&r, "the ISAKMP options");
	skip(&r, 4, "the ISAKMP options");
	out->qmpermm = get_u32(&r, "quick modes per main mode");
	out->lifetime_sec = get_u32(&r, "the main mode lifetime");
	skip(&r, 20, "the ISAKMP reserved fields");
	n = get_u32(&r, "the method count");
	if (r.bad)
		return rd_fail(&r, d, err, errlen);
	if (out->lifetime_sec == 0)
		out->lifetime_sec = 28800;
	if (out->options & ~(NS_WIN_OPT_CERTMAP | NS_WIN_OPT_EXCLUDECA))
		WARN(d, "unknown ISAKMP option bits 0x%x at byte offset %u ignored",
		     out->options & ~(NS_WIN_OPT_CERTMAP | NS_WIN_OPT_EXCLUDECA),
		     NS_BLOB_HDR + 24u);
	out->methods = get_array(&r, n, NS_WIN_ISAKMP_METHOD, sizeof(*out->methods),
				 "the main mode methods");
	if (!out->methods)
		return rd_fail(&r, d, err, errlen);
	for (uint32_t i = 0; i < n; i++) {
		size_t at = r.off;
		const uint8_t *m = r.p + at;
		struct rd mr = {.p = m, .len = NS_WIN_ISAKMP_METHOD};
		struct ns_mm_method mm = {0};
		uint32_t cipher, hash, group;
		uint8_t ovr;

		skip(&mr, 4, "");
		cipher = get_u32(&mr, "");
		skip(&mr, 8, "");
		hash = get_u32(&mr, "");
		mr.off = 36;
		ovr = get_u8(&mr, "");
		mr.off = 44;
		group = get_u32(&mr, "");
		r.off += NS_WIN_ISAKMP_METHOD;
		if (ovr) {
			static const struct ns_mm_method o[4] = {
				{NS_CIPHER_DES, NS_HASH_MD5, NS_DH_3},
				{NS_CIPHER_DES, NS_HASH_SHA1, NS_DH_3},
				{NS_CIPHER_3DES, NS_HASH_MD5, NS_DH_3},
				{NS_CIPHER_3DES, NS_HASH_SHA1, NS_DH_3},
			};

			if (ovr <= 4) {
				out->methods[out->n_methods++] = o[ovr - 1];
				continue;
			}
			WARN(d, "method %u: unknown override byte %u at byte offset %zu ignored",
			     i + 1, ovr, at + 36);
		}
		if (!dec_cipher(cipher, false, &mm.cipher)) {
			WARN(d, "method %u: unknown cipher %u at byte offset %zu, method skipped",
			     i + 1, cipher, at + 4);
			continue;
		}
		if (!dec_hash(hash, false, &mm.hash)) {
			WARN(d, "method %u: unknown hash %u at byte offset %zu, method skipped",
			     i + 1, hash, at + 16);
			continue;
		}
		if (group == 1)
			mm.group = NS_DH_1;
		else if (group == 2)
			mm.group = NS_DH_2;
		else if (group == NS_WIN_DH_2048 || group == 3)
			mm.group = NS_DH_3;
		else {
			WARN(d,
			     "method %u: unknown DH group 0x%x at byte offset %zu, method skipped",
			     i + 1, group, at + 44);
			continue;
		}
		out->methods[out->n_methods++] = mm;
	}
	if (n && !out->n_methods) {
		free(out->methods);
		out->methods = NULL;
		ns_errmsg(err, errlen, "%s: %s: none of the %u main mode methods is usable", d->key,
			  d->value, n);
		return -EBADMSG;
	}
	trailer(&r, d, "unknown ISAKMP fields");
	return 0;
}

void ns_blob_isakmp_encode(struct ns_bbuf *out, const struct ns_blob_isakmp *in)
{
	size_t body = frame_begin(out, NS_CLASS_ISAKMP);

	put_guid(out, in->guid);
	put_u32(out, 0);
	put_u32(out, in->pfs);
	put_u32(out, in->options);
	put_u32(out, 0);
	put_u32(out, in->qmpermm);
	put_u32(out, in->lifetime_sec);
	put(out, 20);
	put_u32(out, (uint32_t)in->n_methods);
	for (size_t i = 0; i < in->n_methods; i++) {
		const struct ns_mm_method *m = &in->methods[i];
		uint8_t *q = put(out, NS_WIN_ISAKMP_METHOD);

		if (!q)
			return;
		le32(q + 4, win_cipher(m->cipher));
		/* What Windows Server 2003 leaves in the fields it ignores. */
		le32(q + 8, 0x40);
		le32(q + 12, 8);
		le32(q + 16, win_hash(m->hash));
		le32(q + 44, win_dh(m->group));
		le32(q + 48, in->qmpermm);
		le32(q + 52, 0);
		le32(q + 56, in->lifetime_sec);
	}
	frame_end(out, body);
}

/* ---- ipsecNFA ----------------------------------------------------------- */

int ns_blob_nfa_decode(const uint8_t *b, size_t len, struct ns_rule *r,
		       const struct ns_blob_diag *d, char *err, size_t errlen)
{
	struct rd rr;
	uint32_t n, iftype, is_tunnel;
	char *ifname = NULL;
	int rc = frame(&rr, b, len, NS_CLASS_NFA, d, err, errlen);

	if (rc)
		return rc;
	n = get_u32(&rr, "the authentication method count");
	if (rr.bad)
		return rd_fail(&rr, d, err, errlen);
	/* Each entry is at least 8 bytes: bound the allocation by the blob. */
	r->auth = get_array(&rr, n, 8, sizeof(*r->auth), "the authentication methods");
	if (!r->auth)
		return rd_fail(&rr, d, err, errlen);
	r->n_auth = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = rr.off;
		uint32_t type = get_u32(&rr, "an authentication method");
		uint32_t alen = get_u32(&rr, "an authentication method");
		char *val;

		if (rr.bad || alen > rr.len - rr.off) {
			if (!rr.bad) {
				rr.bad = true;
				rr.bad_at = at + 4;
				rr.what = "an authentication method";
			}
			goto bad;
		}
		if (type != NS_WIN_AUTH_PSK && type != NS_WIN_AUTH_CA &&
		    type != NS_WIN_AUTH_KERBEROS) {
			WARN(d,
			     "authentication method %u: unknown type %u at byte offset %zu skipped",
			     i + 1, type, at);
			rr.off += alen;
			continue;
		}
		val = get_str_n(&rr, alen, "an authentication method");
		if (!val)
			goto bad;
		r->auth[r->n_auth].kind = type == NS_WIN_AUTH_PSK  ? NS_AUTH_PSK
					  : type == NS_WIN_AUTH_CA ? NS_AUTH_ROOTCA
								   : NS_AUTH_KERBEROS;
		if (type == NS_WIN_AUTH_KERBEROS)
			val[0] = '\0';
		r->auth[r->n_auth++].value = val;
	}
	{
		size_t at = rr.off;

		iftype = get_u32(&rr, "the interface type");
		if (!rr.bad) {
			if (iftype == NS_WIN_IF_LAN) {
				r->conntype = NS_CONN_LAN;
			} else if (iftype == NS_WIN_IF_DIALUP) {
				r->conntype = NS_CONN_DIALUP;
			} else {
				r->conntype = NS_CONN_ALL;
				if (iftype != NS_WIN_IF_ALL)
					WARN(d,
					     "interface type 0x%x at byte offset %zu is not "
					     "all/lan/"
					     "dialup: read as all",
					     iftype, at);
			}
		}
	}
	{
		size_t at = rr.off;

		ifname = get_str(&rr, "the interface name");
		if (!ifname)
			goto bad;
		if (*ifname)
			WARN(d,
			     "interface name \"%s\" at byte offset %zu cannot be enforced: the "
			     "rule "
			     "applies to every interface of its connection type",
			     ifname, at);
		free(ifname);
	}
	r->tunnel_addr = get_ip(&rr, "the tunnel address");
	is_tunnel = get_u32(&rr, "the tunnel flag");
	r->active = get_u32(&rr, "the active flag") != 0;
	if (rr.bad)
		goto bad;
	r->tunnel_set = is_tunnel != 0;
	if (!r->tunnel_set && r->tunnel_addr) {
		WARN(d,
		     "tunnel address with the tunnel flag off at byte offset %zu: transport mode",
		     rr.off - 12);
		r->tunnel_addr = 0;
	}
	free(r->tunnel_dnsname);
	r->tunnel_dnsname = NULL;
	/* Windows 2000 blobs can end before the DNS name: it is then empty. */
	if (rr.len - rr.off >= 4) {
		r->tunnel_dnsname = get_str(&rr, "the tunnel DNS name");
		if (!r->tunnel_dnsname)
			goto bad;
	} else {
		r->tunnel_dnsname = strdup("");
		if (!r->tunnel_dnsname)
			goto bad;
	}
	if (!r->tunnel_set && r->tunnel_dnsname[0]) {
		WARN(d, "tunnel DNS name \"%s\" with the tunnel flag off: transport mode",
		     r->tunnel_dnsname);
		r->tunnel_dnsname[0] = '\0';
	}
	trailer(&rr, d, "Vista and later rule extensions");
	return 0;
bad:
	for (size_t i = 0; i < r->n_auth; i++)
		ns_auth_free(&r->auth[i]);
	free(r->auth);
	r->auth = NULL;
	r->n_auth = 0;
	return rd_fail(&rr, d, err, errlen);
}

void ns_blob_nfa_encode(struct ns_bbuf *out, const struct ns_rule *r)
{
	size_t body = frame_begin(out, NS_CLASS_NFA);

	put_u32(out, (uint32_t)r->n_auth);
	for (size_t i = 0; i < r->n_auth; i++) {
		const struct ns_auth *a = &r->auth[i];

		switch (a->kind) {
		case NS_AUTH_PSK:
			put_u32(out, NS_WIN_AUTH_PSK);
			put_str(out, a->value);
			break;
		case NS_AUTH_ROOTCA:
			put_u32(out, NS_WIN_AUTH_CA);
			put_str(out, a->value);
			break;
		default:
			put_u32(out, NS_WIN_AUTH_KERBEROS);
			put_str(out, "");
			break;
		}
	}
	put_u32(out, r->conntype == NS_CONN_LAN	     ? NS_WIN_IF_LAN
		     : r->conntype == NS_CONN_DIALUP ? NS_WIN_IF_DIALUP
						     : NS_WIN_IF_ALL);
	put_str(out, "");
	put_ip(out, r->tunnel_set ? r->tunnel_addr : 0);
	put_u32(out, r->tunnel_set);
	put_u32(out, r->active);
	put_str(out, r->tunnel_set && r->tunnel_dnsname ? r->tunnel_dnsname : "");
	frame_end(out, body);
}

/* ---- ipsecNegotiationPolicy --------------------------------------------- */

static bool dec_offer(struct rd *r, size_t at, uint32_t idx, struct ns_qm_method *m, bool *soft,
		      bool *pfs, const struct ns_blob_diag *d)
{
	struct rd o = {.p = r->p + at, .len = NS_WIN_OFFER};
	uint32_t sec = get_u32(&o, ""), kb = get_u32(&o, "");
	uint32_t cnt, n_ah = 0, n_esp = 0;

	skip(&o, 4, "");
	*pfs = get_u32(&o, "") != 0;
	cnt = get_u32(&o, "");
	memset(m, 0, sizeof(*m));
	m->lifetime_sec = sec ? sec : NS_QM_DEFAULT_SEC;
	m->lifetime_kb = kb ? kb : NS_QM_DEFAULT_KB;
	if (cnt == 0) {
		*soft = true;
		return false;
	}
	if (cnt > 3) {
		WARN(d, "offer %u: %u transforms at byte offset %zu (at most 3): offer skipped",
		     idx, cnt, at + 16);
		return false;
	}
	/* Only the first cnt transforms are meaningful; the rest is garbage. */
	for (uint32_t t = 0; t < cnt; t++) {
		size_t tat = 20 + 20 * (size_t)t;
		uint32_t alg, integ, type;

		o.off = tat;
		alg = get_u32(&o, "");
		integ = get_u32(&o, "");
		type = get_u32(&o, "");
		if (type == 1 && !n_ah) {
			if (!dec_hash(alg, false, &m->ah_hash)) {
				WARN(d,
				     "offer %u: unknown AH hash %u at byte offset %zu: offer "
				     "skipped",
				     idx, alg, at + tat);
				return false;
			}
			n_ah++;
		} else if (type == 2 && !n_esp) {
			if (!dec_cipher(alg, true, &m->esp_conf) ||
			    !dec_hash(integ, true, &m->esp_auth) ||
			    (m->esp_conf == NS_CIPHER_NONE && m->esp_auth == NS_HASH_NONE)) {
				WARN(d,
				     "offer %u: unusable ESP cipher %u / integrity %u at byte "
				     "offset "
				     "%zu: offer skipped",
				     idx, alg, integ, at + tat);
				return false;
			}
			n_esp++;
		} else {
			WARN(d, "offer %u: transform %u of type %u at byte offset %zu ignored", idx,
			     t + 1, type, at + tat + 8);
		}
	}
	if (n_ah && n_esp)
		m->kind = NS_QM_AH_ESP;
	else if (n_ah)
		m->kind = NS_QM_AH;
	else if (n_esp)
		m->kind = NS_QM_ESP;
	else
		return false;
	return true;
}

int ns_blob_negpol_decode(const uint8_t *b, size_t len, struct ns_filteraction *fa,
			  const struct ns_blob_diag *d, char *err, size_t errlen)
{
	struct rd r;
	uint32_t n;
	bool pfs_seen = false;
	int rc = frame(&r, b, len, NS_CLASS_NEGPOL, d, err, errlen);

	if (rc)
		return rc;
	n = get_u32(&r, "the offer count");
	if (r.bad)
		return rd_fail(&r, d, err, errlen);
	fa->methods = get_array(&r, n, NS_WIN_OFFER, sizeof(*fa->methods), "the offers");
	if (!fa->methods)
		return rd_fail(&r, d, err, errlen);
	fa->n_methods = 0;
	fa->soft = false;
	fa->qmpfs = false;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = r.off;
		bool pfs = false;

		r.off += NS_WIN_OFFER;
		if (!dec_offer(&r, at, i + 1, &fa->methods[fa->n_methods], &fa->soft, &pfs, d))
			continue;
		if (pfs_seen && pfs != fa->qmpfs)
			WARN(d,
			     "offer %u: PFS flag at byte offset %zu differs from the first "
			     "offer's: "
			     "the first one is used",
			     i + 1, at + 12);
		if (!pfs_seen)
			fa->qmpfs = pfs;
		pfs_seen = true;
		fa->n_methods++;
	}
	trailer(&r, d, "unknown filter action fields");
	return 0;
}

void ns_blob_negpol_encode(struct ns_bbuf *out, const struct ns_filteraction *fa)
{
	size_t body = frame_begin(out, NS_CLASS_NEGPOL);
	bool neg = fa->action == NS_ACTION_NEGOTIATE;
	size_t n = neg ? fa->n_methods : 0;

	put_u32(out, (uint32_t)(n + (neg && fa->soft)));
	for (size_t i = 0; i < n; i++) {
		const struct ns_qm_method *m = &fa->methods[i];
		uint8_t *q = put(out, NS_WIN_OFFER);
		size_t t = 0;

		if (!q)
			return;
		le32(q, m->lifetime_sec);
		le32(q + 4, m->lifetime_kb);
		le32(q + 12, fa->qmpfs);
		if (m->kind == NS_QM_AH || m->kind == NS_QM_AH_ESP) {
			le32(q + 20, win_hash(m->ah_hash));
			le32(q + 28, 1);
			t++;
		}
		if (m->kind == NS_QM_ESP || m->kind == NS_QM_AH_ESP) {
			le32(q + 20 + 20 * t, win_cipher(m->esp_conf));
			le32(q + 24 + 20 * t, win_hash(m->esp_auth));
			le32(q + 28 + 20 * t, 2);
			t++;
		}
		le32(q + 16, (uint32_t)t);
	}
	/* soft: an offer without transforms, "no security" as the last choice. */
	if (neg && fa->soft)
		put(out, NS_WIN_OFFER);
	frame_end(out, body);
}

/* ---- ipsecFilter -------------------------------------------------------- */

static void endpoint_from(struct ns_endpoint *e, uint32_t addr, uint32_t mask, char *dns)
{
	if (dns && *dns) {
		e->kind = NS_ADDR_DNS_NAME;
		e->dnsname = dns;
	} else {
		free(dns);
		e->dnsname = NULL;
		if (addr == 0 && mask == 0)
			e->kind = NS_ADDR_ANY;
		else if (addr == 0 && mask == 0xFFFFFFFFu)
			e->kind = NS_ADDR_ME;
		else
			e->kind = NS_ADDR_IP;
	}
	e->addr = e->kind == NS_ADDR_ME ? 0 : addr;
	e->mask = mask;
}

static bool mask_contiguous(uint32_t m)
{
	return (~m & (~m + 1)) == 0;
}

int ns_blob_filter_decode(const uint8_t *b, size_t len, struct ns_filterlist *fl,
			  const struct ns_blob_diag *d, char *err, size_t errlen)
{
	struct rd r;
	uint32_t n;
	int rc = frame(&r, b, len, NS_CLASS_FILTER, d, err, errlen);

	if (rc)
		return rc;
	n = get_u32(&r, "the filter count");
	if (r.bad)
		return rd_fail(&r, d, err, errlen);
	/* 70 bytes is the smallest filter. */
	fl->filters = get_array(&r, n, 70, sizeof(*fl->filters), "the filters");
	if (!fl->filters)
		return rd_fail(&r, d, err, errlen);
	fl->n_filters = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ns_filter *f = &fl->filters[fl->n_filters];
		size_t at = r.off;
		char *sdns = get_str(&r, "a source DNS name");
		char *ddns = sdns ? get_str(&r, "a destination DNS name") : NULL;
		char *desc = ddns ? get_str(&r, "a filter description") : NULL;
		uint32_t sa, sm, da, dm, proto;
		uint8_t special;
		size_t special_at;

		if (!desc) {
			free(sdns);
			free(ddns);
			goto bad;
		}
		memset(f, 0, sizeof(*f));
		f->description = desc;
		get_guid(&r, f->guid, "a filter GUID");
		f->mirrored = get_u32(&r, "a mirrored flag") != 0;
		sa = get_ip(&r, "a source address");
		sm = get_ip(&r, "a source mask");
		da = get_ip(&r, "a destination address");
		dm = get_ip(&r, "a destination mask");
		skip(&r, 4, "a filter tunnel address");
		proto = get_u32(&r, "a protocol");
		f->srcport = get_u16(&r, "a source port");
		f->dstport = get_u16(&r, "a destination port");
		skip(&r, 1, "a filter tunnel flag");
		special_at = r.off;
		special = get_u8(&r, "a server type");
		skip(&r, 2, "a filter's last field");
		endpoint_from(&f->src, sa, sm, sdns);
		endpoint_from(&f->dst, da, dm, ddns);
		if (r.bad) {
			ns_filter_free(f);
			goto bad;
		}
		if (proto > 255) {
			WARN(d, "filter %u %s: protocol %u at byte offset %zu: filter skipped",
			     i + 1, f->guid, proto, special_at - 9);
			ns_filter_free(f);
			continue;
		}
		f->protocol = (uint8_t)proto;
		if ((f->srcport || f->dstport) && proto != NS_PROTO_TCP && proto != NS_PROTO_UDP) {
			WARN(d, "filter %u %s: ports with protocol %u at byte offset %zu ignored",
			     i + 1, f->guid, proto, special_at - 5);
			f->srcport = f->dstport = 0;
		}
		if (special) {
			struct ns_endpoint *e = special & 0x80 ? &f->dst : &f->src;
			uint8_t k = special & 0x7F;

			if (k >= 1 && k <= 4) {
				static const enum ns_addr_kind srv[4] = {
					NS_ADDR_SRV_DNS, NS_ADDR_SRV_WINS, NS_ADDR_SRV_DHCP,
					NS_ADDR_SRV_GATEWAY};

				ns_endpoint_free(e);
				e->kind = srv[k - 1];
				e->addr = 0;
				e->mask = 0xFFFFFFFFu;
			} else {
				WARN(d,
				     "filter %u %s: unknown server type 0x%02x at byte offset %zu "
				     "ignored",
				     i + 1, f->guid, special, special_at);
			}
		}
		if ((f->src.kind == NS_ADDR_IP && !mask_contiguous(f->src.mask)) ||
		    (f->dst.kind == NS_ADDR_IP && !mask_contiguous(f->dst.mask)))
			WARN(d, "filter %u %s: non-contiguous mask at byte offset %zu kept as is",
			     i + 1, f->guid, at);
		fl->n_filters++;
	}
	trailer(&r, d, "unknown filter list fields");
	return 0;
bad:
	for (size_t i = 0; i < fl->n_filters; i++)
		ns_filter_free(&fl->filters[i]);
	free(fl->filters);
	fl->filters = NULL;
	fl->n_filters = 0;
	return rd_fail(&r, d, err, errlen);
}

static void put_endpoint_addr(struct ns_bbuf *b, const struct ns_endpoint *e)
{
	switch (e->kind) {
	case NS_ADDR_ANY:
		put_ip(b, 0);
		put_ip(b, 0);
		break;
	case NS_ADDR_IP:
	case NS_ADDR_DNS_NAME:
		put_ip(b, e->addr);
		put_ip(b, e->mask);
		break;
	default: /* Me and the server types */
		put_ip(b, 0);
		put_ip(b, 0xFFFFFFFFu);
		break;
	}
}

static uint8_t special_of(const struct ns_endpoint *e)
{
	switch (e->kind) {
	case NS_ADDR_SRV_DNS:
		return 1;
	case NS_ADDR_SRV_WINS:
		return 2;
	case NS_ADDR_SRV_DHCP:
		return 3;
	case NS_ADDR_SRV_GATEWAY:
		return 4;
	default:
		return 0;
	}
}

void ns_blob_filter_encode(struct ns_bbuf *out, const struct ns_filterlist *fl)
{
	size_t body = frame_begin(out, NS_CLASS_FILTER);

	put_u32(out, (uint32_t)fl->n_filters);
	for (size_t i = 0; i < fl->n_filters; i++) {
		const struct ns_filter *f = &fl->filters[i];
		uint8_t sp = special_of(&f->src);

		if (!sp && special_of(&f->dst))
			sp = (uint8_t)(0x80 | special_of(&f->dst));
		put_str(out, f->src.kind == NS_ADDR_DNS_NAME ? f->src.dnsname : "");
		put_str(out, f->dst.kind == NS_ADDR_DNS_NAME ? f->dst.dnsname : "");
		put_str(out, f->description);
		put_guid(out, f->guid);
		put_u32(out, f->mirrored);
		put_endpoint_addr(out, &f->src);
		put_endpoint_addr(out, &f->dst);
		put_ip(out, 0);
		put_u32(out, f->protocol);
		put_u16(out, f->srcport);
		put_u16(out, f->dstport);
		put_u8(out, 0);
		put_u8(out, sp);
		put_u16(out, 0);
	}
	frame_end(out, body);
}
