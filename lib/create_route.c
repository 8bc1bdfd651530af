/* SPDX-License-Identifier: ISC */
/* create_route: the tenant rules for a plan, and one Salesforce session per org it may go to. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create_run.h"
#include "plan.h"

enum sfp_status sfp_create_plan_tenant(const cJSON *plan, int tenants, const char *only,
    const char **name, struct sfp_fail *f)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(plan, "tenant");

	*name = NULL;
	if (!t) {
		if (tenants)
			return sfp_fail_set(f, SFP_E_ITEM, "untagged", NULL, "the plan names no "
			    "tenant, and with --tenants every plan must (sf-map --tenants writes it)");
		return SFP_OK;
	}
	if (!cJSON_IsString(t) || !sfp_tenant_name_valid(t->valuestring))
		return sfp_fail_set(f, SFP_E_ITEM, "bad-tenant-name", NULL,
		    "\"tenant\" must be a tenant name: 1 to 64 letters, digits, '.', '_' or '-'");
	if (!tenants && (!only || strcmp(only, t->valuestring) != 0))
		return sfp_fail_set(f, SFP_E_ITEM, "unknown-tenant", NULL, "the plan is tenant "
		    "%s's, and this run serves %s%s", t->valuestring, only ? "only tenant " :
		    "one org without --tenants or --tenant", only ? only : "");
	*name = t->valuestring;
	return SFP_OK;
}

enum sfp_status sfp_create_plan_keys(const cJSON *plan, const struct sfp_tenant_conf *tc,
    struct sfp_fail *f)
{
	const cJSON *rec;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records")) {
		const cJSON *up = sfp_plan_record_key(rec);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(up, "value");
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(rec, "ref");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
		const cJSON *acc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rec, "find"), "account"), "upsert");
		const cJSON *av = cJSON_GetObjectItemCaseSensitive(acc, "value");

		/* the Contact a find may make instead is upserted by its own key */
		if (acc && !(cJSON_IsString(av) && sfp_tenant_key_ok(tc, av->valuestring))) {
			up = acc;
			v = av;
		}
		/* A record named by a literal id could be another tenant's: only keys
		 * carry the tenant's prefix, and "@{ref.id}" names one the plan wrote. */
		if (cJSON_IsString(id) && !sfp_plan_id_is_ref(id->valuestring)) {
			sfp_fail_set(f, SFP_E_ITEM, "foreign-key", NULL, "record %s: a tenant's plan "
			    "updates records by its upsert keys, not by id", cJSON_IsString(ref) ?
			    ref->valuestring : "?");
		} else if (!up || (cJSON_IsString(v) && sfp_tenant_key_ok(tc, v->valuestring))) {
			continue;
		} else {
			sfp_fail_set(f, SFP_E_ITEM, "foreign-key", NULL, "record %s: the %s key "
			    "must start with tenant %s's keyPrefix \"%s\"", cJSON_IsString(ref) ?
			    ref->valuestring : "?", up == acc ? "account's upsert" :
			    up == cJSON_GetObjectItemCaseSensitive(rec, "upsert") ? "upsert" : "record",
			    tc->name, tc->key_prefix);
		}
		if (cJSON_IsString(ref))
			snprintf(f->ref, sizeof f->ref, "%s", ref->valuestring);
		return SFP_E_ITEM;
	}
	return SFP_OK;
}

/* The lane of the tenant's org and user if it is open, else NULL. */
static struct lane *lane_find(const struct run *R, const struct sfp_tenant_conf *tc)
{
	size_t i;

	for (i = 0; i < R->nlanes; i++) {
		struct lane *L = R->lanes[i];

		if (sfp_sfid_same(L->org_id, tc->org_id) && strcmp(L->user_id, tc->user_id) == 0 &&
		    strcmp(L->username, tc->username) == 0)
			return L;
	}
	return NULL;
}

/* The lane of the tenant's org and user, opened on first use; NULL when out of memory. */
static struct lane *lane_for(struct run *R, const struct sfp_tenant_conf *tc)
{
	struct lane *L, **grown;
	struct sfp_org org;

	if ((L = lane_find(R, tc)))
		return L;
	if (!(grown = realloc(R->lanes, (R->nlanes + 1) * sizeof *grown)))
		return NULL;
	R->lanes = grown;
	if (!(L = calloc(1, sizeof *L)))
		return NULL;
	R->lanes[R->nlanes++] = L;
	snprintf(L->org_id, sizeof L->org_id, "%s", tc->org_id);
	snprintf(L->user_id, sizeof L->user_id, "%s", tc->user_id);
	snprintf(L->username, sizeof L->username, "%s", tc->username);
	snprintf(L->tenant, sizeof L->tenant, "%s", tc->name);
	L->o = *R->o;
	L->o.progress = NULL;   /* the stream reports for the whole run */
	if (tc->jobs > 0)
		L->o.jobs = (size_t)(tc->jobs > 16 ? 16 : tc->jobs);
	if (tc->max_api_usage > 0)
		L->o.max_api_usage = (int)tc->max_api_usage;
	L->r = *R;
	L->r.o = &L->o;
	L->r.st = &L->st;
	L->r.sf = NULL;
	L->r.lanes = NULL;
	L->r.nlanes = 0;
	L->r.rejects = NULL;
	L->r.worst = SFP_OK;
	L->r.stopped = 0;
	L->r.transient_rounds = 0;
	L->st.api_used = L->st.api_max = -1;
	L->open_st = sfp_tenant_org_load(tc, &org, NULL, 0, &L->open_fail);
	if (L->open_st == SFP_OK)
		L->open_st = sfp_sf_open(&org, &L->r.sf, &L->open_fail);
	sfp_org_fini(&org);
	if (L->open_st == SFP_OK) {
		snprintf(L->r.data_path, sizeof L->r.data_path, "%s", sfp_sf_data_path(L->r.sf));
		if (!R->o->dry_run)
			sfp_sf_login_ahead(L->r.sf);   /* while the rest of the window is read */
	} else if (R->o->dry_run) {
		L->open_st = SFP_OK;   /* a dry run sends nothing: it needs no session */
	} else {
		L->open_fail.status = SFP_E_ITEM;   /* this org's plans fail; others go on */
		snprintf(L->open_fail.place, sizeof L->open_fail.place, "tenant %s", tc->name);
	}
	return L;
}

enum sfp_status sfp_run_route(struct run *R, struct item *it, struct sfp_fail *f)
{
	const struct sfp_tenant_conf *tc;
	struct sfp_tenant_conf only;
	const char *name;
	enum sfp_status st;

	it->lane = NULL;
	if ((st = sfp_create_plan_tenant(it->plan, R->o->tenants != NULL, R->o->tenant, &name,
	    f)) != SFP_OK || !name)
		return st;
	if (!R->o->tenants) {
		/* One org, one named tenant: its keys still carry the default prefix. */
		memset(&only, 0, sizeof only);
		snprintf(only.name, sizeof only.name, "%s", name);
		snprintf(only.key_prefix, sizeof only.key_prefix, "%s:", name);
		return sfp_create_plan_keys(it->plan, &only, f);
	}
	if ((st = sfp_tenants_get(R->o->tenants, name, &tc, f)) != SFP_OK)
		return st;
	if ((st = sfp_create_plan_keys(it->plan, tc, f)) != SFP_OK)
		return st;
	if (!(it->lane = lane_for(R, tc)))
		return sfp_fail_oom(f, NULL);
	if (it->lane->open_st != SFP_OK) {
		*f = it->lane->open_fail;
		return SFP_E_ITEM;
	}
	return SFP_OK;
}

void sfp_run_lanes_fold(struct run *R)
{
	size_t i;

	R->st->sessions = R->nlanes;
	for (i = 0; i < R->nlanes; i++) {
		struct lane *L = R->lanes[i];

		R->st->ok += L->st.ok;
		R->st->failed += L->st.failed;
		R->st->requests += L->st.requests;
		R->st->resent += L->st.resent;
		R->st->skipped += L->st.skipped;
		R->st->lookups += L->st.lookups;
		L->calls += L->st.requests + L->st.lookups;
		if (L->st.rounds > R->st->rounds)
			R->st->rounds = L->st.rounds;   /* orgs' rounds run side by side */
		L->st.ok = L->st.failed = L->st.requests = L->st.resent = L->st.rounds = 0;
		L->st.skipped = L->st.lookups = 0;
		R->worst = sfp_status_worst(R->worst, L->r.worst);
		if (L->r.stopped && !R->stop.code[0]) {
			/* The run goes on for the other orgs; the first stop is what the
			 * run reports at its end. */
			R->stop = L->r.stop;
			snprintf(R->stop.place, sizeof R->stop.place, "tenant %s", L->tenant);
		}
	}
}

int sfp_run_tenant_count(struct run *R, const struct item *it, double elapsed_s)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(it->plan, "tenant");
	const char *name = cJSON_IsString(t) && sfp_tenant_name_valid(t->valuestring) ?
	    t->valuestring : "";
	struct sfp_create_stats *st = R->st;
	struct sfp_create_tenant_stats *row = NULL, *grown;
	size_t i;

	for (i = 0; i < st->ntenants && !row; i++)
		if (strcmp(st->tenants[i].tenant, name) == 0)
			row = &st->tenants[i];
	if (!row) {
		if (!(grown = realloc(st->tenants, (st->ntenants + 1) * sizeof *grown)))
			return -1;
		st->tenants = grown;
		row = memset(&st->tenants[st->ntenants++], 0, sizeof *row);
		snprintf(row->tenant, sizeof row->tenant, "%s", name);
		row->api_used = row->api_max = -1;
	}
	row->items++;
	/* As the run counts: a refusal passed through is a failure; a plan not
	 * sent (it->resend) a failure that waits for the next run. */
	if (it->kind != IT_PASS && it->result &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it->result, "ok")))
		row->ok++;
	else
		row->failed++;
	row->unsent += it->resend ? 1 : 0;
	row->elapsed_s = elapsed_s;
	return 0;
}

void sfp_run_tenants_close(struct run *R)
{
	struct sfp_fail ignored;
	size_t i;

	for (i = 0; i < R->st->ntenants; i++) {
		struct sfp_create_tenant_stats *row = &R->st->tenants[i];
		const struct sfp_tenant_conf *tc;
		struct lane *L;

		/* Tenants already read when their plans were routed: no new error. */
		if (!row->tenant[0] || sfp_tenants_get(R->o->tenants, row->tenant, &tc,
		    &ignored) != SFP_OK || !(L = lane_find(R, tc)))
			continue;
		row->api_calls = L->calls;
		if (L->r.sf)
			sfp_sf_usage(L->r.sf, &row->api_used, &row->api_max);
	}
}

void sfp_create_stats_fini(struct sfp_create_stats *st)
{
	free(st->tenants);
	memset(st, 0, sizeof *st);
	st->api_used = st->api_max = -1;
}

void sfp_run_lanes_free(struct run *R)
{
	size_t i;

	for (i = 0; i < R->nlanes; i++) {
		sfp_sf_close(R->lanes[i]->r.sf);
		free(R->lanes[i]);
	}
	free(R->lanes);
	R->lanes = NULL;
	R->nlanes = 0;
}
