// SPDX-License-Identifier: GPL-2.0
#include "current.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evaluate.h"
#include "lib/config.h"
#include "lib/dynstore.h"

#define MSGLEN 512

int current_load_store(const char *dir, enum ns_store_location loc, struct ns_db *db, char *err,
		       size_t errlen)
{
	struct ns_store *st = NULL;
	char msg[MSGLEN];
	int ret;

	memset(db, 0, sizeof(*db));
	/* Reading must not create a store (ipsec-apply -n, netsh show): a
	 * location never written to is simply empty. */
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.db", dir, ns_store_location_name(loc));
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	ret = ns_store_open(dir, loc, &st, msg, sizeof(msg));
	if (!ret) {
		ret = ns_store_load(st, db, msg, sizeof(msg));
		ns_store_close(st);
	}
	if (ret)
		snprintf(err, errlen, "%s store in %s: %s",
			 loc == NS_STORE_PERSISTENT ? "persistent" : "local", dir, msg);
	return ret;
}

int current_plan(const struct current_input *in, struct plan *p, unsigned *polling_sec, char *err,
		 size_t errlen)
{
	struct ns_db pers = {0}, local = {0}, dyn = {0};
	struct ns_dyn_db dd = {0};
	struct sysinfo_paths defpaths;
	char wins[4096];
	struct ns_config cfg;
	struct sysinfo si;
	char msg[MSGLEN];
	int ret;

	memset(p, 0, sizeof(*p));
	ret = ns_config_load(in->store_dir, &cfg, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "config: %s", msg);
		return ret;
	}
	ret = current_load_store(in->store_dir, NS_STORE_PERSISTENT, &pers, err, errlen);
	if (!ret)
		ret = current_load_store(in->store_dir, NS_STORE_LOCAL, &local, err, errlen);
	if (!ret && in->rundir) {
		ret = ns_dyn_read(in->rundir, &dd, msg, sizeof(msg));
		if (!ret)
			ret = ns_dyn_to_db(&dd, &dyn, msg, sizeof(msg));
		if (ret)
			snprintf(err, errlen, "dynamic rules in %s: %s", in->rundir, msg);
	}
	if (ret)
		goto out;
	if (!in->paths)
		sysinfo_default_paths(&defpaths, in->store_dir, wins, sizeof(wins));
	ret = sysinfo_read(in->paths ? in->paths : &defpaths, in->use_netlink, &si, msg,
			   sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "machine state: %s", msg);
		goto out;
	}
	struct eval_input ei = {.persistent = &pers,
				.local = &local,
				.dynamic = dyn.n_policies ? &dyn : NULL,
				.config = &cfg,
				.sys = &si,
				.notes = in->notes};

	ret = plan_evaluate(&ei, p, err, errlen);
	if (polling_sec)
		*polling_sec = plan_polling_interval(&pers, &local);
	sysinfo_free(&si);
out:
	ns_db_free(&pers);
	ns_db_free(&local);
	ns_db_free(&dyn);
	ns_dyn_db_free(&dd);
	return ret;
}
