"""Differential tests: riemgd's real manifolds against pymanopt 2.2.1's.

The same inputs (points drawn by riemgd, vectors from one seeded generator) go
to both libraries; every method both define must return the same numbers to
round-off. Where riemgd's definition differs on purpose (documented under
"Differences from pymanopt" in each class), the agreement that still holds is
tested instead, and a method pymanopt lacks is listed in ``PYMANOPT_LACKS``,
which is itself checked (pymanopt must raise ``NotImplementedError``).
"""

from __future__ import annotations

import numpy as np
import pytest

import riemgd

pymanopt_manifolds = pytest.importorskip("pymanopt.manifolds")

_SPAN = np.random.default_rng(11).standard_normal((7, 3))

# name: (riemgd manifold, the same manifold in pymanopt)
CASES = {
    "symmetric": lambda: (riemgd.Symmetric(4), pymanopt_manifolds.Symmetric(4)),
    "symmetric-k3": lambda: (riemgd.Symmetric(3, 3), pymanopt_manifolds.Symmetric(3, 3)),
    "skew-symmetric": lambda: (riemgd.SkewSymmetric(4), pymanopt_manifolds.SkewSymmetric(4)),
    "skew-symmetric-k2": lambda: (riemgd.SkewSymmetric(3, 2), pymanopt_manifolds.SkewSymmetric(3, 2)),
    "positive": lambda: (riemgd.Positive(3, 4), pymanopt_manifolds.Positive(3, 4)),
    "positive-k2-parallel": lambda: (
        riemgd.Positive(2, 3, k=2, use_parallel_transport=True),
        pymanopt_manifolds.Positive(2, 3, k=2, use_parallel_transport=True),
    ),
    "oblique": lambda: (riemgd.Oblique(4, 5), pymanopt_manifolds.Oblique(4, 5)),
    "sphere-subspace": lambda: (
        riemgd.SphereSubspaceIntersection(_SPAN),
        pymanopt_manifolds.SphereSubspaceIntersection(_SPAN),
    ),
    "sphere-subspace-complement": lambda: (
        riemgd.SphereSubspaceComplementIntersection(_SPAN),
        pymanopt_manifolds.SphereSubspaceComplementIntersection(_SPAN),
    ),
    "elliptope": lambda: (riemgd.Elliptope(6, 3), pymanopt_manifolds.Elliptope(6, 3)),
    "poincare": lambda: (riemgd.PoincareBall(4), pymanopt_manifolds.PoincareBall(4)),
    "poincare-k3": lambda: (riemgd.PoincareBall(3, k=3), pymanopt_manifolds.PoincareBall(3, k=3)),
}

# (case, method) pairs pymanopt 2.2.1 does not define; riemgd's versions are tested in test_real_manifolds.py
PYMANOPT_LACKS = {
    ("positive", "pair_mean"),
    ("positive-k2-parallel", "pair_mean"),
    ("poincare", "transport"),
    ("poincare-k3", "transport"),
}

# pymanopt 2.2.1 binds ``to_tangent_space = projection`` in a base class, so there it is the base's
# projection (the identity for Symmetric/SkewSymmetric, the full sphere's for the subspace spheres),
# not the class's own; riemgd's alias is the class's projection, compared with pymanopt's projection
PYMANOPT_ALIAS_BUG = {
    "symmetric",
    "symmetric-k3",
    "skew-symmetric",
    "skew-symmetric-k2",
    "sphere-subspace",
    "sphere-subspace-complement",
}

# no closed form: pymanopt's Elliptope.exp is its retraction (with a RuntimeWarning); neither library has the others
RIEMGD_LACKS = {("elliptope", "exp"), ("elliptope", "log"), ("elliptope", "dist"), ("elliptope", "pair_mean")}

METHODS = [
    "dim",
    "typical_dist",
    "inner_product",
    "norm",
    "zero_vector",
    "projection",
    "to_tangent_space",
    "retraction",
    "euclidean_to_riemannian_gradient",
    "euclidean_to_riemannian_hessian",
    "transport",
    "exp",
    "log",
    "dist",
    "pair_mean",
]


def _inputs(manifold, seed):
    """A point x, a second point y, tangent vectors u, v at x, and ambient z, g, h."""
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    v = manifold.random_tangent_vector(x, rng=rng)
    y = manifold.retraction(x, 0.8 * manifold.random_tangent_vector(x, rng=rng))
    z, g, h = (rng.standard_normal(np.shape(x)) for _ in range(3))
    return {"x": x, "y": y, "u": 0.7 * u, "v": v, "z": z, "g": g, "h": h}


def _call(manifold, method, a):
    calls = {
        "dim": lambda: manifold.dim,
        "typical_dist": lambda: manifold.typical_dist,
        "inner_product": lambda: manifold.inner_product(a["x"], a["u"], a["v"]),
        "norm": lambda: manifold.norm(a["x"], a["u"]),
        "zero_vector": lambda: manifold.zero_vector(a["x"]),
        "projection": lambda: manifold.projection(a["x"], a["z"]),
        "to_tangent_space": lambda: manifold.to_tangent_space(a["x"], a["z"]),
        "retraction": lambda: manifold.retraction(a["x"], a["u"]),
        "euclidean_to_riemannian_gradient": lambda: manifold.euclidean_to_riemannian_gradient(a["x"], a["g"]),
        "euclidean_to_riemannian_hessian": lambda: manifold.euclidean_to_riemannian_hessian(
            a["x"], a["g"], a["h"], a["u"]
        ),
        "transport": lambda: manifold.transport(a["x"], a["y"], a["u"]),
        "exp": lambda: manifold.exp(a["x"], a["u"]),
        "log": lambda: manifold.log(a["x"], a["y"]),
        "dist": lambda: manifold.dist(a["x"], a["y"]),
        "pair_mean": lambda: manifold.pair_mean(a["x"], a["y"]),
    }
    return calls[method]()


def assert_round_off(actual, expected, rtol=1e-12):
    """``‖actual − expected‖ ≤ rtol · max(‖expected‖, 1)`` (Frobenius), with equal shapes."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    error = float(np.linalg.norm(actual - expected))
    assert error <= rtol * max(float(np.linalg.norm(expected)), 1.0), f"difference {error:.3g}"


# Elliptope: pymanopt's projection (and every method built on it) differs from the orthogonal
# projection by a vertical vector Y Ω (see the class docstring); a horizontal projection removes it.
_ELLIPTOPE_REPROJECT = {
    "projection": "x",
    "to_tangent_space": "x",
    "euclidean_to_riemannian_gradient": "x",
    "euclidean_to_riemannian_hessian": "x",
    "transport": "y",
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_same_numbers_as_pymanopt(case, method, seed):
    ours, theirs = CASES[case]()
    if (case, method) in RIEMGD_LACKS:
        with pytest.raises(NotImplementedError, match=method):
            _call(ours, method, _inputs(ours, seed))
        return
    a = _inputs(ours, seed)
    if (case, method) in PYMANOPT_LACKS:
        with pytest.raises(NotImplementedError):
            _call(theirs, method, a)
        return
    if method == "to_tangent_space" and case in PYMANOPT_ALIAS_BUG:
        method_theirs = "projection"
    else:
        method_theirs = method
    expected = _call(theirs, method_theirs, a)
    if case == "elliptope" and method in _ELLIPTOPE_REPROJECT:
        expected = ours.projection(a[_ELLIPTOPE_REPROJECT[method]], expected)
    assert_round_off(_call(ours, method, a), expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_elliptope_agrees_without_reprojection_for_invariant_costs(seed):
    """For ``f(Y) = tr(A YYᵀ)`` (``f(YQ) = f(Y)``), ``∇f = 2AY`` has a horizontal row
    projection, so pymanopt's gradient and projection equal riemgd's as they stand."""
    ours, theirs = CASES["elliptope"]()
    rng = np.random.default_rng(seed)
    y = ours.random_point(rng=rng)
    s = rng.standard_normal((6, 6))
    gradient = (s + s.T) @ y
    for method in ("euclidean_to_riemannian_gradient", "projection"):
        assert_round_off(getattr(ours, method)(y, gradient), getattr(theirs, method)(y, gradient))


def test_elliptope_pymanopt_projection_is_not_horizontal():
    """The documented difference is real: pymanopt 2.2.1's Elliptope projection of a
    generic matrix is not horizontal (``YᵀP`` not symmetric), riemgd's is."""
    ours, theirs = CASES["elliptope"]()
    rng = np.random.default_rng(3)
    y, z = ours.random_point(rng=rng), rng.standard_normal((6, 3))
    theirs_p, ours_p = theirs.projection(y, z), ours.projection(y, z)
    assert np.abs(y.T @ theirs_p - theirs_p.T @ y).max() > 1e-3
    assert np.abs(y.T @ ours_p - ours_p.T @ y).max() < 1e-12


def test_constructor_dimensions_match_pymanopt_for_other_sizes():
    """``dim`` across sizes, including ``k`` copies and rank-r subspaces of every r."""
    pairs = [
        (riemgd.Symmetric(5, 2), pymanopt_manifolds.Symmetric(5, 2)),
        (riemgd.SkewSymmetric(5, 3), pymanopt_manifolds.SkewSymmetric(5, 3)),
        (riemgd.Positive(2, 5, k=3), pymanopt_manifolds.Positive(2, 5, k=3)),
        (riemgd.Oblique(3, 7), pymanopt_manifolds.Oblique(3, 7)),
        (riemgd.Elliptope(7, 4), pymanopt_manifolds.Elliptope(7, 4)),
        (riemgd.PoincareBall(6, k=2), pymanopt_manifolds.PoincareBall(6, k=2)),
    ]
    span = np.random.default_rng(4).standard_normal((8, 5))
    for r in range(2, 6):
        pairs.append(
            (riemgd.SphereSubspaceIntersection(span[:, :r]), pymanopt_manifolds.SphereSubspaceIntersection(span[:, :r]))
        )
        pairs.append(
            (
                riemgd.SphereSubspaceComplementIntersection(span[:, :r]),
                pymanopt_manifolds.SphereSubspaceComplementIntersection(span[:, :r]),
            )
        )
    for ours, theirs in pairs:
        assert ours.dim == int(theirs.dim), str(ours)


@pytest.mark.parametrize("case", sorted(PYMANOPT_ALIAS_BUG))
def test_pymanopt_to_tangent_space_alias_is_not_the_projection(case):
    """The documented difference is real: pymanopt's ``to_tangent_space`` skips the
    class's own projection; riemgd's equals its ``projection``."""
    ours, theirs = CASES[case]()
    a = _inputs(ours, 5)
    assert np.linalg.norm(theirs.to_tangent_space(a["x"], a["z"]) - theirs.projection(a["x"], a["z"])) > 1e-3
    np.testing.assert_array_equal(ours.to_tangent_space(a["x"], a["z"]), ours.projection(a["x"], a["z"]))
