/* SPDX-License-Identifier: ISC */
/* testutil: temporary files and directories and small JSON helpers for the Check suites. */
#define _XOPEN_SOURCE 700   /* nftw(3) */
#include "compat.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

const char *
tu_tmproot(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] == '/' ? t : "/tmp";
}

void
tu_tmpdir(char *dir, size_t n, const char *tag)
{
	int w = snprintf(dir, n, "%s/sfp-%s-XXXXXX", tu_tmproot(), tag);

	ck_assert(w > 0 && (size_t)w < n);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

int
tu_tmpfile(char *path, size_t n, const char *tag)
{
	int w = snprintf(path, n, "%s/sfp-%s-XXXXXX", tu_tmproot(), tag);
	int fd;

	ck_assert(w > 0 && (size_t)w < n);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void
tu_rmtree(const char *dir)
{
	if (dir == NULL || dir[0] == '\0')
		return;
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tu_write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

void
tu_expect_file(const char *path, const char *text)
{
	char buf[4096];
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(len, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_int_eq(memcmp(buf, text, len), 0);
}

int
tu_fd_over(const char *data, size_t len)
{
	char path[4096];
	int fd = tu_tmpfile(path, sizeof(path), "input");

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

cJSON *
tu_parse(const char *json)
{
	cJSON *v = cJSON_Parse(json);

	ck_assert_msg(v != NULL, "test JSON does not parse: %.80s", json);
	return v;
}
