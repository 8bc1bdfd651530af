/* SPDX-License-Identifier: ISC */
/* file: create and open the files sfpipe writes, owner-only and never through a link. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)

static enum sfp_status
open_fail(const char *path, int err, struct sfp_fail *f)
{
	if (err == ELOOP)
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
		    "refused: a symbolic link (sfpipe writes only to the file itself)");
	return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot open: %s", strerror(err));
}

/* fstat fd and refuse anything but a regular file. */
static enum sfp_status
stat_regular(int fd, const char *path, struct stat *sb, struct sfp_fail *f)
{
	if (fstat(fd, sb) == -1)
		return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(sb->st_mode))
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path, "refused: not a regular file");
	return SFP_OK;
}

enum sfp_status
sfp_file_check_fd(int fd, const char *path, struct sfp_fail *f)
{
	struct stat sb;
	enum sfp_status st;

	if ((st = stat_regular(fd, path, &sb, f)) != SFP_OK)
		return st;
	if (sb.st_uid != geteuid())
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
		    "refused: owned by another user (uid %ld)", (long)sb.st_uid);
	if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) == -1)
		return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot narrow to mode 600: %s",
		    strerror(errno));
	return SFP_OK;
}

enum sfp_status
sfp_file_check_trusted_fd(int fd, const char *path, struct sfp_fail *f)
{
	struct stat sb;
	enum sfp_status st;

	if ((st = stat_regular(fd, path, &sb, f)) != SFP_OK)
		return st;
	if (sb.st_uid != geteuid() && sb.st_uid != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
		    "refused: owned by another user (uid %ld); it decides where credentials go",
		    (long)sb.st_uid);
	if ((sb.st_mode & 022) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
		    "refused: writable by group or others (chmod go-w); it decides where "
		    "credentials go");
	return SFP_OK;
}

enum sfp_status
sfp_file_openat(int dirfd, const char *name, int flags, const char *place, int *fd,
    struct sfp_fail *f)
{
	enum sfp_status st;

	if (place == NULL)
		place = name;
	/* O_NONBLOCK: a FIFO put where a file should be must not hang the open;
	 * the check then refuses it, and a regular file gets blocking mode back. */
	*fd = openat(dirfd, name, flags | OPEN_FLAGS | O_NONBLOCK, 0600);
	if (*fd == -1)
		return open_fail(place, errno, f);
	if ((st = sfp_file_check_fd(*fd, place, f)) == SFP_OK &&
	    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) == -1)
		st = sfp_fail_set(f, SFP_E_IO, "file", place, "%s", strerror(errno));
	if (st != SFP_OK) {
		(void)close(*fd);
		*fd = -1;
	}
	return st;
}

enum sfp_status
sfp_file_open_append(const char *path, int *fd, struct sfp_fail *f)
{
	return sfp_file_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND, NULL, fd, f);
}

enum sfp_status
sfp_file_open_rw(const char *path, int *fd, struct sfp_fail *f)
{
	return sfp_file_openat(AT_FDCWD, path, O_RDWR | O_CREAT, NULL, fd, f);
}

enum sfp_status
sfp_file_fopen_append(const char *path, FILE **fp, struct sfp_fail *f)
{
	enum sfp_status st;
	int fd;

	*fp = NULL;
	if ((st = sfp_file_open_append(path, &fd, f)) != SFP_OK)
		return st;
	if ((*fp = fdopen(fd, "a")) == NULL) {
		st = sfp_fail_set(f, SFP_E_IO, "file", path, "cannot open: %s", strerror(errno));
		(void)close(fd);
	}
	return st;
}

int
sfp_file_write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

enum sfp_status
sfp_file_write_atomic(const char *path, const void *buf, size_t len, int replace,
    struct sfp_fail *f)
{
	char tmp[4200];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return sfp_fail_set(f, SFP_E_IO, "file", path, "path too long");
	/* mkstemp: O_CREAT|O_EXCL, mode 0600 whatever the umask, a fresh name. */
	if ((fd = mkstemp(tmp)) == -1)
		return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot create: %s", strerror(errno));
	if (sfp_file_write_full(fd, buf, len) == -1 || fchmod(fd, 0600) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (replace) {
		if (rename(tmp, path) == -1)
			goto fail;
	} else {
		/* link(2) fails when path exists: no window between test and use. */
		if (link(tmp, path) == -1) {
			err = errno;
			(void)unlink(tmp);
			if (err == EEXIST)
				return sfp_fail_set(f, SFP_E_INPUT, "exists", path, "file exists");
			return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot write: %s",
			    strerror(err));
		}
		(void)unlink(tmp);
	}
	return SFP_OK;
fail:
	err = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot write: %s", strerror(err));
}

/* The directory rule on what lstat or fstat said. */
static enum sfp_status
dir_ok(const struct stat *sb, const char *dir, struct sfp_fail *f)
{
	if (!S_ISDIR(sb->st_mode))
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", dir,
		    "refused: not a directory (or a symbolic link to one)");
	if (sb->st_uid != geteuid())
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", dir,
		    "refused: directory owned by another user (uid %ld)", (long)sb->st_uid);
	if ((sb->st_mode & 022) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", dir,
		    "refused: directory writable by group or others (chmod 700)");
	return SFP_OK;
}

enum sfp_status
sfp_file_check_dir(const char *dir, struct sfp_fail *f)
{
	struct stat sb;

	if (lstat(dir, &sb) == -1)
		return sfp_fail_set(f, SFP_E_IO, "file", dir, "%s", strerror(errno));
	return dir_ok(&sb, dir, f);
}

enum sfp_status
sfp_file_open_dir(const char *dir, int *dirfd, struct sfp_fail *f)
{
	struct stat sb;
	enum sfp_status st;

	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | OPEN_FLAGS);
	if (*dirfd == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", dir,
			    "refused: not a directory (or a symbolic link to one)");
		return sfp_fail_set(f, errno == ENOENT ? SFP_E_INPUT : SFP_E_IO, "file", dir,
		    "cannot open: %s", strerror(errno));
	}
	if (fstat(*dirfd, &sb) == -1)
		st = sfp_fail_set(f, SFP_E_IO, "file", dir, "cannot stat: %s", strerror(errno));
	else
		st = dir_ok(&sb, dir, f);
	if (st != SFP_OK) {
		(void)close(*dirfd);
		*dirfd = -1;
	}
	return st;
}
