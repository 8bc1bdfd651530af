# SPDX-License-Identifier: ISC
# Runs examples/receive.sh (the EXAMPLES of hmac-receive(1) and sfpipe-follow(1))
# and checks that every EXAMPLES command of the two pages is in it.
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_status 0 "examples/receive.sh runs" -- env PORT="$port" sh "$SFP_ROOT/examples/receive.sh"
expect_match '^\{"ok":true,"tenant":"acme","id":"msg_' "$(sed -n 1p "$T/out")" "first post stored"
expect_match '"code":"bad-signature"' "$(sed -n 2p "$T/out")" "acme's request to globex refused"
expect_eq "$(sed -n 3p "$T/out")" '{"tenant":"acme","id":"bk-1042"}' "follower passed the spooled line"
for p in hmac-receive sfpipe-follow; do
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$SFP_ROOT/man/$p.1" | sed -n '/^\.Bd -literal/,/^\.Ed/p' |
		grep -v '^\.' | sed 's/\\e/\\/g; s/\\(aq/'"'"'/g' >cmds
	[ -s cmds ] && t_ok "$p(1) has EXAMPLES" || t_fail "$p(1) has no EXAMPLES"
	while IFS= read -r line; do
		grep -qxF -- "$line" "$SFP_ROOT/examples/receive.sh" && t_ok "in examples: $line" ||
			t_fail "$p(1) example not in examples/receive.sh: $line"
	done <cmds
done
t_done
