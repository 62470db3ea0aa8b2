/* SPDX-License-Identifier: GPL-2.0 */
/* `ipsec-apply -n`: the plan in readable text. */
#ifndef NETSH_IPSEC_PLAN_PRINT_H
#define NETSH_IPSEC_PLAN_PRINT_H

#include <stdio.h>

#include "plan.h"

const char *plan_action_name(enum ns_action a);
const char *plan_conntype_name(enum ns_conntype c);
/* Lower-case protocol name for messages and the plan: any (0), icmp, tcp,
 * udp, else the number written into buf; returns the name. */
const char *plan_proto_name(uint8_t proto, char *buf, size_t len);
/* "10.0.0.0/8 -> 192.168.1.1/32 tcp 1024 -> 80" style; returns buf. */
const char *plan_sel_format(const struct plan_sel *s, char *buf, size_t len);
/* Rules, then filters in precedence order with weight, action, rule,
 * selector and kernel handles. */
void plan_print(FILE *out, const struct plan *p);

/* "SRC,DST,PROTO[,SPORT,DPORT]" (PROTO a number or tcp/udp/icmp/any) into
 * a packet; 0 or -EINVAL. */
int plan_pkt_parse(const char *s, struct plan_pkt *pkt);
/* One line: the packet and what decides it (exempt, no filter, or the
 * filter with its index, action and rule), per plan_match(). */
void plan_explain(FILE *out, const struct plan *p, const struct plan_pkt *pkt);

#endif
