/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provision.h"
#include "testutil.h"

static char conf_path[256];

static void
write_conf(const char *text)
{
	FILE *fp;
	int fd;

	fd = tu_tmpfile(conf_path, sizeof(conf_path), "provision");
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	(void)fputs(text, fp);
	(void)fclose(fp);
}

static const char *const CONF = "{\"usernameSuffix\":\".acme\",\"defaultProfile\":\"customer\","
    "\"profiles\":{\"customer\":\"Customer Community User\",\"partner\":\"Partner Community User\"},"
    "\"timezone\":\"Europe/London\",\"locale\":\"en_GB\",\"language\":\"en_US\","
    "\"locales\":{\"de\":\"de_DE\"},\"languages\":{\"de\":\"de\"}}";

static struct sfp_prov_conf conf;

static void
load(void)
{
	struct sfp_fail f;

	write_conf(CONF);
	sfp_fail_clear(&f);
	ck_assert_int_eq(sfp_prov_conf_load(conf_path, &conf, &f), SFP_OK);
	(void)unlink(conf_path);
}

static void
unload(void)
{
	sfp_prov_conf_fini(&conf);
}

/* The item of one tagged line built from body (JSON text). */
static enum sfp_status
item_of(const char *body, struct sfp_prov_item *it, struct sfp_fail *f, cJSON **line)
{
	char buf[4096];

	(void)snprintf(buf, sizeof(buf), "{\"tenant\":\"acme\",\"body\":%s}", body);
	*line = cJSON_Parse(buf);
	ck_assert_ptr_nonnull(*line);
	sfp_fail_clear(f);
	return sfp_prov_item_from(&conf, "acme", "acme:", *line, it, f);
}

#define EXT "\"urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User\""

START_TEST(derives_the_user_from_a_scim_request)
{
	struct sfp_prov_item it;
	struct sfp_fail f;
	cJSON *line;

	ck_assert_int_eq(item_of("{\"externalId\":\"u-1\",\"userName\":\"ada@x.example\","
	    "\"name\":{\"givenName\":\"Ada\",\"familyName\":\"Lovelace-Byron\"},"
	    "\"emails\":[{\"value\":\"old@x.example\"},{\"value\":\"ada@x.example\",\"primary\":true}],"
	    "\"locale\":\"de-AT\",\"preferredLanguage\":\"de-AT\",\"meta\":{\"lastModified\":\"2026-12-04T10:00:00Z\"},"
	    "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"organization\":\"AE Ltd\"},"
	    EXT ":{\"accountKey\":\"ae\",\"profile\":\"partner\"}}", &it, &f, &line), SFP_OK);
	ck_assert_str_eq(it.user_key, "acme:u-1");
	ck_assert_str_eq(it.account_key, "acme:ae");
	ck_assert_str_eq(it.account_name, "AE Ltd");
	ck_assert_str_eq(it.username, "ada@x.example.acme");
	ck_assert_str_eq(it.email, "ada@x.example");           /* the primary one */
	ck_assert_str_eq(it.alias, "alovelac");                /* 8 characters, ASCII */
	ck_assert_str_eq(it.locale, "de_AT");                  /* only "de" is mapped */
	ck_assert_str_eq(it.language, "de");                   /* by primary subtag */
	ck_assert_str_eq(it.timezone, "Europe/London");        /* the default */
	ck_assert_str_eq(it.profile, "Partner Community User");
	ck_assert_str_eq(it.version, "2026-12-04T10:00:00Z");
	ck_assert_int_eq(it.deprovision, 0);
	ck_assert_int_le(strlen(it.nickname), 40);
	ck_assert_msg(strncmp(it.nickname, "ada.", 4) == 0, "nickname %s", it.nickname);
	cJSON_Delete(line);
}
END_TEST

START_TEST(nicknames_differ_by_key)
{
	struct sfp_prov_item a, b;
	struct sfp_fail f;
	cJSON *l1, *l2;

	ck_assert_int_eq(item_of("{\"externalId\":\"u-1\",\"userName\":\"ada@x.example\","
	    "\"name\":{\"familyName\":\"L\"},\"emails\":[{\"value\":\"a@x.example\"}],"
	    EXT ":{\"accountKey\":\"ae\"}}", &a, &f, &l1), SFP_OK);
	ck_assert_int_eq(item_of("{\"externalId\":\"u-2\",\"userName\":\"ada@x.example\","
	    "\"name\":{\"familyName\":\"L\"},\"emails\":[{\"value\":\"a@x.example\"}],"
	    EXT ":{\"accountKey\":\"ae\"}}", &b, &f, &l2), SFP_OK);
	ck_assert_str_ne(a.nickname, b.nickname);
	ck_assert_str_eq(a.profile, "Customer Community User");   /* defaultProfile */
	ck_assert_str_eq(a.alias, "l");
	cJSON_Delete(l1);
	cJSON_Delete(l2);
}
END_TEST

START_TEST(deprovision_needs_only_the_user)
{
	struct sfp_prov_item it;
	struct sfp_fail f;
	cJSON *line;

	ck_assert_int_eq(item_of("{\"userName\":\"ada@x.example\",\"active\":false}", &it, &f,
	    &line), SFP_OK);
	ck_assert_int_eq(it.deprovision, 1);
	ck_assert_str_eq(it.user_key, "acme:ada@x.example");
	cJSON_Delete(line);
	ck_assert_int_eq(item_of("{\"userName\":\"ada@x.example\"," EXT ":{\"delete\":true}}",
	    &it, &f, &line), SFP_OK);
	ck_assert_int_eq(it.deprovision, 1);
	cJSON_Delete(line);
}
END_TEST

START_TEST(refuses_what_cannot_be_provisioned)
{
	static const struct { const char *body, *place; } bad[] = {
		{ "[]", "body" },
		{ "{\"name\":{\"familyName\":\"L\"}}", "body.userName" },
		{ "{\"userName\":\"nobody\",\"name\":{\"familyName\":\"L\"}}", "body.userName" },
		{ "{\"userName\":\"a@x\",\"active\":\"no\"}", "body.active" },
		{ "{\"userName\":\"a@x\",\"name\":{\"familyName\":\"L\"},\"emails\":[{\"value\":\"a@x\"}]}",
		  "body." "urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User" },
		{ "{\"userName\":\"a@x\",\"emails\":[{\"value\":\"a@x\"}]," EXT ":{\"accountKey\":\"k\"}}",
		  "body.name.familyName" },
		{ "{\"userName\":\"a@x\",\"name\":{\"familyName\":\"L\"}," EXT ":{\"accountKey\":\"k\"}}",
		  "body.emails" },
		/* a profile the config does not list, such as an internal one */
		{ "{\"userName\":\"a@x\",\"name\":{\"familyName\":\"L\"},\"emails\":[{\"value\":\"a@x\"}],"
		  EXT ":{\"accountKey\":\"k\",\"profile\":\"System Administrator\"}}",
		  "body." "urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User" ".profile" },
		{ "{\"userName\":\"a@x\",\"name\":{\"familyName\":\"L\"},\"emails\":[{\"value\":\"a@x\"}],"
		  EXT ":{\"accountKey\":\"k\\u0001\"}}",
		  "body." "urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User" ".accountKey" },
	};
	struct sfp_prov_item it;
	struct sfp_fail f;
	cJSON *line;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(item_of(bad[i].body, &it, &f, &line) == SFP_E_ITEM, "accepted %s",
		    bad[i].body);
		ck_assert_str_eq(f.code, "bad-request");
		ck_assert_msg(strcmp(f.place, bad[i].place) == 0, "%s: place %s", bad[i].body, f.place);
		cJSON_Delete(line);
	}
}
END_TEST

START_TEST(config_refuses_unknown_members_and_no_profiles)
{
	static const char *const bad[] = {
		"[]", "{\"profiles\":{}}", "{\"profile\":{\"a\":\"b\"}}",
		"{\"profiles\":{\"a\":\"B\"},\"defaultProfile\":\"c\"}",
		"{\"profiles\":{\"a\":\"\"}}", "{\"profiles\":{\"a\":\"B\"},\"usernameSuffix\":1}",
	};
	struct sfp_prov_conf c;
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i]);
		sfp_fail_clear(&f);
		ck_assert_msg(sfp_prov_conf_load(conf_path, &c, &f) == SFP_E_INPUT, "took %s", bad[i]);
		(void)unlink(conf_path);
	}
}
END_TEST

START_TEST(failed_result_carries_the_input)
{
	struct sfp_prov_item it;
	struct sfp_fail f;
	cJSON *line, *res;
	char *text;

	ck_assert_int_eq(item_of("{\"userName\":\"a@x\"," EXT ":{\"accountKey\":\"k\"}}", &it,
	    &f, &line), SFP_E_ITEM);
	it.fail = f;
	it.outcome = SFP_PROV_FAILED;
	res = sfp_prov_result(&it);
	text = cJSON_PrintUnformatted(res);
	ck_assert_str_eq(text, "{\"tenant\":\"acme\",\"id\":\"a@x\",\"outcome\":\"failed\",\"error\":"
	    "{\"code\":\"bad-request\",\"message\":\"a family name (1-80 bytes) is required\","
	    "\"place\":\"body.name.familyName\"},\"input\":{\"tenant\":\"acme\",\"body\":"
	    "{\"userName\":\"a@x\",\"urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User\""
	    ":{\"accountKey\":\"k\"}}}}");
	free(text);
	cJSON_Delete(res);
	cJSON_Delete(line);
}
END_TEST

Suite *suite_provision(void);

Suite *
suite_provision(void)
{
	Suite *s = suite_create("provision");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, derives_the_user_from_a_scim_request);
	tcase_add_test(tc, nicknames_differ_by_key);
	tcase_add_test(tc, deprovision_needs_only_the_user);
	tcase_add_test(tc, refuses_what_cannot_be_provisioned);
	tcase_add_test(tc, config_refuses_unknown_members_and_no_profiles);
	tcase_add_test(tc, failed_result_carries_the_input);
	suite_add_tcase(s, tc);
	return s;
}
