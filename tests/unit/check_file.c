/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "testutil.h"

static char dir[64];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof(dir), "file");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* A new file is 0600 whatever the umask (rejects hold booking data). */
START_TEST(append_creates_0600)
{
	char path[128];
	struct sfp_fail f;
	FILE *fp;
	mode_t old = umask(0);

	(void)snprintf(path, sizeof(path), "%s/rejects.jsonl", dir);
	ck_assert_int_eq(sfp_file_fopen_append(path, &fp, &f), SFP_OK);
	(void)umask(old);
	ck_assert_int_ge(fputs("x\n", fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_uint_eq(mode_of(path), 0600);
}
END_TEST

/* An existing file of ours that others could read is narrowed, kept, appended. */
START_TEST(append_narrows_existing)
{
	char path[128];
	struct sfp_fail f;
	int fd;

	(void)snprintf(path, sizeof(path), "%s/old.jsonl", dir);
	tu_write_file(path, "old\n", 0644);
	ck_assert_int_eq(sfp_file_open_append(path, &fd, &f), SFP_OK);
	ck_assert_int_eq(write(fd, "new\n", 4), 4);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	tu_expect_file(path, "old\nnew\n");
}
END_TEST

START_TEST(append_refuses_symlink_and_dir)
{
	char path[128], target[128];
	struct sfp_fail f;
	int fd = -1;

	(void)snprintf(target, sizeof(target), "%s/target", dir);
	(void)snprintf(path, sizeof(path), "%s/link", dir);
	tu_write_file(target, "keep", 0600);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(sfp_file_open_append(path, &fd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(fd, -1);
	/* A FIFO or a directory is not a regular file. */
	(void)snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(sfp_file_open_rw(path, &fd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	/* Appending to a FIFO nobody reads fails at once instead of hanging. */
	ck_assert_int_ne(sfp_file_open_append(path, &fd, &f), SFP_OK);
	ck_assert_int_eq(fd, -1);
}
END_TEST

START_TEST(write_atomic_replace_and_keep)
{
	char path[128];
	struct sfp_fail f;
	mode_t old = umask(0);

	(void)snprintf(path, sizeof(path), "%s/cache.json", dir);
	ck_assert_int_eq(sfp_file_write_atomic(path, "one", 3, 0, &f), SFP_OK);
	(void)umask(old);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_int_eq(sfp_file_write_atomic(path, "two", 3, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "exists");
	ck_assert_int_eq(sfp_file_write_atomic(path, "three", 5, 1, &f), SFP_OK);
	tu_expect_file(path, "three");
}
END_TEST

START_TEST(private_dir_and_trusted_file)
{
	char sub[128], path[128];
	struct sfp_fail f;
	int fd;

	(void)snprintf(sub, sizeof(sub), "%s/cache", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(sfp_file_check_dir(sub, &f), SFP_OK);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	ck_assert_int_eq(sfp_file_check_dir(sub, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(chmod(sub, 0750), 0);
	ck_assert_int_eq(sfp_file_check_dir(sub, &f), SFP_OK);

	(void)snprintf(path, sizeof(path), "%s/org.json", dir);
	tu_write_file(path, "{}", 0644);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(sfp_file_check_trusted_fd(fd, path, &f), SFP_OK);
	ck_assert_int_eq(fchmod(fd, 0664), 0);
	ck_assert_int_eq(sfp_file_check_trusted_fd(fd, path, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	close(fd);
}
END_TEST

/* At a directory descriptor the rule is the same: created 0600, an open file
 * narrowed, no link, no FIFO (refused without blocking), nobody else's. */
/* Every byte arrives, in order, through a pipe far smaller than the text (the
 * writer blocks and goes on as the reader drains it), and a descriptor that
 * cannot be written gives -1. */
START_TEST(write_full_whole_or_error)
{
	static char big[1 << 18];
	char path[128];
	int fd, pfd[2], status;
	size_t i, got = 0;
	pid_t pid;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {   /* the writer: the parent reads slowly, in small pieces */
		(void)close(pfd[0]);
		_exit(sfp_file_write_full(pfd[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	(void)close(pfd[1]);
	for (;;) {
		char piece[1000];
		ssize_t r = read(pfd[0], piece, sizeof(piece));

		if (r <= 0)
			break;
		ck_assert_int_eq(memcmp(piece, big + got, (size_t)r), 0);
		got += (size_t)r;
	}
	(void)close(pfd[0]);
	ck_assert_uint_eq(got, sizeof(big));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	(void)snprintf(path, sizeof(path), "%s/ro", dir);
	tu_write_file(path, "", 0600);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	ck_assert_int_eq(sfp_file_write_full(fd, "x", 1), -1);
	(void)close(fd);
}
END_TEST

START_TEST(openat_rule_at_a_directory)
{
	char sub[128], path[192], link[192];
	struct sfp_fail f;
	struct stat sb;
	mode_t old;
	int dfd, fd;

	(void)snprintf(sub, sizeof(sub), "%s/spool", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(sfp_file_open_dir(sub, &dfd, &f), SFP_OK);
	old = umask(0);
	ck_assert_int_eq(sfp_file_openat(dfd, "new", O_WRONLY | O_CREAT | O_APPEND, NULL, &fd, &f),
	    SFP_OK);
	(void)umask(old);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	(void)close(fd);

	(void)snprintf(path, sizeof(path), "%s/open", sub);
	tu_write_file(path, "x", 0644);
	ck_assert_int_eq(sfp_file_openat(dfd, "open", O_RDONLY, NULL, &fd, &f), SFP_OK);
	(void)close(fd);
	ck_assert_uint_eq(mode_of(path), 0600);

	(void)snprintf(path, sizeof(path), "%s/fifo", sub);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(sfp_file_openat(dfd, "fifo", O_RDONLY, NULL, &fd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(fd, -1);
	(void)snprintf(link, sizeof(link), "%s/link", sub);
	ck_assert_int_eq(symlink("new", link), 0);
	ck_assert_int_eq(sfp_file_openat(dfd, "link", O_WRONLY | O_APPEND | O_CREAT, NULL, &fd, &f),
	    SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(sfp_file_openat(dfd, "absent", O_RDONLY, "spool/absent", &fd, &f), SFP_E_IO);
	ck_assert_str_eq(f.place, "spool/absent");
	if (geteuid() == 0) {
		(void)snprintf(path, sizeof(path), "%s/open", sub);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_int_eq(sfp_file_openat(dfd, "open", O_RDONLY, NULL, &fd, &f), SFP_E_INPUT);
		ck_assert_ptr_nonnull(strstr(f.message, "another user"));
	}
	(void)close(dfd);

	/* The directory: others may not write it, and a link to one is no directory. */
	ck_assert_int_eq(chmod(sub, 0770), 0);
	ck_assert_int_eq(sfp_file_open_dir(sub, &dfd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(dfd, -1);
	ck_assert_int_eq(chmod(sub, 0700), 0);
	(void)snprintf(link, sizeof(link), "%s/dirlink", dir);
	ck_assert_int_eq(symlink(sub, link), 0);
	ck_assert_int_eq(sfp_file_open_dir(link, &dfd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	(void)snprintf(path, sizeof(path), "%s/absent", dir);
	ck_assert_int_eq(sfp_file_open_dir(path, &dfd, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "file");
}
END_TEST

Suite *
suite_file(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, append_creates_0600);
	tcase_add_test(tc, append_narrows_existing);
	tcase_add_test(tc, append_refuses_symlink_and_dir);
	tcase_add_test(tc, write_atomic_replace_and_keep);
	tcase_add_test(tc, private_dir_and_trusted_file);
	tcase_add_test(tc, openat_rule_at_a_directory);
	tcase_add_test(tc, write_full_whole_or_error);
	suite_add_tcase(s, tc);
	return s;
}
