/* SPDX-License-Identifier: ISC */
/*
 * plan: the plan format, the contract between sf-map and sf-create.
 *
 * A plan (sfpipe(7)) is one booking: an id and up to 500 records, each with a
 * ref, an sObject, a method (create, upsert, update, delete or none: leave the
 * record alone), fields, and the record's key where the method needs one: a
 * Salesforce "id" or an external key; "@{ref.id}" in a field value or an id
 * names a record written earlier in the same plan.  This module owns
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

/* What a plan record does (its "method"; without one, "upsert" when the
 * record has an "upsert" key, "update" when it has an "id", else "create"). */
enum sfp_plan_method {
	SFP_PLAN_CREATE = 0,    /* POST .../sobjects/X */
	SFP_PLAN_UPSERT,        /* PATCH .../sobjects/X/Key/value ("upsert") */
	SFP_PLAN_UPDATE,        /* PATCH .../sobjects/X/Id, or .../X/Key/value ("key") */
	SFP_PLAN_DELETE,        /* DELETE the same, no body */
	SFP_PLAN_NONE,          /* leave alone: checked, reported, never sent */
	SFP_PLAN_RECONCILE      /* the children a parent should have: sf-create turns it
	                         * into creates and deletes (create_lookup.c) */
};

/*
 * Check one plan against the format: "id" a non-empty string or a number,
 * "records" a non-empty array of at most 500 records, each with a unique "ref"
 * ([A-Za-z0-9][A-Za-z0-9_]*, at most 40), an "sobject" (an API name), an
 * optional "method" (create, upsert, update, delete, none), "fields" an object
 * (absent or empty for delete and none), and the key its method needs: upsert
 * an "upsert" {"field": name, "value": non-empty string or number}; update and
 * delete exactly one of "id" (a Salesforce id, of the sObject's key prefix
 * where sfp_plan_key_prefix knows it, or "@{ref.id}") or "key" (as "upsert",
 * not by Id); create none of them.  Every "@{ref." names an earlier record of
 * the plan that is sent (not "none", not deleted, not updated by a literal id:
 * that answers no body); chains at most 15 deep.  An optional
 * "version" {"sobject", "key": {"field", "value": text}, "field", "value":
 * number} says where the org keeps the booking's version (newest wins,
 * create_lookup.c).  A create or upsert may carry "find" {"value": text,
 * "in": [{"sobject","field"}, ...], "many": "first"|"refuse"|"create",
 * "fill": [field, ...]}: an existing record to use instead; a "reconcile"
 * record {"parent": {"ref": an earlier keyed record, "field"}, "match":
 * field, "want": [text, ...], "fields"} names the children its parent should
 * have, no more.  SFP_E_ITEM with code "bad-plan" and the place in f
 * otherwise.
 */
enum sfp_status sfp_plan_check(const cJSON *plan, struct sfp_fail *f);

/* The method of a record of a checked plan. */
enum sfp_plan_method sfp_plan_record_method(const cJSON *rec);

/* The method's name as the plan spells it ("create", ...). */
const char *sfp_plan_method_name(enum sfp_plan_method m);

/* The key prefix ("001") of a standard sObject's ids, or NULL when not known
 * here (custom objects: it differs per org). */
const char *sfp_plan_key_prefix(const char *sobject);

/* 1 when s is exactly "@{ref.id}", a reference to a record of the plan. */
int sfp_plan_id_is_ref(const char *s);

/* The record's external key object ({"field","value"}: "upsert" or "key"), or NULL. */
const cJSON *sfp_plan_record_key(const cJSON *rec);

/* 1 when s is an sObject or field API name: a letter, then letters, digits,
 * underscores, at most 80. */
int sfp_plan_api_name_ok(const char *s);

/* Records of a (checked) plan that are sent (all but "none"), and 1 when
 * sending the plan twice leaves what sending it once does: every record sent
 * is an upsert or an update (a create would make a second record, a delete
 * already done fails). */
size_t sfp_plan_nodes(const cJSON *plan);
int sfp_plan_resend_safe(const cJSON *plan);

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
 * left out of the body, updates PATCH .../sobjects/X/<id> (or the key's URL),
 * deletes DELETE the same without a body; "none" records are left out.  A
 * plan's graph never has no nodes: plans with none are not given here.
 * Returns NULL when out of memory.
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
 * records[i] = {"<ref>":{"id":..,"created":bool},...} (new, caller frees;
 * a deleted record adds "deleted":true, one left alone is not there); for
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
