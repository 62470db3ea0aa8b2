// SPDX-License-Identifier: GPL-2.0
/*
 * ipsec static dump | exportpolicy | importpolicy | restorepolicyexamples.
 *
 * importpolicy and restorepolicyexamples write through ns_store_merge in
 * the command's one transaction (NS_CMD_WRITE): either every object lands
 * or none does.  Both refuse to create a second object with the name of an
 * existing one under another GUID, since every command finds objects by
 * name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "dump.h"
#include "examples.h"
#include "export.h"
#include "dbindex.h"
#include "lib/guid.h"
#include "winreg/winreg.h"

#define IMPORT_MAX (256u << 20) /* far above any real store */

/* ------------------------------------------------------------------ */
/* dump */

static int dump(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	struct ns_db db;
	int rc = ns_session_load(s, &db, err, errlen);

	if (!rc)
		rc = ns_dump(s->out, &db, s->loc, err, errlen);
	ns_db_free(&db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* exportpolicy */

static const char *const export_formats[] = {"ipsec", "reg", "regedit4", NULL};

static const struct ns_param export_params[] = {
	{.tag = "file",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .help = "File to write; .ipsec (or .reg) is added when the name has no extension."},
	{.tag = "format",
	 .type = NS_PT_ENUM,
	 .choices = export_formats,
	 .defval = "ipsec",
	 .help = "ipsec: our own text format; reg: a Windows registry export (.reg,\n"
		 "UTF-16LE as reg export writes it); regedit4: the same as REGEDIT4 text."},
	{0},
};

/* path, plus ext when its last component has no '.'. */
static char *with_extension(const char *path, const char *ext)
{
	const char *base = strrchr(path, '/');
	char *out;

	base = base ? base + 1 : path;
	if (strchr(base, '.'))
		return strdup(path);
	if (asprintf(&out, "%s%s", path, ext) < 0)
		return NULL;
	return out;
}

/* Writes to a temporary file beside path and renames it over path, so a
 * failed export never leaves half a file; 0600 because PSKs are in it. */
static int write_file(const char *path, bool reg, const struct ns_winreg_write_opts *wo,
		      const struct ns_db *db, enum ns_store_location loc, char *err, size_t errlen)
{
	char *tmp = NULL;
	FILE *f;
	int fd, rc;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		ns_err(err, errlen, rc, "exportpolicy: cannot create %s: %s", path, strerror(-rc));
		free(tmp);
		return rc;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	rc = reg ? ns_winreg_write_opts(f, db, loc, wo, err, errlen)
		 : ns_export_write(f, db, err, errlen);
	if (!rc && (fflush(f) || fsync(fileno(f))))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (!rc) {
		free(tmp);
		return 0;
	}
fail:
	unlink(tmp);
	free(tmp);
	if (err && errlen && !err[0])
		ns_err(err, errlen, rc, "exportpolicy: cannot write %s: %s", path, strerror(-rc));
	return rc;
}

/* Fuzzing and test sessions never touch files: a random file= could name
 * anything the process may write. */
static int files_allowed(const struct ns_session *s, const char *cmd, char *err, size_t errlen)
{
	if (s->flags & (NS_NO_FILES | NS_RESOLVE_NONE))
		return ns_err(err, errlen, -EPERM, "%s: file access is disabled in this session",
			      cmd);
	return 0;
}

static int exportpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const struct ns_arg *fmt = ns_arg_get(a, "format");
	bool reg = fmt && fmt->u >= 1;
	char *path = with_extension(ns_arg_get(a, "file")->s, reg ? ".reg" : ".ipsec");
	struct ns_winreg_report rep = {0};
	struct ns_winreg_write_opts wo = {.regedit4 = fmt && fmt->u == 2, .rep = &rep};
	struct ns_db db;
	int rc = files_allowed(s, "exportpolicy", err, errlen);

	if (rc) {
		free(path);
		return rc;
	}
	if (!path)
		return -ENOMEM;
	if (!ns_arg_get(a, "file")->s[0]) {
		free(path);
		return ns_err(err, errlen, -EINVAL, "file: a file name is required");
	}
	err[0] = '\0';
	rc = ns_session_load(s, &db, err, errlen);
	if (!rc)
		rc = write_file(path, reg, &wo, &db, s->loc, err, errlen);
	/* What Windows will read differently (algorithms it lacks). */
	for (size_t i = 0; !rc && i < rep.n; i++)
		ns_warn(s, "%s", rep.lines[i]);
	ns_winreg_report_free(&rep);
	if (!rc)
		fprintf(s->out,
			"Exported %zu policies, %zu filter lists and %zu filter actions to %s.\n",
			db.n_policies, db.n_filterlists, db.n_filteractions, path);
	ns_db_free(&db);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Merging into the store */

/* A name already used in the store by an object with another GUID. */
static int name_clash(const struct ns_dbindex *cur, const struct ns_db *in, const char *what,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < in->n_policies; i++) {
		const struct ns_policy *n = &in->policies[i];
		const struct ns_policy *o = n->name[0] ? ns_dbindex_pol_name(cur, n->name) : NULL;

		if (o && !ns_guid_eq(o->guid, n->guid))
			return ns_err(err, errlen, -EEXIST,
				      "%s: the store already has a policy named \"%s\" (GUID %s, "
				      "not %s); rename or delete it first",
				      what, n->name, o->guid, n->guid);
	}
	for (size_t i = 0; i < in->n_filterlists; i++) {
		const struct ns_filterlist *n = &in->filterlists[i];
		const struct ns_filterlist *o =
			n->name[0] ? ns_dbindex_fl_name(cur, n->name) : NULL;

		if (o && !ns_guid_eq(o->guid, n->guid))
			return ns_err(
				err, errlen, -EEXIST,
				"%s: the store already has a filter list named \"%s\" (GUID %s, "
				"not %s); rename or delete it first",
				what, n->name, o->guid, n->guid);
	}
	for (size_t i = 0; i < in->n_filteractions; i++) {
		const struct ns_filteraction *n = &in->filteractions[i];
		const struct ns_filteraction *o;

		if (n->type != NS_FA_NORMAL || !n->name[0])
			continue;
		o = ns_dbindex_fa_name(cur, n->name);
		if (o && !ns_guid_eq(o->guid, n->guid))
			return ns_err(
				err, errlen, -EEXIST,
				"%s: the store already has a filter action named \"%s\" (GUID "
				"%s, not %s); rename or delete it first",
				what, n->name, o->guid, n->guid);
	}
	return 0;
}

/* name_clash() against the current store. */
static int clash_with_store(struct ns_session *s, const struct ns_db *in, const char *what,
			    char *err, size_t errlen)
{
	struct ns_db cur;
	struct ns_dbindex x;
	int rc = ns_store_load(ns_cmd_store(s), &cur, err, errlen);

	if (rc)
		return rc;
	rc = ns_dbindex_build(&x, &cur);
	if (!rc)
		rc = name_clash(&x, in, what, err, errlen);
	ns_dbindex_free(&x);
	ns_db_free(&cur);
	return rc;
}

static int merge(struct ns_session *s, const struct ns_db *in, const char *what, char *err,
		 size_t errlen)
{
	int rc = clash_with_store(s, in, what, err, errlen);

	if (!rc)
		rc = ns_store_merge(ns_cmd_store(s), in, err, errlen);
	return rc;
}

/* ------------------------------------------------------------------ */
/* importpolicy */

static const struct ns_param import_params[] = {
	{.tag = "file",
	 .type = NS_PT_STRING,
	 .flags = NS_P_REQ,
	 .help = "A file from exportpolicy, or a Windows registry export (.reg)."},
	{.tag = "check",
	 .type = NS_PT_BOOL,
	 .defval = "no",
	 .help = "yes: only report what would be imported and every warning; change nothing."},
	{0},
};

/* importpolicy check=yes: what the file holds. */
static void print_check(struct ns_session *s, const struct ns_db *in)
{
	for (size_t i = 0; i < in->n_policies; i++) {
		const struct ns_policy *p = &in->policies[i];

		fprintf(s->out, "Policy        %s \"%s\": %zu rules + default response rule%s\n",
			p->guid, p->name, p->n_rules, p->assigned ? ", assigned" : "");
	}
	for (size_t i = 0; i < in->n_filterlists; i++)
		fprintf(s->out, "Filter list   %s \"%s\": %zu filters\n", in->filterlists[i].guid,
			in->filterlists[i].name, in->filterlists[i].n_filters);
	for (size_t i = 0; i < in->n_filteractions; i++) {
		const struct ns_filteraction *fa = &in->filteractions[i];
		static const char *const act[] = {"permit", "block", "negotiate"};

		if (fa->type != NS_FA_NORMAL)
			continue;
		fprintf(s->out, "Filter action %s \"%s\": %s, %zu security methods\n", fa->guid,
			fa->name, (unsigned)fa->action < 3 ? act[fa->action] : "?", fa->n_methods);
	}
}

static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!f)
		return ns_err(err, errlen, -errno, "importpolicy: cannot open %s: %s", path,
			      strerror(errno));
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb;

			if (cap >= IMPORT_MAX) {
				rc = ns_err(err, errlen, -EFBIG,
					    "importpolicy: %s is larger than %u MiB", path,
					    IMPORT_MAX >> 20);
				break;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = ns_err(err, errlen, -EIO, "importpolicy: cannot read %s",
					    path);
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(b);
		return rc;
	}
	if (!b && !(b = malloc(1)))
		return -ENOMEM;
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int importpolicy(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	const char *path = ns_arg_get(a, "file")->s;
	const struct ns_arg *chk = ns_arg_get(a, "check");
	bool check = chk && chk->b;
	struct ns_db in = {0};
	char *buf = NULL;
	size_t len = 0;
	int rc = files_allowed(s, "importpolicy", err, errlen);

	if (!rc)
		rc = read_file(path, &buf, &len, err, errlen);
	if (rc)
		return rc;
	if (ns_export_detect(buf, len)) {
		rc = ns_export_read(buf, len, &in, err, errlen);
	} else if (ns_winreg_detect((const uint8_t *)buf, len)) {
		struct ns_winreg_report rep = {0};

		rc = ns_winreg_read((const uint8_t *)buf, len, &in, &rep, err, errlen);
		for (size_t i = 0; i < rep.n; i++) {
			if (check)
				fprintf(s->out, "Warning: %s\n", rep.lines[i]);
			else
				ns_warn(s, "%s", rep.lines[i]);
		}
		ns_winreg_report_free(&rep);
	} else {
		rc = ns_err(err, errlen, -EINVAL,
			    "importpolicy: %s is neither a netsh-ipsec export nor a Windows "
			    "registry export",
			    path);
	}
	free(buf);
	if (!rc && check) {
		print_check(s, &in);
		/* The store is only read: the command's transaction commits nothing. */
		rc = clash_with_store(s, &in, "importpolicy", err, errlen);
		if (!rc)
			fprintf(s->out,
				"Check only: %zu policies, %zu filter lists and %zu filter "
				"actions would be imported; nothing was changed.\n",
				in.n_policies, in.n_filterlists, in.n_filteractions);
		ns_db_free(&in);
		return rc;
	}
	if (!rc)
		rc = merge(s, &in, "importpolicy", err, errlen);
	if (!rc)
		fprintf(s->out, "Imported %zu policies, %zu filter lists and %zu filter actions.\n",
			in.n_policies, in.n_filterlists, in.n_filteractions);
	ns_db_free(&in);
	return rc;
}

/* ------------------------------------------------------------------ */
/* restorepolicyexamples */

static const char *const releases[] = {"win2k", "win2003", NULL};

static const struct ns_param restore_params[] = {
	{.tag = "release",
	 .type = NS_PT_ENUM,
	 .flags = NS_P_REQ,
	 .choices = releases,
	 .help = "win2K or Win2003: whose example policies to restore."},
	{0},
};

static void stamp_rule(struct ns_rule *r, int64_t now)
{
	r->whenchanged = now;
}

static int restore(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen)
{
	enum ns_examples_release rel =
		ns_arg_get(a, "release")->u == 0 ? NS_EXAMPLES_WIN2K : NS_EXAMPLES_WIN2003;
	struct ns_store *st = ns_cmd_store(s);
	int64_t now = ns_now();
	struct ns_db ex, cur;
	int rc = ns_examples_build(&ex, rel, err, errlen);

	if (rc)
		return rc;
	rc = ns_store_load(st, &cur, err, errlen);
	if (rc) {
		ns_db_free(&ex);
		return rc;
	}
	for (size_t i = 0; i < ex.n_filterlists; i++)
		ex.filterlists[i].whenchanged = now;
	for (size_t i = 0; i < ex.n_filteractions; i++)
		ex.filteractions[i].whenchanged = now;
	for (size_t i = 0; i < ex.n_policies; i++) {
		struct ns_policy *p = &ex.policies[i];
		const struct ns_policy *old = ns_db_policy_by_guid(&cur, p->guid);

		/* Which policy is assigned is the store's state, not part of
		 * the example: keep it. */
		p->assigned = old && old->assigned;
		p->whenchanged = now;
		stamp_rule(&p->default_rule, now);
		for (size_t j = 0; j < p->n_rules; j++)
			stamp_rule(&p->rules[j], now);
	}
	ns_db_free(&cur);
	rc = merge(s, &ex, "restorepolicyexamples", err, errlen);
	if (!rc) {
		fprintf(s->out,
			"Restored the %s example policies: %zu policies, %zu filter lists, "
			"%zu filter actions.\n",
			rel == NS_EXAMPLES_WIN2K ? "Windows 2000" : "Windows Server 2003",
			ex.n_policies, ex.n_filterlists, ex.n_filteractions - ex.n_policies);
		if (rel == NS_EXAMPLES_WIN2K)
			fprintf(s->out,
				"Windows 2000 also exempted Kerberos, RSVP, broadcast and "
				"multicast "
				"traffic from filtering; here that is the service-wide setting\n"
				"  netsh ipsec dynamic set config property=ipsecexempt value=0\n");
	}
	ns_db_free(&ex);
	return rc;
}

const struct ns_cmd ns_cmds_static_export[] = {
	{.ctx = NS_CTX_STATIC,
	 .words = {"dump"},
	 .run = dump,
	 .summary = "Prints a netsh script that recreates the store (pre-shared keys included).",
	 .help = "  Run it with netsh -f FILE on an empty store.  It recreates content, not\n"
		 "  GUIDs; use exportpolicy to keep those."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"exportpolicy"},
	 .params = export_params,
	 .run = exportpolicy,
	 .summary = "Writes every policy, filter list and filter action to a file.",
	 .help = "  The file keeps GUIDs and pre-shared keys; it is created with mode 0600."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"importpolicy"},
	 .params = import_params,
	 .run = importpolicy,
	 .flags = NS_CMD_WRITE,
	 .summary = "Reads a file from exportpolicy (or a .reg export) into the store.",
	 .help = "  Objects with the GUID of a stored object replace it; all or nothing."},
	{.ctx = NS_CTX_STATIC,
	 .words = {"restorepolicyexamples"},
	 .params = restore_params,
	 .run = restore,
	 .flags = NS_CMD_WRITE,
	 .summary = "Restores the example policies, filter lists and filter actions.",
	 .help = "  The examples keep fixed GUIDs, so renamed or changed originals are\n"
		 "  overwritten; running it twice changes nothing more."},
	{0},
};
