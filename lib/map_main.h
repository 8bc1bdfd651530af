/* SPDX-License-Identifier: ISC */
/*
 * map_main: sf-map as one call.
 *
 * Everything sf-map does between its options and its exit code: load the
 * catalog and the mapping (or open the tenants directory), tell each problem
 * of the mapping, and unless only checking, map the bookings on stdin to plans
 * on stdout, failed ones also to the rejects file.
 *
 * Ownership: everything is borrowed; nothing is left open on return.
 */
#ifndef SFP_MAP_MAIN_H
#define SFP_MAP_MAIN_H

#include "fail.h"
#include "mapping.h"

/* What sf-map was asked. */
struct sfp_map_main {
	const char *mapping;    /* the mapping file (one org) */
	const char *describe;   /* its catalog (sf-describe's output) */
	const char *tenants;    /* or a tenants directory: each item by its tenant's */
	const char *rejects;    /* also append failed bookings here (NULL: nowhere) */
	int check;              /* only check the mapping against the catalog */
	int pretty;             /* indent the plans */
};

/*
 * Run it.  diag (may be NULL) is told of each problem of the mapping (id NULL)
 * and each failed booking; counts says how many went in, out and failed.
 * SFP_OK, SFP_E_ITEM when some bookings failed, or what stopped the run:
 * SFP_E_INPUT (catalog or mapping unusable), SFP_E_IO, SFP_E_INTERNAL.
 */
enum sfp_status sfp_map_main(const struct sfp_map_main *m, sfp_map_diag_fn diag, void *ctx,
    struct sfp_map_counts *counts, struct sfp_fail *f);

#endif
