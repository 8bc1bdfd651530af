#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of hmac-receive(1) and sfpipe-follow(1), run by
# tests/integration/receive-examples.sh in a scratch directory.
# PORT may be set (default 8471).
set -eu
EX=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-8471}
cp "$EX/keyring.json" keyring.json && chmod 600 keyring.json

hmac-receive -k keyring.json --spool spool --port "$PORT" &
receiver=$!
sleep 0.5
jq -cj . "$EX/booking.json" >body.json
hmac-sign -k keyring.json -t acme -H <body.json >headers
curl -sS -H @headers --data-binary @body.json "http://127.0.0.1:$PORT/hooks/acme"
echo
curl -sS -H @headers --data-binary @body.json "http://127.0.0.1:$PORT/hooks/globex"
echo
sfpipe-follow --spool spool --results results.jsonl --once -- jq -c '{tenant, id: .body.id}'
cat results.jsonl
kill "$receiver"
