/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sfapi.h"
#include "testutil.h"

static enum sfp_status
from(long status, const char *body, struct sfp_fail *f)
{
	return sfp_sf_fail_from(status, NULL, body, strlen(body), f);
}

START_TEST(error_arrays)
{
	struct sfp_fail f;

	ck_assert_int_eq(from(400, "[{\"message\":\"Required fields are missing: [Company, LastName]\","
	    "\"errorCode\":\"REQUIRED_FIELD_MISSING\",\"fields\":[\"Company\",\"LastName\"]}]", &f),
	    SFP_E_ITEM);
	ck_assert_str_eq(f.code, "REQUIRED_FIELD_MISSING");
	ck_assert_str_eq(f.fields, "Company,LastName");
	ck_assert_str_eq(f.message, "Required fields are missing: [Company, LastName]");
	/* SaveResult errors say statusCode; several errors are joined. */
	ck_assert_int_eq(from(400, "{\"success\":false,\"errors\":[{\"statusCode\":\"DUPLICATE_VALUE\","
	    "\"message\":\"a\",\"fields\":[]},{\"statusCode\":\"X\",\"message\":\"b\"}]}", &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "DUPLICATE_VALUE");
	ck_assert_str_eq(f.message, "a; b");
	/* 404 as a single object. */
	ck_assert_int_eq(from(404, "{\"message\":\"The requested resource does not exist\","
	    "\"errorCode\":\"NOT_FOUND\"}", &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "NOT_FOUND");
}
END_TEST

START_TEST(statuses)
{
	struct sfp_fail f;

	ck_assert_int_eq(from(401, "[{\"message\":\"Session expired or invalid\","
	    "\"errorCode\":\"INVALID_SESSION_ID\"}]", &f), SFP_E_AUTH);
	ck_assert_int_eq(from(403, "[{\"message\":\"TotalRequests Limit exceeded.\","
	    "\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]", &f), SFP_E_TEMP);
	ck_assert_int_eq(from(400, "[{\"message\":\"unable to obtain exclusive access\","
	    "\"errorCode\":\"UNABLE_TO_LOCK_ROW\",\"fields\":[]}]", &f), SFP_E_TEMP);
	ck_assert_int_eq(from(403, "[{\"message\":\"no\",\"errorCode\":\"API_DISABLED_FOR_ORG\"}]", &f),
	    SFP_E_AUTH);
	ck_assert_int_eq(from(503, "<html><body>Down for\nmaintenance</body></html>", &f), SFP_E_TEMP);
	ck_assert_str_eq(f.code, "SERVER_UNAVAILABLE");
	ck_assert_ptr_null(strchr(f.message, '\n'));
	ck_assert_int_eq(from(502, "", &f), SFP_E_TEMP);
	ck_assert_str_eq(f.code, "HTTP_502");
	ck_assert_int_eq(from(400, "{\"error\":\"invalid_grant\",\"error_description\":\"bad\"}", &f),
	    SFP_E_ITEM);
	ck_assert_str_eq(f.code, "invalid_grant");
	ck_assert_int_eq(from(429, "slow", &f), SFP_E_TEMP);
	ck_assert_int_eq(sfp_sf_status_for_code(400, "OUTCOME_UNKNOWN", NULL), SFP_E_TEMP);
	ck_assert_int_eq(sfp_sf_status_for_code(400, "INVALID_FIELD", NULL), SFP_E_ITEM);
}
END_TEST

struct seen {
	int n;
	char method[4][8], url[4][256], body[4][128];
};

static void
hook(void *ctx, const char *method, const char *url, const char *body)
{
	struct seen *s = ctx;

	if (s->n >= 4)
		return;
	(void)snprintf(s->method[s->n], sizeof(s->method[0]), "%s", method);
	(void)snprintf(s->url[s->n], sizeof(s->url[0]), "%s", url);
	(void)snprintf(s->body[s->n], sizeof(s->body[0]), "%s", body != NULL ? body : "(null)");
	s->n++;
}

static const char *dry_version = "61.0";

static struct sfp_sf *
open_dry(struct seen *s)
{
	struct sfp_org o;
	struct sfp_sf *sf = NULL;
	struct sfp_fail f;

	ck_assert_int_ge(sodium_init(), 0);
	sfp_org_init(&o);
	(void)snprintf(o.instance_url, sizeof(o.instance_url), "https://acme.my.salesforce.com");
	(void)snprintf(o.api_version, sizeof(o.api_version), "%s", dry_version);
	o.flow = SFP_FLOW_JWT;        /* would need a key: the dry run must not log in */
	o.no_cache = 1;
	o.ca_file[0] = '\0';
	ck_assert_int_eq(sfp_sf_open(&o, &sf, &f), SFP_OK);
	sfp_org_fini(&o);
	memset(s, 0, sizeof(*s));
	sfp_sf_set_dry_run(sf, hook, s);
	return sf;
}

START_TEST(dry_run_sends_nothing)
{
	struct seen s;
	struct sfp_sf *sf = open_dry(&s);
	struct sfp_sf_req rq = { .method = "POST", .path = "sobjects/Lead",
		.body = "{\"LastName\":\"Lee\"}" };
	struct sfp_sf_resp rs;
	struct sfp_fail f;
	cJSON *j;

	sfp_sf_resp_init(&rs);
	ck_assert_str_eq(sfp_sf_data_path(sf), "/services/data/v61.0");
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_OK);
	ck_assert_int_eq(rs.status, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.method[0], "POST");
	ck_assert_str_eq(s.url[0], "https://acme.my.salesforce.com/services/data/v61.0/sobjects/Lead");
	ck_assert_str_eq(s.body[0], "{\"LastName\":\"Lee\"}");
	/* An absolute path, and a tree instead of text. */
	j = cJSON_Parse("{\"a\": 1}");
	rq = (struct sfp_sf_req){ .method = "PATCH", .path = "/services/data/v61.0/x", .json = j };
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_OK);
	ck_assert_str_eq(s.url[1], "https://acme.my.salesforce.com/services/data/v61.0/x");
	ck_assert_str_eq(s.body[1], "{\"a\":1}");
	cJSON_Delete(j);
	/* A path may never name a host. */
	rq = (struct sfp_sf_req){ .method = "GET", .path = "https://evil.example/x" };
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_E_INPUT);
	rq.path = "//evil.example/x";
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_E_INPUT);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(sfp_sf_requests_sent(sf), 0);
	sfp_sf_resp_fini(&rs);
	sfp_sf_close(sf);
}
END_TEST

START_TEST(dry_run_many_in_order)
{
	struct seen s;
	struct sfp_sf *sf = open_dry(&s);
	struct sfp_sf_req rq[3] = {
		{ .method = "POST", .path = "composite/graph", .body = "1" },
		{ .method = "POST", .path = "composite/graph", .body = "2" },
		{ .method = "GET", .path = "limits" },
	};
	struct sfp_sf_resp rs[3];
	struct sfp_fail fs[3];
	enum sfp_status sts[3];
	long used, max;
	int i;

	for (i = 0; i < 3; i++)
		sfp_sf_resp_init(&rs[i]);
	ck_assert_int_eq(sfp_sf_request_many(sf, rq, rs, fs, sts, 3, 2), SFP_OK);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.body[0], "1");
	ck_assert_str_eq(s.body[1], "2");
	ck_assert_str_eq(s.body[2], "(null)");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(sts[i], SFP_OK);
		sfp_sf_resp_fini(&rs[i]);
	}
	sfp_sf_usage(sf, &used, &max);
	ck_assert_int_eq(used, -1);
	sfp_sf_close(sf);
}
END_TEST

/* A resource is asked for only at a version that has it: Composite Graph from
 * 50.0, sObject Collections from 42.0, Bulk API 2.0 from 41.0. */
START_TEST(resources_gated_by_api_version)
{
	struct seen s;
	struct sfp_sf *sf;
	struct sfp_sf_req rq = { .method = "POST", .path = "composite/graph", .body = "{}" };
	struct sfp_sf_resp rs;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_sf_resource_since("composite/graph"), 50);
	ck_assert_int_eq(sfp_sf_resource_since("/services/data/v49.0/composite/graph"), 50);
	ck_assert_int_eq(sfp_sf_resource_since("composite/sobjects/Lead/Key__c"), 42);
	ck_assert_int_eq(sfp_sf_resource_since("jobs/ingest/750x/batches"), 41);
	ck_assert_int_eq(sfp_sf_resource_since("composite"), 0);
	ck_assert_int_eq(sfp_sf_resource_since("sobjects/Lead"), 0);
	sfp_sf_resp_init(&rs);
	dry_version = "49.0";
	sf = open_dry(&s);
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "not-in-api-version");
	ck_assert_ptr_nonnull(strstr(f.message, "needs api version 50.0"));
	ck_assert_ptr_nonnull(strstr(f.message, "49.0"));
	rq.path = "composite/sobjects";
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_OK);
	ck_assert_int_eq(s.n, 1);
	sfp_sf_close(sf);
	dry_version = "41.0";
	sf = open_dry(&s);
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_E_INPUT);
	rq.path = "jobs/ingest";
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_OK);
	sfp_sf_close(sf);
	dry_version = "50.0";
	sf = open_dry(&s);
	rq.path = "composite/graph";
	ck_assert_int_eq(sfp_sf_request(sf, &rq, &rs, &f), SFP_OK);
	ck_assert_int_eq(s.n, 1);
	sfp_sf_close(sf);
	dry_version = "61.0";
	sfp_sf_resp_fini(&rs);
}
END_TEST

Suite *
suite_sfapi(void)
{
	Suite *s = suite_create("sfapi");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, error_arrays);
	tcase_add_test(tc, statuses);
	tcase_add_test(tc, dry_run_sends_nothing);
	tcase_add_test(tc, dry_run_many_in_order);
	tcase_add_test(tc, resources_gated_by_api_version);
	suite_add_tcase(s, tc);
	return s;
}
