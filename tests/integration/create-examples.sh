# SPDX-License-Identifier: ISC
# Runs examples/sf-create.sh (the EXAMPLES of sf-create(1)) against the emulator
# and checks the page lints clean.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
expect_status 0 "examples/sf-create.sh runs" -- sh "$SFP_ROOT/examples/sf-create.sh"
expect_eq "$(mandoc -Tlint -Wwarning "$SFP_ROOT/man/sf-create.1" 2>&1)" "" "sf-create(1) lints clean"
expect_status 6 "writing to /dev/full is exit 6" -- sh -c 'sf-create --dry-run <"$1" >/dev/full' _ "$SFP_ROOT/examples/plan.jsonl"
expect_status 2 "an unknown option is a usage error" -- sf-create --no-such-option
expect_status 2 "--jobs 0 is a usage error" -- sf-create --jobs 0
t_done
