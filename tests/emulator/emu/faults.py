# SPDX-License-Identifier: ISC
"""Fault injection rules: which requests get which injected fault."""
import random
import re

from .errors import SFError

# faults that strike while a Bulk API job is processed, not on a request
JOB_KINDS = ("bulk_row_lock", "bulk_job_fail")


class Faults:
    """The org's fault rules (a mixin of org.Org: self.faults, self.stats_lock)."""

    def set_faults(self, spec):
        rules = spec.get("rules", []) if isinstance(spec, dict) else spec
        kinds = {"latency", "unavailable", "lock", "concurrent_limit", "daily_limit",
                 "expired_session", "cut_before", "cut_after", "bulk_row_lock",
                 "bulk_job_fail"}
        out = []
        for r in rules:
            if r.get("kind") not in kinds:
                raise SFError(400, "INVALID_INPUT", "unknown fault kind %r" % r.get("kind"))
            out.append({"kind": r["kind"], "rate": r.get("rate"), "count": r.get("count"),
                        "path": re.compile(r.get("path") or ""),
                        "method": (r.get("method") or "").upper(),
                        "ms": int(r.get("ms", 0)), "seed": r.get("seed", 0),
                        "rng": random.Random(r.get("seed", 0)), "spec": {
                            k: v for k, v in r.items()}})
        with self.stats_lock:
            self.faults.extend(out)

    def pick_faults(self, method, path):
        fired = []
        with self.stats_lock:
            for r in self.faults:
                if r["kind"] in JOB_KINDS:
                    continue           # these strike inside a job: take_fault
                if r["method"] and r["method"] != method:
                    continue
                if not r["path"].search(path):
                    continue
                if r["count"] is not None:
                    if r["count"] <= 0:
                        continue
                    if r["rate"] is not None and r["rng"].random() >= r["rate"]:
                        continue
                    r["count"] -= 1
                elif r["rate"] is not None:
                    if r["rng"].random() >= r["rate"]:
                        continue
                fired.append(r)
        return fired

    def take_fault(self, kind):
        """One occurrence of a rule of this kind (by its count or rate), for
        faults that strike inside a job rather than a request: the rule, or
        None."""
        with self.stats_lock:
            for r in self.faults:
                if r["kind"] != kind:
                    continue
                if r["count"] is not None:
                    if r["count"] <= 0:
                        continue
                    r["count"] -= 1
                elif r["rate"] is not None and r["rng"].random() >= r["rate"]:
                    continue
                self.counters["faults_injected"][kind] = (
                    self.counters["faults_injected"].get(kind, 0) + 1)
                return r
        return None

    def count_fault(self, kind):
        with self.stats_lock:
            fi = self.counters["faults_injected"]
            fi[kind] = fi.get(kind, 0) + 1
