"""The unit sphere ``S = {x : ‖x‖ = 1}`` in ``R^{n1 × n2 × …}``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class Sphere(Manifold):
    """Unit sphere with the metric induced by the Frobenius inner product.

    * ``P_{T_x} u = u − ⟨x, u⟩ x``
    * ``R_x(u) = (x + u) / ‖x + u‖``
    * ``exp_x(u) = cos(‖u‖) x + sin(‖u‖) u / ‖u‖``, ``dist(x, y) = arccos⟨x, y⟩``
    * ``Hess f(x)[u] = P_{T_x}(∇²f(x)[u]) − ⟨x, ∇f(x)⟩ u`` (the Weingarten map of
      the sphere, Absil, Mahony & Trumpf 2013; pymanopt's formula)
    * ``pair_mean(x, y) = (x + y)/‖x + y‖``, the geodesic midpoint
    * transport by projection.

    Differences from pymanopt: ``dist`` is evaluated as ``2 arcsin(‖x − y‖/2)``,
    equal to pymanopt's ``arccos⟨x, y⟩`` but accurate for nearby points (arccos
    loses half the digits there); ``log`` is ``dist/‖P_x(y − x)‖ · P_x(y − x)``
    without pymanopt's ``+ ε`` in numerator and denominator (which perturbs it
    by ``ε/‖P_x(y − x)‖`` relative).

    Args:
        *shape: Shape of a point: ``Sphere(n)`` for vectors, ``Sphere(m, n)``
            for matrices of unit Frobenius norm.
    """

    def __init__(self, *shape: int):
        if not shape or any(int(n) != n or n < 1 for n in shape) or math.prod(shape) < 2:
            raise ValueError(f"shape must be positive integers with at least 2 entries in all, got {shape}")
        self._shape = tuple(int(n) for n in shape)
        super().__init__(f"Sphere in R^{'x'.join(map(str, self._shape))}", math.prod(self._shape) - 1)

    @property
    def typical_dist(self) -> float:
        return math.pi

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        return vector - backend.inner(point, vector) * point

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(x)[u] = P_{T_x}(∇²f(x)[u]) − ⟨x, ∇f(x)⟩ u``."""
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return self.projection(point, euclidean_hessian) - backend.inner(point, euclidean_gradient) * tangent_vector

    def euclidean_to_riemannian_hessian_at(self, point: Any, euclidean_gradient: Any) -> Any:
        """``(∇²f(x)[u], u) ↦ P_{T_x}(∇²f(x)[u]) − ⟨x, ∇f(x)⟩ u``, with ``⟨x, ∇f(x)⟩`` computed once."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        shape, curvature = self._shape, backend.inner(point, euclidean_gradient)

        def product(euclidean_hessian: Any, tangent_vector: Any) -> Any:
            check_shape(euclidean_hessian, shape, "euclidean_hessian")
            check_shape(tangent_vector, shape, "tangent_vector")
            return euclidean_hessian - backend.inner(point, euclidean_hessian) * point - curvature * tangent_vector

        return product

    def weingarten(self, point: Any, tangent_vector: Any, normal_vector: Any) -> Any:
        """The Weingarten map ``W_x(u, n) = −⟨x, n⟩ u`` for a normal vector ``n`` (pymanopt's method)."""
        check_shape(tangent_vector, self._shape, "tangent_vector")
        check_shape(normal_vector, self._shape, "normal_vector")
        return -backend.inner(point, normal_vector) * tangent_vector

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        y = point + tangent_vector
        return y / self._frobenius(y)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(point, tangent_vector)
        t = self._frobenius(tangent_vector)
        if backend.to_float(t) == 0.0:
            return point
        return xp.cos(t) * point + (xp.sin(t) / t) * tangent_vector

    def log(self, point_a: Any, point_b: Any) -> Any:
        u = self.projection(point_a, point_b - point_a)
        length = self._frobenius(u)
        if backend.to_float(length) == 0.0:
            return u
        return (self.dist(point_a, point_b) / length) * u

    def dist(self, point_a: Any, point_b: Any) -> Any:
        # 2·arcsin(‖a − b‖/2) equals arccos⟨a, b⟩ but stays accurate for close points.
        xp = backend.namespace(point_a, point_b)
        chord = self._frobenius(point_a - point_b)
        return 2.0 * xp.asin(xp.clip(chord / 2.0, 0.0, 1.0))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        y = point_a + point_b
        return y / self._frobenius(y)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        x = backend.default_rng(rng).standard_normal(self._shape)
        return x / np.linalg.norm(x)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = self.projection(
            point, backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point)
        )
        return u / self._frobenius(u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        norm = backend.to_float(self._frobenius(point))
        if abs(norm - 1.0) > point_tolerance(atol, point):
            raise ValueError(f"{name} must have unit norm to lie on the sphere, got norm {norm:.6g}")

    @staticmethod
    def _frobenius(x: Any) -> Any:
        return backend.namespace(x).sqrt(backend.inner(x, x))
