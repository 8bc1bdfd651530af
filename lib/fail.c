/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <stdarg.h>
#include <string.h>

#include "exit.h"
#include "fail.h"

void
sfp_fail_clear(struct sfp_fail *f)
{
	if (f != NULL)
		memset(f, 0, sizeof(*f));
}

/* Copy src into a fixed field, truncating, and fold control characters to
 * spaces: an error is one line even when it quotes hostile input. */
static void
copy_line(char *dst, size_t cap, const char *src)
{
	size_t i;

	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
	dst[i] = '\0';
}

enum sfp_status
sfp_fail_set(struct sfp_fail *f, enum sfp_status st, const char *code, const char *place,
    const char *fmt, ...)
{
	char msg[sizeof(f->message)];
	va_list ap;

	if (f == NULL)
		return st;
	f->status = st;
	copy_line(f->code, sizeof(f->code), code);
	copy_line(f->place, sizeof(f->place), place);
	f->ref[0] = '\0';
	f->fields[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	copy_line(f->message, sizeof(f->message), msg);
	return st;
}

enum sfp_status
sfp_fail_vfield(struct sfp_fail *f, const char *code, const char *field, const char *fmt,
    va_list ap)
{
	char msg[sizeof(f->message)];

	if (f == NULL)
		return SFP_E_ITEM;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	(void)sfp_fail_set(f, SFP_E_ITEM, code, NULL, "%s", msg);
	copy_line(f->fields, sizeof(f->fields), field);
	return SFP_E_ITEM;
}

enum sfp_status
sfp_fail_field(struct sfp_fail *f, const char *code, const char *field, const char *fmt, ...)
{
	enum sfp_status st;
	va_list ap;

	va_start(ap, fmt);
	st = sfp_fail_vfield(f, code, field, fmt, ap);
	va_end(ap);
	return st;
}

enum sfp_status
sfp_fail_oom(struct sfp_fail *f, const char *place)
{
	return sfp_fail_set(f, SFP_E_INTERNAL, SFP_OOM, place, "out of memory");
}

void
sfp_fail_wrap_place(struct sfp_fail *f, const char *outer)
{
	char tmp[2 * sizeof(f->place)];

	if (f == NULL || outer == NULL || outer[0] == '\0')
		return;
	if (f->place[0] == '\0')
		copy_line(f->place, sizeof(f->place), outer);
	else {
		/* Truncation is fine here: copy_line cuts to the field's size anyway. */
		(void)snprintf(tmp, sizeof(tmp), "%.*s: %s", 250, outer, f->place);
		copy_line(f->place, sizeof(f->place), tmp);
	}
}

int
sfp_exit_code(enum sfp_status st)
{
	switch (st) {
	case SFP_OK:         return SFP_EXIT_OK;
	case SFP_E_ITEM:     return SFP_EXIT_SOME;
	case SFP_E_USAGE:    return SFP_EXIT_USAGE;
	case SFP_E_INPUT:    return SFP_EXIT_INPUT;
	case SFP_E_TEMP:     return SFP_EXIT_TEMP;
	case SFP_E_AUTH:     return SFP_EXIT_AUTH;
	case SFP_E_IO:       return SFP_EXIT_IO;
	case SFP_E_INTERNAL: return SFP_EXIT_IO;
	}
	return SFP_EXIT_IO;
}

/* Severity order for folding many item outcomes into one exit code: an I/O
 * error outranks an auth refusal, which outranks a temporary stop, and so on. */
static int
severity(enum sfp_status st)
{
	switch (st) {
	case SFP_OK:         return 0;
	case SFP_E_ITEM:     return 1;
	case SFP_E_TEMP:     return 2;
	case SFP_E_INPUT:    return 3;
	case SFP_E_USAGE:    return 4;
	case SFP_E_AUTH:     return 5;
	case SFP_E_IO:       return 6;
	case SFP_E_INTERNAL: return 7;
	}
	return 7;
}

enum sfp_status
sfp_status_worst(enum sfp_status a, enum sfp_status b)
{
	return severity(a) >= severity(b) ? a : b;
}

cJSON *
sfp_fail_to_json(const struct sfp_fail *f)
{
	cJSON *o, *arr;
	char buf[sizeof(f->fields)];
	char *p, *comma;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "code", f->code[0] ? f->code : "ERROR") == NULL)
		goto oom;
	if (f->ref[0] && cJSON_AddStringToObject(o, "ref", f->ref) == NULL)
		goto oom;
	if (f->fields[0]) {
		if ((arr = cJSON_AddArrayToObject(o, "fields")) == NULL)
			goto oom;
		memcpy(buf, f->fields, sizeof(buf));
		for (p = buf; p != NULL; p = comma) {
			if ((comma = strchr(p, ',')) != NULL)
				*comma++ = '\0';
			if (*p && !cJSON_AddItemToArray(arr, cJSON_CreateString(p)))
				goto oom;
		}
	}
	if (cJSON_AddStringToObject(o, "message", f->message) == NULL)
		goto oom;
	if (f->place[0] && cJSON_AddStringToObject(o, "place", f->place) == NULL)
		goto oom;
	return o;
oom:
	cJSON_Delete(o);
	return NULL;
}

void
sfp_fail_print(const struct sfp_fail *f, const char *prog, FILE *fp)
{
	if (f->place[0])
		(void)fprintf(fp, "%s: %s: %s\n", prog, f->place, f->message);
	else
		(void)fprintf(fp, "%s: %s\n", prog, f->message);
}
