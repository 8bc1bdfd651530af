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

#include "http.h"
#include "org.h"
#include "testutil.h"

static const char *const vars[] = {
	"SF_INSTANCE_URL", "SF_LOGIN_URL", "SF_TOKEN_URL", "SF_AUDIENCE", "SF_CLIENT_ID",
	"SF_USERNAME", "SF_JWT_KEY_FILE", "SF_CLIENT_SECRET_FILE", "SF_REFRESH_TOKEN_FILE",
	"SF_ACCESS_TOKEN", "SF_API_VERSION", "SF_AUTH_FLOW", "SF_CA_FILE", "SF_RESOLVE",
	SFP_HTTP_TEST_SWITCH, NULL
};

static void
clean_env(void)
{
	char cache[320];
	size_t i;

	ck_assert_int_ge(sodium_init(), 0);
	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	(void)snprintf(cache, sizeof(cache), "%s/sfpipe-check-org", tu_tmproot());
	setenv("SFPIPE_CACHE_DIR", cache, 1);
}

/* A clean environment with a given token for the org acme.my.salesforce.com. */
static void
token_env(void)
{
	clean_env();
	setenv("SF_ACCESS_TOKEN", "00Dxx!AQabcdefghijklmnopqrstuvwxyz", 1);
	setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com", 1);
}

/* A clean environment with the JWT bearer flow's three settings. */
static void
jwt_env(void)
{
	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_USERNAME", "u@x", 1);
	setenv("SF_JWT_KEY_FILE", "/k", 1);
}

START_TEST(flow_chosen_by_what_is_set)
{
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_USERNAME", "u@x", 1);
	setenv("SF_CLIENT_SECRET_FILE", "/s", 1);
	setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com", 1);
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

	jwt_env();
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
		jwt_env();
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
	char dir[256], path[320];
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	tu_tmpdir(dir, sizeof(dir), "org");
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

/* The JWT audience is never a My Domain: login, test (sandboxes) or the
 * Experience Cloud site, as the Salesforce CLI maps login URLs; the token
 * endpoint stays where the login URL points. */
START_TEST(jwt_audience_mapped_like_the_cli)
{
	static const char *const cases[][3] = {
		{ "https://login.salesforce.com", "https://login.salesforce.com",
		  "https://login.salesforce.com/services/oauth2/token" },
		{ "https://acme.my.salesforce.com", "https://login.salesforce.com",
		  "https://acme.my.salesforce.com/services/oauth2/token" },
		{ "https://acme-dev-ed.develop.my.salesforce.com", "https://login.salesforce.com",
		  "https://acme-dev-ed.develop.my.salesforce.com/services/oauth2/token" },
		{ "https://test.salesforce.com", "https://test.salesforce.com",
		  "https://test.salesforce.com/services/oauth2/token" },
		{ "https://acme--dev.sandbox.my.salesforce.com", "https://test.salesforce.com",
		  "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/token" },
		{ "https://acme--uat.cs42.my.salesforce.com", "https://test.salesforce.com",
		  "https://acme--uat.cs42.my.salesforce.com/services/oauth2/token" },
		{ "https://acme.my.site.com/customers", "https://acme.my.site.com/customers",
		  "https://acme.my.site.com/customers/services/oauth2/token" },
	};
	struct sfp_org o;
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jwt_env();
		setenv("SF_LOGIN_URL", cases[i][0], 1);
		ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
		ck_assert_str_eq(o.audience, cases[i][1]);
		ck_assert_str_eq(o.token_url, cases[i][2]);
		sfp_org_fini(&o);
	}
	/* Another port (the emulator's) is taken only in test mode, and the
	 * audience drops it. */
	jwt_env();
	setenv("SF_LOGIN_URL", "https://login.salesforce.com:8443", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "host-refused");
	sfp_org_fini(&o);
	ck_assert_int_eq(setenv(SFP_HTTP_TEST_SWITCH, "1", 1), 0);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.audience, "https://login.salesforce.com");
	ck_assert_str_eq(o.token_url, "https://login.salesforce.com:8443/services/oauth2/token");
	sfp_org_fini(&o);
	ck_assert_int_eq(unsetenv(SFP_HTTP_TEST_SWITCH), 0);
	/* Government Cloud Plus documents no audience: it must be named. */
	jwt_env();
	setenv("SF_LOGIN_URL", "https://acme.my.salesforce.mil", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "SF_AUDIENCE");
	sfp_org_fini(&o);
}
END_TEST

/* Client credentials only on the My Domain: a generic login host is refused
 * before anything is sent, naming the setting to change. */
START_TEST(client_credentials_need_my_domain)
{
	struct sfp_org o;
	struct sfp_fail f;

	clean_env();
	setenv("SF_CLIENT_ID", "cid", 1);
	setenv("SF_CLIENT_SECRET_FILE", "/s", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "SF_INSTANCE_URL");
	ck_assert_ptr_nonnull(strstr(f.message, "my domain"));
	sfp_org_fini(&o);
	setenv("SF_INSTANCE_URL", "https://acme.my.salesforce.com", 1);
	setenv("SF_TOKEN_URL", "https://test.salesforce.com/services/oauth2/token", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "SF_TOKEN_URL");
	ck_assert_ptr_nonnull(strstr(f.message, "test.salesforce.com"));
	sfp_org_fini(&o);
	unsetenv("SF_TOKEN_URL");
	setenv("SF_LOGIN_URL", "https://acme--dev.sandbox.my.salesforce.com", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.token_url, "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/token");
	sfp_org_fini(&o);
}
END_TEST

/* Versions Salesforce has retired (30.0 and older since Summer '25) are
 * refused in configuration; the oldest live one is taken. */
START_TEST(retired_api_versions_refused)
{
	static const char *const retired[] = { "30.0", "v30", "21.0", "7.0", "20", NULL };
	struct sfp_org o;
	struct sfp_fail f;
	size_t i;

	for (i = 0; retired[i] != NULL; i++) {
		token_env();
		setenv("SF_API_VERSION", retired[i], 1);
		ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
		ck_assert_str_eq(f.code, "retired-version");
		ck_assert_ptr_nonnull(strstr(f.message, "retired"));
		sfp_org_fini(&o);
	}
	token_env();
	setenv("SF_API_VERSION", "31.0", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.api_version, "31.0");
	sfp_org_fini(&o);
}
END_TEST

/* Every documented Salesforce API domain is accepted as an org's URL, and
 * look-alikes are not. */
START_TEST(documented_salesforce_hosts_accepted)
{
	static const char *const ok[] = {
		"https://acme.my.salesforce.mil", "https://acme--dev.sandbox.my.salesforce.mil",
		"https://acme.cloudforce.com", "https://acme.my.salesforce.com",
		"https://acme.my.site.com", "https://acme.my.salesforce-sites.com",
		"https://acme.salesforce-experience.com", NULL
	};
	static const char *const bad[] = {
		"https://acme.salesforce.mil.evil.example", "https://evilcloudforce.com",
		"https://acme.visualforce.com", "https://acme.salesforce-setup.com", NULL
	};
	struct sfp_org o;
	struct sfp_fail f;
	size_t i;

	for (i = 0; ok[i] != NULL; i++) {
		token_env();
		setenv("SF_INSTANCE_URL", ok[i], 1);
		ck_assert_msg(sfp_org_load(&o, NULL, NULL, 0, &f) == SFP_OK, "%s: %s", ok[i],
		    f.message);
		sfp_org_fini(&o);
	}
	for (i = 0; bad[i] != NULL; i++) {
		token_env();
		setenv("SF_INSTANCE_URL", bad[i], 1);
		ck_assert_msg(sfp_org_load(&o, NULL, NULL, 0, &f) == SFP_E_INPUT, "%s", bad[i]);
		ck_assert_str_eq(f.code, "host-refused");
		sfp_org_fini(&o);
	}
}
END_TEST

/* A site on the customer's own domain works only when the org file names its
 * host ("siteHost"), for that org: never from the environment alone. */
START_TEST(site_host_only_from_the_org_file)
{
	char dir[256], path[320];
	struct sfp_http_opts ho;
	struct sfp_http *h = NULL;
	struct sfp_org o;
	struct sfp_fail f;

	tu_tmpdir(dir, sizeof(dir), "org-site");
	(void)snprintf(path, sizeof(path), "%s/org.json", dir);
	jwt_env();
	setenv("SF_LOGIN_URL", "https://community.example.org/partners", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "host-refused");
	sfp_org_fini(&o);
	/* There is no environment name for it. */
	setenv("SF_SITE_HOST", "community.example.org", 1);
	ck_assert_int_eq(sfp_org_load(&o, NULL, NULL, 0, &f), SFP_E_INPUT);
	sfp_org_fini(&o);
	unsetenv("SF_SITE_HOST");
	tu_write_file(path, "{\"siteHost\":\"community.example.org\"}", 0600);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.site_host, "community.example.org");
	ck_assert_str_eq(o.audience, "https://community.example.org/partners");
	ck_assert_str_eq(o.token_url, "https://community.example.org/partners/services/oauth2/token");
	/* The session's http handle may contact that host, another handle not. */
	sfp_http_opts_default(&ho);
	ho.site_host = o.site_host;
	ck_assert_int_eq(sfp_http_new(&ho, &h, &f), SFP_OK);
	sfp_http_free(h);
	ck_assert_int_eq(sfp_http_check_url_site(o.token_url, o.site_host, &f), SFP_OK);
	ck_assert_int_eq(sfp_http_check_url(o.token_url, &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url_site("https://other.example.org", o.site_host, &f),
	    SFP_E_INPUT);
	sfp_org_fini(&o);
	/* A URL, a port or junk instead of a host name is refused. */
	tu_write_file(path, "{\"siteHost\":\"https://community.example.org\"}", 0600);
	ck_assert_int_eq(sfp_org_load(&o, path, NULL, 0, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "siteHost"));
	sfp_org_fini(&o);
	tu_write_file(path, "{\"siteHost\":\"community.example.org:443\"}", 0600);
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
	tcase_add_test(tc, jwt_audience_mapped_like_the_cli);
	tcase_add_test(tc, client_credentials_need_my_domain);
	tcase_add_test(tc, retired_api_versions_refused);
	tcase_add_test(tc, documented_salesforce_hosts_accepted);
	tcase_add_test(tc, site_host_only_from_the_org_file);
	suite_add_tcase(s, tc);
	return s;
}
