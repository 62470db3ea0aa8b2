// SPDX-License-Identifier: GPL-2.0
/*
 * Driver for the bpf backend in tests and benchmarks: builds a small plan
 * from the command line and calls exactly what ipsec-apply calls.
 *
 *   classify_apply [-n] [-v] [-s STATEDIR] [-e EXEMPT] CMD ...
 *     apply [fill N SEED] FILTER...   FILTER = ACTION:SRC:DST:PROTO:SPORT:DPORT[:lan|dialup]
 *     random SEED N CLASSES           apply plan_random()
 *     flush | status
 *   ACTION permit|block|negotiate; SRC/DST any or A.B.C.D[/LEN]; PROTO a number
 *   (0 = any); each FILTER is its own rule (negotiate rule k gets mark
 *   PLAN_MARK_BASE + k); "fill N SEED" adds N /32 block filters inside
 *   172.16.0.0/12 that no test traffic matches.  -e sets ipsecexempt (0-3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/backend.h"
#include "apply/bpf_loader.h"
#include "apply/match.h"

static int parse_addr(const char *s, uint32_t *a, uint8_t *plen)
{
	char buf[64], *sl;
	struct in_addr in;

	*a = 0;
	*plen = 0;
	if (!strcmp(s, "any"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	sl = strchr(buf, '/');
	*plen = 32;
	if (sl) {
		*sl = '\0';
		*plen = (uint8_t)atoi(sl + 1);
	}
	if (inet_pton(AF_INET, buf, &in) != 1 || *plen > 32)
		return -EINVAL;
	*a = ntohl(in.s_addr) & plan_plen_mask(*plen);
	return 0;
}

static struct plan_rule *add_rule(struct plan *p, enum ns_action a, enum ns_conntype ct,
				  uint32_t *n_neg)
{
	struct plan_rule *r;

	p->rules = realloc(p->rules, (p->n_rules + 1) * sizeof(*p->rules));
	if (!p->rules)
		return NULL;
	r = &p->rules[p->n_rules++];
	memset(r, 0, sizeof(*r));
	r->action = a;
	r->conntype = ct;
	if (a == NS_ACTION_NEGOTIATE) {
		++*n_neg;
		r->mark = PLAN_MARK_BASE + *n_neg;
		r->reqid = PLAN_REQID_RULE_BASE + *n_neg;
	}
	return r;
}

static int add_filter(struct plan *p, size_t *cap, const struct plan_sel *s, uint32_t rule)
{
	struct plan_filter *f;

	if (p->n_filters == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		p->filters = realloc(p->filters, *cap * sizeof(*p->filters));
		if (!p->filters)
			return -ENOMEM;
	}
	f = &p->filters[p->n_filters];
	memset(f, 0, sizeof(*f));
	f->sel = *s;
	f->rule = rule;
	f->action = p->rules[rule].action;
	f->weight = plan_weight(s, f->action);
	f->id = (uint32_t)++p->n_filters;
	return 0;
}

static int parse_filter(struct plan *p, size_t *cap, char *spec, uint32_t *n_neg)
{
	char *f[7] = {0};
	int n = 0;
	struct plan_sel s;
	enum ns_action a;
	enum ns_conntype ct = NS_CONN_ALL;

	for (char *t = strtok(spec, ":"); t && n < 7; t = strtok(NULL, ":"))
		f[n++] = t;
	if (n < 6)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	if (!strcmp(f[0], "permit"))
		a = NS_ACTION_PERMIT;
	else if (!strcmp(f[0], "block"))
		a = NS_ACTION_BLOCK;
	else if (!strcmp(f[0], "negotiate"))
		a = NS_ACTION_NEGOTIATE;
	else
		return -EINVAL;
	if (parse_addr(f[1], &s.src, &s.src_plen) || parse_addr(f[2], &s.dst, &s.dst_plen))
		return -EINVAL;
	s.proto = (uint8_t)atoi(f[3]);
	s.sport = (uint16_t)atoi(f[4]);
	s.dport = (uint16_t)atoi(f[5]);
	if (n == 7)
		ct = !strcmp(f[6], "dialup") ? NS_CONN_DIALUP : NS_CONN_LAN;
	if (!add_rule(p, a, ct, n_neg))
		return -ENOMEM;
	return add_filter(p, cap, &s, (uint32_t)p->n_rules - 1);
}

static int fill(struct plan *p, size_t *cap, unsigned n, unsigned seed, uint32_t *n_neg)
{
	struct plan_sel s;

	if (!add_rule(p, NS_ACTION_BLOCK, NS_CONN_ALL, n_neg))
		return -ENOMEM;
	memset(&s, 0, sizeof(s));
	s.src_plen = s.dst_plen = 32;
	for (unsigned i = 0; i < n; i++) {
		s.src = 0xac100000u | ((i * 2654435761u + seed * 40503u) & 0x000fffffu);
		s.dst = 0xac100000u | ((i * 40503u + seed) & 0x000fffffu);
		if (add_filter(p, cap, &s, (uint32_t)p->n_rules - 1))
			return -ENOMEM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct apply_opts o = {.out = stdout};
	struct plan p;
	char err[512] = "";
	unsigned exempt = 3;
	uint32_t n_neg = 0;
	size_t cap = 0;
	int i = 1, ret;

	memset(&p, 0, sizeof(p));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-n"))
			o.dry_run = true;
		else if (!strcmp(argv[i], "-v"))
			o.verbose = true;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			o.state_dir = argv[++i];
		else if (!strcmp(argv[i], "-e") && i + 1 < argc)
			exempt = (unsigned)atoi(argv[++i]);
		else
			goto usage;
	}
	if (i >= argc)
		goto usage;
	if (!strcmp(argv[i], "flush")) {
		ret = bpf_backend_flush(&o, err, sizeof(err));
	} else if (!strcmp(argv[i], "status")) {
		ret = bpf_backend_status(&o, err, sizeof(err));
	} else if (!strcmp(argv[i], "random") && i + 3 < argc) {
		ret = plan_random(&p, (unsigned)atoi(argv[i + 1]), (size_t)atol(argv[i + 2]),
				  (size_t)atol(argv[i + 3]));
		if (!ret)
			ret = bpf_backend_apply(&p, &o, err, sizeof(err));
	} else if (!strcmp(argv[i], "apply")) {
		struct timespec t0, t1;

		ret = 0;
		for (i++; i < argc && !ret; i++) {
			if (!strcmp(argv[i], "fill") && i + 2 < argc) {
				ret = fill(&p, &cap, (unsigned)atoi(argv[i + 1]),
					   (unsigned)atoi(argv[i + 2]), &n_neg);
				i += 2;
			} else {
				ret = parse_filter(&p, &cap, argv[i], &n_neg);
				if (ret)
					fprintf(stderr, "classify_apply: bad filter %s\n", argv[i]);
			}
		}
		plan_exempt_set(&p.exempt, exempt);
		if (!ret)
			ret = plan_sort(&p);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!ret)
			ret = bpf_backend_apply(&p, &o, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (getenv("CLASSIFY_APPLY_TIME"))
			fprintf(stderr, "apply %zu filters: %.3f s\n", p.n_filters,
				(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else {
		goto usage;
	}
	plan_free(&p);
	if (ret) {
		fprintf(stderr, "classify_apply: %s (%s)\n", err, strerror(-ret));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: classify_apply [-n] [-v] [-s DIR] [-e N] apply FILTER...|random "
			"SEED N CLASSES|flush|status\n");
	return 2;
}
