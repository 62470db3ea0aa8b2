// SPDX-License-Identifier: GPL-2.0
/*
 * Lowering of negotiate rules into charon connections over VICI.
 * Placeholder so ipsec-apply links while the real backend is written.
 */
#include <errno.h>
#include <stdio.h>

#include "backend.h"

int vici_backend_apply(const struct plan *p, const struct apply_opts *o, char *err, size_t len)
{
	(void)p;
	(void)o;
	snprintf(err, len, "vici backend: not implemented yet");
	return -ENOSYS;
}

int vici_backend_flush(const struct apply_opts *o, char *err, size_t len)
{
	(void)o;
	snprintf(err, len, "vici backend: not implemented yet");
	return -ENOSYS;
}

int vici_backend_status(const struct apply_opts *o, char *err, size_t len)
{
	(void)o;
	snprintf(err, len, "vici backend: not implemented yet");
	return -ENOSYS;
}
