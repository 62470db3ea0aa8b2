/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy model: what a Windows Server 2003 IPsec policy store holds,
 * as plain C structures.  Every other module (store, netsh commands, show,
 * dump, export/import, the compiler) speaks in these types.
 *
 * Conventions
 *  - IPv4 addresses and masks are host byte order uint32_t; backends convert.
 *  - GUIDs are kept as canonical text "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"
 *    in upper case; comparisons are case-insensitive (see guid.h).
 *  - Strings are heap-allocated, NUL terminated, never NULL once an object
 *    is initialised (empty string instead).
 *  - Arrays are (pointer, count) pairs owned by their parent.
 */
#ifndef NETSH_IPSEC_MODEL_H
#define NETSH_IPSEC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_GUID_LEN 38 /* "{8-4-4-4-12}" without the NUL */
#define NS_NAME_MAX 1024

/* ------------------------------------------------------------------ */
/* Addresses */

enum ns_addr_kind {
	NS_ADDR_ANY = 0,  /* 0.0.0.0/0 */
	NS_ADDR_ME,	  /* every local address, expanded at apply time */
	NS_ADDR_IP,	  /* host or subnet: addr + mask */
	NS_ADDR_DNS_NAME, /* resolved when the filter was created; addr + name kept */
	NS_ADDR_SRV_DNS,  /* server types: follow the machine's configuration */
	NS_ADDR_SRV_WINS,
	NS_ADDR_SRV_DHCP,
	NS_ADDR_SRV_GATEWAY,
};

struct ns_endpoint {
	enum ns_addr_kind kind;
	uint32_t addr; /* host order; 0 for ANY/ME/server types */
	uint32_t mask; /* host order, contiguous; 0 for ANY, ~0 for ME */
	char *dnsname; /* the name as the user wrote it, for NS_ADDR_DNS_NAME */
};

/* ------------------------------------------------------------------ */
/* Filters and filter lists */

#define NS_PROTO_ANY  0
#define NS_PROTO_ICMP 1
#define NS_PROTO_TCP  6
#define NS_PROTO_UDP  17
#define NS_PROTO_RAW  255

struct ns_filter {
	char guid[NS_GUID_LEN + 1];
	char *description;
	struct ns_endpoint src, dst;
	uint8_t protocol; /* 0 = any */
	uint16_t srcport; /* 0 = any; only with TCP/UDP */
	uint16_t dstport;
	bool mirrored;
};

struct ns_filterlist {
	char guid[NS_GUID_LEN + 1];
	char *name;
	char *description;
	int64_t whenchanged; /* unix seconds */
	struct ns_filter *filters;
	size_t n_filters;
};

/* ------------------------------------------------------------------ */
/* Security methods */

/* Encryption: Windows names plus our documented AES extension. */
enum ns_cipher {
	NS_CIPHER_NONE = 0,
	NS_CIPHER_DES,
	NS_CIPHER_3DES,
	NS_CIPHER_AES128,
	NS_CIPHER_AES192,
	NS_CIPHER_AES256,
};

/* Integrity / hash: Windows names plus our SHA-2 extension. */
enum ns_hash {
	NS_HASH_NONE = 0,
	NS_HASH_MD5,
	NS_HASH_SHA1,
	NS_HASH_SHA256,
	NS_HASH_SHA384,
};

/*
 * Diffie-Hellman groups as the user wrote them.  Windows' "3" is the
 * 2048-bit group, which IKE calls group 14; both spellings are kept so a
 * dump gives back what was typed.  19/20/24 are our extension.
 */
enum ns_dh {
	NS_DH_NONE = 0,
	NS_DH_1,  /* modp768 */
	NS_DH_2,  /* modp1024 */
	NS_DH_3,  /* modp2048 (Windows spelling) */
	NS_DH_14, /* modp2048 */
	NS_DH_19, /* ecp256 */
	NS_DH_20, /* ecp384 */
	NS_DH_24, /* modp2048s256 */
};

/* Main mode (IKE phase 1) method: ConfAlg-HashAlg-Group. */
struct ns_mm_method {
	enum ns_cipher cipher; /* never NONE */
	enum ns_hash hash;     /* never NONE */
	enum ns_dh group;
};

enum ns_qm_kind {
	NS_QM_ESP,    /* ESP[conf,auth] */
	NS_QM_AH,     /* AH[hash] */
	NS_QM_AH_ESP, /* AH[hash+conf,auth]: a bundle */
};

#define NS_QM_DEFAULT_KB  100000u
#define NS_QM_DEFAULT_SEC 3600u

/* Quick mode (IKE phase 2) method. */
struct ns_qm_method {
	enum ns_qm_kind kind;
	enum ns_hash ah_hash;	 /* AH, AH_ESP */
	enum ns_cipher esp_conf; /* ESP, AH_ESP; NONE allowed unless esp_auth is NONE */
	enum ns_hash esp_auth;	 /* ESP, AH_ESP */
	uint32_t lifetime_kb;	 /* default 100000 */
	uint32_t lifetime_sec;	 /* default 3600 */
};

/* ------------------------------------------------------------------ */
/* Filter actions */

enum ns_action {
	NS_ACTION_PERMIT = 0,
	NS_ACTION_BLOCK,
	NS_ACTION_NEGOTIATE,
};

enum ns_fa_type {
	NS_FA_NORMAL = 0,
	/* The hidden action owned by one policy's default response rule:
	 * never listed by show/delete filteraction, edited by set defaultrule. */
	NS_FA_DEFAULT_RESPONSE,
};

struct ns_filteraction {
	char guid[NS_GUID_LEN + 1];
	char *name;
	char *description;
	int64_t whenchanged;
	enum ns_fa_type type;
	enum ns_action action;
	bool qmpfs;
	bool inpass;
	bool soft;
	struct ns_qm_method *methods; /* in preference order */
	size_t n_methods;
};

/* ------------------------------------------------------------------ */
/* Authentication */

enum ns_auth_kind {
	NS_AUTH_KERBEROS = 0,
	NS_AUTH_PSK,
	NS_AUTH_ROOTCA,
};

struct ns_auth {
	enum ns_auth_kind kind;
	char *value;	    /* PSK text, or the CA distinguished name; "" for Kerberos */
	bool certmap;	    /* rootca only */
	bool excludecaname; /* rootca only */
};

/* ------------------------------------------------------------------ */
/* Rules and policies */

enum ns_conntype {
	NS_CONN_ALL = 0,
	NS_CONN_LAN,
	NS_CONN_DIALUP,
};

struct ns_rule {
	char guid[NS_GUID_LEN + 1];
	char *name; /* "" for the default response rule */
	char *description;
	int64_t whenchanged;
	bool is_default;		       /* the policy's default response rule */
	char filterlist_guid[NS_GUID_LEN + 1]; /* "" for the default response rule */
	char filteraction_guid[NS_GUID_LEN + 1];
	/* Tunnel endpoint; transport mode when tunnel_set is false. */
	bool tunnel_set;
	uint32_t tunnel_addr;
	char *tunnel_dnsname; /* as typed, when given as a DNS name */
	enum ns_conntype conntype;
	bool active;
	struct ns_auth *auth; /* preference order; empty = dynamic defaults (Kerberos) */
	size_t n_auth;
};

struct ns_policy {
	char guid[NS_GUID_LEN + 1];
	char isakmp_guid[NS_GUID_LEN + 1]; /* its main mode settings object */
	char *name;
	char *description;
	int64_t whenchanged;
	bool mmpfs;
	uint32_t qmpermm;	      /* 0 = unlimited; forced to 1 by mmpfs */
	uint32_t mmlifetime_min;      /* default 480 */
	uint32_t pollinginterval_min; /* default 180 */
	bool assigned;
	char *gponame;
	struct ns_mm_method *mm_methods;
	size_t n_mm_methods;
	/* Rules in ID order (ID = index + 1); the default response rule is
	 * not in this array. */
	struct ns_rule *rules;
	size_t n_rules;
	struct ns_rule default_rule;
};

/* One whole store, loaded into memory. */
struct ns_db {
	struct ns_policy *policies;
	size_t n_policies;
	struct ns_filterlist *filterlists;
	size_t n_filterlists;
	struct ns_filteraction *filteractions; /* includes default response ones */
	size_t n_filteractions;
};

/* Defaults of the reference. */
#define NS_DEFAULT_MMLIFETIME_MIN 480u
#define NS_DEFAULT_POLLING_MIN	  180u

/* Object lifetime (model.c). */
void ns_endpoint_free(struct ns_endpoint *e);
void ns_filter_free(struct ns_filter *f);
void ns_filterlist_free(struct ns_filterlist *fl);
void ns_filteraction_free(struct ns_filteraction *fa);
void ns_auth_free(struct ns_auth *a);
void ns_rule_free(struct ns_rule *r);
void ns_policy_free(struct ns_policy *p);
void ns_db_free(struct ns_db *db);

/* Field-by-field equality, for round-trip checks and re-apply decisions
 * (model.c). A NULL string equals "". */
bool ns_str_equal(const char *a, const char *b);
bool ns_endpoint_equal(const struct ns_endpoint *a, const struct ns_endpoint *b);
bool ns_auth_equal(const struct ns_auth *a, const struct ns_auth *b);
bool ns_qm_method_equal(const struct ns_qm_method *a, const struct ns_qm_method *b);
bool ns_mm_method_equal(const struct ns_mm_method *a, const struct ns_mm_method *b);
/* Every stored field of the rule, its authentication methods included. */
bool ns_rule_equal(const struct ns_rule *a, const struct ns_rule *b);
/* The list's own fields and every filter, in order. */
bool ns_filterlist_equal(const struct ns_filterlist *a, const struct ns_filterlist *b);

/* Look-ups in a loaded db; NULL when absent.  Names are case-sensitive,
 * GUIDs case-insensitive. */
struct ns_policy *ns_db_policy_by_name(const struct ns_db *db, const char *name);
struct ns_policy *ns_db_policy_by_guid(const struct ns_db *db, const char *guid);
struct ns_filterlist *ns_db_filterlist_by_name(const struct ns_db *db, const char *name);
struct ns_filterlist *ns_db_filterlist_by_guid(const struct ns_db *db, const char *guid);
struct ns_filteraction *ns_db_filteraction_by_name(const struct ns_db *db, const char *name);
struct ns_filteraction *ns_db_filteraction_by_guid(const struct ns_db *db, const char *guid);
/* The assigned policy, or NULL. */
struct ns_policy *ns_db_assigned_policy(const struct ns_db *db);

/* Default method lists of the reference (static storage). */
extern const struct ns_qm_method ns_default_qm_methods[2];
extern const struct ns_mm_method ns_default_mm_methods[3];

#endif
