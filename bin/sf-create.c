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
static const char *prog = "sf-create";
struct sfcreate_opts {
	const char *org, *rejects, *upsert, *describe;
	int pretty;
	long jobs, pct;
	struct sfp_create_opts c;
};
static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: %s [-nb] [-j N] [-m PCT] [-r FILE] [-o FILE] [-p] < plans\n"
	    "       %s [-n] [-u Field=Value] [-d FILE] [-o FILE] SOBJECT Field=Value...\n"
	    "  -j, --jobs N             requests in flight at once, 1 to 16 (default 4)\n"
	    "  -m, --max-api-usage PCT  stop before the org's daily api usage passes PCT %%\n"
	    "  -r, --rejects FILE       also append failed and unsent plans to FILE\n"
	    "  -n, --dry-run            print the requests that would be sent; send nothing\n"
	    "  -b, --bulk               one-record plans without references via Bulk API 2.0\n"
	    "  -u, --upsert F=V         operator form: upsert on external id field F\n"
	    "  -d, --describe FILE      operator form: coerce values by this catalog\n"
	    "  -o, --org FILE           org settings (see sfpipe(7))\n"
	    "  -p, --pretty             indent the output for people\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            the version\n" SFP_EXIT_HELP, prog, prog);
}
static void
progress(void *ctx, const struct sfp_create_stats *st)
{
	(void)fprintf(ctx, "\r%s: %lu plans, %lu ok, %lu failed, %lu api calls, %.0f plans/s ",
	    prog, st->plans, st->ok, st->failed, st->requests,
	    st->elapsed_s > 0 ? (double)(st->ok + st->failed) / st->elapsed_s : 0.0);
}

static enum sfp_status
run(struct sfcreate_opts *o, int argc, char **argv, struct sfp_fail *f)
{
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	struct sfp_reader *r = NULL;
	struct sfp_writer out, rej;
	struct sfp_create_stats st;
	FILE *rfp = NULL;
	enum sfp_status s = sfp_org_load(&org, o->org, NULL, 0, f);

	memset(&st, 0, sizeof st);
	if (s == SFP_OK)
		s = sfp_sf_open(&org, &sf, f);
	sfp_org_fini(&org);
	if (s != SFP_OK && !o->c.dry_run)
		return s;   /* a dry run needs no org: it sends nothing */
	if (o->rejects && !(rfp = fopen(o->rejects, "a"))) {
		s = sfp_fail_set(f, SFP_E_IO, "io", o->rejects, "cannot open: %s", strerror(errno));
		goto done;
	}
	sfp_writer_init(&out, stdout, "<stdout>", o->pretty);
	if (rfp)
		sfp_writer_init(&rej, rfp, o->rejects, 0);
	if (argc > 0)
		s = sfp_create_operator(sf, o->describe, argv[0], (const char *const *)(argv + 1),
		    (size_t)argc - 1, o->upsert, &out, rfp ? &rej : NULL, &o->c, &st, f);
	else if (!(r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)))
		s = sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	else
		s = sfp_create_run(sf, r, &out, rfp ? &rej : NULL, &o->c, &st, f);
	if (o->c.progress)
		(void)fputc('\n', stderr);
	if (sfp_writer_finish(&out, s == SFP_OK || s == SFP_E_ITEM ? f : NULL) != SFP_OK)
		s = sfp_status_worst(s, SFP_E_IO);
	if (rfp && sfp_writer_finish(&rej, s == SFP_OK || s == SFP_E_ITEM ? f : NULL) != SFP_OK)
		s = sfp_status_worst(s, SFP_E_IO);
	if (!o->c.dry_run && st.api_max > 0)   /* usage after the run, for cron logs */
		(void)fprintf(stderr, "%s: %lu of %lu plans failed; api usage: %ld/%ld (%.1f%%), "
		    "%lu requests sent\n", prog, st.failed, st.plans, st.api_used, st.api_max,
		    100.0 * (double)st.api_used / (double)st.api_max, st.requests);
done:
	if (rfp && fclose(rfp) != 0)
		s = sfp_status_worst(s, SFP_E_IO);
	sfp_reader_free(r);
	sfp_sf_close(sf);
	return s;
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
		{ "bulk", no_argument, NULL, 'b' }, { NULL, 0, NULL, 0 }
	};
	struct sfcreate_opts o;
	struct sfp_fail f;
	enum sfp_status st;
	long v = 0;
	int ch;

	memset(&o, 0, sizeof o);
	sfp_fail_clear(&f);
	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "+j:m:r:nbu:d:o:phV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': case 'm':
			if (sfp_parse_long(optarg, 1, ch == 'j' ? 16 : 100, &v) != 0) {
				sfp_cli_usage_error(prog, "-%c %s: expected a number from 1 to %d",
				    ch, optarg, ch == 'j' ? 16 : 100);
				return SFP_EXIT_USAGE;
			}
			*(ch == 'j' ? &o.jobs : &o.pct) = v;
			break;
		case 'r': o.rejects = optarg; break;
		case 'n': o.c.dry_run = 1; break;
		case 'b': o.c.bulk = 1; break;
		case 'u': o.upsert = optarg; break;
		case 'd': o.describe = optarg; break;
		case 'o': o.org = optarg; break;
		case 'p': o.pretty = 1; break;
		case 'h': usage(stdout); return sfp_exit_code(sfp_cli_finish_stdout(prog));
		case 'V': sfp_cli_version(prog); return sfp_exit_code(sfp_cli_finish_stdout(prog));
		default: usage(stderr); return SFP_EXIT_USAGE;
		}
	}
	if (optind == argc && (o.upsert || o.describe))
		return sfp_cli_usage_error(prog, "--upsert and --describe need SOBJECT Field=Value..."),
		    SFP_EXIT_USAGE;
	o.c.jobs = (size_t)o.jobs, o.c.max_api_usage = (int)o.pct;
	o.c.progress = isatty(STDERR_FILENO) ? progress : NULL, o.c.progress_ctx = stderr;
	st = run(&o, argc - optind, argv + optind, &f);
	if (st != SFP_OK && st != SFP_E_ITEM)
		sfp_fail_print(&f, prog, stderr);
	st = sfp_status_worst(st, sfp_cli_finish_stdout(prog));
	sfp_cli_end();
	return sfp_exit_code(st);
}
