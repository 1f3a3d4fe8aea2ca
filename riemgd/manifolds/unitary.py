"""The unitary group ``U(n) = {X ∈ C^{n×n} : XᴴX = I}`` (and products ``U(n)^k``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import complex_normal, hconj, herm, hermitian_function, per_matrix, skewh, unitary_factor
from riemgd.manifolds._lie import LieAlgebraCoordinates
from riemgd.manifolds._matrix import positive_int, stack_shape
from riemgd.manifolds.base import check_complex_array, check_shape, point_tolerance

_RETRACTIONS = ("qr", "polar")


class UnitaryGroup(LieAlgebraCoordinates):
    """Unitary matrices, the Riemannian submanifold of ``C^{n×n}`` with the
    metric ``⟨A, B⟩ = Re tr(Aᴴ B)`` (pymanopt's ``UnitaryGroup``). A tangent
    vector at ``X`` is stored as its skew-Hermitian factor ``Ω`` (``Ωᴴ = −Ω``),
    the element of the Lie algebra ``u(n)``; it is ``XΩ`` in ``C^{n×n}``
    (:meth:`embedding`), so ``⟨Ω₁, Ω₂⟩_X = Re tr(Ω₁ᴴ Ω₂)``. With ``k > 1`` a
    point is a stack of shape ``(k, n, n)``.

    * ``P_X(V) = skewh(XᴴV)`` (``skewh(A) = (A − Aᴴ)/2``), the Riemannian gradient ``skewh(Xᴴ∇f)``
    * ``Hess f(X)[Ω] = skewh(Xᴴ∇²f(X)[XΩ] − Ω herm(Xᴴ∇f))`` (pymanopt's formula)
    * ``R_X(Ω) = qf(X(I + Ω))`` (the Q factor with a real positive diagonal of R)
      or ``W Vᴴ`` from the SVD ``X(I + Ω) = W Σ Vᴴ`` (``retraction="polar"``,
      second order)
    * ``exp_X(Ω) = X expm(Ω)``, by ``eigh`` of the Hermitian ``−iΩ``
    * ``log_X(Y) = skewh(logm(XᴴY))``, ``dist(X, Y) = ‖log_X(Y)‖``,
      ``pair_mean(X, Y) = exp_X(log_X(Y)/2)``
    * transport: the identity on ``u(n)`` (left translation ``XΩ ↦ YΩ``, an isometry).

    Random points are Haar distributed (QR of a complex Gaussian matrix with
    the phases of ``R`` moved into ``Q``; Mezzadri, Notices AMS 54, 2007).

    Args:
        n: Size of the matrices.
        k: Number of copies in the product (keyword, as in pymanopt).
        retraction: ``"qr"`` (default) or ``"polar"`` (keyword, as in pymanopt).

    ``log`` (scipy's ``logm``), and so ``dist`` and ``pair_mean``, run on the host: numpy
    arrays only (a clear ``TypeError`` otherwise); the rest works with any array library.

    Differences from pymanopt: pymanopt 2.2.1's ``projection`` (and so its
    Riemannian gradient) takes the skew-*symmetric* part ``(A − Aᵀ)/2`` of
    ``XᴴV``, which is not tangent for complex ``A``; riemgd takes the
    skew-Hermitian part (what pymanopt's own ``to_tangent_space`` does).
    pymanopt's ``inner_product`` returns the complex ``tr(Aᴴ B)``, riemgd its
    real part (equal on tangent vectors, where ``tr(AᴴB)`` is real).
    ``zero_vector`` is complex (pymanopt's is real).
    """

    _adjoint = staticmethod(hconj)
    _skew = staticmethod(skewh)
    _sym = staticmethod(herm)

    def __init__(self, n: int, *, k: int = 1, retraction: str = "qr"):
        if retraction not in _RETRACTIONS:
            raise ValueError(f"retraction must be one of {_RETRACTIONS}, got {retraction!r}")
        self._n, self._k, self._retraction = positive_int(n, "n"), positive_int(k, "k"), retraction
        self._shape = stack_shape(self._k, self._n, self._n)
        name = f"Unitary group U({n})" + (f"^{k}" if self._k > 1 else "") + f" with {retraction} retraction"
        super().__init__(name, self._k * self._n**2)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        y = point + point @ tangent_vector
        if self._retraction == "qr":
            return unitary_factor(y)
        w, _, vh = backend.namespace(y).linalg.svd(y, full_matrices=False)
        return w @ vh

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        # Ω = iA with A = −iΩ Hermitian: expm(Ω) = V diag(e^{iλ}) Vᴴ for A = V diag(λ) Vᴴ
        return point @ hermitian_function(-1j * tangent_vector, lambda eigenvalues: xp.exp(1j * eigenvalues))

    def log(self, point_a: Any, point_b: Any) -> Any:
        import scipy.linalg

        if backend.namespace(point_a, point_b) is not np:
            raise TypeError("UnitaryGroup.log runs on the host (scipy's logm): it takes numpy arrays only")
        return skewh(per_matrix(scipy.linalg.logm, hconj(point_a) @ point_b))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return unitary_factor(complex_normal(backend.default_rng(rng), self._shape))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = skewh(backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), self._shape), point))
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, self._shape, name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(hconj(point) @ point - xp.eye(self._n, dtype=point.dtype))))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must be unitary (XᴴX = I), got max |XᴴX − I| = {defect:.3g}")
