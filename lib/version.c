/* SPDX-License-Identifier: ISC */
/* version: the one version string, from the file VERSION (plus the git revision in a checkout). */
#include "compat.h"

/* The Makefile passes SFP_VERSION_STRING when it compiles this file, and only
 * this file, so a new commit rebuilds one object, not the whole library. */
#ifndef SFP_VERSION_STRING
#define SFP_VERSION_STRING "unknown"
#endif

const char sfp_version[] = SFP_VERSION_STRING;
