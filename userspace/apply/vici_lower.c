// SPDX-License-Identifier: GPL-2.0
/*
 * Negotiate rules → charon connections over VICI.  What maps to what, and
 * what has no strongSwan equivalent, is written down in
 * Documentation/vici.md; this file follows it.
 *
 * charon only negotiates here: every child has policies = no and the
 * fixed reqid of its plan filter, so the XFRM policies the kernel backend
 * installs use charon's SAs and their ACQUIREs start the negotiation
 * (start_action = trap).  The one exception is the default response rule,
 * whose peers are unknown in advance: charon installs the host-to-host
 * policies it negotiates there itself.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "vici_lower.h"

#include "lib/format.h"
#include "plan_print.h"

/* ------------------------------------------------------------------ */
/* Names of algorithms as charon spells them */

static const char *cipher_name(enum ns_cipher c)
{
	switch (c) {
	case NS_CIPHER_NONE:
		return "null";
	case NS_CIPHER_DES:
		return "des";
	case NS_CIPHER_3DES:
		return "3des";
	case NS_CIPHER_AES128:
		return "aes128";
	case NS_CIPHER_AES192:
		return "aes192";
	case NS_CIPHER_AES256:
		return "aes256";
	}
	return NULL;
}

static const char *hash_name(enum ns_hash h)
{
	switch (h) {
	case NS_HASH_NONE:
		return NULL;
	case NS_HASH_MD5:
		return "md5";
	case NS_HASH_SHA1:
		return "sha1";
	case NS_HASH_SHA256:
		return "sha256";
	case NS_HASH_SHA384:
		return "sha384";
	}
	return NULL;
}

/* Windows' group 3 is the 2048-bit MODP group (IKE group 14). */
static const char *dh_name(enum ns_dh g)
{
	switch (g) {
	case NS_DH_NONE:
		return NULL;
	case NS_DH_1:
		return "modp768";
	case NS_DH_2:
		return "modp1024";
	case NS_DH_3:
	case NS_DH_14:
		return "modp2048";
	case NS_DH_19:
		return "ecp256";
	case NS_DH_20:
		return "ecp384";
	case NS_DH_24:
		return "modp2048s256";
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Lowering context */

struct lower {
	const struct plan *p;
	vici_emit_fn emit;
	void *ectx;
	FILE *warn;
	bool rule_reqids; /* one child per connection, with the rule's reqid */
	/* Filter indices grouped by rule: rule r's are idx[start[r]..start[r+1]). */
	size_t *start, *idx;
	struct vici_builder b;
	int first_err; /* of a skipped rule; the others are still lowered */
	char first_msg[256];
	char *err;
	size_t errlen;
};

static void warnf(struct lower *l, const struct plan_rule *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warnf(struct lower *l, const struct plan_rule *r, const char *fmt, ...)
{
	va_list ap;

	if (!l->warn)
		return;
	if (r->is_default)
		fprintf(l->warn, "warning: policy \"%s\", default response rule: ",
			r->policy_name ? r->policy_name : "");
	else
		fprintf(l->warn, "warning: policy \"%s\", rule \"%s\": ",
			r->policy_name ? r->policy_name : "", r->rule_name ? r->rule_name : "");
	va_start(ap, fmt);
	vfprintf(l->warn, fmt, ap);
	va_end(ap);
	fputc('\n', l->warn);
}

static void rule_error(struct lower *l, const struct plan_rule *r, int rc, const char *msg)
{
	if (l->warn)
		fprintf(l->warn, "error: policy \"%s\", rule \"%s\": %s; rule not negotiated\n",
			r->policy_name ? r->policy_name : "", r->rule_name ? r->rule_name : "",
			msg);
	if (!l->first_err) {
		l->first_err = rc;
		snprintf(l->first_msg, sizeof(l->first_msg), "rule \"%.80s\": %.160s",
			 r->rule_name ? r->rule_name : "", msg);
	}
}

static bool is_me(const struct plan *p, uint32_t a)
{
	for (size_t i = 0; i < p->n_me; i++)
		if (p->me[i] == a)
			return true;
	return false;
}

void vici_conn_name(char *out, size_t len, const struct plan_rule *r, const char *peer)
{
	char g[NS_GUID_LEN + 1];
	size_t n = 0;

	/* Braces and case of the GUID add nothing to a charon name. */
	for (const char *s = r->rule_guid; *s && n < NS_GUID_LEN; s++)
		if (*s != '{' && *s != '}')
			g[n++] = (char)tolower((unsigned char)*s);
	g[n] = '\0';
	if (r->is_default)
		snprintf(out, len, VICI_PREFIX "default-%s", g);
	else
		snprintf(out, len, VICI_PREFIX "%s-%s", g, strcmp(peer, "%any") ? peer : "any");
	for (char *s = out; *s; s++)
		if (*s == '/')
			*s = '_';
}

/* ------------------------------------------------------------------ */
/* Root CA certificates: find the file whose subject is the rule's DN */

struct der {
	const uint8_t *p;
	size_t len;
};

/* Read one TLV; *v gets the contents, *d advances past it. */
static bool der_next(struct der *d, uint8_t *tag, struct der *v)
{
	size_t len, hl = 2;

	if (d->len < 2)
		return false;
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		size_t n = len & 0x7f;

		if (n == 0 || n > 3 || d->len < 2 + n)
			return false;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | d->p[2 + i];
		hl += n;
	}
	if (d->len - hl < len)
		return false;
	v->p = d->p + hl;
	v->len = len;
	d->p += hl + len;
	d->len -= hl + len;
	return true;
}

static const char *oid_name(const struct der *oid)
{
	static const struct {
		uint8_t der[3];
		const char *name;
	} attrs[] = {
		{{0x55, 0x04, 0x03}, "CN"},
		{{0x55, 0x04, 0x06}, "C"},
		{{0x55, 0x04, 0x07}, "L"},
		{{0x55, 0x04, 0x08}, "ST"},
		{{0x55, 0x04, 0x0a}, "O"},
		{{0x55, 0x04, 0x0b}, "OU"},
		{{0x55, 0x04, 0x05}, "SERIALNUMBER"},
	};
	static const uint8_t email[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};
	static const uint8_t dc[] = {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19};

	if (oid->len == 3)
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
			if (!memcmp(oid->p, attrs[i].der, 3))
				return attrs[i].name;
	if (oid->len == sizeof(email) && !memcmp(oid->p, email, sizeof(email)))
		return "E";
	if (oid->len == sizeof(dc) && !memcmp(oid->p, dc, sizeof(dc)))
		return "DC";
	return NULL;
}

/* A DN as a list of normalised "TYPE=value" strings (upper-case type,
 * lower-case value, spaces trimmed), so order and case do not matter. */
struct dn {
	char rdn[16][128];
	size_t n;
};

static void dn_add(struct dn *dn, const char *type, size_t tlen, const char *val, size_t vlen)
{
	char *o;
	size_t k = 0;

	while (tlen && isspace((unsigned char)*type)) {
		type++;
		tlen--;
	}
	while (tlen && isspace((unsigned char)type[tlen - 1]))
		tlen--;
	while (vlen && isspace((unsigned char)*val)) {
		val++;
		vlen--;
	}
	while (vlen && isspace((unsigned char)val[vlen - 1]))
		vlen--;
	if (dn->n >= sizeof(dn->rdn) / sizeof(dn->rdn[0]))
		return;
	o = dn->rdn[dn->n++];
	for (size_t i = 0; i < tlen && k < 126; i++)
		o[k++] = (char)toupper((unsigned char)type[i]);
	if (k == 5 && !memcmp(o, "EMAIL", 5))
		k = 1; /* "E" */
	o[k++] = '=';
	for (size_t i = 0; i < vlen && k < 127; i++)
		o[k++] = (char)tolower((unsigned char)val[i]);
	o[k] = '\0';
}

/* "CN=Root, O=Example" (commas or slashes; \' and quotes as netsh writes them). */
static void dn_parse_text(const char *s, struct dn *dn)
{
	memset(dn, 0, sizeof(*dn));
	while (*s) {
		const char *eq, *end;

		while (*s == ',' || *s == '/' || *s == ';' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		eq = strchr(s, '=');
		if (!eq)
			break;
		end = eq + 1;
		while (*end && *end != ',' && *end != ';' && !(*end == '/' && strchr(end, '=')))
			end++;
		{
			const char *v = eq + 1;
			size_t vl = (size_t)(end - v);

			if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
				v++;
				vl -= 2;
			}
			dn_add(dn, s, (size_t)(eq - s), v, vl);
		}
		s = end;
	}
}

static bool dn_parse_der(struct der name, struct dn *dn)
{
	uint8_t tag;
	struct der set;

	memset(dn, 0, sizeof(*dn));
	while (name.len) {
		if (!der_next(&name, &tag, &set) || tag != 0x31)
			return false;
		while (set.len) {
			struct der atv, oid, val;
			const char *t;

			if (!der_next(&set, &tag, &atv) || tag != 0x30)
				return false;
			if (!der_next(&atv, &tag, &oid) || tag != 0x06)
				return false;
			if (!der_next(&atv, &tag, &val))
				return false;
			t = oid_name(&oid);
			if (t)
				dn_add(dn, t, strlen(t), (const char *)val.p, val.len);
			else
				dn_add(dn, "?", 1, (const char *)val.p, val.len);
		}
	}
	return true;
}

static bool dn_equal(const struct dn *a, const struct dn *b)
{
	if (a->n != b->n || a->n == 0)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n && !found; j++)
			found = !strcmp(a->rdn[i], b->rdn[j]);
		if (!found)
			return false;
	}
	return true;
}

/* Subject of a DER certificate. */
static bool cert_subject(const uint8_t *der, size_t len, struct dn *dn)
{
	struct der d = {der, len}, cert, tbs, f;
	uint8_t tag;

	if (!der_next(&d, &tag, &cert) || tag != 0x30)
		return false;
	if (!der_next(&cert, &tag, &tbs) || tag != 0x30)
		return false;
	if (!der_next(&tbs, &tag, &f))
		return false;
	if (tag == 0xa0 && !der_next(&tbs, &tag, &f)) /* [0] version, then serial */
		return false;
	/* signature algorithm, issuer, validity, then the subject */
	for (int i = 0; i < 4; i++)
		if (!der_next(&tbs, &tag, &f))
			return false;
	return tag == 0x30 && dn_parse_der(f, dn);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* PEM → DER in place (the first CERTIFICATE block); false if not PEM. */
static bool pem_to_der(uint8_t *buf, size_t *len)
{
	const char *begin = "-----BEGIN CERTIFICATE-----";
	char *s, *e;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;

	s = memmem(buf, *len, begin, strlen(begin));
	if (!s)
		return false;
	s += strlen(begin);
	e = memmem(s, *len - (size_t)(s - (char *)buf), "-----END", 8);
	if (!e)
		return false;
	for (; s < e; s++) {
		int v = b64val((unsigned char)*s);

		if (v < 0)
			continue;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	*len = o;
	return true;
}

static const char *ca_dir(void)
{
	const char *d = getenv("NETSH_IPSEC_CA_DIR");

	return d && *d ? d : VICI_CA_DIR;
}

/* The DER certificate in the CA directory whose subject is dn_text. */
static int ca_lookup(const char *dn_text, uint8_t **der, size_t *der_len, char *msg, size_t msglen)
{
	const char *dir = ca_dir();
	struct dn want, have;
	struct dirent *de;
	DIR *d;
	int rc = -ENOENT;

	dn_parse_text(dn_text, &want);
	if (!want.n) {
		snprintf(msg, msglen, "root CA \"%s\" is not a distinguished name", dn_text);
		return -EINVAL;
	}
	d = opendir(dir);
	if (!d) {
		snprintf(msg, msglen, "root CA \"%s\": cannot read %s: %s", dn_text, dir,
			 strerror(errno));
		return -ENOENT;
	}
	while (rc && (de = readdir(d))) {
		char path[4096];
		struct stat st;
		uint8_t *buf;
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > 1 << 20 || !st.st_size)
			continue;
		f = fopen(path, "rb");
		if (!f)
			continue;
		buf = malloc((size_t)st.st_size);
		len = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
		fclose(f);
		if (!buf)
			break;
		pem_to_der(buf, &len);
		if (cert_subject(buf, len, &have) && dn_equal(&want, &have)) {
			*der = buf;
			*der_len = len;
			rc = 0;
		} else {
			free(buf);
		}
	}
	closedir(d);
	if (rc)
		snprintf(msg, msglen, "no certificate with subject \"%s\" in %s", dn_text, dir);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Proposals */

static const struct ns_mm_method *mm_methods(const struct plan_rule *r, size_t *n)
{
	if (r->n_mm) {
		*n = r->n_mm;
		return r->mm;
	}
	*n = sizeof(ns_default_mm_methods) / sizeof(ns_default_mm_methods[0]);
	return ns_default_mm_methods;
}

static const struct ns_qm_method *qm_methods(const struct plan_rule *r, size_t *n)
{
	if (r->n_qm) {
		*n = r->n_qm;
		return r->qm;
	}
	*n = sizeof(ns_default_qm_methods) / sizeof(ns_default_qm_methods[0]);
	return ns_default_qm_methods;
}

/* One IKE (main mode) proposal: one algorithm of each kind. */
static bool mm_proposal(const struct ns_mm_method *m, char *out, size_t len)
{
	const char *c = cipher_name(m->cipher), *h = hash_name(m->hash), *g = dh_name(m->group);

	if (!c || !h || !g || m->cipher == NS_CIPHER_NONE)
		return false;
	snprintf(out, len, "%s-%s-%s", c, h, g);
	return true;
}

static void add_ike_proposals(struct lower *l, const struct plan_rule *r)
{
	size_t n;
	const struct ns_mm_method *mm = mm_methods(r, &n);
	char prop[64];

	vici_begin_list(&l->b, "proposals");
	for (size_t i = 0; i < n; i++)
		if (mm_proposal(&mm[i], prop, sizeof(prop)))
			vici_add_item_str(&l->b, prop);
	vici_end_list(&l->b);
}

/*
 * The distinct DH groups of the main mode methods, in preference order.
 * Quick mode PFS (qmpfs) uses "the main mode group"; charon cannot refer
 * to the negotiated one, so each group is offered.
 */
static size_t pfs_groups(const struct plan_rule *r, const char **out, size_t max)
{
	size_t n, k = 0;
	const struct ns_mm_method *mm = mm_methods(r, &n);

	for (size_t i = 0; i < n && k < max; i++) {
		const char *g = dh_name(mm[i].group);
		bool dup = false;

		for (size_t j = 0; j < k; j++)
			dup |= g && !strcmp(out[j], g);
		if (g && !dup)
			out[k++] = g;
	}
	return k;
}

/* Whether a rule's children use AH: the kernel's templates name one
 * protocol, the first method's (xfrm.c). */
static bool rule_uses_ah(const struct plan_rule *r)
{
	size_t n;

	return qm_methods(r, &n)[0].kind == NS_QM_AH;
}

/*
 * esp_proposals or ah_proposals of a child.  Only methods of the rule's
 * protocol are offered: an SA of the other one would never be used.  The
 * reasons things are left out are reported once per rule (rule_warnings).
 */
static void add_child_proposals(struct lower *l, const struct plan_rule *r)
{
	const char *groups[8];
	size_t ng = r->qmpfs || r->mmpfs ? pfs_groups(r, groups, 8) : 0;
	size_t n;
	const struct ns_qm_method *qm = qm_methods(r, &n);
	bool ah = rule_uses_ah(r);

	if (!ng) {
		groups[0] = NULL;
		ng = 1;
	}
	vici_begin_list(&l->b, ah ? "ah_proposals" : "esp_proposals");
	for (size_t i = 0; i < n; i++) {
		const char *c = NULL, *h;

		if ((qm[i].kind == NS_QM_AH) != ah)
			continue;
		if (ah) {
			h = hash_name(qm[i].ah_hash);
			if (!h)
				continue;
		} else {
			c = cipher_name(qm[i].esp_conf);
			h = hash_name(qm[i].esp_auth);
			if (qm[i].esp_conf == NS_CIPHER_NONE && !h)
				continue;
		}
		for (size_t g = 0; g < ng; g++) {
			char str[96];

			snprintf(str, sizeof(str), "%s%s%s%s%s", c ? c : "", c && h ? "-" : "",
				 h ? h : "", groups[g] ? "-" : "", groups[g] ? groups[g] : "");
			vici_add_item_str(&l->b, str);
		}
	}
	vici_end_list(&l->b);
}

/* Lifetimes: charon has one per child, the methods one each; the most
 * preferred method's values are used. */
static void add_child_lifetimes(struct lower *l, const struct plan_rule *r)
{
	size_t n;
	const struct ns_qm_method *qm = qm_methods(r, &n);
	uint64_t sec = qm[0].lifetime_sec ? qm[0].lifetime_sec : NS_QM_DEFAULT_SEC;
	uint64_t bytes =
		(uint64_t)(qm[0].lifetime_kb ? qm[0].lifetime_kb : NS_QM_DEFAULT_KB) * 1024;

	/* Windows renews the key at the lifetime: that is charon's rekey
	 * point; the hard limit leaves charon's usual 10% margin. */
	vici_add_kv_fmt(&l->b, "rekey_time", "%" PRIu64 "s", sec);
	vici_add_kv_fmt(&l->b, "life_time", "%" PRIu64 "s", sec + sec / 10);
	vici_add_kv_fmt(&l->b, "rekey_bytes", "%" PRIu64, bytes);
	vici_add_kv_fmt(&l->b, "life_bytes", "%" PRIu64, bytes + bytes / 10);
}

/* What of a rule's settings charon cannot express, said once per rule. */
static void rule_warnings(struct lower *l, const struct plan_rule *r)
{
	size_t n, left_out = 0;
	const struct ns_qm_method *qm = qm_methods(r, &n);
	const struct ns_mm_method *mm;
	bool ah = rule_uses_ah(r), bundle = false, nullnull = false, lifetimes = false;
	char prop[64];

	for (size_t i = 0; i < n; i++) {
		left_out += (qm[i].kind == NS_QM_AH) != ah;
		bundle |= qm[i].kind == NS_QM_AH_ESP;
		nullnull |= qm[i].kind != NS_QM_AH && qm[i].esp_conf == NS_CIPHER_NONE &&
			    qm[i].esp_auth == NS_HASH_NONE;
		lifetimes |= qm[i].lifetime_sec != qm[0].lifetime_sec ||
			     qm[i].lifetime_kb != qm[0].lifetime_kb;
	}
	if (bundle && !ah)
		warnf(l, r,
		      "strongSwan cannot negotiate AH+ESP bundles; offering their ESP "
		      "part only");
	if (nullnull)
		warnf(l, r, "ESP[none,none] is not a security method; left out");
	if (left_out)
		warnf(l, r,
		      "%zu %s method(s) not offered: the kernel policy requires %s, the "
		      "protocol of the first method",
		      left_out, ah ? "ESP" : "AH", ah ? "AH" : "ESP");
	if (lifetimes)
		warnf(l, r,
		      "quick mode methods have different lifetimes; charon uses the "
		      "first method's for all");
	mm = mm_methods(r, &n);
	for (size_t i = 0; i < n; i++)
		if (!mm_proposal(&mm[i], prop, sizeof(prop)))
			warnf(l, r, "main mode method %zu is incomplete; left out", i + 1);
	if (r->is_default)
		return;
	if (r->qmpermm && !r->mmpfs)
		warnf(l, r,
		      "qmpermm=%u has no strongSwan equivalent; main modes are renewed "
		      "by lifetime only",
		      r->qmpermm);
	if (r->mmpfs)
		warnf(l, r,
		      "mmpfs: strongSwan cannot re-authenticate per quick mode; "
		      "every quick mode gets its own Diffie-Hellman exchange instead");
}

/* "10.0.0.0/24[tcp/80]" */
static void ts_str(char *out, size_t len, uint32_t addr, uint8_t plen, uint8_t proto, uint16_t port)
{
	char a[INET_ADDRSTRLEN], pb[8];
	uint32_t net = addr & plan_plen_mask(plen);

	ns_fmt_ipv4(a, sizeof(a), net);
	if (!proto)
		snprintf(out, len, "%s/%u", a, plen);
	else if (!port)
		snprintf(out, len, "%s/%u[%s]", a, plen, plan_proto_name(proto, pb, sizeof(pb)));
	else
		snprintf(out, len, "%s/%u[%s/%u]", a, plen, plan_proto_name(proto, pb, sizeof(pb)),
			 port);
}

/* ------------------------------------------------------------------ */
/* Authentication */

struct auth_choice {
	const struct ns_auth *a; /* NULL: nothing usable */
	uint8_t *ca;		 /* rootca: the CA certificate (DER), owned */
	size_t ca_len;
};

/*
 * Pick the rule's authentication method: the first one strongSwan has.
 * Returns 0, or a negative errno when the rule must be skipped (after
 * reporting why).
 */
static int choose_auth(struct lower *l, const struct plan_rule *r, struct auth_choice *ac)
{
	bool kerberos = r->n_auth == 0; /* no methods: the dynamic default is Kerberos */
	size_t usable = 0;

	memset(ac, 0, sizeof(*ac));
	for (size_t i = 0; i < r->n_auth; i++) {
		if (r->auth[i].kind == NS_AUTH_KERBEROS) {
			kerberos = true;
			continue;
		}
		if (!usable++)
			ac->a = &r->auth[i];
	}
	if (!ac->a) {
		warnf(l, r,
		      "Kerberos is its only authentication method and strongSwan has no "
		      "Kerberos: this rule cannot negotiate and is left out");
		return -ENOTSUP;
	}
	if (kerberos)
		warnf(l, r,
		      "strongSwan has no Kerberos authentication: offering the rule's "
		      "other methods only");
	if (usable > 1)
		warnf(l, r,
		      "IKEv1 offers one authentication method per connection: using "
		      "the first (%s), the others are not offered",
		      ac->a->kind == NS_AUTH_PSK ? "preshared key" : "root CA");
	if (ac->a->kind == NS_AUTH_ROOTCA) {
		char msg[512];
		int rc = ca_lookup(ac->a->value, &ac->ca, &ac->ca_len, msg, sizeof(msg));

		if (rc) {
			rule_error(l, r, rc, msg);
			return rc;
		}
		if (ac->a->certmap)
			warnf(l, r,
			      "certmap (certificate to account mapping) has no Linux "
			      "equivalent; ignored");
	}
	return 0;
}

static void add_auth(struct lower *l, const struct auth_choice *ac, const char *section,
		     const char *id, bool remote)
{
	vici_begin_section(&l->b, section);
	if (ac->a->kind == NS_AUTH_PSK) {
		vici_add_kv_str(&l->b, "auth", "psk");
	} else {
		vici_add_kv_str(&l->b, "auth", "pubkey");
		/* The peer must chain to this CA; charon also trusts it from here. */
		if (remote) {
			vici_begin_list(&l->b, "cacerts");
			vici_add_item(&l->b, ac->ca, ac->ca_len);
			vici_end_list(&l->b);
		}
	}
	if (id)
		vici_add_kv_str(&l->b, "id", id);
	vici_end_section(&l->b);
}

/* ------------------------------------------------------------------ */
/* Connections */

/* One child: a plan filter of a rule, seen from our side. */
struct child {
	const struct plan_rule *r;
	const struct plan_filter *f;
	bool reversed; /* the filter runs peer → us: swap its sides */
	bool respond_only;
};

/*
 * One connection: every negotiate filter, of any rule, towards one peer
 * with the same authentication and main mode settings.  charon picks an
 * IKEv1 responder's connection in main mode, before it sees the quick
 * mode selectors, and never switches later: rules to one peer must share
 * a connection or all but one of them could never be answered.
 */
struct conn {
	char peer[INET_ADDRSTRLEN + 4]; /* address, CIDR or "%any" */
	char peer_id[INET_ADDRSTRLEN + 4];
	char *key;		       /* what may share this connection */
	const struct plan_rule *first; /* names it, gives the IKE settings */
	struct auth_choice ac;
	uint32_t local[16];
	size_t n_local;
	struct child *ch;
	size_t n_ch;
};

struct conns {
	struct conn *v;
	size_t n;
	/* key → index + 1 (0 = empty), open addressing, size a power of 2 */
	size_t *slot;
	size_t n_slot;
};

static uint64_t key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ull;
	return h;
}

/* The slot holding key, or the empty one where it belongs. */
static size_t *conn_slot(const struct conns *cs, const char *key)
{
	size_t mask = cs->n_slot - 1, i = (size_t)key_hash(key) & mask;

	while (cs->slot[i] && strcmp(cs->v[cs->slot[i] - 1].key, key))
		i = (i + 1) & mask;
	return &cs->slot[i];
}

/* Keep the table at most half full. */
static int conns_grow(struct conns *cs)
{
	struct conns bigger = *cs;

	if (cs->n_slot && (cs->n + 1) * 2 <= cs->n_slot)
		return 0;
	bigger.n_slot = cs->n_slot ? cs->n_slot * 2 : 64;
	bigger.slot = calloc(bigger.n_slot, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	for (size_t i = 0; i < cs->n; i++)
		*conn_slot(&bigger, cs->v[i].key) = i + 1;
	free(cs->slot);
	cs->slot = bigger.slot;
	cs->n_slot = bigger.n_slot;
	return 0;
}

static void conns_free(struct conns *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->v[i].ch);
		free(cs->v[i].key);
		free(cs->v[i].ac.ca);
	}
	free(cs->v);
	free(cs->slot);
	memset(cs, 0, sizeof(*cs));
}

/* Everything a connection is made of besides its children. */
static char *conn_key(const struct plan_rule *r, const struct auth_choice *ac, const char *peer)
{
	size_t n;
	const struct ns_mm_method *mm = mm_methods(r, &n);
	char *key = NULL, *props = NULL, prop[64];
	size_t plen = 0;
	FILE *f = open_memstream(&props, &plen);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (mm_proposal(&mm[i], prop, sizeof(prop)))
			fprintf(f, "%s,", prop);
	fclose(f);
	if (asprintf(&key, "%s|%d|%s|%s|%u|%d", peer, ac->a->kind, ac->a->value, props ? props : "",
		     r->mm_lifetime_sec, r->soft) < 0)
		key = NULL;
	free(props);
	return key;
}

static struct conn *conn_for(struct conns *cs, const struct plan_rule *r,
			     const struct auth_choice *ac, const char *peer)
{
	struct conn *c;
	char *key = conn_key(r, ac, peer);
	size_t *slot;

	if (!key || conns_grow(cs)) {
		free(key);
		return NULL;
	}
	slot = conn_slot(cs, key);
	if (*slot) {
		free(key);
		return &cs->v[*slot - 1];
	}
	c = realloc(cs->v, (cs->n + 1) * sizeof(*c));
	if (!c) {
		free(key);
		return NULL;
	}
	cs->v = c;
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->first = r;
	c->ac.a = ac->a;
	if (ac->ca) {
		c->ac.ca = malloc(ac->ca_len);
		if (!c->ac.ca) {
			free(key);
			return NULL;
		}
		memcpy(c->ac.ca, ac->ca, ac->ca_len);
		c->ac.ca_len = ac->ca_len;
	}
	*slot = ++cs->n;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	/* A peer given as a subnet is identified by whatever address it uses. */
	snprintf(c->peer_id, sizeof(c->peer_id), "%s", strchr(peer, '/') ? "%any" : peer);
	return c;
}

static int conn_add(struct conn *c, const struct child *nc, uint32_t local, bool have_local)
{
	struct child *ch;

	for (size_t i = 0; i < c->n_ch; i++)
		if (c->ch[i].f->reqid == nc->f->reqid)
			return 0; /* the mirrored twin: one child serves both */
	ch = realloc(c->ch, (c->n_ch + 1) * sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	c->ch = ch;
	c->ch[c->n_ch++] = *nc;
	if (have_local) {
		bool dup = false;

		for (size_t i = 0; i < c->n_local; i++)
			dup |= c->local[i] == local;
		if (!dup && c->n_local < sizeof(c->local) / sizeof(c->local[0]))
			c->local[c->n_local++] = local;
	}
	return 0;
}

static void peer_str(char *out, size_t len, uint32_t addr, uint8_t plen)
{
	char a[INET_ADDRSTRLEN];

	if (plen == 0) {
		snprintf(out, len, "%%any");
		return;
	}
	ns_fmt_ipv4(a, sizeof(a), addr & plan_plen_mask(plen));
	if (plen == 32)
		snprintf(out, len, "%s", a);
	else
		snprintf(out, len, "%s/%u", a, plen);
}

const struct plan_filter *vici_tunnel_twin(const struct plan *p, const struct plan_filter *f)
{
	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *o = &p->filters[i];
		const struct plan_rule *r = &p->rules[o->rule];

		if (o->action == NS_ACTION_NEGOTIATE && r->tunnel && !is_me(p, r->tunnel_dst) &&
		    o->sel.src == f->sel.dst && o->sel.dst == f->sel.src &&
		    o->sel.src_plen == f->sel.dst_plen && o->sel.dst_plen == f->sel.src_plen &&
		    o->sel.proto == f->sel.proto && o->sel.sport == f->sel.dport &&
		    o->sel.dport == f->sel.sport)
			return o;
	}
	return NULL;
}

uint32_t vici_child_reqid(const struct plan *p, const struct plan_filter *f)
{
	const struct plan_rule *r = &p->rules[f->rule];
	const struct plan_filter *twin;

	if (f->action != NS_ACTION_NEGOTIATE || !r->tunnel || !is_me(p, r->tunnel_dst))
		return f->reqid;
	twin = vici_tunnel_twin(p, f);
	return twin ? twin->reqid : f->reqid;
}

/* Sort a rule's filters into connections by peer. */
static int group_filters(struct lower *l, size_t ri, const struct auth_choice *ac, struct conns *cs,
			 size_t *n_children)
{
	const struct plan *p = l->p;
	const struct plan_rule *r = &p->rules[ri];

	for (size_t k = l->start[ri]; k < l->start[ri + 1]; k++) {
		const struct plan_filter *f = &p->filters[l->idx[k]];
		struct child nc = {.r = r, .f = f};
		char peer[INET_ADDRSTRLEN + 4];
		struct conn *c;
		bool have_local = true;
		uint32_t local = 0;

		if (f->action != NS_ACTION_NEGOTIATE)
			continue;
		if (!f->reqid) {
			warnf(l, r, "filter %u has no reqid; left out", f->id);
			continue;
		}
		if (r->tunnel) {
			if (!is_me(p, r->tunnel_dst)) {
				peer_str(peer, sizeof(peer), r->tunnel_dst, 32);
				have_local = false;
			} else if (vici_tunnel_twin(p, f)) {
				(*n_children)++; /* served by the outbound half's child */
				continue;
			} else {
				/* The inbound half of a tunnel whose outbound half
				 * is not in this plan: answer, never initiate. */
				snprintf(peer, sizeof(peer), "%%any");
				nc.reversed = nc.respond_only = true;
				local = r->tunnel_dst;
			}
		} else if (f->sel.src_plen == 32 && is_me(p, f->sel.src)) {
			local = f->sel.src;
			peer_str(peer, sizeof(peer), f->sel.dst, f->sel.dst_plen);
		} else if (f->sel.dst_plen == 32 && is_me(p, f->sel.dst)) {
			local = f->sel.dst;
			nc.reversed = true;
			peer_str(peer, sizeof(peer), f->sel.src, f->sel.src_plen);
		} else {
			warnf(l, r,
			      "transport filter %u has no local address on either side; "
			      "left out",
			      f->id);
			continue;
		}
		c = conn_for(cs, r, ac, peer);
		if (!c || conn_add(c, &nc, local, have_local))
			return -ENOMEM;
		(*n_children)++;
	}
	return 0;
}

static int emit(struct lower *l, enum vici_obj kind, const char *name)
{
	int rc = vici_builder_error(&l->b, l->err, l->errlen);

	if (rc)
		return rc;
	return l->emit(l->ectx, kind, name, &l->b, l->err, l->errlen);
}

/* The preshared key of one connection, owned by both ends' identities. */
static int emit_psk(struct lower *l, const char *name, const struct conn *c)
{
	char a[INET_ADDRSTRLEN];

	vici_builder_reset(&l->b);
	vici_add_kv_str(&l->b, "id", name);
	vici_add_kv_str(&l->b, "type", "IKE");
	vici_add_kv_str(&l->b, "data", c->ac.a->value);
	vici_begin_list(&l->b, "owners");
	for (size_t i = 0; i < c->n_local; i++) {
		ns_fmt_ipv4(a, sizeof(a), c->local[i]);
		vici_add_item_str(&l->b, a);
	}
	vici_add_item_str(&l->b, c->peer_id);
	vici_end_list(&l->b);
	return emit(l, VICI_OBJ_SHARED, name);
}

/* A child's traffic selectors, seen from our side. */
static void child_ts(const struct child *ch, char *lts, char *rts, size_t len)
{
	const struct plan_sel *s = &ch->f->sel;

	if (!ch->reversed) {
		ts_str(lts, len, s->src, s->src_plen, s->proto, s->sport);
		ts_str(rts, len, s->dst, s->dst_plen, s->proto, s->dport);
	} else {
		ts_str(lts, len, s->dst, s->dst_plen, s->proto, s->dport);
		ts_str(rts, len, s->src, s->src_plen, s->proto, s->sport);
	}
}

static void add_child_common(struct lower *l, const struct plan_rule *r, uint32_t reqid,
			     bool respond_only)
{
	vici_add_kv_fmt(&l->b, "reqid", "%u", reqid);
	vici_add_kv_str(&l->b, "policies", "no");
	vici_add_kv_fmt(&l->b, "priority", "%u", VICI_CHILD_PRIORITY);
	vici_add_kv_str(&l->b, "start_action", respond_only ? "none" : "trap");
}

/* xfrm backend: one child per filter, with the filter's reqid. */
static void add_child(struct lower *l, const struct child *ch)
{
	char name[32], lts[64], rts[64];

	snprintf(name, sizeof(name), "r%08x", ch->f->reqid);
	child_ts(ch, lts, rts, sizeof(lts));
	vici_begin_section(&l->b, name);
	vici_add_kv_str(&l->b, "mode", ch->r->tunnel ? "tunnel" : "transport");
	add_child_proposals(l, ch->r);
	add_child_lifetimes(l, ch->r);
	vici_begin_list(&l->b, "local_ts");
	vici_add_item_str(&l->b, lts);
	vici_end_list(&l->b);
	vici_begin_list(&l->b, "remote_ts");
	vici_add_item_str(&l->b, rts);
	vici_end_list(&l->b);
	add_child_common(l, ch->r, ch->f->reqid, ch->respond_only);
	vici_end_section(&l->b);
}

/*
 * With the bpf classifier, the kernel has one mark-selected policy per rule
 * whose template carries the rule's reqid: one child per rule and
 * connection with that reqid and every filter's selectors (IKEv1 settles
 * on one pair per quick mode; charon narrows to the pair of the packet or
 * the proposal).
 */
static void add_rule_child(struct lower *l, const struct plan_rule *r, const struct conn *c)
{
	char name[32], lts[64], rts[64];
	bool respond_only = true;

	snprintf(name, sizeof(name), "r%08x", r->reqid);
	vici_begin_section(&l->b, name);
	vici_add_kv_str(&l->b, "mode", r->tunnel ? "tunnel" : "transport");
	add_child_proposals(l, r);
	add_child_lifetimes(l, r);
	for (int remote = 0; remote < 2; remote++) {
		vici_begin_list(&l->b, remote ? "remote_ts" : "local_ts");
		for (size_t i = 0; i < c->n_ch; i++) {
			bool dup = false;
			char *mine = remote ? rts : lts;

			if (c->ch[i].r != r)
				continue;
			child_ts(&c->ch[i], lts, rts, sizeof(lts));
			for (size_t j = 0; j < i && !dup; j++) {
				char l2[64], r2[64];

				if (c->ch[j].r != r)
					continue;
				child_ts(&c->ch[j], l2, r2, sizeof(l2));
				dup = !strcmp(remote ? r2 : l2, mine);
			}
			if (!dup)
				vici_add_item_str(&l->b, mine);
		}
		vici_end_list(&l->b);
	}
	for (size_t i = 0; i < c->n_ch; i++)
		if (c->ch[i].r == r)
			respond_only &= c->ch[i].respond_only;
	add_child_common(l, r, r->reqid, respond_only);
	vici_end_section(&l->b);
}

/* IKE settings shared by rule connections and the default response one. */
static void add_ike(struct lower *l, const struct plan_rule *r)
{
	uint32_t life = r->mm_lifetime_sec ? r->mm_lifetime_sec : NS_DEFAULT_MMLIFETIME_MIN * 60;

	vici_add_kv_str(&l->b, "version", "1");
	vici_add_kv_str(&l->b, "aggressive", "no");
	add_ike_proposals(l, r);
	/* IKEv1 SAs are never rekeyed in place: charon re-authenticates at
	 * rekey_time, which is what a new Windows main mode is. */
	vici_add_kv_fmt(&l->b, "rekey_time", "%us", life);
	vici_add_kv_fmt(&l->b, "over_time", "%us", life / 10 ? life / 10 : 1);
	vici_add_kv_str(&l->b, "reauth_time", "0");
	/* soft=yes falls back to clear: give up quickly instead of retrying. */
	vici_add_kv_str(&l->b, "keyingtries", r->soft ? "1" : "0");
}

static int emit_conn(struct lower *l, const struct conn *c)
{
	char name[128], a[INET_ADDRSTRLEN];
	int rc;

	vici_conn_name(name, sizeof(name), c->first, c->peer);
	if (c->ac.a->kind == NS_AUTH_PSK) {
		rc = emit_psk(l, name, c);
		if (rc)
			return rc;
	}
	vici_builder_reset(&l->b);
	vici_begin_section(&l->b, name);
	add_ike(l, c->first);
	vici_begin_list(&l->b, "local_addrs");
	if (!c->n_local)
		vici_add_item_str(&l->b, "%any");
	for (size_t i = 0; i < c->n_local; i++) {
		ns_fmt_ipv4(a, sizeof(a), c->local[i]);
		vici_add_item_str(&l->b, a);
	}
	vici_end_list(&l->b);
	vici_begin_list(&l->b, "remote_addrs");
	vici_add_item_str(&l->b, c->peer);
	vici_end_list(&l->b);
	if (c->n_local == 1)
		ns_fmt_ipv4(a, sizeof(a), c->local[0]);
	add_auth(l, &c->ac, "local", c->n_local == 1 ? a : NULL, false);
	add_auth(l, &c->ac, "remote", c->ac.a->kind == NS_AUTH_PSK ? c->peer_id : NULL, true);
	vici_begin_section(&l->b, "children");
	for (size_t i = 0; i < c->n_ch; i++) {
		const struct plan_rule *r = c->ch[i].r;
		bool seen = false;

		if (!l->rule_reqids || !r->reqid) {
			add_child(l, &c->ch[i]);
			continue;
		}
		for (size_t j = 0; j < i && !seen; j++)
			seen = c->ch[j].r == r;
		if (!seen)
			add_rule_child(l, r, c);
	}
	vici_end_section(&l->b);
	vici_end_section(&l->b);
	return emit(l, VICI_OBJ_CONN, name);
}

/*
 * The default response rule: answers any peer that asks, never starts.
 * Its peers are unknown in advance, so charon installs the policies of
 * what it negotiates (host to host, transport mode) itself.
 */
static int lower_default(struct lower *l, size_t ri)
{
	const struct plan_rule *r = &l->p->rules[ri];
	struct auth_choice ac;
	char name[128];
	int rc;

	rc = choose_auth(l, r, &ac);
	if (rc)
		return 0;
	rule_warnings(l, r);
	vici_conn_name(name, sizeof(name), r, "%any");
	if (ac.a->kind == NS_AUTH_PSK) {
		vici_builder_reset(&l->b);
		vici_add_kv_str(&l->b, "id", name);
		vici_add_kv_str(&l->b, "type", "IKE");
		vici_add_kv_str(&l->b, "data", ac.a->value);
		vici_begin_list(&l->b, "owners");
		vici_add_item_str(&l->b, "%any");
		vici_end_list(&l->b);
		rc = emit(l, VICI_OBJ_SHARED, name);
		if (rc)
			goto out;
	}
	vici_builder_reset(&l->b);
	vici_begin_section(&l->b, name);
	add_ike(l, r);
	vici_begin_list(&l->b, "remote_addrs");
	vici_add_item_str(&l->b, "%any");
	vici_end_list(&l->b);
	add_auth(l, &ac, "local", NULL, false);
	add_auth(l, &ac, "remote", ac.a->kind == NS_AUTH_PSK ? "%any" : NULL, true);
	vici_begin_section(&l->b, "children");
	vici_begin_section(&l->b, "respond");
	vici_add_kv_str(&l->b, "mode", "transport");
	add_child_proposals(l, r);
	add_child_lifetimes(l, r);
	vici_begin_list(&l->b, "local_ts");
	vici_add_item_str(&l->b, "dynamic");
	vici_end_list(&l->b);
	vici_begin_list(&l->b, "remote_ts");
	vici_add_item_str(&l->b, "dynamic");
	vici_end_list(&l->b);
	vici_add_kv_fmt(&l->b, "priority", "%u", VICI_CHILD_PRIORITY);
	vici_add_kv_str(&l->b, "start_action", "none");
	vici_end_section(&l->b);
	vici_end_section(&l->b);
	vici_end_section(&l->b);
	rc = emit(l, VICI_OBJ_CONN, name);
out:
	free(ac.ca);
	return rc;
}

int vici_lower_plan(const struct plan *p, bool rule_reqids, vici_emit_fn emit_fn, void *ctx,
		    FILE *warn, char *err, size_t errlen)
{
	struct lower l = {
		.p = p,
		.emit = emit_fn,
		.ectx = ctx,
		.warn = warn,
		.err = err,
		.errlen = errlen,
		.rule_reqids = rule_reqids,
	};
	struct conns cs = {0};
	int rc = 0;

	/* Bucket the filters by rule once (in plan order within a rule), so
	 * lowering stays linear in the number of filters. */
	l.start = calloc(p->n_rules + 2, sizeof(*l.start));
	l.idx = calloc(p->n_filters ? p->n_filters : 1, sizeof(*l.idx));
	if (!l.start || !l.idx) {
		free(l.start);
		free(l.idx);
		snprintf(err, errlen, "vici: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_filters; i++)
		if (p->filters[i].rule < p->n_rules)
			l.start[p->filters[i].rule + 2]++;
	for (size_t r = 2; r < p->n_rules + 2; r++)
		l.start[r] += l.start[r - 1];
	for (size_t i = 0; i < p->n_filters; i++)
		if (p->filters[i].rule < p->n_rules)
			l.idx[l.start[p->filters[i].rule + 1]++] = i;
	vici_builder_init(&l.b);

	/* First every rule's filters into connections by peer, then one
	 * message per connection. */
	for (size_t i = 0; i < p->n_rules && !rc; i++) {
		const struct plan_rule *r = &p->rules[i];
		struct auth_choice ac;
		size_t n_children = 0;

		if (r->action != NS_ACTION_NEGOTIATE || r->is_default)
			continue;
		if (choose_auth(&l, r, &ac))
			continue; /* reported; the other rules go on */
		rule_warnings(&l, r);
		rc = group_filters(&l, i, &ac, &cs, &n_children);
		if (rc)
			snprintf(err, errlen, "vici: out of memory");
		else if (!n_children)
			warnf(&l, r, "no negotiate filter to lower");
		free(ac.ca);
	}
	for (size_t k = 0; k < cs.n && !rc; k++)
		rc = emit_conn(&l, &cs.v[k]);
	for (size_t i = 0; i < p->n_rules && !rc; i++)
		if (p->rules[i].action == NS_ACTION_NEGOTIATE && p->rules[i].is_default)
			rc = lower_default(&l, i);
	conns_free(&cs);
	vici_builder_free(&l.b);
	free(l.start);
	free(l.idx);
	if (!rc && l.first_err) {
		snprintf(err, errlen, "%s", l.first_msg);
		rc = l.first_err;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Talking to charon */

struct names {
	char **v;
	size_t n;
};

static int names_add(struct names *ns, const char *s)
{
	char **v = realloc(ns->v, (ns->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	ns->v = v;
	ns->v[ns->n] = strdup(s);
	return ns->v[ns->n++] ? 0 : -ENOMEM;
}

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ns must have been sorted with names_sort(). */
static bool names_has(const struct names *ns, const char *s)
{
	return ns->n && bsearch(&s, ns->v, ns->n, sizeof(*ns->v), names_cmp);
}

static void names_sort(struct names *ns)
{
	if (ns->n > 1)
		qsort(ns->v, ns->n, sizeof(*ns->v), names_cmp);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

struct apply_ctx {
	struct vici_conn *c; /* NULL: dry run */
	const struct apply_opts *o;
	struct names conns, keys;
	size_t n_loaded;
	int refused; /* first object charon refused; the others still load */
	char refused_msg[256];
};

/* -v output: the message as sent, with secrets left out. */
static void print_obj(FILE *out, enum vici_obj kind, const char *name, const struct vici_builder *b)
{
	struct vici_msg *m;
	char err[128];

	if (kind == VICI_OBJ_SHARED) {
		fprintf(out, "vici: load-shared %s (preshared key, not shown)\n", name);
		return;
	}
	fprintf(out, "vici: load-conn %s\n", name);
	if (vici_decode(b->buf, b->len, &m, err, sizeof(err)) == 0) {
		vici_dump(&m->root, out);
		vici_msg_free(m);
	}
}

static int apply_emit(void *vctx, enum vici_obj kind, const char *name,
		      const struct vici_builder *msg, char *err, size_t errlen)
{
	struct apply_ctx *a = vctx;
	int rc;

	if (a->o->verbose)
		print_obj(a->o->out ? a->o->out : stdout, kind, name, msg);
	rc = names_add(kind == VICI_OBJ_CONN ? &a->conns : &a->keys, name);
	if (rc || !a->c)
		return rc;
	rc = vici_command(a->c, kind == VICI_OBJ_CONN ? "load-conn" : "load-shared", msg, NULL, err,
			  errlen);
	if (rc == -EREMOTEIO) {
		/* charon refused this object (and kept any older one of that
		 * name): report it, name it, and load the rest. */
		fprintf(stderr, "error: %s (loading %s)\n", err, name);
		if (!a->refused) {
			a->refused = rc;
			snprintf(a->refused_msg, sizeof(a->refused_msg), "%.180s (loading %.60s)",
				 err, name);
		}
		return 0;
	}
	if (rc)
		return rc;
	a->n_loaded++;
	return 0;
}

/* Names listed under key of cmd's response ("get-conns" → "conns"). */
static int list_names(struct vici_conn *c, const char *cmd, const char *key, struct names *out,
		      char *err, size_t errlen)
{
	struct vici_msg *m;
	const struct vici_node *list;
	int rc = vici_command(c, cmd, NULL, &m, err, errlen);

	if (rc)
		return rc;
	list = vici_child(&m->root, key);
	for (size_t i = 0; list && list->type == VICI_NODE_LIST && i < list->n_child && !rc; i++)
		rc = names_add(out, list->child[i].value);
	vici_msg_free(m);
	return rc;
}

/* Unload every object of ours that keep does not hold (keep NULL: all).
 * The keep lists are sorted here. */
static int unload_stale(struct vici_conn *c, const struct apply_opts *o, struct names *keep_c,
			struct names *keep_k, char *err, size_t errlen)
{
	struct names have = {0};
	struct vici_builder b;
	int rc;

	vici_builder_init(&b);
	if (keep_c)
		names_sort(keep_c);
	if (keep_k)
		names_sort(keep_k);
	rc = list_names(c, "get-conns", "conns", &have, err, errlen);
	for (size_t i = 0; !rc && i < have.n; i++) {
		if (strncmp(have.v[i], VICI_PREFIX, strlen(VICI_PREFIX)) ||
		    (keep_c && names_has(keep_c, have.v[i])))
			continue;
		if (o->verbose)
			fprintf(o->out ? o->out : stdout, "vici: unload-conn %s\n", have.v[i]);
		vici_builder_reset(&b);
		vici_add_kv_str(&b, "name", have.v[i]);
		rc = vici_command(c, "unload-conn", &b, NULL, err, errlen);
	}
	names_free(&have);
	if (!rc)
		rc = list_names(c, "get-shared", "keys", &have, err, errlen);
	for (size_t i = 0; !rc && i < have.n; i++) {
		if (strncmp(have.v[i], VICI_PREFIX, strlen(VICI_PREFIX)) ||
		    (keep_k && names_has(keep_k, have.v[i])))
			continue;
		if (o->verbose)
			fprintf(o->out ? o->out : stdout, "vici: unload-shared %s\n", have.v[i]);
		vici_builder_reset(&b);
		vici_add_kv_str(&b, "id", have.v[i]);
		rc = vici_command(c, "unload-shared", &b, NULL, err, errlen);
	}
	names_free(&have);
	vici_builder_free(&b);
	return rc;
}

static const char *vici_path_of(const struct apply_opts *o)
{
	return o->vici_path && *o->vici_path ? o->vici_path : APPLY_DEFAULT_VICI;
}

static bool plan_needs_charon(const struct plan *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].action == NS_ACTION_NEGOTIATE)
			return true;
	return false;
}

int vici_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	struct apply_ctx a = {.o = o};
	int rc, rc_lower;

	if (!o->dry_run) {
		rc = vici_connect(vici_path_of(o), VICI_DEFAULT_TIMEOUT_MS, &a.c, err, len);
		/* Nothing to negotiate and no charon: nothing of ours can be
		 * loaded there either. */
		if (rc && !plan_needs_charon(p) && (rc == -ENOENT || rc == -ECONNREFUSED))
			return 0;
		if (rc)
			return rc;
	}
	/* Make before break: load everything, then unload what is gone. */
	rc_lower = vici_lower_plan(p, o->rule_reqids, apply_emit, &a, stderr, err, len);
	rc = rc_lower;
	/* A rule skipped for its own reasons still lets the rest be cleaned;
	 * a failure talking to charon does not. */
	if (a.c && (rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENOTSUP)) {
		char err2[256];
		int rc2 = unload_stale(a.c, o, &a.conns, &a.keys, err2, sizeof(err2));

		if (rc2 && !rc) {
			snprintf(err, len, "%s", err2);
			rc = rc2;
		}
	}
	if (!rc && a.refused) {
		snprintf(err, len, "%s", a.refused_msg);
		rc = a.refused;
	}
	if (o->verbose && !rc)
		fprintf(o->out ? o->out : stdout, "vici: %zu connections, %zu keys%s\n", a.conns.n,
			a.keys.n, o->dry_run ? " (dry run)" : " loaded");
	names_free(&a.conns);
	names_free(&a.keys);
	vici_close(a.c);
	return rc;
}

int vici_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	struct vici_conn *c;
	int rc;

	if (o->dry_run)
		return 0;
	rc = vici_connect(vici_path_of(o), VICI_DEFAULT_TIMEOUT_MS, &c, err, len);
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		return 0; /* no charon, nothing of ours loaded */
	if (rc)
		return rc;
	rc = unload_stale(c, o, NULL, NULL, err, len);
	vici_close(c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Status */

struct status_ctx {
	FILE *out;
	size_t n;
};

static const char *list_first(const struct vici_node *sec, const char *key)
{
	const struct vici_node *n = vici_child(sec, key);

	if (n && n->type == VICI_NODE_LIST && n->n_child)
		return n->child[0].value;
	return n && n->type == VICI_NODE_KV ? n->value : "";
}

static void print_list(FILE *out, const struct vici_node *sec, const char *key)
{
	const struct vici_node *n = vici_child(sec, key);

	for (size_t i = 0; n && n->type == VICI_NODE_LIST && i < n->n_child; i++)
		fprintf(out, "%s%s", i ? "," : "", n->child[i].value);
}

static void on_conn(void *vctx, const char *event, const struct vici_msg *m)
{
	struct status_ctx *s = vctx;

	for (size_t i = 0; i < m->root.n_child; i++) {
		const struct vici_node *c = &m->root.child[i];
		const struct vici_node *ch = vici_child(c, "children");

		if (c->type != VICI_NODE_SECTION ||
		    strncmp(c->name, VICI_PREFIX, strlen(VICI_PREFIX)))
			continue;
		s->n++;
		fprintf(s->out, "conn %s: %s...%s %s\n", c->name, list_first(c, "local_addrs"),
			list_first(c, "remote_addrs"), vici_str(c, "version") ?: "");
		for (size_t j = 0; ch && j < ch->n_child; j++) {
			const struct vici_node *k = &ch->child[j];

			fprintf(s->out, "  child %s: %s ", k->name, vici_str(k, "mode") ?: "");
			print_list(s->out, k, "local-ts");
			fputs(" === ", s->out);
			print_list(s->out, k, "remote-ts");
			fputc('\n', s->out);
		}
	}
}

static void on_sa(void *vctx, const char *event, const struct vici_msg *m)
{
	struct status_ctx *s = vctx;

	for (size_t i = 0; i < m->root.n_child; i++) {
		const struct vici_node *ike = &m->root.child[i];
		const struct vici_node *ch = vici_child(ike, "child-sas");

		if (ike->type != VICI_NODE_SECTION ||
		    strncmp(ike->name, VICI_PREFIX, strlen(VICI_PREFIX)))
			continue;
		s->n++;
		fprintf(s->out, "ike-sa %s #%s: %s %s...%s\n", ike->name,
			vici_str(ike, "uniqueid") ?: "?", vici_str(ike, "state") ?: "?",
			vici_str(ike, "local-host") ?: "?", vici_str(ike, "remote-host") ?: "?");
		for (size_t j = 0; ch && j < ch->n_child; j++) {
			const struct vici_node *k = &ch->child[j];

			fprintf(s->out,
				"  child-sa %s reqid %s: %s %s spi in %s out %s, bytes in %s out "
				"%s, "
				"packets in %s out %s\n",
				vici_str(k, "name") ?: k->name, vici_str(k, "reqid") ?: "?",
				vici_str(k, "state") ?: "?", vici_str(k, "protocol") ?: "?",
				vici_str(k, "spi-in") ?: "?", vici_str(k, "spi-out") ?: "?",
				vici_str(k, "bytes-in") ?: "0", vici_str(k, "bytes-out") ?: "0",
				vici_str(k, "packets-in") ?: "0",
				vici_str(k, "packets-out") ?: "0");
		}
	}
}

int vici_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	struct status_ctx s = {.out = o->out ? o->out : stdout};
	struct vici_conn *c;
	int rc = vici_connect(vici_path_of(o), VICI_DEFAULT_TIMEOUT_MS, &c, err, len);

	if (rc)
		return rc;
	rc = vici_stream(c, "list-conns", "list-conn", NULL, on_conn, &s, NULL, err, len);
	if (!rc && !s.n)
		fprintf(s.out, "vici: no connections loaded by netsh-ipsec\n");
	s.n = 0;
	if (!rc)
		rc = vici_stream(c, "list-sas", "list-sa", NULL, on_sa, &s, NULL, err, len);
	if (!rc && !s.n)
		fprintf(s.out, "vici: no security associations\n");
	vici_close(c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Watching charon */

bool vici_backend_connected(const char *path)
{
	struct vici_conn *c;
	char err[256];
	bool ok;

	if (vici_connect(path, 2000, &c, err, sizeof(err)))
		return false;
	ok = vici_command(c, "version", NULL, NULL, err, sizeof(err)) == 0;
	vici_close(c);
	return ok;
}

int vici_backend_watch_open(const char *path, char *err, size_t errlen)
{
	struct vici_conn *c;
	int rc = vici_connect(path, 2000, &c, err, errlen), fd;

	if (rc)
		return rc;
	rc = vici_command(c, "version", NULL, NULL, err, errlen);
	fd = rc ? rc : dup(vici_fd(c));
	if (fd < 0 && !rc) {
		fd = -errno;
		snprintf(err, errlen, "charon: %s: %s", path, strerror(errno));
	}
	vici_close(c);
	return fd;
}
