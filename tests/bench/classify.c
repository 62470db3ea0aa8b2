// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier benchmark helper; tests/bench/classify.sh drives it.
 *
 * Every mode builds the same deterministic plan of N filters: a mix of 15
 * specificity classes in disjoint address blocks (most filters exact
 * host-to-host, fewer subnet ones) plus one permit filter for the test
 * traffic 10.250.1.0/24 > 10.250.2.0/24 in a 16th, least specific class,
 * so the classifier probes every class before it finds the verdict.
 *
 *   classify prog N              BPF program alone (BPF_PROG_TEST_RUN):
 *                                hot and random-packet cost, map bytes per filter
 *   classify bpf-apply N DIR     bpf_backend_apply in the current netns, pins in DIR
 *   classify bpf-flush DIR
 *   classify empty-attach IF     a tc ingress program that only returns
 *                                TC_ACT_UNSPEC on IF (clsact): the fixed cost
 *                                of running any tc program on this path
 *   classify nft-file N FILE     the plan as an nftables interval vmap (forward hook)
 *   classify xfrm-file N FILE    the plan as XFRM policies (ip -batch, dir fwd + out)
 *   classify send IP PORT BATCHES K   median ns per sent UDP packet
 *   classify mix2 N IF1 IF2 BATCHES K [FLOWS]
 *                                like send2, but raw packets that follow the
 *                                plan's mix: each hits a random permit or
 *                                negotiate filter of the N-filter plan
 *                                (FLOWS flows, default 65536), sent out of
 *                                IF1 and IF2
 *   classify send2 IP1 IP2 PORT BATCHES K
 *                                alternating batches to IP1 (path under test)
 *                                and IP2 (twin path without it): prints the
 *                                median of the paired differences and the
 *                                median of path 2, in ns per packet
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>

#include "apply/backend.h"
#include "apply/bpf_loader.h"
#include "apply/match.h"

struct shape {
	uint8_t sp, dp, proto;
	bool sport, dport;
	unsigned permille;
};

static const struct shape shapes[] = {
	{32, 32, 17, true, true, 300}, {32, 32, 6, false, true, 250}, {32, 32, 0, false, false, 150},
	{32, 24, 17, false, true, 50}, {24, 32, 6, false, true, 50},  {32, 24, 0, false, false, 40},
	{24, 32, 0, false, false, 40}, {24, 24, 17, false, true, 30}, {24, 24, 6, false, false, 20},
	{32, 16, 1, false, false, 20}, {16, 32, 0, false, false, 10}, {16, 16, 6, false, true, 10},
	{32, 0, 17, false, true, 10},  {0, 32, 6, false, true, 10},   {24, 16, 0, false, false, 10},
};
#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

static uint32_t cap_of(uint8_t plen)
{
	return plen >= 8 ? 1u << (plen - 8) : 1;
}

static uint32_t place(unsigned block, uint8_t plen, uint32_t idx)
{
	if (!plen)
		return 0;
	return (uint32_t)block << 24 | ((idx << (32 - plen)) & 0x00ffffffu);
}

static int make_plan(struct plan *p, size_t n)
{
	size_t k = 0;

	memset(p, 0, sizeof(*p));
	p->rules = calloc(3, sizeof(*p->rules));
	p->filters = calloc(n + 1, sizeof(*p->filters));
	if (!p->rules || !p->filters)
		return -ENOMEM;
	p->n_rules = 3;
	p->rules[0].action = NS_ACTION_PERMIT;
	p->rules[1].action = NS_ACTION_BLOCK;
	p->rules[2].action = NS_ACTION_NEGOTIATE;
	p->rules[2].mark = PLAN_MARK_BASE + 1;
	plan_exempt_set(&p->exempt, 3);
	for (size_t c = 0; c < N_SHAPES && k < n; c++) {
		const struct shape *s = &shapes[c];
		size_t cnt = c + 1 == N_SHAPES ? n - k : (n * s->permille + 999) / 1000;
		uint32_t cs = cap_of(s->sp), cd = cap_of(s->dp);

		if (cnt > n - k)
			cnt = n - k;
		for (size_t j = 0; j < cnt; j++, k++) {
			struct plan_filter *f = &p->filters[k];
			uint32_t a = (uint32_t)j % cs, b = (uint32_t)(j / cs) % cd;
			uint32_t rest = (uint32_t)(j / cs / cd);

			f->sel.src_plen = s->sp;
			f->sel.dst_plen = s->dp;
			f->sel.src = place(1 + (unsigned)c, s->sp, a);
			f->sel.dst = place(101 + (unsigned)c, s->dp, b);
			f->sel.proto = s->proto;
			f->sel.sport = s->sport ? (uint16_t)(1024 + rest % 60000) : 0;
			f->sel.dport = s->dport ? (uint16_t)(1 + (s->sport ? rest / 60000 : rest) % 65000)
						: 0;
			f->rule = (uint32_t)(j % 3);
			f->action = p->rules[f->rule].action;
		}
	}
	p->n_filters = k;
	{
		struct plan_filter *f = &p->filters[p->n_filters++];

		f->sel.src = 0x0afa0100u;
		f->sel.dst = 0x0afa0200u;
		f->sel.src_plen = f->sel.dst_plen = 24;
		f->rule = 0;
		f->action = NS_ACTION_PERMIT;
	}
	for (size_t i = 0; i < p->n_filters; i++) {
		p->filters[i].weight = plan_weight(&p->filters[i].sel, p->filters[i].action);
		p->filters[i].id = (uint32_t)i + 1;
	}
	return plan_sort(p);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int mode_prog(size_t n)
{
	struct plan_pkt pkt = {.src = 0x0afa0102u, .dst = 0x0afa0202u, .proto = 17,
			       .sport = 40000, .dport = 9999};
	struct nsb_build *b;
	struct nsb_inst *in;
	struct nsb_result r;
	uint8_t frame[128];
	uint32_t *samples;
	unsigned st = 12345;
	struct plan p;
	char err[256];
	size_t len;
	long mem;
	double t0, t_build;
	const int n_rand = 20001;

	if (make_plan(&p, n))
		return 1;
	t0 = now();
	if (nsb_build_new(&p, &b, err, sizeof(err)) ||
	    nsb_inst_open(&in, (uint32_t)p.n_filters + 2, (uint32_t)p.n_filters + 16, err, sizeof(err)) ||
	    nsb_inst_load(in, b, err, sizeof(err))) {
		fprintf(stderr, "classify: %s\n", err);
		return 1;
	}
	t_build = now() - t0;
	len = nsb_frame(&pkt, frame, sizeof(frame));
	if (nsb_test_run_tc(in, frame, len, 1000000, &r)) {
		perror("classify: test run");
		return 1;
	}
	samples = calloc(n_rand, sizeof(*samples));
	if (!samples)
		return 1;
	/* Packets that hit random filters: the tables are touched at random. */
	for (int i = 0; i < n_rand; i++) {
		struct nsb_result rr;

		plan_random_pkt(&p, &st, &pkt);
		if (pkt.proto != 6 && pkt.proto != 17)
			pkt.sport = pkt.dport = 0;
		len = nsb_frame(&pkt, frame, sizeof(frame));
		if (nsb_test_run_tc(in, frame, len, 1, &rr))
			return 1;
		samples[i] = rr.duration_ns;
	}
	qsort(samples, n_rand, sizeof(*samples), cmp_u32);
	mem = nsb_inst_map_memory(in);
	printf("prog_ns=%u prog_rand_ns=%u classes=%zu bytes_per_filter=%.0f prog_load_s=%.3f\n",
	       r.duration_ns, samples[n_rand / 2], nsb_build_classes(b),
	       (double)mem / (double)p.n_filters, t_build);
	free(samples);
	nsb_build_free(b);
	nsb_inst_close(in);
	plan_free(&p);
	return 0;
}

static int mode_bpf_apply(size_t n, const char *dir)
{
	struct apply_opts o = {.out = stdout, .state_dir = dir};
	struct plan p;
	char err[256];
	double t0;

	if (make_plan(&p, n))
		return 1;
	t0 = now();
	if (bpf_backend_apply(&p, &o, err, sizeof(err))) {
		fprintf(stderr, "classify: %s\n", err);
		return 1;
	}
	printf("%.3f\n", now() - t0);
	plan_free(&p);
	return 0;
}

static int mode_bpf_flush(const char *dir)
{
	struct apply_opts o = {.out = stdout, .state_dir = dir};
	char err[256];

	if (bpf_backend_flush(&o, err, sizeof(err))) {
		fprintf(stderr, "classify: %s\n", err);
		return 1;
	}
	return 0;
}

static int mode_empty_attach(const char *ifname)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_UNSPEC},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "nsb_empty", "GPL", insns, 2, NULL);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(ifname),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .prog_fd = fd);
	int ret;

	/* An existing clsact qdisc is fine; libbpf would print the kernel's complaint. */
	libbpf_set_print(NULL);
	if (fd < 0 || !hook.ifindex) {
		perror("classify empty-attach");
		return 1;
	}
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		fprintf(stderr, "classify: clsact on %s: %s\n", ifname, strerror(-ret));
		return 1;
	}
	ret = bpf_tc_attach(&hook, &to);
	if (ret) {
		fprintf(stderr, "classify: attach on %s: %s\n", ifname, strerror(-ret));
		return 1;
	}
	close(fd);
	return 0;
}

static void ip_str(uint32_t a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static int mode_nft_file(size_t n, const char *path)
{
	FILE *f = fopen(path, "w");
	struct plan p;

	if (!f || make_plan(&p, n))
		return 1;
	fprintf(f, "table ip nsbbench {\n\tmap s {\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . "
		   "inet_service . inet_service : verdict\n\t\tflags interval\n\t}\n"
		   "\tchain forward_filter {\n\t\ttype filter hook forward priority 0; policy accept;\n"
		   "\t\tip saddr . ip daddr . meta l4proto . th sport . th dport vmap @s\n\t}\n}\n");
	/* One statement keeps the order (most specific first). */
	fprintf(f, "add element ip nsbbench s {");
	for (size_t i = 0; i < p.n_filters; i++) {
		const struct plan_sel *s = &p.filters[i].sel;
		char a[16], b[16];

		ip_str(s->src, a);
		ip_str(s->dst, b);
		fprintf(f, "%s\n%s/%u . %s/%u . ", i ? "," : "", a, s->src_plen, b, s->dst_plen);
		if (s->proto)
			fprintf(f, "%u", s->proto);
		else
			fprintf(f, "0-255");
		if (s->sport)
			fprintf(f, " . %u", s->sport);
		else
			fprintf(f, " . 0-65535");
		if (s->dport)
			fprintf(f, " . %u", s->dport);
		else
			fprintf(f, " . 0-65535");
		fprintf(f, " : %s", p.filters[i].action == NS_ACTION_BLOCK ? "drop" : "accept");
	}
	fprintf(f, "\n}\n");
	fclose(f);
	plan_free(&p);
	return 0;
}

static int mode_xfrm_file(size_t n, const char *path)
{
	static const char *const dirs[] = {"fwd", "out"};
	FILE *f = fopen(path, "w");
	struct plan p;

	if (!f || make_plan(&p, n))
		return 1;
	for (size_t i = 0; i < p.n_filters; i++) {
		const struct plan_sel *s = &p.filters[i].sel;
		char a[16], b[16];

		ip_str(s->src, a);
		ip_str(s->dst, b);
		for (int d = 0; d < 2; d++) {
			fprintf(f, "xfrm policy add src %s/%u dst %s/%u", a, s->src_plen, b,
				s->dst_plen);
			if (s->proto)
				fprintf(f, " proto %u", s->proto);
			if (s->sport)
				fprintf(f, " sport %u", s->sport);
			if (s->dport)
				fprintf(f, " dport %u", s->dport);
			fprintf(f, " dir %s priority %u action %s\n", dirs[d],
				0x40000u - (p.filters[i].weight >> 2),
				p.filters[i].action == NS_ACTION_BLOCK ? "block" : "allow");
		}
	}
	fclose(f);
	plan_free(&p);
	return 0;
}

static int mode_send(const char *ip, int port, int batches, int k)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	double *per = calloc((size_t)batches, sizeof(*per));
	char payload[64] = {0};

	if (s < 0 || !per || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("classify send");
		return 1;
	}
	for (int i = 0; i < 2000; i++) /* warm up: neighbours, caches */
		send(s, payload, sizeof(payload), 0);
	for (int b = 0; b < batches; b++) {
		double t0 = now();

		for (int i = 0; i < k; i++)
			send(s, payload, sizeof(payload), 0);
		per[b] = (now() - t0) * 1e9 / k;
	}
	qsort(per, (size_t)batches, sizeof(*per), cmp_double);
	printf("%.1f\n", per[batches / 2]);
	free(per);
	close(s);
	return 0;
}

static int open_udp(const char *ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return s;
}

static double batch(int s, int k)
{
	static const char payload[64];
	double t0 = now();

	for (int i = 0; i < k; i++)
		send(s, payload, sizeof(payload), 0);
	return (now() - t0) * 1e9 / k;
}

static int open_raw(const char *ifname)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), one = 1;

	if (s < 0 || setsockopt(s, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1))
		return -1;
	return s;
}

struct rawpkt {
	uint8_t b[48];
	uint16_t len;
	uint32_t dst;
};

static void make_raw(const struct plan *p, unsigned *st, struct rawpkt *r)
{
	const struct plan_filter *f;
	struct plan_pkt pk;
	uint32_t sm, dm, s, d;
	uint16_t sp, dp, tot;
	uint8_t *ip = r->b;

	do {
		*st = *st * 1103515245u + 12345u;
		f = &p->filters[(*st >> 4) % p->n_filters];
	} while (f->action == NS_ACTION_BLOCK);
	sm = plan_plen_mask(f->sel.src_plen);
	dm = plan_plen_mask(f->sel.dst_plen);
	*st = *st * 1103515245u + 12345u;
	pk.src = (f->sel.src & sm) | (*st & ~sm & 0x00ffffffu) | (f->sel.src_plen ? 0 : 0x0c000000u);
	*st = *st * 1103515245u + 12345u;
	pk.dst = (f->sel.dst & dm) | (*st & ~dm & 0x00ffffffu) | (f->sel.dst_plen ? 0 : 0x70000000u);
	pk.proto = f->sel.proto ? f->sel.proto : 17;
	pk.sport = f->sel.sport ? f->sel.sport : (uint16_t)(1024 + (*st >> 8) % 50000);
	pk.dport = f->sel.dport ? f->sel.dport : (uint16_t)(1 + (*st >> 3) % 60000);
	memset(r->b, 0, sizeof(r->b));
	tot = pk.proto == 6 ? 40 : 28;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = pk.proto;
	s = htonl(pk.src);
	d = htonl(pk.dst);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	sp = htons(pk.sport);
	dp = htons(pk.dport);
	if (pk.proto == 6 || pk.proto == 17) {
		memcpy(ip + 20, &sp, 2);
		memcpy(ip + 22, &dp, 2);
		if (pk.proto == 6)
			ip[32] = 0x50; /* data offset */
		else
			ip[25] = 8;
	} else {
		ip[20] = 8; /* ICMP echo */
	}
	r->len = tot;
	r->dst = d;
}

static double raw_batch(int s, const struct rawpkt *pk, size_t n_pk, size_t *pos, int k)
{
	double t0 = now();

	for (int i = 0; i < k; i++) {
		const struct rawpkt *r = &pk[(*pos)++ % n_pk];
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = r->dst};

		sendto(s, r->b, r->len, 0, (struct sockaddr *)&sa, sizeof(sa));
	}
	return (now() - t0) * 1e9 / k;
}

static int mode_mix2(size_t n, const char *if1, const char *if2, int batches, int k, size_t flows)
{
	struct rawpkt *pk = calloc(flows, sizeof(*pk));
	double *d = calloc((size_t)batches, sizeof(*d)), *b = calloc((size_t)batches, sizeof(*b));
	int s1 = open_raw(if1), s2 = open_raw(if2);
	size_t pos1 = 0, pos2 = 0;
	unsigned st = 4242;
	struct plan p;

	if (!pk || !d || !b || s1 < 0 || s2 < 0 || make_plan(&p, n)) {
		perror("classify mix2");
		return 1;
	}
	for (size_t i = 0; i < flows; i++)
		make_raw(&p, &st, &pk[i]);
	/* Warm up: every flow once on both paths (at least 65536 packets). */
	raw_batch(s1, pk, flows, &pos1, flows < 65536 ? 65536 : (int)flows);
	raw_batch(s2, pk, flows, &pos2, flows < 65536 ? 65536 : (int)flows);
	for (int i = 0; i < batches; i++) {
		double t1, t2;

		if (i & 1) {
			t2 = raw_batch(s2, pk, flows, &pos2, k);
			t1 = raw_batch(s1, pk, flows, &pos1, k);
		} else {
			t1 = raw_batch(s1, pk, flows, &pos1, k);
			t2 = raw_batch(s2, pk, flows, &pos2, k);
		}
		d[i] = t1 - t2;
		b[i] = t2;
	}
	qsort(d, (size_t)batches, sizeof(*d), cmp_double);
	qsort(b, (size_t)batches, sizeof(*b), cmp_double);
	printf("%.0f %.0f\n", d[batches / 2], b[batches / 2]);
	plan_free(&p);
	free(pk);
	free(d);
	free(b);
	close(s1);
	close(s2);
	return 0;
}

/* Paired batches cancel the drift of a machine shared with other work. */
static int mode_send2(const char *ip1, const char *ip2, int port, int batches, int k)
{
	int s1 = open_udp(ip1, port), s2 = open_udp(ip2, port);
	double *d = calloc((size_t)batches, sizeof(*d)), *b = calloc((size_t)batches, sizeof(*b));

	if (s1 < 0 || s2 < 0 || !d || !b) {
		perror("classify send2");
		return 1;
	}
	batch(s1, 2000);
	batch(s2, 2000);
	for (int i = 0; i < batches; i++) {
		double t1, t2;

		if (i & 1) {
			t2 = batch(s2, k);
			t1 = batch(s1, k);
		} else {
			t1 = batch(s1, k);
			t2 = batch(s2, k);
		}
		d[i] = t1 - t2;
		b[i] = t2;
	}
	qsort(d, (size_t)batches, sizeof(*d), cmp_double);
	qsort(b, (size_t)batches, sizeof(*b), cmp_double);
	printf("%.0f %.0f\n", d[batches / 2], b[batches / 2]);
	free(d);
	free(b);
	close(s1);
	close(s2);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "prog"))
		return mode_prog((size_t)atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "bpf-apply"))
		return mode_bpf_apply((size_t)atol(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "empty-attach"))
		return mode_empty_attach(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "bpf-flush"))
		return mode_bpf_flush(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "nft-file"))
		return mode_nft_file((size_t)atol(argv[2]), argv[3]);
	if (argc == 4 && !strcmp(argv[1], "xfrm-file"))
		return mode_xfrm_file((size_t)atol(argv[2]), argv[3]);
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "mix2"))
		return mode_mix2((size_t)atol(argv[2]), argv[3], argv[4], atoi(argv[5]), atoi(argv[6]),
				 argc == 8 && atol(argv[7]) > 0 ? (size_t)atol(argv[7]) : 65536);
	if (argc == 7 && !strcmp(argv[1], "send2"))
		return mode_send2(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc == 6 && !strcmp(argv[1], "send"))
		return mode_send(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: see tests/bench/classify.c\n");
	return 2;
}
