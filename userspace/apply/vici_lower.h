/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Negotiate rules → charon connections (Documentation/vici.md).
 *
 * The lowering itself is separate from talking to charon: it hands each
 * message it would send to an emitter.  vici_backend_apply's emitter sends
 * them; -n -v prints them; the unit tests decode and inspect them.
 */
#ifndef NETSH_IPSEC_VICI_LOWER_H
#define NETSH_IPSEC_VICI_LOWER_H

#include <stdbool.h>
#include <stdio.h>

#include "backend.h"
#include "vici/vici.h"

/* Every object we load into charon carries this prefix, and only such
 * objects are ever unloaded. */
#define VICI_PREFIX "nsipsec-"
/* Where rootca= distinguished names are looked up (one certificate per
 * file, PEM or DER); NETSH_IPSEC_CA_DIR overrides it. */
#define VICI_CA_DIR "/etc/swanctl/x509ca"
/* XFRM priority given to every child; charon installs no policies for
 * them (policies = no), the value only fixes what a trap would use. */
#define VICI_CHILD_PRIORITY 2000

enum vici_obj {
	VICI_OBJ_CONN,	 /* load-conn; name = connection name */
	VICI_OBJ_SHARED, /* load-shared; name = key id */
};

/*
 * Called once per object, in load order.  Return 0 to go on, or a
 * negative errno (with err set) to stop the lowering.
 */
typedef int (*vici_emit_fn)(void *ctx, enum vici_obj kind, const char *name,
			    const struct vici_builder *msg, char *err, size_t errlen);

/*
 * Lower every negotiate rule of p.  Children carry their plan filter's
 * reqid (one child per filter: the xfrm backend's per-filter policies), or
 * with rule_reqids the rule's reqid (one child per connection: the bpf
 * classifier's per-rule policies, apply_opts.rule_reqids).  Warnings (Kerberos, AH+ESP bundles,
 * settings without a strongSwan equivalent) go to warn, one line each.
 * A rule that cannot be lowered (e.g. its root CA certificate is missing)
 * is skipped, the others are still emitted, and the first such error is
 * returned at the end (-ENOENT...) with its message in err.
 */
int vici_lower_plan(const struct plan *p, bool rule_reqids, vici_emit_fn emit, void *ctx,
		    FILE *warn, char *err, size_t errlen);

/* The name of a rule's connection to one peer ("%any" → "any"). */
void vici_conn_name(char *out, size_t len, const struct plan_rule *r, const char *peer);

/*
 * The reqid of the charon child whose SAs carry f's traffic (xfrm backend,
 * per-filter children).  That is f->reqid, except for the inbound half of
 * a Windows tunnel pair (a tunnel rule whose endpoint is one of our
 * addresses): one SA pair protects both directions, so its traffic arrives
 * on the SAs of the reverse outbound filter's child.  Inbound and forward
 * policies of such a filter should name this reqid in their template.
 */
uint32_t vici_child_reqid(const struct plan *p, const struct plan_filter *f);

/* The outbound tunnel filter (endpoint not local) that is the reverse of
 * f, or NULL.  Its child already protects f's direction. */
const struct plan_filter *vici_tunnel_twin(const struct plan *p, const struct plan_filter *f);

/* For ipsec-apply --watch: whether a charon answers on path. */
bool vici_backend_connected(const char *path);
/*
 * A socket connected to charon, for the watcher to poll: it becomes
 * readable (EOF) when charon exits, which is the cue to reconnect and
 * re-apply.  Returns the fd or a negative errno with err set.
 */
int vici_backend_watch_open(const char *path, char *err, size_t errlen);

#endif
