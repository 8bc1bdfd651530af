/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "spool.h"
#include "testutil.h"

static char dir[128], spool[192], results[192];
static volatile sig_atomic_t never;
/* execvp's argv is char *const[]: writable copies of the words */
static char w_cat[] = "cat", w_sh[] = "sh", w_c[] = "-c",
    w_fail[] = "cat >/dev/null; echo 'half' ; exit 5";

static void
setup(void)
{
	FILE *fp;

	tu_tmpdir(dir, sizeof dir, "follow");
	(void)snprintf(spool, sizeof spool, "%s/%s", dir, SFP_SPOOL_FILE);
	(void)snprintf(results, sizeof results, "%s/results.jsonl", dir);
	ck_assert_ptr_nonnull(fp = fopen(spool, "w"));
	(void)fputs("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"partial\"", fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

static const char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

/* The budget guard: the wait doubles at budget_from and per further 10 points. */
START_TEST(test_wait)
{
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, -1, -1), 1000);
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, 49, 100), 1000);
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, 50, 100), 2000);
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, 6000, 10000), 4000);
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, 95, 100), 32000);
	ck_assert_int_eq(sfp_follow_wait_ms(1000, 50, 100, 100), 60000);
	ck_assert_int_eq(sfp_follow_wait_ms(250, 80, 85, 100), 500);
}
END_TEST

START_TEST(test_once_commits)
{
	char *argv[] = { w_cat, NULL };
	struct sfp_follow_opts o = { .spool_dir = dir, .results = results, .argv = argv,
		.once = 1, .stop = &never, .max_window = 2 };
	struct sfp_follow_stats st;
	struct sfp_fail f;
	char commit[160];
	struct stat sb;

	ck_assert_int_eq(sfp_follow_run(&o, &st, &f), SFP_OK);
	/* whole lines only, two windows of at most two lines */
	ck_assert_str_eq(slurp(results), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	ck_assert_uint_eq(st.windows, 2);
	ck_assert_uint_eq(st.lines, 3);
	(void)snprintf(commit, sizeof commit, "%s/%s", dir, SFP_FOLLOW_COMMIT);
	ck_assert_str_eq(slurp(commit), "24 24\n");
	ck_assert_int_eq(stat(results, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	/* nothing new: a second run sends nothing and writes nothing */
	ck_assert_int_eq(sfp_follow_run(&o, &st, &f), SFP_OK);
	ck_assert_uint_eq(st.windows, 0);
	ck_assert_str_eq(slurp(results), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}
END_TEST

START_TEST(test_failed_command_keeps_window)
{
	char *bad[] = { w_sh, w_c, w_fail, NULL };
	char *good[] = { w_cat, NULL };
	struct sfp_follow_opts o = { .spool_dir = dir, .results = results, .argv = bad,
		.once = 1, .stop = &never };
	struct sfp_fail f;
	char commit[160];

	ck_assert_int_eq(sfp_follow_run(&o, NULL, &f), SFP_E_AUTH);
	ck_assert_str_eq(slurp(results), "");
	(void)snprintf(commit, sizeof commit, "%s/%s", dir, SFP_FOLLOW_COMMIT);
	ck_assert_int_eq(access(commit, F_OK), -1);
	o.argv = good;
	ck_assert_int_eq(sfp_follow_run(&o, NULL, &f), SFP_OK);
	ck_assert_str_eq(slurp(results), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}
END_TEST

/* Results past the commit (a crash before the commit) are cut back. */
START_TEST(test_uncommitted_results_cut)
{
	char *argv[] = { w_cat, NULL };
	struct sfp_follow_opts o = { .spool_dir = dir, .results = results, .argv = argv,
		.once = 1, .stop = &never };
	struct sfp_fail f;
	FILE *fp;

	ck_assert_int_eq(sfp_follow_run(&o, NULL, &f), SFP_OK);
	ck_assert_ptr_nonnull(fp = fopen(results, "a"));
	(void)fputs("{\"uncommitted\":1}\n", fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(sfp_follow_run(&o, NULL, &f), SFP_OK);
	ck_assert_str_eq(slurp(results), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
}
END_TEST

/* A FIFO where the spool file should be is refused at once, not waited on. */
START_TEST(test_fifo_spool_refused)
{
	char *argv[] = { w_cat, NULL };
	struct sfp_follow_opts o = { .spool_dir = dir, .results = results, .argv = argv,
		.once = 1, .stop = &never };
	struct sfp_follow_stats st;
	struct sfp_fail f;

	ck_assert_int_eq(unlink(spool), 0);
	ck_assert_int_eq(mkfifo(spool, 0600), 0);
	ck_assert_int_eq(sfp_follow_run(&o, &st, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
}
END_TEST

/* Files by file.c's one rule: a results file others could read is narrowed
 * to 0600 and used; a commit file that is a link is refused. */
START_TEST(test_files_by_the_one_rule)
{
	char *argv[] = { w_cat, NULL };
	struct sfp_follow_opts o = { .spool_dir = dir, .results = results, .argv = argv,
		.once = 1, .stop = &never };
	struct sfp_follow_stats st;
	struct sfp_fail f;
	char commit[192];
	struct stat sb;

	tu_write_file(results, "", 0644);
	ck_assert_int_eq(sfp_follow_run(&o, &st, &f), SFP_OK);
	ck_assert_int_eq(stat(results, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_str_eq(slurp(results), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	(void)snprintf(commit, sizeof commit, "%s/%s", dir, SFP_FOLLOW_COMMIT);
	ck_assert_int_eq(unlink(commit), 0);
	ck_assert_int_eq(symlink(results, commit), 0);
	ck_assert_int_eq(sfp_follow_run(&o, &st, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
}
END_TEST

Suite *
suite_follow(void)
{
	Suite *s = suite_create("follow");
	TCase *tc = tcase_create("follow");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_wait);
	tcase_add_test(tc, test_once_commits);
	tcase_add_test(tc, test_failed_command_keeps_window);
	tcase_add_test(tc, test_uncommitted_results_cut);
	tcase_add_test(tc, test_fifo_spool_refused);
	tcase_add_test(tc, test_files_by_the_one_rule);
	suite_add_tcase(s, tc);
	return s;
}
