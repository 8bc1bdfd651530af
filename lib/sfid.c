/* SPDX-License-Identifier: ISC */
/* sfid: is it an id, and do two ids name the same thing (the checksum rule is soql's). */
#include "compat.h"

#include <string.h>

#include "sfid.h"
#include "soql.h"

int
sfp_sfid_valid(const char *s, const char *prefix)
{
	char id18[SFP_ID_LEN + 1];
	const char *why;

	return s != NULL && sfp_sfid_check(s, strlen(s), prefix != NULL && prefix[0] != '\0' ?
	    prefix : NULL, id18, &why) == 0;
}

int
sfp_sfid_same_n(const char *a, size_t n, const char *b)
{
	char a18[SFP_ID_LEN + 1], b18[SFP_ID_LEN + 1];
	const char *why;

	if (a == NULL || b == NULL || sfp_sfid_check(a, n, NULL, a18, &why) != 0 ||
	    sfp_sfid_check(b, strlen(b), NULL, b18, &why) != 0)
		return 0;
	return memcmp(a18, b18, SFP_ID_LEN) == 0;
}

int
sfp_sfid_same(const char *a, const char *b)
{
	return a != NULL && sfp_sfid_same_n(a, strlen(a), b);
}
