# SPDX-License-Identifier: ISC
# The hostile-input corpus (tests/hostile/, at least 60 cases, each with its
# exact output, error and exit code), then redirects: a server holding a
# Salesforce host name answers 302 and the client must not follow, to another
# host or to its own.
. "$SFP_ROOT/tests/lib.sh"

SFP_TALLY= sh "$SFP_ROOT/tests/hostile/run" >"$T/cases.out" 2>"$T/cases.err"
rc=$?
summary=$(tail -n 1 "$T/cases.out")
passed=$(printf '%s' "$summary" | sed -n 's/^cases: \([0-9]*\) passed.*/\1/p')
failed=$(printf '%s' "$summary" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
[ "$rc" = 0 ] || cat "$T/cases.err" >&2
expect_eq "${failed:-?}" 0 "every hostile case gives its exact output, error and exit code"
if [ "${passed:-0}" -ge 60 ]; then t_ok "at least 60 hostile cases ($passed)"; else
	t_fail "only ${passed:-0} hostile cases pass, want at least 60"; fi
for p in hmac-verify hmac-sign sf-map sf-create; do
	n=$(ls -d "$SFP_ROOT/tests/hostile/$p"/*/ 2>/dev/null | wc -l)
	if [ "$n" -ge 5 ]; then t_ok "$p has $n hostile cases"; else t_fail "$p has only $n hostile cases"; fi
done

# Redirects, with the emulator's certificate (valid for the Salesforce names).
if [ -n "${SFEMU_DIR:-}" ] && [ -f "$SFEMU_DIR/server.pem" ]; then
	plan='{"id":"bk-1","records":[{"ref":"lead","sobject":"Lead","fields":{"LastName":"Lee","Company":"Acme"}}]}'
	token='00D000000000001!AQhostileTokenValue'
	for to in https://evil.example.com/steal "https://acme.my.salesforce.com/services/data/v62.0/composite/graph"; do
		rm -f "$T/rlog" "$T/rport"
		python3 "$SFP_ROOT/tests/hostile/redirect/server.py" "$SFEMU_DIR/server.pem" "$SFEMU_DIR/server.key" \
			"$T/rlog" "$T/rport" "$to" &
		rpid=$!
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			[ -s "$T/rport" ] && break; sleep 0.1
		done
		port=$(cat "$T/rport" 2>/dev/null)
		printf '%s\n' "$plan" >"$T/plan"
		SF_RESOLVE="acme.my.salesforce.com:$port:127.0.0.1" SF_INSTANCE_URL="https://acme.my.salesforce.com:$port" \
		SF_AUTH_FLOW=token SF_ACCESS_TOKEN="$token" SFPIPE_CACHE_DIR="$T/cache" \
			expect_status 3 "a 302 to ${to%%/services*} is refused (exit 3)" -- sf-create <"$T/plan"
		host=${to#https://}; host=${host%%/*}
		expect_eq "$(cat "$T/err")" "sf-create: http 302 redirect to $host not followed" "the refusal names the redirect"
		expect_match '"code":"redirect"' "$(cat "$T/out")" "the plan comes back whole with code redirect"
		expect_eq "$(wc -l <"$T/rlog" | tr -d ' ')" 1 "one request, the redirect not followed"
		expect_no_match 'AQhostile' "$(cat "$T/out" "$T/err")" "the token appears in no output"
		kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
	done
else
	t_fail "the emulator's certificate is not available for the redirect checks"
fi
t_done
