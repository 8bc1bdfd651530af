/* SPDX-License-Identifier: ISC */
/* stream: a stream of JSON values read one item at a time, each checked strictly. */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream.h"

#define CHUNK (64u * 1024u)
#define RAW_KEEP 4096u   /* bytes of an oversized item kept for its error line */

/*
 * The reader works in two steps.  Framing finds where one value ends without
 * understanding it (depth, strings, escapes), resumable across reads so a large
 * item is scanned once.  Validation then checks the framed bytes strictly and
 * only then hands them to cJSON, which is lenient about the things we refuse
 * (duplicate keys, "\u0000", bad UTF-8).
 */
struct sfp_reader {
	int fd;
	char *source;
	size_t max_item;
	int max_depth;

	char *buf;
	size_t len, cap;
	size_t pos;          /* start of unconsumed data */
	int eof;

	/* position of buf[pos] */
	unsigned long line, col;
	unsigned long item_line, item_col;

	/* framing state of the value starting at pos + skip_ws */
	int in_array;        /* inside a top-level array whose elements are the items */
	int started;         /* saw the first non-blank byte of the stream */

	const char *raw;
	size_t raw_len;
	char keep[RAW_KEEP];
};

/* ---- reader --------------------------------------------------------------- */

struct sfp_reader *
sfp_reader_new(int fd, const char *source, const struct sfp_reader_opts *opts)
{
	struct sfp_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->source = strdup(source != NULL ? source : "<stdin>")) == NULL) {
		free(r);
		return NULL;
	}
	r->fd = fd;
	r->max_item = opts != NULL && opts->max_item > 0 ? opts->max_item : SFP_STREAM_MAX_ITEM;
	r->max_depth = opts != NULL && opts->max_depth > 0 ? opts->max_depth : SFP_STREAM_MAX_DEPTH;
	r->line = r->col = 1;
	return r;
}

void
sfp_reader_free(struct sfp_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->source);
	free(r);
}

const char *
sfp_reader_raw(const struct sfp_reader *r, size_t *len)
{
	*len = r->raw_len;
	return r->raw;
}

void
sfp_reader_pos(const struct sfp_reader *r, unsigned long *line, unsigned long *col)
{
	*line = r->item_line;
	*col = r->item_col;
}

/* Drop consumed bytes and read more.  Returns 1 if bytes were added, 0 at EOF,
 * -1 on error (errno set). */
static int
fill(struct sfp_reader *r)
{
	ssize_t n;
	size_t want;
	char *nb;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < CHUNK) {
		want = r->cap + CHUNK + 1;
		if ((nb = realloc(r->buf, want)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r->buf = nb;
		r->cap = want - 1;   /* one spare byte for a terminating NUL */
	}
	for (;;) {
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		r->len += (size_t)n;
		return 1;
	}
}

/* Consume n bytes at pos, keeping line:col. */
static void
consume(struct sfp_reader *r, size_t n)
{
	sfp_text_advance(&r->line, &r->col, r->buf + r->pos, n);
	r->pos += n;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_delim(char c)
{
	return is_blank(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"';
}

/*
 * Framing scanner: finds the end of the value starting at r->pos.  State lives
 * in struct scan so that more input can be read between calls without
 * rescanning.  Returns 1 and the length when the value is complete, 0 when more
 * input is needed.
 */
struct scan {
	size_t off;      /* bytes scanned so far, from r->pos */
	int begun, depth, in_str, esc, scalar;
};

static int
scan_value(const char *p, size_t avail, int at_eof, struct scan *s, size_t *vlen)
{
	if (!s->begun) {
		s->begun = 1;
		s->scalar = !(p[0] == '{' || p[0] == '[' || p[0] == '"');
		if (p[0] == '"')
			s->in_str = 1;
		else if (!s->scalar)
			s->depth = 1;
		s->off = 1;
		if (s->scalar && avail == 1 && at_eof) {
			*vlen = 1;
			return 1;
		}
	}
	while (s->off < avail) {
		char c = p[s->off];
		if (s->scalar) {
			if (is_delim(c)) {
				*vlen = s->off;
				return 1;
			}
		} else if (s->in_str) {
			if ((unsigned char)c < 0x20 && c != '\t' && !s->esc) {
				/* A raw newline (or other control byte) cannot be in a
				 * JSON string: the item is broken (a torn line) and ends
				 * here, so the next line is read as the next item
				 * instead of being swallowed into this one. */
				*vlen = s->off;
				return 1;
			} else if (s->esc)
				s->esc = 0;
			else if (c == '\\')
				s->esc = 1;
			else if (c == '"') {
				s->in_str = 0;
				if (s->depth == 0) {
					*vlen = s->off + 1;
					return 1;
				}
			}
		} else if (c == '"') {
			s->in_str = 1;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (--s->depth == 0) {
				*vlen = s->off + 1;
				return 1;
			}
		}
		s->off++;
	}
	if (at_eof && s->scalar) {
		*vlen = avail;
		return 1;
	}
	return 0;
}

/* Skip blanks (and, inside a top-level array, the separators), reading more as
 * needed.  Returns 1 when a value starts at pos, 0 at end of stream, -1 on a
 * read error, -2 on a stray separator (reported as a bad item). */
static int
skip_to_value(struct sfp_reader *r)
{
	int rc;

	for (;;) {
		while (r->pos < r->len) {
			char c = r->buf[r->pos];
			if (is_blank(c)) {
				consume(r, 1);
				continue;
			}
			if (!r->started) {
				r->started = 1;
				if (c == '[') {
					r->in_array = 1;
					consume(r, 1);
					continue;
				}
			}
			if (r->in_array && (c == ',' || c == ']')) {
				if (c == ']')
					r->in_array = 0, r->started = 0;
				consume(r, 1);
				continue;
			}
			return 1;
		}
		if ((rc = fill(r)) < 0)
			return -1;
		if (rc == 0)
			return 0;
	}
}

enum sfp_status
sfp_reader_next(struct sfp_reader *r, cJSON **out, struct sfp_fail *f)
{
	struct scan s;
	size_t vlen = 0, dropped = 0, keep;
	char place[300];
	enum sfp_status st;
	int rc;

	*out = NULL;
	r->raw = NULL;
	r->raw_len = 0;
	rc = skip_to_value(r);
	if (rc < 0)
		return sfp_fail_set(f, SFP_E_IO, "read", r->source, "%s", strerror(errno));
	if (rc == 0) {
		if (r->in_array) {
			(void)snprintf(place, sizeof(place), "%s:%lu:%lu", r->source, r->line, r->col);
			r->in_array = 0;
			return sfp_fail_set(f, SFP_E_INPUT, "malformed-json", place,
			    "unexpected end of input: top-level array not closed");
		}
		return SFP_OK;
	}
	r->item_line = r->line;
	r->item_col = r->col;
	(void)snprintf(place, sizeof(place), "%s:%lu:%lu", r->source, r->line, r->col);
	memset(&s, 0, sizeof(s));
	keep = 0;
	for (;;) {
		if (scan_value(r->buf + r->pos, r->len - r->pos, r->eof, &s, &vlen))
			break;
		if (r->eof) {
			r->raw = r->buf + r->pos;
			r->raw_len = r->len - r->pos;
			consume(r, r->len - r->pos);
			return sfp_fail_set(f, SFP_E_ITEM, "malformed-json", place,
			    "unexpected end of input inside a value");
		}
		if (dropped + s.off > r->max_item) {
			/* Too big to hold: remember its head for the error line, then
			 * go on scanning while discarding, so the next item is found.
			 * The scanner's state (depth, string, escape) carries over. */
			if (keep == 0) {
				keep = s.off < RAW_KEEP ? s.off : RAW_KEEP;
				memcpy(r->keep, r->buf + r->pos, keep);
			}
			dropped += s.off;
			consume(r, s.off);
			s.off = 0;
		}
		if (fill(r) < 0)
			return sfp_fail_set(f, SFP_E_IO, "read", r->source, "%s", strerror(errno));
	}
	if (dropped > 0 || vlen > r->max_item) {
		if (keep == 0) {   /* arrived whole in one read, but still too big */
			keep = vlen < RAW_KEEP ? vlen : RAW_KEEP;
			memcpy(r->keep, r->buf + r->pos, keep);
		}
		consume(r, vlen);
		r->raw = r->keep;
		r->raw_len = keep;
		return sfp_fail_set(f, SFP_E_ITEM, "too-large", place,
		    "item larger than %zu bytes", r->max_item);
	}
	r->raw = r->buf + r->pos;
	r->raw_len = vlen;
	st = sfp_json_check_parse(r->buf + r->pos, vlen, r->source, r->line, r->col, r->max_depth,
	    SFP_E_ITEM, out, f);
	consume(r, vlen);
	return st;
}
