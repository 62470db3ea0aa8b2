// SPDX-License-Identifier: GPL-2.0
/*
 * Load N negotiate rules into a charon through vici_backend_apply and time
 * it; also the driver of tests/netns/vici_*.sh.
 *
 *   vici_load SOCKET N            apply N rules (fx_many), print the time
 *   vici_load SOCKET N -v         ... printing every object
 *   vici_load SOCKET flush        vici_backend_flush
 *   vici_load SOCKET status       vici_backend_status
 *   vici_load SOCKET sink [-v]    apply fx_sink (every shape the lowering knows)
 *   vici_load SOCKET pair LOCAL REMOTE [-r]   one PSK rule LOCAL <-> REMOTE (IKE
 *                                 tests); -r: children with the rule's reqid (bpf)
 *   vici_load SOCKET respond      only a default response rule (same key)
 *   vici_load SOCKET any LOCAL    one PSK rule LOCAL <-> Any (same key)
 *   vici_load SOCKET two LOCAL REMOTE [2]   rules 1 (tcp/80) and 2 (udp/53)
 *                                 between the same two hosts, or rule 2 only
 *   vici_load SOCKET raw CMD      run one command, print the response
 *   vici_load SOCKET watch SECS   wait until charon goes away (watcher API)
 *   vici_load - N swanctl         print the equivalent swanctl.conf
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/vici_fixture.h"
#include "apply/backend.h"
#include "apply/vici_lower.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same connections as swanctl.conf text, for `swanctl --load-all`. */
static int print_swanctl(FILE *out, unsigned n)
{
	fprintf(out, "connections {\n");
	for (unsigned i = 1; i <= n; i++) {
		unsigned a = i >> 8, b = i & 0xff;

		fprintf(out,
			"  sw-%u {\n    version = 1\n    aggressive = no\n"
			"    proposals = 3des-sha1-modp1024,3des-md5-modp1024,3des-sha1-modp2048\n"
			"    rekey_time = 28800s\n    over_time = 2880s\n    reauth_time = 0\n"
			"    local_addrs = 10.99.0.1\n    remote_addrs = 10.100.%u.%u\n"
			"    local { auth = psk\n id = 10.99.0.1 }\n"
			"    remote { auth = psk\n id = 10.100.%u.%u }\n"
			"    children {\n      r%08x {\n        mode = transport\n"
			"        esp_proposals = 3des-sha1,3des-md5\n"
			"        rekey_time = 3600s\n        life_time = 3960s\n"
			"        rekey_bytes = 102400000\n        life_bytes = 112640000\n"
			"        local_ts = 10.99.0.1/32\n        remote_ts = 10.100.%u.%u/32\n"
			"        reqid = %u\n        policies = no\n        priority = 2000\n"
			"        start_action = trap\n      }\n    }\n  }\n",
			i, a, b, a, b, PLAN_REQID_FILTER_BASE + i, a, b, PLAN_REQID_FILTER_BASE + i);
	}
	fprintf(out, "}\nsecrets {\n");
	for (unsigned i = 1; i <= n; i++)
		fprintf(out, "  ike-sw-%u {\n    id-1 = 10.99.0.1\n    id-2 = 10.100.%u.%u\n"
			     "    secret = secret-%u\n  }\n", i, i >> 8, i & 0xff, i);
	fprintf(out, "}\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct apply_opts o = { .out = stdout };
	char err[512];
	struct plan p;
	double t0;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: vici_load SOCKET N [-v] | SOCKET flush | SOCKET status | - N swanctl\n");
		return 2;
	}
	o.vici_path = argv[1];
	if (!strcmp(argv[2], "flush") || !strcmp(argv[2], "status")) {
		rc = argv[2][0] == 'f' ? vici_backend_flush(&o, err, sizeof(err))
				       : vici_backend_status(&o, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
		return rc ? 1 : 0;
	}
	if (!strcmp(argv[2], "raw") && argc > 3) {
		struct vici_conn *c;
		struct vici_msg *m;

		rc = vici_connect(argv[1], 5000, &c, err, sizeof(err));
		if (!rc)
			rc = vici_request(c, argv[3], NULL, &m, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		vici_dump(&m->root, stdout);
		vici_msg_free(m);
		vici_close(c);
		return 0;
	}
	if (!strcmp(argv[2], "watch") && argc > 3) {
		struct pollfd pfd = { .events = POLLIN };

		pfd.fd = vici_backend_watch_open(argv[1], err, sizeof(err));
		if (pfd.fd < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("watching\n");
		fflush(stdout);
		rc = poll(&pfd, 1, atoi(argv[3]) * 1000);
		close(pfd.fd);
		printf("%s\n", rc == 1 ? "charon gone" : "timeout");
		printf("connected: %s\n", vici_backend_connected(argv[1]) ? "yes" : "no");
		return rc == 1 ? 0 : 1;
	}
	if (argc > 3 && !strcmp(argv[3], "swanctl"))
		return print_swanctl(stdout, (unsigned)atoi(argv[2]));
	o.verbose = argc > 3 && !strcmp(argv[3], "-v");
	o.dry_run = !strcmp(argv[1], "-");
	if (!strcmp(argv[2], "sink")) {
		fx_sink(&p);
	} else if (!strcmp(argv[2], "pair") && argc > 4) {
		struct in_addr a, b;

		if (inet_pton(AF_INET, argv[3], &a) != 1 || inet_pton(AF_INET, argv[4], &b) != 1)
			return 2;
		memset(&p, 0, sizeof(p));
		fx_add_me(&p, ntohl(a.s_addr));
		fx_add_rule(&p, 1, "pair-secret");
		fx_add_filter(&p, fx_sel(ntohl(a.s_addr), 32, ntohl(b.s_addr), 32, 0, 0, 0), true,
			      PLAN_REQID_FILTER_BASE + 1);
		/* a second filter to the same peer: one more child, or one more
		 * selector pair in the rule's child */
		fx_add_filter(&p, fx_sel(ntohl(a.s_addr), 32, ntohl(b.s_addr), 32, 6, 0, 22), true,
			      PLAN_REQID_FILTER_BASE + 2);
		o.rule_reqids = argc > 5 && !strcmp(argv[5], "-r");
	} else if (!strcmp(argv[2], "any") && argc > 3) {
		struct in_addr a;

		if (inet_pton(AF_INET, argv[3], &a) != 1)
			return 2;
		memset(&p, 0, sizeof(p));
		fx_add_me(&p, ntohl(a.s_addr));
		fx_add_rule(&p, 1, "pair-secret");
		fx_add_filter(&p, fx_sel(ntohl(a.s_addr), 32, 0, 0, 0, 0, 0), true,
			      PLAN_REQID_FILTER_BASE + 1);
	} else if (!strcmp(argv[2], "two") && argc > 4) {
		struct in_addr a, b;

		if (inet_pton(AF_INET, argv[3], &a) != 1 || inet_pton(AF_INET, argv[4], &b) != 1)
			return 2;
		memset(&p, 0, sizeof(p));
		fx_add_me(&p, ntohl(a.s_addr));
		for (unsigned n = argc > 5 ? 2 : 1; n <= 2; n++) {
			fx_add_rule(&p, n, "pair-secret");
			fx_add_filter(&p, fx_sel(ntohl(a.s_addr), 32, ntohl(b.s_addr), 32,
						 n == 1 ? 6 : 17, 0, n == 1 ? 80 : 53),
				      true, PLAN_REQID_FILTER_BASE + n);
		}
	} else if (!strcmp(argv[2], "respond")) {
		struct plan_rule *r;

		memset(&p, 0, sizeof(p));
		r = fx_add_rule(&p, 1, "pair-secret");
		r->is_default = true;
		r->reqid = r->mark = 0;
	} else {
		fx_many(&p, (unsigned)atoi(argv[2]));
	}
	t0 = now();
	rc = vici_backend_apply(&p, &o, err, sizeof(err));
	printf("vici_backend_apply: %zu rules in %.3f s\n", p.n_rules, now() - t0);
	plan_free(&p);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}
