// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the eBPF classifier against the reference matcher:
 * random plans (plan_random) with overlapping filters of every shape,
 * random packets (plan_random_pkt), each packet run through the tc and
 * the XDP program with BPF_PROG_TEST_RUN, on a LAN and on a dial-up
 * interface.  Needs root (CAP_BPF + CAP_NET_ADMIN); run by
 * tests/netns/bpf_differential.sh.
 *
 *   bpf_differential [packets [first_seed]]
 * Prints one summary line; exits 1 on any mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/bpf_loader.h"
#include "apply/match.h"

struct run {
	struct nsb_inst *in;
	unsigned long long packets, mismatches, drops, marks, passes;
};

static int check_pkt(struct run *r, const struct plan *p, struct plan_pkt *pkt, unsigned seed)
{
	static const char *const ifnames[] = {"eth0", "ppp0"};
	uint8_t frame[128];
	size_t n;

	if (pkt->proto != NS_PROTO_TCP && pkt->proto != NS_PROTO_UDP)
		pkt->sport = pkt->dport = 0; /* a wire packet has no ports then */
	n = nsb_frame(pkt, frame, sizeof(frame));
	for (int kind = 0; kind < 2; kind++) {
		struct nsb_result tc, xdp;
		int idx, want_drop = 0;
		uint32_t want_mark = 0;

		pkt->ifname = ifnames[kind];
		idx = plan_match(p, pkt);
		if (idx >= 0) {
			const struct plan_filter *f = &p->filters[idx];

			want_drop = f->action == NS_ACTION_BLOCK;
			if (f->action == NS_ACTION_NEGOTIATE)
				want_mark = p->rules[f->rule].mark;
		}
		if (nsb_inst_set_ifkind(r->in, 0, kind) || nsb_inst_set_ifkind(r->in, 1, kind) ||
		    nsb_test_run_tc(r->in, frame, n, 1, &tc) ||
		    nsb_test_run_xdp(r->in, frame, n, 1, &xdp)) {
			perror("bpf_differential: test run");
			return -1;
		}
		r->packets++;
		r->drops += want_drop;
		r->marks += want_mark != 0;
		r->passes += !want_drop && !want_mark;
		if (tc.drop != want_drop || (!want_drop && tc.mark != want_mark) ||
		    xdp.drop != want_drop) {
			if (r->mismatches++ < 10)
				fprintf(stderr,
					"mismatch seed %u kind %d: %08x>%08x proto %u %u>%u: want "
					"filter %d drop %d mark %x, tc drop %d mark %x, xdp drop %d\n",
					seed, kind, pkt->src, pkt->dst, pkt->proto, pkt->sport,
					pkt->dport, idx, want_drop, want_mark, tc.drop, tc.mark,
					xdp.drop);
		}
	}
	return 0;
}

/*
 * plan_random gives weight-sorted plans of conntype all: vary both, since
 * evaluated plans put the persistent store first (not sorted by weight
 * across stores) and rules may be LAN- or dial-up-only.
 */
static void mutate(struct plan *p, unsigned seed)
{
	if (seed % 3 == 1)
		for (size_t i = 0; i < p->n_rules; i++)
			p->rules[i].conntype = (enum ns_conntype)((seed + i) % 3);
	if (seed % 4 == 2 && p->n_filters > 2) {
		/* Rotate: a later, less specific part now comes first. */
		size_t k = p->n_filters / 3 + 1;
		struct plan_filter *t = malloc(k * sizeof(*t));

		if (!t)
			return;
		memcpy(t, p->filters + p->n_filters - k, k * sizeof(*t));
		memmove(p->filters + k, p->filters, (p->n_filters - k) * sizeof(*t));
		memcpy(p->filters, t, k * sizeof(*t));
		free(t);
	}
}

/*
 * plan_random draws every address from 10.0.0.0/16: one first octet, so
 * the classifier's per-octet dispatch tables (classifier.h) would never rule
 * a class out.  For some seeds, filters and packets alike get their first
 * octet changed by the third one's low bits (an involution), which spreads
 * them over four /8s; short prefixes then cover fewer packets, which is
 * fine: the reference matcher sees the same plan.
 */
static uint32_t spread(uint32_t a)
{
	if (a >= 0xe0000000u) /* multicast and broadcast keep their meaning */
		return a;
	return a ^ ((a >> 8) & 3) << 26;
}

static void spread_plan(struct plan *p)
{
	for (size_t i = 0; i < p->n_filters; i++) {
		struct plan_sel *s = &p->filters[i].sel;

		s->src = spread(s->src) & plan_plen_mask(s->src_plen);
		s->dst = spread(s->dst) & plan_plen_mask(s->dst_plen);
	}
}

int main(int argc, char **argv)
{
	unsigned long long want = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 1;
	static const size_t sizes[] = {1, 3, 10, 40, 200, 1000, 5000};
	struct run r = {0};
	unsigned plans = 0;
	char err[256];

	if (nsb_inst_open(&r.in, 1u << 16, 1u << 16, err, sizeof(err))) {
		fprintf(stderr, "bpf_differential: %s\n", err);
		return 2;
	}
	while (r.packets < want * 2) {
		struct nsb_build *b;
		struct plan p;
		unsigned st = seed * 7919u + 13;
		size_t nf = sizeof(sizes) / sizeof(sizes[0]);

		/* Some plans have more classes than the dispatch tables name. */
		size_t max_cls = seed % 7 == 5 ? 100 + seed % 40 : 1 + seed % 48;
		bool spreading = seed % 5 == 3 || seed % 7 == 5;

		if (plan_random(&p, seed, seed % 7 == 5 ? 5000 : sizes[seed % nf], max_cls)) {
			fprintf(stderr, "bpf_differential: plan_random failed\n");
			return 2;
		}
		mutate(&p, seed);
		if (spreading)
			spread_plan(&p);
		if (nsb_build_new(&p, &b, err, sizeof(err)) || nsb_inst_load(r.in, b, err, sizeof(err))) {
			fprintf(stderr, "bpf_differential: seed %u: %s\n", seed, err);
			return 2;
		}
		nsb_build_free(b);
		for (int i = 0; i < 2000 && r.packets < want * 2; i++) {
			struct plan_pkt pkt;

			plan_random_pkt(&p, &st, &pkt);
			if (spreading) {
				pkt.src = spread(pkt.src);
				pkt.dst = spread(pkt.dst);
			}
			if (check_pkt(&r, &p, &pkt, seed))
				return 2;
		}
		plan_free(&p);
		plans++;
		seed++;
	}
	nsb_inst_close(r.in);
	printf("bpf_differential: %u plans, %llu packets x 2 kinds (%llu drop, %llu mark, %llu "
	       "pass), %llu mismatches\n",
	       plans, r.packets / 2, r.drops, r.marks, r.passes, r.mismatches);
	return r.mismatches ? 1 : 0;
}
