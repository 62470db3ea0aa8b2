// SPDX-License-Identifier: GPL-2.0
/*
 * The `dynamic set config` values, kept as a small text file "config" in
 * the store directory: one "name=value" per line, '#' comments, one
 * "bootexemption=proto:sport:dport:direction" line per boot exemption.
 * Text rather than a table in the store so that the boot service can read
 * it before anything else, and so that an administrator can read it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "errmsg.h"

#define CONFIG_FILE "config"

struct cfg_range {
	const char *name;
	size_t off;
	unsigned min, max;
};

static const struct cfg_range ranges[] = {
	{"ipsecdiagnostics", offsetof(struct ns_config, ipsecdiagnostics), 0, 7},
	{"ikelogging", offsetof(struct ns_config, ikelogging), 0, 1},
	{"strongcrlcheck", offsetof(struct ns_config, strongcrlcheck), 0, 2},
	{"ipsecloginterval", offsetof(struct ns_config, ipsecloginterval), 60, 86400},
	{"ipsecexempt", offsetof(struct ns_config, ipsecexempt), 0, 3},
};

static const char *const bootmode_names[] = {
	[NS_BOOT_STATEFUL] = "stateful",
	[NS_BOOT_BLOCK] = "block",
	[NS_BOOT_PERMIT] = "permit",
};

void ns_config_defaults(struct ns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ipsecdiagnostics = 0;
	cfg->ikelogging = 0;
	cfg->strongcrlcheck = 1;
	cfg->ipsecloginterval = 3600;
	cfg->ipsecexempt = 3;
	cfg->bootmode = NS_BOOT_STATEFUL;
	cfg->n_bootexemptions = 0;
}

const char *ns_bootmode_name(enum ns_bootmode m)
{
	return (unsigned)m < sizeof(bootmode_names) / sizeof(bootmode_names[0]) ? bootmode_names[m]
										: "?";
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_proto(const char *s, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} names[] = {{"any", 0}, {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"raw", 255}};
	unsigned long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].proto;
			return 0;
		}
	if (parse_uint(s, 255, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* One "protocol:srcport:dstport:direction" item. */
int ns_bootexemption_parse(const char *s, struct ns_bootexemption *out, char *err, size_t errlen)
{
	char buf[128], *parts[4], *save = NULL, *tok;
	unsigned long sport, dport;
	size_t n = 0;

	if (strlen(s) >= sizeof(buf))
		return ns_fail(err, errlen, -EINVAL, "boot exemption \"%.40s...\" is too long", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ":", &save); tok && n < 4; tok = strtok_r(NULL, ":", &save))
		parts[n++] = tok;
	if (n != 4 || tok)
		return ns_fail(err, errlen, -EINVAL,
			       "boot exemption \"%s\": expected protocol:srcport:dstport:direction",
			       s);
	if (parse_proto(parts[0], &out->protocol))
		return ns_fail(err, errlen, -EINVAL, "boot exemption \"%s\": bad protocol \"%s\"",
			       s, parts[0]);
	if (parse_uint(parts[1], 65535, &sport) || parse_uint(parts[2], 65535, &dport))
		return ns_fail(err, errlen, -EINVAL, "boot exemption \"%s\": ports are 0-65535", s);
	if (!strcasecmp(parts[3], "inbound"))
		out->dir = NS_DIR_INBOUND;
	else if (!strcasecmp(parts[3], "outbound"))
		out->dir = NS_DIR_OUTBOUND;
	else
		return ns_fail(err, errlen, -EINVAL,
			       "boot exemption \"%s\": direction is inbound or outbound", s);
	if ((sport || dport) && out->protocol != 6 && out->protocol != 17)
		return ns_fail(err, errlen, -EINVAL,
			       "boot exemption \"%s\": ports need protocol TCP or UDP", s);
	out->srcport = (uint16_t)sport;
	out->dstport = (uint16_t)dport;
	return 0;
}

/* "none" or a space-separated list, as `set config property=bootexemptions` takes it. */
static int parse_bootexemptions(const char *s, struct ns_config *cfg, char *err, size_t errlen)
{
	struct ns_config tmp = *cfg;
	char *copy, *tok, *save = NULL;
	int ret = 0;

	tmp.n_bootexemptions = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!strcasecmp(s, "none") || !*s) {
		cfg->n_bootexemptions = 0;
		return 0;
	}
	copy = strdup(s);
	if (!copy)
		return ns_fail(err, errlen, -ENOMEM, "out of memory");
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (tmp.n_bootexemptions == NS_MAX_BOOTEXEMPTIONS) {
			ret = ns_fail(err, errlen, -E2BIG, "more than %d boot exemptions",
				      NS_MAX_BOOTEXEMPTIONS);
			break;
		}
		ret = ns_bootexemption_parse(tok, &tmp.bootexemptions[tmp.n_bootexemptions], err,
					     errlen);
		if (ret)
			break;
		tmp.n_bootexemptions++;
	}
	free(copy);
	if (!ret) {
		memcpy(cfg->bootexemptions, tmp.bootexemptions,
		       tmp.n_bootexemptions * sizeof(tmp.bootexemptions[0]));
		cfg->n_bootexemptions = tmp.n_bootexemptions;
	}
	return ret;
}

int ns_config_set(struct ns_config *cfg, const char *property, const char *value, char *err,
		  size_t errlen)
{
	unsigned long v;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (strcasecmp(property, ranges[i].name))
			continue;
		if (parse_uint(value, UINT_MAX, &v) || v < ranges[i].min || v > ranges[i].max)
			return ns_fail(err, errlen, -ERANGE, "%s must be %u-%u, not \"%s\"",
				       ranges[i].name, ranges[i].min, ranges[i].max, value);
		*(unsigned *)((char *)cfg + ranges[i].off) = (unsigned)v;
		return 0;
	}
	if (!strcasecmp(property, "bootmode")) {
		for (size_t i = 0; i < sizeof(bootmode_names) / sizeof(bootmode_names[0]); i++)
			if (!strcasecmp(value, bootmode_names[i])) {
				cfg->bootmode = (enum ns_bootmode)i;
				return 0;
			}
		return ns_fail(err, errlen, -EINVAL,
			       "bootmode must be stateful, block or permit, not \"%s\"", value);
	}
	if (!strcasecmp(property, "bootexemptions"))
		return parse_bootexemptions(value, cfg, err, errlen);
	return ns_fail(err, errlen, -EINVAL, "unknown config property \"%s\"", property);
}

int ns_config_validate(const struct ns_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		unsigned v = *(const unsigned *)((const char *)cfg + ranges[i].off);

		if (v < ranges[i].min || v > ranges[i].max)
			return ns_fail(err, errlen, -ERANGE, "%s must be %u-%u, not %u",
				       ranges[i].name, ranges[i].min, ranges[i].max, v);
	}
	if ((unsigned)cfg->bootmode > NS_BOOT_PERMIT)
		return ns_fail(err, errlen, -EINVAL, "bad bootmode %d", (int)cfg->bootmode);
	if (cfg->n_bootexemptions > NS_MAX_BOOTEXEMPTIONS)
		return ns_fail(err, errlen, -E2BIG, "more than %d boot exemptions",
			       NS_MAX_BOOTEXEMPTIONS);
	for (size_t i = 0; i < cfg->n_bootexemptions; i++) {
		const struct ns_bootexemption *b = &cfg->bootexemptions[i];

		if ((unsigned)b->dir > NS_DIR_OUTBOUND ||
		    ((b->srcport || b->dstport) && b->protocol != 6 && b->protocol != 17))
			return ns_fail(err, errlen, -EINVAL, "boot exemption %zu is invalid",
				       i + 1);
	}
	return 0;
}

int ns_bootexemption_format(const struct ns_bootexemption *b, char *buf, size_t len)
{
	static const char *const pnames[256] = {
		[0] = "ANY", [1] = "ICMP", [6] = "TCP", [17] = "UDP", [255] = "RAW"};
	const char *dir = b->dir == NS_DIR_OUTBOUND ? "outbound" : "inbound";

	if (pnames[b->protocol])
		return snprintf(buf, len, "%s:%u:%u:%s", pnames[b->protocol], b->srcport,
				b->dstport, dir);
	return snprintf(buf, len, "%u:%u:%u:%s", b->protocol, b->srcport, b->dstport, dir);
}

static int config_path(const char *dir, const char *name, char *buf, size_t len, char *err,
		       size_t errlen)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return ns_fail(err, errlen, -ENAMETOOLONG, "store directory path is too long");
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int ns_config_load(const char *dir, struct ns_config *cfg, char *err, size_t errlen)
{
	char path[PATH_MAX], *line = NULL, msg[256];
	size_t cap = 0;
	unsigned lineno = 0;
	struct ns_config tmp;
	FILE *f;
	int ret = 0;

	ns_config_defaults(&tmp);
	ret = config_path(dir, CONFIG_FILE, path, sizeof(path), err, errlen);
	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			*cfg = tmp;
			return 0;
		}
		ret = -errno;
		return ns_fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	while (getline(&line, &cap, f) > 0) {
		char *s = trim(line), *eq;

		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			ret = ns_fail(err, errlen, -EINVAL, "%s:%u: expected name=value", path,
				      lineno);
			break;
		}
		*eq = '\0';
		s = trim(s);
		if (!strcasecmp(s, "bootexemption")) {
			if (tmp.n_bootexemptions == NS_MAX_BOOTEXEMPTIONS) {
				ret = ns_fail(err, errlen, -E2BIG,
					      "%s:%u: too many boot exemptions", path, lineno);
				break;
			}
			ret = ns_bootexemption_parse(trim(eq + 1),
						     &tmp.bootexemptions[tmp.n_bootexemptions], msg,
						     sizeof(msg));
			if (!ret)
				tmp.n_bootexemptions++;
		} else {
			ret = ns_config_set(&tmp, s, trim(eq + 1), msg, sizeof(msg));
		}
		if (ret) {
			ns_errmsg(err, errlen, "%s:%u: %s", path, lineno, msg);
			break;
		}
	}
	if (!ret && ferror(f))
		ret = ns_fail(err, errlen, -EIO, "%s: read error", path);
	free(line);
	fclose(f);
	if (!ret)
		*cfg = tmp;
	return ret;
}

int ns_config_save(const char *dir, const struct ns_config *cfg, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX], item[64];
	FILE *f;
	int fd, ret, dfd;

	ret = ns_config_validate(cfg, err, errlen);
	if (ret)
		return ret;
	ret = config_path(dir, CONFIG_FILE, path, sizeof(path), err, errlen);
	if (!ret)
		ret = config_path(dir, "." CONFIG_FILE ".XXXXXX", tmp, sizeof(tmp), err, errlen);
	if (ret)
		return ret;
	/* mkstemp creates the file 0600, which is what we want: the boot
	 * exemptions say which holes exist in the boot-time firewall. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		return ns_fail(err, errlen, ret, "%s: %s", tmp, strerror(-ret));
	}
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ns_fail(err, errlen, ret, "%s: %s", tmp, strerror(-ret));
	}
	fprintf(f, "# netsh ipsec dynamic set config; written by netsh-ipsec\n");
	fprintf(f, "ipsecdiagnostics=%u\nikelogging=%u\nstrongcrlcheck=%u\n", cfg->ipsecdiagnostics,
		cfg->ikelogging, cfg->strongcrlcheck);
	fprintf(f, "ipsecloginterval=%u\nipsecexempt=%u\nbootmode=%s\n", cfg->ipsecloginterval,
		cfg->ipsecexempt, ns_bootmode_name(cfg->bootmode));
	for (size_t i = 0; i < cfg->n_bootexemptions; i++) {
		ns_bootexemption_format(&cfg->bootexemptions[i], item, sizeof(item));
		fprintf(f, "bootexemption=%s\n", item);
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		ret = -(errno ? errno : EIO);
		fclose(f);
		unlink(tmp);
		return ns_fail(err, errlen, ret, "%s: %s", tmp, strerror(-ret));
	}
	fclose(f);
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return ns_fail(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
