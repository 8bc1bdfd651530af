/* SPDX-License-Identifier: ISC */
/* The JSON stream reader: every item of the input read, refused or written
 * back out, plus the one-shot parser over the whole input. */
#include "fuzz.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfp_fail f;
	struct sfp_reader_opts ro = { 4096, 16 };
	int fd = fz_fd(data, size);
	struct sfp_reader *r = sfp_reader_new(fd, "<stdin>", size % 2 ? &ro : NULL);
	FILE *null = fopen("/dev/null", "w");
	struct sfp_writer w;
	sfp_writer_init(&w, null, "<null>", (int)(size % 3 == 0));
	for (int i = 0; i < 10000; i++) {
		cJSON *item = NULL;
		enum sfp_status st = sfp_reader_next(r, &item, &f);
		size_t len;
		unsigned long line, col;
		const char *raw = sfp_reader_raw(r, &len);
		if (raw != NULL && len > 0)
			(void)raw[len - 1];
		sfp_reader_pos(r, &line, &col);
		if (st == SFP_OK && item == NULL)
			break;
		if (st == SFP_OK) {
			sfp_write_json(&w, item, &f);
			cJSON_Delete(item);
		} else if (st != SFP_E_ITEM) {
			break;
		}
	}
	sfp_writer_fini(&w, &f);
	fclose(null);
	sfp_reader_free(r);
	close(fd);

	cJSON *v = NULL;
	if (sfp_json_parse((const char *)data, size, "<fuzz>", 0, &v, &f) == SFP_OK)
		cJSON_Delete(v);
	return 0;
}
