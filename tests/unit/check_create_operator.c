/* SPDX-License-Identifier: ISC */
#include "compat.h"
/* sf-create's operator form: one plan from Field=Value arguments.  (The suite is
 * create_operator because suite_create is Check's own.) */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create.h"
#include "plan.h"
#include "testutil.h"

START_TEST(operator_plan_without_catalog)
{
	const char *args[] = { "LastName=Lee", "Company=Acme = Co", "Empty=" };
	cJSON *p = NULL;
	struct sfp_fail f;
	char *s;

	ck_assert_int_eq(sfp_create_operator_plan(NULL, "Lead", args, 3, "Booking_Key__c=k 1",
	    &p, &f), SFP_OK);
	s = cJSON_PrintUnformatted(p);
	ck_assert_str_eq(s, "{\"id\":\"Lead\",\"records\":[{\"ref\":\"record\",\"sobject\":"
	    "\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"k 1\"},\"fields\":"
	    "{\"LastName\":\"Lee\",\"Company\":\"Acme = Co\",\"Empty\":\"\"}}]}");
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	free(s);
	cJSON_Delete(p);
	args[0] = "LastName";
	ck_assert_int_eq(sfp_create_operator_plan(NULL, "Lead", args, 1, NULL, &p, &f),
	    SFP_E_USAGE);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(sfp_create_operator_plan(NULL, "Le/ad", args, 0, NULL, &p, &f),
	    SFP_E_USAGE);
}
END_TEST

START_TEST(operator_plan_coerces_by_catalog)
{
	struct sfp_catalog *c = sfp_catalog_new();
	struct sfp_fail f;
	cJSON *line = tu_parse("{\"name\":\"Lead\",\"fields\":["
	    "{\"name\":\"N__c\",\"type\":\"double\",\"createable\":true,\"picklist\":[],\"referenceTo\":[]},"
	    "{\"name\":\"B__c\",\"type\":\"boolean\",\"createable\":true,\"picklist\":[],\"referenceTo\":[]},"
	    "{\"name\":\"D__c\",\"type\":\"date\",\"createable\":true,\"picklist\":[],\"referenceTo\":[]},"
	    "{\"name\":\"R__c\",\"type\":\"string\",\"createable\":false,\"picklist\":[],\"referenceTo\":[]}]}");
	const char *good[] = { "N__c=2.5", "B__c=true", "D__c=2026-12-01" };
	const char *bad[] = { "N__c=2x", "B__c=maybe", "B__c=yes", "N__c=0x10", "D__c=01/12/2026",
		"R__c=x", "Nope__c=1" };
	cJSON *p = NULL;
	char *s;
	size_t i;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sfp_catalog_add_take(c, line, &f), SFP_OK);
	ck_assert_int_eq(sfp_create_operator_plan(c, "Lead", good, 3, NULL, &p, &f), SFP_OK);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(p, "records"), 0), "fields"));
	ck_assert_str_eq(s, "{\"N__c\":2.5,\"B__c\":true,\"D__c\":\"2026-12-01\"}");
	free(s);
	cJSON_Delete(p);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(sfp_create_operator_plan(c, "Lead", bad + i, 1, NULL, &p, &f) ==
		    SFP_E_INPUT, "accepted %s", bad[i]);
	sfp_catalog_free(c);
}
END_TEST

Suite *
suite_create_operator(void)
{
	Suite *s = suite_create("create_operator");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, operator_plan_without_catalog);
	tcase_add_test(tc, operator_plan_coerces_by_catalog);
	suite_add_tcase(s, tc);
	return s;
}
