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
	ck_assert_int_eq(sfp_plan_all_upsert(p), 0);
	cJSON_Delete(p);
	p = plan_k(1, 2, 1);
	ck_assert_int_eq(sfp_plan_all_upsert(p), 1);
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
    "{\"body\":{\"id\":\"00Q000000000001AAA\",\"success\":true,\"errors\":[],\"created\":false},"
    "\"httpHeaders\":{},\"httpStatusCode\":200,\"referenceId\":\"p3_lead\"},"
    "{\"body\":{\"id\":\"00U000000000001AAA\",\"success\":true,\"errors\":[]},"
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
	ck_assert_str_eq(s, "{\"lead\":{\"id\":\"00Q000000000001AAA\",\"created\":false},"
	    "\"e1\":{\"id\":\"00U000000000001AAA\",\"created\":true}}");
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
	suite_add_tcase(s, tc);
	return s;
}
