/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Windows registry exports (.reg) of the IPsec policy store: import into
 * struct ns_db and export of one store location.
 */
#ifndef NETSH_IPSEC_WINREG_H
#define NETSH_IPSEC_WINREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/model.h"
#include "lib/store.h"

/* Warnings of an import: one line each, naming the key, the value and the
 * byte offset in the blob when there is one. */
struct ns_winreg_report {
	char **lines;
	size_t n;
};

/* REGEDIT4 text, or "Windows Registry Editor Version 5.00" (UTF-16LE with
 * BOM, or UTF-8 as re-saved by editors). */
bool ns_winreg_detect(const uint8_t *buf, size_t len);

/* Parse a whole .reg file into db (empty on entry).  Either db is complete
 * and 0 is returned, or db is left empty and a negative errno returned. */
int ns_winreg_read(const uint8_t *buf, size_t len, struct ns_db *db, struct ns_winreg_report *rep,
		   char *err, size_t errlen);
void ns_winreg_report_free(struct ns_winreg_report *rep);

/* format=reg export of one store location (Local or Persistent key), as
 * "Windows Registry Editor Version 5.00" in UTF-16LE with BOM, the way
 * `reg export` writes it. */
int ns_winreg_write(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err,
		    size_t errlen);

struct ns_winreg_write_opts {
	bool regedit4;		      /* REGEDIT4 text (UTF-8) instead */
	struct ns_winreg_report *rep; /* what Windows will not see as we do; may be NULL */
};

int ns_winreg_write_opts(FILE *out, const struct ns_db *db, enum ns_store_location loc,
			 const struct ns_winreg_write_opts *opts, char *err, size_t errlen);

#endif
