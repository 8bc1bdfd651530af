#!/bin/sh
# SPDX-License-Identifier: ISC
# make lint: calls the house does not use (style.md), and mandoc -Tlint on
# every man page.  Exit 1 on any finding.
set -u
cd "$(dirname "$0")/.." || exit 1
rc=0
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|system|tmpnam)\s*\(' \
	lib/*.c bin/*.c 2>/dev/null | grep -v 'lint-ok')
if [ -n "$hits" ]; then echo "lint: banned calls:"; echo "$hits"; rc=1; fi
for m in man/*.1 man/*.7; do
	[ -f "$m" ] || continue
	out=$(mandoc -Tlint -W warning "$m" 2>&1)
	if [ -n "$out" ]; then echo "$out"; rc=1; fi
done
[ $rc = 0 ] && echo "lint: clean"
exit $rc
