"""Euclidean space ``R^{n1 × n2 × …}`` with the Frobenius inner product."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds.base import Manifold, check_array, check_shape


class Euclidean(Manifold):
    """The flat space of arrays of a given shape: ``P_T = I``, ``R_x(u) = x + u``,
    ``Hess f(x)[u] = ∇²f(x)[u]``, ``pair_mean(a, b) = (a + b)/2``.

    Differences from pymanopt: none in the formulas.

    Args:
        *shape: Shape of a point, e.g. ``Euclidean(3)`` or ``Euclidean(4, 2)``.
    """

    tangent_coordinates = True  # tangent vectors are coordinates in one space

    def __init__(self, *shape: int):
        if not shape or any(int(n) != n or n < 1 for n in shape):
            raise ValueError(f"shape must be one or more positive integers, got {shape}")
        self._shape = tuple(int(n) for n in shape)
        name = f"Euclidean space R^{'x'.join(map(str, self._shape))}"
        super().__init__(name, math.prod(self._shape))

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self.dim)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, self._shape, "vector")
        return vector

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return euclidean_gradient

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(x)[u] = ∇²f(x)[u]``: the flat metric has no curvature term."""
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        return euclidean_hessian

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point + tangent_vector

    exp = retraction

    def ambient_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return euclidean_gradient

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        return tangent_vector_a

    def log(self, point_a: Any, point_b: Any) -> Any:
        return point_b - point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, point_b - point_a)

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        return 0.5 * (point_a + point_b)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return backend.default_rng(rng).standard_normal(self._shape)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
