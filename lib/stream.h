/* SPDX-License-Identifier: ISC */
/*
 * stream: JSON values in, one item at a time.
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
 */
#ifndef SFP_STREAM_H
#define SFP_STREAM_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "fail.h"
/* The reader's neighbours, which most of its callers also use: one JSON text
 * checked (json.h), whole files (readfile.h), JSON Lines out (writer.h). */
#include "json.h"
#include "readfile.h"
#include "writer.h"

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

/* 1-based line and column where the last item began. */
void sfp_reader_pos(const struct sfp_reader *r, unsigned long *line, unsigned long *col);

#endif
