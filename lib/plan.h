/* SPDX-License-Identifier: ISC */
/*
 * plan: the plan format, the contract between sf-map and sf-create.
 *
 * A plan (sfpipe(7)) is one booking: an id and up to 500 records, each with a
 * ref, an sObject, fields and optionally an upsert key; "@{ref.id}" in a field
 * value names a record created earlier in the same plan.  This module owns
 * what a plan may be (the check), how plans are packed into composite graph
 * requests within Salesforce's limits, the request bodies, and how a graph
 * response is read back into what became of each plan.  It sends nothing:
 * sf-create's run engine and the bulk path do, and read their answers here.
 *
 * Composite graph limits, as documented:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/resources_composite_graph_limits.htm
 * Every node's referenceId is "p<N>_<ref>", N the plan's number in the run,
 * so refs of plans sharing a graph never collide and a failed node names its
 * plan.
 *
 * Ownership: everything is borrowed; functions that return a cJSON tree
 * return a new one the caller frees.
 */
#ifndef SFP_PLAN_H
#define SFP_PLAN_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"

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
 * number} (not by Id) or instead an "id": the record's Salesforce id, which
 * updates that record (PATCH .../sobjects/X/<id>; of X's key prefix where
 * sfp_plan_key_prefix knows it); every "@{ref." names an earlier record of the
 * plan, not one updated by id; chains at most 15 deep.  SFP_E_ITEM with code
 * "bad-plan" and the place in f otherwise.
 */
enum sfp_status sfp_plan_check(const cJSON *plan, struct sfp_fail *f);

/* 1 when s is an sObject or field API name: a letter, then letters, digits,
 * underscores, at most 80. */
int sfp_plan_api_name_ok(const char *s);

/* The key prefix ("001") of a standard sObject's ids, or NULL when not known
 * here (custom objects: it differs per org). */
const char *sfp_plan_key_prefix(const char *sobject);

/* Records in a (checked) plan, and 1 when every one of them has an upsert key
 * or is an update by id (either may be sent again without a duplicate). */
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
void sfp_plan_pack(const cJSON *const *plans, const unsigned char *solo, size_t n,
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

/* What became of one plan in a graph response (or a bulk job). */
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

/*
 * Fill f from a Salesforce error body (an array of {errorCode or statusCode,
 * message, fields}, or one such object) at HTTP status: SFP_E_TEMP for what
 * passes (locks, unavailable, the concurrency limit, 5xx), SFP_E_ITEM
 * otherwise; the fields joined with ",".
 */
void sfp_graph_fail_from(const cJSON *body, long status, struct sfp_fail *f);

/* 1 when a REQUEST_LIMIT_EXCEEDED error (its message) is the daily kind. */
int sfp_graph_is_daily_limit(const char *code, const char *message);

#endif
