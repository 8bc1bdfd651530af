/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freebusy.h"
#include "stream.h"
#include "testutil.h"

static const char *ANN = "005Hs0000000003IAA", *BOB = "005Hs0000000004IAA";

static int64_t
at(const char *s)
{
	int64_t t;
	const char *why;

	ck_assert_int_eq(sfp_time_instant(s, NULL, &t, &why), 0);
	return t;
}

static const char *
fmt(int64_t t, char *b)
{
	sfp_time_format_utc(t, b);
	return b;
}

START_TEST(merge_overlaps)
{
	struct sfp_spans s;
	struct sfp_fail f;

	sfp_spans_init(&s);
	/* unsorted; overlapping, contained, touching, apart, empty */
	ck_assert_int_eq(sfp_spans_add(&s, 50, 60, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 10, 20, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 15, 30, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 16, 17, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 30, 35, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 40, 40, &f), SFP_OK);
	ck_assert_int_eq(sfp_spans_add(&s, 45, 44, &f), SFP_OK);
	ck_assert_uint_eq(s.n, 5);
	sfp_spans_merge(&s);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.v[0].start, 10);
	ck_assert_int_eq(s.v[0].end, 35);
	ck_assert_int_eq(s.v[1].start, 50);
	ck_assert_int_eq(s.v[1].end, 60);
	sfp_spans_clip(&s, 12, 55);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.v[0].start, 12);
	ck_assert_int_eq(s.v[1].end, 55);
	sfp_spans_clip(&s, 36, 49);
	ck_assert_uint_eq(s.n, 0);
	sfp_spans_fini(&s);
	sfp_spans_fini(&s);
}
END_TEST

START_TEST(times)
{
	char b[32];
	int64_t t;
	const char *why;
	struct sfp_tz *oslo;
	struct sfp_fail f;

	ck_assert_str_eq(fmt(at("2026-12-01T10:00:00+01:00"), b), "2026-12-01T09:00:00Z");
	ck_assert_str_eq(fmt(at("2026-12-01"), b), "2026-12-01T00:00:00Z");
	ck_assert_str_eq(fmt(-1, b), "1969-12-31T23:59:59Z");
	ck_assert_int_eq(sfp_time_parse_sf_datetime("2026-12-01T09:00:00.000+0000", &t), 0);
	ck_assert_str_eq(fmt(t, b), "2026-12-01T09:00:00Z");
	ck_assert_int_eq(sfp_time_parse_sf_datetime("2026-12-01T09:00:00", &t), -1);
	ck_assert_int_eq(sfp_time_parse_sf_datetime("2026-12-01", &t), -1);
	ck_assert_int_eq(sfp_time_parse_sf_datetime(NULL, &t), -1);
	ck_assert_int_eq(sfp_time_instant("09:00", NULL, &t, &why), -1);
	ck_assert_int_eq(sfp_tz_load("Europe/Oslo", &oslo, &f), SFP_OK);
	ck_assert_int_eq(sfp_time_instant("2026-12-01", oslo, &t, &why), 0);
	ck_assert_str_eq(fmt(t, b), "2026-11-30T23:00:00Z");
	ck_assert_int_eq(sfp_time_instant("2026-07-01T09:00", oslo, &t, &why), 0);
	ck_assert_str_eq(fmt(t, b), "2026-07-01T07:00:00Z");
	ck_assert_int_eq(sfp_time_instant("2026-07-01T09:00Z", oslo, &t, &why), 0);
	ck_assert_str_eq(fmt(t, b), "2026-07-01T09:00:00Z");
	sfp_tz_free(oslo);
}
END_TEST

static cJSON *
ev(const char *json)
{
	cJSON *e = cJSON_Parse(json);
	ck_assert_ptr_nonnull(e);
	return e;
}

/* The span of one event in zone (NULL: UTC) as "start/end", or "-" when not busy. */
static const char *
span_of(const char *json, const char *zone, char *out)
{
	struct sfp_tz *z = NULL;
	struct sfp_fail f;
	struct sfp_span sp;
	cJSON *e = ev(json);
	char a[32], b[32];

	if (zone != NULL)
		ck_assert_int_eq(sfp_tz_load(zone, &z, &f), SFP_OK);
	if (sfp_fb_event_span(e, z, &sp))
		(void)snprintf(out, 80, "%s/%s", fmt(sp.start, a), fmt(sp.end, b));
	else
		(void)snprintf(out, 80, "-");
	cJSON_Delete(e);
	sfp_tz_free(z);
	return out;
}

START_TEST(event_rules)
{
	char b[80];

	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T09:30:00.000+0000\",\"IsAllDayEvent\":false,"
	    "\"ShowAs\":\"Busy\"}", "Europe/Oslo", b),
	    "2026-12-01T09:00:00Z/2026-12-01T09:30:00Z");
	/* Shown as free: not busy.  Out of office and no value: busy. */
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T09:30:00.000+0000\",\"ShowAs\":\"Free\"}", NULL, b), "-");
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T09:30:00.000+0000\",\"ShowAs\":\"OutOfOffice\"}", NULL, b),
	    "2026-12-01T09:00:00Z/2026-12-01T09:30:00Z");
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"DurationInMinutes\":45,\"ShowAs\":null}", NULL, b),
	    "2026-12-01T09:00:00Z/2026-12-01T09:45:00Z");
	/* No usable times, or an end before the start: nothing to say. */
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\"}", NULL, b),
	    "-");
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T08:00:00.000+0000\"}", NULL, b), "-");
	ck_assert_str_eq(span_of("{\"StartDateTime\":\"junk\",\"EndDateTime\":1}", NULL, b), "-");
}
END_TEST

START_TEST(all_day_across_zones)
{
	char b[80];
	/* As Salesforce stores a one-day all-day event on 3 December. */
	const char *e = "{\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-12-03\","
	    "\"StartDateTime\":\"2026-12-03T00:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-03T00:00:00.000+0000\",\"DurationInMinutes\":1440}";

	/* The whole of 3 December wherever the host lives. */
	ck_assert_str_eq(span_of(e, NULL, b), "2026-12-03T00:00:00Z/2026-12-04T00:00:00Z");
	ck_assert_str_eq(span_of(e, "Europe/Oslo", b), "2026-12-02T23:00:00Z/2026-12-03T23:00:00Z");
	ck_assert_str_eq(span_of(e, "America/Los_Angeles", b),
	    "2026-12-03T08:00:00Z/2026-12-04T08:00:00Z");
	ck_assert_str_eq(span_of(e, "Pacific/Auckland", b),
	    "2026-12-02T11:00:00Z/2026-12-03T11:00:00Z");
	ck_assert_str_eq(span_of(e, "Asia/Kolkata", b),
	    "2026-12-02T18:30:00Z/2026-12-03T18:30:00Z");
	/* Three days by duration; a DST change inside (Oslo, 29 March 2026). */
	ck_assert_str_eq(span_of("{\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-03-28\","
	    "\"DurationInMinutes\":4320}", "Europe/Oslo", b),
	    "2026-03-27T23:00:00Z/2026-03-30T22:00:00Z");
	/* No duration: through the date of EndDateTime, at least the one day. */
	ck_assert_str_eq(span_of("{\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-12-03\","
	    "\"EndDateTime\":\"2026-12-04T00:00:00.000+0000\"}", NULL, b),
	    "2026-12-03T00:00:00Z/2026-12-05T00:00:00Z");
	ck_assert_str_eq(span_of("{\"IsAllDayEvent\":true,"
	    "\"StartDateTime\":\"2026-12-03T00:00:00.000+0000\"}", NULL, b),
	    "2026-12-03T00:00:00Z/2026-12-04T00:00:00Z");
	ck_assert_str_eq(span_of("{\"IsAllDayEvent\":true,\"ActivityDate\":\"2026-12-03\","
	    "\"ShowAs\":\"Free\"}", NULL, b), "-");
	ck_assert_str_eq(span_of("{\"IsAllDayEvent\":true}", NULL, b), "-");
}
END_TEST

START_TEST(invitation_status)
{
	ck_assert_int_eq(sfp_fb_status_busy("Accepted"), 1);
	ck_assert_int_eq(sfp_fb_status_busy("New"), 1);
	ck_assert_int_eq(sfp_fb_status_busy("Declined"), 0);
	ck_assert_int_eq(sfp_fb_status_busy("accepted"), 0);
	ck_assert_int_eq(sfp_fb_status_busy(NULL), 0);
}
END_TEST

START_TEST(hours_and_days)
{
	struct sfp_hours h;
	unsigned m;
	const char *why;

	ck_assert_int_eq(sfp_hours_parse("09:00-17:30", &h, &why), 0);
	ck_assert_int_eq(h.start_min, 540);
	ck_assert_int_eq(h.end_min, 1050);
	ck_assert_int_eq(sfp_hours_parse("00:00-24:00", &h, &why), 0);
	ck_assert_int_eq(h.end_min, 1440);
	ck_assert_int_eq(sfp_hours_parse("17:00-09:00", &h, &why), -1);
	ck_assert_int_eq(sfp_hours_parse("9:00-17:00", &h, &why), -1);
	ck_assert_int_eq(sfp_hours_parse("09:60-17:00", &h, &why), -1);
	ck_assert_int_eq(sfp_hours_parse("09:00-24:01", &h, &why), -1);
	ck_assert_int_eq(sfp_hours_parse("09:00", &h, &why), -1);
	ck_assert_int_eq(sfp_days_parse("mon-fri", &m, &why), 0);
	ck_assert_uint_eq(m, 0x1f);
	ck_assert_int_eq(sfp_days_parse("sat-mon", &m, &why), 0);
	ck_assert_uint_eq(m, 0x61);
	ck_assert_int_eq(sfp_days_parse("mon,wed,sun", &m, &why), 0);
	ck_assert_uint_eq(m, 0x45);
	ck_assert_int_eq(sfp_days_parse("all", &m, &why), 0);
	ck_assert_uint_eq(m, 0x7f);
	ck_assert_int_eq(sfp_days_parse("monday", &m, &why), -1);
	ck_assert_int_eq(sfp_days_parse("mon,", &m, &why), -1);
	ck_assert_int_eq(sfp_days_parse("", &m, &why), -1);
}
END_TEST

START_TEST(slots_in_working_hours)
{
	struct sfp_spans busy, fr;
	struct sfp_hours h = { 9 * 60, 12 * 60, 0x1f };
	struct sfp_tz *oslo;
	struct sfp_fail f;
	char a[32];

	ck_assert_int_eq(sfp_tz_load("Europe/Oslo", &oslo, &f), SFP_OK);
	sfp_spans_init(&busy);
	sfp_spans_init(&fr);
	/* Friday 4 to Monday 7 December 2026, Oslo (UTC+1).  Busy 10:15-10:45 local. */
	ck_assert_int_eq(sfp_spans_add(&busy, at("2026-12-04T09:15:00Z"),
	    at("2026-12-04T09:45:00Z"), &f), SFP_OK);
	ck_assert_int_eq(sfp_fb_slots(&busy, at("2026-12-04T08:30:00Z"), at("2026-12-07T10:00:00Z"),
	    oslo, &h, 30, &fr, &f), SFP_OK);
	/* Friday (local): 09:00 is before the window, 09:30 free, 10:00 and 10:30 meet
	 * the busy span, 11:00 and 11:30 free; no weekend; Monday 09:00 to 11:00, where
	 * the window ends: four. */
	ck_assert_uint_eq(fr.n, 3 + 4);
	ck_assert_str_eq(fmt(fr.v[0].start, a), "2026-12-04T08:30:00Z");
	ck_assert_str_eq(fmt(fr.v[1].start, a), "2026-12-04T10:00:00Z");
	ck_assert_str_eq(fmt(fr.v[2].start, a), "2026-12-04T10:30:00Z");
	ck_assert_str_eq(fmt(fr.v[2].end, a), "2026-12-04T11:00:00Z");
	ck_assert_str_eq(fmt(fr.v[3].start, a), "2026-12-07T08:00:00Z");
	ck_assert_str_eq(fmt(fr.v[6].end, a), "2026-12-07T10:00:00Z");
	sfp_spans_fini(&fr);
	/* A busy span covering everything leaves nothing. */
	ck_assert_int_eq(sfp_spans_add(&busy, at("2026-12-01"), at("2026-12-09"), &f), SFP_OK);
	sfp_spans_merge(&busy);
	ck_assert_int_eq(sfp_fb_slots(&busy, at("2026-12-04"), at("2026-12-08"), oslo, &h, 30, &fr,
	    &f), SFP_OK);
	ck_assert_uint_eq(fr.n, 0);
	sfp_spans_fini(&busy);
	sfp_spans_fini(&fr);
	sfp_tz_free(oslo);
}
END_TEST

START_TEST(opts_check)
{
	struct sfp_fb_opts o = { 0, 0, NULL, 0, { 540, 1020, 0x1f }, NULL };
	struct sfp_fail f;

	o.from = at("2026-12-01");
	o.to = o.from;
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_E_USAGE);
	o.to = at("2027-12-03");
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_E_USAGE);
	o.to = at("2026-12-08");
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_OK);
	o.slot_min = 4;
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_E_USAGE);
	o.slot_min = 600;
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_E_USAGE);
	o.slot_min = 30;
	o.hours.days = 0;
	ck_assert_int_eq(sfp_fb_opts_check(&o, &f), SFP_E_USAGE);
}
END_TEST

START_TEST(command_line)
{
	struct sfp_fb_args a = { "2026-12-01", "2026-12-02", "Europe/Oslo", "30", NULL, "all" };
	struct sfp_fb_opts o;
	struct sfp_tz *tz;
	struct sfp_fail f;
	char b[32];

	ck_assert_int_eq(sfp_fb_opts_parse(&a, &o, &tz, &f), SFP_OK);
	ck_assert_ptr_nonnull(tz);
	ck_assert_str_eq(fmt(o.from, b), "2026-11-30T23:00:00Z");
	ck_assert_int_eq(o.slot_min, 30);
	ck_assert_int_eq(o.hours.start_min, 540);
	ck_assert_uint_eq(o.hours.days, 0x7f);
	sfp_tz_free(tz);
	a.tz = "../zoneinfo/UTC";
	ck_assert_int_eq(sfp_fb_opts_parse(&a, &o, &tz, &f), SFP_E_USAGE);
	ck_assert_ptr_null(tz);
	ck_assert_str_eq(f.place, "--tz");
	a.tz = NULL;
	a.slots = "30x";
	ck_assert_int_eq(sfp_fb_opts_parse(&a, &o, &tz, &f), SFP_E_USAGE);
	ck_assert_str_eq(f.place, "--slots");
	a.slots = NULL;
	ck_assert_int_eq(sfp_fb_opts_parse(&a, &o, &tz, &f), SFP_E_USAGE);   /* --days alone */
	a.days = NULL;
	a.to = NULL;
	ck_assert_int_eq(sfp_fb_opts_parse(&a, &o, &tz, &f), SFP_E_USAGE);
}
END_TEST

START_TEST(user_ids)
{
	struct sfp_fb_users u;
	struct sfp_fail f;
	static const char *bad[] = {
		"005' OR Name LIKE '%", "005Hs0000000003IAB", "00QHs0000000003", "005Hs000000000",
		"005Hs0000000003IAA')", "005Hs00000\n00003", NULL
	};
	int i;

	sfp_fb_users_init(&u);
	for (i = 0; bad[i] != NULL; i++) {
		sfp_fail_clear(&f);
		ck_assert_int_eq(sfp_fb_users_add(&u, bad[i], strlen(bad[i]), NULL, "argument 1", &f),
		    SFP_E_INPUT);
		ck_assert_str_eq(f.code, "INVALID_ID");
		ck_assert_str_eq(f.place, "argument 1");
		ck_assert_ptr_nonnull(strstr(f.message, "user \""));
		ck_assert_ptr_null(strchr(f.message, '\n'));
	}
	ck_assert_uint_eq(u.n, 0);
	ck_assert_int_eq(sfp_fb_users_add(&u, "005Hs0000000003", 15, NULL, "x", &f), SFP_OK);
	ck_assert_str_eq(u.v[0].given, "005Hs0000000003");
	ck_assert_str_eq(u.v[0].id18, ANN);
	sfp_fb_users_fini(&u);
}
END_TEST

START_TEST(users_from_a_stream)
{
	struct sfp_fb_users u;
	struct sfp_reader *r;
	struct sfp_fail f;
	int p[2];
	const char *in = "\"005Hs0000000003IAA\"\n{\"user\":\"005Hs0000000004IAA\",\"id\":\"bk-1\"}\n"
	    "{\"user\":\"005Hs0000000004IAA' OR ''='\"}\n";

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], in, strlen(in)), (ssize_t)strlen(in));
	close(p[1]);
	r = sfp_reader_new(p[0], "<stdin>", NULL);
	ck_assert_ptr_nonnull(r);
	sfp_fb_users_init(&u);
	ck_assert_int_eq(sfp_fb_users_read(&u, r, "<stdin>", &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "<stdin>:3:1");
	ck_assert_str_eq(f.code, "INVALID_ID");
	ck_assert_uint_eq(u.n, 2);
	ck_assert_str_eq(u.v[1].tag->valuestring, "bk-1");
	sfp_fb_users_fini(&u);
	sfp_reader_free(r);
	close(p[0]);
}
END_TEST

/* A fake org: answers each query kind with canned records and keeps the SOQL. */
struct fake {
	char soql[8][8192];
	int n;
	const char *owned, *rels, *events;
	int fail_at;
	const char *perms;   /* the UserPermissionAccess answer; NULL: View All Data */
	int perm_queries;    /* not counted in n, so the event queries keep their numbers */
};

static enum sfp_status
fake_query(void *ctx, const char *soql, cJSON **records, struct sfp_fail *f)
{
	struct fake *k = ctx;
	const char *ans = "[]";

	if (strstr(soql, "FROM UserPermissionAccess") != NULL) {
		k->perm_queries++;
		*records = cJSON_Parse(k->perms != NULL ? k->perms :
		    "[{\"PermissionsViewAllData\":true,\"PermissionsModifyAllData\":false}]");
		ck_assert_ptr_nonnull(*records);
		return SFP_OK;
	}

	if (k->n < 8)
		(void)snprintf(k->soql[k->n], sizeof(k->soql[0]), "%s", soql);
	if (++k->n == k->fail_at)
		return sfp_fail_set(f, SFP_E_TEMP, "SERVER_UNAVAILABLE", NULL, "try later");
	if (strstr(soql, "FROM EventRelation") != NULL)
		ans = k->rels;
	else if (strstr(soql, "WHERE OwnerId IN") != NULL)
		ans = k->owned;
	else if (strstr(soql, "WHERE Id IN") != NULL)
		ans = k->events;
	*records = cJSON_Parse(ans);
	ck_assert_ptr_nonnull(*records);
	return SFP_OK;
}

static const char *fake_self;   /* the running user's id for run_fake, or NULL */

static char *
run_fake(struct fake *k, const char *const *ids, size_t n, long slots, enum sfp_status want)
{
	struct sfp_fb_users u;
	struct sfp_fb_opts o = { 0, 0, NULL, 0, { 540, 1020, 0x1f }, NULL };
	struct sfp_writer w;
	struct sfp_fail f;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);
	unsigned q;

	ck_assert_ptr_nonnull(fp);
	o.from = at("2026-12-01T00:00:00Z");
	o.to = at("2026-12-02T00:00:00Z");
	o.slot_min = slots;
	o.self_id = fake_self;
	sfp_fb_users_init(&u);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(sfp_fb_users_add(&u, ids[i], strlen(ids[i]), NULL, "t", &f), SFP_OK);
	sfp_writer_init(&w, fp, "<mem>", 0);
	ck_assert_int_eq(sfp_freebusy_run(&u, &o, fake_query, k, &w, &q, &f), want);
	ck_assert_int_eq(sfp_writer_fini(&w, &f), SFP_OK);
	ck_assert_uint_eq(q, (unsigned)(k->n + k->perm_queries));
	fclose(fp);
	sfp_fb_users_fini(&u);
	return buf;
}

#define PRIVATE "\"Subject\":\"Merger with Initech\",\"Location\":\"Room 7\"," \
	"\"Description\":\"salary talk\",\"WhoId\":\"00QHs0000000001MAA\""

START_TEST(run_owned_and_invited)
{
	struct fake k;
	const char *ids[] = { ANN, BOB, "005Hs0000000003" };
	char *out;

	memset(&k, 0, sizeof(k));
	k.owned = "[{" PRIVATE ",\"OwnerId\":\"005Hs0000000003IAA\","
	    "\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T10:00:00.000+0000\",\"ShowAs\":\"Busy\"},"
	    "{" PRIVATE ",\"OwnerId\":\"005Hs0000000003IAA\","
	    "\"StartDateTime\":\"2026-12-01T09:30:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T11:00:00.000+0000\"},"
	    "{\"OwnerId\":\"005Hs0000000004IAA\",\"ShowAs\":\"Free\","
	    "\"StartDateTime\":\"2026-12-01T09:30:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T11:00:00.000+0000\"},"
	    "{\"OwnerId\":\"005Hs0000000009IAA\","
	    "\"StartDateTime\":\"2026-12-01T09:30:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T11:00:00.000+0000\"}]";
	k.rels = "[{\"EventId\":\"00UHs0000000001MAA\",\"RelationId\":\"005Hs0000000004IAA\","
	    "\"Status\":\"Accepted\"},"
	    "{\"EventId\":\"00UHs0000000002MAA\",\"RelationId\":\"005Hs0000000004IAA\","
	    "\"Status\":\"Declined\"},"
	    "{\"EventId\":\"00UHs0000000001MAA\",\"RelationId\":\"005Hs0000000003IAA\","
	    "\"Status\":\"New\"}]";
	k.events = "[{" PRIVATE ",\"Id\":\"00UHs0000000001MAA\",\"IsAllDayEvent\":false,"
	    "\"StartDateTime\":\"2026-12-01T23:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-02T01:00:00.000+0000\"},"
	    "{\"Id\":\"00UHs0000000002MAA\","
	    "\"StartDateTime\":\"2026-12-01T13:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T14:00:00.000+0000\"}]";
	out = run_fake(&k, ids, 3, 0, SFP_OK);
	ck_assert_str_eq(out,
	    "{\"user\":\"005Hs0000000003IAA\",\"busy\":[{\"start\":\"2026-12-01T09:00:00Z\","
	    "\"end\":\"2026-12-01T11:00:00Z\"},{\"start\":\"2026-12-01T23:00:00Z\","
	    "\"end\":\"2026-12-02T00:00:00Z\"}]}\n"
	    "{\"user\":\"005Hs0000000004IAA\",\"busy\":[{\"start\":\"2026-12-01T23:00:00Z\","
	    "\"end\":\"2026-12-02T00:00:00Z\"}]}\n"
	    "{\"user\":\"005Hs0000000003\",\"busy\":[{\"start\":\"2026-12-01T09:00:00Z\","
	    "\"end\":\"2026-12-01T11:00:00Z\"},{\"start\":\"2026-12-01T23:00:00Z\","
	    "\"end\":\"2026-12-02T00:00:00Z\"}]}\n");
	ck_assert_ptr_null(strstr(out, "Initech"));
	free(out);
	/* Three queries; duplicate users asked once; only time fields selected. */
	ck_assert_int_eq(k.n, 3);
	ck_assert_str_eq(k.soql[0], "SELECT OwnerId, StartDateTime, EndDateTime, IsAllDayEvent, "
	    "ActivityDate, DurationInMinutes, ShowAs FROM Event WHERE OwnerId IN "
	    "('005Hs0000000003IAA','005Hs0000000004IAA') AND IsChild = false AND "
	    "StartDateTime < 2026-12-03T00:00:00Z AND EndDateTime > 2026-11-30T00:00:00Z");
	ck_assert_str_eq(k.soql[1], "SELECT EventId, RelationId, Status FROM EventRelation WHERE "
	    "RelationId IN ('005Hs0000000003IAA','005Hs0000000004IAA') AND "
	    "Status IN ('Accepted','New')");
	ck_assert_str_eq(k.soql[2], "SELECT Id, StartDateTime, EndDateTime, IsAllDayEvent, "
	    "ActivityDate, DurationInMinutes, ShowAs FROM Event WHERE Id IN "
	    "('00UHs0000000001MAA') AND StartDateTime < 2026-12-03T00:00:00Z AND "
	    "EndDateTime > 2026-11-30T00:00:00Z");
}
END_TEST

START_TEST(run_slots_and_failures)
{
	struct fake k;
	const char *ids[] = { ANN };
	char *out;

	memset(&k, 0, sizeof(k));
	k.owned = "[{\"OwnerId\":\"005Hs0000000003IAA\","
	    "\"StartDateTime\":\"2026-12-01T09:00:00.000+0000\","
	    "\"EndDateTime\":\"2026-12-01T16:00:00.000+0000\"}]";
	k.rels = "[]";
	out = run_fake(&k, ids, 1, 60, SFP_OK);
	ck_assert_str_eq(out, "{\"user\":\"005Hs0000000003IAA\",\"busy\":[{\"start\":"
	    "\"2026-12-01T09:00:00Z\",\"end\":\"2026-12-01T16:00:00Z\"}],\"free\":[{\"start\":"
	    "\"2026-12-01T16:00:00Z\",\"end\":\"2026-12-01T17:00:00Z\"}]}\n");
	free(out);
	ck_assert_int_eq(k.n, 2);   /* no invitations: no third query */
	/* A failing query stops the run before anything is written. */
	memset(&k, 0, sizeof(k));
	k.owned = "[]";
	k.rels = "[{\"EventId\":\"00UHs0000000001MAA\",\"RelationId\":\"005Hs0000000003IAA\","
	    "\"Status\":\"Accepted\"}]";
	k.fail_at = 3;
	out = run_fake(&k, ids, 1, 0, SFP_E_TEMP);
	ck_assert_str_eq(out, "");
	free(out);
	/* An EventId that is not an Event id never reaches the next query. */
	memset(&k, 0, sizeof(k));
	k.owned = "[]";
	k.rels = "[{\"EventId\":\"00U') OR Id != ('\",\"RelationId\":\"005Hs0000000003IAA\","
	    "\"Status\":\"Accepted\"}]";
	out = run_fake(&k, ids, 1, 0, SFP_E_TEMP);
	free(out);
	ck_assert_int_eq(k.n, 2);
}
END_TEST

START_TEST(run_chunks_long_lists)
{
	struct fake k;
	static char idbuf[250][SFP_ID_LEN + 1];
	const char *ids[250];
	char out18[SFP_ID_LEN + 1], id15[16];
	const char *why;
	char *out;
	int i;

	for (i = 0; i < 250; i++) {
		(void)snprintf(id15, sizeof(id15), "005Hs%010d", i);
		ck_assert_int_eq(sfp_sfid_check(id15, 15, "005", out18, &why), 0);
		memcpy(idbuf[i], out18, sizeof(out18));
		ids[i] = idbuf[i];
	}
	memset(&k, 0, sizeof(k));
	k.owned = "[]";
	k.rels = "[]";
	out = run_fake(&k, ids, 250, 0, SFP_OK);
	ck_assert_int_eq(k.n, 6);   /* 100 + 100 + 50 users, owned and invited */
	ck_assert_ptr_nonnull(strstr(out, idbuf[249]));
	free(out);
}
END_TEST

/* Without View All Data (or Modify All Data) the running user does not see
 * other users' private events: those hosts are written as unknown, never as
 * free, and the run ends SFP_E_ITEM; the running user's own calendar is
 * complete and reported. */
START_TEST(run_private_events_hidden)
{
	struct fake k;
	const char *ids[] = { ANN, BOB };
	char *out;

	memset(&k, 0, sizeof(k));
	k.owned = k.rels = k.events = "[]";
	k.perms = "[{\"PermissionsViewAllData\":false,\"PermissionsModifyAllData\":false}]";
	fake_self = "005Hs0000000003IAA";
	out = run_fake(&k, ids, 2, 30, SFP_E_ITEM);
	fake_self = NULL;
	ck_assert_ptr_nonnull(strstr(out, "{\"user\":\"005Hs0000000003IAA\",\"busy\":[],\"free\":["));
	ck_assert_ptr_nonnull(strstr(out, "{\"user\":\"005Hs0000000004IAA\",\"unknown\":"));
	ck_assert_ptr_null(strstr(strstr(out, "005Hs0000000004IAA"), "\"free\""));
	ck_assert_int_eq(k.perm_queries, 1);
	free(out);
	/* Modify All Data sees them too; a permission that cannot be read does not. */
	memset(&k, 0, sizeof(k));
	k.owned = k.rels = k.events = "[]";
	k.perms = "[{\"PermissionsViewAllData\":false,\"PermissionsModifyAllData\":true}]";
	out = run_fake(&k, ids, 2, 0, SFP_OK);
	ck_assert_ptr_null(strstr(out, "unknown"));
	free(out);
	memset(&k, 0, sizeof(k));
	k.owned = k.rels = k.events = "[]";
	k.perms = "[]";
	out = run_fake(&k, ids, 2, 0, SFP_E_ITEM);
	ck_assert_ptr_nonnull(strstr(out, "{\"user\":\"005Hs0000000003IAA\",\"unknown\":"));
	free(out);
}
END_TEST

Suite *
suite_freebusy(void)
{
	Suite *s = suite_create("freebusy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, merge_overlaps);
	tcase_add_test(tc, times);
	tcase_add_test(tc, event_rules);
	tcase_add_test(tc, all_day_across_zones);
	tcase_add_test(tc, invitation_status);
	tcase_add_test(tc, hours_and_days);
	tcase_add_test(tc, slots_in_working_hours);
	tcase_add_test(tc, opts_check);
	tcase_add_test(tc, command_line);
	tcase_add_test(tc, user_ids);
	tcase_add_test(tc, users_from_a_stream);
	tcase_add_test(tc, run_owned_and_invited);
	tcase_add_test(tc, run_slots_and_failures);
	tcase_add_test(tc, run_chunks_long_lists);
	tcase_add_test(tc, run_private_events_hidden);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
