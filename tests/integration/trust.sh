#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Nothing another local user can write changes where sfpipe sends credentials
# or whom it trusts (issue 16).  The attack: an org file another user could
# write named that user's CA ("caFile"), pointed login.salesforce.com at that
# user's server ("resolve") on its port, and the JWT assertion went there.
# Here the emulator plays the attacker's server; every refusal is checked by
# the emulator's request count not moving, next to a control that does reach it.
. "$SFP_ROOT/tests/lib.sh"
need_emulator
cd "$T" || exit 1
requests() { emu_admin GET /__emu/stats | jq .requests; }
# The attacker's settings, as an org file carries them.
port=${SF_LOGIN_URL##*:}
org_json() {
	jq -n --arg ca "$SF_CA_FILE" --arg res "$SF_RESOLVE" --arg login "$SF_LOGIN_URL" \
		--arg inst "$SF_INSTANCE_URL" \
		'{caFile: $ca, resolve: $res, loginUrl: $login, instanceUrl: $inst}'
}
# sf-describe through the JWT flow with the org file's settings only.
describe_with() {
	env -u SF_CA_FILE -u SF_RESOLVE -u SF_LOGIN_URL -u SF_INSTANCE_URL \
		sf-describe --no-cache --flow jwt --org "$1" Lead
}

org_json >good.json && chmod 600 good.json
n0=$(requests)
expect_status 0 "control: an org file of ours, test mode on, reaches the emulator" -- describe_with good.json
n1=$(requests)
[ "$n1" -gt "$n0" ] && t_ok "control: the emulator saw the requests" || t_fail "control: no request reached the emulator"

# 1. An org file others may write is refused, even with no token in it.
org_json >open.json && chmod 666 open.json
expect_status 3 "an org file writable by others is refused" -- describe_with open.json
expect_match 'open.json: refused: writable by group or others' "$(cat "$T/err")" "and the message says why"
jq -n --arg i "$SF_INSTANCE_URL" '{instanceUrl: $i}' >plain.json && chmod 664 plain.json
expect_status 3 "an org file with no token and no test setting is checked too" -- \
	env SF_ACCESS_TOKEN=00Dxx0000000000!AQ0AQPkRvPzQbEXAMPLETOKEN sf-describe --no-cache --org plain.json Lead
expect_eq "$(requests)" "$n1" "no request reached the attacker's server"

# 2. Outside test mode the test settings are refused, from the environment and
# from an org file of our own.
expect_status 3 "SF_CA_FILE and SF_RESOLVE in the environment, test mode off" -- \
	env -u SFPIPE_TEST_EMULATOR sf-describe --no-cache --flow jwt Lead
expect_match 'SF_CA_FILE: a test setting, honoured only with SFPIPE_TEST_EMULATOR=1' "$(cat "$T/err")" \
	"and the message names the switch"
expect_status 3 "caFile and resolve in our own org file, test mode off" -- \
	env -u SFPIPE_TEST_EMULATOR sh -c 'env -u SF_CA_FILE -u SF_RESOLVE -u SF_LOGIN_URL -u SF_INSTANCE_URL sf-describe --no-cache --flow jwt --org good.json Lead'
expect_status 3 "SF_RESOLVE alone, test mode off" -- \
	env -u SFPIPE_TEST_EMULATOR -u SF_CA_FILE sf-describe --no-cache --flow jwt Lead
expect_status 3 "SFPIPE_TEST_EMULATOR=yes is not the switch" -- \
	env SFPIPE_TEST_EMULATOR=yes sf-describe --no-cache --flow jwt Lead
expect_eq "$(requests)" "$n1" "no request reached the emulator"

# 3. Even in test mode, SF_RESOLVE leads only to loopback.
expect_status 3 "SF_RESOLVE to a non-loopback address" -- \
	env SF_RESOLVE="login.salesforce.com:$port:192.0.2.7" sf-describe --no-cache --flow jwt Lead
expect_match 'refused address 192.0.2.7' "$(cat "$T/err")" "and the address is named"

# 4. A CA file others may write is refused in test mode.
cp "$SF_CA_FILE" ca.pem && chmod 666 ca.pem
expect_status 3 "a CA file writable by others" -- env SF_CA_FILE="$T/ca.pem" sf-describe --no-cache --flow jwt Lead
expect_match 'refused: writable by group or others' "$(cat "$T/err")" "and the message says why"

# 5. Port 443 only outside test mode.
expect_status 3 "an instance url with another port, test mode off" -- \
	env -u SFPIPE_TEST_EMULATOR -u SF_CA_FILE -u SF_RESOLVE SF_INSTANCE_URL=https://acme.my.salesforce.com:8443 \
	SF_ACCESS_TOKEN=00Dxx0000000000!AQ0AQPkRvPzQbEXAMPLETOKEN sf-describe --no-cache Lead
expect_match 'refused port 8443' "$(cat "$T/err")" "the port is named"
expect_status 3 "a login url with another port, test mode off" -- \
	env -u SFPIPE_TEST_EMULATOR -u SF_CA_FILE -u SF_RESOLVE SF_LOGIN_URL=https://login.salesforce.com:4443 \
	sf-describe --no-cache --flow jwt Lead
expect_eq "$(requests)" "$n1" "nothing reached the emulator"

# 6. Two users: the org file, or the CA file, is the other user's.
if other_user; then
	org_json >"$SHARED/org.json" && chown "$OTHER" "$SHARED/org.json" && chmod 644 "$SHARED/org.json"
	expect_status 3 "an org file another user owns (mode 644) is refused" -- describe_with "$SHARED/org.json"
	expect_match 'refused: owned by another user' "$(cat "$T/err")" "and says why"
	cp "$SF_CA_FILE" "$SHARED/ca.pem" && chown "$OTHER" "$SHARED/ca.pem" && chmod 644 "$SHARED/ca.pem"
	expect_status 3 "a CA file another user owns is refused" -- \
		env SF_CA_FILE="$SHARED/ca.pem" sf-describe --no-cache --flow jwt Lead
	expect_eq "$(requests)" "$n1" "no credential went to the other user's server"
else
	echo "  (trust: not root, the two-user cases need useradd; skipped)"
fi
t_done
