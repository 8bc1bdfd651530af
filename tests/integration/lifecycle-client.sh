# SPDX-License-Identifier: ISC
# sf-create's part of a booking's life against the emulator: plan records that
# update and delete (by id and by external key, inside the booking's graph),
# records left alone, and a cancelled booking freeing its host in sf-freebusy.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
emu_admin POST /__emu/reset >/dev/null

USER3=005Hs0000000003IAA   # ann.host@acme.example in the emulator's fixtures
calls() { emu_admin GET /__emu/stats | jq -r .api_calls; }
# rec SOBJECT KEY JQ: JQ over the fields of the SOBJECT record keyed KEY ("none" when absent)
rec() {
	emu_admin GET "/__emu/records?sobject=$1" |
		jq -r --arg k "$2" "[.records[] | select(.fields.Booking_Key__c == \$k)] |
			if length == 0 then \"none\" else (.[0] | $3) end"
}

# 1. Booked: a booking, its Event (keyed) and one invitee, in one graph.
cat >book.jsonl <<EOF
{"id":"lc-1","records":[{"ref":"booking","sobject":"Booking__c","upsert":{"field":"Booking_Key__c","value":"lc-1"},"fields":{"Status__c":"Booked"}},{"ref":"event","sobject":"Event","upsert":{"field":"Booking_Key__c","value":"lc-1"},"fields":{"Subject":"Demo","OwnerId":"$USER3","WhatId":"@{booking.id}","StartDateTime":"2026-12-01T09:00:00.000Z","EndDateTime":"2026-12-01T09:30:00.000Z","ShowAs":"Busy"}},{"ref":"guest","sobject":"EventRelation","fields":{"EventId":"@{event.id}","RelationId":"005Hs0000000002IAA"}}]}
EOF
expect_status 0 "a booking is created" -- sf-create <book.jsonl
rel=$(jq -r '.records.guest.id' "$T/out")
expect_match '^0RE' "$rel" "the invitee's EventRelation id is reported"
expect_eq "$(rec Event lc-1 .fields.ShowAs)" "Busy" "the Event is busy"
expect_status 0 "the host is busy in sf-freebusy" -- \
	sf-freebusy --from 2026-12-01T08:00:00Z --to 2026-12-01T12:00:00Z "$USER3"
expect_match '"busy":\[\{' "$(cat "$T/out")" "the booked slot shows busy"

# 2. Cancelled, written as updates: the Event by its key (ShowAs Free), the
#    invitee deleted by id, the booking left alone; one graph, one call.
cat >cancel.jsonl <<EOF
{"id":"lc-1","records":[{"ref":"booking","sobject":"Booking__c","method":"none"},{"ref":"event","sobject":"Event","method":"update","key":{"field":"Booking_Key__c","value":"lc-1"},"fields":{"ShowAs":"Free"}},{"ref":"guest","sobject":"EventRelation","method":"delete","id":"$rel"}]}
EOF
c0=$(calls)
expect_status 0 "the cancellation is sent" -- sf-create <cancel.jsonl
expect_eq "$(( $(calls) - c0 ))" 1 "an update and a delete cost one graph request"
expect_eq "$(jq -r '.records.guest.deleted' "$T/out")" "true" "the result says the invitee was deleted"
expect_eq "$(jq -r '.records | has("booking")' "$T/out")" "false" "a record left alone is not in the result"
expect_eq "$(rec Event lc-1 .fields.ShowAs)" "Free" "the Event now shows Free"
expect_eq "$(rec Booking__c lc-1 .fields.Status__c)" "Booked" "the booking left alone is unchanged"
expect_eq "$(emu_admin GET '/__emu/records?sobject=EventRelation' | jq --arg r "$rel" '[.records[] | select(.Id == $r)] | length')" \
	0 "the invitee's EventRelation is gone"
expect_status 0 "sf-freebusy after the cancellation" -- \
	sf-freebusy --from 2026-12-01T08:00:00Z --to 2026-12-01T12:00:00Z "$USER3"
expect_match '"busy":\[\]' "$(cat "$T/out")" "the cancelled booking frees the host"

# 3. Only records left alone: nothing is sent, the plan is done.
c0=$(calls)
expect_status 0 "a plan of records left alone" -- sf-create <<'EOF'
{"id":"lc-1","records":[{"ref":"booking","sobject":"Booking__c","method":"none"}]}
EOF
expect_eq "$(( $(calls) - c0 ))" 0 "a plan that changes nothing costs no call"
expect_match '"ok":true' "$(cat "$T/out")" "and is reported done"

# 4. Deleted by external key, inside a graph with an update by id; all or none:
#    a delete of a key that does not exist fails the whole plan.
bid=$(rec Booking__c lc-1 .Id)
cat >delete-bad.jsonl <<EOF
{"id":"lc-1","records":[{"ref":"booking","sobject":"Booking__c","method":"update","id":"$bid","fields":{"Status__c":"Cancelled"}},{"ref":"event","sobject":"Event","method":"delete","key":{"field":"Booking_Key__c","value":"no-such-key"}}]}
EOF
expect_status 1 "a delete of a missing record fails its plan" -- sf-create <delete-bad.jsonl
expect_match '"ref":"event"' "$(cat "$T/out")" "the error names the delete"
expect_eq "$(rec Booking__c lc-1 .fields.Status__c)" "Booked" "the update in the same graph was rolled back"
sed 's/no-such-key/lc-1/' delete-bad.jsonl >delete.jsonl
expect_status 0 "update by id and delete by key in one plan" -- sf-create <delete.jsonl
expect_eq "$(rec Booking__c lc-1 .fields.Status__c)" "Cancelled" "the booking was updated by id"
expect_eq "$(rec Event lc-1 .Id)" "none" "the Event was deleted by its key"

# 5. The plan check refuses what cannot work, before any call.
c0=$(calls)
expect_status 1 "a delete with fields and an update without a key are refused" -- sf-create <<'EOF'
{"id":"bad-1","records":[{"ref":"e","sobject":"Event","method":"delete","key":{"field":"Booking_Key__c","value":"x"},"fields":{"ShowAs":"Free"}}]}
{"id":"bad-2","records":[{"ref":"e","sobject":"Event","method":"update","fields":{"ShowAs":"Free"}}]}
EOF
expect_eq "$(grep -c '"code":"bad-plan"' "$T/out")" 2 "both are bad plans"
expect_eq "$(( $(calls) - c0 ))" 0 "and cost no call"

# 6. Newest wins: a plan carries its booking's version and writes it; an older
#    one never overwrites a newer, within a run or across runs.
vplan() {   # vplan KEY VERSION STATUS
	printf '{"id":"%s","version":{"sobject":"Booking__c","key":{"field":"Booking_Key__c","value":"%s"},"field":"Version__c","value":%s},"records":[{"ref":"booking","sobject":"Booking__c","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Status__c":"%s","Version__c":%s}}]}\n' \
		"$1" "$1" "$2" "$1" "$3" "$2"
}
{ vplan nw-1 2 Rescheduled; vplan nw-2 1 Booked; vplan nw-1 3 Cancelled; vplan nw-1 1 Booked; } >newest-1.jsonl
c0=$(calls)
expect_status 0 "a run with three versions of one booking" -- sf-create <newest-1.jsonl
expect_eq "$(( $(calls) - c0 ))" 2 "one version query and one graph request"
expect_eq "$(jq -r 'select(.skipped) | .id' "$T/out" | tr '\n' ' ')" "nw-1 nw-1 " \
	"the two older versions of nw-1 are skipped"
expect_eq "$(rec Booking__c nw-1 .fields.Status__c)" "Cancelled" "the newest of the run is the one written"
expect_eq "$(rec Booking__c nw-1 .fields.Version__c)" "3" "with its version"
{ vplan nw-1 2 Rescheduled; vplan nw-2 2 Rescheduled; vplan nw-1 3 Cancelled; } >newest-2.jsonl
expect_status 0 "a later run delivering older and equal versions again" -- sf-create <newest-2.jsonl
expect_eq "$(jq -r 'select(.skipped) | .id' "$T/out" | tr '\n' ' ')" "nw-1 nw-1 " \
	"what the org already holds as new is skipped"
expect_match 'not newer than version 3 held by the org' "$(cat "$T/out")" "and the result says why"
expect_eq "$(rec Booking__c nw-1 .fields.Status__c)" "Cancelled" "the older message did not overwrite the newer"
expect_eq "$(rec Booking__c nw-2 .fields.Status__c)" "Rescheduled" "a newer version of another booking is written"
t_done
