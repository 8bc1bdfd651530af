/* SPDX-License-Identifier: ISC */
/*
 * clock: the monotonic milliseconds that every wait, timeout and run duration
 * is measured in (never the wall clock, which an operator or NTP may step).
 */
#ifndef SFP_CLOCK_H
#define SFP_CLOCK_H

long long sfp_clock_ms(void);

#endif
