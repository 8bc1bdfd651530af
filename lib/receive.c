/* SPDX-License-Identifier: ISC */
/* receive: serve /hooks/<tenant> over libmicrohttpd: verify, spool, then answer (receive.h). */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <sodium.h>

#include "receive.h"
#include "spool.h"
#include "stream.h"
#include "tenants.h"

#define PATH_PREFIX "/hooks/"
#define FIELDS_MAX 32

struct server {
	const struct sfp_receive_opts *o;
	struct sfp_keyring *kr;
	struct sfp_replay *rs;
	struct sfp_spool *sp;
	size_t max_body;
};

/* One request being received: its body, bounded by max_body. */
struct req {
	char *body;
	size_t len, cap;
	int too_big;
};

unsigned
sfp_receive_status(const char *code)
{
	static const struct { const char *code; unsigned status; } map[] = {
		{ "malformed", 400 }, { "bad-signature", 401 }, { "unknown-tenant", 403 },
		{ "replayed", 409 }, { "too-large", 413 }, { "stale", 422 }, { "future", 422 },
		{ "not-found", 404 }, { "method", 405 },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 503;   /* anything else is ours: the sender should retry */
}

static void
logf_(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct server *s, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (s->o->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->o->log(s->o->log_ctx, line);
}

static enum MHD_Result
answer(struct MHD_Connection *conn, unsigned status, cJSON *doc)
{
	char *text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;

	cJSON_Delete(doc);
	if (text == NULL)
		return MHD_NO;   /* out of memory: libmicrohttpd closes the connection */
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		cJSON_free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 503)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
refuse(struct server *s, struct MHD_Connection *conn, const char *tenant, const char *code,
    const char *message)
{
	cJSON *doc = cJSON_CreateObject(), *e;
	unsigned status = sfp_receive_status(code);

	logf_(s, "tenant %s: %s: %s", tenant != NULL ? tenant : "-", code, message);
	if (doc == NULL)
		return MHD_NO;
	(void)cJSON_AddFalseToObject(doc, "ok");
	e = cJSON_AddObjectToObject(doc, "error");
	if (e != NULL) {
		(void)cJSON_AddStringToObject(e, "code", code);
		(void)cJSON_AddStringToObject(e, "message", message);
	}
	return answer(conn, status, doc);
}

struct fields {
	struct sfp_http_field f[FIELDS_MAX];
	size_t n;
	int over;
};

static enum MHD_Result
add_field(void *ctx, enum MHD_ValueKind kind, const char *name, const char *value)
{
	struct fields *fs = ctx;

	(void)kind;
	if (fs->n == FIELDS_MAX) {
		fs->over = 1;
		return MHD_NO;
	}
	fs->f[fs->n].name = name;
	fs->f[fs->n].value = value != NULL ? value : "";
	fs->n++;
	return MHD_YES;
}

/* The request is whole: verify it, store it, answer. */
static enum MHD_Result
decide(struct server *s, struct MHD_Connection *conn, const char *tenant, const char *url,
    struct req *rq)
{
	struct sfp_hverify_opts vo;
	struct sfp_hverified v;
	struct sfp_fail f;
	struct fields fs;
	char target[2048];
	char *line = NULL;
	size_t len;
	enum sfp_spool_outcome outcome;
	enum sfp_status st;
	cJSON *doc;
	int i;

	memset(&fs, 0, sizeof fs);
	(void)MHD_get_connection_values(conn, MHD_HEADER_KIND, add_field, &fs);
	if (fs.over)
		return refuse(s, conn, tenant, "malformed", "more than 32 header fields");
	memset(&vo, 0, sizeof vo);
	vo.tenant = tenant;
	vo.tagged = 1;
	vo.shared.tolerance = s->o->shared.tolerance;
	vo.now = -1;
	for (i = 0; i < (int)fs.n; i++)
		if (strcasecmp(fs.f[i].name, "signature-input") == 0)
			vo.rfc9421 = 1;
	if (vo.rfc9421) {
		if (s->o->public_url == NULL)
			return refuse(s, conn, tenant, "malformed",
			    "rfc 9421 requests need the server's --public-url");
		if ((size_t)snprintf(target, sizeof target, "%s%s", s->o->public_url, url) >=
		    sizeof target)
			return refuse(s, conn, tenant, "malformed", "url too long");
		vo.method = "POST";
		vo.url = target;
	}
	st = sfp_hverify_request_check(&vo, s->kr, fs.f, fs.n, rq->body != NULL ? rq->body : "",
	    rq->len, &v, &f);
	if (st == SFP_E_ITEM)
		return refuse(s, conn, tenant, f.code, f.message);
	if (st == SFP_OK)
		st = sfp_tagged_line(tenant, rq->body, rq->len, &line, &len, &f);
	if (st == SFP_OK)
		st = sfp_spool_store(s->sp, s->rs, tenant, v.id, v.timestamp, line, len,
		    (int64_t)time(NULL), &outcome, &f);
	free(line);
	if (st != SFP_OK) {
		logf_(s, "tenant %s: id %s: cannot store: %s%s%s", tenant, v.id, f.place,
		    f.place[0] != '\0' ? ": " : "", f.message);
		return refuse(s, conn, tenant, "unavailable", "cannot store the request now; retry later");
	}
	if (outcome == SFP_SPOOL_REPLAYED)
		return refuse(s, conn, tenant, "replayed", "message id already accepted elsewhere");
	if ((doc = cJSON_CreateObject()) == NULL)
		return MHD_NO;
	(void)cJSON_AddTrueToObject(doc, "ok");
	(void)cJSON_AddStringToObject(doc, "tenant", tenant);
	(void)cJSON_AddStringToObject(doc, "id", v.id);
	if (outcome == SFP_SPOOL_DUPLICATE)
		(void)cJSON_AddTrueToObject(doc, "duplicate");
	return answer(conn, 200, doc);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct req *rq = *con_cls;
	const char *tenant;

	(void)version;
	if (rq == NULL) {
		const char *cl;
		if ((rq = calloc(1, sizeof *rq)) == NULL)
			return MHD_NO;
		*con_cls = rq;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > s->max_body)
			rq->too_big = 1;   /* answered at the end: the body is not kept */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!rq->too_big && *upload_size > s->max_body - rq->len)
			rq->too_big = 1;
		if (!rq->too_big) {
			if (rq->len + *upload_size > rq->cap) {
				size_t cap = rq->cap ? rq->cap : 4096;
				char *g;
				while (cap < rq->len + *upload_size)
					cap *= 2;
				if ((g = realloc(rq->body, cap)) == NULL)
					return MHD_NO;
				rq->body = g;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0)
		return refuse(s, conn, NULL, "method", "only POST is served");
	if (strncmp(url, PATH_PREFIX, sizeof PATH_PREFIX - 1) != 0)
		return refuse(s, conn, NULL, "not-found", "requests go to /hooks/<tenant>");
	tenant = url + sizeof PATH_PREFIX - 1;
	if (!sfp_tenant_name_valid(tenant) || sfp_keyring_tenant(s->kr, tenant) == NULL)
		return refuse(s, conn, NULL, "unknown-tenant", "no such tenant");
	if (rq->too_big)
		return refuse(s, conn, tenant, "too-large", "the body is larger than the limit");
	return decide(s, conn, tenant, url, rq);
}

static void
on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq != NULL) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* Read a PEM file into memory (libmicrohttpd takes the text); the key must
 * be a private file. */
static enum sfp_status
read_pem(const char *path, int secret, char **out, struct sfp_fail *f)
{
	size_t len;
	enum sfp_status st = sfp_read_file(path, 1u << 20, out, &len, f);
	struct stat sb;

	if (st != SFP_OK)
		return st;
	if (secret && (stat(path, &sb) != 0 || (sb.st_mode & 077) != 0 || sb.st_uid != geteuid())) {
		sodium_memzero(*out, len);
		free(*out);
		*out = NULL;
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
		    "the tls key must be ours and readable by nobody else (0600)");
	}
	return SFP_OK;
}

enum sfp_status
sfp_receive_run(const struct sfp_receive_opts *o, struct sfp_fail *f)
{
	struct server s;
	struct MHD_Daemon *d = NULL;
	struct MHD_OptionItem opts[8];
	struct sockaddr_storage ss;
	char *cert = NULL, *key = NULL;
	const char *addr = o->listen_addr != NULL ? o->listen_addr : "127.0.0.1";
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	unsigned short port = o->port != 0 ? o->port : 8080;
	enum sfp_status st;
	size_t n = 0;

	memset(&s, 0, sizeof s);
	memset(&ss, 0, sizeof ss);
	s.o = o;
	s.max_body = o->max_body != 0 ? o->max_body : 1u << 20;
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--tls-cert and --tls-key go together");
	if ((st = sfp_hverify_shared_check(&o->shared, f)) != SFP_OK)
		return st;
	if (o->spool_dir == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--spool is required");
	if (o->listen_fd >= 0) {
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, o->listen_fd, NULL };
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons(port);
		} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons(port);
			flags |= MHD_USE_IPv6;
		} else {
			return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL,
			    "--listen: want a numeric address, not %s", addr);
		}
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    o->timeout_s != 0 ? o->timeout_s : 30, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, 256, NULL };
	if ((st = sfp_hverify_shared_open(&o->shared, &s.kr, &s.rs, f)) != SFP_OK)
		goto out;
	if ((st = sfp_spool_open(o->spool_dir, &s.sp, f)) != SFP_OK)
		goto out;
	if (o->tls_cert != NULL) {
		if ((st = read_pem(o->tls_cert, 0, &cert, f)) != SFP_OK ||
		    (st = read_pem(o->tls_key, 1, &key, f)) != SFP_OK)
			goto out;
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	d = MHD_start_daemon(flags, port, NULL, NULL, on_request, &s,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (d == NULL) {
		st = sfp_fail_set(f, SFP_E_IO, "listen", addr,
		    "cannot start the server (address in use, or a bad certificate)");
		goto out;
	}
	while (!*o->stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		(void)nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	st = SFP_OK;
out:
	free(cert);
	if (key != NULL)
		sodium_memzero(key, strlen(key));
	free(key);
	sfp_spool_close(s.sp);
	sfp_replay_close(s.rs);
	sfp_keyring_free(s.kr);
	return st;
}
