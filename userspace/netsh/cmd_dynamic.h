/* SPDX-License-Identifier: GPL-2.0 */
/* The `netsh ipsec dynamic` context: command tables and shared helpers. */
#ifndef NETSH_IPSEC_CMD_DYNAMIC_H
#define NETSH_IPSEC_CMD_DYNAMIC_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdtable.h"
#include "lib/dynstore.h"

extern const struct ns_cmd ns_cmds_dynamic[];	   /* add, set, delete, set config */
extern const struct ns_cmd ns_cmds_dynamic_show[]; /* show ... */

extern const char *const ns_dyn_action_choices[];
extern const char *const ns_dyn_conntype_choices[];
extern const char *const ns_dyn_pfs_choices[];

/* srcaddr=/dstaddr= of the dynamic context: what the static context takes
 * plus a range "a.b.c.d-e.f.g.h"; IPv6 is refused with a clear reason.  Errors
 * start with tag. */
int ns_dyn_parse_addr(const char *tag, const char *in, bool resolve, struct ns_dyn_addr *a,
		      char *err, size_t errlen);

#endif
