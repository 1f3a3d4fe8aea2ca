"""The oblique manifold: matrices with unit-norm columns."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import positive_int
from riemgd.manifolds._stacked import rowwise_inner, safe_ratio
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class Oblique(Manifold):
    """``OB(m, n) = {X ∈ R^{m×n} : ‖x_j‖ = 1 for every column x_j}``, the product of
    ``n`` spheres ``S^{m−1}``, with the metric induced by ``R^{m×n}`` (pymanopt's ``Oblique``).

    Column by column, with ``x_j, u_j`` the ``j``-th columns of ``X, U``:

    * ``P_X U = U − X diag(⟨x_j, u_j⟩)``; ``grad f = P_X ∇f``
    * ``Hess f[U] = P_X ∇²f[U] − U diag(⟨x_j, ∇f_j⟩)`` (the sphere's Weingarten map)
    * ``R_X(U)``: the columns of ``X + U`` normalized; transport by projection
    * ``exp``: ``cos(‖u_j‖) x_j + sin(‖u_j‖) u_j / ‖u_j‖``;
      ``dist(X, Y) = (Σ_j θ_j²)^{1/2}`` with ``θ_j = 2 arcsin(‖x_j − y_j‖/2)``
    * ``pair_mean``: the columns of ``X + Y`` normalized.

    Differences from pymanopt: the column angles are ``2 arcsin(‖x_j − y_j‖/2)``
    (the same as pymanopt's ``arccos⟨x_j, y_j⟩`` to round-off, but accurate for
    close columns, and never the NaN of an unclipped ``arccos`` of ``1 + ε``);
    ``log`` returns exactly 0 for equal columns instead of pymanopt's ε-regularized ratio.

    Args:
        m: Number of rows (``m ≥ 2``).
        n: Number of columns.
    """

    def __init__(self, m: int, n: int):
        m, n = positive_int(m, "m", minimum=2), positive_int(n, "n")
        self._shape = (m, n)
        self._n = n
        super().__init__(f"Oblique manifold OB({m},{n})", (m - 1) * n)

    @property
    def typical_dist(self) -> float:
        return math.pi * math.sqrt(self._n)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        return vector - point * rowwise_inner(point, vector, axis=0)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = P_X ∇²f(X)[U] − U diag(⟨x_j, ∇f(X)_j⟩)``."""
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return self.projection(point, euclidean_hessian) - tangent_vector * rowwise_inner(
            point, euclidean_gradient, axis=0
        )

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return _normalize_columns(point + tangent_vector)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        angles = _column_norms(tangent_vector)
        return xp.cos(angles) * point + safe_ratio(xp.sin(angles), angles, 1.0) * tangent_vector

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_b, self._shape, "point_b")
        u = self.projection(point_a, point_b - point_a)
        return safe_ratio(_column_angles(point_a, point_b), _column_norms(u), 0.0) * u

    def dist(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        angles = _column_angles(point_a, point_b)
        return backend.namespace(angles).sqrt(backend.inner(angles, angles))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The columns of ``a + b`` normalized (the geodesic midpoint of each column pair)."""
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return _normalize_columns(point_a + point_b)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return _normalize_columns(backend.default_rng(rng).standard_normal(self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        return self._projected_unit_normal(point, self._shape, rng)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(_column_norms(point) - 1.0)))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have unit-norm columns, got max |‖x_j‖ − 1| = {defect:.3g}")


def _column_norms(a: Any) -> Any:
    """``‖a_j‖`` for every column, as a ``(1, n)`` row."""
    return backend.namespace(a).sqrt(rowwise_inner(a, a, axis=0))


def _normalize_columns(a: Any) -> Any:
    return a / _column_norms(a)


def _column_angles(point_a: Any, point_b: Any) -> Any:
    """``θ_j = 2 arcsin(‖a_j − b_j‖/2)`` (= ``arccos⟨a_j, b_j⟩``, accurate for close columns)."""
    xp = backend.namespace(point_a, point_b)
    return 2.0 * xp.asin(xp.clip(_column_norms(point_a - point_b) / 2.0, 0.0, 1.0))
