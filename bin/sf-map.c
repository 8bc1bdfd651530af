/* SPDX-License-Identifier: ISC */
/* sf-map: apply a mapping to a stream of bookings and write the plan sf-create sends. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "exit.h"
#include "map_main.h"
#include "tenants.h"

static const char *prog = "sf-map";

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
	struct sfp_map_main o = { NULL, NULL, NULL, NULL, 0, 0 };
	struct sfp_map_counts counts;
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
		default: return sfp_cli_other_opt(prog, ch, usage);
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
	st = sfp_map_main(&o, diag, NULL, &counts, &f);
	if (st == SFP_E_ITEM)
		sfp_cli_note(prog, "%lu of %lu bookings failed", counts.failed, counts.in);
	return sfp_cli_exit(prog, st, &f);
}
