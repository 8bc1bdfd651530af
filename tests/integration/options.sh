#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# One meaning per short option across all programs: from each bin/*.c, the
# getopt_long short-option string and the long table give letter -> long name;
# a letter two programs give different long names fails here.  Each program's
# --help must list every short option it takes as "-x, --long", and no other.
. "$SFP_ROOT/tests/lib.sh"

declare -A owner meaning
for src in "$SFP_ROOT"/bin/*.c; do
	p=$(basename "$src" .c)
	shorts=$(grep -oE 'getopt_long\(argc, argv, "[^"]*"' "$src" | sed -E 's/.*"\+?([^"]*)"/\1/; s/://g')
	[ -n "$shorts" ] && t_ok "$p: short options found" || { t_fail "$p: no getopt_long string"; continue; }
	# { "name", has_arg, NULL, 'x' } entries, wherever they sit on a line.
	table=$(grep -oE "\{ \"[a-z][a-z0-9-]*\", [a-z_]+, NULL, '.' \}" "$src" |
		sed -E "s/\{ \"([^\"]*)\", [a-z_]+, NULL, '(.)' \}/\2 \1/")
	help=$("$p" --help)
	listed=$(printf '%s\n' "$help" | grep -E '^ +-' | grep -oE -- '-[a-zA-Z], --[a-z][a-z0-9-]*' | sed -E 's/^-(.), --/\1 /')
	for ((i = 0; i < ${#shorts}; i++)); do
		c=${shorts:i:1}
		long=$(printf '%s\n' "$table" | awk -v c="$c" '$1 == c { print $2; exit }')
		if [ -z "$long" ]; then t_fail "$p: -$c has no long name"; continue; fi
		if [ -n "${meaning[$c]:-}" ] && [ "${meaning[$c]}" != "$long" ]; then
			t_fail "-$c means --${meaning[$c]} in ${owner[$c]} but --$long in $p"
		else
			t_ok "$p: -$c is --$long"
			meaning[$c]=$long; owner[$c]=$p
		fi
		printf '%s\n' "$listed" | grep -qx "$c $long" && t_ok "$p --help lists -$c, --$long" ||
			t_fail "$p --help does not list -$c, --$long"
		grep -qE "^\.It Fl $c( |$)" "$SFP_ROOT/man/$p.1" && t_ok "$p.1 lists -$c" ||
			t_fail "man/$p.1 has no .It Fl $c"
	done
	# --help names no short option the program does not take.
	while read -r c long; do
		[ -z "$c" ] && continue
		case $shorts in *"$c"*) t_ok "$p --help: -$c is taken" ;; *) t_fail "$p --help lists -$c, which it does not take" ;; esac
	done <<<"$listed"
	# Every program is quiet on request and says its version.
	expect_status 0 "$p -q --version" -- "$p" -q --version
done
# The letters whose meaning changed in 0.2.0 now mean one thing each.
expect_eq "${meaning[t]}" "tenant" "-t is --tenant everywhere"
expect_eq "${meaning[d]}" "describe" "-d is --describe everywhere"
expect_eq "${meaning[m]}" "mapping" "-m is --mapping everywhere"
expect_eq "${meaning[H]}" "headers" "-H is --headers everywhere"
expect_eq "${meaning[q]}" "quiet" "-q is --quiet everywhere"
expect_status 2 "sf-freebusy -t is no longer --to" -- sf-freebusy -f 2026-12-01 -t 2026-12-02 005000000000001AAA
t_done
