/* SPDX-License-Identifier: ISC */
#include "compat.h"
/* sf-create's tenant rules and routing: which plan is refused, which org each goes to. */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "create.h"
#include "testutil.h"

#define ORG_A "00DHs0000000007MAA"
#define ORG_B "00DHs0000000008MAA"

static char root[64];
static int dropped_at_exit;

static void
put(const char *rel, const char *text)
{
	char path[512];
	int fd;

	ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", root, rel), (int)sizeof path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
drop_root(void)
{
	if (root[0] != '\0')
		tu_rmtree(root);
}

/* Each test builds its tenants in a directory of its own: with CK_FORK=no
 * (the valgrind pass) every test runs in one process, and a second test's
 * tenant "acme" must not meet the first test's. */
static void
fresh_root(void)
{
	drop_root();
	root[0] = '\0';
}

/* A tenant bound to org as user int@<user>.example (its own directory,
 * tenant.json and an org.json). */
static void
tenant(const char *name, const char *org, const char *user, const char *prefix)
{
	char rel[256], json[512];

	if (root[0] == '\0') {
		ck_assert_int_ge(sodium_init(), 0);
		tu_tmpdir(root, sizeof root, "create-route");
		if (!dropped_at_exit)
			dropped_at_exit = atexit(drop_root) == 0;
	}
	(void)snprintf(rel, sizeof rel, "%s/%s", root, name);
	ck_assert_int_eq(mkdir(rel, 0700), 0);
	(void)snprintf(json, sizeof json, "{\"orgId\":\"%s\",\"username\":\"int@%s.example\"%s%s%s}",
	    org, user, prefix ? ",\"keyPrefix\":\"" : "", prefix ? prefix : "", prefix ? "\"" : "");
	(void)snprintf(rel, sizeof rel, "%s/tenant.json", name);
	put(rel, json);
	(void)snprintf(json, sizeof json, "{\"instanceUrl\":\"https://%s.my.salesforce.com\","
	    "\"clientId\":\"x\",\"username\":\"int@%s.example\",\"accessToken\":\"00D!x\"}",
	    name, user);
	(void)snprintf(rel, sizeof rel, "%s/org.json", name);
	put(rel, json);
}

/* A plan of tenant t (NULL: none) with one Lead upserted by key. */
static cJSON *
plan(const char *t, const char *id, const char *key)
{
	char buf[1024];

	(void)snprintf(buf, sizeof buf, "{%s%s%s\"id\":\"%s\",\"records\":[{\"ref\":\"lead\","
	    "\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"%s\"},"
	    "\"fields\":{\"LastName\":\"L\"}}]}", t ? "\"tenant\":\"" : "", t ? t : "",
	    t ? "\"," : "", id, key);
	return tu_parse(buf);
}

START_TEST(plan_tenant_rules)
{
	static const struct {
		const char *plan;
		int tenants;
		const char *only, *code, *name;
	} cases[] = {
		{ "{\"id\":1}", 1, NULL, "untagged", NULL },
		{ "{\"tenant\":5,\"id\":1}", 1, NULL, "bad-tenant-name", NULL },
		{ "{\"tenant\":\"..\",\"id\":1}", 1, NULL, "bad-tenant-name", NULL },
		{ "{\"tenant\":\"a/b\",\"id\":1}", 1, NULL, "bad-tenant-name", NULL },
		{ "{\"tenant\":\"\",\"id\":1}", 1, NULL, "bad-tenant-name", NULL },
		{ "{\"tenant\":\"acme\",\"id\":1}", 1, NULL, NULL, "acme" },
		{ "{\"id\":1}", 0, NULL, NULL, NULL },
		{ "{\"id\":1}", 0, "acme", NULL, NULL },
		{ "{\"tenant\":\"acme\",\"id\":1}", 0, NULL, "unknown-tenant", NULL },
		{ "{\"tenant\":\"acme\",\"id\":1}", 0, "globex", "unknown-tenant", NULL },
		{ "{\"tenant\":\"acme\",\"id\":1}", 0, "acme", NULL, "acme" },
		{ "{\"tenant\":null,\"id\":1}", 0, "acme", "bad-tenant-name", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cJSON *p = tu_parse(cases[i].plan);
		const char *name = "unset";
		struct sfp_fail f;
		enum sfp_status st;

		sfp_fail_clear(&f);
		st = sfp_create_plan_tenant(p, cases[i].tenants, cases[i].only, &name, &f);
		ck_assert_msg(st == (cases[i].code ? SFP_E_ITEM : SFP_OK), "case %zu: status %d", i,
		    (int)st);
		if (cases[i].code)
			ck_assert_str_eq(f.code, cases[i].code);
		if (cases[i].name)
			ck_assert_str_eq(name, cases[i].name);
		else
			ck_assert_ptr_null(name);
		cJSON_Delete(p);
	}
}
END_TEST

START_TEST(plan_keys_carry_the_prefix)
{
	struct sfp_tenant_conf tc;
	struct sfp_fail f;
	cJSON *p;

	memset(&tc, 0, sizeof tc);
	(void)snprintf(tc.name, sizeof tc.name, "acme");
	(void)snprintf(tc.key_prefix, sizeof tc.key_prefix, "acme:");
	p = plan("acme", "b1", "acme:b1");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_OK);
	cJSON_Delete(p);
	p = plan("acme", "b1", "globex:b1");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "foreign-key");
	ck_assert_str_eq(f.ref, "lead");
	cJSON_Delete(p);
	p = plan("acme", "b1", "acme:");   /* the prefix alone names no record of its own */
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_E_ITEM);
	cJSON_Delete(p);
	p = plan("acme", "b1", "acmeb1");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_E_ITEM);
	cJSON_Delete(p);
	/* A number cannot start with a prefix; a plain create has no key to check. */
	p = tu_parse("{\"id\":1,\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}},"
	    "{\"ref\":\"b\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"K__c\",\"value\":7},"
	    "\"fields\":{}}]}");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.ref, "b");
	cJSON_Delete(p);
	/* The Contact a find may make under an Account is upserted by its own key:
	 * that key too must be the tenant's. */
	p = tu_parse("{\"id\":1,\"records\":[{\"ref\":\"who\",\"sobject\":\"Lead\",\"upsert\":"
	    "{\"field\":\"K__c\",\"value\":\"acme:p\"},\"find\":{\"value\":\"p@x.example\","
	    "\"in\":[{\"sobject\":\"Lead\",\"field\":\"Email\"}],\"account\":{\"sobject\":"
	    "\"Contact\",\"field\":\"AccountId\",\"upsert\":{\"field\":\"K__c\",\"value\":"
	    "\"globex:p\"},\"fields\":{}}},\"fields\":{}}]}");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "foreign-key");
	ck_assert_ptr_nonnull(strstr(f.message, "account's upsert"));
	cJSON_Delete(p);
	p = tu_parse("{\"id\":1,\"records\":[{\"ref\":\"a\",\"sobject\":\"Lead\",\"fields\":{}}]}");
	ck_assert_int_eq(sfp_create_plan_keys(p, &tc, &f), SFP_OK);
	cJSON_Delete(p);
}
END_TEST

/* Run the plans (a dry run: the requests are written out instead of sent);
 * returns the output lines as one JSON array. */
static cJSON *
dry_run(struct sfp_create_opts *o, cJSON **plans, size_t n, enum sfp_status *st)
{
	FILE *in = tmpfile(), *out = tmpfile();
	struct sfp_reader *r;
	struct sfp_writer w;
	struct sfp_fail f;
	cJSON *lines = cJSON_CreateArray();
	char line[65536];
	size_t i;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		char *s = cJSON_PrintUnformatted(plans[i]);

		fprintf(in, "%s\n", s);
		free(s);
		cJSON_Delete(plans[i]);
	}
	fflush(in);
	rewind(in);
	r = sfp_reader_new(fileno(in), "<test>", NULL);
	ck_assert_ptr_nonnull(r);
	sfp_writer_init(&w, out, "<out>", 0);
	o->dry_run = 1;
	o->data_path = "/services/data/v62.0";
	*st = sfp_create_run(NULL, r, &w, NULL, o, NULL, &f);
	ck_assert_int_eq(sfp_writer_fini(&w, &f), SFP_OK);
	sfp_reader_free(r);
	rewind(out);
	while (fgets(line, sizeof line, out))
		cJSON_AddItemToArray(lines, tu_parse(line));
	fclose(in);
	fclose(out);
	return lines;
}

/* The composite request bodies among the lines, printed, in order. */
static int
requests(const cJSON *lines, char **texts, int max)
{
	const cJSON *l;
	int n = 0;

	cJSON_ArrayForEach(l, lines)
		if (cJSON_GetObjectItem(l, "method") && n < max)
			texts[n++] = cJSON_PrintUnformatted(cJSON_GetObjectItem(l, "body"));
	return n;
}

static const char *
code_of(const cJSON *lines, const char *tenant, const char *id)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, lines) {
		const cJSON *t = cJSON_GetObjectItem(l, "tenant"), *i = cJSON_GetObjectItem(l, "id");

		if (cJSON_IsString(i) && strcmp(i->valuestring, id) == 0 &&
		    ((!tenant && !t) || (tenant && cJSON_IsString(t) &&
		    strcmp(t->valuestring, tenant) == 0)))
			return cJSON_GetObjectItem(cJSON_GetObjectItem(l, "error"), "code")->valuestring;
	}
	return "(none)";
}

START_TEST(tenants_run_routes_each_plan_to_its_org)
{
	struct sfp_create_opts o;
	struct sfp_tenants *ts = NULL;
	struct sfp_fail f;
	enum sfp_status st;
	cJSON *plans[7], *lines;
	char *req[4];
	int n, i;

	tenant("acme", ORG_A, "acme", NULL);
	tenant("acme2", ORG_A, "acme", "a2:");    /* a second portal, same org and user */
	tenant("globex", ORG_B, "globex", NULL);
	ck_assert_int_eq(sfp_tenants_open(root, &ts, &f), SFP_OK);
	memset(&o, 0, sizeof o);
	o.tenants = ts;
	plans[0] = plan("acme", "bk-1", "acme:bk-1");
	plans[1] = plan("globex", "bk-1", "globex:bk-1");
	plans[2] = plan("acme2", "bk-2", "a2:bk-2");
	plans[3] = plan("globex", "bk-3", "acme:bk-1");   /* another tenant's record */
	plans[4] = plan(NULL, "bk-4", "acme:bk-4");
	plans[5] = plan("initech", "bk-5", "initech:bk-5");
	plans[6] = plan("acme2", "bk-6", "acme:bk-6");    /* same org, other portal's key */
	lines = dry_run(&o, plans, 7, &st);
	ck_assert_int_eq(st, SFP_E_ITEM);
	ck_assert_str_eq(code_of(lines, "globex", "bk-3"), "foreign-key");
	ck_assert_str_eq(code_of(lines, NULL, "bk-4"), "untagged");
	ck_assert_str_eq(code_of(lines, "initech", "bk-5"), "unknown-tenant");
	ck_assert_str_eq(code_of(lines, "acme2", "bk-6"), "foreign-key");
	/* Refusals carry the tenant first and the plan whole. */
	cJSON_ArrayForEach(plans[0], lines)
		if (cJSON_GetObjectItem(plans[0], "error") && cJSON_GetObjectItem(plans[0], "tenant")) {
			ck_assert_str_eq(plans[0]->child->string, "tenant");
			ck_assert_ptr_nonnull(cJSON_GetObjectItem(plans[0], "input"));
		}
	/* One request per org: acme's and acme2's plans share org A's, globex's
	 * goes alone, and no request holds another org's plan (keys are in the
	 * URLs, percent-encoded). */
	n = requests(lines, req, 4);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(req[0], "acme%3Abk-1"));
	ck_assert_ptr_nonnull(strstr(req[0], "a2%3Abk-2"));
	ck_assert_ptr_null(strstr(req[0], "globex"));
	ck_assert_ptr_nonnull(strstr(req[1], "globex%3Abk-1"));
	ck_assert_ptr_null(strstr(req[1], "acme"));
	for (i = 0; i < n; i++)
		free(req[i]);
	cJSON_Delete(lines);
	sfp_tenants_free(ts);
}
END_TEST

/* Sessions outlive a window: with windows of two plans each window still
 * sends each org's plans apart, in input order. */
START_TEST(tenants_run_across_windows)
{
	static const char *const want[] = { "acme%3Ab1", "gx%3Ab2", "acme%3Ab3", "gx%3Ab4",
	    "acme%3Ab5" };
	struct sfp_create_opts o;
	struct sfp_tenants *ts = NULL;
	struct sfp_fail f;
	enum sfp_status st;
	cJSON *plans[5], *lines;
	char *req[6];
	int n, i;

	tenant("acme", ORG_A, "acme", NULL);
	tenant("globex", ORG_B, "globex", "gx:");
	ck_assert_int_eq(sfp_tenants_open(root, &ts, &f), SFP_OK);
	memset(&o, 0, sizeof o);
	o.tenants = ts;
	o.window = 2;
	plans[0] = plan("acme", "b1", "acme:b1");
	plans[1] = plan("globex", "b2", "gx:b2");
	plans[2] = plan("acme", "b3", "acme:b3");
	plans[3] = plan("globex", "b4", "gx:b4");
	plans[4] = plan("acme", "b5", "acme:b5");
	lines = dry_run(&o, plans, 5, &st);
	ck_assert_int_eq(st, SFP_OK);
	n = requests(lines, req, 6);
	ck_assert_int_eq(n, 5);
	for (i = 0; i < n; i++) {
		ck_assert_msg(strstr(req[i], want[i]) != NULL, "request %d: %s", i, req[i]);
		ck_assert_ptr_null(strstr(req[i], i % 2 ? "acme" : "gx%3A"));
		free(req[i]);
	}
	cJSON_Delete(lines);
	sfp_tenants_free(ts);
}
END_TEST

START_TEST(single_org_refuses_other_tenants)
{
	struct sfp_create_opts o;
	enum sfp_status st;
	cJSON *plans[4], *lines;
	char *req[2];

	memset(&o, 0, sizeof o);
	plans[0] = plan("acme", "bk-1", "acme:bk-1");
	plans[1] = plan(NULL, "bk-2", "bk-2");
	lines = dry_run(&o, plans, 2, &st);
	ck_assert_str_eq(code_of(lines, "acme", "bk-1"), "unknown-tenant");
	ck_assert_int_eq(requests(lines, req, 2), 1);   /* the untagged plan goes, as today */
	ck_assert_ptr_nonnull(strstr(req[0], "bk-2"));
	free(req[0]);
	cJSON_Delete(lines);
	o.tenant = "acme";
	plans[0] = plan("acme", "bk-1", "acme:bk-1");
	plans[1] = plan("globex", "bk-2", "globex:bk-2");
	plans[2] = plan("acme", "bk-3", "bk-3");
	plans[3] = plan(NULL, "bk-4", "bk-4");
	lines = dry_run(&o, plans, 4, &st);
	ck_assert_int_eq(st, SFP_E_ITEM);
	ck_assert_str_eq(code_of(lines, "globex", "bk-2"), "unknown-tenant");
	ck_assert_str_eq(code_of(lines, "acme", "bk-3"), "foreign-key");
	ck_assert_int_eq(requests(lines, req, 2), 1);
	ck_assert_ptr_nonnull(strstr(req[0], "acme%3Abk-1"));
	ck_assert_ptr_nonnull(strstr(req[0], "bk-4"));
	ck_assert_ptr_null(strstr(req[0], "globex"));
	free(req[0]);
	cJSON_Delete(lines);
}
END_TEST

Suite *
suite_create_route(void)
{
	Suite *s = suite_create("create_route");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, NULL, fresh_root);
	tcase_add_test(tc, plan_tenant_rules);
	tcase_add_test(tc, plan_keys_carry_the_prefix);
	tcase_add_test(tc, tenants_run_routes_each_plan_to_its_org);
	tcase_add_test(tc, tenants_run_across_windows);
	tcase_add_test(tc, single_org_refuses_other_tenants);
	suite_add_tcase(s, tc);
	return s;
}
