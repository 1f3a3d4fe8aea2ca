"""``euclidean_to_riemannian_hessian`` of the complex manifolds, checked
independently of its formula (the cost's Euclidean derivatives are closed forms,
``complex_costs.ComplexTestCost``, themselves checked against autograd here):

* along the exponential map, ``d²/dt² f(exp_x(t u))|₀ = ⟨Hess f(x)[u], u⟩_x``
  (a geodesic has no acceleration), by a central second difference, and the
  Hessian is symmetric, ``⟨Hess[u], v⟩ = ⟨u, Hess[v]⟩`` — together these fix the
  Hessian for any metric;
* for the manifolds with the metric of their embedding (or of the total space of
  a quotient, on horizontal lifts): the Riemannian Hessian is the projected
  derivative of the Riemannian gradient field, ``P_x(d/dt grad f(R_x(t u))|₀)``,
  by a central first difference along the retraction.
"""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from complex_costs import ComplexTestCost
from conftest import tangent_residual

import riemgd

# name: (factory, kind): "embedded" (the metric of C^N), "quotient" (horizontal lifts, the
# metric of the total space; a cost must be invariant to describe a function on the quotient),
# "metric" (a metric of its own: the affine-invariant one)
CASES = {
    "complex-euclidean": (lambda: riemgd.ComplexEuclidean(3, 2), "embedded"),
    "complex-circle": (lambda: riemgd.ComplexCircle(5), "embedded"),
    "complex-grassmann": (lambda: riemgd.ComplexGrassmann(5, 2), "quotient"),
    "complex-grassmann-k2": (lambda: riemgd.ComplexGrassmann(4, 2, k=2), "quotient"),
    "unitary": (lambda: riemgd.UnitaryGroup(3), "embedded"),
    "unitary-k2": (lambda: riemgd.UnitaryGroup(2, k=2, retraction="polar"), "embedded"),
    "hpd": (lambda: riemgd.HermitianPositiveDefinite(3), "metric"),
    "hpd-k2": (lambda: riemgd.HermitianPositiveDefinite(2, k=2), "metric"),
    "shpd": (lambda: riemgd.SpecialHermitianPositiveDefinite(3), "metric"),
    "shpd-k2": (lambda: riemgd.SpecialHermitianPositiveDefinite(3, k=2), "metric"),
    "psd-fixed-rank-complex": (lambda: riemgd.PSDFixedRankComplex(5, 2), "quotient"),
}


def setup(name, seed, *, invariant=None):
    factory, kind = CASES[name]
    invariant = kind == "quotient" if invariant is None else invariant
    manifold = factory()
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    cost = ComplexTestCost(x.shape, rng, invariant=invariant)
    u, v = manifold.random_tangent_vector(x, rng=rng), manifold.random_tangent_vector(x, rng=rng)
    return manifold, cost, x, u, v


def gradient(manifold, cost, x):
    return manifold.euclidean_to_riemannian_gradient(x, cost.gradient(x))


def hessian(manifold, cost, x, u):
    return manifold.euclidean_to_riemannian_hessian(x, cost.gradient(x), cost.hessian(x, manifold.embedding(x, u)), u)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_hessian_is_the_second_derivative_along_geodesics_and_symmetric(name, seed):
    manifold, cost, x, u, v = setup(name, seed)
    hu, hv = hessian(manifold, cost, x, u), hessian(manifold, cost, x, v)
    scale = max(1.0, abs(float(manifold.inner_product(x, hu, u))))
    assert tangent_residual(manifold, x, hu) < 1e-12 * max(1.0, float(np.linalg.norm(hu)))
    for w in (u, v, u + 0.5 * v):  # polarization: the quadratic form on a spanning set of directions
        t = 1e-3
        second = (cost.cost(manifold.exp(x, t * w)) - 2 * cost.cost(x) + cost.cost(manifold.exp(x, -t * w))) / t**2
        expected = float(manifold.inner_product(x, hessian(manifold, cost, x, w), w))
        assert second == pytest.approx(expected, rel=1e-5, abs=1e-5 * scale)
    # symmetric in the Riemannian metric
    assert float(manifold.inner_product(x, hu, v)) == pytest.approx(
        float(manifold.inner_product(x, u, hv)), rel=1e-11, abs=1e-12 * scale
    )


@pytest.mark.parametrize("invariant", [False, True])
@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case[1] != "metric"))
def test_hessian_is_the_projected_derivative_of_the_gradient(name, invariant):
    """On a quotient too, for any cost: with ``grad f = P_x G``, ``P_x D(grad f)[u]`` is the
    Hessian's formula (for PSDFixedRankComplex the term ``−U Ω(Y, G)`` is then nonzero)."""
    manifold, cost, x, u, _ = setup(name, 0, invariant=invariant)
    t = 1e-5

    def embedded_gradient(point):
        return manifold.embedding(point, gradient(manifold, cost, point))

    difference = embedded_gradient(manifold.retraction(x, t * u)) - embedded_gradient(manifold.retraction(x, -t * u))
    expected = manifold.projection(x, difference / (2 * t))
    got = hessian(manifold, cost, x, u)
    assert np.linalg.norm(got - expected) < 1e-7 * max(1.0, float(np.linalg.norm(got)))


@pytest.mark.parametrize("name", ["complex-circle", "unitary-k2", "psd-fixed-rank-complex"])
def test_closed_form_cost_derivatives_match_autograd_in_pymanopts_convention(name):
    """G = conj(autograd's gradient) (pymanopt's convention; riemgd.Problem's), and H[u]
    is the derivative of G along u."""
    manifold, cost, x, u, _ = setup(name, 3)
    problem = riemgd.Problem(manifold, cost.cost)
    np.testing.assert_allclose(problem.euclidean_gradient(x), cost.gradient(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.conj(autograd.grad(cost.cost)(x)), cost.gradient(x), rtol=1e-12, atol=1e-12)
    u = manifold.embedding(x, u)
    h = 1e-6
    derivative = (cost.gradient(x + h * u) - cost.gradient(x - h * u)) / (2 * h)
    np.testing.assert_allclose(cost.hessian(x, u), derivative, rtol=1e-7, atol=1e-7)
