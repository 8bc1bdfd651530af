#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""sfemu: a local Salesforce REST API emulator over real TLS, for sfpipe's tests.

Standard library only (the openssl command makes keys and certificates).  The
behaviour follows /work/shared/salesforce-rest.md; README.md maps each part to
its section.  Started and stopped by ./emuctl.
"""
import os
import subprocess
import sys


def start_rsa_keygen(argv):
    """Start making the connected app's RSA key (the slow part of a cold start)
    before the heavier imports below, so the two overlap."""
    if "--dir" not in argv or __name__ != "__main__":
        return None
    d = os.path.abspath(argv[argv.index("--dir") + 1])
    key, cert = os.path.join(d, "jwt_key.pem"), os.path.join(d, "jwt_cert.pem")
    if os.path.exists(key) and os.path.exists(cert):
        return None
    os.makedirs(d, exist_ok=True)
    old = os.umask(0o077)
    try:
        return subprocess.Popen(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-days", "3650", "-subj", "/O=sfpipe tests/CN=sfpipe connected app",
             "-out", cert], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        os.umask(old)


RSA_KEYGEN = start_rsa_keygen(sys.argv)

import argparse  # noqa: E402
import base64  # noqa: E402
import collections  # noqa: E402
import contextlib  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import ssl  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import urllib.parse  # noqa: E402
import zlib  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import soql  # noqa: E402
import speculate  # noqa: E402

API_VERSION = "62.0"
MIN_VERSION, MAX_VERSION = 31, 66
DEFAULT_DAILY_LIMIT = 15000
ORG_HOSTS = ["acme.my.salesforce.com", "emu.my.salesforce.com", "login.salesforce.com",
             "test.salesforce.com", "acme.my.site.com",
             "acme--dev.sandbox.my.salesforce.com", "acme.lightning.force.com"]
SANS = ["*.my.salesforce.com", "login.salesforce.com", "test.salesforce.com",
        "*.my.site.com", "*.force.com", "*.lightning.force.com",
        "*.sandbox.my.salesforce.com", "localhost"]
# Emu.insert's statement; apply_speculation renumbers its last parameter (seq)
INSERT_RECORD_SQL = "INSERT INTO records VALUES (?,?,?,0,1,?)"
# what complete_record sets on a new record besides the values it is given:
# audit fields, autonumbers and derived names, Event's derived times
NEW_RECORD_KEYS = ("Id", "CreatedDate", "CreatedById", "OwnerId", "LastModifiedDate",
                   "SystemModstamp", "LastModifiedById", "Name", "IsInvitee",
                   "StartDateTime", "ActivityDateTime", "ActivityDate", "DurationInMinutes",
                   "EndDateTime", "EndDate")
HALTED_MSG = ("The transaction was rolled back since another operation in the same "
              "transaction failed.")
FLS_MSG = ("Unable to create/update fields: %s. Please check the security settings of "
           "this field and verify that it is read/write for your profile or permission set.")

# ---------------------------------------------------------------------------
# Salesforce ids (salesforce-rest.md 1.4)

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
EXTRA_PREFIXES = {"Group": "00G", "Calendar": "023", "Profile": "00e"}


UPPER_BITS = str.maketrans({chr(c): ("1" if 65 <= c <= 90 else "0") for c in range(128)})


def id18(id15):
    # each 5-character chunk, read backwards, is a binary number: 1 per A-Z
    m = id15[:15].translate(UPPER_BITS)
    return (id15 + SUFFIX[int(m[4::-1], 2)] + SUFFIX[int(m[9:4:-1], 2)] +
            SUFFIX[int(m[14:9:-1], 2)])


B62_PAIRS = [a + b for a in B62 for b in B62]


def make_id(prefix, n):
    # 9 base-62 digits: one digit and four pairs
    n, r1 = divmod(n, 3844)
    n, r2 = divmod(n, 3844)
    n, r3 = divmod(n, 3844)
    n, r4 = divmod(n, 3844)
    return id18(prefix + "Hs0" + B62[n % 62] + B62_PAIRS[r4] + B62_PAIRS[r3] + B62_PAIRS[r2] +
                B62_PAIRS[r1])


def norm_id(s):
    """15 or 18 chars -> 18 chars, or None if malformed."""
    if not isinstance(s, str) or not ID_RE.match(s):
        return None
    full = id18(s[:15])
    if len(s) == 15:
        return full
    if full != s and full != s[:15] + s[15:].upper():
        return None
    return full


# ---------------------------------------------------------------------------
# errors


class SFError(Exception):
    """An error answered as Salesforce's array [{message, errorCode, fields?}]."""

    def __init__(self, status, code, message, fields=None, body=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields
        self.body = body

    def item(self, key="errorCode"):
        d = {"message": self.message, key: self.code}
        if self.fields is not None:
            d["fields"] = self.fields
        return d

    def array(self):
        return self.body if self.body is not None else [self.item()]


class OAuthError(Exception):
    def __init__(self, error, desc, status=400):
        super().__init__(desc)
        self.error, self.desc, self.status = error, desc, status


class Cut(Exception):
    pass


def not_found():
    return SFError(404, "NOT_FOUND", "The requested resource does not exist")


_NOW = [None, ""]


def now_sf(t=None):
    ms = int((time.time() if t is None else t) * 1000)
    if ms == _NOW[0]:
        return _NOW[1]  # a graph writes several records in one millisecond
    g = time.gmtime(ms // 1000)
    text = "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (g[0], g[1], g[2], g[3], g[4], g[5],
                                                        ms % 1000)
    _NOW[0], _NOW[1] = ms, text
    return text


def http_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t))


def parse_http_date(s):
    import email.utils
    try:
        return email.utils.parsedate_to_datetime(s).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


DT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?"
                   r"(Z|[+-]\d{2}:\d{2})$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def parse_sf_datetime(s):
    """Accepted input forms (3.4): yyyy-MM-ddTHH:mm:ss[.SSS](Z|+HH:MM). -> aware dt"""
    m = DT_RE.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d, h, mi, se, ms, tz = m.groups()
    try:
        tzinfo = dt.timezone.utc if tz == "Z" else dt.timezone(
            (1 if tz[0] == "+" else -1) * dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se),
                           int((ms or "0").ljust(3, "0")) * 1000, tzinfo)
    except ValueError:
        return None


def fmt_sf_datetime(d):
    d = d.astimezone(dt.timezone.utc)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000" % (d.year, d.month, d.day, d.hour,
                                                        d.minute, d.second, d.microsecond // 1000)


def stored_dt(s):
    """Stored datetimes are yyyy-MM-ddTHH:mm:ss.SSS+0000 (sliced: strptime is slow)."""
    if len(s) == 28 and s.endswith("+0000") and s[10] == "T" and s[19] == ".":
        return dt.datetime(int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]),
                           int(s[14:16]), int(s[17:19]), int(s[20:23]) * 1000, dt.timezone.utc)
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")


# ---------------------------------------------------------------------------
# RSA PKCS#1 v1.5 SHA-256 verification (JWT RS256), pure Python


def der_items(b):
    out, i = [], 0
    while i < len(b):
        tag, ln = b[i], b[i + 1]
        i += 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(b[i:i + n], "big")
            i += n
        out.append((tag, b[i:i + ln]))
        i += ln
    return out


def rsa_public_from_cert_pem(pem):
    b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    cert = der_items(base64.b64decode(b64))[0][1]
    tbs = der_items(cert)[0][1]
    items = der_items(tbs)
    if items[0][0] == 0xA0:
        items = items[1:]
    spki = der_items(items[5][1])
    bitstring = spki[1][1][1:]
    n, e = der_items(der_items(bitstring)[0][1])
    return int.from_bytes(n[1], "big"), int.from_bytes(e[1], "big")


SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def rsa_verify(pub, msg, sig):
    n, e = pub
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = SHA256_PREFIX + hashlib.sha256(msg).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(t)) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------------------
# key material


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_material(d):
    """Test CA, server cert (ECDSA P-256) and the connected app's RSA key+cert.
    Cached in d: generated once per directory.  The RSA key, the slow part, is
    made in parallel with the EC chain."""
    p = lambda n: os.path.join(d, n)  # noqa: E731
    rsa = RSA_KEYGEN
    if rsa is None and not (os.path.exists(p("jwt_key.pem")) and
                            os.path.exists(p("jwt_cert.pem"))):
        old = os.umask(0o077)
        try:
            rsa = subprocess.Popen(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                 p("jwt_key.pem"), "-days", "3650", "-subj",
                 "/O=sfpipe tests/CN=sfpipe connected app", "-out", p("jwt_cert.pem")],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        finally:
            os.umask(old)
    if not (os.path.exists(p("ca.pem")) and os.path.exists(p("server.pem"))):
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run("openssl", "req", "-x509", *ec, "-keyout", p("ca.key"), "-days", "3650",
            "-subj", "/O=sfpipe tests/CN=sfpipe emulator test CA", "-out", p("ca.pem"),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        run("openssl", "req", "-new", *ec, "-keyout", p("server.key"), "-subj",
            "/O=sfpipe tests/CN=*.my.salesforce.com", "-out", p("server.csr"))
        with open(p("server.ext"), "w") as f:
            f.write("subjectAltName=%s,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                    % ",".join("DNS:" + h for h in SANS))
        run("openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"),
            "-CAkey", p("ca.key"), "-set_serial", str(secrets.randbits(63)),
            "-days", "825", "-extfile", p("server.ext"), "-out", p("server.pem"))
    if rsa is not None:
        _, err = rsa.communicate()
        if rsa.returncode != 0:
            raise subprocess.CalledProcessError(rsa.returncode, "openssl req rsa", stderr=err)
    os.chmod(p("jwt_key.pem"), 0o600)
    for name, gen in (("client_id", lambda: "3MVG9" + secrets.token_urlsafe(60)[:80]
                       .replace("-", "A").replace("_", "z")),
                      ("client_secret", lambda: secrets.token_hex(32).upper())):
        if not os.path.exists(p(name)):
            fd = os.open(p(name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, gen().encode())
            os.close(fd)
        os.chmod(p(name), 0o600)


def write_secret(path, value):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, value.encode())
    os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# the org


NO_TX = contextlib.nullcontext()
MISSING = object()
# field types coerce() treats other than as strings
NON_STRING_TYPES = frozenset(("boolean", "int", "double", "currency", "percent", "date",
                              "datetime", "reference", "id"))


class Ctx:
    """One API request (or one composite subrequest tree)."""

    def __init__(self, emu, user, version, lock_fault=False, flags=None):
        self.emu, self.user, self.version = emu, user, version
        # shared with subrequest contexts: the lock fault hits one write per request
        self.flags = flags if flags is not None else {"lock": lock_fault}

    @property
    def lock_fault(self):
        return self.flags["lock"]

    def write_tx(self):
        """A savepoint around one write, unless the caller already rolls back the
        whole unit on any error (a graph does: a failed node fails its graph)."""
        return NO_TX if self.flags.get("atomic") else self.emu.tx()

    def take_lock_fault(self):
        if self.flags["lock"]:
            self.flags["lock"] = False
            self.emu.count_fault("lock")
            return True
        return False

    @property
    def v(self):
        return "v" + self.version


class Emu:
    def __init__(self, d, port):
        self.dir, self.port = d, port
        # self.lock guards the org's data (SQLite, tokens, jobs, cursors) and is held
        # while a request is processed.  self.stats_lock guards only counters, fault
        # rules and config, briefly, so accounting a new request (and its injected
        # latency) never waits for another request's processing.  Order: lock, then
        # stats_lock; never the reverse.
        self.lock = threading.RLock()
        self.stats_lock = threading.Lock()
        self.start_time = time.time()
        self.metadata_time = float(int(self.start_time) - 3600)
        self.org_id = make_id("00D", 7)
        self.client_id = open(os.path.join(d, "client_id")).read().strip()
        self.client_secret = open(os.path.join(d, "client_secret")).read().strip()
        self.jwt_pub = rsa_public_from_cert_pem(open(os.path.join(d, "jwt_cert.pem")).read())
        self.login_url = "https://login.salesforce.com:%d" % port
        self.instance_url = "https://acme.my.salesforce.com:%d" % port
        self.objects = {}
        self.lower_objects = {}
        for name, (prefix, label, plural, builder) in fixtures.OBJECTS.items():
            self.objects[name] = {"prefix": prefix, "label": label, "plural": plural,
                                  "fields": builder()}
            self.lower_objects[name.lower()] = name
        self.prefix_to_obj = {o["prefix"]: n for n, o in self.objects.items()}
        self.users = {}
        self.by_username = {}
        for n, uname, first, last, profile, alias in fixtures.USERS:
            uid = make_id("005", n)
            u = {"Id": uid, "Username": uname, "FirstName": first, "LastName": last,
                 "profile": profile, "Alias": alias}
            self.users[uid] = u
            self.by_username[uname] = u
        self.admin = self.by_username["admin@acme.example"]
        self.integration = self.by_username["integration@acme.example"]
        self._desc_cache = {}
        self.db = sqlite3.connect(os.path.join(d, "emu.db"), check_same_thread=False,
                                  isolation_level=None)
        # Rollback journal in memory: helper processes (speculate.py) copy the
        # last committed state under a shared lock, which a commit waits for (a
        # copy takes a few ms); WAL would let them in at any time, but costs every
        # commit ~8 % more
        self.db.execute("PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("DROP TABLE IF EXISTS records")
        self.db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, sobject TEXT, "
                        "fields TEXT, fixture INTEGER DEFAULT 0, writes INTEGER DEFAULT 1, "
                        "seq INTEGER)")
        self.db.execute("CREATE INDEX rs ON records(sobject)")
        # values of unique / external-ID / idLookup fields, so upserts and
        # duplicate checks are index lookups rather than scans of every record
        self.db.execute("DROP TABLE IF EXISTS keys")
        self.db.execute("CREATE TABLE keys (sobject TEXT, field TEXT, val TEXT, id TEXT)")
        self.db.execute("CREATE INDEX kv ON keys(sobject, field, val)")
        self.db.execute("CREATE INDEX ki ON keys(id)")
        self.keyed = {}
        self.tokens = {}
        self.refresh_tokens = {}
        self.sp = 0
        self.seq = 0
        self.seq_booking = 0  # Booking__c autonumber (Name B-000001...)
        self.id_space = 0  # a helper process numbers its ids from its own range
        self.pool = None  # helper processes for concurrent writes (speculate.py)
        self.speculative = False  # True in a helper process
        self.id_counters = {}  # never reset: Salesforce never reuses an id
        self.explicit_ids = set()  # ids inserted with an explicit Id (see next_id)
        self._templates = {}  # per sObject: defaults, unique fields (complete_record)
        self._required = {}  # per (profile, sObject): fields required on create
        self._ref_prefixes = {}  # per referenceTo list: the id prefixes it accepts
        self.reset(full=True)
        self.refresh_token = self.new_refresh(self.integration)
        write_secret(os.path.join(d, "refresh_token"), self.refresh_token)
        env = os.environ.get("SFEMU_FAULTS")
        if env:
            self.set_faults(json.loads(env))
        if os.environ.get("SFEMU_DAILY_LIMIT"):
            self.config["daily_limit"] = int(os.environ["SFEMU_DAILY_LIMIT"])
        if os.environ.get("SFEMU_LATENCY_MS"):
            self.config["latency_ms"] = int(os.environ["SFEMU_LATENCY_MS"])

    # -- state ------------------------------------------------------------

    def reset(self, full=False):
        with self.lock:
            self.db.execute("DELETE FROM records WHERE fixture = 0")
            self.db.execute("DELETE FROM keys WHERE id NOT IN (SELECT id FROM records)")
            with self.stats_lock:
                self.counters = {"api_calls": 0, "requests": 0, "by_endpoint": {},
                                 "faults_injected": {}, "speculated": 0,
                                 "speculation_conflicts": 0}
                self.faults = []
                # speculate_always: every graph and collections request goes
                # through a helper process, not only concurrent ones (tests)
                self.config = {"daily_limit": DEFAULT_DAILY_LIMIT, "latency_ms": 0,
                               "query_batch": 2000, "bulk_delay_ms": 0,
                               "speculate_always": 0}
                self.log = collections.deque(maxlen=5000)
                self.req_seq = 0
            self.jobs = {}
            self.cursors = {}
            if full:
                for u in self.users.values():
                    fields = {"Username": u["Username"], "FirstName": u["FirstName"],
                              "LastName": u["LastName"],
                              "Name": u["FirstName"] + " " + u["LastName"],
                              "Email": u["Username"], "Alias": u["Alias"],
                              "CommunityNickname": u["Alias"], "IsActive": True,
                              "TimeZoneSidKey": "Europe/London", "LocaleSidKey": "en_GB",
                              "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
                              "ProfileId": make_id("00e", 1 if u["profile"].startswith("S")
                                                   else 2),
                              "UserType": "Standard", "CompanyName": "Acme"}
                    self.complete_record("User", u["Id"], fields, self.admin)
                    self.db.execute("INSERT INTO records VALUES (?,?,?,1,1,0)",
                                    (u["Id"], "User", self.dump_fields("User", fields)))
                    self.explicit_ids.add(u["Id"])
                    self.write_keys("User", u["Id"], fields)

    def next_id(self, sobject):
        # Generated ids only grow and are never reused, so only an id inserted with
        # an explicit Id (fixture users, seeds) can be taken; those are remembered in
        # self.explicit_ids rather than looked up in the table for every new record.
        prefix = self.objects[sobject]["prefix"]
        n = self.id_counters.get(prefix, 0) + 1
        self.id_counters[prefix] = n
        while True:
            rid = make_id(prefix, self.id_space + n + 1000 * (prefix == "005"))
            if rid not in self.explicit_ids:
                return rid
            n += 1
            self.id_counters[prefix] = n

    @contextlib.contextmanager
    def tx(self):
        self.sp += 1
        name = "sp%d" % self.sp
        self.db.execute("SAVEPOINT " + name)
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK TO " + name)
            self.db.execute("RELEASE " + name)
            raise
        self.db.execute("RELEASE " + name)

    def get_record(self, rid):
        r = self.db.execute("SELECT sobject, fields FROM records WHERE id=?", (rid,)).fetchone()
        return (r[0], self.load_fields(r[0], r[1])) if r else (None, None)

    def dump_fields(self, sobject, rec, keys=None):
        """The stored JSON holds only values that differ from the sObject's defaults
        (most fields of a new record are null): less to encode, write and decode.
        keys: the only fields that can differ (a new record: NEW_RECORD_KEYS and
        the values given), so the other fields need not be compared."""
        d = self.template(sobject)[0]
        miss = MISSING
        # type too: a default 0 must not stand for a stored 0.0 (or False)
        if keys is None:
            return json.dumps({k: v for k, v in rec.items()
                               if (dv := d.get(k, miss)) is not v
                               and (dv != v or type(dv) is not type(v))})
        return json.dumps({k: v for k in keys if (v := rec[k]) is not (dv := d[k])
                           and (dv != v or type(dv) is not type(v))})

    def load_fields(self, sobject, text):
        rec = dict(self.template(sobject)[0])
        rec.update(json.loads(text))
        return rec

    def all_records(self, sobject=None):
        if sobject:
            cur = self.db.execute("SELECT id, sobject, fields, writes, fixture FROM records "
                                  "WHERE sobject=? ORDER BY seq, id", (sobject,))
        else:
            cur = self.db.execute("SELECT id, sobject, fields, writes, fixture FROM records "
                                  "ORDER BY seq, id")
        out = []
        for r in cur:
            fields = self.load_fields(r[1], r[2])
            fields["Id"] = r[0]   # fixtures are stored without their Id among the fields
            out.append({"Id": r[0], "sobject": r[1], "fields": fields, "writes": r[3],
                        "fixture": bool(r[4])})
        return out

    # -- metadata per user (3.6) ----------------------------------------------

    def profile(self, user):
        return fixtures.PROFILES[user["profile"]]

    def obj_name(self, name):
        return self.lower_objects.get(name.lower())

    def fields_for(self, user, sobject):
        key = (user["profile"], sobject)
        c = self._desc_cache.get(key)
        if c:
            return c
        prof = self.profile(user)
        out = []
        for f in self.objects[sobject]["fields"]:
            k = sobject + "." + f["name"]
            if k in prof["hidden"]:
                continue
            if k in prof["readonly"]:
                f = dict(f, createable=False, updateable=False)
            out.append(f)
        by_lower = {f["name"].lower(): f for f in out}
        rels = {f["relationshipName"].lower(): f for f in out if f["relationshipName"]}
        c = (out, by_lower, rels)
        self._desc_cache[key] = c
        return c

    def obj_createable(self, user, sobject):
        return sobject not in self.profile(user)["no_create"]

    def global_entry(self, user, name, v):
        o = self.objects[name]
        cr = self.obj_createable(user, name)
        base = "/services/data/%s/sobjects/%s" % (v, name)
        urls = {"sobject": base, "describe": base + "/describe",
                "rowTemplate": base + "/{ID}"}
        if name != "EventRelation":
            urls.update({"compactLayouts": base + "/describe/compactLayouts",
                         "approvalLayouts": base + "/describe/approvalLayouts",
                         "listviews": base + "/listviews",
                         "quickActions": base + "/quickActions",
                         "layouts": base + "/describe/layouts"})
        if name == "Event":
            urls["eventSeriesUpdates"] = base + "/{ID}/fromThisEventOnwards"
        custom = name.endswith("__c")
        return {"activateable": False, "associateEntityType": None,
                "associateParentEntity": None, "createable": cr, "custom": custom,
                "customSetting": False, "deepCloneable": False, "deletable": cr,
                "deprecatedAndHidden": False, "feedEnabled": name not in ("EventRelation",),
                "hasSubtypes": False, "isInterface": False, "isSubtype": False,
                "keyPrefix": o["prefix"], "label": o["label"], "labelPlural": o["plural"],
                "layoutable": name != "EventRelation", "mergeable": name in (
                    "Lead", "Contact", "Account"), "mruEnabled": name != "EventRelation",
                "name": name, "queryable": True, "replicateable": True,
                "retrieveable": True, "searchable": name not in ("EventRelation",),
                "triggerable": name != "EventRelation", "undeletable": cr,
                "updateable": cr, "urls": urls}

    def describe(self, user, name, v):
        g = self.global_entry(user, name, v)
        fields, _, _ = self.fields_for(user, name)
        children = []
        for cname, co in sorted(self.objects.items()):
            for f in co["fields"]:
                if name in f["referenceTo"] and f["name"] not in (
                        "CreatedById", "LastModifiedById", "MasterRecordId"):
                    rel = None
                    if f["relationshipName"]:
                        r = f["relationshipName"]
                        rel = (co["plural"].replace(" ", "_") + "__r") if r.endswith(
                            "__r") else (
                            {"Who": "Events", "What": "Events"}.get(r, cname + "s")
                            if cname == "Event" else cname + "s")
                        if cname == "EventRelation":
                            rel = "EventRelations"
                    children.append({"cascadeDelete": cname == "EventRelation",
                                     "childSObject": cname, "deprecatedAndHidden": False,
                                     "field": f["name"], "junctionIdListNames": [],
                                     "junctionReferenceTo": [], "relationshipName": rel,
                                     "restrictedDelete": False})
        base = g["urls"]["sobject"]
        d = {k: g[k] for k in ("activateable", "associateEntityType",
                               "associateParentEntity", "createable", "custom",
                               "customSetting", "deepCloneable", "deletable",
                               "deprecatedAndHidden", "feedEnabled", "hasSubtypes",
                               "isInterface", "isSubtype", "keyPrefix", "label",
                               "labelPlural", "layoutable", "mergeable", "mruEnabled",
                               "name", "queryable", "replicateable", "retrieveable",
                               "searchable", "triggerable", "undeletable", "updateable")}
        d.update({
            "actionOverrides": [], "childRelationships": children,
            "compactLayoutable": g["layoutable"], "defaultImplementation": None,
            "extendedBy": None, "extendsInterfaces": None, "fields": fields,
            "implementedBy": None, "implementsInterfaces": None,
            "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [{"active": True, "available": True,
                                 "defaultRecordTypeMapping": True,
                                 "developerName": "Master", "master": True,
                                 "name": "Master", "recordTypeId": "012000000000000AAA",
                                 "urls": {"layout": base + "/describe/layouts/"
                                          "012000000000000AAA"}}],
            "searchLayoutable": g["searchable"], "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + g["labelPlural"].lower(),
                                 "name": "everything"},
                                {"label": "My " + g["labelPlural"].lower(), "name": "mine"}]
            if "OwnerId" in [f["name"] for f in fields] else [],
            "urls": dict(g["urls"], uiDetailTemplate="https://acme.my.salesforce.com/{ID}",
                         uiEditTemplate="https://acme.my.salesforce.com/{ID}/e",
                         uiNewRecord="https://acme.my.salesforce.com/%s/e" % g["keyPrefix"]),
        })
        return d

    # -- validation (sections 3.4, 4, 5.4) -------------------------------------

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
        if rid[:3] in self.prefix_to_obj and not self.db.execute(
                "SELECT 1 FROM records WHERE id=?", (rid,)).fetchone():
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY",
                          "invalid cross reference id", [f["name"]])
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

    def keyed_fields(self, sobject):
        k = self.keyed.get(sobject)
        if k is None:
            k = [f for f in self.objects[sobject]["fields"] if f["name"] != "Id" and (
                f["unique"] or f["externalId"] or f["idLookup"])]
            self.keyed[sobject] = k
        return k

    @staticmethod
    def key_val(f, v):
        v = str(v)
        return v if f["caseSensitive"] else v.lower()

    def write_keys(self, sobject, rid, rec, new=False):
        if not new:
            self.db.execute("DELETE FROM keys WHERE id=?", (rid,))
        rows = [(sobject, f["name"], self.key_val(f, rec[f["name"]]), rid)
                for f in self.keyed_fields(sobject) if rec.get(f["name"]) not in (None, "")]
        if rows:
            self.db.executemany("INSERT INTO keys VALUES (?,?,?,?)", rows)

    def delete(self, rid):
        self.db.execute("DELETE FROM records WHERE id=?", (rid,))
        self.db.execute("DELETE FROM keys WHERE id=?", (rid,))

    def find_by(self, sobject, f, value):
        if f["name"] == "Id":
            rid = norm_id(str(value))
            r = self.db.execute("SELECT id FROM records WHERE id=? AND sobject=?",
                                (rid, sobject)).fetchone() if rid else None
            return [r[0]] if r else []
        if f not in self.keyed_fields(sobject):
            return []
        return [r[0] for r in self.db.execute(
            "SELECT id FROM keys WHERE sobject=? AND field=? AND val=? ORDER BY rowid",
            (sobject, f["name"], self.key_val(f, value)))]

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

    def template(self, sobject):
        """(defaults of a new record, unique fields, the NEW_RECORD_KEYS it has):
        computed once per sObject."""
        t = self._templates.get(sobject)
        if t is None:
            defaults = {}
            for f in self.objects[sobject]["fields"]:
                if f["type"] == "boolean":
                    defaults[f["name"]] = bool(f["defaultValue"])
                elif f["defaultValue"] is not None:
                    defaults[f["name"]] = f["defaultValue"]
                else:
                    defaults[f["name"]] = None
            unique = [f for f in self.objects[sobject]["fields"] if f["unique"]]
            new_keys = tuple(k for k in NEW_RECORD_KEYS if k in defaults)
            t = self._templates[sobject] = (defaults, unique, new_keys)
        return t

    def complete_record(self, sobject, rid, vals, user, existing=None):
        """Defaults, derived and audit fields (section 7 for Event).  A new record
        differs from the defaults only in vals and NEW_RECORD_KEYS (dump_fields)."""
        now = now_sf()
        if existing:
            rec = dict(existing)
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

    def derive_event(self, rec):
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
        if op != "seed" and not self.obj_createable(ctx.user, sobject):
            raise SFError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                          "insufficient access rights on object id", [])
        vals = self.check_fields(ctx, sobject, body, op, raw, csv_mode)
        if ctx.take_lock_fault():
            raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to "
                          "this record or 1 records: %s" % make_id(
                              self.objects[sobject]["prefix"], 1), [])
        rid = vals.pop("Id", None) if op == "seed" else None
        explicit = bool(rid)
        rid = norm_id(rid) if rid else self.next_id(sobject)
        rec = self.complete_record(sobject, rid, vals, ctx.user)
        self.check_unique(sobject, rec, rid, checked)
        self.seq += 1
        self.db.execute(INSERT_RECORD_SQL,
                        (rid, sobject, self.dump_fields(
                            sobject, rec, itertools.chain(self.template(sobject)[2], vals)),
                         self.seq))
        if explicit:
            self.explicit_ids.add(rid)
        self.write_keys(sobject, rid, rec, new=True)
        return rid

    def update(self, ctx, sobject, rid, body, raw=None, csv_mode=False):
        so, existing = self.get_record(rid)
        if so != sobject:
            raise not_found()
        vals = self.check_fields(ctx, sobject, body, "update", raw, csv_mode)
        if ctx.take_lock_fault():
            raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to "
                          "this record or 1 records: %s" % rid, [])
        rec = self.complete_record(sobject, rid, vals, ctx.user, existing)
        self.check_unique(sobject, rec, rid)
        self.db.execute("UPDATE records SET fields=?, writes=writes+1 WHERE id=?",
                        (self.dump_fields(sobject, rec), rid))
        self.write_keys(sobject, rid, rec)

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

    # -- faults -----------------------------------------------------------------

    def set_faults(self, spec):
        rules = spec.get("rules", []) if isinstance(spec, dict) else spec
        kinds = {"latency", "unavailable", "lock", "concurrent_limit", "daily_limit",
                 "expired_session", "cut_before", "cut_after"}
        out = []
        for r in rules:
            if r.get("kind") not in kinds:
                raise SFError(400, "INVALID_INPUT", "unknown fault kind %r" % r.get("kind"))
            out.append({"kind": r["kind"], "rate": r.get("rate"), "count": r.get("count"),
                        "path": re.compile(r.get("path") or ""),
                        "method": (r.get("method") or "").upper(),
                        "ms": int(r.get("ms", 0)), "seed": r.get("seed", 0),
                        "rng": random.Random(r.get("seed", 0)), "spec": {
                            k: v for k, v in r.items()}})
        with self.stats_lock:
            self.faults.extend(out)

    def pick_faults(self, method, path):
        fired = []
        with self.stats_lock:
            for r in self.faults:
                if r["method"] and r["method"] != method:
                    continue
                if not r["path"].search(path):
                    continue
                if r["count"] is not None:
                    if r["count"] <= 0:
                        continue
                    if r["rate"] is not None and r["rng"].random() >= r["rate"]:
                        continue
                    r["count"] -= 1
                elif r["rate"] is not None:
                    if r["rng"].random() >= r["rate"]:
                        continue
                fired.append(r)
        return fired

    def count_fault(self, kind):
        with self.stats_lock:
            fi = self.counters["faults_injected"]
            fi[kind] = fi.get(kind, 0) + 1

    # -- tokens (section 8) -----------------------------------------------------

    def new_access(self, user, refresh=None):
        tok = "%s!AQ%s" % (self.org_id[:15], secrets.token_urlsafe(72)[:96]
                           .replace("-", ".").replace("_", "."))
        self.tokens[tok] = {"user": user, "valid": True, "refresh": refresh,
                            "issued": time.time()}
        return tok

    def new_refresh(self, user):
        rt = "5Aep861" + secrets.token_urlsafe(64).replace("-", ".").replace("_", ".")[:80]
        self.refresh_tokens[rt] = {"user": user, "valid": True}
        return rt

    def token_response(self, user, scope, refresh=None, host_url=None):
        issued = str(int(time.time() * 1000))
        ident = "%s/id/%s/%s" % (self.login_url, self.org_id, user["Id"])
        sig = base64.b64encode(hmac.new(self.client_secret.encode(),
                                        (ident + issued).encode(),
                                        hashlib.sha256).digest()).decode()
        return {"access_token": self.new_access(user, refresh),
                "signature": sig, "scope": scope, "instance_url": self.instance_url,
                "id": ident, "token_type": "Bearer", "issued_at": issued}

    def audiences(self):
        auds = set()
        for h in ("login.salesforce.com", "test.salesforce.com", "acme.my.salesforce.com",
                  "acme.my.site.com", "acme--dev.sandbox.my.salesforce.com"):
            for suffix in ("", ":%d" % self.port):
                auds.add("https://%s%s" % (h, suffix))
        return auds

    def oauth_token(self, form, headers):
        gt = form.get("grant_type")
        if gt == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.jwt_grant(form.get("assertion", ""))
        if gt == "client_credentials":
            cid, sec = form.get("client_id"), form.get("client_secret")
            auth = headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    cid, sec = base64.b64decode(auth[6:]).decode().split(":", 1)
                    cid, sec = urllib.parse.unquote(cid), urllib.parse.unquote(sec)
                except (ValueError, UnicodeDecodeError):
                    raise OAuthError("invalid_client", "invalid client credentials")
            if cid != self.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if not sec or not hmac.compare_digest(sec, self.client_secret):
                raise OAuthError("invalid_client", "invalid client credentials")
            return self.token_response(self.integration, "api")
        if gt == "refresh_token":
            cid = form.get("client_id")
            if cid is not None and cid != self.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            sec = form.get("client_secret")
            if sec is not None and not hmac.compare_digest(sec, self.client_secret):
                raise OAuthError("invalid_client", "invalid client credentials")
            rt = self.refresh_tokens.get(form.get("refresh_token", ""))
            if not rt or not rt["valid"]:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            return self.token_response(rt["user"], "api refresh_token",
                                       refresh=form.get("refresh_token"))
        if gt in (None, ""):
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    def jwt_grant(self, assertion):
        parts = assertion.split(".")
        if len(parts) != 3:
            raise OAuthError("invalid_grant", "invalid assertion")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError, TypeError):
            raise OAuthError("invalid_grant", "invalid assertion")
        if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(
                claims, dict):
            raise OAuthError("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if not rsa_verify(self.jwt_pub, (parts[0] + "." + parts[1]).encode(), sig):
            raise OAuthError("invalid_grant", "invalid assertion")
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        ok = self.audiences()
        if not any(isinstance(a, str) and (a.rstrip("/") in ok or any(
                a.startswith(o + "/") for o in ok)) for a in auds):
            raise OAuthError("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise OAuthError("invalid_grant", "invalid assertion")
        if exp <= time.time():
            raise OAuthError("invalid_grant", "expired authorization code")
        user = self.by_username.get(claims.get("sub"))
        if not user:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return self.token_response(user, "api")

    def revoke(self, token):
        with self.lock:
            if token in self.tokens:
                self.tokens[token]["valid"] = False
                return True
            if token in self.refresh_tokens:
                self.refresh_tokens[token]["valid"] = False
                for t in self.tokens.values():
                    if t["refresh"] == token:
                        t["valid"] = False
                return True
        return False

    def auth_user(self, headers):
        auth = headers.get("Authorization", "")
        tok = auth[7:].strip() if auth[:7].lower() == "bearer " else (
            auth[6:].strip() if auth[:6].lower() == "oauth " else None)
        t = self.tokens.get(tok) if tok else None
        if not t or not t["valid"]:
            raise SFError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return t["user"]


# ---------------------------------------------------------------------------
# HTTP


class Resp:
    def __init__(self, status, body=None, headers=None, ctype="application/json;charset=UTF-8"):
        self.status, self.body, self.headers, self.ctype = status, body, headers or {}, ctype


REASONS = {200: "OK", 201: "Created", 204: "No Content", 300: "Multiple Choices",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
           412: "Precondition Failed", 415: "Unsupported Media Type",
           500: "Server Error", 503: "Service Unavailable"}


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
        emu = self.server.emu
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
        try:
            if path.startswith("/__emu/"):
                # the admin API is neither counted nor logged
                self.send(admin(emu, method, path, split.query, body))
                return
            with emu.stats_lock:
                emu.counters["requests"] += 1
                emu.req_seq += 1
                entry["seq"] = emu.req_seq
            if True:
                resp = serve(emu, self, method, path, split.query, body, entry)
        except Cut:
            entry["status"] = 0
            entry["ms"] = int((time.time() - t0) * 1000)
            emu.log.append(entry)
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
            emu.log.append(entry)
            self.cut()
            return
        entry["status"] = resp.status
        entry["ms"] = int((time.time() - t0) * 1000)
        emu.log.append(entry)
        if entry.get("limit_info"):
            resp.headers["Sforce-Limit-Info"] = "api-usage=%d/%d" % (
                emu.counters["api_calls"], emu.config["daily_limit"])
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


def jbody(body):
    if not body:
        raise SFError(400, "JSON_PARSER_ERROR", "No content to map due to end-of-input at "
                      "[line:1, column:0]")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SFError(400, "JSON_PARSER_ERROR", "Invalid UTF-8 start byte at [line:1, column:1]")
    try:
        return json.loads(text), text
    except json.JSONDecodeError as e:
        ch = text[e.pos] if e.pos < len(text) else ""
        detail = ("Unexpected character ('%s' (code %d)): %s" % (ch, ord(ch), e.msg.lower())
                  if ch else "Unexpected end-of-input: " + e.msg.lower())
        raise SFError(400, "JSON_PARSER_ERROR", "%s at [line:%d, column:%d]"
                      % (detail, e.lineno, e.colno))


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


def serve(emu, h, method, path, query, body, entry):
    ep = endpoint_name(path)
    with emu.stats_lock:
        be = emu.counters["by_endpoint"]
        be[ep] = be.get(ep, 0) + 1
    faults = emu.pick_faults(method, path)
    lat = emu.config["latency_ms"] + sum(f["ms"] for f in faults if f["kind"] == "latency")
    kinds = [f["kind"] for f in faults]
    for k in kinds:
        if k != "lock":
            emu.count_fault(k)
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
            # edge/maintenance pages are not JSON (5.1)
            return Resp(503, "<html><head><title>Service Unavailable</title></head><body>"
                        "<h1>Service Unavailable</h1><p>The server is temporarily unable to "
                        "service your request. Please try again later.</p></body></html>",
                        ctype="text/html;charset=UTF-8")
        return Resp(503, [{"message": "Server temporarily unavailable. Please try again "
                           "later.", "errorCode": "SERVER_UNAVAILABLE"}])
    if path.startswith("/services/oauth2/"):
        resp = oauth(emu, h, method, path, query, body)
    elif path.startswith("/id/"):
        resp = identity(emu, h, path)
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
        user = emu.auth_user(h.headers)
        entry["user"] = user["Username"]
        if "concurrent_limit" in kinds:
            return Resp(403, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                               "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        with emu.stats_lock:
            if "daily_limit" in kinds or emu.counters["api_calls"] >= emu.config["daily_limit"]:
                return Resp(403, [{"message": "TotalRequests Limit exceeded.",
                                   "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
            emu.counters["api_calls"] += 1
        ctx = Ctx(emu, user, "%d.0" % major, lock_fault="lock" in kinds)
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


def identity(emu, h, path):
    """GET {id} from the token response: who the token belongs to (8.7)."""
    m = re.match(r"^/id/(00D\w{15})/(005\w{15})/?$", path)
    if not m or m.group(1) != emu.org_id or m.group(2) not in emu.users:
        return Resp(404, {"error": "Not Found"})
    try:
        user = emu.auth_user(h.headers)
    except SFError:
        return Resp(403, "Bad_OAuth_Token", ctype="text/plain;charset=UTF-8")
    if user["Id"] != m.group(2) and user is not emu.admin:
        return Resp(403, "Bad_id", ctype="text/plain;charset=UTF-8")
    u = emu.users[m.group(2)]
    base = emu.instance_url
    return Resp(200, {
        "id": emu.login_url + path.rstrip("/"), "asserted_user": user["Id"] == u["Id"],
        "user_id": u["Id"], "organization_id": emu.org_id, "username": u["Username"],
        "nick_name": u["Alias"], "display_name": u["FirstName"] + " " + u["LastName"],
        "email": u["Username"], "first_name": u["FirstName"], "last_name": u["LastName"],
        "active": True, "user_type": "STANDARD", "language": "en_US", "locale": "en_GB",
        "utcOffset": 0, "urls": {
            "rest": base + "/services/data/v{version}/",
            "sobjects": base + "/services/data/v{version}/sobjects/",
            "query": base + "/services/data/v{version}/query/",
            "limits": base + "/services/data/v{version}/limits/",
            "profile": base + "/" + u["Id"]}})


def form_parse(body):
    try:
        return dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def oauth(emu, h, method, path, query, body):
    form = form_parse(body)
    if query:
        form.update(dict(urllib.parse.parse_qsl(query)))
    if path == "/services/oauth2/token":
        if method != "POST":
            return Resp(405, [{"message": "HTTP Method '%s' not allowed. Allowed are POST"
                               % method, "errorCode": "METHOD_NOT_ALLOWED"}])
        try:
            with emu.lock:
                return Resp(200, emu.oauth_token(form, h.headers))
        except OAuthError as e:
            return Resp(e.status, {"error": e.error, "error_description": e.desc})
    if path == "/services/oauth2/revoke":
        tok = form.get("token", "")
        if emu.revoke(tok):
            return Resp(200, b"", ctype="text/html;charset=UTF-8")
        return Resp(400, {"error": "invalid_token", "error_description": "invalid token"})
    if path == "/services/oauth2/introspect":
        tok = form.get("token", "")
        t = emu.tokens.get(tok)
        rt = emu.refresh_tokens.get(tok)
        if t and t["valid"]:
            return Resp(200, {"active": True, "scope": "api", "client_id": emu.client_id,
                              "username": t["user"]["Username"], "sub": "%s/id/%s/%s" % (
                                  emu.login_url, emu.org_id, t["user"]["Id"]),
                              "token_type": "access_token", "exp": int(t["issued"]) + 7200,
                              "iat": int(t["issued"]), "nbf": int(t["issued"])})
        if rt and rt["valid"]:
            return Resp(200, {"active": True, "scope": "api refresh_token",
                              "client_id": emu.client_id, "username": rt["user"]["Username"],
                              "token_type": "refresh_token"})
        return Resp(200, {"active": False})
    return Resp(404, not_found().array())


# ---------------------------------------------------------------------------
# data API


def data_api(ctx, h, method, rest, query, body):
    emu = ctx.emu
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
                              emu.login_url, emu.org_id, ctx.user["Id"]),
                          "composite": v + "/composite", "sobjects": v + "/sobjects",
                          "query": v + "/query", "recent": v + "/recent",
                          "limits": v + "/limits", "jobs": v + "/jobs"})
    head = parts[0]
    if head == "sobjects":
        if len(parts) == 1:
            if method != "GET":
                raise method_not_allowed(method, "GET,HEAD")
            return conditional(emu, hdr, lambda: {
                "encoding": "UTF-8", "maxBatchSize": 200,
                "sobjects": [emu.global_entry(ctx.user, n, ctx.v) for n in sorted(emu.objects)]})
        body_text = body.decode("utf-8", "replace") if body else ""
        with emu.lock:
            return sobject_resource(ctx, method, parts[1:], body, body_text, hdr, qs)
    if head == "composite":
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
        if kind and emu.pool:
            return concurrent_write(ctx, (kind, method, parts[2:], body, qs), native)
        with emu.lock:
            return native()
    if head == "limits":
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        used = emu.counters["api_calls"]
        mx = emu.config["daily_limit"]
        lim = {"DailyApiRequests": {"Max": mx, "Remaining": max(0, mx - used)},
               "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
               "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000 - sum(
                   j.get("batches", 0) for j in emu.jobs.values())},
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
        with emu.lock:
            if len(parts) == 2:
                return query_more(ctx, parts[1])
            return query_resource(ctx, qs.get("q"), hdr)
    if head == "jobs" and len(parts) >= 2 and parts[1] == "ingest":
        with emu.lock:
            return bulk(ctx, method, parts[2:], body, hdr)
    raise not_found()


# -- concurrent writes (speculate.py) -------------------------------------------


def concurrent_write(ctx, request, native):
    """A graph or collections request.  With the data lock free (no other request
    being processed: every sequential client) the owner processes it, exactly as
    before.  While another request is being processed, a free helper process runs
    it on a copy of the org at the same time, and the owner then replays what the
    helper did, keeping it only if everything the helper read is still so."""
    emu = ctx.emu
    pool = emu.pool
    helper = None
    # Wait for whichever comes first, the lock or a helper.  Both are tried under
    # pool.cond, which every release below notifies, so no wake-up is missed;
    # other holders of the lock do not notify, hence the timeout.  A replay
    # waiting for the lock goes first: it is short, and its answer frees a
    # client's connection for that client's next request.
    always = emu.config["speculate_always"] and pool.helpers
    with pool.cond:
        while always or pool.replays_waiting or not emu.lock.acquire(blocking=False):
            helper = pool.free.pop() if pool.free else None
            if helper is not None:
                break
            pool.cond.wait(0.02)
    if helper is None:
        try:
            return native()
        finally:
            emu.lock.release()
            pool.notify()
    kind, method, parts, body, qs = request
    booking = emu.seq_booking
    answer = None
    try:
        answer = helper.call((kind, ctx.user["Id"], ctx.version, ctx.flags["lock"], method,
                              parts, body, qs, booking))
        pool.give(helper)
    except (EOFError, OSError):
        pool.lost(helper)  # gone: this request and the ones it would have had are the owner's
    with pool.cond:
        pool.replays_waiting += 1
    emu.lock.acquire()
    with pool.cond:
        pool.replays_waiting -= 1
    try:
        if answer is not None:
            resp = apply_speculation(ctx, answer, booking)
            if resp is not None:
                return resp
        return native()
    finally:
        emu.lock.release()
        pool.notify()


def apply_speculation(ctx, answer, booking):
    """Replay a helper's run (speculate.replay); its response, or None on conflict."""
    emu = ctx.emu
    out, log, lock_left, booking_after = answer
    if booking_after != booking and emu.seq_booking != booking:
        ok = False  # both numbered Booking__c records from the same counter
    else:
        def fix(sql, params):
            if sql == INSERT_RECORD_SQL:  # insertion order is the owner's
                emu.seq += 1
                return params[:3] + (emu.seq,)
            return params
        ok = speculate.replay(emu.db, log, fix)
    with emu.stats_lock:
        emu.counters["speculated" if ok else "speculation_conflicts"] += 1
    if not ok:
        return None
    emu.seq_booking = booking_after
    if ctx.flags["lock"] and not lock_left:
        ctx.flags["lock"] = False
        emu.count_fault("lock")
    if out[0] == "error":
        raise SFError(*out[1:])
    return Resp(*out[1:])


def speculative_run(emu, db, request):
    """In a helper: the request on db, a Recorder over a copy of the org."""
    kind, uid, version, lock, method, parts, body, qs, booking = request
    emu.db, emu.seq_booking = db, booking
    ctx = Ctx(emu, emu.users[uid], version, lock_fault=lock)
    try:
        if kind == "graph":
            r = graph(ctx, method, body)
        else:
            r = collections_res(ctx, method, parts, body, qs)
        data = r.body
        if data is not None and not isinstance(data, (bytes, str)):
            # encoded here, in parallel, rather than by the owner (Handler.send)
            data = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        out = ("resp", r.status, data, r.headers, r.ctype)
    except SFError as e:
        out = ("error", e.status, e.code, e.message, e.fields, e.body)
    except speculate.Bail:
        return None
    return out, db.log, ctx.flags["lock"], emu.seq_booking


def start_helpers(emu, n):
    cpus = sorted(os.sched_getaffinity(0))
    pin = os.environ.get("SFEMU_PIN", "1") != "0" and len(cpus) > 1

    def setup(k):
        if pin:  # the CPUs but the owner's, in turn
            os.sched_setaffinity(0, {cpus[1 + (k - 1) % (len(cpus) - 1)]})
        emu.speculative = True
        emu.owner_db = emu.db  # the owner's connection: never used nor closed here
        emu.id_space = k * 10 ** 12
        emu.id_counters = {}
    emu.pool = speculate.Pool(n, os.path.join(emu.dir, "emu.db"), setup,
                              lambda db, request: speculative_run(emu, db, request))
    if pin:
        # The owner on a CPU of its own, like a separate app server: with the
        # scheduler free to put the owner and a busy helper on one CPU for a while,
        # one start of the emulator measured 10-15 % slower than the next.
        os.sched_setaffinity(0, {cpus[0]})


def method_not_allowed(method, allowed):
    return SFError(405, "METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s"
                   % (method, allowed))


def conditional(emu, hdr, make):
    lm = emu.metadata_time
    headers = {"Last-Modified": http_date(lm), "ETag": '"%08x--gzip"' % (
        zlib.crc32(str(lm).encode()) & 0xffffffff)}
    ims = hdr.get("If-Modified-Since")
    if ims:
        t = parse_http_date(ims)
        if t is not None and t >= lm:
            return Resp(304, None, headers)
    ius = hdr.get("If-Unmodified-Since")
    if ius:
        t = parse_http_date(ius)
        if t is not None and t < lm:
            return Resp(412, [{"message": "The requested resource has been modified since "
                               "the If-Unmodified-Since date", "errorCode":
                               "PRECONDITION_FAILED"}], headers)
    return Resp(200, make(), headers)


def sobject_resource(ctx, method, parts, body, body_text, hdr, qs):
    """/sobjects/{S}[/...] also used by composite subrequests (body may be parsed)."""
    emu = ctx.emu
    sobject = emu.obj_name(parts[0])
    if not sobject:
        raise not_found()
    if len(parts) == 1:
        if method == "GET":
            g = emu.global_entry(ctx.user, sobject, ctx.v)
            return Resp(200, {"objectDescribe": g, "recentItems": []})
        if method == "POST":
            data, raw = parsed(body, body_text)
            with ctx.write_tx():
                rid = emu.insert(ctx, sobject, data, raw)
            loc = "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)
            return Resp(201, {"id": rid, "success": True, "errors": []}, {"Location": loc})
        raise method_not_allowed(method, "HEAD,GET,POST")
    if len(parts) == 2 and parts[1].lower() == "describe":
        if method != "GET":
            raise method_not_allowed(method, "GET,HEAD")
        return conditional(emu, hdr, lambda: emu.describe(ctx.user, sobject, ctx.v))
    if len(parts) == 2 and parts[1] == "Id" and method == "POST":
        data, raw = parsed(body, body_text)
        with ctx.write_tx():
            rid = emu.insert(ctx, sobject, data, raw)
        return Resp(201, {"id": rid, "success": True, "errors": [], "created": True},
                    {"Location": "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)})
    if len(parts) == 2:
        rid = norm_id(parts[1])
        so, rec = emu.get_record(rid) if rid else (None, None)
        if so != sobject:
            if rid and rid[:3] == emu.objects[sobject]["prefix"]:
                raise not_found()
            if rid is None and not re.match(r"^[A-Za-z0-9]{15,18}$", parts[1]):
                raise not_found()
            raise SFError(400, "MALFORMED_ID" if rid is None else "NOT_FOUND",
                          "malformed id %s" % parts[1]) if rid is None else not_found()
        if method == "GET":
            names = qs.get("fields", "").split(",") if qs.get("fields") else None
            return Resp(200, emu.view(ctx.user, sobject, rec, ctx.v, names))
        if method == "PATCH":
            data, raw = parsed(body, body_text)
            with ctx.write_tx():
                emu.update(ctx, sobject, rid, data, raw)
            return Resp(204)
        if method == "DELETE":
            if ctx.take_lock_fault():
                raise SFError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access "
                              "to this record or 1 records: %s" % rid, [])
            emu.delete(rid)
            return Resp(204)
        raise method_not_allowed(method, "GET,PATCH,HEAD,DELETE")
    # /sobjects/{S}/{Field}/{value}: upsert by external ID (section 4.2)
    field, value = parts[1], "/".join(parts[2:])
    if method == "PATCH":
        data, raw = parsed(body, body_text)
        if not isinstance(data, dict):
            raise SFError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of %s from "
                          "START_ARRAY value [ at [line:1, column:1]" % sobject)
        updateonly = qs.get("updateOnly") == "true"
        with ctx.write_tx():
            if updateonly:
                _, by_lower, _ = emu.fields_for(ctx.user, sobject)
                f = by_lower.get(field.lower())
                if not f or not emu.find_by(sobject, f, value):
                    raise not_found()
            rid, created = emu.upsert(ctx, sobject, field, value, data, raw)
        loc = {"Location": "/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, rid)}
        if created:
            return Resp(201, {"id": rid, "success": True, "errors": [], "created": True}, loc)
        if float(ctx.version) < 46:
            return Resp(204, None, loc)
        return Resp(200, {"id": rid, "success": True, "errors": [], "created": False}, loc)
    if method in ("GET", "DELETE"):
        _, by_lower, _ = emu.fields_for(ctx.user, sobject)
        f = by_lower.get(field.lower())
        if not f or not (f["externalId"] or f["idLookup"]):
            raise not_found()
        matches = emu.find_by(sobject, f, value)
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return Resp(300, ["/services/data/%s/sobjects/%s/%s" % (ctx.v, sobject, m)
                              for m in matches])
        if method == "GET":
            return Resp(200, emu.view(ctx.user, sobject, emu.get_record(matches[0])[1], ctx.v))
        emu.delete(matches[0])
        return Resp(204)
    raise method_not_allowed(method, "GET,PATCH,DELETE,HEAD")


def parsed(body, body_text):
    """Top-level requests pass bytes; composite subrequests pass an object."""
    if isinstance(body, (bytes, bytearray)) or body is None:
        return jbody(body)
    return body, None


# -- composite graph (6.1) and composite (6.2) ----------------------------------

REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]*)\}")
REF_PATH_RE = re.compile(r"[^.\[\]]+|\[\d+\]")
GRAPH_ID_RE = re.compile(r"^[A-Za-z0-9][^.]{0,38}$")
NODE_KIND_RE = re.compile(r"^/services/data/(v[\d.]+)/sobjects/(\w+)")


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
    sub = Ctx(ctx.emu, ctx.user, "%s.%s" % (m.group(1), m.group(2)), flags=ctx.flags)
    path = m.group(3).strip("/")
    parts = [urllib.parse.unquote(p) for p in path.split("/")] if "%" in path else \
        path.split("/")
    qs = dict(urllib.parse.parse_qsl(m.group(4))) if m.group(4) else {}
    if parts[0] == "sobjects" and len(parts) >= 2:
        if body is None and method in ("POST", "PATCH"):
            body = {}
        r = sobject_resource(sub, method, parts[1:], body, None, {}, qs)
    elif parts[0] == "composite" and len(parts) >= 2 and parts[1] == "sobjects":
        r = collections_res(sub, method, parts[2:], body, qs, raw_obj=True)
    elif parts[0] == "query":
        if ctx.emu.speculative:
            raise speculate.Bail()  # cursors live in the owner's memory
        r = query_resource(sub, qs.get("q"), {}) if len(parts) == 1 else query_more(sub,
                                                                                    parts[1])
    else:
        raise SFError(400, "INVALID_INPUT", "The URL %s is not a valid resource for this "
                      "request" % url)
    loc = r.headers.get("Location")
    return r.status, r.body, ({"Location": loc} if loc is not None else {})


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
        if not isinstance(gid, str) or not GRAPH_ID_RE.match(gid) or \
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
    out, failures = [], 0
    # one transaction for the request (a savepoint per graph inside it), not a
    # commit per graph; nodes write without savepoints of their own (write_tx)
    with ctx.emu.tx():
        ctx.flags["atomic"] = True
        try:
            failures = run_graphs(ctx, graphs, out)
        finally:
            ctx.flags["atomic"] = False
    return Resp(200, {"graphs": out})


def run_graphs(ctx, graphs, out):
    failures = 0
    for g in graphs:
        nodes = g.get("compositeRequest") or []
        if failures >= 14:
            out.append({"graphId": g["graphId"], "graphResponse": {"compositeResponse": [
                halted(n.get("referenceId")) for n in nodes]}, "isSuccessful": False})
            continue
        depth, named = graph_depth(nodes)
        results, responses, failed = {}, [], None
        try:
            with ctx.emu.tx():
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
    emu = ctx.emu
    results, out, failed_at = {}, [], None
    sp = "cmp%d" % id(out)
    emu.db.execute("SAVEPOINT " + sp)
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
            with emu.tx():
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
        emu.db.execute("ROLLBACK TO " + sp)
        emu.db.execute("RELEASE " + sp)
        final = []
        for i, r in enumerate(reqs):
            final.append(out[i] if i == failed_at else halted(r["referenceId"]))
        return Resp(200, {"compositeResponse": final})
    emu.db.execute("RELEASE " + sp)
    return Resp(200, {"compositeResponse": out})


def batch(ctx, method, body):
    """Composite Batch (6.5): independent subrequests, each one counted (6.6)."""
    if method != "POST":
        raise method_not_allowed(method, "POST")
    data, _ = jbody(body)
    reqs = data.get("batchRequests") if isinstance(data, dict) else None
    if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
        raise SFError(400, "JSON_PARSER_ERROR", "batchRequests is required")
    if len(reqs) > 25:
        raise SFError(400, "LIMIT_EXCEEDED", "Exceeded max number of subrequests: 25")
    emu = ctx.emu
    extra = max(0, len(reqs) - 1)  # the request itself was counted once already
    with emu.stats_lock:
        if emu.counters["api_calls"] + extra > emu.config["daily_limit"]:
            raise SFError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        emu.counters["api_calls"] += extra
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
            with emu.tx():
                st, rb, _ = run_sub(ctx, r.get("method"), "/services/data/v%s%s"
                                    % (m.group(1), m.group(2)), r.get("richInput"))
            results.append({"statusCode": st, "result": rb})
        except SFError as e:
            errors = True
            results.append({"statusCode": e.status, "result": e.array()})
            halted_now = halt
    return Resp(200, {"hasErrors": errors, "results": results})


# -- sObject collections (6.3) ----------------------------------------------------


def save_error(e):
    return {"statusCode": e.code, "message": e.message, "fields": e.fields or []}


def collections_res(ctx, method, parts, body, qs, raw_obj=False):
    emu = ctx.emu
    if method == "DELETE" and not parts:
        ids = [i for i in (qs.get("ids") or "").split(",") if i]
        aon = qs.get("allOrNone") == "true"
        return run_collection(ctx, [("delete", i) for i in ids], aon, upsert=False)
    data = body if raw_obj else jbody(body)[0]
    if method == "GET" or (method == "POST" and parts):
        sobject = emu.obj_name(parts[0]) if parts else None
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
            so, rec = emu.get_record(norm_id(i) or "")
            out.append(emu.view(ctx.user, sobject, rec, ctx.v, names) if so == sobject
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
        sobject = emu.obj_name(parts[0])
        if not sobject:
            raise not_found()
        _, by_lower, _ = emu.fields_for(ctx.user, sobject)
        f = by_lower.get(parts[1].lower())
        if not f or not (f["externalId"] or f["idLookup"]):
            raise not_found()
        return run_collection(ctx, [("upsert", r) for r in records], aon, upsert=True,
                              sobject=sobject, field=f)
    raise method_not_allowed(method, "GET,POST,PATCH,DELETE")


def run_collection(ctx, items, aon, upsert, sobject=None, field=None):
    emu = ctx.emu
    results, failed = [], False
    sp = "col%d" % id(results)
    emu.db.execute("SAVEPOINT " + sp)
    # with allOrNone any failure rolls the whole request back to sp, so a record
    # needs no savepoint of its own (a record's writes come after its checks)
    for op, r in items:
        res = {}
        try:
            with NO_TX if aon else emu.tx():
                if op == "delete":
                    rid = norm_id(r)
                    so, _ = emu.get_record(rid) if rid else (None, None)
                    if not so:
                        raise SFError(400, "ENTITY_IS_DELETED" if rid else "MALFORMED_ID",
                                      "entity is deleted" if rid else "malformed id %s" % r, [])
                    emu.delete(rid)
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
                    so = emu.obj_name(str(att["type"]))
                    if not so or (upsert and so != sobject):
                        raise SFError(400, "INVALID_TYPE", "sObject type '%s' is not "
                                      "supported." % att["type"], [])
                    fields = {k: v for k, v in r.items() if k != "attributes"}
                    if op == "create":
                        if any(k.lower() == "id" for k in fields):
                            raise SFError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                          "cannot specify Id in an insert call", ["Id"])
                        rid = emu.insert(ctx, so, fields)
                        res = {"id": rid, "success": True, "errors": []}
                    elif op == "update":
                        rid = norm_id(str(fields.pop("id", fields.pop("Id", "")) or ""))
                        if not rid:
                            raise SFError(400, "MISSING_ARGUMENT", "Id not specified in an "
                                          "update call", [])
                        emu.update(ctx, so, rid, fields)
                        res = {"id": rid, "success": True, "errors": []}
                    else:
                        key = next((v for k, v in fields.items()
                                    if k.lower() == field["name"].lower()), None)
                        if key in (None, ""):
                            raise SFError(400, "MISSING_ARGUMENT", "%s not specified"
                                          % field["name"], [])
                        rid, created = emu.upsert(ctx, so, field["name"], str(key), fields)
                        res = {"id": rid, "success": True, "errors": [], "created": created}
        except SFError as e:
            failed = True
            res = {"success": False, "errors": [save_error(e)]}
            if upsert:
                res["created"] = False
        results.append(res)
    if failed and aon:
        emu.db.execute("ROLLBACK TO " + sp)
        emu.db.execute("RELEASE " + sp)
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
        emu.db.execute("RELEASE " + sp)
    return Resp(200, results)


# -- query (REST query resource, SOQL subset) ------------------------------------


def soql_field(emu, ctx, sobject, tok, q):
    _, by_lower, _ = emu.fields_for(ctx.user, sobject)
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


def literal_value(f, lit, q):
    t = f["type"]
    bad = SFError(400, "INVALID_FIELD", "\n%s\n\nvalue of filter criterion for field '%s' must "
                  "be of type %s and should not be enclosed in quotes"
                  % (q, f["name"], {"datetime": "dateTime"}.get(t, t)))
    if lit.kind == "null":
        return None
    if t == "datetime":
        if lit.kind != "datetime":
            raise bad
        return lit.value
    if t == "date":
        if lit.kind != "date":
            raise bad
        return lit.value
    if t in ("int", "double", "currency", "percent"):
        if lit.kind != "num":
            raise bad
        return lit.value
    if t == "boolean":
        if lit.kind != "bool":
            raise bad
        return lit.value
    if lit.kind != "str":
        raise SFError(400, "INVALID_FIELD", "\n%s\n\nvalue of filter criterion for field '%s' "
                      "must be of type %s and should be enclosed in quotes" % (q, f["name"], t))
    if t in ("id", "reference"):
        return lit.value[:15]
    return lit.value.lower()


def compile_where(emu, ctx, sobject, node, q):
    kind = node[0]
    if kind in ("and", "or"):
        a = compile_where(emu, ctx, sobject, node[1], q)
        b = compile_where(emu, ctx, sobject, node[2], q)
        return (lambda r: a(r) and b(r)) if kind == "and" else (lambda r: a(r) or b(r))
    if kind == "not":
        a = compile_where(emu, ctx, sobject, node[1], q)
        return lambda r: not a(r)
    if kind in ("in", "notin"):
        f = soql_field(emu, ctx, sobject, node[1], q)
        vals = [literal_value(f, v, q) for v in node[2]]
        name = f["name"]
        if kind == "in":
            return lambda r: comparable(f, r.get(name)) in vals
        return lambda r: comparable(f, r.get(name)) not in vals
    if kind == "like":
        f = soql_field(emu, ctx, sobject, node[1], q)
        pat = re.escape(node[2].value.lower()).replace("%", ".*").replace("_", ".")
        rx = re.compile("^" + pat + "$", re.S)
        name = f["name"]
        return lambda r: r.get(name) is not None and bool(rx.match(str(r.get(name)).lower()))
    _, op, tok, lit = node
    f = soql_field(emu, ctx, sobject, tok, q)
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
    emu = ctx.emu
    if not q:
        raise SFError(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        ast = soql.parse(q)
    except soql.SoqlError as e:
        raise SFError(400, e.code, e.message)
    sobject = emu.obj_name(ast["object"][1])
    if not sobject:
        tok = ast["object"]
        raise SFError(400, "INVALID_TYPE", "\n%s\n%s^\nERROR at Row:1:Column:%d\nsObject type "
                      "'%s' is not supported. If you are attempting to use a custom object, be "
                      "sure to append the '__c' after the entity name. Please reference your "
                      "WSDL or the describe call for the appropriate names."
                      % (q, " " * tok[2], tok[2] + 1, tok[1]))
    fields = [soql_field(emu, ctx, sobject, t, q) for t in ast["fields"]]
    pred = compile_where(emu, ctx, sobject, ast["where"], q) if ast["where"] else None
    order = [(soql_field(emu, ctx, sobject, t, q), desc, nl) for t, desc, nl in ast["order"]]
    rows = [r["fields"] for r in emu.all_records(sobject)]
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
    records = [emu.view(ctx.user, sobject, r, ctx.v, names) for r in rows]
    batch = emu.config["query_batch"]
    opts = hdr.get("Sforce-Query-Options") if hdr else None
    if opts:
        m = re.search(r"batchSize\s*=\s*(\d+)", opts)
        if m:
            batch = max(200, min(2000, int(m.group(1))))
    return query_page(ctx, records, 0, batch, None)


def query_page(ctx, records, start, batch, locator):
    emu = ctx.emu
    page = records[start:start + batch]
    done = start + batch >= len(records)
    body = {"totalSize": len(records), "done": done}
    if not done:
        if locator is None:
            emu.cursor_n = getattr(emu, "cursor_n", 0) + 1
            locator = make_id("01g", emu.cursor_n)
            emu.cursors[locator] = (records, batch)
        body["nextRecordsUrl"] = "/services/data/%s/query/%s-%d" % (ctx.v, locator,
                                                                   start + batch)
    body["records"] = page
    return Resp(200, body)


def query_more(ctx, loc):
    m = re.match(r"^([A-Za-z0-9]{15,18})-(\d+)$", loc)
    cur = ctx.emu.cursors.get(m.group(1)) if m else None
    if not cur:
        raise SFError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    records, batch = cur
    return query_page(ctx, records, int(m.group(2)), batch, m.group(1))


# -- Bulk API 2.0 ingest (section 10) ------------------------------------------------

DELIMS = {"COMMA": ",", "BACKQUOTE": "`", "CARET": "^", "PIPE": "|", "SEMICOLON": ";",
          "TAB": "\t"}


def job_info(job, full=False):
    keys = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
            "state", "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion",
            "contentUrl", "lineEnding", "columnDelimiter"]
    out = {k: job[k] for k in keys if k in job and job[k] is not None}
    if job.get("errorMessage"):
        out["errorMessage"] = job["errorMessage"]
    if full:
        out.update({"jobType": "V2Ingest", "numberRecordsProcessed": job["processed"],
                    "numberRecordsFailed": job["failed_n"], "retries": 0,
                    "totalProcessingTime": job.get("ms", 0),
                    "apiActiveProcessingTime": job.get("ms", 0),
                    "apexProcessingTime": 0})
    return out


def bulk(ctx, method, parts, body, hdr):
    emu = ctx.emu
    if not parts:
        if method == "GET":
            jobs = [job_info(j) for j in emu.jobs.values()]
            return Resp(200, {"done": True, "records": jobs, "nextRecordsUrl": None})
        if method != "POST":
            raise method_not_allowed(method, "GET,POST")
        content = None
        ctype = hdr.get("Content-Type") or ""
        if ctype.lower().startswith("multipart/form-data"):
            # small loads: job and CSV in one request, straight to UploadComplete (10.1)
            body, content = multipart_job(ctype, body)
        data, _ = jbody(body)
        if not isinstance(data, dict):
            raise SFError(400, "INVALIDJOB", "InvalidJob : the job must be a JSON object")
        obj = emu.obj_name(str(data.get("object") or ""))
        op = data.get("operation")
        if op not in ("insert", "update", "upsert", "delete", "hardDelete"):
            raise SFError(400, "INVALIDJOB", "InvalidJob : Invalid operation: %s" % op)
        if not obj:
            raise SFError(400, "INVALIDJOB", "InvalidJob : Object type '%s' not found"
                          % data.get("object"))
        if op == "upsert":
            _, by_lower, _ = emu.fields_for(ctx.user, obj)
            f = by_lower.get(str(data.get("externalIdFieldName") or "").lower())
            if not f or not (f["externalId"] or f["idLookup"]):
                raise SFError(400, "INVALIDJOB", "InvalidJob : External ID field '%s' not "
                              "found or not an external ID" % data.get("externalIdFieldName"))
        le = data.get("lineEnding", "LF")
        cd = data.get("columnDelimiter", "COMMA")
        if le not in ("LF", "CRLF") or cd not in DELIMS or data.get("contentType",
                                                                    "CSV") != "CSV":
            raise SFError(400, "INVALIDJOB", "InvalidJob : invalid lineEnding, "
                          "columnDelimiter or contentType")
        emu.job_n = getattr(emu, "job_n", 0) + 1
        jid = make_id("750", emu.job_n)
        now = now_sf()
        job = {"id": jid, "operation": op, "object": obj, "createdById": ctx.user["Id"],
               "createdDate": now, "systemModstamp": now, "state": "Open",
               "externalIdFieldName": data.get("externalIdFieldName") if op == "upsert"
               else None, "concurrencyMode": "Parallel", "contentType": "CSV",
               "apiVersion": float(ctx.version),
               "contentUrl": "services/data/%s/jobs/ingest/%s/batches" % (ctx.v, jid),
               "lineEnding": le, "columnDelimiter": cd, "data": b"", "processed": 0,
               "failed_n": 0, "ok": [], "bad": [], "unprocessed": [], "header": [],
               "user": ctx.user}
        emu.jobs[jid] = job
        if content is not None:
            job["data"] = content
            job["state"] = "UploadComplete"
            info = job_info(job)
            threading.Thread(target=process_job, args=(emu, job, emu.config[
                "bulk_delay_ms"] / 1000.0), daemon=True).start()
            return Resp(200, info)
        return Resp(200, job_info(job))
    job = emu.jobs.get(parts[0])
    if not job:
        raise not_found()
    if len(parts) == 1:
        if method == "GET":
            return Resp(200, job_info(job, full=True))
        if method == "DELETE":
            if job["state"] in ("Open", "InProgress"):
                raise SFError(400, "INVALIDJOBSTATE", "Job is not in a state that allows "
                              "deletion: %s" % job["state"])
            del emu.jobs[parts[0]]
            return Resp(204)
        if method == "PATCH":
            data, _ = jbody(body)
            st = data.get("state")
            if st == "UploadComplete" and job["state"] == "Open":
                job["state"] = "UploadComplete"
                job["systemModstamp"] = now_sf()
                info = job_info(job)
                delay = emu.config["bulk_delay_ms"] / 1000.0
                threading.Thread(target=process_job, args=(emu, job, delay),
                                 daemon=True).start()
                return Resp(200, info)
            if st == "Aborted" and job["state"] in ("Open", "UploadComplete"):
                job["state"] = "Aborted"
                job["abort"] = True
                return Resp(200, job_info(job))
            raise SFError(400, "INVALIDJOBSTATE", "Invalid state transition from %s to %s"
                          % (job["state"], st))
        raise method_not_allowed(method, "GET,PATCH,DELETE")
    sub = parts[1]
    if sub == "batches":
        if method != "PUT":
            raise method_not_allowed(method, "PUT")
        if job["state"] != "Open":
            raise SFError(409, "INVALIDJOBSTATE", "Job is not in Open state")
        ct = (hdr.get("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "text/csv":
            raise SFError(415, "UNSUPPORTEDCONTENTTYPE", "Unsupported content type: %s" % ct)
        if job["data"]:
            raise SFError(400, "INVALIDJOBSTATE", "Found multiple uploads of data for this "
                          "job. Only one upload is allowed per job.")
        job["data"] = body
        return Resp(201)
    if sub in ("successfulResults", "failedResults", "unprocessedrecords"):
        if method != "GET":
            raise method_not_allowed(method, "GET")
        if sub != "unprocessedrecords" and job["state"] not in ("JobComplete", "Failed"):
            raise SFError(400, "INVALIDJOBSTATE", "Job is not complete: %s" % job["state"])
        d = DELIMS[job["columnDelimiter"]]
        nl = "\r\n" if job["lineEnding"] == "CRLF" else "\n"
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=d, lineterminator=nl, quoting=csv.QUOTE_ALL)
        if sub == "successfulResults":
            w.writerow(["sf__Id", "sf__Created"] + job["header"])
            for rid, created, row in job["ok"]:
                w.writerow([rid, "true" if created else "false"] + row)
        elif sub == "failedResults":
            w.writerow(["sf__Id", "sf__Error"] + job["header"])
            for rid, err, row in job["bad"]:
                w.writerow([rid or "", err] + row)
        else:
            w.writerow(job["header"])
            for row in job["unprocessed"]:
                w.writerow(row)
        return Resp(200, buf.getvalue(), ctype="text/csv")
    raise not_found()


def multipart_job(ctype, body):
    """-> (job JSON bytes, CSV bytes) from a multipart/form-data body."""
    import email.parser
    import email.policy
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    parts = {}
    for p in msg.iter_parts() if msg.is_multipart() else []:
        name = p.get_param("name", header="content-disposition")
        if name:
            parts[name] = p.get_payload(decode=True) or b""
    if "job" not in parts or "content" not in parts:
        raise SFError(400, "INVALIDJOB", "InvalidJob : a multipart job needs the parts "
                      "'job' and 'content'")
    return parts["job"], parts["content"]


def process_job(emu, job, delay):
    if delay:
        time.sleep(delay)
    t0 = time.time()
    with emu.lock:
        if job.get("abort"):
            return
        job["state"] = "InProgress"
        text = job["data"].decode("utf-8", "replace")
        if job["lineEnding"] == "LF" and "\r\n" in text:
            job["state"] = "Failed"
            job["errorMessage"] = ("ClientInputError : LineEnding is invalid on user data. "
                                   "Current LineEnding setting is LF")
            rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")),
                                   delimiter=DELIMS[job["columnDelimiter"]]))
            job["header"] = rows[0] if rows else []
            job["unprocessed"] = rows[1:]
            return
        rows = list(csv.reader(io.StringIO(text), delimiter=DELIMS[job["columnDelimiter"]]))
        if not rows:
            job["state"] = "Failed"
            job["errorMessage"] = "InvalidBatch : Records not found"
            return
        header, data = rows[0], [r for r in rows[1:] if r]
        job["header"] = header
        job["batches"] = (len(data) + 9999) // 10000
        ctx = Ctx(emu, job["user"], str(job["apiVersion"]))
        obj = job["object"]
    for row in data:
        # one row at a time under the lock, so a big job does not stall other clients
        with emu.lock:
            if job.get("abort"):
                job["unprocessed"].append(row)
                continue
            bulk_row(emu, ctx, job, obj, header, row)
    with emu.lock:
        job["failed_n"] = len(job["bad"])
        if job.get("abort"):
            job["ms"] = int((time.time() - t0) * 1000)
            return
        job["state"] = "JobComplete"
        job["systemModstamp"] = now_sf()
        job["ms"] = int((time.time() - t0) * 1000)


def bulk_row(emu, ctx, job, obj, header, row):
    if len(row) != len(header):
        job["bad"].append((None, "INVALID_FIELD:Number of fields in row does not "
                           "match the header", row))
        return
    rec = {}
    for col, val in zip(header, row):
        if val == "" and job["operation"] != "insert":
            continue
        if "." in col:
            rel, key = col.split(".", 1)
            rec[rel] = {key: val}
        else:
            rec[col] = val
    try:
        with emu.tx():
            op = job["operation"]
            if op == "insert":
                rid = emu.insert(ctx, obj, {k: v for k, v in rec.items()
                                            if v != ""}, csv_mode=True)
                created = True
            elif op == "upsert":
                ext = job["externalIdFieldName"]
                key = next((v for k, v in rec.items() if k.lower() == ext.lower()), "")
                if not key:
                    raise SFError(400, "MISSING_ARGUMENT", "%s not specified" % ext)
                rid, created = emu.upsert(ctx, obj, ext, key, rec, csv_mode=True)
            elif op == "update":
                rid = norm_id(next((v for k, v in rec.items() if k.lower() == "id"),
                                   ""))
                if not rid:
                    raise SFError(400, "MISSING_ARGUMENT", "Id not specified in an "
                                  "update call")
                emu.update(ctx, obj, rid, {k: v for k, v in rec.items()
                                           if k.lower() != "id"}, csv_mode=True)
                created = False
            else:
                rid = norm_id(next((v for k, v in rec.items() if k.lower() == "id"),
                                   ""))
                if not rid or emu.get_record(rid)[0] != obj:
                    raise SFError(400, "ENTITY_IS_DELETED", "entity is deleted")
                emu.delete(rid)
                created = False
        job["ok"].append((rid, created, row))
    except SFError as e:
        job["bad"].append((None, "%s:%s" % (e.code, e.message), row))
    job["processed"] += 1


# ---------------------------------------------------------------------------
# admin API (no auth, outside /services)


def admin(emu, method, path, query, body):
    qs = dict(urllib.parse.parse_qsl(query))
    p = path.rstrip("/")
    data = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            return Resp(400, {"error": "body is not JSON"})
    if p == "/__emu/stats" and method == "GET":
        with emu.lock, emu.stats_lock:
            c = emu.counters
            return Resp(200, {"api_calls": c["api_calls"], "requests": c["requests"],
                              "by_endpoint": dict(c["by_endpoint"]),
                              "daily_limit": emu.config["daily_limit"],
                              "faults_injected": dict(c["faults_injected"]),
                              "records": emu.db.execute(
                                  "SELECT count(*) FROM records WHERE fixture=0").fetchone()[0],
                              "config": dict(emu.config),
                              "parallel": {"helpers": len(emu.pool.helpers) if emu.pool
                                           else 0, "speculated": c["speculated"],
                                           "conflicts": c["speculation_conflicts"]}})
    if p == "/__emu/records":
        if method == "GET":
            with emu.lock:
                so = emu.obj_name(qs["sobject"]) if qs.get("sobject") else None
                if qs.get("sobject") and not so:
                    return Resp(404, {"error": "unknown sobject"})
                recs = emu.all_records(so)
            for k, v in qs.items():
                if k not in ("sobject",):
                    recs = [r for r in recs if str(r["fields"].get(k)) == v]
            return Resp(200, {"records": recs})
        if method == "POST":
            so = emu.obj_name(str((data or {}).get("sobject") or ""))
            if not so:
                return Resp(400, {"error": "unknown sobject"})
            ctx = Ctx(emu, emu.admin, API_VERSION)
            try:
                with emu.lock, emu.tx():
                    rid = emu.insert(ctx, so, data.get("fields") or {}, op="seed")
            except SFError as e:
                return Resp(400, e.array())
            return Resp(201, {"id": rid, "Id": rid})
    if p == "/__emu/log" and method == "GET":
        n = int(qs.get("limit", 100))
        items = list(emu.log)[-n:]
        return Resp(200, {"requests": items})
    if p == "/__emu/reset" and method == "POST":
        emu.reset()
        return Resp(200, {"ok": True})
    if p == "/__emu/config" and method == "POST":
        with emu.stats_lock:
            for k, v in (data or {}).items():
                if k == "api_calls":
                    emu.counters["api_calls"] = int(v)
                elif k in emu.config:
                    emu.config[k] = int(v)
                else:
                    return Resp(400, {"error": "unknown config key %s" % k})
            return Resp(200, dict(emu.config, api_calls=emu.counters["api_calls"]))
    if p == "/__emu/faults":
        if method == "POST":
            try:
                emu.set_faults(data or {})
            except (SFError, re.error, TypeError, AttributeError) as e:
                return Resp(400, {"error": str(e)})
            return Resp(200, {"rules": [f["spec"] for f in emu.faults]})
        if method == "DELETE":
            with emu.stats_lock:
                emu.faults = []
            return Resp(200, {"rules": []})
        if method == "GET":
            return Resp(200, {"rules": [dict(f["spec"], remaining=f["count"])
                                        for f in emu.faults]})
    if p == "/__emu/expire_sessions" and method == "POST":
        with emu.lock:
            for t in emu.tokens.values():
                t["valid"] = False
        return Resp(200, {"expired": len(emu.tokens)})
    if p == "/__emu/users" and method == "GET":
        return Resp(200, {"users": [{"Id": u["Id"], "Username": u["Username"],
                                     "profile": u["profile"]} for u in emu.users.values()]})
    if p == "/__emu/token" and method == "POST":
        uname = (data or {}).get("username") or emu.integration["Username"]
        u = emu.by_username.get(uname)
        if not u:
            return Resp(400, {"error": "unknown user"})
        with emu.lock:
            return Resp(200, emu.token_response(u, "api"))
    return Resp(404, {"error": "no such admin resource"})


# ---------------------------------------------------------------------------
# server


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


def write_env(d, port, emu):
    resolve = ",".join("%s:%d:127.0.0.1" % (h, port) for h in ORG_HOSTS)
    env = [("SF_CA_FILE", os.path.join(d, "ca.pem")), ("SF_RESOLVE", resolve),
           ("SF_LOGIN_URL", "https://login.salesforce.com:%d" % port),
           ("SF_INSTANCE_URL", "https://acme.my.salesforce.com:%d" % port),
           ("SF_API_VERSION", API_VERSION), ("SF_CLIENT_ID", emu.client_id),
           ("SF_USERNAME", emu.integration["Username"]),
           ("SFEMU_ADMIN_USERNAME", emu.admin["Username"]),
           ("SF_JWT_KEY_FILE", os.path.join(d, "jwt_key.pem")),
           ("SFEMU_JWT_CERT_FILE", os.path.join(d, "jwt_cert.pem")),
           ("SF_CLIENT_SECRET_FILE", os.path.join(d, "client_secret")),
           ("SF_REFRESH_TOKEN_FILE", os.path.join(d, "refresh_token")),
           ("SFEMU_URL", "https://emu.my.salesforce.com:%d" % port),
           ("SFEMU_PORT", str(port)), ("SFEMU_DIR", d)]
    text = "".join("export %s='%s'\n" % (k, v.replace("'", "'\\''")) for k, v in env)
    tmp = os.path.join(d, "env.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, "env"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    make_material(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.ssl_ctx = ctx
    port = srv.server_address[1]
    emu = Emu(d, port)
    srv.emu = emu
    # helper processes, forked before any thread exists; 0 = process every
    # request in this process, one at a time
    helpers = os.environ.get("SFEMU_HELPERS")
    # one a CPU besides the owner's (two helpers sharing a CPU halve each other's
    # speed and answer later: measured slower with 2 CPUs)
    n = int(helpers) if helpers else min(4, max(1, len(os.sched_getaffinity(0)) - 1))
    if n > 0:
        start_helpers(emu, n)
    with open(os.path.join(d, "pid"), "w") as f:
        f.write(str(os.getpid()))
    write_env(d, port, emu)

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


if __name__ == "__main__":
    main()
