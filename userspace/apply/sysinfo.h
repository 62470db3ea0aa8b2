/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's live state that the address keywords expand to: local
 * addresses (Me), default gateways (GATEWAY), DNS, DHCP and WINS servers.
 * Every source file is named in struct sysinfo_paths so tests use fixtures.
 */
#ifndef NETSH_IPSEC_SYSINFO_H
#define NETSH_IPSEC_SYSINFO_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sysinfo_addr {
	uint32_t addr; /* host order */
	uint8_t plen;
	char ifname[IF_NAMESIZE];
};

/* Server lists are host order, deduplicated, in the order found. */
struct sysinfo {
	struct sysinfo_addr *addrs; /* without loopback addresses */
	size_t n_addrs;
	uint32_t *gateways;
	size_t n_gateways;
	uint32_t *dns;
	size_t n_dns;
	uint32_t *dhcp;
	size_t n_dhcp;
	uint32_t *wins;
	size_t n_wins;
};

#define SYSINFO_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's list of upstream servers, used when resolv.conf names
 * only its local stub (127.0.0.53): the stub is not a server to filter. */
#define SYSINFO_RESOLVED_CONF "/run/systemd/resolve/resolv.conf"
#define SYSINFO_DHCLIENT_DIR  "/var/lib/dhcp"
#define SYSINFO_NETWORKD_DIR  "/run/systemd/netif/leases"
#define SYSINFO_NM_DIR	      "/var/lib/NetworkManager"
#define SYSINFO_WINS_FILE     "wins-servers" /* in the store directory */

/* NULL members take the defaults above (wins_file: none). */
struct sysinfo_paths {
	const char *resolv_conf;
	const char *resolved_conf;
	const char *dhclient_dir;
	const char *networkd_dir;
	const char *nm_dir;
	const char *wins_file;
};

/* Fill paths with the defaults; the WINS file is <store_dir>/wins-servers. */
void sysinfo_default_paths(struct sysinfo_paths *p, const char *store_dir, char *wins_buf,
			   size_t wins_len);

/*
 * Read everything: files from paths, and when use_netlink the addresses and
 * default routes over rtnetlink.  A missing file is not an error (no such
 * servers); an unreadable one or a netlink failure is.
 */
int sysinfo_read(const struct sysinfo_paths *paths, bool use_netlink, struct sysinfo *si, char *err,
		 size_t errlen);
int sysinfo_read_netlink(struct sysinfo *si, char *err, size_t errlen);
void sysinfo_free(struct sysinfo *si);

/* The parsers, each appending to a list (exposed for the unit tests). */
int sysinfo_parse_resolv(const char *path, uint32_t **list, size_t *n);
/* One lease file of dhclient (lease { ... } blocks; the last one counts),
 * or systemd-networkd / NetworkManager internal client (KEY=value). */
int sysinfo_parse_lease(const char *path, uint32_t **list, size_t *n);
/* Every regular file of dir whose name ends in suffix ("" = all). */
int sysinfo_parse_lease_dir(const char *dir, const char *suffix, uint32_t **list, size_t *n);
/* One IPv4 address per line (or several separated by blanks); '#' comments. */
int sysinfo_parse_wins(const char *path, uint32_t **list, size_t *n);
/* Append addr unless present; 0 or -ENOMEM. */
int sysinfo_list_add(uint32_t **list, size_t *n, uint32_t addr);
/* Add a local address (dedup by address); loopback ones are ignored. */
int sysinfo_add_addr(struct sysinfo *si, uint32_t addr, uint8_t plen, const char *ifname);

#endif
