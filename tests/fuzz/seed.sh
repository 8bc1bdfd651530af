#!/bin/sh
# SPDX-License-Identifier: ISC
# Regenerate the seed corpora in tests/fuzz/corpus/ from the tests, the
# examples and the signature shapes of Standard Webhooks and RFC 9421.  Run from the repository root after
# `make`; the output is committed, so the fuzz run needs no program.
set -eu
C=tests/fuzz/corpus
rm -rf $C
mkdir -p $C/stream $C/keyring $C/timefmt $C/webhook $C/rfc9421 $C/envelope $C/org $C/mapping $C/sfresp
seed() { n=$(ls "$C/$1" | wc -l); cat >"$C/$1/seed-$((n + 1))"; }

# stream: every stdin of the program cases, the examples, edge shapes.
for f in tests/cases/*/*/stdin examples/bookings.jsonl examples/booking.json; do
	[ -f "$f" ] && head -c 16384 "$f" | seed stream
done
printf '[1,2,{"a":[true,false,null]}]' | seed stream
printf '{"a":"\\ud83d\\ude00 \\u00e9"}\n{"b":1e308}\n' | seed stream
printf '{"a":1}{"b":2}  \n\n {"c":-0.5E-3}' | seed stream

# keyring
K1=whsec_$(head -c 32 /dev/zero | tr '\0' '\021' | base64 -w0)
K2=whsec_$(head -c 32 /dev/zero | tr '\0' '\042' | base64 -w0)
printf '{"acme":[{"id":"k1","secret":"%s"}],"globex":[{"id":"k2","secret":"%s","not_after":"2027-01-01T00:00:00Z"}]}' "$K1" "$K2" >"$C/keyring/full"
printf '{"acme":[{"id":"2026-11","secret":"%s","not_before":"2026-11-01T00:00:00Z"},{"id":"2026-08","secret":"%s","not_after":"2026-12-01T00:00:00.5Z"}]}' "$K1" "$K2" | seed keyring
printf '{"acme":[{"id":"k","secret":"%s"}],"globex":[{"id":"k","secret":"%s"}]}' "$K1" "$K1" | seed keyring
printf '{}' | seed keyring

# timefmt
for s in 2026-12-01 2026-12-01T09:00 2026-12-01T09:00:00.123+01:00 20261201T090000Z 09:30:00Z \
    '2026-03-29 02:30:00' 2026-10-25T02:30:00+0100 2026-02-29 0000-01-01T00:00:00-23:59 \
    9999-12-31T23:59:59.999999Z 2026-12-01T24:00:00 Europe/Berlin America/Argentina/Buenos_Aires; do
	printf '%s' "$s" | seed timefmt
done

# webhook: id, timestamp, signatures, body (the harness's key is 01 02 .. 08 0 ..)
printf 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W\n1674087231\nv1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,bm9wZQ==\n{"test": 2432232314}' | seed webhook
printf 'msg_1\n1795412345\nv2,abc v1,\n' | seed webhook

# rfc9421: the profile hmac-sign writes, and RFC 9421 Appendix B.2.5
# (https://www.rfc-editor.org/rfc/rfc9421#appendix-B.2.5)
printf 'sig1=("@method" "@target-uri" "content-digest");created=1795412345;nonce="n-1";keyid="acme:k1";alg="hmac-sha256"\nsig1=:K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=:\nPOST\nhttps://hooks.example/booking?x=1\ncontent-digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\ncontent-type: application/json\n' | seed rfc9421
printf 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"\nsig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:\nPOST\nhttps://example.com/foo?param=Value&Pet=dog\ndate: Tue, 20 Apr 2021 02:07:55 GMT\ncontent-type: application/json\n' | seed rfc9421

# envelope: signed with the harness's keys at its clock
T=$(mktemp -d)
printf '{"acme":[{"id":"k1","secret":"%s"}],"globex":[{"id":"k2","secret":"%s"}]}' "$K1" "$K2" >"$T/keys.json"
chmod 600 "$T/keys.json"
for f in tests/cases/sf-map/example/stdin examples/booking.json; do
	[ -f "$f" ] || continue
	bin/hmac-sign -k "$T/keys.json" -t acme --timestamp 1795412345 <"$f" >"$T/env" && seed envelope <"$T/env"
	{ printf '\001'; bin/hmac-sign -k "$T/keys.json" -t acme -H --id msg_h1 --timestamp 1795412345 <"$f"; printf '\n--\n'; cat "$f"; } | seed envelope
done
head -n 5 examples/bookings.jsonl | bin/hmac-sign -k "$T/keys.json" -t globex -l --timestamp 1795412300 | seed envelope
rm -rf "$T"

# org
cp examples/org.json "$C/org/example"
printf '{"status":0,"result":{"id":"00D","accessToken":"00D!x","instanceUrl":"https://acme.my.salesforce.com","username":"a@b.c","clientId":"PlatformCLI","apiVersion":"62.0"}}' | seed org
printf '{"instance_url":"http://acme.my.salesforce.com","login_url":"https://evil.example","api_version":"x"}' | seed org

# mapping: each case's mapping, then "--", then its stdin
for d in tests/cases/sf-map/*/; do
	[ -f "$d/mapping.json" ] || continue
	{ cat "$d/mapping.json"; if [ -f "$d/stdin" ]; then printf '\n--\n'; head -c 8192 "$d/stdin"; fi; } | seed mapping
done

# sfresp: first byte picks the HTTP status (index into the harness's table)
printf '\004[{"message":"Required fields are missing: [Company]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Company"]}]' | seed sfresp
printf '\005[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]' | seed sfresp
printf '\004{"error":"invalid_grant","error_description":"expired access/refresh token"}' | seed sfresp
printf '\015<html>Service Unavailable\r\nretry</html>' | seed sfresp
printf '\012[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]' | seed sfresp
printf '\000{"graphs":[{"graphId":"g0","isSuccessful":true,"graphResponse":{"compositeResponse":[{"body":{"id":"00Q000000000001AAA","success":true,"errors":[],"created":true},"httpHeaders":{},"httpStatusCode":201,"referenceId":"p1_lead"},{"body":{"id":"00U000000000001AAA","success":true,"errors":[]},"httpHeaders":{},"httpStatusCode":201,"referenceId":"p1_event"}]}},{"graphId":"g1","isSuccessful":false,"graphResponse":{"compositeResponse":[{"body":[{"errorCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access to this record"}],"httpHeaders":{},"httpStatusCode":400,"referenceId":"p2_lead"}]}}]}' | seed sfresp
{ printf '\000'; head -n 1 tests/fuzz/fixtures/describe.json; } | seed sfresp
printf '\000api-usage=25/15000' | seed sfresp
echo "seeded $(find $C -type f | wc -l) inputs"
