"""riemgd's main demo: ``python -m riemgd.demo``.

1. Natural gradient in function space: fit ``u(x) = sin(2πx) e^{−x}`` on
   ``L²([0, 1])`` with a one-hidden-layer tanh network, by gradient descent in
   parameter space and by natural gradient (alone, with heavy-ball momentum,
   with Nesterov momentum), all from the same start and with the same budget,
   each step chosen by Armijo backtracking (a fixed step 0.5 multiplies the
   cost by about 40 at the first step from this start).
2. Classical manifolds: the leading eigenvector of a symmetric matrix as the
   minimizer of the Rayleigh quotient ``−xᵀAx`` on the sphere, checked against
   ``numpy.linalg.eigvalsh``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import riemgd
from riemgd import losses, models, spaces


def _timed(optimizer: riemgd.optimizers.Optimizer, problem: riemgd.Problem, x0: np.ndarray) -> tuple:
    start = time.perf_counter()
    with warnings.catch_warnings():
        # the baseline (parameter GD) is meant to fall short: the table's "stop" column says how each run ended
        warnings.simplefilter("ignore", riemgd.RiemgdWarning)
        result = optimizer.run(problem, initial_point=x0)
    return result, time.perf_counter() - start


def function_fit_table(iterations: int = 300, seed: int = 3) -> list[tuple[str, int, float, float, str]]:
    """Rows ``(method, iterations, ½‖u − v‖², seconds, stopping reason)`` for the network fit."""
    points, weights = spaces.gauss_legendre(64)
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 8), spaces.L2(points, weights))
    loss = losses.L2(lambda x: np.sin(2 * np.pi * x) * np.exp(-x))
    theta0 = manifold.random_point(rng=seed)
    stop = {"max_iterations": iterations, "min_gradient_norm": 1e-6}
    armijo = riemgd.optimizers.Armijo
    runs = {
        "parameter GD (Armijo)": (riemgd.ParameterSpace(manifold), riemgd.GradientDescent(**stop)),
        "natural gradient": (manifold, riemgd.GradientDescent(**stop)),
        "NG + heavy ball (FD)": (manifold, riemgd.HeavyBall(armijo(), 0.5, "FD", **stop)),
        "NG + Nesterov": (manifold, riemgd.Nesterov(armijo(), 0.5, **stop)),
    }
    rows = []
    for name, (space, optimizer) in runs.items():
        result, seconds = _timed(optimizer, riemgd.Problem(space, loss), theta0)
        rows.append((name, result.iterations, result.cost, seconds, result.reason))
    return rows


def rayleigh_quotient_table(n: int = 200, seed: int = 0) -> list[tuple[str, int, float, float, str]]:
    """Rows ``(method, iterations, |f − f*| / |f*|, seconds, stopping reason)`` on Sphere(n)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = (A + A.T) / 2
    eigenvalues = np.linalg.eigvalsh(A)
    optimum = -eigenvalues[-1]
    manifold = riemgd.Sphere(n)
    problem = riemgd.Problem(manifold, lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2 * A @ x)
    step = 1.0 / (2 * (eigenvalues[-1] - eigenvalues[0]))  # 1/L, L the gradient's Lipschitz constant
    x0 = manifold.random_point(rng=seed)
    stop = {"max_iterations": 5000, "min_gradient_norm": 1e-9}
    optimizers = {
        "GradientDescent (Armijo)": riemgd.GradientDescent(**stop),
        "HeavyBall (LM)": riemgd.HeavyBall(step, 0.9, "LM", **stop),
        "Nesterov (restart)": riemgd.Nesterov(step, 0.9, restart="function", **stop),
    }
    rows = []
    for name, optimizer in optimizers.items():
        result, seconds = _timed(optimizer, problem, x0)
        rows.append((name, result.iterations, abs(result.cost - optimum) / abs(optimum), seconds, result.reason))
    return rows


def _print(title: str, metric: str, rows: list[tuple[str, int, float, float, str]]) -> None:
    print(title)
    print(f"  {'method':<26} {'iterations':>10} {metric:>20} {'time [s]':>9}  stop")
    for name, iterations, value, seconds, reason in rows:
        print(f"  {name:<26} {iterations:>10d} {value:>20.2e} {seconds:>9.3f}  {reason}")
    print()


def main() -> None:
    fit = function_fit_table()
    _print("1. Fit sin(2πx)e^(-x) on L2([0,1]) with a 1-8-1 tanh network (300 iterations at most)", "½‖u − v‖²", fit)
    eig = rayleigh_quotient_table()
    _print("2. Leading eigenvector of a 200x200 symmetric matrix: min -x'Ax on the sphere", "relative error", eig)
    costs = {name: cost for name, _, cost, *_ in fit}
    assert all(costs[name] < 1e-3 * costs["parameter GD (Armijo)"] for name in costs if name.startswith("N")), costs
    assert all(error < 1e-10 for _, _, error, *_ in eig), "an optimizer missed the leading eigenvalue"


if __name__ == "__main__":
    main()
