/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cache.h"
#include "file.h"

int
sfp_cache_default_dir(const char *configured, char *out, size_t n)
{
	const char *v;
	int w;

	if (configured != NULL && configured[0] != '\0')
		w = snprintf(out, n, "%s", configured);
	else if ((v = getenv("SFPIPE_CACHE_DIR")) != NULL && v[0] != '\0')
		w = snprintf(out, n, "%s", v);
	else if ((v = getenv("XDG_CACHE_HOME")) != NULL && v[0] == '/')
		w = snprintf(out, n, "%s/sfpipe", v);
	else if ((v = getenv("HOME")) != NULL && v[0] != '\0')
		w = snprintf(out, n, "%s/.cache/sfpipe", v);
	else
		return -1;
	return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

enum sfp_status
sfp_cache_mkdir(const char *dir, struct sfp_fail *f)
{
	char buf[4096];
	size_t i, len = strlen(dir);
	struct stat sb;

	if (len == 0 || len >= sizeof(buf))
		return sfp_fail_set(f, SFP_E_IO, "cache", dir, "bad cache directory name");
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return sfp_fail_set(f, SFP_E_IO, "cache", buf, "cannot create directory: %s",
			    strerror(errno));
		if (i < len)
			buf[i] = '/';
	}
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return sfp_fail_set(f, SFP_E_IO, "cache", dir, "not a directory");
	/* A directory another user owns or may write lets that user delete, swap
	 * or plant what we keep in it: refuse it, whoever made it. */
	return sfp_file_check_dir(dir, f);
}

/* The directory of a cache file (dir/sub) and the cache directory above it
 * (dir), as sfp_cache_path lays them out: both must be private. */
static enum sfp_status
check_cache_dirs(const char *path, struct sfp_fail *f)
{
	char d[4096];
	const char *slash = strrchr(path, '/');
	char *up;
	size_t n;
	enum sfp_status st;

	if (slash == NULL || (n = (size_t)(slash - path)) == 0 || n >= sizeof(d))
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "bad cache path");
	memcpy(d, path, n);
	d[n] = '\0';
	if ((st = sfp_file_check_dir(d, f)) != SFP_OK)
		return st;
	if ((up = strrchr(d, '/')) == NULL || up == d)
		return SFP_OK;
	*up = '\0';
	return sfp_file_check_dir(d, f);
}

int
sfp_cache_path(const char *dir, const char *sub, const char *const *parts, const char *suffix,
    char *out, size_t n)
{
	crypto_generichash_state st;
	unsigned char h[16];
	char hex[33];
	size_t i;
	int w;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0)
		return -1;
	for (i = 0; parts[i] != NULL; i++)
		(void)crypto_generichash_update(&st, (const unsigned char *)parts[i],
		    strlen(parts[i]) + 1);      /* the NUL separates parts unambiguously */
	(void)crypto_generichash_final(&st, h, sizeof(h));
	(void)sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	w = snprintf(out, n, "%s/%s/%s%s", dir, sub, hex, suffix != NULL ? suffix : "");
	return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

enum sfp_status
sfp_cache_read(const char *path, size_t max, char **buf, size_t *len, time_t *mtime,
    struct sfp_fail *f)
{
	struct stat sb;
	char *p = NULL;
	size_t got = 0;
	enum sfp_status st;
	ssize_t r;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return sfp_fail_set(f, SFP_E_INPUT, "miss", path, "not cached");
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "%s", strerror(errno));
	}
	if ((st = check_cache_dirs(path, f)) != SFP_OK) {
		(void)close(fd);
		return st;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0 ||
	    sb.st_uid != geteuid()) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_IO, "cache", path,
		    "not a private regular file of this user; remove it");
	}
	if (max == 0)
		max = 64u * 1024u * 1024u;
	if ((size_t)sb.st_size > max) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "too large");
	}
	p = malloc((size_t)sb.st_size + 1);
	if (p == NULL) {
		(void)close(fd);
		return sfp_fail_oom(f, NULL);
	}
	while (got < (size_t)sb.st_size) {
		r = read(fd, p + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	(void)close(fd);
	if (got != (size_t)sb.st_size) {
		free(p);
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "short read");
	}
	p[got] = '\0';
	*buf = p;
	*len = got;
	if (mtime != NULL)
		*mtime = sb.st_mtime;
	return SFP_OK;
}

enum sfp_status
sfp_cache_write(const char *path, const void *buf, size_t len, struct sfp_fail *f)
{
	char dir[4096], *up;
	const char *slash = strrchr(path, '/');
	enum sfp_status st;

	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "bad cache path");
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	/* The cache directory first, checked, and only then its subdirectory in
	 * it: nothing is created inside a directory another user controls. */
	if ((up = strrchr(dir, '/')) != NULL && up != dir) {
		*up = '\0';
		st = sfp_cache_mkdir(dir, f);
		*up = '/';
		if (st != SFP_OK)
			return st;
	}
	if ((st = sfp_cache_mkdir(dir, f)) != SFP_OK || (st = check_cache_dirs(path, f)) != SFP_OK)
		return st;
	return sfp_file_write_atomic(path, buf, len, 1, f);
}

enum sfp_status
sfp_cache_remove(const char *path, struct sfp_fail *f)
{
	if (unlink(path) == -1 && errno != ENOENT)
		return sfp_fail_set(f, SFP_E_IO, "cache", path, "cannot remove: %s", strerror(errno));
	return SFP_OK;
}
