/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testutil.h"

START_TEST(grows_and_stays_terminated)
{
	struct sfp_buf b = SFP_BUF_INIT;
	size_t i;

	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(sfp_buf_putc(&b, (char)('a' + i % 26)), 0);
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_uint_ge(b.cap, 10001);
	ck_assert_int_eq(b.p[10000], '\0');
	ck_assert_int_eq(b.p[9999], 'a' + 9999 % 26);
	ck_assert_int_eq(sfp_buf_puts(&b, "xyz"), 0);
	ck_assert_str_eq(b.p + 10000, "xyz");
	sfp_buf_truncate(&b, 3);
	ck_assert_str_eq(b.p, "abc");
	sfp_buf_truncate(&b, 10);   /* longer than it is: no change */
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(sfp_buf_put(&b, NULL, 0), 0);
	ck_assert_str_eq(b.p, "abc");
	sfp_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.p, "");
	sfp_buf_fini(&b);
	ck_assert_ptr_null(b.p);
	sfp_buf_fini(&b);
	sfp_buf_fini(NULL);
}
END_TEST

START_TEST(json_strings_escaped)
{
	struct sfp_buf b = SFP_BUF_INIT;
	const char in[] = "a\"b\\c\n\t\x01\x1f/\xc3\xa9";

	ck_assert_int_eq(sfp_buf_put_json_string(&b, in, sizeof(in) - 1), 0);
	ck_assert_str_eq(b.p, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\xc3\xa9\"");
	sfp_buf_reset(&b);
	ck_assert_int_eq(sfp_buf_put_json_string(&b, "", 0), 0);
	ck_assert_str_eq(b.p, "\"\"");
	sfp_buf_reset(&b);
	/* an embedded NUL is written as \u0000, never cut short */
	ck_assert_int_eq(sfp_buf_put_json_string(&b, "a\0b", 3), 0);
	ck_assert_str_eq(b.p, "\"a\\u0000b\"");
	sfp_buf_fini(&b);
}
END_TEST

START_TEST(oom_is_sticky_and_take_refuses)
{
	struct sfp_buf b = SFP_BUF_INIT;
	size_t len = 99;
	char *p;

	ck_assert_int_eq(sfp_buf_puts(&b, "ok"), 0);
	/* A size no allocator can give: the growth fails and marks the buffer. */
	ck_assert_int_eq(sfp_buf_put(&b, "x", (size_t)-1 / 2), -1);
	ck_assert_int_eq(b.oom, 1);
	ck_assert_int_eq(sfp_buf_putc(&b, 'y'), -1);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_ptr_null(sfp_buf_take(&b, &len));
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(b.oom, 0);
	/* take hands the text over and leaves an empty buffer */
	ck_assert_int_eq(sfp_buf_puts(&b, "plan"), 0);
	p = sfp_buf_take(&b, &len);
	ck_assert_str_eq(p, "plan");
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	free(p);
	/* an empty buffer still gives a C string */
	p = sfp_buf_take(&b, NULL);
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

Suite *
suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, grows_and_stays_terminated);
	tcase_add_test(tc, json_strings_escaped);
	tcase_add_test(tc, oom_is_sticky_and_take_refuses);
	suite_add_tcase(s, tc);
	return s;
}
