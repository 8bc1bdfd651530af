/* SPDX-License-Identifier: ISC */
/* tenants_freebusy: refuse every host but the bound user, item by item. */
#include "compat.h"

#include <string.h>

#include "sfid.h"
#include "tenants_freebusy.h"

static enum sfp_status
refusal(struct sfp_writer *w, const struct sfp_fb_user *user, const char *bound_user,
    struct sfp_fail *f)
{
	struct sfp_fail why;
	cJSON *o = cJSON_CreateObject(), *e = NULL;

	(void)sfp_fail_set(&why, SFP_E_ITEM, "not-bound-user", user->given,
	    "this mailbox is bound to user %s and may ask only about it", bound_user);
	return sfp_write_built(w, o, o != NULL && (user->tag == NULL ||
	    cJSON_AddItemToObject(o, "id", cJSON_Duplicate(user->tag, 1))) &&
	    cJSON_AddStringToObject(o, "user", user->given) != NULL &&
	    cJSON_AddFalseToObject(o, "ok") != NULL && (e = sfp_fail_to_json(&why)) != NULL &&
	    cJSON_AddItemToObject(o, "error", e), f);
}

enum sfp_status
sfp_fb_keep_bound(struct sfp_fb_users *u, const char *bound_user, struct sfp_writer *w,
    size_t *refused, struct sfp_fail *f)
{
	enum sfp_status st = SFP_OK;
	size_t i, kept = 0;

	*refused = 0;
	for (i = 0; i < u->n; i++) {
		if (sfp_sfid_same(u->v[i].id18, bound_user)) {
			u->v[kept++] = u->v[i];
			continue;
		}
		if (st == SFP_OK)
			st = refusal(w, &u->v[i], bound_user, f);
		cJSON_Delete(u->v[i].tag);
		(*refused)++;
	}
	u->n = kept;
	return st;
}
