#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Measure the emulator's start time and requests per second.

    python3 tests/emulator/bench.py [N]

Starts a fresh emulator in a temporary directory (cold: keys generated) and
again in the same directory (warm: keys cached), then sends N (default 2000)
GET /services/data/ requests over one keep-alive TLS connection, and N
authenticated GET /services/data/v62.0/limits requests.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_emulator as t  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    d = tempfile.mkdtemp(prefix="sfemu-bench-")
    emuctl = os.path.join(HERE, "emuctl")
    try:
        t0 = time.time()
        subprocess.run([emuctl, "start", d], check=True, stdout=subprocess.DEVNULL)
        cold = time.time() - t0
        subprocess.run([emuctl, "stop", d], check=True)
        t0 = time.time()
        subprocess.run([emuctl, "start", d], check=True, stdout=subprocess.DEVNULL)
        warm = time.time() - t0
        t.ENV.update(t.load_env(d))
        c = t.Client()
        c.request("GET", "/services/data/")
        t0 = time.time()
        for _ in range(n):
            c.request("GET", "/services/data/", raw=True)
        versions = n / (time.time() - t0)
        c.token = t.client_credentials_token()
        t0 = time.time()
        for _ in range(n):
            c.request("GET", "/services/data/v62.0/limits", raw=True)
        limits = n / (time.time() - t0)
        t0 = time.time()
        for i in range(n // 4):
            c.request("POST", "/services/data/v62.0/sobjects/Lead",
                      {"LastName": "L%d" % i, "Company": "Acme"}, raw=True)
        creates = (n // 4) / (time.time() - t0)
        c.close()
        print(json.dumps({"start_cold_s": round(cold, 3), "start_warm_s": round(warm, 3),
                          "versions_req_per_s": round(versions),
                          "limits_req_per_s": round(limits),
                          "create_lead_req_per_s": round(creates), "n": n}))
    finally:
        subprocess.run([emuctl, "stop", d])
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
