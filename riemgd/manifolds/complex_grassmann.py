"""The complex Grassmann manifold ``Gr(n, p)`` of ``p``-dimensional subspaces of ``C^n``."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import complex_normal, hconj, unitary_factor
from riemgd.manifolds._matrix import positive_int, stack_shape
from riemgd.manifolds.base import Manifold, check_complex_array, check_shape, point_tolerance
from riemgd.manifolds.grassmann import Grassmann


class ComplexGrassmann(Grassmann):
    """Complex subspaces represented by orthonormal bases ``X ∈ C^{n×p}``
    (``XᴴX = I``), the quotient of the complex Stiefel manifold by the unitary
    group ``U(p)``, with horizontal tangent vectors ``XᴴU = 0`` and the metric
    ``⟨A, B⟩ = Re tr(Aᴴ B)`` (pymanopt's ``ComplexGrassmann``). With ``k > 1``
    a point is a stack of ``k`` bases, shape ``(k, n, p)``, and each formula
    acts on every matrix of the stack:

    * ``P_X U = U − X XᴴU``; Riemannian gradient ``P_X ∇f``
    * ``Hess f(X)[U] = P_X(∇²f(X)[U]) − U XᴴG`` with ``G = ∇f(X)``
      (the quotient Hessian of Absil, Mahony & Sepulchre 2008, ch. 5; pymanopt's formula)
    * ``R_X(U) = W Vᴴ`` from the SVD ``X + U = W Σ Vᴴ`` (polar retraction)
    * ``exp_X(U) = qf(X V cos(Σ) Vᴴ + W sin(Σ) Vᴴ)`` for ``U = W Σ Vᴴ``
      (``qf`` re-orthonormalizes, as pymanopt does)
    * ``log_X(Y) = W atan(Σ) Vᴴ`` for ``W Σ Vᴴ = (Y (XᴴY)⁻¹ − X)``
    * ``dist(X, Y) = ‖θ‖₂``, ``θ_i = atan2(sin θ_i, cos θ_i)`` the principal angles,
      from the singular values ``cos θ`` of ``XᴴY`` and ``sin θ`` of ``Y − X XᴴY``
    * transport by projection.

    Args:
        n: Dimension of the ambient space ``C^n``.
        p: Dimension of the subspaces, ``1 ≤ p ≤ n``.
        k: Number of copies in the product (keyword, as in pymanopt).

    Differences from pymanopt: ``dist`` takes each principal angle from its
    sine and cosine (pymanopt: ``arccos`` of the cosine, which loses half the
    digits for nearby subspaces); ``zero_vector`` is complex (pymanopt's is real).
    """

    _adjoint = staticmethod(hconj)  # projection, Hessian and their fast paths are Grassmann's with Xᴴ

    def __init__(self, n: int, p: int, *, k: int = 1):
        self._n, self._p, self._k = positive_int(n, "n"), positive_int(p, "p"), positive_int(k, "k")
        if self._p > self._n:
            raise ValueError(f"need n >= p >= 1, got n={n}, p={p}")
        self._shape = stack_shape(self._k, self._n, self._p)
        name = f"Complex Grassmann manifold Gr({n}, {p})" + (f"^{k}" if self._k > 1 else "")
        Manifold.__init__(self, name, 2 * self._k * (self._n * self._p - self._p**2))

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        w, _, vh = xp.linalg.svd(point + tangent_vector, full_matrices=False)
        return w @ vh

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        w, s, vh = xp.linalg.svd(tangent_vector, full_matrices=False)
        cos, sin = xp.astype(xp.cos(s), w.dtype)[..., None, :], xp.astype(xp.sin(s), w.dtype)[..., None, :]
        return unitary_factor(((point @ hconj(vh)) * cos + w * sin) @ vh)

    def log(self, point_a: Any, point_b: Any) -> Any:
        # With XᴴY invertible, Y (XᴴY)⁻¹ − X = W tan(Σ) Vᴴ, and log = W Σ Vᴴ.
        xp = backend.namespace(point_a, point_b)
        yhx = hconj(point_b) @ point_a
        b = hconj(xp.linalg.solve(yhx, hconj(point_b) - yhx @ hconj(point_a)))
        w, s, vh = xp.linalg.svd(b, full_matrices=False)
        return (w * xp.astype(xp.atan(s), w.dtype)[..., None, :]) @ vh

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        overlap = hconj(point_a) @ point_b
        cosines = xp.linalg.svdvals(overlap)  # cos θ, θ ascending
        sines = xp.linalg.svdvals(point_b - point_a @ overlap)  # sin θ, θ descending
        angles = xp.atan2(xp.flip(sines, axis=-1), cosines)
        return xp.linalg.vector_norm(angles)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return unitary_factor(complex_normal(backend.default_rng(rng), self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), self._shape), point)
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(hconj(point) @ point - xp.eye(self._p, dtype=point.dtype))))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have orthonormal columns (XᴴX = I), got max |XᴴX − I| = {defect:.3g}")
