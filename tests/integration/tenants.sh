#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Tenants end to end against the emulator: a mixed signed spool through
# hmac-verify --tagged | sf-map --tenants | sf-create --tenants lands each
# booking only under its own tenant's keys; a tenant reusing another's booking
# id, a forged tenant in a body, plans naming another tenant or carrying
# another tenant's keys change nothing of the others'; a token for the wrong
# user or org is refused before any write; sf-describe --tenants isolates a
# failing tenant; a bound mailbox asks sf-freebusy only about its own user.
# Two tenants (acme, globex) share the emulator's org here, which is the hard
# case: only the tenant's key prefix keeps their records apart.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"

tok=$(emu_admin POST /__emu/token '{}')
ident=$(json_get "$tok" .id)
ORG=$(basename "$(dirname "$ident")")
INTEGRATION=$(basename "$ident")
ADMIN=$(emu_admin GET /__emu/users | jq -r '.users[] | select(.Username == "admin@acme.example") | .Id')
ANN=$(emu_admin GET /__emu/users | jq -r '.users[] | select(.Username == "ann.host@acme.example") | .Id')
expect_match '^00D[A-Za-z0-9]{15}$' "$ORG" "the emulator's org id from its identity url"

# The tenants directory, as an operator generates it: ours, 0700.
umask 077
mkdir -p tenants
# tenant NAME TENANT_JSON ORG_JSON MAPPING
tenant() {
	mkdir -p "tenants/$1"
	printf '%s\n' "$2" >"tenants/$1/tenant.json"
	printf '%s\n' "$3" >"tenants/$1/org.json"
	cp "$4" "tenants/$1/mapping.json"
}
jwt_org="{\"loginUrl\":\"$SF_LOGIN_URL\",\"clientId\":\"$SF_CLIENT_ID\",\"jwtKeyFile\":\"$SF_JWT_KEY_FILE\"}"
refresh_org="{\"loginUrl\":\"$SF_LOGIN_URL\",\"clientId\":\"$SF_CLIENT_ID\",\"refreshTokenFile\":\"refresh.token\"}"
tenant acme "{\"orgId\":\"$ORG\",\"username\":\"integration@acme.example\"}" "$jwt_org" \
	"$EX/tenants/acme/mapping.json"
tenant globex "{\"orgId\":\"${ORG:0:15}\",\"userId\":\"${INTEGRATION:0:15}\"}" "$refresh_org" \
	"$EX/tenants/globex/mapping.json"
cp "$SF_REFRESH_TOKEN_FILE" tenants/globex/refresh.token
# ann: the org file names Ann's user, but holds the integration user's refresh token.
tenant ann "{\"orgId\":\"$ORG\",\"username\":\"admin@acme.example\"}" "$refresh_org" \
	"$EX/tenants/globex/mapping.json"
cp "$SF_REFRESH_TOKEN_FILE" tenants/ann/refresh.token
# elsewhere: bound to another org than the one its credentials log into.
tenant elsewhere "{\"orgId\":\"00D000000000009\",\"username\":\"integration@acme.example\"}" "$jwt_org" \
	"$EX/tenants/globex/mapping.json"
# The environment's credentials belong to no tenant: nothing may fall back to them.
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE SF_CLIENT_ID

# --- sf-describe --tenants: each catalog refreshed, failures isolated ---
expect_status 1 "sf-describe --tenants: some tenants failed is exit 1" -- sf-describe --tenants tenants
out=$(cat "$T/out")
expect_eq "$(json_get "$out" 'select(.ok) | .tenant' | tr '\n' ' ')" "acme globex " \
	"acme's and globex's catalogs refreshed"
expect_eq "$(json_get "$out" 'select(.tenant == "ann") | .error.code')" "identity-mismatch" \
	"ann: a token of another user than the org file names is refused"
expect_eq "$(json_get "$out" 'select(.tenant == "elsewhere") | .error.code')" "identity-mismatch" \
	"elsewhere: a token of another org than tenant.json names is refused"
expect_eq "$(stat -c %a tenants/acme/describe.json)" "600" "describe.json written owner-only"
[ -e tenants/ann/describe.json ] && t_fail "ann got a catalog" || t_ok "ann got no catalog"
cp tenants/globex/describe.json tenants/ann/describe.json
cp tenants/globex/describe.json tenants/elsewhere/describe.json

# --- the keyring: one key per tenant ---
printf '{}\n' >keys.json
for t in acme globex ann elsewhere; do hmac-sign --keyring keys.json --tenant $t --new-key >/dev/null; done
sign() { hmac-sign --keyring keys.json --tenant "$1" --lines; }
booking() { jq -c "$1" "$EX/booking.json"; }

leads() { emu_admin GET '/__emu/records?sobject=Lead' | jq -c "[.records[] | select(.fields.Booking_Key__c != null) | $1]"; }
writes() { emu_admin GET /__emu/stats | jq '[.by_endpoint | to_entries[] | select(.key | test("composite|sobjects/.*/.*|jobs")) | .value] | add // 0'; }

# --- a mixed spool ---
{
	booking '.id = "bk-1042"' | sign acme
	booking '.id = "bk-2001" | .invitee.company = "Globex Corp"' | sign globex
	booking '.id = "bk-1043" | .invitee.last_name = "Second"' | sign acme
	booking '.id = "bk-3001"' | sign ann
	booking '.id = "bk-4001"' | sign elsewhere
} >spool.jsonl
pipeline() {
	hmac-verify --keyring keys.json --tagged <"$1" | sf-map --tenants tenants |
		sf-create --tenants tenants >"$2"
}
pipeline spool.jsonl results.jsonl 2>err.txt
expect_eq "$(jq -r 'select(.ok) | "\(.tenant) \(.id)"' results.jsonl | sort | tr '\n' ,)" \
	"acme bk-1042,acme bk-1043,globex bk-2001," "the three bound tenants' bookings created"
expect_eq "$(jq -r 'select(.ok == false) | "\(.tenant) \(.id)"' results.jsonl | sort | tr '\n' ,)" \
	"ann bk-3001,elsewhere bk-4001," "ann's and elsewhere's refused, each with its tenant"
expect_eq "$(head -c 10 results.jsonl)" '{"tenant":' "results carry the tenant first"
expect_eq "$(leads '.fields.Booking_Key__c' | jq -r 'sort | join(",")')" \
	"acme:bk-1042,acme:bk-1043,globex:bk-2001" "Leads keyed by tenant; none for ann or elsewhere"
expect_eq "$(jq -r 'select(.tenant == "ann") | .error.code' results.jsonl)" "identity-mismatch" \
	"sf-create refuses ann's plans: the token is not Ann's"

# --- the attack: globex reuses acme's booking id, cancelled, another company ---
before=$(leads 'select(.fields.Booking_Key__c == "acme:bk-1042") | .fields')
bbefore=$(emu_admin GET '/__emu/records?sobject=Booking__c' | jq -c '[.records[] | select(.fields.Booking_Key__c == "acme:bk-1042") | .fields]')
booking '.id = "bk-1042" | .status = "cancelled" | .invitee.company = "PWNED-by-globex"' | sign globex >attack.jsonl
# ... and a body that says it is acme's, and one that nests a tagged item.
booking '.id = "bk-1042" | .tenant = "acme" | .invitee.company = "PWNED-forged"' | sign globex >>attack.jsonl
jq -nc --argjson b "$(booking '.id = "bk-1042" | .invitee.company = "PWNED-nested"')" \
	'{tenant: "acme", body: $b}' | sign globex >>attack.jsonl
pipeline attack.jsonl attack-results.jsonl 2>/dev/null
expect_eq "$(leads 'select(.fields.Booking_Key__c == "acme:bk-1042") | .fields')" "$before" \
	"acme's Lead unchanged by globex's booking with acme's id"
expect_eq "$(emu_admin GET '/__emu/records?sobject=Booking__c' | jq -c '[.records[] | select(.fields.Booking_Key__c == "acme:bk-1042") | .fields]')" \
	"$bbefore" "acme's booking not cancelled"
expect_eq "$(leads 'select(.fields.Booking_Key__c == "globex:bk-1042") | .fields.Company' | jq -r '.[]')" \
	"PWNED-forged" "globex changed only its own record (a forged tenant field is just data)"
expect_eq "$(jq -r 'select(.ok == false) | "\(.tenant) \(.error.code)"' attack-results.jsonl)" \
	"globex missing-id" "a nested tagged item is a body of globex's without an id"

# --- plans naming another tenant, or carrying another tenant's keys ---
plan() { jq -nc --arg t "$1" --arg k "$2" '{tenant: $t, id: "x", records: [{ref: "lead", sobject: "Lead",
	upsert: {field: "Booking_Key__c", value: $k}, fields: {LastName: "X", Company: "PWNED-plan"}}]}' | jq -c "$3"; }
{
	plan globex acme:bk-1042 .
	plan globex ac:me . 
	plan nobody nobody:bk-1 .
	plan acme acme:bk-1042 'del(.tenant)'
	plan "../acme" acme:bk-1042 .
	plan globex globex:bk-9 '.instanceUrl = "https://evil.my.salesforce.com" | .org = "00D000000000009"'
} >plans.jsonl
n0=$(writes)
expect_status 1 "sf-create --tenants refuses foreign plans item by item" -- \
	sf-create --tenants tenants <plans.jsonl
codes=$(jq -r 'select(.ok == false) | .error.code' "$T/out" | tr '\n' ,)
expect_eq "$codes" "foreign-key,foreign-key,unknown-tenant,untagged,bad-tenant-name," \
	"another tenant's key, an unknown, missing or unusable tenant: refused with their codes"
expect_eq "$(leads 'select(.fields.Company == "PWNED-plan") | .fields.Booking_Key__c' | jq -r 'join(",")')" \
	"$(jq -r 'select(.ok) | "globex:bk-9"' "$T/out")" "only globex's own plan written, in its own org"
expect_eq "$(leads 'select(.fields.Booking_Key__c == "acme:bk-1042") | .fields')" "$before" \
	"acme's Lead still unchanged"

# --- single-org binding: a token of the wrong user or org, before any write ---
single() { env SF_LOGIN_URL="$SF_LOGIN_URL" SF_CLIENT_ID="$CLIENT" SF_JWT_KEY_FILE="$JWT" \
	SF_USERNAME=integration@acme.example "$@"; }
CLIENT=$(jq -r .clientId tenants/acme/org.json) JWT=$(jq -r .jwtKeyFile tenants/acme/org.json)
plan acme acme:bk-77 'del(.tenant)' >one.jsonl
n0=$(emu_admin GET /__emu/stats | jq .records)
expect_status 5 "SF_USER_ID of another user: exit 5" -- single env SF_USER_ID="$ADMIN" sf-create <one.jsonl
expect_match "identity-mismatch|not to the configured user" "$(cat "$T/err")" "the message says whose token it is"
expect_status 5 "SF_ORG_ID of another org: exit 5" -- single env SF_ORG_ID=00D000000000009 sf-create <one.jsonl
expect_eq "$(emu_admin GET /__emu/stats | jq .records)" "$n0" "nothing written by a refused token"
expect_status 0 "the right org and user (15-character ids) go through" -- \
	single env SF_ORG_ID="${ORG:0:15}" SF_USER_ID="${INTEGRATION:0:15}" sf-create <one.jsonl
# A given access token has no token response: its identity is asked for.
atok=$(json_get "$(emu_admin POST /__emu/token '{"username":"admin@acme.example"}')" .access_token)
expect_status 5 "a given access token of another user is refused" -- \
	env SF_ACCESS_TOKEN="$atok" SF_INSTANCE_URL="$(json_get "$tok" .instance_url)" \
	SF_USER_ID="$INTEGRATION" sf-create <one.jsonl

# --- sf-freebusy for a bound mailbox: only its own user ---
expect_status 1 "a bound mailbox asking about another host: exit 1" -- \
	sf-freebusy --tenants tenants --tenant globex --from 2026-12-01T00:00:00Z \
	--to 2026-12-02T00:00:00Z "$INTEGRATION" "$ANN"
expect_eq "$(jq -r '"\(.user) \(.ok != false) \(.error.code // "")"' "$T/out" | sort | tr '\n' ,)" \
	"$INTEGRATION true ,$ANN false not-bound-user," "its own user answered, Ann refused"

# --- trust: a tenants directory others may write is refused whole ---
chmod 770 tenants
expect_status 3 "a group-writable tenants directory is refused" -- sf-map --tenants tenants </dev/null
chmod 700 tenants
chmod 666 tenants/acme/mapping.json
echo '{"tenant":"acme","body":{"id":"bk-5"}}' >tagged.jsonl
expect_status 1 "a world-writable mapping refuses that tenant's items" -- sf-map --tenants tenants <tagged.jsonl
expect_eq "$(jq -r .error.code "$T/out")" "bad-tenant" "code bad-tenant"

t_done
