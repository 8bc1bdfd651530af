/* SPDX-License-Identifier: ISC */
#include "compat.h"
/* create_lookup: the decisions made from what the org answered (people matched, children reconciled). */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "create_run.h"
#include "plan.h"
#include "testutil.h"

static char *
text_of(const cJSON *v)
{
	char *t = cJSON_PrintUnformatted(v);

	ck_assert_ptr_nonnull(t);
	return t;
}

#define PERSON \
    "{\"id\":\"b\",\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"K__c\"," \
    "\"value\":\"person:pat@x.example\"},\"find\":{\"value\":\"pat@x.example\",\"in\":[" \
    "{\"sobject\":\"Contact\",\"field\":\"Email\"},{\"sobject\":\"Lead\",\"field\":\"Email\"}]," \
    "\"many\":\"%s\",\"fill\":[\"Phone\"]},\"fields\":{\"LastName\":\"P\",\"Phone\":\"+1 5\"}}," \
    "{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{who.id}\"}}]}"

/* Run the find of PERSON with many, the Contact rows c and the Lead rows l. */
static cJSON *
decide(const char *many, const char *c, const char *l, int want, struct sfp_fail *f)
{
	char buf[1024];
	cJSON *plan, *rc = c ? tu_parse(c) : NULL, *rl = l ? tu_parse(l) : NULL;
	const cJSON *found[2];

	snprintf(buf, sizeof buf, PERSON, many);
	plan = tu_parse(buf);
	found[0] = rc;
	found[1] = rl;
	ck_assert_int_eq(sfp_find_decide(plan, cJSON_GetArrayItem(cJSON_GetObjectItem(plan,
	    "records"), 0), found, NULL, f), want);
	cJSON_Delete(rc);
	cJSON_Delete(rl);
	return plan;
}

static const char *
rec_field(const cJSON *plan, int i, const char *a, const char *b)
{
	const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "records"), i);
	const cJSON *v = cJSON_GetObjectItem(r, a);

	if (b)
		v = cJSON_GetObjectItem(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

START_TEST(find_choices)
{
	static const char *two_contacts = "[{\"Id\":\"003A\",\"Email\":\"PAT@x.example\",\"Phone\":null},"
	    "{\"Id\":\"003B\",\"Email\":\"pat@x.example\",\"Phone\":\"1\"}]";
	struct sfp_fail f;
	cJSON *p;

	/* nothing found: the record stays a create/upsert, its find gone */
	p = decide("first", "[]", "[{\"Id\":\"00QZ\",\"Email\":\"other@x.example\"}]", 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "upsert", "field"), "K__c");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "records"),
	    0), "find"));
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "@{who.id}");
	cJSON_Delete(p);
	/* two Contacts, first: the oldest (first row), the email compared without case;
	 * its empty Phone is filled by an update by id; the Event names it */
	p = decide("first", two_contacts, NULL, 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "method", NULL), "update");
	ck_assert_str_eq(rec_field(p, 0, "id", NULL), "003A");
	ck_assert_str_eq(rec_field(p, 0, "sobject", NULL), "Contact");
	ck_assert_str_eq(rec_field(p, 0, "fields", "Phone"), "+1 5");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(p, "records"), 0), "fields"), "LastName"));
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "003A");
	cJSON_Delete(p);
	/* refuse */
	p = decide("refuse", two_contacts, NULL, -1, &f);
	ck_assert_str_eq(f.code, "ambiguous-match");
	ck_assert_str_eq(f.ref, "who");
	cJSON_Delete(p);
	/* create: as if none matched (the Lead list is not read either) */
	p = decide("create", two_contacts, "[{\"Id\":\"00QA\",\"Email\":\"pat@x.example\"}]", 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "upsert", "field"), "K__c");
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "@{who.id}");
	cJSON_Delete(p);
	/* no Contact; a Lead with its Phone: left alone */
	p = decide("first", "[]", "[{\"Id\":\"00QA\",\"Email\":\"pat@x.example\",\"Phone\":\"2\","
	    "\"IsConverted\":false,\"ConvertedContactId\":null}]", 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "method", NULL), "none");
	ck_assert_str_eq(rec_field(p, 0, "sobject", NULL), "Lead");
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "00QA");
	cJSON_Delete(p);
	/* a converted Lead: its Contact */
	p = decide("first", "[]", "[{\"Id\":\"00QA\",\"Email\":\"pat@x.example\",\"Phone\":null,"
	    "\"IsConverted\":true,\"ConvertedContactId\":\"003C\"}]", 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "method", NULL), "none");
	ck_assert_str_eq(rec_field(p, 0, "sobject", NULL), "Contact");
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "003C");
	cJSON_Delete(p);
}
END_TEST

static const char *GUESTS =
    "{\"id\":\"b\",\"records\":[{\"ref\":\"event\",\"sobject\":\"Event\",\"upsert\":{\"field\":"
    "\"K__c\",\"value\":\"b\"},\"fields\":{}},{\"ref\":\"g\",\"sobject\":\"EventRelation\","
    "\"method\":\"reconcile\",\"parent\":{\"ref\":\"event\",\"field\":\"EventId\"},\"match\":"
    "\"RelationId\",\"want\":[\"005A\",\"005B\",\"005B\"],\"fields\":{\"Status\":\"New\"}}]}";

START_TEST(reconcile_diff)
{
	struct sfp_fail f;
	cJSON *p = tu_parse(GUESTS), *kids;
	char *t;

	/* a new parent: every wanted child (once) is created under @{event.id} */
	ck_assert_int_eq(sfp_reconcile_expand(p, 1, NULL, NULL, &f), 0);
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	t = text_of(cJSON_GetObjectItem(p, "records"));
	ck_assert_str_eq(t, "[{\"ref\":\"event\",\"sobject\":\"Event\",\"upsert\":{\"field\":\"K__c\","
	    "\"value\":\"b\"},\"fields\":{}},{\"ref\":\"g__a0\",\"sobject\":\"EventRelation\","
	    "\"fields\":{\"Status\":\"New\",\"EventId\":\"@{event.id}\",\"RelationId\":\"005A\"}},"
	    "{\"ref\":\"g__a1\",\"sobject\":\"EventRelation\",\"fields\":{\"Status\":\"New\","
	    "\"EventId\":\"@{event.id}\",\"RelationId\":\"005B\"}}]");
	free(t);
	cJSON_Delete(p);
	/* an existing parent: 005A kept, 005C and a second 005A deleted, 005B added;
	 * children of another event are not touched */
	p = tu_parse(GUESTS);
	kids = tu_parse("[{\"Id\":\"0RE1\",\"EventId\":\"00UE\",\"RelationId\":\"005A\"},"
	    "{\"Id\":\"0RE2\",\"EventId\":\"00UE\",\"RelationId\":\"005C\"},"
	    "{\"Id\":\"0RE3\",\"EventId\":\"00UE\",\"RelationId\":\"005A\"},"
	    "{\"Id\":\"0RE4\",\"EventId\":\"00UX\",\"RelationId\":\"005C\"}]");
	ck_assert_int_eq(sfp_reconcile_expand(p, 1, "00UE", kids, &f), 0);
	t = text_of(cJSON_GetObjectItem(p, "records"));
	ck_assert_str_eq(t, "[{\"ref\":\"event\",\"sobject\":\"Event\",\"upsert\":{\"field\":\"K__c\","
	    "\"value\":\"b\"},\"fields\":{}},{\"ref\":\"g__d0\",\"sobject\":\"EventRelation\","
	    "\"method\":\"delete\",\"id\":\"0RE2\"},{\"ref\":\"g__d1\",\"sobject\":\"EventRelation\","
	    "\"method\":\"delete\",\"id\":\"0RE3\"},{\"ref\":\"g__a0\",\"sobject\":\"EventRelation\","
	    "\"fields\":{\"Status\":\"New\",\"EventId\":\"@{event.id}\",\"RelationId\":\"005B\"}}]");
	free(t);
	cJSON_Delete(p);
	/* nothing wanted: every child of the event goes; all there: nothing to do */
	p = tu_parse(GUESTS);
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "records"), 1), "want",
	    cJSON_CreateArray());
	ck_assert_int_eq(sfp_reconcile_expand(p, 1, "00UE", kids, &f), 0);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "records")), 4);
	cJSON_Delete(p);
	p = tu_parse(GUESTS);
	cJSON_DeleteItemFromArray(kids, 1);
	cJSON_DeleteItemFromArray(kids, 1);
	cJSON_AddItemToArray(kids, tu_parse("{\"Id\":\"0RE5\",\"EventId\":\"00UE\",\"RelationId\":\"005B\"}"));
	ck_assert_int_eq(sfp_reconcile_expand(p, 1, "00UE", kids, &f), 0);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "records")), 1);
	cJSON_Delete(p);
	cJSON_Delete(kids);
}
END_TEST

/* A person by a Salesforce id the booking carries (Contact, then Lead), else by email. */
#define BY_ID \
    "{\"id\":\"b\",\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"K__c\"," \
    "\"value\":\"person:pat@x.example\"},\"find\":{\"value\":\"pat@x.example\",\"in\":[" \
    "{\"sobject\":\"Contact\",\"field\":\"Id\",\"value\":\"%s\"},{\"sobject\":\"Lead\",\"field\":" \
    "\"Id\",\"value\":\"%s\"},{\"sobject\":\"Contact\",\"field\":\"Email\"}]},\"fields\":{" \
    "\"LastName\":\"P\"}},{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{who.id}\"}}]}"

/* The WhoId the Event ends with when the booking carries id and the org has
 * the Contact rows c, the Lead rows l and the Contact rows by email e. */
static char *
by_id(const char *id, const char *c, const char *l, const char *e)
{
	char buf[2048];
	cJSON *plan, *rows[3] = { tu_parse(c), tu_parse(l), tu_parse(e) };
	const cJSON *found[3] = { rows[0], rows[1], rows[2] };
	struct sfp_fail f;
	char *who;

	snprintf(buf, sizeof buf, BY_ID, id, id);
	plan = tu_parse(buf);
	ck_assert_int_eq(sfp_find_decide(plan, cJSON_GetArrayItem(cJSON_GetObjectItem(plan,
	    "records"), 0), found, NULL, &f), 0);
	who = strdup(rec_field(plan, 1, "fields", "WhoId"));
	ck_assert_ptr_nonnull(who);
	cJSON_Delete(plan);
	cJSON_Delete(rows[0]);
	cJSON_Delete(rows[1]);
	cJSON_Delete(rows[2]);
	return who;
}

START_TEST(find_by_id)
{
	static const char *email = "[{\"Id\":\"003000000000009AAA\",\"Email\":\"pat@x.example\"}]";
	static const struct { const char *id, *contacts, *leads, *by_email, *who; } cases[] = {
		/* a valid id of a Contact: that Contact (its 15 characters match the row's 18) */
		{ "003000000000001", "[{\"Id\":\"003000000000001AAA\"}]", "[]", NULL, "003000000000001AAA" },
		/* a Lead's id: not among the Contacts, found among the Leads */
		{ "00Q000000000001EAA", "[]", "[{\"Id\":\"00Q000000000001EAA\",\"IsConverted\":false}]",
		  NULL, "00Q000000000001EAA" },
		/* the id of a deleted record, or of another object (an Account): the
		 * queries find nothing by id, so the email decides */
		{ "001000000000001AAA", "[]", "[]", NULL, "003000000000009AAA" },
		/* a malformed id (a wrong checksum, a wrong length, a character that
		 * is not alphanumeric) is not looked for, even were a row to carry it */
		{ "003000000000001AAB", "[{\"Id\":\"003000000000001AAB\"}]", "[]", NULL,
		  "003000000000009AAA" },
		{ "0030000000001", "[{\"Id\":\"0030000000001\"}]", "[]", NULL, "003000000000009AAA" },
		{ "003000000000001'A", "[{\"Id\":\"003000000000001'A\"}]", "[]", NULL,
		  "003000000000009AAA" },
		/* no id matched, no email: the record stays a create */
		{ "003000000000002", "[]", "[]", "[]", "@{who.id}" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *w = by_id(cases[i].id, cases[i].contacts, cases[i].leads,
		    cases[i].by_email ? cases[i].by_email : email);

		ck_assert_str_eq(w, cases[i].who);
		free(w);
	}
}
END_TEST

#define UNDER_ACCOUNT \
    "{\"id\":\"b\",\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"K__c\"," \
    "\"value\":\"person:pat@acme.example\"},\"find\":{\"value\":\"Pat@Acme.Example\",\"in\":[" \
    "{\"sobject\":\"Contact\",\"field\":\"Email\"}],\"many\":\"%s\",\"account\":{\"sobject\":" \
    "\"Contact\",\"field\":\"AccountId\",\"upsert\":{\"field\":\"K__c\",\"value\":\"person:pat\"}," \
    "\"fields\":{\"LastName\":\"P\",\"Email\":\"pat@acme.example\"}}},\"fields\":{\"LastName\":" \
    "\"P\",\"Company\":\"Acme\"}},{\"ref\":\"ev\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":" \
    "\"@{who.id}\",\"WhatId\":\"a01\"}}]}"

static cJSON *
account(const char *many, const char *contacts, const char *accounts, int want, struct sfp_fail *f)
{
	char buf[2048];
	cJSON *plan, *c = tu_parse(contacts), *a = accounts ? tu_parse(accounts) : NULL;
	const cJSON *found[1] = { c };

	snprintf(buf, sizeof buf, UNDER_ACCOUNT, many);
	plan = tu_parse(buf);
	ck_assert_int_eq(sfp_find_decide(plan, cJSON_GetArrayItem(cJSON_GetObjectItem(plan,
	    "records"), 0), found, a, f), want);
	cJSON_Delete(c);
	cJSON_Delete(a);
	return plan;
}

START_TEST(contact_under_account)
{
	static const char *two = "[{\"Id\":\"001000000000001AAA\",\"Website\":\"https://www.ACME.example\"},"
	    "{\"Id\":\"001000000000002AAA\",\"Website\":\"acme.example\"},"
	    "{\"Id\":\"001000000000003AAA\",\"Website\":\"https://acme.example.org\"}]";
	struct sfp_fail f;
	char d[64];
	cJSON *p;
	char *t;

	/* no person; an Account whose Website is the domain (any of the six forms,
	 * any case): the record becomes its Contact, upserted by its own key, with
	 * AccountId, and keeps its ref so the Event's WhoId still names it */
	p = account("first", "[]", two, 0, &f);
	t = text_of(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "records"), 0));
	ck_assert_str_eq(t, "{\"ref\":\"who\",\"sobject\":\"Contact\",\"upsert\":{\"field\":\"K__c\","
	    "\"value\":\"person:pat\"},\"fields\":{\"LastName\":\"P\",\"Email\":\"pat@acme.example\","
	    "\"AccountId\":\"001000000000001AAA\"}}");
	free(t);
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "@{who.id}");
	cJSON_Delete(p);
	/* two Accounts of the domain: refuse fails the plan, create makes the Lead */
	p = account("refuse", "[]", two, -1, &f);
	ck_assert_str_eq(f.code, "ambiguous-account");
	ck_assert_str_eq(f.ref, "who");
	cJSON_Delete(p);
	p = account("create", "[]", two, 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "sobject", NULL), "Lead");
	ck_assert_str_eq(rec_field(p, 0, "fields", "Company"), "Acme");
	cJSON_Delete(p);
	/* no Account of the domain (a longer domain is another one): the Lead */
	p = account("first", "[]", "[{\"Id\":\"001000000000003AAA\",\"Website\":"
	    "\"https://acme.example.org\"}]", 0, &f);
	ck_assert_str_eq(rec_field(p, 0, "sobject", NULL), "Lead");
	ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "records"),
	    0), "find"));
	cJSON_Delete(p);
	/* a person found comes first: the Account is not used */
	p = account("first", "[{\"Id\":\"003000000000009AAA\",\"Email\":\"pat@acme.example\"}]", two,
	    0, &f);
	ck_assert_str_eq(rec_field(p, 0, "method", NULL), "none");
	ck_assert_str_eq(rec_field(p, 1, "fields", "WhoId"), "003000000000009AAA");
	cJSON_Delete(p);
	/* the domain of an email */
	ck_assert_int_eq(sfp_find_domain("Pat@Mail.ACME.example", d, sizeof d), 0);
	ck_assert_str_eq(d, "mail.acme.example");
	ck_assert_int_eq(sfp_find_domain("a@b@acme.example", d, sizeof d), 0);
	ck_assert_str_eq(d, "acme.example");
	ck_assert_int_eq(sfp_find_domain("pat@localhost", d, sizeof d), -1);
	ck_assert_int_eq(sfp_find_domain("pat@", d, sizeof d), -1);
	ck_assert_int_eq(sfp_find_domain("pat@acme..example", d, sizeof d), -1);
	ck_assert_int_eq(sfp_find_domain("pat@acme.example'", d, sizeof d), -1);
	ck_assert_int_eq(sfp_find_domain("pat@.acme.example", d, sizeof d), -1);
	ck_assert_int_eq(sfp_find_domain("pat@acme.example", d, 8), -1);
}
END_TEST

Suite *suite_create_lookup(void);

Suite *
suite_create_lookup(void)
{
	Suite *s = suite_create("create_lookup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, find_choices);
	tcase_add_test(tc, reconcile_diff);
	tcase_add_test(tc, find_by_id);
	tcase_add_test(tc, contact_under_account);
	suite_add_tcase(s, tc);
	return s;
}
