/* SPDX-License-Identifier: ISC */
/* The mapping compiler and the templates, filters and coercions it runs:
 * input is a mapping (compiled against the example describe catalog), then
 * after a "--" line a stream of bookings to apply it to.  Without a
 * separator the example booking is used.  With a mapping that fails to parse,
 * the input is taken as bookings for the example mapping instead. */
#include "fuzz.h"
#include "mapping.h"
#include "stream.h"

static struct sfp_catalog *cat;
static struct sfp_mapping *example;
static cJSON *booking;

static void setup(void)
{
	struct sfp_fail f;
	struct sfp_problems p = { 0 };
	char *buf;
	size_t len;
	if (sfp_catalog_load("tests/fuzz/fixtures/describe.json", &cat, &f) != SFP_OK ||
	    sfp_mapping_load("tests/fuzz/fixtures/mapping.json", cat, &example, &p, &f) != SFP_OK ||
	    sfp_read_file("tests/fuzz/fixtures/booking.json", 1 << 20, &buf, &len, &f) != SFP_OK ||
	    sfp_json_parse(buf, len, "booking", 0, &booking, &f) != SFP_OK) {
		fprintf(stderr, "fuzz_mapping: fixtures: %s: %s\n", f.place, f.message);
		abort();
	}
	sfp_problems_fini(&p);
	free(buf);
}

static void apply(struct sfp_mapping *m, const char *b, size_t blen)
{
	struct sfp_fail f;
	const char *line;
	size_t len;
	if (b == NULL) {
		(void)sfp_mapping_apply(m, booking, &line, &len, &f);
		return;
	}
	int fd = fz_fd(b, blen);
	struct sfp_reader *r = sfp_reader_new(fd, "<stdin>", NULL);
	FILE *null = fopen("/dev/null", "w");
	struct sfp_writer w, rej;
	struct sfp_map_counts c = { 0 };
	sfp_writer_init(&w, null, "<stdout>", 0);
	sfp_writer_init(&rej, null, "rejects", 0);
	(void)sfp_map_stream(m, r, &w, &rej, NULL, NULL, &c, &f);
	sfp_writer_fini(&w, &f);
	sfp_writer_fini(&rej, &f);
	fclose(null);
	sfp_reader_free(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cat == NULL)
		setup();
	char *a, *b;
	size_t alen, blen;
	fz_split(data, size, &a, &alen, &b, &blen);
	cJSON *json = NULL;
	struct sfp_fail f;
	if (sfp_json_parse(a, alen, "mapping.json", 0, &json, &f) == SFP_OK) {
		struct sfp_mapping *m = NULL;
		struct sfp_problems p = { 0 };
		if (sfp_mapping_compile(json, cat, &m, &p, &f) == SFP_OK) {
			apply(m, b, blen);
			apply(m, b, blen);
			sfp_mapping_free(m);
		}
		sfp_problems_fini(&p);
		cJSON_Delete(json);
	} else {
		apply(example, (const char *)data, size);
	}
	free(a);
	free(b);
	return 0;
}
