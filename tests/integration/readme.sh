#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Every command README.md shows is run here (or, for the few that cannot run
# inside `make check`, named with the reason), so the README cannot rot.  A
# command added to a README code block without a line here fails this test.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
R="$SFP_ROOT"

# The commands of README.md's code blocks, continuation lines joined, comments cut.
readme_cmds() {
	awk '/^[ \t]*```sh/{f=1;next} /^[ \t]*```/{f=0} f' "$R/README.md" |
		sed -E 's/^[ \t]+//; s/[ \t]+#.*$//' |
		awk '{ if (sub(/\\$/, "")) { buf = buf $0; next } print buf $0; buf = "" }' |
		sed -E 's/[ \t]+/ /g; s/ $//' | grep -v '^$'
}

covered=(
	"make demo"
	"make check"
	"hmac-verify --keyring keys.json < spool.jsonl | sf-map --mapping mapping.json --describe describe.json | sf-create --rejects rejects.jsonl > results.jsonl"
	"make deps"
	"make"
	"make install PREFIX=/usr/local"
	"make lint"
	"make bench"
	"make fuzz"
	"make dist"
	"dpkg-buildpackage -us -uc -b"
	"cp /etc/sfpipe/env.example /etc/sfpipe/env"
	"systemctl enable --now sfpipe.timer sfpipe-describe.timer"
	"journalctl -u sfpipe.service"
	"umask 077"
	"openssl req -x509 -newkey rsa:2048 -nodes -days 730 -subj \"/CN=sfpipe\" -keyout sfpipe-jwt.key -out sfpipe-jwt.crt"
)
while IFS= read -r cmd; do
	found=0
	for c in "${covered[@]}"; do [ "$c" = "$cmd" ] && found=1; done
	[ $found = 1 ] && t_ok "README command covered: $cmd" ||
		t_fail "README shows a command no test runs: $cmd"
done < <(readme_cmds)

# make demo: the first command a newcomer types.
expect_status 0 "make demo" -- make -s -C "$R" demo
expect_match 'Every booking is accounted for' "$(cat "$T/out")" "make demo tells its story to the end"
# make check: this test runs inside it; make deps, make and make lint run here.
expect_status 0 "make deps (nothing missing after make check installed it)" -- make -s -C "$R" deps
expect_status 0 "make" -- make -s -C "$R"
expect_status 0 "make lint" -- make -s -C "$R" lint
# make install PREFIX=/usr/local: tests/integration/install.sh installs with a
# PREFIX into a DESTDIR and runs the installed programs.
# make bench and make fuzz take minutes: tests/integration/fuzz-smoke.sh runs
# every harness briefly; the bench scripts are run by hand (tests/bench/).
# What they run exists and starts: make bench with no benchmark selected.
expect_status 0 "make bench runs its driver (BENCH=none: none selected)" -- env BENCH=none make -s -C "$R" bench
[ -f "$R/tests/fuzz/run" ] && t_ok "make fuzz's driver exists" || t_fail "tests/fuzz/run is missing"

# make dist: the tarball of the committed tree (tests/package.sh also builds
# from it and checks it is reproducible).
expect_status 0 "make dist" -- make -s -C "$R" dist
v=$(cat "$R/VERSION")
expect_match "^sfpipe-$v/Makefile\$" "$(tar -tzf "$R/sfpipe-$v.tar.gz" 2>/dev/null)" "make dist packs the tree under sfpipe-VERSION/"
rm -f "$R/sfpipe-$v.tar.gz"
# dpkg-buildpackage and the systemd/journalctl lines need root, systemd and
# the package's build dependencies: tests/package.sh (run by .ci/run through
# `make package`) builds and installs the package and checks the units and
# the example settings; here, that what they name exists.
for u in sfpipe.timer sfpipe-describe.timer sfpipe.service; do
	[ -f "$R/examples/systemd/$u" ] && t_ok "README's $u exists" || t_fail "README names $u, which is not in examples/systemd"
done
[ -f "$R/examples/env" ] && grep -q 'env' "$R/Makefile" && t_ok "env.example is installed from examples/env" ||
	t_fail "no examples/env for /etc/sfpipe/env.example"
[ -x "$R/debian/rules" ] && t_ok "debian/rules exists for dpkg-buildpackage" || t_fail "no debian/rules"

# The certificate for the JWT bearer flow, as the setup section makes it.
(
	umask 077
	openssl req -x509 -newkey rsa:2048 -nodes -days 730 -subj "/CN=sfpipe" \
		-keyout sfpipe-jwt.key -out sfpipe-jwt.crt >/dev/null 2>&1
)
expect_eq "$(stat -c %a sfpipe-jwt.key 2>/dev/null)" "600" "the JWT key is made mode 0600"
expect_match 'BEGIN CERTIFICATE' "$(cat sfpipe-jwt.crt 2>/dev/null)" "the certificate to upload is made"

# Setup steps 5-7 and the replay one-liner, against the emulator: an org file in
# the README's shape (pointing at the emulator's host names).
jq -n --arg i "$SF_INSTANCE_URL" --arg l "$SF_LOGIN_URL" --arg c "$SF_CLIENT_ID" \
	--arg u "$SF_USERNAME" --arg k "$SF_JWT_KEY_FILE" \
	'{instanceUrl:$i, loginUrl:$l, clientId:$c, username:$u, jwtKeyFile:$k}' >org.json
(
	unset SF_INSTANCE_URL SF_LOGIN_URL SF_CLIENT_ID SF_USERNAME SF_JWT_KEY_FILE \
		SF_CLIENT_SECRET_FILE SF_REFRESH_TOKEN_FILE
	sf-describe --org org.json Lead Contact Event EventRelation Booking__c >describe.json 2>describe.err
	echo $? >describe.rc
	sf-describe --org org.json --template Lead Event EventRelation >template.json 2>/dev/null
	echo $? >template.rc
)
expect_eq "$(cat describe.rc)" "0" "sf-describe --org org.json Lead Contact Event EventRelation Booking__c"
expect_eq "$(jq -r .name describe.json | tr '\n' ' ')" "Lead Contact Event EventRelation Booking__c " \
	"the org file reaches the org and describes each sObject"
expect_eq "$(cat template.rc)" "0" "sf-describe --org org.json --template Lead Event EventRelation"
expect_status 0 "sf-map --check --describe describe.json mapping.json" -- \
	sf-map --check --describe describe.json "$R/examples/mapping.json"

cp "$R/examples/keyring.json" keys.json && chmod 600 keys.json
expect_status 0 "hmac-sign --keyring keys.json --tenant acme --new-key" -- \
	hmac-sign --keyring keys.json --tenant acme --new-key
expect_no_match 'whsec_' "$(cat "$T/out")" "--new-key prints no secret"
new=$(jq -r '.acme[0].secret' keys.json)
expect_match '^whsec_' "$new" "--new-key put a fresh secret first in the tenant's keys"
expect_no_match "${new#whsec_}" "$(cat "$T/out" "$T/err")" "the new secret appears on neither stdout nor stderr"

# The pipeline, word for word, on the example bookings.
hmac-sign --keyring keys.json --tenant acme --lines <"$R/examples/bookings.jsonl" >spool.jsonl
cp "$R/examples/mapping.json" mapping.json
hmac-verify --keyring keys.json < spool.jsonl \
  | sf-map --mapping mapping.json --describe describe.json \
  | sf-create --rejects rejects.jsonl > results.jsonl
expect_eq "$(grep -c '"ok":true' results.jsonl)" "3" "the README pipeline creates three bookings"
expect_eq "$(grep -c '"ok":false' results.jsonl)" "1" "and reports the one that cannot be mapped"

# Sending failed plans again, as the cron section says: a plan Salesforce
# refuses (no Company) lands in rejects; once fixed, its input goes back in.
echo '{"id":"bk-fix","records":[{"ref":"lead","sobject":"Lead","upsert":{"field":"Booking_Key__c","value":"bk-fix"},"fields":{"LastName":"Fix"}}]}' |
	sf-create --rejects rejects2.jsonl >/dev/null 2>&1
expect_match '"code":"REQUIRED_FIELD_MISSING"' "$(cat rejects2.jsonl)" "a refused plan is kept whole in rejects"
jq -c 'select(.input.records) | .input' rejects2.jsonl |
	jq -c '.records[0].fields.Company = "Fixed Inc"' | sf-create >resent.jsonl 2>/dev/null
expect_match '"ok":true' "$(cat resent.jsonl)" "its input, fixed, goes back through sf-create"
expect_match 'NAME' "$(MANPAGER=cat man ./"$(realpath --relative-to=. "$R/man/sf-create.1")" 2>/dev/null | head -n 3)" \
	"man ./man/sf-create.1 reads a page in place"
t_done
