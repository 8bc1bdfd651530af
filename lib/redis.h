/* SPDX-License-Identifier: ISC */
/*
 * redis: a small Redis client for the replay store: TCP or TLS, AUTH, SELECT,
 * pipelined commands.
 *
 * Debian's hiredis (0.14) has no TLS, so the transport is ours (a socket, and
 * OpenSSL for rediss://) and hiredis is used only for the protocol: commands
 * are encoded by redisFormatCommandArgv and replies decoded by its redisReader.
 *
 * URL: redis://host[:port][/db] or rediss://host[:port][/db] (TLS, port 6379
 * by default for both).  No credentials in the URL (they would sit on the
 * command line): they come from an auth file, which must pass the secret-file
 * checks (mode 0600, ours): one line holding the password (AUTH password, the
 * "default" user or requirepass), or two lines, an ACL user name then its
 * password.  redis:// would carry that password in clear, so with an auth
 * file a redis:// URL reaches only this host (127.0.0.0/8 or ::1; a name is
 * tried at its loopback addresses only) and any other needs rediss://.  TLS
 * always verifies the server's certificate and its name (or IP address)
 * against the system's trust store, or against a CA file the operator names,
 * which must be ours or root's and writable by nobody else.
 *
 * Ownership: sfp_redis_connect returns a new client freed by sfp_redis_free;
 * replies from sfp_redis_reply are freed with freeReplyObject.
 */
#ifndef SFP_REDIS_H
#define SFP_REDIS_H

#include <stddef.h>
#include "fail.h"

struct sfp_redis;

struct sfp_redis_opts {
	const char *url;
	const char *auth_file;   /* NULL: no AUTH */
	const char *ca_file;     /* NULL: the system's trust store (rediss:// only) */
};

/* 1 when spec names Redis (redis:// or rediss://). */
int sfp_redis_is_url(const char *spec);

/*
 * Connect, handshake TLS, AUTH and SELECT.  SFP_E_USAGE for a bad URL or
 * for AUTH in clear to another host (code "cleartext-auth"),
 * SFP_E_INPUT for an unusable auth or CA file, SFP_E_TEMP when the server
 * cannot be reached, SFP_E_AUTH when TLS verification or AUTH is refused.
 */
enum sfp_status sfp_redis_connect(const struct sfp_redis_opts *o, struct sfp_redis **out,
    struct sfp_fail *f);
void sfp_redis_free(struct sfp_redis *r);

/* The status an error reply means: NOAUTH, NOPERM and WRONGPASS say our
 * credentials are wrong (SFP_E_AUTH), not the moment; others are otherwise. */
enum sfp_status sfp_redis_error_status(const char *err, enum sfp_status otherwise);

/* Queue one command (sent with the next sfp_redis_reply). */
enum sfp_status sfp_redis_append(struct sfp_redis *r, int argc, const char **argv,
    const size_t *lens, struct sfp_fail *f);

/* Send what is queued, then read the next reply into *reply (a redisReply *). */
enum sfp_status sfp_redis_reply(struct sfp_redis *r, void **reply, struct sfp_fail *f);

#endif
