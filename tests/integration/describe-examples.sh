#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# examples/sf-describe.sh holds every command of sf-describe(1)'s EXAMPLES,
# word for word, and runs against the emulator with the results the page promises.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"

awk '/^\.Sh EXAMPLES/{on=1; next} /^\.Sh/{on=0} on && /^\.Bd/{b=1; next}
	on && /^\.Ed/{b=0; print "--"; next} on && b' "$SFP_ROOT/man/sf-describe.1" |
	sed 's/\\e/\\/g' >"$T/blocks"
n=0
while IFS= read -r line; do
	[ "$line" = "--" ] && { n=$((n + 1)); continue; }
	grep -qxF -- "$line" "$SFP_ROOT/examples/sf-describe.sh" ||
		t_fail "man page line not in the example: $line"
done <"$T/blocks"
expect_eq "$n" 4 "four example blocks in the man page"

mkdir -p "$T/run"
cd "$T/run" || exit 1
expect_status 0 "examples/sf-describe.sh runs" -- sh "$SFP_ROOT/examples/sf-describe.sh"
expect_match '"name":"Lead"' "$(cat "$T/out")" "the createable list names Lead"
expect_no_match '"name":"User"' "$(cat "$T/out")" "and not User"
expect_eq "$(jq -r .name describe.json | tr '\n' ' ')" "Lead Event EventRelation " \
	"describe.json: one catalog line per sObject"
expect_match 'EventRelation: from the cache.*offline' "$(cat "$T/err")" "the offline run says so"
expect_eq "$(jq -r '[.records[].sobject] | join(",")' mapping.json)" "Lead,Event" "mapping.json covers both"
expect_eq "$(mandoc -Tlint -Wwarning "$SFP_ROOT/man/sf-describe.1" 2>&1)" "" "sf-describe(1) lints clean"
t_done
