/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Codecs for the ipsecData blobs of the five registry classes, between
 * bytes and the model (see Documentation/windows-import.md for the layout
 * we read and write).  Decoders parse by structure, never trusting the
 * blob's own length field, and report what they drop through the report;
 * a blob too short for its structure is an error with its byte offset.
 */
#ifndef NETSH_IPSEC_BLOB_H
#define NETSH_IPSEC_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/model.h"
#include "winreg/winreg.h"

#define NS_BLOB_HDR 20 /* class GUID + data length */

/* Class GUIDs of the blob frame. */
#define NS_CLASS_POLICY "{22202163-4F4C-11D1-863B-00A0248D3021}"
#define NS_CLASS_ISAKMP "{80DC20B8-2EC8-11D1-A89E-00A0248D3021}"
#define NS_CLASS_NFA	"{11BBAC00-498D-11D1-8639-00A0248D3021}"
#define NS_CLASS_NEGPOL "{80DC20B9-2EC8-11D1-A89E-00A0248D3021}"
#define NS_CLASS_FILTER "{80DC20B5-2EC8-11D1-A89E-00A0248D3021}"

/* Windows codes. */
#define NS_WIN_DH_2048	     0x10000001u
#define NS_WIN_IF_ALL	     0xFFFFFFFDu
#define NS_WIN_IF_LAN	     0xFFFFFFFEu
#define NS_WIN_IF_DIALUP     0xFFFFFFFFu
#define NS_WIN_AUTH_PSK	     1u
#define NS_WIN_AUTH_CA	     3u
#define NS_WIN_AUTH_KERBEROS 5u
#define NS_WIN_OPT_CERTMAP   1u
#define NS_WIN_OPT_EXCLUDECA 2u
#define NS_WIN_ISAKMP_METHOD 64u
#define NS_WIN_OFFER	     80u

/* Where a decoder is: for messages. */
struct ns_blob_diag {
	struct ns_winreg_report *rep; /* may be NULL */
	const char *key;
	const char *value;
};

/* printf into the report (no-op without one).  Returns -ENOMEM on failure. */
int ns_winreg_report_add(struct ns_winreg_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Growing byte buffer for the encoders. */
struct ns_bbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};
void ns_bbuf_free(struct ns_bbuf *b);

/* Main mode settings, as the ISAKMP object holds them. */
struct ns_blob_isakmp {
	char guid[NS_GUID_LEN + 1];
	bool pfs;
	uint32_t options; /* NS_WIN_OPT_* */
	uint32_t qmpermm;
	uint32_t lifetime_sec; /* 0 in the blob is read as 28800 */
	struct ns_mm_method *methods;
	size_t n_methods;
};

int ns_blob_policy_decode(const uint8_t *b, size_t len, uint32_t *polling_sec,
			  const struct ns_blob_diag *d, char *err, size_t errlen);
void ns_blob_policy_encode(struct ns_bbuf *out, uint32_t polling_sec);

/* out->methods is allocated; the caller frees it. */
int ns_blob_isakmp_decode(const uint8_t *b, size_t len, struct ns_blob_isakmp *out,
			  const struct ns_blob_diag *d, char *err, size_t errlen);
void ns_blob_isakmp_encode(struct ns_bbuf *out, const struct ns_blob_isakmp *in);

/* Fills auth, conntype, tunnel_*, active of r (other fields untouched). */
int ns_blob_nfa_decode(const uint8_t *b, size_t len, struct ns_rule *r,
		       const struct ns_blob_diag *d, char *err, size_t errlen);
void ns_blob_nfa_encode(struct ns_bbuf *out, const struct ns_rule *r);

/* Fills methods, qmpfs, soft of fa. */
int ns_blob_negpol_decode(const uint8_t *b, size_t len, struct ns_filteraction *fa,
			  const struct ns_blob_diag *d, char *err, size_t errlen);
void ns_blob_negpol_encode(struct ns_bbuf *out, const struct ns_filteraction *fa);

/* Fills filters of fl. */
int ns_blob_filter_decode(const uint8_t *b, size_t len, struct ns_filterlist *fl,
			  const struct ns_blob_diag *d, char *err, size_t errlen);
void ns_blob_filter_encode(struct ns_bbuf *out, const struct ns_filterlist *fl);

/* True when Windows Server 2003 has a code for every algorithm of the
 * method; otherwise the encoders write the nearest Windows algorithm and
 * winreg.c keeps ours in a private value. */
bool ns_blob_mm_windows(const struct ns_mm_method *m);
bool ns_blob_qm_windows(const struct ns_qm_method *m);

#endif
