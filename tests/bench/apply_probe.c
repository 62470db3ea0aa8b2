// SPDX-License-Identifier: GPL-2.0
/*
 * UDP probe for the kernel backend netns tests: counts, per destination
 * port, how many datagrams were sent and how many arrived, so a test can
 * say of every packet whether its fate matched the policy.
 *
 *   apply_probe recv SECONDS PORT...        prints "port N received" lines
 *   apply_probe send DST MILLISECONDS GAP_US PORT...
 *                                           prints "port N sent" lines
 * Each datagram carries its port so a stray one is never counted twice.
 * PROBE_SPORT=N in the environment makes the sender use source port N.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXP 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_recv(double secs, int n, char **ports)
{
	struct pollfd pf[MAXP];
	unsigned long cnt[MAXP] = {0};
	double end = now() + secs;

	for (int i = 0; i < n; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		int one = 1;

		pf[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		pf[i].events = POLLIN;
		sa.sin_port = htons((uint16_t)atoi(ports[i]));
		setsockopt(pf[i].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(pf[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("bind");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (now() < end) {
		int r = poll(pf, (nfds_t)n, 100);

		if (r <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			char buf[64];

			if (!(pf[i].revents & POLLIN))
				continue;
			while (recv(pf[i].fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				cnt[i]++;
		}
	}
	for (int i = 0; i < n; i++)
		printf("port %s received %lu\n", ports[i], cnt[i]);
	return 0;
}

static int do_send(const char *dst, double ms, long gap_us, int n, char **ports)
{
	unsigned long cnt[MAXP] = {0}, fail[MAXP] = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	double end = now() + ms / 1000.0;
	struct sockaddr_in sa = {.sin_family = AF_INET};

	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1)
		return 2;
	if (getenv("PROBE_SPORT")) {
		struct sockaddr_in me = {.sin_family = AF_INET};
		int one = 1;

		me.sin_port = htons((uint16_t)atoi(getenv("PROBE_SPORT")));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&me, sizeof(me))) {
			perror("bind");
			return 1;
		}
	}
	while (now() < end) {
		for (int i = 0; i < n; i++) {
			char buf[16];

			sa.sin_port = htons((uint16_t)atoi(ports[i]));
			snprintf(buf, sizeof(buf), "%s", ports[i]);
			if (sendto(fd, buf, strlen(buf), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				fail[i]++;
			cnt[i]++;
		}
		if (gap_us)
			usleep((useconds_t)gap_us);
	}
	for (int i = 0; i < n; i++)
		printf("port %s sent %lu failed %lu\n", ports[i], cnt[i], fail[i]);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "recv") && argc - 3 <= MAXP)
		return do_recv(atof(argv[2]), argc - 3, argv + 3);
	if (argc >= 6 && !strcmp(argv[1], "send") && argc - 5 <= MAXP)
		return do_send(argv[2], atof(argv[3]), atol(argv[4]), argc - 5, argv + 5);
	fprintf(stderr, "usage: apply_probe recv SECONDS PORT... | send DST MS GAP_US PORT...\n");
	return 2;
}
