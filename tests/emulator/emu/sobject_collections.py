# SPDX-License-Identifier: ISC
"""sObject Collections: create, update, delete, retrieve and upsert up to 200 records."""
from .context import NO_TX
from .errors import SFError, method_not_allowed, not_found
from .ids import norm_id
from .resp import Resp, jbody


def save_error(e):
    return {"statusCode": e.code, "message": e.message, "fields": e.fields or []}


def collections_res(ctx, method, parts, body, qs, raw_obj=False):
    org = ctx.org
    if method == "DELETE" and not parts:
        ids = [i for i in (qs.get("ids") or "").split(",") if i]
        aon = qs.get("allOrNone") == "true"
        return run_collection(ctx, [("delete", i) for i in ids], aon, upsert=False)
    data = body if raw_obj else jbody(body)[0]
    if method == "GET" or (method == "POST" and parts):
        sobject = org.obj_name(parts[0]) if parts else None
        if not sobject:
            raise not_found()
        if method == "POST" and not isinstance(data, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of "
                          "retrieveRequest or request may be missing a required field")
        ids = (data or {}).get("ids") if method == "POST" else (qs.get("ids") or "").split(",")
        names = (data or {}).get("fields") if method == "POST" else (
            qs.get("fields") or "Id").split(",")
        if not isinstance(ids, list) or not isinstance(names, list):
            raise SFError(400, "JSON_PARSER_ERROR", "ids and fields must be arrays")
        out = []
        for i in ids or []:
            so, rec = org.get_record(norm_id(i) or "")
            out.append(org.view(ctx.user, sobject, rec, ctx.v, names) if so == sobject
                       else None)
        return Resp(200, out)
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of list from "
                      "VALUE_NULL value null or request may be missing a required field")
    records = data["records"]
    if len(records) > 200:
        raise SFError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more "
                      "than 200 records into this call")
    aon = bool(data.get("allOrNone"))
    if method == "POST" and not parts:
        return run_collection(ctx, [("create", r) for r in records], aon, upsert=False)
    if method == "PATCH" and not parts:
        return run_collection(ctx, [("update", r) for r in records], aon, upsert=False)
    if method == "PATCH" and len(parts) == 2:
        sobject = org.obj_name(parts[0])
        if not sobject:
            raise not_found()
        _, by_lower, _ = org.fields_for(ctx.user, sobject)
        f = by_lower.get(parts[1].lower())
        if not f or not (f["externalId"] or f["idLookup"]):
            raise not_found()
        return run_collection(ctx, [("upsert", r) for r in records], aon, upsert=True,
                              sobject=sobject, field=f)
    raise method_not_allowed(method, "GET,POST,PATCH,DELETE")


def run_collection(ctx, items, aon, upsert, sobject=None, field=None):
    org = ctx.org
    results, failed = [], False
    sp = "col%d" % id(results)
    org.db.execute("SAVEPOINT " + sp)
    # with allOrNone any failure rolls the whole request back to sp, so a record
    # needs no savepoint of its own (a record's writes come after its checks)
    for op, r in items:
        res = {}
        try:
            with NO_TX if aon else org.tx():
                if op == "delete":
                    rid = norm_id(r)
                    so, _ = org.get_record(rid) if rid else (None, None)
                    if not so:
                        raise SFError(400, "ENTITY_IS_DELETED" if rid else "MALFORMED_ID",
                                      "entity is deleted" if rid else "malformed id %s" % r, [])
                    org.delete_record(ctx, rid)
                    res = {"id": rid, "success": True, "errors": []}
                else:
                    if not isinstance(r, dict):
                        raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize record", [])
                    att = r.get("attributes")
                    if not isinstance(att, dict) or not att.get("type"):
                        if upsert:
                            raise SFError(400, "JSON_PARSER_ERROR",
                                          "Nested object for polymorphic foreign key must "
                                          "have an attributes field before any other "
                                          "fields.", [])
                        raise SFError(400, "INVALID_TYPE", "Must specify a type in the "
                                      "attributes field", [])
                    so = org.obj_name(str(att["type"]))
                    if not so or (upsert and so != sobject):
                        raise SFError(400, "INVALID_TYPE", "sObject type '%s' is not "
                                      "supported." % att["type"], [])
                    fields = {k: v for k, v in r.items() if k != "attributes"}
                    if op == "create":
                        if any(k.lower() == "id" for k in fields):
                            raise SFError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                          "cannot specify Id in an insert call", ["Id"])
                        rid = org.insert(ctx, so, fields)
                        res = {"id": rid, "success": True, "errors": []}
                    elif op == "update":
                        rid = norm_id(str(fields.pop("id", fields.pop("Id", "")) or ""))
                        if not rid:
                            raise SFError(400, "MISSING_ARGUMENT", "Id not specified in an "
                                          "update call", [])
                        org.update(ctx, so, rid, fields)
                        res = {"id": rid, "success": True, "errors": []}
                    else:
                        key = next((v for k, v in fields.items()
                                    if k.lower() == field["name"].lower()), None)
                        if key in (None, ""):
                            raise SFError(400, "MISSING_ARGUMENT", "%s not specified"
                                          % field["name"], [])
                        rid, created = org.upsert(ctx, so, field["name"], str(key), fields)
                        res = {"id": rid, "success": True, "errors": [], "created": created}
        except SFError as e:
            failed = True
            res = {"success": False, "errors": [save_error(e)]}
            if upsert:
                res["created"] = False
        results.append(res)
    if failed and aon:
        org.db.execute("ROLLBACK TO " + sp)
        org.db.execute("RELEASE " + sp)
        for res in results:
            if res["success"]:
                res.clear()
                res.update({"id": None, "success": False, "errors": [{
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": "Record rolled back because not all records were valid and "
                               "the request was using AllOrNone header", "fields": []}]})
                if upsert:
                    res["created"] = False
    else:
        org.db.execute("RELEASE " + sp)
    return Resp(200, results)
