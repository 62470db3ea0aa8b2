/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netsh command language, declared as data.
 *
 * Every command is one struct ns_cmd: the context it lives in, its words
 * ("add", "filter"), its parameters (tag, type, required or not, choices,
 * range, default text, help) and a handler.  Tokenising, abbreviation
 * matching, omitted tags, `help`/`?`, usage text and argument errors are
 * all derived from that one declaration (parse.c, cmdtable.c); a handler
 * receives arguments that are already parsed and checked one by one and
 * only does the cross-parameter checks and the work.
 *
 * How to add commands
 *  1. In your own file define a table ending with an all-zero entry:
 *
 *	static const struct ns_param show_store_params[] = {
 *		{ .tag = "level", .type = NS_PT_ENUM, .choices = ns_levels, ... },
 *		{ 0 }
 *	};
 *	const struct ns_cmd ns_cmds_static_show[] = {
 *		{ .ctx = NS_CTX_STATIC, .words = { "show", "store" },
 *		  .params = show_store_params, .run = show_store,
 *		  .summary = "Shows the current policy store." },
 *		{ 0 }
 *	};
 *
 *  2. Add ONE line `X(ns_cmds_static_show)` to NS_CMD_GROUPS in cmdtable.c.
 *  3. echo 'libcli-y += userspace/netsh/<file>.o' >> userspace/netsh/Kbuild
 *
 * Handlers that change the store set NS_CMD_WRITE: the framework then opens
 * the store, runs the handler inside a write transaction (or the open batch)
 * and commits, or rolls back when the handler returns an error.  Handlers
 * that only read call ns_session_load() (or ns_session_store()) themselves.
 * A handler returns 0 or a negative errno with a one-line reason in err
 * (without the "netsh: " prefix); the framework prints it.  Warnings go
 * through ns_warn(); normal output to s->out.
 */
#ifndef NETSH_IPSEC_CMDTABLE_H
#define NETSH_IPSEC_CMDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/model.h"
#include "lib/store.h"

/* Contexts, each with its prompt; NS_CTX_NETSH is the root. */
enum ns_ctx {
	NS_CTX_NETSH = 0,
	NS_CTX_IPSEC,
	NS_CTX_STATIC,
	NS_CTX_DYNAMIC,
	NS_CTX_COUNT,
};

/* How the framework checks and converts one value (lib/values.h). */
enum ns_ptype {
	NS_PT_STRING = 0, /* any text, case kept; s */
	NS_PT_NAME,       /* object name: not empty, not "all" (see NS_P_ALL); s */
	NS_PT_BOOL,       /* yes|no; b */
	NS_PT_ENUM,       /* one of .choices, any case; u = index */
	NS_PT_UINT,       /* decimal in [.min, .max]; u */
	NS_PT_ADDR,       /* Me|Any|IPv4|DNS name|WINS|DNS|DHCP|GATEWAY; ep (resolved) */
	NS_PT_MASK,       /* dotted contiguous mask or prefix 1-32; u */
	NS_PT_PORT,       /* 0-65535; u */
	NS_PT_PROTO,      /* ANY|ICMP|TCP|UDP|RAW|0-255; u */
	NS_PT_QMSEC,      /* quick mode method list; qm */
	NS_PT_MMSEC,      /* main mode method list; mm */
	NS_PT_ROOTCA,     /* "DN certmap:yes|no excludecaname:yes|no"; auth */
	NS_PT_GUID,       /* GUID, braces optional, any case; s = canonical */
	NS_PT_HOST,       /* IPv4 or DNS name (tunnel endpoints); ep */
	NS_PT_CUSTOM,     /* .check() decides; s */
};

/* Parameter flags. */
#define NS_P_REQ 0x01   /* must be given (or one of its .oneof group) */
#define NS_P_MULTI 0x02 /* may repeat (rootca); order kept */
#define NS_P_ALL 0x04   /* NAME: the word "all" is accepted and sets .all */
#define NS_P_NOPOS 0x08 /* never filled by an untagged value */
#define NS_P_NORESOLVE 0x10 /* ADDR/HOST: keep DNS names unresolved (matching) */

struct ns_param {
	const char *tag;
	enum ns_ptype type;
	unsigned flags;
	/* Parameters with the same non-zero oneof form a group of which
	 * exactly one must be given when any member has NS_P_REQ, at most one
	 * otherwise (name= | guid=). */
	unsigned oneof;
	const char *const *choices; /* ENUM: NULL-terminated, canonical spelling */
	uint32_t min, max;          /* UINT */
	const char *defval;         /* shown in help only */
	const char *help;
	/* CUSTOM: 0 or negative errno with a reason in err. */
	int (*check)(const char *value, char *err, size_t errlen);
};

/* One parsed argument. */
struct ns_arg {
	const struct ns_param *param;
	char *s;   /* the value text as given (quotes removed); always set */
	bool all;  /* NAME with NS_P_ALL: the value was "all" */
	union {
		bool b;
		uint32_t u;
		struct ns_endpoint ep;
		struct {
			struct ns_qm_method *v;
			size_t n;
		} qm;
		struct {
			struct ns_mm_method *v;
			size_t n;
		} mm;
		struct ns_auth auth;
	};
};

/* The arguments of one command, in the order they were given. */
struct ns_args {
	struct ns_arg *v;
	size_t n;
};

/* First argument with this tag (exact canonical tag), or NULL. */
const struct ns_arg *ns_arg_get(const struct ns_args *a, const char *tag);

struct ns_session;

#define NS_CMD_WRITE 0x01 /* runs in a write transaction (see above) */
#define NS_CMD_MAX_WORDS 3

struct ns_cmd {
	enum ns_ctx ctx;
	const char *words[NS_CMD_MAX_WORDS]; /* lower case; unused ones NULL */
	const struct ns_param *params;       /* terminated by { 0 }; NULL = none */
	unsigned flags;
	int (*run)(struct ns_session *s, const struct ns_args *a, char *err, size_t errlen);
	const char *summary; /* one line, for the command list */
	const char *help;    /* remarks printed under the usage; may be NULL */
};

#define NS_RESOLVE_NONE 0x01 /* names are not looked up (fuzzing, tests) */
/* Commands neither read nor write files (exportpolicy, importpolicy): set
 * by fuzzers, whose random file= values must not touch the file system.
 * NS_RESOLVE_NONE sessions are treated the same way. */
#define NS_NO_FILES 0x02

/* One netsh session: argv, a script, or the prompt. */
struct ns_session {
	enum ns_ctx ctx;
	enum ns_ctx stack[32]; /* pushd */
	size_t depth;
	char *dir; /* store directory; NULL = in-memory store (tests, fuzzing) */
	enum ns_store_location loc;
	struct ns_store *st; /* opened on first use */
	bool batch;          /* set batch mode=enable: one open transaction */
	bool batch_failed;   /* a command in the batch failed: roll back at the end */
	bool quit;
	bool interactive;
	unsigned flags; /* NS_RESOLVE_* */
	unsigned n_errors;
	/* Where the current command came from, for messages: "file:12" while
	 * a script runs, "" otherwise. */
	char where[256];
	FILE *out, *errf;
};

/* dir NULL = in-memory store.  Output to stdout/stderr unless changed. */
int ns_session_init(struct ns_session *s, const char *dir);
/* Ends an open batch (commit, or roll back when a command failed), closes
 * the store.  Returns 0 or negative errno (batch rollback/commit error). */
int ns_session_finish(struct ns_session *s);
/* The store of the current location, opened on first use. */
int ns_session_store(struct ns_session *s, struct ns_store **st, char *err, size_t errlen);
/* The whole store of the current location into db (zeroed first, so the
 * caller frees it with ns_db_free() whether or not this fails). */
int ns_session_load(struct ns_session *s, struct ns_db *db, char *err, size_t errlen);
/* Switch location; refuses inside a batch and for the domain store. */
int ns_session_set_location(struct ns_session *s, enum ns_store_location loc, char *err,
			    size_t errlen);
/* set batch: enable opens a batch; disable commits it (or rolls it back
 * when one of its commands failed, returning -ECANCELED). */
int ns_session_batch(struct ns_session *s, bool enable, char *err, size_t errlen);
/* Starts a message line on errf: "netsh: " and, inside a script, its
 * "file:line: "; returns errf for the rest of the line. */
FILE *ns_err_start(struct ns_session *s);
/* "netsh: warning: ..." on errf. */
void ns_warn(struct ns_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run one command given as tokens (argv) or as a line (prompt, script).
 * Returns 0 on success; otherwise the error is printed and -1 returned. */
int ns_exec_tokens(struct ns_session *s, char **tok, size_t n);
int ns_exec_line(struct ns_session *s, const char *line);

/* The prompt of the current context, e.g. "ipsec static>". */
const char *ns_ctx_prompt(enum ns_ctx ctx);
const char *ns_ctx_name(enum ns_ctx ctx);

/* Every command table, for help and lookup: NULL-terminated list of arrays. */
extern const struct ns_cmd *const ns_cmd_groups[];

#endif
