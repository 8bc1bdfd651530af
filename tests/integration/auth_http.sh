# SPDX-License-Identifier: ISC
# The transport's promises, seen from a server of our own (the emulator's TLS
# certificate, a Salesforce host name): redirects are never followed, whatever
# they point at; the request carries sfpipe's User-Agent and asks for gzip.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
export SFPIPE_CACHE_DIR="$T/cache"

cat >"$T/srv.py" <<'PY'
import http.server, json, ssl, sys
d, log, target = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "ua": self.headers.get("User-Agent"),
                                "ae": self.headers.get("Accept-Encoding")}) + "\n")
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/server.pem", d + "/server.key")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY

for target in https://evil.example/services/data/v62.0/sobjects/Lead/describe \
	https://login.salesforce.com.evil.example/x http://acme.my.salesforce.com/x; do
	: >"$T/log"
	# The background start truncates the port file later, on its own time: a
	# stale port from the last round must not be read as this server's.
	rm -f "$T/port"
	python3 "$T/srv.py" "$SFEMU_DIR" "$T/log" "$target" >"$T/port" &
	pid=$!
	for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.2; done
	[ -s "$T/port" ] || { t_fail "test server did not start"; continue; }
	port=$(cat "$T/port")
	host=${target#*://}; host=${host%%/*}
	SF_ACCESS_TOKEN=00Dredirect!AQnotarealtokenbutlongenough \
	SF_INSTANCE_URL=https://redir.my.salesforce.com:$port \
	SF_RESOLVE=redir.my.salesforce.com:$port:127.0.0.1 \
		expect_status 3 "redirect to $host refused" -- sf-describe --no-cache Lead
	expect_match "redirect to $host not followed" "$(cat "$T/err")" "the redirect target is named"
	expect_eq "$(wc -l <"$T/log")" 1 "one request only, to the instance ($host)"
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done
# A checkout adds the revision as a User-Agent comment: "sfpipe/0.2.0 (git abc1234)" (RFC 9110 10.1.5).
expect_eq "$(jq -r .ua "$T/log")" "sfpipe/$(sf-describe --version | cut -d " " -f 2-)" "User-Agent sfpipe/<version>"
expect_match 'gzip' "$(jq -r .ae "$T/log")" "Accept-Encoding offers gzip"
expect_no_match 'notarealtoken' "$(cat "$T/err")" "the token is not in the message"
t_done
