/* SPDX-License-Identifier: ISC */
/*
 * create: plans in, records in Salesforce out (sf-create).
 *
 * A plan (sfpipe(7); its format and packing are plan.h's) is one booking, and
 * atomic: all of its records exist afterwards, or none does.
 *
 * How plans travel: composite graph requests, one API call each, packed up to
 * the documented limits (plan.h).  Several plans share one graph when there
 * are more plans than graphs allowed, so a run reaches the floor of requests.
 * When a graph fails, the plan whose node failed is reported with
 * Salesforce's error and the other plans of that graph (rolled back,
 * PROCESSING_HALTED) are sent again in the next round.
 *
 * Tenants (opts.tenants): every plan names its tenant; it goes only to that
 * tenant's org as that tenant's user, through one session per org (and user),
 * opened on the org's first plan, with its own token, concurrency (jobs) and
 * --max-api-usage budget.  Orgs are served in parallel; one org refusing its
 * login, down or at its daily limit stops only that org's plans (reported and
 * kept for replay) while the others finish.  Results carry "tenant" first.
 *
 * Files: create.c the operator form, create_run.c the stream of plans,
 * create_route.c the tenant rules and one session per org, create_send.c the
 * rounds of requests, plan.c the plan format.
 *
 * Exactly once: records with an upsert key go as PATCH by external ID, which a
 * retry cannot duplicate.  A request cut after it was sent is resent only for
 * plans made of upserts alone; other plans are reported OUTCOME_UNKNOWN.  503,
 * UNABLE_TO_LOCK_ROW, the concurrency kind of REQUEST_LIMIT_EXCEEDED and cut
 * connections are retried with exponential back-off and full jitter.  The daily
 * kind of REQUEST_LIMIT_EXCEEDED, or the --max-api-usage guard, stops the run:
 * every plan not done is written to the rejects untouched and reported.
 *
 * Ownership: everything is borrowed unless a name says take.  Functions that
 * return a cJSON tree return a new one the caller frees.  The library never
 * prints; progress goes through a callback.
 */
#ifndef SFP_CREATE_H
#define SFP_CREATE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "describe.h"
#include "fail.h"
#include "sfapi.h"
#include "stream.h"
#include "tenants.h"

/*
 * The operator form: one plan {"id":"<sobject>","records":[{"ref":"record",...}]}
 * from "Field=Value" arguments, values coerced by the catalog when given (NULL:
 * kept as strings) by field.h's rules, as sf-map coerces a string from a
 * booking (so "16" into an int is 16, "true" into a boolean true, "yes" and
 * "0x10" are refused); an empty value is null.  upsert is "Field=Value" or
 * NULL, its value coerced the same way.  SFP_E_USAGE for a malformed argument,
 * SFP_E_INPUT for an unknown or read-only field or a refused value (f holds
 * field.h's code, and the place "field NAME").
 */
enum sfp_status sfp_create_operator_plan(const struct sfp_catalog *cat, const char *sobject,
    const char *const *assign, size_t n, const char *upsert, cJSON **plan, struct sfp_fail *f);

/* With tenants: one tenant's share of a run (sf-create --report's rows). */
struct sfp_create_tenant_stats {
	char tenant[SFP_TENANT_NAME_MAX + 1];   /* "" for items naming no valid tenant */
	unsigned long items, ok, failed, unsent;
	unsigned long api_calls;    /* requests and lookups of its org session (shared
	                             * by the tenants of one org and user) */
	long api_used, api_max;     /* its org's daily usage after the run, -1 unknown */
	double elapsed_s;           /* from the run's start to its last result */
};

struct sfp_create_stats {
	unsigned long plans;        /* items read (plans, refusals passed through) */
	unsigned long ok, failed;   /* plans done, each way */
	unsigned long requests;     /* graph requests sent (each one API call) */
	unsigned long rounds;       /* rounds of requests */
	unsigned long resent;       /* plans sent again (rolled back or transient) */
	unsigned long skipped;      /* plans not sent: not newer than the org's version */
	unsigned long lookups;      /* queries before sending (each one API call) */
	unsigned long unsent;       /* of failed: plans to send again as they are, next run */
	long api_used, api_max;     /* last Sforce-Limit-Info, -1 when unknown (and with tenants) */
	unsigned long sessions;     /* with tenants: org sessions opened (one per org and user) */
	double elapsed_s;
	struct sfp_create_tenant_stats *tenants;   /* with tenants: a row each, in order seen */
	size_t ntenants;
};

/* Free what a run's statistics hold (the tenant rows); st stays usable, zeroed. */
void sfp_create_stats_fini(struct sfp_create_stats *st);

struct sfp_create_opts {
	size_t jobs;                /* requests in flight, 1..16 (0: 4) */
	int dry_run;                /* write the requests to out instead of sending */
	int bulk;                   /* one-record plans without refs via Bulk API 2.0 */
	const char *data_path;      /* dry run without a session; NULL: from $SF_API_VERSION */
	int max_api_usage;          /* stop at this percent of the daily budget (0: never) */
	int max_attempts;           /* transient failures before a plan fails (0: 8) */
	long backoff_base_ms;       /* 0: 200 */
	long backoff_max_ms;        /* 0: 5000 */
	size_t window;              /* plans read before a round is sent (0: 5000) */
	void (*progress)(void *ctx, const struct sfp_create_stats *st);
	void *progress_ctx;
	struct sfp_tenants *tenants; /* each plan to its tenant's org (NULL: sf for all) */
	const char *tenant;         /* without tenants: the one tenant a plan may name */
};

/*
 * The tenant rules for one checked plan.  With tenants (a --tenants run) the
 * plan must carry "tenant": missing is code "untagged", a name that cannot be
 * a tenant "bad-tenant-name".  Without, a plan may carry "tenant" only when it
 * is only (--tenant NAME), else "unknown-tenant".  *name is the plan's tenant
 * or NULL.  SFP_E_ITEM with f when refused.
 */
enum sfp_status sfp_create_plan_tenant(const cJSON *plan, int tenants, const char *only,
    const char **name, struct sfp_fail *f);

/*
 * Every upsert key of the plan must be the tenant's (sfp_tenant_key_ok: it
 * starts with the keyPrefix), so that two tenants sharing one org cannot
 * upsert each other's records.  SFP_E_ITEM code "foreign-key" naming the
 * record otherwise.
 */
enum sfp_status sfp_create_plan_keys(const cJSON *plan, const struct sfp_tenant_conf *tc,
    struct sfp_fail *f);

/*
 * Run a stream of plans: read every item from in, make it real, write one
 * result line per item in input order to out, and failed or unsent plans (the
 * original line) to rejects (may be NULL).  sf may be NULL for a dry run, and
 * is with o->tenants (each org's session is opened here, on its first plan).
 * Returns SFP_OK when every plan succeeded, SFP_E_ITEM when some failed,
 * SFP_E_TEMP when the run stopped early (daily limit, budget, retries spent),
 * SFP_E_AUTH when authentication was refused, SFP_E_IO for an output error; f
 * says why for every status but SFP_E_ITEM.  st may be NULL.
 */
enum sfp_status sfp_create_run(struct sfp_sf *sf, struct sfp_reader *in, struct sfp_writer *out,
    struct sfp_writer *rejects, const struct sfp_create_opts *o, struct sfp_create_stats *st,
    struct sfp_fail *f);

/* The same for one plan (the operator form); takes ownership of plan. */
enum sfp_status sfp_create_one_take(struct sfp_sf *sf, cJSON *plan, struct sfp_writer *out,
    struct sfp_writer *rejects, const struct sfp_create_opts *o, struct sfp_create_stats *st,
    struct sfp_fail *f);

/*
 * The operator form from start to end: coerce the values by the catalog at
 * catalog_path (sf-describe's output) when given, else by the org's describe of
 * sobject (one API call, cached), else (dry run, no session) keep strings;
 * then create or upsert the one record and write its result line.
 */
enum sfp_status sfp_create_operator(struct sfp_sf *sf, const char *catalog_path,
    const char *sobject, const char *const *assign, size_t n, const char *upsert,
    struct sfp_writer *out, struct sfp_writer *rejects, const struct sfp_create_opts *o,
    struct sfp_create_stats *st, struct sfp_fail *f);

/* What sf-create was asked: where plans go, and where results and rejects go. */
struct sfp_create_main {
	const char *org;            /* org settings file (NULL: the default) */
	const char *tenants;        /* tenants directory: each plan to its tenant's org */
	const char *rejects;        /* append failed and unsent plans here (NULL: nowhere) */
	int pretty;                 /* indent the results */
	const char *sobject;        /* the operator form's sObject, or NULL: plans on stdin */
	const char *const *assign;  /* its Field=Value arguments */
	size_t nassign;
	const char *upsert, *describe;   /* its --upsert and --describe */
};

/*
 * sf-create from start to end: open the org (or the tenants directory), the
 * rejects file and the writers, run the plans on stdin (or the operator form),
 * results to stdout, and close everything.  Statuses as sfp_create_run.
 */
enum sfp_status sfp_create_main(const struct sfp_create_main *m, struct sfp_create_opts *o,
    struct sfp_create_stats *st, struct sfp_fail *f);

#endif
