"""What the real manifolds do beyond the property battery and pymanopt's numbers:
parallel transports, accurate distances, midpoints, dimensions, bad input, optima."""

from __future__ import annotations

import math
from fractions import Fraction

import autograd.numpy as anp
import numpy as np
import pytest

import riemgd

_SPAN = np.random.default_rng(3).standard_normal((6, 3))


def velocity_of_geodesic(manifold, x, v, h=1e-6):
    """``d/ds exp_x(s v)`` at ``s = 1`` by central differences: the parallel transport of
    ``v`` along the geodesic ``s ↦ exp_x(s v)`` to ``exp_x(v)`` (a geodesic's velocity is parallel)."""
    return (manifold.exp(x, (1 + h) * v) - manifold.exp(x, (1 - h) * v)) / (2 * h)


@pytest.mark.parametrize(
    "manifold",
    [riemgd.PoincareBall(4), riemgd.PoincareBall(3, k=2), riemgd.Positive(2, 3, use_parallel_transport=True)],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_parallel_transport_moves_the_geodesic_velocity_and_is_isometric(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    v = 1.5 * manifold.random_tangent_vector(x, rng=rng)
    y = manifold.exp(x, v)
    expected = velocity_of_geodesic(manifold, x, v)
    moved = manifold.transport(x, y, v)
    assert np.linalg.norm(moved - expected) <= 1e-8 * np.linalg.norm(expected)
    u, w = manifold.random_tangent_vector(x, rng=rng), manifold.random_tangent_vector(x, rng=rng)
    before = float(manifold.inner_product(x, u, w))
    after = float(manifold.inner_product(y, manifold.transport(x, y, u), manifold.transport(x, y, w)))
    assert after == pytest.approx(before, rel=1e-12, abs=1e-14)


def test_poincare_gyration_matches_its_mobius_definition():
    """``P_{x→y} u = (λ_x/λ_y) gyr[y, −x] u`` with ``gyr[a, b] c = ⊖(a ⊕ b) ⊕ (a ⊕ (b ⊕ c))``
    evaluated by Möbius additions (gyrations are linear, so any ``c`` in the ball will do)."""
    ball = riemgd.PoincareBall(5)
    rng = np.random.default_rng(4)
    x, y = ball.random_point(rng=rng), ball.random_point(rng=rng)
    u = rng.standard_normal(5)
    c = 0.5 * u / np.linalg.norm(u)
    add = ball.mobius_addition
    gyration = add(-add(y, -x), add(y, add(-x, c)))
    expected = ball.conformal_factor(x) / ball.conformal_factor(y) * gyration * (np.linalg.norm(u) / 0.5)
    np.testing.assert_allclose(ball.transport(x, y, u), expected, rtol=1e-12, atol=1e-13)


def test_positive_log_and_dist_are_relatively_accurate_for_close_points():
    """Against an exact reference: ``log(y/x)`` from the rationals ``y/x``, correctly rounded."""
    manifold = riemgd.Positive(3, 3)
    x = manifold.random_point(rng=5)
    y = x * (1.0 + 1e-13 * np.random.default_rng(6).standard_normal(x.shape))
    exact = np.array(
        [
            math.log1p(float((Fraction(b) - Fraction(a)) / Fraction(a)))
            for a, b in zip(x.ravel(), y.ravel(), strict=True)
        ]
    ).reshape(x.shape)
    np.testing.assert_allclose(manifold.log(x, y), x * exact, rtol=1e-14)
    assert float(manifold.dist(x, y)) == pytest.approx(float(np.linalg.norm(exact)), rel=1e-14)


def test_oblique_and_poincare_distances_are_accurate_for_close_points():
    for manifold in (riemgd.Oblique(4, 3), riemgd.PoincareBall(3)):
        x = manifold.random_point(rng=7)
        u = manifold.random_tangent_vector(x, rng=8)
        # ‖x − y‖ carries an absolute error ~ε, so the relative error of a distance 1e-9 is ~1e-7
        assert float(manifold.dist(x, manifold.exp(x, 1e-9 * u))) == pytest.approx(1e-9, rel=1e-6)


@pytest.mark.parametrize(
    "manifold",
    [
        riemgd.Symmetric(3, 2),
        riemgd.SkewSymmetric(3),
        riemgd.Positive(2, 2, k=2),
        riemgd.Oblique(3, 4),
        riemgd.SphereSubspaceIntersection(_SPAN),
        riemgd.SphereSubspaceComplementIntersection(_SPAN),
        riemgd.PoincareBall(3, k=2),
    ],
    ids=str,
)
def test_pair_mean_is_the_geodesic_midpoint(manifold):
    rng = np.random.default_rng(9)
    a = manifold.random_point(rng=rng)
    b = manifold.exp(a, 0.9 * manifold.random_tangent_vector(a, rng=rng))
    mid = manifold.pair_mean(a, b)
    manifold.check_point(mid)
    half = 0.5 * float(manifold.dist(a, b))
    assert float(manifold.dist(a, mid)) == pytest.approx(half, rel=1e-10)
    assert float(manifold.dist(mid, b)) == pytest.approx(half, rel=1e-10)


@pytest.mark.parametrize(
    "manifold",
    [
        riemgd.Symmetric(3, 2),
        riemgd.SkewSymmetric(4),
        riemgd.Oblique(4, 3),
        riemgd.SphereSubspaceIntersection(_SPAN),
        riemgd.SphereSubspaceComplementIntersection(_SPAN),
        riemgd.Elliptope(6, 3),
        riemgd.Elliptope(4, 4),
    ],
    ids=str,
)
def test_dim_is_the_rank_of_the_tangent_projection(manifold):
    """``dim`` against the rank of ``P_x`` applied to the standard basis of the ambient space."""
    x = manifold.random_point(rng=10)
    basis = np.eye(x.size).reshape(x.size, *x.shape)
    images = np.array([manifold.projection(x, e).ravel() for e in basis])
    singular = np.linalg.svd(images, compute_uv=False)
    assert int(np.sum(singular > 1e-10)) == manifold.dim


def test_elliptope_projection_is_orthogonal_and_kills_the_vertical_space():
    manifold = riemgd.Elliptope(6, 3)
    rng = np.random.default_rng(11)
    y = manifold.random_point(rng=rng)
    z = rng.standard_normal((6, 3))
    w = manifold.random_tangent_vector(y, rng=rng)
    assert abs(float(np.sum((z - manifold.projection(y, z)) * w))) < 1e-13
    omega = rng.standard_normal((3, 3))
    assert np.abs(manifold.projection(y, y @ (omega - omega.T))).max() < 1e-13


def test_sphere_subspace_uses_the_range_of_a_rank_deficient_matrix():
    a, b = np.random.default_rng(12).standard_normal((2, 5))
    matrix = np.stack([a, b, a + b], axis=1)  # rank 2 in R^5
    inside = riemgd.SphereSubspaceIntersection(matrix)
    outside = riemgd.SphereSubspaceComplementIntersection(matrix)
    assert (inside.dim, outside.dim) == (1, 2)
    x = inside.random_point(rng=13)
    residual = x - matrix @ np.linalg.lstsq(matrix, x, rcond=None)[0]
    assert np.abs(residual).max() < 1e-12
    assert np.abs(matrix.T @ outside.random_point(rng=14)).max() < 1e-12


def test_sphere_subspace_keeps_its_own_copy_of_the_matrix():
    matrix = _SPAN.copy()
    manifold = riemgd.SphereSubspaceIntersection(matrix)
    matrix[:] = 0.0
    np.testing.assert_array_equal(manifold.matrix, _SPAN)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: riemgd.Symmetric(0), ValueError, "n must be"),
        (lambda: riemgd.Symmetric(3, 0), ValueError, "k must be"),
        (lambda: riemgd.Symmetric(2.5), ValueError, "n must be"),
        (lambda: riemgd.SkewSymmetric(1), ValueError, "n must be"),
        (lambda: riemgd.Positive(2, 0), ValueError, "n must be"),
        (lambda: riemgd.Positive(2, 3, k=0), ValueError, "k must be"),
        (lambda: riemgd.Positive(2, 3, use_parallel_transport="yes"), TypeError, "use_parallel_transport"),
        (lambda: riemgd.Oblique(1, 3), ValueError, "m must be"),
        (lambda: riemgd.Elliptope(3, 4), ValueError, "k must be at most n"),
        (lambda: riemgd.Elliptope(4, 1), ValueError, "k must be"),
        (lambda: riemgd.PoincareBall(0), ValueError, "n must be"),
        (lambda: riemgd.PoincareBall(3, k=True), ValueError, "k must be"),
        (lambda: riemgd.SphereSubspaceIntersection(np.ones(3)), ValueError, "matrix must be a 2-dimensional"),
        (lambda: riemgd.SphereSubspaceIntersection([[1.0], [0.0]]), ValueError, "matrix must be a 2-dimensional"),
        (lambda: riemgd.SphereSubspaceIntersection(np.ones((2, 3))), ValueError, "fewer rows than columns"),
        (lambda: riemgd.SphereSubspaceIntersection(np.full((4, 2), np.nan)), ValueError, "NaN"),
        (lambda: riemgd.SphereSubspaceIntersection(np.eye(4)[:, :1]), ValueError, "dimension 1"),
        (lambda: riemgd.SphereSubspaceComplementIntersection(np.eye(4)[:, :3]), ValueError, "dimension 1"),
    ],
)
def test_bad_constructor_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("manifold", "bad", "match"),
    [
        (riemgd.Symmetric(2), np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (riemgd.SkewSymmetric(2), np.eye(2), "skew-symmetric"),
        (riemgd.Positive(1, 2), np.array([[1.0, -1.0]]), "positive entries"),
        (riemgd.Oblique(2, 2), np.ones((2, 2)), "unit-norm columns"),
        (riemgd.SphereSubspaceIntersection(np.eye(4)[:, :2]), np.array([0.0, 0.0, 1.0, 0.0]), "lie in the subspace"),
        (riemgd.SphereSubspaceComplementIntersection(np.eye(4)[:, :2]), np.array([1.0, 0, 0, 0]), "orthogonal to"),
        (riemgd.SphereSubspaceIntersection(np.eye(4)[:, :2]), np.array([2.0, 0, 0, 0]), "unit norm"),
        (riemgd.Elliptope(3, 2), np.ones((3, 2)), "unit-norm rows"),
        (riemgd.Elliptope(3, 2), np.tile([[1.0, 0.0]], (3, 1)), "rank k = 2"),
        (riemgd.PoincareBall(2, k=2), np.array([[0.0, 0.5], [1.0, 0.0]]), "open unit ball"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, (np.ndarray, str)) else None,
)
def test_check_point_names_the_argument_and_the_violated_equation(manifold, bad, match):
    with pytest.raises(ValueError, match=f"initial_point must .*{match}"):
        manifold.check_point(bad, name="initial_point")


def test_check_point_rejects_the_wrong_shape_and_dtype():
    manifold = riemgd.Positive(2, 2)
    with pytest.raises(ValueError, match="point must have shape"):
        manifold.check_point(np.ones(4))
    with pytest.raises(TypeError, match="real floating dtype"):
        manifold.check_point(np.ones((2, 2), dtype=int))
    with pytest.raises(ValueError, match="vector must have shape"):
        riemgd.Oblique(3, 2).projection(np.eye(3)[:, :2], np.ones((3, 1)))


@pytest.mark.parametrize(
    "manifold",
    [
        riemgd.Symmetric(3),
        riemgd.SkewSymmetric(3, 2),
        riemgd.Positive(2, 3, use_parallel_transport=True),
        riemgd.Oblique(3, 2),
        riemgd.SphereSubspaceIntersection(_SPAN),
        riemgd.Elliptope(4, 2),
        riemgd.PoincareBall(3, k=2),
    ],
    ids=str,
)
def test_no_method_mutates_its_inputs(manifold):
    rng = np.random.default_rng(15)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    y = manifold.retraction(x, u)
    g, h = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    arrays = (x, u, y, g, h)
    copies = [a.copy() for a in arrays]
    manifold.inner_product(x, u, u)
    manifold.projection(x, g)
    manifold.euclidean_to_riemannian_gradient(x, g)
    manifold.euclidean_to_riemannian_hessian(x, g, h, u)
    manifold.retraction(x, u)
    manifold.transport(x, y, u)
    for method, args in (("exp", (x, u)), ("log", (x, y)), ("dist", (x, y)), ("pair_mean", (x, y))):
        try:
            getattr(manifold, method)(*args)
        except NotImplementedError:
            pass
    for array, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(array, copy)


# ------------------------------------------------------------- known optima
def test_rayleigh_quotient_on_a_sphere_subspace_reaches_the_top_eigenvector():
    """``min −xᵀAx`` over unit ``x ∈ range(M)``: the optimum is ``−λ_max(QᵀAQ)``, ``Q`` a basis of range(M)."""
    rng = np.random.default_rng(16)
    s = rng.standard_normal((6, 6))
    a = s + s.T
    manifold = riemgd.SphereSubspaceIntersection(_SPAN)
    problem = riemgd.Problem(manifold, lambda x: -x @ a @ x, euclidean_gradient=lambda x: -2.0 * (a @ x))
    result = riemgd.GradientDescent(min_gradient_norm=1e-9, max_iterations=2000).run(
        problem, initial_point=manifold.random_point(rng=rng)
    )
    q = np.linalg.qr(_SPAN)[0]
    assert result.cost == pytest.approx(-np.linalg.eigvalsh(q.T @ a @ q)[-1], rel=1e-10)


def test_log_euclidean_distance_on_positive_matrices_is_minimized_at_the_target():
    """``f(X) = ‖log X − log A‖²_F`` is minimized at ``X = A``."""
    manifold = riemgd.Positive(2, 3)
    target = manifold.random_point(rng=17)
    problem = riemgd.Problem(manifold, lambda x: anp.sum((anp.log(x) - np.log(target)) ** 2))
    result = riemgd.GradientDescent(min_gradient_norm=1e-10, max_iterations=500).run(
        problem, initial_point=manifold.random_point(rng=18)
    )
    np.testing.assert_allclose(result.point, target, rtol=1e-9)
