// SPDX-License-Identifier: GPL-2.0
/*
 * The dynamic objects are few (they are typed by hand or by a script), so
 * the database is written whole on every change: simple, and one
 * transaction makes each change atomic.  Method lists are kept in their
 * netsh spelling, which the value parsers read back exactly.
 */
#include "dynstore.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "values.h"
#include "errmsg.h"

struct ns_dynstore {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS mmpolicy(name TEXT PRIMARY KEY, qmpermm INTEGER,"
	" mmlifetime INTEGER, softsa INTEGER, methods TEXT);"
	"CREATE TABLE IF NOT EXISTS qmpolicy(name TEXT PRIMARY KEY, soft INTEGER,"
	" pfs INTEGER, methods TEXT);"
	"CREATE TABLE IF NOT EXISTS rule(id INTEGER PRIMARY KEY,"
	" src_kind INTEGER, src_addr INTEGER, src_mask INTEGER, src_range INTEGER,"
	" src_end INTEGER, src_name TEXT,"
	" dst_kind INTEGER, dst_addr INTEGER, dst_mask INTEGER, dst_range INTEGER,"
	" dst_end INTEGER, dst_name TEXT,"
	" protocol INTEGER, srcport INTEGER, dstport INTEGER, mirrored INTEGER,"
	" conntype INTEGER, act_in INTEGER, act_out INTEGER,"
	" tunnel_set INTEGER, tunnel_addr INTEGER, tunnel_name TEXT,"
	" mmpolicy TEXT, qmpolicy TEXT, auth TEXT);";

/* errno as a return value, never 0 even if a call failed without setting it. */
static int neg_errno(void)
{
	int e = errno;

	return e > 0 ? -e : -EIO;
}

static int sqlfail(struct ns_dynstore *ds, char *err, size_t errlen, const char *what)
{
	return ns_fail(err, errlen, -EIO, "dynamic store: %s: %s", what, sqlite3_errmsg(ds->db));
}

const char *ns_dyn_rundir(void)
{
	const char *d = getenv("NETSH_IPSEC_RUNDIR");

	return d && *d ? d : NS_DYN_DEFAULT_RUNDIR;
}

const char *ns_pfsgroup_name(enum ns_pfsgroup g)
{
	static const char *const n[] = {"nopfs", "grp1", "grp2", "grp3", "grpmm"};

	return (unsigned)g < sizeof(n) / sizeof(n[0]) ? n[g] : "nopfs";
}

int ns_dyn_open(const char *rundir, struct ns_dynstore **out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct ns_dynstore *ds;

	*out = NULL;
	if (mkdir(rundir, 0700) < 0 && errno != EEXIST) {
		int e = neg_errno();

		return ns_fail(err, errlen, e, "cannot create %s: %s", rundir, strerror(-e));
	}
	if (snprintf(path, sizeof(path), "%s/dynamic.db", rundir) >= (int)sizeof(path))
		return ns_fail(err, errlen, -ENAMETOOLONG, "runtime directory name too long");
	/* Created 0600 before SQLite opens it, so the keys are never world-readable. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		int e = neg_errno();

		return ns_fail(err, errlen, e, "cannot open %s: %s", path, strerror(-e));
	}
	close(fd);
	ds = calloc(1, sizeof(*ds));
	if (!ds)
		return ns_fail(err, errlen, -ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &ds->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		int r = ns_fail(err, errlen, -EIO, "cannot open %s: %s", path,
				ds->db ? sqlite3_errmsg(ds->db) : "out of memory");
		sqlite3_close(ds->db);
		free(ds);
		return r;
	}
	sqlite3_busy_timeout(ds->db, 30000);
	if (sqlite3_exec(ds->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(ds->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		int r = sqlfail(ds, err, errlen, "schema");

		ns_dyn_close(ds);
		return r;
	}
	*out = ds;
	return 0;
}

void ns_dyn_close(struct ns_dynstore *ds)
{
	if (!ds)
		return;
	sqlite3_close(ds->db);
	free(ds);
}

int ns_dyn_begin(struct ns_dynstore *ds, char *err, size_t errlen)
{
	if (sqlite3_exec(ds->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "begin");
	return 0;
}

int ns_dyn_commit(struct ns_dynstore *ds, char *err, size_t errlen)
{
	if (sqlite3_exec(ds->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = sqlfail(ds, err, errlen, "commit");

		ns_dyn_rollback(ds);
		return r;
	}
	return 0;
}

void ns_dyn_rollback(struct ns_dynstore *ds)
{
	sqlite3_exec(ds->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */

void ns_dyn_mmpolicy_free(struct ns_dyn_mmpolicy *m)
{
	free(m->name);
	free(m->methods);
	memset(m, 0, sizeof(*m));
}

void ns_dyn_qmpolicy_free(struct ns_dyn_qmpolicy *q)
{
	free(q->name);
	free(q->methods);
	memset(q, 0, sizeof(*q));
}

void ns_dyn_rule_free(struct ns_dyn_rule *r)
{
	ns_endpoint_free(&r->src.ep);
	ns_endpoint_free(&r->dst.ep);
	free(r->tunnel_dnsname);
	free(r->mmpolicy);
	free(r->qmpolicy);
	for (size_t i = 0; i < r->n_auth; i++)
		ns_auth_free(&r->auth[i]);
	free(r->auth);
	memset(r, 0, sizeof(*r));
}

void ns_dyn_db_free(struct ns_dyn_db *db)
{
	for (size_t i = 0; i < db->n_mm; i++)
		ns_dyn_mmpolicy_free(&db->mm[i]);
	for (size_t i = 0; i < db->n_qm; i++)
		ns_dyn_qmpolicy_free(&db->qm[i]);
	for (size_t i = 0; i < db->n_rules; i++)
		ns_dyn_rule_free(&db->rules[i]);
	free(db->mm);
	free(db->qm);
	free(db->rules);
	memset(db, 0, sizeof(*db));
}

struct ns_dyn_mmpolicy *ns_dyn_mm_by_name(const struct ns_dyn_db *db, const char *name)
{
	for (size_t i = 0; i < db->n_mm; i++)
		if (strcmp(db->mm[i].name, name) == 0)
			return &db->mm[i];
	return NULL;
}

struct ns_dyn_qmpolicy *ns_dyn_qm_by_name(const struct ns_dyn_db *db, const char *name)
{
	for (size_t i = 0; i < db->n_qm; i++)
		if (strcmp(db->qm[i].name, name) == 0)
			return &db->qm[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Authentication methods as text: one per line, "kerberos",
 * "psk <key>", "rootca <certmap> <excludecaname> <dn>". */

static char *auth_to_text(const struct ns_auth *a, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(a[i].value ? a[i].value : "") + 32;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *v = a[i].value ? a[i].value : "";

		switch (a[i].kind) {
		case NS_AUTH_KERBEROS:
			p += sprintf(p, "kerberos\n");
			break;
		case NS_AUTH_PSK:
			p += sprintf(p, "psk %s\n", v);
			break;
		case NS_AUTH_ROOTCA:
			p += sprintf(p, "rootca %d %d %s\n", a[i].certmap, a[i].excludecaname, v);
			break;
		}
	}
	return s;
}

static int auth_from_text(const char *text, struct ns_auth **out, size_t *n)
{
	struct ns_auth *v = NULL;
	size_t cnt = 0;
	const char *p = text ? text : "";

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct ns_auth a = {0};
		int cm = 0, ex = 0, off = 0;
		char *line = strndup(p, len);

		if (!line)
			goto nomem;
		if (strcmp(line, "kerberos") == 0) {
			a.kind = NS_AUTH_KERBEROS;
			a.value = strdup("");
		} else if (strncmp(line, "psk ", 4) == 0) {
			a.kind = NS_AUTH_PSK;
			a.value = strdup(line + 4);
		} else if (sscanf(line, "rootca %d %d %n", &cm, &ex, &off) == 2 && off > 0) {
			a.kind = NS_AUTH_ROOTCA;
			a.certmap = cm;
			a.excludecaname = ex;
			a.value = strdup(line + off);
		} else {
			free(line);
			p += len + (nl ? 1 : 0);
			continue;
		}
		free(line);
		if (!a.value)
			goto nomem;
		struct ns_auth *nv = realloc(v, (cnt + 1) * sizeof(*v));

		if (!nv) {
			free(a.value);
			goto nomem;
		}
		v = nv;
		v[cnt++] = a;
		p += len + (nl ? 1 : 0);
	}
	*out = v;
	*n = cnt;
	return 0;
nomem:
	for (size_t i = 0; i < cnt; i++)
		ns_auth_free(&v[i]);
	free(v);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

static int load_addr(sqlite3_stmt *st, int col, struct ns_dyn_addr *a)
{
	a->ep.kind = (enum ns_addr_kind)sqlite3_column_int(st, col);
	a->ep.addr = (uint32_t)sqlite3_column_int64(st, col + 1);
	a->ep.mask = (uint32_t)sqlite3_column_int64(st, col + 2);
	a->range = sqlite3_column_int(st, col + 3) != 0;
	a->range_end = (uint32_t)sqlite3_column_int64(st, col + 4);
	if (sqlite3_column_type(st, col + 5) != SQLITE_NULL) {
		a->ep.dnsname = dup_col(st, col + 5);
		if (!a->ep.dnsname)
			return -ENOMEM;
	}
	return 0;
}

static int load_mm(struct ns_dynstore *ds, struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(ds->db,
			       "SELECT name, qmpermm, mmlifetime, softsa, methods FROM mmpolicy"
			       " ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "read main mode policies");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ns_dyn_mmpolicy m = {0};
		const unsigned char *meth = sqlite3_column_text(st, 4);

		m.name = dup_col(st, 0);
		m.qmpermm = (uint32_t)sqlite3_column_int64(st, 1);
		m.mmlifetime_min = (uint32_t)sqlite3_column_int64(st, 2);
		m.softsa_min = (uint32_t)sqlite3_column_int64(st, 3);
		r = ns_val_mm_methods(meth ? (const char *)meth : "", &m.methods, &m.n_methods, err,
				      errlen);
		struct ns_dyn_mmpolicy *nv = realloc(db->mm, (db->n_mm + 1) * sizeof(*nv));

		if (r < 0 || !m.name || !nv) {
			if (nv)
				db->mm = nv;
			ns_dyn_mmpolicy_free(&m);
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		db->mm = nv;
		db->mm[db->n_mm++] = m;
	}
	sqlite3_finalize(st);
	return r;
}

static int load_qm(struct ns_dynstore *ds, struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(ds->db,
			       "SELECT name, soft, pfs, methods FROM qmpolicy ORDER BY rowid", -1,
			       &st, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "read quick mode policies");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ns_dyn_qmpolicy q = {0};
		const unsigned char *meth = sqlite3_column_text(st, 3);

		q.name = dup_col(st, 0);
		q.soft = sqlite3_column_int(st, 1) != 0;
		q.pfs = (enum ns_pfsgroup)sqlite3_column_int(st, 2);
		r = ns_val_qm_methods(meth ? (const char *)meth : "", &q.methods, &q.n_methods, err,
				      errlen);
		struct ns_dyn_qmpolicy *nv = realloc(db->qm, (db->n_qm + 1) * sizeof(*nv));

		if (r < 0 || !q.name || !nv) {
			if (nv)
				db->qm = nv;
			ns_dyn_qmpolicy_free(&q);
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		db->qm = nv;
		db->qm[db->n_qm++] = q;
	}
	sqlite3_finalize(st);
	return r;
}

static int load_rules(struct ns_dynstore *ds, struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(
		    ds->db,
		    "SELECT id, src_kind, src_addr, src_mask, src_range, src_end, src_name,"
		    " dst_kind, dst_addr, dst_mask, dst_range, dst_end, dst_name,"
		    " protocol, srcport, dstport, mirrored, conntype, act_in, act_out,"
		    " tunnel_set, tunnel_addr, tunnel_name, mmpolicy, qmpolicy, auth"
		    " FROM rule ORDER BY id",
		    -1, &st, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "read rules");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ns_dyn_rule ru = {0};
		const unsigned char *auth = sqlite3_column_text(st, 25);

		ru.id = (uint32_t)sqlite3_column_int64(st, 0);
		r = load_addr(st, 1, &ru.src);
		if (!r)
			r = load_addr(st, 7, &ru.dst);
		ru.protocol = (uint8_t)sqlite3_column_int(st, 13);
		ru.srcport = (uint16_t)sqlite3_column_int(st, 14);
		ru.dstport = (uint16_t)sqlite3_column_int(st, 15);
		ru.mirrored = sqlite3_column_int(st, 16) != 0;
		ru.conntype = (enum ns_conntype)sqlite3_column_int(st, 17);
		ru.action_in = (enum ns_action)sqlite3_column_int(st, 18);
		ru.action_out = (enum ns_action)sqlite3_column_int(st, 19);
		ru.tunnel_set = sqlite3_column_int(st, 20) != 0;
		ru.tunnel_addr = (uint32_t)sqlite3_column_int64(st, 21);
		if (sqlite3_column_type(st, 22) != SQLITE_NULL)
			ru.tunnel_dnsname = dup_col(st, 22);
		ru.mmpolicy = dup_col(st, 23);
		ru.qmpolicy = dup_col(st, 24);
		if (!r)
			r = auth_from_text(auth ? (const char *)auth : "", &ru.auth, &ru.n_auth);
		struct ns_dyn_rule *nv = realloc(db->rules, (db->n_rules + 1) * sizeof(*nv));

		if (r < 0 || !ru.mmpolicy || !ru.qmpolicy || !nv) {
			if (nv)
				db->rules = nv;
			ns_dyn_rule_free(&ru);
			r = r < 0 ? r : -ENOMEM;
			ns_errmsg(err, errlen, "dynamic store: cannot read rule: %s", strerror(-r));
			break;
		}
		db->rules = nv;
		db->rules[db->n_rules++] = ru;
	}
	sqlite3_finalize(st);
	return r;
}

int ns_dyn_load(struct ns_dynstore *ds, struct ns_dyn_db *db, char *err, size_t errlen)
{
	int r;

	memset(db, 0, sizeof(*db));
	r = load_mm(ds, db, err, errlen);
	if (!r)
		r = load_qm(ds, db, err, errlen);
	if (!r)
		r = load_rules(ds, db, err, errlen);
	if (r < 0)
		ns_dyn_db_free(db);
	return r;
}

static void bind_addr(sqlite3_stmt *st, int col, const struct ns_dyn_addr *a)
{
	sqlite3_bind_int(st, col, a->ep.kind);
	sqlite3_bind_int64(st, col + 1, a->ep.addr);
	sqlite3_bind_int64(st, col + 2, a->ep.mask);
	sqlite3_bind_int(st, col + 3, a->range);
	sqlite3_bind_int64(st, col + 4, a->range_end);
	if (a->ep.dnsname)
		sqlite3_bind_text(st, col + 5, a->ep.dnsname, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, col + 5);
}

/* Method lists are short: a few dozen methods fit easily. */
#define METHODS_TEXT 8192

static int save_mm(struct ns_dynstore *ds, const struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char buf[METHODS_TEXT];

	if (sqlite3_prepare_v2(ds->db, "INSERT INTO mmpolicy VALUES(?,?,?,?,?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return sqlfail(ds, err, errlen, "write main mode policy");
	for (size_t i = 0; i < db->n_mm; i++) {
		const struct ns_dyn_mmpolicy *m = &db->mm[i];

		if (ns_fmt_mm_methods(buf, sizeof(buf), m->methods, m->n_methods) < 0) {
			sqlite3_finalize(st);
			return ns_fail(err, errlen, -E2BIG, "too many main mode methods");
		}
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, m->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, m->qmpermm);
		sqlite3_bind_int64(st, 3, m->mmlifetime_min);
		sqlite3_bind_int64(st, 4, m->softsa_min);
		sqlite3_bind_text(st, 5, buf, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return sqlfail(ds, err, errlen, "write main mode policy");
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int save_qm(struct ns_dynstore *ds, const struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char buf[METHODS_TEXT];

	if (sqlite3_prepare_v2(ds->db, "INSERT INTO qmpolicy VALUES(?,?,?,?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return sqlfail(ds, err, errlen, "write quick mode policy");
	for (size_t i = 0; i < db->n_qm; i++) {
		const struct ns_dyn_qmpolicy *q = &db->qm[i];

		if (ns_fmt_qm_methods(buf, sizeof(buf), q->methods, q->n_methods) < 0) {
			sqlite3_finalize(st);
			return ns_fail(err, errlen, -E2BIG, "too many quick mode methods");
		}
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, q->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, q->soft);
		sqlite3_bind_int(st, 3, q->pfs);
		sqlite3_bind_text(st, 4, buf, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return sqlfail(ds, err, errlen, "write quick mode policy");
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int save_rules(struct ns_dynstore *ds, const struct ns_dyn_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(
		    ds->db,
		    "INSERT INTO rule VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		    "?,?,?)",
		    -1, &st, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "write rule");
	for (size_t i = 0; i < db->n_rules; i++) {
		const struct ns_dyn_rule *r = &db->rules[i];
		char *auth = auth_to_text(r->auth, r->n_auth);

		if (!auth) {
			sqlite3_finalize(st);
			return ns_fail(err, errlen, -ENOMEM, "out of memory");
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->id);
		bind_addr(st, 2, &r->src);
		bind_addr(st, 8, &r->dst);
		sqlite3_bind_int(st, 14, r->protocol);
		sqlite3_bind_int(st, 15, r->srcport);
		sqlite3_bind_int(st, 16, r->dstport);
		sqlite3_bind_int(st, 17, r->mirrored);
		sqlite3_bind_int(st, 18, r->conntype);
		sqlite3_bind_int(st, 19, r->action_in);
		sqlite3_bind_int(st, 20, r->action_out);
		sqlite3_bind_int(st, 21, r->tunnel_set);
		sqlite3_bind_int64(st, 22, r->tunnel_addr);
		if (r->tunnel_dnsname)
			sqlite3_bind_text(st, 23, r->tunnel_dnsname, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 23);
		sqlite3_bind_text(st, 24, r->mmpolicy, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 25, r->qmpolicy ? r->qmpolicy : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 26, auth, -1, SQLITE_TRANSIENT);
		free(auth);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return sqlfail(ds, err, errlen, "write rule");
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int ns_dyn_save(struct ns_dynstore *ds, const struct ns_dyn_db *db, char *err, size_t errlen)
{
	int r;

	if (sqlite3_exec(ds->db, "DELETE FROM mmpolicy; DELETE FROM qmpolicy; DELETE FROM rule;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return sqlfail(ds, err, errlen, "clear");
	r = save_mm(ds, db, err, errlen);
	if (!r)
		r = save_qm(ds, db, err, errlen);
	if (!r)
		r = save_rules(ds, db, err, errlen);
	return r;
}

int ns_dyn_read(const char *rundir, struct ns_dyn_db *db, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct ns_dynstore *ds;
	int r;

	memset(db, 0, sizeof(*db));
	snprintf(path, sizeof(path), "%s/dynamic.db", rundir);
	if (access(path, F_OK) < 0)
		return 0;
	/* Tested on ds, not on r: clang 14's analyser cannot tell that the
	 * negated errno returned on failure is below zero. */
	r = ns_dyn_open(rundir, &ds, err, errlen);
	if (!ds)
		return r;
	r = ns_dyn_load(ds, db, err, errlen);
	ns_dyn_close(ds);
	return r;
}
