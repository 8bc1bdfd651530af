/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* hiredis's inline sds helpers narrow size_t silently; the warning is theirs. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#include <hiredis.h>
#pragma GCC diagnostic pop

#include "cache.h"
#include "redis.h"
#include "replay.h"

#define BUSY_TIMEOUT_MS 30000

struct sfp_replay {
	char name[PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct sfp_redis *rc;
	int64_t purged_at;   /* when expired rows were last deleted (0: never) */
};

enum sfp_status
sfp_replay_default_path(char *buf, size_t cap, int create, struct sfp_fail *f)
{
	char dir[PATH_MAX];
	int n;
	enum sfp_status st;

	if (sfp_cache_default_dir(NULL, dir, sizeof dir) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store", NULL,
		    "no cache directory: set SFPIPE_CACHE_DIR or HOME, or give --replay-store");
	if (create && (st = sfp_cache_mkdir(dir, f)) != SFP_OK)
		return st;
	n = snprintf(buf, cap, "%s/replay.sqlite", dir);
	if (n < 0 || (size_t)n >= cap)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store", dir, "path too long");
	return SFP_OK;
}

static enum sfp_status
db_fail(struct sfp_replay *r, int rc, struct sfp_fail *f)
{
	int ext = r->db != NULL ? sqlite3_extended_errcode(r->db) : rc;

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || (ext & 0xff) == SQLITE_BUSY)
		return sfp_fail_set(f, SFP_E_TEMP, "replay-store-busy", r->name,
		    "replay store locked beyond %d ms; try later", BUSY_TIMEOUT_MS);
	return sfp_fail_set(f, rc == SQLITE_IOERR || rc == SQLITE_FULL ? SFP_E_IO : SFP_E_INPUT,
	    "replay-store", r->name, "sqlite: %s",
	    r->db != NULL ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
}

/*
 * The first statements on a new store switch it to WAL and create the table.
 * When several verifiers start at once, SQLite answers some of them BUSY at
 * once, without waiting in the busy handler (waiting could deadlock two
 * connections upgrading their locks), so the setup is tried again here, a few
 * milliseconds apart, within the same time limit.
 */
static int
exec_setup(sqlite3 *db, const char *sql)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int rc, waited = 0;

	for (;;) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= BUSY_TIMEOUT_MS)
			return rc;
		(void)nanosleep(&pause, NULL);
		waited += 5;
	}
}

/*
 * Whoever can write the store or replace it can delete its rows and so make a
 * replay pass.  As ssh judges ~/.ssh: the file and the directory holding it
 * must belong to us (or root) and be writable by nobody else.
 */
static enum sfp_status
check_owner(const struct stat *sb, const char *what, const char *path, struct sfp_fail *f)
{
	if (sb->st_uid != geteuid() && sb->st_uid != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store-owner", path,
		    "%s is owned by another user (uid %lu); the replay store must be ours", what,
		    (unsigned long)sb->st_uid);
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store-mode", path,
		    "%s is writable by group or others (mode %03o); run chmod go-w", what,
		    (unsigned)(sb->st_mode & 0777));
	return SFP_OK;
}

/*
 * The directory holding the store must pass check_owner: in a directory others
 * may write they could also plant the -wal and -shm files SQLite opens beside
 * it.  Every directory above it must be ours or root's and writable by nobody
 * else unless sticky (as /tmp is), or someone could rename the store's
 * directory away and put their own in its place.
 */
static enum sfp_status
check_store_dir(const char *path, struct sfp_fail *f)
{
	char copy[PATH_MAX], real[PATH_MAX], *dir;
	struct stat sb;
	enum sfp_status st;

	(void)snprintf(copy, sizeof copy, "%s", path);
	dir = dirname(copy);
	if (realpath(dir, real) == NULL || stat(real, &sb) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store", dir, "%s", strerror(errno));
	if ((st = check_owner(&sb, "its directory", real, f)) != SFP_OK)
		return st;
	while (strcmp(real, "/") != 0) {
		char *slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &sb) == -1)
			return sfp_fail_set(f, SFP_E_INPUT, "replay-store", real, "%s", strerror(errno));
		if ((sb.st_mode & S_ISVTX) == 0 &&
		    (st = check_owner(&sb, "a directory above it", real, f)) != SFP_OK)
			return st;
		if ((sb.st_mode & S_ISVTX) != 0 && sb.st_uid != geteuid() && sb.st_uid != 0)
			return check_owner(&sb, "a directory above it", real, f);
	}
	return SFP_OK;
}

static enum sfp_status
open_sqlite(struct sfp_replay *r, const char *path, struct sfp_fail *f)
{
	int rc, fd;
	struct stat sb;
	enum sfp_status st;

	if ((st = check_store_dir(path, f)) != SFP_OK)
		return st;
	/* Create the file 0600 ourselves: sqlite would honour the umask. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store", path, "%s", strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "replay-store", path, "not a regular file");
	}
	st = check_owner(&sb, "the store", path, f);
	(void)close(fd);
	if (st != SFP_OK)
		return st;
	rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return db_fail(r, rc, f);
	sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
	/*
	 * WAL lets readers and one writer work at once.  synchronous=FULL, not
	 * NORMAL: in WAL mode NORMAL skips the fsync at commit, so after a power
	 * loss the last commits can vanish and a message we already accepted (and
	 * handed downstream) would pass again.  FULL syncs the WAL at every commit,
	 * so an id is on disk before its message is written out; batching many ids
	 * per commit keeps that cheap.
	 */
	rc = exec_setup(r->db,
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    /* ids are random, so inserts touch pages all over the tree: keep the
	     * tree in memory (32 MiB at most) instead of reading it back */
	    "PRAGMA cache_size=-32768;"
	    "CREATE TABLE IF NOT EXISTS seen("
	    " k BLOB NOT NULL PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID;"
	    "CREATE INDEX IF NOT EXISTS seen_expires ON seen(expires);");
	if (rc != SQLITE_OK)
		return db_fail(r, rc, f);
	/* An expired row that was not purged yet is taken over, not a replay. */
	rc = sqlite3_prepare_v2(r->db,
	    "INSERT INTO seen(k, expires) VALUES (?1, ?2)"
	    " ON CONFLICT(k) DO UPDATE SET expires = excluded.expires"
	    " WHERE seen.expires < ?3", -1, &r->ins, NULL);
	if (rc != SQLITE_OK)
		return db_fail(r, rc, f);
	return SFP_OK;
}

enum sfp_status
sfp_replay_open(const char *spec, const struct sfp_replay_redis *redis, struct sfp_replay **out,
    struct sfp_fail *f)
{
	struct sfp_replay *r;
	enum sfp_status st;
	char path[PATH_MAX];

	*out = NULL;
	if (spec != NULL && spec[0] == '\0')
		return sfp_fail_set(f, SFP_E_USAGE, NULL, "--replay-store",
		    "empty (an unset variable?); name the store, or leave the option out for the "
		    "local default");
	if ((r = calloc(1, sizeof *r)) == NULL)
		return sfp_fail_oom(f, NULL);
	if (spec == NULL) {
		if ((st = sfp_replay_default_path(path, sizeof path, 1, f)) != SFP_OK)
			goto fail;
		spec = path;
	}
	(void)snprintf(r->name, sizeof r->name, "%s", spec);
	if (sfp_redis_is_url(spec)) {
		struct sfp_redis_opts ro = { spec, NULL, NULL };
		if (redis != NULL) {
			ro.auth_file = redis->auth_file;
			ro.ca_file = redis->ca_file;
		}
		st = sfp_redis_connect(&ro, &r->rc, f);
	} else if (redis != NULL && (redis->auth_file != NULL || redis->ca_file != NULL)) {
		st = sfp_fail_set(f, SFP_E_USAGE, NULL, NULL,
		    "--redis-auth and --redis-ca go with a redis store");
	} else
		st = open_sqlite(r, spec, f);
	if (st != SFP_OK)
		goto fail;
	*out = r;
	return SFP_OK;
fail:
	sfp_replay_close(r);
	return st;
}

void
sfp_replay_close(struct sfp_replay *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->ins);
	if (r->db != NULL)
		(void)sqlite3_close(r->db);
	sfp_redis_free(r->rc);
	free(r);
}

const char *
sfp_replay_name(const struct sfp_replay *r)
{
	return r->name;
}

/*
 * The SQLite key: BLAKE2b-128 over a domain tag, the tenant's length, the
 * tenant and the id.  The length prefix keeps (tenant, id) pairs apart ("a:b"
 * + "c" never meets "a" + "b:c"); 16 bytes instead of the two strings keep the
 * tree small, which matters because random ids dirty pages all over it.  A
 * tenant cannot aim a collision at another tenant's ids: they are random and
 * unknown in advance, and a second preimage of 128 bits is out of reach.
 */
static void
key_hash(const struct sfp_replay_key *k, unsigned char out[16])
{
	crypto_generichash_state st;
	unsigned char len[4];
	size_t tl = strlen(k->tenant);

	len[0] = (unsigned char)(tl >> 24);
	len[1] = (unsigned char)(tl >> 16);
	len[2] = (unsigned char)(tl >> 8);
	len[3] = (unsigned char)tl;
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const unsigned char *)"sfpipe-replay-v1", 17);
	crypto_generichash_update(&st, len, sizeof len);
	crypto_generichash_update(&st, (const unsigned char *)k->tenant, tl);
	crypto_generichash_update(&st, (const unsigned char *)k->id, strlen(k->id));
	crypto_generichash_final(&st, out, 16);
}

static enum sfp_status
claim_sqlite(struct sfp_replay *r, const struct sfp_replay_key *keys, size_t n, int *fresh,
    int64_t now, struct sfp_fail *f)
{
	size_t i;
	int rc;
	enum sfp_status st;

	/* IMMEDIATE takes the write lock up front, so two verifiers never both
	 * read "absent" and both insert: the second waits, then sees the row. */
	rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(r, rc, f);
	/* Forget expired rows now and then: a long-running verifier purges as it
	 * goes, not only once at its start. */
	if (now - r->purged_at >= 60) {
		sqlite3_stmt *del = NULL;
		rc = sqlite3_prepare_v2(r->db, "DELETE FROM seen WHERE expires < ?1", -1, &del, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(del, 1, now);
			rc = sqlite3_step(del);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		sqlite3_finalize(del);
		if (rc != SQLITE_OK)
			goto fail;
		r->purged_at = now;
	}
	for (i = 0; i < n; i++) {
		unsigned char k[16];
		key_hash(&keys[i], k);
		sqlite3_reset(r->ins);
		sqlite3_bind_blob(r->ins, 1, k, sizeof k, SQLITE_TRANSIENT);
		sqlite3_bind_int64(r->ins, 2, keys[i].expires);
		sqlite3_bind_int64(r->ins, 3, now);
		rc = sqlite3_step(r->ins);
		if (rc != SQLITE_DONE)
			goto fail;
		fresh[i] = sqlite3_changes(r->db) > 0;
	}
	sqlite3_reset(r->ins);
	sqlite3_clear_bindings(r->ins);
	rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	return SFP_OK;
fail:
	st = db_fail(r, rc, f);
	sqlite3_reset(r->ins);
	(void)sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < n; i++)
		fresh[i] = 0;
	return st;
}

/* Redis key: a prefix, then tenant length-prefixed so "a:b"+"c" and "a"+"b:c"
 * never meet. */
static int
redis_key(char *buf, size_t cap, const struct sfp_replay_key *k)
{
	int n = snprintf(buf, cap, "sfpipe:replay:%zu:%s:%s", strlen(k->tenant), k->tenant, k->id);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static enum sfp_status
claim_redis(struct sfp_replay *r, const struct sfp_replay_key *keys, size_t n, int *fresh,
    int64_t now, struct sfp_fail *f)
{
	char key[1024], at[24];
	const char *argv[6] = { "SET", key, "1", "NX", "EXAT", at };
	size_t lens[6] = { 3, 0, 1, 2, 4, 0 };
	size_t i, sent = 0;
	enum sfp_status st = SFP_OK;

	(void)now;   /* the server's clock judges the expiry, not ours */
	for (i = 0; i < n; i++) {
		int kl = redis_key(key, sizeof key, &keys[i]);
		fresh[i] = 0;
		if (kl < 0) {
			st = sfp_fail_set(f, SFP_E_INTERNAL, "replay-store", r->name, "key too long");
			break;
		}
		lens[1] = (size_t)kl;
		lens[5] = (size_t)snprintf(at, sizeof at, "%lld", (long long)keys[i].expires);
		if ((st = sfp_redis_append(r->rc, 6, argv, lens, f)) != SFP_OK)
			break;
		sent++;
	}
	/* Read every reply sent, even after an error, to keep the pipe in step. */
	for (i = 0; i < sent; i++) {
		redisReply *rep = NULL;
		struct sfp_fail rf;
		if (sfp_redis_reply(r->rc, (void **)&rep, &rf) != SFP_OK) {
			if (st == SFP_OK) {
				*f = rf;
				st = rf.status;
			}
			break;
		}
		if (rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "OK") == 0)
			fresh[i] = 1;
		else if (rep->type == REDIS_REPLY_NIL)
			fresh[i] = 0;
		else if (st == SFP_OK)
			st = sfp_fail_set(f, rep->type == REDIS_REPLY_ERROR ?
			    sfp_redis_error_status(rep->str, SFP_E_TEMP) : SFP_E_TEMP,
			    "replay-store", r->name, "redis: %s",
			    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		freeReplyObject(rep);
	}
	if (st != SFP_OK)
		for (i = 0; i < n; i++)
			fresh[i] = 0;
	return st;
}

enum sfp_status
sfp_replay_claim(struct sfp_replay *r, const struct sfp_replay_key *keys, size_t n, int *fresh,
    int64_t now, struct sfp_fail *f)
{
	if (n == 0)
		return SFP_OK;
	if (r->rc != NULL)
		return claim_redis(r, keys, n, fresh, now, f);
	return claim_sqlite(r, keys, n, fresh, now, f);
}
