#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The Debian package, as an operator meets it, on this (CI) machine, as root:
# build it with dpkg-buildpackage from the working tree, lintian (no error, no
# warning), install an older build, upgrade to this one, smoke-run the
# installed programs, purge.  Not part of `make check` (it installs system
# packages and a system user); .ci/run calls it.  Also checks that VERSION and
# debian/changelog agree and that `make dist` builds from its own tarball.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export SFP_ROOT="$ROOT"
T=$(mktemp -d "${TMPDIR:-/tmp}/sfpipe-package.XXXXXX")
export T T_NAME=package
. "$ROOT/tests/lib.sh"
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then t_fail "needs root (it installs the package)"; t_done; exit 1; fi
if dpkg-query -W -f '${Status}' sfpipe 2>/dev/null | grep -q 'installed'; then
	t_fail "sfpipe is installed on this machine already; not touching it"; t_done; exit 1
fi
had_user=0; getent passwd sfpipe >/dev/null && had_user=1
had_state=0; [ -e /var/lib/sfpipe ] && had_state=1
cleanup() {
	dpkg --purge sfpipe >/dev/null 2>&1
	rm -f /etc/sfpipe/env; rmdir /etc/sfpipe 2>/dev/null
	[ $had_state = 1 ] || rm -rf /var/lib/sfpipe
	[ $had_user = 1 ] || { deluser --quiet --system sfpipe >/dev/null 2>&1; delgroup --quiet --system sfpipe >/dev/null 2>&1; }
	rm -rf "$T"
}
trap cleanup EXIT

version=$(cat "$ROOT/VERSION")
expect_eq "$(cd "$ROOT" && dpkg-parsechangelog -S Version)" "$version" \
	"debian/changelog's newest entry is the version in VERSION"

# The tracked files of the working tree (edits included), as a source tree.
src() {
	mkdir -p "$1"
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$1" 2>/dev/null)
}
src "$T/new/sfpipe-$version"
# The older build: the same sources, one version earlier.
old="$version~ci1"
src "$T/old/sfpipe-$old"
echo "$old" >"$T/old/sfpipe-$old/VERSION"
sed -i "1s/($version)/($old)/" "$T/old/sfpipe-$old/debian/changelog"

# The source package, before anything is built in the tree.
expect_status 0 "dpkg-source -b" -- sh -c "cd '$T/new' && dpkg-source -b sfpipe-$version"
for b in old new; do
	d=$(echo "$T/$b"/sfpipe-*)
	expect_status 0 "dpkg-buildpackage -us -uc -b ($b)" -- \
		sh -c "cd '$d' && dpkg-buildpackage -us -uc -b"
done
newdeb=$(echo "$T"/new/sfpipe_*.deb); olddeb=$(echo "$T"/old/sfpipe_*.deb)
if [ ! -f "$newdeb" ] || [ ! -f "$olddeb" ]; then t_fail "no package built"; t_done; exit 1; fi

# lintian: no error and no warning, on the binary package and on the source.
lint=$(lintian --fail-on none "$newdeb" "$T"/new/sfpipe_*.dsc 2>&1 | grep -v 'running with root privileges')
expect_no_match '^[EW]: ' "$lint" "lintian: no error or warning"

# Install the older build: the user, the directories, the units.
expect_status 0 "install the older build" -- dpkg -i "$olddeb"
expect_match "^sf-map $old\$" "$(sf-map --version)" "the older build is installed"
expect_match '^sfpipe:' "$(getent passwd sfpipe)" "the system user sfpipe exists"
expect_eq "$(stat -c '%U %a' /var/lib/sfpipe)" "sfpipe 700" "/var/lib/sfpipe belongs to sfpipe, 0700"
expect_eq "$(stat -c '%U %G %a' /var/log/sfpipe)" "sfpipe adm 2750" "/var/log/sfpipe: sfpipe, group adm"
for u in sfpipe.service sfpipe.timer sfpipe-describe.service sfpipe-describe.timer; do
	[ -f "/lib/systemd/system/$u" ] && t_ok "$u installed" || t_fail "$u not installed"
done
if command -v systemd-analyze >/dev/null; then
	expect_status 0 "systemd-analyze verify the units" -- \
		systemd-analyze verify /lib/systemd/system/sfpipe.timer /lib/systemd/system/sfpipe-describe.timer
fi
grep -qx /etc/sfpipe/env.example /var/lib/dpkg/info/sfpipe.conffiles &&
	t_ok "the example settings are conffiles" || t_fail "/etc/sfpipe/env.example is not a conffile"
# The operator's settings and state survive an upgrade.
echo 'SFPIPE_LOG=plain' >/etc/sfpipe/env
echo '{"kept":1}' >/var/lib/sfpipe/rejects.jsonl

expect_status 0 "upgrade to this build" -- dpkg -i "$newdeb"
expect_match "^sf-map $version( \\(git [0-9a-f]+\\))?\$" "$(sf-map --version)" "this build is installed"
expect_eq "$(cat /etc/sfpipe/env)" "SFPIPE_LOG=plain" "the operator's settings survive the upgrade"
expect_eq "$(cat /var/lib/sfpipe/rejects.jsonl)" '{"kept":1}' "the state survives the upgrade"

# Smoke run of the installed programs, as the sfpipe user, from a directory it owns.
for p in sf-describe sf-map sf-create hmac-sign hmac-verify sf-freebusy hmac-receive sfpipe-follow sfpipe-status; do
	expect_status 0 "installed $p --version" -- "/usr/bin/$p" --version
	expect_status 0 "installed $p --help" -- "/usr/bin/$p" --help
	[ -f "/usr/share/man/man1/$p.1.gz" ] && t_ok "$p.1 installed" || t_fail "$p.1: no page"
done
ex=/usr/share/doc/sfpipe/examples
as_sfpipe() { runuser -u sfpipe -- env HOME=/var/lib/sfpipe SFPIPE_CACHE_DIR=/var/lib/sfpipe/smoke "$@"; }
install -d -o sfpipe -g sfpipe -m 700 /var/lib/sfpipe/smoke
install -o sfpipe -g sfpipe -m 600 "$ex/keyring.json" /var/lib/sfpipe/smoke/keys.json
expect_status 0 "hmac-sign | hmac-verify round trip (installed)" -- as_sfpipe sh -c \
	"hmac-sign --keyring /var/lib/sfpipe/smoke/keys.json --tenant acme --lines < $ex/bookings.jsonl |
	 hmac-verify --keyring /var/lib/sfpipe/smoke/keys.json"
expect_eq "$(jq -c . "$T/out")" "$(jq -c . "$ex/bookings.jsonl")" "the round trip gives back the bookings"
# The examples hold one booking the mapping refuses (exit 1), on purpose.
expect_status 1 "sf-map on the example (installed)" -- as_sfpipe sh -c \
	"sf-map --describe $ex/describe.json $ex/mapping.json < $ex/bookings.jsonl"
expect_eq "$(jq -r 'select(.records) | .id' "$T/out" | paste -sd ' ')" "bk-1042 bk-1043 bk-1044" "sf-map plans the good example bookings"
expect_status 0 "the installed pipeline script runs (nothing arrived)" -- as_sfpipe env \
	SFPIPE_KEYRING=/var/lib/sfpipe/smoke/keys.json SFPIPE_MAPPING="$ex/mapping.json" \
	SFPIPE_DESCRIBE="$ex/describe.json" /usr/lib/sfpipe/pipeline /var/lib/sfpipe/smoke/run
expect_status 0 "the installed sfpipe-status reads the run's directory" -- as_sfpipe sfpipe-status --json /var/lib/sfpipe/smoke/run
expect_eq "$(jq -c '.tenants[] | [.pending, .needs_person, .last_run]' "$T/out")" '[0,0,null]' \
	"sfpipe-status: nothing pending, nothing for a person after an empty run"
expect_status 1 "the installed sfpipe-status --handled: no such reject (exit 1)" -- as_sfpipe \
	sfpipe-status --handled /var/lib/sfpipe/smoke/run bk-none
rm -rf /var/lib/sfpipe/smoke

# Purge: programs, conffiles, logs and cache go; the user and the state with
# data in it stay.
expect_status 0 "purge" -- dpkg --purge sfpipe
[ ! -e /usr/bin/sf-map ] && t_ok "programs removed" || t_fail "/usr/bin/sf-map left after purge"
[ ! -e /etc/sfpipe/env.example ] && t_ok "conffiles removed" || t_fail "env.example left after purge"
[ ! -e /var/log/sfpipe ] && t_ok "logs removed on purge" || t_fail "/var/log/sfpipe left after purge"
[ -f /var/lib/sfpipe/rejects.jsonl ] && t_ok "state holding data is kept on purge" ||
	t_fail "purge deleted /var/lib/sfpipe with data in it"
getent passwd sfpipe >/dev/null && t_ok "the user stays after purge (Debian policy)" ||
	t_fail "the user sfpipe was removed on purge"

# make dist: a reproducible tarball that builds.
d="$T/new/sfpipe-$version"
(cd "$ROOT" && git diff --quiet HEAD) || echo "package: note: make dist packs HEAD, not uncommitted edits" >&2
expect_status 0 "make dist" -- make -s -C "$ROOT" dist
cp "$ROOT/sfpipe-$version.tar.gz" "$T/dist1.tar.gz"
sleep 1
expect_status 0 "make dist again" -- make -s -C "$ROOT" dist
expect_status 0 "make dist is reproducible (same bytes twice)" -- cmp "$T/dist1.tar.gz" "$ROOT/sfpipe-$version.tar.gz"
rm -f "$ROOT/sfpipe-$version.tar.gz"
mkdir "$T/dist" && tar -C "$T/dist" -xzf "$T/dist1.tar.gz"
expect_status 0 "the unpacked tarball builds" -- make -s -j2 -C "$T/dist/sfpipe-$version"
expect_eq "$("$T/dist/sfpipe-$version/bin/sf-map" --version)" "sf-map $version" \
	"built from the tarball (no git), the version is VERSION alone"
t_done
