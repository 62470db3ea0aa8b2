// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite policy store.  Schema and rationale: Documentation/store-format.md.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "guid.h"
#include "store_objects.h"
#include "errmsg.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 120000
#define STMT_CACHE 48

struct stmt_slot {
	const char *sql; /* identity: the address of a string literal */
	sqlite3_stmt *s;
};

struct ns_store {
	sqlite3 *db;
	enum ns_store_location loc;
	bool in_txn;
	struct stmt_slot cache[STMT_CACHE];
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS filterlists("
	" guid TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" description TEXT NOT NULL, whenchanged INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS filterlists_name ON filterlists(name);"
	"CREATE TABLE IF NOT EXISTS filters("
	" id INTEGER PRIMARY KEY,"
	" list_guid TEXT NOT NULL REFERENCES filterlists(guid) ON DELETE CASCADE,"
	" guid TEXT NOT NULL UNIQUE, description TEXT NOT NULL,"
	" src_kind INTEGER NOT NULL, src_addr INTEGER NOT NULL, src_mask INTEGER NOT NULL,"
	" src_dns TEXT, dst_kind INTEGER NOT NULL, dst_addr INTEGER NOT NULL,"
	" dst_mask INTEGER NOT NULL, dst_dns TEXT, protocol INTEGER NOT NULL,"
	" srcport INTEGER NOT NULL, dstport INTEGER NOT NULL, mirrored INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS filters_list ON filters(list_guid);"
	"CREATE TABLE IF NOT EXISTS filteractions("
	" guid TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
	" whenchanged INTEGER NOT NULL, type INTEGER NOT NULL, action INTEGER NOT NULL,"
	" qmpfs INTEGER NOT NULL, inpass INTEGER NOT NULL, soft INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS filteractions_name ON filteractions(name);"
	"CREATE TABLE IF NOT EXISTS qm_methods("
	" fa_guid TEXT NOT NULL REFERENCES filteractions(guid) ON DELETE CASCADE,"
	" pos INTEGER NOT NULL, kind INTEGER NOT NULL, ah_hash INTEGER NOT NULL,"
	" esp_conf INTEGER NOT NULL, esp_auth INTEGER NOT NULL, lifetime_kb INTEGER NOT NULL,"
	" lifetime_sec INTEGER NOT NULL, PRIMARY KEY(fa_guid, pos));"
	"CREATE TABLE IF NOT EXISTS policies("
	" guid TEXT PRIMARY KEY, isakmp_guid TEXT NOT NULL,"
	" name TEXT NOT NULL, description TEXT NOT NULL, whenchanged INTEGER NOT NULL,"
	" mmpfs INTEGER NOT NULL, qmpermm INTEGER NOT NULL, mmlifetime INTEGER NOT NULL,"
	" pollinginterval INTEGER NOT NULL, assigned INTEGER NOT NULL, gponame TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS policies_name ON policies(name);"
	"CREATE TABLE IF NOT EXISTS mm_methods("
	" policy_guid TEXT NOT NULL REFERENCES policies(guid) ON DELETE CASCADE,"
	" pos INTEGER NOT NULL, cipher INTEGER NOT NULL, hash INTEGER NOT NULL,"
	" dh_group INTEGER NOT NULL, PRIMARY KEY(policy_guid, pos));"
	"CREATE TABLE IF NOT EXISTS rules("
	" guid TEXT PRIMARY KEY,"
	" policy_guid TEXT NOT NULL REFERENCES policies(guid) ON DELETE CASCADE,"
	" pos INTEGER NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,"
	" whenchanged INTEGER NOT NULL, filterlist_guid TEXT NOT NULL,"
	" filteraction_guid TEXT NOT NULL, tunnel_set INTEGER NOT NULL,"
	" tunnel_addr INTEGER NOT NULL, tunnel_dns TEXT, conntype INTEGER NOT NULL,"
	" active INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS rules_policy ON rules(policy_guid, pos);"
	"CREATE INDEX IF NOT EXISTS rules_name ON rules(policy_guid, name);"
	"CREATE INDEX IF NOT EXISTS rules_filterlist ON rules(filterlist_guid);"
	"CREATE INDEX IF NOT EXISTS rules_filteraction ON rules(filteraction_guid);"
	"CREATE TABLE IF NOT EXISTS auth_methods("
	" rule_guid TEXT NOT NULL REFERENCES rules(guid) ON DELETE CASCADE,"
	" pos INTEGER NOT NULL, kind INTEGER NOT NULL, value TEXT NOT NULL,"
	" certmap INTEGER NOT NULL, excludecaname INTEGER NOT NULL,"
	" PRIMARY KEY(rule_guid, pos));"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('format', 'netsh-ipsec store 1');";

static int db_fail(struct ns_store *st, char *err, size_t errlen, const char *what)
{
	int code = sqlite3_errcode(st->db);

	ns_errmsg(err, errlen, "store: %s: %s", what, sqlite3_errmsg(st->db));
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EACCES;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EUCLEAN;
	default:
		return -EIO;
	}
}

const char *ns_store_dir(void)
{
	const char *d = getenv("NETSH_IPSEC_DIR");

	return d && *d ? d : NS_STORE_DEFAULT_DIR;
}

const char *ns_store_location_name(enum ns_store_location loc)
{
	switch (loc) {
	case NS_STORE_LOCAL:
		return "local";
	case NS_STORE_PERSISTENT:
		return "persistent";
	case NS_STORE_DOMAIN:
		return "domain";
	}
	return "?";
}

bool ns_store_in_txn(const struct ns_store *st)
{
	return st->in_txn;
}

static sqlite3_stmt *prep(struct ns_store *st, const char *sql, char *err, size_t errlen)
{
	struct stmt_slot *free_slot = NULL;
	sqlite3_stmt *s = NULL;

	for (size_t i = 0; i < STMT_CACHE; i++) {
		if (st->cache[i].sql == sql) {
			sqlite3_reset(st->cache[i].s);
			sqlite3_clear_bindings(st->cache[i].s);
			return st->cache[i].s;
		}
		if (!st->cache[i].sql && !free_slot)
			free_slot = &st->cache[i];
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, &s,
			       NULL) != SQLITE_OK) {
		db_fail(st, err, errlen, "prepare");
		return NULL;
	}
	if (free_slot) {
		free_slot->sql = sql;
		free_slot->s = s;
	}
	return s;
}

/* Statements outside the cache are finalised; cached ones only reset. */
static void done(struct ns_store *st, sqlite3_stmt *s)
{
	for (size_t i = 0; i < STMT_CACHE; i++) {
		if (st->cache[i].s == s) {
			sqlite3_reset(s);
			return;
		}
	}
	sqlite3_finalize(s);
}

static int exec(struct ns_store *st, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, err, errlen, sql);
	return 0;
}

/* Run a statement that returns no rows; finishes it. */
static int step_done(struct ns_store *st, sqlite3_stmt *s, char *err, size_t errlen,
		     const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = db_fail(st, err, errlen, what);
		done(st, s);
		return rc;
	}
	done(st, s);
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/*
 * GUIDs are stored in canonical upper-case form, so the GUID columns can use
 * plain binary comparison (NOCASE comparisons were a tenth of the cost of a
 * large batch) and still match whatever case a caller or an import uses.
 * Text that is not a GUID ("" for the default rule's list) is kept as is.
 */
static void bind_guid(sqlite3_stmt *s, int i, const char *v)
{
	char canon[NS_GUID_LEN + 1];
	bool upper = v && strlen(v) == NS_GUID_LEN;

	/* Fast path: GUIDs from netsh and from the store are canonical. */
	for (const char *p = v; upper && *p; p++)
		upper = !(*p >= 'a' && *p <= 'z');
	if (upper)
		bind_text(s, i, v);
	else if (v && ns_guid_parse(v, canon))
		sqlite3_bind_text(s, i, canon, -1, SQLITE_TRANSIENT);
	else
		bind_text(s, i, v);
}

/* Run a statement that takes one guid (?1) and returns no rows. */
static int exec_guid(struct ns_store *st, const char *sql, const char *guid, const char *what,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql, err, errlen);

	if (!s)
		return -EIO;
	bind_guid(s, 1, guid);
	return step_done(st, s, err, errlen, what);
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static char *col_str_or_null(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static void col_guid(sqlite3_stmt *s, int i, char out[NS_GUID_LEN + 1])
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, NS_GUID_LEN + 1, "%s", t ? (const char *)t : "");
}

/* ---- transactions -------------------------------------------------- */

int ns_store_begin(struct ns_store *st, char *err, size_t errlen)
{
	int rc;

	if (st->in_txn)
		return ns_fail(err, errlen, -EALREADY, "store: a transaction is already open");
	rc = exec(st, "BEGIN IMMEDIATE", err, errlen);
	if (!rc)
		st->in_txn = true;
	return rc;
}

int ns_store_commit(struct ns_store *st, char *err, size_t errlen)
{
	int rc;

	if (!st->in_txn)
		return 0;
	rc = exec(st, "COMMIT", err, errlen);
	if (rc) {
		ns_store_rollback(st);
		return rc;
	}
	st->in_txn = false;
	return 0;
}

void ns_store_rollback(struct ns_store *st)
{
	if (st->in_txn)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_txn = false;
}

/* Calls made outside ns_store_begin run in a transaction of their own. */
static int auto_begin(struct ns_store *st, bool *own, char *err, size_t errlen)
{
	*own = !st->in_txn;
	return *own ? ns_store_begin(st, err, errlen) : 0;
}

static int auto_end(struct ns_store *st, bool own, int rc, char *err, size_t errlen)
{
	if (!own)
		return rc;
	if (rc) {
		ns_store_rollback(st);
		return rc;
	}
	return ns_store_commit(st, err, errlen);
}

/* Read-only work: a deferred transaction gives one consistent snapshot. */
static int read_begin(struct ns_store *st, bool *own, char *err, size_t errlen)
{
	int rc;

	*own = !st->in_txn;
	if (!*own)
		return 0;
	rc = exec(st, "BEGIN", err, errlen);
	if (!rc)
		st->in_txn = true;
	return rc;
}

static void read_end(struct ns_store *st, bool own)
{
	if (own) {
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		st->in_txn = false;
	}
}

/* ---- open / close -------------------------------------------------- */

/*
 * SQLite's own busy handler backs off to 100 ms sleeps, so many short
 * writers (parallel `netsh add filter`) mostly sleep.  Short random sleeps
 * keep the lock busy instead; the total wait is still bounded.
 */
static int busy_cb(void *arg, int count)
{
	unsigned seed = (unsigned)(uintptr_t)arg ^ (unsigned)count * 2654435761u ^ (unsigned)getpid();

	if ((long)count * 1250 > (long)BUSY_TIMEOUT_MS * 1000)
		return 0;
	usleep(250 + rand_r(&seed) % 2000);
	return 1;
}

static int setup(struct ns_store *st, bool memory, char *err, size_t errlen)
{
	int rc;

	rc = exec(st, "PRAGMA foreign_keys=ON", err, errlen);
	if (rc)
		return rc;
	if (!memory) {
		/* Switching to WAL takes a lock other openers may hold for a
		 * moment; the busy handler does not cover it, so retry. */
		for (int tries = 0;; tries++) {
			rc = exec(st, "PRAGMA journal_mode=WAL", err, errlen);
			if (!rc || rc != -EBUSY || tries > 2000)
				break;
			usleep(2000);
		}
		if (rc)
			return rc;
		rc = exec(st, "PRAGMA synchronous=FULL", err, errlen);
		if (rc)
			return rc;
	}
	rc = ns_store_begin(st, err, errlen);
	if (rc)
		return rc;
	rc = exec(st, schema_sql, err, errlen);
	if (!rc)
		rc = exec(st, "PRAGMA user_version=" "1", err, errlen);
	if (rc) {
		ns_store_rollback(st);
		return rc;
	}
	return ns_store_commit(st, err, errlen);
}

static int check_version(struct ns_store *st, bool *fresh, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int v = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return db_fail(st, err, errlen, "open");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	else {
		int rc = db_fail(st, err, errlen, "open");

		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	if (v > SCHEMA_VERSION)
		return ns_fail(err, errlen, -EPROTO,
			       "store: format version %d is newer than this program (%d)", v,
			       SCHEMA_VERSION);
	*fresh = v < SCHEMA_VERSION;
	return 0;
}

int ns_store_open(const char *dir, enum ns_store_location loc, struct ns_store **out,
		  char *err, size_t errlen)
{
	struct ns_store *st;
	char *path = NULL;
	bool fresh = true;
	int rc;

	*out = NULL;
	if (loc == NS_STORE_DOMAIN)
		return ns_fail(err, errlen, -EOPNOTSUPP,
			       "the domain store (Active Directory) is not supported yet");
	if (loc != NS_STORE_LOCAL && loc != NS_STORE_PERSISTENT)
		return ns_fail(err, errlen, -EINVAL, "store: unknown location");
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->loc = loc;
	if (dir) {
		int fd;

		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			rc = -errno;
			ns_errmsg(err, errlen, "store: cannot create %s: %s", dir, strerror(errno));
			goto out_free;
		}
		if (asprintf(&path, "%s/%s.db", dir, ns_store_location_name(loc)) < 0) {
			rc = -ENOMEM;
			goto out_free;
		}
		/* Create it ourselves so it is 0600 whatever the umask; SQLite
		 * gives the -wal and -shm files the same mode. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = -errno;
			ns_errmsg(err, errlen, "store: cannot open %s: %s", path, strerror(errno));
			goto out_free;
		}
		close(fd);
	}
	if (sqlite3_open_v2(path ? path : ":memory:", &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = st->db ? db_fail(st, err, errlen, "open") : -ENOMEM;
		goto out_close;
	}
	sqlite3_busy_handler(st->db, busy_cb, st);
	/* A big batch stays in the page cache instead of spilling to the WAL
	 * page by page before it commits. */
	sqlite3_exec(st->db, "PRAGMA cache_size=-65536", NULL, NULL, NULL);
	rc = check_version(st, &fresh, err, errlen);
	if (rc)
		goto out_close;
	if (fresh || !path) {
		rc = setup(st, !path, err, errlen);
	} else {
		rc = exec(st, "PRAGMA foreign_keys=ON", err, errlen);
		if (!rc)
			rc = exec(st, "PRAGMA synchronous=FULL", err, errlen);
	}
	if (rc)
		goto out_close;
	free(path);
	*out = st;
	return 0;
out_close:
	sqlite3_close(st->db);
out_free:
	free(path);
	free(st);
	return rc;
}

void ns_store_close(struct ns_store *st)
{
	if (!st)
		return;
	ns_store_rollback(st);
	for (size_t i = 0; i < STMT_CACHE; i++)
		if (st->cache[i].s)
			sqlite3_finalize(st->cache[i].s);
	sqlite3_close(st->db);
	free(st);
}

/* ---- reading objects ----------------------------------------------- */

static const char sql_fl_by_name[] =
	"SELECT guid, name, description, whenchanged FROM filterlists WHERE name=?1 "
	"ORDER BY rowid LIMIT 1";
static const char sql_fl_by_guid[] =
	"SELECT guid, name, description, whenchanged FROM filterlists WHERE guid=?1";
static const char sql_filters_of[] =
	"SELECT guid, description, src_kind, src_addr, src_mask, src_dns, dst_kind, dst_addr, "
	"dst_mask, dst_dns, protocol, srcport, dstport, mirrored FROM filters "
	"WHERE list_guid=?1 ORDER BY id";

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

static void col_endpoint(sqlite3_stmt *s, int i, struct ns_endpoint *e)
{
	e->kind = (enum ns_addr_kind)sqlite3_column_int(s, i);
	e->addr = (uint32_t)sqlite3_column_int64(s, i + 1);
	e->mask = (uint32_t)sqlite3_column_int64(s, i + 2);
	e->dnsname = col_str_or_null(s, i + 3);
}

/*
 * The child rows of one object (sql takes its guid as ?1), appended to the
 * array *arr of *n elements of elem bytes; row() fills one zeroed element
 * from the current row. -EIO when the statement cannot be prepared, -ENOMEM
 * without a message, or the db error named by what.
 */
static int read_rows(struct ns_store *st, const char *sql, const char *guid, void **arr, size_t *n,
		     size_t elem, void (*row)(sqlite3_stmt *s, void *el), const char *what,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql, err, errlen);
	size_t cap = 0;
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, guid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow(arr, &cap, *n, elem)) {
			done(st, s);
			return -ENOMEM;
		}
		row(s, (char *)*arr + (*n)++ * elem);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(st, err, errlen, what);
	done(st, s);
	return rc;
}

static void filter_row(sqlite3_stmt *s, void *el)
{
	struct ns_filter *f = el;

	col_guid(s, 0, f->guid);
	f->description = col_str(s, 1);
	col_endpoint(s, 2, &f->src);
	col_endpoint(s, 6, &f->dst);
	f->protocol = (uint8_t)sqlite3_column_int(s, 10);
	f->srcport = (uint16_t)sqlite3_column_int(s, 11);
	f->dstport = (uint16_t)sqlite3_column_int(s, 12);
	f->mirrored = sqlite3_column_int(s, 13) != 0;
}

static int read_filters(struct ns_store *st, struct ns_filterlist *fl, char *err, size_t errlen)
{
	return read_rows(st, sql_filters_of, fl->guid, (void **)&fl->filters, &fl->n_filters,
			 sizeof(*fl->filters), filter_row, "read filters", err, errlen);
}

/*
 * The one row of a filter list, filter action or policy, looked up by name
 * when name is set, else by guid. On a row returns the statement (the
 * caller reads it and calls done()); otherwise NULL with *rc set and the
 * message naming what ("filter list", "policy"...) and the key.
 */
static sqlite3_stmt *head_row(struct ns_store *st, const char *by_name, const char *by_guid,
			      const char *what, const char *name, const char *guid, int *rc,
			      char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, name ? by_name : by_guid, err, errlen);
	char ctx[64];

	if (!s) {
		*rc = -EIO;
		return NULL;
	}
	if (name)
		bind_text(s, 1, name);
	else
		bind_guid(s, 1, guid);
	*rc = sqlite3_step(s);
	if (*rc == SQLITE_ROW)
		return s;
	if (*rc == SQLITE_DONE) {
		*rc = ns_fail(err, errlen, -ENOENT, "%s '%s' not found", what, name ? name : guid);
	} else {
		snprintf(ctx, sizeof(ctx), "read %s", what);
		*rc = db_fail(st, err, errlen, ctx);
	}
	done(st, s);
	return NULL;
}

static int get_filterlist(struct ns_store *st, const char *name, const char *guid,
			  bool with_filters, struct ns_filterlist *out, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = head_row(st, sql_fl_by_name, sql_fl_by_guid, "filter list", name, guid, &rc, err,
		     errlen);
	if (!s)
		return rc;
	col_guid(s, 0, out->guid);
	out->name = col_str(s, 1);
	out->description = col_str(s, 2);
	out->whenchanged = sqlite3_column_int64(s, 3);
	done(st, s);
	if (with_filters) {
		rc = read_filters(st, out, err, errlen);
		if (rc) {
			ns_filterlist_free(out);
			return rc;
		}
	}
	return 0;
}

int ns_so_get_filterlist(struct ns_store *st, const char *name, const char *guid,
			 bool with_filters, struct ns_filterlist *out, char *err, size_t errlen)
{
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = get_filterlist(st, name, guid, with_filters, out, err, errlen);
	read_end(st, own);
	return rc;
}

static const char sql_fa_by_name[] =
	"SELECT guid, name, description, whenchanged, type, action, qmpfs, inpass, soft "
	"FROM filteractions WHERE name=?1 AND type=0 ORDER BY rowid LIMIT 1";
static const char sql_fa_by_guid[] =
	"SELECT guid, name, description, whenchanged, type, action, qmpfs, inpass, soft "
	"FROM filteractions WHERE guid=?1";
static const char sql_qm_of[] =
	"SELECT kind, ah_hash, esp_conf, esp_auth, lifetime_kb, lifetime_sec FROM qm_methods "
	"WHERE fa_guid=?1 ORDER BY pos";

static void qm_row(sqlite3_stmt *s, void *el)
{
	struct ns_qm_method *m = el;

	m->kind = (enum ns_qm_kind)sqlite3_column_int(s, 0);
	m->ah_hash = (enum ns_hash)sqlite3_column_int(s, 1);
	m->esp_conf = (enum ns_cipher)sqlite3_column_int(s, 2);
	m->esp_auth = (enum ns_hash)sqlite3_column_int(s, 3);
	m->lifetime_kb = (uint32_t)sqlite3_column_int64(s, 4);
	m->lifetime_sec = (uint32_t)sqlite3_column_int64(s, 5);
}

static int get_filteraction(struct ns_store *st, const char *name, const char *guid,
			    struct ns_filteraction *out, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = head_row(st, sql_fa_by_name, sql_fa_by_guid, "filter action", name, guid, &rc, err,
		     errlen);
	if (!s)
		return rc;
	col_guid(s, 0, out->guid);
	out->name = col_str(s, 1);
	out->description = col_str(s, 2);
	out->whenchanged = sqlite3_column_int64(s, 3);
	out->type = (enum ns_fa_type)sqlite3_column_int(s, 4);
	out->action = (enum ns_action)sqlite3_column_int(s, 5);
	out->qmpfs = sqlite3_column_int(s, 6) != 0;
	out->inpass = sqlite3_column_int(s, 7) != 0;
	out->soft = sqlite3_column_int(s, 8) != 0;
	done(st, s);
	rc = read_rows(st, sql_qm_of, out->guid, (void **)&out->methods, &out->n_methods,
		       sizeof(*out->methods), qm_row, "read methods", err, errlen);
	if (rc)
		ns_filteraction_free(out);
	return rc;
}

int ns_so_get_filteraction(struct ns_store *st, const char *name, const char *guid,
			   struct ns_filteraction *out, char *err, size_t errlen)
{
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = get_filteraction(st, name, guid, out, err, errlen);
	read_end(st, own);
	return rc;
}

static const char sql_pol_by_name[] =
	"SELECT guid, isakmp_guid, name, description, whenchanged, mmpfs, qmpermm, mmlifetime, "
	"pollinginterval, assigned, gponame FROM policies WHERE name=?1 ORDER BY rowid LIMIT 1";
static const char sql_pol_by_guid[] =
	"SELECT guid, isakmp_guid, name, description, whenchanged, mmpfs, qmpermm, mmlifetime, "
	"pollinginterval, assigned, gponame FROM policies WHERE guid=?1";
static const char sql_mm_of[] =
	"SELECT cipher, hash, dh_group FROM mm_methods WHERE policy_guid=?1 ORDER BY pos";
static const char sql_rules_of[] =
	"SELECT guid, pos, name, description, whenchanged, filterlist_guid, filteraction_guid, "
	"tunnel_set, tunnel_addr, tunnel_dns, conntype, active FROM rules WHERE policy_guid=?1 "
	"ORDER BY pos";
static const char sql_auth_of[] =
	"SELECT kind, value, certmap, excludecaname FROM auth_methods WHERE rule_guid=?1 "
	"ORDER BY pos";

static void auth_row(sqlite3_stmt *s, void *el)
{
	struct ns_auth *a = el;

	a->kind = (enum ns_auth_kind)sqlite3_column_int(s, 0);
	a->value = col_str(s, 1);
	a->certmap = sqlite3_column_int(s, 2) != 0;
	a->excludecaname = sqlite3_column_int(s, 3) != 0;
}

static int read_auth(struct ns_store *st, struct ns_rule *r, char *err, size_t errlen)
{
	return read_rows(st, sql_auth_of, r->guid, (void **)&r->auth, &r->n_auth, sizeof(*r->auth),
			 auth_row, "read authentication methods", err, errlen);
}

/* The columns of sql_rules_of, sql_rule_by_pos and sql_rule_by_name but the
 * position (1), which the callers read their own way. */
static void rule_cols(sqlite3_stmt *s, struct ns_rule *r)
{
	col_guid(s, 0, r->guid);
	r->name = col_str(s, 2);
	r->description = col_str(s, 3);
	r->whenchanged = sqlite3_column_int64(s, 4);
	col_guid(s, 5, r->filterlist_guid);
	col_guid(s, 6, r->filteraction_guid);
	r->tunnel_set = sqlite3_column_int(s, 7) != 0;
	r->tunnel_addr = (uint32_t)sqlite3_column_int64(s, 8);
	r->tunnel_dnsname = col_str_or_null(s, 9);
	r->conntype = (enum ns_conntype)sqlite3_column_int(s, 10);
	r->active = sqlite3_column_int(s, 11) != 0;
}

static int read_rules(struct ns_store *st, struct ns_policy *p, char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_rules_of, err, errlen);
	size_t cap = 0;
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, p->guid);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ns_rule *r;

		if (sqlite3_column_int(s, 1) == 0) {
			r = &p->default_rule;
			ns_rule_free(r);
			r->is_default = true;
		} else {
			if (grow((void **)&p->rules, &cap, p->n_rules, sizeof(*r))) {
				done(st, s);
				return -ENOMEM;
			}
			r = &p->rules[p->n_rules++];
		}
		rule_cols(s, r);
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(st, err, errlen, "read rules");
		done(st, s);
		return rc;
	}
	done(st, s);
	if (!p->default_rule.name) {
		p->default_rule.name = strdup("");
		p->default_rule.description = strdup("");
		p->default_rule.is_default = true;
	}
	rc = read_auth(st, &p->default_rule, err, errlen);
	for (size_t i = 0; !rc && i < p->n_rules; i++)
		rc = read_auth(st, &p->rules[i], err, errlen);
	return rc;
}

static void mm_row(sqlite3_stmt *s, void *el)
{
	struct ns_mm_method *m = el;

	m->cipher = (enum ns_cipher)sqlite3_column_int(s, 0);
	m->hash = (enum ns_hash)sqlite3_column_int(s, 1);
	m->group = (enum ns_dh)sqlite3_column_int(s, 2);
}

static int get_policy(struct ns_store *st, const char *name, const char *guid, bool with_rules,
		      struct ns_policy *out, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	s = head_row(st, sql_pol_by_name, sql_pol_by_guid, "policy", name, guid, &rc, err, errlen);
	if (!s)
		return rc;
	col_guid(s, 0, out->guid);
	col_guid(s, 1, out->isakmp_guid);
	out->name = col_str(s, 2);
	out->description = col_str(s, 3);
	out->whenchanged = sqlite3_column_int64(s, 4);
	out->mmpfs = sqlite3_column_int(s, 5) != 0;
	out->qmpermm = (uint32_t)sqlite3_column_int64(s, 6);
	out->mmlifetime_min = (uint32_t)sqlite3_column_int64(s, 7);
	out->pollinginterval_min = (uint32_t)sqlite3_column_int64(s, 8);
	out->assigned = sqlite3_column_int(s, 9) != 0;
	out->gponame = col_str(s, 10);
	done(st, s);
	rc = read_rows(st, sql_mm_of, out->guid, (void **)&out->mm_methods, &out->n_mm_methods,
		       sizeof(*out->mm_methods), mm_row, "read methods", err, errlen);
	if (rc) {
		ns_policy_free(out);
		return rc;
	}
	if (!with_rules)
		return 0;
	rc = read_rules(st, out, err, errlen);
	if (rc)
		ns_policy_free(out);
	return rc;
}

int ns_so_get_policy(struct ns_store *st, const char *name, const char *guid,
		     struct ns_policy *out, char *err, size_t errlen)
{
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = get_policy(st, name, guid, true, out, err, errlen);
	read_end(st, own);
	return rc;
}

int ns_so_get_policy_head(struct ns_store *st, const char *name, const char *guid,
			  struct ns_policy *out, char *err, size_t errlen)
{
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = get_policy(st, name, guid, false, out, err, errlen);
	read_end(st, own);
	return rc;
}

static const char *const sql_list[] = {
	[NS_OBJ_POLICY] = "SELECT guid FROM policies ORDER BY rowid",
	[NS_OBJ_FILTERLIST] = "SELECT guid FROM filterlists ORDER BY rowid",
	[NS_OBJ_FILTERACTION] = "SELECT guid FROM filteractions WHERE type=0 ORDER BY rowid",
};
static const char sql_list_all_fa[] = "SELECT guid FROM filteractions ORDER BY rowid";

void ns_so_free_list(char **guids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(guids[i]);
	free(guids);
}

static int list_sql(struct ns_store *st, const char *sql, char ***guids, size_t *n, char *err,
		    size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql, err, errlen);
	size_t cap = 0;
	int rc;

	*guids = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (grow((void **)guids, &cap, *n, sizeof(char *)) ||
		    !((*guids)[*n] = col_str(s, 0))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		rc = rc == -ENOMEM ? rc : db_fail(st, err, errlen, "list");
		done(st, s);
		ns_so_free_list(*guids, *n);
		*guids = NULL;
		*n = 0;
		return rc;
	}
	done(st, s);
	return 0;
}

int ns_so_list(struct ns_store *st, enum ns_obj kind, char ***guids, size_t *n, char *err,
	       size_t errlen)
{
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = list_sql(st, sql_list[kind], guids, n, err, errlen);
	read_end(st, own);
	return rc;
}

static const char sql_user_fl[] =
	"SELECT r.name, p.name, r.pos FROM rules r JOIN policies p ON p.guid=r.policy_guid "
	"WHERE r.filterlist_guid=?1 ORDER BY p.rowid, r.pos LIMIT 1";
static const char sql_user_fa[] =
	"SELECT r.name, p.name, r.pos FROM rules r JOIN policies p ON p.guid=r.policy_guid "
	"WHERE r.filteraction_guid=?1 ORDER BY p.rowid, r.pos LIMIT 1";

int ns_so_find_user(struct ns_store *st, enum ns_obj kind, const char *guid, char *rule,
		    size_t rulelen, char *policy, size_t policylen, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	s = prep(st, kind == NS_OBJ_FILTERLIST ? sql_user_fl : sql_user_fa, err, errlen);
	if (!s) {
		read_end(st, own);
		return -EIO;
	}
	bind_guid(s, 1, guid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(rule, rulelen, "%s", sqlite3_column_text(s, 0));
		if (sqlite3_column_int(s, 2) == 0)
			snprintf(rule, rulelen, "(default response rule)");
		snprintf(policy, policylen, "%s", sqlite3_column_text(s, 1));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = db_fail(st, err, errlen, "find user");
	}
	done(st, s);
	read_end(st, own);
	return rc;
}

/* ---- writing objects ----------------------------------------------- */

static const char sql_put_fl[] =
	"INSERT INTO filterlists(guid, name, description, whenchanged) VALUES(?1, ?2, ?3, ?4) "
	"ON CONFLICT(guid) DO UPDATE SET name=excluded.name, description=excluded.description, "
	"whenchanged=excluded.whenchanged";
static const char sql_del_filters_of[] = "DELETE FROM filters WHERE list_guid=?1";
static const char sql_add_filter[] =
	"INSERT OR REPLACE INTO filters(list_guid, guid, description, src_kind, src_addr, "
	"src_mask, src_dns, dst_kind, dst_addr, dst_mask, dst_dns, protocol, srcport, dstport, "
	"mirrored) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
/* Rewrites the row only when the second changed: a batch of filters
 * into one list then writes the list row a few times, not once per filter. */
static const char sql_touch_fl[] =
	"UPDATE filterlists SET whenchanged=?2 WHERE guid=?1 AND whenchanged<>?2";

/* A new filter: plain INSERT, which needs no statement journal (OR REPLACE
 * does, and that was a fifth of the cost of a batch). */
static const char sql_new_filter[] =
	"INSERT INTO filters(list_guid, guid, description, src_kind, src_addr, "
	"src_mask, src_dns, dst_kind, dst_addr, dst_mask, dst_dns, protocol, srcport, dstport, "
	"mirrored) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

static void bind_filter(sqlite3_stmt *s, const char *list_guid, const struct ns_filter *f)
{
	bind_guid(s, 1, list_guid);
	bind_guid(s, 2, f->guid);
	bind_text(s, 3, f->description ? f->description : "");
	sqlite3_bind_int(s, 4, f->src.kind);
	sqlite3_bind_int64(s, 5, f->src.addr);
	sqlite3_bind_int64(s, 6, f->src.mask);
	bind_text(s, 7, f->src.dnsname);
	sqlite3_bind_int(s, 8, f->dst.kind);
	sqlite3_bind_int64(s, 9, f->dst.addr);
	sqlite3_bind_int64(s, 10, f->dst.mask);
	bind_text(s, 11, f->dst.dnsname);
	sqlite3_bind_int(s, 12, f->protocol);
	sqlite3_bind_int(s, 13, f->srcport);
	sqlite3_bind_int(s, 14, f->dstport);
	sqlite3_bind_int(s, 15, f->mirrored);
}

/*
 * fresh: a new GUID, plain INSERT.  Otherwise (imports) the GUID may already
 * name a filter of another list: try the cheap INSERT first and replace only
 * when the GUID is taken.
 */
static int insert_filter(struct ns_store *st, const char *list_guid, const struct ns_filter *f,
			 bool fresh, char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_new_filter, err, errlen);
	int rc;

	if (!s)
		return -EIO;
	bind_filter(s, list_guid, f);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		done(st, s);
		return 0;
	}
	if (fresh || (rc & 0xff) != SQLITE_CONSTRAINT) {
		rc = db_fail(st, err, errlen, "add filter");
		done(st, s);
		return rc;
	}
	done(st, s);
	s = prep(st, sql_add_filter, err, errlen);
	if (!s)
		return -EIO;
	bind_filter(s, list_guid, f);
	return step_done(st, s, err, errlen, "add filter");
}

static int put_filterlist(struct ns_store *st, const struct ns_filterlist *fl, bool with_filters,
			  char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_put_fl, err, errlen);
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, fl->guid);
	bind_text(s, 2, fl->name ? fl->name : "");
	bind_text(s, 3, fl->description ? fl->description : "");
	sqlite3_bind_int64(s, 4, fl->whenchanged);
	rc = step_done(st, s, err, errlen, "write filter list");
	if (rc || !with_filters)
		return rc;
	rc = exec_guid(st, sql_del_filters_of, fl->guid, "write filter list", err, errlen);
	for (size_t i = 0; !rc && i < fl->n_filters; i++)
		rc = insert_filter(st, fl->guid, &fl->filters[i], false, err, errlen);
	return rc;
}

int ns_so_put_filterlist(struct ns_store *st, const struct ns_filterlist *fl, bool with_filters,
			 char *err, size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = put_filterlist(st, fl, with_filters, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

int ns_so_add_filter(struct ns_store *st, const char *list_guid, const struct ns_filter *f,
		     char *err, size_t errlen)
{
	sqlite3_stmt *s;
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = insert_filter(st, list_guid, f, true, err, errlen);
	if (!rc) {
		s = prep(st, sql_touch_fl, err, errlen);
		if (!s) {
			rc = -EIO;
		} else {
			bind_guid(s, 1, list_guid);
			sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
			rc = step_done(st, s, err, errlen, "add filter");
		}
	}
	return auto_end(st, own, rc, err, errlen);
}

static const char sql_del_filter[] = "DELETE FROM filters WHERE guid=?1";

int ns_so_delete_filter(struct ns_store *st, const char *filter_guid, char *err, size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = exec_guid(st, sql_del_filter, filter_guid, "delete filter", err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

static const char sql_put_fa[] =
	"INSERT INTO filteractions(guid, name, description, whenchanged, type, action, qmpfs, "
	"inpass, soft) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(guid) DO UPDATE SET "
	"name=excluded.name, description=excluded.description, whenchanged=excluded.whenchanged, "
	"type=excluded.type, action=excluded.action, qmpfs=excluded.qmpfs, "
	"inpass=excluded.inpass, soft=excluded.soft";
static const char sql_del_qm_of[] = "DELETE FROM qm_methods WHERE fa_guid=?1";
static const char sql_add_qm[] =
	"INSERT INTO qm_methods(fa_guid, pos, kind, ah_hash, esp_conf, esp_auth, lifetime_kb, "
	"lifetime_sec) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static int put_filteraction(struct ns_store *st, const struct ns_filteraction *fa, char *err,
			    size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_put_fa, err, errlen);
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, fa->guid);
	bind_text(s, 2, fa->name ? fa->name : "");
	bind_text(s, 3, fa->description ? fa->description : "");
	sqlite3_bind_int64(s, 4, fa->whenchanged);
	sqlite3_bind_int(s, 5, fa->type);
	sqlite3_bind_int(s, 6, fa->action);
	sqlite3_bind_int(s, 7, fa->qmpfs);
	sqlite3_bind_int(s, 8, fa->inpass);
	sqlite3_bind_int(s, 9, fa->soft);
	rc = step_done(st, s, err, errlen, "write filter action");
	if (rc)
		return rc;
	rc = exec_guid(st, sql_del_qm_of, fa->guid, "write filter action", err, errlen);
	for (size_t i = 0; !rc && i < fa->n_methods; i++) {
		const struct ns_qm_method *m = &fa->methods[i];

		s = prep(st, sql_add_qm, err, errlen);
		if (!s)
			return -EIO;
		bind_guid(s, 1, fa->guid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_int(s, 3, m->kind);
		sqlite3_bind_int(s, 4, m->ah_hash);
		sqlite3_bind_int(s, 5, m->esp_conf);
		sqlite3_bind_int(s, 6, m->esp_auth);
		sqlite3_bind_int64(s, 7, m->lifetime_kb);
		sqlite3_bind_int64(s, 8, m->lifetime_sec);
		rc = step_done(st, s, err, errlen, "write methods");
	}
	return rc;
}

int ns_so_put_filteraction(struct ns_store *st, const struct ns_filteraction *fa, char *err,
			   size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = put_filteraction(st, fa, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

static const char sql_put_pol[] =
	"INSERT INTO policies(guid, isakmp_guid, name, description, whenchanged, mmpfs, qmpermm, "
	"mmlifetime, pollinginterval, assigned, gponame) "
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(guid) DO UPDATE SET "
	"isakmp_guid=excluded.isakmp_guid, name=excluded.name, description=excluded.description, "
	"whenchanged=excluded.whenchanged, mmpfs=excluded.mmpfs, qmpermm=excluded.qmpermm, "
	"mmlifetime=excluded.mmlifetime, pollinginterval=excluded.pollinginterval, "
	"assigned=excluded.assigned, gponame=excluded.gponame";
static const char sql_del_mm_of[] = "DELETE FROM mm_methods WHERE policy_guid=?1";
static const char sql_add_mm[] =
	"INSERT INTO mm_methods(policy_guid, pos, cipher, hash, dh_group) VALUES(?1, ?2, ?3, ?4, ?5)";
static const char sql_del_rules_of[] = "DELETE FROM rules WHERE policy_guid=?1";
static const char sql_add_rule[] =
	"INSERT OR REPLACE INTO rules(guid, policy_guid, pos, name, description, whenchanged, "
	"filterlist_guid, filteraction_guid, tunnel_set, tunnel_addr, tunnel_dns, conntype, "
	"active) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char sql_add_auth[] =
	"INSERT INTO auth_methods(rule_guid, pos, kind, value, certmap, excludecaname) "
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6)";

static int put_rule(struct ns_store *st, const char *policy_guid, int pos, const struct ns_rule *r,
		    char *err, size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_add_rule, err, errlen);
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, r->guid);
	bind_guid(s, 2, policy_guid);
	sqlite3_bind_int(s, 3, pos);
	bind_text(s, 4, r->name ? r->name : "");
	bind_text(s, 5, r->description ? r->description : "");
	sqlite3_bind_int64(s, 6, r->whenchanged);
	bind_guid(s, 7, r->filterlist_guid);
	bind_guid(s, 8, r->filteraction_guid);
	sqlite3_bind_int(s, 9, r->tunnel_set);
	sqlite3_bind_int64(s, 10, r->tunnel_addr);
	bind_text(s, 11, r->tunnel_dnsname);
	sqlite3_bind_int(s, 12, r->conntype);
	sqlite3_bind_int(s, 13, r->active);
	rc = step_done(st, s, err, errlen, "write rule");
	for (size_t i = 0; !rc && i < r->n_auth; i++) {
		const struct ns_auth *a = &r->auth[i];

		s = prep(st, sql_add_auth, err, errlen);
		if (!s)
			return -EIO;
		bind_guid(s, 1, r->guid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_int(s, 3, a->kind);
		bind_text(s, 4, a->value ? a->value : "");
		sqlite3_bind_int(s, 5, a->certmap);
		sqlite3_bind_int(s, 6, a->excludecaname);
		rc = step_done(st, s, err, errlen, "write authentication method");
	}
	return rc;
}

static int put_policy(struct ns_store *st, const struct ns_policy *p, bool with_rules, char *err,
		      size_t errlen)
{
	sqlite3_stmt *s = prep(st, sql_put_pol, err, errlen);
	int rc;

	if (!s)
		return -EIO;
	bind_guid(s, 1, p->guid);
	bind_guid(s, 2, p->isakmp_guid);
	bind_text(s, 3, p->name ? p->name : "");
	bind_text(s, 4, p->description ? p->description : "");
	sqlite3_bind_int64(s, 5, p->whenchanged);
	sqlite3_bind_int(s, 6, p->mmpfs);
	sqlite3_bind_int64(s, 7, p->qmpermm);
	sqlite3_bind_int64(s, 8, p->mmlifetime_min);
	sqlite3_bind_int64(s, 9, p->pollinginterval_min);
	sqlite3_bind_int(s, 10, p->assigned);
	bind_text(s, 11, p->gponame ? p->gponame : "");
	rc = step_done(st, s, err, errlen, "write policy");
	if (rc)
		return rc;
	rc = exec_guid(st, sql_del_mm_of, p->guid, "write policy", err, errlen);
	for (size_t i = 0; !rc && i < p->n_mm_methods; i++) {
		s = prep(st, sql_add_mm, err, errlen);
		if (!s)
			return -EIO;
		bind_guid(s, 1, p->guid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sqlite3_bind_int(s, 3, p->mm_methods[i].cipher);
		sqlite3_bind_int(s, 4, p->mm_methods[i].hash);
		sqlite3_bind_int(s, 5, p->mm_methods[i].group);
		rc = step_done(st, s, err, errlen, "write methods");
	}
	if (rc || !with_rules)
		return rc;
	rc = exec_guid(st, sql_del_rules_of, p->guid, "write policy", err, errlen);
	if (!rc && p->default_rule.guid[0])
		rc = put_rule(st, p->guid, 0, &p->default_rule, err, errlen);
	for (size_t i = 0; !rc && i < p->n_rules; i++)
		rc = put_rule(st, p->guid, (int)i + 1, &p->rules[i], err, errlen);
	return rc;
}

int ns_so_put_policy(struct ns_store *st, const struct ns_policy *p, char *err, size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = put_policy(st, p, true, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

int ns_so_put_policy_head(struct ns_store *st, const struct ns_policy *p, char *err,
			  size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = put_policy(st, p, false, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

/* ---- single rules ---------------------------------------------------- */

static int delete_one(struct ns_store *st, const char *sql, const char *guid, char *err,
		      size_t errlen);

static const char sql_rule_by_pos[] =
	"SELECT guid, pos, name, description, whenchanged, filterlist_guid, filteraction_guid, "
	"tunnel_set, tunnel_addr, tunnel_dns, conntype, active FROM rules WHERE policy_guid=?1 "
	"AND pos=?2";
static const char sql_rule_by_name[] =
	"SELECT guid, pos, name, description, whenchanged, filterlist_guid, filteraction_guid, "
	"tunnel_set, tunnel_addr, tunnel_dns, conntype, active FROM rules WHERE policy_guid=?1 "
	"AND name=?2 AND pos>0 ORDER BY pos LIMIT 1";
static const char sql_rule_count[] = "SELECT count(*) FROM rules WHERE policy_guid=?1 AND pos>0";
static const char sql_del_auth_of[] = "DELETE FROM auth_methods WHERE rule_guid=?1";
static const char sql_del_rule_at[] = "DELETE FROM rules WHERE policy_guid=?1 AND pos=?2";
static const char sql_shift_rules[] =
	"UPDATE rules SET pos=pos-1 WHERE policy_guid=?1 AND pos>?2";
static const char sql_del_rules_but_default[] = "DELETE FROM rules WHERE policy_guid=?1 AND pos>0";

int ns_so_get_rule(struct ns_store *st, const char *policy_guid, const char *name, int pos,
		   struct ns_rule *out, unsigned *pos_out, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	s = prep(st, name ? sql_rule_by_name : sql_rule_by_pos, err, errlen);
	if (!s) {
		read_end(st, own);
		return -EIO;
	}
	bind_guid(s, 1, policy_guid);
	if (name)
		bind_text(s, 2, name);
	else
		sqlite3_bind_int(s, 2, pos);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (pos_out)
			*pos_out = (unsigned)sqlite3_column_int(s, 1);
		out->is_default = sqlite3_column_int(s, 1) == 0;
		rule_cols(s, out);
		done(st, s);
		rc = read_auth(st, out, err, errlen);
		if (rc)
			ns_rule_free(out);
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_fail(st, err, errlen, "read rule");
		done(st, s);
	}
	read_end(st, own);
	return rc;
}

int ns_so_rule_count(struct ns_store *st, const char *policy_guid, unsigned *n, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s;
	bool own;
	int rc = read_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	s = prep(st, sql_rule_count, err, errlen);
	if (!s) {
		read_end(st, own);
		return -EIO;
	}
	bind_guid(s, 1, policy_guid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n = (unsigned)sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = db_fail(st, err, errlen, "count rules");
	}
	done(st, s);
	read_end(st, own);
	return rc;
}

int ns_so_put_rule(struct ns_store *st, const char *policy_guid, unsigned pos,
		   const struct ns_rule *r, char *err, size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	/* The rule's old authentication methods go first: the new list
	 * replaces them whole. */
	rc = delete_one(st, sql_del_auth_of, r->guid, err, errlen);
	if (!rc)
		rc = put_rule(st, policy_guid, (int)pos, r, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

int ns_so_delete_rule(struct ns_store *st, const char *policy_guid, unsigned pos, char *err,
		      size_t errlen)
{
	sqlite3_stmt *s;
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	if (pos == 0) {
		rc = delete_one(st, sql_del_rules_but_default, policy_guid, err, errlen);
		return auto_end(st, own, rc, err, errlen);
	}
	for (int k = 0; !rc && k < 2; k++) {
		s = prep(st, k ? sql_shift_rules : sql_del_rule_at, err, errlen);
		if (!s) {
			rc = -EIO;
			break;
		}
		bind_guid(s, 1, policy_guid);
		sqlite3_bind_int64(s, 2, pos);
		rc = step_done(st, s, err, errlen, "delete rule");
	}
	return auto_end(st, own, rc, err, errlen);
}

static const char sql_del_pol[] = "DELETE FROM policies WHERE guid=?1";
static const char sql_del_fl[] = "DELETE FROM filterlists WHERE guid=?1";
static const char sql_del_fa[] = "DELETE FROM filteractions WHERE guid=?1";
static const char sql_del_default_fa[] =
	"DELETE FROM filteractions WHERE type=1 AND guid IN "
	"(SELECT filteraction_guid FROM rules WHERE policy_guid=?1 AND pos=0)";

static int delete_one(struct ns_store *st, const char *sql, const char *guid, char *err,
		      size_t errlen)
{
	return exec_guid(st, sql, guid, "delete", err, errlen);
}

int ns_so_delete(struct ns_store *st, enum ns_obj kind, const char *guid, char *err,
		 size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	switch (kind) {
	case NS_OBJ_POLICY:
		rc = delete_one(st, sql_del_default_fa, guid, err, errlen);
		if (!rc)
			rc = delete_one(st, sql_del_pol, guid, err, errlen);
		break;
	case NS_OBJ_FILTERLIST:
		rc = delete_one(st, sql_del_fl, guid, err, errlen);
		break;
	case NS_OBJ_FILTERACTION:
		rc = delete_one(st, sql_del_fa, guid, err, errlen);
		break;
	}
	return auto_end(st, own, rc, err, errlen);
}

static const char sql_unassign[] =
	"UPDATE policies SET assigned=0 WHERE assigned<>0 AND guid<>?1";

int ns_so_unassign_others(struct ns_store *st, const char *keep_guid, char *err, size_t errlen)
{
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	rc = delete_one(st, sql_unassign, keep_guid ? keep_guid : "", err, errlen);
	return auto_end(st, own, rc, err, errlen);
}

/* ---- whole store ---------------------------------------------------- */

static int load(struct ns_store *st, struct ns_db *db, char *err, size_t errlen)
{
	char **g = NULL;
	size_t n = 0;
	int rc;

	rc = list_sql(st, sql_list[NS_OBJ_FILTERLIST], &g, &n, err, errlen);
	if (rc)
		return rc;
	db->filterlists = calloc(n ? n : 1, sizeof(*db->filterlists));
	if (!db->filterlists)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = get_filterlist(st, NULL, g[i], true, &db->filterlists[i], err, errlen);
		if (!rc)
			db->n_filterlists++;
	}
	ns_so_free_list(g, n);
	if (rc)
		return rc;

	rc = list_sql(st, sql_list_all_fa, &g, &n, err, errlen);
	if (rc)
		return rc;
	db->filteractions = calloc(n ? n : 1, sizeof(*db->filteractions));
	if (!db->filteractions)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = get_filteraction(st, NULL, g[i], &db->filteractions[i], err, errlen);
		if (!rc)
			db->n_filteractions++;
	}
	ns_so_free_list(g, n);
	if (rc)
		return rc;

	rc = list_sql(st, sql_list[NS_OBJ_POLICY], &g, &n, err, errlen);
	if (rc)
		return rc;
	db->policies = calloc(n ? n : 1, sizeof(*db->policies));
	if (!db->policies)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = get_policy(st, NULL, g[i], true, &db->policies[i], err, errlen);
		if (!rc)
			db->n_policies++;
	}
	ns_so_free_list(g, n);
	return rc;
}

int ns_store_load(struct ns_store *st, struct ns_db *db, char *err, size_t errlen)
{
	bool own;
	int rc;

	memset(db, 0, sizeof(*db));
	rc = read_begin(st, &own, err, errlen);
	if (rc)
		return rc;
	rc = load(st, db, err, errlen);
	read_end(st, own);
	if (rc)
		ns_db_free(db);
	return rc;
}

int ns_store_merge(struct ns_store *st, const struct ns_db *db, char *err, size_t errlen)
{
	const struct ns_policy *assigned = NULL;
	bool own;
	int rc = auto_begin(st, &own, err, errlen);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < db->n_filterlists; i++)
		rc = put_filterlist(st, &db->filterlists[i], true, err, errlen);
	for (size_t i = 0; !rc && i < db->n_filteractions; i++)
		rc = put_filteraction(st, &db->filteractions[i], err, errlen);
	for (size_t i = 0; !rc && i < db->n_policies; i++) {
		const struct ns_policy *p = &db->policies[i];

		/* Only one policy may stay assigned: the first imported one
		 * that says so wins over the store and over later ones. */
		if (p->assigned && !assigned) {
			assigned = p;
			rc = put_policy(st, p, true, err, errlen);
		} else if (p->assigned) {
			struct ns_policy copy = *p;

			copy.assigned = false;
			rc = put_policy(st, &copy, true, err, errlen);
		} else {
			rc = put_policy(st, p, true, err, errlen);
		}
	}
	if (!rc && assigned)
		rc = delete_one(st, sql_unassign, assigned->guid, err, errlen);
	return auto_end(st, own, rc, err, errlen);
}
