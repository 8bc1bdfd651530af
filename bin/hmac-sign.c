/* SPDX-License-Identifier: ISC */
/* hmac-sign: sign a body (or each line) for a tenant, Standard Webhooks style. */
#include "compat.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "envelope.h"
#include "exit.h"
#include "keyring.h"

static const char *prog = "hmac-sign";

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: hmac-sign -k keyring -t tenant [-l | --raw] [-Hq] [--id id] [--timestamp secs] [--pretty]\n"
	    "       hmac-sign -k keyring -t tenant --scheme rfc9421 --method M --url URL\n"
	    "       hmac-sign -k keyring -t tenant --new-key [--key-id id]\n"
	    "  -k, --keyring FILE   keyring (JSON, mode 0600)\n"
	    "  -t, --tenant NAME    sign with this tenant's current key\n"
	    "  -l, --lines          sign each line of stdin as one message\n"
	    "      --raw            keep a trailing newline of stdin in the body\n"
	    "  -H, --headers        write webhook-id/-timestamp/-signature header lines\n"
	    "      --id ID          message id (default: a fresh random one)\n"
	    "      --timestamp N    Unix seconds (default: now)\n"
	    "      --scheme S       standard-webhooks (default) or rfc9421\n"
	    "      --method M, --url URL   the request RFC 9421 signs\n"
	    "      --new-key        add a fresh 32-byte secret for the tenant (never shown)\n"
	    "      --key-id ID      id of the new key (default: the UTC time)\n"
	    "  -q, --quiet          only errors on stderr\n"
	    "  -h, --help, -V, --version\n%s", SFP_EXIT_HELP);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "keyring", required_argument, NULL, 'k' }, { "tenant", required_argument, NULL, 't' },
		{ "lines", no_argument, NULL, 'l' }, { "headers", no_argument, NULL, 'H' },
		{ "id", required_argument, NULL, 'i' }, { "timestamp", required_argument, NULL, 's' },
		{ "scheme", required_argument, NULL, 'S' }, { "method", required_argument, NULL, 'm' },
		{ "url", required_argument, NULL, 'u' }, { "new-key", no_argument, NULL, 'n' },
		{ "key-id", required_argument, NULL, 'K' }, { "pretty", no_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, 'r' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfp_hsign_opts o = { .timestamp = -1 };
	struct sfp_fail f;
	enum sfp_status st;
	const char *key_id = NULL;
	int c, new_key = 0;
	long v;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "k:t:lHqhV", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o.keyring = optarg; break;
		case 't': o.tenant = optarg; break;
		case 'l': o.lines = 1; break;
		case 'r': o.raw = 1; break;
		case 'H': o.headers = 1; break;
		case 'i': o.id = optarg; break;
		case 's':
			if (sfp_parse_long(optarg, 0, 253402300799L, &v) != 0) {
				sfp_cli_usage_error(prog, "--timestamp: want Unix seconds");
				return SFP_EXIT_USAGE;
			}
			o.timestamp = v;
			break;
		case 'S':
			if (strcmp(optarg, "rfc9421") == 0)
				o.rfc9421 = o.headers = 1;
			else if (strcmp(optarg, "standard-webhooks") != 0) {
				sfp_cli_usage_error(prog, "--scheme: want standard-webhooks or rfc9421");
				return SFP_EXIT_USAGE;
			}
			break;
		case 'm': o.method = optarg; break;
		case 'u': o.url = optarg; break;
		case 'n': new_key = 1; break;
		case 'K': key_id = optarg; break;
		case 'p': o.pretty = 1; break;
		case 'q': sfp_cli_set_quiet(); break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if (optind != argc || o.keyring == NULL || o.tenant == NULL) {
		sfp_cli_usage_error(prog, "%s", optind != argc ? "no operands expected" :
		    "--keyring and --tenant are required");
		return SFP_EXIT_USAGE;
	}
	if ((o.rfc9421 && (o.method == NULL || o.url == NULL || o.lines)) ||
	    (!o.rfc9421 && (o.method != NULL || o.url != NULL)) ||
	    (o.lines && (o.headers || o.id != NULL || o.raw)) || (key_id != NULL && !new_key)) {
		sfp_cli_usage_error(prog, "conflicting options: rfc9421 needs --method and --url; "
		    "--lines excludes --headers, --id and --raw; --key-id goes with --new-key");
		return SFP_EXIT_USAGE;
	}
	if (new_key) {
		char id[SFP_KEY_ID_MAX];
		cJSON *out = NULL;
		char *s = NULL;
		st = sfp_keyring_new_key(o.keyring, o.tenant, key_id, (int64_t)time(NULL), id,
		    sizeof id, &f);
		if (st == SFP_OK && ((out = cJSON_CreateObject()) == NULL ||
		    cJSON_AddStringToObject(out, "tenant", o.tenant) == NULL ||
		    cJSON_AddStringToObject(out, "key_id", id) == NULL ||
		    cJSON_AddStringToObject(out, "keyring", o.keyring) == NULL ||
		    (s = cJSON_PrintUnformatted(out)) == NULL))
			st = sfp_fail_oom(&f, NULL);
		if (s != NULL)
			(void)printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(out);
	} else {
		st = sfp_hmac_sign_run(&o, STDIN_FILENO, stdout, &f);
	}
	return sfp_cli_exit(prog, st, &f);
}
