# SPDX-License-Identifier: ISC
"""One org: its objects, users and profiles, records, tokens, counters, config and faults."""
import collections
import functools
import json
import os
import threading
import time

import fixtures

from .convert import Convert
from .describe import Describe
from .faults import Faults
from .ids import make_id, pod
from .material import make_app_credentials, write_secret
from .oauth import Tokens
from .records import Records
from .rs256 import rsa_public_from_cert_pem
from .store import Store, open_db
from .users import Users
from .validate import Validate

DEFAULT_DAILY_LIMIT = 15000
DEFAULT_ORG = "acme"
# the extra host names of the default org (Experience Cloud site, sandbox
# My Domain, Lightning); the site is a JWT audience (oauth.Tokens.audience_ok)
DEFAULT_ORG_HOSTS = ("acme.my.site.com", "acme--dev.sandbox.my.salesforce.com",
                     "acme.lightning.force.com")
# an org's own settings (orgs JSON, POST /__emu/orgs): config keys, and faults
ORG_SETTINGS = ("daily_limit", "latency_ms", "faults")


@functools.lru_cache(maxsize=None)
def fixture_objects():
    """The sObjects and their fields, the same in every org: built once."""
    return {name: {"prefix": prefix, "label": label, "plural": plural, "fields": builder()}
            for name, (prefix, label, plural, builder) in fixtures.OBJECTS.items()}


class Org(Store, Describe, Validate, Records, Convert, Faults, Tokens, Users):
    """One org's data and accounting; its behaviour comes from the mixins.

    d is the emulator's DIR; the default org (index 0, "acme") keeps its
    files there, another org in d/orgs/NAME.  All orgs share the connected
    app's certificate (jwt_cert.pem in d), each has its own consumer key and
    secret, org id, users, records, tokens, counters, config and faults."""

    def __init__(self, d, port, name=DEFAULT_ORG, index=0, settings=None):
        self.dir, self.port, self.name, self.index = d, port, name, index
        self.files = d if index == 0 else os.path.join(d, "orgs", name)
        if index:
            make_app_credentials(self.files)
        # self.lock guards the org's data (SQLite, tokens, jobs, cursors) and is held
        # while a request is processed.  self.stats_lock guards only counters, fault
        # rules and config, briefly, so accounting a new request (and its injected
        # latency) never waits for another request's processing.  Order: lock, then
        # stats_lock; never the reverse.
        self.lock = threading.RLock()
        self.stats_lock = threading.Lock()
        self.start_time = time.time()
        self.metadata_time = float(int(self.start_time) - 3600)
        self.pod = pod(index)
        self.org_id = make_id("00D", 7, self.pod)
        self.client_id = read_text(os.path.join(self.files, "client_id"))
        self.client_secret = read_text(os.path.join(self.files, "client_secret"))
        self.jwt_pub = rsa_public_from_cert_pem(read_text(os.path.join(d, "jwt_cert.pem")))
        self.host = "%s.my.salesforce.com" % name
        self.hosts = (self.host,) + (DEFAULT_ORG_HOSTS if index == 0 else ())
        self.login_url = "https://login.salesforce.com:%d" % port
        self.instance_url = "https://%s:%d" % (self.host, port)
        self.objects = fixture_objects()
        self.lower_objects = {n.lower(): n for n in self.objects}
        self.prefix_to_obj = {o["prefix"]: n for n, o in self.objects.items()}
        self.users = {}
        self.by_username = {}
        for n, uname, first, last, profile, alias in fixtures.USERS:
            uid = make_id("005", n, self.pod)
            # usernames are unique across orgs, as Salesforce's are
            uname = uname.replace("@%s.example" % DEFAULT_ORG, "@%s.example" % name)
            u = {"Id": uid, "Username": uname, "FirstName": first, "LastName": last,
                 "profile": profile, "Alias": alias}
            self.users[uid] = u
            self.by_username[uname] = u
        self.admin = self.by_username["admin@%s.example" % name]
        self.integration = self.by_username["integration@%s.example" % name]
        self._desc_cache = {}
        self.db = open_db(os.path.join(self.files, "emu.db"))
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
        write_secret(os.path.join(self.files, "refresh_token"), self.refresh_token)
        # the per-run settings of the environment apply to every org; an org's
        # own settings (orgs JSON) after them
        env = os.environ.get("SFEMU_FAULTS")
        if env:
            self.set_faults(json.loads(env))
        if os.environ.get("SFEMU_DAILY_LIMIT"):
            self.config["daily_limit"] = int(os.environ["SFEMU_DAILY_LIMIT"])
        if os.environ.get("SFEMU_LATENCY_MS"):
            self.config["latency_ms"] = int(os.environ["SFEMU_LATENCY_MS"])
        for k, v in (settings or {}).items():
            if k == "faults":
                self.set_faults(v)
            elif k in ORG_SETTINGS:
                self.config[k] = int(v)

    def describe_org(self):
        """What a test needs to configure a client of this org (DIR/orgs.json)."""
        f = self.files
        # what an org file's resolve setting needs: its own hosts and the login
        # hosts (not every org's: a client of one org reaches no other)
        resolve = ",".join("%s:%d:127.0.0.1" % (h, self.port) for h in self.hosts + (
            "login.salesforce.com", "test.salesforce.com"))
        return {"name": self.name, "host": self.host, "hosts": list(self.hosts),
                "resolve": resolve, "instance_url": self.instance_url, "org_id": self.org_id,
                "client_id": self.client_id,
                "client_secret_file": os.path.join(f, "client_secret"),
                "refresh_token_file": os.path.join(f, "refresh_token"),
                "jwt_key_file": os.path.join(self.dir, "jwt_key.pem"),
                "jwt_cert_file": os.path.join(self.dir, "jwt_cert.pem"),
                "username": self.integration["Username"],
                "user_id": self.integration["Id"],
                "admin_username": self.admin["Username"], "admin_user_id": self.admin["Id"],
                "users": [{"Id": u["Id"], "Username": u["Username"], "profile": u["profile"]}
                          for u in self.users.values()]}

    def reset(self, full=False):
        with self.lock:
            self.db.execute("DELETE FROM records WHERE fixture = 0")
            self.db.execute("DELETE FROM keys WHERE id NOT IN (SELECT id FROM records)")
            self.db.execute("DELETE FROM deleted")
            with self.stats_lock:
                self.counters = {"api_calls": 0, "requests": 0, "by_endpoint": {},
                                 "faults_injected": {}, "speculated": 0,
                                 "speculation_conflicts": 0}
                self.faults = []
                # speculate_always: every graph and collections request goes
                # through a helper process, not only concurrent ones (tests)
                # rotate_refresh_tokens: the connected app's "Enable Refresh
                # Token Rotation" (off by default, as in Salesforce);
                # integration_view_all_data: the Integration User profile's
                # View All Data (System Administrators always have it)
                self.config = {"daily_limit": DEFAULT_DAILY_LIMIT, "latency_ms": 0,
                               "query_batch": 2000, "bulk_delay_ms": 0,
                               "speculate_always": 0, "rotate_refresh_tokens": 0,
                               "integration_view_all_data": 1}
                self.log = collections.deque(maxlen=5000)
                self.req_seq = 0
            self.jobs = {}
            self.cursors = {}
            if full:
                self.seed_user_setup()
                for u in self.users.values():
                    fields = {"Username": u["Username"], "FirstName": u["FirstName"],
                              "LastName": u["LastName"],
                              "Name": u["FirstName"] + " " + u["LastName"],
                              "Email": u["Username"], "Alias": u["Alias"],
                              "CommunityNickname": u["Alias"], "IsActive": True,
                              "TimeZoneSidKey": "Europe/London", "LocaleSidKey": "en_GB",
                              "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
                              "ProfileId": make_id("00e", 1 if u["profile"].startswith("S")
                                                   else 2, self.pod),
                              "UserType": "Standard", "CompanyName": self.name.capitalize(),
                              "UserRoleId": self.admin_role if u["profile"].startswith("S")
                              else None}
                    self.complete_record("User", u["Id"], fields, self.admin)
                    self.db.execute("INSERT INTO records VALUES (?,?,?,1,1,0)",
                                    (u["Id"], "User", self.dump_fields("User", fields)))
                    self.explicit_ids.add(u["Id"])
                    self.write_keys("User", u["Id"], fields)
            self.reset_users()


def read_text(path):
    with open(path) as f:
        return f.read().strip()
