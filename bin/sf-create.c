/* SPDX-License-Identifier: ISC */
/* sf-create: make plans real in Salesforce, each all-or-none, or create one record by hand. */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "create.h"
#include "exit.h"
#include "report.h"
static const char *prog = "sf-create";
struct sfcreate_opts {
	struct sfp_create_main m;
	const char *report;
	long jobs, pct;
	struct sfp_create_opts c;
};
static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: %s [-nbq] [-j N] [--max-api-usage PCT] [-r FILE] [-o FILE] [-t NAME] [-p] < plans\n"
	    "       %s -T DIR [-nbq] [-j N] [--max-api-usage PCT] [-r FILE] [-p] < plans\n"
	    "       %s [-n] [-u Field=Value] [-d FILE] [-o FILE] SOBJECT Field=Value...\n"
	    "  -j, --jobs N             requests in flight at once, 1 to 16 (default 4)\n"
	    "      --max-api-usage PCT  stop before the org's daily api usage passes PCT %%\n"
	    "  -r, --rejects FILE       also append failed and unsent plans to FILE\n"
	    "  -n, --dry-run            print the requests that would be sent; send nothing\n"
	    "  -b, --bulk               one-record plans without references via Bulk API 2.0\n"
	    "  -u, --upsert F=V         operator form: upsert on external id field F\n"
	    "  -d, --describe FILE      operator form: coerce values by this catalog\n"
	    "  -o, --org FILE           org settings (see sfpipe(7))\n"
	    "  -T, --tenants DIR        each plan to its own tenant's org (see sfpipe(7))\n"
	    "  -t, --tenant NAME        without -T: the one tenant plans may name\n"
	    "  -p, --pretty             indent the output for people\n"
	    "      --report FILE        the run's summary for machines: JSON, or Prometheus if *.prom\n"
	    "  -q, --quiet              only errors on stderr (no progress, no summary)\n"
	    "  -h, --help, -V, --version\n" SFP_EXIT_HELP, prog, prog, prog);
}
static void
progress(void *ctx, const struct sfp_create_stats *st)
{
	(void)fprintf(ctx, "\r%s: %lu plans, %lu ok, %lu failed, %lu api calls, %.0f plans/s ",
	    prog, st->plans, st->ok, st->failed, st->requests,
	    st->elapsed_s > 0 ? (double)(st->ok + st->failed) / st->elapsed_s : 0.0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "max-api-usage", required_argument, NULL, 'm' },
		{ "rejects", required_argument, NULL, 'r' }, { "dry-run", no_argument, NULL, 'n' },
		{ "upsert", required_argument, NULL, 'u' }, { "describe", required_argument, NULL, 'd' },
		{ "org", required_argument, NULL, 'o' }, { "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "bulk", no_argument, NULL, 'b' }, { "tenants", required_argument, NULL, 'T' },
		{ "tenant", required_argument, NULL, 't' }, { "quiet", no_argument, NULL, 'q' },
		{ "report", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 }
	};
	struct sfcreate_opts o;
	struct sfp_create_stats stats;
	struct sfp_fail f, rf;
	enum sfp_status st;
	long v = 0;
	int ch;

	memset(&o, 0, sizeof o);
	sfp_fail_clear(&f);
	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "+j:r:nbu:d:o:T:t:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': case 'm':
			if (sfp_parse_long(optarg, 1, ch == 'j' ? 16 : 100, &v) != 0) {
				sfp_cli_usage_error(prog, "--%s %s: expected a number from 1 to %d",
				    ch == 'j' ? "jobs" : "max-api-usage", optarg, ch == 'j' ? 16 : 100);
				return SFP_EXIT_USAGE;
			}
			*(ch == 'j' ? &o.jobs : &o.pct) = v;
			break;
		case 'r': o.m.rejects = optarg; break;
		case 'n': o.c.dry_run = 1; break;
		case 'b': o.c.bulk = 1; break;
		case 'u': o.m.upsert = optarg; break;
		case 'd': o.m.describe = optarg; break;
		case 'o': o.m.org = optarg; break;
		case 'T': o.m.tenants = optarg; break;
		case 't': o.c.tenant = optarg; break;
		case 'p': o.m.pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'R': o.report = optarg; break;
		default: return sfp_cli_other_opt(prog, ch, usage);
		}
	}
	if (optind == argc && (o.m.upsert || o.m.describe))
		return sfp_cli_usage_error(prog, "--upsert and --describe need SOBJECT Field=Value..."),
		    SFP_EXIT_USAGE;
	if ((o.m.tenants = sfp_tenants_dir_default(o.m.tenants)) && (o.m.org || o.c.tenant ||
	    optind < argc))
		return sfp_cli_usage_error(prog, "--tenants (or SFPIPE_TENANTS) takes plans on stdin, "
		    "without --org, --tenant or SOBJECT"), SFP_EXIT_USAGE;
	if (optind < argc)
		o.m.sobject = argv[optind], o.m.assign = (const char *const *)(argv + optind + 1),
		    o.m.nassign = (size_t)(argc - optind - 1);
	o.c.jobs = (size_t)o.jobs, o.c.max_api_usage = (int)o.pct;
	o.c.progress = isatty(STDERR_FILENO) && !sfp_cli_is_quiet() ? progress : NULL, o.c.progress_ctx = stderr;
	st = sfp_create_main(&o.m, &o.c, &stats, &f);
	if (o.c.progress)
		(void)fputc('\n', stderr);
	if (!o.c.dry_run && sfp_report_create(prog, o.report, o.c.tenant, o.m.tenants != NULL, &stats,
	    &rf) != SFP_OK) {
		sfp_fail_print(&rf, prog, stderr);
		st = sfp_status_worst(st, SFP_E_IO);
	}
	sfp_create_stats_fini(&stats);
	return sfp_cli_exit(prog, st, &f);
}
