/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "envelope.h"
#include "keyring.h"
#include "replay.h"
#include "sign.h"
#include "stream.h"

#define BODY_MAX (16u * 1024u * 1024u)
#define HEADERS_MAX (64u * 1024u)


static int64_t
clock_now(int64_t given)
{
	return given >= 0 ? given : (int64_t)time(NULL);
}

/* ---- signing -------------------------------------------------------------- */

static void
random_id(char out[32])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	memcpy(out, "msg_", 4);
	sodium_bin2base64(out + 4, 28, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static enum sfp_status
write_text(struct sfp_writer *w, const char *s, struct sfp_fail *f)
{
	return sfp_write_raw(w, s, strlen(s), f);
}

static enum sfp_status
sign_refusal(struct sfp_writer *w, const char *line, size_t len, unsigned long lineno,
    struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e;
	char place[64];
	enum sfp_status st;

	(void)snprintf(place, sizeof place, "<stdin>:%lu", lineno);
	if (o == NULL || cJSON_AddNullToObject(o, "id") == NULL ||
	    cJSON_AddFalseToObject(o, "ok") == NULL || (e = cJSON_AddObjectToObject(o, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "code", "malformed") == NULL ||
	    cJSON_AddStringToObject(e, "message", "body is not valid utf-8 without nul bytes") == NULL ||
	    cJSON_AddStringToObject(e, "place", place) == NULL) {
		cJSON_Delete(o);
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
	}
	(void)line;
	(void)len;   /* the bytes cannot be put in JSON; the place says which line */
	st = sfp_write_json(w, o, f);
	cJSON_Delete(o);
	return st;
}

static enum sfp_status
sign_one(const struct sfp_hsign_opts *o, const struct sfp_tenant *t, const struct sfp_key *k,
    int64_t ts, const char *body, size_t len, struct sfp_writer *w, struct sfp_fail *f)
{
	char idbuf[32], sig[SFP_SW_SIG_CHARS], line[1024];
	const char *id = o->id;
	cJSON *env;
	enum sfp_status st;
	char *copy;

	if (id == NULL) {
		random_id(idbuf);
		id = idbuf;
	}
	if (o->rfc9421) {
		char digest[SFP_DIGEST_CHARS], si[1200], sg[128];
		struct sfp_http_field fld = { "content-digest", digest };
		struct sfp_signed_req req = { o->method, o->url, &fld, 1 };

		sfp_content_digest(body, len, digest);
		st = sfp_rfc9421_sign(&req, "sig1", ts, id, k->id, k->key->bytes, k->key->len, si,
		    sizeof si, sg, sizeof sg, f);
		if (st != SFP_OK)
			return st == SFP_E_ITEM ? sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "%s",
			    f->message) : st;
		(void)snprintf(line, sizeof line, "Content-Digest: %s\n", digest);
		if ((st = write_text(w, line, f)) != SFP_OK)
			return st;
		if ((st = write_text(w, "Signature-Input: ", f)) != SFP_OK ||
		    (st = write_text(w, si, f)) != SFP_OK ||
		    (st = write_text(w, "\nSignature: ", f)) != SFP_OK ||
		    (st = write_text(w, sg, f)) != SFP_OK)
			return st;
		return write_text(w, "\n", f);
	}
	sfp_sw_sign(k->key->bytes, k->key->len, id, ts, body, len, sig);
	if (o->headers) {
		(void)snprintf(line, sizeof line,
		    "webhook-id: %s\nwebhook-timestamp: %" PRId64 "\nwebhook-signature: %s\n", id, ts,
		    sig);
		return write_text(w, line, f);
	}
	if ((copy = malloc(len + 1)) == NULL)
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
	memcpy(copy, body, len);
	copy[len] = '\0';
	env = cJSON_CreateObject();
	if (env == NULL || cJSON_AddStringToObject(env, "tenant", t->name) == NULL ||
	    cJSON_AddStringToObject(env, "id", id) == NULL ||
	    cJSON_AddNumberToObject(env, "timestamp", (double)ts) == NULL ||
	    cJSON_AddStringToObject(env, "signature", sig) == NULL ||
	    cJSON_AddStringToObject(env, "body", copy) == NULL) {
		free(copy);
		cJSON_Delete(env);
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
	}
	free(copy);
	st = sfp_write_json(w, env, f);
	cJSON_Delete(env);
	return st;
}

enum sfp_status
sfp_hmac_sign_run(const struct sfp_hsign_opts *o, int in_fd, FILE *out, struct sfp_fail *f)
{
	struct sfp_keyring *kr = NULL;
	const struct sfp_tenant *t;
	const struct sfp_key *k;
	struct sfp_writer w;
	char *buf = NULL;
	size_t len = 0;
	int64_t ts = clock_now(o->timestamp);
	enum sfp_status st, worst = SFP_OK;

	sfp_writer_init(&w, out, "<stdout>", o->pretty);
	if (o->id != NULL && !sfp_sw_id_ok(o->id, strlen(o->id)))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, "--id",
		    "an id is 1 to %d printable characters without '.', space or quotes", SFP_SW_ID_MAX);
	if ((st = sfp_keyring_load(o->keyring, &kr, f)) != SFP_OK)
		return st;
	if ((t = sfp_keyring_tenant(kr, o->tenant)) == NULL) {
		st = sfp_fail_set(f, SFP_E_INPUT, "unknown-tenant", o->keyring,
		    "no tenant %s in the keyring", o->tenant);
		goto out;
	}
	if ((k = sfp_tenant_signing_key(t, ts)) == NULL) {
		st = sfp_fail_set(f, SFP_E_INPUT, "no-key", o->keyring,
		    "tenant %s has no key valid at %" PRId64, o->tenant, ts);
		goto out;
	}
	if (!o->lines) {
		if ((st = sfp_read_fd(in_fd, "<stdin>", BODY_MAX, &buf, &len, f)) != SFP_OK)
			goto out;
		if (!sfp_utf8_valid(buf, len)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "malformed", "<stdin>",
			    "body is not valid utf-8 without nul bytes");
			goto out;
		}
		st = sign_one(o, t, k, ts, buf, len, &w, f);
	} else {
		/* One line at a time, so a stream of any length runs in bounded memory. */
		int fd2 = dup(in_fd);
		FILE *in = fd2 == -1 ? NULL : fdopen(fd2, "r");
		size_t cap = 0;
		ssize_t n;
		unsigned long lineno = 0;

		if (in == NULL) {
			if (fd2 != -1)
				(void)close(fd2);
			st = sfp_fail_set(f, SFP_E_IO, "read", "<stdin>", "%s", strerror(errno));
			goto out;
		}
		while (st == SFP_OK && (n = getline(&buf, &cap, in)) != -1) {
			len = (size_t)n;
			lineno++;
			if (len > 0 && buf[len - 1] == '\n')
				len--;
			if (len == 0)
				continue;   /* empty lines carry nothing to sign */
			if (len > BODY_MAX || !sfp_utf8_valid(buf, len)) {
				st = sign_refusal(&w, buf, len, lineno, f);
				worst = SFP_E_ITEM;
			} else {
				st = sign_one(o, t, k, ts, buf, len, &w, f);
			}
		}
		if (st == SFP_OK && ferror(in))
			st = sfp_fail_set(f, SFP_E_IO, "read", "<stdin>", "%s", strerror(errno));
		(void)fclose(in);
	}
out:
	{
		struct sfp_fail f2;
		enum sfp_status st2 = sfp_writer_finish(&w, &f2);
		if (st == SFP_OK && st2 != SFP_OK) {
			*f = f2;
			st = st2;
		}
	}
	free(buf);
	sfp_keyring_free(kr);
	return st != SFP_OK ? st : worst;
}

/* ---- verifying ------------------------------------------------------------ */

struct item {
	cJSON *env;            /* the parsed envelope, or NULL */
	char *raw;             /* the raw bytes when it could not be parsed */
	size_t rawlen;
	const char *tenant;    /* borrowed from env when known */
	const char *id;
	int64_t ts;
	const char *body;
	size_t bodylen;
	struct sfp_rfc9421_sig *sig;   /* the parsed RFC 9421 signature (holds the nonce) */
	int pending;           /* verified, waiting for the replay store */
	struct sfp_fail why;   /* refusal, when why.status != SFP_OK */
};

struct vctx {
	const struct sfp_hverify_opts *o;
	struct sfp_keyring *kr;
	struct sfp_replay *rs;
	struct sfp_writer w;
	FILE *rej;
	struct sfp_writer rw;
	int64_t now;
	long tol;
	struct item *items;
	size_t n, cap;
	struct sfp_replay_key *keys;
	int *fresh;
	struct sfp_hverify_stats *stats;
	int raw_body_out;      /* headers mode: body bytes written unchanged */
};

static void refuse(struct item *it, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse(struct item *it, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(void)sfp_fail_set(&it->why, SFP_E_ITEM, code, NULL, "%s", msg);
}

/* Decide everything but the replay store for one envelope item. */
static void
check_item(struct vctx *c, struct item *it)
{
	const cJSON *m, *env = it->env;
	const char *sig = NULL;
	const struct sfp_tenant *t;
	int have = 0, ok = 0;
	size_t i;

	if (!cJSON_IsObject(env)) {
		refuse(it, "malformed", "%s", "an envelope is a json object");
		return;
	}
	cJSON_ArrayForEach(m, env) {
		const char *k = m->string;
		if (strcmp(k, "tenant") == 0 && cJSON_IsString(m)) {
			it->tenant = m->valuestring;
			have |= 1;
		} else if (strcmp(k, "id") == 0 && cJSON_IsString(m)) {
			it->id = m->valuestring;
			have |= 2;
		} else if (strcmp(k, "timestamp") == 0 && cJSON_IsNumber(m)) {
			double d = m->valuedouble;
			if (!(d >= 0 && d <= 9007199254740991.0 && (double)(int64_t)d == d)) {
				refuse(it, "malformed", "%s", "timestamp must be whole unix seconds");
				return;
			}
			it->ts = (int64_t)d;
			have |= 4;
		} else if (strcmp(k, "signature") == 0 && cJSON_IsString(m)) {
			sig = m->valuestring;
			have |= 8;
		} else if (strcmp(k, "body") == 0 && cJSON_IsString(m)) {
			it->body = m->valuestring;
			it->bodylen = strlen(m->valuestring);
			have |= 16;
		} else {
			refuse(it, "malformed", "member %s is unknown or of the wrong type",
			    strlen(k) < 40 ? k : "(long name)");
			return;
		}
	}
	if (have != 31) {
		refuse(it, "malformed", "%s",
		    "an envelope needs tenant, id, timestamp, signature and body");
		return;
	}
	if (!sfp_sw_id_ok(it->id, strlen(it->id))) {
		refuse(it, "malformed", "%s", "id must be printable ascii without '.', space or quotes");
		return;
	}
	if (!sfp_sw_sigs_wellformed(sig, strlen(sig))) {
		refuse(it, "malformed", "%s", "signature holds no v1,<base64 of 32 bytes> item");
		return;
	}
	if ((c->o->tenant != NULL && strcmp(c->o->tenant, it->tenant) != 0) ||
	    (t = sfp_keyring_tenant(c->kr, it->tenant)) == NULL) {
		refuse(it, "unknown-tenant", "tenant %s is not in the keyring",
		    strlen(it->tenant) <= SFP_TENANT_MAX && sfp_utf8_valid(it->tenant, strlen(it->tenant))
		    ? it->tenant : "(unprintable)");
		return;
	}
	if (c->now - it->ts > c->tol) {
		(void)sfp_fail_set(&it->why, SFP_E_ITEM, "stale", NULL,
		    "timestamp is %" PRId64 " s old, more than the %ld s tolerance", c->now - it->ts,
		    c->tol);
		return;
	}
	if (it->ts - c->now > c->tol) {
		(void)sfp_fail_set(&it->why, SFP_E_ITEM, "future", NULL,
		    "timestamp is %" PRId64 " s in the future, more than the %ld s tolerance",
		    it->ts - c->now, c->tol);
		return;
	}
	/* Every key of the claimed tenant valid at the message's time: rotation.
	 * Each MAC is compared in constant time; stopping at the first key that
	 * matches tells a timer only which of the tenant's keys signed. */
	for (i = 0; i < t->nkeys && !ok; i++)
		if (sfp_key_valid_at(&t->keys[i], it->ts))
			ok |= sfp_sw_verify(t->keys[i].key->bytes, t->keys[i].key->len, it->id, it->ts,
			    it->body, it->bodylen, sig, strlen(sig));
	if (!ok) {
		refuse(it, "bad-signature", "%s", "no signature matches a key of the tenant");
		return;
	}
	if (!c->o->envelope && !c->raw_body_out) {
		/* The default output is the body as one JSON Lines item. */
		cJSON *b;
		if (memchr(it->body, '\n', it->bodylen) != NULL ||
		    memchr(it->body, '\r', it->bodylen) != NULL ||
		    (b = cJSON_ParseWithLengthOpts(it->body, it->bodylen + 1, NULL, 1)) == NULL) {
			refuse(it, "malformed", "%s",
			    "signature verified but the body is not one line of json; use --envelope");
			return;
		}
		cJSON_Delete(b);
	}
	it->pending = 1;
}

static enum sfp_status
write_refusal(struct vctx *c, struct item *it, struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e, *in = NULL;
	enum sfp_status st;

	if (o == NULL)
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
	if (it->id != NULL)
		(void)cJSON_AddStringToObject(o, "id", it->id);
	else
		(void)cJSON_AddNullToObject(o, "id");
	if (it->tenant != NULL)
		(void)cJSON_AddStringToObject(o, "tenant", it->tenant);
	else
		(void)cJSON_AddNullToObject(o, "tenant");
	(void)cJSON_AddFalseToObject(o, "ok");
	if ((e = sfp_fail_to_json(&it->why)) != NULL)
		cJSON_AddItemToObject(o, "error", e);
	if (it->env != NULL) {
		in = cJSON_Duplicate(it->env, 1);
	} else if (it->raw != NULL && sfp_utf8_valid(it->raw, it->rawlen)) {
		char *s = malloc(it->rawlen + 1);
		if (s != NULL) {
			memcpy(s, it->raw, it->rawlen);
			s[it->rawlen] = '\0';
			in = cJSON_CreateString(s);
			free(s);
		}
	}
	if (in == NULL)
		in = cJSON_CreateNull();
	if (in != NULL)
		cJSON_AddItemToObject(o, "input", in);
	st = sfp_write_json(&c->w, o, f);
	if (st == SFP_OK && c->rej != NULL)
		st = sfp_write_json(&c->rw, o, f);
	cJSON_Delete(o);
	return st;
}

static enum sfp_status
write_accepted(struct vctx *c, struct item *it, struct sfp_fail *f)
{
	enum sfp_status st;

	if (c->o->envelope) {
		if (c->raw_body_out) {
			/* headers mode: build the envelope from what was verified */
			cJSON *o = cJSON_CreateObject();
			char *s = malloc(it->bodylen + 1);
			if (o == NULL || s == NULL) {
				free(s);
				cJSON_Delete(o);
				return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
			}
			memcpy(s, it->body, it->bodylen);
			s[it->bodylen] = '\0';
			(void)cJSON_AddStringToObject(o, "tenant", it->tenant);
			(void)cJSON_AddStringToObject(o, "id", it->id);
			(void)cJSON_AddNumberToObject(o, "timestamp", (double)it->ts);
			(void)cJSON_AddStringToObject(o, "body", s);
			free(s);
			st = sfp_write_json(&c->w, o, f);
			cJSON_Delete(o);
			return st;
		}
		return sfp_write_json(&c->w, it->env, f);
	}
	if (c->raw_body_out)
		return sfp_write_raw(&c->w, it->body, it->bodylen, f);
	if ((st = sfp_write_raw(&c->w, it->body, it->bodylen, f)) != SFP_OK)
		return st;
	return sfp_write_raw(&c->w, "\n", 1, f);
}

static void
item_free(struct item *it)
{
	cJSON_Delete(it->env);
	free(it->raw);
	free(it->sig);
	memset(it, 0, sizeof *it);
}

/* Record the batch's verified ids, then write every item of it in order. */
static enum sfp_status
flush(struct vctx *c, struct sfp_fail *f)
{
	size_t i, k = 0;
	enum sfp_status st = SFP_OK;

	for (i = 0; i < c->n; i++)
		if (c->items[i].pending) {
			c->keys[k].tenant = c->items[i].tenant;
			c->keys[k].id = c->items[i].id;
			c->keys[k].expires = c->items[i].ts + c->tol;
			k++;
		}
	if (k > 0) {
		st = sfp_replay_claim(c->rs, c->keys, k, c->fresh, c->now, f);
		if (st != SFP_OK)
			goto out;   /* nothing of this batch is written as accepted */
	}
	k = 0;
	for (i = 0; i < c->n && st == SFP_OK; i++) {
		struct item *it = &c->items[i];
		if (it->pending && !c->fresh[k++]) {
			it->pending = 0;
			refuse(it, "replayed", "%s", "id already accepted for this tenant within the window");
		}
		if (it->pending) {
			st = write_accepted(c, it, f);
			c->stats->accepted++;
		} else {
			st = write_refusal(c, it, f);
			c->stats->refused++;
		}
	}
	/* The ids are recorded: hand the messages to the kernel now, not when
	 * stdio's buffer fills, so a process killed after this batch cannot take
	 * accepted messages with it.  What remains is the time of the write
	 * itself (see hmac-verify(1), CAVEATS). */
	if (st == SFP_OK && fflush(c->w.fp) != 0)
		st = sfp_fail_set(f, SFP_E_IO, "write", c->w.name, "%s", strerror(errno));
	if (st == SFP_OK && c->rej != NULL && fflush(c->rej) != 0)
		st = sfp_fail_set(f, SFP_E_IO, "write", c->rw.name, "%s", strerror(errno));
out:
	for (i = 0; i < c->n; i++)
		item_free(&c->items[i]);
	c->n = 0;
	return st;
}

/* Nothing more is waiting on fd right now: better to commit than to wait. */
static int
input_idle(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

/*
 * Reading and parsing the stream (the reader's strict checks and cJSON) is most
 * of the work, so it runs in a thread of its own and hands records over a
 * bounded queue; the calling thread checks signatures, commits ids and writes,
 * in input order.  Memory stays bounded by the queue and the batch.
 */
#define QCAP 4096

struct rec {
	enum sfp_status st;    /* SFP_OK: v (NULL at the end); SFP_E_ITEM: raw; else fatal */
	cJSON *v;
	char *raw;
	size_t rawlen;
	struct sfp_fail *f;    /* only when st is not SFP_OK (kept small: copied twice) */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct rec *r;
	size_t head, len;      /* ring of QCAP records */
	int stop;              /* the consumer gave up: the producer ends */
	int cwait, pwait;      /* someone sleeps on nonempty / nonfull: signal only then */
	int finished;          /* the producer returned */
	pthread_cond_t fin;
	struct sfp_reader *reader;
};

static void
queue_free(struct queue *q)
{
	while (q->len > 0) {
		cJSON_Delete(q->r[q->head].v);
		free(q->r[q->head].raw);
		free(q->r[q->head].f);
		q->head = (q->head + 1) % QCAP;
		q->len--;
	}
	(void)pthread_mutex_destroy(&q->mu);
	(void)pthread_cond_destroy(&q->nonempty);
	(void)pthread_cond_destroy(&q->nonfull);
	(void)pthread_cond_destroy(&q->fin);
	sfp_reader_free(q->reader);
	free(q->r);
	free(q);
}

static void *
produce(void *arg)
{
	struct queue *q = arg;
	int done = 0;

	while (!done) {
		struct rec rec;
		struct sfp_fail rf;

		memset(&rec, 0, sizeof rec);
		rec.st = sfp_reader_next(q->reader, &rec.v, &rf);
		if (rec.st != SFP_OK && (rec.f = malloc(sizeof rf)) != NULL)
			*rec.f = rf;
		if (rec.st == SFP_E_ITEM) {
			size_t len;
			const char *raw = sfp_reader_raw(q->reader, &len);
			if ((rec.raw = malloc(len + 1)) != NULL) {
				memcpy(rec.raw, raw, len);
				rec.rawlen = len;
			}
		} else if (rec.st != SFP_OK || rec.v == NULL) {
			done = 1;
		}
		(void)pthread_mutex_lock(&q->mu);
		while (q->len == QCAP && !q->stop) {
			q->pwait = 1;
			(void)pthread_cond_wait(&q->nonfull, &q->mu);
			q->pwait = 0;
		}
		if (q->stop) {
			(void)pthread_mutex_unlock(&q->mu);
			cJSON_Delete(rec.v);
			free(rec.raw);
			free(rec.f);
			break;
		}
		q->r[(q->head + q->len) % QCAP] = rec;
		q->len++;
		if (q->cwait)
			(void)pthread_cond_signal(&q->nonempty);
		(void)pthread_mutex_unlock(&q->mu);
	}
	(void)pthread_mutex_lock(&q->mu);
	q->finished = 1;
	(void)pthread_cond_signal(&q->fin);
	(void)pthread_mutex_unlock(&q->mu);
	return NULL;
}

static enum sfp_status
verify_stream(struct vctx *c, int in_fd, struct sfp_fail *f)
{
	struct queue *qp = calloc(1, sizeof *qp);
	pthread_t th;
	enum sfp_status st = SFP_OK;
	int fatal = 0, ended = 0;

	if (qp == NULL)
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
#define q (*qp)
	(void)pthread_mutex_init(&q.mu, NULL);
	(void)pthread_cond_init(&q.nonempty, NULL);
	(void)pthread_cond_init(&q.nonfull, NULL);
	(void)pthread_cond_init(&q.fin, NULL);
	q.reader = sfp_reader_new(in_fd, "<stdin>", NULL);
	q.r = calloc(QCAP, sizeof *q.r);
	if (q.reader == NULL || q.r == NULL) {
		queue_free(qp);
		return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
	}
	if (pthread_create(&th, NULL, produce, qp) != 0) {
		queue_free(qp);
		return sfp_fail_set(f, SFP_E_INTERNAL, "thread", NULL, "cannot start the reader thread");
	}
	struct rec got[64];
	size_t ngot = 0, gi = 0;

	while (!ended && !fatal) {
		struct rec rec;
		struct item *it = &c->items[c->n];

		if (gi == ngot) {
			/* Take what the reader has parsed, up to 64 at a time. */
			(void)pthread_mutex_lock(&q.mu);
			if (q.len == 0 && c->n > 0 && input_idle(in_fd)) {
				/* Nothing parsed and nothing waiting on the input: commit
				 * rather than hold messages while the writer is quiet. */
				(void)pthread_mutex_unlock(&q.mu);
				if ((st = flush(c, f)) != SFP_OK)
					fatal = 1;
				continue;
			}
			while (q.len == 0) {
				q.cwait = 1;
				(void)pthread_cond_wait(&q.nonempty, &q.mu);
				q.cwait = 0;
			}
			for (ngot = 0; ngot < 64 && q.len > 0; ngot++) {
				got[ngot] = q.r[q.head];
				q.head = (q.head + 1) % QCAP;
				q.len--;
			}
			gi = 0;
			if (q.pwait)
				(void)pthread_cond_signal(&q.nonfull);
			(void)pthread_mutex_unlock(&q.mu);
		}
		rec = got[gi++];

		memset(it, 0, sizeof *it);
		if (rec.st == SFP_OK && rec.v == NULL) {
			ended = 1;
			break;
		}
		if (rec.st == SFP_OK) {
			it->env = rec.v;
			check_item(c, it);
		} else if (rec.st == SFP_E_ITEM) {
			if (rec.f != NULL)
				it->why = *rec.f;
			else
				(void)sfp_fail_set(&it->why, SFP_E_ITEM, NULL, NULL, "unreadable item");
			(void)snprintf(it->why.code, sizeof it->why.code, "malformed");
			free(rec.f);
			it->raw = rec.raw;
			it->rawlen = rec.rawlen;
		} else {
			/* the stream cannot be read on: commit what came before it */
			if (rec.f != NULL)
				*f = *rec.f;
			else
				(void)sfp_fail_set(f, rec.st, NULL, "<stdin>", "read failed");
			free(rec.f);
			st = rec.st;
			ended = 1;
			break;
		}
		c->n++;
		if (c->n == c->cap && (st = flush(c, f)) != SFP_OK)
			fatal = 1;
	}
	for (; gi < ngot; gi++) {   /* taken but not used: a fatal stop */
		cJSON_Delete(got[gi].v);
		free(got[gi].raw);
		free(got[gi].f);
	}
	if (!fatal) {
		struct sfp_fail f2;
		enum sfp_status st2 = flush(c, &f2);
		if (st2 != SFP_OK) {
			*f = f2;
			st = st2;
			fatal = !ended;
		}
	} else {
		size_t i;
		for (i = 0; i < c->n; i++)
			item_free(&c->items[i]);
		c->n = 0;
	}
	if (!ended) {
		/*
		 * Stop the producer.  It may sit in read(2) on a quiet pipe, where
		 * nothing can wake it portably (pthread_cancel upsets sanitizers and
		 * leaves the reader half-updated).  Give it a moment; if it is still
		 * blocked, leave it detached with the queue it uses: this is a fatal
		 * path and the caller is about to exit.
		 */
		struct timespec until;
		int left;
		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_mutex_lock(&q.mu);
		q.stop = 1;
		(void)pthread_cond_signal(&q.nonfull);
		while (!q.finished && pthread_cond_timedwait(&q.fin, &q.mu, &until) == 0)
			;
		left = !q.finished;
		(void)pthread_mutex_unlock(&q.mu);
		if (left) {
			(void)pthread_detach(th);
			return st;
		}
	}
	(void)pthread_join(th, NULL);
	queue_free(qp);
	return st;
#undef q
}

/* ---- one request given as headers ----------------------------------------- */

struct hdrs {
	struct sfp_http_field f[32];
	size_t n;
	char *text;
};

static enum sfp_status
read_headers(const char *path, struct hdrs *h, struct sfp_fail *f)
{
	size_t len, i = 0;
	enum sfp_status st;

	if ((st = sfp_read_file(path, HEADERS_MAX, &h->text, &len, f)) != SFP_OK)
		return st;
	while (i < len) {
		char *line = h->text + i, *nl = memchr(line, '\n', len - i), *colon;
		size_t n = nl != NULL ? (size_t)(nl - line) : len - i;
		i += n + 1;
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line || h->n == 32)
			return sfp_fail_set(f, SFP_E_INPUT, "malformed", path,
			    "want header lines 'name: value' (at most 32)");
		*colon = '\0';
		h->f[h->n].name = line;
		h->f[h->n].value = colon + 1 + strspn(colon + 1, " \t");
		h->n++;
	}
	return SFP_OK;
}

static const char *
header(const struct hdrs *h, const char *name, int *count)
{
	const char *v = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->f[i].name, name) == 0) {
			v = h->f[i].value;
			(*count)++;
		}
	return v;
}

/* The sha-256 member of a Content-Digest value equals the body's digest. */
static int
digest_matches(const char *field, const char *body, size_t len)
{
	char want[SFP_DIGEST_CHARS];
	const char *p = field;
	size_t wl;

	sfp_content_digest(body, len, want);
	wl = strlen(want);
	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (strncmp(p, want, wl) == 0 && (p[wl] == '\0' || p[wl] == ',' || p[wl] == ' ' ||
		    p[wl] == '\t' || p[wl] == ';'))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

static void
check_rfc9421(struct vctx *c, const struct hdrs *h, struct item *it, struct sfp_fail *f)
{
	const struct sfp_tenant *t = sfp_keyring_tenant(c->kr, c->o->tenant);
	struct sfp_rfc9421_sig *s = calloc(1, sizeof *s);
	struct sfp_signed_req req = { c->o->method, c->o->url, h->f, h->n };
	const char *si, *sg, *cd;
	int n1, n2, n3, tried = 0, ok = 0;
	size_t i, k, j;
	struct sfp_fail vf;

	(void)f;
	it->tenant = c->o->tenant;
	si = header(h, "signature-input", &n1);
	sg = header(h, "signature", &n2);
	cd = header(h, "content-digest", &n3);
	if (s == NULL) {
		refuse(it, "malformed", "%s", "out of memory");
		return;
	}
	if (t == NULL) {
		refuse(it, "unknown-tenant", "tenant %s is not in the keyring", c->o->tenant);
		goto out;
	}
	if (n1 != 1 || n2 != 1 || n3 != 1) {
		refuse(it, "malformed", "%s",
		    "want exactly one signature-input, signature and content-digest header");
		goto out;
	}
	if (sfp_rfc9421_parse(si, sg, NULL, s, &it->why) != SFP_OK)
		goto out;
	/* Our profile: method, target URI and body must all be covered. */
	{
		static const char *need[] = { "@method", "@target-uri", "content-digest" };
		for (k = 0; k < 3; k++) {
			for (j = 0; j < s->ncomponents && strcmp(s->components[j], need[k]) != 0; j++)
				;
			if (j == s->ncomponents) {
				refuse(it, "malformed", "signature does not cover %s", need[k]);
				goto out;
			}
		}
	}
	if (s->created < 0 || s->nonce[0] == '\0') {
		refuse(it, "malformed", "%s", "signature needs created and a nonce");
		goto out;
	}
	it->ts = s->created;
	it->id = s->nonce;   /* kept alive: s is freed only after the flush */
	if (c->now - it->ts > c->tol || (s->expires >= 0 && s->expires < c->now)) {
		refuse(it, "stale", "%s", "signature created too long ago or expired");
		goto out;
	}
	if (it->ts - c->now > c->tol) {
		refuse(it, "future", "%s", "signature created in the future beyond the tolerance");
		goto out;
	}
	for (i = 0; i < t->nkeys; i++) {
		if (!sfp_key_valid_at(&t->keys[i], it->ts))
			continue;
		if (s->keyid[0] != '\0' && strcmp(s->keyid, t->keys[i].id) != 0)
			continue;
		tried = 1;
		if (sfp_rfc9421_verify(s, &req, t->keys[i].key->bytes, t->keys[i].key->len, &vf) ==
		    SFP_OK)
			ok = 1;
		else if (strcmp(vf.code, "malformed") == 0) {
			it->why = vf;
			goto out;
		}
	}
	if (!tried || !ok) {
		refuse(it, "bad-signature", "%s", tried ? "signature does not match the key" :
		    "no key of the tenant has that keyid at that time");
		goto out;
	}
	/* The signature covers the digest field; the field must cover the body. */
	if (!digest_matches(cd, it->body, it->bodylen)) {
		refuse(it, "bad-signature", "%s", "content-digest does not match the body");
		goto out;
	}
	it->pending = 1;
out:
	it->sig = s;   /* the nonce (it->id) lives in s until the item is freed */
}

static enum sfp_status
verify_request(struct vctx *c, int in_fd, struct sfp_fail *f)
{
	struct hdrs h;
	char *body = NULL;
	size_t len = 0;
	struct item *it = &c->items[0];
	enum sfp_status st;
	int n1, n2, n3;

	memset(&h, 0, sizeof h);
	memset(it, 0, sizeof *it);
	if ((st = read_headers(c->o->headers, &h, f)) != SFP_OK)
		goto out;
	if ((st = sfp_read_fd(in_fd, "<stdin>", BODY_MAX, &body, &len, f)) != SFP_OK)
		goto out;
	it->body = body;
	it->bodylen = len;
	c->raw_body_out = 1;
	if (c->o->rfc9421) {
		/* Kept as the refusal's "input": the headers and, when it fits in
		 * JSON, the body (write_accepted never reads env in this mode). */
		cJSON *in = cJSON_CreateObject(), *hd = cJSON_AddObjectToObject(in, "headers");
		size_t i;
		for (i = 0; hd != NULL && i < h.n; i++)
			if (cJSON_GetObjectItemCaseSensitive(hd, h.f[i].name) == NULL &&
			    sfp_utf8_valid(h.f[i].name, strlen(h.f[i].name)) &&
			    sfp_utf8_valid(h.f[i].value, strlen(h.f[i].value)))
				(void)cJSON_AddStringToObject(hd, h.f[i].name, h.f[i].value);
		if (in != NULL && sfp_utf8_valid(body, len)) {
			char *copy = malloc(len + 1);
			if (copy != NULL) {
				memcpy(copy, body, len);
				copy[len] = '\0';
				(void)cJSON_AddStringToObject(in, "body", copy);
				free(copy);
			}
		}
		it->env = in;
		check_rfc9421(c, &h, it, f);
	} else {
		const char *id = header(&h, "webhook-id", &n1);
		const char *ts = header(&h, "webhook-timestamp", &n2);
		const char *sig = header(&h, "webhook-signature", &n3);
		cJSON *env = cJSON_CreateObject();
		char *copy = malloc(len + 1);
		int64_t tsv = 0;

		if (env == NULL || copy == NULL) {
			free(copy);
			cJSON_Delete(env);
			st = sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
			goto out;
		}
		memcpy(copy, body, len);
		copy[len] = '\0';
		if (n1 != 1 || n2 != 1 || n3 != 1 || !sfp_sw_ts_parse(ts, strlen(ts), &tsv) ||
		    !sfp_utf8_valid(body, len)) {
			cJSON_Delete(env);
			free(copy);
			it->tenant = c->o->tenant;
			refuse(it, "malformed", "%s", n1 != 1 || n2 != 1 || n3 != 1 ?
			    "want exactly one webhook-id, webhook-timestamp and webhook-signature" :
			    !sfp_utf8_valid(body, len) ? "body is not valid utf-8 without nul bytes" :
			    "webhook-timestamp is not unix seconds");
		} else {
			(void)cJSON_AddStringToObject(env, "tenant", c->o->tenant);
			(void)cJSON_AddStringToObject(env, "id", id);
			(void)cJSON_AddNumberToObject(env, "timestamp", (double)tsv);
			(void)cJSON_AddStringToObject(env, "signature", sig);
			(void)cJSON_AddStringToObject(env, "body", copy);
			free(copy);
			it->env = env;
			check_item(c, it);
			/* keep the body bytes exact (the env copy stops at a NUL) */
			it->body = body;
			it->bodylen = len;
		}
	}
	c->n = 1;
	st = flush(c, f);
out:
	free(body);
	free(h.text);
	return st;
}

enum sfp_status
sfp_hmac_verify_run(const struct sfp_hverify_opts *o, int in_fd, FILE *out,
    struct sfp_hverify_stats *stats, struct sfp_fail *f)
{
	struct vctx c;
	enum sfp_status st;
	struct sfp_hverify_stats dummy;
	size_t refused0;

	memset(&c, 0, sizeof c);
	memset(&dummy, 0, sizeof dummy);
	c.o = o;
	c.stats = stats != NULL ? stats : &dummy;
	refused0 = c.stats->refused;   /* stats may carry counts from earlier runs */
	c.now = clock_now(o->now);
	c.tol = o->tolerance > 0 ? o->tolerance : SFP_SW_TOLERANCE;
	c.cap = o->batch > 0 ? o->batch : 4096;
	sfp_writer_init(&c.w, out, "<stdout>", o->pretty);
	if (o->headers != NULL && o->tenant == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--headers needs --tenant");
	c.items = calloc(c.cap, sizeof *c.items);
	c.keys = calloc(c.cap, sizeof *c.keys);
	c.fresh = calloc(c.cap, sizeof *c.fresh);
	if (c.items == NULL || c.keys == NULL || c.fresh == NULL) {
		st = sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
		goto out;
	}
	if ((st = sfp_keyring_load(o->keyring, &c.kr, f)) != SFP_OK)
		goto out;
	if ((st = sfp_replay_open(o->replay_store, c.now, &c.rs, f)) != SFP_OK)
		goto out;
	if (o->rejects != NULL) {
		int fd = open(o->rejects, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1 || (c.rej = fdopen(fd, "a")) == NULL) {
			st = sfp_fail_set(f, SFP_E_IO, "rejects", o->rejects, "%s", strerror(errno));
			if (fd != -1)
				(void)close(fd);
			goto out;
		}
		sfp_writer_init(&c.rw, c.rej, o->rejects, 0);
	}
	if (o->headers != NULL)
		st = verify_request(&c, in_fd, f);
	else
		st = verify_stream(&c, in_fd, f);
out:
	{
		struct sfp_fail f2;
		enum sfp_status st2 = sfp_writer_finish(&c.w, &f2);
		if (st == SFP_OK && st2 != SFP_OK) {
			*f = f2;
			st = st2;
		}
		if (c.rej != NULL) {
			st2 = sfp_writer_finish(&c.rw, &f2);
			if (fclose(c.rej) != 0 && st2 == SFP_OK)
				st2 = sfp_fail_set(&f2, SFP_E_IO, "rejects", o->rejects, "%s",
				    strerror(errno));
			if (st == SFP_OK && st2 != SFP_OK) {
				*f = f2;
				st = st2;
			}
		}
	}
	sfp_replay_close(c.rs);
	sfp_keyring_free(c.kr);
	free(c.items);
	free(c.keys);
	free(c.fresh);
	if (st == SFP_OK && c.stats->refused > refused0)
		return SFP_E_ITEM;
	return st;
}
