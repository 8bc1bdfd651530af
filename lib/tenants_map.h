/* SPDX-License-Identifier: ISC */
/*
 * tenants_map: sf-map --tenants, every tagged item mapped by its own tenant.
 *
 * Input: the lines `hmac-verify --tagged` writes,
 *   {"tenant":"acme","body":{...the booking...}}
 * (exactly these two members; the tenant is the one the keyring authenticated,
 * and nothing inside body can change it).  Each item is mapped with its
 * tenant's DIR/<tenant>/mapping.json compiled against DIR/<tenant>/describe.json,
 * compiled on the tenant's first item and kept, with "$tenant" reading the
 * tenant.  Output: the plan with "tenant" as first member,
 *   {"tenant":"acme","id":"bk-1042","records":[...]}
 * An item that cannot be mapped becomes a result line
 *   {"tenant":"acme","id":..,"ok":false,"error":{"code":..},"input":<the whole item>}
 * ("tenant" only when the item carried one), also written to rejects; codes:
 * "untagged" (not a tagged line), "unknown-tenant", "bad-tenant-name",
 * "bad-tenant" (its directory or files are unusable), "bad-mapping" (its
 * mapping does not compile against its catalog), "not-a-booking" (body not an
 * object), or the mapping's own codes.  Items already carrying "ok":false
 * (refusals from upstream) are passed on unchanged.
 *
 * Ownership: everything is borrowed; per-tenant mappings and catalogs live in
 * the call and are freed before it returns.
 */
#ifndef SFP_TENANTS_MAP_H
#define SFP_TENANTS_MAP_H

#include "mapping.h"
#include "stream.h"
#include "tenants.h"

/* Map every item of r (see above).  Returns SFP_OK when every item mapped,
 * SFP_E_ITEM when some were refused, or the error that stopped the stream
 * (I/O, memory) with f set.  diag is told of each refusal and of each
 * problem of a tenant's mapping (id NULL). */
enum sfp_status sfp_tenants_map_stream(struct sfp_tenants *ts, struct sfp_reader *r,
    struct sfp_writer *out, struct sfp_writer *rejects, sfp_map_diag_fn diag, void *ctx,
    struct sfp_map_counts *counts, struct sfp_fail *f);

#endif
