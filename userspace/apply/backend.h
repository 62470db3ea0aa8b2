/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backends that lower a plan into the kernel and into charon.  Each
 * lives in its own file and only reads the plan; ipsec-apply's main calls
 * them in order (nft, then bpf or xfrm, then vici) and the tests feed them
 * hand-made plans.
 *
 * Contract for every backend:
 *  - apply() installs exactly the plan, make-before-break, and is a no-op
 *    when the kernel already holds it;  on failure it leaves the previous
 *    enforcement in place and writes one line naming the object to err.
 *  - With opts->dry_run nothing is changed; with opts->verbose every object
 *    is printed to opts->out in a readable form (both may be set: -n -v).
 *  - flush() removes exactly what the backend installed, nothing of others'.
 *  - status() prints what is installed, with counters.
 * Returns 0 or a negative errno.
 */
#ifndef NETSH_IPSEC_BACKEND_H
#define NETSH_IPSEC_BACKEND_H

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

struct apply_opts {
	bool dry_run;
	bool verbose;
	FILE *out;
	const char *vici_path;  /* default "/run/charon.vici" */
	const char *state_dir;  /* where backends may keep state (pinned maps...) */
	/* The bpf classifier is in use: its per-rule XFRM templates carry
	 * plan_rule.reqid, so charon's children must too (vici backend). */
	bool rule_reqids;
	/* The kernel has no nftables ip family (ipsec-apply --no-nft):
	 * backends leave nftables alone entirely. */
	bool no_nft;
};

#define APPLY_DEFAULT_VICI "/run/charon.vici"

/* XFRM policies over netlink (xfrm.c). */
int xfrm_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len);
int xfrm_backend_flush(const struct apply_opts *o, char *err, size_t len);
int xfrm_backend_status(const struct apply_opts *o, char *err, size_t len);

/* nftables table "netsh_ipsec" in one batch (nft.c). */
int nft_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len);
int nft_backend_flush(const struct apply_opts *o, char *err, size_t len);
int nft_backend_status(const struct apply_opts *o, char *err, size_t len);
/* Boot-time enforcement (bootmode, bootexemptions) before any policy. */
int nft_backend_boot(const struct ns_config *cfg, const struct apply_opts *o, char *err,
		     size_t len);

/* eBPF classifier (bpf_loader.c). */
bool bpf_backend_supported(void);
int bpf_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len);
int bpf_backend_flush(const struct apply_opts *o, char *err, size_t len);
int bpf_backend_status(const struct apply_opts *o, char *err, size_t len);

/* charon over VICI (vici_lower.c). */
int vici_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len);
int vici_backend_flush(const struct apply_opts *o, char *err, size_t len);
int vici_backend_status(const struct apply_opts *o, char *err, size_t len);

#endif
