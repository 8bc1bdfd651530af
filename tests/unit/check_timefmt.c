/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "testutil.h"

static const char *
conv(const char *in, const char *zone, enum sfp_time_want want, char *buf)
{
	struct sfp_tz *z = NULL;
	struct sfp_fail f;
	struct sfp_time t;
	const char *why;
	int n;

	if (zone != NULL)
		ck_assert_int_eq(sfp_tz_load(zone, &z, &f), SFP_OK);
	if (sfp_time_parse(in, strlen(in), &t, &why) != 0)
		n = -1;
	else
		n = sfp_time_format(&t, z, want, buf, &why);
	sfp_tz_free(z);
	return n < 0 ? "ERR" : buf;
}

START_TEST(offsets_to_utc)
{
	char b[32];

	ck_assert_str_eq(conv("2026-12-01T10:00:00+01:00", NULL, SFP_WANT_DATETIME, b),
	    "2026-12-01T09:00:00.000Z");
	ck_assert_str_eq(conv("2026-12-31T23:30:00-05:00", NULL, SFP_WANT_DATETIME, b),
	    "2027-01-01T04:30:00.000Z");
	ck_assert_str_eq(conv("20261201T0900Z", NULL, SFP_WANT_DATETIME, b),
	    "2026-12-01T09:00:00.000Z");
	ck_assert_str_eq(conv("2026-12-01 09:00:00.5+0530", NULL, SFP_WANT_DATETIME, b),
	    "2026-12-01T03:30:00.500Z");
	ck_assert_str_eq(conv("2024-02-29T00:00:00Z", NULL, SFP_WANT_DATE, b), "2024-02-29");
	ck_assert_str_eq(conv("09:30", NULL, SFP_WANT_TIME, b), "09:30:00.000Z");
}
END_TEST

START_TEST(refusals)
{
	char b[32];

	ck_assert_str_eq(conv("2026-12-01T10:00:00", NULL, SFP_WANT_DATETIME, b), "ERR");
	ck_assert_str_eq(conv("2025-02-29", NULL, SFP_WANT_DATE, b), "ERR");
	ck_assert_str_eq(conv("2026-12-01T24:00:00Z", NULL, SFP_WANT_DATETIME, b), "ERR");
	ck_assert_str_eq(conv("2026-12-01T10:00:00+25:00", NULL, SFP_WANT_DATETIME, b), "ERR");
	ck_assert_str_eq(conv("2026-12-01T10:00:00Zjunk", NULL, SFP_WANT_DATETIME, b), "ERR");
	ck_assert_str_eq(conv("09:30", NULL, SFP_WANT_DATE, b), "ERR");
	ck_assert_str_eq(conv("", NULL, SFP_WANT_DATE, b), "ERR");
}
END_TEST

START_TEST(named_zones_and_dst)
{
	char b[32];

	ck_assert_str_eq(conv("2026-07-01T10:00:00", "Europe/Berlin", SFP_WANT_DATETIME, b),
	    "2026-07-01T08:00:00.000Z");
	ck_assert_str_eq(conv("2026-03-29T02:30:00", "Europe/Berlin", SFP_WANT_DATETIME, b),
	    "2026-03-29T01:30:00.000Z");   /* gap: later by an hour */
	ck_assert_str_eq(conv("2026-10-25T02:30:00", "Europe/Berlin", SFP_WANT_DATETIME, b),
	    "2026-10-25T00:30:00.000Z");   /* overlap: the earlier instant */
	ck_assert_str_eq(conv("2060-07-01T12:00:00", "America/New_York", SFP_WANT_DATETIME, b),
	    "2060-07-01T16:00:00.000Z");   /* past the table: the footer rule */
	ck_assert_str_eq(conv("2026-12-01T20:00:00Z", "Asia/Tokyo", SFP_WANT_DATE, b),
	    "2026-12-02");
	ck_assert_str_eq(conv("2026-12-01T20:00:00Z", "Australia/Sydney", SFP_WANT_TIME, b),
	    "07:00:00.000Z");
}
END_TEST

START_TEST(zone_names_cannot_escape)
{
	struct sfp_tz *z = NULL;
	struct sfp_fail f;

	ck_assert_int_eq(sfp_tz_name_ok("Europe/Berlin", 13), 1);
	ck_assert_int_eq(sfp_tz_name_ok("Etc/GMT+5", 9), 1);
	ck_assert_int_eq(sfp_tz_name_ok("../etc/passwd", 13), 0);
	ck_assert_int_eq(sfp_tz_name_ok("/etc/passwd", 11), 0);
	ck_assert_int_eq(sfp_tz_name_ok("Europe//Berlin", 14), 0);
	ck_assert_int_eq(sfp_tz_name_ok("Europe/", 7), 0);
	ck_assert_int_eq(sfp_tz_name_ok("a/.", 3), 0);
	ck_assert_int_eq(sfp_tz_load("../../etc/passwd", &z, &f), SFP_E_ITEM);
	ck_assert_ptr_null(z);
	ck_assert_str_eq(f.code, "UNKNOWN_TIME_ZONE");
	ck_assert_int_eq(sfp_tz_load("Mars/Olympus", &z, &f), SFP_E_ITEM);
	ck_assert_int_eq(sfp_tz_load("Europe", &z, &f), SFP_E_ITEM);   /* a directory */
}
END_TEST

START_TEST(civil_days_round_trip)
{
	int64_t d, y;
	int m, dd;

	for (d = -800000; d < 800000; d += 997) {
		sfp_civil_from_days(d, &y, &m, &dd);
		ck_assert_int_eq(sfp_days_from_civil(y, m, dd), d);
	}
	ck_assert_int_eq(sfp_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(sfp_days_from_civil(2000, 3, 1), 11017);
}
END_TEST

START_TEST(instants_for_people_and_salesforce)
{
	struct sfp_tz *oslo;
	struct sfp_fail f;
	const char *why;
	char b[32];
	int64_t t, days;

	ck_assert_int_eq(sfp_time_instant("2026-12-01T10:00:00+01:00", NULL, &t, &why), 0);
	sfp_time_format_utc(t, b);
	ck_assert_str_eq(b, "2026-12-01T09:00:00Z");
	ck_assert_int_eq(sfp_time_instant("09:00", NULL, &t, &why), -1);
	ck_assert_str_eq(why, "want a date or a date and time");
	ck_assert_int_eq(sfp_time_instant("2026-13-01", NULL, &t, &why), -1);
	ck_assert_int_eq(sfp_tz_load("Europe/Oslo", &oslo, &f), SFP_OK);
	ck_assert_int_eq(sfp_time_instant("2026-12-01", oslo, &t, &why), 0);
	sfp_time_format_utc(t, b);
	ck_assert_str_eq(b, "2026-11-30T23:00:00Z");
	sfp_tz_free(oslo);
	ck_assert_int_eq(sfp_time_parse_sf_datetime("2026-12-01T09:00:00.000+0100", &t), 0);
	sfp_time_format_utc(t, b);
	ck_assert_str_eq(b, "2026-12-01T08:00:00Z");
	ck_assert_int_eq(sfp_time_parse_sf_datetime("2026-12-01T09:00:00", &t), -1);
	ck_assert_int_eq(sfp_time_parse_date("2026-12-01", &days), 0);
	ck_assert_int_eq(days, sfp_days_from_civil(2026, 12, 1));
	ck_assert_int_eq(sfp_time_parse_date("2026-12-01T00:00", &days), -1);
	ck_assert_int_eq(sfp_time_parse_date(NULL, &days), -1);
	sfp_time_format_utc(-1, b);
	ck_assert_str_eq(b, "1969-12-31T23:59:59Z");
	ck_assert_int_eq(sfp_floordiv(-1, 86400), -1);
	ck_assert_int_eq(sfp_floordiv(86400, 86400), 1);
	ck_assert_int_eq(sfp_tz_local_to_utc(NULL, 1234), 1234);
}
END_TEST

Suite *
suite_timefmt(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, offsets_to_utc);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, named_zones_and_dst);
	tcase_add_test(tc, zone_names_cannot_escape);
	tcase_add_test(tc, civil_days_round_trip);
	tcase_add_test(tc, instants_for_people_and_salesforce);
	suite_add_tcase(s, tc);
	return s;
}
