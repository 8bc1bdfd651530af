/* SPDX-License-Identifier: ISC */
/* mapping_apply: one booking run through a compiled mapping into one plan line. */
#include "compat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

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

void
sfp_map_arena_reset(struct arena *a)
{
	struct block *b;

	for (b = a->head; b != NULL; b = b->next)
		b->used = 0;
	a->cur = a->head;
}

void
sfp_map_arena_free(struct arena *a)
{
	struct block *b, *n;

	for (b = a->head; b != NULL; b = n) {
		n = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
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
		while (sfp_map_key_char(*rest))
			rest++;
		(void)snprintf(x->placebuf, sizeof(x->placebuf), "%s[%d]%s", x->rec->each.text,
		    x->index, rest);
	}
	return x->placebuf;
}

static int
eval_path(struct ctx *x, const struct path *p, struct sfp_value *v)
{
	const cJSON *base;

	x->where = booking_place(x, p);
	if (p->scope == SC_INDEX) {
		memset(v, 0, sizeof(*v));
		v->kind = SFP_VALUE_NUMBER;
		v->num = x->index;
		return 0;
	}
	if (p->scope == SC_TENANT) {
		memset(v, 0, sizeof(*v));
		v->kind = x->m->tenant[0] != '\0' ? SFP_VALUE_TEXT : SFP_VALUE_MISSING;
		v->s = x->m->tenant;
		v->len = strlen(x->m->tenant);
		return 0;
	}
	base = p->scope == SC_ITEM ? x->item : x->root;
	sfp_value_from_json(v, sfp_map_walk(p, base));
	return 0;
}

/* Text of a scalar value; numbers are rendered into the arena. */
static int
val_text(struct ctx *x, const struct sfp_value *v, const char **s, size_t *len)
{
	char nb[64];
	int n;

	switch (v->kind) {
	case SFP_VALUE_TEXT:
		*s = v->s;
		*len = v->len;
		return 0;
	case SFP_VALUE_BOOL:
		*s = v->b ? "true" : "false";
		*len = strlen(*s);
		return 0;
	case SFP_VALUE_NUMBER: {
		char *d;
		if (v->numtext != NULL) {
			*s = v->numtext;
			*len = v->numlen;
			return 0;
		}
		n = sfp_number_format(v->num, nb, sizeof(nb));
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

/* Where a refusal from field.c happened in the booking, and which record. */
static enum sfp_status
locate(struct ctx *x, struct sfp_fail *f)
{
	if (f->status != SFP_E_ITEM)
		return f->status;
	if (x->where != NULL)
		(void)snprintf(f->place, sizeof(f->place), "%s", x->where);
	if (x->rec != NULL) {
		if (x->rec->has_each)
			(void)snprintf(f->ref, sizeof(f->ref), "%s_%d", x->rec->ref, x->index);
		else
			(void)snprintf(f->ref, sizeof(f->ref), "%s", x->rec->ref);
	}
	return SFP_E_ITEM;
}

static enum sfp_status
item_fail(struct ctx *x, struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum sfp_status
item_fail(struct ctx *x, struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)sfp_fail_vfield(f, code, field, fmt, ap);
	va_end(ap);
	return locate(x, f);
}

enum sfp_status
sfp_map_oom(struct sfp_fail *f)
{
	return sfp_fail_oom(f, NULL);
}

static enum sfp_status
new_str(struct ctx *x, struct sfp_value *v, const char *s, size_t n, struct sfp_fail *f)
{
	char *d = arena_alloc(&x->m->ar, n ? n : 1);

	if (d == NULL)
		return sfp_map_oom(f);
	memcpy(d, s, n);
	v->kind = SFP_VALUE_TEXT;
	v->s = d;
	v->len = n;
	v->numtext = NULL;
	return SFP_OK;
}

static enum sfp_status eval_expr(struct ctx *x, const struct expr *e, struct sfp_value *v,
    const char *field, struct sfp_fail *f);

static enum sfp_status
apply_filter(struct ctx *x, const struct filter *fl, struct sfp_value *v, const char *field,
    struct sfp_fail *f)
{
	const char *s;
	size_t n, i;

	switch (fl->k) {
	case FK_LOWER:
	case FK_UPPER:
	case FK_TRIM:
		if (v->kind == SFP_VALUE_MISSING)
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
			v->kind = SFP_VALUE_TEXT;
			v->s = s;
			v->len = n;
			v->numtext = NULL;
			return SFP_OK;
		} else {
			char *d = arena_alloc(&x->m->ar, n ? n : 1);
			if (d == NULL)
				return sfp_map_oom(f);
			for (i = 0; i < n; i++)
				d[i] = fl->k == FK_LOWER ? (char)tolower((unsigned char)s[i]) :
				    (char)toupper((unsigned char)s[i]);
			v->kind = SFP_VALUE_TEXT;
			v->s = d;
			v->len = n;
			v->numtext = NULL;
		}
		return SFP_OK;
	case FK_DEFAULT:
		if (v->kind != SFP_VALUE_MISSING && !(v->kind == SFP_VALUE_TEXT && v->len == 0))
			return SFP_OK;
		if (fl->arg_is_path) {
			const struct sfp_tz *z = v->zone;
			int tr = v->truncate;
			(void)eval_path(x, &fl->argpath, v);
			v->zone = z;
			v->truncate = tr;
		} else if (fl->arg_is_num) {
			v->kind = SFP_VALUE_NUMBER;
			v->num = strtod(fl->arg, NULL);
			v->numtext = fl->arg;
			v->numlen = fl->arglen;
		} else {
			v->kind = SFP_VALUE_TEXT;
			v->s = fl->arg;
			v->len = fl->arglen;
			v->numtext = NULL;
		}
		return SFP_OK;
	case FK_TRUNCATE:
		if (!fl->has_arg) {
			v->truncate = 1;
			return SFP_OK;
		}
		if (v->kind == SFP_VALUE_MISSING)
			return SFP_OK;
		if (val_text(x, v, &s, &n) != 0)
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
			    "truncate needs text, not a list or object");
		v->kind = SFP_VALUE_TEXT;
		v->s = s;
		v->len = sfp_utf8_cut(s, n, (size_t)fl->n);
		v->numtext = NULL;
		return SFP_OK;
	case FK_JOIN: {
		const cJSON *e;
		char *d;
		size_t total = 0, k = 0;
		int rc;
		if (v->kind != SFP_VALUE_LIST)
			return SFP_OK;
		if (!cJSON_IsArray(v->json))
			return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
			    "join needs a list, not an object");
		for (e = v->json->child; e != NULL; e = e->next) {
			struct sfp_value ev;
			sfp_value_from_json(&ev, e);
			if (ev.kind == SFP_VALUE_MISSING)
				continue;
			if ((rc = val_text(x, &ev, &s, &n)) != 0)
				return rc == -2 ? sfp_map_oom(f) :
				    item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
				    "join needs a list of strings or numbers");
			total += n + fl->arglen;
		}
		if ((d = arena_alloc(&x->m->ar, total + 1)) == NULL)
			return sfp_map_oom(f);
		for (e = v->json->child; e != NULL; e = e->next) {
			struct sfp_value ev;
			sfp_value_from_json(&ev, e);
			if (ev.kind == SFP_VALUE_MISSING)
				continue;
			(void)val_text(x, &ev, &s, &n);
			if (k > 0) {
				memcpy(d + k, fl->arg, fl->arglen);
				k += fl->arglen;
			}
			memcpy(d + k, s, n);
			k += n;
		}
		v->kind = SFP_VALUE_TEXT;
		v->s = d;
		v->len = k;
		v->numtext = NULL;
		return SFP_OK;
	}
	case FK_LOOKUP: {
		const cJSON *hit = NULL, *e;
		const struct sfp_tz *z = v->zone;
		if (v->kind == SFP_VALUE_MISSING)
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
				v->kind = SFP_VALUE_MISSING;
				return SFP_OK;
			}
			return item_fail(x, f, "no-lookup-match", field,
			    "no entry for \"%.*s\" in lookup %s", (int)(n > 80 ? 80 : n), s,
			    fl->arg);
		}
		sfp_value_from_json(v, hit);
		v->zone = z;
		return SFP_OK;
	}
	case FK_TZ:
		if (fl->zone != NULL)
			v->zone = fl->zone;
		else {
			struct sfp_value zv;
			const char *w = x->where;
			(void)eval_path(x, &fl->argpath, &zv);
			if (zv.kind != SFP_VALUE_TEXT)
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
		if (v->kind == SFP_VALUE_MISSING)
			return SFP_OK;
		{
			char t[32];
			int tn = sfp_value_time(v, fl->k == FK_DATE ? SFP_WANT_DATE :
			    fl->k == FK_DATETIME ? SFP_WANT_DATETIME : SFP_WANT_TIME, field, t, f);
			if (tn < 0)
				return locate(x, f);
			return new_str(x, v, t, (size_t)tn, f);
		}
	}
	return SFP_OK;
}

static enum sfp_status
eval_expr(struct ctx *x, const struct expr *e, struct sfp_value *v, const char *field,
    struct sfp_fail *f)
{
	enum sfp_status st;
	size_t i;

	if (e->lit) {
		memset(v, 0, sizeof(*v));
		v->kind = SFP_VALUE_TEXT;
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
eval_spec(struct ctx *x, const struct vspec *vs, struct sfp_value *v, const char *field,
    struct sfp_fail *f)
{
	enum sfp_status st;
	size_t i, total = 0, k = 0;
	struct sfp_value pv;
	const char *s;
	size_t n;
	char *d;

	memset(v, 0, sizeof(*v));
	x->ref = 0;
	switch (vs->kind) {
	case VS_NONE:
		v->kind = SFP_VALUE_MISSING;
		break;
	case VS_LITERAL:
		sfp_value_from_json(v, vs->literal);
		break;
	case VS_REF:
		/* A reference to a record not made for this booking is missing. */
		v->kind = x->m->made[vs->ref] ? SFP_VALUE_TEXT : SFP_VALUE_MISSING;
		v->s = "";
		x->ref = vs->ref + 1;
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
			if (pv.kind == SFP_VALUE_MISSING) {
				v->kind = SFP_VALUE_MISSING;
				goto dflt;
			}
			if (val_text(x, &pv, &s, &n) != 0)
				return item_fail(x, f, "INVALID_TYPE_ON_FIELD_IN_RECORD", field,
				    "a list or object cannot go into text (use join)");
			total += n;
		}
		if ((d = arena_alloc(&x->m->ar, total + 1)) == NULL)
			return sfp_map_oom(f);
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
			if (pv.truncate)
				v->truncate = 1;
		}
		v->kind = SFP_VALUE_TEXT;
		v->s = d;
		v->len = k;
		break;
	}
dflt:
	if (v->kind == SFP_VALUE_MISSING && vs->dflt != NULL)
		return eval_spec(x, vs->dflt, v, field, f);
	return SFP_OK;
}

enum sfp_status
sfp_map_coerce(struct ctx *x, const struct fmap *fm, struct sfp_value *v, struct sfp_buf *out,
    struct sfp_fail *f)
{
	if (x->ref > 0) {
		const struct record *r = &x->m->r[x->ref - 1];
		buf_lit(out, "\"@{");
		sfp_buf_put(out, r->ref, strlen(r->ref));
		buf_lit(out, ".id}\"");
		return SFP_OK;
	}
	if (sfp_field_value(x->m->cat, &fm->fld, v, out, f) != SFP_OK)
		return locate(x, f);
	return SFP_OK;
}

/* Evaluate and render one field; *wrote is 0 when the value is missing. */
enum sfp_status
sfp_map_emit_field(struct ctx *x, const struct fmap *fm, int *wrote, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	enum sfp_status st;
	struct sfp_value v;

	*wrote = 0;
	if (fm->pre != NULL) {
		sfp_buf_put(out, fm->pre, fm->prelen);
		*wrote = 1;
		return SFP_OK;
	}
	x->where = NULL;
	if ((st = eval_spec(x, &fm->v, &v, fm->name, f)) != SFP_OK)
		return st;
	if (v.kind == SFP_VALUE_MISSING) {
		if (fm->v.required || fm->fld.required)
			return item_fail(x, f, "REQUIRED_FIELD_MISSING", fm->name,
			    "required field %s has no value", fm->name);
		return SFP_OK;
	}
	if ((st = sfp_map_coerce(x, fm, &v, out, f)) != SFP_OK)
		return st;
	*wrote = 1;
	return SFP_OK;
}

static int
cond_holds(struct ctx *x, const struct cond *c)
{
	struct sfp_value v;
	const cJSON *e;

	size_t k;

	if (c->k == CK_NONE)
		return 1;
	if (c->k == CK_NOT)
		return !cond_holds(x, &c->sub[0]);
	if (c->k == CK_ALL || c->k == CK_ANY) {
		for (k = 0; k < c->nsub; k++)
			if (cond_holds(x, &c->sub[k]) != (c->k == CK_ALL))
				return c->k != CK_ALL;
		return c->k == CK_ALL;
	}
	(void)eval_path(x, &c->path, &v);
	if (c->k == CK_PRESENT)
		return v.kind != SFP_VALUE_MISSING && !(v.kind == SFP_VALUE_TEXT && v.len == 0);
	if (c->k == CK_ABSENT)
		return v.kind == SFP_VALUE_MISSING || (v.kind == SFP_VALUE_TEXT && v.len == 0);
	for (e = c->values->child; e != NULL; e = e->next) {
		int eq = 0;
		if (cJSON_IsString(e) && v.kind == SFP_VALUE_TEXT)
			eq = strlen(e->valuestring) == v.len && memcmp(e->valuestring, v.s, v.len) == 0;
		else if (cJSON_IsNumber(e) && v.kind == SFP_VALUE_NUMBER)
			eq = e->valuedouble == v.num;
		else if (cJSON_IsBool(e) && v.kind == SFP_VALUE_BOOL)
			eq = cJSON_IsTrue(e) == v.b;
		else if (cJSON_IsNull(e))
			eq = v.kind == SFP_VALUE_MISSING;
		if (eq)
			return c->k != CK_NOT_EQUALS;
	}
	return c->k == CK_NOT_EQUALS;
}

/* The text of a picklist or checkbox value as the dependency bitmap is read
 * (sfp_catalog_dependent_valid), or NULL when v has none. */
static const char *
dependency_key(const struct sfp_value *v, char *buf, size_t n)
{
	if (v->kind == SFP_VALUE_BOOL)
		return v->b ? "true" : "false";
	if (v->kind != SFP_VALUE_TEXT || v->len == 0 || v->len >= n)
		return NULL;
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	return buf;
}

/* A restricted dependent picklist's value must be one its controlling field's
 * value allows: Salesforce refuses the pair otherwise
 * (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST).  The rule and its refusal are
 * field.c's (sfp_field_dependent); this only finds the record's two values. */
static enum sfp_status
check_dependents(struct ctx *x, const struct record *r, struct sfp_fail *f)
{
	char dbuf[256], cbuf[256];
	const char *dv, *cv;
	struct sfp_value v, cvv;
	enum sfp_status st;
	size_t i, k;

	for (i = 0; i < r->nf; i++) {
		const struct fmap *fm = &r->fields[i], *ctl = NULL;
		if (fm->fld.controller_name == NULL || !fm->fld.restricted)
			continue;
		for (k = 0; k < r->nf; k++)
			if (strcasecmp(r->fields[k].name, fm->fld.controller_name) == 0)
				ctl = &r->fields[k];
		cvv.kind = SFP_VALUE_MISSING;
		if (ctl != NULL && (st = eval_spec(x, &ctl->v, &cvv, ctl->name, f)) != SFP_OK)
			return st;
		cv = dependency_key(&cvv, cbuf, sizeof(cbuf));
		/* the dependent last, so a refusal's place is its value's path */
		if ((st = eval_spec(x, &fm->v, &v, fm->name, f)) != SFP_OK)
			return st;
		if ((dv = dependency_key(&v, dbuf, sizeof(dbuf))) == NULL)
			continue;
		if (sfp_field_dependent(x->m->cat, r->sobject, &fm->fld, dv, cv, f) != SFP_OK)
			return locate(x, f);
	}
	return SFP_OK;
}


static enum sfp_status emit_record(struct ctx *x, const struct record *r,
    enum sfp_plan_method method, const struct action *a, int *first, struct sfp_fail *f);

/* A reconciled record: the match field's value of each element that passes
 * "when" into "want", the constant fields once. */
static enum sfp_status
emit_reconcile(struct ctx *x, const struct record *r, const cJSON *list, int *first,
    struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	const cJSON *e;
	enum sfp_status st;
	size_t i, mark;
	int wrote, any = 0;

	if (!*first)
		sfp_buf_putc(out, ',');
	*first = 0;
	buf_lit(out, "{\"ref\":");
	sfp_buf_put_json_string(out, r->ref, strlen(r->ref));
	buf_lit(out, ",\"sobject\":");
	sfp_buf_put_json_string(out, r->sobject, strlen(r->sobject));
	buf_lit(out, ",\"method\":\"reconcile\"");
	sfp_buf_put(out, r->reconcile_rest, strlen(r->reconcile_rest));
	buf_lit(out, ",\"want\":[");
	x->index = 0;
	for (e = list ? list->child : NULL; e != NULL; e = e->next, x->index++) {
		x->item = e;
		if (!cond_holds(x, &r->when))
			continue;
		mark = out->len;
		if (any)
			sfp_buf_putc(out, ',');
		if ((st = sfp_map_emit_field(x, &r->fields[r->match_field], &wrote, f)) != SFP_OK)
			return st;
		if (!wrote)
			sfp_buf_truncate(out, mark);
		else
			any = 1;
	}
	x->item = NULL;
	buf_lit(out, "],\"fields\":{");
	any = 0;
	for (i = 0; i < r->nf; i++) {
		if ((int)i == r->match_field || r->fields[i].pre == NULL)
			continue;
		if (any++)
			sfp_buf_putc(out, ',');
		sfp_buf_put_json_string(out, r->fields[i].name, strlen(r->fields[i].name));
		sfp_buf_putc(out, ':');
		sfp_buf_put(out, r->fields[i].pre, r->fields[i].prelen);
	}
	buf_lit(out, "}}");
	return SFP_OK;
}

enum sfp_status
sfp_map_emit_key(struct ctx *x, const struct record *r, const char *member, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	enum sfp_status st;
	int wrote;

	sfp_buf_put(out, member, strlen(member));
	buf_lit(out, "{\"field\":");
	sfp_buf_put_json_string(out, r->upsert.name, strlen(r->upsert.name));
	buf_lit(out, ",\"value\":");
	if ((st = sfp_map_emit_field(x, &r->upsert, &wrote, f)) != SFP_OK)
		return st;
	if (!wrote)
		return item_fail(x, f, "REQUIRED_FIELD_MISSING", r->upsert.name,
		    "the upsert key %s has no value", r->upsert.name);
	return SFP_OK;
}

/* What r does to the booking in state (NULL: the mapping has no state path),
 * or -1 when its "on" names neither the state nor "*". */
static const struct action *
action_for(const struct record *r, const char *state, size_t len)
{
	const struct action *any = NULL;
	size_t k;

	for (k = 0; k < r->non; k++) {
		if (state != NULL && strlen(r->on[k].state) == len &&
		    memcmp(r->on[k].state, state, len) == 0)
			return &r->on[k];
		if (strcmp(r->on[k].state, "*") == 0)
			any = &r->on[k];
	}
	return any;
}

enum sfp_status
sfp_map_emit_fields(struct ctx *x, const struct fmap *fields, size_t nf, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	enum sfp_status st;
	size_t i, mark;
	int wrote, any = 0;

	buf_lit(out, ",\"fields\":{");
	for (i = 0; i < nf; i++) {
		mark = out->len;
		if (any)
			sfp_buf_putc(out, ',');
		sfp_buf_put_json_string(out, fields[i].name, strlen(fields[i].name));
		sfp_buf_putc(out, ':');
		if ((st = sfp_map_emit_field(x, &fields[i], &wrote, f)) != SFP_OK)
			return st;
		if (!wrote)
			sfp_buf_truncate(out, mark);
		else
			any = 1;
	}
	sfp_buf_putc(out, '}');
	return SFP_OK;
}

static enum sfp_status
emit_record(struct ctx *x, const struct record *r, enum sfp_plan_method method,
    const struct action *a, int *first, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	const struct fmap *fields = a != NULL && a->has_fields ? a->fields : r->fields;
	size_t nf = a != NULL && a->has_fields ? a->nf : r->nf;
	enum sfp_status st;
	char nb[16];

	if (!*first)
		sfp_buf_putc(out, ',');
	*first = 0;
	buf_lit(out, "{\"ref\":\"");
	sfp_buf_put(out, r->ref, strlen(r->ref));
	if (r->has_each) {
		int n = snprintf(nb, sizeof(nb), "_%d", x->index);
		sfp_buf_put(out, nb, (size_t)n);
	}
	buf_lit(out, "\",\"sobject\":");
	sfp_buf_put_json_string(out, r->sobject, strlen(r->sobject));
	if (r->non > 0 || method > SFP_PLAN_UPSERT) {
		buf_lit(out, ",\"method\":");
		sfp_buf_put_json_string(out, sfp_plan_method_name(method),
		    strlen(sfp_plan_method_name(method)));
	}
	if (method == SFP_PLAN_NONE) {
		buf_lit(out, "}");
		return SFP_OK;
	}
	if (r->has_upsert && method != SFP_PLAN_CREATE) {
		if ((st = sfp_map_emit_key(x, r, method == SFP_PLAN_UPSERT ? ",\"upsert\":" : ",\"key\":",
		    f)) != SFP_OK)
			return st;
		sfp_buf_putc(out, '}');
	}
	if (method == SFP_PLAN_DELETE) {
		buf_lit(out, "}");
		return SFP_OK;
	}
	if (r->has_find && method <= SFP_PLAN_UPSERT && (st = sfp_map_emit_find(x, r, f)) != SFP_OK)
		return st;
	if ((st = sfp_map_emit_fields(x, fields, nf, f)) != SFP_OK)
		return st;
	sfp_buf_putc(out, '}');
	return check_dependents(x, r, f);
}

/* ,"version":{"sobject","key":{"field","value"},"field","value"}: a number as
 * it is, a time as seconds since 1970. */
static enum sfp_status
emit_version(struct ctx *x, struct sfp_fail *f)
{
	struct sfp_mapping *m = x->m;
	const struct record *r = &m->r[m->version_rec];
	struct sfp_buf *out = &m->out;
	struct sfp_value v;
	enum sfp_status st;
	double ver;
	char nb[64];
	int n;

	x->where = m->version.text;
	(void)eval_path(x, &m->version, &v);
	if (v.kind == SFP_VALUE_NUMBER) {
		ver = v.num;
	} else if (v.kind == SFP_VALUE_TEXT) {
		char tb[64];
		int64_t t;
		const char *why;

		if (v.len >= sizeof(tb))
			return item_fail(x, f, "bad-version", NULL, "the version is not a number or a time");
		memcpy(tb, v.s, v.len);
		tb[v.len] = '\0';
		if (sfp_time_instant(tb, NULL, &t, &why) != 0)
			return item_fail(x, f, "bad-version", NULL, "the version is not a number or a time: "
			    "%s", why);
		ver = (double)t;
	} else {
		return item_fail(x, f, "missing-version", NULL, "the booking has no version at %s",
		    m->version.text);
	}
	x->rec = r;
	buf_lit(out, ",\"version\":{\"sobject\":");
	sfp_buf_put_json_string(out, r->sobject, strlen(r->sobject));
	if ((st = sfp_map_emit_key(x, r, ",\"key\":", f)) != SFP_OK)
		return st;
	buf_lit(out, "},\"field\":");
	sfp_buf_put_json_string(out, m->version_field, strlen(m->version_field));
	n = sfp_number_format(ver, nb, sizeof(nb));
	buf_lit(out, ",\"value\":");
	sfp_buf_put(out, nb, (size_t)n);
	sfp_buf_putc(out, '}');
	x->rec = NULL;
	return SFP_OK;
}

const cJSON *
sfp_mapping_booking_id(const struct sfp_mapping *m, const cJSON *booking)
{
	const cJSON *id = sfp_map_walk(&m->id, booking);

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
	struct sfp_buf *out = &m->out;
	enum sfp_status st;
	const cJSON *id;
	struct ctx x;
	size_t i, state_len = 0;
	const char *state = NULL;
	int first = 1;

	memset(&x, 0, sizeof(x));
	x.m = m;
	x.root = booking;
	sfp_buf_reset(out);
	sfp_map_arena_reset(&m->ar);
	memset(m->made, 0, m->nr);
	if (!cJSON_IsObject(booking))
		return item_fail(&x, f, "bad-booking", NULL, "a booking must be a JSON object");
	x.where = m->id.text;
	if ((id = sfp_mapping_booking_id(m, booking)) == NULL)
		return item_fail(&x, f, "missing-id", NULL,
		    "the booking has no id (a string or number) at %s", m->id.text);
	buf_lit(out, "{\"id\":");
	if (cJSON_IsString(id))
		sfp_buf_put_json_string(out, id->valuestring, strlen(id->valuestring));
	else {
		char nb[64];
		int n = sfp_number_format(id->valuedouble, nb, sizeof(nb));
		sfp_buf_put(out, nb, (size_t)n);
	}
	if (m->state.text != NULL) {
		struct sfp_value sv;

		x.where = m->state.text;
		(void)eval_path(&x, &m->state, &sv);
		if (sv.kind == SFP_VALUE_TEXT) {
			state = sv.s;
			state_len = sv.len;
		}
	}
	if (m->version_field != NULL && (st = emit_version(&x, f)) != SFP_OK)
		return st;
	buf_lit(out, ",\"records\":[");
	for (i = 0; i < m->nr; i++) {
		const struct record *r = &m->r[i];
		const struct action *a = NULL;
		enum sfp_plan_method method = r->has_upsert ? SFP_PLAN_UPSERT : SFP_PLAN_CREATE;

		x.rec = r;
		x.item = NULL;
		x.index = 0;
		x.where = NULL;
		if (r->non > 0) {
			if ((a = action_for(r, state, state_len)) == NULL) {
				x.where = m->state.text;
				return item_fail(&x, f, "unknown-state", NULL, "record %s has no action for "
				    "state \"%.*s\" (add it, or \"*\", to \"on\")", r->ref,
				    state ? (int)(state_len > 64 ? 64 : state_len) : 6,
				    state ? state : "(none)");
			}
			method = a->method;
		} else if (r->reconcile_parent >= 0) {
			method = SFP_PLAN_RECONCILE;
		}
		if (method == SFP_PLAN_RECONCILE) {
			/* the parent must be written by its key in this state, else its
			 * children are left alone (deleted with it, or not there) */
			const struct record *pr = &m->r[r->reconcile_parent];
			const struct action *pa = pr->non > 0 ? action_for(pr, state, state_len) : NULL;
			enum sfp_plan_method pm = pa ? pa->method : SFP_PLAN_UPSERT;
			struct sfp_value av;

			av.json = NULL;
			(void)eval_path(&x, &r->each, &av);
			if (av.kind != SFP_VALUE_MISSING && (av.kind != SFP_VALUE_LIST ||
			    !cJSON_IsArray(av.json)))
				return item_fail(&x, f, "not-an-array", NULL, "\"each\" needs a list here");
			if (!m->made[r->reconcile_parent] || (pm != SFP_PLAN_UPSERT &&
			    pm != SFP_PLAN_UPDATE))
				st = emit_record(&x, r, SFP_PLAN_NONE, NULL, &first, f);
			else
				st = emit_reconcile(&x, r, av.kind == SFP_VALUE_MISSING ? NULL : av.json,
				    &first, f);
			if (st != SFP_OK)
				return st;
			continue;
		}
		if (r->has_each) {
			struct sfp_value av;
			const cJSON *e;
			(void)eval_path(&x, &r->each, &av);
			if (av.kind == SFP_VALUE_MISSING)
				continue;
			if (av.kind != SFP_VALUE_LIST || !cJSON_IsArray(av.json))
				return item_fail(&x, f, "not-an-array", NULL,
				    "\"each\" needs a list here");
			for (e = av.json->child; e != NULL; e = e->next, x.index++) {
				x.item = e;
				if (!cond_holds(&x, &r->when))
					continue;
				if ((st = emit_record(&x, r, method, a, &first, f)) != SFP_OK)
					return st;
			}
			m->made[i] = method < SFP_PLAN_DELETE;
			continue;
		}
		if (!cond_holds(&x, &r->when))
			continue;
		if ((st = emit_record(&x, r, method, a, &first, f)) != SFP_OK)
			return st;
		/* only a record written has an id to refer to */
		m->made[i] = method < SFP_PLAN_DELETE;
	}
	if (first) {
		x.where = m->state.text;
		return item_fail(&x, f, "nothing-to-do", NULL, "no record applies to this booking");
	}
	buf_lit(out, "]}\n");
	if (out->oom)
		return sfp_map_oom(f);
	*line = out->p;
	*len = out->len;
	return SFP_OK;
}