/* SPDX-License-Identifier: ISC */
/*
 * freebusy: when a host user is busy in Salesforce, and nothing else.
 *
 * sfp_freebusy_run asks three kinds of SOQL queries, each for many users at
 * once (IN lists, chunked):
 *   1. the Events each user owns in the window (IsChild = false);
 *   2. the EventRelation rows naming the users (their invitations), with the
 *      Status that says whether they answered;
 *   3. the Events of those invitations that fall in the window, by Id.
 * Only StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate,
 * DurationInMinutes, ShowAs, OwnerId (Events) and EventId, RelationId, Status
 * (EventRelations) are selected: subjects, attendees, places and descriptions
 * are never even fetched.  Every value in a query is either a checked id
 * (soql.h) or a datetime this module formats itself.
 *
 * Calendar rules (sf-freebusy(1) says the same to users):
 *   - ShowAs Free is not busy; Busy, OutOfOffice and no value are busy;
 *   - a timed event is busy over [StartDateTime, EndDateTime) (EndDateTime
 *     missing: StartDateTime + DurationInMinutes; neither: not busy);
 *   - an all-day event is a date, not an instant: it blocks whole days in the
 *     host's time zone (opts->tz, UTC by default), from ActivityDate (else the
 *     UTC date of StartDateTime) for ceil(DurationInMinutes / 1440) days (at
 *     least one; without a duration, through the UTC date of EndDateTime);
 *   - an invitation (EventRelation) with Status Accepted or New (not answered
 *     yet) is busy, as a tentative meeting is in a calendar; Declined is free;
 *   - child events (an invitee's copy of a group event) are left out of the
 *     owner query: the invitation's Status is the truth for them.
 * Busy spans are merged (overlapping and touching ones become one), clipped to
 * the window, and written in UTC, one JSON line per input user, in input order.
 *
 * Private events: Salesforce returns an Event marked private only to its owner
 * and to users with View All Data or Modify All Data.  The run first reads the
 * running user's own permissions (UserPermissionAccess); without either, every
 * host but the running user (opts->self_id) is written as
 * {"user":"005...","unknown":"<why>"}, never with busy or free times, and the
 * run ends SFP_E_ITEM (exit 1) after writing every line.
 *
 * Free slots: the working hours of each chosen weekday (in opts->tz), cut into
 * consecutive slots of slot_min minutes from the start of the hours, keeping
 * those that lie inside the window and touch no busy span.
 *
 * Ownership: struct sfp_spans and struct sfp_fb_users are caller storage
 * (init/fini).  Nothing here prints or exits.
 */
#ifndef SFP_FREEBUSY_H
#define SFP_FREEBUSY_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "fail.h"
#include "soql.h"
#include "timefmt.h"

/* ---- spans of time: [start, end) in seconds since the epoch (UTC) ---- */

struct sfp_span {
	int64_t start, end;
};

struct sfp_spans {
	struct sfp_span *v;
	size_t n, cap;
};

void sfp_spans_init(struct sfp_spans *s);
void sfp_spans_fini(struct sfp_spans *s);
/* Append [start,end); an empty or reversed span is ignored.  SFP_E_INTERNAL when out of memory. */
enum sfp_status sfp_spans_add(struct sfp_spans *s, int64_t start, int64_t end,
    struct sfp_fail *f);
/* Sort and merge in place: overlapping and touching spans become one. */
void sfp_spans_merge(struct sfp_spans *s);
/* Cut every span to [from,to), dropping what falls outside (order kept). */
void sfp_spans_clip(struct sfp_spans *s, int64_t from, int64_t to);

/* ---- working hours ---- */

/* Instants, Salesforce datetimes and dates are read by timefmt.h. */

struct sfp_hours {
	int start_min, end_min;    /* minutes after local midnight, start < end <= 1440 */
	unsigned days;             /* bit 0 Monday ... bit 6 Sunday */
};

/* "09:00-17:00" (end may be "24:00").  0, or -1 with *why. */
int sfp_hours_parse(const char *s, struct sfp_hours *h, const char **why);
/* "mon-fri", "mon,wed,fri", "sat-sun", "all" into a day mask.  0, or -1 with *why. */
int sfp_days_parse(const char *s, unsigned *mask, const char **why);

/*
 * Free slots of slot_min minutes (see above) into out (appended, sorted).
 * busy must be merged.  tz NULL means UTC.  SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_fb_slots(const struct sfp_spans *busy, int64_t from, int64_t to,
    const struct sfp_tz *tz, const struct sfp_hours *h, long slot_min, struct sfp_spans *out,
    struct sfp_fail *f);

/* ---- events ---- */

/*
 * The busy span of one Event record as the query returns it (see the rules
 * above).  Returns 1 and fills out when the event makes its owner busy, 0 when
 * it does not (shown as free, no usable times).
 */
int sfp_fb_event_span(const cJSON *ev, const struct sfp_tz *tz, struct sfp_span *out);

/* 1 when an invitation with this EventRelation Status makes the user busy. */
int sfp_fb_status_busy(const char *status);

/* ---- the users asked about ---- */

struct sfp_fb_user {
	char given[SFP_ID_LEN + 1];   /* as the caller wrote it (15 or 18) */
	char id18[SFP_ID_LEN + 1];
	cJSON *tag;                   /* owned: the input item's "id", or NULL */
};

struct sfp_fb_users {
	struct sfp_fb_user *v;
	size_t n, cap;
};

void sfp_fb_users_init(struct sfp_fb_users *u);
void sfp_fb_users_fini(struct sfp_fb_users *u);

/*
 * Add one user id (len bytes).  Anything but a User id (15/18 characters,
 * checksum right, prefix 005) is refused with SFP_E_INPUT, code "INVALID_ID",
 * place as given, and a message quoting (the first 40 bytes of) the input.
 * tag (may be NULL) is copied.
 */
enum sfp_status sfp_fb_users_add(struct sfp_fb_users *u, const char *s, size_t len,
    const cJSON *tag, const char *place, struct sfp_fail *f);

struct sfp_reader;

/*
 * Read every item of r: a JSON string (the user id) or an object
 * {"user":"005...","id":...} (id optional, echoed on the output line).  The
 * first bad item stops the reading: SFP_E_INPUT with its position in source
 * ("<stdin>:3:1").
 */
enum sfp_status sfp_fb_users_read(struct sfp_fb_users *u, struct sfp_reader *r,
    const char *source, struct sfp_fail *f);

/* ---- the whole run ---- */

struct sfp_fb_opts {
	int64_t from, to;          /* the window, [from, to) */
	const struct sfp_tz *tz;   /* the hosts' time zone; NULL: UTC */
	long slot_min;             /* 0: no free slots */
	struct sfp_hours hours;    /* with slot_min */
	const char *self_id;       /* the running user's 18-character id; NULL: unknown */
};

#define SFP_FB_MAX_WINDOW_DAYS 366
#define SFP_FB_USERS_PER_QUERY 100
#define SFP_FB_EVENTS_PER_QUERY 200

/* Check the options as a whole: SFP_E_USAGE with a message when unusable. */
enum sfp_status sfp_fb_opts_check(const struct sfp_fb_opts *o, struct sfp_fail *f);

/* The command line's strings (NULL when not given). */
struct sfp_fb_args {
	const char *from, *to, *tz, *slots, *hours, *days;
};

/*
 * Turn the command line into opts (hours 09:00-17:00 and mon-fri unless
 * given) and check them; the zone is loaded into *tz (caller frees with
 * sfp_tz_free; NULL for UTC).  SFP_E_USAGE with the option as the place.
 */
enum sfp_status sfp_fb_opts_parse(const struct sfp_fb_args *a, struct sfp_fb_opts *o,
    struct sfp_tz **tz, struct sfp_fail *f);

/* Run one SOQL query to the end (every page); *records is a new array. */
typedef enum sfp_status (*sfp_fb_query_fn)(void *ctx, const char *soql, cJSON **records,
    struct sfp_fail *f);

struct sfp_writer;

/*
 * Query, compute and write one line per user in u, in order:
 *   {"id":<tag>,"user":"005...","busy":[{"start":"...Z","end":"...Z"},...],
 *    "free":[...]}   ("id" only when tagged, "free" only with slot_min),
 *   or {"id":<tag>,"user":"005...","unknown":"..."} for a hidden calendar.
 * A query failure stops the run with its status before anything is written.
 * *queries (may be NULL) counts the queries run.
 */
enum sfp_status sfp_freebusy_run(const struct sfp_fb_users *u, const struct sfp_fb_opts *o,
    sfp_fb_query_fn query, void *qctx, struct sfp_writer *w, unsigned *queries,
    struct sfp_fail *f);

#endif
