// SPDX-License-Identifier: GPL-2.0
/* evaluate: hand-made policy databases and fake machine state into plans. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "apply/evaluate.h"
#include "apply/match.h"
#include "apply/plan.h"
#include "apply/plan_print.h"
#include "apply/sysinfo.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define CAP	       16

/* ---- building databases ------------------------------------------------ */

static void mkguid(char out[NS_GUID_LEN + 1], unsigned kind, unsigned id)
{
	snprintf(out, NS_GUID_LEN + 1, "{%08X-0000-0000-0000-%012X}", kind, id);
}

static void db_init(struct ns_db *db)
{
	memset(db, 0, sizeof(*db));
	db->policies = calloc(CAP, sizeof(*db->policies));
	db->filterlists = calloc(CAP, sizeof(*db->filterlists));
	db->filteractions = calloc(CAP, sizeof(*db->filteractions));
	assert_non_null(db->policies);
	assert_non_null(db->filterlists);
	assert_non_null(db->filteractions);
}

static struct ns_filterlist *add_fl(struct ns_db *db, unsigned id, const char *name)
{
	struct ns_filterlist *fl = &db->filterlists[db->n_filterlists++];

	mkguid(fl->guid, 0xf1, id);
	fl->name = strdup(name);
	fl->description = strdup("");
	fl->filters = calloc(CAP, sizeof(*fl->filters));
	return fl;
}

static struct ns_endpoint ep_any(void)
{
	return (struct ns_endpoint){.kind = NS_ADDR_ANY};
}

static struct ns_endpoint ep_me(void)
{
	return (struct ns_endpoint){.kind = NS_ADDR_ME, .mask = ~0u};
}

static struct ns_endpoint ep_ip(uint32_t a, uint32_t mask)
{
	return (struct ns_endpoint){.kind = NS_ADDR_IP, .addr = a, .mask = mask};
}

static struct ns_endpoint ep_kind(enum ns_addr_kind k)
{
	return (struct ns_endpoint){.kind = k};
}

static struct ns_filter *add_f(struct ns_filterlist *fl, struct ns_endpoint src,
			       struct ns_endpoint dst, uint8_t proto, uint16_t sport,
			       uint16_t dport, bool mirrored)
{
	struct ns_filter *f = &fl->filters[fl->n_filters++];

	mkguid(f->guid, 0xf0, (unsigned)fl->n_filters);
	f->description = strdup("");
	f->src = src;
	f->dst = dst;
	f->protocol = proto;
	f->srcport = sport;
	f->dstport = dport;
	f->mirrored = mirrored;
	return f;
}

static struct ns_filteraction *add_fa(struct ns_db *db, unsigned id, const char *name,
				      enum ns_action a)
{
	struct ns_filteraction *fa = &db->filteractions[db->n_filteractions++];

	mkguid(fa->guid, 0xfa, id);
	fa->name = strdup(name);
	fa->description = strdup("");
	fa->action = a;
	return fa;
}

static struct ns_policy *add_pol(struct ns_db *db, unsigned id, const char *name, bool assigned)
{
	struct ns_policy *p = &db->policies[db->n_policies++];
	struct ns_filteraction *dfa = add_fa(db, 0x100 + id, "", NS_ACTION_NEGOTIATE);

	dfa->type = NS_FA_DEFAULT_RESPONSE;
	mkguid(p->guid, 0xb0, id);
	p->name = strdup(name);
	p->description = strdup("");
	p->gponame = strdup("");
	p->assigned = assigned;
	p->mmlifetime_min = 480;
	p->pollinginterval_min = 180;
	p->rules = calloc(CAP, sizeof(*p->rules));
	mkguid(p->default_rule.guid, 0xde, id);
	p->default_rule.name = strdup("");
	p->default_rule.description = strdup("");
	p->default_rule.is_default = true;
	p->default_rule.active = false;
	memcpy(p->default_rule.filteraction_guid, dfa->guid, sizeof(dfa->guid));
	return p;
}

static struct ns_rule *add_r(struct ns_policy *p, unsigned id, const char *name, unsigned fl,
			     unsigned fa)
{
	struct ns_rule *r = &p->rules[p->n_rules++];

	mkguid(r->guid, 0xe0, id);
	r->name = strdup(name);
	r->description = strdup("");
	mkguid(r->filterlist_guid, 0xf1, fl);
	mkguid(r->filteraction_guid, 0xfa, fa);
	r->active = true;
	return r;
}

/* A machine with two local addresses on eth0 and a gateway. */
static void fake_machine(struct sysinfo *si)
{
	memset(si, 0, sizeof(*si));
	assert_int_equal(sysinfo_add_addr(si, IP(192, 168, 1, 10), 24, "eth0"), 0);
	assert_int_equal(sysinfo_add_addr(si, IP(10, 0, 0, 5), 8, "eth1"), 0);
	assert_int_equal(sysinfo_add_addr(si, IP(127, 0, 0, 1), 8, "lo"), 0);
	assert_int_equal(sysinfo_list_add(&si->gateways, &si->n_gateways, IP(192, 168, 1, 1)), 0);
}

static int eval(const struct ns_db *pers, const struct ns_db *local, const struct sysinfo *si,
		struct plan *p)
{
	struct eval_input in = {.persistent = pers, .local = local, .sys = si};
	char err[256] = "";
	int ret = plan_evaluate(&in, p, err, sizeof(err));

	if (ret)
		print_message("evaluate: %s\n", err);
	return ret;
}

/* ---- tests ------------------------------------------------------------- */

/* A negotiate rule's mark and reqid: same number, in the rule range. */
static void assert_rule_handles(const struct plan *p, size_t i)
{
	const struct plan_rule *r = &p->rules[i];

	assert_int_equal(r->action, NS_ACTION_NEGOTIATE);
	assert_true(r->mark > PLAN_MARK_BASE && r->mark <= PLAN_MARK_BASE + 0xffff);
	assert_int_equal(r->mark - PLAN_MARK_BASE, r->reqid - PLAN_REQID_RULE_BASE);
}

/* The reqid of the plan filter with this selector source/destination. */
static uint32_t reqid_of(const struct plan *p, uint32_t src, uint32_t dst)
{
	for (size_t i = 0; i < p->n_filters; i++)
		if (p->filters[i].sel.src == src && p->filters[i].sel.dst == dst)
			return p->filters[i].reqid;
	fail_msg("no filter %08x -> %08x", src, dst);
	return 0;
}

static uint32_t mark_of(const struct plan *p, const char *rule_name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].rule_name, rule_name))
			return p->rules[i].mark;
	fail_msg("no rule %s", rule_name);
	return 0;
}

/* Editing one rule leaves the handles of the others alone: charon keeps
 * their SAs and the kernel keeps their objects. */
static void test_handles_survive_edits(void **state)
{
	struct ns_db db;
	struct sysinfo si;
	struct plan a, b;
	struct ns_policy *pol;
	uint32_t r2_mark, f_reqid, g_reqid;

	db_init(&db);
	memset(&si, 0, sizeof(si));
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 1), 24, "eth0"), 0);
	add_f(add_fl(&db, 1, "one"), ep_me(), ep_ip(IP(10, 0, 9, 1), ~0u), 0, 0, 0, true);
	add_f(add_fl(&db, 2, "two"), ep_me(), ep_ip(IP(10, 0, 9, 2), ~0u), 0, 0, 0, true);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 2, "r2", 2, 1);
	assert_int_equal(eval(NULL, &db, &si, &a), 0);
	r2_mark = mark_of(&a, "r2");
	f_reqid = reqid_of(&a, IP(10, 0, 0, 1), IP(10, 0, 9, 2));

	/* A rule in front of it, and a second local address. */
	memmove(&pol->rules[1], &pol->rules[0], sizeof(pol->rules[0]));
	memset(&pol->rules[0], 0, sizeof(pol->rules[0]));
	pol->n_rules--;
	add_r(pol, 1, "r1", 1, 1);
	pol->n_rules++;
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 7), 24, "eth0"), 0);
	assert_int_equal(eval(NULL, &db, &si, &b), 0);
	assert_int_equal(b.n_rules, 2);
	assert_string_equal(b.rules[0].rule_name, "r1");
	assert_int_equal(mark_of(&b, "r2"), r2_mark);
	assert_int_not_equal(mark_of(&b, "r1"), r2_mark);
	assert_int_equal(reqid_of(&b, IP(10, 0, 0, 1), IP(10, 0, 9, 2)), f_reqid);
	assert_int_equal(reqid_of(&b, IP(10, 0, 9, 2), IP(10, 0, 0, 1)), f_reqid);
	g_reqid = reqid_of(&b, IP(10, 0, 0, 7), IP(10, 0, 9, 2));
	assert_int_not_equal(g_reqid, f_reqid);
	assert_true(g_reqid > PLAN_REQID_FILTER_BASE);
	/* Every non-twin negotiate filter has its own reqid. */
	for (size_t i = 0; i < b.n_filters; i++)
		for (size_t j = i + 1; j < b.n_filters; j++)
			if (b.filters[i].reqid == b.filters[j].reqid)
				assert_true(b.filters[i].sel.src == b.filters[j].sel.dst &&
					    b.filters[i].sel.dst == b.filters[j].sel.src);
	plan_free(&a);
	plan_free(&b);
	sysinfo_free(&si);
	ns_db_free(&db);
}

static void test_mirror_and_me(void **state)
{
	struct ns_db db;
	struct sysinfo si;
	struct plan p;
	struct ns_policy *pol;

	db_init(&db);
	fake_machine(&si);
	add_f(add_fl(&db, 1, "All IP"), ep_me(), ep_any(), 0, 0, 0, true);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 1, "r1", 1, 1);

	assert_int_equal(eval(NULL, &db, &si, &p), 0);
	/* Loopback is not part of Me. */
	assert_int_equal(p.n_me, 2);
	assert_int_equal(p.n_rules, 1);
	assert_rule_handles(&p, 0);
	assert_int_equal(p.rules[0].n_auth, 1); /* Kerberos by default */
	assert_int_equal(p.rules[0].auth[0].kind, NS_AUTH_KERBEROS);
	assert_int_equal(p.rules[0].n_qm, 2); /* default methods */
	assert_int_equal(p.n_filters, 4);
	/* me/32 -> any first (src plen outweighs dst plen), in address order. */
	assert_int_equal(p.filters[0].sel.src, IP(192, 168, 1, 10));
	assert_int_equal(p.filters[0].sel.src_plen, 32);
	assert_int_equal(p.filters[0].sel.dst_plen, 0);
	assert_false(p.filters[0].mirror);
	assert_int_equal(p.filters[1].sel.src, IP(10, 0, 0, 5));
	assert_int_equal(p.filters[2].sel.dst, IP(192, 168, 1, 10));
	assert_int_equal(p.filters[2].sel.src_plen, 0);
	assert_true(p.filters[2].mirror);
	assert_true(p.filters[3].mirror);
	/* Twins share a reqid, different expansions do not. */
	assert_int_equal(p.filters[0].reqid, p.filters[2].reqid);
	assert_int_equal(p.filters[1].reqid, p.filters[3].reqid);
	assert_int_not_equal(p.filters[0].reqid, p.filters[1].reqid);
	assert_true(p.filters[0].reqid > PLAN_REQID_FILTER_BASE);
	assert_true(p.filters[1].reqid > PLAN_REQID_FILTER_BASE);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(p.filters[i].weight,
				 plan_weight(&p.filters[i].sel, p.filters[i].action));
		assert_string_equal(p.filters[i].filter_guid, db.filterlists[0].filters[0].guid);
	}
	/* Directed broadcasts of both subnets. */
	assert_int_equal(p.n_bcast, 2);
	assert_int_equal(p.bcast[0], IP(192, 168, 1, 255));
	assert_int_equal(p.bcast[1], IP(10, 255, 255, 255));
	plan_free(&p);

	/* No address: Me expands to nothing. */
	assert_int_equal(eval(NULL, &db, NULL, &p), 0);
	assert_int_equal(p.n_filters, 0);
	assert_int_equal(p.n_rules, 1);
	plan_free(&p);
	sysinfo_free(&si);
	ns_db_free(&db);
}

static void test_ports_and_masks(void **state)
{
	struct ns_db db;
	struct plan p;
	struct ns_policy *pol;
	struct ns_filterlist *fl;

	db_init(&db);
	fl = add_fl(&db, 1, "l");
	/* Ports only count for TCP and UDP; the address is masked. */
	add_f(fl, ep_ip(IP(10, 1, 2, 3), 0xffff0000u), ep_ip(IP(10, 9, 9, 9), ~0u), 1, 80, 80,
	      false);
	add_f(fl, ep_any(), ep_ip(IP(10, 9, 9, 9), ~0u), 6, 0, 443, false);
	add_fa(&db, 1, "Block", NS_ACTION_BLOCK);
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 1, "r1", 1, 1);
	assert_int_equal(eval(NULL, &db, NULL, &p), 0);
	assert_int_equal(p.n_filters, 2);
	assert_int_equal(p.filters[0].sel.proto, 6);
	assert_int_equal(p.filters[0].sel.dport, 443);
	assert_int_equal(p.filters[1].sel.src, IP(10, 1, 0, 0));
	assert_int_equal(p.filters[1].sel.src_plen, 16);
	assert_int_equal(p.filters[1].sel.sport, 0);
	assert_int_equal(p.filters[1].sel.dport, 0);
	assert_int_equal(p.filters[1].reqid, 0);
	assert_int_equal(p.rules[0].mark, 0);
	assert_int_equal(p.rules[0].n_qm, 0);
	plan_free(&p);
	ns_db_free(&db);
}

static void test_servers(void **state)
{
	char dir[] = "/tmp/test_evaluate.XXXXXX", path[256], wins[256], resolv[256];
	struct sysinfo_paths paths = {0};
	struct ns_db db;
	struct sysinfo si;
	struct plan p;
	struct ns_policy *pol;
	struct ns_filterlist *fl;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	f = fopen(resolv, "w");
	fprintf(f, "search example.org\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"
		   "nameserver ::1\n");
	fclose(f);
	snprintf(wins, sizeof(wins), "%s/wins-servers", dir);
	paths.resolv_conf = resolv;
	paths.dhclient_dir = dir;
	paths.networkd_dir = dir;
	paths.nm_dir = dir;
	paths.wins_file = wins; /* missing: no WINS servers */
	assert_int_equal(sysinfo_read(&paths, false, &si, NULL, 0), 0);
	assert_int_equal(si.n_dns, 2);
	assert_int_equal(sysinfo_add_addr(&si, IP(192, 0, 2, 10), 24, "eth0"), 0);
	assert_int_equal(sysinfo_list_add(&si.gateways, &si.n_gateways, IP(192, 0, 2, 1)), 0);

	db_init(&db);
	fl = add_fl(&db, 1, "servers");
	add_f(fl, ep_me(), ep_kind(NS_ADDR_SRV_DNS), 17, 0, 53, true);
	add_f(fl, ep_me(), ep_kind(NS_ADDR_SRV_WINS), 0, 0, 0, true);
	add_f(fl, ep_kind(NS_ADDR_SRV_GATEWAY), ep_me(), 0, 0, 0, false);
	add_f(fl, ep_me(), ep_kind(NS_ADDR_SRV_DHCP), 0, 0, 0, false);
	add_fa(&db, 1, "Permit", NS_ACTION_PERMIT);
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 1, "r1", 1, 1);
	assert_int_equal(eval(NULL, &db, &si, &p), 0);
	/* 2 DNS x mirrored + 1 gateway; WINS and DHCP are unknown. */
	assert_int_equal(p.n_filters, 5);
	/* A source port outweighs a destination port: replies sort first. */
	assert_int_equal(p.filters[0].sel.src, IP(192, 0, 2, 53));
	assert_int_equal(p.filters[0].sel.sport, 53);
	assert_true(p.filters[0].mirror);
	assert_int_equal(p.filters[1].sel.src, IP(192, 0, 2, 54));
	assert_int_equal(p.filters[2].sel.dst, IP(192, 0, 2, 53));
	assert_int_equal(p.filters[2].sel.dport, 53);
	assert_int_equal(p.filters[4].sel.src, IP(192, 0, 2, 1));
	assert_int_equal(p.filters[4].sel.dst, IP(192, 0, 2, 10));
	plan_free(&p);

	/* A WINS file and a dhclient lease appear. */
	f = fopen(wins, "w");
	fprintf(f, "# WINS\n192.0.2.77\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/dhclient.eth0.leases", dir);
	f = fopen(path, "w");
	fprintf(f,
		"lease {\n  interface \"eth0\";\n  option dhcp-server-identifier 192.0.2.2;\n}\n");
	fclose(f);
	sysinfo_free(&si);
	assert_int_equal(sysinfo_read(&paths, false, &si, NULL, 0), 0);
	assert_int_equal(sysinfo_add_addr(&si, IP(192, 0, 2, 10), 24, "eth0"), 0);
	assert_int_equal(si.n_wins, 1);
	assert_int_equal(si.n_dhcp, 1);
	assert_int_equal(eval(NULL, &db, &si, &p), 0);
	assert_int_equal(p.n_filters, 7); /* 4 DNS + 2 WINS + 1 DHCP, no gateway now */
	plan_free(&p);

	unlink(wins);
	unlink(path);
	unlink(resolv);
	rmdir(dir);
	sysinfo_free(&si);
	ns_db_free(&db);
}

/* A broad negotiate and a broad permit with specific holes. */
static void test_precedence(void **state)
{
	struct ns_db db;
	struct sysinfo si;
	struct plan p;
	struct ns_policy *pol;
	struct plan_pkt pkt = {0};
	int i;

	db_init(&db);
	memset(&si, 0, sizeof(si));
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 1), 24, "eth0"), 0);
	add_f(add_fl(&db, 1, "all"), ep_me(), ep_any(), 0, 0, 0, true);
	add_f(add_fl(&db, 2, "ssh"), ep_me(), ep_ip(IP(10, 0, 0, 2), ~0u), 6, 0, 22, true);
	add_f(add_fl(&db, 3, "lan"), ep_me(), ep_ip(IP(10, 1, 0, 0), 0xffff0000u), 0, 0, 0, true);
	add_f(add_fl(&db, 4, "bad"), ep_me(), ep_ip(IP(10, 1, 2, 0), 0xffffff00u), 0, 0, 0, true);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	add_fa(&db, 2, "Permit", NS_ACTION_PERMIT);
	add_fa(&db, 3, "Block", NS_ACTION_BLOCK);
	pol = add_pol(&db, 1, "P", true);
	/* Rule order must not matter: the specific ones come last. */
	add_r(pol, 1, "secure all", 1, 1);
	add_r(pol, 2, "lan permit", 3, 2);
	add_r(pol, 3, "ssh permit", 2, 2);
	add_r(pol, 4, "bad block", 4, 3);
	assert_int_equal(eval(NULL, &db, &si, &p), 0);
	assert_int_equal(p.n_filters, 8);

	pkt.src = IP(10, 0, 0, 1);
	pkt.dst = IP(10, 0, 0, 2);
	pkt.proto = 6;
	pkt.sport = 40000;
	pkt.dport = 22;
	i = plan_match(&p, &pkt);
	assert_int_equal(p.filters[i].action, NS_ACTION_PERMIT);
	pkt.dport = 23;
	i = plan_match(&p, &pkt);
	assert_int_equal(p.filters[i].action, NS_ACTION_NEGOTIATE);
	/* Inbound twin of the ssh hole. */
	pkt.src = IP(10, 0, 0, 2);
	pkt.dst = IP(10, 0, 0, 1);
	pkt.sport = 22;
	pkt.dport = 40000;
	i = plan_match(&p, &pkt);
	assert_int_equal(p.filters[i].action, NS_ACTION_PERMIT);
	assert_true(p.filters[i].mirror);
	/* Specific block inside the broad permit. */
	pkt.src = IP(10, 0, 0, 1);
	pkt.dst = IP(10, 1, 2, 3);
	pkt.proto = 1;
	pkt.sport = pkt.dport = 0;
	assert_int_equal(p.filters[plan_match(&p, &pkt)].action, NS_ACTION_BLOCK);
	pkt.dst = IP(10, 1, 3, 3);
	assert_int_equal(p.filters[plan_match(&p, &pkt)].action, NS_ACTION_PERMIT);
	pkt.dst = IP(8, 8, 8, 8);
	assert_int_equal(p.filters[plan_match(&p, &pkt)].action, NS_ACTION_NEGOTIATE);
	for (size_t k = 1; k < p.n_filters; k++)
		assert_true(p.filters[k - 1].weight >= p.filters[k].weight);
	plan_free(&p);
	sysinfo_free(&si);
	ns_db_free(&db);
}

static void test_inactive_and_default_rule(void **state)
{
	struct ns_db db;
	struct plan p;
	struct ns_policy *pol;
	struct ns_rule *r;

	db_init(&db);
	add_f(add_fl(&db, 1, "l"), ep_any(), ep_ip(IP(10, 0, 0, 9), ~0u), 0, 0, 0, false);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&db, 1, "P", true);
	r = add_r(pol, 1, "off", 1, 1);
	r->active = false;
	add_r(pol, 2, "on", 1, 1);
	pol->default_rule.active = true;
	/* An unassigned policy contributes nothing. */
	add_r(add_pol(&db, 2, "Q", false), 3, "other", 1, 1);

	assert_int_equal(eval(NULL, &db, NULL, &p), 0);
	assert_int_equal(p.n_rules, 2);
	assert_string_equal(p.rules[0].rule_name, "on");
	assert_false(p.rules[0].is_default);
	assert_true(p.rules[1].is_default);
	assert_int_equal(p.rules[1].action, NS_ACTION_NEGOTIATE);
	assert_string_equal(p.rules[1].rule_name, "");
	assert_int_equal(p.rules[1].n_qm, 2);
	assert_rule_handles(&p, 0);
	assert_rule_handles(&p, 1);
	assert_int_not_equal(p.rules[0].mark, p.rules[1].mark);
	assert_int_equal(p.n_filters, 1);
	assert_int_equal(p.filters[0].rule, 0);
	plan_free(&p);

	pol->default_rule.active = false;
	assert_int_equal(eval(NULL, &db, NULL, &p), 0);
	assert_int_equal(p.n_rules, 1);
	plan_free(&p);
	ns_db_free(&db);
}

static void test_stable_and_stores(void **state)
{
	struct ns_db pers, local;
	struct sysinfo si;
	struct plan a, b;
	struct ns_policy *pol;

	fake_machine(&si);
	db_init(&pers);
	db_init(&local);
	add_f(add_fl(&pers, 1, "l"), ep_me(), ep_any(), 0, 0, 0, true);
	add_fa(&pers, 1, "Require", NS_ACTION_NEGOTIATE);
	add_r(add_pol(&pers, 1, "Pers", true), 1, "p1", 1, 1);
	add_f(add_fl(&local, 1, "l"), ep_me(), ep_any(), 0, 0, 0, true);
	add_fa(&local, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&local, 1, "Loc", true);
	add_r(pol, 1, "l1", 1, 1);
	pol->default_rule.active = true;

	assert_int_equal(eval(&pers, &local, &si, &a), 0);
	assert_int_equal(eval(&pers, &local, &si, &b), 0);
	assert_true(plan_equal(&a, &b));
	assert_int_equal(a.n_rules, 3);
	assert_int_equal(a.rules[0].store, NS_STORE_PERSISTENT);
	assert_int_equal(a.rules[1].store, NS_STORE_LOCAL);
	/* Equal selectors: persistent first. */
	assert_int_equal(a.n_filters, 8);
	assert_int_equal(a.filters[0].rule, 0);
	assert_int_equal(a.filters[1].rule, 0);
	assert_int_equal(a.filters[2].rule, 1);
	assert_int_equal(a.filters[0].sel.src, a.filters[2].sel.src);
	for (size_t i = 0; i < a.n_filters; i++)
		for (size_t j = i + 1; j < a.n_filters; j++)
			assert_int_not_equal(a.filters[i].id, a.filters[j].id);
	plan_free(&b);

	/* A config change reaches the plan and changes nothing else. */
	{
		struct ns_config cfg;
		struct eval_input in = {
			.persistent = &pers, .local = &local, .sys = &si, .config = &cfg};

		ns_config_defaults(&cfg);
		cfg.ipsecexempt = 0;
		assert_int_equal(plan_evaluate(&in, &b, NULL, 0), 0);
		assert_true(b.exempt.kerberos && b.exempt.multicast);
		assert_false(a.exempt.kerberos || a.exempt.multicast);
		assert_int_equal(b.n_filters, a.n_filters);
		plan_free(&b);
	}
	assert_int_equal(plan_polling_interval(&pers, &local), 180 * 60);
	pol->pollinginterval_min = 5;
	assert_int_equal(plan_polling_interval(&pers, &local), 300);
	assert_int_equal(plan_polling_interval(NULL, NULL), 0);
	plan_free(&a);
	sysinfo_free(&si);
	ns_db_free(&pers);
	ns_db_free(&local);
}

static void test_tunnel(void **state)
{
	struct ns_db db;
	struct plan p;
	struct ns_policy *pol;
	struct ns_rule *r;

	db_init(&db);
	add_f(add_fl(&db, 1, "l"), ep_ip(IP(10, 1, 0, 0), 0xffff0000u),
	      ep_ip(IP(10, 2, 0, 0), 0xffff0000u), 0, 0, 0, true);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&db, 1, "P", true);
	r = add_r(pol, 1, "t", 1, 1);
	r->tunnel_set = true;
	r->tunnel_addr = IP(198, 51, 100, 1);
	r->conntype = NS_CONN_DIALUP;
	assert_int_equal(eval(NULL, &db, NULL, &p), 0);
	assert_true(p.rules[0].tunnel);
	assert_int_equal(p.rules[0].tunnel_dst, IP(198, 51, 100, 1));
	assert_int_equal(p.rules[0].conntype, NS_CONN_DIALUP);
	/* Tunnel filters are one-way. */
	assert_int_equal(p.n_filters, 1);
	assert_true(p.filters[0].tunnel);
	plan_free(&p);
	ns_db_free(&db);
}

static void test_broken_reference(void **state)
{
	struct ns_db db;
	struct plan p;
	struct ns_policy *pol;
	char err[256] = "";
	struct eval_input in = {.local = &db};

	db_init(&db);
	add_fl(&db, 1, "l");
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 1, "dangling", 1, 99);
	assert_int_equal(plan_evaluate(&in, &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "dangling"));
	assert_non_null(strstr(err, "filter action"));
	assert_int_equal(p.n_rules, 0);
	ns_db_free(&db);
}

static void test_print_and_explain(void **state)
{
	struct ns_db db;
	struct sysinfo si;
	struct plan p;
	struct ns_policy *pol;
	struct ns_rule *r;
	struct plan_pkt pkt;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	db_init(&db);
	memset(&si, 0, sizeof(si));
	assert_int_equal(sysinfo_add_addr(&si, IP(10, 0, 0, 1), 24, "eth0"), 0);
	add_f(add_fl(&db, 1, "all"), ep_me(), ep_any(), 0, 0, 0, true);
	add_f(add_fl(&db, 2, "web"), ep_me(), ep_ip(IP(10, 0, 0, 80), ~0u), 6, 0, 80, false);
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	add_fa(&db, 2, "Block", NS_ACTION_BLOCK);
	pol = add_pol(&db, 1, "Pol", true);
	add_r(pol, 1, "secure", 1, 1);
	r = add_r(pol, 2, "noweb", 2, 2);
	r->auth = calloc(1, sizeof(*r->auth));
	r->auth[0].kind = NS_AUTH_PSK;
	r->auth[0].value = strdup("s3cret-key");
	r->n_auth = 1;
	pol->rules[0].auth = calloc(1, sizeof(*r->auth));
	pol->rules[0].auth[0].kind = NS_AUTH_PSK;
	pol->rules[0].auth[0].value = strdup("s3cret-key");
	pol->rules[0].n_auth = 1;
	pol->default_rule.active = true;
	assert_int_equal(eval(NULL, &db, &si, &p), 0);

	f = open_memstream(&buf, &len);
	plan_print(f, &p);
	fclose(f);
	assert_non_null(strstr(buf, "plan: 3 rules, 3 filters\n"));
	assert_non_null(strstr(buf, "me: 10.0.0.1\n"));
	assert_non_null(strstr(buf, "exempt (ipsecexempt 3): ike\n"));
	assert_non_null(
		strstr(buf, "rule 0: local policy \"Pol\" rule \"secure\": negotiate, 2 filters"));
	{
		char want[64];

		snprintf(want, sizeof(want), "mark 0x%08x reqid 0x%08x", p.rules[0].mark,
			 p.rules[0].reqid);
		assert_non_null(strstr(buf, want));
		snprintf(want, sizeof(want), "reqid 0x%08x mark 0x%08x", p.filters[1].reqid,
			 p.rules[0].mark);
		assert_non_null(strstr(buf, want));
	}
	assert_non_null(strstr(buf, "default response rule: negotiate (responds only)"));
	/* The key itself is never printed. */
	assert_null(strstr(buf, "s3cret"));
	/* Filters in precedence order: the TCP block first. */
	assert_true(strstr(buf, "10.0.0.1/32 port any -> 10.0.0.80/32 port 80 proto tcp") <
		    strstr(buf, "10.0.0.1/32 -> 0.0.0.0/0 proto any"));
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80,tcp,40000,80", &pkt), 0);
	plan_explain(f, &p, &pkt);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80,udp,500,500", &pkt), 0);
	plan_explain(f, &p, &pkt);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80,icmp", &pkt), 0);
	plan_explain(f, &p, &pkt);
	assert_int_equal(plan_pkt_parse("10.9.9.9,10.0.0.80,6,1,2", &pkt), 0);
	plan_explain(f, &p, &pkt);
	fclose(f);
	assert_string_equal(buf, "packet 10.0.0.1 -> 10.0.0.80 proto tcp ports 40000 -> 80: "
				 "filter 0, block (rule 1)\n"
				 "packet 10.0.0.1 -> 10.0.0.80 proto udp ports 500 -> 500: "
				 "exempt, pass\n"
				 "packet 10.0.0.1 -> 10.0.0.80 proto icmp ports 0 -> 0: "
				 "filter 1, negotiate (rule 0)\n"
				 "packet 10.9.9.9 -> 10.0.0.80 proto tcp ports 1 -> 2: "
				 "no filter, pass\n");
	free(buf);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80", &pkt), -EINVAL);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80,tcp,1", &pkt), -EINVAL);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.80,tcp,1,70000", &pkt), -EINVAL);
	assert_int_equal(plan_pkt_parse("10.0.0.1,host,tcp", &pkt), -EINVAL);
	assert_int_equal(plan_pkt_parse("10.0.0.1,10.0.0.2,256", &pkt), -EINVAL);
	plan_free(&p);
	sysinfo_free(&si);
	ns_db_free(&db);
}

/* -v: the notes say what expanded to nothing and why. */
static void test_notes(void **state)
{
	struct ns_db db;
	struct plan p;
	struct ns_policy *pol;
	struct ns_rule *r;
	char *buf = NULL;
	size_t len = 0;
	struct eval_input in = {.local = &db};

	db_init(&db);
	add_f(add_fl(&db, 1, "dns"), ep_me(), ep_kind(NS_ADDR_SRV_DNS), 17, 0, 53, true);
	add_f(add_fl(&db, 2, "tun"), ep_ip(IP(10, 1, 0, 0), 0xffff0000u),
	      ep_ip(IP(10, 2, 0, 0), 0xffff0000u), 0, 0, 0, true);
	add_fl(&db, 3, "empty");
	add_fa(&db, 1, "Require", NS_ACTION_NEGOTIATE);
	pol = add_pol(&db, 1, "P", true);
	add_r(pol, 1, "to-dns", 1, 1);
	r = add_r(pol, 2, "tunnel", 2, 1);
	r->tunnel_set = true;
	r->tunnel_addr = IP(198, 51, 100, 1);
	add_r(pol, 3, "nothing", 3, 1);
	r = add_r(pol, 4, "off", 1, 1);
	r->active = false;
	in.notes = open_memstream(&buf, &len);
	assert_int_equal(plan_evaluate(&in, &p, NULL, 0), 0);
	fclose(in.notes);
	assert_non_null(strstr(buf, "no local IPv4 address: Me expands to nothing"));
	assert_non_null(strstr(buf, "rule 1 \"to-dns\" filter 1 of \"dns\": Me (local addresses): "
				    "none known, the filter expands to nothing"));
	assert_non_null(strstr(buf, "rule 2 \"tunnel\" filter 1 of \"tun\": mirrored ignored in "
				    "a tunnel rule"));
	assert_non_null(strstr(buf, "rule 3 \"nothing\": filter list \"empty\" is empty"));
	assert_non_null(strstr(buf, "rule 4 \"off\": inactive, skipped"));
	free(buf);
	/* Quiet without notes: the same plan. */
	{
		struct plan q;

		in.notes = NULL;
		assert_int_equal(plan_evaluate(&in, &q, NULL, 0), 0);
		assert_true(plan_equal(&p, &q));
		plan_free(&q);
	}
	plan_free(&p);
	ns_db_free(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirror_and_me),
		cmocka_unit_test(test_ports_and_masks),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_inactive_and_default_rule),
		cmocka_unit_test(test_stable_and_stores),
		cmocka_unit_test(test_tunnel),
		cmocka_unit_test(test_broken_reference),
		cmocka_unit_test(test_print_and_explain),
		cmocka_unit_test(test_handles_survive_edits),
		cmocka_unit_test(test_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
