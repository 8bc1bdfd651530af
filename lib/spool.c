/* SPDX-License-Identifier: ISC */
/* spool: make each verified request durable, once, before it is acknowledged (spool.h). */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "spool.h"

/* What the journal says of one (tenant, id). */
enum idstate { ID_SPOOLED = 1, ID_CLAIMED = 2 };

struct slot {
	char *key;            /* "tenant id", malloc'd; NULL: empty */
	enum idstate state;
};

struct sfp_spool {
	int dirfd, lines, ids;
	char dir[4096];
	struct slot *tab;
	size_t cap, used;
	unsigned long stored;
};

/* FNV-1a: the keys are authenticated ids, not chosen by an attacker who
 * could aim collisions without a tenant's key. */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

static struct slot *
find(struct sfp_spool *sp, const char *key)
{
	size_t i = hash(key) & (sp->cap - 1);

	while (sp->tab[i].key != NULL && strcmp(sp->tab[i].key, key) != 0)
		i = (i + 1) & (sp->cap - 1);
	return &sp->tab[i];
}

static int
grow(struct sfp_spool *sp)
{
	struct slot *old = sp->tab;
	size_t i, oldcap = sp->cap;

	sp->cap = oldcap != 0 ? oldcap * 2 : 1024;
	if ((sp->tab = calloc(sp->cap, sizeof *sp->tab)) == NULL) {
		sp->tab = old;
		sp->cap = oldcap;
		return -1;
	}
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(sp, old[i].key) = old[i];
	free(old);
	return 0;
}

/* Set key's state (0 forgets it: the slots after it are placed again). */
static int
set_state(struct sfp_spool *sp, const char *key, enum idstate state)
{
	struct slot *s;

	if (sp->used * 2 >= sp->cap && grow(sp) != 0)
		return -1;
	s = find(sp, key);
	if (state == 0) {
		size_t i;
		if (s->key == NULL)
			return 0;
		free(s->key);
		s->key = NULL;
		sp->used--;
		i = (size_t)(s - sp->tab);
		for (i = (i + 1) & (sp->cap - 1); sp->tab[i].key != NULL; i = (i + 1) & (sp->cap - 1)) {
			struct slot moved = sp->tab[i];
			sp->tab[i].key = NULL;
			*find(sp, moved.key) = moved;
		}
		return 0;
	}
	if (s->key == NULL) {
		if ((s->key = strdup(key)) == NULL)
			return -1;
		sp->used++;
	}
	s->state = state;
	return 0;
}

static enum idstate
state_of(struct sfp_spool *sp, const char *key)
{
	struct slot *s = find(sp, key);

	return s->key != NULL ? s->state : 0;
}

static enum sfp_status
io_fail(struct sfp_fail *f, const char *what, const char *name)
{
	int e = errno;

	if (e == ENOSPC || e == EFBIG || e == EDQUOT)
		return sfp_fail_set(f, SFP_E_IO, "spool-full", name, "%s: %s", what, strerror(e));
	return sfp_fail_set(f, SFP_E_IO, "spool", name, "%s: %s", what, strerror(e));
}

/* Append buf whole and sync it; on failure cut the file back to where it was,
 * so a half line never stays. */
static enum sfp_status
append_synced(int fd, const char *name, const char *buf, size_t len, struct sfp_fail *f)
{
	off_t at = lseek(fd, 0, SEEK_END);
	enum sfp_status st;

	if (at == (off_t)-1)
		return io_fail(f, "seek", name);
	if (sfp_file_write_full(fd, buf, len) == 0 && fsync(fd) == 0)
		return SFP_OK;
	st = io_fail(f, "write", name);
	/* Best effort: a torn tail left here is cut when the spool is next opened. */
	if (ftruncate(fd, at) != 0)
		st = io_fail(f, "write (and cut back)", name);
	return st;
}

/* Open a spool file by file.c's one rule (0600, no link, ours, no FIFO). */
static enum sfp_status
open_file(struct sfp_spool *sp, const char *name, int *fd, struct sfp_fail *f)
{
	return sfp_file_openat(sp->dirfd, name, O_RDWR | O_CREAT | O_APPEND, name, fd, f);
}

/* Cut a partial last line (a write cut by a crash, never acknowledged). */
static enum sfp_status
cut_partial(int fd, const char *name, off_t *size, struct sfp_fail *f)
{
	off_t end = lseek(fd, 0, SEEK_END), at = end;
	char c;

	if (end == (off_t)-1)
		return io_fail(f, "seek", name);
	while (at > 0) {
		if (pread(fd, &c, 1, at - 1) != 1)
			return io_fail(f, "read", name);
		if (c == '\n')
			break;
		at--;
	}
	if (at != end && (ftruncate(fd, at) != 0 || fsync(fd) != 0))
		return io_fail(f, "truncate", name);
	*size = at;
	return SFP_OK;
}

struct intent {
	long long off;
	char *key;
};

/* Read the journal: each id's last intent, whether its line reached
 * spool.jsonl (a later intent, or the file's end, lies past its offset), and
 * the ids given up ("X"). */
static enum sfp_status
recover(struct sfp_spool *sp, off_t spool_size, struct sfp_fail *f)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, n = 0, ncap = 0, i;
	ssize_t len;
	struct intent *in = NULL;
	enum sfp_status st = SFP_OK;
	int dup = fcntl(sp->ids, F_DUPFD_CLOEXEC, 0);

	if (dup == -1 || (fp = fdopen(dup, "r")) == NULL) {
		if (dup != -1)
			(void)close(dup);
		return io_fail(f, "read", SFP_SPOOL_IDS);
	}
	rewind(fp);
	while ((len = getline(&line, &cap, fp)) > 0) {
		long long off, ts;
		char key[512];
		int used = 0;
		line[len - 1] = '\0';
		if (sscanf(line, "I %lld %lld %n", &off, &ts, &used) == 2 && used > 0 &&
		    strlen(line + used) < sizeof key) {
			if (n == ncap) {
				struct intent *g = realloc(in, (ncap = ncap ? ncap * 2 : 256) * sizeof *in);
				if (g == NULL)
					goto nomem;
				in = g;
			}
			in[n].off = off;
			if ((in[n++].key = strdup(line + used)) == NULL)
				goto nomem;
		} else if (line[0] == 'X' && line[1] == ' ') {
			if (set_state(sp, line + 2, 0) != 0)
				goto nomem;
			for (i = 0; i < n; i++)
				if (in[i].key != NULL && strcmp(in[i].key, line + 2) == 0) {
					free(in[i].key);
					in[i].key = NULL;
				}
		} else {
			st = sfp_fail_set(f, SFP_E_INPUT, "spool", SFP_SPOOL_IDS,
			    "journal line %zu is not an I or X event", n + 1);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		long long next = i + 1 < n ? in[i + 1].off : (long long)spool_size;
		if (in[i].key != NULL && set_state(sp, in[i].key,
		    next > in[i].off ? ID_SPOOLED : ID_CLAIMED) != 0)
			goto nomem;
	}
	goto out;
nomem:
	st = sfp_fail_oom(f, NULL);
out:
	for (i = 0; i < n; i++)
		free(in[i].key);
	free(in);
	free(line);
	(void)fclose(fp);
	return st;
}

enum sfp_status
sfp_spool_open(const char *dir, struct sfp_spool **out, struct sfp_fail *f)
{
	struct sfp_spool *sp = calloc(1, sizeof *sp);
	enum sfp_status s;
	off_t size, idsize;

	*out = NULL;
	if (sp == NULL)
		return sfp_fail_oom(f, NULL);
	sp->dirfd = sp->lines = sp->ids = -1;
	if (grow(sp) != 0) {
		free(sp);
		return sfp_fail_oom(f, NULL);
	}
	(void)snprintf(sp->dir, sizeof sp->dir, "%s", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		s = sfp_fail_set(f, SFP_E_IO, "spool", dir, "mkdir: %s", strerror(errno));
		goto fail;
	}
	if ((s = sfp_file_open_dir(dir, &sp->dirfd, f)) != SFP_OK)
		goto fail;
	if ((s = open_file(sp, SFP_SPOOL_IDS, &sp->ids, f)) != SFP_OK)
		goto fail;
	if (flock(sp->ids, LOCK_EX | LOCK_NB) != 0) {
		s = sfp_fail_set(f, SFP_E_TEMP, "spool-locked", dir,
		    "another hmac-receive holds this spool");
		goto fail;
	}
	if ((s = open_file(sp, SFP_SPOOL_FILE, &sp->lines, f)) != SFP_OK)
		goto fail;
	if (fsync(sp->dirfd) != 0) {
		s = io_fail(f, "sync", dir);
		goto fail;
	}
	if ((s = cut_partial(sp->lines, SFP_SPOOL_FILE, &size, f)) != SFP_OK ||
	    (s = cut_partial(sp->ids, SFP_SPOOL_IDS, &idsize, f)) != SFP_OK ||
	    (s = recover(sp, size, f)) != SFP_OK)
		goto fail;
	*out = sp;
	return SFP_OK;
fail:
	sfp_spool_close(sp);
	return s;
}

void
sfp_spool_close(struct sfp_spool *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->cap; i++)
		free(sp->tab[i].key);
	free(sp->tab);
	if (sp->lines != -1)
		(void)close(sp->lines);
	if (sp->ids != -1)
		(void)close(sp->ids);
	if (sp->dirfd != -1)
		(void)close(sp->dirfd);
	free(sp);
}

unsigned long
sfp_spool_stored(const struct sfp_spool *sp)
{
	return sp->stored;
}

enum sfp_status
sfp_spool_store(struct sfp_spool *sp, struct sfp_replay *rs, const char *tenant,
    const char *id, int64_t timestamp, const char *line, size_t len, int64_t now,
    enum sfp_spool_outcome *outcome, struct sfp_fail *f)
{
	char key[512], ev[640];
	enum idstate state;
	enum sfp_status st;
	off_t at;
	int n;

	if ((size_t)snprintf(key, sizeof key, "%s %s", tenant, id) >= sizeof key ||
	    strpbrk(key, "\n\r") != NULL)
		return sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL, "tenant and id too long");
	state = state_of(sp, key);
	if (state == ID_SPOOLED) {
		*outcome = SFP_SPOOL_DUPLICATE;
		return SFP_OK;
	}
	if ((at = lseek(sp->lines, 0, SEEK_END)) == (off_t)-1)
		return io_fail(f, "seek", SFP_SPOOL_FILE);
	n = snprintf(ev, sizeof ev, "I %lld %" PRId64 " %s\n", (long long)at, timestamp, key);
	if (n < 0 || (size_t)n >= sizeof ev)
		return sfp_fail_set(f, SFP_E_INTERNAL, "spool", NULL, "journal line too long");
	if ((st = append_synced(sp->ids, SFP_SPOOL_IDS, ev, (size_t)n, f)) != SFP_OK)
		return st;
	if (state != ID_CLAIMED) {
		struct sfp_replay_key k = { tenant, id, timestamp + SFP_REPLAY_WINDOW };
		int fresh = 0;
		if ((st = sfp_replay_claim(rs, &k, 1, &fresh, now, f)) != SFP_OK)
			goto give_up;
		if (!fresh) {
			*outcome = SFP_SPOOL_REPLAYED;
			goto give_up;
		}
		if (set_state(sp, key, ID_CLAIMED) != 0)
			return sfp_fail_oom(f, NULL);
	}
	/* Claimed by us: a failure from here keeps the claim, and a retry of the
	 * request writes the line without claiming again. */
	if ((st = append_synced(sp->lines, SFP_SPOOL_FILE, line, len, f)) != SFP_OK)
		return st;
	if (set_state(sp, key, ID_SPOOLED) != 0)
		return sfp_fail_oom(f, NULL);
	sp->stored++;
	*outcome = SFP_SPOOL_STORED;
	return SFP_OK;
give_up:
	/* Not ours (another verifier has it) or not known to be ours (the store
	 * failed): the intent is withdrawn, so recovery never takes it as a claim. */
	n = snprintf(ev, sizeof ev, "X %s\n", key);
	{
		struct sfp_fail xf;
		enum sfp_status xs = append_synced(sp->ids, SFP_SPOOL_IDS, ev, (size_t)n, &xf);
		if (st == SFP_OK && xs != SFP_OK) {
			*f = xf;
			st = xs;
		}
	}
	return st;
}
