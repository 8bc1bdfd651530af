# SPDX-License-Identifier: ISC
"""Concurrent graph and collections requests run in helper processes and replayed
by the owner (speculate.py); off unless SFEMU_HELPERS asks for helpers."""
import json
import os

import speculate

from .composite import graph
from .context import Ctx
from .errors import SFError
from .resp import Resp
from .sobject_collections import collections_res
from .store import INSERT_RECORD_SQL


def concurrent_write(ctx, request, native):
    """A graph or collections request.  With the data lock free (no other request
    being processed: every sequential client) the owner processes it, exactly as
    before.  While another request is being processed, a free helper process runs
    it on a copy of the org at the same time, and the owner then replays what the
    helper did, keeping it only if everything the helper read is still so."""
    org = ctx.org
    pool = org.pool
    helper = None
    # Wait for whichever comes first, the lock or a helper.  Both are tried under
    # pool.cond, which every release below notifies, so no wake-up is missed;
    # other holders of the lock do not notify, hence the timeout.  A replay
    # waiting for the lock goes first: it is short, and its answer frees a
    # client's connection for that client's next request.
    always = org.config["speculate_always"] and pool.helpers
    with pool.cond:
        while always or pool.replays_waiting or not org.lock.acquire(blocking=False):
            helper = pool.free.pop() if pool.free else None
            if helper is not None:
                break
            pool.cond.wait(0.02)
    if helper is None:
        try:
            return native()
        finally:
            org.lock.release()
            pool.notify()
    kind, method, parts, body, qs = request
    booking = org.seq_booking
    answer = None
    try:
        answer = helper.call((kind, ctx.user["Id"], ctx.version, ctx.flags["lock"], method,
                              parts, body, qs, booking))
        pool.give(helper)
    except (EOFError, OSError):
        pool.lost(helper)  # gone: this request and the ones it would have had are the owner's
    with pool.cond:
        pool.replays_waiting += 1
    org.lock.acquire()
    with pool.cond:
        pool.replays_waiting -= 1
    try:
        if answer is not None:
            resp = apply_speculation(ctx, answer, booking)
            if resp is not None:
                return resp
        return native()
    finally:
        org.lock.release()
        pool.notify()


def apply_speculation(ctx, answer, booking):
    """Replay a helper's run (speculate.replay); its response, or None on conflict."""
    org = ctx.org
    out, log, lock_left, booking_after = answer
    if booking_after != booking and org.seq_booking != booking:
        ok = False  # both numbered Booking__c records from the same counter
    else:
        def fix(sql, params):
            if sql == INSERT_RECORD_SQL:  # insertion order is the owner's
                org.seq += 1
                return params[:3] + (org.seq,)
            return params
        ok = speculate.replay(org.db, log, fix)
    with org.stats_lock:
        org.counters["speculated" if ok else "speculation_conflicts"] += 1
    if not ok:
        return None
    org.seq_booking = booking_after
    if ctx.flags["lock"] and not lock_left:
        ctx.flags["lock"] = False
        org.count_fault("lock")
    if out[0] == "error":
        raise SFError(*out[1:])
    return Resp(*out[1:])


def speculative_run(org, db, request):
    """In a helper: the request on db, a Recorder over a copy of the org."""
    kind, uid, version, lock, method, parts, body, qs, booking = request
    org.db, org.seq_booking = db, booking
    ctx = Ctx(org, org.users[uid], version, lock_fault=lock)
    try:
        if kind == "graph":
            r = graph(ctx, method, body)
        else:
            r = collections_res(ctx, method, parts, body, qs)
        data = r.body
        if data is not None and not isinstance(data, (bytes, str)):
            # encoded here, in parallel, rather than by the owner (Handler.send)
            data = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        out = ("resp", r.status, data, r.headers, r.ctype)
    except SFError as e:
        out = ("error", e.status, e.code, e.message, e.fields, e.body)
    except speculate.Bail:
        return None
    return out, db.log, ctx.flags["lock"], org.seq_booking


def start_helpers(org, n):
    cpus = sorted(os.sched_getaffinity(0))
    pin = os.environ.get("SFEMU_PIN", "1") != "0" and len(cpus) > 1

    def setup(k):
        if pin:  # the CPUs but the owner's, in turn
            os.sched_setaffinity(0, {cpus[1 + (k - 1) % (len(cpus) - 1)]})
        org.speculative = True
        org.owner_db = org.db  # the owner's connection: never used nor closed here
        org.id_space = k * 10 ** 12
        org.id_counters = {}
    org.pool = speculate.Pool(n, os.path.join(org.dir, "emu.db"), setup,
                              lambda db, request: speculative_run(org, db, request))
    if pin:
        # The owner on a CPU of its own, like a separate app server: with the
        # scheduler free to put the owner and a busy helper on one CPU for a while,
        # one start of the emulator measured 10-15 % slower than the next.
        os.sched_setaffinity(0, {cpus[0]})
