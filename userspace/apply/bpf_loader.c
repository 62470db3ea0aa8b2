// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF classifier backend.  Placeholder so that ipsec-apply links while the
 * real loader is written: it reports the backend as unsupported, so main
 * falls back to the xfrm backend.
 */
#include <errno.h>
#include <stdio.h>

#include "backend.h"

bool bpf_backend_supported(void)
{
	return false;
}

int bpf_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "bpf backend: not built yet");
	return -EOPNOTSUPP;
}

int bpf_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	return 0;
}

int bpf_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	snprintf(err, len, "bpf backend: not built yet");
	return -EOPNOTSUPP;
}
