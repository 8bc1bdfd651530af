/* SPDX-License-Identifier: ISC */
/* map_main: sf-map as one call: its mapping and catalog or tenants, the rejects file and writers around the stream. */
#include "compat.h"

#include <string.h>
#include <unistd.h>

#include "map_main.h"
#include "tenants_map.h"

enum sfp_status
sfp_map_main(const struct sfp_map_main *m, sfp_map_diag_fn diag, void *ctx,
    struct sfp_map_counts *counts, struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	struct sfp_catalog *cat = NULL;
	struct sfp_mapping *map = NULL;
	struct sfp_problems probs = { NULL, 0, 0 };
	struct sfp_reader *r = NULL;
	struct sfp_outputs out;
	enum sfp_status st;
	size_t i;

	memset(counts, 0, sizeof(*counts));
	if (m->tenants != NULL)
		st = sfp_tenants_open(m->tenants, &ts, f);
	else if ((st = sfp_catalog_load(m->describe, &cat, f)) != SFP_OK)
		return st;
	else
		st = sfp_mapping_load(m->mapping, cat, &map, &probs, f);
	/* Every problem of the mapping is told, not only the first. */
	for (i = 0; i < probs.n; i++) {
		sfp_fail_wrap_place(&probs.v[i], m->mapping);
		if (diag != NULL)
			diag(ctx, NULL, &probs.v[i]);
	}
	sfp_problems_fini(&probs);
	if (st != SFP_OK || m->check)
		goto done;
	if ((st = sfp_outputs_open(&out, m->rejects, m->pretty, f)) != SFP_OK)
		goto done;
	if ((r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)) == NULL)
		st = sfp_fail_oom(f, NULL);
	else if (ts != NULL)
		st = sfp_tenants_map_stream(ts, r, &out.out, out.rejects, diag, ctx, counts, f);
	else
		st = sfp_map_stream(map, r, &out.out, out.rejects, diag, ctx, counts, f);
	st = sfp_outputs_close(&out, st, f);
done:
	sfp_reader_free(r);
	sfp_mapping_free(map);
	sfp_catalog_free(cat);
	sfp_tenants_free(ts);
	return st;
}
