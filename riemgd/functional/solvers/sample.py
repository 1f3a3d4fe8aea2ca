"""``SampleSolver``: the metric ``G_Λ = AᵀA + Λ`` (``A = S J``, ``n × p``, ``n < p``)
solved through the ``n × n`` kernel, by the push-through (Woodbury) identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riemgd import backend
from riemgd.functional.gram import DEFAULT_FLOOR, WhitenedSolver
from riemgd.functional.solvers.products import column_norms_squared

Array = Any


def structural_cutoff(damping: float, rcond: float, deficient: float, smallest: float | None = None) -> bool:
    """Whether the soft cutoff is on for ``n < p`` (``G`` has rank ``≤ n < p``):
    always with ``λ = 0``, else when ``λ/s_def < rcond² (1 + λ/s_min)``.

    Derivation, from ``GramSolver``'s test on ``G + λI`` (``min pivot < rcond ·
    max pivot`` for the equilibrated pivots ``L_ii/√D_i``): every pivot is at least
    ``√(λ/D_i)`` (the damping's own component ``√λ e_i``), the first is
    ``√(1 + λ/D_1)``, so the largest is about ``√(1 + λ/min D)``; and the columns past
    the rank (in generic position the last ``p − n``) have their residual from the
    damping alone, pivots ``≈ √(λ/D_i)``, the smallest ``√(λ/s_def)`` with
    ``s_def = max_{i > n} D_i``. ``s_min = min D`` (default ``s_def``: equal ``D_i``,
    the test then reads ``λ/s < rcond²(1 + λ/s)``, i.e. ``λ < rcond² s/(1 − rcond²)``)."""
    if damping == 0.0:
        return True
    smallest = deficient if smallest is None else smallest
    return damping / deficient < rcond**2 * (1.0 + damping / smallest)


class SampleSolver(WhitenedSolver):
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
    ``Λ → 0``, is never needed) or when the pivot estimates of
    :func:`structural_cutoff` fail the same test,
    ``λ / max_{i>n} D_i < rcond² (1 + λ / min D)``. Where the two decisions can
    differ: the estimates take the last ``p − n`` columns as the dependent ones
    (generic position; a ``J`` whose first columns are already dependent has
    other small pivots), the deficient pivots as ``√(λ/D_i)`` exactly (their
    residual part only raises them, so the ``p × p`` test may keep the cutoff
    off a little below the threshold), and the largest pivot as
    ``√(1 + λ/min D)`` (a bound of its order). With ``λ = 0``, or ``λ`` a
    factor away from the threshold, they agree.

    Args:
        whitened_jacobian: ``A = S J``, shape ``(n, p)``, ``n < p`` (kept by reference).
        damping: ``λ ≥ 0``.
        rcond: Relative singular-value level in ``(0, 1)``.
        floor: ``τ ∈ [0, 1]``.
        whiten: ``g ↦ S g`` at the point, for ``solve_function``.

    Attributes:
        shift, damping, cutoff, regularized: as for :class:`GramSolver`.
        factor: Lower Cholesky factor of ``C`` (``n × n``).
    """

    def __init__(
        self,
        whitened_jacobian: Array,
        damping: float,
        rcond: float,
        floor: float = DEFAULT_FLOOR,
        whiten: Callable[[Array], Array] | None = None,
    ):
        self._whiten = whiten
        n, p = whitened_jacobian.shape
        if n >= p:
            raise ValueError(f"SampleSolver needs fewer rows than columns (n < p), got n = {n}, p = {p}")
        xp = backend.namespace(whitened_jacobian)
        self._whitened, self._gram = whitened_jacobian, None
        self.damping = float(damping)
        diagonal = column_norms_squared(whitened_jacobian)
        largest = xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0))
        scale = xp.where(diagonal > 0, diagonal, xp.where(largest > 0, largest, 1.0))
        deficient = backend.to_float(xp.max(scale[n:]))  # columns past the rank, in generic position
        self.regularized = structural_cutoff(self.damping, rcond, deficient, backend.to_float(xp.min(scale)))
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
