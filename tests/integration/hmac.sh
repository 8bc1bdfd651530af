# SPDX-License-Identifier: ISC
# hmac-sign and hmac-verify as programs: vectors, forgeries, replays (also after
# a restart and across 16 racing processes, SQLite and Redis), cross-tenant,
# rotation, every refusal reason, /dev/full, and interop with npm standardwebhooks.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
RS="$T/replay.sqlite"

# --- Standard Webhooks V1 through the programs --------------------------------
printf '{"sw":[{"id":"v1","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}\n' >v1.json
chmod 600 v1.json
printf '{"test": 2432232314}' >v1.body
hmac-sign -k v1.json -t sw --id msg_p5jXN8AQM9LWM0D4loKWxJek --timestamp 1614265330 -H <v1.body >v1.h
expect_eq "$(sed -n 3p v1.h)" "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" "V1 signature"
expect_status 0 "V1 verifies at its time" -- sh -c "hmac-verify -k v1.json -t sw --headers v1.h --now 1614265330 --replay-store '$RS' <v1.body"
expect_eq "$(cat "$T/out")" '{"test": 2432232314}' "headers mode writes the body byte for byte"
expect_status 1 "V1 now is stale" -- sh -c "hmac-verify -k v1.json -t sw --headers v1.h --replay-store '$T/other.sqlite' <v1.body"
expect_match '"code":"stale"' "$(cat "$T/out")" "stale reason"

# --- a group-readable keyring is refused -------------------------------------
cp keys.json open.json && chmod 644 open.json
expect_status 3 "0644 keyring refused" -- sh -c "echo '{}' | hmac-sign -k open.json -t acme"
expect_match 'chmod 600' "$(cat "$T/err")" "says how to fix"
expect_no_match 'whsec_' "$(cat "$T/err")" "no secret in the message"

# --- every byte of the body flipped is refused --------------------------------
printf '{"booking":"bk-1042","name":"Ann"}' | hmac-sign -k keys.json -t acme >one.json
python3 - one.json >flipped.jsonl <<'EOF'
import json, sys
env = json.load(open(sys.argv[1]))
b = env["body"].encode()
for i in range(len(b)):
    e = dict(env); e["id"] = env["id"]
    e["body"] = (b[:i] + bytes([b[i] ^ 1]) + b[i + 1:]).decode()
    print(json.dumps(e))
EOF
n=$(wc -l <flipped.jsonl)
expect_status 1 "flipped bodies refused" -- hmac-verify -k keys.json --replay-store "$RS" <flipped.jsonl
expect_eq "$(grep -c '"code":"bad-signature"' "$T/out")" "$n" "all $n flips are bad-signature"
expect_eq "$(grep -c '"ok":false' "$T/out")" "$n" "nothing accepted"

# --- accepted once, replay refused, also after a restart ----------------------
expect_status 0 "genuine accepted" -- hmac-verify -k keys.json --replay-store "$RS" <one.json
expect_eq "$(cat "$T/out")" '{"booking":"bk-1042","name":"Ann"}' "body written"
expect_status 1 "replay refused by a new process" -- hmac-verify -k keys.json --replay-store "$RS" <one.json
expect_match '"code":"replayed"' "$(cat "$T/out")" "replayed reason"
expect_match '"input":\{"tenant":"acme"' "$(cat "$T/out")" "input kept whole"

# --- cross-tenant: acme's message presented as globex -------------------------
sed 's/"tenant":"acme"/"tenant":"globex"/' one.json >cross.json
expect_status 1 "cross-tenant refused" -- hmac-verify -k keys.json --replay-store "$RS" <cross.json
expect_match '"code":"bad-signature"' "$(cat "$T/out")" "cross-tenant is bad-signature"
expect_status 1 "--tenant restricts" -- hmac-verify -k keys.json -t globex --replay-store "$RS" <one.json
expect_match '"code":"unknown-tenant"' "$(cat "$T/out")" "other tenant refused"

# --- all refusal reasons in one stream ----------------------------------------
now=$(date +%s)
{
	printf '{"x":1}' | hmac-sign -k keys.json -t acme --timestamp $((now - 400))
	printf '{"x":2}' | hmac-sign -k keys.json -t acme --timestamp $((now + 400))
	printf '{"x":3}' | hmac-sign -k keys.json -t acme | sed 's/"tenant":"acme"/"tenant":"initech"/'
	printf '{"x":4}' | hmac-sign -k keys.json -t acme | sed 's/"body":"{/"body":"{ /'
	echo '{"tenant":"acme","id":"a.b","timestamp":1,"signature":"v1,x","body":"{}"}'
	echo '{"tenant":"acme"]'
	cat one.json
	printf '{"x":5}' | hmac-sign -k keys.json -t acme
	printf 'two\nlines' | hmac-sign -k keys.json -t acme
} >mixed.jsonl
expect_status 1 "mixed stream" -- hmac-verify -k keys.json --replay-store "$RS" --rejects "$T/rejects.jsonl" <mixed.jsonl
out=$(cat "$T/out")
for reason in stale future unknown-tenant bad-signature malformed replayed; do
	expect_match "\"code\":\"$reason\"" "$out" "reason $reason appears"
done
expect_eq "$(grep -c '' "$T/out")" 9 "one line per input item"
expect_eq "$(sed -n 8p "$T/out")" '{"x":5}' "good item accepted in order"
expect_match 'not one line of json' "$(sed -n 9p "$T/out")" "multi-line body explained"
expect_eq "$(grep -c '"ok":false' rejects.jsonl)" 8 "--rejects collects the 8 refusals"
expect_no_match 'whsec_' "$out$(cat "$T/err")" "no secret in any output"
# the multi-line body was not consumed: --envelope takes it
tail -n 1 mixed.jsonl >ml.json
expect_status 0 "--envelope takes a multi-line body" -- hmac-verify -k keys.json -e --replay-store "$RS" <ml.json
expect_match '"body":"two\\nlines"' "$(cat "$T/out")" "envelope written"

# --- rotation: a new key signs, the old one still verifies --------------------
cp keys.json rot.json && chmod 600 rot.json
printf '{"r":1}' | hmac-sign -k rot.json -t globex >old.json
expect_status 0 "new key added" -- hmac-sign -k rot.json -t globex --new-key --key-id g-next
expect_no_match 'whsec_' "$(cat "$T/out")" "--new-key prints no secret"
printf '{"r":2}' | hmac-sign -k rot.json -t globex >new.json
expect_status 1 "new message not signed by the old key" -- hmac-verify -k keys.json --replay-store "$T/rot0.sqlite" <new.json
expect_status 0 "old and new messages both verify" -- sh -c "cat old.json new.json | hmac-verify -k rot.json --replay-store '$T/rot.sqlite'"
expect_eq "$(cat "$T/out")" "$(printf '{"r":1}\n{"r":2}')" "both bodies out"

# --- 16 concurrent verifiers, one message: accepted exactly once --------------
race() {   # race STORE DESC
	printf '{"race":1}' | hmac-sign -k keys.json -t acme >race.json
	rm -f race.out.*
	for i in $(seq 1 16); do
		hmac-verify -k keys.json --replay-store "$1" <race.json >race.out.$i 2>/dev/null &
	done
	wait
	expect_eq "$(cat race.out.* | grep -c '^{"race":1}$')" 1 "$2: accepted once"
	expect_eq "$(cat race.out.* | grep -c '"code":"replayed"')" 15 "$2: 15 replayed"
}
race "$T/race.sqlite" "sqlite"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$T" --daemonize yes \
	--pidfile "$T/redis.pid" >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
	redis-cli -p "$port" ping >/dev/null 2>&1 && break
	sleep 0.2
done
race "redis://127.0.0.1:$port/2" "redis"
expect_status 1 "redis replay refused by a new process" -- hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$port/2" <race.json
key=$(redis-cli -p "$port" -n 2 --scan --pattern 'sfpipe:replay:4:acme:*' | head -n 1)
expect_match '^sfpipe:replay:4:acme:msg_' "$key" "redis key holds (tenant, id)"
ttl=$(redis-cli -p "$port" -n 2 ttl "$key")
expect_match '^(3[3-5][0-9][0-9]|3600)$' "$ttl" "redis entry expires with the store's window ($ttl s)"
kill "$(cat "$T/redis.pid")" 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do
	redis-cli -p "$port" ping >/dev/null 2>&1 || break
	sleep 0.2
done
expect_status 4 "redis down is temporary" -- hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$port/2" <race.json

# --- usage, help, /dev/full ---------------------------------------------------
expect_status 0 "--help" -- hmac-verify --help
expect_match '^usage: hmac-verify' "$(cat "$T/out")" "help on stdout"
expect_status 2 "no keyring is a usage error" -- hmac-verify
expect_status 2 "--lines with --headers" -- hmac-sign -k keys.json -t acme --lines -H
expect_status 6 "/dev/full" -- sh -c "printf '{}' | hmac-sign -k keys.json -t acme >/dev/full"
printf '{"full":1}' | hmac-sign -k keys.json -t acme >full.json
expect_status 6 "/dev/full verify" -- sh -c "hmac-verify -k keys.json --replay-store '$RS' <full.json >/dev/full"

# --- interop with the npm standardwebhooks library -----------------------------
# The pinned package (tests/bench/hmac/package-lock.json) is installed from the
# npm registry when missing; a machine that cannot fails here, not skips.
NM="$SFP_ROOT/tests/bench/hmac/node_modules"
if [ ! -d "$NM/standardwebhooks" ] && command -v npm >/dev/null; then
	(cd "$SFP_ROOT/tests/bench/hmac" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
fi
if [ -d "$NM/standardwebhooks" ] && command -v node >/dev/null; then
	cat >oracle.js <<'EOF'
const { Webhook } = require("standardwebhooks");
const env = JSON.parse(require("fs").readFileSync(0, "utf8"));
const wh = new Webhook(process.env.SW_SECRET);
if (process.argv[2] === "sign") {
	env.signature = wh.sign(env.id, new Date(env.timestamp * 1000), env.body);
	process.stdout.write(JSON.stringify(env) + "\n");
} else {
	wh.verify(env.body, { "webhook-id": env.id, "webhook-timestamp": String(env.timestamp),
		"webhook-signature": env.signature }, { jsonParse: false });
	process.stdout.write("ok\n");
}
EOF
	secret=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0)).acme[0].secret)' <keys.json)
	printf '{"name":"Zo\303\253 \360\237\230\200"}' | hmac-sign -k keys.json -t acme >ours.json
	expect_eq "$(SW_SECRET=$secret NODE_PATH=$NM node oracle.js verify <ours.json 2>&1)" ok "npm verifies ours"
	sed 's/"signature":"[^"]*"/"signature":""/' ours.json | SW_SECRET=$secret NODE_PATH=$NM node oracle.js sign >theirs.json
	expect_status 0 "we verify npm's" -- hmac-verify -k keys.json --replay-store "$T/npm.sqlite" <theirs.json
else
	t_fail "npm interop: node or the standardwebhooks package is missing (npm ci in tests/bench/hmac)"
fi

t_done
