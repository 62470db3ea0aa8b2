// SPDX-License-Identifier: GPL-2.0
/* The lowering of negotiate rules into charon messages, without charon:
 * an emitter captures and decodes every message. */
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

#include "apply/vici_lower.h"
#include "vici_fixture.h"

struct obj {
	enum vici_obj kind;
	char name[128];
	struct vici_msg *msg;
};

struct capture {
	struct obj v[64];
	size_t n;
	int fail_at; /* 1-based object number to refuse; 0 = none */
};

static int capture_emit(void *ctx, enum vici_obj kind, const char *name,
			const struct vici_builder *msg, char *err, size_t errlen)
{
	struct capture *c = ctx;
	struct obj *o;

	if (c->fail_at && (size_t)c->fail_at == c->n + 1) {
		snprintf(err, errlen, "refused");
		return -EIO;
	}
	assert_true(c->n < 64);
	o = &c->v[c->n++];
	o->kind = kind;
	snprintf(o->name, sizeof(o->name), "%s", name);
	assert_int_equal(vici_decode(msg->buf, msg->len, &o->msg, err, errlen), 0);
	return 0;
}

static void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		vici_msg_free(c->v[i].msg);
	c->n = 0;
}

/* The connection section of a load-conn whose name contains part. */
static const struct vici_node *conn(const struct capture *c, const char *part)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind == VICI_OBJ_CONN && strstr(c->v[i].name, part))
			return &c->v[i].msg->root.child[0];
	return NULL;
}

static const struct vici_msg *shared(const struct capture *c, const char *part)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].kind == VICI_OBJ_SHARED && strstr(c->v[i].name, part))
			return c->v[i].msg;
	return NULL;
}

/* A list as "a,b,c". */
static const char *list(const struct vici_node *sec, const char *path)
{
	static char buf[1024];
	const struct vici_node *l = vici_path(sec, path);
	size_t k = 0;

	buf[0] = '\0';
	if (!l || l->type != VICI_NODE_LIST)
		return "<none>";
	for (size_t i = 0; i < l->n_child; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "," : "", l->child[i].value);
	return buf;
}

static char ca_dir[64];

static int setup_ca(void **state)
{
	char path[128];
	FILE *f;

	(void)state;
	snprintf(ca_dir, sizeof(ca_dir), "/tmp/test_vici_lower.XXXXXX");
	assert_non_null(mkdtemp(ca_dir));
	snprintf(path, sizeof(path), "%s/root.pem", ca_dir);
	f = fopen(path, "w");
	fputs(fx_ca_pem, f);
	fclose(f);
	/* a file that is no certificate must be skipped quietly */
	snprintf(path, sizeof(path), "%s/README", ca_dir);
	f = fopen(path, "w");
	fputs("not a certificate\n", f);
	fclose(f);
	setenv("NETSH_IPSEC_CA_DIR", ca_dir, 1);
	return 0;
}

static int teardown_ca(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", ca_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_host_rules(void **state)
{
	struct capture c = { 0 };
	struct plan p;
	const struct vici_node *k, *ch;
	const struct vici_msg *s;
	char err[256];

	(void)state;
	fx_many(&p, 2);
	assert_int_equal(vici_lower_plan(&p, false, capture_emit, &c, NULL, err, sizeof(err)), 0);
	/* key then connection, per rule */
	assert_int_equal(c.n, 4);
	assert_int_equal(c.v[0].kind, VICI_OBJ_SHARED);
	assert_int_equal(c.v[1].kind, VICI_OBJ_CONN);
	assert_string_equal(c.v[1].name, "nsipsec-0000abcd-0000-0000-0000-000000000001-10.100.0.1");
	k = conn(&c, "000000000002-10.100.0.2");
	assert_non_null(k);
	assert_string_equal(vici_str(k, "version"), "1");
	assert_string_equal(vici_str(k, "aggressive"), "no");
	assert_string_equal(list(k, "proposals"),
			    "3des-sha1-modp1024,3des-md5-modp1024,3des-sha1-modp2048");
	assert_string_equal(vici_str(k, "rekey_time"), "28800s");
	assert_string_equal(list(k, "local_addrs"), "10.99.0.1");
	assert_string_equal(list(k, "remote_addrs"), "10.100.0.2");
	assert_string_equal(vici_str(k, "local.auth"), "psk");
	assert_string_equal(vici_str(k, "local.id"), "10.99.0.1");
	assert_string_equal(vici_str(k, "remote.id"), "10.100.0.2");
	/* the mirrored pair is one child */
	assert_int_equal(vici_child(k, "children")->n_child, 1);
	ch = vici_path(k, "children.r4e540002");
	assert_non_null(ch);
	assert_string_equal(vici_str(ch, "mode"), "transport");
	assert_string_equal(list(ch, "esp_proposals"), "3des-sha1,3des-md5");
	assert_string_equal(list(ch, "local_ts"), "10.99.0.1/32");
	assert_string_equal(list(ch, "remote_ts"), "10.100.0.2/32");
	assert_string_equal(vici_str(ch, "reqid"), "1314127874"); /* 0x4e540002 */
	assert_string_equal(vici_str(ch, "policies"), "no");
	assert_string_equal(vici_str(ch, "start_action"), "trap");
	assert_string_equal(vici_str(ch, "rekey_time"), "3600s");
	assert_string_equal(vici_str(ch, "rekey_bytes"), "102400000");
	s = shared(&c, "000000000002");
	assert_string_equal(vici_str(&s->root, "type"), "IKE");
	assert_string_equal(vici_str(&s->root, "data"), "secret-2");
	assert_string_equal(list(&s->root, "owners"), "10.99.0.1,10.100.0.2");
	capture_free(&c);
	plan_free(&p);
}

static void test_kitchen_sink(void **state)
{
	struct capture c = { 0 };
	struct plan p;
	const struct vici_node *k, *ch;
	char err[256], *warn = NULL;
	size_t wlen = 0;
	FILE *w = open_memstream(&warn, &wlen);

	(void)state;
	fx_sink(&p);
	/* rule 8's CA is missing: an error for it, the others are lowered */
	assert_int_equal(vici_lower_plan(&p, false, capture_emit, &c, w, err, sizeof(err)), -ENOENT);
	fclose(w);
	assert_non_null(strstr(err, "rule8"));
	assert_non_null(strstr(err, "CN=Nobody"));

	/* 1: odd methods and PFS with every main mode group */
	k = conn(&c, "000000000001-10.1.0.2");
	assert_non_null(k);
	assert_string_equal(list(k, "proposals"), "des-md5-modp768,aes256-sha256-modp2048,"
						  "aes128-sha1-ecp256,3des-sha384-modp2048");
	assert_string_equal(vici_str(k, "rekey_time"), "3600s");
	ch = vici_path(k, "children.r4e540001");
	assert_string_equal(list(ch, "esp_proposals"),
			    "3des-sha1-modp768,3des-sha1-modp2048,3des-sha1-ecp256,"
			    "null-sha1-modp768,null-sha1-modp2048,null-sha1-ecp256,"
			    "des-modp768,des-modp2048,des-ecp256");
	assert_string_equal(list(ch, "local_ts"), "10.99.0.1/32[tcp]");
	assert_string_equal(list(ch, "remote_ts"), "10.1.0.2/32[tcp/80]");
	assert_string_equal(vici_str(ch, "rekey_time"), "900s");
	assert_string_equal(vici_str(ch, "life_time"), "990s");
	assert_string_equal(vici_str(ch, "rekey_bytes"), "51200000");

	/* 2: Kerberos dropped, bundle lowered to ESP, AH kept, remote Any */
	k = conn(&c, "000000000002-any");
	assert_non_null(k);
	assert_string_equal(list(k, "remote_addrs"), "%any");
	assert_string_equal(vici_str(k, "remote.id"), "%any");
	ch = vici_path(k, "children.r4e540002");
	assert_string_equal(list(ch, "esp_proposals"), "3des-md5");
	/* the kernel template requires ESP (the first method's protocol) */
	assert_string_equal(list(ch, "ah_proposals"), "<none>");
	assert_non_null(strstr(warn, "rule \"rule2\": 1 AH method(s) not offered"));
	assert_string_equal(list(ch, "remote_ts"), "0.0.0.0/0");
	assert_non_null(strstr(warn, "rule \"rule2\": strongSwan has no Kerberos"));
	assert_non_null(strstr(warn, "rule \"rule2\": strongSwan cannot negotiate AH+ESP"));

	/* 3: Kerberos only */
	assert_null(conn(&c, "000000000003"));
	assert_null(shared(&c, "000000000003"));
	assert_non_null(strstr(warn, "rule \"rule3\": Kerberos is its only"));

	/* 4 + 5: one tunnel child for both halves */
	k = conn(&c, "000000000004-192.0.2.1");
	assert_non_null(k);
	assert_string_equal(list(k, "remote_addrs"), "192.0.2.1");
	ch = vici_path(k, "children.r4e540004");
	assert_string_equal(vici_str(ch, "mode"), "tunnel");
	assert_string_equal(list(ch, "local_ts"), "10.10.0.0/24");
	assert_string_equal(list(ch, "remote_ts"), "10.20.0.0/24");
	assert_null(conn(&c, "000000000005"));
	assert_null(strstr(warn, "rule5"));
	/* the kernel side's inbound policies for rule 5 use rule 4's child */
	for (size_t i = 0; i < p.n_filters; i++) {
		uint32_t want = p.filters[i].reqid;

		if (p.filters[i].reqid == PLAN_REQID_FILTER_BASE + 5)
			want = PLAN_REQID_FILTER_BASE + 4;
		assert_int_equal(vici_child_reqid(&p, &p.filters[i]), want);
	}

	/* 6: inbound half alone: answers only, sides swapped */
	k = conn(&c, "000000000006-any");
	assert_non_null(k);
	ch = vici_path(k, "children.r4e540006");
	assert_string_equal(vici_str(ch, "start_action"), "none");
	assert_string_equal(list(ch, "local_ts"), "10.10.0.0/24");
	assert_string_equal(list(ch, "remote_ts"), "10.60.0.0/24");

	/* 7: root CA found by subject, sent as the peer's CA */
	k = conn(&c, "000000000007-10.1.0.7");
	assert_non_null(k);
	assert_string_equal(vici_str(k, "remote.auth"), "pubkey");
	assert_string_equal(vici_str(k, "local.auth"), "pubkey");
	assert_int_equal(vici_path(k, "remote.cacerts")->n_child, 1);
	assert_int_equal(vici_path(k, "remote.cacerts")->child[0].value_len, 418);
	assert_int_equal((unsigned char)vici_path(k, "remote.cacerts")->child[0].value[0], 0x30);
	assert_null(shared(&c, "000000000007"));

	/* 8: skipped */
	assert_null(conn(&c, "000000000008"));

	/* 9: subnet peer, soft */
	k = conn(&c, "000000000009-10.3.0.0_16");
	assert_non_null(k);
	assert_string_equal(list(k, "remote_addrs"), "10.3.0.0/16");
	assert_string_equal(vici_str(k, "keyingtries"), "1");
	ch = vici_path(k, "children.r4e540009");
	assert_string_equal(list(ch, "remote_ts"), "10.3.0.0/16[udp/53]");
	assert_string_equal(list(ch, "local_ts"), "10.99.0.1/32[udp]");

	/* 10: default response */
	k = conn(&c, "nsipsec-default-");
	assert_non_null(k);
	assert_string_equal(list(k, "remote_addrs"), "%any");
	ch = vici_path(k, "children.respond");
	assert_string_equal(vici_str(ch, "start_action"), "none");
	assert_string_equal(list(ch, "local_ts"), "dynamic");
	assert_null(vici_str(ch, "policies")); /* charon installs what it negotiates */
	assert_null(vici_str(ch, "reqid"));
	assert_string_equal(list(&shared(&c, "default")->root, "owners"), "%any");

	free(warn);
	capture_free(&c);
	plan_free(&p);
}

static void test_ca_match_forms(void **state)
{
	static const char *const dns[] = {
		"CN=Test Root, O=Example, C=US",
		"c=us,o=example,cn=test root",
		"C=US/O=Example/CN=Test Root",
		" CN = Test Root ; O=Example; C=US ",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
		struct capture c = { 0 };
		struct plan p;

		memset(&p, 0, sizeof(p));
		fx_add_me(&p, FX_ME);
		fx_add_auth(fx_add_rule(&p, 1, NULL), NS_AUTH_ROOTCA, dns[i]);
		fx_add_filter(&p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 7), 32, 0, 0, 0), true,
			      PLAN_REQID_FILTER_BASE + 1);
		if (vici_lower_plan(&p, false, capture_emit, &c, NULL, err, sizeof(err)))
			fail_msg("%s: %s", dns[i], err);
		assert_int_equal(c.n, 1);
		capture_free(&c);
		plan_free(&p);
	}
}

static void test_groups_and_names(void **state)
{
	static const struct {
		enum ns_dh g;
		const char *name;
	} map[] = {
		{ NS_DH_1, "modp768" }, { NS_DH_2, "modp1024" }, { NS_DH_3, "modp2048" },
		{ NS_DH_14, "modp2048" }, { NS_DH_19, "ecp256" }, { NS_DH_20, "ecp384" },
		{ NS_DH_24, "modp2048s256" },
	};
	char err[256], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct capture c = { 0 };
		struct plan p;
		struct plan_rule *r;

		fx_many(&p, 1);
		r = &p.rules[0];
		r->n_mm = 1;
		r->mm[0] = (struct ns_mm_method){ NS_CIPHER_AES192, NS_HASH_SHA1, map[i].g };
		r->n_qm = 1;
		r->qm[0] = (struct ns_qm_method){ .kind = NS_QM_AH, .ah_hash = NS_HASH_SHA256,
						  .lifetime_kb = 1, .lifetime_sec = 60 };
		r->qmpfs = true;
		assert_int_equal(vici_lower_plan(&p, false, capture_emit, &c, NULL, err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "aes192-sha1-%s", map[i].name);
		assert_string_equal(list(c.v[1].msg->root.child, "proposals"), want);
		snprintf(want, sizeof(want), "sha256-%s", map[i].name);
		assert_string_equal(list(c.v[1].msg->root.child, "children.r4e540001.ah_proposals"),
				    want);
		assert_string_equal(list(c.v[1].msg->root.child, "children.r4e540001.esp_proposals"),
				    "<none>");
		capture_free(&c);
		plan_free(&p);
	}
}

static void test_emit_error_stops(void **state)
{
	struct capture c = { .fail_at = 2 };
	struct plan p;
	char err[256];

	(void)state;
	fx_many(&p, 3);
	assert_int_equal(vici_lower_plan(&p, false, capture_emit, &c, NULL, err, sizeof(err)), -EIO);
	assert_string_equal(err, "refused");
	assert_int_equal(c.n, 1);
	capture_free(&c);
	plan_free(&p);
}

static void test_apply_without_charon(void **state)
{
	struct apply_opts o = { .vici_path = "/nonexistent/charon.vici" };
	struct plan p, empty;
	char err[256];

	(void)state;
	fx_many(&p, 1);
	assert_int_equal(vici_backend_apply(&p, &o, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "charon: cannot connect to /nonexistent/charon.vici: "
				 "No such file or directory");
	/* nothing to negotiate: charon's absence is not an error */
	memset(&empty, 0, sizeof(empty));
	assert_int_equal(vici_backend_apply(&empty, &o, err, sizeof(err)), 0);
	assert_int_equal(vici_backend_flush(&o, err, sizeof(err)), 0);
	assert_int_equal(vici_backend_status(&o, err, sizeof(err)), -ENOENT);
	assert_false(vici_backend_connected("/nonexistent/charon.vici"));
	assert_true(vici_backend_watch_open("/nonexistent/charon.vici", err, sizeof(err)) < 0);
	plan_free(&p);
}

static void test_dry_run_verbose(void **state)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct apply_opts o = { .dry_run = true, .verbose = true, .out = out,
				.vici_path = "/nonexistent/charon.vici" };
	struct plan p;

	(void)state;
	fx_many(&p, 1);
	assert_int_equal(vici_backend_apply(&p, &o, err, sizeof(err)), 0);
	fclose(out);
	assert_non_null(strstr(text, "vici: load-conn nsipsec-0000abcd-0000-0000-0000-000000000001"));
	assert_non_null(strstr(text, "reqid = 1314127873"));
	assert_non_null(strstr(text, "(preshared key, not shown)"));
	assert_null(strstr(text, "secret-1"));
	assert_non_null(strstr(text, "(dry run)"));
	free(text);
	plan_free(&p);
}

/* Rules to one peer share a connection (charon's IKEv1 responder picks
 * the connection before it sees the selectors); other keys split them. */
static void test_rules_share_peer_connection(void **state)
{
	struct capture c = { 0 };
	struct plan p;
	const struct vici_node *k;
	char err[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	fx_add_me(&p, FX_ME);
	fx_add_rule(&p, 1, "same");
	fx_add_filter(&p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 2), 32, 6, 0, 80), true,
		      PLAN_REQID_FILTER_BASE + 1);
	fx_add_rule(&p, 2, "same");
	fx_add_filter(&p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 2), 32, 17, 0, 53), true,
		      PLAN_REQID_FILTER_BASE + 2);
	fx_add_rule(&p, 3, "other key");
	fx_add_filter(&p, fx_sel(FX_ME, 32, fx_ip(10, 1, 0, 2), 32, 1, 0, 0), true,
		      PLAN_REQID_FILTER_BASE + 3);
	assert_int_equal(vici_lower_plan(&p, false, capture_emit, &c, NULL, err, sizeof(err)), 0);
	/* key + conn for rules 1+2, key + conn for rule 3 */
	assert_int_equal(c.n, 4);
	k = conn(&c, "000000000001-10.1.0.2");
	assert_non_null(k);
	assert_int_equal(vici_child(k, "children")->n_child, 2);
	assert_string_equal(list(k, "children.r4e540001.remote_ts"), "10.1.0.2/32[tcp/80]");
	assert_string_equal(list(k, "children.r4e540002.remote_ts"), "10.1.0.2/32[udp/53]");
	assert_null(conn(&c, "000000000002-10.1.0.2"));
	k = conn(&c, "000000000003-10.1.0.2");
	assert_non_null(k);
	assert_int_equal(vici_child(k, "children")->n_child, 1);
	capture_free(&c);

	/* with the bpf classifier: one child per rule in the shared connection */
	assert_int_equal(vici_lower_plan(&p, true, capture_emit, &c, NULL, err, sizeof(err)), 0);
	k = conn(&c, "000000000001-10.1.0.2");
	assert_int_equal(vici_child(k, "children")->n_child, 2);
	assert_string_equal(list(k, "children.r4e530001.remote_ts"), "10.1.0.2/32[tcp/80]");
	assert_string_equal(list(k, "children.r4e530002.remote_ts"), "10.1.0.2/32[udp/53]");
	capture_free(&c);
	plan_free(&p);
}

/* bpf classifier: one child per connection with the rule's reqid. */
static void test_rule_reqids(void **state)
{
	struct capture c = { 0 };
	struct plan p;
	const struct vici_node *k, *ch;
	char err[256];

	(void)state;
	fx_many(&p, 1);
	/* a second filter to the same peer, and a mirrored twin */
	fx_add_filter(&p, fx_sel(FX_ME, 32, fx_ip(10, 100, 0, 1), 32, 6, 0, 22), true,
		      PLAN_REQID_FILTER_BASE + 7);
	assert_int_equal(vici_lower_plan(&p, true, capture_emit, &c, NULL, err, sizeof(err)), 0);
	k = conn(&c, "000000000001-10.100.0.1");
	assert_non_null(k);
	assert_int_equal(vici_child(k, "children")->n_child, 1);
	ch = vici_path(k, "children.r4e530001");
	assert_non_null(ch);
	assert_string_equal(vici_str(ch, "reqid"), "1314062337"); /* 0x4e530001 */
	assert_string_equal(list(ch, "local_ts"), "10.99.0.1/32,10.99.0.1/32[tcp]");
	assert_string_equal(list(ch, "remote_ts"), "10.100.0.1/32,10.100.0.1/32[tcp/22]");
	assert_string_equal(vici_str(ch, "start_action"), "trap");
	assert_string_equal(vici_str(ch, "policies"), "no");
	capture_free(&c);
	plan_free(&p);
}

/* ------------------------------------------------------------------ */
/* vici_backend_apply against a scripted charon that refuses one object */

struct fake_charon {
	char path[108];
	int lfd;
	pthread_t th;
	int loads;          /* load-conn requests seen */
	char unloaded[4][128];
	int n_unloaded;
};

static int fk_read(int fd, uint8_t *buf, size_t cap, char *name, size_t *body_off, size_t *len)
{
	uint8_t hdr[4];
	size_t n, got = 0;

	for (size_t h = 0; h < 4;) {
		ssize_t r = read(fd, hdr + h, 4 - h);

		if (r <= 0)
			return -1;
		h += (size_t)r;
	}
	n = (size_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (n > cap)
		return -1;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	memcpy(name, buf + 2, buf[1]);
	name[buf[1]] = '\0';
	*body_off = 2 + buf[1];
	*len = n;
	return buf[0];
}

static void fk_reply(int fd, struct vici_builder *body)
{
	struct vici_builder pkt;

	vici_builder_init(&pkt);
	vici_packet_build(&pkt, VICI_CMD_RESPONSE, NULL, body);
	if (write(fd, pkt.buf, pkt.len) != (ssize_t)pkt.len)
		abort();
	vici_builder_free(&pkt);
}

static void *fake_charon_main(void *arg)
{
	struct fake_charon *f = arg;
	static uint8_t buf[1 << 16];
	struct vici_builder b;
	char name[256], err[128];
	size_t off, len;
	int fd = accept(f->lfd, NULL, NULL);

	vici_builder_init(&b);
	while (fk_read(fd, buf, sizeof(buf), name, &off, &len) == VICI_CMD_REQUEST) {
		vici_builder_reset(&b);
		if (!strcmp(name, "load-conn") && f->loads++ == 0) {
			vici_add_kv_str(&b, "success", "no");
			vici_add_kv_str(&b, "errmsg", "boom");
		} else if (!strcmp(name, "get-conns")) {
			vici_begin_list(&b, "conns");
			vici_add_item_str(&b, "nsipsec-old-rule");
			vici_add_item_str(&b, "someone-else");
			vici_add_item_str(&b, "nsipsec-0000abcd-0000-0000-0000-000000000001-10.100.0.1");
			vici_end_list(&b);
		} else if (!strcmp(name, "get-shared")) {
			vici_begin_list(&b, "keys");
			vici_end_list(&b);
		} else {
			if (!strcmp(name, "unload-conn") && f->n_unloaded < 4) {
				struct vici_msg *m;

				if (!vici_decode(buf + off, len - off, &m, err, sizeof(err))) {
					snprintf(f->unloaded[f->n_unloaded++], 128, "%s",
						 vici_str(&m->root, "name"));
					vici_msg_free(m);
				}
			}
			vici_add_kv_str(&b, "success", "yes");
		}
		fk_reply(fd, &b);
	}
	close(fd);
	vici_builder_free(&b);
	return NULL;
}

static void test_apply_refused_object(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake_charon f = { 0 };
	struct apply_opts o = { 0 };
	struct plan p;
	char err[256];

	(void)state;
	snprintf(f.path, sizeof(f.path), "/tmp/test_vici_lower.%d.sock", (int)getpid());
	unlink(f.path);
	strcpy(sa.sun_path, f.path);
	f.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.lfd, 1), 0);
	assert_int_equal(pthread_create(&f.th, NULL, fake_charon_main, &f), 0);

	fx_many(&p, 2);
	o.vici_path = f.path;
	assert_int_equal(vici_backend_apply(&p, &o, err, sizeof(err)), -EREMOTEIO);
	assert_string_equal(err, "charon: load-conn: boom (loading "
				 "nsipsec-0000abcd-0000-0000-0000-000000000001-10.100.0.1)");
	pthread_join(f.th, NULL);
	close(f.lfd);
	unlink(f.path);
	/* the second rule was still loaded, only our stale object went */
	assert_int_equal(f.loads, 2);
	assert_int_equal(f.n_unloaded, 1);
	assert_string_equal(f.unloaded[0], "nsipsec-old-rule");
	plan_free(&p);
}

static void test_conn_name(void **state)
{
	struct plan_rule r = { 0 };
	char name[128];

	(void)state;
	snprintf(r.rule_guid, sizeof(r.rule_guid), "{ABCDEF01-2345-6789-ABCD-EF0123456789}");
	vici_conn_name(name, sizeof(name), &r, "10.0.0.0/8");
	assert_string_equal(name, "nsipsec-abcdef01-2345-6789-abcd-ef0123456789-10.0.0.0_8");
	vici_conn_name(name, sizeof(name), &r, "%any");
	assert_string_equal(name, "nsipsec-abcdef01-2345-6789-abcd-ef0123456789-any");
	r.is_default = true;
	vici_conn_name(name, sizeof(name), &r, "%any");
	assert_string_equal(name, "nsipsec-default-abcdef01-2345-6789-abcd-ef0123456789");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_rules),
		cmocka_unit_test(test_kitchen_sink),
		cmocka_unit_test(test_ca_match_forms),
		cmocka_unit_test(test_groups_and_names),
		cmocka_unit_test(test_emit_error_stops),
		cmocka_unit_test(test_apply_without_charon),
		cmocka_unit_test(test_dry_run_verbose),
		cmocka_unit_test(test_rule_reqids),
		cmocka_unit_test(test_rules_share_peer_connection),
		cmocka_unit_test(test_apply_refused_object),
		cmocka_unit_test(test_conn_name),
	};

	return cmocka_run_group_tests(tests, setup_ca, teardown_ca);
}
