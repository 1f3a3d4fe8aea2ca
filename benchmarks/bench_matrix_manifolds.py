"""riemgd against pymanopt on two classical matrix-manifold problems.

Run ``python benchmarks/bench_matrix_manifolds.py`` (``--help`` for options).
Everything is measured in one run, on one machine, on the same problems:

* **Rayleigh quotient** ``f(x) = −xᵀAx`` on ``Sphere(500)``; optimum ``−λ_max(A)``.
* **Brockett cost** ``f(X) = tr(XᵀAXN)``, ``N = diag(p, …, 1)``, on
  ``Stiefel(200, 5)``; optimum ``Σ_i N_ii λ_i`` with the eigenvalues in
  increasing order (the largest weight goes with the smallest eigenvalue).

``A = Q diag(λ) Qᵀ`` with a seeded random orthogonal ``Q`` (QR of a Gaussian
matrix) and a prescribed spectrum, so that the conditioning — and with it every
iteration count — does not depend on the luck of the seed (the top gap of a
Gaussian symmetric matrix varies tenfold between seeds). The optima come from
``numpy.linalg.eigvalsh(A)``.

Every method starts from the same point and calls the same two plain numpy
functions, the cost and its analytic Euclidean gradient (no autodiff; pymanopt
gets them through ``@pymanopt.function.numpy``).

Methods and parameters (nothing is tuned per method):

* riemgd ``GradientDescent()`` — Armijo backtracking, default parameters;
* riemgd ``HeavyBall(1/L, β, "LM")`` and ``Nesterov(1/L, β, restart="function")``
  with ``L`` the Lipschitz constant of the Riemannian gradient and ``μ`` the
  smallest Riemannian Hessian eigenvalue at the minimizer, both from the
  spectrum (formulas in :func:`rayleigh` and :func:`brockett`), and the
  textbook momentum ``β = (1 − √(μ/L)) / (1 + √(μ/L))``;
* pymanopt ``SteepestDescent()`` (the same Armijo backtracking) and
  ``ConjugateGradient()`` (Hestenes–Stiefel, adaptive line search), defaults.

Stopping rule: every method is stopped at the first iterate whose relative cost
error ``(f − f*)/|f*|`` is at most ``1e-10``. riemgd runs stop there through a
callback (one float comparison per iteration). pymanopt has no callback, so an
untimed probe run with ``log_verbosity=1`` finds the first iteration at the
target, and the timed run is given exactly that ``max_iterations`` (with
``min_gradient_norm = min_step_size = 0``); its final cost is checked against
the target. Iterations are counted as steps taken (retractions accepted) for
both libraries. The wall time is that of the whole ``optimizer.run`` call,
input checks included, measured with ``time.perf_counter``; best of
``--repeats`` runs (7 by default), taken round-robin over the methods so that a
slow spell of the machine hits all of them alike. Cost and gradient evaluations
are counted in one more, untimed run with counting wrappers. Per-iteration time
is wall time divided by iterations; "outside f, ∇f" subtracts the evaluations
(counts times the best single-call times from ``timeit``) and estimates each
library's own overhead per iteration.

Targets checked at the end of each table:

* riemgd steepest descent time per iteration ≤ pymanopt's;
* riemgd's fastest method reaches the target in less wall time than pymanopt's
  conjugate gradient.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymanopt

import riemgd

TOLERANCE = 1e-10
MAX_ITERATIONS = 20_000


# --------------------------------------------------------------------- problems
@dataclass
class Case:
    """One benchmark problem: the cost, its gradient, both libraries' manifolds."""

    name: str
    riemgd_manifold: Any
    pymanopt_manifold: Any
    cost: Callable[[np.ndarray], float]
    euclidean_gradient: Callable[[np.ndarray], np.ndarray]
    optimum: float
    initial_point: np.ndarray
    lipschitz: float  # L, Lipschitz constant of the Riemannian gradient
    curvature: float  # μ, smallest Riemannian Hessian eigenvalue at the minimizer

    @property
    def target(self) -> float:
        """Largest cost with relative error ≤ TOLERANCE."""
        return self.optimum + TOLERANCE * abs(self.optimum)

    def relative_error(self, cost: float) -> float:
        return (cost - self.optimum) / abs(self.optimum)


def symmetric_matrix(eigenvalues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``Q diag(λ) Qᵀ`` with ``Q`` a random orthogonal matrix."""
    n = eigenvalues.size
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q *= np.sign(np.diag(r))
    a = (q * eigenvalues) @ q.T
    return (a + a.T) / 2


def rayleigh(n: int = 500, gap: float = 0.05, seed: int = 0) -> Case:
    """``f(x) = −xᵀAx`` on the sphere; spectrum ``linspace(−1, 1, n−1) ∪ {1 + gap}``.

    Riemannian Hessian eigenvalues lie in ``[−2(λ_max − λ_min), 2(λ_max − λ_min)]``
    everywhere, hence ``L = 2(λ_max − λ_min)``; at the minimizer they are
    ``2(λ_max − λ_k)``, hence ``μ = 2(λ_max − λ_2)``.
    """
    rng = np.random.default_rng(seed)
    A = symmetric_matrix(np.append(np.linspace(-1.0, 1.0, n - 1), 1.0 + gap), rng)
    lam = np.linalg.eigvalsh(A)

    def cost(x):
        return -(x @ (A @ x))

    def euclidean_gradient(x):
        return -2.0 * (A @ x)

    manifold = riemgd.Sphere(n)
    return Case(
        name=f"Rayleigh quotient, Sphere({n})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.Sphere(n),
        cost=cost,
        euclidean_gradient=euclidean_gradient,
        optimum=-lam[-1],
        initial_point=manifold.random_point(rng=rng),
        lipschitz=2.0 * (lam[-1] - lam[0]),
        curvature=2.0 * (lam[-1] - lam[-2]),
    )


def brockett(n: int = 200, p: int = 5, seed: int = 1) -> Case:
    """``f(X) = tr(XᵀAXN)`` on Stiefel; spectrum ``0, 0.2, …, 0.2(p−1)`` then
    ``linspace(1, 2, n−p)``.

    With ``d = diag(N) = (p, …, 1)``: ``L = 2 max(d)(λ_max − λ_min)`` bounds the
    Riemannian Hessian (the cost changes by a constant under ``A → A − cI``);
    at the minimizer ``X = [v_1 … v_p]`` its eigenvalues are
    ``2 d_i (λ_k − λ_i)`` (``k > p``) and ``(d_i − d_j)(λ_j − λ_i)`` (``i < j ≤ p``),
    and ``μ`` is the smallest of them.
    """
    rng = np.random.default_rng(seed)
    spectrum = np.concatenate([0.2 * np.arange(p), np.linspace(1.0, 2.0, n - p)])
    A = symmetric_matrix(spectrum, rng)
    lam = np.linalg.eigvalsh(A)
    d = np.arange(p, 0, -1, dtype=float)  # diag(N) = (p, ..., 1)

    def cost(X):
        return np.sum((A @ X) * X * d)  # tr(XᵀAXN)

    def euclidean_gradient(X):
        return 2.0 * (A @ X) * d  # 2AXN

    normal = [2 * d[i] * (lam[p] - lam[i]) for i in range(p)]
    in_span = [(d[i] - d[j]) * (lam[j] - lam[i]) for i in range(p) for j in range(i + 1, p)]
    manifold = riemgd.Stiefel(n, p)
    return Case(
        name=f"Brockett cost, Stiefel({n}, {p})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.Stiefel(n, p),
        cost=cost,
        euclidean_gradient=euclidean_gradient,
        optimum=float(d @ lam[:p]),
        initial_point=manifold.random_point(rng=rng),
        lipschitz=2.0 * d.max() * (lam[-1] - lam[0]),
        curvature=min(normal + in_span),
    )


# ---------------------------------------------------------------------- running
@dataclass
class Row:
    method: str
    steps: int  # iterations taken
    reached: bool  # whether the last one is at the target
    cost_evaluations: int
    gradient_evaluations: int
    wall: float  # seconds, best of the repeats
    error: float  # relative cost error of the returned point
    overhead: float = math.nan  # seconds per iteration outside the cost and gradient

    @property
    def per_iteration(self) -> float:
        return self.wall / max(self.steps, 1)


@dataclass
class Method:
    """A prepared method: ``solve()`` is the timed call, ``summarize(result)``
    turns its result into ``(iterations, target reached?, relative error)``."""

    label: str
    solve: Callable[[], Any]
    summarize: Callable[[Any], tuple[int, bool, float]]
    counts: dict


def counting(
    cost: Callable, gradient: Callable, hessian: Callable | None = None
) -> tuple[Callable, Callable, Callable | None, dict]:
    """Wrappers of ``cost``, ``gradient`` and (given) the Hessian-vector product that
    count their calls (``counts["cost"]``, …) and add up the seconds spent in them
    (``counts["seconds"]``; a counter and two clock reads, under 1 µs a call)."""
    counts = {"cost": 0, "gradient": 0, "hessian": 0, "seconds": 0.0}

    def wrap(kind: str, fun: Callable | None) -> Callable | None:
        if fun is None:
            return None

        def wrapped(*args):
            counts[kind] += 1
            start = time.perf_counter()
            try:
                return fun(*args)
            finally:
                counts["seconds"] += time.perf_counter() - start

        return wrapped

    return wrap("cost", cost), wrap("gradient", gradient), wrap("hessian", hessian), counts


def evaluation_time(fun: Callable, x: np.ndarray, repeats: int) -> float:
    """Best time of one call of ``fun(x)``, in seconds (means of 100 calls)."""
    return min(timeit.repeat(lambda: fun(x), number=100, repeat=repeats)) / 100


def riemgd_method(case: Case, label: str, make: Callable[[], Any]) -> Method:
    """A riemgd optimizer stopped by a callback at the target."""
    target = case.target

    def stop(iterate):
        return iterate.cost <= target

    def solver(cost, gradient):
        problem = riemgd.Problem(case.riemgd_manifold, cost, euclidean_gradient=gradient)
        return lambda: make().run(problem, initial_point=case.initial_point, callback=stop)

    def summarize(result):
        return result.iterations, result.reason == "callback", case.relative_error(result.cost)

    cost, gradient, _, counts = counting(case.cost, case.euclidean_gradient)
    solver(cost, gradient)()  # untimed: evaluation counts
    return Method(label, solver(case.cost, case.euclidean_gradient), summarize, counts)


def pymanopt_method(case: Case, label: str, optimizer_class: type) -> Method:
    """A pymanopt optimizer given exactly the iterations an untimed probe run needed.

    pymanopt's solvers log the cost of the point reached after ``i`` steps as
    entry ``i``; ``SteepestDescent(max_iterations=k)`` stops after ``k`` steps,
    ``ConjugateGradient`` checks its budget before stepping and needs ``k + 1``.
    """
    manifold = case.pymanopt_manifold

    def problem(cost, gradient):
        return pymanopt.Problem(
            manifold,
            pymanopt.function.numpy(manifold)(cost),
            euclidean_gradient=pymanopt.function.numpy(manifold)(gradient),
        )

    def optimizer(**kwargs):
        return optimizer_class(verbosity=0, max_time=math.inf, max_cost_evaluations=10**9, **kwargs)

    probe = optimizer(max_iterations=MAX_ITERATIONS, min_gradient_norm=1e-13, log_verbosity=1)
    log = probe.run(problem(case.cost, case.euclidean_gradient), initial_point=case.initial_point).log
    costs = log["iterations"]["cost"]
    steps = next((k for k, value in enumerate(costs) if value <= case.target), len(costs) - 1)
    budget = steps + (1 if optimizer_class is pymanopt.optimizers.ConjugateGradient else 0)

    def solver(cost, gradient):
        timed = problem(cost, gradient)
        return lambda: optimizer(max_iterations=budget, min_gradient_norm=0.0, min_step_size=0.0).run(
            timed, initial_point=case.initial_point
        )

    def summarize(result):
        error = case.relative_error(float(result.cost))
        return steps, error <= TOLERANCE, error

    cost, gradient, _, counts = counting(case.cost, case.euclidean_gradient)
    solver(cost, gradient)()  # untimed: evaluation counts
    return Method(label, solver(case.cost, case.euclidean_gradient), summarize, counts)


def benchmark(case: Case, repeats: int) -> tuple[list[Row], str]:
    """Prepare the five methods, then time them round-robin, ``repeats`` rounds
    (so that a slow spell of the machine hits every method alike); keep each
    method's best time."""
    L, mu = case.lipschitz, case.curvature
    alpha = 1.0 / L
    beta = (1.0 - math.sqrt(mu / L)) / (1.0 + math.sqrt(mu / L))
    stop = {"max_iterations": MAX_ITERATIONS, "min_gradient_norm": 0.0, "min_step_size": 0.0}
    methods = [
        riemgd_method(case, "riemgd GradientDescent (Armijo)", lambda: riemgd.GradientDescent(**stop)),
        riemgd_method(case, "riemgd HeavyBall LM", lambda: riemgd.HeavyBall(alpha, beta, "LM", **stop)),
        riemgd_method(
            case, "riemgd Nesterov (function restart)", lambda: riemgd.Nesterov(alpha, beta, restart="function", **stop)
        ),
        pymanopt_method(case, "pymanopt SteepestDescent", pymanopt.optimizers.SteepestDescent),
        pymanopt_method(case, "pymanopt ConjugateGradient", pymanopt.optimizers.ConjugateGradient),
    ]
    best = [math.inf] * len(methods)
    results: list[Any] = [None] * len(methods)
    for _ in range(repeats):
        for i, method in enumerate(methods):
            gc.collect()
            start = time.perf_counter()
            results[i] = method.solve()
            best[i] = min(best[i], time.perf_counter() - start)
    t_cost = evaluation_time(case.cost, case.initial_point, repeats)
    t_gradient = evaluation_time(case.euclidean_gradient, case.initial_point, repeats)
    rows = []
    for method, wall, result in zip(methods, best, results, strict=True):
        steps, reached, error = method.summarize(result)
        n_cost, n_gradient = method.counts["cost"], method.counts["gradient"]
        overhead = (wall - n_cost * t_cost - n_gradient * t_gradient) / max(steps, 1)
        rows.append(Row(method.label, steps, reached, n_cost, n_gradient, wall, error, overhead))
    parameters = (
        f"L = {L:.4g}, μ = {mu:.4g} (κ = {L / mu:.1f}); step 1/L = {alpha:.4g}, momentum β = {beta:.4f}; "
        f"one f call {1e6 * t_cost:.1f} µs, one ∇f call {1e6 * t_gradient:.1f} µs"
    )
    return rows, parameters


# -------------------------------------------------------------------- reporting
def table(case: Case, rows: list[Row], parameters: str) -> str:
    lines = [
        f"### {case.name}: f* = {case.optimum:.12g}",
        "",
        parameters,
        "",
        "| method | iterations | f evals | ∇f evals | wall time [ms] | per iteration [µs] "
        "| outside f, ∇f per iteration [µs] | final rel. error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        iterations = str(row.steps) if row.reached else f"{row.steps} (target missed)"
        lines.append(
            f"| {row.method} | {iterations} | {row.cost_evaluations} | {row.gradient_evaluations} "
            f"| {1e3 * row.wall:.2f} | {1e6 * row.per_iteration:.1f} | {1e6 * row.overhead:.0f} | {row.error:.1e} |"
        )
    by_name = {row.method: row for row in rows}
    sd, pm_sd, pm_cg = (
        by_name["riemgd GradientDescent (Armijo)"],
        by_name["pymanopt SteepestDescent"],
        by_name["pymanopt ConjugateGradient"],
    )
    reached = [row for row in rows if row.method.startswith("riemgd") and row.reached]
    best = min(reached, key=lambda row: row.wall, default=None)
    lines.append("")
    if sd.reached and pm_sd.reached:
        ratio = sd.per_iteration / pm_sd.per_iteration
        verdict = "met" if ratio <= 1 else "MISSED"
        lines.append(f"- riemgd SD / pymanopt SD time per iteration: **{ratio:.2f}** (target ≤ 1: {verdict})")
    else:
        lines.append("- riemgd SD / pymanopt SD time per iteration: n/a (a steepest descent missed the target)")
    if best is not None and pm_cg.reached:
        ratio = best.wall / pm_cg.wall
        verdict = "met" if ratio < 1 else "MISSED"
        label = best.method.removeprefix("riemgd ")
        lines.append(f"- riemgd best ({label}) / pymanopt CG wall time: **{ratio:.2f}** (target < 1: {verdict})")
    else:
        lines.append("- riemgd best / pymanopt CG wall time: n/a (a method missed the target)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per method; the best is reported")
    args = parser.parse_args()
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(
        f"riemgd vs pymanopt {pymanopt.__version__} | numpy {np.__version__} | Python {platform.python_version()} | "
        f"{os.cpu_count()} CPUs, BLAS threads: {threads} | target relative cost error ≤ {TOLERANCE:g}, "
        f"best of {args.repeats}"
    )
    for case in (rayleigh(), brockett()):
        rows, parameters = benchmark(case, args.repeats)
        print()
        print(table(case, rows, parameters))


if __name__ == "__main__":
    main()
