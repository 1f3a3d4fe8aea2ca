"""Bad input to the complex manifolds: a clear error naming the argument, raised before work starts."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd

FACTORIES = {
    "complex-euclidean": lambda: riemgd.ComplexEuclidean(3, 2),
    "complex-circle": lambda: riemgd.ComplexCircle(4),
    "complex-grassmann": lambda: riemgd.ComplexGrassmann(4, 2, k=2),
    "unitary": lambda: riemgd.UnitaryGroup(3),
    "hpd": lambda: riemgd.HermitianPositiveDefinite(3),
    "shpd": lambda: riemgd.SpecialHermitianPositiveDefinite(3, k=2),
    "psd-fixed-rank-complex": lambda: riemgd.PSDFixedRankComplex(5, 2),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_real_wrong_shape_and_non_finite_points_are_refused(name):
    manifold = FACTORIES[name]()
    x = manifold.random_point(rng=0)
    with pytest.raises(TypeError, match=r"start.*complex floating dtype"):
        manifold.check_point(x.real.copy(), name="start")
    with pytest.raises(ValueError, match="start must have shape"):
        manifold.check_point(x[..., :1], name="start")
    broken = x.copy()
    broken.flat[0] = np.nan
    with pytest.raises(ValueError, match="start contains NaN"):
        manifold.check_point(broken, name="start")
    with pytest.raises(TypeError, match="start must be an array"):
        manifold.check_point(x.tolist(), name="start")


@pytest.mark.parametrize(
    ("manifold", "point", "message"),
    [
        (riemgd.ComplexCircle(2), np.array([1.0, 2j]), "unit modulus"),
        (riemgd.ComplexGrassmann(3, 2), np.ones((3, 2), complex), "orthonormal columns"),
        (riemgd.UnitaryGroup(2), np.array([[1, 1j], [0, 1]]), "unitary"),
        (riemgd.HermitianPositiveDefinite(2), np.array([[2, 1j], [1j, 2]]), "Hermitian"),
        (riemgd.HermitianPositiveDefinite(2), np.array([[1, 0], [0, -1]], complex), "positive definite"),
        (riemgd.SpecialHermitianPositiveDefinite(2), np.array([[2, 0], [0, 2]], complex), "unit determinant"),
        (riemgd.PSDFixedRankComplex(3, 2), np.array([[1, 2], [2, 4], [3j, 6j]]), "full column rank"),
    ],
)
def test_points_off_the_manifold_are_refused(manifold, point, message):
    with pytest.raises(ValueError, match=f"x0.*{message}"):
        manifold.check_point(point.astype(complex), name="x0")


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: riemgd.ComplexEuclidean(), "shape"),
        (lambda: riemgd.ComplexEuclidean(3, 0), "shape"),
        (lambda: riemgd.ComplexCircle(0), "n must be"),
        (lambda: riemgd.ComplexGrassmann(2, 3), "n >= p"),
        (lambda: riemgd.ComplexGrassmann(4, 2, k=0), "k must be"),
        (lambda: riemgd.UnitaryGroup(3, retraction="cayley"), "retraction must be"),
        (lambda: riemgd.UnitaryGroup(2.5), "n must be"),
        (lambda: riemgd.HermitianPositiveDefinite(3, k=True), "k must be"),
        (lambda: riemgd.PSDFixedRankComplex(2, 3), "n >= k"),
    ],
)
def test_bad_constructor_arguments_are_refused(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_optimizer_refuses_a_real_start_on_a_complex_manifold():
    manifold = riemgd.ComplexGrassmann(4, 2)
    problem = riemgd.Problem(manifold, lambda x: 0.0 * x.real.sum())
    with pytest.raises(TypeError, match="initial_point must have a complex floating dtype"):
        riemgd.GradientDescent().run(problem, initial_point=np.eye(4, 2))


def test_shape_mismatch_in_geometry_is_refused():
    manifold = riemgd.ComplexGrassmann(4, 2)
    x = manifold.random_point(rng=1)
    with pytest.raises(ValueError, match="vector must have shape"):
        manifold.projection(x, np.ones((4, 1), complex))
    with pytest.raises(ValueError, match="euclidean_hessian must have shape"):
        manifold.euclidean_to_riemannian_hessian(x, x, np.ones((4,), complex), x)
