// SPDX-License-Identifier: GPL-2.0
/* Temporary stubs so the command layer links; the real code follows. */
#include <errno.h>

#include "winreg/winreg.h"

bool ns_winreg_detect(const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return false;
}

int ns_winreg_read(const uint8_t *buf, size_t len, struct ns_db *db, struct ns_winreg_report *rep,
		   char *err, size_t errlen)
{
	(void)buf;
	(void)len;
	(void)db;
	(void)rep;
	if (err && errlen)
		snprintf(err, errlen, "registry import not implemented yet");
	return -ENOSYS;
}

void ns_winreg_report_free(struct ns_winreg_report *rep)
{
	(void)rep;
}

int ns_winreg_write(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err,
		    size_t errlen)
{
	(void)out;
	(void)db;
	(void)loc;
	if (err && errlen)
		snprintf(err, errlen, "registry export not implemented yet");
	return -ENOSYS;
}
