# SPDX-License-Identifier: ISC
# Runs examples/hmac.sh (the EXAMPLES of hmac-sign(1) and hmac-verify(1)), with
# and without a real redis-server, and lints both pages.
. "$SFP_ROOT/tests/lib.sh"

expect_status 0 "examples/hmac.sh runs" -- sh "$SFP_ROOT/examples/hmac.sh"
expect_match '^4$' "$(sed -n 2p "$T/out")" "the second verification refuses all 4"
expect_eq "$(tail -n 1 "$T/out")" '{"tenant":"acme","body":{"booking":"bk-1043"}}' "jq -c body, tagged"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" --daemonize yes \
	--pidfile "$T/redis.pid" --requirepass example-pw >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli -p "$port" ping 2>&1 | grep -q NOAUTH && break; sleep 0.2; done
printf 'example-pw\n' >"$T/redis.auth" && chmod 600 "$T/redis.auth"
expect_status 0 "examples/hmac.sh with redis" -- env REDIS_URL="redis://127.0.0.1:$port/0" \
	REDIS_AUTH_FILE="$T/redis.auth" sh "$SFP_ROOT/examples/hmac.sh"
kill "$(cat "$T/redis.pid")" 2>/dev/null

for p in hmac-sign hmac-verify; do
	expect_eq "$(mandoc -Tlint -Wwarning "$SFP_ROOT/man/$p.1" 2>&1)" "" "$p(1) lints clean"
done
t_done
