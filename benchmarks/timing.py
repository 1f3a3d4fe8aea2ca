"""Round-robin timing shared by the benchmarks: the best of N runs, wall and CPU time."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterable
from typing import Any


def best_times(methods: dict[str, Callable[[Any], Any]], points: Iterable[Any]) -> tuple[dict, dict]:
    """Run every method once on a copy of each point in turn (round-robin, so a
    machine that gets busier slows all of them alike); return the best wall and
    CPU seconds per method. A fresh point per repetition defeats point caches.
    As in :mod:`timeit`, the garbage collector is off while a step runs (a
    collection is made once per round, before it), so that no step pays for
    another's garbage and a full collection does not evict the caches just
    before every step. The order alternates, forward then backward, so that no
    method always runs right after the collection (cold caches) or right after a
    method that warmed the data they share (a model's Jacobian)."""
    best = dict.fromkeys(methods, math.inf)
    best_cpu = dict.fromkeys(methods, math.inf)
    enabled = gc.isenabled()
    try:
        order = list(methods.items())
        for point in points:
            gc.collect()
            for name, step in order:
                fresh = point + 0.0
                gc.disable()
                begin, begin_cpu = time.perf_counter(), time.process_time()
                step(fresh)
                best[name] = min(best[name], time.perf_counter() - begin)
                best_cpu[name] = min(best_cpu[name], time.process_time() - begin_cpu)
                if enabled:
                    gc.enable()
            order.reverse()
    finally:
        if enabled:
            gc.enable()
    return best, best_cpu
