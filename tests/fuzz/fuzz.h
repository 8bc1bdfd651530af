/* SPDX-License-Identifier: ISC */
/*
 * Helpers shared by the libFuzzer harnesses: a NUL-terminated copy of the
 * input, the input behind a file descriptor or a file, splitting the input
 * into parts at a separator line, and one-time setup (libsodium, a scratch
 * directory).  Harnesses run from the repository root (tests/fuzz/run does).
 */
#ifndef SFP_FUZZ_H
#define SFP_FUZZ_H
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A new NUL-terminated copy (the caller frees). */
static char *fz_strdup(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* Remove the scratch directory at exit: the harnesses write only plain files
 * directly in it. */
static char fz_dir_path[200];
static void fz_dir_remove(void)
{
	DIR *d = opendir(fz_dir_path);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	(void)rmdir(fz_dir_path);
}

/* A scratch directory made once per process under $TMPDIR (else /tmp),
 * removed when the process exits normally. */
static const char *fz_dir(void)
{
	if (fz_dir_path[0] == '\0') {
		const char *t = getenv("TMPDIR");
		if (t == NULL || t[0] != '/' || strlen(t) > 150)
			t = "/tmp";
		snprintf(fz_dir_path, sizeof fz_dir_path, "%s/sfp-fuzz.XXXXXX", t);
		if (mkdtemp(fz_dir_path) == NULL)
			abort();
		if (atexit(fz_dir_remove) != 0 || sodium_init() < 0)
			abort();
	}
	return fz_dir_path;
}

/* Write the bytes to a file under the scratch directory (mode 0600). */
static const char *fz_file(const char *name, const void *d, size_t n)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (n > 0 && write(fd, d, n) != (ssize_t)n)
		abort();
	close(fd);
	return path;
}

/* A descriptor reading the bytes from the start (the caller closes it). */
static int fz_fd(const void *d, size_t n)
{
	const char *p = fz_file("stdin", d, n);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		abort();
	return fd;
}

/* Split at the first "\n--\n": *a gets what is before, *b what is after
 * (both new, NUL-terminated); without a separator *b is NULL. */
static void fz_split(const uint8_t *d, size_t n, char **a, size_t *alen, char **b, size_t *blen)
{
	const char sep[] = "\n--\n";
	for (size_t i = 0; i + 4 <= n; i++) {
		if (memcmp(d + i, sep, 4) == 0) {
			*a = fz_strdup(d, i);
			*alen = i;
			*b = fz_strdup(d + i + 4, n - i - 4);
			*blen = n - i - 4;
			return;
		}
	}
	*a = fz_strdup(d, n);
	*alen = n;
	*b = NULL;
	*blen = 0;
}
#endif
