// SPDX-License-Identifier: GPL-2.0
/*
 * The export reader against any input.  Whatever it accepts must write back
 * to text that reads to the same db (a fixed point), and must survive show
 * and dump: an accepted file can hold any combination the format allows,
 * not only what netsh commands create.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsh/dump.h"
#include "netsh/export.h"
#include "netsh/show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_db a, b;
	char err[512];
	char *text = NULL;
	size_t len = 0;
	FILE *f, *null;

	if (ns_export_read((const char *)data, size, &a, err, sizeof(err))) {
		/* A rejected file leaves nothing behind. */
		if (a.n_policies || a.n_filterlists || a.n_filteractions || a.policies ||
		    a.filterlists || a.filteractions)
			abort();
		return 0;
	}
	f = open_memstream(&text, &len);
	if (!f || ns_export_write(f, &a, err, sizeof(err)))
		abort();
	fclose(f);
	if (ns_export_read(text, len, &b, err, sizeof(err)) || !ns_db_equal(&a, &b))
		abort();
	null = fopen("/dev/null", "w");
	if (null) {
		struct ns_show_opts o = {.verbose = true};

		ns_dump(null, &a, NS_STORE_LOCAL, err, sizeof(err));
		ns_show_all(null, &a, &o, err, sizeof(err));
		o.format = NS_FMT_TABLE;
		o.wide = size & 1;
		ns_show_all(null, &a, &o, err, sizeof(err));
		for (size_t i = 0; i < a.n_policies; i++)
			ns_show_rule(null, &a, a.policies[i].name, NULL, 0, true, false, 0, &o, err,
				     sizeof(err));
		fclose(null);
	}
	free(text);
	ns_db_free(&a);
	ns_db_free(&b);
	return 0;
}
