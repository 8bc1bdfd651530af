/* SPDX-License-Identifier: ISC */
/*
 * file: the one way sfpipe creates the files it writes.
 *
 * Rejects files, caches, keyrings and stores hold booking data, tokens or keys,
 * so every one is created owner-only (0600) and never through a symbolic link
 * (O_NOFOLLOW), with O_CLOEXEC so no child inherits it.  An existing file is
 * used only when it is a regular file owned by the running user; one that group
 * or others may read or write is narrowed to 0600 before the first byte goes
 * in (it was ours, so its data was already at risk; from now on it is not).
 * Directories that hold such files (the cache) must be owned by the running
 * user and not writable by group or others, or anyone could swap a file in.
 *
 * Ownership: descriptors and FILEs returned belong to the caller, who closes
 * them.  Errors are SFP_E_IO with code "file" and the path as place, except a
 * file or directory refused for its owner or type: SFP_E_INPUT, code "unsafe-file".
 */
#ifndef SFP_FILE_H
#define SFP_FILE_H

#include <stddef.h>
#include <stdio.h>
#include "fail.h"

/*
 * The rule at a directory descriptor (dirfd from sfp_file_open_dir, or
 * AT_FDCWD for a path): open name with flags (O_RDONLY, O_WRONLY or O_RDWR,
 * with O_CREAT, O_EXCL, O_APPEND as needed), created 0600, never through a
 * symbolic link, close-on-exec, then sfp_file_check_fd; a FIFO or device in
 * its place is refused without blocking.  place names the file in errors
 * (NULL: name).  The functions below are this with a path.
 */
enum sfp_status sfp_file_openat(int dirfd, const char *name, int flags, const char *place,
    int *fd, struct sfp_fail *f);

/* Open path for appending, creating it 0600 when missing. */
enum sfp_status sfp_file_open_append(const char *path, int *fd, struct sfp_fail *f);

/* The same, as a stdio stream opened "a". */
enum sfp_status sfp_file_fopen_append(const char *path, FILE **fp, struct sfp_fail *f);

/* Open path for reading and writing, creating it 0600 when missing (stores). */
enum sfp_status sfp_file_open_rw(const char *path, int *fd, struct sfp_fail *f);

/* Check an open descriptor as the functions above do: a regular file owned by
 * the running user; mode narrowed to 0600 when group or others had any access. */
enum sfp_status sfp_file_check_fd(int fd, const char *path, struct sfp_fail *f);

/* A file that decides whom sfpipe trusts or where it sends credentials (an
 * org file, a test CA file), read through fd: a regular file owned by the
 * running user or root, not writable by group or others.  Not changed. */
enum sfp_status sfp_file_check_trusted_fd(int fd, const char *path, struct sfp_fail *f);

/* Write all of buf to fd, again after EINTR or a short write: 0, or -1 with
 * errno set (ENOSPC when the file system took nothing).  No sync: callers that
 * need the bytes durable fsync(2) after it. */
int sfp_file_write_full(int fd, const void *buf, size_t len);

/* Write buf to path through a new 0600 temporary in the same directory, synced,
 * then renamed into place, so a reader sees the old file or the new, never half.
 * When replace is 0 an existing path is an error (code "exists") and is kept. */
enum sfp_status sfp_file_write_atomic(const char *path, const void *buf, size_t len, int replace,
    struct sfp_fail *f);

/* A directory that may hold private files: a real directory (not a link),
 * owned by the running user, not writable by group or others. */
enum sfp_status sfp_file_check_dir(const char *dir, struct sfp_fail *f);

/* Open dir for the *at calls, with sfp_file_check_dir's rule applied to the
 * open directory (no swap between check and use).  A missing dir is
 * SFP_E_INPUT, code "file". */
enum sfp_status sfp_file_open_dir(const char *dir, int *dirfd, struct sfp_fail *f);

#endif
