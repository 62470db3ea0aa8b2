// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test against the kernel: sends the packets of
 * plan_random_pkt() for plan_random(SEED, N, CLASSES) as raw IPv4 (forged
 * addresses, so they must be forwarded by a namespace holding the table)
 * and prints, per filter id, how many of them the reference matcher gives
 * to that filter.  tests/netns/nft_differential.sh compares this with the
 * element counters of the nft table.
 *
 *   apply_diff SEED N CLASSES PACKETS   ->  "filter ID COUNT" lines
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apply/match.h"

/* Addresses the forwarding path would not forward or the test net uses. */
static bool unroutable(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top == 0 || top == 127 || top >= 224 || (a & 0xffff0000u) == 0xac1f0000u ||
	       (a & 0xffff0000u) == 0xa9fe0000u;
}

static uint16_t csum(const void *d, size_t n)
{
	const uint8_t *b = d;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build(const struct plan_pkt *k, uint8_t *buf)
{
	size_t l4 = k->proto == 6 ? 20 : k->proto == 17 ? 8 : 8;
	uint16_t tot = (uint16_t)(20 + l4), c;
	uint32_t s = htonl(k->src), d = htonl(k->dst);

	memset(buf, 0, 20 + l4);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[8] = 64;
	buf[9] = k->proto;
	memcpy(buf + 12, &s, 4);
	memcpy(buf + 16, &d, 4);
	c = csum(buf, 20);
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;
	if (k->proto == 6 || k->proto == 17) {
		buf[20] = (uint8_t)(k->sport >> 8);
		buf[21] = (uint8_t)k->sport;
		buf[22] = (uint8_t)(k->dport >> 8);
		buf[23] = (uint8_t)k->dport;
		if (k->proto == 6) {
			buf[32] = 0x50;
			buf[33] = 0x02; /* SYN */
		} else {
			buf[25] = 8;
		}
	} else if (k->proto == 1) {
		buf[20] = 8; /* echo request */
	}
	return tot;
}

int main(int argc, char **argv)
{
	struct plan p = {0};
	unsigned st, *cnt;
	long n_pkts, sent = 0, skipped = 0, unmatched = 0;
	int fd, one = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: apply_diff SEED N CLASSES PACKETS\n");
		return 2;
	}
	if (plan_random(&p, (unsigned)atoi(argv[1]), (size_t)atol(argv[2]), (size_t)atol(argv[3])))
		return 1;
	n_pkts = atol(argv[4]);
	st = (unsigned)atoi(argv[1]) * 7919u + 17;
	cnt = calloc(p.n_filters + 1, sizeof(*cnt));
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (!cnt || fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("raw socket");
		return 1;
	}
	for (long i = 0; i < n_pkts; i++) {
		struct plan_pkt k;
		struct sockaddr_in sa = {.sin_family = AF_INET};
		uint8_t buf[64];
		size_t len;
		int w;

		plan_random_pkt(&p, &st, &k);
		k.ifname = NULL;
		if (unroutable(k.src) || unroutable(k.dst) || k.dst == 0xffffffffu) {
			skipped++;
			continue;
		}
		for (size_t b = 0; b < p.n_bcast; b++)
			if (k.dst == p.bcast[b] || k.src == p.bcast[b])
				goto skip;
		len = build(&k, buf);
		sa.sin_addr.s_addr = htonl(k.dst);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("sendto");
			return 1;
		}
		sent++;
		w = plan_exempt_pkt(&p, &k) ? -1 : plan_match(&p, &k);
		if (w >= 0)
			cnt[w]++;
		else
			unmatched++;
		/* Stay below the backlog of the forwarding namespace. */
		if (sent % 100 == 0)
			usleep(2000);
		continue;
	skip:
		skipped++;
	}
	for (size_t i = 0; i < p.n_filters; i++)
		if (cnt[i])
			printf("filter %u %u\n", p.filters[i].id, cnt[i]);
	fprintf(stderr, "apply_diff: %ld sent, %ld exempt or unmatched, %ld skipped\n", sent,
		unmatched, skipped);
	close(fd);
	free(cnt);
	plan_free(&p);
	return 0;
}
