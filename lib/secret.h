/* SPDX-License-Identifier: ISC */
/*
 * secret: secrets from files or the environment, kept in guarded memory.
 *
 * A secret file is refused when group or others may read it (as ssh refuses a
 * private key), also when it is reached through a symlink whose target is such
 * a file.  The bytes live in sodium_malloc memory (guard pages, locked, never
 * swapped where the OS allows) and are wiped by sfp_secret_free.  No function
 * here ever puts the secret's bytes into an error message.
 *
 * Ownership: sfp_secret_* returns a new struct sfp_secret the caller releases
 * with sfp_secret_free (NULL is a no-op).
 */
#ifndef SFP_SECRET_H
#define SFP_SECRET_H

#include <stddef.h>
#include "fail.h"

struct sfp_secret {
	unsigned char *bytes;   /* sodium_malloc'd, NUL-terminated for convenience */
	size_t len;             /* without the NUL */
};

/* Read a secret file; one trailing newline (LF or CRLF) is dropped.  max bounds
 * its size (0: 64 KiB).  SFP_E_INPUT when missing, empty, too large, or readable
 * by group/others (the message says which and how to fix: chmod 600). */
enum sfp_status sfp_secret_from_file(const char *path, size_t max, struct sfp_secret **out,
    struct sfp_fail *f);

/* Take a secret from an environment variable (copied; the variable is then
 * unset so child processes don't inherit it).  SFP_E_INPUT when unset/empty. */
enum sfp_status sfp_secret_from_env(const char *name, struct sfp_secret **out, struct sfp_fail *f);

/* Copy len bytes into a new guarded secret. */
enum sfp_status sfp_secret_from_bytes(const void *p, size_t len, struct sfp_secret **out,
    struct sfp_fail *f);

/* Wipe and release. */
void sfp_secret_free(struct sfp_secret *s);

/* Check that an already-open file may hold a secret (mode, ownership).  path
 * names it in errors.  Used by modules that read a JSON file holding secrets
 * (the keyring, an org file) through their own parser. */
enum sfp_status sfp_secret_check_fd(int fd, const char *path, struct sfp_fail *f);

/* Read a whole secret-bearing file into guarded memory after the same checks. */
enum sfp_status sfp_secret_read_checked(const char *path, size_t max, struct sfp_secret **out,
    struct sfp_fail *f);

/* Write bytes (sfp_file_write_atomic) to a new file created O_CREAT|O_EXCL|O_NOFOLLOW mode 0600 through
 * a temporary name and rename(2), so a reader never sees half a file.  When
 * replace is 0 an existing path is an error. */
enum sfp_status sfp_secret_write_file(const char *path, const void *buf, size_t len, int replace,
    struct sfp_fail *f);

#endif
