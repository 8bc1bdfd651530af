/* SPDX-License-Identifier: ISC */
/* num: the one strict parser of whole numbers given as text. */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>

#include "num.h"

int
sfp_parse_long(const char *s, long min, long max, long *out)
{
	const char *d;
	char *end;
	long v;

	if (s == NULL)
		return -1;
	/* Checked here, not left to strtol, which would skip any leading space. */
	d = s[0] == '-' ? s + 1 : s;
	if (*d < '0' || *d > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
