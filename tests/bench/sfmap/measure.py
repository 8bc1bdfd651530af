#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""measure.py IN OUT CMD...: run CMD with stdin IN and stdout OUT; print
"<seconds> <peak RSS in KiB>" of the child (getrusage, so no /usr/bin/time)."""
import resource, subprocess, sys, time

with open(sys.argv[1], "rb") as i, open(sys.argv[2], "wb") as o:
    t = time.monotonic()
    rc = subprocess.call(sys.argv[3:], stdin=i, stdout=o)
    dt = time.monotonic() - t
if rc != 0:
    sys.exit("measure: %s exited %d" % (sys.argv[3], rc))
print("%.3f %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
