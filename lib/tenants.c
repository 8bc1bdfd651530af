/* SPDX-License-Identifier: ISC */
/* tenants: find, check and read one tenant's directory on first use. */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream.h"
#include "tenants.h"

/* Beyond this many cached refusals (unknown names), a refusal is looked up
 * again each time rather than kept: names come from input. */
#define MAX_CACHED_REFUSALS 4096
#define TENANT_JSON_MAX (64 * 1024)

struct entry {
	struct sfp_tenant_conf conf;
	enum sfp_status st;          /* SFP_OK, or why the tenant is refused */
	struct sfp_fail fail;
};

struct sfp_tenants {
	char path[SFP_TENANTS_PATH];
	int dirfd;
	struct entry **v;            /* owned entries, in load order */
	size_t n, cap, nrefused, nslots;
	const char **names;          /* sfp_tenants_list's answer, kept for the set */
	char **name_store;
	size_t nnames;
};

int
sfp_tenant_name_valid(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n > SFP_TENANT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return strstr(name, "..") == NULL;
}

const char *
sfp_tenants_dir_default(const char *dir)
{
	const char *env;

	if (dir != NULL && dir[0] != '\0')
		return dir;
	env = getenv("SFPIPE_TENANTS");
	return env != NULL && env[0] != '\0' ? env : NULL;
}

/* The trust rule for everything under DIR: ours (or root's), and nobody else
 * may write it.  what names it in the message. */
static const char *
untrusted(const struct stat *sb)
{
	if (sb->st_uid != geteuid() && sb->st_uid != 0)
		return "owned by another user";
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return "writable by group or others (run chmod go-w)";
	return NULL;
}

enum sfp_status
sfp_tenants_open(const char *dir, struct sfp_tenants **out, struct sfp_fail *f)
{
	struct sfp_tenants *ts;
	struct stat sb;
	const char *why;
	size_t len;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return sfp_fail_set(f, SFP_E_USAGE, "no-tenants", NULL,
		    "no tenants directory: use --tenants DIR or set SFPIPE_TENANTS");
	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return sfp_fail_oom(f, NULL);
	len = strlen(dir);
	/* A trailing slash would make open(2) follow a link named DIR. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= sizeof(ts->path)) {
		free(ts);
		return sfp_fail_set(f, SFP_E_INPUT, "bad-tenants-dir", NULL, "path too long");
	}
	memcpy(ts->path, dir, len);
	ts->path[len] = '\0';
	ts->dirfd = open(ts->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ts->dirfd == -1) {
		int e = errno;
		struct stat lsb;
		free(ts);
		/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR or ELOOP for a link. */
		if (lstat(dir, &lsb) == 0 && S_ISLNK(lsb.st_mode))
			return sfp_fail_set(f, SFP_E_INPUT, "bad-tenants-dir", dir,
			    "a symbolic link (not followed)");
		return sfp_fail_set(f, SFP_E_INPUT, "bad-tenants-dir", dir, "%s", strerror(e));
	}
	why = fstat(ts->dirfd, &sb) == -1 ? strerror(errno) : untrusted(&sb);
	if (why != NULL) {
		(void)close(ts->dirfd);
		free(ts);
		return sfp_fail_set(f, SFP_E_INPUT, "bad-tenants-dir", dir, "%s", why);
	}
	*out = ts;
	return SFP_OK;
}

void
sfp_tenants_free(struct sfp_tenants *ts)
{
	size_t i;

	if (ts == NULL)
		return;
	for (i = 0; i < ts->n; i++)
		free(ts->v[i]);
	free(ts->v);
	for (i = 0; i < ts->nnames; i++)
		free(ts->name_store[i]);
	free(ts->name_store);
	free(ts->names);
	if (ts->dirfd != -1)
		(void)close(ts->dirfd);
	free(ts);
}

const char *
sfp_tenants_path(const struct sfp_tenants *ts)
{
	return ts->path;
}

static enum sfp_status bad(struct sfp_fail *f, const char *code, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A refusal of one tenant: SFP_E_ITEM, place "tenant NAME". */
static enum sfp_status
bad(struct sfp_fail *f, const char *code, const char *name, const char *fmt, ...)
{
	char place[SFP_TENANT_NAME_MAX + 16], msg[sizeof(f->message)];
	va_list ap;

	(void)snprintf(place, sizeof(place), "tenant %s", name);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sfp_fail_set(f, SFP_E_ITEM, code, place, "%s", msg);
}

/* Open name inside dirfd without following a link and check it is ours. */
static enum sfp_status
open_trusted(int dirfd, const char *tenant, const char *name, int dir, int *fd_out,
    struct sfp_fail *f)
{
	struct stat sb;
	const char *why;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    (dir ? O_DIRECTORY : 0));
	if (fd == -1) {
		int e = errno;
		if (e == ENOENT)
			return dir ? bad(f, "unknown-tenant", tenant,
			    "no such tenant in the tenants directory") :
			    bad(f, "missing", tenant, "%s: missing", name);
		return bad(f, "bad-tenant", tenant, "%s: %s", dir ? "directory" : name,
		    e == ELOOP || e == ENOTDIR ? (dir ? "not a directory (links are not followed)" :
		    "a symbolic link (not followed)") : strerror(e));
	}
	if (fstat(fd, &sb) == -1) {
		int e = errno;
		(void)close(fd);
		return bad(f, "bad-tenant", tenant, "%s: %s", name, strerror(e));
	}
	why = untrusted(&sb);
	if (why == NULL && !dir && !S_ISREG(sb.st_mode))
		why = "not a regular file";
	if (why != NULL) {
		(void)close(fd);
		return bad(f, "bad-tenant", tenant, "%s: %s", dir ? "directory" : name, why);
	}
	*fd_out = fd;
	return SFP_OK;
}

static int
join(char *out, size_t cap, const char *a, const char *b, const char *c)
{
	int n = snprintf(out, cap, "%s/%s%s%s", a, b, c != NULL ? "/" : "", c != NULL ? c : "");
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* keyPrefix: a name-like word and a colon, nothing else, so no tenant's prefix
 * can be the beginning of another's ("ac:" never starts "acme:..."). */
static int
key_prefix_valid(const char *p)
{
	size_t n = strlen(p), i;

	if (n < 2 || n > SFP_TENANT_NAME_MAX + 1 || p[n - 1] != ':')
		return 0;
	for (i = 0; i + 1 < n; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static enum sfp_status
parse_conf(struct sfp_tenant_conf *c, const cJSON *root, struct sfp_fail *f)
{
	const cJSON *m;
	int have_prefix = 0;

	if (!cJSON_IsObject(root))
		return bad(f, "bad-tenant", c->name, "tenant.json: expected a json object");
	cJSON_ArrayForEach(m, root) {
		const char *k = m->string;
		if (strcmp(k, "comment") == 0 || k[0] == '_')
			continue;
		if (strcmp(k, "maxApiUsage") == 0 || strcmp(k, "jobs") == 0) {
			long hi = k[0] == 'j' ? 16 : 100;
			if (!cJSON_IsNumber(m) || m->valuedouble < 1 || m->valuedouble > (double)hi ||
			    m->valuedouble != (double)(long)m->valuedouble)
				return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k,
				    k[0] == 'j' ? "expected a whole number from 1 to 16" :
				    "expected a whole number from 1 to 100");
			*(k[0] == 'j' ? &c->jobs : &c->max_api_usage) = (long)m->valuedouble;
			continue;
		}
		if (!cJSON_IsString(m))
			return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k,
			    strcmp(k, "orgId") == 0 || strcmp(k, "userId") == 0 ||
			    strcmp(k, "username") == 0 || strcmp(k, "keyPrefix") == 0 ?
			    "expected a string" : "unknown member (see sfpipe(7) Tenants)");
		if (strcmp(k, "orgId") == 0 || strcmp(k, "userId") == 0) {
			int org = k[0] == 'o';
			if (!sfp_sfid_valid(m->valuestring, org ? "00D" : "005"))
				return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k, org ?
				    "expected a 15- or 18-character org id (00D...)" :
				    "expected a 15- or 18-character user id (005...)");
			(void)snprintf(org ? c->org_id : c->user_id, sizeof(c->org_id), "%s",
			    m->valuestring);
		} else if (strcmp(k, "username") == 0) {
			if (m->valuestring[0] == '\0' || strlen(m->valuestring) >= sizeof(c->username))
				return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k,
				    "expected a salesforce username");
			(void)snprintf(c->username, sizeof(c->username), "%s", m->valuestring);
		} else if (strcmp(k, "keyPrefix") == 0) {
			if (!key_prefix_valid(m->valuestring))
				return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k,
				    "expected letters, digits, '.', '_' or '-' and one final ':' "
				    "(such as \"acme:\")");
			(void)snprintf(c->key_prefix, sizeof(c->key_prefix), "%s", m->valuestring);
			have_prefix = 1;
		} else
			return bad(f, "bad-tenant", c->name, "tenant.json: %s: %s", k,
			    "unknown member (see sfpipe(7) Tenants)");
	}
	if (c->org_id[0] == '\0')
		return bad(f, "bad-tenant", c->name, 
		    "tenant.json: orgId is required (the org this tenant's token must belong to)");
	if (c->user_id[0] == '\0' && c->username[0] == '\0')
		return bad(f, "bad-tenant", c->name, 
		    "tenant.json: userId or username is required (the user this tenant acts as)");
	if (!have_prefix)
		(void)snprintf(c->key_prefix, sizeof(c->key_prefix), "%s:", c->name);
	return SFP_OK;
}

/* Two tenants of one org with one key prefix could upsert each other's
 * records: the second one read is refused.  Compared ignoring case: a unique
 * external id field whose values are "case insensitive" matches "ACME:1" with
 * "acme:1" on upsert, and tenant.json cannot know how the field is defined.
 * https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_upsert.htm */
static enum sfp_status
check_prefix_clash(const struct sfp_tenants *ts, const struct sfp_tenant_conf *c,
    struct sfp_fail *f)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		const struct entry *e = ts->v[i];
		if (e->st == SFP_OK && sfp_sfid_same(e->conf.org_id, c->org_id) &&
		    strcasecmp(e->conf.key_prefix, c->key_prefix) == 0)
			return bad(f, "bad-tenant", c->name,
			    "tenant.json: keyPrefix %s is also tenant %s's in the same org (%s; "
			    "case does not count)", c->key_prefix, e->conf.name, e->conf.key_prefix);
	}
	return SFP_OK;
}

static enum sfp_status
load_conf(struct sfp_tenants *ts, struct sfp_tenant_conf *c, struct sfp_fail *f)
{
	enum sfp_status st;
	int tfd = -1, jfd = -1;
	char *buf = NULL, source[SFP_TENANTS_PATH + 16];
	size_t len;
	cJSON *root = NULL;

	if (join(c->dir, sizeof(c->dir), ts->path, c->name, NULL) != 0 ||
	    join(c->org_path, sizeof(c->org_path), ts->path, c->name, "org.json") != 0 ||
	    join(c->mapping_path, sizeof(c->mapping_path), ts->path, c->name, "mapping.json") != 0 ||
	    join(c->describe_path, sizeof(c->describe_path), ts->path, c->name, "describe.json") != 0)
		return bad(f, "bad-tenant", c->name, "path too long");
	if ((st = open_trusted(ts->dirfd, c->name, c->name, 1, &tfd, f)) != SFP_OK)
		return st;
	st = open_trusted(tfd, c->name, "tenant.json", 0, &jfd, f);
	(void)close(tfd);
	if (st != SFP_OK)
		return st;
	(void)snprintf(source, sizeof(source), "%s/tenant.json", c->dir);
	st = sfp_read_fd(jfd, source, TENANT_JSON_MAX, &buf, &len, f);
	(void)close(jfd);
	if (st == SFP_OK)
		st = sfp_json_parse(buf, len, source, 0, &root, f);
	free(buf);
	if (st == SFP_E_INTERNAL)
		return st;
	if (st != SFP_OK) {
		char place[SFP_TENANT_NAME_MAX + 16];
		(void)snprintf(place, sizeof(place), "tenant %s", c->name);
		f->status = SFP_E_ITEM;
		(void)snprintf(f->code, sizeof(f->code), "bad-tenant");
		sfp_fail_wrap_place(f, place);
		return SFP_E_ITEM;
	}
	st = parse_conf(c, root, f);
	cJSON_Delete(root);
	if (st == SFP_OK)
		st = check_prefix_clash(ts, c, f);
	return st;
}

enum sfp_status
sfp_tenants_get(struct sfp_tenants *ts, const char *name, const struct sfp_tenant_conf **out,
    struct sfp_fail *f)
{
	struct entry *e, **nv;
	size_t i;
	enum sfp_status st;

	*out = NULL;
	if (!sfp_tenant_name_valid(name))
		return sfp_fail_set(f, SFP_E_ITEM, "bad-tenant-name", "tenant",
		    "not a usable tenant name (letters, digits, '.', '_', '-'; at most 64)");
	for (i = 0; i < ts->n; i++) {
		e = ts->v[i];
		if (strcmp(e->conf.name, name) != 0)
			continue;
		if (e->st != SFP_OK) {
			if (f != NULL)
				*f = e->fail;
			return e->st;
		}
		*out = &e->conf;
		return SFP_OK;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return sfp_fail_oom(f, NULL);
	(void)snprintf(e->conf.name, sizeof(e->conf.name), "%s", name);
	sfp_fail_clear(&e->fail);
	st = load_conf(ts, &e->conf, &e->fail);
	if (st == SFP_E_INTERNAL || (st != SFP_OK && ts->nrefused >= MAX_CACHED_REFUSALS)) {
		if (f != NULL)
			*f = e->fail;
		free(e);
		return st;
	}
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 16;
		if ((nv = realloc(ts->v, cap * sizeof(*nv))) == NULL) {
			free(e);
			return sfp_fail_oom(f, NULL);
		}
		ts->v = nv, ts->cap = cap;
	}
	e->st = st;
	if (st == SFP_OK)
		e->conf.slot = ts->nslots++;
	else
		ts->nrefused++;
	ts->v[ts->n++] = e;
	if (st != SFP_OK) {
		if (f != NULL)
			*f = e->fail;
		return st;
	}
	*out = &e->conf;
	return SFP_OK;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum sfp_status
sfp_tenants_list(struct sfp_tenants *ts, const char ***names, size_t *n, struct sfp_fail *f)
{
	DIR *d;
	struct dirent *de;
	int fd;
	size_t cap = 0, i;
	char **store;

	*names = NULL, *n = 0;
	for (i = 0; i < ts->nnames; i++)
		free(ts->name_store[i]);
	free(ts->name_store), free(ts->names);
	ts->name_store = NULL, ts->names = NULL, ts->nnames = 0;
	if ((fd = dup(ts->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		int e = errno;
		if (fd != -1)
			(void)close(fd);
		return sfp_fail_set(f, SFP_E_IO, "tenants-dir", ts->path, "%s", strerror(e));
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		if (!sfp_tenant_name_valid(de->d_name) ||
		    fstatat(ts->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(sb.st_mode))
			continue;
		if (ts->nnames == cap) {
			cap = cap ? cap * 2 : 64;
			if ((store = realloc(ts->name_store, cap * sizeof(*store))) == NULL)
				goto nomem;
			ts->name_store = store;
		}
		if ((ts->name_store[ts->nnames] = strdup(de->d_name)) == NULL)
			goto nomem;
		ts->nnames++;
	}
	(void)closedir(d);
	qsort(ts->name_store, ts->nnames, sizeof(*ts->name_store), cmp_names);
	if ((ts->names = calloc(ts->nnames + 1, sizeof(*ts->names))) == NULL)
		return sfp_fail_oom(f, NULL);
	for (i = 0; i < ts->nnames; i++)
		ts->names[i] = ts->name_store[i];
	*names = ts->names, *n = ts->nnames;
	return SFP_OK;
nomem:
	(void)closedir(d);
	return sfp_fail_oom(f, NULL);
}

enum sfp_status
sfp_tenant_check_file(const struct sfp_tenant_conf *tc, const char *path, struct sfp_fail *f)
{
	const char *base = strrchr(path, '/');
	enum sfp_status st;
	int dfd, fd;

	dfd = open(tc->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1)
		return bad(f, "bad-tenant", tc->name, "%s: %s", "directory", strerror(errno));
	st = open_trusted(dfd, tc->name, base != NULL ? base + 1 : path, 0, &fd, f);
	(void)close(dfd);
	if (st != SFP_OK)
		return st;
	(void)close(fd);
	return SFP_OK;
}

/* Relative file names in a tenant's org.json are the tenant directory's. */
static enum sfp_status
anchor(const struct sfp_tenant_conf *tc, char *path, size_t cap, struct sfp_fail *f)
{
	char tmp[SFP_ORG_PATH];

	if (path[0] == '\0' || path[0] == '/')
		return SFP_OK;
	if (join(tmp, sizeof(tmp), tc->dir, path, NULL) != 0 || strlen(tmp) >= cap)
		return bad(f, "bad-tenant", tc->name, "org.json: path too long");
	memcpy(path, tmp, strlen(tmp) + 1);
	return SFP_OK;
}

static enum sfp_status
bind_identity(const struct sfp_tenant_conf *tc, struct sfp_org *o, struct sfp_fail *f)
{
	if (o->org_id[0] != '\0' && !sfp_sfid_same(o->org_id, tc->org_id))
		return bad(f, "bad-tenant", tc->name, 
		    "org.json: orgId differs from tenant.json's");
	if (o->user_id[0] != '\0' && tc->user_id[0] != '\0' && !sfp_sfid_same(o->user_id, tc->user_id))
		return bad(f, "bad-tenant", tc->name, 
		    "org.json: userId differs from tenant.json's");
	if (o->username[0] != '\0' && tc->username[0] != '\0' && strcmp(o->username, tc->username) != 0)
		return bad(f, "bad-tenant", tc->name, 
		    "org.json: username differs from tenant.json's");
	(void)snprintf(o->org_id, sizeof(o->org_id), "%s", tc->org_id);
	if (tc->user_id[0] != '\0')
		(void)snprintf(o->user_id, sizeof(o->user_id), "%s", tc->user_id);
	if (tc->username[0] != '\0')   /* binds the token's user (auth.c) */
		(void)snprintf(o->username, sizeof(o->username), "%s", tc->username);
	return SFP_OK;
}

enum sfp_status
sfp_tenant_org_load(const struct sfp_tenant_conf *tc, struct sfp_org *o, const char *flow,
    int no_cache, struct sfp_fail *f)
{
	static const char *const transport[] = {
		"SF_CA_FILE", "SF_RESOLVE", "SF_API_VERSION", "SFPIPE_CACHE_DIR"
	};
	char place[SFP_TENANT_NAME_MAX + 16];
	enum sfp_status st;
	const char *v;
	size_t i;

	sfp_org_init(o);
	for (i = 0; i < sizeof(transport) / sizeof(transport[0]); i++)
		if ((v = getenv(transport[i])) != NULL && v[0] != '\0' &&
		    (st = sfp_org_set(o, transport[i], v, f)) != SFP_OK)
			goto refused;
	if ((st = sfp_tenant_check_file(tc, tc->org_path, f)) != SFP_OK)
		return st;
	if ((st = sfp_org_from_file(o, tc->org_path, f)) != SFP_OK)
		goto refused;
	if ((st = anchor(tc, o->jwt_key_file, sizeof(o->jwt_key_file), f)) != SFP_OK ||
	    (st = anchor(tc, o->refresh_token_file, sizeof(o->refresh_token_file), f)) != SFP_OK ||
	    (st = anchor(tc, o->client_secret_file, sizeof(o->client_secret_file), f)) != SFP_OK ||
	    (st = bind_identity(tc, o, f)) != SFP_OK)
		return st;
	if (flow != NULL && (st = sfp_org_set(o, "SF_AUTH_FLOW", flow, f)) != SFP_OK)
		goto refused;
	if (no_cache)
		o->no_cache = 1;
	if ((st = sfp_org_complete(o, f)) != SFP_OK)
		goto refused;
	return SFP_OK;
refused:
	if (st == SFP_E_INTERNAL)
		return st;
	(void)snprintf(place, sizeof(place), "tenant %s", tc->name);
	sfp_fail_wrap_place(f, place);
	f->status = SFP_E_ITEM;
	return SFP_E_ITEM;
}

enum sfp_status
sfp_tenant_org_for(const char *dir, const char *name, struct sfp_org *o, struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	const struct sfp_tenant_conf *tc;
	enum sfp_status st;

	sfp_org_init(o);
	if ((st = sfp_tenants_open(sfp_tenants_dir_default(dir), &ts, f)) == SFP_OK &&
	    (st = sfp_tenants_get(ts, name, &tc, f)) == SFP_OK)
		st = sfp_tenant_org_load(tc, o, NULL, 0, f);
	sfp_tenants_free(ts);
	if (st == SFP_E_ITEM)
		st = f->status = SFP_E_INPUT;
	return st;
}

int
sfp_tenant_key_ok(const struct sfp_tenant_conf *tc, const char *key)
{
	size_t n = strlen(tc->key_prefix);

	return key != NULL && strlen(key) > n && strncmp(key, tc->key_prefix, n) == 0;
}
