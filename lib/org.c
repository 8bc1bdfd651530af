/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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

/* The oldest API version Salesforce still serves: versions 7.0 to 30.0 are
 * retired (410 GONE) since Summer '25
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/api_rest_eol.htm). */
#define OLDEST_LIVE_VERSION 31

/* "62", "62.0", "v62.0" -> "62.0"; -2 for a retired version, -1 for anything
 * else that is not a version. */
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
	if (errno != 0 || major < 1 || major > 999)
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
	if (major < OLDEST_LIVE_VERSION)
		return -2;
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
		int r = norm_version(value, o->api_version, sizeof(o->api_version));
		if (r == -2)
			return sfp_fail_set(f, bad, "retired-version", s->env,
			    "api version %.40s is retired: salesforce answers 410 gone to "
			    "versions before %d.0", value, OLDEST_LIVE_VERSION);
		if (r != 0)
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

/* ---- the Salesforce CLI's sessions -------------------------------------- */

/* The sf CLI's environment names for settings we name otherwise; ours win.
 * https://developer.salesforce.com/docs/atlas.en-us.sfdx_setup.meta/sfdx_setup/sfdx_setup_sf_env_vars.htm */
static const struct {
	const char *sf_cli, *ours;
} sf_cli_env[] = {
	{ "SF_ORG_INSTANCE_URL", "SF_INSTANCE_URL" },
	{ "SF_ORG_API_VERSION", "SF_API_VERSION" },
};

/* Since May 2026 `sf org display --json` shows "[REDACTED] Use 'sf org auth
 * show-access-token' to view" where the token was; the token itself comes from
 * that command.
 * https://developer.salesforce.com/docs/atlas.en-us.sfdx_dev.meta/sfdx_dev/sfdx_dev_auth_existing_access_token.htm */
#define REDACTED_HELP "the salesforce cli redacted the access token (as `sf org display --json` does); " \
	"give the output of `sf org auth show-access-token --json` as --org FILE (a pipe will do), " \
	"or its token as SF_ACCESS_TOKEN, or use another flow"

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
	for (i = 0; i < sizeof(sf_cli_env) / sizeof(sf_cli_env[0]); i++) {
		const char *ours = getenv(sf_cli_env[i].ours);
		size_t j;
		v = getenv(sf_cli_env[i].sf_cli);
		if (v == NULL || v[0] == '\0' || (ours != NULL && ours[0] != '\0'))
			continue;
		for (j = 0; j < NSETTINGS; j++)
			if (strcmp(settings[j].env, sf_cli_env[i].ours) == 0 &&
			    (st = set_slot(o, &settings[j], v, SFP_E_INPUT, f)) != SFP_OK) {
				(void)snprintf(f->place, sizeof(f->place), "%s", sf_cli_env[i].sf_cli);
				return st;
			}
	}
	v = getenv("SF_ACCESS_TOKEN");
	if (v != NULL && v[0] != '\0' && looks_redacted(v)) {
		/* Set by hand, it was meant as the token: say at once it is not one. */
		return sfp_fail_set(f, SFP_E_INPUT, "redacted-token", "SF_ACCESS_TOKEN", REDACTED_HELP);
	} else if (v != NULL && v[0] != '\0') {
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
take_token(struct sfp_org *o, const char *tok, struct sfp_fail *f)
{
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
		    strcmp(m->string, "siteHost") == 0 || m->string[0] == '_';
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

/* A token may come through a pipe (`--org <(sf org auth show-access-token
 * --json)`, /dev/stdin): a pipe of the user's own closed to others is as
 * private as a 0600 file; anything else must pass the secret-file check. */
static enum sfp_status
check_token_source(int fd, const char *path, struct sfp_fail *f)
{
	struct stat sb;

	if (fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
		if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0 ||
		    (sb.st_uid != geteuid() && sb.st_uid != 0))
			return sfp_fail_set(f, SFP_E_INPUT, "secret-file-mode", path,
			    "a pipe holding a token must be yours and closed to others (mode %03o)",
			    (unsigned)(sb.st_mode & 0777));
		return SFP_OK;
	}
	return sfp_secret_check_fd(fd, path, f);
}

/* Read the org file once, through one descriptor, so a pipe can be read and
 * the file checked is the file read.  An org file says where credentials go
 * and, in test mode, whom to trust: whoever may write it could send them to
 * their own server.  So it must be ours (or root's) and writable by nobody
 * else, always: a regular file as sfp_file_check_trusted_fd says, or a pipe
 * (`--org <(sf ...)`, `-`) under the same owner and mode rule. */
static enum sfp_status
read_org_file(const char *path, int *fd, char **buf, size_t *len, struct sfp_fail *f)
{
	struct stat sb;
	enum sfp_status st;

	*fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(errno));
	if (fstat(*fd, &sb) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(EISDIR));
	if (S_ISFIFO(sb.st_mode)) {
		if ((sb.st_uid != geteuid() && sb.st_uid != 0) || (sb.st_mode & 022) != 0)
			return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
			    "refused: a pipe another user owns or may write; it decides where "
			    "credentials go");
	} else if ((st = sfp_file_check_trusted_fd(*fd, path, f)) != SFP_OK) {
		return st;
	}
	return sfp_read_fd(*fd, path, 1024 * 1024, buf, len, f);
}

enum sfp_status
sfp_org_from_file(struct sfp_org *o, const char *path, struct sfp_fail *f)
{
	char *buf = NULL;
	size_t len = 0, i;
	int fd = -1;
	cJSON *root = NULL;
	const cJSON *obj, *v;
	enum sfp_status st;

	if ((st = read_org_file(path, &fd, &buf, &len, f)) != SFP_OK)
		goto out;
	st = sfp_json_parse(buf, len, path, 0, &root, f);
	if (st != SFP_OK)
		goto out;
	obj = root;
	/* The Salesforce CLI wraps its answer: {"status":0,"result":{...}}, or on
	 * failure {"status":1,"name":"NoOrgFound","message":"..."}. */
	v = cJSON_GetObjectItemCaseSensitive(root, "result");
	if (cJSON_IsObject(v))
		obj = v;
	else if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "status")) &&
	    cJSON_GetObjectItemCaseSensitive(root, "status")->valuedouble != 0) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
		st = sfp_fail_set(f, SFP_E_INPUT, "sf-cli-error", path,
		    "the salesforce cli reported an error, not a session: %.60s: %.200s",
		    cJSON_IsString(name) ? name->valuestring : "error",
		    cJSON_IsString(msg) ? msg->valuestring : "(no message)");
		goto out;
	}
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
		/* From the sf CLI's answer only what describes the session: its
		 * clientId is the CLI's own app ("PlatformCLI"), never ours. */
		if (obj != root && settings[i].slot != S_INSTANCE && settings[i].slot != S_VERSION &&
		    (settings[i].slot != S_USERNAME || o->username[0] != '\0'))
			continue;
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
	/* The site host exists only here: see org.h. */
	v = cJSON_GetObjectItemCaseSensitive(obj, "siteHost");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || !sfp_http_host_name_ok(v->valuestring) ||
		    strlen(v->valuestring) >= sizeof(o->site_host)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "bad-org-file", path,
			    "siteHost: expected a host name such as community.example.com "
			    "(no scheme, port or path)");
			goto out;
		}
		memcpy(o->site_host, v->valuestring, strlen(v->valuestring) + 1);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "SF_ACCESS_TOKEN");
	if (v == NULL)
		v = cJSON_GetObjectItemCaseSensitive(obj, "accessToken");
	/* A token the sf CLI marked as redacted holds no secret: the file needs no
	 * secret-file mode (`sf org display --json > org.json` at umask 022), and
	 * its instance URL and user are still good.  Anything else is checked. */
	if (cJSON_IsString(v) && v->valuestring[0] != '\0' &&
	    (strstr(v->valuestring, "REDACTED") != NULL || strstr(v->valuestring, "redacted") != NULL)) {
		o->token_redacted = 1;
	} else if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		if ((st = check_token_source(fd, path, f)) != SFP_OK)
			goto out;
		if (looks_redacted(v->valuestring)) {
			o->token_redacted = 1;
		} else {
			if ((st = take_token(o, v->valuestring, f)) != SFP_OK)
				goto out;
			/* `sf org display` prints no flow of its own: a token means the token flow. */
			if (o->flow == SFP_FLOW_AUTO)
				o->flow = SFP_FLOW_TOKEN;
		}
		sodium_memzero(v->valuestring, strlen(v->valuestring));
	}
	(void)snprintf(o->source, sizeof(o->source), "%s", path);
out:
	if (fd != -1)
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

/* The host of an https URL, lower-cased, without port, path or query, into
 * buf; "" when url is not https://. */
static void
url_host(const char *url, char *buf, size_t n)
{
	size_t i = 0;
	const char *p;

	buf[0] = '\0';
	if (strncasecmp(url, "https://", 8) != 0 || n == 0)
		return;
	for (p = url + 8; *p != '\0' && *p != '/' && *p != ':' && *p != '?' && *p != '#' &&
	    i + 1 < n; p++)
		buf[i++] = (char)tolower((unsigned char)*p);
	buf[i] = '\0';
}

static int
host_ends_with(const char *host, const char *suffix)
{
	size_t hl = strlen(host), sl = strlen(suffix);

	return hl == sl ? strcmp(host, suffix) == 0 :
	    hl > sl && host[hl - sl - 1] == '.' && strcmp(host + hl - sl, suffix) == 0;
}

/* login.salesforce.com and test.salesforce.com (any port): hosts that serve
 * every org and so cannot tell which org a client means. */
static int
is_generic_login(const char *url)
{
	char host[256];

	url_host(url, host, sizeof(host));
	return strcmp(host, "login.salesforce.com") == 0 || strcmp(host, "test.salesforce.com") == 0;
}

/* A sandbox login host, by the rules the Salesforce CLI applies
 * (SfdcUrl.isSandboxUrl in forcedotcom/sfdx-core): test.salesforce.com, an
 * enhanced sandbox My Domain (*.sandbox.my.salesforce.com) and the older
 * csNN[.my].salesforce.com instance names. */
static int
is_sandbox_host(const char *host)
{
	const char *p;

	if (strcmp(host, "test.salesforce.com") == 0 ||
	    host_ends_with(host, "sandbox.my.salesforce.com"))
		return 1;
	for (p = host; (p = strstr(p, "cs")) != NULL; p++) {
		const char *q = p + 2;
		if (p != host && p[-1] != '.' && p[-1] != '-')
			continue;
		if (!isdigit((unsigned char)*q))
			continue;
		while (isdigit((unsigned char)*q))
			q++;
		if (strcmp(q, ".salesforce.com") == 0 || strcmp(q, ".my.salesforce.com") == 0)
			return 1;
	}
	return 0;
}

/* An Experience Cloud site: there the site URL itself is the JWT audience. */
static int
is_site_host(const char *host)
{
	return host_ends_with(host, "my.site.com") || host_ends_with(host, "siteforce.com") ||
	    host_ends_with(host, "salesforce-sites.com") ||
	    (host_ends_with(host, "force.com") && !host_ends_with(host, "lightning.force.com"));
}

/*
 * The JWT bearer audience for a login URL.  Salesforce takes only
 * https://login.salesforce.com, https://test.salesforce.com (sandboxes) or an
 * Experience Cloud site URL as the aud claim, never a My Domain, even when the
 * assertion is posted to the My Domain's token endpoint
 * (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm).
 * The mapping follows the Salesforce CLI's: a sandbox host -> test, a site ->
 * the site URL as given, anything else -> login.  Government Cloud Plus hosts
 * (.mil) have no documented audience: there SF_AUDIENCE must be set.
 */
static int
derive_audience(const char *login_url, const char *site_host, char *out, size_t n)
{
	char host[256];

	url_host(login_url, host, sizeof(host));
	if (host_ends_with(host, "salesforce.mil"))
		return -1;
	if (is_sandbox_host(host))
		return snprintf(out, n, "https://test.salesforce.com") >= (int)n ? -1 : 0;
	if (is_site_host(host) || (site_host[0] != '\0' && strcasecmp(host, site_host) == 0))
		return snprintf(out, n, "%s", login_url) >= (int)n ? -1 : 0;
	return snprintf(out, n, "https://login.salesforce.com") >= (int)n ? -1 : 0;
}

static enum sfp_status
check_url(const struct sfp_org *o, const char *what, const char *url, struct sfp_fail *f)
{
	enum sfp_status st;

	if (url[0] == '\0')
		return SFP_OK;
	if ((st = sfp_http_check_url_site(url, o->site_host, f)) != SFP_OK)
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
		else if (o->token_redacted)
			return sfp_fail_set(f, SFP_E_INPUT, "redacted-token", o->source, REDACTED_HELP);
		else
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", NULL,
			    "no credentials: set SF_ACCESS_TOKEN, SF_JWT_KEY_FILE, "
			    "SF_REFRESH_TOKEN_FILE or SF_CLIENT_SECRET_FILE (or --org FILE)");
	}
	switch (o->flow) {
	case SFP_FLOW_TOKEN:
		if (o->access_token == NULL && o->token_redacted)
			return sfp_fail_set(f, SFP_E_INPUT, "redacted-token", o->source, REDACTED_HELP);
		if (o->access_token == NULL)
			return sfp_fail_set(f, SFP_E_INPUT, "no-credentials", "SF_ACCESS_TOKEN",
			    "access token flow without a token");
		if (o->instance_url[0] == '\0')
			return sfp_fail_set(f, SFP_E_INPUT, "no-instance", "SF_INSTANCE_URL",
			    "an access token needs the instance url: set SF_INSTANCE_URL (or the sf "
			    "cli's SF_ORG_INSTANCE_URL); `sf org display --json` shows it");
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
	/* Salesforce answers the client credentials flow only on the org's own My
	 * Domain, never on login.salesforce.com or test.salesforce.com
	 * (https://help.salesforce.com/s/articleView?id=000886201&type=1): say so
	 * here rather than let the org refuse it. */
	if (o->flow == SFP_FLOW_CLIENT && is_generic_login(o->token_url))
		return sfp_fail_set(f, SFP_E_INPUT, "bad-setting",
		    o->instance_url[0] != '\0' ? "SF_TOKEN_URL" : "SF_INSTANCE_URL",
		    "client credentials work only on the org's my domain "
		    "(https://<name>.my.salesforce.com), not on %s: set SF_INSTANCE_URL or "
		    "SF_LOGIN_URL to the my domain", strstr(o->token_url, "test.") != NULL ?
		    "test.salesforce.com" : "login.salesforce.com");
	if (o->audience[0] == '\0' &&
	    derive_audience(o->login_url, o->site_host, o->audience, sizeof(o->audience)) != 0 &&
	    o->flow == SFP_FLOW_JWT)
		return sfp_fail_set(f, SFP_E_INPUT, "bad-setting", "SF_AUDIENCE",
		    "no jwt audience is known for this login url: set SF_AUDIENCE");
	/* caFile and resolve change whom we trust and where names lead: test
	 * mode only, with safe files and loopback addresses (http.h). */
	if ((st = sfp_http_check_test_settings(o->ca_file, o->resolve, o->site_host, f)) != SFP_OK)
		return st;
	if (o->cache_dir[0] == '\0' &&
	    sfp_cache_default_dir(NULL, o->cache_dir, sizeof(o->cache_dir)) != 0 && !o->no_cache)
		return sfp_fail_set(f, SFP_E_INPUT, "no-cache-dir", "SFPIPE_CACHE_DIR",
		    "no cache directory: set SFPIPE_CACHE_DIR or HOME, or use --no-cache");
	if ((st = check_url(o, "SF_INSTANCE_URL", o->instance_url, f)) != SFP_OK ||
	    (st = check_url(o, "SF_LOGIN_URL", o->login_url, f)) != SFP_OK ||
	    (st = check_url(o, "SF_TOKEN_URL", o->token_url, f)) != SFP_OK)
		return st;
	/* The audience is a claim, not a host we contact, but an audience outside
	 * Salesforce can only be a mistake. */
	if ((st = check_url(o, "SF_AUDIENCE", o->audience, f)) != SFP_OK)
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
