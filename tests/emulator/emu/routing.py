# SPDX-License-Identifier: ISC
"""A request to its resource: versions, authentication, API counting, daily
limit, faults, then the data API's resources."""
import json
import re
import time
import urllib.parse

from .bulk import bulk
from .composite import batch, composite, graph
from .concurrent import concurrent_write
from .context import Ctx
from .describe import conditional
from .errors import Cut, method_not_allowed, not_found
from .oauth import identity, oauth
from .query import query_more, query_resource
from .records import sobject_resource
from .resp import Resp
from .sobject_collections import collections_res

API_VERSION = "62.0"

MIN_VERSION, MAX_VERSION = 31, 66

ENDPOINTS = [
    (re.compile(r"^/services/oauth2/token$"), "oauth_token"),
    (re.compile(r"^/services/oauth2/revoke$"), "oauth_revoke"),
    (re.compile(r"^/services/oauth2/introspect$"), "oauth_introspect"),
    (re.compile(r"^/services/data/?$"), "versions"),
    (re.compile(r"^/services/data/v[\d.]+/?$"), "resources"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/?$"), "describe_global"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/describe/?$"), "describe"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/?$"), "sobject"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/\w+/?$"), "sobject_row"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/\w+/\w+/.+$"), "sobject_upsert"),
    (re.compile(r"^/services/data/v[\d.]+/composite/graph/?$"), "composite_graph"),
    (re.compile(r"^/services/data/v[\d.]+/composite/sobjects.*$"), "collections"),
    (re.compile(r"^/services/data/v[\d.]+/composite/?$"), "composite"),
    (re.compile(r"^/services/data/v[\d.]+/jobs/ingest.*$"), "bulk_ingest"),
    (re.compile(r"^/services/data/v[\d.]+/limits/?$"), "limits"),
    (re.compile(r"^/services/data/v[\d.]+/query.*$"), "query"),
]


def endpoint_name(path):
    for rx, name in ENDPOINTS:
        if rx.match(path):
            return name
    return "other"


def versions_list():
    out = []
    for v in range(MIN_VERSION, MAX_VERSION + 1):
        off = v - 59
        yy = 24 + off // 3
        season = ("Winter", "Spring", "Summer")[off % 3]
        apos = "\u2019" if v == 42 else "'"
        out.append({"label": "%s %s%02d" % (season, apos, yy), "url": "/services/data/v%d.0"
                    % v, "version": "%d.0" % v})
    return out

VERSIONS_BODY = json.dumps(versions_list(), ensure_ascii=False,
                           separators=(",", ":")).encode()


def serve(org, h, method, path, query, body, entry):
    ep = endpoint_name(path)
    with org.stats_lock:
        be = org.counters["by_endpoint"]
        be[ep] = be.get(ep, 0) + 1
    faults = org.pick_faults(method, path)
    lat = org.config["latency_ms"] + sum(f["ms"] for f in faults if f["kind"] == "latency")
    kinds = [f["kind"] for f in faults]
    for k in kinds:
        if k != "lock":
            org.count_fault(k)
    if kinds:
        entry["fault"] = ",".join(kinds)
    if lat:
        # a network round trip: per HTTP request, holding no lock, so concurrent
        # requests overlap their latency as they would on a real network
        time.sleep(lat / 1000.0)
    if "cut_before" in kinds:
        raise Cut()
    if "unavailable" in kinds:
        if any(f["spec"].get("html") for f in faults if f["kind"] == "unavailable"):
            # edge/maintenance pages are not JSON
            return Resp(503, "<html><head><title>Service Unavailable</title></head><body>"
                        "<h1>Service Unavailable</h1><p>The server is temporarily unable to "
                        "service your request. Please try again later.</p></body></html>",
                        ctype="text/html;charset=UTF-8")
        return Resp(503, [{"message": "Server temporarily unavailable. Please try again "
                           "later.", "errorCode": "SERVER_UNAVAILABLE"}])
    if path.startswith("/services/oauth2/"):
        resp = oauth(org, h, method, path, query, body)
    elif path.startswith("/id/"):
        resp = identity(h.server.orgs, org, h, path)
    elif re.match(r"^/services/data/?$", path):
        if method not in ("GET", "HEAD"):
            resp = Resp(405, [{"message": "HTTP Method '%s' not allowed. Allowed are HEAD,GET"
                               % method, "errorCode": "METHOD_NOT_ALLOWED"}])
        else:
            resp = Resp(200, VERSIONS_BODY)
    elif path.startswith("/services/data/"):
        m = re.match(r"^/services/data/(v(\d+)\.(\d+)|latest)(/.*)?$", path)
        if not m:
            return Resp(404, not_found().array())
        if m.group(1) == "latest":
            major, rest = MAX_VERSION, m.group(4) or "/"
        else:
            major, rest = int(m.group(2)), m.group(4) or "/"
        if major < MIN_VERSION:
            return Resp(410, [{"message": "The requested version is no longer supported.",
                               "errorCode": "GONE"}])
        if major > MAX_VERSION:
            return Resp(404, not_found().array())
        entry["limit_info"] = True
        if "expired_session" in kinds:
            return Resp(401, [{"message": "Session expired or invalid",
                               "errorCode": "INVALID_SESSION_ID"}])
        user = org.auth_user(h.headers)
        entry["user"] = user["Username"]
        if "concurrent_limit" in kinds:
            return Resp(403, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                               "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        with org.stats_lock:
            if "daily_limit" in kinds or org.counters["api_calls"] >= org.config["daily_limit"]:
                return Resp(403, [{"message": "TotalRequests Limit exceeded.",
                                   "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
            org.counters["api_calls"] += 1
        ctx = Ctx(org, user, "%d.0" % major, lock_fault="lock" in kinds)
        writes = method in ("POST", "PATCH", "PUT", "DELETE")
        if ctx.lock_fault and not writes:
            ctx.take_lock_fault()
            return Resp(400, [{"message": "unable to obtain exclusive access to this record",
                               "errorCode": "UNABLE_TO_LOCK_ROW", "fields": []}])
        resp = data_api(ctx, h, method, rest, query, body)
    else:
        resp = Resp(404, not_found().array())
    if "cut_after" in kinds:
        return None
    return resp


def data_api(ctx, h, method, rest, query, body):
    org = ctx.org
    parts = [urllib.parse.unquote(p) for p in rest.strip("/").split("/")] if rest.strip(
        "/") else []
    qs = dict(urllib.parse.parse_qsl(query))
    hdr = h.headers
    if method == "POST" and qs.get("_HttpMethod"):
        method = qs["_HttpMethod"]
    if not parts:
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        v = "/services/data/" + ctx.v
        return Resp(200, {"tooling": v + "/tooling", "metadata": v + "/metadata",
                          "eclair": v + "/eclair", "folders": v + "/folders",
                          "prechatForms": v + "/prechatForms", "jsonxform": v + "/jsonxform",
                          "chatter": v + "/chatter", "tabs": v + "/tabs",
                          "appMenu": v + "/appMenu", "quickActions": v + "/quickActions",
                          "queryAll": v + "/queryAll", "analytics": v + "/analytics",
                          "search": v + "/search", "identity": "%s/id/%s/%s" % (
                              org.login_url, org.org_id, ctx.user["Id"]),
                          "composite": v + "/composite", "sobjects": v + "/sobjects",
                          "query": v + "/query", "recent": v + "/recent",
                          "limits": v + "/limits", "jobs": v + "/jobs"})
    head = parts[0]
    if head == "sobjects":
        if len(parts) == 1:
            if method != "GET":
                raise method_not_allowed(method, "GET,HEAD")
            return conditional(org, hdr, lambda: {
                "encoding": "UTF-8", "maxBatchSize": 200,
                "sobjects": [org.global_entry(ctx.user, n, ctx.v) for n in sorted(org.objects)]})
        body_text = body.decode("utf-8", "replace") if body else ""
        with org.lock:
            return sobject_resource(ctx, method, parts[1:], body, body_text, hdr, qs)
    if head == "composite":
        # resources newer than the version asked for do not exist there:
        # Composite Graph from 50.0, sObject Collections from 42.0
        major = int(ctx.version.split(".")[0])
        if len(parts) >= 2 and (parts[1] == "graph" and major < 50 or
                                parts[1] == "sobjects" and major < 42):
            raise not_found()

        def native():
            if len(parts) == 1:
                return composite(ctx, method, body)
            if parts[1] == "graph":
                return graph(ctx, method, body)
            if parts[1] == "batch":
                return batch(ctx, method, body)
            if parts[1] == "sobjects":
                return collections_res(ctx, method, parts[2:], body, qs)
            raise not_found()
        kind = None
        if len(parts) >= 2 and parts[1] == "graph" and method == "POST":
            kind = "graph"
        elif len(parts) >= 2 and parts[1] == "sobjects" and method in ("POST", "PATCH"):
            kind = "collections"
        if kind and org.pool:
            return concurrent_write(ctx, (kind, method, parts[2:], body, qs), native)
        with org.lock:
            return native()
    if head == "limits":
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        used = org.counters["api_calls"]
        mx = org.config["daily_limit"]
        lim = {"DailyApiRequests": {"Max": mx, "Remaining": max(0, mx - used)},
               "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
               "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000 - sum(
                   j.get("batches", 0) for j in org.jobs.values())},
               "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
               "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
               "DataStorageMB": {"Max": 5, "Remaining": 5},
               "FileStorageMB": {"Max": 20, "Remaining": 20},
               "HourlyODataCallout": {"Max": 10000, "Remaining": 10000},
               "SingleEmail": {"Max": 15, "Remaining": 15}}
        return Resp(200, lim)
    if head == "query" or head == "queryAll":
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        with org.lock:
            if len(parts) == 2:
                return query_more(ctx, parts[1])
            return query_resource(ctx, qs.get("q"), hdr)
    if head == "jobs" and len(parts) >= 2 and parts[1] == "ingest":
        with org.lock:
            return bulk(ctx, method, parts[2:], body, hdr)
    raise not_found()
