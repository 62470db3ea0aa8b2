// SPDX-License-Identifier: GPL-2.0
/*
 * Registry objects <-> struct ns_db.
 *
 * Import resolves references by the last component of the key path
 * (<class>{GUID}, any case), so exports of the Local, Persistent and Cache
 * keys read the same way.  Objects whose references cannot be resolved are
 * skipped with a warning, never half kept: see Documentation/windows-import.md.
 */
#include "winreg/winreg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/guid.h"
#include "winreg/blob.h"
#include "winreg/regfile.h"
#include "lib/errmsg.h"

#define ROOT_HIVE "HKEY_LOCAL_MACHINE\\"
#define ROOT_PATH "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\"

#define ACT_BLOCK     "{3F91A819-7647-11D1-864D-D46A00000000}"
#define ACT_PERMIT    "{8A171DD2-77E3-11D1-8659-A04F00000000}"
#define ACT_NEGOTIATE "{8A171DD3-77E3-11D1-8659-A04F00000000}"
#define ACT_INPASS    "{3F91A81A-7647-11D1-864D-D46A00000000}"
#define TYPE_NORMAL   "{62F49E10-6C37-11D1-864C-14A300000000}"
#define TYPE_DEFAULT  "{62F49E13-6C37-11D1-864C-14A300000000}"

/* Our private value: the exact algorithms when Windows has no code for
 * them (AES, SHA-2, DH 14/19/20/24).  Windows ignores unknown values. */
#define EXT_VALUE "netshIpsecMethods"

enum cls { C_POLICY, C_ISAKMP, C_NFA, C_NEGPOL, C_FILTER, C_N };

static const char *const cls_name[C_N] = {"ipsecPolicy", "ipsecISAKMPPolicy", "ipsecNFA",
					  "ipsecNegotiationPolicy", "ipsecFilter"};

/* ---- report ------------------------------------------------------------- */

void ns_winreg_report_free(struct ns_winreg_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->n; i++)
		free(rep->lines[i]);
	free(rep->lines);
	rep->lines = NULL;
	rep->n = 0;
}

bool ns_winreg_detect(const uint8_t *buf, size_t len)
{
	return ns_reg_detect(buf, len);
}

/* ---- import ------------------------------------------------------------- */

struct obj {
	enum cls cls;
	char guid[NS_GUID_LEN + 1];
	size_t first; /* index of its first key in the file: import keeps file order */
	const struct ns_reg_key **keys; /* the same key may appear several times */
	size_t n_keys;
	bool bad;   /* could not be decoded: treated as missing */
	bool used;  /* referenced by an imported object */
	bool is_dr; /* negotiation policy of the default response type */
	/* decoded */
	uint32_t polling_sec;
	struct ns_blob_isakmp isakmp;
	struct ns_rule rule;
	struct ns_filteraction fa;
	struct ns_filterlist fl;
	const struct obj *owner; /* NFA: the policy that took it */
};

struct imp {
	struct ns_reg_file file;
	struct obj *objs; /* sorted by class and GUID */
	size_t n_objs;
	struct obj **order; /* the same, in file order */
	struct ns_winreg_report *rep;
	char **active; /* ActivePolicy values */
	size_t n_active;
	char *err;
	size_t errlen;
};

static const char *key_last(const char *path)
{
	const char *s = strrchr(path, '\\');

	return s ? s + 1 : path;
}

/* "<class>{GUID}" -> class and canonical GUID. */
static bool parse_objname(const char *name, enum cls *c, char guid[NS_GUID_LEN + 1])
{
	const char *br = strchr(name, '{');

	if (!br)
		return false;
	for (int i = 0; i < C_N; i++) {
		size_t l = strlen(cls_name[i]);

		if ((size_t)(br - name) == l && !strncasecmp(name, cls_name[i], l) &&
		    ns_guid_parse(br, guid)) {
			*c = (enum cls)i;
			return true;
		}
	}
	return false;
}

static int obj_cmp(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;

	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return strcmp(x->guid, y->guid);
}

static struct obj *find_obj(const struct imp *im, enum cls c, const char *guid)
{
	struct obj key = {.cls = c};

	if (!guid || !ns_guid_parse(guid, key.guid))
		return NULL;
	return bsearch(&key, im->objs, im->n_objs, sizeof(*im->objs), obj_cmp);
}

/* "<class>{GUID}" anywhere in a reference: a registry key path (last
 * component), or the directory form "CN=ipsecNFA{...},CN=IP Security,..."
 * that cached domain policies may carry. */
static bool parse_ref(const char *ref, enum cls c, char g[NS_GUID_LEN + 1])
{
	enum cls rc;

	if (parse_objname(key_last(ref), &rc, g))
		return rc == c;
	for (const char *br = strchr(ref, '{'); br; br = strchr(br + 1, '{')) {
		size_t l = strlen(cls_name[c]);
		char tmp[NS_GUID_LEN + 1];

		if ((size_t)(br - ref) < l || strncasecmp(br - l, cls_name[c], l))
			continue;
		if (strlen(br) < NS_GUID_LEN)
			continue;
		memcpy(tmp, br, NS_GUID_LEN);
		tmp[NS_GUID_LEN] = '\0';
		if (ns_guid_parse(tmp, g))
			return true;
	}
	return false;
}

/* A reference names its object by class and GUID; the path around it does
 * not matter (Local, Persistent and Cache read alike). */
static struct obj *find_ref(const struct imp *im, enum cls c, const char *ref)
{
	char g[NS_GUID_LEN + 1];

	if (!parse_ref(ref, c, g))
		return NULL;
	return find_obj(im, c, g);
}

static const struct ns_reg_value *val(const struct obj *o, const char *name)
{
	for (size_t i = o->n_keys; i-- > 0;) {
		const struct ns_reg_value *v = ns_reg_key_value(o->keys[i], name);

		if (v)
			return v;
	}
	return NULL;
}

static const char *okey(const struct obj *o)
{
	return o->keys[o->n_keys - 1]->path;
}

#define IWARN(im, ...) ns_winreg_report_add((im)->rep, __VA_ARGS__)

static const char *val_sz(const struct imp *im, const struct obj *o, const char *name)
{
	const struct ns_reg_value *v = val(o, name);

	if (!v)
		return NULL;
	if (v->type == NS_REG_SZ || v->type == NS_REG_EXPAND_SZ)
		return v->str;
	if (v->type == NS_REG_MULTI_SZ && v->n_strs >= 1)
		return v->strs[0];
	IWARN(im, "%s: %s: expected a string (type %u), ignored", okey(o), name, v->type);
	return NULL;
}

static char *dup_sz(const struct imp *im, const struct obj *o, const char *name)
{
	const char *s = val_sz(im, o, name);

	return strdup(s ? s : "");
}

static int64_t val_time(const struct imp *im, const struct obj *o)
{
	const struct ns_reg_value *v = val(o, "whenChanged");

	if (!v)
		return 0;
	if (v->type != NS_REG_DWORD || (v->data && v->len != 4)) {
		IWARN(im, "%s: whenChanged: not a DWORD, ignored", okey(o));
		return 0;
	}
	return v->dword;
}

/* Reference lists: MULTI_SZ, but tolerate a single SZ. */
static const char *const *val_multi(const struct imp *im, const struct obj *o, const char *name,
				    size_t *n)
{
	const struct ns_reg_value *v = val(o, name);

	*n = 0;
	if (!v)
		return NULL;
	if (v->type == NS_REG_MULTI_SZ) {
		*n = v->n_strs;
		return (const char *const *)v->strs;
	}
	if (v->type == NS_REG_SZ || v->type == NS_REG_EXPAND_SZ) {
		*n = 1;
		return (const char *const *)&v->str;
	}
	IWARN(im, "%s: %s: expected a multi-string (type %u), ignored", okey(o), name, v->type);
	return NULL;
}

static const uint8_t *val_bin(const struct imp *im, const struct obj *o, const char *name,
			      size_t *len)
{
	const struct ns_reg_value *v = val(o, name);

	if (!v)
		return NULL;
	if (!v->data) {
		IWARN(im, "%s: %s: expected binary data (type %u)", okey(o), name, v->type);
		return NULL;
	}
	*len = v->len;
	return v->data;
}

static void obj_free(struct obj *o)
{
	free(o->keys);
	free(o->isakmp.methods);
	ns_rule_free(&o->rule);
	ns_filteraction_free(&o->fa);
	ns_filterlist_free(&o->fl);
}

static int oom(struct imp *im)
{
	if (im->err && im->errlen)
		snprintf(im->err, im->errlen, "out of memory");
	return -ENOMEM;
}

static int order_cmp(const void *a, const void *b)
{
	const struct obj *x = *(const struct obj *const *)a, *y = *(const struct obj *const *)b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static int collect(struct imp *im)
{
	size_t n = 0;

	im->objs = calloc(im->file.n_keys ? im->file.n_keys : 1, sizeof(*im->objs));
	if (!im->objs)
		return oom(im);
	for (size_t i = 0; i < im->file.n_keys; i++) {
		const struct ns_reg_key *k = &im->file.keys[i];
		const struct ns_reg_value *ap;
		enum cls c;
		char g[NS_GUID_LEN + 1];

		if (k->deleted) {
			IWARN(im, "%s: key deletion (line %zu) ignored", k->path, k->line);
			continue;
		}
		ap = ns_reg_key_value(k, "ActivePolicy");
		if (ap && (ap->type == NS_REG_SZ || ap->type == NS_REG_EXPAND_SZ) && ap->str &&
		    *ap->str) {
			char **na = realloc(im->active, (im->n_active + 1) * sizeof(*na));

			if (!na)
				return oom(im);
			im->active = na;
			im->active[im->n_active] = ap->str;
			im->n_active++;
		}
		if (!parse_objname(key_last(k->path), &c, g)) {
			if (!strncasecmp(key_last(k->path), "ipsec", 5))
				IWARN(im, "%s: unknown IPsec object class, key ignored", k->path);
			continue;
		}
		im->objs[n].cls = c;
		im->objs[n].first = i;
		memcpy(im->objs[n].guid, g, sizeof(g));
		im->objs[n].keys = malloc(sizeof(*im->objs[n].keys));
		if (!im->objs[n].keys)
			return oom(im);
		im->objs[n].keys[0] = k;
		im->objs[n].n_keys = 1;
		n++;
		im->n_objs = n;
	}
	qsort(im->objs, n, sizeof(*im->objs), obj_cmp);
	/* The same object twice (repeated key, or two stores in one file):
	 * values merge as regedit would merge them, later ones winning. */
	{
		size_t w = 0;

		for (size_t i = 0; i < n; i++) {
			if (w && obj_cmp(&im->objs[w - 1], &im->objs[i]) == 0) {
				struct obj *d = &im->objs[w - 1];
				const struct ns_reg_key **nk =
					realloc(d->keys, (d->n_keys + 1) * sizeof(*nk));

				if (!nk)
					return oom(im);
				d->keys = nk;
				if (strcasecmp(d->keys[d->n_keys - 1]->path,
					       im->objs[i].keys[0]->path))
					IWARN(im, "%s: same object also at %s: values merged",
					      im->objs[i].keys[0]->path,
					      d->keys[d->n_keys - 1]->path);
				d->keys[d->n_keys++] = im->objs[i].keys[0];
				free(im->objs[i].keys);
				im->objs[i].keys = NULL;
				continue;
			}
			if (w != i) {
				im->objs[w] = im->objs[i];
				im->objs[i].keys = NULL;
			}
			w++;
		}
		im->n_objs = w;
		/* Sorted order keeps "later key" = later in the file only per
		 * object, which is what val() needs: keys[] is in file order
		 * because qsort is not stable, so restore it. */
		for (size_t i = 0; i < w; i++) {
			struct obj *o = &im->objs[i];

			for (size_t a = 1; a < o->n_keys; a++)
				for (size_t b = a; b > 0 && o->keys[b - 1] > o->keys[b]; b--) {
					const struct ns_reg_key *t = o->keys[b];

					o->keys[b] = o->keys[b - 1];
					o->keys[b - 1] = t;
				}
			o->first = (size_t)(o->keys[0] - im->file.keys);
		}
	}
	im->order = malloc((im->n_objs ? im->n_objs : 1) * sizeof(*im->order));
	if (!im->order)
		return oom(im);
	for (size_t i = 0; i < im->n_objs; i++)
		im->order[i] = &im->objs[i];
	qsort(im->order, im->n_objs, sizeof(*im->order), order_cmp);
	return 0;
}

static void check_id(struct imp *im, const struct obj *o)
{
	const char *id = val_sz(im, o, "ipsecID");
	char g[NS_GUID_LEN + 1];

	if (id && (!ns_guid_parse(id, g) || strcmp(g, o->guid)))
		IWARN(im,
		      "%s: ipsecID: \"%s\" differs from the key name: the key name's GUID is used",
		      okey(o), id);
}

static bool decode_one(struct imp *im, struct obj *o)
{
	struct ns_blob_diag d = {.rep = im->rep, .key = okey(o), .value = "ipsecData"};
	char msg[512];
	size_t len = 0;
	const uint8_t *b = val_bin(im, o, "ipsecData", &len);
	int rc = 0;

	check_id(im, o);
	if (!b) {
		IWARN(im, "%s: ipsecData: missing: object skipped", okey(o));
		return false;
	}
	msg[0] = '\0';
	switch (o->cls) {
	case C_POLICY:
		rc = ns_blob_policy_decode(b, len, &o->polling_sec, &d, msg, sizeof(msg));
		break;
	case C_ISAKMP:
		rc = ns_blob_isakmp_decode(b, len, &o->isakmp, &d, msg, sizeof(msg));
		break;
	case C_NFA:
		rc = ns_blob_nfa_decode(b, len, &o->rule, &d, msg, sizeof(msg));
		if (!rc) {
			o->rule.name = dup_sz(im, o, "ipsecName");
			o->rule.description = dup_sz(im, o, "description");
			o->rule.whenchanged = val_time(im, o);
			memcpy(o->rule.guid, o->guid, sizeof(o->guid));
			if (!o->rule.name || !o->rule.description)
				rc = -ENOMEM;
		}
		break;
	case C_NEGPOL:
		rc = ns_blob_negpol_decode(b, len, &o->fa, &d, msg, sizeof(msg));
		if (!rc) {
			o->fa.name = dup_sz(im, o, "ipsecName");
			o->fa.description = dup_sz(im, o, "description");
			o->fa.whenchanged = val_time(im, o);
			memcpy(o->fa.guid, o->guid, sizeof(o->guid));
			if (!o->fa.name || !o->fa.description)
				rc = -ENOMEM;
		}
		break;
	case C_FILTER:
		rc = ns_blob_filter_decode(b, len, &o->fl, &d, msg, sizeof(msg));
		if (!rc) {
			o->fl.name = dup_sz(im, o, "ipsecName");
			o->fl.description = dup_sz(im, o, "description");
			o->fl.whenchanged = val_time(im, o);
			memcpy(o->fl.guid, o->guid, sizeof(o->guid));
			if (!o->fl.name || !o->fl.description)
				rc = -ENOMEM;
		}
		break;
	default:
		break;
	}
	if (rc == -ENOMEM) {
		oom(im);
		return false;
	}
	if (rc) {
		IWARN(im, "%s (object skipped)", msg);
		return false;
	}
	return true;
}

/* Applies netshIpsecMethods over what the Windows codes said. */
static void apply_ext_mm(struct imp *im, const struct obj *o, struct ns_mm_method *m, size_t n)
{
	size_t len = 0;
	const uint8_t *b = val_bin(im, o, EXT_VALUE, &len);

	if (!b)
		return;
	if (len != 3 * n) {
		IWARN(im, "%s: %s: %zu bytes for %zu methods: ignored", okey(o), EXT_VALUE, len, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (b[3 * i] < NS_CIPHER_DES || b[3 * i] > NS_CIPHER_AES256 ||
		    b[3 * i + 1] < NS_HASH_MD5 || b[3 * i + 1] > NS_HASH_SHA384 ||
		    b[3 * i + 2] < NS_DH_1 || b[3 * i + 2] > NS_DH_24) {
			IWARN(im, "%s: %s: bad method %zu at byte offset %zu: ignored", okey(o),
			      EXT_VALUE, i + 1, 3 * i);
			continue;
		}
		m[i].cipher = (enum ns_cipher)b[3 * i];
		m[i].hash = (enum ns_hash)b[3 * i + 1];
		m[i].group = (enum ns_dh)b[3 * i + 2];
	}
}

static void apply_ext_qm(struct imp *im, const struct obj *o, struct ns_qm_method *m, size_t n)
{
	size_t len = 0;
	const uint8_t *b = val_bin(im, o, EXT_VALUE, &len);

	if (!b)
		return;
	if (len != 4 * n) {
		IWARN(im, "%s: %s: %zu bytes for %zu methods: ignored", okey(o), EXT_VALUE, len, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *q = b + 4 * i;

		if (q[0] > NS_QM_AH_ESP || q[1] > NS_HASH_SHA384 || q[2] > NS_CIPHER_AES256 ||
		    q[3] > NS_HASH_SHA384) {
			IWARN(im, "%s: %s: bad method %zu at byte offset %zu: ignored", okey(o),
			      EXT_VALUE, i + 1, 4 * i);
			continue;
		}
		m[i].kind = (enum ns_qm_kind)q[0];
		m[i].ah_hash = (enum ns_hash)q[1];
		m[i].esp_conf = (enum ns_cipher)q[2];
		m[i].esp_auth = (enum ns_hash)q[3];
	}
}

static bool negpol_meta(struct imp *im, struct obj *o)
{
	const char *act = val_sz(im, o, "ipsecNegotiationPolicyAction");
	const char *type = val_sz(im, o, "ipsecNegotiationPolicyType");
	struct ns_filteraction *fa = &o->fa;

	if (!act) {
		IWARN(im, "%s: ipsecNegotiationPolicyAction: missing: object skipped", okey(o));
		return false;
	}
	fa->inpass = false;
	if (ns_guid_eq(act, ACT_BLOCK)) {
		fa->action = NS_ACTION_BLOCK;
	} else if (ns_guid_eq(act, ACT_PERMIT)) {
		fa->action = NS_ACTION_PERMIT;
	} else if (ns_guid_eq(act, ACT_NEGOTIATE)) {
		fa->action = NS_ACTION_NEGOTIATE;
	} else if (ns_guid_eq(act, ACT_INPASS)) {
		fa->action = NS_ACTION_NEGOTIATE;
		fa->inpass = true;
	} else {
		IWARN(im, "%s: ipsecNegotiationPolicyAction: unknown action %s: object skipped",
		      okey(o), act);
		return false;
	}
	fa->type = NS_FA_NORMAL;
	if (type && ns_guid_eq(type, TYPE_DEFAULT))
		fa->type = NS_FA_DEFAULT_RESPONSE;
	else if (type && !ns_guid_eq(type, TYPE_NORMAL))
		IWARN(im,
		      "%s: ipsecNegotiationPolicyType: unknown type %s: read as a normal "
		      "filter action",
		      okey(o), type);
	o->is_dr = fa->type == NS_FA_DEFAULT_RESPONSE;
	if (fa->action != NS_ACTION_NEGOTIATE) {
		/* Windows keeps the offers when the action is switched to
		 * permit or block; they mean nothing then. */
		fa->n_methods = 0;
		fa->soft = false;
		fa->qmpfs = false;
		return true;
	}
	apply_ext_qm(im, o, fa->methods, fa->n_methods);
	if (!fa->n_methods) {
		struct ns_qm_method *m = malloc(sizeof(ns_default_qm_methods));

		if (!m) {
			oom(im);
			return false;
		}
		IWARN(im,
		      "%s: ipsecData: negotiate without a usable security method: the default "
		      "methods are used",
		      okey(o));
		free(fa->methods);
		memcpy(m, ns_default_qm_methods, sizeof(ns_default_qm_methods));
		fa->methods = m;
		fa->n_methods = 2;
	}
	return true;
}

static int push(void **arr, size_t *n, size_t elem, const void *item)
{
	void *na = realloc(*arr, (*n + 1) * elem);

	if (!na)
		return -ENOMEM;
	*arr = na;
	memcpy((char *)na + *n * elem, item, elem);
	(*n)++;
	return 0;
}

static int take_filteraction(struct imp *im, struct ns_db *db, struct obj *o)
{
	if (o->used)
		return 0;
	o->used = true;
	if (push((void **)&db->filteractions, &db->n_filteractions, sizeof(o->fa), &o->fa))
		return oom(im);
	memset(&o->fa, 0, sizeof(o->fa));
	return 0;
}

static int copy_rule(struct ns_rule *dst, const struct ns_rule *src)
{
	*dst = *src;
	dst->name = strdup(src->name ? src->name : "");
	dst->description = strdup(src->description ? src->description : "");
	dst->tunnel_dnsname = strdup(src->tunnel_dnsname ? src->tunnel_dnsname : "");
	dst->auth = calloc(src->n_auth ? src->n_auth : 1, sizeof(*dst->auth));
	dst->n_auth = 0;
	if (!dst->name || !dst->description || !dst->tunnel_dnsname || !dst->auth) {
		ns_rule_free(dst);
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_auth; i++) {
		dst->auth[i] = src->auth[i];
		dst->auth[i].value = strdup(src->auth[i].value ? src->auth[i].value : "");
		if (!dst->auth[i].value) {
			ns_rule_free(dst);
			return -ENOMEM;
		}
		dst->n_auth++;
	}
	return 0;
}

static uint32_t minutes(struct imp *im, const struct obj *o, const char *what, uint32_t sec)
{
	if (sec % 60)
		IWARN(im, "%s: ipsecData: %s of %u seconds rounded to whole minutes", okey(o), what,
		      sec);
	return (uint32_t)(((uint64_t)sec + 30) / 60);
}

/* A policy whose default response rule is missing from the file gets an
 * inactive one, so the model's "every policy has one" holds. */
static int synth_default(struct imp *im, struct ns_db *db, struct ns_policy *p)
{
	struct ns_filteraction fa = {0};
	struct ns_rule *r = &p->default_rule;

	memset(r, 0, sizeof(*r));
	if (ns_guid_new(r->guid) || ns_guid_new(fa.guid))
		return oom(im);
	fa.type = NS_FA_DEFAULT_RESPONSE;
	fa.action = NS_ACTION_NEGOTIATE;
	fa.name = strdup("");
	fa.description = strdup("");
	fa.methods = malloc(sizeof(ns_default_qm_methods));
	r->name = strdup("");
	r->description = strdup("");
	r->tunnel_dnsname = strdup("");
	if (!fa.name || !fa.description || !fa.methods || !r->name || !r->description ||
	    !r->tunnel_dnsname) {
		ns_filteraction_free(&fa);
		return oom(im);
	}
	memcpy(fa.methods, ns_default_qm_methods, sizeof(ns_default_qm_methods));
	fa.n_methods = 2;
	r->is_default = true;
	r->active = false;
	memcpy(r->filteraction_guid, fa.guid, sizeof(fa.guid));
	if (push((void **)&db->filteractions, &db->n_filteractions, sizeof(fa), &fa)) {
		ns_filteraction_free(&fa);
		return oom(im);
	}
	return 0;
}

static int build_policy(struct imp *im, struct ns_db *db, struct obj *po)
{
	struct ns_policy p = {0};
	const char *iref = val_sz(im, po, "ipsecISAKMPReference");
	struct obj *io = iref ? find_ref(im, C_ISAKMP, iref) : NULL;
	const char *const *nfas;
	size_t n_nfa;
	bool have_default = false;
	uint32_t options = 0;
	int rc;

	memcpy(p.guid, po->guid, sizeof(po->guid));
	p.name = dup_sz(im, po, "ipsecName");
	p.description = dup_sz(im, po, "description");
	p.gponame = strdup("");
	p.whenchanged = val_time(im, po);
	if (!p.name || !p.description || !p.gponame)
		goto nomem;
	p.pollinginterval_min = minutes(im, po, "polling interval", po->polling_sec);
	if (io && !io->bad) {
		io->used = true;
		memcpy(p.isakmp_guid, io->guid, sizeof(io->guid));
		p.mmpfs = io->isakmp.pfs;
		p.qmpermm = p.mmpfs ? 1 : io->isakmp.qmpermm;
		p.mmlifetime_min = minutes(im, io, "main mode lifetime", io->isakmp.lifetime_sec);
		options = io->isakmp.options;
		p.n_mm_methods = io->isakmp.n_methods;
		p.mm_methods = calloc(p.n_mm_methods ? p.n_mm_methods : 1, sizeof(*p.mm_methods));
		if (!p.mm_methods)
			goto nomem;
		memcpy(p.mm_methods, io->isakmp.methods, p.n_mm_methods * sizeof(*p.mm_methods));
		apply_ext_mm(im, io, p.mm_methods, p.n_mm_methods);
	} else {
		char g[NS_GUID_LEN + 1];

		IWARN(im, "%s: ipsecISAKMPReference: %s %s: default main mode settings used",
		      okey(po), iref ? iref : "(none)",
		      io ? "could not be read" : "is not in the file");
		if (iref && parse_ref(iref, C_ISAKMP, g))
			memcpy(p.isakmp_guid, g, sizeof(g));
		else if (ns_guid_new(p.isakmp_guid))
			goto nomem;
		p.mmlifetime_min = NS_DEFAULT_MMLIFETIME_MIN;
		p.mm_methods = malloc(sizeof(ns_default_mm_methods));
		if (!p.mm_methods)
			goto nomem;
		memcpy(p.mm_methods, ns_default_mm_methods, sizeof(ns_default_mm_methods));
		p.n_mm_methods = 3;
	}
	if (!p.n_mm_methods) {
		IWARN(im, "%s: ipsecData: no main mode method: the default methods are used",
		      io ? okey(io) : okey(po));
		free(p.mm_methods);
		p.mm_methods = malloc(sizeof(ns_default_mm_methods));
		if (!p.mm_methods)
			goto nomem;
		memcpy(p.mm_methods, ns_default_mm_methods, sizeof(ns_default_mm_methods));
		p.n_mm_methods = 3;
	}
	for (size_t i = 0; i < im->n_active; i++) {
		char g[NS_GUID_LEN + 1];

		if (parse_ref(im->active[i], C_POLICY, g) && !strcmp(g, p.guid))
			p.assigned = true;
	}

	nfas = val_multi(im, po, "ipsecNFAReference", &n_nfa);
	for (size_t i = 0; i < n_nfa; i++) {
		struct obj *no = find_ref(im, C_NFA, nfas[i]);
		const char *nref, *const *frefs;
		size_t n_fref;
		struct obj *neg, *flo = NULL;
		bool is_default;
		struct ns_rule r;

		if (!no || no->bad) {
			IWARN(im, "%s: ipsecNFAReference: %s %s: rule skipped", okey(po), nfas[i],
			      no ? "could not be read" : "is not in the file");
			continue;
		}
		if (no->owner) {
			IWARN(im, "%s: ipsecNFAReference: %s already belongs to %s: skipped here",
			      okey(po), nfas[i], okey(no->owner));
			continue;
		}
		nref = val_sz(im, no, "ipsecNegotiationPolicyReference");
		neg = nref ? find_ref(im, C_NEGPOL, nref) : NULL;
		if (!neg || neg->bad) {
			IWARN(im, "%s: ipsecNegotiationPolicyReference: %s %s: rule skipped",
			      okey(no), nref ? nref : "(none)",
			      neg ? "could not be read" : "is not in the file");
			continue;
		}
		frefs = val_multi(im, no, "ipsecFilterReference", &n_fref);
		is_default = neg->is_dr;
		if (is_default) {
			if (have_default) {
				IWARN(im, "%s: a second default response rule in %s: skipped",
				      okey(no), okey(po));
				continue;
			}
			if (n_fref)
				IWARN(im,
				      "%s: ipsecFilterReference: ignored on the default response "
				      "rule",
				      okey(no));
		} else {
			if (!n_fref) {
				IWARN(im,
				      "%s: ipsecFilterReference: missing on a rule that is not "
				      "the default response rule: rule skipped",
				      okey(no));
				continue;
			}
			if (n_fref > 1)
				IWARN(im,
				      "%s: ipsecFilterReference: %zu filter lists, only the "
				      "first is used",
				      okey(no), n_fref);
			flo = find_ref(im, C_FILTER, frefs[0]);
			if (!flo || flo->bad) {
				IWARN(im, "%s: ipsecFilterReference: %s %s: rule skipped", okey(no),
				      frefs[0], flo ? "could not be read" : "is not in the file");
				continue;
			}
		}
		if (copy_rule(&r, &no->rule))
			goto nomem;
		no->owner = po;
		no->used = true;
		r.is_default = is_default;
		memcpy(r.filteraction_guid, neg->guid, sizeof(neg->guid));
		if (flo) {
			memcpy(r.filterlist_guid, flo->guid, sizeof(flo->guid));
			flo->used = true;
		} else {
			r.filterlist_guid[0] = '\0';
		}
		for (size_t a = 0; a < r.n_auth; a++) {
			if (r.auth[a].kind != NS_AUTH_ROOTCA)
				continue;
			r.auth[a].certmap = options & NS_WIN_OPT_CERTMAP;
			r.auth[a].excludecaname = options & NS_WIN_OPT_EXCLUDECA;
		}
		if (neg->is_dr && !neg->used) {
			rc = take_filteraction(im, db, neg);
			if (rc) {
				ns_rule_free(&r);
				goto fail;
			}
		}
		if (is_default) {
			p.default_rule = r;
			have_default = true;
		} else if (push((void **)&p.rules, &p.n_rules, sizeof(r), &r)) {
			ns_rule_free(&r);
			goto nomem;
		}
	}
	if (!have_default) {
		IWARN(im, "%s: no default response rule in the file: an inactive one is created",
		      okey(po));
		rc = synth_default(im, db, &p);
		if (rc)
			goto fail;
	}
	if (push((void **)&db->policies, &db->n_policies, sizeof(p), &p))
		goto nomem;
	return 0;
nomem:
	rc = oom(im);
fail:
	ns_policy_free(&p);
	return rc;
}

static int build(struct imp *im, struct ns_db *db)
{
	int rc;

	for (size_t i = 0; i < im->n_objs; i++) {
		struct obj *o = &im->objs[i];

		o->bad = !decode_one(im, o);
		if (!o->bad && o->cls == C_NEGPOL)
			o->bad = !negpol_meta(im, o);
	}
	/* Normal filter actions and filter lists stand on their own. */
	for (size_t i = 0; i < im->n_objs; i++) {
		struct obj *o = im->order[i];

		if (o->bad)
			continue;
		if (o->cls == C_NEGPOL && o->fa.type == NS_FA_NORMAL) {
			rc = take_filteraction(im, db, o);
			if (rc)
				return rc;
		} else if (o->cls == C_FILTER) {
			if (push((void **)&db->filterlists, &db->n_filterlists, sizeof(o->fl),
				 &o->fl))
				return oom(im);
			memset(&o->fl, 0, sizeof(o->fl));
			o->used = true;
		}
	}
	for (size_t i = 0; i < im->n_objs; i++) {
		if (im->order[i]->cls == C_POLICY && !im->order[i]->bad) {
			rc = build_policy(im, db, im->order[i]);
			if (rc)
				return rc;
		}
	}
	for (size_t i = 0; i < im->n_objs; i++) {
		const struct obj *o = &im->objs[i];

		if (o->bad || o->used)
			continue;
		if (o->cls == C_NFA)
			IWARN(im, "%s: rule not referenced by any policy in the file: skipped",
			      okey(o));
		else if (o->cls == C_ISAKMP)
			IWARN(im,
			      "%s: main mode settings not referenced by any policy in the file: "
			      "skipped",
			      okey(o));
		else if (o->cls == C_NEGPOL)
			IWARN(im,
			      "%s: default response action not used by any policy in the file: "
			      "skipped",
			      okey(o));
	}
	/* A file holding several stores (an export of the whole Policy key)
	 * can name several active policies: the first one wins. */
	for (size_t i = 0, won = 0; i < im->n_active; i++) {
		char g[NS_GUID_LEN + 1];
		struct ns_policy *p = NULL;

		if (parse_ref(im->active[i], C_POLICY, g))
			p = ns_db_policy_by_guid(db, g);
		if (!p) {
			IWARN(im,
			      "ActivePolicy: %s is not a policy imported from the file: nothing "
			      "is assigned by it",
			      im->active[i]);
		} else if (!won) {
			won = i + 1;
		} else if (!ns_guid_eq(key_last(im->active[won - 1]), key_last(im->active[i]))) {
			p->assigned = false;
			IWARN(im, "ActivePolicy: %s: only one policy can be assigned, %s is kept",
			      im->active[i], im->active[won - 1]);
		}
	}
	return 0;
}

int ns_winreg_read(const uint8_t *buf, size_t len, struct ns_db *db, struct ns_winreg_report *rep,
		   char *err, size_t errlen)
{
	struct imp im = {.rep = rep, .err = err, .errlen = errlen};
	int rc;

	memset(db, 0, sizeof(*db));
	rc = ns_reg_parse(buf, len, &im.file, err, errlen);
	if (rc)
		return rc;
	rc = collect(&im);
	if (!rc)
		rc = build(&im, db);
	for (size_t i = 0; i < im.n_objs; i++)
		obj_free(&im.objs[i]);
	free(im.objs);
	free(im.order);
	free(im.active);
	ns_reg_file_free(&im.file);
	if (rc)
		ns_db_free(db);
	return rc;
}

/* ---- export ------------------------------------------------------------- */

/* Who uses a filter action or filter list: sorted, so that a store with
 * many rules does not cost rules x objects comparisons. */
struct owner {
	const char *target; /* filter action or filter list GUID */
	const char *rule;
	size_t seq; /* rule order, to keep it among equal targets */
};

struct exp {
	struct ns_reg_writer w;
	const struct ns_db *db;
	struct owner *owners;
	size_t n_owners;
	const char *loc; /* "Local", "Persistent" */
	struct ns_winreg_report *rep;
	bool oom;
};

/* Reference form: the key path without the hive, as Windows writes it. */
static char *ref_path(struct exp *e, enum cls c, const char *guid)
{
	char *s;

	if (asprintf(&s, ROOT_PATH "%s\\%s%s", e->loc, cls_name[c], guid) < 0) {
		e->oom = true;
		return NULL;
	}
	return s;
}

static void key_begin(struct exp *e, enum cls c, const char *guid, const char *name,
		      const char *desc, int64_t when)
{
	char *path, objname[64];

	snprintf(objname, sizeof(objname), "%s%s", cls_name[c], guid);
	if (asprintf(&path, ROOT_HIVE ROOT_PATH "%s\\%s", e->loc, objname) < 0) {
		e->oom = true;
		return;
	}
	ns_regw_key(&e->w, path);
	free(path);
	ns_regw_sz(&e->w, "ClassName", cls_name[c]);
	if (desc && *desc)
		ns_regw_sz(&e->w, "description", desc);
	ns_regw_sz(&e->w, "name", objname);
	ns_regw_sz(&e->w, "ipsecID", guid);
	ns_regw_sz(&e->w, "ipsecName", name ? name : "");
	ns_regw_dword(&e->w, "ipsecDataType", 0x100);
	ns_regw_dword(&e->w, "whenChanged",
		      when < 0			   ? 0
		      : when > (int64_t)UINT32_MAX ? UINT32_MAX
						   : (uint32_t)when);
}

static void data_value(struct exp *e, struct ns_bbuf *b)
{
	if (b->oom)
		e->oom = true;
	else
		ns_regw_binary(&e->w, "ipsecData", b->p, b->len);
	ns_bbuf_free(b);
}

/* Writes a MULTI_SZ of reference paths; skips it when empty. */
static void refs_value(struct exp *e, const char *name, char **refs, size_t n)
{
	if (n)
		ns_regw_multi_sz(&e->w, name, (const char *const *)refs, n);
	for (size_t i = 0; i < n; i++)
		free(refs[i]);
	free(refs);
}

static void add_ref(struct exp *e, char ***refs, size_t *n, enum cls c, const char *guid)
{
	char *r = ref_path(e, c, guid);
	char **nr;

	if (!r)
		return;
	nr = realloc(*refs, (*n + 1) * sizeof(*nr));
	if (!nr) {
		free(r);
		e->oom = true;
		return;
	}
	*refs = nr;
	(*refs)[(*n)++] = r;
}

static uint32_t sat_sec(uint32_t min)
{
	return min > UINT32_MAX / 60 ? UINT32_MAX : min * 60;
}

#define EWARN(e, ...) ns_winreg_report_add((e)->rep, __VA_ARGS__)

static const char *cipher_name(enum ns_cipher c)
{
	static const char *const n[] = {"none", "DES", "3DES", "AES128", "AES192", "AES256"};

	return (unsigned)c < 6 ? n[c] : "?";
}

static const char *hash_name(enum ns_hash h)
{
	static const char *const n[] = {"none", "MD5", "SHA1", "SHA256", "SHA384"};

	return (unsigned)h < 5 ? n[h] : "?";
}

static int dh_number(enum ns_dh g)
{
	static const int n[] = {0, 1, 2, 3, 14, 19, 20, 24};

	return (unsigned)g < 8 ? n[g] : -1;
}

static void write_isakmp(struct exp *e, const struct ns_policy *p, const char *guid)
{
	struct ns_blob_isakmp ik = {0};
	struct ns_bbuf b = {0};
	bool exact = true, certmap = false, excl = false, mixed = false, first = true;
	char **owners = NULL;
	size_t n_owners = 0;

	memcpy(ik.guid, guid, sizeof(ik.guid));
	ik.pfs = p->mmpfs;
	ik.qmpermm = p->mmpfs ? 1 : p->qmpermm;
	ik.lifetime_sec = sat_sec(p->mmlifetime_min);
	ik.methods = p->mm_methods;
	ik.n_methods = p->n_mm_methods;
	/* Windows keeps certificate mapping per policy, we keep it per
	 * authentication method: OR them, and say when they disagreed. */
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct ns_rule *r = i < p->n_rules ? &p->rules[i] : &p->default_rule;

		for (size_t a = 0; a < r->n_auth; a++) {
			if (r->auth[a].kind != NS_AUTH_ROOTCA)
				continue;
			if (!first &&
			    (certmap != r->auth[a].certmap || excl != r->auth[a].excludecaname))
				mixed = true;
			certmap |= r->auth[a].certmap;
			excl |= r->auth[a].excludecaname;
			first = false;
		}
	}
	if (mixed)
		EWARN(e,
		      "policy \"%s\": certmap/excludecaname differ between its certificate "
		      "methods; Windows keeps one setting per policy: both are on where any was",
		      p->name);
	ik.options = (certmap ? NS_WIN_OPT_CERTMAP : 0) | (excl ? NS_WIN_OPT_EXCLUDECA : 0);
	ns_blob_isakmp_encode(&b, &ik);
	key_begin(e, C_ISAKMP, guid, "", "", p->whenchanged);
	data_value(e, &b);
	for (size_t i = 0; i < p->n_mm_methods; i++) {
		const struct ns_mm_method *m = &p->mm_methods[i];

		if (ns_blob_mm_windows(m))
			continue;
		exact = false;
		if (m->cipher > NS_CIPHER_3DES || m->hash > NS_HASH_SHA1 ||
		    (m->group != NS_DH_14 && m->group > NS_DH_3))
			EWARN(e,
			      "policy \"%s\": main mode method %s-%s-%d is unknown to Windows: it "
			      "sees %s-%s with the nearest group",
			      p->name, cipher_name(m->cipher), hash_name(m->hash),
			      dh_number(m->group), m->cipher == NS_CIPHER_DES ? "DES" : "3DES",
			      m->hash == NS_HASH_MD5 ? "MD5" : "SHA1");
	}
	if (!exact) {
		uint8_t *x = malloc(3 * p->n_mm_methods);

		if (!x) {
			e->oom = true;
		} else {
			for (size_t i = 0; i < p->n_mm_methods; i++) {
				x[3 * i] = (uint8_t)p->mm_methods[i].cipher;
				x[3 * i + 1] = (uint8_t)p->mm_methods[i].hash;
				x[3 * i + 2] = (uint8_t)p->mm_methods[i].group;
			}
			ns_regw_binary(&e->w, EXT_VALUE, x, 3 * p->n_mm_methods);
			free(x);
		}
	}
	add_ref(e, &owners, &n_owners, C_POLICY, p->guid);
	refs_value(e, "ipsecOwnersReference", owners, n_owners);
}

static void write_nfa(struct exp *e, const struct ns_policy *p, const struct ns_rule *r)
{
	struct ns_bbuf b = {0};
	char **refs = NULL, *neg;
	size_t n = 0;

	ns_blob_nfa_encode(&b, r);
	key_begin(e, C_NFA, r->guid, r->name, r->description, r->whenchanged);
	data_value(e, &b);
	neg = ref_path(e, C_NEGPOL, r->filteraction_guid);
	if (neg)
		ns_regw_sz(&e->w, "ipsecNegotiationPolicyReference", neg);
	free(neg);
	if (!r->is_default) {
		add_ref(e, &refs, &n, C_FILTER, r->filterlist_guid);
		refs_value(e, "ipsecFilterReference", refs, n);
	}
	refs = NULL;
	n = 0;
	add_ref(e, &refs, &n, C_POLICY, p->guid);
	refs_value(e, "ipsecOwnersReference", refs, n);
}

static void write_policy(struct exp *e, const struct ns_policy *p)
{
	struct ns_bbuf b = {0};
	char isakmp[NS_GUID_LEN + 1], *ref;
	char **nfa = NULL;
	size_t n = 0;

	if (!ns_guid_parse(p->isakmp_guid, isakmp)) {
		/* A policy without its own ISAKMP GUID: derive a stable one is
		 * not possible, so a fresh one; the import keeps it. */
		if (ns_guid_new(isakmp)) {
			e->oom = true;
			return;
		}
	}
	if (p->gponame && *p->gponame)
		EWARN(e, "policy \"%s\": gponame is not kept in the registry", p->name);
	ns_blob_policy_encode(&b, sat_sec(p->pollinginterval_min));
	key_begin(e, C_POLICY, p->guid, p->name, p->description, p->whenchanged);
	data_value(e, &b);
	ref = ref_path(e, C_ISAKMP, isakmp);
	if (ref)
		ns_regw_sz(&e->w, "ipsecISAKMPReference", ref);
	free(ref);
	for (size_t i = 0; i < p->n_rules; i++)
		add_ref(e, &nfa, &n, C_NFA, p->rules[i].guid);
	if (p->default_rule.guid[0])
		add_ref(e, &nfa, &n, C_NFA, p->default_rule.guid);
	refs_value(e, "ipsecNFAReference", nfa, n);

	write_isakmp(e, p, isakmp);
	for (size_t i = 0; i < p->n_rules; i++)
		write_nfa(e, p, &p->rules[i]);
	if (p->default_rule.guid[0])
		write_nfa(e, p, &p->default_rule);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	int c = strcasecmp(x->target, y->target);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void index_owners(struct exp *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->db->n_policies; i++)
		n += 2 * (e->db->policies[i].n_rules + 1);
	e->owners = calloc(n ? n : 1, sizeof(*e->owners));
	if (!e->owners) {
		e->oom = true;
		return;
	}
	for (size_t i = 0; i < e->db->n_policies; i++) {
		const struct ns_policy *p = &e->db->policies[i];

		for (size_t j = 0; j <= p->n_rules; j++) {
			const struct ns_rule *r = j < p->n_rules ? &p->rules[j] : &p->default_rule;

			if (!r->guid[0])
				continue;
			if (r->filteraction_guid[0]) {
				e->owners[e->n_owners] =
					(struct owner){r->filteraction_guid, r->guid, e->n_owners};
				e->n_owners++;
			}
			if (r->filterlist_guid[0]) {
				e->owners[e->n_owners] =
					(struct owner){r->filterlist_guid, r->guid, e->n_owners};
				e->n_owners++;
			}
		}
	}
	qsort(e->owners, e->n_owners, sizeof(*e->owners), owner_cmp);
}

/* Owners of a filter action or filter list: the rules that use it. */
static void owners_of(struct exp *e, const char *guid)
{
	char **refs = NULL;
	size_t n = 0, lo = 0, hi = e->n_owners;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcasecmp(e->owners[mid].target, guid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < e->n_owners && !strcasecmp(e->owners[lo].target, guid); lo++)
		add_ref(e, &refs, &n, C_NFA, e->owners[lo].rule);
	refs_value(e, "ipsecOwnersReference", refs, n);
}

static void write_negpol(struct exp *e, const struct ns_filteraction *fa)
{
	struct ns_bbuf b = {0};
	const char *act;
	bool exact = true;

	ns_blob_negpol_encode(&b, fa);
	key_begin(e, C_NEGPOL, fa->guid, fa->name, fa->description, fa->whenchanged);
	data_value(e, &b);
	switch (fa->action) {
	case NS_ACTION_PERMIT:
		act = ACT_PERMIT;
		break;
	case NS_ACTION_BLOCK:
		act = ACT_BLOCK;
		break;
	default:
		act = fa->inpass ? ACT_INPASS : ACT_NEGOTIATE;
		break;
	}
	ns_regw_sz(&e->w, "ipsecNegotiationPolicyAction", act);
	ns_regw_sz(&e->w, "ipsecNegotiationPolicyType",
		   fa->type == NS_FA_DEFAULT_RESPONSE ? TYPE_DEFAULT : TYPE_NORMAL);
	if (fa->action == NS_ACTION_NEGOTIATE) {
		for (size_t i = 0; i < fa->n_methods; i++) {
			if (ns_blob_qm_windows(&fa->methods[i]))
				continue;
			exact = false;
			EWARN(e,
			      "filter action \"%s\": security method %zu uses an algorithm "
			      "Windows Server 2003 lacks: it sees 3DES/SHA1 there",
			      fa->name, i + 1);
		}
	}
	if (!exact) {
		uint8_t *x = malloc(4 * fa->n_methods);

		if (!x) {
			e->oom = true;
		} else {
			for (size_t i = 0; i < fa->n_methods; i++) {
				x[4 * i] = (uint8_t)fa->methods[i].kind;
				x[4 * i + 1] = (uint8_t)fa->methods[i].ah_hash;
				x[4 * i + 2] = (uint8_t)fa->methods[i].esp_conf;
				x[4 * i + 3] = (uint8_t)fa->methods[i].esp_auth;
			}
			ns_regw_binary(&e->w, EXT_VALUE, x, 4 * fa->n_methods);
			free(x);
		}
	}
	owners_of(e, fa->guid);
}

static void write_filterlist(struct exp *e, const struct ns_filterlist *fl)
{
	struct ns_bbuf b = {0};

	ns_blob_filter_encode(&b, fl);
	key_begin(e, C_FILTER, fl->guid, fl->name, fl->description, fl->whenchanged);
	data_value(e, &b);
	owners_of(e, fl->guid);
}

int ns_winreg_write_opts(FILE *out, const struct ns_db *db, enum ns_store_location loc,
			 const struct ns_winreg_write_opts *opts, char *err, size_t errlen)
{
	struct exp e = {.db = db, .rep = opts ? opts->rep : NULL};
	const struct ns_policy *act = ns_db_assigned_policy(db);
	char *root;

	if (loc == NS_STORE_LOCAL) {
		e.loc = "Local";
	} else if (loc == NS_STORE_PERSISTENT) {
		e.loc = "Persistent";
	} else {
		ns_errmsg(err, errlen, "registry export: only the local and persistent stores");
		return -EOPNOTSUPP;
	}
	ns_regw_init(&e.w, opts && opts->regedit4);
	if (asprintf(&root, ROOT_HIVE ROOT_PATH "%s", e.loc) < 0) {
		ns_regw_free(&e.w);
		return -ENOMEM;
	}
	ns_regw_key(&e.w, root);
	free(root);
	if (act) {
		char *ref = ref_path(&e, C_POLICY, act->guid);

		if (ref)
			ns_regw_sz(&e.w, "ActivePolicy", ref);
		free(ref);
	}
	index_owners(&e);
	for (size_t i = 0; i < db->n_policies; i++)
		write_policy(&e, &db->policies[i]);
	for (size_t i = 0; i < db->n_filteractions; i++)
		write_negpol(&e, &db->filteractions[i]);
	for (size_t i = 0; i < db->n_filterlists; i++)
		write_filterlist(&e, &db->filterlists[i]);
	free(e.owners);
	if (e.oom) {
		ns_regw_free(&e.w);
		ns_errmsg(err, errlen, "out of memory writing the registry file");
		return -ENOMEM;
	}
	return ns_regw_finish(&e.w, out, err, errlen);
}

int ns_winreg_write(FILE *out, const struct ns_db *db, enum ns_store_location loc, char *err,
		    size_t errlen)
{
	return ns_winreg_write_opts(out, db, loc, NULL, err, errlen);
}
