# SPDX-License-Identifier: ISC
# The Redis replay store with credentials and TLS, against real redis-servers
# this test starts (issue 16): requirepass, an ACL user, TLS with certificates
# made here by openssl (a wrong CA and a wrong name must fail), and a fleet
# set-up that names Redis but cannot reach it, or names nothing, failing loudly.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
started=""
start_redis() {   # start_redis NAME PORT-TO-PING CLI-ARGS -- SERVER-ARGS
	local name=$1 i
	shift
	redis-server --bind 127.0.0.1 --save '' --appendonly no --dir "$T" --daemonize yes \
		--pidfile "$T/$name.pid" --logfile "$T/$name.log" "$@" >/dev/null
	started="$started $name"
	for i in $(seq 1 50); do [ -s "$T/$name.pid" ] && grep -q 'Ready to accept' "$T/$name.log" && return 0; sleep 0.1; done
	t_fail "redis $name did not start: $(tail -n 3 "$T/$name.log")"
}
trap 'for n in $started; do kill "$(cat "$T/$n.pid")" 2>/dev/null; done' EXIT
msg() { printf '{"r":%s}' "$1" | hmac-sign -k keys.json -t acme; }

# --- requirepass, password from a 0600 file -------------------------------
p1=$(free_port)
start_redis pw --port "$p1" --requirepass 's3cret pass:word'
printf 's3cret pass:word\n' >pw.auth && chmod 600 pw.auth
msg 1 >m1.json
expect_status 5 "requirepass: no credentials is an auth failure" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/1" <m1.json
expect_match 'NOAUTH' "$(cat "$T/err")" "the server's reason"
expect_status 0 "requirepass: accepted with --redis-auth" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/1" --redis-auth pw.auth <m1.json
expect_status 1 "requirepass: replay refused" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/1" --redis-auth pw.auth <m1.json
expect_match '"code":"replayed"' "$(cat "$T/out")" "replayed"
printf 'wrong\n' >bad.auth && chmod 600 bad.auth
expect_status 5 "a wrong password is refused (exit 5)" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/1" --redis-auth bad.auth <m1.json
expect_no_match 'wrong|s3cret' "$(cat "$T/err")" "no password in the message"
cp pw.auth open.auth && chmod 644 open.auth
expect_status 3 "an auth file readable by others is refused" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/1" --redis-auth open.auth <m1.json
expect_match 'chmod 600' "$(cat "$T/err")" "says how to fix"
expect_status 2 "credentials in the URL are refused" -- \
	hmac-verify -k keys.json --replay-store "redis://:s3cret@127.0.0.1:$p1/1" <m1.json

# --- a password never crosses the network in clear ----------------------------
# redis:// with --redis-auth reaches only this host; another needs rediss://.
msg 10 >m10.json
expect_status 2 "redis:// with a password to another host is refused" -- \
	hmac-verify -k keys.json --replay-store "redis://192.0.2.1:$p1/1" --redis-auth pw.auth <m10.json
expect_match 'in clear.*use rediss://' "$(cat "$T/err")" "says why and what to use"
expect_no_match 's3cret' "$(cat "$T/err")" "no password in the message"
expect_eq "$(cat "$T/out")" "" "nothing accepted"
expect_status 2 "hmac-receive: the same refusal, before it serves" -- \
	timeout 20 hmac-receive -k keys.json --spool "$T/spool" --port "$(free_port)" \
	--replay-store "redis://192.0.2.1:$p1/1" --redis-auth pw.auth
expect_match 'in clear' "$(cat "$T/err")" "hmac-receive says why"
expect_status 0 "a name for this host is loopback: accepted" -- \
	hmac-verify -k keys.json --replay-store "redis://localhost:$p1/1" --redis-auth pw.auth <m10.json
# A server on this machine's own non-loopback address: reached without a
# password, never sent one in clear.
wide=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n 1)
if [ -n "$wide" ]; then
	pw=$(free_port)
	start_redis wide --port "$pw" --bind "127.0.0.1 $wide" --protected-mode no
	conns() { redis-cli -p "$pw" INFO stats | tr -d '\r' | sed -n 's/^total_connections_received://p'; }
	before=$(conns)
	expect_status 2 "redis:// with a password to $wide (not loopback) is refused" -- \
		hmac-verify -k keys.json --replay-store "redis://$wide:$pw/1" --redis-auth pw.auth <m10.json
	expect_eq "$(conns)" "$((before + 1))" "the refused run never connected (only redis-cli did)"
	msg 11 >m11.json
	expect_status 0 "redis:// without a password to $wide works" -- \
		hmac-verify -k keys.json --replay-store "redis://$wide:$pw/1" <m11.json
else
	t_ok "no non-loopback address here: the refusal is shown by 192.0.2.1 above"
fi

# --- an ACL user limited to our keys -------------------------------------------
redis-cli -p "$p1" --no-auth-warning -a 's3cret pass:word' ACL SETUSER sfpipe on '>acl-pw' \
	'~sfpipe:replay:*' '+set' '+select' >/dev/null
printf 'sfpipe\nacl-pw\n' >acl.auth && chmod 600 acl.auth
msg 2 >m2.json
expect_status 0 "ACL user: accepted" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/2" --redis-auth acl.auth <m2.json
expect_status 1 "ACL user: replay refused" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/2" --redis-auth acl.auth <m2.json
printf 'sfpipe\nnot-it\n' >aclbad.auth && chmod 600 aclbad.auth
expect_status 5 "ACL user with a wrong password: exit 5" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p1/2" --redis-auth aclbad.auth <m2.json

# --- TLS, certificates made here ------------------------------------------------
mkca() {   # mkca NAME: a self-signed CA
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 \
		-subj "/CN=$1" >/dev/null 2>&1
}
mkcert() {   # mkcert NAME CA SAN
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" >/dev/null 2>&1
	printf 'subjectAltName=%s\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem" >/dev/null 2>&1
}
mkca ca && mkca otherca
mkcert server ca 'DNS:localhost,IP:127.0.0.1'
mkcert elsewhere ca 'DNS:redis.example.org'
chmod 644 ca.pem otherca.pem
p2=$(free_port)
start_redis tls --port 0 --tls-port "$p2" --tls-cert-file server.pem --tls-key-file server.key \
	--tls-ca-cert-file ca.pem --tls-auth-clients no --requirepass 's3cret pass:word'
msg 3 >m3.json
expect_status 0 "TLS: accepted, certificate verified against the given CA" -- \
	hmac-verify -k keys.json --replay-store "rediss://127.0.0.1:$p2/1" --redis-ca ca.pem --redis-auth pw.auth <m3.json
expect_status 1 "TLS: replay refused" -- \
	hmac-verify -k keys.json --replay-store "rediss://localhost:$p2/1" --redis-ca ca.pem --redis-auth pw.auth <m3.json
expect_match '"code":"replayed"' "$(cat "$T/out")" "replayed over TLS, by name"
expect_status 5 "TLS: a wrong CA fails" -- \
	hmac-verify -k keys.json --replay-store "rediss://127.0.0.1:$p2/1" --redis-ca otherca.pem --redis-auth pw.auth <m3.json
expect_match 'certificate' "$(cat "$T/err")" "says the certificate was not trusted"
expect_status 5 "TLS: the system store does not trust our test CA" -- \
	hmac-verify -k keys.json --replay-store "rediss://127.0.0.1:$p2/1" --redis-auth pw.auth <m3.json
expect_status 4 "plain redis:// to a TLS port does not pass" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$p2/1" --redis-auth pw.auth <m3.json
expect_no_match '^\{"r":3\}$' "$(cat "$T/out")" "nothing accepted in clear"
cp ca.pem shared-ca.pem && chmod 666 shared-ca.pem
expect_status 3 "a CA file others may write is refused" -- \
	hmac-verify -k keys.json --replay-store "rediss://127.0.0.1:$p2/1" --redis-ca shared-ca.pem --redis-auth pw.auth <m3.json
p3=$(free_port)
start_redis tlsname --port 0 --tls-port "$p3" --tls-cert-file elsewhere.pem --tls-key-file elsewhere.key \
	--tls-ca-cert-file ca.pem --tls-auth-clients no
expect_status 5 "TLS: a trusted certificate for another name fails" -- \
	hmac-verify -k keys.json --replay-store "rediss://127.0.0.1:$p3/1" --redis-ca ca.pem <m3.json

# --- a fleet set-up that cannot reach Redis, or names nothing ------------------
dead=$(free_port)
expect_status 4 "unreachable redis: exit 4" -- \
	hmac-verify -k keys.json --replay-store "redis://127.0.0.1:$dead/1" <m3.json
expect_match 'cannot reach the redis replay store' "$(cat "$T/err")" "a clear message"
unset REDIS_URL
mkdir -m 700 cache
expect_status 2 "an unset REDIS_URL (--replay-store \"\") is a usage error" -- \
	env SFPIPE_CACHE_DIR="$T/cache" hmac-verify -k keys.json --replay-store "${REDIS_URL:-}" <m3.json
expect_match 'empty' "$(cat "$T/err")" "says it is empty"
expect_eq "$(ls cache)" "" "no local store made instead"

t_done
