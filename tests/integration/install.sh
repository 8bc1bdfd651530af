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

# What the README's recipes use: the pipeline, the units, the cron line, the
# example settings, with the paths the directories given to make install say.
[ -x "$root/opt/sfp/lib/sfpipe/pipeline" ] && t_ok "pipeline installed" || t_fail "pipeline not installed"
[ -x "$root/opt/sfp/lib/sfpipe/provision-receive" ] && t_ok "provision-receive installed" || t_fail "provision-receive not installed"
expect_match 'exec /opt/sfp/lib/sfpipe/provision-receive ' \
	"$(cat "$root/opt/sfp/share/doc/sfpipe/examples/crontab")" "the cron line runs the installed receiver"
expect_eq "$(head -n 1 "$root/opt/sfp/lib/sfpipe/pipeline")" "#!/bin/bash" "installed pipeline runs bash directly"
for u in sfpipe.service sfpipe.timer sfpipe-describe.service sfpipe-describe.timer; do
	[ -f "$root/opt/sfp/lib/systemd/system/$u" ] && t_ok "$u installed" || t_fail "$u not installed"
done
expect_match '^ExecStart=/opt/sfp/lib/sfpipe/pipeline /opt/sfp/var/lib/sfpipe$' \
	"$(cat "$root/opt/sfp/lib/systemd/system/sfpipe.service")" "the service runs the installed pipeline"
expect_match '^EnvironmentFile=/opt/sfp/etc/sfpipe/env$' \
	"$(cat "$root/opt/sfp/lib/systemd/system/sfpipe.service")" "the service reads SYSCONFDIR/sfpipe/env"
expect_no_match '@[A-Z]+@' "$(cat "$root"/opt/sfp/lib/systemd/system/* "$root"/opt/sfp/etc/sfpipe/* \
	"$root/opt/sfp/share/doc/sfpipe/examples/crontab")" "no placeholder left in what was installed"
expect_match 'flock -n /opt/sfp/var/lib/sfpipe/run.lock .*exec /opt/sfp/lib/sfpipe/pipeline ' \
	"$(cat "$root/opt/sfp/share/doc/sfpipe/examples/crontab")" "the cron line runs the installed pipeline"
for f in env org.json mapping.json; do
	[ -f "$root/opt/sfp/etc/sfpipe/$f.example" ] && t_ok "$f.example installed" || t_fail "$f.example not installed"
done
[ ! -e "$root/opt/sfp/etc/sfpipe/env" ] && t_ok "no live settings installed" || t_fail "make install wrote etc/sfpipe/env"
# SYSCONFDIR given, and an edited example is never overwritten.
expect_status 0 "make install SYSCONFDIR" -- make -s -C "$SFP_ROOT" install DESTDIR="$T/root2" PREFIX=/usr SYSCONFDIR=/etc
expect_match '^EnvironmentFile=/etc/sfpipe/env$' "$(cat "$T/root2/usr/lib/systemd/system/sfpipe.service")" \
	"PREFIX=/usr: settings under /etc"
echo "# mine" >"$T/root2/etc/sfpipe/env.example"
expect_status 0 "make install again" -- make -s -C "$SFP_ROOT" install DESTDIR="$T/root2" PREFIX=/usr SYSCONFDIR=/etc
expect_eq "$(cat "$T/root2/etc/sfpipe/env.example")" "# mine" "an edited example is not overwritten"
expect_status 0 "make uninstall keeps an edited example" -- make -s -C "$SFP_ROOT" uninstall DESTDIR="$T/root2" PREFIX=/usr SYSCONFDIR=/etc
expect_eq "$(find "$T/root2" -type f)" "$T/root2/etc/sfpipe/env.example" "uninstall leaves only the edited example"

# The installed pipeline runs, and finds the installed programs on PATH.
mkdir -p "$T/p" && cp "$SFP_ROOT/examples/keyring.json" "$T/p/keys.json" && chmod 600 "$T/p/keys.json"
expect_status 0 "installed pipeline runs with nothing arrived" -- env -i PATH="$root/opt/sfp/bin:/usr/bin:/bin" \
	HOME="$T" SFPIPE_CACHE_DIR="$T/p/cache" SFPIPE_KEYRING="$T/p/keys.json" \
	SFPIPE_MAPPING="$SFP_ROOT/examples/mapping.json" SFPIPE_DESCRIBE="$SFP_ROOT/examples/describe.json" \
	"$root/opt/sfp/lib/sfpipe/pipeline" "$T/p/run"
[ -d "$T/p/run/results" ] && t_ok "installed pipeline made its directories" || t_fail "no results dir"
expect_status 0 "installed sfpipe-status reads the pipeline's directory" -- env -i PATH="$root/opt/sfp/bin:/usr/bin:/bin" \
	"$root/opt/sfp/bin/sfpipe-status" --json "$T/p/run"
expect_eq "$(jq -c '.tenants[] | [.pending, .needs_person]' "$T/out")" "[0,0]" "and finds nothing in an empty one"

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
