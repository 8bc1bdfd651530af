/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "testutil.h"

static char dir[64];

static void
setup(void)
{
	char p[128];

	tu_tmpdir(dir, sizeof(dir), "status");
	(void)snprintf(p, sizeof p, "%s/work", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	(void)snprintf(p, sizeof p, "%s/reports", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

static void
put(const char *name, const char *text)
{
	char p[256];

	(void)snprintf(p, sizeof p, "%s/%s", dir, name);
	tu_write_file(p, text, 0600);
}

static const struct sfp_status_row *
row(const struct sfp_status_view *v, const char *tenant)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->rows[i].tenant, tenant) == 0)
			return &v->rows[i];
	ck_abort_msg("no row for tenant '%s'", tenant);
	return NULL;
}

/* The same directory for the tests below: each file kind, two tenants, a
 * line that is not JSON, a report per run. */
static void
fill(void)
{
	put("incoming.jsonl", "{\"tenant\":\"acme\",\"id\":\"msg_1\",\"body\":\"{}\"}\n"
	    "{\"tenant\":\"globex\",\"id\":\"msg_2\",\"body\":\"{}\"}\n\n");
	put("work/a.spool", "{\"tenant\":\"acme\",\"id\":\"msg_3\"}\n");
	put("work/a.verified", "{\"tenant\":\"acme\",\"body\":{\"id\":\"bk-1\"}}\n");
	put("work/b.replay", "{\"tenant\":\"globex\",\"id\":\"bk-2\",\"records\":[]}\n");
	put("rejects.retry.jsonl", "{\"tenant\":\"acme\",\"id\":\"bk-3\",\"records\":[]}\n");
	put("rejects.jsonl",
	    "{\"tenant\":\"acme\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}\n"
	    "{\"tenant\":\"acme\",\"id\":\"bk-5\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}\n"
	    "{\"tenant\":\"globex\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"replayed\"},\"input\":{}}\n"
	    "{\"id\":\"bk-6\",\"ok\":false,\"error\":{\"code\":\"untagged\"},\"input\":{}}\n"
	    "{\"torn\":\n");
	/* acme: an older run that succeeded, a newer one stopped at the limit. */
	put("reports/1.json", "{\"program\":\"sf-create\",\"finished\":\"2026-12-04T10:00:00Z\",\"tenants\":["
	    "{\"tenant\":\"acme\",\"items\":2,\"ok\":2,\"failed\":0,\"replay\":0}]}\n");
	put("reports/2.json", "{\"program\":\"sf-create\",\"finished\":\"2026-12-04T11:00:00Z\",\"tenants\":["
	    "{\"tenant\":\"acme\",\"items\":2,\"ok\":1,\"failed\":1,\"replay\":1},"
	    "{\"tenant\":\"globex\",\"items\":0,\"ok\":0,\"failed\":0,\"replay\":0}]}\n");
	put("reports/3.json.tmp.99", "{\"finished\":\"2026-12-05T00:00:00Z\"}");
}

START_TEST(counts_per_tenant)
{
	static const char *const names[] = { "acme", "globex", "initech" };
	struct sfp_status_view v;
	struct sfp_fail f;
	const struct sfp_status_row *r;

	fill();
	ck_assert_int_eq(sfp_status_read(dir, 1, names, 3, &v, &f), SFP_OK);
	ck_assert_uint_eq(v.n, 4);   /* three configured, and "" for lines naming none */
	r = row(&v, "acme");
	ck_assert_uint_eq(r->pending, 3);
	ck_assert_uint_eq(r->replay, 1);
	ck_assert_uint_eq(r->needs_person, 2);
	ck_assert_uint_eq(r->ncodes, 1);
	ck_assert_str_eq(r->codes[0].code, "bad-date");
	ck_assert_uint_eq(r->codes[0].n, 2);
	ck_assert_str_eq(r->last_run, "2026-12-04T11:00:00Z");
	ck_assert_str_eq(r->last_success, "2026-12-04T10:00:00Z");
	r = row(&v, "globex");
	ck_assert_uint_eq(r->pending, 1);
	ck_assert_uint_eq(r->replay, 1);
	ck_assert_uint_eq(r->needs_person, 1);
	ck_assert_str_eq(r->last_run, "");   /* a row without items is no run */
	r = row(&v, "initech");
	ck_assert_uint_eq(r->pending + r->replay + r->needs_person, 0);
	r = row(&v, "");
	ck_assert_uint_eq(r->needs_person, 2);
	ck_assert_uint_eq(r->ncodes, 2);
	ck_assert_str_eq(r->codes[1].code, "unreadable");
	sfp_status_view_fini(&v);
}
END_TEST

START_TEST(one_row_without_tenants)
{
	struct sfp_status_view v;
	struct sfp_fail f;
	cJSON *j;
	char *s;

	fill();
	ck_assert_int_eq(sfp_status_read(dir, 0, NULL, 0, &v, &f), SFP_OK);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_str_eq(v.rows[0].tenant, "");
	ck_assert_uint_eq(v.rows[0].pending, 4);
	ck_assert_uint_eq(v.rows[0].replay, 2);
	ck_assert_uint_eq(v.rows[0].needs_person, 5);
	j = sfp_status_json(&v);
	ck_assert_ptr_nonnull(j);
	s = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(s, "{\"tenants\":[{\"tenant\":\"\",\"pending\":4,\"replay\":2,\"needs_person\":5,"
	    "\"codes\":{\"bad-date\":2,\"replayed\":1,\"untagged\":1,\"unreadable\":1},"
	    "\"last_run\":\"2026-12-04T11:00:00Z\",\"last_success\":\"2026-12-04T10:00:00Z\"}]}");
	cJSON_free(s);
	cJSON_Delete(j);
	sfp_status_view_fini(&v);
}
END_TEST

START_TEST(empty_and_refused_directories)
{
	struct sfp_status_view v;
	struct sfp_fail f;
	char p[128], link[128];

	ck_assert_int_eq(sfp_status_read(dir, 0, NULL, 0, &v, &f), SFP_OK);
	ck_assert_uint_eq(v.n, 1);
	ck_assert_str_eq(v.rows[0].last_run, "");
	sfp_status_view_fini(&v);
	/* Tenants configured, none yet: no row at all (not one row ""). */
	ck_assert_int_eq(sfp_status_read(dir, 1, NULL, 0, &v, &f), SFP_OK);
	ck_assert_uint_eq(v.n, 0);
	sfp_status_view_fini(&v);
	(void)snprintf(p, sizeof p, "%s/nope", dir);
	ck_assert_int_eq(sfp_status_read(p, 0, NULL, 0, &v, &f), SFP_E_INPUT);
	put("file", "x");
	(void)snprintf(p, sizeof p, "%s/file", dir);
	ck_assert_int_eq(sfp_status_read(p, 0, NULL, 0, &v, &f), SFP_E_INPUT);
	/* rejects.jsonl as a link to elsewhere is refused, not followed. */
	(void)snprintf(link, sizeof link, "%s/rejects.jsonl", dir);
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert_int_eq(sfp_status_read(dir, 0, NULL, 0, &v, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
}
END_TEST

START_TEST(handled_moves_whole_entries)
{
	static const char *const ids[] = { "bk-4", "bk-9" };
	unsigned long found[2];
	struct sfp_fail f;
	char p[128];
	struct stat sb;

	fill();
	/* Only acme's bk-4: globex's reject of the same id stays. */
	ck_assert_int_eq(sfp_status_mark_handled(dir, ids, 2, "acme", "alice", 1796385600, found, &f),
	    SFP_OK);
	ck_assert_uint_eq(found[0], 1);
	ck_assert_uint_eq(found[1], 0);
	(void)snprintf(p, sizeof p, "%s/rejects.jsonl", dir);
	tu_expect_file(p,
	    "{\"tenant\":\"acme\",\"id\":\"bk-5\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}\n"
	    "{\"tenant\":\"globex\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"replayed\"},\"input\":{}}\n"
	    "{\"id\":\"bk-6\",\"ok\":false,\"error\":{\"code\":\"untagged\"},\"input\":{}}\n"
	    "{\"torn\":\n");
	(void)snprintf(p, sizeof p, "%s/rejects.handled.jsonl", dir);
	tu_expect_file(p, "{\"handled_at\":\"2026-12-04T12:00:00Z\",\"handled_by\":\"alice\",\"reject\":"
	    "{\"tenant\":\"acme\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}}\n");
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	/* Without a tenant every entry of the id moves; a second mark appends. */
	ck_assert_int_eq(sfp_status_mark_handled(dir, ids, 1, NULL, "bob \"b\"", 1796385600, found, &f),
	    SFP_OK);
	ck_assert_uint_eq(found[0], 1);
	(void)snprintf(p, sizeof p, "%s/rejects.jsonl", dir);
	tu_expect_file(p,
	    "{\"tenant\":\"acme\",\"id\":\"bk-5\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}\n"
	    "{\"id\":\"bk-6\",\"ok\":false,\"error\":{\"code\":\"untagged\"},\"input\":{}}\n"
	    "{\"torn\":\n");
	(void)snprintf(p, sizeof p, "%s/rejects.handled.jsonl", dir);
	tu_expect_file(p, "{\"handled_at\":\"2026-12-04T12:00:00Z\",\"handled_by\":\"alice\",\"reject\":"
	    "{\"tenant\":\"acme\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"bad-date\"},\"input\":{}}}\n"
	    "{\"handled_at\":\"2026-12-04T12:00:00Z\",\"handled_by\":\"bob \\\"b\\\"\",\"reject\":"
	    "{\"tenant\":\"globex\",\"id\":\"bk-4\",\"ok\":false,\"error\":{\"code\":\"replayed\"},\"input\":{}}}\n");
}
END_TEST

START_TEST(handled_nothing_matched_changes_nothing)
{
	static const char *const ids[] = { "bk-none" };
	unsigned long found[1];
	struct sfp_fail f;
	char p[128];

	/* No rejects.jsonl at all, then one without the id: neither file is made. */
	ck_assert_int_eq(sfp_status_mark_handled(dir, ids, 1, NULL, "alice", 0, found, &f), SFP_OK);
	ck_assert_uint_eq(found[0], 0);
	put("rejects.jsonl", "{\"id\":\"bk-1\",\"ok\":false}\n");
	ck_assert_int_eq(sfp_status_mark_handled(dir, ids, 1, NULL, "alice", 0, found, &f), SFP_OK);
	ck_assert_uint_eq(found[0], 0);
	(void)snprintf(p, sizeof p, "%s/rejects.handled.jsonl", dir);
	ck_assert_int_eq(access(p, F_OK), -1);
	(void)snprintf(p, sizeof p, "%s/rejects.jsonl", dir);
	tu_expect_file(p, "{\"id\":\"bk-1\",\"ok\":false}\n");
}
END_TEST

Suite *
suite_status(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, counts_per_tenant);
	tcase_add_test(tc, one_row_without_tenants);
	tcase_add_test(tc, empty_and_refused_directories);
	tcase_add_test(tc, handled_moves_whole_entries);
	tcase_add_test(tc, handled_nothing_matched_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
