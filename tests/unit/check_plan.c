/* SPDX-License-Identifier: ISC */
#include "compat.h"
/* The plan module: the check, packing, graph bodies and reading graph responses. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "testutil.h"

/* A plan of k records: Lead upserted, then k-1 Events referring to it. */
static cJSON *
plan_k(int n, int k, int upsert_all)
{
	char buf[8192];
	int len, i;

	len = snprintf(buf, sizeof buf, "{\"id\":\"b%d\",\"records\":[{\"ref\":\"lead\","
	    "\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"b %d/x\"},"
	    "\"fields\":{\"LastName\":\"L\",\"Booking_Key__c\":\"b%d\"}}", n, n, n);
	for (i = 1; i < k; i++)
		len += snprintf(buf + len, sizeof buf - (size_t)len, ",{\"ref\":\"e%d\","
		    "\"sobject\":\"Event\",%s\"fields\":{\"WhoId\":\"@{lead.id}\","
		    "\"Description\":\"see @{lead.id} and @{x\"}}", i,
		    upsert_all ? "\"upsert\":{\"field\":\"K__c\",\"value\":7}," : "");
	snprintf(buf + len, sizeof buf - (size_t)len, "]}");
	return tu_parse(buf);
}

START_TEST(check_accepts_good_plan)
{
	struct sfp_fail f;
	cJSON *p = plan_k(1, 3, 0);

	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	ck_assert_uint_eq(sfp_plan_nodes(p), 3);
	ck_assert_int_eq(sfp_plan_resend_safe(p), 0);
	cJSON_Delete(p);
	p = plan_k(1, 2, 1);
	ck_assert_int_eq(sfp_plan_resend_safe(p), 1);
	cJSON_Delete(p);
}
END_TEST

START_TEST(check_refuses_bad_plans)
{
	static const char *bad[] = {
		"[]",
		"{\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}}]}",
		"{\"id\":\"\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}}]}",
		"{\"id\":\"x\",\"records\":[]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a.b\",\"sobject\":\"Lead\",\"fields\":{}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Le ad\",\"fields\":{}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":[]}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}},"
		    "{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":"
		    "{\"WhoId\":\"@{b.id}\"}},{\"ref\":\"b\",\"sobject\":\"Lead\",\"fields\":{}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{},"
		    "\"upsert\":{\"field\":\"K__c\",\"value\":\"\"}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":"
		    "{\"bad name\":1}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		    "\"sobject\":\"Lead\",\"fields\":{}}]}",
	};
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *p = tu_parse(bad[i]);

		sfp_fail_clear(&f);
		ck_assert_msg(sfp_plan_check(p, &f) == SFP_E_ITEM, "accepted: %s", bad[i]);
		ck_assert_str_eq(f.code, "bad-plan");
		ck_assert_ptr_null(strchr(f.message, '\n'));
		cJSON_Delete(p);
	}
}
END_TEST

START_TEST(check_refuses_deep_chain)
{
	char buf[8192];
	int len = snprintf(buf, sizeof buf, "{\"id\":1,\"records\":[{\"ref\":\"r0\","
	    "\"sobject\":\"Lead\",\"fields\":{}}");
	struct sfp_fail f;
	cJSON *p;
	int i;

	for (i = 1; i < 16; i++)
		len += snprintf(buf + len, sizeof buf - (size_t)len, ",{\"ref\":\"r%d\","
		    "\"sobject\":\"Lead\",\"fields\":{\"X__c\":\"@{r%d.id}\"}}", i, i - 1);
	snprintf(buf + len, sizeof buf - (size_t)len, "]}");
	p = tu_parse(buf);
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.ref, "r15");
	cJSON_Delete(p);
}
END_TEST

/* 1,000 plans of 3 records: 166 whole plans fit in 500 nodes, so 7 requests,
 * each within 75 graphs and 500 nodes. */
START_TEST(pack_reaches_floor)
{
	enum { N = 1000 };
	cJSON *plans[N];
	size_t req_of[N], graph_of[N], nreq, i, nodes[8] = { 0 }, maxg[8] = { 0 };

	for (i = 0; i < N; i++)
		plans[i] = plan_k((int)i, 3, 0);
	sfp_plan_pack((const cJSON *const *)plans, NULL, N, req_of, graph_of, &nreq);
	ck_assert_uint_eq(nreq, 7);
	for (i = 0; i < N; i++) {
		ck_assert_uint_lt(req_of[i], 7);
		if (i)
			ck_assert_uint_ge(req_of[i], req_of[i - 1]);
		nodes[req_of[i]] += 3;
		if (graph_of[i] + 1 > maxg[req_of[i]])
			maxg[req_of[i]] = graph_of[i] + 1;
	}
	for (i = 0; i < 7; i++) {
		ck_assert_uint_le(nodes[i], SFP_GRAPH_MAX_NODES);
		ck_assert_uint_le(maxg[i], SFP_GRAPH_MAX_GRAPHS);
	}
	ck_assert_uint_eq(nodes[0], 498);
	ck_assert_uint_eq(maxg[0], 75);
	for (i = 0; i < N; i++)
		cJSON_Delete(plans[i]);
}
END_TEST

START_TEST(pack_small_one_graph_each_and_solo)
{
	cJSON *plans[4];
	unsigned char solo[4] = { 0, 0, 1, 0 };
	size_t req_of[4], graph_of[4], nreq, i;

	for (i = 0; i < 4; i++)
		plans[i] = plan_k((int)i, 2, 0);
	sfp_plan_pack((const cJSON *const *)plans, NULL, 4, req_of, graph_of, &nreq);
	ck_assert_uint_eq(nreq, 1);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(graph_of[i], i);
	sfp_plan_pack((const cJSON *const *)plans, solo, 4, req_of, graph_of, &nreq);
	ck_assert_uint_eq(nreq, 3);
	ck_assert_uint_eq(req_of[1], 0);
	ck_assert_uint_eq(req_of[2], 1);
	ck_assert_uint_eq(req_of[3], 2);
	for (i = 0; i < 4; i++)
		cJSON_Delete(plans[i]);
}
END_TEST

START_TEST(pack_respects_kind_limit)
{
	cJSON *plans[20];
	size_t req_of[20], graph_of[20], nreq, i;
	char buf[256];

	for (i = 0; i < 20; i++) {
		snprintf(buf, sizeof buf, "{\"id\":1,\"records\":[{\"ref\":\"a\",\"sobject\":"
		    "\"Obj%zu__c\",\"fields\":{}}]}", i);
		plans[i] = tu_parse(buf);
	}
	sfp_plan_pack((const cJSON *const *)plans, NULL, 20, req_of, graph_of, &nreq);
	ck_assert_uint_eq(nreq, 2);
	ck_assert_uint_eq(req_of[14], 0);
	ck_assert_uint_eq(req_of[15], 1);
	for (i = 0; i < 20; i++)
		cJSON_Delete(plans[i]);
}
END_TEST

START_TEST(body_prefixes_refs_and_encodes_keys)
{
	cJSON *plans[2] = { plan_k(1, 2, 0), plan_k(2, 2, 0) };
	size_t num[2] = { 41, 42 }, graph_of[2] = { 0, 0 };
	cJSON *b = sfp_graph_body("/services/data/v62.0", (const cJSON *const *)plans, num,
	    graph_of, 2);
	char *s;

	ck_assert_ptr_nonnull(b);
	s = cJSON_PrintUnformatted(b);
	ck_assert_ptr_nonnull(strstr(s, "{\"graphs\":[{\"graphId\":\"g0\",\"compositeRequest\":["
	    "{\"method\":\"PATCH\",\"url\":\"/services/data/v62.0/sobjects/Lead/Booking_Key__c/"
	    "b%201%2Fx\",\"referenceId\":\"p41_lead\",\"body\":{\"LastName\":\"L\"}}"));
	ck_assert_ptr_nonnull(strstr(s, "{\"method\":\"POST\",\"url\":\"/services/data/v62.0/"
	    "sobjects/Event\",\"referenceId\":\"p41_e1\",\"body\":{\"WhoId\":\"@{p41_lead.id}\","
	    "\"Description\":\"see @{p41_lead.id} and @{x\"}}"));
	ck_assert_ptr_nonnull(strstr(s, "\"referenceId\":\"p42_lead\""));
	ck_assert_ptr_nonnull(strstr(s, "@{p42_lead.id}"));
	ck_assert_ptr_null(strstr(s, "\"Booking_Key__c\":"));
	free(s);
	cJSON_Delete(b);
	cJSON_Delete(plans[0]);
	cJSON_Delete(plans[1]);
}
END_TEST

static const char *ok_resp =
    "{\"graphs\":[{\"graphId\":\"g0\",\"isSuccessful\":true,\"graphResponse\":"
    "{\"compositeResponse\":["
    "{\"body\":{\"id\":\"00Q000000000001\",\"success\":true,\"errors\":[],\"created\":false},"
    "\"httpHeaders\":{},\"httpStatusCode\":200,\"referenceId\":\"p3_lead\"},"
    "{\"body\":{\"id\":\"00U000000000001\",\"success\":true,\"errors\":[]},"
    "\"httpHeaders\":{},\"httpStatusCode\":201,\"referenceId\":\"p3_e1\"},"
    "{\"body\":[{\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"m\"}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p5_lead\"}]}},"
    "{\"graphId\":\"g1\",\"isSuccessful\":false,\"graphResponse\":{\"compositeResponse\":["
    "{\"body\":[{\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"m\"}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p5_lead\"},"
    "{\"body\":[{\"errorCode\":\"REQUIRED_FIELD_MISSING\",\"message\":\"Required fields are "
    "missing: [Subject]\",\"fields\":[\"Subject\",\"X\"]}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p5_e1\"},"
    "{\"body\":[{\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"m\"}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p7_lead\"},"
    "{\"body\":[{\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"m\"}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p7_e1\"}]}},"
    "{\"graphId\":\"g2\",\"isSuccessful\":false,\"graphResponse\":{\"compositeResponse\":["
    "{\"body\":[{\"errorCode\":\"UNABLE_TO_LOCK_ROW\",\"message\":\"unable\"}],"
    "\"httpStatusCode\":400,\"referenceId\":\"p9_lead\"}]}}]}";

START_TEST(read_splits_outcomes)
{
	cJSON *plans[5] = { plan_k(3, 2, 0), plan_k(5, 2, 0), plan_k(7, 2, 0), plan_k(9, 2, 0),
	    plan_k(11, 2, 0) };
	size_t num[5] = { 3, 5, 7, 9, 11 }, i;
	enum sfp_outcome out[5];
	cJSON *records[5], *resp = tu_parse(ok_resp);
	struct sfp_fail fails[5];
	char *s;

	ck_assert_int_eq(sfp_graph_read(resp, (const cJSON *const *)plans, num, 5, out, records,
	    fails), SFP_OK);
	ck_assert_int_eq(out[0], SFP_OUT_OK);
	s = cJSON_PrintUnformatted(records[0]);
	ck_assert_str_eq(s, "{\"lead\":{\"id\":\"00Q000000000001\",\"created\":false},"
	    "\"e1\":{\"id\":\"00U000000000001\",\"created\":true}}");
	free(s);
	ck_assert_int_eq(out[1], SFP_OUT_FAILED);
	ck_assert_str_eq(fails[1].code, "REQUIRED_FIELD_MISSING");
	ck_assert_str_eq(fails[1].ref, "e1");
	ck_assert_str_eq(fails[1].fields, "Subject,X");
	ck_assert_str_eq(fails[1].message, "Required fields are missing: [Subject]");
	ck_assert_int_eq(out[2], SFP_OUT_RESEND);
	ck_assert_int_eq(out[3], SFP_OUT_TRANSIENT);
	ck_assert_str_eq(fails[3].code, "UNABLE_TO_LOCK_ROW");
	ck_assert_int_eq(out[4], SFP_OUT_TRANSIENT);   /* not in the response at all */
	for (i = 0; i < 5; i++) {
		ck_assert(i == 0 || records[i] == NULL);
		cJSON_Delete(records[i]);
		cJSON_Delete(plans[i]);
	}
	cJSON_Delete(resp);
	resp = tu_parse("[{\"errorCode\":\"X\"}]");
	ck_assert_int_eq(sfp_graph_read(resp, (const cJSON *const *)plans, num, 0, out, records,
	    fails), SFP_E_INPUT);
	cJSON_Delete(resp);
}
END_TEST

START_TEST(daily_limit_told_by_message)
{
	ck_assert_int_eq(sfp_graph_is_daily_limit("REQUEST_LIMIT_EXCEEDED",
	    "TotalRequests Limit exceeded."), 1);
	ck_assert_int_eq(sfp_graph_is_daily_limit("REQUEST_LIMIT_EXCEEDED",
	    "ConcurrentPerOrgLongTxn Limit exceeded."), 0);
	ck_assert_int_eq(sfp_graph_is_daily_limit("UNABLE_TO_LOCK_ROW", "x"), 0);
}
END_TEST


/* Each method's record: what the check refuses, and what the graph body says. */
START_TEST(check_methods)
{
	static const char *bad[] = {
		/* an update without a key */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"update\","
		    "\"fields\":{\"ShowAs\":\"Free\"}}]}",
		/* an update with both id and key */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"update\","
		    "\"id\":\"00U000000000001\",\"key\":{\"field\":\"K__c\",\"value\":\"k\"},"
		    "\"fields\":{}}]}",
		/* a delete with fields */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"delete\","
		    "\"key\":{\"field\":\"K__c\",\"value\":\"k\"},\"fields\":{\"ShowAs\":\"Free\"}}]}",
		/* a create with a key */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"create\","
		    "\"key\":{\"field\":\"K__c\",\"value\":\"k\"},\"fields\":{}}]}",
		/* "upsert" on a delete */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"delete\","
		    "\"upsert\":{\"field\":\"K__c\",\"value\":\"k\"}}]}",
		/* an unknown method */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"merge\","
		    "\"fields\":{}}]}",
		/* an id that is neither a salesforce id nor a reference */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Event\",\"method\":\"delete\","
		    "\"id\":\"../../Account/001\"}]}",
		/* a reference to a record left alone, or deleted */
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"method\":\"none\"},"
		    "{\"ref\":\"b\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{a.id}\"}}]}",
		"{\"id\":\"x\",\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"method\":\"delete\","
		    "\"id\":\"00Q000000000001\"},{\"ref\":\"b\",\"sobject\":\"Event\",\"method\":"
		    "\"update\",\"id\":\"@{a.id}\",\"fields\":{}}]}",
	};
	const char *good = "{\"id\":\"x\",\"records\":["
	    "{\"ref\":\"n\",\"sobject\":\"Lead\",\"method\":\"none\"},"
	    "{\"ref\":\"b\",\"sobject\":\"Booking__c\",\"upsert\":{\"field\":\"K__c\",\"value\":\"k 1\"},"
	    "\"fields\":{\"Status__c\":\"Cancelled\"}},"
	    "{\"ref\":\"e\",\"sobject\":\"Event\",\"method\":\"update\",\"key\":{\"field\":\"K__c\","
	    "\"value\":\"k 1\"},\"fields\":{\"ShowAs\":\"Free\",\"WhatId\":\"@{b.id}\"}},"
	    "{\"ref\":\"u\",\"sobject\":\"Booking__c\",\"method\":\"update\",\"id\":\"@{b.id}\","
	    "\"fields\":{\"Notes__c\":\"n\"}},"
	    "{\"ref\":\"d\",\"sobject\":\"EventRelation\",\"method\":\"delete\","
	    "\"id\":\"0RE000000000001\"},"
	    "{\"ref\":\"k\",\"sobject\":\"Event\",\"method\":\"delete\",\"key\":{\"field\":\"K__c\","
	    "\"value\":\"k/2\"},\"fields\":{}}]}";
	struct sfp_fail f;
	size_t i, num = 4, graph = 0;
	cJSON *p, *body;
	const cJSON *nodes, *n;
	char *txt;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = tu_parse(bad[i]);
		ck_assert_msg(sfp_plan_check(p, &f) == SFP_E_ITEM, "accepted %s", bad[i]);
		ck_assert_str_eq(f.code, "bad-plan");
		cJSON_Delete(p);
	}
	p = tu_parse(good);
	ck_assert_msg(sfp_plan_check(p, &f) == SFP_OK, "%s", f.message);
	ck_assert_uint_eq(sfp_plan_nodes(p), 5);   /* the one left alone is not sent */
	ck_assert_int_eq(sfp_plan_resend_safe(p), 0);   /* it deletes */
	body = sfp_graph_body("/services/data/v62.0", (const cJSON *const *)&p, &num, &graph, 1);
	nodes = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(body, "graphs"), 0),
	    "compositeRequest");
	ck_assert_int_eq(cJSON_GetArraySize(nodes), 5);
	n = cJSON_GetArrayItem(nodes, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(n, "method")->valuestring, "PATCH");
	ck_assert_str_eq(cJSON_GetObjectItem(n, "url")->valuestring,
	    "/services/data/v62.0/sobjects/Event/K__c/k%201");
	txt = cJSON_PrintUnformatted(cJSON_GetObjectItem(n, "body"));
	ck_assert_str_eq(txt, "{\"ShowAs\":\"Free\",\"WhatId\":\"@{p4_b.id}\"}");
	free(txt);
	n = cJSON_GetArrayItem(nodes, 2);
	ck_assert_str_eq(cJSON_GetObjectItem(n, "url")->valuestring,
	    "/services/data/v62.0/sobjects/Booking__c/@{p4_b.id}");
	n = cJSON_GetArrayItem(nodes, 3);
	ck_assert_str_eq(cJSON_GetObjectItem(n, "method")->valuestring, "DELETE");
	ck_assert_str_eq(cJSON_GetObjectItem(n, "url")->valuestring,
	    "/services/data/v62.0/sobjects/EventRelation/0RE000000000001");
	ck_assert_ptr_null(cJSON_GetObjectItem(n, "body"));
	n = cJSON_GetArrayItem(nodes, 4);
	ck_assert_str_eq(cJSON_GetObjectItem(n, "url")->valuestring,
	    "/services/data/v62.0/sobjects/Event/K__c/k%2F2");
	cJSON_Delete(body);
	cJSON_Delete(p);
	/* only updates and upserts: safe to send again */
	p = tu_parse("{\"id\":\"x\",\"records\":[{\"ref\":\"e\",\"sobject\":\"Event\",\"method\":"
	    "\"update\",\"id\":\"00U000000000001\",\"fields\":{\"ShowAs\":\"Free\"}},"
	    "{\"ref\":\"n\",\"sobject\":\"Lead\",\"method\":\"none\"}]}");
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	ck_assert_int_eq(sfp_plan_resend_safe(p), 1);
	cJSON_Delete(p);
	p = tu_parse("{\"id\":\"x\",\"records\":[{\"ref\":\"n\",\"sobject\":\"Lead\",\"method\":\"none\"}]}");
	ck_assert_int_eq(sfp_plan_check(p, &f), SFP_OK);
	ck_assert_uint_eq(sfp_plan_nodes(p), 0);
	cJSON_Delete(p);
}
END_TEST

/* A successful update or delete answers 204 with no body: the id is the plan's. */
START_TEST(read_update_and_delete)
{
	const char *plan = "{\"id\":\"x\",\"records\":["
	    "{\"ref\":\"e\",\"sobject\":\"Event\",\"method\":\"update\",\"id\":\"00U000000000001\","
	    "\"fields\":{\"ShowAs\":\"Free\"}},"
	    "{\"ref\":\"d\",\"sobject\":\"EventRelation\",\"method\":\"delete\","
	    "\"id\":\"0RE000000000001\"}]}";
	const char *resp = "{\"graphs\":[{\"graphId\":\"g0\",\"isSuccessful\":true,\"graphResponse\":"
	    "{\"compositeResponse\":[{\"referenceId\":\"p1_e\",\"httpStatusCode\":204,\"body\":null},"
	    "{\"referenceId\":\"p1_d\",\"httpStatusCode\":204,\"body\":null}]}}]}";
	cJSON *p = tu_parse(plan), *r = tu_parse(resp), *records = NULL;
	size_t num = 1;
	enum sfp_outcome out;
	struct sfp_fail f;
	char *txt;

	ck_assert_int_eq(sfp_graph_read(r, (const cJSON *const *)&p, &num, 1, &out, &records, &f),
	    SFP_OK);
	ck_assert_int_eq(out, SFP_OUT_OK);
	txt = cJSON_PrintUnformatted(records);
	ck_assert_str_eq(txt, "{\"e\":{\"id\":\"00U000000000001\",\"created\":false},"
	    "\"d\":{\"id\":\"0RE000000000001\",\"created\":false,\"deleted\":true}}");
	free(txt);
	cJSON_Delete(records);
	cJSON_Delete(p);
	cJSON_Delete(r);
}
END_TEST

Suite *suite_plan(void);

Suite *
suite_plan(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, check_accepts_good_plan);
	tcase_add_test(tc, check_refuses_bad_plans);
	tcase_add_test(tc, check_refuses_deep_chain);
	tcase_add_test(tc, pack_reaches_floor);
	tcase_add_test(tc, pack_small_one_graph_each_and_solo);
	tcase_add_test(tc, pack_respects_kind_limit);
	tcase_add_test(tc, body_prefixes_refs_and_encodes_keys);
	tcase_add_test(tc, read_splits_outcomes);
	tcase_add_test(tc, daily_limit_told_by_message);
	tcase_add_test(tc, check_methods);
	tcase_add_test(tc, read_update_and_delete);
	suite_add_tcase(s, tc);
	return s;
}
