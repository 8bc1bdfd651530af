/* SPDX-License-Identifier: ISC */
/* envelope_stream: hmac-verify over a stream: a reader thread parses, the caller checks and commits. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "envelope_int.h"


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
 * in input order.  Memory stays bounded by the queue and the batch, each by
 * a count and by bytes: a spool of 1 MB envelopes read from a regular file
 * (where poll never reports the input idle, so nothing else ends a batch)
 * once filled a 4096-item batch and grew past a gigabyte.
 */
#define QCAP 4096
#define QUEUE_BYTES (8u * 1024u * 1024u)   /* parsed input waiting for the checks */
#define BATCH_BYTES (8u * 1024u * 1024u)   /* input held by one uncommitted batch */

struct rec {
	enum sfp_status st;    /* SFP_OK: v (NULL at the end); SFP_E_ITEM: raw; else fatal */
	cJSON *v;
	char *raw;
	size_t rawlen;
	size_t size;           /* bytes of input it stands for */
	struct sfp_fail *f;    /* only when st is not SFP_OK (kept small: copied twice) */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct rec *r;
	size_t head, len;      /* ring of QCAP records */
	size_t bytes;          /* sum of their sizes */
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
		(void)sfp_reader_raw(q->reader, &rec.size);
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
		while ((q->len == QCAP || (q->len > 0 && q->bytes + rec.size > QUEUE_BYTES)) &&
		    !q->stop) {
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
		q->bytes += rec.size;
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

enum sfp_status
sfp_env_verify_stream(struct vctx *c, int in_fd, struct sfp_fail *f)
{
	struct queue *qp = calloc(1, sizeof *qp);
	pthread_t th;
	enum sfp_status st = SFP_OK;
	int fatal = 0, ended = 0;

	if (qp == NULL)
		return sfp_fail_oom(f, NULL);
#define q (*qp)
	(void)pthread_mutex_init(&q.mu, NULL);
	(void)pthread_cond_init(&q.nonempty, NULL);
	(void)pthread_cond_init(&q.nonfull, NULL);
	(void)pthread_cond_init(&q.fin, NULL);
	q.reader = sfp_reader_new(in_fd, "<stdin>", NULL);
	q.r = calloc(QCAP, sizeof *q.r);
	if (q.reader == NULL || q.r == NULL) {
		queue_free(qp);
		return sfp_fail_oom(f, NULL);
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
				if ((st = sfp_env_flush(c, f)) != SFP_OK)
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
				q.bytes -= got[ngot].size;
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
			/* The clock is read per message: a verifier left running on a
			 * FIFO must judge each message by the time it arrives. */
			c->now = sfp_envelope_now(c->o->now);
			it->env = rec.v;
			sfp_env_check_item(c, it);
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
		c->held += rec.size;
		if ((c->n == c->cap || c->held >= BATCH_BYTES) && (st = sfp_env_flush(c, f)) != SFP_OK)
			fatal = 1;
	}
	for (; gi < ngot; gi++) {   /* taken but not used: a fatal stop */
		cJSON_Delete(got[gi].v);
		free(got[gi].raw);
		free(got[gi].f);
	}
	if (!fatal) {
		struct sfp_fail f2;
		enum sfp_status st2 = sfp_env_flush(c, &f2);
		if (st2 != SFP_OK) {
			*f = f2;
			st = st2;
			fatal = !ended;
		}
	} else {
		size_t i;
		for (i = 0; i < c->n; i++)
			sfp_env_item_free(&c->items[i]);
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
