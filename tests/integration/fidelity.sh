#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# What Salesforce refuses, refused by sfpipe too, against an emulator that
# refuses it as Salesforce does (tests/emulator/README.md, "Fidelity"):
# Composite Graph below API version 50.0, a restricted dependent picklist
# value its controlling value does not allow (through sf-describe's catalog),
# Bulk API 2.0 rows that were not written (a row lock, a failed job) sent
# again, and a record known only by its Id updated by it.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1

plan='{"id":"fid-1","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"fid-1"},"fields":{"LastName":"Lee","Company":"Acme"}}]}'
calls() { emu_admin GET /__emu/stats | jq -r .api_calls; }

# --- Composite Graph exists from API version 50.0 ----------------------------
before=$(calls)
printf '%s\n' "$plan" | SF_API_VERSION=49.0 sf-create >out 2>err
expect_eq "$?" 3 "sf-create at 49.0: configuration unusable (exit 3)"
expect_match 'composite/graph needs api version 50.0 or later; SF_API_VERSION is 49.0' "$(cat err)" \
	"the message names the resource and both versions"
expect_eq "$(( $(calls) - before ))" 0 "no graph sent to a version without it"
expect_eq "$(emu_admin GET '/__emu/records?sobject=Lead&Booking_Key__c=fid-1' | jq '.records | length')" 0 \
	"nothing written"
printf '%s\n' "$plan" | SF_API_VERSION=50.0 sf-create >out 2>err
expect_eq "$?" 0 "sf-create at 50.0 sends the graph"
expect_eq "$(emu_admin GET '/__emu/records?sobject=Lead&Booking_Key__c=fid-1' | jq '.records | length')" 1 \
	"and the record is written"

# --- dependent picklists, from the org's own describe -------------------------
expect_status 0 "describe Booking__c" -- sf-describe Booking__c
cp "$T/out" catalog.json
expect_eq "$(jq -c '.fields[] | select(.name == "Office__c") | [.controllerName, .dependentPicklist, ([.picklist[].validFor] | join(" "))]' catalog.json)" \
	'["Region__c",true,"gA== gA== QA== IA== 4A=="]' "the catalog keeps controllerName and validFor"
cat >mapping.json <<'M'
{"id": "id", "records": [{"ref": "b", "sobject": "Booking__c",
  "upsert": {"field": "Booking_Key__c", "value": "{{id}}"},
  "fields": {"Region__c": "{{region}}", "Office__c": "{{office}}"}}]}
M
printf '%s\n' '{"id":"fid-2","region":"EMEA","office":"Oslo"}' \
	'{"id":"fid-3","region":"AMER","office":"Oslo"}' '{"id":"fid-4","office":"Tokyo"}' >bookings.jsonl
sf-map --describe catalog.json --rejects rejects.jsonl mapping.json <bookings.jsonl >plans.jsonl 2>err
expect_eq "$?" 1 "sf-map: the two pairs Salesforce refuses fail"
expect_eq "$(jq -r 'select(.ok != false) | .id' plans.jsonl | tr '\n' ' ')" "fid-2 " "the valid pair mapped"
expect_eq "$(jq -r .error.place rejects.jsonl | tr '\n' ' ')" "office office " "each refusal placed at the dependent value"
expect_eq "$(jq -r '.error.code' rejects.jsonl | sort -u)" "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" \
	"the refusals carry Salesforce's code"
expect_match 'not valid when Region__c is "AMER"' "$(jq -r .error.message rejects.jsonl)" \
	"the refusal names the controlling value"
jq -c 'select(.ok != false)' plans.jsonl >valid.jsonl
expect_status 0 "the valid plan is accepted by the org" -- sf-create <valid.jsonl
# The emulator refuses what sf-map refused: sent raw, the org answers the same.
bad='{"id":"fid-3","records":[{"ref":"b","sobject":"Booking__c","upsert":{"field":"Booking_Key__c","value":"fid-3"},"fields":{"Region__c":"AMER","Office__c":"Oslo"}}]}'
printf '%s\n' "$bad" | sf-create >out 2>err
expect_eq "$?" 1 "the same pair sent raw fails at the org"
expect_match 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' "$(cat out err)" "with the same code"
# --check refuses a constant pair.
cat >const.json <<'M'
{"id": "id", "records": [{"ref": "b", "sobject": "Booking__c",
  "fields": {"Region__c": "APAC", "Office__c": "London"}}]}
M
expect_status 3 "--check refuses a constant pair Salesforce refuses" -- \
	sf-map --check --describe catalog.json const.json
expect_match 'Office__c.*not valid when Region__c is "APAC"' "$(cat "$T/err")" "naming the field and value"
# --- every API version's describe shape gives the same catalog -----------------
# The org answers each version with that version's key set (associateEntityType
# and associateParentEntity from 50.0); sf-describe reads each and keeps the
# same properties.
SF_API_VERSION=49.0 sf-describe --raw --no-cache Event >raw49.json 2>err
SF_API_VERSION=50.0 sf-describe --raw --no-cache Event >raw50.json 2>>err
expect_eq "$(jq -cn --slurpfile a raw49.json --slurpfile b raw50.json '($b[0] | keys) - ($a[0] | keys)')" \
	'["associateEntityType","associateParentEntity"]' "the org's describe differs by version"
SF_API_VERSION=62.0 sf-describe Lead Event Booking__c >cat62.jsonl 2>err
expect_eq "$(wc -l <cat62.jsonl | tr -d ' ')" 3 "a catalog line per sObject at 62.0"
differs=""
for v in $(seq 37 66); do
	SF_API_VERSION=$v.0 sf-describe Lead Event Booking__c >cat.jsonl 2>err || differs="$differs $v(exit)"
	cmp -s cat.jsonl cat62.jsonl || differs="$differs $v"
done
expect_eq "${differs:- none}" " none" "sf-describe gives the same catalog at every version from 37.0 to 66.0"

# --- Event upserts by an activity custom field marked External ID -------------
# Salesforce lets an activity custom field be an External ID and Event supports
# upsert (tests/emulator/README.md, "Fidelity"): the pipeline's Event path.
expect_status 0 "describe Event" -- sf-describe Event
cp "$T/out" event.json
expect_eq "$(jq -c '.fields[] | select(.name == "Booking_Key__c") | [.externalId, .unique]' event.json)" \
	'[true,true]' "the Event's key field is an External ID in the org's describe"
cat >ev-map.json <<'M'
{"id": "id", "records": [{"ref": "ev", "sobject": "Event",
  "upsert": {"field": "Booking_Key__c", "value": "{{id}}"},
  "fields": {"Subject": "{{subject}}", "StartDateTime": "{{start}}", "DurationInMinutes": "{{minutes}}"}}]}
M
expect_status 0 "--check takes the Event upsert key" -- sf-map --check --describe event.json ev-map.json
ev() { printf '{"id":"ev-1","subject":"%s","start":"2026-12-01T09:00:00Z","minutes":"30"}\n' "$1" |
	sf-map --describe event.json ev-map.json; }
ev Demo >ev1.jsonl
expect_match '"method":"PATCH","url":"/services/data/v[0-9.]+/sobjects/Event/Booking_Key__c/ev-1"' \
	"$(sf-create -n <ev1.jsonl 2>&1)" "the Event goes as an upsert by its key"
expect_status 0 "the Event is upserted" -- sf-create <ev1.jsonl
expect_eq "$(jq -c '.records.ev.created' "$T/out")" true "created the first time"
ev Moved >ev2.jsonl
expect_status 0 "the same booking again, changed" -- sf-create <ev2.jsonl
expect_eq "$(jq -c '.records.ev.created' "$T/out")" false "updated, not created, the second time"
expect_eq "$(emu_admin GET '/__emu/records?sobject=Event&Booking_Key__c=ev-1' | jq -c '[.records[] | [.fields.Subject, .writes]]')" \
	'[["Moved",2]]' "one Event, written twice"
# A key field the describe does not mark External ID is refused before sending.
jq '.records[0].upsert.field = "Subject"' ev-map.json >ev-bad.json
expect_status 3 "--check refuses an upsert by a field that is no External ID" -- \
	sf-map --check --describe event.json ev-bad.json
expect_match 'records\[0\]\.upsert: Event\.Subject is not an external id field \(nor idLookup\)' "$(cat "$T/err")" \
	"naming the record and the field"
expect_status 3 "the operator form refuses it too" -- sf-create -n -d event.json --upsert Subject=Demo \
	Event StartDateTime=2026-12-01T09:00:00Z DurationInMinutes=30
expect_eq "$(cat "$T/err")" "sf-create: --upsert: Event.Subject is not an external id field (nor idLookup)" \
	"with the same reason"
expect_status 0 "and takes the External ID" -- sf-create -n -d event.json --upsert Booking_Key__c=ev-2 \
	Event Subject=Demo StartDateTime=2026-12-01T09:00:00Z DurationInMinutes=30
expect_match '/sobjects/Event/Booking_Key__c/ev-2' "$(cat "$T/out")" "as an upsert by it"
# A standard field the describe marks idLookup keys an upsert as well
# (upsert(): "an external ID field or a field with the idLookup field
# property"): a Lead by its Email.
expect_status 0 "describe Lead" -- sf-describe Lead
cp "$T/out" lead.json
cat >mail-map.json <<'M'
{"id": "id", "records": [{"ref": "lead", "sobject": "Lead",
  "upsert": {"field": "Email", "value": "{{email}}"},
  "fields": {"LastName": "{{name}}", "Company": "Acme"}}]}
M
expect_status 0 "--check takes an idLookup field as the upsert key" -- \
	sf-map --check --describe lead.json mail-map.json
for name in First Second; do
	printf '{"id":"mail-1","email":"ann.idlookup@example.com","name":"%s"}\n' "$name" |
		sf-map --describe lead.json mail-map.json >mail.jsonl 2>err
	expect_status 0 "a Lead upserted by Email ($name)" -- sf-create <mail.jsonl
done
expect_eq "$(emu_admin GET '/__emu/records?sobject=Lead&Email=ann.idlookup@example.com' | jq -c '[.records[] | [.fields.LastName, .writes]]')" \
	'[["Second",2]]' "one Lead, created then updated by its Email"

# --- a record known only by its Id is updated by it ---------------------------
L=$(emu_admin POST /__emu/records '{"sobject":"Lead","fields":{"LastName":"Byid","Company":"Old Co"}}' | jq -r .id)
E=$(emu_admin POST /__emu/records '{"sobject":"Event","fields":{"Subject":"x","StartDateTime":"2026-12-01T09:00:00Z","DurationInMinutes":30}}' | jq -r .id)
upd="{\"id\":\"byid-1\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"id\":\"$L\",\"fields\":{\"Company\":\"New Co\"}}]}"
printf '%s\n' "$upd" >upd.jsonl
expect_status 0 "a plan updates a Lead by its Id" -- sf-create <upd.jsonl
expect_eq "$(jq -c '.records.lead | [.id, .created]' "$T/out")" "[\"$L\",false]" "the result names the Lead, not created"
expect_eq "$(emu_admin GET "/__emu/records?sobject=Lead&LastName=Byid" | jq -c '[.records[] | .fields.Company]')" \
	'["New Co"]' "the one Lead updated, none created"
expect_status 0 "sent again: the same update" -- sf-create <upd.jsonl
expect_eq "$(emu_admin GET "/__emu/records?sobject=Lead&LastName=Byid" | jq '.records | length')" 1 "still one Lead"
expect_match '"method":"PATCH","url":"/services/data/v[0-9.]+/sobjects/Lead/'"$L"'"' \
	"$(sf-create -n <upd.jsonl 2>&1)" "sent as a graph node PATCH .../sobjects/Lead/<id>"
# Refused before sending: an upsert by Id, an id of another object, @{ref.id} of it.
printf '%s\n' "{\"id\":\"byid-2\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Id\",\"value\":\"$L\"},\"fields\":{\"Company\":\"X\"}}]}" \
	"{\"id\":\"byid-3\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"id\":\"$E\",\"fields\":{\"Company\":\"X\"}}]}" \
	"{\"id\":\"byid-4\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"id\":\"$L\",\"fields\":{\"Company\":\"X\"}},{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{lead.id}\",\"Subject\":\"y\",\"StartDateTime\":\"2026-12-01T09:00:00Z\",\"DurationInMinutes\":30}}]}" >bad.jsonl
before=$(calls)
expect_status 1 "three plans refused" -- sf-create <bad.jsonl
expect_match 'no upsert by Id.*give "id":"<Id>" in place of "upsert"' "$(jq -r 'select(.id == "byid-2") | .error.message' "$T/out")" \
	"an upsert by Id points to \"id\""
expect_match "is not a Lead id \\(those start with 00Q\\)" "$(jq -r 'select(.id == "byid-3") | .error.message' "$T/out")" \
	"an Event id for a Lead refused"
expect_match 'is updated by its id: give that id itself' "$(jq -r 'select(.id == "byid-4") | .error.message' "$T/out")" \
	"@{ref.id} of an updated record refused"
expect_eq "$(( $(calls) - before ))" 0 "none of them sent"
expect_eq "$(emu_admin GET "/__emu/records?sobject=Lead&LastName=Byid" | jq -r '.records[0].fields.Company')" "New Co" \
	"the Lead untouched"

# --- Bulk API 2.0: rows not written are sent again ------------------------------
# bulk N PREFIX [upsert]: N one-record Lead plans, plain creates unless upsert.
bulk() {
	awk -v n="$1" -v p="$2" -v up="${3:-}" 'BEGIN { for (i = 1; i <= n; i++) {
		printf "{\"id\":\"%s-%d\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",", p, i
		if (up) printf "\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"%s-%d\"},", p, i
		printf "\"fields\":{\"LastName\":\"%s-%d\",\"Company\":\"Acme\"}}]}\n", p, i } }'
}
# leads PREFIX: how many Leads, and how many distinct names, start with PREFIX-
leads() {
	emu_admin GET '/__emu/records?sobject=Lead' |
		jq -r --arg p "$1-" '[.records[].fields.LastName | select(startswith($p))] | "\(length) \(unique | length)"'
}
# A row the job failed with UNABLE_TO_LOCK_ROW was not written: sent again.
emu_admin POST /__emu/faults '{"rules":[{"kind":"bulk_row_lock","count":2}]}' >/dev/null
bulk 12 lk >lk.jsonl
expect_status 0 "--bulk: rows failed with UNABLE_TO_LOCK_ROW are sent again" -- sf-create --bulk <lk.jsonl
expect_eq "$(jq -r .ok "$T/out" | sort | uniq -c | tr -s ' ')" " 12 true" "every plan ok"
expect_eq "$(leads lk)" "12 12" "each Lead written once"
emu_admin DELETE /__emu/faults >/dev/null
# A job that fails part way leaves rows unprocessed: they were not written, so
# they are sent again, plain creates included (not "outcome unknown").
emu_admin POST /__emu/faults '{"rules":[{"kind":"bulk_job_fail","count":1,"after":3}]}' >/dev/null
bulk 10 un >un.jsonl
expect_status 0 "--bulk: a failed job's unprocessed rows are sent again" -- sf-create --bulk <un.jsonl
expect_no_match 'OUTCOME_UNKNOWN' "$(cat "$T/out" "$T/err")" "no outcome unknown"
expect_eq "$(leads un)" "10 10" "each Lead written once"
emu_admin POST /__emu/faults '{"rules":[{"kind":"bulk_job_fail","count":1,"after":2}]}' >/dev/null
bulk 8 uu up >uu.jsonl
expect_status 0 "--bulk: the same with upserts" -- sf-create --bulk <uu.jsonl
expect_eq "$(leads uu)" "8 8" "each upserted Lead once"
emu_admin DELETE /__emu/faults >/dev/null
t_done
