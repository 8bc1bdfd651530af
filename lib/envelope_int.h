/* SPDX-License-Identifier: ISC */
/*
 * envelope_int: what the envelope files share inside the library (not public).
 *
 * A verification runs over a context (struct vctx) holding the options, the
 * keyring, the replay store, the writers and one batch of items.  Items are
 * checked one by one (sfp_env_check_item, or the request checks for --headers),
 * then sfp_env_flush records the batch's verified ids in the replay store and
 * writes every item of the batch in input order.
 *
 * Ownership: an item owns env, raw and sig; sfp_env_flush frees every item of
 * the batch.
 */
#ifndef SFP_ENVELOPE_INT_H
#define SFP_ENVELOPE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "envelope.h"
#include "fail.h"
#include "keyring.h"
#include "replay.h"
#include "sign.h"
#include "stream.h"

#define SFP_ENV_BODY_MAX (16u * 1024u * 1024u)

/*
 * The length of a body read whole from stdin: one trailing newline is the
 * shell's line end (`jq -c`, echo, a heredoc), not part of the body, unless
 * raw says every byte counts.  hmac-sign and hmac-verify --headers share this
 * rule so what one signs the other verifies.
 */
static inline size_t
sfp_env_body_len(const char *buf, size_t len, int raw)
{
	return !raw && len > 0 && buf[len - 1] == '\n' ? len - 1 : len;
}

struct item {
	cJSON *env;            /* the parsed envelope, or NULL */
	char *raw;             /* the raw bytes when it could not be parsed */
	size_t rawlen;
	const char *tenant;    /* borrowed from env when known */
	const char *id;
	int64_t ts;
	const char *body;
	size_t bodylen;
	struct sfp_rfc9421_sig *sig;   /* the parsed RFC 9421 signature (holds the nonce) */
	int pending;           /* verified, waiting for the replay store */
	struct sfp_fail why;   /* refusal, when why.status != SFP_OK */
};

struct vctx {
	const struct sfp_hverify_opts *o;
	struct sfp_keyring *kr;
	struct sfp_replay *rs;
	struct sfp_writer w;
	FILE *rej;
	struct sfp_writer rw;
	int64_t now;
	long tol;
	struct item *items;
	size_t n, cap;
	size_t held;           /* input bytes the batch stands for (stream only) */
	struct sfp_replay_key *keys;
	int *fresh;
	struct sfp_hverify_stats *stats;
	int raw_body_out;      /* headers mode: body bytes written unchanged */
};

/* The time to judge by: given when >= 0 (tests), else the clock. */
int64_t sfp_envelope_now(int64_t given);

void sfp_env_refuse(struct item *it, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decide everything but the replay store for one envelope item. */
void sfp_env_check_item(struct vctx *c, struct item *it);

/* Whether a verified body can be written in the chosen output form; refuses
 * the item (0) when not. */
int sfp_env_check_body(struct vctx *c, struct item *it);

/* Record the batch's verified ids, then write every item of it in order. */
enum sfp_status sfp_env_flush(struct vctx *c, struct sfp_fail *f);

void sfp_env_item_free(struct item *it);

/* The stream of envelopes on in_fd (envelope_stream.c). */
enum sfp_status sfp_env_verify_stream(struct vctx *c, int in_fd, struct sfp_fail *f);

/* One request: headers from o->headers, the body on in_fd (envelope_request.c). */
enum sfp_status sfp_env_verify_request(struct vctx *c, int in_fd, struct sfp_fail *f);

#endif
