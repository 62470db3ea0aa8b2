// SPDX-License-Identifier: GPL-2.0
#include "format.h"

const char *ns_fmt_yesno(bool b)
{
	return b ? "yes" : "no";
}
