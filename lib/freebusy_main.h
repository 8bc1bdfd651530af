/* SPDX-License-Identifier: ISC */
/*
 * freebusy_main: sf-freebusy as one call.
 *
 * Everything sf-freebusy does between its options and its exit code: check
 * the window and every host id before anything is sent, open the org (or act
 * for one tenant), keep a bound mailbox to its own user, log in, and write the
 * busy (and free) time of each host to stdout.
 *
 * Ownership: everything is borrowed; nothing is left open on return.
 */
#ifndef SFP_FREEBUSY_MAIN_H
#define SFP_FREEBUSY_MAIN_H

#include "fail.h"
#include "freebusy.h"

/* What sf-freebusy was asked. */
struct sfp_fb_main {
	struct sfp_fb_args args;     /* the window and slot options as given */
	const char *org;             /* org settings file (NULL: the environment) */
	const char *tenants;         /* with tenant: its directory (NULL: SFPIPE_TENANTS) */
	const char *tenant;          /* act for this tenant instead of an org */
	int pretty;
	char *const *ids;            /* host user ids from the command line */
	int nids;                    /* 0: read them from stdin */
};

/*
 * Run it.  SFP_OK; SFP_E_ITEM when hosts were refused (not the bound mailbox's
 * user; each has its line); SFP_E_USAGE for a bad option or id (the option or
 * "argument N" as place); otherwise what stopped the run.
 */
enum sfp_status sfp_freebusy_main(const struct sfp_fb_main *m, struct sfp_fail *f);

#endif
