/* SPDX-License-Identifier: ISC */
/* field: one value checked and coerced for one field by the describe catalog. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "soql.h"

enum sfp_field_kind
sfp_field_kind(const char *type)
{
	static const char *const text[] = { "string", "textarea", "phone", "email", "url",
		"picklist", "multipicklist", "combobox", "encryptedstring", NULL };
	size_t i;

	for (i = 0; text[i] != NULL; i++)
		if (strcmp(type, text[i]) == 0)
			return SFP_FIELD_TEXT;
	if (strcmp(type, "int") == 0 || strcmp(type, "long") == 0)
		return SFP_FIELD_INT;
	if (strcmp(type, "double") == 0 || strcmp(type, "currency") == 0 ||
	    strcmp(type, "percent") == 0)
		return SFP_FIELD_NUMBER;
	if (strcmp(type, "boolean") == 0)
		return SFP_FIELD_BOOLEAN;
	if (strcmp(type, "date") == 0)
		return SFP_FIELD_DATE;
	if (strcmp(type, "datetime") == 0)
		return SFP_FIELD_DATETIME;
	if (strcmp(type, "time") == 0)
		return SFP_FIELD_TIME;
	if (strcmp(type, "reference") == 0 || strcmp(type, "id") == 0)
		return SFP_FIELD_ID;
	return SFP_FIELD_UNSUPPORTED;
}

void
sfp_value_from_json(struct sfp_value *v, const cJSON *j)
{
	memset(v, 0, sizeof(*v));
	if (j == NULL || cJSON_IsNull(j))
		v->kind = SFP_VALUE_MISSING;
	else if (cJSON_IsString(j)) {
		v->kind = SFP_VALUE_TEXT;
		v->s = j->valuestring;
		v->len = strlen(j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		v->kind = SFP_VALUE_NUMBER;
		v->num = j->valuedouble;
	} else if (cJSON_IsBool(j)) {
		v->kind = SFP_VALUE_BOOL;
		v->b = cJSON_IsTrue(j);
	} else {
		v->kind = SFP_VALUE_LIST;
		v->json = j;
	}
}

void
sfp_value_from_text(struct sfp_value *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->kind = SFP_VALUE_TEXT;
	v->s = s;
	v->len = strlen(s);
}

/* No libm: the programs link without -lm. */
static double
dabs(double d)
{
	return d < 0 ? -d : d;
}

static int
dfinite(double d)
{
	return d == d && dabs(d) <= 1.7976931348623157e308;
}

int
sfp_number_format(double d, char *out, size_t cap)
{
	if (dabs(d) < 1e15 && (double)(long long)d == d)
		return snprintf(out, cap, "%.0f", d);
	return snprintf(out, cap, "%.15g", d);
}

size_t
sfp_utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

size_t
sfp_utf8_cut(const char *s, size_t n, size_t max)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == max)
				return i;
			c++;
		}
	}
	return n;
}

static enum sfp_status
oom(struct sfp_fail *f)
{
	return sfp_fail_oom(f, NULL);
}

int
sfp_value_time(const struct sfp_value *v, enum sfp_time_want want, const char *field,
    char out[32], struct sfp_fail *f)
{
	struct sfp_time t;
	const char *why;
	int n;

	if (v->kind != SFP_VALUE_TEXT) {
		(void)sfp_fail_field(f, "bad-date", field, "not a date or time");
		return -1;
	}
	if (sfp_time_parse(v->s, v->len, &t, &why) != 0 ||
	    (n = sfp_time_format(&t, v->zone, want, out, &why)) < 0) {
		(void)sfp_fail_field(f, "bad-date", field, "%.80s: %s", v->len > 80 ? "value" : v->s, why);
		return -1;
	}
	return n;
}

static int
picklist_has(const cJSON *pl, const char *s, size_t n)
{
	const cJSON *e, *val, *act;

	for (e = pl ? pl->child : NULL; e != NULL; e = e->next) {
		val = cJSON_GetObjectItemCaseSensitive(e, "value");
		act = cJSON_GetObjectItemCaseSensitive(e, "active");
		if (cJSON_IsString(val) && strlen(val->valuestring) == n &&
		    memcmp(val->valuestring, s, n) == 0 && !cJSON_IsFalse(act))
			return 1;
	}
	return 0;
}

/* -?digits(.digits)?([eE][+-]?digits)? ; *integral when no fraction or exponent. */
static int
numeric_text(const char *s, size_t n, int *integral, size_t *intdigits)
{
	size_t i = 0, d = 0;

	*integral = 1;
	if (i < n && s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		d++;
	}
	if (d == 0)
		return 0;
	*intdigits = d;
	if (i < n && s[i] == '.') {
		size_t k = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
		*integral = 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t k;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		k = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
		*integral = 0;
	}
	return i == n && n < 40;
}

/* Does id's key prefix fit the field's referenceTo?  Unknown targets pass. */
static int
prefix_fits(const struct sfp_catalog *cat, const cJSON *refto, const char *id)
{
	const cJSON *e, *so, *kp;

	for (e = refto ? refto->child : NULL; e != NULL; e = e->next) {
		if (!cJSON_IsString(e))
			return 1;
		so = cat != NULL ? sfp_catalog_sobject(cat, e->valuestring) : NULL;
		kp = so ? cJSON_GetObjectItemCaseSensitive(so, "keyPrefix") : NULL;
		if (!cJSON_IsString(kp) || strlen(kp->valuestring) != 3)
			return 1;
		if (memcmp(kp->valuestring, id, 3) == 0)
			return 1;
	}
	return refto == NULL || refto->child == NULL;
}

/* A multipicklist given as a list: its strings joined with ";" into a new
 * string (*joined, caller frees). */
static enum sfp_status
join_list(const struct sfp_field *fd, const cJSON *list, char **joined, size_t *len,
    struct sfp_fail *f)
{
	struct sfp_buf b = SFP_BUF_INIT;
	const cJSON *e;

	if (strcmp(fd->type, "multipicklist") != 0 || !cJSON_IsArray(list))
		return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
		    "a list or object cannot go into a %s field (use join)", fd->type);
	for (e = list->child; e != NULL; e = e->next) {
		if (!cJSON_IsString(e) || strchr(e->valuestring, ';') != NULL) {
			sfp_buf_fini(&b);
			return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
			    "a multipicklist takes a list of strings without ';'");
		}
		if (e != list->child)
			(void)sfp_buf_putc(&b, ';');
		(void)sfp_buf_puts(&b, e->valuestring);
	}
	if ((*joined = sfp_buf_take(&b, len)) == NULL)
		return oom(f);
	return SFP_OK;
}

int
sfp_text_has_reference(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '@' && s[i + 1] == '{')
			return 1;
	return 0;
}

static enum sfp_status
text_value(const struct sfp_field *fd, const struct sfp_value *v, struct sfp_buf *out,
    struct sfp_fail *f)
{
	char nb[64], *joined = NULL;
	const char *s;
	size_t n, chars;
	enum sfp_status st;

	switch (v->kind) {
	case SFP_VALUE_LIST:
		if ((st = join_list(fd, v->json, &joined, &n, f)) != SFP_OK)
			return st;
		s = joined;
		break;
	case SFP_VALUE_NUMBER:
		if (v->numtext != NULL) {
			s = v->numtext;
			n = v->numlen;
		} else {
			s = nb;
			n = (size_t)sfp_number_format(v->num, nb, sizeof(nb));
		}
		break;
	case SFP_VALUE_BOOL:
		s = v->b ? "true" : "false";
		n = strlen(s);
		break;
	default:
		s = v->s;
		n = v->len;
	}
	st = SFP_OK;
	chars = sfp_utf8_chars(s, n);
	if (sfp_text_has_reference(s, n))
		st = sfp_fail_field(f, "reference-in-data", fd->name,
		    "\"@{\" is the plan's reference syntax and may not appear in a value");
	else if (fd->length > 0 && chars > (size_t)fd->length) {
		if (!v->truncate)
			st = sfp_fail_field(f, "STRING_TOO_LONG", fd->name,
			    "%zu characters, the field takes %ld (add the truncate filter)", chars,
			    fd->length);
		n = sfp_utf8_cut(s, n, (size_t)fd->length);
	}
	if (st == SFP_OK && fd->restricted) {
		int ok = 1;
		if (strcmp(fd->type, "multipicklist") == 0) {
			size_t a = 0, b;
			for (b = 0; b <= n && ok; b++)
				if (b == n || s[b] == ';') {
					ok = picklist_has(fd->picklist, s + a, b - a);
					a = b + 1;
				}
		} else
			ok = picklist_has(fd->picklist, s, n);
		if (!ok)
			st = sfp_fail_field(f, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fd->name,
			    "\"%.*s\" is not a value of the restricted picklist",
			    (int)(n > 80 ? 80 : n), s);
	}
	if (st == SFP_OK && sfp_buf_put_json_string(out, s, n) != 0)
		st = oom(f);
	free(joined);
	return st;
}

/* 007 is not JSON: drop leading zeros of a whole number into nb. */
static void
strip_zeros(const char **s, size_t *n, char *nb, size_t cap)
{
	size_t neg = (*s)[0] == '-', z = neg;

	while (*n - z > 1 && (*s)[z] == '0')
		z++;
	if (z == neg)
		return;
	*n = (size_t)snprintf(nb, cap, "%s%.*s", neg ? "-" : "", (int)(*n - z), *s + z);
	*s = nb;
}

static enum sfp_status
number_value(const struct sfp_field *fd, int whole, const struct sfp_value *v,
    struct sfp_buf *out, struct sfp_fail *f)
{
	const char *s;
	size_t n, intd;
	char nb[64];
	int integral;

	if (v->kind == SFP_VALUE_NUMBER && v->numtext == NULL) {
		if (!dfinite(v->num))
			return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
			    "not a finite number");
		n = (size_t)sfp_number_format(v->num, nb, sizeof(nb));
		s = nb;
	} else if (v->kind == SFP_VALUE_TEXT || v->kind == SFP_VALUE_NUMBER) {
		s = v->kind == SFP_VALUE_NUMBER ? v->numtext : v->s;
		n = v->kind == SFP_VALUE_NUMBER ? v->numlen : v->len;
	} else
		return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name, "not a number");
	if (!numeric_text(s, n, &integral, &intd))
		return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
		    "not a number: \"%.*s\"", (int)(n > 40 ? 40 : n), s);
	if (whole) {
		if (!integral)
			return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
			    "not a whole number: %.*s", (int)n, s);
		if ((fd->digits > 0 && intd > (size_t)fd->digits) || intd > 18)
			return sfp_fail_field(f, "NUMBER_OUTSIDE_VALID_RANGE", fd->name,
			    "%.*s has more than %ld digits", (int)n, s, fd->digits);
		strip_zeros(&s, &n, nb, sizeof(nb));
	} else {
		long maxint = fd->precision > 0 ? fd->precision - fd->scale : 0;
		if (maxint > 0 && integral && intd > (size_t)maxint)
			return sfp_fail_field(f, "NUMBER_OUTSIDE_VALID_RANGE", fd->name,
			    "%.*s has more than %ld digits before the point", (int)n, s, maxint);
		if (!integral || (n > 1 && s[s[0] == '-'] == '0')) {
			/* re-render through strtod: normalises 1e3, 007.5 */
			char tmp[48];
			double d, lim = 1;
			long k;
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			d = strtod(tmp, NULL);
			if (!dfinite(d))
				return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
				    "not a finite number");
			for (k = 0; k < maxint && k < 308; k++)
				lim *= 10;
			if (maxint > 0 && dabs(d) >= lim)
				return sfp_fail_field(f, "NUMBER_OUTSIDE_VALID_RANGE", fd->name,
				    "%.*s has more than %ld digits before the point", (int)n, s, maxint);
			n = (size_t)sfp_number_format(d, nb, sizeof(nb));
			s = nb;
		}
	}
	return sfp_buf_put(out, s, n) == 0 ? SFP_OK : oom(f);
}

static enum sfp_status
boolean_value(const struct sfp_field *fd, const struct sfp_value *v, struct sfp_buf *out,
    struct sfp_fail *f)
{
	int b;

	if (v->kind == SFP_VALUE_BOOL)
		b = v->b;
	else if (v->kind == SFP_VALUE_TEXT && v->len == 4 && memcmp(v->s, "true", 4) == 0)
		b = 1;
	else if (v->kind == SFP_VALUE_TEXT && v->len == 5 && memcmp(v->s, "false", 5) == 0)
		b = 0;
	else if (v->kind == SFP_VALUE_TEXT)
		return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
		    "not a boolean: \"%.*s\" (only true or false)", (int)(v->len > 40 ? 40 : v->len),
		    v->s);
	else
		return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
		    "not a boolean (only true or false)");
	return sfp_buf_puts(out, b ? "true" : "false") == 0 ? SFP_OK : oom(f);
}

static enum sfp_status
id_value(const struct sfp_catalog *cat, const struct sfp_field *fd, const struct sfp_value *v,
    struct sfp_buf *out, struct sfp_fail *f)
{
	char id18[SFP_ID_LEN + 1];
	const char *why;

	if (v->kind != SFP_VALUE_TEXT || sfp_sfid_check(v->s, v->len, NULL, id18, &why) != 0)
		return sfp_fail_field(f, "MALFORMED_ID", fd->name, "not a Salesforce id (%s)",
		    v->kind == SFP_VALUE_TEXT && strstr(why, "checksum") != NULL ?
		    "the checksum suffix does not match" : "15 or 18 letters and digits");
	if (!prefix_fits(cat, fd->reference_to, v->s))
		return sfp_fail_field(f, "INVALID_CROSS_REFERENCE_KEY", fd->name,
		    "id %.18s is not of a type this field refers to", v->s);
	return sfp_buf_put_json_string(out, v->s, v->len) == 0 ? SFP_OK : oom(f);
}

enum sfp_status
sfp_field_value(const struct sfp_catalog *cat, const struct sfp_field *fd,
    const struct sfp_value *v, struct sfp_buf *out, struct sfp_fail *f)
{
	enum sfp_field_kind k = sfp_field_kind(fd->type);
	char t[32];
	int n;

	if (v->kind == SFP_VALUE_MISSING)
		return sfp_fail_field(f, "REQUIRED_FIELD_MISSING", fd->name, "%s has no value", fd->name);
	switch (k) {
	case SFP_FIELD_TEXT:
		return text_value(fd, v, out, f);
	case SFP_FIELD_INT:
	case SFP_FIELD_NUMBER:
		return number_value(fd, k == SFP_FIELD_INT, v, out, f);
	case SFP_FIELD_BOOLEAN:
		return boolean_value(fd, v, out, f);
	case SFP_FIELD_DATE:
	case SFP_FIELD_DATETIME:
	case SFP_FIELD_TIME:
		if ((n = sfp_value_time(v, k == SFP_FIELD_DATE ? SFP_WANT_DATE :
		    k == SFP_FIELD_DATETIME ? SFP_WANT_DATETIME : SFP_WANT_TIME, fd->name, t, f)) < 0)
			return SFP_E_ITEM;
		return sfp_buf_put_json_string(out, t, (size_t)n) == 0 ? SFP_OK : oom(f);
	case SFP_FIELD_ID:
		return id_value(cat, fd, v, out, f);
	case SFP_FIELD_UNSUPPORTED:
		break;
	}
	return sfp_fail_field(f, "INVALID_TYPE_ON_FIELD_IN_RECORD", fd->name,
	    "field type %s is not supported", fd->type);
}

enum sfp_status
sfp_field_typed(const struct sfp_catalog *cat, const char *sobject, const char *field,
    const char *text, cJSON **out, struct sfp_fail *f)
{
	struct sfp_buf json = SFP_BUF_INIT;
	struct sfp_value v;
	struct sfp_field fd;
	char place[128];

	*out = NULL;
	if (!sfp_catalog_field(cat, sobject, field, &fd))
		return sfp_fail_set(f, SFP_E_INPUT, "INVALID_FIELD", NULL,
		    "no field %s on %s that the integration user can see", field, sobject);
	if (!fd.createable)
		return sfp_fail_set(f, SFP_E_INPUT, "INVALID_FIELD_FOR_INSERT_UPDATE", NULL,
		    "field %s of %s is not createable", field, sobject);
	(void)snprintf(place, sizeof(place), "field %s", fd.name);
	if (text[0] == '\0') {
		if (!fd.nillable)
			return sfp_fail_set(f, SFP_E_INPUT, "REQUIRED_FIELD_MISSING", place,
			    "%s cannot be empty", fd.name);
		return (*out = cJSON_CreateNull()) != NULL ? SFP_OK : oom(f);
	}
	sfp_value_from_text(&v, text);
	if (sfp_field_value(cat, &fd, &v, &json, f) != SFP_OK) {
		sfp_buf_fini(&json);
		if (f->status != SFP_E_ITEM)
			return f->status;
		(void)snprintf(f->place, sizeof(f->place), "%s", place);
		return f->status = SFP_E_INPUT;
	}
	/* What field.c wrote is JSON it made itself: parsing it cannot fail but for memory. */
	*out = json.oom ? NULL : cJSON_ParseWithLength(json.p, json.len);
	sfp_buf_fini(&json);
	return *out != NULL ? SFP_OK : oom(f);
}

enum sfp_status
sfp_field_dependent(const struct sfp_catalog *cat, const char *sobject,
    const struct sfp_field *fd, const char *value, const char *controller_value,
    struct sfp_fail *f)
{
	if (fd->controller_name == NULL || !fd->restricted || value == NULL ||
	    sfp_catalog_dependent_valid(cat, sobject, fd->name, value, controller_value) != 0)
		return SFP_OK;
	return sfp_fail_field(f, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fd->name,
	    "\"%.60s\" of the dependent picklist %s is not valid when %s is %s%.60s%s",
	    value, fd->name, fd->controller_name, controller_value ? "\"" : "",
	    controller_value ? controller_value : "empty", controller_value ? "\"" : "");
}

int
sfp_field_upsert_key(const struct sfp_field *fd)
{
	return fd->external_id || fd->id_lookup || strcasecmp(fd->type, "id") == 0;
}
