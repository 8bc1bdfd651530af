/* SPDX-License-Identifier: ISC */
/*
 * follow: sfpipe-follow, the long-running delivery that reads a spool as it grows.
 *
 * The spool (spool.h) gains one verified, tagged line per request.  The
 * follower reads new whole lines and cuts them into windows: a window is sent
 * once its oldest line has waited max_wait_ms (or it holds max_window lines),
 * so a quiet hour's first booking waits max_wait_ms and a busy minute's
 * bookings share requests.  A window is sent by running the delivery command
 * (argv; typically sh -c 'sf-map --tenants D | sf-create --tenants D') with
 * the window's lines on its stdin; its stdout (result lines) is appended to the
 * results file and synced, then the commit file is replaced atomically.
 *
 * Commit file: DIR/follow.offset, one line "<spool offset> <results size>"
 * (0600).  On start the results file is cut back to the committed size (a
 * window whose results were written but not committed is sent again; its
 * records are upserted by key, so Salesforce holds each once), and reading
 * resumes at the committed offset: a restart loses nothing and writes no
 * result twice.
 *
 * The command's exit status decides: 0 or 1 (some items failed, each reported
 * in the results): committed; 4 (temporary: unreachable, daily limit): its
 * output is dropped and the same window is sent again after a back-off (1 s,
 * doubling to 60 s); anything else stops the follower with that status
 * (configuration or credentials need a person).
 *
 * Budget guard: the command's stderr is passed on, and a line of sf-create's
 * form "api usage: USED/MAX" is read; at or above budget_from percent of the
 * daily limit the wait doubles, and doubles again for each further 10 points
 * (at most 60 s), so calls per window fall as the budget runs out.
 *
 * Ownership: options are borrowed.
 */
#ifndef SFP_FOLLOW_H
#define SFP_FOLLOW_H

#include <signal.h>
#include <stddef.h>
#include "fail.h"

#define SFP_FOLLOW_COMMIT "follow.offset"

struct sfp_follow_opts {
	const char *spool_dir;
	const char *results;         /* appended, created 0600 */
	char *const *argv;           /* the delivery command */
	long max_wait_ms;            /* 0: 1000 */
	size_t max_window;           /* 0: 1000 lines */
	int budget_from;             /* percent; 0: 50 */
	int once;                    /* send what is there now, then return */
	volatile sig_atomic_t *stop; /* finish the window in hand, then return */
	/* A line for stderr: the command's own (child 1, passed on as it came) or
	 * ours (child 0, to be prefixed with the program's name).  May be NULL. */
	void (*log)(void *ctx, int child, const char *line);
	void *log_ctx;
};

struct sfp_follow_stats {
	unsigned long windows, lines, retries;
	long api_used, api_max;      /* last seen, -1 when unknown */
};

/* The wait for a window given the last api usage (the budget guard). */
long sfp_follow_wait_ms(long max_wait_ms, int budget_from, long used, long max);

/*
 * Follow until *o->stop (or, with once, until the spool is read).  SFP_OK;
 * SFP_E_INPUT (spool or commit file unusable), SFP_E_IO, or the status the
 * command's exit code stands for when it was not 0, 1 or 4.
 */
enum sfp_status sfp_follow_run(const struct sfp_follow_opts *o, struct sfp_follow_stats *st,
    struct sfp_fail *f);

#endif
