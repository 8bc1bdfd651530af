/* SPDX-License-Identifier: ISC */
/* create_send: sf-create's sending: rounds of graph requests (and bulk jobs) until a window is done. */
#include "compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "create_run.h"
#include "http.h"
#include "plan.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void transient(struct run *R, struct item *it, const struct sfp_fail *e, int *again)
{
	int max = R->o->max_attempts > 0 ? R->o->max_attempts : 8;

	it->last = *e;
	if (++it->attempts >= max) {
		struct sfp_fail g = *e;

		g.status = SFP_E_TEMP;
		sfp_run_plan_failed(R, it, &g);
		return;
	}
	R->st->resent++;
	*again = 1;
}

/* One whole request came back without a graph response. */
static void request_failed(struct run *R, struct item **its, size_t n, enum sfp_status st,
    struct sfp_fail *e, const struct sfp_sf_resp *resp, int *again)
{
	size_t i;

	if (resp && resp->json && e->code[0] == '\0')
		sfp_graph_fail_from(resp->json, resp->status, e);
	if (!strcmp(e->code, "OUTCOME_UNKNOWN") || !strcmp(e->code, "TIMEOUT")) {
		for (i = 0; i < n; i++) {
			if (sfp_plan_resend_safe(its[i]->plan)) {
				transient(R, its[i], e, again);
			} else {
				struct sfp_fail u;

				sfp_fail_set(&u, SFP_E_ITEM, "OUTCOME_UNKNOWN", NULL,
				    "the connection broke after the request was sent: the records "
				    "may or may not exist; check before sending this plan again");
				sfp_run_plan_failed(R, its[i], &u);
			}
		}
		return;
	}
	if (!strcmp(e->code, "REQUEST_LIMIT_EXCEEDED") &&
	    sfp_graph_is_daily_limit(e->code, e->message)) {
		struct sfp_fail d = *e;

		snprintf(d.message, sizeof d.message, "the org's daily api limit is reached "
		    "(REQUEST_LIMIT_EXCEEDED: %.400s)", e->message);
		sfp_run_stop(R, SFP_E_TEMP, &d);
		return;
	}
	if (st == SFP_E_AUTH || st == SFP_E_INTERNAL || st == SFP_E_IO || st == SFP_E_INPUT) {
		sfp_run_stop(R, st, e);
		return;
	}
	if (st == SFP_E_TEMP) {
		for (i = 0; i < n; i++)
			transient(R, its[i], e, again);
		return;
	}
	/* Refused as a whole (SFP_E_ITEM): isolate each plan before blaming one. */
	for (i = 0; i < n; i++) {
		if (n > 1) {
			its[i]->solo = 1;
			R->st->resent++;
			*again = 1;
		} else {
			sfp_run_plan_failed(R, its[i], e);
		}
	}
}

static enum sfp_status write_request(struct run *R, const cJSON *body, struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject();
	char path[128];
	enum sfp_status st;

	snprintf(path, sizeof path, "%s/composite/graph", R->data_path);
	if (!o || !cJSON_AddStringToObject(o, "method", "POST") ||
	    !cJSON_AddStringToObject(o, "path", path) ||
	    !cJSON_AddItemToObject(o, "body", cJSON_Duplicate(body, 1))) {
		cJSON_Delete(o);
		return sfp_fail_oom(f, NULL);
	}
	st = sfp_write_json(R->out, o, f);
	cJSON_Delete(o);
	return st;
}

static void budget_check(struct run *R, size_t *nreq)
{
	long used, max, allowed;

	if (R->o->max_api_usage <= 0 || !R->sf)
		return;
	sfp_sf_usage(R->sf, &used, &max);
	if (used < 0 || max <= 0) {
		if (*nreq > 1)
			*nreq = 1;   /* learn the usage from one response first */
		return;
	}
	allowed = max * R->o->max_api_usage / 100 - used;
	if (allowed <= 0) {
		struct sfp_fail e;

		sfp_fail_set(&e, SFP_E_TEMP, "API_BUDGET", NULL,
		    "api usage %ld/%ld reached --max-api-usage %d%% (API_BUDGET)", used, max,
		    R->o->max_api_usage);
		sfp_run_stop(R, SFP_E_TEMP, &e);
		*nreq = 0;
	} else if ((long)*nreq > allowed) {
		*nreq = (size_t)allowed;
	}
}

/* One round: pack the pending plans, send, sort out what came back. */
static enum sfp_status round_once(struct run *R, struct item **pend, size_t np, struct sfp_fail *f)
{
	const cJSON **plans = calloc(np, sizeof *plans);
	size_t *req_of = calloc(np, sizeof *req_of), *graph_of = calloc(np, sizeof *graph_of);
	size_t *num = calloc(np, sizeof *num), *start = calloc(np + 1, sizeof *start);
	unsigned char *solo = calloc(np, 1);
	struct sfp_sf_req *reqs = NULL;
	struct sfp_sf_resp *resps = NULL;
	struct sfp_fail *fails = NULL, *pf = NULL;
	enum sfp_status *sts = NULL, ret = SFP_OK;
	char **texts = NULL;
	cJSON **records = NULL;
	enum sfp_outcome *outc = NULL;
	size_t i, r, nreq = 0;
	int again = 0;

	if (!plans || !req_of || !graph_of || !num || !start || !solo)
		goto oom;
	for (i = 0; i < np; i++) {
		plans[i] = pend[i]->plan;
		solo[i] = pend[i]->solo;
		num[i] = pend[i]->num;
	}
	sfp_plan_pack(plans, solo, np, req_of, graph_of, &nreq);
	for (i = 0, r = 0; i < np; i++)
		while (r <= req_of[i])
			start[r++] = i;
	start[nreq] = np;
	budget_check(R, &nreq);
	if (nreq == 0)
		goto out;
	reqs = calloc(nreq, sizeof *reqs);
	resps = calloc(nreq, sizeof *resps);
	fails = calloc(nreq, sizeof *fails);
	sts = calloc(nreq, sizeof *sts);
	texts = calloc(nreq, sizeof *texts);
	records = calloc(np, sizeof *records);
	outc = calloc(np, sizeof *outc);
	pf = calloc(np, sizeof *pf);
	if (!reqs || !resps || !fails || !sts || !texts || !records || !outc || !pf)
		goto oom;
	for (r = 0; r < nreq; r++) {
		size_t s = start[r], e = start[r + 1];
		cJSON *body = sfp_graph_body(R->data_path, plans + s, num + s, graph_of + s, e - s);
		int idem = 1;

		if (!body)
			goto oom;
		if (R->o->dry_run) {
			ret = write_request(R, body, f);
			cJSON_Delete(body);
			for (i = s; i < e; i++)
				pend[i]->done = 1;
			if (ret != SFP_OK)
				goto out;
			continue;
		}
		texts[r] = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
		if (!texts[r])
			goto oom;
		for (i = s; i < e; i++)
			idem &= sfp_plan_resend_safe(plans[i]);
		reqs[r] = (struct sfp_sf_req){ .method = "POST", .path = "composite/graph",
		    .body = texts[r], .idempotent = idem ? 1 : -1 };
		sfp_sf_resp_init(&resps[r]);
	}
	if (R->o->dry_run) {
		R->st->requests += nreq;
		goto out;
	}
	ret = sfp_sf_request_many(R->sf, reqs, resps, fails, sts, nreq,
	    R->o->jobs ? R->o->jobs : 4);
	if (ret != SFP_OK) {
		sfp_run_stop(R, ret, &fails[0]);
		if (!R->stop.message[0])
			sfp_fail_set(&R->stop, ret, "batch", NULL, "the requests could not be sent");
		ret = SFP_OK;
		goto out;
	}
	R->st->requests += nreq;
	for (r = 0; r < nreq; r++) {
		size_t s = start[r], e = start[r + 1];

		if (sts[r] == SFP_OK && resps[r].json &&
		    sfp_graph_read(resps[r].json, plans + s, num + s, e - s, outc + s, records + s,
		    pf + s) == SFP_OK) {
			for (i = s; i < e; i++) {
				switch (outc[i]) {
				case SFP_OUT_OK:
					sfp_run_plan_ok(R, pend[i], records[i]);
					records[i] = NULL;
					break;
				case SFP_OUT_FAILED:
					sfp_run_plan_failed(R, pend[i], &pf[i]);
					break;
				case SFP_OUT_RESEND:
					R->st->resent++;
					break;
				case SFP_OUT_TRANSIENT:
					transient(R, pend[i], &pf[i], &again);
					break;
				}
			}
			continue;
		}
		if (sts[r] == SFP_OK)
			sfp_fail_set(&fails[r], SFP_E_ITEM, "bad-response", NULL,
			    "salesforce answered http %ld without a graph response", resps[r].status);
		request_failed(R, pend + s, e - s, sts[r], &fails[r], &resps[r], &again);
	}
out:
	R->st->rounds++;
	if (again && !R->stopped) {
		R->transient_rounds++;
		sleep_ms(sfp_http_backoff_ms((int)R->transient_rounds,
		    R->o->backoff_base_ms > 0 ? R->o->backoff_base_ms : 200,
		    R->o->backoff_max_ms > 0 ? R->o->backoff_max_ms : 5000, -1));
	}
	if (reqs)
		for (r = 0; r < nreq; r++) {
			if (!R->o->dry_run)
				sfp_sf_resp_fini(&resps[r]);
			free(texts[r]);
		}
	if (records)
		for (i = 0; i < np; i++)
			cJSON_Delete(records[i]);
	free(plans); free(req_of); free(graph_of); free(num); free(start); free(solo);
	free(reqs); free(resps); free(fails); free(sts); free(texts); free(records);
	free(outc); free(pf);
	return ret;
oom:
	ret = sfp_fail_oom(f, NULL);
	goto out;
}

/* Plans of one record go through Bulk API 2.0, a job per sObject and key;
 * what a job leaves undone safely (nothing applied, or upserts) is left
 * pending for the graph rounds. */
static void bulk_pass(struct run *R, struct item **all, size_t n)
{
	const cJSON **plans = calloc(n ? n : 1, sizeof *plans);
	struct item **its = calloc(n ? n : 1, sizeof *its);
	unsigned char *taken = calloc(n ? n : 1, 1);
	enum sfp_outcome *out = calloc(n ? n : 1, sizeof *out);
	cJSON **records = calloc(n ? n : 1, sizeof *records);
	struct sfp_fail *fails = calloc(n ? n : 1, sizeof *fails), jf;
	size_t i, k, m;

	if (!plans || !its || !taken || !out || !records || !fails)
		goto done;
	for (i = 0; i < n && !R->stopped; i++) {
		int applied = 0;
		unsigned long calls = 0;
		enum sfp_status st;

		if (all[i]->kind != IT_PLAN || all[i]->done || taken[i] ||
		    !sfp_bulk_eligible(all[i]->plan))
			continue;
		for (k = i, m = 0; k < n && m < SFP_BULK_MAX_ROWS; k++)
			if (all[k]->kind == IT_PLAN && !all[k]->done && !taken[k] &&
			    sfp_bulk_eligible(all[k]->plan) &&
			    sfp_bulk_same_job(all[i]->plan, all[k]->plan)) {
				taken[k] = 1;
				its[m] = all[k];
				plans[m++] = all[k]->plan;
			}
		st = sfp_bulk_run(R->sf, plans, m, out, records, fails, &applied, &calls, &jf);
		R->st->requests += calls;
		for (k = 0; k < m; k++) {
			struct item *it = its[k];

			if (st != SFP_OK) {
				if (!strcmp(jf.code, "REQUEST_LIMIT_EXCEEDED") &&
				    sfp_graph_is_daily_limit(jf.code, jf.message))
					sfp_run_stop(R, SFP_E_TEMP, &jf);
				else if (st == SFP_E_AUTH)
					sfp_run_stop(R, st, &jf);
				if (!applied || sfp_plan_resend_safe(it->plan))
					continue;
				out[k] = SFP_OUT_TRANSIENT;
			}
			if (out[k] == SFP_OUT_OK) {
				sfp_run_plan_ok(R, it, records[k]);
				records[k] = NULL;
			} else if (out[k] == SFP_OUT_FAILED) {
				sfp_run_plan_failed(R, it, &fails[k]);
			} else if (out[k] == SFP_OUT_RESEND) {
				R->st->resent++;     /* not written: the rounds send it again */
			} else if (!sfp_plan_resend_safe(it->plan)) {
				struct sfp_fail u;

				sfp_fail_set(&u, SFP_E_ITEM, "OUTCOME_UNKNOWN", NULL, "the bulk job "
				    "broke off after the upload: the record may or may not exist");
				sfp_run_plan_failed(R, it, &u);
			}
		}
		for (k = 0; k < m; k++) {
			cJSON_Delete(records[k]);
			records[k] = NULL;
		}
		sfp_run_progress(R);
	}
done:
	free(plans); free(its); free(taken); free(out); free(records); free(fails);
}


/* Every plan of one session's share of a window, round after round. */
static enum sfp_status send_items(struct run *R, struct item **all, size_t n, struct sfp_fail *f)
{
	struct item **pend = calloc(n ? n : 1, sizeof *pend);
	enum sfp_status st = SFP_OK;
	size_t i, np;
	int lock = -1;
	struct sfp_fail busy;

	if (!pend)
		return sfp_fail_oom(f, NULL);
	if (R->sf && !R->o->dry_run && !R->stopped) {
		if (sfp_run_lock_org(R, &lock, &busy) != SFP_OK)   /* none sent: replayed later */
			for (i = 0; i < n; i++)
				if (all[i]->kind == IT_PLAN && !all[i]->done)
					sfp_run_plan_failed(R, all[i], &busy);
		sfp_run_lookups(R, all, n);
	}
	if (R->o->bulk && R->sf && !R->o->dry_run && !R->stopped)
		bulk_pass(R, all, n);
	for (;;) {
		for (i = np = 0; i < n; i++)
			if (all[i]->kind == IT_PLAN && !all[i]->done)
				pend[np++] = all[i];
		if (np == 0)
			break;
		if (R->stopped) {
			struct sfp_fail e = R->stop;

			snprintf(e.message, sizeof e.message, "not sent: %.500s", R->stop.message);
			for (i = 0; i < np; i++)
				sfp_run_plan_failed(R, pend[i], &e);
			break;
		}
		if ((st = round_once(R, pend, np, f)) != SFP_OK)
			break;
		sfp_run_progress(R);
	}
	sfp_run_unlock_org(lock);
	free(pend);
	return st;
}

#define MAX_ORGS_AT_ONCE 64   /* orgs sending side by side, each with its own jobs */

struct lane_pool {
	struct lane **work;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *lane_worker(void *arg)
{
	struct lane_pool *p = arg;

	for (;;) {
		struct lane *L;

		pthread_mutex_lock(&p->mu);
		L = p->next < p->n ? p->work[p->next++] : NULL;
		pthread_mutex_unlock(&p->mu);
		if (!L)
			return NULL;
		L->ret = send_items(&L->r, L->pend, L->np, &L->f);
	}
}

/* Each org's plans through its own session; different orgs in parallel. */
static enum sfp_status send_lanes(struct run *R, struct item **all, size_t n, struct sfp_fail *f)
{
	struct lane_pool p = { .n = 0, .next = 0 };
	pthread_t th[MAX_ORGS_AT_ONCE];
	struct item **shares = calloc(n ? n : 1, sizeof *shares);
	size_t i, k, used = 0, nth = 0;
	enum sfp_status st = SFP_OK;

	if (!shares || !(p.work = calloc(R->nlanes, sizeof *p.work))) {
		free(shares);
		return sfp_fail_oom(f, NULL);
	}
	for (k = 0; k < R->nlanes; k++) {
		struct lane *L = R->lanes[k];

		L->pend = shares + used;
		L->np = 0;
		L->ret = SFP_OK;
		for (i = 0; i < n; i++)
			if (all[i]->lane == L && all[i]->kind == IT_PLAN && !all[i]->done)
				L->pend[L->np++] = all[i];
		used += L->np;
		if (L->np)
			p.work[p.n++] = L;
	}
	/* A dry run writes its requests to one output: one org after another. */
	if (!R->o->dry_run && p.n > 1 && pthread_mutex_init(&p.mu, NULL) == 0) {
		for (nth = 0; nth < p.n && nth < MAX_ORGS_AT_ONCE; nth++)
			if (pthread_create(&th[nth], NULL, lane_worker, &p) != 0)
				break;
		if (nth == 0)
			lane_worker(&p);
		for (i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
		pthread_mutex_destroy(&p.mu);
	} else {
		for (k = 0; k < p.n; k++)
			p.work[k]->ret = send_items(&p.work[k]->r, p.work[k]->pend, p.work[k]->np,
			    &p.work[k]->f);
	}
	for (k = 0; k < p.n; k++) {
		if (p.work[k]->ret != SFP_OK && st == SFP_OK) {
			st = p.work[k]->ret;
			*f = p.work[k]->f;
		}
		p.work[k]->pend = NULL;   /* shares goes below */
		p.work[k]->np = 0;
	}
	free(p.work);
	free(shares);
	sfp_run_lanes_fold(R);
	return st;
}

enum sfp_status sfp_run_send(struct run *R, struct item *items, size_t n, struct sfp_fail *f)
{
	struct item **all = calloc(n ? n : 1, sizeof *all);
	enum sfp_status st;
	size_t i;

	if (!all)
		return sfp_fail_oom(f, NULL);
	for (i = 0; i < n; i++)
		all[i] = &items[i];
	st = R->nlanes ? send_lanes(R, all, n, f) : send_items(R, all, n, f);
	free(all);
	return st;
}
