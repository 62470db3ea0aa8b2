// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts, the list of command tables, command look-up, help, and the
 * session (store, batch, context stack).
 */
#include "cmdtable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/store_objects.h"
#include "parse.h"

/*
 * Every command table.  To add one: one X(...) line here (see cmdtable.h).
 */
#define NS_CMD_GROUPS(X)                                                                           \
	X(ns_cmds_static_add)                                                                      \
	X(ns_cmds_static_set)                                                                      \
	X(ns_cmds_static_delete)                                                                   \
	X(ns_cmds_static_store)                                                                    \
	X(ns_cmds_static_show)                                                                     \
	X(ns_cmds_static_export)                                                                   \
	X(ns_cmds_dynamic)                                                                         \
	X(ns_cmds_dynamic_show)

#define X_DECL(g) extern const struct ns_cmd g[];
NS_CMD_GROUPS(X_DECL)
#undef X_DECL

#define X_LIST(g) g,
const struct ns_cmd *const ns_cmd_groups[] = {NS_CMD_GROUPS(X_LIST) NULL};
#undef X_LIST

struct ctx_info {
	const char *name; /* the word that enters it */
	enum ns_ctx parent;
	const char *prompt;
	const char *summary;
};

static const struct ctx_info contexts[NS_CTX_COUNT] = {
	[NS_CTX_NETSH] = {"", NS_CTX_NETSH, "netsh>", ""},
	[NS_CTX_IPSEC] = {"ipsec", NS_CTX_NETSH, "ipsec>", "Changes to the 'netsh ipsec' context."},
	[NS_CTX_STATIC] = {"static", NS_CTX_IPSEC, "ipsec static>",
			   "Changes to the 'netsh ipsec static' context (the policy store)."},
	[NS_CTX_DYNAMIC] = {"dynamic", NS_CTX_IPSEC, "ipsec dynamic>",
			    "Changes to the 'netsh ipsec dynamic' context (the running policy)."},
};

const char *ns_ctx_prompt(enum ns_ctx ctx)
{
	return contexts[ctx].prompt;
}

const char *ns_ctx_name(enum ns_ctx ctx)
{
	return contexts[ctx].name;
}

/* Words every context knows. */
enum builtin { B_NONE, B_HELP, B_UP, B_EXIT, B_PUSHD, B_POPD };
static const struct {
	const char *word;
	enum builtin b;
	const char *summary;
} builtins[] = {
	{"?", B_HELP, "Displays a list of commands."},
	{"help", B_HELP, "Displays a list of commands."},
	{"..", B_UP, "Goes up one context level."},
	{"exit", B_EXIT, "Exits the program."},
	{"quit", B_EXIT, "Exits the program."},
	{"bye", B_EXIT, "Exits the program."},
	{"pushd", B_PUSHD, "Saves the current context and runs the rest of the line."},
	{"popd", B_POPD, "Returns to the context saved by pushd."},
};

/* ---- session ------------------------------------------------------- */

int ns_session_init(struct ns_session *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->out = stdout;
	s->errf = stderr;
	s->loc = NS_STORE_LOCAL;
	if (dir) {
		s->dir = strdup(dir);
		if (!s->dir)
			return -ENOMEM;
	}
	return 0;
}

static int end_batch(struct ns_session *s, char *err, size_t errlen)
{
	int rc = 0;

	if (!s->batch)
		return 0;
	s->batch = false;
	if (s->st && ns_store_in_txn(s->st)) {
		if (s->batch_failed) {
			ns_store_rollback(s->st);
			snprintf(err, errlen,
				 "batch: a command in the batch failed; nothing was committed");
			rc = -ECANCELED;
		} else {
			rc = ns_store_commit(s->st, err, errlen);
		}
	} else if (s->batch_failed) {
		snprintf(err, errlen, "batch: a command in the batch failed; nothing was committed");
		rc = -ECANCELED;
	}
	s->batch_failed = false;
	return rc;
}

int ns_session_finish(struct ns_session *s)
{
	char err[512];
	int rc = end_batch(s, err, sizeof(err));

	if (rc) {
		fprintf(ns_err_start(s), "%s\n", err);
		s->n_errors++;
	}
	ns_store_close(s->st);
	s->st = NULL;
	free(s->dir);
	s->dir = NULL;
	return rc;
}

/* Batch control for `set batch` (cmd_static_store.c). */
int ns_session_batch(struct ns_session *s, bool enable, char *err, size_t errlen)
{
	if (enable) {
		s->batch = true;
		return 0;
	}
	return end_batch(s, err, errlen);
}

int ns_session_store(struct ns_session *s, struct ns_store **st, char *err, size_t errlen)
{
	int rc = 0;

	if (!s->st)
		rc = ns_store_open(s->dir, s->loc, &s->st, err, errlen);
	*st = s->st;
	return rc;
}

int ns_session_load(struct ns_session *s, struct ns_db *db, char *err, size_t errlen)
{
	struct ns_store *st;
	int rc = ns_session_store(s, &st, err, errlen);

	memset(db, 0, sizeof(*db));
	if (!rc)
		rc = ns_store_load(st, db, err, errlen);
	return rc;
}

int ns_session_set_location(struct ns_session *s, enum ns_store_location loc, char *err,
			    size_t errlen)
{
	if (loc == NS_STORE_DOMAIN) {
		snprintf(err, errlen, "the domain store (Active Directory) is not supported yet");
		return -EOPNOTSUPP;
	}
	if (s->batch && loc != s->loc) {
		snprintf(err, errlen, "cannot change the store while a batch is open; "
				      "run 'set batch mode=disable' first");
		return -EBUSY;
	}
	if (loc != s->loc) {
		ns_store_close(s->st);
		s->st = NULL;
		s->loc = loc;
	}
	return 0;
}

FILE *ns_err_start(struct ns_session *s)
{
	fprintf(s->errf, "netsh: %s%s", s->where, s->where[0] ? ": " : "");
	return s->errf;
}

void ns_warn(struct ns_session *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(ns_err_start(s), "warning: ");
	va_start(ap, fmt);
	vfprintf(s->errf, fmt, ap);
	va_end(ap);
	fputc('\n', s->errf);
}

/* ---- look-up -------------------------------------------------------- */

static bool prefix_of(const char *word, const char *typed)
{
	size_t n = strlen(typed);

	return n && strncasecmp(word, typed, n) == 0;
}

static bool is_ctx_ancestor(enum ns_ctx anc, enum ns_ctx c)
{
	for (;;) {
		if (c == anc)
			return true;
		if (c == NS_CTX_NETSH)
			return false;
		c = contexts[c].parent;
	}
}

static void print_ctx_help(struct ns_session *s, enum ns_ctx ctx, const char *const *words,
			   size_t nwords)
{
	FILE *o = s->out;
	char name[64];
	bool any_sub = false;

	fprintf(o, "\nThe following commands are available:\n\nCommands in this context:\n");
	if (nwords == 0) {
		for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			fprintf(o, "%-24s - %s\n", builtins[i].word, builtins[i].summary);
	}
	for (size_t g = 0; ns_cmd_groups[g]; g++) {
		for (const struct ns_cmd *c = ns_cmd_groups[g]; c->words[0]; c++) {
			bool match = c->ctx == ctx;

			for (size_t w = 0; match && w < nwords; w++)
				match = w < NS_CMD_MAX_WORDS && c->words[w] &&
					strcmp(c->words[w], words[w]) == 0;
			if (!match)
				continue;
			ns_cmd_name(c, name, sizeof(name));
			fprintf(o, "%-24s - %s\n", name, c->summary ? c->summary : "");
		}
	}
	if (nwords == 0) {
		for (int c = 0; c < NS_CTX_COUNT; c++) {
			if (c == NS_CTX_NETSH || contexts[c].parent != ctx)
				continue;
			fprintf(o, "%-24s - %s\n", contexts[c].name, contexts[c].summary);
			any_sub = true;
		}
		if (any_sub) {
			fprintf(o, "\nThe following sub-contexts are available:\n");
			for (int c = 0; c < NS_CTX_COUNT; c++)
				if (c != NS_CTX_NETSH && contexts[c].parent == ctx)
					fprintf(o, " %s", contexts[c].name);
			fprintf(o, "\n");
		}
	}
	fprintf(o, "\nTo view help for a command, type the command, followed by a space, and "
		   "then type ?.\n\n");
}

/* Distinct words valid at position pos after words[0..pos) in ctx. */
static size_t candidates(enum ns_ctx ctx, const char *const *words, size_t pos, const char **out,
			 size_t max)
{
	size_t n = 0;

	for (size_t g = 0; ns_cmd_groups[g]; g++) {
		for (const struct ns_cmd *c = ns_cmd_groups[g]; c->words[0]; c++) {
			bool match = c->ctx == ctx && pos < NS_CMD_MAX_WORDS && c->words[pos];
			bool dup = false;

			for (size_t w = 0; match && w < pos; w++)
				match = c->words[w] && strcmp(c->words[w], words[w]) == 0;
			if (!match)
				continue;
			for (size_t k = 0; k < n; k++)
				dup = dup || strcmp(out[k], c->words[pos]) == 0;
			if (!dup && n < max)
				out[n++] = c->words[pos];
		}
	}
	return n;
}

/* How many of the nc candidate words the typed word names: 1 with *hit set
 * for an exact (case-insensitive) match, else the number of words it is a
 * prefix of, *hit the last of them. */
static size_t match_word(const char *const *cand, size_t nc, const char *typed, const char **hit)
{
	size_t nhit = 0;

	for (size_t k = 0; k < nc; k++) {
		if (strcasecmp(cand[k], typed) == 0) {
			*hit = cand[k];
			return 1;
		}
		if (prefix_of(cand[k], typed)) {
			*hit = cand[k];
			nhit++;
		}
	}
	return nhit;
}

static const struct ns_cmd *exact_cmd(enum ns_ctx ctx, const char *const *words, size_t nwords)
{
	for (size_t g = 0; ns_cmd_groups[g]; g++) {
		for (const struct ns_cmd *c = ns_cmd_groups[g]; c->words[0]; c++) {
			bool match = c->ctx == ctx;

			for (size_t w = 0; match && w < NS_CMD_MAX_WORDS; w++) {
				if (w < nwords)
					match = c->words[w] && strcmp(c->words[w], words[w]) == 0;
				else
					match = !c->words[w];
			}
			if (match)
				return c;
		}
	}
	return NULL;
}

static void join(char *buf, size_t len, const char *const *v, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? ", " : "",
					v[i]);
}

static int run_cmd(struct ns_session *s, const struct ns_cmd *cmd, const struct ns_tok *toks,
		   size_t n)
{
	struct ns_args a = {0};
	struct ns_store *st = NULL;
	char err[1024] = "";
	int rc;

	if (n == 1 && toks[0].eq < 0 &&
	    (strcmp(toks[0].s, "?") == 0 || strcasecmp(toks[0].s, "help") == 0)) {
		ns_print_usage(s->out, cmd);
		return 0;
	}
	rc = ns_parse_args(s, cmd, toks, n, &a, err, sizeof(err));
	if (rc)
		goto out;
	if (cmd->flags & NS_CMD_WRITE) {
		rc = ns_session_store(s, &st, err, sizeof(err));
		if (!rc && !ns_store_in_txn(st))
			rc = ns_store_begin(st, err, sizeof(err));
		if (!rc) {
			rc = cmd->run(s, &a, err, sizeof(err));
			if (s->batch) {
				if (rc)
					s->batch_failed = true;
			} else if (rc) {
				ns_store_rollback(st);
			} else {
				rc = ns_store_commit(st, err, sizeof(err));
			}
		}
	} else {
		rc = cmd->run(s, &a, err, sizeof(err));
	}
out:
	ns_args_free(&a);
	if (rc) {
		fprintf(ns_err_start(s), "%s\n", err[0] ? err : strerror(-rc));
		return -1;
	}
	return 0;
}

static int unknown(struct ns_session *s, enum ns_ctx ctx, const char *typed,
		   const char *const *words, size_t pos)
{
	const char *cand[64];
	size_t n = candidates(ctx, words, pos, cand, 64);
	char list[1024];
	size_t off = 0;

	if (pos == 0) {
		for (int c = 0; c < NS_CTX_COUNT && n < 64; c++)
			if (c != NS_CTX_NETSH && contexts[c].parent == ctx)
				cand[n++] = contexts[c].name;
	}
	join(list, sizeof(list), cand, n);
	off = strlen(list);
	if (pos == 0)
		snprintf(list + off, sizeof(list) - off, "%shelp, ?, .., exit", n ? ", " : "");
	if (typed)
		fprintf(ns_err_start(s), "'%s' is not a valid command here (%s); use %s\n", typed,
			ns_ctx_prompt(ctx), list);
	else
		fprintf(ns_err_start(s), "incomplete command; continue with %s\n", list);
	return -1;
}

static int exec_toks(struct ns_session *s, struct ns_tok *toks, size_t n, int depth)
{
	enum ns_ctx ctx = s->ctx;
	size_t i = 0;

	if (n == 0 || depth > 4)
		return 0;
	/* Built-ins are only the first word. */
	if (toks[0].eq < 0) {
		for (size_t b = 0; b < sizeof(builtins) / sizeof(builtins[0]); b++) {
			if (strcasecmp(toks[0].s, builtins[b].word) != 0)
				continue;
			switch (builtins[b].b) {
			case B_HELP:
				print_ctx_help(s, ctx, NULL, 0);
				return 0;
			case B_UP:
				if (s->ctx != NS_CTX_NETSH)
					s->ctx = contexts[s->ctx].parent;
				return n > 1 ? exec_toks(s, toks + 1, n - 1, depth + 1) : 0;
			case B_EXIT:
				s->quit = true;
				return 0;
			case B_PUSHD:
				if (s->depth == sizeof(s->stack) / sizeof(s->stack[0])) {
					fprintf(ns_err_start(s), "pushd: too many saved contexts\n");
					return -1;
				}
				s->stack[s->depth++] = s->ctx;
				return n > 1 ? exec_toks(s, toks + 1, n - 1, depth + 1) : 0;
			case B_POPD:
				if (s->depth == 0) {
					fprintf(ns_err_start(s), "popd: no context was saved by pushd\n");
					return -1;
				}
				s->ctx = s->stack[--s->depth];
				return 0;
			case B_NONE:
				break;
			}
		}
	}
	/* Context words: "ipsec", "static", ... from here or an ancestor. */
	while (i < n && toks[i].eq < 0) {
		int found = -1, nfound = 0;

		for (int c = 0; c < NS_CTX_COUNT; c++) {
			if (c == NS_CTX_NETSH || !is_ctx_ancestor(contexts[c].parent, ctx))
				continue;
			/* Only children of ctx, or of ctx's ancestors. */
			if (strcasecmp(contexts[c].name, toks[i].s) == 0) {
				found = c;
				nfound = 1;
				break;
			}
		}
		if (found < 0) {
			for (int c = 0; c < NS_CTX_COUNT; c++) {
				if (c == NS_CTX_NETSH || contexts[c].parent != ctx)
					continue;
				if (prefix_of(contexts[c].name, toks[i].s)) {
					/* A command word with the same prefix makes it
					 * ambiguous; commands win only when exact. */
					found = c;
					nfound++;
				}
			}
			if (nfound == 1) {
				const char *cand[64];
				size_t nc = candidates(ctx, NULL, 0, cand, 64);

				for (size_t k = 0; k < nc; k++)
					if (prefix_of(cand[k], toks[i].s))
						nfound++;
			}
		}
		if (nfound != 1)
			break;
		ctx = (enum ns_ctx)found;
		i++;
	}
	if (i == n) {
		s->ctx = ctx;
		return 0;
	}
	if (toks[i].eq < 0 && (strcmp(toks[i].s, "?") == 0 || strcasecmp(toks[i].s, "help") == 0)) {
		print_ctx_help(s, ctx, NULL, 0);
		return 0;
	}

	/* Fast path: every command word typed in full, as scripts and dumps do;
	 * the longest such command wins, as below. */
	const struct ns_cmd *fast = NULL;
	size_t fastn = 0;

	for (size_t g = 0; ns_cmd_groups[g]; g++) {
		for (const struct ns_cmd *c = ns_cmd_groups[g]; c->words[0]; c++) {
			size_t k = 0;

			if (c->ctx != ctx)
				continue;
			while (k < NS_CMD_MAX_WORDS && c->words[k] && i + k < n &&
			       toks[i + k].eq < 0 && strcasecmp(c->words[k], toks[i + k].s) == 0)
				k++;
			if (k && (k == NS_CMD_MAX_WORDS || !c->words[k]) && k > fastn) {
				fast = c;
				fastn = k;
			}
		}
	}
	if (fast)
		return run_cmd(s, fast, toks + i + fastn, n - i - fastn);

	/* Command words. */
	const char *words[NS_CMD_MAX_WORDS] = {NULL};
	size_t nw = 0;

	while (i < n && nw < NS_CMD_MAX_WORDS) {
		const char *cand[64], *hit = NULL;
		size_t nc, nhit;

		if (toks[i].eq >= 0)
			break;
		nc = candidates(ctx, words, nw, cand, 64);
		if (nc == 0)
			break;
		nhit = match_word(cand, nc, toks[i].s, &hit);
		if (nhit == 0) {
			if (nw > 0 && exact_cmd(ctx, words, nw))
				break; /* a value of a shorter command */
			if (strcmp(toks[i].s, "?") == 0 || strcasecmp(toks[i].s, "help") == 0) {
				print_ctx_help(s, ctx, words, nw);
				return 0;
			}
			return unknown(s, ctx, toks[i].s, words, nw);
		}
		if (nhit > 1) {
			char list[512] = "";
			size_t off = 0;

			for (size_t k = 0; k < nc; k++)
				if (prefix_of(cand[k], toks[i].s))
					off += (size_t)snprintf(list + off,
								off < sizeof(list) ? sizeof(list) - off
										   : 0,
								"%s%s", off ? ", " : "", cand[k]);
			fprintf(ns_err_start(s), "'%s' is ambiguous; it could be %s\n", toks[i].s,
				list);
			return -1;
		}
		words[nw++] = hit;
		i++;
	}
	const struct ns_cmd *cmd = exact_cmd(ctx, words, nw);

	if (!cmd) {
		if (nw == 0)
			return unknown(s, ctx, toks[i].s, words, 0);
		if (i < n && (strcmp(toks[i].s, "?") == 0 || strcasecmp(toks[i].s, "help") == 0)) {
			print_ctx_help(s, ctx, words, nw);
			return 0;
		}
		return unknown(s, ctx, NULL, words, nw);
	}
	return run_cmd(s, cmd, toks + i, n - i);
}

/* A failed command counts for the exit status and, inside a batch, makes
 * the batch roll back. */
static void count_failure(struct ns_session *s)
{
	s->n_errors++;
	if (s->batch)
		s->batch_failed = true;
}

int ns_exec_tokens(struct ns_session *s, char **argv, size_t n)
{
	struct ns_tok *toks;
	int rc;

	if (ns_tokens_from_argv(argv, n, &toks) < 0) {
		fprintf(ns_err_start(s), "out of memory\n");
		s->n_errors++;
		return -1;
	}
	rc = exec_toks(s, toks, n, 0);
	ns_tokens_free(toks, n);
	if (rc)
		count_failure(s);
	return rc;
}

int ns_exec_line(struct ns_session *s, const char *line)
{
	struct ns_tok *toks;
	size_t n;
	char err[512];
	int rc;

	if (ns_tokenize(line, &toks, &n, err, sizeof(err)) < 0) {
		fprintf(ns_err_start(s), "%s\n", err);
		count_failure(s);
		return -1;
	}
	rc = exec_toks(s, toks, n, 0);
	ns_tokens_free(toks, n);
	if (rc)
		count_failure(s);
	return rc;
}

/* ---- completion ------------------------------------------------------ */

static int add_match(char ***v, size_t *n, const char *word, const char *suffix, const char *text)
{
	char **nv;

	if (strncasecmp(word, text, strlen(text)) != 0)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strncmp((*v)[i], word, strlen(word)) == 0)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (asprintf(&nv[*n], "%s%s", word, suffix) < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int ns_complete(const struct ns_session *s, const char *line, const char *text, char ***out,
		size_t *n)
{
	const char *words[NS_CMD_MAX_WORDS] = {NULL};
	enum ns_ctx ctx = s->ctx;
	struct ns_tok *toks;
	size_t nt, i = 0, nw = 0;
	char err[256];
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (ns_tokenize(line, &toks, &nt, err, sizeof(err)) < 0)
		return 0;
	/* Context words, then command words, as exec_toks reads them. */
	for (; i < nt && toks[i].eq < 0; i++) {
		int found = -1, nfound = 0;

		for (int c = 0; c < NS_CTX_COUNT; c++)
			if (c != NS_CTX_NETSH && contexts[c].parent == ctx &&
			    prefix_of(contexts[c].name, toks[i].s)) {
				found = c;
				nfound++;
			}
		if (nfound != 1)
			break;
		ctx = (enum ns_ctx)found;
	}
	for (; i < nt && toks[i].eq < 0 && nw < NS_CMD_MAX_WORDS; i++) {
		const char *cand[64], *hit = NULL;
		size_t nc = candidates(ctx, words, nw, cand, 64), nhit;

		nhit = match_word(cand, nc, toks[i].s, &hit);
		if (nhit != 1)
			break;
		words[nw++] = hit;
	}
	const struct ns_cmd *cmd = nw ? exact_cmd(ctx, words, nw) : NULL;

	if (cmd) {
		for (size_t p = 0; !rc && cmd->params && cmd->params[p].tag; p++)
			rc = add_match(out, n, cmd->params[p].tag, "=", text);
	} else if (i == nt) {
		const char *cand[64];
		size_t nc = candidates(ctx, words, nw, cand, 64);

		for (size_t k = 0; !rc && k < nc; k++)
			rc = add_match(out, n, cand[k], " ", text);
		for (int c = 0; !rc && nw == 0 && c < NS_CTX_COUNT; c++)
			if (c != NS_CTX_NETSH && contexts[c].parent == ctx)
				rc = add_match(out, n, contexts[c].name, " ", text);
	}
	ns_tokens_free(toks, nt);
	return rc;
}
