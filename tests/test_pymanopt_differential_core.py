"""riemgd against pymanopt 2.2.1: the same inputs give the same geometry.

For every manifold both libraries have, the riemgd manifold draws the inputs
(a point, tangent vectors, ambient vectors) and both libraries evaluate
``inner_product``, ``projection``, ``retraction``, the gradient and Hessian
conversions, ``transport``, ``exp``/``log``/``dist`` and ``pair_mean`` on
them; the results must agree to round-off. Where riemgd differs on purpose
(documented under "Differences from pymanopt" in each class docstring), the
test checks what still agrees: the same subspace for Grassmann's retraction,
the same matrix for the fixed-rank retraction, pymanopt's gradient after
projection for PSDFixedRank.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_ambient

import riemgd

pymanopt = pytest.importorskip("pymanopt")
pm = pymanopt.manifolds

TOLERANCE = 1e-12  # relative to the size of the compared values


def to_list(value):
    if isinstance(value, (tuple, list)):
        return [part for item in value for part in to_list(item)]
    return [np.asarray(value)]


def assert_same(ours, theirs, tol: float = TOLERANCE) -> None:
    """Every array of ``ours`` equals its counterpart in ``theirs`` to ``tol`` relative."""
    ours, theirs = to_list(ours), to_list(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        assert np.iscomplexobj(b) is False or np.abs(np.imag(b)).max() < tol
        scale = max(1.0, float(np.abs(b).max()))
        assert float(np.abs(a - np.real(b)).max()) <= tol * scale


# name: (riemgd manifold, pymanopt manifold, what pymanopt has in common with it)
COMMON = {"inner", "projection", "retraction", "gradient", "hessian", "transport"}
CASES = {
    "euclidean": (
        lambda: riemgd.Euclidean(3, 2),
        lambda: pm.Euclidean(3, 2),
        COMMON | {"exp", "log", "dist", "pair_mean"},
    ),
    "sphere": (lambda: riemgd.Sphere(5), lambda: pm.Sphere(5), COMMON | {"exp", "log", "dist", "pair_mean"}),
    "sphere-matrix": (
        lambda: riemgd.Sphere(3, 2),
        lambda: pm.Sphere(3, 2),
        COMMON | {"exp", "log", "dist", "pair_mean"},
    ),
    "stiefel-qr": (lambda: riemgd.Stiefel(5, 3), lambda: pm.Stiefel(5, 3), COMMON | {"exp"}),
    "stiefel-polar": (
        lambda: riemgd.Stiefel(5, 3, retraction="polar"),
        lambda: pm.Stiefel(5, 3, retraction="polar"),
        COMMON | {"exp"},
    ),
    "stiefel-k2": (lambda: riemgd.Stiefel(4, 2, k=2), lambda: pm.Stiefel(4, 2, k=2), COMMON | {"exp"}),
    "grassmann": (
        lambda: riemgd.Grassmann(5, 2),
        lambda: pm.Grassmann(5, 2),
        (COMMON - {"retraction"}) | {"subspace-retraction", "exp", "log", "dist"},
    ),
    "grassmann-k2": (
        lambda: riemgd.Grassmann(4, 2, k=2),
        lambda: pm.Grassmann(4, 2, k=2),
        (COMMON - {"retraction"}) | {"subspace-retraction", "exp", "log", "dist"},
    ),
    "spd": (
        lambda: riemgd.SymmetricPositiveDefinite(3),
        lambda: pm.SymmetricPositiveDefinite(3),
        (COMMON - {"transport"}) | {"exp", "log", "dist"},
    ),
    "spd-k2": (
        lambda: riemgd.SymmetricPositiveDefinite(3, k=2),
        lambda: pm.SymmetricPositiveDefinite(3, k=2),
        (COMMON - {"transport"}) | {"exp", "log", "dist"},
    ),
    "so-qr": (
        lambda: riemgd.SpecialOrthogonalGroup(4),
        lambda: pm.SpecialOrthogonalGroup(4),
        COMMON | {"exp", "log", "dist", "pair_mean", "to_tangent_space"},
    ),
    "so-polar-k2": (
        lambda: riemgd.SpecialOrthogonalGroup(3, k=2, retraction="polar"),
        lambda: pm.SpecialOrthogonalGroup(3, k=2, retraction="polar"),
        COMMON | {"exp", "log", "dist", "pair_mean", "to_tangent_space"},
    ),
    "fixed-rank": (
        lambda: riemgd.FixedRankEmbedded(5, 4, 2),
        lambda: pm.FixedRankEmbedded(5, 4, 2),
        # pymanopt has no Hessian conversion for this manifold; its retraction is compared as a matrix
        # pymanopt's gradient conversion takes factor gradients only (compared in their own test)
        (COMMON - {"hessian", "retraction", "gradient"}) | {"matrix-retraction", "to_tangent_space", "factor-gradient"},
    ),
    "psd-fixed-rank": (
        lambda: riemgd.PSDFixedRank(5, 2),
        lambda: pm.PSDFixedRank(5, 2),
        (COMMON - {"gradient"}) | {"horizontal-gradient", "exp", "log", "dist"},
    ),
    "product": (
        lambda: riemgd.Product([riemgd.Sphere(3), riemgd.SymmetricPositiveDefinite(2), riemgd.Euclidean(2)]),
        lambda: pm.Product([pm.Sphere(3), pm.SymmetricPositiveDefinite(2), pm.Euclidean(2)]),
        (COMMON - {"transport"}) | {"exp", "log", "dist"},
    ),
    "product-group": (
        lambda: riemgd.Product([riemgd.Sphere(4), riemgd.SpecialOrthogonalGroup(3), riemgd.Euclidean(2)]),
        lambda: pm.Product([pm.Sphere(4), pm.SpecialOrthogonalGroup(3), pm.Euclidean(2)]),
        COMMON | {"exp", "log", "dist", "pair_mean", "to_tangent_space"},
    ),
}


def inputs(name: str, seed: int):
    """Both manifolds, the features they share, and inputs drawn by riemgd: a point ``x``, unit
    tangent vectors ``u``, ``v``, a second point ``y = R_x(0.6 v)`` and ambient vectors ``g``, ``h``."""
    make_ours, make_theirs, features = CASES[name]
    ours, theirs = make_ours(), make_theirs()
    rng = np.random.default_rng(seed)
    x = ours.random_point(rng=rng)
    u, v = (ours.random_tangent_vector(x, rng=rng) for _ in range(2))
    y = ours.retraction(x, 0.6 * v)
    g, h = (random_ambient(ours, x, rng) for _ in range(2))
    return ours, theirs, features, x, u, v, y, g, h, rng


def cases_with(feature: str):
    return [name for name in sorted(CASES) if feature in CASES[name][2]]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("inner"))
def test_inner_product_and_norm(name, seed):
    ours, theirs, _, x, u, v, *_ = inputs(name, seed)
    assert float(ours.inner_product(x, u, v)) == pytest.approx(float(theirs.inner_product(x, u, v)), rel=1e-12)
    assert float(ours.norm(x, u)) == pytest.approx(float(theirs.norm(x, u)), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("projection"))
def test_projection(name, seed):
    ours, theirs, _, x, _, _, _, g, _, _ = inputs(name, seed)
    assert_same(ours.projection(x, g), theirs.projection(x, g))


@pytest.mark.parametrize("name", cases_with("to_tangent_space"))
def test_to_tangent_space(name):
    ours, theirs, _, x, u, *_, rng = inputs(name, 0)
    # a tangent-shaped array that is not tangent: u plus a random perturbation of the same layout
    zero = ours.zero_vector(x)
    noisy = (
        type(zero)(part + rng.standard_normal(np.shape(part)) for part in zero)
        if isinstance(zero, tuple)
        else (zero + rng.standard_normal(zero.shape))
    )
    noisy = noisy + u
    assert_same(ours.to_tangent_space(x, noisy), theirs.to_tangent_space(x, noisy))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("retraction"))
def test_retraction(name, seed):
    ours, theirs, _, x, u, *_ = inputs(name, seed)
    assert_same(ours.retraction(x, 0.8 * u), theirs.retraction(x, 0.8 * u))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("subspace-retraction"))
def test_grassmann_retractions_reach_the_same_subspace(name, seed):
    """riemgd's qf(X + U) and pymanopt's polar factor span the same subspace: equal projectors."""
    ours, theirs, _, x, u, *_ = inputs(name, seed)
    a, b = ours.retraction(x, 0.8 * u), theirs.retraction(x, 0.8 * u)
    assert_same(a @ np.swapaxes(a, -1, -2), b @ np.swapaxes(b, -1, -2))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("matrix-retraction"))
def test_fixed_rank_retractions_give_the_same_matrix(name, seed):
    """Same matrix U diag(s) Vᵀ (the factors' signs may differ; pymanopt adds ε to s)."""
    ours, theirs, _, x, u, *_ = inputs(name, seed)
    a, b = ours.retraction(x, 0.8 * u), theirs.retraction(x, 0.8 * u)
    assert_same(ours.embed(a), (b[0] * b[1]) @ b[2], tol=1e-12)
    assert_same(a[1], b[1] - np.spacing(1))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("gradient"))
def test_euclidean_to_riemannian_gradient(name, seed):
    ours, theirs, _, x, _, _, _, g, _, _ = inputs(name, seed)
    assert_same(ours.euclidean_to_riemannian_gradient(x, g), theirs.euclidean_to_riemannian_gradient(x, g))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("factor-gradient"))
def test_fixed_rank_gradient_from_factor_gradients(name, seed):
    """pymanopt's SVD-derivative conversion of (∂U, ∂s, ∂Vᵀ), and riemgd's dense-gradient route
    against pymanopt's projection."""
    ours, theirs, _, x, _, _, _, g, _, rng = inputs(name, seed)
    factors = tuple(rng.standard_normal(np.shape(part)) for part in x)
    assert_same(ours.euclidean_to_riemannian_gradient(x, factors), theirs.euclidean_to_riemannian_gradient(x, factors))
    assert_same(ours.euclidean_to_riemannian_gradient(x, g), theirs.projection(x, g))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("horizontal-gradient"))
def test_psd_fixed_rank_gradient_is_pymanopts_projected(name, seed):
    """riemgd projects ∇f onto the horizontal space; pymanopt returns it unchanged. They agree on
    horizontal gradients (every O(k)-invariant cost), and riemgd's is pymanopt's projected."""
    ours, theirs, _, x, _, _, _, g, _, _ = inputs(name, seed)
    horizontal = theirs.projection(x, g)
    theirs_gradient = theirs.euclidean_to_riemannian_gradient
    assert_same(ours.euclidean_to_riemannian_gradient(x, horizontal), theirs_gradient(x, horizontal))
    assert_same(ours.euclidean_to_riemannian_gradient(x, g), theirs.projection(x, theirs_gradient(x, g)))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("hessian"))
def test_euclidean_to_riemannian_hessian(name, seed):
    ours, theirs, _, x, u, _, _, g, h, _ = inputs(name, seed)
    assert_same(
        ours.euclidean_to_riemannian_hessian(x, g, h, u), theirs.euclidean_to_riemannian_hessian(x, g, h, u), tol=1e-11
    )


@pytest.mark.parametrize("name", ["sphere", "sphere-matrix", "stiefel-qr", "stiefel-k2"])
def test_weingarten_map(name):
    ours, theirs, _, x, u, _, _, g, _, _ = inputs(name, 0)
    normal = g - ours.projection(x, g)
    assert_same(ours.weingarten(x, u, normal), theirs.weingarten(x, u, normal))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("transport"))
def test_transport(name, seed):
    ours, theirs, _, x, u, _, y, *_ = inputs(name, seed)
    assert_same(ours.transport(x, y, u), theirs.transport(x, y, u))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("exp"))
def test_exp(name, seed):
    ours, theirs, _, x, u, *_ = inputs(name, seed)
    assert_same(ours.exp(x, 0.7 * u), theirs.exp(x, 0.7 * u), tol=1e-11)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("log"))
def test_log_and_dist(name, seed):
    ours, theirs, _, x, _, _, y, *_ = inputs(name, seed)
    assert_same(ours.log(x, y), theirs.log(x, y), tol=1e-11)
    assert float(ours.dist(x, y)) == pytest.approx(float(theirs.dist(x, y)), rel=1e-11)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", cases_with("pair_mean"))
def test_pair_mean(name, seed):
    ours, theirs, _, x, _, _, y, *_ = inputs(name, seed)
    assert_same(ours.pair_mean(x, y), theirs.pair_mean(x, y), tol=1e-11)
