/* SPDX-License-Identifier: ISC */
/* create_find: people matched before they are created: by email, id or any field, else a Contact under the Account of the email's domain. */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "create_lookup.h"
#include "create_run.h"
#include "plan.h"
#include "sfid.h"
#include "soql.h"

/*
 * People matched before they are created.  A record's "find" {"value", "in":
 * [{"sobject","field","value"?}...], "many", "fill", "account"} names where an
 * existing record may be: one query per (sObject, field) and window, every
 * plan's values in IN lists, oldest first (ORDER BY Id).  An "in" looks for its
 * own "value" when it has one (a Salesforce id the booking carries), else for
 * the find's.  An id that is not well formed (15 or 18 characters, the case
 * checksum of sfid.h) is not asked for: it cannot name a record, and one such
 * literal would fail the whole query.  An id of a deleted record, or of
 * another object, is simply not found there.  The first "in" with a match
 * wins; two or more matches are the plan's choice: "first" (the oldest),
 * "refuse" (the plan fails, code "ambiguous-match") or "create" (as if none
 * matched).  A converted Lead is followed to its Contact (ConvertedContactId).
 * A match turns the record into "none" (or an update by id of the "fill"
 * fields the match has empty), and every "@{ref.id}" of the plan into the
 * match's id.
 *
 * No match, and the find has "account": the Account whose Website is the
 * domain of the find's value (the part after its last "@"), written as
 * Cal.com's Salesforce app matches it: the domain, www.domain, and each with
 * http:// or https:// (one query per window for every domain of it, ORDER BY
 * Id).  When one is found (two or more: "many" again, "ambiguous-account" for
 * refuse), the record becomes the account's record (a Contact, upserted by its
 * own key or created) with AccountId the Account's id; when none is, it is made
 * as planned.  Only the Website is read: Cal.com's second guess, the Account
 * most Contacts of the domain belong to, would read every Contact of a domain
 * with a leading-wildcard LIKE, unbounded rows Salesforce cannot index.
 */

static int empty_value(const cJSON *v)
{
	return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]);
}

/* Every whole "@{ref.id}" of the plan (field values and ids) becomes id. */
static void replace_ref(cJSON *plan, const char *ref, const char *id)
{
	char want[SFP_PLAN_MAX_REF + 8];
	cJSON *rec, *fl;

	snprintf(want, sizeof want, "@{%s.id}", ref);
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(plan, "records")) {
		cJSON *rid = cJSON_GetObjectItemCaseSensitive(rec, "id");

		if (cJSON_IsString(rid) && strcmp(rid->valuestring, want) == 0)
			cJSON_SetValuestring(rid, id);
		cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(rec, "fields"))
			if (cJSON_IsString(fl) && strcmp(fl->valuestring, want) == 0)
				cJSON_SetValuestring(fl, id);
	}
}

/* The record found for rec becomes "none" or an update of its empty fill fields. */
static int use_match(cJSON *plan, cJSON *rec, const cJSON *find, const cJSON *hit, const char *so)
{
	const char *id = sfp_lookup_str(hit, "Id"), *ref = sfp_lookup_str(rec, "ref");
	const cJSON *conv = sfp_lookup_field(hit, "ConvertedContactId"), *fill, *f;
	cJSON *upd = cJSON_CreateObject(), *fields = cJSON_GetObjectItemCaseSensitive(rec, "fields");
	char idbuf[SFP_SFID_MAX + 1], sobuf[81];

	if (!upd)
		return -1;
	snprintf(sobuf, sizeof sobuf, "%s", so);   /* so may live in the find, deleted after */
	so = sobuf;
	if (cJSON_IsTrue(sfp_lookup_field(hit, "IsConverted")) && cJSON_IsString(conv)) {
		id = conv->valuestring;   /* a converted Lead lives on as its Contact */
		so = "Contact";
	} else {
		cJSON_ArrayForEach(fill, cJSON_GetObjectItemCaseSensitive(find, "fill")) {
			const cJSON *mine = cJSON_GetObjectItemCaseSensitive(fields, fill->valuestring);

			if (!empty_value(mine) && empty_value(sfp_lookup_field(hit, fill->valuestring)))
				cJSON_AddItemToObject(upd, fill->valuestring, cJSON_Duplicate(mine, 1));
		}
	}
	snprintf(idbuf, sizeof idbuf, "%s", id ? id : "");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "upsert");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "fields");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "method");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "id");
	if ((f = cJSON_GetObjectItemCaseSensitive(rec, "sobject")) != NULL)
		cJSON_SetValuestring((cJSON *)f, so);
	if (cJSON_GetArraySize(upd) > 0) {
		cJSON_AddStringToObject(rec, "method", "update");
		cJSON_AddStringToObject(rec, "id", idbuf);
		cJSON_AddItemToObject(rec, "fields", upd);
	} else {
		cJSON_AddStringToObject(rec, "method", "none");
		cJSON_Delete(upd);
	}
	cJSON_AddStringToObject(rec, "found", idbuf);
	replace_ref(plan, ref, idbuf);
	return 0;
}

/* What an "in" looks for: its own value, else the find's; NULL when it is an
 * id that is not well formed (it cannot match, and would fail the query). */
static const char *in_value(const cJSON *find, const cJSON *in)
{
	const char *v = sfp_lookup_str(in, "value");

	if (!v)
		v = sfp_lookup_str(find, "value");
	if (v && strcasecmp(sfp_lookup_str(in, "field"), "Id") == 0 && !sfp_sfid_valid(v, NULL))
		return NULL;
	return v;
}

int sfp_find_domain(const char *value, char *out, size_t cap)
{
	const char *at = value ? strrchr(value, '@') : NULL, *d = at ? at + 1 : value;
	size_t n = 0;
	int dot = 0;

	if (!d || !*d || *d == '.' || *d == '-')
		return -1;
	for (; *d; d++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*d);

		if (!(isalnum(c) || c == '.' || c == '-') || n + 1 >= cap ||
		    (c == '.' && n > 0 && out[n - 1] == '.'))
			return -1;
		dot |= c == '.';
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return dot && out[n - 1] != '.' ? 0 : -1;
}

/* The six ways Cal.com's app writes a domain as a Website. */
static const char *const web_form[] = { "", "www.", "http://", "http://www.", "https://",
	"https://www." };
#define WEB_FORMS (sizeof web_form / sizeof *web_form)

/* Is website one of the six forms of domain? */
static int website_is(const char *website, const char *domain)
{
	char form[300];
	size_t k;

	for (k = 0; k < WEB_FORMS; k++) {
		snprintf(form, sizeof form, "%s%s", web_form[k], domain);
		if (strcasecmp(form, website) == 0)
			return 1;
	}
	return 0;
}

/* No person matched: the account's record under the Account of the domain, or
 * nothing to do (0); -1 with f when the plan must fail. */
static int decide_account(cJSON *rec, const cJSON *find, const cJSON *accounts, struct sfp_fail *f)
{
	const cJSON *acc = cJSON_GetObjectItemCaseSensitive(find, "account"), *r, *hit = NULL;
	const char *many = sfp_lookup_str(find, "many");
	char domain[256];
	size_t nhit = 0;
	cJSON *fields, *up;

	if (!acc || sfp_find_domain(sfp_lookup_str(find, "value"), domain, sizeof domain) < 0)
		return 0;
	cJSON_ArrayForEach(r, accounts) {
		const cJSON *w = sfp_lookup_field(r, "Website");

		if (cJSON_IsString(w) && website_is(w->valuestring, domain) && nhit++ == 0)
			hit = r;
	}
	if (nhit == 0 || (nhit > 1 && many && strcmp(many, "create") == 0))
		return 0;
	if (nhit > 1 && many && strcmp(many, "refuse") == 0) {
		sfp_fail_set(f, SFP_E_ITEM, "ambiguous-account", NULL, "record %s: %zu Accounts have "
		    "the website %.200s", sfp_lookup_str(rec, "ref"), nhit, domain);
		snprintf(f->ref, sizeof f->ref, "%s", sfp_lookup_str(rec, "ref"));
		return -1;
	}
	if (!(fields = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(acc, "fields"), 1)) ||
	    !cJSON_AddStringToObject(fields, sfp_lookup_str(acc, "field"), sfp_lookup_str(hit, "Id")))
		goto oom;
	up = cJSON_GetObjectItemCaseSensitive(acc, "upsert");
	if (up && !(up = cJSON_Duplicate(up, 1)))
		goto oom;
	cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(rec, "sobject"),
	    sfp_lookup_str(acc, "sobject"));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "upsert");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "method");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "fields");
	if (up)
		cJSON_AddItemToObject(rec, "upsert", up);
	cJSON_AddItemToObject(rec, "fields", fields);
	return 0;
oom:
	cJSON_Delete(fields);
	sfp_fail_set(f, SFP_E_TEMP, "oom", NULL, "out of memory");
	return -1;
}

int sfp_find_decide(cJSON *plan, cJSON *rec, const cJSON *const *found, const cJSON *accounts,
    struct sfp_fail *f)
{
	cJSON *find = cJSON_DetachItemFromObjectCaseSensitive(rec, "find");
	const cJSON *in, *r;
	const char *many = sfp_lookup_str(find, "many");
	size_t k = 0;
	int ret = 0;

	cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(find, "in")) {
		const char *so = sfp_lookup_str(in, "sobject"), *field = sfp_lookup_str(in, "field");
		const char *val = in_value(find, in);
		const cJSON *hit = NULL, *rows = val ? found[k] : NULL;
		int by_id = strcasecmp(field, "Id") == 0;
		size_t nhit = 0;

		k++;
		cJSON_ArrayForEach(r, rows) {
			const cJSON *v = sfp_lookup_field(r, field);

			if (cJSON_IsString(v) && (by_id ? sfp_lookup_same_id(v->valuestring, val) :
			    strcasecmp(v->valuestring, val) == 0) && nhit++ == 0)
				hit = r;
		}
		if (nhit == 0)
			continue;
		if (nhit > 1 && many && strcmp(many, "refuse") == 0) {
			sfp_fail_set(f, SFP_E_ITEM, "ambiguous-match", NULL, "record %s: %zu %s records "
			    "have %s %.200s", sfp_lookup_str(rec, "ref"), nhit, so, field, val);
			snprintf(f->ref, sizeof f->ref, "%s", sfp_lookup_str(rec, "ref"));
			ret = -1;
			goto out;
		}
		if (nhit > 1 && many && strcmp(many, "create") == 0)
			break;
		if (use_match(plan, rec, find, hit, so) < 0) {
			sfp_fail_set(f, SFP_E_TEMP, "oom", NULL, "out of memory");
			ret = -1;
		}
		goto out;
	}
	ret = decide_account(rec, find, accounts, f);   /* else: created as planned */
out:
	if (ret < 0)   /* the plan fails whole: it goes out as it came */
		cJSON_AddItemToObject(rec, "find", find);
	else
		cJSON_Delete(find);
	return ret;
}

/* The rows each "in" of find found, into found[]; -1 with f when a query failed. */
static int found_of(struct lookup_groups *gs, const cJSON *find, const cJSON **found,
    const cJSON **accounts, struct sfp_fail *f)
{
	const cJSON *in;
	struct lookup_group *g;
	size_t k = 0;

	cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(find, "in")) {
		g = sfp_lookup_group_get(gs, sfp_lookup_str(in, "sobject"), sfp_lookup_str(in, "field"),
		    "");
		if (g && g->fail.code[0]) {
			*f = g->fail;
			return -1;
		}
		found[k++] = g ? g->recs : NULL;
	}
	g = sfp_lookup_group_get(gs, "Account", "Website", "");
	*accounts = g ? g->recs : NULL;
	if (g && g->fail.code[0] && cJSON_GetObjectItemCaseSensitive(find, "account")) {
		*f = g->fail;
		return -1;
	}
	return 0;
}

/* The Website forms of the find's domain into the Account group; -1 out of memory. */
static int want_account(struct lookup_groups *gs, const cJSON *find, cJSON *forms)
{
	char domain[256], form[300];
	struct lookup_group *g;
	size_t k;

	if (!cJSON_GetObjectItemCaseSensitive(find, "account") ||
	    sfp_find_domain(sfp_lookup_str(find, "value"), domain, sizeof domain) < 0)
		return 0;
	if (!(g = sfp_lookup_group_of(gs, "Account", "Website", "")))
		return -1;
	for (k = 0; k < WEB_FORMS; k++) {
		cJSON *s;

		snprintf(form, sizeof form, "%s%s", web_form[k], domain);
		if (!(s = cJSON_CreateString(form)) || !cJSON_AddItemToArray(forms, s) ||
		    sfp_lookup_group_add(g, s->valuestring) < 0)
			return -1;
	}
	return 0;
}

/* A well-formed id in its 18-character form, kept in owner: the IN list drops
 * values equal but for case, and two 15-character ids may differ only so. */
static const char *id18_of(const char *id, cJSON *owner)
{
	char id18[SFP_ID_LEN + 1];
	const char *why;
	cJSON *s;

	if (sfp_sfid_check(id, strlen(id), NULL, id18, &why) != 0)
		return id;   /* cannot happen: in_value let only well-formed ids by */
	if (!(s = cJSON_CreateString(id18)) || !cJSON_AddItemToArray(owner, s))
		return NULL;
	return s->valuestring;
}

void sfp_run_find_people(struct run *R, struct item **all, size_t n)
{
	struct lookup_groups gs = { NULL, 0, 0 };
	cJSON *forms = cJSON_CreateArray();   /* owns the Websites and ids asked for */
	size_t i, k;
	struct sfp_fail e;

	for (i = 0; forms && i < n; i++) {
		const cJSON *rec, *in;

		if (all[i]->kind != IT_PLAN || all[i]->done)
			continue;
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(all[i]->plan, "records")) {
			const cJSON *find = cJSON_GetObjectItemCaseSensitive(rec, "find");

			cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(find, "in")) {
				struct lookup_group *g = sfp_lookup_group_of(&gs, sfp_lookup_str(in,
				    "sobject"), sfp_lookup_str(in, "field"), "");
				const char *v = in_value(find, in);

				if (v && strcasecmp(sfp_lookup_str(in, "field"), "Id") == 0 &&
				    !(v = id18_of(v, forms)))
					goto oom;
				if (!g || (v && sfp_lookup_group_add(g, v) < 0))
					goto oom;
				if (!g->fill)
					g->fill = cJSON_GetObjectItemCaseSensitive(find, "fill");
			}
			if (find && want_account(&gs, find, forms) < 0)
				goto oom;
		}
	}
	if (!forms)
		goto oom;
	for (k = 0; k < gs.n; k++) {
		struct lookup_group *g = &gs.g[k];
		char head[1024], extra[512] = "";
		const cJSON *fl;
		size_t el = 0;

		if (g->nv == 0)
			continue;   /* only ids that cannot be: nothing to ask */
		cJSON_ArrayForEach(fl, g->fill) {
			int w = snprintf(extra + el, sizeof extra - el, ", %s", fl->valuestring);

			if (w < 0 || (size_t)w >= sizeof extra - el)
				break;
			el += (size_t)w;
		}
		extra[el] = '\0';
		/* Id once: SOQL refuses a field selected twice */
		snprintf(head, sizeof head, "SELECT Id%s%s%s%s FROM %s WHERE %s",
		    strcasecmp(g->field, "Id") ? ", " : "", strcasecmp(g->field, "Id") ? g->field : "",
		    g->lead ? ", IsConverted, ConvertedContactId" : "", extra, g->so, g->field);
		sfp_lookup_group_query(R, g, head, " ORDER BY Id");
	}
	for (i = 0; i < n; i++) {
		cJSON *rec;
		const cJSON *found[5], *accounts;

		if (all[i]->kind != IT_PLAN || all[i]->done)
			continue;
		cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(all[i]->plan, "records")) {
			const cJSON *find = cJSON_GetObjectItemCaseSensitive(rec, "find");

			if (find && (found_of(&gs, find, found, &accounts, &e) < 0 ||
			    sfp_find_decide(all[i]->plan, rec, found, accounts, &e) < 0)) {
				sfp_run_plan_failed(R, all[i], &e);
				break;
			}
		}
	}
	sfp_lookup_groups_free(&gs);
	cJSON_Delete(forms);
	return;
oom:
	sfp_lookup_groups_free(&gs);
	cJSON_Delete(forms);
	sfp_fail_set(&e, SFP_E_TEMP, "oom", NULL, "out of memory matching people");
	for (i = 0; i < n; i++)
		if (all[i]->kind == IT_PLAN && !all[i]->done)
			sfp_run_plan_failed(R, all[i], &e);
}
