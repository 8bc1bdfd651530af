# SPDX-License-Identifier: ISC
"""Records written and read: insert, update, upsert by external ID, the derived
fields (Event), and the /sobjects/{S}[/...] resource."""
import datetime as dt
import itertools
import re

from .describe import conditional
from .errors import (SFError, converted_lead, entity_is_deleted, method_not_allowed,
                     not_found)
from .ids import make_id, norm_id
from .resp import Resp, parsed
from .sftime import fmt_sf_datetime, now_sf, stored_dt
from .store import INSERT_RECORD_SQL
from .users import refuse_user_delete
from .validate import FLS_MSG


class Records:
    """Record writes (a mixin of org.Org, on Store, Describe and Validate)."""

    def complete_record(self, sobject, rid, vals, user, existing=None):
        """Defaults, derived and audit fields (Event's times).  A new record
        differs from the defaults only in vals and NEW_RECORD_KEYS (dump_fields)."""
        now = now_sf()
        if existing:
            rec = dict(existing)
            if sobject == "Event":
                self.event_times_follow(rec, vals)
        else:
            # field values are scalars, so a shallow copy of the defaults is enough
            rec = dict(self.template(sobject)[0])
            rec.update({"Id": rid, "CreatedDate": now, "CreatedById": user["Id"]})
            if "OwnerId" in rec:
                rec["OwnerId"] = user["Id"]
            if sobject == "Booking__c":
                self.seq_booking += 1
                rec["Name"] = "B-%06d" % self.seq_booking
            if sobject == "EventRelation":
                rec["IsInvitee"] = True
        rec.update(vals)
        rec["LastModifiedDate"] = rec["SystemModstamp"] = now
        rec["LastModifiedById"] = user["Id"]
        if "LastName" in rec and "Name" in rec and sobject in ("Lead", "Contact", "User"):
            rec["Name"] = " ".join(x for x in (rec.get("FirstName"), rec["LastName"]) if x)
        if sobject == "Event":
            self.derive_event(rec)
        return rec

    @staticmethod
    def event_times_follow(rec, vals):
        """An update that moves an event: the stored end or duration that vals
        does not set follows the new times, as DurationInMinutes and
        EndDateTime describe each other (Event object reference).  A new start
        alone keeps the duration and moves the end."""
        given = vals.keys() & {"StartDateTime", "ActivityDateTime", "EndDateTime",
                               "DurationInMinutes"}
        if not given:
            return
        if "EndDateTime" in given and "DurationInMinutes" not in given:
            rec["DurationInMinutes"] = None
        elif "EndDateTime" not in given:
            rec["EndDateTime"] = None
        # StartDateTime and ActivityDateTime are the same instant: a new one
        # replaces both
        if "StartDateTime" in given and "ActivityDateTime" not in given:
            rec["ActivityDateTime"] = None
        elif "ActivityDateTime" in given and "StartDateTime" not in given:
            rec["StartDateTime"] = None

    def check_event_who_what(self, rec):
        """An event about a lead is related to nothing else (Event object
        reference, WhatId: if WhoId is a lead, WhatId must be empty)."""
        who, what = rec.get("WhoId"), rec.get("WhatId")
        if who and what and who[:3] == self.objects["Lead"]["prefix"]:
            raise SFError(400, "FIELD_INTEGRITY_EXCEPTION", "Related To ID: You can't "
                          "relate a lead to another record.", ["WhatId"])

    def derive_event(self, rec):
        self.check_event_who_what(rec)
        start = rec.get("StartDateTime") or rec.get("ActivityDateTime")
        if rec.get("IsAllDayEvent"):
            day = rec.get("ActivityDate") or (start[:10] if start else None)
            if not day:
                raise SFError(400, "REQUIRED_FIELD_MISSING",
                              "Required fields are missing: [ActivityDate]", ["ActivityDate"])
            s = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
            dur = rec.get("DurationInMinutes") or 1440
            rec.update(StartDateTime=fmt_sf_datetime(s), ActivityDateTime=None,
                       ActivityDate=day, DurationInMinutes=dur,
                       EndDateTime=fmt_sf_datetime(s + dt.timedelta(minutes=dur)),
                       EndDate=(s + dt.timedelta(minutes=dur - 1)).date().isoformat())
            return
        if not start:
            raise SFError(400, "REQUIRED_FIELD_MISSING",
                          "Required fields are missing: [StartDateTime]", ["StartDateTime"])
        s = stored_dt(start)
        if rec.get("EndDateTime"):
            e = stored_dt(rec["EndDateTime"])
            mins = int((e - s).total_seconds() // 60)
            if mins < 0:
                raise SFError(400, "FIELD_INTEGRITY_EXCEPTION", "End Date Time: End time "
                              "can't be before the start time.", ["EndDateTime"])
            if rec.get("DurationInMinutes") not in (None, mins):
                raise SFError(400, "FIELD_INTEGRITY_EXCEPTION", "Duration: Duration and "
                              "End Date Time are inconsistent.", ["DurationInMinutes"])
            rec["DurationInMinutes"] = mins
        elif rec.get("DurationInMinutes") is not None:
            e = s + dt.timedelta(minutes=rec["DurationInMinutes"])
            rec["EndDateTime"] = fmt_sf_datetime(e)
        else:
            raise SFError(400, "REQUIRED_FIELD_MISSING",
                          "Required fields are missing: [DurationInMinutes]",
                          ["DurationInMinutes"])
        if rec["DurationInMinutes"] > 14 * 1440:
            raise SFError(400, "FIELD_INTEGRITY_EXCEPTION", "Event duration can't exceed 14 "
                          "days.", ["DurationInMinutes"])
        rec["StartDateTime"] = rec["ActivityDateTime"] = fmt_sf_datetime(s)
        rec["ActivityDate"] = s.date().isoformat()
        rec["EndDate"] = stored_dt(rec["EndDateTime"]).date().isoformat()

    def check_unique(self, sobject, rec, rid, checked=None):
        """checked: a unique field the caller has just looked up (upsert), same lock."""
        for f in self.template(sobject)[1]:
            if f["name"] != checked and rec.get(f["name"]) not in (None, ""):
                for other in self.find_by(sobject, f, rec[f["name"]]):
                    if other != rid:
                        raise SFError(400, "DUPLICATE_VALUE", "duplicate value found: %s "
                                      "duplicates value on record with id: %s"
                                      % (f["name"], other), [])

    def insert(self, ctx, sobject, body, raw=None, csv_mode=False, op="create",
               checked=None):
        if op != "seed":
            self.note_dml(ctx, sobject)
        # who may create a User is the User rule's question (emu/users.py)
        if op != "seed" and sobject != "User" and not self.obj_createable(ctx.user, sobject):
            raise SFError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                          "insufficient access rights on object id", [])
        vals = self.check_fields(ctx, sobject, body, op, raw, csv_mode)
        if ctx.take_lock_fault():
            # the contended row named by an id no record gets (generated ids
            # count from 1), so it never coincides with a record of the test
            raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to "
                          "this record or 1 records: %s" % make_id(
                              self.objects[sobject]["prefix"], 0, self.pod), [])
        rid = vals.pop("Id", None) if op == "seed" else None
        explicit = bool(rid)
        rid = norm_id(rid) if rid else self.next_id(sobject)
        rec = self.complete_record(sobject, rid, vals, ctx.user)
        if sobject == "User" and op != "seed":
            self.check_user(ctx, rec, None)
        self.check_unique(sobject, rec, rid, checked)
        if sobject == "EventRelation" and self.relation_exists(rec):
            # one relation per person and event (EventRelation object reference);
            # Salesforce names neither the field nor the record
            raise SFError(400, "DUPLICATE_VALUE", "duplicate value found: <unknown> "
                          "duplicates value on record with id: <unknown>", [])
        self.seq += 1
        self.db.execute(INSERT_RECORD_SQL,
                        (rid, sobject, self.dump_fields(   # a User gains derived fields
                            sobject, rec, None if sobject == "User" else itertools.chain(
                                self.template(sobject)[2], vals)),
                         self.seq))
        if explicit:
            self.explicit_ids.add(rid)
        self.write_keys(sobject, rid, rec, new=True)
        if sobject == "User":
            self.after_user_write(rid, rec)
        return rid

    def update(self, ctx, sobject, rid, body, raw=None, csv_mode=False):
        so, existing = self.get_record(rid)
        if so != sobject:
            raise entity_is_deleted() if self.is_deleted(rid) else not_found()
        if sobject == "Lead" and existing.get("IsConverted"):
            raise converted_lead()
        self.note_dml(ctx, sobject)
        vals = self.check_fields(ctx, sobject, body, "update", raw, csv_mode,
                                 existing=existing)
        if ctx.take_lock_fault():
            raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to "
                          "this record or 1 records: %s" % rid, [])
        rec = self.complete_record(sobject, rid, vals, ctx.user, existing)
        if sobject == "User":
            self.check_user(ctx, rec, existing)
        self.check_unique(sobject, rec, rid)
        self.db.execute("UPDATE records SET fields=?, writes=writes+1 WHERE id=?",
                        (self.dump_fields(sobject, rec), rid))
        self.write_keys(sobject, rid, rec)
        if sobject == "User":
            self.after_user_write(rid, rec)

    def upsert(self, ctx, sobject, field, value, body, raw=None, csv_mode=False):
        """-> (status, id, created) or SFError; 300 via SFError with body."""
        _, by_lower, _ = self.fields_for(ctx.user, sobject)
        f = by_lower.get(field.lower())
        if not f or not (f["externalId"] or f["idLookup"]):
            raise not_found()
        key = f["name"].lower()
        if isinstance(body, dict):
            for k, v in body.items():
                if k.lower() == key and str(v) != str(value):
                    raise SFError(400, "INVALID_FIELD", "The value of the external ID field "
                                  "in the sobject data (%s) does not match the URL (%s)"
                                  % (v, value), [f["name"]])
        matches = self.find_by(sobject, f, value)
        if len(matches) > 1:
            raise SFError(300, "MULTIPLE_CHOICES", "", body=[
                "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, m) for m in matches])
        if matches:
            self.update(ctx, sobject, matches[0], body, raw, csv_mode)
            return matches[0], False
        if f["name"] == "Id":
            raise not_found()
        b = dict(body) if isinstance(body, dict) else body
        if isinstance(b, dict):
            b = {k: v for k, v in b.items() if k.lower() != key}
            if not f["createable"]:
                raise SFError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", FLS_MSG % f["name"],
                              [f["name"]])
            b[f["name"]] = value
        return self.insert(ctx, sobject, b, raw, csv_mode, checked=f["name"]), True

    def delete_record(self, ctx, rid):
        """DELETE of one record (sObject Rows, by external ID, collections)."""
        if self.get_record(rid)[0] == "User":
            refuse_user_delete()
        if ctx.take_lock_fault():
            raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access "
                          "to this record or 1 records: %s" % rid, [])
        self.delete(rid)

    def view(self, user, sobject, rec, v, names=None):
        fields, by_lower, _ = self.fields_for(user, sobject)
        out = {"attributes": {"type": sobject, "url": "/services/data/%s/sobjects/%s/%s"
                              % (v, sobject, rec["Id"])}}
        for f in ([by_lower[n.lower()] for n in names] if names else fields):
            if f["type"] in ("address", "location"):
                out[f["name"]] = None
                continue
            out[f["name"]] = rec.get(f["name"])
        return out


def sobject_resource(ctx, method, parts, body, body_text, hdr, qs):
    """/sobjects/{S}[/...] also used by composite subrequests (body may be parsed)."""
    org = ctx.org
    sobject = org.obj_name(parts[0])
    if not sobject:
        raise not_found()
    if len(parts) == 1:
        if method == "GET":
            g = org.global_entry(ctx.user, sobject, ctx.v)
            return Resp(200, {"objectDescribe": g, "recentItems": []})
        if method == "POST":
            data, raw = parsed(body, body_text)
            with ctx.write_tx():
                rid = org.insert(ctx, sobject, data, raw)
            loc = "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)
            return Resp(201, {"id": rid, "success": True, "errors": []}, {"Location": loc})
        raise method_not_allowed(method, "HEAD,GET,POST")
    if len(parts) == 2 and parts[1].lower() == "describe":
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        return conditional(org, hdr, lambda: org.describe(ctx.user, sobject, ctx.v))
    if len(parts) == 2 and parts[1] == "Id" and method == "POST":
        data, raw = parsed(body, body_text)
        with ctx.write_tx():
            rid = org.insert(ctx, sobject, data, raw)
        return Resp(201, {"id": rid, "success": True, "errors": [], "created": True},
                    {"Location": "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)})
    if len(parts) == 2:
        rid = norm_id(parts[1])
        so, rec = org.get_record(rid) if rid else (None, None)
        if so != sobject:
            if rid and rid[:3] == org.objects[sobject]["prefix"]:
                if method in ("PATCH", "DELETE") and org.is_deleted(rid):
                    raise entity_is_deleted()
                raise not_found()
            if rid is None and not re.match(r"^[A-Za-z0-9]{15,18}$", parts[1]):
                raise not_found()
            raise SFError(400, "MALFORMED_ID" if rid is None else "NOT_FOUND",
                          "malformed id %s" % parts[1]) if rid is None else not_found()
        if method == "GET":
            names = qs.get("fields", "").split(",") if qs.get("fields") else None
            return Resp(200, org.view(ctx.user, sobject, rec, ctx.v, names))
        if method == "PATCH":
            data, raw = parsed(body, body_text)
            with ctx.write_tx():
                org.update(ctx, sobject, rid, data, raw)
            return Resp(204)
        if method == "DELETE":
            with ctx.write_tx():
                org.delete_record(ctx, rid)
            return Resp(204)
        raise method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
    # /sobjects/{S}/{Field}/{value}: upsert by external ID
    field, value = parts[1], "/".join(parts[2:])
    if method == "PATCH":
        data, raw = parsed(body, body_text)
        if not isinstance(data, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from "
                          "START_ARRAY value [ at [line:1, column:1]" % sobject)
        updateonly = qs.get("updateOnly") == "true"
        with ctx.write_tx():
            if updateonly:
                _, by_lower, _ = org.fields_for(ctx.user, sobject)
                f = by_lower.get(field.lower())
                if not f or not org.find_by(sobject, f, value):
                    raise not_found()
            rid, created = org.upsert(ctx, sobject, field, value, data, raw)
        loc = {"Location": "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)}
        if created:
            return Resp(201, {"id": rid, "success": True, "errors": [], "created": True}, loc)
        if float(ctx.version) < 46:
            return Resp(204, None, loc)
        return Resp(200, {"id": rid, "success": True, "errors": [], "created": False}, loc)
    if method in ("GET", "DELETE"):
        _, by_lower, _ = org.fields_for(ctx.user, sobject)
        f = by_lower.get(field.lower())
        if not f or not (f["externalId"] or f["idLookup"]):
            raise not_found()
        matches = org.find_by(sobject, f, value)
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return Resp(300, ["/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, m)
                              for m in matches])
        if method == "GET":
            return Resp(200, org.view(ctx.user, sobject, org.get_record(matches[0])[1], ctx.v))
        with ctx.write_tx():
            org.delete_record(ctx, matches[0])
        return Resp(204)
    raise method_not_allowed(method, "GET,PATCH,DELETE,HEAD")
