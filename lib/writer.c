/* SPDX-License-Identifier: ISC */
/* writer: JSON Lines out, every write checked. */
#include "compat.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "writer.h"

void
sfp_writer_init(struct sfp_writer *w, FILE *fp, const char *name, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->name = name != NULL ? name : "<stdout>";
	w->pretty = pretty;
}

enum sfp_status
sfp_write_raw(struct sfp_writer *w, const char *buf, size_t len, struct sfp_fail *f)
{
	if (len > 0 && fwrite(buf, 1, len, w->fp) != len)
		return sfp_fail_set(f, SFP_E_IO, "write", w->name, "%s", strerror(errno ? errno : EIO));
	return SFP_OK;
}

enum sfp_status
sfp_write_json(struct sfp_writer *w, const cJSON *v, struct sfp_fail *f)
{
	size_t n;
	char *nb;

	if (w->cap == 0) {
		if ((w->buf = malloc(4096)) == NULL)
			return sfp_fail_oom(f, w->name);
		w->cap = 4096;
	}
	/* cJSON_PrintPreallocated fails when the buffer is short: grow and retry. */
	while (!cJSON_PrintPreallocated((cJSON *)(uintptr_t)v, w->buf, (int)w->cap - 1,
	    w->pretty ? 1 : 0)) {
		if (w->cap >= (size_t)1 << 30)
			return sfp_fail_set(f, SFP_E_INTERNAL, "too-large", w->name,
			    "value too large to print");
		if ((nb = realloc(w->buf, w->cap * 2)) == NULL)
			return sfp_fail_oom(f, w->name);
		w->buf = nb;
		w->cap *= 2;
	}
	n = strlen(w->buf);
	w->buf[n++] = '\n';
	return sfp_write_raw(w, w->buf, n, f);
}

enum sfp_status
sfp_write_built(struct sfp_writer *w, cJSON *v, int built, struct sfp_fail *f)
{
	enum sfp_status st = built && v != NULL ? sfp_write_json(w, v, f) : sfp_fail_oom(f, NULL);

	cJSON_Delete(v);
	return st;
}

enum sfp_status
sfp_writer_fini(struct sfp_writer *w, struct sfp_fail *f)
{
	enum sfp_status st = SFP_OK;

	if (fflush(w->fp) != 0 || ferror(w->fp))
		st = sfp_fail_set(f, SFP_E_IO, "write", w->name, "%s", strerror(errno ? errno : EIO));
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	return st;
}

enum sfp_status
sfp_outputs_open(struct sfp_outputs *o, const char *path, int pretty, struct sfp_fail *f)
{
	enum sfp_status st;

	memset(o, 0, sizeof(*o));
	if (path != NULL) {
		if ((st = sfp_file_fopen_append(path, &o->rfp, f)) != SFP_OK)
			return st;
		sfp_writer_init(&o->rej, o->rfp, path, 0);
		o->rejects = &o->rej;
	}
	sfp_writer_init(&o->out, stdout, "<stdout>", pretty);
	return SFP_OK;
}

enum sfp_status
sfp_outputs_close(struct sfp_outputs *o, enum sfp_status st, struct sfp_fail *f)
{
	if (sfp_writer_fini(&o->out, st == SFP_OK || st == SFP_E_ITEM ? f : NULL) != SFP_OK)
		st = sfp_status_worst(st, SFP_E_IO);
	if (o->rfp != NULL) {
		if (sfp_writer_fini(&o->rej, st == SFP_OK || st == SFP_E_ITEM ? f : NULL) != SFP_OK)
			st = sfp_status_worst(st, SFP_E_IO);
		if (fclose(o->rfp) != 0 && (st == SFP_OK || st == SFP_E_ITEM))
			st = sfp_fail_set(f, SFP_E_IO, "write", o->rej.name, "%s",
			    strerror(errno ? errno : EIO));
		o->rfp = NULL;
	}
	return st;
}
