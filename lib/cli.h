/* SPDX-License-Identifier: ISC */
/*
 * cli: what every program's main does the same way.
 *
 * sfp_cli_start makes sure fds 0-2 are open (a closed stdout must not become
 * the first file we open), ignores SIGPIPE (a closed socket is then an error
 * we report, not a silent death) except on stdout, where a reader that has gone
 * ends the program quietly by SIGPIPE, as coreutils and jq end; it turns core
 * dumps off (RLIMIT_CORE 0, and not dumpable: secrets pass through memory we
 * cannot all wipe), reads SFPIPE_LOG (plain, timestamps, journal) for how
 * stderr lines begin, and initialises libsodium and libcurl once.
 * sfp_cli_close_stdout flushes, checks and closes stdout, turning a full disk
 * into exit 6.
 *
 * Names: "fini" releases caller storage (sfp_writer_fini flushes and checks
 * first), "close" ends a stream or handle, "complete" fills in derived
 * settings (sfp_org_complete); "finish" is kept for the end of a run.
 */
#ifndef SFP_CLI_H
#define SFP_CLI_H

#include <signal.h>
#include <stdio.h>
#include "fail.h"
#include "num.h"   /* sfp_parse_long, the options' number parser */

/* Returns 0, or -1 when the process cannot run at all (message already printed). */
int sfp_cli_start(const char *prog);
void sfp_cli_end(void);

/* Print "prog VERSION" to stdout. */
void sfp_cli_version(const char *prog);

/* Print "prog: message" to stderr for a usage error; the caller exits 2. */
void sfp_cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* -q: sfp_cli_note then prints nothing; errors still do. */
/* For the long-running programs: SIGTERM and SIGINT set *flag, so the run
 * can finish what it holds and return (flag is borrowed for the process). */
void sfp_cli_stop_on_signals(volatile sig_atomic_t *flag);

void sfp_cli_set_quiet(void);
int sfp_cli_is_quiet(void);

/* "prog: message" on stderr for what is not an error (journal priority notice). */
void sfp_cli_note(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flush, check and close stdout; returns the status to fold into the exit code. */
enum sfp_status sfp_cli_close_stdout(const char *prog);

/* A number option (sfp_parse_option): 0 with *v set, or -1 after the usage
 * error was printed (the caller exits 2). */
int sfp_cli_number(const char *prog, const char *name, const char *arg, long min, long max,
    long *v);

/* The default of every program's option switch: -h prints usage(stdout) and
 * -V the version (exit 0), anything else usage(stderr) (exit 2).  Returns the
 * exit code for main to return. */
int sfp_cli_other_opt(const char *prog, int c, void (*usage)(FILE *));

/* The end of every main: f printed ("prog: place: message") unless st is
 * SFP_OK or SFP_E_ITEM (the items told their own story), stdout closed and
 * checked, sfp_cli_end.  Returns the exit code. */
int sfp_cli_exit(const char *prog, enum sfp_status st, const struct sfp_fail *f);

#endif
