// SPDX-License-Identifier: GPL-2.0
/* VICI codec against hand-built byte vectors, and the client against a
 * scripted fake charon on a unix socket. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vici/vici.h"

/* section "a" { kv "k" = "v"; list "l" = ["x", ""]; section "b" {} } kv "z" = "\0\1" */
static const uint8_t full[] = {
	1, 1, 'a',
	3, 1, 'k', 0, 1, 'v',
	4, 1, 'l', 5, 0, 1, 'x', 5, 0, 0, 6,
	1, 1, 'b', 2,
	2,
	3, 1, 'z', 0, 2, 0, 1,
};

static void test_decode_all_elements(void **state)
{
	struct vici_msg *m;
	const struct vici_node *a, *l, *z;
	char err[256];

	(void)state;
	assert_int_equal(vici_decode(full, sizeof(full), &m, err, sizeof(err)), 0);
	assert_int_equal(m->root.n_child, 2);
	a = vici_child(&m->root, "a");
	assert_non_null(a);
	assert_int_equal(a->type, VICI_NODE_SECTION);
	assert_string_equal(vici_str(&m->root, "a.k"), "v");
	l = vici_path(&m->root, "a.l");
	assert_non_null(l);
	assert_int_equal(l->type, VICI_NODE_LIST);
	assert_int_equal(l->n_child, 2);
	assert_string_equal(l->child[0].value, "x");
	assert_int_equal(l->child[1].value_len, 0);
	assert_int_equal(vici_path(&m->root, "a.b")->type, VICI_NODE_SECTION);
	assert_int_equal(vici_path(&m->root, "a.b")->n_child, 0);
	z = vici_child(&m->root, "z");
	assert_int_equal(z->value_len, 2);
	assert_int_equal(z->value[0], 0);
	assert_int_equal(z->value[1], 1);
	assert_null(vici_path(&m->root, "a.nope"));
	assert_null(vici_str(&m->root, "a.l")); /* a list is not a string */
	vici_msg_free(m);
}

static void test_builder_bytes_and_round_trip(void **state)
{
	struct vici_builder b, b2;
	struct vici_msg *m;
	char err[256];
	const uint8_t z[2] = { 0, 1 };

	(void)state;
	vici_builder_init(&b);
	vici_begin_section(&b, "a");
	vici_add_kv_str(&b, "k", "v");
	vici_begin_list(&b, "l");
	vici_add_item_fmt(&b, "%c", 'x');
	vici_add_item_str(&b, "");
	vici_end_list(&b);
	vici_begin_section(&b, "b");
	vici_end_section(&b);
	vici_end_section(&b);
	vici_add_kv(&b, "z", z, 2);
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), 0);
	assert_int_equal(b.len, sizeof(full));
	assert_memory_equal(b.buf, full, sizeof(full));

	assert_int_equal(vici_decode(b.buf, b.len, &m, err, sizeof(err)), 0);
	vici_builder_init(&b2);
	assert_int_equal(vici_encode(m, &b2), 0);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.buf, b.buf, b.len);
	vici_msg_free(m);
	vici_builder_free(&b2);
	vici_builder_free(&b);
}

static void test_empty_message(void **state)
{
	struct vici_msg *m;
	char err[256];

	(void)state;
	assert_int_equal(vici_decode((const uint8_t *)"", 0, &m, err, sizeof(err)), 0);
	assert_int_equal(m->root.n_child, 0);
	vici_msg_free(m);
}

/* Every strict prefix of `full` that does not end on an element boundary
 * at depth 0 must be refused, and none may crash. */
static void test_truncated(void **state)
{
	static const size_t ok[] = { 0, 25, 32 }; /* boundaries at depth 0 */
	char err[256];

	(void)state;
	for (size_t n = 0; n < sizeof(full); n++) {
		struct vici_msg *m = NULL;
		int rc = vici_decode(full, n, &m, err, sizeof(err));
		bool expect_ok = false;

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			expect_ok |= ok[i] == n;
		if (expect_ok) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EBADMSG);
			assert_null(m);
			assert_non_null(strstr(err, "malformed"));
		}
		vici_msg_free(m);
	}
}

static void expect_bad(const uint8_t *d, size_t n, const char *why)
{
	struct vici_msg *m = NULL;
	char err[256] = "";

	assert_int_equal(vici_decode(d, n, &m, err, sizeof(err)), -EBADMSG);
	assert_null(m);
	if (!strstr(err, why))
		fail_msg("expected \"%s\" in \"%s\"", why, err);
}

static void test_garbage(void **state)
{
	static const uint8_t unknown[] = { 9 };
	static const uint8_t zero[] = { 0 };
	static const uint8_t end_at_root[] = { 2 };
	static const uint8_t item_outside[] = { 5, 0, 0 };
	static const uint8_t list_end_outside[] = { 6 };
	static const uint8_t kv_in_list[] = { 4, 1, 'l', 3, 1, 'k', 0, 0, 6 };
	static const uint8_t section_in_list[] = { 4, 1, 'l', 1, 1, 's', 2, 6 };
	static const uint8_t nul_name[] = { 3, 2, 'a', 0, 0, 0 };
	static const uint8_t long_value[] = { 3, 1, 'k', 0xff, 0xff, 'x' };
	static const uint8_t open_section[] = { 1, 1, 's', 3, 1, 'k', 0, 0 };
	static const uint8_t open_list[] = { 4, 1, 'l', 5, 0, 0 };

	(void)state;
	expect_bad(unknown, sizeof(unknown), "unknown element");
	expect_bad(zero, sizeof(zero), "unknown element");
	expect_bad(end_at_root, sizeof(end_at_root), "section end without");
	expect_bad(item_outside, sizeof(item_outside), "outside a list");
	expect_bad(list_end_outside, sizeof(list_end_outside), "outside a list");
	expect_bad(kv_in_list, sizeof(kv_in_list), "inside a list");
	expect_bad(section_in_list, sizeof(section_in_list), "inside a list");
	expect_bad(nul_name, sizeof(nul_name), "NUL");
	expect_bad(long_value, sizeof(long_value), "truncated value");
	expect_bad(open_section, sizeof(open_section), "not terminated");
	expect_bad(open_list, sizeof(open_list), "not terminated");
}

static void test_nesting_limit(void **state)
{
	uint8_t buf[4 * (VICI_MAX_DEPTH + 1) * 2];
	struct vici_msg *m;
	char err[256];
	size_t n = 0;

	(void)state;
	for (int depth = VICI_MAX_DEPTH; depth <= VICI_MAX_DEPTH + 1; depth++) {
		n = 0;
		for (int i = 0; i < depth; i++) {
			buf[n++] = 1;
			buf[n++] = 1;
			buf[n++] = 's';
		}
		for (int i = 0; i < depth; i++)
			buf[n++] = 2;
		if (depth == VICI_MAX_DEPTH) {
			assert_int_equal(vici_decode(buf, n, &m, err, sizeof(err)), 0);
			vici_msg_free(m);
		} else {
			expect_bad(buf, n, "too deeply");
		}
	}
}

static void test_oversized(void **state)
{
	struct vici_builder b;
	struct vici_msg *m = NULL;
	char err[256], name[300];
	uint8_t *big;

	(void)state;
	big = calloc(1, VICI_MAX_PACKET + 1);
	assert_int_equal(vici_decode(big, VICI_MAX_PACKET + 1, &m, err, sizeof(err)), -EMSGSIZE);
	assert_null(m);

	vici_builder_init(&b);
	vici_add_kv(&b, "k", big, 0x10000);
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -E2BIG);
	vici_builder_reset(&b);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	vici_begin_section(&b, name);
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -ENAMETOOLONG);
	/* 9 values of 64 KiB go past the 512 KiB limit */
	vici_builder_reset(&b);
	for (int i = 0; i < 9; i++)
		vici_add_kv(&b, "k", big, 0xffff);
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EMSGSIZE);
	vici_builder_free(&b);
	free(big);
}

static void test_builder_misuse(void **state)
{
	struct vici_builder b;
	char err[256];

	(void)state;
	vici_builder_init(&b);
	vici_end_section(&b);
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EINVAL);
	vici_builder_reset(&b);
	vici_begin_list(&b, "l");
	vici_add_kv_str(&b, "k", "v");
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EINVAL);
	vici_builder_reset(&b);
	vici_add_item_str(&b, "x");
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EINVAL);
	vici_builder_reset(&b);
	vici_begin_section(&b, "s");
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "open section"));
	vici_builder_reset(&b);
	vici_begin_list(&b, "l");
	assert_int_equal(vici_builder_error(&b, err, sizeof(err)), -EINVAL);
	vici_builder_free(&b);
}

static void test_packets(void **state)
{
	struct vici_builder body, pkt;
	struct vici_packet p;
	char err[256];
	static const uint8_t confirm[] = { 5 };
	static const uint8_t trunc_name[] = { 0, 5, 'a' };
	static const uint8_t bad_type[] = { 8 };
	static const uint8_t nul_name[] = { 7, 2, 'a', 0 };

	(void)state;
	vici_builder_init(&body);
	vici_builder_init(&pkt);
	vici_add_kv_str(&body, "k", "v");
	assert_int_equal(vici_packet_build(&pkt, VICI_CMD_REQUEST, "version", &body), 0);
	/* length 1 + 1 + 7 + 6 = 15 */
	assert_int_equal(pkt.len, 4 + 15);
	assert_int_equal(pkt.buf[3], 15);
	assert_int_equal(pkt.buf[4], VICI_CMD_REQUEST);
	assert_int_equal(pkt.buf[5], 7);
	assert_memory_equal(pkt.buf + 6, "version", 7);
	assert_int_equal(vici_packet_parse(pkt.buf + 4, pkt.len - 4, &p, err, sizeof(err)), 0);
	assert_int_equal(p.type, VICI_CMD_REQUEST);
	assert_string_equal(p.name, "version");
	assert_int_equal(p.body_len, 6);

	assert_int_equal(vici_packet_parse(confirm, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p.type, VICI_EVENT_CONFIRM);
	assert_int_equal(p.body_len, 0);
	assert_int_equal(vici_packet_parse(trunc_name, 3, &p, err, sizeof(err)), -EBADMSG);
	assert_int_equal(vici_packet_parse(bad_type, 1, &p, err, sizeof(err)), -EBADMSG);
	assert_int_equal(vici_packet_parse(nul_name, 4, &p, err, sizeof(err)), -EBADMSG);
	assert_int_equal(vici_packet_parse(confirm, 0, &p, err, sizeof(err)), -EBADMSG);
	vici_builder_free(&body);
	vici_builder_free(&pkt);
}

static void test_dump(void **state)
{
	struct vici_msg *m;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(vici_decode(full, sizeof(full), &m, err, sizeof(err)), 0);
	f = open_memstream(&text, &len);
	vici_dump(&m->root, f);
	fclose(f);
	assert_string_equal(text, "a {\n  k = v\n  l = [x, ]\n  b {\n  }\n}\nz = \\x00\\x01\n");
	free(text);
	vici_msg_free(m);
}

/* ------------------------------------------------------------------ */
/* Client against a scripted fake charon */

struct fake {
	char path[108];
	int lfd;
	pthread_t th;
	int step_failed;
};

static int rd(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);

		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one packet; returns its type and copies its name. */
static int srv_read(int fd, char *name)
{
	uint8_t hdr[4], buf[4096];
	size_t n;

	if (rd(fd, hdr, 4))
		return -1;
	n = (size_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (n > sizeof(buf) || rd(fd, buf, n))
		return -1;
	name[0] = '\0';
	if (buf[0] == VICI_CMD_REQUEST || buf[0] == VICI_EVENT_REGISTER ||
	    buf[0] == VICI_EVENT_UNREGISTER) {
		memcpy(name, buf + 2, buf[1]);
		name[buf[1]] = '\0';
	}
	return buf[0];
}

static void srv_send(int fd, enum vici_packet_type t, const char *name, struct vici_builder *body)
{
	struct vici_builder pkt;

	vici_builder_init(&pkt);
	vici_packet_build(&pkt, t, name, body);
	if (write(fd, pkt.buf, pkt.len) != (ssize_t)pkt.len)
		abort();
	vici_builder_free(&pkt);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct vici_builder b;
	char name[256];
	int fd = accept(f->lfd, NULL, NULL);

	vici_builder_init(&b);
	/* 1: version, with an unrelated event before the response */
	if (srv_read(fd, name) != VICI_CMD_REQUEST || strcmp(name, "version"))
		f->step_failed = 1;
	vici_add_kv_str(&b, "msg", "hello");
	srv_send(fd, VICI_EVENT, "log", &b);
	vici_builder_reset(&b);
	vici_add_kv_str(&b, "version", "5.9.8");
	srv_send(fd, VICI_CMD_RESPONSE, NULL, &b);
	/* 2: streamed list-sas with two events */
	if (srv_read(fd, name) != VICI_EVENT_REGISTER || strcmp(name, "list-sa"))
		f->step_failed = 2;
	srv_send(fd, VICI_EVENT_CONFIRM, NULL, NULL);
	if (srv_read(fd, name) != VICI_CMD_REQUEST || strcmp(name, "list-sas"))
		f->step_failed = 2;
	for (int i = 0; i < 2; i++) {
		vici_builder_reset(&b);
		vici_begin_section(&b, i ? "two" : "one");
		vici_add_kv_str(&b, "state", "ESTABLISHED");
		vici_end_section(&b);
		srv_send(fd, VICI_EVENT, "list-sa", &b);
	}
	srv_send(fd, VICI_CMD_RESPONSE, NULL, NULL);
	if (srv_read(fd, name) != VICI_EVENT_UNREGISTER || strcmp(name, "list-sa"))
		f->step_failed = 2;
	srv_send(fd, VICI_EVENT_CONFIRM, NULL, NULL);
	/* 3: a refused load-conn with a two-line message */
	if (srv_read(fd, name) != VICI_CMD_REQUEST || strcmp(name, "load-conn"))
		f->step_failed = 3;
	vici_builder_reset(&b);
	vici_add_kv_str(&b, "success", "no");
	vici_add_kv_str(&b, "errmsg", "bad\nthing");
	srv_send(fd, VICI_CMD_RESPONSE, NULL, &b);
	/* 4: unknown command, unknown event */
	if (srv_read(fd, name) != VICI_CMD_REQUEST)
		f->step_failed = 4;
	srv_send(fd, VICI_CMD_UNKNOWN, NULL, NULL);
	if (srv_read(fd, name) != VICI_EVENT_REGISTER)
		f->step_failed = 4;
	srv_send(fd, VICI_EVENT_UNKNOWN, NULL, NULL);
	/* 5: an event between commands, for vici_poll */
	vici_builder_reset(&b);
	vici_add_kv_str(&b, "msg", "async");
	srv_send(fd, VICI_EVENT, "log", &b);
	/* 6: a command never answered: the client times out */
	if (srv_read(fd, name) != VICI_CMD_REQUEST || strcmp(name, "slow"))
		f->step_failed = 6;
	/* wait for the client to give up, then go away */
	srv_read(fd, name);
	close(fd);
	vici_builder_free(&b);
	return NULL;
}

static void fake_start(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/test_vici.%d.sock", (int)getpid());
	unlink(f->path);
	strcpy(sa.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

struct events {
	int n;
	char last[64];
	char names[4][64];
};

static void on_event(void *ctx, const char *event, const struct vici_msg *m)
{
	struct events *e = ctx;

	snprintf(e->last, sizeof(e->last), "%s:%s", event, vici_str(&m->root, "msg") ?: "");
	if (e->n < 4)
		snprintf(e->names[e->n], sizeof(e->names[0]), "%s",
			 m->root.n_child ? m->root.child[0].name : "");
	e->n++;
}

static void test_client_scripted(void **state)
{
	struct fake f;
	struct vici_conn *c;
	struct vici_msg *m;
	struct events async = { 0 }, stream = { 0 };
	char err[256];

	(void)state;
	fake_start(&f);
	assert_int_equal(vici_connect(f.path, 2000, &c, err, sizeof(err)), 0);
	vici_set_event_cb(c, on_event, &async);

	assert_int_equal(vici_command(c, "version", NULL, &m, err, sizeof(err)), 0);
	assert_string_equal(vici_str(&m->root, "version"), "5.9.8");
	vici_msg_free(m);
	assert_int_equal(async.n, 1);
	assert_string_equal(async.last, "log:hello");

	assert_int_equal(vici_stream(c, "list-sas", "list-sa", NULL, on_event, &stream, NULL, err,
				     sizeof(err)),
			 0);
	assert_int_equal(stream.n, 2);
	assert_string_equal(stream.names[0], "one");
	assert_string_equal(stream.names[1], "two");
	assert_int_equal(async.n, 1);

	assert_int_equal(vici_command(c, "load-conn", NULL, NULL, err, sizeof(err)), -EREMOTEIO);
	assert_string_equal(err, "charon: load-conn: bad thing");

	assert_int_equal(vici_command(c, "bogus", NULL, NULL, err, sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "charon: unknown command bogus");
	assert_int_equal(vici_register(c, "nope", err, sizeof(err)), -ENOENT);

	assert_int_equal(vici_poll(c, 2000, err, sizeof(err)), 1);
	assert_string_equal(async.last, "log:async");

	vici_set_timeout(c, 200);
	assert_int_equal(vici_command(c, "slow", NULL, NULL, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "timed out"));
	/* a late reply would be mistaken for the next one: refuse */
	assert_int_equal(vici_command(c, "version", NULL, NULL, err, sizeof(err)), -ECONNRESET);
	vici_close(c);
	pthread_join(f.th, NULL);
	close(f.lfd);
	unlink(f.path);
	assert_int_equal(f.step_failed, 0);
}

static void *garbage_main(void *arg)
{
	struct fake *f = arg;
	char name[256];
	int fd = accept(f->lfd, NULL, NULL);
	static const uint8_t bad[] = { 0xff, 0xff, 0xff, 0xff, 1 };

	srv_read(fd, name);
	if (write(fd, bad, sizeof(bad)) != sizeof(bad))
		abort();
	srv_read(fd, name);
	close(fd);
	return NULL;
}

static void test_client_garbage_and_close(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake f;
	struct vici_conn *c;
	char err[256];

	(void)state;
	memset(&f, 0, sizeof(f));
	snprintf(f.path, sizeof(f.path), "/tmp/test_vici_g.%d.sock", (int)getpid());
	unlink(f.path);
	strcpy(sa.sun_path, f.path);
	f.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.lfd, 1), 0);
	assert_int_equal(pthread_create(&f.th, NULL, garbage_main, &f), 0);
	assert_int_equal(vici_connect(f.path, 2000, &c, err, sizeof(err)), 0);
	assert_int_equal(vici_command(c, "version", NULL, NULL, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "bad packet length"));
	vici_close(c);
	pthread_join(f.th, NULL);
	close(f.lfd);
	unlink(f.path);
}

static void test_connect_errors(void **state)
{
	struct vici_conn *c;
	char err[256], longp[200];

	(void)state;
	assert_int_equal(vici_connect("/nonexistent/charon.vici", 100, &c, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err,
			    "charon: cannot connect to /nonexistent/charon.vici: No such file or directory");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(vici_connect(longp, 100, &c, err, sizeof(err)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_all_elements),
		cmocka_unit_test(test_builder_bytes_and_round_trip),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_builder_misuse),
		cmocka_unit_test(test_packets),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_client_scripted),
		cmocka_unit_test(test_client_garbage_and_close),
		cmocka_unit_test(test_connect_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
