#!/bin/sh
# SPDX-License-Identifier: ISC
# Valgrind pass: the Check runner in one process (CK_FORK=no, so leaks in a
# test are seen), then the programs over a sample of the hostile corpus.
# Fails on any invalid access, use of uninitialised memory, or a definite or
# indirect leak ("still reachable" from libcurl, OpenSSL and SQLite globals is
# not a leak).  Builds the plain (non-sanitizer) programs first: valgrind and
# ASan do not mix.
#   sh tests/valgrind.sh            unit runner + every 3rd hostile case
#   VG_SAMPLE=1 sh tests/valgrind.sh   every hostile case
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed (make deps)" >&2; exit 2; }
make --no-print-directory -s all build/rel/tests/unit/runner >/dev/null || exit 1
# Logs stay in build/valgrind/ for reading after a failure.
W=$ROOT/build/valgrind
rm -rf "$W" && mkdir -p "$W"
export SFPIPE_CACHE_DIR="$W/cache" XDG_CACHE_HOME="$W/xdg"
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30"
fail=0
start=$(date +%s)

# 1. The unit runner, no fork.
echo "== valgrind: unit runner (CK_FORK=no)"
if CK_FORK=no CK_DEFAULT_TIMEOUT=600 $VG --log-file="$W/unit.vg" build/rel/tests/unit/runner \
    >"$W/unit.out" 2>&1; then
	tail -n 1 "$W/unit.out"
else
	echo "valgrind: unit runner failed:" >&2
	tail -n 20 "$W/unit.out" >&2
	fail=1
fi
if [ -s "$W/unit.vg" ]; then
	echo "valgrind: unit runner reports:" >&2; head -n 60 "$W/unit.vg" >&2; fail=1
fi

# 2. The programs over a sample of the hostile corpus, each program run
# through valgrind by a wrapper early in PATH; a case's expected status and
# output must still hold.
mkdir -p "$W/bin" "$W/vg" "$W/cases"
for p in bin/*; do
	[ -x "$p" ] && [ "${p%.c}" = "$p" ] || continue
	n=$(basename "$p")
	cat >"$W/bin/$n" <<WRAP
#!/bin/sh
exec $(echo $VG) --log-file="$W/vg/$n.%p" "$ROOT/bin/$n" "\$@"
WRAP
	chmod +x "$W/bin/$n"
done
i=0
step=${VG_SAMPLE:-3}
for d in tests/hostile/*/*/; do
	i=$((i + 1))
	[ $((i % step)) = 0 ] || continue
	prog=$(basename "$(dirname "$d")")
	mkdir -p "$W/cases/$prog"
	cp -R "$d" "$W/cases/$prog/"
done
n=$(ls -d "$W"/cases/*/*/ | wc -l)
echo "== valgrind: $n hostile cases"
if ! SFP_ROOT="$ROOT" SFP_TALLY= PATH="$W/bin:$PATH" sh tests/run-cases "$W/cases"; then fail=1; fi
for l in "$W"/vg/*; do
	[ -s "$l" ] || continue
	echo "valgrind: $(basename "$l"):" >&2; head -n 40 "$l" >&2; fail=1
done
echo "valgrind: $(($(date +%s) - start)) s, $( [ $fail = 0 ] && echo clean || echo ERRORS)"
exit $fail
