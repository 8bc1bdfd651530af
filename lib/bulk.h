/* SPDX-License-Identifier: ISC */
/*
 * bulk: plans of one record through Bulk API 2.0 ingest (sf-create --bulk).
 *
 * A plan qualifies when it holds a single record that names no other record
 * (no "@{") and whose field values are scalars.  Qualifying plans of the same
 * sObject, operation and upsert key travel as one job: the CSV (a header of
 * every field used, "#N/A" for null) is uploaded once, the job closed, polled
 * until done, and the successful and failed results are joined back to each
 * plan by the row's own values (Salesforce does not keep row order).
 *
 * Ownership: everything is borrowed; *csv and records[i] are new and the
 * caller frees them.
 */
#ifndef SFP_BULK_H
#define SFP_BULK_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"
#include "plan.h"
#include "sfapi.h"

#define SFP_BULK_MAX_ROWS 10000   /* rows per job: one Salesforce internal batch */

/* 1 when the (checked) plan may go through Bulk API 2.0. */
int sfp_bulk_eligible(const cJSON *plan);

/* 1 when two eligible plans can share a job (same sObject, operation, key). */
int sfp_bulk_same_job(const cJSON *a, const cJSON *b);

/* The CSV for n eligible plans of one job: a header row of every field (the
 * upsert key first), then one row per plan, LF line ends, every cell quoted.
 * Returns SFP_OK or SFP_E_INTERNAL. */
enum sfp_status sfp_bulk_csv(const cJSON *const *plans, size_t n, char **csv, size_t *len);

/*
 * Parse the next CSV row of buf[*pos..len) into at most max cells (each a new
 * string the caller frees); returns the number of cells, 0 at the end, -1 on
 * a malformed row or out of memory.
 */
int sfp_csv_row(const char *buf, size_t len, size_t *pos, char **cells, int max);

/*
 * Run one job for n plans that sfp_bulk_same_job groups together (n at most
 * SFP_BULK_MAX_ROWS).  On SFP_OK, out[i] tells each plan's fate as
 * sfp_graph_read does (records[i] for SFP_OUT_OK, fails[i] otherwise).  A
 * failure of the job itself returns its status with f filled; *applied says
 * whether the upload may have been processed (then the rows' fate is unknown).
 */
enum sfp_status sfp_bulk_run(struct sfp_sf *sf, const cJSON *const *plans, size_t n,
    enum sfp_outcome *out, cJSON **records, struct sfp_fail *fails, int *applied,
    unsigned long *calls, struct sfp_fail *f);

#endif
