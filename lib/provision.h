/* SPDX-License-Identifier: ISC */
/*
 * provision: Experience Cloud (community) users from verified provisioning
 * requests.
 *
 * A request is a SCIM 2.0 User (RFC 7643) carried in a tagged line of
 * hmac-verify --tagged: {"tenant":"acme","body":{...}}.  The body names the
 * person (userName, name.givenName/familyName, emails, locale, timezone,
 * preferredLanguage, active, externalId, meta.lastModified) and, in the
 * extension SFP_PROV_EXT, the company ("accountKey", "accountName") and the
 * profile wanted ("profile", an alias the provisioning config allows).
 *
 * sfp_prov_item_from derives the records (provision.c); sfp_prov_run writes
 * them in the order Salesforce's setup-object rule allows (provision_run.c):
 * Accounts and Contacts in requests of their own, Users in requests of their
 * own.  See sfpipe(7) PROVISIONING.
 */
#ifndef SFP_PROVISION_H
#define SFP_PROVISION_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"

#define SFP_PROV_EXT "urn:sfpipe:params:scim:schemas:extension:provisioning:1.0:User"
#define SFP_SCIM_ENTERPRISE "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

/* The customer's rules (a JSON file, sf-provision(1) CONFIGURATION). */
struct sfp_prov_conf {
	cJSON *root;                 /* owns every string below */
	const char *username_suffix; /* appended to userName ("" when none) */
	const char *account_owner;   /* Account OwnerId (a user with a role), or NULL */
	const char *default_profile; /* the alias used when a request names none */
	const cJSON *profiles;       /* alias -> Salesforce profile Name */
	const cJSON *locales;        /* SCIM locale -> LocaleSidKey */
	const cJSON *languages;      /* preferredLanguage (or its primary subtag) -> key */
	const char *timezone, *locale, *language, *encoding;  /* defaults */
};

enum sfp_status sfp_prov_conf_load(const char *path, struct sfp_prov_conf *c,
    struct sfp_fail *f);
void sfp_prov_conf_fini(struct sfp_prov_conf *c);

enum sfp_prov_outcome {
	SFP_PROV_PENDING = 0, SFP_PROV_CREATED, SFP_PROV_UPDATED, SFP_PROV_UNCHANGED,
	SFP_PROV_DEACTIVATED, SFP_PROV_STALE, SFP_PROV_SUPERSEDED, SFP_PROV_NOT_PROVISIONED,
	SFP_PROV_FAILED
};

#define SFP_PROV_STR 128

/* One request and what became of it. */
struct sfp_prov_item {
	const cJSON *input;            /* the tagged line (borrowed), for replay */
	char tenant[72];
	char id[SFP_PROV_STR];         /* externalId or userName: the sender's name */
	int deprovision;               /* active false (or the extension's "delete") */
	char version[40];              /* meta.lastModified, "" when absent */
	char user_key[200];            /* keyPrefix + id: User and Contact key */
	char account_key[200];         /* keyPrefix + accountKey */
	char account_name[256];
	char first[48], last[88], email[136], username[88], alias[9], nickname[41];
	char timezone[48], locale[24], language[24], encoding[24];
	char profile[SFP_PROV_STR];    /* Salesforce profile Name */
	/* filled by the run */
	char profile_id[19], account_id[19], contact_id[19], user_id[19];
	int account_created, contact_created;
	enum sfp_prov_outcome outcome;
	struct sfp_fail fail;
};

/* Derive item from one verified request.  key_prefix: the tenant's ("acme:").
 * SFP_E_ITEM (code "bad-request" and the member at fault) when the request
 * cannot be provisioned as it stands. */
enum sfp_status sfp_prov_item_from(const struct sfp_prov_conf *c, const char *tenant,
    const char *key_prefix, const cJSON *line, struct sfp_prov_item *it, struct sfp_fail *f);

/* The result line of one item: {"tenant","id","outcome",...} or, failed, the
 * same with "error" and the whole "input" to replay.  NULL: out of memory. */
cJSON *sfp_prov_result(const struct sfp_prov_item *it);

const char *sfp_prov_outcome_name(enum sfp_prov_outcome o);

struct sfp_sf;

/*
 * Provision items[0..n) (one tenant, one org session sf).  API calls:
 *   ceil((L + 1)/5) lookups (composite requests of five queries: the profiles and
 *     the users, 200 keys to a query; L = ceil(keys/200)),
 *   ceil(A/200) Account upserts + ceil(C/200) Contact upserts (sObject
 *     collections, A distinct companies, C people provisioned),
 *   ceil(Un/200) User creates + ceil(Uc/200) User updates and deactivations,
 *   and, only when a User create fails, one delete of what this run created
 *     for it (so nothing is left half-made).
 * Each item ends with an outcome or its own failure; the return value is
 * SFP_OK (look at the items) or a failure of the whole run (auth, network).
 */
enum sfp_status sfp_prov_run(struct sfp_sf *sf, const struct sfp_prov_conf *c,
    struct sfp_prov_item *items, size_t n, struct sfp_fail *f);

#endif
