/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "describe.h"
#include "mapping.h"
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
	char path[4096];
	int fd = tu_tmpfile(path, sizeof(path), "cat");
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

/* A restricted State__c depending on Country__c (US, CA, DE) and Tier__c on
 * a checkbox; validFor bitmaps as Salesforce describes them: "gA==" is bit 0
 * (0x80), "QA==" bit 1 (0x40), "IA==" bit 2 (0x20). */
static const char raw_account[] =
    "{\"name\":\"Account\",\"keyPrefix\":\"001\",\"createable\":true,\"fields\":["
    "{\"name\":\"Name\",\"type\":\"string\",\"soapType\":\"xsd:string\",\"length\":255,"
    "\"createable\":true,\"nillable\":false,\"picklistValues\":[]},"
    "{\"name\":\"Country__c\",\"type\":\"picklist\",\"soapType\":\"xsd:string\",\"length\":255,"
    "\"createable\":true,\"nillable\":true,\"restrictedPicklist\":true,\"picklistValues\":["
    "{\"value\":\"US\",\"active\":true},{\"value\":\"CA\",\"active\":true},"
    "{\"value\":\"DE\",\"active\":true}]},"
    "{\"name\":\"State__c\",\"type\":\"picklist\",\"soapType\":\"xsd:string\",\"length\":255,"
    "\"createable\":true,\"nillable\":true,\"restrictedPicklist\":true,"
    "\"dependentPicklist\":true,\"controllerName\":\"Country__c\",\"picklistValues\":["
    "{\"value\":\"NY\",\"active\":true,\"validFor\":\"gA==\"},"
    "{\"value\":\"ON\",\"active\":true,\"validFor\":\"QA==\"},"
    "{\"value\":\"BY\",\"active\":true,\"validFor\":\"IA==\"}]},"
    "{\"name\":\"Urgent__c\",\"type\":\"boolean\",\"soapType\":\"xsd:boolean\","
    "\"createable\":true,\"nillable\":false,\"defaultedOnCreate\":true,\"picklistValues\":[]},"
    "{\"name\":\"Tier__c\",\"type\":\"picklist\",\"soapType\":\"xsd:string\",\"length\":255,"
    "\"createable\":true,\"nillable\":true,\"restrictedPicklist\":true,"
    "\"dependentPicklist\":true,\"controllerName\":\"Urgent__c\",\"picklistValues\":["
    "{\"value\":\"Low\",\"active\":true,\"validFor\":\"gA==\"},"
    "{\"value\":\"High\",\"active\":true,\"validFor\":\"QA==\"}]}]}";

static struct sfp_catalog *
account_catalog(void)
{
	struct sfp_catalog *c = sfp_catalog_new();
	struct sfp_fail f;
	cJSON *raw = cJSON_Parse(raw_account);

	ck_assert_ptr_nonnull(raw);
	ck_assert_int_eq(sfp_catalog_add_take(c, raw, &f), SFP_OK);
	return c;
}

START_TEST(dependent_picklist_pairs)
{
	struct sfp_catalog *c = account_catalog();
	struct sfp_field fl;

	ck_assert_int_eq(sfp_catalog_field(c, "Account", "State__c", &fl), 1);
	ck_assert_str_eq(fl.controller_name, "Country__c");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(fl.picklist, 1), "validFor")->valuestring,
	    "QA==");
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "NY", "US"), 1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "ON", "CA"), 1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "BY", "DE"), 1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "ON", "US"), 0);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "NY", "DE"), 0);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "NY", NULL), 0);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "Tier__c", "High", "true"), 1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "Tier__c", "High", "false"), 0);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "Tier__c", "Low", "false"), 1);
	/* Not known: no controller, a value or controller value not described. */
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "Country__c", "US", NULL), -1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "XX", "US"), -1);
	ck_assert_int_eq(sfp_catalog_dependent_valid(c, "Account", "State__c", "NY", "FR"), -1);
	sfp_catalog_free(c);
}
END_TEST

/* sf-map refuses the pairs Salesforce refuses: constants at compile time
 * (--check), values from a booking per booking. */
START_TEST(mapping_refuses_invalid_dependent_pairs)
{
	struct sfp_catalog *c = account_catalog();
	struct sfp_mapping *m = NULL;
	struct sfp_problems probs;
	struct sfp_fail f;
	const char *line;
	size_t len;
	cJSON *j, *b;

	memset(&probs, 0, sizeof(probs));
	j = cJSON_Parse("{\"id\":\"id\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Account\","
	    "\"fields\":{\"Name\":\"x\",\"Country__c\":\"US\",\"State__c\":\"ON\"}}]}");
	ck_assert_int_eq(sfp_mapping_compile(j, c, &m, &probs, &f), SFP_E_INPUT);
	ck_assert_ptr_null(m);
	ck_assert_uint_ge(probs.n, 1);
	ck_assert_ptr_nonnull(strstr(probs.v[0].message, "dependent picklist State__c"));
	sfp_problems_fini(&probs);
	cJSON_Delete(j);

	memset(&probs, 0, sizeof(probs));
	j = cJSON_Parse("{\"id\":\"id\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Account\","
	    "\"fields\":{\"Name\":\"x\",\"Country__c\":\"{{country}}\",\"State__c\":\"{{state}}\","
	    "\"Urgent__c\":\"{{urgent}}\",\"Tier__c\":\"{{tier}}\"}}]}");
	ck_assert_int_eq(sfp_mapping_compile(j, c, &m, &probs, &f), SFP_OK);
	b = cJSON_Parse("{\"id\":\"b1\",\"country\":\"CA\",\"state\":\"ON\",\"urgent\":true,"
	    "\"tier\":\"High\"}");
	ck_assert_int_eq(sfp_mapping_apply(m, b, &line, &len, &f), SFP_OK);
	cJSON_Delete(b);
	b = cJSON_Parse("{\"id\":\"b2\",\"country\":\"US\",\"state\":\"ON\"}");
	ck_assert_int_eq(sfp_mapping_apply(m, b, &line, &len, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
	ck_assert_ptr_nonnull(strstr(f.message, "Country__c is \"US\""));
	cJSON_Delete(b);
	b = cJSON_Parse("{\"id\":\"b3\",\"state\":\"NY\"}");
	ck_assert_int_eq(sfp_mapping_apply(m, b, &line, &len, &f), SFP_E_ITEM);
	ck_assert_ptr_nonnull(strstr(f.message, "empty"));
	cJSON_Delete(b);
	b = cJSON_Parse("{\"id\":\"b4\",\"urgent\":false,\"tier\":\"High\"}");
	ck_assert_int_eq(sfp_mapping_apply(m, b, &line, &len, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
	cJSON_Delete(b);
	sfp_mapping_free(m);
	sfp_problems_fini(&probs);
	cJSON_Delete(j);
	sfp_catalog_free(c);
}
END_TEST

Suite *
suite_describe(void)
{
	Suite *s = suite_create("describe");
	TCase *tc = tcase_create("catalog");

	tcase_add_test(tc, catalog_from_raw_describe);
	tcase_add_test(tc, load_catalog_file_and_refuse_bad_lines);
	tcase_add_test(tc, dependent_picklist_pairs);
	tcase_add_test(tc, mapping_refuses_invalid_dependent_pairs);
	suite_add_tcase(s, tc);
	return s;
}
