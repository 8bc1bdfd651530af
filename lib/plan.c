/* SPDX-License-Identifier: ISC */
/* plan: the plan format: its check, packing into composite graphs, their bodies and answers. */
#include "compat.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "sfid.h"

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

int sfp_plan_api_name_ok(const char *s)
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

static const char *const method_names[] = { "create", "upsert", "update", "delete", "none",
	"reconcile" };

const char *sfp_plan_method_name(enum sfp_plan_method m)
{
	return method_names[m];
}

/* The method named by s, or -1. */
static int method_of(const char *s)
{
	int m;

	for (m = 0; s && m <= SFP_PLAN_RECONCILE; m++)
		if (strcmp(s, method_names[m]) == 0)
			return m;
	return -1;
}

const cJSON *sfp_plan_record_key(const cJSON *rec)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(rec, "upsert");

	return k ? k : cJSON_GetObjectItemCaseSensitive(rec, "key");
}

enum sfp_plan_method sfp_plan_record_method(const cJSON *rec)
{
	int m = method_of(str_of(rec, "method"));

	if (m >= 0)
		return (enum sfp_plan_method)m;
	if (cJSON_GetObjectItemCaseSensitive(rec, "upsert"))
		return SFP_PLAN_UPSERT;
	return cJSON_GetObjectItemCaseSensitive(rec, "id") ? SFP_PLAN_UPDATE : SFP_PLAN_CREATE;
}

struct refscan {
	const cJSON *records;   /* the plan's records */
	size_t upto;            /* refs before this index may be named */
	int *depth;
	int max;                /* deepest record named so far */
	const char *bad;        /* first unknown name, for the message */
	size_t badlen;
	int to_update;          /* bad names a record updated by its id */
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
		/* A record left alone or deleted has no id to give; one updated by
		 * its id answers no body to refer to (204). */
		rs->to_update = at >= 0 && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(rs->records, (int)at), "id"));
		if (at >= 0 && (rs->to_update || sfp_plan_record_method(cJSON_GetArrayItem(
		    rs->records, (int)at)) >= SFP_PLAN_DELETE))
			at = -1;
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

static enum sfp_status check_key(const cJSON *up, const char *ref, const char *name,
    struct sfp_fail *f)
{
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(up, "value");

	if (!cJSON_IsObject(up) || !sfp_plan_api_name_ok(str_of(up, "field")))
		return bad_plan(f, ref, "record %s: \"%s\" needs a \"field\" api name", ref, name);
	if (strcasecmp(str_of(up, "field"), "Id") == 0)
		return bad_plan(f, ref, "record %s: no %s by Id (Id is no external id field); to "
		    "update a record whose id is known give \"id\":\"<Id>\" in place of \"%s\"",
		    ref, name, name);
	if (!(cJSON_IsString(val) && val->valuestring[0]) &&
	    !(cJSON_IsNumber(val) && isfinite(val->valuedouble)))
		return bad_plan(f, ref, "record %s: \"%s\" needs a non-empty \"value\"", ref, name);
	return SFP_OK;
}

/* A find's "account": {"sobject","field","upsert"?,"fields"}: the record made
 * under the Account of the email's domain; its fields take no references. */
static enum sfp_status check_account(const cJSON *acc, const char *ref, struct sfp_fail *f)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(acc, "fields"), *e;
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(acc, "upsert");

	if (!cJSON_IsObject(acc) || !sfp_plan_api_name_ok(str_of(acc, "sobject")) ||
	    !sfp_plan_api_name_ok(str_of(acc, "field")) || !cJSON_IsObject(fields))
		return SFP_E_ITEM;
	if (up && check_key(up, ref, "upsert", f) != SFP_OK)
		return SFP_E_ITEM;
	cJSON_ArrayForEach(e, fields)
		if (!sfp_plan_api_name_ok(e->string) || cJSON_IsObject(e) || cJSON_IsArray(e) ||
		    (cJSON_IsString(e) && strstr(e->valuestring, "@{")))
			return SFP_E_ITEM;
	return SFP_OK;
}

/* "find": {"value": text, "in": [{"sobject","field","value"?}] (1 to 5), "many",
 * "fill", "account"}. */
static enum sfp_status check_find(const cJSON *fd, const char *ref, struct sfp_fail *f)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(fd, "in"), *e;
	const cJSON *fill = cJSON_GetObjectItemCaseSensitive(fd, "fill");
	const cJSON *acc = cJSON_GetObjectItemCaseSensitive(fd, "account");
	const char *many = str_of(fd, "many"), *val = str_of(fd, "value");

	if (!cJSON_IsObject(fd) || !val || !val[0] || !cJSON_IsArray(in) ||
	    cJSON_GetArraySize(in) < 1 || cJSON_GetArraySize(in) > 5)
		return SFP_E_ITEM;
	if (cJSON_GetObjectItemCaseSensitive(fd, "many") && (!many || (strcmp(many, "first") &&
	    strcmp(many, "refuse") && strcmp(many, "create"))))
		return SFP_E_ITEM;
	cJSON_ArrayForEach(e, in) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");

		if (!sfp_plan_api_name_ok(str_of(e, "sobject")) || !sfp_plan_api_name_ok(str_of(e,
		    "field")) || (v && !(cJSON_IsString(v) && v->valuestring[0])))
			return SFP_E_ITEM;
	}
	if (fill && !cJSON_IsArray(fill))
		return SFP_E_ITEM;
	cJSON_ArrayForEach(e, fill)
		if (!cJSON_IsString(e) || !sfp_plan_api_name_ok(e->valuestring))
			return SFP_E_ITEM;
	return acc ? check_account(acc, ref, f) : SFP_OK;
}

/* "reconcile": the parent an earlier record with a key, the match field, the
 * wanted values (strings, at most 200). */
static enum sfp_status check_reconcile(const cJSON *rec, const char *ref, struct refscan *rs,
    struct sfp_fail *f)
{
	const cJSON *parent = cJSON_GetObjectItemCaseSensitive(rec, "parent");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(rec, "want"), *e;
	const char *pref = str_of(parent, "ref");
	long at = pref ? find_ref(rs->records, rs->upto, pref, strlen(pref)) : -1;
	const cJSON *prec = at >= 0 ? cJSON_GetArrayItem(rs->records, (int)at) : NULL;
	enum sfp_plan_method pm = prec ? sfp_plan_record_method(prec) : SFP_PLAN_NONE;

	if (!prec || !sfp_plan_api_name_ok(str_of(parent, "field")) ||
	    (pm != SFP_PLAN_UPSERT && pm != SFP_PLAN_UPDATE) || !sfp_plan_record_key(prec))
		return bad_plan(f, ref, "record %s: a reconcile's \"parent\" is {\"ref\": an earlier "
		    "record upserted or updated by key, \"field\": the child's field naming it}", ref);
	if (!sfp_plan_api_name_ok(str_of(rec, "match")) || !cJSON_IsArray(want) ||
	    cJSON_GetArraySize(want) > 200)
		return bad_plan(f, ref, "record %s: a reconcile needs \"match\" (a field) and \"want\" "
		    "(a list of at most 200 values)", ref);
	cJSON_ArrayForEach(e, want)
		if (!cJSON_IsString(e) || !e->valuestring[0])
			return bad_plan(f, ref, "record %s: \"want\" holds non-empty strings", ref);
	if (cJSON_GetObjectItemCaseSensitive(rec, "id") || sfp_plan_record_key(rec))
		return bad_plan(f, ref, "record %s: a reconcile takes no \"id\" or \"key\"", ref);
	if (strlen(ref) > SFP_PLAN_MAX_REF - 8)
		return bad_plan(f, ref, "record %s: a reconcile's ref is at most 32 characters (its "
		    "creates and deletes are named after it)", ref);
	return SFP_OK;
}

/* The method, and the key it needs: an upsert its "upsert", an update or a
 * delete one "id" or "key", a create neither; a delete or none no fields. */
static enum sfp_status check_method(const cJSON *rec, const char *ref, struct refscan *rs,
    struct sfp_fail *f)
{
	const cJSON *mv = cJSON_GetObjectItemCaseSensitive(rec, "method");
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(rec, "upsert");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(rec, "key");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields");
	int m = mv ? method_of(cJSON_IsString(mv) ? mv->valuestring : NULL) :
	    (int)sfp_plan_record_method(rec);

	if (m < 0)
		return bad_plan(f, ref, "record %s: \"method\" is create, upsert, update, delete, "
		    "none or reconcile", ref);
	if (cJSON_GetObjectItemCaseSensitive(rec, "find") && (m > SFP_PLAN_UPSERT ||
	    check_find(cJSON_GetObjectItemCaseSensitive(rec, "find"), ref, f) != SFP_OK))
		return bad_plan(f, ref, "record %s: \"find\" goes on a create or an upsert: {\"value\": "
		    "text, \"in\": [{\"sobject\", \"field\", \"value\"}, ...], \"many\": first, refuse "
		    "or create, \"fill\": [fields], \"account\": {\"sobject\", \"field\", \"upsert\", "
		    "\"fields\"}}", ref);
	if (m == SFP_PLAN_RECONCILE)
		return check_reconcile(rec, ref, rs, f);
	if (up && id)
		return bad_plan(f, ref, "record %s: \"id\" and \"upsert\" together: a record is "
		    "updated by its id or upserted by a key, not both", ref);
	if (up && m != SFP_PLAN_UPSERT)
		return bad_plan(f, ref, "record %s: \"upsert\" goes only with method upsert (an "
		    "update or a delete names its record by \"key\" or \"id\")", ref);
	if (m == SFP_PLAN_UPSERT)
		return up ? check_key(up, ref, "upsert", f) :
		    bad_plan(f, ref, "record %s: an upsert needs \"upsert\"", ref);
	if (m == SFP_PLAN_CREATE || m == SFP_PLAN_NONE) {
		if (key || id)
			return bad_plan(f, ref, "record %s: a %s takes no \"key\" or \"id\"", ref,
			    method_names[m]);
	} else if (!key == !id) {
		return bad_plan(f, ref, "record %s: an %s needs one of \"id\" or \"key\"", ref,
		    method_names[m]);
	} else if (key) {
		if (check_key(key, ref, "key", f) != SFP_OK)
			return SFP_E_ITEM;
	} else if (!cJSON_IsString(id) || !(sfp_plan_id_is_ref(id->valuestring) ||
	    sfp_sfid_valid(id->valuestring, NULL))) {
		return bad_plan(f, ref, "record %s: \"id\" is a salesforce id or \"@{ref.id}\"", ref);
	} else if (!sfp_plan_id_is_ref(id->valuestring) &&
	    sfp_plan_key_prefix(str_of(rec, "sobject")) && strncmp(id->valuestring,
	    sfp_plan_key_prefix(str_of(rec, "sobject")), 3) != 0) {
		return bad_plan(f, ref, "record %s: id %.18s is not a %s id (those start with %s)", ref,
		    id->valuestring, str_of(rec, "sobject"), sfp_plan_key_prefix(str_of(rec, "sobject")));
	} else if (!scan_string(id->valuestring, rs)) {
		return bad_plan(f, ref, "record %s: id: @{%.*s.} names no earlier record written",
		    ref, (int)(rs->badlen > 64 ? 64 : rs->badlen), rs->bad);
	}
	if (m == SFP_PLAN_DELETE && cJSON_GetArraySize(fields) > 0)
		return bad_plan(f, ref, "record %s: a delete takes no fields", ref);
	return SFP_OK;
}

/* "version": {"sobject", "key": {"field", "value"}, "field", "value": number}. */
static enum sfp_status check_version(const cJSON *v, struct sfp_fail *f)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "value");

	if (!v)
		return SFP_OK;
	if (!cJSON_IsObject(v) || !sfp_plan_api_name_ok(str_of(v, "sobject")) ||
	    !sfp_plan_api_name_ok(str_of(v, "field")) || !cJSON_IsNumber(n) ||
	    !isfinite(n->valuedouble) || check_key(cJSON_GetObjectItemCaseSensitive(v, "key"),
	    "version", "key", f) != SFP_OK ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v,
	    "key"), "value")))
		return bad_plan(f, NULL, "plan: \"version\" is {\"sobject\": name, \"key\": "
		    "{\"field\": name, \"value\": text}, \"field\": name, \"value\": number}");
	return SFP_OK;
}

const char *sfp_plan_key_prefix(const char *sobject)
{
	static const struct { const char *sobject, *prefix; } known[] = {
		{ "Account", "001" }, { "Contact", "003" }, { "Opportunity", "006" },
		{ "Lead", "00Q" }, { "Task", "00T" }, { "Event", "00U" }, { "User", "005" },
		{ "Case", "500" }, { "Campaign", "701" }, { "Contract", "800" },
	};
	size_t i;

	for (i = 0; sobject && i < sizeof known / sizeof known[0]; i++)
		if (strcasecmp(sobject, known[i].sobject) == 0)
			return known[i].prefix;
	return NULL;
}

int sfp_plan_id_is_ref(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 7 || strncmp(s, "@{", 2) != 0 || strcmp(s + n - 4, ".id}") != 0)
		return 0;
	for (i = 2; i < n - 4; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
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
	if (check_version(cJSON_GetObjectItemCaseSensitive(plan, "version"), f) != SFP_OK)
		return SFP_E_ITEM;
	records = cJSON_GetObjectItemCaseSensitive(plan, "records");
	if (!cJSON_IsArray(records) || cJSON_GetArraySize(records) < 1)
		return bad_plan(f, NULL, "plan: \"records\" must be a non-empty array");
	if (cJSON_GetArraySize(records) > SFP_GRAPH_MAX_NODES)
		return bad_plan(f, NULL, "plan: more than 500 records");
	cJSON_ArrayForEach(rec, records) {
		const char *ref = str_of(rec, "ref"), *so = str_of(rec, "sobject");
		const cJSON *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields"), *fl;
		struct refscan rs;

		if (!cJSON_IsObject(rec))
			return bad_plan(f, NULL, "plan: every record must be an object");
		if (!ref_ok(ref))
			return bad_plan(f, NULL, "record ref %s: must be 1 to 40 letters, digits or "
			    "underscores, starting with a letter or digit", ref ? ref : "(missing)");
		if (find_ref(records, i, ref, strlen(ref)) >= 0)
			return bad_plan(f, ref, "record %s: ref used twice", ref);
		if (!sfp_plan_api_name_ok(so))
			return bad_plan(f, ref, "record %s: \"sobject\" must be an api name", ref);
		if (!cJSON_IsObject(fields) && !(fields == NULL &&
		    sfp_plan_record_method(rec) >= SFP_PLAN_DELETE))
			return bad_plan(f, ref, "record %s: \"fields\" must be an object", ref);
		rs = (struct refscan){ .records = records, .upto = i, .depth = depth };
		cJSON_ArrayForEach(fl, fields) {
			if (!sfp_plan_api_name_ok(fl->string))
				return bad_plan(f, ref, "record %s: field names must be api names", ref);
			if (cJSON_IsArray(fl))
				return bad_plan(f, ref, "record %s: a field value cannot be an array", ref);
			if (!scan_value(fl, &rs)) {
				sfp_fail_set(f, SFP_E_ITEM, "bad-plan", NULL, rs.to_update ?
				    "record %s: field %s: @{%.*s.} is updated by its id: give that "
				    "id itself" : "record %s: field %s: @{%.*s.} names no earlier record",
				    ref, fl->string, (int)(rs.badlen > 64 ? 64 : rs.badlen), rs.bad);
				if (f)
					snprintf(f->ref, sizeof f->ref, "%s", ref);
				return SFP_E_ITEM;
			}
		}
		if (check_method(rec, ref, &rs, f) != SFP_OK)
			return SFP_E_ITEM;
		depth[i] = rs.max + 1;
		if (depth[i] > SFP_GRAPH_MAX_DEPTH)
			return bad_plan(f, ref, "record %s: references nest deeper than 15", ref);
		i++;
	}
	return SFP_OK;
}

size_t sfp_plan_nodes(const cJSON *plan)
{
	const cJSON *rec;
	size_t n = 0;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records"))
		n += sfp_plan_record_method(rec) != SFP_PLAN_NONE;   /* a reconcile counts one until expanded */
	return n;
}

int sfp_plan_resend_safe(const cJSON *plan)
{
	const cJSON *rec;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records")) {
		enum sfp_plan_method m = sfp_plan_record_method(rec);

		if (m == SFP_PLAN_CREATE || m == SFP_PLAN_DELETE || m == SFP_PLAN_RECONCILE)
			return 0;
	}
	return 1;
}

/* ---- packing ---- */

struct kind {
	enum sfp_plan_method method;
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
		struct kind k = { sfp_plan_record_method(rec), str_of(rec, "sobject") };
		size_t j;

		if (k.method >= SFP_PLAN_NONE)
			continue;
		for (j = 0; j < t.n; j++)
			if (t.k[j].method == k.method && strcasecmp(t.k[j].sobject, k.sobject) == 0)
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

void sfp_plan_pack(const cJSON *const *plans, const unsigned char *solo, size_t n,
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

/* The record's URL: .../sobjects/X, .../X/<id> or .../X/Key/<value>. */
static int record_url(const char *data_path, const cJSON *rec, size_t num, char *url, size_t cap)
{
	const cJSON *key = sfp_plan_record_key(rec), *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const char *so = str_of(rec, "sobject");
	char val[3072];
	int w;

	if (key) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(key, "value");
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
			return -1;
		w = snprintf(url, cap, "%s/sobjects/%s/%s/%s", data_path, so, str_of(key, "field"), val);
	} else if (cJSON_IsString(id)) {
		char *rid = rewrite_refs(id->valuestring, num);

		if (!rid)
			return -1;
		w = snprintf(url, cap, "%s/sobjects/%s/%s", data_path, so, rid);
		free(rid);
	} else {
		w = snprintf(url, cap, "%s/sobjects/%s", data_path, so);
	}
	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

static cJSON *node_of(const char *data_path, const cJSON *rec, size_t num)
{
	static const char *const verb[] = { "POST", "PATCH", "PATCH", "DELETE" };
	enum sfp_plan_method m = sfp_plan_record_method(rec);
	const cJSON *key = sfp_plan_record_key(rec), *fl;
	const char *kf = key ? str_of(key, "field") : NULL;
	cJSON *node = cJSON_CreateObject(), *body = NULL, *c;
	char url[4096], ref[64];

	if (!node || record_url(data_path, rec, num, url, sizeof url) < 0)
		goto oom;
	snprintf(ref, sizeof ref, "p%zu_%s", num, str_of(rec, "ref"));
	if (m != SFP_PLAN_DELETE) {
		if (!(body = cJSON_CreateObject()))
			goto oom;
		cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec, "fields")) {
			if (kf && strcasecmp(fl->string, kf) == 0)
				continue;   /* Salesforce refuses the key field in an upsert body */
			if (!(c = rewrite_value(fl, num)))
				goto oom;
			cJSON_AddItemToObject(body, fl->string, c);
		}
	}
	if (!cJSON_AddStringToObject(node, "method", verb[m]) ||
	    !cJSON_AddStringToObject(node, "url", url) ||
	    !cJSON_AddStringToObject(node, "referenceId", ref))
		goto oom;
	if (body)
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
			cJSON *node;

			if (sfp_plan_record_method(rec) >= SFP_PLAN_NONE)
				continue;   /* a reconcile not expanded (a dry run) sends nothing */
			if (!(node = node_of(data_path, rec, num[i])))
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

int sfp_graph_is_daily_limit(const char *code, const char *message)
{
	if (!code || strcmp(code, "REQUEST_LIMIT_EXCEEDED") != 0)
		return 0;
	/* Both the daily allocation and the cap on concurrent long-running requests
	 * answer REQUEST_LIMIT_EXCEEDED ("API Request Limits and Allocations",
	 * https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html);
	 * the message tells them apart: "TotalRequests Limit exceeded." is the
	 * daily one, "ConcurrentPerOrgLongTxn Limit exceeded." the other. */
	return !message || strncasecmp(message, "Concurrent", 10) != 0;
}

static int code_transient(long status, const char *code, const char *message)
{
	if (strcmp(code, "UNABLE_TO_LOCK_ROW") == 0 || strcmp(code, "SERVER_UNAVAILABLE") == 0)
		return 1;
	if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0)
		return !sfp_graph_is_daily_limit(code, message);
	return status >= 500;
}

void sfp_graph_fail_from(const cJSON *body, long status, struct sfp_fail *f)
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

/* The plan's record called ref, or NULL. */
static const cJSON *record_of(const cJSON *plan, const char *ref)
{
	const cJSON *records = cJSON_GetObjectItemCaseSensitive(plan, "records");
	long at = find_ref(records, (size_t)cJSON_GetArraySize(records), ref, strlen(ref));

	return at >= 0 ? cJSON_GetArrayItem(records, (int)at) : NULL;
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

				const cJSON *rec = record_of(plans[at], ref);
				enum sfp_plan_method m = rec ? sfp_plan_record_method(rec) : SFP_PLAN_CREATE;

				if (!id) {   /* 204: an update, a delete, or an old API version's upsert */
					const char *loc = str_of(cJSON_GetObjectItemCaseSensitive(node,
					    "httpHeaders"), "Location");
					const char *given = str_of(rec, "id");

					id = loc && strrchr(loc, '/') ? strrchr(loc, '/') + 1 :
					    given && !sfp_plan_id_is_ref(given) ? given : "";
				}
				if (!records[at] && !(records[at] = cJSON_CreateObject()))
					goto oom;
				if (!(r = cJSON_AddObjectToObject(records[at], ref)) ||
				    !cJSON_AddStringToObject(r, "id", id) ||
				    !cJSON_AddBoolToObject(r, "created", cJSON_IsBool(cr8) ?
				    cJSON_IsTrue(cr8) : status == 201) ||
				    (m == SFP_PLAN_DELETE && !cJSON_AddTrueToObject(r, "deleted")))
					goto oom;
				okn[at]++;
			} else if (!is_halted(body) && state[at] != 2) {
				sfp_graph_fail_from(body, status, &fails[at]);
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
