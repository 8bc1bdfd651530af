# SPDX-License-Identifier: ISC
# The replay defences under attack (issue 16): a long-running verifier judges
# each message by the clock when it arrives; an id outlives every verifier's
# tolerance whoever recorded it; Redis keys expire at an absolute time on the
# server's clock.  Each block replays what the red team did and expects it to
# fail now.  One local user suffices: the attacker here is whoever can send or
# resend a message, and a second verifier is a second process.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json

start_redis() {   # start_redis NAME [args...]: a private redis-server; sets $rport
	local name=$1
	shift
	rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" \
		--daemonize yes --pidfile "$T/$name.pid" "$@" >/dev/null
	for i in $(seq 1 25); do
		[ -s "$T/$name.pid" ] && redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG && return 0
		redis-cli -p "$rport" ping 2>&1 | grep -q NOAUTH && return 0
		sleep 0.2
	done
}
stop_redis() { kill "$(cat "$T/$1.pid")" 2>/dev/null; }

start_redis plain
STORES="$T/fifo.sqlite redis://127.0.0.1:$rport/3"

# --- 1. a verifier reading a FIFO takes the time per message -----------------
# The red team's attack: a verifier started at t0 with --tolerance 2 still
# accepted, seconds later, a message stamped t0 (and, on Redis, a replay whose
# key had expired).  Now both are refused as stale.
for store in $STORES; do
	rm -f in.fifo && mkfifo in.fifo
	hmac-verify -k keys.json --tolerance 3 --replay-store "$store" <in.fifo >fifo.out 2>fifo.err &
	vpid=$!
	exec 3>in.fifo
	t0=$(date +%s)
	printf '{"fifo":1}' | hmac-sign -k keys.json -t acme --timestamp "$t0" >m1.json
	printf '{"fifo":2}' | hmac-sign -k keys.json -t acme --timestamp "$t0" >m2.json
	cat m1.json >&3
	sleep 5.5
	cat m1.json m2.json >&3   # a replay of m1 and a message 5.5 s old, tolerance 3
	exec 3>&-
	wait "$vpid"
	expect_eq "$(sed -n 1p fifo.out)" '{"fifo":1}' "fifo $store: the fresh message is accepted"
	expect_match '"code":"stale"' "$(sed -n 2p fifo.out)" "fifo $store: the replay after the tolerance is stale"
	expect_match '"code":"stale"' "$(sed -n 3p fifo.out)" "fifo $store: a message older than the tolerance is stale"
	expect_eq "$(grep -c '"ok":false' fifo.out)" 2 "fifo $store: nothing else accepted"
done

# --- 2. an id outlives every verifier's tolerance --------------------------------
# Accepted with --tolerance 2, then offered 4 s later to a verifier with the
# default 300: the row must still be there (it was purged before).
now=$(date +%s)
printf '{"w":1}' | hmac-sign -k keys.json -t acme --timestamp "$now" >w.json
expect_status 0 "short tolerance accepts" -- hmac-verify -k keys.json --tolerance 2 --now "$now" --replay-store "$T/w.sqlite" <w.json
expect_status 1 "a wider verifier 4 s later refuses the replay" -- hmac-verify -k keys.json --now $((now + 4)) --replay-store "$T/w.sqlite" <w.json
expect_match '"code":"replayed"' "$(cat "$T/out")" "replayed, not purged"
expect_eq "$(sqlite3 "$T/w.sqlite" 'select expires from seen')" "$((now + 3600))" "the row lives until timestamp + the store's window"
expect_status 2 "a tolerance wider than the store's window is refused" -- hmac-verify -k keys.json --tolerance 3601 --replay-store "$T/w.sqlite" <w.json
expect_match 'from 1 to 3600' "$(cat "$T/err")" "says the bound"

# --- 3. Redis expiry is absolute, on the server's clock -------------------------
# A verifier 59 s fast with --tolerance 60 used to set a 2 s TTL; a verifier with
# the right clock accepted the replay 3 s later.
now=$(date +%s)
printf '{"fast":1}' | hmac-sign -k keys.json -t acme --timestamp "$now" >fast.json
R="redis://127.0.0.1:$rport/4"
expect_status 0 "a fast verifier accepts" -- hmac-verify -k keys.json --tolerance 60 --now $((now + 59)) --replay-store "$R" <fast.json
key=$(redis-cli -p "$rport" -n 4 --scan --pattern 'sfpipe:replay:*' | head -n 1)
expect_eq "$(redis-cli -p "$rport" -n 4 expiretime "$key")" "$((now + 3600))" "the key expires at timestamp + window, whoever's clock"
sleep 3
expect_status 1 "a correct verifier 3 s later refuses the replay" -- hmac-verify -k keys.json --tolerance 60 --replay-store "$R" <fast.json
expect_match '"code":"replayed"' "$(cat "$T/out")" "redis replay refused"

stop_redis plain
t_done
