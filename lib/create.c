/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bulk.h"
#include "create.h"
#include "field.h"
#include "http.h"

/* ---- the plan format ---- */

static int ref_ok(const char *s)
{
	size_t i;

	if (!s || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= SFP_PLAN_MAX_REF || !(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* An sObject or field API name: a letter, then letters, digits, underscores. */
static int api_name_ok(const char *s)
{
	size_t i;

	if (!s || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= 80 || !(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

struct refscan {
	const cJSON *records;   /* the plan's records */
	size_t upto;            /* refs before this index may be named */
	int *depth;
	int max;                /* deepest record named so far */
	const char *bad;        /* first unknown name, for the message */
	size_t badlen;
};

/* Index of the record called name[0..len) among the first upto, or -1. */
static long find_ref(const cJSON *records, size_t upto, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < upto; i++) {
		const char *r = str_of(cJSON_GetArrayItem(records, (int)i), "ref");

		if (r && strlen(r) == len && memcmp(r, name, len) == 0)
			return (long)i;
	}
	return -1;
}

/* Walk every "@{name." in s; returns 0 when one names no earlier record. */
static int scan_string(const char *s, struct refscan *rs)
{
	const char *p = s;

	while ((p = strstr(p, "@{")) != NULL) {
		const char *n = p + 2, *e = n;
		long at;

		while (isalnum((unsigned char)*e) || *e == '_')
			e++;
		if (*e != '.' || e == n) {
			p = n;
			continue;
		}
		at = find_ref(rs->records, rs->upto, n, (size_t)(e - n));
		if (at < 0) {
			rs->bad = n;
			rs->badlen = (size_t)(e - n);
			return 0;
		}
		if (rs->depth[at] > rs->max)
			rs->max = rs->depth[at];
		p = e;
	}
	return 1;
}

static int scan_value(const cJSON *v, struct refscan *rs)
{
	const cJSON *c;

	if (cJSON_IsString(v))
		return scan_string(v->valuestring, rs);
	if (cJSON_IsObject(v) || cJSON_IsArray(v))
		cJSON_ArrayForEach(c, v)
			if (!scan_value(c, rs))
				return 0;
	return 1;
}

static enum sfp_status bad_plan(struct sfp_fail *f, const char *ref, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum sfp_status bad_plan(struct sfp_fail *f, const char *ref, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sfp_fail_set(f, SFP_E_ITEM, "bad-plan", NULL, "%s", msg);
	if (f && ref)
		snprintf(f->ref, sizeof f->ref, "%.*s", (int)sizeof f->ref - 1, ref);
	return SFP_E_ITEM;
}

enum sfp_status sfp_plan_check(const cJSON *plan, struct sfp_fail *f)
{
	const cJSON *id, *records, *rec;
	int depth[SFP_GRAPH_MAX_NODES];
	size_t i = 0;

	if (!cJSON_IsObject(plan))
		return bad_plan(f, NULL, "a plan must be a json object");
	id = cJSON_GetObjectItemCaseSensitive(plan, "id");
	if (!(cJSON_IsString(id) && id->valuestring[0]) && !cJSON_IsNumber(id))
		return bad_plan(f, NULL, "plan: \"id\" must be a non-empty string or a number");
	records = cJSON_GetObjectItemCaseSensitive(plan, "records");
	if (!cJSON_IsArray(records) || cJSON_GetArraySize(records) < 1)
		return bad_plan(f, NULL, "plan: \"records\" must be a non-empty array");
	if (cJSON_GetArraySize(records) > SFP_GRAPH_MAX_NODES)
		return bad_plan(f, NULL, "plan: more than 500 records");
	cJSON_ArrayForEach(rec, records) {
		const char *ref = str_of(rec, "ref"), *so = str_of(rec, "sobject");
		const cJSON *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields"), *fl, *up;
		struct refscan rs;

		if (!cJSON_IsObject(rec))
			return bad_plan(f, NULL, "plan: every record must be an object");
		if (!ref_ok(ref))
			return bad_plan(f, NULL, "record ref %s: must be 1 to 40 letters, digits or "
			    "underscores, starting with a letter or digit", ref ? ref : "(missing)");
		if (find_ref(records, i, ref, strlen(ref)) >= 0)
			return bad_plan(f, ref, "record %s: ref used twice", ref);
		if (!api_name_ok(so))
			return bad_plan(f, ref, "record %s: \"sobject\" must be an api name", ref);
		if (!cJSON_IsObject(fields))
			return bad_plan(f, ref, "record %s: \"fields\" must be an object", ref);
		rs = (struct refscan){ .records = records, .upto = i, .depth = depth };
		cJSON_ArrayForEach(fl, fields) {
			if (!api_name_ok(fl->string))
				return bad_plan(f, ref, "record %s: field names must be api names", ref);
			if (cJSON_IsArray(fl))
				return bad_plan(f, ref, "record %s: a field value cannot be an array", ref);
			if (!scan_value(fl, &rs)) {
				sfp_fail_set(f, SFP_E_ITEM, "bad-plan", NULL,
				    "record %s: field %s: @{%.*s.} names no earlier record", ref,
				    fl->string, (int)(rs.badlen > 64 ? 64 : rs.badlen), rs.bad);
				if (f)
					snprintf(f->ref, sizeof f->ref, "%s", ref);
				return SFP_E_ITEM;
			}
		}
		depth[i] = rs.max + 1;
		if (depth[i] > SFP_GRAPH_MAX_DEPTH)
			return bad_plan(f, ref, "record %s: references nest deeper than 15", ref);
		up = cJSON_GetObjectItemCaseSensitive(rec, "upsert");
		if (up) {
			const cJSON *val = cJSON_GetObjectItemCaseSensitive(up, "value");

			if (!cJSON_IsObject(up) || !api_name_ok(str_of(up, "field")))
				return bad_plan(f, ref, "record %s: \"upsert\" needs a \"field\" api name", ref);
			if (!(cJSON_IsString(val) && val->valuestring[0]) &&
			    !(cJSON_IsNumber(val) && isfinite(val->valuedouble)))
				return bad_plan(f, ref, "record %s: \"upsert\" needs a non-empty \"value\"", ref);
		}
		i++;
	}
	return SFP_OK;
}

size_t sfp_plan_nodes(const cJSON *plan)
{
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(plan, "records"));

	return n > 0 ? (size_t)n : 0;
}

int sfp_plan_all_upsert(const cJSON *plan)
{
	const cJSON *rec;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records"))
		if (!cJSON_GetObjectItemCaseSensitive(rec, "upsert"))
			return 0;
	return 1;
}

/* ---- packing ---- */

struct kind {
	int upsert;
	const char *sobject;
};

struct kinds {
	struct kind k[SFP_GRAPH_MAX_KINDS + 1];
	size_t n;
};

/* Add the plan's kinds to ks; returns 0 (ks unchanged) when that would pass 15. */
static int kinds_add(struct kinds *ks, const cJSON *plan)
{
	struct kinds t = *ks;
	const cJSON *rec;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records")) {
		struct kind k = { cJSON_GetObjectItemCaseSensitive(rec, "upsert") != NULL,
		    str_of(rec, "sobject") };
		size_t j;

		for (j = 0; j < t.n; j++)
			if (t.k[j].upsert == k.upsert && strcasecmp(t.k[j].sobject, k.sobject) == 0)
				break;
		if (j < t.n)
			continue;
		if (t.n == SFP_GRAPH_MAX_KINDS)
			return 0;
		t.k[t.n++] = k;
	}
	*ks = t;
	return 1;
}

static void spread(size_t *graph_of, size_t start, size_t end)
{
	size_t p = end - start, g = p < SFP_GRAPH_MAX_GRAPHS ? p : SFP_GRAPH_MAX_GRAPHS, k;

	for (k = 0; k < p; k++)
		graph_of[start + k] = k * g / p;
}

void sfp_create_pack(const cJSON *const *plans, const unsigned char *solo, size_t n,
    size_t *req_of, size_t *graph_of, size_t *nreq)
{
	struct kinds ks = { .n = 0 };
	size_t i, r = 0, start = 0, nodes = 0;

	for (i = 0; i < n; i++) {
		size_t pn = sfp_plan_nodes(plans[i]);
		int alone = solo && (solo[i] || (i > start && solo[start]));

		if (i > start && (alone || nodes + pn > SFP_GRAPH_MAX_NODES ||
		    !kinds_add(&ks, plans[i]))) {
			spread(graph_of, start, i);
			r++;
			start = i;
			nodes = 0;
			ks.n = 0;
		}
		if (i == start)
			kinds_add(&ks, plans[i]);
		nodes += pn;
		req_of[i] = r;
	}
	if (n > start)
		spread(graph_of, start, n);
	*nreq = n ? r + 1 : 0;
}

/* ---- request bodies ---- */

/* s with every "@{name." turned into "@{p<num>_name.". */
static char *rewrite_refs(const char *s, size_t num)
{
	size_t cap = strlen(s) + 1, len = 0, extra = 0;
	const char *p;
	char *out;
	char pre[32];
	int pl = snprintf(pre, sizeof pre, "p%zu_", num);

	for (p = s; (p = strstr(p, "@{")) != NULL; p += 2)
		extra++;
	cap += extra * (size_t)pl;
	if (!(out = malloc(cap)))
		return NULL;
	for (p = s; *p;) {
		if (p[0] == '@' && p[1] == '{') {
			const char *e = p + 2;

			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			memcpy(out + len, "@{", 2);
			len += 2;
			if (*e == '.' && e > p + 2) {
				memcpy(out + len, pre, (size_t)pl);
				len += (size_t)pl;
			}
			p += 2;
			continue;
		}
		out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

static cJSON *rewrite_value(const cJSON *v, size_t num)
{
	cJSON *o, *c;
	const cJSON *e;

	if (cJSON_IsString(v) && strstr(v->valuestring, "@{")) {
		char *s = rewrite_refs(v->valuestring, num);

		o = s ? cJSON_CreateString(s) : NULL;
		free(s);
		return o;
	}
	if (!cJSON_IsObject(v))
		return cJSON_Duplicate(v, 1);
	if (!(o = cJSON_CreateObject()))
		return NULL;
	cJSON_ArrayForEach(e, v) {
		if (!(c = rewrite_value(e, num))) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddItemToObject(o, e->string, c);
	}
	return o;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static int url_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			if (n + 1 >= cap)
				return -1;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= cap)
				return -1;
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

static cJSON *node_of(const char *data_path, const cJSON *rec, size_t num)
{
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(rec, "upsert"), *fl;
	const char *so = str_of(rec, "sobject"), *key = up ? str_of(up, "field") : NULL;
	cJSON *node = cJSON_CreateObject(), *body = cJSON_CreateObject(), *c;
	char url[4096], ref[64], val[3072];

	if (!node || !body)
		goto oom;
	snprintf(ref, sizeof ref, "p%zu_%s", num, str_of(rec, "ref"));
	if (up) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(up, "value");
		char numbuf[64];
		const char *raw = v->valuestring;

		if (cJSON_IsNumber(v)) {
			if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
				snprintf(numbuf, sizeof numbuf, "%.0f", v->valuedouble);
			else
				snprintf(numbuf, sizeof numbuf, "%.17g", v->valuedouble);
			raw = numbuf;
		}
		if (url_encode(raw, val, sizeof val) < 0)
			goto oom;
		snprintf(url, sizeof url, "%s/sobjects/%s/%s/%s", data_path, so, key, val);
	} else {
		snprintf(url, sizeof url, "%s/sobjects/%s", data_path, so);
	}
	cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec, "fields")) {
		if (key && strcasecmp(fl->string, key) == 0)
			continue;   /* Salesforce refuses the key field in an upsert body */
		if (!(c = rewrite_value(fl, num)))
			goto oom;
		cJSON_AddItemToObject(body, fl->string, c);
	}
	if (!cJSON_AddStringToObject(node, "method", up ? "PATCH" : "POST") ||
	    !cJSON_AddStringToObject(node, "url", url) ||
	    !cJSON_AddStringToObject(node, "referenceId", ref))
		goto oom;
	cJSON_AddItemToObject(node, "body", body);
	return node;
oom:
	cJSON_Delete(node);
	cJSON_Delete(body);
	return NULL;
}

cJSON *sfp_graph_body(const char *data_path, const cJSON *const *plans, const size_t *num,
    const size_t *graph_of, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *graphs = cJSON_AddArrayToObject(root, "graphs");
	cJSON *nodes = NULL;
	size_t i;

	if (!root || !graphs)
		goto oom;
	for (i = 0; i < n; i++) {
		const cJSON *rec;

		if (i == 0 || graph_of[i] != graph_of[i - 1]) {
			cJSON *g = cJSON_CreateObject();
			char gid[32];

			if (!g)
				goto oom;
			cJSON_AddItemToArray(graphs, g);
			snprintf(gid, sizeof gid, "g%zu", graph_of[i]);
			if (!cJSON_AddStringToObject(g, "graphId", gid) ||
			    !(nodes = cJSON_AddArrayToObject(g, "compositeRequest")))
				goto oom;
		}
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plans[i], "records")) {
			cJSON *node = node_of(data_path, rec, num[i]);

			if (!node)
				goto oom;
			cJSON_AddItemToArray(nodes, node);
		}
	}
	return root;
oom:
	cJSON_Delete(root);
	return NULL;
}

/* ---- graph responses ---- */

int sfp_create_is_daily_limit(const char *code, const char *message)
{
	if (!code || strcmp(code, "REQUEST_LIMIT_EXCEEDED") != 0)
		return 0;
	/* "TotalRequests Limit exceeded." is the daily cap; "ConcurrentPerOrgLongTxn
	 * Limit exceeded." the concurrency one (salesforce-rest.md 9.5). */
	return !message || strncasecmp(message, "Concurrent", 10) != 0;
}

static int code_transient(long status, const char *code, const char *message)
{
	if (strcmp(code, "UNABLE_TO_LOCK_ROW") == 0 || strcmp(code, "SERVER_UNAVAILABLE") == 0)
		return 1;
	if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0)
		return !sfp_create_is_daily_limit(code, message);
	return status >= 500;
}

/* Fill f from a Salesforce error array (errorCode or statusCode keys). */
static void fail_from_errors(const cJSON *body, long status, struct sfp_fail *f)
{
	const cJSON *e = cJSON_IsArray(body) ? cJSON_GetArrayItem(body, 0) : body, *fl;
	const char *code = str_of(e, "errorCode"), *msg = str_of(e, "message");
	size_t n = 0;

	if (!code)
		code = str_of(e, "statusCode");
	sfp_fail_set(f, code_transient(status, code ? code : "", msg) ? SFP_E_TEMP : SFP_E_ITEM,
	    code ? code : "HTTP_ERROR", NULL, "%s", msg ? msg : "salesforce gave no message");
	if (!code)
		snprintf(f->code, sizeof f->code, "HTTP_%ld", status);
	cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(e, "fields")) {
		if (!cJSON_IsString(fl))
			continue;
		int w = snprintf(f->fields + n, sizeof f->fields - n, "%s%s", n ? "," : "",
		    fl->valuestring);
		if (w < 0 || (size_t)w >= sizeof f->fields - n) {
			f->fields[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

/* "p<num>_<ref>" -> index into num[] (binary search) and the ref; -1 if none. */
static long plan_of_ref(const char *rid, const size_t *num, size_t n, const char **ref)
{
	size_t lo = 0, hi = n, v = 0;
	const char *p = rid;

	if (!rid || *p++ != 'p' || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > SIZE_MAX / 10 - 10)
			return -1;
		v = v * 10 + (size_t)(*p++ - '0');
	}
	if (*p++ != '_')
		return -1;
	*ref = p;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (num[mid] == v)
			return (long)mid;
		if (num[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int is_halted(const cJSON *body)
{
	const char *c = str_of(cJSON_IsArray(body) ? cJSON_GetArrayItem(body, 0) : body, "errorCode");

	return c && strcmp(c, "PROCESSING_HALTED") == 0;
}

enum sfp_status sfp_graph_read(const cJSON *resp, const cJSON *const *plans, const size_t *num,
    size_t n, enum sfp_outcome *out, cJSON **records, struct sfp_fail *fails)
{
	const cJSON *graphs = cJSON_GetObjectItemCaseSensitive(resp, "graphs"), *g;
	size_t i, *okn = calloc(n ? n : 1, sizeof *okn);
	unsigned char *state = calloc(n ? n : 1, 1);   /* 1 in a failed graph, 2 failing */

	if (!okn || !state) {
		free(okn);
		free(state);
		return SFP_E_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		out[i] = SFP_OUT_TRANSIENT;
		records[i] = NULL;
		sfp_fail_set(&fails[i], SFP_E_TEMP, "MISSING", NULL,
		    "the graph response did not mention this plan");
	}
	if (!cJSON_IsArray(graphs)) {
		free(okn);
		free(state);
		return SFP_E_INPUT;
	}
	cJSON_ArrayForEach(g, graphs) {
		const cJSON *ok = cJSON_GetObjectItemCaseSensitive(g, "isSuccessful"), *node;
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(g, "graphResponse"), "compositeResponse");

		cJSON_ArrayForEach(node, cr) {
			const char *ref = NULL;
			long at = plan_of_ref(str_of(node, "referenceId"), num, n, &ref);
			const cJSON *body = cJSON_GetObjectItemCaseSensitive(node, "body");
			const cJSON *hs = cJSON_GetObjectItemCaseSensitive(node, "httpStatusCode");
			long status = cJSON_IsNumber(hs) && hs->valuedouble >= 0 &&
			    hs->valuedouble < 1000 ? (long)hs->valuedouble : 0;

			if (at < 0)
				continue;
			if (cJSON_IsTrue(ok)) {
				const char *id = str_of(body, "id");
				const cJSON *cr8 = cJSON_GetObjectItemCaseSensitive(body, "created");
				cJSON *r;

				if (!id) {   /* 204 from an old API version: the id is in Location */
					const char *loc = str_of(cJSON_GetObjectItemCaseSensitive(node,
					    "httpHeaders"), "Location");
					id = loc && strrchr(loc, '/') ? strrchr(loc, '/') + 1 : "";
				}
				if (!records[at] && !(records[at] = cJSON_CreateObject()))
					goto oom;
				if (!(r = cJSON_AddObjectToObject(records[at], ref)) ||
				    !cJSON_AddStringToObject(r, "id", id) ||
				    !cJSON_AddBoolToObject(r, "created", cJSON_IsBool(cr8) ?
				    cJSON_IsTrue(cr8) : status == 201))
					goto oom;
				okn[at]++;
			} else if (!is_halted(body) && state[at] != 2) {
				fail_from_errors(body, status, &fails[at]);
				snprintf(fails[at].ref, sizeof fails[at].ref, "%s", ref);
				state[at] = 2;
			} else if (state[at] == 0) {
				state[at] = 1;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (state[i] == 2) {
			out[i] = fails[i].status == SFP_E_TEMP ? SFP_OUT_TRANSIENT : SFP_OUT_FAILED;
		} else if (state[i] == 1) {
			out[i] = SFP_OUT_RESEND;
			sfp_fail_clear(&fails[i]);
		} else if (okn[i] == sfp_plan_nodes(plans[i])) {
			out[i] = SFP_OUT_OK;
			sfp_fail_clear(&fails[i]);
			continue;
		}
		cJSON_Delete(records[i]);
		records[i] = NULL;
	}
	free(okn);
	free(state);
	return SFP_OK;
oom:
	for (i = 0; i < n; i++) {
		cJSON_Delete(records[i]);
		records[i] = NULL;
	}
	free(okn);
	free(state);
	return SFP_E_INTERNAL;
}

/* ---- the operator form ---- */

/* Values are coerced by field.c's rules for typed text, those sf-map applies
 * to a string in a booking; without a catalog they stay strings. */
static enum sfp_status coerce(const struct sfp_catalog *cat, const char *sobject,
    const char *field, const char *val, cJSON **out, struct sfp_fail *f)
{
	if (!cat)
		return (*out = cJSON_CreateString(val)) ? SFP_OK : SFP_E_INTERNAL;
	return sfp_field_typed(cat, sobject, field, val, out, f);
}

static enum sfp_status split_assign(const char *arg, char *name, size_t cap, const char **val,
    struct sfp_fail *f)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) >= cap)
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL,
		    "%.64s: expected Field=Value", arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (!api_name_ok(name))
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "%.64s: not a field api name", name);
	*val = eq + 1;
	return SFP_OK;
}

enum sfp_status sfp_create_operator_plan(const struct sfp_catalog *cat, const char *sobject,
    const char *const *assign, size_t n, const char *upsert, cJSON **plan, struct sfp_fail *f)
{
	cJSON *p = cJSON_CreateObject(), *recs, *rec, *fields, *v;
	enum sfp_status st = SFP_E_INTERNAL;
	char name[96];
	const char *val;
	size_t i;

	*plan = NULL;
	if (!api_name_ok(sobject)) {
		cJSON_Delete(p);
		return sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "%.64s: not an sobject api name",
		    sobject);
	}
	if (!p || !cJSON_AddStringToObject(p, "id", sobject) ||
	    !(recs = cJSON_AddArrayToObject(p, "records")) || !(rec = cJSON_CreateObject()))
		goto fail;
	cJSON_AddItemToArray(recs, rec);
	if (!cJSON_AddStringToObject(rec, "ref", "record") ||
	    !cJSON_AddStringToObject(rec, "sobject", sobject))
		goto fail;
	if (upsert) {
		cJSON *u;

		if ((st = split_assign(upsert, name, sizeof name, &val, f)) != SFP_OK)
			goto fail;
		if (!*val) {
			st = sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "--upsert %s: empty value", name);
			goto fail;
		}
		if ((st = coerce(cat, sobject, name, val, &v, f)) != SFP_OK)
			goto fail;
		st = SFP_E_INTERNAL;
		if (!(u = cJSON_AddObjectToObject(rec, "upsert")) ||
		    !cJSON_AddStringToObject(u, "field", name)) {
			cJSON_Delete(v);
			goto fail;
		}
		cJSON_AddItemToObject(u, "value", v);
	}
	if (!(fields = cJSON_AddObjectToObject(rec, "fields")))
		goto fail;
	for (i = 0; i < n; i++) {
		if ((st = split_assign(assign[i], name, sizeof name, &val, f)) != SFP_OK)
			goto fail;
		if (cJSON_GetObjectItemCaseSensitive(fields, name)) {
			st = sfp_fail_set(f, SFP_E_USAGE, "usage", NULL, "field %s given twice", name);
			goto fail;
		}
		if ((st = coerce(cat, sobject, name, val, &v, f)) != SFP_OK)
			goto fail;
		cJSON_AddItemToObject(fields, name, v);
	}
	*plan = p;
	return SFP_OK;
fail:
	cJSON_Delete(p);
	if (st == SFP_E_INTERNAL)
		sfp_fail_set(f, st, "oom", NULL, "out of memory");
	return st;
}

/* ---- the run ---- */

enum item_kind { IT_PLAN, IT_PASS, IT_BAD };

struct item {
	enum item_kind kind;
	cJSON *plan;            /* owned; NULL for a line that is not JSON */
	char *line;             /* the original line for rejects and pass-through, '\n'-ended */
	size_t line_len;
	cJSON *result;          /* the result line once done */
	int done, attempts;
	unsigned char solo;
	unsigned char resend;   /* failed for a passing reason: the plan goes to rejects as it came */
	size_t num;             /* plan number in the run (ref prefix) */
	struct sfp_fail last;   /* the latest transient failure */
};

struct run {
	struct sfp_sf *sf;
	const struct sfp_create_opts *o;
	struct sfp_writer *out, *rejects;
	struct sfp_create_stats *st;
	char data_path[64];
	enum sfp_status worst;
	int stopped;
	struct sfp_fail stop;   /* why the run stopped */
	size_t next_num;
	unsigned long transient_rounds;
	struct timespec t0;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

static cJSON *fail_line(const cJSON *plan, const struct sfp_fail *e)
{
	cJSON *r = cJSON_CreateObject(), *err = sfp_fail_to_json(e);
	const cJSON *id = plan ? cJSON_GetObjectItemCaseSensitive(plan, "id") : NULL;

	if (!r || !err)
		goto oom;
	if (id && !cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 0)))
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

static void plan_failed(struct run *R, struct item *it, const struct sfp_fail *e)
{
	cJSON *r = fail_line(it->plan, e), *raw;

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
	if (set_result(R, it, r) < 0)
		R->worst = sfp_status_worst(R->worst, SFP_E_INTERNAL);
	R->worst = sfp_status_worst(R->worst, e->status == SFP_E_TEMP ? SFP_E_TEMP : SFP_E_ITEM);
	R->st->failed++;
}

static void plan_ok(struct run *R, struct item *it, cJSON *records)
{
	cJSON *r = cJSON_CreateObject();

	if (!r || !cJSON_AddItemToObject(r, "id",
	    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(it->plan, "id"), 0))) {
		cJSON_Delete(r);
		cJSON_Delete(records);
		R->worst = sfp_status_worst(R->worst, SFP_E_INTERNAL);
		return;
	}
	cJSON_AddBoolToObject(r, "ok", 1);
	cJSON_AddItemToObject(r, "records", records);
	set_result(R, it, r);
	R->st->ok++;
}

static void stop_run(struct run *R, enum sfp_status st, const struct sfp_fail *why)
{
	if (R->stopped)
		return;
	R->stopped = 1;
	R->stop = *why;
	R->stop.status = st;
	R->worst = sfp_status_worst(R->worst, st);
}

static void transient(struct run *R, struct item *it, const struct sfp_fail *e, int *again)
{
	int max = R->o->max_attempts > 0 ? R->o->max_attempts : 8;

	it->last = *e;
	if (++it->attempts >= max) {
		struct sfp_fail g = *e;

		g.status = SFP_E_TEMP;
		plan_failed(R, it, &g);
		return;
	}
	R->st->resent++;
	*again = 1;
}

/* One whole request came back without a graph response. */
static void request_failed(struct run *R, struct item **its, size_t n, enum sfp_status st,
    struct sfp_fail *e, const struct sfp_sf_resp *resp, int *again)
{
	size_t i;

	if (resp && resp->json && e->code[0] == '\0')
		fail_from_errors(resp->json, resp->status, e);
	if (!strcmp(e->code, "OUTCOME_UNKNOWN") || !strcmp(e->code, "TIMEOUT")) {
		for (i = 0; i < n; i++) {
			if (sfp_plan_all_upsert(its[i]->plan)) {
				transient(R, its[i], e, again);
			} else {
				struct sfp_fail u;

				sfp_fail_set(&u, SFP_E_ITEM, "OUTCOME_UNKNOWN", NULL,
				    "the connection broke after the request was sent: the records "
				    "may or may not exist; check before sending this plan again");
				plan_failed(R, its[i], &u);
			}
		}
		return;
	}
	if (!strcmp(e->code, "REQUEST_LIMIT_EXCEEDED") &&
	    sfp_create_is_daily_limit(e->code, e->message)) {
		struct sfp_fail d = *e;

		snprintf(d.message, sizeof d.message, "the org's daily api limit is reached "
		    "(REQUEST_LIMIT_EXCEEDED: %.400s)", e->message);
		stop_run(R, SFP_E_TEMP, &d);
		return;
	}
	if (st == SFP_E_AUTH || st == SFP_E_INTERNAL || st == SFP_E_IO || st == SFP_E_INPUT) {
		stop_run(R, st, e);
		return;
	}
	if (st == SFP_E_TEMP) {
		for (i = 0; i < n; i++)
			transient(R, its[i], e, again);
		return;
	}
	/* Refused as a whole (SFP_E_ITEM): isolate each plan before blaming one. */
	for (i = 0; i < n; i++) {
		if (n > 1) {
			its[i]->solo = 1;
			R->st->resent++;
			*again = 1;
		} else {
			plan_failed(R, its[i], e);
		}
	}
}

static enum sfp_status write_request(struct run *R, const cJSON *body, struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject();
	char path[128];
	enum sfp_status st;

	snprintf(path, sizeof path, "%s/composite/graph", R->data_path);
	if (!o || !cJSON_AddStringToObject(o, "method", "POST") ||
	    !cJSON_AddStringToObject(o, "path", path) ||
	    !cJSON_AddItemToObject(o, "body", cJSON_Duplicate(body, 1))) {
		cJSON_Delete(o);
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	}
	st = sfp_write_json(R->out, o, f);
	cJSON_Delete(o);
	return st;
}

static void budget_check(struct run *R, size_t *nreq)
{
	long used, max, allowed;

	if (R->o->max_api_usage <= 0 || !R->sf)
		return;
	sfp_sf_usage(R->sf, &used, &max);
	if (used < 0 || max <= 0) {
		if (*nreq > 1)
			*nreq = 1;   /* learn the usage from one response first */
		return;
	}
	allowed = max * R->o->max_api_usage / 100 - used;
	if (allowed <= 0) {
		struct sfp_fail e;

		sfp_fail_set(&e, SFP_E_TEMP, "API_BUDGET", NULL,
		    "api usage %ld/%ld reached --max-api-usage %d%% (API_BUDGET)", used, max,
		    R->o->max_api_usage);
		stop_run(R, SFP_E_TEMP, &e);
		*nreq = 0;
	} else if ((long)*nreq > allowed) {
		*nreq = (size_t)allowed;
	}
}

/* One round: pack the pending plans, send, sort out what came back. */
static enum sfp_status round_once(struct run *R, struct item **pend, size_t np, struct sfp_fail *f)
{
	const cJSON **plans = calloc(np, sizeof *plans);
	size_t *req_of = calloc(np, sizeof *req_of), *graph_of = calloc(np, sizeof *graph_of);
	size_t *num = calloc(np, sizeof *num), *start = calloc(np + 1, sizeof *start);
	unsigned char *solo = calloc(np, 1);
	struct sfp_sf_req *reqs = NULL;
	struct sfp_sf_resp *resps = NULL;
	struct sfp_fail *fails = NULL, *pf = NULL;
	enum sfp_status *sts = NULL, ret = SFP_OK;
	char **texts = NULL;
	cJSON **records = NULL;
	enum sfp_outcome *outc = NULL;
	size_t i, r, nreq = 0;
	int again = 0;

	if (!plans || !req_of || !graph_of || !num || !start || !solo)
		goto oom;
	for (i = 0; i < np; i++) {
		plans[i] = pend[i]->plan;
		solo[i] = pend[i]->solo;
		num[i] = pend[i]->num;
	}
	sfp_create_pack(plans, solo, np, req_of, graph_of, &nreq);
	for (i = 0, r = 0; i < np; i++)
		while (r <= req_of[i])
			start[r++] = i;
	start[nreq] = np;
	budget_check(R, &nreq);
	if (nreq == 0)
		goto out;
	reqs = calloc(nreq, sizeof *reqs);
	resps = calloc(nreq, sizeof *resps);
	fails = calloc(nreq, sizeof *fails);
	sts = calloc(nreq, sizeof *sts);
	texts = calloc(nreq, sizeof *texts);
	records = calloc(np, sizeof *records);
	outc = calloc(np, sizeof *outc);
	pf = calloc(np, sizeof *pf);
	if (!reqs || !resps || !fails || !sts || !texts || !records || !outc || !pf)
		goto oom;
	for (r = 0; r < nreq; r++) {
		size_t s = start[r], e = start[r + 1];
		cJSON *body = sfp_graph_body(R->data_path, plans + s, num + s, graph_of + s, e - s);
		int idem = 1;

		if (!body)
			goto oom;
		if (R->o->dry_run) {
			ret = write_request(R, body, f);
			cJSON_Delete(body);
			for (i = s; i < e; i++)
				pend[i]->done = 1;
			if (ret != SFP_OK)
				goto out;
			continue;
		}
		texts[r] = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
		if (!texts[r])
			goto oom;
		for (i = s; i < e; i++)
			idem &= sfp_plan_all_upsert(plans[i]);
		reqs[r] = (struct sfp_sf_req){ .method = "POST", .path = "composite/graph",
		    .body = texts[r], .idempotent = idem ? 1 : -1 };
		sfp_sf_resp_init(&resps[r]);
	}
	if (R->o->dry_run) {
		R->st->requests += nreq;
		goto out;
	}
	ret = sfp_sf_request_many(R->sf, reqs, resps, fails, sts, nreq,
	    R->o->jobs ? R->o->jobs : 4);
	if (ret != SFP_OK) {
		stop_run(R, ret, &fails[0]);
		if (!R->stop.message[0])
			sfp_fail_set(&R->stop, ret, "batch", NULL, "the requests could not be sent");
		ret = SFP_OK;
		goto out;
	}
	R->st->requests += nreq;
	for (r = 0; r < nreq; r++) {
		size_t s = start[r], e = start[r + 1];

		if (sts[r] == SFP_OK && resps[r].json &&
		    sfp_graph_read(resps[r].json, plans + s, num + s, e - s, outc + s, records + s,
		    pf + s) == SFP_OK) {
			for (i = s; i < e; i++) {
				switch (outc[i]) {
				case SFP_OUT_OK:
					plan_ok(R, pend[i], records[i]);
					records[i] = NULL;
					break;
				case SFP_OUT_FAILED:
					plan_failed(R, pend[i], &pf[i]);
					break;
				case SFP_OUT_RESEND:
					R->st->resent++;
					break;
				case SFP_OUT_TRANSIENT:
					transient(R, pend[i], &pf[i], &again);
					break;
				}
			}
			continue;
		}
		if (sts[r] == SFP_OK)
			sfp_fail_set(&fails[r], SFP_E_ITEM, "bad-response", NULL,
			    "salesforce answered http %ld without a graph response", resps[r].status);
		request_failed(R, pend + s, e - s, sts[r], &fails[r], &resps[r], &again);
	}
out:
	R->st->rounds++;
	if (again && !R->stopped) {
		R->transient_rounds++;
		sleep_ms(sfp_http_backoff_ms((int)R->transient_rounds,
		    R->o->backoff_base_ms > 0 ? R->o->backoff_base_ms : 200,
		    R->o->backoff_max_ms > 0 ? R->o->backoff_max_ms : 5000, -1));
	}
	if (reqs)
		for (r = 0; r < nreq; r++) {
			if (!R->o->dry_run)
				sfp_sf_resp_fini(&resps[r]);
			free(texts[r]);
		}
	if (records)
		for (i = 0; i < np; i++)
			cJSON_Delete(records[i]);
	free(plans); free(req_of); free(graph_of); free(num); free(start); free(solo);
	free(reqs); free(resps); free(fails); free(sts); free(texts); free(records);
	free(outc); free(pf);
	return ret;
oom:
	ret = sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	goto out;
}

static void report_progress(struct run *R)
{
	if (R->sf)
		sfp_sf_usage(R->sf, &R->st->api_used, &R->st->api_max);
	R->st->elapsed_s = since(&R->t0);
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

/* Plans of one record go through Bulk API 2.0, a job per sObject and key;
 * what a job leaves undone safely (nothing applied, or upserts) is left
 * pending for the graph rounds. */
static void bulk_pass(struct run *R, struct item *items, size_t n)
{
	const cJSON **plans = calloc(n ? n : 1, sizeof *plans);
	struct item **its = calloc(n ? n : 1, sizeof *its);
	unsigned char *taken = calloc(n ? n : 1, 1);
	enum sfp_outcome *out = calloc(n ? n : 1, sizeof *out);
	cJSON **records = calloc(n ? n : 1, sizeof *records);
	struct sfp_fail *fails = calloc(n ? n : 1, sizeof *fails), jf;
	size_t i, k, m;

	if (!plans || !its || !taken || !out || !records || !fails)
		goto done;
	for (i = 0; i < n && !R->stopped; i++) {
		int applied = 0;
		unsigned long calls = 0;
		enum sfp_status st;

		if (items[i].kind != IT_PLAN || items[i].done || taken[i] ||
		    !sfp_bulk_eligible(items[i].plan))
			continue;
		for (k = i, m = 0; k < n && m < SFP_BULK_MAX_ROWS; k++)
			if (items[k].kind == IT_PLAN && !items[k].done && !taken[k] &&
			    sfp_bulk_eligible(items[k].plan) &&
			    sfp_bulk_same_job(items[i].plan, items[k].plan)) {
				taken[k] = 1;
				its[m] = &items[k];
				plans[m++] = items[k].plan;
			}
		st = sfp_bulk_run(R->sf, plans, m, out, records, fails, &applied, &calls, &jf);
		R->st->requests += calls;
		for (k = 0; k < m; k++) {
			struct item *it = its[k];

			if (st != SFP_OK) {
				if (!strcmp(jf.code, "REQUEST_LIMIT_EXCEEDED") &&
				    sfp_create_is_daily_limit(jf.code, jf.message))
					stop_run(R, SFP_E_TEMP, &jf);
				else if (st == SFP_E_AUTH)
					stop_run(R, st, &jf);
				if (!applied || sfp_plan_all_upsert(it->plan))
					continue;
				out[k] = SFP_OUT_TRANSIENT;
			}
			if (out[k] == SFP_OUT_OK) {
				plan_ok(R, it, records[k]);
				records[k] = NULL;
			} else if (out[k] == SFP_OUT_FAILED) {
				plan_failed(R, it, &fails[k]);
			} else if (!sfp_plan_all_upsert(it->plan)) {
				struct sfp_fail u;

				sfp_fail_set(&u, SFP_E_ITEM, "OUTCOME_UNKNOWN", NULL, "the bulk job "
				    "broke off after the upload: the record may or may not exist");
				plan_failed(R, it, &u);
			}
		}
		for (k = 0; k < m; k++) {
			cJSON_Delete(records[k]);
			records[k] = NULL;
		}
		report_progress(R);
	}
done:
	free(plans); free(its); free(taken); free(out); free(records); free(fails);
}

/* Make every plan of the window real (or give up on it), then write the lines. */
static enum sfp_status run_window(struct run *R, struct item *items, size_t n, struct sfp_fail *f)
{
	struct item **pend = calloc(n ? n : 1, sizeof *pend);
	enum sfp_status st = SFP_OK;
	size_t i, np;

	if (!pend)
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	if (R->o->bulk && R->sf && !R->o->dry_run && !R->stopped)
		bulk_pass(R, items, n);
	for (;;) {
		for (i = np = 0; i < n; i++)
			if (items[i].kind == IT_PLAN && !items[i].done)
				pend[np++] = &items[i];
		if (np == 0)
			break;
		if (R->stopped) {
			struct sfp_fail e = R->stop;

			snprintf(e.message, sizeof e.message, "not sent: %.500s", R->stop.message);
			for (i = 0; i < np; i++)
				plan_failed(R, pend[i], &e);
			break;
		}
		if ((st = round_once(R, pend, np, f)) != SFP_OK)
			break;
		report_progress(R);
	}
	free(pend);
	for (i = 0; i < n && st == SFP_OK; i++) {
		struct item *it = &items[i];

		if (R->o->dry_run && it->kind == IT_PLAN)
			continue;
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
		plan_failed(R, it, why);
		return 0;
	}
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(v, "ok"))) {
		it->kind = IT_PASS;
		it->done = 1;
		R->st->failed++;
		R->worst = sfp_status_worst(R->worst, SFP_E_ITEM);
		return 0;
	}
	if (sfp_plan_check(v, &e) != SFP_OK) {
		it->kind = IT_BAD;
		plan_failed(R, it, &e);
		return 0;
	}
	it->kind = IT_PLAN;
	it->num = R->next_num++;
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
	clock_gettime(CLOCK_MONOTONIC, &R->t0);
}

static enum sfp_status run_finish(struct run *R, enum sfp_status st, struct sfp_fail *f)
{
	report_progress(R);
	if (st != SFP_OK)
		return st;
	if (R->stopped) {
		*f = R->stop;
		return R->stop.status;
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
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
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
			rs = sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
			break;
		}
		/* There is work: log in while the rest of the window is read and
		 * packed (a pipeline's upstream may take its time). */
		if (!o->dry_run)
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
		return sfp_status_worst(R.worst, input);
	}
	return run_finish(&R, rs, f);
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
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	}
	if (add_item(&R, &it, plan, text, strlen(text), NULL) < 0) {
		free(text);
		item_fini(&it);
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	}
	free(text);
	rs = run_window(&R, &it, 1, f);
	return run_finish(&R, rs, f);
}

enum sfp_status sfp_create_operator(struct sfp_sf *sf, const char *catalog_path,
    const char *sobject, const char *const *assign, size_t n, const char *upsert,
    struct sfp_writer *out, struct sfp_writer *rejects, const struct sfp_create_opts *o,
    struct sfp_create_stats *st, struct sfp_fail *f)
{
	struct sfp_catalog *cat = NULL;
	cJSON *plan = NULL;
	enum sfp_status rs;

	if (catalog_path) {
		if ((rs = sfp_catalog_load(catalog_path, &cat, f)) != SFP_OK)
			return rs;
	} else if (sf && !o->dry_run) {
		cJSON *desc = NULL, *line = NULL;
		struct sfp_cache_info info;

		if ((rs = sfp_sf_describe(sf, sobject, 0, &desc, &info, f)) != SFP_OK)
			return rs == SFP_E_ITEM ? SFP_E_INPUT : rs;
		rs = sfp_catalog_from_describe(desc, &line, f);
		cJSON_Delete(desc);
		if (rs != SFP_OK)
			return rs;
		if (!(cat = sfp_catalog_new())) {
			cJSON_Delete(line);
			return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
		}
		if ((rs = sfp_catalog_add_take(cat, line, f)) != SFP_OK) {
			sfp_catalog_free(cat);
			return rs;
		}
	}
	rs = sfp_create_operator_plan(cat, sobject, assign, n, upsert, &plan, f);
	sfp_catalog_free(cat);
	if (rs != SFP_OK)
		return rs;
	return sfp_create_one_take(sf, plan, out, rejects, o, st, f);
}
