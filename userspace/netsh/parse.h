/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tokens and arguments.  A line is split on blanks; `"` quotes a part of a
 * token (tag="a b" or "a b"); an unquoted `=` after a word makes the token
 * a tagged argument.  Arguments are matched against a command's parameter
 * table: tags by unique prefix, untagged values in declaration order.
 */
#ifndef NETSH_IPSEC_PARSE_H
#define NETSH_IPSEC_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "cmdtable.h"

struct ns_tok {
	char *s; /* quotes removed */
	int eq;  /* index of the tag '=' in s, or -1 for a plain word/value */
};

/* Split a line.  '#' at the start of a token begins a comment. */
int ns_tokenize(const char *line, struct ns_tok **toks, size_t *n, char *err, size_t errlen);
/* argv elements are tokens already (the shell removed the quotes). */
int ns_tokens_from_argv(char **argv, size_t n, struct ns_tok **toks);
void ns_tokens_free(struct ns_tok *toks, size_t n);

/* Match toks against cmd's parameters and convert every value.
 * On error a one-line reason is in err and a is empty. */
int ns_parse_args(struct ns_session *s, const struct ns_cmd *cmd, const struct ns_tok *toks,
		  size_t n, struct ns_args *a, char *err, size_t errlen);
void ns_args_free(struct ns_args *a);

/* "add filter" for messages. */
void ns_cmd_name(const struct ns_cmd *cmd, char *buf, size_t len);
/* Usage and parameter help of one command. */
void ns_print_usage(FILE *out, const struct ns_cmd *cmd);

/* Prompt completion: what may follow the complete words of line (context
 * names, command words, or "tag=" once a command is complete) starting
 * with text; malloc'd strings, free each and the array. */
int ns_complete(const struct ns_session *s, const char *line, const char *text, char ***out,
		size_t *n);

#endif
