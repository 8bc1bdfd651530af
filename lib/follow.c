/* SPDX-License-Identifier: ISC */
/* follow: read the spool as it grows and send it window by window through the delivery command (follow.h). */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "file.h"
#include "follow.h"
#include "spool.h"

#define POLL_MS 20            /* how often the spool's size is looked at */
#define WAIT_CAP_MS 60000L    /* the budget guard's longest wait */
#define READ_CHUNK 65536

/* Lines read in one go share their arrival time. */
struct chunk {
	long long end;        /* spool offset just past the chunk's last line */
	long long arrived;    /* monotonic ms */
};

struct follower {
	const struct sfp_follow_opts *o;
	struct sfp_follow_stats *st;
	int spool, results, dirfd;
	long long committed, results_size, readpos;
	char *pend;           /* spool bytes committed..readpos: whole lines */
	size_t plen, pcap;
	struct chunk *ch;
	size_t nch, chcap;
	long backoff_ms;
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

static void
say(struct follower *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct follower *w, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (w->o->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	w->o->log(w->o->log_ctx, 0, line);
}

long
sfp_follow_wait_ms(long max_wait_ms, int budget_from, long used, long max)
{
	long pct, wait = max_wait_ms;
	int steps;

	if (used < 0 || max <= 0 || budget_from <= 0)
		return max_wait_ms;
	pct = used * 100 / max;
	if (pct < budget_from)
		return max_wait_ms;
	for (steps = 1 + (int)((pct - budget_from) / 10); steps > 0 && wait < WAIT_CAP_MS; steps--)
		wait = wait > 0 ? wait * 2 : 1000;
	return wait < WAIT_CAP_MS ? wait : WAIT_CAP_MS;
}

static enum sfp_status
io_fail(struct sfp_fail *f, const char *what, const char *name)
{
	return sfp_fail_set(f, SFP_E_IO, "follow", name, "%s: %s", what, strerror(errno));
}

/* "<spool offset> <results size>"; a missing file is a fresh start. */
static enum sfp_status
read_commit(struct follower *w, struct sfp_fail *f)
{
	char buf[64];
	ssize_t n;
	enum sfp_status st;
	struct stat sb;
	int fd;

	if (fstatat(w->dirfd, SFP_FOLLOW_COMMIT, &sb, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return SFP_OK;
	if ((st = sfp_file_openat(w->dirfd, SFP_FOLLOW_COMMIT, O_RDONLY, NULL, &fd, f)) != SFP_OK)
		return st;
	n = read(fd, buf, sizeof buf - 1);
	(void)close(fd);
	if (n < 0)
		return io_fail(f, "read", SFP_FOLLOW_COMMIT);
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &w->committed, &w->results_size) != 2 || w->committed < 0 ||
	    w->results_size < 0)
		return sfp_fail_set(f, SFP_E_INPUT, "follow", SFP_FOLLOW_COMMIT,
		    "want two byte counts: spool offset and results size");
	return SFP_OK;
}

/* Replace the commit file through a synced 0600 temporary and rename(2), so
 * a crash leaves the old commit or the new, never half of one. */
static enum sfp_status
write_commit(struct follower *w, struct sfp_fail *f)
{
	static const char tmp[] = SFP_FOLLOW_COMMIT ".tmp";
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%lld %lld\n", w->committed, w->results_size);
	int fd;

	enum sfp_status st;

	(void)unlinkat(w->dirfd, tmp, 0);
	if ((st = sfp_file_openat(w->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL, NULL, &fd, f)) !=
	    SFP_OK)
		return st;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		(void)close(fd);
		return io_fail(f, "write", tmp);
	}
	if (close(fd) != 0 || renameat(w->dirfd, tmp, w->dirfd, SFP_FOLLOW_COMMIT) != 0 ||
	    fsync(w->dirfd) != 0)
		return io_fail(f, "commit", SFP_FOLLOW_COMMIT);
	return SFP_OK;
}

/* Read what the spool gained since readpos, keeping whole lines only. */
static enum sfp_status
read_new(struct follower *w, struct sfp_fail *f)
{
	char buf[READ_CHUNK];
	long long last_nl = -1, arrived = sfp_clock_ms();
	ssize_t n;

	for (;;) {
		n = pread(w->spool, buf, sizeof buf, (off_t)w->readpos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(f, "read", SFP_SPOOL_FILE);
		if (n == 0)
			break;
		{
			char *nl = NULL, *p;
			for (p = buf; p < buf + n; p++)
				if (*p == '\n')
					nl = p;
			if (nl == NULL)
				break;   /* a line being written: taken next time */
			n = nl - buf + 1;
		}
		if (w->plen + (size_t)n > w->pcap) {
			size_t cap = w->pcap ? w->pcap : READ_CHUNK;
			char *g;
			while (cap < w->plen + (size_t)n)
				cap *= 2;
			if ((g = realloc(w->pend, cap)) == NULL)
				return sfp_fail_oom(f, NULL);
			w->pend = g;
			w->pcap = cap;
		}
		memcpy(w->pend + w->plen, buf, (size_t)n);
		w->plen += (size_t)n;
		w->readpos += n;
		last_nl = w->readpos;
	}
	if (last_nl >= 0) {
		if (w->nch == w->chcap) {
			struct chunk *g = realloc(w->ch, (w->chcap = w->chcap ? w->chcap * 2 : 64) *
			    sizeof *g);
			if (g == NULL)
				return sfp_fail_oom(f, NULL);
			w->ch = g;
		}
		w->ch[w->nch].end = last_nl;
		w->ch[w->nch++].arrived = arrived;
	}
	return SFP_OK;
}

/* The first n lines of pend (at most max_window), as a byte count. */
static size_t
window_bytes(const struct follower *w, size_t max_lines, size_t *lines)
{
	size_t i, k = 0;

	for (i = 0; i < w->plen && k < max_lines; i++)
		if (w->pend[i] == '\n')
			k++;
	*lines = k;
	return k < max_lines ? w->plen : i;
}

/* "api usage: USED/MAX" in a line of the command's stderr. */
static void
scan_usage(struct follower *w, const char *line)
{
	const char *p = strstr(line, "api usage: ");
	long used, max;

	if (p != NULL && sscanf(p, "api usage: %ld/%ld", &used, &max) == 2 && max > 0) {
		w->st->api_used = used;
		w->st->api_max = max;
	}
}

struct sink {
	char *buf;
	size_t len, cap;
};

static int
sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *g;
		while (cap < s->len + n)
			cap *= 2;
		if ((g = realloc(s->buf, cap)) == NULL)
			return -1;
		s->buf = g;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

/* Pass on the whole lines of the command's stderr, reading the usage. */
static void
drain_err(struct follower *w, struct sink *e, int final)
{
	size_t start = 0, i;

	for (i = 0; i < e->len; i++)
		if (e->buf[i] == '\n' || (final && i + 1 == e->len)) {
			size_t end = e->buf[i] == '\n' ? i : i + 1;
			char line[1024];
			size_t n = end - start < sizeof line - 1 ? end - start : sizeof line - 1;
			memcpy(line, e->buf + start, n);
			line[n] = '\0';
			scan_usage(w, line);
			if (w->o->log != NULL)
				w->o->log(w->o->log_ctx, 1, line);
			start = i + 1;
		}
	if (start > 0) {   /* buf is NULL while nothing came */
		memmove(e->buf, e->buf + start, e->len - start);
		e->len -= start;
	}
}

/* A pipe no other child inherits (pipe2 is not POSIX). */
static int
pipe_cloexec(int p[2])
{
	if (pipe(p) != 0)
		return -1;
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Run the command on the window: its stdin the lines, its stdout kept in out.
 * Returns its exit status (128 + signal when killed), or -1 with f. */
static int
run_command(struct follower *w, const char *in, size_t inlen, struct sink *out, struct sfp_fail *f)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, status = 0;
	struct sink err = { NULL, 0, 0 };
	size_t sent = 0;
	pid_t pid;
	int open_fds;

	if (pipe_cloexec(pin) != 0 || pipe_cloexec(pout) != 0 || pipe_cloexec(perr) != 0) {
		(void)sfp_fail_set(f, SFP_E_IO, "follow", NULL, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		(void)sfp_fail_set(f, SFP_E_IO, "follow", NULL, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		if (dup2(pin[0], 0) == -1 || dup2(pout[1], 1) == -1 || dup2(perr[1], 2) == -1)
			_exit(127);
		(void)signal(SIGPIPE, SIG_DFL);
		execvp(w->o->argv[0], w->o->argv);
		_exit(127);
	}
	(void)close(pin[0]);
	(void)close(pout[1]);
	(void)close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	(void)fcntl(pin[1], F_SETFL, O_NONBLOCK);
	open_fds = 2;
	if (inlen == 0) {
		(void)close(pin[1]);
		pin[1] = -1;
	}
	while (open_fds > 0 || pin[1] != -1) {
		struct pollfd p[3] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
			{ pin[1], POLLOUT, 0 } };
		char buf[8192];
		int i;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;
			if (p[i].fd == -1 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof buf);
			if (n > 0) {
				if (sink_add(i == 0 ? out : &err, buf, (size_t)n) != 0) {
					(void)sfp_fail_oom(f, NULL);
					(void)kill(pid, SIGKILL);
				}
				if (i == 1)
					drain_err(w, &err, 0);
			} else if (n == 0 || errno != EINTR) {
				(void)close(p[i].fd);
				if (i == 0)
					pout[0] = -1;
				else
					perr[0] = -1;
				open_fds--;
			}
		}
		if (pin[1] != -1 && p[2].revents != 0) {
			ssize_t n = write(pin[1], in + sent, inlen - sent);
			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || sent == inlen) {
				(void)close(pin[1]);   /* EPIPE: it stopped reading; its status says why */
				pin[1] = -1;
			}
		}
	}
	drain_err(w, &err, 1);
	free(err.buf);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] != -1)
			(void)close(pin[i]);
		if (pout[i] != -1)
			(void)close(pout[i]);
		if (perr[i] != -1)
			(void)close(perr[i]);
	}
	return -1;
}

static enum sfp_status
append_results(struct follower *w, const struct sink *out, struct sfp_fail *f)
{
	size_t done = 0;

	while (done < out->len) {
		ssize_t n = write(w->results, out->buf + done, out->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			enum sfp_status st = io_fail(f, "write", w->o->results);
			/* Best effort: results past the commit are cut at the next start. */
			if (ftruncate(w->results, (off_t)w->results_size) != 0)
				st = io_fail(f, "write (and cut back)", w->o->results);
			return st;
		}
		done += (size_t)n;
	}
	if (fsync(w->results) != 0)
		return io_fail(f, "sync", w->o->results);
	w->results_size += (long long)out->len;
	return SFP_OK;
}

/* Send the first window of pend; commit it unless the command says retry. */
static enum sfp_status
send_window(struct follower *w, struct sfp_fail *f)
{
	size_t lines, bytes = window_bytes(w, w->o->max_window ? w->o->max_window : 1000, &lines);
	struct sink out = { NULL, 0, 0 };
	enum sfp_status st = SFP_OK;
	int rc = run_command(w, w->pend, bytes, &out, f);
	size_t i, k;

	if (rc < 0) {
		st = f->status;
		goto out;
	}
	if (rc == 4) {
		w->st->retries++;
		w->backoff_ms = w->backoff_ms ? (w->backoff_ms * 2 < 60000 ? w->backoff_ms * 2 : 60000) :
		    1000;
		say(w, "window of %zu lines: temporary failure; sent again in %ld ms", lines,
		    w->backoff_ms);
		goto out;
	}
	if (rc != 0 && rc != 1) {
		st = sfp_fail_set(f, rc == 2 ? SFP_E_USAGE : rc == 3 ? SFP_E_INPUT : rc == 5 ?
		    SFP_E_AUTH : SFP_E_IO, "follow", w->o->argv[0],
		    "the delivery command exited %d; the window is kept for the next start", rc);
		goto out;
	}
	w->backoff_ms = 0;
	if ((st = append_results(w, &out, f)) != SFP_OK)
		goto out;
	w->committed += (long long)bytes;
	if ((st = write_commit(w, f)) != SFP_OK)
		goto out;
	memmove(w->pend, w->pend + bytes, w->plen - bytes);
	w->plen -= bytes;
	for (i = 0; i < w->nch && w->ch[i].end <= w->committed; i++)
		;
	for (k = 0; i < w->nch; i++, k++)
		w->ch[k] = w->ch[i];
	w->nch = k;
	w->st->windows++;
	w->st->lines += lines;
out:
	free(out.buf);
	return st;
}

static enum sfp_status
open_files(struct follower *w, struct sfp_fail *f)
{
	const struct sfp_follow_opts *o = w->o;
	enum sfp_status st;
	off_t size;

	if ((st = sfp_file_open_dir(o->spool_dir, &w->dirfd, f)) != SFP_OK)
		return st;
	/* Read only, never created: hmac-receive makes it. */
	if ((st = sfp_file_openat(w->dirfd, SFP_SPOOL_FILE, O_RDONLY, NULL, &w->spool, f)) !=
	    SFP_OK) {
		if (st == SFP_E_IO)
			st = sfp_fail_set(f, SFP_E_INPUT, "follow", SFP_SPOOL_FILE,
			    "%s (is hmac-receive running on %s?)", f->message, o->spool_dir);
		return st;
	}
	if ((st = read_commit(w, f)) != SFP_OK)
		return st;
	if ((st = sfp_file_open_append(o->results, &w->results, f)) != SFP_OK)
		return st;
	/* Results written after the last commit belong to a window sent again now. */
	if ((size = lseek(w->results, 0, SEEK_END)) == (off_t)-1)
		return io_fail(f, "seek", o->results);
	if ((long long)size > w->results_size) {
		if (ftruncate(w->results, (off_t)w->results_size) != 0 || fsync(w->results) != 0)
			return io_fail(f, "truncate", o->results);
	} else {
		w->results_size = (long long)size;
	}
	w->readpos = w->committed;
	return SFP_OK;
}

enum sfp_status
sfp_follow_run(const struct sfp_follow_opts *o, struct sfp_follow_stats *st, struct sfp_fail *f)
{
	struct follower w;
	struct sfp_follow_stats dummy;
	enum sfp_status s;
	long long next_try = 0;

	memset(&w, 0, sizeof w);
	w.o = o;
	w.st = st != NULL ? st : &dummy;
	memset(w.st, 0, sizeof *w.st);
	w.st->api_used = w.st->api_max = -1;
	w.spool = w.results = w.dirfd = -1;
	if (o->argv == NULL || o->argv[0] == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "no delivery command given");
	if ((s = open_files(&w, f)) != SFP_OK)
		goto out;
	for (;;) {
		long long now;
		long wait;
		size_t lines;
		if ((s = read_new(&w, f)) != SFP_OK)
			goto out;
		now = sfp_clock_ms();
		wait = sfp_follow_wait_ms(o->max_wait_ms > 0 ? o->max_wait_ms : 1000,
		    o->budget_from > 0 ? o->budget_from : 50, w.st->api_used, w.st->api_max);
		(void)window_bytes(&w, o->max_window ? o->max_window : 1000, &lines);
		if (w.plen > 0 && now >= next_try &&
		    (o->once || *o->stop || lines >= (o->max_window ? o->max_window : 1000) ||
		    (w.nch > 0 && now - w.ch[0].arrived >= wait))) {
			unsigned long retries = w.st->retries;
			if ((s = send_window(&w, f)) != SFP_OK)
				goto out;
			if (w.st->retries != retries)
				next_try = sfp_clock_ms() + w.backoff_ms;
			continue;
		}
		if ((o->once || *o->stop) && w.plen == 0)
			break;
		if (*o->stop && w.plen > 0 && now < next_try)
			break;   /* stopping during a back-off: the window stays uncommitted */
		sleep_ms(POLL_MS);
	}
	s = SFP_OK;
out:
	if (w.spool != -1)
		(void)close(w.spool);
	if (w.results != -1)
		(void)close(w.results);
	if (w.dirfd != -1)
		(void)close(w.dirfd);
	free(w.pend);
	free(w.ch);
	return s;
}
