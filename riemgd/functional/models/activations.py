"""Smooth activations ``σ`` with their derivatives ``σ', σ'', σ'''`` in closed form.

Each function ``act(z, xp, order)`` returns the list ``[σ(z), σ'(z), …]`` up to
``order`` (at most 3): a network's second x-derivatives need ``σ''``, and
their Jacobian in ``θ`` needs ``σ'''``. Everything is array-API code, stable
for large ``|z|`` (no overflow in ``exp``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Array = Any


def _logistic(z: Array, xp: Any) -> Array:
    # s = 1 / (1 + e⁻ᶻ) = ½ (1 + tanh(z/2)): the same function, without overflow of e⁻ᶻ
    return 0.5 * (1.0 + xp.tanh(0.5 * z))


def tanh(z: Array, xp: Any, order: int) -> list[Array]:
    """``σ = tanh z``: ``σ' = 1 − t²``, ``σ'' = −2tσ'``, ``σ''' = −2σ'(1 − 3t²)``."""
    t = xp.tanh(z)
    out = [t]
    # in-place updates of fresh arrays: every temporary of a (samples × width) array costs a
    # pass over memory and, above glibc's mmap threshold, page faults on first touch
    if order >= 1:
        s = t * t
        s *= -1.0
        s += 1.0
        out.append(s)
    if order >= 2:
        s2 = t * s
        s2 *= -2.0
        out.append(s2)
    if order >= 3:
        s3 = t * t
        s3 *= -3.0
        s3 += 1.0
        s3 *= s
        s3 *= -2.0
        out.append(s3)
    return out


def sigmoid(z: Array, xp: Any, order: int) -> list[Array]:
    """``σ = s = 1/(1 + e⁻ᶻ)``: ``σ' = s(1 − s)``, ``σ'' = σ'(1 − 2s)``, ``σ''' = σ'(1 − 6s + 6s²)``."""
    s = _logistic(z, xp)
    out = [s]
    if order >= 1:
        d1 = s * (1.0 - s)
        out.append(d1)
    if order >= 2:
        out.append(d1 * (1.0 - 2.0 * s))
    if order >= 3:
        out.append(d1 * (1.0 - 6.0 * s + 6.0 * s * s))
    return out


def sin(z: Array, xp: Any, order: int) -> list[Array]:
    """``σ = sin z``: ``σ' = cos z``, ``σ'' = −sin z``, ``σ''' = −cos z``."""
    s = xp.sin(z)
    if order == 0:
        return [s]
    c = xp.cos(z)
    return [s, c] + ([-s] if order >= 2 else []) + ([-c] if order >= 3 else [])


def softplus(z: Array, xp: Any, order: int) -> list[Array]:
    """``σ = log(1 + eᶻ)``: ``σ' = s`` (the logistic function), ``σ'' = s(1 − s)``, ``σ''' = s(1 − s)(1 − 2s)``."""
    out = [xp.logaddexp(xp.zeros_like(z), z)]
    if order >= 1:
        s = _logistic(z, xp)
        out.append(s)
    if order >= 2:
        d2 = s * (1.0 - s)
        out.append(d2)
    if order >= 3:
        out.append(d2 * (1.0 - 2.0 * s))
    return out


def silu(z: Array, xp: Any, order: int) -> list[Array]:
    """``σ = z s(z)`` (SiLU / swish, a smooth GELU-like unit), with ``u = s(1 − s)``:
    ``σ' = s + zu``, ``σ'' = u(2 + z(1 − 2s))``, ``σ''' = u(3(1 − 2s) + z(1 − 6s + 6s²))``."""
    s = _logistic(z, xp)
    if order == 0:
        return [z * s]
    u = s * (1.0 - s)
    out = [z * s, s + z * u]
    if order >= 2:
        out.append(u * (2.0 + z * (1.0 - 2.0 * s)))
    if order >= 3:
        out.append(u * (3.0 * (1.0 - 2.0 * s) + z * (1.0 - 6.0 * s + 6.0 * s * s)))
    return out


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715


def gelu_tanh(z: Array, xp: Any, order: int) -> list[Array]:
    """The tanh form of GELU (Hendrycks & Gimpel 2016; PyTorch's ``approximate="tanh"``),
    ``σ = z G(z)``, ``G = ½(1 + tanh u)``, ``u = c(z + a z³)``, ``c = √(2/π)``, ``a = 0.044715``.

    With ``t = tanh u``, ``g' = ½(1 − t²)``, ``g'' = −t(1 − t²)``, ``g''' = −(1 − t²)(1 − 3t²)``
    and ``u' = c(1 + 3az²)``, ``u'' = 6acz``, ``u''' = 6ac``:
    ``G' = g'u'``, ``G'' = g''u'² + g'u''``, ``G''' = g'''u'³ + 3g''u'u'' + g'u'''``, and
    ``σ' = G + zG'``, ``σ'' = 2G' + zG''``, ``σ''' = 3G'' + zG'''``.
    """
    t = xp.tanh(_GELU_C * (z + _GELU_A * z * z * z))
    G = 0.5 * (1.0 + t)
    if order == 0:
        return [z * G]
    sech2 = 1.0 - t * t
    g1, u1 = 0.5 * sech2, _GELU_C * (1.0 + 3.0 * _GELU_A * z * z)
    G1 = g1 * u1
    out = [z * G, G + z * G1]
    if order >= 2:
        g2, u2 = -t * sech2, 6.0 * _GELU_A * _GELU_C * z
        G2 = g2 * u1 * u1 + g1 * u2
        out.append(2.0 * G1 + z * G2)
    if order >= 3:
        g3, u3 = -sech2 * (1.0 - 3.0 * t * t), 6.0 * _GELU_A * _GELU_C
        G3 = g3 * u1 * u1 * u1 + 3.0 * g2 * u1 * u2 + g1 * u3
        out.append(3.0 * G2 + z * G3)
    return out


#: The activations by name, each ``act(z, xp, order) -> [σ, σ', …]``.
ACTIVATIONS: dict[str, Callable[[Array, Any, int], list[Array]]] = {
    "tanh": tanh,
    "sigmoid": sigmoid,
    "sin": sin,
    "softplus": softplus,
    "silu": silu,
    "gelu_tanh": gelu_tanh,
}


def tanh_derivative(z: Array, xp: Any, order: int) -> tuple[Array, float]:
    """One derivative of ``tanh`` alone, as ``(a, κ)`` with ``σ⁽ᵒʳᵈᵉʳ⁾(z) = κ a``:
    ``σ' = 1 − t²`` (κ = 1) and ``σ'' = 2 t(t² − 1)`` (κ = 2, the factor left to the
    caller's small coefficient vector): the fewest passes over a ``(samples × width)``
    array when a cost needs one order only (a Laplacian)."""
    t = xp.tanh(z)
    if order == 0:
        return t, 1.0
    if order == 1:
        return tanh(z, xp, 1)[1], 1.0
    if order == 2:
        s = t * t
        s -= 1.0
        s *= t
        return s, 2.0
    return tanh(z, xp, order)[order], 1.0


def single_derivative(name: str, z: Array, xp: Any, order: int) -> tuple[Array, float]:
    """``(a, κ)`` with ``σ⁽ᵒʳᵈᵉʳ⁾(z) = κ a`` for the activation ``name``: tanh's shortcut
    (:func:`tanh_derivative`), else the last entry of its list, ``κ = 1``."""
    if name == "tanh":
        return tanh_derivative(z, xp, order)
    return ACTIVATIONS[name](z, xp, order)[order], 1.0
