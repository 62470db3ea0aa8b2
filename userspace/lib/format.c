// SPDX-License-Identifier: GPL-2.0
#include "format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int put(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int put(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf[0] = '\0';
		return -EINVAL;
	}
	return (size_t)n >= len ? -ENOSPC : n;
}

const char *ns_fmt_yesno(bool b)
{
	return b ? "yes" : "no";
}

const char *ns_fmt_cipher(enum ns_cipher c)
{
	switch (c) {
	case NS_CIPHER_NONE:
		return "None";
	case NS_CIPHER_DES:
		return "DES";
	case NS_CIPHER_3DES:
		return "3DES";
	case NS_CIPHER_AES128:
		return "AES128";
	case NS_CIPHER_AES192:
		return "AES192";
	case NS_CIPHER_AES256:
		return "AES256";
	}
	return "?";
}

const char *ns_fmt_hash(enum ns_hash h)
{
	switch (h) {
	case NS_HASH_NONE:
		return "None";
	case NS_HASH_MD5:
		return "MD5";
	case NS_HASH_SHA1:
		return "SHA1";
	case NS_HASH_SHA256:
		return "SHA256";
	case NS_HASH_SHA384:
		return "SHA384";
	}
	return "?";
}

const char *ns_fmt_dh(enum ns_dh g)
{
	switch (g) {
	case NS_DH_NONE:
		return "0";
	case NS_DH_1:
		return "1";
	case NS_DH_2:
		return "2";
	case NS_DH_3:
		return "3";
	case NS_DH_14:
		return "14";
	case NS_DH_19:
		return "19";
	case NS_DH_20:
		return "20";
	case NS_DH_24:
		return "24";
	}
	return "?";
}

const char *ns_fmt_action(enum ns_action a)
{
	switch (a) {
	case NS_ACTION_PERMIT:
		return "permit";
	case NS_ACTION_BLOCK:
		return "block";
	case NS_ACTION_NEGOTIATE:
		return "negotiate";
	}
	return "?";
}

const char *ns_fmt_conntype(enum ns_conntype c)
{
	switch (c) {
	case NS_CONN_ALL:
		return "all";
	case NS_CONN_LAN:
		return "lan";
	case NS_CONN_DIALUP:
		return "dialup";
	}
	return "?";
}

const char *ns_fmt_auth_kind(enum ns_auth_kind k)
{
	switch (k) {
	case NS_AUTH_KERBEROS:
		return "Kerberos";
	case NS_AUTH_PSK:
		return "Preshared Key";
	case NS_AUTH_ROOTCA:
		return "Root CA";
	}
	return "?";
}

const char *ns_fmt_server_keyword(enum ns_addr_kind k)
{
	switch (k) {
	case NS_ADDR_SRV_DNS:
		return "DNS";
	case NS_ADDR_SRV_WINS:
		return "WINS";
	case NS_ADDR_SRV_DHCP:
		return "DHCP";
	case NS_ADDR_SRV_GATEWAY:
		return "GATEWAY";
	default:
		return NULL;
	}
}

int ns_fmt_ipv4(char *buf, size_t len, uint32_t a)
{
	return put(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

const char *ns_fmt_ipv4_str(uint32_t a, char *buf)
{
	ns_fmt_ipv4(buf, NS_FMT_IPV4_LEN, a);
	return buf;
}

int ns_fmt_mask(char *buf, size_t len, uint32_t mask)
{
	return ns_fmt_ipv4(buf, len, mask);
}

int ns_fmt_protocol(char *buf, size_t len, uint8_t proto)
{
	switch (proto) {
	case NS_PROTO_ANY:
		return put(buf, len, "ANY");
	case NS_PROTO_ICMP:
		return put(buf, len, "ICMP");
	case NS_PROTO_TCP:
		return put(buf, len, "TCP");
	case NS_PROTO_UDP:
		return put(buf, len, "UDP");
	case NS_PROTO_RAW:
		return put(buf, len, "RAW");
	default:
		return put(buf, len, "%u", proto);
	}
}

int ns_fmt_port(char *buf, size_t len, uint16_t port)
{
	return port ? put(buf, len, "%u", port) : put(buf, len, "ANY");
}

int ns_fmt_endpoint(char *buf, size_t len, const struct ns_endpoint *e)
{
	char ip[NS_FMT_SHORT];

	switch (e->kind) {
	case NS_ADDR_ANY:
		return put(buf, len, "<Any IP Address>");
	case NS_ADDR_ME:
		return put(buf, len, "<My IP Address>");
	case NS_ADDR_IP:
		return ns_fmt_ipv4(buf, len, e->addr);
	case NS_ADDR_DNS_NAME:
		ns_fmt_ipv4(ip, sizeof(ip), e->addr);
		return put(buf, len, "%s (%s)", e->dnsname ? e->dnsname : "", ip);
	case NS_ADDR_SRV_DNS:
		return put(buf, len, "<DNS Servers>");
	case NS_ADDR_SRV_WINS:
		return put(buf, len, "<WINS Servers>");
	case NS_ADDR_SRV_DHCP:
		return put(buf, len, "<DHCP Server>");
	case NS_ADDR_SRV_GATEWAY:
		return put(buf, len, "<Default Gateway>");
	}
	return put(buf, len, "?");
}

int ns_fmt_endpoint_arg(char *buf, size_t len, const struct ns_endpoint *e)
{
	switch (e->kind) {
	case NS_ADDR_ANY:
		return put(buf, len, "any");
	case NS_ADDR_ME:
		return put(buf, len, "me");
	case NS_ADDR_IP:
		return ns_fmt_ipv4(buf, len, e->addr);
	case NS_ADDR_DNS_NAME:
		/* The name as typed: a script re-resolves it, as Windows does. */
		if (e->dnsname && e->dnsname[0])
			return put(buf, len, "%s", e->dnsname);
		return ns_fmt_ipv4(buf, len, e->addr);
	default:
		if (ns_fmt_server_keyword(e->kind))
			return put(buf, len, "%s", ns_fmt_server_keyword(e->kind));
	}
	return put(buf, len, "?");
}

int ns_fmt_mm_method(char *buf, size_t len, const struct ns_mm_method *m)
{
	return put(buf, len, "%s-%s-%s", ns_fmt_cipher(m->cipher), ns_fmt_hash(m->hash),
		   ns_fmt_dh(m->group));
}

int ns_fmt_qm_method(char *buf, size_t len, const struct ns_qm_method *m)
{
	switch (m->kind) {
	case NS_QM_ESP:
		return put(buf, len, "ESP[%s,%s]:%uk/%us", ns_fmt_cipher(m->esp_conf),
			   ns_fmt_hash(m->esp_auth), m->lifetime_kb, m->lifetime_sec);
	case NS_QM_AH:
		return put(buf, len, "AH[%s]:%uk/%us", ns_fmt_hash(m->ah_hash), m->lifetime_kb,
			   m->lifetime_sec);
	case NS_QM_AH_ESP:
		return put(buf, len, "AH[%s+%s,%s]:%uk/%us", ns_fmt_hash(m->ah_hash),
			   ns_fmt_cipher(m->esp_conf), ns_fmt_hash(m->esp_auth), m->lifetime_kb,
			   m->lifetime_sec);
	}
	return put(buf, len, "?");
}

/* Appends items one by one so a too-small buffer still ends on a whole
 * method rather than half of one. */
#define FMT_LIST(fmt_one, buf, len, m, n)                                                          \
	do {                                                                                       \
		size_t used = 0;                                                                   \
		char one[NS_FMT_SHORT];                                                            \
		if (!(len))                                                                        \
			return -ENOSPC;                                                            \
		(buf)[0] = '\0';                                                                   \
		for (size_t i = 0; i < (n); i++) {                                                 \
			int k = fmt_one(one, sizeof(one), &(m)[i]);                                \
			if (k < 0)                                                                 \
				return k;                                                          \
			if (used + (i ? 1 : 0) + (size_t)k + 1 > (len))                            \
				return -ENOSPC;                                                    \
			if (i)                                                                     \
				(buf)[used++] = ' ';                                               \
			memcpy((buf) + used, one, (size_t)k + 1);                                  \
			used += (size_t)k;                                                         \
		}                                                                                  \
		return (int)used;                                                                  \
	} while (0)

int ns_fmt_mm_methods(char *buf, size_t len, const struct ns_mm_method *m, size_t n)
{
	FMT_LIST(ns_fmt_mm_method, buf, len, m, n);
}

int ns_fmt_qm_methods(char *buf, size_t len, const struct ns_qm_method *m, size_t n)
{
	FMT_LIST(ns_fmt_qm_method, buf, len, m, n);
}

int ns_fmt_auth(char *buf, size_t len, const struct ns_auth *a)
{
	switch (a->kind) {
	case NS_AUTH_KERBEROS:
		return put(buf, len, "Kerberos");
	case NS_AUTH_PSK:
		return put(buf, len, "Preshared Key (********)");
	case NS_AUTH_ROOTCA:
		return put(buf, len, "Root CA: %s (certmap: %s, excludecaname: %s)",
			   a->value ? a->value : "", ns_fmt_yesno(a->certmap),
			   ns_fmt_yesno(a->excludecaname));
	}
	return put(buf, len, "?");
}

int ns_fmt_time(char *buf, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm))
		return put(buf, len, "unknown");
	return put(buf, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
