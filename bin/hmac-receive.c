/* SPDX-License-Identifier: ISC */
/* hmac-receive: take signed requests over HTTP(S), verify them on arrival, spool them durably. */
#include "compat.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exit.h"
#include "receive.h"

static const char *prog = "hmac-receive";
static volatile sig_atomic_t stop;

static void
usage(FILE *fp)
{
	(void)fprintf(fp,
	    "usage: hmac-receive -k keyring --spool dir [--listen addr] [--port n] [--public-url URL]\n"
	    "                    [--tls-cert file --tls-key file] [--replay-store spec]\n"
	    "                    [--redis-auth file] [--redis-ca file] [--tolerance secs]\n"
	    "                    [--max-body bytes] [--timeout secs] [-q]\n"
	    "  -k, --keyring FILE      keyring (JSON, mode 0600)\n"
	    "      --spool DIR         where verified requests are stored (made 0700)\n"
	    "      --listen ADDR       numeric address to listen on (default 127.0.0.1)\n"
	    "      --port N            port (default 8080; systemd socket activation overrides)\n"
	    "      --public-url URL    scheme and authority the portal signs (rfc9421 @target-uri)\n"
	    "      --tls-cert FILE, --tls-key FILE   serve HTTPS with this PEM pair (key 0600)\n"
	    "      --replay-store SPEC, --redis-auth FILE, --redis-ca FILE   as hmac-verify(1)\n"
	    "      --tolerance N       seconds either side of now (default 300, at most 3600)\n"
	    "      --max-body N        largest body in bytes (default 1048576)\n"
	    "      --timeout N         idle connection timeout in seconds (default 30)\n"
	    "  -q, --quiet             only errors on stderr (no line per refusal)\n"
	    "  -h, --help, -V, --version\n%s", SFP_EXIT_HELP);
}

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	sfp_cli_note(prog, "%s", line);
}

/* systemd socket activation (sd_listen_fds(3)): one inherited socket, fd 3. */
static int
inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long p, n;

	if (pid == NULL || fds == NULL || sfp_parse_long(pid, 1, 0x7fffffffL, &p) != 0 ||
	    sfp_parse_long(fds, 1, 1, &n) != 0 || (pid_t)p != getpid())
		return -1;
	return 3;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "keyring", required_argument, NULL, 'k' }, { "spool", required_argument, NULL, 'S' },
		{ "listen", required_argument, NULL, 'L' }, { "port", required_argument, NULL, 'P' },
		{ "public-url", required_argument, NULL, 'U' }, { "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'K' }, { "replay-store", required_argument, NULL, 'r' },
		{ "redis-auth", required_argument, NULL, 'A' }, { "redis-ca", required_argument, NULL, 'C' },
		{ "tolerance", required_argument, NULL, 'T' }, { "max-body", required_argument, NULL, 'M' },
		{ "timeout", required_argument, NULL, 'O' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct sfp_receive_opts o = { .listen_fd = -1, .log = log_line, .stop = &stop };
	struct sfp_fail f;
	int c, taken;
	long v;

	if (sfp_cli_start(prog) != 0)
		return SFP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "k:qhV", lo, NULL)) != -1) {
		if ((taken = sfp_hverify_shared_opt(&o.shared, c, optarg, &f)) < 0)
			return sfp_cli_usage_error(prog, "%s", f.message), SFP_EXIT_USAGE;
		if (taken > 0)
			continue;
		switch (c) {
		case 'S': o.spool_dir = optarg; break;
		case 'L': o.listen_addr = optarg; break;
		case 'U': o.public_url = optarg; break;
		case 'q': sfp_cli_set_quiet(); break;
		case 'c': o.tls_cert = optarg; break;
		case 'K': o.tls_key = optarg; break;
		case 'P': case 'M': case 'O':
			if (sfp_cli_number(prog, c == 'P' ? "port" : c == 'M' ? "max-body" : "timeout",
			    optarg, 1, c == 'P' ? 65535L : c == 'M' ? 16L * 1024 * 1024 : 3600L, &v) != 0)
				return SFP_EXIT_USAGE;
			if (c == 'P')
				o.port = (unsigned short)v;
			else if (c == 'M')
				o.max_body = (size_t)v;
			else
				o.timeout_s = (unsigned)v;
			break;
		default: return sfp_cli_other_opt(prog, c, usage);
		}
	}
	if (optind != argc) {
		sfp_cli_usage_error(prog, "no operands expected");
		return SFP_EXIT_USAGE;
	}
	o.listen_fd = inherited_socket();
	sfp_cli_stop_on_signals(&stop);
	(void)signal(SIGXFSZ, SIG_IGN);   /* a file size limit: write(2) says EFBIG, answered 503 */
	return sfp_cli_exit(prog, sfp_receive_run(&o, &f), &f);
}
