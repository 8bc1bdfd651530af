# SPDX-License-Identifier: ISC
"""The emulator as lifecycle.py reaches it: HTTPS by Salesforce host names over its
test CA, the admin API, and the data API as the integration user."""
import http.client
import json
import os
import socket
import ssl
import urllib.parse


class Emulator:
    """HTTPS to the emulator by a Salesforce host name, as the programs reach it."""

    def __init__(self):
        self.ctx = ssl.create_default_context(cafile=os.environ["SF_CA_FILE"])
        self.conns = {}
        self.token = None
        self.v = "v" + os.environ.get("SF_API_VERSION", "62.0")
        self.calls = {"query": 0, "collections": 0}   # what the reference client spent

    def _conn(self, url):
        u = urllib.parse.urlsplit(url)
        c = self.conns.get(u.hostname)
        if c is None:
            c = http.client.HTTPSConnection(u.hostname, u.port, context=self.ctx, timeout=60)
            sock = socket.create_connection(("127.0.0.1", u.port), 60)
            c.sock = self.ctx.wrap_socket(sock, server_hostname=u.hostname)
            self.conns[u.hostname] = c
        return c

    def call(self, base, method, path, body=None, auth=False):
        for attempt in range(3):
            c = self._conn(base)
            headers = {"Content-Type": "application/json"}
            if auth:
                headers["Authorization"] = "Bearer " + self.token
            try:
                c.request(method, path, json.dumps(body) if body is not None else None,
                          headers)
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                self.conns.pop(urllib.parse.urlsplit(base).hostname, None)
                if attempt == 2:
                    raise
                continue
            return r.status, (json.loads(data) if data else None)

    def admin(self, method, path, body=None):
        st, js = self.call(os.environ["SFEMU_URL"], method, "/__emu/" + path, body)
        if st >= 300:
            raise SystemExit("lifecycle: admin %s %s: %s %s" % (method, path, st, js))
        return js

    def records(self, sobject):
        return [r for r in self.admin("GET", "records?sobject=" + sobject)["records"]
                if not r["fixture"]]

    def api(self, method, path, body=None):
        if self.token is None:
            self.token = self.admin("POST", "token", {})["access_token"]
        self.calls["query" if path.startswith("query") else "collections"] += 1
        st, js = self.call(os.environ["SF_INSTANCE_URL"], method,
                           "/services/data/%s/%s" % (self.v, path), body, auth=True)
        if st >= 300:
            raise SystemExit("lifecycle: %s %s: %s %s" % (method, path[:120], st, js))
        return js

    def query(self, soql):
        js = self.api("GET", "query?q=" + urllib.parse.quote(soql))
        out = js["records"]
        while not js["done"]:
            js = self.api("GET", js["nextRecordsUrl"].split("/", 4)[4])
            out += js["records"]
        return out
