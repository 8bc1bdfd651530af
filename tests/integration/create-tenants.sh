# SPDX-License-Identifier: ISC
# sf-create --tenants against the emulator: a mixed spool lands each plan only
# under its own tenant's keys; a tenant cannot upsert another's record; plans
# without a tenant, of an unknown tenant, or of another tenant without --tenants
# are refused per item; one tenant's org refusing its login, unreachable, or
# past its own budget fails only that tenant's plans, which the rejects keep for
# replay, while the other tenants' plans finish.
#
# Sections 1-4 use the one org of the emulator that runs the suite, so the
# tenants are told apart by user and key prefix: acme and acme2 (two portals
# of one customer) share the org and its integration user, hence one session;
# ann and down bind other users of it (a session each), refused a user the org
# does not have, and down's org settings name a host that does not answer.  Sections 5-6 start an emulator
# of three orgs for four tenants: a mixed spool lands each booking only in its
# own org, one org at its daily limit while the others finish, exactly once per
# tenant under injected faults and after a kill -9.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1

ORG=00DHs0000000007MAA   # the emulator's org id (make_id("00D", 7))
INST=$SF_INSTANCE_URL LOGIN=$SF_LOGIN_URL CID=$SF_CLIENT_ID KEY=$SF_JWT_KEY_FILE
calls() { emu_admin GET /__emu/stats | jq -r .api_calls; }
# keys PREFIX: Booking_Key__c values of Leads starting with PREFIX, sorted, one line
keys() {
	emu_admin GET "/__emu/records?sobject=Lead" |
		jq -r --arg p "$1" '[.records[].fields.Booking_Key__c | select(. != null and startswith($p))] | sort | join(" ")'
}
company() {
	emu_admin GET "/__emu/records?sobject=Lead" |
		jq -r --arg k "$1" '.records[] | select(.fields.Booking_Key__c == $k) | .fields.Company'
}

# tenant NAME USER [PREFIX [HOST_PORT [EXTRA]]]: a tenant directory bound to
# the org as USER (JWT bearer with the emulator's key).
tenant() {
	local name=$1 user=$2 prefix=${3:-} inst=$INST login=$LOGIN extra=${5:-}
	mkdir -m 700 "tenants/$name"
	printf '{"orgId":"%s","username":"%s"%s%s}\n' "$ORG" "$user" \
		"${prefix:+,\"keyPrefix\":\"$prefix\"}" "$extra" >"tenants/$name/tenant.json"
	if [ -n "${4:-}" ]; then inst=https://$4 login=https://$4; fi   # its login goes there too
	printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"%s","jwtKeyFile":"%s","flow":"jwt"}\n' \
		"$inst" "$login" "$CID" "$user" "$KEY" >"tenants/$name/org.json"
	chmod 600 "tenants/$name"/*.json
}
# plan TENANT ID KEY [COMPANY]: one Lead upserted by KEY, tagged with TENANT ("" for none)
plan() {
	printf '{%s"id":"%s","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"%s"},"fields":{"LastName":"Lee","Company":"%s"}}]}\n' \
		"${1:+\"tenant\":\"$1\",}" "$2" "$3" "${4:-Acme}"
}

# A port nothing listens on, under a host name the transport resolves to it.
DOWN_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SF_RESOLVE="$SF_RESOLVE,down.my.salesforce.com:$DOWN_PORT:127.0.0.1"
mkdir -m 700 tenants
tenant acme integration@acme.example
tenant acme2 integration@acme.example acme2:
tenant ann ann.host@acme.example
tenant refused nobody@acme.example
tenant down bob.host@acme.example down: "down.my.salesforce.com:$DOWN_PORT"
# Nothing from the environment may stand in for a tenant's own org settings.
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE
unset SF_LOGIN_URL SF_CLIENT_ID

emu_admin POST /__emu/reset >/dev/null
# 1. A mixed spool: every tenant's plans, the attack of one tenant on another's
# key, and plans no tenant may send.
{
	for i in 1 2 3; do
		plan acme "bk-$i" "acme:bk-$i"
		plan acme2 "bk-$i" "acme2:bk-$i" Acme2
		plan ann "bk-$i" "ann:bk-$i" Ann
		plan refused "bk-$i" "refused:bk-$i"
		plan down "bk-$i" "down:bk-$i"
	done
	plan acme2 bk-9 acme:bk-1 PWNED-by-acme2   # acme2 reuses acme's key
	plan "" bk-10 acme:bk-10                   # no tenant at all
	plan initech bk-11 initech:bk-11           # a tenant not configured
	plan ../acme bk-12 acme:bk-12              # a name that cannot be a tenant
} >mixed.jsonl
before=$(calls)
expect_status 5 "a login refused for one tenant is exit 5, the run goes on" -- \
	sf-create --tenants tenants --rejects mixed.rej <mixed.jsonl
out=$(cat "$T/out")
expect_eq "$(wc -l <"$T/out")" 19 "one result line per item"
expect_eq "$(jq -r 'keys_unsorted[0]' "$T/out" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
	"id=1 tenant=18 " "every result of a tagged plan has tenant first"
expect_eq "$(keys acme:)" "acme:bk-1 acme:bk-2 acme:bk-3" "acme's bookings, each once"
expect_eq "$(keys acme2:)" "acme2:bk-1 acme2:bk-2 acme2:bk-3" "acme2's bookings, each once"
expect_eq "$(keys ann:)" "ann:bk-1 ann:bk-2 ann:bk-3" "ann's bookings, as her own user"
expect_eq "$(company acme:bk-1)" "Acme" "acme2 did not overwrite acme's Lead"
expect_eq "$(jq -r 'select(.tenant == "acme2" and .id == "bk-9") | .error.code' "$T/out")" \
	foreign-key "a key outside the tenant's prefix is refused"
expect_eq "$(jq -r 'select(.id == "bk-10") | .error.code' "$T/out")" untagged "an untagged plan is refused"
expect_eq "$(jq -r 'select(.id == "bk-11") | .error.code' "$T/out")" unknown-tenant \
	"an unknown tenant is refused"
expect_eq "$(jq -r 'select(.id == "bk-12") | .error.code' "$T/out")" bad-tenant-name \
	"a tenant name that is a path is refused"
expect_eq "$(jq -r 'select(.tenant == "refused") | .ok' "$T/out" | sort -u)" false \
	"the tenant whose login is refused: its plans fail"
expect_match '"tenant":"refused","id":"bk-1","ok":false,"error":\{"code":"[A-Za-z_]+"' "$out" \
	"each with its reason"
expect_eq "$(jq -r 'select(.tenant == "down") | .error.message' "$T/out" | grep -c '^not sent')" 3 \
	"the unreachable tenant's plans are reported not sent"
expect_eq "$(keys refused:)$(keys down:)" "" "no record of the failing tenants"
expect_match 'tenant (refused|down)' "$(cat "$T/err")" "stderr names the tenant that stopped"
# One session for acme and acme2 (same org and user), one for ann: one graph
# request each (logins are not API calls).
expect_eq "$(($(calls) - before))" 2 "API calls at the floor: one graph request per session"
# The rejects: the refused tenant's plans whole under input, the unreachable
# tenant's as they came, tenant first; nothing of the tenants that finished.
expect_eq "$(grep -c '"tenant":"down"' mixed.rej)" 3 "the unreachable tenant's plans are in the rejects"
expect_eq "$(grep '^{"tenant":"down"' mixed.rej | head -n 1)" "$(plan down bk-1 down:bk-1)" \
	"as they came, for replay"
expect_eq "$(jq -r 'select(.tenant == "refused") | .input.tenant' mixed.rej | sort -u)" refused \
	"the refused tenant's plans whole under input"
expect_eq "$(grep -c '"tenant":"acme"\|"tenant":"ann"' mixed.rej)" 0 "no finished tenant in the rejects"

# 2. Replay: the unreachable tenant's org answers again; its rejects land,
# and nothing else is sent twice.
rm -r tenants/down
tenant down bob.host@acme.example down:
grep '"tenant":"down"' mixed.rej >down.rej
expect_status 0 "the unreachable tenant's rejects replay cleanly" -- sf-create --tenants tenants <down.rej
expect_eq "$(keys down:)" "down:bk-1 down:bk-2 down:bk-3" "the replayed bookings exist once"

# 3. One tenant's budget stops only that tenant: ann may use 1 % of the org's
# daily calls, long spent, so after the first request (which tells the usage)
# her session sends no more; acme has no budget of its own.  600 plans of one
# record are two requests of at most 500 records.
rm -r tenants/ann
tenant ann ann.host@acme.example "" "" ',"maxApiUsage":1'
emu_admin POST /__emu/config "{\"daily_limit\":$(( $(calls) + 100 ))}" >/dev/null
{ for i in $(seq 600); do plan ann "bg-$i" "ann:bg-$i"; done; plan acme bg-1 acme:bg-1; } >budget.jsonl
expect_status 4 "a tenant past its budget is exit 4" -- \
	sf-create --tenants tenants --rejects budget.rej <budget.jsonl
expect_eq "$(jq -r 'select(.ok == false) | "\(.tenant) \(.error.code)"' "$T/out" | sort | uniq -c | awk '{print $1, $2, $3}')" \
	"100 ann API_BUDGET" "only ann's second request is held back, for her budget"
expect_eq "$(keys acme:bg)" "acme:bg-1" "acme's plan landed"
expect_eq "$(grep -c '^{"tenant":"ann"' budget.rej)" 100 "ann's unsent plans are kept for replay"
emu_admin POST /__emu/config '{"daily_limit":15000}' >/dev/null

# 4. Without --tenants (one org, as today): a plan naming a tenant is refused
# unless --tenant names it; then its keys must carry "<tenant>:".
export SF_INSTANCE_URL=$INST SF_LOGIN_URL=$LOGIN SF_CLIENT_ID=$CID SF_JWT_KEY_FILE=$KEY
export SF_USERNAME=integration@acme.example
{ plan acme one-1 acme:one-1; plan "" one-2 one-2; } >one.jsonl
expect_status 1 "a tagged plan without --tenant is refused" -- sf-create <one.jsonl
expect_eq "$(jq -r '.error.code // "ok"' "$T/out" | tr '\n' ' ')" "unknown-tenant ok " \
	"refused per item; the untagged plan goes as today"
expect_status 0 "--tenant acme takes acme's plan" -- sf-create --tenant acme <one.jsonl
expect_eq "$(keys acme:one)" "acme:one-1" "acme's plan landed"
plan globex one-3 globex:one-3 >other.jsonl
expect_status 1 "--tenant acme refuses globex's plan" -- sf-create --tenant acme <other.jsonl
expect_eq "$(jq -r .error.code "$T/out")" unknown-tenant "as unknown-tenant"
expect_status 2 "--tenants with --org is a usage error" -- sf-create --tenants tenants --org x <one.jsonl

# 5. Three orgs, four tenants (acme and acme2 share org acme): an emulator of
# its own serving acme, globex and initech, each with its own hosts, ids,
# users, records, counters and limits.
EMU=$T/emu-orgs
if ! "$SFP_ROOT/tests/emulator/emuctl" start "$EMU" --orgs 3 >/dev/null; then
	t_fail "an emulator of three orgs did not start"; t_done; exit 1
fi
trap '"$SFP_ROOT/tests/emulator/emuctl" stop "$EMU" >/dev/null 2>&1' EXIT
set -a; . "$EMU/env"; set +a
KEY=$SF_JWT_KEY_FILE LOGIN=$SF_LOGIN_URL
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE
unset SF_LOGIN_URL SF_CLIENT_ID
# org NAME FIELD: an org's variable from the emulator (SFEMU_ORG_<NAME>_<FIELD>)
org() { eval "printf %s \"\${SFEMU_ORG_$(printf %s "$1" | tr a-z A-Z)_$2}\""; }
# otenant TENANT ORG [PREFIX]: a tenant bound to ORG's integration user
otenant() {
	local t=$1 o=$2
	mkdir -m 700 "orgs/$t"
	printf '{"orgId":"%s","username":"%s"%s}\n' "$(org "$o" ORG_ID)" "$(org "$o" USERNAME)" \
		"${3:+,\"keyPrefix\":\"$3\"}" >"orgs/$t/tenant.json"
	printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"%s","jwtKeyFile":"%s","flow":"jwt"}\n' \
		"$(org "$o" INSTANCE_URL)" "$LOGIN" "$(org "$o" CLIENT_ID)" "$(org "$o" USERNAME)" "$KEY" \
		>"orgs/$t/org.json"
	chmod 600 "orgs/$t"/*.json
}
ocalls() { emu_admin GET "/__emu/stats?org=$1" | jq -r .api_calls; }
# okeys ORG: every Booking_Key__c of the org's Leads, sorted, counted: "N distinct"
okeys() {
	emu_admin GET "/__emu/records?sobject=Lead&org=$1" |
		jq -r '[.records[].fields.Booking_Key__c | select(. != null)] | "\(length) \(unique | length) \(map(split(":")[0]) | unique | join(","))"'
}
ocompany() {
	emu_admin GET "/__emu/records?sobject=Lead&org=$1" |
		jq -r --arg k "$2" '.records[] | select(.fields.Booking_Key__c == $k) | .fields.Company'
}
mkdir -m 700 orgs
otenant acme acme
otenant acme2 acme acme2:
otenant globex globex
otenant initech initech
# spool N FIRST: N bookings of every tenant, ids FIRST.., interleaved
spool() {
	local i=$2
	while [ "$i" -lt $(($2 + $1)) ]; do
		for t in acme acme2 globex initech; do plan "$t" "bk-$i" "$t:bk-$i" "$t"; done
		i=$((i + 1))
	done
}
spool 5 1 >orgs.jsonl
# The attack: globex signs a booking with acme's id; its key can only be globex's.
plan globex bk-1 acme:bk-1 PWNED-by-globex >>orgs.jsonl
plan globex bk-1042 globex:bk-1042 Cancelled >>orgs.jsonl
emu_admin POST "/__emu/config?org=initech" "{\"daily_limit\":$(ocalls initech)}" >/dev/null
a0=$(ocalls acme) g0=$(ocalls globex)
expect_status 4 "one org at its daily limit is exit 4, the others finish" -- \
	sf-create --tenants orgs --rejects orgs.rej <orgs.jsonl
expect_eq "$(okeys acme)" "10 10 acme,acme2" "org acme holds acme's and acme2's bookings, each once"
expect_eq "$(okeys globex)" "6 6 globex" "org globex holds only globex's"
expect_eq "$(okeys initech)" "0 0 " "org initech, at its limit, got nothing"
expect_eq "$(ocompany acme acme:bk-1)" acme "globex's booking with acme's id changed nothing of acme's"
expect_eq "$(jq -r 'select(.tenant == "globex" and .ok == false) | .error.code' "$T/out")" foreign-key \
	"globex's plan with acme's key is refused"
expect_eq "$(jq -r 'select(.tenant == "initech") | .error.code' "$T/out" | sort | uniq -c | awk '{print $1, $2}')" \
	"5 REQUEST_LIMIT_EXCEEDED" "initech's plans are reported with the daily limit"
expect_match 'tenant initech' "$(cat "$T/err")" "stderr names the tenant stopped"
expect_match '6 of 22 plans failed; 3 requests sent over 3 org sessions' "$(cat "$T/err")" \
	"stderr sums up the run for cron logs (initech's refused request counts as sent)"
expect_eq "$(($(ocalls acme) - a0)) $(($(ocalls globex) - g0))" "1 1" \
	"one graph request per org (acme's two tenants share it)"
expect_eq "$(grep -c '^{"tenant":"initech"' orgs.rej) $(grep -vc '^{"tenant":"initech"' orgs.rej)" "5 1" \
	"the rejects: initech's plans as they came, and globex's refused plan"
emu_admin POST "/__emu/config?org=initech" '{"daily_limit":15000}' >/dev/null
grep '^{"tenant":"initech"' orgs.rej >initech.rej
expect_status 0 "initech's rejects replay once its limit allows" -- sf-create --tenants orgs <initech.rej
expect_eq "$(okeys initech)" "5 5 initech" "org initech holds its bookings, each once"

# 6. Exactly once per tenant under 20 % injected faults in every org, and after
# a kill -9 mid-run: a run again over the whole spool duplicates nothing.
spool 60 100 >faults.jsonl
for o in acme globex initech; do
	emu_admin POST "/__emu/faults?org=$o" '{"rules":[
 {"kind":"unavailable","rate":0.05,"seed":21,"path":"composite"},
 {"kind":"lock","rate":0.05,"seed":22,"path":"composite"},
 {"kind":"cut_before","rate":0.05,"seed":23,"path":"composite"},
 {"kind":"cut_after","rate":0.05,"seed":24,"path":"composite"}]}' >/dev/null
done
fails=0 i=0
while [ $i -lt 6 ]; do
	sed -n "$((i * 40 + 1)),$((i * 40 + 40))p" faults.jsonl >chunk.jsonl
	sf-create --tenants orgs <chunk.jsonl >>faults.out 2>>faults.err || fails=$((fails + 1))
	i=$((i + 1))
done
sf-create --tenants orgs <faults.jsonl >>faults.out 2>>faults.err || fails=$((fails + 1))
injected=0
for o in acme globex initech; do
	injected=$((injected + $(emu_admin GET "/__emu/stats?org=$o" | jq '[.faults_injected[]] | add // 0')))
	emu_admin DELETE "/__emu/faults?org=$o" >/dev/null
done
expect_eq "$fails" 0 "every run under faults ends with exit 0"
if [ "$injected" -ge 3 ]; then t_ok "faults were injected ($injected)"; else
	t_fail "only $injected faults were injected"; fi
for o in acme globex initech; do
	emu_admin POST "/__emu/config?org=$o" '{"latency_ms":400}' >/dev/null
done
spool 100 200 >kill.jsonl
sf-create --tenants orgs <kill.jsonl >/dev/null 2>&1 &
pid=$!
sleep 0.6
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
for o in acme globex initech; do
	emu_admin POST "/__emu/config?org=$o" '{"latency_ms":0}' >/dev/null
done
expect_status 0 "the spool sent again after a kill -9" -- sf-create --tenants orgs <kill.jsonl
expect_eq "$(okeys acme)" "330 330 acme,acme2" "org acme: every booking of acme and acme2 exactly once"
expect_eq "$(okeys globex)" "166 166 globex" "org globex: every booking exactly once"
expect_eq "$(okeys initech)" "165 165 initech" "org initech: every booking exactly once"

t_done
