// SPDX-License-Identifier: GPL-2.0
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "guid.h"

const struct ns_qm_method ns_default_qm_methods[2] = {
	{.kind = NS_QM_ESP,
	 .esp_conf = NS_CIPHER_3DES,
	 .esp_auth = NS_HASH_SHA1,
	 .lifetime_kb = NS_QM_DEFAULT_KB,
	 .lifetime_sec = NS_QM_DEFAULT_SEC},
	{.kind = NS_QM_ESP,
	 .esp_conf = NS_CIPHER_3DES,
	 .esp_auth = NS_HASH_MD5,
	 .lifetime_kb = NS_QM_DEFAULT_KB,
	 .lifetime_sec = NS_QM_DEFAULT_SEC},
};

const struct ns_mm_method ns_default_mm_methods[3] = {
	{.cipher = NS_CIPHER_3DES, .hash = NS_HASH_SHA1, .group = NS_DH_2},
	{.cipher = NS_CIPHER_3DES, .hash = NS_HASH_MD5, .group = NS_DH_2},
	{.cipher = NS_CIPHER_3DES, .hash = NS_HASH_SHA1, .group = NS_DH_3},
};

void ns_endpoint_free(struct ns_endpoint *e)
{
	free(e->dnsname);
	e->dnsname = NULL;
}

void ns_filter_free(struct ns_filter *f)
{
	free(f->description);
	f->description = NULL;
	ns_endpoint_free(&f->src);
	ns_endpoint_free(&f->dst);
}

void ns_filterlist_free(struct ns_filterlist *fl)
{
	for (size_t i = 0; i < fl->n_filters; i++)
		ns_filter_free(&fl->filters[i]);
	free(fl->filters);
	free(fl->name);
	free(fl->description);
	memset(fl, 0, sizeof(*fl));
}

void ns_filteraction_free(struct ns_filteraction *fa)
{
	free(fa->methods);
	free(fa->name);
	free(fa->description);
	memset(fa, 0, sizeof(*fa));
}

void ns_auth_free(struct ns_auth *a)
{
	free(a->value);
	a->value = NULL;
}

void ns_rule_free(struct ns_rule *r)
{
	for (size_t i = 0; i < r->n_auth; i++)
		ns_auth_free(&r->auth[i]);
	free(r->auth);
	free(r->name);
	free(r->description);
	free(r->tunnel_dnsname);
	memset(r, 0, sizeof(*r));
}

void ns_policy_free(struct ns_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		ns_rule_free(&p->rules[i]);
	free(p->rules);
	ns_rule_free(&p->default_rule);
	free(p->mm_methods);
	free(p->name);
	free(p->description);
	free(p->gponame);
	memset(p, 0, sizeof(*p));
}

void ns_db_free(struct ns_db *db)
{
	for (size_t i = 0; i < db->n_policies; i++)
		ns_policy_free(&db->policies[i]);
	for (size_t i = 0; i < db->n_filterlists; i++)
		ns_filterlist_free(&db->filterlists[i]);
	for (size_t i = 0; i < db->n_filteractions; i++)
		ns_filteraction_free(&db->filteractions[i]);
	free(db->policies);
	free(db->filterlists);
	free(db->filteractions);
	memset(db, 0, sizeof(*db));
}

#define DB_FIND(type, field, arr, n, cmp)                                                          \
	for (size_t i = 0; i < db->n; i++)                                                         \
		if (db->arr[i].field && cmp(db->arr[i].field, key))                                \
			return &db->arr[i];                                                        \
	return NULL

static int name_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

struct ns_policy *ns_db_policy_by_name(const struct ns_db *db, const char *key)
{
	DB_FIND(ns_policy, name, policies, n_policies, name_eq);
}

struct ns_policy *ns_db_policy_by_guid(const struct ns_db *db, const char *key)
{
	DB_FIND(ns_policy, guid, policies, n_policies, ns_guid_eq);
}

struct ns_filterlist *ns_db_filterlist_by_name(const struct ns_db *db, const char *key)
{
	DB_FIND(ns_filterlist, name, filterlists, n_filterlists, name_eq);
}

struct ns_filterlist *ns_db_filterlist_by_guid(const struct ns_db *db, const char *key)
{
	DB_FIND(ns_filterlist, guid, filterlists, n_filterlists, ns_guid_eq);
}

struct ns_filteraction *ns_db_filteraction_by_name(const struct ns_db *db, const char *key)
{
	for (size_t i = 0; i < db->n_filteractions; i++)
		if (db->filteractions[i].type == NS_FA_NORMAL &&
		    strcmp(db->filteractions[i].name, key) == 0)
			return &db->filteractions[i];
	return NULL;
}

struct ns_filteraction *ns_db_filteraction_by_guid(const struct ns_db *db, const char *key)
{
	DB_FIND(ns_filteraction, guid, filteractions, n_filteractions, ns_guid_eq);
}

struct ns_policy *ns_db_assigned_policy(const struct ns_db *db)
{
	for (size_t i = 0; i < db->n_policies; i++)
		if (db->policies[i].assigned)
			return &db->policies[i];
	return NULL;
}

bool ns_str_equal(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

bool ns_endpoint_equal(const struct ns_endpoint *a, const struct ns_endpoint *b)
{
	return a->kind == b->kind && a->addr == b->addr && a->mask == b->mask &&
	       ns_str_equal(a->dnsname, b->dnsname);
}

bool ns_auth_equal(const struct ns_auth *a, const struct ns_auth *b)
{
	return a->kind == b->kind && ns_str_equal(a->value, b->value) && a->certmap == b->certmap &&
	       a->excludecaname == b->excludecaname;
}

bool ns_qm_method_equal(const struct ns_qm_method *a, const struct ns_qm_method *b)
{
	return a->kind == b->kind && a->ah_hash == b->ah_hash && a->esp_conf == b->esp_conf &&
	       a->esp_auth == b->esp_auth && a->lifetime_kb == b->lifetime_kb &&
	       a->lifetime_sec == b->lifetime_sec;
}

bool ns_mm_method_equal(const struct ns_mm_method *a, const struct ns_mm_method *b)
{
	return a->cipher == b->cipher && a->hash == b->hash && a->group == b->group;
}

bool ns_rule_equal(const struct ns_rule *a, const struct ns_rule *b)
{
	if (strcmp(a->guid, b->guid) || !ns_str_equal(a->name, b->name) ||
	    !ns_str_equal(a->description, b->description) || a->whenchanged != b->whenchanged ||
	    a->is_default != b->is_default || strcmp(a->filterlist_guid, b->filterlist_guid) ||
	    strcmp(a->filteraction_guid, b->filteraction_guid) || a->tunnel_set != b->tunnel_set ||
	    a->tunnel_addr != b->tunnel_addr ||
	    !ns_str_equal(a->tunnel_dnsname, b->tunnel_dnsname) || a->conntype != b->conntype ||
	    a->active != b->active || a->n_auth != b->n_auth)
		return false;
	for (size_t i = 0; i < a->n_auth; i++)
		if (!ns_auth_equal(&a->auth[i], &b->auth[i]))
			return false;
	return true;
}

static bool filter_equal(const struct ns_filter *a, const struct ns_filter *b)
{
	return !strcmp(a->guid, b->guid) && ns_str_equal(a->description, b->description) &&
	       ns_endpoint_equal(&a->src, &b->src) && ns_endpoint_equal(&a->dst, &b->dst) &&
	       a->protocol == b->protocol && a->srcport == b->srcport && a->dstport == b->dstport &&
	       a->mirrored == b->mirrored;
}

bool ns_filterlist_equal(const struct ns_filterlist *a, const struct ns_filterlist *b)
{
	if (strcmp(a->guid, b->guid) || !ns_str_equal(a->name, b->name) ||
	    !ns_str_equal(a->description, b->description) || a->whenchanged != b->whenchanged ||
	    a->n_filters != b->n_filters)
		return false;
	for (size_t i = 0; i < a->n_filters; i++)
		if (!filter_equal(&a->filters[i], &b->filters[i]))
			return false;
	return true;
}
