/* SPDX-License-Identifier: ISC */
/* mapping_parse: the template and path language read into expressions for the compiler. */
#include "compat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

void
sfp_map_problem(struct comp *c, const char *place, const char *fmt, ...)
{
	struct sfp_problems *p = c->probs;
	char msg[512];
	va_list ap;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct sfp_fail *nv = realloc(p->v, cap * sizeof(*nv));
		if (nv == NULL) {
			c->oom = 1;
			return;
		}
		p->v = nv;
		p->cap = cap;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sfp_fail_clear(&p->v[p->n]);
	(void)sfp_fail_set(&p->v[p->n], SFP_E_INPUT, "bad-mapping", place, "%s", msg);
	p->n++;
}

void
sfp_problems_fini(struct sfp_problems *p)
{
	if (p == NULL)
		return;
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

char *
sfp_map_strndup(struct comp *c, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		c->oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
sfp_map_printf(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

char *
sfp_map_printf(struct comp *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	return sfp_map_strndup(c, buf, (size_t)n);
}

int
sfp_map_key_char(char ch)
{
	return ch != '\0' && ch != '.' && ch != '[' && ch != ']' && ch != '|' && ch != '}' &&
	    ch != '{' && ch != ':' && ch != '\'' && ch != '"' && !isspace((unsigned char)ch);
}

/*
 * Parse a path at s[*at..len): a.b[0]["odd key"], $item.x, $index.
 * Returns 0 or -1 with *why.
 */
static int
parse_path(struct comp *c, const char *s, size_t len, size_t *at, struct path *p,
    const char **why)
{
	size_t i = *at, start = *at, cap = 0;

	memset(p, 0, sizeof(*p));
	if (i < len && s[i] == '$') {
		size_t k = i + 1;
		while (k < len && sfp_map_key_char(s[k]))
			k++;
		if (k - i - 1 == 5 && memcmp(s + i + 1, "index", 5) == 0)
			p->scope = SC_INDEX;
		else if (k - i - 1 == 6 && memcmp(s + i + 1, "tenant", 6) == 0)
			p->scope = SC_TENANT;   /* set by sfp_mapping_set_tenant, never by a booking */
		else if (c->in_each && strlen(c->as) == k - i - 1 &&
		    memcmp(s + i + 1, c->as, k - i - 1) == 0)
			p->scope = SC_ITEM;
		else
			return *why = c->in_each ? "unknown variable (use $item or $index)" :
			    "a $ variable is only defined in a record with \"each\"", -1;
		i = k;
		if (p->scope == SC_INDEX || p->scope == SC_TENANT)
			goto done;
	} else if (i >= len || !sfp_map_key_char(s[i]))
		return *why = "expected a path", -1;
	for (;;) {
		struct pstep st = { NULL, 0 };
		int first = i == start;
		if (i < len && (first || s[i] == '.') && !(first && p->scope != SC_BOOKING)) {
			size_t k;
			if (!first)
				i++;
			k = i;
			while (k < len && sfp_map_key_char(s[k]))
				k++;
			if (k == i)
				return *why = "empty name in path", -1;
			if ((st.key = sfp_map_strndup(c, s + i, k - i)) == NULL)
				return *why = "out of memory", -1;
			i = k;
		} else if (i < len && s[i] == '[') {
			i++;
			if (i < len && (s[i] == '"' || s[i] == '\'')) {
				char q = s[i++];
				size_t k = i;
				while (k < len && s[k] != q)
					k++;
				if (k >= len || k + 1 >= len || s[k + 1] != ']')
					return *why = "unterminated [\"name\"] in path", -1;
				if ((st.key = sfp_map_strndup(c, s + i, k - i)) == NULL)
					return *why = "out of memory", -1;
				i = k + 2;
			} else {
				long v = 0;
				size_t k = i;
				while (k < len && s[k] >= '0' && s[k] <= '9' && v < 1000000)
					v = v * 10 + (s[k++] - '0');
				if (k == i || k >= len || s[k] != ']')
					return *why = "expected [number] or [\"name\"] in path", -1;
				st.index = (int)v;
				i = k + 1;
			}
		} else
			break;
		if (p->n == cap) {
			struct pstep *ns;
			cap = cap ? cap * 2 : 4;
			if ((ns = realloc(p->s, cap * sizeof(*ns))) == NULL) {
				free(st.key);
				c->oom = 1;
				return *why = "out of memory", -1;
			}
			p->s = ns;
		}
		p->s[p->n++] = st;
	}
done:
	if ((p->text = sfp_map_strndup(c, s + start, i - start)) == NULL)
		return *why = "out of memory", -1;
	*at = i;
	return 0;
}

void
sfp_map_path_fini(struct path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->s[i].key);
	free(p->s);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* Whole string is one path. */
int
sfp_map_parse_path_str(struct comp *c, const char *s, struct path *p, const char **why)
{
	size_t at = 0, len = strlen(s);

	if (parse_path(c, s, len, &at, p, why) != 0) {
		sfp_map_path_fini(p);
		return -1;
	}
	if (at != len) {
		sfp_map_path_fini(p);
		return *why = "unexpected character in path", -1;
	}
	return 0;
}

const cJSON *
sfp_map_walk(const struct path *p, const cJSON *v)
{
	size_t i;

	for (i = 0; i < p->n && v != NULL; i++) {
		if (p->s[i].key != NULL)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, p->s[i].key) : NULL;
		else
			v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, p->s[i].index) : NULL;
	}
	return v;
}

const char *const sfp_map_filters[] = { "lower", "upper", "trim", "default", "truncate", "join",
	"lookup", "tz", "date", "datetime", "time", NULL };

/* Quoted 'x' or "x" at s[*at]; no escapes inside (use the other quote). */
static int
parse_quoted(const char *s, size_t len, size_t *at, size_t *b, size_t *e)
{
	size_t i = *at, k;
	char q = s[i];

	for (k = i + 1; k < len && s[k] != q; k++)
		;
	if (k >= len)
		return -1;
	*b = i + 1;
	*e = k;
	*at = k + 1;
	return 0;
}

static void
skip_ws(const char *s, size_t len, size_t *i)
{
	while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

/* One {{ expression }} from s[*at] (just after "{{"); on failure *at is left
 * where the problem is, for the message's column. */
int
sfp_map_parse_expr(struct comp *c, const char *s, size_t len, size_t *at, struct expr *e,
    const char **why)
{
	size_t i = *at, b, en, k;

	memset(e, 0, sizeof(*e));
	skip_ws(s, len, &i);
	if (i < len && (s[i] == '\'' || s[i] == '"')) {
		if (parse_quoted(s, len, &i, &b, &en) != 0)
			return *at = i, *why = "unterminated quote", -1;
		e->lit = 1;
		if ((e->text = sfp_map_strndup(c, s + b, en - b)) == NULL)
			return *at = i, *why = "out of memory", -1;
		e->len = en - b;
	} else if (parse_path(c, s, len, &i, &e->path, why) != 0)
		return *at = i, -1;
	for (;;) {
		struct filter fl;
		size_t nb;
		skip_ws(s, len, &i);
		if (i + 1 < len && s[i] == '}' && s[i + 1] == '}')
			break;
		if (i >= len || s[i] != '|')
			return *at = i, *why = "expected '|' or '}}'", -1;
		i++;
		skip_ws(s, len, &i);
		memset(&fl, 0, sizeof(fl));
		nb = i;
		while (i < len && isalpha((unsigned char)s[i]))
			i++;
		for (k = 0; sfp_map_filters[k] != NULL; k++)
			if (strlen(sfp_map_filters[k]) == i - nb && memcmp(sfp_map_filters[k], s + nb, i - nb) == 0)
				break;
		if (sfp_map_filters[k] == NULL) {
			*at = nb;
			*why = "unknown filter (lower, upper, trim, default, truncate, join, lookup, "
			    "tz, date, datetime, time)";
			return -1;
		}
		fl.k = (enum fkind)k;
		if (i < len && s[i] == ':') {
			i++;
			fl.has_arg = 1;
			if (i < len && (s[i] == '\'' || s[i] == '"')) {
				if (parse_quoted(s, len, &i, &b, &en) != 0)
					return *at = i, *why = "unterminated quote", -1;
				fl.arg = sfp_map_strndup(c, s + b, en - b);
				fl.arglen = en - b;
			} else if (i < len && (isdigit((unsigned char)s[i]) || s[i] == '-')) {
				b = i;
				while (i < len && (isdigit((unsigned char)s[i]) || s[i] == '.' ||
				    s[i] == '-'))
					i++;
				fl.arg = sfp_map_strndup(c, s + b, i - b);
				fl.arglen = i - b;
				fl.arg_is_num = 1;
			} else {
				b = i;
				if (parse_path(c, s, len, &i, &fl.argpath, why) != 0) {
					sfp_map_path_fini(&fl.argpath);
					return *at = i, -1;
				}
				fl.arg = sfp_map_strndup(c, s + b, i - b);
				fl.arglen = i - b;
				fl.arg_is_path = 1;
			}
			if (fl.arg == NULL)
				return *at = i, *why = "out of memory", -1;
		}
		{
			struct filter *nf = realloc(e->f, (e->nf + 1) * sizeof(*nf));
			if (nf == NULL) {
				c->oom = 1;
				return *at = i, *why = "out of memory", -1;
			}
			e->f = nf;
			e->f[e->nf++] = fl;
		}
	}
	*at = i + 2;
	return 0;
}

void
sfp_map_expr_fini(struct expr *e)
{
	size_t i;

	for (i = 0; i < e->nf; i++) {
		free(e->f[i].arg);
		sfp_map_path_fini(&e->f[i].argpath);
		sfp_tz_free(e->f[i].zone);
	}
	free(e->f);
	free(e->text);
	sfp_map_path_fini(&e->path);
}