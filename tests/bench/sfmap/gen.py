#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Deterministic bookings for the sf-map benchmark: gen.py N > bookings.jsonl.
Each is shaped like examples/booking.json, with values varied by index."""
import json, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
types = ["demo", "call", "intro"]
status = ["booked", "rescheduled", "cancelled"]
sources = ["partner", "web", "phone", "fair"]
first = ["Lee", "Ann", "Jo", "Sam", "Kim", "Alex", "Maria", "Jürgen"]
last = ["Ng", "Smith", "Müller", "Okafor", "Rossi", "Tanaka", "Dubois", "Novak"]
companies = ["Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", ""]
out = sys.stdout
w = out.write
enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
for i in range(n):
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    hour = 8 + i % 9
    fn, ln = first[i % 8], last[(i // 8) % 8]
    b = {
        "id": "bk-%07d" % i,
        "type": types[i % 3],
        "status": status[(i // 3) % 3],
        "title": "Meeting %d about %s" % (i, ["pricing", "onboarding", "renewal"][i % 3]),
        "start": "2026-%02d-%02dT%02d:00:00" % (month, day, hour),
        "end": "2026-%02d-%02dT%02d:30:00" % (month, day, hour),
        "timezone": "Europe/Berlin",
        "location": "https://meet.example/acme/bk-%07d" % i,
        "notes": "Booked through the partner portal.\nReference %d." % i,
        "created_at": "2026-%02d-%02dT%02d:%02d:11+0%d:00" % (month, day, hour - 1, i % 60, i % 3),
        "host": {"name": "Ann Host", "email": "ann.host@acme.example",
                 "salesforce_user_id": "005Hs0000000003IAA"},
        "invitee": {"first_name": fn, "last_name": " %s " % ln,
                    "email": "%s.%s%d@Example.com" % (fn, ln, i),
                    "company": companies[i % 6], "phone": "+49 30 %07d" % i},
        "attendees": [{"name": "Bob Host", "salesforce_user_id": "005Hs0000000004IAA"}]
                     + ([{"name": "Guest", "email": "guest%d@example.com" % i}] if i % 2 else []),
        "answers": {"source": sources[i % 4], "topics": ["reporting", "exports"][: 1 + i % 2]},
    }
    w(enc(b))
    w("\n")
