"""Experiment behind ModelManifold's default rank-deficiency handling (damping, rcond).

Natural gradient on small tanh networks, whose Jacobians are numerically rank
deficient: an L² function fit, and the energy natural gradient for
−εv″ + v′ = 1 on (0, 1), v(0) = v(1) = 0. For each (rcond, damping) pair and
three seeds, the final loss after a fixed budget is reported (median over
seeds). ``rcond`` sets the Tikhonov soft cutoff ``(rcond σ_max)²`` added when
``G`` is numerically singular; ``damping`` an explicit shift added always.
Run: ``python benchmarks/rcond_experiment.py``.
"""

from __future__ import annotations

import numpy as np

import riemgd
from riemgd import losses, models, spaces

EPSILON = 0.1
SEEDS = (0, 1, 2)
BUDGET = 200


def pde_runs(rcond: float, damping: float) -> dict[str, float]:
    x, w = spaces.gauss_legendre(40)
    pde = losses.PDEResidual(
        {"dd0": -EPSILON, "d0": 1.0}, lambda x: np.ones_like(x), spaces.L2(x, w), np.array([0.0, 1.0])
    )
    net = models.ShallowNetwork(1, 10)
    out = {}
    for name, optimizer in {
        "pde energy NG Armijo": riemgd.GradientDescent(max_iterations=BUDGET, min_gradient_norm=1e-10),
        "pde energy NG step 1": riemgd.GradientDescent(1.0, max_iterations=BUDGET, min_gradient_norm=1e-10),
    }.items():
        costs = []
        for seed in SEEDS:
            manifold = pde.energy_manifold(net, rcond=rcond, damping=damping)
            problem = riemgd.Problem(manifold, pde.energy_loss())
            costs.append(optimizer.run(problem, initial_point=manifold.random_point(rng=seed)).cost)
        out[name] = float(np.median(costs))
    return out


def fit_runs(rcond: float, damping: float) -> dict[str, float]:
    x, w = spaces.gauss_legendre(64)
    loss = losses.L2(lambda x: np.sin(2 * np.pi * x) * np.exp(-x))
    out = {}
    for name, optimizer in {
        "fit NG step 0.5": riemgd.GradientDescent(0.5, max_iterations=BUDGET, min_gradient_norm=1e-10),
        "fit NG Nesterov": riemgd.Nesterov(
            0.5, 0.5, restart="function", max_iterations=BUDGET, min_gradient_norm=1e-10
        ),
    }.items():
        costs = []
        for seed in SEEDS:
            manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 8), spaces.L2(x, w), rcond=rcond, damping=damping)
            problem = riemgd.Problem(manifold, loss)
            costs.append(optimizer.run(problem, initial_point=manifold.random_point(rng=seed + 3)).cost)
        out[name] = float(np.median(costs))
    return out


def main() -> None:
    settings = [(r, 0.0) for r in (1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5, 1e-7)] + [(1e-7, d) for d in (1e-8, 1e-6, 1e-4)]
    header = None
    for rcond, damping in settings:
        row = {**pde_runs(rcond, damping), **fit_runs(rcond, damping)}
        if header is None:
            header = list(row)
            print("| rcond | damping | " + " | ".join(header) + " |")
            print("|---|---|" + "---|" * len(header))
        print(f"| {rcond:.0e} | {damping:.0e} | " + " | ".join(f"{row[k]:.1e}" for k in header) + " |")


if __name__ == "__main__":
    main()
