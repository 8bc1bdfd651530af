/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <string.h>

#include "soql.h"

static int
is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

void
sfp_sfid_suffix(const char id15[15], char out[3])
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	int chunk, i, bits;

	for (chunk = 0; chunk < 3; chunk++) {
		bits = 0;
		for (i = 0; i < 5; i++) {
			char c = id15[chunk * 5 + i];
			if (c >= 'A' && c <= 'Z')
				bits |= 1 << i;
		}
		out[chunk] = tab[bits];
	}
}

int
sfp_sfid_check(const char *s, size_t len, const char *prefix, char out18[SFP_ID_LEN + 1],
    const char **why)
{
	char suf[3];
	size_t i, plen;

	if (s == NULL || (len != 15 && len != 18)) {
		*why = "not a salesforce id: want 15 or 18 letters and digits";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!is_alnum(s[i])) {
			*why = "not a salesforce id: only letters and digits allowed";
			return -1;
		}
	}
	sfp_sfid_suffix(s, suf);
	if (len == 18 && memcmp(s + 15, suf, 3) != 0) {
		*why = "not a salesforce id: checksum suffix does not match";
		return -1;
	}
	if (prefix != NULL) {
		plen = strlen(prefix);
		if (plen > 15 || memcmp(s, prefix, plen) != 0) {
			*why = "wrong kind of id: key prefix does not match";
			return -1;
		}
	}
	memcpy(out18, s, 15);
	memcpy(out18 + 15, suf, 3);
	out18[SFP_ID_LEN] = '\0';
	return 0;
}

int
sfp_soql_quote(const char *s, size_t len, char *out, size_t n)
{
	size_t i, o = 0;

	if (n < 3)
		return -1;
	out[o++] = '\'';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc = 0;

		switch (c) {
		case '\'': esc = '\''; break;
		case '"': esc = '"'; break;
		case '\\': esc = '\\'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		case '\t': esc = 't'; break;
		case '\b': esc = 'b'; break;
		case '\f': esc = 'f'; break;
		default:
			if (c < 0x20 || c == 0x7f)
				return -1;
		}
		if (o + (esc ? 2u : 1u) + 2u > n)
			return -1;
		if (esc) {
			out[o++] = '\\';
			out[o++] = esc;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
	return (int)o;
}
