"""The Stiefel manifold ``St(n, p) = {X ∈ R^{n×p} : XᵀX = I_p}`` and its powers ``St(n, p)^k``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import check_copies, expm, orthonormal_factor, stack_shape, sym, transpose
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance

_RETRACTIONS = ("qr", "polar")


class Stiefel(Manifold):
    """Orthonormal ``n × p`` frames with the metric induced by ``R^{n×p}``.

    * ``P_{T_X} U = U − X sym(XᵀU)``
    * ``R_X(U) = qf(X + U)`` (the Q factor with positive diagonal of R), or
      ``R_X(U) = W Vᵀ`` from the SVD ``X + U = W Σ Vᵀ`` (polar retraction)
    * ``Hess f(X)[U] = P_{T_X}(∇²f(X)[U] − U sym(Xᵀ∇f(X)))`` (Absil, Mahony &
      Trumpf 2013, the Weingarten map of the embedding; pymanopt's formula)
    * ``exp_X(U) = [X U] expm([[A, −UᵀU], [I, A]]) [I; 0] expm(−A)``, ``A = XᵀU``
      (Edelman, Arias & Smith 1998; Zimmermann & Hüper 2021; numpy or CuPy,
      through :func:`scipy.linalg.expm`)
    * transport by projection.

    With ``k > 1`` the manifold is the product ``St(n, p)^k``: points and tangent
    vectors are arrays of shape ``(k, n, p)`` (pymanopt's layout), each formula
    applied to every copy by batched products; with ``k = 1`` they are ``(n, p)``.

    Differences from pymanopt: none in the formulas (``Stiefel(n, p, k=k,
    retraction=...)`` takes pymanopt's arguments); the QR retraction fixes the
    signs so that ``R`` has a nonnegative diagonal, as pymanopt's ``multiqr`` does.

    Args:
        n: Number of rows.
        p: Number of columns, ``1 ≤ p ≤ n``.
        k: Number of copies (default 1).
        retraction: ``"qr"`` (default) or ``"polar"``.
    """

    def __init__(self, n: int, p: int, *, k: int = 1, retraction: str = "qr"):
        if not (int(n) == n and int(p) == p and 1 <= p <= n):
            raise ValueError(f"n and p must be integers with 1 ≤ p ≤ n, got n={n}, p={p}")
        k = check_copies(k)
        if retraction not in _RETRACTIONS:
            raise ValueError(f"retraction must be one of {_RETRACTIONS}, got {retraction!r}")
        self._n, self._p, self._k, self._retraction = int(n), int(p), k, retraction
        self._shape = stack_shape(k, self._n, self._p)
        dim = k * (self._n * self._p - self._p * (self._p + 1) // 2)
        power = "" if k == 1 else f"^{k}"
        super().__init__(f"Stiefel manifold St({n}, {p}){power} with {retraction} retraction", dim)

    @property
    def typical_dist(self) -> float:
        return math.sqrt(self._p * self._k)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        return vector - point @ sym(transpose(point) @ vector)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(X)[U] = P_{T_X}(∇²f(X)[U] − U sym(Xᵀ∇f(X)))``, with ``euclidean_hessian``
        the Euclidean Hessian applied to ``U``, ``∇²f(X)[U]``."""
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        curvature = tangent_vector @ sym(transpose(point) @ euclidean_gradient)
        return self.projection(point, euclidean_hessian - curvature)

    def euclidean_to_riemannian_hessian_at(self, point: Any, euclidean_gradient: Any) -> Any:
        """``(∇²f(X)[U], U) ↦ P_{T_X}(∇²f(X)[U] − U sym(Xᵀ∇f(X)))``, with ``sym(Xᵀ∇f(X))`` computed once."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        shape, xt, weight = self._shape, transpose(point), sym(transpose(point) @ euclidean_gradient)

        def product(euclidean_hessian: Any, tangent_vector: Any) -> Any:
            check_shape(euclidean_hessian, shape, "euclidean_hessian")
            check_shape(tangent_vector, shape, "tangent_vector")
            v = euclidean_hessian - tangent_vector @ weight
            return v - point @ sym(xt @ v)

        return product

    def weingarten(self, point: Any, tangent_vector: Any, normal_vector: Any) -> Any:
        """The Weingarten map ``W_X(U, N) = −U XᵀN − X sym(UᵀN)`` for a normal vector ``N``
        (Absil, Mahony & Trumpf 2013; pymanopt's method): ``Hess f(X)[U] = P_X(∇²f(X)[U]) +
        W_X(U, ∇f(X) − P_X ∇f(X))``."""
        check_shape(tangent_vector, self._shape, "tangent_vector")
        check_shape(normal_vector, self._shape, "normal_vector")
        return -tangent_vector @ (transpose(point) @ normal_vector) - point @ sym(
            transpose(tangent_vector) @ normal_vector
        )

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        y = point + tangent_vector
        if self._retraction == "qr":
            return orthonormal_factor(y)
        xp = backend.namespace(y)
        w, _, vt = xp.linalg.svd(y, full_matrices=False)
        return w @ vt

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        """Geodesic of the embedded metric, ``[X U] expm([[A, −UᵀU], [I, A]])[:, :p] expm(−A)``."""
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        a = transpose(point) @ tangent_vector
        identity = xp.broadcast_to(xp.eye(self._p, dtype=a.dtype), a.shape)
        top = backend.concat(xp, [a, -(transpose(tangent_vector) @ tangent_vector)], axis=-1)
        bottom = backend.concat(xp, [identity, a], axis=-1)
        block = expm(backend.concat(xp, [top, bottom], axis=-2))[..., : self._p]
        frame = backend.concat(xp, [point, tangent_vector], axis=-1)
        return frame @ (block @ expm(-a))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return orthonormal_factor(backend.default_rng(rng).standard_normal(self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        return self._projected_unit_normal(point, self._shape, rng)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(transpose(point) @ point - xp.eye(self._p, dtype=point.dtype))))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have orthonormal columns (XᵀX = I), got max |XᵀX − I| = {defect:.3g}")
