# SPDX-License-Identifier: ISC
# examples/provision-send.sh posts a signed request (curl) to a web server that
# spools it under SPOOL/TENANT/; examples/provision-receive.sh (the cron job)
# verifies it and sf-provision --tenants makes the community user; a replayed
# and a tampered request end in SPOOL/refused with no user made.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
export SFPIPE_CACHE_DIR="$T/cache"
EX=$SFP_ROOT/examples

cp "$EX/keyring.json" keys.json && chmod 600 keys.json
ADMIN=$(jq -r '.orgs[0].admin_user_id' "$SFEMU_ORGS_FILE")
mkdir -m 700 tenants tenants/acme
printf '{"orgId":"%s","username":"integration@acme.example"}\n' \
	"$(jq -r '.orgs[0].org_id' "$SFEMU_ORGS_FILE")" >tenants/acme/tenant.json
printf '{"instanceUrl":"%s","loginUrl":"%s","clientId":"%s","username":"integration@acme.example","jwtKeyFile":"%s","flow":"jwt"}\n' \
	"$SF_INSTANCE_URL" "$SF_LOGIN_URL" "$SF_CLIENT_ID" "$SF_JWT_KEY_FILE" >tenants/acme/org.json
jq --arg a "$ADMIN" '.accountOwnerId = $a' "$EX/provision.json" >tenants/acme/provision.json
chmod 600 tenants/acme/*.json
emu_admin POST /__emu/reset >/dev/null
emu_admin POST /__emu/config '{"manage_external_users":1}' >/dev/null

# The web server: each POST /hooks/TENANT becomes SPOOL/TENANT/N.headers + N.body.
mkdir -p spool
cat >server.py <<'EOF'
import http.server, os, sys
spool = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        tenant = self.path.rsplit("/", 1)[-1]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        d = os.path.join(spool, tenant); os.makedirs(d, exist_ok=True)
        H.n += 1
        with open(os.path.join(d, "%d.headers" % H.n), "w") as f:
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature"):
                f.write("%s: %s\n" % (k, self.headers[k]))
        with open(os.path.join(d, "%d.body" % H.n), "wb") as f:
            f.write(body)
        self.send_response(202); self.end_headers(); self.wfile.write(b"accepted\n")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
EOF
python3 server.py "$T/spool" >port &
srv=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s port ] && break; sleep 0.2; done
URL="http://127.0.0.1:$(cat port)/hooks/acme"

expect_status 0 "provision-send.sh posts the signed request" -- \
	env PROVISION_URL="$URL" KEYRING=keys.json TENANT=acme sh "$EX/provision-send.sh"
expect_eq "$(cat "$T/out")" accepted "the server accepted it"
cp spool/acme/1.headers replay.headers && cp spool/acme/1.body replay.body
expect_status 0 "provision-receive.sh makes the user" -- sh "$EX/provision-receive.sh" spool keys.json tenants
expect_eq "$(jq -r 'select(.outcome) | .outcome' spool/results.jsonl)" created "created"
u=$(emu_admin GET "/__emu/records?sobject=User" | jq -c '.records[] | select(.fields.Provisioning_Key__c == "acme:u-1042") | .fields')
expect_eq "$(printf '%s' "$u" | jq -r '[.IsActive, .UserType, .Username] | @tsv')" \
	"$(printf 'true\tCspLitePortal\tada@analytical.example.acmeportal')" "an active community user"
expect_eq "$(ls spool/done | wc -l)" 2 "the request moved to done"

# the same message again (a replay) and a tampered one: refused, no call
cp replay.headers spool/acme/9.headers && cp replay.body spool/acme/9.body
sed 's/Lovelace/Lovelace-Evil/' replay.body >spool/acme/10.body && cp replay.headers spool/acme/10.headers
c0=$(emu_admin GET /__emu/stats | jq -r .api_calls)
expect_status 0 "the receiver runs over a replay and a tampered request" -- \
	sh "$EX/provision-receive.sh" spool keys.json tenants
expect_eq "$(ls spool/refused | wc -l)" 4 "both refused"
expect_match '"code":"replayed"' "$(cat spool/results.jsonl)" "the replay named"
expect_match '"code":"bad-signature"' "$(cat spool/results.jsonl)" "the tampering named"
expect_eq "$(($(emu_admin GET /__emu/stats | jq -r .api_calls) - c0))" 0 "no API call"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
t_done
