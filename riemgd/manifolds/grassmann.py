"""The Grassmann manifold ``Gr(n, p)`` of ``p``-dimensional subspaces of ``R^n``, and its powers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import check_copies, orthonormal_factor, row, stack_shape, transpose
from riemgd.manifolds.base import Manifold, check_shape
from riemgd.manifolds.stiefel import Stiefel


class Grassmann(Manifold):
    """Subspaces represented by orthonormal bases ``X`` (``XᵀX = I``), with
    horizontal tangent vectors ``XᵀU = 0`` and the induced metric (the
    quotient ``St(n, p)/O(p)``).

    * ``P_{T_X} U = U − X XᵀU``
    * ``R_X(U) = qf(X + U)``
    * ``Hess f(X)[U] = P_{T_X}(∇²f(X)[U]) − U Xᵀ∇f(X)`` (Absil, Mahony & Sepulchre
      2008; pymanopt's formula)
    * ``exp_X(U) = X V cos(Σ) Vᵀ + W sin(Σ) Vᵀ`` for ``U = W Σ Vᵀ``
    * ``log_X(Y) = W atan(Σ) Vᵀ`` for ``Y (XᵀY)⁻¹ − X = W Σ Vᵀ``
    * ``dist(X, Y) = ‖θ‖₂``, ``θ`` the principal angles between the subspaces.

    With ``k > 1`` the manifold is ``Gr(n, p)^k``, points of shape ``(k, n, p)``
    (pymanopt's layout), every formula batched over the copies.

    Differences from pymanopt: the retraction is ``qf(X + U)``, where
    pymanopt's is the polar factor of ``X + U``; both span the same subspace
    (the same point of the Grassmannian), with different bases. ``dist`` is
    ``‖log_X(Y)‖`` (pymanopt: ``‖arccos σ(XᵀY)‖``, the same angles, which
    arccos loses to ``√ε`` for nearby subspaces).

    Args:
        n: Dimension of the ambient space.
        p: Dimension of the subspaces, ``1 ≤ p ≤ n``.
        k: Number of copies (default 1).
    """

    #: ``Xᵀ``; the complex Grassmann manifold, whose formulas these are with ``Xᴴ``, overrides it
    _adjoint = staticmethod(transpose)

    def __init__(self, n: int, p: int, *, k: int = 1):
        if not (int(n) == n and int(p) == p and 1 <= p <= n):
            raise ValueError(f"n and p must be integers with 1 ≤ p ≤ n, got n={n}, p={p}")
        k = check_copies(k)
        self._n, self._p, self._k = int(n), int(p), k
        self._shape = stack_shape(k, self._n, self._p)
        self._stiefel = Stiefel(n, p, k=k)
        power = "" if k == 1 else f"^{k}"
        super().__init__(f"Grassmann manifold Gr({n}, {p}){power}", k * self._p * (self._n - self._p))

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self._p * self._k)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        return vector - point @ (self._adjoint(point) @ vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = P_{T_X}(∇²f(X)[U]) − U (Xᵀ∇f(X))`` for a cost invariant under
        ``X → XQ`` (the second term is horizontal already: ``XᵀU = 0``)."""
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return self.projection(point, euclidean_hessian) - tangent_vector @ (self._adjoint(point) @ euclidean_gradient)

    def euclidean_to_riemannian_hessian_at(self, point: Any, euclidean_gradient: Any) -> Any:
        """``(∇²f(X)[U], U) ↦ P_{T_X}(∇²f(X)[U]) − U (Xᵀ∇f(X))``, with ``Xᵀ∇f(X)`` computed once."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        shape, xt = self._shape, self._adjoint(point)
        weight = xt @ euclidean_gradient

        def product(euclidean_hessian: Any, tangent_vector: Any) -> Any:
            check_shape(euclidean_hessian, shape, "euclidean_hessian")
            check_shape(tangent_vector, shape, "tangent_vector")
            return euclidean_hessian - point @ (xt @ euclidean_hessian) - tangent_vector @ weight

        return product

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return orthonormal_factor(point + tangent_vector)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        xp = backend.namespace(point, tangent_vector)
        w, s, vt = xp.linalg.svd(tangent_vector, full_matrices=False)
        y = (point @ transpose(vt)) * row(xp.cos(s)) @ vt + (w * row(xp.sin(s))) @ vt
        return orthonormal_factor(y)

    def log(self, point_a: Any, point_b: Any) -> Any:
        # With YᵀX invertible: (Y (XᵀY)⁻¹ − X) = W tan(Σ) Vᵀ, and log = W Σ Vᵀ.
        xp = backend.namespace(point_a, point_b)
        ytx = transpose(point_b) @ point_a
        b = transpose(xp.linalg.solve(ytx, transpose(point_b) - ytx @ transpose(point_a)))
        w, s, vt = xp.linalg.svd(b, full_matrices=False)
        return (w * row(xp.atan(s))) @ vt

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return self._stiefel.random_point(rng=rng)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        return self._projected_unit_normal(point, self._shape, rng)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        self._stiefel.check_point(point, name=name, atol=atol)
