# SPDX-License-Identifier: ISC
"""OAuth 2.0: the token endpoint's flows, revoke, introspect, and
the identity URL; the bearer token of a request."""
import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.parse

from .errors import OAuthError, SFError, not_found
from .resp import Resp
from .rs256 import b64url_decode, rsa_verify

LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")


class Tokens:
    """The org's tokens (a mixin of org.Org)."""

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

    def audience_ok(self, aud):
        """Salesforce takes as the JWT bearer aud claim only
        https://login.salesforce.com (https://test.salesforce.com for a
        sandbox) or the Experience Cloud site URL: never a My Domain, even one
        the assertion is posted to.  This org is a production org, so test is
        refused too.  The emulator's port is no part of a real URL, so each is
        taken with or without it; a site URL also with its path prefix."""
        if not isinstance(aud, str):
            return False
        a = aud.rstrip("/")
        if a in ("https://login.salesforce.com", "https://login.salesforce.com:%d" % self.port):
            return True
        # the org's Experience Cloud site: the only audience besides login
        for h in (x for x in self.hosts if x.endswith(".my.site.com")):
            for origin in ("https://%s" % h, "https://%s:%d" % (h, self.port)):
                if a == origin or a.startswith(origin + "/"):
                    return True
        return False

    def generic_login_host(self, headers):
        """The request came to login.salesforce.com or test.salesforce.com."""
        host = headers.get("Host", "").split(":")[0].lower()
        return host in LOGIN_HOSTS

    def refresh_grant(self, form):
        cid = form.get("client_id")
        if cid is not None and cid != self.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        sec = form.get("client_secret")
        if sec is not None and not hmac.compare_digest(sec, self.client_secret):
            raise OAuthError("invalid_client", "invalid client credentials")
        sent = form.get("refresh_token", "")
        rt = self.refresh_tokens.get(sent)
        if not rt or not rt["valid"]:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        if not self.config.get("rotate_refresh_tokens"):
            return self.token_response(rt["user"], "api refresh_token", refresh=sent)
        # Rotation: a new refresh token with the access token, and the one
        # sent is dead from now on (access tokens it issued stay valid).
        rt["valid"] = False
        new = self.new_refresh(rt["user"])
        out = self.token_response(rt["user"], "api refresh_token", refresh=new)
        out["refresh_token"] = new
        return out

    def oauth_token(self, form, headers):
        gt = form.get("grant_type")
        if gt == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self.jwt_grant(form.get("assertion", ""))
        if gt == "client_credentials":
            if self.generic_login_host(headers):
                # only the org's My Domain knows which org's app is meant
                raise OAuthError("invalid_grant", "request not supported on this domain")
            cid, sec = client_credentials(form, headers)
            if cid != self.client_id:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if not sec or not hmac.compare_digest(sec, self.client_secret):
                raise OAuthError("invalid_client", "invalid client credentials")
            return self.token_response(self.integration, "api")
        if gt == "refresh_token":
            return self.refresh_grant(form)
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
        if not any(self.audience_ok(a) for a in auds):
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
        """The user of the request's token, which must be one this org issued:
        a token of another org is as unknown here as a made-up one."""
        tok = bearer(headers)
        t = self.tokens.get(tok) if tok else None
        if not t or not t["valid"]:
            raise SFError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return t["user"]

    def has_token(self, tok):
        """tok is an access or refresh token this org issued (valid or not)."""
        return tok in self.tokens or tok in self.refresh_tokens


def client_credentials(form, headers):
    """(client id, secret) of a client credentials request: HTTP Basic, or the
    form's client_id and client_secret."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return form.get("client_id"), form.get("client_secret")
    try:
        cid, sec = base64.b64decode(auth[6:]).decode().split(":", 1)
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_client", "invalid client credentials")
    return urllib.parse.unquote(cid), urllib.parse.unquote(sec)


def bearer(headers):
    """The access token of an Authorization header (Bearer or OAuth), or None."""
    auth = headers.get("Authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else (
        auth[6:].strip() if auth[:6].lower() == "oauth " else None)


def identity(orgs, org, h, path):
    """GET {id} from the token response: who the token belongs to (Identity
    URLs).  org: the org the URL names; a token of another org: Wrong_Org."""
    m = re.match(r"^/id/(00D\w{15})/(005\w{15})/?$", path)
    if not m or m.group(1) != org.org_id or m.group(2) not in org.users:
        return Resp(404, {"error": "Not Found"})
    try:
        user = org.auth_user(h.headers)
    except SFError:
        other = orgs.token_org(bearer(h.headers))
        if other is not None and other is not org:
            return Resp(403, "Wrong_Org", ctype="text/plain;charset=UTF-8")
        return Resp(403, "Bad_OAuth_Token", ctype="text/plain;charset=UTF-8")
    if user["Id"] != m.group(2) and user is not org.admin:
        return Resp(403, "Bad_id", ctype="text/plain;charset=UTF-8")
    u = org.users[m.group(2)]
    base = org.instance_url
    return Resp(200, {
        "id": org.login_url + path.rstrip("/"), "asserted_user": user["Id"] == u["Id"],
        "user_id": u["Id"], "organization_id": org.org_id, "username": u["Username"],
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


def oauth(org, h, method, path, query, body):
    form = form_parse(body)
    if query:
        form.update(dict(urllib.parse.parse_qsl(query)))
    if path == "/services/oauth2/token":
        if method != "POST":
            return Resp(405, [{"message": "HTTP Method '%s' not allowed. Allowed are POST"
                               % method, "errorCode": "METHOD_NOT_ALLOWED"}])
        try:
            with org.lock:
                return Resp(200, org.oauth_token(form, h.headers))
        except OAuthError as e:
            return Resp(e.status, {"error": e.error, "error_description": e.desc})
    if path == "/services/oauth2/revoke":
        tok = form.get("token", "")
        if org.revoke(tok):
            return Resp(200, b"", ctype="text/html;charset=UTF-8")
        return Resp(400, {"error": "invalid_token", "error_description": "invalid token"})
    if path == "/services/oauth2/introspect":
        tok = form.get("token", "")
        t = org.tokens.get(tok)
        rt = org.refresh_tokens.get(tok)
        if t and t["valid"]:
            return Resp(200, {"active": True, "scope": "api", "client_id": org.client_id,
                              "username": t["user"]["Username"], "sub": "%s/id/%s/%s" % (
                                  org.login_url, org.org_id, t["user"]["Id"]),
                              "token_type": "access_token", "exp": int(t["issued"]) + 7200,
                              "iat": int(t["issued"]), "nbf": int(t["issued"])})
        if rt and rt["valid"]:
            return Resp(200, {"active": True, "scope": "api refresh_token",
                              "client_id": org.client_id, "username": rt["user"]["Username"],
                              "token_type": "refresh_token"})
        return Resp(200, {"active": False})
    return Resp(404, not_found().array())


def login_org(orgs, path, body, headers):
    """The org a request to the login host's OAuth endpoints is for: the org of
    the JWT's subject (or, unknown, its issuer), of the client id, or of the
    token presented; the default org when none is found (its answer is then
    the error the credentials deserve)."""
    form = form_parse(body)
    if path == "/services/oauth2/token":
        gt = form.get("grant_type")
        if gt == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            claims = jwt_claims(form.get("assertion", ""))
            sub, iss = claims.get("sub"), claims.get("iss")
            return ((isinstance(sub, str) and orgs.by_username.get(sub)) or
                    (isinstance(iss, str) and orgs.by_client_id.get(iss)) or orgs.default)
        if gt == "client_credentials":
            try:
                cid = client_credentials(form, headers)[0]
            except OAuthError:
                return orgs.default
            return orgs.by_client_id.get(cid) or orgs.default
        if gt == "refresh_token":
            return orgs.token_org(form.get("refresh_token")) or orgs.default
        return orgs.default
    return orgs.token_org(form.get("token")) or orgs.default


def jwt_claims(assertion):
    """The claims of a JWT, unverified (only to find its org), or {}."""
    try:
        claims = json.loads(b64url_decode(assertion.split(".")[1]))
    except (ValueError, IndexError, UnicodeDecodeError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}
