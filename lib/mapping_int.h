/* SPDX-License-Identifier: ISC */
/*
 * mapping_int: the compiled mapping's types, shared by the mapping's parts and
 * no one else.
 *
 *   mapping_parse.c    the template and path language: paths, {{ expr | filter }}
 *   mapping_compile.c  a mapping (JSON) checked against the catalog into a program
 *   mapping_life.c     its parts for a booking's life: version, find, reconcile
 *   mapping_apply.c    a booking run through the program into one plan line
 *   mapping_stream.c   sf-map's stream: bookings in, plans or refusals out
 *
 * Field values are coerced by field.c, the rules sf-create's operator form
 * uses too.
 */
#ifndef SFP_MAPPING_INT_H
#define SFP_MAPPING_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "field.h"
#include "mapping.h"
#include "plan.h"
#include "timefmt.h"

#define REF_MAX 40
#define ZONE_CACHE 8

#define buf_lit(b, s) sfp_buf_put((b), (s), sizeof(s) - 1)

/* ---- the per-booking arena: values made while applying, freed at once ---- */

struct block {
	struct block *next;
	size_t used, cap;
	char data[];
};

struct arena {
	struct block *head, *cur;
};

enum scope { SC_BOOKING, SC_ITEM, SC_INDEX, SC_TENANT };

struct pstep {
	char *key;      /* NULL: index step */
	int index;
};

struct path {
	enum scope scope;
	struct pstep *s;
	size_t n;
	char *text;     /* as written, for messages */
};

enum fkind {
	FK_LOWER, FK_UPPER, FK_TRIM, FK_DEFAULT, FK_TRUNCATE, FK_JOIN, FK_LOOKUP, FK_TZ,
	FK_DATE, FK_DATETIME, FK_TIME
};

struct filter {
	enum fkind k;
	int has_arg, arg_is_path, arg_is_num;
	char *arg;          /* literal text */
	size_t arglen;
	struct path argpath;
	long n;
	const cJSON *table; /* lookup */
	struct sfp_tz *zone;
	int miss_ok;        /* a later default handles a lookup miss */
};

struct expr {
	int lit;            /* head is a quoted literal */
	char *text;
	size_t len;
	struct path path;
	struct filter *f;
	size_t nf;
};

struct part {
	int is_expr;
	char *text;
	size_t len;
	struct expr e;
};

enum vkind { VS_NONE, VS_LITERAL, VS_TEMPLATE, VS_REF };

struct vspec {
	enum vkind kind;
	cJSON *literal;     /* owned copy */
	struct part *p;
	size_t np;
	int ref;            /* record index for VS_REF */
	int required;
	struct vspec *dflt;
};

struct fmap {
	char *name;         /* the catalog's spelling */
	char *place;        /* records[i].fields.X */
	struct sfp_field fld;
	enum sfp_field_kind ty;
	struct vspec v;
	char *pre;          /* a constant value already rendered as JSON, or NULL */
	size_t prelen;
};

enum ckind { CK_NONE, CK_PRESENT, CK_ABSENT, CK_EQUALS, CK_NOT_EQUALS, CK_IN, CK_ALL, CK_ANY,
	CK_NOT };

struct cond {
	enum ckind k;
	struct path path;
	cJSON *values;      /* owned: equals value as a one-element array, or the in-list */
	struct cond *sub;   /* all, any: the tests; not: the one it negates */
	size_t nsub;
};

/* What a record does in one booking state ("on"). */
struct action {
	char *state;        /* the state's value, "*" for any other */
	enum sfp_plan_method method;
	struct fmap *fields;    /* the update's own fields (has_fields), else the record's */
	size_t nf;
	int has_fields;
};

/* One place a find looks: an sObject's field, by the find's value or its own
 * (a Salesforce id the booking carries). */
struct find_in {
	char *sobject, *field;
	int has_value;
	struct fmap value;
};

struct record {
	char *ref;
	char *sobject;
	char *place;
	struct cond when;
	int has_each;
	struct path each;
	char *upsert_field;
	struct fmap upsert;
	int has_upsert;
	struct fmap *fields;
	size_t nf;
	struct action *on;  /* by booking state; none: create, or upsert with a key */
	size_t non;
	/* "find": an existing record to use instead (sf-create looks it up) */
	int has_find;
	struct fmap find_value;
	struct find_in *fin;    /* where to look, each maybe with a value of its own */
	size_t nfin;
	char *find_rest;    /* ,"many":..,"fill":[..] as plan JSON */
	struct record *account; /* a Contact made under the Account of the email's domain */
	/* "reconcile": the children its parent should have (with "each") */
	int reconcile_parent;   /* record index, -1: not a reconcile */
	char *reconcile_rest;   /* ,"parent":{..},"match":.. as plan JSON */
	int match_field;    /* index in fields of the matched field */
	const cJSON *json;  /* the mapping's record, while compiling only */
};

struct zslot {
	char name[SFP_TZ_NAME_MAX + 1];
	struct sfp_tz *z;
};

struct sfp_mapping {
	const struct sfp_catalog *cat;
	struct path id;
	struct path state;  /* where a booking says its state ("on"); text NULL: none */
	struct path version;    /* where it says its version or update time; text NULL: none */
	int version_rec;    /* the record whose key and field keep the version */
	char *version_field;
	cJSON *lookups;     /* owned copy */
	struct record *r;
	size_t nr;
	/* per-run state */
	struct sfp_buf out;
	struct arena ar;
	unsigned char *made; /* per record: created for this booking */
	struct zslot zc[ZONE_CACHE];
	unsigned zc_next;
	char tenant[128];   /* $tenant: the items' authenticated tenant, or "" */
};

struct ctx {
	struct sfp_mapping *m;
	const cJSON *root;
	const cJSON *item;
	int index;
	const struct record *rec;
	const char *where;  /* booking path last read, for messages */
	int ref;            /* the value is a reference: 1 + index of the record */
	char placebuf[256];
};

struct comp {
	struct sfp_mapping *m;
	struct sfp_problems *probs;
	int oom;
	const char *as;     /* each-scope variable name */
	int in_each;
	const char *updated_on;  /* fields compiled now are updated (in this state) */
	int update_only;    /* ... and never created */
	int read_only;      /* ... or only read (a find's value) */
};

/* ---- mapping_parse.c ---- */

void sfp_map_problem(struct comp *c, const char *place, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *sfp_map_strndup(struct comp *c, const char *s, size_t n);
char *sfp_map_printf(struct comp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sfp_map_key_char(char ch);
/* The whole of s is one path; 0, or -1 with *why. */
int sfp_map_parse_path_str(struct comp *c, const char *s, struct path *p, const char **why);
void sfp_map_path_fini(struct path *p);
/* One {{ expression }} from s[*at] (just after "{{"); on failure *at is left
 * where the problem is, for the message's column. */
int sfp_map_parse_expr(struct comp *c, const char *s, size_t len, size_t *at, struct expr *e,
    const char **why);
void sfp_map_expr_fini(struct expr *e);
/* The filters' names, indexed by enum fkind, NULL-terminated. */
extern const char *const sfp_map_filters[];
/* The value at p under v, or NULL. */
const cJSON *sfp_map_walk(const struct path *p, const cJSON *v);

/* ---- mapping_compile.c ---- */

/* The record named s[0..n), or -1. */
int sfp_map_find_ref(struct comp *c, const char *s, size_t n);
/* Field fname of sobject from j into fm (its place set), checked against the
 * catalog; -1 when the field is unknown. */
int sfp_map_compile_field(struct comp *c, const char *sobject, const char *fname, const cJSON *j,
    struct fmap *fm, int recidx, int for_upsert);
/* The fields of the object j for record r into *out and *n, at place. */
void sfp_map_compile_fields(struct comp *c, const struct record *r, const char *place,
    const cJSON *j, int recidx, struct fmap **out, size_t *n);
void sfp_map_fmap_fini(struct fmap *fm);
/* What a record owns (not the record itself). */
void sfp_map_record_fini(struct record *r);

/* ---- mapping_life.c: "find" and "reconcile" of a record, the mapping's "version" ---- */

void sfp_map_compile_find(struct comp *c, struct record *r, const char *place, const cJSON *j,
    int recidx);
void sfp_map_compile_reconcile(struct comp *c, struct record *r, const char *place,
    const cJSON *j, int recidx);
void sfp_map_compile_version(struct comp *c, const cJSON *j);
/* What a record's find owns. */
void sfp_map_find_fini(struct record *r);
/* An Event that may be updated writes its start with its end or duration, and
 * the other way round (fields: the fields written then; state: where). */
void sfp_map_check_event_times(struct comp *c, const struct record *r, const struct fmap *fields,
    size_t nf, const char *place);

/* ---- mapping_apply.c ---- */

void sfp_map_arena_reset(struct arena *a);
void sfp_map_arena_free(struct arena *a);
/* Render v as the JSON value field fm takes, appended to out (see field.h). */
enum sfp_status sfp_map_coerce(struct ctx *x, const struct fmap *fm, struct sfp_value *v,
    struct sfp_buf *out, struct sfp_fail *f);
enum sfp_status sfp_map_oom(struct sfp_fail *f);
/* One field rendered into the output; *wrote 0 when its value is missing. */
enum sfp_status sfp_map_emit_field(struct ctx *x, const struct fmap *fm, int *wrote,
    struct sfp_fail *f);
/* ,"fields":{...} of the fields given. */
enum sfp_status sfp_map_emit_fields(struct ctx *x, const struct fmap *fields, size_t nf,
    struct sfp_fail *f);
/* <member>{"field":<r's key field>,"value":<its value>, left open. */
enum sfp_status sfp_map_emit_key(struct ctx *x, const struct record *r, const char *member,
    struct sfp_fail *f);
/* ,"find":{...} of a record that may be created (mapping_life.c). */
enum sfp_status sfp_map_emit_find(struct ctx *x, const struct record *r, struct sfp_fail *f);

#endif
