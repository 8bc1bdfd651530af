/* SPDX-License-Identifier: ISC */
/* create_lookup: what sf-create asks the org before a window is written: versions, people, children. */
#include "compat.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "create_lookup.h"
#include "create_run.h"
#include "plan.h"
#include "sfapi.h"
#include "sfid.h"
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
 * The read and the write are two calls: two sf-create runs writing the same
 * bookings at the same time could both read version 3 and write 4 and 5 in
 * either order, so a window holds the org's lock (create_lock.c) around both.
 */

/* Characters of IN list per query, as sent (percent-encoded): with the rest of
 * the query the URI stays under Salesforce's 16,384 ("Request Size Limits",
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm). */
#define IN_LIST_BUDGET 14000

/* The length of s quoted as a SOQL literal and percent-encoded in a URL, with
 * the comma before it. */
static size_t sent_len(const char *s)
{
	size_t n = 9;   /* '' and , encoded */

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		n += isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ? 1 : 3;
		if (c == '\'' || c == '"' || c == '\\' || c < 0x20)
			n += 3;   /* the backslash of its escape */
	}
	return n;
}

struct vkey {
	struct item *it;
	const char *so, *kf, *vf, *key;
	double ver;
	size_t at;      /* window order, for ties */
};

const char *sfp_lookup_str(const cJSON *o, const char *key)
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
const cJSON *sfp_lookup_field(const cJSON *rec, const char *name)
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
		const cJSON *kv = sfp_lookup_field(rec, w[0].kf), *vv = sfp_lookup_field(rec, w[0].vf);
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

static void version_pass(struct run *R, struct item **all, size_t n)
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
		v[nv++] = (struct vkey){ all[i], sfp_lookup_str(ver, "sobject"), sfp_lookup_str(key, "field"),
		    sfp_lookup_str(ver, "field"), sfp_lookup_str(key, "value"),
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
			size_t need = sent_len(v[i].key);

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

/* The group, or NULL when no plan asked for it. */
struct lookup_group *sfp_lookup_group_get(struct lookup_groups *gs, const char *so, const char *field,
    const char *match)
{
	size_t i;

	for (i = 0; so && field && i < gs->n; i++)
		if (strcasecmp(gs->g[i].so, so) == 0 && strcasecmp(gs->g[i].field, field) == 0 &&
		    strcasecmp(gs->g[i].match, match) == 0)
			return &gs->g[i];
	return NULL;
}

struct lookup_group *sfp_lookup_group_of(struct lookup_groups *gs, const char *so, const char *field,
    const char *match)
{
	size_t i;
	struct lookup_group *g;

	for (i = 0; i < gs->n; i++)
		if (strcasecmp(gs->g[i].so, so) == 0 && strcasecmp(gs->g[i].field, field) == 0 &&
		    strcasecmp(gs->g[i].match, match) == 0)
			return &gs->g[i];
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? 2 * gs->cap : 8;
		struct lookup_group *ng = realloc(gs->g, cap * sizeof *ng);

		if (!ng)
			return NULL;
		gs->g = ng;
		gs->cap = cap;
	}
	g = &gs->g[gs->n++];
	memset(g, 0, sizeof *g);
	snprintf(g->so, sizeof g->so, "%s", so);
	snprintf(g->field, sizeof g->field, "%s", field);
	snprintf(g->match, sizeof g->match, "%s", match);
	g->lead = strcasecmp(so, "Lead") == 0;
	return g;
}

int sfp_lookup_group_add(struct lookup_group *g, const char *v)
{
	if (g->nv == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		const char **nv = realloc(g->vals, cap * sizeof *nv);

		if (!nv)
			return -1;
		g->vals = nv;
		g->cap = cap;
	}
	g->vals[g->nv++] = v;
	return 0;
}

void sfp_lookup_groups_free(struct lookup_groups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++) {
		free(gs->g[i].vals);
		cJSON_Delete(gs->g[i].recs);
	}
	free(gs->g);
}

/* Run "<head> IN (<values>)<tail>" in as few queries as the URI allows;
 * the records found are appended to g->recs. */
static int by_text_ci(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

void sfp_lookup_group_query(struct run *R, struct lookup_group *g, const char *head, const char *tail)
{
	char *soql = malloc(IN_LIST_BUDGET + 2048);
	size_t i = 0, u, nv = 0;

	/* each value once: many bookings name the same person */
	qsort(g->vals, g->nv, sizeof *g->vals, by_text_ci);
	for (u = 0; u < g->nv; u++)
		if (nv == 0 || strcasecmp(g->vals[u], g->vals[nv - 1]) != 0)
			g->vals[nv++] = g->vals[u];
	g->nv = nv;

	if (!(g->recs = cJSON_CreateArray()) || !soql) {
		sfp_fail_set(&g->fail, SFP_E_TEMP, "oom", NULL, "out of memory");
		free(soql);
		return;
	}
	while (i < g->nv) {
		int k = snprintf(soql, IN_LIST_BUDGET + 2048, "%s IN (", head);
		size_t len = (size_t)k, first = i, used = 0;
		cJSON *recs = NULL, *r;

		for (; i < g->nv; i++) {
			int q;

			if (i > first && (used += sent_len(g->vals[i])) > IN_LIST_BUDGET)
				break;
			if (i > first)
				soql[len++] = ',';
			q = sfp_soql_quote(g->vals[i], strlen(g->vals[i]), soql + len,
			    IN_LIST_BUDGET + 1024 - len);
			if (q < 0) {   /* a control character: it cannot match anything */
				len -= i > first;
				continue;
			}
			len += (size_t)q;
		}
		if (len > 0 && soql[len - 1] == '(')
			continue;   /* nothing quotable in this chunk */
		snprintf(soql + len, IN_LIST_BUDGET + 2048 - len, ")%s", tail);
		R->st->lookups++;
		if (sfp_sf_query(R->sf, soql, 0, &recs, &g->fail) != SFP_OK)
			break;
		while ((r = cJSON_DetachItemFromArray(recs, 0)) != NULL)
			cJSON_AddItemToArray(g->recs, r);
		cJSON_Delete(recs);
	}
	free(soql);
}

/*
 * An Event or Task whose WhoId is a Lead must have an empty WhatId (Salesforce's
 * Event and Task object reference, WhatId:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm).
 * Whether the person is a Lead is known only once people are matched, so the
 * rule is kept here: such a record's WhatId is set empty.
 */
static void who_what_rule(cJSON *plan)
{
	cJSON *records = cJSON_GetObjectItemCaseSensitive(plan, "records"), *rec;

	cJSON_ArrayForEach(rec, records) {
		const char *so = sfp_lookup_str(rec, "sobject");
		cJSON *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields");
		const char *who = sfp_lookup_str(fields, "WhoId");
		int lead = 0;

		if (!so || (strcasecmp(so, "Event") && strcasecmp(so, "Task")) || !who)
			continue;
		if (sfp_plan_id_is_ref(who)) {
			const cJSON *r;

			cJSON_ArrayForEach(r, records)
				if (strlen(sfp_lookup_str(r, "ref")) == strlen(who) - 6 &&
				    strncmp(sfp_lookup_str(r, "ref"), who + 2, strlen(who) - 6) == 0)
					lead = strcasecmp(sfp_lookup_str(r, "sobject"), "Lead") == 0;
		} else {
			lead = strncmp(who, "00Q", 3) == 0;
		}
		if (lead) {
			cJSON_DeleteItemFromObjectCaseSensitive(fields, "WhatId");
			cJSON_AddNullToObject(fields, "WhatId");
		}
	}
}

/*
 * Children reconciled, not appended.  A "reconcile" record {"parent": {"ref",
 * "field"}, "match", "want", "fields"} says which children (EventRelations of
 * an Event: "match" RelationId) its parent should have.  Per window: one query
 * finds the parents that exist (by their keys), one their children; then the
 * record becomes a create ("@{parent.id}" as the parent) for each wanted value
 * missing and a delete by id for each child not wanted (or a second with the
 * same value), all in the booking's one graph.  Sent twice, the second finds
 * nothing to do.
 */

/* Ids compare 15 against 18 characters; other values as they are. */
int sfp_lookup_same_id(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || sfp_sfid_same(a, b);
}

static const cJSON *record_named(const cJSON *plan, const char *ref)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(plan, "records"))
		if (ref && strcmp(sfp_lookup_str(r, "ref"), ref) == 0)
			return r;
	return NULL;
}

/* The id of the parent's record in the org, or NULL when it is new. */
static const char *parent_id(struct lookup_groups *gs, const cJSON *plan, const cJSON *rr)
{
	const cJSON *p = record_named(plan, sfp_lookup_str(cJSON_GetObjectItemCaseSensitive(rr, "parent"),
	    "ref")), *key = sfp_plan_record_key(p), *r;
	const char *kv = sfp_lookup_str(key, "value");
	struct lookup_group *g = sfp_lookup_group_get(gs, sfp_lookup_str(p, "sobject"), sfp_lookup_str(key, "field"), "");

	if (!g || !kv)
		return NULL;
	cJSON_ArrayForEach(r, g->recs) {
		const cJSON *v = sfp_lookup_field(r, g->field);

		if (cJSON_IsString(v) && strcasecmp(v->valuestring, kv) == 0)
			return sfp_lookup_str(r, "Id");
	}
	return NULL;
}

static cJSON *child_create(const cJSON *rr, const char *pref, const char *value, size_t k)
{
	cJSON *c = cJSON_CreateObject(), *fields;
	char ref[SFP_PLAN_MAX_REF + 1], pv[SFP_PLAN_MAX_REF + 8];
	const cJSON *parent = cJSON_GetObjectItemCaseSensitive(rr, "parent"), *fl;

	snprintf(ref, sizeof ref, "%s__a%zu", sfp_lookup_str(rr, "ref"), k);
	snprintf(pv, sizeof pv, "@{%s.id}", pref);
	if (!c || !cJSON_AddStringToObject(c, "ref", ref) ||
	    !cJSON_AddStringToObject(c, "sobject", sfp_lookup_str(rr, "sobject")) ||
	    !(fields = cJSON_AddObjectToObject(c, "fields")))
		goto oom;
	cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rr, "fields"))
		cJSON_AddItemToObject(fields, fl->string, cJSON_Duplicate(fl, 1));
	cJSON_DeleteItemFromObjectCaseSensitive(fields, sfp_lookup_str(parent, "field"));
	cJSON_DeleteItemFromObjectCaseSensitive(fields, sfp_lookup_str(rr, "match"));
	if (!cJSON_AddStringToObject(fields, sfp_lookup_str(parent, "field"), pv) ||
	    !cJSON_AddStringToObject(fields, sfp_lookup_str(rr, "match"), value))
		goto oom;
	return c;
oom:
	cJSON_Delete(c);
	return NULL;
}

static cJSON *child_delete(const cJSON *rr, const char *id, size_t k)
{
	cJSON *c = cJSON_CreateObject();
	char ref[SFP_PLAN_MAX_REF + 1];

	snprintf(ref, sizeof ref, "%s__d%zu", sfp_lookup_str(rr, "ref"), k);
	if (!c || !cJSON_AddStringToObject(c, "ref", ref) ||
	    !cJSON_AddStringToObject(c, "sobject", sfp_lookup_str(rr, "sobject")) ||
	    !cJSON_AddStringToObject(c, "method", "delete") || !cJSON_AddStringToObject(c, "id", id)) {
		cJSON_Delete(c);
		return NULL;
	}
	return c;
}

/* The reconcile record at index at of the plan, replaced by its creates and deletes. */
int sfp_reconcile_expand(cJSON *plan, int at, const char *pid, const cJSON *kids,
    struct sfp_fail *f)
{
	cJSON *records = cJSON_GetObjectItemCaseSensitive(plan, "records");
	cJSON *rr = cJSON_DetachItemFromArray(records, at), *made = cJSON_CreateArray(), *c;
	const cJSON *parent = cJSON_GetObjectItemCaseSensitive(rr, "parent"), *w, *r;
	const char *pref = sfp_lookup_str(parent, "ref"), *pfield = sfp_lookup_str(parent, "field");
	const char *mfield = sfp_lookup_str(rr, "match");
	unsigned char *seen = calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rr,
	    "want")) + 1, 1);
	size_t nd = 0, na = 0, k;
	int ret = -1;

	if (!rr || !made || !seen)
		goto oom;
	cJSON_ArrayForEach(r, (pid ? kids : (const cJSON *)NULL)) {
		const cJSON *pv = sfp_lookup_field(r, pfield), *mv = sfp_lookup_field(r, mfield);
		int keep = 0;

		if (!cJSON_IsString(pv) || !sfp_lookup_same_id(pv->valuestring, pid))
			continue;
		k = 0;
		cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(rr, "want")) {
			if (!seen[k] && cJSON_IsString(mv) && sfp_lookup_same_id(mv->valuestring,
			    w->valuestring)) {
				seen[k] = 1;
				keep = 1;
				break;
			}
			k++;
		}
		if (!keep) {
			if (!(c = child_delete(rr, sfp_lookup_str(r, "Id"), nd++)))
				goto oom;
			cJSON_AddItemToArray(made, c);
		}
	}
	k = 0;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(rr, "want")) {
		size_t j = 0;
		const cJSON *w2;
		int dup = 0;

		/* a value wanted twice is one child */
		cJSON_ArrayForEach(w2, cJSON_GetObjectItemCaseSensitive(rr, "want")) {
			if (j++ >= k)
				break;
			dup |= strcmp(w2->valuestring, w->valuestring) == 0;
		}
		if (!seen[k++] && !dup) {
			if (!(c = child_create(rr, pref, w->valuestring, na++)))
				goto oom;
			cJSON_AddItemToArray(made, c);
		}
	}
	if (cJSON_GetArraySize(records) + cJSON_GetArraySize(made) > SFP_GRAPH_MAX_NODES) {
		sfp_fail_set(f, SFP_E_ITEM, "bad-plan", NULL, "record %s: reconciled, the plan has more "
		    "than 500 records", sfp_lookup_str(rr, "ref"));
		goto out;
	}
	/* at the end: nothing refers to them, and they refer only to earlier records */
	while ((c = cJSON_DetachItemFromArray(made, 0)) != NULL)
		cJSON_AddItemToArray(records, c);
	ret = 0;
	goto out;
oom:
	sfp_fail_set(f, SFP_E_TEMP, "oom", NULL, "out of memory");
out:
	if (ret < 0 && rr) {   /* the plan fails whole: it goes out as it came */
		cJSON_AddItemToArray(records, rr);
		rr = NULL;
	}
	cJSON_Delete(rr);
	cJSON_Delete(made);
	free(seen);
	return ret;
}

static void reconcile_pass(struct run *R, struct item **all, size_t n)
{
	struct lookup_groups parents = { NULL, 0, 0 }, kids = { NULL, 0, 0 };
	size_t i, k;
	struct sfp_fail e;

	for (i = 0; i < n; i++) {
		const cJSON *rec;

		if (all[i]->kind != IT_PLAN || all[i]->done)
			continue;
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(all[i]->plan, "records")) {
			const cJSON *p, *key;
			struct lookup_group *g;

			if (sfp_plan_record_method(rec) != SFP_PLAN_RECONCILE)
				continue;
			p = record_named(all[i]->plan, sfp_lookup_str(cJSON_GetObjectItemCaseSensitive(rec,
			    "parent"), "ref"));
			key = sfp_plan_record_key(p);
			if (!(g = sfp_lookup_group_of(&parents, sfp_lookup_str(p, "sobject"), sfp_lookup_str(key, "field"), "")) ||
			    sfp_lookup_group_add(g, sfp_lookup_str(key, "value")) < 0)
				goto oom;
		}
	}
	for (k = 0; k < parents.n; k++) {
		char head[512];

		snprintf(head, sizeof head, "SELECT Id, %s FROM %s WHERE %s", parents.g[k].field,
		    parents.g[k].so, parents.g[k].field);
		sfp_lookup_group_query(R, &parents.g[k], head, "");
	}
	for (i = 0; i < n; i++) {
		const cJSON *rec;

		if (all[i]->kind != IT_PLAN || all[i]->done)
			continue;
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(all[i]->plan, "records")) {
			const cJSON *parent = cJSON_GetObjectItemCaseSensitive(rec, "parent");
			const char *pid;
			struct lookup_group *g;

			if (sfp_plan_record_method(rec) != SFP_PLAN_RECONCILE ||
			    !(pid = parent_id(&parents, all[i]->plan, rec)))
				continue;
			if (!(g = sfp_lookup_group_of(&kids, sfp_lookup_str(rec, "sobject"), sfp_lookup_str(parent, "field"),
			    sfp_lookup_str(rec, "match"))) || sfp_lookup_group_add(g, pid) < 0)
				goto oom;
		}
	}
	for (k = 0; k < kids.n; k++) {
		char head[512];

		snprintf(head, sizeof head, "SELECT Id, %s, %s FROM %s WHERE %s", kids.g[k].field,
		    kids.g[k].match, kids.g[k].so, kids.g[k].field);
		sfp_lookup_group_query(R, &kids.g[k], head, " ORDER BY Id");
	}
	for (i = 0; i < n; i++) {
		cJSON *records = cJSON_GetObjectItemCaseSensitive(all[i]->plan, "records");
		int at;

		if (all[i]->kind != IT_PLAN || all[i]->done)
			continue;
		for (at = 0; at < cJSON_GetArraySize(records); at++) {
			const cJSON *rec = cJSON_GetArrayItem(records, at);
			struct lookup_group *pg, *kg;
			const char *pid;

			if (sfp_plan_record_method(rec) != SFP_PLAN_RECONCILE)
				continue;
			pg = sfp_lookup_group_get(&parents, sfp_lookup_str(record_named(all[i]->plan, sfp_lookup_str(
			    cJSON_GetObjectItemCaseSensitive(rec, "parent"), "ref")), "sobject"),
			    sfp_lookup_str(sfp_plan_record_key(record_named(all[i]->plan, sfp_lookup_str(
			    cJSON_GetObjectItemCaseSensitive(rec, "parent"), "ref"))), "field"), "");
			if (pg && pg->fail.code[0]) {
				sfp_run_plan_failed(R, all[i], &pg->fail);
				break;
			}
			pid = parent_id(&parents, all[i]->plan, rec);
			kg = sfp_lookup_group_get(&kids, sfp_lookup_str(rec, "sobject"), sfp_lookup_str(cJSON_GetObjectItemCaseSensitive(
			    rec, "parent"), "field"), sfp_lookup_str(rec, "match"));
			if (pid && kg && kg->fail.code[0]) {
				sfp_run_plan_failed(R, all[i], &kg->fail);
				break;
			}
			if (sfp_reconcile_expand(all[i]->plan, at, pid, kg ? kg->recs : NULL, &e) < 0) {
				sfp_run_plan_failed(R, all[i], &e);
				break;
			}
			at--;   /* the next record is where this one was */
		}
	}
	sfp_lookup_groups_free(&parents);
	sfp_lookup_groups_free(&kids);
	return;
oom:
	sfp_lookup_groups_free(&parents);
	sfp_lookup_groups_free(&kids);
	sfp_fail_set(&e, SFP_E_TEMP, "oom", NULL, "out of memory reconciling children");
	for (i = 0; i < n; i++)
		if (all[i]->kind == IT_PLAN && !all[i]->done)
			sfp_run_plan_failed(R, all[i], &e);
}

void sfp_run_lookups(struct run *R, struct item **all, size_t n)
{
	size_t i;

	version_pass(R, all, n);
	sfp_run_find_people(R, all, n);
	reconcile_pass(R, all, n);
	for (i = 0; i < n; i++)
		if (all[i]->kind == IT_PLAN && !all[i]->done)
			who_what_rule(all[i]->plan);
}
