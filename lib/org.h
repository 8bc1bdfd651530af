/* SPDX-License-Identifier: ISC */
/*
 * org: which Salesforce org, which user, which OAuth flow, where the secrets are.
 *
 * Settings are layered: the environment first, then an `--org FILE` (JSON), then
 * command-line flags, each layer overriding the one before.  Names (sfpipe(7),
 * ENVIRONMENT; the Salesforce CLI's where one exists):
 *   SF_INSTANCE_URL, SF_LOGIN_URL (default https://login.salesforce.com),
 *   SF_TOKEN_URL (default: SF_LOGIN_URL + /services/oauth2/token),
 *   SF_AUDIENCE (JWT aud; default from SF_LOGIN_URL as the Salesforce CLI
 *     derives it: https://test.salesforce.com for a sandbox host, the URL as given
 *     for an Experience Cloud site, else https://login.salesforce.com; never a
 *     My Domain, which Salesforce refuses as an audience),
 *   SF_CLIENT_ID, SF_USERNAME, SF_JWT_KEY_FILE, SF_CLIENT_SECRET_FILE,
 *   SF_REFRESH_TOKEN_FILE, SF_ACCESS_TOKEN, SF_API_VERSION (default 62.0;
 *     versions Salesforce has retired, 30.0 and older, are refused),
 *   SF_AUTH_FLOW (token|jwt|refresh|client), SF_CA_FILE and SF_RESOLVE (test mode
 *   only, see http.h),
 *   SF_ORG_ID, SF_USER_ID (the identity binding: when set, every token must
 *     belong to this org and user; see auth.h),
 *   SFPIPE_CACHE_DIR (default $XDG_CACHE_HOME/sfpipe, else ~/.cache/sfpipe).
 *
 * An org file is a JSON object with the same names as keys (e.g.
 * {"SF_INSTANCE_URL":"https://acme.my.salesforce.com", ...}) or lower-case
 * camel names (instanceUrl, loginUrl, tokenUrl, audience, clientId, username,
 * jwtKeyFile, clientSecretFile, refreshTokenFile, accessToken, apiVersion,
 * flow, orgId, userId); the JSON printed by `sf org display --json` and
 * `sf org auth show-access-token --json` ({"status":0,"result":{...}}) is accepted
 * too, from a file or a pipe (/dev/stdin, <(sf ...), "-").  A file holding an
 * access token must be mode 0600 (as a secret file; a pipe must be the user's
 * own and closed to others).  A token the Salesforce CLI shows redacted (as `sf
 * org display --json` now does) counts as no token: the rest of the file is
 * used, and when no credential is left the error says what to run instead.
 * The sf CLI's own environment names SF_ORG_INSTANCE_URL and SF_ORG_API_VERSION
 * stand in for SF_INSTANCE_URL and SF_API_VERSION when those are unset.
 *
 * An Experience Cloud site on the customer's own domain (not a Salesforce
 * domain, so refused by the http allowlist) can be the login URL only when the
 * org file names its host: "siteHost":"community.example.com".  That name is
 * taken from an org file and nowhere else (no environment variable, no flag),
 * so nothing but the operator's own settings file widens where credentials
 * may go, and it widens it for that org only.
 *
 * The flow, when not named, is chosen by what is present: access token > JWT key
 * > refresh token > client secret.
 *
 * Ownership: struct sfp_org is caller storage: sfp_org_init, fill, sfp_org_fini
 * (which wipes the access token).  Strings are copied in.
 */
#ifndef SFP_ORG_H
#define SFP_ORG_H

#include "fail.h"
#include "secret.h"

enum sfp_flow {
	SFP_FLOW_AUTO = 0,   /* choose from what is configured */
	SFP_FLOW_TOKEN,      /* a given access token (SF_ACCESS_TOKEN) */
	SFP_FLOW_JWT,        /* JWT bearer, RS256 with SF_JWT_KEY_FILE */
	SFP_FLOW_REFRESH,    /* refresh token from SF_REFRESH_TOKEN_FILE */
	SFP_FLOW_CLIENT      /* client credentials, secret from SF_CLIENT_SECRET_FILE */
};

#define SFP_ORG_URL  512
#define SFP_ORG_NAME 256
#define SFP_ORG_PATH 1024

struct sfp_org {
	char instance_url[SFP_ORG_URL];   /* "" until known (the token response tells) */
	char login_url[SFP_ORG_URL];
	char token_url[SFP_ORG_URL];      /* "" until sfp_org_complete derives it */
	char audience[SFP_ORG_URL];       /* "" until sfp_org_complete derives it */
	char client_id[SFP_ORG_NAME];
	char username[SFP_ORG_NAME];
	char org_id[19];                  /* bound org (00D...), "" when unbound */
	char user_id[19];                 /* bound user (005...), "" when unbound */
	char jwt_key_file[SFP_ORG_PATH];
	char client_secret_file[SFP_ORG_PATH];
	char refresh_token_file[SFP_ORG_PATH];
	struct sfp_secret *access_token;  /* owned; NULL unless given */
	char api_version[16];             /* "62.0" */
	char ca_file[SFP_ORG_PATH];
	char resolve[2048];
	char cache_dir[SFP_ORG_PATH];     /* resolved by sfp_org_complete */
	char site_host[256];              /* org file "siteHost": the org's own site host, or "" */
	enum sfp_flow flow;
	int no_cache;                     /* --no-cache: keep nothing on disk */
	char source[SFP_ORG_PATH];        /* where the last layer came from, for messages */
	int token_redacted;               /* a token given was the sf CLI's redacted stand-in */
};

void sfp_org_init(struct sfp_org *o);
void sfp_org_fini(struct sfp_org *o);

/* Layer 1: the environment (SF_ACCESS_TOKEN is copied into guarded memory and
 * unset).  SFP_E_INPUT on a malformed value. */
enum sfp_status sfp_org_from_env(struct sfp_org *o, struct sfp_fail *f);

/* Layer 2: an org file (see above).  SFP_E_INPUT when unreadable, not JSON, a
 * redacted token, a token in a group/world-readable file, or (always, token or
 * not) a file owned by another user than the running one or root, or writable
 * by group or others: it says where credentials go. */
enum sfp_status sfp_org_from_file(struct sfp_org *o, const char *path, struct sfp_fail *f);

/* Layer 3: one setting by its environment name ("SF_INSTANCE_URL", ...),
 * e.g. from a flag.  SF_ACCESS_TOKEN is refused here (never on argv).
 * SFP_E_USAGE for an unknown name or bad value. */
enum sfp_status sfp_org_set(struct sfp_org *o, const char *name, const char *value,
    struct sfp_fail *f);

/* Parse "token", "jwt", "refresh", "client" (also "client_credentials",
 * "refresh_token", "access_token", "jwt-bearer").  Returns 0 on success. */
int sfp_flow_parse(const char *s, enum sfp_flow *out);
const char *sfp_flow_name(enum sfp_flow flow);

/* Complete the settings once every layer is in: derive defaults (token URL,
 * audience, cache dir, flow), check every URL against the allowlist, the test
 * settings (http.h) and that the chosen flow has what it needs.
 * SFP_E_INPUT with a message naming the missing or refused setting. */
enum sfp_status sfp_org_complete(struct sfp_org *o, struct sfp_fail *f);

/* The usual sequence for a program: init, environment, org_file (may be NULL),
 * flow (NULL or a name), no_cache, sfp_org_complete.  On failure o is still fini-able. */
enum sfp_status sfp_org_load(struct sfp_org *o, const char *org_file, const char *flow,
    int no_cache, struct sfp_fail *f);

#endif
