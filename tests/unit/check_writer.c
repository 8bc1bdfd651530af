/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

Suite *
suite_writer(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, writer_compact_and_full_device);
	suite_add_tcase(s, tc);
	return s;
}
