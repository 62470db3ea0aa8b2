/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for single netsh values.  Each returns 0 or -EINVAL (-ENOENT for
 * a DNS name that does not resolve) with a one-line reason in err that
 * names what is allowed; the caller prefixes the parameter tag.
 * Keywords are case-insensitive; nothing here allocates unless noted.
 */
#ifndef NETSH_IPSEC_VALUES_H
#define NETSH_IPSEC_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

int ns_val_bool(const char *in, bool *out, char *err, size_t errlen);
int ns_val_uint(const char *in, uint32_t min, uint32_t max, uint32_t *out, char *err,
		size_t errlen);
/* Index of in among choices (NULL-terminated), case-insensitive. */
int ns_val_enum(const char *in, const char *const *choices, uint32_t *out, char *err,
		size_t errlen);
/* Dotted IPv4 address only (no names). */
int ns_val_ipv4(const char *in, uint32_t *out, char *err, size_t errlen);
/* Dotted contiguous mask (0.0.0.0 allowed) or prefix 1-32; out host order. */
int ns_val_mask(const char *in, uint32_t *out, char *err, size_t errlen);
int ns_val_port(const char *in, uint16_t *out, char *err, size_t errlen);
int ns_val_proto(const char *in, uint8_t *out, char *err, size_t errlen);
/* Object names: not empty, not "all" (any case), no control characters. */
int ns_val_name(const char *in, char *err, size_t errlen);

/* Name resolution hook: 0 and *addr (host order) or negative errno. */
typedef int (*ns_resolver)(const char *name, uint32_t *addr);
/* getaddrinfo(AF_INET), first address. */
int ns_resolve_getaddrinfo(const char *name, uint32_t *addr);

/*
 * Me|Any|a.b.c.d|WINS|DNS|DHCP|GATEWAY|DNS name.  A DNS name is resolved
 * with res (when res is NULL it is kept unresolved, addr 0, which delete
 * filter uses to match by name).  mask is set to the kind's default:
 * /32 for addresses and names, 0 for Any, ~0 for Me and server types.
 * ep->dnsname is allocated for names; free with ns_endpoint_free().
 */
int ns_val_endpoint(const char *in, ns_resolver res, struct ns_endpoint *ep, char *err,
		    size_t errlen);
/* A tunnel endpoint: IPv4 address or resolved DNS name only. */
int ns_val_host(const char *in, ns_resolver res, struct ns_endpoint *ep, char *err,
		size_t errlen);

/* "ESP[3DES,SHA1]:100000k/3600s AH[MD5] ..." -> malloc'd array. */
int ns_val_qm_methods(const char *in, struct ns_qm_method **out, size_t *n, char *err,
		      size_t errlen);
/* "3DES-SHA1-2 DES-MD5-1 ..." -> malloc'd array. */
int ns_val_mm_methods(const char *in, struct ns_mm_method **out, size_t *n, char *err,
		      size_t errlen);
/* "CN=x, O=\'y\' certmap:yes excludecaname:no" -> a->value malloc'd. */
int ns_val_rootca(const char *in, struct ns_auth *a, char *err, size_t errlen);

/* Text of algorithm values as netsh spells them. */
const char *ns_cipher_name(enum ns_cipher c);
const char *ns_hash_name(enum ns_hash h);
const char *ns_dh_name(enum ns_dh g);

/* A one-line warning (without prefix) about weak choices, or false. */
bool ns_qm_weak(const struct ns_qm_method *m, size_t n, char *buf, size_t len);
bool ns_mm_weak(const struct ns_mm_method *m, size_t n, char *buf, size_t len);

#endif
