/* SPDX-License-Identifier: ISC */
/* describe_fetch: sObject describes from the org through a session, cached with If-Modified-Since, and sf-describe's whole run. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cache.h"
#include "describe.h"
#include "describe_fetch.h"
#include "stream.h"

/* ---- describe with its cache ---- */
static int
describe_cache_path(const struct sfp_sf *sf, const char *what, char *out, size_t n)
{
	const struct sfp_org *org = sfp_sf_org(sf);
	const char *parts[6];
	char lower[256], suffix[300];
	size_t i;

	for (i = 0; what[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (char)((what[i] >= 'A' && what[i] <= 'Z') ? what[i] + 32 : what[i]);
	lower[i] = '\0';
	parts[0] = org->instance_url[0] != '\0' ? org->instance_url : org->login_url;
	parts[1] = org->username;
	parts[2] = org->client_id;
	parts[3] = org->api_version;
	parts[4] = lower;
	parts[5] = NULL;
	/* The sObject name (checked: letters, digits, '_') ends the file name, so
	 * shell completion can offer the names it finds. */
	if (what[0] == '#')
		return sfp_cache_path(org->cache_dir, "describe-global", parts, ".json", out, n);
	(void)snprintf(suffix, sizeof(suffix), ".%s.json", what);
	return sfp_cache_path(org->cache_dir, "describe", parts, suffix, out, n);
}

static int
valid_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 200)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Cached entry: {"last_modified":"...","fetched":EPOCH,"describe":{...}} */
static enum sfp_status
describe_common(struct sfp_sf *sf, const char *key, const char *path, int flags, cJSON **out,
    struct sfp_cache_info *info, struct sfp_fail *f)
{
	const struct sfp_org *org = sfp_sf_org(sf);
	struct sfp_cache_info scratch;   /* callers that don't care pass NULL */
	char cpath[4200], imsbuf[96];
	const char *hdrs[2] = { NULL, NULL };
	char *cbuf = NULL;
	size_t clen = 0;
	cJSON *cached = NULL;
	const cJSON *lm = NULL, *fetched = NULL;
	struct sfp_sf_req req;
	struct sfp_sf_resp resp;
	struct sfp_fail ignore;
	enum sfp_status st;
	int use_cache = !(flags & SFP_DESCRIBE_NO_CACHE) && !org->no_cache &&
	    org->cache_dir[0] != '\0';
	time_t now = time(NULL);

	*out = NULL;
	if (info == NULL)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	info->age_s = -1;
	sfp_sf_resp_init(&resp);
	if (use_cache && describe_cache_path(sf, key, cpath, sizeof(cpath)) != 0)
		use_cache = 0;
	if (use_cache &&
	    sfp_cache_read(cpath, 256u * 1024u * 1024u, &cbuf, &clen, NULL, &ignore) == SFP_OK) {
		cached = cJSON_ParseWithLength(cbuf, clen);
		if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(cached, "describe"))) {
			cJSON_Delete(cached);
			cached = NULL;
		} else {
			lm = cJSON_GetObjectItemCaseSensitive(cached, "last_modified");
			fetched = cJSON_GetObjectItemCaseSensitive(cached, "fetched");
		}
		free(cbuf);
	}
	if (flags & SFP_DESCRIBE_OFFLINE) {
		if (cached == NULL)
			return sfp_fail_set(f, SFP_E_INPUT, "not-cached", key,
			    "not in the describe cache; run once without --offline");
		info->source = 2;
		goto from_cache;
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = path;
	if (cached != NULL && cJSON_IsString(lm) && lm->valuestring[0] != '\0') {
		(void)snprintf(imsbuf, sizeof(imsbuf), "If-Modified-Since: %s", lm->valuestring);
		hdrs[0] = imsbuf;
		req.headers = hdrs;
	}
	st = sfp_sf_request(sf, &req, &resp, f);
	if (st != SFP_OK) {
		if (resp.status == 404 && f != NULL && f->code[0] != '\0')
			(void)snprintf(f->place, sizeof(f->place), "%s", key);
		goto out;
	}
	if (sfp_sf_is_dry_run(sf)) {
		st = sfp_fail_set(f, SFP_E_INPUT, "dry-run", key, "dry run: nothing fetched");
		goto out;
	}
	if (resp.status == 304 && cached != NULL) {
		info->source = 1;
		goto from_cache;
	}
	if (!cJSON_IsObject(resp.json)) {
		st = sfp_fail_set(f, SFP_E_TEMP, "bad-response", key,
		    "describe answered http %ld without a json object", resp.status);
		goto out;
	}
	(void)snprintf(info->last_modified, sizeof(info->last_modified), "%s", resp.last_modified);
	if (use_cache) {
		cJSON *entry = cJSON_CreateObject();
		char *txt = NULL;
		if (entry != NULL &&
		    cJSON_AddStringToObject(entry, "last_modified", resp.last_modified) != NULL &&
		    cJSON_AddNumberToObject(entry, "fetched", (double)now) != NULL) {
			cJSON_AddItemReferenceToObject(entry, "describe", resp.json);
			txt = cJSON_PrintUnformatted(entry);
		}
		cJSON_Delete(entry);
		if (txt != NULL)
			(void)sfp_cache_write(cpath, txt, strlen(txt), &ignore);
		free(txt);
	}
	*out = resp.json;
	resp.json = NULL;
	st = SFP_OK;
	goto out;
from_cache:
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(cached, "describe");
		*out = cJSON_Duplicate(d, 1);
		if (*out == NULL) {
			st = sfp_fail_oom(f, NULL);
			goto out;
		}
		if (cJSON_IsNumber(fetched))
			info->age_s = (long)(now - (time_t)fetched->valuedouble);
		if (cJSON_IsString(lm))
			(void)snprintf(info->last_modified, sizeof(info->last_modified), "%s",
			    lm->valuestring);
		st = SFP_OK;
	}
out:
	cJSON_Delete(cached);
	sfp_sf_resp_fini(&resp);
	return st;
}

enum sfp_status
sfp_sf_describe(struct sfp_sf *sf, const char *sobject, int flags, cJSON **out,
    struct sfp_cache_info *info, struct sfp_fail *f)
{
	char path[300];

	*out = NULL;
	if (!valid_name(sobject))
		return sfp_fail_set(f, SFP_E_ITEM, "INVALID_TYPE", sobject != NULL ? sobject : "",
		    "not an sobject name");
	(void)snprintf(path, sizeof(path), "sobjects/%s/describe", sobject);
	return describe_common(sf, sobject, path, flags, out, info, f);
}

enum sfp_status
sfp_sf_describe_global(struct sfp_sf *sf, int flags, cJSON **out, struct sfp_cache_info *info,
    struct sfp_fail *f)
{
	return describe_common(sf, "#global", "sobjects/", flags, out, info, f);
}

/* ---- sf-describe ---- */
static enum sfp_status
add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL ? SFP_OK : SFP_E_INTERNAL;
}

/* One describeGlobal entry, trimmed to what people and sf-map look at. */
static cJSON *
global_line(const cJSON *e)
{
	static const char *const strs[] = { "name", "label", "labelPlural", "keyPrefix", NULL };
	static const char *const bools[] = { "custom", "createable", "updateable", "deletable",
		"queryable", NULL };
	cJSON *o = cJSON_CreateObject();
	const cJSON *v;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; strs[i] != NULL; i++) {
		v = cJSON_GetObjectItemCaseSensitive(e, strs[i]);
		if (!(cJSON_IsString(v) ? cJSON_AddStringToObject(o, strs[i], v->valuestring) != NULL :
		    cJSON_AddNullToObject(o, strs[i]) != NULL))
			goto oom;
	}
	for (i = 0; bools[i] != NULL; i++) {
		v = cJSON_GetObjectItemCaseSensitive(e, bools[i]);
		if (cJSON_AddBoolToObject(o, bools[i], cJSON_IsTrue(v)) == NULL)
			goto oom;
	}
	return o;
oom:
	cJSON_Delete(o);
	return NULL;
}

/* Drop the fields that cannot be set on create from a catalog or raw line. */
static void
keep_createable(cJSON *line)
{
	cJSON *fields = cJSON_GetObjectItemCaseSensitive(line, "fields"), *fl, *next;

	for (fl = fields != NULL ? fields->child : NULL; fl != NULL; fl = next) {
		next = fl->next;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fl, "createable")))
			cJSON_Delete(cJSON_DetachItemViaPointer(fields, fl));
	}
}

/* Append one sObject to a template mapping: required fields present with a
 * placeholder, optional createable ones named in a comment. */
static enum sfp_status
template_add(cJSON *records, const cJSON *cat, struct sfp_fail *f)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(cat, "name");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(cat, "fields"), *fl;
	cJSON *rec = cJSON_CreateObject(), *fm = NULL;
	char ref[64], optional[4096] = "", comment[4200];
	size_t i, j = 0;

	if (rec == NULL || !cJSON_IsString(name))
		goto oom;
	for (i = 0; name->valuestring[i] != '\0' && j + 1 < sizeof(ref); i++) {
		char c = name->valuestring[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			ref[j++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	ref[j] = '\0';
	if (add_str(rec, "ref", ref) != SFP_OK || add_str(rec, "sobject", name->valuestring) != SFP_OK)
		goto oom;
	fm = cJSON_CreateObject();
	if (fm == NULL)
		goto oom;
	cJSON_ArrayForEach(fl, fields) {
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(fl, "name");
		if (!cJSON_IsString(fn) || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fl, "createable")))
			continue;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fl, "required"))) {
			cJSON *spec = cJSON_CreateObject();
			if (spec == NULL || !cJSON_AddItemToObject(fm, fn->valuestring, spec)) {
				cJSON_Delete(spec);
				goto oom;
			}
			if (add_str(spec, "template", "{{ TODO }}") != SFP_OK ||
			    cJSON_AddTrueToObject(spec, "required") == NULL)
				goto oom;
		} else {
			size_t used = strlen(optional);
			if (used + 1 < sizeof(optional))
				(void)snprintf(optional + used, sizeof(optional) - used, "%s%s",
				    used > 0 ? ", " : "", fn->valuestring);
		}
	}
	(void)snprintf(comment, sizeof(comment), "optional fields: %s",
	    optional[0] != '\0' ? optional : "(none)");
	if (add_str(rec, "comment", comment) != SFP_OK)
		goto oom;
	if (!cJSON_AddItemToObject(rec, "fields", fm)) {
		cJSON_Delete(fm);
		goto oom;
	}
	fm = NULL;
	if (!cJSON_AddItemToArray(records, rec))
		goto oom;
	return SFP_OK;
oom:
	cJSON_Delete(fm);
	cJSON_Delete(rec);
	return sfp_fail_oom(f, NULL);
}

static enum sfp_status
error_line(struct sfp_writer *w, const char *name, const struct sfp_fail *err, struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e = NULL;

	return sfp_write_built(w, o, o != NULL && add_str(o, "name", name) == SFP_OK &&
	    (e = sfp_fail_to_json(err)) != NULL && cJSON_AddItemToObject(o, "error", e), f);
}

static int
per_item(enum sfp_status st)
{
	return st == SFP_E_ITEM;
}

enum sfp_status
sfp_sf_describe_run(struct sfp_sf *sf, const char *const *names, size_t n,
    const struct sfp_describe_opts *o, struct sfp_writer *w, sfp_describe_note_fn note,
    void *ctx, struct sfp_fail *f)
{
	struct sfp_cache_info info;
	struct sfp_fail err;
	cJSON *d = NULL, *line = NULL, *tmpl = NULL, *records = NULL;
	enum sfp_status st, worst = SFP_OK;
	size_t i;

	if (n == 0) {
		const cJSON *e;
		if ((st = sfp_sf_describe_global(sf, o->flags, &d, &info, f)) != SFP_OK)
			return st;
		if (note != NULL)
			note(ctx, "describeGlobal", &info, NULL);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "sobjects")) {
			if ((line = global_line(e)) == NULL) {
				st = sfp_fail_oom(f, NULL);
				break;
			}
			if (o->createable && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line,
			    "createable"))) {
				cJSON_Delete(line);
				continue;
			}
			st = sfp_write_json(w, line, f);
			cJSON_Delete(line);
			if (st != SFP_OK)
				break;
		}
		cJSON_Delete(d);
		return st;
	}
	if (o->template_) {
		tmpl = cJSON_CreateObject();
		if (tmpl == NULL || add_str(tmpl, "id", "id") != SFP_OK ||
		    add_str(tmpl, "comment", "a starting mapping written by sf-describe --template: "
		    "replace each {{ TODO }} with a template over the booking, add the optional "
		    "fields you need") != SFP_OK ||
		    (records = cJSON_AddArrayToObject(tmpl, "records")) == NULL) {
			cJSON_Delete(tmpl);
			return sfp_fail_oom(f, NULL);
		}
	}
	for (i = 0; i < n; i++) {
		sfp_fail_clear(&err);
		d = line = NULL;
		st = sfp_sf_describe(sf, names[i], o->flags, &d, &info, &err);
		if (st == SFP_OK && !o->raw)
			st = sfp_catalog_from_describe(d, &line, &err);
		if (st != SFP_OK) {
			cJSON_Delete(d);
			if (err.place[0] == '\0')
				(void)snprintf(err.place, sizeof(err.place), "%s", names[i]);
			if (!per_item(st) && !(st == SFP_E_INPUT && strcmp(err.code, "not-cached") == 0)) {
				*f = err;
				cJSON_Delete(tmpl);
				return st;
			}
			if (note != NULL)
				note(ctx, names[i], NULL, &err);
			worst = sfp_status_worst(worst, SFP_E_ITEM);
			if (!o->template_ && (st = error_line(w, names[i], &err, f)) != SFP_OK) {
				cJSON_Delete(tmpl);
				return st;
			}
			continue;
		}
		if (note != NULL)
			note(ctx, names[i], &info, NULL);
		if (o->raw) {
			line = d;
			d = NULL;
		}
		cJSON_Delete(d);
		if (o->createable)
			keep_createable(line);
		if (o->template_)
			st = template_add(records, line, f);
		else
			st = sfp_write_json(w, line, f);
		cJSON_Delete(line);
		if (st != SFP_OK) {
			cJSON_Delete(tmpl);
			return st;
		}
	}
	if (tmpl != NULL) {
		st = sfp_write_json(w, tmpl, f);
		cJSON_Delete(tmpl);
		if (st != SFP_OK)
			return st;
	}
	if (worst != SFP_OK)
		(void)sfp_fail_set(f, worst, "some-failed", NULL, "some sobjects could not be described");
	return worst;
}

enum sfp_status
sfp_describe_main(const char *org_file, const char *flow, const char *const *names, size_t n,
    const struct sfp_describe_opts *o, struct sfp_writer *w, sfp_describe_note_fn note,
    void *ctx, struct sfp_fail *f)
{
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	enum sfp_status st;

	st = sfp_org_load(&org, org_file, flow, (o->flags & SFP_DESCRIBE_NO_CACHE) != 0, f);
	if (st == SFP_OK)
		st = sfp_sf_open(&org, &sf, f);
	sfp_org_fini(&org);
	if (st == SFP_OK)
		st = sfp_sf_describe_run(sf, names, n, o, w, note, ctx, f);
	sfp_sf_close(sf);
	return st;
}
