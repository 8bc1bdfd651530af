/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "secret.h"

#define SECRET_MAX_DEFAULT (64u * 1024u)

enum sfp_status
sfp_secret_check_fd(int fd, const char *path, struct sfp_fail *f)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", path, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", path, "not a regular file");
	/* fstat follows nothing: fd is the file itself, so a symlink to a readable
	 * file is judged by its target, which is what an attacker could read. */
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file-mode", path,
		    "secret file is accessible by group or others (mode %03o); run chmod 600",
		    (unsigned)(st.st_mode & 0777));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file-owner", path,
		    "secret file is owned by another user (uid %lu)", (unsigned long)st.st_uid);
	return SFP_OK;
}

static enum sfp_status
secret_alloc(size_t len, struct sfp_secret **out, struct sfp_fail *f)
{
	struct sfp_secret *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return sfp_fail_oom(f, NULL);
	if ((s->bytes = sodium_malloc(len + 1)) == NULL) {
		free(s);
		return sfp_fail_set(f, SFP_E_INTERNAL, SFP_OOM, NULL, "out of guarded memory");
	}
	s->len = len;
	s->bytes[len] = '\0';
	*out = s;
	return SFP_OK;
}

void
sfp_secret_free(struct sfp_secret *s)
{
	if (s == NULL)
		return;
	/* sodium_free wipes before unmapping; the explicit wipe documents intent. */
	sodium_memzero(s->bytes, s->len + 1);
	sodium_free(s->bytes);
	free(s);
}

enum sfp_status
sfp_secret_from_bytes(const void *p, size_t len, struct sfp_secret **out, struct sfp_fail *f)
{
	enum sfp_status st;

	if ((st = secret_alloc(len, out, f)) != SFP_OK)
		return st;
	memcpy((*out)->bytes, p, len);
	return SFP_OK;
}

enum sfp_status
sfp_secret_read_checked(const char *path, size_t max, struct sfp_secret **out,
    struct sfp_fail *f)
{
	struct sfp_secret *s = NULL;
	enum sfp_status st;
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if (max == 0)
		max = SECRET_MAX_DEFAULT;
	/* O_NONBLOCK: a FIFO put where the file should be must not hang the
	 * open; the check below refuses it, then reads block as usual. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", path, "%s", strerror(errno));
	if ((st = sfp_secret_check_fd(fd, path, f)) != SFP_OK)
		goto out;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		st = sfp_fail_set(f, SFP_E_IO, "secret-file", path, "%s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) == -1 || sb.st_size < 0) {
		st = sfp_fail_set(f, SFP_E_INPUT, "secret-file", path, "%s", strerror(errno));
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		st = sfp_fail_set(f, SFP_E_INPUT, "secret-file", path,
		    "file larger than %zu bytes", max);
		goto out;
	}
	if ((st = secret_alloc((size_t)sb.st_size, &s, f)) != SFP_OK)
		goto out;
	/* Read exactly what stat promised; a file that grows meanwhile is cut. */
	while (got < s->len) {
		n = read(fd, s->bytes + got, s->len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			st = sfp_fail_set(f, SFP_E_IO, "secret-file", path, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	s->len = got;
	s->bytes[got] = '\0';
	*out = s;
	s = NULL;
out:
	sfp_secret_free(s);
	(void)close(fd);
	return st;
}

enum sfp_status
sfp_secret_from_file(const char *path, size_t max, struct sfp_secret **out, struct sfp_fail *f)
{
	enum sfp_status st;
	struct sfp_secret *s;

	if ((st = sfp_secret_read_checked(path, max, &s, f)) != SFP_OK)
		return st;
	if (s->len > 0 && s->bytes[s->len - 1] == '\n')
		s->bytes[--s->len] = '\0';
	if (s->len > 0 && s->bytes[s->len - 1] == '\r')
		s->bytes[--s->len] = '\0';
	if (s->len == 0) {
		sfp_secret_free(s);
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", path, "secret file is empty");
	}
	*out = s;
	return SFP_OK;
}

enum sfp_status
sfp_secret_from_env(const char *name, struct sfp_secret **out, struct sfp_fail *f)
{
	const char *v = getenv(name);
	enum sfp_status st;
	size_t len;

	*out = NULL;
	if (v == NULL || *v == '\0')
		return sfp_fail_set(f, SFP_E_INPUT, "secret-env", name, "not set");
	len = strlen(v);
	if ((st = sfp_secret_from_bytes(v, len, out, f)) != SFP_OK)
		return st;
	/* Wipe our copy of the environment string and drop the variable, so that
	 * neither a child process nor a core dump carries it further. */
	sodium_memzero((void *)(uintptr_t)v, len);
	(void)unsetenv(name);
	return SFP_OK;
}

enum sfp_status
sfp_secret_write_file(const char *path, const void *buf, size_t len, int replace,
    struct sfp_fail *f)
{
	return sfp_file_write_atomic(path, buf, len, replace, f);
}
