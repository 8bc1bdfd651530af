/* SPDX-License-Identifier: ISC */
/*
 * soql: values that may go into a SOQL statement.
 *
 * Nothing from outside reaches a query text unless it passed through here:
 * record ids are checked to be Salesforce ids (15 or 18 characters of
 * [A-Za-z0-9], the 18-character form with a correct case-checksum suffix, and
 * optionally the key prefix of the expected object), so they can stand
 * between quotes with nothing to escape; any other string is quoted with
 * SOQL's backslash escapes.
 *
 * Ownership: every function writes into caller storage and allocates nothing.
 */
#ifndef SFP_SOQL_H
#define SFP_SOQL_H

#include <stddef.h>

#define SFP_ID_LEN 18

/*
 * Check that s (len bytes, not necessarily NUL-terminated) is a Salesforce id;
 * when prefix is not NULL it must also start with it (e.g. "005" for a User).
 * On success writes the 18-character form (the checksum suffix added to a
 * 15-character id) and a NUL into out18 (19 bytes) and returns 0; otherwise
 * returns -1 with *why set to a static lowercase reason.
 */
int sfp_sfid_check(const char *s, size_t len, const char *prefix, char out18[SFP_ID_LEN + 1],
    const char **why);

/* The three checksum characters of a 15-character id into out (3 bytes, no NUL). */
void sfp_sfid_suffix(const char id15[15], char out[3]);

/*
 * Quote s as a SOQL string literal: '...' with \' \" \\ \n \r \t \b \f escaped.
 * Refuses (returns -1) other control characters and a result that does not fit
 * n bytes; otherwise returns the length written (NUL not counted).
 */
int sfp_soql_quote(const char *s, size_t len, char *out, size_t n);

#endif
