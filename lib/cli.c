/* SPDX-License-Identifier: ISC */
/* cli: what every program's main does the same way (start, version, usage, stdout, diagnostics). */
/* fopencookie(3): stdout and stderr pass through the write functions below. */
#define _GNU_SOURCE 1
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exit.h"
#include "file.h"

/* Diagnostics: -q drops notes; SFPIPE_LOG (or systemd's JOURNAL_STREAM) says
 * how each stderr line begins. */
enum log_form { LOG_PLAIN, LOG_TIMESTAMPS, LOG_JOURNAL };
static enum log_form log_form;
static int quiet;
static int line_priority = 3;   /* syslog priority of the stderr line being written: err */
static int at_line_start = 1;

/* A reader that has gone (`sf-describe | head`) ends the program as it ends
 * coreutils and jq: at once, quietly, by SIGPIPE (status 141 in a shell).  Only
 * stdout does this: SIGPIPE stays ignored for sockets, where a closed peer is
 * an error to report. */
static _Noreturn void
die_of_sigpipe(void)
{
	sigset_t set;

	(void)fflush(stderr);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGPIPE);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

static ssize_t
stdout_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	if (sfp_file_write_full(STDOUT_FILENO, buf, n) != 0) {
		if (errno == EPIPE)
			die_of_sigpipe();
		return -1;
	}
	return (ssize_t)n;
}

/* Each stderr line goes out in one write(2), after its prefix: an RFC 3339 UTC
 * time for a log file, or "<N>" (syslog priority) that journald reads. */
static ssize_t
stderr_write(void *cookie, const char *buf, size_t n)
{
	char line[4096];
	size_t i = 0, pre, seg;
	const char *nl;
	struct timespec ts;
	struct tm tm;

	(void)cookie;
	while (i < n) {
		pre = 0;
		if (at_line_start && log_form == LOG_JOURNAL) {
			pre = (size_t)snprintf(line, sizeof line, "<%d>", line_priority);
		} else if (at_line_start && log_form == LOG_TIMESTAMPS) {
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			pre = gmtime_r(&ts.tv_sec, &tm) != NULL ?
			    strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm) : 0;
		}
		nl = memchr(buf + i, '\n', n - i);
		seg = nl != NULL ? (size_t)(nl - buf) + 1 - i : n - i;
		if (seg > sizeof line - pre)
			seg = sizeof line - pre;
		memcpy(line + pre, buf + i, seg);
		if (sfp_file_write_full(STDERR_FILENO, line, pre + seg) != 0)
			return i > 0 ? (ssize_t)i : -1;
		at_line_start = line[pre + seg - 1] == '\n';
		if (at_line_start)
			line_priority = 3;
		i += seg;
	}
	return (ssize_t)n;
}

static int
stream_close(void *cookie)
{
	(void)cookie;
	return 0;
}

/* systemd names the journal stream it gave as stderr in JOURNAL_STREAM ("dev:ino"). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static int
streams_start(const char *prog)
{
	static const cookie_io_functions_t out_io = { NULL, stdout_write, NULL, stream_close };
	static const cookie_io_functions_t err_io = { NULL, stderr_write, NULL, stream_close };
	const char *form = getenv("SFPIPE_LOG");
	FILE *fp;

	if (form == NULL || *form == '\0')
		log_form = stderr_is_journal() ? LOG_JOURNAL : LOG_PLAIN;
	else if (strcmp(form, "journal") == 0)
		log_form = LOG_JOURNAL;
	else if (strcmp(form, "timestamps") == 0)
		log_form = LOG_TIMESTAMPS;
	else if (strcmp(form, "plain") == 0)
		log_form = LOG_PLAIN;
	else {
		(void)fprintf(stderr, "%s: SFPIPE_LOG: want plain, timestamps or journal\n", prog);
		return -1;
	}
	if ((fp = fopencookie(NULL, "w", out_io)) == NULL)
		return -1;
	(void)setvbuf(fp, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	stdout = fp;
	if (log_form != LOG_PLAIN) {
		if ((fp = fopencookie(NULL, "w", err_io)) == NULL)
			return -1;
		(void)setvbuf(fp, NULL, _IOLBF, BUFSIZ);
		stderr = fp;
	}
	return 0;
}

static volatile sig_atomic_t *stop_flag;

static void
on_stop_signal(int sig)
{
	(void)sig;
	if (stop_flag != NULL)
		*stop_flag = 1;
}

void
sfp_cli_stop_on_signals(volatile sig_atomic_t *flag)
{
	struct sigaction sa;

	stop_flag = flag;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
}

void
sfp_cli_set_quiet(void)
{
	quiet = 1;
}

int
sfp_cli_is_quiet(void)
{
	return quiet;
}

void
sfp_cli_note(const char *prog, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	(void)fflush(stderr);
	line_priority = 5;   /* notice: a normal but significant condition */
	(void)fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	(void)fflush(stderr);
}

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
	/* Access tokens, JWT assertions and keys pass through memory we cannot
	 * all wipe (libcurl's request buffer, TLS records, HTTP/2 header tables):
	 * a core file would carry them (25 copies of the token in one core of
	 * sf-create).  So no core file, and no other process of this user reads
	 * our memory through ptrace or /proc/PID/mem.  Before any secret is read. */
	{
		struct rlimit nocore = { 0, 0 };
		if (setrlimit(RLIMIT_CORE, &nocore) == -1 || SFP_SET_NOT_DUMPABLE() == -1) {
			(void)fprintf(stderr, "%s: cannot disable core dumps: %s\n", prog,
			    strerror(errno));
			return -1;
		}
	}
	if (streams_start(prog) != 0)
		return -1;
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
sfp_cli_close_stdout(const char *prog)
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

int
sfp_cli_number(const char *prog, const char *name, const char *arg, long min, long max,
    long *v)
{
	struct sfp_fail f;

	if (sfp_parse_option(name, arg, min, max, v, &f) == SFP_OK)
		return 0;
	sfp_cli_usage_error(prog, "%s", f.message);
	return -1;
}

int
sfp_cli_other_opt(const char *prog, int c, void (*usage)(FILE *))
{
	if (c == 'h' || c == 'V') {
		if (c == 'h')
			usage(stdout);
		else
			sfp_cli_version(prog);
		return sfp_exit_code(sfp_cli_close_stdout(prog));
	}
	usage(stderr);
	return SFP_EXIT_USAGE;
}

int
sfp_cli_exit(const char *prog, enum sfp_status st, const struct sfp_fail *f)
{
	if (st != SFP_OK && st != SFP_E_ITEM)
		sfp_fail_print(f, prog, stderr);
	st = sfp_status_worst(st, sfp_cli_close_stdout(prog));
	sfp_cli_end();
	return sfp_exit_code(st);
}
