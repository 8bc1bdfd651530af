/* SPDX-License-Identifier: ISC */
/* timefmt: ISO 8601 dates and times read and written as Salesforce takes them, and IANA zones. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timefmt.h"

#define TZIF_MAX_BYTES (256u * 1024u)

/* One POSIX TZ rule date: Jn, n or Mm.w.d, plus the time of day it fires. */
struct tzrule {
	char kind;      /* 'J', 'D' (zero-based day) or 'M' */
	int n, m, w, d;
	long secs;      /* local time of day of the change */
};

/* The footer's TZ string: a standard offset and maybe a DST one with rules. */
struct tzposix {
	int valid, has_dst;
	long std_off, dst_off;   /* seconds east */
	struct tzrule start, end;
};

struct sfp_tz {
	char name[SFP_TZ_NAME_MAX + 1];
	size_t n;               /* transitions */
	int64_t *at;            /* transition instants, ascending */
	unsigned char *idx;     /* type index per transition */
	size_t ntypes;
	long *off;              /* utoff per type */
	struct tzposix footer;
};

int
sfp_tz_name_ok(const char *name, size_t len)
{
	size_t i, comp = 0;

	if (len == 0 || len > SFP_TZ_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (c == '/') {
			if (comp == 0)
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' || c == '+'))
			return 0;
		/* No component may start with "-" (never an option, never "..") */
		if (comp == 0 && c == '-')
			return 0;
		comp++;
	}
	return comp > 0;
}

static int64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

static long
be32(const unsigned char *p)
{
	uint32_t v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return (long)(int32_t)v;
}

/* POSIX TZ string parsing (the TZif footer), e.g. "CET-1CEST,M3.5.0,M10.5.0/3". */
static const char *
tzp_name(const char *s)
{
	if (*s == '<') {
		while (*s && *s != '>')
			s++;
		return *s == '>' ? s + 1 : NULL;
	}
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return NULL;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	return s;
}

static const char *
tzp_num(const char *s, int *out, int max)
{
	int v = 0, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || v > max)
		return NULL;
	*out = v;
	return s;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static const char *
tzp_time(const char *s, long *out)
{
	int sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if ((s = tzp_num(s, &h, 167)) == NULL)
		return NULL;
	if (*s == ':') {
		if ((s = tzp_num(s + 1, &m, 59)) == NULL)
			return NULL;
		if (*s == ':' && (s = tzp_num(s + 1, &sec, 59)) == NULL)
			return NULL;
	}
	*out = sign * ((long)h * 3600 + m * 60 + sec);
	return s;
}

static const char *
tzp_rule(const char *s, struct tzrule *r)
{
	memset(r, 0, sizeof(*r));
	if (*s == 'J') {
		r->kind = 'J';
		s = tzp_num(s + 1, &r->n, 365);
	} else if (*s == 'M') {
		r->kind = 'M';
		if ((s = tzp_num(s + 1, &r->m, 12)) == NULL || *s != '.')
			return NULL;
		if ((s = tzp_num(s + 1, &r->w, 5)) == NULL || *s != '.')
			return NULL;
		s = tzp_num(s + 1, &r->d, 6);
	} else {
		r->kind = 'D';
		s = tzp_num(s, &r->n, 365);
	}
	if (s == NULL)
		return NULL;
	r->secs = 7200;
	if (*s == '/')
		s = tzp_time(s + 1, &r->secs);
	return s;
}

static void
tzp_parse(const char *s, struct tzposix *p)
{
	long off;

	memset(p, 0, sizeof(*p));
	if ((s = tzp_name(s)) == NULL || (s = tzp_time(s, &off)) == NULL)
		return;
	p->std_off = -off;   /* POSIX counts west positive */
	if (*s == '\0') {
		p->valid = 1;
		return;
	}
	if ((s = tzp_name(s)) == NULL)
		return;
	p->dst_off = p->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = tzp_time(s, &off)) == NULL)
			return;
		p->dst_off = -off;
	}
	if (*s != ',')
		return;   /* DST without rules: not in TZif footers, refuse */
	if ((s = tzp_rule(s + 1, &p->start)) == NULL || *s != ',')
		return;
	if ((s = tzp_rule(s + 1, &p->end)) == NULL || *s != '\0')
		return;
	p->has_dst = 1;
	p->valid = 1;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Hinnant's days_from_civil / civil_from_days. */
int64_t
sfp_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
sfp_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t
sfp_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The local (wall-clock) instant a rule fires in year y, as seconds since epoch. */
static int64_t
rule_local(const struct tzrule *r, int64_t y)
{
	int64_t day;

	if (r->kind == 'J') {
		day = sfp_days_from_civil(y, 1, 1) + r->n - 1;
		if (is_leap(y) && r->n >= 60)
			day++;
	} else if (r->kind == 'D') {
		day = sfp_days_from_civil(y, 1, 1) + r->n;
	} else {
		int64_t first = sfp_days_from_civil(y, r->m, 1);
		int wd = (int)((first % 7 + 7 + 4) % 7);   /* 1970-01-01 was a Thursday */
		int dom = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;
		if (r->w == 5)
			while (dom > days_in_month(y, r->m))
				dom -= 7;
		day = first + dom - 1;
	}
	return day * 86400 + r->secs;
}

static long
posix_offset(const struct tzposix *p, int64_t t)
{
	int64_t y, s, e;
	int m, d;

	if (!p->has_dst)
		return p->std_off;
	sfp_civil_from_days(sfp_floordiv(t + p->std_off, 86400), &y, &m, &d);
	s = rule_local(&p->start, y) - p->std_off;
	e = rule_local(&p->end, y) - p->dst_off;
	if (s < e)
		return (t >= s && t < e) ? p->dst_off : p->std_off;
	return (t >= e && t < s) ? p->std_off : p->dst_off;
}

long
sfp_tz_offset_at(const struct sfp_tz *z, int64_t t)
{
	size_t lo, hi;

	if (z->n == 0 || t < z->at[0]) {
		if (z->n == 0 && z->footer.valid)
			return posix_offset(&z->footer, t);
		return z->ntypes > 0 ? z->off[0] : 0;
	}
	if (t >= z->at[z->n - 1] && z->footer.valid)
		return posix_offset(&z->footer, t);
	lo = 0;
	hi = z->n;   /* at[lo] <= t < at[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[z->idx[lo]];
}

int64_t
sfp_tz_local_to_utc(const struct sfp_tz *z, int64_t local)
{
	long before, after;
	int ok_b, ok_a;

	if (z == NULL)
		return local;
	before = sfp_tz_offset_at(z, local - 86400);
	after = sfp_tz_offset_at(z, local + 86400);
	ok_b = sfp_tz_offset_at(z, local - before) == before;
	ok_a = sfp_tz_offset_at(z, local - after) == after;
	if (ok_b && ok_a)
		return local - (before > after ? before : after);   /* earlier instant */
	if (ok_b)
		return local - before;
	if (ok_a)
		return local - after;
	return local - before;   /* in a gap: later by the gap */
}

static int
tzif_parse(struct sfp_tz *z, const unsigned char *p, size_t len)
{
	size_t isut, isstd, leap, timecnt, typecnt, charcnt, v1, need, i;
	const unsigned char *q;
	int version;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	version = p[4];
	isut = (size_t)be32(p + 20); isstd = (size_t)be32(p + 24); leap = (size_t)be32(p + 28);
	timecnt = (size_t)be32(p + 32); typecnt = (size_t)be32(p + 36); charcnt = (size_t)be32(p + 40);
	v1 = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
	if (44 + v1 > len)
		return -1;
	if (version >= '2') {
		p += 44 + v1;
		len -= 44 + v1;
		if (len < 44 || memcmp(p, "TZif", 4) != 0)
			return -1;
		isut = (size_t)be32(p + 20); isstd = (size_t)be32(p + 24); leap = (size_t)be32(p + 28);
		timecnt = (size_t)be32(p + 32); typecnt = (size_t)be32(p + 36);
		charcnt = (size_t)be32(p + 40);
		need = timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut;
	} else
		need = v1;
	if (typecnt == 0 || typecnt > 256 || 44 + need > len)
		return -1;
	z->n = timecnt;
	z->ntypes = typecnt;
	z->at = calloc(timecnt ? timecnt : 1, sizeof(*z->at));
	z->idx = calloc(timecnt ? timecnt : 1, 1);
	z->off = calloc(typecnt, sizeof(*z->off));
	if (z->at == NULL || z->idx == NULL || z->off == NULL)
		return -2;
	q = p + 44;
	for (i = 0; i < timecnt; i++) {
		z->at[i] = version >= '2' ? be64(q) : be32(q);
		q += version >= '2' ? 8 : 4;
	}
	for (i = 0; i < timecnt; i++) {
		if (q[i] >= typecnt)
			return -1;
		z->idx[i] = q[i];
	}
	q += timecnt;
	for (i = 0; i < typecnt; i++, q += 6)
		z->off[i] = be32(q);
	q += charcnt + leap * (version >= '2' ? 12 : 8) + isstd + isut;
	if (version >= '2' && q < p + len && *q == '\n') {
		const unsigned char *nl = memchr(q + 1, '\n', (size_t)(p + len - q - 1));
		char tzs[128];
		size_t n = nl ? (size_t)(nl - q - 1) : 0;
		if (nl != NULL && n > 0 && n < sizeof(tzs)) {
			memcpy(tzs, q + 1, n);
			tzs[n] = '\0';
			tzp_parse(tzs, &z->footer);
		}
	}
	return 0;
}

enum sfp_status
sfp_tz_load(const char *name, struct sfp_tz **out, struct sfp_fail *f)
{
	const char *dir = getenv("TZDIR");
	char path[1024];
	unsigned char *buf = NULL;
	struct sfp_tz *z;
	struct stat st;
	size_t len = 0;
	int fd, r, n;

	*out = NULL;
	if (!sfp_tz_name_ok(name, strlen(name)))
		return sfp_fail_set(f, SFP_E_ITEM, "UNKNOWN_TIME_ZONE", NULL,
		    "not a time zone name: %.64s", name);
	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return sfp_fail_set(f, SFP_E_ITEM, "UNKNOWN_TIME_ZONE", NULL,
		    "unknown time zone: %s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)TZIF_MAX_BYTES) {
		if (fd >= 0)
			(void)close(fd);
		return sfp_fail_set(f, SFP_E_ITEM, "UNKNOWN_TIME_ZONE", NULL,
		    "unknown time zone: %s", name);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)close(fd);
		return sfp_fail_oom(f, NULL);
	}
	while (len < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	(void)close(fd);
	if ((z = calloc(1, sizeof(*z))) == NULL) {
		free(buf);
		return sfp_fail_oom(f, NULL);
	}
	(void)snprintf(z->name, sizeof(z->name), "%s", name);
	r = tzif_parse(z, buf, len);
	free(buf);
	if (r != 0) {
		sfp_tz_free(z);
		if (r == -2)
			return sfp_fail_oom(f, NULL);
		return sfp_fail_set(f, SFP_E_ITEM, "UNKNOWN_TIME_ZONE", NULL,
		    "unreadable time zone file: %s", name);
	}
	*out = z;
	return SFP_OK;
}

void
sfp_tz_free(struct sfp_tz *z)
{
	if (z == NULL)
		return;
	free(z->at);
	free(z->idx);
	free(z->off);
	free(z);
}

const char *
sfp_tz_name(const struct sfp_tz *z)
{
	return z->name;
}

/* Exactly n digits at s. */
static int
digits(const char *s, size_t len, size_t at, int n, int *out)
{
	int v = 0, i;

	if (at + (size_t)n > len)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[at + (size_t)i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return 0;
}

/* hh[:]mm[[:]ss[.fff]] at s[*at]; basic says whether colons are absent. */
static int
parse_clock(const char *s, size_t len, size_t *at, struct sfp_time *t, const char **why)
{
	size_t i = *at;
	int basic;

	if (digits(s, len, i, 2, &t->hour) != 0)
		return *why = "expected hours as hh", -1;
	i += 2;
	basic = !(i < len && s[i] == ':');
	if (!basic)
		i++;
	if (digits(s, len, i, 2, &t->min) != 0)
		return *why = "expected minutes as mm", -1;
	i += 2;
	t->sec = 0;
	t->msec = 0;
	if ((!basic && i < len && s[i] == ':') || (basic && i < len && s[i] >= '0' && s[i] <= '9')) {
		if (!basic)
			i++;
		if (digits(s, len, i, 2, &t->sec) != 0)
			return *why = "expected seconds as ss", -1;
		i += 2;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			int k = 0, scale = 100;
			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (k < 3)
					t->msec += (s[i] - '0') * scale;
				scale /= 10;
				i++;
				k++;
			}
			if (k == 0 || k > 9)
				return *why = "bad fraction of a second", -1;
		}
	}
	if (t->hour > 23 || t->min > 59 || t->sec > 59)
		return *why = "time of day out of range", -1;
	*at = i;
	return 0;
}

int
sfp_time_parse(const char *s, size_t len, struct sfp_time *t, const char **why)
{
	size_t i = 0;
	int oh, om = 0, sign;

	memset(t, 0, sizeof(*t));
	*why = "not an ISO 8601 date or time";
	if (len >= 8 && len <= 64 && s[2] != ':' && (len < 5 || s[4] == '-' ||
	    (s[4] >= '0' && s[4] <= '9'))) {
		if (len >= 10 && s[4] == '-') {
			if (digits(s, len, 0, 4, &t->year) || s[4] != '-' ||
			    digits(s, len, 5, 2, &t->mon) || s[7] != '-' ||
			    digits(s, len, 8, 2, &t->day))
				return *why = "expected a date as yyyy-mm-dd", -1;
			i = 10;
		} else {
			if (digits(s, len, 0, 4, &t->year) || digits(s, len, 4, 2, &t->mon) ||
			    digits(s, len, 6, 2, &t->day))
				return *why = "expected a date as yyyy-mm-dd", -1;
			i = 8;
		}
		if (t->mon < 1 || t->mon > 12 || t->day < 1 ||
		    t->day > days_in_month(t->year, t->mon))
			return *why = "no such date", -1;
		t->has_date = 1;
		if (i == len)
			return 0;
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return *why = "expected 'T' after the date", -1;
		i++;
	} else if (len > 64)
		return -1;
	if (parse_clock(s, len, &i, t, why) != 0)
		return -1;
	t->has_time = 1;
	if (i == len)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		t->has_offset = 1;
		return i + 1 == len ? 0 : (*why = "junk after the offset", -1);
	}
	if (s[i] != '+' && s[i] != '-')
		return *why = "expected an offset (Z or +hh:mm)", -1;
	sign = s[i] == '-' ? -1 : 1;
	if (digits(s, len, i + 1, 2, &oh) != 0)
		return *why = "expected an offset (Z or +hh:mm)", -1;
	i += 3;
	if (i < len) {
		if (s[i] == ':')
			i++;
		if (digits(s, len, i, 2, &om) != 0 || i + 2 != len)
			return *why = "expected an offset (Z or +hh:mm)", -1;
	}
	if (oh > 18 || om > 59)
		return *why = "offset out of range", -1;
	t->offset = sign * (long)(oh * 3600 + om * 60);
	t->has_offset = 1;
	return 0;
}

int
sfp_time_format(const struct sfp_time *t, const struct sfp_tz *zone, enum sfp_time_want want,
    char *out, const char **why)
{
	int64_t local, utc, y;
	int m, d, hh, mm, ss, n;

	if (want == SFP_WANT_DATETIME) {
		if (!t->has_date)
			return *why = "a time of day has no date", -1;
		local = sfp_days_from_civil(t->year, t->mon, t->day) * 86400 +
		    t->hour * 3600 + t->min * 60 + t->sec;
		if (t->has_offset)
			utc = local - t->offset;
		else if (zone != NULL)
			utc = sfp_tz_local_to_utc(zone, local);
		else if (!t->has_time)
			return *why = "a date alone has no time of day (add a tz filter for midnight)", -1;
		else
			return *why = "no offset and no time zone (add one, such as Z or +01:00, or a tz filter)", -1;
		sfp_civil_from_days(sfp_floordiv(utc, 86400), &y, &m, &d);
		ss = (int)(utc - sfp_floordiv(utc, 86400) * 86400);
		if (y < 1700 || y > 4000)
			return *why = "year out of range", -1;
		n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d,
		    ss / 3600, ss / 60 % 60, ss % 60, t->msec);
		return n;
	}
	if (want == SFP_WANT_DATE && !t->has_date)
		return *why = "a time of day has no date", -1;
	if (want == SFP_WANT_TIME && !t->has_time)
		return *why = "a date has no time of day", -1;
	y = t->year; m = t->mon; d = t->day;
	hh = t->hour; mm = t->min; ss = t->sec;
	if (zone != NULL && t->has_offset && t->has_date && t->has_time) {
		local = sfp_days_from_civil(t->year, t->mon, t->day) * 86400 +
		    t->hour * 3600 + t->min * 60 + t->sec - t->offset;
		local += sfp_tz_offset_at(zone, local);
		sfp_civil_from_days(sfp_floordiv(local, 86400), &y, &m, &d);
		ss = (int)(local - sfp_floordiv(local, 86400) * 86400);
		hh = ss / 3600;
		mm = ss / 60 % 60;
		ss %= 60;
	}
	if (want == SFP_WANT_DATE) {
		if (y < 1700 || y > 4000)
			return *why = "year out of range", -1;
		return snprintf(out, 32, "%04d-%02d-%02d", (int)y, m, d);
	}
	return snprintf(out, 32, "%02d:%02d:%02d.%03dZ", hh, mm, ss, t->msec);
}

/* ---- instants ---- */

/* The wall-clock seconds of t as if it were UTC (a date alone: its midnight). */
static int64_t
wall_seconds(const struct sfp_time *t)
{
	int64_t s = sfp_days_from_civil(t->year, t->mon, t->day) * 86400;

	if (t->has_time)
		s += (int64_t)t->hour * 3600 + t->min * 60 + t->sec;
	return s;
}

int
sfp_time_instant(const char *s, const struct sfp_tz *tz, int64_t *out, const char **why)
{
	struct sfp_time t;

	if (sfp_time_parse(s, strlen(s), &t, why) != 0)
		return -1;
	if (!t.has_date) {
		*why = "want a date or a date and time";
		return -1;
	}
	if (t.has_offset)
		*out = wall_seconds(&t) - t.offset;
	else
		*out = sfp_tz_local_to_utc(tz, wall_seconds(&t));
	return 0;
}

int
sfp_time_parse_sf_datetime(const char *s, int64_t *out)
{
	struct sfp_time t;
	const char *why;

	if (s == NULL || sfp_time_parse(s, strlen(s), &t, &why) != 0 || !t.has_date ||
	    !t.has_time || !t.has_offset)
		return -1;
	*out = wall_seconds(&t) - t.offset;
	return 0;
}

int
sfp_time_parse_date(const char *s, int64_t *days)
{
	struct sfp_time t;
	const char *why;

	if (s == NULL || sfp_time_parse(s, strlen(s), &t, &why) != 0 || !t.has_date || t.has_time)
		return -1;
	*days = sfp_days_from_civil(t.year, t.mon, t.day);
	return 0;
}

void
sfp_time_format_utc(int64_t t, char *out)
{
	int64_t days = sfp_floordiv(t, 86400), y;
	int64_t sod = t - days * 86400;
	int m, d;

	sfp_civil_from_days(days, &y, &m, &d);
	(void)snprintf(out, 32, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}
