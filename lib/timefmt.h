/* SPDX-License-Identifier: ISC */
/*
 * timefmt: ISO 8601 in, Salesforce's date, datetime and time out, with IANA
 * time zones read straight from TZif files.
 *
 * Zones are loaded from $TZDIR or /usr/share/zoneinfo by name; the process's
 * own TZ and the C library's localtime are never touched, so a zone is plain
 * data that many threads or bookings may share.  A zone name comes from
 * untrusted input, so only names of the form Area/City (letters, digits, "_",
 * "-", "+", separated by single "/", no "." component) are accepted: a name can
 * never climb out of the zone directory.
 *
 * Ownership: sfp_tz_load returns a new zone the caller frees with sfp_tz_free
 * (NULL is a no-op).  Everything else works on caller storage.
 */
#ifndef SFP_TIMEFMT_H
#define SFP_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include "fail.h"

#define SFP_TZ_NAME_MAX 64

struct sfp_tz;

/* 1 when name is an acceptable zone name (see above), else 0. */
int sfp_tz_name_ok(const char *name, size_t len);

/*
 * Load zone name from $TZDIR (when set and not empty) or /usr/share/zoneinfo.
 * SFP_E_ITEM with code "UNKNOWN_TIME_ZONE" when the name is refused or no
 * such zone exists; SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_tz_load(const char *name, struct sfp_tz **out, struct sfp_fail *f);
void sfp_tz_free(struct sfp_tz *z);
const char *sfp_tz_name(const struct sfp_tz *z);

/* Offset from UTC (seconds east) in force at the UTC instant t. */
long sfp_tz_offset_at(const struct sfp_tz *z, int64_t t);

/*
 * The UTC instant of a wall-clock time (z NULL: the wall clock is UTC) (seconds since the epoch as if the wall
 * clock were UTC).  An ambiguous time (clocks turned back) gives the earlier
 * instant; a time that does not exist (clocks turned forward) is moved later by
 * the length of the gap, as java.time does.
 */
int64_t sfp_tz_local_to_utc(const struct sfp_tz *z, int64_t local);

/* A parsed ISO 8601 value: a date, a time of day, or both, with or without an
 * offset.  msec keeps milliseconds (finer digits are dropped). */
struct sfp_time {
	int has_date, has_time, has_offset;
	int year, mon, day, hour, min, sec, msec;
	long offset;   /* seconds east of UTC, when has_offset */
};

/*
 * Parse ISO 8601 extended (and basic) forms: "2026-12-01", "2026-12-01T09:00",
 * "2026-12-01T09:00:00.123+01:00", "20261201T090000Z", "09:30:00Z", with "T" or
 * one space between date and time and offsets "Z", "+hh:mm", "+hhmm", "+hh".
 * Returns 0, or -1 with *why set to a static reason.
 */
int sfp_time_parse(const char *s, size_t len, struct sfp_time *t, const char **why);

enum sfp_time_want { SFP_WANT_DATE, SFP_WANT_DATETIME, SFP_WANT_TIME };

/*
 * Convert to what a Salesforce field of that type takes: "yyyy-MM-dd",
 * "yyyy-MM-ddTHH:mm:ss.SSSZ" (always UTC) or "HH:mm:ss.SSSZ".  zone (may be
 * NULL) places a wall-clock value without offset on the time line, and turns an
 * instant with an offset into the zone's local date or time of day.  out holds
 * at least 32 bytes.  Returns the length, or -1 with *why set.
 */
int sfp_time_format(const struct sfp_time *t, const struct sfp_tz *zone, enum sfp_time_want want,
    char *out, const char **why);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t sfp_days_from_civil(int64_t y, int m, int d);
void sfp_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* a / b rounded toward minus infinity (b > 0), e.g. the day of an instant. */
int64_t sfp_floordiv(int64_t a, int64_t b);

/*
 * An instant given by a person: an ISO 8601 datetime with offset
 * ("2026-12-01T09:00:00Z", "...+01:00"), or a date or a datetime without
 * offset read as wall-clock time in tz (NULL: UTC), a date meaning its
 * midnight.  Returns 0, or -1 with *why set.
 */
int sfp_time_instant(const char *s, const struct sfp_tz *tz, int64_t *out, const char **why);

/* Salesforce's datetime ("2026-12-01T09:00:00.000+0000") to seconds; 0 or -1
 * (an offset is required: Salesforce always writes one). */
int sfp_time_parse_sf_datetime(const char *s, int64_t *out);

/* A date alone ("2026-12-01") as days since 1970-01-01; 0 or -1. */
int sfp_time_parse_date(const char *s, int64_t *days);

/* "2026-12-01T09:00:00Z" into out (at least 32 bytes). */
void sfp_time_format_utc(int64_t t, char *out);

#endif
