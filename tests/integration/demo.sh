#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# make demo's script, run as a newcomer would, twice in a row: it must end
# with exit 0 and show created records with Salesforce ids, the refusals named
# by booking with their reasons, and the API calls spent.  It prints exactly
# the commands it runs (they run again, as printed, in what DEMO_KEEP kept),
# keeps what it made only when asked, and colours a terminal unless NO_COLOR.
. "$SFP_ROOT/tests/lib.sh"
demo="$SFP_ROOT/examples/demo.sh"
# A temporary directory of its own, so other runs' demos do not count here.
export TMPDIR="$T/tmp" && mkdir -p "$TMPDIR"

check_story() {   # check_story RUN OUTPUT
	expect_match 'booking bk-1042  created: booking=a0B[A-Za-z0-9]{15} lead=00Q[A-Za-z0-9]{15}' "$2" "run $1 shows bk-1042's booking and Lead ids"
	expect_match 'bk-1042 skipped: version 2 is not newer than version 3 held by the org' "$2" \
		"run $1 shows the late, older message of bk-1042 skipped"
	expect_match 'ShowAs Free' "$2" "run $1 shows the cancelled booking's Event Free"
	expect_match '"busy":\[\]' "$2" "run $1 shows the host free again in sf-freebusy"
	expect_match 'Event +00U[A-Za-z0-9]{15}' "$2" "run $1 shows an Event from the org"
	expect_match 'booking bk-1043  bad-signature' "$2" "run $1 names the tampered booking"
	expect_match 'booking bk-1042  replayed' "$2" "run $1 names the replayed booking"
	expect_match 'booking bk-1045  FAILED' "$2" "run $1 names the booking that fails mapping"
	expect_match 'API calls spent \(as Salesforce counts them\): [0-9]+' "$2" "run $1 shows API calls spent"
}

# Run 1: on a terminal (script(1) gives it one): coloured, and nothing kept.
expect_status 0 "demo run 1 (a terminal) exits 0" -- script -qec "bash '$demo'" /dev/null
out=$(tr -d '\r' <"$T/out")
check_story 1 "$out"
expect_match $'\e\\[' "$out" "on a terminal the demo uses colour"
left=$(ls -d "$TMPDIR"/sfpipe-demo.* 2>/dev/null | wc -l)
expect_eq "$left" "0" "without DEMO_KEEP the demo leaves no work directory behind"

# Run 2: NO_COLOR on a terminal, DEMO_KEEP.
expect_status 0 "demo run 2 (NO_COLOR, DEMO_KEEP) exits 0" -- \
	script -qec "NO_COLOR=1 DEMO_KEEP='$T/keep' bash '$demo'" /dev/null
out=$(tr -d '\r' <"$T/out")
check_story 2 "$out"
expect_no_match $'\e' "$out" "NO_COLOR: no escape sequence at all"
expect_match "kept in $T/keep" "$out" "DEMO_KEEP: says where it kept everything"
for f in keys.json spool.jsonl verify.out describe.json results.jsonl rejects.jsonl; do
	[ -s "$T/keep/$f" ] && t_ok "DEMO_KEEP kept $f" || t_fail "DEMO_KEEP did not keep $f"
done
expect_status 2 "DEMO_KEEP naming a directory with files in it is refused" -- env DEMO_KEEP="$T/keep" bash "$demo"

# What it printed is what it ran: every program runs inside run(), which
# prints its text and then runs that text; and the printed commands run
# again in the kept directory give what the demo got.
expect_no_match '^[[:space:]]*(hmac-sign|hmac-verify|sf-describe|sf-map|sf-create)[[:space:]]' \
	"$(grep -v '^[[:space:]]*#' "$demo")" "no program runs in the demo without being printed"
mapfile -t cmds < <(printf '%s\n' "$out" | sed -n 's/^\$ //p')
expect_eq "${#cmds[@]}" "12" "the demo printed its twelve commands"
mkdir "$T/again" && cp "$T/keep"/{keys.json,bookings.jsonl,mapping.json,signed.jsonl,describe.json} "$T/again/"
for c in "${cmds[@]}"; do
	case $c in
	"{ sed"*|"sf-map --check"*)
		(cd "$T/again" && eval "$c") >"$T/again.out" 2>&1
		expect_eq "$?" "0" "printed command runs as printed: ${c:0:40}" ;;
	esac
done
expect_file_eq "$T/again/spool.jsonl" "$T/keep/spool.jsonl" "the printed attack command makes the demo's spool"
t_done
