/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "readfile.h"
#include "testutil.h"

static char dir[64];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof(dir), "readfile");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

START_TEST(whole_file_bounded)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	struct sfp_fail f;
	cJSON *j;

	(void)snprintf(path, sizeof(path), "%s/m.json", dir);
	tu_write_file(path, "{\"a\":1}", 0600);
	ck_assert_int_eq(sfp_read_file(path, 100, &buf, &len, &f), SFP_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(buf, "{\"a\":1}");
	free(buf);
	/* Control above; one byte over the bound is refused. */
	ck_assert_int_eq(sfp_read_file(path, 6, &buf, &len, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "too-large");
	ck_assert_int_eq(sfp_json_load(path, 100, &j, &f), SFP_OK);
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "a")->valueint, 1);
	cJSON_Delete(j);
}
END_TEST

START_TEST(missing_and_directory_are_input_errors)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/none.json", dir);
	ck_assert_int_eq(sfp_read_file(path, 100, &buf, &len, &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_read_file(dir, 100, &buf, &len, &f), SFP_E_INPUT);
	ck_assert_ptr_null(buf);
}
END_TEST

Suite *
suite_readfile(void)
{
	Suite *s = suite_create("readfile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, whole_file_bounded);
	tcase_add_test(tc, missing_and_directory_are_input_errors);
	suite_add_tcase(s, tc);
	return s;
}
