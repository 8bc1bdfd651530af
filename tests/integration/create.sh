# SPDX-License-Identifier: ISC
# sf-create against the emulator: atomic plans, API calls at the floor, few
# extra calls for failing plans, exactly once under injected faults, the daily
# limit stop and its replay, the budget guard, OUTCOME_UNKNOWN, the operator form.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1

USER3=005Hs0000000003IAA   # ann.host@acme.example in the emulator's fixtures

# plans N PREFIX [3]: N bookings, Lead + Event upserted by Booking_Key__c, and an
# EventRelation (a plain create) when the third argument is 3.
plans() {
	awk -v n="$1" -v p="$2" -v three="${3:-}" -v u="$USER3" 'BEGIN {
	for (i = 1; i <= n; i++) {
		printf "{\"id\":\"%s-%d\",\"records\":[", p, i
		printf "{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"%s-%d\"},\"fields\":{\"LastName\":\"Lee %d\",\"Company\":\"Acme\"}},", p, i, i
		printf "{\"ref\":\"event\",\"sobject\":\"Event\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"%s-%d\"},\"fields\":{\"Subject\":\"Demo\",\"WhoId\":\"@{lead.id}\",\"StartDateTime\":\"2026-12-01T09:00:00.000Z\",\"EndDateTime\":\"2026-12-01T09:30:00.000Z\"}}", p, i
		if (three) printf ",{\"ref\":\"rel\",\"sobject\":\"EventRelation\",\"fields\":{\"EventId\":\"@{event.id}\",\"RelationId\":\"%s\"}}", u
		printf "]}\n"
	} }'
}
calls() { emu_admin GET /__emu/stats | jq -r .api_calls; }
# keys SOBJECT PREFIX: "count distinct" of Booking_Key__c values starting with PREFIX-
keys() {
	emu_admin GET "/__emu/records?sobject=$1" |
		jq -r --arg p "$2-" '[.records[].fields.Booking_Key__c | select(. != null and startswith($p))] | "\(length) \(unique | length)"'
}

# 1. A plan whose last record fails leaves none of its records.
cat >atomic.jsonl <<'EOF'
{"id":"at-1","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"at-1"},"fields":{"LastName":"Lee","Company":"Acme"}},{"ref":"event","sobject":"Event","fields":{"Subject":"Demo","WhoId":"@{lead.id}","StartDateTime":"2026-12-01T09:00:00.000Z","EndDateTime":"2026-12-01T09:30:00.000Z"}},{"ref":"rel","sobject":"EventRelation","fields":{"EventId":"@{event.id}","RelationId":"005000000000000AAA"}}]}
EOF
expect_status 1 "a failing last record fails the plan" -- sf-create --rejects rej1.jsonl <atomic.jsonl
out=$(cat "$T/out")
expect_match '"ok":false' "$out" "the plan is reported failed"
expect_match '"ref":"rel"' "$out" "the error names the failing record's ref"
expect_match '"input":\{"id":"at-1"' "$out" "the plan comes back whole under input"
expect_eq "$(keys Lead at)" "0 0" "no Lead of the failed plan exists"
expect_eq "$(jq -c .input rej1.jsonl)" "$(cat atomic.jsonl)" "the rejects hold the plan whole under input"
expect_match '"ok":false.*"ref":"rel"' "$(cat rej1.jsonl)" "the rejects say why, so it is not sent again blindly"

# 2. 1,000 plans of 3 records at the floor: 3,000 nodes, whole plans of 3 fit
# 166 to a 500-node request, so ceil(1000/166) = 7 requests (ceil(3000/500) = 6
# would need a plan split across two requests, which would break all-or-none).
plans 1000 fl 3 >p1000.jsonl
c0=$(calls)
expect_status 0 "1,000 plans succeed" -- sf-create <p1000.jsonl
c1=$(calls)
expect_eq "$((c1 - c0))" 7 "1,000 plans of 3 records spend 7 api calls"
expect_eq "$(grep -c '"ok":true' "$T/out")" 1000 "one ok line per plan"
expect_eq "$(jq -r .id "$T/out" | head -n 3 | tr '\n' ' ')" "fl-1 fl-2 fl-3 " "results in input order"
expect_eq "$(keys Lead fl)" "1000 1000" "1,000 Leads, each once"
expect_match 'api usage: [0-9]+/[0-9]+' "$(cat "$T/err")" "usage reported on stderr"

emu_admin POST /__emu/reset >/dev/null   # fewer records: a faster emulator
# 3. A few failing plans cost a few calls more (each failing graph rolls back its
# neighbours, which go again in one more request).
plans 1000 ff 3 | awk 'NR % 200 == 7 { sub(/"Company":"Acme"/, "\"Company\":\"Acme\",\"NoSuchField__c\":1") } { print }' >pfail.jsonl
c0=$(calls)
expect_status 1 "5 failing plans out of 1,000: exit 1" -- sf-create <pfail.jsonl
c1=$(calls)
expect_eq "$(grep -c '"ok":false' "$T/out")" 5 "exactly the 5 bad plans fail"
extra=$((c1 - c0 - 7))
if [ "$extra" -ge 0 ] && [ "$extra" -le 2 ]; then t_ok "failing plans cost $extra extra calls"; else
	t_fail "5 failing plans cost $((c1 - c0)) calls (wanted 7 to 9)"; fi
expect_eq "$(keys Lead ff)" "995 995" "the 995 good plans exist, the 5 bad ones not at all"

emu_admin POST /__emu/reset >/dev/null   # fewer records: a faster emulator
# 4. 20 % injected faults: every upsert-keyed booking exists exactly once.
plans 600 fx >pfx.jsonl
emu_admin POST /__emu/faults '{"rules":[
 {"kind":"unavailable","rate":0.04,"seed":11,"path":"composite"},
 {"kind":"lock","rate":0.04,"seed":12,"path":"composite"},
 {"kind":"cut_before","rate":0.04,"seed":13,"path":"composite"},
 {"kind":"cut_after","rate":0.04,"seed":14,"path":"composite"},
 {"kind":"expired_session","rate":0.04,"seed":15,"path":"composite"}]}' >/dev/null
fails=0
i=0
while [ $i -lt 12 ]; do
	sed -n "$((i * 50 + 1)),$((i * 50 + 50))p" pfx.jsonl >chunk.jsonl
	sf-create --jobs 4 <chunk.jsonl >>fx.out 2>>fx.err || fails=$((fails + 1))
	i=$((i + 1))
done
# A second pass over everything, as a cron retry would do: upserts never duplicate.
sf-create --jobs 4 <pfx.jsonl >>fx.out 2>>fx.err || fails=$((fails + 1))
injected=$(emu_admin GET /__emu/stats | jq '[.faults_injected[]] | add // 0')
emu_admin DELETE /__emu/faults >/dev/null
expect_eq "$fails" 0 "every run under faults ends with exit 0"
if [ "$injected" -ge 3 ]; then t_ok "faults were injected ($injected)"; else
	t_fail "only $injected faults were injected"; fi
expect_eq "$(keys Lead fx)" "600 600" "600 Leads, each exactly once"
expect_eq "$(keys Event fx)" "600 600" "600 Events, each exactly once"

# 5. A cut after sending a plan with a plain create: OUTCOME_UNKNOWN, never resent.
emu_admin POST /__emu/faults '{"rules":[{"kind":"cut_after","count":1,"path":"composite"}]}' >/dev/null
plans 1 cu 3 >cu.jsonl
expect_status 1 "a cut after sending fails the create plan" -- sf-create <cu.jsonl
expect_match '"code":"OUTCOME_UNKNOWN"' "$(cat "$T/out")" "reported as OUTCOME_UNKNOWN"
emu_admin DELETE /__emu/faults >/dev/null

emu_admin POST /__emu/reset >/dev/null   # fewer records: a faster emulator
# 5b. The concurrency kind of REQUEST_LIMIT_EXCEEDED is waited out, not a stop.
emu_admin POST /__emu/faults '{"rules":[{"kind":"concurrent_limit","count":2,"path":"composite"}]}' >/dev/null
plans 20 cc >cc.jsonl
expect_status 0 "concurrency limits are retried with back-off" -- sf-create <cc.jsonl
expect_eq "$(keys Lead cc)" "20 20" "20 Leads after the concurrency limit"
emu_admin DELETE /__emu/faults >/dev/null

# 6. The daily limit stops the run and loses nothing: the rejects, replayed
# later, complete the set.
plans 1000 dl >pdl.jsonl
used=$(calls)
emu_admin POST /__emu/config "{\"daily_limit\":$((used + 2))}" >/dev/null
expect_status 4 "the daily limit stops the run with exit 4" -- sf-create --jobs 1 --rejects dl.rej <pdl.jsonl
expect_match 'REQUEST_LIMIT_EXCEEDED' "$(cat "$T/err")" "the reason is on stderr"
expect_eq "$(wc -l <"$T/out")" 1000 "one result line per plan, even unsent"
done1=$(grep -c '"ok":true' "$T/out")
expect_eq "$(($(wc -l <dl.rej) + done1))" 1000 "every plan not done is in the rejects"
emu_admin POST /__emu/config '{"daily_limit":15000}' >/dev/null
expect_status 0 "the rejects replay cleanly" -- sf-create <dl.rej
expect_eq "$(keys Lead dl)" "1000 1000" "after the replay every booking exists once"

emu_admin POST /__emu/reset >/dev/null   # fewer records: a faster emulator
# 7. The budget guard stops before the budget is spent: half of the daily
# limit is 2 calls away, so --max-api-usage 50 lets 2 requests through of 4.
plans 800 bg >pbg.jsonl
used=$(calls)
emu_admin POST /__emu/config "{\"daily_limit\":$((2 * (used + 2)))}" >/dev/null
expect_status 4 "the guard stops the run with exit 4" -- sf-create --max-api-usage 50 --rejects bg.rej <pbg.jsonl
expect_match 'max-api-usage 50% \(API_BUDGET\)' "$(cat "$T/err")" "the guard says why"
expect_eq "$(($(calls) - used))" 2 "the guard let exactly 2 calls through"
expect_eq "$(($(wc -l <bg.rej) + $(grep -c '"ok":true' "$T/out")))" 800 "unsent plans are in the rejects"
emu_admin POST /__emu/config '{"daily_limit":15000}' >/dev/null

emu_admin POST /__emu/reset >/dev/null   # fewer records: a faster emulator
# 8. The operator form: values coerced by describe.
expect_status 0 "operator form creates one Lead" -- \
	sf-create --upsert Booking_Key__c=op-1 Lead LastName=Lee Company=Acme Email=ann@acme.example
expect_match '^\{"id":"Lead","ok":true,"records":\{"record":\{"id":"00Q[A-Za-z0-9]{15}","created":true\}\}\}$' \
	"$(cat "$T/out")" "operator result line"
expect_status 0 "operator upsert again updates" -- \
	sf-create --upsert Booking_Key__c=op-1 Lead LastName=Lee Company=Acme IsUnreadByOwner=true
expect_match '"created":false' "$(cat "$T/out")" "the second run updated"
expect_status 3 "an unknown field is refused before sending" -- sf-create Lead LastName=Lee NoSuch__c=1
expect_status 2 "a malformed assignment is a usage error" -- sf-create Lead LastName

# 9. --bulk: one-record plans through Bulk API 2.0, results joined back.
emu_admin POST /__emu/reset >/dev/null
awk 'BEGIN { for (i = 1; i <= 30; i++) printf "{\"id\":\"bu-%d\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"bu-%d\"},\"fields\":{\"LastName\":\"Lee, \\\"%d\\\"\",\"Company\":%s}}]}\n", i, i, i, i == 7 ? "null" : "\"Acme\"" }' >bulk.jsonl
expect_status 1 "--bulk: one bad row of 30" -- sf-create --bulk <bulk.jsonl
expect_eq "$(grep -c '"ok":true' "$T/out")" 29 "29 rows joined back as ok"
expect_match '^\{"id":"bu-7","ok":false,"error":\{"code":"REQUIRED_FIELD_MISSING","ref":"lead"' \
	"$(sed -n 7p "$T/out")" "the failed row keeps its place and Salesforce's error"
expect_eq "$(emu_admin GET /__emu/stats | jq '.by_endpoint.composite_graph // 0')" 0 "no graph request"
expect_eq "$(keys Lead bu)" "29 29" "29 Leads, each once"
sed 7d bulk.jsonl >bulk2.jsonl
expect_status 0 "--bulk again: upserts update" -- sf-create --bulk <bulk2.jsonl
expect_match '"created":false' "$(head -n 1 "$T/out")" "the second run updated"
expect_eq "$(keys Lead bu)" "29 29" "still 29 Leads"

# 10. Dry run: the exact requests, nothing spent.
c0=$(calls)
expect_status 0 "dry run" -- sf-create --dry-run <p1000.jsonl
expect_eq "$(calls)" "$c0" "a dry run spends no api call"
expect_eq "$(wc -l <"$T/out")" 7 "a dry run prints the 7 requests"
expect_match '^\{"method":"POST","path":"/services/data/v[0-9.]+/composite/graph","body":\{"graphs":' \
	"$(head -n 1 "$T/out")" "each line is method, path and body"

# 11. The token request goes out while the input is still being read (it overlaps
# the packing of the first window): still one token request, none when there is
# no work, and a refused login reported once, with every plan kept.
requests() { emu_admin GET /__emu/stats | jq -r .requests; }
tokens() { emu_admin GET /__emu/stats | jq -r '.by_endpoint.oauth_token // 0'; }
r0=$(requests)
SFPIPE_CACHE_DIR=$T/cache11 expect_status 0 "no input" -- sf-create </dev/null
expect_eq "$(requests)" "$r0" "no input: no request at all, not even a token"
t0=$(tokens)
plans 20 la 3 >la.jsonl
SFPIPE_CACHE_DIR=$T/cache11 expect_status 0 "20 plans with an empty token cache" -- sf-create <la.jsonl
expect_eq "$(($(tokens) - t0))" 1 "one token request"
expect_eq "$(grep -c '"ok":true' "$T/out")" 20 "20 plans made"
openssl genrsa -out "$T/wrong.pem" 2048 2>/dev/null && chmod 600 "$T/wrong.pem"
t0=$(tokens) c0=$(calls)
SFPIPE_CACHE_DIR=$T/cache11b SF_JWT_KEY_FILE=$T/wrong.pem expect_status 5 \
	"a refused login stops the run" -- sf-create --rejects rej11.jsonl <la.jsonl
expect_eq "$(($(tokens) - t0)) $(($(calls) - c0))" "1 0" "one token request, no api call"
expect_match 'SF_JWT_KEY_FILE' "$(cat "$T/err")" "the error names what to check"
expect_eq "$(jq -c .input rej11.jsonl)" "$(cat la.jsonl)" "every plan kept whole in the rejects"

t_done
