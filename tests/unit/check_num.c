/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <limits.h>

#include "num.h"
#include "testutil.h"

START_TEST(accepts_plain_decimals)
{
	static const struct { const char *s; long want; } ok[] = {
		{ "0", 0 }, { "7", 7 }, { "-3", -3 }, { "1440", 1440 }, { "007", 7 },
	};
	size_t i;
	long v;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 12345;
		ck_assert_msg(sfp_parse_long(ok[i].s, -10, 2000, &v) == 0, "refused %s", ok[i].s);
		ck_assert_int_eq(v, ok[i].want);
	}
	ck_assert_int_eq(sfp_parse_long("9223372036854775807", 0, LONG_MAX, &v), 0);
	ck_assert_int_eq(v, LONG_MAX);
}
END_TEST

START_TEST(refuses_space_signs_junk_and_range)
{
	/* A leading tab or newline was accepted once: strtol skips them. */
	static const char *const bad[] = { "", " 5", "\t5", "\n5", "\v5", "5 ", "5\t", "+5",
		"0x10", "1e3", "5.0", "- 5", "--5", "-", "5a", "99999999999999999999", "2001", "-11" };
	size_t i;
	long v = 42;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sfp_parse_long(bad[i], -10, 2000, &v) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(sfp_parse_long(NULL, 0, 1, &v), -1);
}
END_TEST

Suite *
suite_num(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, accepts_plain_decimals);
	tcase_add_test(tc, refuses_space_signs_junk_and_range);
	suite_add_tcase(s, tc);
	return s;
}
