/* SPDX-License-Identifier: ISC */
/*
 * describe_fetch: Salesforce's sObject describes fetched through a session
 * (sfapi.h), kept in a per-org, per-user, per-version cache under
 * <cache_dir>/describe/ and revalidated with If-Modified-Since, and
 * sf-describe's whole run as a library call (the catalog itself is
 * describe.h's).
 */
#ifndef SFP_DESCRIBE_FETCH_H
#define SFP_DESCRIBE_FETCH_H

#include <cjson/cJSON.h>
#include "fail.h"
#include "sfapi.h"

/* ---- describe, with the If-Modified-Since cache ---- */

enum {
	SFP_DESCRIBE_OFFLINE = 1,    /* answer only from the cache; a miss is an error */
	SFP_DESCRIBE_NO_CACHE = 2    /* neither read nor write the cache */
};

struct sfp_cache_info {
	int source;                  /* 0 fetched, 1 cache revalidated (304), 2 cache offline */
	long age_s;                  /* age of the cached copy in seconds, -1 when fetched */
	char last_modified[64];
};

/*
 * Salesforce's describe of one sObject (a new tree, caller frees), cached per
 * org, user and API version under <cache_dir>/describe/.  With a cached copy the
 * request carries If-Modified-Since and a 304 answers from the cache.
 * Unknown sObject: SFP_E_ITEM with the org's error (code NOT_FOUND).
 * OFFLINE with nothing cached: SFP_E_INPUT code "not-cached".
 * info may be NULL when the caller does not want to know where it came from.
 */
enum sfp_status sfp_sf_describe(struct sfp_sf *sf, const char *sobject, int flags, cJSON **out,
    struct sfp_cache_info *info, struct sfp_fail *f);

/* describeGlobal (GET sobjects/), same caching; *out is the whole response. */
enum sfp_status sfp_sf_describe_global(struct sfp_sf *sf, int flags, cJSON **out,
    struct sfp_cache_info *info, struct sfp_fail *f);

/* ---- sf-describe, as a library call ---- */

struct sfp_writer;

struct sfp_describe_opts {
	int flags;           /* SFP_DESCRIBE_OFFLINE, SFP_DESCRIBE_NO_CACHE */
	int raw;             /* Salesforce's own describe instead of the catalog line */
	int createable;      /* keep only the fields the user can set on create */
	int template_;       /* print a starting sf-map mapping instead */
};

/* Told about each sObject: where its describe came from (f NULL), or why it
 * failed (f set; the result line is written too).  For the program's stderr. */
typedef void (*sfp_describe_note_fn)(void *ctx, const char *sobject,
    const struct sfp_cache_info *info, const struct sfp_fail *f);

/*
 * What sf-describe does.  n == 0: describeGlobal, one line per sObject the user
 * can see ({"name","label","labelPlural","keyPrefix","custom","createable",
 * "updateable","deletable","queryable"}).  Otherwise one line per name, in
 * order: the catalog line (describe.h), the raw describe (raw), or with
 * template_ a single mapping object covering every name.  An sObject that fails
 * alone (unknown, not visible) gets {"name":..,"error":{..}} and the run goes on
 * (the result is then SFP_E_ITEM); a failure of the whole run (authentication,
 * network, limits) stops at once with its status.  Lines go to w.
 */
enum sfp_status sfp_sf_describe_run(struct sfp_sf *sf, const char *const *names, size_t n,
    const struct sfp_describe_opts *o, struct sfp_writer *w, sfp_describe_note_fn note,
    void *ctx, struct sfp_fail *f);

/* sfp_sf_describe_run in the org's own session: its settings (sfp_org_load of
 * org_file, flow; no cache when o->flags has SFP_DESCRIBE_NO_CACHE). */
enum sfp_status sfp_describe_main(const char *org_file, const char *flow,
    const char *const *names, size_t n, const struct sfp_describe_opts *o,
    struct sfp_writer *w, sfp_describe_note_fn note, void *ctx, struct sfp_fail *f);

#endif
