# SPDX-License-Identifier: ISC
"""Fault injection rules: which requests get which injected fault."""
import random
import re

from .errors import SFError


class Faults:
    """The org's fault rules (a mixin of org.Org: self.faults, self.stats_lock)."""

    def set_faults(self, spec):
        rules = spec.get("rules", []) if isinstance(spec, dict) else spec
        kinds = {"latency", "unavailable", "lock", "concurrent_limit", "daily_limit",
                 "expired_session", "cut_before", "cut_after"}
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

    def count_fault(self, kind):
        with self.stats_lock:
            fi = self.counters["faults_injected"]
            fi[kind] = fi.get(kind, 0) + 1
