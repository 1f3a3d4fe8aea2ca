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


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def steady_allocator(mmap_threshold: int = 64 << 20, trim_threshold: int = 128 << 20) -> str:
    """Keep freed large arrays in the process heap (glibc only) and say what was done.

    By default glibc serves an allocation above a threshold that adapts to the
    sizes freed so far with a fresh ``mmap`` and returns it to the system on
    ``free``; the next array of that size then page-faults all its pages back in.
    A 500 × 500 temporary of a user's cost paid that on every call here (measured
    3–4 ms instead of 0.6 ms), so a benchmark's timings depended on which arrays
    earlier problems had happened to free. Fixing both thresholds makes every
    method, of every library, reuse heap memory alike."""
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return "allocator: left as it is (no glibc mallopt)"
    if not (mallopt(_M_MMAP_THRESHOLD, mmap_threshold) and mallopt(_M_TRIM_THRESHOLD, trim_threshold)):
        return "allocator: left as it is (mallopt refused)"
    return (
        f"allocator: glibc mmap threshold {mmap_threshold >> 20} MiB, trim threshold {trim_threshold >> 20} MiB "
        "(freed arrays reused, not page-faulted back)"
    )
