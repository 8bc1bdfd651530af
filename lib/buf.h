/* SPDX-License-Identifier: ISC */
/*
 * buf: the one growable byte buffer (plan lines, SOQL text, CSV bodies).
 *
 * A buffer starts zeroed (SFP_BUF_INIT or sfp_buf_init) and grows by doubling.
 * Running out of memory is sticky: the first failed growth sets oom, every
 * later append does nothing, and the writer checks once at the end instead of
 * after every append.  The text is always NUL-terminated after len bytes (when
 * p is not NULL), so a buffer of text can be handed on as a C string.
 *
 * Ownership: the buffer owns p until sfp_buf_take hands it over or
 * sfp_buf_fini frees it.
 */
#ifndef SFP_BUF_H
#define SFP_BUF_H

#include <stddef.h>

struct sfp_buf {
	char *p;
	size_t len, cap;
	int oom;
};

#define SFP_BUF_INIT { NULL, 0, 0, 0 }

void sfp_buf_init(struct sfp_buf *b);
void sfp_buf_fini(struct sfp_buf *b);

/* Append n bytes (s may be NULL when n is 0); 0, or -1 when out of memory. */
int sfp_buf_put(struct sfp_buf *b, const char *s, size_t n);
int sfp_buf_puts(struct sfp_buf *b, const char *s);
int sfp_buf_putc(struct sfp_buf *b, char c);

/* Append s as a JSON string, quoted and escaped (s is valid UTF-8). */
int sfp_buf_put_json_string(struct sfp_buf *b, const char *s, size_t n);

/* Cut back to len bytes (len <= b->len), e.g. to drop a member just written. */
void sfp_buf_truncate(struct sfp_buf *b, size_t len);

/* Empty the buffer for reuse, keeping its memory, and forget an earlier oom. */
void sfp_buf_reset(struct sfp_buf *b);

/* Hand over the text (NUL-terminated; never NULL unless out of memory) and leave
 * the buffer empty.  NULL when an append failed: the caller reports oom. */
char *sfp_buf_take(struct sfp_buf *b, size_t *len);

#endif
