# SPDX-License-Identifier: ISC
"""The reference client of lifecycle.py: the strongest hand-written client of a
booking's life we could write with jsforce's means (queries, then sObject
Collections of 200), to show the model can be met and what that costs beside
sfpipe's floor."""
import json
import os

from lifecycle_emu import Emulator

# Booking__c.Status__c of a booking's status (the model's too)
STATUS = {"booked": "Booked", "rescheduled": "Rescheduled", "cancelled": "Cancelled"}


def chunks(xs, n):
    return [xs[i:i + n] for i in range(0, len(xs), n)]


def soql_in(values, budget=12000):
    """IN lists short enough for one query URL each (Salesforce: 16,384
    characters per URI), so a long window costs more than one query."""
    out, cur, size = [], [], 0
    for v in values:
        lit = "'%s'" % v.replace("\\", "\\\\").replace("'", "\\'")
        if cur and size + len(lit) + 1 > budget:
            out.append(",".join(cur))
            cur, size = [], 0
        cur.append(lit)
        size += len(lit) + 1
    if cur:
        out.append(",".join(cur))
    return out


class Reference:
    """The hand-written client: per window, look up (Booking__c versions, Contacts
    and Leads by email, the events' invitees), then write with sObject Collections
    of 200: new Leads, Booking__c and Event upserts, invitee deletes and creates."""

    LOOKUPS = ("Booking__c", "Contact", "Lead", "EventRelation")

    def __init__(self, emu, window):
        self.emu, self.window = emu, window
        self.nodes = 0          # records written or deleted: the graph nodes sfpipe needs
        self.floor = 0          # sum over windows of lookups + ceil(nodes / 500)
        self.windows = 0
        self.ops = {"new leads": 0, "bookings": 0, "events": 0, "invitees deleted": 0,
                    "invitees added": 0}

    def q(self, head, field, values):
        out = []
        for lits in soql_in(sorted(set(values))):
            out += self.emu.query("%s WHERE %s IN (%s)" % (head, field, lits))
        return out

    def collection(self, method, path, records):
        for part in chunks(records, 200):
            res = self.emu.api(method, path, {"allOrNone": False, "records": part})
            bad = [r for r in res if not r["success"]]
            if bad:
                raise SystemExit("lifecycle: reference %s: %s" % (path, bad[:3]))
            yield from res

    def apply(self, msgs):
        for w in chunks(msgs, self.window):
            self.apply_window(w)

    def apply_window(self, msgs):
        newest = {}
        for m in msgs:
            if m["id"] not in newest or m["version"] > newest[m["id"]]["version"]:
                newest[m["id"]] = m
        stored = {r["Booking_Key__c"].lower(): r["Version__c"] or 0 for r in self.q(
            "SELECT Id, Booking_Key__c, Version__c FROM Booking__c", "Booking_Key__c",
            list(newest))}
        todo = [m for k, m in sorted(newest.items()) if m["version"] > stored.get(k, 0)]
        self.windows += 1
        nodes = 0
        if todo:
            emails = {m["invitee"]["email"].lower() for m in todo}
            contacts, leads = {}, {}
            for r in self.q("SELECT Id, Email FROM Contact", "Email", emails):
                contacts.setdefault(r["Email"].lower(), r["Id"])
            for r in self.q("SELECT Id, Email, IsConverted, ConvertedContactId FROM Lead",
                            "Email", emails):
                leads.setdefault(r["Email"].lower(), (
                    ("Contact", r["ConvertedContactId"]) if r["IsConverted"]
                    else ("Lead", r["Id"])))
            who = {e: ("Contact", contacts[e]) if e in contacts else leads.get(e)
                   for e in emails}
            new = sorted(e for e in emails if who[e] is None)
            first = {}
            for m in todo:
                first.setdefault(m["invitee"]["email"].lower(), m)
            res = self.collection("PATCH", "composite/sobjects/Lead/Booking_Key__c", [{
                "attributes": {"type": "Lead"}, "Booking_Key__c": "person:" + e,
                "Email": e, "LastName": first[e]["invitee"]["last_name"],
                "Company": first[e]["invitee"]["company"]} for e in new])
            for e, r in zip(new, res):
                who[e] = ("Lead", r["id"])
            nodes += len(new)
            self.ops["new leads"] += len(new)
            booking_ids = {}
            res = self.collection("PATCH", "composite/sobjects/Booking__c/Booking_Key__c", [{
                "attributes": {"type": "Booking__c"}, "Booking_Key__c": m["id"],
                "Status__c": STATUS[m["status"]], "Starts_At__c": m["start"],
                "Version__c": m["version"]} for m in todo])
            for m, r in zip(todo, res):
                booking_ids[m["id"]] = r["id"]
            events = []
            for m in todo:
                kind, pid = who[m["invitee"]["email"].lower()]
                events.append({
                    "attributes": {"type": "Event"}, "Booking_Key__c": m["id"],
                    "Subject": "Meeting: " + m["title"], "StartDateTime": m["start"],
                    "EndDateTime": m["end"], "OwnerId": m["host"]["salesforce_user_id"],
                    "ShowAs": "Free" if m["status"] == "cancelled" else "Busy",
                    "WhoId": pid, "WhatId": booking_ids[m["id"]] if kind == "Contact"
                    else None})
            event_ids = {m["id"]: r["id"] for m, r in zip(todo, self.collection(
                "PATCH", "composite/sobjects/Event/Booking_Key__c", events))}
            nodes += 2 * len(todo)
            self.ops["bookings"] += len(todo)
            self.ops["events"] += len(todo)
            have = {}
            for r in self.q("SELECT Id, EventId, RelationId FROM EventRelation", "EventId",
                            event_ids.values()):
                have.setdefault(r["EventId"], []).append((r["RelationId"], r["Id"]))
            drop, add = [], []
            for m in todo:
                eid = event_ids[m["id"]]
                want = set() if m["status"] == "cancelled" else {
                    a["salesforce_user_id"] for a in m["attendees"]}
                seen = set()
                for rel, rid in have.get(eid, []):
                    if rel in want and rel not in seen:
                        seen.add(rel)
                    else:
                        drop.append(rid)
                add += [{"attributes": {"type": "EventRelation"}, "EventId": eid,
                         "RelationId": u} for u in sorted(want - seen)]
            for part in chunks(drop, 200):
                res = self.emu.api("DELETE", "composite/sobjects?allOrNone=false&ids="
                                   + ",".join(part))
                if not all(r["success"] for r in res):
                    raise SystemExit("lifecycle: reference delete: %s" % res[:3])
            list(self.collection("POST", "composite/sobjects", add))
            nodes += len(drop) + len(add)
            self.ops["invitees deleted"] += len(drop)
            self.ops["invitees added"] += len(add)
        self.nodes += nodes
        self.floor += len(self.LOOKUPS) + -(-nodes // 500)


def reference(args):
    emu = Emulator()
    runs = args.runs or sorted(
        os.path.join(args.dir, f) for f in os.listdir(args.dir)
        if f.startswith("run-") and f.endswith(".jsonl"))
    before = emu.admin("GET", "stats")["api_calls"]
    ref = Reference(emu, args.window)
    for path in runs:
        with open(path) as f:
            ref.apply([json.loads(line) for line in f if line.strip()])
    calls = emu.admin("GET", "stats")["api_calls"] - before   # as the org counts them
    out = {"api_calls": calls, "queries": emu.calls["query"],
           "collections": emu.calls["collections"], "windows": ref.windows, "nodes": ref.nodes,
           "floor": ref.floor, "lookups_per_window": len(Reference.LOOKUPS),
           "window": args.window, "ops": ref.ops}
    print(json.dumps(out))
    return 0
