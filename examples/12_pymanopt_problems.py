"""Classical matrix manifolds: riemgd's optimizers beside pymanopt's on the same problems
======================================================================================

Seed statement (DESIGN.md §2, "optimizers speak only the manifold's language"):
one heavy-ball and one Nesterov implementation run unchanged on a sphere, a
Stiefel manifold and the SPD cone, because they only call ``inner_product``,
``projection``, ``retraction``, ``transport`` and ``embed``; the seed's update
rules

    heavy ball   p_k = P_{T_k}[β p_{k−1} − α ∇f(x_k)],        x_{k+1} = R_{x_k}(p_k)
    Nesterov     w_k = R_{x_k}(β P_{T_k}(x_k − x_{k−1})),      x_{k+1} = R[w_k − α P_{T_k} ∇f(w_k)]

are written once. riemgd manifolds use pymanopt's method names, so *one*
``riemgd.Problem`` is handed to riemgd's ``GradientDescent`` (Armijo),
``HeavyBall`` and ``Nesterov`` and to pymanopt's ``SteepestDescent`` and
``ConjugateGradient``. (riemgd's Armijo rule and pymanopt's backtracking
share the initial step of Nocedal & Wright, eq. 3.60, so those two curves
coincide.) Every method must reach the known optimum:

1. Rayleigh quotient on the sphere ``S^{n−1}``: ``min −xᵀAx = −λ_max(A)`` at the
   leading eigenvector (Absil, Mahony & Sepulchre, *Optimization Algorithms on
   Matrix Manifolds*, 2008, §4.6). Near the optimum the Riemannian Hessian has
   eigenvalues ``2(λ_n − λ_i)``, so ``L = 2(λ_n − λ_1)``, ``μ = 2(λ_n − λ_{n−1})``
   and the classical tuning ``α = 4/(√L + √μ)²``, ``β = ((√κ − 1)/(√κ + 1))²``
   (heavy ball, Polyak 1964) and ``α = 1/L``, ``β = (√κ − 1)/(√κ + 1)``
   (Nesterov 1983) applies, ``κ = L/μ``.
2. Brockett cost on the Stiefel manifold ``St(n, p)``: ``min tr(XᵀAXD)`` with
   ``D = diag(d_1 > … > d_p > 0)`` is ``Σ_i d_i λ_i`` (ascending ``λ_i``), at
   ``X = [v_1, …, v_p]`` up to column signs (Brockett 1991; Absil et al. §4.8).
3. Karcher mean on ``SPD(n)`` with the affine-invariant metric:
   ``min ¼ (d(X, A)² + d(X, B)²)`` has Riemannian gradient
   ``−½ (log_X A + log_X B)`` and its minimizer is the geodesic midpoint
   ``A #_{1/2} B = A^{1/2} (A^{−1/2} B A^{−1/2})^{1/2} A^{1/2}`` (Bhatia,
   *Positive Definite Matrices*, 2007, ch. 6), computed with
   ``scipy.linalg.sqrtm``.

Run: ``python examples/12_pymanopt_problems.py [--fast] [--output DIR]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg
from _common import parse_args, print_table, save_figure
from pymanopt.optimizers import ConjugateGradient, SteepestDescent

import riemgd


@dataclass
class Case:
    """One benchmark: a riemgd problem, a start, and how far a point is from the optimum."""

    title: str
    problem: riemgd.Problem
    initial_point: Any
    cost_error: Callable[[float], float]  # relative cost error |f − f*| / |f*|
    point_error: Callable[[Any], float]  # distance to the known minimizer
    heavy_ball: tuple[float, float]  # (α, β)
    nesterov: tuple[float, float]  # (α, β)


def spectrum_matrix(n: int, eigenvalues: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric matrix with the given eigenvalues and random eigenvectors: ``(A, Q)``."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * eigenvalues) @ q.T
    return 0.5 * (a + a.T), q


def momentum_tuning(lipschitz: float, strong_convexity: float) -> dict[str, tuple[float, float]]:
    """Classical tuning for a quadratic with Hessian spectrum in ``[μ, L]``:
    ``{"heavy_ball": (α, β), "nesterov": (α, β)}``."""
    root = np.sqrt(lipschitz / strong_convexity)
    alpha = 4.0 / (np.sqrt(lipschitz) + np.sqrt(strong_convexity)) ** 2
    return {
        "heavy_ball": (alpha, ((root - 1) / (root + 1)) ** 2),
        "nesterov": (1.0 / lipschitz, (root - 1) / (root + 1)),
    }


def rayleigh_case(n: int, rng: np.random.Generator) -> Case:
    eigenvalues = np.linspace(1.0, 2.0, n)
    A, Q = spectrum_matrix(n, eigenvalues, rng)
    manifold = riemgd.Sphere(n)
    problem = riemgd.Problem(manifold, lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2.0 * A @ x)
    top = eigenvalues[-1]
    L, mu = 2 * (eigenvalues[-1] - eigenvalues[0]), 2 * (eigenvalues[-1] - eigenvalues[-2])
    return Case(
        title=f"Rayleigh quotient, sphere S^{n - 1}",
        problem=problem,
        initial_point=manifold.random_point(rng=rng),
        cost_error=lambda f: abs(f + top) / top,
        point_error=lambda x: float(np.sqrt(max(0.0, 1.0 - (x @ Q[:, -1]) ** 2))),  # sin of the angle to v_max
        **momentum_tuning(L, mu),
    )


def brockett_case(n: int, p: int, rng: np.random.Generator) -> Case:
    eigenvalues = np.linspace(1.0, 2.0, n)
    A, Q = spectrum_matrix(n, eigenvalues, rng)
    D = np.diag(np.arange(p, 0, -1, dtype=float))
    manifold = riemgd.Stiefel(n, p)
    # no gradient given: riemgd differentiates the cost with autograd
    problem = riemgd.Problem(manifold, lambda X: np.trace(X.T @ A @ X @ D))
    optimum = float(np.sum(np.diag(D) * eigenvalues[:p]))
    minimizer = Q[:, :p]

    def point_error(X: np.ndarray) -> float:
        signs = np.sign(np.sum(X * minimizer, axis=0))  # columns are determined up to sign
        return float(np.linalg.norm(X * signs - minimizer))

    # Riemannian Hessian at the optimum: normal directions (λ_k − λ_i) d_i, within-frame (d_i − d_j)(λ_j − λ_i)
    L = 2 * D[0, 0] * (eigenvalues[-1] - eigenvalues[0])
    mu = 2 * min(D[-1, -1] * (eigenvalues[p] - eigenvalues[p - 1]), (eigenvalues[1] - eigenvalues[0]))
    return Case(
        title=f"Brockett cost, Stiefel St({n}, {p})",
        problem=problem,
        initial_point=manifold.random_point(rng=rng),
        cost_error=lambda f: abs(f - optimum) / abs(optimum),
        point_error=point_error,
        **momentum_tuning(L, mu),
    )


def random_spd(n: int, rng: np.random.Generator, spread: float) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * np.exp(spread * rng.standard_normal(n))) @ q.T
    return 0.5 * (a + a.T)


def karcher_case(n: int, rng: np.random.Generator) -> Case:
    manifold = riemgd.SymmetricPositiveDefinite(n)
    A, B = random_spd(n, rng, 1.0), random_spd(n, rng, 1.0)
    root = np.real(scipy.linalg.sqrtm(A))
    inverse_root = np.linalg.inv(root)
    midpoint = root @ np.real(scipy.linalg.sqrtm(inverse_root @ B @ inverse_root)) @ root
    midpoint = 0.5 * (midpoint + midpoint.T)

    def cost(X: np.ndarray) -> float:
        return 0.25 * (float(manifold.dist(X, A)) ** 2 + float(manifold.dist(X, B)) ** 2)

    def riemannian_gradient(X: np.ndarray) -> np.ndarray:
        return -0.5 * (manifold.log(X, A) + manifold.log(X, B))

    problem = riemgd.Problem(manifold, cost, riemannian_gradient=riemannian_gradient)
    optimum = cost(midpoint)  # = d(A, B)² / 8
    # ½d(·, A)² is 1-strongly convex with Hessian ≈ I near the minimum (non-positive curvature)
    return Case(
        title=f"Karcher mean of two points, SPD({n})",
        problem=problem,
        initial_point=random_spd(n, rng, 0.5),
        cost_error=lambda f: abs(f - optimum) / optimum,
        point_error=lambda X: float(manifold.dist(X, midpoint)),
        heavy_ball=(0.5, 0.1),
        nesterov=(0.5, 0.1),
    )


def solvers(case: Case, max_iterations: int, tolerance: float) -> dict[str, Any]:
    stop = {"max_iterations": max_iterations, "min_gradient_norm": tolerance, "log_verbosity": 1}
    return {
        "riemgd GradientDescent (Armijo)": riemgd.GradientDescent(**stop),
        "riemgd HeavyBall (LM)": riemgd.HeavyBall(*case.heavy_ball, "LM", **stop),
        "riemgd Nesterov": riemgd.Nesterov(*case.nesterov, **stop),
        "pymanopt SteepestDescent": SteepestDescent(verbosity=0, **stop),
        "pymanopt ConjugateGradient": ConjugateGradient(verbosity=0, **stop),
    }


def run_case(case: Case, max_iterations: int, tolerance: float) -> list[tuple[str, float, float, int, float, list]]:
    rows = []
    for name, optimizer in solvers(case, max_iterations, tolerance).items():
        start = time.perf_counter()
        result = optimizer.run(case.problem, initial_point=case.initial_point)
        seconds = time.perf_counter() - start
        costs = [case.cost_error(float(c)) for c in result.log["iterations"]["cost"]]
        point = np.asarray(result.point)
        rows.append(
            (name, case.cost_error(float(result.cost)), case.point_error(point), result.iterations, seconds, costs)
        )
    return rows


def plot(cases: Sequence[Case], results: Sequence[list]) -> plt.Figure:
    fig, axes = plt.subplots(1, len(cases), figsize=(5.2 * len(cases), 4.2), constrained_layout=True)
    styles = ["-", "-", "-", "--", "--"]
    for ax, case, rows in zip(np.atleast_1d(axes), cases, results, strict=True):
        for (name, *_rest, costs), style in zip(rows, styles, strict=True):
            ax.semilogy(np.maximum(costs, 1e-16), style, lw=1.6, label=name)
        ax.set_ylim(bottom=5e-17)
        ax.set_title(case.title, fontsize=10)
        ax.set_xlabel("iteration")
        ax.set_ylabel(r"relative cost error $|f - f^*| / |f^*|$")
        ax.grid(True, which="major", alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="upper right")
    fig.suptitle("One riemgd.Problem, two libraries: riemgd (solid) and pymanopt (dashed) optimizers")
    return fig


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__, argv)
    rng = np.random.default_rng(2025)
    if args.fast:
        cases = [rayleigh_case(40, rng), brockett_case(12, 3, rng), karcher_case(4, rng)]
        max_iterations = 2000
    else:
        cases = [rayleigh_case(200, rng), brockett_case(40, 4, rng), karcher_case(8, rng)]
        max_iterations = 20000
    tolerance = 1e-9
    results = [run_case(case, max_iterations, tolerance) for case in cases]
    for case, rows in zip(cases, results, strict=True):
        print_table(
            ["method", "cost error", "point error", "iterations", "time [s]"],
            [row[:5] for row in rows],
            title=f"\n{case.title}",
        )
    save_figure(plot(cases, results), "12_pymanopt_problems", args.output)

    # every optimizer of both libraries reaches the known optimum of each problem
    for case, rows in zip(cases, results, strict=True):
        for name, cost_error, point_error, iterations, _, _ in rows:
            assert cost_error < 1e-9, f"{case.title}: {name} stopped at relative cost error {cost_error:.2e}"
            assert point_error < 1e-4, f"{case.title}: {name} stopped {point_error:.2e} from the minimizer"
            assert iterations < max_iterations, f"{case.title}: {name} did not converge in {max_iterations} steps"
    # momentum pays on the ill-conditioned Rayleigh quotient: fewer steps than Armijo gradient descent
    rayleigh = {row[0]: row[3] for row in results[0]}
    assert rayleigh["riemgd HeavyBall (LM)"] < rayleigh["riemgd GradientDescent (Armijo)"]
    assert rayleigh["riemgd Nesterov"] < rayleigh["riemgd GradientDescent (Armijo)"]


if __name__ == "__main__":
    main()
