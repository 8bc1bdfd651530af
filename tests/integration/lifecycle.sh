# SPDX-License-Identifier: ISC
# A booking's whole life, randomised (seeded; the seed is printed): each booking
# booked, then rescheduled, re-attended, cancelled, its messages delivered twice
# and out of order over several runs; the org must end as the newest version of
# each booking says (every record, every invitee, nothing deleted that should
# stay, nothing left that should go, no duplicates), checked by lifecycle.py
# against its model.
#
# 1. Always: lifecycle.py's hand-written reference client (queries, then sObject
#    Collections of 200) meets the model, and the check sees each way an org can
#    miss it (sabotage).  This keeps the model and the emulator honest.
# 2. When the lifecycle mapping exists (or SFP_LIFECYCLE=1): the real programs,
#    sf-map with that mapping and sf-create, with 20 % injected faults and a
#    kill -9 of sf-create in the middle of a run followed by a rerun, then the
#    failed messages redelivered as a booking portal redelivers them; the org
#    must match the model.
#
# LIFECYCLE_COUNT bookings (default 100; the soak is 1,000, see
# tests/bench/lifecycle/README.md), LIFECYCLE_SEED, LIFECYCLE_RUNS (default 3),
# LIFECYCLE_MAPPING (default tests/integration/lifecycle/mapping.json).
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1

L="$SFP_ROOT/tests/integration/lifecycle.py"
N=${LIFECYCLE_COUNT:-100}
SEED=${LIFECYCLE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RUNS=${LIFECYCLE_RUNS:-3}
MAPPING=${LIFECYCLE_MAPPING:-$SFP_ROOT/tests/integration/lifecycle/mapping.json}
echo "lifecycle: seed $SEED, $N bookings, $RUNS runs (LIFECYCLE_SEED=$SEED to repeat)"

# fresh DIR: generate, seed the people already in the CRM
start() {
	emu_admin POST /__emu/reset >/dev/null
	rm -rf "$1"
	expect_status 0 "generate $N bookings (seed $SEED)" -- \
		python3 "$L" gen --seed "$SEED" --count "$N" --runs "$RUNS" "$1"
	expect_status 0 "seed the people already in the CRM" -- python3 "$L" seed "$1"
}

# 1. The reference client meets the model; the check misses nothing.
start ref
expect_status 0 "the reference client applies every run" -- python3 "$L" reference ref
expect_match '"api_calls": [0-9]+' "$(cat "$T/out")" "the reference client reports its API calls"
expect_status 0 "the org matches the model after the reference client" -- python3 "$L" check ref
expect_status 0 "the check sees every sabotage of a matching org" -- python3 "$L" sabotage ref

# 2. The real programs under faults and a kill -9: whenever the lifecycle
# mapping is there (SFP_LIFECYCLE=0 skips it, =1 requires it).
if [ "${SFP_LIFECYCLE:-}" = 0 ] || { [ "${SFP_LIFECYCLE:-}" != 1 ] && [ ! -f "$MAPPING" ]; }; then
	echo "lifecycle: no lifecycle mapping: the sfpipe pipeline part skipped"
	t_done
	exit
fi
if [ ! -f "$MAPPING" ]; then
	t_fail "no lifecycle mapping at $MAPPING"
	t_done
	exit
fi
start real
expect_status 0 "sf-describe of the objects a booking's life touches" -- \
	sf-describe Lead Contact Account Event EventRelation Booking__c
cp "$T/out" describe.json
expect_status 0 "sf-map --check accepts the lifecycle mapping" -- \
	sf-map --check --describe describe.json "$MAPPING"

# one delivery: sf-map, then sf-create; every result kept
deliver() {   # deliver NAME < messages
	sf-map --mapping "$MAPPING" --describe describe.json >"plans-$1.jsonl" 2>>map.err
	sf-create --jobs 4 --rejects rejects.jsonl <"plans-$1.jsonl" >>results.jsonl 2>>create.err
}

# 20 % at random over the run's requests, and at least one for sure: with a
# hundred bookings a run makes only a few dozen requests, and a seed whose
# draws all miss would test nothing (the first graph request meets a lock).
emu_admin POST /__emu/faults "{\"rules\":[
 {\"kind\":\"unavailable\",\"rate\":0.04,\"seed\":$((SEED + 1)),\"path\":\"^/services/data/\"},
 {\"kind\":\"lock\",\"rate\":0.04,\"seed\":$((SEED + 2)),\"path\":\"^/services/data/\"},
 {\"kind\":\"cut_before\",\"rate\":0.04,\"seed\":$((SEED + 3)),\"path\":\"^/services/data/\"},
 {\"kind\":\"cut_after\",\"rate\":0.04,\"seed\":$((SEED + 4)),\"path\":\"^/services/data/\"},
 {\"kind\":\"expired_session\",\"rate\":0.04,\"seed\":$((SEED + 5)),\"path\":\"^/services/data/\"},
 {\"kind\":\"lock\",\"count\":1,\"path\":\"/composite/graph\"}]}" >/dev/null
r=1
while [ "$r" -le "$RUNS" ]; do
	if [ "$r" = 2 ]; then
		# kill -9 sf-create while its first graph request is in flight (each
		# request now takes a second to answer), then deliver the run again
		sf-map --mapping "$MAPPING" --describe describe.json <real/run-2.jsonl >plans-2.jsonl 2>>map.err
		emu_admin POST /__emu/config '{"latency_ms":1000}' >/dev/null
		sf-create --jobs 2 <plans-2.jsonl >killed.jsonl 2>>create.err &
		pid=$!
		sleep 0.6
		if kill -9 "$pid" 2>/dev/null; then t_ok "sf-create killed mid-run"; else
			t_fail "sf-create ended before it could be killed"; fi
		wait "$pid" 2>/dev/null
		emu_admin POST /__emu/config '{"latency_ms":0}' >/dev/null
	fi
	deliver "$r" <"real/run-$r.jsonl"
	r=$((r + 1))
done
injected=$(emu_admin GET /__emu/stats | jq '[.faults_injected[]] | add // 0')
emu_admin DELETE /__emu/faults >/dev/null
if [ "$injected" -ge 1 ]; then t_ok "faults were injected ($injected)"; else
	t_fail "only $injected faults were injected"; fi
# the portal redelivers every message whose booking did not succeed
jq -r 'select(.ok == false) | .id' results.jsonl | sort -u >failed-ids
cat real/run-*.jsonl | jq -c --rawfile ids failed-ids \
	'select(.id as $i | ($ids | split("\n") | index($i)))' >redeliver.jsonl
echo "lifecycle: $(wc -l <failed-ids) bookings failed under faults; their messages redelivered"
deliver final <redeliver.jsonl
expect_status 0 "the org matches the model after the pipeline" -- python3 "$L" check real
[ "$T_FAIL" -eq 0 ] || { head -c 2000 "$T/err"; echo; } >&2
t_done
