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

enum sfp_status
sfp_parse_option(const char *name, const char *arg, long min, long max, long *out,
    struct sfp_fail *f)
{
	if (sfp_parse_long(arg, min, max, out) == 0)
		return SFP_OK;
	return sfp_fail_set(f, SFP_E_USAGE, NULL, NULL, "--%s %.40s: expected a number from %ld to %ld",
	    name, arg != NULL ? arg : "", min, max);
}
