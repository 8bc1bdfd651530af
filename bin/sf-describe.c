/* SPDX-License-Identifier: ISC */
/* sf-describe: what the integration user may see and create, one JSON line per sObject. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exit.h"
#include "describe_fetch.h"
#include "org.h"
#include "sfapi.h"
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

static enum sfp_status
tenants_run(const char *dir, const char *const *sobjects, size_t n, int flags, const char *flow,
    struct sfp_writer *w, struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	enum sfp_status st;

	if ((st = sfp_tenants_open(dir, &ts, f)) == SFP_OK)
		st = sfp_tenants_describe(ts, NULL, 0, sobjects, n, flags, flow, w, tenant_note, NULL,
		    f);
	sfp_tenants_free(ts);
	if (st == SFP_E_ITEM)
		sfp_cli_note(prog, "some tenants' catalogs were not refreshed");
	return st;
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
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	struct sfp_writer w;
	struct sfp_fail f;
	enum sfp_status st;
	int c, no_cache = 0, pretty = 0, rc;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'o': org_file = optarg; break;
		case 'F': flow = optarg; break;
		case 'N': no_cache = 1; o.flags |= SFP_DESCRIBE_NO_CACHE; break;
		case 'O': o.flags |= SFP_DESCRIBE_OFFLINE; break;
		case 'r': o.raw = 1; break;
		case 'c': o.createable = 1; break;
		case 't': o.template_ = 1; break;
		case 'p': pretty = 1; break;
		case 'T': tenants = optarg; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'h': usage(stdout); return sfp_exit_code(sfp_cli_close_stdout(prog));
		case 'V': sfp_cli_version(prog); return sfp_exit_code(sfp_cli_close_stdout(prog));
		default: usage(stderr); return SFP_EXIT_USAGE;
		}
	}
	if ((o.raw && o.template_) || (o.template_ && optind == argc) ||
	    ((o.flags & SFP_DESCRIBE_OFFLINE) && no_cache) ||
	    (tenants != NULL && (org_file != NULL || o.raw || o.template_ || o.createable))) {
		sfp_cli_usage_error(prog, tenants != NULL ? "--tenants takes each tenant's org and "
		    "writes catalogs: no --org, --raw, --template or --createable" :
		    "conflicting options: --raw excludes --template, "
		    "--template needs sobject names, --offline needs the cache");
		return SFP_EXIT_USAGE;
	}
	sfp_fail_clear(&f);
	sfp_writer_init(&w, stdout, "<stdout>", pretty);
	if (tenants != NULL) {
		st = tenants_run(tenants, (const char *const *)argv + optind, (size_t)(argc - optind),
		    o.flags, flow, &w, &f);
		goto done;
	}
	st = sfp_org_load(&org, org_file, flow, no_cache, &f);
	if (st == SFP_OK)
		st = sfp_sf_open(&org, &sf, &f);
	sfp_org_fini(&org);
	if (st == SFP_OK)
		st = sfp_sf_describe_run(sf, (const char *const *)argv + optind,
		    (size_t)(argc - optind), &o, &w, note, NULL, &f);
done:
	if (st != SFP_OK && st != SFP_E_ITEM)
		sfp_fail_print(&f, prog, stderr);
	{
		struct sfp_fail wf;
		st = sfp_status_worst(st, sfp_writer_fini(&w, &wf));
	}
	sfp_sf_close(sf);
	st = sfp_status_worst(st, sfp_cli_close_stdout(prog));
	rc = sfp_exit_code(st);
	sfp_cli_end();
	return rc;
}
