# SPDX-License-Identifier: ISC
"""Concurrent write requests processed in parallel, as Salesforce's app servers do.

The emulator keeps one owner of the org's data (its SQLite connection, under
org.Org.lock); under the GIL its threads process one request at a time.  So that two
write requests arriving together are processed together, as on a real org, a
request that finds the owner busy is run speculatively in a helper process:

1. The helper copies the last committed state of the org (SQLite's backup of
   the database file, under a shared lock: a consistent snapshot), runs the
   request on the copy with the emulator's own code, and records every statement
   it sent: each read with the rows it got, each write.
2. The owner replays that record under its lock, inside a savepoint: writes are
   executed as recorded, reads are executed again and must give the same rows.
   The request's code is deterministic given its reads, so equal reads mean the
   replay *is* the request processed now: its writes are kept and its answer is
   sent.  One read that differs (another request changed a row this one read)
   rolls the replay back, and the owner processes the request itself, serially.

Only the database is shared this way; in-memory state a request may change is
reconciled by the caller (generated ids come from a range of the helper's own;
the records' insertion order is renumbered on replay; autonumbers must not have
moved).  A request that needs other state raises Bail in the helper and is
processed by the owner.
"""
import os
import signal
import sqlite3
import threading


class Bail(Exception):
    """The helper cannot process this request on a copy; the owner will."""


class Conflict(Exception):
    """A replayed read gave other rows than the helper's run."""


class Rows:
    """The rows of a recorded SELECT, read like a cursor."""

    def __init__(self, rows):
        self.rows, self.i = rows, 0

    def fetchone(self):
        if self.i >= len(self.rows):
            return None
        self.i += 1
        return self.rows[self.i - 1]

    def fetchall(self):
        rest, self.i = self.rows[self.i:], len(self.rows)
        return rest

    def __iter__(self):
        return iter(self.fetchall())


READ, WRITE, WRITE_MANY = 0, 1, 2


class Recorder:
    """A sqlite3 connection look-alike that keeps the statements sent through it."""

    def __init__(self, conn):
        self.conn, self.log = conn, []

    def execute(self, sql, params=()):
        cur = self.conn.execute(sql, params)
        if sql.startswith("SELECT"):
            rows = cur.fetchall()
            self.log.append((READ, sql, params, rows))
            return Rows(rows)
        self.log.append((WRITE, sql, params, None))
        return cur

    def executemany(self, sql, seq):
        seq = list(seq)
        self.log.append((WRITE_MANY, sql, seq, None))
        return self.conn.executemany(sql, seq)


def replay(db, log, fix_params=None):
    """Send the recorded statements to db, the owner's connection, inside a
    savepoint.  Returns True when every read gave the recorded rows (the writes
    are kept), False when one did not (everything is rolled back).
    fix_params(sql, params) may rewrite the parameters of a write."""
    db.execute("SAVEPOINT speculation")
    try:
        for kind, sql, params, rows in log:
            if kind == READ:
                if db.execute(sql, params).fetchall() != rows:
                    raise Conflict()
            elif kind == WRITE:
                db.execute(sql, fix_params(sql, params) if fix_params else params)
            else:
                db.executemany(sql, params)
    except (Conflict, sqlite3.Error):
        db.execute("ROLLBACK TO speculation")
        db.execute("RELEASE speculation")
        return False
    db.execute("RELEASE speculation")
    return True


class Helper:
    """One helper process and the pipe to it."""

    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn

    def call(self, request):
        self.conn.send(request)
        return self.conn.recv()


class Pool:
    """Helper processes forked from the owner before it serves (so before any
    thread exists).  run(snapshot_connection, request) -> answer is called in the
    helper for every request; its answer goes back to the owner."""

    def __init__(self, n, db_path, setup, run):
        import multiprocessing
        mp = multiprocessing.get_context("fork")
        self.free, self.cond, self.helpers = [], threading.Condition(), []
        self.replays_waiting = 0  # threads waiting for the owner's lock to replay
        for k in range(n):
            mine, theirs = mp.Pipe()
            p = mp.Process(target=_helper_main, args=(theirs, db_path, setup, run, k + 1),
                           daemon=True, name="sfemu-helper-%d" % (k + 1))
            p.start()
            theirs.close()
            h = Helper(p, mine)
            self.helpers.append(h)
            self.free.append(h)

    def give(self, h):
        with self.cond:
            self.free.append(h)
            self.cond.notify_all()

    def lost(self, h):
        """A helper that died: it is not given back, nor counted on."""
        with self.cond:
            if h in self.helpers:
                self.helpers.remove(h)

    def notify(self):
        """The owner's data lock was released: wake who waits for it."""
        with self.cond:
            self.cond.notify_all()


def _helper_main(conn, db_path, setup, run, k):
    # the owner's handlers stop its server; a helper just ends with it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    src = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    setup(k)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        copy = sqlite3.connect(":memory:", isolation_level=None)
        src.backup(copy)
        try:
            answer = run(Recorder(copy), request)
        except Exception:  # noqa: BLE001 - anything unforeseen: the owner does it
            answer = None
        copy.close()
        try:
            conn.send(answer)
        except (EOFError, OSError):
            os._exit(0)
