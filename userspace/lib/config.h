/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Persistent IPsec service configuration: the values of
 * `netsh ipsec dynamic set config`.  Kept in the store directory, read by
 * ipsec-apply (bootmode, bootexemptions, ipsecexempt, ...).
 */
#ifndef NETSH_IPSEC_CONFIG_H
#define NETSH_IPSEC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum ns_bootmode {
	NS_BOOT_STATEFUL = 0,
	NS_BOOT_BLOCK,
	NS_BOOT_PERMIT,
};

enum ns_direction {
	NS_DIR_INBOUND = 0,
	NS_DIR_OUTBOUND,
};

struct ns_bootexemption {
	uint8_t protocol; /* 0 = any */
	uint16_t srcport; /* 0 = any */
	uint16_t dstport; /* 0 = any */
	enum ns_direction dir;
};

#define NS_MAX_BOOTEXEMPTIONS 1024

struct ns_config {
	unsigned ipsecdiagnostics; /* 0-7, default 0 */
	unsigned ikelogging;       /* 0-1, default 0 */
	unsigned strongcrlcheck;   /* 0-2, default 1 */
	unsigned ipsecloginterval; /* 60-86400 s, default 3600 */
	unsigned ipsecexempt;      /* 0-3, default 3 */
	enum ns_bootmode bootmode; /* default stateful */
	struct ns_bootexemption bootexemptions[NS_MAX_BOOTEXEMPTIONS];
	size_t n_bootexemptions;   /* 0 = none */
};

void ns_config_defaults(struct ns_config *cfg);
/* Missing file = defaults. */
int ns_config_load(const char *dir, struct ns_config *cfg, char *err, size_t errlen);
/* Atomic (write + fsync + rename). */
int ns_config_save(const char *dir, const struct ns_config *cfg, char *err, size_t errlen);

/* Range checks of every field. */
int ns_config_validate(const struct ns_config *cfg, char *err, size_t errlen);
/*
 * `set config property=<name> value=<value>`: property names and enumerated
 * values case-insensitive; bootexemptions takes "none" or a space-separated
 * list of protocol:srcport:dstport:direction (protocol ANY/ICMP/TCP/UDP/RAW
 * or a number).  cfg is unchanged on error.
 */
int ns_config_set(struct ns_config *cfg, const char *property, const char *value, char *err,
		  size_t errlen);
int ns_bootexemption_parse(const char *s, struct ns_bootexemption *out, char *err,
			   size_t errlen);
/* "TCP:0:80:inbound"; returns what snprintf returns. */
int ns_bootexemption_format(const struct ns_bootexemption *b, char *buf, size_t len);
const char *ns_bootmode_name(enum ns_bootmode m);

#endif
