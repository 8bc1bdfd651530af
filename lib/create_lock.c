/* SPDX-License-Identifier: ISC */
/* create_lock: one sf-create at a time per org, so newest wins's read and write are not interleaved. */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "create_run.h"
#include "file.h"
#include "org.h"
#include "sfapi.h"

/*
 * Newest wins reads the stored versions, then writes: two runs writing one
 * org at once could both read version 3 and write 5 and 4 in either order.
 * So a window's lookups and sends hold an exclusive flock(2) on a file of the
 * cache directory named for the org (its bound org id, else its instance URL,
 * else its login URL and user): a second run, or a second lane of the same
 * org, waits for it.  The lock is the kernel's: a run killed with -9 releases
 * it.  A run that cannot have it within LOCK_WAIT_MS fails the window's plans
 * as temporary (code "org-busy"): they go to the rejects file and are sent by
 * the next run.  With --no-cache nothing is kept on disk, no lock either.
 */
#define LOCK_WAIT_MS (10 * 60 * 1000)
#define LOCK_POLL_MS 50

enum sfp_status sfp_run_lock_org(struct run *R, int *fd, struct sfp_fail *f)
{
	const struct sfp_org *o = sfp_sf_org(R->sf);
	const char *parts[4] = { NULL, NULL, NULL, NULL };
	char dir[SFP_ORG_PATH + 8], path[SFP_ORG_PATH + 128];
	struct timespec nap = { 0, LOCK_POLL_MS * 1000000L };
	long long start = sfp_clock_ms();
	enum sfp_status st;

	*fd = -1;
	if (!o || o->no_cache || !o->cache_dir[0])
		return SFP_OK;
	if (o->org_id[0]) {
		parts[0] = "org";
		parts[1] = o->org_id;
	} else if (o->instance_url[0]) {
		parts[0] = "instance";
		parts[1] = o->instance_url;
	} else {
		parts[0] = "login";
		parts[1] = o->login_url;
		parts[2] = o->username;
	}
	if (snprintf(dir, sizeof dir, "%s/locks", o->cache_dir) >= (int)sizeof dir ||
	    sfp_cache_path(o->cache_dir, "locks", parts, ".lock", path, sizeof path) < 0)
		return sfp_fail_set(f, SFP_E_IO, "org-lock", NULL, "the cache directory's path is "
		    "too long for the org's lock");
	if ((st = sfp_cache_mkdir(dir, f)) != SFP_OK || (st = sfp_file_open_rw(path, fd, f)) != SFP_OK)
		return st;
	while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;   /* before close(2) may change it */

		if ((e != EWOULDBLOCK && e != EINTR) || sfp_clock_ms() - start >= LOCK_WAIT_MS) {
			close(*fd);
			*fd = -1;
			if (e == EWOULDBLOCK || e == EINTR)
				return sfp_fail_set(f, SFP_E_TEMP, "org-busy", path, "another sf-create "
				    "has been writing to this org for %d minutes; not sent",
				    LOCK_WAIT_MS / 60000);
			return sfp_fail_set(f, SFP_E_IO, "org-lock", path, "flock: %s", strerror(e));
		}
		nanosleep(&nap, NULL);
	}
	return SFP_OK;
}

void sfp_run_unlock_org(int fd)
{
	if (fd >= 0)
		close(fd);   /* the lock goes with the descriptor */
}
