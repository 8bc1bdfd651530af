#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/run-cases compares exactly: a case without expected.stdout fails (it
# used to be run with its stdout unchecked), and an empty expected.stdout means
# the program must print nothing.
. "$SFP_ROOT/tests/lib.sh"
C=$T/cases
mk() { mkdir -p "$C/sf-map/$1"; printf '%s\n' "$2" >"$C/sf-map/$1/args"; echo "$3" >"$C/sf-map/$1/expected.status"; }

mk good --version 0
sf-map --version >"$C/sf-map/good/expected.stdout"
expect_status 0 "control: a case with its exact stdout passes" -- env -u SFP_TALLY sh "$SFP_ROOT/tests/run-cases" "$C"

mk no-stdout --version 0
expect_status 1 "a case without expected.stdout fails" -- env -u SFP_TALLY sh "$SFP_ROOT/tests/run-cases" "$C"
expect_match 'sf-map/no-stdout: no expected.stdout' "$(cat "$T/err")" "and says what is missing"
rm -r "$C/sf-map/no-stdout"

mk prints --version 0
: >"$C/sf-map/prints/expected.stdout"
expect_status 1 "an empty expected.stdout fails a program that prints" -- env -u SFP_TALLY sh "$SFP_ROOT/tests/run-cases" "$C"
expect_match 'sf-map/prints: stdout differs' "$(cat "$T/err")" "as a stdout difference"
rm -r "$C/sf-map/prints"

mkdir -p "$C/sf-map/half"
expect_status 1 "a folder with no expected files is a failure, not skipped" -- env -u SFP_TALLY sh "$SFP_ROOT/tests/run-cases" "$C"
t_done
