/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <sodium.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "sign.h"
#include "testutil.h"

#define S1 "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define S2 "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

static enum sfp_status
parse(const char *text, struct sfp_keyring **kr, struct sfp_fail *f)
{
	return sfp_keyring_parse(text, strlen(text), "keys.json", kr, f);
}

START_TEST(test_keyring_good)
{
	const char *text = "{\"_comment\":\"demo\",\"acme\":[{\"id\":\"2026-11\",\"secret\":\"" S1 "\","
	    "\"not_before\":\"2026-11-01T00:00:00Z\"},"
	    "{\"id\":\"2026-08\",\"secret\":\"" S2 "\",\"not_after\":\"2026-12-01T00:00:00Z\"}]}";
	struct sfp_keyring *kr = NULL;
	struct sfp_fail f;
	const struct sfp_tenant *t;
	const struct sfp_key *k;
	int64_t nov1;

	ck_assert_int_eq(parse(text, &kr, &f), SFP_OK);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-11-01T00:00:00Z", &nov1), 1);
	ck_assert_int_eq(nov1, 1793491200);
	t = sfp_keyring_tenant(kr, "acme");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(sfp_keyring_tenant(kr, "Acme"));
	ck_assert_uint_eq(t->nkeys, 2);
	ck_assert_uint_eq(kr->ntenants, 1);   /* the comment is no tenant */
	ck_assert_uint_eq(t->keys[0].key->len, 24);
	/* before the new key's not_before, the old one signs */
	k = sfp_tenant_signing_key(t, nov1 - 1);
	ck_assert_str_eq(k->id, "2026-08");
	k = sfp_tenant_signing_key(t, nov1);
	ck_assert_str_eq(k->id, "2026-11");
	ck_assert_int_eq(sfp_key_valid_at(&t->keys[1], nov1 + 30 * 86400 + 1), 0);
	ck_assert_int_eq(sfp_key_valid_at(&t->keys[1], nov1 + 30 * 86400), 1);
	sfp_keyring_free(kr);
}
END_TEST

START_TEST(test_keyring_refused)
{
	static const char *bad[] = {
		"[]", "{\"acme\":[]}", "{\"acme\":{}}",
		"{\"acme\":[{\"id\":\"a\"}]}",
		"{\"acme\":[{\"secret\":\"" S1 "\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"whsec_\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\",\"not_after\":\"tomorrow\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\",\"not-after\":\"2026-01-01T00:00:00Z\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\"},{\"id\":\"a\",\"secret\":\"" S2 "\"}]}",
		"{\"acme\":[{\"id\":\"a.b\",\"secret\":\"" S1 "\"}]}",
		"{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\",\"id\":\"b\"}]}",
		"{\"_acme\":[{\"id\":\"a\",\"secret\":\"whsec_\"}]}",
	};
	struct sfp_keyring *kr = NULL;
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse(bad[i], &kr, &f) == SFP_E_INPUT, "accepted %s", bad[i]);
		ck_assert_ptr_null(kr);
		ck_assert_ptr_null(strstr(f.message, "MfKQ9r8"));
	}
}
END_TEST

START_TEST(test_keyring_shared_secret)
{
	/* the same key bytes, once with the prefix and once without */
	const char *text = "{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\"}],"
	    "\"globex\":[{\"id\":\"b\",\"secret\":\"" S2 "\"},"
	    "{\"id\":\"c\",\"secret\":\"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}]}";
	struct sfp_keyring *kr = NULL;
	struct sfp_fail f;

	ck_assert_int_eq(parse(text, &kr, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "keyring-shared-secret");
	ck_assert_ptr_nonnull(strstr(f.message, "share a secret"));
	ck_assert_ptr_null(strstr(f.message, "MfKQ"));
}
END_TEST

/* HMAC pads a key to its 64-byte block with zeros (RFC 2104, section 2), so S1's
 * bytes followed by zero bytes are S1 to HMAC: one tenant could sign as the
 * other.  Keys past the block (which HMAC would hash) are refused outright. */
START_TEST(test_keyring_hmac_equivalent_secret)
{
	static const char *const twins[] = {
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAA==",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	};
	char text[512];
	struct sfp_keyring *kr = NULL;
	struct sfp_fail f;
	size_t i;

	for (i = 0; i < 2; i++) {
		(void)snprintf(text, sizeof text, "{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\"}],"
		    "\"globex\":[{\"id\":\"b\",\"secret\":\"%s\"}]}", twins[i]);
		ck_assert_int_eq(parse(text, &kr, &f), SFP_E_INPUT);
		ck_assert_str_eq(f.code, "keyring-shared-secret");
	}
	/* a genuinely different key of another length is still fine */
	ck_assert_int_eq(parse("{\"acme\":[{\"id\":\"a\",\"secret\":\"" S1 "\"}],"
	    "\"globex\":[{\"id\":\"b\",\"secret\":\"" S2 "\"}]}", &kr, &f), SFP_OK);
	sfp_keyring_free(kr);
	/* 65 bytes: longer than the block, refused before any comparison */
	ck_assert_int_eq(parse("{\"acme\":[{\"id\":\"a\",\"secret\":\"whsec_eHh4eHh4eHh4eHh4eHh4eHh4"
	    "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg=\"}]}", &kr, &f),
	    SFP_E_INPUT);
}
END_TEST

START_TEST(test_keyring_file_mode_and_new_key)
{
	char dir[256], path[320], id[64];
	struct sfp_keyring *kr = NULL;
	struct sfp_fail f;
	const struct sfp_tenant *t;
	int fd;

	tu_tmpdir(dir, sizeof dir, "keyring");
	(void)snprintf(path, sizeof path, "%s/keys.json", dir);
	/* a new keyring is created 0600 with one key */
	ck_assert_int_eq(sfp_keyring_new_key(path, "acme", NULL, 1795412345, id, sizeof id, &f),
	    SFP_OK);
	ck_assert_str_eq(id, "20261123T053905Z");
	ck_assert_int_eq(sfp_keyring_new_key(path, "acme", "k2", 0, id, sizeof id, &f), SFP_OK);
	ck_assert_int_eq(sfp_keyring_new_key(path, "acme", "k2", 0, id, sizeof id, &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_keyring_new_key(path, "globex", "k1", 0, id, sizeof id, &f), SFP_OK);
	ck_assert_int_eq(sfp_keyring_load(path, &kr, &f), SFP_OK);
	t = sfp_keyring_tenant(kr, "acme");
	ck_assert_uint_eq(t->nkeys, 2);
	ck_assert_str_eq(t->keys[0].id, "k2");   /* newest first */
	ck_assert_uint_eq(t->keys[0].key->len, 32);
	ck_assert_ptr_nonnull(sfp_keyring_tenant(kr, "globex"));
	sfp_keyring_free(kr);
	kr = NULL;
	/* a keyring readable by others is refused */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(sfp_keyring_load(path, &kr, &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "chmod 600"));
	ck_assert_int_eq(sfp_keyring_new_key(path, "acme", "k3", 0, id, sizeof id, &f), SFP_E_INPUT);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	(void)close(fd);
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_rfc3339)
{
	int64_t t;

	ck_assert_int_eq(sfp_rfc3339_parse("1970-01-01T00:00:00Z", &t), 1);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-12-01T00:00:00.123Z", &t), 1);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-12-01T00:00:00+01:00", &t), 0);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-02-30T00:00:00Z", &t), 0);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-12-01 00:00:00Z", &t), 0);
	ck_assert_int_eq(sfp_rfc3339_parse("2026-12-01T00:00:00Zjunk", &t), 0);
}
END_TEST

Suite *
suite_keyring(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc = tcase_create("keyring");

	/* guarded memory needs libsodium initialised; the runner leaves it to us */
	if (sodium_init() < 0)
		abort();

	tcase_add_test(tc, test_keyring_good);
	tcase_add_test(tc, test_keyring_refused);
	tcase_add_test(tc, test_keyring_shared_secret);
	tcase_add_test(tc, test_keyring_hmac_equivalent_secret);
	tcase_add_test(tc, test_keyring_file_mode_and_new_key);
	tcase_add_test(tc, test_rfc3339);
	suite_add_tcase(s, tc);
	return s;
}
