// SPDX-License-Identifier: GPL-2.0
/*
 * `netsh ipsec dynamic` add/set/delete commands and `set config`.
 *
 * The objects go to the runtime database (lib/dynstore.h), never to a
 * policy store.  Each command loads the few dynamic objects, checks the
 * change completely, and writes the whole set back in one transaction, so
 * a rejected command leaves everything as it was.  The running service
 * (`ipsec-apply --watch`) notices the change and applies it; a caller may
 * also name an apply command in $NETSH_IPSEC_APPLY to have it run at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_dynamic.h"
#include "lib/config.h"
#include "lib/dynstore.h"
#include "lib/format.h"
#include "lib/values.h"
#include "lib/errmsg.h"

/* ------------------------------------------------------------------ */
/* Value helpers shared with the show commands */

const char *const ns_dyn_action_choices[] = {"permit", "block", "negotiate", NULL};
const char *const ns_dyn_conntype_choices[] = {"all", "lan", "dialup", NULL};
const char *const ns_dyn_pfs_choices[] = {"nopfs", "grp1", "grp2", "grp3", "grpmm", NULL};

static bool is_ipv4_text(const char *s, size_t len)
{
	char buf[32];
	uint32_t a;
	char e[8];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return ns_val_ipv4(buf, &a, e, sizeof(e)) == 0;
}

int ns_dyn_parse_addr(const char *tag, const char *in, bool resolve, struct ns_dyn_addr *a,
		      char *err, size_t errlen)
{
	const char *dash = strchr(in, '-');
	char e[256];
	int r;

	memset(a, 0, sizeof(*a));
	if (strchr(in, ':'))
		return ns_fail(
			err, errlen, -EOPNOTSUPP,
			"%s: %s: IPv6 is not supported: enforcement here is IPv4 only; use an "
			"IPv4 address, a range a.b.c.d-e.f.g.h, a DNS name, me, any or a server "
			"type",
			tag, in);
	if (dash && is_ipv4_text(in, (size_t)(dash - in)) &&
	    is_ipv4_text(dash + 1, strlen(dash + 1))) {
		char first[32];

		snprintf(first, sizeof(first), "%.*s", (int)(dash - in), in);
		ns_val_ipv4(first, &a->ep.addr, e, sizeof(e));
		ns_val_ipv4(dash + 1, &a->range_end, e, sizeof(e));
		if (a->range_end < a->ep.addr)
			return ns_fail(err, errlen, -EINVAL,
				       "%s: %s: the range ends before it starts; write the lower "
				       "address first",
				       tag, in);
		a->ep.kind = NS_ADDR_IP;
		a->ep.mask = 0xffffffffu;
		a->range = true;
		return 0;
	}
	r = ns_val_endpoint(in, resolve ? ns_resolve_getaddrinfo : NULL, &a->ep, e, sizeof(e));
	if (r < 0)
		return ns_fail(err, errlen, r, "%s: %s", tag, e);
	return 0;
}

static bool is_server(enum ns_addr_kind k)
{
	return k >= NS_ADDR_SRV_DNS;
}

/* ------------------------------------------------------------------ */
/* Parameter tables */

#define P_NAME_ALL(tagname, hlp)                                                                   \
	{                                                                                          \
		.tag = (tagname), .type = NS_PT_NAME, .flags = NS_P_REQ | NS_P_ALL, .help = (hlp)  \
	}

static const struct ns_param add_mmpolicy_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ,
	 .help = "name of the main mode policy"},
	{.tag = "qmpermm",
	 .type = NS_PT_UINT,
	 .max = INT32_MAX,
	 .defval = "0",
	 .help = "quick mode sessions per main mode key; 0 = unlimited"},
	{.tag = "mmlifetime",
	 .type = NS_PT_UINT,
	 .min = 1,
	 .max = 71582788,
	 .defval = "480",
	 .help = "main mode key lifetime in minutes"},
	{.tag = "softsaexpirationtime",
	 .type = NS_PT_UINT,
	 .min = 1,
	 .max = 71582788,
	 .defval = "480",
	 .help = "minutes after which an unprotected (soft) SA expires"},
	{.tag = "mmsecmethods",
	 .type = NS_PT_MMSEC,
	 .defval = "3DES-SHA1-2 3DES-MD5-2 3DES-SHA1-3",
	 .help = "ConfAlg-HashAlg-Group list; ConfAlg DES|3DES, HashAlg MD5|SHA1, Group 1|2|3"},
	{0},
};

static const struct ns_param set_mmpolicy_params[] = {
	P_NAME_ALL("name", "main mode policy to change, or all"),
	{.tag = "qmpermm",
	 .type = NS_PT_UINT,
	 .max = INT32_MAX,
	 .help = "quick mode sessions per main mode key; 0 = unlimited"},
	{.tag = "mmlifetime",
	 .type = NS_PT_UINT,
	 .min = 1,
	 .max = 71582788,
	 .help = "main mode key lifetime in minutes"},
	{.tag = "softsaexpirationtime",
	 .type = NS_PT_UINT,
	 .min = 1,
	 .max = 71582788,
	 .help = "minutes after which an unprotected (soft) SA expires"},
	{.tag = "mmsecmethods", .type = NS_PT_MMSEC, .help = "ConfAlg-HashAlg-Group list"},
	{0},
};

static const struct ns_param add_qmpolicy_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ,
	 .help = "name of the quick mode policy"},
	{.tag = "soft",
	 .type = NS_PT_BOOL,
	 .defval = "no",
	 .help = "fall back to clear text with peers that do not answer IKE"},
	{.tag = "pfsgroup",
	 .type = NS_PT_ENUM,
	 .choices = ns_dyn_pfs_choices,
	 .defval = "nopfs",
	 .help = "session key PFS group: grp1, grp2, grp3 (2048-bit), grpmm (main mode's), nopfs"},
	{.tag = "qmsecmethods",
	 .type = NS_PT_QMSEC,
	 .defval = "ESP[3DES,SHA1]:100000k/3600s ESP[3DES,MD5]:100000k/3600s",
	 .help = "ESP[ConfAlg,AuthAlg]:k/s | AH[Hash]:k/s | AH[Hash+ConfAlg,AuthAlg]:k/s list"},
	{0},
};

static const struct ns_param set_qmpolicy_params[] = {
	{.tag = "name",
	 .type = NS_PT_NAME,
	 .flags = NS_P_REQ,
	 .help = "quick mode policy to change"},
	{.tag = "soft", .type = NS_PT_BOOL, .help = "fall back to clear text"},
	{.tag = "pfsgroup",
	 .type = NS_PT_ENUM,
	 .choices = ns_dyn_pfs_choices,
	 .help = "grp1|grp2|grp3|grpmm|nopfs"},
	{.tag = "qmsecmethods", .type = NS_PT_QMSEC, .help = "quick mode security methods"},
	{0},
};

#define RULE_AUTH_PARAMS                                                                           \
	{.tag = "kerberos",                                                                        \
	 .type = NS_PT_BOOL,                                                                       \
	 .flags = NS_P_NOPOS,                                                                      \
	 .help = "use Kerberos V5 authentication"},                                                \
		{.tag = "psk",                                                                     \
		 .type = NS_PT_STRING,                                                             \
		 .flags = NS_P_NOPOS,                                                              \
		 .help = "pre-shared key"},                                                        \
	{                                                                                          \
		.tag = "rootca", .type = NS_PT_ROOTCA, .flags = NS_P_MULTI | NS_P_NOPOS,           \
		.help = "\"<CA DN> certmap:yes|no excludecaname:yes|no\"; may repeat"              \
	}

static const struct ns_param add_rule_params[] = {
	{.tag = "srcaddr",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .help = "me|any|IPv4 address|a.b.c.d-e.f.g.h|DNS name|WINS|DNS|DHCP|GATEWAY"},
	{.tag = "dstaddr", .type = NS_PT_STRING, .flags = NS_P_REQ, .help = "as srcaddr"},
	{.tag = "mmpolicy",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .help = "name of a dynamic main mode policy"},
	{.tag = "qmpolicy",
	 .type = NS_PT_STRING,
	 .help = "name of a dynamic quick mode policy (needed when an action is negotiate)"},
	{.tag = "protocol",
	 .type = NS_PT_PROTO,
	 .defval = "ANY",
	 .help = "ANY|ICMP|TCP|UDP|RAW|0-255"},
	{.tag = "srcport", .type = NS_PT_PORT, .defval = "0", .help = "0-65535, TCP/UDP only"},
	{.tag = "dstport", .type = NS_PT_PORT, .defval = "0", .help = "0-65535, TCP/UDP only"},
	{.tag = "mirrored",
	 .type = NS_PT_BOOL,
	 .defval = "yes",
	 .help = "also the reverse direction"},
	{.tag = "conntype",
	 .type = NS_PT_ENUM,
	 .choices = ns_dyn_conntype_choices,
	 .defval = "all",
	 .help = "lan|dialup|all"},
	{.tag = "actioninbound",
	 .type = NS_PT_ENUM,
	 .choices = ns_dyn_action_choices,
	 .defval = "negotiate",
	 .help = "permit|block|negotiate"},
	{.tag = "actionoutbound",
	 .type = NS_PT_ENUM,
	 .choices = ns_dyn_action_choices,
	 .defval = "negotiate",
	 .help = "permit|block|negotiate"},
	{.tag = "srcmask",
	 .type = NS_PT_MASK,
	 .defval = "255.255.255.255",
	 .help = "dotted mask or prefix 1-32"},
	{.tag = "dstmask",
	 .type = NS_PT_MASK,
	 .defval = "255.255.255.255",
	 .help = "dotted mask or prefix 1-32"},
	{.tag = "tunneldstaddress",
	 .type = NS_PT_HOST,
	 .help = "tunnel endpoint: IPv4 or DNS name"},
	RULE_AUTH_PARAMS,
	{0},
};

/* The seven identifiers of set/delete rule, then the optional selectors.
 * Kept out of clang-format, which cannot lay out initialisers in a macro. */
/* clang-format off */
#define RULE_KEY_PARAMS \
	{.tag = "srcaddr", .type = NS_PT_STRING, .flags = NS_P_REQ, .help = "as in add rule"}, \
	{.tag = "dstaddr", .type = NS_PT_STRING, .flags = NS_P_REQ, .help = "as in add rule"}, \
	{.tag = "protocol", .type = NS_PT_PROTO, .flags = NS_P_REQ, \
	 .help = "ANY|ICMP|TCP|UDP|RAW|0-255"}, \
	{.tag = "srcport", .type = NS_PT_PORT, .flags = NS_P_REQ, .help = "0-65535"}, \
	{.tag = "dstport", .type = NS_PT_PORT, .flags = NS_P_REQ, .help = "0-65535"}, \
	{.tag = "mirrored", .type = NS_PT_BOOL, .flags = NS_P_REQ, .help = "yes|no"}, \
	{.tag = "conntype", .type = NS_PT_ENUM, .flags = NS_P_REQ, \
	 .choices = ns_dyn_conntype_choices, .help = "lan|dialup|all"}, \
	{.tag = "srcmask", .type = NS_PT_MASK, .help = "dotted mask or prefix 1-32"}, \
	{.tag = "dstmask", .type = NS_PT_MASK, .help = "dotted mask or prefix 1-32"}, \
	{.tag = "tunneldstaddress", .type = NS_PT_HOST, .help = "tunnel endpoint"}
/* clang-format on */

static const struct ns_param set_rule_params[] = {
	RULE_KEY_PARAMS,
	{.tag = "mmpolicy",
	 .type = NS_PT_STRING,
	 .flags = NS_P_NOPOS,
	 .help = "new main mode policy"},
	{.tag = "qmpolicy",
	 .type = NS_PT_STRING,
	 .flags = NS_P_NOPOS,
	 .help = "new quick mode policy"},
	{.tag = "actioninbound",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_NOPOS,
	 .choices = ns_dyn_action_choices,
	 .help = "permit|block|negotiate"},
	{.tag = "actionoutbound",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_NOPOS,
	 .choices = ns_dyn_action_choices,
	 .help = "permit|block|negotiate"},
	RULE_AUTH_PARAMS,
	{0},
};

static const struct ns_param delete_rule_params[] = {
	RULE_KEY_PARAMS,
	{0},
};

static const struct ns_param delete_policy_params[] = {
	P_NAME_ALL("name", "name, or all"),
	{0},
};

static const char *const config_props[] = {"ipsecdiagnostics", "ikelogging",  "strongcrlcheck",
					   "ipsecloginterval", "ipsecexempt", "bootmode",
					   "bootexemptions",   NULL};

static const struct ns_param set_config_params[] = {
	{.tag = "property",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_REQ,
	 .choices = config_props,
	 .help = "the configuration value to set"},
	{.tag = "value",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .help = "ipsecdiagnostics 0-7, ikelogging 0-1, strongcrlcheck 0-2, ipsecloginterval "
		 "60-86400, ipsecexempt 0-3, bootmode stateful|block|permit, bootexemptions none "
		 "or \"protocol:srcport:dstport:inbound|outbound ...\""},
	{0},
};

/* ------------------------------------------------------------------ */
/* Opening, saving and telling the service */

struct dyn_ctx {
	struct ns_dynstore *ds;
	struct ns_dyn_db db;
};

static int dyn_begin(struct ns_session *s, struct dyn_ctx *c, char *err, size_t errlen)
{
	int r;

	memset(c, 0, sizeof(*c));
	/* A session without a store directory (tests, fuzzing) must not write
	 * into the machine's runtime directory. */
	if (!s->dir)
		return ns_fail(
			err, errlen, -EINVAL,
			"the dynamic context needs a store directory; this session has none");
	r = ns_dyn_open(ns_dyn_rundir(), &c->ds, err, errlen);
	if (r < 0)
		return r;
	r = ns_dyn_begin(c->ds, err, errlen);
	if (r == 0)
		r = ns_dyn_load(c->ds, &c->db, err, errlen);
	if (r < 0) {
		ns_dyn_rollback(c->ds);
		ns_dyn_close(c->ds);
		c->ds = NULL;
	}
	return r;
}

/* Run $NETSH_IPSEC_APPLY when set: the change takes effect before netsh
 * returns, which scripts and tests rely on.  Without it the running
 * service picks the change up from the runtime directory. */
static void dyn_notify(struct ns_session *s)
{
	const char *cmd = getenv("NETSH_IPSEC_APPLY");

	if (!cmd || !*cmd || strcmp(cmd, "none") == 0)
		return;
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st = 0;

	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		ns_warn(s, "the change is stored but applying it failed (%s)", cmd);
}

static int dyn_end(struct ns_session *s, struct dyn_ctx *c, int r, bool changed, char *err,
		   size_t errlen)
{
	if (r == 0 && changed)
		r = ns_dyn_save(c->ds, &c->db, err, errlen);
	if (r == 0)
		r = ns_dyn_commit(c->ds, err, errlen);
	else
		ns_dyn_rollback(c->ds);
	ns_dyn_close(c->ds);
	ns_dyn_db_free(&c->db);
	if (r == 0 && changed)
		dyn_notify(s);
	return r;
}

/* ------------------------------------------------------------------ */
/* Main mode and quick mode policies */

static int copy_mm(struct ns_dyn_mmpolicy *m, const struct ns_mm_method *v, size_t n)
{
	struct ns_mm_method *nv = malloc(n * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	memcpy(nv, v, n * sizeof(*nv));
	free(m->methods);
	m->methods = nv;
	m->n_methods = n;
	return 0;
}

static int copy_qm(struct ns_dyn_qmpolicy *q, const struct ns_qm_method *v, size_t n)
{
	struct ns_qm_method *nv = malloc(n * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	memcpy(nv, v, n * sizeof(*nv));
	free(q->methods);
	q->methods = nv;
	q->n_methods = n;
	return 0;
}

static void warn_weak_mm(struct ns_session *s, const struct ns_arg *a)
{
	char w[256];

	if (a && ns_mm_weak(a->mm.v, a->mm.n, w, sizeof(w)))
		ns_warn(s, "%s", w);
}

static void warn_weak_qm(struct ns_session *s, const struct ns_arg *a)
{
	char w[256];

	if (a && ns_qm_weak(a->qm.v, a->qm.n, w, sizeof(w)))
		ns_warn(s, "%s", w);
}

static int apply_mm_args(struct ns_dyn_mmpolicy *m, const struct ns_args *a)
{
	const struct ns_arg *x;

	if ((x = ns_arg_get(a, "qmpermm")))
		m->qmpermm = x->u;
	if ((x = ns_arg_get(a, "mmlifetime")))
		m->mmlifetime_min = x->u;
	if ((x = ns_arg_get(a, "softsaexpirationtime")))
		m->softsa_min = x->u;
	if ((x = ns_arg_get(a, "mmsecmethods")))
		return copy_mm(m, x->mm.v, x->mm.n);
	return 0;
}

static int add_mmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const char *name = ns_arg_get(a, "name")->s;
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);

	if (r < 0)
		return r;
	if (ns_dyn_mm_by_name(&c.db, name)) {
		r = ns_fail(err, errlen, -EEXIST,
			    "a main mode policy named \"%s\" already exists; use 'set mmpolicy' to "
			    "change it",
			    name);
		return dyn_end(s, &c, r, false, err, errlen);
	}
	struct ns_dyn_mmpolicy m = {.mmlifetime_min = NS_DEFAULT_MMLIFETIME_MIN,
				    .softsa_min = NS_DYN_DEFAULT_SOFTSA_MIN};

	m.name = strdup(name);
	r = m.name ? copy_mm(&m, ns_default_mm_methods, 3) : -ENOMEM;
	if (!r)
		r = apply_mm_args(&m, a);
	struct ns_dyn_mmpolicy *nv = r ? NULL : realloc(c.db.mm, (c.db.n_mm + 1) * sizeof(*nv));

	if (!nv) {
		ns_dyn_mmpolicy_free(&m);
		return dyn_end(s, &c, ns_fail(err, errlen, -ENOMEM, "out of memory"), false, err,
			       errlen);
	}
	c.db.mm = nv;
	c.db.mm[c.db.n_mm++] = m;
	warn_weak_mm(s, ns_arg_get(a, "mmsecmethods"));
	return dyn_end(s, &c, 0, true, err, errlen);
}

static int set_mmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *n = ns_arg_get(a, "name");
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);
	size_t hits = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < c.db.n_mm && !r; i++) {
		if (!n->all && strcmp(c.db.mm[i].name, n->s) != 0)
			continue;
		hits++;
		r = apply_mm_args(&c.db.mm[i], a);
	}
	if (!r && hits == 0)
		r = ns_fail(
			err, errlen, -ENOENT,
			n->all ? "there are no dynamic main mode policies"
			       : "no main mode policy named \"%s\"; 'show mmpolicy all' lists them",
			n->s);
	if (!r)
		warn_weak_mm(s, ns_arg_get(a, "mmsecmethods"));
	return dyn_end(s, &c, r, true, err, errlen);
}

static int apply_qm_args(struct ns_dyn_qmpolicy *q, const struct ns_args *a)
{
	const struct ns_arg *x;

	if ((x = ns_arg_get(a, "soft")))
		q->soft = x->b;
	if ((x = ns_arg_get(a, "pfsgroup")))
		q->pfs = (enum ns_pfsgroup)x->u;
	if ((x = ns_arg_get(a, "qmsecmethods")))
		return copy_qm(q, x->qm.v, x->qm.n);
	return 0;
}

static void warn_pfs(struct ns_session *s, const struct ns_args *a)
{
	const struct ns_arg *x = ns_arg_get(a, "pfsgroup");

	if (x && x->u == NS_PFS_GRP1)
		ns_warn(s, "pfsgroup=grp1 (768-bit Diffie-Hellman) is weak; prefer grp3");
}

static int add_qmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const char *name = ns_arg_get(a, "name")->s;
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);

	if (r < 0)
		return r;
	if (ns_dyn_qm_by_name(&c.db, name)) {
		r = ns_fail(
			err, errlen, -EEXIST,
			"a quick mode policy named \"%s\" already exists; use 'set qmpolicy' to "
			"change it",
			name);
		return dyn_end(s, &c, r, false, err, errlen);
	}
	struct ns_dyn_qmpolicy q = {0};

	q.name = strdup(name);
	r = q.name ? copy_qm(&q, ns_default_qm_methods, 2) : -ENOMEM;
	if (!r)
		r = apply_qm_args(&q, a);
	struct ns_dyn_qmpolicy *nv = r ? NULL : realloc(c.db.qm, (c.db.n_qm + 1) * sizeof(*nv));

	if (!nv) {
		ns_dyn_qmpolicy_free(&q);
		return dyn_end(s, &c, ns_fail(err, errlen, -ENOMEM, "out of memory"), false, err,
			       errlen);
	}
	c.db.qm = nv;
	c.db.qm[c.db.n_qm++] = q;
	warn_weak_qm(s, ns_arg_get(a, "qmsecmethods"));
	warn_pfs(s, a);
	return dyn_end(s, &c, 0, true, err, errlen);
}

static int set_qmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const char *name = ns_arg_get(a, "name")->s;
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);

	if (r < 0)
		return r;
	struct ns_dyn_qmpolicy *q = ns_dyn_qm_by_name(&c.db, name);

	if (!q)
		r = ns_fail(err, errlen, -ENOENT,
			    "no quick mode policy named \"%s\"; 'show qmpolicy all' lists them",
			    name);
	else
		r = apply_qm_args(q, a);
	if (!r) {
		warn_weak_qm(s, ns_arg_get(a, "qmsecmethods"));
		warn_pfs(s, a);
	}
	return dyn_end(s, &c, r, true, err, errlen);
}

/* A policy a rule uses cannot go: the rule would lose its settings. */
static const struct ns_dyn_rule *user_of(const struct ns_dyn_db *db, const char *name, bool mm)
{
	for (size_t i = 0; i < db->n_rules; i++)
		if (strcmp(mm ? db->rules[i].mmpolicy : db->rules[i].qmpolicy, name) == 0)
			return &db->rules[i];
	return NULL;
}

static int delete_policies(struct ns_session *s, const struct ns_args *a, bool mm, char *err,
			   size_t errlen)
{
	const struct ns_arg *n = ns_arg_get(a, "name");
	const char *what = mm ? "main mode" : "quick mode";
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);
	size_t count = mm ? c.db.n_mm : c.db.n_qm, kept = 0, hits = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		const char *pn = mm ? c.db.mm[i].name : c.db.qm[i].name;
		const struct ns_dyn_rule *u;

		if (!n->all && strcmp(pn, n->s) != 0)
			continue;
		hits++;
		if ((u = user_of(&c.db, pn, mm))) {
			r = ns_fail(
				err, errlen, -EBUSY,
				"the %s policy \"%s\" is used by dynamic rule %u; delete or change "
				"that rule first",
				what, pn, u->id);
			return dyn_end(s, &c, r, false, err, errlen);
		}
	}
	if (hits == 0 && !n->all)
		return dyn_end(
			s, &c,
			ns_fail(err, errlen, -ENOENT, "no %s policy named \"%s\"", what, n->s),
			false, err, errlen);
	for (size_t i = 0; i < count; i++) {
		const char *pn = mm ? c.db.mm[i].name : c.db.qm[i].name;

		if (n->all || strcmp(pn, n->s) == 0) {
			if (mm)
				ns_dyn_mmpolicy_free(&c.db.mm[i]);
			else
				ns_dyn_qmpolicy_free(&c.db.qm[i]);
			continue;
		}
		if (mm)
			c.db.mm[kept++] = c.db.mm[i];
		else
			c.db.qm[kept++] = c.db.qm[i];
	}
	if (mm)
		c.db.n_mm = kept;
	else
		c.db.n_qm = kept;
	return dyn_end(s, &c, 0, hits > 0, err, errlen);
}

static int delete_mmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return delete_policies(s, a, true, err, errlen);
}

static int delete_qmpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	return delete_policies(s, a, false, err, errlen);
}

static int delete_all(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct dyn_ctx c;
	int r = dyn_begin(s, &c, err, errlen);

	if (r < 0)
		return r;
	ns_dyn_db_free(&c.db);
	return dyn_end(s, &c, 0, true, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Rules */

static int parse_auth(const struct ns_args *a, struct ns_auth **out, size_t *n, bool *given,
		      char *err, size_t errlen)
{
	struct ns_auth *v = calloc(a->n + 1, sizeof(*v));
	size_t cnt = 0;

	*given = false;
	if (!v)
		return ns_fail(err, errlen, -ENOMEM, "out of memory");
	/* Arguments come in the order typed: that order is the preference. */
	for (size_t i = 0; i < a->n; i++) {
		const struct ns_arg *x = &a->v[i];
		const char *t = x->param->tag;

		if (strcmp(t, "kerberos") == 0) {
			*given = true;
			if (!x->b)
				continue;
			v[cnt].kind = NS_AUTH_KERBEROS;
			v[cnt].value = strdup("");
		} else if (strcmp(t, "psk") == 0) {
			*given = true;
			if (!*x->s) {
				free(v);
				return ns_fail(
					err, errlen, -EINVAL,
					"psk: the pre-shared key is empty; give the key text");
			}
			v[cnt].kind = NS_AUTH_PSK;
			v[cnt].value = strdup(x->s);
		} else if (strcmp(t, "rootca") == 0) {
			*given = true;
			v[cnt] = x->auth;
			v[cnt].value = strdup(x->auth.value ? x->auth.value : "");
		} else {
			continue;
		}
		if (!v[cnt].value) {
			for (size_t k = 0; k < cnt; k++)
				ns_auth_free(&v[k]);
			free(v);
			return ns_fail(err, errlen, -ENOMEM, "out of memory");
		}
		cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static bool actions_need_qm(enum ns_action in, enum ns_action out)
{
	return in == NS_ACTION_NEGOTIATE || out == NS_ACTION_NEGOTIATE;
}

/* Checks that hold for every rule, after add or set. */
static int check_rule(struct ns_session *s, const struct ns_dyn_db *db, const struct ns_dyn_rule *r,
		      char *err, size_t errlen)
{
	if (r->src.ep.kind == NS_ADDR_ME && r->dst.ep.kind == NS_ADDR_ME)
		return ns_fail(
			err, errlen, -EINVAL,
			"srcaddr and dstaddr cannot both be me; one side must name the peers");
	if (is_server(r->src.ep.kind) && r->dst.ep.kind != NS_ADDR_ME)
		return ns_fail(err, errlen, -EINVAL,
			       "srcaddr is a server type, so dstaddr must be me");
	if (is_server(r->dst.ep.kind) && r->src.ep.kind != NS_ADDR_ME)
		return ns_fail(err, errlen, -EINVAL,
			       "dstaddr is a server type, so srcaddr must be me");
	if ((r->srcport || r->dstport) && r->protocol != NS_PROTO_TCP &&
	    r->protocol != NS_PROTO_UDP)
		return ns_fail(
			err, errlen, -EINVAL,
			"srcport/dstport apply only to TCP and UDP; set protocol=TCP or UDP, or "
			"leave the ports at 0");
	if (!ns_dyn_mm_by_name(db, r->mmpolicy))
		return ns_fail(
			err, errlen, -ENOENT,
			"mmpolicy: no main mode policy named \"%s\"; add it with 'add mmpolicy'",
			r->mmpolicy);
	if (*r->qmpolicy && !ns_dyn_qm_by_name(db, r->qmpolicy))
		return ns_fail(err, errlen, -ENOENT,
			       "qmpolicy: no quick mode policy named \"%s\"; add it with 'add "
			       "qmpolicy'",
			       r->qmpolicy);
	if (!*r->qmpolicy && actions_need_qm(r->action_in, r->action_out))
		return ns_fail(err, errlen, -EINVAL,
			       "qmpolicy is required when actioninbound or actionoutbound is "
			       "negotiate");
	if (r->action_in != r->action_out &&
	    !(r->action_out == NS_ACTION_NEGOTIATE && r->action_in == NS_ACTION_PERMIT))
		ns_warn(s,
			"actioninbound=%s with actionoutbound=%s is enforced as %s in both "
			"directions (only inbound permit with outbound negotiate keeps its own "
			"meaning here)",
			ns_fmt_action(r->action_in), ns_fmt_action(r->action_out),
			ns_fmt_action(r->action_in == NS_ACTION_BLOCK ||
						      r->action_out == NS_ACTION_BLOCK
					      ? NS_ACTION_BLOCK
					      : NS_ACTION_NEGOTIATE));
	return 0;
}

static bool ep_same(const struct ns_dyn_addr *a, const struct ns_dyn_addr *b)
{
	if (a->ep.kind != b->ep.kind || a->range != b->range)
		return false;
	if (a->range)
		return a->ep.addr == b->ep.addr && a->range_end == b->range_end;
	if (a->ep.kind == NS_ADDR_DNS_NAME)
		return strcasecmp(a->ep.dnsname ? a->ep.dnsname : "",
				  b->ep.dnsname ? b->ep.dnsname : "") == 0;
	return a->ep.addr == b->ep.addr;
}

/* A rule's selector as set/delete rule name it. */
struct rule_key {
	struct ns_dyn_addr src, dst;
	uint8_t protocol;
	uint16_t srcport, dstport;
	bool mirrored;
	enum ns_conntype conntype;
	bool srcmask_set, dstmask_set, tunnel_given;
	uint32_t srcmask, dstmask;
	bool tunnel_set;
	uint32_t tunnel_addr;
};

static bool key_matches(const struct rule_key *k, const struct ns_dyn_rule *r)
{
	if (!ep_same(&k->src, &r->src) || !ep_same(&k->dst, &r->dst))
		return false;
	if (k->protocol != r->protocol || k->srcport != r->srcport || k->dstport != r->dstport ||
	    k->mirrored != r->mirrored || k->conntype != r->conntype)
		return false;
	if (k->srcmask_set && k->srcmask != r->src.ep.mask)
		return false;
	if (k->dstmask_set && k->dstmask != r->dst.ep.mask)
		return false;
	if (k->tunnel_given && (!r->tunnel_set || k->tunnel_addr != r->tunnel_addr))
		return false;
	return true;
}

static int parse_key(struct ns_session *s, const struct ns_args *a, struct rule_key *k, char *err,
		     size_t errlen)
{
	const struct ns_arg *x;
	bool resolve = !(s->flags & NS_RESOLVE_NONE);
	int r;

	memset(k, 0, sizeof(*k));
	r = ns_dyn_parse_addr("srcaddr", ns_arg_get(a, "srcaddr")->s, resolve, &k->src, err,
			      errlen);
	if (r < 0)
		return r;
	r = ns_dyn_parse_addr("dstaddr", ns_arg_get(a, "dstaddr")->s, resolve, &k->dst, err,
			      errlen);
	if (r < 0) {
		ns_endpoint_free(&k->src.ep);
		return r;
	}
	k->protocol = (uint8_t)ns_arg_get(a, "protocol")->u;
	k->srcport = (uint16_t)ns_arg_get(a, "srcport")->u;
	k->dstport = (uint16_t)ns_arg_get(a, "dstport")->u;
	k->mirrored = ns_arg_get(a, "mirrored")->b;
	k->conntype = (enum ns_conntype)ns_arg_get(a, "conntype")->u;
	/* Rules are stored with their addresses masked (add rule): select
	 * them by the same text that created them. */
	if ((x = ns_arg_get(a, "srcmask"))) {
		k->srcmask_set = true;
		k->srcmask = x->u;
		k->src.ep.addr &= x->u;
	}
	if ((x = ns_arg_get(a, "dstmask"))) {
		k->dstmask_set = true;
		k->dstmask = x->u;
		k->dst.ep.addr &= x->u;
	}
	if ((x = ns_arg_get(a, "tunneldstaddress"))) {
		k->tunnel_given = true;
		k->tunnel_addr = x->ep.addr;
	}
	return 0;
}

static void key_free(struct rule_key *k)
{
	ns_endpoint_free(&k->src.ep);
	ns_endpoint_free(&k->dst.ep);
}

/* Masks only make sense for addresses; ranges take none. */
static int apply_mask(struct ns_dyn_addr *ad, const struct ns_arg *x, const char *tag, char *err,
		      size_t errlen)
{
	if (!x)
		return 0;
	if (ad->range)
		return ns_fail(
			err, errlen, -EINVAL,
			"%s: an address range takes no mask; remove %s or give a single address",
			tag, tag);
	if (ad->ep.kind != NS_ADDR_IP && ad->ep.kind != NS_ADDR_DNS_NAME)
		return ns_fail(
			err, errlen, -EINVAL,
			"%s applies only to an IPv4 address or DNS name, not to me, any or a "
			"server type",
			tag);
	ad->ep.mask = x->u;
	ad->ep.addr &= x->u;
	return 0;
}

static int add_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *x;
	struct ns_dyn_rule ru = {0};
	bool resolve = !(s->flags & NS_RESOLVE_NONE), auth_given;
	struct dyn_ctx c;
	int r;

	r = ns_dyn_parse_addr("srcaddr", ns_arg_get(a, "srcaddr")->s, resolve, &ru.src, err,
			      errlen);
	if (!r)
		r = ns_dyn_parse_addr("dstaddr", ns_arg_get(a, "dstaddr")->s, resolve, &ru.dst, err,
				      errlen);
	if (!r)
		r = apply_mask(&ru.src, ns_arg_get(a, "srcmask"), "srcmask", err, errlen);
	if (!r)
		r = apply_mask(&ru.dst, ns_arg_get(a, "dstmask"), "dstmask", err, errlen);
	if (r < 0) {
		ns_dyn_rule_free(&ru);
		return r;
	}
	ru.protocol = (x = ns_arg_get(a, "protocol")) ? (uint8_t)x->u : 0;
	ru.srcport = (x = ns_arg_get(a, "srcport")) ? (uint16_t)x->u : 0;
	ru.dstport = (x = ns_arg_get(a, "dstport")) ? (uint16_t)x->u : 0;
	ru.mirrored = (x = ns_arg_get(a, "mirrored")) ? x->b : true;
	ru.conntype = (x = ns_arg_get(a, "conntype")) ? (enum ns_conntype)x->u : NS_CONN_ALL;
	ru.action_in =
		(x = ns_arg_get(a, "actioninbound")) ? (enum ns_action)x->u : NS_ACTION_NEGOTIATE;
	ru.action_out =
		(x = ns_arg_get(a, "actionoutbound")) ? (enum ns_action)x->u : NS_ACTION_NEGOTIATE;
	if ((x = ns_arg_get(a, "tunneldstaddress"))) {
		ru.tunnel_set = true;
		ru.tunnel_addr = x->ep.addr;
		if (x->ep.dnsname)
			ru.tunnel_dnsname = strdup(x->ep.dnsname);
	}
	ru.mmpolicy = strdup(ns_arg_get(a, "mmpolicy")->s);
	ru.qmpolicy = strdup((x = ns_arg_get(a, "qmpolicy")) ? x->s : "");
	r = (!ru.mmpolicy || !ru.qmpolicy) ? ns_fail(err, errlen, -ENOMEM, "out of memory") : 0;
	if (!r)
		r = parse_auth(a, &ru.auth, &ru.n_auth, &auth_given, err, errlen);
	if (!r && ru.n_auth == 0 && auth_given)
		r = ns_fail(err, errlen, -EINVAL,
			    "kerberos=no leaves no authentication method; add psk= or rootca=");
	if (!r && ru.n_auth == 0) {
		/* No method given: the dynamic default. */
		free(ru.auth);
		ru.auth = calloc(1, sizeof(*ru.auth));
		if (ru.auth && (ru.auth[0].value = strdup("")))
			ru.n_auth = 1;
		else
			r = ns_fail(err, errlen, -ENOMEM, "out of memory");
	}
	if (r < 0) {
		ns_dyn_rule_free(&ru);
		return r;
	}
	r = dyn_begin(s, &c, err, errlen);
	if (r < 0) {
		ns_dyn_rule_free(&ru);
		return r;
	}
	r = check_rule(s, &c.db, &ru, err, errlen);
	for (size_t i = 0; i < c.db.n_rules && !r; i++) {
		struct ns_dyn_rule *o = &c.db.rules[i];

		if (ep_same(&o->src, &ru.src) && ep_same(&o->dst, &ru.dst) &&
		    o->src.ep.mask == ru.src.ep.mask && o->dst.ep.mask == ru.dst.ep.mask &&
		    o->protocol == ru.protocol && o->srcport == ru.srcport &&
		    o->dstport == ru.dstport && o->mirrored == ru.mirrored &&
		    o->conntype == ru.conntype && o->tunnel_set == ru.tunnel_set &&
		    o->tunnel_addr == ru.tunnel_addr)
			r = ns_fail(err, errlen, -EEXIST,
				    "dynamic rule %u already has this filter; change it with 'set "
				    "rule'",
				    o->id);
	}
	struct ns_dyn_rule *nv = r ? NULL : realloc(c.db.rules, (c.db.n_rules + 1) * sizeof(*nv));

	if (!r && !nv)
		r = ns_fail(err, errlen, -ENOMEM, "out of memory");
	if (r) {
		ns_dyn_rule_free(&ru);
		return dyn_end(s, &c, r, false, err, errlen);
	}
	c.db.rules = nv;
	ru.id = 1;
	for (size_t i = 0; i < c.db.n_rules; i++)
		if (c.db.rules[i].id >= ru.id)
			ru.id = c.db.rules[i].id + 1;
	c.db.rules[c.db.n_rules++] = ru;
	for (size_t i = 0; i < ru.n_auth; i++)
		if (ru.auth[i].kind == NS_AUTH_PSK)
			ns_warn(s, "pre-shared key authentication is weak and the key is stored in "
				   "plain text");
	return dyn_end(s, &c, 0, true, err, errlen);
}

static int set_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct rule_key k;
	struct ns_auth *auth = NULL;
	size_t n_auth = 0, hits = 0;
	bool auth_given = false;
	const struct ns_arg *x;
	struct dyn_ctx c;
	struct ns_dyn_rule *hit = NULL;
	int r = parse_key(s, a, &k, err, errlen);

	if (r < 0)
		return r;
	r = parse_auth(a, &auth, &n_auth, &auth_given, err, errlen);
	if (!r)
		r = dyn_begin(s, &c, err, errlen);
	if (r)
		goto out;
	for (size_t i = 0; i < c.db.n_rules; i++)
		if (key_matches(&k, &c.db.rules[i])) {
			hits++;
			hit = &c.db.rules[i];
		}
	if (hits == 0)
		r = ns_fail(err, errlen, -ENOENT,
			    "no dynamic rule has these filter identifiers; 'show rule' lists them");
	else if (hits > 1)
		r = ns_fail(err, errlen, -EINVAL,
			    "%zu dynamic rules have these identifiers; add srcmask, dstmask or "
			    "tunneldstaddress to pick one",
			    hits);
	if (!r && (x = ns_arg_get(a, "mmpolicy"))) {
		char *v = strdup(x->s);

		if (!v)
			r = -ENOMEM;
		else {
			free(hit->mmpolicy);
			hit->mmpolicy = v;
		}
	}
	if (!r && (x = ns_arg_get(a, "qmpolicy"))) {
		char *v = strdup(x->s);

		if (!v)
			r = -ENOMEM;
		else {
			free(hit->qmpolicy);
			hit->qmpolicy = v;
		}
	}
	if (!r && (x = ns_arg_get(a, "actioninbound")))
		hit->action_in = (enum ns_action)x->u;
	if (!r && (x = ns_arg_get(a, "actionoutbound")))
		hit->action_out = (enum ns_action)x->u;
	if (!r && auth_given && n_auth == 0)
		r = ns_fail(err, errlen, -EINVAL,
			    "kerberos=no leaves no authentication method; add psk= or rootca=");
	if (!r && auth_given) {
		/* A new list replaces the old one whole. */
		for (size_t i = 0; i < hit->n_auth; i++)
			ns_auth_free(&hit->auth[i]);
		free(hit->auth);
		hit->auth = auth;
		hit->n_auth = n_auth;
		auth = NULL;
		n_auth = 0;
	}
	if (r == -ENOMEM)
		ns_errmsg(err, errlen, "out of memory");
	if (!r)
		r = check_rule(s, &c.db, hit, err, errlen);
	r = dyn_end(s, &c, r, true, err, errlen);
out:
	for (size_t i = 0; i < n_auth; i++)
		ns_auth_free(&auth[i]);
	free(auth);
	key_free(&k);
	return r;
}

static int delete_rule(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct rule_key k;
	struct dyn_ctx c;
	size_t kept = 0, hits = 0;
	int r = parse_key(s, a, &k, err, errlen);

	if (r < 0)
		return r;
	r = dyn_begin(s, &c, err, errlen);
	if (r < 0) {
		key_free(&k);
		return r;
	}
	for (size_t i = 0; i < c.db.n_rules; i++) {
		if (key_matches(&k, &c.db.rules[i])) {
			hits++;
			ns_dyn_rule_free(&c.db.rules[i]);
			continue;
		}
		c.db.rules[kept++] = c.db.rules[i];
	}
	c.db.n_rules = kept;
	key_free(&k);
	if (hits == 0)
		r = ns_fail(err, errlen, -ENOENT,
			    "no dynamic rule has these filter identifiers; 'show rule' lists them");
	return dyn_end(s, &c, r, hits > 0, err, errlen);
}

/* ------------------------------------------------------------------ */
/* set config */

static int set_config(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const char *prop = config_props[ns_arg_get(a, "property")->u];
	const char *value = ns_arg_get(a, "value")->s;
	const char *dir = s->dir ? s->dir : NULL;
	struct ns_config cfg;
	char e[512];
	int r;

	if (!dir)
		return ns_fail(err, errlen, -EINVAL,
			       "set config needs a store directory to keep the values in");
	r = ns_config_load(dir, &cfg, e, sizeof(e));
	if (r < 0)
		return ns_fail(err, errlen, r, "%s", e);
	r = ns_config_set(&cfg, prop, value, e, sizeof(e));
	if (r < 0)
		return ns_fail(err, errlen, r, "%s", e);
	r = ns_config_save(dir, &cfg, e, sizeof(e));
	if (r < 0)
		return ns_fail(err, errlen, r, "%s", e);
	if (strcmp(prop, "bootmode") == 0 || strcmp(prop, "bootexemptions") == 0)
		ns_warn(s, "%s takes effect at the next boot (ipsec-apply --boot)", prop);
	else
		dyn_notify(s);
	return 0;
}

/* ------------------------------------------------------------------ */

const struct ns_cmd ns_cmds_dynamic[] = {
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"add", "mmpolicy"},
	 .params = add_mmpolicy_params,
	 .run = add_mmpolicy,
	 .summary = "Creates a main mode policy in the running policy."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"add", "qmpolicy"},
	 .params = add_qmpolicy_params,
	 .run = add_qmpolicy,
	 .summary = "Creates a quick mode policy in the running policy."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"add", "rule"},
	 .params = add_rule_params,
	 .run = add_rule,
	 .summary = "Creates a rule (main mode and quick mode filters) in the running policy.",
	 .help = "Ports apply to TCP and UDP only.  A range a-b takes no mask.  If one side is a "
		 "server type the other must be me.  Without authentication methods Kerberos is "
		 "used."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"delete", "all"},
	 .run = delete_all,
	 .summary = "Deletes every dynamic policy and rule."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"delete", "mmpolicy"},
	 .params = delete_policy_params,
	 .run = delete_mmpolicy,
	 .summary = "Deletes a main mode policy, or all."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"delete", "qmpolicy"},
	 .params = delete_policy_params,
	 .run = delete_qmpolicy,
	 .summary = "Deletes a quick mode policy, or all."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"delete", "rule"},
	 .params = delete_rule_params,
	 .run = delete_rule,
	 .summary = "Deletes the rules with the given filter identifiers."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"set", "config"},
	 .params = set_config_params,
	 .run = set_config,
	 .summary = "Sets an IPsec configuration value (kept across restarts)."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"set", "mmpolicy"},
	 .params = set_mmpolicy_params,
	 .run = set_mmpolicy,
	 .summary = "Changes a main mode policy, or all."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"set", "qmpolicy"},
	 .params = set_qmpolicy_params,
	 .run = set_qmpolicy,
	 .summary = "Changes a quick mode policy."},
	{.ctx = NS_CTX_DYNAMIC,
	 .words = {"set", "rule"},
	 .params = set_rule_params,
	 .run = set_rule,
	 .summary = "Changes the policies, actions or authentication of a rule.",
	 .help = "The seven identifiers select the rule; a new list of authentication methods "
		 "replaces the old one whole."},
	{0},
};
