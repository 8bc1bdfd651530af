# SPDX-License-Identifier: ISC
"""External (Experience Cloud) users: profiles and roles, the rules a User write
must pass (setup-object transactions, permission, portal owner's role, username
across orgs, licenses), and the users it makes able to log in."""
from .errors import SFError
from .ids import make_id

# Profiles every org has: (n of the 00e id, Name, UserType, license).  Fixture
# users' ProfileId are 00e 1 and 2 (org.py).
PROFILE_ROWS = (
    (1, "System Administrator", "Standard", "Salesforce"),
    (2, "Integration User", "Standard", "Salesforce"),
    (3, "Customer Community User", "CspLitePortal", "Customer Community"),
    (4, "Customer Community Plus User", "PowerCustomerSuccess", "Customer Community Plus"),
    (5, "Partner Community User", "PowerPartner", "Partner Community"),
)
EXTERNAL_TYPES = ("CspLitePortal", "PowerCustomerSuccess", "PowerPartner")
# the one role of the fixtures; the admin holds it, the integration user none
ROLE_ROW = (1, "CEO", "CEO")
# User and the other setup objects cannot share a transaction with other objects
SETUP_OBJECTS = {"User", "UserRole", "Profile"}
# per-org settings (POST /__emu/config): the integration user's "Manage External
# Users" permission (0/1), and each external license's seats
USER_CONFIG = {"manage_external_users": 0, "licenses_customer_community": 1000,
               "licenses_customer_community_plus": 100, "licenses_partner_community": 100}


def license_key(license_name):
    return "licenses_" + license_name.lower().replace(" ", "_")


class Users:
    """A mixin of org.Org."""

    def seed_user_setup(self):
        """Profiles, the role and the admin's role: fixture rows (survive reset)."""
        self.profiles = {}
        for n, name, utype, lic in PROFILE_ROWS:
            pid = make_id("00e", n, self.pod)
            self.profiles[pid] = {"Name": name, "UserType": utype, "license": lic}
            self.seed_fixture("Profile", pid, {"Name": name, "UserType": utype,
                                               "UserLicenseName": lic})
        rid = make_id("00E", ROLE_ROW[0], self.pod)
        self.seed_fixture("UserRole", rid, {"Name": ROLE_ROW[1], "DeveloperName": ROLE_ROW[2]})
        self.admin_role = rid

    def seed_fixture(self, sobject, rid, fields):
        rec = self.complete_record(sobject, rid, fields, self.admin)
        self.db.execute("INSERT INTO records VALUES (?,?,?,1,1,0)",
                        (rid, sobject, self.dump_fields(sobject, rec)))
        self.explicit_ids.add(rid)
        self.write_keys(sobject, rid, rec)

    def reset_users(self):
        """After reset: the config keys, and no provisioned user can log in."""
        for k, v in USER_CONFIG.items():
            self.config.setdefault(k, v)
        for uid in getattr(self, "provisioned", ()):
            u = self.users.pop(uid, None)
            if u:
                self.by_username.pop(u["Username"], None)
                if getattr(self, "orgs", None):
                    self.orgs.by_username.pop(u["Username"], None)
        self.provisioned = set()

    # ---- the setup-object rule -------------------------------------------------

    def note_dml(self, ctx, sobject):
        """One transaction writes setup objects or other objects, never both
        (MIXED_DML_OPERATION).  ctx.flags is shared by a request's subrequests;
        a graph starts each graph afresh (composite.run_graphs)."""
        kind = "setup" if sobject in SETUP_OBJECTS else "data"
        seen = ctx.flags.setdefault("dml", {})
        other = seen.get("data" if kind == "setup" else "setup")
        if other:
            setup, data = (sobject, other) if kind == "setup" else (other, sobject)
            raise SFError(400, "MIXED_DML_OPERATION", "DML operation on setup object is not "
                          "permitted after you have updated a non-setup object (or vice "
                          "versa): %s, original object: %s" % (setup, data), [])
        seen.setdefault(kind, sobject)

    # ---- User writes -----------------------------------------------------------

    def may_write_users(self, ctx, external):
        if self.profile(ctx.user) is self.profile(self.admin):
            return True   # Manage Users
        return external and ctx.user is self.integration and bool(
            self.config.get("manage_external_users"))

    def check_user(self, ctx, rec, existing):
        """Before a User is written: rec is the whole new record."""
        prof = self.profiles.get(rec.get("ProfileId"))
        if prof is None:
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["ProfileId"])
        external = prof["UserType"] in EXTERNAL_TYPES
        if not self.may_write_users(ctx, external):
            raise SFError(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights "
                          "on object id: the running user needs the Manage External Users "
                          "permission", [])
        rec["UserType"] = prof["UserType"]
        uname = rec.get("Username") or ""
        if not existing or existing.get("Username", "").lower() != uname.lower():
            self.check_username_free(uname)
        if external:
            self.check_portal_contact(rec, existing)
        elif rec.get("ContactId"):
            raise SFError(400, "FIELD_INTEGRITY_EXCEPTION", "Contact ID: only a portal or "
                          "community user can have a contact", ["ContactId"])
        became_active = rec.get("IsActive") and not (existing and existing.get("IsActive"))
        changed_license = existing and self.profiles.get(
            existing.get("ProfileId"), {}).get("license") != prof["license"]
        if external and (became_active or (rec.get("IsActive") and changed_license)):
            self.check_license(prof["license"])

    def check_username_free(self, uname):
        """Usernames are unique across every org (of this emulator)."""
        low = uname.lower()
        orgs = getattr(self, "orgs", None)
        taken = any(u["Username"].lower() == low for u in self.users.values())
        if not taken and orgs:
            taken = any(k.lower() == low for k in orgs.by_username)
        if not taken:
            taken = bool(self.db.execute(
                "SELECT 1 FROM keys WHERE sobject='User' AND field='Username' AND val=?",
                (low,)).fetchone())
        if taken:
            raise SFError(400, "DUPLICATE_USERNAME", "Duplicate Username.<br>The username "
                          "already exists in this or another Salesforce organization. "
                          "Usernames must be unique across all Salesforce organizations. To "
                          "resolve, use a different username (it doesn't need to match the "
                          "user's email address).", ["Username"])

    def check_portal_contact(self, rec, existing):
        cid = rec.get("ContactId")
        if existing:
            if (existing.get("ContactId") or None) != (cid or None):
                raise SFError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/"
                              "update fields: ContactId. Please check the security settings "
                              "of this field and verify that it is read/write for your "
                              "profile or permission set.", ["ContactId"])
            return
        if not cid:
            raise SFError(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: "
                          "[ContactId]", ["ContactId"])
        so, contact = self.get_record(cid)
        if so != "Contact":
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["ContactId"])
        if self.db.execute("SELECT 1 FROM records WHERE sobject='User' AND "
                           "json_extract(fields, '$.ContactId')=?", (cid,)).fetchone():
            raise SFError(400, "PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT", "portal user already "
                          "exists for contact", ["ContactId"])
        so, account = self.get_record(contact.get("AccountId")) if contact.get(
            "AccountId") else (None, None)
        if so != "Account":
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "Cannot create a portal user "
                          "without an account on the contact", ["ContactId"])
        _, owner = self.get_record(account.get("OwnerId"))
        if not owner or not owner.get("UserRoleId"):
            raise SFError(400, "UNKNOWN_EXCEPTION", "portal account owner must have a role",
                          [])
        rec["AccountId"] = account["Id"]

    def check_license(self, license_name):
        seats = int(self.config.get(license_key(license_name), 0))
        used = 0
        for r in self.db.execute("SELECT fields FROM records WHERE sobject='User'"):
            f = self.load_fields("User", r[0])
            if f.get("IsActive") and self.profiles.get(
                    f.get("ProfileId"), {}).get("license") == license_name:
                used += 1
        if used >= seats:
            raise SFError(400, "LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded: no %s "
                          "license is free" % license_name, [])

    def after_user_write(self, rid, rec):
        """A written external user can log in (JWT at the site host) as the profile
        it has, while active; a deactivated one cannot."""
        prof = self.profiles.get(rec.get("ProfileId"))
        if not prof or prof["UserType"] not in EXTERNAL_TYPES:
            return
        old = self.users.get(rid)
        if old:
            self.by_username.pop(old["Username"], None)
        u = {"Id": rid, "Username": rec["Username"], "FirstName": rec.get("FirstName"),
             "LastName": rec.get("LastName"), "profile": prof["Name"],
             "Alias": rec.get("Alias"), "active": bool(rec.get("IsActive"))}
        self.users[rid] = u
        self.provisioned.add(rid)
        if rec.get("IsActive"):
            self.by_username[u["Username"]] = u
        if getattr(self, "orgs", None):
            self.orgs.by_username[u["Username"]] = self


def refuse_user_delete():
    """Salesforce never deletes users: they are deactivated (IsActive false)."""
    raise SFError(400, "DELETE_FAILED", "You can't delete users. Deactivate the user "
                  "instead (IsActive = false).", [])
