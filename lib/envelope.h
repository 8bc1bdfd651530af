/* SPDX-License-Identifier: ISC */
/*
 * envelope: what hmac-sign and hmac-verify do, over streams.
 *
 * An envelope is one JSON object (hmac-sign(1)):
 *   {"tenant":"acme","id":"msg_...","timestamp":1795412345,"signature":"v1,...","body":"..."}
 * where body holds the exact bytes that were signed (valid UTF-8, no NUL).
 * The headers form is the three lines webhook-id, webhook-timestamp and
 * webhook-signature (or, with the RFC 9421 scheme, Content-Digest,
 * Signature-Input and Signature), as `curl -H @file` reads them.
 *
 * Verification order (cheap checks first, the store last): parse, tenant,
 * timestamp window (the clock read per message), MAC against every key of the
 * claimed tenant valid at the message's time, then the replay store; an id is recorded only after its MAC verified, and
 * durably before the message is written out.  Refusals are result lines on
 * stdout, {"id","tenant","ok":false,"error":{"code","message"},"input"}, with
 * code one of bad-signature, stale, future, replayed, unknown-tenant, malformed.
 *
 * Default output of a verified envelope: its body bytes as one line, when the
 * body is one line of JSON.  A verified body that is not (a raw newline, not
 * JSON) is refused as malformed without being recorded, so it can be taken
 * again with --envelope, which writes the verified envelope instead.  With
 * --tagged: {"tenant":<the keyring's match>,"body":<the body bytes>}, the body
 * one line of strict JSON.  A body read whole from stdin (hmac-sign without
 * --lines, hmac-verify --headers) loses one trailing newline unless raw.
 *
 * A stream is parsed in a reader thread of its own while the calling thread
 * checks, commits and writes; only on a fatal stop (replay store gone) with the
 * input still open may that thread be left blocked in read(2), detached: the
 * caller is then expected to exit.
 *
 * Ownership: options are borrowed; the FILE is borrowed and not closed.
 */
#ifndef SFP_ENVELOPE_H
#define SFP_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fail.h"
#include "keyring.h"
#include "replay.h"
#include "sign.h"

struct sfp_hsign_opts {
	const char *keyring;
	const char *tenant;
	const char *id;         /* NULL: a fresh random id per message */
	int64_t timestamp;      /* -1: now */
	int lines;              /* sign each line of the input as one message */
	int raw;                /* keep a trailing newline of stdin in the body */
	int headers;            /* write header lines instead of an envelope */
	int rfc9421;            /* the RFC 9421 scheme (implies headers) */
	const char *method;     /* rfc9421 */
	const char *url;        /* rfc9421 */
	int pretty;
};

/*
 * What the verifying programs (hmac-verify, hmac-receive) share, taken from
 * their command lines and checked in one place: the keyring (required), the
 * replay store and how to reach a Redis one, the tolerance.
 */
struct sfp_hverify_shared {
	const char *keyring;
	const char *replay_store; /* NULL: the default under the cache dir; "" refused */
	struct sfp_replay_redis redis;   /* auth and CA files for a Redis store */
	long tolerance;           /* seconds either side; 0 means 300; at most SFP_REPLAY_WINDOW */
};

/*
 * One option of that set by its getopt letter: 'k' --keyring, 'r'
 * --replay-store, 'A' --redis-auth, 'C' --redis-ca, 'T' --tolerance (the
 * programs' option tables use these letters).  1 when c is one of them and arg
 * was taken into s, 0 when it is not, -1 for a bad value (f: SFP_E_USAGE).
 */
int sfp_hverify_shared_opt(struct sfp_hverify_shared *s, int c, const char *arg,
    struct sfp_fail *f);

/* The set's rules: a keyring given, the tolerance within the replay store's
 * window (an id must outlive every message that could still be accepted). */
enum sfp_status sfp_hverify_shared_check(const struct sfp_hverify_shared *s, struct sfp_fail *f);

/* Load the keyring and open the replay store; the caller frees both
 * (sfp_keyring_free, sfp_replay_close), also on failure. */
enum sfp_status sfp_hverify_shared_open(const struct sfp_hverify_shared *s,
    struct sfp_keyring **kr, struct sfp_replay **rs, struct sfp_fail *f);

struct sfp_hverify_opts {
	struct sfp_hverify_shared shared;
	const char *tenant;       /* required with headers; else only this tenant */
	int64_t now;              /* -1: the clock */
	int envelope;             /* write the verified envelope, not the body */
	const char *rejects;      /* also append refusals here (created 0600) */
	const char *headers;      /* verify one request: headers from this file, body on stdin */
	int raw;                  /* headers: keep a trailing newline of the body */
	int tagged;               /* write {"tenant":...,"body":<body as JSON>} */
	int rfc9421;
	const char *method;       /* rfc9421 */
	const char *url;          /* rfc9421 */
	int pretty;
	size_t batch;             /* ids per replay-store commit; 0 means 4096 */
};

struct sfp_hverify_stats {
	size_t accepted, refused;
};

/* Sign stdin (in_fd) and write to out.  SFP_OK, SFP_E_ITEM when some line was
 * refused (reported on out), or a fatal status with f filled. */
enum sfp_status sfp_hmac_sign_run(const struct sfp_hsign_opts *o, int in_fd, FILE *out,
    struct sfp_fail *f);

/* The options' conflicts (--headers needs --tenant; rfc9421 needs --headers,
 * --method and --url, which go only with it): SFP_E_USAGE with the reason.
 * sfp_hmac_verify_run makes this check too; a program calls it first to
 * print its usage hint. */
enum sfp_status sfp_hverify_opts_check(const struct sfp_hverify_opts *o, struct sfp_fail *f);

/* Verify and write to out, adding to *stats (may be NULL).  SFP_OK when all
 * were accepted, SFP_E_ITEM when any of this run was refused; SFP_E_TEMP when the replay store is locked or unreachable (no
 * message of the unfinished batch is written as accepted); others fatal. */
enum sfp_status sfp_hmac_verify_run(const struct sfp_hverify_opts *o, int in_fd, FILE *out,
    struct sfp_hverify_stats *stats, struct sfp_fail *f);


/* One request verified on arrival: its message id (webhook-id, or the RFC
 * 9421 nonce) and timestamp (webhook-timestamp, or created). */
struct sfp_hverified {
	char id[SFP_SW_ID_MAX + 1];
	int64_t timestamp;
};

/*
 * Verify one HTTP request held in memory (hmac-receive) by the same rules as
 * hmac-verify --headers: o->tenant is the tenant it is for (required; only its
 * keys are tried), o->rfc9421 with o->method and o->url picks RFC 9421, else
 * Standard Webhooks; o->tolerance and o->now as for a run, o->tagged makes the
 * body's rule that of --tagged.  The replay store is not consulted: the caller
 * claims v->id.  SFP_OK with v filled; SFP_E_ITEM with f->code one of the
 * refusal codes above; SFP_E_INTERNAL when memory ran out.  Everything is
 * borrowed; kr is only read, so threads may share it.
 */
enum sfp_status sfp_hverify_request_check(const struct sfp_hverify_opts *o,
    const struct sfp_keyring *kr, const struct sfp_http_field *fields, size_t nfields,
    const char *body, size_t len, struct sfp_hverified *v, struct sfp_fail *f);

/*
 * The --tagged line of a verified body, {"tenant":<tenant>,"body":<body>} and a
 * newline, in a new buffer (*line, free(3)) of *len bytes: the one place the
 * tagged form is spelled.  body must be one line of JSON (sfp_hverify_*
 * checked it).  SFP_E_INTERNAL when memory ran out.
 */
enum sfp_status sfp_tagged_line(const char *tenant, const char *body, size_t bodylen,
    char **line, size_t *len, struct sfp_fail *f);

#endif
