"""``euclidean_to_riemannian_hessian`` against independent answers.

Two checks, neither using the formula under test:

* embedded manifolds with the induced metric (and Grassmann through its
  horizontal lift, SO(n) through its Lie-algebra coordinates): the Hessian is
  the tangent part of the derivative of the gradient field,
  ``Hess f(x)[u] ≈ P_x[(grad f(R_x(tu)) − grad f(R_x(−tu)))/(2t)]``, gradients
  taken as ambient vectors (``embedding``);
* every manifold: for a second-order retraction (``exp``, or the fixed-rank
  metric projection) the Hessian is the second derivative of the pullback,
  ``⟨Hess f(x)[u], v⟩ = ∂²/∂s∂t f(R_x(su + tv))|₀`` by central differences, and
  the Hessian is a symmetric operator on the tangent space.

The Euclidean gradient and Hessian-vector products come from autograd.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from conftest import tangent_residual

import riemgd


def _weights(shape, seed):
    return np.random.default_rng(100 + seed).standard_normal(shape)


def generic_cost(shape, seed=0):
    """A non-quadratic cost on the ambient space of arrays of ``shape``."""
    a, b, c = _weights(shape, seed), _weights(shape, seed + 1), _weights(shape, seed + 2)

    def cost(x):
        return anp.sum(anp.sin(a * x)) + 0.5 * anp.sum(b * x) ** 2 + anp.sum(c * x * x * x) / 3.0

    return cost


def gram_cost(n, seed=0):
    """A cost of the projector/Gram matrix ``X Xᵀ`` (``X ↦ XQ``-invariant), for the quotients."""
    a, c = _weights((n, n), seed), _weights((n, n), seed + 1)
    a = a + a.T

    def cost(x):
        gram = x @ anp.swapaxes(x, -1, -2)
        return anp.sum(anp.sin(a * gram)) + 0.25 * anp.sum(c * gram) ** 2

    return cost


def product_cost():
    """Per-factor costs plus a cross term coupling the sphere and the Euclidean factor."""
    sphere, spd, flat = generic_cost((3,)), generic_cost((2, 2), 1), generic_cost((2,), 2)
    w = _weights((3, 2), 3)

    def cost(x):
        return sphere(x[0]) + spd(x[1]) + flat(x[2]) + anp.sum(x[0] @ w * x[2])

    return cost


def euclidean_derivatives(cost):
    gradient = autograd.grad(cost)

    def hessian_vector(x, direction):
        if isinstance(x, tuple):
            return autograd.grad(lambda y: sum(anp.sum(g * d) for g, d in zip(gradient(y), direction, strict=True)))(x)
        return autograd.grad(lambda y: anp.sum(gradient(y) * direction))(x)

    return gradient, hessian_vector


class Setting:
    """A manifold, a cost on its ambient space (on ``embed(x)`` for the fixed-rank manifold)."""

    def __init__(self, manifold, cost, *, on_matrix=False):
        self.manifold, self.on_matrix = manifold, on_matrix
        self.ambient_cost = cost
        self.egrad, self.ehess = euclidean_derivatives(cost)

    def _args(self, x):
        if isinstance(x, riemgd.manifolds.ProductVector) and not self.on_matrix:
            return tuple(x)
        return self.manifold.embed(x) if self.on_matrix else x

    def cost(self, x):
        return float(self.ambient_cost(self._args(x)))

    def gradient(self, x):
        g = self.egrad(self._args(x))
        g = riemgd.manifolds.ProductVector(g) if isinstance(g, tuple) else g
        return self.manifold.euclidean_to_riemannian_gradient(x, g)

    def hessian(self, x, u):
        a = self._args(x)
        g = self.egrad(a)
        direction = self.manifold.embedding(x, u)
        h = self.ehess(a, tuple(direction) if isinstance(direction, tuple) else direction)
        if isinstance(g, tuple):
            g, h = riemgd.manifolds.ProductVector(g), riemgd.manifolds.ProductVector(h)
        return self.manifold.euclidean_to_riemannian_hessian(x, g, h, u)


SETTINGS = {
    "euclidean": lambda: Setting(riemgd.Euclidean(3, 2), generic_cost((3, 2))),
    "sphere": lambda: Setting(riemgd.Sphere(5), generic_cost((5,))),
    "sphere-matrix": lambda: Setting(riemgd.Sphere(3, 2), generic_cost((3, 2))),
    "stiefel-qr": lambda: Setting(riemgd.Stiefel(5, 3), generic_cost((5, 3))),
    "stiefel-polar": lambda: Setting(riemgd.Stiefel(5, 3, retraction="polar"), generic_cost((5, 3))),
    "stiefel-k2": lambda: Setting(riemgd.Stiefel(4, 2, k=2), generic_cost((2, 4, 2))),
    "grassmann": lambda: Setting(riemgd.Grassmann(5, 2), gram_cost(5)),
    "grassmann-k2": lambda: Setting(riemgd.Grassmann(4, 2, k=2), gram_cost(4)),
    "spd": lambda: Setting(riemgd.SymmetricPositiveDefinite(3), generic_cost((3, 3))),
    "spd-k2": lambda: Setting(riemgd.SymmetricPositiveDefinite(3, k=2), generic_cost((2, 3, 3))),
    "so-qr": lambda: Setting(riemgd.SpecialOrthogonalGroup(4), generic_cost((4, 4))),
    "so-polar-k2": lambda: Setting(riemgd.SpecialOrthogonalGroup(3, k=2, retraction="polar"), generic_cost((2, 3, 3))),
    "fixed-rank": lambda: Setting(riemgd.FixedRankEmbedded(5, 4, 2), generic_cost((5, 4)), on_matrix=True),
    "psd-fixed-rank": lambda: Setting(riemgd.PSDFixedRank(5, 2), gram_cost(5)),
    "product": lambda: Setting(
        riemgd.Product([riemgd.Sphere(3), riemgd.SymmetricPositiveDefinite(2), riemgd.Euclidean(2)]), product_cost()
    ),
}
# the embedded ones, where the Hessian is P_x of the derivative of the (ambient) gradient field
EMBEDDED = [
    "euclidean",
    "sphere",
    "sphere-matrix",
    "stiefel-qr",
    "stiefel-polar",
    "stiefel-k2",
    "grassmann",
    "grassmann-k2",
    "so-qr",
    "so-polar-k2",
    "fixed-rank",
]


def ambient_norm(v) -> float:
    if isinstance(v, tuple):
        return float(np.sqrt(sum(ambient_norm(p) ** 2 for p in v)))
    return float(np.linalg.norm(v))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", EMBEDDED)
def test_hessian_is_the_tangent_part_of_the_gradient_derivative(name, seed):
    setting = SETTINGS[name]()
    manifold = setting.manifold
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    t = 1e-4
    ahead, behind = manifold.retraction(x, t * u), manifold.retraction(x, -t * u)
    derivative = (
        manifold.embedding(ahead, setting.gradient(ahead)) - manifold.embedding(behind, setting.gradient(behind))
    ) / (2 * t)
    expected = manifold.projection(x, derivative)
    hessian = setting.hessian(x, u)
    assert tangent_residual(manifold, x, hessian) < 1e-12 * max(1.0, ambient_norm(hessian))
    assert ambient_norm(hessian - expected) <= 1e-6 * max(1.0, ambient_norm(expected))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_hessian_is_the_second_derivative_along_a_second_order_retraction(name, seed):
    setting = SETTINGS[name]()
    manifold = setting.manifold
    # exp, or for the fixed-rank manifold (no exp) its metric-projection retraction, second order too
    retract = manifold.retraction if isinstance(manifold, riemgd.FixedRankEmbedded) else manifold.exp
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u, v = (manifold.random_tangent_vector(x, rng=rng) for _ in range(2))
    hu, hv = setting.hessian(x, u), setting.hessian(x, v)
    assert tangent_residual(manifold, x, hu) < 1e-12 * max(1.0, ambient_norm(hu))
    h = 1e-3

    def f(a, b):
        return setting.cost(retract(x, a * u + b * v))

    along_u = (f(h, 0) - 2 * f(0, 0) + f(-h, 0)) / h**2
    mixed = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h**2)
    scale = max(1.0, float(manifold.norm(x, hu)))
    assert float(manifold.inner_product(x, hu, u)) == pytest.approx(along_u, abs=1e-5 * scale)
    assert float(manifold.inner_product(x, hu, v)) == pytest.approx(mixed, abs=1e-5 * scale)
    # a symmetric operator: ⟨Hess[u], v⟩ = ⟨u, Hess[v]⟩
    assert float(manifold.inner_product(x, hu, v)) == pytest.approx(
        float(manifold.inner_product(x, u, hv)), abs=1e-12 * scale
    )


def test_fixed_rank_hessian_refuses_factor_gradients():
    manifold = riemgd.FixedRankEmbedded(5, 4, 2)
    x = manifold.random_point(rng=0)
    u = manifold.random_tangent_vector(x, rng=0)
    factors = tuple(np.zeros(np.shape(p)) for p in x)
    with pytest.raises(TypeError, match="m x n Euclidean gradient"):
        manifold.euclidean_to_riemannian_hessian(x, factors, np.zeros((5, 4)), u)


@pytest.mark.parametrize(
    "manifold",
    [riemgd.Sphere(4), riemgd.Stiefel(4, 2, k=2), riemgd.SymmetricPositiveDefinite(2, k=3)],
    ids=str,
)
def test_hessian_conversion_rejects_a_wrong_shape(manifold):
    x = manifold.random_point(rng=0)
    u = manifold.random_tangent_vector(x, rng=0)
    wrong = np.zeros((7,))
    with pytest.raises(ValueError, match="euclidean_gradient must have shape"):
        manifold.euclidean_to_riemannian_hessian(x, wrong, u, u)
