#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# What every program owes its users, checked for each one: --help to stdout
# with exit 0, --version, an unknown flag is exit 2 with a one-line reason on
# stderr, a full disk on stdout is exit 6, and a man page that mandoc accepts.
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
	[ -f "$SFP_ROOT/man/$p.1" ] && t_ok "$p has a man page" || t_fail "$p has no man page man/$p.1"
	if [ -f "$SFP_ROOT/man/$p.1" ]; then
		out=$(mandoc -Tlint -W warning "$SFP_ROOT/man/$p.1" 2>&1)
		expect_eq "$out" "" "man/$p.1 passes mandoc -Tlint"
	fi
	grep -rqs -- "$p" "$SFP_ROOT/examples/" && t_ok "$p appears in examples/" || t_fail "$p appears in no example"
done
t_done
