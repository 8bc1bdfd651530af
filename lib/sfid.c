/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <ctype.h>
#include <string.h>

#include "sfid.h"

/* The three suffix characters: each encodes which of five characters are
 * upper-case letters, as a 5-bit index into this alphabet. */
static void
case_suffix(const char *id15, char out[3])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	int chunk, i, bits;

	for (chunk = 0; chunk < 3; chunk++) {
		bits = 0;
		for (i = 0; i < 5; i++)
			if (id15[chunk * 5 + i] >= 'A' && id15[chunk * 5 + i] <= 'Z')
				bits |= 1 << i;
		out[chunk] = alphabet[bits];
	}
}

static int
valid_n(const char *s, size_t n, const char *prefix)
{
	char suffix[3];
	size_t i;

	if (n != 15 && n != 18)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	if (prefix != NULL && prefix[0] != '\0' &&
	    (strlen(prefix) > 15 || strncmp(s, prefix, strlen(prefix)) != 0))
		return 0;
	if (n == 18) {
		case_suffix(s, suffix);
		for (i = 0; i < 3; i++)
			if (toupper((unsigned char)s[15 + i]) != suffix[i])
				return 0;
	}
	return 1;
}

int
sfp_sfid_valid(const char *s, const char *prefix)
{
	return s != NULL && valid_n(s, strlen(s), prefix);
}

int
sfp_sfid_same_n(const char *a, size_t n, const char *b)
{
	if (a == NULL || b == NULL || !valid_n(a, n, NULL) || !sfp_sfid_valid(b, NULL))
		return 0;
	return memcmp(a, b, 15) == 0;
}

int
sfp_sfid_same(const char *a, const char *b)
{
	return a != NULL && sfp_sfid_same_n(a, strlen(a), b);
}
