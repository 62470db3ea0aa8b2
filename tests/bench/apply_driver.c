// SPDX-License-Identifier: GPL-2.0
/*
 * Test and benchmark driver for the kernel backends: reads a hand-written
 * plan in a small text format (tests only, not a user interface) and feeds
 * it to the xfrm and nft backends, so that the netns tests and the
 * benchmarks exercise exactly the code ipsec-apply runs.
 *
 *   apply_driver [-n] [-v] [-t] -b BACKENDS CMD [ARG]
 *     BACKENDS  comma list of: nft, xfrm, xfrm-all, xfrm-marks
 *     CMD       apply FILE | flush | status | count | boot MODE [EXEMPTIONS]
 *               ipbatch FILE   (print the xfrm policies as `ip -batch` input)
 *               random SEED N CLASSES   (apply plan_random())
 *     -t        print the wall time of each backend call on stderr
 *     -P        with nft and xfrm: no xfrm prepare step before nft (shows the
 *               window that step closes)
 *
 * Plan file, one item per line, '#' comments:
 *   exempt [ike] [kerberos] [rsvp] [multicast] [broadcast] [bcast A.B.C.D]
 *   rule NAME permit|block|negotiate [inpass] [soft] [esp|ah|ahesp] [tunnel A.B.C.D]
 *   filter RULE SRC DST PROTO SPORT DPORT [mirror]
 *   gen COUNT RULE SRC DST PROTO SPORT DPORT src|dst|sport|dport
 * RULE is a rule name; SRC/DST are any, me or A.B.C.D[/LEN]; PROTO is a
 * number or any/tcp/udp/icmp; ports are numbers (0 = any).  gen makes
 * COUNT filters, stepping the named field by one prefix (or port) each.
 * Filters are sorted by weight like an evaluated plan.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply/backend.h"
#include "apply/match.h"
#include "apply/nft.h"
#include "apply/xfrm.h"

struct drv {
	struct plan p;
	size_t cap_f;
};

static int die(const char *m, int line)
{
	fprintf(stderr, "apply_driver: line %d: %s\n", line, m);
	return -EINVAL;
}

static int parse_addr(const char *s, uint32_t *a, uint8_t *plen)
{
	char buf[64], *sl;
	struct in_addr in;

	if (!strcmp(s, "any")) {
		*a = 0;
		*plen = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	sl = strchr(buf, '/');
	*plen = 32;
	if (sl) {
		*sl = 0;
		*plen = (uint8_t)atoi(sl + 1);
		if (*plen > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*a = ntohl(in.s_addr) & plan_plen_mask(*plen);
	return 0;
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "any"))
		return 0;
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "icmp"))
		return 1;
	return atoi(s);
}

static long find_rule(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].rule_name, name))
			return (long)i;
	return -1;
}

static int add_filter(struct drv *d, uint32_t rule, const struct plan_sel *s, bool mirror)
{
	struct plan_filter *f;

	if (d->p.n_filters == d->cap_f) {
		size_t cap = d->cap_f ? d->cap_f * 2 : 1024;
		struct plan_filter *v = realloc(d->p.filters, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->p.filters = v;
		d->cap_f = cap;
	}
	f = &d->p.filters[d->p.n_filters++];
	memset(f, 0, sizeof(*f));
	f->sel = *s;
	f->rule = rule;
	f->action = d->p.rules[rule].action;
	f->tunnel = d->p.rules[rule].tunnel;
	f->mirror = mirror;
	f->weight = plan_weight(s, f->action);
	return 0;
}

static int add_rule(struct plan *p, char **tok, int nt, int line)
{
	struct plan_rule *r, *v = realloc(p->rules, (p->n_rules + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->rules = v;
	r = &p->rules[p->n_rules];
	memset(r, 0, sizeof(*r));
	if (nt < 3)
		return die("rule NAME ACTION ...", line);
	r->rule_name = strdup(tok[1]);
	r->policy_name = strdup("test");
	r->conntype = NS_CONN_ALL;
	if (!strcmp(tok[2], "permit"))
		r->action = NS_ACTION_PERMIT;
	else if (!strcmp(tok[2], "block"))
		r->action = NS_ACTION_BLOCK;
	else if (!strcmp(tok[2], "negotiate"))
		r->action = NS_ACTION_NEGOTIATE;
	else
		return die("bad action", line);
	r->qm = calloc(1, sizeof(*r->qm));
	if (!r->rule_name || !r->policy_name || !r->qm)
		return -ENOMEM;
	r->n_qm = 1;
	r->qm->kind = NS_QM_ESP;
	for (int i = 3; i < nt; i++) {
		if (!strcmp(tok[i], "inpass"))
			r->inpass = true;
		else if (!strcmp(tok[i], "soft"))
			r->soft = true;
		else if (!strcmp(tok[i], "ah"))
			r->qm->kind = NS_QM_AH;
		else if (!strcmp(tok[i], "ahesp"))
			r->qm->kind = NS_QM_AH_ESP;
		else if (!strcmp(tok[i], "esp"))
			r->qm->kind = NS_QM_ESP;
		else if (!strcmp(tok[i], "tunnel") && i + 1 < nt) {
			uint8_t pl;

			r->tunnel = true;
			if (parse_addr(tok[++i], &r->tunnel_dst, &pl))
				return die("bad tunnel address", line);
		} else
			return die("bad rule option", line);
	}
	if (r->action == NS_ACTION_NEGOTIATE) {
		r->reqid = PLAN_REQID_RULE_BASE + (uint32_t)p->n_rules + 1;
		r->mark = PLAN_MARK_BASE + (uint32_t)p->n_rules + 1;
	}
	p->n_rules++;
	return 0;
}

static int parse_sel(const struct plan *p, char **tok, struct plan_sel *s, long *rule, int line)
{
	memset(s, 0, sizeof(*s));
	*rule = find_rule(p, tok[0]);
	if (*rule < 0)
		return die("unknown rule", line);
	if (parse_addr(tok[1], &s->src, &s->src_plen) || parse_addr(tok[2], &s->dst, &s->dst_plen))
		return die("bad address", line);
	s->proto = (uint8_t)parse_proto(tok[3]);
	s->sport = (uint16_t)atoi(tok[4]);
	s->dport = (uint16_t)atoi(tok[5]);
	return 0;
}

static int load(struct drv *d, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[512];
	int ln = 0, ret = 0;
	uint32_t reqid = PLAN_REQID_FILTER_BASE;

	if (!f) {
		perror(path);
		return -errno;
	}
	plan_exempt_set(&d->p.exempt, 3);
	while (!ret && fgets(line, sizeof(line), f)) {
		char *tok[24], *save = NULL, *t;
		int nt = 0;

		ln++;
		if ((t = strchr(line, '#')))
			*t = 0;
		for (t = strtok_r(line, " \t\n", &save); t && nt < 24;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[nt++] = t;
		if (!nt)
			continue;
		if (!strcmp(tok[0], "exempt")) {
			memset(&d->p.exempt, 0, sizeof(d->p.exempt));
			d->p.exempt.ike = true;
			for (int i = 1; i < nt; i++) {
				if (!strcmp(tok[i], "kerberos"))
					d->p.exempt.kerberos = true;
				else if (!strcmp(tok[i], "rsvp"))
					d->p.exempt.rsvp = true;
				else if (!strcmp(tok[i], "multicast"))
					d->p.exempt.multicast = true;
				else if (!strcmp(tok[i], "broadcast"))
					d->p.exempt.broadcast = true;
				else if (!strcmp(tok[i], "bcast") && i + 1 < nt) {
					uint8_t pl;
					uint32_t a, *v = realloc(d->p.bcast,
								 (d->p.n_bcast + 1) * sizeof(*v));

					if (!v || parse_addr(tok[++i], &a, &pl))
						return die("bad bcast", ln);
					d->p.bcast = v;
					v[d->p.n_bcast++] = a;
				}
			}
		} else if (!strcmp(tok[0], "rule")) {
			ret = add_rule(&d->p, tok, nt, ln);
		} else if (!strcmp(tok[0], "filter") && nt >= 7) {
			struct plan_sel s;
			long r;

			ret = parse_sel(&d->p, tok + 1, &s, &r, ln);
			if (!ret)
				ret = add_filter(d, (uint32_t)r, &s, false);
			if (!ret && nt > 7 && !strcmp(tok[7], "mirror")) {
				struct plan_sel m = s;

				m.src = s.dst;
				m.dst = s.src;
				m.src_plen = s.dst_plen;
				m.dst_plen = s.src_plen;
				m.sport = s.dport;
				m.dport = s.sport;
				ret = add_filter(d, (uint32_t)r, &m, true);
			}
		} else if (!strcmp(tok[0], "gen") && nt >= 9) {
			long n = atol(tok[1]), r;
			struct plan_sel s;

			ret = parse_sel(&d->p, tok + 2, &s, &r, ln);
			for (long i = 0; !ret && i < n; i++) {
				ret = add_filter(d, (uint32_t)r, &s, false);
				if (!strcmp(tok[8], "src"))
					s.src += s.src_plen ? 1u << (32 - s.src_plen) : 0;
				else if (!strcmp(tok[8], "dst"))
					s.dst += s.dst_plen ? 1u << (32 - s.dst_plen) : 0;
				else if (!strcmp(tok[8], "sport"))
					s.sport++;
				else
					s.dport++;
			}
		} else {
			ret = die("unknown line", ln);
		}
	}
	if (f != stdin)
		fclose(f);
	if (ret)
		return ret;
	ret = plan_sort(&d->p);
	for (size_t i = 0; !ret && i < d->p.n_filters; i++) {
		struct plan_filter *fl = &d->p.filters[i];

		fl->id = (uint32_t)i + 1;
		if (fl->action == NS_ACTION_NEGOTIATE)
			fl->reqid = reqid++;
	}
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_boot(struct ns_config *cfg, int argc, char **argv)
{
	ns_config_defaults(cfg);
	if (!argc)
		return -EINVAL;
	if (!strcmp(argv[0], "block"))
		cfg->bootmode = NS_BOOT_BLOCK;
	else if (!strcmp(argv[0], "stateful"))
		cfg->bootmode = NS_BOOT_STATEFUL;
	else if (!strcmp(argv[0], "permit"))
		cfg->bootmode = NS_BOOT_PERMIT;
	else
		return -EINVAL;
	/* protocol:srcport:dstport:inbound|outbound */
	for (int i = 1; i < argc && cfg->n_bootexemptions < NS_MAX_BOOTEXEMPTIONS; i++) {
		struct ns_bootexemption *e = &cfg->bootexemptions[cfg->n_bootexemptions];
		char dir[16] = "";
		unsigned pr, sp, dp;

		if (sscanf(argv[i], "%u:%u:%u:%15s", &pr, &sp, &dp, dir) != 4)
			return -EINVAL;
		e->protocol = (uint8_t)pr;
		e->srcport = (uint16_t)sp;
		e->dstport = (uint16_t)dp;
		e->dir = !strcmp(dir, "outbound") ? NS_DIR_OUTBOUND : NS_DIR_INBOUND;
		cfg->n_bootexemptions++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct apply_opts o = {.out = stdout};
	const char *backends = "nft,xfrm";
	struct drv d = {0};
	bool timing = false, prepare = true;
	char err[512] = "";
	int c, ret = 0;

	while ((c = getopt(argc, argv, "nvtPb:s:")) != -1) {
		if (c == 's')
			o.state_dir = optarg;
		else if (c == 'n')
			o.dry_run = true;
		else if (c == 'v')
			o.verbose = true;
		else if (c == 't')
			timing = true;
		else if (c == 'P')
			prepare = false;
		else if (c == 'b')
			backends = optarg;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: apply_driver [-n] [-v] [-t] [-s STATEDIR] -b BACKENDS CMD [ARG]\n");
		return 2;
	}
	const char *cmd = argv[optind];

	if (!strcmp(cmd, "apply") || !strcmp(cmd, "ipbatch")) {
		if (optind + 1 >= argc)
			return 2;
		ret = load(&d, argv[optind + 1]);
	} else if (!strcmp(cmd, "random")) {
		if (optind + 3 >= argc)
			return 2;
		ret = plan_random(&d.p, (unsigned)atoi(argv[optind + 1]),
				  (size_t)atol(argv[optind + 2]), (size_t)atol(argv[optind + 3]));
		cmd = "apply";
	}
	if (ret) {
		plan_free(&d.p);
		return 1;
	}

	char *list = strdup(backends), *save = NULL;

	/* ipsec-apply's order: XFRM make phase, nft, XFRM break phase. */
	if (prepare && !strcmp(cmd, "apply") && strstr(backends, "nft") &&
	    (strstr(backends, "xfrm,") || !strcmp(backends + strlen(backends) - 4, "xfrm"))) {
		double t0 = now();

		ret = xfrm_backend_prepare(&d.p, &o, err, sizeof(err));
		if (timing)
			fprintf(stderr, "time xfrm prepare %.3f s\n", now() - t0);
		if (ret)
			fprintf(stderr, "%s\n", err);
	}

	for (char *b = strtok_r(list, ",", &save); b && !ret; b = strtok_r(NULL, ",", &save)) {
		double t0 = now();

		err[0] = 0;
		if (!strcmp(cmd, "apply")) {
			if (!strcmp(b, "nft"))
				ret = nft_backend_apply(&d.p, &o, err, sizeof(err));
			else if (!strcmp(b, "xfrm"))
				ret = xfrm_backend_apply(&d.p, &o, err, sizeof(err));
			else if (!strcmp(b, "xfrm-all"))
				ret = xfrm_backend_apply_scope(&d.p, XFRM_SCOPE_ALL, &o, err,
							       sizeof(err));
			else if (!strcmp(b, "xfrm-marks"))
				ret = xfrm_backend_apply_scope(&d.p, XFRM_SCOPE_MARKS, &o, err,
							       sizeof(err));
			else
				ret = -EINVAL;
		} else if (!strcmp(cmd, "ipbatch")) {
			ret = xfrm_print_ipbatch(
				&d.p, !strcmp(b, "xfrm-all") ? XFRM_SCOPE_ALL : XFRM_SCOPE_NEEDED,
				stdout, err, sizeof(err));
		} else if (!strcmp(cmd, "flush")) {
			ret = !strcmp(b, "nft") ? nft_backend_flush(&o, err, sizeof(err))
						: xfrm_backend_flush(&o, err, sizeof(err));
		} else if (!strcmp(cmd, "status")) {
			ret = !strcmp(b, "nft") ? nft_backend_status(&o, err, sizeof(err))
						: xfrm_backend_status(&o, err, sizeof(err));
		} else if (!strcmp(cmd, "count")) {
			long n = xfrm_count_ours(err, sizeof(err));

			ret = n < 0 ? (int)n : 0;
			if (!ret)
				printf("%ld\n", n);
		} else if (!strcmp(cmd, "boot") && !strcmp(b, "nft")) {
			struct ns_config *cfg = calloc(1, sizeof(*cfg));

			ret = cfg ? parse_boot(cfg, argc - optind - 1, argv + optind + 1) : -ENOMEM;
			if (!ret)
				ret = nft_backend_boot(cfg, &o, err, sizeof(err));
			free(cfg);
		} else {
			ret = -EINVAL;
		}
		if (timing)
			fprintf(stderr, "time %s %s %.3f s (%zu filters)\n", b, cmd, now() - t0,
				d.p.n_filters);
		if (ret)
			fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
	}
	free(list);
	plan_free(&d.p);
	return ret ? 1 : 0;
}
