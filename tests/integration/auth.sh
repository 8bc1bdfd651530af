# SPDX-License-Identifier: ISC
# Authentication against the emulator over HTTPS: every flow, every refusal
# named, the JWT audience and client credentials host Salesforce requires,
# refresh token rotation (also under concurrency), the transparent renewal of
# an expired session, the token cache under concurrency, and no secret in any
# message.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"

tok_requests() { emu_admin GET /__emu/stats | jq -r '.by_endpoint.oauth_token // 0'; }

# --- each flow works -------------------------------------------------------
for flow in jwt refresh client; do
	expect_status 0 "flow $flow" -- sf-describe --no-cache --flow "$flow" Lead
	expect_eq "$(jq -r .name "$T/out")" Lead "flow $flow describes Lead"
done
token=$(emu_admin POST /__emu/token '{}' | jq -r .access_token)
SF_ACCESS_TOKEN=$token expect_status 0 "given access token" -- sf-describe Lead
expect_no_match . "$(cat "$T/err")" "given access token: nothing on stderr"
# The flow is chosen by what is set: with only a client secret, client credentials.
env -u SF_JWT_KEY_FILE -u SF_REFRESH_TOKEN_FILE sf-describe --no-cache Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "client credentials chosen when only a secret is set"

# An org file as the Salesforce CLI prints it (sf org display --json).
jq -n --arg t "$token" --arg u "$SF_INSTANCE_URL" \
	'{status:0,result:{accessToken:$t,instanceUrl:$u,username:"integration@acme.example",apiVersion:"62.0"}}' \
	>"$T/org.json"
chmod 600 "$T/org.json"
expect_status 0 "--org with sf org display --json output" -- \
	env -u SF_JWT_KEY_FILE sf-describe --org "$T/org.json" Lead
chmod 644 "$T/org.json"
expect_status 3 "--org holding a token readable by others is refused" -- \
	sf-describe --org "$T/org.json" Lead
jq '.result.accessToken = "[REDACTED]"' "$T/org.json" >"$T/red.json" && chmod 600 "$T/red.json"
# With no other credential, a redacted token is refused (tests/integration/sf-cli.sh has the rest).
expect_status 3 "a redacted token is refused" -- \
	env -u SF_JWT_KEY_FILE -u SF_REFRESH_TOKEN_FILE -u SF_CLIENT_SECRET_FILE sf-describe --org "$T/red.json" Lead
expect_match 'redacted' "$(cat "$T/err")" "the redacted token is named as such"

# --- refusals: exit 5 and a line naming the cause --------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/wrong.pem" 2>/dev/null
chmod 600 "$T/wrong.pem"
SF_JWT_KEY_FILE=$T/wrong.pem expect_status 5 "wrong jwt key" -- sf-describe --no-cache Lead
expect_match '^sf-describe: auth: jwt bearer: invalid_grant: invalid assertion \(check SF_JWT_KEY_FILE' \
	"$(cat "$T/err")" "wrong key: cause and setting named"
expect_eq "$(wc -l <"$T/err")" 1 "wrong key: one line"

SF_AUDIENCE=https://acme.lightning.force.com expect_status 5 "wrong audience" -- \
	sf-describe --no-cache Lead
expect_match 'audience is invalid \(check SF_AUDIENCE\)' "$(cat "$T/err")" "wrong audience named"

# An expired assertion: a preloaded shim moves only the JWT's exp claim an hour
# back (cJSON_AddNumberToObject "exp"), so TLS still sees the real clock.
cat >"$T/past.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
typedef struct cJSON cJSON;
cJSON *cJSON_AddNumberToObject(cJSON *o, const char *name, const double n)
{
	cJSON *(*real)(cJSON *, const char *, const double) =
	    (cJSON *(*)(cJSON *, const char *, const double))dlsym(RTLD_NEXT, "cJSON_AddNumberToObject");
	return real(o, name, strcmp(name, "exp") == 0 ? n - 3600 : n);
}
EOF
if cc -shared -fPIC -o "$T/past.so" "$T/past.c" -ldl 2>"$T/cc.err"; then
	# Under SANITIZE=1 the shim comes before the ASan runtime; it defines no
	# allocator, so ASan's link-order check can be relaxed for this run.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$T/past.so \
		expect_status 5 "expired jwt" -- sf-describe --no-cache Lead
	expect_match 'jwt bearer: invalid_grant: expired authorization code \(check the system clock\)' \
		"$(cat "$T/err")" "expired jwt named"
else
	t_fail "could not build the clock shim: $(cat "$T/cc.err")"
fi

SF_CLIENT_ID=wrong expect_status 5 "wrong client id" -- sf-describe --no-cache --flow client Lead
expect_match 'client credentials: invalid_client_id: .*\(check SF_CLIENT_ID\)' "$(cat "$T/err")" \
	"wrong client id named"

SF_ACCESS_TOKEN=00Dfake!AQnotarealtokenatall expect_status 5 "a dead access token" -- sf-describe Lead
expect_match 'access token: .*SF_ACCESS_TOKEN' "$(cat "$T/err")" "dead token: setting named"

# A revoked refresh token, on an emulator of its own (revocation is not undone
# by /__emu/reset, and the other scripts use this emulator's token).
if "$SFP_ROOT/tests/emulator/emuctl" start "$T/emu2" >/dev/null 2>&1; then
	(
		set -a; . "$T/emu2/env"; set +a
		rt=$(cat "$SF_REFRESH_TOKEN_FILE")
		expect_status 0 "refresh token works before revocation" -- \
			sf-describe --no-cache --flow refresh Lead
		host=${SF_LOGIN_URL#https://}
		curl -sS --cacert "$SF_CA_FILE" --resolve "$host:127.0.0.1" \
			--data-urlencode "token=$rt" "$SF_LOGIN_URL/services/oauth2/revoke" >/dev/null
		expect_status 5 "revoked refresh token" -- sf-describe --no-cache --flow refresh Lead
		expect_match 'refresh token: invalid_grant: expired access/refresh token \(check SF_REFRESH_TOKEN_FILE\)' \
			"$(cat "$T/err")" "revoked refresh token named"
		expect_no_match "$rt" "$(cat "$T/err")" "the refresh token is not in the message"
		echo "$T_PASS $T_FAIL" >"$T/sub.count"
	)
	read -r p f <"$T/sub.count" && T_PASS=$p T_FAIL=$f
	"$SFP_ROOT/tests/emulator/emuctl" stop "$T/emu2" >/dev/null 2>&1
else
	t_fail "second emulator did not start"
fi

# --- what Salesforce takes at its token endpoint ------------------------------
port=${SF_LOGIN_URL##*:}
# JWT: the audience is login.salesforce.com even when the login URL (and so the
# token endpoint) is the My Domain; a My Domain as aud is refused.
SF_LOGIN_URL=https://acme.my.salesforce.com:$port expect_status 0 \
	"jwt with the My Domain as login URL" -- sf-describe --no-cache --flow jwt Lead
SF_AUDIENCE=https://acme.my.salesforce.com expect_status 5 "a My Domain audience is refused" -- \
	sf-describe --no-cache --flow jwt Lead
expect_match 'audience is invalid \(check SF_AUDIENCE\)' "$(cat "$T/err")" "the org's refusal named"
# Client credentials work only at the org's My Domain: refused before sending.
before=$(tok_requests)
env -u SF_INSTANCE_URL sf-describe --no-cache --flow client Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 3 "client credentials without a My Domain: exit 3"
expect_match "^sf-describe: SF_INSTANCE_URL: client credentials work only on the org's my domain" \
	"$(cat "$T/err")" "the message names the My Domain and the setting"
SF_TOKEN_URL=https://login.salesforce.com:$port/services/oauth2/token expect_status 3 \
	"client credentials at login.salesforce.com" -- sf-describe --no-cache --flow client Lead
expect_match 'SF_TOKEN_URL: .*not on login.salesforce.com' "$(cat "$T/err")" "names SF_TOKEN_URL"
expect_eq "$(tok_requests)" "$before" "neither was sent"
# Versions Salesforce has retired are refused in configuration.
before=$(emu_admin GET /__emu/stats | jq .requests)
SF_API_VERSION=30.0 expect_status 3 "api version 30.0" -- sf-describe --no-cache Lead
expect_match '^sf-describe: SF_API_VERSION: api version 30.0 is retired' "$(cat "$T/err")" \
	"a retired version named as such"
expect_eq "$(emu_admin GET /__emu/stats | jq .requests)" "$before" "nothing sent"

# --- refresh token rotation ---------------------------------------------------
# With rotation on, each refresh answers a new refresh token and the one sent
# dies: the new one must replace the file, or the next refresh fails.
emu_admin POST /__emu/refresh_token '{}' | jq -j .refresh_token >"$T/rt"
chmod 600 "$T/rt"
rt0=$(cat "$T/rt")
emu_admin POST /__emu/config '{"rotate_refresh_tokens":1}' >/dev/null
SF_REFRESH_TOKEN_FILE=$T/rt expect_status 0 "first refresh, rotation on" -- \
	sf-describe --no-cache --flow refresh Lead
rt1=$(cat "$T/rt")
expect_eq "$([ -n "$rt1" ] && [ "$rt1" != "$rt0" ] && echo rotated)" rotated "the file holds the new token"
expect_eq "$(stat -c %a "$T/rt")" 600 "and stays 0600"
SF_REFRESH_TOKEN_FILE=$T/rt expect_status 0 "second refresh uses the rotated token" -- \
	sf-describe --no-cache --flow refresh Lead
expect_eq "$([ "$(cat "$T/rt")" != "$rt1" ] && echo rotated)" rotated "rotated again"
# Programs refreshing at once take turns on the file's lock: none sends a dead token.
for i in 1 2 3 4 5 6; do
	SF_REFRESH_TOKEN_FILE=$T/rt sf-describe --no-cache --flow refresh Lead >"$T/r$i.out" 2>"$T/r$i.err" &
done
rc=0; for i in 1 2 3 4 5 6; do wait -n || rc=1; done
expect_eq "$rc" 0 "six concurrent refreshes all succeed"
SF_REFRESH_TOKEN_FILE=$T/rt expect_status 0 "the token left in the file is live" -- \
	sf-describe --no-cache --flow refresh Lead
expect_eq "$(find "$T" -maxdepth 1 -name 'rt.tmp.*' | wc -l)" 0 "no temporary file left"
# A symlinked file is replaced at its target; the link stays.
ln -s rt "$T/rt-link"
SF_REFRESH_TOKEN_FILE=$T/rt-link expect_status 0 "rotation through a symlink" -- \
	sf-describe --no-cache --flow refresh Lead
expect_eq "$([ -L "$T/rt-link" ] && [ "$(cat "$T/rt-link")" = "$(cat "$T/rt")" ] && echo kept)" kept \
	"the link kept, pointing at the new token"
expect_no_match "$(cat "$T/rt")" "$(cat "$T"/r*.err "$T/err")" "no refresh token in any message"
# A refresh whose token belongs to another user than SF_USER_ID names: refused,
# and the access token is not cached, but the rotated refresh token is kept
# (the one sent is dead either way).
rt2=$(cat "$T/rt")
SFPIPE_CACHE_DIR=$T/cache-id SF_USER_ID=$SFEMU_ORG_ACME_ADMIN_USER_ID SF_REFRESH_TOKEN_FILE=$T/rt \
	expect_status 5 "refresh, the token of another user than SF_USER_ID" -- sf-describe --flow refresh Lead
expect_match '^sf-describe: auth: the token belongs to user 005' "$(cat "$T/err")" "identity mismatch named"
expect_eq "$(find "$T/cache-id" -path '*/tokens/*' -type f 2>/dev/null | wc -l)" 0 "that token not cached"
expect_eq "$([ "$(cat "$T/rt")" != "$rt2" ] && echo rotated)" rotated "the rotated refresh token kept"
SFPIPE_CACHE_DIR=$T/cache-id SF_USER_ID=$SFEMU_ORG_ACME_USER_ID SF_REFRESH_TOKEN_FILE=$T/rt \
	expect_status 0 "the kept token is live and the right user's token is cached" -- \
	sf-describe --flow refresh Lead
expect_eq "$(find "$T/cache-id" -path '*/tokens/*' -type f | wc -l)" 1 "one token cached"
emu_admin POST /__emu/config '{"rotate_refresh_tokens":0}' >/dev/null

# --- a single org bound by SF_USERNAME alone (no SF_USER_ID, no SF_ORG_ID) ------
# A token of another user than SF_USERNAME names is refused (exit 5, nothing
# cached); the integration user's own is accepted.  JWT names the user itself.
emu_admin POST /__emu/refresh_token "{\"username\":\"$SFEMU_ORG_ACME_ADMIN_USERNAME\"}" |
	jq -j .refresh_token >"$T/rt-admin"
chmod 600 "$T/rt-admin"
expect_status 5 "refresh: the admin's token while SF_USERNAME is the integration user" -- \
	env -u SF_USER_ID -u SF_ORG_ID SFPIPE_CACHE_DIR="$T/cache-un" SF_REFRESH_TOKEN_FILE="$T/rt-admin" \
	sf-describe --flow refresh Lead
expect_match "^sf-describe: auth: the token belongs to user $SFEMU_ORG_ACME_ADMIN_USERNAME, not to the configured user $SF_USERNAME" \
	"$(cat "$T/err")" "identity mismatch named, by username"
expect_eq "$(find "$T/cache-un" -path '*/tokens/*' -type f 2>/dev/null | wc -l)" 0 "that token not cached"
expect_eq "$(cat "$T/out")" "" "nothing described"
expect_status 0 "refresh: the same token when SF_USERNAME names its user" -- \
	env -u SF_USER_ID -u SF_ORG_ID SFPIPE_CACHE_DIR="$T/cache-un" SF_REFRESH_TOKEN_FILE="$T/rt-admin" \
	SF_USERNAME="$SFEMU_ORG_ACME_ADMIN_USERNAME" sf-describe --flow refresh Lead
expect_status 0 "refresh: the integration user's token with SF_USERNAME, case aside" -- \
	env -u SF_USER_ID -u SF_ORG_ID SF_USERNAME="$(printf %s "$SF_USERNAME" | tr a-z A-Z)" \
	sf-describe --no-cache --flow refresh Lead
admin_token=$(emu_admin POST /__emu/token "{\"username\":\"$SFEMU_ORG_ACME_ADMIN_USERNAME\"}" | jq -r .access_token)
expect_status 5 "given access token of the admin while SF_USERNAME is the integration user" -- \
	env -u SF_USER_ID -u SF_ORG_ID SF_ACCESS_TOKEN="$admin_token" sf-describe Lead
expect_match 'identity|belongs to user' "$(cat "$T/err")" "refused for its user"
expect_no_match "$admin_token" "$(cat "$T/err")" "no token in the message"
expect_status 0 "given access token of the integration user: accepted" -- \
	env -u SF_USER_ID -u SF_ORG_ID SF_ACCESS_TOKEN="$token" sf-describe Lead
expect_status 0 "client credentials run as the integration user: accepted" -- \
	env -u SF_USER_ID -u SF_ORG_ID sf-describe --no-cache --flow client Lead

# --- renewal of an expired session ----------------------------------------
expect_status 0 "warm the token cache" -- sf-describe --no-cache Lead
sf-describe Lead >/dev/null 2>&1
emu_admin POST /__emu/expire_sessions >/dev/null
before=$(tok_requests)
expect_status 0 "expired cached session renewed transparently" -- sf-describe Lead
expect_eq "$(( $(tok_requests) - before ))" 1 "exactly one new token request"
# Mid-run: the second sObject's request meets an expired session.
emu_admin POST /__emu/faults '{"rules":[{"kind":"expired_session","count":1,"path":"Event"}]}' >/dev/null
before=$(tok_requests)
expect_status 0 "session expired mid-run" -- sf-describe --no-cache Lead Event
expect_eq "$(jq -r .name "$T/out" | tr '\n' ' ')" "Lead Event " "both described after renewal"
expect_eq "$(( $(tok_requests) - before ))" 2 "one login plus one renewal"
emu_admin DELETE /__emu/faults >/dev/null
# A session that stays refused fails after one renewal, exit 5.
emu_admin POST /__emu/faults '{"rules":[{"kind":"expired_session","rate":1}]}' >/dev/null
expect_status 5 "session refused twice: exit 5" -- sf-describe --no-cache Lead
expect_match 'INVALID_SESSION_ID|Session expired' "$(cat "$T/err")" "org's own error text"
emu_admin DELETE /__emu/faults >/dev/null

# --- the token cache --------------------------------------------------------
rm -rf "$SFPIPE_CACHE_DIR"
for i in 1 2 3 4 5 6 7 8; do sf-describe Lead >"$T/c$i.out" 2>"$T/c$i.err" & done
rc=0; for j in 1 2 3 4 5 6 7 8; do wait -n || rc=1; done
expect_eq "$rc" 0 "eight concurrent runs all succeed"
files=$(find "$SFPIPE_CACHE_DIR/tokens" -type f)
expect_eq "$(printf '%s\n' "$files" | wc -l)" 1 "one token file, no temporary left"
expect_eq "$(jq -r '.access_token | length > 20' "$files")" true "the token file is whole JSON"
expect_eq "$(stat -c %a "$files") $(stat -c %a "$SFPIPE_CACHE_DIR/tokens")" "600 700" \
	"token file 0600 in a 0700 directory"
before=$(tok_requests)
expect_status 0 "the cached token serves the next run" -- sf-describe Lead
expect_eq "$(tok_requests)" "$before" "no token request with a cached token"
rm -rf "$SFPIPE_CACHE_DIR"
expect_status 0 "--no-cache" -- sf-describe --no-cache Lead
expect_eq "$(find "$SFPIPE_CACHE_DIR" -type f 2>/dev/null | wc -l)" 0 "--no-cache keeps nothing on disk"

# --- no secret in any message ------------------------------------------------
secret=$(cat "$SF_CLIENT_SECRET_FILE")
SF_CLIENT_ID=wrong sf-describe --no-cache --flow client Lead >/dev/null 2>"$T/e1"
emu_admin POST /__emu/faults '{"rules":[{"kind":"expired_session","rate":1}]}' >/dev/null
SF_ACCESS_TOKEN=$token sf-describe Lead >/dev/null 2>"$T/e2"
emu_admin DELETE /__emu/faults >/dev/null
SF_AUDIENCE=https://acme.lightning.force.com sf-describe --no-cache Lead >/dev/null 2>"$T/e3"
all=$(cat "$T/e1" "$T/e2" "$T/e3")
expect_match 'sf-describe' "$all" "the failing runs did print their reasons"
expect_no_match "$secret" "$all" "client secret never printed"
expect_no_match "$token" "$all" "access token never printed"
expect_no_match "$(head -c 40 "$SF_JWT_KEY_FILE" | tail -c 20)" "$all" "key never printed"

t_done
