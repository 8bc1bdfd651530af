/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "stream.h"
#include "testutil.h"

/* A reader over the given bytes, through a pipe fed by a temp file so that
 * large inputs do not block. */
static struct sfp_reader *
reader_over(const char *data, size_t len, const struct sfp_reader_opts *o)
{
	return sfp_reader_new(tu_fd_over(data, len), "<stdin>", o);
}

static char *
next_compact(struct sfp_reader *r, enum sfp_status *st, struct sfp_fail *f)
{
	cJSON *j = NULL;
	char *s = NULL;

	*st = sfp_reader_next(r, &j, f);
	if (j != NULL) {
		s = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
	}
	return s;
}

#define EXPECT_ITEM(r, want) do { \
	enum sfp_status st_; struct sfp_fail f_; char *s_ = next_compact(r, &st_, &f_); \
	ck_assert_int_eq(st_, SFP_OK); ck_assert_ptr_nonnull(s_); \
	ck_assert_str_eq(s_, want); cJSON_free(s_); } while (0)

#define EXPECT_REFUSED(r, wantplace, wantmsg) do { \
	enum sfp_status st_; struct sfp_fail f_; char *s_ = next_compact(r, &st_, &f_); \
	ck_assert_ptr_null(s_); ck_assert_int_eq(st_, SFP_E_ITEM); \
	ck_assert_str_eq(f_.place, wantplace); \
	ck_assert_msg(strstr(f_.message, wantmsg) != NULL, "message '%s' lacks '%s'", f_.message, wantmsg); \
	} while (0)

#define EXPECT_END(r) do { \
	enum sfp_status st_; struct sfp_fail f_; char *s_ = next_compact(r, &st_, &f_); \
	ck_assert_int_eq(st_, SFP_OK); ck_assert_ptr_null(s_); } while (0)

START_TEST(json_lines)
{
	const char in[] = "{\"a\":1}\n{\"b\":[1,2]}\n\n  \"x\"\n42\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_ITEM(r, "{\"a\":1}");
	EXPECT_ITEM(r, "{\"b\":[1,2]}");
	EXPECT_ITEM(r, "\"x\"");
	EXPECT_ITEM(r, "42");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

START_TEST(top_level_array_and_pretty)
{
	const char in[] = "[\n {\"a\": 1},\n {\"b\": \"]}\"}\n]\n{\n  \"c\": {\n    \"d\": true\n  }\n}{\"e\":null}";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_ITEM(r, "{\"a\":1}");
	EXPECT_ITEM(r, "{\"b\":\"]}\"}");
	EXPECT_ITEM(r, "{\"c\":{\"d\":true}}");
	EXPECT_ITEM(r, "{\"e\":null}");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

START_TEST(errors_carry_line_and_column)
{
	const char in[] = "{\"a\":1}\n{\"a\":1,\n  \"b\" 2}\n{\"ok\":true}\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_ITEM(r, "{\"a\":1}");
	EXPECT_REFUSED(r, "<stdin>:3:7", "expected ':'");
	EXPECT_ITEM(r, "{\"ok\":true}");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

/* Build {"k0":0,"k1":1,...} with n keys; when dup_at > 0 the key at index
 * dup_at repeats key 7, written with an escape when escaped. */
static char *
many_keys(size_t n, size_t dup_at, int escaped, size_t *len)
{
	size_t cap = n * 24 + 64, o = 0, i;
	char *buf = malloc(cap);

	ck_assert_ptr_nonnull(buf);
	buf[o++] = '{';
	for (i = 0; i < n; i++) {
		int w;
		if (dup_at > 0 && i == dup_at)
			w = snprintf(buf + o, cap - o, "%s\"%s\":%zu", i ? "," : "",
			    escaped ? "\\u006b7" : "k7", i);
		else
			w = snprintf(buf + o, cap - o, "%s\"k%zu\":%zu", i ? "," : "", i, i);
		ck_assert(w > 0 && (size_t)w < cap - o);
		o += (size_t)w;
	}
	buf[o++] = '}';
	buf[o++] = '\n';
	*len = o;
	return buf;
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A regression guard for the quadratic duplicate check: 110,000 keys in one
 * object (about 1.6 MB) took 14 s of CPU when every key was compared with every
 * earlier one; with the hash set it takes milliseconds.  The bound is generous
 * for sanitizers and a loaded machine. */
START_TEST(many_keys_linear)
{
	struct sfp_reader_opts o = { 4u * 1024u * 1024u, 0 };
	size_t len;
	char *in = many_keys(110000, 0, 0, &len);
	struct sfp_reader *r = reader_over(in, len, &o);
	struct sfp_fail f;
	cJSON *j = NULL;
	double t0 = cpu_seconds(), spent;

	sfp_fail_clear(&f);
	ck_assert_int_eq(sfp_reader_next(r, &j, &f), SFP_OK);
	spent = cpu_seconds() - t0;
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetArraySize(j), 110000);
	ck_assert_msg(spent < 3.0, "110,000 keys took %.2f s of CPU", spent);
	cJSON_Delete(j);
	sfp_reader_free(r);
	free(in);
}
END_TEST

/* Past the linear stage the table must still catch a repeat, plain or escaped. */
START_TEST(many_keys_duplicate_found)
{
	struct sfp_reader_opts o = { 4u * 1024u * 1024u, 0 };
	size_t len;
	int escaped;

	for (escaped = 0; escaped <= 1; escaped++) {
		char *in = many_keys(5000, 4000, escaped, &len);
		struct sfp_reader *r = reader_over(in, len, &o);
		struct sfp_fail f;
		cJSON *j = NULL;

		sfp_fail_clear(&f);
		ck_assert_int_eq(sfp_reader_next(r, &j, &f), SFP_E_ITEM);
		ck_assert_ptr_null(j);
		ck_assert_msg(strstr(f.message, "duplicate key") != NULL, "%s", f.message);
		sfp_reader_free(r);
		free(in);
	}
}
END_TEST

/* Long keys compare whole: two keys sharing their first 300 bytes differ, and
 * the same long key written with and without an escape is one key. */
START_TEST(long_keys_compare_whole)
{
	char a[310], in[1400];
	struct sfp_fail f;
	cJSON *j = NULL;
	struct sfp_reader *r;

	memset(a, 'x', 300);
	a[300] = '\0';
	(void)snprintf(in, sizeof(in), "{\"%s1\":1,\"%s2\":2}\n{\"%sy\":1,\"%s\\u0079\":2}\n", a, a,
	    a, a);
	r = reader_over(in, strlen(in), NULL);
	sfp_fail_clear(&f);
	ck_assert_int_eq(sfp_reader_next(r, &j, &f), SFP_OK);
	ck_assert_int_eq(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	ck_assert_int_eq(sfp_reader_next(r, &j, &f), SFP_E_ITEM);
	ck_assert_msg(strstr(f.message, "duplicate key") != NULL, "%s", f.message);
	sfp_reader_free(r);
}
END_TEST

START_TEST(duplicate_keys_refused)
{
	const char in[] = "{\"a\":1,\"a\":2}\n{\"k\":1,\"\\u006b\":2}\n{\"x\":{\"a\":1},\"y\":{\"a\":1}}\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_REFUSED(r, "<stdin>:1:8", "duplicate key \"a\"");
	EXPECT_REFUSED(r, "<stdin>:2:8", "duplicate key");
	EXPECT_ITEM(r, "{\"x\":{\"a\":1},\"y\":{\"a\":1}}");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

START_TEST(bad_utf8_and_nul_refused)
{
	const char in[] = "{\"a\":\"\xC3\x28\"}\n{\"a\":\"x\\u0000y\"}\n{\"a\":\"\xED\xA0\x80\"}\n"
	    "{\"a\":\"\xC0\xAF\"}\n{\"a\":\"\\ud800\"}\n{\"\xC3\xA9t\xC3\xA9\":\"\xE2\x80\x99\"}\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_REFUSED(r, "<stdin>:1:7", "invalid UTF-8");
	EXPECT_REFUSED(r, "<stdin>:2:8", "\\u0000");
	EXPECT_REFUSED(r, "<stdin>:3:7", "invalid UTF-8");
	EXPECT_REFUSED(r, "<stdin>:4:7", "invalid UTF-8");
	EXPECT_REFUSED(r, "<stdin>:5:7", "surrogate");
	EXPECT_ITEM(r, "{\"\xC3\xA9t\xC3\xA9\":\"\xE2\x80\x99\"}");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

START_TEST(oversized_item_skipped_next_read)
{
	size_t big = 2u * 1024u * 1024u, i;
	char *in = malloc(big + 64);
	size_t n = 0;
	struct sfp_reader *r;

	n += (size_t)snprintf(in + n, 64, "{\"s\":\"");
	for (i = 0; i < big; i++)
		in[n++] = 'x';
	n += (size_t)snprintf(in + n, 64, "\"}\n{\"next\":1}\n");
	r = reader_over(in, n, NULL);
	EXPECT_REFUSED(r, "<stdin>:1:1", "item larger than 1048576 bytes");
	EXPECT_ITEM(r, "{\"next\":1}");
	EXPECT_END(r);
	sfp_reader_free(r);
	free(in);
}
END_TEST

START_TEST(depth_limit)
{
	struct sfp_reader_opts o = { 0, 4 };
	const char in[] = "[[[[[1]]]]]\n[[[[1]]]]\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, &o);

	/* The stream starts with '[': a top-level array whose elements are items,
	 * so the first item is [[[[1]]]] at column 2: depth 4, allowed... */
	EXPECT_ITEM(r, "[[[[1]]]]");
	sfp_reader_free(r);
	{
		const char in2[] = "{\"a\":[[[[1]]]]}\n{\"a\":[[[1]]]}\n";
		r = reader_over(in2, sizeof(in2) - 1, &o);
		EXPECT_REFUSED(r, "<stdin>:1:9", "nesting too deep");
		EXPECT_ITEM(r, "{\"a\":[[[1]]]}");
		EXPECT_END(r);
		sfp_reader_free(r);
	}
}
END_TEST

START_TEST(truncated_and_junk)
{
	const char in[] = "{\"a\":1}\nhello\n1e999\n{\"a\":";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);

	EXPECT_ITEM(r, "{\"a\":1}");
	EXPECT_REFUSED(r, "<stdin>:2:1", "unexpected character");
	EXPECT_REFUSED(r, "<stdin>:3:1", "number too large");
	EXPECT_REFUSED(r, "<stdin>:4:1", "unexpected end of input");
	EXPECT_END(r);
	sfp_reader_free(r);
}
END_TEST

START_TEST(raw_bytes_of_refused_item)
{
	const char in[] = "{\"a\":1,\"a\":2}\n";
	struct sfp_reader *r = reader_over(in, sizeof(in) - 1, NULL);
	struct sfp_fail f;
	cJSON *j;
	const char *raw;
	size_t len;

	ck_assert_int_eq(sfp_reader_next(r, &j, &f), SFP_E_ITEM);
	raw = sfp_reader_raw(r, &len);
	ck_assert_uint_eq(len, 13);
	ck_assert_int_eq(memcmp(raw, "{\"a\":1,\"a\":2}", 13), 0);
	sfp_reader_free(r);
}
END_TEST

Suite *
suite_stream(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, json_lines);
	tcase_add_test(tc, top_level_array_and_pretty);
	tcase_add_test(tc, errors_carry_line_and_column);
	tcase_add_test(tc, duplicate_keys_refused);
	tcase_add_test(tc, many_keys_linear);
	tcase_add_test(tc, many_keys_duplicate_found);
	tcase_add_test(tc, long_keys_compare_whole);
	tcase_add_test(tc, bad_utf8_and_nul_refused);
	tcase_add_test(tc, oversized_item_skipped_next_read);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, truncated_and_junk);
	tcase_add_test(tc, raw_bytes_of_refused_item);
	suite_add_tcase(s, tc);
	return s;
}
