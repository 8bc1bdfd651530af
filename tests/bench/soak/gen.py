#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""gen.py N > bookings.jsonl: N distinct bookings soak-000001.. in the example's
shape (no attendees), one compact JSON object per line."""
import json, sys

n = int(sys.argv[1])
for i in range(1, n + 1):
    k = "soak-%06d" % i
    day = 1 + i % 28
    hour = 8 + i % 9
    print(json.dumps({
        "id": k, "type": ["demo", "call", "intro"][i % 3], "status": "booked",
        "title": "Soak meeting %d" % i,
        "start": "2026-12-%02dT%02d:00:00" % (day, hour),
        "end": "2026-12-%02dT%02d:30:00" % (day, hour),
        "timezone": "Europe/Berlin", "location": "https://meet.example/%s" % k,
        "notes": "soak", "created_at": "2026-11-20T15:03:11+01:00",
        "host": {"name": "Ann Host", "email": "ann.host@acme.example",
                 "salesforce_user_id": "005Hs0000000003IAA"},
        "invitee": {"first_name": "Lee", "last_name": "Ng %d" % i,
                    "email": "lee%d@globex.example" % i, "company": "Globex",
                    "phone": "+49 30 1234567"},
        "attendees": [],
        "answers": {"source": "partner", "topics": ["soak"]},
    }, separators=(",", ":")))
