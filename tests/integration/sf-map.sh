#!/bin/bash
# SPDX-License-Identifier: ISC
# sf-map: the man page's examples run and give the documented plan, failed
# bookings reach --rejects whole, a full disk is exit 6, and the example
# mapping is valid against the catalog the emulator's describe yields, and an
# untouched sf-describe --template fails --check.
. "$SFP_ROOT/tests/lib.sh"
cd "$SFP_ROOT" || exit 1

expect_status 0 "examples/sf-map.sh runs" -- sh examples/sf-map.sh
plan=$(cat "$T/out")
expect_eq "$(printf '%s\n' "$plan" | wc -l | tr -d ' ')" 1 "one plan line for one booking"
expect_match '"records":\[\{"ref":"booking","sobject":"Booking__c","upsert":\{"field":"Booking_Key__c","value":"acme:bk-1042"\}' "$plan" "the booking upserted on its key, first"
expect_match '"version":\{"sobject":"Booking__c","key":\{"field":"Booking_Key__c","value":"acme:bk-1042"\},"field":"Version__c","value":1\}' "$plan" "the plan says where the org keeps the booking's version"
expect_match '"ref":"lead","sobject":"Lead","upsert":\{"field":"Booking_Key__c","value":"acme:person:lee.ng@globex.example"\},"find":\{"value":"lee.ng@globex.example","in":\[\{"sobject":"Contact","field":"Email"\},\{"sobject":"Lead","field":"Email"\}\]' \
	"$plan" "the invitee looked for by email (no id in the booking) before a Lead keyed by the email"
expect_match '"StartDateTime":"2026-12-01T09:00:00.000Z"' "$plan" "Berlin 10:00 is 09:00 UTC"
expect_match '"WhoId":"@\{lead.id\}","WhatId":"@\{booking.id\}"' "$plan" "the event names the person and the booking (sf-create empties WhatId for a Lead)"
expect_match '"ref":"guest","sobject":"EventRelation","method":"reconcile",.*"want":\["005Hs0000000004IAA"\]' "$plan" \
	"the invitees reconciled: the attendee with a user id, not the one without"

# Rejects: the failed booking whole, in the file and on stdout; the good one mapped.
printf '%s\n' '{"id":"ok","type":"demo","status":"booked","version":1,"title":"t","start":"2026-12-01T10:00:00","end":"2026-12-01T11:00:00","timezone":"Europe/Berlin","invitee":{"last_name":"Ng","email":"a@b.example"},"host":{"salesforce_user_id":"005Hs0000000003IAA"},"created_at":"2026-11-01T10:00:00Z","answers":{"topics":[]}}' \
	'{"id":"bad","status":"maybe","version":1,"start":"2026-12-01T10:00:00","timezone":"Europe/Berlin","invitee":{"last_name":"Ng"}}' >"$T/in.jsonl"
expect_status 1 "a failed booking is exit 1" -- sf-map --describe examples/describe.json --rejects "$T/rejects.jsonl" examples/mapping.json <"$T/in.jsonl"
out=$(cat "$T/out")
expect_eq "$(wc -l <"$T/out" | tr -d ' ')" 2 "two lines out for two bookings"
expect_match '^\{"id":"ok","version":\{.*"records"' "$out" "the good booking mapped"
expect_eq "$(wc -l <"$T/rejects.jsonl" | tr -d ' ')" 1 "one line in --rejects"
expect_match '"id":"bad","ok":false,"error":\{"code":"no-lookup-match".*"input":\{"id":"bad"' "$(cat "$T/rejects.jsonl")" "the reject carries its reason and the booking"
expect_match 'booking bad: status: no entry for "maybe" in lookup status' "$(cat "$T/err")" "a diagnostic line names the booking"

# A full disk is an error, never a silent exit 0.
if [ -w /dev/full ]; then
	sf-map --describe examples/describe.json examples/mapping.json <examples/booking.json >/dev/full 2>"$T/err"
	expect_eq "$?" 6 "writing to /dev/full is exit 6"
fi

# The checked-in catalog is what tests/bench/sfmap/catalog.py derives from the
# emulator's fixtures; with sf-describe and the emulator, check against a live one.
expect_eq "$(python3 tests/bench/sfmap/catalog.py | cmp -s - examples/describe.json && echo same)" same \
	"examples/describe.json matches the emulator fixtures"
if command -v sf-describe >/dev/null 2>&1 && [ -n "${SFEMU_URL:-}" ]; then
	if sf-describe Lead Event EventRelation Booking__c User Contact Account >"$T/live.json" 2>"$T/derr"; then
		expect_status 0 "example mapping valid against the live describe" -- \
			sf-map --check --describe "$T/live.json" examples/mapping.json
	else
		t_fail "sf-describe against the emulator: $(head -c 300 "$T/derr")"
	fi
	# An untouched template is refused, one problem per placeholder; filled in, it passes.
	if sf-describe --template Lead Event >"$T/tmpl.json" 2>"$T/derr"; then
		todo=$(jq '[.records[].fields[] | select(.template == "{{ TODO }}")] | length' "$T/tmpl.json")
		expect_status 3 "an untouched --template is refused by --check" -- \
			sf-map --check --describe "$T/live.json" "$T/tmpl.json"
		expect_eq "$(grep -c 'is a placeholder left by sf-describe --template' "$T/err")" "$todo" \
			"one problem per placeholder ($todo)"
		expect_match 'records\[0\]\.fields\.LastName: \{\{ TODO \}\} is a placeholder' "$(cat "$T/err")" \
			"the problem names the field"
		jq '(.records[].fields[] | select(.template == "{{ TODO }}") | .template) = "{{ name }}"' \
			"$T/tmpl.json" >"$T/filled.json"
		expect_status 0 "the template with its placeholders filled passes --check" -- \
			sf-map --check --describe "$T/live.json" "$T/filled.json"
	else
		t_fail "sf-describe --template against the emulator: $(head -c 300 "$T/derr")"
	fi
fi
t_done
