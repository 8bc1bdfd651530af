/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <signal.h>
#include <string.h>

#include "receive.h"

Suite *suite_receive(void);

/* Each refusal code has its documented status; anything else is ours: 503. */
START_TEST(test_status)
{
	ck_assert_uint_eq(sfp_receive_status("malformed"), 400);
	ck_assert_uint_eq(sfp_receive_status("bad-signature"), 401);
	ck_assert_uint_eq(sfp_receive_status("unknown-tenant"), 403);
	ck_assert_uint_eq(sfp_receive_status("not-found"), 404);
	ck_assert_uint_eq(sfp_receive_status("method"), 405);
	ck_assert_uint_eq(sfp_receive_status("replayed"), 409);
	ck_assert_uint_eq(sfp_receive_status("too-large"), 413);
	ck_assert_uint_eq(sfp_receive_status("stale"), 422);
	ck_assert_uint_eq(sfp_receive_status("future"), 422);
	ck_assert_uint_eq(sfp_receive_status("unavailable"), 503);
	ck_assert_uint_eq(sfp_receive_status("replay-store-busy"), 503);
}
END_TEST

/* Option conflicts are refused before anything is opened or bound. */
START_TEST(test_usage)
{
	static volatile sig_atomic_t stop = 1;
	struct sfp_receive_opts o;
	struct sfp_fail f;

	memset(&o, 0, sizeof o);
	o.shared.keyring = "/nonexistent/keys.json";
	o.spool_dir = "/nonexistent/spool";
	o.listen_fd = -1;
	o.stop = &stop;
	o.tls_cert = "cert.pem";
	ck_assert_int_eq(sfp_receive_run(&o, &f), SFP_E_USAGE);
	ck_assert_ptr_nonnull(strstr(f.message, "--tls-key"));
	o.tls_cert = NULL;
	o.shared.tolerance = 3601;
	ck_assert_int_eq(sfp_receive_run(&o, &f), SFP_E_USAGE);
	o.shared.tolerance = 0;
	o.listen_addr = "localhost";
	ck_assert_int_eq(sfp_receive_run(&o, &f), SFP_E_USAGE);
	ck_assert_ptr_nonnull(strstr(f.message, "numeric"));
	o.listen_addr = NULL;
	ck_assert_int_eq(sfp_receive_run(&o, &f), SFP_E_INPUT);   /* the keyring */
	o.shared.keyring = NULL;   /* hmac-verify's rule, checked the same way */
	ck_assert_int_eq(sfp_receive_run(&o, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.message, "--keyring is required");
}
END_TEST

Suite *
suite_receive(void)
{
	Suite *s = suite_create("receive");
	TCase *tc = tcase_create("receive");

	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}
