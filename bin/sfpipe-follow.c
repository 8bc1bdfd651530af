/* SPDX-License-Identifier: ISC */
/* sfpipe-follow: deliver a spool as it grows, one window per wait, through a delivery command. */
#include "compat.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exit.h"
#include "follow.h"

static const char *prog = "sfpipe-follow";
static volatile sig_atomic_t stop;

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: sfpipe-follow --spool dir --results file [-w ms] [--max-window n]\n"
	    "                     [--budget-from pct] [--once] [-q] -- command [arg ...]\n"
	    "      --spool DIR         the spool hmac-receive writes (reads DIR/spool.jsonl)\n"
	    "      --results FILE      append the command's output here (created 0600)\n"
	    "  -w, --max-wait MS       send a window once its oldest line waited MS (default 1000)\n"
	    "      --max-window N      at most N lines a window (default 1000)\n"
	    "      --budget-from PCT   from PCT %% of the daily api limit, stretch the wait (default 50)\n"
	    "      --once              send what the spool holds now, then exit\n"
	    "  -q, --quiet             only errors on stderr (the command's lines still pass)\n"
	    "  -h, --help, -V, --version\n%s", SFP_EXIT_HELP);
}

static void
log_line(void *ctx, int child, const char *line)
{
	(void)ctx;
	if (child)
		(void)fprintf(stderr, "%s\n", line);   /* already the command's own form */
	else
		sfp_cli_note(prog, "%s", line);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spool", required_argument, NULL, 'S' }, { "results", required_argument, NULL, 'R' },
		{ "max-wait", required_argument, NULL, 'w' }, { "max-window", required_argument, NULL, 'N' },
		{ "budget-from", required_argument, NULL, 'B' }, { "once", no_argument, NULL, '1' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfp_follow_opts o = { .stop = &stop, .log = log_line };
	struct sfp_follow_stats stats;
	struct sfp_fail f;
	int c;
	long v;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "+w:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'S': o.spool_dir = optarg; break;
		case 'R': o.results = optarg; break;
		case '1': o.once = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'w': case 'N': case 'B':
			if (sfp_cli_number(prog, c == 'w' ? "max-wait" : c == 'N' ? "max-window" :
			    "budget-from", optarg, 1, c == 'w' ? 3600000L : c == 'N' ? 100000L : 100L,
			    &v) != 0)
				return SFP_EXIT_USAGE;
			if (c == 'w')
				o.max_wait_ms = v;
			else if (c == 'N')
				o.max_window = (size_t)v;
			else
				o.budget_from = (int)v;
			break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if (optind == argc || o.spool_dir == NULL || o.results == NULL) {
		sfp_cli_usage_error(prog, "%s", optind == argc ? "a delivery command is required" :
		    "--spool and --results are required");
		return SFP_EXIT_USAGE;
	}
	o.argv = argv + optind;
	sfp_cli_stop_on_signals(&stop);
	return sfp_cli_exit(prog, sfp_follow_run(&o, &stats, &f), &f);
}
