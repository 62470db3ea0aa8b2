// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec-apply: read the assigned policies and the machine's state, build
 * the plan, and have the backends enforce it (nft, then bpf or xfrm, then
 * charon over VICI).  See Documentation/ipsec-apply.8.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "apply/backend.h"
#include "apply/current.h"
#include "apply/evaluate.h"
#include "apply/plan.h"
#include "apply/plan_print.h"
#include "apply/sysinfo.h"
#include "apply/xfrm.h"
#include "lib/config.h"
#include "lib/dynstore.h"
#include "lib/store.h"

#define MAX_EXPLAIN 256

enum classifier {
	CLS_AUTO = 0,
	CLS_BPF,
	CLS_XFRM,
};

enum mode {
	MODE_APPLY = 0,
	MODE_FLUSH,
	MODE_STATUS,
	MODE_BOOT,
	MODE_WATCH,
};

struct ctx {
	enum mode mode;
	enum classifier cls;
	bool no_vici;
	/* Kernels without nftables' ip family (User-Mode Linux): XFRM alone
	 * enforces block/permit/negotiate with --backend=xfrm. */
	bool no_nft;
	const char *store_dir;
	const char *run_dir;		      /* dynamic context's rules */
	struct plan_pkt explain[MAX_EXPLAIN]; /* --explain: implies -n */
	size_t n_explain;
	struct apply_opts opts;
	struct sysinfo_paths paths;
	char wins_path[PATH_MAX];
	/* --watch */
	struct plan last;
	bool have_last;
	unsigned polling_sec;
};

#define ERRLEN		    512
#define WATCH_RETRY_SEC	    30
#define WATCH_SETTLE_MS	    300
#define WATCH_MAX_SETTLE_MS 3000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipsec-apply [options]\n"
		"  -n, --dry-run        build and print the plan, change nothing\n"
		"  -v, --verbose        print notes and every kernel/charon object\n"
		"      --flush          remove everything the backends installed\n"
		"      --status         show what is installed, with counters\n"
		"      --boot           enforce bootmode/bootexemptions (before any policy)\n"
		"      --watch          apply, then re-apply whenever the inputs change\n"
		"      --backend=bpf|xfrm   classifier (default bpf when supported)\n"
		"      --vici PATH      charon's VICI socket (default %s)\n"
		"      --no-vici        do not drive charon\n"
		"      --explain SRC,DST,PROTO[,SPORT,DPORT]  which filter decides this packet\n"
		"                       (repeatable; implies -n)\n"
		"      --no-nft         leave nftables alone (kernels without it; use "
		"--backend=xfrm)\n"
		"      --store-dir DIR  policy store directory (default $NETSH_IPSEC_DIR or %s)\n"
		"      --run-dir DIR    dynamic rules (default $NETSH_IPSEC_RUNDIR or %s)\n"
		"      --state-dir DIR  backend state, e.g. pinned BPF maps (default /run/netsh-ipsec)\n"
		"      --resolv-conf FILE, --leases-dir DIR   machine state from these files (tests)\n"
		"  -h, --help\n",
		APPLY_DEFAULT_VICI, NS_STORE_DEFAULT_DIR, NS_DYN_DEFAULT_RUNDIR);
}

static bool bpf_chosen(const struct ctx *c)
{
	if (c->cls == CLS_AUTO)
		return bpf_backend_supported();
	return c->cls == CLS_BPF;
}

/* ---- inputs ------------------------------------------------------------ */

/* Everything the plan depends on (stores, dynamic rules, config, machine
 * state), evaluated: current.c, shared with `netsh ipsec dynamic show`. */
static int build_plan(struct ctx *c, struct plan *p, char *err, size_t errlen)
{
	struct current_input in = {.store_dir = c->store_dir,
				   .rundir = c->run_dir,
				   .paths = &c->paths,
				   .use_netlink = true,
				   .notes = c->opts.verbose ? c->opts.out : NULL};

	return current_plan(&in, p, &c->polling_sec, err, errlen);
}

/* ---- backends ---------------------------------------------------------- */

static void report(const char *what, int ret, const char *msg)
{
	size_t n = strcspn(what, " ");

	if (ret == -ENOSYS)
		fprintf(stderr, "ipsec-apply: %s: backend not available in this build\n", what);
	else if (!strncmp(msg, what, n) && msg[n] == ':')
		fprintf(stderr, "ipsec-apply: %s\n", msg); /* the backend named itself */
	else
		fprintf(stderr, "ipsec-apply: %s: %s\n", what, *msg ? msg : strerror(-ret));
}

/* A dry run shows what it can: a missing backend is reported, not fatal. */
static bool fatal(const struct ctx *c, int ret)
{
	return ret && !(c->opts.dry_run && ret == -ENOSYS);
}

static int apply_plan(struct ctx *c, const struct plan *p)
{
	bool bpf = bpf_chosen(c);
	char msg[ERRLEN] = "";
	int ret;

	/*
	 * Make-before-break across XFRM and nftables (xfrm.h): the new XFRM
	 * policies go in before nftables changes, the obsolete ones go after.
	 */
	if (!bpf && !c->no_nft && !c->opts.dry_run) {
		ret = xfrm_backend_prepare(p, &c->opts, msg, sizeof(msg));
		if (ret)
			report("xfrm (prepare)", ret, msg);
		if (fatal(c, ret))
			return ret;
		msg[0] = '\0';
	}
	ret = c->no_nft ? 0 : nft_backend_apply(p, &c->opts, msg, sizeof(msg));
	if (ret)
		report("nft", ret, msg);
	if (fatal(c, ret))
		return ret;
	if (bpf) {
		/*
		 * The classifier only marks: the per-rule mark-selected XFRM
		 * policies do the protecting.  They go in first so that a
		 * packet marked by a new rule always finds its policy.  The
		 * diff is over our whole XFRM band, so per-filter policies of
		 * an earlier --backend=xfrm apply go at the same time.
		 */
		msg[0] = '\0';
		ret = xfrm_backend_apply_scope(p, XFRM_SCOPE_MARKS, &c->opts, msg, sizeof(msg));
		if (ret)
			report("xfrm (rule marks)", ret, msg);
		if (fatal(c, ret))
			return ret;
	}
	msg[0] = '\0';
	if (bpf)
		ret = bpf_backend_apply(p, &c->opts, msg, sizeof(msg));
	else if (c->no_nft)
		/* Nothing else drops block filters' packets: every filter in
		 * XFRM, block as XFRM block. */
		ret = xfrm_backend_apply_scope(p, XFRM_SCOPE_ALL, &c->opts, msg, sizeof(msg));
	else
		ret = xfrm_backend_apply(p, &c->opts, msg, sizeof(msg));
	if (ret)
		report(bpf ? "bpf" : "xfrm", ret, msg);
	if (fatal(c, ret))
		return ret;
	if (!c->no_vici) {
		msg[0] = '\0';
		c->opts.rule_reqids = bpf;
		ret = vici_backend_apply(p, &c->opts, msg, sizeof(msg));
		if (ret)
			report("vici", ret, msg);
		if (fatal(c, ret))
			return ret;
	}
	if (c->opts.dry_run)
		return 0;
	/*
	 * After a switch from bpf to xfrm the classifier would keep marking
	 * packets: detach it.  The other way needs nothing here: both
	 * classifiers keep their XFRM policies in one priority band, and the
	 * bpf backend's XFRM step (XFRM_SCOPE_MARKS) is a diff over that whole
	 * band, so it already replaced the per-filter policies; an
	 * xfrm_backend_flush() now would remove the bpf backend's mark
	 * policies too.
	 */
	if (!bpf) {
		msg[0] = '\0';
		ret = bpf_backend_flush(&c->opts, msg, sizeof(msg));
		if (ret && ret != -ENOSYS)
			report("bpf (detaching the unused classifier)", ret, msg);
	}
	return 0;
}

static int do_apply(struct ctx *c)
{
	struct plan p;
	char err[ERRLEN] = "";
	int ret;

	ret = build_plan(c, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ipsec-apply: %s\n", err);
		return ret;
	}
	if (c->n_explain) {
		/* Only the decisions: what a test or an administrator asks. */
		for (size_t i = 0; i < c->n_explain; i++)
			plan_explain(c->opts.out, &p, &c->explain[i]);
		plan_free(&p);
		return 0;
	}
	if (c->opts.dry_run)
		plan_print(c->opts.out, &p);
	/* -n alone only prints the plan; -n -v also shows what every backend
	 * would install. */
	if (!c->opts.dry_run || c->opts.verbose)
		ret = apply_plan(c, &p);
	plan_free(&p);
	return ret;
}

static int do_flush(struct ctx *c)
{
	char msg[ERRLEN];
	int ret, worst = 0;

#define FLUSH(name, call)                                                                          \
	do {                                                                                       \
		msg[0] = '\0';                                                                     \
		ret = call;                                                                        \
		if (ret && ret != -ENOSYS) {                                                       \
			report(name, ret, msg);                                                    \
			worst = ret;                                                               \
		}                                                                                  \
	} while (0)
	if (!c->no_vici)
		FLUSH("vici", vici_backend_flush(&c->opts, msg, sizeof(msg)));
	FLUSH("bpf", bpf_backend_flush(&c->opts, msg, sizeof(msg)));
	FLUSH("xfrm", xfrm_backend_flush(&c->opts, msg, sizeof(msg)));
	if (!c->no_nft)
		FLUSH("nft", nft_backend_flush(&c->opts, msg, sizeof(msg)));
#undef FLUSH
	return worst;
}

static int do_status(struct ctx *c)
{
	bool bpf = bpf_chosen(c);
	char msg[ERRLEN] = "";
	int ret, worst = 0;

	ret = c->no_nft ? 0 : nft_backend_status(&c->opts, msg, sizeof(msg));
	if (ret)
		report("nft", ret, msg), worst = ret;
	msg[0] = '\0';
	ret = bpf ? bpf_backend_status(&c->opts, msg, sizeof(msg))
		  : xfrm_backend_status(&c->opts, msg, sizeof(msg));
	if (ret)
		report(bpf ? "bpf" : "xfrm", ret, msg), worst = ret;
	if (!c->no_vici) {
		msg[0] = '\0';
		ret = vici_backend_status(&c->opts, msg, sizeof(msg));
		if (ret)
			report("vici", ret, msg), worst = ret;
	}
	return worst;
}

static int do_boot(struct ctx *c)
{
	struct ns_config cfg;
	char msg[ERRLEN] = "";
	int ret;

	/* Only the config file: the policies are read later, by the main
	 * service, once the network exists. */
	ret = ns_config_load(c->store_dir, &cfg, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "ipsec-apply: config: %s (using the defaults)\n", msg);
		ns_config_defaults(&cfg);
	}
	msg[0] = '\0';
	ret = nft_backend_boot(&cfg, &c->opts, msg, sizeof(msg));
	if (ret)
		report("nft boot", ret, msg);
	return ret;
}

/* ---- --watch ----------------------------------------------------------- */

/* A directory watched for one file in it ("" = any file). */
struct wfile {
	int wd;
	char name[NAME_MAX + 1];
};

struct watch {
	struct mnl_socket *nl;
	int ino, sfd;
	int wd_store, wd_run, wd_run_parent;
	struct wfile resolv[2], leases[3];
	struct wfile vici; /* charon (re)creates its socket when it starts */
	/* Signature of the store directory: netsh's writes change it, our own
	 * reads (SQLite -shm files) must not wake us up. */
	unsigned long long store_sig;
};

static unsigned long long store_signature(const char *dir)
{
	unsigned long long sig = 1469598103934665603ull;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || (len > 4 && !strcmp(de->d_name + len - 4, "-shm")) ||
		    (len > 8 && !strcmp(de->d_name + len - 8, "-journal")))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    sizeof(path) ||
		    stat(path, &st))
			continue;
		/* Order-independent: directory order may change. */
		sig += ((unsigned long long)st.st_mtim.tv_sec * 1000000007ull +
			(unsigned long long)st.st_mtim.tv_nsec) ^
		       ((unsigned long long)st.st_size << 20) ^ (unsigned long long)st.st_ino;
	}
	closedir(d);
	return sig;
}

#define STORE_EVENTS                                                                               \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MODIFY)

/* Both databases, in one number. */
static unsigned long long inputs_signature(const struct ctx *c)
{
	return store_signature(c->store_dir) * 31 + store_signature(c->run_dir);
}

/* The dynamic context's directory appears with its first rule: watch its
 * parent until then. */
static void watch_run_dir(const struct ctx *c, struct watch *w)
{
	char buf[PATH_MAX];

	if (w->wd_run >= 0)
		return;
	w->wd_run = inotify_add_watch(w->ino, c->run_dir, STORE_EVENTS | IN_MASK_ADD);
	if (w->wd_run < 0 && w->wd_run_parent < 0) {
		snprintf(buf, sizeof(buf), "%s", c->run_dir);
		w->wd_run_parent = inotify_add_watch(w->ino, dirname(buf),
						     IN_CREATE | IN_MOVED_TO | IN_MASK_ADD);
	}
}

/* IN_MASK_ADD: several inputs may live in one directory (/run, a test's
 * fixture directory), and one watch per directory is all inotify gives. */
#define WATCH_FILE_EVENTS                                                                          \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MASK_ADD)

static void watch_file(struct watch *w, struct wfile *wf, const char *file, bool whole_dir)
{
	char buf[PATH_MAX], nbuf[PATH_MAX];

	wf->wd = -1;
	if (!file)
		return;
	snprintf(buf, sizeof(buf), "%s", file);
	snprintf(nbuf, sizeof(nbuf), "%s", file);
	snprintf(wf->name, sizeof(wf->name), "%s", whole_dir ? "" : basename(nbuf));
	wf->wd = inotify_add_watch(w->ino, whole_dir ? buf : dirname(buf), WATCH_FILE_EVENTS);
}

static bool wfile_hit(const struct wfile *wf, const struct inotify_event *ev)
{
	return wf->wd >= 0 && ev->wd == wf->wd &&
	       (!wf->name[0] || (ev->len && !strcmp(ev->name, wf->name)));
}

static int watch_open(struct ctx *c, struct watch *w)
{
	sigset_t mask;

	memset(w, 0, sizeof(*w));
	w->ino = w->sfd = -1;
	w->wd_store = w->wd_run = w->wd_run_parent = -1;
	w->vici.wd = -1;
	w->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!w->nl || mnl_socket_bind(w->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE,
				      MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "ipsec-apply: watch: rtnetlink: %s\n", strerror(errno));
		return -errno;
	}
	w->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino < 0) {
		fprintf(stderr, "ipsec-apply: watch: inotify: %s\n", strerror(errno));
		return -errno;
	}
	w->wd_store = inotify_add_watch(w->ino, c->store_dir, STORE_EVENTS | IN_MASK_ADD);
	watch_run_dir(c, w);
	watch_file(w, &w->resolv[0],
		   c->paths.resolv_conf ? c->paths.resolv_conf : SYSINFO_RESOLV_CONF, false);
	watch_file(w, &w->resolv[1],
		   c->paths.resolved_conf ? c->paths.resolved_conf : SYSINFO_RESOLVED_CONF, false);
	watch_file(w, &w->leases[0],
		   c->paths.dhclient_dir ? c->paths.dhclient_dir : SYSINFO_DHCLIENT_DIR, true);
	watch_file(w, &w->leases[1],
		   c->paths.networkd_dir ? c->paths.networkd_dir : SYSINFO_NETWORKD_DIR, true);
	watch_file(w, &w->leases[2], c->paths.nm_dir ? c->paths.nm_dir : SYSINFO_NM_DIR, true);
	watch_file(w, &w->vici, c->no_vici ? NULL : c->opts.vici_path, false);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	w->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->sfd < 0) {
		fprintf(stderr, "ipsec-apply: watch: signalfd: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static void watch_close(struct watch *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);
	if (w->ino >= 0)
		close(w->ino);
	if (w->sfd >= 0)
		close(w->sfd);
}

/* What woke us up. */
#define WAKE_INPUT 1 /* an input may have changed: re-evaluate */
#define WAKE_FORCE 2 /* re-apply even if the plan is the same */
#define WAKE_EXIT  4

/* Drain every ready source; returns WAKE_* bits. */
static int watch_drain(struct ctx *c, struct watch *w, struct pollfd *pfd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int wake = 0;
	ssize_t n;

	if (pfd[0].revents & POLLIN) {
		int len;

		n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));
		len = n > 0 ? (int)n : 0;
		for (const struct nlmsghdr *h = (void *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			/* A new link may need the classifier attached even
			 * when the plan is unchanged. */
			wake |= h->nlmsg_type == RTM_NEWLINK ? WAKE_FORCE : WAKE_INPUT;
		}
		if (n < 0 && errno == ENOBUFS) /* lost events: assume anything changed */
			wake |= WAKE_INPUT;
	}
	if (pfd[1].revents & POLLIN) {
		bool store = false;

		while ((n = read(w->ino, buf, sizeof(buf))) > 0) {
			for (char *p = buf; p < buf + n;) {
				const struct inotify_event *ev = (const void *)p;

				/* One directory can hold several inputs: test each. */
				if (ev->wd == w->wd_store || ev->wd == w->wd_run ||
				    ev->wd == w->wd_run_parent)
					store = true;
				for (size_t i = 0; i < 2; i++)
					if (wfile_hit(&w->resolv[i], ev))
						wake |= WAKE_INPUT;
				for (size_t i = 0; i < 3; i++)
					if (wfile_hit(&w->leases[i], ev))
						wake |= WAKE_INPUT;
				/* A (re)started charon has lost our connections. */
				if (wfile_hit(&w->vici, ev) &&
				    (ev->mask & (IN_CREATE | IN_MOVED_TO)))
					wake |= WAKE_FORCE;
				p += sizeof(*ev) + ev->len;
			}
		}
		if (store)
			watch_run_dir(c, w);
		if (store && inputs_signature(c) != w->store_sig)
			wake |= WAKE_INPUT;
	}
	if (pfd[2].revents & POLLIN) {
		struct signalfd_siginfo si;

		while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			wake |= si.ssi_signo == SIGHUP ? WAKE_FORCE : WAKE_EXIT;
	}
	return wake;
}

static int watch_apply(struct ctx *c, struct watch *w, bool force)
{
	struct plan p;
	char err[ERRLEN] = "";
	int ret;

	w->store_sig = inputs_signature(c);
	ret = build_plan(c, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ipsec-apply: %s; previous enforcement kept\n", err);
		return ret;
	}
	if (!force && c->have_last && plan_equal(&p, &c->last)) {
		plan_free(&p);
		return 0;
	}
	if (c->opts.verbose)
		fprintf(c->opts.out, "ipsec-apply: applying %zu rules, %zu filters\n", p.n_rules,
			p.n_filters);
	ret = apply_plan(c, &p);
	if (ret) {
		plan_free(&p);
		return ret;
	}
	if (c->have_last)
		plan_free(&c->last);
	c->last = p;
	c->have_last = true;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int do_watch(struct ctx *c)
{
	struct watch w;
	long long next, pending_since = 0;
	int ret, wake = 0;

	ret = watch_open(c, &w);
	if (ret) {
		watch_close(&w);
		return ret;
	}
	ret = watch_apply(c, &w, true);
	next = now_ms() +
	       1000LL * (ret ? WATCH_RETRY_SEC : (c->polling_sec ? c->polling_sec : 10800));
	for (;;) {
		struct pollfd pfd[3] = {{.fd = mnl_socket_get_fd(w.nl), .events = POLLIN},
					{.fd = w.ino, .events = POLLIN},
					{.fd = w.sfd, .events = POLLIN}};
		long long t = now_ms();
		int timeout = next > t ? (int)(next - t < 3600000 ? next - t : 3600000) : 0;
		int n;

		if (wake && timeout > WATCH_SETTLE_MS)
			timeout = WATCH_SETTLE_MS; /* let a burst of changes finish */
		n = poll(pfd, 3, timeout);
		if (n < 0 && errno != EINTR)
			break;
		t = now_ms();
		if (n > 0) {
			wake |= watch_drain(c, &w, pfd);
			if (wake & WAKE_EXIT)
				break;
			if (wake && !pending_since)
				pending_since = t;
			/* Wait for quiet, but not forever: a flapping link or a
			 * store being written in a loop must not starve us. */
			if (t < next && (!wake || t - pending_since < WATCH_MAX_SETTLE_MS))
				continue;
		}
		if (t >= next)
			wake |= WAKE_FORCE; /* polling interval: re-apply whatever */
		if (!wake)
			continue;
		ret = watch_apply(c, &w, wake & WAKE_FORCE);
		wake = 0;
		pending_since = 0;
		next = now_ms() +
		       1000LL * (ret ? WATCH_RETRY_SEC : (c->polling_sec ? c->polling_sec : 10800));
	}
	if (c->have_last)
		plan_free(&c->last);
	watch_close(&w);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

enum {
	OPT_FLUSH = 256,
	OPT_STATUS,
	OPT_BOOT,
	OPT_WATCH,
	OPT_BACKEND,
	OPT_VICI,
	OPT_NO_VICI,
	OPT_NO_NFT,
	OPT_STORE_DIR,
	OPT_RUN_DIR,
	OPT_EXPLAIN,
	OPT_STATE_DIR,
	OPT_RESOLV,
	OPT_LEASES,
};

static int set_mode(struct ctx *c, enum mode m)
{
	if (c->mode != MODE_APPLY && c->mode != m) {
		fprintf(stderr, "ipsec-apply: --flush, --status, --boot and --watch exclude "
				"each other\n");
		return -EINVAL;
	}
	c->mode = m;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"flush", no_argument, NULL, OPT_FLUSH},
		{"status", no_argument, NULL, OPT_STATUS},
		{"boot", no_argument, NULL, OPT_BOOT},
		{"watch", no_argument, NULL, OPT_WATCH},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"vici", required_argument, NULL, OPT_VICI},
		{"no-vici", no_argument, NULL, OPT_NO_VICI},
		{"no-nft", no_argument, NULL, OPT_NO_NFT},
		{"store-dir", required_argument, NULL, OPT_STORE_DIR},
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"explain", required_argument, NULL, OPT_EXPLAIN},
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},
		{"resolv-conf", required_argument, NULL, OPT_RESOLV},
		{"leases-dir", required_argument, NULL, OPT_LEASES},
		{NULL, 0, NULL, 0},
	};
	struct ctx c;
	int opt, ret;

	memset(&c, 0, sizeof(c));
	c.opts.out = stdout;
	c.opts.vici_path = APPLY_DEFAULT_VICI;
	c.opts.state_dir = "/run/netsh-ipsec";
	c.store_dir = NULL;
	while ((opt = getopt_long(argc, argv, "nvh", longopts, NULL)) != -1) {
		ret = 0;
		switch (opt) {
		case 'n':
			c.opts.dry_run = true;
			break;
		case 'v':
			c.opts.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_FLUSH:
			ret = set_mode(&c, MODE_FLUSH);
			break;
		case OPT_STATUS:
			ret = set_mode(&c, MODE_STATUS);
			break;
		case OPT_BOOT:
			ret = set_mode(&c, MODE_BOOT);
			break;
		case OPT_WATCH:
			ret = set_mode(&c, MODE_WATCH);
			break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "bpf")) {
				c.cls = CLS_BPF;
			} else if (!strcmp(optarg, "xfrm")) {
				c.cls = CLS_XFRM;
			} else {
				fprintf(stderr,
					"ipsec-apply: --backend is bpf or xfrm, not \"%s\"\n",
					optarg);
				ret = -EINVAL;
			}
			break;
		case OPT_VICI:
			c.opts.vici_path = optarg;
			break;
		case OPT_NO_VICI:
			c.no_vici = true;
			break;
		case OPT_NO_NFT:
			c.no_nft = true;
			c.opts.no_nft = true;
			break;
		case OPT_STORE_DIR:
			c.store_dir = optarg;
			break;
		case OPT_RUN_DIR:
			c.run_dir = optarg;
			break;
		case OPT_EXPLAIN:
			if (c.n_explain == MAX_EXPLAIN ||
			    plan_pkt_parse(optarg, &c.explain[c.n_explain])) {
				fprintf(stderr,
					"ipsec-apply: --explain takes "
					"SRC,DST,PROTO[,SPORT,DPORT] (at most %d)\n",
					MAX_EXPLAIN);
				ret = -EINVAL;
			} else {
				c.n_explain++;
				c.opts.dry_run = true;
			}
			break;
		case OPT_STATE_DIR:
			c.opts.state_dir = optarg;
			break;
		case OPT_RESOLV:
			c.paths.resolv_conf = optarg;
			c.paths.resolved_conf = optarg;
			break;
		case OPT_LEASES:
			/* Tests: one fixture directory for every lease format. */
			c.paths.dhclient_dir = c.paths.networkd_dir = c.paths.nm_dir = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
		if (ret)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "ipsec-apply: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (c.opts.dry_run && c.mode != MODE_APPLY) {
		fprintf(stderr, "ipsec-apply: -n goes with a plain apply only\n");
		return 2;
	}
	if (!c.store_dir)
		c.store_dir = ns_store_dir();
	if (!c.run_dir)
		c.run_dir = ns_dyn_rundir();
	{
		struct sysinfo_paths d;

		sysinfo_default_paths(&d, c.store_dir, c.wins_path, sizeof(c.wins_path));
		c.paths.wins_file = d.wins_file;
	}

	switch (c.mode) {
	case MODE_FLUSH:
		ret = do_flush(&c);
		break;
	case MODE_STATUS:
		ret = do_status(&c);
		break;
	case MODE_BOOT:
		ret = do_boot(&c);
		break;
	case MODE_WATCH:
		ret = do_watch(&c);
		break;
	default:
		ret = do_apply(&c);
		break;
	}
	fflush(stdout);
	return ret ? 1 : 0;
}
