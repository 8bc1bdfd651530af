/* SPDX-License-Identifier: ISC */
/*
 * readfile: whole files into memory, bounded.
 *
 * Ownership: buffers and trees returned are new; the caller frees them (free,
 * cJSON_Delete).
 */
#ifndef SFP_READFILE_H
#define SFP_READFILE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "fail.h"

/* Read a whole file (path "-" means stdin) of at most max bytes into a new
 * NUL-terminated buffer (caller frees).  SFP_E_INPUT if missing or too large. */
enum sfp_status sfp_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct sfp_fail *f);

/* Read all of fd (at most max bytes) the same way; source names it in errors. */
enum sfp_status sfp_read_fd(int fd, const char *source, size_t max, char **buf, size_t *len,
    struct sfp_fail *f);

/* Read and parse a JSON file in one go (sfp_read_file + sfp_json_parse). */
enum sfp_status sfp_json_load(const char *path, size_t max, cJSON **out, struct sfp_fail *f);

#endif
