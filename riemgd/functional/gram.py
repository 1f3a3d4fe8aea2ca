"""``GramSolver``: the metric ``G_λ = (SJ)ᵀ(SJ) + λI`` of a model manifold at one point,
factorized once and solved with."""

from __future__ import annotations

from typing import Any

from riemgd import backend

Array = Any

DEFAULT_RCOND = 1e-3  # chosen by benchmarks/rcond_experiment.py


class GramSolver:
    """Factorizes the metric ``G_λ = G + λI`` of a model manifold at one point,
    ``G = (SJ)ᵀ(SJ)``, and solves with it.

    ``λ`` is the explicit ``damping`` (Levenberg–Marquardt, default 0). When
    the Cholesky factorization of ``G + λI`` fails, or its pivots show that
    ``SJ`` is numerically rank deficient (``min diag(L) < rcond · max diag(L)``,
    i.e. singular values below ``rcond σ_max``), the solver adds the Tikhonov
    term ``(rcond σ_max)²`` (``σ_max²`` estimated by ``max diag G``): a soft
    singular-value cutoff, the filter ``σ² / (σ² + rcond² σ_max²)`` keeping
    directions with ``σ ≫ rcond σ_max`` and damping away those below. A well
    conditioned ``G`` is solved exactly (the exact natural gradient). Only if
    even that factorization fails (a non-finite Jacobian) does it fall back to
    an eigendecomposition and the pseudo-inverse on eigenvalues above
    ``rcond² λ_max``.

    The manifold's inner product uses the same ``G_λ``, so the natural
    gradient ``G_λ⁻¹ ∇_θL`` is the Riemannian gradient of the metric in use.

    Args:
        whitened_jacobian: ``S J``, shape ``(n, p)``.
        damping: Explicit ``λ ≥ 0``.
        rcond: Relative singular-value level in ``(0, 1)``.

    Attributes:
        gram: ``G`` (undamped).
        shift: The ``λ`` in use (explicit damping plus any Tikhonov term).
        regularized: True when the Tikhonov term was added.
    """

    def __init__(self, whitened_jacobian: Array, damping: float, rcond: float):
        xp = backend.namespace(whitened_jacobian)
        gram = backend.gram(whitened_jacobian)  # G = (SJ)ᵀ(SJ), one BLAS syrk
        self.gram, self.shift, self.regularized = gram, float(damping), False
        self._eigen = None
        self.factor = self._factor(gram, self.shift, rcond, xp)
        if self.factor is None:
            # soft cutoff: λ += (rcond σ_max)², with σ_max² ≈ max diag G
            self.shift += rcond**2 * max(backend.to_float(xp.max(xp.linalg.diagonal(gram))), 0.0)
            self.regularized = True
            self.factor = self._factor(gram, self.shift, 0.0, xp)
        if self.factor is None:
            shifted = gram + self.shift * xp.eye(gram.shape[0], dtype=gram.dtype)
            eigenvalues, vectors = xp.linalg.eigh(0.5 * (shifted + shifted.T))
            keep = eigenvalues > rcond**2 * max(backend.to_float(xp.max(eigenvalues)), 0.0)
            self._eigen = (vectors, xp.where(keep, 1.0 / xp.where(keep, eigenvalues, 1.0), 0.0))

    @staticmethod
    def _factor(gram: Array, shift: float, rcond: float, xp: Any) -> Array | None:
        """Cholesky factor of ``G + shift·I``, or None if it fails or its pivots
        fall below ``rcond`` times the largest."""
        shifted = gram + shift * xp.eye(gram.shape[0], dtype=gram.dtype) if shift else gram
        factor = backend.cholesky(shifted)
        if factor is None:
            return None
        pivots = xp.abs(xp.linalg.diagonal(factor))
        largest = backend.to_float(xp.max(pivots))
        if largest == 0.0 or backend.to_float(xp.min(pivots)) < rcond * largest:
            return None
        return factor

    def solve(self, rhs: Array) -> Array:
        """``G_λ⁻¹ b``."""
        if self.factor is not None:
            return backend.cholesky_solve(self.factor, rhs)
        vectors, inverse = self._eigen
        return vectors @ (inverse * (vectors.T @ rhs))

    def apply(self, vector: Array) -> Array:
        """``G_λ c``."""
        return self.gram @ vector + self.shift * vector if self.shift else self.gram @ vector
