# SPDX-License-Identifier: ISC
"""Composite resources: graph, composite and batch."""
import re
import urllib.parse

import speculate

from .context import Ctx
from .errors import SFError, method_not_allowed
from .query import query_more, query_resource
from .records import sobject_resource
from .resp import Resp, jbody
from .sobject_collections import collections_res

REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]*)\}")

REF_PATH_RE = re.compile(r"[^.\[\]]+|\[\d+\]")

GRAPH_ID_RE = re.compile(r"^[A-Za-z0-9][^.]{0,38}$")

NODE_KIND_RE = re.compile(r"^/services/data/(v[\d.]+)/sobjects/(\w+)")

HALTED_MSG = ("The transaction was rolled back since another operation in the same "
              "transaction failed.")


class RefError(Exception):
    def __init__(self, ref, expr):
        super().__init__(expr)
        self.ref, self.expr = ref, expr


def lookup_ref(results, ref, path):
    if ref not in results:
        raise RefError(ref, ref + "." + path)
    cur = results[ref]
    for part in REF_PATH_RE.findall(path):
        if part.startswith("["):
            idx = int(part[1:-1])
            if not isinstance(cur, list) or idx >= len(cur):
                raise RefError(ref, ref + "." + path)
            cur = cur[idx]
        else:
            if not isinstance(cur, dict) or part not in cur:
                raise RefError(ref, ref + "." + path)
            cur = cur[part]
    return cur


def resolve_refs(obj, results):
    if isinstance(obj, str):
        if "@{" not in obj:
            return obj
        m = REF_RE.fullmatch(obj)
        if m:
            return lookup_ref(results, m.group(1), m.group(2))
        return REF_RE.sub(lambda m: str(lookup_ref(results, m.group(1), m.group(2))), obj)
    if isinstance(obj, dict):
        return {k: resolve_refs(v, results) for k, v in obj.items()}
    if isinstance(obj, list):
        return [resolve_refs(v, results) for v in obj]
    return obj

SUB_URL_RE = re.compile(r"^/services/data/v(\d+)\.(\d+)(/[^?]*)(?:\?(.*))?$")


def run_sub(ctx, method, url, body):
    """One composite/graph subrequest -> (status, body, headers)."""
    m = SUB_URL_RE.match(url or "")
    if not m:
        raise SFError(400, "INVALID_INPUT" if url else "JSON_PARSER_ERROR",
                      "The URL %s is not a valid resource for this request" % url)
    sub = Ctx(ctx.org, ctx.user, "%s.%s" % (m.group(1), m.group(2)), flags=ctx.flags)
    path = m.group(3).strip("/")
    parts = [urllib.parse.unquote(p) for p in path.split("/")] if "%" in path else\
        path.split("/")
    qs = dict(urllib.parse.parse_qsl(m.group(4))) if m.group(4) else {}
    if parts[0] == "sobjects" and len(parts) >= 2:
        if body is None and method in ("POST", "PATCH"):
            body = {}
        r = sobject_resource(sub, method, parts[1:], body, None, {}, qs)
    elif parts[0] == "composite" and len(parts) >= 2 and parts[1] == "sobjects":
        r = collections_res(sub, method, parts[2:], body, qs, raw_obj=True)
    elif parts[0] == "query":
        if ctx.org.speculative:
            raise speculate.Bail()  # cursors live in the owner's memory
        r = query_resource(sub, qs.get("q"), {}) if len(parts) == 1 else query_more(sub,
                                                                                    parts[1])
    else:
        raise SFError(400, "INVALID_INPUT", "The URL %s is not a valid resource for this "
                      "request" % url)
    loc = r.headers.get("Location")
    return r.status, r.body, ({"Location": loc} if loc is not None else {})


# the only resources a graph node may name, with their methods (Composite
# Subrequest of the Composite Graph resource): sObject, sObject Rows, sObject
# Rows by External ID
GRAPH_NODE_RES = (
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/?(?:\?.*)?$"), ("POST",)),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/[^/?]+/?(?:\?.*)?$"),
     ("DELETE", "GET", "PATCH")),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/\w+/[^?]+(?:\?.*)?$"),
     ("DELETE", "GET", "PATCH", "POST")),
)


def check_graph_node(method, url):
    """A query, a collection or any other resource fails its node [exp: code]."""
    for rx, methods in GRAPH_NODE_RES:
        if rx.match(url or ""):
            if method in methods:
                return
            break
    raise SFError(400, "INVALID_INPUT", "%s %s is not supported in a composite graph: a "
                  "node may only create, read, update, upsert or delete an sObject record"
                  % (method, url))


def halted(ref):
    return {"body": [{"errorCode": "PROCESSING_HALTED", "message": HALTED_MSG}],
            "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref}


def graph(ctx, method, body):
    if method != "POST":
        raise method_not_allowed(method, "POST")
    data, _ = jbody(body)
    graphs = data.get("graphs") if isinstance(data, dict) else None
    if not isinstance(graphs, list):
        raise SFError(400, "JSON_PARSER_ERROR", "Unrecognized field \"graphs\" missing or not "
                      "an array at [line:1, column:1]")
    for g in graphs:
        nodes = g.get("compositeRequest") if isinstance(g, dict) else None
        if not isinstance(nodes, list) or not all(
                isinstance(n, dict) and isinstance(n.get("url"), str) and
                isinstance(n.get("method"), str) for n in nodes):
            raise SFError(400, "JSON_PARSER_ERROR", "Each graph needs a graphId and a "
                          "compositeRequest array of nodes with method, url and referenceId")
    if len(graphs) > 75:
        raise SFError(400, "LIMIT_EXCEEDED", "Limit of 75 reached for number of graphs in "
                      "Graph Api")
    total = sum(len(g.get("compositeRequest") or []) for g in graphs)
    if total > 500:
        raise SFError(400, "LIMIT_EXCEEDED", "Limit of 500 reached for number of nodes in "
                      "Graph Api")
    kinds, ids = set(), set()
    for g in graphs:
        gid = g.get("graphId")
        if not isinstance(gid, str) or not GRAPH_ID_RE.match(gid) or\
                gid in ids:
            raise SFError(400, "INVALID_INPUT", "Invalid graphId %r: a graphId must be unique "
                          "in the request, start with an alphanumeric character, be shorter "
                          "than 40 characters and contain no '.'" % gid)
        ids.add(gid)
        for n in g.get("compositeRequest") or []:
            m = NODE_KIND_RE.match(n.get("url") or "")
            kinds.add((n.get("method"), m.group(1), m.group(2).lower()) if m else (
                n.get("method"), n.get("url")))
    if len(kinds) > 15:
        raise SFError(400, "LIMIT_EXCEEDED", "Limit of 15 reached for number of different "
                      "nodes in Graph Api")
    out = []
    # one transaction for the request (a savepoint per graph inside it), not a
    # commit per graph; nodes write without savepoints of their own (write_tx)
    with ctx.org.tx():
        ctx.flags["atomic"] = True
        try:
            run_graphs(ctx, graphs, out)
        finally:
            ctx.flags["atomic"] = False
    return Resp(200, {"graphs": out})


def run_graphs(ctx, graphs, out):
    failures = 0
    for g in graphs:
        nodes = g.get("compositeRequest") or []
        ctx.flags["dml"] = {}   # each graph is a transaction of its own
        if failures >= 14:
            out.append({"graphId": g["graphId"], "graphResponse": {"compositeResponse": [
                halted(n.get("referenceId")) for n in nodes]}, "isSuccessful": False})
            continue
        depth, named = graph_depth(nodes)
        results, responses, failed = {}, [], None
        try:
            with ctx.org.tx():
                if depth > 15:
                    failed = (0, 400, [{"errorCode": "LIMIT_EXCEEDED", "message":
                                        "Limit of 15 reached for depth of graph in Graph Api"}])
                    raise RefError("", "")
                for i, n in enumerate(nodes):
                    ref = n.get("referenceId")
                    try:
                        if named[i]:
                            url = resolve_refs(n.get("url"), results)
                            nbody = resolve_refs(n.get("body"), results)
                        else:  # nothing to resolve (bodies are never changed)
                            url, nbody = n.get("url"), n.get("body")
                        check_graph_node(n.get("method"), url)
                        st, rb, hh = run_sub(ctx, n.get("method"), url, nbody)
                    except RefError as e:
                        failed = (i, 400, [{"errorCode": "INVALID_REFERENCE", "message":
                                            "Invalid reference specified. No value for %s "
                                            "found in %s. Provided referenceId ('%s') has no "
                                            "value or isn't a valid reference"
                                            % (e.expr, e.ref, e.ref)}])
                        raise
                    except SFError as e:
                        failed = (i, e.status, e.array())
                        raise
                    results[ref] = rb
                    responses.append({"body": rb, "httpHeaders": hh, "httpStatusCode": st,
                                      "referenceId": ref})
        except (SFError, RefError):
            pass
        if failed is None:
            out.append({"graphId": g["graphId"], "graphResponse": {
                "compositeResponse": responses}, "isSuccessful": True})
        else:
            failures += 1
            i, st, errs = failed
            cr = []
            for j, n in enumerate(nodes):
                if j == i:
                    cr.append({"body": errs, "httpHeaders": {}, "httpStatusCode": st,
                               "referenceId": n.get("referenceId")})
                else:
                    cr.append(halted(n.get("referenceId")))
            out.append({"graphId": g["graphId"], "graphResponse": {"compositeResponse": cr},
                        "isSuccessful": False})
    return failures


def ref_names(obj, out):
    """The referenceIds named by @{ref.field} in the strings (and keys) of obj."""
    if isinstance(obj, str):
        if "@{" in obj:
            out.update(r for r, _ in REF_RE.findall(obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            ref_names(k, out)
            ref_names(v, out)
    elif isinstance(obj, list):
        for v in obj:
            ref_names(v, out)
    return out


def node_refs(n):
    """The referenceIds a node names, in its URL and body."""
    refs = set()
    url, body = n.get("url"), n.get("body")
    if type(url) is str:
        if "@{" in url:
            refs.update(r for r, _ in REF_RE.findall(url))
    else:
        ref_names(url, refs)
    if type(body) is dict:
        for k, v in body.items():
            if "@{" in k:
                refs.update(r for r, _ in REF_RE.findall(k))
            if type(v) is str:
                if "@{" in v:
                    refs.update(r for r, _ in REF_RE.findall(v))
            elif isinstance(v, (dict, list)):
                ref_names(v, refs)
    else:
        ref_names(body, refs)
    return refs


def graph_depth(nodes):
    """(the graph's depth, the referenceIds each node names)"""
    depth, named = {}, []
    for n in nodes:
        refs = node_refs(n)
        named.append(refs)
        depth[n.get("referenceId")] = 1 + max([depth.get(r, 0) for r in refs] or [0])
    return max(depth.values() or [0]), named


def composite(ctx, method, body):
    if method != "POST":
        raise method_not_allowed(method, "POST")
    data, _ = jbody(body)
    reqs = data.get("compositeRequest") if isinstance(data, dict) else None
    if not isinstance(reqs, list):
        raise SFError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    if len(reqs) > 25:
        raise SFError(400, "LIMIT_EXCEEDED", "Exceeded max number of subrequests: 25")
    seen = set()
    for r in reqs:
        if not isinstance(r, dict) or not isinstance(r.get("httpHeaders") or {}, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of "
                          "compositeSubrequest or request may be missing a required field")
        ref = r.get("referenceId")
        if not isinstance(ref, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_]*$", ref):
            raise SFError(400, "INVALID_INPUT", "Invalid referenceId: %r" % ref)
        if ref in seen:
            raise SFError(400, "INVALID_INPUT", "Duplicate referenceId provided in the "
                          "request: %s" % ref)
        seen.add(ref)
        for k in (r.get("httpHeaders") or {}):
            if k.lower() in ("accept", "authorization", "content-type"):
                raise SFError(400, "INVALID_INPUT", "The %s header can't be set on a "
                              "subrequest" % k)
    all_or_none = bool(data.get("allOrNone"))
    org = ctx.org
    results, out, failed_at = {}, [], None
    sp = "cmp%d" % id(out)
    org.db.execute("SAVEPOINT " + sp)
    for i, r in enumerate(reqs):
        ref = r["referenceId"]
        try:
            url = resolve_refs(r.get("url"), results)
            nbody = resolve_refs(r.get("body"), results)
        except RefError as e:
            out.append({"body": [{"errorCode": "PROCESSING_HALTED", "message":
                                  "Invalid reference specified. No value for %s found in %s. "
                                  "Provided referenceId ('%s') has no value or isn't a valid "
                                  "reference" % (e.expr, e.ref, e.ref)}],
                        "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref})
            if all_or_none:
                failed_at = i
                break
            continue
        try:
            with org.tx():
                st, rb, hh = run_sub(ctx, r.get("method"), url, nbody)
        except SFError as e:
            out.append({"body": e.array(), "httpHeaders": {}, "httpStatusCode": e.status,
                        "referenceId": ref})
            if all_or_none:
                failed_at = i
                break
            continue
        results[ref] = rb
        out.append({"body": rb, "httpHeaders": hh, "httpStatusCode": st, "referenceId": ref})
    if failed_at is not None:
        org.db.execute("ROLLBACK TO " + sp)
        org.db.execute("RELEASE " + sp)
        final = []
        for i, r in enumerate(reqs):
            final.append(out[i] if i == failed_at else halted(r["referenceId"]))
        return Resp(200, {"compositeResponse": final})
    org.db.execute("RELEASE " + sp)
    return Resp(200, {"compositeResponse": out})


def batch(ctx, method, body):
    """Composite Batch: independent subrequests, each one an API call."""
    if method != "POST":
        raise method_not_allowed(method, "POST")
    data, _ = jbody(body)
    reqs = data.get("batchRequests") if isinstance(data, dict) else None
    if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
        raise SFError(400, "JSON_PARSER_ERROR", "batchRequests is required")
    if len(reqs) > 25:
        raise SFError(400, "LIMIT_EXCEEDED", "Exceeded max number of subrequests: 25")
    org = ctx.org
    extra = max(0, len(reqs) - 1)  # the request itself was counted once already
    with org.stats_lock:
        if org.counters["api_calls"] + extra > org.config["daily_limit"]:
            raise SFError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        org.counters["api_calls"] += extra
    halt = bool(data.get("haltOnError"))
    results, errors, halted_now = [], False, False
    for r in reqs:
        if halted_now:
            results.append({"statusCode": 412, "result": [{
                "errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted "
                "per request"}]})
            continue
        url = r.get("url") or ""
        m = re.match(r"^/?(?:services/data/)?v(\d+\.\d+)(/.*)$", url)
        try:
            if not m or not (34.0 <= float(m.group(1)) <= float(ctx.version)):
                raise SFError(400, "INVALID_INPUT", "Invalid batch subrequest url: %s" % url)
            with org.tx():
                st, rb, _ = run_sub(ctx, r.get("method"), "/services/data/v%s%s"
                                    % (m.group(1), m.group(2)), r.get("richInput"))
            results.append({"statusCode": st, "result": rb})
        except SFError as e:
            errors = True
            results.append({"statusCode": e.status, "result": e.array()})
            halted_now = halt
    return Resp(200, {"hasErrors": errors, "results": results})
