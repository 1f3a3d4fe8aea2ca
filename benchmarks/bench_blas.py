"""Two OpenBLAS copies in one process: numpy's and scipy's, measured.

Run ``python benchmarks/bench_blas.py`` (about 5–10 minutes on 2 cores; ``--quick``
for a smoke run of a few seconds). Needs threadpoolctl (the ``benchmark`` extra).

numpy's and scipy's wheels each bundle an OpenBLAS with its own thread pool.
After a threaded call a pool's threads spin for a while before they sleep, so a
call into one library right after a call into the other competes with those
spinning threads for the cores. Everything below is measured in one run:

1. the Gram product ``G = Aᵀ A`` of ``A`` (``n × p``): numpy ``A.T @ A``
   (numpy's own ``syrk``), scipy ``dsyrk`` with the lower triangle mirrored
   (``riemgd.backend.gram``), scipy ``dgemm``;
2. a Cholesky factorization of ``G + I`` and two triangular solves
   ``L y = b``, ``Lᵀ x = y``: numpy only (``numpy.linalg.cholesky``, and, as
   numpy has no triangular solve, ``numpy.linalg.solve`` with ``L`` and
   ``Lᵀ``), scipy ``cho_factor``/``cho_solve``, scipy ``cholesky`` plus two
   ``solve_triangular``;
3. one natural-gradient iteration as an optimizer runs it, repeated in a loop:
   ``r = Aθ − u``, ``g = Aᵀ r`` (numpy, as models and losses compute them),
   then ``G``, ``L`` and ``x = G⁻¹ g`` by four recipes, and the Cholesky call
   alone, timed right after a numpy or a scipy Gram product; each with default
   threads, with numpy's or scipy's BLAS limited to one thread, and with both.

Every time is the best of ``R`` repeats of ``K`` back-to-back calls, divided by
``K``, so that the transitions between libraries happen as in an optimizer; the
Cholesky-alone rows give the median over single calls as well. Ratios are to
the recipe riemgd uses now (``backend.gram``, ``backend.cholesky``,
``backend.cholesky_solve``: everything after the matrix-vector products in
scipy's BLAS) in the same thread setting.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.linalg.blas
from blas_threads import describe, libraries, one_thread, owner

from riemgd import backend

SETTINGS = {
    "default threads": (),
    "numpy 1 thread": ("numpy",),
    "scipy 1 thread": ("scipy",),
    "both 1 thread": ("numpy", "scipy"),
}


SETTLE_S = 0.15  # idle time before each timed block: longer than an OpenBLAS pool spins after its last call


def per_call_ms(rows: dict[str, Callable[[], object]], calls: int, repeats: int) -> dict[str, float]:
    """For each recipe, the best over ``repeats`` of the mean time of ``calls`` back-to-back calls, in ms.

    The repeats go round-robin over the recipes (a slow spell of the machine hits all of them), and each
    block starts after :data:`SETTLE_S` idle, so that it does not pay for the block before it."""
    best = dict.fromkeys(rows, float("inf"))
    for _ in range(repeats):
        for name, fn in rows.items():
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / calls)
    return {name: 1e3 * seconds for name, seconds in best.items()}


def numpy_cholesky_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x = L⁻ᵀ L⁻¹ b`` in numpy alone (LU solves: numpy has no triangular solve)."""
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def scipy_triangular_solves(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    y = scipy.linalg.solve_triangular(L, b, lower=True, check_finite=False)
    return scipy.linalg.solve_triangular(L, y, lower=True, trans=1, check_finite=False)


def gram_recipes(A: np.ndarray) -> dict[str, Callable[[], object]]:
    dgemm = scipy.linalg.blas.dgemm
    return {
        "numpy A.T @ A": lambda: A.T @ A,
        "scipy dsyrk + mirror (backend.gram)": lambda: backend.gram(A),
        "scipy dgemm": lambda: dgemm(1.0, A.T, A.T, trans_b=1),  # A.T is column-major: no copy
    }


def cholesky_recipes(G: np.ndarray, b: np.ndarray) -> dict[str, Callable[[], object]]:
    cho_factor, cho_solve, cholesky = scipy.linalg.cho_factor, scipy.linalg.cho_solve, scipy.linalg.cholesky
    return {
        "numpy cholesky + 2 LU solves": lambda: numpy_cholesky_solve(np.linalg.cholesky(G), b),
        "scipy cho_factor + cho_solve": lambda: cho_solve(cho_factor(G, lower=True, check_finite=False), b),
        "scipy cholesky + 2 solve_triangular": lambda: scipy_triangular_solves(
            cholesky(G, lower=True, check_finite=False), b
        ),
        "backend.cholesky + cholesky_solve": lambda: backend.cholesky_solve(backend.cholesky(G), b),
    }


def iteration_recipes(A: np.ndarray, theta: np.ndarray, u: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    """One natural-gradient direction ``x = (AᵀA)⁻¹ Aᵀ(Aθ − u)``, four ways."""
    dgemv = scipy.linalg.blas.dgemv
    cholesky = scipy.linalg.cholesky

    def mixed():  # riemgd before: numpy product, scipy factorization and solves
        g = A.T @ (A @ theta - u)
        L = cholesky(A.T @ A, lower=True, check_finite=False)
        return scipy_triangular_solves(L, g)

    def scipy_after_matvecs():  # riemgd now
        g = A.T @ (A @ theta - u)
        return backend.cholesky_solve(backend.cholesky(backend.gram(A)), g)

    def numpy_only():
        g = A.T @ (A @ theta - u)
        return numpy_cholesky_solve(np.linalg.cholesky(A.T @ A), g)

    def scipy_only():  # the matrix-vector products too (not an option for user models)
        At = A.T  # column-major p × n
        g = dgemv(1.0, At, dgemv(1.0, At, theta, trans=1) - u)
        return backend.cholesky_solve(backend.cholesky(backend.gram(A)), g)

    return {
        "numpy G, scipy chol+solves (riemgd before)": mixed,
        "scipy G+chol+solves (riemgd now)": scipy_after_matvecs,
        "numpy only (LU solves)": numpy_only,
        "scipy only, matvecs too": scipy_only,
    }


def cholesky_after(A: np.ndarray, product: Callable[[np.ndarray], np.ndarray], calls: int) -> tuple[float, float]:
    """(best, median) ms of a scipy Cholesky timed alone, right after ``product(A)``, over ``calls`` rounds."""
    times = []
    time.sleep(SETTLE_S)
    for _ in range(calls):
        G = product(A)
        start = time.perf_counter()
        scipy.linalg.cholesky(G, lower=True, check_finite=False)
        times.append(time.perf_counter() - start)
    return 1e3 * min(times), 1e3 * float(np.median(times))


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (seconds)")
    args = parser.parse_args()
    global SETTLE_S
    SETTLE_S = 0.01 if args.quick else SETTLE_S
    sizes = [(1020, 129)] if args.quick else [(1020, 129), (20000, 1000)]
    repeats = 2 if args.quick else 5

    print(describe())
    owners = {owner(info) for info in libraries()}
    settings = SETTINGS if {"numpy", "scipy"} <= owners else {"default threads": ()}
    if len(settings) == 1:
        print("numpy and scipy do not load two distinguishable BLAS libraries: default threads only")

    rng = np.random.default_rng(0)
    for n, p in sizes:
        small = n * p <= 1_000_000
        calls = (10 if args.quick else 200) if small else (1 if args.quick else 3)
        A = rng.standard_normal((n, p)) / np.sqrt(n)  # AᵀA ≈ I: well conditioned
        theta, u, b = rng.standard_normal(p), rng.standard_normal(n), rng.standard_normal(p)
        G = A.T @ A + np.eye(p)

        times = per_call_ms(gram_recipes(A), calls, repeats)
        base = times["numpy A.T @ A"]
        print_table(
            f"## Gram product AᵀA, n = {n}, p = {p} (default threads, ms per call)",
            ["recipe", "ms", "ratio to numpy"],
            [[name, f"{ms:.3f}", f"{ms / base:.2f}"] for name, ms in times.items()],
        )
        times = per_call_ms(cholesky_recipes(G, b), 10 * calls, repeats)
        base = times["backend.cholesky + cholesky_solve"]
        print_table(
            f"## Cholesky of a p × p matrix and two triangular solves, p = {p} (default threads, ms per call)",
            ["recipe", "ms", "ratio to backend"],
            [[name, f"{ms:.3f}", f"{ms / base:.2f}"] for name, ms in times.items()],
        )

        recipes = iteration_recipes(A, theta, u)
        reference = np.linalg.solve(A.T @ A, A.T @ (A @ theta - u))
        for name, fn in recipes.items():
            error = np.max(np.abs(fn() - reference)) / np.max(np.abs(reference))
            assert error < 1e-8, (name, error)
        table: dict[str, list[str]] = {name: [name] for name in recipes}
        alone = {
            "scipy Cholesky alone, after numpy A.T @ A": lambda a: a.T @ a,
            "scipy Cholesky alone, after scipy backend.gram": backend.gram,
        }
        for name in alone:
            table[name] = [name + " (best / median)"]
        for owners_limited in settings.values():
            with one_thread(*owners_limited):
                times = per_call_ms(recipes, calls, repeats)
                now = times["scipy G+chol+solves (riemgd now)"]
                for name, ms in times.items():
                    table[name].append(f"{ms:.3f} ({ms / now:.2f}×)")
                for name, product in alone.items():
                    best, median = cholesky_after(A, product, calls * repeats)
                    table[name].append(f"{best:.3f} / {median:.3f}")
        print_table(
            f"## One natural-gradient iteration in a loop, n = {n}, p = {p} "
            f"(ms per iteration; in brackets: ratio to riemgd now, same threads)",
            ["recipe", *settings],
            list(table.values()),
        )
    print()
    print(describe())


if __name__ == "__main__":
    main()
