"""Small dense-matrix helpers shared by the matrix manifolds (any array namespace).

Every helper acts on one matrix of shape ``(n, p)`` or on a stack of shape
``(k, n, p)`` (pymanopt's ``k`` copies): products are batched ``@`` over the
leading axis, transposes swap the last two axes, and factorizations use the
stacked routines of the array namespace, never a Python loop over copies.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg

from riemgd import backend


def stack_shape(k: int, *shape: int) -> tuple[int, ...]:
    """Shape of a point of ``k`` copies: ``shape`` for ``k = 1`` and
    ``(k, *shape)`` otherwise (pymanopt's layout)."""
    return tuple(shape) if k == 1 else (k, *shape)


def positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as an ``int``, or ``ValueError`` naming ``name`` unless it is an
    integer ``≥ minimum``."""
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def check_copies(k: Any) -> int:
    """``k`` as an ``int``, or ``ValueError`` unless it is an integer ``≥ 1``."""
    return positive_int(k, "k (the number of copies)")


def transpose(a: Any) -> Any:
    """``Aᵀ`` of a matrix, or of every matrix of a stack (the last two axes swapped)."""
    if a.ndim == 2:
        return a.T
    return backend.namespace(a).linalg.matrix_transpose(a)


def sym(a: Any) -> Any:
    """Symmetric part ``(A + Aᵀ)/2`` of a square matrix (or of every matrix of a stack)."""
    return 0.5 * (a + transpose(a))


def skew(a: Any) -> Any:
    """Skew-symmetric part ``(A − Aᵀ)/2`` of a square matrix (or of every matrix of a stack)."""
    return 0.5 * (a - transpose(a))


def row(values: Any) -> Any:
    """Values ``(…, p)`` as rows ``(…, 1, p)``: ``A * row(d)`` scales the columns of every matrix
    of a stack, ``A diag(d)``."""
    return backend.namespace(values).expand_dims(values, axis=-2)


def orthonormal_factor(a: Any) -> Any:
    """``qf(A)``: the Q factor of ``A = QR`` with the signs fixed so that
    ``diag(R) ≥ 0``, which makes the factorization (and the retraction) unique."""
    xp = backend.namespace(a)
    q, r = xp.linalg.qr(a)
    diagonal = xp.linalg.diagonal(r)
    ones = xp.ones_like(diagonal)  # the standard's where() takes at most one Python scalar
    signs = xp.astype(xp.where(diagonal < 0, -ones, ones), q.dtype)
    return q * (signs if a.ndim == 2 else row(signs))


def cholesky_factor(a: Any) -> Any | None:
    """Lower Cholesky factor ``L`` (``A = L Lᵀ``) of a symmetric matrix or of
    every matrix of a stack; ``None`` when one is not numerically positive definite."""
    if a.ndim == 2:
        return backend.cholesky(a)
    xp = backend.namespace(a)
    try:
        factor = xp.linalg.cholesky(a)
    except Exception:  # numpy-like libraries raise their own LinAlgError
        return None
    if not backend.is_finite(factor):  # CuPy signals a failed factorization with NaN
        return None
    return factor


def solve_lower(factor: Any, b: Any) -> Any:
    """``L⁻¹ B`` for a lower-triangular ``L`` (one matrix, or a stack with a stack ``B``).

    One matrix goes to the triangular solve of :mod:`riemgd.backend`; a stack to
    the namespace's stacked ``linalg.solve`` (one call for all copies, where
    scipy's batched triangular solve would loop in Python)."""
    if factor.ndim == 2:
        return backend.solve_triangular(factor, b, lower=True)
    return backend.namespace(factor, b).linalg.solve(factor, b)


# Padé [13/13] coefficients b_0 … b_13 and the scaling threshold θ₁₃ of Higham (2005),
# "The scaling and squaring method for the matrix exponential revisited", Table 10.2 / eq. (10.36)
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def expm(a: Any) -> Any:
    """Matrix exponential of a square matrix or of every matrix of a stack.

    numpy arrays go to :func:`scipy.linalg.expm` (host-side, takes stacks); other
    namespaces (CuPy, array-API libraries) use the same method written with the
    standard's routines: scaling and squaring with the Padé [13/13] approximant
    (Higham 2005), ``expm(A) = r₁₃(A/2ˢ)^{2ˢ}`` with ``2ˢ ≥ ‖A‖₁/θ₁₃`` over the stack,
    ``r₁₃ = (V − U)⁻¹(V + U)`` by one stacked solve."""
    if isinstance(a, np.ndarray):
        return scipy.linalg.expm(a)
    xp = backend.namespace(a)
    norm = backend.to_float(xp.max(xp.sum(xp.abs(a), axis=-2)))  # the largest ‖A‖₁ of the stack
    squarings = max(0, math.ceil(math.log2(norm / _THETA13))) if norm > 0 else 0
    a = a / 2.0**squarings
    b = _PADE13
    identity = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * identity)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * identity
    r = xp.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        r = r @ r
    return r


def rotation_log(r: Any) -> Any:
    """Principal logarithm ``Ω`` (skew-symmetric) of a rotation ``R = exp(Ω)``, or of every
    rotation of a stack, through one symmetric eigendecomposition.

    ``R`` is normal, so its symmetric part ``C = (R + Rᵀ)/2 = cos Ω`` and skew part
    ``S = (R − Rᵀ)/2 = sin Ω`` commute, and on each eigenspace of ``C`` with eigenvalue
    ``cos θ`` the logarithm is ``θ / sin θ`` times ``S``:

        ``log R = h(C) S``,  ``h(c) = arccos(c) / √((1 − c)(1 + c))``,  ``h(1) = 1``,

    ``h(C)`` evaluated by ``eigh`` (a smooth function of a symmetric matrix, so a
    cluster of rotation angles costs no accuracy). Undefined at angle ``π`` (the cut
    locus, where ``log`` is not unique and the angle-π planes are dropped)."""
    xp = backend.namespace(r)
    eigenvalues, q = xp.linalg.eigh(sym(r))
    c = xp.clip(eigenvalues, -1.0, 1.0)
    gap = (1.0 - c) * (1.0 + c)  # 1 − c² without the cancellation of 1 − c·c near c = 1
    small = (gap < 1e-12) & (c > 0.0)
    safe = xp.where(small | (gap == 0.0), xp.ones_like(gap), gap)
    # θ/sin θ = 1 + θ²/6 + …, θ² ≈ 2(1 − c) near c = 1
    h = xp.where(small, 1.0 + (1.0 - c) / 3.0, xp.acos(c) / xp.sqrt(safe))
    scaled = (q * h) @ q.T if r.ndim == 2 else (q * row(h)) @ transpose(q)
    return skew(scaled @ skew(r))
