# SPDX-License-Identifier: ISC
"""The REST query resource: SOQL (parsed by soql.py) run on the org's records, and paging."""
import datetime as dt
import re

import soql

from .errors import SFError
from .ids import make_id, norm_id
from .resp import Resp
from .sftime import stored_dt


def soql_field(org, ctx, sobject, tok, q):
    _, by_lower, _ = org.fields_for(ctx.user, sobject)
    f = by_lower.get(tok[1].lower())
    if not f:
        raise SFError(400, "INVALID_FIELD", "\n%s\n%s^\nERROR at Row:1:Column:%d\nNo such "
                      "column '%s' on entity '%s'. If you are attempting to use a custom "
                      "field, be sure to append the '__c' after the custom field name. Please "
                      "reference your WSDL or the describe call for the appropriate names."
                      % (q, " " * tok[2], tok[2] + 1, tok[1], sobject))
    return f


def comparable(f, v):
    if v is None:
        return None
    t = f["type"]
    if t == "datetime":
        return stored_dt(v)
    if t == "date":
        return dt.date.fromisoformat(v)
    if t in ("int", "double", "currency", "percent"):
        return float(v)
    if t == "boolean":
        return bool(v)
    if t in ("id", "reference"):
        return v[:15]
    return v.lower()


# field types whose SOQL literals are not quoted, and the literal kind each takes
UNQUOTED_LITERALS = {"datetime": "datetime", "date": "date", "int": "num", "double": "num",
                     "currency": "num", "percent": "num", "boolean": "bool"}


def literal_value(f, lit, q):
    t = f["type"]
    bad = SFError(400, "INVALID_FIELD", "\n%s\n\nvalue of filter criterion for field '%s' must "
                  "be of type %s and should not be enclosed in quotes"
                  % (q, f["name"], {"datetime": "dateTime"}.get(t, t)))
    if lit.kind == "null":
        return None
    kind = UNQUOTED_LITERALS.get(t)
    if kind is not None:
        if lit.kind != kind:
            raise bad
        return lit.value
    if lit.kind != "str":
        raise SFError(400, "INVALID_FIELD", "\n%s\n\nvalue of filter criterion for field '%s' "
                      "must be of type %s and should be enclosed in quotes" % (q, f["name"], t))
    if t in ("id", "reference"):
        # an id literal must be a well-formed id (15 or 18 characters, the
        # right case suffix): one that is not fails the whole query
        if norm_id(lit.value) is None:
            raise SFError(400, "INVALID_QUERY_FILTER_OPERATOR", "\n%s\n\ninvalid ID field: %s"
                          % (q, lit.value))
        return lit.value[:15]
    return lit.value.lower()


def compile_where(org, ctx, sobject, node, q):
    kind = node[0]
    if kind in ("and", "or"):
        a = compile_where(org, ctx, sobject, node[1], q)
        b = compile_where(org, ctx, sobject, node[2], q)
        return (lambda r: a(r) and b(r)) if kind == "and" else (lambda r: a(r) or b(r))
    if kind == "not":
        a = compile_where(org, ctx, sobject, node[1], q)
        return lambda r: not a(r)
    if kind in ("in", "notin"):
        f = soql_field(org, ctx, sobject, node[1], q)
        vals = [literal_value(f, v, q) for v in node[2]]
        name = f["name"]
        if kind == "in":
            return lambda r: comparable(f, r.get(name)) in vals
        return lambda r: comparable(f, r.get(name)) not in vals
    if kind == "like":
        f = soql_field(org, ctx, sobject, node[1], q)
        pat = re.escape(node[2].value.lower()).replace("%", ".*").replace("_", ".")
        rx = re.compile("^" + pat + "$", re.S)
        name = f["name"]
        return lambda r: r.get(name) is not None and bool(rx.match(str(r.get(name)).lower()))
    _, op, tok, lit = node
    f = soql_field(org, ctx, sobject, tok, q)
    val = literal_value(f, lit, q)
    name = f["name"]
    if val is None:
        if op not in ("=", "!="):
            raise SFError(400, "MALFORMED_QUERY", "\n%s\n\ninvalid operator on null" % q)
        return (lambda r: r.get(name) is None) if op == "=" else (lambda r: r.get(name)
                                                                   is not None)

    def cmp(r):
        x = comparable(f, r.get(name))
        if op == "=":
            return x == val
        if op == "!=":
            return x != val
        if x is None:
            return False
        return {"<": x < val, "<=": x <= val, ">": x > val, ">=": x >= val}[op]
    return cmp


def query_resource(ctx, q, hdr):
    org = ctx.org
    if not q:
        raise SFError(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        ast = soql.parse(q)
    except soql.SoqlError as e:
        raise SFError(400, e.code, e.message)
    if ast["object"][1].lower() == "userpermissionaccess":
        return user_permission_access(ctx, ast, q)
    sobject = org.obj_name(ast["object"][1])
    if not sobject:
        tok = ast["object"]
        raise SFError(400, "INVALID_TYPE", "\n%s\n%s^\nERROR at Row:1:Column:%d\nsObject type "
                      "'%s' is not supported. If you are attempting to use a custom object, be "
                      "sure to append the '__c' after the entity name. Please reference your "
                      "WSDL or the describe call for the appropriate names."
                      % (q, " " * tok[2], tok[2] + 1, tok[1]))
    fields = [soql_field(org, ctx, sobject, t, q) for t in ast["fields"]]
    seen = set()
    for f, t in zip(fields, ast["fields"]):
        if f["name"] in seen:
            raise SFError(400, "MALFORMED_QUERY", "\n%s\n\nduplicate field selected: %s"
                          % (q, t[1]))
        seen.add(f["name"])
    pred = compile_where(org, ctx, sobject, ast["where"], q) if ast["where"] else None
    order = [(soql_field(org, ctx, sobject, t, q), desc, nl) for t, desc, nl in ast["order"]]
    rows = [r["fields"] for r in org.all_records(sobject)]
    if sobject == "Event" and not org.sees_all_data(ctx.user):
        # a private event is its owner's alone unless the user has View All
        # Data or Modify All Data: others' queries do not find it
        me = ctx.user["Id"][:15]
        rows = [r for r in rows if not r.get("IsPrivate") or (r.get("OwnerId") or "")[:15] == me]
    if pred:
        rows = [r for r in rows if pred(r)]
    for f, desc, nulls_last in reversed(order):
        nn = [r for r in rows if r.get(f["name"]) is not None]
        nulls = [r for r in rows if r.get(f["name"]) is None]
        nn.sort(key=lambda r: comparable(f, r[f["name"]]), reverse=desc)
        rows = nn + nulls if nulls_last else nulls + nn
    if ast["offset"]:
        rows = rows[ast["offset"]:]
    if ast["limit"] is not None:
        rows = rows[:ast["limit"]]
    names = [f["name"] for f in fields]
    records = [org.view(ctx.user, sobject, r, ctx.v, names) for r in rows]
    batch = org.config["query_batch"]
    opts = hdr.get("Sforce-Query-Options") if hdr else None
    if opts:
        m = re.search(r"batchSize\s*=\s*(\d+)", opts)
        if m:
            batch = max(200, min(2000, int(m.group(1))))
    return query_page(ctx, records, 0, batch, None)


PERMISSION_FIELDS = ("PermissionsViewAllData", "PermissionsModifyAllData")


def user_permission_access(ctx, ast, q):
    """UserPermissionAccess: one row, the querying user's own permissions
    (only the two this org models)."""
    all_data = ctx.org.sees_all_data(ctx.user)
    row = {"attributes": {"type": "UserPermissionAccess"}}
    for t in ast["fields"]:
        name = next((n for n in ("Id",) + PERMISSION_FIELDS if n.lower() == t[1].lower()), None)
        if name is None:
            raise SFError(400, "INVALID_FIELD", "\n%s\n%s^\nERROR at Row:1:Column:%d\nNo such "
                          "column '%s' on entity 'UserPermissionAccess'."
                          % (q, " " * t[2], t[2] + 1, t[1]))
        row[name] = None if name == "Id" else all_data
    return query_page(ctx, [row], 0, 2000, None)


def query_page(ctx, records, start, batch, locator):
    org = ctx.org
    page = records[start:start + batch]
    done = start + batch >= len(records)
    body = {"totalSize": len(records), "done": done}
    if not done:
        if locator is None:
            org.cursor_n = getattr(org, "cursor_n", 0) + 1
            locator = make_id("01g", org.cursor_n, org.pod)
            org.cursors[locator] = (records, batch)
        body["nextRecordsUrl"] = "/services/data/%s/query/%s-%d" % (ctx.v, locator,
                                                                   start + batch)
    body["records"] = page
    return Resp(200, body)


def query_more(ctx, loc):
    m = re.match(r"^([A-Za-z0-9]{15,18})-(\d+)$", loc)
    cur = ctx.org.cursors.get(m.group(1)) if m else None
    if not cur:
        raise SFError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    records, batch = cur
    return query_page(ctx, records, int(m.group(2)), batch, m.group(1))
