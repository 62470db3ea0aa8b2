// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "netsh/show.h"

static int nosys(char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "show: not implemented yet");
	return -ENOSYS;
}

int ns_show_all(FILE *out, const struct ns_db *db, const struct ns_show_opts *o, char *err,
		size_t errlen)
{
	return nosys(err, errlen);
}

int ns_show_policy(FILE *out, const struct ns_db *db, const char *name,
		   const struct ns_show_opts *o, char *err, size_t errlen)
{
	return nosys(err, errlen);
}

int ns_show_filterlist(FILE *out, const struct ns_db *db, const char *name, const char *rule,
		       const struct ns_show_opts *o, char *err, size_t errlen)
{
	return nosys(err, errlen);
}

int ns_show_filteraction(FILE *out, const struct ns_db *db, const char *name, const char *rule,
			 const struct ns_show_opts *o, char *err, size_t errlen)
{
	return nosys(err, errlen);
}

int ns_show_rule(FILE *out, const struct ns_db *db, const char *policy, const char *name,
		 unsigned id, bool all, bool deflt, int type, const struct ns_show_opts *o,
		 char *err, size_t errlen)
{
	return nosys(err, errlen);
}

int ns_show_gpoassignedpolicy(FILE *out, const struct ns_db *db, const char *gponame,
			      const struct ns_show_opts *o, char *err, size_t errlen)
{
	return nosys(err, errlen);
}
