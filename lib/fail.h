/* SPDX-License-Identifier: ISC */
/*
 * fail: the one error value of sfpipe.
 *
 * Every library function that can fail returns an enum sfp_status and, when it is
 * not SFP_OK, fills a caller-owned struct sfp_fail with a machine code (a
 * Salesforce errorCode such as "REQUIRED_FIELD_MISSING", or one of sfpipe's own
 * such as "bad-signature"), the place (input name and line:column, a mapping path,
 * a plan ref), and a one-line human message.  The struct holds no pointers: it is
 * copied freely and needs no cleanup.  Messages never carry a secret.
 *
 * The status decides the exit code through one table (exit.h), so a program's
 * main never invents numbers.
 */
#ifndef SFP_FAIL_H
#define SFP_FAIL_H

#include <stdarg.h>
#include <stdio.h>
#include <cjson/cJSON.h>

enum sfp_status {
	SFP_OK = 0,
	SFP_E_ITEM,     /* this item failed or was refused; the run goes on (exit 1) */
	SFP_E_USAGE,    /* bad command line (exit 2) */
	SFP_E_INPUT,    /* input or configuration unusable as a whole (exit 3) */
	SFP_E_TEMP,     /* temporary: unreachable, limit reached, lock; retry later (exit 4) */
	SFP_E_AUTH,     /* authentication or permission refused (exit 5) */
	SFP_E_IO,       /* local I/O error (exit 6) */
	SFP_E_INTERNAL  /* out of memory or a broken invariant (exit 6) */
};

struct sfp_fail {
	enum sfp_status status;
	char code[64];      /* machine-readable reason, e.g. "DUPLICATE_VALUE", "stale" */
	char place[256];    /* where: "<stdin>:3:17", "records[1].fields.WhoId", "plan bk-1" */
	char ref[64];       /* the plan record ref an error belongs to, or "" */
	char fields[256];   /* comma-separated field names an error names, or "" */
	char message[512];  /* one line, lowercase, no trailing period */
};

/* The one code for running out of memory, in result JSON and messages. */
#define SFP_OOM "oom"

/* Reset to "no error". */
void sfp_fail_clear(struct sfp_fail *f);

/*
 * Fill f and return st, so that `return sfp_fail_set(f, ...)` reads naturally.
 * code and place may be NULL.  The message is printf-formatted and truncated to
 * fit; newlines and control characters in it are replaced by spaces, so an error
 * is always one line even when it quotes hostile input.  f may be NULL.
 */
enum sfp_status sfp_fail_set(struct sfp_fail *f, enum sfp_status st, const char *code,
    const char *place, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * An item refused because of one field: SFP_E_ITEM with code, no place (the
 * caller locates it), fields set to field (may be NULL) and the formatted
 * message.  Returns SFP_E_ITEM.  The v form takes a va_list for wrappers that
 * add a place.
 */
enum sfp_status sfp_fail_field(struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum sfp_status sfp_fail_vfield(struct sfp_fail *f, const char *code, const char *field,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Out of memory: SFP_E_INTERNAL, code SFP_OOM, message "out of memory";
 * place may be NULL.  Every allocation failure is reported through this. */
enum sfp_status sfp_fail_oom(struct sfp_fail *f, const char *place);

/* Prefix the place with "outer: " (e.g. a plan id in front of a record ref). */
void sfp_fail_wrap_place(struct sfp_fail *f, const char *outer);

/* The process exit code for a status (the table in exit.h and sfpipe(7)). */
int sfp_exit_code(enum sfp_status st);

/* Which of two statuses decides the exit code of a run: the more serious one. */
enum sfp_status sfp_status_worst(enum sfp_status a, enum sfp_status b);

/*
 * The JSON form for result lines: {"code":..,"message":..,"place":..,"ref":..,
 * "fields":[..]} with empty members left out.  Returns a new object (caller
 * frees) or NULL when out of memory.
 */
cJSON *sfp_fail_to_json(const struct sfp_fail *f);

/* Print "prog: place: message\n" to fp (place omitted when empty). */
void sfp_fail_print(const struct sfp_fail *f, const char *prog, FILE *fp);

#endif
