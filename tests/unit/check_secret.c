/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"
#include "testutil.h"

static char dir[64];

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	tu_tmpdir(dir, sizeof(dir), "secret");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

START_TEST(reads_0600_file_and_strips_newline)
{
	char path[128];
	struct sfp_secret *s;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/key", dir);
	tu_write_file(path, "hunter2-very-secret\n", 0600);
	ck_assert_int_eq(sfp_secret_from_file(path, 0, &s, &f), SFP_OK);
	ck_assert_uint_eq(s->len, 19);
	ck_assert_int_eq(memcmp(s->bytes, "hunter2-very-secret", 19), 0);
	sfp_secret_free(s);
}
END_TEST

START_TEST(refuses_group_readable_and_says_so_without_the_secret)
{
	char path[128];
	struct sfp_secret *s = NULL;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/key", dir);
	tu_write_file(path, "hunter2-very-secret\n", 0644);
	ck_assert_int_eq(sfp_secret_from_file(path, 0, &s, &f), SFP_E_INPUT);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(f.code, "secret-file-mode");
	ck_assert_ptr_nonnull(strstr(f.message, "chmod 600"));
	ck_assert_ptr_null(strstr(f.message, "hunter2"));
	ck_assert_str_eq(f.place, path);
}
END_TEST

START_TEST(refuses_symlink_to_readable_file)
{
	char path[128], link[128];
	struct sfp_secret *s = NULL;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/key", dir);
	(void)snprintf(link, sizeof(link), "%s/link", dir);
	tu_write_file(path, "abc", 0640);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(sfp_secret_from_file(link, 0, &s, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "secret-file-mode");
}
END_TEST

START_TEST(missing_and_empty)
{
	char path[128];
	struct sfp_secret *s = NULL;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(sfp_secret_from_file(path, 0, &s, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "No such file"));
	(void)snprintf(path, sizeof(path), "%s/empty", dir);
	tu_write_file(path, "\n", 0600);
	ck_assert_int_eq(sfp_secret_from_file(path, 0, &s, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.message, "secret file is empty");
}
END_TEST

START_TEST(env_secret_is_unset_after_reading)
{
	struct sfp_secret *s;
	struct sfp_fail f;

	ck_assert_int_eq(setenv("SFP_TEST_SECRET", "tok-123", 1), 0);
	ck_assert_int_eq(sfp_secret_from_env("SFP_TEST_SECRET", &s, &f), SFP_OK);
	ck_assert_str_eq((char *)s->bytes, "tok-123");
	ck_assert_ptr_null(getenv("SFP_TEST_SECRET"));
	sfp_secret_free(s);
	ck_assert_int_eq(sfp_secret_from_env("SFP_TEST_SECRET", &s, &f), SFP_E_INPUT);
}
END_TEST

START_TEST(write_file_is_0600_and_exclusive)
{
	char path[128];
	struct stat st;
	struct sfp_fail f;

	(void)snprintf(path, sizeof(path), "%s/new", dir);
	ck_assert_int_eq(sfp_secret_write_file(path, "xyz", 3, 0, &f), SFP_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sfp_secret_write_file(path, "xyz", 3, 0, &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_secret_write_file(path, "abcd", 4, 1, &f), SFP_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq((int)st.st_size, 4);
}
END_TEST

Suite *
suite_secret(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_0600_file_and_strips_newline);
	tcase_add_test(tc, refuses_group_readable_and_says_so_without_the_secret);
	tcase_add_test(tc, refuses_symlink_to_readable_file);
	tcase_add_test(tc, missing_and_empty);
	tcase_add_test(tc, env_secret_is_unset_after_reading);
	tcase_add_test(tc, write_file_is_0600_and_exclusive);
	suite_add_tcase(s, tc);
	return s;
}
