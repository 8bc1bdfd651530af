/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "mapping.h"

/* A two-object catalog in describe.h's line format. */
static const char *const LINES[] = {
	"{\"name\":\"Lead\",\"label\":\"Lead\",\"keyPrefix\":\"00Q\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"LastName\",\"type\":\"string\",\"length\":10,\"createable\":true,"
	"\"nillable\":false,\"defaultedOnCreate\":false,\"required\":true,\"externalId\":false,"
	"\"restricted\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"NumberOfEmployees\",\"type\":\"int\",\"digits\":8,\"createable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Key__c\",\"type\":\"string\",\"length\":80,\"createable\":true,"
	"\"nillable\":true,\"required\":false,\"externalId\":true,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Rating\",\"type\":\"picklist\",\"length\":40,\"createable\":true,"
	"\"nillable\":true,\"required\":false,\"restricted\":true,\"referenceTo\":[],"
	"\"picklist\":[{\"value\":\"Hot\",\"label\":\"Hot\",\"active\":true,\"default\":false}]}]}",
	"{\"name\":\"Event\",\"label\":\"Event\",\"keyPrefix\":\"00U\",\"custom\":false,"
	"\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	"{\"name\":\"WhoId\",\"type\":\"reference\",\"length\":18,\"createable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[\"Lead\"],\"picklist\":[]},"
	"{\"name\":\"StartDateTime\",\"type\":\"datetime\",\"createable\":true,"
	"\"nillable\":true,\"required\":false,\"referenceTo\":[],\"picklist\":[]}]}",
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
	suite_add_tcase(s, tc);
	return s;
}
