/* SPDX-License-Identifier: ISC */
/*
 * replay: the store of message ids already accepted, so a replay is refused.
 *
 * Entries are keyed by (tenant, id), never id alone, so one tenant can neither
 * collide with nor pre-burn another's ids.  Each entry is kept until the
 * message's own timestamp plus the store's fixed window, SFP_REPLAY_WINDOW,
 * whichever verifier recorded it and whatever that verifier's clock says: a
 * verifier accepts only messages within its tolerance of its clock, and no
 * tolerance may exceed the window, so while any verifier could still accept a
 * message its id is still in the store.
 *
 * Two back ends:
 *  - SQLite (a path; the default is replay.sqlite under the cache dir):
 *    WAL, busy_timeout, synchronous=FULL, and one BEGIN IMMEDIATE transaction
 *    per batch whose INSERT ... ON CONFLICT (primary key) tells a fresh id from
 *    a replay; the key is a 128-bit BLAKE2b hash of the length-prefixed
 *    (tenant, id).  The commit returns only once the WAL is on disk, so an id is
 *    durable before its message is accepted; many processes may share a file.
 *  - Redis ("redis://host:port/db"): SET key 1 NX EXAT expires per id,
 *    pipelined per batch; the server's atomic NX makes two verifiers on two
 *    machines unable to both accept one message, and the absolute expiry is
 *    judged by the server's clock alone, so a verifier whose clock is fast
 *    cannot make a key expire early.
 *
 * Ownership: sfp_replay_open returns a new store closed by sfp_replay_close.
 * Keys passed in are borrowed for the call.
 */
#ifndef SFP_REPLAY_H
#define SFP_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include "fail.h"

/* Seconds an id is kept past its message's timestamp; the largest tolerance a
 * verifier may use. */
#define SFP_REPLAY_WINDOW 3600

struct sfp_replay;

struct sfp_replay_key {
	const char *tenant;
	const char *id;
	int64_t expires;     /* Unix time after which the entry may be forgotten:
	                      * the message's timestamp + SFP_REPLAY_WINDOW */
};

/* How to reach a Redis store (redis.h): both may be NULL. */
struct sfp_replay_redis {
	const char *auth_file;   /* the password, or user and password (0600) */
	const char *ca_file;     /* trusted CA for rediss:// (default: the system's) */
};

/*
 * Open the store named by spec: NULL for the default SQLite file under
 * $SFPIPE_CACHE_DIR, $XDG_CACHE_HOME/sfpipe or ~/.cache/sfpipe (directories
 * created 0700), "redis://host[:port][/db]" or "rediss://..." (TLS) for Redis,
 * anything else a SQLite path, whose file and directory must be ours (or
 * root's) and writable by nobody else, and the directories above them too
 * unless sticky.  An empty spec is SFP_E_USAGE: it is
 * what an unset variable in a fleet set-up gives, and a silent local store
 * would let each machine accept the same message once.  redis may be NULL.
 * SFP_E_INPUT for an unusable file, SFP_E_TEMP when Redis cannot be reached or
 * the database is locked beyond the busy timeout, SFP_E_AUTH when Redis refuses
 * our credentials or TLS verification fails.
 */
enum sfp_status sfp_replay_open(const char *spec, const struct sfp_replay_redis *redis,
    struct sfp_replay **out, struct sfp_fail *f);
void sfp_replay_close(struct sfp_replay *r);

/* A short description for messages: the path or the redis URL. */
const char *sfp_replay_name(const struct sfp_replay *r);

/*
 * Record n keys at once (in order; a key repeated within the batch is fresh
 * only the first time).  fresh[i] is set to 1 when keys[i] was not seen before
 * and is now recorded durably, 0 when it is a replay.  On any error nothing
 * may be taken as recorded: SFP_E_TEMP (lock, unreachable; retry later) or
 * SFP_E_IO.
 */
enum sfp_status sfp_replay_claim(struct sfp_replay *r, const struct sfp_replay_key *keys,
    size_t n, int *fresh, int64_t now, struct sfp_fail *f);

/* The default SQLite path into buf.  SFP_E_INPUT when no cache dir is known. */
enum sfp_status sfp_replay_default_path(char *buf, size_t cap, int create, struct sfp_fail *f);

#endif
