# SPDX-License-Identifier: ISC
"""The HTTPS server: TLS, the request handler, DIR/env, and main."""
import argparse
import contextlib
import gzip
import io
import itertools
import json
import os
import signal
import socket
import ssl
import struct
import threading
import time
import traceback
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .admin import admin
from .concurrent import start_helpers
from .errors import Cut, SFError
from .material import make_material
from .orgs import Orgs, org_specs
from .resp import REASONS, Resp
from .routing import API_VERSION, serve
from .sftime import http_date, now_sf

REQUEST_IDS = itertools.count(int.from_bytes(os.urandom(6), "big") << 16)

_DATE = [0, ""]


def cached_date():
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[0], _DATE[1] = now, http_date(now)
    return _DATE[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sfdcedge"
    sys_version = ""
    timeout = 120

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.dispatch()

    def __getattr__(self, name):
        # any other method reaches the router, which answers 405 as Salesforce does
        if name.startswith("do_") and name[3:].isalpha():
            return self.dispatch
        raise AttributeError(name)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            data = b"".join(chunks)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n else b""
        ce = (self.headers.get("Content-Encoding") or "").lower()
        if ce == "gzip" and data:
            data = gzip.decompress(data)
        elif ce == "deflate" and data:
            data = zlib.decompress(data)
        return data

    def cut(self):
        """Close the TCP connection abruptly (RST), answering nothing."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
        self.wfile = io.BytesIO()

    def dispatch(self):
        orgs = self.server.orgs
        t0 = time.time()
        method = self.command
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        try:
            body = self.read_body()
        except (ValueError, OSError, zlib.error, EOFError):
            self.close_connection = True
            return
        entry = {"method": method, "path": path, "status": None, "user": None,
                 "fault": None, "time": now_sf()}
        org = orgs.route(self.headers, path, body)
        try:
            if path.startswith("/__emu/"):
                # the admin API is neither counted nor logged
                self.send(admin(orgs, org, method, path, split.query, body))
                return
            with org.stats_lock:
                org.counters["requests"] += 1
                org.req_seq += 1
                entry["seq"] = org.req_seq
            resp = serve(org, self, method, path, split.query, body, entry)
        except Cut:
            entry["status"] = 0
            entry["ms"] = int((time.time() - t0) * 1000)
            org.log.append(entry)
            self.cut()
            return
        except SFError as e:
            resp = Resp(e.status, e.array())
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            resp = Resp(500, [{"message": "An unexpected error occurred. Please include "
                               "this ErrorId if you contact support: 1234567890-12345 "
                               "(-1234567890)", "errorCode": "UNKNOWN_EXCEPTION"}])
        if resp is None:  # cut_after: processed, then cut
            entry["status"] = 0
            org.log.append(entry)
            self.cut()
            return
        entry["status"] = resp.status
        entry["ms"] = int((time.time() - t0) * 1000)
        org.log.append(entry)
        if entry.get("limit_info"):
            resp.headers["Sforce-Limit-Info"] = "api-usage=%d/%d" % (
                org.counters["api_calls"], org.config["daily_limit"])
        self.send(resp)

    def send(self, resp):
        b = resp.body
        if b is None:
            data = b""
        elif isinstance(b, bytes):
            data = b
        elif isinstance(b, str):
            data = b.encode()
        else:
            data = json.dumps(b, ensure_ascii=False, separators=(",", ":")).encode()
        hdrs = [("Date", cached_date()), ("Server", "sfdcedge"),
                ("X-Sfdc-Request-Id", "%016x" % next(REQUEST_IDS)),
                ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")]
        if data or resp.status not in (204, 304):
            hdrs.append(("Content-Type", resp.ctype))
        if data and "gzip" in (self.headers.get("Accept-Encoding") or "").lower():
            data = gzip.compress(data, 1)
            hdrs.append(("Content-Encoding", "gzip"))
        hdrs.append(("Vary", "Accept-Encoding"))
        hdrs.extend(resp.headers.items())
        if resp.status not in (204, 304):
            hdrs.append(("Content-Length", str(len(data))))
        else:
            data = b""
        if self.close_connection or (self.headers.get("Connection", "").lower() == "close"):
            hdrs.append(("Connection", "close"))
            self.close_connection = True
        head = "HTTP/1.1 %d %s\r\n" % (resp.status, REASONS.get(resp.status, "Unknown"))
        head += "".join("%s: %s\r\n" % kv for kv in hdrs) + "\r\n"
        out = head.encode("latin-1") + (data if self.command != "HEAD" else b"")
        try:
            self.wfile.write(out)
        except OSError:
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        request.settimeout(30)
        # whole responses go out in one write; Nagle would hold their tail back
        # until the client's delayed ACK (40 ms per response)
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        tls.settimeout(120)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError):
            pass

    def handle_error(self, request, client_address):
        pass


def write_env(d, port, orgs):
    """DIR/env: the default org as SF_* (what a single-org client reads), and
    every org as SFEMU_ORG_<NAME>_* (DIR/orgs.json has the same as JSON)."""
    org = orgs.default
    env = [("SF_CA_FILE", os.path.join(d, "ca.pem")),
           ("SF_RESOLVE", ",".join(orgs.resolve())),
           ("SF_LOGIN_URL", "https://login.salesforce.com:%d" % port),
           ("SF_INSTANCE_URL", org.instance_url),
           ("SF_API_VERSION", API_VERSION), ("SF_CLIENT_ID", org.client_id),
           ("SF_USERNAME", org.integration["Username"]),
           ("SFEMU_ADMIN_USERNAME", org.admin["Username"]),
           ("SF_JWT_KEY_FILE", os.path.join(d, "jwt_key.pem")),
           ("SFEMU_JWT_CERT_FILE", os.path.join(d, "jwt_cert.pem")),
           ("SF_CLIENT_SECRET_FILE", os.path.join(d, "client_secret")),
           ("SF_REFRESH_TOKEN_FILE", os.path.join(d, "refresh_token")),
           ("SFEMU_URL", "https://emu.my.salesforce.com:%d" % port),
           ("SFEMU_PORT", str(port)), ("SFEMU_DIR", d),
           ("SFEMU_ORGS", " ".join(o.name for o in orgs.all)),
           ("SFEMU_ORGS_FILE", os.path.join(d, "orgs.json"))]
    for o in orgs.all:
        desc = o.describe_org()
        p = "SFEMU_ORG_%s_" % o.name.upper()
        env += [(p + "HOST", desc["host"]), (p + "RESOLVE", desc["resolve"]),
                (p + "INSTANCE_URL", desc["instance_url"]),
                (p + "ORG_ID", desc["org_id"]), (p + "CLIENT_ID", desc["client_id"]),
                (p + "CLIENT_SECRET_FILE", desc["client_secret_file"]),
                (p + "REFRESH_TOKEN_FILE", desc["refresh_token_file"]),
                (p + "JWT_KEY_FILE", desc["jwt_key_file"]),
                (p + "USERNAME", desc["username"]), (p + "USER_ID", desc["user_id"]),
                (p + "ADMIN_USERNAME", desc["admin_username"]),
                (p + "ADMIN_USER_ID", desc["admin_user_id"])]
    text = "".join("export %s='%s'\n" % (k, v.replace("'", "'\\''")) for k, v in env)
    tmp = os.path.join(d, "env.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, "env"))


def main(rsa=None):
    """Serve until SIGTERM.  rsa: the openssl process already making the app's
    key (material.start_rsa_keygen), if sfemu.py started it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--orgs", help="N (that many orgs) or a JSON file of orgs")
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    make_material(d, rsa)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.ssl_ctx = ctx
    port = srv.server_address[1]
    orgs = Orgs(d, port)
    for name, settings in org_specs(a.orgs):
        orgs.add(name, settings)
    srv.orgs = orgs
    # helper processes for concurrent writes, forked before any thread exists,
    # only when asked for (a benchmark); unset or 0: every request is processed
    # in this process, one at a time.  "auto": one a CPU besides the owner's (two
    # helpers sharing a CPU halve each other's speed: measured slower with 2 CPUs)
    helpers = os.environ.get("SFEMU_HELPERS") or "0"
    n = min(4, max(1, len(os.sched_getaffinity(0)) - 1)) if helpers == "auto" else int(helpers)
    if n > 0:
        start_helpers(orgs.default, n)
    with open(os.path.join(d, "pid"), "w") as f:
        f.write(str(os.getpid()))
    write_env(d, port, orgs)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(d, "pid"))
