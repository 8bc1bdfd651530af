/* SPDX-License-Identifier: ISC */
/* json: one JSON text checked strictly (grammar, UTF-8, no \u0000, no duplicate keys), then parsed by cJSON. */
#include "compat.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "json.h"

/*
 * cJSON is lenient about what we refuse (duplicate keys, "\u0000", bad UTF-8),
 * so the bytes are validated here first and only then handed to it.
 */

/* ---- position bookkeeping ------------------------------------------------ */

void
sfp_text_advance(unsigned long *line, unsigned long *col, const char *p, size_t n)
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

enum sfp_status
sfp_json_check_parse(const char *buf, size_t len, const char *source, unsigned long line,
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
		sfp_text_advance(&line, &col, buf, (size_t)(v.err_at - buf));
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
	return sfp_json_check_parse(buf, len, source, 1, 1, max_depth, SFP_E_INPUT, out, f);
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
