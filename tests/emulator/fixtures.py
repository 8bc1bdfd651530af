# SPDX-License-Identifier: ISC
"""Org metadata for the sfpipe Salesforce emulator.

The describe JSON is built here from field definitions rather than stored as
big files: every field carries the full 57-key property set a real v59+
describe has (DescribeSObjectResult's Field, README "Sources"), with the
values real describes show for each type.  Objects get the 45 top-level
describe keys and the 28-key describeGlobal entry.

Field-level security is applied per user by Describe.fields_for() in
emu/describe.py using PROFILES below.
"""

SOAP = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean",
    "string": "xsd:string", "picklist": "xsd:string", "multipicklist": "xsd:string",
    "combobox": "xsd:string", "textarea": "xsd:string", "phone": "xsd:string",
    "email": "xsd:string", "url": "xsd:string", "double": "xsd:double",
    "currency": "xsd:double", "percent": "xsd:double", "int": "xsd:int",
    "date": "xsd:date", "datetime": "xsd:dateTime", "time": "xsd:time",
    "address": "urn:address", "location": "urn:location",
}

# The 57 field keys of a v59 describe, in the alphabetical order Salesforce emits.
FIELD_KEYS = (
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated",
    "calculatedFormula", "cascadeDelete", "caseSensitive", "compoundFieldName",
    "controllerName", "createable", "custom", "defaultValue", "defaultValueFormula",
    "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden", "digits",
    "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo",
    "filterable", "filteredLookupInfo", "formulaTreatNullNumberAsZero", "groupable",
    "highScaleNumber", "htmlFormatted", "idLookup", "inlineHelpText", "label",
    "length", "mask", "maskType", "name", "nameField", "namePointing", "nillable",
    "permissionable", "picklistValues", "polymorphicForeignKey", "precision",
    "queryByDistance", "referenceTargetField", "referenceTo", "relationshipName",
    "relationshipOrder", "restrictedDelete", "restrictedPicklist", "scale",
    "searchPrefilterable", "soapType", "sortable", "type", "unique", "updateable",
    "writeRequiresMasterRead",
)


def pl(*values, default=None):
    return [{"active": True, "defaultValue": v == default, "label": v,
             "validFor": None, "value": v} for v in values]


def valid_for(indexes):
    """A dependent picklist value's validFor: base64 of a bitmap where bit i
    (most significant bit of the first byte first) is set when the value goes
    with the controlling field's i-th value (false, true for a checkbox)."""
    import base64
    n = max(indexes) // 8 + 1 if indexes else 1
    b = bytearray(n)
    for i in indexes:
        b[i // 8] |= 0x80 >> (i % 8)
    return base64.b64encode(bytes(b)).decode()


def dependent(*entries, controlling):
    """Picklist values (value, controlling value, ...) of a dependent picklist."""
    return [{"active": True, "defaultValue": False, "label": e[0],
             "validFor": valid_for([controlling.index(c) for c in e[1:]]), "value": e[0]}
            for e in entries]


def F(name, type_, label=None, **kw):
    """One describe field with every key present and type-appropriate values."""
    custom = name.endswith("__c")
    length = kw.pop("length", 0)
    if type_ in ("picklist", "multipicklist", "combobox") and not length:
        length = 255
    if type_ in ("id", "reference"):
        length = 18
    if type_ == "email" and not length:
        length = 80
    if type_ == "phone" and not length:
        length = 40
    if type_ == "url" and not length:
        length = 255
    text = type_ in ("string", "picklist", "multipicklist", "combobox", "textarea",
                     "phone", "email", "url", "id", "reference")
    long_text = type_ == "textarea" and length > 255
    f = {
        "aggregatable": not long_text and type_ not in ("address", "location", "boolean"),
        "aiPredictionField": False,
        "autoNumber": False,
        # ids are ASCII: byteLength 18 (recorded Lead describe); text is 3 x length
        "byteLength": 18 if type_ in ("id", "reference") else length * 3 if text else 0,
        "calculated": False,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": True,
        "custom": custom,
        "defaultValue": None,
        "defaultValueFormula": None,
        "defaultedOnCreate": False,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": False,
        "extraTypeInfo": None,
        "filterable": not long_text and type_ not in ("address", "location"),
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": type_ in ("string", "picklist", "combobox", "phone", "email", "url",
                               "id", "reference", "boolean", "date", "int"),
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": type_ == "id",
        "inlineHelpText": None,
        "label": label or name.replace("__c", "").replace("_", " "),
        "length": length,
        "mask": None,
        "maskType": None,
        "name": name,
        "nameField": False,
        "namePointing": False,
        "nillable": True,
        "permissionable": custom or False,
        "picklistValues": [],
        "polymorphicForeignKey": False,
        "precision": 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": [],
        "relationshipName": None,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": False,
        "scale": 0,
        "searchPrefilterable": False,
        "soapType": SOAP[type_],
        "sortable": not long_text and type_ not in ("address", "location", "multipicklist"),
        "type": type_,
        "unique": False,
        "updateable": True,
        "writeRequiresMasterRead": False,
    }
    if type_ == "boolean":
        f["nillable"] = False
        f["defaultedOnCreate"] = True
        f["defaultValue"] = False
    if type_ == "int" and "digits" not in kw:
        f["digits"] = 9
    f.update(kw)
    if f["calculated"] or f["autoNumber"] or type_ in ("id", "address", "location"):
        f["createable"] = f["updateable"] = False
    if f["picklistValues"] and f["defaultValue"] is None:
        for v in f["picklistValues"]:
            if v["defaultValue"]:
                f["defaultValue"] = v["value"]
                f["defaultedOnCreate"] = True
    if f["referenceTo"] and len(f["referenceTo"]) > 1:
        f["polymorphicForeignKey"] = True
        f["namePointing"] = True
    assert tuple(sorted(f)) == FIELD_KEYS, set(f) ^ set(FIELD_KEYS)
    return f


def sysfields(owner=True, owner_refs=("Group", "User"), name=None):
    """Id and the audit fields every object carries."""
    out = [F("Id", "id", label="%s ID" % (name or "Record"), nillable=False,
             defaultedOnCreate=True, createable=False, updateable=False)]
    tail = [
        F("IsDeleted", "boolean", label="Deleted", createable=False, updateable=False),
        F("CreatedDate", "datetime", label="Created Date", nillable=False,
          defaultedOnCreate=True, createable=False, updateable=False),
        F("CreatedById", "reference", label="Created By ID", nillable=False,
          defaultedOnCreate=True, createable=False, updateable=False,
          referenceTo=["User"], relationshipName="CreatedBy"),
        F("LastModifiedDate", "datetime", label="Last Modified Date", nillable=False,
          defaultedOnCreate=True, createable=False, updateable=False),
        F("LastModifiedById", "reference", label="Last Modified By ID", nillable=False,
          defaultedOnCreate=True, createable=False, updateable=False,
          referenceTo=["User"], relationshipName="LastModifiedBy"),
        F("SystemModstamp", "datetime", label="System Modstamp", nillable=False,
          defaultedOnCreate=True, createable=False, updateable=False),
    ]
    if owner:
        tail.insert(0, F("OwnerId", "reference", label="Owner ID", nillable=False,
                         defaultedOnCreate=True, referenceTo=list(owner_refs),
                         relationshipName="Owner"))
    return out, tail


def address_fields(prefix, label):
    p = prefix
    return [
        F(p + "Street", "textarea", label=label + " Street", length=255,
          compoundFieldName=p + "Address" if p else "Address", extraTypeInfo="plaintextarea"),
        F(p + "City", "string", label=label + " City", length=40,
          compoundFieldName=p + "Address" if p else "Address"),
        F(p + "State", "string", label=label + " State/Province", length=80,
          compoundFieldName=p + "Address" if p else "Address"),
        F(p + "PostalCode", "string", label=label + " Zip/Postal Code", length=20,
          compoundFieldName=p + "Address" if p else "Address"),
        F(p + "Country", "string", label=label + " Country", length=80,
          compoundFieldName=p + "Address" if p else "Address"),
        F((p or "") + "Address", "address", label=label + " Address", filterable=True),
    ]


def booking_key(label="Booking Key"):
    return F("Booking_Key__c", "string", label=label, length=80, externalId=True,
             unique=True, idLookup=True, caseSensitive=False)


def provisioning_key():
    """The external id a provisioning run upserts Accounts and Contacts by."""
    return F("Provisioning_Key__c", "string", label="Provisioning Key", length=100,
             externalId=True, unique=True, idLookup=True, caseSensitive=False)


def name_parts():
    return [
        F("LastName", "string", label="Last Name", length=80, nillable=False,
          compoundFieldName="Name", extraTypeInfo="personname"),
        F("FirstName", "string", label="First Name", length=40,
          compoundFieldName="Name", extraTypeInfo="personname"),
        F("Salutation", "picklist", label="Salutation", length=40,
          compoundFieldName="Name", extraTypeInfo="personname",
          picklistValues=pl("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")),
        F("Name", "string", label="Full Name", length=121, nillable=False,
          createable=False, updateable=False, nameField=True, extraTypeInfo="personname"),
    ]


LEAD_STATUS = pl("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted", default="Open - Not Contacted")
LEAD_SOURCE = pl("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRY = pl("Agriculture", "Banking", "Consulting", "Education", "Energy",
              "Healthcare", "Hospitality", "Retail", "Technology", "Other")


def lead():
    head, tail = sysfields(name="Lead")
    fields = head + [
        F("MasterRecordId", "reference", label="Master Record ID", createable=False,
          updateable=False, referenceTo=["Lead"], relationshipName="MasterRecord"),
    ] + name_parts() + [
        F("Title", "string", label="Title", length=128),
        F("Company", "string", label="Company", length=255, nillable=False),
    ] + address_fields("", "") + [
        F("Latitude", "double", label="Latitude", precision=18, scale=15,
          compoundFieldName="Address"),
        F("Longitude", "double", label="Longitude", precision=18, scale=15,
          compoundFieldName="Address"),
        F("Phone", "phone", label="Phone"),
        F("MobilePhone", "phone", label="Mobile Phone"),
        F("Email", "email", label="Email", idLookup=True),
        F("Website", "url", label="Website"),
        F("Description", "textarea", label="Description", length=32000,
          extraTypeInfo="plaintextarea"),
        F("LeadSource", "picklist", label="Lead Source", picklistValues=LEAD_SOURCE),
        F("Status", "picklist", label="Status", nillable=False, picklistValues=LEAD_STATUS),
        F("Industry", "picklist", label="Industry", picklistValues=INDUSTRY),
        F("Rating", "picklist", label="Rating", picklistValues=pl("Hot", "Warm", "Cold")),
        F("AnnualRevenue", "currency", label="Annual Revenue", precision=18, scale=0),
        F("NumberOfEmployees", "int", label="Employees", digits=8),
        F("IsConverted", "boolean", label="Converted", updateable=False),
        F("ConvertedDate", "date", label="Converted Date", createable=False, updateable=False),
        F("ConvertedAccountId", "reference", label="Converted Account ID", createable=False,
          updateable=False, referenceTo=["Account"], relationshipName="ConvertedAccount"),
        F("ConvertedContactId", "reference", label="Converted Contact ID", createable=False,
          updateable=False, referenceTo=["Contact"], relationshipName="ConvertedContact"),
        F("IsUnreadByOwner", "boolean", label="Unread By Owner"),
        F("LastActivityDate", "date", label="Last Activity", createable=False,
          updateable=False),
        booking_key(),
    ] + tail
    return fields


def contact():
    head, tail = sysfields(owner_refs=("User",), name="Contact")
    return head + [
        F("MasterRecordId", "reference", label="Master Record ID", createable=False,
          updateable=False, referenceTo=["Contact"], relationshipName="MasterRecord"),
        F("AccountId", "reference", label="Account ID", referenceTo=["Account"],
          relationshipName="Account"),
    ] + name_parts() + address_fields("Mailing", "Mailing") + [
        F("Phone", "phone", label="Business Phone"),
        F("MobilePhone", "phone", label="Mobile Phone"),
        F("Email", "email", label="Email", idLookup=True),
        F("Title", "string", label="Title", length=128),
        F("Department", "string", label="Department", length=80),
        F("LeadSource", "picklist", label="Lead Source", picklistValues=LEAD_SOURCE),
        F("Birthdate", "date", label="Birthdate"),
        F("Description", "textarea", label="Contact Description", length=32000,
          extraTypeInfo="plaintextarea"),
        F("LastActivityDate", "date", label="Last Activity", createable=False,
          updateable=False),
        provisioning_key(),
    ] + tail


def account():
    head, tail = sysfields(owner_refs=("User",), name="Account")
    return head + [
        F("MasterRecordId", "reference", label="Master Record ID", createable=False,
          updateable=False, referenceTo=["Account"], relationshipName="MasterRecord"),
        F("Name", "string", label="Account Name", length=255, nillable=False,
          nameField=True),
        F("Type", "picklist", label="Account Type",
          picklistValues=pl("Prospect", "Customer - Direct", "Customer - Channel",
                            "Channel Partner / Reseller", "Other")),
        F("ParentId", "reference", label="Parent Account ID", referenceTo=["Account"],
          relationshipName="Parent"),
    ] + address_fields("Billing", "Billing") + [
        F("Phone", "phone", label="Account Phone"),
        F("Website", "url", label="Website"),
        F("Industry", "picklist", label="Industry", picklistValues=INDUSTRY),
        F("AnnualRevenue", "currency", label="Annual Revenue", precision=18, scale=0),
        F("NumberOfEmployees", "int", label="Employees", digits=8),
        F("Description", "textarea", label="Account Description", length=32000,
          extraTypeInfo="plaintextarea"),
        F("LastActivityDate", "date", label="Last Activity", createable=False,
          updateable=False),
        provisioning_key(),
    ] + tail


WHAT_TYPES = ["Account", "Booking__c"]


def event():
    head, tail = sysfields(owner_refs=("Calendar", "User"), name="Activity")
    tail[0]["label"] = "Assigned To ID"
    return head + [
        F("WhoId", "reference", label="Name ID", referenceTo=["Contact", "Lead"],
          relationshipName="Who"),
        F("WhatId", "reference", label="Related To ID", referenceTo=WHAT_TYPES,
          relationshipName="What"),
        F("Subject", "combobox", label="Subject", nameField=True,
          picklistValues=pl("Call", "Email", "Meeting", "Send Letter/Quote", "Other")),
        F("Location", "string", label="Location", length=255),
        F("IsAllDayEvent", "boolean", label="All-Day Event"),
        F("ActivityDateTime", "datetime", label="Due Date Time"),
        F("ActivityDate", "date", label="Due Date Only"),
        F("DurationInMinutes", "int", label="Duration", digits=8),
        F("StartDateTime", "datetime", label="Start Date Time"),
        F("EndDateTime", "datetime", label="End Date Time"),
        F("EndDate", "date", label="End Date Only", createable=False, updateable=False),
        F("Description", "textarea", label="Description", length=32000,
          extraTypeInfo="plaintextarea"),
        F("AccountId", "reference", label="Account ID", createable=False, updateable=False,
          referenceTo=["Account"], relationshipName="Account"),
        F("IsPrivate", "boolean", label="Private"),
        F("ShowAs", "picklist", label="Show Time As", length=40, restrictedPicklist=True,
          picklistValues=pl("Busy", "OutOfOffice", "Free", default="Busy")),
        F("IsChild", "boolean", label="Is Child", createable=False, updateable=False),
        F("IsGroupEvent", "boolean", label="Is Group Event", createable=False,
          updateable=False),
        F("GroupEventType", "picklist", label="Group Event Type", length=40,
          createable=False, updateable=False, restrictedPicklist=True,
          picklistValues=pl("0", "1", "2", "3")),
        F("IsArchived", "boolean", label="Archived", createable=False, updateable=False),
        F("IsReminderSet", "boolean", label="Reminder Set"),
        F("ReminderDateTime", "datetime", label="Reminder Date/Time"),
        F("EventSubtype", "picklist", label="Event Subtype", length=40,
          restrictedPicklist=True, updateable=False, picklistValues=pl("Event")),
        booking_key(),
    ] + tail


def event_relation():
    head, _ = sysfields(owner=False, name="Event Relation")
    _, tail = sysfields(owner=False)
    return head + [
        F("RelationId", "reference", label="Relation ID", nillable=False,
          referenceTo=["Calendar", "Contact", "Lead", "User"], relationshipName="Relation",
          updateable=False),
        F("EventId", "reference", label="Event ID", nillable=False, referenceTo=["Event"],
          relationshipName="Event", updateable=False),
        F("RespondedDate", "datetime", label="Response Date"),
        F("Response", "string", label="Response", length=255),
        F("Status", "picklist", label="Status", length=40, defaultedOnCreate=True,
          picklistValues=pl("New", "Accepted", "Declined", default="New")),
        F("IsInvitee", "boolean", label="Invitee"),
        F("IsParent", "boolean", label="Parent"),
        F("IsWhat", "boolean", label="Is What"),
    ] + tail


def user():
    head, tail = sysfields(owner=False, name="User")
    return head + [
        F("Username", "string", label="Username", length=80, nillable=False, unique=True,
          idLookup=True),
        F("LastName", "string", label="Last Name", length=80, nillable=False,
          compoundFieldName="Name", extraTypeInfo="personname"),
        F("FirstName", "string", label="First Name", length=40,
          compoundFieldName="Name", extraTypeInfo="personname"),
        F("Name", "string", label="Full Name", length=121, nillable=False,
          createable=False, updateable=False, nameField=True, extraTypeInfo="personname"),
        F("CompanyName", "string", label="Company Name", length=80),
        F("Email", "email", label="Email", length=128, nillable=False),
        F("Alias", "string", label="Alias", length=8, nillable=False),
        F("CommunityNickname", "string", label="Nickname", length=40, nillable=False,
          unique=True, idLookup=True),
        F("IsActive", "boolean", label="Active", defaultValue=True),
        F("TimeZoneSidKey", "picklist", label="Time Zone", length=40, nillable=False,
          restrictedPicklist=True,
          picklistValues=pl("Europe/London", "Europe/Berlin", "America/New_York",
                            "America/Los_Angeles", "GMT")),
        F("LocaleSidKey", "picklist", label="Locale", length=40, nillable=False,
          restrictedPicklist=True, picklistValues=pl("en_GB", "en_US", "de_DE")),
        F("EmailEncodingKey", "picklist", label="Email Encoding", length=40,
          nillable=False, restrictedPicklist=True, picklistValues=pl("UTF-8", "ISO-8859-1")),
        F("LanguageLocaleKey", "picklist", label="Language", length=40, nillable=False,
          restrictedPicklist=True, picklistValues=pl("en_US", "de")),
        F("ProfileId", "reference", label="Profile ID", nillable=False,
          referenceTo=["Profile"], relationshipName="Profile"),
        F("UserType", "picklist", label="User Type", length=40, createable=False,
          updateable=False, restrictedPicklist=True, picklistValues=USER_TYPES),
        # an external user's Contact is set when the user is created, never after
        F("ContactId", "reference", label="Contact ID", updateable=False,
          referenceTo=["Contact"], relationshipName="Contact"),
        F("AccountId", "reference", label="Account ID", createable=False,
          updateable=False, referenceTo=["Account"], relationshipName="Account"),
        F("UserRoleId", "reference", label="Role ID", referenceTo=["UserRole"],
          relationshipName="UserRole"),
        provisioning_key(),
        # the provisioning request's meta.lastModified last applied (out-of-order sends)
        F("Provisioned_At__c", "string", label="Provisioned At", length=40),
    ] + tail


# User.UserType and Profile.UserType (Object Reference, User)
USER_TYPES = pl("Standard", "PowerPartner", "PowerCustomerSuccess", "CspLitePortal",
                "CsnOnly")


def profile():
    head, tail = sysfields(owner=False, name="Profile")
    return head + [
        F("Name", "string", label="Name", length=255, nillable=False, nameField=True),
        F("UserType", "picklist", label="User Type", length=40, createable=False,
          updateable=False, restrictedPicklist=True, picklistValues=USER_TYPES),
        F("UserLicenseName", "string", label="User License", length=80, createable=False,
          updateable=False),
    ] + tail


def user_role():
    head, tail = sysfields(owner=False, name="Role")
    return head + [
        F("Name", "string", label="Name", length=80, nillable=False, nameField=True),
        F("DeveloperName", "string", label="Developer Name", length=80, nillable=False),
    ] + tail


def booking():
    head, tail = sysfields(name="Booking")
    return head + [
        F("Name", "string", label="Booking Number", length=80, nillable=False,
          autoNumber=True, defaultedOnCreate=True, nameField=True),
        booking_key(),
        F("Lead__c", "reference", label="Lead", referenceTo=["Lead"],
          relationshipName="Lead__r", relationshipOrder=None),
        F("Status__c", "picklist", label="Status", restrictedPicklist=True,
          picklistValues=pl("Booked", "Rescheduled", "Cancelled")),
        # a controlling picklist and a restricted dependent one: each Office__c
        # value's validFor has the bit of the Region__c values it goes with
        F("Region__c", "picklist", label="Region", restrictedPicklist=True,
          picklistValues=pl("EMEA", "AMER", "APAC")),
        F("Office__c", "picklist", label="Office", restrictedPicklist=True,
          dependentPicklist=True, controllerName="Region__c",
          picklistValues=dependent(("London", "EMEA"), ("Oslo", "EMEA"),
                                   ("New York", "AMER"), ("Tokyo", "APAC"),
                                   ("Remote", "EMEA", "AMER", "APAC"),
                                   controlling=("EMEA", "AMER", "APAC"))),
        F("Notes__c", "textarea", label="Notes", length=32768,
          inlineHelpText="Anything the host should know before the meeting."),
        F("Amount__c", "currency", label="Amount", precision=16, scale=2),
        # field types and properties real describes carry: a time, a
        # geolocation (compound, with its two components), a formula, a
        # default given by a formula
        F("Start_Time__c", "time", label="Start Time"),
        F("Venue__c", "location", label="Venue", displayLocationInDecimal=True),
        F("Venue__Latitude__s", "double", label="Venue (Latitude)", precision=18, scale=15,
          compoundFieldName="Venue__c"),
        F("Venue__Longitude__s", "double", label="Venue (Longitude)", precision=18, scale=15,
          compoundFieldName="Venue__c"),
        F("Amount_Label__c", "string", label="Amount Label", length=1300, calculated=True,
          calculatedFormula="IF(ISBLANK(Amount__c), 'free', TEXT(Amount__c))",
          defaultedOnCreate=False, formulaTreatNullNumberAsZero=False),
        F("Reminder_Days__c", "double", label="Reminder Days", precision=3, scale=0,
          defaultValueFormula="3", defaultedOnCreate=True),
        F("Meeting_Date__c", "date", label="Meeting Date"),
        F("Starts_At__c", "datetime", label="Starts At"),
        F("Internal_Notes__c", "textarea", label="Internal Notes", length=32768),
        # the booking's version as its source numbers it: newest wins
        F("Version__c", "double", label="Version", precision=18, scale=0),
        F("LastActivityDate", "date", label="Last Activity Date", createable=False,
          updateable=False),
    ] + tail


# name -> (keyPrefix, label, labelPlural, builder)
OBJECTS = {
    "Account": ("001", "Account", "Accounts", account),
    "Contact": ("003", "Contact", "Contacts", contact),
    "Lead": ("00Q", "Lead", "Leads", lead),
    "Event": ("00U", "Event", "Events", event),
    "EventRelation": ("0RE", "Event Relation", "Event Relations", event_relation),
    "User": ("005", "User", "Users", user),
    "Booking__c": ("a0B", "Booking", "Bookings", booking),
    "Profile": ("00e", "Profile", "Profiles", profile),
    "UserRole": ("00E", "Role", "Roles", user_role),
}

# Per-user field-level security.  Keys are "Object.Field".
PROFILES = {
    "System Administrator": {"hidden": set(), "readonly": set(), "no_create": set(),
                             "view_all_data": True},
    "Integration User": {
        "hidden": {"Lead.AnnualRevenue", "Lead.Rating", "Booking__c.Internal_Notes__c"},
        "readonly": {"Lead.NumberOfEmployees", "Booking__c.Amount__c"},
        "no_create": {"User"},
    },
}
# Experience Cloud profiles (emu/users.py): what a community user may see and write
COMMUNITY_HIDDEN = {"Account.AnnualRevenue", "Contact.Birthdate", "Lead.AnnualRevenue",
                    "Booking__c.Internal_Notes__c", "Booking__c.Amount__c"}
for _name in ("Customer Community User", "Customer Community Plus User",
              "Partner Community User"):
    PROFILES[_name] = {"hidden": COMMUNITY_HIDDEN, "readonly": {"Account.Name"},
                       "no_create": {"User", "Account", "Lead", "Profile", "UserRole"}}

# Users present in every run (fixtures survive /__emu/reset).  Ids are made
# by emu.ids.make_id('005', n).
USERS = [
    # (n, username, first, last, profile, alias)
    (1, "admin@acme.example", "Ada", "Admin", "System Administrator", "aadmin"),
    (2, "integration@acme.example", "Integration", "User", "Integration User", "integ"),
    (3, "ann.host@acme.example", "Ann", "Host", "System Administrator", "ahost"),
    (4, "bob.host@acme.example", "Bob", "Host", "System Administrator", "bhost"),
]
