#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Measure the emulator's start time and requests per second.

    python3 tests/emulator/bench.py [N]

Starts a fresh emulator in a temporary directory (cold: keys generated) and
again in the same directory (warm: keys cached), then sends N (default 2000)
GET /services/data/ requests over one keep-alive TLS connection, and N
authenticated GET /services/data/v62.0/limits requests.  Then the write path:
1,000 bookings (Lead and Event upserted by Booking_Key__c, an EventRelation)
as composite graphs of 3 nodes a booking, 166 bookings a request (as sf-create
sends them), and again as sObject Collections of 200 (as jsforce sends them),
without latency; reported as milliseconds of wall time per record written.
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


V = "/services/data/v62.0"


def booking(i, prefix):
    key = "%s-%d" % (prefix, i)
    return ({"LastName": "Lee %d" % i, "Company": "Acme", "Email": "lee%d@acme.example" % i},
            {"Subject": "Demo", "StartDateTime": "2026-12-01T09:00:00.000Z",
             "EndDateTime": "2026-12-01T09:30:00.000Z"},
            {"RelationId": "005Hs0000000003IAA"}, key)


def write_path(c, n):
    """ms per record: n bookings as graphs, then as collections (3 records each)."""
    t.admin("POST", "reset")
    t0 = time.time()
    for s in range(0, n, 166):
        graphs = []
        for i in range(s, min(n, s + 166), 3):
            nodes = []
            for j in range(i, min(n, i + 3, s + 166)):
                lead, ev, rel, key = booking(j, "g")
                nodes += [{"method": "PATCH", "url": V + "/sobjects/Lead/Booking_Key__c/" + key,
                           "referenceId": "l%d" % j, "body": lead},
                          {"method": "PATCH", "url": V + "/sobjects/Event/Booking_Key__c/" + key,
                           "referenceId": "e%d" % j, "body": dict(ev, WhoId="@{l%d.id}" % j)},
                          {"method": "POST", "url": V + "/sobjects/EventRelation",
                           "referenceId": "r%d" % j, "body": dict(rel, EventId="@{e%d.id}" % j)}]
            graphs.append({"graphId": "g%d" % i, "compositeRequest": nodes})
        st, _, js = c.request("POST", V + "/composite/graph", {"graphs": graphs})
        assert st == 200 and all(g["isSuccessful"] for g in js["graphs"]), js
    graph_ms = (time.time() - t0) * 1000 / (3 * n)
    t.admin("POST", "reset")
    t0 = time.time()
    for s in range(0, n, 200):
        b = [booking(i, "c") for i in range(s, min(n, s + 200))]
        st, _, ls = c.request("PATCH", V + "/composite/sobjects/Lead/Booking_Key__c", {
            "allOrNone": True, "records": [dict(x[0], Booking_Key__c=x[3], attributes={
                "type": "Lead"}) for x in b]})
        assert st == 200 and all(r["success"] for r in ls), ls
        st, _, es = c.request("PATCH", V + "/composite/sobjects/Event/Booking_Key__c", {
            "allOrNone": True, "records": [dict(x[1], Booking_Key__c=x[3], WhoId=ls[k]["id"],
                                                attributes={"type": "Event"})
                                           for k, x in enumerate(b)]})
        assert st == 200 and all(r["success"] for r in es), es
        st, _, rs = c.request("POST", V + "/composite/sobjects", {
            "allOrNone": True, "records": [dict(x[2], EventId=es[k]["id"], attributes={
                "type": "EventRelation"}) for k, x in enumerate(b)]})
        assert st == 200 and all(r["success"] for r in rs), rs
    coll_ms = (time.time() - t0) * 1000 / (3 * n)
    return graph_ms, coll_ms


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
        graph_ms, coll_ms = write_path(c, 1000)
        c.close()
        print(json.dumps({"start_cold_s": round(cold, 3), "start_warm_s": round(warm, 3),
                          "versions_req_per_s": round(versions),
                          "limits_req_per_s": round(limits),
                          "create_lead_req_per_s": round(creates),
                          "graph_ms_per_record": round(graph_ms, 3),
                          "collections_ms_per_record": round(coll_ms, 3), "n": n}))
    finally:
        subprocess.run([emuctl, "stop", d])
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
