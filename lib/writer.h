/* SPDX-License-Identifier: ISC */
/*
 * writer: JSON Lines out.
 *
 * A writer frames values as compact JSON Lines (or pretty, for people) and checks
 * every write; sfp_writer_fini flushes and reports any error, so a full disk is an
 * error and never a silent exit 0.
 *
 * Ownership: the FILE is borrowed (never closed here); the writer owns its print
 * buffer until sfp_writer_fini.
 */
#ifndef SFP_WRITER_H
#define SFP_WRITER_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "fail.h"

struct sfp_writer {
	FILE *fp;
	const char *name;   /* "<stdout>" or a path, for errors */
	int pretty;
	char *buf;          /* reused print buffer */
	size_t cap;
};

/* Initialise a writer over fp (borrowed).  name is used in errors. */
void sfp_writer_init(struct sfp_writer *w, FILE *fp, const char *name, int pretty);

/* Write one value and "\n".  SFP_E_IO (with strerror) on failure. */
enum sfp_status sfp_write_json(struct sfp_writer *w, const cJSON *v, struct sfp_fail *f);

/* Write v, a line the caller built, and delete it; built 0 says building it
 * ran out of memory: then nothing is written and it is SFP_E_INTERNAL. */
enum sfp_status sfp_write_built(struct sfp_writer *w, cJSON *v, int built, struct sfp_fail *f);

/* Write raw bytes already framed as one line (the caller's "\n" included). */
enum sfp_status sfp_write_raw(struct sfp_writer *w, const char *buf, size_t len, struct sfp_fail *f);

/* The pair of sfp_writer_init: flush, check ferror, release the buffer.  Does
 * not fclose (the FILE is borrowed). */
enum sfp_status sfp_writer_fini(struct sfp_writer *w, struct sfp_fail *f);

/*
 * A batch program's outputs: results on stdout and, when asked, every failed
 * item also appended to a rejects file (created by file.h's rule), opened and
 * closed together.  rej is usable only when rejects (the pointer) is not NULL.
 */
struct sfp_outputs {
	struct sfp_writer out, rej;
	struct sfp_writer *rejects;   /* &rej, or NULL without a rejects file */
	FILE *rfp;
};

/* Open both (path NULL: no rejects file).  Nothing to close on failure. */
enum sfp_status sfp_outputs_open(struct sfp_outputs *o, const char *path, int pretty,
    struct sfp_fail *f);

/* Flush and close both; returns st made worse by a failed write or close (f
 * filled only when st was SFP_OK or SFP_E_ITEM, so the first error stays). */
enum sfp_status sfp_outputs_close(struct sfp_outputs *o, enum sfp_status st, struct sfp_fail *f);

#endif
