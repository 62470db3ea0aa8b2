// SPDX-License-Identifier: GPL-2.0
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/guid.h"
#include "lib/values.h"
#include "lib/errmsg.h"

void ns_tokens_free(struct ns_tok *toks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(toks[i].s);
	free(toks);
}

static bool tag_char(char c)
{
	return isalnum((unsigned char)c);
}

int ns_tokenize(const char *line, struct ns_tok **toks, size_t *n, char *err, size_t errlen)
{
	size_t len = strlen(line), cap = 0, cnt = 0;
	struct ns_tok *v = NULL;
	const char *p = line;

	*toks = NULL;
	*n = 0;
	for (;;) {
		char *buf, *w;
		bool quoted = false, any_quote = false;
		int eq = -1;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		buf = malloc(len + 1);
		if (!buf) {
			ns_tokens_free(v, cnt);
			return -ENOMEM;
		}
		w = buf;
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
			if (*p == '"') {
				quoted = !quoted;
				any_quote = true;
				continue;
			}
			/* The first unquoted '=' after a bare word ends the tag. */
			if (*p == '=' && !quoted && eq < 0 && !any_quote && w > buf) {
				bool word = true;

				for (char *q = buf; q < w; q++)
					word = word && tag_char(*q);
				if (word)
					eq = (int)(w - buf);
			}
			*w++ = *p;
		}
		*w = '\0';
		if (quoted) {
			free(buf);
			ns_tokens_free(v, cnt);
			return ns_fail(err, errlen, -EINVAL, "unterminated quote in: %s", line);
		}
		if (cnt == cap) {
			struct ns_tok *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				free(buf);
				ns_tokens_free(v, cnt);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt].s = buf;
		v[cnt].eq = eq;
		cnt++;
	}
	*toks = v;
	*n = cnt;
	return 0;
}

int ns_tokens_from_argv(char **argv, size_t n, struct ns_tok **toks)
{
	struct ns_tok *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(argv[i], '=');

		v[i].s = strdup(argv[i]);
		if (!v[i].s) {
			ns_tokens_free(v, i);
			return -ENOMEM;
		}
		v[i].eq = -1;
		if (eq && eq > argv[i]) {
			bool word = true;

			for (const char *q = argv[i]; q < eq; q++)
				word = word && tag_char(*q);
			if (word)
				v[i].eq = (int)(eq - argv[i]);
		}
	}
	*toks = v;
	return 0;
}

void ns_cmd_name(const struct ns_cmd *cmd, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < NS_CMD_MAX_WORDS && cmd->words[i]; i++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? " " : "",
					cmd->words[i]);
}

static size_t n_params(const struct ns_cmd *cmd)
{
	size_t n = 0;

	while (cmd->params && cmd->params[n].tag)
		n++;
	return n;
}

static const char *type_hint(const struct ns_param *p, char *buf, size_t len)
{
	switch (p->type) {
	case NS_PT_STRING:
		return "<string>";
	case NS_PT_NAME:
		return p->flags & NS_P_ALL ? "<name>|all" : "<name>";
	case NS_PT_BOOL:
		return "yes|no";
	case NS_PT_ENUM: {
		size_t off = 0;

		buf[0] = '\0';
		for (size_t i = 0; p->choices[i]; i++)
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						i ? "|" : "", p->choices[i]);
		return buf;
	}
	case NS_PT_UINT:
		snprintf(buf, len, "<%u-%u>", p->min, p->max);
		return buf;
	case NS_PT_ADDR:
		return "me|any|<IPv4>|<DNS name>|wins|dns|dhcp|gateway";
	case NS_PT_MASK:
		return "<mask>|<prefix 1-32>";
	case NS_PT_PORT:
		return "<0-65535>";
	case NS_PT_PROTO:
		return "any|icmp|tcp|udp|raw|<0-255>";
	case NS_PT_QMSEC:
		return "\"ESP[Conf,Auth]:<kb>k/<s>s AH[Hash] AH[Hash+Conf,Auth] ...\"";
	case NS_PT_MMSEC:
		return "\"Conf-Hash-Group ...\"";
	case NS_PT_ROOTCA:
		return "\"<CA name> certmap:yes|no excludecaname:yes|no\"";
	case NS_PT_GUID:
		return "<guid>";
	case NS_PT_HOST:
		return "<IPv4>|<DNS name>";
	case NS_PT_CUSTOM:
		return "<value>";
	}
	return "<value>";
}

void ns_print_usage(FILE *out, const struct ns_cmd *cmd)
{
	size_t np = n_params(cmd);
	char name[64], hint[256];

	ns_cmd_name(cmd, name, sizeof(name));
	fprintf(out, "Usage: %s", name);
	for (size_t i = 0; i < np; i++) {
		const struct ns_param *p = &cmd->params[i];
		bool req = p->flags & NS_P_REQ;
		bool alt = p->oneof && i > 0 && cmd->params[i - 1].oneof == p->oneof;

		fprintf(out, "%s%s%s=%s%s", alt ? " | " : " ", req || alt ? "" : "[", p->tag,
			type_hint(p, hint, sizeof(hint)), req || alt ? "" : "]");
	}
	fprintf(out, "\n\n  %s\n", cmd->summary ? cmd->summary : "");
	if (np)
		fprintf(out, "\nParameters:\n");
	for (size_t i = 0; i < np; i++) {
		const struct ns_param *p = &cmd->params[i];

		fprintf(out, "  %-20s %s%s%s%s%s\n", p->tag,
			p->flags & NS_P_REQ ? "Required. " : "", p->help ? p->help : "",
			p->defval ? " Default: " : "", p->defval ? p->defval : "",
			p->flags & NS_P_MULTI ? " May be repeated." : "");
	}
	if (cmd->help)
		fprintf(out, "\nRemarks:\n%s\n", cmd->help);
}

const struct ns_arg *ns_arg_get(const struct ns_args *a, const char *tag)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].param->tag, tag) == 0)
			return &a->v[i];
	return NULL;
}

static void arg_free(struct ns_arg *x)
{
	if (!x->param)
		return;
	switch (x->param->type) {
	case NS_PT_ADDR:
	case NS_PT_HOST:
		ns_endpoint_free(&x->ep);
		break;
	case NS_PT_QMSEC:
		free(x->qm.v);
		break;
	case NS_PT_MMSEC:
		free(x->mm.v);
		break;
	case NS_PT_ROOTCA:
		ns_auth_free(&x->auth);
		break;
	default:
		break;
	}
	free(x->s);
}

void ns_args_free(struct ns_args *a)
{
	for (size_t i = 0; i < a->n; i++)
		arg_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static int convert(struct ns_session *s, struct ns_arg *x, char *err, size_t errlen)
{
	const struct ns_param *p = x->param;
	ns_resolver res = (s->flags & NS_RESOLVE_NONE) || (p->flags & NS_P_NORESOLVE)
				  ? NULL
				  : ns_resolve_getaddrinfo;
	char guid[NS_GUID_LEN + 1];
	uint8_t u8;
	uint16_t u16;
	int rc = 0;

	switch (p->type) {
	case NS_PT_STRING:
		break;
	case NS_PT_NAME:
		if ((p->flags & NS_P_ALL) && strcasecmp(x->s, "all") == 0)
			x->all = true;
		else
			rc = ns_val_name(x->s, err, errlen);
		break;
	case NS_PT_BOOL:
		rc = ns_val_bool(x->s, &x->b, err, errlen);
		break;
	case NS_PT_ENUM:
		rc = ns_val_enum(x->s, p->choices, &x->u, err, errlen);
		break;
	case NS_PT_UINT:
		rc = ns_val_uint(x->s, p->min, p->max, &x->u, err, errlen);
		break;
	case NS_PT_ADDR:
		rc = ns_val_endpoint(x->s, res, &x->ep, err, errlen);
		break;
	case NS_PT_HOST:
		rc = ns_val_host(x->s, res, &x->ep, err, errlen);
		break;
	case NS_PT_MASK:
		rc = ns_val_mask(x->s, &x->u, err, errlen);
		break;
	case NS_PT_PORT:
		rc = ns_val_port(x->s, &u16, err, errlen);
		x->u = u16;
		break;
	case NS_PT_PROTO:
		rc = ns_val_proto(x->s, &u8, err, errlen);
		x->u = u8;
		break;
	case NS_PT_QMSEC:
		rc = ns_val_qm_methods(x->s, &x->qm.v, &x->qm.n, err, errlen);
		break;
	case NS_PT_MMSEC:
		rc = ns_val_mm_methods(x->s, &x->mm.v, &x->mm.n, err, errlen);
		break;
	case NS_PT_ROOTCA:
		rc = ns_val_rootca(x->s, &x->auth, err, errlen);
		break;
	case NS_PT_GUID:
		if (!ns_guid_parse(x->s, guid))
			rc = ns_fail(
				err, errlen, -EINVAL,
				"'%s' is not a GUID; write {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}",
				x->s);
		else {
			char *c = strdup(guid);

			if (!c)
				return -ENOMEM;
			free(x->s);
			x->s = c;
		}
		break;
	case NS_PT_CUSTOM:
		rc = p->check ? p->check(x->s, err, errlen) : 0;
		break;
	}
	return rc;
}

/* Tag by exact or unique-prefix match, case-insensitive. */
static int find_tag(const struct ns_cmd *cmd, size_t np, const char *tag, size_t taglen,
		    char *err, size_t errlen)
{
	int found = -1, nfound = 0;
	char name[64];

	for (size_t i = 0; i < np; i++) {
		const char *t = cmd->params[i].tag;

		if (strlen(t) == taglen && strncasecmp(t, tag, taglen) == 0)
			return (int)i;
		if (strncasecmp(t, tag, taglen) == 0) {
			found = (int)i;
			nfound++;
		}
	}
	if (nfound == 1)
		return found;
	ns_cmd_name(cmd, name, sizeof(name));
	if (nfound > 1) {
		char list[256] = "";
		size_t off = 0;

		for (size_t i = 0; i < np; i++)
			if (strncasecmp(cmd->params[i].tag, tag, taglen) == 0)
				off += (size_t)snprintf(list + off,
							off < sizeof(list) ? sizeof(list) - off : 0,
							"%s%s", off ? ", " : "", cmd->params[i].tag);
		ns_errmsg(err, errlen, "%.*s: ambiguous parameter for '%s'; it could be %s",
			  (int)taglen, tag, name, list);
	} else {
		char list[512] = "";
		size_t off = 0;

		for (size_t i = 0; i < np; i++)
			off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0,
						"%s%s", i ? ", " : "", cmd->params[i].tag);
		if (np)
			ns_errmsg(err, errlen, "%.*s: unknown parameter for '%s'; use %s",
				  (int)taglen, tag, name, list);
		else
			ns_errmsg(err, errlen, "%.*s: '%s' takes no parameters", (int)taglen, tag,
				  name);
	}
	return -1;
}

int ns_parse_args(struct ns_session *s, const struct ns_cmd *cmd, const struct ns_tok *toks,
		  size_t n, struct ns_args *a, char *err, size_t errlen)
{
	size_t np = n_params(cmd), cursor = 0;
	unsigned given[64] = {0};
	char name[64];
	int rc;

	a->v = calloc(n ? n : 1, sizeof(*a->v));
	a->n = 0;
	if (!a->v)
		return -ENOMEM;
	if (np > 64)
		np = 64;
	name[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct ns_tok *t = &toks[i];
		struct ns_arg *x;
		const char *val;
		int pi;

		if (t->eq >= 0) {
			pi = find_tag(cmd, np, t->s, (size_t)t->eq, err, errlen);
			if (pi < 0) {
				rc = -EINVAL;
				goto out;
			}
			val = t->s + t->eq + 1;
		} else {
			while (cursor < np &&
			       ((given[cursor] && !(cmd->params[cursor].flags & NS_P_MULTI)) ||
				(cmd->params[cursor].flags & NS_P_NOPOS)))
				cursor++;
			if (cursor >= np) {
				ns_cmd_name(cmd, name, sizeof(name));
				rc = np ? ns_fail(err, errlen, -EINVAL,
						  "'%s': too many values for '%s' (write "
						  "tag=value)",
						  t->s, name)
					: ns_fail(err, errlen, -EINVAL,
						  "'%s' takes no parameters; got '%s'", name, t->s);
				goto out;
			}
			pi = (int)cursor;
			val = t->s;
		}
		if (given[pi] && !(cmd->params[pi].flags & NS_P_MULTI)) {
			rc = ns_fail(err, errlen, -EINVAL, "%s: given more than once",
				     cmd->params[pi].tag);
			goto out;
		}
		given[pi]++;
		cursor = (size_t)pi + 1;
		x = &a->v[a->n++];
		x->param = &cmd->params[pi];
		x->s = strdup(val);
		if (!x->s) {
			rc = -ENOMEM;
			goto out;
		}
		{
			char why[384];

			rc = convert(s, x, why, sizeof(why));
			if (rc) {
				ns_errmsg(err, errlen, "%s: %s", x->param->tag, why);
				goto out;
			}
		}
	}
	/* Required parameters and name= | guid= groups. */
	for (size_t i = 0; i < np; i++) {
		const struct ns_param *p = &cmd->params[i];

		if (p->oneof) {
			unsigned cnt = 0;
			bool req = false, first = true;
			char list[256] = "";
			size_t off = 0;

			for (size_t j = 0; j < np; j++) {
				if (cmd->params[j].oneof != p->oneof)
					continue;
				if (j < i)
					first = false;
				cnt += given[j];
				req = req || (cmd->params[j].flags & NS_P_REQ);
				off += (size_t)snprintf(list + off,
							off < sizeof(list) ? sizeof(list) - off : 0,
							"%s%s=", off ? " or " : "", cmd->params[j].tag);
			}
			if (!first)
				continue;
			if (cnt > 1) {
				rc = ns_fail(err, errlen, -EINVAL, "give only one of %s", list);
				goto out;
			}
			if (req && cnt == 0) {
				ns_cmd_name(cmd, name, sizeof(name));
				rc = ns_fail(err, errlen, -EINVAL, "'%s' needs %s", name, list);
				goto out;
			}
		} else if ((p->flags & NS_P_REQ) && !given[i]) {
			ns_cmd_name(cmd, name, sizeof(name));
			rc = ns_fail(err, errlen, -EINVAL, "%s: required by '%s'; see '%s ?'",
				     p->tag, name, name);
			goto out;
		}
	}
	return 0;
out:
	ns_args_free(a);
	return rc;
}
