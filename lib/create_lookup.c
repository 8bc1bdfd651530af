/* SPDX-License-Identifier: ISC */
/* create_lookup: what sf-create asks the org before a window is written: newest wins. */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "create_run.h"
#include "plan.h"
#include "sfapi.h"
#include "soql.h"
#include "timefmt.h"

/*
 * A plan may say where the org keeps its booking's version: "version"
 * {"sobject","key":{"field","value"},"field","value"} (sfpipe(7)).  Within a
 * window only the newest plan of each key is sent (a tie: the first); across
 * runs one query per (sObject, key field, version field) and window, its keys
 * in IN lists, reads the stored versions, and a plan not newer than what the
 * org holds is skipped.  The plan itself writes the version field in the same
 * all-or-none graph as the rest of the booking, so the stored version always
 * says which message the org shows.
 *
 * Limit: the read and the write are two calls.  Two sf-create runs writing the
 * same bookings at the same time can both read version 3 and write 4 and 5 in
 * either order; run one sf-create per org (a pipeline does) for the guarantee.
 */

#define IN_LIST_BUDGET 12000   /* characters of IN list per query: the URI stays under 16 KiB */

struct vkey {
	struct item *it;
	const char *so, *kf, *vf, *key;
	double ver;
	size_t at;      /* window order, for ties */
};

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int same_group(const struct vkey *a, const struct vkey *b)
{
	return strcasecmp(a->so, b->so) == 0 && strcasecmp(a->kf, b->kf) == 0 &&
	    strcasecmp(a->vf, b->vf) == 0;
}

static int by_key_newest_first(const void *pa, const void *pb)
{
	const struct vkey *a = pa, *b = pb;
	int c;

	if ((c = strcasecmp(a->so, b->so)) || (c = strcasecmp(a->kf, b->kf)) ||
	    (c = strcasecmp(a->vf, b->vf)) || (c = strcasecmp(a->key, b->key)))
		return c;
	if (a->ver != b->ver)
		return a->ver > b->ver ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* A field of a queried record, by name compared as Salesforce does. */
static const cJSON *field_of(const cJSON *rec, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, rec)
		if (c->string && strcasecmp(c->string, name) == 0)
			return c;
	return NULL;
}

static void skip_stale(struct run *R, struct vkey *v, double newer, const char *where)
{
	char why[160];

	snprintf(why, sizeof why, "version %.17g is not newer than version %.17g %s", v->ver,
	    newer, where);
	sfp_run_plan_skipped(R, v->it, why);
}

/* One query for the winners w[0..n) of one group; skips the stale ones. */
static void query_versions(struct run *R, struct vkey *w, size_t n, char *soql, size_t cap)
{
	size_t len, i;
	int k;
	cJSON *recs = NULL;
	const cJSON *rec;
	struct sfp_fail e;

	k = snprintf(soql, cap, "SELECT %s, %s FROM %s WHERE %s IN (", w[0].kf, w[0].vf, w[0].so,
	    w[0].kf);
	len = (size_t)k;
	for (i = 0; i < n; i++) {
		int q = sfp_soql_quote(w[i].key, strlen(w[i].key), soql + len + (i > 0), cap - len - 3);

		if (q < 0)
			return;   /* cannot happen: keys were measured by the caller */
		if (i > 0)
			soql[len] = ',';
		len += (size_t)q + (i > 0);
	}
	memcpy(soql + len, ")", 2);
	R->st->lookups++;
	if (sfp_sf_query(R->sf, soql, 0, &recs, &e) != SFP_OK) {
		/* Without the stored versions an older message could win: not sent now. */
		for (i = 0; i < n; i++)
			sfp_run_plan_failed(R, w[i].it, &e);
		return;
	}
	cJSON_ArrayForEach(rec, recs) {
		const cJSON *kv = field_of(rec, w[0].kf), *vv = field_of(rec, w[0].vf);
		double stored;
		int64_t t;

		/* a number field as it is; a datetime field (an update time) in seconds */
		if (cJSON_IsNumber(vv))
			stored = vv->valuedouble;
		else if (cJSON_IsString(vv) && sfp_time_parse_sf_datetime(vv->valuestring, &t) == 0)
			stored = (double)t;
		else
			continue;
		if (!cJSON_IsString(kv))
			continue;
		for (i = 0; i < n; i++)
			if (!w[i].it->done && strcasecmp(w[i].key, kv->valuestring) == 0 &&
			    stored >= w[i].ver)
				skip_stale(R, &w[i], stored, "held by the org");
	}
	cJSON_Delete(recs);
}

void sfp_run_lookups(struct run *R, struct item **all, size_t n)
{
	struct vkey *v = calloc(n ? n : 1, sizeof *v), *w = calloc(n ? n : 1, sizeof *w);
	char *soql = malloc(IN_LIST_BUDGET + 1024);
	size_t i, nv = 0, g;

	if (!v || !w || !soql)
		goto done;   /* out of memory: sent unguarded is wrong, so fail them */
	for (i = 0; i < n; i++) {
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(all[i]->plan, "version");
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(ver, "key");

		if (all[i]->kind != IT_PLAN || all[i]->done || !ver)
			continue;
		v[nv++] = (struct vkey){ all[i], str_of(ver, "sobject"), str_of(key, "field"),
		    str_of(ver, "field"), str_of(key, "value"),
		    cJSON_GetObjectItemCaseSensitive(ver, "value")->valuedouble, i };
	}
	qsort(v, nv, sizeof *v, by_key_newest_first);
	/* Within the window: the newest of each key only. */
	for (i = 1; i < nv; i++)
		if (same_group(&v[i], &v[i - 1]) && strcasecmp(v[i].key, v[i - 1].key) == 0)
			skip_stale(R, &v[i], v[i - 1].ver, "of the same booking in this run");
	/* Across runs: the stored versions, one query per group and IN list. */
	for (g = 0; g < nv;) {
		size_t e = g, nw = 0, budget = 0;

		while (e < nv && same_group(&v[e], &v[g]))
			e++;
		for (i = g; i < e; i++) {
			size_t need = 2 * strlen(v[i].key) + 3;

			if (v[i].it->done)
				continue;
			if (nw > 0 && budget + need > IN_LIST_BUDGET) {
				query_versions(R, w, nw, soql, IN_LIST_BUDGET + 1024);
				nw = budget = 0;
			}
			w[nw++] = v[i];
			budget += need;
		}
		if (nw > 0)
			query_versions(R, w, nw, soql, IN_LIST_BUDGET + 1024);
		g = e;
	}
done:
	if (!v || !w || !soql) {
		struct sfp_fail e;

		sfp_fail_set(&e, SFP_E_TEMP, "oom", NULL, "out of memory reading stored versions");
		for (i = 0; i < n; i++)
			if (all[i]->kind == IT_PLAN && !all[i]->done &&
			    cJSON_GetObjectItemCaseSensitive(all[i]->plan, "version"))
				sfp_run_plan_failed(R, all[i], &e);
	}
	free(v);
	free(w);
	free(soql);
}
