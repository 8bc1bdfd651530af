/* SPDX-License-Identifier: ISC */
/* provision_stream: sf-provision's run - tagged requests in, one result line per request out, per tenant's org. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provision_stream.h"
#include "sfapi.h"
#include "stream.h"
#include "tenants.h"

struct batch {
	cJSON **lines;
	struct sfp_prov_item *items;
	size_t n, cap;
};

static enum sfp_status
batch_add(struct batch *b, cJSON *line)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		cJSON **l = realloc(b->lines, cap * sizeof(*l));
		struct sfp_prov_item *it;
		if (!l)
			return SFP_E_INTERNAL;
		b->lines = l;
		if (!(it = realloc(b->items, cap * sizeof(*it))))
			return SFP_E_INTERNAL;
		b->items = it;
		b->cap = cap;
	}
	b->lines[b->n] = line;
	memset(&b->items[b->n], 0, sizeof(b->items[0]));
	b->items[b->n].input = line;
	b->n++;
	return SFP_OK;
}

static void
batch_fini(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		cJSON_Delete(b->lines[i]);
	free(b->lines);
	free(b->items);
}

/* The item failed before any call: f says why. */
static void
refuse(struct sfp_prov_item *it, const struct sfp_fail *f)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(it->input, "tenant");

	if (!it->tenant[0] && cJSON_IsString(t))
		(void)snprintf(it->tenant, sizeof(it->tenant), "%s", t->valuestring);
	it->fail = *f;
	it->fail.status = SFP_E_ITEM;
	it->outcome = SFP_PROV_FAILED;
}

static const char *
line_tenant(const cJSON *line)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(line, "tenant");

	return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* The org session and rules of one tenant: --org/--config, or the tenant's
 * directory (org.json, tenant.json's keyPrefix, provision.json). */
static enum sfp_status
open_tenant(const struct sfp_prov_opts *o, struct sfp_tenants *ts, const char *name,
    struct sfp_sf **sf, struct sfp_prov_conf *conf, char *prefix, size_t np,
    struct sfp_fail *f)
{
	const struct sfp_tenant_conf *tc = NULL;
	struct sfp_org org;
	char path[SFP_TENANTS_PATH + 32];
	enum sfp_status st;

	if (ts) {
		if ((st = sfp_tenants_get(ts, name, &tc, f)) != SFP_OK)
			return st;
		(void)snprintf(prefix, np, "%s", tc->key_prefix);
		(void)snprintf(path, sizeof(path), "%s/provision.json", tc->dir);
		if (!o->config && (st = sfp_tenant_check_file(tc, path, f)) != SFP_OK)
			return st;
		st = sfp_tenant_org_load(tc, &org, NULL, 0, f);
	} else {
		(void)snprintf(prefix, np, "%s:", name);
		st = sfp_org_load(&org, o->org_file, NULL, 0, f);
	}
	if (st == SFP_OK)
		st = sfp_sf_open(&org, sf, f);
	sfp_org_fini(&org);
	if (st == SFP_OK && (st = sfp_prov_conf_load(o->config ? o->config : path, conf, f))
	    != SFP_OK) {
		sfp_sf_close(*sf);
		*sf = NULL;
	}
	return st;
}

/* Every item of tenant name (still pending, from index first on). */
static enum sfp_status
run_tenant(const struct sfp_prov_opts *o, struct sfp_tenants *ts, struct batch *b,
    size_t first, struct sfp_fail *f)
{
	const char *name = line_tenant(b->lines[first]);
	struct sfp_prov_item *sel = calloc(b->n - first, sizeof(*sel));
	size_t *idx = calloc(b->n - first, sizeof(*idx)), k = 0, i;
	struct sfp_prov_conf conf;
	struct sfp_sf *sf = NULL;
	struct sfp_fail tf;
	char prefix[160];
	enum sfp_status st;

	if (!sel || !idx) {
		free(sel);
		free(idx);
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	}
	sfp_fail_clear(&tf);
	st = open_tenant(o, ts, name, &sf, &conf, prefix, sizeof(prefix), &tf);
	for (i = first; i < b->n; i++) {
		struct sfp_prov_item *it = &b->items[i];
		if (it->outcome != SFP_PROV_PENDING || strcmp(line_tenant(b->lines[i]), name) != 0)
			continue;
		if (st != SFP_OK) {
			refuse(it, &tf);   /* this tenant cannot be served: each request says why */
			continue;
		}
		if (sfp_prov_item_from(&conf, name, prefix, b->lines[i], it, &tf) != SFP_OK) {
			refuse(it, &tf);
			continue;
		}
		sel[k] = *it;
		idx[k++] = i;
	}
	if (st == SFP_E_ITEM || st == SFP_E_INPUT)
		st = SFP_OK;   /* reported per request */
	else if (st != SFP_OK)
		*f = tf;
	if (st == SFP_OK && k > 0)
		st = sfp_prov_run(sf, &conf, sel, k, f);
	for (i = 0; i < k; i++) {
		b->items[idx[i]] = sel[i];
		/* the run stopped (login refused, limit, network): this tenant's
		 * requests fail whole, to be sent again; other tenants go on */
		if (st != SFP_OK && st != SFP_E_INTERNAL)
			refuse(&b->items[idx[i]], f);
	}
	if (sf)
		sfp_prov_conf_fini(&conf);
	sfp_sf_close(sf);
	free(sel);
	free(idx);
	return st;
}

/* Read every request first: then each tenant's are sent together. */
static enum sfp_status
read_all(const struct sfp_prov_opts *o, struct batch *b, struct sfp_fail *f)
{
	struct sfp_reader *r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL);
	enum sfp_status st;
	cJSON *line;

	if (!r)
		return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
	for (;;) {
		struct sfp_fail lf;
		const char *t;
		sfp_fail_clear(&lf);
		st = sfp_reader_next(r, &line, &lf);
		if (st == SFP_OK && !line)
			break;
		if (st != SFP_OK && st != SFP_E_ITEM) {
			*f = lf;
			break;
		}
		if (st == SFP_E_ITEM && !(line = cJSON_CreateObject()))
			st = SFP_E_INTERNAL;
		if (st == SFP_E_INTERNAL || batch_add(b, line) != SFP_OK) {
			cJSON_Delete(line);
			st = sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
			break;
		}
		t = line_tenant(line);
		if (st == SFP_E_ITEM) {
			refuse(&b->items[b->n - 1], &lf);
		} else if (!t || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(line, "body"))) {
			sfp_fail_set(&lf, SFP_E_ITEM, "untagged", NULL, "not a tagged line "
			    "{\"tenant\":..,\"body\":..} of hmac-verify --tagged");
			refuse(&b->items[b->n - 1], &lf);
		} else if (!o->tenants_dir && strcmp(t, o->tenant) != 0) {
			sfp_fail_set(&lf, SFP_E_ITEM, "unknown-tenant", NULL, "tenant \"%.64s\" is "
			    "not the one of --tenant", t);
			refuse(&b->items[b->n - 1], &lf);
		}
		st = SFP_OK;
	}
	sfp_reader_free(r);
	return st;
}

enum sfp_status
sfp_prov_stream(const struct sfp_prov_opts *o, struct sfp_writer *w, struct sfp_fail *f)
{
	struct batch b = { NULL, NULL, 0, 0 };
	struct sfp_tenants *ts = NULL;
	enum sfp_status st, worst = SFP_OK;
	size_t i;

	if (o->tenants_dir && (st = sfp_tenants_open(o->tenants_dir, &ts, f)) != SFP_OK)
		return st;
	if ((st = read_all(o, &b, f)) != SFP_OK)
		goto out;
	for (i = 0; st == SFP_OK && i < b.n; i++) {
		struct sfp_fail tf;
		enum sfp_status ts_st;
		if (b.items[i].outcome != SFP_PROV_PENDING)
			continue;
		sfp_fail_clear(&tf);
		ts_st = run_tenant(o, ts, &b, i, &tf);
		if (ts_st == SFP_E_INTERNAL)
			st = ts_st;
		if (ts_st != SFP_OK) {
			*f = tf;   /* the last tenant-wide failure, for the program's stderr */
			worst = sfp_status_worst(worst, ts_st);
		}
	}
	for (i = 0; i < b.n; i++) {
		cJSON *res;
		if (b.items[i].outcome == SFP_PROV_PENDING)
			continue;   /* the run stopped first: st says why */
		if (b.items[i].outcome == SFP_PROV_FAILED)
			worst = sfp_status_worst(worst, SFP_E_ITEM);
		if (!(res = sfp_prov_result(&b.items[i])) || sfp_write_json(w, res, f) != SFP_OK) {
			cJSON_Delete(res);
			st = sfp_status_worst(st, res ? SFP_E_IO : SFP_E_INTERNAL);
			break;
		}
		cJSON_Delete(res);
	}
out:
	batch_fini(&b);
	sfp_tenants_free(ts);
	return st != SFP_OK ? st : worst;
}
