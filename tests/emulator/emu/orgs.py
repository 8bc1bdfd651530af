# SPDX-License-Identifier: ISC
"""The orgs the emulator serves, and which org a request is for."""
import json
import os
import re
import threading

from .oauth import bearer, login_org
from .org import DEFAULT_ORG, ORG_SETTINGS, Org

# a My Domain name: its host is NAME.my.salesforce.com, its variables
# SFEMU_ORG_<NAME>_... (so no '-', which a My Domain could have)
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,39}$")
# names of the orgs `--orgs N` makes, in order; then org9, org10...
NAMES = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka")
# host names that belong to no org: the admin host and the login hosts
SHARED_HOSTS = ("emu.my.salesforce.com", "login.salesforce.com", "test.salesforce.com")


class Orgs:
    """Every org by name, host, org id, client id and username."""

    def __init__(self, d, port):
        self.dir, self.port = d, port
        self.all, self.by_name, self.by_host, self.by_org_id = [], {}, {}, {}
        self.by_client_id, self.by_username = {}, {}
        self.default = None
        self.lock = threading.Lock()

    def add(self, name, settings=None):
        """A new org (the first one is the default org, "acme"); -> Org.
        Raises ValueError for a bad or taken name, or unknown settings.
        DIR/orgs.json is written again with it."""
        if not isinstance(name, str) or not NAME_RE.match(name) or name == "emu":
            raise ValueError("org name must match [a-z][a-z0-9]{0,39} (not emu): %r" % (name,))
        if (name == DEFAULT_ORG) != (not self.all):
            raise ValueError("the default org, %s, is the first one" % DEFAULT_ORG)
        unknown = set(settings or {}) - set(ORG_SETTINGS)
        if unknown:
            raise ValueError("unknown org settings: %s" % ", ".join(sorted(unknown)))
        with self.lock:  # POST /__emu/orgs: one at a time
            org = self.make(name, settings)
        self.write_description()
        return org

    def make(self, name, settings):
        if name in self.by_name:
            raise ValueError("org %s exists" % name)
        org = Org(self.dir, self.port, name, len(self.all), settings)
        org.orgs = self   # usernames are unique across orgs (emu/users.py)
        self.all.append(org)
        self.by_name[name] = org
        self.by_org_id[org.org_id] = org
        self.by_client_id[org.client_id] = org
        for h in org.hosts:
            self.by_host[h] = org
        for u in org.users.values():
            self.by_username[u["Username"]] = org
        if self.default is None:
            self.default = org
        return org

    def token_org(self, tok):
        """The org that issued an access or refresh token, or None."""
        if not tok:
            return None
        for org in self.all:
            if org.has_token(tok):
                return org
        return None

    def route(self, headers, path, body):
        """The org a request is for: the org of its host (My Domain); on the
        shared hosts (login, admin), the org its credentials name: OAuth by
        client, user or token, the identity URL by its org id, the data API
        by its bearer token; otherwise the default org."""
        host = (headers.get("Host") or "").rsplit(":", 1)[0].lower()
        org = self.by_host.get(host)
        if org is not None:
            return org
        if path.startswith("/services/oauth2/"):
            return login_org(self, path, body, headers)
        if path.startswith("/id/"):
            return self.by_org_id.get(path[4:22]) or self.default
        if path.startswith("/services/data/"):
            return self.token_org(bearer(headers)) or self.default
        return self.default

    def resolve(self):
        """SF_RESOLVE entries (host:port:127.0.0.1) for every host name served."""
        hosts = [self.default.host, *SHARED_HOSTS, *self.default.hosts[1:]]
        hosts += [o.host for o in self.all[1:]]
        return ["%s:%d:127.0.0.1" % (h, self.port) for h in hosts]

    def write_description(self):
        """DIR/orgs.json: every org's host, ids, users and credential files."""
        path = os.path.join(self.dir, "orgs.json")
        with open(path + ".tmp", "w") as f:
            json.dump({"orgs": [o.describe_org() for o in self.all]}, f, indent=1)
        os.replace(path + ".tmp", path)


def org_specs(arg):
    """--orgs N or --orgs FILE -> [(name, settings)], the default org first.
    FILE: {"orgs": [{"name": ..., "daily_limit": N, "latency_ms": N,
    "faults": {...}}, ...]}; an entry named acme sets the default org's."""
    if arg is None:
        return [(DEFAULT_ORG, {})]
    if arg.isdigit():
        n = max(1, int(arg))
        return [(NAMES[i] if i < len(NAMES) else "org%d" % (i + 1), {}) for i in range(n)]
    with open(arg) as f:
        spec = json.load(f)
    entries = spec.get("orgs", []) if isinstance(spec, dict) else spec
    out = {DEFAULT_ORG: {}}
    for e in entries:
        e = dict(e)
        out[e.pop("name", None)] = e
    return list(out.items())
