/* SPDX-License-Identifier: ISC */
/*
 * sfapi: a Salesforce REST session.
 *
 * struct sfp_sf owns the http handle, the org settings, the access token and the
 * instance URL.  Authentication is lazy: the first request (or sfp_sf_login)
 * gets a token, so a dry run never authenticates.  One session serves every
 * request of a process.
 *
 *   struct sfp_org org;  struct sfp_sf *sf;  struct sfp_fail f;
 *   st = sfp_org_load(&org, opt_org_file, opt_flow, opt_no_cache, &f);
 *   st = sfp_sf_open(&org, &sf, &f);            // org may be fini'd after this
 *   struct sfp_sf_req rq = { .method = "POST", .path = "sobjects/Lead",
 *                            .body = "{\"LastName\":\"Lee\",\"Company\":\"Acme\"}" };
 *   struct sfp_sf_resp rs;  sfp_sf_resp_init(&rs);
 *   st = sfp_sf_request(sf, &rq, &rs, &f);      // rs.status, rs.json
 *   sfp_sf_resp_fini(&rs);  sfp_sf_close(sf);
 *
 * Paths: "sobjects/Lead" is relative to /services/data/vNN.0/ (NN from
 * SF_API_VERSION); a path starting with "/" ("/services/data/v62.0/limits",
 * a nextRecordsUrl) is taken on the instance as is.  Never a full URL: the
 * host is always the instance's.
 *
 * Errors (f->code is Salesforce's errorCode, f->fields its fields joined with
 * ",", f->message its message; several errors are joined with "; "):
 *   2xx, 304               SFP_OK
 *   401 (INVALID_SESSION_ID): the token is renewed once and the request replayed
 *                          once, transparently; a second 401 is SFP_E_AUTH
 *   403 REQUEST_LIMIT_EXCEEDED, 503, 502, 429, UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE
 *                          SFP_E_TEMP
 *   other 401/403          SFP_E_AUTH (API_DISABLED_FOR_ORG, INSUFFICIENT_ACCESS...)
 *   other 4xx, 300         SFP_E_ITEM (REQUIRED_FIELD_MISSING, NOT_FOUND, ...)
 *   other 5xx              SFP_E_TEMP
 *   transport              as sfp_http_do: "NETWORK", "TIMEOUT", "OUTCOME_UNKNOWN"
 *                          (SFP_E_TEMP) - OUTCOME_UNKNOWN means a non-idempotent
 *                          request may have been applied: never resend blindly.
 * Whatever the status, resp holds what arrived (status, json/body, headers), so
 * a caller can inspect a composite response or an error array itself.
 *
 * Ownership: sfp_sf_open copies the org; sfp_sf_close frees everything.  A
 * struct sfp_sf_resp is caller storage (init/fini); resp->json and resp->body
 * belong to it.  Not thread-safe.
 */
#ifndef SFP_SFAPI_H
#define SFP_SFAPI_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "fail.h"
#include "org.h"

struct sfp_sf;

/* Open a session (no network yet).  SFP_E_INPUT for unusable settings. */
enum sfp_status sfp_sf_open(const struct sfp_org *org, struct sfp_sf **out, struct sfp_fail *f);
void sfp_sf_close(struct sfp_sf *sf);

/* Authenticate now (otherwise the first request does).  SFP_E_AUTH etc. */
enum sfp_status sfp_sf_login(struct sfp_sf *sf, struct sfp_fail *f);

/* Start authenticating in a thread of its own, so that the token round trip
 * overlaps whatever the caller does next (reading and packing its input).  The
 * session must not be used meanwhile except through the calls below, each of
 * which first waits for that login; sfp_sf_login reports its outcome.  Nothing
 * happens on a dry run, once logged in, or if the thread cannot start. */
void sfp_sf_login_ahead(struct sfp_sf *sf);

/* The instance URL ("" before login), the API version ("62.0"), the base data
 * path ("/services/data/v62.0"). */
const char *sfp_sf_instance_url(struct sfp_sf *sf);
const char *sfp_sf_api_version(const struct sfp_sf *sf);
const char *sfp_sf_data_path(const struct sfp_sf *sf);

/* The API version a REST resource (a data path such as "composite/graph",
 * relative or absolute) first exists in, or 0 when it is older than every
 * version still served.  sfp_sf_request refuses a resource the session's
 * version lacks: SFP_E_INPUT, code "not-in-api-version", naming both. */
int sfp_sf_resource_since(const char *path);

/* The session's settings (its own copy of the org), and whether it is a dry
 * run (sfp_sf_set_dry_run): for modules that build on the session. */
const struct sfp_org *sfp_sf_org(const struct sfp_sf *sf);
int sfp_sf_is_dry_run(const struct sfp_sf *sf);

/* 1 when the session's API version is major.0 or later. */
int sfp_sf_api_at_least(const struct sfp_sf *sf, int major);

/* The logged-in user's 18-character User id, as the token's identity URL
 * (".../id/00D.../005...") names it, into out; "" when not logged in or the
 * flow gives no identity (a given access token). */
void sfp_sf_user_id(struct sfp_sf *sf, char out[19]);

struct sfp_sf_req {
	const char *method;            /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *path;              /* see above */
	const char *body;              /* JSON text (or raw with content_type), or NULL */
	const cJSON *json;             /* alternatively a tree, printed compact */
	const char *content_type;      /* NULL: application/json when there is a body */
	const char *accept;            /* NULL: application/json */
	const char *const *headers;    /* extra "Name: value" lines, NULL-terminated, or NULL */
	int raw;                       /* 1: do not parse the response body as JSON */
	int idempotent;                /* as struct sfp_http_req (0: by method) */
};

struct sfp_sf_resp {
	long status;                   /* HTTP status; 0 when none arrived (or dry run) */
	cJSON *json;                   /* parsed body when JSON, else NULL */
	char *body;                    /* raw body (NUL-terminated) or NULL */
	size_t body_len;
	char last_modified[64];
	char etag[128];
	char location[512];
	long api_used, api_max;        /* from this response, -1 when absent */
};

void sfp_sf_resp_init(struct sfp_sf_resp *r);
void sfp_sf_resp_fini(struct sfp_sf_resp *r);

/* One request, with the single transparent re-authentication on 401. */
enum sfp_status sfp_sf_request(struct sfp_sf *sf, const struct sfp_sf_req *req,
    struct sfp_sf_resp *resp, struct sfp_fail *f);

/*
 * n requests with at most `parallel` in flight (0: 4; at most 16); results in
 * input order in resps[i] / fails[i] / sts[i].  Items refused with 401 are
 * replayed once after one re-authentication, as sfp_sf_request does.  Returns
 * SFP_OK when the batch ran (look at sts[i]); otherwise a batch-wide failure
 * (authentication, out of memory) and no element is meaningful.  resps must be
 * initialised.
 */
enum sfp_status sfp_sf_request_many(struct sfp_sf *sf, const struct sfp_sf_req *reqs,
    struct sfp_sf_resp *resps, struct sfp_fail *fails, enum sfp_status *sts, size_t n,
    size_t parallel);

/*
 * Dry run: when a hook is set, every request is handed to it instead of being
 * sent (no authentication either); the request "succeeds" with status 0 and no
 * body.  url is the full URL that would be used (instance URL may be "" when not
 * yet known); body may be NULL.  The hook may print; the library does not.
 */
typedef void (*sfp_sf_dry_run_fn)(void *ctx, const char *method, const char *url,
    const char *body);
void sfp_sf_set_dry_run(struct sfp_sf *sf, sfp_sf_dry_run_fn fn, void *ctx);

/* Tune the transport (call before the first request): timeouts and retries. */
void sfp_sf_set_timeouts(struct sfp_sf *sf, long connect_ms, long total_ms, int max_retries);

/* api-usage from the latest response that carried Sforce-Limit-Info (-1 before). */
void sfp_sf_usage(const struct sfp_sf *sf, long *used, long *max);

/* How many HTTP requests this session sent (auth included): for tests and logs. */
unsigned long sfp_sf_requests_sent(struct sfp_sf *sf);

/*
 * Classify a Salesforce error body into f and return its status as described
 * above.  Accepts an error array [{message,errorCode|statusCode,fields}], a
 * single such object, an OAuth {error,error_description}, or anything else
 * (then code "HTTP_<status>" and a short excerpt of the body, control characters
 * removed).  json may be NULL (then body is used).  Useful for composite
 * sub-responses: sfp_sf_fail_from(sub_status, sub_body, NULL, 0, f).
 */
enum sfp_status sfp_sf_fail_from(long http_status, const cJSON *json, const char *body,
    size_t body_len, struct sfp_fail *f);

/* Status for one Salesforce errorCode at an HTTP status (see the table above). */
enum sfp_status sfp_sf_status_for_code(long http_status, const char *code, const char *message);

/*
 * SOQL: run the query and follow nextRecordsUrl until done; *records is a new
 * array of every record (caller frees).  max_records 0 means no limit (else
 * SFP_E_INPUT "too-many-records" when exceeded).
 */
enum sfp_status sfp_sf_query(struct sfp_sf *sf, const char *soql, size_t max_records,
    cJSON **records, struct sfp_fail *f);

#endif
