"""Dense complex-matrix helpers shared by the complex manifolds (any array namespace).

Every helper acts on the last two axes, so a stack of ``k`` matrices of shape
``(k, n, p)`` (pymanopt's product manifolds ``M^k``) is handled like one matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend


def hconj(a: Any) -> Any:
    """Conjugate transpose ``Aᴴ`` of each matrix of a stack."""
    xp = backend.namespace(a)
    return xp.conj(xp.matrix_transpose(a))


def herm(a: Any) -> Any:
    """Hermitian part ``(A + Aᴴ)/2``."""
    return 0.5 * (a + hconj(a))


def skewh(a: Any) -> Any:
    """Skew-Hermitian part ``(A − Aᴴ)/2``."""
    return 0.5 * (a - hconj(a))


def trace(a: Any) -> Any:
    """``tr A`` of each matrix of a stack (shape ``a.shape[:-2]``)."""
    return backend.namespace(a).linalg.trace(a)


def unitary_factor(a: Any) -> Any:
    """``qf(A)``: the Q factor of ``A = QR`` with each diagonal entry of ``R``
    real and non-negative (the phase ``d/|d|`` of ``d = R_ii`` moved into Q), which
    makes the factorization unique; pymanopt's ``multiqr`` convention."""
    xp = backend.namespace(a)
    q, r = xp.linalg.qr(a)
    d = xp.linalg.diagonal(r)
    size = xp.abs(d)
    # a zero diagonal entry (rank-deficient A) keeps phase 1
    phase = xp.where(size == 0, xp.ones_like(d), d / xp.where(size == 0, xp.ones_like(size), size))
    return q * phase[..., None, :]


def hermitian_function(a: Any, fun: Callable[[Any], Any]) -> Any:
    """``f(A) = V diag(f(λ)) Vᴴ`` for a Hermitian ``A = V diag(λ) Vᴴ`` (``λ`` real)."""
    xp = backend.namespace(a)
    eigenvalues, v = xp.linalg.eigh(a)
    return (v * xp.astype(fun(eigenvalues), v.dtype)[..., None, :]) @ hconj(v)


def complex_normal(generator: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A complex128 array with independent standard normal real and imaginary parts."""
    return generator.standard_normal(shape) + 1j * generator.standard_normal(shape)


def per_matrix(fun: Callable[..., Any], *arrays: Any) -> Any:
    """``fun`` (a routine for single matrices, e.g. scipy's ``logm`` or
    ``solve_triangular``) applied to each matrix of a stack; its results stacked."""
    if arrays[0].ndim == 2:
        return fun(*arrays)
    xp = backend.namespace(*arrays)
    return xp.stack([fun(*(a[i] for a in arrays)) for i in range(arrays[0].shape[0])])
