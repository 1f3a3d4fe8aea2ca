"""The complex manifolds against pymanopt 2.2.1: the same inputs give the same
results to round-off, except for the differences each class documents under
"Differences from pymanopt", which are checked here against an independent answer
instead (pymanopt's own correct routine, a closed form, or an identity)."""

from __future__ import annotations

import numpy as np
import pytest
from complex_costs import ComplexTestCost

import riemgd

pymanopt = pytest.importorskip("pymanopt")
pm = pymanopt.manifolds

CASES = {
    "complex-euclidean": (lambda: riemgd.ComplexEuclidean(3, 2), lambda: pm.ComplexEuclidean(3, 2)),
    "complex-circle": (lambda: riemgd.ComplexCircle(5), lambda: pm.ComplexCircle(5)),
    "complex-grassmann": (lambda: riemgd.ComplexGrassmann(5, 2), lambda: pm.ComplexGrassmann(5, 2)),
    "complex-grassmann-k2": (lambda: riemgd.ComplexGrassmann(4, 2, k=2), lambda: pm.ComplexGrassmann(4, 2, k=2)),
    "unitary-qr": (lambda: riemgd.UnitaryGroup(3), lambda: pm.UnitaryGroup(3)),
    "unitary-polar-k2": (
        lambda: riemgd.UnitaryGroup(3, k=2, retraction="polar"),
        lambda: pm.UnitaryGroup(3, k=2, retraction="polar"),
    ),
    "hpd": (lambda: riemgd.HermitianPositiveDefinite(3), lambda: pm.HermitianPositiveDefinite(3)),
    "hpd-k2": (lambda: riemgd.HermitianPositiveDefinite(3, k=2), lambda: pm.HermitianPositiveDefinite(3, k=2)),
    "shpd": (lambda: riemgd.SpecialHermitianPositiveDefinite(3), lambda: pm.SpecialHermitianPositiveDefinite(3)),
    "shpd-k2": (
        lambda: riemgd.SpecialHermitianPositiveDefinite(3, k=2),
        lambda: pm.SpecialHermitianPositiveDefinite(3, k=2),
    ),
    "psd-fixed-rank-complex": (lambda: riemgd.PSDFixedRankComplex(5, 2), lambda: pm.PSDFixedRankComplex(5, 2)),
}
UNITARY = {"unitary-qr", "unitary-polar-k2"}
HPD = {"hpd", "hpd-k2", "shpd", "shpd-k2"}
QUOTIENTS = {"complex-grassmann", "complex-grassmann-k2", "psd-fixed-rank-complex"}
PAIR_MEAN = {"complex-euclidean", "complex-circle", "unitary-qr", "unitary-polar-k2"}  # where pymanopt has one
SEEDS = [0, 1]
TOL = {"rtol": 1e-10, "atol": 1e-12}
APPROX = {"rel": 1e-10, "abs": 1e-12}


def close(a, b):
    np.testing.assert_allclose(a, b, **TOL)


def setup(name, seed):
    ours, theirs = (factory() for factory in CASES[name])
    rng = np.random.default_rng(seed)
    x = ours.random_point(rng=rng)
    y = ours.retraction(x, 0.8 * ours.random_tangent_vector(x, rng=rng))
    u, v = ours.random_tangent_vector(x, rng=rng), ours.random_tangent_vector(x, rng=rng)
    ambient = rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)
    # a cost of X = YYᴴ alone on the quotients: its gradient is horizontal
    cost = ComplexTestCost(x.shape, rng, invariant=name in QUOTIENTS)
    return ours, theirs, x, y, u, v, ambient, cost


def to_ambient_rep(name, x, vector):
    """pymanopt's UnitaryGroup.projection is its to_tangent_space applied to XᴴV (see the class docstring)."""
    return np.conj(np.swapaxes(x, -1, -2)) @ vector


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_metric_projection_and_retraction_agree(name, seed):
    ours, theirs, x, _, u, v, ambient, _ = setup(name, seed)
    assert float(ours.inner_product(x, u, v)) == pytest.approx(float(np.real(theirs.inner_product(x, u, v))), **APPROX)
    assert float(ours.norm(x, u)) == pytest.approx(float(np.real(theirs.norm(x, u))), **APPROX)
    if name in UNITARY:
        close(ours.projection(x, ambient), theirs.to_tangent_space(x, to_ambient_rep(name, x, ambient)))
        close(ours.to_tangent_space(x, ambient), theirs.to_tangent_space(x, ambient))
        close(ours.embedding(x, u), theirs.embedding(x, u))
    else:
        close(ours.projection(x, ambient), theirs.projection(x, ambient))
    close(ours.retraction(x, 0.6 * u), theirs.retraction(x, 0.6 * u))
    close(ours.zero_vector(x), theirs.zero_vector(x))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_and_hessian_conversions_agree(name, seed):
    ours, theirs, x, _, u, _, ambient, cost = setup(name, seed)
    g, h = cost.gradient(x), cost.hessian(x, ours.embedding(x, u))
    if name in UNITARY:  # pymanopt's gradient is its (skew-symmetric) projection; compare with to_tangent_space
        close(ours.euclidean_to_riemannian_gradient(x, g), theirs.to_tangent_space(x, to_ambient_rep(name, x, g)))
    else:
        close(ours.euclidean_to_riemannian_gradient(x, g), theirs.euclidean_to_riemannian_gradient(x, g))
    if name.startswith("shpd"):  # pymanopt has none; tests/test_complex_hessians.py checks riemgd's
        with pytest.raises(NotImplementedError):
            theirs.euclidean_to_riemannian_hessian(x, g, h, u)
    else:
        close(ours.euclidean_to_riemannian_hessian(x, g, h, u), theirs.euclidean_to_riemannian_hessian(x, g, h, u))
    if name == "psd-fixed-rank-complex":  # any cost: riemgd projects the gradient pymanopt passes through
        close(ours.euclidean_to_riemannian_gradient(x, ambient), theirs.projection(x, ambient))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(set(CASES) - HPD))
def test_transport_agrees(name, seed):
    ours, theirs, x, y, u, *_ = setup(name, seed)
    close(ours.transport(x, y, u), theirs.transport(x, y, u))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(HPD))
def test_hpd_transport_is_parallel_transport(name, seed):
    """Parallel transport along the geodesic from x to y maps log_x(y) to −log_y(x) and is an
    isometry (pymanopt's metric and log; pymanopt itself transports by the identity/projection)."""
    ours, theirs, x, y, u, v, *_ = setup(name, seed)
    close(ours.transport(x, y, theirs.log(x, y)), -theirs.log(y, x))
    moved_u, moved_v = ours.transport(x, y, u), ours.transport(x, y, v)
    isometric = float(theirs.inner_product(x, u, v))
    assert float(theirs.inner_product(y, moved_u, moved_v)) == pytest.approx(isometric, **APPROX)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_exp_log_dist_agree(name, seed):
    ours, theirs, x, y, u, *_ = setup(name, seed)
    if name == "complex-circle":  # pymanopt 2.2.1 drops the imaginary part; the closed form instead
        size = np.abs(u)
        close(ours.exp(x, u), x * np.cos(size) + u * np.sin(size) / size)
    else:
        close(ours.exp(x, 0.5 * u), theirs.exp(x, 0.5 * u))
    close(ours.log(x, y), theirs.log(x, y))
    assert float(ours.dist(x, y)) == pytest.approx(float(theirs.dist(x, y)), **APPROX)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(PAIR_MEAN))
def test_pair_mean_agrees(name, seed):
    ours, theirs, x, y, *_ = setup(name, seed)
    mean = ours.pair_mean(x, y)
    close(mean, theirs.pair_mean(x, y))
    assert float(ours.dist(x, mean)) == pytest.approx(0.5 * float(ours.dist(x, y)), rel=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dimension_is_the_rank_of_the_tangent_projection(name):
    """dim = the real dimension of the tangent space, the rank of P_x on a real basis of C^N
    (as pymanopt's, except HPD/SHPD where pymanopt 2.2.1 reports k n(n + 1) [− k])."""
    ours, theirs, x, *_ = setup(name, 0)
    basis = np.eye(x.size)
    images = [ours.projection(x, e.reshape(x.shape)) for e in (*basis, *(1j * basis))]
    matrix = np.array([np.concatenate([i.real.ravel(), i.imag.ravel()]) for i in images])
    assert np.linalg.matrix_rank(matrix, tol=1e-8) == ours.dim
    if name not in HPD:
        assert ours.dim == theirs.dim and ours.typical_dist == pytest.approx(theirs.typical_dist)


def test_nearby_points_keep_their_distance_to_full_precision():
    """The documented dist differences: angles from atan2, accurate where arccos loses digits."""
    rng = np.random.default_rng(7)
    for manifold in (riemgd.ComplexGrassmann(5, 2), riemgd.ComplexCircle(4)):
        x = manifold.random_point(rng=rng)
        u = manifold.random_tangent_vector(x, rng=rng)
        assert float(manifold.dist(x, manifold.exp(x, 1e-9 * u))) == pytest.approx(1e-9, rel=1e-6)


@pytest.mark.parametrize("name", ["complex-grassmann", "complex-circle", "unitary-qr", "hpd"])
def test_problem_gradients_match_pymanopts_autograd_backend(name):
    """riemgd.Problem's autograd gradient of a real cost of a complex point is
    pymanopt's (∂f/∂Re z + i ∂f/∂Im z); the Riemannian gradient and Hessian follow."""
    ours, theirs, x, _, u, _, _, cost = setup(name, 2)

    @pymanopt.function.autograd(theirs)
    def their_cost(point):
        return cost.cost(point)

    their_problem = pymanopt.Problem(theirs, their_cost)
    our_problem = riemgd.Problem(ours, cost.cost)
    close(our_problem.euclidean_gradient(x), their_problem.euclidean_gradient(x))
    # pymanopt's Problem embeds the tangent vector before its Hessian-vector product
    close(cost.hessian(x, ours.embedding(x, u)), their_problem.euclidean_hessian(x, u))
    if name in UNITARY:
        return  # pymanopt's Riemannian gradient there is its skew-symmetric projection (documented)
    close(our_problem.riemannian_gradient(x), their_problem.riemannian_gradient(x))
    our_hessian = ours.euclidean_to_riemannian_hessian(
        x, our_problem.euclidean_gradient(x), cost.hessian(x, ours.embedding(x, u)), u
    )
    close(our_hessian, their_problem.riemannian_hessian(x, u))
