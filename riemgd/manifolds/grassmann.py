"""The Grassmann manifold ``Gr(n, p)`` of ``p``-dimensional subspaces of ``R^n``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import orthonormal_factor
from riemgd.manifolds.base import Manifold, check_shape
from riemgd.manifolds.stiefel import Stiefel


class Grassmann(Manifold):
    """Subspaces represented by orthonormal bases ``X`` (``XᵀX = I``), with
    horizontal tangent vectors ``XᵀU = 0`` and the induced metric.

    * ``P_{T_X} U = U − X XᵀU``
    * ``R_X(U) = qf(X + U)``
    * ``exp_X(U) = X V cos(Σ) Vᵀ + W sin(Σ) Vᵀ`` for ``U = W Σ Vᵀ``
    * ``dist(X, Y) = ‖θ‖₂``, ``θ`` the principal angles between the subspaces.

    Args:
        n: Dimension of the ambient space.
        p: Dimension of the subspaces, ``1 ≤ p ≤ n``.
    """

    def __init__(self, n: int, p: int):
        if not (int(n) == n and int(p) == p and 1 <= p <= n):
            raise ValueError(f"n and p must be integers with 1 ≤ p ≤ n, got n={n}, p={p}")
        self._n, self._p = int(n), int(p)
        self._stiefel = Stiefel(n, p)
        super().__init__(f"Grassmann manifold Gr({n}, {p})", self._p * (self._n - self._p))

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self._p)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        shape = (self._n, self._p)
        check_shape(point, shape, "point")
        check_shape(vector, shape, "vector")
        return vector - point @ (point.T @ vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, (self._n, self._p), "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        shape = (self._n, self._p)
        check_shape(point, shape, "point")
        check_shape(tangent_vector, shape, "tangent_vector")
        return orthonormal_factor(point + tangent_vector)

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """Projection transport ``P_{T_b} u``."""
        check_shape(tangent_vector_a, (self._n, self._p), "tangent_vector_a")
        return self.projection(point_b, tangent_vector_a)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(point, tangent_vector)
        w, s, vt = xp.linalg.svd(tangent_vector, full_matrices=False)
        y = (point @ vt.T) * xp.cos(s) @ vt + (w * xp.sin(s)) @ vt
        return orthonormal_factor(y)

    def log(self, point_a: Any, point_b: Any) -> Any:
        # With YᵀX invertible: (Y (XᵀY)⁻¹ − X) = W tan(Σ) Vᵀ, and log = W Σ Vᵀ.
        xp = backend.namespace(point_a, point_b)
        ytx = point_b.T @ point_a
        b = xp.linalg.solve(ytx, point_b.T - ytx @ point_a.T).T
        w, s, vt = xp.linalg.svd(b, full_matrices=False)
        return (w * xp.atan(s)) @ vt

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def zero_vector(self, point: Any) -> Any:
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return self._stiefel.random_point(rng=rng)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal((self._n, self._p)), point)
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        self._stiefel.check_point(point, name=name, atol=atol)
