/* SPDX-License-Identifier: ISC */
/* sfpipe-status: what the booking pipeline has pending and what needs a person; mark rejects handled. */
#include "compat.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exit.h"
#include "status.h"

static const char *prog = "sfpipe-status";

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: sfpipe-status [-q] [-T DIR] [--json] PIPELINE-DIR\n"
	    "       sfpipe-status [-q] --handled [--by WHO] [-t NAME] PIPELINE-DIR ID...\n"
	    "  -T, --tenants DIR    a row per tenant of DIR (default: SFPIPE_TENANTS)\n"
	    "      --json           one JSON object for machines instead of the table\n"
	    "      --handled        move the rejects with these ids to rejects.handled.jsonl\n"
	    "      --by WHO         who handled them (default: SUDO_USER, or the user)\n"
	    "  -t, --tenant NAME    with --handled: only that tenant's rejects\n"
	    "  -q, --quiet          only errors on stderr\n"
	    "  -h, --help, -V, --version\n"
	    "exit status: 0 done, 1 an ID matched no reject, 2 usage,\n"
	    "  3 PIPELINE-DIR or a file in it unusable, 6 local I/O or internal error\n");
}

/* Who marks: the person behind sudo, else the account running this. */
static const char *
default_by(void)
{
	const char *s = getenv("SUDO_USER");
	const struct passwd *pw;

	if (s && *s)
		return s;
	pw = getpwuid(geteuid());
	return pw ? pw->pw_name : "unknown";
}

static enum sfp_status
handled(const char *dir, char *const *ids, size_t n, const char *tenant, const char *by,
    struct sfp_fail *f)
{
	unsigned long *found = calloc(n, sizeof *found), moved = 0;
	enum sfp_status st;
	size_t i;

	if (!found)
		return sfp_fail_oom(f, NULL);
	st = sfp_status_mark_handled(dir, (const char *const *)ids, n, tenant, by, time(NULL), found, f);
	for (i = 0; st == SFP_OK && i < n; i++) {
		moved += found[i];
		if (!found[i])
			(void)fprintf(stderr, "%s: %s: no such reject in %s/rejects.jsonl\n", prog, ids[i], dir);
	}
	for (i = 0; st == SFP_OK && i < n; i++)
		if (!found[i])
			st = SFP_E_ITEM;
	if (st == SFP_OK || st == SFP_E_ITEM)
		sfp_cli_note(prog, "%lu marked handled by %s", moved, by);
	free(found);
	return st;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tenants", required_argument, NULL, 'T' }, { "tenant", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'J' }, { "handled", no_argument, NULL, 'M' },
		{ "by", required_argument, NULL, 'B' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *tenants = NULL, *tenant = NULL, *by = NULL, *why = NULL;
	int c, json = 0, mark = 0;
	struct sfp_fail f;
	enum sfp_status st;

	sfp_fail_clear(&f);
	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "+T:t:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'T': tenants = optarg; break;
		case 't': tenant = optarg; break;
		case 'J': json = 1; break;
		case 'M': mark = 1; break;
		case 'B': by = optarg; break;
		case 'q': sfp_cli_set_quiet(); break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if (optind == argc)
		why = "a pipeline directory is required";
	else if (mark && optind + 1 == argc)
		why = "--handled needs the ids of the rejects";
	else if (mark && (json || tenants))
		why = "--handled takes no --json or --tenants";
	else if (!mark && optind + 1 < argc)
		why = "ids are for --handled";
	else if (!mark && (by || tenant))
		why = "--by and --tenant are for --handled";
	if (why) {
		sfp_cli_usage_error(prog, "%s", why);
		return SFP_EXIT_USAGE;
	}
	if (mark)
		st = handled(argv[optind], argv + optind + 1, (size_t)(argc - optind - 1), tenant,
		    by ? by : default_by(), &f);
	else
		st = sfp_status_show(stdout, argv[optind], sfp_tenants_dir_default(tenants), json, &f);
	return sfp_cli_exit(prog, st, &f);
}
