// SPDX-License-Identifier: GPL-2.0
#include "values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "errmsg.h"

/* Quick mode lifetimes we accept (the limits of the Windows UI). */
#define QM_KB_MIN 20480u
#define QM_KB_MAX 2147483647u
#define QM_SEC_MIN 300u
#define QM_SEC_MAX 172800u

int ns_val_bool(const char *in, bool *out, char *err, size_t errlen)
{
	if (strcasecmp(in, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(in, "no") == 0) {
		*out = false;
		return 0;
	}
	return ns_fail(err, errlen, -EINVAL, "'%s' is not allowed; use yes or no", in);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int ns_val_uint(const char *in, uint32_t min, uint32_t max, uint32_t *out, char *err,
		size_t errlen)
{
	unsigned long long v;

	if (!all_digits(in) || strlen(in) > 12)
		return ns_fail(err, errlen, -EINVAL,
			       "'%s' is not a number; use an integer from %u to %u", in, min, max);
	v = strtoull(in, NULL, 10);
	if (v < min || v > max)
		return ns_fail(err, errlen, -EINVAL,
			       "%s is out of range; use an integer from %u to %u", in, min, max);
	*out = (uint32_t)v;
	return 0;
}

int ns_val_enum(const char *in, const char *const *choices, uint32_t *out, char *err,
		size_t errlen)
{
	char list[256] = "";
	size_t len = 0;

	for (uint32_t i = 0; choices[i]; i++) {
		if (strcasecmp(in, choices[i]) == 0) {
			*out = i;
			return 0;
		}
		len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
					"%s%s", i ? "|" : "", choices[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	return ns_fail(err, errlen, -EINVAL, "'%s' is not allowed; use one of %s", in, list);
}

int ns_val_ipv4(const char *in, uint32_t *out, char *err, size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, in, &a) != 1)
		return ns_fail(err, errlen, -EINVAL, "'%s' is not an IPv4 address (a.b.c.d)", in);
	*out = ntohl(a.s_addr);
	return 0;
}

static bool mask_contiguous(uint32_t m)
{
	return (~m & (~m + 1)) == 0;
}

int ns_val_mask(const char *in, uint32_t *out, char *err, size_t errlen)
{
	uint32_t v = 0;

	if (all_digits(in)) {
		if (strlen(in) > 2 || (v = (uint32_t)atoi(in)) < 1 || v > 32)
			return ns_fail(
				err, errlen, -EINVAL,
				"prefix %s is out of range; use a prefix 1-32 or a dotted mask "
				"like 255.255.0.0",
				in);
		*out = v == 32 ? 0xffffffffu : ~(0xffffffffu >> v);
		return 0;
	}
	if (ns_val_ipv4(in, &v, NULL, 0) < 0)
		return ns_fail(err, errlen, -EINVAL,
			       "'%s' is not a mask; use a dotted mask like 255.255.0.0 or a prefix "
			       "1-32",
			       in);
	if (!mask_contiguous(v))
		return ns_fail(
			err, errlen, -EINVAL,
			"%s is not a contiguous mask; use a dotted mask like 255.255.0.0 or a "
			"prefix 1-32",
			in);
	*out = v;
	return 0;
}

int ns_val_port(const char *in, uint16_t *out, char *err, size_t errlen)
{
	uint32_t v = 0;

	if (ns_val_uint(in, 0, 65535, &v, NULL, 0) < 0)
		return ns_fail(err, errlen, -EINVAL, "'%s' is not a port; use 0 (any) to 65535",
			       in);
	*out = (uint16_t)v;
	return 0;
}

int ns_val_proto(const char *in, uint8_t *out, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"any", NS_PROTO_ANY},
		     {"icmp", NS_PROTO_ICMP},
		     {"tcp", NS_PROTO_TCP},
		     {"udp", NS_PROTO_UDP},
		     {"raw", NS_PROTO_RAW}};
	uint32_t v = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(in, names[i].name) == 0) {
			*out = names[i].num;
			return 0;
		}
	}
	if (ns_val_uint(in, 0, 255, &v, NULL, 0) < 0)
		return ns_fail(err, errlen, -EINVAL,
			       "'%s' is not a protocol; use ANY, ICMP, TCP, UDP, RAW or 0-255", in);
	*out = (uint8_t)v;
	return 0;
}

int ns_val_name(const char *in, char *err, size_t errlen)
{
	if (!*in)
		return ns_fail(err, errlen, -EINVAL, "a name cannot be empty");
	if (strcasecmp(in, "all") == 0)
		return ns_fail(err, errlen, -EINVAL,
			       "'%s' is reserved (it selects every object); choose another name",
			       in);
	if (strlen(in) > NS_NAME_MAX)
		return ns_fail(err, errlen, -EINVAL, "name is longer than %d characters",
			       NS_NAME_MAX);
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ns_fail(err, errlen, -EINVAL,
				       "a name cannot contain control characters");
	return 0;
}

int ns_resolve_getaddrinfo(const char *name, uint32_t *addr)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0 || !res)
		return -ENOENT;
	*addr = ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

static bool looks_numeric(const char *in)
{
	for (; *in; in++)
		if (!isdigit((unsigned char)*in) && *in != '.')
			return false;
	return true;
}

static int dns_name(const char *in, ns_resolver res, struct ns_endpoint *ep, const char *allowed,
		    char *err, size_t errlen)
{
	size_t len = strlen(in);
	uint32_t addr = 0;

	if (len == 0 || len > 253 || looks_numeric(in) || in[0] == '.' || in[0] == '-')
		goto bad;
	for (const char *p = in; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			goto bad;
	if (res) {
		int rc = res(in, &addr);

		if (rc < 0) {
			ns_errmsg(err, errlen, "cannot resolve '%s' to an IPv4 address", in);
			return -ENOENT;
		}
	}
	ep->dnsname = strdup(in);
	if (!ep->dnsname)
		return -ENOMEM;
	ep->kind = NS_ADDR_DNS_NAME;
	ep->addr = addr;
	ep->mask = 0xffffffffu;
	return 0;
bad:
	return ns_fail(err, errlen, -EINVAL, "'%s' is not valid; use %s", in, allowed);
}

int ns_val_endpoint(const char *in, ns_resolver res, struct ns_endpoint *ep, char *err,
		    size_t errlen)
{
	static const struct {
		const char *name;
		enum ns_addr_kind kind;
	} kw[] = {{"me", NS_ADDR_ME},          {"any", NS_ADDR_ANY},
		  {"wins", NS_ADDR_SRV_WINS},   {"dns", NS_ADDR_SRV_DNS},
		  {"dhcp", NS_ADDR_SRV_DHCP},   {"gateway", NS_ADDR_SRV_GATEWAY}};
	uint32_t a = 0;

	memset(ep, 0, sizeof(*ep));
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		if (strcasecmp(in, kw[i].name) == 0) {
			ep->kind = kw[i].kind;
			ep->mask = kw[i].kind == NS_ADDR_ANY ? 0 : 0xffffffffu;
			return 0;
		}
	}
	if (ns_val_ipv4(in, &a, NULL, 0) == 0) {
		ep->kind = NS_ADDR_IP;
		ep->addr = a;
		ep->mask = 0xffffffffu;
		return 0;
	}
	return dns_name(in, res, ep, "Me, Any, an IPv4 address, a DNS name, WINS, DNS, DHCP or GATEWAY",
			err, errlen);
}

int ns_val_host(const char *in, ns_resolver res, struct ns_endpoint *ep, char *err,
		size_t errlen)
{
	uint32_t a = 0;

	static const char *const keywords[] = {"me", "any", "wins", "dns", "dhcp", "gateway"};

	memset(ep, 0, sizeof(*ep));
	if (ns_val_ipv4(in, &a, NULL, 0) == 0) {
		ep->kind = NS_ADDR_IP;
		ep->addr = a;
		ep->mask = 0xffffffffu;
		return 0;
	}
	/* A tunnel end is one fixed host, never a keyword. */
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcasecmp(in, keywords[i]) == 0)
			return ns_fail(err, errlen, -EINVAL,
				       "'%s' is not valid; use an IPv4 address or a DNS name", in);
	return dns_name(in, res, ep, "an IPv4 address or a DNS name", err, errlen);
}

/* ---- security methods ------------------------------------------------ */

static const char *const cipher_names[] = {"none", "DES", "3DES", "AES128", "AES192", "AES256"};
static const char *const hash_names[] = {"none", "MD5", "SHA1", "SHA256", "SHA384"};

const char *ns_cipher_name(enum ns_cipher c)
{
	return (unsigned)c < sizeof(cipher_names) / sizeof(cipher_names[0]) ? cipher_names[c] : "?";
}

const char *ns_hash_name(enum ns_hash h)
{
	return (unsigned)h < sizeof(hash_names) / sizeof(hash_names[0]) ? hash_names[h] : "?";
}

const char *ns_dh_name(enum ns_dh g)
{
	static const char *const names[] = {"none", "1", "2", "3", "14", "19", "20", "24"};

	return (unsigned)g < sizeof(names) / sizeof(names[0]) ? names[g] : "?";
}

/* Case-insensitive match of a length-delimited word against a table. */
static int lookup(const char *w, size_t len, const char *const *tab, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(tab[i]) == len && strncasecmp(w, tab[i], len) == 0)
			return (int)i;
	return -1;
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static int qm_cipher(const char *b, const char *e, enum ns_cipher *out, char *err, size_t errlen)
{
	int i;

	trim(&b, &e);
	i = lookup(b, (size_t)(e - b), cipher_names, 6);
	if (i < 0)
		return ns_fail(
			err, errlen, -EINVAL,
			"'%.*s' is not an encryption algorithm; use DES, 3DES, AES128, AES192, "
			"AES256 or none",
			(int)(e - b), b);
	*out = (enum ns_cipher)i;
	return 0;
}

static int qm_hash(const char *b, const char *e, bool none_ok, enum ns_hash *out, char *err,
		   size_t errlen)
{
	int i;

	trim(&b, &e);
	i = lookup(b, (size_t)(e - b), hash_names, 5);
	if (i < 0 || (i == 0 && !none_ok))
		return ns_fail(err, errlen, -EINVAL,
			       "'%.*s' is not an integrity algorithm; use MD5, SHA1, "
			       "SHA256, SHA384%s",
			       (int)(e - b), b, none_ok ? " or none" : "");
	*out = (enum ns_hash)i;
	return 0;
}

/* ":100000k/3600s", ":100000k", ":3600s" (either order with '/'). */
static int qm_lifetime(const char *b, const char *e, struct ns_qm_method *m, char *err,
		       size_t errlen)
{
	bool kb_seen = false, sec_seen = false;

	while (b < e) {
		const char *p = b;
		unsigned long long v = 0;

		while (p < e && isdigit((unsigned char)*p)) {
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 0xffffffffull)
				break;
			p++;
		}
		if (p == b || p >= e)
			goto bad;
		if ((*p == 'k' || *p == 'K') && !kb_seen) {
			if (v < QM_KB_MIN || v > QM_KB_MAX)
				return ns_fail(err, errlen, -EINVAL,
					       "lifetime %llu kilobytes is out of range; use %u-%u",
					       v, QM_KB_MIN, QM_KB_MAX);
			m->lifetime_kb = (uint32_t)v;
			kb_seen = true;
		} else if ((*p == 's' || *p == 'S') && !sec_seen) {
			if (v < QM_SEC_MIN || v > QM_SEC_MAX)
				return ns_fail(err, errlen, -EINVAL,
					       "lifetime %llu seconds is out of range; use %u-%u",
					       v, QM_SEC_MIN, QM_SEC_MAX);
			m->lifetime_sec = (uint32_t)v;
			sec_seen = true;
		} else {
			goto bad;
		}
		b = p + 1;
		if (b < e) {
			if (*b != '/' || b + 1 == e)
				goto bad;
			b++;
		}
	}
	return 0;
bad:
	return ns_fail(err, errlen, -EINVAL,
		       "bad lifetime; write :<kilobytes>k/<seconds>s, e.g. :100000k/3600s");
}

static int qm_one(const char *b, const char *e, struct ns_qm_method *m, char *err, size_t errlen)
{
	const char *lb = memchr(b, '[', (size_t)(e - b));
	const char *rb = lb ? memchr(lb, ']', (size_t)(e - lb)) : NULL;
	const char *nb = b, *ne = lb;
	int rc;

	memset(m, 0, sizeof(*m));
	m->lifetime_kb = NS_QM_DEFAULT_KB;
	m->lifetime_sec = NS_QM_DEFAULT_SEC;
	if (!lb || !rb)
		goto bad;
	trim(&nb, &ne);
	if (ne - nb == 3 && strncasecmp(nb, "ESP", 3) == 0) {
		const char *comma = memchr(lb, ',', (size_t)(rb - lb));

		m->kind = NS_QM_ESP;
		if (!comma)
			goto bad;
		rc = qm_cipher(lb + 1, comma, &m->esp_conf, err, errlen);
		if (!rc)
			rc = qm_hash(comma + 1, rb, true, &m->esp_auth, err, errlen);
		if (rc)
			return rc;
	} else if (ne - nb == 2 && strncasecmp(nb, "AH", 2) == 0) {
		const char *plus = memchr(lb, '+', (size_t)(rb - lb));

		if (!plus) {
			m->kind = NS_QM_AH;
			rc = qm_hash(lb + 1, rb, false, &m->ah_hash, err, errlen);
			if (rc)
				return rc;
		} else {
			const char *comma = memchr(plus, ',', (size_t)(rb - plus));

			m->kind = NS_QM_AH_ESP;
			if (!comma)
				goto bad;
			rc = qm_hash(lb + 1, plus, false, &m->ah_hash, err, errlen);
			if (!rc)
				rc = qm_cipher(plus + 1, comma, &m->esp_conf, err, errlen);
			if (!rc)
				rc = qm_hash(comma + 1, rb, true, &m->esp_auth, err, errlen);
			if (rc)
				return rc;
		}
	} else {
		goto bad;
	}
	if (m->kind != NS_QM_AH && m->esp_conf == NS_CIPHER_NONE && m->esp_auth == NS_HASH_NONE)
		return ns_fail(
			err, errlen, -EINVAL,
			"'%.*s': the encryption and integrity algorithms cannot both be none",
			(int)(e - b), b);
	if (rb + 1 < e) {
		if (rb[1] != ':')
			goto bad;
		if (rb + 2 == e)
			return ns_fail(err, errlen, -EINVAL,
				       "bad lifetime; write :<kilobytes>k/<seconds>s, "
				       "e.g. :100000k/3600s");
		return qm_lifetime(rb + 2, e, m, err, errlen);
	}
	return 0;
bad:
	return ns_fail(err, errlen, -EINVAL,
		       "'%.*s' is not a quick mode method; use ESP[ConfAlg,AuthAlg], AH[Hash] or "
		       "AH[Hash+ConfAlg,AuthAlg], optionally followed by :<kb>k/<sec>s",
		       (int)(e - b), b);
}

/* Split a space-separated list where spaces inside [...] do not count. */
static const char *next_item(const char *p, const char **end)
{
	int depth = 0;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	*end = p;
	for (const char *q = p; *q; q++) {
		if (*q == '[')
			depth++;
		else if (*q == ']' && depth > 0)
			depth--;
		else if (isspace((unsigned char)*q) && depth == 0) {
			/* "ESP [3DES,SHA1]": a keyword may be followed by spaces
			 * before its bracket. */
			const char *r = q;

			while (*r && isspace((unsigned char)*r))
				r++;
			if (*r == '[' && !memchr(p, '[', (size_t)(q - p)))
				continue;
			*end = q;
			return p;
		}
		*end = q + 1;
	}
	return p;
}

#define MAX_METHODS 64

int ns_val_qm_methods(const char *in, struct ns_qm_method **out, size_t *n, char *err,
		      size_t errlen)
{
	struct ns_qm_method *v = calloc(MAX_METHODS, sizeof(*v));
	const char *p = in, *b, *e;
	size_t cnt = 0;
	int rc;

	if (!v)
		return -ENOMEM;
	while ((b = next_item(p, &e))) {
		if (cnt == MAX_METHODS) {
			free(v);
			return ns_fail(err, errlen, -EINVAL, "too many methods (at most %d)",
				       MAX_METHODS);
		}
		rc = qm_one(b, e, &v[cnt++], err, errlen);
		if (rc) {
			free(v);
			return rc;
		}
		p = e;
	}
	if (!cnt) {
		free(v);
		return ns_fail(err, errlen, -EINVAL,
			       "no method given; use e.g. \"ESP[3DES,SHA1] AH[SHA1]\"");
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int mm_one(const char *b, const char *e, struct ns_mm_method *m, char *err, size_t errlen)
{
	static const char *const groups[] = {"", "1", "2", "3", "14", "19", "20", "24"};
	const char *d1 = memchr(b, '-', (size_t)(e - b));
	const char *d2 = d1 ? memchr(d1 + 1, '-', (size_t)(e - d1 - 1)) : NULL;
	int c, h, g;

	if (!d1 || !d2)
		goto bad;
	c = lookup(b, (size_t)(d1 - b), cipher_names, 6);
	h = lookup(d1 + 1, (size_t)(d2 - d1 - 1), hash_names, 5);
	g = lookup(d2 + 1, (size_t)(e - d2 - 1), groups, 8);
	if (c <= 0)
		return ns_fail(
			err, errlen, -EINVAL,
			"'%.*s': '%.*s' is not an encryption algorithm; use DES, 3DES, AES128, "
			"AES192 or AES256",
			(int)(e - b), b, (int)(d1 - b), b);
	if (h <= 0)
		return ns_fail(
			err, errlen, -EINVAL,
			"'%.*s': '%.*s' is not a hash algorithm; use MD5, SHA1, SHA256 or SHA384",
			(int)(e - b), b, (int)(d2 - d1 - 1), d1 + 1);
	if (g <= 0)
		return ns_fail(
			err, errlen, -EINVAL,
			"'%.*s': '%.*s' is not a Diffie-Hellman group; use 1, 2, 3, 14, 19, 20 "
			"or 24",
			(int)(e - b), b, (int)(e - d2 - 1), d2 + 1);
	m->cipher = (enum ns_cipher)c;
	m->hash = (enum ns_hash)h;
	m->group = (enum ns_dh)g;
	return 0;
bad:
	return ns_fail(err, errlen, -EINVAL,
		       "'%.*s' is not a main mode method; use ConfAlg-Hash-Group, e.g. 3DES-SHA1-2",
		       (int)(e - b), b);
}

int ns_val_mm_methods(const char *in, struct ns_mm_method **out, size_t *n, char *err,
		      size_t errlen)
{
	struct ns_mm_method *v = calloc(MAX_METHODS, sizeof(*v));
	const char *p = in;
	size_t cnt = 0;
	int rc;

	if (!v)
		return -ENOMEM;
	for (;;) {
		const char *b, *e;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		b = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		e = p;
		if (cnt == MAX_METHODS) {
			free(v);
			return ns_fail(err, errlen, -EINVAL, "too many methods (at most %d)",
				       MAX_METHODS);
		}
		rc = mm_one(b, e, &v[cnt++], err, errlen);
		if (rc) {
			free(v);
			return rc;
		}
	}
	if (!cnt) {
		free(v);
		return ns_fail(err, errlen, -EINVAL,
			       "no method given; use e.g. \"3DES-SHA1-2 3DES-MD5-2\"");
	}
	*out = v;
	*n = cnt;
	return 0;
}

int ns_val_rootca(const char *in, struct ns_auth *a, char *err, size_t errlen)
{
	size_t len = strlen(in);
	const char *end = in + len;
	bool seen_cm = false, seen_ex = false;
	char *dn, *w;

	memset(a, 0, sizeof(*a));
	a->kind = NS_AUTH_ROOTCA;
	/* Options are the trailing words; everything before is the name. */
	for (;;) {
		const char *e = end, *b;
		bool v = false;
		size_t wl;

		while (e > in && isspace((unsigned char)e[-1]))
			e--;
		b = e;
		while (b > in && !isspace((unsigned char)b[-1]))
			b--;
		wl = (size_t)(e - b);
		if (wl > 8 && strncasecmp(b, "certmap:", 8) == 0) {
			if (seen_cm)
				return ns_fail(err, errlen, -EINVAL, "certmap given twice");
			char tmp[8] = "";

			if (wl - 8 >= sizeof(tmp) || (memcpy(tmp, b + 8, wl - 8), tmp[wl - 8] = 0,
						      ns_val_bool(tmp, &v, NULL, 0) < 0))
				return ns_fail(err, errlen, -EINVAL,
					       "certmap:%.*s is not allowed; use certmap:yes "
					       "or certmap:no",
					       (int)(wl - 8), b + 8);
			a->certmap = v;
			seen_cm = true;
		} else if (wl > 14 && strncasecmp(b, "excludecaname:", 14) == 0) {
			if (seen_ex)
				return ns_fail(err, errlen, -EINVAL, "excludecaname given twice");
			char tmp[8] = "";

			if (wl - 14 >= sizeof(tmp) ||
			    (memcpy(tmp, b + 14, wl - 14), tmp[wl - 14] = 0,
			     ns_val_bool(tmp, &v, NULL, 0) < 0))
				return ns_fail(
					err, errlen, -EINVAL,
					"excludecaname:%.*s is not allowed; use excludecaname:yes "
					"or excludecaname:no",
					(int)(wl - 14), b + 14);
			a->excludecaname = v;
			seen_ex = true;
		} else {
			end = e;
			break;
		}
		end = b;
	}
	while (in < end && isspace((unsigned char)*in))
		in++;
	if (in == end)
		return ns_fail(err, errlen, -EINVAL,
			       "no certificate authority name; write \"<CA name> certmap:yes|no "
			       "excludecaname:yes|no\"");
	dn = strndup(in, (size_t)(end - in));
	if (!dn)
		return -ENOMEM;
	/* \' stands for a double quote; the text only shrinks. */
	w = dn;
	for (const char *p = dn; *p; p++) {
		if (p[0] == '\\' && p[1] == '\'') {
			*w++ = '"';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	a->value = dn;
	return 0;
}

bool ns_qm_weak(const struct ns_qm_method *m, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if ((m[i].kind != NS_QM_AH && m[i].esp_conf == NS_CIPHER_DES)) {
			snprintf(buf, len, "DES is a weak cipher; prefer AES or 3DES");
			return true;
		}
		if ((m[i].kind != NS_QM_AH && m[i].esp_auth == NS_HASH_MD5) ||
		    (m[i].kind != NS_QM_ESP && m[i].ah_hash == NS_HASH_MD5)) {
			snprintf(buf, len, "MD5 is a weak hash; prefer SHA1 or SHA256");
			return true;
		}
	}
	return false;
}

bool ns_mm_weak(const struct ns_mm_method *m, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].cipher == NS_CIPHER_DES) {
			snprintf(buf, len, "DES is a weak cipher; prefer AES or 3DES");
			return true;
		}
		if (m[i].hash == NS_HASH_MD5) {
			snprintf(buf, len, "MD5 is a weak hash; prefer SHA1 or SHA256");
			return true;
		}
		if (m[i].group == NS_DH_1) {
			snprintf(buf, len, "Diffie-Hellman group 1 is weak; prefer group 2, 3 or 14");
			return true;
		}
	}
	return false;
}
