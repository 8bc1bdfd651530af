# SPDX-License-Identifier: ISC
# sf-provision end to end on the emulator: a signed SCIM request (hmac-sign ->
# hmac-verify --tagged -> sf-provision) becomes exactly one active community
# user of the right profile, linked to exactly one Contact under the right
# Account; sent again, changed, out of order, replayed, signed by another
# tenant, tampered, deprovisioned; 200 requests at the API-call floor; a
# missing permission, a full licence pool and a role-less account owner are
# one clear error per request with nothing half-made; the community user logs
# in at the site host and describes only what its profile grants.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
export SFPIPE_CACHE_DIR="$T/cache"

cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
ADMIN=$(jq -r '.orgs[0].admin_user_id' "$SFEMU_ORGS_FILE")
jq --arg a "$ADMIN" '.accountOwnerId = $a' "$SFP_ROOT/examples/provision.json" >conf.json
jq 'del(.accountOwnerId)' conf.json >noowner.json
# org FILE USER [LOGIN]: org settings for USER by JWT bearer (at LOGIN)
org() {
	printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"%s","jwtKeyFile":"%s","flow":"jwt"}\n' \
		"$SF_INSTANCE_URL" "${3:-$SF_LOGIN_URL}" "$SF_CLIENT_ID" "$2" "$SF_JWT_KEY_FILE" >"$1"
	chmod 600 "$1"
}
org org.json integration@acme.example
calls() { emu_admin GET /__emu/stats | jq -r .api_calls; }
records() { emu_admin GET "/__emu/records?sobject=$1" | jq -c '.records[]'; }
# req ID FAMILY LASTMODIFIED [ACTIVE [ACCOUNTKEY]]: a SCIM request body
req() {
	jq -c --arg id "$1" --arg fam "$2" --arg lm "$3" --argjson act "${4:-true}" \
		--arg acc "${5:-analytical-engines}" '.externalId = $id | .userName = ($id + "@analytical.example")
		| .name.familyName = $fam | .meta.lastModified = $lm | .active = $act
		| .["urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User"].accountKey = $acc' \
		"$SFP_ROOT/examples/provision-request.json"
}
# send TENANT BODY...: sign each body as TENANT, verify, provision (acme's rules)
send() {
	local tenant=$1
	shift
	for b in "$@"; do printf '%s' "$b" | hmac-sign -k keys.json -t "$tenant"; done >sent.jsonl
	hmac-verify -k keys.json --tagged --replay-store "$T/replay.sqlite" <sent.jsonl >verified.jsonl
	sf-provision --org org.json --tenant acme --config conf.json <verified.jsonl
}
prov() { sf-provision --org org.json --tenant acme --config "${2:-conf.json}" <"$1"; }
user_of() { records User | jq -c --arg k "acme:$1" 'select(.fields.Provisioning_Key__c == $k) | .fields'; }

emu_admin POST /__emu/reset >/dev/null
emu_admin POST /__emu/config '{"manage_external_users":1}' >/dev/null

# --- 1. one signed request: one user, one Contact, the right Account ----------
c0=$(calls)
expect_status 0 "a signed request is provisioned" -- send acme "$(req u-1 Lovelace 2026-12-04T10:00:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" created "outcome created"
expect_eq "$(($(calls) - c0))" 4 "4 API calls: lookup, Account, Contact, User (and one login)"
u=$(user_of u-1)
expect_eq "$(printf '%s' "$u" | jq -r '[.IsActive, .UserType, .LastName] | @tsv')" \
	"$(printf 'true\tCspLitePortal\tLovelace')" "an active Customer Community user"
profile=$(records Profile | jq -r --arg p "$(printf '%s' "$u" | jq -r .ProfileId)" 'select(.Id == $p) | .fields.Name')
expect_eq "$profile" "Customer Community User" "of the profile the config maps 'customer' to"
expect_eq "$(printf '%s' "$u" | jq -r .Username)" "u-1@analytical.example.acmeportal" "username with the suffix"
expect_eq "$(printf '%s' "$u" | jq -r '[.Alias, .LocaleSidKey, .LanguageLocaleKey, .TimeZoneSidKey] | @tsv')" \
	"$(printf 'alovelac\ten_GB\ten_US\tEurope/London')" "alias, locale, language, time zone derived"
expect_eq "$(records Contact | jq -r 'select(.fields.Provisioning_Key__c == "acme:u-1") | .Id' | wc -l)" 1 "exactly one Contact"
contact=$(records Contact | jq -c 'select(.fields.Provisioning_Key__c == "acme:u-1")')
expect_eq "$(printf '%s' "$u" | jq -r .ContactId)" "$(printf '%s' "$contact" | jq -r .Id)" "the user is linked to it"
acct=$(records Account | jq -c 'select(.fields.Provisioning_Key__c == "acme:analytical-engines")')
expect_eq "$(printf '%s' "$contact" | jq -r .fields.AccountId)" "$(printf '%s' "$acct" | jq -r .Id)" "under the right Account"
expect_eq "$(printf '%s' "$acct" | jq -r '[.fields.Name, .fields.OwnerId] | @tsv')" \
	"$(printf 'Analytical Engines Ltd\t%s' "$ADMIN")" "named after the organization, owned by the owner with a role"

# --- 2. replayed, re-sent, changed, out of order -------------------------------
c0=$(calls)
expect_status 1 "the same signed message again is refused by hmac-verify" -- \
	hmac-verify -k keys.json --tagged --replay-store "$T/replay.sqlite" <sent.jsonl
expect_eq "$(jq -r .error.code "$T/out")" replayed "as a replay"
expect_eq "$(($(calls) - c0))" 0 "before any call"
expect_status 0 "the same request signed anew" -- send acme "$(req u-1 Lovelace 2026-12-04T10:00:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" unchanged "changes nothing"
expect_eq "$(($(calls) - c0))" 1 "at the cost of the lookup alone"
expect_eq "$(user_of u-1)" "$u" "the user is as it was"
expect_status 0 "a changed request" -- send acme "$(req u-1 Byron 2026-12-04T11:00:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" updated "updates"
expect_eq "$(user_of u-1 | jq -r .LastName)" Byron "the user's name"
expect_eq "$(records Contact | jq -r 'select(.fields.Provisioning_Key__c == "acme:u-1") | .fields.LastName')" Byron "and the Contact's"
c0=$(calls)
expect_status 0 "an older request arriving late" -- send acme "$(req u-1 Lovelace 2026-12-04T10:30:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" stale "is stale"
expect_eq "$(user_of u-1 | jq -r .LastName)" Byron "and changes nothing"
expect_eq "$(($(calls) - c0))" 1 "nothing written"
expect_status 0 "two versions in one run" -- send acme "$(req u-1 Newer 2026-12-04T12:30:00Z)" "$(req u-1 Older 2026-12-04T12:00:00Z)"
expect_eq "$(jq -r .outcome "$T/out" | tr '\n' ' ')" "updated superseded " "the newest applies, the other is superseded"
expect_eq "$(user_of u-1 | jq -r .LastName)" Newer "by the newest one"

# --- 3. signed by another tenant, tampered -------------------------------------
c0=$(calls)
printf '%s' "$(req u-1 Globex 2026-12-04T13:00:00Z)" | hmac-sign -k keys.json -t globex >g.jsonl
hmac-verify -k keys.json --tagged --replay-store "$T/replay.sqlite" <g.jsonl >gv.jsonl
expect_status 1 "globex's request is refused by sf-provision --tenant acme" -- prov gv.jsonl
expect_eq "$(jq -r '[.tenant, .error.code] | @tsv' "$T/out")" "$(printf 'globex\tunknown-tenant')" "as unknown-tenant"
jq -c '.tenant = "acme"' g.jsonl >forged.jsonl   # claims acme, signed with globex's key
expect_status 1 "a globex-signed message claiming acme is refused" -- \
	hmac-verify -k keys.json --tagged --replay-store "$T/replay.sqlite" <forged.jsonl
printf '%s' "$(req u-1 Tampered 2026-12-04T13:00:00Z)" | hmac-sign -k keys.json -t acme |
	jq -c '.body |= sub("Tampered"; "Tampere2")' >tampered.jsonl
expect_status 1 "an altered body is refused by hmac-verify" -- \
	hmac-verify -k keys.json --tagged --replay-store "$T/replay.sqlite" <tampered.jsonl
expect_eq "$(jq -r .error.code "$T/out")" bad-signature "as a bad signature"
expect_eq "$(($(calls) - c0))" 0 "no call for any of them"
expect_eq "$(user_of u-1 | jq -r .LastName)" Newer "the user is untouched"

# --- 4. deprovisioning: the user deactivated, nothing else ---------------------
before=$(records Contact; records Account)
expect_status 0 "active false" -- send acme "$(req u-1 Newer 2026-12-04T14:00:00Z false)"
expect_eq "$(jq -r .outcome "$T/out")" deactivated "deactivates"
expect_eq "$(user_of u-1 | jq -r .IsActive)" false "the user is inactive"
expect_eq "$(records Contact; records Account)" "$before" "Contact and Account untouched"
expect_status 0 "a provision older than the deactivation" -- send acme "$(req u-1 Newer 2026-12-04T13:30:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" stale "does not reactivate"
expect_eq "$(records User | jq -r 'select(.fields.Provisioning_Key__c == "acme:u-1") | .Id' | wc -l)" 1 "still one user, never deleted"
expect_status 0 "a newer provision" -- send acme "$(req u-1 Newer 2026-12-04T15:00:00Z)"
expect_eq "$(jq -r .outcome "$T/out")" updated "reactivates"
expect_eq "$(user_of u-1 | jq -r .IsActive)" true "the same user, active again"

# --- 5. 200 requests at the floor ----------------------------------------------
for i in $(seq 1 200); do
	req "b-$i" "Person$i" 2026-12-04T10:00:00Z true "co-$i" | jq -c '{tenant:"acme",body:.}'
done >batch.jsonl
c0=$(calls)
expect_status 0 "200 requests" -- prov batch.jsonl
expect_eq "$(jq -r .outcome "$T/out" | sort | uniq -c | tr -s ' ')" " 200 created" "200 users created"
# ceil(keys/200 per query, 4 queries with the profiles in one composite) = 1,
# ceil(200 Accounts/200) = 1, ceil(200 Contacts/200) = 1, ceil(200 Users/200) = 1
expect_eq "$(($(calls) - c0))" 4 "4 API calls for 200 people of 200 companies"
c0=$(calls)
expect_status 0 "the 200 again" -- prov batch.jsonl
expect_eq "$(jq -r .outcome "$T/out" | sort -u)" unchanged "change nothing"
expect_eq "$(($(calls) - c0))" 1 "for one call"

# --- 6. missing permission, full licence pool, role-less owner: nothing half-made
keys_of() { records "$1" | jq -r '.fields.Provisioning_Key__c // empty' | grep -c "$2"; }
emu_admin POST /__emu/config '{"manage_external_users":0}' >/dev/null
for i in 1 2 3; do req "np-$i" "NoPerm$i" 2026-12-04T10:00:00Z true "np-co-$i" | jq -c '{tenant:"acme",body:.}'; done >np.jsonl
expect_status 1 "without Manage External Users" -- prov np.jsonl
expect_eq "$(jq -r .error.code "$T/out" | sort | uniq -c | tr -s ' ')" " 3 INSUFFICIENT_ACCESS_OR_READONLY" "one error per request"
expect_match 'fix: give the integration user the Manage External Users permission' "$(head -n 1 "$T/out")" "that says what to fix"
expect_eq "$(jq -r '.input.body.externalId' "$T/out" | tr '\n' ' ')" "np-1 np-2 np-3 " "each with its input to replay"
expect_eq "$(keys_of Contact 'acme:np-')$(keys_of Account 'acme:np-co-')" "00" "no Contact or Account left behind"
emu_admin POST /__emu/config '{"manage_external_users":1}' >/dev/null
expect_status 0 "sent again once the permission is given" -- prov np.jsonl
expect_eq "$(jq -r .outcome "$T/out" | sort -u)" created "all three are created"

used=$(records User | jq -r 'select(.fields.UserType == "CspLitePortal" and .fields.IsActive) | .Id' | wc -l)
emu_admin POST /__emu/config "{\"licenses_customer_community\":$((used + 1))}" >/dev/null
for i in 1 2 3; do req "lic-$i" "Lic$i" 2026-12-04T10:00:00Z true "lic-co-$i" | jq -c '{tenant:"acme",body:.}'; done >lic.jsonl
expect_status 1 "a pool with one free licence" -- prov lic.jsonl
expect_eq "$(jq -r '.outcome + " " + (.error.code // "")' "$T/out" | tr '\n' ',')" \
	"created ,failed LICENSE_LIMIT_EXCEEDED,failed LICENSE_LIMIT_EXCEEDED," "one created, two refused"
expect_eq "$(keys_of Contact 'acme:lic-')$(keys_of Account 'acme:lic-co-')" "11" "only the created one's Contact and Account remain"
emu_admin POST /__emu/config '{"licenses_customer_community":100000}' >/dev/null

req own-1 Owner 2026-12-04T10:00:00Z true own-co | jq -c '{tenant:"acme",body:.}' >own.jsonl
expect_status 1 "an Account owner without a role" -- prov own.jsonl noowner.json
expect_eq "$(jq -r .error.code "$T/out")" UNKNOWN_EXCEPTION "Salesforce's code"
expect_match 'portal account owner must have a role.*fix: give the account owner a role' "$(jq -r .error.message "$T/out")" "and the fix"
expect_eq "$(keys_of Contact 'acme:own-')$(keys_of Account 'acme:own-co')" "00" "nothing half-made"

# --- 7. an org that refuses the login: every request fails whole, to be sent again
org refused.json nobody@acme.example
sf-provision --org refused.json --tenant acme --config conf.json <np.jsonl >refused.out 2>refused.err
expect_eq "$?" 5 "a refused login is exit 5"
expect_eq "$(jq -r '[.outcome, .input.body.externalId] | @tsv' refused.out | tr '\n' ' ')" \
	"$(printf 'failed\tnp-1 failed\tnp-2 failed\tnp-3 ')" "each request failed with its input"
expect_match '^sf-provision: ' "$(cat refused.err)" "one line on stderr says why"

# --- 8. the community user's own login at the site host -------------------------
uname=$(user_of u-1 | jq -r .Username)
org site.json "$uname" "https://acme.my.site.com:$SFEMU_PORT"
expect_status 0 "sf-describe as the community user, logged in at the site host" -- sf-describe --org site.json Account Contact
acc=$(jq -c 'select(.name == "Account")' "$T/out")
expect_eq "$(printf '%s' "$acc" | jq -r '.fields[] | select(.name == "AnnualRevenue") | .name')" "" "Account.AnnualRevenue hidden by the profile"
expect_eq "$(printf '%s' "$acc" | jq -r '.fields[] | select(.name == "Name") | .updateable')" false "Account.Name read-only for it"
expect_eq "$(jq -c 'select(.name == "Contact") | .fields[] | select(.name == "Birthdate")' "$T/out")" "" "Contact.Birthdate hidden"
expect_status 0 "the integration user's describe" -- sf-describe --org org.json Account
expect_eq "$(jq -r '.fields[] | select(.name == "AnnualRevenue") | .name' "$T/out")" AnnualRevenue "shows what the community user cannot see"
send acme "$(req u-1 Newer 2026-12-04T16:00:00Z false)" >/dev/null
expect_status 5 "a deactivated user cannot log in" -- sf-describe --org site.json --no-cache Account
t_done
