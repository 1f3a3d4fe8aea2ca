"""k stacked copies, SO(n), fixed-rank and PSD fixed-rank manifolds: what the property
battery and the pymanopt comparison do not cover — copies against one-copy
manifolds, bad input, the fixed-rank vector types, and optimizations with known optima."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest

import riemgd


def stacked_pairs():
    return {
        "stiefel-qr": (riemgd.Stiefel(5, 2, k=3), riemgd.Stiefel(5, 2)),
        "stiefel-polar": (riemgd.Stiefel(4, 3, k=2, retraction="polar"), riemgd.Stiefel(4, 3, retraction="polar")),
        "grassmann": (riemgd.Grassmann(5, 2, k=3), riemgd.Grassmann(5, 2)),
        "spd": (riemgd.SymmetricPositiveDefinite(3, k=3), riemgd.SymmetricPositiveDefinite(3)),
        "so": (riemgd.SpecialOrthogonalGroup(3, k=3), riemgd.SpecialOrthogonalGroup(3)),
    }


@pytest.mark.parametrize("name", sorted(stacked_pairs()))
def test_k_copies_act_copy_by_copy(name):
    """Every stacked formula equals the one-copy manifold applied to each copy."""
    stacked, single = stacked_pairs()[name]
    rng = np.random.default_rng(4)
    x = stacked.random_point(rng=rng)
    u, v = (stacked.random_tangent_vector(x, rng=rng) for _ in range(2))
    g, h = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
    y = stacked.retraction(x, 0.5 * v)
    k = x.shape[0]
    assert stacked.dim == k * single.dim
    stacked.check_point(x)

    def copies(method, *args):
        return np.stack([getattr(single, method)(*(a[i] for a in args)) for i in range(k)])

    for method, args in [
        ("projection", (x, g)),
        ("euclidean_to_riemannian_gradient", (x, g)),
        ("euclidean_to_riemannian_hessian", (x, g, h, u)),
        ("retraction", (x, u)),
        ("transport", (x, y, u)),
    ]:
        np.testing.assert_allclose(getattr(stacked, method)(*args), copies(method, *args), rtol=0, atol=1e-13)
    inner = sum(float(single.inner_product(x[i], u[i], v[i])) for i in range(k))
    assert float(stacked.inner_product(x, u, v)) == pytest.approx(inner, rel=1e-13)
    if name.startswith("stiefel"):
        np.testing.assert_allclose(stacked.exp(x, u), copies("exp", x, u), atol=1e-13)
        return
    np.testing.assert_allclose(stacked.exp(x, u), copies("exp", x, u), atol=1e-12)
    np.testing.assert_allclose(stacked.log(x, y), copies("log", x, y), atol=1e-12)
    distance = np.sqrt(sum(float(single.dist(x[i], y[i])) ** 2 for i in range(k)))
    assert float(stacked.dist(x, y)) == pytest.approx(distance, rel=1e-12)


def test_one_copy_keeps_the_unstacked_layout():
    for manifold, shape in [
        (riemgd.Stiefel(5, 2, k=1), (5, 2)),
        (riemgd.Grassmann(5, 2, k=1), (5, 2)),
        (riemgd.SymmetricPositiveDefinite(3, k=1), (3, 3)),
        (riemgd.SpecialOrthogonalGroup(3, k=1), (3, 3)),
    ]:
        assert manifold.random_point(rng=0).shape == shape
    # k = 1 draws exactly what riemgd drew before k existed (seeded runs are unchanged)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))
    point = riemgd.Stiefel(5, 2).random_point(rng=0)
    np.testing.assert_allclose(np.abs(point), np.abs(q), atol=1e-15)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: riemgd.Stiefel(5, 2, k=0), "k"),
        (lambda: riemgd.Grassmann(5, 2, k=1.5), "k"),
        (lambda: riemgd.SymmetricPositiveDefinite(3, k=True), "k"),
        (lambda: riemgd.SpecialOrthogonalGroup(0), "n must be a positive integer"),
        (lambda: riemgd.SpecialOrthogonalGroup(3, retraction="cayley"), "retraction"),
        (lambda: riemgd.FixedRankEmbedded(3, 4, 4), "1 ≤ k ≤ min"),
        (lambda: riemgd.PSDFixedRank(3, 4), "1 ≤ k ≤ n"),
    ],
)
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _rotation_with_negative_determinant():
    x = np.eye(3)
    x[0, 0] = -1.0
    return x


def _rank_deficient_factor():
    y = np.ones((4, 2))
    return y


def _fixed_rank_with_negative_singular_value():
    point = riemgd.FixedRankEmbedded(4, 3, 2).random_point(rng=0)
    return (point[0], -point[1], point[2])


def _stack_with_one_indefinite_copy():
    x = np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])])
    return x


@pytest.mark.parametrize(
    ("manifold", "point", "message"),
    [
        (riemgd.SpecialOrthogonalGroup(3), _rotation_with_negative_determinant(), "determinant"),
        (riemgd.SpecialOrthogonalGroup(3), 2 * np.eye(3), "orthogonal"),
        (riemgd.SpecialOrthogonalGroup(3, k=2), np.eye(3), "shape"),
        (riemgd.PSDFixedRank(4, 2), _rank_deficient_factor(), "full column rank"),
        (riemgd.FixedRankEmbedded(4, 3, 2), _fixed_rank_with_negative_singular_value(), "positive singular"),
        (riemgd.FixedRankEmbedded(4, 3, 2), (np.ones((4, 2)), np.ones(2), np.eye(2, 3)), "orthonormal"),
        (riemgd.FixedRankEmbedded(4, 3, 2), np.ones((4, 3)), "triple"),
        (riemgd.SymmetricPositiveDefinite(3, k=2), _stack_with_one_indefinite_copy(), "positive definite"),
        (riemgd.Stiefel(4, 2, k=2), np.ones((2, 4, 2)), "orthonormal"),
    ],
    ids=[
        "so-det",
        "so-scale",
        "so-shape",
        "psd-rank",
        "fixed-rank-s",
        "fixed-rank-u",
        "fixed-rank-dense",
        "spd-k2",
        "stiefel-k2",
    ],
)
def test_initial_point_off_the_new_manifolds(manifold, point, message):
    problem = riemgd.Problem(manifold, lambda x: 0.0, riemannian_gradient=manifold.zero_vector)
    with pytest.raises(ValueError, match=message) as error:
        riemgd.GradientDescent().run(problem, initial_point=point)
    assert "initial_point" in str(error.value)


# ------------------------------------------------------------ fixed-rank types
def test_fixed_rank_vectors_keep_their_type_and_names():
    manifold = riemgd.FixedRankEmbedded(5, 4, 2)
    x = manifold.random_point(rng=1)
    u, v = manifold.random_tangent_vector(x, rng=1), manifold.random_tangent_vector(x, rng=2)
    w = 2.0 * u - v / 4.0
    assert isinstance(w, riemgd.manifolds.FixedRankTangentVector)
    np.testing.assert_allclose(w.Up, 2.0 * u.Up - v.Up / 4.0)
    np.testing.assert_allclose(w.M, 2.0 * u.M - v.M / 4.0)
    np.testing.assert_allclose(manifold.embedding(x, w), 2.0 * manifold.embedding(x, u) - manifold.embedding(x, v) / 4)
    assert x.u is x[0] and x.s is x[1] and x.vt is x[2]


def test_fixed_rank_projection_takes_dense_or_factored_ambient_vectors_only():
    manifold = riemgd.FixedRankEmbedded(5, 4, 2)
    rng = np.random.default_rng(0)
    x = manifold.random_point(rng=rng)
    a, s, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    dense, factored = manifold.projection(x, a @ s @ b.T), manifold.projection(x, (a, s, b))
    for p, q in zip(dense, factored, strict=True):
        np.testing.assert_allclose(p, q, atol=1e-13)
    with pytest.raises(TypeError, match="not a tangent vector"):
        manifold.projection(x, dense)
    with pytest.raises(ValueError, match="shape"):
        manifold.projection(x, np.ones((4, 5)))


def test_fixed_rank_retraction_moves_the_factors_continuously():
    """The SVD's signs are aligned with the input's: R_x(tη) → x factor by factor as t → 0,
    which a cost written in the factors (u, s, vt) needs."""
    manifold = riemgd.FixedRankEmbedded(6, 5, 3)
    for seed in range(5):
        x = manifold.random_point(rng=seed)
        eta = manifold.random_tangent_vector(x, rng=seed)
        for t in (1e-3, -1e-3):
            y = manifold.retraction(x, t * eta)
            for old, new in zip(x, y, strict=True):
                assert np.abs(new - old).max() < 10 * abs(t)


@pytest.mark.parametrize("shape", [(6, 5, 3), (4, 4, 4), (5, 7, 5)])
@pytest.mark.parametrize("kind", ["random", "no Up", "no Vp"])
def test_fixed_rank_retraction_is_the_aligned_truncated_svd(shape, kind):
    """R_x(Ẋ) against a dense SVD of X + Ẋ: the same rank-k truncation, orthonormal factors, and
    ⟨u_j, u'_j⟩ + ⟨v_j, v'_j⟩ ≥ 0 computed from the dense factors; also for k = m or k = n
    (Up or Vp zero, their QR factors not orthogonal to U or V) and for a rank-deficient Up or Vp."""
    m, n, k = shape
    manifold = riemgd.FixedRankEmbedded(m, n, k)
    for seed in range(3):
        x = manifold.random_point(rng=seed)
        up, mid, vp = manifold.random_tangent_vector(x, rng=seed + 10)
        if kind == "no Up":
            up = np.zeros_like(up)
        elif kind == "no Vp":
            vp = np.zeros_like(vp)
        eta = riemgd.manifolds.FixedRankTangentVector((up, mid, vp))
        u, s, vt = manifold.retraction(x, 0.5 * eta)
        w, sigma, zt = np.linalg.svd(manifold.embed(x) + manifold.embedding(x, 0.5 * eta))
        np.testing.assert_allclose(s, sigma[:k], atol=1e-12)
        np.testing.assert_allclose((u * s) @ vt, (w[:, :k] * sigma[:k]) @ zt[:k], atol=1e-12)
        np.testing.assert_allclose(u.T @ u, np.eye(k), atol=1e-12)
        np.testing.assert_allclose(vt @ vt.T, np.eye(k), atol=1e-12)
        assert np.all(np.sum(x[0] * u, axis=0) + np.sum(x[2] * vt, axis=1) >= 0)


@pytest.mark.parametrize("shape", [(6, 5, 3), (7, 9, 7)])
def test_fixed_rank_transport_is_the_projection_of_the_embedded_vector(shape):
    """transport(x, y, Ẋ) (the k × k block formula) = P_Y applied to the m × n matrix Ẋ."""
    manifold = riemgd.FixedRankEmbedded(*shape)
    x = manifold.random_point(rng=0)
    y = manifold.retraction(x, manifold.random_tangent_vector(x, rng=1))
    v = manifold.random_tangent_vector(x, rng=2)
    for ours, dense in zip(manifold.transport(x, y, v), manifold.projection(y, manifold.embedding(x, v)), strict=True):
        np.testing.assert_allclose(ours, dense, atol=1e-12)


# ---------------------------------------------------- optimizations with known optima
def test_procrustes_on_so3_reaches_the_rotation_from_the_svd():
    """min ‖X − A‖² over SO(3): X* = W diag(1, 1, det(WVᵀ)) Vᵀ for A = W Σ Vᵀ (Umeyama 1991)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    w, _, vt = np.linalg.svd(a)
    best = w @ np.diag([1.0, 1.0, np.linalg.det(w @ vt)]) @ vt
    for retraction in ("qr", "polar"):
        manifold = riemgd.SpecialOrthogonalGroup(3, retraction=retraction)
        problem = riemgd.Problem(manifold, lambda x: anp.sum((x - a) ** 2))
        result = riemgd.GradientDescent(min_gradient_norm=1e-10, max_iterations=500).run(
            problem, initial_point=manifold.random_point(rng=1)
        )
        np.testing.assert_allclose(result.point, best, atol=1e-8)


@pytest.mark.parametrize("optimizer", ["gd", "heavy-ball-FD"])
def test_low_rank_approximation_on_fixed_rank_matrices(optimizer):
    """min ½‖X − A‖² over rank-2 matrices: the truncated SVD of A (Eckart–Young). The cost is
    written in the factors, so the gradient goes through the SVD-derivative conversion."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 5))
    w, s, vt = np.linalg.svd(a)
    best = (w[:, :2] * s[:2]) @ vt[:2]
    manifold = riemgd.FixedRankEmbedded(6, 5, 2)

    def cost(x):
        u, sigma, v = x
        return 0.5 * anp.sum(((u * sigma) @ v - a) ** 2)

    problem = riemgd.Problem(manifold, cost)
    stop = {"min_gradient_norm": 1e-9, "max_iterations": 2000}
    solver = riemgd.GradientDescent(**stop) if optimizer == "gd" else riemgd.HeavyBall(0.5, 0.5, "FD", **stop)
    result = solver.run(problem, initial_point=manifold.random_point(rng=2))
    np.testing.assert_allclose(manifold.embed(result.point), best, atol=1e-7)


def test_psd_fixed_rank_recovers_a_low_rank_gram_matrix():
    """min ‖YYᵀ − C‖² with C = ZZᵀ of rank 2: the minimum 0 is reached at Y = ZQ."""
    rng = np.random.default_rng(2)
    z = rng.standard_normal((6, 2))
    c = z @ z.T
    manifold = riemgd.PSDFixedRank(6, 2)
    problem = riemgd.Problem(manifold, lambda y: anp.sum((y @ y.T - c) ** 2))
    result = riemgd.GradientDescent(min_gradient_norm=1e-10, max_iterations=3000).run(
        problem, initial_point=manifold.random_point(rng=3)
    )
    np.testing.assert_allclose(result.point @ result.point.T, c, atol=1e-7)
    assert float(manifold.dist(result.point, z)) < 1e-7
