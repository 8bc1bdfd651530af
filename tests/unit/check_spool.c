/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "testutil.h"

static char dir[128], sdir[160], store[160];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "spool");
	(void)snprintf(sdir, sizeof sdir, "%s/spool", dir);
	(void)snprintf(store, sizeof store, "%s/replay.sqlite", dir);
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

static char *
slurp(const char *name)
{
	static char buf[8192];
	char p[256];
	FILE *fp;
	size_t n;

	(void)snprintf(p, sizeof p, "%s/%s", sdir, name);
	ck_assert_ptr_nonnull(fp = fopen(p, "r"));
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

static void
append(const char *name, const char *text)
{
	char p[256];
	FILE *fp;

	(void)snprintf(p, sizeof p, "%s/%s", sdir, name);
	ck_assert_ptr_nonnull(fp = fopen(p, "a"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

#define LINE "{\"tenant\":\"acme\",\"body\":{\"b\":1}}\n"
#define NOW 1800000000

static enum sfp_spool_outcome
put(struct sfp_spool *sp, struct sfp_replay *rs, const char *id, enum sfp_status want)
{
	enum sfp_spool_outcome o = -1;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_spool_store(sp, rs, "acme", id, NOW, LINE, strlen(LINE), NOW, &o, &f), want);
	return o;
}

START_TEST(test_store_once)
{
	struct sfp_spool *sp;
	struct sfp_replay *rs;
	struct sfp_fail f;
	struct stat sb;

	ck_assert_int_eq(sfp_replay_open(store, NULL, &rs, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m1", SFP_OK), SFP_SPOOL_STORED);
	ck_assert_int_eq(put(sp, rs, "m1", SFP_OK), SFP_SPOOL_DUPLICATE);
	ck_assert_uint_eq(sfp_spool_stored(sp), 1);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), LINE);
	ck_assert_str_eq(slurp(SFP_SPOOL_IDS), "I 0 1800000000 acme m1\n");
	ck_assert_int_eq(stat(sdir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	sfp_spool_close(sp);
	/* after a restart, the journal still knows m1 is stored */
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m1", SFP_OK), SFP_SPOOL_DUPLICATE);
	ck_assert_int_eq(put(sp, rs, "m2", SFP_OK), SFP_SPOOL_STORED);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), LINE LINE);
	sfp_spool_close(sp);
	sfp_replay_close(rs);
}
END_TEST

START_TEST(test_partial_lines_cut)
{
	struct sfp_spool *sp;
	struct sfp_replay *rs;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_replay_open(store, NULL, &rs, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m1", SFP_OK), SFP_SPOOL_STORED);
	sfp_spool_close(sp);
	append(SFP_SPOOL_FILE, "{\"tenant\":\"acme\",\"bo");   /* a crash mid-write */
	append(SFP_SPOOL_IDS, "I 33 18000");
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), LINE);
	ck_assert_str_eq(slurp(SFP_SPOOL_IDS), "I 0 1800000000 acme m1\n");
	sfp_spool_close(sp);
	sfp_replay_close(rs);
}
END_TEST

/* A crash after the claim, before the line: the intent says the claim is ours,
 * so the resend is stored, not refused as a replay. */
START_TEST(test_claimed_not_written)
{
	struct sfp_spool *sp;
	struct sfp_replay *rs;
	struct sfp_fail f;
	struct sfp_replay_key k = { "acme", "m9", NOW + SFP_REPLAY_WINDOW };
	int fresh;

	ck_assert_int_eq(sfp_replay_open(store, NULL, &rs, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	sfp_spool_close(sp);
	append(SFP_SPOOL_IDS, "I 0 1800000000 acme m9\n");
	ck_assert_int_eq(sfp_replay_claim(rs, &k, 1, &fresh, NOW, &f), SFP_OK);
	ck_assert_int_eq(fresh, 1);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m9", SFP_OK), SFP_SPOOL_STORED);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), LINE);
	sfp_spool_close(sp);
	sfp_replay_close(rs);
}
END_TEST

/* Claimed by another verifier: refused, withdrawn ("X"), still refused after a restart. */
START_TEST(test_replayed_elsewhere)
{
	struct sfp_spool *sp;
	struct sfp_replay *rs;
	struct sfp_fail f;
	struct sfp_replay_key k = { "acme", "m5", NOW + SFP_REPLAY_WINDOW };
	int fresh;

	ck_assert_int_eq(sfp_replay_open(store, NULL, &rs, &f), SFP_OK);
	ck_assert_int_eq(sfp_replay_claim(rs, &k, 1, &fresh, NOW, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m5", SFP_OK), SFP_SPOOL_REPLAYED);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), "");
	ck_assert_str_eq(slurp(SFP_SPOOL_IDS), "I 0 1800000000 acme m5\nX acme m5\n");
	sfp_spool_close(sp);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m5", SFP_OK), SFP_SPOOL_REPLAYED);
	sfp_spool_close(sp);
	sfp_replay_close(rs);
}
END_TEST

START_TEST(test_one_owner)
{
	struct sfp_spool *sp, *sp2 = NULL;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp2, &f), SFP_E_TEMP);
	ck_assert_str_eq(f.code, "spool-locked");
	ck_assert_ptr_null(sp2);
	sfp_spool_close(sp);
	ck_assert_int_eq(chmod(sdir, 0777), 0);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp2, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
}
END_TEST

/* The spool's files by file.c's one rule: one others could read is narrowed
 * to 0600 and kept; a link or a FIFO in its place is refused. */
START_TEST(test_files_by_the_one_rule)
{
	struct sfp_spool *sp = NULL;
	struct sfp_fail f;
	struct stat sb;
	char p[256];

	ck_assert_int_eq(mkdir(sdir, 0700), 0);
	(void)snprintf(p, sizeof p, "%s/%s", sdir, SFP_SPOOL_FILE);
	tu_write_file(p, "{\"kept\":1}\n", 0640);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	sfp_spool_close(sp);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_str_eq(slurp(SFP_SPOOL_FILE), "{\"kept\":1}\n");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(symlink("/dev/null", p), 0);
	sp = NULL;
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_ptr_null(sp);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
}
END_TEST

/* A full disk (a file size limit here): spool-full, the file as it was; the
 * retry once there is room stores the line (the claim is kept as ours). */
START_TEST(test_full)
{
	struct sfp_spool *sp;
	struct sfp_replay *rs;
	struct sfp_fail f;
	struct rlimit rl, old;
	enum sfp_spool_outcome o;
	static char big[300000];
	struct stat sb;
	char p[256];

	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	(void)signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(sfp_replay_open(store, NULL, &rs, &f), SFP_OK);
	ck_assert_int_eq(sfp_spool_open(sdir, &sp, &f), SFP_OK);
	ck_assert_int_eq(put(sp, rs, "m1", SFP_OK), SFP_SPOOL_STORED);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = 200000;   /* above the replay store's files, below the line */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_int_eq(sfp_spool_store(sp, rs, "acme", "big", NOW, big, sizeof big, NOW, &o, &f),
	    SFP_E_IO);
	ck_assert_str_eq(f.code, "spool-full");
	(void)snprintf(p, sizeof p, "%s/%s", sdir, SFP_SPOOL_FILE);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_size, (off_t)strlen(LINE));
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_int_eq(sfp_spool_store(sp, rs, "acme", "big", NOW, big, sizeof big, NOW, &o, &f),
	    SFP_OK);
	ck_assert_int_eq(o, SFP_SPOOL_STORED);
	sfp_spool_close(sp);
	sfp_replay_close(rs);
}
END_TEST

Suite *
suite_spool(void)
{
	Suite *s = suite_create("spool");
	TCase *tc = tcase_create("spool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_store_once);
	tcase_add_test(tc, test_partial_lines_cut);
	tcase_add_test(tc, test_claimed_not_written);
	tcase_add_test(tc, test_replayed_elsewhere);
	tcase_add_test(tc, test_one_owner);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_files_by_the_one_rule);
	suite_add_tcase(s, tc);
	return s;
}
