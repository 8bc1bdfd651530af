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

#include "tenants.h"
#include "tenants_map.h"
#include "testutil.h"

#define ACME_ORG "00D000000000001"
#define ACME_USER "005000000000001"

static char root[64];

static void
put(const char *rel, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", root, rel), (int)sizeof(path));
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void
subdir(const char *rel, mode_t mode)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Each test's directory goes when the test ends (the runner forks per test). */
static void
drop_root(void)
{
	if (root[0] != '\0')
		tu_rmtree(root);
}

static void
fresh_root(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	tu_tmpdir(root, sizeof(root), "tenants");
	atexit(drop_root);
}

static void
tenant(const char *name, const char *json)
{
	char rel[256];

	subdir(name, 0700);
	(void)snprintf(rel, sizeof(rel), "%s/tenant.json", name);
	put(rel, json, 0600);
}

static struct sfp_tenants *
open_root(void)
{
	struct sfp_tenants *ts = NULL;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_tenants_open(root, &ts, &f), SFP_OK);
	return ts;
}

START_TEST(tenant_names)
{
	char long_name[80];

	ck_assert(sfp_tenant_name_valid("acme"));
	ck_assert(sfp_tenant_name_valid("Acme-2.eu_west"));
	ck_assert(sfp_tenant_name_valid("9"));
	ck_assert(!sfp_tenant_name_valid(""));
	ck_assert(!sfp_tenant_name_valid(".hidden"));
	ck_assert(!sfp_tenant_name_valid("-x"));
	ck_assert(!sfp_tenant_name_valid("a..b"));
	ck_assert(!sfp_tenant_name_valid("a/b"));
	ck_assert(!sfp_tenant_name_valid("a b"));
	ck_assert(!sfp_tenant_name_valid("acme\n"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[64] = '\0';
	ck_assert(sfp_tenant_name_valid(long_name));
	long_name[64] = 'a', long_name[65] = '\0';
	ck_assert(!sfp_tenant_name_valid(long_name));
}
END_TEST

START_TEST(salesforce_ids)
{
	/* The 18-character form of a0D30000001n7Pi: one upper-case letter in the
	 * first five (D, third: 4 = E), none in the next five (A), P fourth in
	 * the last five (8 = I). */
	ck_assert(sfp_sfid_valid("a0D30000001n7Pi", NULL));
	ck_assert(sfp_sfid_valid("a0D30000001n7PiEAI", "a0D"));
	ck_assert(!sfp_sfid_valid("a0D30000001n7PiEAJ", NULL));
	ck_assert(!sfp_sfid_valid("a0D30000001n7Pi", "00D"));
	ck_assert(!sfp_sfid_valid("a0D30000001n7P", NULL));
	ck_assert(!sfp_sfid_valid("a0D30000001n7P!", NULL));
	ck_assert(sfp_sfid_same("a0D30000001n7Pi", "a0D30000001n7PiEAI"));
	ck_assert(sfp_sfid_same("a0D30000001n7PiEAI", "a0D30000001n7Pi"));
	/* Case matters in the 15-character id: these are different records. */
	ck_assert(!sfp_sfid_same("a0D30000001n7Pi", "a0D30000001n7PI"));
	ck_assert(!sfp_sfid_same("a0D30000001n7PI", "a0D30000001n7PiEAI"));
	ck_assert(!sfp_sfid_same("", ""));
	ck_assert(sfp_sfid_same_n("a0D30000001n7Pi/rest", 15, "a0D30000001n7PiEAI"));
}
END_TEST

START_TEST(directory_trust)
{
	struct sfp_tenants *ts = NULL;
	struct sfp_fail f;
	char link[128];

	fresh_root();
	ck_assert_int_eq(chmod(root, 0770), 0);
	ck_assert_int_eq(sfp_tenants_open(root, &ts, &f), SFP_E_INPUT);
	ck_assert_ptr_null(ts);
	ck_assert_str_eq(f.code, "bad-tenants-dir");
	ck_assert_ptr_nonnull(strstr(f.message, "writable by group"));
	ck_assert_int_eq(chmod(root, 0755), 0);
	ck_assert_int_eq(sfp_tenants_open(root, &ts, &f), SFP_OK);
	sfp_tenants_free(ts);
	(void)snprintf(link, sizeof(link), "%s.link", root);
	ck_assert_int_eq(symlink(root, link), 0);
	ck_assert_int_eq(sfp_tenants_open(link, &ts, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "symbolic link"));
	(void)unlink(link);
	ck_assert_int_eq(sfp_tenants_open(NULL, &ts, &f), SFP_E_USAGE);
}
END_TEST

START_TEST(tenant_read_with_defaults)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *a, *b, *again;
	struct sfp_fail f;

	fresh_root();
	tenant("acme", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\","
	    "\"comment\":\"portal\",\"_owner\":\"ops\"}");
	tenant("globex", "{\"orgId\":\"00D000000000002\",\"username\":\"int@globex.example\","
	    "\"keyPrefix\":\"gx:\",\"maxApiUsage\":80,\"jobs\":4}");
	ts = open_root();
	ck_assert_int_eq(sfp_tenants_get(ts, "globex", &b, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenants_get(ts, "acme", &a, &f), SFP_OK);
	ck_assert_str_eq(a->key_prefix, "acme:");
	ck_assert_str_eq(a->org_id, ACME_ORG);
	ck_assert_str_eq(a->user_id, ACME_USER);
	ck_assert_str_eq(a->username, "");
	ck_assert_int_eq(a->max_api_usage, 0);
	ck_assert_str_eq(b->key_prefix, "gx:");
	ck_assert_str_eq(b->username, "int@globex.example");
	ck_assert_int_eq(b->max_api_usage, 80);
	ck_assert_int_eq(b->jobs, 4);
	ck_assert_uint_eq(b->slot, 0);
	ck_assert_uint_eq(a->slot, 1);
	ck_assert_ptr_nonnull(strstr(a->mapping_path, "/acme/mapping.json"));
	ck_assert_ptr_nonnull(strstr(a->describe_path, "/acme/describe.json"));
	ck_assert_int_eq(sfp_tenants_get(ts, "acme", &again, &f), SFP_OK);
	ck_assert_ptr_eq(again, a);
	ck_assert(sfp_tenant_key_ok(a, "acme:bk-1"));
	ck_assert(!sfp_tenant_key_ok(a, "acme:"));
	ck_assert(!sfp_tenant_key_ok(a, "gx:bk-1"));
	ck_assert(!sfp_tenant_key_ok(a, "bk-1"));
	sfp_tenants_free(ts);
}
END_TEST

static void
expect_refused(struct sfp_tenants *ts, const char *name, const char *code, const char *words)
{
	const struct sfp_tenant_conf *c = (const void *)1;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_tenants_get(ts, name, &c, &f), SFP_E_ITEM);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(f.code, code);
	ck_assert_msg(strstr(f.message, words) != NULL, "%s: %s", name, f.message);
	ck_assert_int_eq(strncmp(f.place, "tenant", 6), 0);
}

START_TEST(tenants_refused_one_by_one)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *c;
	struct sfp_fail f;
	char path[256];

	fresh_root();
	tenant("noorg", "{\"userId\":\"" ACME_USER "\"}");
	tenant("nouser", "{\"orgId\":\"" ACME_ORG "\"}");
	tenant("typo", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyprefix\":\"x:\"}");
	tenant("badorg", "{\"orgId\":\"005000000000001\",\"userId\":\"" ACME_USER "\"}");
	tenant("badprefix", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"a:b\"}");
	tenant("badjobs", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"jobs\":1.5}");
	tenant("notjson", "{\"orgId\":");
	tenant("gw", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	put("gw/tenant.json", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}", 0620);
	subdir("opendir", 0777);
	put("opendir/tenant.json", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}", 0600);
	subdir("nofile", 0700);
	tenant("real", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	(void)snprintf(path, sizeof(path), "%s/linked", root);
	ck_assert_int_eq(symlink("real", path), 0);
	tenant("jsonlink", "{}");
	(void)snprintf(path, sizeof(path), "%s/jsonlink/tenant.json", root);
	(void)unlink(path);
	ck_assert_int_eq(symlink("../real/tenant.json", path), 0);
	ts = open_root();
	expect_refused(ts, "noorg", "bad-tenant", "orgId is required");
	expect_refused(ts, "nouser", "bad-tenant", "userId or username is required");
	expect_refused(ts, "typo", "bad-tenant", "keyprefix: unknown member");
	expect_refused(ts, "badorg", "bad-tenant", "org id (00D");
	expect_refused(ts, "badprefix", "bad-tenant", "keyPrefix");
	expect_refused(ts, "badjobs", "bad-tenant", "jobs");
	expect_refused(ts, "notjson", "bad-tenant", "unexpected end");
	expect_refused(ts, "gw", "bad-tenant", "writable by group");
	expect_refused(ts, "opendir", "bad-tenant", "writable by group");
	expect_refused(ts, "nofile", "missing", "tenant.json: missing");
	expect_refused(ts, "linked", "bad-tenant", "links are not followed");
	expect_refused(ts, "jsonlink", "bad-tenant", "symbolic link");
	expect_refused(ts, "nobody", "unknown-tenant", "no such tenant");
	expect_refused(ts, "../real", "bad-tenant-name", "not a usable tenant name");
	expect_refused(ts, "", "bad-tenant-name", "not a usable tenant name");
	/* A refusal is kept: fixing the file mid-run changes nothing until the next run. */
	tenant("nobody", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	expect_refused(ts, "nobody", "unknown-tenant", "no such tenant");
	ck_assert_int_eq(sfp_tenants_get(ts, "real", &c, &f), SFP_OK);
	ck_assert_uint_eq(c->slot, 0);
	sfp_tenants_free(ts);
}
END_TEST

START_TEST(shared_org_needs_distinct_prefixes)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *c;
	struct sfp_fail f;

	fresh_root();
	tenant("acme", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"p:\"}");
	tenant("acme2", "{\"orgId\":\"" ACME_ORG "EAA\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"p:\"}");
	tenant("other", "{\"orgId\":\"00D000000000002\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"p:\"}");
	ts = open_root();
	ck_assert_int_eq(sfp_tenants_get(ts, "acme", &c, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenants_get(ts, "other", &c, &f), SFP_OK);
	expect_refused(ts, "acme2", "bad-tenant", "also tenant acme's in the same org");
	sfp_tenants_free(ts);
}
END_TEST

/* External ids can match regardless of case, so prefixes that differ only in
 * case clash too, given or by default (the tenant's name and a colon). */
START_TEST(prefix_clash_ignores_case)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *c;
	struct sfp_fail f;

	fresh_root();
	tenant("acme", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"Acme.EU:\"}");
	tenant("shout", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"ACME.eu:\"}");
	tenant("Gx", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	tenant("gx", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	tenant("gx2", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"gx2:\"}");
	ts = open_root();
	ck_assert_int_eq(sfp_tenants_get(ts, "acme", &c, &f), SFP_OK);
	expect_refused(ts, "shout", "bad-tenant", "also tenant acme's in the same org (Acme.EU:");
	ck_assert_int_eq(sfp_tenants_get(ts, "Gx", &c, &f), SFP_OK);
	ck_assert_str_eq(c->key_prefix, "Gx:");
	expect_refused(ts, "gx", "bad-tenant", "keyPrefix gx: is also tenant Gx's");
	/* A prefix that only begins like another is no clash. */
	ck_assert_int_eq(sfp_tenants_get(ts, "gx2", &c, &f), SFP_OK);
	sfp_tenants_free(ts);
}
END_TEST

START_TEST(lazy_among_many)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *c;
	const char **names;
	struct sfp_fail f;
	char name[32];
	size_t n;
	int i;

	fresh_root();
	/* 500 tenants whose tenant.json would be refused if anything read them. */
	for (i = 0; i < 500; i++) {
		(void)snprintf(name, sizeof(name), "t%03d", i);
		tenant(name, "not json");
	}
	tenant("zeta", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	put("README", "not a tenant", 0644);
	subdir(".trash", 0700);
	ts = open_root();
	ck_assert_int_eq(sfp_tenants_get(ts, "zeta", &c, &f), SFP_OK);
	ck_assert_uint_eq(c->slot, 0);
	ck_assert_int_eq(sfp_tenants_list(ts, &names, &n, &f), SFP_OK);
	ck_assert_uint_eq(n, 501);
	ck_assert_str_eq(names[0], "t000");
	ck_assert_str_eq(names[499], "t499");
	ck_assert_str_eq(names[500], "zeta");
	sfp_tenants_free(ts);
}
END_TEST

START_TEST(org_settings_bound)
{
	struct sfp_tenants *ts;
	const struct sfp_tenant_conf *c;
	struct sfp_org o;
	struct sfp_fail f;
	char want[512];

	fresh_root();
	(void)snprintf(want, sizeof(want), "%s/cache", root);
	setenv("SFPIPE_CACHE_DIR", want, 1);
	/* Credentials and URLs of the environment belong to no tenant. */
	setenv("SF_INSTANCE_URL", "https://default.my.salesforce.com", 1);
	setenv("SF_USERNAME", "default@example.com", 1);
	tenant("acme", "{\"orgId\":\"" ACME_ORG "\",\"username\":\"int@acme.example\"}");
	put("acme/org.json", "{\"clientId\":\"cid\",\"refreshTokenFile\":\"refresh.token\","
	    "\"loginUrl\":\"https://acme.my.salesforce.com\"}", 0600);
	tenant("ann", "{\"orgId\":\"" ACME_ORG "\",\"username\":\"ann@acme.example\",\"keyPrefix\":\"ann:\"}");
	put("ann/org.json", "{\"clientId\":\"cid\",\"refreshTokenFile\":\"/x\","
	    "\"username\":\"int@acme.example\"}", 0600);
	tenant("other", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"o:\"}");
	put("other/org.json", "{\"clientId\":\"cid\",\"refreshTokenFile\":\"/x\","
	    "\"orgId\":\"00D000000000002\"}", 0600);
	tenant("noorgfile", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\",\"keyPrefix\":\"n:\"}");
	ts = open_root();

	ck_assert_int_eq(sfp_tenants_get(ts, "acme", &c, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenant_org_load(c, &o, NULL, 0, &f), SFP_OK);
	ck_assert_str_eq(o.instance_url, "");
	ck_assert_str_eq(o.username, "int@acme.example");
	ck_assert_str_eq(o.org_id, ACME_ORG);
	(void)snprintf(want, sizeof(want), "%s/acme/refresh.token", root);
	ck_assert_str_eq(o.refresh_token_file, want);
	sfp_org_fini(&o);

	ck_assert_int_eq(sfp_tenants_get(ts, "ann", &c, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenant_org_load(c, &o, NULL, 0, &f), SFP_E_ITEM);
	ck_assert_ptr_nonnull(strstr(f.message, "username differs"));
	sfp_org_fini(&o);
	ck_assert_int_eq(sfp_tenants_get(ts, "other", &c, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenant_org_load(c, &o, NULL, 0, &f), SFP_E_ITEM);
	ck_assert_ptr_nonnull(strstr(f.message, "orgId differs"));
	sfp_org_fini(&o);
	ck_assert_int_eq(sfp_tenants_get(ts, "noorgfile", &c, &f), SFP_OK);
	ck_assert_int_eq(sfp_tenant_org_load(c, &o, NULL, 0, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "missing");
	ck_assert_int_eq(sfp_tenant_check_file(c, c->mapping_path, &f), SFP_E_ITEM);
	sfp_org_fini(&o);
	sfp_tenants_free(ts);
	unsetenv("SF_INSTANCE_URL");
	unsetenv("SF_USERNAME");
}
END_TEST


/* Map input (tagged lines) through sfp_tenants_map_stream; the output text. */
static char *
map_stream(const char *input, enum sfp_status *st_out, unsigned long *failed)
{
	struct sfp_tenants *ts = open_root();
	struct sfp_map_counts counts;
	struct sfp_writer w;
	struct sfp_reader *r;
	struct sfp_fail f;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int fd = tu_fd_over(input, strlen(input));

	ck_assert_ptr_nonnull(out);
	r = sfp_reader_new(fd, "<test>", NULL);
	ck_assert_ptr_nonnull(r);
	sfp_writer_init(&w, out, "<out>", 0);
	*st_out = sfp_tenants_map_stream(ts, r, &w, NULL, NULL, NULL, &counts, &f);
	ck_assert_int_eq(sfp_writer_fini(&w, &f), SFP_OK);
	fclose(out);
	sfp_reader_free(r);
	close(fd);
	sfp_tenants_free(ts);
	*failed = counts.failed;
	return buf;
}

START_TEST(map_each_by_its_tenant)
{
	static const char catalog[] =
	    "{\"name\":\"Lead\",\"label\":\"Lead\",\"keyPrefix\":\"00Q\",\"custom\":false,"
	    "\"createable\":true,\"updateable\":true,\"queryable\":true,\"fields\":["
	    "{\"name\":\"LastName\",\"label\":\"L\",\"type\":\"string\",\"length\":80,"
	    "\"precision\":0,\"scale\":0,\"digits\":0,\"createable\":true,\"updateable\":true,"
	    "\"nillable\":false,\"defaultedOnCreate\":false,\"required\":true,\"externalId\":false,"
	    "\"unique\":false,\"idLookup\":false,\"restricted\":false,\"referenceTo\":[],"
	    "\"relationshipName\":null,\"picklist\":[]},"
	    "{\"name\":\"Booking_Key__c\",\"label\":\"K\",\"type\":\"string\",\"length\":80,"
	    "\"precision\":0,\"scale\":0,\"digits\":0,\"createable\":true,\"updateable\":true,"
	    "\"nillable\":true,\"defaultedOnCreate\":false,\"required\":false,\"externalId\":true,"
	    "\"unique\":true,\"idLookup\":true,\"restricted\":false,\"referenceTo\":[],"
	    "\"relationshipName\":null,\"picklist\":[]}]}\n";
	static const char mapping[] =
	    "{\"id\":\"id\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\","
	    "\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"{{$tenant}}:{{id}}\"},"
	    "\"fields\":{\"LastName\":\"{{name}}\"}}]}";
	enum sfp_status st;
	unsigned long failed;
	char *out;

	fresh_root();
	tenant("acme", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	tenant("globex", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	tenant("broken", "{\"orgId\":\"" ACME_ORG "\",\"userId\":\"" ACME_USER "\"}");
	put("acme/mapping.json", mapping, 0600);
	put("acme/describe.json", catalog, 0600);
	put("globex/mapping.json", mapping, 0600);
	put("globex/describe.json", catalog, 0600);
	put("broken/mapping.json", "{\"id\":\"id\",\"records\":[{\"ref\":\"x\",\"sobject\":\"Nope\"}]}", 0600);
	put("broken/describe.json", catalog, 0600);
	out = map_stream(
	    "{\"tenant\":\"acme\",\"body\":{\"id\":\"bk-1\",\"name\":\"A\"}}\n"
	    "{\"tenant\":\"globex\",\"body\":{\"id\":\"bk-1\",\"name\":\"G\",\"tenant\":\"acme\"}}\n"
	    "{\"id\":\"bk-2\",\"name\":\"untagged\"}\n"
	    "{\"tenant\":\"acme\",\"body\":{\"id\":\"bk-3\"},\"extra\":1}\n"
	    "{\"tenant\":\"nobody\",\"body\":{\"id\":\"bk-4\",\"name\":\"N\"}}\n"
	    "{\"tenant\":\"broken\",\"body\":{\"id\":\"bk-5\",\"name\":\"B\"}}\n"
	    "{\"tenant\":\"broken\",\"body\":{\"id\":\"bk-6\",\"name\":\"B\"}}\n"
	    "{\"tenant\":\"acme\",\"body\":\"bk-7\"}\n", &st, &failed);
	ck_assert_int_eq(st, SFP_E_ITEM);
	ck_assert_uint_eq(failed, 6);
	ck_assert_msg(strstr(out, "{\"tenant\":\"acme\",\"id\":\"bk-1\",\"records\":[{\"ref\":\"lead\","
	    "\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"acme:bk-1\"}")
	    != NULL, "%s", out);
	/* The body's own "tenant" is data: the key is globex's. */
	ck_assert_ptr_nonnull(strstr(out, "{\"tenant\":\"globex\",\"id\":\"bk-1\","));
	ck_assert_ptr_nonnull(strstr(out, "\"value\":\"globex:bk-1\""));
	ck_assert_ptr_null(strstr(out, "\"value\":\"acme:bk-2\""));
	ck_assert_ptr_nonnull(strstr(out, "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"untagged\""));
	/* A line with more than tenant and body is no tagged item: no tenant claimed. */
	ck_assert_ptr_nonnull(strstr(strstr(out, "\"code\":\"untagged\"") + 1,
	    "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"untagged\""));
	ck_assert_ptr_nonnull(strstr(out, "{\"tenant\":\"nobody\",\"id\":null,\"ok\":false,"
	    "\"error\":{\"code\":\"unknown-tenant\""));
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"bad-mapping\""));
	ck_assert_ptr_nonnull(strstr(out, "\"input\":{\"tenant\":\"broken\",\"body\":{\"id\":\"bk-6\""));
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"not-a-booking\""));
	free(out);
}
END_TEST

Suite *
suite_tenants(void)
{
	Suite *s = suite_create("tenants");
	TCase *tc = tcase_create("tenants");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, tenant_names);
	tcase_add_test(tc, salesforce_ids);
	tcase_add_test(tc, directory_trust);
	tcase_add_test(tc, tenant_read_with_defaults);
	tcase_add_test(tc, tenants_refused_one_by_one);
	tcase_add_test(tc, shared_org_needs_distinct_prefixes);
	tcase_add_test(tc, prefix_clash_ignores_case);
	tcase_add_test(tc, lazy_among_many);
	tcase_add_test(tc, org_settings_bound);
	tcase_add_test(tc, map_each_by_its_tenant);
	suite_add_tcase(s, tc);
	return s;
}
