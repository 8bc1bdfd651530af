# SPDX-License-Identifier: ISC
"""The admin API under /__emu/ (no auth, not counted): orgs, and per org its
stats, records, log, reset, config, faults, sessions, users, tokens, refresh
tokens."""
import json
import re
import urllib.parse

from .context import Ctx
from .errors import SFError
from .resp import Resp
from .routing import API_VERSION


def admin(orgs, org, method, path, query, body):
    """org: the org of the request's host (the default org on a shared host);
    ?org=NAME names another."""
    qs = dict(urllib.parse.parse_qsl(query))
    p = path.rstrip("/")
    data = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            return Resp(400, {"error": "body is not JSON"})
    if "org" in qs:
        org = orgs.by_name.get(qs.pop("org"))
        if org is None:
            return Resp(404, {"error": "unknown org"})
    if p == "/__emu/orgs":
        if method == "GET":
            return Resp(200, {"orgs": [o.describe_org() for o in orgs.all]})
        if method == "POST":
            settings = dict(data) if isinstance(data, dict) else {}
            try:
                new = orgs.add(settings.pop("name", None), settings)
            except (ValueError, SFError, re.error, TypeError, AttributeError) as e:
                return Resp(400, {"error": str(e)})
            return Resp(201, dict(new.describe_org(), resolve="%s:%d:127.0.0.1" % (
                new.host, orgs.port)))
    if p == "/__emu/stats" and method == "GET":
        with org.lock, org.stats_lock:
            c = org.counters
            return Resp(200, {"org": org.name, "api_calls": c["api_calls"],
                              "requests": c["requests"],
                              "by_endpoint": dict(c["by_endpoint"]),
                              "daily_limit": org.config["daily_limit"],
                              "faults_injected": dict(c["faults_injected"]),
                              "records": org.db.execute(
                                  "SELECT count(*) FROM records WHERE fixture=0").fetchone()[0],
                              "config": dict(org.config),
                              "parallel": {"helpers": len(org.pool.helpers) if org.pool
                                           else 0, "speculated": c["speculated"],
                                           "conflicts": c["speculation_conflicts"]}})
    if p == "/__emu/records":
        if method == "GET":
            with org.lock:
                so = org.obj_name(qs["sobject"]) if qs.get("sobject") else None
                if qs.get("sobject") and not so:
                    return Resp(404, {"error": "unknown sobject"})
                recs = org.all_records(so)
            for k, v in qs.items():
                if k not in ("sobject",):
                    recs = [r for r in recs if str(r["fields"].get(k)) == v]
            return Resp(200, {"records": recs})
        if method == "POST":
            so = org.obj_name(str((data or {}).get("sobject") or ""))
            if not so:
                return Resp(400, {"error": "unknown sobject"})
            ctx = Ctx(org, org.admin, API_VERSION)
            try:
                with org.lock, org.tx():
                    rid = org.insert(ctx, so, data.get("fields") or {}, op="seed")
            except SFError as e:
                return Resp(400, e.array())
            return Resp(201, {"id": rid, "Id": rid})
    if p == "/__emu/convert_lead" and method == "POST":
        d = data if isinstance(data, dict) else {}
        try:
            with org.lock, org.tx():
                return Resp(200, org.convert_lead(Ctx(org, org.admin, API_VERSION),
                                                  d.get("leadId"), d.get("accountId"),
                                                  d.get("contactId")))
        except SFError as e:
            return Resp(400, e.array())
    if p == "/__emu/log" and method == "GET":
        n = int(qs.get("limit", 100))
        items = list(org.log)[-n:]
        return Resp(200, {"requests": items})
    if p == "/__emu/reset" and method == "POST":
        org.reset()
        return Resp(200, {"ok": True})
    if p == "/__emu/config" and method == "POST":
        with org.stats_lock:
            for k, v in (data or {}).items():
                if k == "api_calls":
                    org.counters["api_calls"] = int(v)
                elif k in org.config:
                    org.config[k] = int(v)
                else:
                    return Resp(400, {"error": "unknown config key %s" % k})
            return Resp(200, dict(org.config, api_calls=org.counters["api_calls"]))
    if p == "/__emu/faults":
        if method == "POST":
            try:
                org.set_faults(data or {})
            except (SFError, re.error, TypeError, AttributeError) as e:
                return Resp(400, {"error": str(e)})
            return Resp(200, {"rules": [f["spec"] for f in org.faults]})
        if method == "DELETE":
            with org.stats_lock:
                org.faults = []
            return Resp(200, {"rules": []})
        if method == "GET":
            return Resp(200, {"rules": [dict(f["spec"], remaining=f["count"])
                                        for f in org.faults]})
    if p == "/__emu/expire_sessions" and method == "POST":
        with org.lock:
            for t in org.tokens.values():
                t["valid"] = False
        return Resp(200, {"expired": len(org.tokens)})
    if p == "/__emu/users" and method == "GET":
        return Resp(200, {"users": [{"Id": u["Id"], "Username": u["Username"],
                                     "profile": u["profile"]} for u in org.users.values()]})
    if p == "/__emu/token" and method == "POST":
        uname = (data or {}).get("username") or org.integration["Username"]
        org = orgs.by_username.get(uname, org)   # a username names its org
        u = org.by_username.get(uname)
        if not u:
            return Resp(400, {"error": "unknown user"})
        with org.lock:
            return Resp(200, org.token_response(u, "api"))
    if p == "/__emu/refresh_token" and method == "POST":
        # a new refresh token, as a user authorizing the connected app gets one
        uname = (data or {}).get("username") or org.integration["Username"]
        u = org.by_username.get(uname)
        if not u:
            return Resp(400, {"error": "unknown user"})
        with org.lock:
            return Resp(200, {"refresh_token": org.new_refresh(u)})
    return Resp(404, {"error": "no such admin resource"})
