"""``SampleSolver``: the metric ``G_Λ = AᵀA + Λ`` (``A = S J``, ``n × p``, ``n < p``)
solved through the ``n × n`` kernel, by the push-through (Woodbury) identity."""

from __future__ import annotations

from typing import Any

from riemgd import backend
from riemgd.functional.gram import DEFAULT_FLOOR
from riemgd.functional.solvers.products import column_norms_squared

Array = Any


def structural_cutoff(damping: float, rcond: float, largest: float) -> bool:
    """Whether the soft cutoff is on for ``n < p`` (``G`` has rank ``≤ n < p``):
    always with ``λ = 0``, else when ``λ < rcond²/(1 − rcond²) · s``, ``s`` the
    scale of ``G`` (``max D``).

    Derivation: in ``GramSolver``'s test on ``G + λI`` the ``p − n`` columns past
    the rank have equilibrated Cholesky pivots ``√(λ/D_i)`` (their residual is the
    damping alone) and the first pivot is ``√(1 + λ/D_1)``; with equal ``D_i = s``
    the test ``min pivot < rcond · max pivot`` reads ``λ/s < rcond² (1 + λ/s)``."""
    if damping == 0.0:
        return True
    return damping * (1.0 - rcond**2) < rcond**2 * largest


class SampleSolver:
    """``G_Λ⁻¹`` for ``G = AᵀA``, ``A = S J`` of shape ``(n, p)`` with ``n < p``,
    from the Cholesky factor of the ``n × n`` kernel ``C = I + A Λ⁻¹ Aᵀ``::

        G_Λ⁻¹ (Aᵀ b + q) = Λ⁻¹ [q + Aᵀ C⁻¹ (b − A Λ⁻¹ q)]

    (Woodbury; for ``q = 0`` the push-through ``Λ⁻¹ Aᵀ C⁻¹ b`` of a projection
    ``b = S g``, one product with ``Aᵀ`` and one ``n × n`` solve; for ``b = 0``
    the natural gradient ``G_Λ⁻¹ q`` of any covector). ``C ⪰ I``, so its
    factorization never fails on a finite ``A``.

    The metric is :class:`GramSolver`'s, ``Λ = λI + μ max(D, τ max D)``,
    ``D = diag G`` (the squared column norms of ``A``, zero columns equilibrated
    by ``max D``), with the same ``λ`` (``damping``), ``rcond`` and ``τ``
    (``floor``). The rank decision: ``G`` has rank ``≤ n < p``, so it is
    singular and the equilibrated Cholesky test of :class:`GramSolver` sees
    ``p − n`` pivots of the damping alone, ``√(λ/D_i)``; the sample solver
    switches the cutoff ``μ = rcond²`` on when ``λ = 0`` (always: ``Λ > 0`` is
    then guaranteed, and the minimum-norm form ``Aᵀ(AAᵀ)⁻¹``, the limit
    ``Λ → 0``, is never needed) or when ``λ < rcond²/(1 − rcond²) max D``
    (:func:`structural_cutoff`). Where the two decisions can differ: the
    ``p × p`` test looks at the pivots in column order, so with unequal ``D_i``
    the deficient columns it meets are not necessarily the one with ``max D``
    (it may keep the cutoff off for ``λ`` somewhat below the threshold), and
    its largest pivot ``√(1 + λ/D_i)`` grows with ``λ/min D`` (with a large
    ``λ`` and a spread ``max D / min D > 1/rcond²`` it switches the cutoff on
    although ``G + λI`` is well conditioned; the extra ``rcond² max D`` is then
    small next to ``λ``). With ``λ = 0``, or ``λ`` a factor ``1 + ε`` away from
    the threshold on equal ``D_i``, they agree.

    Args:
        whitened_jacobian: ``A = S J``, shape ``(n, p)``, ``n < p`` (kept by reference).
        damping: ``λ ≥ 0``.
        rcond: Relative singular-value level in ``(0, 1)``.
        floor: ``τ ∈ [0, 1]``.

    Attributes:
        shift, damping, cutoff, regularized: as for :class:`GramSolver`.
        factor: Lower Cholesky factor of ``C`` (``n × n``).
    """

    def __init__(self, whitened_jacobian: Array, damping: float, rcond: float, floor: float = DEFAULT_FLOOR):
        n, p = whitened_jacobian.shape
        if n >= p:
            raise ValueError(f"SampleSolver needs fewer rows than columns (n < p), got n = {n}, p = {p}")
        xp = backend.namespace(whitened_jacobian)
        self._whitened, self._gram = whitened_jacobian, None
        self.damping = float(damping)
        diagonal = column_norms_squared(whitened_jacobian)
        largest = xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0))
        scale = xp.where(diagonal > 0, diagonal, xp.where(largest > 0, largest, 1.0))
        self.regularized = structural_cutoff(self.damping, rcond, backend.to_float(largest))
        self.cutoff = rcond**2 if self.regularized else 0.0
        # Λ = λI + μ max(D, τ max D)
        self.shift = self.damping + self.cutoff * xp.maximum(scale, floor * largest)
        self._inverse_shift = 1.0 / self.shift
        isotropic = backend.to_float(xp.max(self.shift)) == backend.to_float(xp.min(self.shift))
        if isotropic:  # C = I + AAᵀ/μ: one SYRK-shaped product, no (n, p) temporary
            kernel = (whitened_jacobian @ whitened_jacobian.T) * (1.0 / backend.to_float(self.shift[0]))
        else:
            scaled = whitened_jacobian * xp.sqrt(self._inverse_shift)[None, :]  # A Λ^{-1/2}
            kernel = scaled @ scaled.T
        kernel = kernel + xp.eye(n, dtype=kernel.dtype)
        self.factor = backend.cholesky(kernel)  # None only for a non-finite A

    def _kernel_solve(self, rhs: Array) -> Array:
        if self.factor is None:
            return rhs * float("nan")  # a non-finite Jacobian: the optimizer stops on the NaN
        return backend.cholesky_solve(self.factor, rhs)

    @property
    def gram(self) -> Array:
        """``G = AᵀA`` (without ``Λ``), formed on first request and then kept."""
        if self._gram is None:
            self._gram = self._whitened.T @ self._whitened
        return self._gram

    def solve_whitened(self, whitened_function: Array | None, covector: Array | None = None) -> Array:
        """``G_Λ⁻¹ (Aᵀ b + q) = Λ⁻¹ [q + Aᵀ C⁻¹ (b − A Λ⁻¹ q)]``; a missing part is zero."""
        A, inverse = self._whitened, self._inverse_shift
        if covector is None:
            return inverse * (A.T @ self._kernel_solve(whitened_function))  # push-through
        scaled = inverse * covector  # Λ⁻¹ q
        inner = -(A @ scaled) if whitened_function is None else whitened_function - A @ scaled
        return scaled + inverse * (A.T @ self._kernel_solve(inner))

    def solve(self, rhs: Array) -> Array:
        """``G_Λ⁻¹ q`` for any covector ``q`` (Woodbury)."""
        return self.solve_whitened(None, rhs)

    def apply(self, vector: Array) -> Array:
        """``G_Λ c = Aᵀ(A c) + Λ c``."""
        return self._whitened.T @ (self._whitened @ vector) + self.shift * vector

    def gram_quadratic(self, vector: Array) -> Any:
        """``cᵀ G c = ‖A c‖²`` (undamped)."""
        whitened = self._whitened @ vector
        return backend.inner(whitened, whitened)

    def inner(self, a: Array, b: Array) -> Any:
        """``aᵀ G_Λ b = (Aa)ᵀ(Ab) + aᵀΛb``."""
        return backend.inner(self._whitened @ a, self._whitened @ b) + backend.inner(a, self.shift * b)

    def norm(self, vector: Array) -> Any:
        """``√(‖Ac‖² + cᵀΛc)``."""
        xp = backend.namespace(vector)
        return xp.sqrt(self.gram_quadratic(vector) + backend.inner(vector, self.shift * vector))
