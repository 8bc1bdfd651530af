/* SPDX-License-Identifier: ISC */
/* tenants_map: a stream of tagged items, each mapped by its own tenant's mapping. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "tenants_map.h"

/* One tenant's compiled mapping, or why it has none (kept, so a broken
 * tenant's items cost one compile, not one each). */
struct tmap {
	int tried;
	struct sfp_catalog *cat;
	struct sfp_mapping *m;
	struct sfp_fail why;
};

struct run {
	struct sfp_tenants *ts;
	struct tmap *v;        /* indexed by the tenant's slot */
	size_t n;
	sfp_map_diag_fn diag;
	void *ctx;
};

static enum sfp_status
oom(struct sfp_fail *f)
{
	return sfp_fail_oom(f, NULL);
}

/* Compile tc's mapping against its catalog on its first item. */
static enum sfp_status
tenant_mapping(struct run *rn, const struct sfp_tenant_conf *tc, struct sfp_mapping **out,
    struct sfp_fail *f)
{
	struct sfp_problems probs = { NULL, 0, 0 };
	struct tmap *t;
	enum sfp_status st;
	char place[SFP_TENANT_NAME_MAX + 32];
	size_t i;

	if (tc->slot >= rn->n) {
		size_t n = tc->slot + 16;
		struct tmap *nv = realloc(rn->v, n * sizeof(*nv));
		if (nv == NULL)
			return oom(f);
		memset(nv + rn->n, 0, (n - rn->n) * sizeof(*nv));
		rn->v = nv, rn->n = n;
	}
	t = &rn->v[tc->slot];
	if (!t->tried) {
		t->tried = 1;
		sfp_fail_clear(&t->why);
		st = sfp_tenant_check_file(tc, tc->describe_path, &t->why);
		if (st == SFP_OK)
			st = sfp_tenant_check_file(tc, tc->mapping_path, &t->why);
		if (st == SFP_OK && (st = sfp_catalog_load(tc->describe_path, &t->cat, &t->why)) ==
		    SFP_OK)
			st = sfp_mapping_load(tc->mapping_path, t->cat, &t->m, &probs, &t->why);
		if (st == SFP_OK && sfp_mapping_set_tenant(t->m, tc->name) != 0)
			st = oom(&t->why);
		(void)snprintf(place, sizeof(place), "tenant %s: mapping.json", tc->name);
		for (i = 0; i < probs.n; i++) {
			sfp_fail_wrap_place(&probs.v[i], place);
			if (rn->diag != NULL)
				rn->diag(rn->ctx, NULL, &probs.v[i]);
		}
		sfp_problems_fini(&probs);
		if (st == SFP_E_INTERNAL) {
			*f = t->why;
			t->tried = 0;
			return st;
		}
		if (st != SFP_OK) {
			/* Whatever went wrong, for the items it is this tenant's
			 * configuration: refused one by one, the stream goes on. */
			if (strcmp(t->why.code, "missing") != 0 && strcmp(t->why.code, "bad-tenant") != 0)
				(void)snprintf(t->why.code, sizeof(t->why.code), "bad-mapping");
			if (strncmp(t->why.place, "tenant ", 7) != 0) {
				(void)snprintf(place, sizeof(place), "tenant %s", tc->name);
				sfp_fail_wrap_place(&t->why, place);
			}
			t->why.status = SFP_E_ITEM;
			sfp_mapping_free(t->m), t->m = NULL;
			sfp_catalog_free(t->cat), t->cat = NULL;
		}
	}
	if (t->m == NULL) {
		*f = t->why;
		return SFP_E_ITEM;
	}
	*out = t->m;
	return SFP_OK;
}

/* The tenant of a tagged item, or NULL when it is not exactly
 * {"tenant":"...","body":...}. */
static const char *
tag_of(const cJSON *item, const cJSON **body)
{
	const cJSON *t, *m;
	int n = 0;

	if (!cJSON_IsObject(item))
		return NULL;
	cJSON_ArrayForEach(m, item)
		n++;
	t = cJSON_GetObjectItemCaseSensitive(item, "tenant");
	*body = cJSON_GetObjectItemCaseSensitive(item, "body");
	if (n != 2 || !cJSON_IsString(t) || *body == NULL)
		return NULL;
	return t->valuestring;
}

/* sfp_map_stream_each's rule: the item's tenant, its mapping, its plan. */
static enum sfp_status
map_item(void *fctx, const cJSON *item, const char **tenant, const cJSON **id, const char **line,
    size_t *len, struct sfp_fail *err)
{
	struct run *rn = fctx;
	const struct sfp_tenant_conf *tc;
	struct sfp_mapping *m = NULL;
	const cJSON *body = NULL;
	enum sfp_status st;

	*id = NULL;
	if ((*tenant = tag_of(item, &body)) == NULL)
		return sfp_fail_set(err, SFP_E_ITEM, "untagged", NULL,
		    "not a tagged item {\"tenant\":..,\"body\":..} (use hmac-verify --tagged)");
	if ((st = sfp_tenants_get(rn->ts, *tenant, &tc, err)) != SFP_OK ||
	    (st = tenant_mapping(rn, tc, &m, err)) != SFP_OK)
		return st;
	if (!cJSON_IsObject(body))
		return sfp_fail_set(err, SFP_E_ITEM, "not-a-booking", "body",
		    "the body is not a booking (a json object)");
	*id = sfp_mapping_booking_id(m, body);
	return sfp_mapping_apply(m, body, line, len, err);
}

enum sfp_status
sfp_tenants_map_stream(struct sfp_tenants *ts, struct sfp_reader *r, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	struct run rn = { ts, NULL, 0, diag, ctx };
	enum sfp_status st;
	size_t i;

	st = sfp_map_stream_each(r, map_item, &rn, out, rejects, diag, ctx, counts, f);
	for (i = 0; i < rn.n; i++) {
		sfp_mapping_free(rn.v[i].m);
		sfp_catalog_free(rn.v[i].cat);
	}
	free(rn.v);
	return st;
}
