/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "exit.h"
#include "fail.h"
#include "testutil.h"

START_TEST(exit_table)
{
	ck_assert_int_eq(sfp_exit_code(SFP_OK), 0);
	ck_assert_int_eq(sfp_exit_code(SFP_E_ITEM), 1);
	ck_assert_int_eq(sfp_exit_code(SFP_E_USAGE), 2);
	ck_assert_int_eq(sfp_exit_code(SFP_E_INPUT), 3);
	ck_assert_int_eq(sfp_exit_code(SFP_E_TEMP), 4);
	ck_assert_int_eq(sfp_exit_code(SFP_E_AUTH), 5);
	ck_assert_int_eq(sfp_exit_code(SFP_E_IO), 6);
	ck_assert_int_eq(sfp_exit_code(SFP_E_INTERNAL), 6);
}
END_TEST

START_TEST(set_returns_status_and_folds_newlines)
{
	struct sfp_fail f;

	sfp_fail_clear(&f);
	ck_assert_int_eq(sfp_fail_set(&f, SFP_E_ITEM, "REQUIRED_FIELD_MISSING", "plan bk-1",
	    "field %s: %s", "Company", "line1\nline2\r"), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "REQUIRED_FIELD_MISSING");
	ck_assert_str_eq(f.place, "plan bk-1");
	ck_assert_str_eq(f.message, "field Company: line1 line2 ");
	ck_assert_ptr_null(strchr(f.message, '\n'));
	ck_assert_int_eq(sfp_fail_set(NULL, SFP_E_IO, NULL, NULL, "x"), SFP_E_IO);
}
END_TEST

/* A field refusal: item status, the field named, no place (the caller adds it). */
START_TEST(field_refusal)
{
	struct sfp_fail f;

	sfp_fail_clear(&f);
	(void)snprintf(f.place, sizeof(f.place), "stale");
	ck_assert_int_eq(sfp_fail_field(&f, "STRING_TOO_LONG", "Company", "%d characters", 300),
	    SFP_E_ITEM);
	ck_assert_int_eq(f.status, SFP_E_ITEM);
	ck_assert_str_eq(f.code, "STRING_TOO_LONG");
	ck_assert_str_eq(f.fields, "Company");
	ck_assert_str_eq(f.place, "");
	ck_assert_str_eq(f.message, "300 characters");
	ck_assert_int_eq(sfp_fail_field(&f, "bad-date", NULL, "x"), SFP_E_ITEM);
	ck_assert_str_eq(f.fields, "");
	ck_assert_int_eq(sfp_fail_field(NULL, "x", "y", "z"), SFP_E_ITEM);
}
END_TEST

START_TEST(long_message_truncated)
{
	struct sfp_fail f;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sfp_fail_set(&f, SFP_E_INPUT, big, big, "%s", big);
	ck_assert_uint_eq(strlen(f.message), sizeof(f.message) - 1);
	ck_assert_uint_eq(strlen(f.code), sizeof(f.code) - 1);
}
END_TEST

START_TEST(json_form)
{
	struct sfp_fail f;
	cJSON *j;
	char *s;

	sfp_fail_set(&f, SFP_E_ITEM, "REQUIRED_FIELD_MISSING", NULL, "required fields are missing");
	(void)snprintf(f.ref, sizeof(f.ref), "lead");
	(void)snprintf(f.fields, sizeof(f.fields), "Company,LastName");
	j = sfp_fail_to_json(&f);
	ck_assert_ptr_nonnull(j);
	s = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(s, "{\"code\":\"REQUIRED_FIELD_MISSING\",\"ref\":\"lead\","
	    "\"fields\":[\"Company\",\"LastName\"],\"message\":\"required fields are missing\"}");
	cJSON_free(s);
	cJSON_Delete(j);
}
END_TEST

/* Issue 14: one out-of-memory code in result JSON ("oom"; "nomem" and
 * "out-of-memory" were also written), from one helper. */
START_TEST(oom_one_code)
{
	struct sfp_fail f;
	cJSON *j;
	char *s;

	ck_assert_int_eq(sfp_fail_oom(&f, "plan bk-1"), SFP_E_INTERNAL);
	ck_assert_int_eq(f.status, SFP_E_INTERNAL);
	ck_assert_str_eq(f.code, "oom");
	ck_assert_str_eq(f.code, SFP_OOM);
	ck_assert_str_eq(f.place, "plan bk-1");
	ck_assert_str_eq(f.message, "out of memory");
	ck_assert_int_eq(sfp_exit_code(f.status), 6);
	j = sfp_fail_to_json(&f);
	ck_assert_ptr_nonnull(j);
	s = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(s, "{\"code\":\"oom\",\"message\":\"out of memory\",\"place\":\"plan bk-1\"}");
	cJSON_free(s);
	cJSON_Delete(j);
	ck_assert_int_eq(sfp_fail_oom(NULL, NULL), SFP_E_INTERNAL);
}
END_TEST

START_TEST(wrap_and_worst)
{
	struct sfp_fail f;

	sfp_fail_set(&f, SFP_E_ITEM, "x", "record lead", "bad");
	sfp_fail_wrap_place(&f, "plan bk-1");
	ck_assert_str_eq(f.place, "plan bk-1: record lead");
	ck_assert_int_eq(sfp_status_worst(SFP_E_ITEM, SFP_E_TEMP), SFP_E_TEMP);
	ck_assert_int_eq(sfp_status_worst(SFP_E_IO, SFP_E_ITEM), SFP_E_IO);
	ck_assert_int_eq(sfp_status_worst(SFP_OK, SFP_OK), SFP_OK);
}
END_TEST

Suite *
suite_fail(void)
{
	Suite *s = suite_create("fail");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, exit_table);
	tcase_add_test(tc, set_returns_status_and_folds_newlines);
	tcase_add_test(tc, field_refusal);
	tcase_add_test(tc, long_message_truncated);
	tcase_add_test(tc, oom_one_code);
	tcase_add_test(tc, json_form);
	tcase_add_test(tc, wrap_and_worst);
	suite_add_tcase(s, tc);
	return s;
}
