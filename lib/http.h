/* SPDX-License-Identifier: ISC */
/*
 * http: the only way sfpipe talks to the network.
 *
 * One struct sfp_http per process holds a reused libcurl easy handle (keep-alive,
 * HTTP/2 when the server offers it, gzip) and a connection cache shared (CURLSH)
 * with the extra handles sfp_http_do_many uses, so every request of a run goes
 * over the same few TLS connections.
 *
 * Safety rules enforced here, for every request, before a byte is sent:
 *  - only https:// URLs whose host is salesforce.com, salesforce.mil,
 *    cloudforce.com, force.com, siteforce.com, my.site.com, salesforce-sites.com,
 *    salesforce-experience.com or a subdomain of one (label-boundary match:
 *    "evilsalesforce.com" is refused), or the one site host the org file names
 *    for this handle (opts->site_host);
 *  - port 443 only (the default);
 *  - TLS peer and host verification are always on (there is no option to turn
 *    them off);
 *  - the test settings (a CA file that replaces the system trust store, and
 *    SF_RESOLVE, which points Salesforce names at the emulator) are honoured
 *    only in test mode (SFPIPE_TEST_EMULATOR=1 in the environment), only from
 *    files the running user or root owns and nobody else may write, and names
 *    resolve only to loopback addresses; test mode also allows the emulator's
 *    port.  Nothing another local user can write changes where credentials go
 *    or whom sfpipe trusts;
 *  - redirects are never followed: a 3xx comes back to the caller as a response
 *    (its Location in resp->location), and a caller that wants to follow it must
 *    pass the new URL through sfp_http_do again, which checks it;
 *  - the Authorization header is never traced or put into a message.
 *
 * Retries made here (and only these): a connection that failed before the
 * request was sent (connect, DNS, TLS handshake), and a 503 or 429 response that
 * carries Retry-After or answers an idempotent request (a 503/429 to a POST
 * without Retry-After comes back to the caller, who knows whether to resend).  Back-off is exponential with full jitter, and a
 * Retry-After value (seconds) is honoured, capped by backoff_max_ms.  A request
 * whose bytes may have reached the server is retried only when it is idempotent
 * (GET, HEAD, PUT, DELETE, or req->idempotent = 1); otherwise the call fails with
 * code "OUTCOME_UNKNOWN" so the caller decides (sf-create: report, never
 * duplicate).  Salesforce-level retry decisions (UNABLE_TO_LOCK_ROW, concurrency
 * limits) belong to the caller: see sfapi.h.
 *
 * Ownership: sfp_http_new returns a handle the caller frees with sfp_http_free.
 * A struct sfp_http_resp is caller storage: sfp_http_resp_init before use,
 * sfp_http_resp_fini after (it frees the body).  Requests borrow everything.
 * Not thread-safe: one thread per struct sfp_http.
 */
#ifndef SFP_HTTP_H
#define SFP_HTTP_H

#include <stddef.h>
#include "fail.h"

struct sfp_http;

struct sfp_http_opts {
	long connect_timeout_ms;  /* default 10000 */
	long timeout_ms;          /* whole transfer, per attempt; default 120000 */
	int max_retries;          /* extra attempts after the first; default 4 */
	long backoff_base_ms;     /* first back-off ceiling; default 500 */
	long backoff_max_ms;      /* cap on any wait (Retry-After included); default 30000 */
	const char *ca_file;      /* test mode only; NULL or "": the system store */
	const char *resolve;      /* test mode only; "host:port:addr[,host:port:addr...]" */
	const char *user_agent;   /* NULL: "sfpipe/<version>" */
	const char *site_host;    /* NULL, or one more host this handle may contact: the
	                           * org's Experience Cloud site on its own domain, as
	                           * the org file names it (never the environment) */
};

/* Fill o with the defaults above. */
void sfp_http_opts_default(struct sfp_http_opts *o);

/* The environment variable that turns test mode on (value "1"). */
#define SFP_HTTP_TEST_SWITCH "SFPIPE_TEST_EMULATOR"

/* 1 in test mode. */
int sfp_http_test_mode(void);

/* SFP_OK when the test settings may be used: both empty, or test mode is on,
 * the CA file is a regular file owned by the running user or root that group
 * and others cannot write, and every SF_RESOLVE entry names an allowed host (or
 * site_host; NULL or "": none) and a loopback address.  SFP_E_INPUT otherwise
 * (code "test-setting" outside test mode, "unsafe-file", "host-refused" or
 * "bad-setting"). */
enum sfp_status sfp_http_check_test_settings(const char *ca_file, const char *resolve,
    const char *site_host, struct sfp_fail *f);

/* A new handle; opts may be NULL (defaults).  Copies what it needs from opts.
 * SFP_E_INPUT when the test settings are refused (sfp_http_check_test_settings);
 * SFP_E_INTERNAL when out of memory. */
enum sfp_status sfp_http_new(const struct sfp_http_opts *opts, struct sfp_http **out,
    struct sfp_fail *f);
void sfp_http_free(struct sfp_http *h);

/* 1 when host (no port, no brackets) is a Salesforce host we may contact. */
int sfp_http_host_allowed(const char *host);

/* 1 when host is a plain DNS name: letters, digits, '-' and '.', at least one
 * dot, none at either end. */
int sfp_http_host_name_ok(const char *host);

/* SFP_OK when url is https:// to an allowed host on port 443 (userinfo
 * refused; another port only in test mode); otherwise SFP_E_INPUT, code "host-refused", message names the URL's
 * host (never its query string). */
enum sfp_status sfp_http_check_url(const char *url, struct sfp_fail *f);

/* The same, also allowing site_host (NULL or "": none) as the URL's host. */
enum sfp_status sfp_http_check_url_site(const char *url, const char *site_host,
    struct sfp_fail *f);

struct sfp_http_req {
	const char *method;            /* "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD" */
	const char *url;               /* absolute https URL */
	const char *const *headers;    /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;              /* request body or NULL */
	size_t body_len;
	int idempotent;                /* 0: by method; 1: safe to resend; -1: never resend */
	size_t max_body;               /* response bytes accepted; 0: 64 MiB */
};

struct sfp_http_resp {
	long status;                   /* HTTP status, 0 when no response */
	char *body;                    /* malloc'd, NUL-terminated (gzip already undone) */
	size_t body_len;
	char content_type[128];
	char last_modified[64];        /* "Wed, 06 May 2026 09:49:20 GMT" or "" */
	char etag[128];
	char location[512];            /* Location header (201, 3xx) or "" */
	long retry_after_s;            /* Retry-After in seconds, -1 when absent */
	long api_used, api_max;        /* Sforce-Limit-Info api-usage, -1 when absent */
	int attempts;                  /* how many times the request was sent */
};

void sfp_http_resp_init(struct sfp_http_resp *r);
void sfp_http_resp_fini(struct sfp_http_resp *r);

/* The one refusal of a 3xx answer (never followed): SFP_E_INPUT, code
 * "redirect", naming the Location's host. */
enum sfp_status sfp_http_redirect_refused(long status, const char *location,
    struct sfp_fail *f);

/*
 * Perform one request (with the retries described above).  Returns SFP_OK when
 * an HTTP response arrived, whatever its status (the caller reads resp->status;
 * a 503/429 is returned as such once retries are spent).  Errors:
 *   SFP_E_INPUT  "host-refused": URL outside the allowlist; nothing was sent;
 *   SFP_E_INPUT  "tls": certificate verification failed (wrong CA, wrong host);
 *   SFP_E_TEMP   "NETWORK": no connection could be made (retries spent); nothing
 *                reached the server;
 *   SFP_E_TEMP   "OUTCOME_UNKNOWN": the connection broke after (part of) a
 *                non-idempotent request was sent; the server may have acted;
 *   SFP_E_TEMP   "TIMEOUT": idem, after a timeout (also OUTCOME_UNKNOWN when the
 *                request was not idempotent);
 *   SFP_E_INTERNAL: out of memory.
 */
enum sfp_status sfp_http_do(struct sfp_http *h, const struct sfp_http_req *req,
    struct sfp_http_resp *resp, struct sfp_fail *f);

/*
 * Run n requests with at most `parallel` in flight (1..16; 0 means 4), each
 * with the same retry rules as sfp_http_do.  Results land in input order:
 * resps[i], fails[i] and sts[i] belong to reqs[i] (sts[i] as sfp_http_do would
 * return).  Returns SFP_OK, or SFP_E_INTERNAL when the batch could not run at
 * all (then no element is meaningful).  The resps must be initialised.
 */
enum sfp_status sfp_http_do_many(struct sfp_http *h, const struct sfp_http_req *reqs,
    struct sfp_http_resp *resps, struct sfp_fail *fails, enum sfp_status *sts, size_t n,
    size_t parallel);

/* The api-usage figures of the most recent response that carried
 * Sforce-Limit-Info (both -1 before any). */
void sfp_http_usage(const struct sfp_http *h, long *used, long *max);

/* Parse "api-usage=USED/MAX[, per-app-api-usage=...]" into figures; returns 1 on
 * success, 0 (figures untouched) when absent or malformed. */
int sfp_http_parse_limit_info(const char *value, long *used, long *max);

/* The wait before attempt number `attempt` (1 = first retry): a uniformly random
 * value in [0, min(max_ms, base_ms * 2^(attempt-1))], or retry_after_s seconds
 * (capped at max_ms) when retry_after_s >= 0.  Exposed for tests. */
long sfp_http_backoff_ms(int attempt, long base_ms, long max_ms, long retry_after_s);

#endif
