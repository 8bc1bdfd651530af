/* SPDX-License-Identifier: ISC */
/*
 * stream: JSON values in, JSON Lines out.
 *
 * A reader takes a stream of JSON values from a file descriptor, one at a time:
 * JSON Lines, concatenated (pretty) JSON, or one top-level array whose elements
 * are the items.  Each item is checked before cJSON sees it: bounded size and
 * depth, strict JSON grammar, valid UTF-8, no "\u0000", no duplicate keys.  A bad
 * item is reported with its position (<source>:line:column) and skipped; the next
 * item is still read.  Memory stays bounded by the largest item allowed.
 *
 * Ownership: the reader owns its buffer; each item returned is a new cJSON tree
 * the caller frees.  The raw bytes of the last item (good or bad) stay readable
 * through sfp_reader_raw() until the next call, so a refused item can be written
 * out whole.
 *
 * A writer frames values as compact JSON Lines (or pretty, for people) and checks
 * every write; closing it flushes and reports any error, so a full disk is an
 * error and never a silent exit 0.
 */
#ifndef SFP_STREAM_H
#define SFP_STREAM_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "fail.h"

#define SFP_STREAM_MAX_ITEM  (1024u * 1024u)   /* bytes in one item, by default */
#define SFP_STREAM_MAX_DEPTH 64                /* nesting of arrays/objects, by default */

struct sfp_reader_opts {
	size_t max_item;   /* 0: SFP_STREAM_MAX_ITEM */
	int max_depth;     /* 0: SFP_STREAM_MAX_DEPTH */
};

struct sfp_reader;

/* A reader over fd (not closed by the reader).  source names it in errors:
 * "<stdin>" or a path.  opts may be NULL.  Returns NULL when out of memory. */
struct sfp_reader *sfp_reader_new(int fd, const char *source, const struct sfp_reader_opts *opts);
void sfp_reader_free(struct sfp_reader *r);

/*
 * The next item.  Returns:
 *   SFP_OK with *out set: an item (caller frees with cJSON_Delete);
 *   SFP_OK with *out NULL: end of stream;
 *   SFP_E_ITEM: this item is refused (f says where and why); call again for the next;
 *   SFP_E_INPUT: the stream cannot be read on (e.g. truncated inside a value);
 *   SFP_E_IO: read error.
 */
enum sfp_status sfp_reader_next(struct sfp_reader *r, cJSON **out, struct sfp_fail *f);

/* Raw bytes of the item last returned or refused (not NUL-terminated; valid
 * until the next call; truncated to the size limit for an oversized item). */
const char *sfp_reader_raw(const struct sfp_reader *r, size_t *len);

/* 1 when buf is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) without NUL bytes: bytes a JSON string can carry as they are. */
int sfp_utf8_valid(const char *buf, size_t len);

/* A refused item's raw bytes for the "input" of its result line, so nothing is
 * dropped: a new JSON string of the bytes, or JSON null when no JSON string can
 * hold them (invalid UTF-8, NUL; the error's position says where they were).
 * NULL when out of memory. */
cJSON *sfp_raw_to_json(const char *raw, size_t len);

/* 1-based line and column where the last item began. */
void sfp_reader_pos(const struct sfp_reader *r, unsigned long *line, unsigned long *col);

/*
 * Parse one complete JSON text from memory with the same checks as the reader
 * (used for files: mappings, keyrings, describe caches, HTTP bodies).  source
 * names it in errors.  max_depth 0 means the default.  Returns SFP_OK and a new
 * tree, or SFP_E_INPUT with the position in f.
 */
enum sfp_status sfp_json_parse(const char *buf, size_t len, const char *source, int max_depth,
    cJSON **out, struct sfp_fail *f);

/* Read a whole file (path "-" means stdin) of at most max bytes into a new
 * NUL-terminated buffer (caller frees).  SFP_E_INPUT if missing or too large. */
enum sfp_status sfp_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct sfp_fail *f);

/* Read all of fd (at most max bytes) the same way; source names it in errors. */
enum sfp_status sfp_read_fd(int fd, const char *source, size_t max, char **buf, size_t *len,
    struct sfp_fail *f);

/* Read and parse a JSON file in one go (sfp_read_file + sfp_json_parse). */
enum sfp_status sfp_json_load(const char *path, size_t max, cJSON **out, struct sfp_fail *f);

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

/* Write raw bytes already framed as one line (the caller's "\n" included). */
enum sfp_status sfp_write_raw(struct sfp_writer *w, const char *buf, size_t len, struct sfp_fail *f);

/* The pair of sfp_writer_init: flush, check ferror, release the buffer.  Does
 * not fclose (the FILE is borrowed). */
enum sfp_status sfp_writer_fini(struct sfp_writer *w, struct sfp_fail *f);

#endif
