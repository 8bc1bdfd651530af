#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# examples/pipeline.sh, the script an operator copies into cron, against the
# emulator: bookings arrive signed, get created, refusals are kept; when the
# org's daily API limit stops a run (exit 4), the next run replays what was not
# sent and completes the set; and the crontab's flock keeps runs apart.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"

cp "$EX/keyring.json" keys.json && chmod 600 keys.json
sf-describe Lead Contact Event EventRelation Booking__c >describe.json || t_fail "sf-describe for the pipeline"
export SFPIPE_KEYRING="$T/keys.json" SFPIPE_MAPPING="$EX/mapping.json" SFPIPE_DESCRIBE="$T/describe.json"
mkdir -p spool

# A first minute's worth: the four example bookings, signed as the portal would.
hmac-sign --keyring keys.json --tenant acme --lines <"$EX/bookings.jsonl" >earlier.jsonl
cat earlier.jsonl >>spool/incoming.jsonl
expect_status 1 "a run with one unmappable booking exits 1" -- "$EX/pipeline.sh" spool
expect_eq "$(cat spool/results/*.jsonl | grep -c '"ok":true')" "3" "three bookings created"
expect_eq "$(cat spool/results/*.jsonl | grep -c '"ok":false')" "1" "the unmappable one reported"
expect_eq "$(ls spool/work | wc -l)" "0" "nothing left in work/ after a complete run"
expect_eq "$(emu_admin GET '/__emu/records?sobject=Lead' | jq '.records | length')" "3" "three Leads in the org"

# The next minute: 30 more bookings, but the org's daily limit is nearly spent.
for i in $(seq 1 30); do
	jq -c --arg id "bk-p$i" '.id = $id | .invitee.last_name = "P\($id)"' "$EX/booking.json"
done >batch.jsonl
hmac-sign --keyring keys.json --tenant acme --lines <batch.jsonl >>spool/incoming.jsonl
used=$(emu_admin GET /__emu/stats | jq .api_calls)
emu_admin POST /__emu/config "{\"daily_limit\": $used}" >/dev/null
# No call left today: the whole minute's plans must wait for tomorrow.
"$EX/pipeline.sh" spool >/dev/null 2>"$T/err2"
rc=$?
expect_eq "$rc" "4" "a run stopped by the daily API limit exits 4 (try later)"
expect_match "REQUEST_LIMIT_EXCEEDED|limit" "$(cat spool/results/*.jsonl)" "results say why plans were not sent"
[ -s spool/rejects.retry.jsonl ] && t_ok "unsent plans kept for the next run" || t_fail "no rejects.retry.jsonl"

# The limit resets (a new day); the next run replays and completes the set.
emu_admin POST /__emu/config '{"daily_limit": 1000000}' >/dev/null
expect_status 0 "the next run replays the unsent plans and exits 0" -- "$EX/pipeline.sh" spool
# (one invitee for all 30: one Lead, found by email; each booking its own Booking__c)
n=$(emu_admin GET '/__emu/records?sobject=Booking__c' | jq '[.records[] | select(.fields.Booking_Key__c | startswith("acme:bk-p"))] | length')
expect_eq "$n" "30" "all 30 bookings exist after the replay"
dups=0
for o in Lead Booking__c Event; do
	d=$(emu_admin GET "/__emu/records?sobject=$o" | jq '[.records[].fields.Booking_Key__c] | group_by(.) | map(select(length > 1)) | length')
	dups=$((dups + d))
done
expect_eq "$dups" "0" "no booking exists twice"

# A booking Salesforce refuses for its data (a host user that does not exist)
# goes to rejects.jsonl for a person, and is not sent again every minute.
jq -c '.id = "bk-nohost" | .host.salesforce_user_id = "005Hs00000009ZZ"' "$EX/booking.json" |
	hmac-sign --keyring keys.json --tenant acme --lines >>spool/incoming.jsonl
expect_status 1 "a run with a booking Salesforce refuses exits 1" -- "$EX/pipeline.sh" spool
expect_match '"id":"bk-nohost","ok":false' "$(cat spool/rejects.jsonl)" "the refused booking is kept for a person, with its reason"
expect_no_match 'bk-nohost' "$(cat spool/rejects.retry.jsonl 2>/dev/null)" "and not queued to be sent again"
expect_status 0 "the next run has nothing left to send and exits 0" -- "$EX/pipeline.sh" spool

# A run killed (SIGKILL) while hmac-verify is at work, then the next run: the
# messages the killed run accepted are re-read, and refused as "replayed"; those
# go to already-delivered.jsonl, never to rejects.jsonl (the file for a person).
# A true replay still reaches rejects.jsonl: a message delivered an earlier
# minute sent again, and a second copy of one in the spool being re-read.
for i in $(seq 1 8); do
	jq -c --arg id "bk-kill$i" '.id = $id | .invitee.last_name = "K\($id)"' "$EX/booking.json"
done | hmac-sign --keyring keys.json --tenant acme --lines >kill.jsonl
{ cat kill.jsonl; head -n 1 kill.jsonl; head -n 1 earlier.jsonl; } >>spool/incoming.jsonl
mkdir -p killbin
{
	echo '#!/bin/sh'
	echo '# hmac-verify over the first 3 messages, then the pipeline is killed mid-run.'
	echo "head -n 3 | \"$SFP_ROOT/bin/hmac-verify\" \"\$@\""
	echo 'kill -KILL $PPID'
} >killbin/hmac-verify
chmod +x killbin/hmac-verify
before=$(wc -l <spool/rejects.jsonl)
(PATH="$T/killbin:$PATH" "$EX/pipeline.sh" spool >/dev/null 2>&1) 2>/dev/null
expect_eq "$?" "137" "the first run is killed by SIGKILL while verifying"
expect_eq "$(ls spool/work/*.spool | wc -l)" "1" "the killed run left its spool in work/"
expect_status 1 "the next run finishes the spool (exit 1: the two true replays)" -- "$EX/pipeline.sh" spool
n=$(emu_admin GET '/__emu/records?sobject=Booking__c' | jq '[.records[] | select(.fields.Booking_Key__c | startswith("acme:bk-kill"))] | length')
expect_eq "$n" "8" "all 8 bookings of the killed run exist after the rerun"
new=$(tail -n +$((before + 1)) spool/rejects.jsonl)
expect_eq "$(printf '%s\n' "$new" | grep -c .)" "2" "rejects.jsonl gained two lines, no false alarm"
expect_eq "$(printf '%s\n' "$new" | grep -c '"code":"replayed"')" "2" "both are replayed refusals"
expect_eq "$(printf '%s\n' "$new" | jq -r .id | sort | tr '\n' ' ')" \
	"$({ head -n 1 kill.jsonl; head -n 1 earlier.jsonl; } | jq -r .id | sort | tr '\n' ' ')" \
	"they are the second copy in the spool and the message delivered a minute before"
expect_eq "$(wc -l <spool/already-delivered.jsonl)" "3" "the pipeline's own re-read (3 messages) is in already-delivered.jsonl"
expect_eq "$(ls spool/work | wc -l)" "0" "nothing left in work/"

# The crontab's lock: a second run while one holds the lock is skipped, not run twice.
line=$(grep -v '^#' "$EX/crontab" | grep flock | head -n 1)
expect_match 'flock -n ' "$line" "the crontab line runs the pipeline under flock -n"
exec 9>run.lock
flock -n 9
flock -n run.lock true
expect_eq "$?" "1" "flock -n refuses a second run while the first holds the lock"
exec 9>&-

# The same in tenants mode (SFPIPE_TENANTS, hmac-verify --tagged): a run
# killed mid-verify, then the next run.  The pipeline's own re-read goes to
# already-delivered.jsonl; a second copy of a message (a genuine replay) still
# reaches rejects.jsonl; and a tenant's message whose body is the same as one
# another tenant sent is that tenant's own, not a replay of the other's.
. "$SFP_ROOT/tests/integration/tenants-env.bash"
umask 077
tenants_orgs acme globex
mkdir -p tenants
tenant ta acme username jwt "$EX/tenants/globex/mapping.json"
tenant tb globex user refresh "$EX/tenants/globex/mapping.json"
printf '{}\n' >tkeys.json && chmod 600 tkeys.json
for t in ta tb; do hmac-sign --keyring tkeys.json --tenant "$t" --new-key >/dev/null; done
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE SF_CLIENT_ID
expect_status 0 "tenants: every tenant's catalog" -- sf-describe --tenants tenants
for i in $(seq 1 6); do
	jq -c --arg id "bk-tk$i" '.id = $id' "$EX/booking.json"
done >tk.jsonl
hmac-sign --keyring tkeys.json --tenant ta --lines <tk.jsonl >tk.ta
head -n 2 tk.jsonl | hmac-sign --keyring tkeys.json --tenant tb --lines >tk.tb
mkdir -p tspool
# ta's six, then tb's two (the same bodies as ta's first two), then a second
# copy of ta's second message.
{ cat tk.ta tk.tb; sed -n 2p tk.ta; } >tspool/incoming.jsonl
(PATH="$T/killbin:$PATH" SFPIPE_KEYRING="$T/tkeys.json" SFPIPE_TENANTS="$T/tenants" \
	"$EX/pipeline.sh" tspool >/dev/null 2>&1) 2>/dev/null
expect_eq "$?" "137" "tenants: the first run is killed while verifying"
expect_eq "$(grep -c '"tenant":"ta","body":' tspool/work/*.verified.tmp)" "3" \
	"tenants: the killed run had accepted three messages, tagged"
expect_status 1 "tenants: the next run finishes the spool (exit 1: the one true replay)" -- \
	env SFPIPE_KEYRING="$T/tkeys.json" SFPIPE_TENANTS="$T/tenants" "$EX/pipeline.sh" tspool
n() { emu_admin GET "/__emu/records?sobject=Lead&org=$1" | jq --arg p "$2:bk-tk" \
	'[.records[] | select((.fields.Booking_Key__c // "") | startswith($p))] | length'; }
expect_eq "$(n acme ta) $(n globex tb)" "6 2" "tenants: every booking of both tenants exists after the rerun"
expect_eq "$(grep -c . tspool/rejects.jsonl)" "1" "tenants: rejects.jsonl holds one line, no false alarm"
expect_eq "$(jq -r '[.tenant, .error.code, .id] | join(" ")' tspool/rejects.jsonl)" \
	"ta replayed $(sed -n 2p tk.ta | jq -r .id)" "tenants: it is the second copy of ta's second message"
expect_eq "$(jq -r '[.tenant, .error.code] | join(" ")' tspool/already-delivered.jsonl | sort | uniq -c | tr -s ' ')" \
	" 3 ta replayed" "tenants: the pipeline's own re-read (3 of ta's messages) is in already-delivered.jsonl"
expect_eq "$(ls tspool/work | wc -l)" "0" "tenants: nothing left in work/"
t_done
