/* SPDX-License-Identifier: ISC */
/*
 * num: the one strict parser of whole numbers given as text (options, settings).
 *
 * Only "-?[0-9]+" is a number: no leading or trailing space of any kind, no
 * "+", no hex or octal prefix, nothing after the digits, and the value must lie
 * in [min, max].  (strtol alone skips leading blanks, tabs and newlines.)
 */
#ifndef SFP_NUM_H
#define SFP_NUM_H

#include "fail.h"

/* 0 with *out set, or -1 when s is not such a number in range (*out untouched). */
int sfp_parse_long(const char *s, long min, long max, long *out);

/* An option's number: SFP_OK with *out set, or SFP_E_USAGE with the one
 * message "--name ARG: expected a number from min to max". */
enum sfp_status sfp_parse_option(const char *name, const char *arg, long min, long max,
    long *out, struct sfp_fail *f);

#endif
