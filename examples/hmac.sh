#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of hmac-sign(1) and hmac-verify(1), in order (make check runs
# this through tests/integration/hmac-examples.sh, so the manuals cannot rot).
# examples/keyring.json is a DEMO keyring: its secrets are public; never use
# them for anything real.  Git drops file modes, so it is copied and made 0600.
set -eu
EX=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/hmac-example.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
export SFPIPE_CACHE_DIR="$W/cache"
cp "$EX/keyring.json" keys.json && chmod 600 keys.json

# Give tenant initech its first key; the secret is written, never shown.
hmac-sign --keyring keys.json --tenant initech --new-key

# Sign each booking (one per line) for tenant acme, then verify the spool:
# the bodies come out, each accepted once.
hmac-sign --keyring keys.json --tenant acme --lines < "$EX/bookings.jsonl" > spool.jsonl
hmac-verify --keyring keys.json < spool.jsonl > bookings.jsonl

# Verifying the same spool again refuses every message as replayed (exit 1).
if hmac-verify --keyring keys.json < spool.jsonl > again.jsonl; then exit 1; fi
grep -c '"code":"replayed"' again.jsonl

# Sign one request as HTTP headers for curl -H @headers, and verify it.
printf '{"booking":"bk-1042"}' > body.json
hmac-sign --keyring keys.json --tenant acme --headers < body.json > headers
hmac-verify --keyring keys.json --tenant acme --headers headers < body.json

# The same with RFC 9421, which also protects the method and URL.
hmac-sign --keyring keys.json --tenant acme --scheme rfc9421 \
    --method POST --url https://portal.example/hooks/booking < body.json > headers9421
hmac-verify --keyring keys.json --tenant acme --headers headers9421 --scheme rfc9421 \
    --method POST --url https://portal.example/hooks/booking --envelope < body.json

# One body from jq -c (its newline is the shell's, not the body's), verified
# and tagged with the tenant whose key signed it.
jq -nc '{booking:"bk-1043"}' | hmac-sign --keyring keys.json --tenant acme |
    hmac-verify --keyring keys.json --tagged

# A fleet of verifiers shares one Redis so no two machines accept one message
# (runs only when REDIS_URL is set, e.g. rediss://redis.example:6380/0, with the
# password in the 0600 file REDIS_AUTH_FILE).  An unset REDIS_URL would give
# --replay-store "", which hmac-verify refuses rather than use a local store.
if [ -n "${REDIS_URL:-}" ]; then
	hmac-sign --keyring keys.json --tenant acme --lines < "$EX/bookings.jsonl" |
	    hmac-verify --keyring keys.json --replay-store "$REDIS_URL" \
	    --redis-auth "$REDIS_AUTH_FILE" --rejects rejects.jsonl
fi
