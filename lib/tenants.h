/* SPDX-License-Identifier: ISC */
/*
 * tenants: the tenants directory, one customer per subdirectory, read lazily.
 *
 * `--tenants DIR` (or SFPIPE_TENANTS) names a directory with one subdirectory
 * per tenant, named exactly as the keyring names the tenant.  A usable name
 * matches [A-Za-z0-9][A-Za-z0-9._-]{0,63} and holds no ".."; any other name is
 * refused before it touches the file system.  In each subdirectory:
 *   tenant.json    the binding and policy (below), required
 *   org.json       the org settings file (org.h), required to talk to Salesforce
 *   mapping.json   the tenant's mapping (sf-map)
 *   describe.json  the tenant's catalog, written by `sf-describe --tenants DIR`
 * tenant.json:
 *   {"orgId":"00D...","userId":"005...","username":"int@acme.example",
 *    "keyPrefix":"acme:","maxApiUsage":80,"jobs":4}
 * orgId is required, and userId or username (or both): a tenant always says
 * whose token it expects.  keyPrefix (default "<tenant>:") is what every upsert
 * key of the tenant's plans must start with.  maxApiUsage (1-100, percent of the
 * daily limit) and jobs (1-64) are 0 when absent.  Members named "comment" or
 * starting with "_" are comments; any other unknown member is refused.
 *
 * Trust: DIR, each tenant directory and every file read from them must be owned
 * by the running user (or root) and not writable by group or others; no
 * symbolic link is followed (O_NOFOLLOW), so nobody else can swap a tenant's
 * org or mapping.  A file may be readable by others except org.json when it
 * holds a token (org.h's rule).
 *
 * Laziness: sfp_tenants_open reads only DIR itself.  A tenant is read on its
 * first sfp_tenants_get and kept (its failure too, so a stream of one broken
 * tenant's items reads its files once); 500 tenants cost nothing until their
 * items arrive.  Each loaded tenant gets a small "slot" number, dense from 0,
 * that callers use to index their own per-tenant state (a compiled mapping, a
 * session).
 *
 * Errors for one tenant are SFP_E_ITEM with a code ("unknown-tenant",
 * "bad-tenant-name", "bad-tenant") and place "tenant NAME", so a stream refuses
 * that item and goes on.
 *
 * Ownership: sfp_tenants_open returns a new set freed by sfp_tenants_free;
 * a struct sfp_tenant_conf it hands out is borrowed and lives as long as the
 * set.  sfp_tenant_org_load fills caller storage (sfp_org_fini it).
 */
#ifndef SFP_TENANTS_H
#define SFP_TENANTS_H

#include <stddef.h>
#include "fail.h"
#include "org.h"
#include "sfid.h"

#define SFP_TENANT_NAME_MAX 64
#define SFP_TENANTS_PATH 1024

struct sfp_tenants;

struct sfp_tenant_conf {
	char name[SFP_TENANT_NAME_MAX + 1];
	size_t slot;                        /* dense index, in load order */
	char dir[SFP_TENANTS_PATH];         /* DIR/<name> */
	char org_path[SFP_TENANTS_PATH];    /* DIR/<name>/org.json */
	char mapping_path[SFP_TENANTS_PATH];
	char describe_path[SFP_TENANTS_PATH];
	char org_id[SFP_SFID_MAX + 1];      /* as configured */
	char user_id[SFP_SFID_MAX + 1];     /* "" when bound by username only */
	char username[256];                 /* "" when bound by user id only */
	char key_prefix[SFP_TENANT_NAME_MAX + 64];
	long max_api_usage;                 /* percent, 0 when not set */
	long jobs;                          /* 0 when not set */
};

/* 1 when name may be a tenant (and so a directory) name. */
int sfp_tenant_name_valid(const char *name);

/* The tenants directory from dir, else $SFPIPE_TENANTS; NULL when neither. */
const char *sfp_tenants_dir_default(const char *dir);

/* Open a tenants directory: checks DIR (a directory, not a link, owned by us,
 * not group/world-writable).  SFP_E_INPUT when unusable; SFP_E_INTERNAL. */
enum sfp_status sfp_tenants_open(const char *dir, struct sfp_tenants **out, struct sfp_fail *f);
void sfp_tenants_free(struct sfp_tenants *ts);

const char *sfp_tenants_path(const struct sfp_tenants *ts);

/* The tenant called name, read on first use.  SFP_E_ITEM (codes above) when it
 * is not configured or its configuration is unusable; SFP_E_INTERNAL. */
enum sfp_status sfp_tenants_get(struct sfp_tenants *ts, const char *name,
    const struct sfp_tenant_conf **out, struct sfp_fail *f);

/* Every tenant directory's name, sorted (bytewise), for sf-describe and
 * checks: *names is an array of n names that ts owns, valid until the next
 * sfp_tenants_list or sfp_tenants_free.  Entries that cannot be tenants (bad names, not directories) are
 * skipped; they are never read.  SFP_E_IO when DIR cannot be listed. */
enum sfp_status sfp_tenants_list(struct sfp_tenants *ts, const char ***names, size_t *n,
    struct sfp_fail *f);

/* Check that file (a path inside a tenant directory) is a regular file, not a
 * link, owned by us and not group/world-writable.  SFP_E_ITEM "bad-tenant"
 * (code "missing" when absent) naming the tenant. */
enum sfp_status sfp_tenant_check_file(const struct sfp_tenant_conf *tc, const char *path,
    struct sfp_fail *f);

/*
 * The tenant's org settings: the transport settings of the environment only
 * (SF_CA_FILE, SF_RESOLVE, SF_API_VERSION, SFPIPE_CACHE_DIR; never credentials,
 * URLs or users: nothing falls back to a default org), then its org.json, then
 * the binding of tenant.json (orgId, userId, username; an org.json naming
 * another org, user or username is refused), flow (NULL or a name), no_cache.
 * Relative key and token file names in org.json are taken inside the tenant
 * directory.  sfp_org_complete applies the test-mode rule to SF_CA_FILE and
 * SF_RESOLVE as for any org (http.h).  SFP_E_ITEM "bad-tenant" when unusable,
 * or with the org's own code (e.g. "test-setting"); o still fini-able.
 */
enum sfp_status sfp_tenant_org_load(const struct sfp_tenant_conf *tc, struct sfp_org *o,
    const char *flow, int no_cache, struct sfp_fail *f);

/* One tenant's org settings in one call, for a program that acts for one
 * tenant (sf-freebusy --tenant): open dir (NULL: $SFPIPE_TENANTS), get name,
 * sfp_tenant_org_load.  A refused tenant is SFP_E_INPUT here (the whole run
 * is that tenant's).  o is fini-able on every return. */
enum sfp_status sfp_tenant_org_for(const char *dir, const char *name, struct sfp_org *o,
    struct sfp_fail *f);

/* 1 when key (an upsert key value) is the tenant's: starts with its keyPrefix. */
int sfp_tenant_key_ok(const struct sfp_tenant_conf *tc, const char *key);

#endif
