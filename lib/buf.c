/* SPDX-License-Identifier: ISC */
/* buf: the one growable byte buffer, with sticky out-of-memory. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
sfp_buf_init(struct sfp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sfp_buf_fini(struct sfp_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Room for more bytes and the NUL after them. */
static int
grow(struct sfp_buf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->oom)
		return -1;
	if (more > (size_t)-1 / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((np = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

int
sfp_buf_put(struct sfp_buf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
sfp_buf_puts(struct sfp_buf *b, const char *s)
{
	return sfp_buf_put(b, s, strlen(s));
}

int
sfp_buf_putc(struct sfp_buf *b, char c)
{
	return sfp_buf_put(b, &c, 1);
}

int
sfp_buf_put_json_string(struct sfp_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	if (grow(b, n + 2) != 0)
		return -1;
	(void)sfp_buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		(void)sfp_buf_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			(void)sfp_buf_put(b, u, 6);
			continue;
		}
		}
		(void)sfp_buf_puts(b, esc);
	}
	(void)sfp_buf_put(b, s + run, n - run);
	return sfp_buf_putc(b, '"');
}

void
sfp_buf_truncate(struct sfp_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

void
sfp_buf_reset(struct sfp_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

char *
sfp_buf_take(struct sfp_buf *b, size_t *len)
{
	char *p;

	if (b->oom || (b->p == NULL && sfp_buf_put(b, "", 0) != 0)) {
		sfp_buf_fini(b);
		return NULL;
	}
	p = b->p;
	if (len != NULL)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}
