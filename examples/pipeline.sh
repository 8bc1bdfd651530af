#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# One run of the booking pipeline, as cron runs it every minute (examples/crontab).
#
#   pipeline.sh DIR
#
# DIR/incoming.jsonl   signed envelopes appended by the receiving web server
# DIR/work/            spools claimed by a run, and their verified bookings
# DIR/results/         one results file per spool (what sf-create wrote)
# DIR/rejects.jsonl    every refused or failed item, whole, with its reason
#
# Settings come from the environment (SF_*, see sfpipe(7)) plus:
#   SFPIPE_KEYRING  the keyring (mode 0600)     SFPIPE_MAPPING   the mapping
#   SFPIPE_DESCRIBE the describe catalog (sf-describe output, refreshed daily)
# or, for many customers in one run, instead of SF_*, the mapping and catalog:
#   SFPIPE_TENANTS  the tenants directory (sfpipe(7) Tenants): every item keeps
#                   the tenant its signature authenticated and goes only to that
#                   tenant's org, with that tenant's mapping and catalog
#
# Nothing is lost between stages: the spool is claimed by rename(2), verified
# bookings are written to a file before the spool is removed, and a stage that
# fails leaves its input in place for the next run.  Exit 4 from sf-create
# (Salesforce unreachable, API limit) means "try later": its unsent plans go
# to DIR/rejects.retry.jsonl as they were, and the next run replays them.
set -uo pipefail

dir=${1:?usage: pipeline.sh DIR}
keyring=${SFPIPE_KEYRING:?set SFPIPE_KEYRING}
if [ -n "${SFPIPE_TENANTS:-}" ]; then
	verify=(--tagged)
	map=(--tenants "$SFPIPE_TENANTS")
	create=(--tenants "$SFPIPE_TENANTS")
else
	verify=()
	map=(--mapping "${SFPIPE_MAPPING:?set SFPIPE_MAPPING}"
		--describe "${SFPIPE_DESCRIBE:?set SFPIPE_DESCRIBE}")
	create=()
fi
mkdir -p "$dir/work" "$dir/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ).$$
status=0

# 1. Claim what has arrived: new messages go on landing in a fresh file.
if [ -s "$dir/incoming.jsonl" ]; then
	mv "$dir/incoming.jsonl" "$dir/work/$stamp.spool"
fi

# 2. Verify each claimed spool into bookings, durably, before dropping it.
for spool in "$dir"/work/*.spool; do
	[ -e "$spool" ] || continue
	base=${spool%.spool}
	# Appending: if a run was killed after hmac-verify recorded some ids,
	# those messages are already in the .tmp file, and this run refuses them
	# as "replayed" (a line each in rejects.jsonl) instead of losing them.
	hmac-verify --keyring "$keyring" "${verify[@]}" --rejects "$dir/rejects.jsonl" \
		<"$spool" >>"$base.verified.tmp"
	rc=$?
	if [ $rc -le 1 ]; then   # 1: some messages refused, each written to rejects
		mv "$base.verified.tmp" "$base.verified" && rm -f "$spool"
	else
		echo "pipeline: $spool: hmac-verify exit $rc, kept for the next run" >&2
		status=$rc; continue
	fi
done

# 3. Replay what a previous run could not send (API limit, outage), then map
#    and create each verified spool.
# sf-create's rejects hold two kinds of line: plans it never sent (daily limit,
# budget guard: bare plans, to send again) and failures with their reason
# ("ok":false: bad data, for a person).  Sort them into the two files.
sort_rejects() {
	[ -s "$1" ] || { rm -f "$1"; return 0; }
	grep -F '"ok":false' "$1" >>"$dir/rejects.jsonl"
	grep -vF '"ok":false' "$1" >>"$dir/rejects.retry.jsonl"
	rm -f "$1"
}
# A .replay file left by a killed run is sent again with the new one.
[ -s "$dir/rejects.retry.jsonl" ] && mv "$dir/rejects.retry.jsonl" "$dir/work/$stamp.replay"
for replay in "$dir"/work/*.replay; do
	[ -e "$replay" ] || continue
	name=$(basename "$replay" .replay)
	sf-create "${create[@]}" --rejects "$dir/work/$name.rejects" <"$replay" \
		>"$dir/results/$name.replay.jsonl"
	rc=$?
	sort_rejects "$dir/work/$name.rejects"
	{ [ $rc -le 1 ] || [ $rc -eq 4 ]; } && rm -f "$replay"
	[ $rc -gt $status ] && status=$rc
done
for verified in "$dir"/work/*.verified; do
	[ -e "$verified" ] || continue
	name=$(basename "$verified" .verified)
	sf-map "${map[@]}" <"$verified" |
		sf-create "${create[@]}" --rejects "$dir/work/$name.rejects" >"$dir/results/$name.jsonl"
	rcs=("${PIPESTATUS[@]}")
	sort_rejects "$dir/work/$name.rejects"
	# sf-map 0/1 and sf-create 0/1/4 all leave every item accounted for: in
	# results, rejects.jsonl, or rejects.retry.jsonl for the next run.
	if [ "${rcs[0]}" -le 1 ] && { [ "${rcs[1]}" -le 1 ] || [ "${rcs[1]}" -eq 4 ]; }; then
		rm -f "$verified"
	else
		echo "pipeline: $verified: sf-map exit ${rcs[0]}, sf-create exit ${rcs[1]}, kept" >&2
	fi
	for rc in "${rcs[@]}"; do [ "$rc" -gt $status ] && status=$rc; done
done
# Failures that need a person (bad data, refused signatures) stay in rejects.jsonl;
# grep '"ok":false' results/*.jsonl shows them with their reasons.
exit $status
