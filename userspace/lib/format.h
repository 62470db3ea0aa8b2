/* SPDX-License-Identifier: GPL-2.0 */
/* Formatting single model values as netsh writes them (show, dump). */
#ifndef NETSH_IPSEC_FORMAT_H
#define NETSH_IPSEC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

const char *ns_fmt_yesno(bool b);
#endif
