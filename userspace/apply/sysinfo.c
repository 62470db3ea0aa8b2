// SPDX-License-Identifier: GPL-2.0
/* Live machine state for the address keywords: rtnetlink and a few files. */
#include "sysinfo.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "lib/errmsg.h"

void sysinfo_default_paths(struct sysinfo_paths *p, const char *store_dir, char *wins_buf,
			   size_t wins_len)
{
	p->resolv_conf = SYSINFO_RESOLV_CONF;
	p->resolved_conf = SYSINFO_RESOLVED_CONF;
	p->dhclient_dir = SYSINFO_DHCLIENT_DIR;
	p->networkd_dir = SYSINFO_NETWORKD_DIR;
	p->nm_dir = SYSINFO_NM_DIR;
	p->wins_file = NULL;
	if (store_dir && wins_buf &&
	    (size_t)snprintf(wins_buf, wins_len, "%s/%s", store_dir, SYSINFO_WINS_FILE) < wins_len)
		p->wins_file = wins_buf;
}

void sysinfo_free(struct sysinfo *si)
{
	free(si->addrs);
	free(si->gateways);
	free(si->dns);
	free(si->dhcp);
	free(si->wins);
	memset(si, 0, sizeof(*si));
}

int sysinfo_list_add(uint32_t **list, size_t *n, uint32_t addr)
{
	uint32_t *l;

	for (size_t i = 0; i < *n; i++)
		if ((*list)[i] == addr)
			return 0;
	l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	l[(*n)++] = addr;
	*list = l;
	return 0;
}

int sysinfo_add_addr(struct sysinfo *si, uint32_t addr, uint8_t plen, const char *ifname)
{
	struct sysinfo_addr *a;

	/* Loopback traffic never crosses an interface that IPsec filters. */
	if ((addr >> 24) == 127)
		return 0;
	for (size_t i = 0; i < si->n_addrs; i++)
		if (si->addrs[i].addr == addr)
			return 0;
	a = realloc(si->addrs, (si->n_addrs + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	si->addrs = a;
	a = &a[si->n_addrs++];
	memset(a, 0, sizeof(*a));
	a->addr = addr;
	a->plen = plen;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname ? ifname : "");
	return 0;
}

static bool parse_ip(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*out = ntohl(in.s_addr);
	return true;
}

/* Open a file; a missing one is an empty source. */
static int open_source(const char *path, FILE **f)
{
	*f = fopen(path, "re");
	if (*f)
		return 0;
	return errno == ENOENT || errno == ENOTDIR ? 1 : -errno;
}

int sysinfo_parse_resolv(const char *path, uint32_t **list, size_t *n)
{
	char *line = NULL, word[64], val[64];
	size_t cap = 0;
	FILE *f;
	int ret = open_source(path, &f);

	if (ret)
		return ret > 0 ? 0 : ret;
	while (getline(&line, &cap, f) > 0) {
		uint32_t a;

		if (sscanf(line, " %63s %63s", word, val) == 2 && !strcmp(word, "nameserver") &&
		    parse_ip(val, &a)) {
			ret = sysinfo_list_add(list, n, a);
			if (ret)
				break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

int sysinfo_parse_lease(const char *path, uint32_t **list, size_t *n)
{
	char *line = NULL, val[64];
	size_t cap = 0;
	bool dhclient = false, found = false;
	uint32_t server = 0, a;
	FILE *f;
	int ret = open_source(path, &f);

	if (ret)
		return ret > 0 ? 0 : ret;
	while (getline(&line, &cap, f) > 0) {
		char *s = line + strspn(line, " \t");

		if (!strncmp(s, "lease", 5) && strchr(s, '{')) {
			/* dhclient appends a block per lease: the last one is current. */
			dhclient = true;
			found = false;
		} else if (dhclient &&
			   sscanf(s, "option dhcp-server-identifier %63[0-9.]", val) == 1 &&
			   parse_ip(val, &a)) {
			server = a;
			found = true;
		} else if (!dhclient && sscanf(s, "SERVER_ADDRESS=%63[0-9.]", val) == 1 &&
			   parse_ip(val, &a)) {
			server = a;
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found ? sysinfo_list_add(list, n, server) : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sysinfo_parse_lease_dir(const char *dir, const char *suffix, uint32_t **list, size_t *n)
{
	char **names = NULL, path[PATH_MAX];
	size_t n_names = 0, slen = strlen(suffix);
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (de->d_name[0] == '.' || len < slen || strcmp(de->d_name + len - slen, suffix))
			continue;
		nn = realloc(names, (n_names + 1) * sizeof(*names));
		if (!nn || !(nn[n_names] = strdup(de->d_name))) {
			if (nn)
				names = nn;
			ret = -ENOMEM;
			break;
		}
		names = nn;
		n_names++;
	}
	closedir(d);
	/* Directory order is arbitrary: sort, so the plan is reproducible. */
	if (!ret && n_names)
		qsort(names, n_names, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n_names; i++) {
		struct stat st;

		if (!ret &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < sizeof(path) &&
		    !stat(path, &st) && S_ISREG(st.st_mode))
			ret = sysinfo_parse_lease(path, list, n);
		free(names[i]);
	}
	free(names);
	return ret;
}

int sysinfo_parse_wins(const char *path, uint32_t **list, size_t *n)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = open_source(path, &f);

	if (ret)
		return ret > 0 ? 0 : ret;
	while (!ret && getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok, *hash = strchr(line, '#');
		uint32_t a;

		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r\n,", &save); tok && !ret;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			if (!parse_ip(tok, &a)) {
				ret = -EINVAL;
				break;
			}
			ret = sysinfo_list_add(list, n, a);
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/* ---- rtnetlink ------------------------------------------------------ */

struct nl_ctx {
	struct sysinfo *si;
	int ret;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *c = data;
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	char name[IF_NAMESIZE] = "";
	uint32_t addr;

	if (ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is our side of a point-to-point link; IFA_ADDRESS is
	 * then the peer. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != 4)
		return MNL_CB_OK;
	memcpy(&addr, mnl_attr_get_payload(a), 4);
	if (!if_indextoname(ifa->ifa_index, name) && tb[IFA_LABEL])
		snprintf(name, sizeof(name), "%s", mnl_attr_get_str(tb[IFA_LABEL]));
	c->ret = sysinfo_add_addr(c->si, ntohl(addr), ifa->ifa_prefixlen, name);
	return c->ret ? MNL_CB_ERROR : MNL_CB_OK;
}

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int add_gw(struct nl_ctx *c, const struct nlattr *a)
{
	uint32_t gw;

	if (!a || mnl_attr_get_payload_len(a) != 4)
		return 0;
	memcpy(&gw, mnl_attr_get_payload(a), 4);
	return sysinfo_list_add(&c->si->gateways, &c->si->n_gateways, ntohl(gw));
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *c = data;
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	uint32_t table;

	if (rt->rtm_family != AF_INET || rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rt), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	c->ret = add_gw(c, tb[RTA_GATEWAY]);
	if (!c->ret && tb[RTA_MULTIPATH]) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		int len = (int)mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);

		while (!c->ret && len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		       nh->rtnh_len <= len) {
			const struct nlattr *attr;
			const void *pl = RTNH_DATA(nh);

			mnl_attr_for_each_payload(pl, nh->rtnh_len - sizeof(*nh))
			{
				if (mnl_attr_get_type(attr) == RTA_GATEWAY)
					c->ret = add_gw(c, attr);
			}
			len -= RTNH_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
	}
	return c->ret ? MNL_CB_ERROR : MNL_CB_OK;
}

static int nl_dump(struct mnl_socket *nl, uint16_t type, size_t hdrlen, mnl_cb_t cb,
		   struct nl_ctx *c, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned seq = (unsigned)time(NULL) + type, portid = mnl_socket_get_portid(nl);
	struct rtgenmsg *g;
	ssize_t n;
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* Both ifaddrmsg and rtmsg start with the family byte. */
	g = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	g->rtgen_family = AF_INET;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return ns_fail(err, errlen, -errno, "rtnetlink dump: %s", strerror(errno));
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return ns_fail(err, errlen, -errno, "rtnetlink dump: %s", strerror(errno));
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, c);
	} while (ret > MNL_CB_STOP);
	if (c->ret)
		return ns_fail(err, errlen, c->ret, "rtnetlink dump: %s", strerror(-c->ret));
	if (ret < 0)
		return ns_fail(err, errlen, -errno, "rtnetlink dump: %s", strerror(errno));
	return 0;
}

int sysinfo_read_netlink(struct sysinfo *si, char *err, size_t errlen)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nl_ctx c = {.si = si};
	int ret;

	if (!nl)
		return ns_fail(err, errlen, -errno, "rtnetlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = ns_fail(err, errlen, -errno, "rtnetlink bind: %s", strerror(errno));
		mnl_socket_close(nl);
		return ret;
	}
	ret = nl_dump(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_cb, &c, err, errlen);
	if (!ret)
		ret = nl_dump(nl, RTM_GETROUTE, sizeof(struct rtmsg), route_cb, &c, err, errlen);
	mnl_socket_close(nl);
	return ret;
}

static bool only_loopback(const uint32_t *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((l[i] >> 24) != 127)
			return false;
	return n > 0;
}

int sysinfo_read(const struct sysinfo_paths *paths, bool use_netlink, struct sysinfo *si, char *err,
		 size_t errlen)
{
	struct sysinfo_paths d;
	int ret;

	sysinfo_default_paths(&d, NULL, NULL, 0);
	memset(si, 0, sizeof(*si));
#define P(m) (paths && paths->m ? paths->m : d.m)
	ret = sysinfo_parse_resolv(P(resolv_conf), &si->dns, &si->n_dns);
	if (ret) {
		ns_errmsg(err, errlen, "%s: %s", P(resolv_conf), strerror(-ret));
		goto out;
	}
	if (only_loopback(si->dns, si->n_dns)) {
		uint32_t *up = NULL;
		size_t n_up = 0;

		ret = sysinfo_parse_resolv(P(resolved_conf), &up, &n_up);
		if (!ret && n_up) {
			free(si->dns);
			si->dns = up;
			si->n_dns = n_up;
		} else {
			free(up);
		}
		if (ret) {
			ns_errmsg(err, errlen, "%s: %s", P(resolved_conf), strerror(-ret));
			goto out;
		}
	}
	ret = sysinfo_parse_lease_dir(P(dhclient_dir), ".leases", &si->dhcp, &si->n_dhcp);
	if (ret) {
		ns_errmsg(err, errlen, "%s: %s", P(dhclient_dir), strerror(-ret));
		goto out;
	}
	ret = sysinfo_parse_lease_dir(P(networkd_dir), "", &si->dhcp, &si->n_dhcp);
	if (ret) {
		ns_errmsg(err, errlen, "%s: %s", P(networkd_dir), strerror(-ret));
		goto out;
	}
	ret = sysinfo_parse_lease_dir(P(nm_dir), ".lease", &si->dhcp, &si->n_dhcp);
	if (ret) {
		ns_errmsg(err, errlen, "%s: %s", P(nm_dir), strerror(-ret));
		goto out;
	}
	if (paths && paths->wins_file) {
		ret = sysinfo_parse_wins(paths->wins_file, &si->wins, &si->n_wins);
		if (ret) {
			ns_errmsg(err, errlen, "%s: %s", paths->wins_file,
				  ret == -EINVAL ? "not a list of IPv4 addresses" : strerror(-ret));
			goto out;
		}
	}
#undef P
	if (use_netlink)
		ret = sysinfo_read_netlink(si, err, errlen);
out:
	if (ret)
		sysinfo_free(si);
	return ret;
}
