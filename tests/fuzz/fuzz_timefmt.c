/* SPDX-License-Identifier: ISC */
/* Date and time parsing and formatting, zone names and zone loading. */
#include "fuzz.h"
#include "timefmt.h"
#include "keyring.h"

static struct sfp_tz *zones[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfp_fail f;
	if (zones[0] == NULL) {
		const char *names[] = { "UTC", "Europe/Berlin", "America/St_Johns" };
		for (int i = 0; i < 3; i++)
			if (sfp_tz_load(names[i], &zones[i], &f) != SFP_OK)
				abort();
	}
	struct sfp_time t;
	const char *why = NULL;
	if (sfp_time_parse((const char *)data, size, &t, &why) == 0) {
		for (int i = 0; i < 3; i++) {
			char out[64];
			for (int want = SFP_WANT_DATE; want <= SFP_WANT_TIME; want++)
				if (sfp_time_format(&t, zones[i], (enum sfp_time_want)want, out, &why) == 0 &&
				    strlen(out) >= sizeof out)
					abort();
		}
	} else if (why == NULL) {
		abort();
	}
	char *s = fz_strdup(data, size);
	int64_t v;
	(void)sfp_rfc3339_parse(s, &v);
	if (sfp_tz_name_ok(s, size)) {
		struct sfp_tz *z = NULL;
		if (sfp_tz_load(s, &z, &f) == SFP_OK) {
			(void)sfp_tz_offset_at(z, 1795412345);
			(void)sfp_tz_local_to_utc(z, 1795412345);
			sfp_tz_free(z);
		}
	}
	if (size >= 8) {
		int64_t x;
		memcpy(&x, data, 8);
		x %= 100000000000LL;
		for (int i = 0; i < 3; i++) {
			(void)sfp_tz_offset_at(zones[i], x);
			(void)sfp_tz_local_to_utc(zones[i], x);
		}
		int64_t y; int m, d;
		sfp_civil_from_days(x % 4000000, &y, &m, &d);
		if (sfp_days_from_civil(y, m, d) != x % 4000000)
			abort();
	}
	free(s);
	return 0;
}
