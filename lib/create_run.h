/* SPDX-License-Identifier: ISC */
/*
 * create_run: the state sf-create's run engine shares between its two halves,
 * the stream (create_run.c: reading plans into windows, writing result and
 * rejects lines in input order) and the sending (create_send.c: rounds of
 * graph requests and bulk jobs until every plan of a window is done), with
 * create_route.c between them (the tenant rules, one session per org).
 * Private to lib/create_*.c.
 *
 * Threads: with tenants, each org's lane sends from a thread of its own and
 * touches only its own struct run, its items and its statistics; the stream
 * reads, routes, folds the statistics and writes in the main thread, never
 * while lanes send.
 *
 * Ownership: a window's items own their plan, line and result; the run
 * borrows the session and the writers; the lanes own their sessions, which
 * the run closes at its end.
 */
#ifndef SFP_CREATE_RUN_H
#define SFP_CREATE_RUN_H

#include <time.h>
#include <cjson/cJSON.h>
#include "create.h"
#include "fail.h"
#include "tenants.h"

struct lane;

enum item_kind { IT_PLAN, IT_PASS, IT_BAD };

struct item {
	enum item_kind kind;
	cJSON *plan;            /* owned; NULL for a line that is not JSON */
	char *line;             /* the original line for rejects and pass-through, '\n'-ended */
	size_t line_len;
	cJSON *result;          /* the result line once done */
	int done, attempts;
	unsigned char solo;
	unsigned char resend;   /* failed for a passing reason: the plan goes to rejects as it came */
	size_t num;             /* plan number in the run (ref prefix) */
	struct lane *lane;      /* its org's session with --tenants, else NULL (the run's) */
	struct sfp_fail last;   /* the latest transient failure */
};

struct run {
	struct sfp_sf *sf;
	const struct sfp_create_opts *o;
	struct sfp_writer *out, *rejects;
	struct sfp_create_stats *st;
	char data_path[64];
	enum sfp_status worst;
	int stopped;
	struct sfp_fail stop;   /* why the run stopped */
	size_t next_num;
	unsigned long transient_rounds;
	long long t0_ms;   /* sfp_clock_ms() at the run's start */
	struct lane **lanes;    /* with --tenants: one per org (and user), opened lazily */
	size_t nlanes;
};

/*
 * One org's share of a run with --tenants: its own session, token, budget,
 * concurrency and stop, kept in a struct run of its own so that the sending
 * code serves one org or the whole run alike, and different orgs' lanes can
 * send in parallel threads.  What r counts goes to st, which the stream
 * folds into the run's statistics between windows.
 */
struct lane {
	struct run r;
	struct sfp_create_stats st;
	struct sfp_create_opts o;       /* the run's, with this org's jobs and budget */
	char org_id[SFP_SFID_MAX + 1], user_id[SFP_SFID_MAX + 1], username[256];
	char tenant[SFP_TENANT_NAME_MAX + 1];   /* the first tenant that named it */
	enum sfp_status open_st;        /* the session could not be opened: why */
	struct sfp_fail open_fail;
	struct item **pend;             /* this window's plans, while sending */
	size_t np;
	enum sfp_status ret;
	struct sfp_fail f;
	unsigned long calls;            /* API calls of the whole run, kept by the fold */
};

/* A plan is done: its result line says ok with the records. Takes records. */
void sfp_run_plan_ok(struct run *R, struct item *it, cJSON *records);

/* A plan is done without a call: what it would write is already there or
 * older than what is (why, e.g. a newer version is stored). */
void sfp_run_plan_skipped(struct run *R, struct item *it, const char *why);

/* Before a window is sent: newest wins (create_lookup.c).  Plans whose version
 * is not newer than another of the window or the org's are skipped. */
void sfp_run_lookups(struct run *R, struct item **all, size_t n);

/* The pure decisions of the lookups, for the tests:
 * sfp_find_decide: rec's "find" against found[k], the rows the query of its
 * k-th "in" returned (NULL: none), and accounts, the Accounts found by Website
 * (NULL: none); the record becomes "none" or an update of its fill fields and
 * the plan's references take the match's id, or the find's "account" record
 * under the Account of the domain, or it stays a create; -1 with f
 * ("ambiguous-match", "ambiguous-account") when the plan must fail.
 * sfp_find_domain: the domain of an email (after its last "@"), lowercase,
 * into out; -1 when it is no domain name.
 * sfp_reconcile_expand: the reconcile record at index at replaced by creates
 * and deletes, given its parent's id in the org (NULL: a new parent) and the
 * children rows found; -1 with f, the plan unchanged but for the record's place. */
int sfp_find_decide(cJSON *plan, cJSON *rec, const cJSON *const *found, const cJSON *accounts,
    struct sfp_fail *f);
int sfp_find_domain(const char *value, char *out, size_t cap);
int sfp_reconcile_expand(cJSON *plan, int at, const char *pid, const cJSON *kids,
    struct sfp_fail *f);

/* One sf-create at a time per org (create_lock.c): an exclusive lock on a file
 * of the cache directory named for the org, held from a window's lookups to
 * its last send; *fd -1 when none is kept (--no-cache).  SFP_E_TEMP code
 * "org-busy" when another run held it for ten minutes; SFP_E_IO. */
enum sfp_status sfp_run_lock_org(struct run *R, int *fd, struct sfp_fail *f);
void sfp_run_unlock_org(int fd);

/* A plan (or a line that is not one) failed for e: its result line carries e
 * and the input whole. */
void sfp_run_plan_failed(struct run *R, struct item *it, const struct sfp_fail *e);

/* Stop sending for the rest of the run (daily limit, budget, auth...): every
 * plan not done is reported "not sent" with why. */
void sfp_run_stop(struct run *R, enum sfp_status st, const struct sfp_fail *why);

/* Tell the progress callback how far the run is. */
void sfp_run_progress(struct run *R);

/* Make every plan of a window real or give up on it (create_send.c). */
enum sfp_status sfp_run_send(struct run *R, struct item *items, size_t n, struct sfp_fail *f);

/* Which session a checked plan goes to (create_route.c): sets it->lane with
 * --tenants; SFP_E_ITEM with f when the tenant rules refuse the plan;
 * SFP_E_INTERNAL. */
enum sfp_status sfp_run_route(struct run *R, struct item *it, struct sfp_fail *f);

/* Close the lanes' sessions (create_route.c). */
void sfp_run_lanes_free(struct run *R);

/* Fold what the lanes counted into the run (create_route.c). */
void sfp_run_lanes_fold(struct run *R);

/* With tenants: count a written item in its tenant's row of R->st, done
 * elapsed_s into the run (create_route.c); -1 when out of memory. */
int sfp_run_tenant_count(struct run *R, const struct item *it, double elapsed_s);

/* With tenants, at the end of the run, before the lanes close: each tenant's
 * row takes its org session's API calls and usage (create_route.c). */
void sfp_run_tenants_close(struct run *R);

#endif
