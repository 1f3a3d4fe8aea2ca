"""Memory held by a natural-gradient run: the optimizer tells the model manifold
how many points need their Jacobian-sized data (``hold_points``), so gradient
descent keeps one whitened Jacobian ``SJ`` and transport-based momentum two."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

M, P = 2000, 100
J_BYTES = M * P * 8


def linear_problem():
    rng = np.random.default_rng(0)
    x, w = np.linspace(0, 1, M), np.full(M, 1 / M)
    features = rng.standard_normal((M, P)) / np.sqrt(P)
    manifold = riemgd.ModelManifold(models.Linear(features), spaces.L2(x, w))
    return riemgd.Problem(manifold, losses.L2(features @ rng.standard_normal(P)))


@pytest.mark.parametrize(
    ("make", "jacobians"),
    [
        (lambda: riemgd.GradientDescent(0.5, max_iterations=10, min_gradient_norm=0), 1),
        (lambda: riemgd.GradientDescent(max_iterations=10, min_gradient_norm=0), 1),
        (lambda: riemgd.HeavyBall(0.5, 0.5, "FD", max_iterations=10, min_gradient_norm=0), 1),
        (lambda: riemgd.HeavyBall(0.5, 0.5, "LM", max_iterations=10, min_gradient_norm=0), 2),
        (lambda: riemgd.Nesterov(0.5, 0.5, max_iterations=10, min_gradient_norm=0), 2),
    ],
)
def test_peak_memory_of_a_run_is_the_jacobians_the_method_needs(make, jacobians):
    """Peak traced memory of 10 iterations, in units of J (the user's feature matrix
    itself is allocated before tracing): SJ for each point in use, plus p×p and
    n-sized arrays, ≤ jacobians + 0.3 J; riemgd 0.1 held up to four."""
    problem = linear_problem()
    theta0 = np.zeros(P)
    tracemalloc.start()
    try:
        make().run(problem, initial_point=theta0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / J_BYTES <= jacobians + 0.3
    assert peak / J_BYTES >= jacobians - 0.05  # and it does hold them: the test measures what it claims
