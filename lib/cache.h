/* SPDX-License-Identifier: ISC */
/*
 * cache: small files under the sfpipe cache directory, safe to share.
 *
 * Directories are created 0700, files 0600.  A write goes to a temporary file in
 * the same directory and is renamed into place, so concurrent readers see the old
 * or the new file, never a torn one, and concurrent writers never corrupt it.
 * Names are derived by hashing the identifying parts (org, user, version, ...)
 * so no input can steer a path out of the cache directory.
 *
 * Ownership: buffers returned are malloc'd; the caller frees them.
 */
#ifndef SFP_CACHE_H
#define SFP_CACHE_H

#include <stddef.h>
#include <time.h>
#include "fail.h"

/* The cache directory: configured if non-empty, else $SFPIPE_CACHE_DIR, else
 * $XDG_CACHE_HOME/sfpipe, else $HOME/.cache/sfpipe.  Returns 0, -1 if too long
 * or no home is known. */
int sfp_cache_default_dir(const char *configured, char *out, size_t n);

/* Create dir (and its parents) with mode 0700 where missing.  SFP_E_IO. */
enum sfp_status sfp_cache_mkdir(const char *dir, struct sfp_fail *f);

/* out = dir "/" sub "/" hex(hash(parts joined by NUL)) suffix.  Returns 0, -1 if
 * it does not fit.  parts is NULL-terminated. */
int sfp_cache_path(const char *dir, const char *sub, const char *const *parts, const char *suffix,
    char *out, size_t n);

/* Read a cache file.  SFP_OK with *buf (NUL-terminated), *len and *mtime;
 * SFP_E_INPUT code "miss" when absent; SFP_E_IO otherwise (also when the file
 * is readable by group/others or not a regular file). */
enum sfp_status sfp_cache_read(const char *path, size_t max, char **buf, size_t *len,
    time_t *mtime, struct sfp_fail *f);

/* Write atomically (temp + rename), mode 0600, creating the directory. */
enum sfp_status sfp_cache_write(const char *path, const void *buf, size_t len, struct sfp_fail *f);

/* Remove; a missing file is not an error. */
enum sfp_status sfp_cache_remove(const char *path, struct sfp_fail *f);

#endif
