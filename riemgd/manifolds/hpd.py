"""Hermitian positive-definite matrices with the affine-invariant metric, and
the submanifold of those with unit determinant."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._affine_invariant import AffineInvariant
from riemgd.manifolds._complex import complex_normal, hconj, herm, trace, unitary_factor
from riemgd.manifolds._matrix import positive_int, stack_shape
from riemgd.manifolds.base import check_complex_array, check_shape, point_tolerance


class HermitianPositiveDefinite(AffineInvariant):
    """``HPD(n)`` with the affine-invariant metric ``⟨A, B⟩_X = Re tr(X⁻¹ A X⁻¹ B)``
    (pymanopt's ``HermitianPositiveDefinite``; Bhatia 2007, ch. 6). Tangent
    vectors are Hermitian matrices; with ``k > 1`` a point is a stack of shape
    ``(k, n, n)`` and the metric sums over the stack.

    Every formula goes through the Cholesky factor ``X = L Lᴴ`` (never an
    inverse), writing ``Ã = L⁻¹ A L⁻ᴴ`` for Hermitian ``A`` (the formulas of
    :class:`~riemgd.SymmetricPositiveDefinite` with ``ᴴ`` for ``ᵀ``,
    ``riemgd.manifolds._affine_invariant``):

    * ``⟨A, B⟩_X = Re tr(Ã B̃)``; ``P_X(V) = herm(V) = (V + Vᴴ)/2``
    * Riemannian gradient ``X herm(∇f) X``; Hessian
      ``X herm(∇²f(X)[U]) X + herm(U herm(∇f) X)`` (pymanopt's formula)
    * ``R_X(U) = herm(X + U + ½ U X⁻¹ U)`` (second order, always HPD; Jeuris,
      Vandebril & Vandereycken 2012)
    * ``exp_X(U) = L expm(Ũ) Lᴴ``, ``log_X(Y) = L logm(Ỹ) Lᴴ``,
      ``dist(X, Y) = ‖logm(Ỹ)‖_F = (Σ log² λ_i(Ỹ))^{1/2}``
    * transport: parallel transport along the geodesic, ``U ↦ E U Eᴴ`` with
      ``E = (Y X⁻¹)^{1/2} = L Ỹ^{1/2} L⁻¹`` (isometric).

    Args:
        n: Size of the matrices.
        k: Number of copies in the product (keyword, as in pymanopt).

    Differences from pymanopt: transport is parallel transport (pymanopt's is
    the identity, a non-isometric vector transport; riemgd's
    :class:`~riemgd.SymmetricPositiveDefinite` transports in parallel too);
    ``dim`` is the real dimension ``k n²`` of the Hermitian matrices (pymanopt
    2.2.1 reports ``k n(n + 1)``), so ``typical_dist = √dim`` differs as well.
    """

    _kind = "Hermitian positive definite"
    _constraints = 0  # real equations beyond X = Xᴴ (one per copy for SHPD: det X = 1)

    def __init__(self, n: int, *, k: int = 1):
        self._n, self._k = positive_int(n, "n"), positive_int(k, "k")
        self._shape = stack_shape(self._k, self._n, self._n)
        copies = f"Product manifold of {self._k} " if self._k > 1 else "Manifold of "
        name = f"{copies}{self._kind} {self._n}x{self._n} matrices (affine-invariant metric)"
        super().__init__(name, self._k * (self._n**2 - self._constraints))

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self.dim)

    _adjoint = staticmethod(hconj)

    # X = L Lᴴ, and Ã = L⁻¹ A L⁻ᴴ = L⁻¹ (L⁻¹ A)ᴴ for Hermitian A. The array library's own
    # cholesky and solve, batched over a stack: for numpy, no scipy call between numpy products
    # (the two OpenBLAS thread pools fight, see riemgd.backend; measured 15 ms for a 3 × 3
    # scipy triangular solve between numpy products on a loaded machine).
    @staticmethod
    def _factor(point: Any) -> Any:
        xp = backend.namespace(point)
        try:
            factor = xp.linalg.cholesky(point)
        except Exception:  # each library raises its own LinAlgError
            factor = None
        if factor is None or not backend.is_finite(factor):  # CuPy returns NaN instead of raising
            raise ValueError("point is not positive definite (its Cholesky factorization failed)")
        return factor

    @staticmethod
    def _solve(factor: Any, a: Any) -> Any:
        """``L⁻¹ A`` (a solve with the triangular ``L``, never its inverse)."""
        return backend.namespace(factor, a).linalg.solve(factor, a)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        generator = backend.default_rng(rng)
        q = unitary_factor(complex_normal(generator, self._shape))
        eigenvalues = np.exp(generator.standard_normal((*self._shape[:-2], 1, self._n)))
        return herm((q * eigenvalues) @ hconj(q))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = herm(backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), self._shape), point))
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, self._shape, name)
        xp = backend.namespace(point)
        scale = max(1.0, backend.to_float(xp.max(xp.abs(point))))
        asymmetry = backend.to_float(xp.max(xp.abs(point - hconj(point))))
        if asymmetry > point_tolerance(atol, point) * scale:
            raise ValueError(f"{name} must be Hermitian, got max |X − Xᴴ| = {asymmetry:.3g}")
        try:
            self._factor(point)
        except ValueError:
            raise ValueError(f"{name} must be positive definite (its Cholesky factorization failed)") from None


class SpecialHermitianPositiveDefinite(HermitianPositiveDefinite):
    """``SHPD(n) = {X ∈ HPD(n) : det X = 1}``, the Riemannian submanifold of
    :class:`HermitianPositiveDefinite` (same affine-invariant metric;
    pymanopt's ``SpecialHermitianPositiveDefinite``). Its tangent space is
    ``{U = Uᴴ : tr(X⁻¹U) = 0}``, and the normal space at ``X`` is spanned by
    ``X`` itself (``⟨X, U⟩_X = tr(X⁻¹U)``, ``⟨X, X⟩_X = n``):

    * ``P_X(V) = herm(V) − (Re tr(X⁻¹ herm(V)) / n) X``
    * gradient, Hessian, transport: those of HPD, projected by ``P_X``
    * ``R_X(U)`` and ``exp_X(U)``: those of HPD divided by ``det^{1/n}``
    * ``log``, ``dist``: those of HPD.

    SHPD is totally geodesic in HPD (``det`` of ``X^{1/2} expm(t X^{-1/2} U
    X^{-1/2}) X^{1/2}`` is ``exp(t tr(X⁻¹U)) = 1``), so its second fundamental
    form vanishes: the Riemannian Hessian is the HPD Hessian projected, parallel
    transport of HPD keeps SHPD tangent vectors tangent, and HPD's ``log``
    between two SHPD points is already tangent.

    Args:
        n: Size of the matrices.
        k: Number of copies in the product (keyword, as in pymanopt).

    Differences from pymanopt: pymanopt 2.2.1 has no
    ``euclidean_to_riemannian_hessian`` here (riemgd's is derived above);
    transport is parallel transport (pymanopt's the projection ``P_Y(herm(U))``);
    ``dim`` is ``k (n² − 1)`` (pymanopt reports ``k (n(n + 1) − 1)``).
    """

    _kind = "special Hermitian positive definite"
    _constraints = 1

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        hermitian = super().projection(point, vector)
        xp = backend.namespace(point, hermitian)
        # tr(X⁻¹W) = tr(W̃), W̃ = L⁻¹ W L⁻ᴴ
        normal = xp.real(trace(self._congruence(self._factor(point), hermitian))) / self._n
        return hermitian - xp.astype(normal, point.dtype)[..., None, None] * point

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        return self.projection(point, super().euclidean_to_riemannian_gradient(point, euclidean_gradient))

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        hessian = super().euclidean_to_riemannian_hessian(point, euclidean_gradient, euclidean_hessian, tangent_vector)
        return self.projection(point, hessian)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        return self._unit_determinant(super().retraction(point, tangent_vector))

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        return self._unit_determinant(super().exp(point, tangent_vector))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """Parallel transport of HPD (tangent to SHPD in exact arithmetic), projected
        onto ``T_b SHPD`` to remove the round-off."""
        return self.projection(point_b, super().transport(point_a, point_b, tangent_vector_a))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return self._unit_determinant(super().random_point(rng=rng))

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        super().check_point(point, name=name, atol=atol)
        log_det = backend.to_float(backend.namespace(point).max(abs(self._log_det(point))))
        if log_det > point_tolerance(atol, point) * self._n:
            raise ValueError(f"{name} must have unit determinant, got |log det X| = {log_det:.3g}")

    def _unit_determinant(self, point: Any) -> Any:
        """``X / det(X)^{1/n}`` (the determinant from ``slogdet``: no overflow for large ``n``)."""
        xp = backend.namespace(point)
        scale = xp.exp(self._log_det(point) / self._n)
        return point / xp.astype(scale, point.dtype)[..., None, None]

    @staticmethod
    def _log_det(point: Any) -> Any:
        xp = backend.namespace(point)
        return xp.linalg.slogdet(point)[1]
