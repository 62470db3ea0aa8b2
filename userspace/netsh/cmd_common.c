// SPDX-License-Identifier: GPL-2.0
#include "cmd_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/values.h"
#include "lib/errmsg.h"

const char *const ns_choices_action[] = {"permit", "block", "negotiate", NULL};
const char *const ns_choices_conntype[] = {"lan", "dialup", "all", NULL};

enum ns_conntype ns_conntype_from_choice(uint32_t idx)
{
	static const enum ns_conntype map[] = {NS_CONN_LAN, NS_CONN_DIALUP, NS_CONN_ALL};

	return idx < 3 ? map[idx] : NS_CONN_ALL;
}

int ns_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ns_verrmsg(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int ns_policy_head_named(struct ns_store *st, const char *pname, struct ns_policy *p, char *err,
			 size_t errlen)
{
	int rc = ns_so_get_policy_head(st, pname, NULL, p, err, errlen);

	if (rc == -ENOENT)
		return ns_err(err, errlen, rc, "policy: no policy named '%s'", pname);
	return rc;
}

int ns_endpoint_copy(struct ns_endpoint *dst, const struct ns_endpoint *src)
{
	*dst = *src;
	dst->dnsname = NULL;
	if (src->dnsname) {
		dst->dnsname = strdup(src->dnsname);
		if (!dst->dnsname)
			return -ENOMEM;
	}
	return 0;
}

void ns_auth_list_free(struct ns_auth *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ns_auth_free(&v[i]);
	free(v);
}

int ns_auth_from_args(struct ns_session *s, const struct ns_args *a, bool *given,
		      struct ns_auth **out, size_t *n, char *err, size_t errlen)
{
	struct ns_auth *v = calloc(a->n ? a->n : 1, sizeof(*v));
	bool kerb = false, psk = false;
	size_t cnt = 0;

	*given = false;
	*out = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct ns_arg *x = &a->v[i];
		const char *tag = x->param->tag;

		if (strcmp(tag, "kerberos") == 0) {
			*given = true;
			if (!x->b)
				continue;
			if (kerb)
				goto dup;
			kerb = true;
			v[cnt].kind = NS_AUTH_KERBEROS;
			v[cnt].value = strdup("");
		} else if (strcmp(tag, "psk") == 0) {
			*given = true;
			if (psk) {
				ns_auth_list_free(v, cnt);
				return ns_err(err, errlen, -EINVAL,
					      "psk: only one preshared key is allowed per rule");
			}
			if (!x->s[0]) {
				ns_auth_list_free(v, cnt);
				return ns_err(err, errlen, -EINVAL,
					      "psk: the preshared key cannot be empty");
			}
			psk = true;
			v[cnt].kind = NS_AUTH_PSK;
			v[cnt].value = strdup(x->s);
		} else if (strcmp(tag, "rootca") == 0) {
			*given = true;
			v[cnt] = x->auth;
			v[cnt].value = strdup(x->auth.value);
		} else {
			continue;
		}
		if (!v[cnt].value) {
			ns_auth_list_free(v, cnt);
			return -ENOMEM;
		}
		cnt++;
	}
	if (*given && cnt == 0) {
		free(v);
		return ns_err(err, errlen, -EINVAL,
			      "kerberos=no leaves no authentication method; add psk= or rootca=");
	}
	if (psk)
		ns_warn(s, "preshared key authentication is weak and the key is stored in plain "
			   "text; prefer certificates (rootca=)");
	*out = v;
	*n = cnt;
	if (!cnt) {
		free(v);
		*out = NULL;
	}
	return 0;
dup:
	ns_auth_list_free(v, cnt);
	return ns_err(err, errlen, -EINVAL, "kerberos: given more than once");
}

int ns_rule_set_tunnel(struct ns_rule *r, const struct ns_arg *x)
{
	free(r->tunnel_dnsname);
	r->tunnel_dnsname = NULL;
	r->tunnel_set = x->ep.addr != 0 || x->ep.kind == NS_ADDR_DNS_NAME;
	r->tunnel_addr = x->ep.addr;
	if (x->ep.kind == NS_ADDR_DNS_NAME) {
		r->tunnel_dnsname = strdup(x->ep.dnsname);
		if (!r->tunnel_dnsname)
			return -ENOMEM;
	}
	return 0;
}

void ns_warn_qm(struct ns_session *s, const struct ns_qm_method *m, size_t n)
{
	char buf[256];

	if (ns_qm_weak(m, n, buf, sizeof(buf)))
		ns_warn(s, "qmsecmethods: %s", buf);
}

void ns_warn_mm(struct ns_session *s, const struct ns_mm_method *m, size_t n)
{
	char buf[256];

	if (ns_mm_weak(m, n, buf, sizeof(buf)))
		ns_warn(s, "mmsecmethods: %s", buf);
}

struct ns_store *ns_cmd_store(struct ns_session *s)
{
	return s->st;
}

int64_t ns_now(void)
{
	return (int64_t)time(NULL);
}
