#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# No core dumps (issue 16: 25 copies of the access token in one core of
# sf-create).  Every program sets RLIMIT_CORE to 0 and makes itself not
# dumpable in sfp_cli_start: killed by SIGSEGV or SIGABRT with `ulimit -c
# unlimited` it leaves no core, and another process of the same user cannot
# read its memory or environment through /proc.  Each check has a positive
# control: cat(1), treated the same way, does leave a core / stay readable.
. "$SFP_ROOT/tests/lib.sh"
cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" k.json && chmod 600 k.json
KEEP=$T/keep

# start DIR CMD...: run CMD in DIR reading a pipe that stays open; sets PID
# (and RUNNER, the shell that runs it, which stop waits for).
start() {
	local dir=$1
	shift
	mkdir -p "$dir"
	mkfifo "$dir/in"
	(cd "$dir" && exec "$@" <in >/dev/null 2>&1) &
	PID=$! RUNNER=$!
	exec 9>"$dir/in"        # keep the pipe open: the program blocks reading it
	sleep 0.5
}
stop() { exec 9>&-; wait "$RUNNER" 2>/dev/null; }

if ! ulimit -c unlimited 2>/dev/null; then
	t_fail "cannot raise the core size limit (ulimit -c unlimited) to run this test"
	t_done; exit 1
fi
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
case $pattern in
'|'* | /*) cores=0; echo "  (core: core_pattern '$pattern' does not write into the cwd; core files not checked)" ;;
*) cores=1 ;;
esac

if [ "$cores" = 1 ]; then
	start ctl cat
	kill -SEGV "$PID"; stop
	expect_match 'core' "$(ls ctl)" "control: cat killed by SIGSEGV leaves a core file"
fi
for sig in SEGV ABRT; do
	for prog in "sf-create -n" "hmac-verify -k $T/k.json --replay-store $T/rs.sqlite" \
		"sf-map --mapping $SFP_ROOT/examples/mapping.json --describe $SFP_ROOT/examples/describe.json"; do
		name=${prog%% *}
		d="$T/$name-$sig"
		start "$d" $prog
		expect_match 'Max core file size +0 +0 ' "$(cat /proc/$PID/limits 2>/dev/null)" \
			"$name runs with a zero core size limit"
		kill -$sig "$PID"; stop
		expect_eq "$(ls "$d" | grep -v '^in$')" "" "$name killed by SIG$sig leaves no core file"
	done
done

# Not dumpable: /proc/PID/environ of a non-dumpable process belongs to root and
# is unreadable to the process's own user.  As root every /proc file is root's,
# so the programs run as a second user made here; as another user, one suffices.
if other_user; then
	uid=$(id -u "$OTHER")
	# The user's own files, in a directory only it may write (as the replay
	# store requires).
	mkdir -m 700 "$SHARED/o" && cp k.json "$SHARED/o/k.json" && chown -R "$OTHER" "$SHARED/o"
	start "$SHARED/ctl" runuser -u "$OTHER" -- cat
	PID=$(pgrep -u "$OTHER" -x cat | head -n 1)
	expect_eq "$(stat -c %u /proc/"$PID"/environ 2>/dev/null)" "$uid" \
		"control: a plain process of the user owns its /proc/PID/environ"
	stop
	start "$SHARED/sfp" runuser -u "$OTHER" -- hmac-verify -k "$SHARED/o/k.json" --replay-store "$SHARED/o/rs.sqlite"
	PID=$(pgrep -u "$OTHER" -x hmac-verify | head -n 1)
	expect_eq "$(stat -c %u /proc/"$PID"/environ 2>/dev/null)" 0 \
		"hmac-verify is not dumpable: its /proc/PID/environ is root's"
	expect_status 1 "the same user cannot read its environment" -- \
		runuser -u "$OTHER" -- cat /proc/"$PID"/environ
	stop
elif [ "$(id -u)" != 0 ]; then
	start ctl2 cat
	expect_eq "$(stat -c %u /proc/$PID/environ)" "$(id -u)" "control: cat owns its /proc/PID/environ"
	stop
	start sfp2 hmac-verify -k "$T/k.json" --replay-store "$T/rs.sqlite"
	expect_eq "$(stat -c %u /proc/$PID/environ)" 0 "hmac-verify is not dumpable: /proc/PID/environ is root's"
	expect_status 1 "the same user cannot read its environment" -- cat /proc/$PID/environ
	stop
else
	t_fail "root without useradd: cannot check dumpability"
fi
t_done
