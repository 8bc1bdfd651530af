/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

START_TEST(parse_memory)
{
	struct sfp_fail f;
	cJSON *j;

	ck_assert_int_eq(sfp_json_parse("{\"a\": [1, 2]}", 13, "m.json", 0, &j, &f), SFP_OK);
	cJSON_Delete(j);
	ck_assert_int_eq(sfp_json_parse("{\"a\": [1, 2]} x", 15, "m.json", 0, &j, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "m.json:1:15");
	ck_assert_ptr_null(j);
}
END_TEST

START_TEST(utf8_and_raw_to_json)
{
	cJSON *j;

	ck_assert(sfp_utf8_valid("caf\xc3\xa9", 5));
	ck_assert(!sfp_utf8_valid("\xc0\xaf", 2));          /* overlong '/' */
	ck_assert(!sfp_utf8_valid("\xed\xa0\x80", 3));      /* encoded surrogate */
	ck_assert(!sfp_utf8_valid("a\0b", 3));
	j = sfp_raw_to_json("x\"y", 3);
	ck_assert(cJSON_IsString(j));
	ck_assert_str_eq(j->valuestring, "x\"y");
	cJSON_Delete(j);
	j = sfp_raw_to_json("\xff", 1);
	ck_assert(cJSON_IsNull(j));
	cJSON_Delete(j);
}
END_TEST

START_TEST(position_advance)
{
	unsigned long line = 1, col = 1;

	sfp_text_advance(&line, &col, "ab\ncaf\xc3\xa9", 8);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 5);                /* c a f \u00e9: four characters */
}
END_TEST

Suite *
suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_memory);
	tcase_add_test(tc, utf8_and_raw_to_json);
	tcase_add_test(tc, position_advance);
	suite_add_tcase(s, tc);
	return s;
}
