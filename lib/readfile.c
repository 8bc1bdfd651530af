/* SPDX-License-Identifier: ISC */
/* readfile: a whole file (or stdin) into memory, bounded, and a JSON file parsed in one go. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "readfile.h"

#define CHUNK (64u * 1024u)

enum sfp_status
sfp_read_fd(int fd, const char *source, size_t max, char **bufp, size_t *lenp, struct sfp_fail *f)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (cap - len < CHUNK) {
			if ((nb = realloc(buf, cap + CHUNK + 1)) == NULL) {
				free(buf);
				return sfp_fail_oom(f, source);
			}
			buf = nb;
			cap += CHUNK;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return sfp_fail_set(f, SFP_E_IO, "read", source, "%s", strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return sfp_fail_set(f, SFP_E_INPUT, "too-large", source,
			    "larger than %zu bytes", max);
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return SFP_OK;
}

enum sfp_status
sfp_read_file(const char *path, size_t max, char **buf, size_t *len, struct sfp_fail *f)
{
	enum sfp_status st;
	int fd;

	if (strcmp(path, "-") == 0)
		return sfp_read_fd(0, "<stdin>", max, buf, len, f);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(errno));
	/* A directory named as a file is a configuration mistake (exit 3), not
	 * a local I/O error: read(2) would fail with EISDIR. */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(EISDIR));
	}
	st = sfp_read_fd(fd, path, max, buf, len, f);
	(void)close(fd);
	return st;
}

enum sfp_status
sfp_json_load(const char *path, size_t max, cJSON **out, struct sfp_fail *f)
{
	enum sfp_status st;
	char *buf;
	size_t len;

	*out = NULL;
	if ((st = sfp_read_file(path, max, &buf, &len, f)) != SFP_OK)
		return st;
	st = sfp_json_parse(buf, len, strcmp(path, "-") == 0 ? "<stdin>" : path, 0, out, f);
	free(buf);
	return st;
}
