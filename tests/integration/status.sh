#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# sfpipe-status against a pipeline directory the real pipeline filled (the
# emulator): what is pending, what needs a person by code, when the run last
# succeeded, for people and as JSON, a row per tenant with tenants; --handled
# moving rejects whole, with when and who, under the lock the pipeline takes,
# while a pipeline runs: every reject ends in exactly one of the two files.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"
umask 077

cp "$EX/keyring.json" keys.json && chmod 600 keys.json
sf-describe Lead Contact Event EventRelation Booking__c >describe.json 2>/dev/null || t_fail "sf-describe for the pipeline"
export SFPIPE_KEYRING="$T/keys.json" SFPIPE_MAPPING="$EX/mapping.json" SFPIPE_DESCRIBE="$T/describe.json"
mkdir -p spool

expect_status 2 "no DIR is a usage error" -- sfpipe-status
expect_status 2 "ids without --handled are a usage error" -- sfpipe-status spool bk-1
expect_status 2 "--handled without ids is a usage error" -- sfpipe-status --handled spool
expect_status 3 "a DIR that is not there is refused (exit 3)" -- sfpipe-status "$T/nope"
expect_match "^sfpipe-status: $T/nope: " "$(cat "$T/err")" "and says which"
expect_status 0 "an empty pipeline directory" -- sfpipe-status --json spool
expect_eq "$(jq -c '.tenants[] | [.tenant, .pending, .replay, .needs_person, .last_run]' "$T/out")" \
	'["",0,0,0,null]' "one row, nothing to show, never ran"

# A run: the four example bookings (one unmappable, bk-1045) and two the
# mapping refuses; then two bookings waiting in incoming.jsonl.
{ cat "$EX/bookings.jsonl"; for i in 1 2; do jq -c --arg id "bk-bad$i" '.id = $id | .start = "soon"' "$EX/booking.json"; done; } |
	hmac-sign --keyring keys.json --tenant acme --lines >>spool/incoming.jsonl
expect_status 1 "the run with three bad bookings exits 1" -- "$EX/pipeline.sh" spool
for i in 1 2; do jq -c --arg id "bk-wait$i" '.id = $id' "$EX/booking.json"; done |
	hmac-sign --keyring keys.json --tenant acme --lines >>spool/incoming.jsonl
expect_status 0 "sfpipe-status --json" -- sfpipe-status --json spool
out=$(cat "$T/out")
expect_eq "$(jq '.tenants | length' <<<"$out")" "1" "one row (no tenants configured)"
expect_eq "$(jq -c '.tenants[0] | [.pending, .replay, .needs_person]' <<<"$out")" "[2,0,3]" \
	"two messages pending in incoming.jsonl, three rejects need a person"
expect_eq "$(jq -c '.tenants[0].codes' <<<"$out")" '{"bad-date":3}' \
	"the rejects by code, as rejects.jsonl has them"
expect_eq "$(jq -r '.tenants[0].last_success' <<<"$out")" "$(jq -r .finished spool/reports/*.json)" \
	"last success: when the run that created three bookings finished (its sf-create report)"
expect_status 0 "the table for people" -- sfpipe-status spool
expect_match '^TENANT +PENDING +REPLAY +NEEDS-A-PERSON +LAST-SUCCESS +LAST-RUN$' "$(head -n 1 "$T/out")" "has a header"
expect_match '^- +2 +0 +3 +20[0-9-]+T' "$(sed -n 2p "$T/out")" "and the row"
expect_match '^-: needs a person: 3 bad-date$' "$(sed -n 3p "$T/out")" "and says why, by code"
expect_eq "$(sh "$EX/sfpipe-status.sh" spool | tail -n 1)" '{"tenant":"","needs_person":3}' "the example runs"

# With tenants: a row per configured tenant, even one with nothing; the
# pending envelopes name theirs.
mkdir -p tenants/acme tenants/globex
expect_status 0 "sfpipe-status -T tenants --json" -- sfpipe-status -T tenants --json spool
expect_eq "$(jq -c '[.tenants[] | [.tenant, .pending, .needs_person]]' "$T/out")" \
	'[["acme",2,0],["globex",0,0],["",0,3]]' "a row per tenant; the verified bookings' rejects name none"
expect_eq "$(SFPIPE_TENANTS=$T/tenants sfpipe-status --json spool | jq -c '[.tenants[].tenant]')" '["acme","globex",""]' \
	"SFPIPE_TENANTS does the same"
chmod 777 tenants
expect_status 3 "a tenants directory others may write is refused" -- sfpipe-status -T tenants spool
chmod 700 tenants

# Marking handled: whole entries move, with when and who; owner-only files.
line=$(grep '"bk-bad1"' spool/rejects.jsonl)
expect_status 0 "--handled moves one entry" -- sfpipe-status --handled --by alice spool bk-bad1
expect_match '^sfpipe-status: 1 marked handled by alice$' "$(cat "$T/err")" "and says so"
expect_no_match 'bk-bad1' "$(cat spool/rejects.jsonl)" "it left rejects.jsonl"
expect_eq "$(jq -c .reject spool/rejects.handled.jsonl)" "$(jq -c . <<<"$line")" "and is in rejects.handled.jsonl whole"
expect_eq "$(jq -r .handled_by spool/rejects.handled.jsonl)" "alice" "with who"
expect_match '^20[0-9-]+T[0-9:]+Z$' "$(jq -r .handled_at spool/rejects.handled.jsonl)" "and when"
expect_eq "$(stat -c %a spool/rejects.handled.jsonl spool/rejects.jsonl | sort -u)" "600" "both files are owner-only"
expect_eq "$(sfpipe-status --json spool | jq '.tenants[0].needs_person')" "2" "two left for a person"
expect_status 0 "-q --handled: quiet" -- sfpipe-status -q --handled spool bk-bad2
expect_eq "$(cat "$T/err")" "" "nothing on stderr with -q"
expect_status 1 "an id with no entry exits 1" -- sfpipe-status --handled spool bk-nothing
expect_match 'bk-nothing: no such reject' "$(cat "$T/err")" "and says which"
expect_eq "$(wc -l <spool/rejects.jsonl)" "1" "a failed mark moves nothing"
mv spool/rejects.jsonl elsewhere.jsonl && ln -s "$T/elsewhere.jsonl" spool/rejects.jsonl
expect_status 3 "rejects.jsonl as a symbolic link is refused" -- sfpipe-status --handled spool bk-1045
expect_eq "$(wc -l <elsewhere.jsonl)" "1" "and the file it points to is left alone"
rm spool/rejects.jsonl && mv elsewhere.jsonl spool/rejects.jsonl

# Concurrency: a pipeline appending rejects while --handled rewrites the file.
# Every reject must end in exactly one of the two files.
for i in $(seq 1 40); do jq -c --arg id "bk-race$i" '.id = $id | .start = "soon"' "$EX/booking.json"; done |
	hmac-sign --keyring keys.json --tenant acme --lines >>spool/incoming.jsonl
"$EX/pipeline.sh" spool >/dev/null 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sfpipe-status -q --handled spool bk-1045 >/dev/null 2>&1
	sfpipe-status -q --handled spool bk-race1 bk-race2 >/dev/null 2>&1
done
wait "$pid"
sfpipe-status -q --handled spool bk-race3 >/dev/null 2>&1
both=$(cat spool/rejects.jsonl; jq -c .reject spool/rejects.handled.jsonl)
expect_eq "$(jq -r .id <<<"$both" | grep -c '^bk-race')" "40" "all 40 rejects of the concurrent run are kept"
expect_eq "$(jq -r .id <<<"$both" | sort | uniq -d | tr '\n' ' ')" "" "none twice"
expect_eq "$(jq -r .id spool/rejects.jsonl | grep -c '^bk-race')" "$((40 - $(jq -r .reject.id spool/rejects.handled.jsonl | grep -c '^bk-race')))" \
	"the others still need a person"
expect_eq "$(jq -r .reject.id spool/rejects.handled.jsonl | grep -c '^bk-race3$')" "1" "the one marked after the run is handled"
t_done
