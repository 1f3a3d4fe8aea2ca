"""Linear spaces of (stacks of) symmetric and skew-symmetric matrices."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import positive_int, skew, stack_shape, sym
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class _MatrixSubspace(Manifold):
    """A linear subspace ``S ⊂ R^{(k×)n×n}`` with the Frobenius metric: flat, so
    ``R_x(u) = exp_x(u) = x + u``, ``log_x(y) = y − x``, transport is the identity,
    and the Riemannian gradient and Hessian are the orthogonal projections
    ``P_S ∇f(x)`` and ``P_S ∇²f(x)[u]``."""

    tangent_coordinates = True  # every tangent space is S itself
    _kind = ""

    def __init__(self, n: int, k: int, dimension: int, name: str):
        self._n, self._k = n, k
        self._shape = stack_shape(k, n, n)
        super().__init__(name, dimension)

    @staticmethod
    def _part(a: Any) -> Any:
        raise NotImplementedError

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self.dim)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, self._shape, "vector")
        return self._part(vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self._part(euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(x)[u] = P_S ∇²f(x)[u]`` (the space is flat)."""
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        return self._part(euclidean_hessian)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point + tangent_vector

    exp = retraction

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return point_b - point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The midpoint ``(a + b)/2``."""
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return 0.5 * (point_a + point_b)

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """The identity (parallel transport of a flat space)."""
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        return tangent_vector_a

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return self._part(backend.default_rng(rng).standard_normal(self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = self._part(backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point))
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        scale = max(1.0, backend.to_float(xp.max(xp.abs(point))))
        defect = backend.to_float(xp.max(xp.abs(point - self._part(point))))
        if defect > point_tolerance(atol, point) * scale:
            raise ValueError(f"{name} must be {self._kind}, got a defect max |X − P(X)| = {defect:.3g}")


class Symmetric(_MatrixSubspace):
    """Symmetric ``n × n`` matrices (``k`` of them stacked as ``(k, n, n)`` when
    ``k > 1``), a Riemannian submanifold of ``R^{n×n}`` (pymanopt's ``Symmetric``).

    * ``⟨A, B⟩ = tr(AᵀB)``; ``P U = sym(U) = (U + Uᵀ)/2``
    * ``grad f = sym(∇f)``, ``Hess f[U] = sym(∇²f[U])``
    * ``R_X(U) = exp_X(U) = X + U``, ``dist(X, Y) = ‖Y − X‖_F``, identity transport.

    Differences from pymanopt: ``to_tangent_space`` is ``sym`` (pymanopt 2.2.1's
    alias is bound to its base class's identity projection).

    Args:
        n: Number of rows and columns.
        k: Number of matrices in the product (``k ≥ 1``).
    """

    _kind = "symmetric (X = Xᵀ)"

    def __init__(self, n: int, k: int = 1):
        n, k = positive_int(n, "n"), positive_int(k, "k")
        copies = f"{k} " if k > 1 else ""
        super().__init__(n, k, k * n * (n + 1) // 2, f"Manifold of {copies}{n}x{n} symmetric matrices")

    _part = staticmethod(sym)


class SkewSymmetric(_MatrixSubspace):
    """Skew-symmetric ``n × n`` matrices (``k`` of them stacked as ``(k, n, n)``
    when ``k > 1``), a Riemannian submanifold of ``R^{n×n}`` (pymanopt's ``SkewSymmetric``).

    * ``⟨A, B⟩ = tr(AᵀB)``; ``P U = skew(U) = (U − Uᵀ)/2``
    * ``grad f = skew(∇f)``, ``Hess f[U] = skew(∇²f[U])``
    * ``R_X(U) = exp_X(U) = X + U``, ``dist(X, Y) = ‖Y − X‖_F``, identity transport.

    Differences from pymanopt: ``to_tangent_space`` is ``skew`` (pymanopt 2.2.1's
    alias is bound to its base class's identity projection); ``n = 1`` (the
    zero-dimensional space ``{0}``) is refused with a ``ValueError``, where
    pymanopt accepts it and then cannot draw a unit tangent vector.

    Args:
        n: Number of rows and columns (``n ≥ 2``).
        k: Number of matrices in the product (``k ≥ 1``).
    """

    _kind = "skew-symmetric (X = −Xᵀ)"

    def __init__(self, n: int, k: int = 1):
        n, k = positive_int(n, "n", minimum=2), positive_int(k, "k")
        copies = f"{k} " if k > 1 else ""
        super().__init__(n, k, k * n * (n - 1) // 2, f"Manifold of {copies}{n}x{n} skew-symmetric matrices")

    _part = staticmethod(skew)
