/* SPDX-License-Identifier: ISC */
/*
 * spool: where hmac-receive makes each verified request durable before it answers.
 *
 * A spool is a directory (created 0700; it must be ours and writable by nobody
 * else) holding two append-only files, both created owner-only and never
 * through a link:
 *   spool.jsonl  one --tagged line per stored request,
 *                {"tenant":"acme","body":{...}}, what sf-map --tenants and
 *                sfpipe-follow read;
 *   spool.ids    the journal of message ids, one line per event:
 *                "I <offset> <timestamp> <tenant> <id>" written and synced
 *                before the id is claimed in the replay store (offset: the
 *                size of spool.jsonl before the line goes in), and
 *                "X <tenant> <id>" when the claim found the id taken by
 *                another verifier (nothing of it is in this spool).
 *
 * The order for one request, each step synced before the next:
 *   1. (tenant, id) already in spool.jsonl: SFP_SPOOL_DUPLICATE, nothing written
 *      (the sender is answered 2xx again: a resend after a lost answer);
 *   2. the intent "I" line;
 *   3. the claim in the replay store, unless a recovered intent says this
 *      spool claimed it already (a crash between 3 and 4); taken by another
 *      verifier: "X", SFP_SPOOL_REPLAYED;
 *   4. the tagged line, then fsync: SFP_SPOOL_STORED; the caller answers 2xx.
 * A crash anywhere loses only what was not yet answered, and a resend of it is
 * stored once: before 2, nothing happened; between 2 and 4 the intent shows
 * the claim is ours; after 4, step 1 answers again.  A write that fails (disk
 * full, a file size limit) is cut back to the last whole line and reported
 * (SFP_E_IO, code "spool-full"): the caller answers 503 and the sender's
 * retry may succeed later.  Opening recovers: a partial last line of either
 * file (a crash mid-write, never acknowledged) is cut off.
 *
 * One process at a time: sfp_spool_open takes an exclusive lock (flock on
 * spool.ids) and fails with SFP_E_TEMP when another holds it.
 *
 * Ownership: sfp_spool_open returns a new spool closed by sfp_spool_close.
 * Calls on one spool must not overlap (the caller serialises them).
 */
#ifndef SFP_SPOOL_H
#define SFP_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "fail.h"
#include "replay.h"

#define SFP_SPOOL_FILE "spool.jsonl"
#define SFP_SPOOL_IDS "spool.ids"

struct sfp_spool;

enum sfp_spool_outcome {
	SFP_SPOOL_STORED,      /* written and synced now */
	SFP_SPOOL_DUPLICATE,   /* already in this spool: answered again, not written */
	SFP_SPOOL_REPLAYED     /* taken by another verifier of the replay store */
};

/* Open (creating) the spool directory dir and recover it.  SFP_E_INPUT for a
 * directory or file that is not safe, SFP_E_TEMP when locked, SFP_E_IO. */
enum sfp_status sfp_spool_open(const char *dir, struct sfp_spool **out, struct sfp_fail *f);
void sfp_spool_close(struct sfp_spool *sp);

/*
 * Store one verified request: its tenant, message id and timestamp, and its
 * tagged line (sfp_tagged_line) of len bytes ending in a newline, claiming
 * the id in rs (borrowed).  *outcome says what happened when SFP_OK.  Errors:
 * SFP_E_IO (code "spool-full" when the disk or a size limit refused the
 * bytes), SFP_E_TEMP from the replay store; nothing is then acknowledged.
 */
enum sfp_status sfp_spool_store(struct sfp_spool *sp, struct sfp_replay *rs, const char *tenant,
    const char *id, int64_t timestamp, const char *line, size_t len, int64_t now,
    enum sfp_spool_outcome *outcome, struct sfp_fail *f);

/* Lines stored by this spool since it was opened (for messages and tests). */
unsigned long sfp_spool_stored(const struct sfp_spool *sp);

#endif
