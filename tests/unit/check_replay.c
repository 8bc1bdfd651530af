/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay.h"
#include "testutil.h"

static char dir[64], path[128];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "replay");
	(void)snprintf(path, sizeof path, "%s/replay.sqlite", dir);
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

START_TEST(test_sqlite_claim)
{
	struct sfp_replay *r = NULL;
	struct sfp_fail f;
	struct sfp_replay_key k[4] = {
		{ "acme", "msg_1", 1000 }, { "globex", "msg_1", 1000 },
		{ "acme", "msg_2", 1000 }, { "acme", "msg_1", 1000 },
	};
	int fresh[4];
	struct stat sb;

	ck_assert_int_eq(sfp_replay_open(path, NULL, &r, &f), SFP_OK);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	ck_assert_int_eq(sfp_replay_claim(r, k, 4, fresh, 500, &f), SFP_OK);
	/* (tenant, id): the same id for another tenant is fresh; a repeat is not */
	ck_assert_int_eq(fresh[0], 1);
	ck_assert_int_eq(fresh[1], 1);
	ck_assert_int_eq(fresh[2], 1);
	ck_assert_int_eq(fresh[3], 0);
	ck_assert_int_eq(sfp_replay_claim(r, k, 1, fresh, 600, &f), SFP_OK);
	ck_assert_int_eq(fresh[0], 0);
	sfp_replay_close(r);

	/* after a restart the ids are still known */
	ck_assert_int_eq(sfp_replay_open(path, NULL, &r, &f), SFP_OK);
	ck_assert_int_eq(sfp_replay_claim(r, k, 3, fresh, 700, &f), SFP_OK);
	ck_assert_int_eq(fresh[0] + fresh[1] + fresh[2], 0);
	sfp_replay_close(r);

	/* once expired, the entry is purged and the id may be used again */
	ck_assert_int_eq(sfp_replay_open(path, NULL, &r, &f), SFP_OK);
	k[0].expires = 2300;
	ck_assert_int_eq(sfp_replay_claim(r, k, 1, fresh, 2000, &f), SFP_OK);
	ck_assert_int_eq(fresh[0], 1);
	ck_assert_int_eq(sfp_replay_claim(r, k, 1, fresh, 2001, &f), SFP_OK);
	ck_assert_int_eq(fresh[0], 0);
	sfp_replay_close(r);
}
END_TEST

START_TEST(test_sqlite_expired_takeover)
{
	struct sfp_replay *r = NULL;
	struct sfp_fail f;
	struct sfp_replay_key k = { "acme", "msg_x", 100 };
	int fresh;

	ck_assert_int_eq(sfp_replay_open(path, NULL, &r, &f), SFP_OK);
	ck_assert_int_eq(sfp_replay_claim(r, &k, 1, &fresh, 50, &f), SFP_OK);
	ck_assert_int_eq(fresh, 1);
	/* the same process, past expiry, without a purge in between */
	k.expires = 500;
	ck_assert_int_eq(sfp_replay_claim(r, &k, 1, &fresh, 101, &f), SFP_OK);
	ck_assert_int_eq(fresh, 1);
	ck_assert_int_eq(sfp_replay_claim(r, &k, 1, &fresh, 102, &f), SFP_OK);
	ck_assert_int_eq(fresh, 0);
	sfp_replay_close(r);
}
END_TEST

/* 16 processes open a new store and claim the same id at once: each opens it,
 * exactly one wins.  Run 8 times (a new store each): opening a new store
 * together failed one process in about twenty runs before its setup was
 * tried again on BUSY. */
START_TEST(test_sqlite_concurrent)
{
	enum { N = 16 };
	pid_t pids[N];
	int i, wins = 0, status, go[2];

	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < N; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct sfp_replay *r = NULL;
			struct sfp_fail f;
			struct sfp_replay_key k = { "acme", "msg_race", 4000000000 };
			int fresh = 0;
			char c;
			(void)close(go[1]);
			if (sfp_replay_open(path, NULL, &r, &f) != SFP_OK)
				_exit(3);
			(void)!read(go[0], &c, 1);   /* all start together */
			if (sfp_replay_claim(r, &k, 1, &fresh, 1, &f) != SFP_OK)
				_exit(4);
			sfp_replay_close(r);
			_exit(fresh ? 0 : 1);
		}
	}
	(void)close(go[0]);
	(void)close(go[1]);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_le(WEXITSTATUS(status), 1);
		wins += WEXITSTATUS(status) == 0;
	}
	ck_assert_int_eq(wins, 1);
}
END_TEST

START_TEST(test_open_errors)
{
	struct sfp_replay *r = NULL;
	struct sfp_fail f;
	char buf[256];

	ck_assert_int_eq(sfp_replay_open("/nonexistent/dir/x.sqlite", NULL, &r, &f), SFP_E_INPUT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(sfp_replay_open("redis://", NULL, &r, &f), SFP_E_USAGE);
	/* an unset $REDIS_URL must not become a silent local store */
	ck_assert_int_eq(sfp_replay_open("", NULL, &r, &f), SFP_E_USAGE);
	ck_assert_int_eq(sfp_replay_open("rediss://", NULL, &r, &f), SFP_E_USAGE);
	ck_assert_int_eq(sfp_replay_open("redis://:pw@localhost:1/0", NULL, &r, &f), SFP_E_USAGE);
	ck_assert_int_eq(sfp_replay_open("redis://localhost:x", NULL, &r, &f), SFP_E_USAGE);
	/* nothing listens on port 1: temporary, cron may retry */
	ck_assert_int_eq(sfp_replay_open("redis://127.0.0.1:1/0", NULL, &r, &f), SFP_E_TEMP);
	ck_assert_int_eq(setenv("SFPIPE_CACHE_DIR", dir, 1), 0);
	ck_assert_int_eq(sfp_replay_default_path(buf, sizeof buf, 0, &f), SFP_OK);
	ck_assert_str_eq(buf + strlen(dir), "/replay.sqlite");
}
END_TEST

Suite *
suite_replay(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("sqlite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sqlite_claim);
	tcase_add_test(tc, test_sqlite_expired_takeover);
	tcase_add_loop_test(tc, test_sqlite_concurrent, 0, 8);
	tcase_add_test(tc, test_open_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
