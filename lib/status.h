/* SPDX-License-Identifier: ISC */
/*
 * status: what a booking pipeline directory holds, for an operator
 * (sfpipe-status), and marking its rejects as handled.
 *
 * The directory is the one examples/pipeline.sh keeps:
 *   incoming.jsonl, work/ *.spool, work/ *.verified   arrived, not yet through
 *   work/ *.replay, rejects.retry.jsonl               plans waiting to be sent again
 *   rejects.jsonl                                     what needs a person
 *   rejects.handled.jsonl                             rejects marked handled
 *   reports/ *.json                                   sf-create --report of each run
 *   rejects.lock                                      the lock of rejects.jsonl
 * Every line names its tenant in a top-level "tenant" member when it has one
 * (a signed envelope, a tagged booking, a plan, a result or reject); a line
 * without one, or that cannot be read, counts under the tenant "".
 *
 * Handled: the entries of rejects.jsonl whose "id" is asked (and, when a
 * tenant is given, whose "tenant" is it) move, byte for byte, into
 * rejects.handled.jsonl as {"handled_at":"<UTC>","handled_by":"<who>",
 * "reject":<the entry>}, while DIR/rejects.lock is held (flock(2), the lock
 * the pipeline takes to append): appended there first, then rejects.jsonl is
 * replaced whole, so a crash between the two leaves an entry in both files,
 * never in neither.  Files are created 0600 and never through a link (file.h).
 *
 * Ownership: a view's rows belong to it (sfp_status_view_fini).
 */
#ifndef SFP_STATUS_H
#define SFP_STATUS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "fail.h"
#include "tenants.h"

/* A file of the directory larger than this is refused (SFP_E_INPUT). */
#define SFP_STATUS_MAX_FILE ((size_t)512 << 20)

struct sfp_status_code {
	char code[64];          /* the reject's error code, "unreadable" for a line that is not JSON */
	unsigned long n;
};

struct sfp_status_row {
	char tenant[SFP_TENANT_NAME_MAX + 1];   /* "" for lines naming none */
	unsigned long pending;      /* arrived and not yet through the pipeline */
	unsigned long replay;       /* plans waiting to be sent again */
	unsigned long needs_person; /* entries of rejects.jsonl */
	struct sfp_status_code *codes;   /* needs_person by code, in order seen */
	size_t ncodes;
	char last_run[32];          /* when a run last had items of the tenant ("" never) */
	char last_success[32];      /* ... created some and left none to send again */
};

struct sfp_status_view {
	struct sfp_status_row *rows;
	size_t n;
};

/*
 * Read dir into v.  Without per_tenant everything is one row ""; with, each
 * configured tenant in names[0..nnames) has a row even when it has nothing,
 * and every other tenant a line names one too.  SFP_E_INPUT when dir is not a
 * directory or a file is refused, SFP_E_IO, SFP_E_INTERNAL.
 */
enum sfp_status sfp_status_read(const char *dir, int per_tenant, const char *const *names,
    size_t nnames, struct sfp_status_view *v, struct sfp_fail *f);
void sfp_status_view_fini(struct sfp_status_view *v);

/* {"tenants":[{"tenant":..,"pending":..,"replay":..,"needs_person":..,
 * "codes":{..},"last_run":..|null,"last_success":..|null}]}; NULL when out of memory. */
cJSON *sfp_status_json(const struct sfp_status_view *v);

/* The table for people, then a line per tenant that needs a person, by code. */
void sfp_status_print(FILE *fp, const struct sfp_status_view *v);

/* sfpipe-status's view: read dir (a row per tenant of tenants_dir when it is
 * not NULL) and print the table, or the JSON object when json, to fp. */
enum sfp_status sfp_status_show(FILE *fp, const char *dir, const char *tenants_dir, int json,
    struct sfp_fail *f);

/*
 * Move the rejects whose id is one of ids[0..n) (and whose tenant is tenant,
 * when not NULL) to rejects.handled.jsonl, stamped with now and by.  found[i]
 * is set to how many entries ids[i] moved.  SFP_E_INPUT for an unsafe file,
 * SFP_E_IO, SFP_E_INTERNAL; nothing moved unless SFP_OK.
 */
enum sfp_status sfp_status_mark_handled(const char *dir, const char *const *ids, size_t n,
    const char *tenant, const char *by, time_t now, unsigned long *found, struct sfp_fail *f);

#endif
