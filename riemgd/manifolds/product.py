"""Cartesian products of manifolds, ``M₁ × M₂ × …``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds.base import Manifold


class ProductVector(tuple):
    """A point or tangent vector of a :class:`Product`: a tuple that supports
    the linear-space arithmetic optimizers use (``a + b``, ``a − b``, ``s·a``,
    ``a/s``, ``−a``), component by component."""

    # Let numpy scalars defer to ProductVector.__rmul__ instead of broadcasting.
    __array_ufunc__ = None

    # Component by component; type(self): a subclass with named components
    # (FixedRankTangentVector) keeps its names. List comprehensions rather than a
    # generator and a lambda per component: optimizers call these in their inner
    # loops, where that overhead costs more than the arithmetic on small factors.
    def __add__(self, other: Any) -> ProductVector:
        return type(self)([a + b for a, b in zip(self, other, strict=False)])

    def __sub__(self, other: Any) -> ProductVector:
        return type(self)([a - b for a, b in zip(self, other, strict=False)])

    def __mul__(self, scalar: Any) -> ProductVector:
        return type(self)([a * scalar for a in self])

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> ProductVector:
        return type(self)([a / scalar for a in self])

    def __neg__(self) -> ProductVector:
        return type(self)([-a for a in self])

    def __pos__(self) -> ProductVector:
        return self


class Product(Manifold):
    """Product manifold with the sum metric ``⟨u, v⟩ = Σᵢ ⟨uᵢ, vᵢ⟩_{Mᵢ}``;
    every operation acts component by component.

    Points and tangent vectors are :class:`ProductVector` tuples (any tuple or
    list is accepted as input). ``euclidean_to_riemannian_hessian``,
    ``pair_mean`` and ``to_tangent_space`` also act factor by factor.

    Differences from pymanopt: points and tangent vectors are tuples
    (pymanopt: lists); the formulas are the factors' own.

    Args:
        manifolds: The factors ``M₁, M₂, …`` (at least one).
    """

    def __init__(self, manifolds: Sequence[Manifold]):
        manifolds = tuple(manifolds)
        if not manifolds:
            raise ValueError("manifolds must contain at least one manifold")
        for i, m in enumerate(manifolds):
            if isinstance(m, Product):
                raise ValueError(f"manifolds[{i}] is itself a Product; flatten nested products")
        self.manifolds = manifolds
        name = "Product manifold: " + " x ".join(str(m) for m in manifolds)
        layout = tuple(m.point_layout for m in manifolds)
        super().__init__(name, sum(m.dim for m in manifolds), point_layout=layout)

    @property
    def typical_dist(self) -> float:
        return math.sqrt(sum(m.typical_dist**2 for m in self.manifolds))

    def _each(self, method: str, *args: Any, **kwargs: Any) -> ProductVector:
        k = len(self.manifolds)
        for position, a in enumerate(args):
            # zip would silently drop the factors of a shorter tuple
            if not isinstance(a, (tuple, list)) or len(a) != k:
                got = f"{len(a)} components" if isinstance(a, (tuple, list)) else type(a).__name__
                raise ValueError(
                    f"argument {position + 1} of {method} must be a sequence of {k} arrays, one per factor, got {got}"
                )
        return ProductVector(getattr(m, method)(*(a[i] for a in args), **kwargs) for i, m in enumerate(self.manifolds))

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return sum(self._each("inner_product", point, tangent_vector_a, tangent_vector_b))

    def norm(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(*tangent_vector)
        return xp.sqrt(self.inner_product(point, tangent_vector, tangent_vector))

    def projection(self, point: Any, vector: Any) -> ProductVector:
        return self._each("projection", point, vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> ProductVector:
        return self._each("euclidean_to_riemannian_gradient", point, euclidean_gradient)

    def to_tangent_space(self, point: Any, vector: Any) -> ProductVector:
        return self._each("to_tangent_space", point, vector)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> ProductVector:
        """``Hess f(x)[u]``, factor by factor: the cost's cross terms are already in the
        Euclidean ``∇²f(x)[u]``, and each factor's curvature term involves only that
        factor's parts of ``∇f(x)`` and ``u`` (the sum metric has no mixed terms)."""
        return self._each(
            "euclidean_to_riemannian_hessian", point, euclidean_gradient, euclidean_hessian, tangent_vector
        )

    def ambient_gradient(self, point: Any, euclidean_gradient: Any) -> ProductVector:
        return self._each("ambient_gradient", point, euclidean_gradient)

    def retraction(self, point: Any, tangent_vector: Any) -> ProductVector:
        return self._each("retraction", point, tangent_vector)

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> ProductVector:
        return self._each("transport", point_a, point_b, tangent_vector_a)

    def exp(self, point: Any, tangent_vector: Any) -> ProductVector:
        return self._each("exp", point, tangent_vector)

    def log(self, point_a: Any, point_b: Any) -> ProductVector:
        return self._each("log", point_a, point_b)

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(*point_a)
        return xp.sqrt(sum(d**2 for d in self._each("dist", point_a, point_b)))

    def pair_mean(self, point_a: Any, point_b: Any) -> ProductVector:
        return self._each("pair_mean", point_a, point_b)

    def embed(self, point: Any) -> ProductVector:
        return self._each("embed", point)

    def embedding(self, point: Any, tangent_vector: Any) -> ProductVector:
        return self._each("embedding", point, tangent_vector)

    def zero_vector(self, point: Any) -> ProductVector:
        return self._each("zero_vector", point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> ProductVector:
        generator = backend.default_rng(rng)
        return ProductVector(m.random_point(rng=generator) for m in self.manifolds)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> ProductVector:
        generator = backend.default_rng(rng, stream=1)
        u = ProductVector(
            m.random_tangent_vector(x, rng=generator) for m, x in zip(self.manifolds, point, strict=False)
        )
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        if not isinstance(point, (tuple, list)) or len(point) != len(self.manifolds):
            raise ValueError(f"{name} must be a sequence of {len(self.manifolds)} points, got {type(point).__name__}")
        for i, (m, x) in enumerate(zip(self.manifolds, point, strict=False)):
            m.check_point(x, name=f"{name}[{i}]", atol=atol)
