# SPDX-License-Identifier: ISC
# hmac-receive as a program over HTTPS: curl and the npm standardwebhooks signer
# post to it; every refusal reason with its status; resends answered 2xx once
# stored; 16 concurrent senders; kill -9 under load loses no acknowledged
# request and duplicates none; a full disk is 503 and nothing half-written.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
	-keyout tls.key -out tls.crt >/dev/null 2>&1
chmod 600 tls.key
RS="$T/replay.sqlite"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="https://127.0.0.1:$PORT"
RPID=

start_receiver() {   # start_receiver SPOOLDIR [extra args]
	local sp=$1
	shift
	hmac-receive -k keys.json --spool "$sp" --port "$PORT" --replay-store "$RS" --tls-cert tls.crt \
		--tls-key tls.key --public-url "$URL" "$@" 2>>"$T/receiver.err" &
	RPID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null --cacert tls.crt "$URL/" && return 0
		sleep 0.05
	done
	t_fail "receiver did not come up: $(tail -3 "$T/receiver.err")"
}
stop_receiver() { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; }

# post HEADERS BODYFILE [TENANT]: prints "STATUS BODY"
post() {
	curl -s --cacert tls.crt -H @"$1" --data-binary @"$2" -w ' %{http_code}' "$URL/hooks/${3:-acme}"
}
status_of() { printf '%s' "$1" | awk '{print $NF}'; }

start_receiver "$T/spool" --max-body 1500

# --- one request: 200, the tagged line synced in the spool, 0600 files --------
printf '{"booking":"bk-1","name":"Ann"}' >b1
hmac-sign -k keys.json -t acme -H <b1 >h1
r=$(post h1 b1)
expect_eq "$(status_of "$r")" 200 "signed request answered 200"
expect_match '"ok":true,"tenant":"acme","id":"msg_' "$r" "answer names tenant and id"
expect_eq "$(cat spool/spool.jsonl)" '{"tenant":"acme","body":{"booking":"bk-1","name":"Ann"}}' \
	"spool holds the --tagged line"
expect_eq "$(stat -c %a spool/spool.jsonl spool/spool.ids spool | tr '\n' ' ')" "600 600 700 " \
	"spool files owner-only"
hmac-verify -k keys.json -t acme --headers h1 --tagged --replay-store "$T/cmp.sqlite" <b1 >tagged.ref
expect_file_eq spool/spool.jsonl tagged.ref "same line hmac-verify --tagged writes"

# --- a resend (the answer was lost) is 200 again and stored once --------------
r=$(post h1 b1)
expect_eq "$(status_of "$r")" 200 "resend answered 200"
expect_match '"duplicate":true' "$r" "resend marked duplicate"
expect_eq "$(wc -l <spool/spool.jsonl)" 1 "resend not stored twice"

# --- every refusal reason with its status -------------------------------------
refused() {   # refused WANT CODE DESC -- curl args
	local want=$1 code=$2 desc=$3 got
	shift 4
	got=$(curl -s --cacert tls.crt -w ' %{http_code}' "$@")
	expect_eq "$(status_of "$got")" "$want" "$desc: status"
	expect_match "\"code\":\"$code\"" "$got" "$desc: code $code"
}
lines0=$(wc -l <spool/spool.jsonl)
printf '{"booking":"bk-2"}' >b2
hmac-sign -k keys.json -t acme -H <b2 >h2
head -2 h2 >h2.missing
refused 400 malformed "missing webhook-signature" -- -H @h2.missing --data-binary @b2 "$URL/hooks/acme"
printf 'not json' >nj
hmac-sign -k keys.json -t acme -H <nj >hnj
refused 400 malformed "body not one line of json" -- -H @hnj --data-binary @nj "$URL/hooks/acme"
printf '{"booking":"bk-3"}' >b2x
refused 401 bad-signature "body changed after signing" -- -H @h2 --data-binary @b2x "$URL/hooks/acme"
refused 401 bad-signature "acme's request to globex (only globex's keys tried)" -- \
	-H @h2 --data-binary @b2 "$URL/hooks/globex"
refused 403 unknown-tenant "tenant not in the keyring" -- -H @h2 --data-binary @b2 "$URL/hooks/nobody"
refused 403 unknown-tenant "tenant name with a path in it" -- --path-as-is -H @h2 --data-binary @b2 "$URL/hooks/acme/../globex"
hmac-sign -k keys.json -t acme -H --timestamp $(($(date +%s) - 400)) <b2 >hstale
refused 422 stale "400 s old" -- -H @hstale --data-binary @b2 "$URL/hooks/acme"
hmac-sign -k keys.json -t acme -H --timestamp $(($(date +%s) + 400)) <b2 >hfut
refused 422 future "400 s ahead" -- -H @hfut --data-binary @b2 "$URL/hooks/acme"
head -c 2000 /dev/zero | tr '\0' 'x' | sed 's/.*/{"pad":"&"}/' | tr -d '\n' >big
hmac-sign -k keys.json -t acme -H <big >hbig
refused 413 too-large "body over --max-body" -- -H @hbig --data-binary @big "$URL/hooks/acme"
refused 405 method "GET" -- "$URL/hooks/acme"
refused 404 not-found "outside /hooks/" -- -H @h2 --data-binary @b2 "$URL/other/acme"
# an id another verifier of the same replay store accepted first
hmac-sign -k keys.json -t acme --id msg_taken <b2 >taken.env
hmac-verify -k keys.json --replay-store "$RS" <taken.env >/dev/null
hmac-sign -k keys.json -t acme -H --id msg_taken <b2 >htaken
refused 409 replayed "id taken by another verifier" -- -H @htaken --data-binary @b2 "$URL/hooks/acme"
expect_eq "$(wc -l <spool/spool.jsonl)" "$lines0" "no refusal reached the spool"
expect_no_match 'whsec_' "$(cat "$T/receiver.err")" "no secret in the log"

# --- RFC 9421 ------------------------------------------------------------------
printf '{"booking":"bk-9421"}' >b9
hmac-sign -k keys.json -t acme --scheme rfc9421 --method POST --url "$URL/hooks/acme" <b9 >h9
expect_eq "$(status_of "$(post h9 b9)")" 200 "rfc 9421 request answered 200"
expect_eq "$(tail -1 spool/spool.jsonl)" '{"tenant":"acme","body":{"booking":"bk-9421"}}' "rfc 9421 stored"
hmac-sign -k keys.json -t acme --scheme rfc9421 --method POST --url "$URL/hooks/globex" <b9 >h9g
expect_eq "$(status_of "$(post h9g b9 globex)")" 401 "rfc 9421 signed by acme, sent to globex"

# --- the npm standardwebhooks library posts (node's own https client) ----------
NM="$SFP_ROOT/tests/bench/hmac/node_modules"
if [ ! -d "$NM/standardwebhooks" ] && command -v npm >/dev/null; then
	(cd "$SFP_ROOT/tests/bench/hmac" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1)
fi
if [ -d "$NM/standardwebhooks" ] && command -v node >/dev/null; then
	cat >npmpost.js <<'EOF'
const { Webhook } = require("standardwebhooks");
const https = require("https");
const [url, id, body] = process.argv.slice(2);
const wh = new Webhook(process.env.SW_SECRET);
const now = new Date();
const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now / 1000)),
	"webhook-signature": wh.sign(id, now, body), "content-type": "application/json" };
const req = https.request(url, { method: "POST", headers }, (res) => {
	let text = ""; res.on("data", (d) => text += d);
	res.on("end", () => process.stdout.write(res.statusCode + " " + text + "\n"));
});
req.end(body);
EOF
	secret=$(jq -r '.acme[0].secret' keys.json)
	got=$(SW_SECRET=$secret NODE_PATH=$NM NODE_EXTRA_CA_CERTS=tls.crt node npmpost.js \
		"$URL/hooks/acme" msg_npm1 '{"booking":"bk-npm","name":"Zoë"}')
	expect_match '^200 \{"ok":true' "$got" "npm standardwebhooks request answered 200"
	expect_eq "$(tail -1 spool/spool.jsonl)" '{"tenant":"acme","body":{"booking":"bk-npm","name":"Zoë"}}' \
		"npm's request stored byte for byte"
	got=$(SW_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw NODE_PATH=$NM NODE_EXTRA_CA_CERTS=tls.crt \
		node npmpost.js "$URL/hooks/acme" msg_npm2 '{"booking":"bk-npm2"}')
	expect_match '^401 ' "$got" "npm request under another secret refused"
else
	t_fail "npm interop: node or the standardwebhooks package is missing (npm ci in tests/bench/hmac)"
fi

# --- plain HTTP to the HTTPS port is not served --------------------------------
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H @h2 --data-binary @b2 \
	"http://127.0.0.1:$PORT/hooks/acme")" 000 "no plaintext on the tls port"

# --- 16 concurrent senders ------------------------------------------------------
sender() {   # sender N COUNT: posts COUNT distinct requests, logs the acknowledged ids
	local n=$1 i
	for i in $(seq "$2"); do
		printf '{"booking":"s%s-%s"}' "$n" "$i" >"snd$n.b"
		hmac-sign -k keys.json -t acme -H --id "msg_s$n-$i" <"snd$n.b" >"snd$n.h"
		[ "$(status_of "$(post "snd$n.h" "snd$n.b")")" = 200 ] && echo "s$n-$i" >>"acks$n"
	done
	return 0
}
before=$(wc -l <spool/spool.jsonl)
for n in $(seq 16); do sender "$n" 15 & done
wait_senders() { for p in $(jobs -p); do [ "$p" = "$RPID" ] || wait "$p"; done; }
wait_senders
acked=$(cat acks* | wc -l)
expect_eq "$acked" 240 "16 senders x 15: all acknowledged"
expect_eq "$(($(wc -l <spool/spool.jsonl) - before))" 240 "240 lines stored"
expect_eq "$(jq -r '.body.booking' spool/spool.jsonl | grep '^s' | sort | uniq -d | wc -l)" 0 \
	"no booking twice"
stop_receiver
rm -f acks*

# --- kill -9 under load: nothing acknowledged lost, nothing twice ---------------
# Each sender resends a request until it is answered 200 (what a webhook sender
# does); the receiver is killed with SIGKILL twice while they run.
loader() {   # loader N COUNT
	local n=$1 i tries
	for i in $(seq "$2"); do
		printf '{"booking":"k%s-%s"}' "$n" "$i" >"ld$n.b"
		hmac-sign -k keys.json -t acme -H --id "msg_k$n-$i" <"ld$n.b" >"ld$n.h"
		tries=0
		until [ "$(status_of "$(post "ld$n.h" "ld$n.b")")" = 200 ]; do
			tries=$((tries + 1))
			[ "$tries" -gt 200 ] && { echo "k$n-$i" >>"gaveup$n"; break; }
			sleep 0.05
		done
		[ "$tries" -le 200 ] && echo "k$n-$i" >>"kacks$n"
	done
	return 0
}
start_receiver "$T/kspool"
for n in $(seq 16); do loader "$n" 12 & done
LOADERS=$(jobs -p | grep -vx "$RPID")
for round in 1 2; do
	sleep 0.7
	kill -9 "$RPID"; wait "$RPID" 2>/dev/null
	start_receiver "$T/kspool"
done
for p in $LOADERS; do wait "$p"; done
stop_receiver
expect_eq "$(cat gaveup* 2>/dev/null | wc -l)" 0 "every request acknowledged in the end"
cat kacks* | sort >kacked
jq -r '.body.booking' kspool/spool.jsonl | sort >kstored
expect_eq "$(wc -l <kacked)" 192 "192 acknowledged"
expect_eq "$(comm -23 kacked kstored | wc -l)" 0 "no acknowledged request lost"
expect_eq "$(uniq -d kstored | wc -l)" 0 "no request stored twice"
expect_eq "$(wc -l <kstored)" 192 "spool lines = acknowledgements"

# --- a full disk: 503, nothing half-written, then accepted once there is room ----
# A file size limit (RLIMIT_FSIZE) stands for the full disk: write(2) fails
# with EFBIG exactly as ENOSPC would, and it needs no privilege.
printf '{"pad":"%s"}' "$(head -c 60000 /dev/zero | tr '\0' 'y')" >fat
hmac-sign -k keys.json -t acme -H <fat >hfat1
hmac-sign -k keys.json -t acme -H <fat >hfat2
(ulimit -f 100; exec hmac-receive -k keys.json --spool "$T/fspool" --port "$PORT" --replay-store "$T/f.sqlite" \
	--tls-cert tls.crt --tls-key tls.key --max-body 100000 2>>"$T/receiver.err") &
RPID=$!
for _ in $(seq 100); do curl -s -o /dev/null --cacert tls.crt "$URL/" && break; sleep 0.05; done
expect_eq "$(status_of "$(post hfat1 fat)")" 200 "first 60 kB fits under 100 kB"
r=$(post hfat2 fat)
expect_eq "$(status_of "$r")" 503 "second would pass the limit: 503"
expect_match '"code":"unavailable"' "$r" "503 says unavailable"
expect_eq "$(wc -l <fspool/spool.jsonl)" 1 "no half line left"
expect_eq "$(tail -c 1 fspool/spool.jsonl | od -An -c | tr -d ' ')" '\n' "spool ends with a whole line"
stop_receiver
start_receiver "$T/fspool" --max-body 100000
expect_eq "$(status_of "$(post hfat2 fat)")" 200 "the resend succeeds once there is room"
expect_eq "$(wc -l <fspool/spool.jsonl)" 2 "stored once"
stop_receiver
expect_match 'cannot store' "$(cat "$T/receiver.err")" "the failure is logged"

# --- systemd socket activation (examples/systemd/hmac-receive.socket) -----------
# systemd-socket-activate holds the port as systemd does and hands it over as fd 3.
if command -v systemd-socket-activate >/dev/null; then
	systemd-socket-activate -l "127.0.0.1:$PORT" hmac-receive -k keys.json --spool "$T/aspool" \
		--replay-store "$RS" --tls-cert tls.crt --tls-key tls.key 2>>"$T/receiver.err" &
	APID=$!
	sleep 0.3
	printf '{"booking":"bk-socket"}' >bs
	hmac-sign -k keys.json -t acme -H <bs >hs
	expect_eq "$(status_of "$(post hs bs)")" 200 "served on the socket systemd passed"
	expect_eq "$(cat aspool/spool.jsonl)" '{"tenant":"acme","body":{"booking":"bk-socket"}}' \
		"socket-activated receiver stores"
	kill "$APID"; wait "$APID" 2>/dev/null
else
	t_fail "systemd-socket-activate is missing (Debian package systemd)"
fi

# --- one receiver per spool ------------------------------------------------------
start_receiver "$T/spool" --max-body 1500
expect_status 4 "a second receiver on the same spool is refused" -- \
	hmac-receive -k keys.json --spool "$T/spool" --port 1 --replay-store "$RS"
expect_match 'spool-locked|another hmac-receive' "$(cat "$T/err")" "says the spool is held"
stop_receiver

t_done
