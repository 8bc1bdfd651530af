#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A booking's whole life, randomised: the deliveries a booking portal sends, the
org they must leave behind, the check of the org against it, and a hand-written
reference client (the strongest a jsforce user would write: queries, then sObject
Collections of 200, lifecycle_reference.py) that shows the model can be met and
what it costs.

  lifecycle.py gen --seed S --count N --runs R DIR   bookings, people, deliveries
  lifecycle.py seed DIR        the people already in the CRM (admin API)
  lifecycle.py check DIR       the org against the model; exit 1 on any difference
  lifecycle.py reference DIR [--window N] [RUN...]   apply runs as the reference
                               client does; print its API calls and the floor
  lifecycle.py sabotage DIR    break the org in each way check must see (self-test)

The emulator is reached through DIR's environment (SFEMU_URL, SF_CA_FILE,
SF_INSTANCE_URL, SF_API_VERSION), by its Salesforce host names over TLS.

The model (what the newest version of each booking must leave in the org):
  Booking__c  one per booking key: Status__c, Starts_At__c, Version__c of the newest.
  person      the invitee by email, case-insensitive: an existing Contact; else an
              existing Lead, and a converted one's ConvertedContactId; else one new
              Lead per email (never two, however many bookings share it).
  Event       one per booking key: StartDateTime, EndDateTime, DurationInMinutes of
              the newest; OwnerId the host; WhoId the person; WhatId the booking when
              the person is a Contact, empty when a Lead; ShowAs Free when cancelled,
              else Busy.
  invitees    one EventRelation per attendee user of the newest version, none once
              cancelled; nothing else on the event.
  and nothing else: no other Booking__c, Event, EventRelation, Lead, Contact or
  Account than these and the people seeded (all of which stay).
"""
import argparse
import datetime as dt
import json
import os
import random
import sys

from lifecycle_emu import Emulator
from lifecycle_reference import STATUS, reference

DURATIONS = (30, 45, 60)
BASE = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def norm_dt(s):
    """Salesforce's stored form and ours, to one comparable instant."""
    if s is None:
        return None
    s = s.replace("Z", "+00:00").replace(".000+0000", "+00:00")
    return dt.datetime.fromisoformat(s).astimezone(dt.timezone.utc)


def load(d, name):
    with open(os.path.join(d, name)) as f:
        return json.load(f)


def save(d, name, obj):
    with open(os.path.join(d, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------- generator

def gen(args):
    rng = random.Random(args.seed)
    emu = Emulator()
    users = {u["Username"].split("@")[0]: u["Id"] for u in emu.admin("GET", "users")["users"]}
    host, pool = users["ann.host"], [users["bob.host"], users["admin"], users["integration"]]
    people = []            # seeded: {"kind": contact|lead|converted, "email", ...}
    new_emails = []        # invitees not in the CRM, some shared by several bookings
    bookings = []
    for i in range(args.count):
        r = rng.random()
        if r < 0.15:
            kind = "contact"
        elif r < 0.30:
            kind = "lead"
        elif r < 0.35:
            kind = "converted"
        elif r < 0.40 and new_emails:
            kind = "repeat"
        else:
            kind = "new"
        if kind == "repeat":
            email = rng.choice(new_emails)
        else:
            email = "p%05d@%s.example" % (i, rng.choice(("globex", "initech", "acme")))
            if kind == "new":
                new_emails.append(email)
            else:
                people.append({"kind": kind, "email": email, "last": "P%05d" % i})
        # the portal writes the address as the person typed it
        shown = email.upper() if rng.random() < 0.2 else email
        start = BASE + dt.timedelta(days=rng.randrange(30), hours=rng.randrange(9),
                                    minutes=15 * rng.randrange(4))
        dur = 30
        att = sorted(rng.sample(pool, rng.randrange(len(pool) + 1)))
        key = "bk-%06d" % i
        versions = []
        status = "booked"
        t = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=i)
        for v in range(1, 2 + rng.randrange(4)):
            if v > 1:
                change = rng.choice(("reschedule", "reattend", "cancel"))
                if change == "reschedule":
                    start = start + dt.timedelta(hours=rng.choice((-3, -1, 1, 2, 24)))
                    dur = rng.choice(DURATIONS)
                    status = "rescheduled"
                elif change == "reattend":
                    att = sorted(rng.sample(pool, rng.randrange(len(pool) + 1)))
                else:
                    status = "cancelled"
            t = t + dt.timedelta(seconds=1 + rng.randrange(3600))
            versions.append({
                "id": key, "version": v, "updated_at": iso(t), "status": status,
                "title": "Demo %d" % i, "start": iso(start),
                "end": iso(start + dt.timedelta(minutes=dur)), "timezone": "UTC",
                "host": {"name": "Ann Host", "salesforce_user_id": host},
                "invitee": {"first_name": "Pat", "last_name": "P%05d" % i, "email": shown,
                            "company": "Company %d" % i},
                "attendees": [{"name": "user", "salesforce_user_id": a} for a in att]})
            if status == "cancelled":
                break
        bookings.append({"key": key, "email": email, "versions": versions})
    # deliveries: every version at least once, 30 % twice, spread over the runs in
    # any order (a newer version may come a run before an older one)
    runs = [[] for _ in range(args.runs)]
    for b in bookings:
        for msg in b["versions"]:
            for _ in range(2 if rng.random() < 0.3 else 1):
                runs[rng.randrange(args.runs)].append(msg)
    for r in runs:
        rng.shuffle(r)
    os.makedirs(args.dir, exist_ok=True)
    for n, r in enumerate(runs, 1):
        with open(os.path.join(args.dir, "run-%d.jsonl" % n), "w") as f:
            for msg in r:
                f.write(json.dumps(msg, separators=(",", ":")) + "\n")
    save(args.dir, "bookings.json", {"seed": args.seed, "host": host, "bookings": bookings,
                                     "people": people})
    print("lifecycle: seed %d: %d bookings, %d versions, %d deliveries in %d runs, "
          "%d people already in the CRM" % (
              args.seed, len(bookings), sum(len(b["versions"]) for b in bookings),
              sum(len(r) for r in runs), args.runs, len(people)))


def seed(args):
    """The people already in the org before the first booking arrives."""
    emu = Emulator()
    g = load(args.dir, "bookings.json")
    ids = {}
    for p in g["people"]:
        so = "Contact" if p["kind"] == "contact" else "Lead"
        fields = {"LastName": p["last"], "Email": p["email"]}
        if so == "Lead":
            fields["Company"] = "Seeded"
        rid = emu.admin("POST", "records", {"sobject": so, "fields": fields})["id"]
        entry = {"id": rid, "sobject": so}
        if p["kind"] == "converted":
            res = emu.admin("POST", "convert_lead", {"leadId": rid})
            entry.update(contact=res["contactId"], account=res["accountId"])
        ids[p["email"]] = entry
    save(args.dir, "people.json", ids)


# ---------------------------------------------------------------- model and check

def expected(d):
    g, people = load(d, "bookings.json"), load(d, "people.json")
    out = []
    for b in g["bookings"]:
        v = b["versions"][-1]
        p = people.get(b["email"])
        if p is None:
            who = ("new-lead", b["email"])
        elif p["sobject"] == "Contact":
            who = ("Contact", p["id"])
        elif "contact" in p:
            who = ("Contact", p["contact"])
        else:
            who = ("Lead", p["id"])
        cancelled = v["status"] == "cancelled"
        out.append({"key": b["key"], "version": v["version"], "status": STATUS[v["status"]],
                    "start": v["start"], "end": v["end"], "who": who, "host": g["host"],
                    "show_as": "Free" if cancelled else "Busy",
                    "invitees": [] if cancelled else sorted(
                        a["salesforce_user_id"] for a in v["attendees"])})
    return g, people, out


def check(args):
    problems = check_org(args.dir)
    for p in problems[:40]:
        print("  FAIL lifecycle: " + p, file=sys.stderr)
    if problems:
        print("lifecycle: the org differs from the model in %d ways" % len(problems))
        return 1
    print("lifecycle: the org matches the model")
    return 0


def check_org(d):
    emu = Emulator()
    g, people, want = expected(d)
    org = {so: emu.records(so) for so in ("Booking__c", "Event", "EventRelation", "Lead",
                                          "Contact", "Account")}
    problems = []

    def by_key(so):
        out = {}
        for r in org[so]:
            out.setdefault((r["fields"]["Booking_Key__c"] or "").lower(), []).append(r)
        return out

    bookings, events = by_key("Booking__c"), by_key("Event")
    relations = {}
    for r in org["EventRelation"]:
        relations.setdefault(r["fields"]["EventId"], []).append(r["fields"]["RelationId"])
    leads_by_email = {}
    seeded = {p["id"] for p in people.values()}
    seeded |= {p[k] for p in people.values() for k in ("contact", "account") if k in p}
    for r in org["Lead"]:
        if r["Id"] not in seeded:
            leads_by_email.setdefault((r["fields"]["Email"] or "").lower(), []).append(r["Id"])
    new_emails = set()
    for w in want:
        k = w["key"]
        bs, es = bookings.get(k, []), events.get(k, [])
        if len(bs) != 1 or len(es) != 1:
            problems.append("%s: %d Booking__c, %d Event (want 1 each)" % (k, len(bs), len(es)))
            continue
        b, e = bs[0]["fields"], es[0]["fields"]
        got = (b["Status__c"], b["Version__c"], norm_dt(b["Starts_At__c"]))
        exp = (w["status"], float(w["version"]), norm_dt(w["start"]))
        if got != exp:
            problems.append("%s: Booking__c (status, version, start) %s, want %s" % (k, got, exp))
        if w["who"][0] == "new-lead":
            email = w["who"][1].lower()
            new_emails.add(email)
            ids = leads_by_email.get(email, [])
            who = ids[0] if len(ids) == 1 else None
            if len(ids) != 1:
                problems.append("%s: %d new Leads for %s (want 1)" % (k, len(ids), email))
            is_contact = False
        else:
            who, is_contact = w["who"][1], w["who"][0] == "Contact"
        mins = int((norm_dt(w["end"]) - norm_dt(w["start"])).total_seconds() // 60)
        got = (norm_dt(e["StartDateTime"]), norm_dt(e["EndDateTime"]), e["DurationInMinutes"],
               e["ShowAs"], e["OwnerId"], e["WhoId"], e["WhatId"])
        exp = (norm_dt(w["start"]), norm_dt(w["end"]), mins, w["show_as"], w["host"], who,
               bs[0]["Id"] if is_contact else None)
        if got != exp:
            problems.append("%s: Event (start, end, minutes, show as, owner, who, what) %s, "
                            "want %s" % (k, got, exp))
        rel = sorted(relations.get(es[0]["Id"], []))
        if rel != w["invitees"]:
            problems.append("%s: invitees %s, want %s" % (k, rel, w["invitees"]))
    keys = {w["key"] for w in want}
    for so, index in (("Booking__c", bookings), ("Event", events)):
        extra = sorted(set(index) - keys)
        if extra:
            problems.append("%d %s not of any booking: %s" % (len(extra), so, extra[:5]))
    wanted_events = {events[k][0]["Id"] for k in keys if len(events.get(k, [])) == 1}
    stray = [r["Id"] for r in org["EventRelation"] if r["fields"]["EventId"] not in wanted_events]
    if stray:
        problems.append("%d EventRelations on no booking's event" % len(stray))
    extra_leads = sorted(set(leads_by_email) - new_emails)
    if extra_leads:
        problems.append("%d Leads for no new invitee: %s" % (len(extra_leads), extra_leads[:5]))
    have = {r["Id"] for so in ("Lead", "Contact", "Account") for r in org[so]}
    gone = sorted(seeded - have)
    if gone:
        problems.append("%d people seeded before the bookings were deleted: %s"
                        % (len(gone), gone[:5]))
    for so in ("Contact", "Account"):
        extra = [r["Id"] for r in org[so] if r["Id"] not in seeded]
        if extra:
            problems.append("%d %s created that no booking needs" % (len(extra), so))
    return problems


def sabotage(args):
    """Each way the org can be wrong, done to an org check passed and undone
    again: check must see every one.  Prints the cases check missed; exit 1 if any."""
    emu = Emulator()
    if check_org(args.dir):
        raise SystemExit("lifecycle: sabotage needs an org that matches the model")
    _, people, want = expected(args.dir)
    events = {r["fields"]["Booking_Key__c"]: r for r in emu.records("Event")}
    rels = emu.records("EventRelation")
    users = [u["Id"] for u in emu.admin("GET", "users")["users"]]
    # a live booking with an invitee and a user it does not invite
    w = [w for w in want if 0 < len(w["invitees"]) < len(users) - 1][0]
    ev = events[w["key"]]
    stranger = [u for u in users if u not in w["invitees"] and u != w["host"]][0]
    rel = [r for r in rels if r["fields"]["EventId"] == ev["Id"]][0]
    new_lead = [x for x in want if x["who"][0] == "new-lead"][0]
    missed = []

    def case(name, do, undo):
        made = do()
        if not check_org(args.dir):
            missed.append(name)
        if undo:
            undo(made)

    def create(so, fields):
        return emu.api("POST", "sobjects/" + so, fields)["id"]

    def delete(rid, so):
        emu.api("DELETE", "sobjects/%s/%s" % (so, rid))

    case("an invitee that should go", lambda: create("EventRelation", {
        "EventId": ev["Id"], "RelationId": stranger}), lambda rid: delete(rid, "EventRelation"))
    case("an invitee deleted that should stay", lambda: delete(rel["Id"], "EventRelation"),
         lambda _: create("EventRelation", {"EventId": ev["Id"],
                                            "RelationId": rel["fields"]["RelationId"]}))
    case("an event at an older time", lambda: emu.api("PATCH", "sobjects/Event/" + ev["Id"], {
        "StartDateTime": "2020-01-01T09:00:00Z", "EndDateTime": "2020-01-01T09:30:00Z"}),
        lambda _: emu.api("PATCH", "sobjects/Event/" + ev["Id"], {
            "StartDateTime": iso(norm_dt(ev["fields"]["StartDateTime"])),
            "EndDateTime": iso(norm_dt(ev["fields"]["EndDateTime"]))}))
    case("a cancelled booking still busy" if w["show_as"] == "Free" else "a booking freed",
         lambda: emu.api("PATCH", "sobjects/Event/" + ev["Id"], {
             "ShowAs": "Busy" if w["show_as"] == "Free" else "Free"}),
         lambda _: emu.api("PATCH", "sobjects/Event/" + ev["Id"], {"ShowAs": w["show_as"]}))
    case("an older version's status", lambda: emu.api(
        "PATCH", "sobjects/Booking__c/Booking_Key__c/" + w["key"], {"Version__c": 0}),
        lambda _: emu.api("PATCH", "sobjects/Booking__c/Booking_Key__c/" + w["key"],
                          {"Version__c": w["version"]}))
    case("a duplicate Lead for a new invitee", lambda: create("Lead", {
        "LastName": "Dup", "Company": "Dup", "Email": new_lead["who"][1]}),
        lambda rid: delete(rid, "Lead"))
    case("a stray Contact", lambda: create("Contact", {"LastName": "Stray"}),
         lambda rid: delete(rid, "Contact"))
    case("a booking's event deleted", lambda: delete(ev["Id"], "Event"), None)
    seeded = [p for p in people.values() if p["sobject"] == "Contact"]
    if seeded:
        case("a person from before the bookings deleted",
             lambda: delete(seeded[0]["id"], "Contact"), None)
    for m in missed:
        print("  FAIL lifecycle: check missed: " + m, file=sys.stderr)
    print("lifecycle: sabotage: %d cases, %d missed" % (9 if seeded else 8, len(missed)))
    return 1 if missed else 0


def main():
    ap = argparse.ArgumentParser(prog="lifecycle.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--count", type=int, default=100)
    g.add_argument("--runs", type=int, default=3)
    g.add_argument("dir")
    for name in ("seed", "check", "sabotage"):
        sub.add_parser(name).add_argument("dir")
    r = sub.add_parser("reference")
    r.add_argument("--window", type=int, default=500)
    r.add_argument("dir")
    r.add_argument("runs", nargs="*")
    a = ap.parse_args()
    return {"gen": gen, "seed": seed, "check": check, "reference": reference,
            "sabotage": sabotage}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
