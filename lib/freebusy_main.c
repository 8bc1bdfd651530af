/* SPDX-License-Identifier: ISC */
/* freebusy_main: sf-freebusy as one call: hosts checked, the org or tenant's session, the bound mailbox, the run. */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "freebusy_main.h"
#include "sfapi.h"
#include "stream.h"
#include "tenants.h"
#include "tenants_freebusy.h"

static enum sfp_status
query(void *ctx, const char *soql, cJSON **records, struct sfp_fail *f)
{
	return sfp_sf_query(ctx, soql, 500000, records, f);
}

/* Every id is checked before anything is sent: from argv, else from r. */
static enum sfp_status
read_hosts(const struct sfp_fb_main *m, struct sfp_fb_users *u, struct sfp_reader **r,
    struct sfp_fail *f)
{
	enum sfp_status st;
	char place[32];
	int i;

	for (i = 0; i < m->nids; i++) {
		(void)snprintf(place, sizeof(place), "argument %d", i + 1);
		if ((st = sfp_fb_users_add(u, m->ids[i], strlen(m->ids[i]), NULL, place, f)) !=
		    SFP_OK)
			return f->status = st == SFP_E_INPUT ? SFP_E_USAGE : st;
	}
	if (m->nids > 0)
		return SFP_OK;
	if ((*r = sfp_reader_new(STDIN_FILENO, "<stdin>", NULL)) == NULL)
		return sfp_fail_oom(f, NULL);
	return sfp_fb_users_read(u, *r, "<stdin>", f);
}

enum sfp_status
sfp_freebusy_main(const struct sfp_fb_main *m, struct sfp_fail *f)
{
	struct sfp_fb_opts o;
	struct sfp_fb_users u;
	struct sfp_tz *tz = NULL;
	struct sfp_reader *r = NULL;
	struct sfp_org org;
	struct sfp_sf *sf = NULL;
	struct sfp_writer w;
	enum sfp_status st;
	char self[19];
	size_t refused = 0;

	sfp_fb_users_init(&u);
	if ((st = sfp_fb_opts_parse(&m->args, &o, &tz, f)) != SFP_OK ||
	    (st = read_hosts(m, &u, &r, f)) != SFP_OK)
		goto out;
	st = m->tenant != NULL ? sfp_tenant_org_for(m->tenants, m->tenant, &org, f) :
	    sfp_org_load(&org, m->org, NULL, 0, f);
	sfp_writer_init(&w, stdout, "<stdout>", m->pretty);
	/* A bound mailbox asks only about its own user (nothing is sent for others,
	 * not even the login when no host is left). */
	if (st == SFP_OK && org.user_id[0] != '\0')
		st = sfp_fb_keep_bound(&u, org.user_id, &w, &refused, f);
	if (st == SFP_OK)
		st = sfp_sf_open(&org, &sf, f);
	sfp_org_fini(&org);
	/* Logged in first: whose calendar the session sees in full depends on who it is. */
	if (st == SFP_OK && u.n > 0 && (st = sfp_sf_login(sf, f)) == SFP_OK) {
		sfp_sf_user_id(sf, self);
		o.self_id = self;
		st = sfp_freebusy_run(&u, &o, query, sf, &w, NULL, f);
	}
	if (st == SFP_OK && refused > 0)
		st = sfp_fail_set(f, SFP_E_ITEM, "not-bound-user", NULL,
		    "%zu hosts refused: not the mailbox's user", refused);
	if (sfp_writer_fini(&w, st == SFP_OK ? f : NULL) != SFP_OK)
		st = sfp_status_worst(st, SFP_E_IO);
out:
	sfp_sf_close(sf);
	sfp_reader_free(r);
	sfp_tz_free(tz);
	sfp_fb_users_fini(&u);
	return st;
}
