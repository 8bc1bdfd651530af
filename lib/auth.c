/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "auth.h"
#include "cache.h"
#include "sfid.h"
#include "stream.h"

#define JWT_LIFETIME_S 170    /* Salesforce accepts exp at most 3 minutes ahead */
#define FORM_MAX 65536

void
sfp_token_init(struct sfp_token *t)
{
	memset(t, 0, sizeof(*t));
}

void
sfp_token_fini(struct sfp_token *t)
{
	if (t == NULL)
		return;
	sfp_secret_free(t->access_token);
	sfp_token_init(t);
}

/* ---- base64url and the JWT ---- */

static enum sfp_status
b64url(const unsigned char *in, size_t len, char **out, struct sfp_fail *f)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	*out = malloc(cap);
	if (*out == NULL)
		return sfp_fail_oom(f, NULL);
	(void)sodium_bin2base64(*out, cap, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return SFP_OK;
}

static enum sfp_status
load_key(const struct sfp_org *org, EVP_PKEY **key, struct sfp_fail *f)
{
	struct sfp_secret *pem = NULL;
	enum sfp_status st;
	BIO *bio;

	*key = NULL;
	st = sfp_secret_read_checked(org->jwt_key_file, 64 * 1024, &pem, f);
	if (st != SFP_OK) {
		if (f != NULL && f->place[0] == '\0')
			sfp_fail_wrap_place(f, "SF_JWT_KEY_FILE");
		return st;
	}
	bio = BIO_new_mem_buf(pem->bytes, (int)pem->len);
	if (bio != NULL) {
		*key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	sfp_secret_free(pem);
	if (*key == NULL)
		return sfp_fail_set(f, SFP_E_INPUT, "bad-key", "SF_JWT_KEY_FILE",
		    "%.200s: not a pem private key (or protected by a passphrase)",
		    org->jwt_key_file);
	if (EVP_PKEY_get_base_id(*key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return sfp_fail_set(f, SFP_E_INPUT, "bad-key", "SF_JWT_KEY_FILE",
		    "%.200s: not an rsa key (salesforce signs jwt with rs256 only)", org->jwt_key_file);
	}
	return SFP_OK;
}

enum sfp_status
sfp_auth_jwt_assertion(const struct sfp_org *org, time_t now, struct sfp_secret **out,
    struct sfp_fail *f)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	cJSON *claims = NULL;
	char *claims_txt = NULL, *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0, inlen;
	enum sfp_status st;

	*out = NULL;
	if ((st = load_key(org, &key, f)) != SFP_OK)
		return st;
	claims = cJSON_CreateObject();
	if (claims == NULL ||
	    cJSON_AddStringToObject(claims, "iss", org->client_id) == NULL ||
	    cJSON_AddStringToObject(claims, "sub", org->username) == NULL ||
	    cJSON_AddStringToObject(claims, "aud", org->audience) == NULL ||
	    cJSON_AddNumberToObject(claims, "exp", (double)(now + JWT_LIFETIME_S)) == NULL ||
	    (claims_txt = cJSON_PrintUnformatted(claims)) == NULL)
		goto oom;
	if ((st = b64url((const unsigned char *)header, strlen(header), &h64, f)) != SFP_OK ||
	    (st = b64url((const unsigned char *)claims_txt, strlen(claims_txt), &c64, f)) != SFP_OK)
		goto out;
	inlen = strlen(h64) + 1 + strlen(c64);
	if ((input = malloc(inlen + 1)) == NULL)
		goto oom;
	(void)snprintf(input, inlen + 1, "%s.%s", h64, c64);
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, inlen) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, inlen) != 1) {
		st = sfp_fail_set(f, SFP_E_INPUT, "bad-key", "SF_JWT_KEY_FILE",
		    "signing the jwt assertion failed");
		goto out;
	}
	if ((st = b64url(sig, siglen, &s64, f)) != SFP_OK)
		goto out;
	{
		size_t total = inlen + 1 + strlen(s64);
		char *tmp = malloc(total + 1);
		if (tmp == NULL)
			goto oom;
		(void)snprintf(tmp, total + 1, "%s.%s", input, s64);
		st = sfp_secret_from_bytes(tmp, total, out, f);
		sodium_memzero(tmp, total);
		free(tmp);
	}
	goto out;
oom:
	st = sfp_fail_oom(f, NULL);
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	cJSON_Delete(claims);
	free(claims_txt);
	free(h64);
	free(c64);
	free(s64);
	free(input);
	free(sig);
	return st;
}

/* ---- OAuth errors ---- */

/* Case-insensitive substring test (strcasestr is a GNU extension). */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static const char *
hint_for(enum sfp_flow flow, const char *err, const char *desc)
{
	if (strcasecmp(err, "invalid_client_id") == 0)
		return "SF_CLIENT_ID";
	if (strcasecmp(err, "invalid_client") == 0)
		return flow == SFP_FLOW_CLIENT || flow == SFP_FLOW_REFRESH ?
		    "SF_CLIENT_ID and SF_CLIENT_SECRET_FILE" : "SF_CLIENT_ID";
	if (contains_ci(desc, "audience"))
		return "SF_AUDIENCE";
	if (contains_ci(desc, "not supported on this domain"))
		return "SF_INSTANCE_URL or SF_LOGIN_URL: this flow works only on the org's my domain";
	if (contains_ci(desc, "client credentials user"))
		return "the connected app's run-as user";
	if (contains_ci(desc, "approved"))
		return "the connected app's pre-authorized profiles for SF_USERNAME";
	if (contains_ci(desc, "expired") && flow == SFP_FLOW_JWT)
		return "the system clock";
	if (contains_ci(desc, "user") && flow == SFP_FLOW_JWT &&
	    !contains_ci(desc, "assertion"))
		return "SF_USERNAME";
	switch (flow) {
	case SFP_FLOW_JWT:
		return "SF_JWT_KEY_FILE and the certificate of the connected app";
	case SFP_FLOW_REFRESH:
		return "SF_REFRESH_TOKEN_FILE";
	case SFP_FLOW_CLIENT:
		return "SF_CLIENT_SECRET_FILE";
	default:
		return "SF_ACCESS_TOKEN";
	}
}

enum sfp_status
sfp_auth_fail_from_response(enum sfp_flow flow, long status, const char *body, size_t len,
    struct sfp_fail *f)
{
	cJSON *j = NULL;
	const cJSON *e, *d;
	const char *err = "", *desc = "";
	enum sfp_status st = SFP_E_AUTH;

	if (body != NULL && len > 0)
		j = cJSON_ParseWithLength(body, len);
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	d = cJSON_GetObjectItemCaseSensitive(j, "error_description");
	if (cJSON_IsString(e))
		err = e->valuestring;
	if (cJSON_IsString(d))
		desc = d->valuestring;
	if (status >= 500 || status == 429 || strcasecmp(err, "rate_limit_exceeded") == 0)
		st = SFP_E_TEMP;
	if (err[0] == '\0') {
		(void)sfp_fail_set(f, st, status >= 500 ? "SERVER_UNAVAILABLE" : "auth", "auth",
		    "%s: token endpoint answered http %ld without an oauth error", sfp_flow_name(flow),
		    status);
	} else {
		(void)sfp_fail_set(f, st, err, "auth", "%s: %.60s: %.200s (check %s)",
		    sfp_flow_name(flow), err, desc[0] != '\0' ? desc : "no description",
		    hint_for(flow, err, desc));
	}
	cJSON_Delete(j);
	return st;
}

/* ---- form encoding into guarded memory ---- */

struct form {
	char *buf;       /* sodium_malloc'd */
	size_t len, cap;
};

static int
form_add(struct form *fm, const char *key, const unsigned char *val, size_t vlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (fm->len + strlen(key) + 2 + vlen * 3 + 1 > fm->cap)
		return -1;
	if (fm->len > 0)
		fm->buf[fm->len++] = '&';
	memcpy(fm->buf + fm->len, key, strlen(key));
	fm->len += strlen(key);
	fm->buf[fm->len++] = '=';
	for (i = 0; i < vlen; i++) {
		unsigned char c = val[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			fm->buf[fm->len++] = (char)c;
		} else {
			fm->buf[fm->len++] = '%';
			fm->buf[fm->len++] = hex[c >> 4];
			fm->buf[fm->len++] = hex[c & 15];
		}
	}
	fm->buf[fm->len] = '\0';
	return 0;
}

static int
form_adds(struct form *fm, const char *key, const char *val)
{
	return form_add(fm, key, (const unsigned char *)val, strlen(val));
}

/* ---- the flows ---- */

/* A token response (or the cache file, which has the same shape) into out.
 * When refresh_out is not NULL and the response carries a refresh_token (the
 * connected app rotates refresh tokens), *refresh_out is a new secret holding
 * it. */
static enum sfp_status
parse_token(const struct sfp_org *org, char *body, size_t len, struct sfp_token *out,
    struct sfp_secret **refresh_out, struct sfp_fail *f)
{
	cJSON *j;
	const cJSON *at, *iu, *id, *ia, *rt;
	enum sfp_status st = SFP_OK;

	j = cJSON_ParseWithLength(body, len);
	rt = cJSON_GetObjectItemCaseSensitive(j, "refresh_token");
	if (refresh_out != NULL && cJSON_IsString(rt) && rt->valuestring[0] != '\0') {
		st = sfp_secret_from_bytes(rt->valuestring, strlen(rt->valuestring), refresh_out, f);
		sodium_memzero(rt->valuestring, strlen(rt->valuestring));
		if (st != SFP_OK)
			goto out;
	}
	at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	iu = cJSON_GetObjectItemCaseSensitive(j, "instance_url");
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	ia = cJSON_GetObjectItemCaseSensitive(j, "issued_at");
	if (!cJSON_IsString(at) || at->valuestring[0] == '\0') {
		st = sfp_fail_set(f, SFP_E_AUTH, "bad-token-response", "auth",
		    "%s: token endpoint answered without an access_token", sfp_flow_name(org->flow));
		goto out;
	}
	if (cJSON_IsString(iu) && iu->valuestring[0] != '\0') {
		if ((st = sfp_http_check_url(iu->valuestring, f)) != SFP_OK) {
			sfp_fail_wrap_place(f, "instance_url from the token endpoint");
			goto out;
		}
		(void)snprintf(out->instance_url, sizeof(out->instance_url), "%s", iu->valuestring);
	} else {
		(void)snprintf(out->instance_url, sizeof(out->instance_url), "%s", org->instance_url);
	}
	{
		size_t n = strlen(out->instance_url);
		while (n > 0 && out->instance_url[n - 1] == '/')
			out->instance_url[--n] = '\0';
	}
	if (out->instance_url[0] == '\0') {
		st = sfp_fail_set(f, SFP_E_AUTH, "bad-token-response", "auth",
		    "token endpoint gave no instance_url and SF_INSTANCE_URL is not set");
		goto out;
	}
	if (cJSON_IsString(id))
		(void)snprintf(out->id, sizeof(out->id), "%s", id->valuestring);
	if (cJSON_IsString(ia))
		out->issued_at = strtoll(ia->valuestring, NULL, 10);
	else if (cJSON_IsNumber(ia))
		out->issued_at = (long long)ia->valuedouble;
	st = sfp_secret_from_bytes(at->valuestring, strlen(at->valuestring), &out->access_token, f);
	sodium_memzero(at->valuestring, strlen(at->valuestring));
out:
	cJSON_Delete(j);
	return st;
}

static enum sfp_status
run_flow(struct sfp_http *h, const struct sfp_org *org, struct sfp_token *out,
    struct sfp_secret **refresh_out, struct sfp_fail *f)
{
	struct form fm = { NULL, 0, FORM_MAX };
	struct sfp_secret *s = NULL;
	struct sfp_http_req req;
	struct sfp_http_resp resp;
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL
	};
	enum sfp_status st = SFP_OK;
	int bad = 0;

	sfp_http_resp_init(&resp);
	fm.buf = sodium_malloc(fm.cap);
	if (fm.buf == NULL)
		return sfp_fail_oom(f, NULL);
	fm.buf[0] = '\0';
	switch (org->flow) {
	case SFP_FLOW_JWT:
		if ((st = sfp_auth_jwt_assertion(org, time(NULL), &s, f)) != SFP_OK)
			goto out;
		bad |= form_adds(&fm, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
		bad |= form_add(&fm, "assertion", s->bytes, s->len);
		break;
	case SFP_FLOW_CLIENT:
		if ((st = sfp_secret_from_file(org->client_secret_file, 0, &s, f)) != SFP_OK)
			goto out;
		bad |= form_adds(&fm, "grant_type", "client_credentials");
		bad |= form_adds(&fm, "client_id", org->client_id);
		bad |= form_add(&fm, "client_secret", s->bytes, s->len);
		break;
	case SFP_FLOW_REFRESH:
		if ((st = sfp_secret_from_file(org->refresh_token_file, 0, &s, f)) != SFP_OK)
			goto out;
		bad |= form_adds(&fm, "grant_type", "refresh_token");
		bad |= form_add(&fm, "refresh_token", s->bytes, s->len);
		bad |= form_adds(&fm, "client_id", org->client_id);
		sfp_secret_free(s);
		s = NULL;
		if (org->client_secret_file[0] != '\0') {
			if ((st = sfp_secret_from_file(org->client_secret_file, 0, &s, f)) != SFP_OK)
				goto out;
			bad |= form_add(&fm, "client_secret", s->bytes, s->len);
		}
		break;
	default:
		st = sfp_fail_set(f, SFP_E_INTERNAL, "flow", "auth", "no flow to run");
		goto out;
	}
	if (bad) {
		st = sfp_fail_set(f, SFP_E_INPUT, "too-large", "auth", "credentials too large");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = org->token_url;
	req.headers = hdrs;
	req.body = fm.buf;
	req.body_len = fm.len;
	req.idempotent = 1;      /* asking for a token twice does no harm */
	req.max_body = 1024 * 1024;
	if ((st = sfp_http_do(h, &req, &resp, f)) != SFP_OK) {
		sfp_fail_wrap_place(f, "auth");
		goto out;
	}
	if (resp.status != 200) {
		st = sfp_auth_fail_from_response(org->flow, resp.status, resp.body, resp.body_len, f);
		goto out;
	}
	st = parse_token(org, resp.body, resp.body_len, out, refresh_out, f);
out:
	if (resp.body != NULL)
		sodium_memzero(resp.body, resp.body_len);
	sfp_http_resp_fini(&resp);
	sfp_secret_free(s);
	sodium_free(fm.buf);
	return st;
}

/* ---- the cache ---- */

int
sfp_auth_cache_path(const struct sfp_org *org, char *buf, size_t n)
{
	const char *parts[6];

	parts[0] = org->token_url;
	parts[1] = org->client_id;
	parts[2] = org->username;
	parts[3] = sfp_flow_name(org->flow);
	parts[4] = org->flow == SFP_FLOW_REFRESH ? org->refresh_token_file : "";
	parts[5] = NULL;
	return sfp_cache_path(org->cache_dir, "tokens", parts, ".json", buf, n);
}

static int
cache_usable(const struct sfp_org *org)
{
	return !org->no_cache && org->cache_dir[0] != '\0' && org->flow != SFP_FLOW_TOKEN;
}

/* SFP_OK with a token, or anything else meaning "not usable": the caller runs
 * the flow.  A broken cache file is never fatal. */
static enum sfp_status
cache_load(const struct sfp_org *org, struct sfp_token *out)
{
	char path[4200];
	char *buf = NULL;
	size_t len = 0;
	struct sfp_fail ignore;
	enum sfp_status st;

	if (!cache_usable(org) || sfp_auth_cache_path(org, path, sizeof(path)) != 0)
		return SFP_E_INPUT;
	if ((st = sfp_cache_read(path, 1024 * 1024, &buf, &len, NULL, &ignore)) != SFP_OK)
		return st;
	st = parse_token(org, buf, len, out, NULL, &ignore);
	sodium_memzero(buf, len);
	free(buf);
	if (st == SFP_OK)
		out->from_cache = 1;
	return st;
}

static void
cache_store(const struct sfp_org *org, const struct sfp_token *t)
{
	char path[4200];
	char issued[32];
	cJSON *j;
	char *txt;
	struct sfp_fail ignore;

	if (!cache_usable(org) || sfp_auth_cache_path(org, path, sizeof(path)) != 0)
		return;
	(void)snprintf(issued, sizeof(issued), "%lld", t->issued_at);
	j = cJSON_CreateObject();
	if (j == NULL ||
	    cJSON_AddStringToObject(j, "access_token", (const char *)t->access_token->bytes) == NULL ||
	    cJSON_AddStringToObject(j, "instance_url", t->instance_url) == NULL ||
	    cJSON_AddStringToObject(j, "id", t->id) == NULL ||
	    cJSON_AddStringToObject(j, "issued_at", issued) == NULL) {
		cJSON_Delete(j);
		return;
	}
	txt = cJSON_PrintUnformatted(j);
	{
		cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "access_token");
		sodium_memzero(at->valuestring, strlen(at->valuestring));
	}
	cJSON_Delete(j);
	if (txt == NULL)
		return;
	/* A cache that cannot be written costs a login next time, nothing more. */
	(void)sfp_cache_write(path, txt, strlen(txt), &ignore);
	sodium_memzero(txt, strlen(txt));
	free(txt);
}

/* ---- identity binding ----
 * A token must belong to the configured org and user (org->org_id, user_id,
 * or else the username: a tenant's tenant.json "username", or SF_USERNAME (org
 * file "username") in a single-org set-up).  The token response's
 * "id" is the identity URL .../id/<orgId>/<userId>; a given access token has
 * none, so the versioned REST root is asked for its "identity" resource; a
 * username is read from the identity URL itself.  See
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm
 * and https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm
 */

/* A given access token the org does not take: the one message for it. */
static enum sfp_status
given_token_refused(struct sfp_fail *f)
{
	return sfp_fail_set(f, SFP_E_AUTH, "INVALID_SESSION_ID", "auth",
	    "access token: the org refused the given token (expired or revoked); "
	    "get a new one (check SF_ACCESS_TOKEN)");
}

/* GET url with the token; *out is the parsed JSON object (caller frees). */
static enum sfp_status
get_as(struct sfp_http *h, const struct sfp_org *org, const struct sfp_token *t,
    const char *url, cJSON **out, struct sfp_fail *f)
{
	struct sfp_http_req req;
	struct sfp_http_resp resp;
	const char *hdrs[3] = { NULL, "Accept: application/json", NULL };
	size_t cap = t->access_token->len + 32;
	char *bearer;
	enum sfp_status st;

	*out = NULL;
	if ((st = sfp_http_check_url(url, f)) != SFP_OK)
		return st;
	if ((bearer = sodium_malloc(cap)) == NULL)
		return sfp_fail_oom(f, NULL);
	(void)snprintf(bearer, cap, "Authorization: Bearer %s", (const char *)t->access_token->bytes);
	hdrs[0] = bearer;
	memset(&req, 0, sizeof(req));
	req.method = "GET", req.url = url, req.headers = hdrs, req.max_body = 256 * 1024;
	sfp_http_resp_init(&resp);
	st = sfp_http_do(h, &req, &resp, f);
	sodium_free(bearer);
	if (st == SFP_OK && resp.status == 401 && org->flow == SFP_FLOW_TOKEN)
		st = given_token_refused(f);
	else if (st == SFP_OK && resp.status > 300 && resp.status < 400)
		st = sfp_http_redirect_refused(resp.status, resp.location, f);
	else if (st == SFP_OK && resp.status != 200)
		st = sfp_fail_set(f, resp.status >= 500 ? SFP_E_TEMP : SFP_E_AUTH, "identity",
		    "auth", "the identity of the token could not be read (http %ld)", resp.status);
	if (st == SFP_OK && ((*out = cJSON_ParseWithLength(resp.body, resp.body_len)) == NULL ||
	    !cJSON_IsObject(*out))) {
		cJSON_Delete(*out);
		*out = NULL;
		st = sfp_fail_set(f, SFP_E_AUTH, "identity", "auth", "identity answer is not json");
	}
	sfp_http_resp_fini(&resp);
	return st;
}

/* Split ".../id/<org>/<user>" into its two ids (pointers into url). */
static int
split_identity(const char *url, const char **org, size_t *orglen, const char **user)
{
	const char *p = strstr(url, "/id/"), *slash;

	if (p == NULL)
		return -1;
	*org = p + 4;
	if ((slash = strchr(*org, '/')) == NULL)
		return -1;
	*orglen = (size_t)(slash - *org);
	*user = slash + 1;
	return strchr(*user, '/') != NULL ? -1 : 0;
}

/* Bound by username: a user id binds more strictly and is checked instead;
 * JWT bearer names the user itself (sub), so its token is that user's. */
static int
bound_by_username(const struct sfp_org *org)
{
	return org->username[0] != '\0' && org->user_id[0] == '\0' && org->flow != SFP_FLOW_JWT;
}

static enum sfp_status
check_identity(struct sfp_http *h, const struct sfp_org *org, const struct sfp_token *t,
    int fresh, struct sfp_fail *f)
{
	char url[1024], id[512];
	const char *oid, *uid;
	const cJSON *v;
	cJSON *j = NULL;
	size_t olen;
	enum sfp_status st;

	if (org->org_id[0] == '\0' && org->user_id[0] == '\0' && !bound_by_username(org))
		return SFP_OK;
	(void)snprintf(id, sizeof(id), "%s", t->id);
	if (id[0] == '\0') {
		if (snprintf(url, sizeof(url), "%s/services/data/v%s/", t->instance_url,
		    org->api_version) >= (int)sizeof(url))
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_INSTANCE_URL", "too long");
		if ((st = get_as(h, org, t, url, &j, f)) != SFP_OK)
			return st;
		v = cJSON_GetObjectItemCaseSensitive(j, "identity");
		if (cJSON_IsString(v))
			(void)snprintf(id, sizeof(id), "%s", v->valuestring);
		cJSON_Delete(j);
		j = NULL;
	}
	if (split_identity(id, &oid, &olen, &uid) != 0)
		return sfp_fail_set(f, SFP_E_AUTH, "identity", "auth",
		    "the org did not say whose token this is (no identity url)");
	if (org->org_id[0] != '\0' && !sfp_sfid_same_n(oid, olen, org->org_id))
		return sfp_fail_set(f, SFP_E_AUTH, "identity-mismatch", "auth",
		    "the token belongs to org %.*s, not to the configured org %s (SF_ORG_ID or orgId)",
		    (int)(olen < 18 ? olen : 18), oid, org->org_id);
	if (org->user_id[0] != '\0' && !sfp_sfid_same(uid, org->user_id))
		return sfp_fail_set(f, SFP_E_AUTH, "identity-mismatch", "auth",
		    "the token belongs to user %.18s, not to the configured user %s (SF_USER_ID or userId)",
		    uid, org->user_id);
	/* A cached token was checked when it was fetched, under a cache name that
	 * includes the username. */
	if (!bound_by_username(org) || !fresh)
		return SFP_OK;
	if ((st = get_as(h, org, t, id, &j, f)) != SFP_OK)
		return st;
	v = cJSON_GetObjectItemCaseSensitive(j, "username");
	st = cJSON_IsString(v) && strcasecmp(v->valuestring, org->username) == 0 ? SFP_OK :
	    sfp_fail_set(f, SFP_E_AUTH, "identity-mismatch", "auth",
	    "the token belongs to user %.100s, not to the configured user %s",
	    cJSON_IsString(v) ? v->valuestring : "(unknown)", org->username);
	cJSON_Delete(j);
	return st;
}

/* 1 when a and b hold the same token (either may be NULL). */
static int
same_token(const struct sfp_token *a, const struct sfp_token *b)
{
	return a != NULL && b != NULL && a->access_token != NULL && b->access_token != NULL &&
	    a->access_token->len == b->access_token->len &&
	    sodium_memcmp(a->access_token->bytes, b->access_token->bytes, a->access_token->len) == 0;
}

/* ---- refresh token rotation ---- */

/*
 * With refresh token rotation on, each refresh answers a new refresh token and
 * invalidates the one sent
 * (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm&type=5).
 * So a refresh is read, sent and replaced under an exclusive lock on the
 * refresh token file: two programs refreshing at once would otherwise both
 * send the same token, and the second, refused, would lose the org.  The file
 * is replaced by rename, so a waiter that wakes holding the lock of a file no
 * longer at the path locks the new one instead.
 */
static enum sfp_status
lock_refresh_file(const char *path, int *fd_out, struct sfp_fail *f)
{
	struct stat held, now;
	int fd, tries;

	*fd_out = -1;
	for (tries = 0; tries < 100; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1)
			return sfp_fail_set(f, SFP_E_INPUT, "secret-file", "SF_REFRESH_TOKEN_FILE",
			    "%.200s: %s", path, strerror(errno));
		while (flock(fd, LOCK_EX) == -1) {
			if (errno != EINTR) {
				int e = errno;
				(void)close(fd);
				return sfp_fail_set(f, SFP_E_IO, "lock", "SF_REFRESH_TOKEN_FILE",
				    "%.200s: cannot lock: %s", path, strerror(e));
			}
		}
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev) {
			*fd_out = fd;
			return SFP_OK;
		}
		(void)close(fd);      /* replaced while we waited: lock the new file */
	}
	return sfp_fail_set(f, SFP_E_TEMP, "lock", "SF_REFRESH_TOKEN_FILE",
	    "%.200s: replaced too often while waiting for its lock", path);
}

/* Keep the rotated refresh token for next time: the old one is dead now. */
static enum sfp_status
store_rotated(const char *path, const struct sfp_secret *rt, struct sfp_fail *f)
{
	enum sfp_status st = sfp_secret_write_file(path, rt->bytes, rt->len, 1, f);
	char why[128];

	if (st != SFP_OK) {
		(void)snprintf(why, sizeof(why), "%.100s", f != NULL ? f->message : "");
		(void)sfp_fail_set(f, SFP_E_IO, "rotated-token-lost", "SF_REFRESH_TOKEN_FILE",
		    "refresh token: the org rotated the refresh token but %.200s could not be "
		    "replaced (%.100s); authorize the connected app again", path, why);
	}
	return st;
}

/* The refresh flow under the file's lock: a token a concurrent program got
 * while we waited (in the cache and not `stale`) is taken as it is; else the
 * refresh runs and a rotated refresh token replaces the file. */
static enum sfp_status
refresh_locked(struct sfp_http *h, const struct sfp_org *org, const struct sfp_token *stale,
    struct sfp_token *out, struct sfp_fail *f)
{
	char real[PATH_MAX];
	struct sfp_secret *rotated = NULL;
	struct sfp_secret *sent = NULL;
	struct sfp_org locked;
	enum sfp_status st;
	int fd;

	/* A symlinked file is replaced at its target, so the link keeps working. */
	if (realpath(org->refresh_token_file, real) == NULL)
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", "SF_REFRESH_TOKEN_FILE",
		    "%.200s: %s", org->refresh_token_file, strerror(errno));
	if ((st = lock_refresh_file(real, &fd, f)) != SFP_OK)
		return st;
	if (cache_load(org, out) == SFP_OK && (stale == NULL || !same_token(out, stale))) {
		(void)close(fd);      /* releases the lock */
		/* a concurrent program's token: checked like any cached one */
		if ((st = check_identity(h, org, out, 0, f)) != SFP_OK)
			sfp_token_fini(out);
		return st;
	}
	sfp_token_fini(out);
	locked = *org;
	if (strlen(real) >= sizeof(locked.refresh_token_file)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "secret-file", "SF_REFRESH_TOKEN_FILE",
		    "path too long");
	}
	memcpy(locked.refresh_token_file, real, strlen(real) + 1);
	st = run_flow(h, &locked, out, &rotated, f);
	if (st == SFP_OK && rotated != NULL &&
	    sfp_secret_from_file(real, 0, &sent, f) == SFP_OK &&
	    (sent->len != rotated->len || sodium_memcmp(sent->bytes, rotated->bytes, sent->len) != 0))
		st = store_rotated(real, rotated, f);
	/* The rotated refresh token is kept above even when the identity check
	 * fails (the one sent is dead either way); the access token of another
	 * org or user is neither cached nor handed out. */
	if (st == SFP_OK)
		st = check_identity(h, org, out, 1, f);
	if (st == SFP_OK)
		cache_store(org, out);
	else
		sfp_token_fini(out);
	sfp_secret_free(sent);
	sfp_secret_free(rotated);
	(void)close(fd);
	return st;
}

/* A fresh token from the org through the configured flow, kept in the cache
 * for the next program (both the first login and a renewal end here). */
static enum sfp_status
fetch_and_cache(struct sfp_http *h, const struct sfp_org *org, const struct sfp_token *stale,
    struct sfp_token *out, struct sfp_fail *f)
{
	enum sfp_status st;

	if (org->flow == SFP_FLOW_REFRESH)
		return refresh_locked(h, org, stale, out, f);
	if ((st = run_flow(h, org, out, NULL, f)) != SFP_OK ||
	    (st = check_identity(h, org, out, 1, f)) != SFP_OK) {
		sfp_token_fini(out);
		return st;
	}
	cache_store(org, out);
	return SFP_OK;
}

enum sfp_status
sfp_auth_get(struct sfp_http *h, const struct sfp_org *org, struct sfp_token *out,
    struct sfp_fail *f)
{
	enum sfp_status st;

	sfp_token_init(out);
	if (org->flow == SFP_FLOW_TOKEN) {
		if (org->access_token == NULL)
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", "SF_ACCESS_TOKEN",
			    "no access token");
		(void)snprintf(out->instance_url, sizeof(out->instance_url), "%s", org->instance_url);
		if ((st = sfp_secret_from_bytes(org->access_token->bytes, org->access_token->len,
		    &out->access_token, f)) == SFP_OK)
			st = check_identity(h, org, out, 1, f);
		if (st != SFP_OK)
			sfp_token_fini(out);
		return st;
	}
	if (cache_load(org, out) == SFP_OK) {
		if ((st = check_identity(h, org, out, 0, f)) != SFP_OK)
			sfp_token_fini(out);
		return st;
	}
	sfp_token_fini(out);
	return fetch_and_cache(h, org, NULL, out, f);
}

enum sfp_status
sfp_auth_renew(struct sfp_http *h, const struct sfp_org *org, const struct sfp_token *stale,
    struct sfp_token *out, struct sfp_fail *f)
{
	char path[4200];
	struct sfp_fail ignore;

	sfp_token_init(out);
	if (org->flow == SFP_FLOW_TOKEN)
		return given_token_refused(f);
	if (cache_load(org, out) == SFP_OK) {
		if (stale == NULL || stale->access_token == NULL || !same_token(out, stale)) {
			/* a concurrent program already renewed it */
			enum sfp_status st = check_identity(h, org, out, 0, f);
			if (st != SFP_OK)
				sfp_token_fini(out);
			return st;
		}
		if (sfp_auth_cache_path(org, path, sizeof(path)) == 0)
			(void)sfp_cache_remove(path, &ignore);
	}
	sfp_token_fini(out);
	return fetch_and_cache(h, org, stale, out, f);
}
