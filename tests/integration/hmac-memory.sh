# SPDX-License-Identifier: ISC
# hmac-verify's memory stays bounded on a big spool read from a regular file
# (issue 16: 1 MB envelopes grew it to 1.49 GB; the batch held every item,
# since poll(2) never calls a regular file idle).  150 envelopes of 0.9 MB,
# 135 MB in all: the peak RSS must stay under 80 MB (about 30 measured; the
# unbounded batch held the whole spool).
. "$SFP_ROOT/tests/lib.sh"

cd "$T" || exit 1
cp "$SFP_ROOT/examples/keyring.json" keys.json && chmod 600 keys.json
python3 -c '
import sys
for i in range(150):
    sys.stdout.write("{\"i\":%d,\"x\":\"%s\"}\n" % (i, "a" * 900000))' |
	hmac-sign -k keys.json -t acme --lines >spool.jsonl
expect_eq "$(wc -l <spool.jsonl)" 150 "spool written"
peak() {   # peak CMD...: run it with stdin from spool.jsonl, print "status peak-MB"
	python3 -c '
import os, resource, subprocess, sys
if os.environ.get("SANITIZE") == "1":  # ASan keeps freed memory in quarantine (256 MB by default)
    os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=8"
r = subprocess.run(sys.argv[1:], stdin=open("spool.jsonl"), stdout=open("verified.out", "w"))
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$@"
}
set -- $(peak hmac-verify -k keys.json --replay-store "$T/m.sqlite")
expect_eq "$1" 0 "every envelope accepted"
expect_eq "$(wc -l <verified.out)" 150 "150 bodies out"
if [ "$2" -lt 80 ]; then t_ok "peak RSS $2 MB < 80 MB"; else t_fail "peak RSS $2 MB, wanted < 80 MB"; fi
rm -f spool.jsonl verified.out
t_done
