"""An opt-in setting of the C allocator for many short-lived mid-sized arrays.

numpy allocates each temporary with ``malloc``. glibc serves blocks above its
mmap threshold (128 KiB at start, raised adaptively up to 32 MiB) with fresh
``mmap``\\ s, and gives the top of its heap back to the kernel once more than
the trim threshold lies free there. A natural-gradient iteration makes dozens
of temporaries of ``samples × width`` floats (230 KB for a 900-point,
32-neuron PINN layer) and frees them at once, so the heap is trimmed and the
next temporary page-faults on every 4 KiB page it touches. Measured on the
2-32-1 Poisson PINN of ``benchmarks/bench_pinn.py`` (one BLAS thread): one
cost evaluation (the grid line search makes 31 per iteration) took 330–390 µs
by default and 170–180 µs after :func:`tune_allocator`, the same arithmetic
(``python benchmarks/bench_pinn.py --threads 1 --tune-allocator`` shows the
whole iteration). XLA and PyTorch avoid the same cost with caching allocators
of their own.

Nothing here runs at import: a library should not change process-wide
settings behind its user's back. Call :func:`tune_allocator` once at the start
of a script (it is what ``MALLOC_TRIM_THRESHOLD_`` and
``MALLOC_MMAP_THRESHOLD_`` in the environment do, set from inside Python).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 2**20  # glibc's largest accepted mmap threshold on 64-bit systems


def tune_allocator(*, trim_threshold: int = 256 * 2**20, mmap_threshold: int = _MMAP_THRESHOLD_MAX) -> bool:
    """Keep freed memory for reuse instead of returning it to the kernel (glibc only).

    Sets glibc's ``M_TRIM_THRESHOLD`` (free memory kept at the top of the heap
    before it is given back) and ``M_MMAP_THRESHOLD`` (blocks at least this
    large get their own ``mmap``), which also turns off glibc's adaptive
    thresholds. The process then keeps up to ``trim_threshold`` bytes of freed
    heap; arrays below ``mmap_threshold`` come from the heap and reuse pages
    already mapped, with no page faults.

    Args:
        trim_threshold: Bytes of free heap top kept (default 256 MiB).
        mmap_threshold: Size in bytes from which blocks are mmapped (default
            and largest allowed: 32 MiB).

    Returns:
        ``True`` if both settings took effect, ``False`` where the C library is
        not glibc (macOS, Windows, musl): nothing is changed there.

    Raises:
        ValueError: If a threshold is not a positive integer, or
            ``mmap_threshold`` exceeds 32 MiB.
    """
    for name, value in (("trim_threshold", trim_threshold), ("mmap_threshold", mmap_threshold)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer number of bytes, got {value!r}")
    if mmap_threshold > _MMAP_THRESHOLD_MAX:
        raise ValueError(
            f"mmap_threshold must be at most {_MMAP_THRESHOLD_MAX} bytes (glibc's limit), got {mmap_threshold}"
        )
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold)) and bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold))


def _glibc_mallopt() -> Any:  # a ctypes function, or None off glibc
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt
