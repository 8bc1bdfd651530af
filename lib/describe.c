/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <errno.h>

#include <sodium.h>

#include "describe.h"
#include "stream.h"

struct sfp_catalog {
	cJSON **lines;
	size_t n, cap;
};

static int
jbool(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static long
jlong(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	/* Out of long's range the conversion is undefined: such a length or
	 * precision is no real describe's, and reads as 0. */
	return cJSON_IsNumber(v) && v->valuedouble > -1e15 && v->valuedouble < 1e15 ?
	    (long)v->valuedouble : 0;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Add a copy of key's string (or null) to dst. */
static int
copy_str_or_null(cJSON *dst, const char *key, const char *val)
{
	return (val != NULL ? cJSON_AddStringToObject(dst, key, val)
	    : cJSON_AddNullToObject(dst, key)) != NULL;
}

static cJSON *
field_entry(const cJSON *raw)
{
	const cJSON *pv, *ref;
	cJSON *e, *pl, *refs, *item;
	int createable, nillable, defaulted;

	if ((e = cJSON_CreateObject()) == NULL)
		return NULL;
	createable = jbool(raw, "createable");
	nillable = jbool(raw, "nillable");
	defaulted = jbool(raw, "defaultedOnCreate");
	if (!copy_str_or_null(e, "name", jstr(raw, "name")) ||
	    !copy_str_or_null(e, "label", jstr(raw, "label")) ||
	    !copy_str_or_null(e, "type", jstr(raw, "type")) ||
	    !cJSON_AddNumberToObject(e, "length", (double)jlong(raw, "length")) ||
	    !cJSON_AddNumberToObject(e, "precision", (double)jlong(raw, "precision")) ||
	    !cJSON_AddNumberToObject(e, "scale", (double)jlong(raw, "scale")) ||
	    !cJSON_AddNumberToObject(e, "digits", (double)jlong(raw, "digits")) ||
	    !cJSON_AddBoolToObject(e, "createable", createable) ||
	    !cJSON_AddBoolToObject(e, "updateable", jbool(raw, "updateable")) ||
	    !cJSON_AddBoolToObject(e, "nillable", nillable) ||
	    !cJSON_AddBoolToObject(e, "defaultedOnCreate", defaulted) ||
	    /* what a create must give: the field is createable, cannot be null and
	     * gets no default (describe's nillable and defaultedOnCreate) */
	    !cJSON_AddBoolToObject(e, "required", createable && !nillable && !defaulted) ||
	    !cJSON_AddBoolToObject(e, "externalId", jbool(raw, "externalId")) ||
	    !cJSON_AddBoolToObject(e, "unique", jbool(raw, "unique")) ||
	    !cJSON_AddBoolToObject(e, "idLookup", jbool(raw, "idLookup")) ||
	    !cJSON_AddBoolToObject(e, "restricted", jbool(raw, "restrictedPicklist")) ||
	    (refs = cJSON_AddArrayToObject(e, "referenceTo")) == NULL)
		goto oom;
	cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(raw, "referenceTo")) {
		if (cJSON_IsString(ref) &&
		    !cJSON_AddItemToArray(refs, cJSON_CreateString(ref->valuestring)))
			goto oom;
	}
	if (!copy_str_or_null(e, "relationshipName", jstr(raw, "relationshipName")) ||
	    !copy_str_or_null(e, "controllerName", jstr(raw, "controllerName")) ||
	    !cJSON_AddBoolToObject(e, "dependentPicklist", jbool(raw, "dependentPicklist")) ||
	    (pl = cJSON_AddArrayToObject(e, "picklist")) == NULL)
		goto oom;
	cJSON_ArrayForEach(pv, cJSON_GetObjectItemCaseSensitive(raw, "picklistValues")) {
		if ((item = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(pl, item))
			goto oom_item;
		if (!copy_str_or_null(item, "value", jstr(pv, "value")) ||
		    !copy_str_or_null(item, "label", jstr(pv, "label")) ||
		    !cJSON_AddBoolToObject(item, "active", jbool(pv, "active")) ||
		    !cJSON_AddBoolToObject(item, "default", jbool(pv, "defaultValue")) ||
		    !copy_str_or_null(item, "validFor", jstr(pv, "validFor")))
			goto oom;
	}
	return e;
oom_item:
	cJSON_Delete(item);
oom:
	cJSON_Delete(e);
	return NULL;
}

enum sfp_status
sfp_catalog_from_describe(const cJSON *d, cJSON **out, struct sfp_fail *f)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(d, "fields"), *raw;
	const char *name = jstr(d, "name");
	cJSON *line, *arr, *e;

	*out = NULL;
	if (name == NULL || !cJSON_IsArray(fields))
		return sfp_fail_set(f, SFP_E_INPUT, "bad-describe", name,
		    "describe has no name or no fields");
	if ((line = cJSON_CreateObject()) == NULL)
		goto oom;
	if (!copy_str_or_null(line, "name", name) ||
	    !copy_str_or_null(line, "label", jstr(d, "label")) ||
	    !copy_str_or_null(line, "keyPrefix", jstr(d, "keyPrefix")) ||
	    !cJSON_AddBoolToObject(line, "custom", jbool(d, "custom")) ||
	    !cJSON_AddBoolToObject(line, "createable", jbool(d, "createable")) ||
	    !cJSON_AddBoolToObject(line, "updateable", jbool(d, "updateable")) ||
	    !cJSON_AddBoolToObject(line, "queryable", jbool(d, "queryable")) ||
	    (arr = cJSON_AddArrayToObject(line, "fields")) == NULL)
		goto oom;
	cJSON_ArrayForEach(raw, fields) {
		if (jstr(raw, "name") == NULL)
			continue;
		if ((e = field_entry(raw)) == NULL || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			goto oom;
		}
	}
	*out = line;
	return SFP_OK;
oom:
	cJSON_Delete(line);
	return sfp_fail_oom(f, name);
}

struct sfp_catalog *
sfp_catalog_new(void)
{
	return calloc(1, sizeof(struct sfp_catalog));
}

void
sfp_catalog_free(struct sfp_catalog *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		cJSON_Delete(c->lines[i]);
	free(c->lines);
	free(c);
}

/* A raw describe's fields carry "soapType"; catalog entries never do. */
static int
is_raw_describe(const cJSON *line)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(line, "fields");

	return cJSON_IsArray(fields) && fields->child != NULL &&
	    cJSON_GetObjectItemCaseSensitive(fields->child, "soapType") != NULL;
}

enum sfp_status
sfp_catalog_add_take(struct sfp_catalog *c, cJSON *line, struct sfp_fail *f)
{
	enum sfp_status st;
	cJSON *conv, **nl;
	const char *name;

	if (is_raw_describe(line)) {
		st = sfp_catalog_from_describe(line, &conv, f);
		cJSON_Delete(line);
		if (st != SFP_OK)
			return st;
		line = conv;
	}
	name = jstr(line, "name");
	if (name == NULL || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(line, "fields"))) {
		cJSON_Delete(line);
		return sfp_fail_set(f, SFP_E_INPUT, "bad-catalog", NULL,
		    "catalog line has no name or no fields (was sf-describe given sObject names?)");
	}
	if (sfp_catalog_sobject(c, name) != NULL) {
		st = sfp_fail_set(f, SFP_E_INPUT, "bad-catalog", name, "sObject described twice");
		cJSON_Delete(line);
		return st;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		if ((nl = realloc(c->lines, ncap * sizeof(*nl))) == NULL) {
			cJSON_Delete(line);
			return sfp_fail_oom(f, NULL);
		}
		c->lines = nl;
		c->cap = ncap;
	}
	c->lines[c->n++] = line;
	return SFP_OK;
}

enum sfp_status
sfp_catalog_load(const char *path, struct sfp_catalog **out, struct sfp_fail *f)
{
	struct sfp_reader *r = NULL;
	struct sfp_catalog *c;
	enum sfp_status st;
	cJSON *item;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(errno));
	/* Raw describes of large objects run to a few MiB. */
	struct sfp_reader_opts opts = { 64u * 1024u * 1024u, 0 };
	if ((c = sfp_catalog_new()) == NULL || (r = sfp_reader_new(fd, path, &opts)) == NULL) {
		st = sfp_fail_oom(f, path);
		goto out;
	}
	for (;;) {
		st = sfp_reader_next(r, &item, f);
		if (st == SFP_E_ITEM)
			st = SFP_E_INPUT;   /* one bad line makes the whole catalog unusable */
		if (st != SFP_OK || item == NULL)
			break;
		if ((st = sfp_catalog_add_take(c, item, f)) != SFP_OK) {
			sfp_fail_wrap_place(f, path);
			break;
		}
	}
	if (st == SFP_OK && c->n == 0)
		st = sfp_fail_set(f, SFP_E_INPUT, "bad-catalog", path, "no sObject in the catalog");
out:
	sfp_reader_free(r);
	(void)close(fd);
	if (st != SFP_OK) {
		sfp_catalog_free(c);
		return st;
	}
	*out = c;
	return SFP_OK;
}

const cJSON *
sfp_catalog_sobject(const struct sfp_catalog *c, const char *sobject)
{
	const char *name;
	size_t i;

	for (i = 0; i < c->n; i++) {
		name = jstr(c->lines[i], "name");
		if (name != NULL && strcasecmp(name, sobject) == 0)
			return c->lines[i];
	}
	return NULL;
}

int
sfp_catalog_field(const struct sfp_catalog *c, const char *sobject, const char *field,
    struct sfp_field *out)
{
	const cJSON *line = sfp_catalog_sobject(c, sobject), *e;
	const char *name;

	if (line == NULL)
		return 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(line, "fields")) {
		name = jstr(e, "name");
		if (name == NULL || strcasecmp(name, field) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		out->name = name;
		out->type = jstr(e, "type") ? jstr(e, "type") : "string";
		out->length = jlong(e, "length");
		out->precision = jlong(e, "precision");
		out->scale = jlong(e, "scale");
		out->digits = jlong(e, "digits");
		out->createable = jbool(e, "createable");
		out->updateable = jbool(e, "updateable");
		out->nillable = jbool(e, "nillable");
		out->defaulted_on_create = jbool(e, "defaultedOnCreate");
		out->required = jbool(e, "required");
		out->external_id = jbool(e, "externalId");
		out->id_lookup = jbool(e, "idLookup");
		out->unique = jbool(e, "unique");
		out->restricted = jbool(e, "restricted");
		out->reference_to = cJSON_GetObjectItemCaseSensitive(e, "referenceTo");
		out->picklist = cJSON_GetObjectItemCaseSensitive(e, "picklist");
		out->controller_name = jstr(e, "controllerName");
		out->json = e;
		return 1;
	}
	return 0;
}

size_t
sfp_catalog_count(const struct sfp_catalog *c)
{
	return c->n;
}

const cJSON *
sfp_catalog_at(const struct sfp_catalog *c, size_t i)
{
	return i < c->n ? c->lines[i] : NULL;
}

/* The position of value in a picklist array, or -1. */
static int
picklist_index(const cJSON *pl, const char *value)
{
	const cJSON *e;
	const char *v;
	int i = 0;

	cJSON_ArrayForEach(e, pl) {
		v = jstr(e, "value");
		if (v != NULL && strcmp(v, value) == 0)
			return i;
		i++;
	}
	return -1;
}

int
sfp_catalog_dependent_valid(const struct sfp_catalog *c, const char *sobject,
    const char *field, const char *value, const char *controller_value)
{
	struct sfp_field dep, ctl;
	unsigned char bits[64];
	const cJSON *entry;
	const char *b64;
	size_t nbits = 0;
	int di, ci;

	if (!sfp_catalog_field(c, sobject, field, &dep) || dep.controller_name == NULL ||
	    !sfp_catalog_field(c, sobject, dep.controller_name, &ctl))
		return -1;
	if ((di = picklist_index(dep.picklist, value)) < 0)
		return -1;
	/* A dependent value with no controlling value has no column to be in. */
	if (controller_value == NULL)
		return 0;
	/* A checkbox controls by false (bit 0) and true (bit 1); a picklist by the
	 * position of its value in its describe. */
	if (strcmp(ctl.type, "boolean") == 0)
		ci = strcmp(controller_value, "true") == 0 ? 1 :
		    strcmp(controller_value, "false") == 0 ? 0 : -1;
	else
		ci = picklist_index(ctl.picklist, controller_value);
	if (ci < 0)
		return -1;
	entry = cJSON_GetArrayItem(dep.picklist, di);
	if ((b64 = jstr(entry, "validFor")) == NULL)
		return -1;
	if (sodium_base642bin(bits, sizeof(bits), b64, strlen(b64), NULL, &nbits, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	/* Bits read from the most significant bit of the first byte on. */
	if ((size_t)ci / 8 >= nbits)
		return 0;
	return (bits[ci / 8] & (0x80u >> (ci % 8))) != 0;
}
