/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <sodium.h>

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

/* ---- position bookkeeping ------------------------------------------------ */

static void
advance(unsigned long *line, unsigned long *col, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xC0) != 0x80) {
			(*col)++;   /* count characters, not UTF-8 continuation bytes */
		}
	}
}

/* ---- strict validation ---------------------------------------------------- */

struct vstate {
	const char *start, *p, *end;
	int depth, max_depth;
	const char *err_at;
	const char *err;
	char errbuf[96];
};

static int
verr(struct vstate *v, const char *at, const char *msg)
{
	if (v->err == NULL) {
		v->err_at = at;
		v->err = msg;
	}
	return -1;
}

static void
skip_ws(struct vstate *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
read_u4(struct vstate *v, const char *at, unsigned *out)
{
	unsigned u = 0;
	int i, h;

	if (v->end - at < 4)
		return verr(v, at, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		if ((h = hexval(at[i])) < 0)
			return verr(v, at, "invalid \\u escape");
		u = u * 16 + (unsigned)h;
	}
	*out = u;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;   /* overlong, out of range, or an encoded surrogate */
	return n;
}

/* Validate a string starting at the opening quote; sets *has_escape. */
static int
vstring(struct vstate *v, int *has_escape)
{
	const char *q = v->p + 1;
	unsigned u, lo;
	size_t n;

	*has_escape = 0;
	while (q < v->end) {
		unsigned char c = (unsigned char)*q;
		if (c == '"') {
			v->p = q + 1;
			return 0;
		}
		if (c < 0x20)
			return verr(v, q, "control character in string");
		if (c == '\\') {
			*has_escape = 1;
			if (q + 1 >= v->end)
				return verr(v, q, "truncated escape");
			switch (q[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				q += 2;
				continue;
			case 'u':
				if (read_u4(v, q + 2, &u) < 0)
					return -1;
				if (u == 0)
					return verr(v, q, "\\u0000 is not allowed in strings");
				if (u >= 0xDC00 && u <= 0xDFFF)
					return verr(v, q, "lone low surrogate in \\u escape");
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (v->end - q < 12 || q[6] != '\\' || q[7] != 'u' ||
					    read_u4(v, q + 8, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
						return verr(v, q, "unpaired high surrogate in \\u escape");
					q += 12;
				} else {
					q += 6;
				}
				continue;
			default:
				return verr(v, q, "invalid escape in string");
			}
		}
		if ((n = utf8_len((const unsigned char *)q, (const unsigned char *)v->end)) == 0)
			return verr(v, q, "invalid UTF-8");
		q += n;
	}
	return verr(v, v->p, "unterminated string");
}

static int
vnumber(struct vstate *v)
{
	const char *s = v->p, *q = v->p;
	int big = 0;

	if (q < v->end && *q == '-')
		q++;
	if (q >= v->end)
		return verr(v, s, "invalid number");
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (q < v->end && *q >= '0' && *q <= '9')
			q++;
	else
		return verr(v, s, "invalid number");
	if (q < v->end && *q == '.') {
		q++;
		if (q >= v->end || *q < '0' || *q > '9')
			return verr(v, q, "invalid number: digit expected after '.'");
		while (q < v->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < v->end && (*q == 'e' || *q == 'E')) {
		big = 1;
		q++;
		if (q < v->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= v->end || *q < '0' || *q > '9')
			return verr(v, q, "invalid number: digit expected in exponent");
		while (q < v->end && *q >= '0' && *q <= '9')
			q++;
	}
	/* cJSON stores numbers as doubles and prints an infinity as null: refuse
	 * what a double cannot hold rather than silently change the value. */
	if (big || q - s > 300) {
		char tmp[512];
		size_t n = (size_t)(q - s);
		if (n >= sizeof(tmp))
			return verr(v, s, "number too large");
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (isinf(strtod(tmp, NULL)))
			return verr(v, s, "number too large");
	}
	v->p = q;
	return 0;
}

static int vvalue(struct vstate *v);

/* Decode a key (raw bytes between quotes, with escapes) into out, which holds
 * at least n bytes: an escape never decodes longer than it is written.  Used
 * when a key holds a backslash, so "a" and "\u0061" are seen as one key. */
static size_t
decode_key(const char *k, size_t n, char *out)
{
	size_t i = 0, o = 0;
	unsigned u;
	int h0, h1, h2, h3;

	while (i < n) {
		if (k[i] != '\\') {
			out[o++] = k[i++];
			continue;
		}
		if (k[i + 1] != 'u') {
			switch (k[i + 1]) {
			case 'b': out[o++] = '\b'; break;
			case 'f': out[o++] = '\f'; break;
			case 'n': out[o++] = '\n'; break;
			case 'r': out[o++] = '\r'; break;
			case 't': out[o++] = '\t'; break;
			default:  out[o++] = k[i + 1]; break;
			}
			i += 2;
			continue;
		}
		h0 = hexval(k[i + 2]), h1 = hexval(k[i + 3]), h2 = hexval(k[i + 4]), h3 = hexval(k[i + 5]);
		u = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
		i += 6;
		/* Re-encode as UTF-8 so "k" and "\u006b" compare equal; a surrogate
		 * pair (validated already) becomes its code point. */
		if (u >= 0xD800 && u <= 0xDBFF && i + 5 < n && k[i] == '\\') {
			unsigned lo = (unsigned)(hexval(k[i + 2]) << 12 | hexval(k[i + 3]) << 8 |
			    hexval(k[i + 4]) << 4 | hexval(k[i + 5]));
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 6;
		}
		if (u < 0x80) {
			out[o++] = (char)u;
		} else if (u < 0x800) {
			out[o++] = (char)(0xC0 | (u >> 6));
			out[o++] = (char)(0x80 | (u & 0x3F));
		} else if (u < 0x10000) {
			out[o++] = (char)(0xE0 | (u >> 12));
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (u & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | (u >> 18));
			out[o++] = (char)(0x80 | ((u >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((u >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (u & 0x3F));
		}
	}
	return o;
}

/*
 * The keys of one object, to refuse a duplicate.  A few keys are compared one
 * by one; from KEYS_LINEAR on, a hash table of the decoded keys answers in
 * constant time, so an object of n keys costs O(n) and not O(n^2) (one 1 MB
 * object of 110,000 keys took 14 s of CPU with pairwise comparison).  The hash
 * is SipHash with a key drawn once per process, so input cannot be chosen to
 * collide.  Keys are kept decoded ("\u0061" is "a").
 */
#define KEYS_LINEAR 16

struct keyent {
	char *dec;          /* decoded key: points into the input or into own */
	size_t n;
	uint64_t h;
	int own;            /* dec was malloc'd (the key held an escape) */
};

struct keyset {
	struct keyent small[KEYS_LINEAR], *e;
	size_t n, cap;
	uint32_t *tab;      /* index + 1 into e, 0 empty; NULL while linear */
	size_t tabcap;      /* power of two, at least twice n */
};

static unsigned char keyset_sipkey[crypto_shorthash_KEYBYTES];
static pthread_once_t keyset_once = PTHREAD_ONCE_INIT;

static void
keyset_key_init(void)
{
	if (sodium_init() < 0)
		abort();        /* no randomness at all: nothing safe is left to do */
	randombytes_buf(keyset_sipkey, sizeof(keyset_sipkey));
}

static void
keyset_init(struct keyset *s)
{
	s->e = s->small;
	s->n = 0;
	s->cap = KEYS_LINEAR;
	s->tab = NULL;
	s->tabcap = 0;
}

static void
keyset_fini(struct keyset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].own)
			free(s->e[i].dec);
	if (s->e != s->small)
		free(s->e);
	free(s->tab);
}

static void
keyset_place(struct keyset *s, size_t idx)
{
	size_t mask = s->tabcap - 1, j = (size_t)s->e[idx].h & mask;

	while (s->tab[j] != 0)
		j = (j + 1) & mask;
	s->tab[j] = (uint32_t)(idx + 1);
}

/* A table of twice the size, every key placed again.  -1 when out of memory. */
static int
keyset_rehash(struct keyset *s)
{
	size_t want = s->tabcap != 0 ? s->tabcap * 2 : KEYS_LINEAR * 4, i;
	uint32_t *t;

	if (want > UINT32_MAX || (t = calloc(want, sizeof(*t))) == NULL)
		return -1;
	free(s->tab);
	s->tab = t;
	s->tabcap = want;
	for (i = 0; i < s->n; i++)
		keyset_place(s, i);
	return 0;
}

/* Add the raw key k (n bytes between the quotes; esc: holds a backslash).
 * Returns 0 when new, 1 when a duplicate, -1 when out of memory. */
static int
keyset_add(struct keyset *s, const char *k, size_t n, int esc)
{
	struct keyent e, *grown;
	size_t i, mask;
	uint32_t at;

	e.own = esc;
	e.dec = (char *)(uintptr_t)k;
	e.n = n;
	if (esc) {
		if ((e.dec = malloc(n + 1)) == NULL)
			return -1;
		e.n = decode_key(k, n, e.dec);
	}
	(void)pthread_once(&keyset_once, keyset_key_init);
	(void)crypto_shorthash((unsigned char *)&e.h, (const unsigned char *)e.dec, e.n,
	    keyset_sipkey);
	if (s->tab == NULL) {
		for (i = 0; i < s->n; i++)
			if (s->e[i].h == e.h && s->e[i].n == e.n && memcmp(s->e[i].dec, e.dec, e.n) == 0)
				goto dup;
	} else {
		mask = s->tabcap - 1;
		for (i = (size_t)e.h & mask; (at = s->tab[i]) != 0; i = (i + 1) & mask) {
			const struct keyent *o = &s->e[at - 1];
			if (o->h == e.h && o->n == e.n && memcmp(o->dec, e.dec, e.n) == 0)
				goto dup;
		}
	}
	if (s->n == s->cap) {
		if (s->e == s->small) {
			if ((grown = malloc(2 * s->cap * sizeof(*grown))) != NULL)
				memcpy(grown, s->small, sizeof(s->small));
		} else {
			grown = realloc(s->e, 2 * s->cap * sizeof(*grown));
		}
		if (grown == NULL)
			goto oom;
		s->e = grown;
		s->cap *= 2;
	}
	s->e[s->n++] = e;
	if (s->n >= KEYS_LINEAR && s->n * 2 > s->tabcap) {
		if (keyset_rehash(s) != 0) {
			s->n--;
			goto oom;
		}
	} else if (s->tab != NULL) {
		keyset_place(s, s->n - 1);
	}
	return 0;
dup:
	if (e.own)
		free(e.dec);
	return 1;
oom:
	if (e.own)
		free(e.dec);
	return -1;
}

static int
vobject(struct vstate *v)
{
	struct keyset keys;
	int rc = -1, esc, added;
	const char *k;

	v->p++;   /* '{' */
	skip_ws(v);
	if (v->p < v->end && *v->p == '}') {
		v->p++;
		return 0;
	}
	keyset_init(&keys);
	for (;;) {
		skip_ws(v);
		if (v->p >= v->end || *v->p != '"') {
			verr(v, v->p, "expected string key");
			goto out;
		}
		k = v->p;
		if (vstring(v, &esc) < 0)
			goto out;
		added = keyset_add(&keys, k + 1, (size_t)(v->p - k - 2), esc);
		if (added == 1) {
			(void)snprintf(v->errbuf, sizeof(v->errbuf), "duplicate key \"%.*s\"",
			    (int)(v->p - k - 2 > 40 ? 40 : v->p - k - 2), k + 1);
			verr(v, k, v->errbuf);
			goto out;
		}
		if (added < 0) {
			verr(v, k, "out of memory");
			goto out;
		}
		skip_ws(v);
		if (v->p >= v->end || *v->p != ':') {
			verr(v, v->p, "expected ':'");
			goto out;
		}
		v->p++;
		if (vvalue(v) < 0)
			goto out;
		skip_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			continue;
		}
		if (v->p < v->end && *v->p == '}') {
			v->p++;
			rc = 0;
			goto out;
		}
		verr(v, v->p, "expected ',' or '}'");
		goto out;
	}
out:
	keyset_fini(&keys);
	return rc;
}

static int
varray(struct vstate *v)
{
	v->p++;   /* '[' */
	skip_ws(v);
	if (v->p < v->end && *v->p == ']') {
		v->p++;
		return 0;
	}
	for (;;) {
		if (vvalue(v) < 0)
			return -1;
		skip_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			continue;
		}
		if (v->p < v->end && *v->p == ']') {
			v->p++;
			return 0;
		}
		return verr(v, v->p, "expected ',' or ']'");
	}
}

static int
vliteral(struct vstate *v, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(v->end - v->p) < n || memcmp(v->p, word, n) != 0)
		return verr(v, v->p, "invalid literal");
	v->p += n;
	return 0;
}

static int
vvalue(struct vstate *v)
{
	int esc, rc;

	skip_ws(v);
	if (v->p >= v->end)
		return verr(v, v->p, "unexpected end of input");
	switch (*v->p) {
	case '{':
	case '[':
		if (++v->depth > v->max_depth)
			return verr(v, v->p, "nesting too deep");
		rc = *v->p == '{' ? vobject(v) : varray(v);
		v->depth--;
		return rc;
	case '"':
		return vstring(v, &esc);
	case 't':
		return vliteral(v, "true");
	case 'f':
		return vliteral(v, "false");
	case 'n':
		return vliteral(v, "null");
	default:
		if (*v->p == '-' || (*v->p >= '0' && *v->p <= '9'))
			return vnumber(v);
		return verr(v, v->p, "unexpected character");
	}
}

/* Validate and parse [buf, buf+len); on error fill f with source:line:col. */
static enum sfp_status
check_and_parse(const char *buf, size_t len, const char *source, unsigned long line,
    unsigned long col, int max_depth, enum sfp_status bad, cJSON **out, struct sfp_fail *f)
{
	struct vstate v;
	const char *end = NULL;
	char place[256];
	cJSON *j;

	*out = NULL;
	memset(&v, 0, sizeof(v));
	v.start = v.p = buf;
	v.end = buf + len;
	v.max_depth = max_depth > 0 ? max_depth : SFP_STREAM_MAX_DEPTH;
	if (vvalue(&v) == 0) {
		skip_ws(&v);
		if (v.p != v.end)
			verr(&v, v.p, "unexpected data after the value");
	}
	if (v.err != NULL) {
		advance(&line, &col, buf, (size_t)(v.err_at - buf));
		(void)snprintf(place, sizeof(place), "%s:%lu:%lu", source, line, col);
		return sfp_fail_set(f, bad, "malformed-json", place, "%s", v.err);
	}
	j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (j == NULL) {
		(void)snprintf(place, sizeof(place), "%s:%lu:%lu", source, line, col);
		return sfp_fail_set(f, SFP_E_INTERNAL, SFP_OOM, place, "out of memory parsing JSON");
	}
	*out = j;
	return SFP_OK;
}

enum sfp_status
sfp_json_parse(const char *buf, size_t len, const char *source, int max_depth, cJSON **out,
    struct sfp_fail *f)
{
	return check_and_parse(buf, len, source, 1, 1, max_depth, SFP_E_INPUT, out, f);
}

int
sfp_utf8_valid(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	size_t n;

	while (p < end) {
		if (*p == 0 || (n = utf8_len(p, end)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

cJSON *
sfp_raw_to_json(const char *raw, size_t len)
{
	cJSON *s;
	char *t;

	if (raw == NULL || !sfp_utf8_valid(raw, len))
		return cJSON_CreateNull();
	if ((t = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(t, raw, len);
	t[len] = '\0';
	s = cJSON_CreateString(t);
	free(t);
	return s;
}

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
	advance(&r->line, &r->col, r->buf + r->pos, n);
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
	st = check_and_parse(r->buf + r->pos, vlen, r->source, r->line, r->col, r->max_depth,
	    SFP_E_ITEM, out, f);
	consume(r, vlen);
	return st;
}

/* ---- whole files ---------------------------------------------------------- */

enum sfp_status
sfp_read_fd(int fd, const char *source, size_t max, char **bufp, size_t *lenp, struct sfp_fail *f)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (cap - len < CHUNK) {
			if ((nb = realloc(buf, cap + CHUNK + 1)) == NULL) {
				free(buf);
				return sfp_fail_oom(f, source);
			}
			buf = nb;
			cap += CHUNK;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return sfp_fail_set(f, SFP_E_IO, "read", source, "%s", strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return sfp_fail_set(f, SFP_E_INPUT, "too-large", source,
			    "larger than %zu bytes", max);
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return SFP_OK;
}

enum sfp_status
sfp_read_file(const char *path, size_t max, char **buf, size_t *len, struct sfp_fail *f)
{
	enum sfp_status st;
	int fd;

	if (strcmp(path, "-") == 0)
		return sfp_read_fd(0, "<stdin>", max, buf, len, f);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(errno));
	/* A directory named as a file is a configuration mistake (exit 3), not
	 * a local I/O error: read(2) would fail with EISDIR. */
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "open", path, "%s", strerror(EISDIR));
	}
	st = sfp_read_fd(fd, path, max, buf, len, f);
	(void)close(fd);
	return st;
}

enum sfp_status
sfp_json_load(const char *path, size_t max, cJSON **out, struct sfp_fail *f)
{
	enum sfp_status st;
	char *buf;
	size_t len;

	*out = NULL;
	if ((st = sfp_read_file(path, max, &buf, &len, f)) != SFP_OK)
		return st;
	st = sfp_json_parse(buf, len, strcmp(path, "-") == 0 ? "<stdin>" : path, 0, out, f);
	free(buf);
	return st;
}

/* ---- writer --------------------------------------------------------------- */

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
