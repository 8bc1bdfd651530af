/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "cache.h"
#include "file.h"
#include "http.h"
#include "org.h"
#include "sfid.h"
#include "stream.h"

/* Where each setting lives: its environment name, its camel name in an org file
 * (also the Salesforce CLI's), and its slot.  The access token is handled apart. */
enum slot {
	S_INSTANCE, S_LOGIN, S_TOKEN_URL, S_AUDIENCE, S_CLIENT_ID, S_USERNAME, S_JWT_KEY,
	S_SECRET_FILE, S_REFRESH_FILE, S_VERSION, S_CA, S_RESOLVE, S_CACHE, S_FLOW, S_ORG_ID,
	S_USER_ID
};

static const struct setting {
	const char *env, *camel;
	enum slot slot;
} settings[] = {
	{ "SF_INSTANCE_URL", "instanceUrl", S_INSTANCE },
	{ "SF_LOGIN_URL", "loginUrl", S_LOGIN },
	{ "SF_TOKEN_URL", "tokenUrl", S_TOKEN_URL },
	{ "SF_AUDIENCE", "audience", S_AUDIENCE },
	{ "SF_CLIENT_ID", "clientId", S_CLIENT_ID },
	{ "SF_USERNAME", "username", S_USERNAME },
	{ "SF_JWT_KEY_FILE", "jwtKeyFile", S_JWT_KEY },
	{ "SF_CLIENT_SECRET_FILE", "clientSecretFile", S_SECRET_FILE },
	{ "SF_REFRESH_TOKEN_FILE", "refreshTokenFile", S_REFRESH_FILE },
	{ "SF_API_VERSION", "apiVersion", S_VERSION },
	{ "SF_CA_FILE", "caFile", S_CA },
	{ "SF_RESOLVE", "resolve", S_RESOLVE },
	{ "SFPIPE_CACHE_DIR", "cacheDir", S_CACHE },
	{ "SF_AUTH_FLOW", "flow", S_FLOW },
	{ "SF_ORG_ID", "orgId", S_ORG_ID },
	{ "SF_USER_ID", "userId", S_USER_ID },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

void
sfp_org_init(struct sfp_org *o)
{
	memset(o, 0, sizeof(*o));
	(void)snprintf(o->login_url, sizeof(o->login_url), "https://login.salesforce.com");
	(void)snprintf(o->api_version, sizeof(o->api_version), "62.0");
}

void
sfp_org_fini(struct sfp_org *o)
{
	if (o == NULL)
		return;
	sfp_secret_free(o->access_token);
	o->access_token = NULL;
}

int
sfp_flow_parse(const char *s, enum sfp_flow *out)
{
	static const struct { const char *name; enum sfp_flow flow; } names[] = {
		{ "auto", SFP_FLOW_AUTO }, { "token", SFP_FLOW_TOKEN },
		{ "access_token", SFP_FLOW_TOKEN }, { "jwt", SFP_FLOW_JWT },
		{ "jwt-bearer", SFP_FLOW_JWT }, { "refresh", SFP_FLOW_REFRESH },
		{ "refresh_token", SFP_FLOW_REFRESH }, { "client", SFP_FLOW_CLIENT },
		{ "client_credentials", SFP_FLOW_CLIENT },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].flow;
			return 0;
		}
	return -1;
}

const char *
sfp_flow_name(enum sfp_flow flow)
{
	switch (flow) {
	case SFP_FLOW_TOKEN: return "access token";
	case SFP_FLOW_JWT: return "jwt bearer";
	case SFP_FLOW_REFRESH: return "refresh token";
	case SFP_FLOW_CLIENT: return "client credentials";
	default: return "auto";
	}
}

static char *
slot_buf(struct sfp_org *o, enum slot s, size_t *cap)
{
	switch (s) {
	case S_INSTANCE: *cap = sizeof(o->instance_url); return o->instance_url;
	case S_LOGIN: *cap = sizeof(o->login_url); return o->login_url;
	case S_TOKEN_URL: *cap = sizeof(o->token_url); return o->token_url;
	case S_AUDIENCE: *cap = sizeof(o->audience); return o->audience;
	case S_CLIENT_ID: *cap = sizeof(o->client_id); return o->client_id;
	case S_USERNAME: *cap = sizeof(o->username); return o->username;
	case S_JWT_KEY: *cap = sizeof(o->jwt_key_file); return o->jwt_key_file;
	case S_SECRET_FILE: *cap = sizeof(o->client_secret_file); return o->client_secret_file;
	case S_REFRESH_FILE: *cap = sizeof(o->refresh_token_file); return o->refresh_token_file;
	case S_VERSION: *cap = sizeof(o->api_version); return o->api_version;
	case S_CA: *cap = sizeof(o->ca_file); return o->ca_file;
	case S_RESOLVE: *cap = sizeof(o->resolve); return o->resolve;
	case S_CACHE: *cap = sizeof(o->cache_dir); return o->cache_dir;
	case S_ORG_ID: *cap = sizeof(o->org_id); return o->org_id;
	case S_USER_ID: *cap = sizeof(o->user_id); return o->user_id;
	default: *cap = 0; return NULL;
	}
}

/* "62", "62.0", "v62.0" -> "62.0"; anything else refused. */
static int
norm_version(const char *in, char *out, size_t cap)
{
	const char *p = in;
	char *end;
	long major, minor = 0;

	if (*p == 'v' || *p == 'V')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	major = strtol(p, &end, 10);
	if (errno != 0 || major < 20 || major > 999)
		return -1;
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		minor = strtol(end + 1, &end, 10);
		if (minor != 0)
			return -1;
	}
	if (*end != '\0')
		return -1;
	return snprintf(out, cap, "%ld.0", major) >= (int)cap ? -1 : 0;
}

static enum sfp_status
set_slot(struct sfp_org *o, const struct setting *s, const char *value, enum sfp_status bad,
    struct sfp_fail *f)
{
	size_t cap;
	char *dst;

	if (s->slot == S_FLOW) {
		if (value[0] == '\0') {
			o->flow = SFP_FLOW_AUTO;
			return SFP_OK;
		}
		if (sfp_flow_parse(value, &o->flow) != 0)
			return sfp_fail_set(f, bad, "bad-setting", s->env,
			    "unknown flow %.40s (token, jwt, refresh or client)", value);
		return SFP_OK;
	}
	if (s->slot == S_VERSION) {
		if (norm_version(value, o->api_version, sizeof(o->api_version)) != 0)
			return sfp_fail_set(f, bad, "bad-setting", s->env,
			    "expected an api version such as 62.0, got %.40s", value);
		return SFP_OK;
	}
	if ((s->slot == S_ORG_ID || s->slot == S_USER_ID) && value[0] != '\0' &&
	    !sfp_sfid_valid(value, s->slot == S_ORG_ID ? "00D" : "005"))
		return sfp_fail_set(f, bad, "bad-setting", s->env,
		    "expected a 15- or 18-character %s id, got %.40s",
		    s->slot == S_ORG_ID ? "org (00D...)" : "user (005...)", value);
	dst = slot_buf(o, s->slot, &cap);
	if (strlen(value) >= cap)
		return sfp_fail_set(f, bad, "bad-setting", s->env, "value too long");
	memcpy(dst, value, strlen(value) + 1);
	/* A URL is kept without its trailing slash, so paths join cleanly. */
	if (s->slot == S_INSTANCE || s->slot == S_LOGIN || s->slot == S_TOKEN_URL ||
	    s->slot == S_AUDIENCE) {
		size_t n = strlen(dst);
		while (n > 0 && dst[n - 1] == '/')
			dst[--n] = '\0';
	}
	return SFP_OK;
}

static int
looks_redacted(const char *tok)
{
	size_t i, stars = 0, n = strlen(tok);

	if (strstr(tok, "REDACTED") != NULL || strstr(tok, "redacted") != NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (tok[i] == '*')
			stars++;
	return n < 16 || stars * 2 >= n;
}

enum sfp_status
sfp_org_from_env(struct sfp_org *o, struct sfp_fail *f)
{
	const char *v;
	size_t i;
	enum sfp_status st;

	for (i = 0; i < NSETTINGS; i++) {
		v = getenv(settings[i].env);
		if (v == NULL || (v[0] == '\0' && settings[i].slot != S_FLOW))
			continue;
		if ((st = set_slot(o, &settings[i], v, SFP_E_INPUT, f)) != SFP_OK)
			return st;
	}
	v = getenv("SF_ACCESS_TOKEN");
	if (v != NULL && v[0] != '\0') {
		if (looks_redacted(v))
			return sfp_fail_set(f, SFP_E_INPUT, "redacted-token", "SF_ACCESS_TOKEN",
			    "the access token is redacted; get the real one with "
			    "`sf org display --verbose --json` or use another flow");
		sfp_secret_free(o->access_token);
		o->access_token = NULL;
		if ((st = sfp_secret_from_env("SF_ACCESS_TOKEN", &o->access_token, f)) != SFP_OK)
			return st;
	}
	(void)snprintf(o->source, sizeof(o->source), "environment");
	return SFP_OK;
}

/* Take the access token from an org file's member (file already checked). */
static enum sfp_status
take_token(struct sfp_org *o, const char *path, const char *tok, struct sfp_fail *f)
{
	if (looks_redacted(tok))
		return sfp_fail_set(f, SFP_E_INPUT, "redacted-token", path,
		    "the access token in this file is redacted by the salesforce cli; "
		    "write it with `sf org display --verbose --json` or use another flow");
	sfp_secret_free(o->access_token);
	o->access_token = NULL;
	return sfp_secret_from_bytes(tok, strlen(tok), &o->access_token, f);
}

/* Every member of an org file must be a setting, the token, or a comment
 * ("comment", or a name starting with "_"). */
static enum sfp_status
check_known_keys(const cJSON *obj, const char *path, struct sfp_fail *f)
{
	const cJSON *m;
	size_t i;
	int known;

	cJSON_ArrayForEach(m, obj) {
		known = strcmp(m->string, "SF_ACCESS_TOKEN") == 0 ||
		    strcmp(m->string, "accessToken") == 0 || strcmp(m->string, "comment") == 0 ||
		    m->string[0] == '_';
		for (i = 0; i < NSETTINGS && !known; i++)
			known = strcmp(m->string, settings[i].env) == 0 ||
			    strcmp(m->string, settings[i].camel) == 0;
		if (!known)
			return sfp_fail_set(f, SFP_E_INPUT, "bad-org-file", path,
			    "unknown setting \"%.60s\" (names are SF_INSTANCE_URL or instanceUrl, ...; "
			    "see sfpipe(7))", m->string);
	}
	return SFP_OK;
}

enum sfp_status
sfp_org_from_file(struct sfp_org *o, const char *path, struct sfp_fail *f)
{
	char *buf = NULL;
	size_t len = 0, i;
	cJSON *root = NULL;
	const cJSON *obj, *v;
	enum sfp_status st;
	int fd;

	/* An org file says where credentials go and, in test mode, whom to
	 * trust: whoever may write it could send them to their own server.  So it
	 * must be ours (or root's) and writable by nobody else, always, and is
	 * read through the descriptor that was checked. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "bad-org-file", path, "%s", strerror(errno));
	if ((st = sfp_file_check_trusted_fd(fd, path, f)) != SFP_OK ||
	    (st = sfp_read_fd(fd, path, 1024 * 1024, &buf, &len, f)) != SFP_OK)
		goto out;
	st = sfp_json_parse(buf, len, path, 0, &root, f);
	if (st != SFP_OK)
		goto out;
	obj = root;
	/* The Salesforce CLI wraps its answer: {"status":0,"result":{...}}. */
	v = cJSON_GetObjectItemCaseSensitive(root, "result");
	if (cJSON_IsObject(v))
		obj = v;
	if (!cJSON_IsObject(obj)) {
		st = sfp_fail_set(f, SFP_E_INPUT, "bad-org-file", path, "expected a json object");
		goto out;
	}
	/* Our own file shape is checked strictly, so a misspelt "instance_url" is
	 * an error and not a silently ignored setting; the Salesforce CLI's
	 * answer carries many other members and is taken as it is. */
	if (obj == root && (st = check_known_keys(obj, path, f)) != SFP_OK)
		goto out;
	for (i = 0; i < NSETTINGS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, settings[i].env);
		if (v == NULL)
			v = cJSON_GetObjectItemCaseSensitive(obj, settings[i].camel);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsString(v)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "bad-org-file", path,
			    "%s: expected a string", settings[i].camel);
			goto out;
		}
		if ((st = set_slot(o, &settings[i], v->valuestring, SFP_E_INPUT, f)) != SFP_OK) {
			sfp_fail_wrap_place(f, path);
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "SF_ACCESS_TOKEN");
	if (v == NULL)
		v = cJSON_GetObjectItemCaseSensitive(obj, "accessToken");
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((st = sfp_secret_check_fd(fd, path, f)) != SFP_OK)
			goto out;
		if ((st = take_token(o, path, v->valuestring, f)) != SFP_OK)
			goto out;
		/* `sf org display` prints no flow of its own: a token means the token flow. */
		if (o->flow == SFP_FLOW_AUTO)
			o->flow = SFP_FLOW_TOKEN;
		sodium_memzero(v->valuestring, strlen(v->valuestring));
	}
	(void)snprintf(o->source, sizeof(o->source), "%s", path);
out:
	(void)close(fd);
	cJSON_Delete(root);
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	return st;
}

enum sfp_status
sfp_org_set(struct sfp_org *o, const char *name, const char *value, struct sfp_fail *f)
{
	size_t i;

	if (strcmp(name, "SF_ACCESS_TOKEN") == 0)
		return sfp_fail_set(f, SFP_E_USAGE, "secret-on-argv", name,
		    "an access token is never taken from the command line; use the environment "
		    "or an org file");
	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].env, name) == 0)
			return set_slot(o, &settings[i], value, SFP_E_USAGE, f);
	return sfp_fail_set(f, SFP_E_USAGE, "bad-setting", name, "unknown setting");
}

static int
is_generic_login(const char *url)
{
	return strcasecmp(url, "https://login.salesforce.com") == 0 ||
	    strcasecmp(url, "https://test.salesforce.com") == 0;
}

static enum sfp_status
check_url(const char *what, const char *url, struct sfp_fail *f)
{
	enum sfp_status st;

	if (url[0] == '\0')
		return SFP_OK;
	if ((st = sfp_http_check_url(url, f)) != SFP_OK)
		sfp_fail_wrap_place(f, what);
	return st;
}

enum sfp_status
sfp_org_complete(struct sfp_org *o, struct sfp_fail *f)
{
	enum sfp_status st;
	const char *base;

	if (o->flow == SFP_FLOW_AUTO) {
		if (o->access_token != NULL)
			o->flow = SFP_FLOW_TOKEN;
		else if (o->jwt_key_file[0] != '\0')
			o->flow = SFP_FLOW_JWT;
		else if (o->refresh_token_file[0] != '\0')
			o->flow = SFP_FLOW_REFRESH;
		else if (o->client_secret_file[0] != '\0')
			o->flow = SFP_FLOW_CLIENT;
		else
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", NULL,
			    "no credentials: set SF_ACCESS_TOKEN, SF_JWT_KEY_FILE, "
			    "SF_REFRESH_TOKEN_FILE or SF_CLIENT_SECRET_FILE (or --org FILE)");
	}
	switch (o->flow) {
	case SFP_FLOW_TOKEN:
		if (o->access_token == NULL)
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", "SF_ACCESS_TOKEN",
			    "access token flow without a token");
		if (o->instance_url[0] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "no-instance", "SF_INSTANCE_URL",
			    "an access token needs the instance url");
		break;
	case SFP_FLOW_JWT:
		if (o->jwt_key_file[0] == '\0' || o->client_id[0] == '\0' || o->username[0] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", NULL,
			    "jwt bearer needs SF_JWT_KEY_FILE, SF_CLIENT_ID and SF_USERNAME");
		break;
	case SFP_FLOW_REFRESH:
		if (o->refresh_token_file[0] == '\0' || o->client_id[0] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", NULL,
			    "refresh token flow needs SF_REFRESH_TOKEN_FILE and SF_CLIENT_ID");
		break;
	case SFP_FLOW_CLIENT:
		if (o->client_secret_file[0] == '\0' || o->client_id[0] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", NULL,
			    "client credentials need SF_CLIENT_SECRET_FILE and SF_CLIENT_ID");
		break;
	default:
		break;
	}
	if (o->token_url[0] == '\0') {
		/* Client credentials work only on the My Domain: prefer the instance
		 * when no login URL other than the generic one was given. */
		base = o->login_url;
		if (o->flow == SFP_FLOW_CLIENT && is_generic_login(o->login_url) &&
		    o->instance_url[0] != '\0')
			base = o->instance_url;
		if (snprintf(o->token_url, sizeof(o->token_url), "%s/services/oauth2/token", base) >=
		    (int)sizeof(o->token_url))
			return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_LOGIN_URL", "too long");
	}
	if (o->audience[0] == '\0')
		(void)snprintf(o->audience, sizeof(o->audience), "%s", o->login_url);
	/* caFile and resolve change whom we trust and where names lead: test
	 * mode only, with safe files and loopback addresses (http.h). */
	if ((st = sfp_http_check_test_settings(o->ca_file, o->resolve, f)) != SFP_OK)
		return st;
	if (o->cache_dir[0] == '\0' &&
	    sfp_cache_default_dir(NULL, o->cache_dir, sizeof(o->cache_dir)) != 0 && !o->no_cache)
		return sfp_fail_set(f, SFP_E_INPUT, "no-cache-dir", "SFPIPE_CACHE_DIR",
		    "no cache directory: set SFPIPE_CACHE_DIR or HOME, or use --no-cache");
	if ((st = check_url("SF_INSTANCE_URL", o->instance_url, f)) != SFP_OK ||
	    (st = check_url("SF_LOGIN_URL", o->login_url, f)) != SFP_OK ||
	    (st = check_url("SF_TOKEN_URL", o->token_url, f)) != SFP_OK)
		return st;
	/* The audience is a claim, not a host we contact, but an audience outside
	 * Salesforce can only be a mistake. */
	if ((st = check_url("SF_AUDIENCE", o->audience, f)) != SFP_OK)
		return st;
	return SFP_OK;
}

enum sfp_status
sfp_org_load(struct sfp_org *o, const char *org_file, const char *flow, int no_cache,
    struct sfp_fail *f)
{
	enum sfp_status st;

	sfp_org_init(o);
	if ((st = sfp_org_from_env(o, f)) != SFP_OK)
		return st;
	if (org_file != NULL && (st = sfp_org_from_file(o, org_file, f)) != SFP_OK)
		return st;
	if (flow != NULL && (st = sfp_org_set(o, "SF_AUTH_FLOW", flow, f)) != SFP_OK)
		return st;
	if (no_cache)
		o->no_cache = 1;
	return sfp_org_complete(o, f);
}
