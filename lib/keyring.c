/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keyring.h"
#include "sign.h"
#include "stream.h"

#define KEYRING_MAX (4u * 1024u * 1024u)

int
sfp_rfc3339_parse(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se, n = 0;
	size_t len = strlen(s), i;
	time_t t;

	if (len < 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	for (i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return 0;
	i = 19;
	if (s[i] == '.') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (s[i] != 'Z' || s[i + 1] != '\0')
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (tm.tm_mday != d)   /* 2026-02-30 normalised away: refuse */
		return 0;
	*out = (int64_t)t;
	return 1;
}

static void
free_tenants(struct sfp_tenant *ts, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < ts[i].nkeys; j++)
			sfp_secret_free(ts[i].keys[j].key);
		free(ts[i].keys);
	}
	free(ts);
}

void
sfp_keyring_free(struct sfp_keyring *kr)
{
	if (kr == NULL)
		return;
	free_tenants(kr->tenants, kr->ntenants);
	free(kr);
}

/* Wipe every string in a parsed keyring tree before it is freed: cJSON copied
 * the secrets into ordinary heap memory. */
static void
wipe_tree(cJSON *n)
{
	for (; n != NULL; n = n->next) {
		if (n->valuestring != NULL)
			sodium_memzero(n->valuestring, strlen(n->valuestring));
		wipe_tree(n->child);
	}
}

static int
printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return n > 0 && n <= max;
}

static enum sfp_status
load_key(const cJSON *o, const char *tenant, size_t idx, const char *src, struct sfp_key *k,
    struct sfp_fail *f)
{
	const cJSON *m;
	unsigned char buf[64];
	size_t keylen;
	char place[320];
	enum sfp_status st;

	(void)snprintf(place, sizeof place, "%s: tenant %s: key %zu", src, tenant, idx);
	k->not_before = INT64_MIN;
	k->not_after = INT64_MAX;
	if (!cJSON_IsObject(o))
		return sfp_fail_set(f, SFP_E_INPUT, "keyring", place, "a key must be an object");
	cJSON_ArrayForEach(m, o) {
		if (strcmp(m->string, "id") == 0) {
			if (!cJSON_IsString(m) || !sfp_sw_id_ok(m->valuestring, strlen(m->valuestring)) ||
			    strlen(m->valuestring) >= sizeof k->id)
				return sfp_fail_set(f, SFP_E_INPUT, "keyring", place,
				    "id must be 1 to 63 printable characters without '.', space or quotes");
			memcpy(k->id, m->valuestring, strlen(m->valuestring) + 1);
		} else if (strcmp(m->string, "secret") == 0) {
			if (!cJSON_IsString(m))
				return sfp_fail_set(f, SFP_E_INPUT, "keyring", place,
				    "secret must be a string");
			st = sfp_sw_secret_decode(m->valuestring, strlen(m->valuestring), buf,
			    sizeof buf, &keylen, f);
			if (st != SFP_OK) {
				sfp_fail_wrap_place(f, place);
				return SFP_E_INPUT;
			}
			st = sfp_secret_from_bytes(buf, keylen, &k->key, f);
			sodium_memzero(buf, sizeof buf);
			if (st != SFP_OK)
				return st;
		} else if (strcmp(m->string, "not_before") == 0 ||
		    strcmp(m->string, "not_after") == 0) {
			int64_t *t = m->string[4] == 'b' ? &k->not_before : &k->not_after;
			if (!cJSON_IsString(m) || !sfp_rfc3339_parse(m->valuestring, t))
				return sfp_fail_set(f, SFP_E_INPUT, "keyring", place,
				    "%s must be an RFC 3339 UTC time like 2026-12-01T00:00:00Z",
				    m->string);
		} else {
			return sfp_fail_set(f, SFP_E_INPUT, "keyring", place,
			    "unknown member (want id, secret, not_before, not_after)");
		}
	}
	if (k->id[0] == '\0' || k->key == NULL)
		return sfp_fail_set(f, SFP_E_INPUT, "keyring", place, "a key needs an id and a secret");
	if (k->not_before != INT64_MIN && k->not_after != INT64_MAX &&
	    k->not_before > k->not_after)
		return sfp_fail_set(f, SFP_E_INPUT, "keyring", place, "not_before is after not_after");
	return SFP_OK;
}

/*
 * HMAC sees a key only as one 64-byte block (RFC 2104, section 2): a longer key
 * is replaced by its SHA-256, a shorter one padded with zero bytes.  So "k" and
 * "k\0", or a long key and its digest, are one key to HMAC and must count as
 * one secret here.
 */
#define HMAC_BLOCK 64

static void
hmac_block(const struct sfp_secret *k, unsigned char out[HMAC_BLOCK])
{
	memset(out, 0, HMAC_BLOCK);
	if (k->len > HMAC_BLOCK)
		crypto_hash_sha256(out, k->bytes, k->len);
	else
		memcpy(out, k->bytes, k->len);
}

static int
same_key(const struct sfp_key *a, const struct sfp_key *b)
{
	unsigned char ba[HMAC_BLOCK], bb[HMAC_BLOCK];
	int same;

	hmac_block(a->key, ba);
	hmac_block(b->key, bb);
	same = sodium_memcmp(ba, bb, HMAC_BLOCK) == 0;
	sodium_memzero(ba, sizeof ba);
	sodium_memzero(bb, sizeof bb);
	return same;
}

static enum sfp_status
keyring_from_tree(const cJSON *root, const char *src, struct sfp_keyring **out,
    struct sfp_fail *f)
{
	struct sfp_keyring *kr;
	const cJSON *t, *k;
	size_t n, i, j, a, b;
	enum sfp_status st;

	if (!cJSON_IsObject(root))
		return sfp_fail_set(f, SFP_E_INPUT, "keyring", src,
		    "a keyring is an object of tenant names to key lists");
	if ((kr = calloc(1, sizeof *kr)) == NULL)
		return sfp_fail_oom(f, NULL);
	n = (size_t)cJSON_GetArraySize(root);
	if (n > 0 && (kr->tenants = calloc(n, sizeof *kr->tenants)) == NULL) {
		free(kr);
		return sfp_fail_oom(f, NULL);
	}
	cJSON_ArrayForEach(t, root) {
		struct sfp_tenant *tt = &kr->tenants[kr->ntenants];
		size_t nk;

		if (t->string[0] == '_' && cJSON_IsString(t))
			continue;   /* a comment, such as the demo keyring's warning */

		if (!printable(t->string, SFP_TENANT_MAX)) {
			st = sfp_fail_set(f, SFP_E_INPUT, "keyring", src,
			    "tenant names are 1 to %d printable characters", SFP_TENANT_MAX);
			goto fail;
		}
		memcpy(tt->name, t->string, strlen(t->string) + 1);
		kr->ntenants++;
		nk = cJSON_IsArray(t) ? (size_t)cJSON_GetArraySize(t) : 0;
		if (nk == 0) {
			st = sfp_fail_set(f, SFP_E_INPUT, "keyring", src,
			    "tenant %s: want a non-empty array of keys", tt->name);
			goto fail;
		}
		if ((tt->keys = calloc(nk, sizeof *tt->keys)) == NULL) {
			st = sfp_fail_oom(f, NULL);
			goto fail;
		}
		cJSON_ArrayForEach(k, t) {
			st = load_key(k, tt->name, tt->nkeys, src, &tt->keys[tt->nkeys], f);
			tt->nkeys++;
			if (st != SFP_OK)
				goto fail;
			for (j = 0; j + 1 < tt->nkeys; j++)
				if (strcmp(tt->keys[j].id, tt->keys[tt->nkeys - 1].id) == 0) {
					st = sfp_fail_set(f, SFP_E_INPUT, "keyring", src,
					    "tenant %s: key id %s appears twice", tt->name, tt->keys[j].id);
					goto fail;
				}
		}
	}
	/* One secret for two tenants would let either sign as the other. */
	for (a = 0; a < kr->ntenants; a++)
		for (b = a + 1; b < kr->ntenants; b++)
			for (i = 0; i < kr->tenants[a].nkeys; i++)
				for (j = 0; j < kr->tenants[b].nkeys; j++)
					if (same_key(&kr->tenants[a].keys[i], &kr->tenants[b].keys[j])) {
						st = sfp_fail_set(f, SFP_E_INPUT, "keyring-shared-secret", src,
						    "tenants %s (key %s) and %s (key %s) share a secret",
						    kr->tenants[a].name, kr->tenants[a].keys[i].id,
						    kr->tenants[b].name, kr->tenants[b].keys[j].id);
						goto fail;
					}
	*out = kr;
	return SFP_OK;
fail:
	sfp_keyring_free(kr);
	return st;
}

enum sfp_status
sfp_keyring_parse(const char *buf, size_t len, const char *source, struct sfp_keyring **out,
    struct sfp_fail *f)
{
	cJSON *root = NULL;
	enum sfp_status st;

	*out = NULL;
	st = sfp_json_parse(buf, len, source, 8, &root, f);
	if (st != SFP_OK)
		return st;
	st = keyring_from_tree(root, source, out, f);
	wipe_tree(root);
	cJSON_Delete(root);
	return st;
}

enum sfp_status
sfp_keyring_load(const char *path, struct sfp_keyring **out, struct sfp_fail *f)
{
	struct sfp_secret *raw = NULL;
	enum sfp_status st;

	*out = NULL;
	st = sfp_secret_read_checked(path, KEYRING_MAX, &raw, f);
	if (st != SFP_OK)
		return st;
	st = sfp_keyring_parse((const char *)raw->bytes, raw->len, path, out, f);
	sfp_secret_free(raw);
	return st;
}

const struct sfp_tenant *
sfp_keyring_tenant(const struct sfp_keyring *kr, const char *name)
{
	size_t i;

	for (i = 0; i < kr->ntenants; i++)
		if (strcmp(kr->tenants[i].name, name) == 0)
			return &kr->tenants[i];
	return NULL;
}

int
sfp_key_valid_at(const struct sfp_key *k, int64_t t)
{
	return t >= k->not_before && t <= k->not_after;
}

const struct sfp_key *
sfp_tenant_signing_key(const struct sfp_tenant *t, int64_t now)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (sfp_key_valid_at(&t->keys[i], now))
			return &t->keys[i];
	return NULL;
}

/*
 * Hold "<keyring>.lock" (created 0600, never through a symlink, owned by us)
 * with flock(2) across read, change and rename: two --new-key runs at once
 * would otherwise both read the old file and the later rename would drop the
 * other's key.  Returns the lock's fd, or -1 with f filled.
 */
static int
lock_keyring(const char *path, struct sfp_fail *f)
{
	char lp[PATH_MAX];
	struct stat sb;
	int fd, n = snprintf(lp, sizeof lp, "%s.lock", path);

	if (n < 0 || (size_t)n >= sizeof lp) {
		(void)sfp_fail_set(f, SFP_E_INPUT, "keyring", path, "path too long");
		return -1;
	}
	fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd == -1) {
		(void)sfp_fail_set(f, SFP_E_IO, "keyring-lock", lp, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 022) != 0) {
		(void)sfp_fail_set(f, SFP_E_INPUT, "keyring-lock", lp,
		    "lock file must be a regular file of ours, not writable by group or others");
		(void)close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			(void)sfp_fail_set(f, SFP_E_IO, "keyring-lock", lp, "%s", strerror(errno));
			(void)close(fd);
			return -1;
		}
	}
	return fd;
}

static enum sfp_status new_key_locked(const char *path, const char *tenant,
    const char *key_id, char *id_out, size_t id_cap, struct sfp_fail *f);

enum sfp_status
sfp_keyring_new_key(const char *path, const char *tenant, const char *key_id, int64_t now,
    char *id_out, size_t id_cap, struct sfp_fail *f)
{
	char idbuf[SFP_KEY_ID_MAX];
	enum sfp_status st;
	int lock;

	if (!printable(tenant, SFP_TENANT_MAX))
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "bad tenant name");
	if (key_id == NULL) {
		time_t tt = (time_t)now;
		struct tm tm;
		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(idbuf, sizeof idbuf, "%Y%m%dT%H%M%SZ", &tm) == 0)
			return sfp_fail_set(f, SFP_E_INTERNAL, NULL, NULL, "cannot format the time");
		key_id = idbuf;
	}
	if (!sfp_sw_id_ok(key_id, strlen(key_id)) || strlen(key_id) >= SFP_KEY_ID_MAX)
		return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL,
		    "key id must be 1 to 63 printable characters without '.', space or quotes");
	if ((lock = lock_keyring(path, f)) == -1)
		return f->status;
	st = new_key_locked(path, tenant, key_id, id_out, id_cap, f);
	(void)close(lock);   /* releases the flock */
	return st;
}

static enum sfp_status
new_key_locked(const char *path, const char *tenant, const char *key_id, char *id_out,
    size_t id_cap, struct sfp_fail *f)
{
	struct sfp_secret *raw = NULL;
	struct sfp_keyring *check = NULL;
	cJSON *root = NULL, *list, *key = NULL, *it;
	unsigned char bytes[32];
	char secret[80];
	char *text = NULL;
	enum sfp_status st;
	struct stat sb;

	if (lstat(path, &sb) == 0) {
		st = sfp_secret_read_checked(path, KEYRING_MAX, &raw, f);
		if (st != SFP_OK)
			return st;
		st = sfp_json_parse((const char *)raw->bytes, raw->len, path, 8, &root, f);
		sfp_secret_free(raw);
		if (st != SFP_OK)
			return st;
	} else if (errno == ENOENT) {
		if ((root = cJSON_CreateObject()) == NULL)
			return sfp_fail_oom(f, NULL);
	} else {
		return sfp_fail_set(f, SFP_E_INPUT, "keyring", path, "%s", strerror(errno));
	}
	st = keyring_from_tree(root, path, &check, f);
	if (st != SFP_OK)
		goto out;
	{
		const struct sfp_tenant *t = sfp_keyring_tenant(check, tenant);
		size_t i;
		for (i = 0; t != NULL && i < t->nkeys; i++)
			if (strcmp(t->keys[i].id, key_id) == 0) {
				st = sfp_fail_set(f, SFP_E_INPUT, "keyring", path,
				    "tenant %s already has a key %s", tenant, key_id);
				goto out;
			}
	}
	randombytes_buf(bytes, sizeof bytes);
	st = sfp_sw_secret_encode(bytes, sizeof bytes, secret, sizeof secret, f);
	sodium_memzero(bytes, sizeof bytes);
	if (st != SFP_OK)
		goto out;
	if ((key = cJSON_CreateObject()) == NULL || cJSON_AddStringToObject(key, "id", key_id) == NULL ||
	    cJSON_AddStringToObject(key, "secret", secret) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	list = cJSON_GetObjectItemCaseSensitive(root, tenant);
	if (list == NULL) {
		if ((list = cJSON_CreateArray()) == NULL) {
			st = sfp_fail_oom(f, NULL);
			goto out;
		}
		cJSON_AddItemToObject(root, tenant, list);
	}
	/* newest first: the new key signs from now on, the older ones still verify */
	it = list->child;
	key->next = it;
	key->prev = it != NULL ? it->prev : key;
	if (it != NULL)
		it->prev = key;
	list->child = key;
	key = NULL;
	if ((text = cJSON_Print(root)) == NULL) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	{
		size_t tl = strlen(text);
		text[tl] = '\n';   /* replaces the NUL; written by length */
		st = sfp_secret_write_file(path, text, tl + 1, 1, f);
		sodium_memzero(text, tl + 1);
	}
	if (st == SFP_OK && id_out != NULL)
		(void)snprintf(id_out, id_cap, "%s", key_id);
out:
	sodium_memzero(secret, sizeof secret);
	free(text);
	cJSON_Delete(key);
	if (root != NULL)
		wipe_tree(root);
	cJSON_Delete(root);
	sfp_keyring_free(check);
	return st;
}
