/* SPDX-License-Identifier: ISC */
/* create_main: sf-create as one call: its org or tenants, rejects file and writers around a run. */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "create.h"

/* The one org's session (NULL for a dry run without settings). */
static enum sfp_status open_org(const char *path, int dry_run, struct sfp_sf **sf,
    struct sfp_fail *f)
{
	struct sfp_org org;
	enum sfp_status s = sfp_org_load(&org, path, NULL, 0, f);

	if (s == SFP_OK)
		s = sfp_sf_open(&org, sf, f);
	sfp_org_fini(&org);
	return dry_run ? SFP_OK : s;   /* a dry run needs no org: it sends nothing */
}

enum sfp_status sfp_create_main(const struct sfp_create_main *m, struct sfp_create_opts *o,
    struct sfp_create_stats *st, struct sfp_fail *f)
{
	struct sfp_sf *sf = NULL;
	struct sfp_reader *r = NULL;
	struct sfp_outputs out;
	enum sfp_status s;

	memset(st, 0, sizeof *st);
	o->tenants = NULL;
	if (m->tenants)   /* no default org: each tenant's own, opened on its first plan */
		s = sfp_tenants_open(m->tenants, &o->tenants, f);
	else
		s = open_org(m->org, o->dry_run, &sf, f);
	if (s != SFP_OK)
		return s;
	if ((s = sfp_outputs_open(&out, m->rejects, m->pretty, f)) != SFP_OK)
		goto done;
	if (m->sobject)
		s = sfp_create_operator(sf, m->describe, m->sobject, m->assign, m->nassign,
		    m->upsert, &out.out, out.rejects, o, st, f);
	else if (!(r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)))
		s = sfp_fail_oom(f, NULL);
	else
		s = sfp_create_run(sf, r, &out.out, out.rejects, o, st, f);
	s = sfp_outputs_close(&out, s, f);
done:
	sfp_reader_free(r);
	sfp_sf_close(sf);
	sfp_tenants_free(o->tenants);
	o->tenants = NULL;
	return s;
}
