/* SPDX-License-Identifier: ISC */
/* sf-freebusy: when host users are busy in Salesforce (and nothing else), as JSON lines. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exit.h"
#include "freebusy.h"
#include "sfapi.h"
#include "stream.h"
#include "tenants.h"
#include "tenants_freebusy.h"

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

static enum sfp_status
query(void *ctx, const char *soql, cJSON **records, struct sfp_fail *f)
{
	return sfp_sf_query(ctx, soql, 500000, records, f);
}

static enum sfp_status
run(const struct sfp_fb_args *a, const char *orgfile, const char *const tenant[2], int pretty,
    char **ids, int nids, struct sfp_fail *f)
{
	struct sfp_fb_opts o;
	struct sfp_fb_users u;
	struct sfp_tz *tz = NULL;
	struct sfp_reader *r = NULL;
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	struct sfp_writer w;
	enum sfp_status st;
	char place[32], self[19];
	size_t refused = 0;
	int i;

	sfp_fb_users_init(&u);
	if ((st = sfp_fb_opts_parse(a, &o, &tz, f)) != SFP_OK)
		goto out;
	/* Every id is checked before anything is sent. */
	for (i = 0; i < nids; i++) {
		(void)snprintf(place, sizeof(place), "argument %d", i + 1);
		if ((st = sfp_fb_users_add(&u, ids[i], strlen(ids[i]), NULL, place, f)) != SFP_OK) {
			st = f->status = st == SFP_E_INPUT ? SFP_E_USAGE : st;
			goto out;
		}
	}
	if (nids == 0 && (r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	if (nids == 0 && (st = sfp_fb_users_read(&u, r, "<stdin>", f)) != SFP_OK)
		goto out;
	st = tenant[1] != NULL ? sfp_tenant_org_for(tenant[0], tenant[1], &org, f) :
	    sfp_org_load(&org, orgfile, NULL, 0, f);
	sfp_writer_init(&w, stdout, "<stdout>", pretty);
	/* A bound mailbox asks only about its own user (nothing is sent for others,
	 * not even the login when no host is left). */
	if (st == SFP_OK && org.user_id[0] != '\0')
		st = sfp_fb_keep_bound(&u, org.user_id, &w, &refused, f);
	if (st == SFP_OK)
		st = sfp_sf_open(&org, &sf, f);
	sfp_org_fini(&org);
	/* Logged in first: whose calendar the session sees in full depends on who it is. */
	if (st == SFP_OK && u.n > 0 && (st = sfp_sf_login(sf, f)) == SFP_OK) {
		sfp_sf_user_id(sf, self);
		o.self_id = self;
		st = sfp_freebusy_run(&u, &o, query, sf, &w, NULL, f);
	}
	if (st == SFP_OK && refused > 0)
		st = sfp_fail_set(f, SFP_E_ITEM, "not-bound-user", NULL,
		    "%zu hosts refused: not the mailbox's user", refused);
	if (sfp_writer_fini(&w, st == SFP_OK ? f : NULL) != SFP_OK)
		st = sfp_status_worst(st, SFP_E_IO);
out:
	sfp_sf_close(sf);
	sfp_reader_free(r);
	sfp_tz_free(tz);
	sfp_fb_users_fini(&u);
	return st;
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
	struct sfp_fb_args o = { NULL, NULL, NULL, NULL, NULL, NULL };
	const char *org = NULL, *tenant[2] = { NULL, NULL };
	int pretty = 0;
	struct sfp_fail f;
	enum sfp_status st;
	int ch;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((ch = getopt_long(argc, argv, "f:z:s:o:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.from = optarg; break;
		case 't': o.to = optarg; break;
		case 'z': o.tz = optarg; break;
		case 's': o.slots = optarg; break;
		case 'H': o.hours = optarg; break;
		case 'd': o.days = optarg; break;
		case 'o': org = optarg; break;
		case 'T': case 'n': tenant[ch == 'n'] = optarg; break;
		case 'p': pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'h': usage(stdout); return sfp_exit_code(sfp_cli_close_stdout(prog));
		case 'V': sfp_cli_version(prog); return sfp_exit_code(sfp_cli_close_stdout(prog));
		default: usage(stderr); return SFP_EXIT_USAGE;
		}
	}
	if ((tenant[0] != NULL && tenant[1] == NULL) || (tenant[1] != NULL && org != NULL)) {
		sfp_cli_usage_error(prog, "--tenants needs --tenant NAME, which excludes --org");
		return SFP_EXIT_USAGE;
	}
	sfp_fail_clear(&f);
	st = run(&o, org, tenant, pretty, argv + optind, argc - optind, &f);
	if (st != SFP_OK)
		sfp_fail_print(&f, prog, stderr);
	st = sfp_status_worst(st, sfp_cli_close_stdout(prog));
	sfp_cli_end();
	return sfp_exit_code(st);
}
