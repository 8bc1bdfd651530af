# SPDX-License-Identifier: ISC
"""Emulator tests for external (Experience Cloud) users: emu/users.py.

Run by ./run-tests with test_emulator (whose emulator and helpers these use)."""
import time

import test_emulator as te
from test_emulator import Base, Client, admin, make_jwt

COMMUNITY = "Customer Community User"


def setUpModule():
    te.TOKENS.clear()   # tokens of test_emulator's emulator, stopped by now
    te.setUpModule()


def tearDownModule():
    te.tearDownModule()


class TestExternalUsers(Base):
    def setUp(self):
        super().setUp()
        admin("POST", "config", {"manage_external_users": 1})

    def profile_id(self, name=COMMUNITY):
        st, _, js = self.req("GET", "query?q=" + te.urllib.parse.quote(
            "SELECT Id, Name, UserType FROM Profile WHERE Name = '%s'" % name))
        self.assertEqual(st, 200, js)
        self.assertEqual(js["totalSize"], 1, js)
        return js["records"][0]

    def admin_user_id(self):
        st, _, js = self.req("GET", "query?q=" + te.urllib.parse.quote(
            "SELECT Id, UserRoleId FROM User WHERE Username = 'admin@acme.example'"))
        self.assertEqual(st, 200, js)
        self.assertTrue(js["records"][0]["UserRoleId"])   # the owner the portal needs
        return js["records"][0]["Id"]

    def account_contact(self, key, owner=True):
        body = {"Name": "Company " + key}
        if owner:
            body["OwnerId"] = self.admin_user_id()
        st, _, a = self.req("PATCH", "sobjects/Account/Provisioning_Key__c/acme:" + key, body)
        self.assertIn(st, (200, 201), a)
        st, _, c = self.req("PATCH", "sobjects/Contact/Provisioning_Key__c/acme:" + key,
                            {"LastName": "Person " + key, "AccountId": a["id"]})
        self.assertIn(st, (200, 201), c)
        return a["id"], c["id"]

    def user_body(self, key, contact, profile=None):
        return {"Username": "%s@portal.example" % key, "LastName": "Person", "Email":
                "%s@example.org" % key, "Alias": key[:8], "CommunityNickname": key,
                "TimeZoneSidKey": "Europe/London", "LocaleSidKey": "en_GB",
                "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
                "ProfileId": profile or self.profile_id()["Id"], "ContactId": contact}

    def test_profiles_are_queryable_with_their_user_types(self):
        types = {}
        for name in (COMMUNITY, "Customer Community Plus User", "Partner Community User"):
            types[name] = self.profile_id(name)["UserType"]
        self.assertEqual(types, {COMMUNITY: "CspLitePortal", "Customer Community Plus User":
                                 "PowerCustomerSuccess",
                                 "Partner Community User": "PowerPartner"})

    def test_external_user_is_linked_to_contact_and_account(self):
        acc, con = self.account_contact("u1")
        st, _, js = self.req("POST", "sobjects/User", self.user_body("u1", con))
        self.assertEqual(st, 201, js)
        st, _, u = self.req("GET", "sobjects/User/" + js["id"])
        self.assertEqual((u["ContactId"], u["AccountId"], u["UserType"], u["IsActive"]),
                         (con, acc, "CspLitePortal", True))
        # one user per contact
        b = self.user_body("u1b", con)
        self.assertError(self.req("POST", "sobjects/User", b), 400,
                         "PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT")

    def test_upsert_by_provisioning_key_is_idempotent(self):
        a1, c1 = self.account_contact("k1")
        a2, c2 = self.account_contact("k1")
        self.assertEqual((a1, c1), (a2, c2))
        self.assertEqual(len([r for r in self.records("Account")
                              if r["fields"].get("Provisioning_Key__c") == "acme:k1"]), 1)

    def test_without_the_permission_the_integration_user_is_refused(self):
        _, con = self.account_contact("p1")
        admin("POST", "config", {"manage_external_users": 0})
        e = self.assertError(self.req("POST", "sobjects/User", self.user_body("p1", con)), 400,
                             "INSUFFICIENT_ACCESS_OR_READONLY")
        self.assertIn("Manage External Users", e["message"])
        self.assertEqual([r for r in self.records("User") if r["fields"].get("ContactId")], [])

    def test_portal_account_owner_must_have_a_role(self):
        _, con = self.account_contact("r1", owner=False)  # owned by the role-less integration
        e = self.assertError(self.req("POST", "sobjects/User", self.user_body("r1", con)), 400,
                             "UNKNOWN_EXCEPTION")
        self.assertEqual(e["message"], "portal account owner must have a role")

    def test_graph_mixing_user_with_account_fails_two_graphs_do_not(self):
        prof = self.profile_id()["Id"]
        base = "/services/data/v62.0/sobjects/"
        nodes = [{"method": "POST", "url": base + "Account", "referenceId": "a",
                  "body": {"Name": "G", "OwnerId": self.admin_user_id()}},
                 {"method": "POST", "url": base + "Contact", "referenceId": "c",
                  "body": {"LastName": "G", "AccountId": "@{a.id}"}}]
        user = dict(self.user_body("g1", "@{c.id}", prof))
        st, _, js = self.req("POST", "composite/graph", {"graphs": [{
            "graphId": "g1", "compositeRequest": nodes + [
                {"method": "POST", "url": base + "User", "referenceId": "u", "body": user}]}]})
        self.assertEqual(st, 200, js)
        g = js["graphs"][0]
        self.assertFalse(g["isSuccessful"])
        codes = [b["errorCode"] for r in g["graphResponse"]["compositeResponse"]
                 if isinstance(r["body"], list) for b in r["body"]]
        self.assertIn("MIXED_DML_OPERATION", codes)
        self.assertEqual(self.records("Contact"), [])   # nothing half-made
        # composite (one transaction too)
        st, _, js = self.req("POST", "composite", {"allOrNone": True, "compositeRequest": [
            dict(nodes[0]), dict(nodes[1]),
            {"method": "POST", "url": base + "User", "referenceId": "u", "body": user}]})
        codes = [b.get("errorCode") for r in js["compositeResponse"]
                 if isinstance(r["body"], list) for b in r["body"]]
        self.assertIn("MIXED_DML_OPERATION", codes)
        # Account+Contact first, the User in a request of its own: works
        st, _, js = self.req("POST", "composite/graph", {"graphs": [
            {"graphId": "g1", "compositeRequest": nodes}]})
        self.assertTrue(js["graphs"][0]["isSuccessful"], js)
        con = js["graphs"][0]["graphResponse"]["compositeResponse"][1]["body"]["id"]
        st, _, js = self.req("POST", "composite/sobjects", {"allOrNone": False, "records": [
            dict(self.user_body("g1", con, prof), attributes={"type": "User"})]})
        self.assertTrue(js[0]["success"], js)

    def test_duplicate_username(self):
        _, con = self.account_contact("d1")
        b = self.user_body("d1", con)
        b["Username"] = "ann.host@acme.example"
        e = self.assertError(self.req("POST", "sobjects/User", b), 400, "DUPLICATE_USERNAME")
        self.assertIn("another Salesforce organization", e["message"])

    def test_license_pool_and_deactivation_frees_a_seat(self):
        admin("POST", "config", {"licenses_customer_community": 1})
        _, c1 = self.account_contact("l1")
        _, c2 = self.account_contact("l2")
        st, _, u1 = self.req("POST", "sobjects/User", self.user_body("l1", c1))
        self.assertEqual(st, 201, u1)
        self.assertError(self.req("POST", "sobjects/User", self.user_body("l2", c2)), 400,
                         "LICENSE_LIMIT_EXCEEDED")
        st, _, js = self.req("PATCH", "sobjects/User/" + u1["id"], {"IsActive": False})
        self.assertEqual(st, 204, js)
        st, _, js = self.req("POST", "sobjects/User", self.user_body("l2", c2))
        self.assertEqual(st, 201, js)
        # users are never deleted
        self.assertError(self.req("DELETE", "sobjects/User/" + u1["id"]), 400, "DELETE_FAILED")

    def test_collections_mixing_user_with_contact_fails(self):
        acc, con = self.account_contact("m1")
        user = dict(self.user_body("m1", con), attributes={"type": "User"})
        st, _, js = self.req("POST", "composite/sobjects", {"allOrNone": False, "records": [
            {"attributes": {"type": "Contact"}, "LastName": "Other", "AccountId": acc}, user]})
        self.assertEqual(st, 200, js)
        self.assertTrue(js[0]["success"], js)
        self.assertFalse(js[1]["success"], js)
        self.assertEqual(js[1]["errors"][0]["statusCode"], "MIXED_DML_OPERATION")

    def test_usernames_are_unique_across_orgs(self):
        st, js = admin("POST", "orgs", {"name": "globex"})
        self.assertIn(st, (200, 201), js)
        st, tok = admin("POST", "token?org=globex", {"username": "admin@globex.example"})
        self.assertEqual(st, 200, tok)
        c = Client("globex.my.salesforce.com")
        c.token = tok["access_token"]
        try:
            prof = None
            st, _, q = c.request("GET", te.V + "/query?q=" + te.urllib.parse.quote(
                "SELECT Id FROM Profile WHERE Name = 'System Administrator'"))
            prof = q["records"][0]["Id"]
            body = {"Username": "ann.host@acme.example", "LastName": "Dup", "Email": "d@x.org",
                    "Alias": "dup", "CommunityNickname": "dup", "TimeZoneSidKey": "GMT",
                    "LocaleSidKey": "en_GB", "EmailEncodingKey": "UTF-8",
                    "LanguageLocaleKey": "en_US", "ProfileId": prof}
            st, _, js = c.request("POST", te.V + "/sobjects/User", body)
            self.assertEqual(st, 400, js)
            self.assertEqual(js[0]["errorCode"], "DUPLICATE_USERNAME")   # acme's user
            body["Username"] = "fresh@globex.example"
            st, _, js = c.request("POST", te.V + "/sobjects/User", body)
            self.assertEqual(st, 201, js)
        finally:
            c.close()

    def site_login(self, username):
        c = Client("acme.my.site.com")
        try:
            return c.request("POST", "/services/oauth2/token", form={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": make_jwt({"iss": te.ENV["SF_CLIENT_ID"], "sub": username,
                                       "aud": "https://acme.my.site.com",
                                       "exp": int(time.time()) + 120})})
        finally:
            c.close()

    def test_community_user_logs_in_at_the_site_and_sees_its_profile(self):
        _, con = self.account_contact("s1")
        st, _, u = self.req("POST", "sobjects/User", self.user_body("s1", con))
        self.assertEqual(st, 201, u)
        st, _, tok = self.site_login("s1@portal.example")
        self.assertEqual(st, 200, tok)
        c = Client()
        c.token = tok["access_token"]
        try:
            st, _, d = c.request("GET", te.V + "/sobjects/Account/describe")
            self.assertEqual(st, 200, d)
            names = {f["name"]: f for f in d["fields"]}
            self.assertNotIn("AnnualRevenue", names)
            self.assertFalse(names["Name"]["updateable"])
            self.assertFalse(d["createable"])
        finally:
            c.close()
        # deactivated: no more logins
        self.req("PATCH", "sobjects/User/" + u["id"], {"IsActive": False})
        st, _, js = self.site_login("s1@portal.example")
        self.assertEqual(st, 400, js)
