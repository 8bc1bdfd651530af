/* SPDX-License-Identifier: ISC */
/* sf-provision: Experience Cloud users from verified provisioning requests, one result line each. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "exit.h"
#include "provision_stream.h"
#include "stream.h"
#include "tenants.h"

static const char *prog = "sf-provision";

enum { OPT_CONFIG = 256 };   /* --config has no short form: -c is --check elsewhere */

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: %s (--org FILE --tenant NAME --config FILE | --tenants DIR [--config FILE])\n"
	    "       [--pretty] [-q] < tagged-requests\n"
	    "  -o, --org FILE       the org settings (see sfpipe(7))\n"
	    "  -t, --tenant NAME    the tenant whose requests --org serves (others are refused)\n"
	    "  -T, --tenants DIR    each tenant's org, keyPrefix and provision.json (SFPIPE_TENANTS)\n"
	    "      --config FILE    the provisioning rules (profiles, username suffix, defaults)\n"
	    "  -p, --pretty         indent the output for people\n"
	    "  -q, --quiet          only errors on stderr\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the version\n" SFP_EXIT_HELP, prog);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "org", required_argument, NULL, 'o' }, { "tenant", required_argument, NULL, 't' },
		{ "tenants", required_argument, NULL, 'T' },
		{ "config", required_argument, NULL, OPT_CONFIG }, { "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfp_prov_opts o = { NULL, NULL, NULL, NULL };
	struct sfp_writer w;
	struct sfp_fail f;
	enum sfp_status st;
	int ch, pretty = 0;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "o:t:T:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': o.org_file = optarg; break;
		case 't': o.tenant = optarg; break;
		case 'T': o.tenants_dir = optarg; break;
		case OPT_CONFIG: o.config = optarg; break;
		case 'p': pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		default: return sfp_cli_other_opt(prog, ch, usage);
		}
	}
	o.tenants_dir = o.org_file ? o.tenants_dir : sfp_tenants_dir_default(o.tenants_dir);
	if (optind < argc || (o.org_file && o.tenants_dir) ||
	    (o.org_file && (!o.tenant || !o.config)) || (!o.org_file && !o.tenants_dir)) {
		sfp_cli_usage_error(prog, "give --org FILE --tenant NAME --config FILE, or --tenants DIR");
		return SFP_EXIT_USAGE;
	}
	if (o.tenant && !sfp_tenant_name_valid(o.tenant)) {
		sfp_cli_usage_error(prog, "--tenant: not a tenant name");
		return SFP_EXIT_USAGE;
	}
	sfp_fail_clear(&f);
	sfp_writer_init(&w, stdout, "<stdout>", pretty);
	st = sfp_prov_stream(&o, &w, &f);
	st = sfp_status_worst(st, sfp_writer_fini(&w, st == SFP_OK || st == SFP_E_ITEM ? &f : NULL));
	return sfp_cli_exit(prog, st, &f);
}
