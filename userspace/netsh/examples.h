/* SPDX-License-Identifier: GPL-2.0 */
/* restorepolicyexamples: the example policies with their fixed GUIDs. */
#ifndef NETSH_IPSEC_EXAMPLES_H
#define NETSH_IPSEC_EXAMPLES_H

#include <stddef.h>

#include "lib/model.h"

enum ns_examples_release { NS_EXAMPLES_WIN2K, NS_EXAMPLES_WIN2003 };

int ns_examples_build(struct ns_db *db, enum ns_examples_release rel, char *err, size_t errlen);

#endif
