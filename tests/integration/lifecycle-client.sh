# SPDX-License-Identifier: ISC
# sf-create's part of a booking's life against the emulator: plan records that
# update and delete (by id and by external key, inside the booking's graph),
# records left alone, and a cancelled booking freeing its host in sf-freebusy.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
emu_admin POST /__emu/reset >/dev/null

# 0. The example of a booking's whole life is valid against the example catalog.
expect_status 0 "examples/lifecycle-mapping.json passes sf-map --check" -- \
	sf-map --check --describe "$SFP_ROOT/examples/describe.json" "$SFP_ROOT/examples/lifecycle-mapping.json"

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

# 6b. One sf-create per org at a time: newest wins reads, then writes, so a
#     window's lookups and sends hold a lock on a file of the cache directory
#     named for the org.  While another run (here flock(1)) holds it, sf-create
#     waits and spends no call; two runs started together with versions 5 and
#     4 of one booking end with 5, whichever goes first.
locks=$(ls "$SFPIPE_CACHE_DIR"/locks/*.lock 2>/dev/null)
expect_eq "$(printf '%s\n' "$locks" | grep -c '\.lock$')" 1 "one lock file for the one org"
expect_eq "$(stat -c %a "$locks")" 600 "owner-only"
flock "$locks" sleep 2 &
holder=$!
for _ in $(seq 50); do flock -n "$locks" true || break; sleep 0.05; done
vplan lk-1 1 Booked >lock.jsonl
c0=$(calls) t0=$(date +%s%N)
sf-create <lock.jsonl >lock.out 2>lock.err &
creator=$!
sleep 1
expect_eq "$(( $(calls) - c0 ))" 0 "while another run holds the org, sf-create waits and spends no call"
wait "$creator"; expect_eq "$?" 0 "then it runs"
wait "$holder"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 1500 ] && t_ok "it waited for the lock ($ms ms)" || t_fail "it did not wait for the lock ($ms ms)"
expect_eq "$(rec Booking__c lk-1 .fields.Status__c)" "Booked" "and wrote the booking"
vplan lk-2 5 Cancelled >v5.jsonl
vplan lk-2 4 Rescheduled >v4.jsonl
sf-create <v5.jsonl >v5.out 2>&1 & a=$!
sf-create <v4.jsonl >v4.out 2>&1 & b=$!
wait "$a"; wait "$b"
expect_eq "$(rec Booking__c lk-2 .fields.Version__c)" "5" "two runs at once: the newer version stays"
expect_eq "$(rec Booking__c lk-2 .fields.Status__c)" "Cancelled" "with its state"

# 7. People matched before they are created: a Contact by email, a Lead, a
#    converted Lead followed to its Contact, two Contacts (first, refuse,
#    create), and a new person upserted once by a key made of the email.  An
#    Event whose WhoId is a Lead gets an empty WhatId.  One query per object.
seed() {   # seed SOBJECT EMAIL -> id
	if [ "$1" = Lead ]; then extra=',"Company":"Seeded"'; else extra=''; fi
	emu_admin POST /__emu/records "{\"sobject\":\"$1\",\"fields\":{\"LastName\":\"Seeded\",\"Email\":\"$2\"$extra}}" | jq -r .id
}
known=$(seed Contact known@acme.example)
lead=$(seed Lead lead@globex.example)
twin1=$(seed Contact twin@acme.example)
twin2=$(seed Contact twin@acme.example)
conv=$(seed Lead conv@initech.example)
convc=$(emu_admin POST /__emu/convert_lead "{\"leadId\":\"$conv\"}" | jq -r .contactId)
person() {   # person KEY EMAIL MANY
	printf '{"id":"%s","records":[{"ref":"booking","sobject":"Booking__c","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Status__c":"Booked"}},{"ref":"who","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"person:%s"},"find":{"value":"%s","in":[{"sobject":"Contact","field":"Email"},{"sobject":"Lead","field":"Email"}],"many":"%s","fill":["Phone"]},"fields":{"LastName":"New","Company":"New Co","Email":"%s","Phone":"+1 555 0100"}},{"ref":"event","sobject":"Event","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Subject":"Demo","OwnerId":"%s","WhoId":"@{who.id}","WhatId":"@{booking.id}","StartDateTime":"2026-12-02T09:00:00.000Z","EndDateTime":"2026-12-02T09:30:00.000Z"}}]}\n' \
		"$1" "$1" "$2" "$2" "$3" "$2" "$1" "$USER3"
}
{ person pm-1 KNOWN@acme.example first; person pm-2 lead@globex.example first
  person pm-3 conv@initech.example first; person pm-4 twin@acme.example first
  person pm-5 twin@acme.example refuse; person pm-6 new@hooli.example first
  person pm-7 new@hooli.example first; person pm-8 twin@acme.example create; } >people.jsonl
c0=$(calls)
expect_status 1 "people matched (one plan refuses two matches)" -- sf-create <people.jsonl
expect_eq "$(( $(calls) - c0 ))" 3 "one Contact query, one Lead query, one graph request"
expect_match '"id":"pm-5","ok":false,"error":\{"code":"ambiguous-match"' "$(cat "$T/out")" \
	"two Contacts with one email: refused when the plan says refuse"
ev() { rec Event "$1" "[.fields.WhoId, (.fields.WhatId // \"none\")] | join(\" \")"; }
bk() { rec Booking__c "$1" .Id; }
expect_eq "$(ev pm-1)" "$known $(bk pm-1)" "an existing Contact (email in another case) is the Event's WhoId, with the booking as WhatId"
expect_eq "$(ev pm-2)" "$lead none" "an existing Lead is the WhoId, and the WhatId is empty"
expect_eq "$(ev pm-3)" "$convc $(bk pm-3)" "a converted Lead is followed to its Contact"
expect_eq "$(ev pm-4)" "$twin1 $(bk pm-4)" "two matches and first: the oldest"
expect_eq "$(emu_admin GET "/__emu/records?sobject=Contact" | jq -r --arg i "$known" '.records[] | select(.Id == $i) | .fields.Phone')" \
	"+1 555 0100" "an empty field the plan fills is written on the match"
newlead=$(emu_admin GET "/__emu/records?sobject=Lead" | jq -r '[.records[] | select(.fields.Email == "new@hooli.example")] | map(.Id) | join(" ")')
expect_match '^00Q[A-Za-z0-9]+$' "$newlead" "a new person is one new Lead, however many bookings name them"
expect_eq "$(ev pm-6)" "$newlead none" "the new Lead is the WhoId, with an empty WhatId"
expect_eq "$(ev pm-7)" "$newlead none" "and the second booking's too"
expect_eq "$(rec Event pm-8 .fields.WhoId | cut -c1-3)" "00Q" "two matches and create: a new Lead"

# 7b. A person by the Salesforce id the booking carries (the id in a booking
#     link, as Calendly's package does), else by email: a valid id (18 or 15
#     characters) wins over the email; the id of a deleted record, of another
#     object, or one that is malformed falls back to the email.  The malformed
#     one is never put in a query (one such literal fails the whole IN list),
#     so the window's other plans are unharmed.  One query per sObject and field.
byid() {   # byid KEY ID EMAIL
	printf '{"id":"%s","records":[{"ref":"who","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"person:%s"},"find":{"value":"%s","in":[{"sobject":"Contact","field":"Id","value":"%s"},{"sobject":"Lead","field":"Id","value":"%s"},{"sobject":"Contact","field":"Email"},{"sobject":"Lead","field":"Email"}]},"fields":{"LastName":"New","Company":"New Co","Email":"%s"}},{"ref":"event","sobject":"Event","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Subject":"Demo","OwnerId":"%s","WhoId":"@{who.id}","StartDateTime":"2026-12-04T09:00:00.000Z","EndDateTime":"2026-12-04T09:30:00.000Z"}}]}\n' \
		"$1" "$3" "$3" "$2" "$2" "$3" "$1" "$USER3"
}
idc=$(seed Contact idc@acme.example)
bymail=$(seed Contact mail@acme.example)
gone=$(seed Contact gone@acme.example)
printf '{"id":"del-1","records":[{"ref":"d","sobject":"Contact","method":"delete","id":"%s"}]}\n' "$gone" >del.jsonl
expect_status 0 "a Contact deleted before its id arrives" -- sf-create <del.jsonl
acme=$(emu_admin POST /__emu/records '{"sobject":"Account","fields":{"Name":"Acme","Website":"acme.example"}}' | jq -r .id)
case ${idc:17:1} in A) w=B ;; *) w=A ;; esac
bad=${idc:0:17}$w   # its case checksum broken
{ byid id-1 "$idc" mail@acme.example; byid id-2 "${idc:0:15}" mail@acme.example
  byid id-3 "$gone" mail@acme.example; byid id-4 "$acme" mail@acme.example
  byid id-5 "$bad" mail@acme.example; byid id-6 "$lead" nobody@acme.example; } >byid.jsonl
c0=$(calls)
expect_status 0 "people by the id in the booking, else by email" -- sf-create <byid.jsonl
expect_eq "$(( $(calls) - c0 ))" 5 "Contact and Lead by Id, Contact and Lead by Email, one graph request"
who() { rec Event "$1" .fields.WhoId; }
expect_eq "$(who id-1)" "$idc" "a valid id names its Contact, over another Contact's email"
expect_eq "$(who id-2)" "$idc" "its 15-character form too"
expect_eq "$(who id-3)" "$bymail" "the id of a deleted Contact: the email decides"
expect_eq "$(who id-4)" "$bymail" "the id of an Account (another object): the email decides"
expect_eq "$(who id-5)" "$bymail" "a malformed id: the email decides"
expect_eq "$(who id-6)" "$lead" "a Lead's id finds the Lead"

# 7c. A new person under the Account of the email's domain (where the mapping
#     says so, as Cal.com's app can): the Account whose Website is the domain
#     (acme.example, www., http(s)://), one query per window; two such
#     Accounts are the plan's "many" choice; no Account: a new Lead; a person
#     already there is used.  Sent again, the new Contact is found by email.
under() {   # under KEY EMAIL MANY
	printf '{"id":"%s","records":[{"ref":"booking","sobject":"Booking__c","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Status__c":"Booked"}},{"ref":"who","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"person:%s"},"find":{"value":"%s","in":[{"sobject":"Contact","field":"Email"},{"sobject":"Lead","field":"Email"}],"many":"%s","account":{"sobject":"Contact","field":"AccountId","fields":{"LastName":"Under","Email":"%s"}}},"fields":{"LastName":"New","Company":"New Co","Email":"%s"}},{"ref":"event","sobject":"Event","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Subject":"Demo","OwnerId":"%s","WhoId":"@{who.id}","WhatId":"@{booking.id}","StartDateTime":"2026-12-05T09:00:00.000Z","EndDateTime":"2026-12-05T09:30:00.000Z"}}]}\n' \
		"$1" "$1" "$2" "$2" "$3" "$2" "$2" "$1" "$USER3"
}
account() { emu_admin POST /__emu/records "{\"sobject\":\"Account\",\"fields\":{\"Name\":\"$1\",\"Website\":\"$2\"}}" | jq -r .id; }
initech=$(account Initech https://www.Initech-Corp.example)
twin_a=$(account "Twofold A" twofold.example)
account "Twofold B" http://twofold.example >/dev/null
account "Longer" initech-corp.example.org >/dev/null
{ under ac-1 pat@initech-corp.example first; under ac-2 kim@twofold.example refuse
  under ac-3 kim@twofold.example first; under ac-4 sam@nowhere.example first
  under ac-5 known@acme.example first; } >under.jsonl
c0=$(calls)
expect_status 1 "new people under their domain's Account (one plan refuses two Accounts)" -- sf-create <under.jsonl
expect_eq "$(( $(calls) - c0 ))" 4 "Contact and Lead by email, Account by Website, one graph request"
expect_match '"id":"ac-2","ok":false,"error":\{"code":"ambiguous-account"' "$(cat "$T/out")" \
	"two Accounts of one domain: refused when the plan says refuse"
contacts() {   # contacts EMAIL: "Id AccountId" of each Contact with that email
	emu_admin GET "/__emu/records?sobject=Contact" |
		jq -r --arg e "$1" '[.records[] | select(.fields.Email == $e) | "\(.Id) \(.fields.AccountId)"] | join(",")'
}
c1=$(contacts pat@initech-corp.example)
expect_match "^003[A-Za-z0-9]+ $initech\$" "$c1" "a new Contact under the Account whose Website is the domain"
expect_eq "$(ev ac-1)" "${c1%% *} $(bk ac-1)" "the Event names it, and keeps the booking as WhatId"
expect_eq "$(contacts kim@twofold.example | cut -d' ' -f2)" "$twin_a" "two Accounts and first: the oldest"
expect_eq "$(rec Event ac-4 .fields.WhoId | cut -c1-3)" "00Q" "no Account of the domain: a new Lead"
expect_eq "$(contacts sam@nowhere.example)" "" "and no Contact"
expect_eq "$(ev ac-5)" "$known $(bk ac-5)" "a person already there is used, not made again"
under ac-1 pat@initech-corp.example first >again.jsonl
expect_status 0 "the booking sent again" -- sf-create <again.jsonl
expect_eq "$(contacts pat@initech-corp.example)" "$c1" "finds the Contact it made: still one"

# 7d. The same choices from bookings, through sf-map and the example mapping
#     (examples/lifecycle-mapping.json): a new person of a domain with an
#     Account becomes a Contact under it, one whose booking link carries a
#     Contact's id is that Contact, whatever email they typed.
sf-describe Lead Contact Account Event EventRelation Booking__c >life.describe 2>/dev/null
lbook() {   # lbook ID EMAIL [SFID]
	jq -nc --arg id "$1" --arg e "$2" --arg s "${3:-}" --arg u "$USER3" '{id: $id, version: 1,
		status: "booked", title: "Demo", start: "2026-12-06T09:00:00Z", end: "2026-12-06T09:30:00Z",
		host: {salesforce_user_id: $u}, attendees: [],
		invitee: ({first_name: "Pat", last_name: "Doe", email: $e} +
			(if $s == "" then {} else {salesforce_id: $s} end))}'
}
{ lbook lm-1 new@initech-corp.example; lbook lm-2 typo@elsewhere.example "$idc"; } >lbook.jsonl
expect_status 0 "bookings mapped with the example's choices" -- \
	sf-map --describe life.describe --mapping "$SFP_ROOT/examples/lifecycle-mapping.json" <lbook.jsonl
cp "$T/out" lbook.plans
expect_status 0 "and sent" -- sf-create <lbook.plans
expect_match "^003[A-Za-z0-9]+ $initech\$" "$(contacts new@initech-corp.example)" \
	"a new person of a domain with an Account: a Contact under it"
expect_eq "$(who lm-2)" "$idc" "the Contact whose id the booking link carries"

# 8. Attendees reconciled, not appended: the plan states the invitees; sending
#    it again adds none; a removed one is deleted; cancelled, none stay.
U1=005Hs0000000001IAA U2=005Hs0000000002IAA U4=005Hs0000000004IAA
guests() {   # guests KEY SHOWAS IDS...
	k=$1 show=$2; shift 2
	want=$(printf '"%s",' "$@"); want="[${want%,}]"; [ $# -eq 0 ] && want="[]"
	printf '{"id":"%s","records":[{"ref":"event","sobject":"Event","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"Subject":"Demo","OwnerId":"%s","ShowAs":"%s","StartDateTime":"2026-12-03T09:00:00.000Z","EndDateTime":"2026-12-03T09:30:00.000Z"}},{"ref":"guests","sobject":"EventRelation","method":"reconcile","parent":{"ref":"event","field":"EventId"},"match":"RelationId","want":%s}]}\n' \
		"$k" "$k" "$USER3" "$show" "$want"
}
invitees() {
	eid=$(rec Event "$1" .Id)
	emu_admin GET "/__emu/records?sobject=EventRelation" |
		jq -r --arg e "$eid" '[.records[] | select(.fields.EventId == $e) | .fields.RelationId] | sort | join(" ")'
}
guests rc-1 Busy "$U1" "$U2" >g1.jsonl
expect_status 0 "a new booking with two invitees" -- sf-create <g1.jsonl
expect_eq "$(invitees rc-1)" "$U1 $U2" "both invitees are on the Event"
c0=$(calls)
expect_status 0 "the same booking sent again" -- sf-create <g1.jsonl
expect_eq "$(invitees rc-1)" "$U1 $U2" "no invitee is added twice"
expect_eq "$(( $(calls) - c0 ))" 3 "one Event query, one EventRelation query, one graph request"
guests rc-1 Busy "$U2" "$U4" >g2.jsonl
expect_status 0 "attendees changed" -- sf-create <g2.jsonl
expect_eq "$(invitees rc-1)" "$U2 $U4" "the removed invitee is deleted, the new one added"
guests rc-1 Free >g3.jsonl
expect_status 0 "cancelled: no invitees" -- sf-create <g3.jsonl
expect_eq "$(invitees rc-1)" "" "every invitee is removed"
expect_eq "$(rec Event rc-1 .fields.ShowAs)" "Free" "and the Event is Free"

# 9. API calls for 1,000 bookings' changes at the floor: one graph request per
#    500 nodes (whole plans), plus the lookup queries: one per object (Booking__c
#    versions, Contact, Lead, Event, EventRelation) and window, more only when
#    an IN list would pass the URI limit.  (tests/bench/lifecycle/README.md)
emu_admin POST /__emu/reset >/dev/null
L="$SFP_ROOT/tests/integration/lifecycle.py"
python3 "$L" gen --seed 3 --count 1000 --runs 1 big >/dev/null && python3 "$L" seed big ||
	t_fail "lifecycle.py could not make 1,000 bookings"
sf-describe Lead Contact Account Event EventRelation Booking__c >big.describe 2>/dev/null
sf-map --mapping "$SFP_ROOT/tests/integration/lifecycle/mapping.json" --describe big.describe \
	<big/run-1.jsonl >big.plans
c0=$(calls)
expect_status 0 "1,000 bookings' changes in one window" -- sf-create <big.plans
calls_spent=$(( $(calls) - c0 ))
nodes=$(jq -s '[.[] | select(.ok and (.skipped | not)) | .records | length] | add' "$T/out")
requests=$(sed -n 's/.* \([0-9]*\) requests sent.*/\1/p' "$T/err")
lookups=$(sed -n 's/.* \([0-9]*\) lookups.*/\1/p' "$T/err")
floor=$(( (nodes + 499) / 500 ))
echo "lifecycle-client: 1,000 bookings, $(wc -l <big.plans) plans, $nodes nodes: $requests graph requests (ceil(nodes/500) = $floor) + $lookups lookups = $calls_spent calls"
expect_eq "$calls_spent" "$((requests + lookups))" "every call is a graph request or a lookup"
if [ "$requests" -le $((floor + 1)) ]; then t_ok "graph requests at the floor"; else
	t_fail "$requests graph requests for $nodes nodes (floor $floor)"; fi
# 1,000 keys or emails make IN lists of 18 to 35 KB once quoted and encoded, so
# each object takes 1 to 3 queries of at most 14,000 characters of IN list
if [ "$lookups" -ge 5 ] && [ "$lookups" -le 12 ]; then t_ok "one lookup per object and IN list of 14,000 characters"; else
	t_fail "$lookups lookups for one window of five objects"; fi
expect_status 0 "the org matches the model" -- python3 "$L" check big
t_done
