// SPDX-License-Identifier: GPL-2.0
/* The plan as text, for `ipsec-apply -n` and the tests that read it. */
#include "plan_print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "match.h"

#include "../lib/format.h"

/* The plan spells actions and connection types as `dump` does. */
const char *plan_action_name(enum ns_action a)
{
	return ns_fmt_action(a);
}

const char *plan_conntype_name(enum ns_conntype c)
{
	return ns_fmt_conntype(c);
}

const char *plan_proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 0:
		return "any";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

const char *plan_sel_format(const struct plan_sel *s, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pb[8], sp[8] = "any", dp[8] = "any";

	if (s->sport)
		snprintf(sp, sizeof(sp), "%u", s->sport);
	if (s->dport)
		snprintf(dp, sizeof(dp), "%u", s->dport);
	if (s->proto == NS_PROTO_TCP || s->proto == NS_PROTO_UDP)
		snprintf(buf, len, "%s/%u port %s -> %s/%u port %s proto %s",
			 ns_fmt_ipv4_str(s->src, a), s->src_plen, sp, ns_fmt_ipv4_str(s->dst, b),
			 s->dst_plen, dp, plan_proto_name(s->proto, pb, sizeof(pb)));
	else
		snprintf(buf, len, "%s/%u -> %s/%u proto %s", ns_fmt_ipv4_str(s->src, a),
			 s->src_plen, ns_fmt_ipv4_str(s->dst, b), s->dst_plen,
			 plan_proto_name(s->proto, pb, sizeof(pb)));
	return buf;
}

static void print_rule(FILE *out, const struct plan *p, size_t i)
{
	const struct plan_rule *r = &p->rules[i];
	char buf[2048], a[INET_ADDRSTRLEN];
	size_t n_filters = 0;

	for (size_t k = 0; k < p->n_filters; k++)
		n_filters += p->filters[k].rule == i;
	if (r->is_default)
		fprintf(out,
			"rule %zu: %s policy \"%s\" default response rule: %s (responds only)\n", i,
			r->store == NS_STORE_PERSISTENT ? "persistent" : "local", r->policy_name,
			plan_action_name(r->action));
	else
		fprintf(out, "rule %zu: %s policy \"%s\" rule \"%s\": %s, %zu filters\n", i,
			r->store == NS_STORE_PERSISTENT ? "persistent" : "local", r->policy_name,
			r->rule_name, plan_action_name(r->action), n_filters);
	fprintf(out, "    mode %s", r->tunnel ? "tunnel" : "transport");
	if (r->tunnel)
		fprintf(out, " to %s", ns_fmt_ipv4_str(r->tunnel_dst, a));
	fprintf(out, ", conntype %s", plan_conntype_name(r->conntype));
	if (r->action == NS_ACTION_NEGOTIATE)
		fprintf(out, ", mark 0x%08x reqid 0x%08x", r->mark, r->reqid);
	fputc('\n', out);
	if (r->action != NS_ACTION_NEGOTIATE)
		return;
	ns_fmt_qm_methods(buf, sizeof(buf), r->qm, r->n_qm);
	fprintf(out, "    quick mode: %s%s%s%s\n", buf, r->inpass ? ", inpass" : "",
		r->soft ? ", soft" : "", r->qmpfs ? ", qmpfs" : "");
	ns_fmt_mm_methods(buf, sizeof(buf), r->mm, r->n_mm);
	fprintf(out, "    main mode: %s, lifetime %us, qmpermm %u%s\n", buf, r->mm_lifetime_sec,
		r->qmpermm, r->mmpfs ? ", mmpfs" : "");
	for (size_t k = 0; k < r->n_auth; k++) {
		ns_fmt_auth(buf, sizeof(buf), &r->auth[k]);
		fprintf(out, "    auth %zu: %s\n", k + 1, buf);
	}
}

static void print_exempt(FILE *out, const struct plan *p)
{
	const struct plan_exempt *e = &p->exempt;
	char a[INET_ADDRSTRLEN];

	fprintf(out, "exempt (ipsecexempt %u):%s%s%s%s%s\n", p->config.ipsecexempt,
		e->ike ? " ike" : "", e->kerberos ? " kerberos" : "", e->rsvp ? " rsvp" : "",
		e->multicast ? " multicast" : "", e->broadcast ? " broadcast" : "");
	if (e->broadcast && p->n_bcast) {
		fprintf(out, "directed broadcasts:");
		for (size_t i = 0; i < p->n_bcast; i++)
			fprintf(out, " %s", ns_fmt_ipv4_str(p->bcast[i], a));
		fputc('\n', out);
	}
}

void plan_print(FILE *out, const struct plan *p)
{
	char buf[160], a[INET_ADDRSTRLEN];

	fprintf(out, "plan: %zu rules, %zu filters\n", p->n_rules, p->n_filters);
	fprintf(out, "me:");
	for (size_t i = 0; i < p->n_me; i++)
		fprintf(out, " %s", ns_fmt_ipv4_str(p->me[i], a));
	fprintf(out, p->n_me ? "\n" : " (none)\n");
	print_exempt(out, p);
	for (size_t i = 0; i < p->n_rules; i++)
		print_rule(out, p, i);
	if (!p->n_filters)
		return;
	fprintf(out, "filters, first match wins:\n");
	fprintf(out, "%5s %-8s %-9s %4s %5s  %-56s %s\n", "#", "weight", "action", "rule", "id",
		"selector", "handles");
	for (size_t i = 0; i < p->n_filters; i++) {
		const struct plan_filter *f = &p->filters[i];

		fprintf(out, "%5zu %08x %-9s %4u %5u  %-56s", i, f->weight,
			plan_action_name(f->action), f->rule, f->id,
			plan_sel_format(&f->sel, buf, sizeof(buf)));
		if (f->reqid)
			fprintf(out, " reqid 0x%08x", f->reqid);
		if (f->action == NS_ACTION_NEGOTIATE && f->rule < p->n_rules)
			fprintf(out, " mark 0x%08x", p->rules[f->rule].mark);
		fprintf(out, "%s%s\n", f->mirror ? " mirror" : "", f->tunnel ? " tunnel" : "");
	}
}

int plan_pkt_parse(const char *s, struct plan_pkt *pkt)
{
	char buf[128], *f[5], *save = NULL, *tok, *end;
	unsigned long v[3] = {0, 0, 0};
	struct in_addr a;
	size_t n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok && n < 5; tok = strtok_r(NULL, ",", &save))
		f[n++] = tok;
	if ((n != 3 && n != 5) || tok)
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	if (inet_pton(AF_INET, f[0], &a) != 1)
		return -EINVAL;
	pkt->src = ntohl(a.s_addr);
	if (inet_pton(AF_INET, f[1], &a) != 1)
		return -EINVAL;
	pkt->dst = ntohl(a.s_addr);
	if (!strcasecmp(f[2], "tcp"))
		v[0] = NS_PROTO_TCP;
	else if (!strcasecmp(f[2], "udp"))
		v[0] = NS_PROTO_UDP;
	else if (!strcasecmp(f[2], "icmp"))
		v[0] = NS_PROTO_ICMP;
	else if (!strcasecmp(f[2], "any"))
		v[0] = 0;
	else if ((v[0] = strtoul(f[2], &end, 10)) > 255 || *end || !*f[2])
		return -EINVAL;
	for (size_t i = 3; i < n; i++)
		if ((v[i - 2] = strtoul(f[i], &end, 10)) > 65535 || *end || !*f[i])
			return -EINVAL;
	pkt->proto = (uint8_t)v[0];
	pkt->sport = (uint16_t)v[1];
	pkt->dport = (uint16_t)v[2];
	return 0;
}

void plan_explain(FILE *out, const struct plan *p, const struct plan_pkt *pkt)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pb[8];
	int i = plan_match(p, pkt);

	fprintf(out, "packet %s -> %s proto %s ports %u -> %u: ", ns_fmt_ipv4_str(pkt->src, a),
		ns_fmt_ipv4_str(pkt->dst, b), plan_proto_name(pkt->proto, pb, sizeof(pb)),
		pkt->sport, pkt->dport);
	if (plan_exempt_pkt(p, pkt))
		fprintf(out, "exempt, pass\n");
	else if (i < 0)
		fprintf(out, "no filter, pass\n");
	else
		fprintf(out, "filter %d, %s (rule %u)\n", i, plan_action_name(p->filters[i].action),
			p->filters[i].rule);
}
