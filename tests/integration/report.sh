#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# sf-create --report: the run's summary for machines, as JSON and as a
# Prometheus textfile, with what was done, failed, spent and left for replay;
# the same numbers as the line for people, which -q drops.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"
ex="$SFP_ROOT/examples"
u=$(date +%s%N)
# Three plans the org takes and one refusal passed through from sf-map.
sf-map --describe "$ex/describe.json" "$ex/mapping.json" <"$ex/bookings.jsonl" 2>/dev/null |
	sed "s/bk-104/rp$u-/g" >"$T/plans.jsonl"

expect_status 1 "sf-create --report r.json (one refusal passed through: exit 1)" -- \
	sf-create --report "$T/r.json" <"$T/plans.jsonl"
expect_match '^sf-create: 1 of 4 plans failed; api usage: [0-9]+/[0-9]+' "$(cat "$T/err")" "the line for people"
r=$(cat "$T/r.json")
expect_eq "$(json_get "$r" '.program')" "sf-create" "report: program"
expect_match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$(json_get "$r" '.finished')" "report: finished, RFC 3339 UTC"
expect_eq "$(json_get "$r" '.tenants[0] | [.tenant, .items, .ok, .failed, .replay] | map(tostring) | join(" ")')" \
	" 4 3 1 0" "report: tenant, items, ok, failed, replay"
expect_match '^[1-9][0-9]*$' "$(json_get "$r" '.tenants[0].api_calls')" "report: api calls sent"
used=$(emu_admin GET /__emu/stats | jq .api_calls)
expect_eq "$(json_get "$r" '.tenants[0].api_used')" "$used" "report: api usage as the org counts it"
expect_match '^[0-9.e-]+$' "$(json_get "$r" '.tenants[0].duration_s')" "report: duration"

# -q: no line for people; the report is still written.
sed "s/rp$u-/rq$u-/g" "$T/plans.jsonl" >"$T/plans2.jsonl"
expect_status 1 "sf-create -q --report r.prom" -- sf-create -q --report "$T/r.prom" <"$T/plans2.jsonl"
expect_eq "$(cat "$T/err")" "" "-q: nothing on stderr"
p=$(cat "$T/r.prom")
expect_match '^sfpipe_ok\{program="sf-create",tenant=""\} 3$' "$p" "prometheus: ok"
expect_match '^sfpipe_failed\{program="sf-create",tenant=""\} 1$' "$p" "prometheus: failed"
expect_match '^sfpipe_replay_waiting\{program="sf-create",tenant=""\} 0$' "$p" "prometheus: waiting for replay"
expect_match '^sfpipe_api_usage_ratio\{program="sf-create",tenant=""\} [0-9][0-9.e+-]*$' "$p" "prometheus: api usage ratio"
for m in items ok failed api_calls api_usage_ratio replay_waiting duration_seconds last_run_timestamp_seconds; do
	expect_match "^# TYPE sfpipe_$m gauge\$" "$p" "prometheus: sfpipe_$m has its TYPE"
done
expect_eq "$(ls "$T" | grep -c '\.tmp\.')" "0" "no temporary file left beside the report"

# At the daily limit: the plans wait for the next run, and the report says so.
sed "s/rp$u-/rl$u-/g" "$T/plans.jsonl" | grep -v '"ok":false' >"$T/plans3.jsonl"
used=$(emu_admin GET /__emu/stats | jq .api_calls)
emu_admin POST /__emu/config "{\"daily_limit\": $used}" >/dev/null
expect_status 4 "at the daily limit: exit 4" -- sf-create --report "$T/r3.json" --rejects "$T/rej" <"$T/plans3.jsonl"
emu_admin POST /__emu/config '{"daily_limit": 1000000}' >/dev/null
expect_eq "$(jq -r '.tenants[0] | "\(.items) \(.ok) \(.replay)"' "$T/r3.json")" "3 0 3" \
	"report: all three plans wait for replay"
# A report that cannot be written is a local I/O error (exit 6).
sed "s/rp$u-/rw$u-/g" "$T/plans.jsonl" >"$T/plans4.jsonl"
expect_status 6 "--report into a missing directory: exit 6" -- sf-create --report "$T/no/such/r.json" <"$T/plans4.jsonl"
expect_match "^sf-create: .*no/such/r.json: cannot write" "$(cat "$T/err")" "and it says why"
t_done
