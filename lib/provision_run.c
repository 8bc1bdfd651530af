/* SPDX-License-Identifier: ISC */
/* provision_run: write provisioning items to Salesforce, data objects and Users in separate requests. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "provision.h"
#include "sfapi.h"
#include "soql.h"

#define CHUNK 200          /* records in one sObject collections request */
#define QUERY_KEYS 200     /* keys in one IN list (the URL stays far below 16 KB) */
#define QUERIES 5          /* query subrequests a composite request may hold */

#define USER_FIELDS "Id,Provisioning_Key__c,Provisioned_At__c,Username,ContactId,IsActive," \
	"ProfileId,FirstName,LastName,Email,TimeZoneSidKey,LocaleSidKey,LanguageLocaleKey," \
	"EmailEncodingKey"

/* The User fields a provisioning request sets, item member by member. */
struct ufield { const char *name; size_t off; };
static const struct ufield UFIELDS[] = {
	{ "FirstName", offsetof(struct sfp_prov_item, first) },
	{ "LastName", offsetof(struct sfp_prov_item, last) },
	{ "Email", offsetof(struct sfp_prov_item, email) },
	{ "Username", offsetof(struct sfp_prov_item, username) },
	{ "TimeZoneSidKey", offsetof(struct sfp_prov_item, timezone) },
	{ "LocaleSidKey", offsetof(struct sfp_prov_item, locale) },
	{ "LanguageLocaleKey", offsetof(struct sfp_prov_item, language) },
	{ "EmailEncodingKey", offsetof(struct sfp_prov_item, encoding) },
	{ "ProfileId", offsetof(struct sfp_prov_item, profile_id) },
};

struct run {
	struct sfp_sf *sf;
	const struct sfp_prov_conf *c;
	struct sfp_prov_item *items;
	size_t n;
	cJSON *profiles;    /* Name -> {Id, UserType}: one query per run */
	cJSON *users;       /* user key -> the User as queried */
	struct sfp_fail *f;
};

static enum sfp_status
oom(struct sfp_fail *f)
{
	return sfp_fail_set(f, SFP_E_INTERNAL, "oom", NULL, "out of memory");
}

static int
live(const struct sfp_prov_item *it)
{
	return it->outcome == SFP_PROV_PENDING;
}

/* A failure that says what to fix in the org, for the codes a provisioning
 * run meets (sfpipe(7) PROVISIONING). */
static void
item_fail(struct sfp_prov_item *it, const struct sfp_fail *sf_fail, const char *step)
{
	static const struct { const char *code, *needle, *fix; } fixes[] = {
		{ "INSUFFICIENT_ACCESS_OR_READONLY", "", "give the integration user the Manage "
		    "External Users permission (or Manage Users)" },
		{ "LICENSE_LIMIT_EXCEEDED", "", "no free licence for the profile: buy licences or "
		    "deactivate users" },
		{ "UNKNOWN_EXCEPTION", "must have a role", "give the account owner a role, or set accountOwnerId in "
		    "the provisioning config to a user with a role" },
		{ "DUPLICATE_USERNAME", "", "the username is taken in some Salesforce org: set a "
		    "usernameSuffix in the provisioning config" },
		{ "PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT", "", "the contact already has a user that "
		    "is not this request's (another Provisioning_Key__c)" },
	};
	size_t i, nf = sizeof(fixes) / sizeof(fixes[0]);
	char place[sizeof(it->id) + 16], code[sizeof(sf_fail->code)], fields[sizeof(sf_fail->fields)];

	for (i = 0; i < nf && (strcmp(fixes[i].code, sf_fail->code) != 0 ||
	    !strstr(sf_fail->message, fixes[i].needle)); i++)
		;
	(void)snprintf(place, sizeof(place), "request %s", it->id);
	memcpy(code, sf_fail->code, sizeof(code));
	memcpy(fields, sf_fail->fields, sizeof(fields));
	sfp_fail_set(&it->fail, SFP_E_ITEM, code, place, "%s: %.300s%s%s", step,
	    sf_fail->message, i < nf ? "; fix: " : "", i < nf ? fixes[i].fix : "");
	memcpy(it->fail.fields, fields, sizeof(fields));
	it->outcome = SFP_PROV_FAILED;
}

static void
item_refuse(struct sfp_prov_item *it, const char *code, const char *why)
{
	struct sfp_fail f;

	sfp_fail_clear(&f);
	sfp_fail_set(&f, SFP_E_ITEM, code, NULL, "profile \"%.80s\" %s", it->profile, why);
	item_fail(it, &f, "profile");
}

static int
pct_encode(struct sfp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			rc = sfp_buf_putc(b, (char)ch);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };
			rc = sfp_buf_put(b, e, 3);
		}
	}
	return rc;
}

/* "/services/data/vNN/query?q=SELECT ... IN ('a','b')" for keys[0..n). */
static char *
in_query(struct run *r, const char *head, const char *const *keys, size_t n)
{
	struct sfp_buf soql, url;
	char q[512];
	size_t i;
	int rc;

	sfp_buf_init(&soql);
	sfp_buf_init(&url);
	rc = sfp_buf_puts(&soql, head);
	for (i = 0; i < n && rc == 0; i++) {
		if (sfp_soql_quote(keys[i], strlen(keys[i]), q, sizeof(q)) < 0)
			rc = -1;
		else
			rc = (i ? sfp_buf_putc(&soql, ',') : 0) | sfp_buf_puts(&soql, q);
	}
	rc = rc | sfp_buf_putc(&soql, ')') | sfp_buf_putc(&soql, '\0');
	if (rc == 0)
		rc = sfp_buf_puts(&url, sfp_sf_data_path(r->sf)) | sfp_buf_puts(&url, "/query?q=") |
		    pct_encode(&url, soql.p) | sfp_buf_putc(&url, '\0');
	sfp_buf_fini(&soql);
	if (rc != 0) {
		sfp_buf_fini(&url);
		return NULL;
	}
	return sfp_buf_take(&url, NULL);
}

static enum sfp_status
add_query(cJSON *reqs, const char *ref, char *url)
{
	cJSON *q = cJSON_CreateObject();

	if (!url || !q || !cJSON_AddStringToObject(q, "method", "GET") ||
	    !cJSON_AddStringToObject(q, "url", url) ||
	    !cJSON_AddStringToObject(q, "referenceId", ref)) {
		free(url);
		cJSON_Delete(q);
		return SFP_E_INTERNAL;
	}
	free(url);
	cJSON_AddItemToArray(reqs, q);
	return SFP_OK;
}

/* One request; a failure of the whole request is the run's. */
static enum sfp_status
call(struct run *r, const char *method, const char *path, const cJSON *body, cJSON **out)
{
	struct sfp_sf_req rq = { .method = method, .path = path, .json = body };
	struct sfp_sf_resp rs;
	enum sfp_status st;

	sfp_sf_resp_init(&rs);
	st = sfp_sf_request(r->sf, &rq, &rs, r->f);
	if (st == SFP_OK && out) {
		*out = rs.json;
		rs.json = NULL;
	}
	sfp_sf_resp_fini(&rs);
	return st;
}

static void
note_users(struct run *r, const cJSON *records)
{
	const cJSON *u, *k;

	cJSON_ArrayForEach(u, records) {
		k = cJSON_GetObjectItemCaseSensitive(u, "Provisioning_Key__c");
		if (cJSON_IsString(k) && !cJSON_GetObjectItemCaseSensitive(r->users, k->valuestring))
			cJSON_AddItemToObject(r->users, k->valuestring, cJSON_Duplicate(u, 1));
	}
}

static void
note_profiles(struct run *r, const cJSON *records)
{
	const cJSON *p, *name;

	cJSON_ArrayForEach(p, records) {
		name = cJSON_GetObjectItemCaseSensitive(p, "Name");
		if (cJSON_IsString(name) && !cJSON_GetObjectItemCaseSensitive(r->profiles,
		    name->valuestring))
			cJSON_AddItemToObject(r->profiles, name->valuestring, cJSON_Duplicate(p, 1));
	}
}

/* The profiles and the existing users, QUERIES queries to a composite request. */
static enum sfp_status
lookup(struct run *r)
{
	const char **keys = calloc(r->n + 1, sizeof(*keys)), **names = calloc(r->n + 1,
	    sizeof(*names));
	size_t nk = 0, nn = 0, i, j, done = 0;
	enum sfp_status st = SFP_OK;
	int need_profiles;

	if (!keys || !names) {
		st = oom(r->f);
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		if (!live(&r->items[i]))
			continue;
		keys[nk++] = r->items[i].user_key;
		for (j = 0; j < nn && !r->items[i].deprovision && strcmp(names[j],
		    r->items[i].profile) != 0; j++)
			;
		if (!r->items[i].deprovision && j == nn)
			names[nn++] = r->items[i].profile;
	}
	need_profiles = nn > 0;
	while (st == SFP_OK && (done < nk || need_profiles)) {
		cJSON *body = cJSON_CreateObject(), *reqs, *resp = NULL, *sub, *subs;
		int nq = 0;
		char ref[16];

		reqs = body ? cJSON_AddArrayToObject(body, "compositeRequest") : NULL;
		if (!reqs || !cJSON_AddFalseToObject(body, "allOrNone"))
			st = oom(r->f);
		if (st == SFP_OK && need_profiles) {
			st = add_query(reqs, "profiles", in_query(r, "SELECT Id, Name, UserType FROM "
			    "Profile WHERE Name IN (", names, nn));
			need_profiles = 0;
			nq++;
		}
		for (; st == SFP_OK && nq < QUERIES && done < nk; nq++) {
			size_t take = nk - done < QUERY_KEYS ? nk - done : QUERY_KEYS;
			(void)snprintf(ref, sizeof(ref), "users%d", nq);
			st = add_query(reqs, ref, in_query(r, "SELECT " USER_FIELDS " FROM User WHERE "
			    "Provisioning_Key__c IN (", keys + done, take));
			done += take;
		}
		if (st == SFP_E_INTERNAL)
			st = oom(r->f);
		if (st == SFP_OK)
			st = call(r, "POST", "composite", body, &resp);
		subs = st == SFP_OK ? cJSON_GetObjectItemCaseSensitive(resp, "compositeResponse") :
		    NULL;
		cJSON_ArrayForEach(sub, subs) {
			const cJSON *rb = cJSON_GetObjectItemCaseSensitive(sub, "body");
			const cJSON *rid = cJSON_GetObjectItemCaseSensitive(sub, "referenceId");
			long code = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sub,
			    "httpStatusCode"));
			if (code != 200) {
				st = sfp_sf_fail_from(code, rb, NULL, 0, r->f);
				if (st == SFP_E_ITEM)
					st = SFP_E_INPUT;   /* a query refused: the org is not set up */
				break;
			}
			if (cJSON_IsString(rid) && strcmp(rid->valuestring, "profiles") == 0)
				note_profiles(r, cJSON_GetObjectItemCaseSensitive(rb, "records"));
			else
				note_users(r, cJSON_GetObjectItemCaseSensitive(rb, "records"));
		}
		cJSON_Delete(resp);
		cJSON_Delete(body);
	}
out:
	free(keys);
	free(names);
	return st;
}

static const char *
str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
copy_id(char out[19], const char *id)
{
	(void)snprintf(out, 19, "%s", id ? id : "");
}

/* What each item needs, now that the users and profiles are known. */
static void
classify(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct sfp_prov_item *it = &r->items[i];
		const cJSON *u, *p;
		const char *ver, *type;

		if (!live(it))
			continue;
		u = cJSON_GetObjectItemCaseSensitive(r->users, it->user_key);
		ver = u ? str_of(u, "Provisioned_At__c") : NULL;
		if (u) {
			copy_id(it->user_id, str_of(u, "Id"));
			copy_id(it->contact_id, str_of(u, "ContactId"));
		}
		/* a request older than the one last applied changes nothing; the same
		 * one again is compared field by field below */
		if (it->version[0] && ver && strcmp(it->version, ver) < 0) {
			it->outcome = SFP_PROV_STALE;
			continue;
		}
		if (it->version[0] && ver && strcmp(it->version, ver) == 0) {
			it->outcome = SFP_PROV_UNCHANGED;   /* this very request, again */
			continue;
		}
		if (it->deprovision) {
			if (!u)
				it->outcome = SFP_PROV_NOT_PROVISIONED;
			else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "IsActive")))
				it->outcome = SFP_PROV_UNCHANGED;
			continue;
		}
		p = cJSON_GetObjectItemCaseSensitive(r->profiles, it->profile);
		type = p ? str_of(p, "UserType") : NULL;
		if (!p || !str_of(p, "Id")) {
			item_refuse(it, "unknown-profile", "is not a profile of the org");
			continue;
		}
		if (!type || strcmp(type, "Standard") == 0) {
			item_refuse(it, "not-a-community-profile", "is not an Experience Cloud "
			    "(customer or partner) profile");
			continue;
		}
		copy_id(it->profile_id, str_of(p, "Id"));
	}
}

/* An sObject collections request of records[] (each item's or NULL): per
 * record results mapped back to their items. */
typedef void (*result_fn)(struct run *r, struct sfp_prov_item *it, const cJSON *res);

static enum sfp_status
collection(struct run *r, const char *method, const char *path, cJSON *records,
    struct sfp_prov_item **owners, size_t n, result_fn fn)
{
	cJSON *body = cJSON_CreateObject(), *resp = NULL, *res;
	enum sfp_status st = SFP_OK;
	size_t i = 0;

	if (!body || !cJSON_AddFalseToObject(body, "allOrNone")) {
		cJSON_Delete(body);
		cJSON_Delete(records);
		return oom(r->f);
	}
	cJSON_AddItemToObject(body, "records", records);
	st = call(r, method, path, body, &resp);
	if (st != SFP_OK)
		cJSON_Delete(resp), resp = NULL;
	cJSON_ArrayForEach(res, resp) {
		if (i >= n)
			break;
		fn(r, owners[i++], res);
	}
	cJSON_Delete(resp);
	cJSON_Delete(body);
	return st;
}

/* Send one chunk of k records (recs NULL: out of memory); -1 when the loop
 * that built it is done (nothing to send, or out of memory). */
static int
send_chunk(struct run *r, const char *method, const char *path, cJSON *recs,
    struct sfp_prov_item **owners, size_t k, result_fn fn, enum sfp_status *st)
{
	if (!recs) {
		*st = oom(r->f);
		return -1;
	}
	if (k == 0) {
		cJSON_Delete(recs);
		return -1;
	}
	*st = collection(r, method, path, recs, owners, k, fn);
	return 0;
}

static void
fail_from_result(struct sfp_prov_item *it, const cJSON *res, const char *step)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "errors"), 0);
	struct sfp_fail f;

	sfp_fail_clear(&f);
	sfp_fail_set(&f, SFP_E_ITEM, str_of(e, "statusCode") ? str_of(e, "statusCode") :
	    "UNKNOWN", NULL, "%s", str_of(e, "message") ? str_of(e, "message") : "failed");
	item_fail(it, &f, step);
}

static int
ok_result(const cJSON *res)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "success"));
}

static void
account_done(struct run *r, struct sfp_prov_item *it, const cJSON *res)
{
	size_t i;

	/* every item of this company shares the result */
	for (i = 0; i < r->n; i++) {
		struct sfp_prov_item *o = &r->items[i];
		if (!live(o) || o->deprovision || strcmp(o->account_key, it->account_key) != 0)
			continue;
		if (!ok_result(res)) {
			fail_from_result(o, res, "account");
			continue;
		}
		copy_id(o->account_id, str_of(res, "id"));
		o->account_created = o == it && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res,
		    "created"));
	}
}

static void
contact_done(struct run *r, struct sfp_prov_item *it, const cJSON *res)
{
	(void)r;
	if (!ok_result(res)) {
		fail_from_result(it, res, "contact");
		return;
	}
	copy_id(it->contact_id, str_of(res, "id"));
	it->contact_created = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created"));
}

static cJSON *
record(const char *type)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateObject();

	if (!o || !a || !cJSON_AddStringToObject(a, "type", type)) {
		cJSON_Delete(o);
		cJSON_Delete(a);
		return NULL;
	}
	cJSON_AddItemToObject(o, "attributes", a);
	return o;
}

static int
needs_records(const struct sfp_prov_item *it)
{
	return live(it) && !it->deprovision;
}

/* Accounts (one per company key), then Contacts: CHUNK to a request. */
static enum sfp_status
write_data(struct run *r, int contacts)
{
	struct sfp_prov_item **owners = calloc(CHUNK, sizeof(*owners));
	enum sfp_status st = SFP_OK;
	size_t i = 0, j, k;

	if (!owners)
		return oom(r->f);
	while (st == SFP_OK && i < r->n) {
		cJSON *recs = cJSON_CreateArray(), *o;
		for (k = 0; recs && i < r->n && k < CHUNK; i++) {
			struct sfp_prov_item *it = &r->items[i];
			if (!needs_records(it))
				continue;
			for (j = 0; !contacts && j < i; j++)   /* one record per company */
				if (needs_records(&r->items[j]) && strcmp(r->items[j].account_key,
				    it->account_key) == 0)
					break;
			if (!contacts && j < i)
				continue;
			if (!(o = record(contacts ? "Contact" : "Account")))
				break;
			cJSON_AddItemToArray(recs, o);
			owners[k++] = it;
			if (contacts) {
				(void)(cJSON_AddStringToObject(o, "Provisioning_Key__c", it->user_key) &&
				    cJSON_AddStringToObject(o, "LastName", it->last) &&
				    cJSON_AddStringToObject(o, "Email", it->email) &&
				    cJSON_AddStringToObject(o, "AccountId", it->account_id));
				if (it->first[0])
					(void)cJSON_AddStringToObject(o, "FirstName", it->first);
			} else {
				(void)(cJSON_AddStringToObject(o, "Provisioning_Key__c", it->account_key)
				    && cJSON_AddStringToObject(o, "Name", it->account_name));
				if (r->c->account_owner)
					(void)cJSON_AddStringToObject(o, "OwnerId", r->c->account_owner);
			}
		}
		if (send_chunk(r, "PATCH", contacts ? "composite/sobjects/Contact/"
		    "Provisioning_Key__c" : "composite/sobjects/Account/Provisioning_Key__c",
		    recs, owners, k, contacts ? contact_done : account_done, &st) != 0)
			break;
	}
	free(owners);
	return st;
}

static void
user_done(struct run *r, struct sfp_prov_item *it, const cJSON *res)
{
	(void)r;
	if (!ok_result(res)) {
		fail_from_result(it, res, "user");
		return;
	}
	if (!it->user_id[0]) {
		copy_id(it->user_id, str_of(res, "id"));
		it->outcome = SFP_PROV_CREATED;
	} else {
		it->outcome = it->deprovision ? SFP_PROV_DEACTIVATED : SFP_PROV_UPDATED;
	}
}

/* The User record for item it: every field (create) or the changed ones
 * (update; NULL when nothing changed). */
static cJSON *
user_record(const struct sfp_prov_item *it, const cJSON *old)
{
	cJSON *o = record("User");
	size_t i;
	int changed = 0;

	if (!o)
		return NULL;
	if (old) {
		(void)cJSON_AddStringToObject(o, "id", it->user_id);
		if (it->deprovision) {
			(void)cJSON_AddFalseToObject(o, "IsActive");
			changed = 1;
		} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(old, "IsActive"))) {
			(void)cJSON_AddTrueToObject(o, "IsActive");
			changed = 1;
		}
	}
	for (i = 0; !it->deprovision && i < sizeof(UFIELDS) / sizeof(UFIELDS[0]); i++) {
		const char *v = (const char *)it + UFIELDS[i].off, *was;
		if (!v[0])
			continue;
		was = old ? str_of(old, UFIELDS[i].name) : NULL;
		if (old && was && strcmp(was, v) == 0)
			continue;
		(void)cJSON_AddStringToObject(o, UFIELDS[i].name, v);
		changed = 1;
	}
	if (old && !changed) {
		cJSON_Delete(o);
		return NULL;
	}
	if (it->version[0])
		(void)cJSON_AddStringToObject(o, "Provisioned_At__c", it->version);
	if (!old) {
		(void)(cJSON_AddStringToObject(o, "Provisioning_Key__c", it->user_key) &&
		    cJSON_AddStringToObject(o, "ContactId", it->contact_id) &&
		    cJSON_AddStringToObject(o, "Alias", it->alias) &&
		    cJSON_AddStringToObject(o, "CommunityNickname", it->nickname) &&
		    cJSON_AddTrueToObject(o, "IsActive"));
	}
	return o;
}

/* New users (POST), then changed and deactivated ones (PATCH). */
static enum sfp_status
write_users(struct run *r, int update)
{
	struct sfp_prov_item **owners = calloc(CHUNK, sizeof(*owners));
	enum sfp_status st = SFP_OK;
	size_t i = 0, k;

	if (!owners)
		return oom(r->f);
	while (st == SFP_OK && i < r->n) {
		cJSON *recs = cJSON_CreateArray(), *o;
		for (k = 0; recs && i < r->n && k < CHUNK; i++) {
			struct sfp_prov_item *it = &r->items[i];
			const cJSON *old = cJSON_GetObjectItemCaseSensitive(r->users, it->user_key);
			if (!live(it) || (old != NULL) != update || (!update && it->deprovision))
				continue;
			if (!(o = user_record(it, old))) {
				it->outcome = SFP_PROV_UNCHANGED;
				continue;
			}
			cJSON_AddItemToArray(recs, o);
			owners[k++] = it;
		}
		if (send_chunk(r, update ? "PATCH" : "POST", "composite/sobjects", recs, owners, k,
		    user_done, &st) != 0)
			break;
	}
	free(owners);
	return st;
}

/* A User that could not be made leaves no Contact or Account this run made
 * for it (an Account only when no other request of the run uses it). */
static enum sfp_status
undo_half_made(struct run *r)
{
	struct sfp_buf ids;
	size_t i, j, k = 0;
	enum sfp_status st = SFP_OK;

	sfp_buf_init(&ids);
	for (i = 0; i < r->n; i++) {
		struct sfp_prov_item *it = &r->items[i];
		if (it->outcome != SFP_PROV_FAILED || it->user_id[0])
			continue;
		if (it->contact_created && k < CHUNK) {
			(void)((k++ ? sfp_buf_putc(&ids, ',') : 0) | sfp_buf_puts(&ids, it->contact_id));
			it->contact_id[0] = '\0';
		}
		for (j = 0; j < r->n; j++)
			if (j != i && r->items[j].outcome != SFP_PROV_FAILED && strcmp(
			    r->items[j].account_id, it->account_id) == 0)
				break;
		if (it->account_created && j == r->n && k < CHUNK) {
			(void)((k++ ? sfp_buf_putc(&ids, ',') : 0) | sfp_buf_puts(&ids, it->account_id));
			it->account_id[0] = '\0';
		}
	}
	if (k > 0) {
		struct sfp_buf path;
		sfp_buf_init(&path);
		if (sfp_buf_puts(&path, "composite/sobjects?allOrNone=false&ids=") |
		    sfp_buf_put(&path, ids.p, ids.len) | sfp_buf_putc(&path, '\0'))
			st = oom(r->f);
		else
			st = call(r, "DELETE", path.p, NULL, NULL);
		sfp_buf_fini(&path);
	}
	sfp_buf_fini(&ids);
	return st;
}

/* Of several requests for one user in a run, the newest (the last one when
 * equally new) is applied; the others are superseded. */
static void
supersede(struct sfp_prov_item *items, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!live(&items[i]))
			continue;
		for (j = i + 1; j < n; j++) {
			if (!live(&items[j]) || strcmp(items[i].user_key, items[j].user_key) != 0)
				continue;
			if (strcmp(items[j].version, items[i].version) >= 0) {
				items[i].outcome = SFP_PROV_SUPERSEDED;
				break;
			}
			items[j].outcome = SFP_PROV_SUPERSEDED;
		}
	}
}

enum sfp_status
sfp_prov_run(struct sfp_sf *sf, const struct sfp_prov_conf *c, struct sfp_prov_item *items,
    size_t n, struct sfp_fail *f)
{
	struct run r = { sf, c, items, n, cJSON_CreateObject(), cJSON_CreateObject(), f };
	enum sfp_status st;

	if (!r.profiles || !r.users) {
		st = oom(f);
		goto out;
	}
	supersede(items, n);
	/* 1. read: profiles and existing users */
	if ((st = lookup(&r)) != SFP_OK)
		goto out;
	classify(&r);
	/* 2. data objects, in requests of their own (the setup-object rule) */
	if ((st = write_data(&r, 0)) != SFP_OK || (st = write_data(&r, 1)) != SFP_OK)
		goto out;
	/* 3. Users, in requests holding only Users */
	if ((st = write_users(&r, 0)) != SFP_OK || (st = write_users(&r, 1)) != SFP_OK)
		goto out;
	st = undo_half_made(&r);
out:
	cJSON_Delete(r.profiles);
	cJSON_Delete(r.users);
	return st;
}
