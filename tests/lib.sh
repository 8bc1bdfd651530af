# SPDX-License-Identifier: ISC
# Assertions for integration tests (bash).  Source it; every expect_* counts one
# check, passing or failing, and t_done reports the counts to tests/run-all.
# A failing check prints what was wanted and what came, never stops the script:
# the rest still runs and is counted.

# Test mode: the programs honour SF_CA_FILE and SF_RESOLVE (the emulator's CA
# and its loopback address) and its port only with this switch (sfpipe(7)
# TESTING).  Every test reaches the emulator this way, never by accident.
export SFPIPE_TEST_EMULATOR=1

T_PASS=0
T_FAIL=0
T_NAME=${T_NAME:-$(basename "$0" .sh)}
: "${T:=$(mktemp -d)}"
export T

t_ok()   { T_PASS=$((T_PASS + 1)); [ -n "${T_VERBOSE:-}" ] && printf '  ok   %s\n' "$1"; return 0; }
t_fail() { T_FAIL=$((T_FAIL + 1)); printf '  FAIL %s: %s\n' "$T_NAME" "$1" >&2; return 0; }

# expect_status WANT DESC -- cmd args...   (stdout to $T/out, stderr to $T/err)
expect_status() {
	local want=$1 desc=$2 got
	shift 2
	[ "$1" = "--" ] && shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then t_ok "$desc"; else
		t_fail "$desc: exit $got, wanted $want; stderr: $(head -c 400 "$T/err")"; fi
}

expect_eq() {
	if [ "$1" = "$2" ]; then t_ok "$3"; else
		t_fail "$3: got '$(printf %s "$1" | head -c 400)', wanted '$(printf %s "$2" | head -c 400)'"; fi
}

expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$1"; then t_ok "$3"; else
		t_fail "$3: '$(printf %s "$2" | head -c 400)' does not match /$1/"; fi
}

expect_no_match() {
	if printf '%s' "$2" | grep -Eq -- "$1"; then
		t_fail "$3: '$(printf %s "$2" | head -c 400)' matches /$1/"; else t_ok "$3"; fi
}

# expect_file_eq FILE WANTFILE DESC: exact comparison, diff on failure.
expect_file_eq() {
	if cmp -s "$1" "$2"; then t_ok "$3"; else
		t_fail "$3: $(diff -u "$2" "$1" | head -n 20)"; fi
}

# emu_admin METHOD PATH [JSON]: talk to the emulator's admin API over its TLS,
# by a Salesforce host name, exactly as the programs do.
emu_admin() {
	local m=$1 p=$2 body=${3:-}
	local host port
	host=${SFEMU_URL#https://}; port=${host##*:}; host=${host%%:*}
	if [ -n "$body" ]; then
		curl -sS --fail-with-body --cacert "$SF_CA_FILE" --resolve "$host:$port:127.0.0.1" \
			-X "$m" -H 'Content-Type: application/json' --data-binary "$body" "$SFEMU_URL$p"
	else
		curl -sS --fail-with-body --cacert "$SF_CA_FILE" --resolve "$host:$port:127.0.0.1" \
			-X "$m" "$SFEMU_URL$p"
	fi
}

# json_get JSON EXPR: a jq filter's raw output (jq is a test dependency).
json_get() { printf '%s' "$1" | jq -r "$2"; }

need_emulator() {
	if [ -z "${SFEMU_URL:-}" ]; then t_fail "the emulator is not running"; t_done; exit 1; fi
}

t_done() {
	if [ -n "${SFP_TALLY:-}" ]; then printf '%s %s %s\n' "$T_NAME" "$T_PASS" "$T_FAIL" >>"$SFP_TALLY"; fi
	printf '%s: %d passed, %d failed\n' "$T_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

# other_user: a second local user for the attacks one local user can make on
# another (root only: useradd).  Sets OTHER (its name) and SHARED (a sticky,
# world-writable directory like /tmp, where both users can create files);
# both are removed when the script exits.  Returns 1 when not root, or (a
# counted failure) when useradd keeps failing.
other_user() {
	[ "$(id -u)" = 0 ] || return 1
	local i
	OTHER=sfpt$$
	# Another test may hold /etc/passwd's lock for a moment: retry, then fail
	# loudly (as root the two-user cases must run, not be skipped).
	for i in 1 2 3 4 5 6; do
		useradd -M -N -s /bin/sh "$OTHER" >/dev/null 2>&1 && break
		[ "$i" = 6 ] && { t_fail "useradd $OTHER failed"; return 1; }
		sleep 1
	done
	SHARED=$(mktemp -d /tmp/sfp-shared.XXXXXX) && chmod 1777 "$SHARED"
	# -f: a process of the user still exiting must not leave the user behind.
	trap 'userdel -f "$OTHER" >/dev/null 2>&1; rm -rf "$SHARED"' EXIT
}

# as_other CMD ARGS...: run a command as the second user.
as_other() { runuser -u "$OTHER" -- "$@"; }
