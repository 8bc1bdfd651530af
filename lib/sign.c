/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sign.h"

/*
 * HMAC-SHA256 (RFC 2104) over OpenSSL's SHA-256, which uses the CPU's SHA
 * instructions where present (several times libsodium's portable code: the MAC
 * is most of hmac-verify's work).  libsodium's HMAC is the fallback when
 * OpenSSL cannot provide SHA-256.  Both agree on RFC 4231 (check_sign).
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int
hmac_openssl(const unsigned char *key, size_t keylen, const struct sfp_part *parts, size_t n,
    unsigned char out[SFP_MAC_BYTES])
{
	unsigned char k[64], pad[64], inner[SFP_MAC_BYTES];
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	(void)pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	memset(k, 0, sizeof k);
	ok = 1;
	if (keylen > sizeof k) {
		ok = EVP_DigestInit_ex2(ctx, sha256_md, NULL) && EVP_DigestUpdate(ctx, key, keylen) &&
		    EVP_DigestFinal_ex(ctx, k, NULL);
	} else if (keylen > 0) {
		memcpy(k, key, keylen);
	}
	for (i = 0; i < sizeof pad; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x36);
	ok = ok && EVP_DigestInit_ex2(ctx, sha256_md, NULL) && EVP_DigestUpdate(ctx, pad, sizeof pad);
	for (i = 0; ok && i < n; i++)
		ok = parts[i].len == 0 || EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, inner, NULL);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x5c);
	ok = ok && EVP_DigestInit_ex2(ctx, sha256_md, NULL) && EVP_DigestUpdate(ctx, pad, sizeof pad) &&
	    EVP_DigestUpdate(ctx, inner, sizeof inner) && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	sodium_memzero(k, sizeof k);
	sodium_memzero(pad, sizeof pad);
	sodium_memzero(inner, sizeof inner);
	return ok;
}

void
sfp_hmac_sha256(const unsigned char *key, size_t keylen, const struct sfp_part *parts, size_t n,
    unsigned char out[SFP_MAC_BYTES])
{
	crypto_auth_hmacsha256_state st;
	size_t i;

	if (hmac_openssl(key, keylen, parts, n, out))
		return;
	/* The streaming API takes any key length (the one-shot call wants 32). */
	crypto_auth_hmacsha256_init(&st, key, keylen);
	for (i = 0; i < n; i++)
		crypto_auth_hmacsha256_update(&st, parts[i].p, parts[i].len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

enum sfp_status
sfp_sw_secret_decode(const char *secret, size_t len, unsigned char *key, size_t cap,
    size_t *keylen, struct sfp_fail *f)
{
	const char *b64_end;

	if (len >= 6 && memcmp(secret, "whsec_", 6) == 0) {
		secret += 6;
		len -= 6;
	}
	if (len == 0)
		return sfp_fail_set(f, SFP_E_INPUT, "malformed", NULL, "empty secret");
	if (sodium_base642bin(key, cap, secret, len, NULL, keylen, &b64_end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || b64_end != secret + len) {
		sodium_memzero(key, cap);
		return sfp_fail_set(f, SFP_E_INPUT, "malformed", NULL,
		    "secret is not whsec_ followed by standard base64");
	}
	if (*keylen < 16 || *keylen > 64) {
		sodium_memzero(key, cap);
		return sfp_fail_set(f, SFP_E_INPUT, "malformed", NULL,
		    "secret holds %zu bytes, want 16 to 64", *keylen);
	}
	return SFP_OK;
}

enum sfp_status
sfp_sw_secret_encode(const unsigned char *key, size_t keylen, char *out, size_t cap,
    struct sfp_fail *f)
{
	size_t need = 6 + sodium_base64_ENCODED_LEN(keylen, sodium_base64_VARIANT_ORIGINAL);

	if (cap < need)
		return sfp_fail_set(f, SFP_E_INTERNAL, NULL, NULL, "secret buffer too small");
	memcpy(out, "whsec_", 6);
	sodium_bin2base64(out + 6, cap - 6, key, keylen, sodium_base64_VARIANT_ORIGINAL);
	return SFP_OK;
}

int
sfp_sw_id_ok(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > SFP_SW_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		/* '.' separates the signed parts (the Standard Webhooks spec,
		 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md); space separates
		 * header items; quotes and backslashes would need escaping in an
		 * RFC 9421 nonce. */
		if (c <= 0x20 || c >= 0x7f || c == '.' || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

int
sfp_sw_ts_parse(const char *s, size_t len, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return 0;
	*out = (int64_t)v;
	return 1;
}

static void
sw_mac(const unsigned char *key, size_t keylen, const char *id, int64_t ts, const void *body,
    size_t bodylen, unsigned char mac[SFP_MAC_BYTES])
{
	char tsbuf[24];
	int n = snprintf(tsbuf, sizeof tsbuf, "%" PRId64, ts);
	struct sfp_part parts[5] = {
		{ id, strlen(id) }, { ".", 1 }, { tsbuf, (size_t)n }, { ".", 1 }, { body, bodylen }
	};

	sfp_hmac_sha256(key, keylen, parts, 5, mac);
}

void
sfp_sw_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const void *body, size_t bodylen, char out[SFP_SW_SIG_CHARS])
{
	unsigned char mac[SFP_MAC_BYTES];

	sw_mac(key, keylen, id, ts, body, bodylen, mac);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, SFP_SW_SIG_CHARS - 3, mac, sizeof mac,
	    sodium_base64_VARIANT_ORIGINAL);
}

/* Walk the space-separated items; for each well-formed v1 item, call back with
 * its decoded MAC.  Returns the number of such items. */
static size_t
sw_each_v1(const char *sigs, size_t len, int (*cb)(const unsigned char *, void *), void *arg)
{
	size_t i = 0, count = 0;

	while (i < len) {
		size_t start = i, end, comma;
		unsigned char mac[SFP_MAC_BYTES + 4];
		size_t maclen = 0;

		while (i < len && sigs[i] != ' ')
			i++;
		end = i;
		if (i < len)
			i++;
		for (comma = start; comma < end && sigs[comma] != ','; comma++)
			;
		if (comma == end || comma - start != 2 || memcmp(sigs + start, "v1", 2) != 0)
			continue;
		if (memchr(sigs + comma + 1, ',', end - comma - 1) != NULL)
			continue;
		if (sodium_base642bin(mac, sizeof mac, sigs + comma + 1, end - comma - 1, NULL,
		    &maclen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || maclen != SFP_MAC_BYTES)
			continue;
		count++;
		if (cb != NULL)
			(void)cb(mac, arg);
	}
	return count;
}

struct sw_cmp {
	const unsigned char *want;
	int match;
};

static int
sw_cmp_cb(const unsigned char *mac, void *arg)
{
	struct sw_cmp *c = arg;

	/* Lengths are equal by construction (exactly 32 decoded bytes). */
	if (sodium_memcmp(mac, c->want, SFP_MAC_BYTES) == 0)
		c->match = 1;
	return 0;
}

int
sfp_sw_verify(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const void *body, size_t bodylen, const char *sigs, size_t sigslen)
{
	unsigned char want[SFP_MAC_BYTES];
	struct sw_cmp c = { want, 0 };

	sw_mac(key, keylen, id, ts, body, bodylen, want);
	(void)sw_each_v1(sigs, sigslen, sw_cmp_cb, &c);
	sodium_memzero(want, sizeof want);
	return c.match;
}

int
sfp_sw_sigs_wellformed(const char *sigs, size_t len)
{
	return sw_each_v1(sigs, len, NULL, NULL) > 0;
}

void
sfp_content_digest(const void *body, size_t len, char out[SFP_DIGEST_CHARS])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t n;

	crypto_hash_sha256(h, body, len);
	memcpy(out, "sha-256=:", 9);
	sodium_bin2base64(out + 9, SFP_DIGEST_CHARS - 10, h, sizeof h,
	    sodium_base64_VARIANT_ORIGINAL);
	n = strlen(out);
	out[n] = ':';
	out[n + 1] = '\0';
}

/* ---- RFC 9421 ---- */

static int
is_lcalpha(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_key_char(int c)
{
	return is_lcalpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == '*';
}

/* Parse an sf-key at *p. */
static size_t
sf_key(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	if (!is_lcalpha((unsigned char)p[0]) && p[0] != '*')
		return 0;
	while (is_key_char((unsigned char)p[n])) {
		if (n + 1 >= cap)
			return 0;
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	return n;
}

/* Parse an sf-string at p (starting at '"'); unescape into out.  Returns the
 * bytes consumed or 0. */
static size_t
sf_string(const char *p, char *out, size_t cap)
{
	size_t i = 1, n = 0;

	if (p[0] != '"')
		return 0;
	for (;;) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"')
			break;
		if (c == '\\') {
			c = (unsigned char)p[++i];
			if (c != '"' && c != '\\')
				return 0;
		} else if (c < 0x20 || c > 0x7e) {
			return 0;
		}
		if (n + 1 >= cap)
			return 0;
		out[n++] = (char)c;
		i++;
	}
	out[n] = '\0';
	return i + 1;
}

/* Parse ";key=value" parameters starting at p up to the end of the member.
 * Returns bytes consumed, or 0 on error. */
static size_t
sf_params(const char *p, struct sfp_rfc9421_sig *s)
{
	size_t i = 0;

	while (p[i] == ';') {
		char key[32], sval[1024];
		size_t k, n;

		i++;
		while (p[i] == ' ')
			i++;
		k = sf_key(p + i, key, sizeof key);
		if (k == 0)
			return 0;
		i += k;
		if (p[i] != '=')
			continue;   /* boolean true: allowed, unused */
		i++;
		if (p[i] == '"') {
			n = sf_string(p + i, sval, sizeof sval);
			if (n == 0)
				return 0;
			i += n;
			if (strcmp(key, "nonce") == 0) {
				if (strlen(sval) >= sizeof s->nonce)
					return 0;
				memcpy(s->nonce, sval, strlen(sval) + 1);
			} else if (strcmp(key, "keyid") == 0) {
				if (strlen(sval) >= sizeof s->keyid)
					return 0;
				memcpy(s->keyid, sval, strlen(sval) + 1);
			} else if (strcmp(key, "alg") == 0) {
				if (strlen(sval) >= sizeof s->alg)
					return 0;
				memcpy(s->alg, sval, strlen(sval) + 1);
			} else if (strcmp(key, "tag") == 0) {
				if (strlen(sval) >= sizeof s->tag)
					return 0;
				memcpy(s->tag, sval, strlen(sval) + 1);
			}
		} else if ((p[i] >= '0' && p[i] <= '9') || p[i] == '-') {
			int64_t v;
			size_t st = i;
			if (p[i] == '-')
				i++;
			while (p[i] >= '0' && p[i] <= '9')
				i++;
			if (p[st] == '-' || !sfp_sw_ts_parse(p + st, i - st, &v)) {
				if (strcmp(key, "created") == 0 || strcmp(key, "expires") == 0)
					return 0;
				continue;
			}
			if (strcmp(key, "created") == 0)
				s->created = v;
			else if (strcmp(key, "expires") == 0)
				s->expires = v;
		} else {
			/* token or other bare item: skip to the next ';' or member end */
			if (strcmp(key, "created") == 0 || strcmp(key, "expires") == 0)
				return 0;
			while (p[i] != '\0' && p[i] != ';' && p[i] != ',')
				i++;
		}
	}
	return i;
}

/* Find member label in a dictionary field; *val points at its value and *vlen
 * spans to the member's end.  label "" picks the first member. */
static int
sf_dict_member(const char *field, const char *label, char *found, size_t fcap, const char **val,
    size_t *vlen)
{
	const char *p = field;

	for (;;) {
		char key[64];
		size_t k, depth = 0;
		const char *v;
		int inq = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		k = sf_key(p, key, sizeof key);
		if (k == 0 || p[k] != '=')
			return 0;
		v = p + k + 1;
		/* The member ends at a ',' outside quotes, parentheses and colons. */
		for (p = v; *p != '\0'; p++) {
			if (inq) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '"')
					inq = 0;
				continue;
			}
			if (*p == '"')
				inq = 1;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && depth > 0)
				depth--;
			else if (*p == ',' && depth == 0)
				break;
		}
		if (label == NULL || label[0] == '\0' || strcmp(key, label) == 0) {
			if (strlen(key) >= fcap)
				return 0;
			memcpy(found, key, strlen(key) + 1);
			*val = v;
			*vlen = (size_t)(p - v);
			while (*vlen > 0 && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
				(*vlen)--;
			return 1;
		}
		if (*p == '\0')
			return 0;
		p++;
	}
}

static enum sfp_status
malformed(struct sfp_fail *f, const char *what)
{
	return sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL, "%s", what);
}

/* Parse the value of a Signature-Input member into s (not the MAC). */
static enum sfp_status
parse_input_value(const char *v, size_t vlen, struct sfp_rfc9421_sig *s, struct sfp_fail *f)
{
	size_t i = 1, used = 0, n;
	char tmp[1024];

	if (vlen >= sizeof s->value || vlen < 2 || v[0] != '(')
		return malformed(f, "signature-input is not an inner list");
	memcpy(s->value, v, vlen);
	s->value[vlen] = '\0';
	s->created = s->expires = -1;
	s->ncomponents = 0;
	v = s->value;
	while (v[i] != ')') {
		if (v[i] == ' ' && s->ncomponents > 0) {
			i++;
			continue;
		}
		n = sf_string(v + i, tmp, sizeof tmp);
		if (n == 0)
			return malformed(f, "signature-input: bad component identifier");
		if (v[i + n] == ';')
			return malformed(f, "signature-input: component parameters are not supported");
		if (s->ncomponents == SFP_RFC9421_MAXCOMP || used + strlen(tmp) + 1 > sizeof s->store)
			return malformed(f, "signature-input: too many components");
		memcpy(s->store + used, tmp, strlen(tmp) + 1);
		s->components[s->ncomponents++] = s->store + used;
		used += strlen(tmp) + 1;
		i += n;
		if (v[i] != ' ' && v[i] != ')')
			return malformed(f, "signature-input: bad inner list");
	}
	i++;
	n = sf_params(v + i, s);
	if (i + n != vlen)
		return malformed(f, "signature-input: bad parameters");
	return SFP_OK;
}

enum sfp_status
sfp_rfc9421_parse(const char *sig_input, const char *signature, const char *label,
    struct sfp_rfc9421_sig *out, struct sfp_fail *f)
{
	const char *v;
	size_t vlen, maclen = 0;
	char other[64];
	enum sfp_status st;

	memset(out, 0, sizeof *out);
	if (!sf_dict_member(sig_input, label, out->label, sizeof out->label, &v, &vlen))
		return malformed(f, "signature-input: no such signature label");
	st = parse_input_value(v, vlen, out, f);
	if (st != SFP_OK)
		return st;
	if (!sf_dict_member(signature, out->label, other, sizeof other, &v, &vlen))
		return malformed(f, "signature: label missing from signature field");
	if (vlen < 2 || v[0] != ':' || memchr(v + 1, ':', vlen - 1) == NULL)
		return malformed(f, "signature: not a byte sequence");
	{
		const char *end = memchr(v + 1, ':', vlen - 1);
		if (sodium_base642bin(out->mac, sizeof out->mac, v + 1, (size_t)(end - v - 1), NULL,
		    &maclen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || maclen != SFP_MAC_BYTES)
			return malformed(f, "signature: not 32 bytes of base64");
	}
	return SFP_OK;
}

/* Split target_uri into scheme, authority, path, query (pointers + lengths). */
struct uri_parts {
	const char *scheme, *auth, *path, *query;
	size_t scheme_len, auth_len, path_len, query_len;
	int has_query;
};

static int
uri_split(const char *u, struct uri_parts *p)
{
	const char *s = strstr(u, "://"), *a, *e;

	if (s == NULL || s == u)
		return 0;
	memset(p, 0, sizeof *p);
	p->scheme = u;
	p->scheme_len = (size_t)(s - u);
	a = s + 3;
	e = a + strcspn(a, "/?#");
	/* drop userinfo */
	{
		const char *at = memchr(a, '@', (size_t)(e - a));
		if (at != NULL)
			a = at + 1;
	}
	p->auth = a;
	p->auth_len = (size_t)(e - a);
	if (p->auth_len == 0)
		return 0;
	p->path = e;
	p->path_len = strcspn(e, "?#");
	if (e[p->path_len] == '?') {
		p->has_query = 1;
		p->query = e + p->path_len + 1;
		p->query_len = strcspn(p->query, "#");
	}
	return 1;
}

/* Append to the base buffer, failing on overflow. */
struct buf {
	char *p;
	size_t cap, len;
	int over;
};

static void
bput(struct buf *b, const char *s, size_t n)
{
	if (b->over || b->len + n + 1 > b->cap) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

static void
blower(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		bput(b, &c, 1);
	}
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Append the canonical value of one component; 0 when it cannot be had. */
static int
component_value(struct buf *b, const char *c, const struct sfp_signed_req *req)
{
	struct uri_parts u;
	size_t i;
	int found = 0;

	if (c[0] == '@') {
		if (strcmp(c, "@method") == 0) {
			if (req->method == NULL)
				return 0;
			bputs(b, req->method);
			return 1;
		}
		if (req->target_uri == NULL || !uri_split(req->target_uri, &u))
			return 0;
		if (strcmp(c, "@target-uri") == 0) {
			bputs(b, req->target_uri);
		} else if (strcmp(c, "@scheme") == 0) {
			blower(b, u.scheme, u.scheme_len);
		} else if (strcmp(c, "@authority") == 0) {
			size_t n = u.auth_len;
			/* default ports are dropped */
			if (u.scheme_len == 5 && strncasecmp(u.scheme, "https", 5) == 0 && n > 4 &&
			    memcmp(u.auth + n - 4, ":443", 4) == 0)
				n -= 4;
			else if (u.scheme_len == 4 && strncasecmp(u.scheme, "http", 4) == 0 &&
			    n > 3 && memcmp(u.auth + n - 3, ":80", 3) == 0)
				n -= 3;
			blower(b, u.auth, n);
		} else if (strcmp(c, "@path") == 0) {
			if (u.path_len == 0)
				bputs(b, "/");
			else
				bput(b, u.path, u.path_len);
		} else if (strcmp(c, "@query") == 0) {
			bputs(b, "?");
			if (u.has_query)
				bput(b, u.query, u.query_len);
		} else {
			return 0;
		}
		return 1;
	}
	for (i = 0; i < req->nfields; i++) {
		const char *v = req->fields[i].value;
		size_t n = strlen(v);
		if (strcasecmp(req->fields[i].name, c) != 0)
			continue;
		trim(&v, &n);
		if (found)
			bputs(b, ", ");
		bput(b, v, n);
		found = 1;
	}
	return found;
}

enum sfp_status
sfp_rfc9421_base(const struct sfp_rfc9421_sig *s, const struct sfp_signed_req *req, char *out,
    size_t cap, size_t *len, struct sfp_fail *f)
{
	struct buf b = { out, cap, 0, 0 };
	size_t i, j;

	if (cap > 0)
		out[0] = '\0';
	for (i = 0; i < s->ncomponents; i++) {
		const char *c = s->components[i];
		size_t start;

		for (j = 0; c[j] != '\0'; j++)
			if (c[j] >= 'A' && c[j] <= 'Z')
				return malformed(f, "component names must be lowercase");
		for (j = 0; j < i; j++)
			if (strcmp(c, s->components[j]) == 0)
				return malformed(f, "duplicate covered component");
		bputs(&b, "\"");
		bputs(&b, c);
		bputs(&b, "\": ");
		start = b.len;
		if (!component_value(&b, c, req))
			return sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL,
			    "covered component %s is missing or unknown",
			    c[0] == '@' || strlen(c) < 64 ? c : "(long name)");
		for (j = start; !b.over && j < b.len; j++) {
			unsigned char ch = (unsigned char)out[j];
			if (ch < 0x20 || ch > 0x7e)
				return malformed(f, "covered value holds a control or non-ascii byte");
		}
		bputs(&b, "\n");
	}
	bputs(&b, "\"@signature-params\": ");
	bputs(&b, s->value);
	if (b.over)
		return sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL, "signature base too long");
	*len = b.len;
	return SFP_OK;
}

enum sfp_status
sfp_rfc9421_verify(const struct sfp_rfc9421_sig *s, const struct sfp_signed_req *req,
    const unsigned char *key, size_t keylen, struct sfp_fail *f)
{
	char base[8192];
	size_t len;
	unsigned char mac[SFP_MAC_BYTES];
	struct sfp_part part;
	enum sfp_status st;
	int ok;

	/* The algorithm comes from our configuration; a different alg claimed by
	 * the message is refused (RFC 9421 §7.3.6 downgrade). */
	if (s->alg[0] != '\0' && strcmp(s->alg, "hmac-sha256") != 0)
		return malformed(f, "signature alg is not hmac-sha256");
	st = sfp_rfc9421_base(s, req, base, sizeof base, &len, f);
	if (st != SFP_OK)
		return st;
	part.p = base;
	part.len = len;
	sfp_hmac_sha256(key, keylen, &part, 1, mac);
	ok = sodium_memcmp(mac, s->mac, SFP_MAC_BYTES) == 0;
	sodium_memzero(mac, sizeof mac);
	if (!ok)
		return sfp_fail_set(f, SFP_E_ITEM, "bad-signature", NULL,
		    "signature does not match the key");
	return SFP_OK;
}

static int
sf_string_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

enum sfp_status
sfp_rfc9421_sign(const struct sfp_signed_req *req, const char *label, int64_t created,
    const char *nonce, const char *keyid, const unsigned char *key, size_t keylen,
    char *sig_input, size_t sig_input_cap, char *signature, size_t signature_cap,
    struct sfp_fail *f)
{
	struct sfp_rfc9421_sig s;
	char value[1024], base[8192];
	size_t len, vlen;
	unsigned char mac[SFP_MAC_BYTES];
	struct sfp_part part;
	enum sfp_status st;
	int n;

	if (label == NULL)
		label = "sig1";
	if (!sf_string_ok(nonce) || !sf_string_ok(keyid))
		return sfp_fail_set(f, SFP_E_INPUT, "malformed", NULL,
		    "nonce and key id must be printable ascii without quotes");
	n = snprintf(value, sizeof value,
	    "(\"@method\" \"@target-uri\" \"content-digest\");created=%" PRId64
	    ";nonce=\"%s\";keyid=\"%s\";alg=\"hmac-sha256\"", created, nonce, keyid);
	if (n < 0 || (size_t)n >= sizeof value)
		return sfp_fail_set(f, SFP_E_INPUT, "malformed", NULL, "signature input too long");
	vlen = (size_t)n;
	memset(&s, 0, sizeof s);
	st = parse_input_value(value, vlen, &s, f);
	if (st != SFP_OK)
		return st;
	st = sfp_rfc9421_base(&s, req, base, sizeof base, &len, f);
	if (st != SFP_OK)
		return st;
	part.p = base;
	part.len = len;
	sfp_hmac_sha256(key, keylen, &part, 1, mac);
	n = snprintf(sig_input, sig_input_cap, "%s=%s", label, value);
	if (n < 0 || (size_t)n >= sig_input_cap)
		return sfp_fail_set(f, SFP_E_INTERNAL, NULL, NULL, "signature-input buffer too small");
	n = snprintf(signature, signature_cap, "%s=:", label);
	if (n < 0 || (size_t)n + 47 > signature_cap)
		return sfp_fail_set(f, SFP_E_INTERNAL, NULL, NULL, "signature buffer too small");
	sodium_bin2base64(signature + n, signature_cap - (size_t)n, mac, sizeof mac,
	    sodium_base64_VARIANT_ORIGINAL);
	len = strlen(signature);
	signature[len] = ':';
	signature[len + 1] = '\0';
	sodium_memzero(mac, sizeof mac);
	return SFP_OK;
}
