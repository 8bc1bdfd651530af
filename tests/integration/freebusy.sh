#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# sf-freebusy against the emulator: merged busy spans from owned events and
# accepted invitations, all-day events in the host's zone, paging past one
# page, a malicious id refused before any request, free slots, a host whose
# private events are hidden written as unknown, and that no word of an
# event's private text ever reaches stdout or stderr.
. "$SFP_ROOT/tests/lib.sh"
need_emulator

ANN=005Hs0000000003IAA
BOB=005Hs0000000004IAA
ORG=005Hs0000000002IAA   # owns the events others are invited to
W=(--from 2026-12-01T00:00:00Z --to 2026-12-08T00:00:00Z)

# seed SOBJECT FIELDS-JSON: one record, its id on stdout.
seed() { emu_admin POST /__emu/records "{\"sobject\":\"$1\",\"fields\":$2}" | jq -r .id; }

# Private text in every field an event can carry.
P='"Subject":"PRIVATE-SUBJECT Merger","Location":"PRIVATE-ROOM","Description":"PRIVATE-NOTES salary"'
seed Event "{$P,\"OwnerId\":\"$ANN\",\"StartDateTime\":\"2026-12-01T09:00:00Z\",\"EndDateTime\":\"2026-12-01T10:00:00Z\"}" >/dev/null
seed Event "{$P,\"OwnerId\":\"$ANN\",\"StartDateTime\":\"2026-12-01T09:30:00Z\",\"EndDateTime\":\"2026-12-01T11:00:00Z\",\"IsPrivate\":true}" >/dev/null
seed Event "{$P,\"OwnerId\":\"$ANN\",\"StartDateTime\":\"2026-12-01T11:00:00Z\",\"EndDateTime\":\"2026-12-01T11:30:00Z\",\"ShowAs\":\"OutOfOffice\"}" >/dev/null
seed Event "{$P,\"OwnerId\":\"$ANN\",\"StartDateTime\":\"2026-12-02T09:00:00Z\",\"EndDateTime\":\"2026-12-02T10:00:00Z\",\"ShowAs\":\"Free\"}" >/dev/null
seed Event "{$P,\"OwnerId\":\"$ANN\",\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-12-03\"}" >/dev/null
# Outside the window, and an event of someone else.
seed Event "{$P,\"OwnerId\":\"$ANN\",\"StartDateTime\":\"2026-12-09T09:00:00Z\",\"EndDateTime\":\"2026-12-09T10:00:00Z\"}" >/dev/null
seed Event "{$P,\"OwnerId\":\"$ORG\",\"StartDateTime\":\"2026-12-04T09:00:00Z\",\"EndDateTime\":\"2026-12-04T10:00:00Z\"}" >/dev/null
# Invitations for Bob: accepted, declined, not answered.
E1=$(seed Event "{$P,\"OwnerId\":\"$ORG\",\"StartDateTime\":\"2026-12-04T13:00:00Z\",\"EndDateTime\":\"2026-12-04T14:00:00Z\"}")
E2=$(seed Event "{$P,\"OwnerId\":\"$ORG\",\"StartDateTime\":\"2026-12-04T15:00:00Z\",\"EndDateTime\":\"2026-12-04T16:00:00Z\"}")
E3=$(seed Event "{$P,\"OwnerId\":\"$ORG\",\"StartDateTime\":\"2026-12-05T08:00:00Z\",\"EndDateTime\":\"2026-12-05T08:45:00Z\"}")
seed EventRelation "{\"EventId\":\"$E1\",\"RelationId\":\"$BOB\",\"Status\":\"Accepted\",\"Response\":\"PRIVATE-RESPONSE\"}" >/dev/null
seed EventRelation "{\"EventId\":\"$E2\",\"RelationId\":\"$BOB\",\"Status\":\"Declined\"}" >/dev/null
seed EventRelation "{\"EventId\":\"$E3\",\"RelationId\":\"$BOB\",\"Status\":\"New\"}" >/dev/null

calls0=$(emu_admin GET /__emu/stats | jq .api_calls)
expect_status 0 "busy for two hosts" -- sf-freebusy "${W[@]}" "$ANN" "$BOB"
expect_eq "$(cat "$T/out")" \
'{"user":"005Hs0000000003IAA","busy":[{"start":"2026-12-01T09:00:00Z","end":"2026-12-01T11:30:00Z"},{"start":"2026-12-03T00:00:00Z","end":"2026-12-04T00:00:00Z"}]}
{"user":"005Hs0000000004IAA","busy":[{"start":"2026-12-04T13:00:00Z","end":"2026-12-04T14:00:00Z"},{"start":"2026-12-05T08:00:00Z","end":"2026-12-05T08:45:00Z"}]}' \
	"overlaps merged, free and declined left out, accepted and unanswered invitations busy"
expect_eq "$(wc -c <"$T/err")" 0 "nothing on stderr"
calls1=$(emu_admin GET /__emu/stats | jq .api_calls)
expect_eq "$((calls1 - calls0))" 4 "four queries: permissions, owned events, invitations, invited events"
expect_no_match 'PRIVATE|Merger|salary' "$(cat "$T/out" "$T/err")" "no private text in the output"
log=$(emu_admin GET '/__emu/log?limit=3' | jq -r '.requests[].path')
expect_no_match 'Subject|Location|Description|Who|What' "$log" "the queries never ask for private fields"

# All-day events are whole days in the host's zone.
expect_status 0 "all-day in Oslo" -- sf-freebusy "${W[@]}" --tz Europe/Oslo "$ANN"
expect_match '"start":"2026-12-02T23:00:00Z","end":"2026-12-03T23:00:00Z"' "$(cat "$T/out")" \
	"3 December in Oslo is 23:00Z to 23:00Z"
expect_status 0 "all-day in Los Angeles" -- sf-freebusy "${W[@]}" --tz America/Los_Angeles "$ANN"
expect_match '"start":"2026-12-03T08:00:00Z","end":"2026-12-04T08:00:00Z"' "$(cat "$T/out")" \
	"3 December in Los Angeles is 08:00Z to 08:00Z"

# User ids on stdin, 15-character form, tags echoed.
printf '{"user":"005Hs0000000004","id":"host-b"}\n"%s"\n' "$ANN" >"$T/in"
expect_status 0 "users on stdin" -- sf-freebusy "${W[@]}" <"$T/in"
expect_eq "$(jq -c '[.id, .user, (.busy|length)]' "$T/out" | tr '\n' ' ')" \
	'["host-b","005Hs0000000004",2] [null,"005Hs0000000003IAA",2] ' "stdin items answered in order"

# Free slots in working hours.
expect_status 0 "slots" -- sf-freebusy --from 2026-12-01 --to 2026-12-02 --tz Europe/Oslo \
	--slots 60 --hours 09:00-14:00 "$ANN"
expect_eq "$(jq -c '[.free[].start]' "$T/out")" \
	'["2026-12-01T08:00:00Z","2026-12-01T12:00:00Z"]' "slots avoid the busy morning"

# A malicious id is refused before any request, naming the input.
req0=$(emu_admin GET /__emu/stats | jq .requests)
expect_status 2 "injection in an argument" -- sf-freebusy "${W[@]}" "$ANN" "005' OR OwnerId != '"
expect_eq "$(cat "$T/err")" "sf-freebusy: argument 2: user \"005' OR OwnerId != '\": not a salesforce id: want 15 or 18 letters and digits" "one line naming the input"
expect_eq "$(wc -c <"$T/out")" 0 "nothing on stdout"
printf '"%s"\n"005Hs0000000003IAB"\n' "$ANN" >"$T/in"
expect_status 3 "bad checksum on stdin" -- sf-freebusy "${W[@]}" <"$T/in"
expect_match '^sf-freebusy: <stdin>:2:1: user "005Hs0000000003IAB": not a salesforce id: checksum' \
	"$(cat "$T/err")" "stdin refusal names its position"
expect_status 2 "a Lead id" -- sf-freebusy "${W[@]}" 00QHs0000000001MAA
expect_match 'not a user id' "$(cat "$T/err")" "a Lead id is not a user id"
req1=$(emu_admin GET /__emu/stats | jq .requests)
expect_eq "$req1" "$req0" "no request reached the org"

# Paging: more events than one page of 200 (owned by a third user).
CAL=005Hs0000000001IAA
emu_admin POST /__emu/config '{"query_batch":200}' >/dev/null
host=${SFEMU_URL#https://}
{
	for i in $(seq 0 249); do
		d=$((i / 48)); h=$(((i % 48) / 2)); m=$(((i % 2) * 30))
		s=$(printf '2026-12-%02dT%02d:%02d:00Z' $((d + 1)) "$h" "$m")
		printf 'url = "%s/__emu/records"\n' "$SFEMU_URL"
		printf 'data = "{\\"sobject\\":\\"Event\\",\\"fields\\":{\\"OwnerId\\":\\"%s\\",\\"Subject\\":\\"PRIVATE-%d\\",\\"StartDateTime\\":\\"%s\\",\\"DurationInMinutes\\":15}}"\n' "$CAL" "$i" "$s"
		printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\n'
		printf 'cacert = "%s"\nresolve = "%s:%s:127.0.0.1"\nsilent\nshow-error\n' \
			"$SF_CA_FILE" "${host%%:*}" "${host##*:}"
		[ "$i" -lt 249 ] && printf 'next\n'
	done
} >"$T/curl.cfg"
curl -K "$T/curl.cfg"
n=$(emu_admin GET "/__emu/records?sobject=Event&OwnerId=$CAL" | jq '.records|length')
expect_eq "$n" 250 "250 events seeded"
expect_status 0 "busy over two pages" -- sf-freebusy "${W[@]}" "$CAL"
expect_eq "$(jq '.busy|length' "$T/out")" 250 "every event of both pages"
more=$(emu_admin GET '/__emu/log?limit=10' | jq '[.requests[].path|select(test("/query/"))]|length')
expect_eq "$more" 1 "nextRecordsUrl followed once"
expect_no_match 'PRIVATE' "$(cat "$T/out" "$T/err")" "no private text after paging either"

# Private events: without View All Data the integration user is not shown
# another user's private events (Ann's 09:30-11:00 meeting), so Ann is written
# as unknown, never with free time; its own calendar (ORG) is answered.
emu_admin POST /__emu/config '{"integration_view_all_data":0}' >/dev/null
expect_status 1 "a host whose private events are hidden" -- \
	sf-freebusy "${W[@]}" --slots 60 "$ANN" "$ORG"
expect_eq "$(jq -c "select(.user == \"$ANN\") | [has(\"unknown\"), has(\"busy\"), has(\"free\")]" "$T/out")" \
	'[true,false,false]' "Ann unknown: neither busy nor free"
expect_eq "$(jq -c "select(.user == \"$ORG\") | [has(\"unknown\"), (.busy | length) > 0, has(\"free\")]" "$T/out")" \
	'[false,true,true]' "the integration user's own calendar answered"
expect_match '^sf-freebusy: .*private events hidden' "$(cat "$T/err")" "the refusal says why"
expect_eq "$(wc -l <"$T/err")" 1 "in one line"
emu_admin POST /__emu/config '{"integration_view_all_data":1}' >/dev/null

# Faults: an unavailable org is temporary (exit 4); a full disk is exit 6.
emu_admin POST /__emu/faults '{"rules":[{"kind":"unavailable","count":20,"path":"/query"}]}' >/dev/null
expect_status 4 "org unavailable" -- sf-freebusy "${W[@]}" "$ANN"
expect_eq "$(wc -c <"$T/out")" 0 "nothing half-written on stdout"
emu_admin DELETE /__emu/faults >/dev/null
sf-freebusy "${W[@]}" "$ANN" >/dev/full 2>"$T/err"
expect_eq "$?" 6 "stdout on /dev/full exits 6"
t_done
