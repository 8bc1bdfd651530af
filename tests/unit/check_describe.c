/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "testutil.h"

static const char raw_lead[] =
    "{\"name\":\"Lead\",\"label\":\"Lead\",\"keyPrefix\":\"00Q\",\"custom\":false,"
    "\"createable\":true,\"updateable\":true,\"queryable\":true,\"urls\":{},\"fields\":["
    "{\"name\":\"LastName\",\"label\":\"Last Name\",\"type\":\"string\",\"soapType\":\"xsd:string\","
    "\"length\":80,\"precision\":0,\"scale\":0,\"digits\":0,\"createable\":true,\"updateable\":true,"
    "\"nillable\":false,\"defaultedOnCreate\":false,\"externalId\":false,\"unique\":false,"
    "\"idLookup\":false,\"restrictedPicklist\":false,\"referenceTo\":[],\"relationshipName\":null,"
    "\"picklistValues\":[]},"
    "{\"name\":\"OwnerId\",\"label\":\"Owner ID\",\"type\":\"reference\",\"soapType\":\"tns:ID\","
    "\"length\":18,\"createable\":true,\"updateable\":true,\"nillable\":false,"
    "\"defaultedOnCreate\":true,\"referenceTo\":[\"Group\",\"User\"],\"relationshipName\":\"Owner\","
    "\"picklistValues\":[]},"
    "{\"name\":\"LeadSource\",\"label\":\"Lead Source\",\"type\":\"picklist\",\"soapType\":\"xsd:string\","
    "\"length\":255,\"createable\":true,\"nillable\":true,\"restrictedPicklist\":true,"
    "\"picklistValues\":[{\"value\":\"Web\",\"label\":\"Web\",\"active\":true,\"defaultValue\":false},"
    "{\"value\":\"Old\",\"label\":\"Old\",\"active\":false,\"defaultValue\":false}]}]}";

START_TEST(catalog_from_raw_describe)
{
	struct sfp_catalog *c = sfp_catalog_new();
	struct sfp_field fl;
	struct sfp_fail f;
	cJSON *raw = cJSON_Parse(raw_lead);

	ck_assert_ptr_nonnull(raw);
	ck_assert_int_eq(sfp_catalog_add_take(c, raw, &f), SFP_OK);
	ck_assert_uint_eq(sfp_catalog_count(c), 1);
	ck_assert_ptr_nonnull(sfp_catalog_sobject(c, "lead"));
	ck_assert_int_eq(sfp_catalog_field(c, "Lead", "lastname", &fl), 1);
	ck_assert_str_eq(fl.name, "LastName");
	ck_assert_int_eq(fl.required, 1);
	ck_assert_int_eq(fl.length, 80);
	ck_assert_int_eq(sfp_catalog_field(c, "Lead", "OwnerId", &fl), 1);
	ck_assert_int_eq(fl.required, 0);   /* defaulted on create */
	ck_assert_int_eq(cJSON_GetArraySize(fl.reference_to), 2);
	ck_assert_int_eq(sfp_catalog_field(c, "Lead", "LeadSource", &fl), 1);
	ck_assert_int_eq(fl.restricted, 1);
	ck_assert_int_eq(fl.required, 0);
	ck_assert_int_eq(cJSON_GetArraySize(fl.picklist), 2);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(fl.picklist, 1), "active")));
	ck_assert_int_eq(sfp_catalog_field(c, "Lead", "Rating", &fl), 0);
	ck_assert_int_eq(sfp_catalog_field(c, "Contact", "LastName", &fl), 0);
	sfp_catalog_free(c);
}
END_TEST

START_TEST(load_catalog_file_and_refuse_bad_lines)
{
	char path[] = "/tmp/sfp-cat-XXXXXX";
	int fd = mkstemp(path);
	struct sfp_catalog *c;
	struct sfp_fail f;
	FILE *fp = fdopen(fd, "w");

	fputs(raw_lead, fp);
	fputs("\n{\"name\":\"Event\",\"fields\":[{\"name\":\"Subject\",\"type\":\"combobox\","
	    "\"createable\":true,\"nillable\":true,\"required\":false,\"picklist\":[],\"referenceTo\":[]}]}\n", fp);
	fclose(fp);
	ck_assert_int_eq(sfp_catalog_load(path, &c, &f), SFP_OK);
	ck_assert_uint_eq(sfp_catalog_count(c), 2);
	sfp_catalog_free(c);

	fp = fopen(path, "w");
	fputs("{\"name\":\"Lead\",\"label\":\"Lead\",\"createable\":true}\n", fp);
	fclose(fp);
	ck_assert_int_eq(sfp_catalog_load(path, &c, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "no fields"));
	unlink(path);
}
END_TEST

Suite *
suite_describe(void)
{
	Suite *s = suite_create("describe");
	TCase *tc = tcase_create("catalog");

	tcase_add_test(tc, catalog_from_raw_describe);
	tcase_add_test(tc, load_catalog_file_and_refuse_bad_lines);
	suite_add_tcase(s, tc);
	return s;
}
