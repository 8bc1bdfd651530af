#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# examples/pipeline.sh in tenants mode (SFPIPE_TENANTS) under 20 % injected
# faults and a kill -9 in the middle of a run: every tenant's bookings exist
# exactly once, each under its own tenant's keys, after the cron retries.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
EX="$SFP_ROOT/examples"
umask 077

ident=$(json_get "$(emu_admin POST /__emu/token '{}')" .id)
ORG=$(basename "$(dirname "$ident")")
org_json="{\"loginUrl\":\"$SF_LOGIN_URL\",\"clientId\":\"$SF_CLIENT_ID\",\"jwtKeyFile\":\"$SF_JWT_KEY_FILE\"}"
TENANTS="f1 f2 f3"
printf '{}\n' >keys.json
for t in $TENANTS; do
	mkdir -p "tenants/$t"
	printf '{"orgId":"%s","username":"integration@acme.example"}\n' "$ORG" >"tenants/$t/tenant.json"
	printf '%s\n' "$org_json" >"tenants/$t/org.json"
	cp "$EX/tenants/globex/mapping.json" "tenants/$t/mapping.json"
	hmac-sign --keyring keys.json --tenant "$t" --new-key >/dev/null
done
unset SF_INSTANCE_URL SF_USERNAME SF_JWT_KEY_FILE SF_REFRESH_TOKEN_FILE SF_CLIENT_SECRET_FILE SF_CLIENT_ID
expect_status 0 "every tenant's catalog" -- sf-describe --tenants tenants

# 3 x 80 bookings arriving over 16 minutes, interleaved; f2 reuses f1's ids.
for t in $TENANTS; do
	p="bk-"; [ "$t" = f3 ] && p="bk-f3-"
	jq -c --arg p "$p" --arg t "$t" 'range(1; 81) as $i | .id = "\($p)\($i)" | .invitee.company = $t' \
		"$EX/booking.json" | hmac-sign --keyring keys.json --tenant "$t" --lines >"signed.$t"
done
paste -d '\n' signed.f1 signed.f2 signed.f3 >all.jsonl
split -l 15 -d -a 2 all.jsonl minute.
export SFPIPE_KEYRING="$T/keys.json" SFPIPE_TENANTS="$T/tenants"
mkdir -p spool

emu_admin POST /__emu/faults '{"rules":[
 {"kind":"unavailable","rate":0.04,"seed":21,"path":"composite"},
 {"kind":"lock","rate":0.04,"seed":22,"path":"composite"},
 {"kind":"cut_before","rate":0.04,"seed":23,"path":"composite"},
 {"kind":"cut_after","rate":0.04,"seed":24,"path":"composite"},
 {"kind":"expired_session","rate":0.04,"seed":25,"path":"composite"}]}' >/dev/null
n=0
for m in minute.*; do
	n=$((n + 1))
	cat "$m" >>spool/incoming.jsonl
	if [ $n -eq 5 ]; then
		# This run is killed (-9, the whole process group) part way through.
		setsid "$EX/pipeline.sh" spool >/dev/null 2>>runs.err &
		pid=$!
		sleep 0.3
		kill -9 -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	else
		"$EX/pipeline.sh" spool >/dev/null 2>>runs.err
	fi
done
runs=0
while [ $runs -lt 10 ]; do
	runs=$((runs + 1))
	"$EX/pipeline.sh" spool >/dev/null 2>>runs.err && [ ! -s spool/rejects.retry.jsonl ] && break
done
injected=$(emu_admin GET /__emu/stats | jq '[.faults_injected[]] | add // 0')
emu_admin DELETE /__emu/faults >/dev/null
# Whatever the faults left for a person (rejects.jsonl) is replayed once more
# without faults, as an operator would after looking.
if [ -s spool/rejects.jsonl ]; then
	jq -c 'select(.input.tenant != null and .error.code != "replayed") | .input' spool/rejects.jsonl >replay.jsonl
	[ -s replay.jsonl ] && sf-map --tenants tenants <replay.jsonl | sf-create --tenants tenants >/dev/null 2>&1
fi
if [ "$injected" -ge 3 ]; then t_ok "faults were injected ($injected)"; else
	t_fail "only $injected faults were injected"; fi
keys() { emu_admin GET '/__emu/records?sobject=Lead' | jq -r --arg p "$1:" \
	'[.records[].fields | select((.Booking_Key__c // "") | startswith($p))] | "\(length) \(map(.Booking_Key__c) | unique | length) \(map(.Company) | unique | join(","))"'; }
for t in $TENANTS; do
	expect_eq "$(keys "$t")" "80 80 $t" "tenant $t: 80 bookings, each exactly once, all its own"
done
expect_eq "$(ls spool/work | wc -l)" "0" "nothing left in work/ once the runs completed"

t_done
