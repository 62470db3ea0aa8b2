// SPDX-License-Identifier: GPL-2.0
#include "cmd_common.h"

const struct ns_cmd ns_cmds_static_set[] = {
	{0},
};
