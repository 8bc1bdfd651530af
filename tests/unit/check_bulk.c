/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "testutil.h"

START_TEST(eligible_and_grouping)
{
	cJSON *a = tu_parse("{\"id\":1,\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"upsert\":"
	    "{\"field\":\"K__c\",\"value\":\"1\"},\"fields\":{\"LastName\":\"x\"}}]}");
	cJSON *b = tu_parse("{\"id\":2,\"records\":[{\"ref\":\"l\",\"sobject\":\"lead\",\"upsert\":"
	    "{\"field\":\"k__c\",\"value\":\"2\"},\"fields\":{\"Company\":\"y\"}}]}");
	cJSON *c = tu_parse("{\"id\":3,\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\","
	    "\"fields\":{\"LastName\":\"x\"}}]}");
	cJSON *r = tu_parse("{\"id\":4,\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\","
	    "\"fields\":{\"X__c\":\"@{a.id}\"}}]}");
	cJSON *two = tu_parse("{\"id\":5,\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}},"
	    "{\"ref\":\"b\",\"sobject\":\"Lead\",\"fields\":{}}]}");

	ck_assert_int_eq(sfp_bulk_eligible(a), 1);
	ck_assert_int_eq(sfp_bulk_eligible(c), 1);
	ck_assert_int_eq(sfp_bulk_eligible(r), 0);
	ck_assert_int_eq(sfp_bulk_eligible(two), 0);
	ck_assert_int_eq(sfp_bulk_same_job(a, b), 1);
	ck_assert_int_eq(sfp_bulk_same_job(a, c), 0);
	cJSON_Delete(a); cJSON_Delete(b); cJSON_Delete(c); cJSON_Delete(r); cJSON_Delete(two);
}
END_TEST

START_TEST(csv_quotes_nulls_and_union_of_columns)
{
	cJSON *p[2] = {
		tu_parse("{\"id\":1,\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"upsert\":"
		    "{\"field\":\"K__c\",\"value\":7},\"fields\":{\"LastName\":\"Lee \\\"Ann\\\", x\","
		    "\"N__c\":2.5,\"B__c\":true}}]}"),
		tu_parse("{\"id\":2,\"records\":[{\"ref\":\"l\",\"sobject\":\"Lead\",\"upsert\":"
		    "{\"field\":\"K__c\",\"value\":\"k\\n2\"},\"fields\":{\"Company\":null}}]}"),
	};
	char *csv = NULL, *cells[8];
	size_t len = 0, pos = 0;
	int n, i;

	ck_assert_int_eq(sfp_bulk_csv((const cJSON *const *)p, 2, &csv, &len), SFP_OK);
	ck_assert_str_eq(csv, "\"K__c\",\"LastName\",\"N__c\",\"B__c\",\"Company\"\n"
	    "\"7\",\"Lee \"\"Ann\"\", x\",\"2.5\",\"true\",\"\"\n"
	    "\"k\n2\",\"\",\"\",\"\",\"#N/A\"\n");
	ck_assert_uint_eq(len, strlen(csv));
	ck_assert_int_eq(sfp_csv_row(csv, len, &pos, cells, 8), 5);
	for (i = 0; i < 5; i++)
		free(cells[i]);
	n = sfp_csv_row(csv, len, &pos, cells, 8);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(cells[1], "Lee \"Ann\", x");
	for (i = 0; i < n; i++)
		free(cells[i]);
	n = sfp_csv_row(csv, len, &pos, cells, 8);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(cells[0], "k\n2");
	ck_assert_str_eq(cells[4], "#N/A");
	for (i = 0; i < n; i++)
		free(cells[i]);
	ck_assert_int_eq(sfp_csv_row(csv, len, &pos, cells, 8), 0);
	free(csv);
	cJSON_Delete(p[0]);
	cJSON_Delete(p[1]);
}
END_TEST

START_TEST(csv_row_refuses_malformed)
{
	static const char *bad[] = { "\"open", "\"a\"b\n", "a,b" };
	char *cells[1];
	size_t i, pos;

	for (i = 0; i < 2; i++) {
		char *c2[4];

		pos = 0;
		ck_assert_int_eq(sfp_csv_row(bad[i], strlen(bad[i]), &pos, c2, 4), -1);
	}
	pos = 0;
	ck_assert_int_eq(sfp_csv_row(bad[2], strlen(bad[2]), &pos, cells, 1), -1);
}
END_TEST

Suite *
suite_bulk(void)
{
	Suite *s = suite_create("bulk");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, eligible_and_grouping);
	tcase_add_test(tc, csv_quotes_nulls_and_union_of_columns);
	tcase_add_test(tc, csv_row_refuses_malformed);
	suite_add_tcase(s, tc);
	return s;
}
