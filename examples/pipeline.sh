#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# One run of the booking pipeline, as cron runs it every minute (examples/crontab).
#
#   pipeline.sh DIR
#
# DIR/incoming.jsonl   signed envelopes appended by the receiving web server
# DIR/work/            spools claimed by a run, and their verified bookings
# DIR/results/         one results file per spool (what sf-create wrote)
# DIR/reports/         sf-create --report of each run, a week of them
#                      (sfpipe-status(1) reads them: when a tenant last succeeded)
# DIR/rejects.jsonl    every refused or failed item, whole, with its reason:
#                      what needs a person, and only that
# DIR/rejects.lock     held (flock) to append to rejects.jsonl, which
#                      sfpipe-status --handled rewrites under the same lock
# DIR/rejects.retry.jsonl  plans not sent (see below), sent again next run
# DIR/already-delivered.jsonl  the pipeline's own messages refused as replayed
#                      when a run re-read a spool after a crash (see step 2)
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
mkdir -p "$dir/work" "$dir/results" "$dir/reports"
find "$dir/reports" -name '*.json' -mtime +7 -delete 2>/dev/null
stamp=$(date -u +%Y%m%dT%H%M%SZ).$$
status=0

# 1. Claim what has arrived: new messages go on landing in a fresh file.
if [ -s "$dir/incoming.jsonl" ]; then
	mv "$dir/incoming.jsonl" "$dir/work/$stamp.spool"
fi

# 2. Verify each claimed spool into bookings, durably, before dropping it.
#
# A run killed while hmac-verify works leaves the spool in work/ and, in
# .verified.tmp, what hmac-verify wrote before the kill: messages accepted
# (their ids are now in the replay store) and refusals.  The next run reads the
# whole spool again, appending, and hmac-verify then refuses every message it
# accepted before as "replayed" (or "stale", if the run comes later than the
# tolerance).  Those refusals are the pipeline meeting itself, not an attack:
# settle_verified keeps the earlier attempts' accepted messages, drops their
# refusals (the last attempt refuses the same lines again, so each appears
# once), and moves a "replayed" or "stale" refusal of the last attempt to
# DIR/already-delivered.jsonl only when its body is, byte for byte, one that an
# earlier attempt on this same spool accepted, one refusal per accepted copy.
# (In tenants mode hmac-verify --tagged writes an accepted message as
# {"tenant":T,"body":B} with B its body's bytes as they came, and the refusal
# names T, the authenticated tenant: the line that attempt would have written
# is rebuilt from both and compared the same way, so a tenant's message never
# matches another tenant's accepted copy.)
# Anything else stays a refusal for a person: a message replayed by someone
# else (in another spool, or a second copy in this one) finds no accepted copy
# left to match and reaches DIR/rejects.jsonl.
# One pass over the attempts' lines; each line out is prefixed "V " (goes on
# as verified) or "O " (the pipeline's own, already delivered).
settle_verified() { # base lines-of-earlier-attempts
	jq -R -n -r --argjson n0 "$2" --arg tagged "${#verify[@]}" '
		def refusal: type == "object" and .ok == false and (.error | type) == "object" and has("input");
		def parse: try fromjson catch null;
		def accepted: parse | . != null and (refusal | not);
		# The line an accepted copy of the refused message would be.
		def accepted_line: if $tagged == "0" then .input.body
			else (.tenant // .input.tenant) as $t
			| if ($t | type) == "string" then "{\"tenant\":\($t | tojson),\"body\":\(.input.body)}" else null end end;
		def own_key: if refusal and ((.error.code == "replayed") or (.error.code == "stale"))
			and ((.input.body | type) == "string") then accepted_line else null end;
		[inputs] as $all
		# Sorting and grouping, never a reduce: jq 1.6 copies a reduce state
		# at every step, which made 10,000 messages take minutes.
		| [ ($all[:$n0][] | select(accepted) | {k: ., acc: true}),
		    (range($n0; $all | length) as $i | {i: $i, acc: false, k: ($all[$i] | parse | own_key)}) ] as $e
		| [ ($e[] | select((.acc | not) and .k == null) | {i, own: false}),
		    ([$e[] | select(.k != null)] | group_by(.k)[]
		     | ([.[] | select(.acc)] | length) as $copies
		     | [.[] | select(.acc | not)] | sort_by(.i) | to_entries[]
		     | {i: .value.i, own: (.key < $copies)}) ] | sort_by(.i) as $last
		| ($all[:$n0][] | select(accepted) | "V " + .),
		  ($last[] | (if .own then "O " else "V " end) + $all[.i])
	' <"$1.verified.tmp"
}
# What a run killed between the steps below left: the .verified file is made,
# the rest of the hand-off is finished here.
finish_verified() {
	if [ -e "$1.own" ]; then
		cat "$1.own" >>"$dir/already-delivered.jsonl" && rm -f "$1.own"
	fi
	rm -f "$1.verified.tmp" "$1.spool"
}
for spool in "$dir"/work/*.spool; do
	[ -e "$spool" ] || continue
	base=${spool%.spool}
	[ -e "$base.verified" ] && { finish_verified "$base"; continue; }
	# A kill can cut a line in two: close it, so that the torn fragment is
	# a line of its own (never valid JSON, so never taken as a message).
	if [ -s "$base.verified.tmp" ] && [ -n "$(tail -c 1 "$base.verified.tmp")" ]; then
		echo >>"$base.verified.tmp"
	fi
	earlier=0
	[ -e "$base.verified.tmp" ] && earlier=$(wc -l <"$base.verified.tmp")
	# Refusals travel on standard output with the bookings (sf-map and
	# sf-create pass them on), so each reaches rejects.jsonl by one path.
	hmac-verify --keyring "$keyring" "${verify[@]}" <"$spool" >>"$base.verified.tmp"
	rc=$?
	if [ $rc -gt 1 ]; then   # 1: some messages refused, each on stdout
		echo "pipeline: $spool: hmac-verify exit $rc, kept for the next run" >&2
		status=$rc; continue
	fi
	if [ "$earlier" -eq 0 ]; then   # one attempt, the usual case: nothing to sort
		mv "$base.verified.tmp" "$base.verified" && finish_verified "$base"
	elif settle_verified "$base" "$earlier" >"$base.settled" &&
	    sed -n 's/^V //p' "$base.settled" >"$base.verified.new" &&
	    sed -n 's/^O //p' "$base.settled" >"$base.own.new"; then
		rm -f "$base.settled"
		# (replacing any .own an attempt killed before the .verified left)
		if [ -s "$base.own.new" ]; then mv "$base.own.new" "$base.own"; else rm -f "$base.own.new" "$base.own"; fi
		mv "$base.verified.new" "$base.verified" && finish_verified "$base"
	else
		echo "pipeline: $spool: cannot sort the verified messages (jq), kept for the next run" >&2
		rm -f "$base.settled" "$base.verified.new" "$base.own.new"
		status=6
	fi
done

# 3. Replay what a previous run could not send (API limit, outage), then map
#    and create each verified spool.
# sf-create's rejects hold two kinds of line: plans it never sent (daily limit,
# budget guard: bare plans, to send again) and failures with their reason
# ("ok":false: bad data, for a person).  Sort them into the two files.
sort_rejects() {
	[ -s "$1" ] || { rm -f "$1"; return 0; }
	# Under DIR/rejects.lock: sfpipe-status --handled rewrites rejects.jsonl
	# holding it, and an append meanwhile would be lost.
	{ flock 9 && grep -F '"ok":false' "$1" >>"$dir/rejects.jsonl"; } 9>>"$dir/rejects.lock"
	grep -vF '"ok":false' "$1" >>"$dir/rejects.retry.jsonl"
	rm -f "$1"
}
# A .replay file left by a killed run is sent again with the new one.
[ -s "$dir/rejects.retry.jsonl" ] && mv "$dir/rejects.retry.jsonl" "$dir/work/$stamp.replay"
for replay in "$dir"/work/*.replay; do
	[ -e "$replay" ] || continue
	name=$(basename "$replay" .replay)
	sf-create "${create[@]}" --rejects "$dir/work/$name.rejects" \
		--report "$dir/reports/$name.replay.json" <"$replay" \
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
		sf-create "${create[@]}" --rejects "$dir/work/$name.rejects" \
			--report "$dir/reports/$name.json" >"$dir/results/$name.jsonl"
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
