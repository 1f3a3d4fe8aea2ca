"""The BLAS libraries loaded by numpy and scipy and their thread pools, for the
benchmarks' headers (through threadpoolctl, from the ``benchmark`` extra).

numpy's and scipy's wheels each bundle their own OpenBLAS; :func:`owner` tells
them apart by the wheel folder the library was loaded from.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import numpy as np
import scipy.linalg  # noqa: F401  (loads scipy's BLAS, so that threadpoolctl sees it)

ENVIRONMENT = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MKL_NUM_THREADS")


def libraries() -> list[dict]:
    """threadpoolctl's records of the loaded BLAS libraries (empty without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


def owner(info: dict) -> str:
    """``"numpy"`` or ``"scipy"``: whose wheel the library came from (``"?"`` if neither)."""
    folder = os.path.dirname(info["filepath"]).replace("\\", "/")
    for name in ("numpy", "scipy"):
        if f"/{name}.libs" in folder or f"/{name}/" in folder + "/":
            return name
    return "?"


def describe() -> str:
    """Lines naming each BLAS, its owner, version, core type and thread count, and the BLAS environment."""
    found = libraries()
    if not found:
        lines = [f"BLAS: numpy {np.__version__}; install threadpoolctl (the 'benchmark' extra) for its threads"]
    else:
        lines = [f"BLAS libraries loaded: {len(found)}"]
        for info in found:
            lines.append(
                f"  {owner(info)}: {info['internal_api']} {info.get('version')} "
                f"({info.get('architecture')}), {info['num_threads']} threads, {os.path.basename(info['filepath'])}"
            )
    env = ", ".join(f"{name}={os.environ[name]}" for name in ENVIRONMENT if name in os.environ)
    lines.append(f"BLAS environment: {env or 'none set'}; {os.cpu_count()} CPUs")
    busy = other_load()
    if busy is not None:
        note = "  (other programs compete for the cores: timings are unreliable)" if busy > 0.25 else ""
        lines.append(f"CPU busy while this process idles: {busy:.0%} of {os.cpu_count()} CPUs{note}")
    return "\n".join(lines)


def other_load(seconds: float = 0.5) -> float | None:
    """Fraction of all CPUs busy over ``seconds`` while this process sleeps (Linux ``/proc/stat``), else None."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


@contextlib.contextmanager
def one_thread(*owners: str) -> Iterator[None]:
    """Limit the BLAS of the named owners (``"numpy"``, ``"scipy"``) to one thread inside the block."""
    paths = [info["filepath"] for info in libraries() if owner(info) in owners]
    if not paths:
        yield
        return
    from threadpoolctl import ThreadpoolController

    limiter = ThreadpoolController().select(filepath=paths).limit(limits=1)
    try:
        yield
    finally:
        limiter.restore_original_limits()
