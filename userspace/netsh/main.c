// SPDX-License-Identifier: GPL-2.0
/*
 * netsh: one command from argv, a script (-f), or the interactive prompt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "netsh/cmdtable.h"
#include "netsh/parse.h"

static void usage(FILE *o)
{
	fprintf(o, "usage: netsh [-c context] [-f script | command ...]\n"
		   "       netsh ipsec static add filter filterlist=... srcaddr=... dstaddr=...\n"
		   "       netsh -f script.txt\n"
		   "       netsh                (interactive prompt)\n"
		   "The store directory is $NETSH_IPSEC_DIR (default %s).\n",
		NS_STORE_DEFAULT_DIR);
}

/* name: the script's name, so that messages say which line failed; NULL
 * at the prompt. */
static int run_stream(struct ns_session *s, FILE *in, bool prompt, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool first = true;
	unsigned long lineno = 0;

	while (!s->quit) {
		if (prompt) {
			fprintf(s->out, "%s ", ns_ctx_prompt(s->ctx));
			fflush(s->out);
		}
		len = getline(&line, &cap, in);
		if (len < 0)
			break;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		/* Windows editors start UTF-8 files with a byte order mark. */
		if (first && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
			memmove(line, line + 3, (size_t)len - 2);
		first = false;
		lineno++;
		if (name)
			snprintf(s->where, sizeof(s->where), "%s:%lu", name, lineno);
		ns_exec_line(s, line);
	}
	s->where[0] = '\0';
	if (prompt && !s->quit)
		fputc('\n', s->out);
	free(line);
	return 0;
}

/* readline's completion callbacks take no context argument, so the session
 * they complete for is the one file-scope pointer of the program. */
static struct ns_session *completing;

static char *complete_word(const char *text, int state)
{
	static char **v;
	static size_t n, next;

	if (!state) {
		char *line = strndup(rl_line_buffer, (size_t)rl_point);

		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		v = NULL;
		n = next = 0;
		if (line) {
			/* Complete words only: drop the one being typed. */
			line[strlen(line) - strlen(text)] = '\0';
			ns_complete(completing, line, text, &v, &n);
			free(line);
		}
	}
	return next < n ? strdup(v[next++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	rl_completion_append_character = '\0';
	return rl_completion_matches(text, complete_word);
}

static int run_prompt(struct ns_session *s)
{
	if (!isatty(STDIN_FILENO))
		return run_stream(s, stdin, true, NULL);
	s->interactive = true;
	completing = s;
	rl_attempted_completion_function = complete;
	while (!s->quit) {
		char prompt[64];
		char *line;

		snprintf(prompt, sizeof(prompt), "%s ", ns_ctx_prompt(s->ctx));
		line = readline(prompt);
		if (!line) {
			fputc('\n', s->out);
			break;
		}
		if (*line)
			add_history(line);
		ns_exec_line(s, line);
		free(line);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ns_session s;
	const char *script = NULL, *startctx = NULL;
	int opt, rc = 0;
	enum ns_ctx before;

	while ((opt = getopt(argc, argv, "+c:f:h")) != -1) {
		switch (opt) {
		case 'c':
			startctx = optarg;
			break;
		case 'f':
			script = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (ns_session_init(&s, ns_store_dir()) < 0) {
		fprintf(stderr, "netsh: out of memory\n");
		return 1;
	}
	if (startctx && ns_exec_line(&s, startctx) < 0) {
		ns_session_finish(&s);
		return 1;
	}
	before = s.ctx;
	if (script) {
		FILE *in = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");

		if (optind < argc) {
			fprintf(stderr, "netsh: -f takes no further command\n");
			ns_session_finish(&s);
			return 2;
		}
		if (!in) {
			fprintf(stderr, "netsh: %s: %s\n", script, strerror(errno));
			ns_session_finish(&s);
			return 1;
		}
		run_stream(&s, in, false, script);
		if (in != stdin)
			fclose(in);
	} else if (optind < argc) {
		ns_exec_tokens(&s, argv + optind, (size_t)(argc - optind));
		/* Only context words ("netsh ipsec static"): stay there. */
		if (s.ctx != before && !s.n_errors && !s.quit)
			run_prompt(&s);
	} else {
		run_prompt(&s);
	}
	if (ns_session_finish(&s) < 0)
		rc = 1;
	if (s.n_errors)
		rc = 1;
	return rc;
}
