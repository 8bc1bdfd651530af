/* SPDX-License-Identifier: ISC */
/*
 * field: one value checked and coerced for one Salesforce field, by the
 * describe catalog.  The one set of field rules: sf-map (values from bookings
 * and mappings) and sf-create's operator form (values typed as Field=Value)
 * both call sfp_field_value, so the same input gives the same JSON value or the
 * same refusal everywhere.
 *
 * The rules, by the field's describe type:
 *   string, textarea, phone, email, url, picklist, combobox, encryptedstring:
 *     text; a number or boolean is written as its text.  At most "length"
 *     characters (UTF-8 characters, not bytes), unless the value asks to be
 *     truncated.  A restricted picklist takes only its active values.
 *   multipicklist: text with values separated by ";", or a list of strings;
 *     each value must be active when the picklist is restricted.
 *   int, long: a whole number, as a JSON number or as decimal text
 *     ("-?digits", no "+", hex, spaces or fraction); at most "digits" digits.
 *   double, currency, percent: a number, as a JSON number or decimal text
 *     (with fraction and exponent); at most precision - scale digits before
 *     the point.
 *   boolean: true or false, as JSON booleans or exactly the text "true" or
 *     "false" (not "yes", "1" or "TRUE").
 *   date, datetime, time: ISO 8601 text (see timefmt.h), written as Salesforce
 *     takes it: "2026-12-01", "2026-12-01T08:30:00.000Z" (always UTC) and
 *     "09:30:00.000Z".  A value without offset is wall-clock time in the
 *     value's zone (UTC when none).
 *   reference, id: a 15 or 18 character id (an 18 character id's checksum
 *     must match) whose key prefix is one of the field's referenceTo objects'
 *     (targets the catalog does not know pass).
 * Any text containing "@{" (the plan's reference syntax) is refused, so data
 * can never forge a reference.  Other types (address, location, base64, ...)
 * are refused as not supported.
 *
 * Refusals are SFP_E_ITEM with Salesforce's own error code where one exists
 * (INVALID_TYPE_ON_FIELD_IN_RECORD, STRING_TOO_LONG, NUMBER_OUTSIDE_VALID_RANGE,
 * INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, MALFORMED_ID,
 * INVALID_CROSS_REFERENCE_KEY) and sfpipe's otherwise ("bad-date",
 * "reference-in-data"); fields holds the field's name, place is left empty for
 * the caller.
 *
 * Ownership: everything is borrowed; the value written is appended to the
 * caller's buffer.
 */
#ifndef SFP_FIELD_H
#define SFP_FIELD_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "describe.h"
#include "fail.h"
#include "timefmt.h"

/* What a field's describe type takes, grouped by the rule that applies. */
enum sfp_field_kind {
	SFP_FIELD_TEXT, SFP_FIELD_INT, SFP_FIELD_NUMBER, SFP_FIELD_BOOLEAN, SFP_FIELD_DATE,
	SFP_FIELD_DATETIME, SFP_FIELD_TIME, SFP_FIELD_ID, SFP_FIELD_UNSUPPORTED
};

enum sfp_field_kind sfp_field_kind(const char *type);

enum sfp_value_kind { SFP_VALUE_MISSING, SFP_VALUE_TEXT, SFP_VALUE_NUMBER, SFP_VALUE_BOOL,
	SFP_VALUE_LIST };

/* A value on its way into a field. */
struct sfp_value {
	enum sfp_value_kind kind;
	const char *s;               /* TEXT: the text (not necessarily NUL-terminated) */
	size_t len;
	double num;                  /* NUMBER */
	const char *numtext;         /* NUMBER: when not NULL, the number as written */
	size_t numlen;
	int b;                       /* BOOL */
	const cJSON *json;           /* LIST: a JSON array or object */
	const struct sfp_tz *zone;   /* times without offset are wall-clock in it */
	int truncate;                /* cut text to the field's length instead of refusing */
};

/* The value of a JSON item (NULL and null are MISSING). */
void sfp_value_from_json(struct sfp_value *v, const cJSON *j);

/* A value typed on a command line: always TEXT (the field's rules read it). */
void sfp_value_from_text(struct sfp_value *v, const char *s);

/*
 * Append to out the JSON value field fd takes for v (a MISSING v is refused:
 * the caller decides what a missing value means).
 * cat (may be NULL) resolves referenceTo names to key prefixes.  SFP_E_ITEM
 * with the refusal in f (see above); SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_field_value(const struct sfp_catalog *cat, const struct sfp_field *fd,
    const struct sfp_value *v, struct sfp_buf *out, struct sfp_fail *f);

/*
 * A value typed as text for sobject.field (sf-create's Field=Value): the field
 * must be in cat and createable; empty text is null, which only a nillable
 * field takes; other text is read by sfp_field_value as TEXT.  *out is a new
 * JSON value (caller frees).  A refusal is SFP_E_INPUT (the value is the whole
 * input) with the code, the place "field NAME" and the reason in f;
 * SFP_E_INTERNAL when out of memory.
 */
enum sfp_status sfp_field_typed(const struct sfp_catalog *cat, const char *sobject,
    const char *field, const char *text, cJSON **out, struct sfp_fail *f);

/* 1 when fd can key an upsert: Salesforce matches records by an External ID
 * field or one its describe marks idLookup (Lead.Email; such a field need not
 * be unique, and a value matching several records is refused as such).  An Id
 * field is refused elsewhere, with its own reason.  The rule for sf-map's
 * "upsert" and sf-create's --upsert. */
int sfp_field_upsert_key(const struct sfp_field *fd);

/*
 * Dependent picklists: value (NULL: the field is empty) of the field fd of
 * sobject against its controlling field's value (NULL when that one is empty;
 * "true"/"false" for a checkbox).  A restricted dependent picklist takes only
 * the values its controlling value allows (the catalog's validFor bitmaps, see
 * sfp_catalog_dependent_valid); anything else is the refusal Salesforce gives,
 * SFP_E_ITEM with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.  A field that is no
 * restricted dependent picklist, or a pair the catalog cannot decide, passes.
 * sf-map and sf-create's operator form both decide a record's pairs here.
 */
enum sfp_status sfp_field_dependent(const struct sfp_catalog *cat, const char *sobject,
    const struct sfp_field *fd, const char *value, const char *controller_value,
    struct sfp_fail *f);

/*
 * A date, datetime or time as Salesforce takes it (see above) into out (32
 * bytes); returns its length, or -1 with the "bad-date" refusal in f (field
 * names the field, may be NULL).
 */
int sfp_value_time(const struct sfp_value *v, enum sfp_time_want want, const char *field,
    char out[32], struct sfp_fail *f);

/* 1 when s holds "@{", the plan's reference syntax, which no value may carry
 * (memmem is not POSIX). */
int sfp_text_has_reference(const char *s, size_t n);

/* Characters (not bytes) of UTF-8 text, and the bytes of its first max ones. */
size_t sfp_utf8_chars(const char *s, size_t n);
size_t sfp_utf8_cut(const char *s, size_t n, size_t max);

/* Numbers as JSON writes them: integers without a fraction, else %.15g.
 * Returns the length written into out (cap bytes). */
int sfp_number_format(double d, char *out, size_t cap);

#endif
