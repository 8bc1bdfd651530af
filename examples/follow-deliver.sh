#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# One window of sfpipe-follow(1): tagged lines ({"tenant":..,"body":..}, what
# hmac-receive(1) stored) on stdin, sf-create's result lines on stdout.
#
#   sfpipe-follow --spool /var/lib/sfpipe/spool --results /var/lib/sfpipe/results.jsonl \
#       -w 1000 -- /usr/local/share/sfpipe/follow-deliver.sh
#
# The requests were verified when they arrived, so nothing here checks a
# signature or a timestamp again: a window sent ten minutes late is as good as
# one sent at once.  Settings come from the environment (sfpipe(7)):
#   SFPIPE_TENANTS   a tenants directory: each line mapped and sent by its tenant
#   otherwise one org (SF_* or the org file) and
#   SFPIPE_MAPPING, SFPIPE_DESCRIBE   the mapping and the describe catalog
#   SFPIPE_REJECTS   where failed plans go for a person (optional)
#   SFPIPE_MAX_API_USAGE   sf-create's --max-api-usage (optional)
# The exit status is the worst of the stages', which sfpipe-follow reads: 0 or
# 1 commit the window, 4 sends it again later, anything else stops it.
set -u
rejects=(${SFPIPE_REJECTS:+--rejects "$SFPIPE_REJECTS"})
budget=(${SFPIPE_MAX_API_USAGE:+--max-api-usage "$SFPIPE_MAX_API_USAGE"})
if [ -n "${SFPIPE_TENANTS:-}" ]; then
	sf-map --tenants "$SFPIPE_TENANTS" |
		sf-create --tenants "$SFPIPE_TENANTS" "${rejects[@]}" "${budget[@]}"
	rcs=("${PIPESTATUS[@]}")
else
	# One org: the lines must all be the keyring's one tenant, whose bodies
	# are the bookings.
	jq -c '.body' |
		sf-map --mapping "${SFPIPE_MAPPING:?set SFPIPE_MAPPING}" \
			--describe "${SFPIPE_DESCRIBE:?set SFPIPE_DESCRIBE}" |
		sf-create "${rejects[@]}" "${budget[@]}"
	rcs=("${PIPESTATUS[@]}")
fi
status=0
for rc in "${rcs[@]}"; do [ "$rc" -gt "$status" ] && status=$rc; done
exit "$status"
