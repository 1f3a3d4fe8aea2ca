"""The Stiefel manifold ``St(n, p) = {X ∈ R^{n×p} : XᵀX = I_p}``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import orthonormal_factor, sym
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance

_RETRACTIONS = ("qr", "polar")


class Stiefel(Manifold):
    """Orthonormal ``n × p`` frames with the metric induced by ``R^{n×p}``.

    * ``P_{T_X} U = U − X sym(XᵀU)``
    * ``R_X(U) = qf(X + U)`` (the Q factor with positive diagonal of R), or
      ``R_X(U) = W Vᵀ`` from the SVD ``X + U = W Σ Vᵀ`` (polar retraction)
    * transport by projection.

    Args:
        n: Number of rows.
        p: Number of columns, ``1 ≤ p ≤ n``.
        retraction: ``"qr"`` (default) or ``"polar"``.
    """

    def __init__(self, n: int, p: int, *, retraction: str = "qr"):
        if not (int(n) == n and int(p) == p and 1 <= p <= n):
            raise ValueError(f"n and p must be integers with 1 ≤ p ≤ n, got n={n}, p={p}")
        if retraction not in _RETRACTIONS:
            raise ValueError(f"retraction must be one of {_RETRACTIONS}, got {retraction!r}")
        self._n, self._p, self._retraction = int(n), int(p), retraction
        dim = self._n * self._p - self._p * (self._p + 1) // 2
        super().__init__(f"Stiefel manifold St({n}, {p}) with {retraction} retraction", dim)

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self._p)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        shape = (self._n, self._p)
        check_shape(point, shape, "point")
        check_shape(vector, shape, "vector")
        return vector - point @ sym(point.T @ vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, (self._n, self._p), "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        shape = (self._n, self._p)
        check_shape(point, shape, "point")
        check_shape(tangent_vector, shape, "tangent_vector")
        y = point + tangent_vector
        if self._retraction == "qr":
            return orthonormal_factor(y)
        xp = backend.namespace(y)
        w, _, vt = xp.linalg.svd(y, full_matrices=False)
        return w @ vt

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """Projection transport ``P_{T_b} u``."""
        check_shape(tangent_vector_a, (self._n, self._p), "tangent_vector_a")
        return self.projection(point_b, tangent_vector_a)

    def zero_vector(self, point: Any) -> Any:
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return orthonormal_factor(backend.default_rng(rng).standard_normal((self._n, self._p)))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal((self._n, self._p)), point)
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self._n, self._p), name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(point.T @ point - xp.eye(self._p, dtype=point.dtype))))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have orthonormal columns (XᵀX = I), got max |XᵀX − I| = {defect:.3g}")
