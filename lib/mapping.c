/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mapping.h"
#include "timefmt.h"

#define MAX_MAPPING_BYTES (4u * 1024u * 1024u)
#define REF_MAX 40
#define ZONE_CACHE 8

/* ---- growable output buffer and per-booking arena ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void
sb_grow(struct sbuf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->oom || b->len + more <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	if ((np = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n + 1);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define sb_lit(b, s) sb_put((b), (s), sizeof(s) - 1)

static void
sb_ch(struct sbuf *b, char c)
{
	sb_grow(b, 2);
	if (!b->oom)
		b->p[b->len++] = c;
}

/* A JSON string; s is valid UTF-8 (the reader checked every booking). */
static void
sb_str(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sb_grow(b, n + 2);
	sb_ch(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sb_lit(b, "\\\""); break;
		case '\\': sb_lit(b, "\\\\"); break;
		case '\n': sb_lit(b, "\\n"); break;
		case '\r': sb_lit(b, "\\r"); break;
		case '\t': sb_lit(b, "\\t"); break;
		case '\b': sb_lit(b, "\\b"); break;
		case '\f': sb_lit(b, "\\f"); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			sb_put(b, u, 6);
		}
		}
	}
	sb_put(b, s + run, n - run);
	sb_ch(b, '"');
}

/* memmem is not POSIX: look for a two-byte needle. */
static const char *
find2(const char *h, size_t n, const char *needle, size_t nl)
{
	size_t i;

	(void)nl;
	for (i = 0; i + 1 < n; i++)
		if (h[i] == needle[0] && h[i + 1] == needle[1])
			return h + i;
	return NULL;
}

/* Numbers as JSON writes them: integers without a fraction. */
/* No libm: the programs link without -lm. */
static double
dabs(double d)
{
	return d < 0 ? -d : d;
}

static int
dfinite(double d)
{
	return d == d && dabs(d) <= 1.7976931348623157e308;
}

static int
fmt_num(double d, char *out, size_t cap)
{
	if (dabs(d) < 1e15 && (double)(long long)d == d)
		return snprintf(out, cap, "%.0f", d);
	return snprintf(out, cap, "%.15g", d);
}

struct block {
	struct block *next;
	size_t used, cap;
	char data[];
};

struct arena {
	struct block *head, *cur;
};

static char *
arena_alloc(struct arena *a, size_t n)
{
	struct block *b;

	for (b = a->cur; b != NULL; b = b->next) {
		if (b->cap - b->used >= n) {
			a->cur = b;
			b->used += n;
			return b->data + b->used - n;
		}
	}
	{
		size_t cap = n > 65536 ? n : 65536;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->cap = cap;
		b->used = n;
		b->next = a->head;   /* new blocks go first; reset walks them all */
		a->head = b;
		a->cur = b;
		return b->data;
	}
}

static void
arena_reset(struct arena *a)
{
	struct block *b;

	for (b = a->head; b != NULL; b = b->next)
		b->used = 0;
	a->cur = a->head;
}

static void
arena_free(struct arena *a)
{
	struct block *b, *n;

	for (b = a->head; b != NULL; b = n) {
		n = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

/* ---- compiled program ---- */

enum scope { SC_BOOKING, SC_ITEM, SC_INDEX, SC_TENANT };

struct pstep {
	char *key;      /* NULL: index step */
	int index;
};

struct path {
	enum scope scope;
	struct pstep *s;
	size_t n;
	char *text;     /* as written, for messages */
};

enum fkind {
	FK_LOWER, FK_UPPER, FK_TRIM, FK_DEFAULT, FK_TRUNCATE, FK_JOIN, FK_LOOKUP, FK_TZ,
	FK_DATE, FK_DATETIME, FK_TIME
};

struct filter {
	enum fkind k;
	int has_arg, arg_is_path, arg_is_num;
	char *arg;          /* literal text */
	size_t arglen;
	struct path argpath;
	long n;
	const cJSON *table; /* lookup */
	struct sfp_tz *zone;
	int miss_ok;        /* a later default handles a lookup miss */
};

struct expr {
	int lit;            /* head is a quoted literal */
	char *text;
	size_t len;
	struct path path;
	struct filter *f;
	size_t nf;
};

struct part {
	int is_expr;
	char *text;
	size_t len;
	struct expr e;
};

enum vkind { VS_NONE, VS_LITERAL, VS_TEMPLATE, VS_REF };

struct vspec {
	enum vkind kind;
	cJSON *literal;     /* owned copy */
	struct part *p;
	size_t np;
	int ref;            /* record index for VS_REF */
	int required;
	struct vspec *dflt;
};

enum ftype { FT_STRING, FT_INT, FT_DOUBLE, FT_BOOL, FT_DATE, FT_DATETIME, FT_TIME, FT_REF,
	FT_UNSUPPORTED };

struct fmap {
	char *name;         /* the catalog's spelling */
	char *place;        /* records[i].fields.X */
	struct sfp_field fld;
	enum ftype ty;
	struct vspec v;
	char *pre;          /* a constant value already rendered as JSON, or NULL */
	size_t prelen;
};

enum ckind { CK_NONE, CK_PRESENT, CK_ABSENT, CK_EQUALS, CK_NOT_EQUALS, CK_IN };

struct cond {
	enum ckind k;
	struct path path;
	cJSON *values;      /* owned: equals value as a one-element array, or the in-list */
};

struct record {
	char *ref;
	char *sobject;
	char *place;
	struct cond when;
	int has_each;
	struct path each;
	char *upsert_field;
	struct fmap upsert;
	int has_upsert;
	struct fmap *fields;
	size_t nf;
};

struct zslot {
	char name[SFP_TZ_NAME_MAX + 1];
	struct sfp_tz *z;
};

struct sfp_mapping {
	const struct sfp_catalog *cat;
	struct path id;
	cJSON *lookups;     /* owned copy */
	struct record *r;
	size_t nr;
	/* per-run state */
	struct sbuf out;
	struct arena ar;
	unsigned char *made; /* per record: created for this booking */
	struct zslot zc[ZONE_CACHE];
	unsigned zc_next;
	char tenant[128];   /* $tenant: the items' authenticated tenant, or "" */
};

/* ---- runtime values ---- */

enum vk { VAL_MISSING, VAL_STR, VAL_NUM, VAL_BOOL, VAL_JSON };

struct val {
	enum vk k;
	const char *s;
	size_t len;
	double num;
	int b;
	const cJSON *j;     /* arrays and objects */
	const struct sfp_tz *zone;
	int trunc;          /* truncate to the field's length */
	const char *numtext; /* a validated numeric string to print as is */
	size_t numlen;
	int ref;            /* 1 + index of the record referred to, or 0 */
};

struct ctx {
	struct sfp_mapping *m;
	const cJSON *root;
	const cJSON *item;
	int index;
	const struct record *rec;
	const char *where;  /* booking path last read, for messages */
	char placebuf[256];
};

/* ---- compile-time problem collection ---- */

struct comp {
	struct sfp_mapping *m;
	struct sfp_problems *probs;
	int oom;
	const char *as;     /* each-scope variable name */
	int in_each;
};

static void problem(struct comp *c, const char *place, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct comp *c, const char *place, const char *fmt, ...)
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

static char *
xstrndup(struct comp *c, const char *s, size_t n)
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

static char *
xprintf(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *
xprintf(struct comp *c, const char *fmt, ...)
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
	return xstrndup(c, buf, (size_t)n);
}

/* ---- paths ---- */

static int
key_char(char ch)
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
		while (k < len && key_char(s[k]))
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
	} else if (i >= len || !key_char(s[i]))
		return *why = "expected a path", -1;
	for (;;) {
		struct pstep st = { NULL, 0 };
		int first = i == start;
		if (i < len && (first || s[i] == '.') && !(first && p->scope != SC_BOOKING)) {
			size_t k;
			if (!first)
				i++;
			k = i;
			while (k < len && key_char(s[k]))
				k++;
			if (k == i)
				return *why = "empty name in path", -1;
			if ((st.key = xstrndup(c, s + i, k - i)) == NULL)
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
				if ((st.key = xstrndup(c, s + i, k - i)) == NULL)
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
	if ((p->text = xstrndup(c, s + start, i - start)) == NULL)
		return *why = "out of memory", -1;
	*at = i;
	return 0;
}

static void
path_fini(struct path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->s[i].key);
	free(p->s);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* Whole string is one path. */
static int
parse_path_str(struct comp *c, const char *s, struct path *p, const char **why)
{
	size_t at = 0, len = strlen(s);

	if (parse_path(c, s, len, &at, p, why) != 0) {
		path_fini(p);
		return -1;
	}
	if (at != len) {
		path_fini(p);
		return *why = "unexpected character in path", -1;
	}
	return 0;
}

static const cJSON *
walk(const struct path *p, const cJSON *v)
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

/* ---- values ---- */

static void
val_from_json(struct val *v, const cJSON *j)
{
	memset(v, 0, sizeof(*v));
	if (j == NULL || cJSON_IsNull(j))
		v->k = VAL_MISSING;
	else if (cJSON_IsString(j)) {
		v->k = VAL_STR;
		v->s = j->valuestring;
		v->len = strlen(j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		v->k = VAL_NUM;
		v->num = j->valuedouble;
	} else if (cJSON_IsBool(j)) {
		v->k = VAL_BOOL;
		v->b = cJSON_IsTrue(j);
	} else {
		v->k = VAL_JSON;
		v->j = j;
	}
}

static const char *
booking_place(struct ctx *x, const struct path *p)
{
	if (p->scope == SC_BOOKING)
		return p->text;
	if (p->scope == SC_INDEX || p->scope == SC_TENANT)
		return p->scope == SC_INDEX ? "$index" : "$tenant";
	{
		const char *rest = p->text + 1;
		while (key_char(*rest))
			rest++;
		(void)snprintf(x->placebuf, sizeof(x->placebuf), "%s[%d]%s", x->rec->each.text,
		    x->index, rest);
	}
	return x->placebuf;
}

static int
eval_path(struct ctx *x, const struct path *p, struct val *v)
{
	const cJSON *base;

	x->where = booking_place(x, p);
	if (p->scope == SC_INDEX) {
		memset(v, 0, sizeof(*v));
		v->k = VAL_NUM;
		v->num = x->index;
		return 0;
	}
	if (p->scope == SC_TENANT) {
		memset(v, 0, sizeof(*v));
		v->k = x->m->tenant[0] != '\0' ? VAL_STR : VAL_MISSING;
		v->s = x->m->tenant;
		v->len = strlen(x->m->tenant);
		return 0;
	}
	base = p->scope == SC_ITEM ? x->item : x->root;
	val_from_json(v, walk(p, base));
	return 0;
}

/* Text of a scalar value; numbers are rendered into the arena. */
static int
val_text(struct ctx *x, const struct val *v, const char **s, size_t *len)
{
	char nb[64];
	int n;

	switch (v->k) {
	case VAL_STR:
		*s = v->s;
		*len = v->len;
		return 0;
	case VAL_BOOL:
		*s = v->b ? "true" : "false";
		*len = strlen(*s);
		return 0;
	case VAL_NUM: {
		char *d;
		if (v->numtext != NULL) {
			*s = v->numtext;
			*len = v->numlen;
			return 0;
		}
		n = fmt_num(v->num, nb, sizeof(nb));
		if ((d = arena_alloc(&x->m->ar, (size_t)n)) == NULL)
			return -2;
		memcpy(d, nb, (size_t)n);
		*s = d;
		*len = (size_t)n;
		return 0;
	}
	default:
		return -1;
	}
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Bytes of the first max characters. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == max)
				return i;
			c++;
		}
	}
	return n;
}

static struct sfp_tz *
zone_cached(struct sfp_mapping *m, const char *name, size_t len, struct sfp_fail *f)
{
	char nm[SFP_TZ_NAME_MAX + 1];
	struct sfp_tz *z;
	unsigned i;

	if (!sfp_tz_name_ok(name, len)) {
		(void)sfp_fail_set(f, SFP_E_ITEM, "UNKNOWN_TIME_ZONE", NULL,
		    "not a time zone name: %.*s", (int)(len > 64 ? 64 : len), name);
		return NULL;
	}
	memcpy(nm, name, len);
	nm[len] = '\0';
	for (i = 0; i < ZONE_CACHE; i++)
		if (m->zc[i].z != NULL && strcmp(m->zc[i].name, nm) == 0)
			return m->zc[i].z;
	if (sfp_tz_load(nm, &z, f) != SFP_OK)
		return NULL;
	i = m->zc_next++ % ZONE_CACHE;
	sfp_tz_free(m->zc[i].z);
	memcpy(m->zc[i].name, nm, len + 1);
	m->zc[i].z = z;
	return z;
}

static enum sfp_status
item_fail(struct ctx *x, struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum sfp_status
item_fail(struct ctx *x, struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)sfp_fail_set(f, SFP_E_ITEM, code, x->where, "%s", msg);
	if (x->rec != NULL) {
		if (x->rec->has_each)
			(void)snprintf(f->ref, sizeof(f->ref), "%s_%d", x->rec->ref, x->index);
		else
			(void)snprintf(f->ref, sizeof(f->ref), "%s", x->rec->ref);
	}
	if (field != NULL)
		(void)snprintf(f->fields, sizeof(f->fields), "%s", field);
	return SFP_E_ITEM;
}

static enum sfp_status
oom(struct sfp_fail *f)
{
	return sfp_fail_set(f, SFP_E_INTERNAL, "out-of-memory", NULL, "out of memory");
}

static enum sfp_status
new_str(struct ctx *x, struct val *v, const char *s, size_t n, struct sfp_fail *f)
{
	char *d = arena_alloc(&x->m->ar, n ? n : 1);

	if (d == NULL)
		return oom(f);
	memcpy(d, s, n);
	v->k = VAL_STR;
	v->s = d;
	v->len = n;
	v->numtext = NULL;
	return SFP_OK;
}

static enum sfp_status
time_filter(struct ctx *x, struct val *v, enum sfp_time_want want, const char *field,
    struct sfp_fail *f)
{
	struct sfp_time t;
	const char *why;
	char buf[32];
	int n;

	if (v->k != VAL_STR)
		return item_fail(x, f, "bad-date", field, "not a date or time");
	if (sfp_time_parse(v->s, v->len, &t, &why) != 0 ||
	    (n = sfp_time_format(&t, v->zone, want, buf, &why)) < 0)
		return item_fail(x, f, "bad-date", field, "%.80s: %s",
		    v->len > 80 ? "value" : v->s, why);
	return new_str(x, v, buf, (size_t)n, f);
}

static enum sfp_status eval_expr(struct ctx *x, const struct expr *e, struct val *v,
    const char *field, struct sfp_fail *f);

static enum sfp_status
apply_filter(struct ctx *x, const struct filter *fl, struct val *v, const char *field,
    struct sfp_fail *f)
{
	const char *s;
	size_t n, i;

	switch (fl->k) {
	case FK_LOWER:
	case FK_UPPER:
	case FK_TRIM:
		if (v->k == VAL_MISSING)
			return SFP_OK;
		if (val_text(x, v, &s, &n) != 0)
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
			    "%s needs text, not a list or object",
			    fl->k == FK_TRIM ? "trim" : fl->k == FK_LOWER ? "lower" : "upper");
		if (fl->k == FK_TRIM) {
			while (n > 0 && isspace((unsigned char)*s)) {
				s++;
				n--;
			}
			while (n > 0 && isspace((unsigned char)s[n - 1]))
				n--;
			v->k = VAL_STR;
			v->s = s;
			v->len = n;
			v->numtext = NULL;
			return SFP_OK;
		} else {
			char *d = arena_alloc(&x->m->ar, n ? n : 1);
			if (d == NULL)
				return oom(f);
			for (i = 0; i < n; i++)
				d[i] = fl->k == FK_LOWER ? (char)tolower((unsigned char)s[i]) :
				    (char)toupper((unsigned char)s[i]);
			v->k = VAL_STR;
			v->s = d;
			v->len = n;
			v->numtext = NULL;
		}
		return SFP_OK;
	case FK_DEFAULT:
		if (v->k != VAL_MISSING && !(v->k == VAL_STR && v->len == 0))
			return SFP_OK;
		if (fl->arg_is_path) {
			const struct sfp_tz *z = v->zone;
			int tr = v->trunc;
			(void)eval_path(x, &fl->argpath, v);
			v->zone = z;
			v->trunc = tr;
		} else if (fl->arg_is_num) {
			v->k = VAL_NUM;
			v->num = strtod(fl->arg, NULL);
			v->numtext = fl->arg;
			v->numlen = fl->arglen;
		} else {
			v->k = VAL_STR;
			v->s = fl->arg;
			v->len = fl->arglen;
			v->numtext = NULL;
		}
		return SFP_OK;
	case FK_TRUNCATE:
		if (!fl->has_arg) {
			v->trunc = 1;
			return SFP_OK;
		}
		if (v->k == VAL_MISSING)
			return SFP_OK;
		if (val_text(x, v, &s, &n) != 0)
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
			    "truncate needs text, not a list or object");
		v->k = VAL_STR;
		v->s = s;
		v->len = utf8_cut(s, n, (size_t)fl->n);
		v->numtext = NULL;
		return SFP_OK;
	case FK_JOIN: {
		const cJSON *e;
		char *d;
		size_t total = 0, k = 0;
		int rc;
		if (v->k != VAL_JSON)
			return SFP_OK;
		if (!cJSON_IsArray(v->j))
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
			    "join needs a list, not an object");
		for (e = v->j->child; e != NULL; e = e->next) {
			struct val ev;
			val_from_json(&ev, e);
			if (ev.k == VAL_MISSING)
				continue;
			if ((rc = val_text(x, &ev, &s, &n)) != 0)
				return rc == -2 ? oom(f) :
				    item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
				    "join needs a list of strings or numbers");
			total += n + fl->arglen;
		}
		if ((d = arena_alloc(&x->m->ar, total + 1)) == NULL)
			return oom(f);
		for (e = v->j->child; e != NULL; e = e->next) {
			struct val ev;
			val_from_json(&ev, e);
			if (ev.k == VAL_MISSING)
				continue;
			(void)val_text(x, &ev, &s, &n);
			if (k > 0) {
				memcpy(d + k, fl->arg, fl->arglen);
				k += fl->arglen;
			}
			memcpy(d + k, s, n);
			k += n;
		}
		v->k = VAL_STR;
		v->s = d;
		v->len = k;
		v->numtext = NULL;
		return SFP_OK;
	}
	case FK_LOOKUP: {
		const cJSON *hit = NULL, *e;
		const struct sfp_tz *z = v->zone;
		if (v->k == VAL_MISSING)
			return SFP_OK;
		if (val_text(x, v, &s, &n) != 0)
			return item_fail(x, f, "no-lookup-match", field,
			    "lookup needs a string or number");
		for (e = fl->table->child; e != NULL; e = e->next)
			if (strlen(e->string) == n && memcmp(e->string, s, n) == 0) {
				hit = e;
				break;
			}
		if (hit == NULL) {
			if (fl->miss_ok) {
				v->k = VAL_MISSING;
				return SFP_OK;
			}
			return item_fail(x, f, "no-lookup-match", field,
			    "no entry for \"%.*s\" in lookup %s", (int)(n > 80 ? 80 : n), s,
			    fl->arg);
		}
		val_from_json(v, hit);
		v->zone = z;
		return SFP_OK;
	}
	case FK_TZ:
		if (fl->zone != NULL)
			v->zone = fl->zone;
		else {
			struct val zv;
			const char *w = x->where;
			(void)eval_path(x, &fl->argpath, &zv);
			if (zv.k != VAL_STR)
				return item_fail(x, f, "UNKNOWN_TIME_ZONE", field,
				    "no time zone name at this path");
			if ((v->zone = zone_cached(x->m, zv.s, zv.len, f)) == NULL) {
				if (f->status == SFP_E_INTERNAL)
					return SFP_E_INTERNAL;
				return item_fail(x, f, "UNKNOWN_TIME_ZONE", field, "unknown time zone: %.64s",
				    zv.s);
			}
			x->where = w;
		}
		return SFP_OK;
	case FK_DATE:
	case FK_DATETIME:
	case FK_TIME:
		if (v->k == VAL_MISSING)
			return SFP_OK;
		return time_filter(x, v, fl->k == FK_DATE ? SFP_WANT_DATE :
		    fl->k == FK_DATETIME ? SFP_WANT_DATETIME : SFP_WANT_TIME, field, f);
	}
	return SFP_OK;
}

static enum sfp_status
eval_expr(struct ctx *x, const struct expr *e, struct val *v, const char *field,
    struct sfp_fail *f)
{
	enum sfp_status st;
	size_t i;

	if (e->lit) {
		memset(v, 0, sizeof(*v));
		v->k = VAL_STR;
		v->s = e->text;
		v->len = e->len;
	} else
		(void)eval_path(x, &e->path, v);
	for (i = 0; i < e->nf; i++)
		if ((st = apply_filter(x, &e->f[i], v, field, f)) != SFP_OK)
			return st;
	return SFP_OK;
}

static enum sfp_status
eval_spec(struct ctx *x, const struct vspec *vs, struct val *v, const char *field,
    struct sfp_fail *f)
{
	enum sfp_status st;
	size_t i, total = 0, k = 0;
	struct val pv;
	const char *s;
	size_t n;
	char *d;

	memset(v, 0, sizeof(*v));
	switch (vs->kind) {
	case VS_NONE:
		v->k = VAL_MISSING;
		break;
	case VS_LITERAL:
		val_from_json(v, vs->literal);
		break;
	case VS_REF:
		/* A reference to a record not made for this booking is missing. */
		v->k = x->m->made[vs->ref] ? VAL_STR : VAL_MISSING;
		v->s = "";
		v->ref = vs->ref + 1;
		break;
	case VS_TEMPLATE:
		if (vs->np == 1 && vs->p[0].is_expr) {
			if ((st = eval_expr(x, &vs->p[0].e, v, field, f)) != SFP_OK)
				return st;
			break;
		}
		/* Mixed text: two passes, measure then copy.  A missing part makes the
		 * whole value missing, so a default can take over. */
		for (i = 0; i < vs->np; i++) {
			if (!vs->p[i].is_expr) {
				total += vs->p[i].len;
				continue;
			}
			if ((st = eval_expr(x, &vs->p[i].e, &pv, field, f)) != SFP_OK)
				return st;
			if (pv.k == VAL_MISSING) {
				v->k = VAL_MISSING;
				goto dflt;
			}
			if (val_text(x, &pv, &s, &n) != 0)
				return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
				    "a list or object cannot go into text (use join)");
			total += n;
		}
		if ((d = arena_alloc(&x->m->ar, total + 1)) == NULL)
			return oom(f);
		for (i = 0; i < vs->np; i++) {
			if (!vs->p[i].is_expr) {
				memcpy(d + k, vs->p[i].text, vs->p[i].len);
				k += vs->p[i].len;
				continue;
			}
			if ((st = eval_expr(x, &vs->p[i].e, &pv, field, f)) != SFP_OK)
				return st;
			(void)val_text(x, &pv, &s, &n);
			if (k + n > total)
				return sfp_fail_set(f, SFP_E_INTERNAL, "internal", NULL,
				    "template changed length between passes");
			memcpy(d + k, s, n);
			k += n;
			if (pv.trunc)
				v->trunc = 1;
		}
		v->k = VAL_STR;
		v->s = d;
		v->len = k;
		break;
	}
dflt:
	if (v->k == VAL_MISSING && vs->dflt != NULL)
		return eval_spec(x, vs->dflt, v, field, f);
	return SFP_OK;
}

/* ---- coercion to the field's type ---- */

static enum ftype
ftype_of(const char *t)
{
	static const char *const str[] = { "string", "textarea", "phone", "email", "url",
		"picklist", "multipicklist", "combobox", "encryptedstring", NULL };
	size_t i;

	for (i = 0; str[i] != NULL; i++)
		if (strcmp(t, str[i]) == 0)
			return FT_STRING;
	if (strcmp(t, "int") == 0 || strcmp(t, "long") == 0)
		return FT_INT;
	if (strcmp(t, "double") == 0 || strcmp(t, "currency") == 0 || strcmp(t, "percent") == 0)
		return FT_DOUBLE;
	if (strcmp(t, "boolean") == 0)
		return FT_BOOL;
	if (strcmp(t, "date") == 0)
		return FT_DATE;
	if (strcmp(t, "datetime") == 0)
		return FT_DATETIME;
	if (strcmp(t, "time") == 0)
		return FT_TIME;
	if (strcmp(t, "reference") == 0 || strcmp(t, "id") == 0)
		return FT_REF;
	return FT_UNSUPPORTED;
}

static int
picklist_has(const cJSON *pl, const char *s, size_t n)
{
	const cJSON *e, *val, *act;

	for (e = pl ? pl->child : NULL; e != NULL; e = e->next) {
		val = cJSON_GetObjectItemCaseSensitive(e, "value");
		act = cJSON_GetObjectItemCaseSensitive(e, "active");
		if (cJSON_IsString(val) && strlen(val->valuestring) == n &&
		    memcmp(val->valuestring, s, n) == 0 && !cJSON_IsFalse(act))
			return 1;
	}
	return 0;
}

/* -?digits(.digits)?([eE][+-]?digits)? ; *integral when no fraction or exponent. */
static int
numeric_text(const char *s, size_t n, int *integral, size_t *intdigits)
{
	size_t i = 0, d = 0;

	*integral = 1;
	if (i < n && s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		d++;
	}
	if (d == 0)
		return 0;
	*intdigits = d;
	if (i < n && s[i] == '.') {
		size_t k = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
		*integral = 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t k;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		k = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
		*integral = 0;
	}
	return i == n && n < 40;
}

static int
is_sfid(const char *s, size_t n)
{
	size_t i;

	if (n != 15 && n != 18)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Does id's key prefix fit the field's referenceTo?  Unknown targets pass. */
static int
prefix_fits(const struct sfp_catalog *cat, const cJSON *refto, const char *id)
{
	const cJSON *e, *so, *kp;

	for (e = refto ? refto->child : NULL; e != NULL; e = e->next) {
		if (!cJSON_IsString(e))
			return 1;
		so = sfp_catalog_sobject(cat, e->valuestring);
		kp = so ? cJSON_GetObjectItemCaseSensitive(so, "keyPrefix") : NULL;
		if (!cJSON_IsString(kp) || strlen(kp->valuestring) != 3)
			return 1;
		if (memcmp(kp->valuestring, id, 3) == 0)
			return 1;
	}
	return refto == NULL || refto->child == NULL;
}

/*
 * Render v as the JSON value field fm takes, appended to out.  SFP_E_ITEM with
 * the reason when it does not fit; the caller has handled VAL_MISSING.
 */
static enum sfp_status
coerce(struct ctx *x, const struct fmap *fm, struct val *v, struct sbuf *out, struct sfp_fail *f)
{
	const struct sfp_field *fd = &fm->fld;
	const char *s;
	size_t n, chars;
	char nb[64];
	int integral;
	size_t intd;

	if (v->ref > 0) {
		const struct record *r = &x->m->r[v->ref - 1];
		sb_lit(out, "\"@{");
		sb_put(out, r->ref, strlen(r->ref));
		sb_lit(out, ".id}\"");
		return SFP_OK;
	}
	switch (fm->ty) {
	case FT_STRING:
		if (v->k == VAL_JSON) {
			const cJSON *e;
			size_t k = 0;
			if (strcmp(fd->type, "multipicklist") != 0 || !cJSON_IsArray(v->j))
				return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
				    "a list or object cannot go into a %s field (use join)", fd->type);
			/* multipicklist: values joined with ";" */
			for (e = v->j->child; e != NULL; e = e->next)
				if (!cJSON_IsString(e) || strchr(e->valuestring, ';') != NULL)
					return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD",
					    fm->name, "a multipicklist takes a list of strings without ';'");
				else
					k += strlen(e->valuestring) + 1;
			{
				char *d = arena_alloc(&x->m->ar, k + 1);
				size_t at = 0;
				if (d == NULL)
					return oom(f);
				for (e = v->j->child; e != NULL; e = e->next) {
					size_t l = strlen(e->valuestring);
					if (at > 0)
						d[at++] = ';';
					memcpy(d + at, e->valuestring, l);
					at += l;
				}
				v->k = VAL_STR;
				v->s = d;
				v->len = at;
			}
		}
		if (val_text(x, v, &s, &n) != 0)
			return oom(f);
		if (find2(s, n, "@{", 2) != NULL)
			return item_fail(x, f, "reference-in-data", fm->name,
			    "\"@{\" is the plan's reference syntax and may not appear in a value");
		chars = utf8_chars(s, n);
		if (fd->length > 0 && chars > (size_t)fd->length) {
			if (!v->trunc)
				return item_fail(x, f, "STRING_TOO_LONG", fm->name,
				    "%zu characters, the field takes %ld (add the truncate filter)",
				    chars, fd->length);
			n = utf8_cut(s, n, (size_t)fd->length);
		}
		if (fd->restricted) {
			int ok = 1;
			if (strcmp(fd->type, "multipicklist") == 0) {
				size_t a = 0, b;
				for (b = 0; b <= n && ok; b++)
					if (b == n || s[b] == ';') {
						ok = picklist_has(fd->picklist, s + a, b - a);
						a = b + 1;
					}
			} else
				ok = picklist_has(fd->picklist, s, n);
			if (!ok)
				return item_fail(x, f, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fm->name,
				    "\"%.*s\" is not a value of the restricted picklist",
				    (int)(n > 80 ? 80 : n), s);
		}
		sb_str(out, s, n);
		return SFP_OK;
	case FT_INT:
	case FT_DOUBLE:
		if (v->k == VAL_NUM && v->numtext == NULL) {
			int k = fmt_num(v->num, nb, sizeof(nb));
			s = nb;
			n = (size_t)k;
			if (!dfinite(v->num))
				return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
				    "not a finite number");
		} else if (v->k == VAL_STR || v->k == VAL_NUM) {
			s = v->k == VAL_NUM ? v->numtext : v->s;
			n = v->k == VAL_NUM ? v->numlen : v->len;
		} else
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
			    "not a number");
		if (!numeric_text(s, n, &integral, &intd))
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
			    "not a number: \"%.*s\"", (int)(n > 40 ? 40 : n), s);
		if (fm->ty == FT_INT) {
			if (!integral)
				return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
				    "not a whole number: %.*s", (int)n, s);
			if ((fd->digits > 0 && intd > (size_t)fd->digits) || intd > 18)
				return item_fail(x, f, "NUMBER_OUTSIDE_VALID_RANGE", fm->name,
				    "%.*s has more than %ld digits", (int)n, s, fd->digits);
			/* drop leading zeros: 007 is not JSON */
			{
				size_t neg = s[0] == '-';
				while (n - neg > 1 && s[neg] == '0') {
					if (neg) {
						int k = snprintf(nb, sizeof(nb), "-%.*s", (int)(n - 2), s + 2);
						s = nb;
						n = (size_t)k;
					} else {
						s++;
						n--;
					}
				}
			}
		} else {
			long maxint = fd->precision > 0 ? fd->precision - fd->scale : 0;
			if (maxint > 0 && integral && intd > (size_t)maxint)
				return item_fail(x, f, "NUMBER_OUTSIDE_VALID_RANGE", fm->name,
				    "%.*s has more than %ld digits before the point", (int)n, s,
				    maxint);
			if (!integral || (n > 1 && s[s[0] == '-'] == '0')) {
				/* re-render through strtod: normalises 1e3, 007.5 */
				char tmp[48];
				double d;
				memcpy(tmp, s, n);
				tmp[n] = '\0';
				d = strtod(tmp, NULL);
				if (!dfinite(d))
					return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
					    "not a finite number");
				double lim = 1;
				long k;
				for (k = 0; k < maxint && k < 308; k++)
					lim *= 10;
				if (maxint > 0 && dabs(d) >= lim)
					return item_fail(x, f, "NUMBER_OUTSIDE_VALID_RANGE", fm->name,
					    "%.*s has more than %ld digits before the point", (int)n, s,
					    maxint);
				n = (size_t)fmt_num(d, nb, sizeof(nb));
				s = nb;
			}
		}
		sb_put(out, s, n);
		return SFP_OK;
	case FT_BOOL:
		if (v->k == VAL_BOOL)
			integral = v->b;
		else if (v->k == VAL_STR && v->len == 4 && memcmp(v->s, "true", 4) == 0)
			integral = 1;
		else if (v->k == VAL_STR && v->len == 5 && memcmp(v->s, "false", 5) == 0)
			integral = 0;
		else if (v->k == VAL_STR)
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
			    "not a boolean: \"%.*s\" (only true or false)",
			    (int)(v->len > 40 ? 40 : v->len), v->s);
		else
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
			    "not a boolean (only true or false)");
		if (integral)
			sb_lit(out, "true");
		else
			sb_lit(out, "false");
		return SFP_OK;
	case FT_DATE:
	case FT_DATETIME:
	case FT_TIME: {
		struct val t = *v;
		enum sfp_status st;
		if (t.k != VAL_STR)
			return item_fail(x, f, "bad-date", fm->name, "not a date or time");
		if ((st = time_filter(x, &t, fm->ty == FT_DATE ? SFP_WANT_DATE :
		    fm->ty == FT_DATETIME ? SFP_WANT_DATETIME : SFP_WANT_TIME, fm->name, f)) != SFP_OK)
			return st;
		sb_str(out, t.s, t.len);
		return SFP_OK;
	}
	case FT_REF:
		if (v->k != VAL_STR || !is_sfid(v->s, v->len))
			return item_fail(x, f, "MALFORMED_ID", fm->name,
			    "not a Salesforce id (15 or 18 letters and digits)");
		if (!prefix_fits(x->m->cat, fd->reference_to, v->s))
			return item_fail(x, f, "INVALID_CROSS_REFERENCE_KEY", fm->name,
			    "id %.18s is not of a type this field refers to", v->s);
		sb_str(out, v->s, v->len);
		return SFP_OK;
	case FT_UNSUPPORTED:
		break;
	}
	return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fm->name,
	    "field type %s is not supported", fd->type);
}

/* Evaluate and render one field; *wrote is 0 when the value is missing. */
static enum sfp_status
emit_field(struct ctx *x, const struct fmap *fm, int *wrote, struct sfp_fail *f)
{
	struct sbuf *out = &x->m->out;
	enum sfp_status st;
	struct val v;

	*wrote = 0;
	if (fm->pre != NULL) {
		sb_put(out, fm->pre, fm->prelen);
		*wrote = 1;
		return SFP_OK;
	}
	x->where = NULL;
	if ((st = eval_spec(x, &fm->v, &v, fm->name, f)) != SFP_OK)
		return st;
	if (v.k == VAL_MISSING) {
		if (fm->v.required || fm->fld.required)
			return item_fail(x, f, "REQUIRED_FIELD_MISSING", fm->name,
			    "required field %s has no value", fm->name);
		return SFP_OK;
	}
	if ((st = coerce(x, fm, &v, out, f)) != SFP_OK)
		return st;
	*wrote = 1;
	return SFP_OK;
}

static int
cond_holds(struct ctx *x, const struct cond *c)
{
	struct val v;
	const cJSON *e;

	if (c->k == CK_NONE)
		return 1;
	(void)eval_path(x, &c->path, &v);
	if (c->k == CK_PRESENT)
		return v.k != VAL_MISSING && !(v.k == VAL_STR && v.len == 0);
	if (c->k == CK_ABSENT)
		return v.k == VAL_MISSING || (v.k == VAL_STR && v.len == 0);
	for (e = c->values->child; e != NULL; e = e->next) {
		int eq = 0;
		if (cJSON_IsString(e) && v.k == VAL_STR)
			eq = strlen(e->valuestring) == v.len && memcmp(e->valuestring, v.s, v.len) == 0;
		else if (cJSON_IsNumber(e) && v.k == VAL_NUM)
			eq = e->valuedouble == v.num;
		else if (cJSON_IsBool(e) && v.k == VAL_BOOL)
			eq = cJSON_IsTrue(e) == v.b;
		else if (cJSON_IsNull(e))
			eq = v.k == VAL_MISSING;
		if (eq)
			return c->k != CK_NOT_EQUALS;
	}
	return c->k == CK_NOT_EQUALS;
}

static enum sfp_status
emit_record(struct ctx *x, const struct record *r, int *first, struct sfp_fail *f)
{
	struct sbuf *out = &x->m->out;
	enum sfp_status st;
	size_t i, mark;
	int wrote, any = 0;
	char nb[16];

	if (!*first)
		sb_ch(out, ',');
	*first = 0;
	sb_lit(out, "{\"ref\":\"");
	sb_put(out, r->ref, strlen(r->ref));
	if (r->has_each) {
		int n = snprintf(nb, sizeof(nb), "_%d", x->index);
		sb_put(out, nb, (size_t)n);
	}
	sb_lit(out, "\",\"sobject\":");
	sb_str(out, r->sobject, strlen(r->sobject));
	if (r->has_upsert) {
		sb_lit(out, ",\"upsert\":{\"field\":");
		sb_str(out, r->upsert.name, strlen(r->upsert.name));
		sb_lit(out, ",\"value\":");
		if ((st = emit_field(x, &r->upsert, &wrote, f)) != SFP_OK)
			return st;
		if (!wrote)
			return item_fail(x, f, "REQUIRED_FIELD_MISSING", r->upsert.name,
			    "the upsert key %s has no value", r->upsert.name);
		sb_ch(out, '}');
	}
	sb_lit(out, ",\"fields\":{");
	for (i = 0; i < r->nf; i++) {
		const struct fmap *fm = &r->fields[i];
		mark = out->len;
		if (any)
			sb_ch(out, ',');
		sb_str(out, fm->name, strlen(fm->name));
		sb_ch(out, ':');
		if ((st = emit_field(x, fm, &wrote, f)) != SFP_OK)
			return st;
		if (!wrote)
			out->len = mark;
		else
			any = 1;
	}
	sb_lit(out, "}}");
	return SFP_OK;
}

const cJSON *
sfp_mapping_booking_id(const struct sfp_mapping *m, const cJSON *booking)
{
	const cJSON *id = walk(&m->id, booking);

	if (id != NULL && (cJSON_IsString(id) || cJSON_IsNumber(id)))
		return id;
	return NULL;
}

int
sfp_mapping_set_tenant(struct sfp_mapping *m, const char *tenant)
{
	if (strlen(tenant) >= sizeof(m->tenant))
		return -1;
	memcpy(m->tenant, tenant, strlen(tenant) + 1);
	return 0;
}

enum sfp_status
sfp_mapping_apply(struct sfp_mapping *m, const cJSON *booking, const char **line, size_t *len,
    struct sfp_fail *f)
{
	struct sbuf *out = &m->out;
	enum sfp_status st;
	const cJSON *id;
	struct ctx x;
	size_t i;
	int first = 1;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.root = booking;
	out->len = 0;
	out->oom = 0;
	arena_reset(&m->ar);
	memset(m->made, 0, m->nr);
	if (!cJSON_IsObject(booking))
		return item_fail(&x, f, "bad-booking", NULL, "a booking must be a JSON object");
	x.where = m->id.text;
	if ((id = sfp_mapping_booking_id(m, booking)) == NULL)
		return item_fail(&x, f, "missing-id", NULL,
		    "the booking has no id (a string or number) at %s", m->id.text);
	sb_lit(out, "{\"id\":");
	if (cJSON_IsString(id))
		sb_str(out, id->valuestring, strlen(id->valuestring));
	else {
		char nb[64];
		int n = fmt_num(id->valuedouble, nb, sizeof(nb));
		sb_put(out, nb, (size_t)n);
	}
	sb_lit(out, ",\"records\":[");
	for (i = 0; i < m->nr; i++) {
		const struct record *r = &m->r[i];
		x.rec = r;
		x.item = NULL;
		x.index = 0;
		x.where = NULL;
		if (r->has_each) {
			struct val av;
			const cJSON *e;
			(void)eval_path(&x, &r->each, &av);
			if (av.k == VAL_MISSING)
				continue;
			if (av.k != VAL_JSON || !cJSON_IsArray(av.j))
				return item_fail(&x, f, "not-an-array", NULL,
				    "\"each\" needs a list here");
			for (e = av.j->child; e != NULL; e = e->next, x.index++) {
				x.item = e;
				if (!cond_holds(&x, &r->when))
					continue;
				if ((st = emit_record(&x, r, &first, f)) != SFP_OK)
					return st;
			}
			m->made[i] = 1;
			continue;
		}
		if (!cond_holds(&x, &r->when))
			continue;
		if ((st = emit_record(&x, r, &first, f)) != SFP_OK)
			return st;
		m->made[i] = 1;
	}
	sb_lit(out, "]}\n");
	if (out->oom)
		return oom(f);
	*line = out->p;
	*len = out->len;
	return SFP_OK;
}

/* ---- compiling ---- */

static const char *const FILTERS[] = { "lower", "upper", "trim", "default", "truncate", "join",
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
static int
parse_expr(struct comp *c, const char *s, size_t len, size_t *at, struct expr *e,
    const char **why)
{
	size_t i = *at, b, en, k;

	memset(e, 0, sizeof(*e));
	skip_ws(s, len, &i);
	if (i < len && (s[i] == '\'' || s[i] == '"')) {
		if (parse_quoted(s, len, &i, &b, &en) != 0)
			return *at = i, *why = "unterminated quote", -1;
		e->lit = 1;
		if ((e->text = xstrndup(c, s + b, en - b)) == NULL)
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
		for (k = 0; FILTERS[k] != NULL; k++)
			if (strlen(FILTERS[k]) == i - nb && memcmp(FILTERS[k], s + nb, i - nb) == 0)
				break;
		if (FILTERS[k] == NULL) {
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
				fl.arg = xstrndup(c, s + b, en - b);
				fl.arglen = en - b;
			} else if (i < len && (isdigit((unsigned char)s[i]) || s[i] == '-')) {
				b = i;
				while (i < len && (isdigit((unsigned char)s[i]) || s[i] == '.' ||
				    s[i] == '-'))
					i++;
				fl.arg = xstrndup(c, s + b, i - b);
				fl.arglen = i - b;
				fl.arg_is_num = 1;
			} else {
				b = i;
				if (parse_path(c, s, len, &i, &fl.argpath, why) != 0) {
					path_fini(&fl.argpath);
					return *at = i, -1;
				}
				fl.arg = xstrndup(c, s + b, i - b);
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

static void
expr_fini(struct expr *e)
{
	size_t i;

	for (i = 0; i < e->nf; i++) {
		free(e->f[i].arg);
		path_fini(&e->f[i].argpath);
		sfp_tz_free(e->f[i].zone);
	}
	free(e->f);
	free(e->text);
	path_fini(&e->path);
}

static void
vspec_fini(struct vspec *v)
{
	size_t i;

	if (v->dflt != NULL) {
		vspec_fini(v->dflt);
		free(v->dflt);
	}
	for (i = 0; i < v->np; i++) {
		free(v->p[i].text);
		if (v->p[i].is_expr)
			expr_fini(&v->p[i].e);
	}
	free(v->p);
	cJSON_Delete(v->literal);
	memset(v, 0, sizeof(*v));
}

/* Check each filter's argument now that the field is known. */
static void
check_filters(struct comp *c, const char *place, struct expr *e, const struct fmap *fm)
{
	size_t i, k;

	for (i = 0; i < e->nf; i++) {
		struct filter *fl = &e->f[i];
		switch (fl->k) {
		case FK_DEFAULT:
			if (!fl->has_arg)
				problem(c, place, "default needs a value: default:'text'");
			break;
		case FK_TRUNCATE:
			if (fl->has_arg) {
				char *end;
				long n;
				errno = 0;
				n = fl->arg_is_num ? strtol(fl->arg, &end, 10) : -1;
				if (!fl->arg_is_num || errno != 0 || *end != '\0' || n < 1)
					problem(c, place, "truncate takes a positive number of characters");
				fl->n = n;
			} else if (fm != NULL && (fm->ty != FT_STRING || fm->fld.length <= 0))
				problem(c, place, "truncate without a number needs a text field with a "
				    "length (%s is %s)", fm->name, fm->fld.type);
			break;
		case FK_JOIN:
			if (!fl->has_arg) {
				fl->arg = xstrndup(c, ", ", 2);
				fl->arglen = 2;
			} else if (fl->arg_is_path) {
				problem(c, place, "join takes a quoted separator: join:', '");
			}
			break;
		case FK_LOOKUP:
			fl->table = fl->has_arg && fl->arg_is_path && c->m->lookups ?
			    cJSON_GetObjectItemCaseSensitive(c->m->lookups, fl->arg) : NULL;
			if (!cJSON_IsObject(fl->table)) {
				problem(c, place, "lookup needs the name of a table in \"lookups\"%s%s",
				    fl->arg ? ": no table " : "", fl->arg ? fl->arg : "");
				fl->table = NULL;
			}
			for (k = i + 1; k < e->nf; k++)
				if (e->f[k].k == FK_DEFAULT)
					fl->miss_ok = 1;
			break;
		case FK_TZ:
			if (!fl->has_arg || fl->arg_is_num)
				problem(c, place, "tz needs a zone: tz:'Europe/Berlin' or tz:booking.path");
			else if (!fl->arg_is_path) {
				struct sfp_fail zf;
				if (sfp_tz_load(fl->arg, &fl->zone, &zf) != SFP_OK)
					problem(c, place, "%s", zf.message);
			}
			break;
		default:
			if (fl->has_arg)
				problem(c, place, "%s takes no argument", FILTERS[fl->k]);
		}
	}
}

static int
is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > REF_MAX || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int find_ref(struct comp *c, const char *s, size_t n);

/* A value spec at place from JSON j for field fm (NULL: no field, e.g. id). */
static void
compile_spec(struct comp *c, const char *place, const cJSON *j, struct vspec *v,
    const struct fmap *fm, int recidx)
{
	const char *s;
	size_t len, i, at;

	memset(v, 0, sizeof(*v));
	if (cJSON_IsObject(j)) {
		const cJSON *e, *t = NULL;
		char *p2;
		for (e = j->child; e != NULL; e = e->next) {
			if (strcmp(e->string, "template") == 0 || strcmp(e->string, "value") == 0) {
				if (t != NULL)
					problem(c, place, "give one of \"template\" or \"value\"");
				t = e;
			} else if (strcmp(e->string, "default") == 0) {
				if ((v->dflt = calloc(1, sizeof(*v->dflt))) == NULL) {
					c->oom = 1;
					return;
				}
				p2 = xprintf(c, "%s.default", place);
				compile_spec(c, p2 ? p2 : place, e, v->dflt, fm, recidx);
				free(p2);
			} else if (strcmp(e->string, "required") == 0) {
				if (!cJSON_IsBool(e))
					problem(c, place, "\"required\" is true or false");
				v->required = cJSON_IsTrue(e);
			} else
				problem(c, place, "unknown key \"%s\" (template, value, default, required)",
				    e->string);
		}
		if (t == NULL) {
			problem(c, place, "a field object needs \"template\" or \"value\"");
			return;
		}
		if (strcmp(t->string, "value") == 0) {
			if (cJSON_IsObject(t) || cJSON_IsArray(t)) {
				problem(c, place, "\"value\" is a string, number, boolean or null");
				return;
			}
			if (cJSON_IsString(t) && strstr(t->valuestring, "@{") != NULL)
				problem(c, place, "\"@{\" is the plan's reference syntax; write a reference "
				    "as the whole value \"@{ref.id}\"");
			v->kind = VS_LITERAL;
			if ((v->literal = cJSON_Duplicate(t, 0)) == NULL)
				c->oom = 1;
			return;
		}
		if (!cJSON_IsString(t)) {
			problem(c, place, "\"template\" is a string");
			return;
		}
		j = t;
	}
	if (!cJSON_IsString(j)) {
		if (cJSON_IsArray(j)) {
			problem(c, place, "a value is a string, number, boolean, null or object");
			return;
		}
		v->kind = VS_LITERAL;
		if ((v->literal = cJSON_Duplicate(j, 0)) == NULL)
			c->oom = 1;
		return;
	}
	s = j->valuestring;
	len = strlen(s);
	/* A whole-value reference: @{ref.id} */
	if (len > 6 && s[0] == '@' && s[1] == '{' && s[len - 1] == '}' &&
	    len > 5 && memcmp(s + len - 4, ".id}", 4) == 0) {
		int r = find_ref(c, s + 2, len - 6);
		v->kind = VS_REF;
		v->ref = r;
		if (r < 0)
			problem(c, place, "reference to unknown record \"%.*s\"", (int)(len - 6), s + 2);
		else if (r >= recidx)
			problem(c, place, "record \"%.*s\" is used before it is defined (move it up)",
			    (int)(len - 6), s + 2);
		else if (c->m->r[r].has_each)
			problem(c, place, "record \"%.*s\" is made once per element of a list and "
			    "cannot be referred to", (int)(len - 6), s + 2);
		else if (fm != NULL && fm->ty != FT_REF)
			problem(c, place, "a reference goes into a lookup field; %s is %s", fm->name,
			    fm->fld.type);
		else if (fm != NULL && c->m->r[r].sobject != NULL) {
			const cJSON *e;
			int ok = 0;
			for (e = fm->fld.reference_to ? fm->fld.reference_to->child : NULL; e; e = e->next)
				if (cJSON_IsString(e) && strcasecmp(e->valuestring, c->m->r[r].sobject) == 0)
					ok = 1;
			if (!ok)
				problem(c, place, "%s cannot refer to %s records (record \"%s\")", fm->name,
				    c->m->r[r].sobject, c->m->r[r].ref);
		}
		return;
	}
	v->kind = VS_TEMPLATE;
	at = 0;
	while (at < len) {
		const char *open = strstr(s + at, "{{");
		size_t end = open ? (size_t)(open - s) : len;
		struct part *np;
		const char *why;
		if ((np = realloc(v->p, (v->np + 1) * sizeof(*np))) == NULL) {
			c->oom = 1;
			return;
		}
		v->p = np;
		memset(&v->p[v->np], 0, sizeof(v->p[0]));
		if (end > at) {
			struct part *pt = &v->p[v->np++];
			pt->text = xstrndup(c, s + at, end - at);
			pt->len = end - at;
			if (find2(s + at, end - at, "@{", 2) != NULL)
				problem(c, place, "\"@{\" is the plan's reference syntax; write a "
				    "reference as the whole value \"@{ref.id}\"");
			at = end;
			continue;
		}
		at += 2;
		{
			struct part *pt = &v->p[v->np++];
			pt->is_expr = 1;
			if (parse_expr(c, s, len, &at, &pt->e, &why) != 0) {
				problem(c, place, "template column %zu: %s", at + 1, why);
				return;
			}
			check_filters(c, place, &pt->e, fm);
		}
	}
	if (v->np == 0) {
		/* "" is a literal empty string */
		v->kind = VS_LITERAL;
		if ((v->literal = cJSON_CreateString("")) == NULL)
			c->oom = 1;
	}
	for (i = 0; i < v->np; i++)
		if (v->p[i].is_expr)
			return;
	/* Text only: a literal. */
	if (v->np > 0) {
		char *t = v->p[0].text;
		cJSON *lit = cJSON_CreateString(t);
		vspec_fini(v);
		v->kind = VS_LITERAL;
		if ((v->literal = lit) == NULL)
			c->oom = 1;
	}
}

static int
find_ref(struct comp *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < c->m->nr; i++)
		if (c->m->r[i].ref != NULL && strlen(c->m->r[i].ref) == n &&
		    memcmp(c->m->r[i].ref, s, n) == 0)
			return (int)i;
	return -1;
}

/* A constant value (literal or reference-free text) is rendered once here, which
 * also checks it against the field: type, length, restricted picklist. */
static void
precompute(struct comp *c, struct fmap *fm)
{
	struct sfp_mapping *m = c->m;
	struct sfp_fail f;
	struct ctx x;
	struct val v;
	struct record dummy;
	size_t mark;

	if (fm->v.kind != VS_LITERAL || fm->ty == FT_UNSUPPORTED)
		return;
	memset(&x, 0, sizeof(x));
	memset(&dummy, 0, sizeof(dummy));
	dummy.ref = (char *)"";
	x.m = m;
	x.rec = &dummy;
	val_from_json(&v, fm->v.literal);
	if (v.k == VAL_MISSING) {
		if (fm->fld.required)
			problem(c, fm->place, "%s is required and null leaves it empty", fm->name);
		return;
	}
	mark = m->out.len;
	if (coerce(&x, fm, &v, &m->out, &f) != SFP_OK) {
		/* "@{" in text was reported when the template was read */
		if (strcmp(f.code, "reference-in-data") != 0)
			problem(c, fm->place, "%s", f.message);
		m->out.len = mark;
		return;
	}
	if (m->out.oom) {
		c->oom = 1;
		return;
	}
	fm->pre = xstrndup(c, m->out.p + mark, m->out.len - mark);
	fm->prelen = m->out.len - mark;
	m->out.len = mark;
	arena_reset(&m->ar);
}

/* Lookup tables that feed a field directly are checked value by value. */
static void
check_lookup_values(struct comp *c, struct fmap *fm)
{
	struct expr *e;
	const cJSON *t;
	struct sfp_fail f;
	struct ctx x;
	struct record dummy;
	size_t mark;

	if (fm->v.kind != VS_TEMPLATE || fm->v.np != 1 || !fm->v.p[0].is_expr)
		return;
	e = &fm->v.p[0].e;
	if (e->nf == 0 || e->f[e->nf - 1].k != FK_LOOKUP || e->f[e->nf - 1].table == NULL)
		return;
	memset(&x, 0, sizeof(x));
	memset(&dummy, 0, sizeof(dummy));
	dummy.ref = (char *)"";
	x.m = c->m;
	x.rec = &dummy;
	for (t = e->f[e->nf - 1].table->child; t != NULL; t = t->next) {
		struct val v;
		val_from_json(&v, t);
		if (v.k == VAL_MISSING || v.k == VAL_JSON)
			continue;
		mark = c->m->out.len;
		if (coerce(&x, fm, &v, &c->m->out, &f) != SFP_OK)
			problem(c, fm->place, "lookup %s entry \"%s\": %s", e->f[e->nf - 1].arg,
			    t->string, f.message);
		c->m->out.len = mark;
	}
	arena_reset(&c->m->ar);
}

static int
compile_field(struct comp *c, const char *sobject, const char *fname, const cJSON *j,
    struct fmap *fm, int recidx, int for_upsert)
{
	if (!sfp_catalog_field(c->m->cat, sobject, fname, &fm->fld)) {
		problem(c, fm->place, "%s has no field %s the integration user can see", sobject,
		    fname);
		return -1;
	}
	if ((fm->name = xstrndup(c, fm->fld.name, strlen(fm->fld.name))) == NULL)
		return -1;
	fm->ty = ftype_of(fm->fld.type);
	if (!fm->fld.createable)
		problem(c, fm->place, "%s.%s is not createable for the integration user", sobject,
		    fm->fld.name);
	if (fm->ty == FT_UNSUPPORTED)
		problem(c, fm->place, "field type %s is not supported", fm->fld.type);
	if (for_upsert && !fm->fld.external_id && strcasecmp(fm->fld.type, "id") != 0)
		problem(c, fm->place, "%s.%s is not an external id field", sobject, fm->fld.name);
	compile_spec(c, fm->place, j, &fm->v, fm, recidx);
	precompute(c, fm);
	check_lookup_values(c, fm);
	return 0;
}

static void
compile_cond(struct comp *c, const char *place, const cJSON *j, struct cond *cd)
{
	const cJSON *p, *e;
	const char *why;
	int n = 0;

	if (!cJSON_IsObject(j)) {
		problem(c, place, "\"when\" is an object: {\"path\":..,\"present\":true} or "
		    "{\"path\":..,\"equals\":..}");
		return;
	}
	p = cJSON_GetObjectItemCaseSensitive(j, "path");
	if (!cJSON_IsString(p) || parse_path_str(c, p->valuestring, &cd->path, &why) != 0) {
		problem(c, place, "\"when\" needs a \"path\"%s%s", cJSON_IsString(p) ? ": " : "",
		    cJSON_IsString(p) ? why : "");
		return;
	}
	for (e = j->child; e != NULL; e = e->next) {
		if (strcmp(e->string, "path") == 0)
			continue;
		n++;
		if (strcmp(e->string, "present") == 0 && cJSON_IsBool(e))
			cd->k = cJSON_IsTrue(e) ? CK_PRESENT : CK_ABSENT;
		else if ((strcmp(e->string, "equals") == 0 || strcmp(e->string, "not_equals") == 0) &&
		    !cJSON_IsObject(e) && !cJSON_IsArray(e)) {
			cd->k = e->string[0] == 'e' ? CK_EQUALS : CK_NOT_EQUALS;
			if ((cd->values = cJSON_CreateArray()) == NULL ||
			    !cJSON_AddItemToArray(cd->values, cJSON_Duplicate(e, 0)))
				c->oom = 1;
		} else if (strcmp(e->string, "in") == 0 && cJSON_IsArray(e)) {
			cd->k = CK_IN;
			if ((cd->values = cJSON_Duplicate(e, 1)) == NULL)
				c->oom = 1;
		} else
			problem(c, place, "unknown test \"%s\" (present: true|false, equals: value, "
			    "not_equals: value, in: [values])", e->string);
	}
	if (n != 1)
		problem(c, place, "\"when\" takes a path and exactly one test");
}

static void
compile_record(struct comp *c, size_t i, const cJSON *j)
{
	struct sfp_mapping *m = c->m;
	struct record *r = &m->r[i];
	const cJSON *e, *so, *fields, *up;
	char place[64], *fp;
	const char *why;
	const cJSON *sol;
	size_t nf;

	(void)snprintf(place, sizeof(place), "records[%zu]", i);
	r->place = xstrndup(c, place, strlen(place));
	c->in_each = 0;
	c->as = "item";
	if (!cJSON_IsObject(j)) {
		problem(c, place, "a record is an object with ref, sobject and fields");
		return;
	}
	for (e = j->child; e != NULL; e = e->next) {
		static const char *const keys[] = { "ref", "sobject", "fields", "upsert", "when",
			"each", "as", "comment", NULL };
		size_t k;
		for (k = 0; keys[k] != NULL && strcmp(keys[k], e->string) != 0; k++)
			;
		if (keys[k] == NULL)
			problem(c, place, "unknown key \"%s\" (ref, sobject, fields, upsert, when, each, "
			    "as, comment)", e->string);
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "each");
	if (e != NULL) {
		const cJSON *as = cJSON_GetObjectItemCaseSensitive(j, "as");
		fp = xprintf(c, "%s.each", place);
		if (!cJSON_IsString(e) || parse_path_str(c, e->valuestring, &r->each, &why) != 0)
			problem(c, fp, "\"each\" is a path to a list in the booking%s%s",
			    cJSON_IsString(e) ? ": " : "", cJSON_IsString(e) ? why : "");
		else
			r->has_each = 1;
		free(fp);
		c->in_each = 1;
		if (as != NULL) {
			if (!cJSON_IsString(as) || !is_ident(as->valuestring, strlen(as->valuestring)) ||
			    strcmp(as->valuestring, "index") == 0)
				problem(c, place, "\"as\" is a name like \"attendee\"");
			else
				c->as = as->valuestring;
		}
	} else if (cJSON_GetObjectItemCaseSensitive(j, "as") != NULL)
		problem(c, place, "\"as\" only goes with \"each\"");
	e = cJSON_GetObjectItemCaseSensitive(j, "when");
	if (e != NULL) {
		fp = xprintf(c, "%s.when", place);
		compile_cond(c, fp ? fp : place, e, &r->when);
		free(fp);
	}
	so = cJSON_GetObjectItemCaseSensitive(j, "sobject");
	sol = cJSON_IsString(so) ? sfp_catalog_sobject(m->cat, so->valuestring) : NULL;
	if (!cJSON_IsString(so)) {
		problem(c, place, "a record needs \"sobject\"");
		return;
	}
	if (sol == NULL) {
		problem(c, place, "sObject %s is not in the describe catalog (run sf-describe %s)",
		    so->valuestring, so->valuestring);
		return;
	}
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sol, "name");
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(sol, "createable");
		r->sobject = xstrndup(c, cJSON_IsString(nm) ? nm->valuestring : so->valuestring,
		    strlen(cJSON_IsString(nm) ? nm->valuestring : so->valuestring));
		if (cJSON_IsFalse(cr))
			problem(c, place, "the integration user cannot create %s records",
			    so->valuestring);
	}
	if (r->sobject == NULL)
		return;
	up = cJSON_GetObjectItemCaseSensitive(j, "upsert");
	if (up != NULL) {
		const cJSON *uf = cJSON_GetObjectItemCaseSensitive(up, "field");
		const cJSON *uv = cJSON_GetObjectItemCaseSensitive(up, "value");
		r->upsert.place = xprintf(c, "%s.upsert", place);
		if (!cJSON_IsObject(up) || !cJSON_IsString(uf) || uv == NULL)
			problem(c, r->upsert.place, "\"upsert\" is {\"field\": external id field, "
			    "\"value\": value}");
		else if (compile_field(c, r->sobject, uf->valuestring, uv, &r->upsert, (int)i, 1) == 0)
			r->has_upsert = 1;
	}
	fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	if (!cJSON_IsObject(fields)) {
		problem(c, place, "a record needs \"fields\" (an object of field: value)");
		return;
	}
	nf = (size_t)cJSON_GetArraySize(fields);
	if ((r->fields = calloc(nf ? nf : 1, sizeof(*r->fields))) == NULL) {
		c->oom = 1;
		return;
	}
	for (e = fields->child; e != NULL; e = e->next) {
		struct fmap *fm = &r->fields[r->nf];
		size_t k;
		if ((fm->place = xprintf(c, "%s.fields.%s", place, e->string)) == NULL)
			return;
		for (k = 0; k < r->nf; k++)
			if (strcasecmp(r->fields[k].name, e->string) == 0)
				problem(c, fm->place, "field %s is given twice", e->string);
		if (r->has_upsert && strcasecmp(r->upsert.name, e->string) == 0)
			problem(c, fm->place, "%s is the upsert key; give it only under \"upsert\"",
			    e->string);
		if (compile_field(c, r->sobject, e->string, e, fm, (int)i, 0) == 0)
			r->nf++;
		else {
			free(fm->place);
			fm->place = NULL;
		}
	}
	/* Every required-on-create field must be filled. */
	{
		const cJSON *fl = cJSON_GetObjectItemCaseSensitive(sol, "fields");
		for (e = fl ? fl->child : NULL; e != NULL; e = e->next) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
			const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e, "required");
			size_t k;
			int have = 0;
			if (!cJSON_IsTrue(rq) || !cJSON_IsString(nm))
				continue;
			for (k = 0; k < r->nf; k++)
				have |= strcasecmp(r->fields[k].name, nm->valuestring) == 0;
			if (r->has_upsert)
				have |= strcasecmp(r->upsert.name, nm->valuestring) == 0;
			if (!have)
				problem(c, place, "required field %s.%s is not filled", r->sobject,
				    nm->valuestring);
		}
	}
}

static void
record_fini(struct record *r)
{
	size_t i;

	for (i = 0; i < r->nf; i++) {
		free(r->fields[i].name);
		free(r->fields[i].place);
		free(r->fields[i].pre);
		vspec_fini(&r->fields[i].v);
	}
	free(r->fields);
	free(r->upsert.name);
	free(r->upsert.place);
	free(r->upsert.pre);
	vspec_fini(&r->upsert.v);
	free(r->ref);
	free(r->sobject);
	free(r->place);
	path_fini(&r->each);
	path_fini(&r->when.path);
	cJSON_Delete(r->when.values);
}

void
sfp_mapping_free(struct sfp_mapping *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nr; i++)
		record_fini(&m->r[i]);
	free(m->r);
	path_fini(&m->id);
	cJSON_Delete(m->lookups);
	free(m->out.p);
	arena_free(&m->ar);
	free(m->made);
	for (i = 0; i < ZONE_CACHE; i++)
		sfp_tz_free(m->zc[i].z);
	free(m);
}

enum sfp_status
sfp_mapping_compile(const cJSON *json, const struct sfp_catalog *cat, struct sfp_mapping **out,
    struct sfp_problems *probs, struct sfp_fail *f)
{
	struct sfp_mapping *m;
	struct comp c;
	const cJSON *e, *recs;
	const char *why;
	size_t i, nr;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return oom(f);
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.probs = probs;
	c.as = "item";
	m->cat = cat;
	if (!cJSON_IsObject(json)) {
		problem(&c, "", "a mapping is a JSON object with \"records\"");
		goto done;
	}
	for (e = json->child; e != NULL; e = e->next)
		if (strcmp(e->string, "id") != 0 && strcmp(e->string, "records") != 0 &&
		    strcmp(e->string, "lookups") != 0 && strcmp(e->string, "comment") != 0)
			problem(&c, e->string, "unknown key (id, lookups, records, comment)");
	e = cJSON_GetObjectItemCaseSensitive(json, "id");
	if (parse_path_str(&c, cJSON_IsString(e) ? e->valuestring : "id", &m->id, &why) != 0 ||
	    m->id.scope != SC_BOOKING)
		problem(&c, "id", "\"id\" is the path of the booking's id: %s", cJSON_IsString(e) ?
		    why : "not a string");
	e = cJSON_GetObjectItemCaseSensitive(json, "lookups");
	if (e != NULL) {
		const cJSON *t, *v;
		if (!cJSON_IsObject(e))
			problem(&c, "lookups", "\"lookups\" is an object of tables");
		else if ((m->lookups = cJSON_Duplicate(e, 1)) == NULL)
			c.oom = 1;
		for (t = cJSON_IsObject(e) ? e->child : NULL; t != NULL; t = t->next) {
			char pl[128];
			(void)snprintf(pl, sizeof(pl), "lookups.%s", t->string);
			if (!cJSON_IsObject(t))
				problem(&c, pl, "a lookup table is an object of key: value");
			for (v = cJSON_IsObject(t) ? t->child : NULL; v != NULL; v = v->next)
				if (cJSON_IsObject(v) || cJSON_IsArray(v))
					problem(&c, pl, "entry \"%s\" must be a string, number or boolean",
					    v->string);
		}
	}
	recs = cJSON_GetObjectItemCaseSensitive(json, "records");
	if (!cJSON_IsArray(recs) || cJSON_GetArraySize(recs) == 0) {
		problem(&c, "records", "\"records\" is a non-empty list of records");
		goto done;
	}
	nr = (size_t)cJSON_GetArraySize(recs);
	if ((m->r = calloc(nr, sizeof(*m->r))) == NULL || (m->made = calloc(nr, 1)) == NULL) {
		c.oom = 1;
		goto done;
	}
	m->nr = nr;
	/* Refs first, so a reference to a later record says "before it is defined". */
	for (i = 0, e = recs->child; e != NULL; e = e->next, i++) {
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(e, "ref");
		char pl[64];
		(void)snprintf(pl, sizeof(pl), "records[%zu].ref", i);
		if (!cJSON_IsString(ref) || !is_ident(ref->valuestring, strlen(ref->valuestring))) {
			problem(&c, pl, "\"ref\" is a name of letters, digits and _ (at most %d), "
			    "starting with a letter", REF_MAX);
			continue;
		}
		if (find_ref(&c, ref->valuestring, strlen(ref->valuestring)) >= 0)
			problem(&c, pl, "ref \"%s\" is used twice", ref->valuestring);
		else
			m->r[i].ref = xstrndup(&c, ref->valuestring, strlen(ref->valuestring));
	}
	for (i = 0, e = recs->child; e != NULL; e = e->next, i++)
		compile_record(&c, i, e);
done:
	if (c.oom) {
		sfp_mapping_free(m);
		return oom(f);
	}
	if (probs->n > 0) {
		sfp_mapping_free(m);
		return sfp_fail_set(f, SFP_E_INPUT, "bad-mapping", NULL, "%zu problem%s in the mapping",
		    probs->n, probs->n == 1 ? "" : "s");
	}
	*out = m;
	return SFP_OK;
}

enum sfp_status
sfp_mapping_load(const char *path, const struct sfp_catalog *cat, struct sfp_mapping **out,
    struct sfp_problems *probs, struct sfp_fail *f)
{
	enum sfp_status st;
	cJSON *j;

	*out = NULL;
	if ((st = sfp_json_load(path, MAX_MAPPING_BYTES, &j, f)) != SFP_OK)
		return st;
	st = sfp_mapping_compile(j, cat, out, probs, f);
	cJSON_Delete(j);
	return st;
}

/* ---- the stream ---- */

static enum sfp_status
write_failure(struct sfp_writer *out, struct sfp_writer *rejects, const cJSON *id,
    const cJSON *input, const char *raw, size_t rawlen, const struct sfp_fail *err,
    struct sfp_fail *f)
{
	enum sfp_status st = SFP_OK;
	cJSON *o, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return oom(f);
	if (!cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 0) : cJSON_CreateNull()) ||
	    cJSON_AddFalseToObject(o, "ok") == NULL ||
	    (e = sfp_fail_to_json(err)) == NULL || !cJSON_AddItemToObject(o, "error", e))
		goto nomem;
	if (input != NULL) {
		if (!cJSON_AddItemReferenceToObject(o, "input", (cJSON *)(uintptr_t)input))
			goto nomem;
	} else {
		/* An item that is not JSON goes out as its raw text (null when no
		 * JSON string can hold it: the error's position says where). */
		if ((e = sfp_raw_to_json(raw, raw ? rawlen : 0)) == NULL ||
		    !cJSON_AddItemToObject(o, "input", e))
			goto nomem;
	}
	st = sfp_write_json(out, o, f);
	if (st == SFP_OK && rejects != NULL)
		st = sfp_write_json(rejects, o, f);
	cJSON_Delete(o);
	return st;
nomem:
	cJSON_Delete(o);
	return oom(f);
}

static enum sfp_status
write_plan(struct sfp_writer *out, const char *line, size_t len, struct sfp_fail *f)
{
	enum sfp_status st;
	cJSON *j;

	if (!out->pretty)
		return sfp_write_raw(out, line, len, f);
	if ((j = cJSON_ParseWithLength(line, len)) == NULL)
		return oom(f);
	st = sfp_write_json(out, j, f);
	cJSON_Delete(j);
	return st;
}

enum sfp_status
sfp_map_stream(struct sfp_mapping *m, struct sfp_reader *r, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	enum sfp_status st, worst = SFP_OK;
	struct sfp_fail err;
	const char *line;
	size_t len;
	cJSON *item;

	memset(counts, 0, sizeof(*counts));
	for (;;) {
		item = NULL;
		sfp_fail_clear(&err);
		st = sfp_reader_next(r, &item, &err);
		if (st == SFP_OK && item == NULL)
			break;
		if (st == SFP_E_ITEM) {
			const char *raw;
			size_t rawlen;
			counts->in++;
			counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, NULL, &err);
			raw = sfp_reader_raw(r, &rawlen);
			if ((st = write_failure(out, rejects, NULL, NULL, raw, rawlen, &err, f)) != SFP_OK)
				return st;
			continue;
		}
		if (st != SFP_OK) {
			*f = err;
			return st;
		}
		counts->in++;
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(item, "ok"))) {
			counts->failed++;
			counts->passed++;
			worst = SFP_E_ITEM;
			st = sfp_write_json(out, item, f);
			cJSON_Delete(item);
			if (st != SFP_OK)
				return st;
			continue;
		}
		st = sfp_mapping_apply(m, item, &line, &len, &err);
		if (st == SFP_OK) {
			counts->ok++;
			st = write_plan(out, line, len, f);
		} else if (st == SFP_E_ITEM) {
			const cJSON *id = cJSON_IsObject(item) ? sfp_mapping_booking_id(m, item) : NULL;
			counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, id, &err);
			st = write_failure(out, rejects, id, item, NULL, 0, &err, f);
		} else
			*f = err;
		cJSON_Delete(item);
		if (st != SFP_OK)
			return st;
	}
	return worst;
}
