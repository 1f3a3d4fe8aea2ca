"""One damped natural-gradient step over a grid of sizes: riemgd against the best bare numpy/scipy formula.

Run ``python benchmarks/bench_ng_step_grid.py [--threads 1]`` (``--help`` for
options; ``--quick`` runs the smallest cells only). For each cell
``m ∈ {10³, 10⁴, 10⁵}`` samples × ``p ∈ {100, 1000, 5000}`` parameters, a fresh
subprocess (so that every cell's peak memory is its own) builds, as
``bench_natural_gradient_step.py`` does, a linear least-squares model
``v_θ = Φ θ`` with seeded Gaussian random features ``J = Φ`` (``m × p``, entries
``N(0, 1/p)``), weights ``wᵢ ~ U(0.5, 1.5)/m`` (``K = diag(w)``) and a target
``u``, and times the step

    θ_new = θ − (Ĵ ᵀĴ + λI)⁻¹ Ĵ ᵀ r̂,    Ĵ = √w J,  r̂ = √w (Jθ − u),

with ``λ = 10⁻³ · tr(ĴᵀĴ)/p`` (a Levenberg–Marquardt damping at 10⁻³ of the
mean eigenvalue of the Gram matrix, fixed per cell; it makes the ``p > m``
cells, where ``ĴᵀĴ`` is singular, well posed). Methods:

* **bare p × p** — ``Jw = √w[:, None] * J``, ``G = Jw.T @ Jw`` (BLAS ``syrk``),
  ``G += λI``, ``cho_solve(cho_factor(G), Jw.T @ r̂)``;
* **bare n × n** (cells with ``p ≥ m``) — the push-through identity
  ``(ĴᵀĴ + λI)⁻¹Ĵᵀ = Ĵᵀ(ĴĴᵀ + λI)⁻¹``: ``Jw.T @ cho_solve(cho_factor(Jw @ Jw.T + λI), r̂)``;
* **riemgd** — ``ModelManifold(Linear(Φ), L2(points, w), damping=λ)`` (with
  ``solver="auto"`` when the constructor takes a ``solver``),
  ``Problem(manifold, losses.L2(u))``, the step
  ``manifold.retraction(θ, −problem.riemannian_gradient(θ))``.

Before timing the three ``θ_new`` are compared (relative difference ≤ 1e-10,
else the cell fails). Each time is the best of ``--repeats`` (3) steps taken
round-robin, or of as many as fit in ``--min-time`` (0.5 s) per method when that
is more (at most 1000: a 0.5 ms step is timed 1000 times, a 50 ms one 10 times;
the best of 3 sub-millisecond steps is mostly the machine's noise), every
repetition from a new ``θ`` (riemgd's point cache misses);
``Linear``'s constant Jacobian is built once, untimed. Peak extra memory of one
more untimed step per method comes from ``tracemalloc`` (numpy reports its
buffers to it; riemgd's on a new manifold); the subprocess's ``ru_maxrss`` is
printed too. ``--threads T`` sets the BLAS thread variables and pins the
process to T cores (re-executing it; see ``bench_pinn.py``). A cell whose ``J``
exceeds ``--max-gb`` (8) GB, or whose estimated need (three copies of ``J``:
``J``, ``√w J``, riemgd's cached ``√w J``) exceeds
the memory available now, is skipped, and the table says so.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from timing import best_times

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-10
SAMPLES = (1_000, 10_000, 100_000)
PARAMETERS = (100, 1_000, 5_000)
MiB = 2**20


# ------------------------------------------------------------------ one cell (in its own process)
def bare_parameter(J: np.ndarray, w: np.ndarray, u: np.ndarray, damping: float) -> Callable[[np.ndarray], np.ndarray]:
    """``θ − (ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂`` with the p × p Cholesky."""
    import scipy.linalg

    root = np.sqrt(w)

    def step(theta: np.ndarray) -> np.ndarray:
        Jw = root[:, None] * J  # Ĵ = √w J
        G = Jw.T @ Jw  # syrk
        G[np.diag_indices_from(G)] += damping
        r = root * (J @ theta - u)  # r̂
        return theta - scipy.linalg.cho_solve(scipy.linalg.cho_factor(G), Jw.T @ r)

    return step


def bare_sample(J: np.ndarray, w: np.ndarray, u: np.ndarray, damping: float) -> Callable[[np.ndarray], np.ndarray]:
    """``θ − Ĵᵀ (ĴĴᵀ + λI)⁻¹ r̂`` with the n × n Cholesky (push-through)."""
    import scipy.linalg

    root = np.sqrt(w)

    def step(theta: np.ndarray) -> np.ndarray:
        Jw = root[:, None] * J
        kernel = Jw @ Jw.T  # syrk
        kernel[np.diag_indices_from(kernel)] += damping
        r = root * (J @ theta - u)
        return theta - Jw.T @ scipy.linalg.cho_solve(scipy.linalg.cho_factor(kernel), r)

    return step


def riemgd_step(
    model: object, points: np.ndarray, w: np.ndarray, u: np.ndarray, damping: float
) -> tuple[Callable[[np.ndarray], np.ndarray], object, str]:
    import riemgd
    from riemgd import losses, spaces

    options = {"damping": damping}
    if "solver" in inspect.signature(riemgd.ModelManifold).parameters:
        options["solver"] = "auto"
    manifold = riemgd.ModelManifold(model, spaces.L2(points, w), **options)
    problem = riemgd.Problem(manifold, losses.L2(u))

    def step(theta: np.ndarray) -> np.ndarray:
        return manifold.retraction(theta, -problem.riemannian_gradient(theta))

    return step, manifold, ", ".join(["damping=λ", *(f"{k}={v!r}" for k, v in options.items() if k != "damping")])


def peak_memory(step: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> float:
    """Peak bytes allocated by one step above what was allocated before it (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        step(theta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return float(peak - before)


def run_cell(m: int, p: int, repeats: int, seed: int, min_time: float = 0.0) -> dict:
    from riemgd.models import Linear

    rng = np.random.default_rng(seed)
    points = rng.uniform(-1.0, 1.0, size=m)
    J = rng.standard_normal((m, p))
    J *= 1.0 / math.sqrt(p)
    w = rng.uniform(0.5, 1.5, size=m) / m
    u = np.sin(3.0 * points) + 0.1 * rng.standard_normal(m)
    theta = rng.standard_normal(p)
    damping = 1e-3 * float(np.einsum("i,ij,ij->", w, J, J)) / p  # 10⁻³ tr(ĴᵀĴ)/p

    model = Linear(J)
    model.evaluate(theta, points)  # builds and caches the model's Jacobian (untimed)
    step_riemgd, manifold, options = riemgd_step(model, points, w, u, damping)
    methods = {"riemgd": step_riemgd, "bare p×p": bare_parameter(J, w, u, damping)}
    if p >= m:
        methods["bare n×n"] = bare_sample(J, w, u, damping)

    check = theta + 1e-3 * rng.standard_normal(p)
    results, slowest = {}, 0.0
    for name, step in methods.items():
        begin = time.perf_counter()
        results[name] = step(check + 0.0)
        slowest = max(slowest, time.perf_counter() - begin)
    repeats = max(repeats, min(1000, math.ceil(min_time / max(slowest, 1e-9))))
    reference = results["bare p×p"]
    difference = {name: float(np.linalg.norm(v - reference) / np.linalg.norm(reference)) for name, v in results.items()}
    solver = manifold.solver(check)
    regularized = bool(getattr(solver, "regularized", False))
    del results

    # new contents each repetition: riemgd's point cache misses
    best, best_cpu = best_times(methods, (theta + 1e-3 * rng.standard_normal(p) for _ in range(repeats)))

    point = theta + 1e-3 * rng.standard_normal(p)
    del step_riemgd, manifold
    methods["riemgd"] = riemgd_step(model, points, w, u, damping)[0]  # empty point cache
    peak = {name: peak_memory(step, point + 0.0) for name, step in methods.items()}
    return {
        "m": m,
        "p": p,
        "J_MiB": J.nbytes / MiB,
        "damping": damping,
        "riemgd_options": options,
        "riemgd_regularized": regularized,
        "riemgd_solver": type(solver).__name__,
        "repeats": repeats,
        "time_s": best,
        "cpu_s": best_cpu,
        "peak_MiB": {k: v / MiB for k, v in peak.items()},
        "max_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "difference": difference,
    }


# ------------------------------------------------------------------ the grid (parent process)
def available_bytes() -> float:
    """``MemAvailable`` from ``/proc/meminfo`` (inf where unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return math.inf


def cell_in_subprocess(m: int, p: int, repeats: int, seed: int, min_time: float) -> dict:
    command = [sys.executable, __file__, "--cell", str(m), str(p), "--repeats", str(repeats), "--seed", str(seed)]
    command += ["--min-time", str(min_time)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"m": m, "p": p, "error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_row(cell: dict) -> bool:
    """One markdown row; ``False`` when the methods disagree."""
    m, p = cell["m"], cell["p"]
    if "skipped" in cell or "error" in cell:
        why = cell.get("skipped") or f"failed: {cell['error']}"
        print(f"| {m} | {p} | — | {m * p * 8 / MiB:.0f} | {why} |" + " |" * 8)
        return "error" not in cell
    t, peak, diff = cell["time_s"], cell["peak_MiB"], cell["difference"]
    bare = {k: v for k, v in t.items() if k != "riemgd"}
    fastest = min(bare, key=bare.get)
    sample = f"{t['bare n×n']:.4f}" if "bare n×n" in t else "—"
    sample_peak = f"{peak['bare n×n']:.0f}" if "bare n×n" in peak else "—"
    worst = max(diff.values())
    ok = worst <= TOLERANCE and not cell["riemgd_regularized"]
    print(
        f"| {m} | {p} | {cell['repeats']} | {cell['J_MiB']:.0f} | {t['riemgd']:.4f} | {t['bare p×p']:.4f} | {sample} "
        f"| **{t['riemgd'] / bare[fastest]:.2f}** ({fastest}) | {peak['riemgd']:.0f} | {peak['bare p×p']:.0f} "
        f"| {sample_peak} | {cell['max_rss_MiB']:.0f} | {worst:.1e}{'' if ok else ' FAIL'} |"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smallest cells only (m = 1000, p ≤ 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed steps per method; the best is reported")
    parser.add_argument(
        "--min-time", type=float, default=0.5, help="time each method for at least this many seconds (≤ 1000 steps)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads and cores (re-executes the script)")
    parser.add_argument("--max-gb", type=float, default=8.0, help="skip cells whose J exceeds this many GB")
    parser.add_argument("--json", nargs="?", const="", default=None, metavar="PATH", help="write the numbers")
    parser.add_argument("--only", type=int, nargs=2, metavar=("M", "P"), help="run this one cell of the grid")
    parser.add_argument("--cell", type=int, nargs=2, metavar=("M", "P"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:  # a worker: one cell, its numbers as the last line of stdout
        print(json.dumps(run_cell(*args.cell, args.repeats, args.seed, args.min_time)))
        return

    sys.path.insert(0, str(HERE))
    from bench_pinn import pin_threads, thread_report

    pin_threads(args.threads)
    import scipy

    print(
        f"One damped natural-gradient step, riemgd vs bare numpy/scipy | numpy {np.__version__}, "
        f"scipy {scipy.__version__} | Python {platform.python_version()} | {os.cpu_count()} CPUs"
    )
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"threads: env {env or '(none set)'}; cores in use: {cores}")
    pools = thread_report()
    for pool in pools:
        print(f"  threadpoolctl: {pool}")
    cells = [(m, p) for m in SAMPLES for p in PARAMETERS]
    if args.quick:
        cells = [(m, p) for m, p in cells if m == SAMPLES[0] and p <= 1000]
    if args.only:
        cells = [tuple(args.only)]
    print(
        f"\nbest of max({args.repeats}, steps in {args.min_time:g} s, ≤ 1000) per cell (column n); "
        "times in seconds; peak = extra memory of one step (tracemalloc), MiB\n"
    )
    print(
        "| m | p | n | J [MiB] | riemgd [s] | bare p×p [s] | bare n×n [s] | riemgd / best bare | peak riemgd "
        "| peak p×p | peak n×n | max RSS [MiB] | rel. diff. θ_new |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows, ok = [], True
    for m, p in cells:
        size = m * p * 8
        if size > args.max_gb * 1e9:
            cell = {"m": m, "p": p, "skipped": f"skipped: J is {size / 1e9:.1f} GB > --max-gb {args.max_gb:g}"}
        elif 3 * size > available_bytes():
            cell = {
                "m": m,
                "p": p,
                "skipped": f"skipped: needs ~{3 * size / 1e9:.1f} GB, {available_bytes() / 1e9:.1f} GB available",
            }
        else:
            cell = cell_in_subprocess(m, p, args.repeats, args.seed, args.min_time)
        ok &= print_row(cell)
        sys.stdout.flush()
        rows.append(cell)
    first = next((c for c in rows if "damping" in c), None)
    if first is not None:
        print(
            f"\n- riemgd: ModelManifold({first['riemgd_options']}), Gram solver {first['riemgd_solver']}; "
            "λ = 1e-3 tr(ĴᵀĴ)/p per cell; the n×n push-through runs where p ≥ m."
        )
    if args.json is not None:
        path = (
            Path(args.json)
            if args.json
            else HERE / "results" / f"bench_ng_step_grid{'_quick' if args.quick else ''}.json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"env": env, "cores": cores, "threadpools": pools, "cells": rows}, indent=2))
        print(f"\nnumbers written to {path}")
    if not ok:
        raise SystemExit("riemgd and the bare formula disagree in some cell (or riemgd regularized): see FAIL above")


if __name__ == "__main__":
    main()
