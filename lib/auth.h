/* SPDX-License-Identifier: ISC */
/*
 * auth: an OAuth 2.0 access token for the integration user.
 *
 * Flows (org.h chooses): a given access token; JWT bearer (an RS256 assertion
 * signed with OpenSSL from SF_JWT_KEY_FILE: iss = client id, sub = username,
 * aud = the audience setting, exp = now + 170 s); client credentials; refresh
 * token.  Every token endpoint URL passes the http allowlist.
 *
 * Token cache: one file per (token URL, client id, username, flow) under
 * <cache_dir>/tokens/, mode 0600 in a 0700 directory, written to a temporary
 * name and renamed, so concurrent programs never see half a file; the last
 * writer wins and every version is a valid token.  org->no_cache keeps nothing
 * on disk.  The file holds {"access_token","instance_url","id","issued_at"}.
 *
 * Identity binding: when the org names an org id, a user id or, without a
 * user id, a username (SF_USERNAME, a tenant's "username"), every token is
 * checked to belong to them before it is handed out: from the token response's identity URL (.../id/<org>/<user>), for a
 * given access token from the REST root's "identity" resource, and for a
 * username from the identity URL's answer (fresh logins only; JWT names the
 * user itself).  A mismatch is SFP_E_AUTH code "identity-mismatch" and the
 * token is neither cached nor used.
 *
 * Refresh token rotation: when the token endpoint answers a refresh with a new
 * refresh_token (the connected app rotates them; the one sent is then dead),
 * the new one replaces SF_REFRESH_TOKEN_FILE (at a symlink's target) through a
 * temporary file and rename, mode 0600.  The read, the refresh and the
 * replacement run under an exclusive flock(2) on that file, so programs
 * refreshing at once take turns: the second finds the first's access token in
 * the cache, or refreshes with the token the first stored.  A rotated refresh
 * token is kept even when the access token fails the identity check (the one
 * sent is dead either way); that access token is not cached.
 *
 * OAuth errors become one line naming the flow, the setting to look at and the
 * org's own error_description, e.g.
 *   "jwt bearer: invalid_grant: audience is invalid (check SF_AUDIENCE)".
 * All are SFP_E_AUTH (exit 5), code = the OAuth error ("invalid_grant").
 *
 * Ownership: struct sfp_token is caller storage; sfp_token_fini wipes and frees
 * the access token.  Secrets never appear in messages.
 */
#ifndef SFP_AUTH_H
#define SFP_AUTH_H

#include <time.h>
#include "fail.h"
#include "http.h"
#include "org.h"
#include "secret.h"

struct sfp_token {
	struct sfp_secret *access_token;   /* owned */
	char instance_url[512];
	char id[512];                      /* identity URL, or "" */
	long long issued_at;               /* ms since the epoch, 0 when unknown */
	int from_cache;                    /* 1 when read from the token cache */
};

void sfp_token_init(struct sfp_token *t);
void sfp_token_fini(struct sfp_token *t);

/*
 * A token for org: from the cache when allowed and present, else by running the
 * flow (and caching the result).  For SFP_FLOW_TOKEN the given token is used
 * as is (instance URL from the org).  Errors: SFP_E_AUTH for refusals by the
 * org; SFP_E_INPUT for unusable settings (missing key file, bad key); SFP_E_TEMP
 * for network trouble.
 */
enum sfp_status sfp_auth_get(struct sfp_http *h, const struct sfp_org *org, struct sfp_token *out,
    struct sfp_fail *f);

/*
 * The token `stale` was refused (401 INVALID_SESSION_ID): drop it from the cache
 * (only if the cache still holds that same token, so a fresher one written by a
 * concurrent program survives) and get a new one by running the flow.  For
 * SFP_FLOW_TOKEN there is nothing to renew: SFP_E_AUTH.
 */
enum sfp_status sfp_auth_renew(struct sfp_http *h, const struct sfp_org *org,
    const struct sfp_token *stale, struct sfp_token *out, struct sfp_fail *f);

/* Build the signed JWT assertion for org at time now (for tests and for
 * sfp_auth_get).  *out is a new secret (the assertion).  SFP_E_INPUT when the
 * key file is unreadable, not an RSA private key, or group/world-readable. */
enum sfp_status sfp_auth_jwt_assertion(const struct sfp_org *org, time_t now,
    struct sfp_secret **out, struct sfp_fail *f);

/* Turn a token endpoint's error response into f (SFP_E_AUTH, or SFP_E_TEMP for
 * 5xx / rate_limit_exceeded).  flow names the flow in the message. */
enum sfp_status sfp_auth_fail_from_response(enum sfp_flow flow, long status, const char *body,
    size_t len, struct sfp_fail *f);

/* Path of the token cache file for org into buf; 0 on success, -1 if too long. */
int sfp_auth_cache_path(const struct sfp_org *org, char *buf, size_t n);

#endif
