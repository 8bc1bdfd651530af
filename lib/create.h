/* SPDX-License-Identifier: ISC */
/*
 * create: plans in, records in Salesforce out (sf-create).
 *
 * A plan (sfpipe(7)) is one booking: an id and up to 500 records, each with a
 * ref, an sObject, fields and optionally an upsert key; "@{ref.id}" in a field
 * value names a record created earlier in the same plan.  Each plan is atomic:
 * all of its records exist afterwards, or none does.
 *
 * How plans travel: composite graph requests (salesforce-rest.md section 6.1),
 * one API call each, packed up to the documented limits (SFP_GRAPH_*).  Several
 * plans share one graph when there are more plans than graphs allowed, so a run
 * reaches the floor of requests; every node's referenceId is "p<N>_<ref>", N the
 * plan's number in the run, so refs of plans sharing a graph never collide and a
 * failed node names its plan.  When a graph fails, the plan whose node failed is
 * reported with Salesforce's error and the other plans of that graph (rolled
 * back, PROCESSING_HALTED) are sent again in the next round.
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

#define SFP_GRAPH_MAX_GRAPHS 75   /* graphs per request */
#define SFP_GRAPH_MAX_NODES  500  /* nodes per request (and per graph) */
#define SFP_GRAPH_MAX_KINDS  15   /* distinct (method, sObject) node kinds per request */
#define SFP_GRAPH_MAX_FAILED 14   /* failed graphs before the rest is PROCESSING_HALTED */
#define SFP_GRAPH_MAX_DEPTH  15   /* longest @{} reference chain in a graph */
#define SFP_PLAN_MAX_REF     40   /* characters in a record ref */

/*
 * Check one plan against the format: "id" a non-empty string or a number,
 * "records" a non-empty array of at most 500 records, each with a unique "ref"
 * ([A-Za-z0-9][A-Za-z0-9_]*, at most 40), an "sobject" (an API name), "fields"
 * an object, an optional "upsert" {"field": name, "value": non-empty string or
 * number}; every "@{ref." names an earlier record of the plan; chains at most
 * 15 deep.  SFP_E_ITEM with code "bad-plan" and the place in f otherwise.
 */
enum sfp_status sfp_plan_check(const cJSON *plan, struct sfp_fail *f);

/* Records in a (checked) plan, and 1 when every one of them has an upsert key. */
size_t sfp_plan_nodes(const cJSON *plan);
int sfp_plan_all_upsert(const cJSON *plan);

/*
 * Pack n checked plans, in order, into composite graph requests within the
 * limits above.  solo (may be NULL) marks plans that must travel alone in their
 * request.  On return req_of[i] is plan i's request (0-based, non-decreasing)
 * and graph_of[i] its graph within that request; *nreq the number of requests.
 * Plans of one request are spread evenly over min(plans, 75) graphs, so a
 * failing plan rolls back as few others as possible.
 */
void sfp_create_pack(const cJSON *const *plans, const unsigned char *solo, size_t n,
    size_t *req_of, size_t *graph_of, size_t *nreq);

/*
 * The body of one composite graph request: the n plans given, plan i going to
 * graph graph_of[i] (graph ids "g<k>") with its refs prefixed "p<num[i]>_".
 * data_path is "/services/data/vNN.0".  Creates are POST .../sobjects/X,
 * upserts PATCH .../sobjects/X/Field/<value, URL-encoded> with the key field
 * left out of the body.  Returns NULL when out of memory.
 */
cJSON *sfp_graph_body(const char *data_path, const cJSON *const *plans, const size_t *num,
    const size_t *graph_of, size_t n);

/* What became of one plan in a graph response. */
enum sfp_outcome {
	SFP_OUT_OK = 0,     /* every record exists; see the records object */
	SFP_OUT_FAILED,     /* Salesforce refused it: report the error */
	SFP_OUT_RESEND,     /* rolled back for another plan's sake: send again now */
	SFP_OUT_TRANSIENT   /* lock, 503, halted, missing: send again after back-off */
};

/*
 * Read a composite graph response for the n plans of one request (num[] as
 * given to sfp_graph_body, ascending).  For each plan: out[i]; for SFP_OUT_OK
 * records[i] = {"<ref>":{"id":..,"created":bool},...} (new, caller frees); for
 * SFP_OUT_FAILED and SFP_OUT_TRANSIENT fails[i] with errorCode, message,
 * fields and the plan's own ref.  Returns SFP_E_INPUT when resp is not a graph
 * response at all.
 */
enum sfp_status sfp_graph_read(const cJSON *resp, const cJSON *const *plans, const size_t *num,
    size_t n, enum sfp_outcome *out, cJSON **records, struct sfp_fail *fails);

/* 1 when a REQUEST_LIMIT_EXCEEDED error (its message) is the daily kind. */
int sfp_create_is_daily_limit(const char *code, const char *message);

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

struct sfp_create_stats {
	unsigned long plans;        /* items read (plans, refusals passed through) */
	unsigned long ok, failed;   /* plans done, each way */
	unsigned long requests;     /* graph requests sent (each one API call) */
	unsigned long rounds;       /* rounds of requests */
	unsigned long resent;       /* plans sent again (rolled back or transient) */
	long api_used, api_max;     /* last Sforce-Limit-Info, -1 when unknown */
	double elapsed_s;
};

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
};

/*
 * Run a stream of plans: read every item from in, make it real, write one
 * result line per item in input order to out, and failed or unsent plans (the
 * original line) to rejects (may be NULL).  sf may be NULL for a dry run.
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

#endif
