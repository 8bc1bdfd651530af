/* SPDX-License-Identifier: ISC */
/* mapping_compile: a mapping checked against the describe catalog into a program. */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mapping_int.h"

#define MAX_MAPPING_BYTES (4u * 1024u * 1024u)

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
			sfp_map_expr_fini(&v->p[i].e);
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
				sfp_map_problem(c, place, "default needs a value: default:'text'");
			break;
		case FK_TRUNCATE:
			if (fl->has_arg) {
				char *end;
				long n;
				errno = 0;
				n = fl->arg_is_num ? strtol(fl->arg, &end, 10) : -1;
				if (!fl->arg_is_num || errno != 0 || *end != '\0' || n < 1)
					sfp_map_problem(c, place, "truncate takes a positive number of characters");
				fl->n = n;
			} else if (fm != NULL && (fm->ty != SFP_FIELD_TEXT || fm->fld.length <= 0))
				sfp_map_problem(c, place, "truncate without a number needs a text field with a "
				    "length (%s is %s)", fm->name, fm->fld.type);
			break;
		case FK_JOIN:
			if (!fl->has_arg) {
				fl->arg = sfp_map_strndup(c, ", ", 2);
				fl->arglen = 2;
			} else if (fl->arg_is_path) {
				sfp_map_problem(c, place, "join takes a quoted separator: join:', '");
			}
			break;
		case FK_LOOKUP:
			fl->table = fl->has_arg && fl->arg_is_path && c->m->lookups ?
			    cJSON_GetObjectItemCaseSensitive(c->m->lookups, fl->arg) : NULL;
			if (!cJSON_IsObject(fl->table)) {
				sfp_map_problem(c, place, "lookup needs the name of a table in \"lookups\"%s%s",
				    fl->arg ? ": no table " : "", fl->arg ? fl->arg : "");
				fl->table = NULL;
			}
			for (k = i + 1; k < e->nf; k++)
				if (e->f[k].k == FK_DEFAULT)
					fl->miss_ok = 1;
			break;
		case FK_TZ:
			if (!fl->has_arg || fl->arg_is_num)
				sfp_map_problem(c, place, "tz needs a zone: tz:'Europe/Berlin' or tz:booking.path");
			else if (!fl->arg_is_path) {
				struct sfp_fail zf;
				if (sfp_tz_load(fl->arg, &fl->zone, &zf) != SFP_OK)
					sfp_map_problem(c, place, "%s", zf.message);
			}
			break;
		default:
			if (fl->has_arg)
				sfp_map_problem(c, place, "%s takes no argument", sfp_map_filters[fl->k]);
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


/* sf-describe --template fills each required field with {{ TODO }}: a path
 * that a booking would simply lack, so left alone it would fail every booking
 * later instead of the mapping now. */
static int
is_placeholder(const struct expr *e)
{
	return !e->lit && e->path.scope == SC_BOOKING && e->path.n == 1 &&
	    e->path.s[0].key != NULL && strcmp(e->path.s[0].key, "TODO") == 0;
}

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
					sfp_map_problem(c, place, "give one of \"template\" or \"value\"");
				t = e;
			} else if (strcmp(e->string, "default") == 0) {
				if ((v->dflt = calloc(1, sizeof(*v->dflt))) == NULL) {
					c->oom = 1;
					return;
				}
				p2 = sfp_map_printf(c, "%s.default", place);
				compile_spec(c, p2 ? p2 : place, e, v->dflt, fm, recidx);
				free(p2);
			} else if (strcmp(e->string, "required") == 0) {
				if (!cJSON_IsBool(e))
					sfp_map_problem(c, place, "\"required\" is true or false");
				v->required = cJSON_IsTrue(e);
			} else
				sfp_map_problem(c, place, "unknown key \"%s\" (template, value, default, required)",
				    e->string);
		}
		if (t == NULL) {
			sfp_map_problem(c, place, "a field object needs \"template\" or \"value\"");
			return;
		}
		if (strcmp(t->string, "value") == 0) {
			if (cJSON_IsObject(t) || cJSON_IsArray(t)) {
				sfp_map_problem(c, place, "\"value\" is a string, number, boolean or null");
				return;
			}
			if (cJSON_IsString(t) && sfp_text_has_reference(t->valuestring, strlen(t->valuestring)))
				sfp_map_problem(c, place, "\"@{\" is the plan's reference syntax; write a reference "
				    "as the whole value \"@{ref.id}\"");
			v->kind = VS_LITERAL;
			if ((v->literal = cJSON_Duplicate(t, 0)) == NULL)
				c->oom = 1;
			return;
		}
		if (!cJSON_IsString(t)) {
			sfp_map_problem(c, place, "\"template\" is a string");
			return;
		}
		j = t;
	}
	if (!cJSON_IsString(j)) {
		if (cJSON_IsArray(j)) {
			sfp_map_problem(c, place, "a value is a string, number, boolean, null or object");
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
		int r = sfp_map_find_ref(c, s + 2, len - 6);
		v->kind = VS_REF;
		v->ref = r;
		if (r < 0)
			sfp_map_problem(c, place, "reference to unknown record \"%.*s\"", (int)(len - 6), s + 2);
		else if (r >= recidx)
			sfp_map_problem(c, place, "record \"%.*s\" is used before it is defined (move it up)",
			    (int)(len - 6), s + 2);
		else if (c->m->r[r].has_each)
			sfp_map_problem(c, place, "record \"%.*s\" is made once per element of a list and "
			    "cannot be referred to", (int)(len - 6), s + 2);
		else if (fm != NULL && fm->ty != SFP_FIELD_ID)
			sfp_map_problem(c, place, "a reference goes into a lookup field; %s is %s", fm->name,
			    fm->fld.type);
		else if (fm != NULL && c->m->r[r].sobject != NULL) {
			const cJSON *e;
			int ok = 0;
			for (e = fm->fld.reference_to ? fm->fld.reference_to->child : NULL; e; e = e->next)
				if (cJSON_IsString(e) && strcasecmp(e->valuestring, c->m->r[r].sobject) == 0)
					ok = 1;
			if (!ok)
				sfp_map_problem(c, place, "%s cannot refer to %s records (record \"%s\")", fm->name,
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
			pt->text = sfp_map_strndup(c, s + at, end - at);
			pt->len = end - at;
			if (sfp_text_has_reference(s + at, end - at))
				sfp_map_problem(c, place, "\"@{\" is the plan's reference syntax; write a "
				    "reference as the whole value \"@{ref.id}\"");
			at = end;
			continue;
		}
		at += 2;
		{
			struct part *pt = &v->p[v->np++];
			pt->is_expr = 1;
			if (sfp_map_parse_expr(c, s, len, &at, &pt->e, &why) != 0) {
				sfp_map_problem(c, place, "template column %zu: %s", at + 1, why);
				return;
			}
			if (is_placeholder(&pt->e))
				sfp_map_problem(c, place, "{{ TODO }} is a placeholder left by sf-describe "
				    "--template: replace it with a template over the booking");
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

int
sfp_map_find_ref(struct comp *c, const char *s, size_t n)
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
	struct sfp_value v;
	struct record dummy;
	size_t mark;

	if (fm->v.kind != VS_LITERAL || fm->ty == SFP_FIELD_UNSUPPORTED)
		return;
	memset(&x, 0, sizeof(x));
	memset(&dummy, 0, sizeof(dummy));
	dummy.ref = (char *)"";
	x.m = m;
	x.rec = &dummy;
	sfp_value_from_json(&v, fm->v.literal);
	if (v.kind == SFP_VALUE_MISSING) {
		if (fm->fld.required)
			sfp_map_problem(c, fm->place, "%s is required and null leaves it empty", fm->name);
		return;
	}
	mark = m->out.len;
	if (sfp_map_coerce(&x, fm, &v, &m->out, &f) != SFP_OK) {
		/* "@{" in text was reported when the template was read */
		if (strcmp(f.code, "reference-in-data") != 0)
			sfp_map_problem(c, fm->place, "%s", f.message);
		sfp_buf_truncate(&m->out, mark);
		return;
	}
	if (m->out.oom) {
		c->oom = 1;
		return;
	}
	fm->pre = sfp_map_strndup(c, m->out.p + mark, m->out.len - mark);
	fm->prelen = m->out.len - mark;
	sfp_buf_truncate(&m->out, mark);
	sfp_map_arena_reset(&m->ar);
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
		struct sfp_value v;
		sfp_value_from_json(&v, t);
		if (v.kind == SFP_VALUE_MISSING || v.kind == SFP_VALUE_LIST)
			continue;
		mark = c->m->out.len;
		if (sfp_map_coerce(&x, fm, &v, &c->m->out, &f) != SFP_OK)
			sfp_map_problem(c, fm->place, "lookup %s entry \"%s\": %s", e->f[e->nf - 1].arg,
			    t->string, f.message);
		sfp_buf_truncate(&c->m->out, mark);
	}
	sfp_map_arena_reset(&c->m->ar);
}

int
sfp_map_compile_field(struct comp *c, const char *sobject, const char *fname, const cJSON *j,
    struct fmap *fm, int recidx, int for_upsert)
{
	if (!sfp_catalog_field(c->m->cat, sobject, fname, &fm->fld)) {
		sfp_map_problem(c, fm->place, "%s has no field %s the integration user can see", sobject,
		    fname);
		return -1;
	}
	if ((fm->name = sfp_map_strndup(c, fm->fld.name, strlen(fm->fld.name))) == NULL)
		return -1;
	fm->ty = sfp_field_kind(fm->fld.type);
	if (!fm->fld.createable && !c->update_only && !c->read_only)
		sfp_map_problem(c, fm->place, "%s.%s is not createable for the integration user", sobject,
		    fm->fld.name);
	/* A field Salesforce takes on create but not on update (Event.EventSubtype)
	 * works on the first send and fails every later one. */
	if (!for_upsert && c->update_only && !fm->fld.updateable)
		sfp_map_problem(c, fm->place, "%s.%s is not updateable for the integration user", sobject,
		    fm->fld.name);
	else if (!for_upsert && c->updated_on != NULL && fm->fld.createable && !fm->fld.updateable)
		sfp_map_problem(c, fm->place, "%s.%s can be created but not updated, and this record is "
		    "updated (%s)", sobject, fm->fld.name, c->updated_on);
	if (fm->ty == SFP_FIELD_UNSUPPORTED)
		sfp_map_problem(c, fm->place, "field type %s is not supported", fm->fld.type);
	if (for_upsert && !sfp_field_upsert_key(&fm->fld))
		sfp_map_problem(c, fm->place, "%s.%s is not an external id field (nor idLookup)", sobject,
		    fm->fld.name);
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
		sfp_map_problem(c, place, "\"when\" is an object: {\"path\":..,\"present\":true}, "
		    "{\"path\":..,\"equals\":..}, {\"all\":[..]}, {\"any\":[..]} or {\"not\":{..}}");
		return;
	}
	if (j->child != NULL && j->child->next == NULL &&
	    (strcmp(j->child->string, "all") == 0 || strcmp(j->child->string, "any") == 0 ||
	    strcmp(j->child->string, "not") == 0)) {
		const cJSON *list = j->child;
		int is_not = strcmp(list->string, "not") == 0;
		size_t k = 0;

		if (is_not ? !cJSON_IsObject(list) : (!cJSON_IsArray(list) ||
		    cJSON_GetArraySize(list) == 0)) {
			sfp_map_problem(c, place, is_not ? "\"not\" takes one test (an object)" :
			    "\"%s\" takes a non-empty list of tests", list->string);
			return;
		}
		cd->k = is_not ? CK_NOT : list->string[1] == 'l' ? CK_ALL : CK_ANY;
		cd->nsub = is_not ? 1 : (size_t)cJSON_GetArraySize(list);
		if ((cd->sub = calloc(cd->nsub, sizeof(*cd->sub))) == NULL) {
			c->oom = 1;
			return;
		}
		for (e = is_not ? list : list->child; e != NULL && k < cd->nsub; e = e->next, k++) {
			char *sp = is_not ? sfp_map_printf(c, "%s.not", place) :
			    sfp_map_printf(c, "%s.%s[%zu]", place, list->string, k);
			compile_cond(c, sp ? sp : place, e, &cd->sub[k]);
			free(sp);
		}
		return;
	}
	p = cJSON_GetObjectItemCaseSensitive(j, "path");
	if (!cJSON_IsString(p) || sfp_map_parse_path_str(c, p->valuestring, &cd->path, &why) != 0) {
		sfp_map_problem(c, place, "\"when\" needs a \"path\"%s%s", cJSON_IsString(p) ? ": " : "",
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
			sfp_map_problem(c, place, "unknown test \"%s\" (present: true|false, equals: value, "
			    "not_equals: value, in: [values]; or all, any, not)", e->string);
	}
	if (n != 1)
		sfp_map_problem(c, place, "\"when\" takes a path and exactly one test");
}

static void
cond_fini(struct cond *cd)
{
	size_t k;

	for (k = 0; k < cd->nsub; k++)
		cond_fini(&cd->sub[k]);
	free(cd->sub);
	sfp_map_path_fini(&cd->path);
	cJSON_Delete(cd->values);
}

void
sfp_map_fmap_fini(struct fmap *fm)
{
	free(fm->name);
	free(fm->place);
	free(fm->pre);
	vspec_fini(&fm->v);
}

/* The record's fields from the object j into out and n, at place; required
 * fields are checked by the caller. */
void
sfp_map_compile_fields(struct comp *c, const struct record *r, const char *place, const cJSON *j,
    int recidx, struct fmap **out, size_t *n)
{
	const cJSON *e;
	size_t nf = (size_t)cJSON_GetArraySize(j);

	if ((*out = calloc(nf ? nf : 1, sizeof(**out))) == NULL) {
		c->oom = 1;
		return;
	}
	for (e = j->child; e != NULL; e = e->next) {
		struct fmap *fm = &(*out)[*n];
		size_t k;
		if ((fm->place = sfp_map_printf(c, "%s.%s", place, e->string)) == NULL)
			return;
		for (k = 0; k < *n; k++)
			if (strcasecmp((*out)[k].name, e->string) == 0)
				sfp_map_problem(c, fm->place, "field %s is given twice", e->string);
		if (r->has_upsert && strcasecmp(r->upsert.name, e->string) == 0)
			sfp_map_problem(c, fm->place, "%s is the upsert key; give it only under \"upsert\"",
			    e->string);
		if (sfp_map_compile_field(c, r->sobject, e->string, e, fm, recidx, 0) == 0)
			(*n)++;
		else {
			free(fm->place);
			fm->place = NULL;
		}
	}
}

/* "on": {"<state>": "upsert" | {"method": "update", "fields": {...}}, ...}:
 * the methods now; an update's own fields after the record's (compile_on_fields). */
static void
compile_on(struct comp *c, struct record *r, const char *place, const cJSON *j)
{
	const cJSON *e;
	size_t k = 0;

	if (!cJSON_IsObject(j) || j->child == NULL) {
		sfp_map_problem(c, place, "\"on\" is an object of booking state: action");
		return;
	}
	if ((r->on = calloc((size_t)cJSON_GetArraySize(j), sizeof(*r->on))) == NULL) {
		c->oom = 1;
		return;
	}
	for (e = j->child; e != NULL; e = e->next, k++) {
		struct action *a = &r->on[k];
		const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "method") : e;
		const cJSON *x;
		char *sp = sfp_map_printf(c, "%s.%s", place, e->string);
		int mi;

		r->non = k + 1;
		a->state = sfp_map_strndup(c, e->string, strlen(e->string));
		for (mi = 0; mi <= SFP_PLAN_RECONCILE && !(cJSON_IsString(m) &&
		    strcmp(m->valuestring, sfp_plan_method_name((enum sfp_plan_method)mi)) == 0); mi++)
			;
		if (mi > SFP_PLAN_RECONCILE)
			sfp_map_problem(c, sp ? sp : place, "an action is create, upsert, update, delete, "
			    "none or reconcile, or {\"method\": \"update\", \"fields\": {...}}");
		a->method = mi > SFP_PLAN_RECONCILE ? SFP_PLAN_NONE : (enum sfp_plan_method)mi;
		if (a->method == SFP_PLAN_RECONCILE &&
		    !cJSON_GetObjectItemCaseSensitive(r->json, "reconcile"))
			sfp_map_problem(c, sp ? sp : place, "reconcile is the action of a record with "
			    "\"reconcile\"");
		for (x = cJSON_IsObject(e) ? e->child : NULL; x != NULL; x = x->next)
			if (strcmp(x->string, "method") != 0 && strcmp(x->string, "fields") != 0)
				sfp_map_problem(c, sp ? sp : place, "unknown key \"%s\" (method, fields)",
				    x->string);
		a->has_fields = cJSON_IsObject(e) && cJSON_GetObjectItemCaseSensitive(e, "fields");
		if (a->has_fields && a->method != SFP_PLAN_UPDATE)
			sfp_map_problem(c, sp ? sp : place, "only an update names its own fields");
		if (a->method > SFP_PLAN_CREATE && a->method < SFP_PLAN_NONE && !r->has_upsert)
			sfp_map_problem(c, sp ? sp : place, "an %s needs the record's key: give \"upsert\"",
			    sfp_plan_method_name(a->method));
		if (a->method == SFP_PLAN_DELETE && r->has_each)
			sfp_map_problem(c, sp ? sp : place, "a record made per element of a list has no key "
			    "to delete it by");
		free(sp);
	}
}

static void
compile_on_fields(struct comp *c, struct record *r, const char *place, const cJSON *j, int recidx)
{
	const cJSON *e;
	size_t k = 0;

	for (e = j->child; e != NULL && k < r->non; e = e->next, k++) {
		struct action *a = &r->on[k];
		char *sp;

		if (!a->has_fields)
			continue;
		sp = sfp_map_printf(c, "%s.%s.fields", place, e->string);
		c->updated_on = e->string;
		c->update_only = 1;
		sfp_map_compile_fields(c, r, sp ? sp : place, cJSON_GetObjectItemCaseSensitive(e, "fields"),
		    recidx, &a->fields, &a->nf);
		c->updated_on = NULL;
		c->update_only = 0;
		free(sp);
	}
}

/* The first state in which the record's own fields are written to a record
 * that may exist (upsert, or an update without fields of its own), or NULL. */
static const char *
updates_record_fields(const struct record *r)
{
	size_t k;

	if (r->non == 0)
		return r->has_upsert ? "upsert" : NULL;
	for (k = 0; k < r->non; k++)
		if (r->on[k].method == SFP_PLAN_UPSERT ||
		    (r->on[k].method == SFP_PLAN_UPDATE && !r->on[k].has_fields))
			return r->on[k].state;
	return NULL;
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
	r->place = sfp_map_strndup(c, place, strlen(place));
	c->in_each = 0;
	c->as = "item";
	if (!cJSON_IsObject(j)) {
		sfp_map_problem(c, place, "a record is an object with ref, sobject and fields");
		return;
	}
	for (e = j->child; e != NULL; e = e->next) {
		static const char *const keys[] = { "ref", "sobject", "fields", "upsert", "when",
			"each", "as", "on", "find", "reconcile", "comment", NULL };
		size_t k;
		for (k = 0; keys[k] != NULL && strcmp(keys[k], e->string) != 0; k++)
			;
		if (keys[k] == NULL)
			sfp_map_problem(c, place, "unknown key \"%s\" (ref, sobject, fields, upsert, when, each, "
			    "as, on, find, reconcile, comment)", e->string);
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "each");
	if (e != NULL) {
		const cJSON *as = cJSON_GetObjectItemCaseSensitive(j, "as");
		fp = sfp_map_printf(c, "%s.each", place);
		if (!cJSON_IsString(e) || sfp_map_parse_path_str(c, e->valuestring, &r->each, &why) != 0)
			sfp_map_problem(c, fp, "\"each\" is a path to a list in the booking%s%s",
			    cJSON_IsString(e) ? ": " : "", cJSON_IsString(e) ? why : "");
		else
			r->has_each = 1;
		free(fp);
		c->in_each = 1;
		if (as != NULL) {
			if (!cJSON_IsString(as) || !is_ident(as->valuestring, strlen(as->valuestring)) ||
			    strcmp(as->valuestring, "index") == 0)
				sfp_map_problem(c, place, "\"as\" is a name like \"attendee\"");
			else
				c->as = as->valuestring;
		}
	} else if (cJSON_GetObjectItemCaseSensitive(j, "as") != NULL)
		sfp_map_problem(c, place, "\"as\" only goes with \"each\"");
	e = cJSON_GetObjectItemCaseSensitive(j, "when");
	if (e != NULL) {
		fp = sfp_map_printf(c, "%s.when", place);
		compile_cond(c, fp ? fp : place, e, &r->when);
		free(fp);
	}
	so = cJSON_GetObjectItemCaseSensitive(j, "sobject");
	sol = cJSON_IsString(so) ? sfp_catalog_sobject(m->cat, so->valuestring) : NULL;
	if (!cJSON_IsString(so)) {
		sfp_map_problem(c, place, "a record needs \"sobject\"");
		return;
	}
	if (sol == NULL) {
		sfp_map_problem(c, place, "sObject %s is not in the describe catalog (run sf-describe %s)",
		    so->valuestring, so->valuestring);
		return;
	}
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(sol, "name");
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(sol, "createable");
		r->sobject = sfp_map_strndup(c, cJSON_IsString(nm) ? nm->valuestring : so->valuestring,
		    strlen(cJSON_IsString(nm) ? nm->valuestring : so->valuestring));
		if (cJSON_IsFalse(cr))
			sfp_map_problem(c, place, "the integration user cannot create %s records",
			    so->valuestring);
	}
	if (r->sobject == NULL)
		return;
	up = cJSON_GetObjectItemCaseSensitive(j, "upsert");
	if (up != NULL) {
		const cJSON *uf = cJSON_GetObjectItemCaseSensitive(up, "field");
		const cJSON *uv = cJSON_GetObjectItemCaseSensitive(up, "value");
		r->upsert.place = sfp_map_printf(c, "%s.upsert", place);
		if (!cJSON_IsObject(up) || !cJSON_IsString(uf) || uv == NULL)
			sfp_map_problem(c, r->upsert.place, "\"upsert\" is {\"field\": external id field, "
			    "\"value\": value}");
		else if (sfp_map_compile_field(c, r->sobject, uf->valuestring, uv, &r->upsert, (int)i, 1) == 0)
			r->has_upsert = 1;
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "on");
	r->json = j;
	if (e != NULL) {
		fp = sfp_map_printf(c, "%s.on", place);
		if (c->m->state.text == NULL)
			sfp_map_problem(c, fp ? fp : place, "\"on\" needs the mapping's \"state\": the path "
			    "of the booking's state");
		compile_on(c, r, fp ? fp : place, e);
		free(fp);
		if (r->non > 0 && updates_record_fields(r) != NULL && cJSON_IsFalse(
		    cJSON_GetObjectItemCaseSensitive(sol, "updateable")))
			sfp_map_problem(c, place, "the integration user cannot update %s records", r->sobject);
		for (nf = 0; nf < r->non; nf++)
			if (r->on[nf].method == SFP_PLAN_DELETE && cJSON_IsFalse(
			    cJSON_GetObjectItemCaseSensitive(sol, "deletable")))
				sfp_map_problem(c, place, "the integration user cannot delete %s records",
				    r->sobject);
	}
	fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	if (!cJSON_IsObject(fields)) {
		sfp_map_problem(c, place, "a record needs \"fields\" (an object of field: value)");
		return;
	}
	fp = sfp_map_printf(c, "%s.fields", place);
	c->updated_on = updates_record_fields(r);
	sfp_map_compile_fields(c, r, fp ? fp : place, fields, (int)i, &r->fields, &r->nf);
	c->updated_on = NULL;
	free(fp);
	if (e != NULL && r->on != NULL) {
		fp = sfp_map_printf(c, "%s.on", place);
		compile_on_fields(c, r, fp ? fp : place, e, (int)i);
		free(fp);
	}
	if (updates_record_fields(r) != NULL)
		sfp_map_check_event_times(c, r, r->fields, r->nf, place);
	for (nf = 0; nf < r->non; nf++)
		if (r->on[nf].has_fields)
			sfp_map_check_event_times(c, r, r->on[nf].fields, r->on[nf].nf, place);
	r->reconcile_parent = -1;
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "find")) != NULL)
		sfp_map_compile_find(c, r, place, e, (int)i);
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "reconcile")) != NULL) {
		sfp_map_compile_reconcile(c, r, place, e, (int)i);
		return;   /* its parent field is sf-create's to fill; no other required field */
	}
	/* A restricted dependent picklist set to a constant: its pair with a
	 * constant (or absent) controller is checked now, at --check;
	 * check_dependents (mapping_apply.c) does the others per booking. */
	for (size_t d = 0; d < r->nf; d++) {
		const struct fmap *fm = &r->fields[d], *ctl = NULL;
		const char *cv = NULL;
		size_t m2;
		if (fm->fld.controller_name == NULL || !fm->fld.restricted ||
		    fm->v.kind != VS_LITERAL || !cJSON_IsString(fm->v.literal))
			continue;
		for (m2 = 0; m2 < r->nf; m2++)
			if (strcasecmp(r->fields[m2].name, fm->fld.controller_name) == 0)
				ctl = &r->fields[m2];
		if (ctl != NULL && ctl->v.kind != VS_LITERAL)
			continue;
		if (ctl != NULL && cJSON_IsString(ctl->v.literal))
			cv = ctl->v.literal->valuestring;
		else if (ctl != NULL && cJSON_IsBool(ctl->v.literal))
			cv = cJSON_IsTrue(ctl->v.literal) ? "true" : "false";
		if (sfp_catalog_dependent_valid(c->m->cat, r->sobject, fm->name,
		    fm->v.literal->valuestring, cv) == 0)
			sfp_map_problem(c, fm->place, "\"%s\" of the dependent picklist %s is not valid "
			    "when %s is %s%s%s (salesforce refuses the pair)", fm->v.literal->valuestring,
			    fm->name, fm->fld.controller_name, cv ? "\"" : "", cv ? cv : "empty",
			    cv ? "\"" : "");
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
				sfp_map_problem(c, place, "required field %s.%s is not filled", r->sobject,
				    nm->valuestring);
		}
	}
}

void
sfp_map_record_fini(struct record *r)
{
	size_t i, k;

	for (i = 0; i < r->nf; i++)
		sfp_map_fmap_fini(&r->fields[i]);
	free(r->fields);
	for (k = 0; k < r->non; k++) {
		for (i = 0; i < r->on[k].nf; i++)
			sfp_map_fmap_fini(&r->on[k].fields[i]);
		free(r->on[k].fields);
		free(r->on[k].state);
	}
	free(r->on);
	sfp_map_fmap_fini(&r->upsert);
	sfp_map_find_fini(r);
	free(r->reconcile_rest);
	free(r->ref);
	free(r->sobject);
	free(r->place);
	sfp_map_path_fini(&r->each);
	cond_fini(&r->when);
}

void
sfp_mapping_free(struct sfp_mapping *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nr; i++)
		sfp_map_record_fini(&m->r[i]);
	free(m->r);
	sfp_map_path_fini(&m->id);
	sfp_map_path_fini(&m->state);
	sfp_map_path_fini(&m->version);
	free(m->version_field);
	cJSON_Delete(m->lookups);
	sfp_buf_fini(&m->out);
	sfp_map_arena_free(&m->ar);
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
		return sfp_map_oom(f);
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.probs = probs;
	c.as = "item";
	m->cat = cat;
	if (!cJSON_IsObject(json)) {
		sfp_map_problem(&c, "", "a mapping is a JSON object with \"records\"");
		goto done;
	}
	for (e = json->child; e != NULL; e = e->next)
		if (strcmp(e->string, "id") != 0 && strcmp(e->string, "records") != 0 &&
		    strcmp(e->string, "lookups") != 0 && strcmp(e->string, "comment") != 0 &&
		    strcmp(e->string, "state") != 0 && strcmp(e->string, "version") != 0)
			sfp_map_problem(&c, e->string, "unknown key (id, state, version, lookups, records, "
			    "comment)");
	e = cJSON_GetObjectItemCaseSensitive(json, "id");
	/* why is set only by a failed parse: a $variable parses but is no booking path */
	if (e != NULL && !cJSON_IsString(e))
		sfp_map_problem(&c, "id", "\"id\" is the path of the booking's id: not a string");
	else if (sfp_map_parse_path_str(&c, e != NULL ? e->valuestring : "id", &m->id, &why) != 0)
		sfp_map_problem(&c, "id", "\"id\" is the path of the booking's id: %s", why);
	else if (m->id.scope != SC_BOOKING)
		sfp_map_problem(&c, "id", "\"id\" is the path of the booking's id: not a $ variable");
	e = cJSON_GetObjectItemCaseSensitive(json, "state");
	if (e != NULL && (!cJSON_IsString(e) ||
	    sfp_map_parse_path_str(&c, e->valuestring, &m->state, &why) != 0 ||
	    m->state.scope != SC_BOOKING))
		sfp_map_problem(&c, "state", "\"state\" is the path of the booking's state");
	e = cJSON_GetObjectItemCaseSensitive(json, "lookups");
	if (e != NULL) {
		const cJSON *t, *v;
		if (!cJSON_IsObject(e))
			sfp_map_problem(&c, "lookups", "\"lookups\" is an object of tables");
		else if ((m->lookups = cJSON_Duplicate(e, 1)) == NULL)
			c.oom = 1;
		for (t = cJSON_IsObject(e) ? e->child : NULL; t != NULL; t = t->next) {
			char pl[128];
			(void)snprintf(pl, sizeof(pl), "lookups.%s", t->string);
			if (!cJSON_IsObject(t))
				sfp_map_problem(&c, pl, "a lookup table is an object of key: value");
			for (v = cJSON_IsObject(t) ? t->child : NULL; v != NULL; v = v->next)
				if (cJSON_IsObject(v) || cJSON_IsArray(v))
					sfp_map_problem(&c, pl, "entry \"%s\" must be a string, number or boolean",
					    v->string);
		}
	}
	recs = cJSON_GetObjectItemCaseSensitive(json, "records");
	if (!cJSON_IsArray(recs) || cJSON_GetArraySize(recs) == 0) {
		sfp_map_problem(&c, "records", "\"records\" is a non-empty list of records");
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
			sfp_map_problem(&c, pl, "\"ref\" is a name of letters, digits and _ (at most %d), "
			    "starting with a letter", REF_MAX);
			continue;
		}
		if (sfp_map_find_ref(&c, ref->valuestring, strlen(ref->valuestring)) >= 0)
			sfp_map_problem(&c, pl, "ref \"%s\" is used twice", ref->valuestring);
		else
			m->r[i].ref = sfp_map_strndup(&c, ref->valuestring, strlen(ref->valuestring));
	}
	for (i = 0, e = recs->child; e != NULL; e = e->next, i++)
		compile_record(&c, i, e);
	sfp_map_compile_version(&c, cJSON_GetObjectItemCaseSensitive(json, "version"));
done:
	if (c.oom) {
		sfp_mapping_free(m);
		return sfp_map_oom(f);
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