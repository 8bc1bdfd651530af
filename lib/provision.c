/* SPDX-License-Identifier: ISC */
/* provision: a provisioning request (SCIM User) and the customer's rules to the records of one community user. */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "provision.h"
#include "stream.h"

#define CONF_MAX (256u * 1024u)

static const char *
conf_str(const cJSON *root, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static enum sfp_status
conf_refuse(struct sfp_prov_conf *c, const char *path, const char *what, struct sfp_fail *f)
{
	sfp_prov_conf_fini(c);
	return sfp_fail_set(f, SFP_E_INPUT, "bad-config", path, "%s", what);
}

enum sfp_status
sfp_prov_conf_load(const char *path, struct sfp_prov_conf *c, struct sfp_fail *f)
{
	static const char *const known[] = { "usernameSuffix", "accountOwnerId",
		"defaultProfile", "profiles", "locales", "languages", "timezone", "locale",
		"language", "emailEncoding", NULL };
	const cJSON *m;
	enum sfp_status st;
	size_t i;

	memset(c, 0, sizeof(*c));
	if ((st = sfp_json_load(path, CONF_MAX, &c->root, f)) != SFP_OK)
		return st;
	if (!cJSON_IsObject(c->root))
		return conf_refuse(c, path, "the provisioning config is not a JSON object", f);
	cJSON_ArrayForEach(m, c->root) {
		if (strcmp(m->string, "comment") == 0 || m->string[0] == '_')
			continue;
		for (i = 0; known[i] && strcmp(known[i], m->string) != 0; i++)
			;
		if (!known[i]) {
			sfp_fail_set(f, SFP_E_INPUT, "bad-config", path, "unknown member \"%.64s\"",
			    m->string);
			sfp_prov_conf_fini(c);
			return SFP_E_INPUT;
		}
		if (!cJSON_IsString(m) && !cJSON_IsObject(m))
			return conf_refuse(c, path, "members are strings or objects of strings", f);
	}
	c->username_suffix = conf_str(c->root, "usernameSuffix", "");
	c->account_owner = conf_str(c->root, "accountOwnerId", NULL);
	c->profiles = cJSON_GetObjectItemCaseSensitive(c->root, "profiles");
	c->locales = cJSON_GetObjectItemCaseSensitive(c->root, "locales");
	c->languages = cJSON_GetObjectItemCaseSensitive(c->root, "languages");
	c->default_profile = conf_str(c->root, "defaultProfile", NULL);
	c->timezone = conf_str(c->root, "timezone", "GMT");
	c->locale = conf_str(c->root, "locale", "en_US");
	c->language = conf_str(c->root, "language", "en_US");
	c->encoding = conf_str(c->root, "emailEncoding", "UTF-8");
	/* Only the profiles the customer lists can be asked for: a request can
	 * never name an internal profile such as System Administrator. */
	if (!cJSON_IsObject(c->profiles) || !c->profiles->child)
		return conf_refuse(c, path, "\"profiles\" must map at least one alias to a "
		    "community profile name", f);
	cJSON_ArrayForEach(m, c->profiles)
		if (!cJSON_IsString(m) || !m->valuestring[0])
			return conf_refuse(c, path, "\"profiles\" values are profile names", f);
	if (c->default_profile && !cJSON_GetObjectItemCaseSensitive(c->profiles,
	    c->default_profile))
		return conf_refuse(c, path, "\"defaultProfile\" is not one of \"profiles\"", f);
	if (strlen(c->username_suffix) > 40)
		return conf_refuse(c, path, "\"usernameSuffix\" is longer than 40 bytes", f);
	return SFP_OK;
}

void
sfp_prov_conf_fini(struct sfp_prov_conf *c)
{
	cJSON_Delete(c->root);
	memset(c, 0, sizeof(*c));
}

static enum sfp_status
bad(struct sfp_fail *f, const char *member, const char *why)
{
	return sfp_fail_set(f, SFP_E_ITEM, "bad-request", member, "%s", why);
}

/* A string member (NULL when absent); a present non-string one is refused. */
static int
get_str(const cJSON *o, const char *name, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = v->valuestring;
	return 0;
}

/* Copy s into out (n bytes); -1 when it does not fit or holds a control byte. */
static int
put(char *out, size_t n, const char *s)
{
	size_t len = strlen(s), i;

	if (len >= n)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, len + 1);
	return 0;
}

static int
put2(char *out, size_t n, const char *a, const char *b)
{
	int w = snprintf(out, n, "%s%s", a, b);
	size_t i;

	if (w < 0 || (size_t)w >= n)
		return -1;
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	return 0;
}

static const char *
primary_email(const cJSON *body)
{
	const cJSON *emails = cJSON_GetObjectItemCaseSensitive(body, "emails"), *e, *v;
	const char *first = NULL;

	if (!cJSON_IsArray(emails))
		return NULL;
	cJSON_ArrayForEach(e, emails) {
		v = cJSON_GetObjectItemCaseSensitive(e, "value");
		if (!cJSON_IsString(v))
			continue;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "primary")))
			return v->valuestring;
		if (!first)
			first = v->valuestring;
	}
	return first;
}

/* The 8-character Alias: first initial and family name, ASCII letters and
 * digits only, lowercase ("alovelac"); "user" when nothing is left. */
static void
make_alias(const char *first, const char *last, char out[9])
{
	size_t k = 0;
	const char *p;

	if (first && isalnum((unsigned char)first[0]))
		out[k++] = (char)tolower((unsigned char)first[0]);
	for (p = last ? last : ""; *p && k < 8; p++)
		if (isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
			out[k++] = (char)tolower((unsigned char)*p);
	if (k == 0) {
		memcpy(out, "user", 5);
		return;
	}
	out[k] = '\0';
}

/* CommunityNickname is unique in the org: the userName's local part (at most
 * 27 bytes) and 12 hex digits of a hash of the user key, which is unique. */
static void
make_nickname(const char *username, const char *key, char out[41])
{
	unsigned char h[6];
	char hex[13];
	size_t k = 0;
	const char *p;

	(void)crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key), NULL, 0);
	(void)sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (p = username; *p && *p != '@' && k < 27; p++)
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')
			out[k++] = *p;
	out[k++] = '.';
	memcpy(out + k, hex, 13);
}

/* A map member's value for tag, else for its primary subtag ("de" of "de-AT"). */
static const char *
map_tag(const cJSON *map, const char *tag)
{
	char primary[16];
	const cJSON *v;
	size_t k = strcspn(tag, "-_");

	if ((v = cJSON_GetObjectItemCaseSensitive(map, tag)) && cJSON_IsString(v))
		return v->valuestring;
	if (k == 0 || k >= sizeof(primary))
		return NULL;
	memcpy(primary, tag, k);
	primary[k] = '\0';
	v = cJSON_GetObjectItemCaseSensitive(map, primary);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The SCIM locale "en-GB" as a LocaleSidKey "en_GB" unless the map names the tag. */
static int
derive_locale(const struct sfp_prov_conf *c, const char *scim, char out[24])
{
	const char *m;
	size_t i;

	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->locales, scim ? scim : "");

	if (!scim)
		return put(out, 24, c->locale);
	/* exact tags only: "de" must not turn a de-AT person into de_DE */
	if (cJSON_IsString(v) && (m = v->valuestring))
		return put(out, 24, m);
	if (put(out, 24, scim) != 0)
		return -1;
	for (i = 0; out[i]; i++) {
		if (out[i] == '-')
			out[i] = '_';
		else if (!isalnum((unsigned char)out[i]) && out[i] != '_')
			return -1;
	}
	return 0;
}

static enum sfp_status
person(const struct sfp_prov_conf *c, const cJSON *body, struct sfp_prov_item *it,
    struct sfp_fail *f)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
	const char *given = NULL, *family = NULL, *email, *tz = NULL, *loc = NULL, *lang = NULL,
	    *l;

	if (name && !cJSON_IsObject(name))
		return bad(f, "body.name", "name is not an object");
	if (get_str(name, "givenName", &given) || get_str(name, "familyName", &family))
		return bad(f, "body.name", "name parts are strings");
	if (!family || !family[0] || put(it->last, sizeof(it->last), family) != 0)
		return bad(f, "body.name.familyName", "a family name (1-80 bytes) is required");
	if (given && put(it->first, sizeof(it->first), given) != 0)
		return bad(f, "body.name.givenName", "the given name is longer than 40 bytes");
	email = primary_email(body);
	if (!email || !strchr(email, '@') || put(it->email, sizeof(it->email), email) != 0)
		return bad(f, "body.emails", "an email address (at most 128 bytes) is required");
	if (get_str(body, "timezone", &tz) || get_str(body, "locale", &loc) ||
	    get_str(body, "preferredLanguage", &lang))
		return bad(f, "body", "timezone, locale and preferredLanguage are strings");
	if (put(it->timezone, sizeof(it->timezone), tz ? tz : c->timezone) != 0)
		return bad(f, "body.timezone", "the time zone is too long");
	if (derive_locale(c, loc, it->locale) != 0)
		return bad(f, "body.locale", "the locale is not a language tag");
	l = lang ? map_tag(c->languages, lang) : NULL;
	if (put(it->language, sizeof(it->language), l ? l : c->language) != 0)
		return bad(f, "body.preferredLanguage", "the language is too long");
	if (put(it->encoding, sizeof(it->encoding), c->encoding) != 0)
		return bad(f, "emailEncoding", "the email encoding is too long");
	make_alias(it->first, it->last, it->alias);
	make_nickname(it->username, it->user_key, it->nickname);
	return SFP_OK;
}

static enum sfp_status
company(const struct sfp_prov_conf *c, const char *prefix, const cJSON *body,
    struct sfp_prov_item *it, struct sfp_fail *f)
{
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(body, SFP_PROV_EXT);
	const cJSON *ent = cJSON_GetObjectItemCaseSensitive(body, SFP_SCIM_ENTERPRISE);
	const char *key = NULL, *name = NULL, *alias = NULL;
	const cJSON *prof;

	if (!cJSON_IsObject(ext))
		return bad(f, "body." SFP_PROV_EXT, "the provisioning extension is required");
	if (get_str(ext, "accountKey", &key) || get_str(ext, "accountName", &name) ||
	    get_str(ext, "profile", &alias))
		return bad(f, "body." SFP_PROV_EXT, "accountKey, accountName, profile are strings");
	if (!name && cJSON_IsObject(ent) && get_str(ent, "organization", &name))
		return bad(f, "body." SFP_SCIM_ENTERPRISE ".organization", "not a string");
	if (!key || !key[0] || put2(it->account_key, sizeof(it->account_key), prefix, key) != 0)
		return bad(f, "body." SFP_PROV_EXT ".accountKey", "an account key (1-100 bytes, "
		    "no control characters) is required");
	if (put(it->account_name, sizeof(it->account_name), name && name[0] ? name : key) != 0)
		return bad(f, "body." SFP_PROV_EXT ".accountName", "the account name is too long");
	if (!alias)
		alias = c->default_profile;
	prof = alias ? cJSON_GetObjectItemCaseSensitive(c->profiles, alias) : NULL;
	if (!cJSON_IsString(prof))
		return bad(f, "body." SFP_PROV_EXT ".profile", "the profile is not one the "
		    "provisioning config allows");
	(void)put(it->profile, sizeof(it->profile), prof->valuestring);
	return SFP_OK;
}

enum sfp_status
sfp_prov_item_from(const struct sfp_prov_conf *c, const char *tenant, const char *key_prefix,
    const cJSON *line, struct sfp_prov_item *it, struct sfp_fail *f)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(line, "body"), *active, *ext, *meta;
	const char *uname = NULL, *xid = NULL, *ver = NULL;

	memset(it, 0, sizeof(*it));
	it->input = line;
	(void)put(it->tenant, sizeof(it->tenant), tenant);
	if (!cJSON_IsObject(body))
		return bad(f, "body", "the request body is not a SCIM User object");
	if (get_str(body, "userName", &uname) || get_str(body, "externalId", &xid))
		return bad(f, "body", "userName and externalId are strings");
	if (!uname || !uname[0] || put(it->id, sizeof(it->id), xid && xid[0] ? xid : uname) != 0)
		return bad(f, "body.userName", "a userName (and at most 127 bytes) is required");
	if (put2(it->user_key, sizeof(it->user_key), key_prefix, it->id) != 0)
		return bad(f, "body.externalId", "the user key is too long");
	if (put2(it->username, sizeof(it->username), uname, c->username_suffix) != 0 ||
	    !strchr(it->username, '@') || strlen(it->username) > 80)
		return bad(f, "body.userName", "the username must have an @ and at most 80 bytes "
		    "(with the config's usernameSuffix)");
	meta = cJSON_GetObjectItemCaseSensitive(body, "meta");
	if (meta && (!cJSON_IsObject(meta) || get_str(meta, "lastModified", &ver) ||
	    (ver && put(it->version, sizeof(it->version), ver) != 0)))
		return bad(f, "body.meta.lastModified", "not a date-time string");
	active = cJSON_GetObjectItemCaseSensitive(body, "active");
	if (active && !cJSON_IsBool(active))
		return bad(f, "body.active", "active is true or false");
	ext = cJSON_GetObjectItemCaseSensitive(body, SFP_PROV_EXT);
	it->deprovision = cJSON_IsFalse(active) ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ext, "delete"));
	if (it->deprovision)
		return SFP_OK;   /* the user is found by key; nothing else is needed */
	if (company(c, key_prefix, body, it, f) != SFP_OK)
		return SFP_E_ITEM;
	return person(c, body, it, f);
}

const char *
sfp_prov_outcome_name(enum sfp_prov_outcome o)
{
	static const char *const names[] = { "pending", "created", "updated", "unchanged",
		"deactivated", "stale", "superseded", "not-provisioned", "failed" };

	return (size_t)o < sizeof(names) / sizeof(names[0]) ? names[o] : "failed";
}

static void
add_id(cJSON *o, const char *name, const char *id)
{
	if (id[0])
		(void)cJSON_AddStringToObject(o, name, id);
}

cJSON *
sfp_prov_result(const struct sfp_prov_item *it)
{
	cJSON *o = cJSON_CreateObject(), *e;

	if (!o)
		return NULL;
	if (it->tenant[0])
		(void)cJSON_AddStringToObject(o, "tenant", it->tenant);
	if (it->id[0])
		(void)cJSON_AddStringToObject(o, "id", it->id);
	(void)cJSON_AddStringToObject(o, "outcome", sfp_prov_outcome_name(it->outcome));
	add_id(o, "userId", it->user_id);
	add_id(o, "contactId", it->contact_id);
	add_id(o, "accountId", it->account_id);
	if (it->outcome == SFP_PROV_FAILED) {
		if ((e = sfp_fail_to_json(&it->fail)))
			cJSON_AddItemToObject(o, "error", e);
		if (it->input && (e = cJSON_Duplicate(it->input, 1)))
			cJSON_AddItemToObject(o, "input", e);
	}
	return o;
}
