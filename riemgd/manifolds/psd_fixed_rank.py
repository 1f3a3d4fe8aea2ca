"""Positive-semidefinite ``n × n`` matrices of rank ``k`` as the quotient ``R_*^{n×k} / O(k)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import row, transpose
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance


class PSDFixedRank(Manifold):
    """Matrices ``X = Y Yᵀ`` of rank ``k``, represented by ``Y ∈ R^{n×k}`` of full
    column rank; ``Y`` and ``YQ`` (``Q ∈ O(k)``) are the same point. The quotient
    geometry of Journée, Bach, Absil & Sepulchre (2010), the Euclidean metric of
    ``R^{n×k}`` on the horizontal space ``H_Y = {U : YᵀU = UᵀY}``:

    * ``P_Y(Z) = Z − YΩ``, ``Ω`` skew with ``(YᵀY)Ω + Ω(YᵀY) = YᵀZ − ZᵀY`` (a Sylvester
      equation solved through the eigendecomposition ``YᵀY = Q Λ Qᵀ``:
      ``Ω = Q [(Qᵀ(YᵀZ − ZᵀY)Q)_ij / (λ_i + λ_j)] Qᵀ``)
    * ``grad f(Y) = P_Y(∇f(Y))``; ``Hess f(Y)[U] = P_Y(∇²f(Y)[U])``, for a cost with
      ``f(YQ) = f(Y)`` (the only costs defined on the quotient)
    * ``exp_Y(U) = R_Y(U) = Y + U`` (a horizontal line stays horizontal, so it is a
      geodesic of the quotient); ``log_Y(Z) = Z W Vᵀ − Y`` with ``ZᵀY = W Σ Vᵀ`` (``Z``
      rotated onto ``Y`` by Procrustes); ``dist = ‖log‖``
    * transport by projection, ``P_{Y_b}(U)``.

    :meth:`embed` gives ``Y`` (the total space ``R^{n×k}``), not ``Y Yᵀ``. The
    geometry breaks down where ``Y`` loses rank (:meth:`check_point` refuses such
    points).

    Differences from pymanopt: :meth:`euclidean_to_riemannian_gradient` projects
    ``∇f`` onto the horizontal space, where pymanopt returns ``∇f`` unchanged; the two
    agree when ``f(YQ) = f(Y)`` (then ``∇f`` is horizontal), and riemgd's is a tangent
    vector for any cost. The Sylvester equation is solved by an eigendecomposition of
    ``YᵀY`` (pymanopt: ``scipy.linalg.solve_continuous_lyapunov``), so any array
    namespace works.

    Args:
        n: Size of the matrices ``X``.
        k: The rank, ``1 ≤ k ≤ n``.
    """

    def __init__(self, n: int, k: int):
        if not (int(n) == n and int(k) == k and 1 <= k <= n):
            raise ValueError(f"n and k must be integers with 1 ≤ k ≤ n, got n={n}, k={k}")
        self._n, self._k = int(n), int(k)
        self._shape = (self._n, self._k)
        super().__init__(
            f"Quotient manifold of {n}x{n} psd matrices of rank {k}", self._k * self._n - self._k * (self._k - 1) // 2
        )

    @property
    def typical_dist(self) -> float:
        return 10.0 + self._k  # pymanopt's choice

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        """Horizontal projection ``Z − YΩ`` (see the class docstring)."""
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        xp = backend.namespace(point, vector)
        ytz = transpose(point) @ vector
        eigenvalues, q = xp.linalg.eigh(transpose(point) @ point)
        rotated = transpose(q) @ (ytz - transpose(ytz)) @ q
        omega = q @ (rotated / (eigenvalues[:, None] + row(eigenvalues))) @ transpose(q)
        return vector - point @ omega

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``P_Y(∇²f(Y)[U])`` (an ``O(k)``-invariant cost has a horizontal ``∇f``, whose
        derivative along a horizontal ``U`` needs no correction once projected)."""
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        return self.projection(point, euclidean_hessian)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point + tangent_vector

    exp = retraction

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        w, _, vt = backend.namespace(point_a, point_b).linalg.svd(transpose(point_b) @ point_a)
        return point_b @ (w @ vt) - point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return backend.default_rng(rng).standard_normal(self._shape)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        return self._projected_unit_normal(point, self._shape, rng)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        singular_values = xp.linalg.svdvals(point)
        largest, smallest = backend.to_float(xp.max(singular_values)), backend.to_float(xp.min(singular_values))
        if smallest <= point_tolerance(atol, point) * max(largest, 1.0):
            raise ValueError(
                f"{name} must have full column rank {self._k} (Y Yᵀ of rank k), got singular values down to "
                f"{smallest:.3g} (largest {largest:.3g})"
            )
