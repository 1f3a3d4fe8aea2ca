"""Helpers for manifolds whose points are stacks of ``k`` matrices or vectors
(pymanopt's ``k`` copies), for any array namespace."""

from __future__ import annotations

from typing import Any

from riemgd import backend


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as an ``int``, or ``ValueError`` naming ``name`` unless it is an
    integer ``≥ minimum``."""
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def stack_shape(k: int, *shape: int) -> tuple[int, ...]:
    """Shape of a point: ``shape`` for one copy, ``(k, *shape)`` for ``k > 1`` (pymanopt's layout)."""
    return tuple(shape) if k == 1 else (k, *shape)


def multitransp(a: Any) -> Any:
    """Transpose of the last two axes (every matrix of a stack)."""
    return backend.namespace(a).linalg.matrix_transpose(a)


def multisym(a: Any) -> Any:
    """Symmetric part ``(A + Aᵀ)/2`` of every matrix of a stack."""
    return 0.5 * (a + multitransp(a))


def multiskew(a: Any) -> Any:
    """Skew-symmetric part ``(A − Aᵀ)/2`` of every matrix of a stack."""
    return 0.5 * (a - multitransp(a))


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
