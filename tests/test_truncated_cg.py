"""truncated_cg against dense linear algebra on R^n: the Newton step −H⁻¹g inside a
large region, a step on the boundary of a small one, and the model value it reports."""

from __future__ import annotations

import math

import numpy as np
import pytest

import riemgd
from riemgd.optimizers.truncated_cg import BOUNDARY_STOPS, MAX_INNER_ITERATIONS, truncated_cg

N = 12
RNG = np.random.default_rng(21)
B = RNG.standard_normal((N, N))
H = B @ B.T + 0.5 * np.eye(N)  # SPD
G = RNG.standard_normal(N)


def model(eta):
    return G @ eta + 0.5 * eta @ H @ eta


@pytest.mark.parametrize("preconditioner", [None, lambda r: np.linalg.solve(np.diag(np.diag(H)), r)])
def test_inside_a_large_region_the_step_is_the_newton_step(preconditioner):
    manifold = riemgd.Euclidean(N)
    result = truncated_cg(
        manifold, np.zeros(N), G, lambda u: H @ u, 1e6, preconditioner=preconditioner, kappa=1e-14, theta=1.0
    )
    newton = -np.linalg.solve(H, G)
    np.testing.assert_allclose(result.step, newton, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(result.hessian_step, H @ result.step, rtol=1e-8, atol=1e-10)
    assert result.model_value == pytest.approx(model(result.step), rel=1e-12)
    assert not result.at_boundary


def test_in_a_small_region_the_step_is_on_the_boundary_and_lowers_the_model():
    manifold = riemgd.Euclidean(N)
    radius = 0.05 * np.linalg.norm(np.linalg.solve(H, G))
    result = truncated_cg(manifold, np.zeros(N), G, lambda u: H @ u, radius)
    assert result.stop in BOUNDARY_STOPS
    assert np.linalg.norm(result.step) == pytest.approx(radius, rel=1e-12)
    assert result.model_value == pytest.approx(model(result.step), rel=1e-12)
    cauchy = -radius * G / np.linalg.norm(G)  # the region is small: the Cauchy point is on its boundary
    assert result.model_value <= model(cauchy) + 1e-15


def test_the_iteration_cap_keeps_the_model_value_of_the_last_iterate():
    manifold = riemgd.Euclidean(N)
    result = truncated_cg(manifold, np.zeros(N), G, lambda u: H @ u, math.inf, kappa=1e-14, max_iterations=3)
    assert result.stop == MAX_INNER_ITERATIONS and result.iterations == 3
    assert result.model_value == pytest.approx(model(result.step), rel=1e-12)
