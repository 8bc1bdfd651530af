/* SPDX-License-Identifier: ISC */
/*
 * testutil: what the Check suites share, so no suite writes its own.
 *
 * Every suite's constructor is declared here from the generated suites.h (the
 * Makefile lists tests/unit/check_<module>.c), so a suite file needs no
 * prototype of its own.  The helpers fail the running test (ck_assert) when
 * the system refuses them; none returns an error to check.
 */
#ifndef SFP_TESTUTIL_H
#define SFP_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>
#include <check.h>
#include <cjson/cJSON.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef SUITE

/*
 * Where the suites' temporary files go: $TMPDIR when it is an absolute path,
 * else /tmp.  The runner points TMPDIR at one private directory per run and
 * removes that directory when the run ends, so a test that fails or crashes
 * before its own clean-up still leaves nothing behind.
 */
const char *tu_tmproot(void);

/* A new private directory <tmproot>/sfp-<tag>-XXXXXX; its path goes into dir. */
void tu_tmpdir(char *dir, size_t n, const char *tag);

/* A new file <tmproot>/sfp-<tag>-XXXXXX (mode 0600); its path goes into path.
 * Returns the descriptor open for writing. */
int tu_tmpfile(char *path, size_t n, const char *tag);

/* Remove dir and everything under it (no shell). */
void tu_rmtree(const char *dir);

/* Create or replace path with text, then set mode (umask does not apply). */
void tu_write_file(const char *path, const char *text, mode_t mode);

/* Assert that path holds exactly text. */
void tu_expect_file(const char *path, const char *text);

/* A descriptor reading exactly data[0..len) from its start: an unlinked
 * temporary file, so large inputs never block as a pipe would. */
int tu_fd_over(const char *data, size_t len);

/* Parse JSON that a test wrote and knows to be valid; the caller deletes it. */
cJSON *tu_parse(const char *json);

#endif
