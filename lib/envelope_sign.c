/* SPDX-License-Identifier: ISC */
/* envelope_sign: hmac-sign's work: sign a body or each line into envelopes or header lines. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "envelope.h"
#include "envelope_int.h"
#include "keyring.h"
#include "sign.h"
#include "stream.h"

static void
random_id(char out[32])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof b);
	memcpy(out, "msg_", 4);
	sodium_bin2base64(out + 4, 28, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static enum sfp_status
write_text(struct sfp_writer *w, const char *s, struct sfp_fail *f)
{
	return sfp_write_raw(w, s, strlen(s), f);
}

static enum sfp_status
sign_refusal(struct sfp_writer *w, const char *line, size_t len, unsigned long lineno,
    struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e;
	char place[64];
	enum sfp_status st;

	(void)snprintf(place, sizeof place, "<stdin>:%lu", lineno);
	if (o == NULL || cJSON_AddNullToObject(o, "id") == NULL ||
	    cJSON_AddFalseToObject(o, "ok") == NULL || (e = cJSON_AddObjectToObject(o, "error")) == NULL ||
	    cJSON_AddStringToObject(e, "code", "malformed") == NULL ||
	    cJSON_AddStringToObject(e, "message", "body is not valid utf-8 without nul bytes") == NULL ||
	    cJSON_AddStringToObject(e, "place", place) == NULL) {
		cJSON_Delete(o);
		return sfp_fail_oom(f, NULL);
	}
	(void)line;
	(void)len;   /* the bytes cannot be put in JSON; the place says which line */
	st = sfp_write_json(w, o, f);
	cJSON_Delete(o);
	return st;
}

static enum sfp_status
sign_one(const struct sfp_hsign_opts *o, const struct sfp_tenant *t, const struct sfp_key *k,
    int64_t ts, const char *body, size_t len, struct sfp_writer *w, struct sfp_fail *f)
{
	char idbuf[32], sig[SFP_SW_SIG_CHARS], line[1024];
	const char *id = o->id;
	cJSON *env;
	enum sfp_status st;
	char *copy;

	if (id == NULL) {
		random_id(idbuf);
		id = idbuf;
	}
	if (o->rfc9421) {
		char digest[SFP_DIGEST_CHARS], si[1200], sg[128];
		struct sfp_http_field fld = { "content-digest", digest };
		struct sfp_signed_req req = { o->method, o->url, &fld, 1 };

		sfp_content_digest(body, len, digest);
		st = sfp_rfc9421_sign(&req, "sig1", ts, id, k->id, k->key->bytes, k->key->len, si,
		    sizeof si, sg, sizeof sg, f);
		if (st != SFP_OK)
			return st == SFP_E_ITEM ? sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "%s",
			    f->message) : st;
		(void)snprintf(line, sizeof line, "Content-Digest: %s\n", digest);
		if ((st = write_text(w, line, f)) != SFP_OK)
			return st;
		if ((st = write_text(w, "Signature-Input: ", f)) != SFP_OK ||
		    (st = write_text(w, si, f)) != SFP_OK ||
		    (st = write_text(w, "\nSignature: ", f)) != SFP_OK ||
		    (st = write_text(w, sg, f)) != SFP_OK)
			return st;
		return write_text(w, "\n", f);
	}
	sfp_sw_sign(k->key->bytes, k->key->len, id, ts, body, len, sig);
	if (o->headers) {
		(void)snprintf(line, sizeof line,
		    "webhook-id: %s\nwebhook-timestamp: %" PRId64 "\nwebhook-signature: %s\n", id, ts,
		    sig);
		return write_text(w, line, f);
	}
	if ((copy = malloc(len + 1)) == NULL)
		return sfp_fail_oom(f, NULL);
	memcpy(copy, body, len);
	copy[len] = '\0';
	env = cJSON_CreateObject();
	if (env == NULL || cJSON_AddStringToObject(env, "tenant", t->name) == NULL ||
	    cJSON_AddStringToObject(env, "id", id) == NULL ||
	    cJSON_AddNumberToObject(env, "timestamp", (double)ts) == NULL ||
	    cJSON_AddStringToObject(env, "signature", sig) == NULL ||
	    cJSON_AddStringToObject(env, "body", copy) == NULL) {
		free(copy);
		cJSON_Delete(env);
		return sfp_fail_oom(f, NULL);
	}
	free(copy);
	st = sfp_write_json(w, env, f);
	cJSON_Delete(env);
	return st;
}

enum sfp_status
sfp_hmac_sign_run(const struct sfp_hsign_opts *o, int in_fd, FILE *out, struct sfp_fail *f)
{
	struct sfp_keyring *kr = NULL;
	const struct sfp_tenant *t;
	const struct sfp_key *k;
	struct sfp_writer w;
	char *buf = NULL;
	size_t len = 0;
	int64_t ts = sfp_envelope_now(o->timestamp);
	enum sfp_status st, worst = SFP_OK;

	sfp_writer_init(&w, out, "<stdout>", o->pretty);
	if (o->id != NULL && !sfp_sw_id_ok(o->id, strlen(o->id)))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, "--id",
		    "an id is 1 to %d printable characters without '.', space or quotes", SFP_SW_ID_MAX);
	if ((st = sfp_keyring_load(o->keyring, &kr, f)) != SFP_OK)
		return st;
	if ((t = sfp_keyring_tenant(kr, o->tenant)) == NULL) {
		st = sfp_fail_set(f, SFP_E_INPUT, "unknown-tenant", o->keyring,
		    "no tenant %s in the keyring", o->tenant);
		goto out;
	}
	if ((k = sfp_tenant_signing_key(t, ts)) == NULL) {
		st = sfp_fail_set(f, SFP_E_INPUT, "no-key", o->keyring,
		    "tenant %s has no key valid at %" PRId64, o->tenant, ts);
		goto out;
	}
	if (!o->lines) {
		if ((st = sfp_read_fd(in_fd, "<stdin>", SFP_ENV_BODY_MAX, &buf, &len, f)) != SFP_OK)
			goto out;
		len = sfp_env_body_len(buf, len, o->raw);
		if (!sfp_utf8_valid(buf, len)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "malformed", "<stdin>",
			    "body is not valid utf-8 without nul bytes");
			goto out;
		}
		st = sign_one(o, t, k, ts, buf, len, &w, f);
	} else {
		/* One line at a time, so a stream of any length runs in bounded memory. */
		int fd2 = dup(in_fd);
		FILE *in = fd2 == -1 ? NULL : fdopen(fd2, "r");
		size_t cap = 0;
		ssize_t n;
		unsigned long lineno = 0;

		if (in == NULL) {
			if (fd2 != -1)
				(void)close(fd2);
			st = sfp_fail_set(f, SFP_E_IO, "read", "<stdin>", "%s", strerror(errno));
			goto out;
		}
		while (st == SFP_OK && (n = getline(&buf, &cap, in)) != -1) {
			len = (size_t)n;
			lineno++;
			if (len > 0 && buf[len - 1] == '\n')
				len--;
			if (len == 0)
				continue;   /* empty lines carry nothing to sign */
			if (len > SFP_ENV_BODY_MAX || !sfp_utf8_valid(buf, len)) {
				st = sign_refusal(&w, buf, len, lineno, f);
				worst = SFP_E_ITEM;
			} else {
				st = sign_one(o, t, k, ts, buf, len, &w, f);
			}
		}
		if (st == SFP_OK && ferror(in))
			st = sfp_fail_set(f, SFP_E_IO, "read", "<stdin>", "%s", strerror(errno));
		(void)fclose(in);
	}
out:
	{
		struct sfp_fail f2;
		enum sfp_status st2 = sfp_writer_fini(&w, &f2);
		if (st == SFP_OK && st2 != SFP_OK) {
			*f = f2;
			st = st2;
		}
	}
	free(buf);
	sfp_keyring_free(kr);
	return st != SFP_OK ? st : worst;
}
