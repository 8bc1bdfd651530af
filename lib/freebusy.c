/* SPDX-License-Identifier: ISC */
/* freebusy: busy and free time of Salesforce users from their events. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "freebusy.h"
#include "num.h"
#include "stream.h"

#define DAY 86400

static enum sfp_status
oom(struct sfp_fail *f)
{
	return sfp_fail_oom(f, NULL);
}

/* ---- spans ---- */

void
sfp_spans_init(struct sfp_spans *s)
{
	s->v = NULL;
	s->n = s->cap = 0;
}

void
sfp_spans_fini(struct sfp_spans *s)
{
	free(s->v);
	sfp_spans_init(s);
}

enum sfp_status
sfp_spans_add(struct sfp_spans *s, int64_t start, int64_t end, struct sfp_fail *f)
{
	if (end <= start)
		return SFP_OK;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct sfp_span *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return oom(f);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->n++;
	return SFP_OK;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct sfp_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

void
sfp_spans_merge(struct sfp_spans *s)
{
	size_t i, o = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), span_cmp);
	for (i = 1; i < s->n; i++) {
		if (s->v[i].start <= s->v[o].end) {
			if (s->v[i].end > s->v[o].end)
				s->v[o].end = s->v[i].end;
		} else {
			s->v[++o] = s->v[i];
		}
	}
	s->n = o + 1;
}

void
sfp_spans_clip(struct sfp_spans *s, int64_t from, int64_t to)
{
	size_t i, o = 0;

	for (i = 0; i < s->n; i++) {
		struct sfp_span sp = s->v[i];
		if (sp.start < from)
			sp.start = from;
		if (sp.end > to)
			sp.end = to;
		if (sp.start < sp.end)
			s->v[o++] = sp;
	}
	s->n = o;
}

/* ---- working hours ---- */

static int
parse_hhmm(const char *s, size_t len, int *min)
{
	int h, m;

	if (len != 5 || s[2] != ':')
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '9' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min = h * 60 + m;
	return 0;
}

int
sfp_hours_parse(const char *s, struct sfp_hours *h, const char **why)
{
	const char *dash = strchr(s, '-');

	if (dash == NULL || parse_hhmm(s, (size_t)(dash - s), &h->start_min) != 0 ||
	    parse_hhmm(dash + 1, strlen(dash + 1), &h->end_min) != 0) {
		*why = "want working hours as HH:MM-HH:MM";
		return -1;
	}
	if (h->start_min >= h->end_min || h->start_min == 1440) {
		*why = "working hours must end after they start, on the same day";
		return -1;
	}
	return 0;
}

static int
day_index(const char *s, size_t len)
{
	static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (memcmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

int
sfp_days_parse(const char *s, unsigned *mask, const char **why)
{
	const char *p = s;

	*mask = 0;
	if (strcmp(s, "all") == 0) {
		*mask = 0x7f;
		return 0;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		int a, b;

		if (len == 7 && p[3] == '-') {
			a = day_index(p, 3);
			b = day_index(p + 4, 3);
		} else {
			a = b = day_index(p, len);
		}
		if (a < 0 || b < 0) {
			*why = "want days as mon-fri, or names like mon,wed,sat-sun, or all";
			*mask = 0;
			return -1;
		}
		for (;;) {
			*mask |= 1u << a;
			if (a == b)
				break;
			a = (a + 1) % 7;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

enum sfp_status
sfp_fb_slots(const struct sfp_spans *busy, int64_t from, int64_t to, const struct sfp_tz *tz,
    const struct sfp_hours *h, long slot_min, struct sfp_spans *out, struct sfp_fail *f)
{
	int64_t len = (int64_t)slot_min * 60, d, dfirst, dlast;
	size_t bi = 0;
	enum sfp_status st;

	if (slot_min <= 0 || from >= to)
		return SFP_OK;
	dfirst = sfp_floordiv(from + (tz ? sfp_tz_offset_at(tz, from) : 0), DAY) - 1;
	dlast = sfp_floordiv(to + (tz ? sfp_tz_offset_at(tz, to) : 0), DAY) + 1;
	for (d = dfirst; d <= dlast; d++) {
		int wd = (int)(((d % 7) + 7 + 3) % 7);    /* 1970-01-01 was a Thursday */
		int64_t ws, we, t;

		if (!(h->days & (1u << wd)))
			continue;
		ws = sfp_tz_local_to_utc(tz, d * DAY + (int64_t)h->start_min * 60);
		we = sfp_tz_local_to_utc(tz, d * DAY + (int64_t)h->end_min * 60);
		for (t = ws; t + len <= we; t += len) {
			if (t < from)
				continue;
			if (t + len > to)
				return SFP_OK;
			while (bi < busy->n && busy->v[bi].end <= t)
				bi++;
			if (bi < busy->n && busy->v[bi].start < t + len)
				continue;
			if ((st = sfp_spans_add(out, t, t + len, f)) != SFP_OK)
				return st;
		}
	}
	return SFP_OK;
}

/* ---- events ---- */

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
sfp_fb_event_span(const cJSON *ev, const struct sfp_tz *tz, struct sfp_span *out)
{
	const char *show = str_of(ev, "ShowAs");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(ev, "DurationInMinutes");
	int64_t start, end, first, last, ndays;
	int has_dur = cJSON_IsNumber(dur) && dur->valuedouble > 0 && dur->valuedouble < 1e9;

	if (show != NULL && strcmp(show, "Free") == 0)
		return 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "IsAllDayEvent"))) {
		if (sfp_time_parse_date(str_of(ev, "ActivityDate"), &first) != 0) {
			if (sfp_time_parse_sf_datetime(str_of(ev, "StartDateTime"), &start) != 0)
				return 0;
			first = sfp_floordiv(start, DAY);
		}
		if (has_dur) {
			ndays = ((int64_t)dur->valuedouble + 1439) / 1440;
		} else if (sfp_time_parse_sf_datetime(str_of(ev, "EndDateTime"), &end) == 0) {
			last = sfp_floordiv(end, DAY);
			ndays = last >= first ? last - first + 1 : 1;
		} else {
			ndays = 1;
		}
		if (ndays > SFP_FB_MAX_WINDOW_DAYS)
			ndays = SFP_FB_MAX_WINDOW_DAYS;
		out->start = sfp_tz_local_to_utc(tz, first * DAY);
		out->end = sfp_tz_local_to_utc(tz, (first + ndays) * DAY);
		return out->end > out->start;
	}
	if (sfp_time_parse_sf_datetime(str_of(ev, "StartDateTime"), &start) != 0)
		return 0;
	if (sfp_time_parse_sf_datetime(str_of(ev, "EndDateTime"), &end) != 0) {
		if (!has_dur)
			return 0;
		end = start + (int64_t)dur->valuedouble * 60;
	}
	if (end <= start)
		return 0;
	out->start = start;
	out->end = end;
	return 1;
}

int
sfp_fb_status_busy(const char *status)
{
	return status != NULL && (strcmp(status, "Accepted") == 0 || strcmp(status, "New") == 0);
}

/* ---- users ---- */

void
sfp_fb_users_init(struct sfp_fb_users *u)
{
	u->v = NULL;
	u->n = u->cap = 0;
}

void
sfp_fb_users_fini(struct sfp_fb_users *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		cJSON_Delete(u->v[i].tag);
	free(u->v);
	sfp_fb_users_init(u);
}

enum sfp_status
sfp_fb_users_add(struct sfp_fb_users *u, const char *s, size_t len, const cJSON *tag,
    const char *place, struct sfp_fail *f)
{
	char id18[SFP_ID_LEN + 1];
	const char *why;
	struct sfp_fb_user *nu;

	if (sfp_sfid_check(s, len, "005", id18, &why) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "INVALID_ID", place, "user \"%.*s%s\": %s",
		    (int)(len > 40 ? 40 : len), s, len > 40 ? "..." : "",
		    strncmp(why, "wrong kind", 10) == 0 ? "not a user id (005...)" : why);
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct sfp_fb_user *v = realloc(u->v, cap * sizeof(*v));
		if (v == NULL)
			return oom(f);
		u->v = v;
		u->cap = cap;
	}
	nu = &u->v[u->n];
	memcpy(nu->given, s, len);
	nu->given[len] = '\0';
	memcpy(nu->id18, id18, sizeof(id18));
	nu->tag = NULL;
	if (tag != NULL && (nu->tag = cJSON_Duplicate(tag, 1)) == NULL)
		return oom(f);
	u->n++;
	return SFP_OK;
}

enum sfp_status
sfp_fb_users_read(struct sfp_fb_users *u, struct sfp_reader *r, const char *source,
    struct sfp_fail *f)
{
	cJSON *item;
	enum sfp_status st;
	char place[128];
	unsigned long line, col;

	for (;;) {
		const cJSON *user, *tag = NULL;

		st = sfp_reader_next(r, &item, f);
		if (st == SFP_E_ITEM)
			f->status = st = SFP_E_INPUT;
		if (st != SFP_OK)
			return st;
		if (item == NULL)
			return SFP_OK;
		sfp_reader_pos(r, &line, &col);
		(void)snprintf(place, sizeof(place), "%s:%lu:%lu", source, line, col);
		user = item;
		if (cJSON_IsObject(item)) {
			user = cJSON_GetObjectItemCaseSensitive(item, "user");
			tag = cJSON_GetObjectItemCaseSensitive(item, "id");
		}
		if (!cJSON_IsString(user))
			st = sfp_fail_set(f, SFP_E_INPUT, "INVALID_ID", place,
			    "want a user id as a string or {\"user\":\"005...\"}");
		else
			st = sfp_fb_users_add(u, user->valuestring, strlen(user->valuestring), tag,
			    place, f);
		cJSON_Delete(item);
		if (st != SFP_OK)
			return st;
	}
}

/* ---- the run ---- */

enum sfp_status
sfp_fb_opts_check(const struct sfp_fb_opts *o, struct sfp_fail *f)
{
	if (o->to <= o->from)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", "--to", "must be after --from");
	if (o->to - o->from > (int64_t)SFP_FB_MAX_WINDOW_DAYS * DAY)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", "--to",
		    "the window may span at most %d days", SFP_FB_MAX_WINDOW_DAYS);
	if (o->slot_min == 0)
		return SFP_OK;
	if (o->slot_min < 5 || o->slot_min > 1440)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", "--slots",
		    "want minutes from 5 to 1440");
	if (o->hours.days == 0)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", "--days", "no working day chosen");
	if (o->slot_min > o->hours.end_min - o->hours.start_min)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", "--slots",
		    "a slot is longer than the working hours");
	return SFP_OK;
}

enum sfp_status
sfp_fb_opts_parse(const struct sfp_fb_args *a, struct sfp_fb_opts *o, struct sfp_tz **tz,
    struct sfp_fail *f)
{
	const enum sfp_status st = SFP_E_USAGE;
	const char *why;
	long n = 0;

	memset(o, 0, sizeof(*o));
	o->hours.start_min = 9 * 60;
	o->hours.end_min = 17 * 60;
	o->hours.days = 0x1f;
	*tz = NULL;
	if (a->from == NULL || a->to == NULL)
		return sfp_fail_set(f, st, "usage", NULL, "give the window: --from TIME --to TIME");
	if ((a->hours != NULL || a->days != NULL) && a->slots == NULL)
		return sfp_fail_set(f, st, "usage", NULL,
		    "--hours and --days shape free slots: give --slots too");
	if (a->tz != NULL && sfp_tz_load(a->tz, tz, f) != SFP_OK) {
		f->status = st;
		sfp_fail_wrap_place(f, "--tz");
		return st;
	}
	o->tz = *tz;
	if (sfp_time_instant(a->from, *tz, &o->from, &why) != 0)
		return sfp_fail_set(f, st, "usage", "--from", "\"%.40s\": %s", a->from, why);
	if (sfp_time_instant(a->to, *tz, &o->to, &why) != 0)
		return sfp_fail_set(f, st, "usage", "--to", "\"%.40s\": %s", a->to, why);
	if (a->slots != NULL && sfp_parse_long(a->slots, 5, 1440, &n) != 0)
		return sfp_fail_set(f, st, "usage", "--slots", "want minutes from 5 to 1440");
	o->slot_min = n;
	if (a->hours != NULL && sfp_hours_parse(a->hours, &o->hours, &why) != 0)
		return sfp_fail_set(f, st, "usage", "--hours", "%s", why);
	if (a->days != NULL && sfp_days_parse(a->days, &o->hours.days, &why) != 0)
		return sfp_fail_set(f, st, "usage", "--days", "%s", why);
	return sfp_fb_opts_check(o, f);
}

/* " AND StartDateTime < T2 AND EndDateTime > T1", the window widened by a day on
 * each side so all-day events (stored at UTC midnight) of any zone are seen;
 * the exact cut is made afterwards. */
static void
sb_window(struct sfp_buf *b, const struct sfp_fb_opts *o)
{
	char t1[32], t2[32];

	sfp_time_format_utc(o->from - DAY, t1);
	sfp_time_format_utc(o->to + DAY, t2);
	sfp_buf_puts(b, " AND StartDateTime < ");
	sfp_buf_puts(b, t2);
	sfp_buf_puts(b, " AND EndDateTime > ");
	sfp_buf_puts(b, t1);
}

/* "'id1','id2'" from ids that passed sfp_sfid_check: nothing to escape. */
static void
sb_ids(struct sfp_buf *b, char (*ids)[SFP_ID_LEN + 1], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sfp_buf_puts(b, i ? ",'" : "'");
		sfp_buf_puts(b, ids[i]);
		sfp_buf_puts(b, "'");
	}
}

#define EVENT_FIELDS "StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate, " \
	"DurationInMinutes, ShowAs"

struct dist {
	char id18[SFP_ID_LEN + 1];
	struct sfp_spans busy, free_;
	int hidden;   /* may hold private events the running user cannot see */
};

struct rel {
	char ev[SFP_ID_LEN + 1];
	size_t who;   /* index into the distinct users */
};

struct run {
	const struct sfp_fb_opts *o;
	sfp_fb_query_fn query;
	void *qctx;
	unsigned queries;
	struct dist *d;
	size_t nd;
	struct rel *rel;
	size_t nrel, caprel;
	char (*ids)[SFP_ID_LEN + 1];   /* scratch for one IN list */
};

static int
dist_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dist *)a)->id18, ((const struct dist *)b)->id18);
}

static int
rel_cmp(const void *a, const void *b)
{
	const struct rel *x = a, *y = b;
	int c = strcmp(x->ev, y->ev);
	if (c != 0)
		return c;
	return x->who < y->who ? -1 : x->who > y->who;
}

static struct dist *
find_dist(struct run *r, const char *id)
{
	struct dist key;
	char id18[SFP_ID_LEN + 1];
	const char *why;

	if (id == NULL || sfp_sfid_check(id, strlen(id), NULL, id18, &why) != 0)
		return NULL;
	memcpy(key.id18, id18, sizeof(id18));
	return bsearch(&key, r->d, r->nd, sizeof(*r->d), dist_cmp);
}

static enum sfp_status
run_query(struct run *r, struct sfp_buf *b, cJSON **recs, struct sfp_fail *f)
{
	*recs = NULL;
	if (b->oom)
		return oom(f);
	r->queries++;
	return r->query(r->qctx, b->p, recs, f);
}

/* The next at most SFP_FB_USERS_PER_QUERY user ids from position at, copied
 * into r->ids for one IN (...) list; returns how many. */
static size_t
user_chunk(struct run *r, size_t at)
{
	size_t i, n = r->nd - at < SFP_FB_USERS_PER_QUERY ? r->nd - at : SFP_FB_USERS_PER_QUERY;

	for (i = 0; i < n; i++)
		memcpy(r->ids[i], r->d[at + i].id18, SFP_ID_LEN + 1);
	return n;
}

/* 1. Events the users own. */
static enum sfp_status
owned(struct run *r, struct sfp_fail *f)
{
	size_t at, n;
	enum sfp_status st = SFP_OK;

	for (at = 0; at < r->nd && st == SFP_OK; at += n) {
		struct sfp_buf b = SFP_BUF_INIT;
		cJSON *recs, *ev;

		n = user_chunk(r, at);
		sfp_buf_puts(&b, "SELECT OwnerId, " EVENT_FIELDS " FROM Event WHERE OwnerId IN (");
		sb_ids(&b, r->ids, n);
		sfp_buf_puts(&b, ") AND IsChild = false");
		sb_window(&b, r->o);
		st = run_query(r, &b, &recs, f);
		sfp_buf_fini(&b);
		if (st != SFP_OK)
			break;
		cJSON_ArrayForEach(ev, recs) {
			struct dist *d = find_dist(r, str_of(ev, "OwnerId"));
			struct sfp_span sp;
			if (d != NULL && sfp_fb_event_span(ev, r->o->tz, &sp) &&
			    (st = sfp_spans_add(&d->busy, sp.start, sp.end, f)) != SFP_OK)
				break;
		}
		cJSON_Delete(recs);
	}
	return st;
}

/* 2. The users' invitations that make them busy. */
static enum sfp_status
invitations(struct run *r, struct sfp_fail *f)
{
	size_t at, n;
	enum sfp_status st = SFP_OK;

	for (at = 0; at < r->nd && st == SFP_OK; at += n) {
		struct sfp_buf b = SFP_BUF_INIT;
		cJSON *recs, *er;

		n = user_chunk(r, at);
		sfp_buf_puts(&b, "SELECT EventId, RelationId, Status FROM EventRelation WHERE RelationId IN (");
		sb_ids(&b, r->ids, n);
		sfp_buf_puts(&b, ") AND Status IN ('Accepted','New')");
		st = run_query(r, &b, &recs, f);
		sfp_buf_fini(&b);
		if (st != SFP_OK)
			break;
		cJSON_ArrayForEach(er, recs) {
			struct dist *d = find_dist(r, str_of(er, "RelationId"));
			const char *ev = str_of(er, "EventId"), *why;
			char ev18[SFP_ID_LEN + 1];

			if (d == NULL || !sfp_fb_status_busy(str_of(er, "Status")))
				continue;
			if (ev == NULL || sfp_sfid_check(ev, strlen(ev), "00U", ev18, &why) != 0) {
				st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", "EventRelation",
				    "the org answered an invitation without a usable EventId");
				break;
			}
			if (r->nrel == r->caprel) {
				size_t cap = r->caprel ? r->caprel * 2 : 64;
				struct rel *v = realloc(r->rel, cap * sizeof(*v));
				if (v == NULL) {
					st = oom(f);
					break;
				}
				r->rel = v;
				r->caprel = cap;
			}
			memcpy(r->rel[r->nrel].ev, ev18, sizeof(ev18));
			r->rel[r->nrel].who = (size_t)(d - r->d);
			r->nrel++;
		}
		cJSON_Delete(recs);
	}
	return st;
}

/* 3. The invitations' events in the window, by Id. */
static enum sfp_status
invited_events(struct run *r, struct sfp_fail *f)
{
	size_t at = 0, n, k;
	enum sfp_status st = SFP_OK;

	if (r->nrel == 0)
		return SFP_OK;
	qsort(r->rel, r->nrel, sizeof(*r->rel), rel_cmp);
	while (at < r->nrel && st == SFP_OK) {
		struct sfp_buf b = SFP_BUF_INIT;
		cJSON *recs, *ev;
		size_t end = at;

		for (n = 0; end < r->nrel && n < SFP_FB_EVENTS_PER_QUERY; n++) {
			memcpy(r->ids[n], r->rel[end].ev, SFP_ID_LEN + 1);
			while (end < r->nrel && strcmp(r->rel[end].ev, r->ids[n]) == 0)
				end++;
		}
		sfp_buf_puts(&b, "SELECT Id, " EVENT_FIELDS " FROM Event WHERE Id IN (");
		sb_ids(&b, r->ids, n);
		sfp_buf_puts(&b, ")");
		sb_window(&b, r->o);
		st = run_query(r, &b, &recs, f);
		sfp_buf_fini(&b);
		if (st != SFP_OK)
			break;
		cJSON_ArrayForEach(ev, recs) {
			const char *id = str_of(ev, "Id"), *why;
			char id18[SFP_ID_LEN + 1];
			struct sfp_span sp;

			if (id == NULL || sfp_sfid_check(id, strlen(id), NULL, id18, &why) != 0 ||
			    !sfp_fb_event_span(ev, r->o->tz, &sp))
				continue;
			for (k = at; k < end; k++) {
				if (strcmp(r->rel[k].ev, id18) != 0)
					continue;
				if ((st = sfp_spans_add(&r->d[r->rel[k].who].busy, sp.start, sp.end,
				    f)) != SFP_OK)
					break;
			}
			if (st != SFP_OK)
				break;
		}
		cJSON_Delete(recs);
		at = end;
	}
	return st;
}

static cJSON *
spans_json(const struct sfp_spans *s)
{
	cJSON *a = cJSON_CreateArray(), *o;
	char t[32];
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < s->n; i++) {
		if ((o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
		sfp_time_format_utc(s->v[i].start, t);
		if (cJSON_AddStringToObject(o, "start", t) == NULL) {
			cJSON_Delete(a);
			return NULL;
		}
		sfp_time_format_utc(s->v[i].end, t);
		if (cJSON_AddStringToObject(o, "end", t) == NULL) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

#define HIDDEN_REASON "private events of this host are hidden from the integration user " \
	"(it needs View All Data or Modify All Data): neither busy nor free is known"

static enum sfp_status
write_user(const struct sfp_fb_user *u, const struct dist *d, int slots, struct sfp_writer *w,
    struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *tag = NULL, *busy, *fr = NULL;
	enum sfp_status st;

	if (o == NULL)
		return oom(f);
	if (u->tag != NULL && ((tag = cJSON_Duplicate(u->tag, 1)) == NULL ||
	    !cJSON_AddItemToObject(o, "id", tag))) {
		cJSON_Delete(tag);
		cJSON_Delete(o);
		return oom(f);
	}
	/* A calendar seen only in part is never reported: a private meeting in
	 * the hidden part would read as free time. */
	if (d->hidden) {
		if (cJSON_AddStringToObject(o, "user", u->given) == NULL ||
		    cJSON_AddStringToObject(o, "unknown", HIDDEN_REASON) == NULL) {
			cJSON_Delete(o);
			return oom(f);
		}
		st = sfp_write_json(w, o, f);
		cJSON_Delete(o);
		return st;
	}
	if (cJSON_AddStringToObject(o, "user", u->given) == NULL ||
	    (busy = spans_json(&d->busy)) == NULL) {
		cJSON_Delete(o);
		return oom(f);
	}
	if (!cJSON_AddItemToObject(o, "busy", busy) ||
	    (slots && ((fr = spans_json(&d->free_)) == NULL || !cJSON_AddItemToObject(o, "free", fr)))) {
		cJSON_Delete(fr);
		cJSON_Delete(o);
		return oom(f);
	}
	st = sfp_write_json(w, o, f);
	cJSON_Delete(o);
	return st;
}

/*
 * Salesforce hides an Event marked private (IsPrivate) from every user but its
 * owner, unless the user has View All Data or Modify All Data
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm):
 * the queries simply do not return it.  So unless the running user has one of
 * those permissions (UserPermissionAccess holds the running user's own,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userpermissionaccess.htm),
 * every host but the running user is marked hidden.  A permission that cannot
 * be read counts as absent; only a temporary or session failure stops the run.
 */
static enum sfp_status
mark_hidden(struct run *r, struct sfp_fail *f)
{
	static const char soql[] =
	    "SELECT PermissionsViewAllData, PermissionsModifyAllData FROM UserPermissionAccess";
	const char *self = r->o->self_id != NULL ? r->o->self_id : "";
	struct sfp_fail ignore;
	cJSON *recs = NULL;
	const cJSON *row;
	enum sfp_status st;
	int all = 0;
	size_t i;

	r->queries++;
	st = r->query(r->qctx, soql, &recs, &ignore);
	if (st == SFP_E_TEMP || st == SFP_E_AUTH || st == SFP_E_INTERNAL || st == SFP_E_IO) {
		*f = ignore;
		return st;
	}
	row = st == SFP_OK ? cJSON_GetArrayItem(recs, 0) : NULL;
	all = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "PermissionsViewAllData")) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "PermissionsModifyAllData"));
	cJSON_Delete(recs);
	for (i = 0; i < r->nd; i++)
		r->d[i].hidden = !all && strcmp(r->d[i].id18, self) != 0;
	return SFP_OK;
}

enum sfp_status
sfp_freebusy_run(const struct sfp_fb_users *u, const struct sfp_fb_opts *o,
    sfp_fb_query_fn query, void *qctx, struct sfp_writer *w, unsigned *queries,
    struct sfp_fail *f)
{
	struct run r;
	size_t hidden = 0;
	size_t i, n = SFP_FB_EVENTS_PER_QUERY > SFP_FB_USERS_PER_QUERY ?
	    SFP_FB_EVENTS_PER_QUERY : SFP_FB_USERS_PER_QUERY;
	enum sfp_status st;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.query = query;
	r.qctx = qctx;
	if (queries != NULL)
		*queries = 0;
	if ((st = sfp_fb_opts_check(o, f)) != SFP_OK)
		return st;
	r.ids = malloc(n * sizeof(*r.ids));
	r.d = calloc(u->n ? u->n : 1, sizeof(*r.d));
	if (r.ids == NULL || r.d == NULL) {
		st = oom(f);
		goto out;
	}
	/* The distinct users, sorted, so a record's owner is found by bsearch. */
	for (i = 0; i < u->n; i++)
		memcpy(r.d[i].id18, u->v[i].id18, SFP_ID_LEN + 1);
	qsort(r.d, u->n, sizeof(*r.d), dist_cmp);
	for (i = 0; i < u->n; i++) {
		if (r.nd == 0 || strcmp(r.d[r.nd - 1].id18, r.d[i].id18) != 0)
			memcpy(r.d[r.nd++].id18, r.d[i].id18, SFP_ID_LEN + 1);
	}
	for (i = 0; i < r.nd; i++) {
		sfp_spans_init(&r.d[i].busy);
		sfp_spans_init(&r.d[i].free_);
	}
	if (r.nd > 0 && ((st = mark_hidden(&r, f)) != SFP_OK || (st = owned(&r, f)) != SFP_OK ||
	    (st = invitations(&r, f)) != SFP_OK || (st = invited_events(&r, f)) != SFP_OK))
		goto out;
	for (i = 0; i < r.nd; i++) {
		sfp_spans_merge(&r.d[i].busy);
		sfp_spans_clip(&r.d[i].busy, o->from, o->to);
		if (o->slot_min > 0 && (st = sfp_fb_slots(&r.d[i].busy, o->from, o->to, o->tz,
		    &o->hours, o->slot_min, &r.d[i].free_, f)) != SFP_OK)
			goto out;
	}
	for (i = 0; i < u->n; i++) {
		struct dist key, *d;
		memcpy(key.id18, u->v[i].id18, SFP_ID_LEN + 1);
		d = bsearch(&key, r.d, r.nd, sizeof(*r.d), dist_cmp);
		if ((st = write_user(&u->v[i], d, o->slot_min > 0, w, f)) != SFP_OK)
			goto out;
		hidden += d->hidden;
	}
	if (hidden > 0)
		st = sfp_fail_set(f, SFP_E_ITEM, "calendar-hidden", NULL,
		    "%zu of %zu hosts written as unknown: private events hidden from the "
		    "integration user", hidden, u->n);
out:
	if (queries != NULL)
		*queries = r.queries;
	if (r.d != NULL) {
		for (i = 0; i < r.nd; i++) {
			sfp_spans_fini(&r.d[i].busy);
			sfp_spans_fini(&r.d[i].free_);
		}
	}
	free(r.d);
	free(r.ids);
	free(r.rel);
	return st;
}
