/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "writer.h"
#include "testutil.h"

START_TEST(writer_compact_and_full_device)
{
	struct sfp_writer w;
	struct sfp_fail f;
	cJSON *j = cJSON_Parse("{\"a\": [1, \"x\"]}");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *full;
	int i;
	enum sfp_status st = SFP_OK;

	sfp_writer_init(&w, mem, "<mem>", 0);
	ck_assert_int_eq(sfp_write_json(&w, j, &f), SFP_OK);
	ck_assert_int_eq(sfp_writer_fini(&w, &f), SFP_OK);
	fclose(mem);
	ck_assert_str_eq(buf, "{\"a\":[1,\"x\"]}\n");
	free(buf);

	full = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(full);
	sfp_writer_init(&w, full, "<stdout>", 0);
	for (i = 0; i < 10000 && st == SFP_OK; i++)
		st = sfp_write_json(&w, j, &f);
	if (st == SFP_OK)
		st = sfp_writer_fini(&w, &f);
	else
		(void)sfp_writer_fini(&w, NULL);
	ck_assert_int_eq(st, SFP_E_IO);
	ck_assert_str_eq(f.place, "<stdout>");
	fclose(full);
	cJSON_Delete(j);
}
END_TEST

/* A batch program's outputs: the rejects file made by file.c's rule and
 * closed with the results; without one there is no rejects writer. */
START_TEST(outputs_with_and_without_rejects)
{
	struct sfp_outputs o;
	struct sfp_fail f;
	struct stat sb;
	char dir[256], path[320];
	cJSON *j = cJSON_Parse("{\"id\":\"bk-1\"}");

	tu_tmpdir(dir, sizeof(dir), "writer");
	ck_assert_int_eq(sfp_outputs_open(&o, NULL, 0, &f), SFP_OK);
	ck_assert_ptr_null(o.rejects);
	ck_assert_int_eq(sfp_outputs_close(&o, SFP_E_ITEM, &f), SFP_E_ITEM);
	(void)snprintf(path, sizeof(path), "%s/rejects.jsonl", dir);
	ck_assert_int_eq(sfp_outputs_open(&o, path, 1, &f), SFP_OK);
	ck_assert_ptr_eq(o.rejects, &o.rej);
	ck_assert_int_eq(o.out.pretty, 1);
	ck_assert_int_eq(o.rej.pretty, 0);   /* rejects are lines, for replay */
	ck_assert_int_eq(sfp_write_json(o.rejects, j, &f), SFP_OK);
	ck_assert_int_eq(sfp_outputs_close(&o, SFP_OK, &f), SFP_OK);
	ck_assert_ptr_null(o.rfp);
	tu_expect_file(path, "{\"id\":\"bk-1\"}\n");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	/* A rejects path that cannot be a file: refused, nothing left open. */
	ck_assert_int_ne(sfp_outputs_open(&o, dir, 0, &f), SFP_OK);
	cJSON_Delete(j);
	tu_rmtree(dir);
}
END_TEST

Suite *
suite_writer(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, writer_compact_and_full_device);
	tcase_add_test(tc, outputs_with_and_without_rejects);
	suite_add_tcase(s, tc);
	return s;
}
