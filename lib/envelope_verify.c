/* SPDX-License-Identifier: ISC */
/* envelope_verify: hmac-verify's checks of one envelope, the batch commit and the run. */
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

#include "envelope_int.h"
#include "file.h"
#include "num.h"

int64_t
sfp_envelope_now(int64_t given)
{
	return given >= 0 ? given : (int64_t)time(NULL);
}

void
sfp_env_refuse(struct item *it, const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(void)sfp_fail_set(&it->why, SFP_E_ITEM, code, NULL, "%s", msg);
}

/* Decide everything but the replay store for one envelope item. */
void
sfp_env_check_item(struct vctx *c, struct item *it)
{
	const cJSON *m, *env = it->env;
	const char *sig = NULL;
	const struct sfp_tenant *t;
	int have = 0, ok = 0;
	size_t i;

	if (!cJSON_IsObject(env)) {
		sfp_env_refuse(it, "malformed", "%s", "an envelope is a json object");
		return;
	}
	cJSON_ArrayForEach(m, env) {
		const char *k = m->string;
		if (strcmp(k, "tenant") == 0 && cJSON_IsString(m)) {
			it->tenant = m->valuestring;
			have |= 1;
		} else if (strcmp(k, "id") == 0 && cJSON_IsString(m)) {
			it->id = m->valuestring;
			have |= 2;
		} else if (strcmp(k, "timestamp") == 0 && cJSON_IsNumber(m)) {
			double d = m->valuedouble;
			if (!(d >= 0 && d <= 9007199254740991.0 && (double)(int64_t)d == d)) {
				sfp_env_refuse(it, "malformed", "%s", "timestamp must be whole unix seconds");
				return;
			}
			it->ts = (int64_t)d;
			have |= 4;
		} else if (strcmp(k, "signature") == 0 && cJSON_IsString(m)) {
			sig = m->valuestring;
			have |= 8;
		} else if (strcmp(k, "body") == 0 && cJSON_IsString(m)) {
			it->body = m->valuestring;
			it->bodylen = strlen(m->valuestring);
			have |= 16;
		} else {
			sfp_env_refuse(it, "malformed", "member %s is unknown or of the wrong type",
			    strlen(k) < 40 ? k : "(long name)");
			return;
		}
	}
	if (have != 31) {
		sfp_env_refuse(it, "malformed", "%s",
		    "an envelope needs tenant, id, timestamp, signature and body");
		return;
	}
	if (!sfp_sw_id_ok(it->id, strlen(it->id))) {
		sfp_env_refuse(it, "malformed", "%s", "id must be printable ascii without '.', space or quotes");
		return;
	}
	if (!sfp_sw_sigs_wellformed(sig, strlen(sig))) {
		sfp_env_refuse(it, "malformed", "%s", "signature holds no v1,<base64 of 32 bytes> item");
		return;
	}
	if ((c->o->tenant != NULL && strcmp(c->o->tenant, it->tenant) != 0) ||
	    (t = sfp_keyring_tenant(c->kr, it->tenant)) == NULL) {
		sfp_env_refuse(it, "unknown-tenant", "tenant %s is not in the keyring",
		    strlen(it->tenant) <= SFP_TENANT_MAX && sfp_utf8_valid(it->tenant, strlen(it->tenant))
		    ? it->tenant : "(unprintable)");
		return;
	}
	if (c->now - it->ts > c->tol) {
		(void)sfp_fail_set(&it->why, SFP_E_ITEM, "stale", NULL,
		    "timestamp is %" PRId64 " s old, more than the %ld s tolerance", c->now - it->ts,
		    c->tol);
		return;
	}
	if (it->ts - c->now > c->tol) {
		(void)sfp_fail_set(&it->why, SFP_E_ITEM, "future", NULL,
		    "timestamp is %" PRId64 " s in the future, more than the %ld s tolerance",
		    it->ts - c->now, c->tol);
		return;
	}
	/* Every key of the claimed tenant valid at the message's time: rotation.
	 * Each MAC is compared in constant time; stopping at the first key that
	 * matches tells a timer only which of the tenant's keys signed. */
	for (i = 0; i < t->nkeys && !ok; i++)
		if (sfp_key_valid_at(&t->keys[i], it->ts))
			ok |= sfp_sw_verify(t->keys[i].key->bytes, t->keys[i].key->len, it->id, it->ts,
			    it->body, it->bodylen, sig, strlen(sig));
	if (!ok) {
		sfp_env_refuse(it, "bad-signature", "%s", "no signature matches a key of the tenant");
		return;
	}
	if (sfp_env_check_body(c, it))
		it->pending = 1;
}

int
sfp_env_check_body(struct vctx *c, struct item *it)
{
	cJSON *b = NULL;
	struct sfp_fail pf;
	int one_line = memchr(it->body, '\n', it->bodylen) == NULL &&
	    memchr(it->body, '\r', it->bodylen) == NULL;

	if (c->o->tagged) {
		/* The body goes out inside the tagged line byte for byte, so it
		 * must be one JSON value on one line, held to the reader's rules
		 * (no duplicate keys) that sf-map applies to the line. */
		if (!one_line || sfp_json_parse(it->body, it->bodylen, "body", 0, &b, &pf) != SFP_OK) {
			sfp_env_refuse(it, "malformed", "%s",
			    "signature verified but the body is not one line of json; --tagged needs one");
			return 0;
		}
		cJSON_Delete(b);
		return 1;
	}
	if (!c->o->envelope && !c->raw_body_out) {
		/* The default output is the body as one JSON Lines item. */
		if (!one_line ||
		    (b = cJSON_ParseWithLengthOpts(it->body, it->bodylen + 1, NULL, 1)) == NULL) {
			sfp_env_refuse(it, "malformed", "%s",
			    "signature verified but the body is not one line of json; use --envelope");
			return 0;
		}
		cJSON_Delete(b);
	}
	return 1;
}

/* {"tenant":<the keyring's tenant>,"body":<the verified body bytes>}: the
 * tenant comes from the match, and the body, nested, cannot change it. */
#define TAG_HEAD "{\"tenant\":"
#define TAG_MID ",\"body\":"
#define TAG_TAIL "}\n"

enum sfp_status
sfp_tagged_line(const char *tenant, const char *body, size_t bodylen, char **line, size_t *len,
    struct sfp_fail *f)
{
	cJSON *t = cJSON_CreateString(tenant);
	char *ts = t != NULL ? cJSON_PrintUnformatted(t) : NULL, *p;
	size_t tl = ts != NULL ? strlen(ts) : 0;

	cJSON_Delete(t);
	*line = NULL;
	*len = sizeof TAG_HEAD - 1 + tl + sizeof TAG_MID - 1 + bodylen + sizeof TAG_TAIL - 1;
	if (ts == NULL || (p = malloc(*len)) == NULL) {
		cJSON_free(ts);
		return sfp_fail_oom(f, NULL);
	}
	*line = p;
	memcpy(p, TAG_HEAD, sizeof TAG_HEAD - 1);
	p += sizeof TAG_HEAD - 1;
	memcpy(p, ts, tl);
	p += tl;
	memcpy(p, TAG_MID, sizeof TAG_MID - 1);
	p += sizeof TAG_MID - 1;
	memcpy(p, body, bodylen);
	p += bodylen;
	memcpy(p, TAG_TAIL, sizeof TAG_TAIL - 1);
	cJSON_free(ts);
	return SFP_OK;
}

static enum sfp_status
write_tagged(struct vctx *c, const struct item *it, struct sfp_fail *f)
{
	char *line;
	size_t len;
	enum sfp_status st;

	if ((st = sfp_tagged_line(it->tenant, it->body, it->bodylen, &line, &len, f)) != SFP_OK)
		return st;
	st = sfp_write_raw(&c->w, line, len, f);
	free(line);
	return st;
}

static enum sfp_status
write_refusal(struct vctx *c, struct item *it, struct sfp_fail *f)
{
	cJSON *o = cJSON_CreateObject(), *e, *in = NULL;
	enum sfp_status st;

	if (o == NULL)
		return sfp_fail_oom(f, NULL);
	if (it->id != NULL)
		(void)cJSON_AddStringToObject(o, "id", it->id);
	else
		(void)cJSON_AddNullToObject(o, "id");
	if (it->tenant != NULL)
		(void)cJSON_AddStringToObject(o, "tenant", it->tenant);
	else
		(void)cJSON_AddNullToObject(o, "tenant");
	(void)cJSON_AddFalseToObject(o, "ok");
	if ((e = sfp_fail_to_json(&it->why)) != NULL)
		cJSON_AddItemToObject(o, "error", e);
	if (it->env != NULL) {
		in = cJSON_Duplicate(it->env, 1);
	} else if (it->raw != NULL && sfp_utf8_valid(it->raw, it->rawlen)) {
		char *s = malloc(it->rawlen + 1);
		if (s != NULL) {
			memcpy(s, it->raw, it->rawlen);
			s[it->rawlen] = '\0';
			in = cJSON_CreateString(s);
			free(s);
		}
	}
	if (in == NULL)
		in = cJSON_CreateNull();
	if (in != NULL)
		cJSON_AddItemToObject(o, "input", in);
	st = sfp_write_json(&c->w, o, f);
	if (st == SFP_OK && c->rej != NULL)
		st = sfp_write_json(&c->rw, o, f);
	cJSON_Delete(o);
	return st;
}

static enum sfp_status
write_accepted(struct vctx *c, struct item *it, struct sfp_fail *f)
{
	enum sfp_status st;

	if (c->o->tagged)
		return write_tagged(c, it, f);
	if (c->o->envelope) {
		if (c->raw_body_out) {
			/* headers mode: build the envelope from what was verified */
			cJSON *o = cJSON_CreateObject();
			char *s = malloc(it->bodylen + 1);
			if (o == NULL || s == NULL) {
				free(s);
				cJSON_Delete(o);
				return sfp_fail_oom(f, NULL);
			}
			memcpy(s, it->body, it->bodylen);
			s[it->bodylen] = '\0';
			(void)cJSON_AddStringToObject(o, "tenant", it->tenant);
			(void)cJSON_AddStringToObject(o, "id", it->id);
			(void)cJSON_AddNumberToObject(o, "timestamp", (double)it->ts);
			(void)cJSON_AddStringToObject(o, "body", s);
			free(s);
			st = sfp_write_json(&c->w, o, f);
			cJSON_Delete(o);
			return st;
		}
		return sfp_write_json(&c->w, it->env, f);
	}
	if (c->raw_body_out)
		return sfp_write_raw(&c->w, it->body, it->bodylen, f);
	if ((st = sfp_write_raw(&c->w, it->body, it->bodylen, f)) != SFP_OK)
		return st;
	return sfp_write_raw(&c->w, "\n", 1, f);
}

void
sfp_env_item_free(struct item *it)
{
	cJSON_Delete(it->env);
	free(it->raw);
	free(it->sig);
	memset(it, 0, sizeof *it);
}

/* Record the batch's verified ids, then write every item of it in order. */
enum sfp_status
sfp_env_flush(struct vctx *c, struct sfp_fail *f)
{
	size_t i, k = 0;
	enum sfp_status st = SFP_OK;

	for (i = 0; i < c->n; i++)
		if (c->items[i].pending) {
			c->keys[k].tenant = c->items[i].tenant;
			c->keys[k].id = c->items[i].id;
			c->keys[k].expires = c->items[i].ts + SFP_REPLAY_WINDOW;
			k++;
		}
	if (k > 0) {
		st = sfp_replay_claim(c->rs, c->keys, k, c->fresh, c->now, f);
		if (st != SFP_OK)
			goto out;   /* nothing of this batch is written as accepted */
	}
	k = 0;
	for (i = 0; i < c->n && st == SFP_OK; i++) {
		struct item *it = &c->items[i];
		if (it->pending && !c->fresh[k++]) {
			it->pending = 0;
			sfp_env_refuse(it, "replayed", "%s", "id already accepted for this tenant within the window");
		}
		if (it->pending) {
			st = write_accepted(c, it, f);
			c->stats->accepted++;
		} else {
			st = write_refusal(c, it, f);
			c->stats->refused++;
		}
	}
	/* The ids are recorded: hand the messages to the kernel now, not when
	 * stdio's buffer fills, so a process killed after this batch cannot take
	 * accepted messages with it.  What remains is the time of the write
	 * itself (see hmac-verify(1), CAVEATS). */
	if (st == SFP_OK && fflush(c->w.fp) != 0)
		st = sfp_fail_set(f, SFP_E_IO, "write", c->w.name, "%s", strerror(errno));
	if (st == SFP_OK && c->rej != NULL && fflush(c->rej) != 0)
		st = sfp_fail_set(f, SFP_E_IO, "write", c->rw.name, "%s", strerror(errno));
out:
	for (i = 0; i < c->n; i++)
		sfp_env_item_free(&c->items[i]);
	c->n = 0;
	c->held = 0;
	return st;
}

int
sfp_hverify_shared_opt(struct sfp_hverify_shared *s, int c, const char *arg,
    struct sfp_fail *f)
{
	switch (c) {
	case 'k': s->keyring = arg; return 1;
	case 'r': s->replay_store = arg; return 1;
	case 'A': s->redis.auth_file = arg; return 1;
	case 'C': s->redis.ca_file = arg; return 1;
	case 'T':
		return sfp_parse_option("tolerance", arg, 1, SFP_REPLAY_WINDOW, &s->tolerance, f) ==
		    SFP_OK ? 1 : -1;
	default: return 0;
	}
}

enum sfp_status
sfp_hverify_shared_check(const struct sfp_hverify_shared *s, struct sfp_fail *f)
{
	if (s->keyring == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--keyring is required");
	if (s->tolerance > SFP_REPLAY_WINDOW || s->tolerance < 0)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL,
		    "--tolerance: at most %d s, the replay store's window", SFP_REPLAY_WINDOW);
	return SFP_OK;
}

enum sfp_status
sfp_hverify_shared_open(const struct sfp_hverify_shared *s, struct sfp_keyring **kr,
    struct sfp_replay **rs, struct sfp_fail *f)
{
	enum sfp_status st;

	*kr = NULL;
	*rs = NULL;
	if ((st = sfp_hverify_shared_check(s, f)) != SFP_OK ||
	    (st = sfp_keyring_load(s->keyring, kr, f)) != SFP_OK)
		return st;
	return sfp_replay_open(s->replay_store, &s->redis, rs, f);
}

enum sfp_status
sfp_hverify_opts_check(const struct sfp_hverify_opts *o, struct sfp_fail *f)
{
	enum sfp_status st;

	if ((st = sfp_hverify_shared_check(&o->shared, f)) != SFP_OK)
		return st;
	if (o->headers != NULL && o->tenant == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--headers needs --tenant");
	if (o->tagged && o->envelope)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--tagged and --envelope exclude each other");
	if (o->raw && o->headers == NULL)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--raw goes with --headers");
	if (o->rfc9421 && (o->headers == NULL || o->method == NULL || o->url == NULL))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL,
		    "--scheme rfc9421 needs --headers, --method and --url");
	if (!o->rfc9421 && (o->method != NULL || o->url != NULL))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--method and --url go with --scheme rfc9421");
	return SFP_OK;
}

enum sfp_status
sfp_hmac_verify_run(const struct sfp_hverify_opts *o, int in_fd, FILE *out,
    struct sfp_hverify_stats *stats, struct sfp_fail *f)
{
	struct vctx c;
	enum sfp_status st;
	struct sfp_hverify_stats dummy;
	size_t refused0;

	memset(&c, 0, sizeof c);
	memset(&dummy, 0, sizeof dummy);
	c.o = o;
	c.stats = stats != NULL ? stats : &dummy;
	refused0 = c.stats->refused;   /* stats may carry counts from earlier runs */
	c.now = sfp_envelope_now(o->now);
	c.tol = o->shared.tolerance > 0 ? o->shared.tolerance : SFP_SW_TOLERANCE;
	c.cap = o->batch > 0 ? o->batch : 4096;
	sfp_writer_init(&c.w, out, "<stdout>", o->pretty);
	if ((st = sfp_hverify_opts_check(o, f)) != SFP_OK)
		return st;
	c.items = calloc(c.cap, sizeof *c.items);
	c.keys = calloc(c.cap, sizeof *c.keys);
	c.fresh = calloc(c.cap, sizeof *c.fresh);
	if (c.items == NULL || c.keys == NULL || c.fresh == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	if ((st = sfp_hverify_shared_open(&o->shared, &c.kr, &c.rs, f)) != SFP_OK)
		goto out;
	if (o->rejects != NULL) {
		if ((st = sfp_file_fopen_append(o->rejects, &c.rej, f)) != SFP_OK)
			goto out;
		sfp_writer_init(&c.rw, c.rej, o->rejects, 0);
	}
	if (o->headers != NULL)
		st = sfp_env_verify_request(&c, in_fd, f);
	else
		st = sfp_env_verify_stream(&c, in_fd, f);
out:
	{
		struct sfp_fail f2;
		enum sfp_status st2 = sfp_writer_fini(&c.w, &f2);
		if (st == SFP_OK && st2 != SFP_OK) {
			*f = f2;
			st = st2;
		}
		if (c.rej != NULL) {
			st2 = sfp_writer_fini(&c.rw, &f2);
			if (fclose(c.rej) != 0 && st2 == SFP_OK)
				st2 = sfp_fail_set(&f2, SFP_E_IO, "rejects", o->rejects, "%s",
				    strerror(errno));
			if (st == SFP_OK && st2 != SFP_OK) {
				*f = f2;
				st = st2;
			}
		}
	}
	sfp_replay_close(c.rs);
	sfp_keyring_free(c.kr);
	free(c.items);
	free(c.keys);
	free(c.fresh);
	if (st == SFP_OK && c.stats->refused > refused0)
		return SFP_E_ITEM;
	return st;
}
