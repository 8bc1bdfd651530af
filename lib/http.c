/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "clock.h"
#include "file.h"
#include "http.h"

#define DEFAULT_MAX_BODY (64u * 1024u * 1024u)
#define MAX_PARALLEL 16

/*
 * The domains an API client of Salesforce talks to; any host equal to one of
 * these or ending in "." + one of these is allowed.  Sources: Salesforce's
 * "Allow the Required Domains" list
 * (https://help.salesforce.com/s/articleView?id=000003652&type=1) and its
 * "My Domain URL Formats"
 * (https://help.salesforce.com/s/articleView?id=xcloud.domain_name_app_url_changes.htm&type=5):
 *   salesforce.com      login, test, My Domains (*.my.salesforce.com, sandbox,
 *                       scratch, develop ...), instances (na1.salesforce.com)
 *   salesforce.mil      Government Cloud Plus My Domains (*.my.salesforce.mil)
 *   cloudforce.com      the older My Domain suffix
 *   force.com           legacy site and instance hosts (*.force.com)
 *   my.site.com, siteforce.com, salesforce-sites.com, salesforce-experience.com:
 *                       Experience Cloud and Salesforce Sites hosts
 * UI-only domains (visualforce.com, salesforce-setup.com, lightning.com,
 * crmforce.mil) serve no API and stay out.  A site on the customer's own
 * domain is none of these: the operator names it for that org (the org file's
 * "siteHost", passed as opts->site_host), and only that handle may contact it.
 */
static const char *const allowed_suffixes[] = {
	"salesforce.com", "salesforce.mil", "cloudforce.com", "force.com", "siteforce.com",
	"my.site.com", "salesforce-sites.com", "salesforce-experience.com", NULL
};

struct sfp_http {
	CURL *easy;
	CURLSH *share;
	struct curl_slist *resolve;
	char *ca_file;
	char *user_agent;
	char *site_host;      /* the org's own site host (opts->site_host), or NULL */
	long connect_timeout_ms, timeout_ms, backoff_base_ms, backoff_max_ms;
	int max_retries;
	long api_used, api_max;
};

/* One request in flight: what it needs while curl runs it. */
struct xfer {
	const struct sfp_http_req *req;
	struct sfp_http_resp *resp;
	struct curl_slist *hdrs;
	size_t max_body;
	size_t cap;
	int overflow;
	int attempt;          /* attempts made so far */
	long long due_ms;     /* when the next attempt may start (multi) */
	int done;
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- allowlist ---- */

int
sfp_http_host_name_ok(const char *host)
{
	size_t hl, i;

	if (host == NULL || host[0] == '\0')
		return 0;
	hl = strlen(host);
	if (hl > 253 || host[0] == '.' || host[hl - 1] == '.')   /* a trailing dot would dodge suffix checks */
		return 0;
	for (i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)host[i];
		if (!(isalnum(c) || c == '-' || c == '.'))
			return 0;
	}
	return strchr(host, '.') != NULL;
}

int
sfp_http_host_allowed(const char *host)
{
	size_t hl, sl, i;

	if (!sfp_http_host_name_ok(host))
		return 0;
	hl = strlen(host);
	for (i = 0; allowed_suffixes[i] != NULL; i++) {
		sl = strlen(allowed_suffixes[i]);
		if (hl == sl && strcasecmp(host, allowed_suffixes[i]) == 0)
			return 1;
		if (hl > sl + 1 && host[hl - sl - 1] == '.' &&
		    strcasecmp(host + hl - sl, allowed_suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

/* 1 when host is the org's own site host (site may be NULL or ""). */
static int
is_site_host(const char *host, const char *site)
{
	return site != NULL && site[0] != '\0' && host != NULL && strcasecmp(host, site) == 0 &&
	    sfp_http_host_name_ok(site);
}

enum sfp_status
sfp_http_check_url(const char *url, struct sfp_fail *f)
{
	return sfp_http_check_url_site(url, NULL, f);
}

enum sfp_status
sfp_http_check_url_site(const char *url, const char *site_host, struct sfp_fail *f)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *user = NULL, *port = NULL;
	enum sfp_status st = SFP_OK;

	if (url == NULL || url[0] == '\0')
		return sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL, "empty url");
	if (strncasecmp(url, "https://", 8) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL,
		    "refused: only https:// urls are allowed");
	u = curl_url();
	if (u == NULL)
		return sfp_fail_oom(f, NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL, "refused: malformed url");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcasecmp(scheme, "https") != 0) {
		st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL,
		    "refused: only https:// urls are allowed");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL,
		    "refused: credentials in a url");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (!sfp_http_host_allowed(host) && !is_site_host(host, site_host))) {
		st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL,
		    "refused host %.200s: not a salesforce host", host != NULL ? host : "(none)");
		goto out;
	}
	/* Salesforce serves its APIs on 443 only; another port can only be a
	 * mistake or somebody else's server.  The emulator's port is allowed in
	 * test mode, where the test CA is the only one trusted. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && strcmp(port, "443") != 0 &&
	    !sfp_http_test_mode()) {
		st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL,
		    "refused port %.20s: salesforce is reached on 443 only", port);
		goto out;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(port);
	curl_url_cleanup(u);
	return st;
}

/* ---- small helpers ---- */

int
sfp_http_parse_limit_info(const char *value, long *used, long *max)
{
	const char *p;
	char *end;
	long u, m;

	if (value == NULL || (p = strstr(value, "api-usage=")) == NULL)
		return 0;
	if (p != value && p[-1] != ' ' && p[-1] != ',' && p[-1] != ';')
		return 0;                /* "per-app-api-usage=" is not ours */
	p += strlen("api-usage=");
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	u = strtol(p, &end, 10);
	if (errno != 0 || *end != '/' || !isdigit((unsigned char)end[1]))
		return 0;
	m = strtol(end + 1, &end, 10);
	if (errno != 0)
		return 0;
	*used = u;
	*max = m;
	return 1;
}

long
sfp_http_backoff_ms(int attempt, long base_ms, long max_ms, long retry_after_s)
{
	long ceil_ms;
	int i;

	if (max_ms < 0)
		max_ms = 0;
	if (retry_after_s >= 0) {
		if (retry_after_s > max_ms / 1000)
			return max_ms;
		return retry_after_s * 1000;
	}
	ceil_ms = base_ms > 0 ? base_ms : 1;
	for (i = 1; i < attempt && ceil_ms < max_ms; i++)
		ceil_ms *= 2;
	if (ceil_ms > max_ms)
		ceil_ms = max_ms;
	if (ceil_ms <= 0)
		return 0;
	return (long)randombytes_uniform((uint32_t)ceil_ms + 1u);
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static char *
dupstr(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Free a header list, wiping each header first: one of them is
 * "Authorization: Bearer <token>", and curl_slist_append made its own copy of
 * the caller's (wiped) string.  What libcurl copies further (the request it
 * composes, TLS records, HTTP/2 header tables) it frees unwiped; that is why
 * sfp_cli_start turns core dumps off. */
static void
headers_free_wiped(struct curl_slist *l)
{
	struct curl_slist *n;

	for (n = l; n != NULL; n = n->next)
		if (n->data != NULL)
			sodium_memzero(n->data, strlen(n->data));
	curl_slist_free_all(l);
}

/* ---- handle ---- */

void
sfp_http_opts_default(struct sfp_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 120000;
	o->max_retries = 4;
	o->backoff_base_ms = 500;
	o->backoff_max_ms = 30000;
}

/* ---- test settings ---- */

int
sfp_http_test_mode(void)
{
	const char *v = getenv(SFP_HTTP_TEST_SWITCH);

	return v != NULL && strcmp(v, "1") == 0;
}

/* 1 when addr is a loopback address (127.0.0.0/8 or ::1), the only place the
 * emulator runs. */
static int
is_loopback(const char *addr)
{
	unsigned char a4[4], a6[16];
	static const unsigned char one6[16] = { [15] = 1 };
	char in[64];
	size_t n = strlen(addr);

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof(in)) {
		memcpy(in, addr + 1, n - 2);
		in[n - 2] = '\0';
		return inet_pton(AF_INET6, in, a6) == 1 && memcmp(a6, one6, 16) == 0;
	}
	if (inet_pton(AF_INET, addr, a4) == 1)
		return a4[0] == 127;
	return inet_pton(AF_INET6, addr, a6) == 1 && memcmp(a6, one6, 16) == 0;
}

/* SF_RESOLVE: "host:port:addr[,host:port:addr...]".  Every host must be one we
 * may contact (an allowed host, or site_host) and every address a loopback one, so the setting can point a
 * Salesforce name at the local emulator and nowhere else.  Appends the entries
 * to *list when list is not NULL (validation only otherwise). */
static enum sfp_status
parse_resolve(const char *spec, const char *site_host, struct curl_slist **list,
    struct sfp_fail *f)
{
	char entry[512], host[256];
	const char *p = spec, *comma, *colon, *hp, *addr;
	size_t len, hl;
	struct curl_slist *n;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len == 0) {
			p = comma != NULL ? comma + 1 : NULL;
			continue;
		}
		if (len >= sizeof(entry))
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_RESOLVE",
			    "entry too long");
		memcpy(entry, p, len);
		entry[len] = '\0';
		colon = strchr(entry, ':');
		if (colon == NULL || strchr(colon + 1, ':') == NULL)
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_RESOLVE",
			    "expected host:port:address, got %.100s", entry);
		hl = (size_t)(colon - entry);
		hp = entry;
		if (hp[0] == '+') {     /* curl's "+host" (time-out entries) */
			hp++;
			hl--;
		}
		if (hl == 0 || hl >= sizeof(host))
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_RESOLVE",
			    "bad host in %.100s", entry);
		memcpy(host, hp, hl);
		host[hl] = '\0';
		if (!sfp_http_host_allowed(host) && !is_site_host(host, site_host))
			return sfp_fail_set(f, SFP_E_INPUT, "host-refused", "SF_RESOLVE",
			    "refused host %.100s: not a salesforce host", host);
		hl = strspn(colon + 1, "0123456789");
		if (hl == 0 || hl > 5 || colon[1 + hl] != ':' || colon[2 + hl] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_RESOLVE",
			    "expected host:port:address, got %.100s", entry);
		addr = colon + 2 + hl;
		if (!is_loopback(addr))
			return sfp_fail_set(f, SFP_E_INPUT, "host-refused", "SF_RESOLVE",
			    "refused address %.60s: only a loopback address (the emulator)", addr);
		if (list != NULL) {
			if ((n = curl_slist_append(*list, entry)) == NULL)
				return sfp_fail_oom(f, NULL);
			*list = n;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return SFP_OK;
}

enum sfp_status
sfp_http_check_test_settings(const char *ca_file, const char *resolve, const char *site_host,
    struct sfp_fail *f)
{
	enum sfp_status st;
	int fd;

	if ((ca_file == NULL || ca_file[0] == '\0') && (resolve == NULL || resolve[0] == '\0'))
		return SFP_OK;
	if (!sfp_http_test_mode())
		return sfp_fail_set(f, SFP_E_INPUT, "test-setting",
		    ca_file != NULL && ca_file[0] != '\0' ? "SF_CA_FILE" : "SF_RESOLVE",
		    "a test setting, honoured only with " SFP_HTTP_TEST_SWITCH "=1 "
		    "(see sfpipe(7) TESTING)");
	if (resolve != NULL && (st = parse_resolve(resolve, site_host, NULL, f)) != SFP_OK)
		return st;
	if (ca_file == NULL || ca_file[0] == '\0')
		return SFP_OK;
	if ((fd = open(ca_file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_CA_FILE", "%.200s: %s",
		    ca_file, strerror(errno));
	st = sfp_file_check_trusted_fd(fd, ca_file, f);
	(void)close(fd);
	return st;
}

enum sfp_status
sfp_http_new(const struct sfp_http_opts *opts, struct sfp_http **out, struct sfp_fail *f)
{
	struct sfp_http_opts d;
	struct sfp_http *h;
	const char *ca, *res, *ua;
	char uabuf[64];
	enum sfp_status st;

	*out = NULL;
	if (sodium_init() < 0)
		return sfp_fail_set(f, SFP_E_INTERNAL, "sodium", NULL, "libsodium failed to initialise");
	if (opts == NULL) {
		sfp_http_opts_default(&d);
		opts = &d;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return sfp_fail_oom(f, NULL);
	h->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
	h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 120000;
	h->max_retries = opts->max_retries >= 0 ? opts->max_retries : 0;
	h->backoff_base_ms = opts->backoff_base_ms >= 0 ? opts->backoff_base_ms : 500;
	h->backoff_max_ms = opts->backoff_max_ms >= 0 ? opts->backoff_max_ms : 30000;
	h->api_used = h->api_max = -1;

	/* The trust store and name resolution change only in test mode, with
	 * files only we (or root) can write, and names only to loopback. */
	if (opts->site_host != NULL && opts->site_host[0] != '\0') {
		if (!sfp_http_host_name_ok(opts->site_host)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "siteHost",
			    "not a host name");
			goto fail;
		}
		if ((h->site_host = dupstr(opts->site_host)) == NULL)
			goto oom;
	}
	ca = opts->ca_file;
	res = opts->resolve;
	if ((st = sfp_http_check_test_settings(ca, res, h->site_host, f)) != SFP_OK)
		goto fail;
	if (ca != NULL && ca[0] != '\0' && (h->ca_file = dupstr(ca)) == NULL)
		goto oom;
	if (res != NULL && (st = parse_resolve(res, h->site_host, &h->resolve, f)) != SFP_OK)
		goto fail;
	ua = opts->user_agent;
	if (ua == NULL) {
		(void)snprintf(uabuf, sizeof(uabuf), "sfpipe/%s", SFP_VERSION);
		ua = uabuf;
	}
	if ((h->user_agent = dupstr(ua)) == NULL)
		goto oom;
	h->share = curl_share_init();
	h->easy = curl_easy_init();
	if (h->share == NULL || h->easy == NULL)
		goto oom;
	(void)curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	(void)curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	(void)curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	*out = h;
	return SFP_OK;
oom:
	st = sfp_fail_oom(f, NULL);
fail:
	sfp_http_free(h);
	return st;
}

void
sfp_http_free(struct sfp_http *h)
{
	if (h == NULL)
		return;
	if (h->easy != NULL)
		curl_easy_cleanup(h->easy);
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	curl_slist_free_all(h->resolve);
	free(h->ca_file);
	free(h->user_agent);
	free(h->site_host);
	free(h);
}

void
sfp_http_usage(const struct sfp_http *h, long *used, long *max)
{
	*used = h->api_used;
	*max = h->api_max;
}

void
sfp_http_resp_init(struct sfp_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	r->api_used = r->api_max = -1;
}

void
sfp_http_resp_fini(struct sfp_http_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	sfp_http_resp_init(r);
}

/* Forget what an earlier attempt received. */
static void
resp_reset(struct sfp_http_resp *r)
{
	int attempts = r->attempts;

	free(r->body);
	sfp_http_resp_init(r);
	r->attempts = attempts;
}

/* ---- callbacks ---- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct sfp_http_resp *r = x->resp;
	size_t n = size * nmemb, want;
	char *p;

	if (r->body_len + n > x->max_body) {
		x->overflow = 1;
		return 0;
	}
	if (r->body_len + n + 1 > x->cap) {
		want = x->cap != 0 ? x->cap : 16384;
		while (want < r->body_len + n + 1)
			want *= 2;
		p = realloc(r->body, want);
		if (p == NULL)
			return 0;
		r->body = p;
		x->cap = want;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

/* Copy a header value (trimmed) into dst. */
static void
header_value(char *dst, size_t cap, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static int
header_is(const char *line, size_t len, const char *name, const char **val, size_t *vlen)
{
	size_t nl = strlen(name);

	if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return 0;
	*val = line + nl + 1;
	*vlen = len - nl - 1;
	return 1;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct sfp_http_resp *r = x->resp;
	size_t n = size * nmemb, vlen;
	const char *v;
	char tmp[256];

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new status line (after a 100 Continue, say): start over. */
		r->content_type[0] = r->last_modified[0] = r->etag[0] = r->location[0] = '\0';
		r->retry_after_s = -1;
		return n;
	}
	if (header_is(data, n, "Content-Type", &v, &vlen))
		header_value(r->content_type, sizeof(r->content_type), v, vlen);
	else if (header_is(data, n, "Last-Modified", &v, &vlen))
		header_value(r->last_modified, sizeof(r->last_modified), v, vlen);
	else if (header_is(data, n, "ETag", &v, &vlen))
		header_value(r->etag, sizeof(r->etag), v, vlen);
	else if (header_is(data, n, "Location", &v, &vlen))
		header_value(r->location, sizeof(r->location), v, vlen);
	else if (header_is(data, n, "Retry-After", &v, &vlen)) {
		header_value(tmp, sizeof(tmp), v, vlen);
		if (tmp[0] != '\0' && strspn(tmp, "0123456789") == strlen(tmp) && strlen(tmp) < 9)
			r->retry_after_s = strtol(tmp, NULL, 10);
		else {
			time_t t = curl_getdate(tmp, NULL);
			if (t != (time_t)-1) {
				time_t now = time(NULL);
				r->retry_after_s = t > now ? (long)(t - now) : 0;
			}
		}
	} else if (header_is(data, n, "Sforce-Limit-Info", &v, &vlen)) {
		header_value(tmp, sizeof(tmp), v, vlen);
		(void)sfp_http_parse_limit_info(tmp, &r->api_used, &r->api_max);
	}
	return n;
}

/* ---- one attempt ---- */

static int
method_idempotent(const struct sfp_http_req *req)
{
	if (req->idempotent > 0)
		return 1;
	if (req->idempotent < 0)
		return 0;
	return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0 ||
	    strcmp(req->method, "PUT") == 0 || strcmp(req->method, "DELETE") == 0;
}

/* Configure easy for x; the allowlist has already been checked. */
static enum sfp_status
setup(struct sfp_http *h, CURL *easy, struct xfer *x, struct sfp_fail *f)
{
	const struct sfp_http_req *req = x->req;
	struct curl_slist *n;
	size_t i;

	curl_easy_reset(easy);
	headers_free_wiped(x->hdrs);
	x->hdrs = NULL;
	x->overflow = 0;
	x->cap = 0;
	x->errbuf[0] = '\0';
	resp_reset(x->resp);

	n = curl_slist_append(NULL, "Expect:");   /* no 100-continue round trip */
	if (n == NULL)
		goto oom;
	x->hdrs = n;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((n = curl_slist_append(x->hdrs, req->headers[i])) == NULL)
			goto oom;
		x->hdrs = n;
	}
	(void)curl_easy_setopt(easy, CURLOPT_URL, req->url);
	(void)curl_easy_setopt(easy, CURLOPT_SHARE, h->share);
	(void)curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https");
	(void)curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	(void)curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		(void)curl_easy_setopt(easy, CURLOPT_CAINFO, h->ca_file);
	if (h->resolve != NULL)
		(void)curl_easy_setopt(easy, CURLOPT_RESOLVE, h->resolve);
	(void)curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	(void)curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	(void)curl_easy_setopt(easy, CURLOPT_USERAGENT, h->user_agent);
	(void)curl_easy_setopt(easy, CURLOPT_HTTPHEADER, x->hdrs);
	(void)curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	(void)curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	(void)curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	(void)curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
	(void)curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(easy, CURLOPT_HEADERDATA, x);
	(void)curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x->errbuf);
	(void)curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (strcmp(req->method, "GET") == 0) {
		(void)curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "HEAD") == 0) {
		(void)curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(req->method, "POST") != 0)
			(void)curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
		(void)curl_easy_setopt(easy, CURLOPT_POST, 1L);
		(void)curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0));
		(void)curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
	}
	return SFP_OK;
oom:
	return sfp_fail_oom(f, NULL);
}

enum outcome { DONE, RETRY };

/* Decide what one finished attempt means: DONE with *st (and f), or RETRY with
 * *wait_ms.  Never retries a request that may have reached the server unless it
 * is idempotent. */
static enum outcome
judge(struct sfp_http *h, CURL *easy, struct xfer *x, CURLcode cc, enum sfp_status *st,
    long *wait_ms, struct sfp_fail *f)
{
	struct sfp_http_resp *r = x->resp;
	const char *host_hint = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
	curl_off_t reqsize = 0;
	int may_have_sent, retry_left = x->attempt <= h->max_retries;
	long code = 0;

	if (cc == CURLE_OK) {
		(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		r->status = code;
		if (r->api_used >= 0) {
			h->api_used = r->api_used;
			h->api_max = r->api_max;
		}
		/* A 503/429 means the request was not processed: retry when the server
		 * asks (Retry-After) or when resending is harmless anyway. */
		if ((code == 503 || code == 429) && retry_left &&
		    (r->retry_after_s >= 0 || method_idempotent(x->req))) {
			*wait_ms = sfp_http_backoff_ms(x->attempt, h->backoff_base_ms, h->backoff_max_ms,
			    r->retry_after_s);
			return RETRY;
		}
		if (r->body == NULL) {
			r->body = malloc(1);
			if (r->body == NULL) {
				*st = sfp_fail_oom(f, NULL);
				return DONE;
			}
			r->body[0] = '\0';
		}
		*st = SFP_OK;
		return DONE;
	}
	if (x->overflow) {
		*st = sfp_fail_set(f, SFP_E_INPUT, "too-large", NULL,
		    "response larger than %zu bytes", x->max_body);
		return DONE;
	}
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		*st = sfp_fail_set(f, SFP_E_INPUT, "tls", NULL,
		    "tls verification failed: %.300s", host_hint);
		return DONE;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		*st = sfp_fail_set(f, SFP_E_INPUT, "host-refused", NULL, "refused: %.300s", host_hint);
		return DONE;
	case CURLE_OUT_OF_MEMORY:
		*st = sfp_fail_oom(f, NULL);
		return DONE;
	default:
		break;
	}
	(void)curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &reqsize);
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		may_have_sent = 0;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		may_have_sent = reqsize > 0;
		break;
	default:
		may_have_sent = reqsize > 0 || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
		    cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE;
		break;
	}
	if (retry_left && (!may_have_sent || method_idempotent(x->req))) {
		*wait_ms = sfp_http_backoff_ms(x->attempt, h->backoff_base_ms, h->backoff_max_ms, -1);
		return RETRY;
	}
	if (may_have_sent && !method_idempotent(x->req)) {
		*st = sfp_fail_set(f, SFP_E_TEMP, "OUTCOME_UNKNOWN", NULL,
		    "%s sent but no complete answer (%.200s): the server may have acted",
		    x->req->method, host_hint);
		return DONE;
	}
	*st = sfp_fail_set(f, SFP_E_TEMP, cc == CURLE_OPERATION_TIMEDOUT ? "TIMEOUT" : "NETWORK",
	    NULL, "%.300s (after %d attempts)", host_hint, x->attempt);
	return DONE;
}

static enum sfp_status
precheck(const struct sfp_http *h, const struct sfp_http_req *req, struct sfp_fail *f)
{
	if (req == NULL || req->method == NULL || req->url == NULL)
		return sfp_fail_set(f, SFP_E_INTERNAL, "bad-request", NULL, "incomplete request");
	return sfp_http_check_url_site(req->url, h->site_host, f);
}

enum sfp_status
sfp_http_do(struct sfp_http *h, const struct sfp_http_req *req, struct sfp_http_resp *resp,
    struct sfp_fail *f)
{
	struct xfer x;
	enum sfp_status st;
	long wait = 0;
	CURLcode cc;

	resp_reset(resp);
	resp->attempts = 0;
	if ((st = precheck(h, req, f)) != SFP_OK)
		return st;
	memset(&x, 0, sizeof(x));
	x.req = req;
	x.resp = resp;
	x.max_body = req->max_body != 0 ? req->max_body : DEFAULT_MAX_BODY;
	for (;;) {
		if ((st = setup(h, h->easy, &x, f)) != SFP_OK)
			break;
		x.attempt++;
		resp->attempts = x.attempt;
		cc = curl_easy_perform(h->easy);
		if (judge(h, h->easy, &x, cc, &st, &wait, f) == DONE)
			break;
		sleep_ms(wait);
	}
	headers_free_wiped(x.hdrs);
	/* Detach our per-request pointers from the reused handle. */
	curl_easy_reset(h->easy);
	return st;
}

enum sfp_status
sfp_http_do_many(struct sfp_http *h, const struct sfp_http_req *reqs, struct sfp_http_resp *resps,
    struct sfp_fail *fails, enum sfp_status *sts, size_t n, size_t parallel)
{
	CURLM *multi = NULL;
	CURL *slots[MAX_PARALLEL] = { 0 };
	struct xfer *xs = NULL;
	size_t i, s, left = 0, next = 0;
	enum sfp_status st = SFP_OK;

	if (n == 0)
		return SFP_OK;
	if (parallel == 0)
		parallel = 4;
	if (parallel > MAX_PARALLEL)
		parallel = MAX_PARALLEL;
	if (parallel > n)
		parallel = n;
	xs = calloc(n, sizeof(*xs));
	multi = curl_multi_init();
	if (xs == NULL || multi == NULL)
		goto oom;
	for (s = 0; s < parallel; s++)
		if ((slots[s] = s == 0 ? h->easy : curl_easy_init()) == NULL)
			goto oom;
	for (i = 0; i < n; i++) {
		sfp_fail_clear(&fails[i]);
		resp_reset(&resps[i]);
		resps[i].attempts = 0;
		xs[i].req = &reqs[i];
		xs[i].resp = &resps[i];
		xs[i].max_body = reqs[i].max_body != 0 ? reqs[i].max_body : DEFAULT_MAX_BODY;
		sts[i] = precheck(h, &reqs[i], &fails[i]);
		if (sts[i] != SFP_OK)
			xs[i].done = 1;
		else
			left++;
	}
	{
		CURL *busy_by[MAX_PARALLEL] = { 0 };   /* slot s runs busy_by[s] != NULL */
		size_t running = 0;
		int freed;

		while (left > 0) {
			long long t = sfp_clock_ms();
			long long soonest = -1;
			int still;
			CURLMsg *m;

			/* Start what is due on free slots, in input order. */
			for (s = 0; s < parallel; s++) {
				if (busy_by[s] != NULL)
					continue;
				for (i = next; i < n; i++) {
					if (xs[i].done || xs[i].attempt < 0)
						continue;
					if (xs[i].due_ms > t) {
						if (soonest < 0 || xs[i].due_ms < soonest)
							soonest = xs[i].due_ms;
						continue;
					}
					break;
				}
				if (i >= n)
					break;
				if ((sts[i] = setup(h, slots[s], &xs[i], &fails[i])) != SFP_OK) {
					xs[i].done = 1;
					left--;
					continue;
				}
				xs[i].attempt++;
				resps[i].attempts = xs[i].attempt;
				xs[i].attempt = -xs[i].attempt;       /* negative: in flight */
				busy_by[s] = slots[s];
				if (curl_multi_add_handle(multi, slots[s]) != CURLM_OK)
					goto oom;
				running++;
				while (next < n && xs[next].done)
					next++;
			}
			if (running == 0) {
				if (soonest > t)
					sleep_ms((long)(soonest - t));
				continue;
			}
			if (curl_multi_perform(multi, &still) != CURLM_OK)
				goto oom;
			freed = 0;
			while ((m = curl_multi_info_read(multi, &still)) != NULL) {
				struct xfer *x = NULL;
				long wait = 0;

				if (m->msg != CURLMSG_DONE)
					continue;
				(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
				i = (size_t)(x - xs);
				x->attempt = -x->attempt;
				if (judge(h, m->easy_handle, x, m->data.result, &sts[i], &wait,
				    &fails[i]) == DONE) {
					x->done = 1;
					left--;
				} else {
					x->due_ms = sfp_clock_ms() + wait;
				}
				for (s = 0; s < parallel; s++)
					if (slots[s] == m->easy_handle)
						busy_by[s] = NULL;
				(void)curl_multi_remove_handle(multi, m->easy_handle);
				running--;
				freed = 1;
			}
			/* A freed slot takes the next request at once: waiting in poll
			 * first would hold it back until another transfer stirred. */
			if (running > 0 && !freed)
				(void)curl_multi_poll(multi, NULL, 0, 100, NULL);
		}
	}
	goto out;
oom:
	st = sfp_fail_set(&fails[0], SFP_E_INTERNAL, SFP_OOM, NULL, "out of memory or curl failure");
out:
	for (s = 0; s < MAX_PARALLEL; s++) {
		if (slots[s] == NULL)
			continue;
		if (multi != NULL)
			(void)curl_multi_remove_handle(multi, slots[s]);
		if (s == 0)
			curl_easy_reset(slots[s]);
		else
			curl_easy_cleanup(slots[s]);
	}
	if (multi != NULL)
		curl_multi_cleanup(multi);
	if (xs != NULL)
		for (i = 0; i < n; i++)
			headers_free_wiped(xs[i].hdrs);
	free(xs);
	return st;
}

enum sfp_status
sfp_http_redirect_refused(long status, const char *location, struct sfp_fail *f)
{
	char host[256] = "";
	CURLU *u = curl_url();
	char *hp = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &hp, 0) == CURLUE_OK)
		(void)snprintf(host, sizeof(host), "%s", hp);
	curl_free(hp);
	curl_url_cleanup(u);
	return sfp_fail_set(f, SFP_E_INPUT, "redirect", NULL,
	    "http %ld redirect to %.200s not followed", status,
	    host[0] != '\0' ? host : "(unknown host)");
}
