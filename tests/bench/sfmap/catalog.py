#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Write the describe catalog (describe.h's catalog lines) of the emulator's
fixtures as the integration user sees them: hidden fields absent, read-only
fields not createable.  Used for examples/describe.json and the benchmark, so
the example mapping is checked against the same org the emulator serves."""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "emulator"))
import fixtures  # noqa: E402

prof = fixtures.PROFILES["Integration User"]
names = sys.argv[1:] or ["Lead", "Event", "EventRelation", "Booking__c", "User", "Contact", "Account"]
for name in names:
    prefix, label, _plural, build = fixtures.OBJECTS[name]
    fields = []
    for f in build():
        key = name + "." + f["name"]
        if key in prof["hidden"]:
            continue
        cr = f["createable"] and key not in prof["readonly"]
        up = f["updateable"] and key not in prof["readonly"]
        fields.append({
            "name": f["name"], "label": f["label"], "type": f["type"],
            "length": f["length"], "precision": f["precision"], "scale": f["scale"],
            "digits": f["digits"], "createable": cr, "updateable": up,
            "nillable": f["nillable"], "defaultedOnCreate": f["defaultedOnCreate"],
            "required": bool(cr and not f["nillable"] and not f["defaultedOnCreate"]),
            "externalId": f["externalId"], "unique": f["unique"], "idLookup": f["idLookup"],
            "restricted": f["restrictedPicklist"], "referenceTo": f["referenceTo"],
            "relationshipName": f["relationshipName"],
            "controllerName": f["controllerName"], "dependentPicklist": f["dependentPicklist"],
            "picklist": [{"value": p["value"], "label": p["label"], "active": p["active"],
                          "default": p["defaultValue"], "validFor": p["validFor"]}
                         for p in f["picklistValues"]],
        })
    print(json.dumps({"name": name, "label": label, "keyPrefix": prefix,
                      "custom": name.endswith("__c"),
                      "createable": name not in prof["no_create"], "updateable": True,
                      "queryable": True, "fields": fields}, separators=(",", ":")))
