/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "mapping.h"
#include "stream.h"
#include "testutil.h"

/* A two-object catalog in describe.h's line format. */
static const char *const LINES[] = {
	"{\"name\":\"Lead\",\"label\":\"Lead\",\"keyPrefix\":\"00Q\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"LastName\",\"type\":\"string\",\"length\":10,\"createable\":true,\"updateable\":true,"
	"\"nillable\":false,\"defaultedOnCreate\":false,\"required\":true,\"externalId\":false,"
	"\"restricted\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"NumberOfEmployees\",\"type\":\"int\",\"digits\":8,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Key__c\",\"type\":\"string\",\"length\":80,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"externalId\":true,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Rating\",\"type\":\"picklist\",\"length\":40,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"restricted\":true,\"referenceTo\":[],"
	"\"picklist\":[{\"value\":\"Hot\",\"label\":\"Hot\",\"active\":true,\"default\":false}]}]}",
	"{\"name\":\"Event\",\"label\":\"Event\",\"keyPrefix\":\"00U\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"WhoId\",\"type\":\"reference\",\"length\":18,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[\"Lead\"],\"picklist\":[]},"
	"{\"name\":\"StartDateTime\",\"type\":\"datetime\",\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Subject\",\"type\":\"string\",\"length\":20,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"EventSubtype\",\"type\":\"string\",\"length\":40,\"createable\":true,"
	"\"updateable\":false,\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Key__c\",\"type\":\"string\",\"length\":80,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"externalId\":true,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"DurationInMinutes\",\"type\":\"int\",\"digits\":8,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"ActivityDate\",\"type\":\"date\",\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Slot__c\",\"type\":\"time\",\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"IsPrivate\",\"type\":\"boolean\",\"createable\":true,\"updateable\":true,"
	"\"nillable\":false,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Topics__c\",\"type\":\"multipicklist\",\"length\":100,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"restricted\":true,\"referenceTo\":[],\"picklist\":"
	"[{\"value\":\"a\",\"active\":true},{\"value\":\"b\",\"active\":true}]},"
	"{\"name\":\"Locked__c\",\"type\":\"string\",\"length\":20,\"createable\":false,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Where__c\",\"type\":\"location\",\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]}]}",
	"{\"name\":\"Account\",\"label\":\"Account\",\"keyPrefix\":\"001\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"Id\",\"type\":\"id\",\"length\":18,\"createable\":false,\"updateable\":false,"
	"\"nillable\":false,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Website\",\"type\":\"url\",\"length\":255,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]}]}",
	"{\"name\":\"Contact\",\"label\":\"Contact\",\"keyPrefix\":\"003\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"Id\",\"type\":\"id\",\"length\":18,\"createable\":false,\"updateable\":false,"
	"\"nillable\":false,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"LastName\",\"type\":\"string\",\"length\":80,\"createable\":true,\"updateable\":true,"
	"\"nillable\":false,\"required\":true,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Email\",\"type\":\"email\",\"length\":80,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Key__c\",\"type\":\"string\",\"length\":80,\"createable\":true,\"updateable\":true,"
	"\"nillable\":true,\"required\":false,\"externalId\":true,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"AccountId\",\"type\":\"reference\",\"length\":18,\"createable\":true,"
	"\"updateable\":true,\"nillable\":true,\"required\":false,\"referenceTo\":[\"Account\"],"
	"\"picklist\":[]}]}",
};

static struct sfp_catalog *
catalog(void)
{
	struct sfp_catalog *c = sfp_catalog_new();
	struct sfp_fail f;
	size_t i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < sizeof(LINES) / sizeof(LINES[0]); i++)
		ck_assert_int_eq(sfp_catalog_add_take(c, cJSON_Parse(LINES[i]), &f), SFP_OK);
	return c;
}

static struct sfp_mapping *
compile(struct sfp_catalog *c, const char *json, struct sfp_problems *p, enum sfp_status want)
{
	struct sfp_mapping *m = NULL;
	struct sfp_fail f;
	cJSON *j = cJSON_Parse(json);

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(sfp_mapping_compile(j, c, &m, p, &f), want);
	cJSON_Delete(j);
	return m;
}

static const char *
apply(struct sfp_mapping *m, const char *booking, struct sfp_fail *f, enum sfp_status want)
{
	static char out[4096];
	const char *line = NULL;
	size_t len = 0;
	cJSON *b = cJSON_Parse(booking);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(sfp_mapping_apply(m, b, &line, &len, f), want);
	cJSON_Delete(b);
	if (want != SFP_OK)
		return NULL;
	ck_assert_uint_lt(len, sizeof(out));
	memcpy(out, line, len);
	out[len] = '\0';
	return out;
}

static const char *MAP =
    "{\"id\":\"id\",\"records\":["
    "{\"ref\":\"lead\",\"sobject\":\"lead\",\"upsert\":{\"field\":\"key__c\",\"value\":\"{{id}}\"},"
    " \"fields\":{\"lastname\":\"{{name | trim | truncate}}\",\"NumberOfEmployees\":\"{{n}}\"}},"
    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{lead.id}\","
    " \"StartDateTime\":\"{{at | tz:'Europe/Berlin'}}\"}}]}";

START_TEST(compile_and_apply)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m = compile(c, MAP, &p, SFP_OK);
	struct sfp_fail f;

	ck_assert_uint_eq(p.n, 0);
	/* names take the catalog's spelling; "3" into an int field is 3 */
	ck_assert_str_eq(apply(m, "{\"id\":\"b1\",\"name\":\"  Lee Ng-Abernathy \",\"n\":\"3\","
	    "\"at\":\"2026-07-01T10:00:00\"}", &f, SFP_OK),
	    "{\"id\":\"b1\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":"
	    "{\"field\":\"Key__c\",\"value\":\"b1\"},\"fields\":{\"LastName\":\"Lee Ng-Abe\","
	    "\"NumberOfEmployees\":3}},{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":"
	    "{\"WhoId\":\"@{lead.id}\",\"StartDateTime\":\"2026-07-01T08:00:00.000Z\"}}]}\n");
	/* an item error names the booking path, the ref and the field */
	apply(m, "{\"id\":\"b2\",\"name\":\"x\",\"n\":\"many\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "INVALID_TYPE_ON_FIELD_IN_RECORD");
	ck_assert_str_eq(f.place, "n");
	ck_assert_str_eq(f.ref, "lead");
	ck_assert_str_eq(f.fields, "NumberOfEmployees");
	/* the buffers are reused: many bookings, same answer */
	{
		int i;
		for (i = 0; i < 10000; i++)
			apply(m, "{\"id\":7,\"name\":\"A\"}", &f, SFP_OK);
		ck_assert_str_eq(apply(m, "{\"id\":7,\"name\":\"A\"}", &f, SFP_OK),
		    "{\"id\":7,\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":"
		    "{\"field\":\"Key__c\",\"value\":\"7\"},\"fields\":{\"LastName\":\"A\"}},"
		    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{lead.id}\"}}]}\n");
	}
	sfp_mapping_free(m);
	sfp_catalog_free(c);
}
END_TEST

START_TEST(all_problems_at_once)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m;

	m = compile(c, "{\"records\":["
	    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{lead.id}\"}},"
	    "{\"ref\":\"lead\",\"sobject\":\"Lead\",\"fields\":{\"Rating\":\"Cold\",\"Nope\":1,"
	    " \"NumberOfEmployees\":\"{{n | lower | bogus}}\"}},"
	    "{\"ref\":\"x\",\"sobject\":\"Opportunity\",\"fields\":{}}]}", &p, SFP_E_INPUT);
	ck_assert_ptr_null(m);
	ck_assert_uint_eq(p.n, 6);
	ck_assert_str_eq(p.v[0].place, "records[0].fields.WhoId");
	ck_assert_ptr_nonnull(strstr(p.v[0].message, "before it is defined"));
	ck_assert_str_eq(p.v[1].place, "records[1].fields.Rating");
	ck_assert_ptr_nonnull(strstr(p.v[1].message, "restricted picklist"));
	ck_assert_str_eq(p.v[2].place, "records[1].fields.Nope");
	ck_assert_str_eq(p.v[3].place, "records[1].fields.NumberOfEmployees");
	ck_assert_ptr_nonnull(strstr(p.v[3].message, "column 15: unknown filter"));
	ck_assert_ptr_nonnull(strstr(p.v[4].message, "required field Lead.LastName"));
	ck_assert_str_eq(p.v[5].place, "records[2]");
	sfp_problems_fini(&p);
	sfp_catalog_free(c);
}
END_TEST

START_TEST(template_injection_is_impossible)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m = compile(c, "{\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\","
	    "\"fields\":{\"LastName\":\"{{name}}!\"}}]}", &p, SFP_OK);
	struct sfp_fail f;

	/* template syntax in a booking value is text, never evaluated */
	ck_assert_str_eq(apply(m, "{\"id\":\"i\",\"name\":\"{{id}}\"}", &f, SFP_OK),
	    "{\"id\":\"i\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"fields\":"
	    "{\"LastName\":\"{{id}}!\"}}]}\n");
	/* a forged plan reference is refused */
	apply(m, "{\"id\":\"i\",\"name\":\"@{x.id}\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "reference-in-data");
	/* quotes and control characters are escaped in the plan */
	ck_assert_str_eq(apply(m, "{\"id\":\"i\",\"name\":\"a\\\"\\n\"}", &f, SFP_OK),
	    "{\"id\":\"i\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"fields\":"
	    "{\"LastName\":\"a\\\"\\n!\"}}]}\n");
	sfp_mapping_free(m);
	sfp_catalog_free(c);
}
END_TEST

/*
 * Compile problems, one mapping each: the place every problem is reported at
 * and a piece of its message.  The records use Event (nothing required) so a
 * mapping has only the problem it shows.
 */
#define EV(fields) "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{" fields "}}]}"
static const struct { const char *json, *place, *says; } PROBLEMS[] = {
	{ "[]", "", "a mapping is a JSON object" },
	{ "{\"records\":[],\"extra\":1}", "extra", "unknown key" },
	{ "{\"records\":[]}", "records", "non-empty list" },
	{ "{\"id\":\"a..b\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}", "id",
	  "empty name in path" },
	{ "{\"id\":\"$index\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}", "id",
	  "not a $ variable" },
	{ "{\"lookups\":[],\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}", "lookups",
	  "an object of tables" },
	{ "{\"lookups\":{\"t\":{\"a\":[1]}},\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}",
	  "lookups.t", "entry \"a\" must be a string" },
	{ "{\"records\":[{\"ref\":\"1e\",\"sobject\":\"Event\",\"fields\":{}}]}", "records[0].ref",
	  "starting with a letter" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}},"
	  "{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}", "records[1].ref", "used twice" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{},\"colour\":1}]}", "records[0]",
	  "unknown key \"colour\"" },
	{ "{\"records\":[{\"ref\":\"e\",\"fields\":{}}]}", "records[0]", "needs \"sobject\"" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\"}]}", "records[0]", "needs \"fields\"" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"as\":\"x\",\"fields\":{}}]}", "records[0]",
	  "only goes with \"each\"" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"each\":\"a[\",\"fields\":{}}]}",
	  "records[0].each", "path to a list" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"each\":\"a\",\"as\":\"index\",\"fields\":{}}]}",
	  "records[0]", "\"as\" is a name" },
	{ "{\"id\":5,\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{}}]}", "id",
	  "not a string" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"path\":\"a\"},\"fields\":{}}]}",
	  "records[0].when", "exactly one test" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"path\":\"a\",\"like\":1},"
	  "\"fields\":{}}]}", "records[0].when", "unknown test \"like\"" },
	{ "{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"present\":true},\"fields\":{}}]}",
	  "records[0].when", "needs a \"path\"" },
	{ EV("\"Nope\":\"x\""), "records[0].fields.Nope", "no field Nope" },
	{ EV("\"Locked__c\":\"x\""), "records[0].fields.Locked__c", "not createable" },
	{ EV("\"Where__c\":\"x\""), "records[0].fields.Where__c", "type location is not supported" },
	{ EV("\"Subject\":\"a\",\"subject\":\"b\""), "records[0].fields.subject", "given twice" },
	{ EV("\"Subject\":\"{{a | upper:1}}\""), "records[0].fields.Subject", "upper takes no argument" },
	{ EV("\"Subject\":\"{{a | default}}\""), "records[0].fields.Subject", "default needs a value" },
	{ EV("\"Subject\":\"{{a | truncate:'x'}}\""), "records[0].fields.Subject",
	  "positive number of characters" },
	{ EV("\"DurationInMinutes\":\"{{a | truncate}}\""), "records[0].fields.DurationInMinutes",
	  "needs a text field" },
	{ EV("\"Subject\":\"{{a | join:b}}\""), "records[0].fields.Subject", "quoted separator" },
	{ EV("\"Subject\":\"{{a | lookup:nope}}\""), "records[0].fields.Subject", "no table nope" },
	{ EV("\"StartDateTime\":\"{{a | tz:'Mars/Base'}}\""), "records[0].fields.StartDateTime", "Mars" },
	{ EV("\"Subject\":\"{{a | tz}}\""), "records[0].fields.Subject", "tz needs a zone" },
	{ EV("\"Subject\":\"{{a\""), "records[0].fields.Subject", "column 4: expected '|' or '}}'" },
	{ EV("\"Subject\":\"{{'a}}\""), "records[0].fields.Subject", "unterminated quote" },
	{ EV("\"Subject\":\"{{$item.x}}\""), "records[0].fields.Subject",
	  "only defined in a record with \"each\"" },
	{ EV("\"Subject\":\"x @{e.id}\""), "records[0].fields.Subject", "reference syntax" },
	{ EV("\"Subject\":{\"value\":[1]}"), "records[0].fields.Subject", "string, number, boolean or null" },
	{ EV("\"Subject\":{\"template\":\"x\",\"value\":\"y\"}"), "records[0].fields.Subject",
	  "one of \"template\" or \"value\"" },
	{ EV("\"Subject\":{\"required\":1,\"value\":\"y\"}"), "records[0].fields.Subject",
	  "\"required\" is true or false" },
	{ EV("\"Subject\":[1]"), "records[0].fields.Subject", "a value is a string" },
	{ EV("\"Subject\":\"far too long for the field\""), "records[0].fields.Subject",
	  "the field takes 20" },
	{ EV("\"IsPrivate\":\"yes\""), "records[0].fields.IsPrivate", "not a boolean" },
	{ EV("\"WhoId\":\"@{nobody.id}\""), "records[0].fields.WhoId", "unknown record \"nobody\"" },
	{ EV("\"Subject\":\"@{e.id}\""), "records[0].fields.Subject", "used before it is defined" },
	{ "{\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"fields\":{\"LastName\":\"x\"}},"
	  "{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{\"Subject\":\"@{l.id}\"}}]}",
	  "records[1].fields.Subject", "goes into a lookup field" },
	{ "{\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"fields\":{}},"
	  "{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{a.id}\"}}]}",
	  "records[1].fields.WhoId", "cannot refer to Event records" },
	{ "{\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"each\":\"xs\",\"fields\":{\"LastName\":\"x\"}},"
	  "{\"ref\":\"e\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{l.id}\"}}]}",
	  "records[1].fields.WhoId", "once per element of a list" },
	{ "{\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"LastName\","
	  "\"value\":\"x\"},\"fields\":{}}]}", "records[0].upsert", "not an external id field" },
	{ "{\"lookups\":{\"t\":{\"a\":\"Cold\"}},\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\","
	  "\"fields\":{\"LastName\":\"x\",\"Rating\":\"{{r | lookup:t}}\"}}]}",
	  "records[0].fields.Rating", "lookup t entry \"a\"" },
};

START_TEST(compile_problem_places)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m;
	size_t k;
	int seen = 0;

	m = compile(c, PROBLEMS[_i].json, &p, SFP_E_INPUT);
	ck_assert_ptr_null(m);
	ck_assert_uint_gt(p.n, 0);
	for (k = 0; k < p.n; k++) {
		ck_assert_str_eq(p.v[k].code, "bad-mapping");
		if (strcmp(p.v[k].place, PROBLEMS[_i].place) == 0 &&
		    strstr(p.v[k].message, PROBLEMS[_i].says) != NULL)
			seen = 1;
	}
	ck_assert_msg(seen, "%s: wanted \"%s\" at %s; first: %s: %s", PROBLEMS[_i].json,
	    PROBLEMS[_i].says, PROBLEMS[_i].place, p.v[0].place, p.v[0].message);
	sfp_problems_fini(&p);
	sfp_catalog_free(c);
}
END_TEST

/*
 * Applying: one Event field from a value spec and a booking, and the fields
 * object that comes out, or "!code place" for a refused booking.
 */
static const struct { const char *field, *spec, *booking, *want; } APPLIED[] = {
	{ "Subject", "\"{{a | lower}}\"", "{\"a\":\"MiXed\"}", "{\"Subject\":\"mixed\"}" },
	{ "Subject", "\"{{a | upper}}\"", "{\"a\":\"MiXed\"}", "{\"Subject\":\"MIXED\"}" },
	{ "Subject", "\"[{{a | trim}}]\"", "{\"a\":\" \\t x \\n\"}", "{\"Subject\":\"[x]\"}" },
	{ "Subject", "\"{{a | default:'none'}}\"", "{}", "{\"Subject\":\"none\"}" },
	{ "Subject", "\"{{a | default:'none'}}\"", "{\"a\":\"\"}", "{\"Subject\":\"none\"}" },
	{ "Subject", "\"{{a | default:b.c}}\"", "{\"b\":{\"c\":\"deep\"}}", "{\"Subject\":\"deep\"}" },
	{ "DurationInMinutes", "\"{{a | default:30}}\"", "{}", "{\"DurationInMinutes\":30}" },
	{ "Subject", "\"{{a | truncate:3}}\"", "{\"a\":\"\\u00e6\\u00f8\\u00e5\\u00e6\"}",
	  "{\"Subject\":\"\xc3\xa6\xc3\xb8\xc3\xa5\"}" },
	{ "Subject", "\"{{a | truncate}}\"", "{\"a\":\"abcdefghijklmnopqrstuvwxyz\"}",
	  "{\"Subject\":\"abcdefghijklmnopqrst\"}" },
	{ "Subject", "\"{{a}}\"", "{\"a\":\"abcdefghijklmnopqrstuvwxyz\"}", "!STRING_TOO_LONG a" },
	{ "Subject", "\"{{a | join}}\"", "{\"a\":[\"x\",1,null,\"y\"]}", "{\"Subject\":\"x, 1, y\"}" },
	{ "Subject", "\"{{a | join:'+'}}\"", "{\"a\":[\"x\",\"y\"]}", "{\"Subject\":\"x+y\"}" },
	{ "Subject", "\"{{a | join}}\"", "{\"a\":{\"k\":1}}", "!INVALID_TYPE_ON_FIELD_IN_RECORD a" },
	{ "Subject", "\"{{a}}\"", "{\"a\":[\"x\"]}", "!INVALID_TYPE_ON_FIELD_IN_RECORD a" },
	{ "Topics__c", "\"{{a}}\"", "{\"a\":[\"a\",\"b\"]}", "{\"Topics__c\":\"a;b\"}" },
	{ "Topics__c", "\"{{a}}\"", "{\"a\":[\"a\",\"c\"]}", "!INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST a" },
	{ "Subject", "\"{{a | lookup:kinds}}\"", "{\"a\":\"demo\"}", "{\"Subject\":\"Demo call\"}" },
	{ "DurationInMinutes", "\"{{a | lookup:minutes}}\"", "{\"a\":2}", "{\"DurationInMinutes\":120}" },
	{ "Subject", "\"{{a | lookup:kinds}}\"", "{\"a\":\"x\"}", "!no-lookup-match a" },
	{ "Subject", "\"{{a | lookup:kinds | default:'Other'}}\"", "{\"a\":\"x\"}",
	  "{\"Subject\":\"Other\"}" },
	{ "StartDateTime", "\"{{a | tz:z}}\"", "{\"a\":\"2026-01-10T10:00\",\"z\":\"Europe/Oslo\"}",
	  "{\"StartDateTime\":\"2026-01-10T09:00:00.000Z\"}" },
	{ "StartDateTime", "\"{{a | tz:z}}\"", "{\"a\":\"2026-01-10T10:00\",\"z\":\"../../etc/passwd\"}",
	  "!UNKNOWN_TIME_ZONE z" },
	{ "StartDateTime", "\"{{a}}\"", "{\"a\":\"2026-01-10T10:00\"}", "!bad-date a" },
	{ "ActivityDate", "\"{{a | tz:'Asia/Tokyo' | date}}\"", "{\"a\":\"2026-01-10T20:00:00Z\"}",
	  "{\"ActivityDate\":\"2026-01-11\"}" },
	{ "Subject", "\"at {{a | tz:'Europe/Oslo' | time}}\"", "{\"a\":\"2026-07-01T08:00:00Z\"}",
	  "{\"Subject\":\"at 10:00:00.000Z\"}" },
	{ "Slot__c", "\"{{a}}\"", "{\"a\":\"09:30\"}", "{\"Slot__c\":\"09:30:00.000Z\"}" },
	{ "Subject", "\"{{a | datetime}}\"", "{\"a\":\"soon\"}", "!bad-date a" },
	{ "Subject", "\"{{a}} / {{b}}\"", "{\"a\":1.5,\"b\":true}", "{\"Subject\":\"1.5 / true\"}" },
	{ "Subject", "{\"template\":\"{{a}} and {{b}}\",\"default\":\"partial\"}", "{\"a\":\"x\"}",
	  "{\"Subject\":\"partial\"}" },
	{ "Subject", "\"{{a}} and {{b}}\"", "{\"a\":\"x\"}", "{}" },
	{ "Subject", "{\"template\":\"{{a}}\",\"required\":true}", "{}",
	  "!REQUIRED_FIELD_MISSING a" },
	{ "Subject", "{\"value\":null}", "{}", "{}" },
	{ "IsPrivate", "true", "{}", "{\"IsPrivate\":true}" },
	{ "IsPrivate", "\"{{a}}\"", "{\"a\":false}", "{\"IsPrivate\":false}" },
	{ "IsPrivate", "\"{{a}}\"", "{\"a\":\"no\"}", "!INVALID_TYPE_ON_FIELD_IN_RECORD a" },
	{ "DurationInMinutes", "\"{{a}}\"", "{\"a\":\"0x10\"}", "!INVALID_TYPE_ON_FIELD_IN_RECORD a" },
	{ "DurationInMinutes", "\"{{a}}\"", "{\"a\":45}", "{\"DurationInMinutes\":45}" },
	{ "Subject", "\"{{a[1].b}}\"", "{\"a\":[{\"b\":\"no\"},{\"b\":\"yes\"}]}",
	  "{\"Subject\":\"yes\"}" },
	{ "Subject", "\"{{a['odd key']}}\"", "{\"a\":{\"odd key\":\"ok\"}}", "{\"Subject\":\"ok\"}" },
	/* references cannot come from data, however they arrive */
	{ "Subject", "\"{{a}}\"", "{\"a\":\"@{e.id}\"}", "!reference-in-data a" },
	{ "Subject", "\"x{{a}}\"", "{\"a\":\"@{e.id}\"}", "!reference-in-data a" },
	{ "Subject", "\"{{a}}{{b}}\"", "{\"a\":\"@\",\"b\":\"{e.id}\"}", "!reference-in-data b" },
	{ "Subject", "\"{{a | join:''}}\"", "{\"a\":[\"@\",\"{e.id}\"]}", "!reference-in-data a" },
	{ "Subject", "\"{{a | lower}}\"", "{\"a\":\"@{E.ID}\"}", "!reference-in-data a" },
	{ "WhoId", "\"{{a}}\"", "{\"a\":\"@{e.id}\"}", "!MALFORMED_ID a" },
	{ "Subject", "\"{{a}}\"", "{\"a\":\"{{id}}\"}", "{\"Subject\":\"{{id}}\"}" },
};

START_TEST(apply_results)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m;
	struct sfp_fail f;
	char json[1024], want[512], *b;
	const char *got;
	int n;

	n = snprintf(json, sizeof(json), "{\"lookups\":{\"kinds\":{\"demo\":\"Demo call\"},"
	    "\"minutes\":{\"2\":120}},\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\","
	    "\"fields\":{\"%s\":%s}}]}", APPLIED[_i].field, APPLIED[_i].spec);
	ck_assert_int_lt(n, (int)sizeof(json));
	m = compile(c, json, &p, SFP_OK);
	b = malloc(strlen(APPLIED[_i].booking) + 16);
	ck_assert_ptr_nonnull(b);
	/* every booking gets an id in front of its members */
	(void)snprintf(b, strlen(APPLIED[_i].booking) + 16, "{\"id\":\"x\"%s%s",
	    strcmp(APPLIED[_i].booking, "{}") == 0 ? "" : ",",
	    strcmp(APPLIED[_i].booking, "{}") == 0 ? "}" : APPLIED[_i].booking + 1);
	if (APPLIED[_i].want[0] == '!') {
		const char *sp = strchr(APPLIED[_i].want, ' ');
		apply(m, b, &f, SFP_E_ITEM);
		ck_assert_str_eq(f.ref, "e");
		ck_assert_int_eq((int)strlen(f.code), (int)(sp - APPLIED[_i].want - 1));
		ck_assert_msg(strncmp(f.code, APPLIED[_i].want + 1, strlen(f.code)) == 0,
		    "%s: code %s (%s), wanted %s", b, f.code, f.message, APPLIED[_i].want);
		ck_assert_str_eq(f.place, strcmp(sp + 1, "-") == 0 ? "" : sp + 1);
		ck_assert_str_eq(f.fields, APPLIED[_i].field);
	} else {
		got = apply(m, b, &f, SFP_OK);
		n = snprintf(want, sizeof(want), "{\"id\":\"x\",\"records\":[{\"ref\":\"e\","
		    "\"sobject\":\"Event\",\"fields\":%s}]}\n", APPLIED[_i].want);
		ck_assert_int_lt(n, (int)sizeof(want));
		ck_assert_str_eq(got, want);
	}
	free(b);
	sfp_mapping_free(m);
	sfp_catalog_free(c);
}
END_TEST

START_TEST(conditions_and_lists)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_fail f;
	struct sfp_mapping *m = compile(c, "{\"id\":\"meta.key\",\"records\":["
	    "{\"ref\":\"l\",\"sobject\":\"Lead\",\"when\":{\"path\":\"lead\",\"present\":true},"
	    " \"fields\":{\"LastName\":\"{{lead}}\"}},"
	    "{\"ref\":\"hot\",\"sobject\":\"Event\",\"when\":{\"path\":\"kind\",\"equals\":\"hot\"},"
	    " \"fields\":{\"Subject\":\"hot\",\"WhoId\":\"@{l.id}\"}},"
	    "{\"ref\":\"cold\",\"sobject\":\"Event\",\"when\":{\"path\":\"kind\",\"not_equals\":\"hot\"},"
	    " \"fields\":{\"Subject\":\"cold\"}},"
	    "{\"ref\":\"few\",\"sobject\":\"Event\",\"when\":{\"path\":\"n\",\"in\":[1,2,null]},"
	    " \"fields\":{\"Subject\":\"few\"}},"
	    "{\"ref\":\"none\",\"sobject\":\"Event\",\"when\":{\"path\":\"lead\",\"present\":false},"
	    " \"fields\":{\"Subject\":\"no lead\"}},"
	    "{\"ref\":\"g\",\"sobject\":\"Event\",\"each\":\"guests\",\"as\":\"guest\","
	    " \"when\":{\"path\":\"$guest.skip\",\"present\":false},"
	    " \"fields\":{\"Subject\":\"{{$guest.name}} #{{$index}}\"}}]}", &p, SFP_OK);

	ck_assert_str_eq(apply(m, "{\"meta\":{\"key\":\"k1\"},\"lead\":\"Ng\",\"kind\":\"hot\",\"n\":2,"
	    "\"guests\":[{\"name\":\"a\"},{\"name\":\"b\",\"skip\":1},{\"name\":\"c\"}]}", &f, SFP_OK),
	    "{\"id\":\"k1\",\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"fields\":"
	    "{\"LastName\":\"Ng\"}},{\"ref\":\"hot\",\"sobject\":\"Event\",\"fields\":{\"Subject\":"
	    "\"hot\",\"WhoId\":\"@{l.id}\"}},{\"ref\":\"few\",\"sobject\":\"Event\",\"fields\":"
	    "{\"Subject\":\"few\"}},{\"ref\":\"g_0\",\"sobject\":\"Event\",\"fields\":{\"Subject\":"
	    "\"a #0\"}},{\"ref\":\"g_2\",\"sobject\":\"Event\",\"fields\":{\"Subject\":\"c #2\"}}]}\n");
	/* no lead: the reference to it is left out, not dangling; null is in [1,2,null] */
	ck_assert_str_eq(apply(m, "{\"meta\":{\"key\":9},\"kind\":\"hot\"}", &f, SFP_OK),
	    "{\"id\":9,\"records\":[{\"ref\":\"hot\",\"sobject\":\"Event\",\"fields\":{\"Subject\":"
	    "\"hot\"}},{\"ref\":\"few\",\"sobject\":\"Event\",\"fields\":{\"Subject\":\"few\"}},"
	    "{\"ref\":\"none\",\"sobject\":\"Event\",\"fields\":{\"Subject\":\"no lead\"}}]}\n");
	apply(m, "{\"meta\":{\"key\":\"k\"},\"guests\":{\"name\":\"a\"}}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "not-an-array");
	ck_assert_str_eq(f.place, "guests");
	apply(m, "{\"meta\":{}}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "missing-id");
	apply(m, "[1]", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "bad-booking");
	{
		cJSON *b = cJSON_Parse("{\"meta\":{\"key\":true}}");
		ck_assert_ptr_null(sfp_mapping_booking_id(m, b));
		cJSON_Delete(b);
	}
	sfp_mapping_free(m);
	sfp_catalog_free(c);
}
END_TEST

START_TEST(stream_counts_and_refusals)
{
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_fail f;
	struct sfp_mapping *m = compile(c, EV("\"DurationInMinutes\":\"{{n}}\""), &p, SFP_OK);
	const char in[] = "{\"id\":\"a\",\"n\":5}\n{\"id\":\"b\",\"n\":\"x\"}\nnope\n"
	    "{\"id\":\"c\",\"ok\":false,\"error\":{\"code\":\"replayed\"}}\n";
	struct sfp_map_counts counts;
	struct sfp_reader *r;
	struct sfp_writer out, rej;
	FILE *fo = tmpfile(), *fr = tmpfile();
	char buf[2048];
	size_t n;
	int fds[2];

	ck_assert_ptr_nonnull(fo);
	ck_assert_ptr_nonnull(fr);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], in, sizeof(in) - 1), (ssize_t)(sizeof(in) - 1));
	close(fds[1]);
	r = sfp_reader_new(fds[0], "<test>", NULL);
	ck_assert_ptr_nonnull(r);
	sfp_writer_init(&out, fo, "<out>", 0);
	sfp_writer_init(&rej, fr, "<rejects>", 0);
	ck_assert_int_eq(sfp_map_stream(m, r, &out, &rej, NULL, NULL, &counts, &f), SFP_E_ITEM);
	ck_assert_int_eq(sfp_writer_fini(&out, &f), SFP_OK);
	ck_assert_int_eq(sfp_writer_fini(&rej, &f), SFP_OK);
	ck_assert_uint_eq(counts.in, 4);
	ck_assert_uint_eq(counts.ok, 1);
	ck_assert_uint_eq(counts.failed, 3);
	ck_assert_uint_eq(counts.passed, 1);
	rewind(fo);
	n = fread(buf, 1, sizeof(buf) - 1, fo);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "{\"id\":\"a\",\"records\":[{\"ref\":\"e\",\"sobject\":"
	    "\"Event\",\"fields\":{\"DurationInMinutes\":5}}]}\n"));
	ck_assert_ptr_nonnull(strstr(buf, "{\"id\":\"b\",\"ok\":false,\"error\":{\"code\":"
	    "\"INVALID_TYPE_ON_FIELD_IN_RECORD\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"input\":\"nope\"}"));
	ck_assert_ptr_nonnull(strstr(buf, "{\"id\":\"c\",\"ok\":false,\"error\":{\"code\":\"replayed\"}}"));
	/* rejects hold the two refused here, not the one passed on */
	rewind(fr);
	n = fread(buf, 1, sizeof(buf) - 1, fr);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "\"id\":\"b\""));
	ck_assert_ptr_nonnull(strstr(buf, "nope"));
	ck_assert_ptr_null(strstr(buf, "replayed"));
	sfp_reader_free(r);
	fclose(fo);
	fclose(fr);
	sfp_mapping_free(m);
	sfp_catalog_free(c);
}
END_TEST


/* The booking's version (a number or a time) and where the org keeps it. */
START_TEST(version_of_booking)
{
	static const char *map =
	    "{\"id\":\"id\",\"version\":{\"path\":\"v\",\"record\":\"lead\",\"field\":\"numberofemployees\"},"
	    "\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Key__c\","
	    "\"value\":\"k-{{id}}\"},\"fields\":{\"LastName\":\"x\",\"NumberOfEmployees\":\"{{v}}\"}}]}";
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m = compile(c, map, &p, SFP_OK);
	struct sfp_fail f;

	ck_assert_str_eq(apply(m, "{\"id\":\"b1\",\"v\":7}", &f, SFP_OK),
	    "{\"id\":\"b1\",\"version\":{\"sobject\":\"Lead\",\"key\":{\"field\":\"Key__c\",\"value\":"
	    "\"k-b1\"},\"field\":\"NumberOfEmployees\",\"value\":7},\"records\":[{\"ref\":\"lead\","
	    "\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Key__c\",\"value\":\"k-b1\"},\"fields\":"
	    "{\"LastName\":\"x\",\"NumberOfEmployees\":7}}]}\n");
	apply(m, "{\"id\":\"b1\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "missing-version");
	apply(m, "{\"id\":\"b1\",\"v\":\"soon\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "bad-version");
	sfp_mapping_free(m);
	/* the record must write the field; the record must have a key */
	ck_assert_ptr_null(compile(c, "{\"version\":{\"path\":\"v\",\"record\":\"lead\",\"field\":"
	    "\"NumberOfEmployees\"},\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":"
	    "{\"field\":\"Key__c\",\"value\":\"{{id}}\"},\"fields\":{\"LastName\":\"x\"}}]}", &p,
	    SFP_E_INPUT));
	ck_assert_uint_eq(p.n, 1);
	sfp_problems_fini(&p);
	ck_assert_ptr_null(compile(c, "{\"version\":{\"path\":\"v\",\"record\":\"lead\",\"field\":"
	    "\"NumberOfEmployees\"},\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"fields\":"
	    "{\"LastName\":\"x\",\"NumberOfEmployees\":1}}]}", &p, SFP_E_INPUT));
	ck_assert_uint_eq(p.n, 1);
	sfp_problems_fini(&p);
	/* an update time counts in seconds since 1970 */
	m = compile(c, "{\"version\":{\"path\":\"at\",\"record\":\"ev\",\"field\":\"StartDateTime\"},"
	    "\"records\":[{\"ref\":\"ev\",\"sobject\":\"Event\",\"upsert\":{\"field\":\"Key__c\","
	    "\"value\":\"{{id}}\"},\"fields\":{\"StartDateTime\":\"{{at}}\",\"DurationInMinutes\":30}}]}",
	    &p, SFP_OK);
	ck_assert_ptr_nonnull(strstr(apply(m, "{\"id\":\"b1\",\"at\":\"1970-01-01T00:01:40Z\"}", &f,
	    SFP_OK), "\"field\":\"StartDateTime\",\"value\":100}"));
	sfp_mapping_free(m);
	sfp_problems_fini(&p);
	sfp_catalog_free(c);
}
END_TEST

/* Each record's action by booking state, and tests combined with all, any, not. */
START_TEST(actions_by_state)
{
	static const char *map =
	    "{\"id\":\"id\",\"state\":\"status\",\"records\":["
	    "{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},"
	    " \"on\":{\"booked\":\"upsert\",\"cancelled\":\"none\"},"
	    " \"fields\":{\"LastName\":\"{{name}}\"}},"
	    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},"
	    " \"on\":{\"booked\":\"upsert\",\"cancelled\":{\"method\":\"update\",\"fields\":"
	    "{\"Subject\":\"Cancelled\"}},\"gone\":\"delete\"},"
	    " \"fields\":{\"WhoId\":\"@{lead.id}\",\"Subject\":\"{{name}}\"}},"
	    "{\"ref\":\"vip\",\"sobject\":\"Event\",\"when\":{\"all\":[{\"path\":\"vip\",\"equals\":true},"
	    " {\"not\":{\"any\":[{\"path\":\"status\",\"equals\":\"cancelled\"},"
	    " {\"path\":\"status\",\"equals\":\"gone\"}]}}]},"
	    " \"on\":{\"*\":\"create\"},\"fields\":{\"Subject\":\"VIP\"}}]}";
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m = compile(c, map, &p, SFP_OK);
	struct sfp_fail f;

	ck_assert_str_eq(apply(m, "{\"id\":\"b1\",\"status\":\"booked\",\"name\":\"Lee\",\"vip\":true}",
	    &f, SFP_OK),
	    "{\"id\":\"b1\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"method\":\"upsert\","
	    "\"upsert\":{\"field\":\"Key__c\",\"value\":\"b1\"},\"fields\":{\"LastName\":\"Lee\"}},"
	    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"method\":\"upsert\",\"upsert\":{\"field\":"
	    "\"Key__c\",\"value\":\"b1\"},\"fields\":{\"WhoId\":\"@{lead.id}\",\"Subject\":\"Lee\"}},"
	    "{\"ref\":\"vip\",\"sobject\":\"Event\",\"method\":\"create\",\"fields\":"
	    "{\"Subject\":\"VIP\"}}]}\n");
	/* cancelled: the lead left alone, the event updated by its key with its own
	 * fields only, the vip event's test fails (not any) */
	ck_assert_str_eq(apply(m, "{\"id\":\"b1\",\"status\":\"cancelled\",\"name\":\"Lee\","
	    "\"vip\":true}", &f, SFP_OK),
	    "{\"id\":\"b1\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"method\":\"none\"},"
	    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"method\":\"update\",\"key\":{\"field\":"
	    "\"Key__c\",\"value\":\"b1\"},\"fields\":{\"Subject\":\"Cancelled\"}}]}\n");
	/* a state no record knows: refused whole, with the path */
	apply(m, "{\"id\":\"b1\",\"status\":\"gone\",\"name\":\"Lee\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "unknown-state");
	ck_assert_str_eq(f.ref, "lead");
	apply(m, "{\"id\":\"b1\",\"name\":\"Lee\"}", &f, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "unknown-state");
	sfp_mapping_free(m);
	sfp_problems_fini(&p);

	/* what cannot work is refused at compile time */
	{
		static const char *bad[] = {
			/* a field created but not updated, on a record that is upserted */
			"{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"upsert\":"
			"{\"field\":\"Key__c\",\"value\":\"{{id}}\"},\"fields\":{\"EventSubtype\":\"x\"}}]}",
			/* the same field in an update's own fields */
			"{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"upsert\":"
			"{\"field\":\"Key__c\",\"value\":\"{{id}}\"},\"on\":{\"a\":\"create\",\"b\":{\"method\":"
			"\"update\",\"fields\":{\"EventSubtype\":\"x\"}}},\"fields\":{\"Subject\":\"x\"}}]}",
			/* an update or a delete without a key */
			"{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"on\":"
			"{\"a\":\"delete\"},\"fields\":{}}]}",
			/* "on" without the mapping's state */
			"{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"on\":{\"a\":\"create\"},"
			"\"fields\":{}}]}",
			/* an unknown action; fields on a delete */
			"{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"on\":"
			"{\"a\":\"merge\"},\"fields\":{}}]}",
			"{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"upsert\":"
			"{\"field\":\"Key__c\",\"value\":\"{{id}}\"},\"on\":{\"a\":{\"method\":\"delete\","
			"\"fields\":{}}},\"fields\":{}}]}",
			/* malformed combinations */
			"{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"all\":[]},\"fields\":{}}]}",
			"{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"not\":[]},\"fields\":{}}]}",
			"{\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"when\":{\"any\":[{\"path\":\"x\"}]},"
			"\"fields\":{}}]}",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct sfp_problems q = { NULL, 0, 0 };
			ck_assert_ptr_null(compile(c, bad[i], &q, SFP_E_INPUT));
			ck_assert_uint_gt(q.n, 0);
			sfp_problems_fini(&q);
		}
	}
	/* created but never updated: EventSubtype is fine */
	m = compile(c, "{\"state\":\"s\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"upsert\":"
	    "{\"field\":\"Key__c\",\"value\":\"{{id}}\"},\"on\":{\"a\":\"create\",\"b\":\"delete\"},"
	    "\"fields\":{\"EventSubtype\":\"x\"}}]}", &p, SFP_OK);
	sfp_mapping_free(m);
	sfp_problems_fini(&p);
	sfp_catalog_free(c);
}
END_TEST

/* An Event that may be updated writes its start with its end or duration. */
START_TEST(event_times_together)
{
	static const struct { const char *key, *fields, *on; size_t problems; } cases[] = {
		{ "\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},", "\"StartDateTime\":\"{{at}}\"",
		  "", 1 },
		{ "\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},", "\"DurationInMinutes\":30", "", 1 },
		{ "\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},",
		  "\"StartDateTime\":\"{{at}}\",\"DurationInMinutes\":30", "", 0 },
		/* created only: never updated, so nothing to keep consistent */
		{ "", "\"StartDateTime\":\"{{at}}\"", "", 0 },
		/* an update of its own fields moving only the start */
		{ "\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},",
		  "\"StartDateTime\":\"{{at}}\",\"DurationInMinutes\":30",
		  ",\"on\":{\"a\":\"upsert\",\"b\":{\"method\":\"update\",\"fields\":{\"StartDateTime\":"
		  "\"{{at}}\"}}}", 1 },
		/* one that only frees the slot touches no time */
		{ "\"upsert\":{\"field\":\"Key__c\",\"value\":\"{{id}}\"},",
		  "\"StartDateTime\":\"{{at}}\",\"DurationInMinutes\":30",
		  ",\"on\":{\"a\":\"upsert\",\"b\":{\"method\":\"update\",\"fields\":{\"IsPrivate\":true}}}",
		  0 },
	};
	struct sfp_catalog *c = catalog();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sfp_problems p = { NULL, 0, 0 };
		struct sfp_mapping *m;
		char buf[1024];

		snprintf(buf, sizeof buf, "{\"state\":\"s\",\"records\":[{\"ref\":\"ev\",\"sobject\":"
		    "\"Event\",%s\"fields\":{%s}%s}]}", cases[i].key, cases[i].fields, cases[i].on);
		m = compile(c, buf, &p, cases[i].problems ? SFP_E_INPUT : SFP_OK);
		ck_assert_uint_eq(p.n, cases[i].problems);
		if (p.n)
			ck_assert_ptr_nonnull(strstr(p.v[0].message, "the Event may be updated"));
		sfp_mapping_free(m);
		sfp_problems_fini(&p);
	}
	sfp_catalog_free(c);
}
END_TEST

/* A find whose first places look for an id the booking carries, and its
 * Contact under the Account of the email's domain. */
START_TEST(find_by_id_and_account)
{
	static const char *map = "{\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"upsert\":"
	    "{\"field\":\"Key__c\",\"value\":\"p:{{email}}\"},\"find\":{\"value\":\"{{email}}\","
	    "\"in\":[{\"sobject\":\"Contact\",\"field\":\"Id\",\"value\":\"{{sfid}}\"},"
	    "{\"sobject\":\"Contact\",\"field\":\"Email\"}],\"account\":{\"upsert\":{\"field\":"
	    "\"Key__c\",\"value\":\"p:{{email}}\"},\"fields\":{\"LastName\":\"{{name}}\","
	    "\"Email\":\"{{email}}\"}}},\"fields\":{\"LastName\":\"{{name}}\"}}]}";
	struct sfp_catalog *c = catalog();
	struct sfp_problems p = { NULL, 0, 0 };
	struct sfp_mapping *m = compile(c, map, &p, SFP_OK);
	struct sfp_fail f;
	const char *out;

	out = apply(m, "{\"id\":\"b\",\"email\":\"pat@acme.example\",\"name\":\"Lee\",\"sfid\":"
	    "\"003000000000001AAA\"}", &f, SFP_OK);
	ck_assert_str_eq(out, "{\"id\":\"b\",\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\","
	    "\"upsert\":{\"field\":\"Key__c\",\"value\":\"p:pat@acme.example\"},\"find\":{\"value\":"
	    "\"pat@acme.example\",\"in\":[{\"sobject\":\"Contact\",\"field\":\"Id\",\"value\":"
	    "\"003000000000001AAA\"},{\"sobject\":\"Contact\",\"field\":\"Email\"}],\"account\":"
	    "{\"sobject\":\"Contact\",\"field\":\"AccountId\",\"upsert\":{\"field\":\"Key__c\","
	    "\"value\":\"p:pat@acme.example\"},\"fields\":{\"LastName\":\"Lee\",\"Email\":"
	    "\"pat@acme.example\"}}},\"fields\":{\"LastName\":\"Lee\"}}]}\n");
	/* a malformed id, or none: that place is left out, the email still looked for */
	out = apply(m, "{\"id\":\"b\",\"email\":\"pat@acme.example\",\"name\":\"Lee\",\"sfid\":"
	    "\"003000000000001AAB\"}", &f, SFP_OK);
	ck_assert_ptr_nonnull(strstr(out, "\"in\":[{\"sobject\":\"Contact\",\"field\":\"Email\"}]"));
	out = apply(m, "{\"id\":\"b\",\"email\":\"pat@acme.example\",\"name\":\"Lee\"}", &f, SFP_OK);
	ck_assert_ptr_nonnull(strstr(out, "\"in\":[{\"sobject\":\"Contact\",\"field\":\"Email\"}]"));
	sfp_mapping_free(m);
	/* --check: every place has its own value; the Contact lacks LastName and
	 * sets AccountId itself; the account's field is not Contact's */
	ck_assert_ptr_null(compile(c, "{\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"find\":"
	    "{\"value\":\"{{email}}\",\"in\":[{\"sobject\":\"Contact\",\"field\":\"Id\",\"value\":"
	    "\"{{sfid}}\"}],\"account\":{\"fields\":{\"Email\":\"{{email}}\",\"AccountId\":"
	    "\"001000000000001AAA\",\"Nope__c\":1}}},\"fields\":{\"LastName\":\"x\"}}]}", &p,
	    SFP_E_INPUT));
	ck_assert_uint_eq(p.n, 4);
	ck_assert_ptr_nonnull(strstr(p.v[0].message, "at least one \"in\""));
	sfp_problems_fini(&p);
	sfp_catalog_free(c);
}
END_TEST

Suite *suite_mapping(void);

Suite *
suite_mapping(void)
{
	Suite *s = suite_create("mapping");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, compile_and_apply);
	tcase_add_test(tc, all_problems_at_once);
	tcase_add_test(tc, template_injection_is_impossible);
	tcase_add_loop_test(tc, compile_problem_places, 0,
	    (int)(sizeof(PROBLEMS) / sizeof(PROBLEMS[0])));
	tcase_add_loop_test(tc, apply_results, 0, (int)(sizeof(APPLIED) / sizeof(APPLIED[0])));
	tcase_add_test(tc, conditions_and_lists);
	tcase_add_test(tc, stream_counts_and_refusals);
	tcase_add_test(tc, actions_by_state);
	tcase_add_test(tc, version_of_booking);
	tcase_add_test(tc, event_times_together);
	tcase_add_test(tc, find_by_id_and_account);
	suite_add_tcase(s, tc);
	return s;
}
