/* SPDX-License-Identifier: ISC */
/*
 * Platform feature selection, in one place.  Every lib/ and bin/ source includes
 * this first, so the rest of the code is written against POSIX 2008 plus the few
 * BSD/GNU extensions named here, never against #ifdefs scattered through logic.
 */
#ifndef SFP_COMPAT_H
#define SFP_COMPAT_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
/* timegm(3), flock(2), O_NOFOLLOW, explicit_bzero live behind _DEFAULT_SOURCE on glibc. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

/* The version: the file VERSION, with the git revision appended when built from
 * a checkout ("0.2.0 (git abc1234)"); lib/version.c holds it. */
extern const char sfp_version[];
#define SFP_VERSION sfp_version

/* Mark the process not dumpable: no core file, no ptrace or /proc/PID/mem by
 * other processes of the same user.  Linux has prctl(2); elsewhere the zero
 * RLIMIT_CORE set next to it is what stops core files. */
#ifdef __linux__
#include <sys/prctl.h>
#define SFP_SET_NOT_DUMPABLE() prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L)
#else
#define SFP_SET_NOT_DUMPABLE() 0
#endif

#endif
