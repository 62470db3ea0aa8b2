// SPDX-License-Identifier: GPL-2.0
#include "errmsg.h"

#include <errno.h>
#include <stdio.h>

void ns_verrmsg(char *err, size_t errlen, const char *fmt, va_list ap)
{
	/* ns_fail() reads its ret after the message is written, and callers
	 * pass -errno there: the message must not change errno. */
	int saved = errno;

	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	errno = saved;
}

void ns_errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_verrmsg(err, errlen, fmt, ap);
	va_end(ap);
}
