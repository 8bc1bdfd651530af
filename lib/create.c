/* SPDX-License-Identifier: ISC */
/* create: the operator form of sf-create: one record from Field=Value arguments. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "create.h"
#include "describe_fetch.h"
#include "field.h"
#include "plan.h"

/* ---- the operator form ---- */

/* Values are coerced by field.c's rules for typed text, those sf-map applies
 * to a string in a booking; without a catalog they stay strings. */
static enum sfp_status coerce(const struct sfp_catalog *cat, const char *sobject,
    const char *field, const char *val, cJSON **out, struct sfp_fail *f)
{
	if (!cat)
		return (*out = cJSON_CreateString(val)) ? SFP_OK : SFP_E_INTERNAL;
	return sfp_field_typed(cat, sobject, field, val, out, f);
}

/* The text a dependency bitmap is read by (sfp_field_dependent) of a coerced
 * value: a picklist's text, a checkbox's "true"/"false"; NULL when empty. */
static const char *dependency_key(const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring[0] ? v->valuestring : NULL;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return NULL;
}

/* The record's restricted dependent picklists against their controlling
 * fields' values, by field.c's rule, as sf-map checks a mapped record. */
static enum sfp_status check_dependents(const struct sfp_catalog *cat, const char *sobject,
    const cJSON *fields, struct sfp_fail *f)
{
	const cJSON *e, *ctl;
	struct sfp_field fd;

	cJSON_ArrayForEach(e, fields) {
		if (!sfp_catalog_field(cat, sobject, e->string, &fd) || fd.controller_name == NULL)
			continue;
		ctl = NULL;
		cJSON_ArrayForEach(ctl, fields)
			if (strcasecmp(ctl->string, fd.controller_name) == 0)
				break;
		if (sfp_field_dependent(cat, sobject, &fd, dependency_key(e),
		    ctl ? dependency_key(ctl) : NULL, f) != SFP_OK) {
			(void)snprintf(f->place, sizeof(f->place), "field %s", fd.name);
			return f->status = SFP_E_INPUT;
		}
	}
	return SFP_OK;
}

static enum sfp_status split_assign(const char *arg, char *name, size_t cap, const char **val,
    struct sfp_fail *f)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) >= cap)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL,
		    "%.64s: expected Field=Value", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (!sfp_plan_api_name_ok(name))
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "%.64s: not a field api name", name);
	*val = eq + 1;
	return SFP_OK;
}

enum sfp_status sfp_create_operator_plan(const struct sfp_catalog *cat, const char *sobject,
    const char *const *assign, size_t n, const char *upsert, cJSON **plan, struct sfp_fail *f)
{
	cJSON *p = cJSON_CreateObject(), *recs, *rec, *fields, *v;
	enum sfp_status st = SFP_E_INTERNAL;
	char name[96];
	const char *val;
	size_t i;

	*plan = NULL;
	if (!sfp_plan_api_name_ok(sobject)) {
		cJSON_Delete(p);
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "%.64s: not an sobject api name",
		    sobject);
	}
	if (!p || !cJSON_AddStringToObject(p, "id", sobject) ||
	    !(recs = cJSON_AddArrayToObject(p, "records")) || !(rec = cJSON_CreateObject()))
		goto fail;
	cJSON_AddItemToArray(recs, rec);
	if (!cJSON_AddStringToObject(rec, "ref", "record") ||
	    !cJSON_AddStringToObject(rec, "sobject", sobject))
		goto fail;
	if (upsert) {
		struct sfp_field fd;
		cJSON *u;

		if ((st = split_assign(upsert, name, sizeof name, &val, f)) != SFP_OK)
			goto fail;
		if (!*val) {
			st = sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "--upsert %s: empty value", name);
			goto fail;
		}
		if (cat && sfp_catalog_field(cat, sobject, name, &fd) && !sfp_field_upsert_key(&fd)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "NOT_FOUND", "--upsert",
			    "%s.%s is not an external id field (nor idLookup)", sobject, fd.name);
			goto fail;
		}
		if ((st = coerce(cat, sobject, name, val, &v, f)) != SFP_OK)
			goto fail;
		st = SFP_E_INTERNAL;
		if (!(u = cJSON_AddObjectToObject(rec, "upsert")) ||
		    !cJSON_AddStringToObject(u, "field", name)) {
			cJSON_Delete(v);
			goto fail;
		}
		cJSON_AddItemToObject(u, "value", v);
	}
	if (!(fields = cJSON_AddObjectToObject(rec, "fields")))
		goto fail;
	for (i = 0; i < n; i++) {
		if ((st = split_assign(assign[i], name, sizeof name, &val, f)) != SFP_OK)
			goto fail;
		if (cJSON_GetObjectItemCaseSensitive(fields, name)) {
			st = sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "field %s given twice", name);
			goto fail;
		}
		if ((st = coerce(cat, sobject, name, val, &v, f)) != SFP_OK)
			goto fail;
		cJSON_AddItemToObject(fields, name, v);
	}
	if (cat && (st = check_dependents(cat, sobject, fields, f)) != SFP_OK)
		goto fail;
	*plan = p;
	return SFP_OK;
fail:
	cJSON_Delete(p);
	if (st == SFP_E_INTERNAL)
		(void)sfp_fail_oom(f, NULL);
	return st;
}

enum sfp_status sfp_create_operator(struct sfp_sf *sf, const char *catalog_path,
    const char *sobject, const char *const *assign, size_t n, const char *upsert,
    struct sfp_writer *out, struct sfp_writer *rejects, const struct sfp_create_opts *o,
    struct sfp_create_stats *st, struct sfp_fail *f)
{
	struct sfp_catalog *cat = NULL;
	cJSON *plan = NULL;
	enum sfp_status rs;

	if (catalog_path) {
		if ((rs = sfp_catalog_load(catalog_path, &cat, f)) != SFP_OK)
			return rs;
	} else if (sf && !o->dry_run) {
		cJSON *desc = NULL, *line = NULL;
		struct sfp_cache_info info;

		if ((rs = sfp_sf_describe(sf, sobject, 0, &desc, &info, f)) != SFP_OK)
			return rs == SFP_E_ITEM ? SFP_E_INPUT : rs;
		rs = sfp_catalog_from_describe(desc, &line, f);
		cJSON_Delete(desc);
		if (rs != SFP_OK)
			return rs;
		if (!(cat = sfp_catalog_new())) {
			cJSON_Delete(line);
			return sfp_fail_oom(f, NULL);
		}
		if ((rs = sfp_catalog_add_take(cat, line, f)) != SFP_OK) {
			sfp_catalog_free(cat);
			return rs;
		}
	}
	rs = sfp_create_operator_plan(cat, sobject, assign, n, upsert, &plan, f);
	sfp_catalog_free(cat);
	if (rs != SFP_OK)
		return rs;
	return sfp_create_one_take(sf, plan, out, rejects, o, st, f);
}

