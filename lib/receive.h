/* SPDX-License-Identifier: ISC */
/*
 * receive: hmac-receive, an HTTP(S) server that verifies signed requests on arrival.
 *
 * A portal POSTs each signed request to /hooks/<tenant>.  The server is GNU
 * libmicrohttpd (HTTP parsing, limits, timeouts, TLS through GnuTLS); this
 * module only decides: it verifies the request with hmac-verify's rules
 * (sfp_hverify_request_check: Standard Webhooks headers, or RFC 9421 when a
 * Signature-Input field is present) with the keys of <tenant> alone, stores
 * the verified body as a tagged line in the spool (spool.h: synced, the id
 * claimed in the replay store) and only then answers:
 *   200  stored now, or already stored (a resend: "duplicate":true)
 *   400  malformed (headers, timestamp, body not one line of JSON, bad path)
 *   401  bad-signature
 *   403  unknown-tenant (no such tenant in the keyring, or a bad name)
 *   405  not POST;  404  not under /hooks/
 *   409  replayed (the id was taken by another verifier of the replay store)
 *   413  body larger than max_body
 *   422  stale or future (outside the tolerance)
 *   503  cannot store now (disk full, replay store busy): retry later
 * Every answer is one JSON object: {"ok":true,"tenant","id"[,"duplicate"]}
 * or {"ok":false,"error":{"code","message"}}.
 *
 * Requests are decided one at a time in libmicrohttpd's polling thread, so
 * the spool's order of steps never interleaves.
 *
 * Ownership: options are borrowed for the run.
 */
#ifndef SFP_RECEIVE_H
#define SFP_RECEIVE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include "envelope.h"
#include "fail.h"

struct sfp_receive_opts {
	struct sfp_hverify_shared shared;   /* keyring, replay store, tolerance */
	const char *spool_dir;
	const char *listen_addr;    /* numeric IPv4 or IPv6 address (NULL: 127.0.0.1) */
	unsigned short port;        /* 0 with listen_fd -1: 8080 */
	int listen_fd;              /* an inherited listening socket (systemd), or -1 */
	const char *public_url;     /* RFC 9421 @target-uri base, e.g. https://hooks.example.com */
	const char *tls_cert, *tls_key;   /* PEM files: HTTPS (both or neither) */
	size_t max_body;            /* 0: 1 MiB */
	unsigned timeout_s;         /* idle connection timeout (0: 30) */
	/* One line per refusal or failure (already without secrets); may be NULL. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	volatile sig_atomic_t *stop; /* the run ends when *stop becomes nonzero (a signal) */
};

/* The HTTP status for a refusal code of sfp_hverify_request_check. */
unsigned sfp_receive_status(const char *code);

/*
 * Serve until *o->stop: open the keyring, the replay store and the spool,
 * start the server, and wait.  SFP_OK after a clean stop; SFP_E_USAGE,
 * SFP_E_INPUT (keyring, spool, certificate unusable), SFP_E_TEMP (spool
 * locked, store unreachable), SFP_E_IO (cannot listen) with f filled.
 */
enum sfp_status sfp_receive_run(const struct sfp_receive_opts *o, struct sfp_fail *f);

#endif
