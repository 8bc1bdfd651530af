/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envelope.h"
#include "stream.h"
#include "testutil.h"

static char dir[64], keys[128], store[128];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "envelope");
	(void)snprintf(keys, sizeof keys, "%s/keys.json", dir);
	(void)snprintf(store, sizeof store, "%s/replay.sqlite", dir);
	tu_write_file(keys, "{\"sw\":[{\"id\":\"v1\",\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}],"
	    "\"rust\":[{\"id\":\"v2\",\"secret\":\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\"}]}", 0600);
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

/* A file holding text, opened for reading. */
static int
input(const char *text)
{
	return tu_fd_over(text, strlen(text));
}

/* Run the verifier over text; return what it wrote. */
static char *
verify(const char *text, struct sfp_hverify_opts *o, enum sfp_status *st,
    struct sfp_hverify_stats *stats)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct sfp_fail f;
	int fd = input(text);

	ck_assert_ptr_nonnull(out);
	o->shared.keyring = keys;
	o->shared.replay_store = store;
	*st = sfp_hmac_verify_run(o, fd, out, stats, &f);
	(void)fclose(out);
	(void)close(fd);
	return buf;
}

#define V1 "{\"tenant\":\"sw\",\"id\":\"msg_p5jXN8AQM9LWM0D4loKWxJek\",\"timestamp\":1614265330," \
	"\"signature\":\"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\"," \
	"\"body\":\"{\\\"test\\\": 2432232314}\"}"

START_TEST(test_verify_order_and_reasons)
{
	struct sfp_hverify_opts o = { .now = 1614265330 };
	struct sfp_hverify_stats stats = { 0, 0 };
	enum sfp_status st;
	char *out = verify(V1 "\n" V1 "\n[1,2]\n{\"tenant\":\"nobody\"}\n", &o, &st, &stats);

	ck_assert_int_eq(st, SFP_E_ITEM);
	ck_assert_uint_eq(stats.accepted, 1);
	ck_assert_uint_eq(stats.refused, 3);
	ck_assert_ptr_nonnull(strstr(out, "{\"test\": 2432232314}\n{\"id\":\"msg_p5jX"));
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"replayed\""));
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"malformed\""));
	ck_assert_ptr_null(strstr(out, "MfKQ9r8"));
	free(out);
}
END_TEST

/* The option rules live in one function, which the library applies too: a
 * caller that skips the program's check is still refused. */
START_TEST(test_verify_option_rules)
{
	struct sfp_hverify_opts o = { .now = 1614265330 };
	struct sfp_hverify_stats stats = { 0, 0 };
	struct sfp_fail f;
	enum sfp_status st;
	char *out;

	ck_assert_int_eq(sfp_hverify_opts_check(&o, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--keyring is required");
	o.shared.keyring = "keys.json";
	o.headers = "h.txt";
	ck_assert_int_eq(sfp_hverify_opts_check(&o, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--headers needs --tenant");
	out = verify(V1 "\n", &o, &st, &stats);
	ck_assert_int_eq(st, SFP_E_USAGE);
	free(out);
	o.headers = NULL;
	o.shared.tolerance = SFP_REPLAY_WINDOW + 1;   /* ids would be forgotten while still acceptable */
	ck_assert_int_eq(sfp_hverify_opts_check(&o, &f), SFP_E_USAGE);
	o.shared.tolerance = SFP_REPLAY_WINDOW;
	ck_assert_int_eq(sfp_hverify_opts_check(&o, &f), SFP_OK);
	o.tagged = o.envelope = 1;
	ck_assert_int_eq(sfp_hverify_opts_check(&o, &f), SFP_E_USAGE);
}
END_TEST

/* The options hmac-verify and hmac-receive share: one letter, one meaning,
 * one range each, and the window's bound said by the check. */
START_TEST(test_shared_options)
{
	struct sfp_hverify_shared s;
	struct sfp_fail f;

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'k', "keys.json", &f), 1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'r', "redis://127.0.0.1/1", &f), 1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'A', "auth", &f), 1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'C', "ca.pem", &f), 1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'T', "60", &f), 1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 't', "acme", &f), 0);
	ck_assert_str_eq(s.keyring, "keys.json");
	ck_assert_str_eq(s.replay_store, "redis://127.0.0.1/1");
	ck_assert_str_eq(s.redis.auth_file, "auth");
	ck_assert_str_eq(s.redis.ca_file, "ca.pem");
	ck_assert_int_eq(s.tolerance, 60);
	ck_assert_int_eq(sfp_hverify_shared_check(&s, &f), SFP_OK);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'T', "5x", &f), -1);
	ck_assert_int_eq(f.status, SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--tolerance 5x: expected a number from 1 to 3600");
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'T', "0", &f), -1);
	ck_assert_int_eq(sfp_hverify_shared_opt(&s, 'T', "3601", &f), -1);
	ck_assert_int_eq(s.tolerance, 60);
	s.tolerance = 3601;   /* a library caller that skipped the option parser */
	ck_assert_int_eq(sfp_hverify_shared_check(&s, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--tolerance: at most 3600 s, the replay store's window");
	s.tolerance = 0;
	s.keyring = NULL;
	ck_assert_int_eq(sfp_hverify_shared_check(&s, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--keyring is required");
}
END_TEST

START_TEST(test_verify_window_and_tenant)
{
	struct sfp_hverify_opts o = { .now = 1614265330 + 301 };
	struct sfp_hverify_stats stats = { 0, 0 };
	enum sfp_status st;
	char *out = verify(V1 "\n", &o, &st, &stats);

	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"stale\""));
	free(out);
	o.now = 1614265330 - 301;
	out = verify(V1 "\n", &o, &st, &stats);
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"future\""));
	free(out);
	/* a wider tolerance accepts it; --tenant rust refuses it as unknown */
	o.shared.tolerance = 400;
	o.tenant = "rust";
	out = verify(V1 "\n", &o, &st, &stats);
	ck_assert_ptr_nonnull(strstr(out, "\"code\":\"unknown-tenant\""));
	free(out);
	o.tenant = NULL;
	o.envelope = 1;
	out = verify(V1 "\n", &o, &st, &stats);
	ck_assert_msg(st == SFP_OK, "%s", out);
	ck_assert_str_eq(out, V1 "\n");
	free(out);
}
END_TEST

START_TEST(test_sign_lines)
{
	struct sfp_hsign_opts o = { .keyring = keys, .tenant = "sw", .timestamp = 1614265330,
	    .lines = 1 };
	struct sfp_hverify_opts vo = { .now = 1614265330 };
	struct sfp_hverify_stats stats = { 0, 0 };
	struct sfp_fail f;
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int fd = input("{\"a\":1}\n\n{\"b\":2}\n\xff\n");
	enum sfp_status st;

	ck_assert_int_eq(sfp_hmac_sign_run(&o, fd, fp, &f), SFP_E_ITEM);   /* the \xff line */
	(void)fclose(fp);
	(void)close(fd);
	ck_assert_ptr_nonnull(strstr(buf, "\"ok\":false"));
	out = verify(buf, &vo, &st, &stats);
	ck_assert_uint_eq(stats.accepted, 2);
	ck_assert_uint_eq(stats.refused, 1);   /* the refusal line is no envelope */
	ck_assert_ptr_nonnull(strstr(out, "{\"a\":1}\n{\"b\":2}\n"));
	free(out);
	free(buf);
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert_int_eq(sfp_utf8_valid("Zo\xc3\xab \xf0\x9f\x98\x80", 9), 1);
	ck_assert_int_eq(sfp_utf8_valid("", 0), 1);
	ck_assert_int_eq(sfp_utf8_valid("a\0b", 3), 0);
	ck_assert_int_eq(sfp_utf8_valid("\xff", 1), 0);
	ck_assert_int_eq(sfp_utf8_valid("\xc0\xaf", 2), 0);           /* overlong */
	ck_assert_int_eq(sfp_utf8_valid("\xed\xa0\x80", 3), 0);       /* surrogate */
	ck_assert_int_eq(sfp_utf8_valid("\xf4\x90\x80\x80", 4), 0);   /* above U+10FFFF */
	ck_assert_int_eq(sfp_utf8_valid("\xe2\x82", 2), 0);           /* cut short */
}
END_TEST

Suite *
suite_envelope(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("envelope");

	if (sodium_init() < 0)
		abort();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verify_order_and_reasons);
	tcase_add_test(tc, test_verify_window_and_tenant);
	tcase_add_test(tc, test_verify_option_rules);
	tcase_add_test(tc, test_shared_options);
	tcase_add_test(tc, test_sign_lines);
	tcase_add_test(tc, test_utf8);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
