/* SPDX-License-Identifier: ISC */
/*
 * tenants_describe: sf-describe --tenants, every tenant's catalog refreshed.
 *
 * For each tenant of the directory (sorted by name), or only those named:
 * log in as the tenant (its org.json, bound to its tenant.json), describe the
 * sObjects given, or else those its mapping.json names ("records[].sobject"),
 * and replace DIR/<tenant>/describe.json atomically (a temporary file created
 * O_EXCL|O_NOFOLLOW, mode 0600, renamed into place).  A tenant that fails
 * (its org down, a refused login, an sObject it cannot see) keeps its previous
 * describe.json and does not stop the others.  One line per tenant goes to w:
 *   {"tenant":"acme","ok":true,"sobjects":4}
 *   {"tenant":"globex","ok":false,"error":{"code":..,"message":..}}
 *
 * Ownership: everything is borrowed.
 */
#ifndef SFP_TENANTS_DESCRIBE_H
#define SFP_TENANTS_DESCRIBE_H

#include "sfapi.h"
#include "stream.h"
#include "tenants.h"

/* Told of each tenant's failure, for the program's stderr. */
typedef void (*sfp_tenant_note_fn)(void *ctx, const char *tenant, const struct sfp_fail *f);

/*
 * Refresh the catalogs (see above).  only/nonly: tenant names to refresh (all
 * when nonly is 0); sobjects/nsobjects: what to describe (the mapping's
 * sObjects when 0).  flags: SFP_DESCRIBE_NO_CACHE, SFP_DESCRIBE_OFFLINE.
 * Returns SFP_OK when every tenant was refreshed, SFP_E_ITEM when some were
 * not, or an error that stopped the run (I/O on w, memory, DIR unreadable).
 */
enum sfp_status sfp_tenants_describe(struct sfp_tenants *ts, const char *const *only, size_t nonly,
    const char *const *sobjects, size_t nsobjects, int flags, const char *flow,
    struct sfp_writer *w, sfp_tenant_note_fn note, void *ctx, struct sfp_fail *f);

/* sf-describe --tenants DIR: every tenant of dir refreshed (sfp_tenants_open,
 * then sfp_tenants_describe of all tenants). */
enum sfp_status sfp_tenants_describe_dir(const char *dir, const char *const *sobjects,
    size_t nsobjects, int flags, const char *flow, struct sfp_writer *w,
    sfp_tenant_note_fn note, void *ctx, struct sfp_fail *f);

#endif
