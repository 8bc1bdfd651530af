#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Files that hold booking data or tokens are private (issue 16, sfpipe(7) FILES):
# rejects files are created 0600 by sf-map, sf-create and hmac-verify; one that
# exists with a wider mode is narrowed to 0600 before anything is appended; a
# symbolic link, or a file or cache directory that another local user made for
# us, is refused.  The two-user cases run as a second user made here.
. "$SFP_ROOT/tests/lib.sh"
cd "$T" || exit 1
umask 022
MAP="--mapping $SFP_ROOT/examples/mapping.json --describe $SFP_ROOT/examples/describe.json"
bad_booking='{"id":"bk-1","invitee":{"email":"ann@example.com"}}'

# sf-map: a new rejects file is 0600 even under umask 022.
printf '%s\n' "$bad_booking" >b.jsonl
expect_status 1 "sf-map refuses the booking" -- sf-map $MAP --rejects new.jsonl <b.jsonl
expect_eq "$(stat -c %a new.jsonl)" 600 "sf-map creates its rejects file 0600"
expect_match '"bk-1"' "$(cat new.jsonl)" "and the booking is in it"

# An existing rejects file of ours with mode 0644 is narrowed, then appended.
echo '{"old":1}' >wide.jsonl && chmod 644 wide.jsonl
expect_status 1 "sf-map appends to an existing 0644 file" -- sf-map $MAP --rejects wide.jsonl <b.jsonl
expect_eq "$(stat -c %a wide.jsonl)" 600 "the 0644 rejects file is narrowed to 0600"
expect_eq "$(head -n 1 wide.jsonl)" '{"old":1}' "what it held is kept"
expect_eq "$(wc -l <wide.jsonl | tr -d ' ')" 2 "the new reject is appended"

# A symbolic link is never followed.
echo keep >target && ln -s target link.jsonl
expect_status 3 "sf-map refuses a rejects path that is a symbolic link" -- \
	sf-map $MAP --rejects link.jsonl <b.jsonl
expect_eq "$(cat target)" keep "the link's target is untouched"

# sf-create and hmac-verify make their rejects files the same way.
echo garbage >g.jsonl
expect_status 1 "sf-create -n refuses the plan" -- sf-create -n --rejects c.jsonl <g.jsonl
expect_eq "$(stat -c %a c.jsonl)" 600 "sf-create creates its rejects file 0600"
cp "$SFP_ROOT/examples/keyring.json" k.json && chmod 600 k.json
expect_status 1 "hmac-verify refuses the envelope" -- \
	hmac-verify -k k.json --replay-store "$T/rs.sqlite" --rejects v.jsonl <g.jsonl
expect_eq "$(stat -c %a v.jsonl)" 600 "hmac-verify creates its rejects file 0600"

# Two users: another local user pre-creates the rejects file, world-writable,
# hoping to read the bookings written into it.  Refused, and nothing written.
if other_user; then
	as_other sh -c "umask 0; : >'$SHARED/rej.jsonl'"
	expect_eq "$(stat -c '%a %U' "$SHARED/rej.jsonl")" "666 $OTHER" "the other user's file is in place"
	expect_status 3 "sf-map refuses a rejects file another user owns" -- \
		sf-map $MAP --rejects "$SHARED/rej.jsonl" <b.jsonl
	expect_match 'owned by another user' "$(cat "$T/err")" "and says why"
	expect_status 3 "sf-create refuses it too" -- sf-create -n --rejects "$SHARED/rej.jsonl" <g.jsonl
	expect_eq "$(stat -c %s "$SHARED/rej.jsonl")" 0 "no booking reached the other user's file"

	# The other user pre-creates our cache directory world-writable: it is
	# refused, so no token and no replay row goes where that user can delete
	# or swap it.
	as_other sh -c "mkdir -m 0777 '$SHARED/cache'"
	expect_status 3 "hmac-verify refuses a replay store in a cache dir another user owns" -- \
		env SFPIPE_CACHE_DIR="$SHARED/cache" hmac-verify -k k.json <g.jsonl
	expect_match 'owned by another user' "$(cat "$T/err")" "and says why"
	if [ -n "${SFEMU_URL:-}" ]; then
		SFPIPE_CACHE_DIR="$SHARED/cache" SF_AUTH_FLOW=jwt sf-describe Lead >/dev/null 2>"$T/err"
		expect_eq "$(find "$SHARED/cache" -mindepth 1 | wc -l | tr -d ' ')" 0 \
			"sf-describe writes no token or describe cache into it"
		# Ours but world-writable: refused just the same.
		mkdir -m 0777 "$SHARED/mine" && chmod 0777 "$SHARED/mine"
		SFPIPE_CACHE_DIR="$SHARED/mine" SF_AUTH_FLOW=jwt sf-describe Lead >/dev/null 2>&1
		expect_eq "$(find "$SHARED/mine" -mindepth 1 | wc -l | tr -d ' ')" 0 \
			"nor into a cache dir of ours that others may write"
	fi
else
	echo "  (private-files: not root, the two-user cases need useradd; skipped)"
fi
t_done
