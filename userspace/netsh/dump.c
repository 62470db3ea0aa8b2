// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "netsh/dump.h"

int ns_dump(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err,
	    size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "dump: not implemented yet");
	return -ENOSYS;
}
