/* SPDX-License-Identifier: ISC */
/*
 * sfid: Salesforce ids (org 00D..., user 005...), 15 or 18 characters.
 *
 * A 15-character id is case-sensitive; the 18-character form adds three
 * characters that encode the case of the first fifteen, so that it survives
 * case-insensitive tools.  Two ids name the same thing when their first fifteen
 * characters are equal byte for byte (and each 18-character id's suffix is the
 * right one: soql.h's sfp_sfid_check holds that rule).  See "What is a
 * Salesforce ID?" in Salesforce's help:
 * https://help.salesforce.com/s/articleView?id=000385008&type=1
 *
 * Ownership: nothing is allocated; strings are borrowed.
 */
#ifndef SFP_SFID_H
#define SFP_SFID_H

#include <stddef.h>

#define SFP_SFID_MAX 18

/* 1 when s is a well-formed 15- or 18-character id (alphanumeric, correct
 * case suffix) starting with prefix (e.g. "00D"; NULL or "" for any). */
int sfp_sfid_valid(const char *s, const char *prefix);

/* 1 when a and b are valid ids naming the same thing (15 vs 18 allowed). */
int sfp_sfid_same(const char *a, const char *b);

/* The same for an id that is not NUL-terminated: the first n bytes of a. */
int sfp_sfid_same_n(const char *a, size_t n, const char *b);

#endif
