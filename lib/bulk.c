/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "bulk.h"

#define MAX_COLS 512

static const cJSON *rec0(const cJSON *plan)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(plan, "records"), 0);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *key_field(const cJSON *rec)
{
	return str_of(cJSON_GetObjectItemCaseSensitive(rec, "upsert"), "field");
}

int sfp_bulk_eligible(const cJSON *plan)
{
	const cJSON *fl;

	if (sfp_plan_nodes(plan) != 1 || cJSON_GetObjectItemCaseSensitive(rec0(plan), "id"))
		return 0;   /* an update by id travels as a graph node */
	cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec0(plan), "fields")) {
		if (cJSON_IsObject(fl) || cJSON_IsArray(fl))
			return 0;
		if (cJSON_IsString(fl) && strstr(fl->valuestring, "@{"))
			return 0;
	}
	return 1;
}

int sfp_bulk_same_job(const cJSON *a, const cJSON *b)
{
	const cJSON *ra = rec0(a), *rb = rec0(b);
	const char *ka = key_field(ra), *kb = key_field(rb);

	if (strcasecmp(str_of(ra, "sobject"), str_of(rb, "sobject")) != 0)
		return 0;
	if (!ka || !kb)
		return !ka && !kb;
	return strcasecmp(ka, kb) == 0;
}

/* The text of one cell: "" when absent (left unchanged), "#N/A" for null. */
static const char *cell(const cJSON *rec, const char *col, char *buf, size_t cap)
{
	const char *key = key_field(rec);
	const cJSON *v = NULL, *fl;

	if (key && strcasecmp(col, key) == 0)
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "upsert"),
		    "value");
	else
		cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec, "fields"))
			if (strcasecmp(fl->string, col) == 0)
				v = fl;
	if (!v)
		return "";
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNull(v))
		return "#N/A";
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
		snprintf(buf, cap, "%.0f", v->valuedouble);
	else
		snprintf(buf, cap, "%.17g", v->valuedouble);
	return buf;
}

/* Column names of the job, the upsert key first; returns the count or -1. */
static int columns(const cJSON *const *plans, size_t n, const char **cols)
{
	const char *key = key_field(rec0(plans[0]));
	int nc = 0, j;
	size_t i;

	if (key)
		cols[nc++] = key;
	for (i = 0; i < n; i++) {
		const cJSON *fl;

		cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec0(plans[i]), "fields")) {
			for (j = 0; j < nc; j++)
				if (strcasecmp(cols[j], fl->string) == 0)
					break;
			if (j < nc)
				continue;
			if (nc == MAX_COLS)
				return -1;
			cols[nc++] = fl->string;
		}
	}
	return nc;
}

static int put_quoted(struct sfp_buf *b, const char *s)
{
	const char *q;

	if (sfp_buf_put(b, "\"", 1) < 0)
		return -1;
	while ((q = strchr(s, '"')) != NULL) {
		if (sfp_buf_put(b, s, (size_t)(q - s) + 1) < 0 || sfp_buf_put(b, "\"", 1) < 0)
			return -1;
		s = q + 1;
	}
	return sfp_buf_put(b, s, strlen(s)) < 0 || sfp_buf_put(b, "\"", 1) < 0 ? -1 : 0;
}

/* The join key of a row: its cells separated by 0x1f. */
static int put_key(struct sfp_buf *b, const char *const *cells, int n)
{
	int j;

	for (j = 0; j < n; j++)
		if ((j && sfp_buf_putc(b, '\x1f') < 0) || sfp_buf_puts(b, cells[j]) < 0)
			return -1;
	return 0;
}

static enum sfp_status build(const cJSON *const *plans, size_t n, struct sfp_buf *csv, char **keys)
{
	const char *cols[MAX_COLS], *cells[MAX_COLS];
	char nums[MAX_COLS][40];
	int nc = columns(plans, n, cols), j;
	size_t i;

	if (nc < 0)
		return SFP_E_INPUT;
	for (j = 0; j < nc; j++)
		if ((j && sfp_buf_put(csv, ",", 1) < 0) || put_quoted(csv, cols[j]) < 0)
			return SFP_E_INTERNAL;
	if (sfp_buf_put(csv, "\n", 1) < 0)
		return SFP_E_INTERNAL;
	for (i = 0; i < n; i++) {
		struct sfp_buf k = SFP_BUF_INIT;

		for (j = 0; j < nc; j++) {
			cells[j] = cell(rec0(plans[i]), cols[j], nums[j], sizeof nums[j]);
			if ((j && sfp_buf_put(csv, ",", 1) < 0) || put_quoted(csv, cells[j]) < 0)
				return SFP_E_INTERNAL;
		}
		if (sfp_buf_put(csv, "\n", 1) < 0)
			return SFP_E_INTERNAL;
		if (keys) {
			if (put_key(&k, cells, nc) < 0 || sfp_buf_put(&k, "", 0) < 0) {
				free(k.p);
				return SFP_E_INTERNAL;
			}
			keys[i] = k.p;
		}
	}
	return SFP_OK;
}

enum sfp_status sfp_bulk_csv(const cJSON *const *plans, size_t n, char **csv, size_t *len)
{
	struct sfp_buf b = SFP_BUF_INIT;
	enum sfp_status st = n ? build(plans, n, &b, NULL) : SFP_E_INPUT;

	if (st != SFP_OK) {
		free(b.p);
		*csv = NULL;
		return st;
	}
	*csv = b.p;
	*len = b.len;
	return SFP_OK;
}

int sfp_csv_row(const char *buf, size_t len, size_t *pos, char **cells, int max)
{
	size_t i = *pos;
	int n = 0;

	if (i >= len)
		return 0;
	for (;;) {
		struct sfp_buf c = SFP_BUF_INIT;

		if (sfp_buf_put(&c, "", 0) < 0)
			goto bad;
		if (i < len && buf[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					goto badc;
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						i++;
					} else {
						i++;
						break;
					}
				}
				if (sfp_buf_put(&c, buf + i, 1) < 0)
					goto badc;
			}
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
				if (sfp_buf_put(&c, buf + i++, 1) < 0)
					goto badc;
		}
		if (n == max)
			goto badc;
		cells[n++] = c.p;
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] != '\n')
			goto bad;
		*pos = i + 1;
		return n;
badc:
		free(c.p);
		goto bad;
	}
bad:
	while (n > 0)
		free(cells[--n]);
	return -1;
}

/* ---- the job ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static enum sfp_status call(struct sfp_sf *sf, const char *method, const char *path,
    const char *body, const char *ctype, int raw, struct sfp_sf_resp *rs, unsigned long *calls,
    struct sfp_fail *f)
{
	struct sfp_sf_req rq = { .method = method, .path = path, .body = body,
	    .content_type = ctype, .raw = raw, .accept = raw ? "text/csv" : NULL };

	sfp_sf_resp_fini(rs);
	sfp_sf_resp_init(rs);
	(*calls)++;
	return sfp_sf_request(sf, &rq, rs, f);
}

struct ent {
	const char *key;
	size_t idx;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The first plan not yet placed whose row key is key, or -1. */
static long find_row(struct ent *e, size_t n, const unsigned char *seen, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(e[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && strcmp(e[lo].key, key) == 0; lo++)
		if (!seen[e[lo].idx])
			return (long)e[lo].idx;
	return -1;
}

/* Join one results CSV (successful or failed) back onto the plans. */
static enum sfp_status join(const char *csv, size_t len, int ok, const cJSON *const *plans,
    struct ent *ents, size_t n, unsigned char *seen, enum sfp_outcome *out, cJSON **records,
    struct sfp_fail *fails)
{
	char *cells[MAX_COLS + 2];
	size_t pos = 0;
	int nc = sfp_csv_row(csv, len, &pos, cells, MAX_COLS + 2), j, m;

	if (nc < 0)
		return SFP_E_INPUT;
	for (j = 0; j < nc; j++)
		free(cells[j]);
	while ((m = sfp_csv_row(csv, len, &pos, cells, MAX_COLS + 2)) > 0) {
		struct sfp_buf k = SFP_BUF_INIT;
		long at = -1;

		if (m >= 2 && put_key(&k, (const char *const *)cells + 2, m - 2) == 0 &&
		    sfp_buf_put(&k, "", 0) == 0)
			at = find_row(ents, n, seen, k.p);
		free(k.p);
		if (at >= 0) {
			const char *ref = str_of(rec0(plans[at]), "ref");
			cJSON *r = cJSON_CreateObject(), *x;

			seen[at] = 1;
			if (ok) {
				if (r && (x = cJSON_AddObjectToObject(r, ref)) != NULL) {
					cJSON_AddStringToObject(x, "id", cells[0]);
					cJSON_AddBoolToObject(x, "created", strcmp(cells[1], "true") == 0);
				}
				records[at] = r;
				out[at] = SFP_OUT_OK;
			} else {
				char *colon = strchr(cells[1], ':');

				cJSON_Delete(r);
				if (colon)
					*colon = '\0';
				sfp_fail_set(&fails[at], SFP_E_ITEM, cells[1], NULL, "%s",
				    colon ? colon + 1 : cells[1]);
				snprintf(fails[at].ref, sizeof fails[at].ref, "%s", ref);
				/* A failed row was not written: one failed for a passing
				 * reason (UNABLE_TO_LOCK_ROW) is sent again. */
				out[at] = sfp_sf_status_for_code(400, cells[1], NULL) == SFP_E_TEMP ?
				    SFP_OUT_RESEND : SFP_OUT_FAILED;
			}
		}
		for (j = 0; j < m; j++)
			free(cells[j]);
	}
	return m < 0 ? SFP_E_INPUT : SFP_OK;
}

enum sfp_status sfp_bulk_run(struct sfp_sf *sf, const cJSON *const *plans, size_t n,
    enum sfp_outcome *out, cJSON **records, struct sfp_fail *fails, int *applied,
    unsigned long *calls, struct sfp_fail *f)
{
	const cJSON *r0 = rec0(plans[0]);
	const char *key = key_field(r0), *state = "";
	struct sfp_buf csv = SFP_BUF_INIT;
	char **keys = calloc(n, sizeof *keys), path[256], id[64] = "", final[32] = "", *job = NULL;
	struct ent *ents = calloc(n, sizeof *ents);
	unsigned char *seen = calloc(n, 1);
	struct sfp_sf_resp rs;
	enum sfp_status st;
	cJSON *j = cJSON_CreateObject();
	size_t i;
	long wait = 50;

	*applied = 0;
	sfp_sf_resp_init(&rs);
	for (i = 0; i < n; i++) {
		out[i] = SFP_OUT_TRANSIENT;
		records[i] = NULL;
		sfp_fail_set(&fails[i], SFP_E_TEMP, "OUTCOME_UNKNOWN", NULL,
		    "the bulk job did not report this row");
	}
	if (!keys || !ents || !seen || !j) {
		st = sfp_fail_oom(f, NULL);
		goto done;
	}
	if ((st = build(plans, n, &csv, keys)) != SFP_OK) {
		sfp_fail_set(f, st, "bulk", NULL, "cannot build the csv");
		goto done;
	}
	cJSON_AddStringToObject(j, "object", str_of(r0, "sobject"));
	cJSON_AddStringToObject(j, "operation", key ? "upsert" : "insert");
	if (key)
		cJSON_AddStringToObject(j, "externalIdFieldName", key);
	cJSON_AddStringToObject(j, "contentType", "CSV");
	cJSON_AddStringToObject(j, "lineEnding", "LF");
	if (!(job = cJSON_PrintUnformatted(j))) {
		st = sfp_fail_oom(f, NULL);
		goto done;
	}
	if ((st = call(sf, "POST", "jobs/ingest", job, NULL, 0, &rs, calls, f)) != SFP_OK)
		goto done;
	snprintf(id, sizeof id, "%s", str_of(rs.json, "id") ? str_of(rs.json, "id") : "");
	if (!id[0] || strchr(id, '/')) {
		st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", NULL, "the bulk job has no id");
		goto done;
	}
	snprintf(path, sizeof path, "jobs/ingest/%s/batches", id);
	if ((st = call(sf, "PUT", path, csv.p, "text/csv", 1, &rs, calls, f)) != SFP_OK)
		goto done;
	snprintf(path, sizeof path, "jobs/ingest/%s", id);
	*applied = 1;
	if ((st = call(sf, "PATCH", path, "{\"state\":\"UploadComplete\"}", NULL, 0, &rs, calls,
	    f)) != SFP_OK)
		goto done;
	for (;;) {
		if ((st = call(sf, "GET", path, NULL, NULL, 0, &rs, calls, f)) != SFP_OK)
			goto done;
		state = str_of(rs.json, "state") ? str_of(rs.json, "state") : "";
		if (!strcmp(state, "JobComplete") || !strcmp(state, "Failed") ||
		    !strcmp(state, "Aborted"))
			break;
		sleep_ms(wait);
		wait = wait * 2 > 1000 ? 1000 : wait * 2;
	}
	snprintf(final, sizeof final, "%s", state);   /* rs is reused below */
	for (i = 0; i < n; i++)
		ents[i] = (struct ent){ keys[i], i };
	qsort(ents, n, sizeof *ents, ent_cmp);
	snprintf(path, sizeof path, "jobs/ingest/%s/successfulResults/", id);
	if ((st = call(sf, "GET", path, NULL, NULL, 1, &rs, calls, f)) != SFP_OK)
		goto done;
	if (join(rs.body ? rs.body : "", rs.body_len, 1, plans, ents, n, seen, out, records,
	    fails) != SFP_OK) {
		st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", NULL, "malformed results csv");
		goto done;
	}
	snprintf(path, sizeof path, "jobs/ingest/%s/failedResults/", id);
	if ((st = call(sf, "GET", path, NULL, NULL, 1, &rs, calls, f)) != SFP_OK)
		goto done;
	if (join(rs.body ? rs.body : "", rs.body_len, 0, plans, ents, n, seen, out, records,
	    fails) != SFP_OK)
		st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", NULL, "malformed results csv");
	/* A Failed or Aborted job lists the rows it never processed
	 * (unprocessedrecords): those in neither list were not written, and are
	 * sent again; after JobComplete such a row's fate is unknown. */
	if (st == SFP_OK && (!strcmp(final, "Failed") || !strcmp(final, "Aborted")))
		for (i = 0; i < n; i++)
			if (!seen[i]) {
				out[i] = SFP_OUT_RESEND;
				sfp_fail_set(&fails[i], SFP_E_TEMP, "UNPROCESSED", NULL,
				    "the bulk job %s before processing this row", final);
			}
done:
	sfp_sf_resp_fini(&rs);
	if (keys)
		for (i = 0; i < n; i++)
			free(keys[i]);
	free(keys);
	free(ents);
	free(seen);
	free(csv.p);
	free(job);
	cJSON_Delete(j);
	return st;
}
