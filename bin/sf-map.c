/* SPDX-License-Identifier: ISC */
/* sf-map: apply a mapping to a stream of bookings and write the plan sf-create sends. */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "describe.h"
#include "exit.h"
#include "file.h"
#include "mapping.h"
#include "stream.h"
#include "tenants_map.h"

static const char *prog = "sf-map";

struct sfmap_opts {
	const char *mapping, *describe, *rejects, *tenants;
	int check, pretty;
};

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: %s --describe FILE [--rejects FILE] [--pretty] [--mapping] MAPPING < bookings\n"
	    "       %s --check --describe FILE [--mapping] MAPPING\n"
	    "       %s --tenants DIR [--rejects FILE] [--pretty] < tagged-bookings\n"
	    "  -d, --describe FILE  the field catalog written by sf-describe\n"
	    "  -m, --mapping FILE   the mapping (see sf-map(1))\n"
	    "  -c, --check          check the mapping against the catalog and stop\n"
	    "  -T, --tenants DIR    each tagged item mapped by DIR/<tenant>/mapping.json\n"
	    "  -r, --rejects FILE   also append every failed booking to FILE\n"
	    "  -p, --pretty         indent the output for people\n"
	    "  -q, --quiet          only errors on stderr (no summary)\n"
	    "  -h, --help, -V, --version\n" SFP_EXIT_HELP, prog, prog, prog);
}

static void
diag(void *ctx, const cJSON *id, const struct sfp_fail *f)
{
	(void)ctx;
	if (cJSON_IsString(id))
		(void)fprintf(stderr, "%s: booking %.64s: ", prog, id->valuestring);
	else if (cJSON_IsNumber(id))
		(void)fprintf(stderr, "%s: booking %.0f: ", prog, id->valuedouble);
	else
		(void)fprintf(stderr, "%s: ", prog);
	if (f->place[0])
		(void)fprintf(stderr, "%s: ", f->place);
	(void)fprintf(stderr, "%s\n", f->message);
}

static enum sfp_status
run(const struct sfmap_opts *o, struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	struct sfp_catalog *cat = NULL;
	struct sfp_mapping *m = NULL;
	struct sfp_problems probs = { NULL, 0, 0 };
	struct sfp_reader *r = NULL;
	struct sfp_writer out, rej;
	struct sfp_map_counts counts;
	FILE *rfp = NULL;
	enum sfp_status st;
	size_t i;

	if (o->tenants != NULL)
		st = sfp_tenants_open(o->tenants, &ts, f);
	else if ((st = sfp_catalog_load(o->describe, &cat, f)) != SFP_OK)
		return st;
	else
		st = sfp_mapping_load(o->mapping, cat, &m, &probs, f);
	for (i = 0; i < probs.n; i++) {
		sfp_fail_wrap_place(&probs.v[i], o->mapping);
		sfp_fail_print(&probs.v[i], prog, stderr);
	}
	sfp_problems_fini(&probs);
	if (st != SFP_OK || o->check)
		goto done;
	if (o->rejects != NULL && (st = sfp_file_fopen_append(o->rejects, &rfp, f)) != SFP_OK)
		goto done;
	if ((r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto done;
	}
	sfp_writer_init(&out, stdout, "<stdout>", o->pretty);
	if (rfp != NULL)
		sfp_writer_init(&rej, rfp, o->rejects, 0);
	st = ts != NULL ? sfp_tenants_map_stream(ts, r, &out, rfp ? &rej : NULL, diag, NULL, &counts,
	    f) : sfp_map_stream(m, r, &out, rfp ? &rej : NULL, diag, NULL, &counts, f);
	if (sfp_writer_fini(&out, st == SFP_OK || st == SFP_E_ITEM ? f : NULL) != SFP_OK)
		st = sfp_status_worst(st, SFP_E_IO);
	if (rfp != NULL) {
		if (sfp_writer_fini(&rej, st == SFP_OK || st == SFP_E_ITEM ? f : NULL) != SFP_OK ||
		    fclose(rfp) != 0)
			st = sfp_status_worst(st, SFP_E_IO);
		rfp = NULL;
	}
	if (st == SFP_E_ITEM)
		sfp_cli_note(prog, "%lu of %lu bookings failed", counts.failed, counts.in);
done:
	if (rfp != NULL)
		(void)fclose(rfp);
	sfp_reader_free(r);
	sfp_mapping_free(m);
	sfp_catalog_free(cat);
	sfp_tenants_free(ts);
	return st;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "describe", required_argument, NULL, 'd' }, { "mapping", required_argument, NULL, 'm' },
		{ "check", no_argument, NULL, 'c' }, { "tenants", required_argument, NULL, 'T' },
		{ "rejects", required_argument, NULL, 'r' }, { "pretty", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfmap_opts o = { NULL, NULL, NULL, NULL, 0, 0 };
	struct sfp_fail f;
	enum sfp_status st;
	int ch;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "d:m:cT:r:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o.describe = optarg; break;
		case 'm': o.mapping = optarg; break;
		case 'c': o.check = 1; break;
		case 'T': o.tenants = optarg; break;
		case 'r': o.rejects = optarg; break;
		case 'p': o.pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'h': usage(stdout); return sfp_exit_code(sfp_cli_close_stdout(prog));
		case 'V': sfp_cli_version(prog); return sfp_exit_code(sfp_cli_close_stdout(prog));
		default: usage(stderr); return SFP_EXIT_USAGE;
		}
	}
	if (optind < argc && o.mapping == NULL)
		o.mapping = argv[optind++];
	if (optind < argc) {
		sfp_cli_usage_error(prog, "unexpected argument: %s", argv[optind]);
		return SFP_EXIT_USAGE;
	}
	if (o.tenants == NULL && o.mapping == NULL && o.describe == NULL)
		o.tenants = sfp_tenants_dir_default(NULL);   /* SFPIPE_TENANTS */
	if (o.tenants != NULL ? (o.mapping != NULL || o.describe != NULL || o.check) :
	    (o.mapping == NULL || o.describe == NULL)) {
		sfp_cli_usage_error(prog, "give a mapping and --describe FILE, or --tenants DIR alone");
		return SFP_EXIT_USAGE;
	}
	if (o.check && (o.rejects != NULL || o.pretty)) {
		sfp_cli_usage_error(prog, "--check reads no bookings: --rejects and --pretty do not apply");
		return SFP_EXIT_USAGE;
	}
	sfp_fail_clear(&f);
	st = run(&o, &f);
	if (st != SFP_OK && st != SFP_E_ITEM)
		sfp_fail_print(&f, prog, stderr);
	st = sfp_status_worst(st, sfp_cli_close_stdout(prog));
	sfp_cli_end();
	return sfp_exit_code(st);
}
