/* SPDX-License-Identifier: ISC */
/* report: write a run's per-tenant summary as JSON or as a Prometheus textfile. */
#include "compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "create.h"
#include "report.h"

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static char *
report_json(const char *prog, const char *finished, const struct sfp_report_row *rows, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *arr, *t;
	char *s = NULL;
	size_t i;

	if (root == NULL || cJSON_AddStringToObject(root, "program", prog) == NULL ||
	    cJSON_AddStringToObject(root, "finished", finished) == NULL ||
	    (arr = cJSON_AddArrayToObject(root, "tenants")) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((t = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, t) ||
		    cJSON_AddStringToObject(t, "tenant", rows[i].tenant ? rows[i].tenant : "") == NULL ||
		    cJSON_AddNumberToObject(t, "items", (double)rows[i].items) == NULL ||
		    cJSON_AddNumberToObject(t, "ok", (double)rows[i].ok) == NULL ||
		    cJSON_AddNumberToObject(t, "failed", (double)rows[i].failed) == NULL ||
		    cJSON_AddNumberToObject(t, "api_calls", (double)rows[i].api_calls) == NULL ||
		    cJSON_AddNumberToObject(t, "api_used", (double)rows[i].api_used) == NULL ||
		    cJSON_AddNumberToObject(t, "api_max", (double)rows[i].api_max) == NULL ||
		    cJSON_AddNumberToObject(t, "duration_s", rows[i].duration_s) == NULL ||
		    cJSON_AddNumberToObject(t, "replay", (double)rows[i].replay) == NULL)
			goto out;
	}
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

/* A label value, escaped as the exposition format asks (\\, \", \n). */
static void
put_label(FILE *fp, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			(void)fprintf(fp, "\\%c", *v);
		else if (*v == '\n')
			(void)fputs("\\n", fp);
		else
			(void)fputc(*v, fp);
	}
}

/* https://prometheus.io/docs/instrumenting/exposition_formats/ : each metric
 * once with HELP and TYPE, then one sample per tenant. */
static void
report_prom(FILE *fp, const char *prog, time_t finished, const struct sfp_report_row *rows, size_t n)
{
	static const struct {
		const char *name, *help;
	} m[] = {
		{ "sfpipe_items", "Items read in the last run." },
		{ "sfpipe_ok", "Items done in the last run." },
		{ "sfpipe_failed", "Items failed in the last run (each written out with its reason)." },
		{ "sfpipe_api_calls", "API calls sent in the last run." },
		{ "sfpipe_api_usage_ratio", "The org's daily API usage after the last run, 0 to 1 (-1: unknown)." },
		{ "sfpipe_replay_waiting", "Plans left unsent by the last run, waiting for the next." },
		{ "sfpipe_duration_seconds", "How long the last run took." },
		{ "sfpipe_last_run_timestamp_seconds", "When the last run finished (Unix time)." },
	};
	size_t k, i;
	double v;

	for (k = 0; k < sizeof m / sizeof m[0]; k++) {
		(void)fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", m[k].name, m[k].help, m[k].name);
		for (i = 0; i < n; i++) {
			const struct sfp_report_row *r = &rows[i];
			switch (k) {
			case 0: v = (double)r->items; break;
			case 1: v = (double)r->ok; break;
			case 2: v = (double)r->failed; break;
			case 3: v = (double)r->api_calls; break;
			case 4: v = r->api_max > 0 && r->api_used >= 0 ?
			    (double)r->api_used / (double)r->api_max : -1.0; break;
			case 5: v = (double)r->replay; break;
			case 6: v = r->duration_s; break;
			default: v = (double)finished; break;
			}
			(void)fprintf(fp, "%s{program=\"%s\",tenant=\"", m[k].name, prog);
			put_label(fp, r->tenant ? r->tenant : "");
			(void)fprintf(fp, "\"} %.9g\n", v);
		}
	}
}

enum sfp_status
sfp_report_write(const char *path, const char *prog, const struct sfp_report_row *rows, size_t n,
    struct sfp_fail *f)
{
	char tmp[4096], finished[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *fp = NULL;
	char *json = NULL;
	int fd, bad;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		finished[0] = '\0';
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return sfp_fail_set(f, SFP_E_IO, "report", path, "path too long");
	/* Written aside and renamed over the report: a collector never reads half. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		int e = errno;
		if (fd != -1)
			(void)close(fd);
		return sfp_fail_set(f, SFP_E_IO, "report", path, "cannot write: %s", strerror(e));
	}
	if (ends_with(path, ".prom")) {
		report_prom(fp, prog, now, rows, n);
		bad = 0;
	} else {
		bad = (json = report_json(prog, finished, rows, n)) == NULL;
		if (!bad)
			(void)fprintf(fp, "%s\n", json);
		cJSON_free(json);
	}
	bad |= fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
	bad |= fclose(fp) != 0;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		(void)unlink(tmp);
		return sfp_fail_set(f, SFP_E_IO, "report", path, "cannot write: %s",
		    strerror(e ? e : EIO));
	}
	return SFP_OK;
}

/* One tenant's share of a run with tenants, as a report row. */
static void
tenant_row(struct sfp_report_row *row, const struct sfp_create_tenant_stats *t)
{
	row->tenant = t->tenant;
	row->items = t->items;
	row->ok = t->ok;
	row->failed = t->failed;
	row->api_calls = t->api_calls;
	row->replay = t->unsent;
	row->api_used = t->api_used;
	row->api_max = t->api_max;
	row->duration_s = t->elapsed_s;
}

enum sfp_status
sfp_report_create(const char *prog, const char *path, const char *tenant, int per_tenant,
    const struct sfp_create_stats *st, struct sfp_fail *f)
{
	/* Plans left unsent (daily limit, budget guard, Salesforce unreachable)
	 * wait for the next run ("replay"); they are counted among the failed too. */
	struct sfp_report_row row = { tenant != NULL ? tenant : "", st->plans, st->ok, st->failed,
	    st->requests + st->lookups, st->unsent, st->api_used, st->api_max, st->elapsed_s };
	struct sfp_report_row *rows = NULL;
	enum sfp_status s;
	size_t i;

	if (st->api_max > 0)   /* usage after the run, for cron logs */
		sfp_cli_note(prog, "%lu of %lu plans failed; api usage: %ld/%ld (%.1f%%), "
		    "%lu requests sent, %lu lookups, %lu skipped as older", st->failed, st->plans,
		    st->api_used, st->api_max, 100.0 * (double)st->api_used / (double)st->api_max,
		    st->requests, st->lookups, st->skipped);
	else if (st->sessions > 0)   /* with tenants each org's usage is its own */
		sfp_cli_note(prog, "%lu of %lu plans failed; %lu requests sent over %lu org sessions",
		    st->failed, st->plans, st->requests, st->sessions);
	if (path == NULL)
		return SFP_OK;
	if (!per_tenant)
		return sfp_report_write(path, prog, &row, 1, f);
	/* A row per tenant seen, none for a run that read nothing. */
	if (st->ntenants > 0 && !(rows = calloc(st->ntenants, sizeof *rows)))
		return sfp_fail_oom(f, "report");
	for (i = 0; i < st->ntenants; i++)
		tenant_row(&rows[i], &st->tenants[i]);
	s = sfp_report_write(path, prog, rows, st->ntenants, f);
	free(rows);
	return s;
}
