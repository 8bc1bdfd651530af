/* SPDX-License-Identifier: ISC */
/* redis: a Redis connection for the replay store (TCP or verified TLS, AUTH, pipelining). */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* hiredis's inline sds helpers narrow size_t silently; the warning is theirs. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#include <hiredis.h>
#pragma GCC diagnostic pop

#include "redis.h"
#include "secret.h"

#define REDIS_TIMEOUT_S 5
#define REDIS_AUTH_MAX 4096

struct sfp_redis {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	redisReader *reader;
	char *out;             /* commands queued, not yet sent */
	size_t outlen, outcap;
	char name[300];        /* the URL, for messages */
};

struct url {
	int tls;
	char host[256];
	char port[8];
	long db;
};

int
sfp_redis_is_url(const char *spec)
{
	return strncmp(spec, "redis://", 8) == 0 || strncmp(spec, "rediss://", 9) == 0;
}

static enum sfp_status
parse_url(const char *url, struct url *u, struct sfp_fail *f)
{
	const char *p, *e;
	size_t hl;
	long port = 6379;

	memset(u, 0, sizeof *u);
	u->tls = strncmp(url, "rediss://", 9) == 0;
	p = url + (u->tls ? 9 : 8);
	if (strchr(p, '@') != NULL)
		return sfp_fail_set(f, SFP_E_USAGE, "replay-store", NULL,
		    "no credentials in the redis URL (they would sit on the command line); "
		    "use --redis-auth FILE");
	e = p + strcspn(p, ":/");
	hl = (size_t)(e - p);
	if (hl == 0 || hl >= sizeof u->host)
		return sfp_fail_set(f, SFP_E_USAGE, "replay-store", url,
		    "want redis://host[:port][/db] or rediss://host[:port][/db]");
	memcpy(u->host, p, hl);
	u->host[hl] = '\0';
	if (*e == ':') {
		char *end;
		errno = 0;
		port = strtol(e + 1, &end, 10);
		if (errno != 0 || end == e + 1 || port < 1 || port > 65535 || (*end != '/' && *end))
			return sfp_fail_set(f, SFP_E_USAGE, "replay-store", url, "bad port");
		e = end;
	}
	(void)snprintf(u->port, sizeof u->port, "%ld", port);
	if (*e == '/' && e[1] != '\0') {
		char *end;
		errno = 0;
		u->db = strtol(e + 1, &end, 10);
		if (errno != 0 || end == e + 1 || *end != '\0' || u->db < 0 || u->db > 1000000)
			return sfp_fail_set(f, SFP_E_USAGE, "replay-store", url, "bad database number");
	}
	return SFP_OK;
}

static enum sfp_status
unreachable(struct sfp_redis *r, const char *why, struct sfp_fail *f)
{
	return sfp_fail_set(f, SFP_E_TEMP, "replay-store-unreachable", r->name,
	    "cannot reach the redis replay store: %s", why);
}

/* 1 when the address is this host's own (127.0.0.0/8, ::1 or ::ffff:127.x):
 * what goes there never crosses a network. */
static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* A TCP connection within the time limit; reads and writes time out too.
 * loopback_only: addresses of other hosts are not tried (a password is to go
 * in clear), and when no address is left that is a usage error. */
static enum sfp_status
dial(struct sfp_redis *r, const struct url *u, int loopback_only, struct sfp_fail *f)
{
	int skipped = 0, tried = 0;
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { REDIS_TIMEOUT_S, 0 };
	int rc, err = ECONNREFUSED;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0)
		return unreachable(r, gai_strerror(rc), f);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t el = sizeof err;
		int fd;

		if (loopback_only && !is_loopback(ai->ai_addr)) {
			skipped++;
			continue;
		}
		tried++;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 && errno != EINPROGRESS) {
			err = errno;
			(void)close(fd);
			continue;
		}
		p.fd = fd;
		p.events = POLLOUT;
		p.revents = 0;
		if (poll(&p, 1, REDIS_TIMEOUT_S * 1000) != 1) {
			err = ETIMEDOUT;
			(void)close(fd);
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err != 0) {
			(void)close(fd);
			continue;
		}
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		r->fd = fd;
		break;
	}
	freeaddrinfo(res);
	if (r->fd == -1 && skipped > 0 && tried == 0)
		return sfp_fail_set(f, SFP_E_USAGE, "cleartext-auth", r->name,
		    "redis:// would send the --redis-auth password in clear to another host: "
		    "use rediss:// (plain redis:// with a password only to a loopback address)");
	return r->fd != -1 ? SFP_OK : unreachable(r, strerror(err), f);
}

/* The CA file decides whom we trust: nobody but us (or root) may change it. */
static enum sfp_status
check_ca_file(const char *path, struct sfp_fail *f)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "redis-ca", path, "%s", strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "redis-ca", path, "not a regular file");
	}
	(void)close(fd);
	if ((sb.st_uid != geteuid() && sb.st_uid != 0) || (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return sfp_fail_set(f, SFP_E_INPUT, "redis-ca", path,
		    "a CA file must be ours or root's and writable by nobody else");
	return SFP_OK;
}

static enum sfp_status
tls_fail(struct sfp_redis *r, const char *what, struct sfp_fail *f)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	long v = r->ssl != NULL ? SSL_get_verify_result(r->ssl) : X509_V_OK;

	if (v != X509_V_OK)
		(void)snprintf(buf, sizeof buf, "%s", X509_verify_cert_error_string(v));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof buf);
	else
		(void)snprintf(buf, sizeof buf, "%s", strerror(errno));
	ERR_clear_error();
	return sfp_fail_set(f, v != X509_V_OK ? SFP_E_AUTH : SFP_E_TEMP, "replay-store-tls", r->name,
	    "redis tls %s: %s", what, buf);
}

static enum sfp_status
start_tls(struct sfp_redis *r, const struct url *u, const char *ca, struct sfp_fail *f)
{
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, u->host, ip) == 1 || inet_pton(AF_INET6, u->host, ip) == 1;
	X509_VERIFY_PARAM *vp;
	enum sfp_status st;

	if (ca != NULL && (st = check_ca_file(ca, f)) != SFP_OK)
		return st;
	if ((r->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return tls_fail(r, "setup", f);
	(void)SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);
	if ((ca != NULL ? SSL_CTX_load_verify_locations(r->ctx, ca, NULL) :
	    SSL_CTX_set_default_verify_paths(r->ctx)) != 1) {
		ERR_clear_error();
		return sfp_fail_set(f, SFP_E_INPUT, "redis-ca", ca != NULL ? ca : "(system)",
		    "cannot load the trusted certificates");
	}
	if ((r->ssl = SSL_new(r->ctx)) == NULL || SSL_set_fd(r->ssl, r->fd) != 1)
		return tls_fail(r, "setup", f);
	vp = SSL_get0_param(r->ssl);
	/* The name checked is the one in the URL: a certificate for any other
	 * host, however valid, is refused. */
	if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, u->host) != 1 :
	    (SSL_set_tlsext_host_name(r->ssl, u->host) != 1 ||
	    X509_VERIFY_PARAM_set1_host(vp, u->host, 0) != 1))
		return tls_fail(r, "setup", f);
	if (SSL_connect(r->ssl) != 1)
		return tls_fail(r, "handshake", f);
	return SFP_OK;
}

static enum sfp_status
send_all(struct sfp_redis *r, struct sfp_fail *f)
{
	size_t off = 0;

	while (off < r->outlen) {
		ssize_t n;
		if (r->ssl != NULL) {
			int w = SSL_write(r->ssl, r->out + off,
			    (int)(r->outlen - off > 65536 ? 65536 : r->outlen - off));
			n = w > 0 ? w : -1;
		} else {
			n = send(r->fd, r->out + off, r->outlen - off, MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
		}
		if (n <= 0) {
			r->outlen = 0;
			return unreachable(r, r->ssl != NULL ? "tls write failed" : strerror(errno), f);
		}
		off += (size_t)n;
	}
	r->outlen = 0;
	return SFP_OK;
}

enum sfp_status
sfp_redis_append(struct sfp_redis *r, int argc, const char **argv, const size_t *lens,
    struct sfp_fail *f)
{
	char *cmd = NULL;
	int n = redisFormatCommandArgv(&cmd, argc, argv, lens);

	if (n < 0)
		return sfp_fail_oom(f, NULL);
	if (r->outlen + (size_t)n > r->outcap) {
		size_t cap = (r->outcap > 0 ? r->outcap : 4096);
		char *p;
		while (cap < r->outlen + (size_t)n)
			cap *= 2;
		if ((p = realloc(r->out, cap)) == NULL) {
			redisFreeCommand(cmd);
			return sfp_fail_oom(f, NULL);
		}
		r->out = p;
		r->outcap = cap;
	}
	memcpy(r->out + r->outlen, cmd, (size_t)n);
	r->outlen += (size_t)n;
	sodium_memzero(cmd, (size_t)n);   /* AUTH's holds the password */
	redisFreeCommand(cmd);
	return SFP_OK;
}

enum sfp_status
sfp_redis_reply(struct sfp_redis *r, void **reply, struct sfp_fail *f)
{
	char buf[16384];
	enum sfp_status st;

	*reply = NULL;
	if (r->outlen > 0 && (st = send_all(r, f)) != SFP_OK)
		return st;
	for (;;) {
		ssize_t n;
		if (redisReaderGetReply(r->reader, reply) != REDIS_OK)
			return sfp_fail_set(f, SFP_E_TEMP, "replay-store", r->name,
			    "redis protocol error: %s", r->reader->errstr);
		if (*reply != NULL)
			return SFP_OK;
		if (r->ssl != NULL) {
			int got = SSL_read(r->ssl, buf, (int)sizeof buf);
			n = got > 0 ? got : -1;
		} else {
			n = recv(r->fd, buf, sizeof buf, 0);
			if (n == -1 && errno == EINTR)
				continue;
		}
		if (n <= 0)
			return unreachable(r, n == 0 ? "connection closed" : r->ssl != NULL ?
			    "tls read failed" : strerror(errno), f);
		if (redisReaderFeed(r->reader, buf, (size_t)n) != REDIS_OK)
			return sfp_fail_set(f, SFP_E_TEMP, "replay-store", r->name,
			    "redis protocol error: %s", r->reader->errstr);
	}
}

enum sfp_status
sfp_redis_error_status(const char *err, enum sfp_status otherwise)
{
	return strncmp(err, "NOAUTH", 6) == 0 || strncmp(err, "NOPERM", 6) == 0 ||
	    strncmp(err, "WRONGPASS", 9) == 0 ? SFP_E_AUTH : otherwise;
}

/* One command and its reply; an error reply becomes f with status st_err. */
static enum sfp_status
call(struct sfp_redis *r, int argc, const char **argv, enum sfp_status st_err, const char *what,
    struct sfp_fail *f)
{
	size_t lens[3];
	redisReply *rep = NULL;
	enum sfp_status st;
	int i;

	for (i = 0; i < argc && i < 3; i++)
		lens[i] = strlen(argv[i]);
	if ((st = sfp_redis_append(r, argc, argv, lens, f)) != SFP_OK ||
	    (st = sfp_redis_reply(r, (void **)&rep, f)) != SFP_OK)
		return st;
	if (rep->type == REDIS_REPLY_ERROR) {
		/* the server's words, never ours: they hold no password */
		st = sfp_fail_set(f, sfp_redis_error_status(rep->str, st_err), "replay-store", r->name,
		    "redis %s: %s", what, rep->str);
	}
	freeReplyObject(rep);
	return st;
}

/* AUTH from the auth file: "password", or "user\npassword". */
static enum sfp_status
authenticate(struct sfp_redis *r, const char *path, struct sfp_fail *f)
{
	struct sfp_secret *s = NULL;
	char *user = NULL, *pass, *nl;
	const char *argv[3];
	enum sfp_status st;

	if ((st = sfp_secret_read_checked(path, REDIS_AUTH_MAX, &s, f)) != SFP_OK)
		return st;
	pass = (char *)s->bytes;
	if ((nl = strchr(pass, '\n')) != NULL && nl[1] != '\0' && nl[1] != '\n') {
		*nl = '\0';
		user = pass;
		pass = nl + 1;
	}
	pass[strcspn(pass, "\r\n")] = '\0';
	if (user != NULL)
		user[strcspn(user, "\r")] = '\0';
	if (pass[0] == '\0' || (user != NULL && user[0] == '\0')) {
		sfp_secret_free(s);
		return sfp_fail_set(f, SFP_E_INPUT, "redis-auth", path,
		    "want a password, or a user name and a password on two lines");
	}
	argv[0] = "AUTH";
	if (user != NULL) {
		argv[1] = user;
		argv[2] = pass;
	} else {
		argv[1] = pass;
	}
	st = call(r, user != NULL ? 3 : 2, argv, SFP_E_AUTH, "auth", f);
	sfp_secret_free(s);   /* wipes the password; the queued copy was sent and dropped */
	if (r->out != NULL)
		sodium_memzero(r->out, r->outcap);
	return st;
}

enum sfp_status
sfp_redis_connect(const struct sfp_redis_opts *o, struct sfp_redis **out, struct sfp_fail *f)
{
	struct sfp_redis *r;
	struct url u;
	enum sfp_status st;

	*out = NULL;
	if ((st = parse_url(o->url, &u, f)) != SFP_OK)
		return st;
	if (!u.tls && o->ca_file != NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--redis-ca goes with a rediss:// URL");
	if ((r = calloc(1, sizeof *r)) == NULL)
		return sfp_fail_oom(f, NULL);
	r->fd = -1;
	(void)snprintf(r->name, sizeof r->name, "%s", o->url);
	if ((r->reader = redisReaderCreate()) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto fail;
	}
	/* Without TLS a password crosses the network in clear: only to this host. */
	if ((st = dial(r, &u, !u.tls && o->auth_file != NULL, f)) != SFP_OK)
		goto fail;
	if (u.tls && (st = start_tls(r, &u, o->ca_file, f)) != SFP_OK)
		goto fail;
	if (o->auth_file != NULL && (st = authenticate(r, o->auth_file, f)) != SFP_OK)
		goto fail;
	if (u.db != 0) {
		char db[24];
		const char *argv[2] = { "SELECT", db };
		(void)snprintf(db, sizeof db, "%ld", u.db);
		if ((st = call(r, 2, argv, SFP_E_INPUT, "select", f)) != SFP_OK)
			goto fail;
	}
	*out = r;
	return SFP_OK;
fail:
	sfp_redis_free(r);
	return st;
}

void
sfp_redis_free(struct sfp_redis *r)
{
	if (r == NULL)
		return;
	if (r->ssl != NULL) {
		(void)SSL_shutdown(r->ssl);
		SSL_free(r->ssl);
	}
	SSL_CTX_free(r->ctx);
	if (r->fd != -1)
		(void)close(r->fd);
	if (r->reader != NULL)
		redisReaderFree(r->reader);
	free(r->out);
	free(r);
}
