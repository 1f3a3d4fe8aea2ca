"""Riemannian Newton by truncated CG; the parameter-coordinates special case kept.

Independent answers: the top eigenvector from ``numpy.linalg.eigh``, the dense
Newton step ``−(H + λI)⁻¹∇f`` by ``numpy.linalg.solve``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import NewtonDirection, RiemannianNewtonDirection

N = 30


def spectrum_matrix(seed: int, n: int = N) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * np.append(np.linspace(1.0, 3.0, n - 1), 6.0)) @ q.T
    return 0.5 * (a + a.T)


def rayleigh(A: np.ndarray, **kwargs) -> riemgd.Problem:
    return riemgd.Problem(riemgd.Sphere(A.shape[0]), lambda x: -x @ A @ x, **kwargs)


def near_top_eigenvector(A: np.ndarray, seed: int, distance: float = 0.3) -> np.ndarray:
    """A point at about ``distance`` from the top eigenvector (Newton converges locally)."""
    top = np.linalg.eigh(A)[1][:, -1]
    direction = riemgd.Sphere(A.shape[0]).random_tangent_vector(top, rng=seed)
    return riemgd.Sphere(A.shape[0]).exp(top, distance * direction)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_riemannian_newton_converges_quadratically_on_the_sphere(seed):
    A = spectrum_matrix(seed)
    eigenvalues, vectors = np.linalg.eigh(A)
    result = riemgd.Newton(min_gradient_norm=1e-13, log_verbosity=1).run(
        rayleigh(A), initial_point=near_top_eigenvector(A, seed)
    )
    assert isinstance(riemgd.Newton().direction, RiemannianNewtonDirection)
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    assert abs(result.cost + eigenvalues[-1]) <= 1e-13 * eigenvalues[-1]
    assert abs(abs(result.point @ vectors[:, -1]) - 1.0) < 1e-13
    norms = np.array(result.log["iterations"]["gradient_norm"])
    pairs = [(a, b) for a, b in itertools.pairwise(norms) if 1e-6 < a < 0.5]
    assert len(pairs) >= 2
    assert all(b <= a**2 for a, b in pairs), norms
    assert result.iterations <= 6
    assert result.hessian_evaluations > 0


def test_newton_step_solves_the_newton_equation():
    """One step: d ∈ T_x S with Hess f(x)[d] = −grad f(x), against a dense solve in a basis of T_x S."""
    A = spectrum_matrix(3)
    x = near_top_eigenvector(A, 0, 0.2)
    problem = rayleigh(A)
    d = RiemannianNewtonDirection(kappa=1e-6, theta=10.0)(problem, x).step(1.0)
    basis = np.linalg.svd(np.eye(N) - np.outer(x, x))[0][:, : N - 1]  # orthonormal basis of x^⊥
    hessian = basis.T @ (-2.0 * A + 2.0 * (x @ A @ x) * np.eye(N)) @ basis  # Hess f = P(−2A)P + 2(xᵀAx) on T_x S
    gradient = -2.0 * (A @ x - (x @ A @ x) * x)
    expected = basis @ np.linalg.solve(hessian, -basis.T @ gradient)
    np.testing.assert_allclose(d, expected, rtol=0, atol=1e-5 * np.linalg.norm(expected))
    assert abs(x @ d) < 1e-14  # tangent


def test_on_euclidean_riemannian_newton_is_dense_newton():
    """On R^n both methods solve (H + λI) d = −∇f: the same iterates."""
    rng = np.random.default_rng(0)
    B = rng.standard_normal((8, 8))
    S = B @ B.T + np.eye(8)

    def cost(x):
        return 0.25 * np.sum(x**4) + 0.5 * x @ S @ x - np.sum(x)

    problem = riemgd.Problem(riemgd.Euclidean(8), cost)
    start = rng.standard_normal(8)
    options = {"max_iterations": 4, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    cg = riemgd.Newton(damping=0.5, kappa=1e-14, theta=10.0, **options).run(problem, initial_point=start)
    dense = riemgd.Newton(damping=0.5, method="parameters", **options).run(problem, initial_point=start)
    for got, expected in zip(cg.log["iterations"]["point"], dense.log["iterations"]["point"], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # and the first dense step is −(H + λI)⁻¹∇f by numpy
    H = 3.0 * np.diag(start**2) + S
    g = start**3 + S @ start - 1.0
    np.testing.assert_allclose(dense.log["iterations"]["point"][1], start - np.linalg.solve(H + 0.5 * np.eye(8), g))


X, W = spaces.gauss_legendre(10)


def line_features(t):
    return np.stack([np.ones_like(t), t], axis=1)


def test_model_manifold_without_a_hessian_falls_back_to_parameter_newton():
    """A space whose metric follows the values has no model Hessian here: Newton keeps today's parameter method."""
    space = spaces.HessianWeighted(spaces.L2(X, W), lambda v: np.diag(W))
    manifold = riemgd.ModelManifold(models.Linear(line_features, np.eye(2)), space)
    problem = riemgd.Problem(manifold, losses.L2(np.exp(X)))
    options = {"max_iterations": 3, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    auto = riemgd.Newton(**options).run(problem, initial_point=np.zeros(2))
    parameters = riemgd.Newton(method="parameters", **options).run(problem, initial_point=np.zeros(2))
    for got, expected in zip(auto.log["iterations"]["point"], parameters.log["iterations"]["point"], strict=True):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(NotImplementedError):
        riemgd.Newton(method="riemannian").run(problem, initial_point=np.zeros(2))


def test_linear_model_manifold_newton_is_riemannian_and_one_step():
    """L² loss on a linear model: Hess f = I in the metric G, so Riemannian Newton with α = 1 is one
    natural-gradient step to the K-orthogonal projection of the target."""
    manifold = riemgd.ModelManifold(models.Linear(line_features, np.eye(2)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(np.exp(X)))
    result = riemgd.Newton(max_iterations=1, min_gradient_norm=0.0).run(problem, initial_point=np.zeros(2))
    assert result.hessian_evaluations >= 1
    phi = line_features(X)
    expected = np.linalg.solve(phi.T @ (W[:, None] * phi), phi.T @ (W * np.exp(X)))
    np.testing.assert_allclose(result.point, expected, rtol=1e-12)


def test_sphere_without_a_hessian_has_no_parameter_fallback():
    A = spectrum_matrix(0)
    manifold = riemgd.Sphere(N)
    problem = rayleigh(A, riemannian_gradient=lambda x: manifold.projection(x, -2.0 * A @ x))
    with pytest.raises(NotImplementedError, match="riemannian_hessian="):
        riemgd.Newton().run(problem, initial_point=manifold.random_point(rng=0))


def test_negative_curvature_gives_a_descent_direction_and_armijo_converges():
    """From a random start the Hessian is indefinite; every direction is a descent direction, so
    Armijo goes downhill to the top eigenvector (not to the saddle points plain Newton may find)."""
    A = spectrum_matrix(4)
    eigenvalues, vectors = np.linalg.eigh(A)
    start = riemgd.Sphere(N).random_point(rng=9)
    result = riemgd.Newton(riemgd.optimizers.Armijo(), min_gradient_norm=1e-12, max_iterations=200).run(
        rayleigh(A), initial_point=start
    )
    # Armijo compares costs, which stop changing at round-off once ‖grad‖ ~ 1e-7
    assert result.reason in ("min_gradient_norm", "min_step_size")
    assert abs(result.cost + eigenvalues[-1]) <= 1e-14 * eigenvalues[-1]
    assert abs(abs(result.point @ vectors[:, -1]) - 1.0) < 1e-12


def test_nan_hessian_stops_cleanly():
    A = spectrum_matrix(0)
    problem = rayleigh(A, euclidean_gradient=lambda x: -2.0 * A @ x, euclidean_hessian=lambda x, u: np.nan * u)
    start = near_top_eigenvector(A, 0)
    result = riemgd.Newton().run(problem, initial_point=start)
    assert result.reason == "non_finite"
    np.testing.assert_array_equal(result.point, start)
    assert math.isfinite(result.cost)


def test_no_solve_at_the_final_iterate():
    """The Newton equation is solved lazily: a run stopping at x_k solves none at x_k."""
    A = spectrum_matrix(0)
    points = []

    def hessian(x, u):
        if not any(np.array_equal(x, p) for p in points):
            points.append(x.copy())
        return -2.0 * A @ u

    problem = rayleigh(A, euclidean_gradient=lambda x: -2.0 * A @ x, euclidean_hessian=hessian)
    result = riemgd.Newton(max_iterations=2, min_gradient_norm=0.0, log_verbosity=1).run(
        problem, initial_point=near_top_eigenvector(A, 1)
    )
    assert result.iterations == 2
    visited = result.log["iterations"]["point"]
    assert len(points) == 2  # x_0 and x_1, not x_2
    np.testing.assert_array_equal(points[0], visited[0])
    np.testing.assert_array_equal(points[1], visited[1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "exact"}, ValueError, "method"),
        ({"method": "riemannian", "hessian": lambda x: np.eye(2)}, ValueError, "hessian"),
        ({"kappa": 0.0}, ValueError, "kappa"),
        ({"max_inner_iterations": 0}, ValueError, "max_inner_iterations"),
        ({"damping": -1.0}, ValueError, "damping"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        riemgd.Newton(**kwargs)


def test_a_dense_hessian_selects_parameter_coordinates():
    assert isinstance(riemgd.Newton(hessian=lambda x: np.eye(2)).direction, NewtonDirection)
    assert isinstance(riemgd.Newton(method="parameters").direction, NewtonDirection)
