# SPDX-License-Identifier: ISC
"""Field values checked and coerced as Salesforce does on a write."""
import base64
import datetime as dt
import json
import re

from .errors import SFError, converted_lead
from .ids import EXTRA_PREFIXES, norm_id
from .sftime import DATE_RE, fmt_sf_datetime, parse_sf_datetime


# field types coerce() treats other than as strings
NON_STRING_TYPES = frozenset(("boolean", "int", "double", "currency", "percent", "date",
                              "datetime", "reference", "id"))

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

FLS_MSG = ("Unable to create/update fields: %s. Please check the security settings of "
           "this field and verify that it is read/write for your profile or permission set.")


class Validate:
    """A write's field map checked against the user's describe (a mixin of org.Org)."""

    def coerce(self, f, val, csv_mode, raw):
        """JSON value -> stored value, or SFError."""
        t = f["type"]
        if type(val) is str and not csv_mode:
            # the common cases, straight to their checks
            if t not in NON_STRING_TYPES:
                return self.coerce_str(f, val)
            if t == "reference" or t == "id":
                return self.coerce_ref(f, val, False)
            if t == "datetime":
                d = parse_sf_datetime(val)
                if d is not None:
                    return fmt_sf_datetime(d)
        name, label = f["name"], f["label"]

        def parser_error(kind):
            token = ("VALUE_STRING" if isinstance(val, str) else "VALUE_TRUE" if val is True
                     else "VALUE_FALSE" if val is False else "START_OBJECT"
                     if isinstance(val, dict) else "START_ARRAY" if isinstance(val, list)
                     else "VALUE_NUMBER_INT" if isinstance(val, int) else "VALUE_NUMBER_FLOAT")
            shown = val if not isinstance(val, (dict, list)) else ("{" if isinstance(
                val, dict) else "[")
            if csv_mode:
                return SFError(400, "INVALID_FIELD" if kind in ("date", "datetime")
                               else "INVALID_TYPE_ON_FIELD_IN_RECORD",
                               "%s: value not of required type: %s" % (label, val), [name])
            line, col = 1, 1
            if raw:
                i = raw.find('"%s"' % name)
                if i >= 0:
                    line = raw.count("\n", 0, i) + 1
                    col = i - (raw.rfind("\n", 0, i) + 1) + len(name) + 4
            return SFError(400, "JSON_PARSER_ERROR",
                           "Cannot deserialize instance of %s from %s value %s or request "
                           "may be missing a required field at [line:%d, column:%d]"
                           % (kind, token, shown, line, col))

        if csv_mode and val == "#N/A":
            return None
        if val is None:
            return False if t == "boolean" else None
        if isinstance(val, (dict, list)):
            raise parser_error({"int": "int", "double": "double", "currency": "double",
                                "percent": "double", "boolean": "boolean", "date": "date",
                                "datetime": "datetime"}.get(t, "string"))
        if t == "boolean":
            if isinstance(val, bool):
                return val
            if isinstance(val, str) and val.lower() in ("true", "false") or (
                    csv_mode and val in ("1", "0")):
                return val.lower() in ("true", "1")
            raise parser_error("boolean")
        if t in ("int", "double", "currency", "percent"):
            if isinstance(val, bool):
                raise parser_error("int" if t == "int" else "double")
            try:
                num = float(val) if isinstance(val, str) else val
                if isinstance(val, str) and not re.match(r"^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$",
                                                         val):
                    raise ValueError
            except ValueError:
                raise parser_error("int" if t == "int" else "double")
            if t == "int":
                if num != int(num):
                    raise parser_error("int")
                num = int(num)
                if abs(num) >= 10 ** (f["digits"] or 9):
                    raise SFError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                                  "%s: value outside of valid range on numeric field: %s"
                                  % (label, val), [name])
                return num
            scale = f["scale"]
            num = round(float(num), scale)
            if f["precision"] and abs(num) >= 10 ** (f["precision"] - scale):
                raise SFError(400, "NUMBER_OUTSIDE_VALID_RANGE",
                              "%s: value outside of valid range on numeric field: %s"
                              % (label, val), [name])
            return num
        if t == "date":
            if isinstance(val, str) and DATE_RE.match(val):
                try:
                    dt.date.fromisoformat(val)
                    return val
                except ValueError:
                    pass
            if isinstance(val, str) and csv_mode:
                d = parse_sf_datetime(val)
                if d:
                    return d.date().isoformat()
            raise parser_error("date")
        if t == "datetime":
            d = parse_sf_datetime(val) if isinstance(val, str) else None
            if d is None and csv_mode and isinstance(val, str) and DATE_RE.match(val):
                d = parse_sf_datetime(val + "T00:00:00Z")
            if d is None:
                raise parser_error("datetime")
            return fmt_sf_datetime(d)
        if t in ("reference", "id"):
            if not isinstance(val, str):
                raise parser_error("id")
            return self.coerce_ref(f, val, csv_mode)
        # string-like
        if isinstance(val, bool):
            sval = "true" if val else "false"
        elif isinstance(val, float) and val == int(val):
            sval = str(val)
        else:
            sval = str(val)
        if csv_mode and sval == "":
            return None
        return self.coerce_str(f, sval)

    def coerce_ref(self, f, val, csv_mode):
        """An id for a reference field: well formed, of an object the field can
        point to, and (for objects of this org) an existing record."""
        if val == "" and csv_mode:
            return None
        rid = norm_id(val)
        rt = tuple(f["referenceTo"])
        prefixes = self._ref_prefixes.get(rt)
        if prefixes is None:
            prefixes = self._ref_prefixes[rt] = {
                self.objects[o]["prefix"] if o in self.objects
                else EXTRA_PREFIXES.get(o) for o in rt}
        if rid is None or rid[:3] not in prefixes:
            target = self.objects.get(f["referenceTo"][0]) if f["referenceTo"] else None
            tlabel = target["label"] if target and len(f["referenceTo"]) == 1 else f["label"]
            raise SFError(400, "MALFORMED_ID", "%s: id value of incorrect type: %s"
                          % (tlabel if rid is None else f["label"], val), [f["name"]])
        if rid[:3] in self.prefix_to_obj:
            row = self.db.execute("SELECT fields FROM records WHERE id=?", (rid,)).fetchone()
            if not row:
                raise SFError(400, "INVALID_CROSS_REFERENCE_KEY",
                              "invalid cross reference id", [f["name"]])
            # after conversion only the lead's contact and account can be named
            # (Salesforce Help 000384333)
            if rid[:3] == self.objects["Lead"]["prefix"] and json.loads(row[0]).get(
                    "IsConverted"):
                raise converted_lead()
        return rid

    def coerce_str(self, f, sval):
        """The checks of a string-like field (length, email, restricted picklist)."""
        t, name, label = f["type"], f["name"], f["label"]
        if f["length"] and len(sval) > f["length"]:
            raise SFError(400, "STRING_TOO_LONG", "%s: data value too large: %s (max length=%d)"
                          % (label, sval if len(sval) < 100 else sval[:97] + "...",
                             f["length"]), [name])
        if t == "email" and sval and not EMAIL_RE.match(sval):
            raise SFError(400, "INVALID_EMAIL_ADDRESS", "%s: invalid email address: %s"
                          % (label, sval), [name])
        if f["restrictedPicklist"]:
            allowed = {p["value"] for p in f["picklistValues"] if p["active"]}
            parts = sval.split(";") if t == "multipicklist" else [sval]
            for p in parts:
                if p not in allowed:
                    raise SFError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                  "%s: bad value for restricted picklist field: %s"
                                  % (label, p), [name])
        return sval

    def check_dependent(self, f, out, existing, by_lower):
        """A restricted dependent picklist's value must be valid for the value
        of its controlling field (this write's, else the record's): its
        validFor bitmap has the bit of that controlling value.  With no
        controlling value no dependent value is valid."""
        ctl_name = f.get("controllerName")
        val = out.get(f["name"])
        if not ctl_name or not f["restrictedPicklist"] or val is None:
            return
        ctl = by_lower.get(ctl_name.lower())
        cval = out[ctl_name] if ctl_name in out else (existing or {}).get(ctl_name)
        ok = False
        if ctl is not None and cval is not None:
            if ctl["type"] == "boolean":
                idx = 1 if cval is True else 0
            else:
                vals = [p["value"] for p in ctl["picklistValues"]]
                idx = vals.index(cval) if cval in vals else -1
            entry = next((p for p in f["picklistValues"] if p["value"] == val), None)
            if idx >= 0 and entry is not None and entry.get("validFor"):
                bits = base64.b64decode(entry["validFor"])
                ok = idx // 8 < len(bits) and bool(bits[idx // 8] & (0x80 >> (idx % 8)))
        if not ok:
            raise SFError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                          "%s: bad value for restricted picklist field: %s"
                          % (f["label"], val), [f["name"]])

    def resolve_rel(self, user, f, val):
        """Lead__r: {"Booking_Key__c": "bk-1"} -> Lead id."""
        if not isinstance(val, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of reference "
                          "from VALUE_STRING value %s or request may be missing a required "
                          "field" % val)
        items = [(k, v) for k, v in val.items() if k != "attributes"]
        target = (val.get("attributes") or {}).get("type") or f["referenceTo"][0]
        tobj = self.obj_name(target)
        if not tobj or len(items) != 1:
            raise SFError(400, "INVALID_FIELD", "Invalid relationship field value for %s"
                          % f["relationshipName"], [f["name"]])
        key, kv = items[0]
        _, by_lower, _ = self.fields_for(user, tobj)
        kf = by_lower.get(key.lower())
        if not kf or not (kf["externalId"] or kf["idLookup"]):
            raise SFError(400, "INVALID_FIELD", "Field name provided, %s is not an External ID "
                          "or indexed field for %s" % (key, tobj))
        matches = self.find_by(tobj, kf, kv)
        if not matches:
            raise SFError(400, "INVALID_FIELD", "Foreign key external ID: %s not found for "
                          "field %s in entity %s" % (kv, kf["name"], tobj))
        if len(matches) > 1:
            raise SFError(400, "INVALID_FIELD", "Foreign key external ID: %s matched more than "
                          "one record for field %s in entity %s" % (kv, kf["name"], tobj))
        return matches[0]

    def check_fields(self, ctx, sobject, body, op, raw=None, csv_mode=False, existing=None):
        """Validate a field map for op in create/update/seed; returns stored values."""
        user = ctx.user
        if op == "seed":
            user = self.admin
        fields, by_lower, rels = self.fields_for(user, sobject)
        if not isinstance(body, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from "
                          "START_ARRAY value [ or request may be missing a required field at "
                          "[line:1, column:1]" % sobject)
        out, targets = {}, []
        for key, val in body.items():
            if key == "attributes":
                continue
            lk = key.lower()
            if lk == "id" and op != "seed":
                if op == "create":
                    raise SFError(400, "INVALID_FIELD", "The Id field should not be specified "
                                  "in the sobject data.")
                continue
            f = by_lower.get(lk)
            if f is None and lk in rels and isinstance(val, dict):
                targets.append((rels[lk], val))
                continue
            if f is None:
                raise SFError(400, "INVALID_FIELD", "No such column '%s' on sobject of type %s"
                              % (key, sobject))
            targets.append((f, val))
        # write access before values (FLS check happens at deserialisation)
        if op != "seed":
            denied = [f["name"] for f, _ in targets
                      if not f[("createable" if op == "create" else "updateable")]]
            if denied:
                raise SFError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                              FLS_MSG % ", ".join(denied), denied)
        for f, val in targets:
            if isinstance(val, dict) and f["type"] == "reference":
                out[f["name"]] = self.resolve_rel(user, f, val)
            else:
                out[f["name"]] = self.coerce(f, val, csv_mode, raw)
        for f, _ in targets:
            self.check_dependent(f, out, existing, by_lower)
        if op == "create":
            req = self._required.get((user["profile"], sobject))
            if req is None:
                req = self._required[(user["profile"], sobject)] = [
                    f["name"] for f in fields if f["createable"] and not f["nillable"]
                    and not f["defaultedOnCreate"]]
            missing = [n for n in req if out.get(n) is None]
            if missing:
                raise SFError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]"
                              % ", ".join(missing), missing)
        elif op == "update":
            nulls = [f["name"] for f, v in targets if out.get(f["name"]) is None
                     and not f["nillable"] and f["type"] != "boolean"]
            if nulls:
                raise SFError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [%s]"
                              % ", ".join(nulls), nulls)
        return out
