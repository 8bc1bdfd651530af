#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# make demo's script, run as a newcomer would, twice in a row: it must end
# with exit 0 and show created records with Salesforce ids, the refusals with
# their reasons, and the API calls spent.
. "$SFP_ROOT/tests/lib.sh"

for run in 1 2; do
	expect_status 0 "demo run $run exits 0" -- bash "$SFP_ROOT/examples/demo.sh"
	out=$(cat "$T/out")
	expect_match 'bk-1042  created: lead=00Q[A-Za-z0-9]{15}' "$out" "run $run shows bk-1042's Lead id"
	expect_match 'Event +00U[A-Za-z0-9]{15}' "$out" "run $run shows an Event from the org"
	expect_match 'bad-signature' "$out" "run $run shows the tampered request refused"
	expect_match 'replayed' "$out" "run $run shows the replayed request refused"
	expect_match 'bk-1045  FAILED' "$out" "run $run shows the booking that fails mapping"
	expect_match 'API calls spent \(as Salesforce counts them\): [0-9]+' "$out" "run $run shows API calls spent"
done
left=$(ls -d "${TMPDIR:-/tmp}"/sfpipe-demo.* 2>/dev/null | wc -l)
expect_eq "$left" "0" "the demo leaves no work directory behind"
t_done
