#!/bin/sh
# SPDX-License-Identifier: ISC
# A provisioning service's sender: sign one SCIM User request (a file, default
# examples/provision-request.json) with the tenant's key as Standard Webhooks
# headers and POST it to the receiver, e.g.
#   PROVISION_URL=https://sfpipe.example/hooks/acme KEYRING=keys.json TENANT=acme \
#       sh provision-send.sh ada.json
# Set meta.lastModified to when the person last changed: the receiver applies
# only the newest request per person, whatever order they arrive in.
set -eu
EX=$(cd "$(dirname "$0")" && pwd)
body=${1:-$EX/provision-request.json}
: "${PROVISION_URL:?set PROVISION_URL to the receiver's URL}"
: "${KEYRING:?set KEYRING to the 0600 keyring holding the tenant's key}"
: "${TENANT:?set TENANT to the tenant whose key signs}"
W=$(mktemp -d "${TMPDIR:-/tmp}/provision-send.XXXXXX")
trap 'rm -rf "$W"' EXIT
# The signature covers these exact bytes, so sign and send the same file.
jq -c . "$body" | tr -d '\n' >"$W/body"
hmac-sign --keyring "$KEYRING" --tenant "$TENANT" --headers <"$W/body" >"$W/headers"
curl -sS --fail-with-body -H 'Content-Type: application/scim+json' -H @"$W/headers" \
    --data-binary @"$W/body" "$PROVISION_URL"
