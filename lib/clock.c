/* SPDX-License-Identifier: ISC */
/* clock: monotonic milliseconds for waits, timeouts and durations. */
#include "compat.h"

#include <time.h>

#include "clock.h"

long long
sfp_clock_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
