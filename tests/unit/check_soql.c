/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <string.h>

#include "soql.h"
#include "testutil.h"

static int
chk(const char *s, const char *prefix, char *out)
{
	const char *why = NULL;
	int rc = sfp_sfid_check(s, strlen(s), prefix, out, &why);

	if (rc != 0)
		ck_assert_ptr_nonnull(why);
	return rc;
}

START_TEST(ids_accepted_and_normalised)
{
	char out[SFP_ID_LEN + 1];

	/* Ids in Salesforce's documented shape (15 case-sensitive characters, or 18
	 * with the case-folding suffix; key prefix first) and the emulator's. */
	ck_assert_int_eq(chk("001dM00003kRs59QAC", NULL, out), 0);
	ck_assert_str_eq(out, "001dM00003kRs59QAC");
	ck_assert_int_eq(chk("001dM00003kRs59", NULL, out), 0);
	ck_assert_str_eq(out, "001dM00003kRs59QAC");
	ck_assert_int_eq(chk("012000000000000AAA", "012", out), 0);
	ck_assert_int_eq(chk("005Hs0000000003", "005", out), 0);
	ck_assert_str_eq(out, "005Hs0000000003IAA");
	ck_assert_int_eq(chk("005Hs0000000003IAA", "005", out), 0);
}
END_TEST

START_TEST(ids_refused)
{
	char out[SFP_ID_LEN + 1];

	ck_assert_int_eq(chk("005Hs0000000003IAB", "005", out), -1);     /* checksum */
	ck_assert_int_eq(chk("005hs0000000003IAA", "005", out), -1);     /* case moved */
	ck_assert_int_eq(chk("00QHs0000000003", "005", out), -1);        /* a Lead */
	ck_assert_int_eq(chk("005' OR Id != '", "005", out), -1);        /* 15, injection */
	ck_assert_int_eq(chk("005Hs000000000'IAA", "005", out), -1);
	ck_assert_int_eq(chk("005Hs00000000", NULL, out), -1);
	ck_assert_int_eq(chk("", NULL, out), -1);
	ck_assert_int_eq(chk("005Hs0000000003IAAX", NULL, out), -1);
	ck_assert_int_eq(sfp_sfid_check("005Hs0000000003\0AA", 18, NULL, out, &(const char *){ 0 }),
	    -1);
}
END_TEST

START_TEST(quote)
{
	char b[64];

	ck_assert_int_eq(sfp_soql_quote("Acme", 4, b, sizeof(b)), 6);
	ck_assert_str_eq(b, "'Acme'");
	ck_assert_int_gt(sfp_soql_quote("O'Brien \\ \"x\"\n", 14, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "'O\\'Brien \\\\ \\\"x\\\"\\n'");
	ck_assert_int_eq(sfp_soql_quote("a\001b", 3, b, sizeof(b)), -1);
	ck_assert_int_eq(sfp_soql_quote("abcdef", 6, b, 9), 8);
	ck_assert_int_eq(sfp_soql_quote("abcdefg", 7, b, 8), -1);
	ck_assert_int_eq(sfp_soql_quote("''''", 4, b, 10), -1);
	ck_assert_int_eq(sfp_soql_quote("", 0, b, 3), 2);
	ck_assert_str_eq(b, "''");
}
END_TEST

Suite *
suite_soql(void)
{
	Suite *s = suite_create("soql");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ids_accepted_and_normalised);
	tcase_add_test(tc, ids_refused);
	tcase_add_test(tc, quote);
	suite_add_tcase(s, tc);
	return s;
}
