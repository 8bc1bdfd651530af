/* SPDX-License-Identifier: ISC */
/* sf-freebusy: when host users are busy in Salesforce (and nothing else), as JSON lines. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exit.h"
#include "freebusy_main.h"

static const char *prog = "sf-freebusy";

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: %s --from TIME --to TIME [--tz ZONE] [--slots MINUTES [--hours HH:MM-HH:MM]\n"
	    "       [--days DAYS]] [--org FILE | --tenant NAME [--tenants DIR]] [--pretty] [-q]\n"
	    "       [USERID ...] [< userids]\n"
	    "  -f, --from TIME      start of the window (ISO 8601; without offset: in ZONE)\n"
	    "      --to TIME        end of the window, at most 366 days after --from\n"
	    "  -z, --tz ZONE        the hosts' time zone for all-day events and hours (UTC)\n"
	    "  -s, --slots MINUTES  also list free slots of this length (5-1440)\n"
	    "      --hours RANGE    working hours for slots (09:00-17:00)\n"
	    "      --days DAYS      working days for slots (mon-fri; e.g. mon,wed or all)\n"
	    "  -o, --org FILE       org settings (see sfpipe(7))\n"
	    "      --tenant NAME    act for tenant NAME of --tenants DIR (or SFPIPE_TENANTS)\n"
	    "  -p, --pretty         indent the output for people\n"
	    "  -q, --quiet          only errors on stderr\n"
	    "  -h, --help, -V, --version\n" SFP_EXIT_HELP, prog);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "tz", required_argument, NULL, 'z' }, { "slots", required_argument, NULL, 's' },
		{ "hours", required_argument, NULL, 'H' }, { "days", required_argument, NULL, 'd' },
		{ "org", required_argument, NULL, 'o' }, { "pretty", no_argument, NULL, 'p' },
		{ "tenant", required_argument, NULL, 'n' }, { "tenants", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 }
	};
	struct sfp_fb_main m;
	struct sfp_fail f;
	enum sfp_status st;
	int ch;

	memset(&m, 0, sizeof(m));
	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "f:z:s:o:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': m.args.from = optarg; break;
		case 't': m.args.to = optarg; break;
		case 'z': m.args.tz = optarg; break;
		case 's': m.args.slots = optarg; break;
		case 'H': m.args.hours = optarg; break;
		case 'd': m.args.days = optarg; break;
		case 'o': m.org = optarg; break;
		case 'T': m.tenants = optarg; break;
		case 'n': m.tenant = optarg; break;
		case 'p': m.pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		default: return sfp_cli_other_opt(prog, ch, usage);
		}
	}
	if ((m.tenants != NULL && m.tenant == NULL) || (m.tenant != NULL && m.org != NULL)) {
		sfp_cli_usage_error(prog, "--tenants needs --tenant NAME, which excludes --org");
		return SFP_EXIT_USAGE;
	}
	m.ids = argv + optind;
	m.nids = argc - optind;
	sfp_fail_clear(&f);
	st = sfp_freebusy_main(&m, &f);
	if (st == SFP_E_ITEM)   /* the hosts refused, in one line; sfp_cli_exit tells the rest */
		sfp_fail_print(&f, prog, stderr);
	return sfp_cli_exit(prog, st, &f);
}
