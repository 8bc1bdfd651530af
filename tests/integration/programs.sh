#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# What every program owes its users, checked for each one: --help to stdout
# with exit 0, --version, an unknown flag is exit 2 with a one-line reason on
# stderr, a full disk on stdout is exit 6, a reader that has gone ends it
# quietly by SIGPIPE, -q, SFPIPE_LOG, and a man page that mandoc accepts.
. "$SFP_ROOT/tests/lib.sh"

for src in "$SFP_ROOT"/bin/*.c; do
	p=$(basename "$src" .c)
	expect_status 0 "$p --help exits 0" -- "$p" --help
	expect_match "^usage: $p" "$(cat "$T/out")" "$p --help prints usage on stdout"
	expect_eq "$(wc -c <"$T/err")" "0" "$p --help writes nothing on stderr"
	expect_match "exit status" "$(cat "$T/out")" "$p --help shows the exit table"
	expect_status 0 "$p --version exits 0" -- "$p" --version
	expect_match "^$p [0-9]+\.[0-9]+\.[0-9]+" "$(cat "$T/out")" "$p --version names itself"
	expect_status 2 "$p --no-such-flag exits 2" -- "$p" --no-such-flag
	expect_eq "$(wc -c <"$T/out")" "0" "$p usage error writes nothing on stdout"
	expect_match "^$p: " "$(head -n 1 "$T/err")" "$p usage error is prefixed with the program"
	"$p" --help >/dev/full 2>"$T/err"
	expect_eq "$?" "6" "$p --help > /dev/full exits 6"
	expect_match "$p: <stdout>: No space left on device" "$(cat "$T/err")" "$p says why the write failed"
	# A stdout pipe whose reader has gone: killed by SIGPIPE, not a word on stderr.
	got=$(python3 -c '
import os, subprocess, sys
r, w = os.pipe(); os.close(r)
p = subprocess.run([sys.argv[1], "--help"], stdout=w, stderr=subprocess.PIPE)
print(p.returncode, len(p.stderr))' "$p")
	expect_eq "$got" "-13 0" "$p --help into a closed pipe: ended by SIGPIPE, quietly"
	[ -f "$SFP_ROOT/man/$p.1" ] && t_ok "$p has a man page" || t_fail "$p has no man page man/$p.1"
	if [ -f "$SFP_ROOT/man/$p.1" ]; then
		out=$(mandoc -Tlint -W warning "$SFP_ROOT/man/$p.1" 2>&1)
		expect_eq "$out" "" "man/$p.1 passes mandoc -Tlint"
	fi
	grep -rqs -- "$p" "$SFP_ROOT/examples/" && t_ok "$p appears in examples/" || t_fail "$p appears in no example"
done

# A pipeline cut short, as `| head -n 1` does: status 141 as for coreutils,
# no "Broken pipe" on stderr.
ex="$SFP_ROOT/examples"
for i in $(seq 1 3000); do cat "$ex/bookings.jsonl"; done >"$T/many.jsonl"
sf-map -q --describe "$ex/describe.json" "$ex/mapping.json" <"$T/many.jsonl" 2>"$T/err" | head -n 1 >"$T/one"
expect_eq "${PIPESTATUS[0]}" "141" "sf-map | head -n 1: status 141 (SIGPIPE), as coreutils"
expect_eq "$(wc -l <"$T/one")" "1" "head got its line"
expect_no_match 'Broken pipe|<stdout>' "$(cat "$T/err")" "sf-map | head -n 1: no complaint about the pipe"

# -q: errors stay, notes go.
sf-map --describe "$ex/describe.json" "$ex/mapping.json" <"$ex/bookings.jsonl" >/dev/null 2>"$T/loud"
sf-map -q --describe "$ex/describe.json" "$ex/mapping.json" <"$ex/bookings.jsonl" >/dev/null 2>"$T/quiet"
expect_match '^sf-map: 1 of 4 bookings failed$' "$(cat "$T/loud")" "sf-map prints its summary"
expect_eq "$(cat "$T/quiet")" "$(grep -v 'bookings failed' "$T/loud")" "sf-map -q: the per-booking errors, no summary"
expect_match 'booking bk-1045' "$(cat "$T/quiet")" "sf-map -q still names the failed booking"

# SFPIPE_LOG: journald priorities (err 3, notice 5), RFC 3339 times, or refused.
SFPIPE_LOG=journal sf-map --describe "$ex/describe.json" "$ex/mapping.json" <"$ex/bookings.jsonl" >/dev/null 2>"$T/j"
expect_eq "$(cut -c1-3 "$T/j" | paste -sd ' ')" "<3> <5>" "SFPIPE_LOG=journal: error <3>, summary <5>"
expect_match '^<3>sf-map: booking bk-1045: ' "$(head -n 1 "$T/j")" "journal lines keep the message after the prefix"
SFPIPE_LOG=timestamps sf-map --describe "$ex/describe.json" "$ex/mapping.json" <"$ex/bookings.jsonl" >/dev/null 2>"$T/ts"
expect_eq "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z sf-map: ' "$T/ts")" "2" \
	"SFPIPE_LOG=timestamps: every line starts with an RFC 3339 UTC time"
# Under systemd (JOURNAL_STREAM naming stderr) the journal form is the default.
: >"$T/js"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/js") sf-map --describe "$ex/describe.json" "$ex/mapping.json" \
	<"$ex/bookings.jsonl" >/dev/null 2>>"$T/js"
expect_match '^<3>sf-map: ' "$(head -n 1 "$T/js")" "JOURNAL_STREAM on stderr: journal prefixes"
expect_status 6 "SFPIPE_LOG=bogus is refused" -- env SFPIPE_LOG=bogus sf-map --version
expect_match 'SFPIPE_LOG: want plain, timestamps or journal' "$(cat "$T/err")" "and says what it wants"
t_done
