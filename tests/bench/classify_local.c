// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test of the local-traffic chain (nftables route chain of the
 * bpf backend) against the reference matcher, for packets this machine
 * sends itself.  Run by tests/netns/bpf_local_differential.sh inside a
 * namespace whose only route leaves through the interface IFNAME.
 *
 *   classify_local SEED FILTERS PACKETS IFNAME
 *
 * Applies plan_random(SEED) with Me = 10.0.0.1 (forwarding interfaces: none),
 * then sends PACKETS raw packets from 10.0.0.1 and checks each verdict: a
 * block must fail with EPERM, a negotiate must leave with the rule's mark
 * (counted by an observer chain per mark), anything else must leave
 * unmarked.  Prints one summary line; exits 1 on any mismatch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apply/backend.h"
#include "apply/bpf_loader.h"
#include "apply/match.h"

static long counter(const char *chain)
{
	char cmd[256], line[512];
	long v = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nft list chain ip nsblobs %s", chain);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "packets ");

		if (p)
			v = strtol(p + 8, NULL, 10);
	}
	pclose(f);
	return v;
}

static int observers(const struct plan *p)
{
	FILE *f = popen("nft -f -", "w");

	if (!f)
		return -1;
	fprintf(f, "table ip nsblobs {}\ndelete table ip nsblobs\ntable ip nsblobs {\n");
	fprintf(f, "\tchain unmarked { type filter hook output priority 100; meta mark 0 counter; }\n");
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].mark)
			fprintf(f, "\tchain m%zu { type filter hook output priority 100; meta mark 0x%x "
				   "counter; }\n",
				i, p->rules[i].mark);
	fprintf(f, "}\n");
	return pclose(f) ? -1 : 0;
}

static size_t frame(const struct plan_pkt *pk, uint8_t *b)
{
	uint32_t s = htonl(pk->src), d = htonl(pk->dst);
	uint16_t sp = htons(pk->sport), dp = htons(pk->dport);
	size_t n = pk->proto == 6 ? 40 : 28;

	memset(b, 0, 64);
	b[0] = 0x45;
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
	b[8] = 64;
	b[9] = pk->proto;
	memcpy(b + 12, &s, 4);
	memcpy(b + 16, &d, 4);
	if (pk->proto == 6 || pk->proto == 17) {
		memcpy(b + 20, &sp, 2);
		memcpy(b + 22, &dp, 2);
		if (pk->proto == 6)
			b[32] = 0x50;
	}
	return n;
}

/* As in bpf_differential.c: conntypes and a plan order not by weight. */
static void mutate(struct plan *p, unsigned seed)
{
	if (seed % 3 != 0)
		for (size_t i = 0; i < p->n_rules; i++)
			p->rules[i].conntype = (enum ns_conntype)((seed + i) % 3);
	if (seed % 2 == 0 && p->n_filters > 2) {
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

int main(int argc, char **argv)
{
	unsigned seed, st;
	size_t n_filters, n_pkts, bad = 0, drops = 0, marks = 0, passes = 0;
	struct apply_opts o = {.out = stdout};
	uint32_t me = 0x0a000001u;
	const char *ifname;
	char err[256];
	struct plan p;
	int s, one = 1;

	if (argc != 5)
		return 2;
	seed = (unsigned)atoi(argv[1]);
	n_filters = (size_t)atol(argv[2]);
	n_pkts = (size_t)atol(argv[3]);
	ifname = argv[4];
	if (plan_random(&p, seed, n_filters, 1 + seed % 24))
		return 2;
	p.me[0] = me;
	mutate(&p, seed);
	setenv("NETSH_IPSEC_BPF_IFACES", "none-attached", 1);
	if (bpf_backend_apply(&p, &o, err, sizeof(err)) || observers(&p)) {
		fprintf(stderr, "classify_local: %s\n", err);
		return 2;
	}
	s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (s < 0 || setsockopt(s, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("classify_local: raw socket");
		return 2;
	}
	st = seed * 7u + 1;
	for (size_t i = 0; i < n_pkts; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		struct plan_pkt pk;
		uint8_t b[64];
		size_t len;
		long before_m = 0, after_m = 0, before_u, after_u;
		int idx, want_drop = 0, r;
		size_t want_rule = SIZE_MAX;
		char chain[32] = "unmarked";

		plan_random_pkt(&p, &st, &pk);
		pk.src = me;
		if (pk.proto != 6 && pk.proto != 17)
			pk.sport = pk.dport = 0;
		if ((pk.dst & 0xf0000000u) == 0xe0000000u || pk.dst == 0xffffffffu ||
		    pk.dst == p.bcast[0] || (pk.dst >> 24) == 127 || pk.dst == me)
			continue; /* not routed through IFNAME */
		pk.ifname = ifname;
		idx = plan_match(&p, &pk);
		if (idx >= 0) {
			want_drop = p.filters[idx].action == NS_ACTION_BLOCK;
			if (p.filters[idx].action == NS_ACTION_NEGOTIATE)
				want_rule = p.filters[idx].rule;
		}
		if (want_rule != SIZE_MAX)
			snprintf(chain, sizeof(chain), "m%zu", want_rule);
		before_u = counter("unmarked");
		if (want_rule != SIZE_MAX)
			before_m = counter(chain);
		len = frame(&pk, b);
		sa.sin_addr.s_addr = htonl(pk.dst);
		r = (int)sendto(s, b, len, 0, (struct sockaddr *)&sa, sizeof(sa));
		after_u = counter("unmarked");
		if (want_rule != SIZE_MAX)
			after_m = counter(chain);
		drops += want_drop;
		marks += want_rule != SIZE_MAX;
		passes += !want_drop && want_rule == SIZE_MAX;
		if (want_drop ? !(r < 0 && errno == EPERM)
			      : r < 0 || (want_rule != SIZE_MAX ? after_m != before_m + 1 ||
									  after_u != before_u
							       : after_u != before_u + 1)) {
			if (bad++ < 10)
				fprintf(stderr,
					"mismatch: %08x>%08x proto %u %u>%u via %s: want filter %d "
					"(drop %d, rule %zd); send %d errno %d, unmarked %ld>%ld, "
					"%s %ld>%ld\n",
					pk.src, pk.dst, pk.proto, pk.sport, pk.dport, ifname, idx,
					want_drop, want_rule == SIZE_MAX ? -1 : (ssize_t)want_rule, r,
					r < 0 ? errno : 0, before_u, after_u, chain, before_m, after_m);
		}
	}
	printf("classify_local: seed %u, %zu filters, via %s: %zu drop, %zu mark, %zu pass, %zu "
	       "mismatches\n",
	       seed, p.n_filters, ifname, drops, marks, passes, bad);
	plan_free(&p);
	close(s);
	return bad ? 1 : 0;
}
