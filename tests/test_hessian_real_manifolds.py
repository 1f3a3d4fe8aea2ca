"""``euclidean_to_riemannian_hessian`` of the real manifolds, checked independently of its formula.

The cost is a random quadratic-plus-cubic polynomial of the ambient coordinates
(``f(Y) = F(YYᵀ)`` on the elliptope, whose quotient needs ``f(YQ) = f(Y)``);
autograd gives ``∇f`` and the Hessian-vector product ``∇²f[u]``. Three checks:

* embedded submanifolds with the induced metric: ``Hess f(x)[u] =
  P_x[(grad f(c(t)) − grad f(c(−t)))/(2t)] + O(t²)`` along the retraction ``c(t) = R_x(t u)``;
* every manifold: the second-order Taylor remainder along a geodesic (or, on
  the elliptope, the second-order retraction)
  ``f(γ(t)) − f(x) − t⟨grad f, u⟩ − t²/2 ⟨Hess f[u], u⟩`` is ``O(t³)``
  (slope 3; a wrong Hessian leaves slope 2);
* every manifold: ``⟨Hess f[u], v⟩_x = ⟨u, Hess f[v]⟩_x``.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import riemgd

# name: (manifold, embedded with the induced metric?)
CASES = {
    "symmetric": (lambda: riemgd.Symmetric(3, 2), True),
    "skew-symmetric": (lambda: riemgd.SkewSymmetric(4), True),
    "oblique": (lambda: riemgd.Oblique(4, 3), True),
    "sphere-subspace": (
        lambda: riemgd.SphereSubspaceIntersection(np.random.default_rng(1).standard_normal((6, 3))),
        True,
    ),
    "sphere-subspace-complement": (
        lambda: riemgd.SphereSubspaceComplementIntersection(np.random.default_rng(2).standard_normal((6, 2))),
        True,
    ),
    "elliptope": (lambda: riemgd.Elliptope(5, 3), True),
    "positive": (lambda: riemgd.Positive(2, 3, k=2), False),
    "poincare": (lambda: riemgd.PoincareBall(4), False),
    "poincare-stack": (lambda: riemgd.PoincareBall(3, k=2), False),
}


def polynomial_cost(manifold, seed):
    """``f = ½ wᵀSw + bᵀw + (dᵀw)³`` of ``w = vec(x)`` (``w = vec(YYᵀ)`` on the elliptope),
    with its autograd gradient and Hessian-vector product."""
    rng = np.random.default_rng(seed)
    x0 = manifold.random_point(rng=rng)
    invariant = isinstance(manifold, riemgd.Elliptope)
    size = x0.shape[0] ** 2 if invariant else x0.size
    s = rng.standard_normal((size, size))
    s, b, d = (s + s.T) / 2, rng.standard_normal(size), rng.standard_normal(size) / np.sqrt(size)

    def cost(x):
        w = anp.reshape(x @ x.T if invariant else x, (-1,))
        return 0.5 * w @ s @ w + b @ w + (d @ w) ** 3

    gradient = autograd.grad(cost)
    hessian = autograd.grad(lambda x, u: anp.sum(gradient(x) * u))
    return cost, gradient, hessian


def riemannian(manifold, gradient, hessian):
    def grad(x):
        return manifold.euclidean_to_riemannian_gradient(x, gradient(x))

    def hess(x, u):
        return manifold.euclidean_to_riemannian_hessian(x, gradient(x), hessian(x, u), u)

    return grad, hess


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(name for name, (_, embedded) in CASES.items() if embedded))
def test_hessian_is_the_projected_derivative_of_the_gradient(name, seed):
    manifold = CASES[name][0]()
    _, gradient, hessian = polynomial_cost(manifold, seed)
    grad, hess = riemannian(manifold, gradient, hessian)
    rng = np.random.default_rng(100 + seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    t = 1e-4
    difference = (grad(manifold.retraction(x, t * u)) - grad(manifold.retraction(x, -t * u))) / (2 * t)
    expected = manifold.projection(x, difference)
    got = hess(x, u)
    assert np.linalg.norm(got - expected) <= 1e-6 * np.linalg.norm(expected)
    # the Weingarten (curvature) term matters here: the projected Euclidean Hessian alone is far off
    if name not in ("symmetric", "skew-symmetric"):
        assert np.linalg.norm(manifold.projection(x, hessian(x, u)) - expected) > 1e-3 * np.linalg.norm(expected)


def _curve(manifold):
    """A curve with ``γ(0) = x``, ``γ'(0) = u`` and ``d²/dt² f(γ(t))|₀ = ⟨Hess f[u], u⟩``:
    the exponential map, or on the elliptope its (second-order) metric-projection retraction."""
    try:
        manifold.exp(manifold.random_point(rng=0), manifold.random_tangent_vector(manifold.random_point(rng=0), rng=0))
    except NotImplementedError:
        return manifold.retraction
    return manifold.exp


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_taylor_remainder_is_cubic(name, seed):
    manifold = CASES[name][0]()
    cost, gradient, hessian = polynomial_cost(manifold, seed)
    grad, hess = riemannian(manifold, gradient, hessian)
    rng = np.random.default_rng(200 + seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    curve = _curve(manifold)
    slope_1 = float(manifold.inner_product(x, grad(x), u))
    slope_2 = float(manifold.inner_product(x, hess(x, u), u))
    # the remainder must stand above the round-off of the costs it is the difference of: where the
    # third-order term is small (dᵀu ≈ 0 by chance on a flat space, where the remainder is exactly
    # (dᵀtu)³), the same four halvings start ten times further out
    round_off = 1e3 * np.finfo(float).eps * max(abs(cost(x)), 1.0)
    for start in (0.04, 0.4, 4.0):
        steps = start * 0.5 ** np.arange(4)
        remainders = np.array(
            [abs(cost(curve(x, t * u)) - cost(x) - t * slope_1 - 0.5 * t**2 * slope_2) for t in steps]
        )
        if remainders.min() > round_off:
            break
    slope = np.polyfit(np.log(steps), np.log(remainders), 1)[0]
    assert 2.8 < slope < 3.2, f"remainders {remainders} at steps {steps}"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_hessian_is_self_adjoint(name, seed):
    manifold = CASES[name][0]()
    _, gradient, hessian = polynomial_cost(manifold, seed)
    _, hess = riemannian(manifold, gradient, hessian)
    rng = np.random.default_rng(300 + seed)
    x = manifold.random_point(rng=rng)
    u, v = manifold.random_tangent_vector(x, rng=rng), manifold.random_tangent_vector(x, rng=rng)
    huv = float(manifold.inner_product(x, hess(x, u), v))
    uhv = float(manifold.inner_product(x, u, hess(x, v)))
    assert huv == pytest.approx(uhv, rel=1e-10, abs=1e-12)
