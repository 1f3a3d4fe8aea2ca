"""riemgd ``TrustRegions`` against pymanopt ``TrustRegions`` on the Rayleigh quotient.

Run ``python benchmarks/bench_trust_regions.py`` (``--help`` for options; about
10 s on 2 cores). The problem is ``bench_matrix_manifolds.rayleigh()``:
``f(x) = −xᵀAx`` on ``Sphere(500)``, spectrum ``linspace(−1, 1, 499) ∪ {1.05}``,
optimum ``−λ_max`` from ``numpy.linalg.eigvalsh``. Both libraries call the same
numpy cost, Euclidean gradient ``−2Ax`` and Euclidean Hessian-vector product
``−2Au`` (pymanopt through ``@pymanopt.function.numpy``), from the same start,
with their default trust-region parameters (``κ = 0.1``, ``θ = 1``, ``ρ' = 0.1``,
``Δ̄ = π``, ``Δ₀ = π/8``).

Each run stops at the first iterate whose relative cost error is at most
``1e-10``: riemgd through a callback; pymanopt, which has no callback, with the
smallest ``max_iterations`` that reaches it (found by untimed probe runs). Wall
time is the best of ``--repeats`` round-robin runs of the whole ``run`` call.
Iterations count outer iterations, rejected steps included, in both libraries.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import pymanopt

sys.path.insert(0, os.path.dirname(__file__))
from bench_matrix_manifolds import TOLERANCE, rayleigh
from timing import best_times

import riemgd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--n", type=int, default=500)
    options = parser.parse_args()
    case = rayleigh(options.n)
    A = -0.5 * case.euclidean_gradient(np.eye(options.n))  # the case's matrix, recovered from its gradient

    def hessian(x, u):
        return -2.0 * (A @ u)

    products = {"riemgd": 0, "pymanopt": 0}

    def counted(library):
        def product(x, u):
            products[library] += 1
            return hessian(x, u)

        return product

    ours = riemgd.Problem(
        case.riemgd_manifold, case.cost, euclidean_gradient=case.euclidean_gradient, euclidean_hessian=counted("riemgd")
    )
    manifold = case.pymanopt_manifold
    theirs = pymanopt.Problem(
        manifold,
        pymanopt.function.numpy(manifold)(case.cost),
        euclidean_gradient=pymanopt.function.numpy(manifold)(case.euclidean_gradient),
        euclidean_hessian=pymanopt.function.numpy(manifold)(counted("pymanopt")),
    )

    def stop_at_target(iterate):
        return iterate.cost <= case.target

    riemgd_solver = riemgd.TrustRegions(min_gradient_norm=0.0, min_step_size=0.0, max_iterations=1000)

    def pymanopt_solver(iterations):
        return pymanopt.optimizers.TrustRegions(
            verbosity=0, min_gradient_norm=0.0, min_step_size=0.0, max_iterations=iterations
        )

    pymanopt_iterations = next(
        k for k in range(1, 200) if pymanopt_solver(k).run(theirs, initial_point=case.initial_point).cost <= case.target
    )
    methods = {
        "riemgd TrustRegions": lambda x: riemgd_solver.run(ours, initial_point=x, callback=stop_at_target),
        "pymanopt TrustRegions": lambda x: pymanopt_solver(pymanopt_iterations).run(theirs, initial_point=x),
    }
    wall, _ = best_times(methods, [case.initial_point] * options.repeats)
    rows = []
    for name, library in (("riemgd TrustRegions", "riemgd"), ("pymanopt TrustRegions", "pymanopt")):
        products[library] = 0
        result = methods[name](case.initial_point + 0.0)
        rows.append((name, result.iterations, products[library], case.relative_error(result.cost), wall[name]))
    print(f"## {case.name}, relative cost error ≤ {TOLERANCE:g}, best of {options.repeats}\n")
    print("| method | iterations | Hessian products | relative error | wall (ms) | per iteration (ms) |")
    print("|---|---|---|---|---|---|")
    for name, iterations, hvps, error, seconds in rows:
        print(
            f"| {name} | {iterations} | {hvps} | {error:.1e} | {1e3 * seconds:.2f} | "
            f"{1e3 * seconds / max(iterations, 1):.3f} |"
        )
    ratio = rows[0][4] / rows[1][4]
    print(f"\nriemgd / pymanopt wall time: {ratio:.2f}")
    assert all(error <= TOLERANCE for *_, error, _ in rows), "a method missed the target"
    assert math.isfinite(ratio)


if __name__ == "__main__":
    main()
