/* SPDX-License-Identifier: ISC */
/* mapping_stream: sf-map's stream, bookings in and plans or refusals out. */
#include "compat.h"

#include <stdint.h>
#include <string.h>

#include "mapping_int.h"

static enum sfp_status
write_failure(struct sfp_writer *out, struct sfp_writer *rejects, const cJSON *id,
    const cJSON *input, const char *raw, size_t rawlen, const struct sfp_fail *err,
    struct sfp_fail *f)
{
	enum sfp_status st = SFP_OK;
	cJSON *o, *e;

	if ((o = cJSON_CreateObject()) == NULL)
		return sfp_map_oom(f);
	if (!cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 0) : cJSON_CreateNull()) ||
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

static enum sfp_status
write_plan(struct sfp_writer *out, const char *line, size_t len, struct sfp_fail *f)
{
	enum sfp_status st;
	cJSON *j;

	if (!out->pretty)
		return sfp_write_raw(out, line, len, f);
	if ((j = cJSON_ParseWithLength(line, len)) == NULL)
		return sfp_map_oom(f);
	st = sfp_write_json(out, j, f);
	cJSON_Delete(j);
	return st;
}

enum sfp_status
sfp_map_stream(struct sfp_mapping *m, struct sfp_reader *r, struct sfp_writer *out,
    struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx, struct sfp_map_counts *counts,
    struct sfp_fail *f)
{
	enum sfp_status st, worst = SFP_OK;
	struct sfp_fail err;
	const char *line;
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
			if ((st = write_failure(out, rejects, NULL, NULL, raw, rawlen, &err, f)) != SFP_OK)
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
		st = sfp_mapping_apply(m, item, &line, &len, &err);
		if (st == SFP_OK) {
			counts->ok++;
			st = write_plan(out, line, len, f);
		} else if (st == SFP_E_ITEM) {
			const cJSON *id = cJSON_IsObject(item) ? sfp_mapping_booking_id(m, item) : NULL;
			counts->failed++;
			worst = SFP_E_ITEM;
			if (diag != NULL)
				diag(ctx, id, &err);
			st = write_failure(out, rejects, id, item, NULL, 0, &err, f);
		} else
			*f = err;
		cJSON_Delete(item);
		if (st != SFP_OK)
			return st;
	}
	return worst;
}
