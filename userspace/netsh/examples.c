// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include "netsh/examples.h"

int ns_examples_build(struct ns_db *db, enum ns_examples_release rel, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "restorepolicyexamples: not implemented yet");
	return -ENOSYS;
}
