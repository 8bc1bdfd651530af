/* SPDX-License-Identifier: ISC */
/*
 * tenants_freebusy: a mailbox bound to one Salesforce user asks only about it.
 *
 * The sync-service case: one mailbox, one Salesforce user (the org's SF_USER_ID
 * or the tenant's userId).  sf-freebusy then answers only about that user: any
 * other host asked for is refused per item with
 *   {"id":<tag>,"user":"005...","ok":false,"error":{"code":"not-bound-user",..}}
 * before any query, so no other user's calendar is read.
 *
 * Ownership: u is changed in place (refused users removed and freed).
 */
#ifndef SFP_TENANTS_FREEBUSY_H
#define SFP_TENANTS_FREEBUSY_H

#include <stddef.h>
#include "freebusy.h"
#include "stream.h"

/* Keep in u only bound_user (15 or 18 characters); write a refusal line to w
 * for every other user and count them in *refused.  SFP_E_IO, SFP_E_INTERNAL. */
enum sfp_status sfp_fb_keep_bound(struct sfp_fb_users *u, const char *bound_user,
    struct sfp_writer *w, size_t *refused, struct sfp_fail *f);

#endif
