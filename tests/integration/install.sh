#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# make install into a temporary DESTDIR: programs, man pages and completion
# land where PREFIX says, and an installed program runs.
. "$SFP_ROOT/tests/lib.sh"

root="$T/root"
expect_status 0 "make install DESTDIR PREFIX" -- make -s -C "$SFP_ROOT" install DESTDIR="$root" PREFIX=/opt/sfp
for src in "$SFP_ROOT"/bin/*.c; do
	p=$(basename "$src" .c)
	[ -x "$root/opt/sfp/bin/$p" ] && t_ok "$p installed" || t_fail "$p not installed under bin"
	[ -f "$root/opt/sfp/share/man/man1/$p.1" ] && t_ok "$p.1 installed" || t_fail "$p.1 not installed"
	[ -f "$root/opt/sfp/share/bash-completion/completions/$p" ] && t_ok "$p completion installed" ||
		t_fail "$p completion not installed"
done
[ -f "$root/opt/sfp/share/man/man7/sfpipe.7" ] && t_ok "sfpipe.7 installed" || t_fail "sfpipe.7 not installed"

# An installed program runs from its new place, with nothing from the tree.
expect_status 0 "installed hmac-sign --version runs" -- env -i PATH=/usr/bin:/bin "$root/opt/sfp/bin/hmac-sign" --version
expect_match '^hmac-sign [0-9]' "$(cat "$T/out")" "installed program names its version"

# The completion offers the options a program's --help lists.
out=$(PATH="$root/opt/sfp/bin:$PATH" bash -c '
	. "'"$root"'/opt/sfp/share/bash-completion/completions/sf-map"
	COMP_WORDS=(sf-map --chec); COMP_CWORD=1; _sfpipe; printf "%s\n" "${COMPREPLY[@]}"')
expect_eq "$out" "--check" "completion completes sf-map --chec to --check"

# sObject names come from the describe cache that sf-describe leaves.
sf-describe Lead Event >/dev/null 2>&1
out=$(PATH="$root/opt/sfp/bin:$PATH" bash -c '
	. "'"$root"'/opt/sfp/share/bash-completion/completions/sf-describe"
	COMP_WORDS=(sf-describe Le); COMP_CWORD=1; _sfpipe; printf "%s\n" "${COMPREPLY[@]}"')
expect_eq "$out" "Lead" "completion offers sObject names from the describe cache"

expect_status 0 "make uninstall" -- make -s -C "$SFP_ROOT" uninstall DESTDIR="$root" PREFIX=/opt/sfp
left=$(find "$root" -type f | wc -l)
expect_eq "$left" "0" "uninstall removes every installed file"
t_done
