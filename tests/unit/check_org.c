/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "org.h"
#include "testutil.h"

static const char *const vars[] = {
	"SF_INSTANCE_URL", "SF_LOGIN_URL", "SF_TOKEN_URL", "SF_AUDIENCE", "SF_CLIENT_ID",
	"SF_USERNAME", "SF_JWT_KEY_FILE", "SF_CLIENT_SECRET_FILE", "SF_REFRESH_TOKEN_FILE",
	"SF_ACCESS_TOKEN", "SF_API_VERSION", "SF_AUTH_FLOW", "SF_CA_FILE", "SF_RESOLVE", NULL
};

static void
clean_env(void)
{
	size_t i;

	ck_assert_int_ge(sodium_init(), 0);
	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	setenv("SFPIPE_CACHE_DIR", "/tmp/sfpipe-check-org", 1);
}

START_TEST(flow_chosen_by_what_is_set)
{
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_USERNAME", "u@x", 1);
	setenv("SF_CLIENT_SECRET_FILE", "/s", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_CLIENT);
	sfp_org_fini(&o);
	setenv("SF_REFRESH_TOKEN_FILE", "/r", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_REFRESH);
	sfp_org_fini(&o);
	setenv("SF_JWT_KEY_FILE", "/k", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_JWT);
	ck_assert_str_eq(o.token_url, "https://login.salesforce.com/services/oauth2/token");
	ck_assert_str_eq(o.audience, "https://login.salesforce.com");
	ck_assert_str_eq(o.api_version, "62.0");
	sfp_org_fini(&o);
	setenv("SF_ACCESS_TOKEN", "00Dxx!AQabcdefghijklmnopqrstuvwxyz", 1);
	setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com/", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_TOKEN);
	ck_assert_str_eq(o.instance_url, "https://acme.my.salesforce.com");
	ck_assert_ptr_null(getenv("SF_ACCESS_TOKEN"));   /* not inherited by children */
	sfp_org_fini(&o);
	/* Named explicitly, the flow wins over what is present. */
	ck_assert_int_eq(sfp_org_load(&o, NULL, "client", 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_CLIENT);
	sfp_org_fini(&o);
	ck_assert_int_eq(sfp_org_load(&o, NULL, "password", 0, &f), SFP_E_USAGE);
	sfp_org_fini(&o);
}
END_TEST

START_TEST(separate_endpoint_audience_instance)
{
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_USERNAME", "u@x", 1);
	setenv("SF_JWT_KEY_FILE", "/k", 1);
	setenv("SF_LOGIN_URL", "https://acme.my.site.com/customers/", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.audience, "https://acme.my.site.com/customers");
	ck_assert_str_eq(o.token_url, "https://acme.my.site.com/customers/services/oauth2/token");
	sfp_org_fini(&o);
	setenv("SF_AUDIENCE", "https://test.salesforce.com", 1);
	setenv("SF_TOKEN_URL", "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/token", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.audience, "https://test.salesforce.com");
	ck_assert_str_eq(o.token_url, "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/token");
	sfp_org_fini(&o);
	/* Client credentials go to the My Domain when only the generic login is set. */
	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_CLIENT_SECRET_FILE", "/s", 1);
	setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.token_url, "https://acme.my.salesforce.com/services/oauth2/token");
	sfp_org_fini(&o);
}
END_TEST

START_TEST(foreign_urls_refused)
{
	static const char *const bad[][2] = {
		{ "SF_INSTANCE_URL", "https://acme.my.salesforce.com.evil.example" },
		{ "SF_LOGIN_URL", "http://login.salesforce.com" },
		{ "SF_TOKEN_URL", "https://evil.example/services/oauth2/token" },
		{ "SF_AUDIENCE", "https://evilsalesforce.com" },
	};
	struct sfp_org o;
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clean_env();
		setenv("SF_CLIENT_ID", "cid", 1);
		setenv("SF_USERNAME", "u@x", 1);
		setenv("SF_JWT_KEY_FILE", "/k", 1);
		setenv(bad[i][0], bad[i][1], 1);
		ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
		ck_assert_str_eq(f.code, "host-refused");
		ck_assert_msg(strstr(f.place, bad[i][0]) != NULL, "place %s names %s", f.place,
		    bad[i][0]);
		sfp_org_fini(&o);
	}
}
END_TEST

START_TEST(missing_settings_named)
{
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "no-credentials");
	sfp_org_fini(&o);
	setenv("SF_JWT_KEY_FILE", "/k", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "SF_CLIENT_ID"));
	sfp_org_fini(&o);
	setenv("SF_API_VERSION", "sixty", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "SF_API_VERSION");
	sfp_org_fini(&o);
	setenv("SF_API_VERSION", "v63", 1);
	setenv("SF_CLIENT_ID", "c", 1);
	setenv("SF_USERNAME", "u", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.api_version, "63.0");
	ck_assert_int_eq(sfp_org_set(&o, "SF_ACCESS_TOKEN", "x", &f), SFP_E_USAGE);
	ck_assert_int_eq(sfp_org_set(&o, "SF_NOPE", "x", &f), SFP_E_USAGE);
	ck_assert_int_eq(sfp_org_set(&o, "SF_USERNAME", "v@x", &f), SFP_OK);
	ck_assert_str_eq(o.username, "v@x");
	sfp_org_fini(&o);
}
END_TEST

START_TEST(org_files)
{
	char dir[] = "/tmp/check-org-XXXXXX", path[128];
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/org.json", dir);
	/* Our own form, camel names, no secret: any mode is fine. */
	tu_write_file(path, "{\"instanceUrl\":\"https://acme.my.salesforce.com\",\"clientId\":\"c\","
	    "\"username\":\"u@x\",\"jwtKeyFile\":\"/k\",\"apiVersion\":\"64.0\"}", 0644);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_JWT);
	ck_assert_str_eq(o.api_version, "64.0");
	sfp_org_fini(&o);
	/* The Salesforce CLI's output, token inside: must be 0600. */
	tu_write_file(path, "{\"status\":0,\"result\":{\"accessToken\":\"00Dxx!AQabcdefghijklmnopqrstu\","
	    "\"instanceUrl\":\"https://acme.my.salesforce.com\",\"username\":\"u@x\","
	    "\"apiVersion\":\"62.0\",\"connectedStatus\":\"Connected\"}}", 0644);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_E_INPUT);
	sfp_org_fini(&o);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_OK);
	ck_assert_int_eq(o.flow, SFP_FLOW_TOKEN);
	ck_assert_ptr_nonnull(o.access_token);
	ck_assert_str_eq((const char *)o.access_token->bytes, "00Dxx!AQabcdefghijklmnopqrstu");
	sfp_org_fini(&o);
	/* sf org display without --verbose: the token is redacted. */
	tu_write_file(path, "{\"status\":0,\"result\":{\"accessToken\":\"[REDACTED]\","
	    "\"instanceUrl\":\"https://acme.my.salesforce.com\"}}", 0600);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "redacted-token");
	ck_assert_ptr_nonnull(strstr(f.message, "redacted"));
	sfp_org_fini(&o);
	tu_write_file(path, "{\"instanceUrl\":42}", 0600);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_E_INPUT);
	sfp_org_fini(&o);
	tu_write_file(path, "{\"instanceUrl\":\"https://a.my.salesforce.com\",", 0600);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_E_INPUT);
	sfp_org_fini(&o);
	(void)unlink(path);
	(void)rmdir(dir);
}
END_TEST

Suite *
suite_org(void)
{
	Suite *s = suite_create("org");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, flow_chosen_by_what_is_set);
	tcase_add_test(tc, separate_endpoint_audience_instance);
	tcase_add_test(tc, foreign_urls_refused);
	tcase_add_test(tc, missing_settings_named);
	tcase_add_test(tc, org_files);
	suite_add_tcase(s, tc);
	return s;
}
