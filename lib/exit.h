/* SPDX-License-Identifier: ISC */
/*
 * The exit table shared by every program (sfpipe(7), EXIT STATUS).  Never
 * renumber: cron jobs and scripts test these values.
 */
#ifndef SFP_EXIT_H
#define SFP_EXIT_H

#define SFP_EXIT_OK       0  /* every item succeeded */
#define SFP_EXIT_SOME     1  /* some items failed or were refused, each reported on stdout */
#define SFP_EXIT_USAGE    2  /* usage error */
#define SFP_EXIT_INPUT    3  /* input or configuration unusable as a whole */
#define SFP_EXIT_TEMP     4  /* temporary: unreachable, API limit, lock contention; retry later */
#define SFP_EXIT_AUTH     5  /* authentication or permission refused */
#define SFP_EXIT_IO       6  /* local I/O or internal error */

/* The table as printed at the end of every --help. */
#define SFP_EXIT_HELP \
	"exit status: 0 all items succeeded, 1 some items failed (see stdout),\n" \
	"  2 usage, 3 input or configuration unusable, 4 temporary (retry later),\n" \
	"  5 authentication or permission refused, 6 local I/O or internal error\n"

#endif
