"""The special orthogonal group ``SO(n)`` of rotations and its powers ``SO(n)^k``."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._lie import LieAlgebraCoordinates
from riemgd.manifolds._matrix import (
    check_copies,
    expm,
    orthonormal_factor,
    rotation_log,
    skew,
    stack_shape,
    transpose,
)
from riemgd.manifolds.base import check_array, check_shape, point_tolerance

_RETRACTIONS = ("qr", "polar")


class SpecialOrthogonalGroup(LieAlgebraCoordinates):
    """Rotations ``SO(n) = {X ∈ R^{n×n} : XᵀX = I, det X = 1}`` with the metric
    induced by ``R^{n×n}``, tangent vectors in the Lie algebra (pymanopt's convention).

    A tangent vector at ``X`` is a skew-symmetric ``Ω`` (``Ωᵀ = −Ω``); the ambient
    direction it stands for is ``X Ω`` (:meth:`embedding`). Since ``⟨XΩ₁, XΩ₂⟩ =
    ⟨Ω₁, Ω₂⟩``, the metric is the Frobenius inner product of the ``Ω``:

    * ``P_X(V) = skew(XᵀV)`` maps an ambient ``V`` to the Lie algebra;
      :meth:`to_tangent_space` maps a Lie-algebra-shaped ``Ω`` to ``skew(Ω)``
    * ``grad f(X) = skew(Xᵀ∇f(X))``;
      ``Hess f(X)[Ω] = skew(Xᵀ∇²f(X)[XΩ] − Ω sym(Xᵀ∇f(X)))`` (pymanopt's formula;
      Boumal 2023, *An Introduction to Optimization on Smooth Manifolds*, ch. 7)
    * ``R_X(Ω) = qf(X + XΩ)`` (``"qr"``, first order) or the polar factor of
      ``X + XΩ`` (``"polar"``, second order)
    * ``exp_X(Ω) = X expm(Ω)``, ``log_X(Y) = log(XᵀY)`` (the principal logarithm of a
      rotation, by one symmetric eigendecomposition), ``dist = ‖log_X(Y)‖``
    * ``pair_mean(X, Y) = exp_X(½ log_X(Y))``
    * transport: the identity on the Lie algebra (left translation, isometric).

    With ``k > 1`` points are ``(k, n, n)`` stacks, every formula batched.
    ``exp`` uses :func:`scipy.linalg.expm` (host-side for numpy; CuPy's own for CuPy).

    Differences from pymanopt: ``log`` computes the principal logarithm from
    ``sym`` and ``skew`` of ``XᵀY`` (pymanopt: ``skew(scipy.linalg.logm(XᵀY))``);
    the two agree to round-off away from the cut locus (rotation angle ``π``).
    ``random_tangent_vector`` is ``skew`` of a Gaussian matrix, normalized, the same
    distribution as pymanopt's; for ``n = 1`` (dimension 0) it is the zero vector
    (pymanopt: ``0/0``).

    Args:
        n: Size of the rotation matrices.
        k: Number of copies (default 1).
        retraction: ``"qr"`` (default) or ``"polar"``.
    """

    def __init__(self, n: int, *, k: int = 1, retraction: str = "qr"):
        if not (int(n) == n and n >= 1):
            raise ValueError(f"n must be a positive integer, got {n}")
        k = check_copies(k)
        if retraction not in _RETRACTIONS:
            raise ValueError(f"retraction must be one of {_RETRACTIONS}, got {retraction!r}")
        self._n, self._k, self._retraction = int(n), k, retraction
        self._shape = stack_shape(k, self._n, self._n)
        power = "" if k == 1 else f"^{k}"
        super().__init__(
            f"Special orthogonal group SO({n}){power} with {retraction} retraction", k * self._n * (self._n - 1) // 2
        )

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        # X(I + Ω) has positive determinant (I + Ω has eigenvalues 1 ± iθ), so both
        # factors below are rotations: qf's R has a positive diagonal.
        y = point + point @ tangent_vector
        if self._retraction == "qr":
            return orthonormal_factor(y)
        w, _, vt = backend.namespace(y).linalg.svd(y)
        return w @ vt

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point @ expm(tangent_vector)

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        return rotation_log(transpose(point_a) @ point_b)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """A Haar-distributed rotation (Mezzadri 2007): ``qf`` of a Gaussian matrix, its
        first two columns swapped where the determinant is negative."""
        q = orthonormal_factor(backend.default_rng(rng).standard_normal(self._shape))
        if self._n == 1:
            return np.ones(self._shape)
        negative = np.linalg.det(q) < 0
        swapped = q[..., [1, 0, *range(2, self._n)]]
        return np.where(negative[..., None, None], swapped, q)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        omega = skew(backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point))
        if self._n == 1:
            return omega  # SO(1) is a point: its only tangent vector is 0
        return omega / self.norm(point, omega)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(transpose(point) @ point - xp.eye(self._n, dtype=point.dtype))))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must be orthogonal (XᵀX = I), got max |XᵀX − I| = {defect:.3g}")
        determinant = backend.to_float(xp.min(xp.linalg.det(point)))
        if determinant <= 0:
            raise ValueError(f"{name} must have determinant +1 (a rotation), got determinant {determinant:.3g}")
