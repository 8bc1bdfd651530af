/* SPDX-License-Identifier: ISC */
/* tenants_map: a stream of tagged items, each mapped by its own tenant's mapping. */
#include "compat.h"

#include <stdint.h>
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
	return sfp_fail_set(f, SFP_E_INTERNAL, "nomem", NULL, "out of memory");
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

/* {"tenant"?, "id", "ok":false, "error", "input"} to out and rejects. */
static enum sfp_status
write_refusal(struct sfp_writer *out, struct sfp_writer *rejects, const char *tenant,
    const cJSON *id, const cJSON *input, const char *raw, size_t rawlen,
    const struct sfp_fail *err, struct sfp_fail *f)
{
	enum sfp_status st;
	cJSON *o, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return oom(f);
	if ((tenant != NULL && cJSON_AddStringToObject(o, "tenant", tenant) == NULL) ||
	    !cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 0) : cJSON_CreateNull()) ||
	    cJSON_AddFalseToObject(o, "ok") == NULL ||
	    (e = sfp_fail_to_json(err)) == NULL || !cJSON_AddItemToObject(o, "error", e))
		goto nomem;
	if (input != NULL) {
		if (!cJSON_AddItemReferenceToObject(o, "input", (cJSON *)(uintptr_t)input))
			goto nomem;
	} else if ((e = sfp_raw_to_json(raw, raw ? rawlen : 0)) == NULL ||
	    !cJSON_AddItemToObject(o, "input", e))
		goto nomem;
	st = sfp_write_json(out, o, f);
	if (st == SFP_OK && rejects != NULL)
		st = sfp_write_json(rejects, o, f);
	cJSON_Delete(o);
	return st;
nomem:
	cJSON_Delete(o);
	return oom(f);
}

/* The plan line of the mapping ("{\"id\":...}\n") with "tenant" put first.
 * Tenant names need no JSON escaping: [A-Za-z0-9._-] only. */
static enum sfp_status
write_plan(struct sfp_writer *out, const char *tenant, const char *line, size_t len,
    struct sfp_fail *f)
{
	enum sfp_status st;
	size_t tlen = strlen(tenant), n = tlen + len + 16;
	char *buf;
	cJSON *j;
	int w;

	if ((buf = malloc(n)) == NULL)
		return oom(f);
	w = snprintf(buf, n, "{\"tenant\":\"%s\",%.*s", tenant, (int)(len - 1), line + 1);
	if (w < 0 || (size_t)w >= n) {
		free(buf);
		return sfp_fail_set(f, SFP_E_INTERNAL, "plan", NULL, "plan line too long");
	}
	if (!out->pretty)
		st = sfp_write_raw(out, buf, (size_t)w, f);
	else if ((j = cJSON_ParseWithLength(buf, (size_t)w)) == NULL)
		st = oom(f);
	else {
		st = sfp_write_json(out, j, f);
		cJSON_Delete(j);
	}
	free(buf);
	return st;
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

static enum sfp_status
map_item(struct run *rn, cJSON *item, struct sfp_writer *out, struct sfp_writer *rejects,
    struct sfp_map_counts *counts, struct sfp_fail *f)
{
	const struct sfp_tenant_conf *tc;
	struct sfp_mapping *m = NULL;
	struct sfp_fail err;
	const cJSON *body = NULL, *id = NULL;
	const char *tenant, *line;
	size_t len;
	enum sfp_status st;

	sfp_fail_clear(&err);
	if ((tenant = tag_of(item, &body)) == NULL)
		st = sfp_fail_set(&err, SFP_E_ITEM, "untagged", NULL,
		    "not a tagged item {\"tenant\":..,\"body\":..} (use hmac-verify --tagged)");
	else if ((st = sfp_tenants_get(rn->ts, tenant, &tc, &err)) == SFP_OK &&
	    (st = tenant_mapping(rn, tc, &m, &err)) == SFP_OK) {
		if (!cJSON_IsObject(body))
			st = sfp_fail_set(&err, SFP_E_ITEM, "not-a-booking", "body",
			    "the body is not a booking (a json object)");
		else {
			id = sfp_mapping_booking_id(m, body);
			st = sfp_mapping_apply(m, body, &line, &len, &err);
		}
	}
	if (st == SFP_OK) {
		counts->ok++;
		return write_plan(out, tenant, line, len, f);
	}
	if (st != SFP_E_ITEM) {
		*f = err;
		return st;
	}
	counts->failed++;
	if (rn->diag != NULL)
		rn->diag(rn->ctx, id, &err);
	if (st == SFP_E_ITEM && err.status == SFP_E_ITEM && strcmp(err.code, "untagged") == 0)
		tenant = NULL;
	return write_refusal(out, rejects, tenant, id, item, NULL, 0, &err, f);
}

enum sfp_status
sfp_tenants_map_stream(struct sfp_tenants *ts, struct sfp_reader *r, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	struct run rn = { ts, NULL, 0, diag, ctx };
	enum sfp_status st, worst = SFP_OK;
	struct sfp_fail err;
	cJSON *item;
	size_t i;

	memset(counts, 0, sizeof(*counts));
	for (;;) {
		item = NULL;
		sfp_fail_clear(&err);
		st = sfp_reader_next(r, &item, &err);
		if (st == SFP_OK && item == NULL)
			break;
		if (st == SFP_E_ITEM) {
			const char *raw;
			size_t rawlen;
			counts->in++, counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, NULL, &err);
			raw = sfp_reader_raw(r, &rawlen);
			if ((st = write_refusal(out, rejects, NULL, NULL, NULL, raw, rawlen, &err, f)) !=
			    SFP_OK)
				goto done;
			continue;
		}
		if (st != SFP_OK) {
			*f = err;
			goto done;
		}
		counts->in++;
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(item, "ok"))) {
			counts->failed++, counts->passed++;
			worst = SFP_E_ITEM;
			st = sfp_write_json(out, item, f);
		} else {
			unsigned long failed = counts->failed;
			st = map_item(&rn, item, out, rejects, counts, f);
			if (counts->failed != failed)
				worst = SFP_E_ITEM;
		}
		cJSON_Delete(item);
		if (st != SFP_OK)
			goto done;
	}
	st = worst;
done:
	for (i = 0; i < rn.n; i++) {
		sfp_mapping_free(rn.v[i].m);
		sfp_catalog_free(rn.v[i].cat);
	}
	free(rn.v);
	return st;
}
