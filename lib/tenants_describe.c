/* SPDX-License-Identifier: ISC */
/* tenants_describe: refresh each tenant's describe.json, one tenant's failure its own. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe_fetch.h"
#include "secret.h"
#include "tenants_describe.h"

#define MAX_MAPPING_SOBJECTS 64

/* The distinct sObjects a tenant's mapping names, borrowed from map. */
static enum sfp_status
mapping_sobjects(const struct sfp_tenant_conf *tc, cJSON **map, const char **names, size_t *n,
    struct sfp_fail *f)
{
	const cJSON *recs, *r, *so;
	enum sfp_status st;
	size_t i;

	*n = 0;
	if ((st = sfp_tenant_check_file(tc, tc->mapping_path, f)) != SFP_OK ||
	    (st = sfp_json_load(tc->mapping_path, 4 * 1024 * 1024, map, f)) != SFP_OK)
		return st == SFP_E_INTERNAL ? st : SFP_E_ITEM;
	recs = cJSON_GetObjectItemCaseSensitive(*map, "records");
	cJSON_ArrayForEach(r, recs) {
		so = cJSON_GetObjectItemCaseSensitive(r, "sobject");
		if (!cJSON_IsString(so))
			continue;
		for (i = 0; i < *n && strcmp(names[i], so->valuestring) != 0; i++)
			;
		if (i == *n && *n < MAX_MAPPING_SOBJECTS)
			names[(*n)++] = so->valuestring;
	}
	if (*n == 0)
		return sfp_fail_set(f, SFP_E_ITEM, "bad-mapping", "mapping.json",
		    "names no sObject to describe");
	return SFP_OK;
}

/* Describe into memory, then replace describe.json only when all went well. */
static enum sfp_status
refresh_one(const struct sfp_tenant_conf *tc, const char *const *sobjects, size_t nsobjects,
    int flags, const char *flow, size_t *count, struct sfp_fail *f)
{
	struct sfp_describe_opts o;
	const char *names[MAX_MAPPING_SOBJECTS];
	cJSON *map = NULL;
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	struct sfp_writer mw;
	struct sfp_fail wf;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	enum sfp_status st;

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	if (nsobjects == 0) {
		if ((st = mapping_sobjects(tc, &map, names, &nsobjects, f)) != SFP_OK)
			goto out;
		sobjects = names;
	}
	*count = nsobjects;
	if ((st = sfp_tenant_org_load(tc, &org, flow, (flags & SFP_DESCRIBE_NO_CACHE) != 0, f)) ==
	    SFP_OK)
		st = sfp_sf_open(&org, &sf, f);
	sfp_org_fini(&org);
	if (st != SFP_OK)
		goto out;
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	sfp_writer_init(&mw, mem, "describe.json", 0);
	st = sfp_sf_describe_run(sf, sobjects, nsobjects, &o, &mw, NULL, NULL, f);
	if (st == SFP_E_ITEM)
		(void)sfp_fail_set(f, SFP_E_ITEM, "describe", NULL,
		    "some sObjects could not be described; describe.json kept as it was");
	if (sfp_writer_fini(&mw, &wf) != SFP_OK || fclose(mem) != 0) {
		mem = NULL;
		if (st == SFP_OK)
			st = sfp_fail_oom(f, NULL);
	}
	mem = NULL;
	if (st == SFP_OK)
		st = sfp_secret_write_file(tc->describe_path, buf, len, 1, f);
out:
	if (mem != NULL)
		(void)fclose(mem);
	free(buf);
	sfp_sf_close(sf);
	cJSON_Delete(map);
	return st;
}

static enum sfp_status
report(struct sfp_writer *w, const char *tenant, size_t count, const struct sfp_fail *err,
    struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e = NULL;

	return sfp_write_built(w, o, o != NULL && cJSON_AddStringToObject(o, "tenant", tenant) != NULL &&
	    cJSON_AddBoolToObject(o, "ok", err == NULL) != NULL &&
	    (err == NULL ? cJSON_AddNumberToObject(o, "sobjects", (double)count) != NULL :
	    ((e = sfp_fail_to_json(err)) != NULL && cJSON_AddItemToObject(o, "error", e))), f);
}

enum sfp_status
sfp_tenants_describe(struct sfp_tenants *ts, const char *const *only, size_t nonly,
    const char *const *sobjects, size_t nsobjects, int flags, const char *flow,
    struct sfp_writer *w, sfp_tenant_note_fn note, void *ctx, struct sfp_fail *f)
{
	const struct sfp_tenant_conf *tc;
	const char **names = NULL;
	enum sfp_status st, worst = SFP_OK;
	struct sfp_fail err;
	size_t i, n, count;

	if (nonly == 0) {
		if ((st = sfp_tenants_list(ts, &names, &n, f)) != SFP_OK)
			return st;
		only = names, nonly = n;
	}
	for (i = 0; i < nonly; i++) {
		sfp_fail_clear(&err);
		count = 0;
		st = sfp_tenants_get(ts, only[i], &tc, &err);
		if (st == SFP_OK)
			st = refresh_one(tc, sobjects, nsobjects, flags, flow, &count, &err);
		if (st == SFP_E_INTERNAL) {
			/* Out of memory would fail every tenant. */
			*f = err;
			return st;
		}
		if (st != SFP_OK) {
			worst = SFP_E_ITEM;
			if (note != NULL)
				note(ctx, only[i], &err);
		}
		if ((st = report(w, only[i], count, st == SFP_OK ? NULL : &err, f)) != SFP_OK)
			return st;
	}
	return worst;
}

enum sfp_status
sfp_tenants_describe_dir(const char *dir, const char *const *sobjects, size_t nsobjects,
    int flags, const char *flow, struct sfp_writer *w, sfp_tenant_note_fn note, void *ctx,
    struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	enum sfp_status st;

	if ((st = sfp_tenants_open(dir, &ts, f)) == SFP_OK)
		st = sfp_tenants_describe(ts, NULL, 0, sobjects, nsobjects, flags, flow, w, note, ctx,
		    f);
	sfp_tenants_free(ts);
	return st;
}
