"""Helpers for manifolds whose points are stacks of ``k`` matrices or vectors
(pymanopt's ``k`` copies), for any array namespace."""

from __future__ import annotations

from typing import Any

from riemgd import backend


def rowwise_inner(a: Any, b: Any, axis: int = -1) -> Any:
    """``Σ_j a_ij b_ij`` along ``axis``, keeping it (size 1) for broadcasting."""
    return backend.namespace(a, b).sum(a * b, axis=axis, keepdims=True)


def safe_ratio(numerator: Any, denominator: Any, limit: float) -> Any:
    """``numerator / denominator`` where ``denominator ≠ 0`` and ``limit`` where it is 0,
    without evaluating a 0/0 (riemgd's tests turn its warning into an error)."""
    xp = backend.namespace(numerator, denominator)
    zero = denominator == 0
    safe = xp.where(zero, xp.ones_like(denominator), denominator)
    return xp.where(zero, xp.full_like(numerator, limit), numerator / safe)
