/* SPDX-License-Identifier: ISC */
/*
 * describe: the field catalog, what the integration user may see and create.
 *
 * sf-describe writes one compact catalog line per sObject (the "catalog" form);
 * sf-map and sf-create read those lines back through this module.  The catalog
 * is derived from Salesforce's sObject describe (see sfp_catalog_from_describe)
 * so it holds only what the user can see: hidden fields are simply absent.
 *
 * Catalog line (one JSON object per sObject, keys in this order):
 *   {"name":"Lead","label":"Lead","keyPrefix":"00Q","custom":false,
 *    "createable":true,"updateable":true,"queryable":true,
 *    "fields":[{"name":"LastName","label":"Last Name","type":"string",
 *      "length":80,"precision":0,"scale":0,"digits":0,"createable":true,
 *      "updateable":true,"nillable":false,"defaultedOnCreate":false,
 *      "required":true,"externalId":false,"unique":false,
 *      "idLookup":false,"restricted":false,"referenceTo":[],
 *      "relationshipName":null,"controllerName":null,"dependentPicklist":false,
 *      "picklist":[{"value":"Web","label":"Web","active":true,"default":false,
 *        "validFor":null}]}]}
 * "required" is createable && !nillable && !defaultedOnCreate: a create must
 * give the field (describe's field properties:
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm); "picklist" and "referenceTo" are present (possibly empty) on
 * every field; "type" is Salesforce's field type ("string", "reference",
 * "datetime", "picklist", ...).
 *
 * Ownership: a struct sfp_catalog owns its cJSON trees; lookups return borrowed
 * pointers valid until sfp_catalog_free.
 */
#ifndef SFP_DESCRIBE_H
#define SFP_DESCRIBE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"

struct sfp_catalog;

struct sfp_field {
	const char *name;
	const char *type;            /* Salesforce field type */
	long length, precision, scale, digits;
	int createable, updateable, nillable, defaulted_on_create, required;
	int external_id, id_lookup, unique, restricted;
	const cJSON *reference_to;   /* array of sObject names */
	const cJSON *picklist;       /* array of {value,label,active,default,validFor} */
	const char *controller_name; /* a dependent picklist's controlling field, or NULL */
	const cJSON *json;           /* the whole catalog entry */
};

/* Build a catalog line (new object, caller frees) from Salesforce's raw sObject
 * describe.  SFP_E_INPUT when the describe lacks name or fields. */
enum sfp_status sfp_catalog_from_describe(const cJSON *describe, cJSON **out, struct sfp_fail *f);

/* An empty catalog; add sObjects with sfp_catalog_add_take (takes ownership of
 * the line, also on failure). */
struct sfp_catalog *sfp_catalog_new(void);
enum sfp_status sfp_catalog_add_take(struct sfp_catalog *c, cJSON *line, struct sfp_fail *f);

/* Load a catalog file: catalog lines as written by sf-describe (JSON Lines), or
 * raw describes (sf-describe --raw), detected per line. */
enum sfp_status sfp_catalog_load(const char *path, struct sfp_catalog **out, struct sfp_fail *f);
void sfp_catalog_free(struct sfp_catalog *c);

/* The catalog line of an sObject (name compared case-insensitively, as
 * Salesforce does), or NULL. */
const cJSON *sfp_catalog_sobject(const struct sfp_catalog *c, const char *sobject);

/* Fill *out for sobject.field (case-insensitive).  Returns 1 if found, 0 if not. */
int sfp_catalog_field(const struct sfp_catalog *c, const char *sobject, const char *field,
    struct sfp_field *out);

/*
 * Dependent picklists: whether value of the dependent picklist sobject.field
 * goes with controller_value of its controlling field (NULL when that field is
 * empty; "true"/"false" for a checkbox controller).  Decided by the value's
 * validFor bitmap: bit i (most significant bit of the first byte first) set
 * means valid for the controller's i-th picklist value, or for false (0) and
 * true (1) of a checkbox
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
 * 1: valid; 0: not valid (Salesforce refuses it on a restricted picklist);
 * -1: not known (no controller, a value not in the catalog, no validFor).
 */
int sfp_catalog_dependent_valid(const struct sfp_catalog *c, const char *sobject,
    const char *field, const char *value, const char *controller_value);

/* Number of sObjects and the i-th one's line, for iteration in load order. */
size_t sfp_catalog_count(const struct sfp_catalog *c);
const cJSON *sfp_catalog_at(const struct sfp_catalog *c, size_t i);

#endif
