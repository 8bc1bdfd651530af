/* SPDX-License-Identifier: ISC */
/*
 * create_lookup: what sf-create's lookups share (create_lookup.c: versions and
 * children; create_find.c: people).  A group is one (sObject, field) the plans
 * of a window ask about; its values go out in IN lists, as few queries as the
 * URI allows, and the rows found are kept for the plans' decisions.
 * Private to lib/create_*.c.
 *
 * Ownership: a group borrows its values (strings inside the plans) and its
 * fill list; it owns the rows found, freed with the groups.
 */
#ifndef SFP_CREATE_LOOKUP_H
#define SFP_CREATE_LOOKUP_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "create_run.h"
#include "fail.h"

struct lookup_group {
	char so[81], field[81], match[81];   /* match: a reconcile's child field */
	int lead;               /* also IsConverted, ConvertedContactId */
	const cJSON *fill;      /* fields read for "fill" (the first find's) */
	const char **vals;
	size_t nv, cap;
	cJSON *recs;            /* what the queries found */
	struct sfp_fail fail;   /* set when a query failed */
};

struct lookup_groups {
	struct lookup_group *g;
	size_t n, cap;
};

/* The group of (so, field, match), or NULL when no plan asked for it. */
struct lookup_group *sfp_lookup_group_get(struct lookup_groups *gs, const char *so,
    const char *field, const char *match);
/* The same, made when missing; NULL when out of memory. */
struct lookup_group *sfp_lookup_group_of(struct lookup_groups *gs, const char *so,
    const char *field, const char *match);
/* One more value to look for (borrowed); -1 when out of memory. */
int sfp_lookup_group_add(struct lookup_group *g, const char *v);
void sfp_lookup_groups_free(struct lookup_groups *gs);
/* Run "<head> IN (<values>)<tail>" in as few queries as the URI allows, each
 * value once; the rows go to g->recs, a failure to g->fail. */
void sfp_lookup_group_query(struct run *R, struct lookup_group *g, const char *head,
    const char *tail);

/* A string member of o, or NULL. */
const char *sfp_lookup_str(const cJSON *o, const char *key);
/* A field of a queried record, by name compared as Salesforce does. */
const cJSON *sfp_lookup_field(const cJSON *rec, const char *name);
/* Ids compare 15 against 18 characters; other values as they are. */
int sfp_lookup_same_id(const char *a, const char *b);

/* People matched before they are created (create_find.c): one query per
 * sObject and field a window's finds name; each find decided. */
void sfp_run_find_people(struct run *R, struct item **all, size_t n);

#endif
