/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
sfp_cli_start(const char *prog)
{
	int fd;

	/* A program started with fd 0, 1 or 2 closed would hand that number to the
	 * first file it opens, and then write JSON into a secret file: reopen them. */
	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
				return -1;
		}
	}
	(void)signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		(void)fprintf(stderr, "%s: libsodium failed to initialise\n", prog);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		(void)fprintf(stderr, "%s: libcurl failed to initialise\n", prog);
		return -1;
	}
	return 0;
}

void
sfp_cli_end(void)
{
	curl_global_cleanup();
}

void
sfp_cli_version(const char *prog)
{
	(void)printf("%s %s\n", prog, SFP_VERSION);
}

void
sfp_cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\n%s: try '%s --help'\n", prog, prog);
}

enum sfp_status
sfp_cli_finish_stdout(const char *prog)
{
	int bad;

	bad = fflush(stdout) != 0 || ferror(stdout);
	if (fclose(stdout) != 0)
		bad = 1;
	if (bad) {
		(void)fprintf(stderr, "%s: <stdout>: %s\n", prog, strerror(errno ? errno : EIO));
		return SFP_E_IO;
	}
	return SFP_OK;
}
