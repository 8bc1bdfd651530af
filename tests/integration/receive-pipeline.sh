#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The service recipe against the emulator: hmac-receive verifies on arrival,
# sfpipe-follow delivers through examples/follow-deliver.sh.  A request
# delivered ten minutes after it arrived is still delivered (the cron recipe
# would call it stale); follow mode sends within its wait; a kill -9 of the
# follower, uncommitted results and a day's API limit lose and repeat nothing.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"

cp "$EX/keyring.json" keys.json && chmod 600 keys.json
sf-describe Lead Contact Event EventRelation Booking__c >describe.json || t_fail "sf-describe"
export SFPIPE_MAPPING="$EX/mapping.json" SFPIPE_DESCRIBE="$T/describe.json"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hmac-receive -k keys.json --spool spool --port "$PORT" --replay-store "$T/replay.sqlite" 2>receiver.err &
RPID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done

book() {   # book ID [TIMESTAMP]: the example booking under ID, signed and posted; prints the status
	jq -c --arg id "$1" '.id = $id | .invitee.last_name = "P\($id)"' "$EX/booking.json" | tr -d '\n' >"b.$1"
	hmac-sign -k keys.json -t acme -H ${2:+--timestamp "$2"} <"b.$1" >"h.$1"
	curl -s -o /dev/null -w '%{http_code}' -H @"h.$1" --data-binary @"b.$1" \
		"http://127.0.0.1:$PORT/hooks/acme"
}
leads() {   # leads PREFIX: how many bookings (Booking__c) carry a key starting with PREFIX
	# (the example mapping puts the tenant first, "acme:bk-1042"; its one
	# invitee is one Lead, found by email, whatever the number of bookings)
	emu_admin GET '/__emu/records?sobject=Booking__c' |
		jq --arg p "$1" '[.records[] | .fields.Booking_Key__c // "" |
			select(startswith($p) or (ltrimstr("acme:") | startswith($p)))] | length'
}
dups() {
	emu_admin GET '/__emu/records?sobject=Booking__c' |
		jq '[.records[].fields.Booking_Key__c] | group_by(.) | map(select(length > 1)) | length'
}

# --- verified on arrival, delivered ten minutes later -----------------------------
now=$(date +%s)
expect_eq "$(book bk-late $((now - 290)))" 200 "a request 290 s old (within 300 s) is accepted"
# What the cron recipe would do with it ten minutes on: verify it then, too late.
hmac-sign -k keys.json -t acme --timestamp $((now - 290)) --id late-env <b.bk-late >late.env
expect_status 1 "verified 10 min later (cron recipe) it is stale" -- \
	hmac-verify -k keys.json --replay-store "$T/cron.sqlite" --now $((now + 600)) <late.env
expect_match '"code":"stale"' "$(cat "$T/out")" "stale is the reason"
# The spool holds what was verified on arrival: the late run still delivers it.
expect_status 0 "sfpipe-follow --once delivers the spooled request" -- \
	sfpipe-follow --spool spool --results results.jsonl --once -- "$EX/follow-deliver.sh"
expect_eq "$(leads bk-late)" 1 "its booking exists in the org"
expect_match '"id":"bk-late","ok":true' "$(cat results.jsonl)" "its result line"
expect_eq "$(cat spool/follow.offset)" "$(stat -c %s spool/spool.jsonl) $(stat -c %s results.jsonl)" \
	"commit file: the spool read to its end, the results' size"
expect_eq "$(stat -c %a spool/follow.offset results.jsonl | tr '\n' ' ')" "600 600 " "owner-only files"

# --- follow mode: each booking in the org within the wait, not at the next minute ---
sfpipe-follow --spool spool --results results.jsonl -w 300 -- "$EX/follow-deliver.sh" 2>follow.err &
FPID=$!
t0=$(date +%s%N)
for i in 1 2 3 4 5; do book "bk-f$i" >/dev/null; done
for _ in $(seq 200); do [ "$(grep -c '"id":"bk-f' results.jsonl)" -ge 5 ] && break; sleep 0.05; done
t1=$(date +%s%N)
expect_eq "$(leads bk-f)" 5 "five bookings delivered while following"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 8000 ] && t_ok "delivered in $ms ms" || t_fail "five bookings took $ms ms (wanted < 8 s)"
kill -TERM "$FPID"; wait "$FPID"
expect_eq "$?" 0 "SIGTERM: the follower ends cleanly"

# --- kill -9 of the follower while a window is being sent ------------------------
cat >slow-deliver.sh <<EOF
#!/bin/sh
sleep 1
exec "$EX/follow-deliver.sh"
EOF
chmod +x slow-deliver.sh
sfpipe-follow --spool spool --results results.jsonl -w 100 -- ./slow-deliver.sh 2>>follow.err &
FPID=$!
for i in 1 2 3 4; do book "bk-k$i" >/dev/null; done
sleep 0.6
kill -9 "$FPID"; wait "$FPID" 2>/dev/null
sleep 2   # the orphaned window may still finish in the org: it is sent again below
expect_status 0 "a restart sends the uncommitted window again" -- \
	sfpipe-follow --spool spool --results results.jsonl --once -- "$EX/follow-deliver.sh"
expect_eq "$(leads bk-k)" 4 "every booking of the killed window is in the org"
expect_eq "$(dups)" 0 "and none twice (upserted by booking key)"
expect_eq "$(grep -c '"id":"bk-k' results.jsonl)" 4 "one result line each"

# --- results written but not committed are cut back and written once ---------------
book bk-u1 >/dev/null
printf '{"id":"bk-u1","ok":true,"uncommitted":1}\n' >>results.jsonl
expect_status 0 "run after a crash between results and commit" -- \
	sfpipe-follow --spool spool --results results.jsonl --once -- "$EX/follow-deliver.sh"
expect_no_match 'uncommitted' "$(cat results.jsonl)" "the uncommitted tail was cut"
expect_eq "$(grep -c '"id":"bk-u1"' results.jsonl)" 1 "bk-u1 reported once"
expect_eq "$(grep -c . results.jsonl)" "$(grep -c . spool/spool.jsonl)" "one result per spooled request"

# --- the daily limit: exit 4, the window is kept and sent when the limit resets -----
used=$(emu_admin GET /__emu/stats | jq .api_calls)
emu_admin POST /__emu/config "{\"daily_limit\": $used}" >/dev/null
book bk-d1 >/dev/null
sfpipe-follow --spool spool --results results.jsonl -w 50 -- "$EX/follow-deliver.sh" 2>limit.err &
FPID=$!
sleep 1.5
expect_eq "$(grep -c '"id":"bk-d1"' results.jsonl)" 0 "no result while the limit holds"
emu_admin POST /__emu/config '{"daily_limit": 1000000}' >/dev/null
for _ in $(seq 200); do grep -q '"id":"bk-d1"' results.jsonl && break; sleep 0.05; done
kill -TERM "$FPID"; wait "$FPID"
expect_match 'temporary failure; sent again' "$(cat limit.err)" "the follower says it will retry"
expect_eq "$(leads bk-d1)" 1 "delivered once the limit reset"
expect_eq "$(grep -c '"id":"bk-d1"' results.jsonl)" 1 "reported once"

# --- a broken delivery command stops the follower, the window kept -----------------
book bk-x1 >/dev/null
expect_status 3 "delivery exit 3 stops the follower with 3" -- \
	sfpipe-follow --spool spool --results results.jsonl --once -- sh -c 'cat >/dev/null; exit 3'
expect_match 'exited 3' "$(cat "$T/err")" "says the command's status"
expect_status 0 "the kept window goes with the next start" -- \
	sfpipe-follow --spool spool --results results.jsonl --once -- "$EX/follow-deliver.sh"
expect_eq "$(leads bk-x1)" 1 "delivered"

# --- tenants: the late request delivered to its tenant's org under its key prefix ----
# follow-deliver.sh's SFPIPE_TENANTS branch needs sf-map --tenants (branch
# h-tenant); until that is merged this section cannot run and says so.  The
# guard goes when it is merged.
if sf-map --help 2>&1 | grep -q -- --tenants; then
	mkdir -m 700 -p tenants/acme
	printf '{"orgId":"00DHs0000000007MAA","username":"integration@acme.example"}\n' >tenants/acme/tenant.json
	printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"integration@acme.example","jwtKeyFile":"%s","flow":"jwt"}\n' \
		"$SF_INSTANCE_URL" "$SF_LOGIN_URL" "$SF_CLIENT_ID" "$SF_JWT_KEY_FILE" >tenants/acme/org.json
	cp "$EX/tenants/acme/mapping.json" tenants/acme/
	chmod 600 tenants/acme/*.json
	sf-describe --tenants tenants Lead Event EventRelation Booking__c >/dev/null || t_fail "sf-describe --tenants"
	expect_eq "$(book bk-t1 $(($(date +%s) - 290)))" 200 "tenants: a request 290 s old accepted"
	expect_status 0 "tenants: delivered later through sf-map --tenants | sf-create --tenants" -- \
		env SFPIPE_TENANTS="$T/tenants" sfpipe-follow --spool spool --results results.jsonl --once -- "$EX/follow-deliver.sh"
	expect_eq "$(leads acme:bk-t1)" 1 "tenants: its booking carries acme's key prefix"
	expect_match '"tenant":"acme","id":"bk-t1","ok":true' "$(cat results.jsonl)" "tenants: result names the tenant"
else
	echo "receive-pipeline: tenants section not run: sf-map has no --tenants yet (branch h-tenant)" >&2
fi

kill "$RPID"; wait "$RPID"
t_done
