/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one-line error message every layer writes into a caller-supplied
 * `char *err, size_t errlen` (see team rules). One copy instead of a
 * static helper per file; err may be NULL or errlen 0 when the caller
 * does not want the text.
 */
#ifndef NETSH_IPSEC_ERRMSG_H
#define NETSH_IPSEC_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

void ns_verrmsg(char *err, size_t errlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void ns_errmsg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A macro, not a function returning ret: the static analyser does not follow
 * variadic calls, and would otherwise take every failure for a success. */
#define ns_fail(err, errlen, ret, ...) (ns_errmsg((err), (errlen), __VA_ARGS__), (ret))

#endif
