"""Randomized Nyström preconditioner for ``G + μI`` (Frangella, Tropp & Udell,
"Randomized Nyström preconditioning", SIAM J. Matrix Anal. Appl. 44, 2023, Alg. 2.1 and eq. 1.3).

With a sketch ``Y = G Ω`` of ``k`` products (``Ω`` an orthonormalized Gaussian
``p × k``), the stabilized Nyström approximation ``Ĝ = U Λ̂ Uᵀ``::

    ν = √p · ε · ‖Y‖_F,   Y_ν = Y + νΩ,   ΩᵀY_ν = L Lᵀ,   B = Y_ν L⁻ᵀ = U Σ Wᵀ,   Λ̂ = max(Σ² − ν, 0),

and the preconditioner ``P⁻¹ = (λ̂_k + μ) U (Λ̂ + μI)⁻¹ Uᵀ + (I − UUᵀ)``
(``λ̂_k`` the smallest kept eigenvalue). ``‖Y‖_F`` bounds the spectral norm
the paper uses (one product cheaper than a power iteration).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend

Array = Any


class NystromPreconditioner:
    """``P⁻¹`` of the module docstring for ``G + μI``; the sketch of ``G`` is made once
    and serves every ``μ`` (:meth:`inverse` gives the apply function for one ``μ``).

    Args:
        gram_apply: ``c ↦ G c``.
        like: An array of the parameters' library and dtype.
        rank: ``k``, the number of products in the sketch (``1 ≤ k ≤ p``).
        seed: Seed of ``Ω`` (drawn on the host, so runs are reproducible).
    """

    def __init__(self, gram_apply: Callable[[Array], Array], like: Array, rank: int, seed: int = 0):
        xp = backend.namespace(like)
        p = like.shape[0]
        draw = np.random.default_rng(seed).standard_normal((p, rank))
        omega, _ = xp.linalg.qr(backend.as_array_like(draw, like))
        sketch = xp.stack([gram_apply(omega[:, j]) for j in range(rank)], axis=1)  # Y = G Ω
        nu = float(np.sqrt(p)) * float(np.finfo(str(like.dtype).rsplit(".", 1)[-1]).eps)
        nu *= backend.to_float(xp.linalg.vector_norm(sketch))
        shifted = sketch + nu * omega  # Y_ν
        core = omega.T @ shifted
        factor = backend.cholesky(0.5 * (core + core.T))
        if factor is None:  # round-off made ΩᵀY_ν indefinite: no preconditioning
            self.basis, self.eigenvalues = None, None
            return
        b = backend.solve_triangular(factor, shifted.T, lower=True).T  # B = Y_ν L⁻ᵀ
        u, sigma, _ = xp.linalg.svd(b, full_matrices=False)
        self.basis, self.eigenvalues = u, xp.maximum(sigma * sigma - nu, 0.0)  # U, Λ̂ (descending)

    def inverse(self, mu: float) -> Callable[[Array], Array]:
        """``v ↦ P⁻¹ v`` for ``G + μI`` (identity when the sketch failed)."""
        if self.basis is None:
            return lambda v: v
        u, eigenvalues = self.basis, self.eigenvalues
        smallest = backend.to_float(eigenvalues[-1])
        if not smallest + mu > 0:  # a singular P (G of rank < k and μ = 0): precondition nothing
            return lambda v: v
        weights = (smallest + mu) / (eigenvalues + mu) - 1.0  # P⁻¹ = I + U diag(w) Uᵀ

        def apply(v: Array) -> Array:
            return v + u @ (weights * (u.T @ v))

        return apply
