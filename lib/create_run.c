/* SPDX-License-Identifier: ISC */
/* create_run: sf-create's stream: plans read into windows, one result line each in input order. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "create_run.h"
#include "plan.h"

static double since(long long t0_ms)
{
	return (double)(sfp_clock_ms() - t0_ms) / 1e3;
}

static void item_fini(struct item *it)
{
	cJSON_Delete(it->plan);
	cJSON_Delete(it->result);
	free(it->line);
	memset(it, 0, sizeof *it);
}

static int set_result(struct run *R, struct item *it, cJSON *res)
{
	if (!res)
		return -1;
	it->result = res;
	it->done = 1;
	(void)R;
	return 0;
}

/* A result line's start: the plan's "tenant" first when it has one, then its id. */
static cJSON *result_start(const cJSON *plan)
{
	cJSON *r = cJSON_CreateObject();
	const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(plan, "tenant");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(plan, "id");

	if (r && tenant && !cJSON_AddItemToObject(r, "tenant", cJSON_Duplicate(tenant, 1)))
		goto oom;
	if (r && id && !cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 0)))
		goto oom;
	return r;
oom:
	cJSON_Delete(r);
	return NULL;
}

static cJSON *fail_line(const cJSON *plan, const struct sfp_fail *e)
{
	cJSON *r = result_start(plan), *err = sfp_fail_to_json(e);

	if (!r || !err)
		goto oom;
	cJSON_AddBoolToObject(r, "ok", 0);
	cJSON_AddItemToObject(r, "error", err);
	err = NULL;
	if (plan && !cJSON_AddItemToObject(r, "input", cJSON_Duplicate(plan, 1)))
		goto oom;
	return r;
oom:
	cJSON_Delete(r);
	cJSON_Delete(err);
	return NULL;
}

void sfp_run_plan_failed(struct run *R, struct item *it, const struct sfp_fail *e)
{
	/* The plan as it came, not as the lookups changed it (matches, children):
	 * a replay reads the org again. */
	cJSON *orig = it->plan && it->line ? cJSON_ParseWithLength(it->line, it->line_len) : NULL;
	cJSON *r = fail_line(orig ? orig : it->plan, e), *raw;

	cJSON_Delete(orig);

	/* A line that is not JSON still goes out whole: its raw text as input. */
	if (r && !it->plan && it->line) {
		raw = sfp_raw_to_json(it->line, it->line_len ? it->line_len - 1 : 0);
		if (!raw || !cJSON_AddItemToObject(r, "input", raw)) {
			cJSON_Delete(raw);
			cJSON_Delete(r);
			r = NULL;
		}
	}
	/* Unsent or temporarily refused plans can be sent again as they are; an
	 * outcome that is unknown, or a refusal of the data, needs a person. */
	it->resend = e->status == SFP_E_TEMP && strcmp(e->code, "OUTCOME_UNKNOWN") != 0;
	R->st->unsent += it->resend ? 1 : 0;
	if (set_result(R, it, r) < 0)
		R->worst = sfp_status_worst(R->worst, SFP_E_INTERNAL);
	R->worst = sfp_status_worst(R->worst, e->status == SFP_E_TEMP ? SFP_E_TEMP : SFP_E_ITEM);
	R->st->failed++;
}

void sfp_run_plan_ok(struct run *R, struct item *it, cJSON *records)
{
	cJSON *r = result_start(it->plan);

	if (!r) {
		cJSON_Delete(records);
		R->worst = sfp_status_worst(R->worst, SFP_E_INTERNAL);
		return;
	}
	cJSON_AddBoolToObject(r, "ok", 1);
	cJSON_AddItemToObject(r, "records", records);
	set_result(R, it, r);
	R->st->ok++;
}

void sfp_run_plan_skipped(struct run *R, struct item *it, const char *why)
{
	cJSON *r = result_start(it->plan);

	if (!r || !cJSON_AddBoolToObject(r, "ok", 1) || !cJSON_AddStringToObject(r, "skipped", why)) {
		cJSON_Delete(r);
		R->worst = sfp_status_worst(R->worst, SFP_E_INTERNAL);
		return;
	}
	set_result(R, it, r);
	R->st->ok++;
	R->st->skipped++;
}

void sfp_run_stop(struct run *R, enum sfp_status st, const struct sfp_fail *why)
{
	if (R->stopped)
		return;
	R->stopped = 1;
	R->stop = *why;
	R->stop.status = st;
	R->worst = sfp_status_worst(R->worst, st);
}

void sfp_run_progress(struct run *R)
{
	if (R->sf)
		sfp_sf_usage(R->sf, &R->st->api_used, &R->st->api_max);
	R->st->elapsed_s = since(R->t0_ms);
	if (R->o->progress)
		R->o->progress(R->o->progress_ctx, R->st);
}

static enum sfp_status write_line(struct sfp_writer *w, const struct item *it,
    const cJSON *v, struct sfp_fail *f)
{
	if (!w)
		return SFP_OK;
	if (v)
		return sfp_write_json(w, v, f);
	return sfp_write_raw(w, it->line, it->line_len, f);
}

/* Make every plan of the window real (or give up on it), then write the lines. */
static enum sfp_status run_window(struct run *R, struct item *items, size_t n, struct sfp_fail *f)
{
	enum sfp_status st = sfp_run_send(R, items, n, f);
	size_t i;

	for (i = 0; i < n && st == SFP_OK; i++) {
		struct item *it = &items[i];

		if (R->o->dry_run && it->kind == IT_PLAN)
			continue;
		if (R->o->tenants && sfp_run_tenant_count(R, it, since(R->t0_ms)) < 0) {
			st = sfp_fail_oom(f, NULL);
			break;
		}
		st = write_line(R->out, it, it->kind == IT_PASS ? NULL : it->result, f);
		/* Rejects: a plan to send again goes as it came; a failure that needs
		 * a person goes as its result line, reason and input whole, which a
		 * later sf-create passes on untouched rather than sending again. */
		if (st == SFP_OK && it->kind == IT_PASS)
			st = write_line(R->rejects, it, NULL, f);
		else if (st == SFP_OK && it->result &&
		    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it->result, "ok")))
			st = write_line(R->rejects, it, it->resend ? NULL : it->result, f);
	}
	for (i = 0; i < n; i++)
		item_fini(&items[i]);
	return st;
}

/* The original line of an item, one line, '\n'-ended: the raw bytes when they
 * hold no newline, else the compact form of the parsed value. */
static int keep_line(struct item *it, const char *raw, size_t len, const cJSON *v)
{
	char *c = NULL;

	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r' ||
	    raw[len - 1] == '\n'))
		len--;
	if (v && memchr(raw, '\n', len)) {
		if (!(c = cJSON_PrintUnformatted(v)))
			return -1;
		raw = c;
		len = strlen(c);
	}
	it->line = malloc(len + 1);
	if (it->line) {
		memcpy(it->line, raw, len);
		it->line[len] = '\n';
		it->line_len = len + 1;
	}
	free(c);
	return it->line ? 0 : -1;
}

/* Put one read item into the window: a plan, a refusal to pass through, or a bad item. */
static int add_item(struct run *R, struct item *it, cJSON *v, const char *raw, size_t len,
    const struct sfp_fail *why)
{
	struct sfp_fail e;

	memset(it, 0, sizeof *it);
	it->plan = v;
	R->st->plans++;
	if (keep_line(it, raw ? raw : "", raw ? len : 0, v) < 0)
		return -1;
	if (!v) {
		it->kind = IT_BAD;
		sfp_run_plan_failed(R, it, why);
		return 0;
	}
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "ok"))) {
		it->kind = IT_PASS;
		it->done = 1;
		R->st->failed++;
		R->worst = sfp_status_worst(R->worst, SFP_E_ITEM);
		return 0;
	}
	if (sfp_plan_check(v, &e) != SFP_OK || sfp_run_route(R, it, &e) != SFP_OK) {
		if (e.status == SFP_E_INTERNAL)
			return -1;
		it->kind = IT_BAD;
		sfp_run_plan_failed(R, it, &e);
		return 0;
	}
	it->kind = IT_PLAN;
	it->num = R->next_num++;
	if (sfp_plan_nodes(v) == 0) {   /* every record left alone: nothing to send */
		cJSON *none = cJSON_CreateObject();

		if (!none)
			return -1;
		sfp_run_plan_ok(R, it, none);
		it->done = 1;
	}
	return 0;
}

static void run_init(struct run *R, struct sfp_sf *sf, struct sfp_writer *out,
    struct sfp_writer *rejects, const struct sfp_create_opts *o, struct sfp_create_stats *st)
{
	memset(R, 0, sizeof *R);
	memset(st, 0, sizeof *st);
	st->api_used = st->api_max = -1;
	R->sf = sf;
	R->o = o;
	R->out = out;
	R->rejects = rejects;
	R->st = st;
	R->worst = SFP_OK;
	if (sf || o->data_path) {
		snprintf(R->data_path, sizeof R->data_path, "%s",
		    sf ? sfp_sf_data_path(sf) : o->data_path);
	} else {
		const char *ver = getenv("SF_API_VERSION");

		snprintf(R->data_path, sizeof R->data_path, "/services/data/v%.16s",
		    ver && *ver ? ver : "62.0");
	}
	R->t0_ms = sfp_clock_ms();
}

static enum sfp_status run_finish(struct run *R, enum sfp_status st, struct sfp_fail *f)
{
	sfp_run_progress(R);
	if (R->o->tenants)
		sfp_run_tenants_close(R);
	sfp_run_lanes_free(R);
	if (st != SFP_OK)
		return st;
	if (R->stopped) {
		*f = R->stop;
		return R->stop.status;
	}
	if (R->stop.code[0]) {   /* one org stopped; the others went on */
		*f = R->stop;
		return R->worst;
	}
	if (R->worst == SFP_E_TEMP)
		sfp_fail_set(f, SFP_E_TEMP, "retries-spent", NULL,
		    "some plans kept failing with temporary errors; replay the rejects later");
	return R->worst;
}

enum sfp_status sfp_create_run(struct sfp_sf *sf, struct sfp_reader *in, struct sfp_writer *out,
    struct sfp_writer *rejects, const struct sfp_create_opts *o, struct sfp_create_stats *st,
    struct sfp_fail *f)
{
	struct sfp_create_stats local;
	struct run R;
	size_t cap = o->window ? o->window : 5000, n = 0;
	struct item *items = calloc(cap, sizeof *items);
	enum sfp_status rs = SFP_OK, input = SFP_OK;
	struct sfp_fail inf;

	run_init(&R, sf, out, rejects, o, st ? st : &local);
	if (!items)
		return sfp_fail_oom(f, NULL);
	sfp_fail_clear(&inf);
	for (;;) {
		cJSON *v = NULL;
		struct sfp_fail e;
		const char *raw;
		size_t len;
		enum sfp_status s = sfp_reader_next(in, &v, &e);

		if (s == SFP_OK && !v)
			break;
		if (s != SFP_OK && s != SFP_E_ITEM) {
			input = s;
			inf = e;
			break;
		}
		raw = sfp_reader_raw(in, &len);
		if (add_item(&R, &items[n], v, raw, len, &e) < 0) {
			n++;
			rs = sfp_fail_oom(f, NULL);
			break;
		}
		/* There is work: log in while the rest of the window is read and
		 * packed (a pipeline's upstream may take its time). */
		if (!o->dry_run && sf)
			sfp_sf_login_ahead(sf);
		if (++n == cap) {
			if ((rs = run_window(&R, items, n, f)) != SFP_OK)
				break;
			n = 0;
		}
	}
	if (rs == SFP_OK)
		rs = run_window(&R, items, n, f);
	else {
		size_t i;

		for (i = 0; i < n; i++)
			item_fini(&items[i]);
	}
	free(items);
	if (rs == SFP_OK && input != SFP_OK) {
		*f = inf;
		R.worst = sfp_status_worst(R.worst, input);
		run_finish(&R, SFP_OK, f);
		*f = inf;
		rs = sfp_status_worst(R.worst, input);
	} else {
		rs = run_finish(&R, rs, f);
	}
	if (!st)
		sfp_create_stats_fini(&local);
	return rs;
}

enum sfp_status sfp_create_one_take(struct sfp_sf *sf, cJSON *plan, struct sfp_writer *out,
    struct sfp_writer *rejects, const struct sfp_create_opts *o, struct sfp_create_stats *st,
    struct sfp_fail *f)
{
	struct sfp_create_stats local;
	struct run R;
	struct item it;
	char *text = plan ? cJSON_PrintUnformatted(plan) : NULL;
	enum sfp_status rs;

	run_init(&R, sf, out, rejects, o, st ? st : &local);
	if (!text) {
		cJSON_Delete(plan);
		return sfp_fail_oom(f, NULL);
	}
	if (add_item(&R, &it, plan, text, strlen(text), NULL) < 0) {
		free(text);
		item_fini(&it);
		return sfp_fail_oom(f, NULL);
	}
	free(text);
	rs = run_window(&R, &it, 1, f);
	return run_finish(&R, rs, f);
}
