# SPDX-License-Identifier: ISC
# The replay store against another local user (issue 16): a store, or the
# directory holding it, that someone else owns or may write is refused, since
# whoever can replace it can delete its rows and replay a message.  The attack
# needs two real users, so as root the test makes two (useradd) and runs each
# side as its own user; without root only the mode checks run (one user can
# make a directory group-writable, not owned by someone else).
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
printf '{"o":1}' >body

if [ "$(id -u)" = 0 ]; then
	victim=sfpv$$ attacker=sfpa$$
	mkuser() {   # another test may hold /etc/passwd's lock for a moment: retry
		for i in 1 2 3 4 5; do
			useradd --system --no-create-home --shell /usr/sbin/nologin "$1" 2>/dev/null && return 0
			sleep 1
		done
		t_fail "useradd $1 failed"
	}
	mkuser "$victim"
	mkuser "$attacker"
	trap 'userdel "$victim" 2>/dev/null; userdel "$attacker" 2>/dev/null' EXIT
	SH=$(mktemp -d /tmp/sfp-share.XXXXXX) && chmod 1777 "$SH"   # a shared place, as /tmp
	mkdir "$SH/victim" && chown "$victim" "$SH/victim" && chmod 700 "$SH/victim"
	as_victim() { runuser -u "$victim" -- env PATH="$PATH" "$@"; }
	as_attacker() { runuser -u "$attacker" -- env PATH="$PATH" "$@"; }
	V="$SH/victim"
	cp "$SFP_ROOT/examples/keyring.json" "$V/keys.json"
	chown "$victim" "$V/keys.json" && chmod 600 "$V/keys.json"
	as_victim sh -c "printf '{\"o\":1}' | hmac-sign -k '$V/keys.json' -t acme >'$V/m.json'"

	# positive control: the victim's own store works and refuses the replay
	expect_status 0 "own store: accepted" -- as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$V/r.sqlite' <'$V/m.json'"
	expect_status 1 "own store: replay refused" -- as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$V/r.sqlite' <'$V/m.json'"

	# the attack: the attacker pre-creates a world-writable directory; the
	# victim's store in it could be deleted between two deliveries
	as_attacker mkdir "$SH/drop" && chmod 777 "$SH/drop"
	expect_status 3 "a store in a directory others may write is refused" -- \
		as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$SH/drop/r.sqlite' <'$V/m.json'"
	expect_match 'owned by another user|writable by group or others' "$(cat "$T/err")" "says why"
	as_attacker rm -f "$SH/drop/r.sqlite" "$SH/drop/r.sqlite-wal" "$SH/drop/r.sqlite-shm"
	expect_status 3 "after the attacker empties it, still refused (no replay accepted)" -- \
		as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$SH/drop/r.sqlite' <'$V/m.json'"
	expect_no_match '"o":1' "$(cat "$T/out")" "the message was never accepted there"

	# a directory the attacker owns (not writable by others) holding a store file
	as_attacker mkdir -m 755 "$SH/theirs"
	as_attacker sh -c "umask 0; : >'$SH/theirs/r.sqlite'"
	expect_status 3 "a store in another user's directory is refused" -- \
		as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$SH/theirs/r.sqlite' <'$V/m.json'"
	expect_match 'owned by another user' "$(cat "$T/err")" "says whose"

	# a store file another user owns, in the victim's own directory
	: >"$V/planted.sqlite" && chown "$attacker" "$V/planted.sqlite" && chmod 666 "$V/planted.sqlite"
	expect_status 3 "a store file another user owns is refused" -- \
		as_victim sh -c "hmac-verify -k '$V/keys.json' --replay-store '$V/planted.sqlite' <'$V/m.json'"
	expect_match 'the store is owned by another user' "$(cat "$T/err")" "names the store"
	rm -rf "$SH"
else
	echo "hmac-store-owner: not root: the two-user cases need useradd; mode checks only" >&2
fi

# one user: group- or world-writable store or directory
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
hmac-sign -k keys.json -t acme <body >m.json
mkdir grp && chmod 770 grp
expect_status 3 "a group-writable directory is refused" -- hmac-verify -k keys.json --replay-store "$T/grp/r.sqlite" <m.json
mkdir -p open/inner && chmod 777 open && chmod 700 open/inner
expect_status 3 "a directory above the store that others may write is refused" -- hmac-verify -k keys.json --replay-store "$T/open/inner/r.sqlite" <m.json
expect_match 'a directory above it' "$(cat "$T/err")" "names the directory above"
mkdir -p sticky/inner && chmod 1777 sticky && chmod 700 sticky/inner
expect_status 0 "a sticky directory above (as /tmp) is fine" -- hmac-verify -k keys.json --replay-store "$T/sticky/inner/r.sqlite" <m.json
mkdir mine && chmod 700 mine && : >mine/r.sqlite && chmod 646 mine/r.sqlite
expect_status 3 "a world-writable store file is refused" -- hmac-verify -k keys.json --replay-store "$T/mine/r.sqlite" <m.json
expect_match 'chmod go-w' "$(cat "$T/err")" "says how to fix"
chmod 600 mine/r.sqlite
expect_status 0 "fixed, it is used" -- hmac-verify -k keys.json --replay-store "$T/mine/r.sqlite" <m.json

t_done
