/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Formatting single model values as text, for `show` (display spelling)
 * and `dump` (the spelling the netsh parser accepts back).
 *
 * Buffer-writing calls follow snprintf: the buffer is always NUL
 * terminated; they return the length written, or -ENOSPC when the text did
 * not fit (the buffer then holds a truncated prefix).
 */
#ifndef NETSH_IPSEC_FORMAT_H
#define NETSH_IPSEC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A buffer big enough for any single value below except method lists and
 * free text (names, DNS names, descriptions). */
#define NS_FMT_SHORT 64

const char *ns_fmt_yesno(bool b);		   /* "yes" / "no" */
const char *ns_fmt_cipher(enum ns_cipher c);	   /* DES 3DES AES128 ... None */
const char *ns_fmt_hash(enum ns_hash h);	   /* MD5 SHA1 SHA256 SHA384 None */
const char *ns_fmt_dh(enum ns_dh g);		   /* "1" "2" "3" "14" "19" "20" "24" */
const char *ns_fmt_action(enum ns_action a);	   /* permit block negotiate */
const char *ns_fmt_conntype(enum ns_conntype c);   /* all lan dialup */
const char *ns_fmt_auth_kind(enum ns_auth_kind k); /* Kerberos, Preshared Key, Root CA */
/* The server-type keyword of netsh (DNS, WINS, DHCP, GATEWAY), NULL for
 * other kinds. */
const char *ns_fmt_server_keyword(enum ns_addr_kind k);

int ns_fmt_ipv4(char *buf, size_t len, uint32_t addr);
/* The same into a buffer of NS_FMT_IPV4_LEN bytes, returning buf, for use
 * as a printf argument. */
#define NS_FMT_IPV4_LEN 16
const char *ns_fmt_ipv4_str(uint32_t addr, char *buf);
/* Dotted mask, as netsh shows it. */
int ns_fmt_mask(char *buf, size_t len, uint32_t mask);
/* ANY ICMP TCP UDP RAW, else the number. */
int ns_fmt_protocol(char *buf, size_t len, uint8_t proto);
/* "ANY" for 0, else the number. */
int ns_fmt_port(char *buf, size_t len, uint16_t port);

/* Display form: "<My IP Address>", "<Any IP Address>", "<DNS Servers>",
 * "10.1.2.3", "host.example (10.1.2.3)". */
int ns_fmt_endpoint(char *buf, size_t len, const struct ns_endpoint *e);
/* netsh argument form of srcaddr=/dstaddr=: me, any, DNS, WINS, DHCP,
 * GATEWAY, the address, or the DNS name as typed. */
int ns_fmt_endpoint_arg(char *buf, size_t len, const struct ns_endpoint *e);

/* "3DES-SHA1-2" */
int ns_fmt_mm_method(char *buf, size_t len, const struct ns_mm_method *m);
/* "ESP[3DES,SHA1]:100000k/3600s", "AH[MD5]:...", "AH[SHA1+3DES,SHA1]:..." */
int ns_fmt_qm_method(char *buf, size_t len, const struct ns_qm_method *m);
/* Space-separated lists, as qmsecmethods= / mmsecmethods= take them. */
int ns_fmt_mm_methods(char *buf, size_t len, const struct ns_mm_method *m, size_t n);
int ns_fmt_qm_methods(char *buf, size_t len, const struct ns_qm_method *m, size_t n);

/* Display form of one authentication method.  A pre-shared key is never
 * shown: "Preshared Key (********)".  Root CA: "Root CA: <dn> (certmap:
 * yes, excludecaname: no)". */
int ns_fmt_auth(char *buf, size_t len, const struct ns_auth *a);

/* "2026-11-29 09:11:04 UTC"; "unknown" for 0. */
int ns_fmt_time(char *buf, size_t len, int64_t t);

#endif
