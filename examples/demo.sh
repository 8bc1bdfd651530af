#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# make demo: the whole booking-to-CRM flow against the bundled Salesforce API
# emulator, with no org and no network.  The real programs run over real TLS,
# reaching the emulator by real Salesforce host names; nothing is mocked.
#
# It signs the example bookings as the partner portal would, tampers with one
# and replays another as an attacker would, verifies them as the receiving
# server would, asks the org what the integration user may create, maps the
# bookings and creates the records, then shows what exists in the org, what
# was refused and why; then one booking lives on (moved to another length and
# attendee, cancelled, its older message delivered late: the newest wins, the
# host is free again), and the API calls spent.  Exit 0 when all of that came
# out as it should.  The emulator stops on exit, Ctrl-C included.
#
# Every command after a "$ " is printed exactly as it is then run, in the
# demo's directory, so it can be copied.  DEMO_KEEP=DIR keeps everything the
# demo made in DIR (a new or empty directory); NO_COLOR turns colour off.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EX="$ROOT/examples"
export PATH="$ROOT/bin:$PATH"
if [ -n "${DEMO_KEEP:-}" ]; then
	mkdir -p "$DEMO_KEEP" && WORK=$(cd "$DEMO_KEEP" && pwd) || exit 6
	if [ -n "$(ls -A "$WORK")" ]; then echo "demo: DEMO_KEEP=$DEMO_KEEP: not empty" >&2; exit 2; fi
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/sfpipe-demo.XXXXXX")
fi
export SFPIPE_CACHE_DIR="$WORK/cache"

cleanup() {
	"$ROOT/tests/emulator/emuctl" stop "$WORK/emu" >/dev/null 2>&1
	if [ -n "${DEMO_KEEP:-}" ]; then echo "demo: everything it made is kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

# Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B= D= R=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }
# run 'COMMAND': print it, then run exactly that text in the demo's directory;
# the exit status of each command of a pipeline is left in .pipestatus.
run() {
	printf '%s$ %s%s\n' "$D" "$1" "$R"
	(cd "$WORK" && eval "$1"$'\n''_st=("${PIPESTATUS[@]}"); echo "${_st[*]}" >.pipestatus; exit "${_st[-1]}"')
}
problems=0
# expect DESC GOT WANT: the demo checks the story it tells.
expect() {
	if [ "$2" != "$3" ]; then
		echo "demo: unexpected: $1: got '$2', wanted '$3'" >&2
		problems=$((problems + 1))
	fi
}

emu_get() {
	curl -sS --fail --cacert "$SF_CA_FILE" \
		--resolve "${SFEMU_URL#https://}:127.0.0.1" "$SFEMU_URL$1"
}

step "Starting the Salesforce API emulator (tests/emulator)"
if ! "$ROOT/tests/emulator/emuctl" start "$WORK/emu" >"$WORK/emu.log" 2>&1; then
	cat "$WORK/emu.log" >&2
	echo "demo: the emulator did not start" >&2
	exit 6
fi
set -a; . "$WORK/emu/env"; set +a
# The emulator's CA file, its loopback address (SF_RESOLVE) and its port are
# test settings: sfpipe honours them only with this switch (sfpipe(7) TESTING).
export SFPIPE_TEST_EMULATOR=1
echo "org:  $SF_INSTANCE_URL (integration user $SF_USERNAME, JWT bearer flow)"

step "1. The partner portal signs four bookings for tenant acme (hmac-sign)"
cp "$EX/keyring.json" "$WORK/keys.json" && chmod 600 "$WORK/keys.json"
cp "$EX/bookings.jsonl" "$EX/mapping.json" "$WORK/"
run "hmac-sign --keyring keys.json --tenant acme --lines < bookings.jsonl > signed.jsonl" || exit 6
echo "An attacker changes the company in bk-1043's body, and sends bk-1042 again:"
run "{ sed -n 1p signed.jsonl; sed -n 2p signed.jsonl | sed 's/Initech/Evil Corp/'; sed -n '3,\$p' signed.jsonl; sed -n 1p signed.jsonl; } > spool.jsonl"
echo "spool: $(wc -l <"$WORK/spool.jsonl") envelopes, bk-1043 altered in transit, bk-1042 sent twice"

step "2. The receiving server verifies them (hmac-verify)"
run "hmac-verify --keyring keys.json < spool.jsonl > verify.out 2> verify.err"
rc=$?
echo "exit $rc (1: some refused); refusals, by the booking each message carries:"
# The booking id of a refused message is what its (unverified) body claims.
grep '"ok":false' "$WORK/verify.out" | jq -r '"  booking \((.input.body | if type == "string" then (fromjson? // {}) else . end | .id) // "?")  \(.error.code): \(.error.message)  (tenant \(.tenant // "?"), message \(.id // "?"))"'
grep -v '"ok":false' "$WORK/verify.out" >"$WORK/verified.jsonl"
expect "hmac-verify exit" "$rc" 1
expect "refused as bad-signature" "$(grep -c '"code":"bad-signature"' "$WORK/verify.out")" 1
expect "refused as replayed" "$(grep -c '"code":"replayed"' "$WORK/verify.out")" 1

step "3. What may the integration user see and create? (sf-describe)"
run "sf-describe Lead Contact Event EventRelation Booking__c > describe.json 2> describe.err" || {
	cat "$WORK/describe.err" >&2; exit 5; }
jq -r '"  \(.name): \(.fields | length) fields visible, \([.fields[] | select(.createable)] | length) createable, required on create: \([.fields[] | select(.required) | .name] | join(", ") | if . == "" then "none" else . end)"' "$WORK/describe.json"
echo "  (hidden from this user: Lead.AnnualRevenue, Lead.Rating; read-only: Lead.NumberOfEmployees)"

step "4. Is the customer's mapping valid for this user? (sf-map --check)"
run "sf-map --check --describe describe.json --mapping mapping.json" && echo "  mapping OK"

step "5. Bookings into plans (sf-map), plans into records (sf-create)"
run "sf-map --describe describe.json --mapping mapping.json < verified.jsonl 2> map.err | sf-create --rejects rejects.jsonl > results.jsonl 2> create.err"
read -r -a rcs <"$WORK/.pipestatus"
echo "sf-map exit ${rcs[0]}, sf-create exit ${rcs[1]} (1: some bookings failed, each reported)"
jq -r 'if .ok then "  booking \(.id)  created: \([.records | to_entries[] | "\(.key)=\(.value.id)"] | join(" "))"
       else "  booking \(.id)  FAILED \(.error.code) at \(.error.place // .error.ref // "?"): \(.error.message)" end' \
	"$WORK/results.jsonl"
expect "bookings created" "$(grep -c '"ok":true' "$WORK/results.jsonl")" 2
expect "bookings failed in mapping" "$(grep -c '"ok":false' "$WORK/results.jsonl")" 1
echo "rejects kept for replay: $(wc -l <"$WORK/rejects.jsonl" 2>/dev/null || echo 0) line(s) in rejects.jsonl"

step "6. What now exists in the emulated org"
for o in Lead Booking__c Event EventRelation; do
	emu_get "/__emu/records?sobject=$o" >"$WORK/$o.json" || exit 6
done
jq -r '.records[] | "  Lead        \(.Id)  \(.fields.FirstName) \(.fields.LastName), \(.fields.Company)  key \(.fields.Booking_Key__c)"' "$WORK/Lead.json"
jq -r '.records[] | "  Booking__c  \(.Id)  \(.fields.Status__c)  version \(.fields.Version__c)  starts \(.fields.Starts_At__c)"' "$WORK/Booking__c.json"
jq -r '.records[] | "  Event       \(.Id)  \(.fields.StartDateTime)  WhoId=\(.fields.WhoId) WhatId=\(.fields.WhatId)  \(.fields.Subject)"' "$WORK/Event.json"
jq -r '.records[] | "  EventRelation \(.Id)  EventId=\(.fields.EventId) RelationId=\(.fields.RelationId)"' "$WORK/EventRelation.json"
expect "Leads in the org" "$(jq '.records | length' "$WORK/Lead.json")" 2
expect "Events in the org" "$(jq '.records | length' "$WORK/Event.json")" 2

step "7. The booking lives on: bk-1042 moved to 45 minutes with another attendee (version 2), then cancelled (version 3), and the version 2 message delivered again, late"
run "jq -c 'select(.id == \"bk-1042\") | .version = 2 | .status = \"rescheduled\" | .end = \"2026-12-01T10:45:00\" | .attendees = [{\"name\": \"Cy Host\", \"salesforce_user_id\": \"005Hs0000000002IAA\"}]' bookings.jsonl > moved.jsonl"
run "jq -c '.version = 3 | .status = \"cancelled\"' moved.jsonl > cancelled.jsonl"
run "sf-map --describe describe.json --mapping mapping.json < moved.jsonl | sf-create > moved.out 2> life.err"
life() {   # the Event of bk-1042 and its invitees, as the org has them now
	emu_get "/__emu/records?sobject=Event" >"$WORK/Event.json" || exit 6
	emu_get "/__emu/records?sobject=EventRelation" >"$WORK/EventRelation.json" || exit 6
	ev=$(jq -c '[.records[] | select(.fields.Booking_Key__c == "acme:bk-1042")][0]' "$WORK/Event.json")
	jq -r '"  Event \(.Id)  \(.fields.StartDateTime) to \(.fields.EndDateTime)  ShowAs \(.fields.ShowAs)"' <<<"$ev"
	invitees=$(jq -r --arg e "$(jq -r .Id <<<"$ev")" '[.records[] | select(.fields.EventId == $e) | .fields.RelationId] | join(" ")' "$WORK/EventRelation.json")
	echo "  invitees: ${invitees:-none}"
}
life
expect "moved: the Event ends at 10:45 Berlin" "$(jq -r .fields.EndDateTime <<<"$ev")" "2026-12-01T09:45:00.000+0000"
expect "moved: the invitees are the new attendee only" "$invitees" "005Hs0000000002IAA"
run "sf-map --describe describe.json --mapping mapping.json < cancelled.jsonl | sf-create > cancelled.out 2>> life.err"
run "sf-map --describe describe.json --mapping mapping.json < moved.jsonl | sf-create > late.out 2>> life.err"
jq -r 'if .skipped then "  \(.id) skipped: \(.skipped)" elif .ok then "  \(.id) written" else "  \(.id) FAILED \(.error.code): \(.error.message)" end' \
	"$WORK/cancelled.out" "$WORK/late.out"
life
expect "cancelled: the Event shows Free" "$(jq -r .fields.ShowAs <<<"$ev")" "Free"
expect "cancelled: no invitee left" "$invitees" ""
expect "the late version 2 is skipped" "$(grep -c '"skipped":"version 2 is not newer than version 3 held by the org"' "$WORK/late.out")" 1
emu_get "/__emu/records?sobject=Lead" >"$WORK/Lead.json" || exit 6
expect "still one Lead per person" "$(jq '.records | length' "$WORK/Lead.json")" 2
echo "The host's morning is free again:"
run "sf-freebusy --from 2026-12-01T08:00:00Z --to 2026-12-01T12:00:00Z 005Hs0000000003IAA > freebusy.out"
cat "$WORK/freebusy.out"
expect "the host is not busy" "$(jq -c .busy "$WORK/freebusy.out")" "[]"

stats=$(emu_get /__emu/stats)
echo "API calls spent (as Salesforce counts them): $(printf '%s' "$stats" | jq .api_calls)"

step "Done"
if [ "$problems" -ne 0 ]; then
	echo "demo: $problems unexpected result(s), see above" >&2
	exit 1
fi
echo "Every booking is accounted for: created, or refused with its reason."
