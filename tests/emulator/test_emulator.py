# SPDX-License-Identifier: ISC
"""Tests for the sfpipe Salesforce emulator: each endpoint's documented example,
its error cases, every fault kind, and a curl call by a Salesforce host name.

Run by ./run-tests (and so by `make check`).  README.md names the Salesforce
documentation each behaviour follows.
"""
import base64
import gzip
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
EMUCTL = os.path.join(HERE, "emuctl")
ENV = {}
DIR = None
V = "/services/data/v62.0"


def load_env(d):
    out = {}
    with open(os.path.join(d, "env")) as f:
        for line in f:
            k, _, v = line.strip()[len("export "):].partition("=")
            out[k] = v.strip("'")
    return out


def setUpModule():
    global DIR, ENV
    DIR = tempfile.mkdtemp(prefix="sfemu-test-")
    subprocess.run([EMUCTL, "start", DIR], check=True, stdout=subprocess.DEVNULL)
    ENV = load_env(DIR)


def warm_copy(d):
    """A new emulator DIR holding the module emulator's keys (a warm start)."""
    new = tempfile.mkdtemp(prefix=d)
    for name in ("ca.pem", "ca.key", "server.pem", "server.key", "jwt_key.pem",
                 "jwt_cert.pem", "client_id", "client_secret"):
        shutil.copy(os.path.join(DIR, name), new)
    return new


def tearDownModule():
    for d in (DIR, HELPERS_DIR):
        if d:
            subprocess.run([EMUCTL, "stop", d], check=False)
            shutil.rmtree(d, ignore_errors=True)


class Conn(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1:PORT presenting a Salesforce host name (SNI + cert check)."""

    def __init__(self, host, port, ctx):
        super().__init__(host, port, context=ctx, timeout=20)
        self._ctx = ctx

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as libcurl does
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


class Client:
    def __init__(self, host="acme.my.salesforce.com", env=None):
        self.env = env or ENV   # another emulator's env: TestOrgs
        self.ctx = ssl.create_default_context(cafile=self.env["SF_CA_FILE"])
        self.host = host
        self.conn = Conn(host, int(self.env["SFEMU_PORT"]), self.ctx)
        self.token = None

    def request(self, method, path, body=None, headers=None, form=None, raw=False):
        h = {"Host": "%s:%s" % (self.host, self.env["SFEMU_PORT"])}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        if r.getheader("Content-Encoding") == "gzip":
            payload = gzip.decompress(payload)
        if raw:
            return r.status, r, payload
        try:
            js = json.loads(payload) if payload else None
        except ValueError:
            js = payload.decode()
        return r.status, r, js

    def close(self):
        self.conn.close()


def admin(method, path, body=None):
    c = Client("emu.my.salesforce.com")
    try:
        st, _, js = c.request(method, "/__emu/" + path, body)
        return st, js
    finally:
        c.close()


def client_credentials_token():
    c = Client()
    st, _, js = c.request("POST", "/services/oauth2/token", form={
        "grant_type": "client_credentials", "client_id": ENV["SF_CLIENT_ID"],
        "client_secret": open(ENV["SF_CLIENT_SECRET_FILE"]).read()})
    c.close()
    assert st == 200, js
    return js["access_token"]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_jwt(claims, header=None, key=None):
    h = b64u(json.dumps(header or {"alg": "RS256"}).encode())
    c = b64u(json.dumps(claims).encode())
    signing = (h + "." + c).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key or ENV["SF_JWT_KEY_FILE"]],
                         input=signing, stdout=subprocess.PIPE, check=True).stdout
    return h + "." + c + "." + b64u(sig)


TOKENS = {}


def token_for(username):
    if username not in TOKENS:
        c = Client("login.salesforce.com")
        st, _, js = c.request("POST", "/services/oauth2/token", form={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": make_jwt({"iss": ENV["SF_CLIENT_ID"], "sub": username,
                                   "aud": "https://login.salesforce.com",
                                   "exp": int(time.time()) + 120})})
        c.close()
        assert st == 200, js
        TOKENS[username] = js["access_token"]
    return TOKENS[username]


class Base(unittest.TestCase):
    user = "integration@acme.example"

    def setUp(self):
        admin("POST", "reset")
        self.c = Client()
        self.c.token = token_for(self.user)

    def tearDown(self):
        self.c.close()

    def req(self, method, path, body=None, **kw):
        if not path.startswith("/"):
            path = V + "/" + path
        return self.c.request(method, path, body, **kw)

    def records(self, sobject):
        return admin("GET", "records?sobject=" + sobject)[1]["records"]

    def assertError(self, resp, status, code, fields=None):
        st, _, js = resp
        self.assertEqual(st, status, js)
        self.assertIsInstance(js, list, js)
        self.assertEqual(js[0]["errorCode"], code, js)
        if fields is not None:
            self.assertEqual(js[0].get("fields"), fields, js)
        return js[0]


def in_threads(fn, n):
    """fn(0) .. fn(n - 1), each in a thread of its own, all at once; waits for all."""
    threads = [threading.Thread(target=fn, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def sfid(id15):
    suffix = ""
    for c in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[c * 5:c * 5 + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def is_sf_id(s, prefix):
    if len(s) != 18 or not s.startswith(prefix):
        return False
    suffix = ""
    for c in range(3):
        bits = sum(1 << i for i, ch in enumerate(s[c * 5:c * 5 + 5]) if "A" <= ch <= "Z")
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return s[15:] == suffix


# ---------------------------------------------------------------------------


class TestStartAndTransport(unittest.TestCase):
    def test_env_file_contract(self):
        for k in ("SF_CA_FILE", "SF_RESOLVE", "SF_LOGIN_URL", "SF_INSTANCE_URL",
                  "SF_API_VERSION", "SF_CLIENT_ID", "SF_USERNAME", "SFEMU_ADMIN_USERNAME",
                  "SF_JWT_KEY_FILE", "SF_CLIENT_SECRET_FILE", "SF_REFRESH_TOKEN_FILE",
                  "SFEMU_URL", "SFEMU_PORT", "SFEMU_DIR"):
            self.assertIn(k, ENV)
        port = ENV["SFEMU_PORT"]
        self.assertEqual(ENV["SF_INSTANCE_URL"], "https://acme.my.salesforce.com:" + port)
        self.assertEqual(ENV["SF_LOGIN_URL"], "https://login.salesforce.com:" + port)
        self.assertEqual(ENV["SF_API_VERSION"], "62.0")
        for f in ("SF_JWT_KEY_FILE", "SF_CLIENT_SECRET_FILE", "SF_REFRESH_TOKEN_FILE"):
            self.assertEqual(os.stat(ENV[f]).st_mode & 0o777, 0o600, f)
        for h in ("login.salesforce.com", "test.salesforce.com", "acme.my.site.com",
                  "acme--dev.sandbox.my.salesforce.com", "acme.lightning.force.com",
                  "acme.my.salesforce.com", "emu.my.salesforce.com"):
            self.assertIn("%s:%s:127.0.0.1" % (h, port), ENV["SF_RESOLVE"])

    def test_env_file_sources_in_sh(self):
        out = subprocess.run(["sh", "-c", ". '%s/env' && echo \"$SF_INSTANCE_URL\"" % DIR],
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        self.assertEqual(out, ENV["SF_INSTANCE_URL"])

    def test_curl_by_salesforce_host_name(self):
        args = ["curl", "-sS", "--fail", "--cacert", ENV["SF_CA_FILE"]]
        for r in ENV["SF_RESOLVE"].split(","):
            args += ["--resolve", r]
        for url in (ENV["SF_LOGIN_URL"], ENV["SF_INSTANCE_URL"],
                    "https://acme--dev.sandbox.my.salesforce.com:%s" % ENV["SFEMU_PORT"],
                    "https://acme.lightning.force.com:%s" % ENV["SFEMU_PORT"],
                    "https://acme.my.site.com:%s" % ENV["SFEMU_PORT"]):
            out = subprocess.run(args + [url + "/services/data/"], stdout=subprocess.PIPE,
                                 check=True).stdout
            self.assertEqual(json.loads(out)[0]["version"], "31.0")

    def test_curl_rejects_without_ca(self):
        r = subprocess.run(["curl", "-sS", "--resolve", ENV["SF_RESOLVE"].split(",")[0],
                            ENV["SF_INSTANCE_URL"] + "/services/data/"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertNotEqual(r.returncode, 0)

    def test_listens_on_loopback_only(self):
        out = open("/proc/net/tcp").read()
        port = "%04X" % int(ENV["SFEMU_PORT"])
        lines = [l.split() for l in out.splitlines()[1:] if l.split()[1].endswith(":" + port)
                 and l.split()[3] == "0A"]
        self.assertTrue(lines)
        for l in lines:
            self.assertEqual(l[1].split(":")[0], "0100007F")

    def test_emuctl_start_is_idempotent_and_stale_pid_ignored(self):
        d = tempfile.mkdtemp(prefix="sfemu-idem-")
        try:
            with open(os.path.join(d, "pid"), "w") as f:
                f.write("999999")  # stale
            subprocess.run([EMUCTL, "start", d], check=True, stdout=subprocess.DEVNULL)
            pid1 = open(os.path.join(d, "pid")).read()
            subprocess.run([EMUCTL, "start", d], check=True, stdout=subprocess.DEVNULL)
            self.assertEqual(pid1, open(os.path.join(d, "pid")).read())
            subprocess.run([EMUCTL, "stop", d], check=True)
            self.assertFalse(running(int(pid1)))
        finally:
            subprocess.run([EMUCTL, "stop", d])
            shutil.rmtree(d, ignore_errors=True)

    def test_keep_alive_and_gzip(self):
        c = Client()
        st, r, body = c.request("GET", "/services/data/", headers={"Accept-Encoding": "gzip"},
                                raw=True)
        self.assertEqual(r.getheader("Content-Encoding"), "gzip")
        self.assertEqual(json.loads(body)[-1]["version"], "66.0")
        sock = c.conn.sock
        c.request("GET", "/services/data/")
        self.assertIs(sock, c.conn.sock)  # same connection reused
        c.close()


class TestVersions(Base):
    def test_versions_unauthenticated_uncounted(self):
        self.c.token = None
        st, r, js = self.req("GET", "/services/data/")
        self.assertEqual(st, 200)
        self.assertIsNone(r.getheader("Sforce-Limit-Info"))
        self.assertEqual(js[0], {"label": "Summer '14", "url": "/services/data/v31.0",
                                 "version": "31.0"})
        self.assertIn({"label": "Spring \u201918", "url": "/services/data/v42.0",
                       "version": "42.0"}, js)
        self.assertIn({"label": "Winter '25", "url": "/services/data/v62.0",
                       "version": "62.0"}, js)
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 0)

    def test_resources_by_version(self):
        st, r, js = self.req("GET", V + "/")
        self.assertEqual(st, 200)
        for k in ("sobjects", "query", "composite", "limits", "jobs"):
            self.assertIn(k, js)
        self.assertRegex(r.getheader("Sforce-Limit-Info"), r"^api-usage=1/15000$")

    def test_retired_version_410(self):
        st, _, js = self.req("GET", "/services/data/v20.0/sobjects")
        self.assertEqual(st, 410)

    def test_resources_gated_by_version(self):
        """Composite Graph exists from 50.0 and sObject Collections from 42.0;
        asked for at an older version, the resource is not found."""
        body = {"graphs": [{"graphId": "g", "compositeRequest": [
            {"method": "POST", "url": "/services/data/v49.0/sobjects/Lead",
             "referenceId": "l", "body": {"LastName": "Lee", "Company": "Acme"}}]}]}
        self.assertError(self.req("POST", "/services/data/v49.0/composite/graph", body), 404,
                         "NOT_FOUND")
        coll = {"allOrNone": False, "records": [
            {"attributes": {"type": "Lead"}, "LastName": "Lee", "Company": "Acme"}]}
        self.assertError(self.req("POST", "/services/data/v41.0/composite/sobjects", coll), 404,
                         "NOT_FOUND")
        self.assertEqual(self.req("POST", "/services/data/v42.0/composite/sobjects", coll)[0],
                         200)
        body["graphs"][0]["compositeRequest"][0]["url"] = "/services/data/v50.0/sobjects/Lead"
        self.assertEqual(self.req("POST", "/services/data/v50.0/composite/graph", body)[0], 200)

    def test_no_token_401(self):
        self.c.token = None
        self.assertError(self.req("GET", "sobjects"), 401, "INVALID_SESSION_ID")
        self.c.token = "00Dbogus!AQbogus"
        e = self.assertError(self.req("GET", "sobjects"), 401, "INVALID_SESSION_ID")
        self.assertEqual(e["message"], "Session expired or invalid")


class TestOAuth(Base):
    def token(self, form, host="login.salesforce.com", headers=None):
        c = Client(host)
        try:
            return c.request("POST", "/services/oauth2/token", form=form, headers=headers)
        finally:
            c.close()

    def jwt_form(self, **claims):
        base = {"iss": ENV["SF_CLIENT_ID"], "sub": ENV["SF_USERNAME"],
                "aud": "https://login.salesforce.com", "exp": int(time.time()) + 120}
        base.update(claims)
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": make_jwt(base)}

    def test_jwt_bearer_success(self):
        for aud in ("https://acme.my.site.com/customers", "https://login.salesforce.com"):
            st, r, js = self.token(self.jwt_form(aud=aud))
            self.assertEqual(st, 200, (aud, js))
        self.assertEqual(js["instance_url"], ENV["SF_INSTANCE_URL"])
        self.assertEqual(js["token_type"], "Bearer")
        self.assertNotIn("refresh_token", js)
        self.assertTrue(js["access_token"].startswith("00D"))
        self.assertIn("!", js["access_token"])
        self.assertTrue(js["issued_at"].isdigit())
        for k in ("id", "signature", "scope"):
            self.assertIn(k, js)
        self.assertIsNone(r.getheader("Sforce-Limit-Info"))

    def test_jwt_on_instance_host(self):
        st, _, js = self.token(self.jwt_form(), host="acme.my.salesforce.com")
        self.assertEqual(st, 200, js)

    def test_jwt_audience_is_never_a_my_domain(self):
        """aud is login.salesforce.com (test.salesforce.com for a sandbox) or
        the Experience Cloud site URL, whatever host the assertion is posted
        to; a My Domain, the instance URL and (for this production org) test
        are refused."""
        for aud in (ENV["SF_INSTANCE_URL"], "https://acme.my.salesforce.com",
                    "https://acme--dev.sandbox.my.salesforce.com", "https://test.salesforce.com",
                    "https://login.salesforce.com.evil.example", "https://acme.my.site.com.x"):
            for host in ("login.salesforce.com", "acme.my.salesforce.com"):
                st, _, js = self.token(self.jwt_form(aud=aud), host=host)
                self.assertEqual((st, js), (400, {"error": "invalid_grant",
                                                  "error_description": "audience is invalid"}),
                                 (aud, host))

    def test_client_credentials_only_at_the_my_domain(self):
        secret = open(ENV["SF_CLIENT_SECRET_FILE"]).read()
        for host in ("login.salesforce.com", "test.salesforce.com"):
            st, _, js = self.token({"grant_type": "client_credentials",
                                    "client_id": ENV["SF_CLIENT_ID"], "client_secret": secret},
                                   host=host)
            self.assertEqual((st, js), (400, {"error": "invalid_grant", "error_description":
                                              "request not supported on this domain"}), host)

    def test_refresh_token_rotation(self):
        """Off (the connected app's default): the same refresh token serves
        again and none is returned.  On: each refresh returns a new one and the
        one sent is dead; access tokens already issued stay valid."""
        rt = admin("POST", "refresh_token", {})[1]["refresh_token"]
        st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": rt})
        self.assertEqual(st, 200, js)
        self.assertNotIn("refresh_token", js)
        admin("POST", "config", {"rotate_refresh_tokens": 1})
        try:
            st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": rt})
            self.assertEqual(st, 200, js)
            new = js["refresh_token"]
            self.assertNotEqual(new, rt)
            self.c.token = js["access_token"]
            st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": rt})
            self.assertEqual((st, js["error"]), (400, "invalid_grant"))
            st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": new})
            self.assertEqual(st, 200, js)
            self.assertNotIn(js["refresh_token"], (rt, new))
            self.assertEqual(self.req("GET", "limits")[0], 200)
        finally:
            admin("POST", "reset")

    def test_jwt_errors(self):
        cases = [
            (self.jwt_form(iss="3MVGwrong"), "invalid_client_id", "client identifier invalid"),
            (self.jwt_form(aud="https://evil.example.com"), "invalid_grant",
             "audience is invalid"),
            (self.jwt_form(exp=int(time.time()) - 10), "invalid_grant",
             "expired authorization code"),
            (self.jwt_form(sub="nobody@acme.example"), "invalid_grant",
             "user hasn't approved this consumer"),
        ]
        for form, err, desc in cases:
            st, _, js = self.token(form)
            self.assertEqual((st, js), (400, {"error": err, "error_description": desc}))
        # a signature by another key
        other = os.path.join(DIR, "other_key.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", other], check=True,
                       stderr=subprocess.DEVNULL)
        a = make_jwt({"iss": ENV["SF_CLIENT_ID"], "sub": ENV["SF_USERNAME"],
                      "aud": "https://login.salesforce.com", "exp": int(time.time()) + 60},
                     key=other)
        st, _, js = self.token({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                "assertion": a})
        self.assertEqual(js, {"error": "invalid_grant", "error_description": "invalid assertion"})
        # alg none / garbage
        h = b64u(b'{"alg":"none"}')
        c = b64u(json.dumps({"iss": ENV["SF_CLIENT_ID"]}).encode())
        for bad in (h + "." + c + ".", "garbage"):
            st, _, js = self.token({"grant_type":
                                    "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                    "assertion": bad})
            self.assertEqual(js["error_description"], "invalid assertion")

    def test_client_credentials_form_and_basic(self):
        secret = open(ENV["SF_CLIENT_SECRET_FILE"]).read()
        st, _, js = self.token({"grant_type": "client_credentials",
                                "client_id": ENV["SF_CLIENT_ID"], "client_secret": secret},
                               host="acme.my.salesforce.com")
        self.assertEqual(st, 200, js)
        basic = base64.b64encode(("%s:%s" % (ENV["SF_CLIENT_ID"], secret)).encode()).decode()
        st, _, js = self.token({"grant_type": "client_credentials"},
                               host="acme.my.salesforce.com",
                               headers={"Authorization": "Basic " + basic})
        self.assertEqual(st, 200, js)
        self.c.token = js["access_token"]
        st, _, _ = self.req("GET", "sobjects")
        self.assertEqual(st, 200)
        self.assertEqual(admin("GET", "log?limit=1")[1]["requests"][-1]["user"],
                         "integration@acme.example")
        st, _, js = self.token({"grant_type": "client_credentials",
                                "client_id": ENV["SF_CLIENT_ID"], "client_secret": "nope"},
                               host="acme.my.salesforce.com")
        self.assertEqual((st, js), (400, {"error": "invalid_client",
                                          "error_description": "invalid client credentials"}))
        st, _, js = self.token({"grant_type": "client_credentials", "client_id": "x",
                                "client_secret": secret}, host="acme.my.salesforce.com")
        self.assertEqual(js["error"], "invalid_client_id")

    def test_refresh_and_revoke(self):
        rt = open(ENV["SF_REFRESH_TOKEN_FILE"]).read()
        st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": rt,
                                "client_id": ENV["SF_CLIENT_ID"]})
        self.assertEqual(st, 200, js)
        access = js["access_token"]
        self.c.token = access
        self.assertEqual(self.req("GET", "limits")[0], 200)
        c = Client("login.salesforce.com")
        st, _, _ = c.request("POST", "/services/oauth2/revoke", form={"token": rt})
        c.close()
        self.assertEqual(st, 200)
        st, _, js = self.token({"grant_type": "refresh_token", "refresh_token": rt})
        self.assertEqual((st, js), (400, {"error": "invalid_grant",
                                          "error_description": "expired access/refresh token"}))
        self.assertError(self.req("GET", "limits"), 401, "INVALID_SESSION_ID")

    def test_unsupported_grant(self):
        st, _, js = self.token({"grant_type": "password"})
        self.assertEqual((st, js["error"]), (400, "unsupported_grant_type"))


class TestDescribe(Base):
    def test_describe_global(self):
        st, r, js = self.req("GET", "sobjects")
        self.assertEqual(st, 200)
        self.assertEqual(js["encoding"], "UTF-8")
        self.assertEqual(js["maxBatchSize"], 200)
        names = {o["name"]: o for o in js["sobjects"]}
        for n, p in (("Lead", "00Q"), ("Contact", "003"), ("Account", "001"),
                     ("Event", "00U"), ("EventRelation", "0RE"), ("User", "005"),
                     ("Booking__c", "a0B")):
            self.assertEqual(names[n]["keyPrefix"], p)
            self.assertEqual(len(names[n]), 28, n)
        self.assertFalse(names["User"]["createable"])  # integration profile
        self.assertTrue(names["Booking__c"]["custom"])
        self.assertIn("eventSeriesUpdates", names["Event"]["urls"])
        self.assertEqual(set(names["EventRelation"]["urls"]),
                         {"sobject", "describe", "rowTemplate"})
        lm = r.getheader("Last-Modified")
        self.assertTrue(lm and r.getheader("ETag"))
        st, r, js = self.req("GET", "sobjects", headers={"If-Modified-Since": lm})
        self.assertEqual(st, 304)
        self.assertIsNone(js)
        st, _, _ = self.req("GET", "sobjects", headers={
            "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
        self.assertEqual(st, 200)

    def test_describe_fields_full_property_set(self):
        st, r, js = self.req("GET", "sobjects/Lead/describe")
        self.assertEqual(st, 200)
        self.assertEqual(len(js), 45)
        self.assertEqual(js["sobjectDescribeOption"], "FULL")
        for f in js["fields"]:
            self.assertEqual(len(f), 57, f["name"])
        company = {f["name"]: f for f in js["fields"]}["Company"]
        self.assertEqual((company["length"], company["byteLength"], company["nillable"],
                          company["soapType"]), (255, 765, False, "xsd:string"))
        self.assertEqual(r.getheader("Sforce-Limit-Info"), "api-usage=1/15000")

    def test_describe_types_properties_and_children(self):
        """A time, a geolocation and its components, a formula, a default by
        formula, help text; the standard child relationships; and the key set
        of the version asked for (no actionOverrides before 32.0)."""
        _, _, js = self.req("GET", "sobjects/Booking__c/describe")
        f = {x["name"]: x for x in js["fields"]}
        self.assertEqual((f["Start_Time__c"]["type"], f["Start_Time__c"]["soapType"]),
                         ("time", "xsd:time"))
        self.assertEqual((f["Venue__c"]["type"], f["Venue__c"]["createable"]), ("location", False))
        self.assertEqual(f["Venue__Latitude__s"]["compoundFieldName"], "Venue__c")
        self.assertEqual((f["Amount_Label__c"]["calculated"], f["Amount_Label__c"]["createable"]),
                         (True, False))
        self.assertIn("Amount__c", f["Amount_Label__c"]["calculatedFormula"])
        self.assertEqual((f["Reminder_Days__c"]["defaultValueFormula"],
                          f["Reminder_Days__c"]["defaultedOnCreate"]), ("3", True))
        self.assertTrue(f["Notes__c"]["inlineHelpText"])
        rels = {c["relationshipName"]: c for c in js["childRelationships"]}
        self.assertEqual(rels["Histories"]["childSObject"], "Booking__History")
        self.assertEqual(rels["Attachments"]["field"], "ParentId")
        _, _, lead = self.req("GET", "sobjects/Lead/describe")
        lrels = {c["relationshipName"]: c for c in lead["childRelationships"]}
        self.assertEqual((lrels["Tasks"]["field"], lrels["Histories"]["childSObject"]),
                         ("WhoId", "LeadHistory"))
        self.assertIn("Bookings__r", lrels)
        self.assertIn("actionOverrides", lead)
        _, _, old = self.req("GET", "/services/data/v31.0/sobjects/Lead/describe")
        self.assertNotIn("actionOverrides", old)
        self.assertEqual(len(old), 42)

    def test_describe_key_set_of_each_version(self):
        """Each version's documented key set (README "Fidelity"):
        associateEntityType and associateParentEntity from 50.0,
        actionOverrides from 32.0; the fields' keys the same throughout."""
        shape = {}
        for v in (31, 32, 49, 50, 62, 66):
            st, _, js = self.req("GET", "/services/data/v%d.0/sobjects/Event/describe" % v)
            self.assertEqual(st, 200, v)
            shape[v] = (set(js), {len(f) for f in js["fields"]})
        assoc = {"associateEntityType", "associateParentEntity"}
        self.assertEqual(shape[50][0] - shape[49][0], assoc)
        self.assertEqual(shape[32][0] - shape[31][0], {"actionOverrides"})
        self.assertEqual(shape[49][0], shape[32][0])
        self.assertEqual(shape[62][0], shape[50][0])
        self.assertEqual(shape[66][0], shape[50][0])
        self.assertEqual(len(shape[62][0]), 45)
        self.assertEqual({n for v in shape for n in shape[v][1]}, {57})

    def test_fls_per_user(self):
        _, _, integ = self.req("GET", "sobjects/Lead/describe")
        f = {x["name"]: x for x in integ["fields"]}
        self.assertNotIn("AnnualRevenue", f)
        self.assertNotIn("Rating", f)
        self.assertFalse(f["NumberOfEmployees"]["createable"])
        self.assertFalse(f["NumberOfEmployees"]["updateable"])
        self.assertTrue(f["LeadSource"]["createable"])
        self.c.token = token_for("admin@acme.example")
        _, _, adm = self.req("GET", "sobjects/Lead/describe")
        f = {x["name"]: x for x in adm["fields"]}
        self.assertIn("AnnualRevenue", f)
        self.assertTrue(f["NumberOfEmployees"]["createable"])

    def test_booking_custom_object(self):
        _, _, js = self.req("GET", "sobjects/Booking__c/describe")
        f = {x["name"]: x for x in js["fields"]}
        self.assertNotIn("Internal_Notes__c", f)
        k = f["Booking_Key__c"]
        self.assertTrue(k["externalId"] and k["unique"])
        self.assertEqual(f["Lead__c"]["referenceTo"], ["Lead"])
        self.assertEqual(f["Lead__c"]["relationshipName"], "Lead__r")
        self.assertTrue(f["Status__c"]["restrictedPicklist"])
        self.assertEqual([p["value"] for p in f["Status__c"]["picklistValues"]],
                         ["Booked", "Rescheduled", "Cancelled"])
        self.assertEqual((f["Notes__c"]["type"], f["Notes__c"]["length"]), ("textarea", 32768))
        self.assertEqual((f["Amount__c"]["type"], f["Amount__c"]["precision"],
                          f["Amount__c"]["scale"], f["Amount__c"]["createable"]),
                         ("currency", 16, 2, False))
        self.assertEqual(f["Meeting_Date__c"]["type"], "date")
        self.assertEqual(f["Starts_At__c"]["type"], "datetime")
        self.assertTrue(f["Name"]["autoNumber"])

    def test_event_fields(self):
        _, _, js = self.req("GET", "sobjects/Event/describe")
        f = {x["name"]: x for x in js["fields"]}
        for n in ("StartDateTime", "EndDateTime", "IsAllDayEvent", "ActivityDate",
                  "ActivityDateTime", "DurationInMinutes", "ShowAs", "OwnerId", "Subject",
                  "Description", "Location", "WhoId", "WhatId", "IsPrivate", "Booking_Key__c"):
            self.assertIn(n, f)
        self.assertEqual([p["value"] for p in f["ShowAs"]["picklistValues"]],
                         ["Busy", "OutOfOffice", "Free"])
        self.assertEqual(f["WhoId"]["referenceTo"], ["Contact", "Lead"])
        _, _, js = self.req("GET", "sobjects/EventRelation/describe")
        f = {x["name"]: x for x in js["fields"]}
        for n in ("EventId", "RelationId", "Status", "IsInvitee", "IsParent", "IsWhat",
                  "RespondedDate", "Response"):
            self.assertIn(n, f)

    def test_describe_304_and_unknown_object(self):
        _, r, _ = self.req("GET", "sobjects/Event/describe")
        st, _, _ = self.req("GET", "sobjects/Event/describe",
                            headers={"If-Modified-Since": r.getheader("Last-Modified")})
        self.assertEqual(st, 304)
        self.assertError(self.req("GET", "sobjects/Nope__c/describe"), 404, "NOT_FOUND")


class TestCreate(Base):
    LEAD = {"LastName": "Lee", "Company": "Acme", "Email": "ann@acme.example"}

    def test_dependent_picklist_pairs(self):
        """A restricted dependent picklist takes a value only with a
        controlling value its validFor allows; on update the record's
        controlling value counts."""
        d = self.req("GET", "sobjects/Booking__c/describe")[2]
        office = [f for f in d["fields"] if f["name"] == "Office__c"][0]
        self.assertEqual((office["controllerName"], office["dependentPicklist"]),
                         ("Region__c", True))
        self.assertEqual({p["value"]: p["validFor"] for p in office["picklistValues"]},
                         {"London": "gA==", "Oslo": "gA==", "New York": "QA==",
                          "Tokyo": "IA==", "Remote": "4A=="})
        st, _, js = self.req("POST", "sobjects/Booking__c", {"Region__c": "EMEA",
                                                             "Office__c": "Oslo"})
        self.assertEqual(st, 201, js)
        rid = js["id"]
        for body in ({"Region__c": "AMER", "Office__c": "Oslo"}, {"Office__c": "Tokyo"}):
            e = self.assertError(self.req("POST", "sobjects/Booking__c", body), 400,
                                 "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Office__c"])
            self.assertIn("bad value for restricted picklist field", e["message"])
        self.assertError(self.req("PATCH", "sobjects/Booking__c/" + rid,
                                  {"Office__c": "Tokyo"}), 400,
                         "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
        self.assertEqual(self.req("PATCH", "sobjects/Booking__c/" + rid,
                                  {"Office__c": "London"})[0], 204)
        self.assertEqual(self.req("PATCH", "sobjects/Booking__c/" + rid,
                                  {"Region__c": "APAC", "Office__c": "Remote"})[0], 204)

    def test_create_lead(self):
        st, r, js = self.req("POST", "sobjects/Lead", self.LEAD)
        self.assertEqual(st, 201, js)
        self.assertEqual(set(js), {"id", "success", "errors"})
        self.assertTrue(is_sf_id(js["id"], "00Q"), js["id"])
        self.assertEqual(r.getheader("Location"), V + "/sobjects/Lead/" + js["id"])
        recs = self.records("Lead")
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0]["fields"]["Status"], "Open - Not Contacted")
        self.assertEqual(recs[0]["fields"]["OwnerId"][:3], "005")
        st, _, got = self.req("GET", "sobjects/Lead/" + js["id"])
        self.assertEqual(got["Company"], "Acme")
        self.assertNotIn("AnnualRevenue", got)

    def test_required_missing(self):
        e = self.assertError(self.req("POST", "sobjects/Lead", {"FirstName": "A"}), 400,
                             "REQUIRED_FIELD_MISSING", ["LastName", "Company"])
        self.assertEqual(e["message"], "Required fields are missing: [LastName, Company]")

    def test_unknown_and_hidden_fields(self):
        e = self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Foo__c=1)),
                             400, "INVALID_FIELD")
        self.assertEqual(e["message"], "No such column 'Foo__c' on sobject of type Lead")
        e = self.assertError(self.req("POST", "sobjects/Lead",
                                      dict(self.LEAD, AnnualRevenue=5)), 400, "INVALID_FIELD")
        self.assertIn("AnnualRevenue", e["message"])
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Id="00Q")), 400,
                         "INVALID_FIELD")

    def test_read_only_for_integration_but_not_admin(self):
        e = self.assertError(self.req("POST", "sobjects/Lead",
                                      dict(self.LEAD, NumberOfEmployees=5)), 400,
                             "INVALID_FIELD_FOR_INSERT_UPDATE", ["NumberOfEmployees"])
        self.assertTrue(e["message"].startswith("Unable to create/update fields: "
                                                "NumberOfEmployees."))
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Name="x")), 400,
                         "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"])
        self.c.token = token_for("admin@acme.example")
        st, _, js = self.req("POST", "sobjects/Lead", dict(self.LEAD, NumberOfEmployees=5,
                                                           AnnualRevenue=10))
        self.assertEqual(st, 201, js)

    def test_type_validation(self):
        bk = {"Booking_Key__c": "bk-t"}
        cases = [
            ({"Meeting_Date__c": "01/12/2026"}, "JSON_PARSER_ERROR", None),
            ({"Meeting_Date__c": "2026-12-01T00:00:00Z"}, "JSON_PARSER_ERROR", None),
            ({"Starts_At__c": "2026-12-01T09:00:00+0000"}, "JSON_PARSER_ERROR", None),
            ({"Starts_At__c": "tomorrow"}, "JSON_PARSER_ERROR", None),
            ({"Status__c": "Maybe"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
             ["Status__c"]),
            ({"Booking_Key__c": "k" * 81}, "STRING_TOO_LONG", ["Booking_Key__c"]),
            ({"Lead__c": "not-an-id"}, "MALFORMED_ID", ["Lead__c"]),
            ({"Lead__c": "001Hs0000000001AAA"}, "MALFORMED_ID", ["Lead__c"]),
            ({"Lead__c": sfid("00QHs000000009Z")}, "INVALID_CROSS_REFERENCE_KEY", ["Lead__c"]),
            ({"Notes__c": {"a": 1}}, "JSON_PARSER_ERROR", None),
        ]
        for extra, code, fields in cases:
            body = dict(bk, **extra)
            self.assertError(self.req("POST", "sobjects/Booking__c", body), 400, code, fields)
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, IsUnreadByOwner="x")),
                         400, "JSON_PARSER_ERROR")
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Email="nope")), 400,
                         "INVALID_EMAIL_ADDRESS", ["Email"])
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Latitude="abc")),
                         400, "JSON_PARSER_ERROR")
        self.assertError(self.req("POST", "sobjects/Lead", dict(self.LEAD, Latitude=1e6)), 400,
                         "NUMBER_OUTSIDE_VALID_RANGE", ["Latitude"])
        self.assertEqual(self.records("Booking__c"), [])

    def test_good_values_normalised(self):
        st, _, lead = self.req("POST", "sobjects/Lead", self.LEAD)
        self.c.token = token_for("admin@acme.example")
        st, _, js = self.req("POST", "sobjects/Booking__c", {
            "Booking_Key__c": "bk-1", "Lead__c": lead["id"][:15], "Status__c": "Booked",
            "Notes__c": "x" * 32768, "Amount__c": "12.345", "Meeting_Date__c": "2026-12-01",
            "Starts_At__c": "2026-12-01T10:00:00+01:00", "Internal_Notes__c": "secret"})
        self.assertEqual(st, 201, js)
        f = self.records("Booking__c")[0]["fields"]
        self.assertEqual(f["Starts_At__c"], "2026-12-01T09:00:00.000+0000")
        self.assertEqual(f["Amount__c"], 12.35)
        self.assertEqual(f["Lead__c"], lead["id"])
        self.assertTrue(f["Name"].startswith("B-"))
        self.assertTrue(is_sf_id(js["id"], "a0B"))

    def test_duplicate_external_id(self):
        self.assertEqual(self.req("POST", "sobjects/Booking__c",
                                  {"Booking_Key__c": "bk-d"})[0], 201)
        e = self.assertError(self.req("POST", "sobjects/Booking__c",
                                      {"Booking_Key__c": "BK-D"}), 400, "DUPLICATE_VALUE")
        self.assertIn("duplicate value found: Booking_Key__c duplicates value on record "
                      "with id: a0B", e["message"])

    def test_json_parse_error_and_unknown_object(self):
        e = self.assertError(self.req("POST", "sobjects/Lead", b'{"LastName" "x"}'), 400,
                             "JSON_PARSER_ERROR")
        self.assertIn("[line:1, column:", e["message"])
        self.assertError(self.req("POST", "sobjects/Nope", self.LEAD), 404, "NOT_FOUND")

    def test_event_rules(self):
        st, _, js = self.req("POST", "sobjects/Event", {
            "Subject": "Demo", "StartDateTime": "2026-12-01T09:00:00.000Z",
            "EndDateTime": "2026-12-01T09:30:00.000Z", "ShowAs": "Busy"})
        self.assertEqual(st, 201, js)
        f = self.records("Event")[0]["fields"]
        self.assertEqual((f["DurationInMinutes"], f["ActivityDate"]), (30, "2026-12-01"))
        self.assertError(self.req("POST", "sobjects/Event", {
            "Subject": "x", "StartDateTime": "2026-12-01T09:00:00Z"}), 400,
            "REQUIRED_FIELD_MISSING", ["DurationInMinutes"])
        self.assertError(self.req("POST", "sobjects/Event", {
            "Subject": "x", "StartDateTime": "2026-12-01T09:00:00Z", "DurationInMinutes": 5,
            "ShowAs": "Tentative"}), 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")

    def test_update_and_delete_by_id(self):
        _, _, js = self.req("POST", "sobjects/Lead", self.LEAD)
        st, _, _ = self.req("PATCH", "sobjects/Lead/" + js["id"], {"Company": "B"})
        self.assertEqual(st, 204)
        self.assertEqual(self.records("Lead")[0]["fields"]["Company"], "B")
        self.assertEqual(self.records("Lead")[0]["writes"], 2)
        self.assertEqual(self.req("DELETE", "sobjects/Lead/" + js["id"])[0], 204)
        self.assertError(self.req("GET", "sobjects/Lead/" + js["id"]), 404, "NOT_FOUND")


class TestUpsert(Base):
    def test_insert_then_update(self):
        url = "sobjects/Lead/Booking_Key__c/bk-1042"
        st, r, js = self.req("PATCH", url, {"LastName": "Lee", "Company": "Acme"})
        self.assertEqual(st, 201, js)
        self.assertEqual(js, {"id": js["id"], "success": True, "errors": [], "created": True})
        self.assertTrue(r.getheader("Location"))
        st, _, js2 = self.req("PATCH", url, {"Company": "Acme 2"})
        self.assertEqual(st, 200, js2)
        self.assertEqual(js2, {"id": js["id"], "success": True, "errors": [], "created": False})
        recs = self.records("Lead")
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0]["fields"]["Booking_Key__c"], "bk-1042")
        self.assertEqual(recs[0]["writes"], 2)
        st, _, _ = self.req("PATCH", "/services/data/v45.0/" + url, {"Company": "Old"})
        self.assertEqual(st, 204)

    def test_parallel_upserts_make_one_record_per_key(self):
        import threading
        errors = []

        def worker(n):
            c = Client()
            c.token = self.c.token
            try:
                for i in range(20):
                    st, _, js = c.request("PATCH", V + "/sobjects/Lead/Booking_Key__c/p%d" % (
                        i % 5), {"LastName": "w%d" % n, "Company": "C"})
                    if st not in (200, 201):
                        errors.append((st, js))
            finally:
                c.close()
        in_threads(worker, 6)
        self.assertEqual(errors, [])
        recs = self.records("Lead")
        self.assertEqual(sorted(r["fields"]["Booking_Key__c"] for r in recs),
                         ["p0", "p1", "p2", "p3", "p4"])
        self.assertEqual(sum(r["writes"] for r in recs), 120)

    def test_chunked_and_gzip_request_bodies(self):
        body = json.dumps({"LastName": "Chunk", "Company": "C"}).encode()
        c = self.c.conn
        c.putrequest("PATCH", V + "/sobjects/Lead/Booking_Key__c/ch1")
        for k, v in (("Authorization", "Bearer " + self.c.token),
                     ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")):
            c.putheader(k, v)
        c.endheaders()
        c.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 201)
        st, _, js = self.req("PATCH", "sobjects/Lead/Booking_Key__c/gz1", gzip.compress(
            json.dumps({"LastName": "Gz", "Company": "C"}).encode()),
            headers={"Content-Encoding": "gzip"})
        self.assertEqual(st, 201, js)
        self.assertEqual(len(self.records("Lead")), 2)

    def test_multiple_matches_300(self):
        self.req("POST", "sobjects/Lead", {"LastName": "A", "Company": "C", "Email": "x@y.example"})
        self.req("POST", "sobjects/Lead", {"LastName": "B", "Company": "C", "Email": "x@y.example"})
        st, _, js = self.req("PATCH", "sobjects/Lead/Email/x@y.example", {"Company": "D"})
        self.assertEqual(st, 300)
        self.assertEqual(len(js), 2)

    def test_unknown_or_non_external_field_404(self):
        self.assertError(self.req("PATCH", "sobjects/Lead/Nope__c/1", {"Company": "x"}), 404,
                         "NOT_FOUND")
        self.assertError(self.req("PATCH", "sobjects/Lead/Company/x", {"Company": "x"}), 404,
                         "NOT_FOUND")

    def test_event_by_activity_external_id(self):
        # Activity custom fields may be External IDs and Event supports upsert
        # (README "Fidelity"): the Event's key field is one, and keys the upsert.
        st, _, js = self.req("GET", "sobjects/Event/describe")
        key = {f["name"]: f for f in js["fields"]}["Booking_Key__c"]
        self.assertEqual((key["externalId"], key["unique"], key["custom"]), (True, True, True))
        body = {"Subject": "Demo", "StartDateTime": "2026-12-01T15:00:00Z",
                "DurationInMinutes": 30}
        st, _, js = self.req("PATCH", "sobjects/Event/Booking_Key__c/ev-1", body)
        self.assertEqual((st, js["created"]), (201, True), js)
        st, _, js2 = self.req("PATCH", "sobjects/Event/Booking_Key__c/ev-1",
                              dict(body, Subject="Moved"))
        self.assertEqual((st, js2["created"], js2["id"]), (200, False, js["id"]), js2)
        recs = self.records("Event")
        self.assertEqual([r["fields"]["Subject"] for r in recs], ["Moved"])
        # a field that is neither External ID nor idLookup keys nothing
        self.assertError(self.req("PATCH", "sobjects/Event/Subject/Moved", body), 404,
                         "NOT_FOUND")

    def test_upsert_validation(self):
        self.assertError(self.req("PATCH", "sobjects/Lead/Booking_Key__c/k1",
                                  {"LastName": "x"}), 400, "REQUIRED_FIELD_MISSING", ["Company"])

    def test_relationship_by_external_id(self):
        self.req("PATCH", "sobjects/Lead/Booking_Key__c/L1", {"LastName": "x", "Company": "y"})
        st, _, js = self.req("PATCH", "sobjects/Booking__c/Booking_Key__c/B1",
                             {"Lead__r": {"Booking_Key__c": "L1"}})
        self.assertEqual(st, 201, js)
        self.assertEqual(self.records("Booking__c")[0]["fields"]["Lead__c"][:3], "00Q")
        self.assertError(self.req("PATCH", "sobjects/Booking__c/Booking_Key__c/B2",
                                  {"Lead__r": {"Booking_Key__c": "none"}}), 400,
                         "INVALID_FIELD")


def graph_booking(gid, key, bad=False):
    return {"graphId": gid, "compositeRequest": [
        {"method": "PATCH", "url": V + "/sobjects/Lead/Booking_Key__c/" + key,
         "referenceId": "lead", "body": {"LastName": "Lee", "Company": "Acme"}},
        {"method": "POST", "url": V + "/sobjects/Event", "referenceId": "evt",
         "body": {"Subject": "Demo", "StartDateTime": "2026-12-01T15:00:00Z",
                  "EndDateTime": "2026-12-01T15:30:00Z", "WhoId": "@{lead.id}",
                  "ShowAs": "Nope" if bad else "Busy"}},
        {"method": "POST", "url": V + "/sobjects/EventRelation", "referenceId": "rel",
         "body": {"EventId": "@{evt.id}", "RelationId": "@{lead.id}"}}]}


class TestGraph(Base):
    def test_stored_record_has_every_field(self):
        # records are stored as their differences from the defaults; reading one
        # back gives every field, and a value set back to its default reads back
        _, _, js = self.req("POST", "sobjects/Lead", {"LastName": "Lee", "Company": "Acme",
                                                      "Status": "Working - Contacted"})
        self.assertEqual(self.req("PATCH", "sobjects/Lead/" + js["id"],
                                  {"Status": "Open - Not Contacted"})[0], 204)
        rec = self.records("Lead")[0]
        f = rec["fields"]
        self.assertEqual(len(f), 41)  # with ConvertedAccountId, ConvertedContactId
        self.assertEqual((f["Status"], f["IsConverted"], f["Rating"], f["LastName"]),
                         ("Open - Not Contacted", False, None, "Lee"))
        self.assertEqual(rec["writes"], 2)
        self.assertEqual(self.req("GET", "sobjects/Lead/" + js["id"])[2]["Status"],
                         "Open - Not Contacted")

    def test_graph_success_with_references(self):
        st, r, js = self.req("POST", "composite/graph", {"graphs": [graph_booking("g1", "k1")]})
        self.assertEqual(st, 200, js)
        g = js["graphs"][0]
        self.assertTrue(g["isSuccessful"])
        cr = g["graphResponse"]["compositeResponse"]
        self.assertEqual([x["httpStatusCode"] for x in cr], [201, 201, 201])
        self.assertEqual([x["referenceId"] for x in cr], ["lead", "evt", "rel"])
        self.assertIn("Location", cr[1]["httpHeaders"])
        ev = self.records("Event")[0]["fields"]
        self.assertEqual(ev["WhoId"], cr[0]["body"]["id"])
        self.assertEqual(self.records("EventRelation")[0]["fields"]["EventId"],
                         cr[1]["body"]["id"])
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 1)  # one call

    def test_failed_node_rolls_back_graph(self):
        st, _, js = self.req("POST", "composite/graph", {"graphs": [
            graph_booking("g1", "k1"), graph_booking("g2", "k2", bad=True)]})
        self.assertEqual(st, 200)
        g1, g2 = js["graphs"]
        self.assertTrue(g1["isSuccessful"])
        self.assertFalse(g2["isSuccessful"])
        cr = g2["graphResponse"]["compositeResponse"]
        self.assertEqual(cr[1]["httpStatusCode"], 400)
        self.assertEqual(cr[1]["body"][0]["errorCode"], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
        for i in (0, 2):
            self.assertEqual(cr[i]["body"], [{"errorCode": "PROCESSING_HALTED", "message":
                                              "The transaction was rolled back since another "
                                              "operation in the same transaction failed."}])
        leads = self.records("Lead")
        self.assertEqual([l["fields"]["Booking_Key__c"] for l in leads], ["k1"])
        self.assertEqual(len(self.records("Event")), 1)

    def test_limits(self):
        many = [{"graphId": "g%d" % i, "compositeRequest": []} for i in range(76)]
        e = self.assertError(self.req("POST", "composite/graph", {"graphs": many}), 400,
                             "LIMIT_EXCEEDED")
        self.assertIn("75", e["message"])
        nodes = [{"method": "POST", "url": V + "/sobjects/Lead", "referenceId": "r%d" % i,
                  "body": {"LastName": "x", "Company": "y"}} for i in range(501)]
        self.assertError(self.req("POST", "composite/graph", {"graphs": [
            {"graphId": "g", "compositeRequest": nodes}]}), 400, "LIMIT_EXCEEDED")
        objs = ["Lead", "Contact", "Account", "Event", "Booking__c", "EventRelation"]
        kinds = [{"method": m, "url": "/services/data/v%d.0/sobjects/%s" % (v, o),
                  "referenceId": "r%d%s%s" % (v, o, m), "body": {}}
                 for v in (60, 61, 62) for o in objs for m in ("POST",)]
        self.assertError(self.req("POST", "composite/graph", {"graphs": [
            {"graphId": "g", "compositeRequest": kinds}]}), 400, "LIMIT_EXCEEDED")

    def test_halted_after_14_failures(self):
        graphs = [graph_booking("g%d" % i, "k%d" % i, bad=True) for i in range(16)]
        _, _, js = self.req("POST", "composite/graph", {"graphs": graphs})
        last = js["graphs"][15]["graphResponse"]["compositeResponse"]
        self.assertTrue(all(x["body"][0]["errorCode"] == "PROCESSING_HALTED" for x in last))
        fourteenth = js["graphs"][13]["graphResponse"]["compositeResponse"]
        self.assertEqual(fourteenth[1]["body"][0]["errorCode"],
                         "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
        self.assertEqual(self.records("Lead"), [])

    def test_bad_reference(self):
        g = graph_booking("g1", "k1")
        g["compositeRequest"][1]["body"]["WhoId"] = "@{nobody.id}"
        _, _, js = self.req("POST", "composite/graph", {"graphs": [g]})
        self.assertFalse(js["graphs"][0]["isSuccessful"])
        self.assertEqual(self.records("Lead"), [])


class TestComposite(Base):
    def body(self, aon, bad=False):
        return {"allOrNone": aon, "compositeRequest": [
            {"method": "POST", "url": V + "/sobjects/Account", "referenceId": "refAccount",
             "body": {"Name": "Sample Account"}},
            {"method": "POST", "url": V + "/sobjects/Contact", "referenceId": "refContact",
             "body": {"LastName": "Sample", "AccountId": "@{refAccount.id}"}
             if not bad else {"AccountId": "@{refAccount.id}"}},
            {"method": "GET", "url": V + "/sobjects/Account/@{refAccount.id}",
             "referenceId": "get"}]}

    def test_documented_example(self):
        st, _, js = self.req("POST", "composite", self.body(True))
        self.assertEqual(st, 200)
        cr = js["compositeResponse"]
        self.assertEqual([x["httpStatusCode"] for x in cr], [201, 201, 200])
        self.assertEqual(cr[2]["body"]["Name"], "Sample Account")
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 1)

    def test_all_or_none_rolls_back(self):
        _, _, js = self.req("POST", "composite", self.body(True, bad=True))
        cr = js["compositeResponse"]
        self.assertEqual(cr[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(cr[0]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(self.records("Account"), [])

    def test_not_all_or_none_keeps_successes(self):
        _, _, js = self.req("POST", "composite", self.body(False, bad=True))
        cr = js["compositeResponse"]
        self.assertEqual(cr[0]["httpStatusCode"], 201)
        self.assertEqual(cr[1]["httpStatusCode"], 400)
        self.assertEqual(len(self.records("Account")), 1)

    def test_limit_25(self):
        reqs = [{"method": "GET", "url": V + "/limits", "referenceId": "r%d" % i}
                for i in range(26)]
        self.assertError(self.req("POST", "composite", {"compositeRequest": reqs}), 400,
                         "LIMIT_EXCEEDED")


class TestBatch(Base):
    def test_batch_counts_each_subrequest_and_halts(self):
        reqs = [{"method": "POST", "url": "v62.0/sobjects/Lead",
                 "richInput": {"LastName": "A", "Company": "C"}},
                {"method": "POST", "url": "v62.0/sobjects/Lead", "richInput": {"LastName": "B"}},
                {"method": "GET", "url": "v62.0/limits"}]
        st, _, js = self.req("POST", "composite/batch", {"haltOnError": True,
                                                         "batchRequests": reqs})
        self.assertEqual(st, 200)
        self.assertTrue(js["hasErrors"])
        self.assertEqual([r["statusCode"] for r in js["results"]], [201, 400, 412])
        self.assertEqual(js["results"][2]["result"][0]["errorCode"], "BATCH_PROCESSING_HALTED")
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 3)
        self.assertEqual(len(self.records("Lead")), 1)  # no rollback in a batch


class TestCollections(Base):
    def test_create_partial(self):
        st, _, js = self.req("POST", "composite/sobjects", {"allOrNone": False, "records": [
            {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C"},
            {"attributes": {"type": "Lead"}, "LastName": "B"},
            {"attributes": {"type": "Account"}, "Name": "X"}]})
        self.assertEqual(st, 200)
        self.assertTrue(js[0]["success"] and js[2]["success"])
        self.assertEqual(js[1], {"success": False, "errors": [{
            "statusCode": "REQUIRED_FIELD_MISSING", "message":
            "Required fields are missing: [Company]", "fields": ["Company"]}]})
        self.assertEqual(len(self.records("Lead")), 1)

    def test_create_all_or_none(self):
        _, _, js = self.req("POST", "composite/sobjects", {"allOrNone": True, "records": [
            {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C"},
            {"attributes": {"type": "Lead"}, "LastName": "B"}]})
        self.assertEqual(js[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(js[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.records("Lead"), [])

    def test_upsert(self):
        recs = [{"attributes": {"type": "Lead"}, "Booking_Key__c": "u1", "LastName": "A",
                 "Company": "C"}]
        _, _, js = self.req("PATCH", "composite/sobjects/Lead/Booking_Key__c",
                            {"allOrNone": False, "records": recs})
        self.assertEqual(js[0]["created"], True)
        _, _, js = self.req("PATCH", "composite/sobjects/Lead/Booking_Key__c",
                            {"allOrNone": False, "records": recs + [
                                {"Booking_Key__c": "u2", "LastName": "x", "Company": "y"}]})
        self.assertEqual((js[0]["success"], js[0]["created"]), (True, False))
        self.assertEqual(js[1]["errors"][0]["statusCode"], "JSON_PARSER_ERROR")
        self.assertEqual(len(self.records("Lead")), 1)
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 2)

    def test_over_200(self):
        recs = [{"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C"}] * 201
        self.assertError(self.req("POST", "composite/sobjects", {"records": recs}), 400,
                         "EXCEEDED_ID_LIMIT")


class TestBulk(Base):
    def run_job(self, job, csv_text, wait=True):
        st, _, info = self.req("POST", "jobs/ingest", job)
        self.assertEqual(st, 200, info)
        self.assertEqual(info["state"], "Open")
        self.assertFalse(info["contentUrl"].startswith("/"))
        jid = info["id"]
        self.assertTrue(is_sf_id(jid, "750"))
        st, _, _ = self.req("PUT", "jobs/ingest/%s/batches" % jid, csv_text.encode(),
                            headers={"Content-Type": "text/csv"})
        self.assertEqual(st, 201)
        st, _, js = self.req("PATCH", "jobs/ingest/" + jid, {"state": "UploadComplete"})
        self.assertEqual((st, js["state"]), (200, "UploadComplete"))
        for _ in range(100):
            _, _, js = self.req("GET", "jobs/ingest/" + jid)
            if js["state"] in ("JobComplete", "Failed"):
                break
            time.sleep(0.02)
        return jid, js

    def test_insert_job(self):
        jid, js = self.run_job({"object": "Lead", "operation": "insert", "contentType": "CSV",
                                "lineEnding": "LF", "columnDelimiter": "COMMA"},
                               'LastName,Company,Email\nLee,Acme,ann@acme.example\n'
                               'Ng,,\n"O""Brien","Big, Co",#N/A\n')
        self.assertEqual(js["state"], "JobComplete")
        self.assertEqual((js["numberRecordsProcessed"], js["numberRecordsFailed"]), (3, 1))
        st, r, ok = self.req("GET", "jobs/ingest/%s/successfulResults/" % jid, raw=True)
        lines = ok.decode().splitlines()
        self.assertEqual(lines[0], '"sf__Id","sf__Created","LastName","Company","Email"')
        self.assertEqual(len(lines), 3)
        self.assertIn('"true","O""Brien","Big, Co"', lines[2])
        _, _, bad = self.req("GET", "jobs/ingest/%s/failedResults/" % jid, raw=True)
        blines = bad.decode().splitlines()
        self.assertEqual(blines[0], '"sf__Id","sf__Error","LastName","Company","Email"')
        self.assertIn("REQUIRED_FIELD_MISSING:Required fields are missing: [Company]",
                      blines[1])
        self.assertEqual(len(self.records("Lead")), 2)

    def test_row_lock_and_failed_job_faults(self):
        """bulk_row_lock: a row fails with UNABLE_TO_LOCK_ROW and is not
        written; bulk_job_fail (after N rows): the job ends Failed and the rest
        are listed as unprocessed, not written."""
        job = {"object": "Lead", "operation": "insert", "contentType": "CSV",
               "lineEnding": "LF"}
        data = "LastName,Company\nA,X\nB,X\nC,X\nD,X\n"
        admin("POST", "faults", {"rules": [{"kind": "bulk_row_lock", "count": 1}]})
        jid, js = self.run_job(job, data)
        self.assertEqual((js["state"], js["numberRecordsFailed"]), ("JobComplete", 1))
        _, _, bad = self.req("GET", "jobs/ingest/%s/failedResults/" % jid, raw=True)
        self.assertIn("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access", bad.decode())
        self.assertEqual(len(self.records("Lead")), 3)
        admin("DELETE", "faults")
        admin("POST", "faults", {"rules": [{"kind": "bulk_job_fail", "count": 1, "after": 1}]})
        jid, js = self.run_job(job, data)
        self.assertEqual(js["state"], "Failed")
        _, _, un = self.req("GET", "jobs/ingest/%s/unprocessedrecords/" % jid, raw=True)
        self.assertEqual(len(un.decode().splitlines()), 4)   # header and three rows
        _, _, ok = self.req("GET", "jobs/ingest/%s/successfulResults/" % jid, raw=True)
        self.assertEqual(len(ok.decode().splitlines()), 2)
        self.assertEqual(len(self.records("Lead")), 4)

    def test_upsert_job_pipe_crlf(self):
        self.req("PATCH", "sobjects/Lead/Booking_Key__c/b1", {"LastName": "x", "Company": "y"})
        jid, js = self.run_job({"object": "Lead", "operation": "upsert",
                                "externalIdFieldName": "Booking_Key__c",
                                "lineEnding": "CRLF", "columnDelimiter": "PIPE"},
                               "Booking_Key__c|LastName|Company\r\nb1|Lee|A\r\nb2|Ng|B\r\n")
        self.assertEqual(js["state"], "JobComplete")
        _, _, ok = self.req("GET", "jobs/ingest/%s/successfulResults/" % jid, raw=True)
        rows = ok.decode().split("\r\n")
        self.assertIn('"false"', rows[1])
        self.assertIn('"true"', rows[2])
        self.assertEqual(len(self.records("Lead")), 2)

    def test_line_ending_mismatch_fails_with_unprocessed(self):
        jid, js = self.run_job({"object": "Lead", "operation": "insert"},
                               "LastName,Company\r\nLee,Acme\r\n")
        self.assertEqual(js["state"], "Failed")
        self.assertIn("LineEnding", js["errorMessage"])
        _, _, un = self.req("GET", "jobs/ingest/%s/unprocessedrecords/" % jid, raw=True)
        self.assertEqual(len(un.decode().splitlines()), 2)

    def test_multipart_job_and_identity(self):
        boundary = "BOUNDARY"
        body = ("--%s\r\nContent-Disposition: form-data; name=\"job\"\r\n"
                "Content-Type: application/json\r\n\r\n"
                '{"object":"Booking__c","operation":"insert","contentType":"CSV"}\r\n'
                "--%s\r\nContent-Disposition: form-data; name=\"content\"; "
                "filename=\"content\"\r\nContent-Type: text/csv\r\n\r\n"
                "Booking_Key__c,Status__c,Meeting_Date__c\nm1,Booked,2026-12-01\n"
                "m2,Nope,2026-12-01\r\n--%s--\r\n" % (boundary, boundary, boundary))
        st, _, js = self.req("POST", "jobs/ingest", body.encode(), headers={
            "Content-Type": "multipart/form-data; boundary=" + boundary})
        self.assertEqual((st, js["state"]), (200, "UploadComplete"), js)
        for _ in range(100):
            _, _, info = self.req("GET", "jobs/ingest/" + js["id"])
            if info["state"] == "JobComplete":
                break
            time.sleep(0.02)
        self.assertEqual((info["numberRecordsProcessed"], info["numberRecordsFailed"]), (2, 1))
        _, _, bad = self.req("GET", "jobs/ingest/%s/failedResults/" % js["id"], raw=True)
        self.assertIn("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for "
                      "restricted picklist field: Nope", bad.decode())
        _, _, tok = self.c.request("POST", "/__emu/token", {})
        c = Client("login.salesforce.com")
        c.token = tok["access_token"]
        st, _, me = c.request("GET", urllib.parse.urlsplit(tok["id"]).path)
        c.close()
        self.assertEqual((st, me["username"]), (200, "integration@acme.example"))

    def test_states_with_processing_delay_and_abort(self):
        admin("POST", "config", {"bulk_delay_ms": 400})
        _, _, info = self.req("POST", "jobs/ingest", {"object": "Lead", "operation": "insert"})
        jid = info["id"]
        self.assertError(self.req("GET", "jobs/ingest/%s/successfulResults/" % jid), 400,
                         "INVALIDJOBSTATE")
        self.req("PUT", "jobs/ingest/%s/batches" % jid, b"LastName,Company\nA,B\n",
                 headers={"Content-Type": "text/csv"})
        self.assertError(self.req("PUT", "jobs/ingest/%s/batches" % jid, b"LastName\nA\n",
                                  headers={"Content-Type": "text/csv"}), 400,
                         "INVALIDJOBSTATE")
        self.req("PATCH", "jobs/ingest/" + jid, {"state": "UploadComplete"})
        self.assertEqual(self.req("GET", "jobs/ingest/" + jid)[2]["state"], "UploadComplete")
        self.assertError(self.req("PATCH", "jobs/ingest/" + jid, {"state": "Open"}), 400,
                         "INVALIDJOBSTATE")
        time.sleep(0.6)
        self.assertEqual(self.req("GET", "jobs/ingest/" + jid)[2]["state"], "JobComplete")
        self.assertEqual(self.req("DELETE", "jobs/ingest/" + jid)[0], 204)
        self.assertError(self.req("GET", "jobs/ingest/" + jid), 404, "NOT_FOUND")
        _, _, info = self.req("POST", "jobs/ingest", {"object": "Lead", "operation": "insert"})
        self.req("PUT", "jobs/ingest/%s/batches" % info["id"], b"LastName,Company\nA,B\n",
                 headers={"Content-Type": "text/csv"})
        self.req("PATCH", "jobs/ingest/" + info["id"], {"state": "UploadComplete"})
        st, _, js = self.req("PATCH", "jobs/ingest/" + info["id"], {"state": "Aborted"})
        self.assertEqual((st, js["state"]), (200, "Aborted"))
        time.sleep(0.6)
        self.assertEqual(self.req("GET", "jobs/ingest/" + info["id"])[2]["state"], "Aborted")
        self.assertEqual(len(self.records("Lead")), 1)

    def test_job_errors(self):
        self.assertError(self.req("POST", "jobs/ingest", {"object": "Nope", "operation":
                                                          "insert"}), 400, "INVALIDJOB")
        self.assertError(self.req("POST", "jobs/ingest", {"object": "Lead", "operation":
                                                          "upsert"}), 400, "INVALIDJOB")
        self.assertError(self.req("GET", "jobs/ingest/750Hs0000000099AAA"), 404, "NOT_FOUND")


class TestLimitsAndAccounting(Base):
    def test_limits_resource(self):
        self.req("GET", "sobjects")
        st, r, js = self.req("GET", "limits")
        self.assertEqual(js["DailyApiRequests"], {"Max": 15000, "Remaining": 14998})
        self.assertEqual(r.getheader("Sforce-Limit-Info"), "api-usage=2/15000")

    def test_daily_limit_reached(self):
        admin("POST", "config", {"daily_limit": 3})
        for _ in range(3):
            self.assertEqual(self.req("GET", "limits")[0], 200)
        e = self.assertError(self.req("GET", "limits"), 403, "REQUEST_LIMIT_EXCEEDED")
        self.assertEqual(e["message"], "TotalRequests Limit exceeded.")
        self.assertEqual(self.req("GET", "/services/data/")[0], 200)  # not counted
        s = admin("GET", "stats")[1]
        self.assertEqual((s["api_calls"], s["daily_limit"]), (3, 3))
        admin("POST", "config", {"daily_limit": 100, "api_calls": 99})
        self.assertEqual(self.req("GET", "limits")[2]["DailyApiRequests"]["Remaining"], 0)

    def test_stats_and_log(self):
        self.req("GET", "sobjects")
        self.req("POST", "composite/graph", {"graphs": [graph_booking("g", "k")]})
        s = admin("GET", "stats")[1]
        self.assertEqual(s["api_calls"], 2)
        self.assertEqual(s["by_endpoint"]["composite_graph"], 1)
        log = admin("GET", "log?limit=2")[1]["requests"]
        self.assertEqual([(l["method"], l["path"], l["status"]) for l in log],
                         [("GET", V + "/sobjects", 200), ("POST", V + "/composite/graph", 200)])
        self.assertEqual(log[0]["user"], "integration@acme.example")


class TestQuery(Base):
    def seed(self, n=0):
        host = admin("GET", "records?sobject=User&Username=ann.host@acme.example")[1][
            "records"][0]["Id"]
        ids = []
        for i, (s, e, show) in enumerate([("2026-12-01T09:00:00.000Z", "2026-12-01T10:00:00Z",
                                           "Busy"),
                                          ("2026-12-01T13:00:00Z", "2026-12-01T14:00:00Z",
                                           "Free"),
                                          ("2026-12-02T09:00:00Z", "2026-12-02T09:30:00Z",
                                           "OutOfOffice")]):
            st, js = admin("POST", "records", {"sobject": "Event", "fields": {
                "Subject": "Meet %d" % i, "StartDateTime": s, "EndDateTime": e,
                "ShowAs": show, "OwnerId": host, "Location": "it's room\\1"}})
            self.assertEqual(st, 201, js)
            ids.append(js["id"])
        for i in range(n):
            admin("POST", "records", {"sobject": "Event", "fields": {
                "Subject": "Bulk", "StartDateTime": "2026-11-01T09:00:00Z",
                "DurationInMinutes": 15, "OwnerId": host}})
        admin("POST", "records", {"sobject": "EventRelation", "fields": {
            "EventId": ids[0], "RelationId": host, "Status": "Accepted"}})
        return host, ids

    def q(self, soql, headers=None):
        return self.req("GET", "query?q=" + urllib.parse.quote(soql), headers=headers)

    def test_private_events_hidden_without_view_all_data(self):
        """A private event is returned to its owner and to users with View All
        Data or Modify All Data, to nobody else; UserPermissionAccess tells the
        querying user which of those they hold."""
        host, ids = self.seed()
        st, js = admin("POST", "records", {"sobject": "Event", "fields": {
            "Subject": "Private", "StartDateTime": "2026-12-01T11:00:00Z",
            "EndDateTime": "2026-12-01T12:00:00Z", "OwnerId": host, "IsPrivate": True}})
        self.assertEqual(st, 201, js)
        soql = "SELECT Id FROM Event WHERE OwnerId = '%s'" % host
        perms = "SELECT PermissionsViewAllData, PermissionsModifyAllData FROM UserPermissionAccess"
        self.assertEqual(self.q(soql)[2]["totalSize"], 4)
        st, _, pa = self.q(perms)
        self.assertEqual((st, pa["totalSize"]), (200, 1), pa)
        self.assertEqual((pa["records"][0]["PermissionsViewAllData"],
                          pa["records"][0]["PermissionsModifyAllData"]), (True, True))
        admin("POST", "config", {"integration_view_all_data": 0})
        st, _, js = self.q(soql)
        self.assertEqual((st, js["totalSize"]), (200, 3))
        self.assertIs(self.q(perms)[2]["records"][0]["PermissionsViewAllData"], False)
        self.assertError(self.q("SELECT PermissionsFly FROM UserPermissionAccess"), 400,
                         "INVALID_FIELD")
        # the owner sees it
        c = Client()
        c.token = token_for("ann.host@acme.example")
        st, _, js = c.request("GET", V + "/query?q=" + urllib.parse.quote(soql))
        c.close()
        self.assertEqual(js["totalSize"], 4)

    def test_where_order_limit(self):
        host, ids = self.seed()
        st, _, js = self.q("SELECT Id, Subject, StartDateTime, EndDateTime, ShowAs, IsAllDayEvent "
                           "FROM Event WHERE OwnerId = '%s' AND StartDateTime < "
                           "2026-12-02T00:00:00Z AND (ShowAs = 'Busy' OR ShowAs IN "
                           "('OutOfOffice', 'Free')) ORDER BY StartDateTime DESC LIMIT 5" % host)
        self.assertEqual(st, 200, js)
        self.assertEqual((js["totalSize"], js["done"]), (2, True))
        self.assertEqual([r["Subject"] for r in js["records"]], ["Meet 1", "Meet 0"])
        r = js["records"][1]
        self.assertEqual(r["attributes"], {"type": "Event", "url": V + "/sobjects/Event/" +
                                           ids[0]})
        self.assertEqual(r["StartDateTime"], "2026-12-01T09:00:00.000+0000")
        self.assertEqual(list(r), ["attributes", "Id", "Subject", "StartDateTime",
                                   "EndDateTime", "ShowAs", "IsAllDayEvent"])
        _, _, js = self.q("SELECT Id FROM Event WHERE ShowAs != 'Free' AND IsAllDayEvent = "
                          "false AND ActivityDate >= 2026-12-02")
        self.assertEqual(js["totalSize"], 1)
        _, _, js = self.q("SELECT Id FROM Event WHERE Location = 'it\\'s room\\\\1'")
        self.assertEqual(js["totalSize"], 3)
        _, _, js = self.q("SELECT EventId, RelationId, Status, IsInvitee FROM EventRelation "
                          "WHERE EventId IN ('%s') AND Status = 'Accepted'" % ids[0])
        self.assertEqual(js["records"][0]["RelationId"], host)
        _, _, js = self.q("select id from event where whoid = null order by startdatetime")
        self.assertEqual(js["totalSize"], 3)

    def test_paging(self):
        self.seed(n=450)
        st, _, js = self.q("SELECT Id FROM Event", headers={
            "Sforce-Query-Options": "batchSize=200"})
        self.assertEqual((js["totalSize"], js["done"], len(js["records"])), (453, False, 200))
        self.assertRegex(js["nextRecordsUrl"], r"^/services/data/v62\.0/query/01g\w{15}-200$")
        seen = [r["Id"] for r in js["records"]]
        while not js["done"]:
            st, _, js = self.req("GET", js["nextRecordsUrl"])
            self.assertEqual(st, 200)
            seen += [r["Id"] for r in js["records"]]
        self.assertEqual(len(set(seen)), 453)
        st, _, js = self.q("SELECT Id FROM Event", headers={
            "Sforce-Query-Options": "batchSize=10"})
        self.assertEqual(len(js["records"]), 200)  # minimum 200
        self.assertError(self.req("GET", V + "/query/01gHs0000000zzzAAA-200"), 400,
                         "INVALID_QUERY_LOCATOR")

    def test_query_users_carry_their_ids(self):
        # the fixture Users are stored apart from created records: their Id must
        # still come back, as in a real org
        _, _, js = self.q("SELECT Id, Username FROM User ORDER BY Username")
        self.assertEqual(js["totalSize"], 4)
        by_name = {r["Username"]: r["Id"] for r in js["records"]}
        self.assertRegex(by_name["ann.host@acme.example"], r"^005\w{15}$")
        self.assertTrue(js["records"][0]["attributes"]["url"].endswith(js["records"][0]["Id"]))

    def test_query_errors(self):
        self.assertError(self.q("SELECT FROM Event"), 400, "MALFORMED_QUERY")
        self.assertError(self.q("SELECT Id FROM Event WHERE"), 400, "MALFORMED_QUERY")
        self.assertError(self.q("SELECT Id FROM Event WHERE Subject = 'x"), 400,
                         "MALFORMED_QUERY")
        self.assertError(self.q("SELECT Id, Nope FROM Event"), 400, "INVALID_FIELD")
        self.assertError(self.q("SELECT Id FROM Nope"), 400, "INVALID_TYPE")
        self.assertError(self.q("SELECT Id FROM Event WHERE StartDateTime > '2026-01-01'"),
                         400, "INVALID_FIELD")
        # hidden field is no column for the integration user
        self.assertError(self.q("SELECT AnnualRevenue FROM Lead"), 400, "INVALID_FIELD")


class TestLifecycle(Base):
    """What a booking's life needs: deletes, lookups, converted leads, event rules."""

    LEAD = {"LastName": "Lee", "Company": "Globex", "Email": "Lee@Globex.example"}
    T0, T30, T45 = "2026-12-01T09:00:00Z", "2026-12-01T09:30:00Z", "2026-12-01T09:45:00Z"

    def make(self, sobject, fields):
        st, _, js = self.req("POST", "sobjects/" + sobject, fields)
        self.assertEqual(st, 201, js)
        return js["id"]

    def event(self, **kw):
        return self.make("Event", dict({"Subject": "Demo", "StartDateTime": self.T0,
                                        "EndDateTime": self.T30}, **kw))

    def host(self):
        return admin("GET", "records?sobject=User&Username=bob.host@acme.example")[1][
            "records"][0]["Id"]

    def fields(self, sobject, rid):
        return [r for r in self.records(sobject) if r["Id"] == rid][0]["fields"]

    def graph(self, nodes, gid="g"):
        st, _, js = self.req("POST", "composite/graph", {"graphs": [
            {"graphId": gid, "compositeRequest": nodes}]})
        self.assertEqual(st, 200, js)
        return js["graphs"][0]

    def q(self, soql):
        st, _, js = self.req("GET", "query?q=" + urllib.parse.quote(soql))
        self.assertEqual(st, 200, js)
        return sorted(r["Id"] for r in js["records"])

    def test_delete_by_id_then_the_record_is_deleted(self):
        lid = self.make("Lead", self.LEAD)
        st, _, js = self.req("DELETE", "sobjects/Lead/" + lid)
        self.assertEqual((st, js), (204, None))
        self.assertEqual(self.records("Lead"), [])
        e = self.assertError(self.req("DELETE", "sobjects/Lead/" + lid), 404,
                             "ENTITY_IS_DELETED")
        self.assertEqual(e["message"], "entity is deleted")
        self.assertError(self.req("PATCH", "sobjects/Lead/" + lid, {"Company": "x"}), 404,
                         "ENTITY_IS_DELETED")
        self.assertError(self.req("GET", "sobjects/Lead/" + lid), 404, "NOT_FOUND")
        # an id that never was: NOT_FOUND
        other = lid[:-6] + "zzzAAA"
        self.assertIn(self.req("DELETE", "sobjects/Lead/" + other)[0], (400, 404))
        self.assertEqual(self.q("SELECT Id FROM Lead"), [])

    def test_delete_by_external_id(self):
        bid = self.make("Booking__c", {"Booking_Key__c": "acme:bk-1"})
        self.make("Booking__c", {"Booking_Key__c": "acme:bk-2"})
        st, _, _ = self.req("DELETE", "sobjects/Booking__c/Booking_Key__c/ACME:BK-1")
        self.assertEqual(st, 204)
        self.assertEqual([r["fields"]["Booking_Key__c"] for r in self.records("Booking__c")],
                         ["acme:bk-2"])
        self.assertError(self.req("DELETE", "sobjects/Booking__c/Booking_Key__c/acme:bk-1"),
                         404, "NOT_FOUND")
        self.assertError(self.req("DELETE", "sobjects/Booking__c/Notes__c/x"), 404,
                         "NOT_FOUND")
        # the key is free again: an upsert creates a new record
        st, _, js = self.req("PATCH", "sobjects/Booking__c/Booking_Key__c/acme:bk-1", {})
        self.assertEqual((st, js["created"]), (201, True))
        self.assertNotEqual(js["id"], bid)

    def test_deleting_an_event_deletes_its_relations(self):
        lid = self.make("Lead", self.LEAD)
        eid, keep = self.event(WhoId=lid), self.event()
        host = self.host()
        for e in (eid, keep):
            self.make("EventRelation", {"EventId": e, "RelationId": host})
        self.make("EventRelation", {"EventId": eid, "RelationId": lid})
        self.assertEqual(self.req("DELETE", "sobjects/Event/" + eid)[0], 204)
        self.assertEqual([r["fields"]["EventId"] for r in self.records("EventRelation")],
                         [keep])
        self.assertEqual(len(self.records("Lead")), 1)  # the person stays

    def test_delete_nodes_in_a_graph_roll_back_with_it(self):
        eid = self.event(Booking_Key__c="bk-9")
        rel = self.make("EventRelation", {"EventId": eid, "RelationId": self.host()})
        g = self.graph([
            {"method": "DELETE", "url": V + "/sobjects/EventRelation/" + rel,
             "referenceId": "gone"},
            {"method": "PATCH", "url": V + "/sobjects/Event/Booking_Key__c/bk-9",
             "referenceId": "ev", "body": {"ShowAs": "Maybe"}}])
        self.assertFalse(g["isSuccessful"])
        self.assertEqual(len(self.records("EventRelation")), 1)   # rolled back
        g = self.graph([
            {"method": "DELETE", "url": V + "/sobjects/EventRelation/" + rel,
             "referenceId": "gone"},
            {"method": "DELETE", "url": V + "/sobjects/Event/Booking_Key__c/bk-9",
             "referenceId": "ev"}], gid="g2")
        self.assertTrue(g["isSuccessful"], g)
        r = g["graphResponse"]["compositeResponse"]
        self.assertEqual([(n["httpStatusCode"], n["body"]) for n in r], [(204, None)] * 2)
        self.assertEqual((self.records("Event"), self.records("EventRelation")), ([], []))
        g = self.graph([{"method": "DELETE", "url": V + "/sobjects/Event/" + eid,
                         "referenceId": "again"}], gid="g3")
        self.assertEqual(g["graphResponse"]["compositeResponse"][0]["body"][0]["errorCode"],
                         "ENTITY_IS_DELETED")

    def test_collections_delete(self):
        a, b = self.make("Lead", self.LEAD), self.make("Lead", dict(self.LEAD, Email=None))
        self.assertEqual(self.req("DELETE", "sobjects/Lead/" + b)[0], 204)
        st, _, js = self.req("DELETE", "composite/sobjects?allOrNone=true&ids=%s,%s" % (a, b))
        self.assertEqual(st, 200)
        self.assertEqual([x["success"] for x in js], [False, False])
        self.assertEqual([x["errors"][0]["statusCode"] for x in js],
                         ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "ENTITY_IS_DELETED"])
        self.assertEqual(len(self.records("Lead")), 1)
        st, _, js = self.req("DELETE", "composite/sobjects?ids=%s,%s" % (a, b))
        self.assertEqual([(x["success"], x.get("id")) for x in js], [(True, a), (False, None)])
        self.assertEqual(self.records("Lead"), [])

    def test_lookup_queries(self):
        ann = self.make("Contact", {"LastName": "Ann", "Email": "ann@acme.example"})
        lee = self.make("Lead", dict(self.LEAD, Booking_Key__c="bk-1"))
        self.make("Lead", {"LastName": "Obi", "Company": "X", "Email": "obi@x.example"})
        self.assertEqual(self.q("SELECT Id, Email FROM Contact WHERE Email IN "
                                "('ANN@acme.example', 'nobody@x.example')"), [ann])
        self.assertEqual(self.q("SELECT Id FROM Lead WHERE Email IN ('lee@globex.example') "
                                "AND IsConverted = false"), [lee])
        self.assertEqual(self.q("SELECT Id FROM Lead WHERE Booking_Key__c = 'BK-1'"), [lee])
        self.assertEqual(self.q("SELECT Id FROM Lead WHERE Id IN ('%s')" % lee[:15]), [lee])
        self.assertEqual(self.q("SELECT Id, ConvertedContactId FROM Lead WHERE "
                                "ConvertedContactId != null"), [])
        e1, e2 = self.event(WhoId=ann), self.event()
        r1 = self.make("EventRelation", {"EventId": e1, "RelationId": lee})
        r2 = self.make("EventRelation", {"EventId": e2, "RelationId": ann})
        self.assertEqual(self.q("SELECT Id, EventId, RelationId FROM EventRelation WHERE "
                                "EventId IN ('%s', '%s')" % (e1, e2)), sorted([r1, r2]))
        self.assertEqual(self.q("SELECT Id FROM EventRelation WHERE RelationId = '%s'"
                                % ann), [r2])
        self.assertEqual(self.q("SELECT Id FROM Event WHERE WhoId = '%s'" % ann), [e1])

    def test_lookups_by_id_and_website(self):
        """A person by an id the booking carries, an Account by its Website: an
        id of another object finds nothing, a deleted record is not found, a
        malformed id literal fails the query, Id selected twice is refused,
        and Website compares without case."""
        ann = self.make("Contact", {"LastName": "Ann", "Email": "ann@acme.example"})
        lee = self.make("Lead", self.LEAD)
        gone = self.make("Contact", {"LastName": "Gone"})
        self.assertEqual(self.req("DELETE", "sobjects/Contact/" + gone)[0], 204)
        self.assertEqual(self.q("SELECT Id FROM Contact WHERE Id IN ('%s', '%s', '%s')"
                                % (ann[:15], lee, gone)), [ann])
        acc = self.make("Account", {"Name": "Acme", "Website": "https://www.Acme.example"})
        self.make("Account", {"Name": "Other", "Website": "acme.example.org"})
        self.assertEqual(self.q("SELECT Id, Website FROM Account WHERE Website IN "
                                "('acme.example', 'https://www.acme.example') ORDER BY Id"), [acc])
        for bad in (ann[:15] + "AAB", ann[:14], ann[:14] + "'"):
            st, _, js = self.req("GET", "query?q=" + urllib.parse.quote(
                "SELECT Id FROM Contact WHERE Id IN ('%s', '%s')" % (ann, bad.replace("'", "\\'"))))
            self.assertEqual((st, js[0]["errorCode"]), (400, "INVALID_QUERY_FILTER_OPERATOR"), js)
        st, _, js = self.req("GET", "query?q=" + urllib.parse.quote(
            "SELECT Id, Id FROM Contact WHERE Id = '%s'" % ann))
        self.assertEqual((st, js[0]["errorCode"]), (400, "MALFORMED_QUERY"), js)

    def test_queries_go_in_composite_not_in_a_graph(self):
        self.make("Lead", self.LEAD)
        url = V + "/query?q=" + urllib.parse.quote("SELECT Id FROM Lead")
        st, _, js = self.req("POST", "composite", {"compositeRequest": [
            {"method": "GET", "url": url, "referenceId": "leads"}]})
        self.assertEqual(js["compositeResponse"][0]["body"]["totalSize"], 1)
        g = self.graph([{"method": "GET", "url": url, "referenceId": "leads"}])
        self.assertFalse(g["isSuccessful"])
        self.assertEqual(g["graphResponse"]["compositeResponse"][0]["body"][0]["errorCode"],
                         "INVALID_INPUT")
        g = self.graph([{"method": "POST", "url": V + "/composite/sobjects",
                         "referenceId": "c", "body": {"records": []}}], gid="g2")
        self.assertFalse(g["isSuccessful"])

    def test_lead_conversion(self):
        lid = self.make("Lead", dict(self.LEAD, Booking_Key__c="bk-1", FirstName="Lee"))
        eid = self.event(WhoId=lid)
        rel = self.make("EventRelation", {"EventId": eid, "RelationId": lid})
        st, js = admin("POST", "convert_lead", {"leadId": lid})
        self.assertEqual(st, 200, js)
        lead = self.fields("Lead", lid)
        self.assertEqual((lead["IsConverted"], lead["ConvertedContactId"],
                          lead["ConvertedAccountId"], lead["Status"]),
                         (True, js["contactId"], js["accountId"], "Closed - Converted"))
        self.assertIsNotNone(lead["ConvertedDate"])
        c = self.fields("Contact", js["contactId"])
        self.assertEqual((c["LastName"], c["FirstName"], c["Email"], c["AccountId"]),
                         ("Lee", "Lee", "Lee@Globex.example", js["accountId"]))
        self.assertEqual(self.fields("Account", js["accountId"])["Name"], "Globex")
        self.assertEqual(self.fields("Event", eid)["WhoId"], js["contactId"])
        self.assertEqual(self.fields("EventRelation", rel)["RelationId"], js["contactId"])
        self.assertEqual(self.q("SELECT Id FROM Lead WHERE IsConverted = true AND "
                                "ConvertedContactId = '%s'" % js["contactId"]), [lid])
        # a converted lead takes no write and no new reference
        for resp in (self.req("PATCH", "sobjects/Lead/" + lid, {"Company": "New"}),
                     self.req("PATCH", "sobjects/Lead/Booking_Key__c/bk-1", {"Company": "N"}),
                     self.req("POST", "sobjects/Event", {
                         "Subject": "x", "StartDateTime": self.T0, "DurationInMinutes": 5,
                         "WhoId": lid}),
                     self.req("POST", "sobjects/EventRelation", {"EventId": eid,
                                                                 "RelationId": lid})):
            e = self.assertError(resp, 400, "CANNOT_UPDATE_CONVERTED_LEAD")
            self.assertEqual(e["message"], "cannot reference converted lead")
        self.assertEqual(self.fields("Lead", lid)["Company"], "Globex")
        st, js2 = admin("POST", "convert_lead", {"leadId": lid})
        self.assertEqual((st, js2[0]["errorCode"]), (400, "CANNOT_UPDATE_CONVERTED_LEAD"))
        # into an existing contact and account
        other = self.make("Lead", {"LastName": "Obi", "Company": "X"})
        st, js3 = admin("POST", "convert_lead", {"leadId": other, "contactId": js["contactId"],
                                                 "accountId": js["accountId"]})
        self.assertEqual((st, js3["contactId"]), (200, js["contactId"]))
        self.assertEqual((len(self.records("Contact")), len(self.records("Account"))), (1, 1))

    def test_an_event_about_a_lead_relates_to_nothing_else(self):
        lid = self.make("Lead", self.LEAD)
        cid = self.make("Contact", {"LastName": "Ann"})
        bid = self.make("Booking__c", {"Booking_Key__c": "bk-1"})
        e = self.assertError(self.req("POST", "sobjects/Event", {
            "Subject": "x", "StartDateTime": self.T0, "DurationInMinutes": 30,
            "WhoId": lid, "WhatId": bid}), 400, "FIELD_INTEGRITY_EXCEPTION", ["WhatId"])
        self.assertIn("lead", e["message"])
        eid = self.event(WhoId=cid, WhatId=bid)            # a contact's may
        lead_event = self.event(WhoId=lid)
        self.assertError(self.req("PATCH", "sobjects/Event/" + lead_event, {"WhatId": bid}),
                         400, "FIELD_INTEGRITY_EXCEPTION")
        self.assertError(self.req("PATCH", "sobjects/Event/" + eid, {"WhoId": lid}),
                         400, "FIELD_INTEGRITY_EXCEPTION")
        self.assertEqual(self.req("PATCH", "sobjects/Event/" + eid,
                                  {"WhoId": lid, "WhatId": None})[0], 204)

    def test_one_relation_per_person_and_event(self):
        eid, host = self.event(), self.host()
        rel = self.make("EventRelation", {"EventId": eid, "RelationId": host})
        e = self.assertError(self.req("POST", "sobjects/EventRelation", {
            "EventId": eid, "RelationId": host, "Status": "Accepted"}), 400, "DUPLICATE_VALUE")
        self.assertIn("duplicate value found", e["message"])
        g = self.graph([{"method": "POST", "url": V + "/sobjects/EventRelation",
                         "referenceId": "r", "body": {"EventId": eid, "RelationId": host}}])
        self.assertFalse(g["isSuccessful"])
        self.make("EventRelation", {"EventId": self.event(), "RelationId": host})  # other event
        self.assertEqual(self.req("DELETE", "sobjects/EventRelation/" + rel)[0], 204)
        self.make("EventRelation", {"EventId": eid, "RelationId": host})  # free again
        self.assertEqual(len(self.records("EventRelation")), 2)

    def test_a_reschedule_moves_end_and_duration(self):
        eid = self.event(Booking_Key__c="bk-1")
        # 30 -> 45 minutes, by id and by upsert key
        self.assertEqual(self.req("PATCH", "sobjects/Event/" + eid, {
            "StartDateTime": "2026-12-02T10:00:00Z", "EndDateTime": "2026-12-02T10:45:00Z"}
        )[0], 204)
        f = self.fields("Event", eid)
        self.assertEqual((f["DurationInMinutes"], f["ActivityDate"], f["EndDateTime"]),
                         (45, "2026-12-02", "2026-12-02T10:45:00.000+0000"))
        st, _, js = self.req("PATCH", "sobjects/Event/Booking_Key__c/bk-1", {
            "StartDateTime": self.T0, "EndDateTime": self.T30})
        self.assertEqual((st, js["created"]), (200, False))
        self.assertEqual(self.fields("Event", eid)["DurationInMinutes"], 30)
        # a new start alone keeps the duration; a new duration moves the end
        self.req("PATCH", "sobjects/Event/" + eid, {"StartDateTime": "2026-12-01T11:00:00Z"})
        f = self.fields("Event", eid)
        self.assertEqual((f["EndDateTime"], f["DurationInMinutes"]),
                         ("2026-12-01T11:30:00.000+0000", 30))
        self.req("PATCH", "sobjects/Event/" + eid, {"DurationInMinutes": 60})
        self.assertEqual(self.fields("Event", eid)["EndDateTime"],
                         "2026-12-01T12:00:00.000+0000")
        self.assertError(self.req("PATCH", "sobjects/Event/" + eid, {
            "EndDateTime": self.T45, "DurationInMinutes": 5, "StartDateTime": self.T0}),
            400, "FIELD_INTEGRITY_EXCEPTION", ["DurationInMinutes"])
        self.assertError(self.req("PATCH", "sobjects/Event/" + eid, {
            "EndDateTime": "2026-11-30T09:00:00Z"}), 400, "FIELD_INTEGRITY_EXCEPTION")

    def test_event_subtype_is_set_once(self):
        f = [x for x in self.req("GET", "sobjects/Event/describe")[2]["fields"]
             if x["name"] == "EventSubtype"][0]
        self.assertEqual((f["createable"], f["updateable"]), (True, False))
        st, _, js = self.req("PATCH", "sobjects/Event/Booking_Key__c/bk-1", {
            "Subject": "x", "StartDateTime": self.T0, "DurationInMinutes": 30,
            "EventSubtype": "Event"})
        self.assertEqual(st, 201, js)
        # the same upsert again updates, and an update may not set it
        self.assertError(self.req("PATCH", "sobjects/Event/Booking_Key__c/bk-1", {
            "Subject": "x", "EventSubtype": "Event"}), 400, "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["EventSubtype"])
        self.assertError(self.req("PATCH", "sobjects/Event/" + js["id"], {
            "EventSubtype": "Event"}), 400, "INVALID_FIELD_FOR_INSERT_UPDATE")
        self.assertEqual(self.req("PATCH", "sobjects/Event/Booking_Key__c/bk-1", {
            "Subject": "y"})[0], 200)

    def test_a_cancelled_booking_shows_free(self):
        eid = self.event(ShowAs="Busy")
        self.assertEqual(self.req("PATCH", "sobjects/Event/" + eid, {"ShowAs": "Free"})[0],
                         204)
        self.assertEqual(self.fields("Event", eid)["ShowAs"], "Free")
        self.assertEqual(self.q("SELECT Id FROM Event WHERE ShowAs != 'Free'"), [])


class TestFaults(Base):
    def fault(self, **rule):
        st, js = admin("POST", "faults", {"rules": [rule]})
        self.assertEqual(st, 200, js)

    def test_latency(self):
        self.fault(kind="latency", ms=300, count=1, path="/limits")
        t0 = time.time()
        self.assertEqual(self.req("GET", "limits")[0], 200)
        self.assertGreaterEqual(time.time() - t0, 0.29)
        t0 = time.time()
        self.req("GET", "limits")
        self.assertLess(time.time() - t0, 0.25)

    def test_latency_per_request_overlaps_across_connections(self):
        # a network round trip per HTTP request: four connections wait at once
        st, _ = admin("POST", "config", {"latency_ms": 300})
        self.assertEqual(st, 200)
        clients = [Client() for _ in range(4)]
        times = [None] * 4
        try:
            for c in clients:
                c.token = self.c.token
                c.request("GET", V + "/limits")  # connected before the clock starts

            def one(i):
                t = time.time()
                times[i] = (clients[i].request("GET", V + "/limits")[0], time.time() - t)
            t0 = time.time()
            in_threads(one, 4)
            wall = time.time() - t0
        finally:
            for c in clients:
                c.close()
        for st, took in times:
            self.assertEqual(st, 200)
            self.assertGreaterEqual(took, 0.29)
        self.assertLess(wall, 0.9)  # serial latency would be 1.2 s

    def test_unavailable(self):
        self.fault(kind="unavailable", count=1)
        self.assertError(self.req("GET", "limits"), 503, "SERVER_UNAVAILABLE")
        self.assertEqual(self.req("GET", "limits")[0], 200)
        self.assertEqual(admin("GET", "stats")[1]["faults_injected"], {"unavailable": 1})
        self.fault(kind="unavailable", count=1, html=True)
        st, r, body = self.req("GET", "limits", raw=True)
        self.assertEqual(st, 503)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        self.assertIn(b"Service Unavailable", body)

    def test_limits_kinds(self):
        self.fault(kind="concurrent_limit", count=1)
        e = self.assertError(self.req("GET", "limits"), 403, "REQUEST_LIMIT_EXCEEDED")
        self.assertEqual(e["message"], "ConcurrentPerOrgLongTxn Limit exceeded.")
        self.fault(kind="daily_limit", count=1)
        e = self.assertError(self.req("GET", "limits"), 403, "REQUEST_LIMIT_EXCEEDED")
        self.assertEqual(e["message"], "TotalRequests Limit exceeded.")

    def test_expired_session_fault_and_admin_expiry(self):
        self.fault(kind="expired_session", count=1)
        self.assertError(self.req("GET", "limits"), 401, "INVALID_SESSION_ID")
        self.assertEqual(self.req("GET", "limits")[0], 200)
        admin("POST", "expire_sessions")
        try:
            self.assertError(self.req("GET", "limits"), 401, "INVALID_SESSION_ID")
        finally:
            TOKENS.clear()

    def test_lock_single_and_graph(self):
        self.fault(kind="lock", count=1, method="POST", path="/sobjects/Lead$")
        self.assertError(self.req("POST", "sobjects/Lead", {"LastName": "a", "Company": "b"}),
                         400, "UNABLE_TO_LOCK_ROW", [])
        self.fault(kind="lock", count=1, path="composite/graph")
        _, _, js = self.req("POST", "composite/graph", {"graphs": [graph_booking("g", "k")]})
        g = js["graphs"][0]
        self.assertFalse(g["isSuccessful"])
        cr = g["graphResponse"]["compositeResponse"]
        self.assertEqual(cr[0]["body"][0]["errorCode"], "UNABLE_TO_LOCK_ROW")
        self.assertEqual(cr[1]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(self.records("Lead"), [])
        self.assertEqual(admin("GET", "stats")[1]["faults_injected"]["lock"], 2)
        # one contended row per request: the second graph goes through
        self.fault(kind="lock", count=1, path="composite/graph")
        _, _, js = self.req("POST", "composite/graph", {"graphs": [
            graph_booking("g1", "k1"), graph_booking("g2", "k2")]})
        self.assertEqual([g["isSuccessful"] for g in js["graphs"]], [False, True])
        self.fault(kind="lock", count=1, path="composite/sobjects")
        _, _, js = self.req("POST", "composite/sobjects", {"records": [
            {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C"},
            {"attributes": {"type": "Lead"}, "LastName": "B", "Company": "C"}]})
        self.assertEqual(js[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW")
        self.assertTrue(js[1]["success"])

    def test_cut_before(self):
        self.fault(kind="cut_before", count=1, method="POST")
        c = Client()
        c.token = self.c.token
        c.conn.request("POST", V + "/sobjects/Lead", body=json.dumps(
            {"LastName": "a", "Company": "b"}), headers={"Authorization": "Bearer " + c.token,
                                                         "Content-Type": "application/json"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError,
                                ssl.SSLError)):
            c.conn.getresponse().read()
        c.close()
        self.assertEqual(self.records("Lead"), [])

    def test_cut_after_commits(self):
        self.fault(kind="cut_after", count=1, method="PATCH")
        c = Client()
        c.conn.request("PATCH", V + "/sobjects/Lead/Booking_Key__c/bk-9", body=json.dumps(
            {"LastName": "a", "Company": "b"}), headers={"Authorization": "Bearer " +
                                                         self.c.token,
                                                         "Content-Type": "application/json"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError,
                                ssl.SSLError)):
            c.conn.getresponse().read()
        c.close()
        self.assertEqual(len(self.records("Lead")), 1)  # processed before the cut
        st, _, js = self.req("PATCH", "sobjects/Lead/Booking_Key__c/bk-9",
                             {"LastName": "a", "Company": "b"})
        self.assertEqual((st, js["created"]), (200, False))  # idempotent retry
        self.assertEqual(len(self.records("Lead")), 1)

    def test_seeded_rate_reproducible(self):
        def decisions():
            admin("DELETE", "faults")
            self.fault(kind="unavailable", rate=0.3, seed=42, path="/limits")
            return [self.req("GET", "limits")[0] for _ in range(30)]
        a, b = decisions(), decisions()
        self.assertEqual(a, b)
        self.assertIn(503, a)
        self.assertIn(200, a)

    def test_env_faults_and_bad_kind(self):
        st, js = admin("POST", "faults", {"rules": [{"kind": "nope"}]})
        self.assertEqual(st, 400)
        admin("DELETE", "faults")
        self.assertEqual(admin("GET", "faults")[1]["rules"], [])


class TestPerRunSettings(unittest.TestCase):
    def test_faults_and_limit_from_environment(self):
        d = tempfile.mkdtemp(prefix="sfemu-env-")
        env = dict(os.environ, SFEMU_DAILY_LIMIT="2", SFEMU_FAULTS=json.dumps(
            {"rules": [{"kind": "unavailable", "count": 1, "path": "/limits"}]}))
        try:
            subprocess.run([EMUCTL, "start", d], check=True, stdout=subprocess.DEVNULL,
                           env=env)
            e = load_env(d)
            ctx = ssl.create_default_context(cafile=e["SF_CA_FILE"])
            c = Conn("acme.my.salesforce.com", int(e["SFEMU_PORT"]), ctx)
            c.request("POST", "/__emu/token", body="{}")
            tok = json.loads(c.getresponse().read())["access_token"]
            h = {"Authorization": "Bearer " + tok}
            got = []
            for _ in range(4):
                c.request("GET", V + "/limits", headers=h)
                r = c.getresponse()
                r.read()
                got.append((r.status, r.getheader("Sforce-Limit-Info")))
            c.close()
            self.assertEqual(got, [(503, None), (200, "api-usage=1/2"),
                                   (200, "api-usage=2/2"), (403, "api-usage=2/2")])
        finally:
            subprocess.run([EMUCTL, "stop", d])
            shutil.rmtree(d, ignore_errors=True)


class TestAdmin(Base):
    def test_reset_keeps_users(self):
        self.req("POST", "sobjects/Lead", {"LastName": "a", "Company": "b"})
        admin("POST", "reset")
        self.assertEqual(self.records("Lead"), [])
        users = self.records("User")
        self.assertEqual(len(users), 4)
        for u in users:
            self.assertTrue(is_sf_id(u["Id"], "005"))
        self.assertEqual(admin("GET", "stats")[1]["api_calls"], 0)

    def test_direct_insert_bypasses_fls(self):
        st, js = admin("POST", "records", {"sobject": "Lead", "fields": {
            "LastName": "x", "Company": "y", "AnnualRevenue": 5, "NumberOfEmployees": 3}})
        self.assertEqual(st, 201, js)
        self.assertTrue(is_sf_id(js["id"], "00Q"))
        st, _, got = self.req("GET", "sobjects/Lead/" + js["id"])
        self.assertNotIn("AnnualRevenue", got)
        self.assertEqual(got["NumberOfEmployees"], 3)



class TestOrgs(unittest.TestCase):
    """Several orgs in one emulator (emuctl start DIR --orgs 3): each has its own
    My Domain host, org id, users, records, counters, daily limit, faults and
    tokens; the login host issues a token for the org of the client or user."""

    @classmethod
    def setUpClass(cls):
        cls.dir = warm_copy("sfemu-orgs-")
        subprocess.run([EMUCTL, "start", cls.dir, "--orgs", "3"], check=True,
                       stdout=subprocess.DEVNULL)
        cls.env = load_env(cls.dir)
        with open(cls.env["SFEMU_ORGS_FILE"]) as f:
            cls.orgs = {o["name"]: o for o in json.load(f)["orgs"]}

    @classmethod
    def tearDownClass(cls):
        subprocess.run([EMUCTL, "stop", cls.dir], check=False)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        for name in self.orgs:
            self.assertEqual(self.admin("POST", "reset", org=name)[0], 200)

    def call(self, host, method, path, token=None, **kw):
        c = Client(host, self.env)
        c.token = token
        try:
            return c.request(method, path, **kw)
        finally:
            c.close()

    def admin(self, method, path, body=None, org=None):
        if org:
            path += ("&" if "?" in path else "?") + "org=" + org
        st, _, js = self.call("emu.my.salesforce.com", method, "/__emu/" + path, body=body)
        return st, js

    def login(self, name, host=None):
        """Client credentials, at the org's own My Domain (Salesforce answers
        this flow nowhere else)."""
        o = self.orgs[name]
        host = host or o["host"]
        with open(o["client_secret_file"]) as f:
            secret = f.read()
        return self.call(host, "POST", "/services/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": o["client_id"],
            "client_secret": secret})

    def token(self, name):
        st, _, js = self.login(name)
        self.assertEqual(st, 200, js)
        return js["access_token"]

    def jwt_login(self, sub, iss):
        return self.call("login.salesforce.com", "POST", "/services/oauth2/token", form={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": make_jwt({"iss": iss, "sub": sub, "aud": "https://login.salesforce.com",
                                   "exp": int(time.time()) + 120},
                                  key=self.env["SF_JWT_KEY_FILE"])})

    def test_env_and_orgs_file_describe_every_org(self):
        env, port = self.env, self.env["SFEMU_PORT"]
        self.assertEqual(env["SFEMU_ORGS"], "acme globex initech")
        self.assertEqual(list(self.orgs), ["acme", "globex", "initech"])
        for name, o in self.orgs.items():
            p = "SFEMU_ORG_%s_" % name.upper()
            self.assertEqual(o["host"], name + ".my.salesforce.com")
            self.assertIn("%s:%s:127.0.0.1" % (o["host"], port), env["SF_RESOLVE"])
            self.assertEqual(env[p + "INSTANCE_URL"], "https://%s:%s" % (o["host"], port))
            self.assertEqual(o["resolve"].split(",")[0], "%s:%s:127.0.0.1" % (o["host"], port))
            self.assertIn("login.salesforce.com:%s:127.0.0.1" % port, o["resolve"])
            for k in ("RESOLVE", "ORG_ID", "CLIENT_ID", "CLIENT_SECRET_FILE", "REFRESH_TOKEN_FILE",
                      "JWT_KEY_FILE", "USERNAME", "USER_ID", "ADMIN_USERNAME",
                      "ADMIN_USER_ID"):
                self.assertEqual(env[p + k], o[k.lower()], k)
            self.assertTrue(is_sf_id(o["org_id"], "00D"), o["org_id"])
            self.assertEqual(o["username"], "integration@%s.example" % name)
            for k in ("client_secret_file", "refresh_token_file", "jwt_key_file"):
                self.assertEqual(os.stat(o[k]).st_mode & 0o777, 0o600, k)
        # the default org is what the single-org variables name
        acme = self.orgs["acme"]
        self.assertEqual((env["SF_INSTANCE_URL"], env["SF_CLIENT_ID"], env["SF_USERNAME"]),
                         (acme["instance_url"], acme["client_id"], acme["username"]))
        self.assertEqual(acme["org_id"], "00DHs0000000007MAA")
        for key in ("org_id", "client_id", "user_id"):
            self.assertEqual(len({o[key] for o in self.orgs.values()}), 3, key)
        user_ids = [u["Id"] for o in self.orgs.values() for u in o["users"]]
        self.assertEqual(len(set(user_ids)), 12)

    def test_login_host_issues_each_org_its_own_token_and_identity(self):
        port = self.env["SFEMU_PORT"]
        for name, o in self.orgs.items():
            st, _, js = self.jwt_login(o["username"], o["client_id"])
            self.assertEqual(st, 200, js)
            self.assertEqual(js["instance_url"], o["instance_url"])
            self.assertEqual(js["id"], "https://login.salesforce.com:%s/id/%s/%s"
                             % (port, o["org_id"], o["user_id"]))
            path = urllib.parse.urlsplit(js["id"]).path
            st, _, ident = self.call("login.salesforce.com", "GET", path, js["access_token"])
            self.assertEqual(st, 200, ident)
            self.assertEqual((ident["organization_id"], ident["user_id"], ident["username"]),
                             (o["org_id"], o["user_id"], o["username"]))
            self.assertTrue(ident["urls"]["rest"].startswith(o["instance_url"]))
            # client credentials at the org's own My Domain give the same org,
            # and are refused on the shared login host
            st, _, js = self.login(name)
            self.assertEqual((st, js["instance_url"]), (200, o["instance_url"]), js)
            # and with the client's credentials in HTTP Basic, at the My Domain
            with open(o["client_secret_file"]) as f:
                basic = base64.b64encode(("%s:%s" % (o["client_id"], f.read())).encode())
            st, _, js = self.call(o["host"], "POST", "/services/oauth2/token",
                                  form={"grant_type": "client_credentials"},
                                  headers={"Authorization": "Basic " + basic.decode()})
            self.assertEqual((st, js["instance_url"]), (200, o["instance_url"]), js)
            st, _, js = self.login(name, host="login.salesforce.com")
            self.assertEqual((st, js["error"]), (400, "invalid_grant"), js)

    def test_a_token_of_one_org_is_refused_by_another(self):
        acme, globex = self.token("acme"), self.token("globex")
        lim = V + "/limits"
        self.assertEqual(self.call("acme.my.salesforce.com", "GET", lim, acme)[0], 200)
        self.assertEqual(self.call("globex.my.salesforce.com", "GET", lim, globex)[0], 200)
        for host, tok in (("acme.my.salesforce.com", globex),
                          ("globex.my.salesforce.com", acme)):
            st, _, js = self.call(host, "GET", lim, tok)
            self.assertEqual((st, js[0]["errorCode"]), (401, "INVALID_SESSION_ID"), js)
        # the identity URL of one org with a token of another
        path = "/id/%s/%s" % (self.orgs["acme"]["org_id"], self.orgs["acme"]["user_id"])
        st, _, body = self.call("login.salesforce.com", "GET", path, globex)
        self.assertEqual((st, body), (403, "Wrong_Org"))
        st, _, body = self.call("login.salesforce.com", "GET", path, "00Dbogus!AQbogus")
        self.assertEqual((st, body), (403, "Bad_OAuth_Token"))
        self.assertEqual(self.call("login.salesforce.com", "GET", path, acme)[0], 200)

    def test_jwt_and_refresh_token_grants_belong_to_their_org(self):
        g = self.orgs["globex"]
        st, _, js = self.jwt_login(g["username"], g["client_id"])
        self.assertEqual((st, js.get("instance_url")), (200, g["instance_url"]), js)
        # a globex user through acme's connected app
        st, _, js = self.jwt_login(g["username"], self.orgs["acme"]["client_id"])
        self.assertEqual((st, js["error"]), (400, "invalid_client_id"), js)
        with open(g["refresh_token_file"]) as f:
            rt = f.read()
        st, _, js = self.call("login.salesforce.com", "POST", "/services/oauth2/token",
                              form={"grant_type": "refresh_token", "refresh_token": rt})
        self.assertEqual((st, js.get("instance_url")), (200, g["instance_url"]), js)
        # globex's refresh token at initech's My Domain
        st, _, js = self.call("initech.my.salesforce.com", "POST", "/services/oauth2/token",
                              form={"grant_type": "refresh_token", "refresh_token": rt})
        self.assertEqual((st, js["error"]), (400, "invalid_grant"), js)

    def test_records_are_per_org(self):
        acme, globex = self.token("acme"), self.token("globex")
        ids = {}
        for name, tok in (("acme", acme), ("globex", globex)):
            st, _, js = self.call(name + ".my.salesforce.com", "PATCH",
                                  V + "/sobjects/Lead/Booking_Key__c/bk-1042", tok,
                                  body={"LastName": name, "Company": name})
            self.assertEqual((st, js["created"]), (201, True), js)   # each org its own
            ids[name] = js["id"]
        self.assertNotEqual(ids["acme"], ids["globex"])
        for name, n in (("acme", 1), ("globex", 1), ("initech", 0)):
            recs = self.admin("GET", "records?sobject=Lead", org=name)[1]["records"]
            self.assertEqual([r["fields"]["LastName"] for r in recs], [name] * n)
        # globex's record is not there for acme: not readable, not a reference
        st, _, js = self.call("acme.my.salesforce.com", "GET",
                              V + "/sobjects/Lead/" + ids["globex"], acme)
        self.assertEqual((st, js[0]["errorCode"]), (404, "NOT_FOUND"), js)
        st, _, js = self.call("acme.my.salesforce.com", "POST", V + "/sobjects/Event", acme,
                              body={"Subject": "x", "WhoId": ids["globex"],
                                    "StartDateTime": "2026-12-01T10:00:00Z",
                                    "DurationInMinutes": 30})
        self.assertEqual((st, js[0]["errorCode"]), (400, "INVALID_CROSS_REFERENCE_KEY"), js)

    def test_counters_and_daily_limits_are_per_org(self):
        acme, globex = self.token("acme"), self.token("globex")
        self.assertEqual(self.admin("POST", "config", {"daily_limit": 2}, org="globex")[0], 200)
        got = [self.call("globex.my.salesforce.com", "GET", V + "/limits", globex)[0]
               for _ in range(3)]
        self.assertEqual(got, [200, 200, 403])
        st, r, _ = self.call("acme.my.salesforce.com", "GET", V + "/limits", acme)
        self.assertEqual((st, r.getheader("Sforce-Limit-Info")), (200, "api-usage=1/15000"))
        calls = {n: self.admin("GET", "stats", org=n)[1]["api_calls"] for n in self.orgs}
        self.assertEqual(calls, {"acme": 1, "globex": 2, "initech": 0})

    def test_faults_are_per_org(self):
        acme, globex = self.token("acme"), self.token("globex")
        self.admin("POST", "faults", {"rules": [
            {"kind": "unavailable", "count": 5, "path": "/limits|/oauth2/token"}]},
            org="globex")
        self.assertEqual(self.call("globex.my.salesforce.com", "GET", V + "/limits",
                                   globex)[0], 503)
        self.assertEqual(self.call("acme.my.salesforce.com", "GET", V + "/limits",
                                   acme)[0], 200)
        # one org refusing logins at its token endpoint; the others log in
        self.assertEqual(self.login("globex")[0], 503)
        self.assertEqual(self.login("initech")[0], 200)
        injected = self.admin("GET", "stats", org="globex")[1]["faults_injected"]
        self.assertEqual(injected, {"unavailable": 2})
        self.assertEqual(self.admin("GET", "stats", org="acme")[1]["faults_injected"], {})

    def test_an_org_added_through_the_admin_api(self):
        st, js = self.admin("POST", "orgs", {"name": "hooli", "daily_limit": 5})
        self.assertEqual(st, 201, js)
        self.assertEqual(js["resolve"], "hooli.my.salesforce.com:%s:127.0.0.1"
                         % self.env["SFEMU_PORT"])
        with open(self.env["SFEMU_ORGS_FILE"]) as f:
            listed = [o["name"] for o in json.load(f)["orgs"]]
        self.assertEqual(listed, ["acme", "globex", "initech", "hooli"])
        self.orgs["hooli"] = js
        try:
            tok = self.token("hooli")
            st, r, _ = self.call("hooli.my.salesforce.com", "GET", V + "/limits", tok)
            self.assertEqual((st, r.getheader("Sforce-Limit-Info")), (200, "api-usage=1/5"))
            self.assertEqual(self.call("acme.my.salesforce.com", "GET", V + "/limits",
                                       tok)[0], 401)
        finally:
            del self.orgs["hooli"]
        for bad in ({"name": "hooli"}, {"name": "Bad-Name"}, {"name": "x", "colour": 1}):
            self.assertEqual(self.admin("POST", "orgs", bad)[0], 400, bad)
        self.assertEqual(self.admin("GET", "stats", org="nosuch")[0], 404)

    def test_admin_token_comes_from_the_users_org(self):
        g = self.orgs["globex"]
        st, js = self.admin("POST", "token", {"username": g["admin_username"]})
        self.assertEqual(st, 200, js)
        self.assertEqual(js["id"].rsplit("/", 2)[1:], [g["org_id"], g["admin_user_id"]])
        tok = js["access_token"]
        self.assertEqual(self.call(g["host"], "GET", V + "/limits", tok)[0], 200)
        self.assertEqual(self.call("acme.my.salesforce.com", "GET", V + "/limits", tok)[0], 401)


class TestOrgsFile(unittest.TestCase):
    def test_orgs_and_their_settings_from_a_json_file(self):
        d = warm_copy("sfemu-orgsfile-")
        spec = os.path.join(d, "orgs-spec.json")
        with open(spec, "w") as f:
            json.dump({"orgs": [{"name": "hooli", "daily_limit": 7},
                                {"name": "acme", "daily_limit": 3}]}, f)
        try:
            st = subprocess.run([EMUCTL, "start", d, "--orgs", spec],
                                stdout=subprocess.DEVNULL).returncode
            self.assertEqual(st, 0)
            env = load_env(d)
            self.assertEqual(env["SFEMU_ORGS"], "acme hooli")   # the default org first
            limits = {}
            for name in ("acme", "hooli"):
                c = Client("emu.my.salesforce.com", env)
                limits[name] = c.request("GET", "/__emu/stats?org=" + name)[2]["daily_limit"]
                c.close()
            self.assertEqual(limits, {"acme": 3, "hooli": 7})
        finally:
            subprocess.run([EMUCTL, "stop", d])
            shutil.rmtree(d, ignore_errors=True)


SF_TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"


def normalised(obj, ids):
    """obj as JSON text with ids numbered in order of appearance and timestamps
    blanked: two orgs that did the same things in the same order compare equal."""
    import re
    text = json.dumps(obj, sort_keys=True)

    def num(m):
        return ids.setdefault(m.group(0), "ID%d" % len(ids))
    text = re.sub(r"\b(?:00Q|00U|0RE|a0B|001|003)[A-Za-z0-9]{15}\b", num, text)
    # Booking__c autonumbers go on across resets, as Salesforce's do
    text = re.sub(r"B-\d{6}", lambda m: ids.setdefault(m.group(0), "B%d" % len(ids)), text)
    return re.sub(SF_TIME_RE, "T", text)


HELPERS_DIR = None


class WithHelpers(Base):
    """Tests of speculate.py: helper processes are off unless SFEMU_HELPERS asks
    for them, so these classes use an emulator of their own started with two
    (once, on a copy of the module emulator's keys: a warm start)."""

    @classmethod
    def setUpClass(cls):
        global HELPERS_DIR, DIR, ENV
        if HELPERS_DIR is None:
            HELPERS_DIR = warm_copy("sfemu-helpers-")
            subprocess.run([EMUCTL, "start", HELPERS_DIR], check=True,
                           stdout=subprocess.DEVNULL, env=dict(os.environ, SFEMU_HELPERS="2"))
        cls.saved = DIR, ENV
        DIR, ENV = HELPERS_DIR, load_env(HELPERS_DIR)
        TOKENS.clear()

    @classmethod
    def tearDownClass(cls):
        global DIR, ENV
        DIR, ENV = cls.saved
        TOKENS.clear()


class TestHelpersOffByDefault(Base):
    def test_no_helper_unless_asked_for(self):
        self.assertEqual(admin("GET", "stats")[1]["parallel"]["helpers"], 0)
        admin("POST", "config", {"speculate_always": 1})
        st, _, js = self.req("POST", "composite/graph", {"graphs": [
            graph_booking("g1", "off-1")]})
        self.assertEqual(st, 200, js)
        self.assertTrue(js["graphs"][0]["isSuccessful"], js)
        par = admin("GET", "stats")[1]["parallel"]
        self.assertEqual((par["speculated"], par["conflicts"]), (0, 0))


class TestSpeculation(WithHelpers):
    """Concurrent writes run in helper processes and are replayed by the owner
    (speculate.py).  speculate_always sends every graph and collections request
    that way, so the same requests can be compared with the owner's own run."""

    def write_story(self):
        """Graph and collections requests of every outcome; their answers."""
        bad = dict(graph_booking("g2", "k2"))
        out = []
        out.append(self.req("POST", "composite/graph", {"graphs": [
            graph_booking("g1", "k1"), graph_booking("g2", "k2", bad=True),
            graph_booking("g3", "k3")]})[:3:2])
        # the same keys again: updates, one graph failing, one halted neighbour
        out.append(self.req("POST", "composite/graph", {"graphs": [
            graph_booking("g1", "k1"), bad, {"graphId": "g4", "compositeRequest": [
                {"method": "POST", "url": V + "/sobjects/Booking__c", "referenceId": "b",
                 "body": {"Booking_Key__c": "bk-1"}}]}]})[:3:2])
        out.append(self.req("POST", "composite/sobjects", {"allOrNone": False, "records": [
            {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C"},
            {"attributes": {"type": "Lead"}, "LastName": "B"},
            {"attributes": {"type": "Booking__c"}, "Booking_Key__c": "bk-2"}]})[:3:2])
        out.append(self.req("PATCH", "composite/sobjects/Lead/Booking_Key__c", {
            "allOrNone": True, "records": [
                {"attributes": {"type": "Lead"}, "Booking_Key__c": "k1", "LastName": "Lee 2"},
                {"attributes": {"type": "Lead"}, "Booking_Key__c": "k9", "LastName": "New",
                 "Company": "Acme"}]})[:3:2])
        admin("POST", "faults", {"rules": [{"kind": "lock", "count": 1,
                                            "path": "composite"}]})
        out.append(self.req("POST", "composite/sobjects", {"allOrNone": True, "records": [
            {"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C"}]})[:3:2])
        admin("DELETE", "faults")
        org = {so: [(r["fields"], r["writes"]) for r in self.records(so)]
               for so in ("Lead", "Event", "EventRelation", "Booking__c")}
        return out, org

    def test_helper_answers_and_writes_as_the_owner_does(self):
        ids = {}
        native = normalised(self.write_story(), ids)
        self.assertEqual(admin("GET", "stats")[1]["parallel"]["speculated"], 0)
        admin("POST", "reset")
        self.assertEqual(admin("POST", "config", {"speculate_always": 1})[0], 200)
        ids = {}
        spec = normalised(self.write_story(), ids)
        par = admin("GET", "stats")[1]["parallel"]
        self.assertGreaterEqual(par["helpers"], 1)
        self.assertEqual((par["speculated"], par["conflicts"]), (5, 0))
        self.assertIn('"isSuccessful": false', spec)     # the story has failures
        self.assertIn("UNABLE_TO_LOCK_ROW", spec)
        self.assertIn('"Name": "B', spec)               # and autonumbers
        self.assertEqual(spec, native)

    def test_concurrent_upserts_of_the_same_keys_make_each_once(self):
        admin("POST", "config", {"speculate_always": 1})
        errors = []

        def send(k):
            c = Client()
            c.token = self.c.token
            try:
                for rnd in range(3):
                    graphs = [graph_booking("g%d" % i, "kc-%d" % ((i + k + rnd) % 12))
                              for i in range(6)]
                    st, _, js = c.request("POST", V + "/composite/graph", {"graphs": graphs})
                    if st != 200 or not all(g["isSuccessful"] for g in js["graphs"]):
                        errors.append(js)
            finally:
                c.close()
        in_threads(send, 4)
        self.assertEqual(errors, [])
        keys = [r["fields"]["Booking_Key__c"] for r in self.records("Lead")]
        self.assertEqual(sorted(keys), sorted(set(keys)))   # each key once
        self.assertEqual(set(keys), {"kc-%d" % ((i + k + rnd) % 12) for i in range(6)
                                     for k in range(4) for rnd in range(3)})
        self.assertEqual(len(self.records("Event")), 4 * 3 * 6)
        par = admin("GET", "stats")[1]["parallel"]
        self.assertEqual(par["speculated"] + par["conflicts"], 4 * 3)


class TestSpeculationLostHelper(WithHelpers):
    """Runs after TestSpeculation, which needs the helpers this one kills; the
    classes after it need none."""

    def test_dead_helpers_leave_their_requests_to_the_owner(self):
        owner = int(open(os.path.join(DIR, "pid")).read())
        helpers = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        if int(f.read().rsplit(") ", 1)[1].split()[1]) == owner:
                            helpers.append(int(d))
                except OSError:
                    pass
        before = admin("GET", "stats")[1]["parallel"]["helpers"]
        self.assertEqual(len(helpers), before)
        for pid in helpers:
            os.kill(pid, 9)
        admin("POST", "config", {"speculate_always": 1})
        for i in range(before + 1):   # each dead helper is met once, then none is left
            st, _, js = self.req("POST", "composite/graph", {"graphs": [
                graph_booking("g", "lost-%d" % i)]})
            self.assertEqual(st, 200, js)
            self.assertTrue(js["graphs"][0]["isSuccessful"], js)
        self.assertEqual(admin("GET", "stats")[1]["parallel"]["helpers"], 0)
        self.assertEqual(len(self.records("Lead")), before + 1)


class TestReplay(unittest.TestCase):
    """The owner's side of speculate.py in-process, with interleavings that a
    test over the network cannot force: a helper's run, a write by someone else,
    then the replay."""

    def setUp(self):
        import copy
        import sqlite3
        import speculate
        from emu import composite, concurrent, context, org
        self.spec, self.sqlite3 = speculate, sqlite3
        self.composite, self.concurrent, self.context = composite, concurrent, context
        self.dir = tempfile.mkdtemp(prefix="sfemu-replay-")
        for name in ("client_id", "client_secret", "jwt_cert.pem"):
            shutil.copy(os.path.join(DIR, name), self.dir)
        self.owner = org.Org(self.dir, 1)
        self.helper = copy.copy(self.owner)
        self.helper.speculative, self.helper.id_space, self.helper.id_counters = \
            True, 10 ** 12, {}

    def tearDown(self):
        self.owner.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctx(self):
        return self.context.Ctx(self.owner, self.owner.integration, "62.0")

    def helper_run(self, graphs):
        """The helper's run of a graph request on a copy of the org as it is now."""
        copy = self.sqlite3.connect(":memory:", isolation_level=None)
        self.owner.db.backup(copy)
        body = json.dumps({"graphs": graphs}).encode()
        return self.concurrent.speculative_run(self.helper, self.spec.Recorder(copy), (
            "graph", self.owner.integration["Id"], "62.0", False, "POST", [], body, {},
            self.owner.seq_booking))

    def native(self, graphs):
        return self.composite.graph(self.ctx(), "POST", json.dumps({"graphs": graphs}).encode())

    def leads(self):
        return self.owner.db.execute("SELECT count(*) FROM records WHERE sobject='Lead'"
                                     ).fetchone()[0]

    def test_replay_keeps_the_helpers_writes(self):
        answer = self.helper_run([graph_booking("g1", "r1")])
        self.assertEqual(self.leads(), 0)             # the helper wrote on its copy
        resp = self.concurrent.apply_speculation(self.ctx(), answer, 0)
        body = json.loads(resp.body)
        self.assertTrue(body["graphs"][0]["isSuccessful"])
        lead_id = body["graphs"][0]["graphResponse"]["compositeResponse"][0]["body"]["id"]
        self.assertEqual(self.owner.get_record(lead_id)[1]["Booking_Key__c"], "r1")
        self.assertEqual(self.owner.counters["speculated"], 1)

    def test_a_read_that_changed_rolls_the_replay_back(self):
        answer = self.helper_run([graph_booking("g1", "r2")])   # creates key r2
        done = self.native([graph_booking("g1", "r2")])         # meanwhile: so does this
        self.assertTrue(done.body["graphs"][0]["isSuccessful"])
        self.assertIsNone(self.concurrent.apply_speculation(self.ctx(), answer, 0))
        self.assertEqual(self.owner.counters["speculation_conflicts"], 1)
        self.assertEqual(self.leads(), 1)             # nothing of the replay is left
        again = self.native([graph_booking("g1", "r2")])  # what the owner then does
        node = again.body["graphs"][0]["graphResponse"]["compositeResponse"][0]
        self.assertEqual((node["httpStatusCode"], node["body"]["created"]), (200, False))
        self.assertEqual(self.leads(), 1)

    def test_autonumbers_taken_meanwhile_are_a_conflict(self):
        booking = [{"graphId": "b", "compositeRequest": [{
            "method": "POST", "url": V + "/sobjects/Booking__c", "referenceId": "b",
            "body": {"Booking_Key__c": "bk-%d" % i}}]} for i in (1, 2)]
        first, second = self.helper_run([booking[0]]), self.helper_run([booking[1]])
        self.assertIsNotNone(self.concurrent.apply_speculation(self.ctx(), first, 0))
        self.assertIsNone(self.concurrent.apply_speculation(self.ctx(), second, 0))
        self.assertEqual(self.owner.seq_booking, 1)

    def test_a_query_node_fails_its_graph_in_the_helper_too(self):
        # a graph node may not query (Composite Subrequest); the helper answers
        # as the owner would, without reaching the query resource
        answer = self.helper_run([{"graphId": "q", "compositeRequest": [{
            "method": "GET", "url": V + "/query?q=SELECT+Id+FROM+Lead", "referenceId": "q"}]}])
        body = json.loads(self.concurrent.apply_speculation(self.ctx(), answer, 0).body)
        self.assertFalse(body["graphs"][0]["isSuccessful"])
        node = body["graphs"][0]["graphResponse"]["compositeResponse"][0]
        self.assertEqual(node["body"][0]["errorCode"], "INVALID_INPUT")

    def test_new_records_store_what_differs_from_the_defaults(self):
        # insert stores only NEW_RECORD_KEYS and the given values (dump_fields);
        # every other field must still hold its default
        self.native([graph_booking("g1", "r3")])
        for rid, so, text in self.owner.db.execute(
                "SELECT id, sobject, fields FROM records WHERE fixture=0"):
            rec = self.owner.get_record(rid)[1]
            self.assertEqual(json.loads(self.owner.dump_fields(so, rec)), json.loads(text),
                             so)


if __name__ == "__main__":
    unittest.main()
