"""The affine-invariant geometry of positive-definite matrices, written once for
the real symmetric (:class:`~riemgd.SymmetricPositiveDefinite`) and the complex
Hermitian case (:class:`~riemgd.HermitianPositiveDefinite`).

With ``X = L Lᴴ`` (Cholesky, never an inverse) and ``Ã = L⁻¹ A L⁻ᴴ``:

* ``⟨A, B⟩_X = Re tr(Ã B̃)``; ``P_X(V) = herm(V)``; gradient ``X herm(∇f) X``
* ``Hess f(X)[U] = X herm(∇²f(X)[U]) X + herm(U herm(∇f(X)) X)`` (pymanopt's and
  manopt's formula, from the Levi-Civita connection of this metric)
* ``R_X(U) = herm(X + U + ½ U X⁻¹ U)`` (second order, always positive definite;
  Jeuris, Vandebril & Vandereycken 2012)
* ``exp_X(U) = L expm(Ũ) Lᴴ``, ``log_X(Y) = L logm(Ỹ) Lᴴ``, ``dist(X, Y) = ‖logm(Ỹ)‖_F``
* transport: parallel transport along the geodesic, ``U ↦ E U Eᴴ``,
  ``E = (Y X⁻¹)^{1/2} = L Ỹ^{1/2} L⁻¹`` (isometric),

where ``ᴴ`` is the transpose on real matrices and ``herm(A) = (A + Aᴴ)/2``. A
subclass says which: ``_adjoint``, ``_factor`` (the Cholesky factor) and
``_solve`` (``L⁻¹ A``).
"""

from __future__ import annotations

from typing import Any

from riemgd import backend
from riemgd.manifolds.base import Manifold, check_shape


class AffineInvariant(Manifold):
    """The formulas of the module docstring; ``_shape`` is set by the subclass."""

    _shape: tuple[int, ...]

    @staticmethod
    def _adjoint(a: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def _factor(point: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def _solve(factor: Any, a: Any) -> Any:
        raise NotImplementedError

    def _part(self, a: Any) -> Any:
        """``herm(A) = (A + Aᴴ)/2``."""
        return 0.5 * (a + self._adjoint(a))

    def _function(self, a: Any, fun: Any) -> Any:
        """``f(A) = Q diag(f(λ)) Qᴴ`` for ``A = Q diag(λ) Qᴴ`` (``eigh``)."""
        xp = backend.namespace(a)
        eigenvalues, q = xp.linalg.eigh(a)
        return (q * xp.astype(fun(eigenvalues), q.dtype)[..., None, :]) @ self._adjoint(q)

    def _congruence(self, factor: Any, a: Any) -> Any:
        """``Ã = L⁻¹ A L⁻ᴴ = L⁻¹ (L⁻¹ A)ᴴ`` for a self-adjoint ``A``."""
        return self._solve(factor, self._adjoint(self._solve(factor, a)))

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        factor = self._factor(point)
        a = self._congruence(factor, tangent_vector_a)
        if tangent_vector_b is tangent_vector_a:
            return backend.inner(a, a)
        return backend.inner(a, self._congruence(factor, tangent_vector_b))

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, self._shape, "vector")
        return self._part(vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return point @ self._part(euclidean_gradient) @ point

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = X herm(∇²f(X)[U]) X + herm(U herm(∇f(X)) X)``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        curvature = self._part(tangent_vector @ self._part(euclidean_gradient) @ point)
        return point @ self._part(euclidean_hessian) @ point + curvature

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        w = self._solve(self._factor(point), tangent_vector)  # U X⁻¹ U = (L⁻¹U)ᴴ (L⁻¹U)
        return self._part(point + tangent_vector + 0.5 * (self._adjoint(w) @ w))

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        factor = self._factor(point)
        exponential = self._function(self._part(self._congruence(factor, tangent_vector)), xp.exp)
        return self._part(factor @ exponential @ self._adjoint(factor))

    def log(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        factor = self._factor(point_a)
        logarithm = self._function(self._part(self._congruence(factor, point_b)), xp.log)
        return self._part(factor @ logarithm @ self._adjoint(factor))

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        eigenvalues = xp.linalg.eigvalsh(self._part(self._congruence(self._factor(point_a), point_b)))
        return xp.sqrt(xp.sum(xp.log(eigenvalues) ** 2))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """Parallel transport along the geodesic from ``a`` to ``b``: ``E U Eᴴ``,
        ``E = L Ỹ^{1/2} L⁻¹``, so ``E U Eᴴ = L Ỹ^{1/2} Ũ Ỹ^{1/2} Lᴴ``."""
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        xp = backend.namespace(point_a, point_b)
        factor = self._factor(point_a)
        root = self._function(self._part(self._congruence(factor, point_b)), xp.sqrt)
        inner = root @ self._congruence(factor, tangent_vector_a) @ root
        return self._part(factor @ inner @ self._adjoint(factor))
