/* SPDX-License-Identifier: ISC */
/* sf-describe: what the integration user may see and create, one JSON line per sObject. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exit.h"
#include "describe_fetch.h"
#include "stream.h"
#include "tenants_describe.h"

static const char *prog = "sf-describe";

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: sf-describe [--org file] [--flow name] [--no-cache] [--offline]\n"
	    "                   [--raw | --template] [--createable] [--pretty] [-q] [sobject ...]\n"
	    "       sf-describe --tenants DIR [--flow name] [--no-cache] [-q] [sobject ...]\n"
	    "  (no sobject)     the sObjects the user can see, one line each\n"
	    "      --org FILE   org settings (JSON; sf org display --json accepted)\n"
	    "      --flow NAME  token, jwt, refresh or client (default: from the settings)\n"
	    "      --no-cache   keep nothing on disk (no token, no describe cache)\n"
	    "      --offline    answer from the describe cache only, no request\n"
	    "      --raw        Salesforce's own describe instead of the compact catalog\n"
	    "      --createable only the fields the user can set on create\n"
	    "      --template   a starting sf-map mapping for the named sObjects\n"
	    "      --pretty     indented JSON for people\n"
	    "      --tenants DIR  refresh every DIR/<tenant>/describe.json (default: the\n"
	    "                   sObjects of its mapping.json); one line per tenant\n"
	    "  -q, --quiet      only errors on stderr (no cache notes)\n"
	    "  -h, --help, -V, --version\n%s", SFP_EXIT_HELP);
}

/* Says on stderr where each describe came from and how old a cached one is. */
static void
note(void *ctx, const char *sobject, const struct sfp_cache_info *info, const struct sfp_fail *f)
{
	(void)ctx;
	if (f != NULL) {
		/* f->place holds the name with control bytes made spaces: a name
		 * from argv may carry CR/LF, and a message is one line. */
		(void)fprintf(stderr, "%s: %s: %s%s%s\n", prog, f->place[0] != '\0' ? f->place : sobject, f->code,
		    f->message[0] != '\0' ? ": " : "", f->message);
		return;
	}
	if (info->source == 0)
		return;
	if (info->age_s >= 0)
		sfp_cli_note(prog, "%s: from the cache, %ldh%02ldm old (%s)", sobject,
		    info->age_s / 3600, info->age_s / 60 % 60,
		    info->source == 1 ? "not modified since" : "offline, not revalidated");
}

static void
tenant_note(void *ctx, const char *tenant, const struct sfp_fail *f)
{
	(void)ctx;
	(void)fprintf(stderr, "%s: tenant %s: %s%s%s\n", prog, tenant,
	    f->place[0] != '\0' && strncmp(f->place, "tenant ", 7) != 0 ? f->place : "",
	    f->place[0] != '\0' && strncmp(f->place, "tenant ", 7) != 0 ? ": " : "", f->message);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "org", required_argument, NULL, 'o' }, { "flow", required_argument, NULL, 'F' },
		{ "no-cache", no_argument, NULL, 'N' }, { "offline", no_argument, NULL, 'O' },
		{ "raw", no_argument, NULL, 'r' }, { "createable", no_argument, NULL, 'c' },
		{ "template", no_argument, NULL, 't' }, { "pretty", no_argument, NULL, 'p' },
		{ "tenants", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 }
	};
	struct sfp_describe_opts o = { 0 };
	const char *org_file = NULL, *flow = NULL, *tenants = NULL;
	const char *const *names;
	struct sfp_writer w;
	struct sfp_fail f;
	enum sfp_status st;
	int c, pretty = 0;
	size_t n;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'o': org_file = optarg; break;
		case 'F': flow = optarg; break;
		case 'N': o.flags |= SFP_DESCRIBE_NO_CACHE; break;
		case 'O': o.flags |= SFP_DESCRIBE_OFFLINE; break;
		case 'r': o.raw = 1; break;
		case 'c': o.createable = 1; break;
		case 't': o.template_ = 1; break;
		case 'p': pretty = 1; break;
		case 'T': tenants = optarg; break;
		case 'q': sfp_cli_set_quiet(); break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if ((o.raw && o.template_) || (o.template_ && optind == argc) ||
	    ((o.flags & SFP_DESCRIBE_OFFLINE) && (o.flags & SFP_DESCRIBE_NO_CACHE)) ||
	    (tenants != NULL && (org_file != NULL || o.raw || o.template_ || o.createable))) {
		sfp_cli_usage_error(prog, tenants != NULL ? "--tenants takes each tenant's org and "
		    "writes catalogs: no --org, --raw, --template or --createable" :
		    "conflicting options: --raw excludes --template, "
		    "--template needs sobject names, --offline needs the cache");
		return SFP_EXIT_USAGE;
	}
	sfp_fail_clear(&f);
	sfp_writer_init(&w, stdout, "<stdout>", pretty);
	names = (const char *const *)argv + optind;
	n = (size_t)(argc - optind);
	if (tenants != NULL) {
		st = sfp_tenants_describe_dir(tenants, names, n, o.flags, flow, &w, tenant_note, NULL,
		    &f);
		if (st == SFP_E_ITEM)
			sfp_cli_note(prog, "some tenants' catalogs were not refreshed");
	} else
		st = sfp_describe_main(org_file, flow, names, n, &o, &w, note, NULL, &f);
	st = sfp_status_worst(st, sfp_writer_fini(&w, st == SFP_OK || st == SFP_E_ITEM ? &f : NULL));
	return sfp_cli_exit(prog, st, &f);
}
