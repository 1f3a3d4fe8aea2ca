"""The elliptope: rank-``k`` correlation matrices ``X = YYᵀ`` as a quotient of the oblique manifold."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import positive_int
from riemgd.manifolds._stacked import rowwise_inner
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class Elliptope(Manifold):
    """``{X = YYᵀ : Y ∈ R^{n×k}, rank Y = k, X_ii = 1}`` represented by ``Y``, whose
    rows ``y_i`` have unit norm, modulo ``Y ~ YQ`` for orthogonal ``Q``
    (pymanopt's ``Elliptope``; the geometry of Journée, Bach, Absil & Sepulchre 2010).

    The total space is the oblique manifold of unit-norm rows with the metric
    ``⟨U, V⟩ = tr(UᵀV)``. Tangent vectors are horizontal lifts: ``⟨y_i, u_i⟩ = 0``
    for every row and ``YᵀU`` symmetric (orthogonal to the vertical space
    ``{YΩ : Ω = −Ωᵀ}``).

    * ``P_Y Z = η − Y Ω``: ``η = Z − diag(⟨y_i, z_i⟩) Y`` (rows), and the skew
      ``Ω`` solving the Lyapunov equation ``(YᵀY) Ω + Ω (YᵀY) = Yᵀη − ηᵀY``
      (by an eigendecomposition of the ``k × k`` matrix ``YᵀY``)
    * ``grad f = P_Y ∇f``; ``Hess f[U] = P_Y(∇²f[U] − diag(⟨y_i, ∇f_i⟩) U)``
      (the horizontal part of the oblique Hessian; Absil et al. 2008, Prop. 5.3.4)
    * ``R_Y(U)``: the rows of ``Y + U`` normalized; transport by projection.

    The cost ``f`` must be invariant, ``f(YQ) = f(Y)``, for the quotient's
    gradient and Hessian to be defined; the formulas above are then exact.
    Neither ``exp``, ``log`` nor ``dist`` has a closed form.

    Differences from pymanopt: pymanopt 2.2.1's ``projection`` solves the
    Lyapunov equation with the opposite sign (and the unprojected ``Z`` in
    ``ZᵀY``), so its result is not horizontal and its vertical part has the
    wrong sign; riemgd's is the orthogonal projection. Both agree after a
    horizontal projection (``P_Y`` of pymanopt's result is riemgd's), so
    pymanopt's ``euclidean_to_riemannian_hessian`` projected again is riemgd's.
    riemgd's gradient is the full projection ``P_Y ∇f``, pymanopt's only
    normalizes rows; for invariant costs the two coincide. pymanopt's ``exp``
    is the retraction with a warning; riemgd raises ``NotImplementedError``.

    Args:
        n: Size of ``X`` (rows of ``Y``).
        k: Rank (columns of ``Y``), ``2 ≤ k ≤ n``.
    """

    def __init__(self, n: int, k: int):
        n = positive_int(n, "n")
        k = positive_int(k, "k", minimum=2)
        if k > n:
            raise ValueError(f"k must be at most n for Y to have rank k, got n={n}, k={k}")
        self._shape = (n, k)
        self._k = k
        super().__init__(
            f"Quotient manifold of {n}x{n} psd matrices of rank {k} with unit diagonal elements",
            n * (k - 1) - k * (k - 1) // 2,
        )

    @property
    def typical_dist(self) -> float:
        return 10.0 * self._k

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        xp = backend.namespace(point, vector)
        eta = vector - point * rowwise_inner(point, vector)
        eigenvalues, basis = xp.linalg.eigh(point.T @ point)
        # Ω = V [(Vᵀ C V)_ij / (λ_i + λ_j)] Vᵀ solves (YᵀY)Ω + Ω(YᵀY) = C for YᵀY = V diag(λ) Vᵀ
        c = point.T @ eta
        c = basis.T @ (c - c.T) @ basis
        omega = basis @ (c / (eigenvalues[:, None] + eigenvalues[None, :])) @ basis.T
        return eta - point @ omega

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(Y)[U] = P_Y(∇²f(Y)[U] − diag(⟨y_i, ∇f(Y)_i⟩) U)``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return self.projection(point, euclidean_hessian - tangent_vector * rowwise_inner(point, euclidean_gradient))

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return _normalize_rows(point + tangent_vector)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return _normalize_rows(backend.default_rng(rng).standard_normal(self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        return self._projected_unit_normal(point, self._shape, rng)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(xp.sqrt(rowwise_inner(point, point)) - 1.0)))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have unit-norm rows, got max |‖y_i‖ − 1| = {defect:.3g}")
        eigenvalues = xp.linalg.eigvalsh(point.T @ point)
        if backend.to_float(eigenvalues[0]) <= 1e3 * point_tolerance(0.0, point) * backend.to_float(eigenvalues[-1]):
            raise ValueError(f"{name} must have rank k = {self._k} (YᵀY is singular)")


def _normalize_rows(a: Any) -> Any:
    return a / backend.namespace(a).sqrt(rowwise_inner(a, a))
