// SPDX-License-Identifier: GPL-2.0
/*
 * `dump`: the store as a netsh script.
 *
 * Every line is a whole command from the netsh root ("ipsec static add
 * ..."), so the script does not depend on the context it is run from and
 * any single line can be pasted on its own.  Objects come in dependency
 * order: filter lists with their filters, filter actions, then each policy
 * with its default response rule and its rules in ID order; the assignment
 * comes last so that a policy is never assigned half-built.
 *
 * GUIDs cannot be given to `add`, so a dump reproduces content, not GUIDs
 * (exportpolicy keeps them).  The netsh tokenizer has no escape for '"'
 * and a command is one line: a string holding '"' or a line break cannot be
 * written back exactly.  Such characters are replaced ('"' by '\'', line
 * breaks by a space; in a CA name '"' becomes \' which netsh turns back
 * into '"') and a "# warning:" comment says so above the command.
 */
#include "netsh/dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/format.h"
#include "netsh/dbindex.h"
#include "lib/errmsg.h"

struct dctx {
	FILE *out;
	const struct ns_db *db;
	struct ns_dbindex idx;
	/* The command being built, so a warning can precede it. */
	char *line;
	size_t len;
	FILE *l;
	bool oom;
};

static void begin(struct dctx *d, const char *cmd)
{
	d->line = NULL;
	d->len = 0;
	d->l = open_memstream(&d->line, &d->len);
	if (!d->l) {
		d->oom = true;
		return;
	}
	fprintf(d->l, "ipsec static %s", cmd);
}

static void finish(struct dctx *d)
{
	if (!d->l)
		return;
	if (fclose(d->l)) {
		d->oom = true;
	} else {
		fputs(d->line, d->out);
		fputc('\n', d->out);
	}
	free(d->line);
	d->l = NULL;
	d->line = NULL;
}

/* tag="value", with the characters a command line cannot carry replaced. */
static void arg_str(struct dctx *d, const char *tag, const char *v, bool rootca_quotes)
{
	bool lossy = false;

	if (!d->l)
		return;
	fprintf(d->l, " %s=\"", tag);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '"') {
			if (rootca_quotes) {
				fputs("\\'", d->l);
			} else {
				fputc('\'', d->l);
				lossy = true;
			}
		} else if (*p == '\n' || *p == '\r') {
			fputc(' ', d->l);
			lossy = true;
		} else {
			fputc(*p, d->l);
		}
	}
	fputc('"', d->l);
	if (lossy)
		fprintf(d->out,
			"# warning: the %s below had a '\"' or a line break that netsh "
			"cannot take back; it was replaced\n",
			tag);
}

static void arg(struct dctx *d, const char *tag, const char *v)
{
	if (d->l)
		fprintf(d->l, " %s=%s", tag, v);
}

static void arg_u(struct dctx *d, const char *tag, unsigned v)
{
	if (d->l)
		fprintf(d->l, " %s=%u", tag, v);
}

static void arg_endpoint(struct dctx *d, const char *atag, const char *mtag,
			 const struct ns_endpoint *e)
{
	char buf[NS_NAME_MAX + NS_FMT_SHORT];

	ns_fmt_endpoint_arg(buf, sizeof(buf), e);
	if (e->kind == NS_ADDR_DNS_NAME)
		arg_str(d, atag, buf, false);
	else
		arg(d, atag, buf);
	/* Me, Any and server types carry their own mask. */
	if (e->kind == NS_ADDR_IP || e->kind == NS_ADDR_DNS_NAME) {
		ns_fmt_mask(buf, sizeof(buf), e->mask);
		arg(d, mtag, buf);
	}
}

static void arg_qm(struct dctx *d, const struct ns_qm_method *m, size_t n)
{
	char *buf;
	size_t len = n * NS_FMT_SHORT + 1;

	if (!n)
		return;
	buf = malloc(len);
	if (!buf) {
		d->oom = true;
		return;
	}
	ns_fmt_qm_methods(buf, len, m, n);
	if (d->l)
		fprintf(d->l, " qmsecmethods=\"%s\"", buf);
	free(buf);
}

/* Authentication methods in their order of preference.  An empty list
 * (only an import can make one) cannot be typed: netsh refuses
 * kerberos=no alone and gives a rule without methods Kerberos. */
static void arg_auth(struct dctx *d, const struct ns_rule *r)
{
	if (!r->n_auth)
		fprintf(d->out, "# note: the rule below had no authentication method; netsh gives "
				"it Kerberos\n");
	for (size_t i = 0; i < r->n_auth; i++) {
		const struct ns_auth *a = &r->auth[i];
		char *v = NULL;

		switch (a->kind) {
		case NS_AUTH_KERBEROS:
			arg(d, "kerberos", "yes");
			break;
		case NS_AUTH_PSK:
			arg_str(d, "psk", a->value, false);
			break;
		case NS_AUTH_ROOTCA:
			if (asprintf(&v, "%s certmap:%s excludecaname:%s", a->value ? a->value : "",
				     ns_fmt_yesno(a->certmap),
				     ns_fmt_yesno(a->excludecaname)) < 0) {
				d->oom = true;
				break;
			}
			arg_str(d, "rootca", v, true);
			free(v);
			break;
		}
	}
}

static void dump_filterlists(struct dctx *d)
{
	char buf[NS_FMT_SHORT];

	for (size_t i = 0; i < d->db->n_filterlists; i++) {
		const struct ns_filterlist *fl = &d->db->filterlists[i];

		begin(d, "add filterlist");
		arg_str(d, "name", fl->name, false);
		if (fl->description && fl->description[0])
			arg_str(d, "description", fl->description, false);
		finish(d);
		for (size_t j = 0; j < fl->n_filters; j++) {
			const struct ns_filter *f = &fl->filters[j];

			begin(d, "add filter");
			arg_str(d, "filterlist", fl->name, false);
			arg_endpoint(d, "srcaddr", "srcmask", &f->src);
			arg_endpoint(d, "dstaddr", "dstmask", &f->dst);
			ns_fmt_protocol(buf, sizeof(buf), f->protocol);
			arg(d, "protocol", buf);
			if (f->protocol == NS_PROTO_TCP || f->protocol == NS_PROTO_UDP ||
			    f->srcport || f->dstport) {
				arg_u(d, "srcport", f->srcport);
				arg_u(d, "dstport", f->dstport);
			}
			arg(d, "mirrored", ns_fmt_yesno(f->mirrored));
			if (f->description && f->description[0])
				arg_str(d, "description", f->description, false);
			finish(d);
		}
	}
}

static void dump_filteractions(struct dctx *d)
{
	for (size_t i = 0; i < d->db->n_filteractions; i++) {
		const struct ns_filteraction *fa = &d->db->filteractions[i];

		if (fa->type != NS_FA_NORMAL)
			continue; /* made by add policy, written by set defaultrule */
		begin(d, "add filteraction");
		arg_str(d, "name", fa->name, false);
		if (fa->description && fa->description[0])
			arg_str(d, "description", fa->description, false);
		arg(d, "qmpfs", ns_fmt_yesno(fa->qmpfs));
		arg(d, "inpass", ns_fmt_yesno(fa->inpass));
		arg(d, "soft", ns_fmt_yesno(fa->soft));
		arg(d, "action", ns_fmt_action(fa->action));
		/* permit and block never use their methods, and netsh fills in
		 * defaults regardless: writing them would only warn. */
		if (fa->action == NS_ACTION_NEGOTIATE)
			arg_qm(d, fa->methods, fa->n_methods);
		finish(d);
	}
}

static void dump_policy(struct dctx *d, const struct ns_policy *p)
{
	const struct ns_filteraction *dfa =
		ns_dbindex_fa(&d->idx, p->default_rule.filteraction_guid);
	char *mm;
	size_t len = p->n_mm_methods * NS_FMT_SHORT + 1;

	begin(d, "add policy");
	arg_str(d, "name", p->name, false);
	if (p->description && p->description[0])
		arg_str(d, "description", p->description, false);
	arg(d, "mmpfs", ns_fmt_yesno(p->mmpfs));
	if (!p->mmpfs)
		arg_u(d, "qmpermm", p->qmpermm);
	arg_u(d, "mmlifetime", p->mmlifetime_min);
	arg(d, "activatedefaultrule", ns_fmt_yesno(p->default_rule.active));
	arg_u(d, "pollinginterval", p->pollinginterval_min);
	arg(d, "assign", "no");
	if (p->n_mm_methods) {
		mm = malloc(len);
		if (!mm) {
			d->oom = true;
		} else {
			ns_fmt_mm_methods(mm, len, p->mm_methods, p->n_mm_methods);
			if (d->l)
				fprintf(d->l, " mmsecmethods=\"%s\"", mm);
			free(mm);
		}
	}
	finish(d);

	begin(d, "set defaultrule");
	arg_str(d, "policy", p->name, false);
	if (dfa) {
		arg(d, "qmpfs", ns_fmt_yesno(dfa->qmpfs));
		arg_qm(d, dfa->methods, dfa->n_methods);
	}
	arg(d, "activate", ns_fmt_yesno(p->default_rule.active));
	arg_auth(d, &p->default_rule);
	finish(d);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct ns_rule *r = &p->rules[i];
		const struct ns_filterlist *fl = ns_dbindex_fl(&d->idx, r->filterlist_guid);
		const struct ns_filteraction *fa = ns_dbindex_fa(&d->idx, r->filteraction_guid);
		char ip[NS_FMT_SHORT];

		if (!fl || !fa) {
			fprintf(d->out,
				"# warning: rule %zu of policy \"%s\" refers to a missing filter "
				"%s; "
				"skipped\n",
				i + 1, p->name, fl ? "action" : "list");
			continue;
		}
		begin(d, "add rule");
		arg_str(d, "name", r->name, false);
		arg_str(d, "policy", p->name, false);
		arg_str(d, "filterlist", fl->name, false);
		arg_str(d, "filteraction", fa->name, false);
		if (r->tunnel_set) {
			if (r->tunnel_dnsname && r->tunnel_dnsname[0]) {
				arg_str(d, "tunnel", r->tunnel_dnsname, false);
			} else {
				ns_fmt_ipv4(ip, sizeof(ip), r->tunnel_addr);
				arg(d, "tunnel", ip);
			}
		}
		arg(d, "conntype", ns_fmt_conntype(r->conntype));
		arg(d, "activate", ns_fmt_yesno(r->active));
		if (r->description && r->description[0])
			arg_str(d, "description", r->description, false);
		arg_auth(d, r);
		finish(d);
	}
	if (p->gponame && p->gponame[0])
		fprintf(d->out,
			"# note: policy \"%s\" was linked to the Group Policy object \"%s\" "
			"(domain store only)\n",
			p->name, p->gponame);
}

int ns_dump(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err, size_t errlen)
{
	struct dctx d = {.out = out, .db = db};
	const struct ns_policy *assigned = ns_db_assigned_policy(db);
	const char *where = loc == NS_STORE_PERSISTENT ? "persistent"
			    : loc == NS_STORE_DOMAIN   ? "domain"
						       : "local";

	if (ns_dbindex_build(&d.idx, db)) {
		ns_errmsg(err, errlen, "dump: out of memory");
		return -ENOMEM;
	}
	fprintf(out, "# netsh ipsec static dump of the %s store.\n", where);
	fprintf(out, "# Recreates the store's content (not its GUIDs) when run with "
		     "`netsh -f FILE` on an empty store.\n");
	fprintf(out, "# It holds the pre-shared keys in clear text: keep it private.\n\n");
	begin(&d, "set store");
	arg(&d, "location", where);
	finish(&d);
	fputc('\n', out);
	dump_filterlists(&d);
	if (db->n_filterlists)
		fputc('\n', out);
	dump_filteractions(&d);
	for (size_t i = 0; i < db->n_policies; i++) {
		fputc('\n', out);
		dump_policy(&d, &db->policies[i]);
	}
	if (assigned) {
		fputc('\n', out);
		begin(&d, "set policy");
		arg_str(&d, "name", assigned->name, false);
		arg(&d, "assign", "yes");
		finish(&d);
	}
	ns_dbindex_free(&d.idx);
	if (d.oom) {
		ns_errmsg(err, errlen, "dump: out of memory");
		return -ENOMEM;
	}
	if (fflush(out) || ferror(out)) {
		ns_errmsg(err, errlen, "dump: write failed");
		return -EIO;
	}
	return 0;
}
