// SPDX-License-Identifier: GPL-2.0
/*
 * `show ...` of the static context.
 *
 * Every object is first rendered into a record: an ordered list of
 * (label, value) fields.  format=list prints a record as "Label : value"
 * lines; format=table prints one tab-separated row per record under a
 * header row made from the first record's labels.  Because both layouts
 * come from the same record, they can never disagree on what is shown.
 *
 * wide=no keeps every line within 80 columns: list values are cut to fit
 * after the label, table cells to an equal share of the 80 columns, and a
 * cut value ends in "...".  wide=yes never cuts.
 *
 * A pre-shared key is never printed.
 */
#include "netsh/show.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/errmsg.h"
#include "lib/format.h"
#include "netsh/dbindex.h"

#define SCREEN	   80
#define LABEL_W	   23 /* "Label" padded, then " : " */
#define TRUNC	   "..."
#define MAX_FIELDS 40

struct field {
	const char *label;
	char *val; /* '\n' separates the items of a multi-line value */
	bool key;  /* kept in a narrow (wide=no) table */
};

struct rec {
	struct field f[MAX_FIELDS];
	size_t n;
	bool oom;
};

struct pr {
	FILE *out;
	const struct ns_db *db;
	struct ns_dbindex idx;
	const struct ns_show_opts *o;
	/* table format: the header of the table being printed, so a new
	 * table starts when the kind of record changes */
	const char *table;
};

static const char *store_name(enum ns_store_location loc)
{
	switch (loc) {
	case NS_STORE_LOCAL:
		return "Local Store";
	case NS_STORE_PERSISTENT:
		return "Persistent Store";
	case NS_STORE_DOMAIN:
		return "Domain Store";
	}
	return "?";
}

/* ------------------------------------------------------------------ */
/* Records */

static void add(struct rec *r, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct rec *r, const char *label, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (r->n == MAX_FIELDS) {
		r->oom = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		s = NULL;
		r->oom = true;
	}
	va_end(ap);
	r->f[r->n].label = label;
	r->f[r->n].val = s;
	r->n++;
}

/* Marks the field just added as one of the few a narrow table keeps. */
static void key(struct rec *r)
{
	if (r->n)
		r->f[r->n - 1].key = true;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i].val);
	memset(r, 0, sizeof(*r));
}

/* Number of characters (UTF-8 code points) in s[0..n). */
static size_t width(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * Prints s[0..n) with control characters (and tabs, which would break a
 * table) replaced by '?', cut to max characters with a marker when max is
 * not 0.
 */
static void put_clean(FILE *out, const char *s, size_t n, size_t max)
{
	size_t keep = n;

	if (max && width(s, n) > max) {
		size_t w = 0, want = max > strlen(TRUNC) ? max - strlen(TRUNC) : 0;

		keep = 0;
		while (keep < n) {
			size_t cl = 1;

			while (keep + cl < n && ((unsigned char)s[keep + cl] & 0xc0) == 0x80)
				cl++;
			if (w + 1 > want)
				break;
			keep += cl;
			w++;
		}
	}
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
	if (keep < n)
		fputs(TRUNC, out);
}

static void print_list(struct pr *p, const struct rec *r)
{
	size_t max = p->o->wide ? 0 : SCREEN - LABEL_W - 3;

	for (size_t i = 0; i < r->n; i++) {
		const char *v = r->f[i].val ? r->f[i].val : "";
		const char *label = r->f[i].label;

		do {
			const char *nl = strchr(v, '\n');
			size_t n = nl ? (size_t)(nl - v) : strlen(v);

			fprintf(p->out, "%-*s : ", LABEL_W, label);
			put_clean(p->out, v, n, max);
			fputc('\n', p->out);
			label = "";
			v = nl ? nl + 1 : NULL;
		} while (v);
	}
}

/*
 * A narrow table (wide=no) keeps only the key fields, each cut so that the
 * cell and its tab end on a tab stop within 80 columns.
 */
static void print_row(struct pr *p, const struct rec *r, bool header)
{
	bool narrow = !p->o->wide;
	size_t cols = 0, max = 0;
	bool first = true;

	for (size_t i = 0; i < r->n; i++)
		cols += !narrow || r->f[i].key;
	if (narrow && cols) {
		max = (SCREEN / cols) / 8 * 8;
		max = max > 8 ? max - 1 : 7;
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *v = header ? r->f[i].label : (r->f[i].val ? r->f[i].val : "");
		char *joined = NULL;

		if (narrow && !r->f[i].key)
			continue;
		if (!first)
			fputc('\t', p->out);
		first = false;
		/* A multi-line value becomes one cell, items comma-separated. */
		if (!header && strchr(v, '\n')) {
			joined = strdup(v);
			if (joined) {
				for (char *c = joined; *c; c++)
					if (*c == '\n')
						*c = ',';
				v = joined;
			}
		}
		put_clean(p->out, v, strlen(v), max);
		free(joined);
	}
	fputc('\n', p->out);
}

/* Emits a record in the chosen layout; kind names the table. */
static int emit(struct pr *p, struct rec *r, const char *kind)
{
	int rc = r->oom ? -ENOMEM : 0;

	if (!rc) {
		if (p->o->format == NS_FMT_TABLE) {
			if (p->table != kind) {
				if (p->table)
					fputc('\n', p->out);
				print_row(p, r, true);
				p->table = kind;
			}
			print_row(p, r, false);
		} else {
			print_list(p, r);
			fputc('\n', p->out);
		}
	}
	rec_free(r);
	return rc;
}

/* A title line in list format ("Rules of policy X" and its underline). */
static void title(struct pr *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void title(struct pr *p, const char *fmt, ...)
{
	va_list ap;
	char buf[256];
	size_t n;

	if (p->o->format == NS_FMT_TABLE)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put_clean(p->out, buf, strlen(buf), p->o->wide ? 0 : SCREEN);
	fputc('\n', p->out);
	n = width(buf, strlen(buf));
	if (!p->o->wide && n > SCREEN)
		n = SCREEN;
	for (size_t i = 0; i < n; i++)
		fputc('-', p->out);
	fputs("\n\n", p->out);
}

static void add_time(struct rec *r, const char *label, int64_t t)
{
	char buf[NS_FMT_SHORT];

	ns_fmt_time(buf, sizeof(buf), t);
	add(r, label, "%s", buf);
}

static void add_yesno(struct rec *r, const char *label, bool b)
{
	add(r, label, "%s", b ? "YES" : "NO");
}

/* ------------------------------------------------------------------ */
/* Errors naming what exists */

static int not_found(char *err, size_t errlen, const char *what, const char *name,
		     const char *plural, const char *const *names, size_t n)
{
	size_t used;

	if (!err || !errlen)
		return -ENOENT;
	snprintf(err, errlen, "%s \"%s\" does not exist; ", what, name);
	used = strlen(err);
	if (!n) {
		snprintf(err + used, errlen - used, "there are no %s", plural);
		return -ENOENT;
	}
	snprintf(err + used, errlen - used, "%s:", plural);
	for (size_t i = 0; i < n; i++) {
		used = strlen(err);
		if (used + strlen(names[i]) + 8 >= errlen) {
			snprintf(err + used, errlen - used, " ...");
			break;
		}
		snprintf(err + used, errlen - used, "%s \"%s\"", i ? "," : "", names[i]);
	}
	return -ENOENT;
}

static int policy_missing(const struct ns_db *db, const char *name, char *err, size_t errlen)
{
	const char **names = calloc(db->n_policies + 1, sizeof(*names));
	int rc;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < db->n_policies; i++)
		names[i] = db->policies[i].name;
	rc = not_found(err, errlen, "Policy", name, "policies", names, db->n_policies);
	free(names);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Filter lists */

static void add_endpoint(struct pr *p, struct rec *r, const char *label, const char *mlabel,
			 const struct ns_endpoint *e)
{
	char buf[NS_NAME_MAX + NS_FMT_SHORT], mask[NS_FMT_SHORT];
	char host[NI_MAXHOST];

	ns_fmt_endpoint(buf, sizeof(buf), e);
	ns_fmt_mask(mask, sizeof(mask), e->mask);
	/* resolvedns only adds information at the verbose level, where filters
	 * are shown at all. */
	if (p->o->resolvedns && e->kind == NS_ADDR_IP) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(e->addr)};

		if (getnameinfo((struct sockaddr *)&sin, sizeof(sin), host, sizeof(host), NULL, 0,
				NI_NAMEREQD) == 0) {
			add(r, label, "%s (%s)", buf, host);
			add(r, mlabel, "%s", mask);
			return;
		}
	}
	add(r, label, "%s", buf);
	add(r, mlabel, "%s", mask);
}

static int show_filters(struct pr *p, const struct ns_filterlist *fl)
{
	char buf[NS_FMT_SHORT];
	int rc = 0;

	if (!fl->n_filters)
		return 0;
	title(p, "Filters of filter list \"%s\"", fl->name);
	for (size_t i = 0; i < fl->n_filters && !rc; i++) {
		const struct ns_filter *f = &fl->filters[i];
		struct rec r = {0};

		add(&r, "Filter List", "%s", fl->name);
		key(&r);
		add(&r, "Filter", "%zu", i + 1);
		add(&r, "Description", "%s", f->description ? f->description : "");
		add_yesno(&r, "Mirrored", f->mirrored);
		add_endpoint(p, &r, "Source Address", "Source Mask", &f->src);
		r.f[r.n - 2].key = true;
		add_endpoint(p, &r, "Destination Address", "Destination Mask", &f->dst);
		r.f[r.n - 2].key = true;
		ns_fmt_protocol(buf, sizeof(buf), f->protocol);
		add(&r, "Protocol", "%s", buf);
		key(&r);
		ns_fmt_port(buf, sizeof(buf), f->srcport);
		add(&r, "Source Port", "%s", buf);
		ns_fmt_port(buf, sizeof(buf), f->dstport);
		add(&r, "Destination Port", "%s", buf);
		key(&r);
		add(&r, "Filter GUID", "%s", f->guid);
		rc = emit(p, &r, "filter");
	}
	return rc;
}

static int show_filterlist_rec(struct pr *p, const struct ns_filterlist *fl)
{
	struct rec r = {0};

	add(&r, "Filter List Name", "%s", fl->name);
	key(&r);
	add(&r, "Description", "%s", fl->description ? fl->description : "");
	add(&r, "Store", "%s", store_name(p->o->loc));
	add_time(&r, "Last Modified", fl->whenchanged);
	key(&r);
	add(&r, "GUID", "%s", fl->guid);
	add(&r, "Number of Filters", "%zu", fl->n_filters);
	key(&r);
	return emit(p, &r, "filterlist");
}

/* In table format the list table comes first and one filter table
 * follows, instead of alternating tables. */
static int show_filterlists(struct pr *p, const struct ns_filterlist *const *v, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		rc = show_filterlist_rec(p, v[i]);
		if (!rc && p->o->verbose && p->o->format == NS_FMT_LIST)
			rc = show_filters(p, v[i]);
	}
	if (p->o->verbose && p->o->format == NS_FMT_TABLE)
		for (size_t i = 0; i < n && !rc; i++)
			rc = show_filters(p, v[i]);
	return rc;
}

/* Calls fn for each distinct GUID used by the rules called rule (in every
 * policy); -ENOENT when there is no such rule. */
static int rules_named(const struct ns_db *db, const char *rule, bool want_fl, const char ***out,
		       size_t *n, char *err, size_t errlen)
{
	size_t cap = 0, found = 0;
	const char **v = NULL;

	*n = 0;
	for (size_t i = 0; i < db->n_policies; i++) {
		const struct ns_policy *pol = &db->policies[i];

		for (size_t j = 0; j < pol->n_rules; j++) {
			const struct ns_rule *ru = &pol->rules[j];
			const char *g = want_fl ? ru->filterlist_guid : ru->filteraction_guid;
			bool dup = false;

			if (strcmp(ru->name, rule))
				continue;
			found++;
			for (size_t k = 0; k < *n; k++)
				dup |= !strcasecmp(v[k], g);
			if (dup)
				continue;
			if (*n == cap) {
				const char **nv;

				cap = cap ? cap * 2 : 8;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[(*n)++] = g;
		}
	}
	if (!found) {
		free(v);
		ns_errmsg(err, errlen, "no policy has a rule named \"%s\"", rule);
		return -ENOENT;
	}
	*out = v;
	return 0;
}

static int filterlist_missing(const struct ns_db *db, const char *name, char *err, size_t errlen)
{
	const char **names = calloc(db->n_filterlists + 1, sizeof(*names));
	int rc;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < db->n_filterlists; i++)
		names[i] = db->filterlists[i].name;
	rc = not_found(err, errlen, "Filter list", name, "filter lists", names, db->n_filterlists);
	free(names);
	return rc;
}

/* The show bodies return -ENOMEM without a message; this adds it. */
static int nomem_msg(int rc, char *err, size_t errlen)
{
	if (rc == -ENOMEM)
		ns_errmsg(err, errlen, "show: out of memory");
	return rc;
}

static int show_filterlist_body(const struct ns_dbindex *idx, FILE *out, const struct ns_db *db,
				const char *name, const char *rule, const struct ns_show_opts *o,
				char *err, size_t errlen)
{
	struct pr p = {.out = out, .db = db, .o = o, .idx = *idx};
	const struct ns_filterlist **v = calloc(db->n_filterlists + 1, sizeof(*v));
	size_t n = 0;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	if (rule) {
		const char **g = NULL;
		size_t ng;

		rc = rules_named(db, rule, true, &g, &ng, err, errlen);
		for (size_t i = 0; !rc && i < ng; i++) {
			const struct ns_filterlist *fl = ns_dbindex_fl(&p.idx, g[i]);

			if (fl && n < db->n_filterlists)
				v[n++] = fl;
		}
		free(g);
	} else if (name) {
		v[0] = ns_dbindex_fl_name(&p.idx, name);
		if (!v[0])
			rc = filterlist_missing(db, name, err, errlen);
		n = 1;
	} else {
		if (!db->n_filterlists && o->format == NS_FMT_LIST)
			fprintf(out, "No filter lists in the %s.\n", store_name(o->loc));
		for (size_t i = 0; i < db->n_filterlists; i++)
			v[n++] = &db->filterlists[i];
	}
	if (!rc)
		rc = show_filterlists(&p, v, n);
	free(v);
	return nomem_msg(rc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Filter actions */

static const char *action_label(enum ns_action a)
{
	switch (a) {
	case NS_ACTION_PERMIT:
		return "Permit";
	case NS_ACTION_BLOCK:
		return "Block";
	case NS_ACTION_NEGOTIATE:
		return "Negotiate Security";
	}
	return "?";
}

static void add_qm_methods(struct rec *r, const char *label, const struct ns_qm_method *m, size_t n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	char one[NS_FMT_SHORT];

	if (!f) {
		r->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		ns_fmt_qm_method(one, sizeof(one), &m[i]);
		fprintf(f, "%s%s", i ? "\n" : "", one);
	}
	if (!n)
		fputs("None", f);
	if (fclose(f)) {
		free(s);
		r->oom = true;
		return;
	}
	add(r, label, "%s", s);
	free(s);
}

/* The filter action's own fields, also used inside a verbose rule. */
static void add_filteraction_fields(struct pr *p, struct rec *r, const struct ns_filteraction *fa,
				    bool verbose, bool in_rule)
{
	add(r, "Action", "%s", action_label(fa->action));
	if (!in_rule)
		key(r);
	add_yesno(r, "Inbound Passthrough", fa->inpass);
	if (!in_rule)
		key(r);
	add_yesno(r, "Fall Back to Clear", fa->soft);
	if (!in_rule)
		key(r);
	if (verbose) {
		add_yesno(r, "QM PFS", fa->qmpfs);
		/* Stored methods of permit and block actions are never used
		 * (and netsh may or may not keep them): not worth showing. */
		if (fa->action == NS_ACTION_NEGOTIATE)
			add_qm_methods(r, "Security Methods", fa->methods, fa->n_methods);
		else
			add(r, "Security Methods", "Not used with %s", ns_fmt_action(fa->action));
	}
}

static int show_one_filteraction(struct pr *p, const struct ns_filteraction *fa)
{
	struct rec r = {0};

	add(&r, "Filter Action Name", "%s", fa->name);
	key(&r);
	add(&r, "Description", "%s", fa->description ? fa->description : "");
	if (p->o->verbose)
		add(&r, "Store", "%s", store_name(p->o->loc));
	add_time(&r, "Last Modified", fa->whenchanged);
	add(&r, "GUID", "%s", fa->guid);
	add_filteraction_fields(p, &r, fa, p->o->verbose, false);
	return emit(p, &r, "filteraction");
}

static int show_filteraction_body(const struct ns_dbindex *idx, FILE *out, const struct ns_db *db,
				  const char *name, const char *rule, const struct ns_show_opts *o,
				  char *err, size_t errlen)
{
	struct pr p = {.out = out, .db = db, .o = o, .idx = *idx};
	int rc = 0;

	if (rule) {
		const char **g = NULL;
		size_t n;

		rc = rules_named(db, rule, false, &g, &n, err, errlen);
		if (rc)
			return rc;
		for (size_t i = 0; i < n && !rc; i++) {
			const struct ns_filteraction *fa = ns_dbindex_fa(&p.idx, g[i]);

			if (fa)
				rc = show_one_filteraction(&p, fa);
		}
		free(g);
	} else if (name) {
		const struct ns_filteraction *fa = ns_dbindex_fa_name(&p.idx, name);

		if (!fa) {
			const char **names = calloc(db->n_filteractions + 1, sizeof(*names));
			size_t n = 0;

			if (!names)
				return -ENOMEM;
			for (size_t i = 0; i < db->n_filteractions; i++)
				if (db->filteractions[i].type == NS_FA_NORMAL)
					names[n++] = db->filteractions[i].name;
			rc = not_found(err, errlen, "Filter action", name, "filter actions", names,
				       n);
			free(names);
			return rc;
		}
		rc = show_one_filteraction(&p, fa);
	} else {
		size_t shown = 0;

		for (size_t i = 0; i < db->n_filteractions && !rc; i++) {
			/* The default response rules' actions are not separate objects
			 * for the user: they are shown with their rule. */
			if (db->filteractions[i].type != NS_FA_NORMAL)
				continue;
			rc = show_one_filteraction(&p, &db->filteractions[i]);
			shown++;
		}
		if (!shown && o->format == NS_FMT_LIST)
			fprintf(out, "No filter actions in the %s.\n", store_name(o->loc));
	}
	return nomem_msg(rc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* Rules */

static void add_auth(struct rec *r, const struct ns_rule *ru)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f) {
		r->oom = true;
		return;
	}
	for (size_t i = 0; i < ru->n_auth; i++) {
		char *one = NULL;
		const struct ns_auth *a = &ru->auth[i];

		/* Sized for the longest CA name; a PSK is masked by ns_fmt_auth. */
		size_t need = (a->value ? strlen(a->value) : 0) + 80;

		one = malloc(need);
		if (!one)
			break;
		ns_fmt_auth(one, need, a);
		fprintf(f, "%s%s", i ? "\n" : "", one);
		free(one);
	}
	if (!ru->n_auth)
		fputs("Dynamic defaults (Kerberos)", f);
	if (fclose(f)) {
		free(s);
		r->oom = true;
		return;
	}
	add(r, "Authentication Methods", "%s", s);
	free(s);
}

static int show_one_rule(struct pr *p, const struct ns_policy *pol, const struct ns_rule *ru,
			 size_t id, bool verbose)
{
	const struct ns_filterlist *fl = ns_dbindex_fl(&p->idx, ru->filterlist_guid);
	const struct ns_filteraction *fa = ns_dbindex_fa(&p->idx, ru->filteraction_guid);
	char ip[NS_FMT_SHORT];
	struct rec r = {0};

	add(&r, "Policy Name", "%s", pol->name);
	key(&r);
	if (ru->is_default) {
		add(&r, "Rule ID", "default");
		key(&r);
		add(&r, "Rule Name", "<Default Response Rule>");
	} else {
		add(&r, "Rule ID", "%zu", id);
		key(&r);
		add(&r, "Rule Name", "%s", ru->name);
	}
	key(&r);
	add(&r, "Description", "%s", ru->description ? ru->description : "");
	add_time(&r, "Last Modified", ru->whenchanged);
	add(&r, "GUID", "%s", ru->guid);
	add_yesno(&r, "Activated", ru->active);
	if (ru->is_default)
		add(&r, "Filter List", "<Dynamic>");
	else
		add(&r, "Filter List", "%s", fl ? fl->name : "<missing>");
	key(&r);
	if (ru->is_default)
		add(&r, "Filter Action", "Default Response");
	else
		add(&r, "Filter Action", "%s", fa ? fa->name : "<missing>");
	key(&r);
	if (ru->tunnel_set) {
		ns_fmt_ipv4(ip, sizeof(ip), ru->tunnel_addr);
		add(&r, "Mode", "Tunnel");
		if (ru->tunnel_dnsname && ru->tunnel_dnsname[0])
			add(&r, "Tunnel Endpoint", "%s (%s)", ru->tunnel_dnsname, ip);
		else
			add(&r, "Tunnel Endpoint", "%s", ip);
	} else {
		add(&r, "Mode", "Transport");
		add(&r, "Tunnel Endpoint", "None");
	}
	add(&r, "Connection Type", "%s",
	    ru->conntype == NS_CONN_LAN	     ? "LAN"
	    : ru->conntype == NS_CONN_DIALUP ? "Dial-up"
					     : "All");
	if (verbose) {
		add_auth(&r, ru);
		if (fa)
			add_filteraction_fields(p, &r, fa, true, true);
	}
	return emit(p, &r, verbose ? "rule-v" : "rule");
}

static int emit_rule_rc(struct pr *p, const struct ns_policy *pol, const struct ns_rule *ru,
			size_t id, char *err, size_t errlen)
{
	int rc = show_one_rule(p, pol, ru, id, p->o->verbose);

	return nomem_msg(rc, err, errlen);
}

static bool type_ok(const struct ns_rule *ru, int type)
{
	return type == 0 || (type == 1 && !ru->tunnel_set) || (type == 2 && ru->tunnel_set);
}

static int show_rule_body(const struct ns_dbindex *idx, FILE *out, const struct ns_db *db,
			  const char *policy, const char *name, unsigned id, bool all, bool deflt,
			  int type, const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct pr p = {.out = out, .db = db, .o = o, .idx = *idx};
	const struct ns_policy *pol;
	int rc = 0;
	int given = (name != NULL) + (id > 0) + all + deflt;

	if (!policy) {
		ns_errmsg(err, errlen, "show rule: policy= is required");
		return -EINVAL;
	}
	if (given != 1) {
		ns_errmsg(err, errlen, "show rule: give exactly one of name=, id=, all, default");
		return -EINVAL;
	}
	if (type < 0 || type > 2 || (type && !all)) {
		ns_errmsg(err, errlen, "show rule: type= can only be used with all");
		return -EINVAL;
	}
	pol = ns_db_policy_by_name(db, policy);
	if (!pol)
		return policy_missing(db, policy, err, errlen);
	if (deflt)
		return emit_rule_rc(&p, pol, &pol->default_rule, 0, err, errlen);
	if (id) {
		if (id > pol->n_rules) {
			ns_errmsg(err, errlen,
				  "policy \"%s\" has no rule with ID %u (its rules have IDs "
				  "1 to %zu)",
				  pol->name, id, pol->n_rules);
			return -ENOENT;
		}
		return emit_rule_rc(&p, pol, &pol->rules[id - 1], id, err, errlen);
	}
	if (name) {
		bool found = false;

		for (size_t i = 0; i < pol->n_rules && !rc; i++)
			if (!strcmp(pol->rules[i].name, name)) {
				found = true;
				rc = emit_rule_rc(&p, pol, &pol->rules[i], i + 1, err, errlen);
			}
		if (!found) {
			const char **names = calloc(pol->n_rules + 1, sizeof(*names));

			if (!names)
				return -ENOMEM;
			for (size_t i = 0; i < pol->n_rules; i++)
				names[i] = pol->rules[i].name;
			rc = not_found(err, errlen, "Rule", name, "its rules", names, pol->n_rules);
			free(names);
		}
		return rc;
	}
	for (size_t i = 0; i < pol->n_rules && !rc; i++)
		if (type_ok(&pol->rules[i], type))
			rc = emit_rule_rc(&p, pol, &pol->rules[i], i + 1, err, errlen);
	if (!rc && type_ok(&pol->default_rule, type))
		rc = emit_rule_rc(&p, pol, &pol->default_rule, 0, err, errlen);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Policies */

static int show_rules_of(struct pr *p, const struct ns_policy *pol);

static int show_one_policy(struct pr *p, const struct ns_policy *pol, bool with_rules)
{
	struct rec r = {0};
	char one[NS_FMT_SHORT];
	int rc;

	add(&r, "Policy Name", "%s", pol->name);
	key(&r);
	add(&r, "Description", "%s", pol->description ? pol->description : "");
	add(&r, "Store", "%s", store_name(p->o->loc));
	add_time(&r, "Last Modified", pol->whenchanged);
	key(&r);
	add(&r, "GUID", "%s", pol->guid);
	add_yesno(&r, "Assigned", pol->assigned);
	key(&r);
	if (pol->gponame && pol->gponame[0])
		add(&r, "GPO Name", "%s", pol->gponame);
	add(&r, "Polling Interval", "%u minutes", pol->pollinginterval_min);
	add(&r, "Number of Rules", "%zu", pol->n_rules + 1);
	key(&r);
	if (p->o->verbose) {
		char *s = NULL;
		size_t len = 0;
		FILE *f;

		add(&r, "Main Mode GUID", "%s", pol->isakmp_guid);
		add_yesno(&r, "Master Key PFS", pol->mmpfs);
		if (pol->qmpermm)
			add(&r, "QMs per MM", "%u", pol->qmpermm);
		else
			add(&r, "QMs per MM", "0 (unlimited)");
		add(&r, "MM Lifetime", "%u minutes", pol->mmlifetime_min);
		f = open_memstream(&s, &len);
		if (!f) {
			r.oom = true;
		} else {
			for (size_t i = 0; i < pol->n_mm_methods; i++) {
				ns_fmt_mm_method(one, sizeof(one), &pol->mm_methods[i]);
				fprintf(f, "%s%s", i ? "\n" : "", one);
			}
			if (!pol->n_mm_methods)
				fputs("None", f);
			if (fclose(f))
				r.oom = true;
			else
				add(&r, "MM Security Methods", "%s", s);
			free(s);
		}
	}
	rc = emit(p, &r, p->o->verbose ? "policy-v" : "policy");
	if (rc || !with_rules)
		return rc;
	title(p, "Rules of policy \"%s\"", pol->name);
	return show_rules_of(p, pol);
}

static int show_rules_of(struct pr *p, const struct ns_policy *pol)
{
	int rc = 0;

	for (size_t i = 0; i < pol->n_rules && !rc; i++)
		rc = show_one_rule(p, pol, &pol->rules[i], i + 1, p->o->verbose);
	if (!rc)
		rc = show_one_rule(p, pol, &pol->default_rule, 0, p->o->verbose);
	return rc;
}

/* All policies of db (or one); in table format the policy table comes
 * first and one rule table follows, instead of alternating tables. */
static int show_policies(struct pr *p, const struct ns_policy *only)
{
	const struct ns_db *db = p->db;
	size_t n = only ? 1 : db->n_policies;
	int rc = 0;

	if (p->o->format == NS_FMT_LIST) {
		for (size_t i = 0; i < n && !rc; i++)
			rc = show_one_policy(p, only ? only : &db->policies[i], true);
		return rc;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = show_one_policy(p, only ? only : &db->policies[i], false);
	for (size_t i = 0; i < n && !rc; i++)
		rc = show_rules_of(p, only ? only : &db->policies[i]);
	return rc;
}

static int show_policy_body(const struct ns_dbindex *idx, FILE *out, const struct ns_db *db,
			    const char *name, const struct ns_show_opts *o, char *err,
			    size_t errlen)
{
	struct pr p = {.out = out, .db = db, .o = o, .idx = *idx};
	const struct ns_policy *pol = NULL;
	int rc;

	if (name) {
		pol = ns_db_policy_by_name(db, name);
		if (!pol)
			return policy_missing(db, name, err, errlen);
	} else if (!db->n_policies) {
		if (o->format == NS_FMT_LIST)
			fprintf(out, "No policies in the %s.\n", store_name(o->loc));
		return 0;
	}
	rc = show_policies(&p, pol);
	return nomem_msg(rc, err, errlen);
}

int ns_show_all(FILE *out, const struct ns_db *db, const struct ns_show_opts *o, char *err,
		size_t errlen)
{
	int rc;

	if (o->format == NS_FMT_LIST)
		fprintf(out, "Policies\n========\n\n");
	rc = ns_show_policy(out, db, NULL, o, err, errlen);
	if (rc)
		return rc;
	if (o->format == NS_FMT_LIST)
		fprintf(out, "\nFilter Lists\n============\n\n");
	else
		fputc('\n', out);
	rc = ns_show_filterlist(out, db, NULL, NULL, o, err, errlen);
	if (rc)
		return rc;
	if (o->format == NS_FMT_LIST)
		fprintf(out, "\nFilter Actions\n==============\n\n");
	else
		fputc('\n', out);
	return ns_show_filteraction(out, db, NULL, NULL, o, err, errlen);
}

static int show_gpoassignedpolicy_body(const struct ns_dbindex *idx, FILE *out,
				       const struct ns_db *db, const char *gponame,
				       const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct pr p = {.out = out, .db = db, .o = o, .idx = *idx};
	const struct ns_policy *pol = NULL;
	int rc;

	if (gponame) {
		for (size_t i = 0; i < db->n_policies && !pol; i++)
			if (db->policies[i].gponame && !strcmp(db->policies[i].gponame, gponame))
				pol = &db->policies[i];
		if (!pol) {
			ns_errmsg(err, errlen,
				  "no policy of the %s is assigned to the Group Policy "
				  "object \"%s\"",
				  store_name(o->loc), gponame);
			return -ENOENT;
		}
	} else {
		pol = ns_db_assigned_policy(db);
		if (!pol) {
			fprintf(out, "No policy of the %s is assigned.\n", store_name(o->loc));
			return 0;
		}
	}
	rc = show_policies(&p, pol);
	return nomem_msg(rc, err, errlen);
}

/* Every public show builds the name index first; its only failure is memory. */
static int build_index(struct ns_dbindex *x, const struct ns_db *db, char *err, size_t errlen)
{
	int rc = ns_dbindex_build(x, db);

	if (rc)
		ns_errmsg(err, errlen, "show: out of memory");
	return rc;
}

int ns_show_filterlist(FILE *out, const struct ns_db *db, const char *name, const char *rule,
		       const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct ns_dbindex x;
	int rc = build_index(&x, db, err, errlen);

	if (rc)
		return rc;
	rc = show_filterlist_body(&x, out, db, name, rule, o, err, errlen);
	ns_dbindex_free(&x);
	return rc;
}

int ns_show_filteraction(FILE *out, const struct ns_db *db, const char *name, const char *rule,
			 const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct ns_dbindex x;
	int rc = build_index(&x, db, err, errlen);

	if (rc)
		return rc;
	rc = show_filteraction_body(&x, out, db, name, rule, o, err, errlen);
	ns_dbindex_free(&x);
	return rc;
}

int ns_show_rule(FILE *out, const struct ns_db *db, const char *policy, const char *name,
		 unsigned id, bool all, bool deflt, int type, const struct ns_show_opts *o,
		 char *err, size_t errlen)
{
	struct ns_dbindex x;
	int rc = build_index(&x, db, err, errlen);

	if (rc)
		return rc;
	rc = show_rule_body(&x, out, db, policy, name, id, all, deflt, type, o, err, errlen);
	ns_dbindex_free(&x);
	return rc;
}

int ns_show_policy(FILE *out, const struct ns_db *db, const char *name,
		   const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct ns_dbindex x;
	int rc = build_index(&x, db, err, errlen);

	if (rc)
		return rc;
	rc = show_policy_body(&x, out, db, name, o, err, errlen);
	ns_dbindex_free(&x);
	return rc;
}

int ns_show_gpoassignedpolicy(FILE *out, const struct ns_db *db, const char *gponame,
			      const struct ns_show_opts *o, char *err, size_t errlen)
{
	struct ns_dbindex x;
	int rc = build_index(&x, db, err, errlen);

	if (rc)
		return rc;
	rc = show_gpoassignedpolicy_body(&x, out, db, gponame, o, err, errlen);
	ns_dbindex_free(&x);
	return rc;
}
