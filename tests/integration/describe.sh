# SPDX-License-Identifier: ISC
# sf-describe against the emulator over HTTPS: what the restricted integration
# user sees, the describe cache (304, --offline), the output forms, failures.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"

stat_of() { emu_admin GET /__emu/stats | jq -r "$1"; }
field() { jq -c --arg f "$2" '.fields[] | select(.name == $f)' "$1"; }

# --- describeGlobal ----------------------------------------------------------
expect_status 0 "describeGlobal" -- sf-describe
expect_eq "$(jq -r 'select(.name == "Lead") | [.label, .createable, .custom] | @tsv' "$T/out")" \
	"$(printf 'Lead\ttrue\tfalse')" "Lead listed with label, createable, custom"
expect_eq "$(jq -r 'select(.name == "User") | .createable' "$T/out")" false \
	"User is not createable for the integration user"
expect_eq "$(jq -c 'keys' "$T/out" | sort -u | wc -l)" 1 "every line has the same keys"
sf-describe --createable >"$T/cr" 2>/dev/null
expect_eq "$(grep -c '"name":"User"' "$T/cr")" 0 "--createable drops User from the list"

# --- the restricted user ----------------------------------------------------
expect_status 0 "describe Lead Booking__c" -- sf-describe Lead Booking__c
jq -c 'select(.name == "Lead")' "$T/out" >"$T/lead"
jq -c 'select(.name == "Booking__c")' "$T/out" >"$T/bk"
expect_eq "$(field "$T/lead" AnnualRevenue)$(field "$T/lead" Rating)" "" "hidden Lead fields absent"
expect_eq "$(field "$T/bk" Internal_Notes__c)" "" "hidden Booking__c field absent"
expect_eq "$(field "$T/lead" NumberOfEmployees | jq -r '[.createable, .updateable] | @tsv')" \
	"$(printf 'false\tfalse')" "read-only NumberOfEmployees not createable"
expect_eq "$(field "$T/bk" Amount__c | jq -r .createable)" false "read-only Amount__c not createable"
expect_eq "$(field "$T/lead" LeadSource | jq -r .createable)" true "LeadSource createable"
expect_eq "$(jq -r '[.fields[] | select(.required) | .name] | sort | join(",")' "$T/lead")" \
	"Company,LastName" "required on create: Company, LastName"
expect_eq "$(field "$T/lead" Status | jq -r '[.picklist[] | select(.default) | .value] | join(",")')" \
	"Open - Not Contacted" "picklist default flag"
# Field types and properties real describes carry: a formula is neither
# createable nor required, a default given by formula makes a field optional,
# a geolocation's components are plain doubles, a time keeps its type; and the
# dependency of a picklist on another.
expect_eq "$(field "$T/bk" Amount_Label__c | jq -c '[.type, .createable, .required]')" \
	'["string",false,false]' "formula field: not createable, not required"
expect_eq "$(field "$T/bk" Reminder_Days__c | jq -c '[.defaultedOnCreate, .required]')" \
	'[true,false]' "default by formula: not required"
expect_eq "$(field "$T/bk" Venue__Latitude__s | jq -c '[.type, .createable, .scale]')" \
	'["double",true,15]' "geolocation component: a createable double"
expect_eq "$(field "$T/bk" Start_Time__c | jq -r .type)" time "time field"
expect_eq "$(field "$T/bk" Office__c | jq -c '[.controllerName, .dependentPicklist]')" \
	'["Region__c",true]' "a dependent picklist keeps its controller"
# The oldest version still served has a smaller key set (no actionOverrides
# before 32.0): the catalog is the same.
SF_API_VERSION=31.0 sf-describe --no-cache Lead Booking__c >"$T/v31" 2>"$T/err"
expect_eq "$?" 0 "describe at 31.0"
expect_eq "$(jq -c 'del(.fields[].label)' "$T/v31" | md5sum)" "$(jq -c 'select(.name == "Lead" or .name == "Booking__c") | del(.fields[].label)' "$T/out" | md5sum)" \
	"the catalog at 31.0 equals the one at 62.0"

# The administrator sees what the integration user does not (JWT sub).
SF_USERNAME=$SFEMU_ADMIN_USERNAME expect_status 0 "describe as the administrator" -- \
	sf-describe --no-cache Lead
expect_eq "$(field "$T/out" AnnualRevenue | jq -r .name)" AnnualRevenue "administrator sees AnnualRevenue"

# --- output forms ----------------------------------------------------------
expect_status 0 "--createable" -- sf-describe --createable Lead
expect_eq "$(jq '[.fields[] | select(.createable | not)] | length' "$T/out")" 0 \
	"--createable keeps only createable fields"
expect_eq "$(field "$T/out" Id)" "" "--createable drops Id"
expect_status 0 "--raw" -- sf-describe --raw Lead
expect_eq "$(jq -r '[.name, (.fields | length > 10), has("childRelationships")] | @tsv' "$T/out")" \
	"$(printf 'Lead\ttrue\ttrue')" "--raw is Salesforce's own describe"
expect_eq "$(jq '[.fields[] | select(.name == "Rating")] | length' "$T/out")" 0 "--raw hides Rating too"
expect_status 0 "--template" -- sf-describe --template Lead Event
expect_eq "$(jq -r '.records[0].fields | keys | join(",")' "$T/out")" "Company,LastName" \
	"template: Lead's required fields present"
expect_match 'optional fields: .*Email' "$(jq -r '.records[0].comment' "$T/out")" \
	"template: optional fields listed"
expect_eq "$(jq -r '[.records[].sobject] | join(",")' "$T/out")" "Lead,Event" "template covers both"
expect_status 0 "--pretty" -- sf-describe --pretty Event
expect_eq "$(jq -s length "$T/out")" 1 "--pretty is one JSON value"

# --- the cache --------------------------------------------------------------
rm -rf "$SFPIPE_CACHE_DIR"
sf-describe Lead Event >/dev/null 2>&1
emu_admin POST /__emu/reset >/dev/null
expect_status 0 "second run" -- sf-describe Lead Event
expect_eq "$(stat_of .by_endpoint.describe)" 2 "second run: one conditional request per sObject"
expect_eq "$(emu_admin GET '/__emu/log?limit=20' | jq -r '[.requests[] | select(.path | test("/describe$")) | .status] | join(",")')" "304,304" \
	"the org answered 304 Not Modified"
expect_match '^sf-describe: Lead: from the cache, 0h00m old' "$(cat "$T/err")" "stderr says the cache age"
expect_eq "$(jq -r .name "$T/out" | tr '\n' ' ')" "Lead Event " "cached describes are complete"
emu_admin POST /__emu/reset >/dev/null
expect_status 0 "--offline" -- sf-describe --offline Lead
expect_eq "$(stat_of '[.by_endpoint | keys[] | select(test("describe|oauth"))] | length')" 0 \
	"--offline sends nothing"
expect_match 'offline' "$(cat "$T/err")" "--offline says so"
expect_status 1 "--offline without a cached copy" -- sf-describe --offline Contact
expect_match 'not-cached' "$(jq -r .error.code "$T/out")" "--offline miss reported per sObject"
expect_eq "$(find "$SFPIPE_CACHE_DIR" -type f -perm /077 | wc -l)" 0 "cache files are private"
expect_eq "$(find "$SFPIPE_CACHE_DIR/describe" -name '*.Lead.json' | wc -l)" 1 \
	"describe cache file named after the sObject"

# --- one connection per host, reused (keep-alive) -----------------------------
# strace is a test dependency (make deps installs it).
strace -f -e trace=connect -o "$T/strace" sf-describe --no-cache Lead Event Contact Account \
	Booking__c EventRelation >/dev/null 2>&1
expect_eq "$(grep -c 'sin_port=htons' "$T/strace")" 2 \
	"seven requests over two connections (token host, instance)"

# --- failures ----------------------------------------------------------------
expect_status 1 "unknown sObject among known ones" -- sf-describe Lead Nope__c Event
expect_eq "$(jq -r '.name' "$T/out" | tr '\n' ' ')" "Lead Nope__c Event " "one line each, in order"
expect_eq "$(jq -r 'select(.name == "Nope__c") | .error.code' "$T/out")" NOT_FOUND \
	"the unknown sObject carries the org's error"
expect_match '^sf-describe: Nope__c: NOT_FOUND' "$(cat "$T/err")" "and a line on stderr"
expect_status 1 "a name that is no sObject name" -- sf-describe 'Lead/../x'
emu_admin POST /__emu/faults '{"rules":[{"kind":"daily_limit","rate":1}]}' >/dev/null
expect_status 4 "daily API limit: exit 4" -- sf-describe --no-cache Lead
expect_match 'TotalRequests Limit exceeded' "$(cat "$T/err")" "limit named"
emu_admin DELETE /__emu/faults >/dev/null
emu_admin POST /__emu/faults '{"rules":[{"kind":"unavailable","count":1}]}' >/dev/null
expect_status 0 "one 503 is retried away" -- sf-describe --no-cache Lead
emu_admin DELETE /__emu/faults >/dev/null
expect_status 6 "stdout on /dev/full: exit 6" -- sh -c 'sf-describe Lead >/dev/full'
expect_status 0 "--help" -- sf-describe --help
expect_match '^usage: sf-describe' "$(cat "$T/out")" "--help on stdout"
expect_status 0 "--version" -- sf-describe --version
expect_status 2 "unknown option" -- sf-describe --bogus
expect_status 2 "--raw with --template" -- sf-describe --raw --template Lead
SF_INSTANCE_URL=https://acme.my.salesforce.com.evil.example expect_status 3 "foreign instance refused" -- \
	sf-describe --no-cache Lead
expect_match 'refused host acme.my.salesforce.com.evil.example' "$(cat "$T/err")" "refused host named"

t_done
