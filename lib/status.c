/* SPDX-License-Identifier: ISC */
/* status: count what a pipeline directory holds per tenant, and move rejects to handled. */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "readfile.h"
#include "status.h"

struct tally {
	struct sfp_status_view *v;
	int per_tenant;
	enum { K_PENDING, K_REPLAY, K_PERSON } kind;
};

static enum sfp_status
path_join(char *out, size_t size, const char *dir, const char *name, struct sfp_fail *f)
{
	if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
		return sfp_fail_set(f, SFP_E_INPUT, "path", dir, "path too long");
	return SFP_OK;
}

/* A file of the directory, whole, never through a link; *buf NULL when it is
 * not there. */
static enum sfp_status
read_whole(const char *path, char **buf, size_t *len, struct sfp_fail *f)
{
	struct stat sb;
	enum sfp_status st;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return SFP_OK;
		if (errno == ELOOP)
			return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path,
			    "refused: a symbolic link");
		return sfp_fail_set(f, SFP_E_IO, "file", path, "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		(void)close(fd);
		return sfp_fail_set(f, SFP_E_INPUT, "unsafe-file", path, "refused: not a regular file");
	}
	st = sfp_read_fd(fd, path, SFP_STATUS_MAX_FILE, buf, len, f);
	(void)close(fd);
	return st;
}

/* Call fn for each line of buf that is not blank, with its JSON value (NULL
 * when the line is not one JSON text); the line excludes its newline. */
static int
each_line(const char *buf, size_t len, const char *source,
    int (*fn)(void *ctx, const char *line, size_t n, const cJSON *v), void *ctx)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t k = n;
		cJSON *v = NULL;
		struct sfp_fail ignored;
		int rc;

		while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > 0) {
			if (sfp_json_parse(p, k, source, 0, &v, &ignored) != SFP_OK)
				v = NULL;
			rc = fn(ctx, p, k, v);
			cJSON_Delete(v);
			if (rc < 0)
				return -1;
		}
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

/* The tenant a line names at its top level, "" when none (or not a name). */
static const char *
tenant_of(const cJSON *v)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "tenant");

	return cJSON_IsString(t) && sfp_tenant_name_valid(t->valuestring) ? t->valuestring : "";
}

static struct sfp_status_row *
row_get(struct sfp_status_view *v, const char *name)
{
	struct sfp_status_row *r, *grown;
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->rows[i].tenant, name) == 0)
			return &v->rows[i];
	if (!(grown = realloc(v->rows, (v->n + 1) * sizeof *grown)))
		return NULL;
	v->rows = grown;
	r = memset(&v->rows[v->n++], 0, sizeof *r);
	(void)snprintf(r->tenant, sizeof r->tenant, "%s", name);
	return r;
}

static int
code_add(struct sfp_status_row *r, const char *code)
{
	struct sfp_status_code *grown;
	size_t i;

	for (i = 0; i < r->ncodes; i++)
		if (strcmp(r->codes[i].code, code) == 0) {
			r->codes[i].n++;
			return 0;
		}
	if (!(grown = realloc(r->codes, (r->ncodes + 1) * sizeof *grown)))
		return -1;
	r->codes = grown;
	(void)snprintf(r->codes[r->ncodes].code, sizeof r->codes[r->ncodes].code, "%s", code);
	r->codes[r->ncodes++].n = 1;
	return 0;
}

static int
tally_line(void *ctx, const char *line, size_t n, const cJSON *v)
{
	struct tally *t = ctx;
	struct sfp_status_row *r = row_get(t->v, t->per_tenant ? tenant_of(v) : "");
	const cJSON *code;

	(void)line;
	(void)n;
	if (!r)
		return -1;
	switch (t->kind) {
	case K_PENDING: r->pending++; return 0;
	case K_REPLAY: r->replay++; return 0;
	default: break;
	}
	r->needs_person++;
	code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "error"), "code");
	return code_add(r, !v ? "unreadable" : cJSON_IsString(code) && code->valuestring[0] ?
	    code->valuestring : "unknown");
}

static enum sfp_status
tally_file(struct tally *t, const char *path, struct sfp_fail *f)
{
	char *buf;
	size_t len;
	enum sfp_status st = read_whole(path, &buf, &len, f);

	if (st == SFP_OK && buf && each_line(buf, len, path, tally_line, t) < 0)
		st = sfp_fail_oom(f, path);
	free(buf);
	return st;
}

/* fn for each name in dir whose last extension is ext (".spool"); a directory
 * not there has none. */
static enum sfp_status
each_file(const char *dir, const char *ext,
    enum sfp_status (*fn)(void *ctx, const char *path, struct sfp_fail *f), void *ctx,
    struct sfp_fail *f)
{
	char path[4096];
	struct dirent *e;
	enum sfp_status st = SFP_OK;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? SFP_OK :
		    sfp_fail_set(f, SFP_E_IO, "file", dir, "cannot list: %s", strerror(errno));
	while (st == SFP_OK && (e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');

		if (e->d_name[0] == '.' || !dot || strcmp(dot, ext) != 0)
			continue;
		if ((st = path_join(path, sizeof path, dir, e->d_name, f)) == SFP_OK)
			st = fn(ctx, path, f);
	}
	(void)closedir(d);
	return st;
}

static enum sfp_status
tally_each(void *ctx, const char *path, struct sfp_fail *f)
{
	return tally_file(ctx, path, f);
}

static void
later(char *have, size_t size, const char *t)
{
	if (strcmp(t, have) > 0)   /* RFC 3339 UTC times sort as strings */
		(void)snprintf(have, size, "%s", t);
}

/* One sf-create --report: each tenant row with items is a run of that tenant. */
static enum sfp_status
tally_report(void *ctx, const char *path, struct sfp_fail *f)
{
	struct tally *t = ctx;
	const cJSON *fin, *row;
	cJSON *rep = NULL;
	struct sfp_fail ignored;

	(void)f;
	/* A report is replaced whole, so one that cannot be read is not ours: skipped. */
	if (sfp_json_load(path, (size_t)1 << 20, &rep, &ignored) != SFP_OK)
		return SFP_OK;
	fin = cJSON_GetObjectItemCaseSensitive(rep, "finished");
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rep, "tenants")) {
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(row, "items");
		const cJSON *ok = cJSON_GetObjectItemCaseSensitive(row, "ok");
		const cJSON *replay = cJSON_GetObjectItemCaseSensitive(row, "replay");
		struct sfp_status_row *r;

		if (!cJSON_IsString(fin) || !cJSON_IsNumber(items) || items->valuedouble <= 0)
			continue;
		if (!(r = row_get(t->v, t->per_tenant ? tenant_of(row) : ""))) {
			cJSON_Delete(rep);
			return sfp_fail_oom(f, path);
		}
		later(r->last_run, sizeof r->last_run, fin->valuestring);
		if (cJSON_IsNumber(ok) && ok->valuedouble > 0 && cJSON_IsNumber(replay) &&
		    replay->valuedouble == 0)
			later(r->last_success, sizeof r->last_success, fin->valuestring);
	}
	cJSON_Delete(rep);
	return SFP_OK;
}

enum sfp_status
sfp_status_read(const char *dir, int per_tenant, const char *const *names, size_t nnames,
    struct sfp_status_view *v, struct sfp_fail *f)
{
	static const struct {
		const char *name;
		int kind;
	} files[] = {
		{ "incoming.jsonl", K_PENDING }, { "rejects.retry.jsonl", K_REPLAY },
		{ "rejects.jsonl", K_PERSON },
	}, work[] = {
		{ ".spool", K_PENDING }, { ".verified", K_PENDING }, { ".replay", K_REPLAY },
	};
	struct tally t = { v, per_tenant, K_PENDING };
	char path[4096];
	struct stat sb;
	enum sfp_status st = SFP_OK;
	size_t i;

	memset(v, 0, sizeof *v);
	if (stat(dir, &sb) == -1)
		return sfp_fail_set(f, SFP_E_INPUT, "not-a-directory", dir, "%s", strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return sfp_fail_set(f, SFP_E_INPUT, "not-a-directory", dir, "not a directory");
	/* Every configured tenant has a row, first, in the order given. */
	for (i = 0; per_tenant && st == SFP_OK && i < nnames; i++)
		if (!row_get(v, names[i]))
			st = sfp_fail_oom(f, NULL);
	if (!per_tenant && !row_get(v, ""))
		st = sfp_fail_oom(f, NULL);
	for (i = 0; st == SFP_OK && i < sizeof files / sizeof files[0]; i++) {
		t.kind = files[i].kind;
		if ((st = path_join(path, sizeof path, dir, files[i].name, f)) == SFP_OK)
			st = tally_file(&t, path, f);
	}
	if (st == SFP_OK)
		st = path_join(path, sizeof path, dir, "work", f);
	for (i = 0; st == SFP_OK && i < sizeof work / sizeof work[0]; i++) {
		t.kind = work[i].kind;
		st = each_file(path, work[i].name, tally_each, &t, f);
	}
	if (st == SFP_OK && (st = path_join(path, sizeof path, dir, "reports", f)) == SFP_OK)
		st = each_file(path, ".json", tally_report, &t, f);
	if (st != SFP_OK)
		sfp_status_view_fini(v);
	return st;
}

void
sfp_status_view_fini(struct sfp_status_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->rows[i].codes);
	free(v->rows);
	memset(v, 0, sizeof *v);
}

static int
add_time(cJSON *o, const char *name, const char *t)
{
	return (t[0] ? cJSON_AddStringToObject(o, name, t) : cJSON_AddNullToObject(o, name)) != NULL;
}

cJSON *
sfp_status_json(const struct sfp_status_view *v)
{
	cJSON *root = cJSON_CreateObject(), *arr, *o, *codes;
	size_t i, k;

	if (!root || !(arr = cJSON_AddArrayToObject(root, "tenants")))
		goto oom;
	for (i = 0; i < v->n; i++) {
		const struct sfp_status_row *r = &v->rows[i];

		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "tenant", r->tenant) ||
		    !cJSON_AddNumberToObject(o, "pending", (double)r->pending) ||
		    !cJSON_AddNumberToObject(o, "replay", (double)r->replay) ||
		    !cJSON_AddNumberToObject(o, "needs_person", (double)r->needs_person) ||
		    !(codes = cJSON_AddObjectToObject(o, "codes")) ||
		    !add_time(o, "last_run", r->last_run) || !add_time(o, "last_success", r->last_success))
			goto oom;
		for (k = 0; k < r->ncodes; k++)
			if (!cJSON_AddNumberToObject(codes, r->codes[k].code, (double)r->codes[k].n))
				goto oom;
	}
	return root;
oom:
	cJSON_Delete(root);
	return NULL;
}

void
sfp_status_print(FILE *fp, const struct sfp_status_view *v)
{
	size_t i, k;

	(void)fprintf(fp, "%-20s %8s %8s %15s  %-21s %s\n", "TENANT", "PENDING", "REPLAY",
	    "NEEDS-A-PERSON", "LAST-SUCCESS", "LAST-RUN");
	for (i = 0; i < v->n; i++) {
		const struct sfp_status_row *r = &v->rows[i];

		(void)fprintf(fp, "%-20s %8lu %8lu %15lu  %-21s %s\n", r->tenant[0] ? r->tenant : "-",
		    r->pending, r->replay, r->needs_person, r->last_success[0] ? r->last_success :
		    "never", r->last_run[0] ? r->last_run : "never");
	}
	for (i = 0; i < v->n; i++) {
		const struct sfp_status_row *r = &v->rows[i];

		if (!r->ncodes)
			continue;
		(void)fprintf(fp, "%s: needs a person:", r->tenant[0] ? r->tenant : "-");
		for (k = 0; k < r->ncodes; k++)
			(void)fprintf(fp, "%s %lu %s", k ? "," : "", r->codes[k].n, r->codes[k].code);
		(void)fputc('\n', fp);
	}
}

enum sfp_status
sfp_status_show(FILE *fp, const char *dir, const char *tenants_dir, int json,
    struct sfp_fail *f)
{
	struct sfp_tenants *ts = NULL;
	struct sfp_status_view v;
	const char **names = NULL;
	size_t n = 0;
	enum sfp_status st = SFP_OK;
	cJSON *j;
	char *s;

	if (tenants_dir && ((st = sfp_tenants_open(tenants_dir, &ts, f)) != SFP_OK ||
	    (st = sfp_tenants_list(ts, &names, &n, f)) != SFP_OK))
		goto out;
	if ((st = sfp_status_read(dir, tenants_dir != NULL, names, n, &v, f)) != SFP_OK)
		goto out;
	if (!json) {
		sfp_status_print(fp, &v);
	} else if ((j = sfp_status_json(&v)) && (s = cJSON_PrintUnformatted(j))) {
		(void)fprintf(fp, "%s\n", s);
		cJSON_free(s);
		cJSON_Delete(j);
	} else {
		cJSON_Delete(j);
		st = sfp_fail_oom(f, NULL);
	}
	sfp_status_view_fini(&v);
out:
	sfp_tenants_free(ts);
	return st;
}

/* Marking handled: which lines move, and the two files' new bytes. */
struct mark {
	const char *const *ids;
	size_t n;
	const char *tenant;
	unsigned long *found;
	struct sfp_buf keep, moved;
	const char *stamp;          /* {"handled_at":..,"handled_by":..,"reject": */
};

static int
mark_line(void *ctx, const char *line, size_t n, const cJSON *v)
{
	struct mark *m = ctx;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
	size_t i;

	for (i = 0; cJSON_IsString(id) && i < m->n; i++) {
		if (strcmp(id->valuestring, m->ids[i]) != 0 ||
		    (m->tenant && strcmp(tenant_of(v), m->tenant) != 0))
			continue;
		m->found[i]++;
		/* The entry whole, byte for byte, inside the stamp. */
		sfp_buf_puts(&m->moved, m->stamp);
		sfp_buf_put(&m->moved, line, n);
		sfp_buf_puts(&m->moved, "}\n");
		return m->moved.oom ? -1 : 0;
	}
	sfp_buf_put(&m->keep, line, n);
	sfp_buf_putc(&m->keep, '\n');
	return m->keep.oom ? -1 : 0;
}

static enum sfp_status
write_all(int fd, const char *p, size_t n, const char *path, struct sfp_fail *f)
{
	return sfp_file_write_full(fd, p, n) == 0 && fsync(fd) == 0 ? SFP_OK :
	    sfp_fail_set(f, SFP_E_IO, "file", path, "cannot write: %s", strerror(errno));
}

/* The stamp put before each moved entry. */
static char *
handled_stamp(const char *by, time_t now)
{
	struct sfp_buf b = SFP_BUF_INIT;
	char at[32];
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	sfp_buf_puts(&b, "{\"handled_at\":\"");
	sfp_buf_puts(&b, at);
	sfp_buf_puts(&b, "\",\"handled_by\":");
	sfp_buf_put_json_string(&b, by, strlen(by));
	sfp_buf_puts(&b, ",\"reject\":");
	if (b.oom) {
		sfp_buf_fini(&b);
		return NULL;
	}
	return sfp_buf_take(&b, NULL);
}

enum sfp_status
sfp_status_mark_handled(const char *dir, const char *const *ids, size_t n, const char *tenant,
    const char *by, time_t now, unsigned long *found, struct sfp_fail *f)
{
	char lock[4096], rejects[4096], handled[4096];
	struct mark m = { ids, n, tenant, found, SFP_BUF_INIT, SFP_BUF_INIT, NULL };
	char *buf = NULL, *stamp = NULL;
	size_t len = 0;
	int lfd = -1, hfd = -1;
	enum sfp_status st;

	memset(found, 0, n * sizeof *found);
	if ((st = path_join(lock, sizeof lock, dir, "rejects.lock", f)) != SFP_OK ||
	    (st = path_join(rejects, sizeof rejects, dir, "rejects.jsonl", f)) != SFP_OK ||
	    (st = path_join(handled, sizeof handled, dir, "rejects.handled.jsonl", f)) != SFP_OK)
		return st;
	if ((st = sfp_file_check_dir(dir, f)) != SFP_OK ||
	    (st = sfp_file_open_append(lock, &lfd, f)) != SFP_OK)
		return st;
	/* Held until the end: the pipeline appends to rejects.jsonl only under it. */
	while (flock(lfd, LOCK_EX) == -1)
		if (errno != EINTR) {
			st = sfp_fail_set(f, SFP_E_IO, "file", lock, "cannot lock: %s", strerror(errno));
			goto out;
		}
	if ((st = read_whole(rejects, &buf, &len, f)) != SFP_OK)
		goto out;
	if (!(stamp = handled_stamp(by, now))) {
		st = sfp_fail_oom(f, NULL);
		goto out;
	}
	m.stamp = stamp;
	if (buf && each_line(buf, len, rejects, mark_line, &m) < 0) {
		st = sfp_fail_oom(f, rejects);
		goto out;
	}
	if (m.moved.len == 0)
		goto out;   /* nothing asked for is there: both files stay as they are */
	/* Appended first, then the replace: a crash between leaves an entry in
	 * both files (marking it again is harmless), never in neither. */
	if ((st = sfp_file_open_append(handled, &hfd, f)) != SFP_OK ||
	    (st = write_all(hfd, m.moved.p, m.moved.len, handled, f)) != SFP_OK)
		goto out;
	st = sfp_file_write_atomic(rejects, m.keep.p ? m.keep.p : "", m.keep.len, 1, f);
out:
	if (hfd != -1 && close(hfd) != 0 && st == SFP_OK)
		st = sfp_fail_set(f, SFP_E_IO, "file", handled, "cannot write: %s", strerror(errno));
	if (lfd != -1)
		(void)close(lfd);   /* and the lock with it */
	if (st != SFP_OK)
		memset(found, 0, n * sizeof *found);
	free(buf);
	free(stamp);
	sfp_buf_fini(&m.keep);
	sfp_buf_fini(&m.moved);
	return st;
}
