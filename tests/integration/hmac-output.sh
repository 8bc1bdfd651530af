# SPDX-License-Identifier: ISC
# What a shell user and the next program get: a body from `jq -c` signs and
# verifies (its trailing newline is the shell's, not the body's), and --tagged
# writes the authenticated tenant beside the body, which cannot override it.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json

# --- a trailing newline from jq -c (issue 21) ---------------------------------
jq -nc '{booking:"bk-7",name:"Ann"}' | hmac-sign -k keys.json -t acme >jq.json
expect_eq "$(jq -r .body jq.json)" '{"booking":"bk-7","name":"Ann"}' "the body is jq's line without its newline"
expect_status 0 "jq -c output signed then verified" -- hmac-verify -k keys.json --replay-store "$T/a.sqlite" <jq.json
expect_eq "$(cat "$T/out")" '{"booking":"bk-7","name":"Ann"}' "the body comes out"
printf 'x\n' | hmac-sign -k keys.json -t acme --raw >raw.json
expect_eq "$(jq .body raw.json)" '"x\n"' "--raw keeps the newline"
printf 'x\n\n' | hmac-sign -k keys.json -t acme >two.json
expect_eq "$(jq .body two.json)" '"x\n"' "only one newline is the shell's"
# the same rule for one request given as headers
jq -nc '{h:1}' >body.txt
hmac-sign -k keys.json -t acme -H <body.txt >h.txt
expect_status 0 "--headers: the jq -c body file verifies" -- sh -c "hmac-verify -k keys.json -t acme --headers h.txt --replay-store '$T/b.sqlite' <body.txt"
expect_eq "$(cat "$T/out")" '{"h":1}' "the body as verified"
hmac-sign -k keys.json -t acme -H --raw <body.txt >hraw.txt
expect_status 1 "--raw signed, verified without --raw: the newline matters" -- sh -c "hmac-verify -k keys.json -t acme --headers hraw.txt --replay-store '$T/c.sqlite' <body.txt"
expect_status 0 "--raw on both sides verifies" -- sh -c "hmac-verify -k keys.json -t acme --raw --headers hraw.txt --replay-store '$T/c2.sqlite' <body.txt"
expect_status 2 "--raw with --lines is a usage error" -- hmac-sign -k keys.json -t acme --lines --raw

# --- --tagged (issue 15's contract) -------------------------------------------
{
	jq -nc '{booking:"bk-1"}' | hmac-sign -k keys.json -t acme
	# a body claiming another tenant, and a body member of its own
	jq -nc '{tenant:"globex",body:{tenant:"globex"},booking:"bk-2"}' | hmac-sign -k keys.json -t acme
	printf 'not json' | hmac-sign -k keys.json -t acme
	jq -nc '{booking:"bk-3"}' | hmac-sign -k keys.json -t globex
	printf '{"a":1,"a":2}' | hmac-sign -k keys.json -t acme
} >tag.jsonl
expect_status 1 "--tagged: one non-JSON body and one with duplicate keys refused" -- \
	hmac-verify -k keys.json --tagged --replay-store "$T/t.sqlite" <tag.jsonl
expect_eq "$(sed -n 1p "$T/out")" '{"tenant":"acme","body":{"booking":"bk-1"}}' "tagged line"
expect_eq "$(sed -n 2p "$T/out")" '{"tenant":"acme","body":{"tenant":"globex","body":{"tenant":"globex"},"booking":"bk-2"}}' \
	"a body's own tenant and body stay nested; the outer tenant is the signer's"
expect_eq "$(sed -n 2p "$T/out" | jq -r .tenant)" acme "a JSON reader sees the authenticated tenant"
expect_match '"code":"malformed".*--tagged needs one' "$(sed -n 3p "$T/out")" "a non-JSON body is refused per item"
expect_eq "$(sed -n 4p "$T/out")" '{"tenant":"globex","body":{"booking":"bk-3"}}' "each item tagged with its own tenant"
expect_match '"code":"malformed"' "$(sed -n 5p "$T/out")" "duplicate keys in the body refused"
expect_status 0 "--tagged with --headers" -- sh -c "hmac-verify -k keys.json -t acme --tagged --headers h.txt --replay-store '$T/t2.sqlite' <body.txt"
expect_eq "$(cat "$T/out")" '{"tenant":"acme","body":{"h":1}}' "tagged request"
expect_status 2 "--tagged with --envelope is a usage error" -- hmac-verify -k keys.json --tagged -e </dev/null
expect_status 2 "--raw without --headers is a usage error" -- hmac-verify -k keys.json --raw </dev/null

t_done
