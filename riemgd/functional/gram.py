"""``GramSolver``: the metric ``G_Λ = (SJ)ᵀ(SJ) + Λ`` of a model manifold at one point
(``Λ`` diagonal), factorized once and solved with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend

Array = Any

DEFAULT_RCOND = 1e-3  # chosen by benchmarks/rcond_experiment.py
DEFAULT_FLOOR = 1.0  # τ of the cutoff term rcond² max(D, τ max D); see GramSolver


def _diagonal_matrix(xp: Any, diagonal: Array) -> Array:
    """``diag(d)``; the array API standard has no ``diag``."""
    if xp is np:
        return np.diag(diagonal)
    return diagonal[:, None] * xp.eye(diagonal.shape[0], dtype=diagonal.dtype)


class WhitenedSolver:
    """What the factorized solvers share: functions of ``V`` enter whitened, ``b = S g``,
    through the space's whitening at the point (``whiten``, given by the manifold), so that
    ``solve_function`` means the same on every solver, the matrix-free one included."""

    _whiten: Callable[[Array], Array] | None = None

    def solve_whitened(self, whitened_function: Array | None, covector: Array | None = None) -> Array:
        raise NotImplementedError

    def solve_function(self, function: Array | None, covector: Array | None = None) -> Array:
        """``G_Λ⁻¹ (Jᵀ K g + q) = G_Λ⁻¹ ((SJ)ᵀ (S g) + q)`` for ``g ∈ V``; a missing part is zero."""
        if function is None:
            return self.solve_whitened(None, covector)
        if self._whiten is None:
            raise TypeError(f"this {type(self).__name__} was made without whiten=: it cannot take a function of V")
        return self.solve_whitened(self._whiten(function), covector)


class GramSolver(WhitenedSolver):
    """Factorizes the metric ``G_Λ = G + Λ`` of a model manifold at one point,
    ``G = (SJ)ᵀ(SJ)``, with the diagonal shift ``Λ = λI + μ max(D, τ max D)``,
    ``D = diag(G)``, and solves with it.

    ``λ`` is the explicit ``damping`` (Levenberg–Marquardt, default 0), a user
    choice in the parameters' units. Rank deficiency is judged on the
    Jacobi-equilibrated Gram matrix ``Ĝ = D^{-1/2} G D^{-1/2}`` (unit diagonal):
    its Cholesky pivots are ``diag(L)/√D`` for ``G + λI = L Lᵀ``, the sine of
    the angle between each column of ``SJ`` and the span of the ones before
    it, unchanged by any rescaling of the columns. When the factorization
    fails, or the smallest such pivot is below ``rcond`` times the largest
    (``SJ D^{-1/2}`` has singular values below about ``rcond σ_max``), the soft
    cutoff ``μ = rcond²`` is switched on, ``Λ = λI + rcond² max(D, τ max D)``:
    with ``τ = 0``, the Tikhonov filter ``σ̂²/(σ̂² + rcond²)`` on the singular
    values ``σ̂`` of ``SJ D^{-1/2}`` (``Ĝ + rcond² I`` in equilibrated
    coordinates); with ``τ = 1`` (default), the isotropic ``(rcond σ_max)² I``,
    ``σ_max² ≈ max D``.

    Invariance under a diagonal reparametrization ``θ = E φ`` (``J → J E``,
    ``G → E G E``, ``D → E² D``): the rank test is invariant, so a model that is
    well conditioned once equilibrated is solved exactly (the exact natural
    gradient, invariant) at every scaling of its parameters. The cutoff term
    is covariant for the columns with ``D_ii ≥ τ max D`` (all of them with
    ``τ = 0``); the explicit ``λI`` is not. The default ``τ = 1`` keeps the
    isotropic shift because on nonlinear models the covariant one fails: a
    column that the point switches off (``D_ii ≈ 1e-22 max D``, a saturated or
    silenced neuron) gets no damping from ``rcond² D``, the parameter step
    explodes and the line search stalls (``benchmarks/rcond_experiment.py``,
    tanh networks, median final cost: L² fit ``4e-2`` with ``τ = 0``, ``1e-8``
    with ``τ = 0.1``, ``6e-9`` with ``τ = 1``; energy natural gradient with
    step 1: ``0.48``, ``0.095``, ``0.098``). A zero column of ``J`` (a
    parameter the model ignores) is equilibrated by ``max D``; its step
    component is exactly zero. Only if even the shifted factorization fails (a
    non-finite Jacobian) does the solver fall back to an eigendecomposition of
    the equilibrated ``G_Λ`` and its pseudo-inverse on eigenvalues above
    ``rcond² λ_max``.

    The manifold's inner product and norm use the same ``G_Λ``
    (``⟨a, b⟩ = (SJa)ᵀ(SJb) + aᵀΛb``), so the natural gradient ``G_Λ⁻¹ ∇_θL``
    is the Riemannian gradient of the metric in use. ``Λ`` is diagonal so that
    sample-space (push-through) and matrix-free solvers can use the same metric
    (:class:`~riemgd.functional.solvers.SampleSolver`,
    :class:`~riemgd.functional.solvers.CGSolver`; ``ModelManifold(solver=...)``
    chooses, and its docstring says where their rank decisions can differ).

    On chunked points ``S J`` is a dask array: ``G`` and every product
    ``(SJ)ᵀ b`` are reduced chunk by chunk and brought to the client
    (:func:`riemgd.backend.gram`, :func:`riemgd.backend.gather`), where the
    factorization and the solves run; ``SJ c`` stays chunked.

    Args:
        whitened_jacobian: ``S J``, shape ``(n, p)`` (kept by reference, not copied).
        damping: Explicit ``λ ≥ 0``.
        rcond: Relative singular-value level in ``(0, 1)``.
        floor: ``τ ∈ [0, 1]``: 0 for the covariant cutoff ``rcond² D``, 1 (default)
            for the isotropic ``rcond² max D · I``.
        whiten: ``g ↦ S g`` at the point, for :meth:`solve_function` (the manifold's space).

    Attributes:
        shift: The diagonal of ``Λ``, shape ``(p,)``, in the Jacobian's dtype.
        damping: ``λ``.
        cutoff: ``μ``: ``rcond²`` when the soft cutoff is on, else 0.
        regularized: True when the soft cutoff is on.
        factor: Lower Cholesky factor of ``G_Λ`` (None on the eigen fallback).
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
        # G = (SJ)ᵀ(SJ), one BLAS syrk (backend.gram: one OpenBLAS); Σ_c (S_cJ_c)ᵀ(S_cJ_c) on chunked SJ
        gram = backend.gram(whitened_jacobian)
        xp = backend.namespace(gram)  # the p × p work is on the client (SJ may be a dask array)
        self._whitened, self._gram = whitened_jacobian, None
        self.damping, self.cutoff, self.regularized = float(damping), 0.0, False
        self._eigen = None
        diagonal = xp.linalg.diagonal(gram)
        largest = xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0))
        # D with zero columns equilibrated by max D (any positive value decouples them)
        self._scale = xp.where(diagonal > 0, diagonal, xp.where(largest > 0, largest, 1.0))
        self._floor = xp.maximum(self._scale, floor * largest)  # max(D, τ max D)
        self.shift = xp.full(diagonal.shape, self.damping, dtype=gram.dtype)
        self.factor = self._factor(gram, rcond, xp)
        if self.factor is None:
            # soft cutoff: Λ = λI + rcond² max(D, τ max D) (with τ = 0: Ĝ + rcond² I, equilibrated)
            self.cutoff, self.regularized = rcond**2, True
            self.shift = self.damping + self.cutoff * self._floor
            self.factor = self._factor(gram, 0.0, xp)
        if self.factor is None:
            root = 1.0 / xp.sqrt(self._scale)  # D^{-1/2}
            equilibrated = root[:, None] * (gram + _diagonal_matrix(xp, self.shift)) * root[None, :]
            eigenvalues, vectors = xp.linalg.eigh(0.5 * (equilibrated + equilibrated.T))
            keep = eigenvalues > rcond**2 * max(backend.to_float(xp.max(eigenvalues)), 0.0)
            self._eigen = (root, vectors, xp.where(keep, 1.0 / xp.where(keep, eigenvalues, 1.0), 0.0))

    def _factor(self, gram: Array, rcond: float, xp: Any) -> Array | None:
        """Cholesky factor ``L`` of ``G + Λ``, or None if it fails or, with
        ``rcond > 0``, the equilibrated pivots ``L_ii/√D_ii`` fall below ``rcond``
        times the largest."""
        shifted = gram + _diagonal_matrix(xp, self.shift) if self.damping or self.cutoff else gram
        factor = backend.cholesky(shifted)
        if factor is None or not rcond:
            return factor
        pivots = xp.abs(xp.linalg.diagonal(factor)) / xp.sqrt(self._scale)
        largest = backend.to_float(xp.max(pivots))
        if largest == 0.0 or backend.to_float(xp.min(pivots)) < rcond * largest:
            return None
        return factor

    @property
    def gram(self) -> Array:
        """``G`` (without ``Λ``), formed again from ``SJ`` on first request and then kept."""
        if self._gram is None:
            self._gram = backend.gather(self._whitened.T @ self._whitened)
        return self._gram

    def solve(self, rhs: Array) -> Array:
        """``G_Λ⁻¹ b``."""
        if self.factor is not None:
            return backend.cholesky_solve(self.factor, rhs)
        root, vectors, inverse = self._eigen  # G_Λ⁻¹ ≈ D^{-1/2} Ĝ⁺ D^{-1/2}
        return root * (vectors @ (inverse * (vectors.T @ (root * rhs))))

    @property
    def _shifted(self) -> bool:
        """``Λ ≠ 0`` (explicit damping or the soft cutoff)."""
        return bool(self.damping or self.cutoff)

    def solve_whitened(self, whitened_function: Array | None, covector: Array | None = None) -> Array:
        """``G_Λ⁻¹ ((SJ)ᵀ b + q)`` for a whitened function ``b = S g``; a missing part is zero."""
        rhs = covector
        if whitened_function is not None:
            pulled = backend.gather(self._whitened.T @ whitened_function)  # (SJ)ᵀ b, p-sized
            rhs = pulled if covector is None else pulled + covector
        return self.solve(rhs)

    def gram_quadratic(self, vector: Array) -> Any:
        """``cᵀ G c = ‖SJ c‖²`` (undamped)."""
        whitened = self._whitened @ vector
        return backend.inner(whitened, whitened)

    def apply(self, vector: Array) -> Array:
        """``G_Λ c = (SJ)ᵀ(SJ c) + Λ c``."""
        product = backend.gather(self._whitened.T @ (self._whitened @ vector))
        return product + self.shift * vector if self._shifted else product

    def inner(self, a: Array, b: Array) -> Any:
        """``aᵀ G_Λ b = (SJa)ᵀ(SJb) + aᵀΛb``."""
        value = backend.inner(self._whitened @ a, self._whitened @ b)
        return value + backend.inner(a, self.shift * b) if self._shifted else value

    def norm(self, vector: Array) -> Any:
        """``√(‖SJc‖² + cᵀΛc)``, never the square root of a negative round-off."""
        xp = backend.namespace(vector)
        whitened = self._whitened @ vector
        square = backend.inner(whitened, whitened)
        return xp.sqrt(square + backend.inner(vector, self.shift * vector) if self._shifted else square)
