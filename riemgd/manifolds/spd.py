"""Symmetric positive-definite matrices with the affine-invariant metric."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import (
    check_copies,
    cholesky_factor,
    orthonormal_factor,
    row,
    solve_lower,
    stack_shape,
    sym,
    symmetric_function,
    transpose,
)
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class SymmetricPositiveDefinite(Manifold):
    """``SPD(n)`` with the affine-invariant metric ``⟨A, B⟩_X = tr(X⁻¹ A X⁻¹ B)``.

    Every formula is evaluated through the Cholesky factor ``X = L Lᵀ`` (never
    an inverse), writing ``Ã = L⁻¹ A L⁻ᵀ``:

    * ``⟨A, B⟩_X = tr(Ã B̃)``; ``P_{T_X} U = sym(U)``; Riemannian gradient ``X sym(∇f) X``
    * ``Hess f(X)[U] = X sym(∇²f(X)[U]) X + sym(U sym(∇f(X)) X)`` (pymanopt's and
      manopt's formula, from the Levi-Civita connection of this metric)
    * ``R_X(U) = X + U + ½ U X⁻¹ U`` (second order, always SPD)
    * ``exp_X(U) = L expm(Ũ) Lᵀ``, ``log_X(Y) = L logm(Ỹ) Lᵀ``, ``dist(X, Y) = ‖logm(Ỹ)‖_F``
    * transport: parallel transport along the geodesic, ``U ↦ E U Eᵀ`` with
      ``E = (Y X⁻¹)^{1/2} = L Ỹ^{1/2} L⁻¹`` (isometric).

    With ``k > 1`` the manifold is ``SPD(n)^k``, points of shape ``(k, n, n)``
    (pymanopt's layout), every formula batched over the copies (one stacked
    Cholesky factorization and one stacked solve, no loop).

    Differences from pymanopt: ``transport`` is the parallel transport above,
    where pymanopt returns the vector unchanged (not an isometry of this
    metric); ``random_point`` draws eigenvalues ``exp(N(0, 1))`` (pymanopt:
    uniform in ``[1, 2]``). The other formulas agree.

    Args:
        n: Size of the matrices.
        k: Number of copies (default 1).
    """

    def __init__(self, n: int, *, k: int = 1):
        if not (int(n) == n and n >= 1):
            raise ValueError(f"n must be a positive integer, got {n}")
        k = check_copies(k)
        self._n, self._k = int(n), k
        self._shape = stack_shape(k, self._n, self._n)
        power = "" if k == 1 else f", {k} copies"
        super().__init__(
            f"Manifold of {n}x{n} SPD matrices (affine-invariant metric{power})", k * self._n * (self._n + 1) // 2
        )

    # Ã = L⁻¹ A L⁻ᵀ for X = L Lᵀ
    @staticmethod
    def _congruence(factor: Any, a: Any) -> Any:
        y = solve_lower(factor, a)
        return solve_lower(factor, transpose(y))

    @staticmethod
    def _factor(point: Any) -> Any:
        factor = cholesky_factor(point)
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
        check_shape(vector, self._shape, "vector")
        return sym(vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return point @ sym(euclidean_gradient) @ point

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = X sym(∇²f(X)[U]) X + sym(U sym(∇f(X)) X)``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point @ sym(euclidean_hessian) @ point + sym(tangent_vector @ sym(euclidean_gradient) @ point)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        w = solve_lower(self._factor(point), tangent_vector)
        return sym(point + tangent_vector) + 0.5 * sym(transpose(w) @ w)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(point)
        factor = self._factor(point)
        return sym(factor @ symmetric_function(self._congruence(factor, tangent_vector), xp.exp) @ transpose(factor))

    def log(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a)
        factor = self._factor(point_a)
        return sym(factor @ symmetric_function(self._congruence(factor, point_b), xp.log) @ transpose(factor))

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        eigenvalues = xp.linalg.eigvalsh(sym(self._congruence(self._factor(point_a), point_b)))
        return xp.sqrt(xp.sum(xp.log(eigenvalues) ** 2))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        xp = backend.namespace(point_a, point_b)
        factor = self._factor(point_a)
        root = symmetric_function(sym(self._congruence(factor, point_b)), xp.sqrt)
        # E = L Ỹ^{1/2} L⁻¹, so E U Eᵀ = L Ỹ^{1/2} Ũ Ỹ^{1/2} Lᵀ with Ũ = L⁻¹ U L⁻ᵀ.
        inner = root @ self._congruence(factor, tangent_vector_a) @ root
        return sym(factor @ inner @ transpose(factor))

    @property
    def typical_dist(self) -> float:
        return float(np.sqrt(self.dim))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        generator = backend.default_rng(rng)
        q = orthonormal_factor(generator.standard_normal(self._shape))
        eigenvalues = np.exp(generator.standard_normal(self._shape[:-1]))
        return sym((q * (eigenvalues if self._k == 1 else row(eigenvalues))) @ transpose(q))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = sym(backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point))
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        scale = max(1.0, backend.to_float(xp.max(xp.abs(point))))
        asymmetry = backend.to_float(xp.max(xp.abs(point - transpose(point))))
        if asymmetry > point_tolerance(atol, point) * scale:
            raise ValueError(f"{name} must be symmetric, got max |X − Xᵀ| = {asymmetry:.3g}")
        if cholesky_factor(point) is None:
            raise ValueError(f"{name} must be positive definite (its Cholesky factorization failed)")
