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

# With --tenants: a row per tenant, each with its own items, outcomes and its
# org session's API calls; a plan naming no tenant gets the row "".  ta and tb
# are bound to two users of the one org, so each has a session of its own.
ORG=$(emu_admin GET /__emu/orgs | jq -r '.orgs[0].org_id')
mkdir -m 700 "$T/tenants"
for tu in ta:integration@acme.example tb:ann.host@acme.example; do
	t=${tu%%:*} user=${tu#*:}
	mkdir -m 700 "$T/tenants/$t"
	printf '{"orgId":"%s","username":"%s"}\n' "$ORG" "$user" >"$T/tenants/$t/tenant.json"
	printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"%s","jwtKeyFile":"%s","flow":"jwt"}\n' \
		"$SF_INSTANCE_URL" "$SF_LOGIN_URL" "$SF_CLIENT_ID" "$user" "$SF_JWT_KEY_FILE" >"$T/tenants/$t/org.json"
	chmod 600 "$T/tenants/$t"/*.json
done
plan() {   # plan TENANT ID: one Lead upserted by TENANT:ID ("" TENANT: untagged)
	printf '{%s"id":"%s","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"%s:%s"},"fields":{"LastName":"Lee","Company":"Acme"}}]}\n' \
		"${1:+\"tenant\":\"$1\",}" "$2" "${1:-x}" "$2"
}
{
	for i in 1 2 3; do plan ta "rt$u-$i"; done
	printf '{"tenant":"ta","id":"rt%s-9","ok":false,"error":{"code":"bad-date","message":"m"},"input":{}}\n' "$u"
	for i in 1 2; do plan tb "rt$u-$i"; done
	plan "" "rt$u-0"
} >"$T/tplans.jsonl"
calls0=$(emu_admin GET /__emu/stats | jq .api_calls)
expect_status 1 "sf-create --tenants --report (a refusal and an untagged plan: exit 1)" -- \
	env -u SF_INSTANCE_URL -u SF_USERNAME -u SF_JWT_KEY_FILE sf-create --tenants "$T/tenants" \
	--report "$T/rt.json" <"$T/tplans.jsonl"
calls1=$(emu_admin GET /__emu/stats | jq .api_calls)
rows() { jq -r '.tenants | sort_by(.tenant)[] | [.tenant, .items, .ok, .failed, .replay] | map(tostring) | join(" ")' "$1" | paste -sd ','; }
expect_eq "$(rows "$T/rt.json")" " 1 0 1 0,ta 4 3 1 0,tb 2 2 0 0" \
	"tenants report: a row per tenant (tenant items ok failed replay), \"\" for the untagged plan"
expect_eq "$(jq '[.tenants[] | select(.tenant != "") | .api_calls] | add' "$T/rt.json")" "$((calls1 - calls0))" \
	"tenants report: the tenants' api calls add up to what the org counted"
expect_eq "$(jq -r '[.tenants[] | select(.tenant != "") | .api_calls > 0 and .api_used > 0 and .api_max > 0] | all' "$T/rt.json")" \
	"true" "tenants report: each tenant's api calls and its org's usage"
expect_eq "$(jq -r '.tenants[] | select(.tenant == "") | "\(.api_calls) \(.api_used)"' "$T/rt.json")" "0 -1" \
	"tenants report: the untagged row sent nothing and knows no usage"
expect_eq "$(jq -r '[.tenants[].duration_s | . >= 0] | all' "$T/rt.json")" "true" "tenants report: durations"
expect_status 1 "sf-create --tenants --report r.prom" -- env -u SF_INSTANCE_URL -u SF_USERNAME -u SF_JWT_KEY_FILE \
	sf-create -q --tenants "$T/tenants" --report "$T/rt.prom" <"$T/tplans.jsonl"
p=$(cat "$T/rt.prom")
expect_match '^sfpipe_ok\{program="sf-create",tenant="ta"\} 3$' "$p" "prometheus: ta's ok"
expect_match '^sfpipe_items\{program="sf-create",tenant="tb"\} 2$' "$p" "prometheus: tb's items"
expect_eq "$(grep -c '^sfpipe_failed{' <<<"$p")" "3" "prometheus: one failed sample per tenant row"
: >"$T/empty.jsonl"
expect_status 0 "sf-create --tenants with nothing to do" -- sf-create --tenants "$T/tenants" --report "$T/r0.json" <"$T/empty.jsonl"
expect_eq "$(jq -c .tenants "$T/r0.json")" "[]" "tenants report: no row when no tenant had items"
t_done
