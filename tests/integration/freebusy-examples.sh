#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# examples/sf-freebusy.sh holds every command of sf-freebusy(1)'s EXAMPLES,
# word for word, and runs against the emulator with the answers the page
# promises.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
ANN=005Hs0000000003IAA

# Every literal block of the EXAMPLES section, with mdoc's \e undone, is in the script.
awk '/^\.Sh EXAMPLES/{on=1; next} /^\.Sh/{on=0} on && /^\.Bd/{b=1; next}
	on && /^\.Ed/{b=0; print "--"; next} on && b' "$SFP_ROOT/man/sf-freebusy.1" |
	sed 's/\\e/\\/g' >"$T/blocks"
n=0
while IFS= read -r line; do
	[ "$line" = "--" ] && { n=$((n + 1)); continue; }
	grep -qxF -- "$line" "$SFP_ROOT/examples/sf-freebusy.sh" ||
		t_fail "man page line not in the example: $line"
done <"$T/blocks"
expect_eq "$n" 3 "three example blocks in the man page"

emu_admin POST /__emu/records "{\"sobject\":\"Event\",\"fields\":{\"OwnerId\":\"$ANN\",\"Subject\":\"Board\",\"StartDateTime\":\"2026-12-01T08:00:00Z\",\"EndDateTime\":\"2026-12-01T09:00:00Z\"}}" >/dev/null
emu_admin POST /__emu/records "{\"sobject\":\"Event\",\"fields\":{\"OwnerId\":\"$ANN\",\"Subject\":\"Offsite\",\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-12-03\"}}" >/dev/null

expect_status 0 "examples/sf-freebusy.sh runs" -- sh "$SFP_ROOT/examples/sf-freebusy.sh"
expect_eq "$(wc -l <"$T/out")" 4 "four lines: two hosts, one with slots, one from stdin"
expect_eq "$(sed -n 1p "$T/out")" \
	'{"user":"005Hs0000000003IAA","busy":[{"start":"2026-12-01T08:00:00Z","end":"2026-12-01T09:00:00Z"},{"start":"2026-12-03T00:00:00Z","end":"2026-12-04T00:00:00Z"}]}' \
	"the first example's busy line"
slots=$(sed -n 3p "$T/out")
# 1 Dec 09:00-10:00 Oslo is busy; 3 Dec is all-day in Oslo; 4 days x 16 slots - 2 - 16.
expect_eq "$(printf '%s' "$slots" | jq '.free|length')" 46 "free slots around the meeting and the all-day event"
expect_eq "$(printf '%s' "$slots" | jq -r '.free[0].start')" 2026-12-01T09:00:00Z "first slot after the 09:00 Oslo meeting"
expect_eq "$(printf '%s' "$slots" | jq '[.free[]|select(.start>="2026-12-02T23:00:00Z" and .start<"2026-12-03T23:00:00Z")]|length')" 0 "no slot on the all-day day"
expect_eq "$(sed -n 4p "$T/out" | jq -c '[.id,.user]')" '["bk-1042","005Hs0000000003IAA"]' "the tagged line"
expect_no_match 'Board|Offsite' "$(cat "$T/out" "$T/err")" "no subject printed"
t_done
