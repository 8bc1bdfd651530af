/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "auth.h"
#include "testutil.h"

static char dir[64];
static char keypath[128];
static EVP_PKEY *key;

static void
setup_key(void)
{
	FILE *fp;

	ck_assert_int_ge(sodium_init(), 0);
	tu_tmpdir(dir, sizeof(dir), "auth");
	(void)snprintf(keypath, sizeof(keypath), "%s/key.pem", dir);
	key = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(key);
	fp = fopen(keypath, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(chmod(keypath, 0600), 0);
	ck_assert_int_eq(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
}

static void
drop_key(void)
{
	tu_rmtree(dir);
	EVP_PKEY_free(key);
	key = NULL;
}

static void
org_for_jwt(struct sfp_org *o)
{
	sfp_org_init(o);
	(void)snprintf(o->client_id, sizeof(o->client_id), "3MVGclient");
	(void)snprintf(o->username, sizeof(o->username), "integration@acme.example");
	(void)snprintf(o->audience, sizeof(o->audience), "https://login.salesforce.com");
	(void)snprintf(o->jwt_key_file, sizeof(o->jwt_key_file), "%s", keypath);
	o->flow = SFP_FLOW_JWT;
}

static cJSON *
decode_part(const char *p, size_t len)
{
	unsigned char buf[2048];
	size_t n = 0;

	ck_assert_int_eq(sodium_base642bin(buf, sizeof(buf) - 1, p, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	buf[n] = '\0';
	return cJSON_Parse((const char *)buf);
}

START_TEST(jwt_assertion_claims_and_signature)
{
	struct sfp_org o;
	struct sfp_secret *a = NULL;
	struct sfp_fail f;
	const char *s, *d1, *d2;
	cJSON *h, *c;
	unsigned char sig[512];
	size_t siglen = 0;
	EVP_MD_CTX *md;

	setup_key();
	org_for_jwt(&o);
	ck_assert_int_eq(sfp_auth_jwt_assertion(&o, 1795412345, &a, &f), SFP_OK);
	s = (const char *)a->bytes;
	d1 = strchr(s, '.');
	ck_assert_ptr_nonnull(d1);
	d2 = strchr(d1 + 1, '.');
	ck_assert_ptr_nonnull(d2);
	ck_assert_ptr_null(strchr(d2 + 1, '.'));
	ck_assert_ptr_null(strchr(s, '='));         /* base64url without padding */
	h = decode_part(s, (size_t)(d1 - s));
	c = decode_part(d1 + 1, (size_t)(d2 - d1 - 1));
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(h, "alg")->valuestring, "RS256");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "iss")->valuestring, "3MVGclient");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "sub")->valuestring,
	    "integration@acme.example");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "aud")->valuestring,
	    "https://login.salesforce.com");
	/* exp at most 3 minutes ahead, as Salesforce requires. */
	ck_assert(cJSON_GetObjectItemCaseSensitive(c, "exp")->valuedouble > 1795412345.0);
	ck_assert(cJSON_GetObjectItemCaseSensitive(c, "exp")->valuedouble <= 1795412345.0 + 180);
	ck_assert_int_eq(sodium_base642bin(sig, sizeof(sig), d2 + 1, strlen(d2 + 1), NULL, &siglen,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	md = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestVerify(md, sig, siglen, (const unsigned char *)s,
	    (size_t)(d2 - s)), 1);
	EVP_MD_CTX_free(md);
	cJSON_Delete(h);
	cJSON_Delete(c);
	sfp_secret_free(a);
	sfp_org_fini(&o);
	drop_key();
}
END_TEST

START_TEST(jwt_key_refusals)
{
	struct sfp_org o;
	struct sfp_secret *a = NULL;
	struct sfp_fail f;
	FILE *fp;

	setup_key();
	org_for_jwt(&o);
	ck_assert_int_eq(chmod(keypath, 0644), 0);
	ck_assert_int_eq(sfp_auth_jwt_assertion(&o, 0, &a, &f), SFP_E_INPUT);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(chmod(keypath, 0600), 0);
	fp = fopen(keypath, "w");
	fputs("not a key\n", fp);
	fclose(fp);
	ck_assert_int_eq(sfp_auth_jwt_assertion(&o, 0, &a, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "bad-key");
	fp = fopen(keypath, "w");
	{
		EVP_PKEY *ec = EVP_EC_gen("P-256");
		PEM_write_PrivateKey(fp, ec, NULL, NULL, 0, NULL, NULL);
		EVP_PKEY_free(ec);
	}
	fclose(fp);
	ck_assert_int_eq(sfp_auth_jwt_assertion(&o, 0, &a, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "rsa"));
	(void)snprintf(o.jwt_key_file, sizeof(o.jwt_key_file), "%s/missing.pem", dir);
	ck_assert_int_eq(sfp_auth_jwt_assertion(&o, 0, &a, &f), SFP_E_INPUT);
	sfp_org_fini(&o);
	(void)snprintf(keypath, sizeof(keypath), "%s/key.pem", dir);
	drop_key();
}
END_TEST

START_TEST(oauth_errors_name_cause_and_setting)
{
	struct sfp_fail f;
	const char *b;

	b = "{\"error\":\"invalid_grant\",\"error_description\":\"audience is invalid\"}";
	ck_assert_int_eq(sfp_auth_fail_from_response(SFP_FLOW_JWT, 400, b, strlen(b), &f), SFP_E_AUTH);
	ck_assert_str_eq(f.code, "invalid_grant");
	ck_assert_str_eq(f.message, "jwt bearer: invalid_grant: audience is invalid (check SF_AUDIENCE)");
	b = "{\"error\":\"invalid_grant\",\"error_description\":\"expired access/refresh token\"}";
	sfp_auth_fail_from_response(SFP_FLOW_REFRESH, 400, b, strlen(b), &f);
	ck_assert_ptr_nonnull(strstr(f.message, "refresh token: invalid_grant"));
	ck_assert_ptr_nonnull(strstr(f.message, "SF_REFRESH_TOKEN_FILE"));
	b = "{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}";
	sfp_auth_fail_from_response(SFP_FLOW_CLIENT, 400, b, strlen(b), &f);
	ck_assert_ptr_nonnull(strstr(f.message, "SF_CLIENT_SECRET_FILE"));
	b = "{\"error\":\"invalid_grant\",\"error_description\":\"no client credentials user enabled\"}";
	sfp_auth_fail_from_response(SFP_FLOW_CLIENT, 400, b, strlen(b), &f);
	ck_assert_ptr_nonnull(strstr(f.message, "run-as user"));
	/* Client credentials refused on a host other than the org's My Domain. */
	b = "{\"error\":\"invalid_grant\",\"error_description\":\"request not supported on this domain\"}";
	sfp_auth_fail_from_response(SFP_FLOW_CLIENT, 400, b, strlen(b), &f);
	ck_assert_ptr_nonnull(strstr(f.message, "works only on the org's my domain"));
	b = "<html>maintenance</html>";
	ck_assert_int_eq(sfp_auth_fail_from_response(SFP_FLOW_JWT, 503, b, strlen(b), &f), SFP_E_TEMP);
	b = "{\"error\":\"rate_limit_exceeded\",\"error_description\":\"slow down\"}";
	ck_assert_int_eq(sfp_auth_fail_from_response(SFP_FLOW_JWT, 400, b, strlen(b), &f), SFP_E_TEMP);
	ck_assert_int_eq(sfp_auth_fail_from_response(SFP_FLOW_JWT, 401, NULL, 0, &f), SFP_E_AUTH);
	ck_assert_ptr_null(strchr(f.message, '\n'));
}
END_TEST

START_TEST(cache_path_per_org_and_user)
{
	struct sfp_org a, b;
	char pa[512], pb[512];

	sfp_org_init(&a);
	(void)snprintf(a.cache_dir, sizeof(a.cache_dir), "/c");
	(void)snprintf(a.token_url, sizeof(a.token_url), "https://login.salesforce.com/services/oauth2/token");
	(void)snprintf(a.username, sizeof(a.username), "u1");
	a.flow = SFP_FLOW_JWT;
	b = a;
	ck_assert_int_eq(sfp_auth_cache_path(&a, pa, sizeof(pa)), 0);
	ck_assert_int_eq(sfp_auth_cache_path(&b, pb, sizeof(pb)), 0);
	ck_assert_str_eq(pa, pb);
	ck_assert(strncmp(pa, "/c/tokens/", 10) == 0);
	(void)snprintf(b.username, sizeof(b.username), "u2");
	ck_assert_int_eq(sfp_auth_cache_path(&b, pb, sizeof(pb)), 0);
	ck_assert_str_ne(pa, pb);
	ck_assert_ptr_null(strstr(pb, "u2"));          /* names are hashed, never paths */
	ck_assert_int_eq(sfp_auth_cache_path(&a, pa, 12), -1);
}
END_TEST

Suite *
suite_auth(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, jwt_assertion_claims_and_signature);
	tcase_add_test(tc, jwt_key_refusals);
	tcase_add_test(tc, oauth_errors_name_cause_and_setting);
	tcase_add_test(tc, cache_path_per_org_and_user);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
