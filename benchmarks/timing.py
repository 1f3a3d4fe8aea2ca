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
    CPU seconds per method. A fresh point per repetition defeats point caches."""
    best = dict.fromkeys(methods, math.inf)
    best_cpu = dict.fromkeys(methods, math.inf)
    for point in points:
        for name, step in methods.items():
            fresh = point + 0.0
            gc.collect()
            begin, begin_cpu = time.perf_counter(), time.process_time()
            step(fresh)
            best[name] = min(best[name], time.perf_counter() - begin)
            best_cpu[name] = min(best_cpu[name], time.process_time() - begin_cpu)
    return best, best_cpu
