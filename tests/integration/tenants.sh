#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Tenants end to end against the emulator with three orgs (acme, globex,
# initech) and four tenants: acme and acme-eu share the acme org, globex and
# initech have their own.  A mixed signed spool through
# hmac-verify --tagged | sf-map --tenants | sf-create --tenants lands each
# booking only in its own org under its own keys; a tenant reusing another
# tenant's booking id (in another org and in the shared one), a forged tenant
# in a body, plans naming another tenant or org change nothing of the others';
# a token of the wrong user or org is refused before any write; one org at its
# daily limit while the others finish; sf-describe --tenants isolates a failing
# tenant; a bound mailbox asks sf-freebusy only about its own user.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"

. "$SFP_ROOT/tests/integration/tenants-env.bash"
tenants_orgs acme globex initech
expect_eq "$(for x in acme globex initech; do o $x org_id; done | sort -u | wc -l)" "3" "three orgs, three org ids"
records() {   # records ORG SOBJECT JQ: the org's records with a booking key, through JQ
	emu_admin GET "/__emu/records?sobject=$2&org=$1" |
		jq -c "[.records[] | select(.fields.Booking_Key__c != null) | $3] | sort"
}
writes() { emu_admin GET "/__emu/stats?org=$1" | jq '.by_endpoint.composite_graph // 0'; }

umask 077
mkdir -p tenants
LEADS="$EX/tenants/globex/mapping.json"
tenant acme acme username jwt "$EX/tenants/acme/mapping.json"
tenant acme-eu acme user refresh "$LEADS"
tenant globex globex username jwt "$LEADS"
tenant initech initech user refresh "$LEADS"
# ann: the tenant names globex's admin, but the org file holds the integration
# user's refresh token.
tenant ann globex "{\"orgId\":\"$(o globex org_id)\",\"username\":\"$(o globex admin_username)\"}" \
	refresh "$LEADS"
# elsewhere: bound to initech's org, with globex's credentials.
tenant elsewhere globex "{\"orgId\":\"$(o initech org_id)\",\"username\":\"$(o globex username)\"}" \
	jwt "$LEADS"
# The environment's credentials belong to no tenant: nothing may fall back to them.
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE SF_CLIENT_ID

# --- a tenant's org takes SF_CA_FILE and SF_RESOLVE only in test mode ---
before=$(emu_admin GET /__emu/stats | jq .requests)
env -u SFPIPE_TEST_EMULATOR sf-describe --tenants tenants >"$T/out" 2>"$T/err"
expect_eq "$?" 1 "outside test mode every tenant is refused (exit 1)"
expect_eq "$(json_get "$(cat "$T/out")" 'select(.ok | not) | .error.code' | sort -u)" "test-setting" \
	"each for the test setting, not trusted from the environment"
expect_eq "$(emu_admin GET /__emu/stats | jq .requests)" "$before" "nothing sent"

# --- sf-describe --tenants: each catalog refreshed, failures isolated ---
expect_status 1 "sf-describe --tenants: some tenants failed is exit 1" -- sf-describe --tenants tenants
out=$(cat "$T/out")
expect_eq "$(json_get "$out" 'select(.ok) | .tenant' | tr '\n' ' ')" "acme acme-eu globex initech " \
	"the four bound tenants' catalogs refreshed"
expect_eq "$(json_get "$out" 'select(.tenant == "ann") | .error.code')" "identity-mismatch" \
	"ann: a token of another user than the tenant names is refused"
expect_eq "$(json_get "$out" 'select(.tenant == "elsewhere") | .error.code')" "identity-mismatch" \
	"elsewhere: a token of another org than the tenant names is refused"
expect_eq "$(stat -c %a tenants/acme/describe.json)" "600" "describe.json written owner-only"
[ -e tenants/ann/describe.json ] && t_fail "ann got a catalog" || t_ok "ann got no catalog"
cp tenants/globex/describe.json tenants/ann/describe.json
cp tenants/globex/describe.json tenants/elsewhere/describe.json

# --- the keyring: one key per tenant ---
printf '{}\n' >keys.json
for t in acme acme-eu globex initech ann elsewhere; do
	hmac-sign --keyring keys.json --tenant "$t" --new-key >/dev/null
done
sign() { hmac-sign --keyring keys.json --tenant "$1" --lines; }
booking() { jq -c "$1" "$EX/booking.json"; }
pipeline() {
	hmac-verify --keyring keys.json --tagged <"$1" | sf-map --tenants tenants |
		sf-create --tenants tenants >"$2"
}

# --- a mixed spool: each booking only in its own org ---
{
	booking '.id = "bk-1042"' | sign acme
	booking '.id = "bk-2001" | .invitee.company = "Globex Corp"' | sign globex
	booking '.id = "bk-1043" | .invitee.last_name = "Second"' | sign acme
	booking '.id = "bk-5001" | .invitee.company = "Acme Europe"' | sign acme-eu
	booking '.id = "bk-3001" | .invitee.company = "Initech"' | sign initech
	booking '.id = "bk-9001"' | sign ann
	booking '.id = "bk-9002"' | sign elsewhere
} >spool.jsonl
pipeline spool.jsonl results.jsonl 2>err.txt
expect_eq "$(jq -r 'select(.ok) | "\(.tenant) \(.id)"' results.jsonl | sort | tr '\n' ,)" \
	"acme bk-1042,acme bk-1043,acme-eu bk-5001,globex bk-2001,initech bk-3001," \
	"the four tenants' bookings created"
expect_eq "$(jq -r 'select(.ok == false) | "\(.tenant) \(.id) \(.error.code)"' results.jsonl | sort | tr '\n' ,)" \
	"ann bk-9001 identity-mismatch,elsewhere bk-9002 identity-mismatch," \
	"ann's and elsewhere's refused: the token is not the tenant's"
expect_eq "$(head -c 10 results.jsonl)" '{"tenant":' "results carry the tenant first"
expect_eq "$(records acme Lead .fields.Booking_Key__c)" \
	'["acme-eu:bk-5001","acme:bk-1042","acme:bk-1043"]' "acme's org: acme's and acme-eu's Leads only"
expect_eq "$(records globex Lead .fields.Booking_Key__c)" '["globex:bk-2001"]' \
	"globex's org: globex's Lead only, nothing of ann or elsewhere"
expect_eq "$(records initech Lead .fields.Booking_Key__c)" '["initech:bk-3001"]' \
	"initech's org: initech's Lead only"
expect_eq "$(records acme Booking__c .fields.Booking_Key__c)" '["acme:bk-1042","acme:bk-1043"]' \
	"acme's full mapping: its Booking__c records in its org"

# --- the attack: others reuse acme's booking id, cancelled, another company ---
lead_before=$(records acme Lead 'select(.fields.Booking_Key__c | startswith("acme:")) | .fields')
booking_before=$(records acme Booking__c .fields)
{
	# globex, from its own org; acme-eu, from the org it shares with acme
	booking '.id = "bk-1042" | .status = "cancelled" | .invitee.company = "PWNED-by-globex"' | sign globex
	booking '.id = "bk-1042" | .status = "cancelled" | .invitee.company = "PWNED-by-acme-eu"' | sign acme-eu
	# a body that says it is acme's, and a tagged item nested in a body
	booking '.id = "bk-1043" | .tenant = "acme" | .invitee.company = "PWNED-forged"' | sign acme-eu
	jq -nc --argjson b "$(booking '.id = "bk-1042" | .invitee.company = "PWNED-nested"')" \
		'{tenant: "acme", body: $b}' | sign acme-eu
} >attack.jsonl
pipeline attack.jsonl attack-results.jsonl 2>/dev/null
expect_eq "$(records acme Lead 'select(.fields.Booking_Key__c | startswith("acme:")) | .fields')" \
	"$lead_before" "acme's Leads unchanged"
expect_eq "$(records acme Booking__c .fields)" "$booking_before" "acme's bookings not cancelled"
expect_eq "$(records globex Lead 'select(.fields.Booking_Key__c == "globex:bk-1042") | .fields.Company')" \
	'["PWNED-by-globex"]' "globex wrote only its own record, in its own org"
expect_eq "$(records acme Lead 'select(.fields.Booking_Key__c | startswith("acme-eu:")) | "\(.fields.Booking_Key__c) \(.fields.Company)"')" \
	'["acme-eu:bk-1042 PWNED-by-acme-eu","acme-eu:bk-1043 PWNED-forged","acme-eu:bk-5001 Acme Europe"]' \
	"acme-eu, in the shared org, wrote only its own keys (a forged tenant field is data)"
expect_eq "$(jq -r 'select(.ok == false) | "\(.tenant) \(.error.code)"' attack-results.jsonl)" \
	"acme-eu missing-id" "a nested tagged item is a body of acme-eu's without an id"

# --- plans naming another tenant or org, or carrying another tenant's keys ---
plan() { jq -nc --arg t "$1" --arg k "$2" '{tenant: $t, id: "x", records: [{ref: "lead",
	sobject: "Lead", upsert: {field: "Booking_Key__c", value: $k},
	fields: {LastName: "X", Company: "PWNED-plan"}}]}' | jq -c "$3"; }
{
	plan globex acme:bk-1042 .
	plan acme-eu acme:bk-1042 .
	plan acme-eu acme-:bk-1 .
	plan nobody nobody:bk-1 .
	plan acme acme:bk-1042 'del(.tenant)'
	plan "../acme" acme:bk-1042 .
} >plans.jsonl
plan globex globex:bk-9 '.instanceUrl = "'"$(o acme instance_url)"'" | .orgId = "'"$(o acme org_id)"'"' \
	>>plans.jsonl
a0=$(writes acme)
expect_status 1 "sf-create --tenants refuses foreign plans item by item" -- \
	sf-create --tenants tenants <plans.jsonl
expect_eq "$(jq -r 'select(.ok == false) | .error.code' "$T/out" | tr '\n' ,)" \
	"foreign-key,foreign-key,foreign-key,unknown-tenant,untagged,bad-tenant-name," \
	"another tenant's keys, unknown, missing or unusable tenants: refused with their codes"
expect_eq "$(writes acme)" "$a0" "no request at all to acme's org"
expect_eq "$(records acme Lead 'select(.fields.Company == "PWNED-plan") | .fields.Booking_Key__c')" \
	"[]" "nothing of these plans in acme's org"
expect_eq "$(records globex Lead 'select(.fields.Company == "PWNED-plan") | .fields.Booking_Key__c')" \
	'["globex:bk-9"]' "the plan naming acme's org went only to its tenant's own org"

# --- single-org binding: a token of the wrong user or org, before any write ---
single() { env SF_LOGIN_URL="$SF_LOGIN_URL" SF_CLIENT_ID="$(o acme client_id)" \
	SF_JWT_KEY_FILE="$(o acme jwt_key_file)" SF_USERNAME="$(o acme username)" "$@"; }
plan acme acme:bk-77 'del(.tenant)' >one.jsonl
a0=$(writes acme)
expect_status 5 "SF_USER_ID of another user: exit 5" -- \
	single env SF_USER_ID="$(o acme admin_user_id)" sf-create <one.jsonl
expect_match "not to the configured user" "$(cat "$T/err")" "the message says whose token it is"
expect_status 5 "SF_ORG_ID of another org: exit 5" -- \
	single env SF_ORG_ID="$(o globex org_id)" sf-create <one.jsonl
expect_eq "$(writes acme)" "$a0" "no write request with a refused token"
ORG15=$(o acme org_id | cut -c1-15) USER15=$(o acme user_id | cut -c1-15)
expect_status 0 "the right org and user (15-character ids) go through" -- \
	single env SF_ORG_ID="$ORG15" SF_USER_ID="$USER15" sf-create <one.jsonl
# A given access token has no token response: its identity is asked for.
atok=$(json_get "$(emu_admin POST '/__emu/token?org=acme' "{\"username\":\"$(o acme admin_username)\"}")" .access_token)
expect_status 5 "a given access token of another user is refused" -- \
	env SF_ACCESS_TOKEN="$atok" SF_INSTANCE_URL="$(o acme instance_url)" \
	SF_USER_ID="$(o acme user_id)" sf-create <one.jsonl

# --- one org at its daily limit; the other tenants finish ---
used=$(emu_admin GET '/__emu/stats?org=initech' | jq .api_calls)
emu_admin POST '/__emu/config?org=initech' "{\"daily_limit\": $used}" >/dev/null
{
	booking '.id = "bk-6001"' | sign initech
	booking '.id = "bk-6002"' | sign acme
	booking '.id = "bk-6003"' | sign globex
	booking '.id = "bk-6004"' | sign acme-eu
} >limit.jsonl
hmac-verify --keyring keys.json --tagged <limit.jsonl | sf-map --tenants tenants |
	sf-create --tenants tenants --rejects limit-rejects.jsonl >limit-results.jsonl 2>/dev/null
rc=$?
expect_eq "$rc" "4" "exit 4: some plans wait for tomorrow"
expect_eq "$(jq -r 'select(.ok) | .tenant' limit-results.jsonl | sort | tr '\n' ,)" "acme,acme-eu,globex," \
	"the three other tenants' plans created"
expect_eq "$(jq -r 'select(.ok != true) | .tenant' limit-results.jsonl)" "initech" \
	"initech's plan reported"
expect_eq "$(jq -r '.tenant' limit-rejects.jsonl)" "initech" "initech's plan kept for replay, with its tenant"
emu_admin POST '/__emu/config?org=initech' '{"daily_limit": 1000000}' >/dev/null
expect_status 0 "the kept plan replays the next day" -- sf-create --tenants tenants <limit-rejects.jsonl
expect_eq "$(records initech Lead .fields.Booking_Key__c)" '["initech:bk-3001","initech:bk-6001"]' \
	"initech's org complete, exactly once"

# --- sf-freebusy for a bound mailbox: only its own user ---
expect_status 1 "a bound mailbox asking about another host: exit 1" -- \
	sf-freebusy --tenants tenants --tenant initech --from 2026-12-01T00:00:00Z \
	--to 2026-12-02T00:00:00Z "$(o initech user_id)" "$(o initech admin_user_id)"
expect_eq "$(jq -r '"\(.user) \(.ok != false) \(.error.code // "")"' "$T/out" | sort | tr '\n' ,)" \
	"$(o initech admin_user_id) false not-bound-user,$(o initech user_id) true ," \
	"its own user answered, the other refused"

# --- examples/tenants: its files load, and its mappings compile and key by tenant ---
cp -r "$EX/tenants" example-tenants
chmod -R go-w example-tenants
for t in acme globex; do cp "$EX/describe.json" "example-tenants/$t/describe.json"; done
for t in acme globex; do jq -c --arg t "$t" '{tenant: $t, body: .}' "$EX/booking.json"; done >ex.jsonl
expect_status 0 "examples/tenants maps the example booking for both tenants" -- \
	sf-map --tenants example-tenants <ex.jsonl
expect_eq "$(jq -r '"\(.tenant) \(.records[0].upsert.value)"' "$T/out" | tr '\n' ,)" \
	"acme acme:bk-1042,globex globex:bk-1042," "each example tenant's keys start with its name"

# --- trust: a tenants directory others may write is refused whole ---
chmod 770 tenants
expect_status 3 "a group-writable tenants directory is refused" -- sf-map --tenants tenants </dev/null
chmod 700 tenants
chmod 666 tenants/acme/mapping.json
echo '{"tenant":"acme","body":{"id":"bk-5"}}' >tagged.jsonl
expect_status 1 "a world-writable mapping refuses that tenant's items" -- sf-map --tenants tenants <tagged.jsonl
expect_eq "$(jq -r .error.code "$T/out")" "bad-tenant" "code bad-tenant"

t_done
