"""Hermitian positive-semidefinite ``n × n`` matrices of rank ``k``, ``X = Y Yᴴ``,
as the quotient ``C_*^{n×k} / U(k)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import complex_normal, hconj
from riemgd.manifolds._matrix import positive_int
from riemgd.manifolds.base import Manifold, check_complex_array, check_shape


class PSDFixedRankComplex(Manifold):
    """Rank-``k`` Hermitian PSD matrices ``X = Y Yᴴ`` represented by full-rank
    factors ``Y ∈ C^{n×k}``, with ``Y ~ YQ`` for unitary ``Q``: the Riemannian
    quotient of ``C^{n×k}`` (metric ``⟨A, B⟩ = Re tr(Aᴴ B)``) by ``U(k)``
    (pymanopt's ``PSDFixedRankComplex``; Yatawatta 2013; Journée, Bach, Absil &
    Sepulchre 2010). Tangent vectors are horizontal lifts: ``YᴴU`` is Hermitian,
    the orthogonal complement of the vertical space ``{YΩ : Ωᴴ = −Ω}``.

    * ``P_Y(V) = V − YΩ`` with ``Ω`` solving the Lyapunov equation
      ``(YᴴY)Ω + Ω(YᴴY) = YᴴV − VᴴY``, solved through ``YᴴY = Q diag(μ) Qᴴ``:
      ``Ω = Q [(Qᴴ S Q)_ij / (μ_i + μ_j)] Qᴴ``
    * Riemannian gradient ``P_Y(G)``, Hessian ``P_Y(∇²f(Y)[U] − U Ω(Y, G))``,
      ``G = ∇f(Y)``, ``Ω(Y, G)`` the Lyapunov solution for ``V = G``
    * ``R_Y(U) = exp_Y(U) = Y + U`` (a horizontal line stays horizontal, so it
      projects to a geodesic of the quotient while the rank stays ``k``)
    * ``log_Y(Z) = Z W Vᴴ − Y`` with ``ZᴴY = W Σ Vᴴ`` (``Z`` aligned to ``Y`` by
      the unitary Procrustes factor), ``dist(Y, Z) = ‖log_Y(Z)‖``
    * transport by projection.

    Args:
        n: Number of rows and columns of ``X``.
        k: Its rank, ``1 ≤ k ≤ n``.

    The geometry breaks down where the rank of ``Y`` drops (not a complete manifold).

    Differences from pymanopt: the Riemannian gradient is ``P_Y(G)`` and the
    Hessian carries the term ``−U Ω(Y, G)`` (pymanopt returns ``G`` and
    ``P_Y(∇²f[U])``). For a cost of ``X = YYᴴ`` alone (invariant under
    ``Y ↦ YQ``, the only costs the quotient describes) ``G`` is horizontal, so
    ``Ω(Y, G) = 0`` and both coincide; for other costs riemgd's gradient is still a
    tangent vector. The Lyapunov equation is solved by eigendecomposition
    (pymanopt: scipy's Bartels–Stewart), equal to round-off. ``zero_vector`` is
    complex (pymanopt's is real).
    """

    def __init__(self, n: int, k: int):
        self._n, self._k = positive_int(n, "n"), positive_int(k, "k")
        if self._k > self._n:
            raise ValueError(f"need n >= k >= 1, got n={n}, k={k}")
        name = f"Quotient manifold of Hermitian {n}x{n} matrices of rank {k}"
        super().__init__(name, 2 * self._k * self._n - self._k**2)

    @property
    def typical_dist(self) -> float:
        return 10.0 + self._k

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def _vertical_factor(self, point: Any, vector: Any) -> Any:
        """``Ω`` with ``(YᴴY)Ω + Ω(YᴴY) = YᴴV − VᴴY`` (skew-Hermitian)."""
        xp = backend.namespace(point, vector)
        yhv = hconj(point) @ vector
        eigenvalues, q = xp.linalg.eigh(hconj(point) @ point)
        rotated = hconj(q) @ (yhv - hconj(yhv)) @ q
        denominator = xp.astype(eigenvalues[:, None] + eigenvalues[None, :], rotated.dtype)
        return q @ (rotated / denominator) @ hconj(q)

    def projection(self, point: Any, vector: Any) -> Any:
        shape = (self._n, self._k)
        check_shape(point, shape, "point")
        check_shape(vector, shape, "vector")
        return vector - point @ self._vertical_factor(point, vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, (self._n, self._k), "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        # D(P_Y G)[U] = H − U Ω(Y, G) − Y DΩ; the last term is vertical (DΩ is skew-Hermitian)
        check_shape(euclidean_gradient, (self._n, self._k), "euclidean_gradient")
        check_shape(euclidean_hessian, (self._n, self._k), "euclidean_hessian")
        curvature = tangent_vector @ self._vertical_factor(point, euclidean_gradient)
        return self.projection(point, euclidean_hessian - curvature)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, (self._n, self._k), "point")
        check_shape(tangent_vector, (self._n, self._k), "tangent_vector")
        return point + tangent_vector

    exp = retraction

    def log(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        w, _, vh = xp.linalg.svd(hconj(point_b) @ point_a)
        return point_b @ (w @ vh) - point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return complex_normal(backend.default_rng(rng), (self._n, self._k))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), (self._n, self._k)), point)
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, (self._n, self._k), name)
        xp = backend.namespace(point)
        singular_values = xp.linalg.svdvals(point)
        smallest, largest = backend.to_float(singular_values[-1]), backend.to_float(singular_values[0])
        if not smallest > atol * max(largest, 1.0):
            raise ValueError(
                f"{name} must have full column rank {self._k}, "
                f"got singular values from {largest:.3g} down to {smallest:.3g}"
            )
