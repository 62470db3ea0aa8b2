// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "netsh/export.h"

bool ns_export_detect(const char *buf, size_t len)
{
	return false;
}

int ns_export_write(FILE *out, const struct ns_db *db, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "export: not implemented yet");
	return -ENOSYS;
}

int ns_export_read(const char *buf, size_t len, struct ns_db *db, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "import: not implemented yet");
	return -ENOSYS;
}
