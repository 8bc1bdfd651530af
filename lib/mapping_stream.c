/* SPDX-License-Identifier: ISC */
/* mapping_stream: sf-map's stream, bookings in and plans or refusals out. */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping_int.h"

/* {"tenant"?,"id","ok":false,"error","input"} to out and rejects. */
static enum sfp_status
write_failure(struct sfp_writer *out, struct sfp_writer *rejects, const char *tenant,
    const cJSON *id, const cJSON *input, const char *raw, size_t rawlen,
    const struct sfp_fail *err, struct sfp_fail *f)
{
	enum sfp_status st = SFP_OK;
	cJSON *o, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return sfp_map_oom(f);
	if ((tenant != NULL && cJSON_AddStringToObject(o, "tenant", tenant) == NULL) ||
	    !cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 0) : cJSON_CreateNull()) ||
	    cJSON_AddFalseToObject(o, "ok") == NULL ||
	    (e = sfp_fail_to_json(err)) == NULL || !cJSON_AddItemToObject(o, "error", e))
		goto nomem;
	if (input != NULL) {
		if (!cJSON_AddItemReferenceToObject(o, "input", (cJSON *)(uintptr_t)input))
			goto nomem;
	} else {
		/* An item that is not JSON goes out as its raw text (null when no
		 * JSON string can hold it: the error's position says where). */
		if ((e = sfp_raw_to_json(raw, raw ? rawlen : 0)) == NULL ||
		    !cJSON_AddItemToObject(o, "input", e))
			goto nomem;
	}
	st = sfp_write_json(out, o, f);
	if (st == SFP_OK && rejects != NULL)
		st = sfp_write_json(rejects, o, f);
	cJSON_Delete(o);
	return st;
nomem:
	cJSON_Delete(o);
	return sfp_map_oom(f);
}

/* The plan line ("{\"id\":...}\n"), with "tenant" put first when there is one
 * (a tenant name needs no JSON escaping: [A-Za-z0-9._-] only). */
static enum sfp_status
write_plan(struct sfp_writer *out, const char *tenant, const char *line, size_t len,
    struct sfp_fail *f)
{
	enum sfp_status st;
	char *buf = NULL;
	cJSON *j;

	if (tenant != NULL) {
		size_t n = strlen(tenant) + len + 16;
		int w;
		if ((buf = malloc(n)) == NULL)
			return sfp_map_oom(f);
		w = snprintf(buf, n, "{\"tenant\":\"%s\",%.*s", tenant, (int)(len - 1), line + 1);
		if (w < 0 || (size_t)w >= n) {
			free(buf);
			return sfp_map_oom(f);
		}
		line = buf, len = (size_t)w;
	}
	if (!out->pretty)
		st = sfp_write_raw(out, line, len, f);
	else if ((j = cJSON_ParseWithLength(line, len)) == NULL)
		st = sfp_map_oom(f);
	else {
		st = sfp_write_json(out, j, f);
		cJSON_Delete(j);
	}
	free(buf);
	return st;
}

/* One booking through one mapping: sfp_map_stream's rule for each item. */
static enum sfp_status
map_one(void *ctx, const cJSON *item, const char **tenant, const cJSON **id, const char **line,
    size_t *len, struct sfp_fail *err)
{
	struct sfp_mapping *m = ctx;
	enum sfp_status st;

	*tenant = NULL;
	st = sfp_mapping_apply(m, item, line, len, err);
	*id = st == SFP_E_ITEM && cJSON_IsObject(item) ? sfp_mapping_booking_id(m, item) : NULL;
	return st;
}

enum sfp_status
sfp_map_stream(struct sfp_mapping *m, struct sfp_reader *r, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	return sfp_map_stream_each(r, map_one, m, out, rejects, diag, ctx, counts, f);
}

enum sfp_status
sfp_map_stream_each(struct sfp_reader *r, sfp_map_item_fn fn, void *fctx, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	enum sfp_status st, worst = SFP_OK;
	struct sfp_fail err;
	const char *line, *tenant;
	const cJSON *id;
	size_t len;
	cJSON *item;

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
			counts->in++;
			counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, NULL, &err);
			raw = sfp_reader_raw(r, &rawlen);
			if ((st = write_failure(out, rejects, NULL, NULL, NULL, raw, rawlen, &err, f)) !=
			    SFP_OK)
				return st;
			continue;
		}
		if (st != SFP_OK) {
			*f = err;
			return st;
		}
		counts->in++;
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(item, "ok"))) {
			counts->failed++;
			counts->passed++;
			worst = SFP_E_ITEM;
			st = sfp_write_json(out, item, f);
			cJSON_Delete(item);
			if (st != SFP_OK)
				return st;
			continue;
		}
		st = fn(fctx, item, &tenant, &id, &line, &len, &err);
		if (st == SFP_OK) {
			counts->ok++;
			st = write_plan(out, tenant, line, len, f);
		} else if (st == SFP_E_ITEM) {
			counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, id, &err);
			st = write_failure(out, rejects, tenant, id, item, NULL, 0, &err, f);
		} else
			*f = err;
		cJSON_Delete(item);
		if (st != SFP_OK)
			return st;
	}
	return worst;
}
