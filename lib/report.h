/* SPDX-License-Identifier: ISC */
/*
 * report: a run's summary for machines (--report FILE), per tenant.
 *
 * FILE ending in ".prom" gets the Prometheus text exposition format, for
 * node_exporter's textfile collector; any other name gets one JSON object:
 *   {"program":"sf-create","finished":"2026-12-04T17:00:00Z",
 *    "tenants":[{"tenant":"acme","items":4,"ok":3,"failed":1,"api_calls":2,
 *                "api_used":66,"api_max":15000,"duration_s":0.41,"replay":0}]}
 * "tenant" is "" for a run without tenants; api_used/api_max are -1 when
 * Salesforce did not say; "replay" counts the plans left unsent, waiting for
 * the next run.  The file is replaced whole (written aside, then renamed), so
 * a reader never sees half a report.
 */
#ifndef SFP_REPORT_H
#define SFP_REPORT_H

#include <stddef.h>

#include "fail.h"

struct sfp_report_row {
	const char *tenant;
	unsigned long items, ok, failed, api_calls, replay;
	long api_used, api_max;
	double duration_s;
};

enum sfp_status sfp_report_write(const char *path, const char *prog,
    const struct sfp_report_row *rows, size_t n, struct sfp_fail *f);

/* sf-create's run, in both forms: the line for people on stderr (a note:
 * -q drops it) and, when path is not NULL, the report for machines: one row
 * for the run, named tenant (NULL: ""), or with per_tenant (--tenants) a row
 * per tenant its items named (st->tenants).  A tenant's api_calls and usage
 * are its org session's: tenants sharing one org and user show the same. */
struct sfp_create_stats;
enum sfp_status sfp_report_create(const char *prog, const char *path, const char *tenant,
    int per_tenant, const struct sfp_create_stats *st, struct sfp_fail *f);

#endif
