#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of sf-create(1), run from the repository root against the org
# the environment names (make check runs this through
# tests/integration/create-examples.sh with the emulator's settings, so the
# manual cannot rot).  examples/plan.jsonl holds two plans: bk-1042 (a Lead and
# its Event) succeeds, bk-1043 lacks the Lead's Company and fails.
set -u
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/sf-create-example.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT

# See the exact requests without sending anything (no credentials needed).
sf-create --dry-run < examples/plan.jsonl > "$out/requests.jsonl" || exit 1

# Send the plans; failures are also collected for replay.  Exit 1: one failed.
sf-create --rejects "$out/rejects.jsonl" < examples/plan.jsonl > "$out/results.jsonl"
[ $? -eq 1 ] || exit 1
grep -q '"id":"bk-1042","ok":true' "$out/results.jsonl" || exit 1
grep -q '"code":"REQUIRED_FIELD_MISSING"' "$out/results.jsonl" || exit 1

# Send the rejects again: unsent plans would go out; bk-1043 needs a person,
# so it is reported again, untouched (exit 1), and nothing is spent on it.
sf-create --max-api-usage 90 < "$out/rejects.jsonl" > "$out/again.jsonl"
[ $? -eq 1 ] || exit 1
grep -q '"id":"bk-1043","ok":false' "$out/again.jsonl" || exit 1

# Fix it (here: the missing Company added) and send its input.
jq -c 'select(.input.records) | .input' "$out/rejects.jsonl" |
    sed 's/"LastName":"Okafor"/"LastName":"Okafor","Company":"Globex"/' |
    sf-create --max-api-usage 90 > "$out/replayed.jsonl" || exit 1
grep -q '"id":"bk-1043","ok":true' "$out/replayed.jsonl" || exit 1

# The operator form: one Lead, values coerced by the org's describe.
sf-create --upsert Booking_Key__c=op-7 Lead LastName=Lee Company=Acme \
    Email=ann@acme.example IsUnreadByOwner=true > "$out/one.jsonl" || exit 1
grep -q '"ok":true' "$out/one.jsonl" || exit 1
echo "sf-create examples: ok"
