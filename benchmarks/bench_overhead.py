"""Per-iteration overhead of riemgd's optimizers against hand-written numpy loops.

Run ``python benchmarks/bench_overhead.py`` (a few seconds; ``--quick`` for a
smoke run). On a small problem, where the linear algebra costs little, the
ratio of wall times is riemgd's bookkeeping per iteration.

Problem: ``m`` equispaced points ``xᵢ`` in ``[0, 1]`` with weights ``wᵢ = 1/m``
(``K = diag(w)``), the linear model ``v_θ = Φ θ`` with the cosine features
``Φ_ij = cos(j π xᵢ)``, ``j < p``, and the L2 loss
``L(θ) = ½ Σᵢ wᵢ (v_θ(xᵢ) − u(xᵢ))²`` for ``u(x) = exp(x) sin(3x)``. Defaults
``p = 10``, ``m = 100``.

* **natural gradient**: ``riemgd.GradientDescent(step_size=α)`` on
  ``ModelManifold(Linear(Φ), L2(x, w))``, against the loop that computes per
  iteration the values ``v = Φθ``, the Jacobian ``J = Φ``, the cost, the
  gradient ``g = Jᵀ K (v − u)``, the Gram matrix ``G = Jᵀ K J``, its Cholesky
  factor, ``c = G⁻¹ g``, the gradient norm ``√(gᵀc)`` and ``θ ← θ − α c``;
* **heavy ball (LM)**: ``riemgd.HeavyBall(α, β)``, against the loop with, in
  addition, the transported momentum ``P_{T_k} p = G⁻¹ Jᵀ K (J p)`` and
  ``p ← β P_{T_k} p − α c``, ``θ ← θ + p``.

Both riemgd runs go through the public API only (``optimizer.run(problem,
initial_point=θ₀)``, a fresh manifold and problem per repeat, built outside the
timer). Their final points must equal the hand-written loops' after the same
number of iterations to ``1e-12`` (relative). Each time is the best of ``N``
repeats of ``K`` iterations, taken round-robin.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import scipy.linalg
from blas_threads import describe

import riemgd

TOLERANCE = 1e-12


def setup(m: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points ``x``, weights ``w``, features ``Φ`` (m × p) and target values ``u``."""
    x = np.linspace(0.0, 1.0, m)
    w = np.full(m, 1.0 / m)
    phi = np.cos(np.pi * x[:, None] * np.arange(p)[None, :])
    return x, w, phi, np.exp(x) * np.sin(3.0 * x)


def riemgd_problem(x: np.ndarray, w: np.ndarray, model: riemgd.models.Linear, u: np.ndarray) -> riemgd.Problem:
    manifold = riemgd.ModelManifold(model, riemgd.spaces.L2(x, w))
    return riemgd.Problem(manifold, riemgd.losses.L2(u))


def natural_gradient(
    phi: np.ndarray, w: np.ndarray, u: np.ndarray, theta: np.ndarray, alpha: float, k: int
) -> np.ndarray:
    """``k`` natural-gradient steps ``θ ← θ − α G⁻¹ Jᵀ K (Φθ − u)``, by hand."""
    sqrt_w = np.sqrt(w)
    for _ in range(k):
        v = phi @ theta  # values
        jac = phi  # J = Φ (constant for a linear model)
        r = v - u
        _cost = 0.5 * np.dot(w * r, r)  # L = ½ ‖v − u‖²_K
        g = jac.T @ (w * r)  # ∇θL = Jᵀ K (v − u)
        sj = sqrt_w[:, None] * jac
        factor = scipy.linalg.cho_factor(sj.T @ sj, lower=True, check_finite=False)  # G = Jᵀ K J = L Lᵀ
        c = scipy.linalg.cho_solve(factor, g, check_finite=False)  # natural gradient G⁻¹ ∇θL
        _gradient_norm = np.sqrt(np.dot(g, c))  # ‖grad‖_G, for the stopping test
        theta = theta - alpha * c
    return theta


def heavy_ball_lm(
    phi: np.ndarray, w: np.ndarray, u: np.ndarray, theta: np.ndarray, alpha: float, beta: float, k: int
) -> np.ndarray:
    """``k`` LM heavy-ball steps ``p ← β P_{T_k} p − α G⁻¹∇θL``, ``θ ← θ + p``, by hand."""
    sqrt_w = np.sqrt(w)
    p = np.zeros_like(theta)
    jac_prev = phi
    for _ in range(k):
        v = phi @ theta
        jac = phi
        r = v - u
        _cost = 0.5 * np.dot(w * r, r)
        g = jac.T @ (w * r)
        sj = sqrt_w[:, None] * jac
        factor = scipy.linalg.cho_factor(sj.T @ sj, lower=True, check_finite=False)
        c = scipy.linalg.cho_solve(factor, g, check_finite=False)
        _gradient_norm = np.sqrt(np.dot(g, c))
        transported = scipy.linalg.cho_solve(factor, jac.T @ (w * (jac_prev @ p)), check_finite=False)
        p = beta * transported - alpha * c  # P_{T_k} p = G_k⁻¹ J_kᵀ K J_{k−1} p
        _step_norm = np.sqrt(np.dot(p, sj.T @ (sj @ p)))  # ‖p‖_G, for the stopping test
        theta, jac_prev = theta + p, jac
    return theta


def no_early_stop(optimizer: Callable, *args: object, **kwargs: object) -> object:
    """The optimizer with the gradient-norm and step-size tests off (the latter where the optimizer has one).

    With ``α = β = 0.5`` on a linear model the heavy ball's third step is exactly zero (the error
    obeys ``e_{k+1} = (1 − α + β) e_k − β e_{k−1}``: ``e₂ = 0`` and ``p₃ = 0``), which a step-size test stops at.
    """
    try:
        return optimizer(*args, min_gradient_norm=0, min_step_size=0, **kwargs)
    except TypeError:
        return optimizer(*args, min_gradient_norm=0, **kwargs)


def best_times(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Best over ``repeats`` (round-robin) of what each run returns: its own timed seconds."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], run())
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=100)
    parser.add_argument("--p", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=25, help="K, iterations per run")
    parser.add_argument("--repeats", type=int, default=30, help="N, runs per method")
    parser.add_argument("--quick", action="store_true", help="a smoke run (3 repeats)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    k, alpha, beta = args.iterations, 0.5, 0.5

    x, w, phi, u = setup(args.m, args.p)
    model = riemgd.models.Linear(phi)
    theta0 = np.zeros(args.p)
    optimizers = {
        "natural gradient": lambda: no_early_stop(riemgd.GradientDescent, step_size=alpha, max_iterations=k),
        "heavy ball LM": lambda: no_early_stop(riemgd.HeavyBall, alpha, beta, max_iterations=k),
    }
    by_hand = {
        "natural gradient": lambda n: natural_gradient(phi, w, u, theta0, alpha, n),
        "heavy ball LM": lambda n: heavy_ball_lm(phi, w, u, theta0, alpha, beta, n),
    }

    # same iterates: riemgd's point after its iterations, against the hand loop's after as many steps
    iterations = {}
    for name, make in optimizers.items():
        result = make().run(riemgd_problem(x, w, model, u), initial_point=theta0)
        iterations[name] = result.iterations
        expected = by_hand[name](result.iterations)
        error = np.linalg.norm(result.point - expected) / np.linalg.norm(expected)
        assert error <= TOLERANCE, f"{name}: riemgd and the hand loop differ by {error:.2e}"
        print(f"{name}: {result.iterations} iterations, relative difference to the hand loop {error:.1e}")

    def timed_riemgd(name: str) -> Callable[[], float]:
        def run() -> float:
            optimizer, problem = optimizers[name](), riemgd_problem(x, w, model, u)
            start = time.perf_counter()
            optimizer.run(problem, initial_point=theta0)
            return time.perf_counter() - start

        return run

    def timed_hand(name: str) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            by_hand[name](iterations[name])
            return time.perf_counter() - start

        return run

    runs = {}
    for name in optimizers:
        runs[("riemgd", name)] = timed_riemgd(name)
        runs[("numpy", name)] = timed_hand(name)
    best = best_times(runs, repeats)

    print(f"\n## Overhead per iteration, m = {args.m}, p = {args.p}: best of {repeats} runs of {k} iterations\n")
    print("| method | riemgd µs/iteration | numpy loop µs/iteration | ratio riemgd / numpy |")
    print("|---|---|---|---|")
    for name in optimizers:
        ours = 1e6 * best[("riemgd", name)] / iterations[name]
        theirs = 1e6 * best[("numpy", name)] / iterations[name]
        print(f"| {name} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f} |")
    print()
    print(describe())


if __name__ == "__main__":
    main()
