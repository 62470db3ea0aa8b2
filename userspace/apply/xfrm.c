// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM backend: lowers the plan into XFRM policies over netlink.
 * Stub for now so ipsec-apply links; filled in by the kernel helper.
 */
#include <errno.h>
#include <stdio.h>

#include "apply/backend.h"

int xfrm_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "xfrm: not implemented yet");
	return -ENOSYS;
}

int xfrm_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "xfrm: not implemented yet");
	return -ENOSYS;
}

int xfrm_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "xfrm: not implemented yet");
	return -ENOSYS;
}
