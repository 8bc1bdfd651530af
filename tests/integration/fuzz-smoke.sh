# SPDX-License-Identifier: ISC
# Each libFuzzer harness, briefly, over its seed corpus (tests/fuzz/run builds
# them with clang into build/fuzz/).  The long run is `make fuzz`.
. "$SFP_ROOT/tests/lib.sh"
cd "$SFP_ROOT" || exit 1
if ! command -v clang >/dev/null 2>&1; then
	t_fail "clang is not installed (make deps)"
	t_done
	exit 0
fi
# The harnesses carry ASan and UBSan already: the SANITIZE=1 pass need not
# run them a second time.
if [ "${SANITIZE:-}" = 1 ]; then
	echo "fuzz-smoke: not in the SANITIZE=1 pass (the plain make check runs it)"
	t_done
	exit 0
fi
secs=${SFP_FUZZ_SMOKE_SECONDS:-4}
# The harnesses' scratch directories go under $T (TMPDIR), which run-all removes.
TMPDIR="$T" sh tests/fuzz/run "$secs" >"$T/fuzz.out" 2>"$T/fuzz.err"
rc=$?
cat "$T/fuzz.out"
expect_eq "$rc" 0 "every harness builds and runs ${secs}s without a crash: $(grep -v ' ok$' "$T/fuzz.out" | head -n 3) $(head -c 300 "$T/fuzz.err")"
for h in tests/fuzz/fuzz_*.c; do
	n=$(basename "$h" .c); n=${n#fuzz_}
	line=$(grep "^$n " "$T/fuzz.out")
	expect_match ' ok$' "$line" "harness $n ran clean"
	expect_no_match 'execs (0|\?) ' "$line" "harness $n executed inputs"
done
t_done
