#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# sfpipe(7) FILES, checked: what the programs keep under SFPIPE_CACHE_DIR, with
# the modes the page promises (directories 0700, files 0600).
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"
cd "$T" || exit 1

sf-describe Lead >/dev/null 2>&1 || t_fail "sf-describe Lead"
cp "$SFP_ROOT/examples/keyring.json" k.json && chmod 600 k.json
printf '{"a":1}' | hmac-sign -k k.json -t acme | hmac-verify -k k.json >/dev/null 2>&1 ||
	t_fail "hmac-verify with the default replay store"

for d in "$SFPIPE_CACHE_DIR" "$SFPIPE_CACHE_DIR/tokens" "$SFPIPE_CACHE_DIR/describe"; do
	expect_eq "$(stat -c %a "$d" 2>/dev/null)" "700" "${d#"$T"/} is a 0700 directory"
done
for f in "$SFPIPE_CACHE_DIR"/tokens/*.json "$SFPIPE_CACHE_DIR"/describe/*.json \
	"$SFPIPE_CACHE_DIR/replay.sqlite"; do
	expect_eq "$(stat -c %a "$f" 2>/dev/null)" "600" "${f#"$T"/} is a 0600 file"
done
expect_match '\.Lead\.json$' "$(ls "$SFPIPE_CACHE_DIR"/describe/)" "the describe cache file ends in the sObject name"
for name in tokens/ describe/ replay.sqlite; do
	expect_match "Pa $name" "$(cat "$SFP_ROOT/man/sfpipe.7")" "sfpipe(7) names $name"
done
t_done
