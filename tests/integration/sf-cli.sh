#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The Salesforce CLI's sessions, as the sf CLI writes them: `sf org auth
# show-access-token --json` (the token) and `sf org display --json` (the
# instance and user; its token now redacted), from a file or a pipe, and the
# sf CLI's environment names.  Against the emulator over HTTPS.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"
# Only what the sf CLI gives: no key, secret or refresh token of our own.
nocreds() { env -u SF_JWT_KEY_FILE -u SF_REFRESH_TOKEN_FILE -u SF_CLIENT_SECRET_FILE "$@"; }

token=$(emu_admin POST /__emu/token '{}' | jq -r .access_token)
show_token() { jq -n --arg t "$token" '{status:0,result:{accessToken:$t},warnings:[]}'; }
display() {
	jq -n --arg u "$SF_INSTANCE_URL" '{status:0,result:{id:"00D000000000001AAA",apiVersion:"62.0",
		accessToken:"[REDACTED] Use '\''sf org auth show-access-token'\'' to view",instanceUrl:$u,
		username:"integration@acme.example",clientId:"PlatformCLI",connectedStatus:"Connected"}}'
}

# show-access-token's output through a pipe: <(...), /dev/stdin and "-".
expect_status 0 "--org <(sf org auth show-access-token --json)" -- \
	nocreds sf-describe --no-cache --org <(show_token) Lead
expect_eq "$(jq -r .name "$T/out")" Lead "the piped token describes Lead"
show_token | nocreds sf-describe --no-cache --org /dev/stdin Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "--org /dev/stdin with the token piped in"
show_token | nocreds sf-describe --no-cache --org - Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "--org - reads the org file from stdin"
# The same output saved to a file is a secret file: 0600 or refused.
show_token >"$T/tok.json"; chmod 644 "$T/tok.json"
expect_status 3 "a token file readable by others is refused" -- nocreds sf-describe --no-cache --org "$T/tok.json" Lead
chmod 600 "$T/tok.json"
expect_status 0 "the token file at 0600" -- nocreds sf-describe --no-cache --org "$T/tok.json" Lead

# The sf CLI's environment name for the instance stands in for ours.
show_token | nocreds env -u SF_INSTANCE_URL SF_ORG_INSTANCE_URL="$SF_INSTANCE_URL" \
	sf-describe --no-cache --org - Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 0 "SF_ORG_INSTANCE_URL (the sf CLI's name) gives the instance"
show_token | nocreds env -u SF_INSTANCE_URL sf-describe --no-cache --org - Lead >"$T/out" 2>"$T/err"
expect_eq "$?" 3 "no instance anywhere: exit 3"
expect_match 'SF_ORG_INSTANCE_URL' "$(cat "$T/err")" "the error names where the instance can come from"

# sf org display --json, token redacted: its instance and user are used, the
# token comes from SF_ACCESS_TOKEN.
display >"$T/display.json"
SF_ACCESS_TOKEN=$token expect_status 0 "redacted display output + SF_ACCESS_TOKEN" -- \
	nocreds env -u SF_INSTANCE_URL sf-describe --no-cache --org "$T/display.json" Lead
expect_eq "$(jq -r .name "$T/out")" Lead "the display's instance URL was used"
# ... and with nothing else, a clear error saying what to run.
expect_status 3 "redacted display output alone: exit 3" -- nocreds sf-describe --no-cache --org "$T/display.json" Lead
expect_match "^sf-describe: .*display.json: the salesforce cli redacted the access token .*sf org auth show-access-token --json" \
	"$(cat "$T/err")" "the redaction is named, with the command to run instead"
expect_eq "$(wc -l <"$T/err")" 1 "one line"
# With a key of our own, the display's redacted token is no obstacle.
expect_status 0 "redacted display output + jwt key" -- sf-describe --no-cache --org "$T/display.json" Lead
# A redacted token set by hand in SF_ACCESS_TOKEN is refused at once.
SF_ACCESS_TOKEN="[REDACTED] Use 'sf org auth show-access-token' to view" \
	expect_status 3 "a redacted SF_ACCESS_TOKEN is refused" -- sf-describe --no-cache Lead
expect_match 'show-access-token' "$(cat "$T/err")" "and the message says what to run"

# The sf CLI's own failure, saved as the org file, is named as such.
expect_status 3 "sf CLI error output" -- nocreds sf-describe --no-cache --org <(jq -n \
	'{status:1,name:"NoOrgFound",message:"No authorization information found for acme.",exitCode:1}') Lead
expect_match 'the salesforce cli reported an error, not a session: NoOrgFound: No authorization' \
	"$(cat "$T/err")" "the sf CLI's error is passed on"
expect_no_match "$token" "$(cat "$T"/err)" "no token in any message"
t_done
