# SPDX-License-Identifier: ISC
"""Metadata as each user sees it: describeGlobal, sObject describe, field-level
security by profile, and the conditional (If-Modified-Since) answers."""
import zlib

import fixtures

from .resp import Resp
from .sftime import http_date, parse_http_date


class Describe:
    """Metadata per user (a mixin of org.Org: self.objects, self.users)."""

    def profile(self, user):
        return fixtures.PROFILES[user["profile"]]

    def sees_all_data(self, user):
        """The user's View All Data or Modify All Data permission: System
        Administrators have it; the Integration User profile as the config
        says (integration_view_all_data, on unless a test turns it off)."""
        if self.profile(user).get("view_all_data"):
            return True
        return user["profile"] == "Integration User" and bool(
            self.config.get("integration_view_all_data"))

    def obj_name(self, name):
        return self.lower_objects.get(name.lower())

    def fields_for(self, user, sobject):
        key = (user["profile"], sobject)
        c = self._desc_cache.get(key)
        if c:
            return c
        prof = self.profile(user)
        out = []
        for f in self.objects[sobject]["fields"]:
            k = sobject + "." + f["name"]
            if k in prof["hidden"]:
                continue
            if k in prof["readonly"]:
                f = dict(f, createable=False, updateable=False)
            out.append(f)
        by_lower = {f["name"].lower(): f for f in out}
        rels = {f["relationshipName"].lower(): f for f in out if f["relationshipName"]}
        c = (out, by_lower, rels)
        self._desc_cache[key] = c
        return c

    def obj_createable(self, user, sobject):
        return sobject not in self.profile(user)["no_create"]

    def global_entry(self, user, name, v):
        o = self.objects[name]
        cr = self.obj_createable(user, name)
        base = "/services/data/%s/sobjects/%s" % (v, name)
        urls = {"sobject": base, "describe": base + "/describe",
                "rowTemplate": base + "/{ID}"}
        if name != "EventRelation":
            urls.update({"compactLayouts": base + "/describe/compactLayouts",
                         "approvalLayouts": base + "/describe/approvalLayouts",
                         "listviews": base + "/listviews",
                         "quickActions": base + "/quickActions",
                         "layouts": base + "/describe/layouts"})
        if name == "Event":
            urls["eventSeriesUpdates"] = base + "/{ID}/fromThisEventOnwards"
        custom = name.endswith("__c")
        return {"activateable": False, "associateEntityType": None,
                "associateParentEntity": None, "createable": cr, "custom": custom,
                "customSetting": False, "deepCloneable": False, "deletable": cr,
                "deprecatedAndHidden": False, "feedEnabled": name not in ("EventRelation",),
                "hasSubtypes": False, "isInterface": False, "isSubtype": False,
                "keyPrefix": o["prefix"], "label": o["label"], "labelPlural": o["plural"],
                "layoutable": name != "EventRelation", "mergeable": name in (
                    "Lead", "Contact", "Account"), "mruEnabled": name != "EventRelation",
                "name": name, "queryable": True, "replicateable": True,
                "retrieveable": True, "searchable": name not in ("EventRelation",),
                "triggerable": name != "EventRelation", "undeletable": cr,
                "updateable": cr, "urls": urls}

    def describe(self, user, name, v):
        g = self.global_entry(user, name, v)
        fields, _, _ = self.fields_for(user, name)
        children = standard_children(name)
        for cname, co in sorted(self.objects.items()):
            for f in co["fields"]:
                if name in f["referenceTo"] and f["name"] not in (
                        "CreatedById", "LastModifiedById", "MasterRecordId"):
                    rel = None
                    if f["relationshipName"]:
                        r = f["relationshipName"]
                        rel = (co["plural"].replace(" ", "_") + "__r") if r.endswith(
                            "__r") else (
                            {"Who": "Events", "What": "Events"}.get(r, cname + "s")
                            if cname == "Event" else cname + "s")
                        if cname == "EventRelation":
                            rel = "EventRelations"
                    children.append({"cascadeDelete": cname == "EventRelation",
                                     "childSObject": cname, "deprecatedAndHidden": False,
                                     "field": f["name"], "junctionIdListNames": [],
                                     "junctionReferenceTo": [], "relationshipName": rel,
                                     "restrictedDelete": False})
        base = g["urls"]["sobject"]
        d = {k: g[k] for k in ("activateable", "associateEntityType",
                               "associateParentEntity", "createable", "custom",
                               "customSetting", "deepCloneable", "deletable",
                               "deprecatedAndHidden", "feedEnabled", "hasSubtypes",
                               "isInterface", "isSubtype", "keyPrefix", "label",
                               "labelPlural", "layoutable", "mergeable", "mruEnabled",
                               "name", "queryable", "replicateable", "retrieveable",
                               "searchable", "triggerable", "undeletable", "updateable")}
        d.update({
            "actionOverrides": [], "childRelationships": children,
            "compactLayoutable": g["layoutable"], "defaultImplementation": None,
            "extendedBy": None, "extendsInterfaces": None, "fields": fields,
            "implementedBy": None, "implementsInterfaces": None,
            "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [{"active": True, "available": True,
                                 "defaultRecordTypeMapping": True,
                                 "developerName": "Master", "master": True,
                                 "name": "Master", "recordTypeId": "012000000000000AAA",
                                 "urls": {"layout": base + "/describe/layouts/"
                                          "012000000000000AAA"}}],
            "searchLayoutable": g["searchable"], "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + g["labelPlural"].lower(),
                                 "name": "everything"},
                                {"label": "My " + g["labelPlural"].lower(), "name": "mine"}]
            if "OwnerId" in [f["name"] for f in fields] else [],
            "urls": dict(g["urls"], uiDetailTemplate="https://%s/{ID}" % self.host,
                         uiEditTemplate="https://%s/{ID}/e" % self.host,
                         uiNewRecord="https://%s/%s/e" % (self.host, g["keyPrefix"])),
        })
        return keys_of_version(d, v)


# The API version each describe key first appears in, as Salesforce's
# DescribeSObjectResult page documents it ("available in API version N and
# later"; README "Fidelity"): a describe asked for at an older version lacks
# the key.  Keys not listed have no documented version later than 31.0, the
# oldest version served.  The fields' properties (Field) have none documented
# either, so a field carries the same keys at every version.
SOBJECT_KEY_SINCE = {"actionOverrides": 32, "associateEntityType": 50,
                     "associateParentEntity": 50}
FIELD_KEY_SINCE = {}


def keys_of_version(d, v):
    """The sObject describe d as the API version v ("v62.0") shapes it."""
    major = int(v.lstrip("v").split(".")[0])
    for k, since in SOBJECT_KEY_SINCE.items():
        if major < since:
            d.pop(k, None)
    gone = [k for k, since in FIELD_KEY_SINCE.items() if major < since]
    if gone:
        d["fields"] = [{k: x for k, x in f.items() if k not in gone} for f in d["fields"]]
    return d


def standard_children(name):
    """Child relationships every real describe of these objects lists besides
    those of the org's own fields: files, attachments, notes and field history
    for all, and the activities that name a Lead or Contact (WhoId) or another
    record (WhatId)."""
    hist = (name[:-3] + "__History", "ParentId") if name.endswith("__c") else (
        name + "History", name + "Id")
    rows = [("AttachedContentDocument", "LinkedEntityId", "AttachedContentDocuments", True),
            ("Attachment", "ParentId", "Attachments", True),
            (hist[0], hist[1], "Histories", True),
            ("Note", "ParentId", "Notes", True)]
    if name in ("Lead", "Contact"):
        rows += [("Task", "WhoId", "Tasks", True)]
    elif name not in ("Event", "EventRelation", "User"):
        rows += [("Task", "WhatId", "Tasks", True)]
    if name in ("Event", "EventRelation", "User"):
        rows = [r for r in rows if r[2] != "Histories"]
    return [{"cascadeDelete": cascade, "childSObject": child, "deprecatedAndHidden": False,
             "field": field, "junctionIdListNames": [], "junctionReferenceTo": [],
             "relationshipName": rel, "restrictedDelete": False}
            for child, field, rel, cascade in rows]


def conditional(org, hdr, make):
    lm = org.metadata_time
    headers = {"Last-Modified": http_date(lm), "ETag": '"%08x--gzip"' % (
        zlib.crc32(str(lm).encode()) & 0xffffffff)}
    ims = hdr.get("If-Modified-Since")
    if ims:
        t = parse_http_date(ims)
        if t is not None and t >= lm:
            return Resp(304, None, headers)
    ius = hdr.get("If-Unmodified-Since")
    if ius:
        t = parse_http_date(ius)
        if t is not None and t < lm:
            return Resp(412, [{"message": "The requested resource has been modified since "
                               "the If-Unmodified-Since date", "errorCode":
                               "PRECONDITION_FAILED"}], headers)
    return Resp(200, make(), headers)
