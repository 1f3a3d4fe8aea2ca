"""Small dense-matrix helpers shared by the matrix manifolds (any array namespace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riemgd import backend


def sym(a: Any) -> Any:
    """Symmetric part ``(A + Aᵀ)/2`` of a square matrix."""
    return 0.5 * (a + a.T)


def orthonormal_factor(a: Any) -> Any:
    """``qf(A)``: the Q factor of ``A = QR`` with the signs fixed so that
    ``diag(R) ≥ 0``, which makes the factorization (and the retraction) unique."""
    xp = backend.namespace(a)
    q, r = xp.linalg.qr(a)
    diagonal = xp.linalg.diagonal(r)
    ones = xp.ones_like(diagonal)  # the standard's where() takes at most one Python scalar
    return q * xp.astype(xp.where(diagonal < 0, -ones, ones), q.dtype)


def symmetric_function(a: Any, fun: Callable[[Any], Any]) -> Any:
    """``f(A) = Q diag(f(λ)) Qᵀ`` for a symmetric ``A = Q diag(λ) Qᵀ``."""
    xp = backend.namespace(a)
    eigenvalues, q = xp.linalg.eigh(a)
    return (q * fun(eigenvalues)) @ q.T
