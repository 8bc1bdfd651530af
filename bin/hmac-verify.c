/* SPDX-License-Identifier: ISC */
/* hmac-verify: accept signed envelopes (or one signed request) once, refuse the rest. */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "envelope.h"
#include "exit.h"

static const char *prog = "hmac-verify";

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: hmac-verify -k keyring [-t tenant] [-e | --tagged] [--replay-store spec]\n"
	    "                   [--redis-auth file] [--redis-ca file]\n"
	    "                   [--tolerance secs] [--rejects file] [--pretty] < envelopes\n"
	    "       hmac-verify -k keyring -t tenant --headers file [--scheme rfc9421 --method M\n"
	    "                   --url URL] [--raw] [-e | --tagged] < body\n"
	    "  -k, --keyring FILE      keyring (JSON, mode 0600)\n"
	    "  -t, --tenant NAME       accept only this tenant (required with --headers)\n"
	    "  -e, --envelope          write the verified envelope, not the body\n"
	    "      --tagged            write {\"tenant\":...,\"body\":<body>} per verified item\n"
	    "      --raw               keep a trailing newline of the body (--headers)\n"
	    "      --headers FILE      verify one request: these headers, the body on stdin\n"
	    "      --scheme S          standard-webhooks (default) or rfc9421\n"
	    "      --method M, --url URL   the request as received (rfc9421)\n"
	    "      --replay-store SPEC SQLite path, redis://host:port/db or rediss:// (TLS)\n"
	    "                          (default: replay.sqlite in the cache directory)\n"
	    "      --redis-auth FILE   Redis password, or user and password on two lines (0600)\n"
	    "      --redis-ca FILE     CA certificates to trust for rediss:// (default: system)\n"
	    "      --tolerance N       seconds either side of now (default 300, at most 3600)\n"
	    "      --rejects FILE      also append refusals to FILE\n"
	    "      --now N             take N as the time (tests)\n"
	    "      --batch N           ids per replay-store commit (default 4096)\n"
	    "  -q, --quiet             only errors on stderr\n"
	    "  -h, --help, -V, --version\n%s", SFP_EXIT_HELP);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "keyring", required_argument, NULL, 'k' }, { "tenant", required_argument, NULL, 't' },
		{ "envelope", no_argument, NULL, 'e' }, { "headers", required_argument, NULL, 'H' },
		{ "scheme", required_argument, NULL, 'S' }, { "method", required_argument, NULL, 'm' },
		{ "url", required_argument, NULL, 'u' }, { "replay-store", required_argument, NULL, 'r' },
		{ "tolerance", required_argument, NULL, 'T' }, { "rejects", required_argument, NULL, 'R' },
		{ "now", required_argument, NULL, 'N' }, { "batch", required_argument, NULL, 'B' },
		{ "pretty", no_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ "raw", no_argument, NULL, 'W' }, { "tagged", no_argument, NULL, 'G' },
		{ "redis-auth", required_argument, NULL, 'A' }, { "redis-ca", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' }, { "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfp_hverify_opts o = { .now = -1 };
	struct sfp_hverify_stats stats = { 0, 0 };
	struct sfp_fail f;
	enum sfp_status st;
	int c, taken;
	long v;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "k:t:eqhV", lo, NULL)) != -1) {
		if ((taken = sfp_hverify_shared_opt(&o.shared, c, optarg, &f)) < 0)
			return sfp_cli_usage_error(prog, "%s", f.message), SFP_EXIT_USAGE;
		if (taken > 0)
			continue;
		switch (c) {
		case 't': o.tenant = optarg; break;
		case 'e': o.envelope = 1; break;
		case 'H': o.headers = optarg; break;
		case 'S':
			if (strcmp(optarg, "rfc9421") == 0)
				o.rfc9421 = 1;
			else if (strcmp(optarg, "standard-webhooks") != 0) {
				sfp_cli_usage_error(prog, "--scheme: want standard-webhooks or rfc9421");
				return SFP_EXIT_USAGE;
			}
			break;
		case 'm': o.method = optarg; break;
		case 'u': o.url = optarg; break;
		case 'R': o.rejects = optarg; break;
		case 'p': o.pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'W': o.raw = 1; break;
		case 'G': o.tagged = 1; break;
		case 'N': case 'B':
			if (sfp_cli_number(prog, c == 'N' ? "now" : "batch", optarg, c == 'N' ? 0 : 1,
			    c == 'N' ? 253402300799L : 100000L, &v) != 0)
				return SFP_EXIT_USAGE;
			if (c == 'N')
				o.now = v;
			else
				o.batch = (size_t)v;
			break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if (optind != argc || sfp_hverify_opts_check(&o, &f) != SFP_OK) {
		sfp_cli_usage_error(prog, "%s", optind != argc ? "no operands expected" : f.message);
		return SFP_EXIT_USAGE;
	}
	st = sfp_hmac_verify_run(&o, STDIN_FILENO, stdout, &stats, &f);
	if (st == SFP_E_ITEM)
		sfp_cli_note(prog, "%zu of %zu refused (see stdout)", stats.refused,
		    stats.refused + stats.accepted);
	return sfp_cli_exit(prog, st, &f);
}
