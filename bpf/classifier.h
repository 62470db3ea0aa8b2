/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maps of the eBPF classifier, shared by bpf/classifier.bpf.c and its only
 * loader userspace/apply/bpf_loader.c.  Documentation/bpf-classifier.md
 * explains the design; in short: tuple-space search.
 *
 * Every filter belongs to a class: the shape of its selector (source and
 * destination prefix length, whether protocol, source and destination port
 * are given).  A class has one mask; a packet masked with it gives one key,
 * and one hash lookup per class finds the winning filter of that class.
 * The classes are visited in order of their best precedence so that the
 * search can stop at the first class that cannot beat the hit in hand.
 *
 * Everything a packet reads is duplicated per generation (0, 1); the
 * loader fills the idle generation and then flips one u32 (active), so a
 * packet sees either the old or the new filter set, never a mix.
 *
 * Addresses and ports in keys and masks are in network byte order, as in
 * the packet.
 */
#ifndef NETSH_IPSEC_BPF_CLASSIFIER_H
#define NETSH_IPSEC_BPF_CLASSIFIER_H

#include <linux/types.h>

#define NSB_MAX_CLASSES 128 /* per generation; a plan with more falls back */
#define NSB_GENS        2
#define NSB_CLS_BCAST   0xffff /* key class of exempt directed broadcasts */
#define NSB_MAX_IFINDEX 65536  /* interfaces above it are LAN/Ethernet and cannot attach */

/* Which rules apply on an interface (conntype). */
enum nsb_kind {
	NSB_KIND_LAN = 0,
	NSB_KIND_DIALUP = 1,
	NSB_KINDS
};

enum nsb_action {
	NSB_PERMIT = 0,
	NSB_BLOCK = 1,
	NSB_NEGOTIATE = 2,
};

/* Exemptions (struct plan_exempt). */
#define NSB_EX_IKE       0x01
#define NSB_EX_KERBEROS  0x02
#define NSB_EX_RSVP      0x04
#define NSB_EX_MULTICAST 0x08
#define NSB_EX_BROADCAST 0x10

struct nsb_key {
	__u32 src;
	__u32 dst;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad;
	__u16 cls; /* class index, or NSB_CLS_BCAST */
};

/* Hash of a key for the per-class Bloom filter; the same on both sides. */
static inline __u32 nsb_hash(const struct nsb_key *k)
{
	__u32 h = k->src * 0x9e3779b1u;

	h ^= k->dst * 0x85ebca77u;
	h ^= ((__u32)k->sport << 16 | k->dport) * 0xc2b2ae3du;
	h ^= ((__u32)k->proto << 16 | k->cls) * 0x27d4eb2fu;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* The winner of one exact masked key for one interface kind. */
struct nsb_verdict {
	__u32 prio;   /* 1 + index in plan.filters; 0 = no filter of this kind */
	__u32 id;     /* plan_filter.id: counter index */
	__u32 mark;   /* skb mark for negotiate */
	__u32 action; /* enum nsb_action */
};

struct nsb_val {
	struct nsb_verdict v[NSB_KINDS];
};

struct nsb_class {
	__u32 smask;
	__u32 dmask;
	__u16 sport_mask;
	__u16 dport_mask;
	__u8 proto_mask;
	__u8 pad[3];
	/* Lowest prio of any entry, over both kinds: classes are sorted by
	 * it, and a hit with a lower prio ends the search. */
	__u32 bound;
	/* This class's Bloom filter: words [bloom_off, bloom_off + bloom_mask]
	 * of the generation's region, about 4 bits per key, one hash. */
	__u32 bloom_off;
	__u32 bloom_mask;
	/* Smallest and largest masked address of the class's keys, host
	 * order: a class of filters towards one address (Me) or one block is
	 * skipped by packets elsewhere without hashing. */
	__u32 smin, smax, dmin, dmax;
	/* IP protocols 0-127 that occur in the class's keys (all, if it fixes
	 * none; protocols from 128 always pass): a TCP packet skips the
	 * UDP-only classes without hashing. */
	__u64 protos[2];
};

/* Per interface, set by the loader when it attaches. */
struct nsb_ifinfo {
	__u32 kind;  /* enum nsb_kind */
	__u32 l2len; /* 14 on Ethernet, 0 on L3 devices (ppp, tun) */
	__u32 flags; /* NSB_IF_*: what the loader attached here */
	__u32 pad;
};
#define NSB_IF_TCX    0x1
#define NSB_IF_CLSACT 0x2
#define NSB_IF_XDP    0x4
#define NSB_IF_KNOWN  0x8 /* the entry is valid */

struct nsb_gencfg {
	__u32 n_classes;
	__u32 exempt;    /* NSB_EX_* */
	__u32 max_id;    /* highest plan_filter.id */
	__u32 n_entries; /* keys in this generation's hash map */
	__u64 digest;    /* of everything above: re-applying the same plan is a no-op */
	__u32 bloom_base; /* first word of this generation's Bloom region */
	__u32 counter_stride; /* counter slots per CPU in nsb_counters */
	__u32 dispatch;       /* 1: the region starts with valid dispatch tables */
	__u32 pad;
};

/*
 * Dispatch tables, the first NSB_DISPATCH_WORDS words of a generation's
 * Bloom region: three arrays of 256 class masks (bit c = class c), indexed
 * by the packet's first source octet, first destination octet and IP
 * protocol.  A bit is set where the class may hold a key for such a packet
 * (its address range meets that /8; it holds that protocol).  Used when a
 * generation has at most NSB_DISPATCH_MAX classes.
 */
#define NSB_DISPATCH_MAX   64
#define NSB_DISPATCH_WORDS (3 * 256)

struct nsb_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Verdict handed from the XDP program to the tc program in the packet's
 * metadata area, so a packet is classified once per interface.
 */
#define NSB_META_MAGIC 0x4e534231u /* "NSB1" */
/*
 * The metadata area ends where the packet starts, at NET_IP_ALIGN (2) on
 * strict-alignment kernels (UML): 2-byte alignment makes the compiler
 * access it with half-word loads the verifier accepts there.
 */
struct __attribute__((packed, aligned(2))) nsb_meta {
	__u32 magic;
	__u32 ifindex; /* where XDP ran: metadata from another hop is ignored */
	__u32 action;  /* enum nsb_action, or NSB_META_NONE */
	__u32 id;
	__u32 mark;
};
#define NSB_META_NONE 0xffu

#endif
