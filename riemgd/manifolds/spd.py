"""Symmetric positive-definite matrices with the affine-invariant metric."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import orthonormal_factor, sym, symmetric_function
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class SymmetricPositiveDefinite(Manifold):
    """``SPD(n)`` with the affine-invariant metric ``⟨A, B⟩_X = tr(X⁻¹ A X⁻¹ B)``.

    Every formula is evaluated through the Cholesky factor ``X = L Lᵀ`` (never
    an inverse), writing ``Ã = L⁻¹ A L⁻ᵀ``:

    * ``⟨A, B⟩_X = tr(Ã B̃)``; ``P_{T_X} U = sym(U)``; Riemannian gradient ``X sym(∇f) X``
    * ``R_X(U) = X + U + ½ U X⁻¹ U`` (second order, always SPD)
    * ``exp_X(U) = L expm(Ũ) Lᵀ``, ``log_X(Y) = L logm(Ỹ) Lᵀ``, ``dist(X, Y) = ‖logm(Ỹ)‖_F``
    * transport: parallel transport along the geodesic, ``U ↦ E U Eᵀ`` with
      ``E = (Y X⁻¹)^{1/2} = L Ỹ^{1/2} L⁻¹`` (isometric).

    Args:
        n: Size of the matrices.
    """

    def __init__(self, n: int):
        if not (int(n) == n and n >= 1):
            raise ValueError(f"n must be a positive integer, got {n}")
        self._n = int(n)
        super().__init__(f"Manifold of {n}x{n} SPD matrices (affine-invariant metric)", self._n * (self._n + 1) // 2)

    # Ã = L⁻¹ A L⁻ᵀ for X = L Lᵀ
    @staticmethod
    def _congruence(factor: Any, a: Any) -> Any:
        y = backend.solve_triangular(factor, a, lower=True)
        return backend.solve_triangular(factor, y.T, lower=True)

    @staticmethod
    def _factor(point: Any) -> Any:
        factor = backend.cholesky(point)
        if factor is None:
            raise ValueError("point is not positive definite (its Cholesky factorization failed)")
        return factor

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        factor = self._factor(point)
        a = self._congruence(factor, tangent_vector_a)
        if tangent_vector_b is tangent_vector_a:
            return backend.inner(a, a)
        return backend.inner(a, self._congruence(factor, tangent_vector_b))

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, (self._n, self._n), "vector")
        return sym(vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(point, (self._n, self._n), "point")
        check_shape(euclidean_gradient, (self._n, self._n), "euclidean_gradient")
        return point @ sym(euclidean_gradient) @ point

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, (self._n, self._n), "point")
        check_shape(tangent_vector, (self._n, self._n), "tangent_vector")
        w = backend.solve_triangular(self._factor(point), tangent_vector, lower=True)
        return sym(point + tangent_vector) + 0.5 * sym(w.T @ w)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(point)
        factor = self._factor(point)
        return sym(factor @ symmetric_function(self._congruence(factor, tangent_vector), xp.exp) @ factor.T)

    def log(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a)
        factor = self._factor(point_a)
        return sym(factor @ symmetric_function(self._congruence(factor, point_b), xp.log) @ factor.T)

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        eigenvalues = xp.linalg.eigvalsh(sym(self._congruence(self._factor(point_a), point_b)))
        return xp.sqrt(xp.sum(xp.log(eigenvalues) ** 2))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        check_shape(tangent_vector_a, (self._n, self._n), "tangent_vector_a")
        xp = backend.namespace(point_a, point_b)
        factor = self._factor(point_a)
        root = symmetric_function(sym(self._congruence(factor, point_b)), xp.sqrt)
        # E = L Ỹ^{1/2} L⁻¹, so E U Eᵀ = L Ỹ^{1/2} Ũ Ỹ^{1/2} Lᵀ with Ũ = L⁻¹ U L⁻ᵀ.
        inner = root @ self._congruence(factor, tangent_vector_a) @ root
        return sym(factor @ inner @ factor.T)

    def zero_vector(self, point: Any) -> Any:
        return backend.namespace(point).zeros_like(point)

    @property
    def typical_dist(self) -> float:
        return float(np.sqrt(self.dim))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        generator = backend.default_rng(rng)
        q = orthonormal_factor(generator.standard_normal((self._n, self._n)))
        return sym((q * np.exp(generator.standard_normal(self._n))) @ q.T)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = sym(backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal((self._n, self._n)), point))
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self._n, self._n), name)
        xp = backend.namespace(point)
        scale = max(1.0, backend.to_float(xp.max(xp.abs(point))))
        asymmetry = backend.to_float(xp.max(xp.abs(point - point.T)))
        if asymmetry > point_tolerance(atol, point) * scale:
            raise ValueError(f"{name} must be symmetric, got max |X − Xᵀ| = {asymmetry:.3g}")
        if backend.cholesky(point) is None:
            raise ValueError(f"{name} must be positive definite (its Cholesky factorization failed)")
