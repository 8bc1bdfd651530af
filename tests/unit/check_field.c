/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "testutil.h"

/* One sObject with a field of every type the rules know, and the objects its
 * references name (for key prefixes). */
#define F(name, type, extra) "{\"name\":\"" name "\",\"type\":\"" type "\",\"createable\":true," \
	"\"nillable\":true,\"referenceTo\":[],\"picklist\":[]" extra "}"
static const char *const CATALOG[] = {
	"{\"name\":\"Thing__c\",\"keyPrefix\":\"a0T\",\"fields\":["
	F("S", "string", ",\"length\":5") ","
	F("Area", "textarea", ",\"length\":0") ","
	F("Mail", "email", ",\"length\":80") ","
	F("Tel", "phone", ",\"length\":40") ","
	F("Web", "url", ",\"length\":255") ","
	F("Enc", "encryptedstring", ",\"length\":4") ","
	F("Combo", "combobox", ",\"length\":40") ","
	F("Pick", "picklist", ",\"length\":40,\"picklist\":[{\"value\":\"A\",\"active\":true}]") ","
	"{\"name\":\"RPick\",\"type\":\"picklist\",\"length\":40,\"restricted\":true,\"picklist\":["
	"{\"value\":\"A\",\"active\":true},{\"value\":\"Gone\",\"active\":false}],\"referenceTo\":[]},"
	"{\"name\":\"Multi\",\"type\":\"multipicklist\",\"length\":12,\"restricted\":true,\"picklist\":["
	"{\"value\":\"x\",\"active\":true},{\"value\":\"y\",\"active\":true},"
	"{\"value\":\"z\",\"active\":false}],\"referenceTo\":[]},"
	"{\"name\":\"Dep\",\"type\":\"picklist\",\"length\":40,\"restricted\":true,"
	"\"controllerName\":\"RPick\",\"picklist\":[{\"value\":\"a1\",\"active\":true,"
	"\"validFor\":\"gA==\"},{\"value\":\"a2\",\"active\":true,\"validFor\":\"QA==\"}],"
	"\"referenceTo\":[]},"
	F("Open", "multipicklist", ",\"length\":100") ","
	F("I", "int", ",\"digits\":3") ","
	F("L", "long", ",\"digits\":0") ","
	F("D", "double", ",\"precision\":5,\"scale\":2") ","
	F("Cur", "currency", ",\"precision\":0,\"scale\":0") ","
	F("Pct", "percent", ",\"precision\":3,\"scale\":0") ","
	F("B", "boolean", "") ","
	F("Day", "date", "") ","
	F("At", "datetime", "") ","
	F("Clock", "time", "") ","
	"{\"name\":\"Owner\",\"type\":\"reference\",\"referenceTo\":[\"User\",\"Group\"],\"picklist\":[]},"
	"{\"name\":\"Some\",\"type\":\"reference\",\"referenceTo\":[\"Unknown__c\"],\"picklist\":[]},"
	"{\"name\":\"Id\",\"type\":\"id\",\"referenceTo\":[],\"picklist\":[]},"
	F("Where", "address", "") ","
	"{\"name\":\"Must\",\"type\":\"string\",\"length\":9,\"createable\":true,"
	"\"nillable\":false,\"referenceTo\":[],\"picklist\":[]},"
	"{\"name\":\"Locked\",\"type\":\"string\",\"length\":9,\"createable\":false,"
	"\"nillable\":true,\"referenceTo\":[],\"picklist\":[]}]}",
	"{\"name\":\"User\",\"keyPrefix\":\"005\",\"fields\":[]}",
	"{\"name\":\"Group\",\"keyPrefix\":\"00G\",\"fields\":[]}",
};

static struct sfp_catalog *cat;

static void
setup(void)
{
	struct sfp_fail f;
	size_t i;

	cat = sfp_catalog_new();
	ck_assert_ptr_nonnull(cat);
	for (i = 0; i < sizeof(CATALOG) / sizeof(CATALOG[0]); i++) {
		cJSON *line = cJSON_Parse(CATALOG[i]);
		ck_assert_ptr_nonnull(line);
		ck_assert_int_eq(sfp_catalog_add_take(cat, line, &f), SFP_OK);
	}
}

static void
teardown(void)
{
	sfp_catalog_free(cat);
	cat = NULL;
}

/*
 * One case: field, input and what must come out.  in is JSON (a value from a
 * booking or a mapping) unless typed, when it is text as typed on a command
 * line.  want is the JSON written, or "!CODE" for a refusal.
 */
struct fcase {
	const char *field, *in;
	int typed;
	const char *want;
};

static const struct fcase CASES[] = {
	/* text types: text, numbers and booleans as text, lengths in characters */
	{ "S", "\"abc\"", 0, "\"abc\"" },
	{ "S", "abc", 1, "\"abc\"" },
	{ "S", "\"\\u00e6\\u00f8\\u00e5\\u00e6\\u00f8\"", 0, "\"\xc3\xa6\xc3\xb8\xc3\xa5\xc3\xa6\xc3\xb8\"" },
	{ "S", "\"abcdef\"", 0, "!STRING_TOO_LONG" },
	{ "S", "\xc3\xa6\xc3\xb8\xc3\xa5\xc3\xa6\xc3\xb8\xc3\xa5", 1, "!STRING_TOO_LONG" },
	{ "S", "12345", 0, "\"12345\"" },
	{ "S", "1.5", 0, "\"1.5\"" },
	{ "S", "true", 0, "\"true\"" },
	{ "S", "\"a\\\"b\\n\"", 0, "\"a\\\"b\\n\"" },
	{ "S", "[\"a\"]", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "S", "{\"a\":1}", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "S", "\"@{x\"", 0, "!reference-in-data" },
	{ "Area", "\"any length at all, 0 means no limit\"", 0,
	  "\"any length at all, 0 means no limit\"" },
	{ "Mail", "a@b.example", 1, "\"a@b.example\"" },
	{ "Tel", "+47 1", 1, "\"+47 1\"" },
	{ "Web", "https://x.example/@{", 1, "!reference-in-data" },
	{ "Enc", "12345", 1, "!STRING_TOO_LONG" },
	{ "Combo", "free text", 1, "\"free text\"" },
	{ "Pick", "not listed", 1, "\"not listed\"" },
	/* restricted picklists: active values only, exactly */
	{ "RPick", "A", 1, "\"A\"" },
	{ "RPick", "a", 1, "!INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" },
	{ "RPick", "Gone", 1, "!INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" },
	{ "Multi", "x;y", 1, "\"x;y\"" },
	{ "Multi", "x;z", 1, "!INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" },
	{ "Multi", "[\"y\",\"x\"]", 0, "\"y;x\"" },
	{ "Multi", "[\"x\",\"q\"]", 0, "!INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" },
	{ "Multi", "[\"x\",1]", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Multi", "[\"x;y\"]", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Multi", "{\"x\":1}", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Multi", "x;y;x;y;x;y;x", 1, "!STRING_TOO_LONG" },
	{ "Open", "[]", 0, "\"\"" },
	/* int and long: whole decimal numbers within digits */
	{ "I", "16", 0, "16" },
	{ "I", "16", 1, "16" },
	{ "I", "-007", 1, "-7" },
	{ "I", "000", 1, "0" },
	{ "I", "999", 1, "999" },
	{ "I", "1000", 1, "!NUMBER_OUTSIDE_VALID_RANGE" },
	{ "I", "1000", 0, "!NUMBER_OUTSIDE_VALID_RANGE" },
	{ "I", "0x10", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "+1", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", " 1", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "\t1", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "1 ", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "1.5", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "1.5", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "1e2", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "true", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "I", "[1]", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "L", "123456789012345678", 1, "123456789012345678" },
	{ "L", "1234567890123456789", 1, "!NUMBER_OUTSIDE_VALID_RANGE" },
	/* double, currency, percent: decimal numbers, digits before the point */
	{ "D", "2.5", 1, "2.5" },
	{ "D", "2.50", 0, "2.5" },
	{ "D", "-0.25", 1, "-0.25" },
	{ "D", "1e2", 1, "100" },
	{ "D", "007.5", 1, "7.5" },
	{ "D", "999", 1, "999" },
	{ "D", "1000", 1, "!NUMBER_OUTSIDE_VALID_RANGE" },
	{ "D", "1e3", 1, "!NUMBER_OUTSIDE_VALID_RANGE" },
	{ "D", "999.999", 1, "999.999" },
	{ "D", ".5", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "D", "5.", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "D", "1e", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "D", "NaN", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "D", "inf", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Cur", "1e400", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Cur", "1e300", 0, "1e+300" },
	{ "Cur", "12,50", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "Pct", "12.5", 1, "12.5" },
	{ "Pct", "1000", 1, "!NUMBER_OUTSIDE_VALID_RANGE" },
	/* boolean: exactly true or false */
	{ "B", "true", 0, "true" },
	{ "B", "false", 0, "false" },
	{ "B", "true", 1, "true" },
	{ "B", "false", 1, "false" },
	{ "B", "yes", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "B", "1", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "B", "1", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "B", "True", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	{ "B", "[true]", 0, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
	/* dates, datetimes, times: ISO 8601 in, Salesforce's forms out */
	{ "Day", "2026-12-01", 1, "\"2026-12-01\"" },
	{ "Day", "20261201", 1, "\"2026-12-01\"" },
	{ "Day", "2026-12-01T23:30:00-02:00", 1, "\"2026-12-01\"" },   /* its own date */
	{ "Day", "2026-02-29", 1, "!bad-date" },
	{ "Day", "1/12/2026", 1, "!bad-date" },
	{ "Day", "20261201", 0, "!bad-date" },
	{ "At", "2026-12-01T10:00:00+01:00", 1, "\"2026-12-01T09:00:00.000Z\"" },
	{ "At", "2026-12-01T09:00:00.5Z", 1, "\"2026-12-01T09:00:00.500Z\"" },
	{ "At", "2026-12-01T09:00:00", 1, "!bad-date" },
	{ "At", "2026-12-01T09:60:00Z", 1, "!bad-date" },
	{ "Clock", "09:30", 1, "\"09:30:00.000Z\"" },
	{ "Clock", "09:30:05.250", 1, "\"09:30:05.250Z\"" },
	{ "Clock", "9:30", 1, "!bad-date" },
	{ "Clock", "true", 0, "!bad-date" },
	/* ids: length, letters and digits, checksum, key prefix */
	{ "Owner", "005Hs0000000003IAA", 1, "\"005Hs0000000003IAA\"" },
	{ "Owner", "005Hs0000000003", 1, "\"005Hs0000000003\"" },
	{ "Owner", "00GHs0000000001MAA", 1, "\"00GHs0000000001MAA\"" },
	{ "Owner", "005Hs0000000003IAB", 1, "!MALFORMED_ID" },
	{ "Owner", "005Hs000000000", 1, "!MALFORMED_ID" },
	{ "Owner", "005Hs000000000-", 1, "!MALFORMED_ID" },
	{ "Owner", "5", 0, "!MALFORMED_ID" },
	{ "Owner", "001Hs0000000001IAA", 1, "!INVALID_CROSS_REFERENCE_KEY" },
	{ "Some", "001Hs0000000001IAA", 1, "\"001Hs0000000001IAA\"" },
	{ "Id", "001Hs0000000001IAA", 1, "\"001Hs0000000001IAA\"" },
	{ "Id", "@{lead.id}", 1, "!MALFORMED_ID" },
	/* types the rules do not know */
	{ "Where", "Oslo", 1, "!INVALID_TYPE_ON_FIELD_IN_RECORD" },
};

START_TEST(every_type_and_refusal)
{
	const struct fcase *c = &CASES[_i];
	struct sfp_buf out = SFP_BUF_INIT;
	struct sfp_field fd;
	struct sfp_value v;
	struct sfp_fail f;
	enum sfp_status st;
	cJSON *j = NULL;

	ck_assert_msg(sfp_catalog_field(cat, "Thing__c", c->field, &fd), "no field %s", c->field);
	if (c->typed)
		sfp_value_from_text(&v, c->in);
	else {
		ck_assert_ptr_nonnull(j = cJSON_Parse(c->in));
		sfp_value_from_json(&v, j);
	}
	sfp_fail_clear(&f);
	st = sfp_field_value(cat, &fd, &v, &out, &f);
	if (c->want[0] == '!') {
		ck_assert_msg(st == SFP_E_ITEM, "%s <- %s: accepted as %s", c->field, c->in,
		    out.p ? out.p : "");
		ck_assert_str_eq(f.code, c->want + 1);
		ck_assert_str_eq(f.fields, fd.name);
		ck_assert_str_eq(f.place, "");
		ck_assert_uint_eq(out.len, 0);
		ck_assert_uint_gt(strlen(f.message), 0);
	} else {
		ck_assert_msg(st == SFP_OK, "%s <- %s: %s: %s", c->field, c->in, f.code, f.message);
		ck_assert_str_eq(out.p, c->want);
	}
	sfp_buf_fini(&out);
	cJSON_Delete(j);
}
END_TEST

START_TEST(kinds_of_types)
{
	static const struct { const char *type; enum sfp_field_kind k; } t[] = {
		{ "string", SFP_FIELD_TEXT }, { "textarea", SFP_FIELD_TEXT },
		{ "email", SFP_FIELD_TEXT }, { "phone", SFP_FIELD_TEXT }, { "url", SFP_FIELD_TEXT },
		{ "picklist", SFP_FIELD_TEXT }, { "multipicklist", SFP_FIELD_TEXT },
		{ "combobox", SFP_FIELD_TEXT }, { "encryptedstring", SFP_FIELD_TEXT },
		{ "int", SFP_FIELD_INT }, { "long", SFP_FIELD_INT }, { "double", SFP_FIELD_NUMBER },
		{ "currency", SFP_FIELD_NUMBER }, { "percent", SFP_FIELD_NUMBER },
		{ "boolean", SFP_FIELD_BOOLEAN }, { "date", SFP_FIELD_DATE },
		{ "datetime", SFP_FIELD_DATETIME }, { "time", SFP_FIELD_TIME },
		{ "reference", SFP_FIELD_ID }, { "id", SFP_FIELD_ID },
		{ "address", SFP_FIELD_UNSUPPORTED }, { "base64", SFP_FIELD_UNSUPPORTED },
		{ "location", SFP_FIELD_UNSUPPORTED }, { "String", SFP_FIELD_UNSUPPORTED },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(sfp_field_kind(t[i].type) == t[i].k, "%s", t[i].type);
}
END_TEST

START_TEST(truncate_cuts_whole_characters)
{
	struct sfp_buf out = SFP_BUF_INIT;
	struct sfp_field fd;
	struct sfp_value v;
	struct sfp_fail f;

	ck_assert(sfp_catalog_field(cat, "Thing__c", "S", &fd));
	sfp_value_from_text(&v, "\xc3\xa6\xc3\xb8\xc3\xa5\xc3\xa6\xc3\xb8\xc3\xa5xyz");
	v.truncate = 1;
	ck_assert_int_eq(sfp_field_value(cat, &fd, &v, &out, &f), SFP_OK);
	ck_assert_str_eq(out.p, "\"\xc3\xa6\xc3\xb8\xc3\xa5\xc3\xa6\xc3\xb8\"");
	sfp_buf_fini(&out);
	ck_assert_uint_eq(sfp_utf8_chars("\xc3\xa6" "a", 3), 2);
	ck_assert_uint_eq(sfp_utf8_cut("\xc3\xa6" "a", 3, 1), 2);
	ck_assert_uint_eq(sfp_utf8_cut("ab", 2, 5), 2);
}
END_TEST

START_TEST(numbers_written_as_written)
{
	struct sfp_buf out = SFP_BUF_INIT;
	struct sfp_field fd;
	struct sfp_value v;
	struct sfp_fail f;
	char nb[64];

	/* a mapping literal keeps its text; NaN as a number is refused */
	ck_assert(sfp_catalog_field(cat, "Thing__c", "D", &fd));
	memset(&v, 0, sizeof(v));
	v.kind = SFP_VALUE_NUMBER;
	v.num = 1.25;
	v.numtext = "1.25";
	v.numlen = 4;
	ck_assert_int_eq(sfp_field_value(cat, &fd, &v, &out, &f), SFP_OK);
	ck_assert_str_eq(out.p, "1.25");
	v.numtext = NULL;
	v.num = strtod("nan", NULL);
	ck_assert_int_eq(sfp_field_value(cat, &fd, &v, &out, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.message, "not a finite number");
	sfp_buf_fini(&out);
	ck_assert_int_eq(sfp_number_format(3.0, nb, sizeof(nb)), 1);
	ck_assert_str_eq(nb, "3");
	(void)sfp_number_format(0.1, nb, sizeof(nb));
	ck_assert_str_eq(nb, "0.1");
	(void)sfp_number_format(1e20, nb, sizeof(nb));
	ck_assert_str_eq(nb, "1e+20");
}
END_TEST

START_TEST(times_in_a_zone)
{
	struct sfp_value v;
	struct sfp_fail f;
	struct sfp_tz *z;
	char out[32];

	ck_assert_int_eq(sfp_tz_load("Europe/Berlin", &z, &f), SFP_OK);
	sfp_value_from_text(&v, "2026-12-01T10:00");
	ck_assert_int_eq(sfp_value_time(&v, SFP_WANT_DATETIME, "At", out, &f), -1);
	ck_assert_str_eq(f.code, "bad-date");
	ck_assert_str_eq(f.fields, "At");
	v.zone = z;
	ck_assert_int_eq(sfp_value_time(&v, SFP_WANT_DATETIME, "At", out, &f), 24);
	ck_assert_str_eq(out, "2026-12-01T09:00:00.000Z");
	sfp_value_from_text(&v, "2026-12-01T23:30:00Z");
	v.zone = z;
	ck_assert_int_eq(sfp_value_time(&v, SFP_WANT_DATE, NULL, out, &f), 10);
	ck_assert_str_eq(out, "2026-12-02");
	sfp_tz_free(z);
}
END_TEST

START_TEST(typed_values)
{
	struct sfp_fail f;
	cJSON *v = NULL;
	char *s;

	/* the field's own spelling is found case-insensitively; text is read as text */
	ck_assert_int_eq(sfp_field_typed(cat, "thing__c", "i", "016", &v, &f), SFP_OK);
	ck_assert(cJSON_IsNumber(v));
	ck_assert_int_eq((int)v->valuedouble, 16);
	cJSON_Delete(v);
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "Clock", "09:30", &v, &f), SFP_OK);
	ck_assert_str_eq(v->valuestring, "09:30:00.000Z");
	cJSON_Delete(v);
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "Open", "x;y", &v, &f), SFP_OK);
	s = cJSON_PrintUnformatted(v);
	ck_assert_str_eq(s, "\"x;y\"");
	free(s);
	cJSON_Delete(v);
	/* empty is null, for a nillable field only */
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "S", "", &v, &f), SFP_OK);
	ck_assert(cJSON_IsNull(v));
	cJSON_Delete(v);
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "Must", "", &v, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "REQUIRED_FIELD_MISSING");
	ck_assert_str_eq(f.place, "field Must");
	ck_assert_ptr_null(v);
	/* a refusal is the whole input's: SFP_E_INPUT, code and reason from the rules */
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "b", "yes", &v, &f), SFP_E_INPUT);
	ck_assert_int_eq(f.status, SFP_E_INPUT);
	ck_assert_str_eq(f.code, "INVALID_TYPE_ON_FIELD_IN_RECORD");
	ck_assert_str_eq(f.place, "field B");
	ck_assert_str_eq(f.message, "not a boolean: \"yes\" (only true or false)");
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "Nope", "1", &v, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "INVALID_FIELD");
	ck_assert_int_eq(sfp_field_typed(cat, "Other", "S", "1", &v, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "INVALID_FIELD");
	ck_assert_int_eq(sfp_field_typed(cat, "Thing__c", "Locked", "1", &v, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "INVALID_FIELD_FOR_INSERT_UPDATE");
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(missing_values_and_reference_syntax)
{
	struct sfp_buf out = SFP_BUF_INIT;
	struct sfp_field fd;
	struct sfp_value v;
	struct sfp_fail f;

	ck_assert(sfp_catalog_field(cat, "Thing__c", "S", &fd));
	sfp_value_from_json(&v, NULL);
	ck_assert_int_eq(v.kind, SFP_VALUE_MISSING);
	ck_assert_int_eq(sfp_field_value(cat, &fd, &v, &out, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "REQUIRED_FIELD_MISSING");
	ck_assert_uint_eq(out.len, 0);
	sfp_buf_fini(&out);
	ck_assert_int_eq(sfp_text_has_reference("a@{b", 4), 1);
	ck_assert_int_eq(sfp_text_has_reference("@{", 2), 1);
	ck_assert_int_eq(sfp_text_has_reference("@{", 1), 0);
	ck_assert_int_eq(sfp_text_has_reference("@ {", 3), 0);
	ck_assert_int_eq(sfp_text_has_reference("{@", 2), 0);
	ck_assert_int_eq(sfp_text_has_reference("", 0), 0);
}
END_TEST

/* A restricted dependent picklist's value against its controlling value: the
 * one rule sf-map and sf-create's operator form share. */
START_TEST(dependent_picklists)
{
	struct sfp_field dep, plain;
	struct sfp_fail f;

	ck_assert(sfp_catalog_field(cat, "Thing__c", "Dep", &dep));
	ck_assert(sfp_catalog_field(cat, "Thing__c", "Pick", &plain));
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, "a1", "A", &f), SFP_OK);
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, "a2", "Gone", &f), SFP_OK);
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, NULL, "A", &f), SFP_OK);
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &plain, "A", NULL, &f), SFP_OK);
	/* a value the catalog does not list is the picklist check's, not this one's */
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, "zz", "A", &f), SFP_OK);
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, "a2", "A", &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
	ck_assert_str_eq(f.fields, "Dep");
	ck_assert_str_eq(f.message, "\"a2\" of the dependent picklist Dep is not valid when RPick is \"A\"");
	ck_assert_int_eq(sfp_field_dependent(cat, "Thing__c", &dep, "a1", NULL, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.message, "\"a1\" of the dependent picklist Dep is not valid when RPick is empty");
}
END_TEST

Suite *
suite_field(void)
{
	Suite *s = suite_create("field");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, every_type_and_refusal, 0, (int)(sizeof(CASES) / sizeof(CASES[0])));
	tcase_add_test(tc, kinds_of_types);
	tcase_add_test(tc, truncate_cuts_whole_characters);
	tcase_add_test(tc, numbers_written_as_written);
	tcase_add_test(tc, times_in_a_zone);
	tcase_add_test(tc, typed_values);
	tcase_add_test(tc, missing_values_and_reference_syntax);
	tcase_add_test(tc, dependent_picklists);
	suite_add_tcase(s, tc);
	return s;
}
