"""Complex Euclidean space ``C^{n1 × n2 × …}`` with the real inner product ``Re tr(Aᴴ B)``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import check_integer, complex_normal
from riemgd.manifolds.base import Manifold, check_complex_array, check_shape


class ComplexEuclidean(Manifold):
    """The flat space of complex arrays of a given shape, seen as a real vector
    space of dimension ``2 n1 n2 …`` (pymanopt's ``ComplexEuclidean``).

    * ``⟨A, B⟩ = Re Σ conj(A_ij) B_ij = Re tr(Aᴴ B)``
    * ``P_T = I``, ``R_x(u) = exp_x(u) = x + u``, ``log_x(y) = y − x``,
      ``dist(x, y) = ‖y − x‖``, transport the identity, ``pair_mean = (x + y)/2``
    * Riemannian gradient = Euclidean gradient, Riemannian Hessian = Euclidean
      Hessian, where the Euclidean gradient of a real cost ``f`` is the complex
      array ``∂f/∂Re z + i ∂f/∂Im z`` (pymanopt's convention; riemgd's
      :class:`~riemgd.Problem` forms it from autograd).

    Args:
        *shape: Shape of a point, e.g. ``ComplexEuclidean(3)`` or ``ComplexEuclidean(4, 2)``.

    Differences from pymanopt: ``zero_vector`` is complex (pymanopt's is a
    real array); a shape of no entries raises ``ValueError`` (pymanopt: ``TypeError``).
    """

    tangent_coordinates = True  # tangent vectors are coordinates in one space

    def __init__(self, *shape: int):
        if not shape:
            raise ValueError("shape must be one or more positive integers, got ()")
        self._shape = tuple(check_integer(n, "every entry of shape") for n in shape)
        super().__init__(f"Complex Euclidean space C^{'x'.join(map(str, self._shape))}", 2 * math.prod(self._shape))

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
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        return euclidean_hessian

    def ambient_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return euclidean_gradient

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point + tangent_vector

    exp = retraction

    def log(self, point_a: Any, point_b: Any) -> Any:
        return point_b - point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, point_b - point_a)

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The midpoint ``(a + b)/2``."""
        return 0.5 * (point_a + point_b)

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        return tangent_vector_a

    def zero_vector(self, point: Any) -> Any:
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return complex_normal(backend.default_rng(rng), self._shape)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), self._shape), point)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, self._shape, name)
