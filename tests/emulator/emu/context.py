# SPDX-License-Identifier: ISC
"""One API request's context: its org, user, API version and one-shot lock fault."""
import contextlib

NO_TX = contextlib.nullcontext()


class Ctx:
    """One API request (or one composite subrequest tree)."""

    def __init__(self, org, user, version, lock_fault=False, flags=None):
        self.org, self.user, self.version = org, user, version
        # shared with subrequest contexts: the lock fault hits one write per request
        self.flags = flags if flags is not None else {"lock": lock_fault}

    @property
    def lock_fault(self):
        return self.flags["lock"]

    def write_tx(self):
        """A savepoint around one write, unless the caller already rolls back the
        whole unit on any error (a graph does: a failed node fails its graph)."""
        return NO_TX if self.flags.get("atomic") else self.org.tx()

    def take_lock_fault(self):
        if self.flags["lock"]:
            self.flags["lock"] = False
            self.org.count_fault("lock")
            return True
        return False

    @property
    def v(self):
        return "v" + self.version
