"""Entrywise positive matrices with the log-Euclidean (bi-invariant) metric."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import positive_int, stack_shape
from riemgd.manifolds.base import Manifold, check_array, check_shape


def log_ratio(point_b: Any, point_a: Any) -> Any:
    """``log(b/a)`` entrywise, accurate to a few ulps in relative terms for every pair:
    ``log1p((b − a)/a)`` when ``b/a ∈ (½, 3/2)`` (``b − a`` is then exact, so even
    very close points keep their relative accuracy; ``log b − log a`` would cancel),
    ``log(b/a)`` otherwise (where ``(b − a)/a`` could round to ``−1``)."""
    xp = backend.namespace(point_a, point_b)
    relative = (point_b - point_a) / point_a
    close = xp.abs(relative) < 0.5
    zeros = xp.zeros_like(relative)
    ones = xp.ones_like(relative)
    return xp.where(close, xp.log1p(xp.where(close, relative, zeros)), xp.log(xp.where(close, ones, point_b / point_a)))


class Positive(Manifold):
    """Matrices with positive entries, ``(R₊)^{m×n}`` (``k`` of them stacked as
    ``(k, m, n)`` when ``k > 1``), with the metric of pymanopt's ``Positive``:
    each entry carries the metric of ``SPD(1)`` (Bhatia 2007, ch. 6; Boumal 2023, §11.4).

    * ``⟨U, V⟩_X = Σ_ij U_ij V_ij / X_ij²``; every matrix is tangent (``P = I``)
    * ``grad f = X ⊙ X ⊙ ∇f``; ``Hess f[U] = X ⊙ X ⊙ ∇²f[U] + U ⊙ X ⊙ ∇f``
      (the Christoffel symbol of ``g(x) = 1/x²`` is ``Γ = −1/x``)
    * ``R_X(U) = X + U + U ⊙ U ⊘ (2X)`` (second order, always positive;
      Jeuris, Vandebril & Vandereycken 2012)
    * ``exp_X(U) = X ⊙ exp(U ⊘ X)``, ``log_X(Y) = X ⊙ log(Y ⊘ X)``,
      ``dist(X, Y) = ‖log(Y ⊘ X)‖_F``, geodesic midpoint ``√(X ⊙ Y)``
    * transport: the identity (pymanopt's default "transporter", not
      isometric), or with ``use_parallel_transport=True`` the parallel transport
      ``U ↦ U ⊙ Y ⊘ X`` (Sra & Hosseini 2015).

    Differences from pymanopt: ``log`` and ``dist`` evaluate ``log(Y ⊘ X)`` by
    :func:`log_ratio` instead of ``log Y − log X`` (the same to round-off for
    distant points, relatively accurate for close ones); ``pair_mean`` is
    riemgd's addition.

    Args:
        m: Number of rows.
        n: Number of columns.
        k: Number of matrices in the product (keyword-only, as in pymanopt).
        use_parallel_transport: Use the parallel transport instead of the identity.
    """

    tangent_coordinates = True  # every tangent space is R^{m×n}

    def __init__(self, m: int, n: int, *, k: int = 1, use_parallel_transport: bool = False):
        m, n, k = positive_int(m, "m"), positive_int(n, "n"), positive_int(k, "k")
        if not isinstance(use_parallel_transport, bool):
            raise TypeError(f"use_parallel_transport must be a bool, got {use_parallel_transport!r}")
        self._shape = stack_shape(k, m, n)
        self._parallel = use_parallel_transport
        copies = f"{k} " if k > 1 else ""
        super().__init__(f"Manifold of {copies}positive {m}x{n} matrices", k * m * n)

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self.dim)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a / point, tangent_vector_b / point)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, self._shape, "vector")
        return vector

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return euclidean_gradient * point * point

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = X ⊙ X ⊙ ∇²f(X)[U] + U ⊙ X ⊙ ∇f(X)``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        return (euclidean_hessian * point + tangent_vector * euclidean_gradient) * point

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point + tangent_vector + 0.5 * tangent_vector * tangent_vector / point

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point * backend.namespace(point).exp(tangent_vector / point)

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return point_a * log_ratio(point_b, point_a)

    def dist(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        ratio = log_ratio(point_b, point_a)
        return backend.namespace(ratio).sqrt(backend.inner(ratio, ratio))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The geodesic midpoint ``√(a ⊙ b)`` (riemgd's addition; pymanopt has none here)."""
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return backend.namespace(point_a, point_b).sqrt(point_a * point_b)

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        if self._parallel:
            return tangent_vector_a * (point_b / point_a)
        return tangent_vector_a

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return np.exp(backend.default_rng(rng).standard_normal(self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point) * point
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        smallest = backend.to_float(xp.min(point))
        if smallest <= 0.0:
            raise ValueError(f"{name} must have positive entries, got a smallest entry {smallest:.3g}")
