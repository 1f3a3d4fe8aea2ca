"""Symmetric positive-definite matrices with the affine-invariant metric."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._affine_invariant import AffineInvariant
from riemgd.manifolds._matrix import (
    check_copies,
    cholesky_factor,
    orthonormal_factor,
    row,
    solve_lower,
    stack_shape,
    sym,
    transpose,
)
from riemgd.manifolds.base import check_array, point_tolerance


class SymmetricPositiveDefinite(AffineInvariant):
    """``SPD(n)`` with the affine-invariant metric ``⟨A, B⟩_X = tr(X⁻¹ A X⁻¹ B)``.

    Every formula is evaluated through the Cholesky factor ``X = L Lᵀ`` (never
    an inverse), writing ``Ã = L⁻¹ A L⁻ᵀ`` (the formulas are shared with
    :class:`~riemgd.HermitianPositiveDefinite`, ``riemgd.manifolds._affine_invariant``):

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

    _adjoint = staticmethod(transpose)
    _solve = staticmethod(solve_lower)  # L⁻¹ A: the triangular solve (a stack: the stacked solve)

    @staticmethod
    def _factor(point: Any) -> Any:
        factor = cholesky_factor(point)
        if factor is None:
            raise ValueError("point is not positive definite (its Cholesky factorization failed)")
        return factor

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
