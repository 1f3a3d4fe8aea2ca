"""riemgd's main demo: ``python -m riemgd.demo``.

Leading eigenvector of a symmetric matrix as the minimizer of the Rayleigh
quotient ``f(x) = −xᵀAx`` on the sphere, by each riemgd optimizer; the table
compares the cost reached with ``−λ_max(A)`` from ``numpy.linalg.eigvalsh``.
"""

from __future__ import annotations

import numpy as np

import riemgd


def rayleigh_quotient_table(n: int = 200, seed: int = 0) -> list[tuple[str, int, float, float]]:
    """Run each optimizer on the Rayleigh quotient; rows are
    ``(method, iterations, |f − f*| / |f*|, seconds)``."""
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
        "HeavyBall LM": riemgd.HeavyBall(step, 0.9, "LM", **stop),
        "HeavyBall FD": riemgd.HeavyBall(step, 0.9, "FD", **stop),
        "Nesterov (restart)": riemgd.Nesterov(step, 0.9, restart="function", **stop),
    }
    rows = []
    for name, optimizer in optimizers.items():
        result = optimizer.run(problem, initial_point=x0)
        rows.append((name, result.iterations, abs(result.cost - optimum) / abs(optimum), result.time))
    return rows


def main() -> None:
    rows = rayleigh_quotient_table()
    print("Leading eigenvector of a 200x200 symmetric matrix: min -x'Ax on the sphere")
    print(f"{'method':<26} {'iterations':>10} {'relative cost error':>20} {'time [s]':>9}")
    for name, iterations, error, seconds in rows:
        print(f"{name:<26} {iterations:>10d} {error:>20.2e} {seconds:>9.3f}")
    assert all(error < 1e-10 for _, _, error, _ in rows), "an optimizer missed the leading eigenvalue"


if __name__ == "__main__":
    main()
