/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "auth.h"
#include "http.h"
#include "sfapi.h"
#include "soql.h"

#define URL_MAX 16384   /* Salesforce takes URIs up to 16,384 characters (a query's IN lists) */
#define MAX_HEADERS 32

struct sfp_sf {
	struct sfp_org org;          /* a copy; org.access_token is our own copy */
	struct sfp_http *http;
	struct sfp_token tok;
	int logged_in;
	char data_path[64];          /* "/services/data/v62.0" */
	sfp_sf_dry_run_fn dry_run;
	void *dry_ctx;
	unsigned long sent;
	long api_used, api_max;
	long connect_ms, total_ms;
	int max_retries;
	/* sfp_sf_login_ahead: the thread and what its login came to */
	pthread_t ahead;
	int ahead_running, ahead_failed;  /* a failure waits for sfp_sf_login */
	enum sfp_status ahead_st;
	struct sfp_fail ahead_fail;
};

/* What one request needs while it runs: its URL and header lines. */
struct prepared {
	char url[URL_MAX];
	const char *hdrs[MAX_HEADERS + 1];
	char auth[4096];             /* "Authorization: Bearer ..."; wiped after use */
	char ctype[160];
	char accept[160];
	char *json_txt;              /* printed req->json, owned */
	const char *body;
	size_t body_len;
};

/* ---- session ---- */

static enum sfp_status
make_http(struct sfp_sf *sf, struct sfp_fail *f)
{
	struct sfp_http_opts o;

	if (sf->http != NULL)
		return SFP_OK;
	sfp_http_opts_default(&o);
	o.ca_file = sf->org.ca_file;
	o.resolve = sf->org.resolve;
	o.site_host = sf->org.site_host;
	if (sf->connect_ms > 0)
		o.connect_timeout_ms = sf->connect_ms;
	if (sf->total_ms > 0)
		o.timeout_ms = sf->total_ms;
	if (sf->max_retries >= 0)
		o.max_retries = sf->max_retries;
	return sfp_http_new(&o, &sf->http, f);
}

enum sfp_status
sfp_sf_open(const struct sfp_org *org, struct sfp_sf **out, struct sfp_fail *f)
{
	struct sfp_sf *sf;
	enum sfp_status st;

	*out = NULL;
	sf = calloc(1, sizeof(*sf));
	if (sf == NULL)
		return sfp_fail_oom(f, NULL);
	sf->org = *org;
	sf->org.access_token = NULL;
	sf->api_used = sf->api_max = -1;
	sf->max_retries = -1;
	sfp_token_init(&sf->tok);
	if (org->access_token != NULL &&
	    (st = sfp_secret_from_bytes(org->access_token->bytes, org->access_token->len,
	    &sf->org.access_token, f)) != SFP_OK)
		goto fail;
	(void)snprintf(sf->data_path, sizeof(sf->data_path), "/services/data/v%s",
	    org->api_version[0] != '\0' ? org->api_version : "62.0");
	if ((st = make_http(sf, f)) != SFP_OK)
		goto fail;
	*out = sf;
	return SFP_OK;
fail:
	sfp_sf_close(sf);
	return st;
}

/* Wait for a login started by sfp_sf_login_ahead.  A failure is kept for
 * sfp_sf_login to report, so that it is reported (and not tried again). */
static void
settle(struct sfp_sf *sf)
{
	if (!sf->ahead_running)
		return;
	(void)pthread_join(sf->ahead, NULL);
	sf->ahead_running = 0;
	sf->ahead_failed = sf->ahead_st != SFP_OK;
}

void
sfp_sf_close(struct sfp_sf *sf)
{
	if (sf == NULL)
		return;
	settle(sf);
	sfp_token_fini(&sf->tok);
	sfp_org_fini(&sf->org);
	sfp_http_free(sf->http);
	free(sf);
}

void
sfp_sf_set_timeouts(struct sfp_sf *sf, long connect_ms, long total_ms, int max_retries)
{
	sf->connect_ms = connect_ms;
	sf->total_ms = total_ms;
	sf->max_retries = max_retries;
	settle(sf);
	if (sf->http != NULL) {
		struct sfp_fail ignore;
		sfp_http_free(sf->http);
		sf->http = NULL;
		(void)make_http(sf, &ignore);
	}
}

void
sfp_sf_set_dry_run(struct sfp_sf *sf, sfp_sf_dry_run_fn fn, void *ctx)
{
	sf->dry_run = fn;
	sf->dry_ctx = ctx;
}

const char *
sfp_sf_instance_url(struct sfp_sf *sf)
{
	settle(sf);
	return sf->logged_in ? sf->tok.instance_url : sf->org.instance_url;
}

void
sfp_sf_user_id(struct sfp_sf *sf, char out[19])
{
	const char *slash, *why;

	out[0] = '\0';
	if (!sf->logged_in || (slash = strrchr(sf->tok.id, '/')) == NULL ||
	    sfp_sfid_check(slash + 1, strlen(slash + 1), "005", out, &why) != 0)
		out[0] = '\0';
}

const char *
sfp_sf_api_version(const struct sfp_sf *sf)
{
	return sf->org.api_version;
}

const char *
sfp_sf_data_path(const struct sfp_sf *sf)
{
	return sf->data_path;
}

void
sfp_sf_usage(const struct sfp_sf *sf, long *used, long *max)
{
	*used = sf->api_used;
	*max = sf->api_max;
}

unsigned long
sfp_sf_requests_sent(struct sfp_sf *sf)
{
	settle(sf);
	return sf->sent;
}

static enum sfp_status login_now(struct sfp_sf *sf, struct sfp_fail *f);

static void *
login_thread(void *arg)
{
	struct sfp_sf *sf = arg;

	sfp_fail_clear(&sf->ahead_fail);
	sf->ahead_st = login_now(sf, &sf->ahead_fail);
	return NULL;
}

void
sfp_sf_login_ahead(struct sfp_sf *sf)
{
	if (sf == NULL || sf->logged_in || sf->ahead_running || sf->ahead_failed ||
	    sf->dry_run != NULL)
		return;
	if (pthread_create(&sf->ahead, NULL, login_thread, sf) == 0)
		sf->ahead_running = 1;  /* else the first request logs in, as before */
}

enum sfp_status
sfp_sf_login(struct sfp_sf *sf, struct sfp_fail *f)
{
	settle(sf);
	if (sf->ahead_failed) {
		sf->ahead_failed = 0;
		*f = sf->ahead_fail;
		return sf->ahead_st;
	}
	return login_now(sf, f);
}

static enum sfp_status
login_now(struct sfp_sf *sf, struct sfp_fail *f)
{
	enum sfp_status st;

	if (sf->logged_in)
		return SFP_OK;
	if (sf->http == NULL && (st = make_http(sf, f)) != SFP_OK)
		return st;
	if (sf->org.flow != SFP_FLOW_TOKEN)
		sf->sent++;          /* at most one token request (none on a cache hit) */
	st = sfp_auth_get(sf->http, &sf->org, &sf->tok, f);
	if (st != SFP_OK)
		return st;
	if (sf->tok.from_cache && sf->org.flow != SFP_FLOW_TOKEN)
		sf->sent--;
	sf->logged_in = 1;
	return SFP_OK;
}

static enum sfp_status
renew(struct sfp_sf *sf, struct sfp_fail *f)
{
	struct sfp_token fresh;
	enum sfp_status st;

	sf->sent++;
	st = sfp_auth_renew(sf->http, &sf->org, &sf->tok, &fresh, f);
	if (st != SFP_OK)
		return st;
	if (fresh.from_cache)
		sf->sent--;
	sfp_token_fini(&sf->tok);
	sf->tok = fresh;
	sf->logged_in = 1;
	return SFP_OK;
}

/* ---- errors ---- */

enum sfp_status
sfp_sf_status_for_code(long http_status, const char *code, const char *message)
{
	(void)message;
	if (code != NULL) {
		if (strcmp(code, "INVALID_SESSION_ID") == 0)
			return SFP_E_AUTH;
		if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0 ||
		    strcmp(code, "UNABLE_TO_LOCK_ROW") == 0 ||
		    strcmp(code, "SERVER_UNAVAILABLE") == 0 ||
		    strcmp(code, "OUTCOME_UNKNOWN") == 0)
			return SFP_E_TEMP;
	}
	if (http_status >= 500 || http_status == 429)
		return SFP_E_TEMP;
	if (http_status == 401 || http_status == 403)
		return SFP_E_AUTH;
	return SFP_E_ITEM;
}

static void
append(char *dst, size_t cap, const char *sep, const char *s)
{
	size_t n = strlen(dst);

	if (s == NULL || s[0] == '\0' || n + 1 >= cap)
		return;
	(void)snprintf(dst + n, cap - n, "%s%s", n > 0 ? sep : "", s);
}

enum sfp_status
sfp_sf_fail_from(long http_status, const cJSON *json, const char *body, size_t body_len,
    struct sfp_fail *f)
{
	cJSON *parsed = NULL;
	const cJSON *arr, *e, *c, *m, *fl, *x;
	char code[64] = "", msg[512] = "", fields[256] = "";
	enum sfp_status st;

	if (json == NULL && body != NULL && body_len > 0)
		json = parsed = cJSON_ParseWithLength(body, body_len);
	arr = json;
	if (cJSON_IsObject(json) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(json, "errors")))
		arr = cJSON_GetObjectItemCaseSensitive(json, "errors");
	if (cJSON_IsObject(arr) && cJSON_GetObjectItemCaseSensitive(arr, "error") != NULL) {
		/* An OAuth envelope. */
		c = cJSON_GetObjectItemCaseSensitive(arr, "error");
		m = cJSON_GetObjectItemCaseSensitive(arr, "error_description");
		if (cJSON_IsString(c))
			(void)snprintf(code, sizeof(code), "%s", c->valuestring);
		if (cJSON_IsString(m))
			(void)snprintf(msg, sizeof(msg), "%s", m->valuestring);
	} else if (cJSON_IsArray(arr) || cJSON_IsObject(arr)) {
		cJSON_ArrayForEach(e, arr) {
			if (cJSON_IsObject(arr))
				e = arr;       /* a single error object */
			c = cJSON_GetObjectItemCaseSensitive(e, "errorCode");
			if (!cJSON_IsString(c))
				c = cJSON_GetObjectItemCaseSensitive(e, "statusCode");
			m = cJSON_GetObjectItemCaseSensitive(e, "message");
			fl = cJSON_GetObjectItemCaseSensitive(e, "fields");
			if (code[0] == '\0' && cJSON_IsString(c))
				(void)snprintf(code, sizeof(code), "%s", c->valuestring);
			if (cJSON_IsString(m))
				append(msg, sizeof(msg), "; ", m->valuestring);
			cJSON_ArrayForEach(x, fl)
				if (cJSON_IsString(x))
					append(fields, sizeof(fields), ",", x->valuestring);
			if (cJSON_IsObject(arr))
				break;
		}
	}
	if (code[0] == '\0') {
		char excerpt[121];
		size_t n = body != NULL ? body_len : 0;
		if (n > sizeof(excerpt) - 1)
			n = sizeof(excerpt) - 1;
		if (n > 0)
			memcpy(excerpt, body, n);
		excerpt[n] = '\0';
		(void)snprintf(code, sizeof(code), "HTTP_%ld", http_status);
		if (msg[0] == '\0')
			(void)snprintf(msg, sizeof(msg), "http %ld%s%s", http_status,
			    n > 0 ? ": " : "", excerpt);
	}
	if (http_status == 503 && strncmp(code, "HTTP_", 5) == 0)
		(void)snprintf(code, sizeof(code), "SERVER_UNAVAILABLE");
	st = sfp_sf_status_for_code(http_status, code, msg);
	(void)sfp_fail_set(f, st, code, NULL, "%s", msg[0] != '\0' ? msg : code);
	if (f != NULL)
		(void)snprintf(f->fields, sizeof(f->fields), "%s", fields);
	cJSON_Delete(parsed);
	return st;
}

/* ---- requests ---- */

void
sfp_sf_resp_init(struct sfp_sf_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->api_used = r->api_max = -1;
}

void
sfp_sf_resp_fini(struct sfp_sf_resp *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->json);
	free(r->body);
	sfp_sf_resp_init(r);
}

static void
prepared_fini(struct prepared *p)
{
	sodium_memzero(p->auth, sizeof(p->auth));
	free(p->json_txt);
	p->json_txt = NULL;
}

/* Build URL and headers for req (the token is put in when sending). */
/*
 * REST resources that exist only from an API version on.  Asked for at an
 * older version, Salesforce answers 404 NOT_FOUND, which would read as a
 * missing record; such a request is refused here, naming the version needed.
 * Sources: Composite Graph "is available in REST API version 50.0 and later"
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_graph.htm),
 * sObject Collections from 42.0
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm),
 * Bulk API 2.0 from 41.0
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/asynch_api_intro.htm).
 */
static const struct {
	const char *path;
	int since;
} resource_since[] = {
	{ "composite/graph", 50 },
	{ "composite/sobjects", 42 },
	{ "jobs/ingest", 41 },
};

int
sfp_sf_resource_since(const char *path)
{
	size_t i, n;

	if (path == NULL)
		return 0;
	if (strncmp(path, "/services/data/", 15) == 0 && (path = strchr(path + 15, '/')) != NULL)
		path++;
	for (i = 0; path != NULL && i < sizeof(resource_since) / sizeof(resource_since[0]); i++) {
		n = strlen(resource_since[i].path);
		if (strncmp(path, resource_since[i].path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/' || path[n] == '?'))
			return resource_since[i].since;
	}
	return 0;
}

const struct sfp_org *
sfp_sf_org(const struct sfp_sf *sf)
{
	return &sf->org;
}

int
sfp_sf_is_dry_run(const struct sfp_sf *sf)
{
	return sf->dry_run != NULL;
}

int
sfp_sf_api_at_least(const struct sfp_sf *sf, int major)
{
	return strtol(sf->org.api_version, NULL, 10) >= major;
}

static enum sfp_status
prepare(struct sfp_sf *sf, const struct sfp_sf_req *req, struct prepared *p, struct sfp_fail *f)
{
	const char *base = sfp_sf_instance_url(sf);
	size_t nh = 0, i;
	int w;

	memset(p, 0, sizeof(*p));
	if (req->method == NULL || req->path == NULL)
		return sfp_fail_set(f, SFP_E_INTERNAL, "bad-request", NULL, "request without path");
	if (strstr(req->path, "://") != NULL || strncmp(req->path, "//", 2) == 0)
		return sfp_fail_set(f, SFP_E_INPUT, "host-refused", req->path,
		    "a request path may not name a host");
	{
		int since = sfp_sf_resource_since(req->path);
		if (since > 0 && !sfp_sf_api_at_least(sf, since))
			return sfp_fail_set(f, SFP_E_INPUT, "not-in-api-version", "SF_API_VERSION",
			    "%.60s needs api version %d.0 or later; SF_API_VERSION is %s",
			    req->path, since, sf->org.api_version);
	}
	if (req->path[0] == '/')
		w = snprintf(p->url, sizeof(p->url), "%s%s", base, req->path);
	else
		w = snprintf(p->url, sizeof(p->url), "%s%s/%s", base, sf->data_path, req->path);
	if (w < 0 || (size_t)w >= sizeof(p->url))
		return sfp_fail_set(f, SFP_E_INPUT, "too-long", NULL, "request url too long");
	p->body = req->body;
	p->body_len = req->body != NULL ? strlen(req->body) : 0;
	if (p->body == NULL && req->json != NULL) {
		p->json_txt = cJSON_PrintUnformatted(req->json);
		if (p->json_txt == NULL)
			return sfp_fail_oom(f, NULL);
		p->body = p->json_txt;
		p->body_len = strlen(p->json_txt);
	}
	p->hdrs[nh++] = p->auth;
	(void)snprintf(p->accept, sizeof(p->accept), "Accept: %s",
	    req->accept != NULL ? req->accept : "application/json");
	p->hdrs[nh++] = p->accept;
	if (p->body != NULL) {
		(void)snprintf(p->ctype, sizeof(p->ctype), "Content-Type: %s",
		    req->content_type != NULL ? req->content_type : "application/json");
		p->hdrs[nh++] = p->ctype;
	}
	for (i = 0; req->headers != NULL && req->headers[i] != NULL && nh < MAX_HEADERS; i++) {
		if (strncasecmp(req->headers[i], "Authorization:", 14) == 0)
			continue;     /* only the session sets it */
		p->hdrs[nh++] = req->headers[i];
	}
	p->hdrs[nh] = NULL;
	return SFP_OK;
}

static enum sfp_status
set_auth(struct sfp_sf *sf, struct prepared *p, struct sfp_fail *f)
{
	int w;

	w = snprintf(p->auth, sizeof(p->auth), "Authorization: Bearer %s",
	    sf->tok.access_token != NULL ? (const char *)sf->tok.access_token->bytes : "");
	if (w < 0 || (size_t)w >= sizeof(p->auth))
		return sfp_fail_set(f, SFP_E_AUTH, "bad-token", "auth", "access token too long");
	return SFP_OK;
}

/* Rebase the URL on the (possibly new) instance after login. */
static enum sfp_status
rebase(struct sfp_sf *sf, const struct sfp_sf_req *req, struct prepared *p, struct sfp_fail *f)
{
	int w;

	if (req->path[0] == '/')
		w = snprintf(p->url, sizeof(p->url), "%s%s", sf->tok.instance_url, req->path);
	else
		w = snprintf(p->url, sizeof(p->url), "%s%s/%s", sf->tok.instance_url, sf->data_path,
		    req->path);
	if (w < 0 || (size_t)w >= sizeof(p->url))
		return sfp_fail_set(f, SFP_E_INPUT, "too-long", NULL, "request url too long");
	return SFP_OK;
}

static void
to_http_req(const struct sfp_sf_req *req, const struct prepared *p, struct sfp_http_req *h)
{
	memset(h, 0, sizeof(*h));
	h->method = req->method;
	h->url = p->url;
	h->headers = p->hdrs;
	h->body = p->body;
	h->body_len = p->body_len;
	h->idempotent = req->idempotent;
}

static int
is_session_refused(const struct sfp_http_resp *hr)
{
	return hr->status == 401;
}

/* Move what arrived into resp and classify it. */
static enum sfp_status
take_response(struct sfp_sf *sf, const struct sfp_sf_req *req, struct sfp_http_resp *hr,
    struct sfp_sf_resp *resp, struct sfp_fail *f)
{
	resp->status = hr->status;
	resp->body = hr->body;
	resp->body_len = hr->body_len;
	hr->body = NULL;
	(void)snprintf(resp->last_modified, sizeof(resp->last_modified), "%s", hr->last_modified);
	(void)snprintf(resp->etag, sizeof(resp->etag), "%s", hr->etag);
	(void)snprintf(resp->location, sizeof(resp->location), "%s", hr->location);
	resp->api_used = hr->api_used;
	resp->api_max = hr->api_max;
	if (hr->api_used >= 0) {
		sf->api_used = hr->api_used;
		sf->api_max = hr->api_max;
	}
	if (!req->raw && resp->body != NULL && resp->body_len > 0) {
		const char *b = resp->body;
		while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
			b++;
		if (*b == '{' || *b == '[')
			resp->json = cJSON_ParseWithLength(resp->body, resp->body_len);
	}
	if ((resp->status >= 200 && resp->status < 300) || resp->status == 304)
		return SFP_OK;
	if (resp->status == 300)
		return sfp_fail_set(f, SFP_E_ITEM, "MULTIPLE_CHOICES", NULL,
		    "the external id matches several records");
	if (resp->status > 300 && resp->status < 400)
		return sfp_http_redirect_refused(resp->status, resp->location, f);
	return sfp_sf_fail_from(resp->status, resp->json, resp->body, resp->body_len, f);
}

enum sfp_status
sfp_sf_request(struct sfp_sf *sf, const struct sfp_sf_req *req, struct sfp_sf_resp *resp,
    struct sfp_fail *f)
{
	struct prepared p;
	struct sfp_http_req hreq;
	struct sfp_http_resp hr;
	enum sfp_status st;
	int tries;

	sfp_sf_resp_fini(resp);
	if ((st = prepare(sf, req, &p, f)) != SFP_OK)
		goto out;
	if (sf->dry_run != NULL) {
		sf->dry_run(sf->dry_ctx, req->method, p.url, p.body);
		goto out;
	}
	if ((st = sfp_sf_login(sf, f)) != SFP_OK || (st = rebase(sf, req, &p, f)) != SFP_OK)
		goto out;
	sfp_http_resp_init(&hr);
	for (tries = 0; tries < 2; tries++) {
		if ((st = set_auth(sf, &p, f)) != SFP_OK)
			break;
		to_http_req(req, &p, &hreq);
		sf->sent += 1;
		st = sfp_http_do(sf->http, &hreq, &hr, f);
		if (hr.attempts > 1)
			sf->sent += (unsigned long)(hr.attempts - 1);
		if (st != SFP_OK)
			break;
		if (!is_session_refused(&hr) || tries == 1 || sf->org.flow == SFP_FLOW_TOKEN)
			break;
		/* One re-authentication, then one replay. */
		if ((st = renew(sf, f)) != SFP_OK || (st = rebase(sf, req, &p, f)) != SFP_OK)
			break;
	}
	if (st == SFP_OK)
		st = take_response(sf, req, &hr, resp, f);
	if (st == SFP_E_AUTH && resp->status == 401 && sf->org.flow == SFP_FLOW_TOKEN && f != NULL)
		(void)sfp_fail_set(f, SFP_E_AUTH, f->code, "auth",
		    "access token: %.300s (the given SF_ACCESS_TOKEN is expired or revoked)", f->message);
	sfp_http_resp_fini(&hr);
out:
	prepared_fini(&p);
	return st;
}

enum sfp_status
sfp_sf_request_many(struct sfp_sf *sf, const struct sfp_sf_req *reqs, struct sfp_sf_resp *resps,
    struct sfp_fail *fails, enum sfp_status *sts, size_t n, size_t parallel)
{
	struct prepared *ps = NULL;
	struct sfp_http_req *hreqs = NULL;
	struct sfp_http_resp *hrs = NULL;
	size_t *idx = NULL, i, k, m;
	enum sfp_status st = SFP_OK;
	int round;

	if (n == 0)
		return SFP_OK;
	ps = calloc(n, sizeof(*ps));
	hreqs = calloc(n, sizeof(*hreqs));
	hrs = calloc(n, sizeof(*hrs));
	idx = calloc(n, sizeof(*idx));
	if (ps == NULL || hreqs == NULL || hrs == NULL || idx == NULL) {
		st = sfp_fail_oom(&fails[0], NULL);
		goto out;
	}
	for (i = 0; i < n; i++) {
		sfp_sf_resp_fini(&resps[i]);
		sfp_fail_clear(&fails[i]);
		sfp_http_resp_init(&hrs[i]);
		sts[i] = prepare(sf, &reqs[i], &ps[i], &fails[i]);
	}
	if (sf->dry_run != NULL) {
		for (i = 0; i < n; i++)
			if (sts[i] == SFP_OK)
				sf->dry_run(sf->dry_ctx, reqs[i].method, ps[i].url, ps[i].body);
		goto out;
	}
	if ((st = sfp_sf_login(sf, &fails[0])) != SFP_OK)
		goto out;
	/* Round 0: everything; round 1: what came back 401, after one renewal. */
	for (m = 0, i = 0; i < n; i++)
		if (sts[i] == SFP_OK)
			idx[m++] = i;
	for (round = 0; round < 2 && m > 0; round++) {
		struct sfp_http_req *batch = hreqs;
		struct sfp_http_resp *bresp = hrs;
		struct sfp_fail *bfail = calloc(m, sizeof(*bfail));
		enum sfp_status *bst = calloc(m, sizeof(*bst));
		struct sfp_http_resp *tmp = calloc(m, sizeof(*tmp));
		size_t again = 0;

		if (bfail == NULL || bst == NULL || tmp == NULL) {
			free(bfail);
			free(bst);
			free(tmp);
			st = sfp_fail_oom(&fails[0], NULL);
			goto out;
		}
		for (k = 0; k < m; k++) {
			i = idx[k];
			if ((sts[i] = rebase(sf, &reqs[i], &ps[i], &fails[i])) == SFP_OK)
				sts[i] = set_auth(sf, &ps[i], &fails[i]);
			to_http_req(&reqs[i], &ps[i], &batch[k]);
			sfp_http_resp_init(&tmp[k]);
		}
		st = sfp_http_do_many(sf->http, batch, tmp, bfail, bst, m, parallel);
		for (k = 0; k < m; k++) {
			i = idx[k];
			sf->sent += (unsigned long)(tmp[k].attempts > 0 ? tmp[k].attempts : 0);
			sfp_http_resp_fini(&bresp[i]);
			bresp[i] = tmp[k];
			fails[i] = bfail[k];
			sts[i] = bst[k];
			if (st == SFP_OK && sts[i] == SFP_OK && round == 0 &&
			    is_session_refused(&bresp[i]) && sf->org.flow != SFP_FLOW_TOKEN)
				idx[again++] = i;
		}
		free(bfail);
		free(bst);
		free(tmp);
		if (st != SFP_OK)
			goto out;
		m = again;
		if (m > 0 && round == 0 && (st = renew(sf, &fails[0])) != SFP_OK)
			goto out;
	}
	for (i = 0; i < n; i++)
		if (sts[i] == SFP_OK)
			sts[i] = take_response(sf, &reqs[i], &hrs[i], &resps[i], &fails[i]);
out:
	if (ps != NULL)
		for (i = 0; i < n; i++)
			prepared_fini(&ps[i]);
	if (hrs != NULL)
		for (i = 0; i < n; i++)
			sfp_http_resp_fini(&hrs[i]);
	free(ps);
	free(hreqs);
	free(hrs);
	free(idx);
	return st;
}

/* ---- SOQL ---- */

enum sfp_status
sfp_sf_query(struct sfp_sf *sf, const char *soql, size_t max_records, cJSON **records,
    struct sfp_fail *f)
{
	char *esc, *path = NULL;
	size_t plen;
	cJSON *all;
	struct sfp_sf_req req;
	struct sfp_sf_resp resp;
	enum sfp_status st = SFP_OK;
	CURL *c;

	*records = NULL;
	all = cJSON_CreateArray();
	c = curl_easy_init();
	esc = c != NULL ? curl_easy_escape(c, soql, 0) : NULL;
	if (all == NULL || esc == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	plen = strlen(esc) + 16;
	if ((path = malloc(plen)) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	(void)snprintf(path, plen, "query?q=%s", esc);
	sfp_sf_resp_init(&resp);
	for (;;) {
		const cJSON *recs, *r, *next, *done;
		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.path = path;
		if ((st = sfp_sf_request(sf, &req, &resp, f)) != SFP_OK)
			break;
		if (sf->dry_run != NULL)
			break;
		recs = cJSON_GetObjectItemCaseSensitive(resp.json, "records");
		if (!cJSON_IsArray(recs)) {
			st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", "query",
			    "query answered without records");
			break;
		}
		cJSON_ArrayForEach(r, recs) {
			cJSON *dup = cJSON_Duplicate(r, 1);
			if (dup == NULL || !cJSON_AddItemToArray(all, dup)) {
				cJSON_Delete(dup);
				st = sfp_fail_oom(f, NULL);
				break;
			}
		}
		if (st != SFP_OK)
			break;
		if (max_records > 0 && (size_t)cJSON_GetArraySize(all) > max_records) {
			st = sfp_fail_set(f, SFP_E_INPUT, "too-many-records", "query",
			    "more than %zu records", max_records);
			break;
		}
		done = cJSON_GetObjectItemCaseSensitive(resp.json, "done");
		next = cJSON_GetObjectItemCaseSensitive(resp.json, "nextRecordsUrl");
		if (cJSON_IsTrue(done) || !cJSON_IsString(next) || next->valuestring[0] != '/')
			break;
		free(path);
		if ((path = malloc(strlen(next->valuestring) + 1)) == NULL) {
			st = sfp_fail_oom(f, NULL);
			break;
		}
		memcpy(path, next->valuestring, strlen(next->valuestring) + 1);
	}
	sfp_sf_resp_fini(&resp);
out:
	if (esc != NULL)
		curl_free(esc);
	if (c != NULL)
		curl_easy_cleanup(c);
	free(path);
	if (st == SFP_OK)
		*records = all;
	else
		cJSON_Delete(all);
	return st;
}
