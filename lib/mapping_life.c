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

/* "account": {"upsert": key, "fields": {...}}: the Contact to make under the
 * Account whose Website is the email's domain, when no person matched. */
static void
compile_account(struct comp *c, struct record *r, const char *fp, const cJSON *j, int recidx)
{
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(j, "upsert");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	const cJSON *acc = sfp_catalog_sobject(c->m->cat, "Account");
	const cJSON *con = sfp_catalog_sobject(c->m->cat, "Contact"), *e;
	struct record *a;
	struct sfp_field fld;
	char *ap = sfp_map_printf(c, "%s.account", fp);

	if (ap == NULL || (a = r->account = calloc(1, sizeof(*a))) == NULL) {
		c->oom = 1;
		free(ap);
		return;
	}
	a->reconcile_parent = -1;
	a->place = ap;
	if (!cJSON_IsObject(j) || !cJSON_IsObject(fields)) {
		sfp_map_problem(c, ap, "\"account\" is {\"upsert\": {\"field\", \"value\"}, \"fields\": "
		    "{...}}: the Contact made under the Account of the email's domain");
		return;
	}
	for (e = j->child; e != NULL; e = e->next)
		if (strcmp(e->string, "upsert") && strcmp(e->string, "fields") &&
		    strcmp(e->string, "comment"))
			sfp_map_problem(c, ap, "unknown key \"%s\" (upsert, fields, comment)", e->string);
	if (acc == NULL || cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(acc, "queryable")) ||
	    !sfp_catalog_field(c->m->cat, "Account", "Website", &fld))
		sfp_map_problem(c, ap, "the integration user must be able to query Account.Website "
		    "(add Account to the describe catalog)");
	if (con == NULL || cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(con, "createable")) ||
	    !sfp_catalog_field(c->m->cat, "Contact", "AccountId", &fld) || !fld.createable) {
		sfp_map_problem(c, ap, "the integration user must be able to create Contacts with "
		    "AccountId (add Contact to the describe catalog)");
		return;
	}
	if ((a->sobject = sfp_map_strndup(c, "Contact", 7)) == NULL ||
	    (a->ref = sfp_map_strndup(c, r->ref, strlen(r->ref))) == NULL)
		return;
	if (up != NULL) {
		const cJSON *uf = cJSON_GetObjectItemCaseSensitive(up, "field");
		const cJSON *uv = cJSON_GetObjectItemCaseSensitive(up, "value");

		a->upsert.place = sfp_map_printf(c, "%s.upsert", ap);
		if (!cJSON_IsString(uf) || uv == NULL)
			sfp_map_problem(c, ap, "\"upsert\" is {\"field\": external id field, \"value\": value}");
		else if (sfp_map_compile_field(c, "Contact", uf->valuestring, uv, &a->upsert, recidx,
		    1) == 0)
			a->has_upsert = 1;
	}
	c->updated_on = a->has_upsert ? "upsert" : NULL;
	fp = sfp_map_printf(c, "%s.fields", ap);
	sfp_map_compile_fields(c, a, fp ? fp : ap, fields, recidx, &a->fields, &a->nf);
	free((char *)fp);
	c->updated_on = NULL;
	for (size_t k = 0; k < a->nf; k++)
		if (a->fields[k].v.kind == VS_REF)
			sfp_map_problem(c, a->fields[k].place, "the Contact's fields take no references");
	/* every field required on create but AccountId, which sf-create fills */
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(con, "fields")) {
		const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
		size_t k;
		int have = a->has_upsert && nm != NULL && strcasecmp(a->upsert.name, nm) == 0;

		if (nm == NULL)
			continue;
		for (k = 0; k < a->nf; k++) {
			have |= strcasecmp(a->fields[k].name, nm) == 0;
			if (strcasecmp(nm, "AccountId") == 0 && strcasecmp(a->fields[k].name, nm) == 0)
				sfp_map_problem(c, a->fields[k].place, "sf-create fills AccountId with the "
				    "Account found");
		}
		if (!have && strcasecmp(nm, "AccountId") != 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "required")))
			sfp_map_problem(c, ap, "required field Contact.%s is not filled", nm);
	}
}

/* One "in": {"sobject", "field", "value"?} into fi. */
static void
compile_in(struct comp *c, struct find_in *fi, const char *fp, size_t k, const cJSON *e,
    int recidx)
{
	const cJSON *so = cJSON_GetObjectItemCaseSensitive(e, "sobject");
	const cJSON *fl = cJSON_GetObjectItemCaseSensitive(e, "field");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value"), *x;
	const cJSON *sol = cJSON_IsString(so) ? sfp_catalog_sobject(c->m->cat, so->valuestring) : NULL;
	struct sfp_field fld;

	for (x = cJSON_IsObject(e) ? e->child : NULL; x != NULL; x = x->next)
		if (strcmp(x->string, "sobject") && strcmp(x->string, "field") && strcmp(x->string, "value"))
			sfp_map_problem(c, fp, "in[%zu]: unknown key \"%s\" (sobject, field, value)", k,
			    x->string);
	if (sol == NULL || !cJSON_IsString(fl) ||
	    !sfp_catalog_field(c->m->cat, so->valuestring, fl->valuestring, &fld)) {
		sfp_map_problem(c, fp, "in[%zu]: an sObject of the describe catalog and a field of "
		    "it the integration user can see", k);
		return;
	}
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sol, "queryable"))) {
		sfp_map_problem(c, fp, "in[%zu]: the integration user cannot query %s", k,
		    so->valuestring);
		return;
	}
	fi->sobject = sfp_map_strndup(c, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sol,
	    "name")), strlen(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sol, "name"))));
	fi->field = sfp_map_strndup(c, fld.name, strlen(fld.name));
	if (v == NULL)
		return;
	fi->value.place = sfp_map_printf(c, "%s.in[%zu].value", fp, k);
	c->read_only = 1;
	if (sfp_map_compile_field(c, so->valuestring, fl->valuestring, v, &fi->value, recidx, 0) == 0)
		fi->has_value = 1;
	c->read_only = 0;
}

/* "find": {"value": template, "in": [{"sobject","field","value"?}...], "many",
 * "fill", "account"}. */
void
sfp_map_compile_find(struct comp *c, struct record *r, const char *place, const cJSON *j, int recidx)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "in"), *e;
	const cJSON *many = cJSON_GetObjectItemCaseSensitive(j, "many");
	const cJSON *fill = cJSON_GetObjectItemCaseSensitive(j, "fill");
	const cJSON *acc = cJSON_GetObjectItemCaseSensitive(j, "account");
	char *fp = sfp_map_printf(c, "%s.find", place);
	size_t k = 0;

	if (fp == NULL)
		return;
	if (!cJSON_IsObject(j) || v == NULL || !cJSON_IsArray(in) || cJSON_GetArraySize(in) < 1 ||
	    cJSON_GetArraySize(in) > 5) {
		sfp_map_problem(c, fp, "\"find\" is {\"value\": template, \"in\": [{\"sobject\", "
		    "\"field\", \"value\"}, ...] (1 to 5), \"many\": first|refuse|create, \"fill\": "
		    "[fields], \"account\": {...}}");
		goto out;
	}
	for (e = j->child; e != NULL; e = e->next)
		if (strcmp(e->string, "value") && strcmp(e->string, "in") && strcmp(e->string, "many") &&
		    strcmp(e->string, "fill") && strcmp(e->string, "account"))
			sfp_map_problem(c, fp, "unknown key \"%s\" (value, in, many, fill, account)",
			    e->string);
	if (many != NULL && !(cJSON_IsString(many) && (!strcmp(many->valuestring, "first") ||
	    !strcmp(many->valuestring, "refuse") || !strcmp(many->valuestring, "create"))))
		sfp_map_problem(c, fp, "\"many\" is first, refuse or create");
	if ((r->fin = calloc((size_t)cJSON_GetArraySize(in), sizeof(*r->fin))) == NULL) {
		c->oom = 1;
		goto out;
	}
	cJSON_ArrayForEach(e, in) {
		compile_in(c, &r->fin[k], fp, k, e, recidx);
		r->nfin = ++k;
	}
	/* the find's value is what the "in"s without a value of their own look for */
	for (k = 0; k < r->nfin && (r->fin[k].has_value || r->fin[k].sobject == NULL); k++)
		;
	r->find_value.place = sfp_map_printf(c, "%s.value", fp);
	c->read_only = 1;
	if (k == r->nfin)
		sfp_map_problem(c, fp, "at least one \"in\" looks for the find's \"value\" (has no "
		    "\"value\" of its own)");
	else if (sfp_map_compile_field(c, r->fin[k].sobject, r->fin[k].field, v, &r->find_value,
	    recidx, 0) == 0)
		r->has_find = 1;
	c->read_only = 0;
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
	if (many != NULL)
		r->find_rest = rest_json(c, "many", many, r->find_rest);
	if (cJSON_IsArray(fill))
		r->find_rest = rest_json(c, "fill", fill, r->find_rest);
	if (r->find_rest == NULL && !c->oom)
		r->find_rest = sfp_map_strndup(c, "", 0);
	if (acc != NULL)
		compile_account(c, r, fp, acc, recidx);
out:
	free(fp);
}

/* ,"in":[...] of the places to look, each with its own value if it has one
 * (dropped when that value is missing or cannot be the field's: a malformed
 * id matches nothing, so the next "in" is asked).  0 when none is left. */
static enum sfp_status
emit_ins(struct ctx *x, const struct record *r, size_t *n, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	size_t k, mark;
	int wrote;

	*n = 0;
	buf_lit(out, ",\"in\":[");
	for (k = 0; k < r->nfin; k++) {
		const struct find_in *fi = &r->fin[k];

		mark = out->len;
		if (*n > 0)
			sfp_buf_putc(out, ',');
		buf_lit(out, "{\"sobject\":");
		sfp_buf_put_json_string(out, fi->sobject, strlen(fi->sobject));
		buf_lit(out, ",\"field\":");
		sfp_buf_put_json_string(out, fi->field, strlen(fi->field));
		if (fi->has_value) {
			struct sfp_fail ignored;

			buf_lit(out, ",\"value\":");
			if (sfp_map_emit_field(x, &fi->value, &wrote, &ignored) != SFP_OK || !wrote) {
				if (out->oom)
					return sfp_map_oom(f);
				sfp_buf_truncate(out, mark);
				continue;
			}
		}
		sfp_buf_putc(out, '}');
		(*n)++;
	}
	sfp_buf_putc(out, ']');
	return SFP_OK;
}

enum sfp_status
sfp_map_emit_find(struct ctx *x, const struct record *r, struct sfp_fail *f)
{
	struct sfp_buf *out = &x->m->out;
	const struct record *a = r->account;
	size_t mark = out->len, n;
	enum sfp_status st;
	int wrote;

	buf_lit(out, ",\"find\":{\"value\":");
	if ((st = sfp_map_emit_field(x, &r->find_value, &wrote, f)) != SFP_OK)
		return st;
	if (!wrote || (st = emit_ins(x, r, &n, f)) != SFP_OK || n == 0) {
		sfp_buf_truncate(out, mark);   /* nothing to look for: created as planned */
		return st;
	}
	sfp_buf_put(out, r->find_rest, strlen(r->find_rest));
	if (a != NULL) {
		buf_lit(out, ",\"account\":{\"sobject\":\"Contact\",\"field\":\"AccountId\"");
		if (a->has_upsert) {
			if ((st = sfp_map_emit_key(x, a, ",\"upsert\":", f)) != SFP_OK)
				return st;
			sfp_buf_putc(out, '}');
		}
		if ((st = sfp_map_emit_fields(x, a->fields, a->nf, f)) != SFP_OK)
			return st;
		sfp_buf_putc(out, '}');
	}
	sfp_buf_putc(out, '}');
	return SFP_OK;
}

void
sfp_map_find_fini(struct record *r)
{
	struct record *a = r->account;
	size_t k;

	for (k = 0; k < r->nfin; k++) {
		free(r->fin[k].sobject);
		free(r->fin[k].field);
		sfp_map_fmap_fini(&r->fin[k].value);
	}
	free(r->fin);
	sfp_map_fmap_fini(&r->find_value);
	free(r->find_rest);
	if (a != NULL)
		sfp_map_record_fini(a);
	free(a);
}

/* Salesforce keeps an Event's StartDateTime, EndDateTime and DurationInMinutes
 * one interval: an update of the start alone keeps the stored duration and
 * moves the end, one of the end (or duration) alone keeps the stored start
 * (Event, DurationInMinutes and EndDateTime:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm).
 * A rescheduled booking whose length changed would end (or start) at the old
 * time, so a record that may be updated writes both or neither. */
void
sfp_map_check_event_times(struct comp *c, const struct record *r, const struct fmap *fields,
    size_t nf, const char *place)
{
	int start = 0, end = 0;
	size_t k;

	if (r->sobject == NULL || strcasecmp(r->sobject, "Event") != 0)
		return;
	for (k = 0; k < nf; k++) {
		start |= strcasecmp(fields[k].name, "StartDateTime") == 0 ||
		    strcasecmp(fields[k].name, "ActivityDateTime") == 0;
		end |= strcasecmp(fields[k].name, "EndDateTime") == 0 ||
		    strcasecmp(fields[k].name, "DurationInMinutes") == 0;
	}
	if (start && !end)
		sfp_map_problem(c, place, "the Event may be updated: write EndDateTime or "
		    "DurationInMinutes with StartDateTime, or Salesforce keeps the old duration");
	else if (end && !start)
		sfp_map_problem(c, place, "the Event may be updated: write StartDateTime with its "
		    "end or duration, or Salesforce keeps the old start");
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
