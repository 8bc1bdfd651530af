/* SPDX-License-Identifier: ISC */
/* mapping_life: the parts of a mapping for a booking's life: version, find, reconcile. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mapping_int.h"

/* The plan JSON of j (compact), appended after a comma as "key":j. */
static char *
rest_json(struct comp *c, const char *key, const cJSON *j, char *prev)
{
	char *t = cJSON_PrintUnformatted(j), *out;

	if (t == NULL) {
		c->oom = 1;
		free(prev);
		return NULL;
	}
	out = sfp_map_printf(c, "%s,\"%s\":%s", prev ? prev : "", key, t);
	free(t);
	free(prev);
	return out;
}

/* "find": {"value": template, "in": [{"sobject","field"}...], "many", "fill"}. */
void
sfp_map_compile_find(struct comp *c, struct record *r, const char *place, const cJSON *j, int recidx)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "in"), *e;
	const cJSON *many = cJSON_GetObjectItemCaseSensitive(j, "many");
	const cJSON *fill = cJSON_GetObjectItemCaseSensitive(j, "fill");
	char *fp = sfp_map_printf(c, "%s.find", place);
	cJSON *ins = cJSON_CreateArray();
	size_t k = 0;

	if (fp == NULL || ins == NULL) {
		c->oom = 1;
		goto out;
	}
	if (!cJSON_IsObject(j) || v == NULL || !cJSON_IsArray(in) || cJSON_GetArraySize(in) < 1 ||
	    cJSON_GetArraySize(in) > 5) {
		sfp_map_problem(c, fp, "\"find\" is {\"value\": template, \"in\": [{\"sobject\", "
		    "\"field\"}, ...] (1 to 5), \"many\": first|refuse|create, \"fill\": [fields]}");
		goto out;
	}
	for (e = j->child; e != NULL; e = e->next)
		if (strcmp(e->string, "value") && strcmp(e->string, "in") && strcmp(e->string, "many") &&
		    strcmp(e->string, "fill"))
			sfp_map_problem(c, fp, "unknown key \"%s\" (value, in, many, fill)", e->string);
	if (many != NULL && !(cJSON_IsString(many) && (!strcmp(many->valuestring, "first") ||
	    !strcmp(many->valuestring, "refuse") || !strcmp(many->valuestring, "create"))))
		sfp_map_problem(c, fp, "\"many\" is first, refuse or create");
	cJSON_ArrayForEach(e, in) {
		const cJSON *so = cJSON_GetObjectItemCaseSensitive(e, "sobject");
		const cJSON *fl = cJSON_GetObjectItemCaseSensitive(e, "field");
		const cJSON *sol = cJSON_IsString(so) ? sfp_catalog_sobject(c->m->cat, so->valuestring) : NULL;
		struct sfp_field fld;
		cJSON *o;

		if (sol == NULL || !cJSON_IsString(fl) ||
		    !sfp_catalog_field(c->m->cat, so->valuestring, fl->valuestring, &fld)) {
			sfp_map_problem(c, fp, "in[%zu]: an sObject of the describe catalog and a field of "
			    "it the integration user can see", k);
		} else if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sol, "queryable"))) {
			sfp_map_problem(c, fp, "in[%zu]: the integration user cannot query %s", k,
			    so->valuestring);
		} else if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddStringToObject(o, "sobject", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(sol, "name"))) ||
		    !cJSON_AddStringToObject(o, "field", fld.name) || !cJSON_AddItemToArray(ins, o)) {
			c->oom = 1;
		} else if (k == 0) {
			r->find_value.place = sfp_map_printf(c, "%s.value", fp);
			c->read_only = 1;
			if (sfp_map_compile_field(c, so->valuestring, fl->valuestring, v, &r->find_value, recidx,
			    0) == 0)
				r->has_find = 1;
			c->read_only = 0;
		}
		k++;
	}
	cJSON_ArrayForEach(e, fill) {
		size_t n;
		int have = 0;

		for (n = 0; n < r->nf; n++)
			have |= cJSON_IsString(e) && strcasecmp(r->fields[n].name, e->valuestring) == 0;
		if (!have)
			sfp_map_problem(c, fp, "\"fill\" names fields the record writes; %s is not one",
			    cJSON_IsString(e) ? e->valuestring : "(not a name)");
	}
	if (fill != NULL && !cJSON_IsArray(fill))
		sfp_map_problem(c, fp, "\"fill\" is a list of field names");
	r->find_rest = rest_json(c, "in", ins, NULL);
	if (many != NULL)
		r->find_rest = rest_json(c, "many", many, r->find_rest);
	if (cJSON_IsArray(fill))
		r->find_rest = rest_json(c, "fill", fill, r->find_rest);
out:
	cJSON_Delete(ins);
	free(fp);
}

/* "reconcile": {"parent": ref, "field": the child's field naming it, "match":
 * a field of the record}, with "each": the children the parent should have. */
void
sfp_map_compile_reconcile(struct comp *c, struct record *r, const char *place, const cJSON *j, int recidx)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "parent");
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(j, "field");
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "match");
	char *fp = sfp_map_printf(c, "%s.reconcile", place);
	struct sfp_field fld;
	cJSON *par;
	size_t k;

	if (fp == NULL)
		return;
	r->match_field = -1;
	if (!cJSON_IsObject(j) || !cJSON_IsString(p) || !cJSON_IsString(fl) || !cJSON_IsString(mt)) {
		sfp_map_problem(c, fp, "\"reconcile\" is {\"parent\": ref, \"field\": field naming the "
		    "parent, \"match\": field}");
		goto out;
	}
	if (!r->has_each)
		sfp_map_problem(c, fp, "a reconcile goes with \"each\": one child per element");
	if (r->has_upsert)
		sfp_map_problem(c, fp, "children are reconciled by their parent, not by an upsert key");
	if (strlen(r->ref) > 32)
		sfp_map_problem(c, fp, "a reconcile's ref is at most 32 characters");
	r->reconcile_parent = sfp_map_find_ref(c, p->valuestring, strlen(p->valuestring));
	if (r->reconcile_parent < 0 || r->reconcile_parent >= recidx ||
	    !c->m->r[r->reconcile_parent].has_upsert || c->m->r[r->reconcile_parent].has_each)
		sfp_map_problem(c, fp, "the parent is an earlier record with an \"upsert\" key, made "
		    "once per booking");
	if (!sfp_catalog_field(c->m->cat, r->sobject, fl->valuestring, &fld) ||
	    strcasecmp(fld.type, "reference") != 0 || !fld.createable)
		sfp_map_problem(c, fp, "%s.%s is not a lookup field the integration user can write",
		    r->sobject, fl->valuestring);
	for (k = 0; k < r->nf; k++) {
		if (strcasecmp(r->fields[k].name, mt->valuestring) == 0)
			r->match_field = (int)k;
		else if (strcasecmp(r->fields[k].name, fl->valuestring) == 0)
			sfp_map_problem(c, r->fields[k].place, "sf-create fills the parent field");
		else if (r->fields[k].pre == NULL)
			sfp_map_problem(c, r->fields[k].place, "a reconciled child's other fields are "
			    "constants (one value for every child)");
	}
	if (r->match_field < 0)
		sfp_map_problem(c, fp, "the record must write its match field %s", mt->valuestring);
	for (k = 0; k < r->non; k++)
		if (r->on[k].method != SFP_PLAN_RECONCILE && r->on[k].method != SFP_PLAN_NONE)
			sfp_map_problem(c, fp, "a reconciled record's actions are reconcile or none");
	if ((par = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddStringToObject(par, "ref", p->valuestring) ||
	    !cJSON_AddStringToObject(par, "field", fld.name ? fld.name : fl->valuestring)) {
		cJSON_Delete(par);
		c->oom = 1;
		goto out;
	}
	r->reconcile_rest = rest_json(c, "parent", par, NULL);
	cJSON_Delete(par);
	if (r->match_field >= 0) {
		cJSON *m = cJSON_CreateString(r->fields[r->match_field].name);
		r->reconcile_rest = rest_json(c, "match", m, r->reconcile_rest);
		cJSON_Delete(m);
	}
out:
	free(fp);
}

/* "version": {"path": booking path, "record": ref, "field": name}: the
 * booking's version (a number, or a time) and where the org keeps it. */
void
sfp_map_compile_version(struct comp *c, const cJSON *j)
{
	struct sfp_mapping *m = c->m;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "path");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "record");
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(j, "field");
	const struct record *rec;
	struct sfp_field fld;
	const char *why;
	size_t k;
	int have = 0;

	if (j == NULL)
		return;
	if (!cJSON_IsObject(j) || !cJSON_IsString(p) || !cJSON_IsString(r) || !cJSON_IsString(fl) ||
	    sfp_map_parse_path_str(c, p->valuestring, &m->version, &why) != 0 ||
	    m->version.scope != SC_BOOKING) {
		sfp_map_problem(c, "version", "\"version\" is {\"path\": booking path, \"record\": "
		    "ref, \"field\": field that keeps it}");
		return;
	}
	m->version_rec = sfp_map_find_ref(c, r->valuestring, strlen(r->valuestring));
	rec = m->version_rec >= 0 ? &m->r[m->version_rec] : NULL;
	if (rec == NULL || rec->sobject == NULL || !rec->has_upsert || rec->has_each) {
		sfp_map_problem(c, "version.record", "the version is kept on a record with an "
		    "\"upsert\" key, made once per booking");
		return;
	}
	if (!sfp_catalog_field(m->cat, rec->sobject, fl->valuestring, &fld)) {
		sfp_map_problem(c, "version.field", "%s has no field %s the integration user can see",
		    rec->sobject, fl->valuestring);
		return;
	}
	for (k = 0; k < rec->nf; k++)
		have |= strcasecmp(rec->fields[k].name, fld.name) == 0;
	if (!have)
		sfp_map_problem(c, "version.field", "record %s must write %s, or the org never learns "
		    "the version", rec->ref, fld.name);
	m->version_field = sfp_map_strndup(c, fld.name, strlen(fld.name));
}
