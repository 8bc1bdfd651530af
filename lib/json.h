/* SPDX-License-Identifier: ISC */
/*
 * json: one JSON text, checked strictly before cJSON sees it.
 *
 * Bounded depth, the strict JSON grammar (RFC 8259), valid UTF-8, no "\u0000"
 * (cJSON strings cannot hold NUL) and no duplicate keys (cJSON would keep the
 * first; "a" and "\u0061" are one key).  The duplicate check costs O(n) per
 * object of n keys.  Errors carry the position: <source>:line:column.
 *
 * Ownership: a returned tree is new; the caller frees it with cJSON_Delete.
 */
#ifndef SFP_JSON_H
#define SFP_JSON_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"

#define SFP_STREAM_MAX_ITEM  (1024u * 1024u)   /* bytes in one item, by default */
#define SFP_STREAM_MAX_DEPTH 64                /* nesting of arrays/objects, by default */

/*
 * Parse one complete JSON text from memory with the same checks as the reader
 * (used for files: mappings, keyrings, describe caches, HTTP bodies).  source
 * names it in errors.  max_depth 0 means the default.  Returns SFP_OK and a new
 * tree, or SFP_E_INPUT with the position in f.
 */
enum sfp_status sfp_json_parse(const char *buf, size_t len, const char *source, int max_depth,
    cJSON **out, struct sfp_fail *f);

/* The same, for a text that starts at line:col of source; a refusal returns
 * bad (the reader passes SFP_E_ITEM). */
enum sfp_status sfp_json_check_parse(const char *buf, size_t len, const char *source,
    unsigned long line, unsigned long col, int max_depth, enum sfp_status bad, cJSON **out,
    struct sfp_fail *f);

/* Move a 1-based line:col position over n bytes of text (columns count
 * characters, not UTF-8 continuation bytes). */
void sfp_text_advance(unsigned long *line, unsigned long *col, const char *p, size_t n);

/* 1 when buf is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) without NUL bytes: bytes a JSON string can carry as they are. */
int sfp_utf8_valid(const char *buf, size_t len);

/* A refused item's raw bytes for the "input" of its result line, so nothing is
 * dropped: a new JSON string of the bytes, or JSON null when no JSON string can
 * hold them (invalid UTF-8, NUL; the error's position says where they were).
 * NULL when out of memory. */
cJSON *sfp_raw_to_json(const char *raw, size_t len);

#endif
