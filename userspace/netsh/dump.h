/* SPDX-License-Identifier: GPL-2.0 */
/* `dump`: a netsh script that recreates the store (including PSKs). */
#ifndef NETSH_IPSEC_DUMP_H
#define NETSH_IPSEC_DUMP_H

#include <stddef.h>
#include <stdio.h>

#include "lib/model.h"
#include "lib/store.h"

int ns_dump(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err,
	    size_t errlen);

#endif
