# SPDX-License-Identifier: ISC
"""Lead conversion, as a person does it in Salesforce: the lead becomes a contact
under an account, and the lead is marked converted (admin API only)."""
import datetime as dt

from .errors import SFError, converted_lead
from .sftime import now_sf


class Convert:
    """convertLead() (a mixin of org.Org, on Store and Records).

    What it does follows the convertLead() call and the lead conversion change
    events: a new or given account, a new or given contact, then the lead
    updated with IsConverted, ConvertedDate, ConvertedAccountId,
    ConvertedContactId and a converted Status; the lead's events and invitations
    move to the contact."""

    def convert_lead(self, ctx, lead_id, account_id=None, contact_id=None):
        so, lead = self.get_record(lead_id or "")
        if so != "Lead":
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["leadId"])
        if lead.get("IsConverted"):
            raise converted_lead()
        if account_id is None:
            account_id = self.insert(ctx, "Account", {"Name": lead["Company"]}, op="seed")
        elif self.get_record(account_id)[0] != "Account":
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["accountId"])
        if contact_id is None:
            contact = {k: lead[k] for k in ("FirstName", "LastName", "Email", "Phone",
                                            "MobilePhone", "Title", "LeadSource")
                       if lead.get(k) is not None}
            contact["AccountId"] = account_id
            contact_id = self.insert(ctx, "Contact", contact, op="seed")
        elif self.get_record(contact_id)[0] != "Contact":
            raise SFError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                          ["contactId"])
        lead.update(IsConverted=True, ConvertedDate=dt.date.today().isoformat(),
                    ConvertedAccountId=account_id, ConvertedContactId=contact_id,
                    Status="Closed - Converted", LastModifiedDate=now_sf(),
                    SystemModstamp=now_sf())
        self.rewrite("Lead", lead_id, lead)
        self.move_activities(lead_id, contact_id)
        return {"leadId": lead_id, "accountId": account_id, "contactId": contact_id,
                "success": True}

    def rewrite(self, sobject, rid, rec):
        self.db.execute("UPDATE records SET fields=?, writes=writes+1 WHERE id=?",
                        (self.dump_fields(sobject, rec), rid))
        self.write_keys(sobject, rid, rec)

    def move_activities(self, lead_id, contact_id):
        """The lead's events name the contact instead; an invitation of the lead
        becomes the contact's, unless the contact is invited already."""
        for r in self.all_records("Event"):
            if r["fields"]["WhoId"] == lead_id:
                rec = dict(r["fields"], WhoId=contact_id)
                self.rewrite("Event", r["Id"], rec)
        for r in self.all_records("EventRelation"):
            if r["fields"]["RelationId"] == lead_id:
                rec = dict(r["fields"], RelationId=contact_id)
                if self.relation_exists(rec):
                    self.delete(r["Id"])
                else:
                    self.rewrite("EventRelation", r["Id"], rec)
