# SPDX-License-Identifier: ISC
# The keyring under attack (issue 16): secrets HMAC cannot tell apart, twelve
# --new-key runs at once, a FIFO named as the keyring.  One local user
# suffices for each: the shared secret is a tenant's doing, the lost keys come
# from one operator's concurrent runs, and the FIFO hung the open before any
# owner check could run, so the hang itself is what is tested (a FIFO another
# user owns is refused by that check as well, once it is reached).
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
acme=$(jq -r '.acme[0].secret' keys.json)

# --- a secret and the same bytes plus zero bytes are one HMAC key ------------
twin=whsec_$(printf %s "${acme#whsec_}" | base64 -d | { cat; printf '\0\0'; } | base64 -w0)
# the premise: globex holding the twin verifies a message acme signed
jq -n --arg s "$twin" '{globex:[{id:"g",secret:$s}]}' >twin-only.json && chmod 600 twin-only.json
printf '{"t":1}' | hmac-sign -k keys.json -t acme | sed 's/"tenant":"acme"/"tenant":"globex"/' >as-globex.json
expect_status 0 "premise: the zero-padded twin verifies acme's signature" -- \
	hmac-verify -k twin-only.json --replay-store "$T/twin.sqlite" <as-globex.json
# the defence: a keyring where two tenants hold such twins is refused whole
jq --arg s "$twin" '.globex = [{id:"g",secret:$s}]' keys.json >twins.json && chmod 600 twins.json
expect_status 3 "a keyring with HMAC-equivalent secrets for two tenants is refused" -- \
	hmac-verify -k twins.json --replay-store "$T/twin2.sqlite" <as-globex.json
expect_match 'share a secret' "$(cat "$T/err")" "says they share a secret"
expect_no_match 'whsec_' "$(cat "$T/err")" "without showing it"

# --- twelve concurrent --new-key runs keep twelve keys ------------------------
printf '{}\n' >ring.json && chmod 600 ring.json
for i in $(seq 1 12); do
	hmac-sign -k ring.json -t acme --new-key --key-id "k$i" >/dev/null 2>"newkey.$i.err" &
done
wait
expect_eq "$(jq '.acme | length' ring.json)" 12 "12 concurrent --new-key runs leave 12 keys"
expect_eq "$(jq -r '[.acme[].id] | sort | join(",")' ring.json)" \
	"k1,k10,k11,k12,k2,k3,k4,k5,k6,k7,k8,k9" "every key id is there once"
expect_eq "$(stat -c %a ring.json.lock)" 600 "the lock file is 0600"
ln -sf "$T/elsewhere" lnk.json.lock
printf '{}\n' >lnk.json && chmod 600 lnk.json
expect_status 6 "a symlink as the lock file is not followed" -- hmac-sign -k lnk.json -t acme --new-key
expect_eq "$(test -e "$T/elsewhere" && echo made || echo none)" none "nothing created through it"

# --- a FIFO named as the keyring is refused, not waited on -------------------
mkfifo fifo.json
expect_status 3 "hmac-verify: a FIFO keyring is refused" -- timeout 10 hmac-verify -k fifo.json --replay-store "$T/f.sqlite" </dev/null
expect_match 'not a regular file' "$(cat "$T/err")" "says why"
expect_status 3 "hmac-sign: a FIFO keyring is refused" -- sh -c "printf '{}' | timeout 10 hmac-sign -k fifo.json -t acme"
expect_status 3 "--new-key: a FIFO keyring is refused" -- timeout 10 hmac-sign -k fifo.json -t acme --new-key

t_done
