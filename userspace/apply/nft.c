// SPDX-License-Identifier: GPL-2.0
/*
 * nftables backend: lowers the plan into table "netsh_ipsec" in one batch.
 * Stub for now so ipsec-apply links; filled in by the kernel helper.
 */
#include <errno.h>
#include <stdio.h>

#include "apply/backend.h"

int nft_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "nft: not implemented yet");
	return -ENOSYS;
}

int nft_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "nft: not implemented yet");
	return -ENOSYS;
}

int nft_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "nft: not implemented yet");
	return -ENOSYS;
}

int nft_backend_boot(const struct ns_config *cfg, const struct apply_opts *o, char *err,
		     size_t len)
{
	snprintf(err, len, "nft: not implemented yet");
	return -ENOSYS;
}
