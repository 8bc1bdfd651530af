/* SPDX-License-Identifier: ISC */
/*
 * mapping: the customer's decision of which records a booking becomes.
 *
 * A mapping (JSON, documented in full in sf-map(1)) is compiled once against a
 * describe catalog into a program of steps: every sObject, field, reference,
 * literal, lookup table and time zone is checked then, and every problem is
 * reported at once with the mapping's own path ("records[1].fields.WhoId").
 * Applying the compiled mapping to a booking only walks paths, runs filters and
 * coerces values to the field types; it writes the plan line straight into a
 * reused buffer, so a stream of any length runs in constant memory.
 *
 * Template safety: templates are parsed when the mapping is compiled and never
 * again.  A value taken from a booking is data: it is never parsed as template
 * syntax, and a string that would reach the plan containing "@{" (the plan's
 * reference syntax) is refused, so a booking cannot forge a reference.
 *
 * Ownership: sfp_mapping_compile copies what it needs from the JSON (the caller
 * keeps its tree) and borrows the catalog, which must outlive the mapping.
 * Problems are caller storage released with sfp_problems_fini.  The line
 * returned by sfp_mapping_apply belongs to the mapping and is valid until the
 * next call on it; a mapping is not for concurrent use.
 */
#ifndef SFP_MAPPING_H
#define SFP_MAPPING_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "describe.h"
#include "fail.h"
#include "stream.h"

struct sfp_mapping;

/* A list of problems found while compiling, in mapping order. */
struct sfp_problems {
	struct sfp_fail *v;
	size_t n, cap;
};

void sfp_problems_fini(struct sfp_problems *p);

/*
 * Compile json against cat.  On SFP_OK *out is a new mapping.  When the mapping
 * has problems, each one is appended to probs (place: the mapping path; message:
 * the reason), *out is NULL and SFP_E_INPUT is returned with a summary in f.
 * SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_mapping_compile(const cJSON *json, const struct sfp_catalog *cat,
    struct sfp_mapping **out, struct sfp_problems *probs, struct sfp_fail *f);

/* Read path (a JSON file) and compile it: sfp_json_load + sfp_mapping_compile. */
enum sfp_status sfp_mapping_load(const char *path, const struct sfp_catalog *cat,
    struct sfp_mapping **out, struct sfp_problems *probs, struct sfp_fail *f);

void sfp_mapping_free(struct sfp_mapping *m);

/*
 * Name the tenant whose items this mapping maps: what "$tenant" reads in its
 * paths and templates (absent until set; sf-map --tenants sets it to each
 * item's authenticated tenant, which a booking cannot change).  Returns 0, or
 * -1 when the name is too long (127 bytes at most).
 */
int sfp_mapping_set_tenant(struct sfp_mapping *m, const char *tenant);

/*
 * Map one booking to one plan line ("{...}\n", compact).  SFP_OK: *line and
 * *len hold it.  SFP_E_ITEM: the booking cannot be mapped; f holds the code,
 * the path in the booking (place), the record ref and field, and the reason.
 * SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_mapping_apply(struct sfp_mapping *m, const cJSON *booking,
    const char **line, size_t *len, struct sfp_fail *f);

/*
 * The booking's id as the mapping's id path finds it (borrowed from booking),
 * or NULL when absent or not a string or number.
 */
const cJSON *sfp_mapping_booking_id(const struct sfp_mapping *m, const cJSON *booking);

/* Told of each booking that failed, for a diagnostic line. */
typedef void (*sfp_map_diag_fn)(void *ctx, const cJSON *id, const struct sfp_fail *f);

struct sfp_map_counts {
	unsigned long in, ok, failed, passed;   /* passed: upstream refusals passed on */
};

/*
 * Map every item of r to out, in order: a plan line per booking, or a result
 * line {"id","ok":false,"error",,"input"} for a booking that cannot be mapped or
 * is not valid JSON (also written to rejects when not NULL).  Items that
 * already carry "ok":false (refusals from upstream) are passed on unchanged and
 * counted as failed.  Returns SFP_OK when every booking mapped, SFP_E_ITEM when
 * some failed, or the error that stopped the stream (input, I/O) with f set.
 */
enum sfp_status sfp_map_stream(struct sfp_mapping *m, struct sfp_reader *r,
    struct sfp_writer *out, struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx,
    struct sfp_map_counts *counts, struct sfp_fail *f);

/*
 * The rule sfp_map_stream_each applies to each item: SFP_OK with *line, *len
 * (a plan line of sfp_mapping_apply, valid until the next call) and *tenant
 * (NULL, or a tenant name put first in the plan); SFP_E_ITEM with err, *id
 * (borrowed from item, or NULL) and *tenant (NULL when the item has none); any
 * other status stops the stream.
 */
typedef enum sfp_status (*sfp_map_item_fn)(void *fctx, const cJSON *item, const char **tenant,
    const cJSON **id, const char **line, size_t *len, struct sfp_fail *err);

/* sfp_map_stream with the caller's rule per item (sf-map --tenants). */
enum sfp_status sfp_map_stream_each(struct sfp_reader *r, sfp_map_item_fn fn, void *fctx,
    struct sfp_writer *out, struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx,
    struct sfp_map_counts *counts, struct sfp_fail *f);

#endif
