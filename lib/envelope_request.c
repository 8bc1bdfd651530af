/* SPDX-License-Identifier: ISC */
/* envelope_request: hmac-verify --headers: one request, its header lines and its body. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "envelope_int.h"

#define HEADERS_MAX (64u * 1024u)

struct hdrs {
	struct sfp_http_field f[32];
	size_t n;
	char *text;
};

static enum sfp_status
read_headers(const char *path, struct hdrs *h, struct sfp_fail *f)
{
	size_t len, i = 0;
	enum sfp_status st;

	if ((st = sfp_read_file(path, HEADERS_MAX, &h->text, &len, f)) != SFP_OK)
		return st;
	while (i < len) {
		char *line = h->text + i, *nl = memchr(line, '\n', len - i), *colon;
		size_t n = nl != NULL ? (size_t)(nl - line) : len - i;
		i += n + 1;
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line || h->n == 32)
			return sfp_fail_set(f, SFP_E_INPUT, "malformed", path,
			    "want header lines 'name: value' (at most 32)");
		*colon = '\0';
		h->f[h->n].name = line;
		h->f[h->n].value = colon + 1 + strspn(colon + 1, " \t");
		h->n++;
	}
	return SFP_OK;
}

static const char *
header(const struct hdrs *h, const char *name, int *count)
{
	const char *v = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->f[i].name, name) == 0) {
			v = h->f[i].value;
			(*count)++;
		}
	return v;
}

/* The sha-256 member of a Content-Digest value equals the body's digest. */
static int
digest_matches(const char *field, const char *body, size_t len)
{
	char want[SFP_DIGEST_CHARS];
	const char *p = field;
	size_t wl;

	sfp_content_digest(body, len, want);
	wl = strlen(want);
	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (strncmp(p, want, wl) == 0 && (p[wl] == '\0' || p[wl] == ',' || p[wl] == ' ' ||
		    p[wl] == '\t' || p[wl] == ';'))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

static void
check_rfc9421(struct vctx *c, const struct hdrs *h, struct item *it, struct sfp_fail *f)
{
	const struct sfp_tenant *t = sfp_keyring_tenant(c->kr, c->o->tenant);
	struct sfp_rfc9421_sig *s = calloc(1, sizeof *s);
	struct sfp_signed_req req = { c->o->method, c->o->url, h->f, h->n };
	const char *si, *sg, *cd;
	int n1, n2, n3, tried = 0, ok = 0;
	size_t i, k, j;
	struct sfp_fail vf;

	(void)f;
	it->tenant = c->o->tenant;
	si = header(h, "signature-input", &n1);
	sg = header(h, "signature", &n2);
	cd = header(h, "content-digest", &n3);
	if (s == NULL) {
		sfp_env_refuse(it, "malformed", "%s", "out of memory");
		return;
	}
	if (t == NULL) {
		sfp_env_refuse(it, "unknown-tenant", "tenant %s is not in the keyring", c->o->tenant);
		goto out;
	}
	if (n1 != 1 || n2 != 1 || n3 != 1) {
		sfp_env_refuse(it, "malformed", "%s",
		    "want exactly one signature-input, signature and content-digest header");
		goto out;
	}
	if (sfp_rfc9421_parse(si, sg, NULL, s, &it->why) != SFP_OK)
		goto out;
	/* Our profile: method, target URI and body must all be covered. */
	{
		static const char *need[] = { "@method", "@target-uri", "content-digest" };
		for (k = 0; k < 3; k++) {
			for (j = 0; j < s->ncomponents && strcmp(s->components[j], need[k]) != 0; j++)
				;
			if (j == s->ncomponents) {
				sfp_env_refuse(it, "malformed", "signature does not cover %s", need[k]);
				goto out;
			}
		}
	}
	if (s->created < 0 || s->nonce[0] == '\0') {
		sfp_env_refuse(it, "malformed", "%s", "signature needs created and a nonce");
		goto out;
	}
	it->ts = s->created;
	it->id = s->nonce;   /* kept alive: s is freed only after the flush */
	if (c->now - it->ts > c->tol || (s->expires >= 0 && s->expires < c->now)) {
		sfp_env_refuse(it, "stale", "%s", "signature created too long ago or expired");
		goto out;
	}
	if (it->ts - c->now > c->tol) {
		sfp_env_refuse(it, "future", "%s", "signature created in the future beyond the tolerance");
		goto out;
	}
	for (i = 0; i < t->nkeys; i++) {
		if (!sfp_key_valid_at(&t->keys[i], it->ts))
			continue;
		if (s->keyid[0] != '\0' && strcmp(s->keyid, t->keys[i].id) != 0)
			continue;
		tried = 1;
		if (sfp_rfc9421_verify(s, &req, t->keys[i].key->bytes, t->keys[i].key->len, &vf) ==
		    SFP_OK)
			ok = 1;
		else if (strcmp(vf.code, "malformed") == 0) {
			it->why = vf;
			goto out;
		}
	}
	if (!tried || !ok) {
		sfp_env_refuse(it, "bad-signature", "%s", tried ? "signature does not match the key" :
		    "no key of the tenant has that keyid at that time");
		goto out;
	}
	/* The signature covers the digest field; the field must cover the body. */
	if (!digest_matches(cd, it->body, it->bodylen)) {
		sfp_env_refuse(it, "bad-signature", "%s", "content-digest does not match the body");
		goto out;
	}
	it->pending = sfp_env_check_body(c, it);
out:
	it->sig = s;   /* the nonce (it->id) lives in s until the item is freed */
}

/*
 * Check one request, its header fields and body, for everything but the
 * replay store: the item ends verified (it->pending) or refused (it->why).
 * SFP_OK, or SFP_E_INTERNAL when memory ran out.  The item borrows body and
 * fields; its env and sig are freed by sfp_env_item_free.
 */
static enum sfp_status
check_request(struct vctx *c, const struct hdrs *h, const char *body, size_t len,
    struct item *it, struct sfp_fail *f)
{
	int n1, n2, n3;

	memset(it, 0, sizeof *it);
	it->body = body;
	it->bodylen = len;
	c->raw_body_out = 1;
	if (c->o->rfc9421) {
		/* Kept as the refusal's "input": the headers and, when it fits in
		 * JSON, the body (write_accepted never reads env in this mode). */
		cJSON *in = cJSON_CreateObject(), *hd = cJSON_AddObjectToObject(in, "headers");
		size_t i;
		for (i = 0; hd != NULL && i < h->n; i++)
			if (cJSON_GetObjectItemCaseSensitive(hd, h->f[i].name) == NULL &&
			    sfp_utf8_valid(h->f[i].name, strlen(h->f[i].name)) &&
			    sfp_utf8_valid(h->f[i].value, strlen(h->f[i].value)))
				(void)cJSON_AddStringToObject(hd, h->f[i].name, h->f[i].value);
		if (in != NULL && sfp_utf8_valid(body, len)) {
			char *copy = malloc(len + 1);
			if (copy != NULL) {
				memcpy(copy, body, len);
				copy[len] = '\0';
				(void)cJSON_AddStringToObject(in, "body", copy);
				free(copy);
			}
		}
		it->env = in;
		check_rfc9421(c, h, it, f);
	} else {
		const char *id = header(h, "webhook-id", &n1);
		const char *ts = header(h, "webhook-timestamp", &n2);
		const char *sig = header(h, "webhook-signature", &n3);
		cJSON *env = cJSON_CreateObject();
		char *copy = malloc(len + 1);
		int64_t tsv = 0;

		if (env == NULL || copy == NULL) {
			free(copy);
			cJSON_Delete(env);
			return sfp_fail_oom(f, NULL);
		}
		memcpy(copy, body, len);
		copy[len] = '\0';
		if (n1 != 1 || n2 != 1 || n3 != 1 || !sfp_sw_ts_parse(ts, strlen(ts), &tsv) ||
		    !sfp_utf8_valid(body, len)) {
			cJSON_Delete(env);
			free(copy);
			it->tenant = c->o->tenant;
			sfp_env_refuse(it, "malformed", "%s", n1 != 1 || n2 != 1 || n3 != 1 ?
			    "want exactly one webhook-id, webhook-timestamp and webhook-signature" :
			    !sfp_utf8_valid(body, len) ? "body is not valid utf-8 without nul bytes" :
			    "webhook-timestamp is not unix seconds");
		} else {
			(void)cJSON_AddStringToObject(env, "tenant", c->o->tenant);
			(void)cJSON_AddStringToObject(env, "id", id);
			(void)cJSON_AddNumberToObject(env, "timestamp", (double)tsv);
			(void)cJSON_AddStringToObject(env, "signature", sig);
			(void)cJSON_AddStringToObject(env, "body", copy);
			free(copy);
			it->env = env;
			sfp_env_check_item(c, it);
			/* keep the body bytes exact (the env copy stops at a NUL) */
			it->body = body;
			it->bodylen = len;
		}
	}
	return SFP_OK;
}

enum sfp_status
sfp_env_verify_request(struct vctx *c, int in_fd, struct sfp_fail *f)
{
	struct hdrs h;
	char *body = NULL;
	size_t len = 0;
	enum sfp_status st;

	memset(&h, 0, sizeof h);
	if ((st = read_headers(c->o->headers, &h, f)) != SFP_OK)
		goto out;
	if ((st = sfp_read_fd(in_fd, "<stdin>", SFP_ENV_BODY_MAX, &body, &len, f)) != SFP_OK)
		goto out;
	len = sfp_env_body_len(body, len, c->o->raw);
	if ((st = check_request(c, &h, body, len, &c->items[0], f)) != SFP_OK)
		goto out;
	c->n = 1;
	st = sfp_env_flush(c, f);
out:
	free(body);
	free(h.text);
	return st;
}

enum sfp_status
sfp_hverify_request_check(const struct sfp_hverify_opts *o, const struct sfp_keyring *kr,
    const struct sfp_http_field *fields, size_t nfields, const char *body, size_t len,
    struct sfp_hverified *v, struct sfp_fail *f)
{
	struct vctx c;
	struct hdrs h;
	struct item it;
	enum sfp_status st;

	memset(&c, 0, sizeof c);
	memset(&h, 0, sizeof h);
	memset(v, 0, sizeof *v);
	if (nfields > sizeof h.f / sizeof h.f[0])
		return sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL, "more than %zu header fields",
		    sizeof h.f / sizeof h.f[0]);
	memcpy(h.f, fields, nfields * sizeof *fields);
	h.n = nfields;
	c.o = o;
	c.kr = (struct sfp_keyring *)(uintptr_t)kr;   /* read only: the checks never change it */
	c.now = sfp_envelope_now(o->now);
	c.tol = o->shared.tolerance > 0 ? o->shared.tolerance : SFP_SW_TOLERANCE;
	if ((st = check_request(&c, &h, body, len, &it, f)) != SFP_OK)
		goto out;
	if (!it.pending) {
		*f = it.why;
		st = SFP_E_ITEM;
		goto out;
	}
	if (it.id == NULL || strlen(it.id) >= sizeof v->id) {
		st = sfp_fail_set(f, SFP_E_ITEM, "malformed", NULL, "%s", "message id too long");
		goto out;
	}
	memcpy(v->id, it.id, strlen(it.id) + 1);
	v->timestamp = it.ts;
out:
	sfp_env_item_free(&it);
	return st;
}
