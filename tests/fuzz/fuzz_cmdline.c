// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: arbitrary text as a netsh script.  Every line goes through
 * the tokenizer, the command table, the value parsers and the handlers,
 * against a fresh in-memory store; names are never resolved.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsh/cmdtable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct ns_session s;
	char *buf, *line, *save = NULL;

	if (size > 64 * 1024)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (ns_session_init(&s, NULL) < 0) {
		free(buf);
		return 0;
	}
	s.flags = NS_RESOLVE_NONE;
	s.out = null;
	s.errf = null;
	for (line = strtok_r(buf, "\n", &save); line && !s.quit; line = strtok_r(NULL, "\n", &save))
		ns_exec_line(&s, line);
	ns_session_finish(&s);
	free(buf);
	return 0;
}
