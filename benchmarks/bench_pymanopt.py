"""riemgd's solvers against pymanopt's on pymanopt's classical problems: wall time to the same cost accuracy.

Run ``python benchmarks/bench_pymanopt.py`` (a few minutes on 2 cores; ``--fast``
for a smoke run on small problems with one repeat; ``--help`` for options).
Problems (``A = Q diag(λ) Qᵀ``, a seeded random orthogonal ``Q`` and a
prescribed spectrum, as in ``bench_matrix_manifolds.py``):

* **Rayleigh quotient** ``f(x) = −xᵀAx`` on ``Sphere(500)``; ``f* = −λ_max``.
* **Brockett cost** ``f(X) = tr(XᵀAXN)``, ``N = diag(p, …, 1)``, on
  ``Stiefel(200, 5)``; ``f* = Σ N_ii λ_i`` (λ increasing).
* **Dominant invariant subspace** ``f(X) = −tr(XᵀAX)`` on ``Grassmann(500, 5)``;
  ``f* = −(λ_{n−4} + … + λ_n)``.
* **Low-rank matrix completion** ``f(X) = ½‖P_Ω(X − M)‖²`` on
  ``FixedRankEmbedded(500, 500, 5)``, ``M`` of rank 5 plus noise, 20 % of the
  entries observed; ``f*`` the best cost found. Skipped (with a message) while
  riemgd has no ``FixedRankEmbedded``.
* **Karcher mean** ``f(X) = (1/2N) Σ_i dist(X, A_i)²`` of ``N = 20`` matrices
  on ``SymmetricPositiveDefinite(20)`` (affine-invariant metric,
  ``grad f = −(1/N) Σ_i log_X(A_i)``); ``f*`` the best cost found.

Methods: riemgd ``GradientDescent()`` (Armijo), ``ConjugateGradient()``
(Hestenes–Stiefel, strong Wolfe line search), ``LBFGS()`` (memory 10, Wolfe),
``HeavyBall(1/L, β, "LM")`` and ``Nesterov(1/L, β, restart="function")`` with
``L``, ``μ`` from the spectrum and ``β = (1 − √(μ/L)) / (1 + √(μ/L))`` (only
where ``L`` and ``μ`` are known), and ``TrustRegions()`` and ``Newton()``
(Riemannian Newton–CG, its default full steps) where a Hessian is given;
pymanopt 2.2.1 ``SteepestDescent()``, ``ConjugateGradient()`` and
``TrustRegions()`` (where a Hessian is given), all with their defaults. Every
method starts from the same point and calls the same plain numpy functions
(pymanopt through ``@pymanopt.function.numpy``; no autodiff).

Stopping and timing: each method stops at the first iterate with
``(f − f*)/|f*| ≤ 1e-10``. riemgd stops there through a callback. pymanopt has
none: an untimed probe run finds that iteration (from the log for SD and CG; for
TR, which logs nothing, the smallest ``max_iterations`` whose result reaches the
target, found by doubling and bisection), and the timed run is given exactly
that budget, its final cost checked. The wall time is the whole ``run`` call,
best of ``--repeats`` runs taken round-robin. Every run calls the functions
through wrappers that count the calls and time them (a counter and two clock
reads, under 1 µs a call against 40 µs and more for the cheapest function here, alike
for both libraries): evaluation counts from one untimed run, and the time inside
the functions from the fastest timed run. The per-iteration ratio compares each
riemgd solver with its pymanopt counterpart (GD ↔ SD, CG ↔ CG, TR ↔ TR); the
headline ratio is riemgd's fastest method over pymanopt's fastest (target ≤ 0.5);
the *floor* is the least time any riemgd method spends in the functions over
pymanopt's fastest, the ratio riemgd would reach if its own code took no time.
BLAS runs on one thread (threadpoolctl), so that the shared cores do not
decide the result; the header reports the libraries and their threads. glibc's
allocator keeps freed arrays (``timing.steady_allocator``).
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pymanopt
import scipy.linalg
from bench_matrix_manifolds import counting, evaluation_time, symmetric_matrix
from blas_threads import describe, one_thread
from timing import steady_allocator

import riemgd

TOLERANCE = 1e-10
MAX_ITERATIONS = 20_000


# --------------------------------------------------------------------- problems
@dataclass
class Case:
    """One problem, as both libraries see it."""

    name: str
    riemgd_manifold: Any  # None: riemgd lacks the manifold (the case is skipped)
    pymanopt_manifold: Any
    cost: Callable
    initial_point: Any
    optimum: float | None  # None: the best cost any method finds
    euclidean_gradient: Callable | None = None
    riemannian_gradient: Callable | None = None
    euclidean_hessian: Callable | None = None
    lipschitz: float | None = None  # L of the Riemannian gradient (momentum methods)
    curvature: float | None = None  # μ, the smallest Hessian eigenvalue at the minimizer
    arguments: str = "point"  # how pymanopt passes a point to the functions: "point" or "factors"
    skip: str = ""

    @property
    def target(self) -> float:
        return self.optimum + TOLERANCE * abs(self.optimum)

    def relative_error(self, cost: float) -> float:
        return (cost - self.optimum) / abs(self.optimum)

    @property
    def gradient(self) -> Callable:
        return self.euclidean_gradient or self.riemannian_gradient


def rayleigh(n: int, gap: float = 0.05, seed: int = 0) -> Case:
    """``f(x) = −xᵀAx`` on the sphere, spectrum ``linspace(−1, 1, n−1) ∪ {1 + gap}``:
    ``L = 2(λ_max − λ_min)``, ``μ = 2(λ_max − λ_2)``."""
    rng = np.random.default_rng(seed)
    A = symmetric_matrix(np.append(np.linspace(-1.0, 1.0, n - 1), 1.0 + gap), rng)
    lam = np.linalg.eigvalsh(A)
    manifold = riemgd.Sphere(n)
    return Case(
        name=f"Rayleigh quotient, Sphere({n})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.Sphere(n),
        cost=lambda x: -(x @ (A @ x)),
        euclidean_gradient=lambda x: -2.0 * (A @ x),
        euclidean_hessian=lambda x, u: -2.0 * (A @ u),
        optimum=-lam[-1],
        initial_point=manifold.random_point(rng=rng),
        lipschitz=2.0 * (lam[-1] - lam[0]),
        curvature=2.0 * (lam[-1] - lam[-2]),
    )


def brockett(n: int, p: int, seed: int = 1) -> Case:
    """``f(X) = tr(XᵀAXN)`` on Stiefel, spectrum ``0, 0.2, …, 0.2(p−1)`` then ``linspace(1, 2, n−p)``;
    ``L``, ``μ`` as in ``bench_matrix_manifolds.brockett``."""
    rng = np.random.default_rng(seed)
    A = symmetric_matrix(np.concatenate([0.2 * np.arange(p), np.linspace(1.0, 2.0, n - p)]), rng)
    lam = np.linalg.eigvalsh(A)
    d = np.arange(p, 0, -1, dtype=float)  # diag(N)
    normal = [2 * d[i] * (lam[p] - lam[i]) for i in range(p)]
    in_span = [(d[i] - d[j]) * (lam[j] - lam[i]) for i in range(p) for j in range(i + 1, p)]
    manifold = riemgd.Stiefel(n, p)
    return Case(
        name=f"Brockett cost, Stiefel({n}, {p})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.Stiefel(n, p),
        cost=lambda X: np.sum((A @ X) * X * d),  # tr(XᵀAXN)
        euclidean_gradient=lambda X: 2.0 * (A @ X) * d,  # 2AXN
        euclidean_hessian=lambda X, U: 2.0 * (A @ U) * d,  # 2AUN
        optimum=float(d @ lam[:p]),
        initial_point=manifold.random_point(rng=rng),
        lipschitz=2.0 * d.max() * (lam[-1] - lam[0]),
        curvature=min(normal + in_span),
    )


def dominant_subspace(n: int, p: int, gap: float = 0.05, seed: int = 2) -> Case:
    """``f(X) = −tr(XᵀAX)`` on Grassmann, spectrum ``linspace(−1, 1, n−p)`` then
    ``1 + gap + 0.1 k``, ``k < p``: the Hessian at the minimizer has the eigenvalues
    ``2(λ_i − λ_j)``, ``i`` among the top ``p``, ``j`` not, so ``μ = 2 gap``;
    everywhere ``|Hess| ≤ 2(λ_max − λ_min) = L``."""
    rng = np.random.default_rng(seed)
    top = 1.0 + gap + 0.1 * np.arange(p)
    A = symmetric_matrix(np.concatenate([np.linspace(-1.0, 1.0, n - p), top]), rng)
    lam = np.linalg.eigvalsh(A)
    manifold = riemgd.Grassmann(n, p)
    return Case(
        name=f"Dominant invariant subspace, Grassmann({n}, {p})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.Grassmann(n, p),
        cost=lambda X: -np.sum((A @ X) * X),
        euclidean_gradient=lambda X: -2.0 * (A @ X),
        euclidean_hessian=lambda X, U: -2.0 * (A @ U),
        optimum=-float(lam[-p:].sum()),
        initial_point=manifold.random_point(rng=rng),
        lipschitz=2.0 * (lam[-1] - lam[0]),
        curvature=2.0 * (lam[-p] - lam[-p - 1]),
    )


def matrix_completion(m: int, n: int, k: int, fraction: float = 0.2, noise: float = 1e-2, seed: int = 3) -> Case:
    """``f(u, s, vᵀ) = ½‖P_Ω(u diag(s) vᵀ − M)‖²``, gradients in pymanopt's factor
    convention: with ``R = P_Ω(X − M)``, ``(R vᵀᵀ diag(s), diag(uᵀ R vᵀᵀ), diag(s) uᵀ R)``."""
    rng = np.random.default_rng(seed)
    target = rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) + noise * rng.standard_normal((m, n))
    mask = rng.random((m, n)) < fraction
    observed = mask * target

    def residual(u, s, vt):
        return mask * ((u * s) @ vt) - observed

    def cost(point):
        r = residual(*point)
        return 0.5 * np.sum(r * r)

    def gradient(point):
        u, s, vt = point
        r = residual(u, s, vt)
        rv = r @ vt.T
        return (rv * s, np.einsum("ij,ij->j", u, rv), (s[:, None] * u.T) @ r)

    manifold_class = getattr(riemgd, "FixedRankEmbedded", None)
    pymanopt_manifold = pymanopt.manifolds.FixedRankEmbedded(m, n, k)
    # a seeded start (u, s, vᵀ): orthonormal u, v, decreasing positive s; a plain tuple both libraries unpack
    u = np.linalg.qr(rng.standard_normal((m, k)))[0]
    v = np.linalg.qr(rng.standard_normal((n, k)))[0]
    start = (u, np.sort(rng.uniform(1.0, 2.0, k))[::-1].copy(), v.T.copy())
    case = Case(
        name=f"Low-rank matrix completion, FixedRankEmbedded({m}, {n}, {k})",
        riemgd_manifold=None if manifold_class is None else manifold_class(m, n, k),
        pymanopt_manifold=pymanopt_manifold,
        cost=cost,
        euclidean_gradient=gradient,
        optimum=None,
        initial_point=start,
        arguments="factors",
    )
    if manifold_class is None:
        case.skip = "riemgd has no FixedRankEmbedded in this checkout (rerun after merging it)"
    return case


def karcher_mean(n: int, count: int, spread: float = 0.5, seed: int = 4) -> Case:
    """``f(X) = (1/2N) Σ_i ‖logm(L⁻¹ A_i L⁻ᵀ)‖²_F`` (``X = LLᵀ``), the squared
    affine-invariant distances, and ``grad f(X) = −(1/N) Σ_i L logm(L⁻¹ A_i L⁻ᵀ) Lᵀ``;
    ``A_i = exp(spread · sym(G_i))`` for Gaussian ``G_i``."""
    rng = np.random.default_rng(seed)
    data = []
    for _ in range(count):
        g = rng.standard_normal((n, n)) / math.sqrt(n)
        w, v = np.linalg.eigh(spread * (g + g.T) / 2)
        data.append((v * np.exp(w)) @ v.T)

    def whitened(X):
        factor = np.linalg.cholesky(X)
        for a in data:
            y = scipy.linalg.solve_triangular(factor, a, lower=True, check_finite=False)
            yield factor, scipy.linalg.solve_triangular(factor, y.T, lower=True, check_finite=False)  # L⁻¹ A L⁻ᵀ

    def cost(X):
        total = 0.0
        for _, b in whitened(X):
            total += np.sum(np.log(np.linalg.eigvalsh(b)) ** 2)
        return total / (2 * count)

    def riemannian_gradient(X):
        total = np.zeros_like(X)
        factor = np.linalg.cholesky(X)
        for _, b in whitened(X):
            w, v = np.linalg.eigh(b)
            total += (v * np.log(w)) @ v.T  # logm(L⁻¹ A L⁻ᵀ)
        g = -(factor @ total @ factor.T) / count
        return (g + g.T) / 2

    manifold = riemgd.SymmetricPositiveDefinite(n)
    return Case(
        name=f"Karcher mean of {count} matrices, SymmetricPositiveDefinite({n})",
        riemgd_manifold=manifold,
        pymanopt_manifold=pymanopt.manifolds.SymmetricPositiveDefinite(n),
        cost=cost,
        riemannian_gradient=riemannian_gradient,
        optimum=None,
        initial_point=np.eye(n),
    )


def cases(fast: bool) -> list[Case]:
    if fast:
        return [
            rayleigh(60),
            brockett(40, 3),
            dominant_subspace(60, 3),
            matrix_completion(60, 50, 3, fraction=0.5),
            karcher_mean(5, 5),
        ]
    return [
        rayleigh(500),
        brockett(200, 5),
        dominant_subspace(500, 5),
        matrix_completion(500, 500, 5),
        karcher_mean(20, 20),
    ]


# -------------------------------------------------------------------- problems
def riemgd_problem(case: Case, cost: Callable, gradient: Callable, hessian: Callable | None) -> riemgd.Problem:
    key = "euclidean_gradient" if case.euclidean_gradient is not None else "riemannian_gradient"
    kwargs = {key: gradient}
    if hessian is not None:
        kwargs["euclidean_hessian"] = hessian
    return riemgd.Problem(case.riemgd_manifold, cost, **kwargs)


def pymanopt_problem(case: Case, cost: Callable, gradient: Callable, hessian: Callable | None) -> pymanopt.Problem:
    manifold = case.pymanopt_manifold
    decorate = pymanopt.function.numpy(manifold)
    if case.arguments == "factors":  # pymanopt passes (u, s, vᵀ) as three arguments
        f, g = decorate(lambda *p: cost(p)), decorate(lambda *p: gradient(p))
        h = None
    else:
        f, g = decorate(cost), decorate(gradient)
        h = None if hessian is None else decorate(hessian)
    key = "euclidean_gradient" if case.euclidean_gradient is not None else "riemannian_gradient"
    kwargs = {key: g}
    if h is not None:
        kwargs["euclidean_hessian"] = h
    return pymanopt.Problem(manifold, f, **kwargs)


# ---------------------------------------------------------------------- methods
@dataclass
class Method:
    label: str
    library: str
    counterpart: str | None  # the pymanopt method it is compared with per iteration
    run: Callable[[], Any]  # the timed call, its functions wrapped: their seconds add up in meter["seconds"]
    iterations: int = 0
    reached: bool = False
    error: float = math.nan
    counts: dict = field(default_factory=dict)  # evaluations of one run
    meter: dict = field(default_factory=dict)  # the wrappers' running counts and seconds
    wall: float = math.inf
    in_functions: float = math.nan  # seconds inside the functions during the fastest timed run

    @property
    def per_iteration(self) -> float:
        return self.wall / max(self.iterations, 1)


def riemgd_method(case: Case, label: str, make: Callable, counterpart: str | None, hessian: bool = False) -> Method:
    target = case.target

    def stop(iterate):
        return iterate.cost <= target

    def solver(cost, gradient, hessian_product):
        problem = riemgd_problem(case, cost, gradient, hessian_product if hessian else None)
        return lambda: make().run(problem, initial_point=case.initial_point, callback=stop)

    cost, gradient, hessian_product, meter = counting(case.cost, case.gradient, case.euclidean_hessian)
    run = solver(cost, gradient, hessian_product)
    result = run()  # untimed: iterations and evaluation counts
    method = Method(label, "riemgd", counterpart, run, counts=dict(meter), meter=meter)
    method.iterations, method.reached = result.iterations, result.reason == "callback"
    method.error = case.relative_error(result.cost)
    return method


def pymanopt_method(case: Case, label: str, make: Callable) -> Method:
    """pymanopt's solver given the budget that an untimed probe found: SD stops after
    ``max_iterations`` steps, CG after ``max_iterations − 1``, TR after ``max_iterations``."""
    is_cg = make is pymanopt.optimizers.ConjugateGradient
    logged = make is not pymanopt.optimizers.TrustRegions

    def optimizer(**kwargs):
        return make(verbosity=0, max_time=math.inf, max_cost_evaluations=10**9, **kwargs)

    def run_with(budget, problem):
        return optimizer(max_iterations=budget, min_gradient_norm=0.0, min_step_size=0.0).run(
            problem, initial_point=case.initial_point
        )

    problem = pymanopt_problem(case, case.cost, case.gradient, case.euclidean_hessian)
    if logged:
        probe = optimizer(max_iterations=MAX_ITERATIONS, min_gradient_norm=1e-13, log_verbosity=1)
        costs = probe.run(problem, initial_point=case.initial_point).log["iterations"]["cost"]
        steps = next((k for k, value in enumerate(costs) if value <= case.target), len(costs) - 1)
        budget = steps + (1 if is_cg else 0)
    else:
        budget = smallest_budget(lambda k: float(run_with(k, problem).cost) <= case.target)
        steps = budget

    cost, gradient, hessian_product, meter = counting(case.cost, case.gradient, case.euclidean_hessian)
    wrapped = pymanopt_problem(case, cost, gradient, hessian_product)
    result = run_with(budget, wrapped)  # untimed: evaluation counts
    method = Method(label, "pymanopt", None, lambda: run_with(budget, wrapped), counts=dict(meter), meter=meter)
    method.iterations, method.error = steps, case.relative_error(float(result.cost))
    method.reached = method.error <= TOLERANCE
    return method


def smallest_budget(reaches: Callable[[int], bool], limit: int = 2048) -> int:
    """The smallest ``k ≤ limit`` with ``reaches(k)`` (monotone in ``k``), by doubling and bisection."""
    high = 1
    while not reaches(high):
        if high >= limit:
            return limit
        high *= 2
    low = high // 2  # reaches(low) is false (or low = 0)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return high


def best_optimum(case: Case) -> float:
    """For a problem without a known optimum: the lowest cost of long runs of
    riemgd's L-BFGS and CG and pymanopt's CG (gradient norm 1e-12 or stalled)."""
    long = {"max_iterations": MAX_ITERATIONS, "min_gradient_norm": 1e-12}
    finals = []
    problem = riemgd_problem(case, case.cost, case.gradient, None)
    for make in (riemgd.LBFGS, riemgd.ConjugateGradient):
        finals.append(make(**long).run(problem, initial_point=case.initial_point).cost)
    reference = pymanopt.optimizers.ConjugateGradient(
        verbosity=0, max_iterations=MAX_ITERATIONS, min_gradient_norm=1e-12
    )
    finals.append(
        float(
            reference.run(pymanopt_problem(case, case.cost, case.gradient, None), initial_point=case.initial_point).cost
        )
    )
    return min(finals)


def methods_for(case: Case) -> list[Method]:
    stop = {"max_iterations": MAX_ITERATIONS, "min_gradient_norm": 0.0, "min_step_size": 1e-14}  # a failed search stops
    methods = [
        riemgd_method(
            case, "riemgd GradientDescent", lambda: riemgd.GradientDescent(**stop), "pymanopt SteepestDescent"
        ),
        riemgd_method(
            case, "riemgd ConjugateGradient", lambda: riemgd.ConjugateGradient(**stop), "pymanopt ConjugateGradient"
        ),
        riemgd_method(case, "riemgd LBFGS", lambda: riemgd.LBFGS(**stop), None),
    ]
    if case.lipschitz is not None and case.curvature is not None:
        L, mu = case.lipschitz, case.curvature
        beta = (1.0 - math.sqrt(mu / L)) / (1.0 + math.sqrt(mu / L))
        methods.append(riemgd_method(case, "riemgd HeavyBall LM", lambda: riemgd.HeavyBall(1 / L, beta, **stop), None))
        methods.append(
            riemgd_method(
                case,
                "riemgd Nesterov",
                lambda: riemgd.Nesterov(1 / L, beta, restart="function", **stop),
                None,
            )
        )
    if hasattr(riemgd, "TrustRegions") and case.euclidean_hessian is not None:
        methods.append(
            riemgd_method(
                case,
                "riemgd TrustRegions",
                lambda: riemgd.TrustRegions(max_iterations=MAX_ITERATIONS, min_gradient_norm=0.0),
                "pymanopt TrustRegions",
                hessian=True,
            )
        )
        methods.append(
            riemgd_method(
                case,
                "riemgd Newton",
                lambda: riemgd.Newton(max_iterations=MAX_ITERATIONS, min_gradient_norm=0.0, min_step_size=1e-14),
                None,
                hessian=True,
            )
        )
    methods.append(pymanopt_method(case, "pymanopt SteepestDescent", pymanopt.optimizers.SteepestDescent))
    methods.append(pymanopt_method(case, "pymanopt ConjugateGradient", pymanopt.optimizers.ConjugateGradient))
    if case.euclidean_hessian is not None and case.arguments == "point":
        methods.append(pymanopt_method(case, "pymanopt TrustRegions", pymanopt.optimizers.TrustRegions))
    return methods


def time_round_robin(methods: list[Method], repeats: int) -> None:
    """Each method's best wall time over ``repeats`` rounds, and its seconds in the functions in that run."""
    for _ in range(repeats):
        for method in methods:
            method.meter["seconds"] = 0.0
            gc.collect()
            start = time.perf_counter()
            method.run()
            wall = time.perf_counter() - start
            if wall < method.wall:
                method.wall, method.in_functions = wall, method.meter["seconds"]


# -------------------------------------------------------------------- reporting
def table(case: Case, methods: list[Method], call_times: dict[str, float]) -> tuple[str, dict]:
    """The problem's table, and its summary: each library's fastest method and
    the ratio; ``call_times`` holds one call's seconds per kind of evaluation."""
    evaluation = ", ".join(f"one {_CALLS[kind]} call {1e6 * t:.1f} µs" for kind, t in call_times.items())
    lines = [
        f"### {case.name}: f* = {case.optimum:.12g}",
        "",
        evaluation,
        "",
        "| method | iterations | f evals | ∇f evals | ∇²f evals | wall time [ms] | in the functions [ms] "
        "| per iteration [µs] | per-iteration ratio to pymanopt | final rel. error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_label = {method.label: method for method in methods}
    for method in methods:
        iterations = str(method.iterations) if method.reached else f"{method.iterations} (target missed)"
        ratio = "—"
        other = by_label.get(method.counterpart or "")
        if other is not None and method.reached and other.reached:
            ratio = f"{method.per_iteration / other.per_iteration:.2f} (vs {other.label.removeprefix('pymanopt ')})"
        counts = method.counts
        lines.append(
            f"| {method.label} | {iterations} | {counts['cost']} | {counts['gradient']} | {counts['hessian']} "
            f"| {1e3 * method.wall:.2f} | {1e3 * method.in_functions:.2f} "
            f"| {1e6 * method.per_iteration:.1f} | {ratio} | {method.error:.1e} |"
        )
    summary = {"problem": case.name}
    for library in ("riemgd", "pymanopt"):
        reached = [m for m in methods if m.library == library and m.reached]
        summary[library] = min(reached, key=lambda m: m.wall, default=None)
        summary[f"{library} floor"] = min((m.in_functions for m in reached), default=math.nan)
    ours, theirs = summary["riemgd"], summary["pymanopt"]
    lines.append("")
    if ours is not None and theirs is not None:
        ratio = ours.wall / theirs.wall
        summary["ratio"] = ratio
        summary["floor ratio"] = summary["riemgd floor"] / theirs.wall
        verdict = "met" if ratio <= 0.5 else "MISSED"
        lines.append(
            f"- riemgd best ({ours.label.removeprefix('riemgd ')}) / pymanopt best "
            f"({theirs.label.removeprefix('pymanopt ')}) wall time: **{ratio:.2f}** (target ≤ 0.5: {verdict})"
        )
        lines.append(
            f"- the floor: the fewest milliseconds any riemgd method spends in the problem's functions, "
            f"{1e3 * summary['riemgd floor']:.1f} ms, is {summary['floor ratio']:.2f} × pymanopt's best wall time "
            "(the ratio riemgd would reach with no time of its own)"
        )
    else:
        lines.append("- riemgd best / pymanopt best: n/a (no method of one library reached the target)")
    return "\n".join(lines), summary


_CALLS = {"cost": "f", "gradient": "∇f", "hessian": "∇²f"}


def call_times(case: Case, repeats: int) -> dict[str, float]:
    """One call's seconds of the cost, the gradient and (given) the Hessian-vector
    product (at the start, along the start point itself, a vector of the same shape)."""
    x = case.initial_point
    times = {
        "cost": evaluation_time(case.cost, x, repeats),
        "gradient": evaluation_time(case.gradient, x, repeats),
    }
    if case.euclidean_hessian is not None:
        times["hessian"] = evaluation_time(lambda point: case.euclidean_hessian(point, point), x, repeats)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method; the best is reported")
    parser.add_argument("--fast", action="store_true", help="a smoke run: small problems, one repeat")
    parser.add_argument("--only", default="", help="run only the problems whose name contains this text")
    args = parser.parse_args()
    repeats = 1 if args.fast else args.repeats
    print(
        f"riemgd vs pymanopt {pymanopt.__version__} | numpy {np.__version__} | Python {platform.python_version()} "
        f"| target relative cost error ≤ {TOLERANCE:g} | best of {repeats}"
    )
    print(describe())
    print("BLAS limited to one thread for the timings.")
    print(steady_allocator())
    summaries = []
    with one_thread("numpy", "scipy"):
        for case in cases(args.fast):
            if args.only.lower() not in case.name.lower():
                continue
            print()
            if case.skip:
                print(f"### {case.name}: skipped — {case.skip}")
                continue
            if case.optimum is None:
                case.optimum = best_optimum(case)
            methods = methods_for(case)
            time_round_robin(methods, repeats)
            text, summary = table(case, methods, call_times(case, max(repeats, 3)))
            print(text)
            summaries.append(summary)
            sys.stdout.flush()
    print("\n### Summary\n")
    print("| problem | riemgd best | pymanopt best | ratio (target ≤ 0.5) | floor: functions alone |")
    print("|---|---|---|---:|---:|")
    for s in summaries:
        ours, theirs = s["riemgd"], s["pymanopt"]
        ratio = f"{s['ratio']:.2f}" if "ratio" in s else "n/a"
        floor = f"{s['floor ratio']:.2f}" if "floor ratio" in s else "n/a"
        print(f"| {s['problem']} | {_cell(ours)} | {_cell(theirs)} | {ratio} | {floor} |")


def _cell(method: Method | None) -> str:
    return "—" if method is None else f"{method.label.split(' ', 1)[1]} {1e3 * method.wall:.1f} ms"


if __name__ == "__main__":
    main()
