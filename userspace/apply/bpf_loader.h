/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eBPF classifier loader internals, shared with the differential test and
 * the benchmark.  backend.h has the bpf_backend_* entry points; this header
 * adds an unattached, unpinned instance for BPF_PROG_TEST_RUN and the
 * lowering of a plan into the classifier's tables.
 * Documentation/bpf-classifier.md describes the design.
 */
#ifndef NETSH_IPSEC_BPF_LOADER_H
#define NETSH_IPSEC_BPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply/plan.h"

#define NSB_PIN_DIR "/sys/fs/bpf/netsh-ipsec"
/* Our clsact filter, when tcx is not available. */
#define NSB_TC_HANDLE 0x4e53
#define NSB_TC_PRIO 0x4e53
/* nftables table for locally generated traffic (marks before routing). */
#define NSB_NFT_TABLE "netsh_ipsec_bpf"

/* A plan lowered into the classifier's tables (opaque). */
struct nsb_build;

/* Lowers p; -E2BIG when it needs more classes than the program has. */
int nsb_build_new(const struct plan *p, struct nsb_build **out, char *err, size_t len);
void nsb_build_free(struct nsb_build *b);
size_t nsb_build_classes(const struct nsb_build *b);
size_t nsb_build_entries(const struct nsb_build *b);

/* A loaded classifier, not attached anywhere and not pinned. */
struct nsb_inst;

/* counter_slots > highest filter id, rule_slots >= keys of the largest plan. */
int nsb_inst_open(struct nsb_inst **out, uint32_t counter_slots, uint32_t rule_slots, char *err,
		  size_t len);
void nsb_inst_close(struct nsb_inst *in);
/* Fills the idle generation with b and makes it active. */
int nsb_inst_load(struct nsb_inst *in, const struct nsb_build *b, char *err, size_t len);
/* Interface kind (LAN or dial-up) of ifindex for the conntype of rules. */
int nsb_inst_set_ifkind(struct nsb_inst *in, uint32_t ifindex, bool dialup);
int nsb_inst_tc_fd(const struct nsb_inst *in);
int nsb_inst_xdp_fd(const struct nsb_inst *in);
/* Sum of the per-CPU counters of filter id. */
int nsb_inst_counter(const struct nsb_inst *in, uint32_t id, uint64_t *packets, uint64_t *bytes);

/*
 * Builds an Ethernet + IPv4 (+ TCP/UDP ports) frame for pkt into buf
 * (at least 64 bytes); returns its length.
 */
size_t nsb_frame(const struct plan_pkt *pkt, uint8_t *buf, size_t size);

/* Verdict of the tc program for a frame, through BPF_PROG_TEST_RUN. */
struct nsb_result {
	int drop;      /* TC_ACT_SHOT / XDP_DROP */
	uint32_t mark; /* skb mark after the program (tc only) */
	uint32_t duration_ns; /* average per run, from the kernel */
};
int nsb_test_run_tc(const struct nsb_inst *in, const uint8_t *frame, size_t len, uint32_t repeat,
		    struct nsb_result *r);
int nsb_test_run_xdp(const struct nsb_inst *in, const uint8_t *frame, size_t len,
		     uint32_t repeat, struct nsb_result *r);

/* Memory the kernel charges for the classifier's maps (bytes). */
long nsb_inst_map_memory(const struct nsb_inst *in);

#endif
