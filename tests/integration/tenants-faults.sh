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

. "$SFP_ROOT/tests/integration/tenants-env.bash"
tenants_orgs acme globex initech
# One tenant per org: f1 in acme's, f2 in globex's (with f1's booking ids),
# f3 in initech's.
TENANTS="f1 f2 f3"
mkdir -p tenants
tenant f1 acme username jwt "$EX/tenants/globex/mapping.json"
tenant f2 globex user refresh "$EX/tenants/globex/mapping.json"
tenant f3 initech username jwt "$EX/tenants/globex/mapping.json"
printf '{}\n' >keys.json
for t in $TENANTS; do hmac-sign --keyring keys.json --tenant "$t" --new-key >/dev/null; done
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

faults='{"rules":[
 {"kind":"unavailable","rate":0.04,"seed":21,"path":"composite"},
 {"kind":"lock","rate":0.04,"seed":22,"path":"composite"},
 {"kind":"cut_before","rate":0.04,"seed":23,"path":"composite"},
 {"kind":"cut_after","rate":0.04,"seed":24,"path":"composite"},
 {"kind":"expired_session","rate":0.04,"seed":25,"path":"composite"}]}'
for org in acme globex initech; do emu_admin POST "/__emu/faults?org=$org" "$faults" >/dev/null; done
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
injected=0
for org in acme globex initech; do
	injected=$((injected + $(emu_admin GET "/__emu/stats?org=$org" | jq '[.faults_injected[]] | add // 0')))
	emu_admin DELETE "/__emu/faults?org=$org" >/dev/null
done
# Whatever the faults left for a person (rejects.jsonl) is replayed once more
# without faults, as an operator would after looking.
# The killed run's spool was read again by the next run: its own messages
# refused as replayed go to already-delivered.jsonl, never to a person.
expect_eq "$(jq -c 'select(.error.code == "replayed" or .error.code == "stale")' spool/rejects.jsonl 2>/dev/null | wc -l)" \
	"0" "the pipeline's own re-read messages are not left for a person"
if [ -s spool/rejects.jsonl ]; then
	jq -c 'select(.input.tenant != null) | .input' spool/rejects.jsonl >replay.jsonl
	[ -s replay.jsonl ] && sf-map --tenants tenants <replay.jsonl | sf-create --tenants tenants >/dev/null 2>&1
fi
if [ "$injected" -ge 3 ]; then t_ok "faults were injected ($injected)"; else
	t_fail "only $injected faults were injected"; fi
keys() { emu_admin GET "/__emu/records?sobject=Lead&org=$2" | jq -r --arg p "$1:" \
	'[.records[].fields | select((.Booking_Key__c // "") | startswith($p))] | "\(length) \(map(.Booking_Key__c) | unique | length) \(map(.Company) | unique | join(","))"'; }
set -- acme globex initech
for t in $TENANTS; do
	expect_eq "$(keys "$t" "$1")" "80 80 $t" "tenant $t: 80 bookings in its own org, each exactly once"
	shift
done
expect_eq "$(emu_admin GET '/__emu/records?sobject=Lead&org=acme' | jq '[.records[] | select(.fields.Booking_Key__c // "" | startswith("f2:"))] | length')" \
	"0" "none of f2's bookings in f1's org, though they share booking ids"
expect_eq "$(ls spool/work | wc -l)" "0" "nothing left in work/ once the runs completed"

t_done
