#!/bin/sh
# SPDX-License-Identifier: ISC
# The receiver's batch: the web server stores each POST to /hooks/TENANT as
# SPOOL/TENANT/ID.headers and SPOOL/TENANT/ID.body (the URL names the tenant
# whose key must verify it); cron runs this over the spool (examples/crontab).
# Each request is verified (signature, age, replay) and tagged with its tenant
# before anything is sent to Salesforce; then sf-provision makes the users.
#   sh provision-receive.sh SPOOL KEYRING TENANTS-DIR
# Verified requests go to SPOOL/done, refused ones to SPOOL/refused; results
# and refusals are appended to SPOOL/results.jsonl.
set -eu
spool=$1 keyring=$2 tenants=$3
mkdir -p "$spool/done" "$spool/refused"
verified="$spool/verified.$$.jsonl"
: >"$verified"
for h in "$spool"/*/*.headers; do
	[ -e "$h" ] || continue
	dir=$(dirname "$h") msg=$(basename "$h" .headers)
	tenant=$(basename "$dir")
	case $tenant in done|refused) continue ;; esac
	# a refusal (its line says why) is kept with the results, never provisioned
	if hmac-verify --keyring "$keyring" --tenant "$tenant" --headers "$h" --tagged \
	    --replay-store "$spool/replay.sqlite" <"$dir/$msg.body" >"$verified.one" 2>/dev/null; then
		cat "$verified.one" >>"$verified"
		mv "$h" "$dir/$msg.body" "$spool/done/"
	else
		cat "$verified.one" >>"$spool/results.jsonl"
		mv "$h" "$dir/$msg.body" "$spool/refused/"
	fi
done
rc=0
sf-provision --tenants "$tenants" <"$verified" >>"$spool/results.jsonl" || rc=$?
rm -f "$verified" "$verified.one"
exit "$rc"
